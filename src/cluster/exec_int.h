/* exec_int: internals shared by the executor's files.
 *
 *   exec.c          calls (ids, per-resource queue, recurring repeats,
 *                   reporting), vigil:vip, meta-data
 *   exec_ocf.c      spawning processes; OCF and stonith agents
 *   exec_process.c  vigil:process resources
 *   exec_warm.c     fence agents started ahead of their use
 *
 * A call moves through these states (function doing the move):
 *
 *   QUEUED --call_start()--> RUNNING --exec_call_finish()--> REPORTING
 *      ^                                                        |
 *      |                                              report_cb(): callback
 *      +---- interval_cb() <---- IDLE <---- recurring ---------+
 *                                 |                             |
 *                                 +-- a watched process dies    +-- one-shot
 *                                     (exec_call_finish())          or cancelled:
 *                                                                   freed
 *
 * Only one call per resource is RUNNING at a time (as Pacemaker's
 * executor): a monitor never races a stop of the same resource.
 */
#ifndef VIGIL_EXEC_INT_H
#define VIGIL_EXEC_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cluster/exec.h"
#include "lib/ev.h"

#define EXEC_DEFAULT_TIMEOUT_MS 20000
#define EXEC_OUTPUT_MAX 4096          /* bytes of an agent's output kept */
#define EXEC_KILL_GRACE_MS 2000       /* SIGTERM to SIGKILL after a timeout */
#define EXEC_PATH "/usr/sbin:/usr/bin:/sbin:/bin"

enum exec_class {
	EXEC_CLASS_UNKNOWN,
	EXEC_CLASS_OCF,
	EXEC_CLASS_STONITH,
	EXEC_CLASS_PROCESS,   /* vigil:process */
	EXEC_CLASS_VIP,       /* vigil:vip */
};

enum exec_call_state {
	CALL_QUEUED,
	CALL_RUNNING,
	CALL_REPORTING,
	CALL_IDLE,
};

struct exec_child;
struct exec_proc;
struct exec_out_notify;
struct exec_announce;
struct exec_meta;
struct exec_warm;

struct exec_call {
	struct executor *ex;
	struct exec_call *prev, *next;   /* ex->calls, in submission order */
	int id;
	enum exec_class cls;
	enum exec_call_state state;
	struct exec_op op;               /* strings from malloc(); params and
					  * env point at the copies below */
	struct sched_attrs params, env;
	long long timeout_ms;            /* op timeout with the default applied */
	exec_done_cb done;
	void *arg;
	bool cancelled;                  /* no callback ever again */
	bool in_callback;                /* freeing waits for the callback */
	bool reported;                   /* a result was delivered already */
	bool rerun;                      /* recurring: run again at once, not
					  * after the interval (its process
					  * died while it was reporting) */
	enum exec_status last_status;    /* ... this one (recurring ops) */
	int last_rc;
	struct ev_timer timer;           /* report (0 ms), then next interval */
	struct ev_timer op_timer;        /* class-specific (process stop) */
	int op_phase;                    /* class-specific step */
	struct exec_child *child;        /* running agent, or NULL */

	/* The current result. */
	enum exec_status status;
	int rc;
	char *output;                    /* from malloc(), or NULL */
	char *reason;                    /* from malloc(), or NULL */
	uint64_t start_mono_ms;
	long long started_ms;
};

struct executor {
	struct ev_loop *loop;
	/* Configuration, from malloc(). */
	char *node_name, *ocf_root, *helper_dir, *socket_path, *state_dir, *fence_dir;
	struct exec_call *calls, *calls_tail;
	int next_id;
	struct exec_child *orphans;      /* cancelled agents being killed */
	struct exec_proc *procs;         /* vigil:process pids being watched */
	struct exec_out_notify *out_notify; /* inotify on their output files
					  * (exec_process.c), or NULL */
	struct exec_announce *announces; /* vigil:vip announcements after a start */
	struct exec_meta *meta;          /* meta-data cache */
	bool fence_prestart;             /* exec_fence_prestart() does something */
	struct exec_warm *warm;          /* fence agents started ahead */
};

/* ---- exec.c ---- */

/* Store the call's result (reason copied; call->output taken as is) and
 * report it from a 0 ms timer; frees the resource for its next call. */
void exec_call_finish(struct exec_call *call, enum exec_status status, int rc,
		      const char *reason);
/* The built-in meta-data of vigil:process and vigil:vip. */
const char *exec_builtin_metadata(enum exec_class cls);
/* A parameter of the call, or NULL. */
const char *exec_call_param(const struct exec_call *call, const char *name);

/* ---- exec_ocf.c: spawning ---- */

/* A NULL-terminated environment being built. */
struct exec_env {
	char **v;   /* "NAME=VALUE" strings from malloc(), NULL-terminated */
	int n, cap;
};

/* Set NAME=VALUE, replacing an earlier NAME. */
void exec_env_set(struct exec_env *env, const char *name, const char *value);
void exec_env_free(struct exec_env *env);

struct exec_spawn {
	const char *path;        /* absolute: no PATH search */
	char *const *argv;
	char *const *envp;
	int stdin_fd;            /* -1: /dev/null */
	int out_fd;              /* stdout and stderr */
	bool new_session;        /* setsid() (long-running) rather than setpgid() */
	bool die_with_vigild;    /* SIGKILL when vigild (the spawning thread) ends */
	const char *cwd;         /* NULL: / */
	bool set_user;
	uid_t uid;
	gid_t gid;
	const gid_t *groups;
	int ngroups;
};

/* Fork and exec. 0 with the pid and a pidfd (CLOEXEC) once the program
 * runs; a positive errno when the child could not set itself up or exec
 * (it was reaped; err says which step: "cannot execute PATH: ..."); a
 * negative errno when no child could be made. The child leads its own
 * process group, so a kill of -pid reaches everything it started. */
int exec_spawn(const struct exec_spawn *sp, pid_t *pid, int *pidfd, char *err, size_t errlen);

/* Reap `pidfd`'s process if it is our child and has exited (waitid
 * P_PIDFD: never another process of the same pid). 1 with the wait status
 * (exit or signal) in `wstatus`, 0 if not exited, -1 if not our child. */
int exec_reap(int pidfd, int *wstatus);
/* "exited with status N" / "killed by signal N" for a wait status. */
void exec_describe_exit(int wstatus, char *buf, size_t len);
/* Fields of /proc/PID/stat (each may be NULL): state (field 3), process
 * group (5) and start time in clock ticks since boot (22), which tells a
 * process from a later one given the same pid. 0 or a negative errno. */
int exec_proc_stat(pid_t pid, char *state, pid_t *pgrp, unsigned long long *starttime);
/* Whether a process group still has a live (non-zombie) member. */
bool exec_group_alive(pid_t pgid);

/* vigild's PATH, HA_SBIN_DIR and VIGIL_SOCKET: what every agent gets. */
void exec_base_env(const struct executor *ex, struct exec_env *env);
/* Wait for a process that was sent SIGKILL. */
void exec_reap_blocking(int pidfd);

/* Start an ocf or stonith call's agent. */
void exec_agent_start(struct exec_call *call);
/* Kill a cancelled call's agent; it is reaped in the background. */
void exec_agent_cancel(struct exec_call *call);
/* executor_free(): kill and reap every agent still running. */
void exec_agents_free(struct executor *ex);
/* Run an agent's meta-data action synchronously; NULL on failure.
 * Returns a string from malloc(). */
char *exec_agent_metadata(struct executor *ex, enum exec_class cls, const char *provider,
			  const char *type, long long timeout_ms);
/* A name usable as one path component (no '/', not "." or ".."). */
bool exec_plain_name(const char *s);
/* The agent's path ("" + false if the names are not plain file names). */
bool exec_agent_path(const struct executor *ex, enum exec_class cls, const char *provider,
		     const char *type, char *buf, size_t len);

/* ---- exec_warm.c: fence agents started ahead ---- */

/* A started agent blocked reading its stdin, handed over with its fds. */
struct exec_warm_agent {
	pid_t pid;
	int pidfd;
	int in_fd;     /* write the parameters, then close */
	int out_fd;    /* stdout + stderr, non-blocking */
};

/* Take the agent of `type` started ahead from the program at `path`;
 * false when none is waiting (or the program changed since). */
bool exec_warm_take(struct executor *ex, const char *type, const char *path,
		    struct exec_warm_agent *out);
/* executor_free(): kill them. */
void exec_warm_free(struct executor *ex);

/* ---- exec_process.c: vigil:process ---- */

void exec_process_start(struct exec_call *call);
/* A cancelled call no longer waits on its process. */
void exec_process_cancel(struct exec_call *call);
/* executor_free(): stop watching and following their output (the
 * processes keep running and writing to their files). */
void exec_procs_free(struct executor *ex);

/* Split a command line into words as a POSIX shell would (whitespace;
 * '...', "..." and backslash quoting) without any expansion. Returns a
 * NULL-terminated array from malloc() (free with exec_words_free()), or
 * NULL with a message in err (unterminated quote). */
char **exec_split_words(const char *s, char *err, size_t errlen);
void exec_words_free(char **words);

#endif

/* exec_ocf: spawning (fork + execve, never a shell), reaping through
 * pidfds, and the two classes that run an agent per operation: ocf and
 * stonith.
 *
 * An agent leads its own process group; a timeout sends SIGTERM to the
 * group, SIGKILL EXEC_KILL_GRACE_MS later, and the result is reported
 * once no live process of the group is left. No SIGCHLD handler: each
 * child is reaped when its pidfd becomes readable, so vigild's other
 * children are never waited for here.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cluster/exec_int.h"
#include "lib/log.h"
#include "lib/strbuf.h"
#include "lib/util.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

#define CHILD_POLL_MS 50            /* looking for the rest of a killed group */
#define CHILD_GIVE_UP_MS 5000       /* after SIGKILL, stop waiting for the group */
#define STONITH_STDIN_MAX 60000     /* fits an empty pipe: written before fork */
#define LINE_MAX_LOG 1024
#define METADATA_MAX (1024 * 1024)

enum child_phase {
	CHILD_RUNNING,
	CHILD_TERM,       /* timed out: SIGTERM sent to the group */
	CHILD_KILL,       /* SIGKILL sent to the group */
};

/* One agent process of a call (or of nobody, once cancelled). */
struct exec_child {
	struct executor *ex;
	struct exec_call *call;     /* NULL once cancelled: an orphan */
	struct exec_child *next;    /* ex->orphans */
	const char *rsc, *action;   /* the call's, for logs; NULL for orphans */
	bool log_lines;             /* log output as it comes (not monitors) */
	pid_t pid;                  /* also the process group */
	int pidfd;
	struct ev_io pid_io;
	int out_fd;                 /* read end of stdout + stderr */
	struct ev_io out_io;
	struct ev_timer timer;      /* op timeout, then kill steps */
	enum child_phase phase;
	bool timed_out;
	bool exited;
	bool status_lost;           /* reaped by someone else */
	int wstatus;
	uint64_t kill_at_ms, give_up_ms;
	char out[2 * EXEC_OUTPUT_MAX];  /* the output's tail */
	size_t out_len;
	bool out_cut;               /* the start of the output was dropped */
	struct strbuf line;         /* partial line for log_lines */
};

/* ---- environment ---- */

void exec_env_set(struct exec_env *env, const char *name, const char *value)
{
	size_t nl = strlen(name);
	char *kv;

	if (!nl || strchr(name, '='))
		return;
	kv = xasprintf("%s=%s", name, value ? value : "");
	for (int i = 0; i < env->n; i++) {
		if (!strncmp(env->v[i], name, nl) && env->v[i][nl] == '=') {
			free(env->v[i]);
			env->v[i] = kv;
			return;
		}
	}
	if (env->n + 2 > env->cap) {
		env->cap = env->cap ? env->cap * 2 : 32;
		env->v = xrealloc(env->v, sizeof(*env->v) * (size_t)env->cap);
	}
	env->v[env->n++] = kv;
	env->v[env->n] = NULL;
}

void exec_env_free(struct exec_env *env)
{
	for (int i = 0; i < env->n; i++)
		free(env->v[i]);
	xfree(&env->v);
	env->n = env->cap = 0;
}

/* What every agent gets: Vigil's helpers (crm_attribute ...) first in
 * PATH and as HA_SBIN_DIR, and the socket they talk to. */
void exec_base_env(const struct executor *ex, struct exec_env *env)
{
	char *path = ex->helper_dir ? xasprintf("%s:%s", ex->helper_dir, EXEC_PATH)
				    : xstrdup(EXEC_PATH);

	exec_env_set(env, "PATH", path);
	free(path);
	exec_env_set(env, "HA_SBIN_DIR", ex->helper_dir ? ex->helper_dir : "/usr/sbin");
	if (ex->socket_path)
		exec_env_set(env, "VIGIL_SOCKET", ex->socket_path);
	exec_env_set(env, "HA_debug", "0");
}

/* The OCF environment; call is NULL for meta-data. */
static void ocf_env(const struct executor *ex, const struct exec_call *call,
		    const char *provider, const char *type, struct exec_env *env)
{
	char num[32];

	exec_base_env(ex, env);
	exec_env_set(env, "OCF_ROOT", ex->ocf_root);
	exec_env_set(env, "OCF_RA_VERSION_MAJOR", "1");
	exec_env_set(env, "OCF_RA_VERSION_MINOR", "1");
	exec_env_set(env, "OCF_RESOURCE_TYPE", type);
	exec_env_set(env, "OCF_RESOURCE_PROVIDER", provider ? provider : "");
	if (!call) {
		exec_env_set(env, "OCF_RESOURCE_INSTANCE", type);
		return;
	}
	exec_env_set(env, "OCF_RESOURCE_INSTANCE", call->op.rsc);
	for (int i = 0; i < call->params.n; i++) {
		const struct sched_attr *a = &call->params.v[i];

		/* The monitor depth is an environment variable of its own. */
		if (!strcmp(a->name, "OCF_CHECK_LEVEL")) {
			exec_env_set(env, a->name, a->value);
		} else {
			char *name = xasprintf("OCF_RESKEY_%s", a->name);

			exec_env_set(env, name, a->value);
			free(name);
		}
	}
	snprintf(num, sizeof(num), "%lld", call->timeout_ms);
	exec_env_set(env, "OCF_RESKEY_CRM_meta_timeout", num);
	snprintf(num, sizeof(num), "%lld", call->op.interval_ms);
	exec_env_set(env, "OCF_RESKEY_CRM_meta_interval", num);
	exec_env_set(env, "OCF_RESKEY_CRM_meta_on_node", ex->node_name);
	exec_env_set(env, "OCF_RESKEY_CRM_meta_on_node_uuid", ex->node_name);
	for (int i = 0; i < call->env.n; i++)
		exec_env_set(env, call->env.v[i].name, call->env.v[i].value);
}

/* fence-agents read "name=value" lines on stdin. pcmk_* and the like
 * configure the fencer, not the agent. */
static void stonith_stdin(const struct exec_call *call, const char *action, struct strbuf *sb)
{
	for (int i = 0; call && i < call->params.n; i++) {
		const struct sched_attr *a = &call->params.v[i];

		if (str_starts_with(a->name, "pcmk_") || str_starts_with(a->name, "CRM_meta") ||
		    !strcmp(a->name, "action") || !strcmp(a->name, "provides"))
			continue;
		sb_appendf(sb, "%s=%s\n", a->name, a->value);
	}
	sb_appendf(sb, "action=%s\n", action);
}

bool exec_plain_name(const char *s)
{
	return s && *s && !strchr(s, '/') && strcmp(s, ".") && strcmp(s, "..");
}

bool exec_agent_path(const struct executor *ex, enum exec_class cls, const char *provider,
		     const char *type, char *buf, size_t len)
{
	int n = -1;

	buf[0] = 0;
	if (cls == EXEC_CLASS_OCF && exec_plain_name(provider) && exec_plain_name(type))
		n = snprintf(buf, len, "%s/resource.d/%s/%s", ex->ocf_root, provider, type);
	else if (cls == EXEC_CLASS_STONITH && exec_plain_name(type))
		n = snprintf(buf, len, "%s/%s", ex->fence_dir, type);
	if (n < 0 || (size_t)n >= len) {
		buf[0] = 0;
		return false;
	}
	return true;
}

/* ---- spawning and reaping ---- */

enum spawn_step { SPAWN_SETUP, SPAWN_CHDIR, SPAWN_USER, SPAWN_EXEC };

struct spawn_failure {
	int step;
	int err;
};

/* The child of exec_spawn(), until execve(). It shares vigild's memory
 * (CLONE_VM) while vigild waits, so it calls nothing that allocates,
 * locks or touches other threads: the user switch is done with raw
 * system calls, which change this task's credentials alone (glibc's
 * setuid() would signal the threads of vigild's thread list). */
static void __attribute__((noreturn)) spawn_child(const struct exec_spawn *sp, int errfd,
						  pid_t vigild)
{
	struct sigaction dfl;
	struct spawn_failure f = { SPAWN_SETUP, 0 };
	sigset_t none;
	int in, out;

	/* Dispositions and mask are inherited through exec: give the
	 * program a clean slate whatever vigild ignores or blocks. */
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	for (int sig = 1; sig < NSIG; sig++)
		sigaction(sig, &dfl, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);

	if (sp->new_session ? setsid() < 0 : setpgid(0, 0) < 0)
		goto fail;
	/* vigild may have died since the clone: then we are orphaned and
	 * the signal would never come. */
	if (sp->die_with_vigild &&
	    (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != vigild))
		goto fail;
	/* Above 2 first: vigild may run with 0-2 closed, so the pipe ends
	 * themselves could be 0, 1 or 2. */
	if (sp->stdin_fd >= 0) {
		in = fcntl(sp->stdin_fd, F_DUPFD_CLOEXEC, 3);
	} else {
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

		in = null >= 0 ? fcntl(null, F_DUPFD_CLOEXEC, 3) : -1;
	}
	out = fcntl(sp->out_fd, F_DUPFD_CLOEXEC, 3);
	if (in < 0 || out < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
		goto fail;
	/* Nothing of vigild's (sockets, epoll, other pipes) leaks into the
	 * program; errfd is already close-on-exec. */
	if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) < 0) {
		for (int fd = 3; fd < 4096; fd++)
			fcntl(fd, F_SETFD, FD_CLOEXEC);
	}
	f.step = SPAWN_CHDIR;
	if (chdir(sp->cwd ? sp->cwd : "/") < 0)
		goto fail;
	f.step = SPAWN_USER;
	if (sp->set_user && (syscall(SYS_setgroups, (size_t)sp->ngroups, sp->groups) < 0 ||
			     syscall(SYS_setgid, sp->gid) < 0 || syscall(SYS_setuid, sp->uid) < 0))
		goto fail;
	f.step = SPAWN_EXEC;
	execve(sp->path, sp->argv, sp->envp);
fail:
	f.err = errno;
	if (write(errfd, &f, sizeof(f)) < 0)
		_exit(127);
	_exit(127);
}

/* The child shares vigild's memory until it executes the program (what
 * vfork() and posix_spawn() do), on a stack of its own: copying vigild's
 * page tables, as fork() does, took about as long as the program's own
 * start on these virtual machines, and every fence and every start pays
 * it. Signals stay blocked until the child has reset their dispositions:
 * a handler of vigild's must never run in it. AddressSanitizer cannot
 * follow a child onto a stack of its own, so the sanitizer build forks
 * (the child's steps are the same). */
#if defined(__SANITIZE_ADDRESS__)
#define SPAWN_WITH_FORK 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SPAWN_WITH_FORK 1
#endif
#endif

#ifdef SPAWN_WITH_FORK
static pid_t spawn_clone(const struct exec_spawn *sp, int errfd)
{
	pid_t self = getpid(), pid = fork();

	if (pid == 0)
		spawn_child(sp, errfd, self);
	return pid;
}
#else
struct spawn_arg {
	const struct exec_spawn *sp;
	int errfd;
	pid_t vigild;
};

static int spawn_child_start(void *arg)
{
	const struct spawn_arg *a = arg;

	spawn_child(a->sp, a->errfd, a->vigild);
}

static pid_t spawn_clone(const struct exec_spawn *sp, int errfd)
{
	enum { STACK_SIZE = 64 * 1024 };
	struct spawn_arg a = { sp, errfd, getpid() };
	sigset_t all, old;
	void *stack;
	pid_t pid;
	int e;

	stack = mmap(NULL, STACK_SIZE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (stack == MAP_FAILED)
		return -1;
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	pid = clone(spawn_child_start, (char *)stack + STACK_SIZE, CLONE_VM | CLONE_VFORK | SIGCHLD, &a);
	e = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	munmap(stack, STACK_SIZE);
	errno = e;
	return pid;
}
#endif

int exec_spawn(const struct exec_spawn *sp, pid_t *pid_out, int *pidfd_out, char *err, size_t errlen)
{
	struct spawn_failure f;
	int ep[2], pidfd, e;
	ssize_t n;
	pid_t pid;

	if (pipe2(ep, O_CLOEXEC) < 0) {
		e = errno;
		snprintf(err, errlen, "pipe: %s", strerror(e));
		return -e;
	}
	pid = spawn_clone(sp, ep[1]);
	if (pid < 0) {
		e = errno;
		close(ep[0]);
		close(ep[1]);
		snprintf(err, errlen, "clone: %s", strerror(e));
		return -e;
	}
	close(ep[1]);
	/* EOF: the exec closed the pipe. Blocks only for the child's few
	 * steps before execve(). */
	do
		n = read(ep[0], &f, sizeof(f));
	while (n < 0 && errno == EINTR);
	close(ep[0]);
	if (n == (ssize_t)sizeof(f)) {
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		switch (f.step) {
		case SPAWN_CHDIR:
			snprintf(err, errlen, "cannot change directory to %s: %s",
				 sp->cwd ? sp->cwd : "/", strerror(f.err));
			break;
		case SPAWN_USER:
			snprintf(err, errlen, "cannot switch to uid %d: %s", (int)sp->uid,
				 strerror(f.err));
			break;
		case SPAWN_EXEC:
			snprintf(err, errlen, "cannot execute %s: %s", sp->path, strerror(f.err));
			break;
		default:
			snprintf(err, errlen, "cannot set up process for %s: %s", sp->path,
				 strerror(f.err));
			break;
		}
		return f.err > 0 ? f.err : EIO;
	}
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0) {
		e = errno;
		kill(-pid, SIGKILL);
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		snprintf(err, errlen, "pidfd_open: %s", strerror(e));
		return -e;
	}
	*pid_out = pid;
	*pidfd_out = pidfd;
	return 0;
}

int exec_reap(int pidfd, int *wstatus)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	while (waitid((idtype_t)P_PIDFD, (id_t)pidfd, &si, WEXITED | WNOHANG) < 0) {
		if (errno != EINTR)
			return -1;
	}
	if (si.si_pid == 0)
		return 0;
	if (si.si_code == CLD_EXITED)
		*wstatus = W_EXITCODE(si.si_status, 0);
	else
		*wstatus = W_EXITCODE(0, si.si_status) | (si.si_code == CLD_DUMPED ? WCOREFLAG : 0);
	return 1;
}

void exec_reap_blocking(int pidfd)
{
	siginfo_t si;

	while (waitid((idtype_t)P_PIDFD, (id_t)pidfd, &si, WEXITED) < 0 && errno == EINTR)
		;
}

void exec_describe_exit(int wstatus, char *buf, size_t len)
{
	if (WIFSIGNALED(wstatus))
		snprintf(buf, len, "killed by signal %d", WTERMSIG(wstatus));
	else
		snprintf(buf, len, "exited with status %d", WEXITSTATUS(wstatus));
}

int exec_proc_stat(pid_t pid, char *state, pid_t *pgrp, unsigned long long *starttime)
{
	char path[64], buf[1024], *p, *tok, *save = NULL;
	ssize_t n;
	int fd, field;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = 0;
	/* The command name may hold spaces and parentheses: fields are
	 * counted from the last ')'. */
	p = strrchr(buf, ')');
	if (!p)
		return -EIO;
	for (field = 3, tok = strtok_r(p + 1, " ", &save); tok;
	     field++, tok = strtok_r(NULL, " ", &save)) {
		if (field == 3 && state)
			*state = tok[0];
		else if (field == 5 && pgrp)
			*pgrp = (pid_t)atoi(tok);
		else if (field == 22) {
			if (starttime)
				*starttime = strtoull(tok, NULL, 10);
			return 0;
		}
	}
	return -EIO;
}

bool exec_group_alive(pid_t pgid)
{
	struct dirent *de;
	bool alive = false;
	DIR *d;

	if (kill(-pgid, 0) < 0 && errno == ESRCH)
		return false;
	/* Zombies still count for kill(); those of an init that is slow
	 * (or never) reaping would hold the result for nothing. */
	d = opendir("/proc");
	if (!d)
		return true;
	while (!alive && (de = readdir(d))) {
		pid_t pgrp = 0;
		char state = 0;
		int pid = atoi(de->d_name);

		if (pid > 0 && exec_proc_stat(pid, &state, &pgrp, NULL) == 0 && pgrp == pgid &&
		    state != 'Z' && state != 'X')
			alive = true;
	}
	closedir(d);
	return alive;
}

/* ---- agent processes ---- */

static void child_free(struct exec_child *ch)
{
	struct executor *ex = ch->ex;
	struct exec_child **pp;

	for (pp = &ex->orphans; *pp; pp = &(*pp)->next) {
		if (*pp == ch) {
			*pp = ch->next;
			break;
		}
	}
	ev_io_stop(ex->loop, &ch->pid_io);
	ev_io_stop(ex->loop, &ch->out_io);
	ev_timer_stop(ex->loop, &ch->timer);
	if (ch->pidfd >= 0)
		close(ch->pidfd);
	if (ch->out_fd >= 0)
		close(ch->out_fd);
	sb_free(&ch->line);
	/* Its watchers may have events in the loop's current batch. */
	ev_free_later(ex->loop, ch);
}

static void log_line(struct exec_child *ch)
{
	if (ch->line.len && ch->rsc)
		log_info("%s %s: %s", ch->rsc, ch->action, sb_str(&ch->line));
	sb_reset(&ch->line);
}

static void output_add(struct exec_child *ch, const char *p, size_t n)
{
	if (ch->log_lines) {
		for (size_t i = 0; i < n; i++) {
			if (p[i] == '\n' || ch->line.len >= LINE_MAX_LOG)
				log_line(ch);
			if (p[i] != '\n')
				sb_append(&ch->line, p + i, 1);
		}
	}
	if (n > EXEC_OUTPUT_MAX) {
		p += n - EXEC_OUTPUT_MAX;
		n = EXEC_OUTPUT_MAX;
		ch->out_len = 0;
		ch->out_cut = true;
	}
	if (ch->out_len + n > sizeof(ch->out)) {
		size_t keep = EXEC_OUTPUT_MAX - n;

		memmove(ch->out, ch->out + ch->out_len - keep, keep);
		ch->out_len = keep;
		ch->out_cut = true;
	}
	memcpy(ch->out + ch->out_len, p, n);
	ch->out_len += n;
}

/* Read what is there; close on EOF. */
static void output_read(struct exec_child *ch)
{
	char buf[4096];

	while (ch->out_fd >= 0) {
		ssize_t n = read(ch->out_fd, buf, sizeof(buf));

		if (n > 0) {
			output_add(ch, buf, (size_t)n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		ev_io_stop(ch->ex->loop, &ch->out_io);
		close(ch->out_fd);
		ch->out_fd = -1;
	}
}

static void out_cb(struct ev_loop *loop, struct ev_io *io, uint32_t events)
{
	output_read(io->data);
}

/* The kept output as a string from malloc(): the last EXEC_OUTPUT_MAX
 * bytes, from a line start when the beginning was dropped. */
static char *output_string(const struct exec_child *ch)
{
	size_t start = ch->out_len > EXEC_OUTPUT_MAX ? ch->out_len - EXEC_OUTPUT_MAX : 0;
	const char *nl;
	char *s;

	if (start > 0 || ch->out_cut) {
		nl = memchr(ch->out + start, '\n', ch->out_len - start);
		if (nl)
			start = (size_t)(nl + 1 - ch->out);
	}
	s = xmalloc(ch->out_len - start + 1);
	memcpy(s, ch->out + start, ch->out_len - start);
	s[ch->out_len - start] = 0;
	for (size_t i = 0; i < ch->out_len - start; i++)
		if (s[i] == 0)
			s[i] = '?';
	return s;
}

/* ocf_exit_reason writes "ocf-exit-reason:TEXT" to stderr; the last one
 * counts. Returns a string from malloc() or NULL. */
static char *ocf_exit_reason(const char *out)
{
	static const char tag[] = "ocf-exit-reason:";
	const char *p = out, *found = NULL;

	while ((p = strstr(p, tag))) {
		if (p == out || p[-1] == '\n')
			found = p + sizeof(tag) - 1;
		p += sizeof(tag) - 1;
	}
	if (!found)
		return NULL;
	return xasprintf("%.*s", (int)strcspn(found, "\n"), found);
}

static char *trimmed(const char *s)
{
	size_t len;

	while (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r')
		s++;
	len = strlen(s);
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\n' || s[len - 1] == '\t' ||
		       s[len - 1] == '\r'))
		len--;
	return xasprintf("%.*s", (int)len, s);
}

/* The agent is gone (and its group, after a timeout): report. */
static void child_done(struct exec_child *ch)
{
	struct exec_call *call = ch->call;
	enum exec_status status = EXEC_DONE;
	int rc = OCF_ERR_GENERIC;
	char *reason = NULL;

	log_line(ch);
	call->output = output_string(ch);
	if (ch->timed_out) {
		status = EXEC_TIMEOUT;
		reason = xasprintf("timed out after %lld ms", call->timeout_ms);
	} else if (ch->status_lost) {
		status = EXEC_ERROR;
		reason = xstrdup("exit status lost (the agent was reaped elsewhere)");
	} else if (WIFSIGNALED(ch->wstatus)) {
		status = EXEC_ERROR;
		reason = xasprintf("killed by signal %d", WTERMSIG(ch->wstatus));
	} else if (call->cls == EXEC_CLASS_STONITH) {
		int code = WEXITSTATUS(ch->wstatus);

		rc = code == 0 ? OCF_SUCCESS : OCF_ERR_GENERIC;
		if (code != 0) {
			reason = trimmed(call->output);
			if (!*reason) {
				free(reason);
				reason = xasprintf("exit code %d", code);
			}
		}
	} else {
		rc = WEXITSTATUS(ch->wstatus);
		reason = ocf_exit_reason(call->output);
	}
	call->child = NULL;
	child_free(ch);
	exec_call_finish(call, status, rc, reason);
	free(reason);
}

static void pid_cb(struct ev_loop *loop, struct ev_io *io, uint32_t events)
{
	struct exec_child *ch = io->data;
	int r = exec_reap(ch->pidfd, &ch->wstatus);

	if (r == 0)
		return;
	ch->status_lost = r < 0;
	ch->exited = true;
	ev_io_stop(loop, &ch->pid_io);
	close(ch->pidfd);
	ch->pidfd = -1;
	/* Whatever it wrote is in the pipe now. A background process it
	 * left holding the pipe must not hold the result: stop reading. */
	output_read(ch);
	ev_io_stop(loop, &ch->out_io);
	if (ch->out_fd >= 0) {
		close(ch->out_fd);
		ch->out_fd = -1;
	}
	if (!ch->call) {
		child_free(ch);
		return;
	}
	/* After a timeout the rest of the group goes too; child_timer_cb()
	 * looks for it. */
	if (ch->timed_out && exec_group_alive(ch->pid))
		return;
	child_done(ch);
}

static void child_timer_cb(struct ev_loop *loop, struct ev_timer *t)
{
	struct exec_child *ch = t->data;
	uint64_t now = ev_now_ms(loop);

	switch (ch->phase) {
	case CHILD_RUNNING:
		log_warning("%s %s timed out after %lld ms: terminating process group %d",
			    ch->rsc, ch->action, ch->call->timeout_ms, (int)ch->pid);
		ch->timed_out = true;
		ch->phase = CHILD_TERM;
		ch->kill_at_ms = now + EXEC_KILL_GRACE_MS;
		kill(-ch->pid, SIGTERM);
		break;
	case CHILD_TERM:
		if (ch->exited && !exec_group_alive(ch->pid)) {
			child_done(ch);
			return;
		}
		if (now >= ch->kill_at_ms) {
			log_warning("%s %s: process group %d still there %d ms after SIGTERM, killing it",
				    ch->rsc, ch->action, (int)ch->pid, EXEC_KILL_GRACE_MS);
			kill(-ch->pid, SIGKILL);
			ch->phase = CHILD_KILL;
			ch->give_up_ms = now + CHILD_GIVE_UP_MS;
		}
		break;
	case CHILD_KILL:
		if (ch->exited && !exec_group_alive(ch->pid)) {
			child_done(ch);
			return;
		}
		/* A process stuck in the kernel (D state) ignores SIGKILL
		 * for now; the agent itself is gone, report anyway. */
		if (ch->exited && now >= ch->give_up_ms) {
			log_warning("%s %s: process group %d outlives SIGKILL", ch->rsc, ch->action,
				    (int)ch->pid);
			child_done(ch);
			return;
		}
		break;
	}
	ev_timer_start(loop, &ch->timer, CHILD_POLL_MS);
}

/* The actions that fence: worth an agent started ahead. */
static bool fencing_action(const char *action)
{
	return !strcmp(action, "reboot") || !strcmp(action, "off") || !strcmp(action, "on");
}

void exec_agent_start(struct exec_call *call)
{
	struct executor *ex = call->ex;
	bool stonith = call->cls == EXEC_CLASS_STONITH;
	const char *action = call->op.action;
	struct exec_env env = { 0 };
	struct exec_spawn sp = { 0 };
	struct exec_warm_agent warm;
	struct exec_child *ch;
	struct strbuf sb = STRBUF_INIT;
	char path[PATH_MAX], err[PATH_MAX + 128];
	char *argv[3];
	int out[2] = { -1, -1 }, in[2] = { -1, -1 };
	int r, pidfd = -1;
	pid_t pid = 0;

	if (!exec_agent_path(ex, call->cls, call->op.provider, call->op.type, path, sizeof(path))) {
		snprintf(err, sizeof(err), "agent not found: %s:%s:%s", call->op.cls,
			 call->op.provider ? call->op.provider : "", call->op.type);
		exec_call_finish(call, EXEC_DONE, OCF_ERR_INSTALLED, err);
		return;
	}
	argv[0] = path;
	argv[1] = stonith ? NULL : (char *)action;
	argv[2] = NULL;
	if (stonith) {
		stonith_stdin(call, !strcmp(action, "meta-data") ? "metadata" : action, &sb);
		if (sb.len > STONITH_STDIN_MAX) {
			sb_free(&sb);
			exec_call_finish(call, EXEC_ERROR, OCF_ERR_GENERIC,
					 "cannot pass the parameters to the fence agent");
			return;
		}
	}
	/* Its stdin is an empty pipe that holds all of the parameters: the
	 * write does not block. (vigild ignores SIGPIPE: an agent that died
	 * a moment ago is an EPIPE here, and a start as usual.) */
	if (stonith && fencing_action(action) && exec_warm_take(ex, call->op.type, path, &warm)) {
		bool ok = write(warm.in_fd, sb.s, sb.len) == (ssize_t)sb.len;

		if (!ok)
			kill(-warm.pid, SIGKILL);
		close(warm.in_fd);
		if (ok) {
			sb_free(&sb);
			pid = warm.pid;
			pidfd = warm.pidfd;
			out[0] = warm.out_fd;
			goto watch;
		}
		exec_reap_blocking(warm.pidfd);
		close(warm.pidfd);
		close(warm.out_fd);
	}
	if (stonith) {
		ssize_t n = -1;

		exec_base_env(ex, &env);
		if (pipe2(in, O_CLOEXEC) == 0)
			n = write(in[1], sb.s, sb.len);
		if (in[1] >= 0)
			close(in[1]);
		if (n != (ssize_t)sb.len) {
			sb_free(&sb);
			exec_env_free(&env);
			if (in[0] >= 0)
				close(in[0]);
			exec_call_finish(call, EXEC_ERROR, OCF_ERR_GENERIC,
					 "cannot pass the parameters to the fence agent");
			return;
		}
		sb_free(&sb);
	} else {
		ocf_env(ex, call, call->op.provider, call->op.type, &env);
	}
	if (pipe2(out, O_CLOEXEC) < 0) {
		snprintf(err, sizeof(err), "pipe: %s", strerror(errno));
		r = -1;
	} else {
		fcntl(out[0], F_SETFL, O_NONBLOCK);
		sp.path = path;
		sp.argv = argv;
		sp.envp = env.v;
		sp.stdin_fd = in[0];
		sp.out_fd = out[1];
		r = exec_spawn(&sp, &pid, &pidfd, err, sizeof(err));
		close(out[1]);
	}
	if (in[0] >= 0)
		close(in[0]);
	exec_env_free(&env);
	if (r != 0) {
		if (out[0] >= 0)
			close(out[0]);
		if (r == ENOENT)
			snprintf(err, sizeof(err), "agent not found: %s", path);
		exec_call_finish(call, r > 0 ? EXEC_DONE : EXEC_ERROR,
				 r > 0 ? OCF_ERR_INSTALLED : OCF_ERR_GENERIC, err);
		return;
	}

watch:
	ch = xcalloc(1, sizeof(*ch));
	ch->ex = ex;
	ch->call = call;
	ch->rsc = call->op.rsc;
	ch->action = call->op.action;
	ch->log_lines = strcmp(action, "monitor") != 0;
	ch->pid = pid;
	ch->pidfd = pidfd;
	ch->out_fd = out[0];
	ev_io_init(&ch->pid_io, pid_cb, ch);
	ev_io_init(&ch->out_io, out_cb, ch);
	ev_timer_init(&ch->timer, child_timer_cb, ch);
	call->child = ch;
	if (ev_io_start(ex->loop, &ch->pid_io, pidfd, EPOLLIN) < 0 ||
	    ev_io_start(ex->loop, &ch->out_io, out[0], EPOLLIN) < 0) {
		kill(-pid, SIGKILL);
		exec_reap_blocking(pidfd);
		call->child = NULL;
		child_free(ch);
		exec_call_finish(call, EXEC_ERROR, OCF_ERR_GENERIC, "cannot watch the agent");
		return;
	}
	ev_timer_start(ex->loop, &ch->timer, (uint64_t)call->timeout_ms);
}

void exec_agent_cancel(struct exec_call *call)
{
	struct exec_child *ch = call->child;
	struct executor *ex = call->ex;

	call->child = NULL;
	ch->call = NULL;
	ch->rsc = ch->action = NULL;
	ch->log_lines = false;
	ev_timer_stop(ex->loop, &ch->timer);
	kill(-ch->pid, SIGKILL);
	if (ch->exited) {
		child_free(ch);
		return;
	}
	/* pid_cb() reaps and frees it. */
	ch->next = ex->orphans;
	ex->orphans = ch;
}

void exec_agents_free(struct executor *ex)
{
	while (ex->orphans) {
		struct exec_child *ch = ex->orphans;

		/* SIGKILLed already: waiting is short, and leaves no zombie. */
		kill(-ch->pid, SIGKILL);
		if (ch->pidfd >= 0)
			exec_reap_blocking(ch->pidfd);
		child_free(ch);
	}
}

/* ---- meta-data, synchronously ---- */

char *exec_agent_metadata(struct executor *ex, enum exec_class cls, const char *provider,
			  const char *type, long long timeout_ms)
{
	struct exec_env env = { 0 };
	struct exec_spawn sp = { 0 };
	struct strbuf sb = STRBUF_INIT;
	struct pollfd pfd[2];
	char path[PATH_MAX], err[PATH_MAX + 128];
	char *argv[3];
	int out[2] = { -1, -1 }, in[2] = { -1, -1 };
	int r, pidfd = -1, wstatus = 0;
	bool exited = false, lost = false;
	uint64_t deadline;
	pid_t pid;

	if (!exec_agent_path(ex, cls, provider, type, path, sizeof(path)))
		return NULL;
	argv[0] = path;
	argv[1] = cls == EXEC_CLASS_STONITH ? NULL : "meta-data";
	argv[2] = NULL;
	if (cls == EXEC_CLASS_STONITH) {
		static const char req[] = "action=metadata\n";

		exec_base_env(ex, &env);
		if (pipe2(in, O_CLOEXEC) < 0)
			goto out;
		if (write(in[1], req, sizeof(req) - 1) < 0)
			goto out;
		close(in[1]);
		in[1] = -1;
	} else {
		ocf_env(ex, NULL, provider, type, &env);
	}
	if (pipe2(out, O_CLOEXEC) < 0)
		goto out;
	sp.path = path;
	sp.argv = argv;
	sp.envp = env.v;
	sp.stdin_fd = in[0];
	sp.out_fd = out[1];
	r = exec_spawn(&sp, &pid, &pidfd, err, sizeof(err));
	close(out[1]);
	out[1] = -1;
	if (in[0] >= 0) {
		close(in[0]);
		in[0] = -1;
	}
	if (r != 0)
		goto out;

	deadline = ev_monotonic_ms() + (uint64_t)timeout_ms;
	pfd[0] = (struct pollfd){ .fd = pidfd, .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = out[0], .events = POLLIN };
	while (!exited) {
		uint64_t now = ev_monotonic_ms();
		char buf[4096];
		ssize_t n;

		if (now >= deadline) {
			log_warning("meta-data of %s timed out after %lld ms", path, timeout_ms);
			kill(-pid, SIGKILL);
			exec_reap_blocking(pidfd);
			goto out;
		}
		if (poll(pfd, 2, (int)(deadline - now)) < 0 && errno != EINTR) {
			kill(-pid, SIGKILL);
			exec_reap_blocking(pidfd);
			goto out;
		}
		if (pfd[1].fd >= 0 && pfd[1].revents) {
			n = read(out[0], buf, sizeof(buf));
			if (n > 0 && sb.len < METADATA_MAX)
				sb_append(&sb, buf, (size_t)n);
			else if (n == 0 || (n < 0 && errno != EINTR))
				pfd[1].fd = -1;
		}
		if (pfd[0].revents) {
			r = exec_reap(pidfd, &wstatus);
			exited = r != 0;
			lost = r < 0;
		}
	}
	/* Gone: take what is left in the pipe without waiting for EOF. */
	fcntl(out[0], F_SETFL, O_NONBLOCK);
	for (;;) {
		char buf[4096];
		ssize_t n = read(out[0], buf, sizeof(buf));

		if (n <= 0 || sb.len >= METADATA_MAX)
			break;
		sb_append(&sb, buf, (size_t)n);
	}
	if (exited && (lost || (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0)) && sb.len &&
	    sb.len < METADATA_MAX) {
		char *xml = sb.s;

		sb.s = NULL;
		sb_free(&sb);
		close(pidfd);
		close(out[0]);
		exec_env_free(&env);
		return xml;
	}
out:
	if (pidfd >= 0)
		close(pidfd);
	for (int i = 0; i < 2; i++) {
		if (out[i] >= 0)
			close(out[i]);
		if (in[i] >= 0)
			close(in[i]);
	}
	sb_free(&sb);
	exec_env_free(&env);
	return NULL;
}

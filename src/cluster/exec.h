/* exec: runs resource operations on this node (vigild's executor layer).
 *
 * Classes:
 *   ocf      agents from OCF_ROOT/resource.d/PROVIDER/TYPE, run unchanged:
 *            OCF environment, parameters as OCF_RESKEY_* (execve, never a
 *            shell), the op timeout ending in SIGTERM then SIGKILL.
 *   vigil:process  a long-running command vigild starts and watches through
 *            a pidfd: its death is reported the moment it happens. It
 *            outlives vigild (own session, pid file with its start time);
 *            its stdout/stderr go to STATE_DIR/process/RSC.out, which
 *            vigild follows and logs, so writing never fails when vigild
 *            is gone.
 *   vigil:vip      a virtual IP address (netlink, gratuitous ARP / NA): bad
 *            parameters are rc 6, except for a stop (nothing to remove:
 *            rc 0); the arp_count - 1 announcements after the first go on
 *            in the background after the start's result, until a stop.
 *   stonith  fence agents (fence-agents' stdin protocol).
 *
 * Every operation is asynchronous on the caller's event loop; one agent
 * hanging never blocks another. Operations of one resource run one at a
 * time, in the order given (as Pacemaker's executor): a monitor never
 * races a stop. A recurring operation (interval_ms > 0) runs at once, then
 * again interval_ms after each completion, until exec_cancel(); its
 * callback runs for the first result and then only when (status, rc)
 * changes (as Pacemaker's executor reports), and at once when a watched
 * process dies.
 *
 * A missing or non-executable agent is status EXEC_DONE, rc
 * OCF_ERR_INSTALLED. A timeout kills the agent's process group (SIGTERM,
 * SIGKILL 2 s later) and reports EXEC_TIMEOUT once the group is gone.
 */
#ifndef VIGIL_EXEC_H
#define VIGIL_EXEC_H

#include <stdbool.h>
#include <stddef.h>

#include "cluster/sched.h"

struct ev_loop;
struct executor;

/* OCF exit codes (Pacemaker's meaning). */
enum ocf_rc {
	OCF_SUCCESS = 0,
	OCF_ERR_GENERIC = 1,
	OCF_ERR_ARGS = 2,
	OCF_ERR_UNIMPLEMENTED = 3,
	OCF_ERR_PERM = 4,
	OCF_ERR_INSTALLED = 5,
	OCF_ERR_CONFIGURED = 6,
	OCF_NOT_RUNNING = 7,
	OCF_RUNNING_PROMOTED = 8,
	OCF_FAILED_PROMOTED = 9,
	OCF_DEGRADED = 190,
	OCF_DEGRADED_PROMOTED = 191,
};

/* Operation status (Pacemaker's op-status). */
enum exec_status {
	EXEC_DONE = 0,         /* the agent ran; see rc */
	EXEC_CANCELLED = 1,
	EXEC_TIMEOUT = 2,
	EXEC_NOT_SUPPORTED = 3,
	EXEC_ERROR = 4,        /* the agent could not run (fork, pipes) or died
				* of a signal; rc is OCF_ERR_GENERIC */
};

struct exec_op {
	const char *rsc;        /* resource (instance) name, for logs and env */
	const char *cls;        /* "ocf", "vigil", "stonith" */
	const char *provider;   /* ocf only */
	const char *type;       /* agent type; for vigil: "process" or "vip" */
	const char *action;     /* start stop monitor promote demote notify reload
				 * meta-data validate-all */
	long long interval_ms;  /* > 0: recurring */
	long long timeout_ms;   /* 0: 20 s */
	const struct sched_attrs *params;  /* instance attributes, may be NULL;
					    * ocf: OCF_RESKEY_<name> (OCF_CHECK_LEVEL
					    * as itself); stonith: stdin lines */
	/* Extra environment for ocf agents, exported as name=value with the
	 * names as given, e.g. OCF_RESKEY_CRM_meta_notify_type; may be NULL.
	 * They override the executor's own variables. */
	const struct sched_attrs *env;
};

struct exec_result {
	int call_id;
	enum exec_status status;
	int rc;                 /* OCF exit code when status == EXEC_DONE */
	const char *output;     /* last lines of stdout+stderr ("" if none),
				 * at most 4 KiB */
	const char *reason;     /* human reason for a failure, or NULL; an OCF
				 * agent's last ocf_exit_reason */
	long long exec_ms;      /* how long the agent ran */
	long long started_ms;   /* wall clock (ms since the epoch) at start */
};

typedef void (*exec_done_cb)(void *arg, const struct exec_op *op,
			     const struct exec_result *res);

struct exec_config {
	const char *node_name;   /* OCF_RESKEY_CRM_meta_on_node */
	const char *ocf_root;    /* default /usr/lib/ocf */
	const char *helper_dir;  /* prepended to PATH, and HA_SBIN_DIR: Vigil's
				  * crm_attribute, crm_node ... for agents */
	const char *socket_path; /* VIGIL_SOCKET for those helpers */
	const char *state_dir;   /* pid files of vigil:process resources in
				  * STATE_DIR/process (default /var/lib/vigil) */
	const char *fence_dir;   /* stonith agents (default /usr/sbin) */
	bool fence_prestart;     /* exec_fence_prestart() keeps agents ready */
};

struct executor *executor_new(struct ev_loop *loop, const struct exec_config *cfg);
/* Cancels every operation (callbacks do not run), kills and reaps running
 * agents, and frees. Processes of vigil:process resources keep running:
 * they belong to the node, not to this vigild. Not from an executor
 * callback. Some memory goes through ev_free_later(): run the loop once
 * more (or let the process end) before ev_loop_free(). */
void executor_free(struct executor *ex);

/* Start an operation; `done` runs on the loop when it completes (never
 * from inside exec_run()). The strings of `op` are copied; the callback's
 * `op` and `res` are valid during the callback only. The callback may
 * call exec_run(), exec_cancel() and exec_cancel_rsc(), on its own call
 * too. Returns the call id (> 0), or -EINVAL (missing rsc, cls, type or
 * action) with nothing started. */
int exec_run(struct executor *ex, const struct exec_op *op, exec_done_cb done, void *arg);
/* Cancel a recurring or running operation: kill its agent if running;
 * the callback does not run again. No effect on an unknown id. */
void exec_cancel(struct executor *ex, int call_id);
/* Cancel every operation of a resource (before its stop). */
void exec_cancel_rsc(struct executor *ex, const char *rsc);

/* Keep one agent of each of these stonith types started ahead, blocked
 * reading its parameters, for the next reboot, off or on: the fence then
 * costs no process start (see exec_warm.c). Agents of types no longer
 * listed are killed. Nothing unless exec_config.fence_prestart. */
void exec_fence_prestart(struct executor *ex, const char *const *types, int n);

/* Whether this node can run the class:provider:type at all (the agent
 * file exists and is executable). */
bool exec_agent_exists(const struct executor *ex, const char *cls, const char *provider,
		       const char *type);
/* An agent's meta-data, run synchronously (at most 5 s; cached until
 * executor_free()). NULL if it has none. */
const char *exec_metadata(struct executor *ex, const char *cls, const char *provider,
			  const char *type);
/* The timeout the agent's meta-data gives an action (<action name="start"
 * timeout="20s"/>; a plain number is seconds), or 0 if none. */
long long exec_default_timeout_ms(struct executor *ex, const char *cls, const char *provider,
				  const char *type, const char *action);

/* Pacemaker's names: "ok", "not running", ...; "unknown" otherwise. */
const char *exec_rc_name(int rc);
const char *exec_status_name(enum exec_status status);

/* Number of operations running right now, recurring ones between two
 * runs not counted (tests, status). */
int exec_running(const struct executor *ex);

#endif

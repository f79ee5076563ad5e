/* controller_int: what controller.c (decisions, transitions, monitors),
 * controller_msg.c (the replicated state: cluster messages and
 * membership), controller_state.c (configuration and status files) and
 * controller_cmds.c (vigilctl commands) share. Not for other modules. */
#ifndef VIGIL_CONTROLLER_INT_H
#define VIGIL_CONTROLLER_INT_H

#include <stdbool.h>

#include "cluster/cluster.h"
#include "cluster/controller.h"
#include "cluster/crm_conf.h"
#include "cluster/exec.h"
#include "cluster/sched.h"
#include "cluster/xml.h"
#include "lib/ev.h"

#define CONFIG_VERSIONS_KEPT 50
#define PE_INPUTS_KEPT       100
#define HISTORY_KEPT         50

/* One action of the running transition. */
struct tr_action {
	struct controller *ctl;
	int idx;
	char *rsc;               /* history id, NULL for pseudo/node actions */
	char *digest;            /* parameters' digest, for starts */
	char *label;             /* "web start on n1", for logs */
	char *task;
	long long interval_ms;
	bool pseudo;
	bool fence;              /* stonith of `node` */
	char *node;              /* where it runs (fence: the target) */
	int *deps;               /* indexes of actions that must finish first */
	int ndeps;
	enum { TA_WAITING, TA_RUNNING, TA_DONE, TA_FAILED } state;
	int target_rc;
	struct exec_op op;       /* strings owned by this struct (see tr_free) */
	struct sched_attrs params, env;
};

struct transition {
	int id;
	struct tr_action *acts;
	int nacts;
	int running;
	bool aborted;
	char *reason;            /* why it was computed */
	long long started;       /* epoch seconds */
};

/* A recurring monitor the controller keeps running. */
struct monitor {
	struct monitor *next;
	struct controller *ctl;
	char *rsc;               /* history id */
	long long interval_ms;
	int target_rc;
	int call_id;             /* executor's */
	char *cls, *provider, *type;
	bool seen;               /* reconcile mark */
};

struct history_entry {
	int transition;
	long long when;
	char *reason;
	char *summary;           /* actions, one per line */
	char *result;            /* "complete", "aborted: ..." */
};

/* A vigilctl request waiting for its change to be delivered. */
struct waiter {
	struct waiter *next;
	struct controller *ctl;
	unsigned id;
	struct ctl_conn *conn;
	char *success;           /* printed when it applies */
	struct ev_timer timeout; /* the cluster must deliver within this */
};

/* An operation this node runs for the designated controller. */
struct remote_op {
	struct controller *ctl;
	int transition, idx;     /* the DC's, echoed in the result */
	int target_rc;
	char *digest;
	struct exec_op op;       /* owned strings */
	struct sched_attrs params, env;
};

/* A `resource restart` waiting for the resource to be stopped. */
struct restart {
	struct restart *next;
	char *rsc;
	char *target_role;       /* to restore; NULL: none was set */
};

struct controller {
	struct ev_loop *loop;
	struct executor *ex;
	struct cluster *cl;
	char *node;
	char *state_dir;

	/* Membership (from the cluster layer). */
	struct cluster_member *members;   /* running vigild, sorted by id */
	int nmembers;
	struct cluster_member *cnodes;    /* in the Corosync membership */
	int ncnodes;
	bool quorate;
	uint32_t quorum_needed;  /* votes the quorum view needs (0: unknown) */
	char *dc;                /* designated controller: lowest member id */
	bool is_dc;
	bool synced;             /* every member's hello seen since the change */
	int fenced_unconfirmed;  /* "fenced" messages this DC sent that have not
				    come back: no decision until they have */
	uint32_t *gone_wait;     /* nodes that left Corosync, until the quorum
				    view has them out */
	int ngone_wait;
	uint32_t *hello_wait;    /* members not heard from yet */
	int nhello_wait;
	long long max_version;   /* highest configuration version announced */
	uint32_t max_version_id;
	unsigned req_seq;
	struct waiter *waiters;
	int busy;                /* operations this node runs for the DC */
	uint64_t started_ms;     /* loop clock when vigild started */
	bool all_joined;         /* every configured node has been a member since
				    then: the start-up wait (dc-deadtime) is over */
	bool corosync;
	bool shutting_down;
	uint64_t synced_at;
	struct ev_timer refresh; /* probes and monitors of this node */

	/* Configuration. */
	struct crm_conf *conf;
	long long conf_version;
	struct xml_node *cib;    /* parsed configuration + status (owned) */
	struct xml_node *status; /* <status> child of cib */
	int call_id;             /* last recorded call id */
	bool start_failure_fatal;

	/* Decisions. */
	bool need_schedule;
	char *schedule_reason;
	struct ev_timer kick;    /* runs the scheduler soon after an event */
	struct ev_timer recheck; /* failure-timeout expiry */
	struct transition *tr;
	int transition_seq;
	int probes_running;
	int pe_seq;
	struct monitor *monitors;
	struct restart *restarts;
	struct history_entry history[HISTORY_KEPT];
	int nhistory;            /* total ever; ring index = n % HISTORY_KEPT */
};

/* controller.c */
void ctl_request_schedule(struct controller *ctl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Something changed: probes and monitors of this node are looked at again,
 * and the DC decides again. */
void ctl_state_changed(struct controller *ctl, const char *reason);
/* An operation result applied on every node (see controller_msg.c);
 * transition/idx name the DC's action it answers, or -1. */
void ctl_op_applied(struct controller *ctl, const char *node, int transition, int idx,
		    bool failed, bool pending);
void ctl_fence_applied(struct controller *ctl, const char *node);
void ctl_fence_failed(struct controller *ctl, const char *node);
/* Run an operation the DC asked of this node. */
void ctl_run_remote(struct controller *ctl, struct remote_op *ro);
void ctl_membership_changed(struct controller *ctl);
/* Whether the quorum view is one to decide on (see controller.c). */
bool ctl_quorum_current(const struct controller *ctl);
/* The node left Corosync and the quorum view does not show it yet. */
bool ctl_gone_waiting(const struct controller *ctl, const char *name);
void ctl_synced(struct controller *ctl);
/* Unpack the current configuration + status (now); NULL with err. */
struct sched_cluster *ctl_unpack(struct controller *ctl, char *err, size_t errlen);
/* The history id of a primitive ("rsc" for anonymous clone instances). */
const char *ctl_history_id(const struct sched_rsc *r);

void ctl_restart_add(struct controller *ctl, const char *rsc, const char *target_role);

/* controller_state.c */
int ctl_state_load(struct controller *ctl, char *err, size_t errlen);
/* Validate `conf`, make it the new version, durably; on error nothing
 * changes. */
int ctl_config_commit(struct controller *ctl, struct crm_conf *conf, long long version,
		      const char *origin, char *err, size_t errlen);
/* Parse and check a configuration: the CIB, or NULL with err. With
 * check_agents, every agent must be installed on this node. */
struct xml_node *ctl_config_check(struct controller *ctl, const struct crm_conf *conf,
				  const char *name, bool check_agents, char *err, size_t errlen);
/* Known nodes (this one, Corosync's, members) into a CIB's nodes. */
void ctl_add_known_nodes(struct controller *ctl, struct xml_node *cib);
struct xml_node *ctl_node_state(struct controller *ctl, const char *node);
void ctl_status_save(struct controller *ctl);
/* The scheduler's input as a transition starts (pe-input-N.xml): taken
 * before its actions launch, written after them, so that saving debugging
 * data never delays a fence or a start. */
struct pe_input {
	int seq;
	char *text;
};
struct pe_input *ctl_pe_input_take(struct controller *ctl, long long now);
void ctl_pe_input_write(struct controller *ctl, struct pe_input *pe);
void ctl_log_transition(struct controller *ctl, const struct history_entry *h);
/* Text of stored configuration version N, from malloc(); NULL if gone. */
char *ctl_config_version_text(struct controller *ctl, long long version);
/* "N  DATE  ORIGIN" lines of stored versions, newest first. */
void ctl_config_versions(struct controller *ctl, struct strbuf *out);
struct xml_node *ctl_self_state(struct controller *ctl);

/* controller_msg.c: every change of the replicated state is a message,
 * applied on delivery, in the same order on every node. */
struct cluster_events;
extern const struct cluster_events ctl_cluster_events;
/* An operation result (or, with op_status -1, an operation started). */
void msg_send_op(struct controller *ctl, const struct exec_op *op, int rc, int op_status,
		 int target_rc, long long when, long long exec_ms, const char *reason,
		 const char *digest, int transition, int idx);
/* Propose a configuration based on the current version; the waiter (conn
 * may be NULL) is answered when it applies or is refused. */
int msg_propose_config(struct controller *ctl, struct ctl_conn *conn, const char *origin,
		       const char *text, const char *success);
int msg_send_attr(struct controller *ctl, struct ctl_conn *conn, const char *node,
		  const char *name, const char *value);
int msg_send_forget(struct controller *ctl, struct ctl_conn *conn, const char *node,
		    const char **rscs, int n, const char *success);
void msg_send_exec(struct controller *ctl, const char *node, int transition, int idx,
		   const struct exec_op *op, int target_rc, const char *digest);
/* 0 once sent (it comes back to this node too), or -errno. */
int msg_send_fenced(struct controller *ctl, const char *node);
void msg_send_fence_failed(struct controller *ctl, const char *node, const char *reason);
void msg_free_waiters(struct controller *ctl);

#endif

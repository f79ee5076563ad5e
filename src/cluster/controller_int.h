/* controller_int: what controller.c (decisions, transitions, monitors),
 * controller_state.c (configuration and status files) and
 * controller_cmds.c (vigilctl commands) share. Not for other modules. */
#ifndef VIGIL_CONTROLLER_INT_H
#define VIGIL_CONTROLLER_INT_H

#include <stdbool.h>

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

/* A `resource restart` waiting for the resource to be stopped. */
struct restart {
	struct restart *next;
	char *rsc;
	char *target_role;       /* to restore; NULL: none was set */
};

struct controller {
	struct ev_loop *loop;
	struct executor *ex;
	char *node;
	char *state_dir;

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
/* Unpack the current configuration + status (now); NULL with err. */
struct sched_cluster *ctl_unpack(struct controller *ctl, char *err, size_t errlen);
/* The history id of a primitive ("rsc" for anonymous clone instances). */
const char *ctl_history_id(const struct sched_rsc *r);

void ctl_restart_add(struct controller *ctl, const char *rsc, const char *target_role);

/* controller_state.c */
int ctl_state_load(struct controller *ctl, char *err, size_t errlen);
/* Validate `conf`, make it the new version, durably; on error nothing
 * changes. */
int ctl_config_commit(struct controller *ctl, struct crm_conf *conf, const char *origin,
		      char *err, size_t errlen);
/* Parse and check a configuration text: the CIB, or NULL with err. */
struct xml_node *ctl_config_check(struct controller *ctl, const struct crm_conf *conf,
				  const char *name, char *err, size_t errlen);
void ctl_status_save(struct controller *ctl);
void ctl_save_pe_input(struct controller *ctl, long long now);
void ctl_log_transition(struct controller *ctl, const struct history_entry *h);
/* Text of stored configuration version N, from malloc(); NULL if gone. */
char *ctl_config_version_text(struct controller *ctl, long long version);
/* "N  DATE  ORIGIN" lines of stored versions, newest first. */
void ctl_config_versions(struct controller *ctl, struct strbuf *out);
struct xml_node *ctl_self_state(struct controller *ctl);

#endif

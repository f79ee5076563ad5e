/* cib_record: writes a CIB status section the way Pacemaker's controller
 * does, so that the one unpacker (cib_status.c) reads simulated and live
 * histories alike.
 *
 * Per resource and node the history keeps Pacemaker's entries: RSC_last_0
 * (the last non-recurring operation), RSC_last_failure_0 (the last failed
 * one) and RSC_monitor_INTERVAL (each recurring monitor). Fail counts and
 * last-failure times are transient node attributes
 * ("fail-count-RSC#monitor_10000").
 */
#ifndef VIGIL_CIB_RECORD_H
#define VIGIL_CIB_RECORD_H

#include <stdbool.h>

#include "cluster/xml.h"

/* The <node_state> of `node` under `status` (a <status> element), created
 * as an online member when `create`. */
struct xml_node *cib_node_state(struct xml_node *status, const char *node, bool create);
/* Membership fields of a node_state: a member, or gone (cleanly or not). */
void cib_node_set_member(struct xml_node *st, bool member, bool expected_down);

/* Transient node attributes; value NULL deletes. */
void cib_node_attr_set(struct xml_node *st, const char *name, const char *value);
const char *cib_node_attr_get(const struct xml_node *st, const char *name);

struct cib_op_result {
	const char *rsc;            /* history id (clone instances: "rsc" or "rsc:N") */
	const char *cls, *provider, *type;
	const char *task;
	long long interval_ms;
	int rc;
	int op_status;              /* exec_status; -1 pending */
	int target_rc;
	int call_id;
	long long when;             /* epoch seconds */
	long long exec_ms;
	const char *reason;         /* exit-reason, may be NULL */
	const char *digest;         /* parameters' digest (starts), may be NULL */
};

/* Record one operation result in Pacemaker's history layout. A failure
 * (rc != target_rc, or op_status not done) is kept as last_failure too;
 * a successful stop clears the recurring monitors' entries. */
void cib_record_op(struct xml_node *st, const struct cib_op_result *r);
/* Drop a recurring monitor's entry (it was cancelled). */
void cib_forget_op(struct xml_node *st, const char *rsc, const char *task, long long interval_ms);
/* Forget a resource's history and fail counts on this node (cleanup). */
void cib_forget_rsc(struct xml_node *st, const char *rsc);
/* Whether the node has any history of rsc. */
bool cib_has_history(const struct xml_node *st, const char *rsc);
/* Add one to fail-count-RSC#TASK_INTERVAL (INFINITY when `fatal`) and set
 * last-failure-RSC#TASK_INTERVAL to `when`. */
void cib_count_failure(struct xml_node *st, const char *rsc, const char *task,
		       long long interval_ms, long long when, bool fatal);
/* The highest call id recorded under status (0 if none). */
int cib_max_call_id(const struct xml_node *status);

#endif

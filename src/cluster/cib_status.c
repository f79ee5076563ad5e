/* cib_status: the CIB status section into the scheduler's model: node
 * states, transient attributes and resource operation history (results to
 * roles and failures, anonymous clone instance numbering, fail counts),
 * following Pacemaker 2.1.5's unpacking rules. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cluster/cib_int.h"
#include "cluster/cib_xml.h"
#include "lib/util.h"

/* OCF exit codes that matter for unpacking history. */
#define OCF_OK              0
#define OCF_ERR_GENERIC     1
#define OCF_ERR_ARGS        2
#define OCF_ERR_UNIMPLEMENTED 3
#define OCF_ERR_PERM        4
#define OCF_ERR_INSTALLED   5
#define OCF_ERR_CONFIGURED  6
#define OCF_NOT_RUNNING     7
#define OCF_RUNNING_PROMOTED 8
#define OCF_FAILED_PROMOTED 9
#define OCF_DEGRADED        190
#define OCF_DEGRADED_PROMOTED 191

/* Executor status codes (op-status). */
#define EXEC_PENDING  -1
#define EXEC_DONE      0
#define EXEC_CANCELLED 1
#define EXEC_TIMEOUT   2
#define EXEC_NOT_SUPPORTED 3
#define EXEC_ERROR     4
#define EXEC_ERROR_HARD 5
#define EXEC_ERROR_FATAL 6
#define EXEC_NOT_INSTALLED 7
#define EXEC_NOT_CONNECTED 8
#define EXEC_INVALID   9
#define EXEC_NO_FENCE_DEVICE 10
#define EXEC_NO_SECRETS 11

static void unpack_node_state(struct unpack_ctx *u, struct xml_node *st, struct sched_node *n)
{
	struct sched_cluster *c = u->c;
	const char *join = xml_get(st, "join"), *peer = xml_get(st, "crmd");
	const char *in_ccm = xml_get(st, "in_ccm"), *exp = xml_get(st, "expected");
	const char *shutdown, *terminate, *v;
	bool online, crmd_online, do_terminate = false;
	struct xml_node *ta;

	ta = xml_child(st, "transient_attributes");
	if (ta)
		cib_unpack_nvsets(u, ta, "instance_attributes", &n->attrs, true);
	if (cib_str_true(sched_attrs_get(&n->attrs, "standby")))
		n->standby = true;
	if (cib_str_true(sched_attrs_get(&n->attrs, "maintenance")))
		n->maintenance = true;

	n->unclean = false;
	shutdown = sched_attrs_get(&n->attrs, "shutdown");
	if (shutdown && strcmp(shutdown, "0"))
		n->shutdown = true;
	else if (exp && !strcasecmp(exp, "member"))
		n->expected_up = true;
	terminate = sched_attrs_get(&n->attrs, "terminate");
	if (cib_str_true(terminate))
		do_terminate = true;
	else if (terminate && terminate[0] && terminate[0] != '0' && isdigit((unsigned char)terminate[0]))
		do_terminate = true;

	/* in_ccm may be "true"/"false" or, in newer CIBs, a timestamp. */
	online = in_ccm && (cib_str_true(in_ccm) || (isdigit((unsigned char)in_ccm[0]) && strcmp(in_ccm, "0")));
	crmd_online = peer && (!strcasecmp(peer, "online") ||
			       (isdigit((unsigned char)peer[0]) && strcmp(peer, "0")));
	if (!exp)
		exp = "down";
	if (!c->stonith_enabled) {
		bool on = false;

		if (!online) {
			/* down */
		} else if (crmd_online) {
			if (join && !strcasecmp(join, "member"))
				on = true;
		} else if (!n->expected_up) {
			/* controller down, expected */
		} else {
			cib_fence_node(c, n, "peer is unexpectedly down");
		}
		online = on;
	} else if (n->shutdown) {
		online = crmd_online;
	} else if (!in_ccm) {
		cib_fence_node(c, n, "peer has not been seen by the cluster");
		online = false;
	} else if (join && !strcasecmp(join, "nack")) {
		cib_fence_node(c, n, "peer failed Pacemaker membership criteria");
	} else if (!do_terminate && !strcasecmp(exp, "down")) {
		if (online || crmd_online) {
			n->standby = true;
			n->pending = true;
		}
	} else if (do_terminate && join && !strcasecmp(join, "down") && !online && !crmd_online) {
		online = false;
	} else if (!online) {
		cib_fence_node(c, n, "peer is no longer part of the cluster");
	} else if (!crmd_online) {
		cib_fence_node(c, n, "peer process is no longer available");
	} else if (do_terminate) {
		cib_fence_node(c, n, "termination was requested");
	} else if (join && !strcasecmp(join, "member")) {
		/* active */
	} else if (join && (!strcasecmp(join, "pending") || !strcasecmp(join, "down"))) {
		n->standby = true;
		n->pending = true;
	} else {
		cib_fence_node(c, n, "peer was in an unknown state");
	}
	n->online = online;
	if ((v = sched_attrs_get(&n->attrs, "#health")))
		(void)v;
}

struct op_rec {
	struct xml_node *x;
	const char *task;
	long long interval_ms;
	int call_id;
	int rc;
	int status;
	int target_rc;
	long long last_change;
	int pos;
};

static int op_cmp(const void *a, const void *b)
{
	const struct op_rec *x = a, *y = b;

	/* Pending operations (call-id -1) sort last. */
	int cx = x->call_id < 0 ? 0x7fffffff : x->call_id;
	int cy = y->call_id < 0 ? 0x7fffffff : y->call_id;

	if (cx != cy)
		return cx < cy ? -1 : 1;
	return x->pos - y->pos;
}

static int target_rc_of(const char *key)
{
	/* transition-key: ACTION:TRANSITION:TARGET_RC:UUID */
	const char *p;

	if (!key)
		return -1;
	p = strchr(key, ':');
	if (!p)
		return -1;
	p = strchr(p + 1, ':');
	if (!p)
		return -1;
	return atoi(p + 1);
}

static struct sched_rsc *find_by_clone_name(struct sched_rsc *r, const char *base)
{
	/* The member of instance r whose base name is `base`. */
	if (r->variant == VARIANT_PRIMITIVE)
		return (r->clone_base && !strcmp(r->clone_base, base)) || !strcmp(r->id, base) ? r : NULL;
	for (int i = 0; i < r->nchildren; i++) {
		struct sched_rsc *m = find_by_clone_name(r->children[i], base);

		if (m)
			return m;
	}
	return NULL;
}

static bool rsc_active_on(const struct sched_rsc *r, const struct sched_node *n, bool *anywhere)
{
	bool on = false;

	if (r->variant == VARIANT_PRIMITIVE) {
		if (r->nrunning || r->pending_node)
			*anywhere = true;
		for (int i = 0; i < r->nrunning; i++)
			if (r->running_on[i] == n)
				on = true;
		if (r->pending_node == n)
			on = true;
		return on;
	}
	for (int i = 0; i < r->nchildren; i++)
		if (rsc_active_on(r->children[i], n, anywhere))
			on = true;
	return on;
}

static struct sched_rsc *create_orphan_instance(struct unpack_ctx *u, struct sched_rsc *clone,
						const char *base)
{
	struct sched_cluster *c = u->c;
	struct sched_rsc *inst = cib_clone_instance(u, clone, cib_clone_template(clone), clone->nchildren);

	if (!inst)
		return NULL;
	cib_fix_clone_bases(inst);
	/* Orphan instances are beyond clone-max: they are only stopped. */
	for (int i = 0; i < (inst->nchildren ? inst->nchildren : 1); i++) {
		struct sched_rsc *m = inst->nchildren ? inst->children[i] : inst;

		m->orphan = true;
	}
	inst->orphan = true;
	sched_index(c);
	return find_by_clone_name(inst, base);
}

static struct sched_rsc *find_anonymous_instance(struct unpack_ctx *u, struct sched_rsc *clone,
						 struct sched_node *n, const char *base)
{
	struct sched_rsc *found = NULL, *inactive = NULL;
	bool skip_inactive = false;

	for (int i = 0; i < clone->nchildren && !found; i++) {
		struct sched_rsc *inst = clone->children[i];
		bool anywhere = false;
		bool here = rsc_active_on(inst, n, &anywhere);

		if (anywhere) {
			if (here) {
				found = find_by_clone_name(inst, base);
				if (found && found->nrunning) {
					skip_inactive = true;
					found = NULL;
				}
			}
		} else if (!skip_inactive && !inactive && !inst->blocked) {
			inactive = find_by_clone_name(inst, base);
		}
	}
	if (!found && !skip_inactive)
		found = inactive;
	/* Instances that do not need fencing found on unclean nodes are
	 * orphans, so an instance can start elsewhere (unless the clone
	 * runs everywhere anyway). */
	if (found && !found->needs_fencing && (!n->online || n->unclean) &&
	    clone->clone_max != u->c->nnodes)
		found = NULL;
	if (!found)
		found = create_orphan_instance(u, clone, base);
	return found;
}

static struct sched_rsc *create_orphan(struct unpack_ctx *u, struct xml_node *lr, const char *id)
{
	struct sched_cluster *c = u->c;
	struct sched_rsc *r = cib_rsc_new(id, VARIANT_PRIMITIVE, NULL);
	const char *v;

	r->cls = xstrdup((v = xml_get(lr, "class")) ? v : "ocf");
	r->type = xstrdup((v = xml_get(lr, "type")) ? v : "unknown");
	if ((v = xml_get(lr, "provider")))
		r->provider = xstrdup(v);
	r->orphan = true;
	cib_rsc_resolve_meta(u, r);
	if (!c->stop_orphans)
		r->managed = false;
	c->rscs = xrealloc(c->rscs, (c->nrscs + 1) * sizeof(*c->rscs));
	c->rscs[c->nrscs++] = r;
	sched_index(c);
	return r;
}

static struct sched_rsc *find_history_rsc(struct unpack_ctx *u, struct sched_node *n,
					  const char *id, struct xml_node *lr)
{
	struct sched_cluster *c = u->c;
	struct sched_rsc *r = sched_rsc_find(c, id), *top;

	if (!r) {
		char *zero = xasprintf("%s:0", id);

		r = sched_rsc_find(c, zero);
		free(zero);
		if (r && sched_rsc_top(r)->unique)
			r = NULL;
		if (!r) {
			/* Old histories name anonymous instances "rsc:N". */
			char *base = cib_strip_instance(id);

			if (strcmp(base, id)) {
				char *z = xasprintf("%s:0", base);

				r = sched_rsc_find(c, z);
				if (r && sched_rsc_top(r)->unique)
					r = NULL;
				free(z);
			}
			free(base);
		}
	} else if (r->variant != VARIANT_PRIMITIVE) {
		return NULL;
	}
	if (!r) {
		/* An anonymous clone without instances (clone-max=0) still owns
		 * its history: the instances found are orphans of the clone. */
		char *base = cib_strip_instance(id);

		for (int i = 0; i < c->nrscs && !r; i++) {
			struct sched_rsc *cl = c->rscs[i];

			if (cl->variant == VARIANT_CLONE && !cl->unique && cl->clone_base &&
			    !strcmp(cl->clone_base, base) && cl->template_xml &&
			    xml_child(lr, "lrm_rsc_op"))
				r = find_anonymous_instance(u, cl, n, base);
		}
		free(base);
		if (r && strcmp(r->id, id)) {
			free(r->history_name);
			r->history_name = xstrdup(id);
		}
		if (r)
			return r;
		return xml_child(lr, "lrm_rsc_op") ? create_orphan(u, lr, id) : NULL;
	}
	top = sched_rsc_top(r);
	if (top->variant == VARIANT_CLONE && !top->unique) {
		char *base = cib_strip_instance(id);

		r = find_anonymous_instance(u, top, n, base);
		free(base);
	}
	if (r && strcmp(r->id, id)) {
		free(r->history_name);
		r->history_name = xstrdup(id);
	}
	return r;
}

static enum sched_on_fail default_on_fail(struct sched_cluster *c, const char *task)
{
	if (!strcmp(task, "stop"))
		return c->stonith_enabled ? ON_FAIL_FENCE : ON_FAIL_BLOCK;
	return ON_FAIL_RESTART;
}

static enum sched_on_fail op_on_fail(struct sched_cluster *c, struct sched_rsc *r,
				     const char *task, long long interval_ms)
{
	for (int i = 0; i < r->nops; i++) {
		struct sched_op *o = &r->ops[i];

		if (!strcmp(o->name, task) && o->interval_ms == interval_ms && o->on_fail_set) {
			if (o->on_fail == ON_FAIL_FENCE && !c->stonith_enabled)
				return ON_FAIL_STOP;
			if (o->on_fail == ON_FAIL_DEMOTE && strcmp(task, "promote") &&
			    !(interval_ms && o->role == ROLE_PROMOTED))
				return ON_FAIL_RESTART;
			return o->on_fail;
		}
	}
	{
		const char *v = sched_attrs_get(&c->op_defaults, "on-fail");

		if (v && !strcasecmp(v, "ignore"))
			return ON_FAIL_IGNORE;
		if (v && !strcasecmp(v, "block"))
			return ON_FAIL_BLOCK;
		if (v && !strcasecmp(v, "stop"))
			return ON_FAIL_STOP;
	}
	return default_on_fail(c, task);
}

/* Pacemaker's severity order of failure responses, for keeping the worst. */
static int on_fail_rank(enum sched_on_fail f)
{
	switch (f) {
	case ON_FAIL_IGNORE: return 0;
	case ON_FAIL_DEMOTE: return 1;
	case ON_FAIL_RESTART: return 2;
	case ON_FAIL_BLOCK: return 4;
	case ON_FAIL_STOP: return 5;
	case ON_FAIL_STANDBY: return 6;
	case ON_FAIL_FENCE: return 7;
	}
	return 0;
}

static void set_active(struct sched_rsc *r)
{
	struct sched_rsc *top = sched_rsc_top(r);

	r->role = (top->variant == VARIANT_CLONE && top->promotable) ? ROLE_UNPROMOTED : ROLE_STARTED;
}

static void ban(struct sched_rsc *r, struct sched_node *n, int score)
{
	if (n) {
		r->scores[n->idx] = r->scores[n->idx] == SCORE_ABSENT ? score :
				    sched_score_add(r->scores[n->idx], score);
	}
	for (int i = 0; i < r->nchildren; i++)
		ban(r->children[i], n, score);
}

struct hist_state {
	enum sched_on_fail on_fail;
	bool have_fail;
	bool pending_start;
};

static void update_state_done(struct sched_rsc *r, const struct op_rec *op, struct hist_state *h)
{
	bool clear = false;

	if (op->rc == OCF_NOT_RUNNING) {
		clear = true;
	} else if (op->rc == OCF_ERR_INSTALLED) {
		r->role = ROLE_STOPPED;
	} else if (!strcmp(op->task, "monitor")) {
		if (r->role < ROLE_STARTED)
			set_active(r);
		if (op->rc == OCF_RUNNING_PROMOTED || op->rc == OCF_DEGRADED_PROMOTED)
			r->role = ROLE_PROMOTED;
	} else if (!strcmp(op->task, "start")) {
		r->role = ROLE_STARTED;
		clear = true;
	} else if (!strcmp(op->task, "stop")) {
		r->role = ROLE_STOPPED;
		clear = true;
	} else if (!strcmp(op->task, "promote")) {
		r->role = ROLE_PROMOTED;
		clear = true;
	} else if (!strcmp(op->task, "demote")) {
		if (h->on_fail == ON_FAIL_DEMOTE)
			clear = true;
		r->role = ROLE_UNPROMOTED;
	} else if (!strcmp(op->task, "migrate_from")) {
		r->role = ROLE_STARTED;
		clear = true;
	} else if (!strcmp(op->task, "migrate_to")) {
		/* the source keeps it until the stop */
	} else if (r->role < ROLE_STARTED) {
		set_active(r);
	}
	if (clear) {
		switch (h->on_fail) {
		case ON_FAIL_STOP:
		case ON_FAIL_FENCE:
		case ON_FAIL_STANDBY:
			break;
		default:
			h->on_fail = ON_FAIL_IGNORE;
			r->next_role = ROLE_UNKNOWN;
			break;
		}
	}
}

static long long fail_attr_time(struct sched_node *n, struct sched_rsc *r, const char *prefix);

static void unpack_op(struct unpack_ctx *u, struct sched_rsc *r, struct sched_node *n,
		      struct op_rec *op, struct hist_state *h)
{
	struct sched_cluster *c = u->c;
	bool probe = !strcmp(op->task, "monitor") && op->interval_ms == 0;
	int status = op->status, rc = op->rc;
	int expected = op->target_rc >= 0 ? op->target_rc : OCF_OK;

	if (!strcmp(op->task, "notify") || !strcmp(op->task, "cancel") ||
	    !strcmp(op->task, "meta-data") || !strcmp(op->task, "reload") ||
	    !strcmp(op->task, "validate-all"))
		return;
	if (status == EXEC_PENDING) {
		if (!strcmp(op->task, "start")) {
			r->start_pending = true;
			r->pending_node = n;
			r->role = ROLE_STARTED;
		} else if (!strcmp(op->task, "promote")) {
			r->role = ROLE_PROMOTED;
		} else if (!strcmp(op->task, "stop") || !strcmp(op->task, "demote")) {
			if (r->role < ROLE_STARTED)
				set_active(r);
		} else if (r->role < ROLE_STARTED && !probe) {
			set_active(r);
		}
		/* The first pending action names the node it is pending on;
		 * a pending probe does not. */
		if (!probe && !r->pending_node)
			r->pending_node = n;
		return;
	}
	if (probe && op->target_rc < 0)
		expected = OCF_NOT_RUNNING;
	/* Map the agent's result to success or failure. */
	if (status == EXEC_DONE || status == EXEC_ERROR) {
		switch (rc) {
		case OCF_OK:
		case OCF_DEGRADED:
			if (probe && expected == OCF_NOT_RUNNING) {
				status = EXEC_DONE;
			} else if (expected != rc && !(rc == OCF_DEGRADED && expected == OCF_OK)) {
				status = EXEC_ERROR;
			} else {
				status = EXEC_DONE;
			}
			if (rc == OCF_DEGRADED)
				status = EXEC_DONE;
			break;
		case OCF_NOT_RUNNING:
			if (probe || expected == rc || !r->managed) {
				status = EXEC_DONE;
				r->role = ROLE_STOPPED;
				h->on_fail = ON_FAIL_IGNORE;
				r->next_role = ROLE_UNKNOWN;
			} else if (strcmp(op->task, "stop")) {
				status = EXEC_ERROR;
			}
			break;
		case OCF_RUNNING_PROMOTED:
		case OCF_DEGRADED_PROMOTED:
			if (probe || expected == rc || rc == OCF_DEGRADED_PROMOTED) {
				status = EXEC_DONE;
			} else if (expected != rc) {
				status = EXEC_ERROR;
			}
			r->role = ROLE_PROMOTED;
			break;
		case OCF_FAILED_PROMOTED:
			r->role = ROLE_PROMOTED;
			status = EXEC_ERROR;
			break;
		case OCF_ERR_UNIMPLEMENTED:
			/* Only a one-shot action is a hard error; a recurring one
			 * is "not supported", an ordinary failure. */
			status = op->interval_ms ? EXEC_NOT_SUPPORTED : EXEC_ERROR_HARD;
			break;
		case OCF_ERR_ARGS:
		case OCF_ERR_PERM:
			status = EXEC_ERROR_HARD;
			break;
		case OCF_ERR_INSTALLED:
			status = EXEC_ERROR_HARD;
			break;
		case OCF_ERR_CONFIGURED:
			status = EXEC_ERROR_FATAL;
			break;
		default:
			status = EXEC_ERROR;
			break;
		}
	} else if (status == EXEC_NOT_INSTALLED) {
		status = EXEC_ERROR_HARD;
	} else if (status == EXEC_CANCELLED || status == EXEC_NOT_CONNECTED ||
		   status == EXEC_INVALID || status == EXEC_NO_FENCE_DEVICE) {
		return;
	}
	if (status == EXEC_DONE) {
		update_state_done(r, op, h);
		return;
	}
	/* A failure. An expired one (failure-timeout) is forgotten. */
	if (r->failure_timeout_ms > 0 && op->last_change > 0 &&
	    c->now * 1000 >= op->last_change * 1000 + r->failure_timeout_ms) {
		long long lf = fail_attr_time(n, r, "last-failure-");

		if (lf <= 0 || c->now * 1000 >= lf * 1000 + r->failure_timeout_ms)
			return;
	}
	{
		enum sched_on_fail f = op_on_fail(c, r, op->task, op->interval_ms);

		if (f == ON_FAIL_IGNORE) {
			struct op_rec ok = *op;

			ok.rc = expected;
			update_state_done(r, &ok, h);
			return;
		}
		if (on_fail_rank(f) > on_fail_rank(h->on_fail) || !h->have_fail)
			if (!h->have_fail || on_fail_rank(f) > on_fail_rank(h->on_fail))
				h->on_fail = f;
		h->have_fail = true;
		if (!strcmp(op->task, "stop")) {
			ban(r, n, -SCORE_INFINITY);
		} else if (!strcmp(op->task, "promote")) {
			r->role = ROLE_PROMOTED;
		} else if (!strcmp(op->task, "demote")) {
			if (f == ON_FAIL_BLOCK) {
				r->role = ROLE_PROMOTED;
				r->next_role = ROLE_STOPPED;
			} else if (rc == OCF_NOT_RUNNING) {
				r->role = ROLE_STOPPED;
			} else {
				r->role = ROLE_UNPROMOTED;
			}
		}
		if (probe && rc == OCF_ERR_INSTALLED)
			r->role = ROLE_STOPPED;
		else if (r->role < ROLE_STARTED)
			set_active(r);
		if (status == EXEC_ERROR_HARD) {
			ban(sched_rsc_top(r), n, -SCORE_INFINITY);
		} else if (status == EXEC_ERROR_FATAL) {
			for (int i = 0; i < c->nnodes; i++)
				ban(sched_rsc_top(r), c->nodes[i], -SCORE_INFINITY);
		}
	}
}

static void process_rsc_state(struct unpack_ctx *u, struct sched_rsc *r, struct sched_node *n,
			      struct hist_state *h)
{
	struct sched_cluster *c = u->c;
	enum sched_on_fail on_fail = h->on_fail;

	if (r->role == ROLE_UNKNOWN)
		r->role = ROLE_STOPPED;
	if (r->role > ROLE_STOPPED && !n->online && !n->maintenance && r->managed &&
	    c->stonith_enabled) {
		char *reason = xasprintf("%s is thought to be active there", r->id);

		cib_fence_node(c, n, reason);
		free(reason);
	}
	if (n->unclean)
		on_fail = ON_FAIL_IGNORE;
	switch (on_fail) {
	case ON_FAIL_FENCE: {
		char *reason = xasprintf("%s failed there", r->id);

		cib_fence_node(c, n, reason);
		free(reason);
		break;
	}
	case ON_FAIL_STANDBY:
		n->standby = true;
		break;
	case ON_FAIL_BLOCK:
		r->managed = false;
		r->blocked = true;
		break;
	case ON_FAIL_STOP:
		r->next_role = ROLE_STOPPED;
		break;
	default:
		break;
	}
	if (r->role > ROLE_STOPPED) {
		sched_rsc_add_running(r, n);
		switch (on_fail) {
		case ON_FAIL_IGNORE:
			break;
		case ON_FAIL_DEMOTE:
		case ON_FAIL_BLOCK:
			r->failed = true;
			break;
		default:
			r->failed = true;
			r->stop_on_fail = true;
			break;
		}
	}
}

static int c_nnodes(const struct unpack_ctx *u)
{
	return u->c->nnodes;
}

static bool attr_differs(const char *configured, const char *recorded)
{
	if (!configured || !recorded)
		return configured != recorded;
	return strcmp(configured, recorded) != 0;
}

static bool agent_changed(const struct sched_rsc *r, const struct xml_node *lr)
{
	return attr_differs(r->cls, xml_get(lr, "class")) ||
	       attr_differs(r->provider, xml_get(lr, "provider")) ||
	       attr_differs(r->type, xml_get(lr, "type"));
}

/* Written by Pacemaker's controller: it records its digests and feature
 * set with every operation; Vigil's histories carry vigil-digest. */
static bool pacemaker_history(const struct xml_node *x)
{
	return !xml_get(x, "vigil-digest") &&
	       (xml_get(x, "op-digest") || xml_get(x, "crm_feature_set"));
}

/* Pacemaker's check of a definition against the history of an active
 * resource (process_rsc_history and pcmk__check_action_config): only the
 * operations since the last start count (calculate_active_ops), and a start
 * whose recorded digest is missing or differs from the configuration's
 * forces a restart "due to resource definition change". Recurring monitors
 * that differ are only rescheduled, and a probe's forced action does not
 * restart anything, so neither shows in a transition's summary.
 *
 * When the history has a restart digest (the agent supports reload), that
 * one decides: only a change to a parameter op-force-restart lists needs a
 * restart, others are reloaded; Vigil does not reload, and leaves those
 * running. */
static void check_op_digests(struct sched_rsc *r, struct sched_node *n,
			     const struct op_rec *ops, int nops)
{
	int start = -1, stop = -1, implied_monitor = -1, implied_clone = -1;
	bool on = false;

	for (int i = 0; i < r->nrunning; i++)
		if (r->running_on[i] == n)
			on = true;
	/* Only nodes that can run resources are checked (and maintenance
	 * ones, for their monitors): pcmk__handle_rsc_config_changes. */
	if (!n->maintenance && (!n->online || n->shutdown || n->unclean || n->standby))
		return;
	if (r->orphan || !on)
		return;
	for (int i = 0; i < nops; i++) {
		const char *t = ops[i].task;

		if (!strcmp(t, "stop") && ops[i].status == EXEC_DONE)
			stop = i;
		else if (!strcmp(t, "start") || !strcmp(t, "migrate_from"))
			start = i;
		else if (implied_monitor <= stop && !strcmp(t, "monitor") &&
			 (ops[i].rc == OCF_OK || ops[i].rc == OCF_RUNNING_PROMOTED))
			implied_monitor = i;
		else if (!strcmp(t, "promote") || !strcmp(t, "demote"))
			implied_clone = i;
	}
	if (start == -1)
		start = implied_clone != -1 ? implied_clone : implied_monitor;
	if (start < stop)
		return;   /* stopped there since */
	for (int i = start < 0 ? 0 : start; i < nops; i++) {
		const struct xml_node *x = ops[i].x;
		const char *recorded = xml_get(x, "op-digest");
		const char *restart = xml_get(x, "op-restart-digest");
		bool need_restart;

		/* Probes, promotions and migrations ran with the parameters of
		 * the start, and a change there restarts too (task_for_digest). */
		if (ops[i].interval_ms || !pacemaker_history(x) ||
		    (strcmp(ops[i].task, "start") && strcmp(ops[i].task, "monitor") &&
		     strcmp(ops[i].task, "promote") && strcmp(ops[i].task, "migrate_from")))
			continue;
		if (restart) {
			char *calc = sched_op_digest(r, ops[i].task, 0, xml_get(x, "op-force-restart"));

			need_restart = strcmp(calc, restart) != 0;
			free(calc);
		} else if (!recorded) {
			need_restart = true;   /* unknown: what ran is not known */
		} else {
			char *calc = sched_op_digest(r, ops[i].task, 0, NULL);

			need_restart = strcmp(calc, recorded) != 0;
			free(calc);
		}
		if (need_restart)
			r->changed = true;
	}
}

void cib_unpack_lrm_resource(struct unpack_ctx *u, struct sched_node *n, struct xml_node *lr)
{
	const char *id = xml_get(lr, "id");
	struct sched_rsc *r;
	struct op_rec *ops = NULL;
	int nops = 0;
	struct xml_node *x;
	struct hist_state h = { ON_FAIL_IGNORE, false, false };
	enum sched_role saved;
	bool other_agent;

	if (!id)
		return;
	xml_foreach(x, lr, "lrm_rsc_op") {
		const char *v;
		struct op_rec *o;

		ops = xrealloc(ops, (nops + 1) * sizeof(*ops));
		o = &ops[nops];
		memset(o, 0, sizeof(*o));
		o->x = x;
		o->pos = nops;
		o->task = xml_get(x, "operation");
		if (!o->task)
			continue;
		v = xml_get(x, "interval");
		if (!v)
			v = xml_get(x, "interval_ms");
		o->interval_ms = v ? atoll(v) : 0;
		o->call_id = (v = xml_get(x, "call-id")) ? atoi(v) : -1;
		o->rc = (v = xml_get(x, "rc-code")) ? atoi(v) : 0;
		o->status = (v = xml_get(x, "op-status")) ? atoi(v) : 0;
		o->target_rc = target_rc_of(xml_get(x, "transition-key"));
		if (o->target_rc < 0)
			o->target_rc = target_rc_of(xml_get(x, "transition-magic") ?
				strchr(xml_get(x, "transition-magic"), ';') : NULL);
		o->last_change = (v = xml_get(x, "last-rc-change")) ? atoll(v) :
				 ((v = xml_get(x, "last-run")) ? atoll(v) : 0);
		nops++;
	}
	if (!nops) {
		free(ops);
		return;
	}
	r = find_history_rsc(u, n, id, lr);
	if (!r) {
		free(ops);
		return;
	}
	qsort(ops, nops, sizeof(*ops), op_cmp);
	saved = r->role;
	r->role = ROLE_UNKNOWN;
	for (int i = 0; i < nops; i++) {
		/* A pending operation only matters when it is the last one. */
		if (ops[i].status == EXEC_PENDING && i != nops - 1)
			continue;
		unpack_op(u, r, n, &ops[i], &h);
	}
	process_rsc_state(u, r, n, &h);
	if (r->role != ROLE_UNKNOWN) {
		if (!r->known_on)
			r->known_on = xcalloc(c_nnodes(u) + 1, sizeof(*r->known_on));
		r->known_on[n->idx] = true;
	}
	if (saved > r->role)
		r->role = saved;
	/* A history of another agent is restarted for that alone, and
	 * Pacemaker gives no definition change as the reason then. */
	other_agent = agent_changed(r, lr);
	if (!other_agent)
		check_op_digests(r, n, ops, nops);
	/* A definition that changed since its start, in Vigil's own histories
	 * (they carry vigil-digest instead of Pacemaker's op-digest). */
	for (int i = nops - 1; i >= 0; i--) {
		const char *d;

		if (strcmp(ops[i].task, "start") || ops[i].status != EXEC_DONE || ops[i].rc != OCF_OK)
			continue;
		d = xml_get(ops[i].x, "vigil-digest");
		if (d && r->role > ROLE_STOPPED && strcmp(d, sched_rsc_params_digest(r)))
			r->changed = true;
		break;
	}
	if (other_agent) {
		/* The history is of another agent (class, provider or type):
		 * Pacemaker deletes it and clears the fail count there, so
		 * failures of the old agent do not ban the new one, and restarts
		 * the resource if it is active there (pcmk__rsc_agent_changed). */
		if (!r->agent_changed)
			r->agent_changed = xcalloc(c_nnodes(u) + 1, sizeof(*r->agent_changed));
		r->agent_changed[n->idx] = true;
		if (r->role > ROLE_STOPPED)
			r->agent_restart = true;
	}
	free(ops);
}

static void unpack_node_history(struct unpack_ctx *u, struct xml_node *st, struct sched_node *n)
{
	struct xml_node *lrm = xml_child(st, "lrm"), *lrs, *lr;

	if (lrm && u->history && u->history(u, lrm, n))
		return;
	lrs = xml_child(lrm, "lrm_resources");
	xml_foreach(lr, lrs, "lrm_resource")
		cib_unpack_lrm_resource(u, n, lr);
}

void cib_unpack_status(struct unpack_ctx *u, struct xml_node *status)
{
	struct sched_cluster *c = u->c;
	struct xml_node *st;
	bool *done = xcalloc(c->nnodes + 1, sizeof(bool));

	xml_foreach(st, status, "node_state") {
		const char *uname = xml_get(st, "uname"), *id = xml_get(st, "id");
		struct sched_node *n = NULL;

		if (uname)
			n = sched_node_find(c, uname);
		if (!n && id)
			n = sched_node_find(c, id);
		if (!n)
			continue;
		unpack_node_state(u, st, n);
	}
	/* In status order. Without fencing, offline
	 * nodes' histories are not needed and are skipped; with it, every
	 * node is unpacked in the first pass. */
	for (int pass = 0; pass < 2; pass++) {
		if (pass == 1 && !c->stonith_enabled)
			break;
		xml_foreach(st, status, "node_state") {
			const char *uname = xml_get(st, "uname"), *id = xml_get(st, "id");
			struct sched_node *n = NULL;

			if (uname)
				n = sched_node_find(c, uname);
			if (!n && id)
				n = sched_node_find(c, id);
			if (!n || done[n->idx])
				continue;
			if (pass == 0 && !n->online && !c->stonith_enabled)
				continue;
			done[n->idx] = true;
			unpack_node_history(u, st, n);
		}
	}
	free(done);
	if (!c->have_quorum && c->no_quorum == NQ_SUICIDE) {
		for (int i = c->nnodes - 1; i >= 0; i--)
			if (c->nodes[i]->online)
				cib_fence_node(c, c->nodes[i], "cluster does not have quorum");
	}
}

/* Seconds value of "<prefix><rsc>" or "<prefix><rsc>#op_interval"
 * attributes: the latest. */
static long long fail_attr_time(struct sched_node *n, struct sched_rsc *r, const char *prefix)
{
	const char *base = r->clone_base && !sched_rsc_top(r)->unique ? r->clone_base : r->id;
	size_t pl = strlen(prefix), bl = strlen(base);
	long long best = 0;

	for (int i = 0; i < n->attrs.n; i++) {
		const char *name = n->attrs.v[i].name;

		if (strncmp(name, prefix, pl) || strncmp(name + pl, base, bl))
			continue;
		if (name[pl + bl] && name[pl + bl] != '#')
			continue;
		best = MAX(best, atoll(n->attrs.v[i].value));
	}
	return best;
}

/* Effective fail count of r on n: sum of fail-count attributes, expired
 * by failure-timeout. */

int cib_fail_count(const struct sched_cluster *c, struct sched_rsc *r, struct sched_node *n)
{
	const char *base = r->clone_base && !sched_rsc_top(r)->unique ? r->clone_base : r->id;
	const char *prefix = "fail-count-";
	size_t pl = strlen(prefix), bl = strlen(base);
	int total = 0;

	/* Cleared with the history of a replaced agent. */
	if (r->agent_changed && r->agent_changed[n->idx])
		return 0;
	for (int i = 0; i < n->attrs.n; i++) {
		const char *name = n->attrs.v[i].name, *rest;
		int v;

		if (strncmp(name, prefix, pl) || strncmp(name + pl, base, bl))
			continue;
		rest = name + pl + bl;
		/* Anonymous instances may be counted under "rsc:N". */
		if (*rest == ':' && !sched_rsc_top(r)->unique && rest[1] >= '0' && rest[1] <= '9') {
			rest++;
			while (*rest >= '0' && *rest <= '9')
				rest++;
		}
		if (*rest && *rest != '#')
			continue;
		if (sched_score_parse(n->attrs.v[i].value, &v))
			continue;
		total = sched_score_add(total, v);
	}
	if (total > 0 && r->failure_timeout_ms > 0) {
		long long last = fail_attr_time(n, r, "last-failure-");

		if (last > 0 && c->now * 1000 >= last * 1000 + r->failure_timeout_ms)
			total = 0;
	}
	return total;
}

void cib_finish_roles(struct sched_rsc *r)
{
	struct sched_rsc *top = sched_rsc_top(r);

	/* A started instance of a promotable clone is unpromoted. */
	if (r->variant == VARIANT_PRIMITIVE && top->variant == VARIANT_CLONE && top->promotable &&
	    r->role == ROLE_STARTED)
		r->role = ROLE_UNPROMOTED;
	for (int i = 0; i < r->nchildren; i++)
		cib_finish_roles(r->children[i]);
	/* Collective roles: the highest of the children's. */
	if (r->nchildren) {
		r->role = ROLE_STOPPED;
		for (int i = 0; i < r->nchildren; i++)
			if (r->children[i]->role > r->role)
				r->role = r->children[i]->role;
	}
}

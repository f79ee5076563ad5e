/* controller: events -> scheduler -> transition -> executor -> events.
 *
 * Every node follows the replicated state (controller_msg.c) and looks
 * after itself: it probes resources it has no history of and keeps the
 * recurring monitors of what runs on it. The designated controller (DC)
 * alone runs the scheduler and drives transitions: it asks each node,
 * itself included, to run actions with `exec` messages, fences lost nodes,
 * and follows the results as they are delivered. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cluster/cib_record.h"
#include "cluster/cib_xml.h"
#include "cluster/cluster.h"
#include "cluster/controller_int.h"
#include "cluster/fence_topology.h"
#include "lib/log.h"
#include "lib/strbuf.h"
#include "lib/util.h"

#define DEFAULT_OP_TIMEOUT_MS 20000
/* After a transition with a failed action, wait this long before the
 * next one, so that an action that cannot succeed does not spin. */
#define RETRY_DELAY_MS 200
/* A failed fencing is retried after this long. */
#define FENCE_RETRY_MS 2000

static void run_scheduler(struct controller *ctl);
static void refresh_node(struct controller *ctl);

/* ---------------------------------------------------------------- */
/* Events */

static void kick_cb(struct ev_loop *loop, struct ev_timer *t)
{
	run_scheduler(t->data);
}

static void refresh_cb(struct ev_loop *loop, struct ev_timer *t)
{
	struct controller *ctl = t->data;

	/* A decision due now goes first: after a failure, the DC's own
	 * probes and monitors can wait for the recovery to be launched. */
	if (ev_timer_active(&ctl->kick) && ctl->kick.expire_ms <= ev_now_ms(loop)) {
		ev_timer_stop(loop, &ctl->kick);
		run_scheduler(ctl);
	}
	refresh_node(ctl);
}

static void request_schedule_in(struct controller *ctl, uint64_t delay_ms, const char *reason)
{
	if (!ctl->schedule_reason)
		ctl->schedule_reason = xstrdup(reason);
	ctl->need_schedule = true;
	if (ctl->tr)
		ctl->tr->aborted = true;
	if (!ev_timer_active(&ctl->kick) || delay_ms == 0)
		ev_timer_start(ctl->loop, &ctl->kick, delay_ms);
}

void ctl_request_schedule(struct controller *ctl, const char *fmt, ...)
{
	va_list ap;
	char *reason;

	va_start(ap, fmt);
	if (vasprintf(&reason, fmt, ap) < 0)
		abort();
	va_end(ap);
	if (!ev_timer_active(&ctl->refresh))
		ev_timer_start(ctl->loop, &ctl->refresh, 0);
	if (ctl->is_dc)
		request_schedule_in(ctl, 0, reason);
	free(reason);
}

void ctl_state_changed(struct controller *ctl, const char *reason)
{
	ctl_request_schedule(ctl, "%s", reason);
}

static void recheck_cb(struct ev_loop *loop, struct ev_timer *t)
{
	ctl_request_schedule(t->data, "a failure timeout expired");
}

/* ---------------------------------------------------------------- */
/* Cluster view */

const char *ctl_history_id(const struct sched_rsc *r)
{
	const struct sched_rsc *top = sched_rsc_top((struct sched_rsc *)r);

	if (top->variant == VARIANT_CLONE && !top->unique && r->clone_base)
		return r->clone_base;
	return r->id;
}

struct sched_cluster *ctl_unpack(struct controller *ctl, char *err, size_t errlen)
{
	struct sched_cluster *c;

	ctl_self_state(ctl);
	ctl_add_known_nodes(ctl, ctl->cib);
	xml_set(ctl->cib, "have-quorum", ctl->quorate ? "1" : "0");
	xml_set(ctl->cib, "dc-uuid", ctl->dc ? ctl->dc : ctl->node);
	c = cib_unpack(ctl->cib, (long long)time(NULL), err, errlen);
	if (c)
		ctl->start_failure_fatal = c->start_failure_fatal;
	return c;
}

static bool runs_here(const struct controller *ctl, const struct sched_rsc *r)
{
	for (int i = 0; i < r->nrunning; i++)
		if (!strcmp(r->running_on[i]->uname, ctl->node))
			return true;
	return false;
}

static const struct sched_op *find_op(const struct sched_rsc *r, const char *task,
				      long long interval_ms)
{
	for (int i = 0; i < r->nops; i++)
		if (!strcmp(r->ops[i].name, task) && r->ops[i].interval_ms == interval_ms)
			return &r->ops[i];
	return NULL;
}

static long long op_timeout_ms(struct controller *ctl, const struct sched_cluster *c,
			       const struct sched_rsc *r, const char *task, long long interval_ms)
{
	const struct sched_op *op = find_op(r, task, interval_ms);
	const char *v;
	long long ms;

	if (op && op->timeout_ms > 0)
		return op->timeout_ms;
	if ((v = sched_attrs_get(&c->op_defaults, "timeout")) && !sched_parse_interval_ms(v, &ms) &&
	    ms > 0)
		return ms;
	ms = exec_default_timeout_ms(ctl->ex, r->cls, r->provider, r->type, task);
	return ms > 0 ? ms : DEFAULT_OP_TIMEOUT_MS;
}

static void env_set_num(struct sched_attrs *env, const char *name, long long v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lld", v);
	sched_attrs_set(env, name, buf);
}

/* The OCF_RESKEY_CRM_meta_* a clone's instance is told about. */
static void clone_env(const struct sched_rsc *r, struct sched_attrs *env)
{
	const struct sched_rsc *top = sched_rsc_top((struct sched_rsc *)r);
	const char *colon = strrchr(r->id, ':');

	if (top->variant != VARIANT_CLONE)
		return;
	sched_attrs_set(env, "OCF_RESKEY_CRM_meta_clone", colon ? colon + 1 : "0");
	env_set_num(env, "OCF_RESKEY_CRM_meta_clone_max", top->clone_max);
	env_set_num(env, "OCF_RESKEY_CRM_meta_clone_node_max", top->clone_node_max);
	sched_attrs_set(env, "OCF_RESKEY_CRM_meta_globally_unique", top->unique ? "true" : "false");
	if (top->promotable) {
		sched_attrs_set(env, "OCF_RESKEY_CRM_meta_promotable", "true");
		env_set_num(env, "OCF_RESKEY_CRM_meta_promoted_max", top->promoted_max);
		env_set_num(env, "OCF_RESKEY_CRM_meta_promoted_node_max", top->promoted_node_max);
		env_set_num(env, "OCF_RESKEY_CRM_meta_master_max", top->promoted_max);
		env_set_num(env, "OCF_RESKEY_CRM_meta_master_node_max", top->promoted_node_max);
	}
}

/* Fill an exec_op for resource r; strings point into r, which must
 * outlive the call to exec_run() (the executor copies them). */
static void prepare_op(struct controller *ctl, const struct sched_cluster *c,
		       const struct sched_rsc *r, const char *task, long long interval_ms,
		       struct exec_op *op, struct sched_attrs *env)
{
	const struct sched_op *sop = find_op(r, task, interval_ms);

	memset(op, 0, sizeof(*op));
	op->rsc = ctl_history_id(r);
	op->cls = r->cls;
	op->provider = r->provider;
	op->type = r->type;
	op->action = task;
	op->interval_ms = interval_ms;
	op->timeout_ms = op_timeout_ms(ctl, c, r, task, interval_ms);
	op->params = &r->params;
	clone_env(r, env);
	if (sop && sop->check_level)
		sched_attrs_set(env, "OCF_CHECK_LEVEL", sop->check_level);
	op->env = env;
}

/* ---------------------------------------------------------------- */
/* Recording results */


/* ---------------------------------------------------------------- */
/* Running operations: results become messages */

/* Broadcast a result: every node records it when it is delivered. */
static void report_result(struct controller *ctl, const struct exec_op *op,
			  const struct exec_result *res, int target_rc, const char *digest,
			  int transition, int idx)
{
	msg_send_op(ctl, op, res->status == EXEC_DONE ? res->rc : OCF_ERR_GENERIC,
		    res->status == EXEC_DONE ? 0 : (int)res->status, target_rc,
		    res->started_ms / 1000, res->exec_ms, res->reason, digest, transition, idx);
}

static bool result_ok(const struct exec_result *res, int target_rc)
{
	if (res->status != EXEC_DONE)
		return false;
	if (res->rc == target_rc)
		return true;
	return (res->rc == OCF_DEGRADED && target_rc == OCF_SUCCESS) ||
	       (res->rc == OCF_DEGRADED_PROMOTED && target_rc == OCF_RUNNING_PROMOTED);
}

/* Fence devices are not agents to start: a start checks the device
 * (fence action "monitor"), a stop and a probe need nothing. Returns true
 * when the result was given without running anything. */
static bool stonith_shortcut(struct controller *ctl, struct exec_op *op, bool owned,
			     int target_rc, const char *digest, int transition, int idx)
{
	struct exec_result res = { .status = EXEC_DONE, .rc = OCF_SUCCESS,
				   .started_ms = (long long)time(NULL) * 1000 };

	if (!op->cls || strcmp(op->cls, "stonith"))
		return false;
	if (!strcmp(op->action, "stop") ||
	    (!strcmp(op->action, "monitor") && op->interval_ms == 0)) {
		res.rc = !strcmp(op->action, "stop") ? OCF_SUCCESS : OCF_NOT_RUNNING;
		report_result(ctl, op, &res, target_rc, digest, transition, idx);
		return true;
	}
	if (!strcmp(op->action, "start")) {
		if (owned)
			free((char *)op->action);
		op->action = owned ? xstrdup("monitor") : "monitor";
	}
	return false;
}

/* ---------------------------------------------------------------- */
/* Recurring monitors (this node's) */

static void monitor_free(struct monitor *m)
{
	free(m->rsc);
	free(m->cls);
	free(m->provider);
	free(m->type);
	free(m);
}

static void monitor_unlink(struct controller *ctl, struct monitor *m)
{
	for (struct monitor **pp = &ctl->monitors; *pp; pp = &(*pp)->next)
		if (*pp == m) {
			*pp = m->next;
			return;
		}
}

static void monitor_done(void *arg, const struct exec_op *op, const struct exec_result *res)
{
	struct monitor *m = arg;
	struct controller *ctl = m->ctl;

	report_result(ctl, op, res, m->target_rc, NULL, -1, -1);
	if (result_ok(res, m->target_rc))
		return;
	/* Failed: stop watching; recovery decides what happens, and the
	 * monitor comes back with the resource. */
	log_warning("%s monitor failed on %s: %s", m->rsc, ctl->node,
		    res->reason ? res->reason : exec_rc_name(res->rc));
	exec_cancel(ctl->ex, m->call_id);
	monitor_unlink(ctl, m);
	monitor_free(m);
}

static void monitors_cancel_rsc(struct controller *ctl, const char *rsc)
{
	struct monitor **pp = &ctl->monitors;

	while (*pp) {
		struct monitor *m = *pp;

		if (!strcmp(m->rsc, rsc)) {
			*pp = m->next;
			exec_cancel(ctl->ex, m->call_id);
			monitor_free(m);
		} else {
			pp = &m->next;
		}
	}
}

static bool op_applies_to_role(const struct sched_op *op, enum sched_role role)
{
	if (op->role == ROLE_UNKNOWN || op->role == ROLE_STARTED)
		return role == ROLE_STARTED || role == ROLE_UNPROMOTED;
	if (op->role == ROLE_UNPROMOTED)
		return role == ROLE_UNPROMOTED || role == ROLE_STARTED;
	return op->role == role;
}

static void monitor_start(struct controller *ctl, const struct sched_cluster *c,
			  const struct sched_rsc *r, const struct sched_op *sop, int target_rc)
{
	struct monitor *m = xcalloc(1, sizeof(*m));
	struct exec_op op;
	struct sched_attrs env = { 0 };

	m->ctl = ctl;
	m->rsc = xstrdup(ctl_history_id(r));
	m->interval_ms = sop->interval_ms;
	m->target_rc = target_rc;
	m->cls = xstrdup(r->cls);
	m->provider = r->provider ? xstrdup(r->provider) : NULL;
	m->type = xstrdup(r->type);
	m->seen = true;
	prepare_op(ctl, c, r, "monitor", sop->interval_ms, &op, &env);
	m->call_id = exec_run(ctl->ex, &op, monitor_done, m);
	sched_attrs_clear(&env);
	if (m->call_id < 0) {
		log_err("Cannot start the %lld ms monitor of %s: %s", m->interval_ms, m->rsc,
			strerror(-m->call_id));
		monitor_free(m);
		return;
	}
	m->next = ctl->monitors;
	ctl->monitors = m;
}

/* Make the running monitors match the resources active here. */
static void monitors_reconcile(struct controller *ctl, const struct sched_cluster *c)
{
	struct monitor **pp;

	for (struct monitor *m = ctl->monitors; m; m = m->next)
		m->seen = false;
	for (int i = 0; i < c->nall; i++) {
		const struct sched_rsc *r = c->all[i];

		if (r->variant != VARIANT_PRIMITIVE || !runs_here(ctl, r) || r->failed ||
		    r->start_pending)
			continue;
		for (int k = 0; k < r->nops; k++) {
			const struct sched_op *sop = &r->ops[k];
			int target = r->role == ROLE_PROMOTED ? OCF_RUNNING_PROMOTED : OCF_SUCCESS;
			bool have = false;

			if (strcmp(sop->name, "monitor") || sop->interval_ms <= 0 || !sop->enabled ||
			    !op_applies_to_role(sop, r->role))
				continue;
			for (struct monitor *m = ctl->monitors; m; m = m->next)
				if (!strcmp(m->rsc, ctl_history_id(r)) && m->interval_ms == sop->interval_ms &&
				    m->target_rc == target) {
					m->seen = true;
					have = true;
				}
			if (!have)
				monitor_start(ctl, c, r, sop, target);
		}
	}
	pp = &ctl->monitors;
	while (*pp) {
		struct monitor *m = *pp;

		if (m->seen) {
			pp = &m->next;
			continue;
		}
		*pp = m->next;
		exec_cancel(ctl->ex, m->call_id);
		monitor_free(m);
	}
}

/* ---------------------------------------------------------------- */
/* Probes (this node's) */

static void probe_done(void *arg, const struct exec_op *op, const struct exec_result *res)
{
	struct controller *ctl = arg;

	report_result(ctl, op, res, OCF_NOT_RUNNING, NULL, -1, -1);
	if (res->status == EXEC_DONE && res->rc != OCF_NOT_RUNNING)
		log_notice("Probe of %s on %s: %s (rc=%d)", op->rsc, ctl->node, exec_rc_name(res->rc),
			   res->rc);
	ctl->probes_running--;
}

/* Probe every resource without history here. Returns how many started. */
static int start_probes(struct controller *ctl, const struct sched_cluster *c)
{
	struct xml_node *self = ctl_self_state(ctl);
	int started = 0;

	for (int i = 0; i < c->nall; i++) {
		const struct sched_rsc *r = c->all[i];
		const char *hid = ctl_history_id(r);
		struct exec_op op;
		struct sched_attrs env = { 0 };
		bool dup = false;

		if (r->variant != VARIANT_PRIMITIVE || cib_has_history(self, hid))
			continue;
		/* Anonymous clone instances share one history id. */
		for (int k = 0; k < i && !dup; k++)
			dup = c->all[k]->variant == VARIANT_PRIMITIVE &&
			      !strcmp(ctl_history_id(c->all[k]), hid);
		if (dup)
			continue;
		prepare_op(ctl, c, r, "monitor", 0, &op, &env);
		started++;
		if (stonith_shortcut(ctl, &op, false, OCF_NOT_RUNNING, NULL, -1, -1)) {
			sched_attrs_clear(&env);
			continue;
		}
		if (exec_run(ctl->ex, &op, probe_done, ctl) > 0)
			ctl->probes_running++;
		sched_attrs_clear(&env);
	}
	return started;
}

/* Probes and monitors of this node, from the replicated state. */
static void refresh_node(struct controller *ctl)
{
	struct sched_cluster *c;
	char err[1024];

	if (!ctl->synced || ctl->probes_running)
		return;
	c = ctl_unpack(ctl, err, sizeof(err));
	if (!c) {
		log_err("Cannot read the cluster state: %s", err);
		return;
	}
	if (!start_probes(ctl, c) && !ctl->busy)
		monitors_reconcile(ctl, c);
	if (ctl->shutting_down && !ctl->busy && !ctl->probes_running) {
		bool active = false;

		for (int i = 0; i < c->nall; i++)
			active |= c->all[i]->variant == VARIANT_PRIMITIVE && runs_here(ctl, c->all[i]);
		if (!active) {
			log_notice("Nothing runs here any more: leaving the cluster");
			ev_loop_stop(ctl->loop);
		}
	}
	sched_cluster_free(c);
}

bool controller_shutdown(struct controller *ctl)
{
	char now[32];

	if (!ctl->corosync || ctl->shutting_down)
		return true;
	ctl->shutting_down = true;
	log_notice("Shutting down: moving or stopping this node's resources first "
		   "(send SIGTERM again to leave at once; the others will then fence this node)");
	snprintf(now, sizeof(now), "%lld", (long long)time(NULL));
	msg_send_attr(ctl, NULL, ctl->node, "shutdown", now);
	return false;
}

/* ---------------------------------------------------------------- */
/* Operations the DC asks of this node */

static void remote_free(struct remote_op *ro)
{
	free((char *)ro->op.rsc);
	free((char *)ro->op.cls);
	free((char *)ro->op.provider);
	free((char *)ro->op.type);
	free((char *)ro->op.action);
	free(ro->digest);
	sched_attrs_clear(&ro->params);
	sched_attrs_clear(&ro->env);
	free(ro);
}

static void remote_done(void *arg, const struct exec_op *op, const struct exec_result *res)
{
	struct remote_op *ro = arg;
	struct controller *ctl = ro->ctl;

	report_result(ctl, op, res, ro->target_rc, ro->digest, ro->transition, ro->idx);
	ctl->busy--;
	remote_free(ro);
}

void ctl_run_remote(struct controller *ctl, struct remote_op *ro)
{
	struct exec_op *op = &ro->op;
	const char *action = op->action;
	int id;

	if (!strcmp(action, "stop") || !strcmp(action, "demote") || !strcmp(action, "promote"))
		monitors_cancel_rsc(ctl, op->rsc);
	log_notice("Initiating %s %s on %s", op->rsc, action, ctl->node);
	/* In flight: recorded as pending (Pacemaker's record-pending), so
	 * status shows "Starting", not the role before. */
	msg_send_op(ctl, op, -1, -1, ro->target_rc, (long long)time(NULL), 0, NULL, NULL,
		    ro->transition, ro->idx);
	if (stonith_shortcut(ctl, op, true, ro->target_rc, ro->digest, ro->transition, ro->idx)) {
		remote_free(ro);
		return;
	}
	ctl->busy++;
	id = exec_run(ctl->ex, op, remote_done, ro);
	if (id < 0) {
		struct exec_result res = { .status = EXEC_ERROR, .rc = OCF_ERR_GENERIC,
					   .reason = strerror(-id),
					   .started_ms = (long long)time(NULL) * 1000 };

		report_result(ctl, op, &res, ro->target_rc, ro->digest, ro->transition, ro->idx);
		ctl->busy--;
		remote_free(ro);
	}
}

/* ---------------------------------------------------------------- */
/* Fencing (the DC's) */

static void fence_actions_finished(struct controller *ctl, const char *node, bool failed);

/* One device to run for a fencing: its definition copied, so that a
 * configuration change meanwhile does not pull it from under the job. */
struct fence_step {
	char *device, *type;
	struct sched_attrs params;
	long long delay_ms;     /* pcmk_delay_base + a random part of pcmk_delay_max */
	int level;              /* steps of one level run in a row, all must succeed */
	const char *missing;    /* why this device cannot run, or NULL */
};

struct fence_job {
	struct controller *ctl;
	char *target, *action;
	struct fence_step *steps;
	int nsteps, cur;
	long long timeout_ms;
	struct ev_timer delay;
	struct exec_op op;
	struct strbuf why;      /* the failures so far */
};

static void fence_job_free(struct fence_job *j)
{
	for (int i = 0; i < j->nsteps; i++) {
		free(j->steps[i].device);
		free(j->steps[i].type);
		sched_attrs_clear(&j->steps[i].params);
	}
	free(j->steps);
	free(j->target);
	free(j->action);
	sb_free(&j->why);
	free(j);
}

static void fence_step_start(struct fence_job *j);

static void fence_job_failed(struct fence_job *j)
{
	struct controller *ctl = j->ctl;
	const char *why = j->why.s ? j->why.s : "no fence device";

	log_err("Fencing of %s failed: %s", j->target, why);
	msg_send_fence_failed(ctl, j->target, why);
	ctl_fence_failed(ctl, j->target);
	fence_job_free(j);
}

/* The step at j->cur failed (why): on to the next level, if any. */
static void fence_step_failed(struct fence_job *j, const char *why)
{
	int level = j->steps[j->cur].level;

	sb_appendf(&j->why, "%s%s: %s", j->why.len ? "; " : "", j->steps[j->cur].device, why);
	while (j->cur < j->nsteps && j->steps[j->cur].level == level)
		j->cur++;
	if (j->cur == j->nsteps) {
		fence_job_failed(j);
		return;
	}
	log_warning("Fencing %s: %s failed (%s), trying the next level", j->target,
		    j->steps[j->cur - 1].device, why);
	fence_step_start(j);
}

static void fence_done(void *arg, const struct exec_op *op, const struct exec_result *res)
{
	struct fence_job *j = arg;
	struct controller *ctl = j->ctl;
	struct fence_step *st = &j->steps[j->cur];

	if (res->status != EXEC_DONE || res->rc != OCF_SUCCESS) {
		log_err("Fencing of %s with %s failed: %s", j->target, st->device,
			res->reason ? res->reason : exec_rc_name(res->rc));
		fence_step_failed(j, res->reason ? res->reason : exec_rc_name(res->rc));
		return;
	}
	if (++j->cur < j->nsteps && j->steps[j->cur].level == st->level) {
		fence_step_start(j);    /* the level's next device */
		return;
	}
	log_notice("Node %s was fenced by %s", j->target, st->device);
	if (msg_send_fenced(ctl, j->target) == 0)
		ctl->fenced_unconfirmed++;
	/* The recovery goes on at once, without waiting for that message to
	 * come back: whatever is sent from now on (the starts it allows) is
	 * delivered after it, on every node. */
	fence_actions_finished(ctl, j->target, false);
	fence_job_free(j);
}

static void fence_run(struct ev_loop *loop, struct ev_timer *t)
{
	struct fence_job *j = t->data;
	struct fence_step *st = &j->steps[j->cur];

	memset(&j->op, 0, sizeof(j->op));
	j->op.rsc = st->device;
	j->op.cls = "stonith";
	j->op.type = st->type;
	j->op.action = j->action;
	j->op.timeout_ms = j->timeout_ms;
	j->op.params = &st->params;
	if (exec_run(j->ctl->ex, &j->op, fence_done, j) < 0)
		fence_step_failed(j, "cannot run the fence agent");
}

static void fence_step_start(struct fence_job *j)
{
	struct fence_step *st = &j->steps[j->cur];

	if (st->missing) {
		log_err("Fencing %s: %s %s", j->target, st->device, st->missing);
		fence_step_failed(j, st->missing);
		return;
	}
	log_notice("Fencing %s with %s (%s)%s", j->target, st->device, j->action,
		   st->delay_ms ? " after a delay" : "");
	ev_timer_init(&j->delay, fence_run, j);
	if (st->delay_ms)
		ev_timer_start(j->ctl->loop, &j->delay, (uint64_t)st->delay_ms);
	else
		fence_run(j->ctl->loop, &j->delay);   /* the recovery waits for it */
}

static bool host_listed(const char *list, const char *node)
{
	char *copy = xstrdup(list), *save = NULL;
	bool found = false;

	for (char *w = strtok_r(copy, " ,;:", &save); w && !found; w = strtok_r(NULL, " ,;:", &save))
		found = !strcmp(w, node);
	free(copy);
	return found;
}

static void fence_step_add(struct fence_job *j, const struct sched_rsc *r, const char *id,
			   int level)
{
	struct fence_step *st;
	const char *v;
	long long ms;

	j->steps = xrealloc(j->steps, (j->nsteps + 1) * sizeof(*j->steps));
	st = &j->steps[j->nsteps++];
	memset(st, 0, sizeof(*st));
	st->device = xstrdup(id);
	st->level = level;
	if (!r || r->variant != VARIANT_PRIMITIVE || !r->cls || strcmp(r->cls, "stonith")) {
		st->missing = "is not a configured fence device";
		return;
	}
	if ((v = sched_attrs_get(&r->params, "pcmk_host_list")) && !host_listed(v, j->target)) {
		st->missing = "cannot fence it (not in its pcmk_host_list)";
		return;
	}
	st->type = xstrdup(r->type);
	for (int k = 0; k < r->params.n; k++)
		sched_attrs_set(&st->params, r->params.v[k].name, r->params.v[k].value);
	sched_attrs_set(&st->params, "port", j->target);
	sched_attrs_set(&st->params, "nodename", j->target);
	/* A random delay up to pcmk_delay_max (plus pcmk_delay_base) keeps
	 * two nodes from fencing each other at once. */
	if ((v = sched_attrs_get(&r->params, "pcmk_delay_base")) && !sched_parse_interval_ms(v, &ms))
		st->delay_ms += ms;
	if ((v = sched_attrs_get(&r->params, "pcmk_delay_max")) &&
	    !sched_parse_interval_ms(v, &ms) && ms > 0)
		st->delay_ms += random() % (ms + 1);
}

/* A fence device's `priority` parameter (as pcs sets it), else its
 * `priority` meta attribute. */
static long device_priority(const struct sched_rsc *r)
{
	const char *v = sched_attrs_get(&r->params, "priority");
	char *end;
	long p;

	if (v) {
		p = strtol(v, &end, 10);
		if (end != v && !*end)
			return p;
	}
	return r->priority;
}

/* Start fencing `target`: through its fencing levels when the
 * configuration has some for it, else with each device that can fence it
 * (no pcmk_host_list, or one that names it), highest priority first, one
 * after the other until one succeeds. False when there is nothing to try. */
static bool fence_start(struct controller *ctl, const struct sched_cluster *c, const char *target,
			const char *action)
{
	struct fence_job *j = xcalloc(1, sizeof(*j));
	const struct sched_node *n = sched_node_find(c, target);
	struct fence_plan plan;
	const char *v;
	long long ms;

	j->ctl = ctl;
	j->target = xstrdup(target);
	j->action = xstrdup(action);
	j->timeout_ms = (v = sched_attrs_get(&c->props, "stonith-timeout")) &&
			!sched_parse_interval_ms(v, &ms) ? ms : 60000;
	fence_plan_for(ctl->cib, target, n ? &n->attrs : NULL, &plan);
	for (int l = 0; l < plan.n; l++)
		for (int d = 0; d < plan.levels[l].n; d++)
			fence_step_add(j, sched_rsc_find(c, plan.levels[l].devices[d]),
				       plan.levels[l].devices[d], l);
	if (!plan.n) {
		const struct sched_rsc **devs = xmalloc((c->nall + 1) * sizeof(*devs));
		int ndevs = 0;

		for (int i = 0; i < c->nall; i++) {
			const struct sched_rsc *r = c->all[i];

			if (r->variant == VARIANT_PRIMITIVE && r->cls && !strcmp(r->cls, "stonith") &&
			    (!(v = sched_attrs_get(&r->params, "pcmk_host_list")) ||
			     host_listed(v, target)))
				devs[ndevs++] = r;
		}
		/* Highest priority first, as Pacemaker's fencer; ties keep the
		 * configuration's order (stable). */
		for (int i = 1; i < ndevs; i++)
			for (int k = i; k > 0 && device_priority(devs[k]) > device_priority(devs[k - 1]);
			     k--) {
				const struct sched_rsc *t = devs[k];

				devs[k] = devs[k - 1];
				devs[k - 1] = t;
			}
		for (int i = 0; i < ndevs; i++)
			fence_step_add(j, devs[i], devs[i]->id, j->nsteps);   /* a level of its own */
		free(devs);
	}
	fence_plan_free(&plan);
	if (!j->nsteps) {
		fence_job_free(j);
		return false;
	}
	fence_step_start(j);
	return true;
}

/* ---------------------------------------------------------------- */
/* Transitions (the DC's) */

static void tr_launch_ready(struct controller *ctl);

static void history_add(struct controller *ctl, struct transition *tr, const char *result)
{
	struct history_entry *h = &ctl->history[ctl->nhistory % HISTORY_KEPT];
	struct strbuf sb = STRBUF_INIT;

	if (ctl->nhistory >= HISTORY_KEPT) {
		free(h->reason);
		free(h->summary);
		free(h->result);
	}
	for (int i = 0; i < tr->nacts; i++)
		if (!tr->acts[i].pseudo)
			sb_appendf(&sb, "%s%s\n", tr->acts[i].label,
				   tr->acts[i].state == TA_FAILED ? " (failed)" :
				   tr->acts[i].state == TA_DONE ? "" : " (not run)");
	h->transition = tr->id;
	h->when = tr->started;
	h->reason = xstrdup(tr->reason);
	h->summary = sb.s ? sb.s : xstrdup("");
	h->result = xstrdup(result);
	ctl->nhistory++;
	ctl_log_transition(ctl, h);
}

static void tr_free(struct transition *tr)
{
	for (int i = 0; i < tr->nacts; i++) {
		struct tr_action *a = &tr->acts[i];

		free(a->rsc);
		free(a->digest);
		free(a->label);
		free(a->task);
		free(a->node);
		free(a->deps);
		free((char *)a->op.rsc);
		free((char *)a->op.cls);
		free((char *)a->op.provider);
		free((char *)a->op.type);
		sched_attrs_clear(&a->params);
		sched_attrs_clear(&a->env);
	}
	free(tr->acts);
	free(tr->reason);
	free(tr);
}

static void tr_finish(struct controller *ctl)
{
	struct transition *tr = ctl->tr;
	bool failed = false, fence_failed = false;

	for (int i = 0; i < tr->nacts; i++) {
		failed |= tr->acts[i].state == TA_FAILED;
		fence_failed |= tr->acts[i].state == TA_FAILED && tr->acts[i].fence;
	}
	log_notice("Transition %d %s", tr->id,
		   failed ? "stopped: an action failed" : tr->aborted ? "aborted" : "complete");
	history_add(ctl, tr, failed ? "an action failed" : tr->aborted ? "aborted" : "complete");
	ctl->tr = NULL;
	tr_free(tr);
	/* Always check again: the results changed the status. */
	if (failed)
		request_schedule_in(ctl, fence_failed ? FENCE_RETRY_MS : RETRY_DELAY_MS,
				    fence_failed ? "fencing failed: trying again" :
				    "transition stopped by a failed action");
	else
		ctl_request_schedule(ctl, "transition %d finished", ctl->transition_seq);
}

static void tr_action_finished(struct controller *ctl, struct tr_action *a, bool failed)
{
	struct transition *tr = ctl->tr;

	if (a->state != TA_RUNNING)
		return;
	a->state = failed ? TA_FAILED : TA_DONE;
	if (failed)
		tr->aborted = true;
	tr->running--;
	tr_launch_ready(ctl);
}

void ctl_op_applied(struct controller *ctl, const char *node, int transition, int idx,
		    bool failed, bool pending)
{
	struct transition *tr = ctl->tr;

	if (pending)
		return;
	if (ctl->is_dc && tr && transition == tr->id && idx >= 0 && idx < tr->nacts &&
	    !strcmp(tr->acts[idx].node ? tr->acts[idx].node : "", node)) {
		tr_action_finished(ctl, &tr->acts[idx], failed);
		return;
	}
	/* A result outside the transition (a monitor, a probe): refresh, and
	 * let the DC decide again when something failed or was learned. */
	if (!ev_timer_active(&ctl->refresh))
		ev_timer_start(ctl->loop, &ctl->refresh, 0);
	if (ctl->is_dc && (failed || transition < 0))
		ctl_request_schedule(ctl, "%s reported a %s", node, failed ? "failure" : "result");
}

/* The running fence action for `node`, if any. */
static struct tr_action *fence_action_for(struct controller *ctl, const char *node)
{
	struct transition *tr = ctl->tr;

	if (!ctl->is_dc || !tr)
		return NULL;
	for (int i = 0; i < tr->nacts; i++)
		if (tr->acts[i].fence && tr->acts[i].state == TA_RUNNING &&
		    !strcmp(tr->acts[i].node, node))
			return &tr->acts[i];
	return NULL;
}

/* The running transition asked to fence `node` (whether that action is
 * still running or already done). */
static bool tr_fences(const struct controller *ctl, const char *node)
{
	const struct transition *tr = ctl->tr;

	for (int i = 0; ctl->is_dc && tr && i < tr->nacts; i++)
		if (tr->acts[i].fence && !strcmp(tr->acts[i].node, node))
			return true;
	return false;
}

static void fence_actions_finished(struct controller *ctl, const char *node, bool failed)
{
	struct tr_action *a;

	/* Finishing an action may end (and free) the transition: look the
	 * next one up again each time. */
	while ((a = fence_action_for(ctl, node)))
		tr_action_finished(ctl, a, failed);
}

void ctl_fence_applied(struct controller *ctl, const char *node)
{
	bool expected = tr_fences(ctl, node);

	fence_actions_finished(ctl, node, false);
	/* The transition's own fencing goes on with its recovery; a fencing
	 * it did not ask for is news to decide on. */
	if (!expected)
		ctl_state_changed(ctl, "a node was fenced");
	else if (!ev_timer_active(&ctl->refresh))
		ev_timer_start(ctl->loop, &ctl->refresh, 0);
}

void ctl_fence_failed(struct controller *ctl, const char *node)
{
	fence_actions_finished(ctl, node, true);
}

static bool deps_done(const struct transition *tr, const struct tr_action *a)
{
	for (int i = 0; i < a->ndeps; i++)
		if (tr->acts[a->deps[i]].state != TA_DONE)
			return false;
	return true;
}

static bool is_member(const struct controller *ctl, const char *node)
{
	for (int i = 0; i < ctl->nmembers; i++)
		if (!strcmp(ctl->members[i].name, node))
			return true;
	return false;
}

static void tr_launch_ready(struct controller *ctl)
{
	struct transition *tr = ctl->tr;
	bool progress = true;

	while (progress && !tr->aborted) {
		progress = false;
		for (int i = 0; i < tr->nacts; i++) {
			struct tr_action *a = &tr->acts[i];

			if (a->state != TA_WAITING || !deps_done(tr, a))
				continue;
			progress = true;
			if (a->pseudo) {
				a->state = TA_DONE;
				continue;
			}
			a->state = TA_RUNNING;
			tr->running++;
			if (a->fence) {
				struct sched_cluster *c;
				char err[512];

				c = ctl_unpack(ctl, err, sizeof(err));
				if (!c || !fence_start(ctl, c, a->node, a->task)) {
					log_err("Cannot fence %s: no fence device can (configure a stonith "
						"resource); its resources stay where they are", a->node);
					msg_send_fence_failed(ctl, a->node, "no fence device can fence it");
					tr_action_finished(ctl, a, true);
				}
				if (c)
					sched_cluster_free(c);
				if (!ctl->tr)
					return;
				continue;
			}
			if (!a->rsc || !is_member(ctl, a->node)) {
				log_err("%s: not possible (%s is not running vigild)", a->label,
					a->node ? a->node : "no node");
				tr_action_finished(ctl, a, true);
				if (!ctl->tr)
					return;
				continue;
			}
			msg_send_exec(ctl, a->node, tr->id, a->idx, &a->op, a->target_rc, a->digest);
		}
	}
	if (tr->running > 0)
		return;
	for (int i = 0; i < tr->nacts; i++)
		if (tr->acts[i].state == TA_WAITING && !tr->aborted)
			return;
	tr_finish(ctl);
}

static bool in_graph(const struct sched_action *a)
{
	return !(a->flags & ACT_OPTIONAL) && (a->flags & ACT_RUNNABLE);
}

static int target_rc_of(const struct sched_action *a)
{
	if (!strcmp(a->task, "monitor") && a->interval_ms == 0)
		return OCF_NOT_RUNNING;
	if (!strcmp(a->task, "monitor") && a->rsc && a->rsc->next_role == ROLE_PROMOTED)
		return OCF_RUNNING_PROMOTED;
	return OCF_SUCCESS;
}

static struct transition *tr_build(struct controller *ctl, const struct sched_cluster *c)
{
	struct transition *tr = xcalloc(1, sizeof(*tr));
	int *map = xmalloc((c->nactions + 1) * sizeof(int));
	const char *fence_action = sched_attrs_get(&c->props, "stonith-action");

	/* Sized once: actions point into themselves (op.params, op.env). */
	tr->acts = xcalloc(c->nactions + 1, sizeof(*tr->acts));
	for (int i = 0; i < c->nactions; i++) {
		const struct sched_action *sa = c->actions[i];
		struct tr_action *a;

		map[i] = -1;
		if (!in_graph(sa))
			continue;
		/* Recurring monitors follow the state (see monitors_reconcile). */
		if (sa->rsc && !strcmp(sa->task, "monitor") && sa->interval_ms > 0)
			continue;
		a = &tr->acts[tr->nacts];
		memset(a, 0, sizeof(*a));
		a->ctl = ctl;
		a->idx = tr->nacts;
		a->task = xstrdup(sa->task);
		a->interval_ms = sa->interval_ms;
		a->node = sa->node ? xstrdup(sa->node->uname) : NULL;
		a->fence = !sa->rsc && sa->node && !strcmp(sa->task, "stonith");
		a->pseudo = !a->fence && ((sa->flags & ACT_PSEUDO) || !sa->node);
		a->target_rc = target_rc_of(sa);
		if (a->fence) {
			free(a->task);
			a->task = xstrdup(sa->fence_kind ? sa->fence_kind :
					  fence_action ? fence_action : "reboot");
			a->label = xasprintf("fencing of %s (%s)", sa->node->uname, a->task);
		} else if (sa->rsc && !a->pseudo) {
			struct exec_op op;

			a->rsc = xstrdup(ctl_history_id(sa->rsc));
			if (!strcmp(sa->task, "start"))
				a->digest = xstrdup(sched_rsc_params_digest(sa->rsc));
			a->label = xasprintf("%s %s on %s", sa->rsc->id, sa->task, sa->node->uname);
			for (int k = 0; k < sa->rsc->params.n; k++)
				sched_attrs_set(&a->params, sa->rsc->params.v[k].name,
						sa->rsc->params.v[k].value);
			prepare_op(ctl, c, sa->rsc, sa->task, sa->interval_ms, &op, &a->env);
			a->op = op;
			a->op.rsc = xstrdup(op.rsc);
			a->op.cls = xstrdup(op.cls);
			a->op.provider = op.provider ? xstrdup(op.provider) : NULL;
			a->op.type = xstrdup(op.type);
			a->op.action = a->task;
			a->op.params = &a->params;
			a->op.env = &a->env;
		} else if (!sa->rsc && sa->node && !a->pseudo) {
			a->label = xasprintf("%s of %s", sa->task, sa->node->uname);
		} else {
			a->label = xasprintf("%s_%s", sa->rsc ? sa->rsc->id : "", sa->task);
		}
		map[i] = tr->nacts++;
	}
	for (int e = 0; e < c->nedges; e++) {
		int f = map[c->edges[e].first->id], t = map[c->edges[e].then->id];
		struct tr_action *a;

		if (f < 0 || t < 0 || f == t)
			continue;
		a = &tr->acts[t];
		a->deps = xrealloc(a->deps, (a->ndeps + 1) * sizeof(int));
		a->deps[a->ndeps++] = f;
	}
	free(map);
	return tr;
}

static bool tr_has_work(const struct transition *tr)
{
	for (int i = 0; i < tr->nacts; i++)
		if (!tr->acts[i].pseudo)
			return true;
	return false;
}

/* The DC lost its role or a member left: actions that will never report
 * are given up, so the transition ends and a new decision is made. */
void ctl_membership_changed(struct controller *ctl)
{
	struct transition *tr = ctl->tr;

	if (!tr)
		return;
	tr->aborted = true;
	for (int i = 0; i < tr->nacts; i++) {
		struct tr_action *a = &tr->acts[i];

		if (a->state == TA_RUNNING && !a->fence && (!ctl->is_dc || !is_member(ctl, a->node))) {
			a->state = TA_FAILED;
			tr->running--;
		}
	}
	if (!ctl->is_dc) {
		history_add(ctl, tr, "given up: this node is no longer the DC");
		ctl->tr = NULL;
		tr_free(tr);
		return;
	}
	if (tr->running == 0)
		tr_finish(ctl);
}

void ctl_synced(struct controller *ctl)
{
	ctl->synced_at = ev_now_ms(ctl->loop);
	ctl_state_changed(ctl, "cluster membership settled");
}

void ctl_restart_add(struct controller *ctl, const char *rsc, const char *target_role)
{
	struct restart *r = xcalloc(1, sizeof(*r));

	r->rsc = xstrdup(rsc);
	r->target_role = target_role ? xstrdup(target_role) : NULL;
	r->next = ctl->restarts;
	ctl->restarts = r;
}

static bool active_anywhere(const struct sched_rsc *r)
{
	if (r->variant == VARIANT_PRIMITIVE)
		return r->nrunning > 0;
	for (int i = 0; i < r->nchildren; i++)
		if (active_anywhere(r->children[i]))
			return true;
	return false;
}

/* Restarts whose stop is done get their target role back. */
static void restarts_check(struct controller *ctl, const struct sched_cluster *c)
{
	struct restart **pp = &ctl->restarts;

	while (*pp) {
		struct restart *rs = *pp;
		const struct sched_rsc *r = sched_rsc_find(c, rs->rsc);
		struct crm_conf *conf;

		if (r && active_anywhere(r)) {
			pp = &rs->next;
			continue;
		}
		*pp = rs->next;
		conf = crm_conf_dup(ctl->conf);
		if (crm_conf_rsc_meta(conf, rs->rsc, "target-role", rs->target_role) == 0) {
			char *text = crm_conf_render(conf);

			msg_propose_config(ctl, NULL, "resource restart (start again)", text, NULL);
			free(text);
		}
		crm_conf_free(conf);
		free(rs->rsc);
		free(rs->target_role);
		free(rs);
	}
}

/* When the earliest failure of this node expires (failure-timeout). */
static void arm_recheck(struct controller *ctl, const struct sched_cluster *c)
{
	struct sched_node *self = sched_node_find(c, ctl->node);
	long long now = (long long)time(NULL), next = 0;

	if (!self)
		return;
	for (int i = 0; i < c->nall; i++) {
		struct sched_rsc *r = c->all[i];
		const char *base = ctl_history_id(r);
		size_t bl = strlen(base);

		if (r->variant != VARIANT_PRIMITIVE || r->failure_timeout_ms <= 0)
			continue;
		for (int k = 0; k < self->attrs.n; k++) {
			const char *name = self->attrs.v[k].name;
			long long expiry;

			if (strncmp(name, "last-failure-", 13) || strncmp(name + 13, base, bl) ||
			    (name[13 + bl] && name[13 + bl] != '#'))
				continue;
			expiry = atoll(self->attrs.v[k].value) + (r->failure_timeout_ms + 999) / 1000;
			if (expiry > now && (!next || expiry < next))
				next = expiry;
		}
	}
	if (next)
		ev_timer_start(ctl->loop, &ctl->recheck, (uint64_t)(next - now) * 1000 + 50);
	else
		ev_timer_stop(ctl->loop, &ctl->recheck);
}

/* votequorum and CPG report separately: a node that just joined may know
 * the new members before its quorum view includes them (and says "no
 * quorum" meanwhile), and a node whose peers just vanished may still hold
 * the view from before (which says "quorate" to a minority). Decide only
 * on a quorum view that has every member, and either none of the nodes
 * that left Corosync or, while it still lists some, a quorate one that
 * the remaining members alone satisfy.
 *
 * That second case is the common failover: CPG reports the departure a
 * few milliseconds before votequorum does. The members of this CPG view
 * are in this partition (virtual synchrony), and departures never raise
 * the votes needed (expected votes only grow with joins), so if their
 * own votes reach the old view's threshold the new view is quorate too.
 * Only members count: a node that runs Corosync without vigild may have
 * left as well, unseen by CPG. */
bool ctl_quorum_current(const struct controller *ctl)
{
	bool gone_listed = false;
	uint32_t votes = 0;

	for (int g = 0; g < ctl->ngone_wait; g++)
		for (int i = 0; i < ctl->ncnodes; i++)
			gone_listed |= ctl->cnodes[i].id == ctl->gone_wait[g];
	for (int m = 0; m < ctl->nmembers; m++) {
		bool found = false;

		for (int i = 0; i < ctl->ncnodes && !found; i++)
			if ((found = ctl->cnodes[i].id == ctl->members[m].id))
				votes += ctl->cnodes[i].votes;
		if (!found)
			return false;
	}
	return !gone_listed || (ctl->quorate && ctl->quorum_needed > 0 && votes >= ctl->quorum_needed);
}

/* Every member has probed every resource (or has no way to). */
static bool all_probed(struct controller *ctl, const struct sched_cluster *c)
{
	for (int m = 0; m < ctl->nmembers; m++) {
		struct xml_node *st = ctl_node_state(ctl, ctl->members[m].name);

		for (int i = 0; i < c->nall; i++)
			if (c->all[i]->variant == VARIANT_PRIMITIVE &&
			    !cib_has_history(st, ctl_history_id(c->all[i])))
				return false;
	}
	return true;
}

/* At start, nodes of the configuration that have not joined yet are
 * waited for during dc-deadtime (Pacemaker's default: 20 s) before they
 * are treated as lost (and fenced, with startup-fencing). Once every node
 * has been seen, a node that leaves is lost at once: the wait is for
 * nodes still booting, not for a failure. */
static uint64_t startup_wait_ms(struct controller *ctl, const struct sched_cluster *c)
{
	const char *v = sched_attrs_get(&c->props, "dc-deadtime");
	long long deadtime = 20000;
	uint64_t elapsed = ev_now_ms(ctl->loop) - ctl->started_ms;

	if (ctl->all_joined)
		return 0;
	if (v && sched_parse_interval_ms(v, &deadtime))
		deadtime = 20000;
	for (int i = 0; i < c->nnodes; i++)
		if (!is_member(ctl, c->nodes[i]->uname))
			return elapsed >= (uint64_t)deadtime ? 0 : (uint64_t)deadtime - elapsed;
	ctl->all_joined = true;
	return 0;
}

static void run_scheduler(struct controller *ctl)
{
	struct sched_cluster *c;
	struct transition *tr;
	char err[1024];
	struct pe_input *pe;
	char *reason;
	uint64_t wait;

	if (!ctl->is_dc || !ctl->synced || ctl->tr) {
		log_debug("Not deciding now:%s%s%s", ctl->is_dc ? "" : " not the DC",
			  ctl->synced ? "" : " membership not settled",
			  ctl->tr ? " a transition is running" : "");
		return;  /* rescheduled when that changes */
	}
	c = ctl_unpack(ctl, err, sizeof(err));
	if (!c) {
		log_err("Cannot read the cluster state: %s", err);
		return;
	}
	if (ctl->fenced_unconfirmed) {
		/* A decision now would not know of the fencing and order it
		 * again; the message's delivery brings us back. */
		log_debug("Not deciding now: a fencing result is being delivered");
		sched_cluster_free(c);
		return;
	}
	if (!ctl_quorum_current(ctl)) {
		log_debug("Not deciding now: quorum information is older than the membership");
		sched_cluster_free(c);
		return;  /* the quorum callback brings us back */
	}
	if (!all_probed(ctl, c)) {
		log_debug("Not deciding now: probes are not complete");
		sched_cluster_free(c);
		return;  /* the probes' results bring us back */
	}
	if ((wait = startup_wait_ms(ctl, c))) {
		log_debug("Not deciding for %llu ms: waiting for nodes to join",
			  (unsigned long long)wait);
		sched_cluster_free(c);
		ev_timer_start(ctl->loop, &ctl->kick, wait);
		return;
	}
	reason = ctl->schedule_reason ? ctl->schedule_reason : xstrdup("recheck");
	ctl->schedule_reason = NULL;
	ctl->need_schedule = false;
	if (sched_run(c, err, sizeof(err)) < 0) {
		log_err("Scheduler failed: %s", err);
		sched_cluster_free(c);
		free(reason);
		return;
	}
	tr = tr_build(ctl, c);
	if (!tr_has_work(tr)) {
		/* Nothing to execute (pseudo actions only, e.g. what no-quorum
		 * blocks): no transition, or finishing it would decide again
		 * at once, forever. */
		tr_free(tr);
		arm_recheck(ctl, c);
		restarts_check(ctl, c);
		sched_cluster_free(c);
		free(reason);
		return;
	}
	pe = ctl_pe_input_take(ctl, c->now);
	tr->id = ++ctl->transition_seq;
	tr->reason = reason;
	tr->started = c->now;
	ctl->tr = tr;
	log_notice("Transition %d (%s): %d actions, input pe-input-%d", tr->id, reason, tr->nacts,
		   pe->seq);
	sched_cluster_free(c);
	tr_launch_ready(ctl);
	ctl_pe_input_write(ctl, pe);
}

/* ---------------------------------------------------------------- */

struct controller *controller_new(struct ev_loop *loop, const struct controller_config *cfg,
				  char *err, size_t errlen)
{
	struct controller *ctl = xcalloc(1, sizeof(*ctl));
	struct exec_config ecfg = {
		.ocf_root = cfg->ocf_root,
		.helper_dir = cfg->helper_dir,
		.socket_path = cfg->socket_path,
		.state_dir = cfg->state_dir,
		.fence_dir = cfg->fence_dir,
		.fence_prestart = !cfg->no_fence_prestart,
	};

	ctl->loop = loop;
	ctl->state_dir = xstrdup(cfg->state_dir);
	ctl->start_failure_fatal = true;
	ctl->started_ms = ev_now_ms(loop);
	ev_timer_init(&ctl->kick, kick_cb, ctl);
	ev_timer_init(&ctl->recheck, recheck_cb, ctl);
	ev_timer_init(&ctl->refresh, refresh_cb, ctl);
	ctl->corosync = cfg->corosync;
	if (cfg->corosync)
		ctl->cl = cluster_corosync_new(loop, &ctl_cluster_events, ctl, err, errlen);
	else
		ctl->cl = cluster_local_new(loop, cfg->node_name, &ctl_cluster_events, ctl, err, errlen);
	if (!ctl->cl) {
		controller_free(ctl);
		return NULL;
	}
	ctl->node = xstrdup(cluster_self(ctl->cl)->name);
	ecfg.node_name = ctl->node;
	ctl->ex = executor_new(loop, &ecfg);
	if (!ctl->ex) {
		snprintf(err, errlen, "cannot start the executor: %s", strerror(errno));
		controller_free(ctl);
		return NULL;
	}
	if (ctl_state_load(ctl, err, errlen)) {
		controller_free(ctl);
		return NULL;
	}
	return ctl;
}

const char *controller_node_name(const struct controller *ctl)
{
	return ctl->node;
}

void controller_free(struct controller *ctl)
{
	if (!ctl)
		return;
	ev_timer_stop(ctl->loop, &ctl->kick);
	ev_timer_stop(ctl->loop, &ctl->recheck);
	ev_timer_stop(ctl->loop, &ctl->refresh);
	msg_free_waiters(ctl);
	cluster_free(ctl->cl);
	while (ctl->monitors) {
		struct monitor *m = ctl->monitors;

		ctl->monitors = m->next;
		monitor_free(m);
	}
	while (ctl->restarts) {
		struct restart *r = ctl->restarts;

		ctl->restarts = r->next;
		free(r->rsc);
		free(r->target_role);
		free(r);
	}
	executor_free(ctl->ex);
	if (ctl->tr)
		tr_free(ctl->tr);
	for (int i = 0; i < HISTORY_KEPT && i < ctl->nhistory; i++) {
		free(ctl->history[i].reason);
		free(ctl->history[i].summary);
		free(ctl->history[i].result);
	}
	crm_conf_free(ctl->conf);
	xml_free(ctl->cib);
	free(ctl->members);
	free(ctl->cnodes);
	free(ctl->hello_wait);
	free(ctl->gone_wait);
	free(ctl->dc);
	free(ctl->schedule_reason);
	free(ctl->node);
	free(ctl->state_dir);
	free(ctl);
}

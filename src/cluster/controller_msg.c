/* controller_msg: the replicated state. Every change of configuration or
 * status is a cluster message, applied when it is delivered; delivery is
 * in the same total order on every node (CPG's virtual synchrony, or the
 * local layer's loopback), so every node holds the same state without a
 * consensus protocol of our own.
 *
 * Messages are lists of netstrings (lib/ipc.h), the first field naming
 * the kind:
 *   hello VERSION                  after each membership change, from each
 *                                  member: its configuration version
 *   nodestatus NODE XML            a member's own history and attributes
 *   config REQ BASE ORIGIN TEXT    a change proposed on top of version BASE:
 *                                  applied (as BASE+1) only if BASE is current
 *   config-sync VERSION ORIGIN TEXT  the newest version, after a merge
 *   op NODE RSC ... TRANSITION IDX an operation result or start (pending)
 *   attr REQ NODE NAME [VALUE]     a transient node attribute
 *   forget REQ NODE RSC...         cleanup: history and fail counts
 *   exec NODE TRANSITION IDX OP... the DC asks NODE to run an operation
 *   fenced NODE                    NODE was fenced: it runs nothing
 *   fence-failed NODE REASON       fencing NODE failed (status shows it)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cluster/cib_record.h"
#include "cluster/cluster.h"
#include "cluster/controller_int.h"
#include "cluster/ctl_server.h"
#include "lib/ipc.h"
#include "lib/log.h"
#include "lib/util.h"

#define MAX_FIELDS 1024

static int send_msg(struct controller *ctl, struct strbuf *sb)
{
	int rc = cluster_send(ctl->cl, sb->s ? sb->s : "", sb->len);

	if (rc < 0)
		log_err("Cannot send a cluster message: %s", strerror(-rc));
	sb_free(sb);
	return rc;
}

static void put_num(struct strbuf *sb, long long v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lld", v);
	ipc_put_str(sb, buf);
}

static void put_opt(struct strbuf *sb, const char *s)
{
	ipc_put_str(sb, s ? s : "");
}

static const char *nz(const char *s)
{
	return s && *s ? s : NULL;
}

/* ---------------------------------------------------------------- */
/* Waiters: vigilctl requests answered on delivery */

#define WAITER_TIMEOUT_MS 30000

static void waiter_unlink_free(struct controller *ctl, struct waiter *w)
{
	for (struct waiter **pp = &ctl->waiters; *pp; pp = &(*pp)->next)
		if (*pp == w) {
			*pp = w->next;
			break;
		}
	ev_timer_stop(ctl->loop, &w->timeout);
	free(w->success);
	free(w);
}

/* The cluster did not deliver in time (Corosync stuck or gone): say so
 * rather than keep the client waiting. The change may still apply. */
static void waiter_timeout(struct ev_loop *loop, struct ev_timer *t)
{
	struct waiter *w = t->data;

	ctl_conn_reply(w->conn, 1, "",
		       "the cluster did not deliver the change within 30 s; check 'vigilctl status' "
		       "and 'configure history' before trying again\n");
	waiter_unlink_free(w->ctl, w);
}

static unsigned add_waiter(struct controller *ctl, struct ctl_conn *conn, const char *success)
{
	struct waiter *w;

	ctl->req_seq++;
	if (!conn)
		return ctl->req_seq;
	w = xcalloc(1, sizeof(*w));
	w->ctl = ctl;
	w->id = ctl->req_seq;
	w->conn = conn;
	w->success = xstrdup(success ? success : "");
	ev_timer_init(&w->timeout, waiter_timeout, w);
	ev_timer_start(ctl->loop, &w->timeout, WAITER_TIMEOUT_MS);
	w->next = ctl->waiters;
	ctl->waiters = w;
	return w->id;
}

/* REQ is "NODEID:SEQ"; only the proposing node has a waiter for it. */
static void answer(struct controller *ctl, const char *req, int rc, const char *extra)
{
	unsigned node, id;
	struct waiter **pp;

	if (sscanf(req, "%u:%u", &node, &id) != 2 || node != cluster_self(ctl->cl)->id)
		return;
	for (pp = &ctl->waiters; *pp; pp = &(*pp)->next) {
		struct waiter *w = *pp;

		if (w->id != id)
			continue;
		if (rc == 0) {
			char *out = xasprintf("%s%s", w->success, extra ? extra : "");

			ctl_conn_reply(w->conn, 0, out, "");
			free(out);
		} else {
			ctl_conn_reply(w->conn, rc, "", extra ? extra : "");
		}
		waiter_unlink_free(ctl, w);
		return;
	}
}

void msg_free_waiters(struct controller *ctl)
{
	while (ctl->waiters) {
		struct waiter *w = ctl->waiters;

		ctl_conn_reply(w->conn, 1, "", "vigild is stopping; the change may not be applied\n");
		waiter_unlink_free(ctl, w);
	}
}

static void put_req(struct controller *ctl, struct strbuf *sb, unsigned id)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%u:%u", cluster_self(ctl->cl)->id, id);
	ipc_put_str(sb, buf);
}

/* ---------------------------------------------------------------- */
/* Senders */

void msg_send_op(struct controller *ctl, const struct exec_op *op, int rc, int op_status,
		 int target_rc, long long when, long long exec_ms, const char *reason,
		 const char *digest, int transition, int idx)
{
	struct strbuf sb = STRBUF_INIT;

	ipc_put_str(&sb, "op");
	ipc_put_str(&sb, ctl->node);
	ipc_put_str(&sb, op->rsc);
	put_opt(&sb, op->cls);
	put_opt(&sb, op->provider);
	put_opt(&sb, op->type);
	ipc_put_str(&sb, op->action);
	put_num(&sb, op->interval_ms);
	put_num(&sb, rc);
	put_num(&sb, op_status);
	put_num(&sb, target_rc);
	put_num(&sb, when);
	put_num(&sb, exec_ms);
	put_opt(&sb, reason);
	put_opt(&sb, digest);
	put_num(&sb, transition);
	put_num(&sb, idx);
	send_msg(ctl, &sb);
}

int msg_propose_config(struct controller *ctl, struct ctl_conn *conn, const char *origin,
		       const char *text, const char *success)
{
	struct strbuf sb = STRBUF_INIT;
	unsigned id = add_waiter(ctl, conn, success);

	ipc_put_str(&sb, "config");
	put_req(ctl, &sb, id);
	put_num(&sb, ctl->conf_version);
	ipc_put_str(&sb, origin);
	ipc_put_str(&sb, text);
	send_msg(ctl, &sb);
	return CTL_ASYNC;
}

int msg_send_attr(struct controller *ctl, struct ctl_conn *conn, const char *node,
		  const char *name, const char *value)
{
	struct strbuf sb = STRBUF_INIT;
	unsigned id = add_waiter(ctl, conn, "");

	ipc_put_str(&sb, "attr");
	put_req(ctl, &sb, id);
	ipc_put_str(&sb, node);
	ipc_put_str(&sb, name);
	if (value)
		ipc_put_str(&sb, value);
	send_msg(ctl, &sb);
	return CTL_ASYNC;
}

int msg_send_forget(struct controller *ctl, struct ctl_conn *conn, const char *node,
		    const char **rscs, int n, const char *success)
{
	struct strbuf sb = STRBUF_INIT;
	unsigned id = add_waiter(ctl, conn, success);

	ipc_put_str(&sb, "forget");
	put_req(ctl, &sb, id);
	put_opt(&sb, node);
	for (int i = 0; i < n && i < MAX_FIELDS - 4; i++)
		ipc_put_str(&sb, rscs[i]);
	send_msg(ctl, &sb);
	return CTL_ASYNC;
}

static void put_attrs(struct strbuf *sb, const struct sched_attrs *a)
{
	int n = a ? a->n : 0;

	put_num(sb, n);
	for (int i = 0; i < n; i++) {
		ipc_put_str(sb, a->v[i].name);
		ipc_put_str(sb, a->v[i].value);
	}
}

void msg_send_exec(struct controller *ctl, const char *node, int transition, int idx,
		   const struct exec_op *op, int target_rc, const char *digest)
{
	struct strbuf sb = STRBUF_INIT;

	ipc_put_str(&sb, "exec");
	ipc_put_str(&sb, node);
	put_num(&sb, transition);
	put_num(&sb, idx);
	ipc_put_str(&sb, op->rsc);
	put_opt(&sb, op->cls);
	put_opt(&sb, op->provider);
	put_opt(&sb, op->type);
	ipc_put_str(&sb, op->action);
	put_num(&sb, op->interval_ms);
	put_num(&sb, op->timeout_ms);
	put_num(&sb, target_rc);
	put_opt(&sb, digest);
	put_attrs(&sb, op->params);
	put_attrs(&sb, op->env);
	send_msg(ctl, &sb);
}

void msg_send_fence_failed(struct controller *ctl, const char *node, const char *reason)
{
	struct strbuf sb = STRBUF_INIT;

	ipc_put_str(&sb, "fence-failed");
	ipc_put_str(&sb, node);
	ipc_put_str(&sb, reason);
	send_msg(ctl, &sb);
}

int msg_send_fenced(struct controller *ctl, const char *node)
{
	struct strbuf sb = STRBUF_INIT;

	ipc_put_str(&sb, "fenced");
	ipc_put_str(&sb, node);
	return send_msg(ctl, &sb);
}

static void send_hello(struct controller *ctl)
{
	struct strbuf sb = STRBUF_INIT;
	char *text = xml_to_string(ctl_self_state(ctl));

	/* Status first: when a member's hello arrives, its status is in. */
	ipc_put_str(&sb, "nodestatus");
	ipc_put_str(&sb, ctl->node);
	ipc_put_str(&sb, text);
	send_msg(ctl, &sb);
	ipc_put_str(&sb, "hello");
	put_num(&sb, ctl->conf_version);
	send_msg(ctl, &sb);
	free(text);
}

/* ---------------------------------------------------------------- */
/* Appliers */

struct fields {
	char **v;
	size_t *len;
	int n;
};

static long long num(const struct fields *f, int i)
{
	return i < f->n ? atoll(f->v[i]) : 0;
}

static void apply_op(struct controller *ctl, const struct fields *f)
{
	struct cib_op_result r;
	const char *node;
	struct xml_node *st;
	bool failed, pending, probe;
	int transition, idx;

	if (f->n != 17) {
		log_err("Malformed operation result ignored (%d fields)", f->n);
		return;
	}
	node = f->v[1];
	memset(&r, 0, sizeof(r));
	r.rsc = f->v[2];
	r.cls = nz(f->v[3]);
	r.provider = nz(f->v[4]);
	r.type = nz(f->v[5]);
	r.task = f->v[6];
	r.interval_ms = num(f, 7);
	r.rc = (int)num(f, 8);
	r.op_status = (int)num(f, 9);
	r.target_rc = (int)num(f, 10);
	r.when = num(f, 11);
	r.exec_ms = num(f, 12);
	r.reason = nz(f->v[13]);
	r.digest = nz(f->v[14]);
	transition = (int)num(f, 15);
	idx = (int)num(f, 16);
	pending = r.op_status < 0;
	probe = !strcmp(r.task, "monitor") && r.interval_ms == 0;
	/* Failure: the same rule on every node. */
	failed = !pending && (r.op_status != 0 ||
			      (!probe && r.rc != r.target_rc &&
			       !(r.rc == 190 && r.target_rc == 0) && !(r.rc == 191 && r.target_rc == 8)));
	r.call_id = pending ? -1 : ++ctl->call_id;
	st = ctl_node_state(ctl, node);
	cib_record_op(st, &r);
	if (failed) {
		bool fatal = !strcmp(r.task, "stop") ||
			     (!strcmp(r.task, "start") && ctl->start_failure_fatal);

		cib_count_failure(st, r.rsc, r.task, r.interval_ms, r.when, fatal);
		log_warning("Operation %s_%s_%lld on %s failed: rc=%d%s%s%s", r.rsc, r.task,
			    r.interval_ms, node, r.rc, r.op_status == 2 ? " (timed out)" : "",
			    r.reason ? ": " : "", r.reason ? r.reason : "");
		/* What outlives a restart of vigild is the fail counts: the
		 * history itself is probed again at start. */
		ctl_status_save(ctl);
	}
	ctl_op_applied(ctl, node, transition, idx, failed, pending);
}

static void apply_config(struct controller *ctl, const struct fields *f, bool sync)
{
	const char *origin = f->v[sync ? 2 : 3], *text = f->v[sync ? 3 : 4];
	long long base = num(f, sync ? 1 : 2), version = sync ? base : base + 1;
	struct crm_conf *conf;
	char err[2048], done[64];

	if (f->n != (sync ? 4 : 5))
		return;
	if (sync ? version <= ctl->conf_version : base != ctl->conf_version) {
		if (!sync) {
			snprintf(err, sizeof(err),
				 "the configuration changed meanwhile (now version %lld); nothing applied\n",
				 ctl->conf_version);
			answer(ctl, f->v[1], 1, err);
		}
		return;
	}
	conf = crm_conf_parse(origin, text, f->len[sync ? 3 : 4], err, sizeof(err));
	if (!conf || ctl_config_commit(ctl, conf, version, origin, err, sizeof(err))) {
		/* Checked before it was sent: only a disk error gets here. */
		log_err("Cannot apply configuration version %lld: %s", version, err);
		crm_conf_free(conf);
		if (!sync)
			answer(ctl, f->v[1], 1, err);
		return;
	}
	snprintf(done, sizeof(done), "configuration version %lld\n", version);
	if (!sync)
		answer(ctl, f->v[1], 0, done);
	ctl_state_changed(ctl, origin);
}

static void apply_attr(struct controller *ctl, const struct fields *f)
{
	struct xml_node *st;

	if (f->n != 4 && f->n != 5)
		return;
	st = ctl_node_state(ctl, f->v[2]);
	cib_node_attr_set(st, f->v[3], f->n == 5 ? f->v[4] : NULL);
	ctl_status_save(ctl);
	answer(ctl, f->v[1], 0, NULL);
	ctl_state_changed(ctl, "a node attribute changed");
}

static void apply_forget(struct controller *ctl, const struct fields *f)
{
	struct xml_node *st;

	if (f->n < 3)
		return;
	xml_foreach(st, ctl->status, "node_state") {
		if (*f->v[2] && strcmp(xml_get(st, "uname"), f->v[2]))
			continue;
		for (int i = 3; i < f->n; i++)
			cib_forget_rsc(st, f->v[i]);
	}
	ctl_status_save(ctl);
	answer(ctl, f->v[1], 0, NULL);
	ctl_state_changed(ctl, "resource cleanup");
}

static int get_attrs(const struct fields *f, int i, struct sched_attrs *a)
{
	long long n = num(f, i++);

	if (n < 0 || i + 2 * n > f->n)
		return -1;
	for (long long k = 0; k < n; k++, i += 2)
		sched_attrs_set(a, f->v[i], f->v[i + 1]);
	return i;
}

static void apply_exec(struct controller *ctl, const struct fields *f)
{
	struct remote_op *ro;
	int i;

	if (f->n < 15 || strcmp(f->v[1], ctl->node))
		return;
	ro = xcalloc(1, sizeof(*ro));
	ro->ctl = ctl;
	ro->transition = (int)num(f, 2);
	ro->idx = (int)num(f, 3);
	ro->op.rsc = xstrdup(f->v[4]);
	ro->op.cls = xstrdup(f->v[5]);
	ro->op.provider = nz(f->v[6]) ? xstrdup(f->v[6]) : NULL;
	ro->op.type = xstrdup(f->v[7]);
	ro->op.action = xstrdup(f->v[8]);
	ro->op.interval_ms = num(f, 9);
	ro->op.timeout_ms = num(f, 10);
	ro->target_rc = (int)num(f, 11);
	ro->digest = nz(f->v[12]) ? xstrdup(f->v[12]) : NULL;
	i = get_attrs(f, 13, &ro->params);
	if (i > 0)
		i = get_attrs(f, i, &ro->env);
	ro->op.params = &ro->params;
	ro->op.env = &ro->env;
	if (i < 0) {
		log_err("Malformed exec message from the DC ignored");
		free((char *)ro->op.rsc);
		free((char *)ro->op.cls);
		free((char *)ro->op.provider);
		free((char *)ro->op.type);
		free((char *)ro->op.action);
		free(ro->digest);
		sched_attrs_clear(&ro->params);
		sched_attrs_clear(&ro->env);
		free(ro);
		return;
	}
	ctl_run_remote(ctl, ro);
}

/* NODE was fenced: it is down, cleanly, and runs nothing. */
static void apply_fenced(struct controller *ctl, const struct cluster_member *from,
			 const struct fields *f)
{
	struct xml_node *st, *lrm;

	if (f->n != 2)
		return;
	if (from->id == cluster_self(ctl->cl)->id && ctl->fenced_unconfirmed > 0)
		ctl->fenced_unconfirmed--;
	st = ctl_node_state(ctl, f->v[1]);
	lrm = xml_child(st, "lrm");
	if (lrm)
		xml_remove(lrm);
	{
		struct xml_node *ta = xml_child(st, "transient_attributes");

		if (ta)
			xml_remove(ta);
	}
	xml_set(st, "expected", "down");
	xml_set(st, "in_ccm", "false");
	xml_set(st, "crmd", "offline");
	xml_set(st, "join", "down");
	/* Down until it joins again, whatever Corosync still reports. */
	xml_set(st, "vigil-fenced", "true");
	xml_unset(st, "vigil-fence-failed");
	ctl_status_save(ctl);
	ctl_fence_applied(ctl, f->v[1]);
}

/* Fencing NODE failed: status says why until it succeeds or NODE joins. */
static void apply_fence_failed(struct controller *ctl, const struct fields *f)
{
	if (f->n != 3)
		return;
	xml_set(ctl_node_state(ctl, f->v[1]), "vigil-fence-failed", f->v[2]);
	ctl_status_save(ctl);
}

static void apply_nodestatus(struct controller *ctl, const struct fields *f)
{
	struct xml_node *st, *got, *x, *next;
	char err[256];

	if (f->n != 3)
		return;
	got = xml_parse(f->v[2], f->len[2], err, sizeof(err));
	if (!got) {
		log_err("Malformed node status from %s: %s", f->v[1], err);
		return;
	}
	st = ctl_node_state(ctl, f->v[1]);
	/* The node is the authority on its own history and attributes; the
	 * membership fields are everyone's own view. */
	for (x = st->children; x; x = next) {
		next = x->next;
		xml_remove(x);
	}
	for (x = got->children; x; x = next) {
		next = x->next;
		xml_detach(x);
		xml_append(st, x);
	}
	xml_free(got);
	if (cib_max_call_id(ctl->status) > ctl->call_id)
		ctl->call_id = cib_max_call_id(ctl->status);
	ctl_status_save(ctl);
	ctl_state_changed(ctl, "node status received");
}

static void apply_hello(struct controller *ctl, const struct cluster_member *from,
			const struct fields *f)
{
	long long v = num(f, 1);

	if (v > ctl->max_version || (v == ctl->max_version && from->id < ctl->max_version_id)) {
		ctl->max_version = v;
		ctl->max_version_id = from->id;
	}
	for (int i = 0; i < ctl->nhello_wait; i++)
		if (ctl->hello_wait[i] == from->id) {
			ctl->hello_wait[i] = ctl->hello_wait[--ctl->nhello_wait];
			break;
		}
	if (ctl->nhello_wait || ctl->synced)
		return;
	/* Everyone announced: the newest configuration wins, sent by its
	 * holder (the lowest id among equals). */
	if (ctl->max_version_id == cluster_self(ctl->cl)->id && ctl->max_version > 0) {
		struct strbuf sb = STRBUF_INIT;
		char *text = crm_conf_render(ctl->conf);

		ipc_put_str(&sb, "config-sync");
		put_num(&sb, ctl->conf_version);
		ipc_put_str(&sb, "cluster join");
		ipc_put_str(&sb, text);
		free(text);
		send_msg(ctl, &sb);
	}
	ctl->synced = true;
	ctl_synced(ctl);
}

static void on_message(void *arg, const struct cluster_member *from, const void *data,
		       size_t len)
{
	struct controller *ctl = arg;
	char *copy = xmalloc(len + 1), err[128];
	char *v[MAX_FIELDS];
	size_t lens[MAX_FIELDS];
	struct fields f = { v, lens, 0 };
	const char *kind;

	memcpy(copy, data, len);
	copy[len] = 0;
	f.n = ipc_split(copy, len, v, lens, MAX_FIELDS, err, sizeof(err));
	if (f.n < 1) {
		log_err("Malformed cluster message from %s ignored: %s", from->name,
			f.n < 0 ? err : "empty");
		free(copy);
		return;
	}
	kind = v[0];
	if (!strcmp(kind, "op"))
		apply_op(ctl, &f);
	else if (!strcmp(kind, "config"))
		apply_config(ctl, &f, false);
	else if (!strcmp(kind, "config-sync"))
		apply_config(ctl, &f, true);
	else if (!strcmp(kind, "attr"))
		apply_attr(ctl, &f);
	else if (!strcmp(kind, "forget"))
		apply_forget(ctl, &f);
	else if (!strcmp(kind, "exec"))
		apply_exec(ctl, &f);
	else if (!strcmp(kind, "fenced"))
		apply_fenced(ctl, from, &f);
	else if (!strcmp(kind, "fence-failed"))
		apply_fence_failed(ctl, &f);
	else if (!strcmp(kind, "nodestatus"))
		apply_nodestatus(ctl, &f);
	else if (!strcmp(kind, "hello"))
		apply_hello(ctl, from, &f);
	else
		log_err("Unknown cluster message '%s' from %s ignored", kind, from->name);
	free(copy);
}

/* ---------------------------------------------------------------- */
/* Membership */

static bool in_list(const struct cluster_member *m, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(m[i].name, name))
			return true;
	return false;
}

/* Each node's membership fields, from what the cluster layer says. A node
 * that left Corosync is out of it even while the quorum view (cnodes)
 * still lists it. */
static void update_node_states(struct controller *ctl)
{
	struct xml_node *st;

	for (int i = 0; i < ctl->ncnodes; i++)
		ctl_node_state(ctl, ctl->cnodes[i].name);
	for (int i = 0; i < ctl->nmembers; i++)
		ctl_node_state(ctl, ctl->members[i].name);
	xml_foreach(st, ctl->status, "node_state") {
		const char *name = xml_get(st, "uname");
		bool member = in_list(ctl->members, ctl->nmembers, name);
		bool fenced = xml_get(st, "vigil-fenced") != NULL;
		bool ccm = member || (!fenced && in_list(ctl->cnodes, ctl->ncnodes, name) &&
				      !ctl_gone_waiting(ctl, name));

		xml_set(st, "in_ccm", ccm ? "true" : "false");
		xml_set(st, "crmd", member ? "online" : "offline");
		xml_set(st, "join", member ? "member" : "down");
		if (member) {
			xml_set(st, "expected", "member");
			if (fenced)
				xml_unset(st, "vigil-fenced");
			xml_unset(st, "vigil-fence-failed");
		}
	}
}

/* gone_wait: the ids of nodes that left Corosync's membership, kept until
 * votequorum's view has them out too (see ctl_quorum_current()). */
static void gone_wait_remove(struct controller *ctl, uint32_t id)
{
	for (int i = 0; i < ctl->ngone_wait; i++)
		if (ctl->gone_wait[i] == id)
			ctl->gone_wait[i--] = ctl->gone_wait[--ctl->ngone_wait];
}

bool ctl_gone_waiting(const struct controller *ctl, const char *name)
{
	for (int i = 0; i < ctl->ncnodes; i++)
		if (!strcmp(ctl->cnodes[i].name, name))
			for (int g = 0; g < ctl->ngone_wait; g++)
				if (ctl->gone_wait[g] == ctl->cnodes[i].id)
					return true;
	return false;
}

static void gone_wait_add(struct controller *ctl, uint32_t id)
{
	gone_wait_remove(ctl, id);
	ctl->gone_wait = xrealloc(ctl->gone_wait, (ctl->ngone_wait + 1) * sizeof(uint32_t));
	ctl->gone_wait[ctl->ngone_wait++] = id;
}

static void on_membership(void *arg, const struct cluster_member *members, int n,
			  const struct cluster_member *left, const bool *left_failed, int nleft,
			  const struct cluster_member *joined, int njoined)
{
	struct controller *ctl = arg;

	for (int i = 0; i < nleft; i++) {
		struct xml_node *st = ctl_node_state(ctl, left[i].name);

		/* A clean leave expects the node down; a failure leaves it
		 * expected up, so it is unclean until fenced. */
		if (!left_failed[i])
			xml_set(st, "expected", "down");
		if (left[i].node_down)
			gone_wait_add(ctl, left[i].id);
		log_notice("Node %s left the cluster%s", left[i].name,
			   left_failed[i] ? " (failed)" : "");
	}
	for (int i = 0; i < njoined; i++) {
		gone_wait_remove(ctl, joined[i].id);
		if (strcmp(joined[i].name, ctl->node))
			log_notice("Node %s joined the cluster", joined[i].name);
	}
	free(ctl->members);
	ctl->members = xmalloc((n + 1) * sizeof(*members));
	memcpy(ctl->members, members, n * sizeof(*members));
	ctl->nmembers = n;
	free(ctl->dc);
	ctl->dc = n ? xstrdup(members[0].name) : NULL;
	ctl->is_dc = n && !strcmp(members[0].name, ctl->node);
	update_node_states(ctl);
	if (njoined == 0 && ctl->synced) {
		/* Only departures: virtual synchrony has given every survivor
		 * the same messages before this change, so their states agree
		 * and there is nothing to exchange; decide at once. */
		ctl_membership_changed(ctl);
		ctl_state_changed(ctl, "a node left");
		return;
	}
	/* Synchronise: everyone announces its version and its own status. */
	ctl->synced = false;
	free(ctl->hello_wait);
	ctl->hello_wait = xmalloc((n + 1) * sizeof(uint32_t));
	for (int i = 0; i < n; i++)
		ctl->hello_wait[i] = members[i].id;
	ctl->nhello_wait = n;
	ctl->max_version = -1;
	ctl->max_version_id = 0;
	send_hello(ctl);
	ctl_membership_changed(ctl);
}

/* Whether `nodes` are the Corosync nodes this node already knew of: those
 * of the last quorum view without the ones known to have left. */
static bool same_known_nodes(const struct controller *ctl, const struct cluster_member *nodes,
			     int n)
{
	int k = 0;

	for (int i = 0; i < ctl->ncnodes; i++) {
		if (ctl_gone_waiting(ctl, ctl->cnodes[i].name))
			continue;
		if (k >= n || nodes[k].id != ctl->cnodes[i].id)
			return false;
		k++;
	}
	return k == n;
}

static void on_quorum(void *arg, bool quorate, const struct cluster_member *nodes, int n,
		      uint32_t needed)
{
	struct controller *ctl = arg;
	/* A view that only confirms a departure the DC could already act on
	 * (see ctl_quorum_current()) changes nothing: deciding again would
	 * abort the recovery under way. */
	bool news = quorate != ctl->quorate || !ctl_quorum_current(ctl) ||
		    !same_known_nodes(ctl, nodes, n);

	if (quorate != ctl->quorate)
		log_notice("Quorum %s", quorate ? "acquired" : "lost");
	ctl->quorate = quorate;
	ctl->quorum_needed = needed;
	free(ctl->cnodes);
	ctl->cnodes = xmalloc((n + 1) * sizeof(*nodes));
	memcpy(ctl->cnodes, nodes, n * sizeof(*nodes));
	ctl->ncnodes = n;
	for (int i = 0; i < ctl->ngone_wait; i++) {
		bool still = false;

		for (int k = 0; k < n && !still; k++)
			still = nodes[k].id == ctl->gone_wait[i];
		if (!still)
			gone_wait_remove(ctl, ctl->gone_wait[i--]);
	}
	update_node_states(ctl);
	if (news)
		ctl_state_changed(ctl, quorate ? "quorum or nodes changed" : "quorum lost");
}

static void on_lost(void *arg)
{
	struct controller *ctl = arg;

	/* Without the cluster this node cannot know what others do: stop
	 * deciding. Resources keep running; fencing by the others settles
	 * it, as with Pacemaker when Corosync dies. */
	log_err("Lost the connection to the cluster layer: exiting");
	ev_loop_stop(ctl->loop);
}

const struct cluster_events ctl_cluster_events = {
	.membership = on_membership,
	.message = on_message,
	.quorum = on_quorum,
	.lost = on_lost,
};

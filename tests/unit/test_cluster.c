/* Tests for the cluster layer: the local layer's order of events, and the
 * pure helpers of the Corosync layer (nodelist keys, names, translation of
 * CPG membership lists). Those helpers are static, so this file includes
 * src/cluster/cluster_corosync.c itself; the archive's copy is then never
 * linked in (every symbol it defines is defined here already).
 *
 * With a verb as first argument the binary is instead the driver of
 * tests/integration/test_cluster_corosync.py, run in a node's namespaces:
 *
 *   test_cluster corosync-echo [N]
 *       joins through cluster_corosync_new() and prints one line per event:
 *         self ID NAME
 *         membership members=ID:NAME,... left=ID:NAME:failed|clean,... joined=ID:NAME,...
 *         quorum quorate=0|1 nodes=ID:NAME,...
 *         msg FROM_ID FROM_NAME TEXT
 *         lost
 *       sends N numbered messages ("NAME-1".."NAME-N") once it sees its own
 *       join, then reads commands from stdin:
 *         send N          N more numbered messages, then "sent TOTAL"
 *         big N SIZE      N messages of SIZE bytes ("big NAME-K SIZE" then a
 *                         pattern); receivers print "msg ID NAME big NAME-K SIZE ok"
 *                         (or "corrupt")
 *         name ID         prints "name ID NAME" (cluster_node_name, "-" if none)
 *         send-size SIZE  prints "send-size SIZE RC" (cluster_send's result)
 *         free-on-msg     frees the layer inside the next message callback,
 *                         prints "freed" and exits 0
 *         quit            exits 0
 *       SIGTERM or SIGINT exits 0; losing Corosync prints "lost", exits 3.
 *   test_cluster corosync-connect
 *       prints "ok ID NAME" or "error MESSAGE" (exit 1).
 */
#include "unit.h"
#include "cluster/cluster_corosync.c"
#include "lib/strbuf.h"

#include <sched.h>
#include <stdarg.h>
#include <signal.h>
#include <sys/signalfd.h>

/* Local layer --------------------------------------------------------------- */

struct rec {
	char log[4096];
	struct cluster *c;
	int messages;
	int resend;          /* messages to send from inside the message callback */
	struct ev_loop *loop;
};

static void rec_add(struct rec *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void rec_add(struct rec *r, const char *fmt, ...)
{
	size_t len = strlen(r->log);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->log + len, sizeof(r->log) - len, fmt, ap);
	va_end(ap);
}

static void rec_membership(void *arg, const struct cluster_member *m, int n,
			   const struct cluster_member *left, const bool *left_failed, int nleft,
			   const struct cluster_member *joined, int njoined)
{
	struct rec *r = arg;

	rec_add(r, "M");
	for (int i = 0; i < n; i++)
		rec_add(r, " %u:%s", m[i].id, m[i].name);
	rec_add(r, " +%d -%d;", njoined, nleft);
}

static void rec_message(void *arg, const struct cluster_member *from, const void *data, size_t len)
{
	struct rec *r = arg;

	rec_add(r, "m %u:%s %.*s;", from->id, from->name, (int)len, (const char *)data);
	r->messages++;
	if (r->resend > 0) {
		r->resend--;
		CHECK_INT(cluster_send(r->c, "again", 5), 0);
	}
	if (r->messages == 4)
		ev_loop_stop(r->loop);
}

static void rec_quorum(void *arg, bool quorate, const struct cluster_member *nodes, int n,
		       uint32_t needed)
{
	struct rec *r = arg;

	rec_add(r, "Q %d %d;", quorate, n);
}

static const struct cluster_events rec_events = {
	.membership = rec_membership,
	.message = rec_message,
	.quorum = rec_quorum,
};

static void stop_cb(struct ev_loop *loop, struct ev_timer *t)
{
	ev_loop_stop(loop);
}

static void test_local_order(void)
{
	struct ev_loop *loop = ev_loop_new();
	struct rec r = { .loop = loop, .resend = 1 };
	struct ev_timer guard;
	char err[128];

	ev_timer_init(&guard, stop_cb, NULL);
	ev_timer_start(loop, &guard, 2000);
	r.c = cluster_local_new(loop, "alpha", &rec_events, &r, err, sizeof(err));
	CHECK(r.c);
	CHECK_INT(cluster_self(r.c)->id, 1);
	CHECK_STR(cluster_self(r.c)->name, "alpha");
	CHECK_STR(cluster_node_name(r.c, 1), "alpha");
	CHECK(cluster_node_name(r.c, 2) == NULL);
	/* Sent before the loop runs: delivered after the first membership. */
	CHECK_INT(cluster_send(r.c, "one", 3), 0);
	CHECK_INT(cluster_send(r.c, "two", 3), 0);
	CHECK_INT(cluster_send(r.c, "", 0), 0);
	ev_loop_run(loop);
	CHECK_STR(r.log, "Q 1 1;M 1:alpha +1 -0;m 1:alpha one;m 1:alpha two;m 1:alpha ;"
		  "m 1:alpha again;");
	cluster_free(r.c);
	ev_loop_free(loop);
}

static void test_local_limits(void)
{
	struct ev_loop *loop = ev_loop_new();
	struct cluster *c;
	char err[128], name[100];

	memset(name, 'x', sizeof(name) - 1);
	name[sizeof(name) - 1] = 0;
	CHECK(cluster_local_new(loop, name, &rec_events, NULL, err, sizeof(err)) == NULL);
	CHECK_CONTAINS(err, "too long");
	c = cluster_local_new(loop, "n", &rec_events, NULL, err, sizeof(err));
	CHECK(c);
	CHECK_INT(cluster_send(c, "", CLUSTER_MAX_MSG + 1), -EMSGSIZE);
	cluster_free(c);
	cluster_free(NULL);
	ev_loop_free(loop);
}

/* Corosync layer: pure helpers -------------------------------------------- */

static void test_nodelist_key(void)
{
	unsigned idx = 99;
	const char *attr = NULL;

	CHECK(cc_nodelist_key("nodelist.node.0.nodeid", &idx, &attr));
	CHECK_INT(idx, 0);
	CHECK_STR(attr, "nodeid");
	CHECK(cc_nodelist_key("nodelist.node.12.ring0_addr", &idx, &attr));
	CHECK_INT(idx, 12);
	CHECK_STR(attr, "ring0_addr");
	CHECK(!cc_nodelist_key("nodelist.local_node_pos", &idx, &attr));
	CHECK(!cc_nodelist_key("nodelist.node.", &idx, &attr));
	CHECK(!cc_nodelist_key("nodelist.node.x.name", &idx, &attr));
	CHECK(!cc_nodelist_key("nodelist.node.-1.name", &idx, &attr));
	CHECK(!cc_nodelist_key("nodelist.node.3", &idx, &attr));
	CHECK(!cc_nodelist_key("nodelist.node.3.", &idx, &attr));
	CHECK(!cc_nodelist_key("nodelist.node.99999999999.name", &idx, &attr));
	CHECK(!cc_nodelist_key("totem.nodeid", &idx, &attr));
}

static void test_names(void)
{
	struct cluster_member names[] = { { 1, "n1" }, { 5, "n5" }, { 9, "n9" } };
	struct cluster_member self = { 7, "me" }, m;
	char longname[100];

	CHECK_STR(cc_names_find(names, 3, 5), "n5");
	CHECK_STR(cc_names_find(names, 3, 9), "n9");
	CHECK(cc_names_find(names, 3, 4) == NULL);
	CHECK(cc_names_find(NULL, 0, 1) == NULL);

	cc_member(names, 3, &self, 1, &m);
	CHECK_INT(m.id, 1);
	CHECK_STR(m.name, "n1");
	cc_member(names, 3, &self, 7, &m);   /* not in the nodelist: self's name */
	CHECK_STR(m.name, "me");
	cc_member(names, 3, &self, 42, &m);  /* unknown: the id */
	CHECK_STR(m.name, "42");
	cc_member(names, 3, NULL, 7, &m);
	CHECK_STR(m.name, "7");

	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = 0;
	CHECK(!cc_set_name(&m, longname));
	CHECK_INT(strlen(m.name), sizeof(m.name) - 1);
	CHECK(cc_set_name(&m, "short"));
	CHECK_STR(m.name, "short");
}

static void test_from_cpg(void)
{
	struct cluster_member names[] = { { 1, "n1" }, { 2, "n2" }, { 3, "n3" } };
	struct cpg_address a[] = {
		{ .nodeid = 3, .pid = 10, .reason = CPG_REASON_NODEDOWN },
		{ .nodeid = 1, .pid = 30, .reason = CPG_REASON_LEAVE },
		{ .nodeid = 2, .pid = 20, .reason = CPG_REASON_PROCDOWN },
		{ .nodeid = 1, .pid = 5, .reason = CPG_REASON_JOIN },
		{ .nodeid = 4, .pid = 1, .reason = CPG_REASON_UNDEFINED },
	};
	struct cluster_member out[5];
	bool failed[5];

	cc_from_cpg(names, 3, NULL, a, 5, out, failed);
	CHECK_INT(out[0].id, 1);
	CHECK_STR(out[0].name, "n1");
	CHECK(failed[0]);                   /* pid 5: "join" is no clean leave */
	CHECK_INT(out[1].id, 1);
	CHECK(!failed[1]);                  /* pid 30, clean leave */
	CHECK_INT(out[2].id, 2);
	CHECK_STR(out[2].name, "n2");
	CHECK(failed[2]);                   /* process down */
	CHECK_INT(out[3].id, 3);
	CHECK(failed[3]);                   /* node down */
	CHECK_INT(out[4].id, 4);
	CHECK_STR(out[4].name, "4");
	CHECK(failed[4]);                   /* no reason given: not a clean leave */
	cc_from_cpg(names, 3, NULL, a, 0, out, NULL);
}

static void test_reason_names(void)
{
	CHECK_STR(cc_reason_name(CPG_REASON_PROCDOWN), "process down");
	CHECK_STR(cc_reason_name(CPG_REASON_NODEDOWN), "node down");
	CHECK_STR(cc_reason_name(77), "unknown reason");
}

/* Corosync layer: the send queue and dispatch outcomes, with a stand-in
 * for cpg_mcast_joined() and for a library's dispatch --------------------- */

struct fake {
	struct ev_loop *loop;
	struct corosync *cc;
	const cs_error_t *script;  /* results of successive mcast calls, then CS_OK */
	int nscript, calls;
	char got[256];             /* messages accepted, each followed by ';' */
	char ev[512];              /* events passed on, each followed by ';' */
	const char *want;          /* stop the loop once `got` is this */
	int lost;
	struct ev_timer guard, poll;
};

static cs_error_t fake_mcast(struct corosync *cc, const void *data, size_t len)
{
	struct fake *f = cc->base.arg;
	cs_error_t rc = f->calls < f->nscript ? f->script[f->calls] : CS_OK;

	f->calls++;
	if (rc == CS_OK)
		snprintf(f->got + strlen(f->got), sizeof(f->got) - strlen(f->got), "%.*s;",
			 (int)len, (const char *)data);
	return rc;
}

static void fake_lost(void *arg)
{
	((struct fake *)arg)->lost++;
}

static void fake_list(struct fake *f, const char *tag, const struct cluster_member *m, int n,
		      const bool *failed)
{
	size_t len = strlen(f->ev);

	len += (size_t)snprintf(f->ev + len, sizeof(f->ev) - len, "%s", tag);
	for (int i = 0; i < n && len < sizeof(f->ev); i++)
		len += (size_t)snprintf(f->ev + len, sizeof(f->ev) - len, "%s%u:%s%s",
					i ? "," : "", m[i].id, m[i].name,
					failed ? (failed[i] ? ":failed" : ":clean") : "");
}

static void fake_membership(void *arg, const struct cluster_member *m, int n,
			    const struct cluster_member *left, const bool *left_failed, int nleft,
			    const struct cluster_member *joined, int njoined)
{
	struct fake *f = arg;

	fake_list(f, "M ", m, n, NULL);
	fake_list(f, " L ", left, nleft, left_failed);
	fake_list(f, " J ", joined, njoined, NULL);
	fake_list(f, ";", NULL, 0, NULL);
}

static void fake_quorum(void *arg, bool quorate, const struct cluster_member *nodes, int n,
			uint32_t needed)
{
	struct fake *f = arg;

	fake_list(f, quorate ? "Q 1 " : "Q 0 ", nodes, n, NULL);
	fake_list(f, ";", NULL, 0, NULL);
}

static void fake_message(void *arg, const struct cluster_member *from, const void *data,
			 size_t len)
{
	struct fake *f = arg;
	size_t l = strlen(f->ev);

	snprintf(f->ev + l, sizeof(f->ev) - l, "m %u:%s %.*s;", from->id, from->name, (int)len,
		 (const char *)data);
}

static void fake_poll(struct ev_loop *loop, struct ev_timer *t)
{
	struct fake *f = t->data;

	if (f->want ? !strcmp(f->got, f->want) : f->lost > 0)
		ev_loop_stop(loop);
	else
		ev_timer_start(loop, t, 1);
}

/* A Corosync layer with no connection: joined, sending through fake_mcast. */
static struct fake *fake_new(const cs_error_t *script, int nscript)
{
	struct fake *f = xcalloc(1, sizeof(*f));
	struct corosync *cc = xcalloc(1, sizeof(*cc));

	f->loop = ev_loop_new();
	f->script = script;
	f->nscript = nscript;
	f->cc = cc;
	cc->base.ops = &corosync_ops;
	cc->base.arg = f;
	cc->base.ev.lost = fake_lost;
	cc->base.ev.membership = fake_membership;
	cc->base.ev.quorum = fake_quorum;
	cc->base.ev.message = fake_message;
	cc->loop = f->loop;
	cc->queue_tail = &cc->queue;
	cc->mcast = fake_mcast;
	cc->joined = true;
	ev_io_init(&cc->cpg_io, cpg_io_cb, cc);
	ev_io_init(&cc->vq_io, vq_io_cb, cc);
	ev_io_init(&cc->cmap_io, cmap_io_cb, cc);
	ev_timer_init(&cc->send_timer, send_timer_cb, cc);
	ev_timer_init(&cc->join_timer, join_timer_cb, cc);
	ev_timer_init(&cc->names_timer, names_timer_cb, cc);
	ev_timer_init(&cc->lost_timer, lost_timer_cb, cc);
	ev_timer_init(&f->guard, stop_cb, NULL);
	ev_timer_init(&f->poll, fake_poll, f);
	return f;
}

static void fake_run(struct fake *f, const char *want)
{
	f->want = want;
	ev_timer_start(f->loop, &f->guard, 2000);
	ev_timer_start(f->loop, &f->poll, 1);
	ev_loop_run(f->loop);
	ev_timer_stop(f->loop, &f->guard);
	ev_timer_stop(f->loop, &f->poll);
}

static void fake_free(struct fake *f)
{
	cluster_free(&f->cc->base);
	ev_loop_free(f->loop);
	free(f);
}

static void send_d(struct ev_loop *loop, struct ev_timer *t)
{
	struct fake *f = t->data;

	CHECK_INT(cluster_send(&f->cc->base, "d", 1), 0);
}

static void test_send_queue_keeps_order(void)
{
	static const cs_error_t script[] = {
		CS_ERR_TRY_AGAIN, CS_ERR_TRY_AGAIN, CS_OK, CS_ERR_INTERRUPT, CS_OK,
		CS_ERR_TRY_AGAIN,
	};
	struct fake *f = fake_new(script, ARRAY_SIZE(script));
	struct cluster *c = &f->cc->base;
	struct ev_timer later;
	uint64_t t0 = ev_monotonic_ms();

	CHECK_INT(cluster_send(c, "a", 1), 0);   /* try again: queued */
	CHECK_INT(f->calls, 1);
	CHECK_INT(cluster_send(c, "b", 1), 0);   /* behind "a", not tried */
	CHECK_INT(cluster_send(c, "c", 1), 0);
	CHECK_INT(f->calls, 1);
	CHECK_INT(f->cc->nqueued, 3);
	CHECK(ev_timer_active(&f->cc->send_timer));
	ev_timer_init(&later, send_d, f);        /* "d" while the queue waits */
	ev_timer_start(f->loop, &later, 5);
	fake_run(f, "a;b;c;d;");
	CHECK_STR(f->got, "a;b;c;d;");
	CHECK_INT(f->calls, 8);
	CHECK_INT(f->cc->nqueued, 0);
	CHECK(!ev_timer_active(&f->cc->send_timer));
	CHECK(ev_monotonic_ms() - t0 >= 3 * CC_RETRY_MS);
	/* Queue empty: the next message goes out at once. */
	CHECK_INT(cluster_send(c, "e", 1), 0);
	CHECK_STR(f->got, "a;b;c;d;e;");
	CHECK_INT(f->lost, 0);
	fake_free(f);
}

static void test_send_limits_and_join(void)
{
	struct fake *f = fake_new(NULL, 0);
	struct cluster *c = &f->cc->base;

	CHECK_INT(cluster_send(c, "", CLUSTER_MAX_MSG + 1), -EMSGSIZE);
	CHECK_INT(f->calls, 0);
	CHECK_INT(cluster_send(c, "", 0), 0);
	CHECK_STR(f->got, ";");
	/* Before the join is accepted, messages wait without a retry timer. */
	f->cc->joined = false;
	CHECK_INT(cluster_send(c, "x", 1), 0);
	CHECK_INT(f->calls, 1);
	CHECK_INT(f->cc->nqueued, 1);
	CHECK(!ev_timer_active(&f->cc->send_timer));
	f->cc->joined = true;
	cc_flush(f->cc);
	CHECK_STR(f->got, ";x;");
	fake_free(f);
}

static void test_send_lost(void)
{
	static const cs_error_t direct[] = { CS_ERR_LIBRARY };
	static const cs_error_t queued[] = { CS_ERR_TRY_AGAIN, CS_ERR_BAD_HANDLE };
	struct fake *f = fake_new(direct, ARRAY_SIZE(direct));

	/* Refused at once: -ENOTCONN now, `lost` from the loop, once. */
	CHECK_INT(cluster_send(&f->cc->base, "a", 1), -ENOTCONN);
	CHECK_INT(f->lost, 0);
	fake_run(f, NULL);
	CHECK_INT(f->lost, 1);
	CHECK_INT(cluster_send(&f->cc->base, "b", 1), -ENOTCONN);
	CHECK_INT(f->calls, 1);
	fake_free(f);

	/* Refused on a retry: `lost`, and the message stays unsent. */
	f = fake_new(queued, ARRAY_SIZE(queued));
	CHECK_INT(cluster_send(&f->cc->base, "a", 1), 0);
	fake_run(f, NULL);
	CHECK_INT(f->lost, 1);
	CHECK_INT(f->cc->lost_rc, CS_ERR_BAD_HANDLE);
	CHECK_INT(f->calls, 2);
	CHECK_STR(f->got, "");
	CHECK_INT(f->cc->nqueued, 1);
	fake_free(f);
}

/* CPG and votequorum callbacks, translated: names from the nodelist,
 * sorted by id, failures told from clean leaves, quorum's dead nodes
 * left out; nothing once the layer is lost. */
static void test_events_translated(void)
{
	static const struct cluster_member names[] = { { 1, "n1" }, { 2, "n2" }, { 3, "n3" } };
	uint32_t me = (uint32_t)getpid();
	struct cpg_address members[] = {
		{ 3, 30, CPG_REASON_JOIN }, { 1, 10, CPG_REASON_JOIN }, { 2, me, CPG_REASON_JOIN },
	};
	struct cpg_address left[] = { { 5, 50, CPG_REASON_LEAVE }, { 4, 40, CPG_REASON_NODEDOWN } };
	struct cpg_address joined[] = { { 2, me, CPG_REASON_JOIN } };
	votequorum_node_t vq[] = {
		{ 3, VOTEQUORUM_NODESTATE_MEMBER }, { 1, VOTEQUORUM_NODESTATE_MEMBER },
		{ 2, VOTEQUORUM_NODESTATE_DEAD }, { 4, VOTEQUORUM_NODESTATE_LEAVING },
	};
	struct fake *f = fake_new(NULL, 0);
	struct corosync *cc = f->cc;

	cc->names = xmalloc(sizeof(names));
	memcpy(cc->names, names, sizeof(names));
	cc->nnames = 3;
	cc->base.self.id = 2;
	cc_name_self(cc);
	CHECK_STR(cc->base.self.name, "n2");
	CHECK_STR(cluster_node_name(&cc->base, 3), "n3");
	CHECK(cluster_node_name(&cc->base, 4) == NULL);

	cc_confchg(cc, members, 3, left, 2, joined, 1);
	CHECK_STR(f->ev, "M 1:n1,2:n2,3:n3 L 4:4:failed,5:5:clean J 2:n2;");
	f->ev[0] = 0;
	vq_quorum_cb(0, (uint64_t)(uintptr_t)cc, 1, 4, vq);
	CHECK_STR(f->ev, "Q 1 1:n1,3:n3;");
	f->ev[0] = 0;
	cc_deliver(cc, 3, "hi", 2);
	cc_deliver(cc, 7, "", 0);
	CHECK_STR(f->ev, "m 3:n3 hi;m 7:7 ;");

	f->ev[0] = 0;
	cc->lost = true;
	cc_confchg(cc, members, 3, left, 2, joined, 1);
	vq_quorum_cb(0, (uint64_t)(uintptr_t)cc, 0, 4, vq);
	cc_deliver(cc, 3, "hi", 2);
	CHECK_STR(f->ev, "");
	fake_free(f);
}

/* Library dispatch stand-ins: what the dispatch returns, and what a
 * callback inside it does. */
static struct fake *dispatch_fake;
static cs_error_t dispatch_rc;
static bool dispatch_frees;

static cs_error_t fake_dispatch(uint64_t handle, cs_dispatch_flags_t flags)
{
	CHECK_INT(flags, CS_DISPATCH_ALL);
	if (dispatch_frees) {
		cluster_free(&dispatch_fake->cc->base);
		CHECK(dispatch_fake->cc->closing);  /* not yet destroyed */
		/* Events after the free are dropped. */
		cc_deliver(dispatch_fake->cc, 1, "x", 1);
		vq_quorum_cb(0, (uint64_t)(uintptr_t)dispatch_fake->cc, 1, 0, NULL);
		CHECK_STR(dispatch_fake->ev, "");
	}
	return dispatch_rc;
}

static void test_dispatch_outcomes(void)
{
	struct fake *f = fake_new(NULL, 0);

	dispatch_fake = f;
	dispatch_rc = CS_OK;
	cc_dispatch(f->cc, "fake", fake_dispatch, 0, EPOLLIN);
	dispatch_rc = CS_ERR_TRY_AGAIN;          /* nothing more to read */
	cc_dispatch(f->cc, "fake", fake_dispatch, 0, EPOLLIN);
	CHECK_INT(f->lost, 0);
	dispatch_rc = CS_OK;                     /* all read, then a hang-up */
	cc_dispatch(f->cc, "fake", fake_dispatch, 0, EPOLLIN | EPOLLHUP);
	CHECK_INT(f->lost, 1);
	CHECK(f->cc->lost);
	fake_free(f);

	f = fake_new(NULL, 0);
	dispatch_fake = f;
	dispatch_rc = CS_ERR_LIBRARY;
	cc_dispatch(f->cc, "fake", fake_dispatch, 0, EPOLLIN);
	CHECK_INT(f->lost, 1);
	cc_dispatch(f->cc, "fake", fake_dispatch, 0, EPOLLIN);  /* once only */
	CHECK_INT(f->lost, 1);
	CHECK_INT(cluster_send(&f->cc->base, "a", 1), -ENOTCONN);
	fake_free(f);

	/* cluster_free() from a callback inside the dispatch: destroyed once
	 * the dispatch returns (ASan and LSan check the rest). */
	f = fake_new(NULL, 0);
	dispatch_fake = f;
	dispatch_rc = CS_OK;
	dispatch_frees = true;
	CHECK_INT(cluster_send(&f->cc->base, "a", 1), 0);
	cc_dispatch(f->cc, "fake", fake_dispatch, 0, EPOLLIN);
	CHECK_INT(f->lost, 0);
	ev_loop_free(f->loop);                   /* frees what ev_free_later queued */
	free(f);
	dispatch_frees = false;
}

/* Without Corosync (a fresh network namespace has none: its IPC sockets are
 * abstract, per namespace), cluster_corosync_new() fails with a message
 * that says so. Skipped when namespaces cannot be made (not root). */
static void test_corosync_absent(void)
{
	struct ev_loop *loop;
	char err[256] = "";

	if (unshare(CLONE_NEWNET) < 0) {
		printf("  (skipped: unshare(CLONE_NEWNET): %s)\n", strerror(errno));
		return;
	}
	loop = ev_loop_new();
	CHECK(cluster_corosync_new(loop, &rec_events, NULL, err, sizeof(err)) == NULL);
	CHECK_CONTAINS(err, "cannot connect to Corosync");
	CHECK_CONTAINS(err, "is corosync running?");
	ev_loop_free(loop);
}

/* Driver ---------------------------------------------------------------------- */

struct drv {
	struct ev_loop *loop;
	struct cluster *c;
	struct ev_io sig_io, in_io;
	int sig_fd;
	char inbuf[4096];
	size_t inlen;
	int initial;          /* messages to send once joined */
	bool joined;
	int sent, big_sent;
	int status;
	bool free_on_msg;
};

static void drv_list(struct strbuf *sb, const struct cluster_member *m, int n, const bool *failed)
{
	for (int i = 0; i < n; i++) {
		sb_appendf(sb, "%s%u:%s", i ? "," : "", m[i].id, m[i].name);
		if (failed)
			sb_appendf(sb, ":%s", failed[i] ? "failed" : "clean");
	}
}

static void drv_send_numbered(struct drv *d, int n)
{
	for (int i = 0; i < n; i++) {
		char text[128];
		int rc;

		snprintf(text, sizeof(text), "%s-%d", cluster_self(d->c)->name, ++d->sent);
		rc = cluster_send(d->c, text, strlen(text));
		if (rc < 0)
			printf("error send: %s\n", strerror(-rc));
	}
	printf("sent %d\n", d->sent);
}

static void drv_send_big(struct drv *d, int n, size_t size)
{
	for (int i = 0; i < n; i++) {
		char head[128];
		char *buf;
		int hl, rc;

		hl = snprintf(head, sizeof(head), "big %s-%d %zu", cluster_self(d->c)->name,
			      ++d->big_sent, size);
		if (size < (size_t)hl + 1) {
			printf("error big: size too small\n");
			return;
		}
		buf = xmalloc(size);
		memcpy(buf, head, (size_t)hl + 1);
		for (size_t k = (size_t)hl + 1; k < size; k++)
			buf[k] = (char)(k * 131 + (size_t)d->big_sent);
		rc = cluster_send(d->c, buf, size);
		free(buf);
		if (rc < 0)
			printf("error send: %s\n", strerror(-rc));
	}
	printf("sent-big %d\n", d->big_sent);
}

static void drv_membership(void *arg, const struct cluster_member *m, int n,
			   const struct cluster_member *left, const bool *left_failed, int nleft,
			   const struct cluster_member *joined, int njoined)
{
	struct drv *d = arg;
	struct strbuf sb = STRBUF_INIT;

	sb_appendf(&sb, "membership members=");
	drv_list(&sb, m, n, NULL);
	sb_appendf(&sb, " left=");
	drv_list(&sb, left, nleft, left_failed);
	sb_appendf(&sb, " joined=");
	drv_list(&sb, joined, njoined, NULL);
	printf("%s\n", sb_str(&sb));
	sb_free(&sb);
	if (!d->joined) {
		d->joined = true;
		if (d->initial)
			drv_send_numbered(d, d->initial);
	}
}

static void drv_message(void *arg, const struct cluster_member *from, const void *data, size_t len)
{
	struct drv *d = arg;
	const char *s = data;

	if (d->free_on_msg) {
		/* From inside cpg_dispatch: the layer finishes after it returns. */
		cluster_free(d->c);
		d->c = NULL;
		d->free_on_msg = false;
		printf("freed\n");
		ev_loop_stop(d->loop);
		return;
	}

	if (len > 4 && !memcmp(s, "big ", 4)) {
		const char *nul = memchr(s, 0, len);
		char tag[128];
		size_t size = 0, hl;
		bool ok;

		if (!nul || sscanf(s, "big %127s %zu", tag, &size) != 2) {
			printf("msg %u %s big ? %zu corrupt\n", from->id, from->name, len);
			return;
		}
		hl = (size_t)(nul - s);
		ok = size == len;
		{
			int k0 = atoi(strrchr(tag, '-') ? strrchr(tag, '-') + 1 : "0");

			for (size_t k = hl + 1; ok && k < len; k++)
				ok = s[k] == (char)(k * 131 + (size_t)k0);
		}
		printf("msg %u %s big %s %zu %s\n", from->id, from->name, tag, len,
		       ok ? "ok" : "corrupt");
		return;
	}
	printf("msg %u %s %.*s\n", from->id, from->name, (int)len, s);
}

static void drv_quorum(void *arg, bool quorate, const struct cluster_member *nodes, int n,
		       uint32_t needed)
{
	struct strbuf sb = STRBUF_INIT;

	sb_appendf(&sb, "quorum quorate=%d needed=%u nodes=", quorate, needed);
	for (int i = 0; i < n; i++)
		sb_appendf(&sb, "%s%u:%s:%u", i ? "," : "", nodes[i].id, nodes[i].name, nodes[i].votes);
	printf("%s\n", sb_str(&sb));
	sb_free(&sb);
}

static void drv_lost(void *arg)
{
	struct drv *d = arg;

	printf("lost\n");
	d->status = 3;
	ev_loop_stop(d->loop);
}

static void drv_command(struct drv *d, char *line)
{
	unsigned long long a = 0, b = 0;

	if (!d->c)
		return;

	if (sscanf(line, "send %llu", &a) == 1) {
		drv_send_numbered(d, (int)a);
	} else if (sscanf(line, "big %llu %llu", &a, &b) == 2) {
		drv_send_big(d, (int)a, (size_t)b);
	} else if (sscanf(line, "send-size %llu", &a) == 1) {
		char *buf = xcalloc(1, a ? a : 1);

		printf("send-size %llu %d\n", a, cluster_send(d->c, buf, a));
		free(buf);
	} else if (sscanf(line, "name %llu", &a) == 1) {
		const char *name = cluster_node_name(d->c, (uint32_t)a);

		printf("name %llu %s\n", a, name ? name : "-");
	} else if (!strcmp(line, "free-on-msg")) {
		d->free_on_msg = true;
	} else if (!strcmp(line, "quit")) {
		ev_loop_stop(d->loop);
	} else if (line[0]) {
		printf("error unknown command '%s'\n", line);
	}
}

static void drv_stdin(struct ev_loop *loop, struct ev_io *io, uint32_t events)
{
	struct drv *d = io->data;
	ssize_t n = read(0, d->inbuf + d->inlen, sizeof(d->inbuf) - d->inlen - 1);
	char *nl;

	if (n <= 0) {
		ev_io_stop(loop, io);  /* stdin closed: keep running until a signal */
		return;
	}
	d->inlen += (size_t)n;
	d->inbuf[d->inlen] = 0;
	while ((nl = strchr(d->inbuf, '\n'))) {
		*nl = 0;
		drv_command(d, d->inbuf);
		d->inlen -= (size_t)(nl + 1 - d->inbuf);
		memmove(d->inbuf, nl + 1, d->inlen + 1);
	}
	if (d->inlen == sizeof(d->inbuf) - 1)
		d->inlen = 0;
}

static void drv_signal(struct ev_loop *loop, struct ev_io *io, uint32_t events)
{
	struct drv *d = io->data;
	struct signalfd_siginfo si;

	if (read(d->sig_fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		ev_loop_stop(loop);
}

static int drive(int argc, char **argv)
{
	static const struct cluster_events events = {
		.membership = drv_membership,
		.message = drv_message,
		.quorum = drv_quorum,
		.lost = drv_lost,
	};
	struct drv d = { .status = 0 };
	char err[512];
	sigset_t mask;

	setvbuf(stdout, NULL, _IOLBF, 0);
	log_init("test_cluster");
	log_set_stderr_level(LOG_LVL_INFO);
	d.loop = ev_loop_new();
	d.c = cluster_corosync_new(d.loop, &events, &d, err, sizeof(err));
	if (!d.c) {
		printf("error %s\n", err);
		ev_loop_free(d.loop);
		return 1;
	}
	printf("self %u %s\n", cluster_self(d.c)->id, cluster_self(d.c)->name);
	if (!strcmp(argv[1], "corosync-connect")) {
		printf("ok %u %s\n", cluster_self(d.c)->id, cluster_self(d.c)->name);
		cluster_free(d.c);
		ev_loop_free(d.loop);
		return 0;
	}
	d.initial = argc > 2 ? atoi(argv[2]) : 0;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	d.sig_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	ev_io_init(&d.sig_io, drv_signal, &d);
	ev_io_start(d.loop, &d.sig_io, d.sig_fd, EPOLLIN);
	ev_io_init(&d.in_io, drv_stdin, &d);
	ev_io_start(d.loop, &d.in_io, 0, EPOLLIN);

	ev_loop_run(d.loop);

	ev_io_stop(d.loop, &d.sig_io);
	ev_io_stop(d.loop, &d.in_io);
	close(d.sig_fd);
	cluster_free(d.c);
	ev_loop_free(d.loop);
	return d.status;
}

int main(int argc, char **argv)
{
	if (argc > 1 && (!strcmp(argv[1], "corosync-echo") || !strcmp(argv[1], "corosync-connect")))
		return drive(argc, argv);
	log_set_stderr(false);
	RUN(test_local_order);
	RUN(test_local_limits);
	RUN(test_nodelist_key);
	RUN(test_names);
	RUN(test_from_cpg);
	RUN(test_reason_names);
	RUN(test_send_queue_keeps_order);
	RUN(test_send_limits_and_join);
	RUN(test_send_lost);
	RUN(test_events_translated);
	RUN(test_dispatch_outcomes);
	RUN(test_corosync_absent);
	UNIT_DONE();
}

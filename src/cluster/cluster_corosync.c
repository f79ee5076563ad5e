/* cluster_corosync: the cluster layer on Corosync 3.
 *
 *   libcpg         group "vigild": membership of the vigild processes and
 *                  messages in agreed (total) order, own ones included;
 *   libvotequorum  quorate or not, and the nodes in Corosync's membership;
 *   libcmap        node names (nodelist.node.X.{nodeid,name,ring0_addr}),
 *                  reread when the nodelist changes.
 *
 * Each library's descriptor is an ev_io on the caller's loop whose callback
 * runs the library's dispatch (CS_DISPATCH_ALL: never blocks). A dispatch
 * that fails means Corosync went away: every watcher stops and the `lost`
 * callback runs once; sends then fail with -ENOTCONN. Membership and
 * messages share the CPG connection, so their order is CPG's; quorum comes
 * on its own connection, in no defined order with them.
 *
 * Sending: cpg_mcast_joined(CPG_TYPE_AGREED). While Corosync says "try
 * again" (flow control, membership sync) or before the join is accepted,
 * messages wait in a FIFO that a 10 ms timer retries from its head; a new
 * message goes behind any waiting one, so own messages keep their order.
 *
 * A message over libcpg's atomic size (1047552 bytes with Corosync 3.1)
 * is sent in fragments, each a round trip to Corosync, and libcpg retries
 * a fragment's "try again" itself, sleeping (10 ms at a time, up to about
 * a second) on our loop: keep such messages rare.
 * Receivers reassemble per sender and drop a message whose fragments were
 * cut by a membership change (CS_ERR_INTERRUPT here: it is sent again).
 *
 * cluster_free() leaves the group (the others see a clean leave, not a
 * failure) and may be called from any of our callbacks: inside a library
 * dispatch, the remaining events of that dispatch are dropped and the
 * handles are finalized once the dispatch has returned.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <corosync/cmap.h>
#include <corosync/corotypes.h>
#include <corosync/cpg.h>
#include <corosync/votequorum.h>

#include "cluster/cluster_int.h"
#include "lib/ev.h"
#include "lib/log.h"
#include "lib/util.h"

#define CC_GROUP "vigild"
#define CC_RETRY_MS 10          /* resend after CS_ERR_TRY_AGAIN */
#define CC_JOIN_RETRY_MS 100    /* cpg_join after CS_ERR_TRY_AGAIN */
#define CC_STALL_WARN_MS 5000   /* warn when the send queue is stuck this long */
#define CC_NODELIST_PREFIX "nodelist.node."

struct cc_msg {
	struct cc_msg *next;
	size_t len;
	char data[];
};

struct corosync {
	struct cluster base;
	struct ev_loop *loop;

	cpg_handle_t cpg;
	votequorum_handle_t vq;
	cmap_handle_t cmap;
	cmap_track_handle_t track;
	bool have_cpg, have_vq, have_cmap, have_track;
	struct ev_io cpg_io, vq_io, cmap_io;

	struct ev_timer send_timer;   /* retries the head of `queue` */
	struct ev_timer join_timer;   /* retries cpg_join */
	struct ev_timer names_timer;  /* rereads the nodelist after a change */
	struct ev_timer lost_timer;   /* reports a loss seen outside a dispatch */

	/* cpg_mcast_joined(CPG_TYPE_AGREED) (a unit test's stand-in there). */
	cs_error_t (*mcast)(struct corosync *cc, const void *data, size_t len);
	struct cc_msg *queue, **queue_tail; /* from malloc(), FIFO */
	size_t nqueued;
	uint64_t stalled_since_ms;    /* 0 when the queue moves */
	bool stall_warned;

	struct cluster_member *names; /* from malloc(), sorted by id */
	int nnames;

	bool joined;                  /* cpg_join accepted */
	bool lost;                    /* Corosync went away: nothing more */
	bool closing;                 /* cluster_free() during a dispatch */
	int dispatching;              /* depth of library dispatch calls */
	const char *lost_what;        /* for lost_timer's message */
	cs_error_t lost_rc;
};

/* Pure helpers (unit-tested) ------------------------------------------ */

/* Parse "nodelist.node.<index>.<attr>" into index and attr. */
static bool cc_nodelist_key(const char *key, unsigned *index, const char **attr)
{
	const char *p;
	char *end;
	unsigned long v;

	if (strncmp(key, CC_NODELIST_PREFIX, strlen(CC_NODELIST_PREFIX)) != 0)
		return false;
	p = key + strlen(CC_NODELIST_PREFIX);
	if (*p < '0' || *p > '9')
		return false;
	errno = 0;
	v = strtoul(p, &end, 10);
	if (errno || v > 65535 || *end != '.' || !end[1])
		return false;
	*index = (unsigned)v;
	*attr = end + 1;
	return true;
}

static int cc_cmp_member(const void *a, const void *b)
{
	const struct cluster_member *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static int cc_cmp_addr(const void *a, const void *b)
{
	const struct cpg_address *x = a, *y = b;

	if (x->nodeid != y->nodeid)
		return x->nodeid < y->nodeid ? -1 : 1;
	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

/* The name of `id` in `names` (sorted by id), or NULL. */
static const char *cc_names_find(const struct cluster_member *names, int n, uint32_t id)
{
	struct cluster_member key = { .id = id };
	const struct cluster_member *m;

	if (!n)
		return NULL;
	m = bsearch(&key, names, (size_t)n, sizeof(*names), cc_cmp_member);
	return m ? m->name : NULL;
}

/* Copy `name` into a member's name, truncated if it must be; false when it
 * was. */
static bool cc_set_name(struct cluster_member *m, const char *name)
{
	size_t len = strlen(name);

	if (len >= sizeof(m->name))
		len = sizeof(m->name) - 1;
	memcpy(m->name, name, len);
	m->name[len] = 0;
	return name[len] == 0;
}

/* A member for `id`: its nodelist name, `self` for the local node (whose
 * name falls back to the host name), else the id in decimal. */
static void cc_member(const struct cluster_member *names, int nnames,
		      const struct cluster_member *self, uint32_t id,
		      struct cluster_member *out)
{
	const char *name = cc_names_find(names, nnames, id);

	memset(out, 0, sizeof(*out));
	out->id = id;
	if (name)
		cc_set_name(out, name);
	else if (self && id == self->id && self->name[0])
		cc_set_name(out, self->name);
	else
		snprintf(out->name, sizeof(out->name), "%" PRIu32, id);
}

/* Translate a CPG address list: sorted by node id (then pid), named, and
 * for `failed` (may be NULL) whether each left without a clean leave: node
 * down or process down (CPG gives no other reason for leaving; anything
 * but a clean leave counts as a failure). `list` is reordered in place. */
static void cc_from_cpg(const struct cluster_member *names, int nnames,
			const struct cluster_member *self,
			struct cpg_address *list, size_t n,
			struct cluster_member *out, bool *failed)
{
	qsort(list, n, sizeof(*list), cc_cmp_addr);
	for (size_t i = 0; i < n; i++) {
		cc_member(names, nnames, self, list[i].nodeid, &out[i]);
		if (failed) {
			failed[i] = list[i].reason != CPG_REASON_LEAVE;
			out[i].node_down = list[i].reason == CPG_REASON_NODEDOWN;
		}
	}
}

static const char *cc_reason_name(uint32_t reason)
{
	switch (reason) {
	case CPG_REASON_JOIN: return "join";
	case CPG_REASON_LEAVE: return "leave";
	case CPG_REASON_NODEDOWN: return "node down";
	case CPG_REASON_NODEUP: return "node up";
	case CPG_REASON_PROCDOWN: return "process down";
	default: return "unknown reason";
	}
}

/* Losing Corosync -------------------------------------------------------- */

static void cc_stop_watchers(struct corosync *cc)
{
	ev_io_stop(cc->loop, &cc->cpg_io);
	ev_io_stop(cc->loop, &cc->vq_io);
	ev_io_stop(cc->loop, &cc->cmap_io);
	ev_timer_stop(cc->loop, &cc->send_timer);
	ev_timer_stop(cc->loop, &cc->join_timer);
	ev_timer_stop(cc->loop, &cc->names_timer);
	ev_timer_stop(cc->loop, &cc->lost_timer);
}

/* Corosync went away (or answers nonsense): stop, and say so once. `rc`
 * is what `what` returned, CS_OK for a hang-up. Called outside any library
 * dispatch; the callback may free `cc`, so nothing touches it afterwards. */
static void cc_lose(struct corosync *cc, const char *what, cs_error_t rc)
{
	if (cc->lost || cc->closing)
		return;
	cc->lost = true;
	cc_stop_watchers(cc);
	log_err("lost the connection to Corosync (%s: %s); %zu message%s not sent",
		what, rc == CS_OK ? "connection closed" : cs_strerror(rc), cc->nqueued,
		cc->nqueued == 1 ? "" : "s");
	if (cc->base.ev.lost)
		cc->base.ev.lost(cc->base.arg);
}

static void lost_timer_cb(struct ev_loop *loop, struct ev_timer *t)
{
	struct corosync *cc = t->data;

	cc_lose(cc, cc->lost_what, cc->lost_rc);
}

/* A send found Corosync gone: report it from the loop, not from inside the
 * caller's cluster_send(). */
static void cc_lose_later(struct corosync *cc, const char *what, cs_error_t rc)
{
	if (cc->lost || ev_timer_active(&cc->lost_timer))
		return;
	cc->lost_what = what;
	cc->lost_rc = rc;
	ev_timer_start(cc->loop, &cc->lost_timer, 0);
}

/* Sending ------------------------------------------------------------------ */

static cs_error_t cc_mcast(struct corosync *cc, const void *data, size_t len)
{
	struct iovec iov = { .iov_base = (void *)data, .iov_len = len };

	return cpg_mcast_joined(cc->cpg, CPG_TYPE_AGREED, &iov, 1);
}

/* Errors after which the same message is sent again later: flow control
 * or a membership sync ("try again"), and a message over the atomic size
 * (libcpg sends it in fragments) cut by a membership change: receivers drop
 * the incomplete one, so sending it whole again delivers it once. */
static bool cc_retry(cs_error_t rc)
{
	return rc == CS_ERR_TRY_AGAIN || rc == CS_ERR_INTERRUPT;
}

static void cc_queue_pop(struct corosync *cc)
{
	struct cc_msg *m = cc->queue;

	cc->queue = m->next;
	if (!cc->queue)
		cc->queue_tail = &cc->queue;
	cc->nqueued--;
	free(m);
}

/* Send from the head of the queue until Corosync says "try again". */
static void cc_flush(struct corosync *cc)
{
	while (cc->queue && cc->joined) {
		cs_error_t rc = cc->mcast(cc, cc->queue->data, cc->queue->len);

		if (cc_retry(rc))
			break;
		if (rc != CS_OK) {
			cc_lose_later(cc, "cpg_mcast_joined", rc);
			return;
		}
		cc_queue_pop(cc);
		cc->stalled_since_ms = 0;
	}
	if (!cc->queue) {
		if (cc->stall_warned)
			log_notice("Corosync accepts messages again");
		cc->stall_warned = false;
		cc->stalled_since_ms = 0;
		return;
	}
	if (!cc->stalled_since_ms)
		cc->stalled_since_ms = ev_now_ms(cc->loop);
	else if (!cc->stall_warned &&
		 ev_now_ms(cc->loop) - cc->stalled_since_ms >= CC_STALL_WARN_MS) {
		cc->stall_warned = true;
		log_warning("Corosync has not accepted a message for %u s (%zu waiting)",
			    CC_STALL_WARN_MS / 1000, cc->nqueued);
	}
	if (!ev_timer_active(&cc->send_timer))
		ev_timer_start(cc->loop, &cc->send_timer, CC_RETRY_MS);
}

static void send_timer_cb(struct ev_loop *loop, struct ev_timer *t)
{
	cc_flush(t->data);
}

static int cc_send(struct cluster *c, const void *data, size_t len)
{
	struct corosync *cc = (struct corosync *)c;
	struct cc_msg *m;

	if (len > CLUSTER_MAX_MSG)
		return -EMSGSIZE;
	if (cc->lost || cc->closing)
		return -ENOTCONN;
	if (!cc->queue && cc->joined) {
		cs_error_t rc = cc->mcast(cc, data, len);

		if (rc == CS_OK)
			return 0;
		if (!cc_retry(rc)) {
			cc_lose_later(cc, "cpg_mcast_joined", rc);
			return -ENOTCONN;
		}
	}
	m = xmalloc(sizeof(*m) + len);
	m->next = NULL;
	m->len = len;
	if (len)
		memcpy(m->data, data, len);
	*cc->queue_tail = m;
	cc->queue_tail = &m->next;
	cc->nqueued++;
	if (!ev_timer_active(&cc->send_timer) && cc->joined)
		ev_timer_start(cc->loop, &cc->send_timer, CC_RETRY_MS);
	return 0;
}

/* Node names -------------------------------------------------------------- */

struct cc_entry {
	bool have_id;
	uint32_t id;
	char *name, *ring0;           /* from cmap_get_string() (malloc) */
};

/* Read nodelist.node.X.{nodeid,name,ring0_addr} into a table sorted by id. */
static cs_error_t cc_read_nodelist(cmap_handle_t h, struct cluster_member **out, int *nout)
{
	struct cc_entry *e = NULL;
	unsigned ne = 0;
	cmap_iter_handle_t it;
	char key[CMAP_KEYNAME_MAXLEN + 1];
	struct cluster_member *names;
	int n = 0;
	cs_error_t rc;

	rc = cmap_iter_init(h, CC_NODELIST_PREFIX, &it);
	if (rc != CS_OK)
		return rc;
	while ((rc = cmap_iter_next(h, it, key, NULL, NULL)) == CS_OK) {
		unsigned idx;
		const char *attr;
		struct cc_entry *x;

		if (!cc_nodelist_key(key, &idx, &attr))
			continue;
		if (idx >= ne) {
			e = xrealloc(e, (idx + 1) * sizeof(*e));
			memset(e + ne, 0, (idx + 1 - ne) * sizeof(*e));
			ne = idx + 1;
		}
		x = &e[idx];
		if (!strcmp(attr, "nodeid")) {
			uint32_t id;
			char *s = NULL;

			if (cmap_get_uint32(h, key, &id) == CS_OK) {
				x->id = id;
				x->have_id = true;
			} else if (cmap_get_string(h, key, &s) == CS_OK) {
				long long v;

				if (parse_int(s, 1, UINT32_MAX, &v) == 0) {
					x->id = (uint32_t)v;
					x->have_id = true;
				}
				free(s);
			}
		} else if (!strcmp(attr, "name") && !x->name) {
			if (cmap_get_string(h, key, &x->name) != CS_OK)
				x->name = NULL;
		} else if (!strcmp(attr, "ring0_addr") && !x->ring0) {
			if (cmap_get_string(h, key, &x->ring0) != CS_OK)
				x->ring0 = NULL;
		}
	}
	cmap_iter_finalize(h, it);
	if (rc != CS_ERR_NO_SECTIONS && rc != CS_OK) {
		n = -1;
		goto out;
	}
	rc = CS_OK;
	names = ne ? xcalloc(ne, sizeof(*names)) : NULL;
	for (unsigned i = 0; i < ne; i++) {
		const char *name = e[i].name ? e[i].name : e[i].ring0;

		if (!e[i].have_id || !name || !*name)
			continue;
		names[n].id = e[i].id;
		if (!cc_set_name(&names[n], name))
			log_warning("Corosync node %" PRIu32 "'s name '%s' is longer than %zu "
				    "characters: using '%s'", e[i].id, name,
				    sizeof(names[n].name) - 1, names[n].name);
		n++;
	}
	if (n > 1)
		qsort(names, (size_t)n, sizeof(*names), cc_cmp_member);
	/* A node id listed twice keeps one of its names. */
	for (int i = 1; i < n; i++) {
		if (names[i].id == names[i - 1].id) {
			log_warning("Corosync's nodelist has node id %" PRIu32 " twice", names[i].id);
			memmove(&names[i], &names[i + 1], (size_t)(n - i - 1) * sizeof(*names));
			n--;
			i--;
		}
	}
	*out = names;
	*nout = n;
out:
	for (unsigned i = 0; i < ne; i++) {
		free(e[i].name);
		free(e[i].ring0);
	}
	free(e);
	return n < 0 ? rc : CS_OK;
}

/* Name of the local node: the nodelist's, else the host name. */
static void cc_name_self(struct corosync *cc)
{
	const char *name = cc_names_find(cc->names, cc->nnames, cc->base.self.id);
	struct utsname u;

	if (name) {
		cc_set_name(&cc->base.self, name);
		return;
	}
	if (uname(&u) == 0 && u.nodename[0]) {
		char *dot = strchr(u.nodename, '.');

		if (dot)
			*dot = 0;
		cc_set_name(&cc->base.self, u.nodename);
	} else {
		snprintf(cc->base.self.name, sizeof(cc->base.self.name), "%" PRIu32,
			 cc->base.self.id);
	}
}

static void names_timer_cb(struct ev_loop *loop, struct ev_timer *t)
{
	struct corosync *cc = t->data;
	struct cluster_member *names = NULL;
	int n = 0;
	cs_error_t rc = cc_read_nodelist(cc->cmap, &names, &n);

	if (rc != CS_OK) {
		if (rc == CS_ERR_LIBRARY || rc == CS_ERR_BAD_HANDLE) {
			cc_lose(cc, "cmap", rc);
			return;
		}
		log_warning("cannot reread Corosync's nodelist: %s; keeping the names known",
			    cs_strerror(rc));
		return;
	}
	free(cc->names);
	cc->names = names;
	cc->nnames = n;
	cc_name_self(cc);
	log_info("Corosync's nodelist changed: %d node%s", n, n == 1 ? "" : "s");
}

/* Library callbacks ------------------------------------------------------- */

static struct corosync *cc_from_cpg_handle(cpg_handle_t h)
{
	void *ctx = NULL;

	cpg_context_get(h, &ctx);
	return ctx;
}

static void cc_deliver(struct corosync *cc, uint32_t nodeid, const void *msg, size_t len)
{
	struct cluster_member from;

	if (!cc || cc->closing || cc->lost)
		return;
	cc_member(cc->names, cc->nnames, &cc->base.self, nodeid, &from);
	if (cc->base.ev.message)
		cc->base.ev.message(cc->base.arg, &from, msg, len);
}

static void cpg_deliver_cb(cpg_handle_t h, const struct cpg_name *group, uint32_t nodeid,
			   uint32_t pid, void *msg, size_t len)
{
	cc_deliver(cc_from_cpg_handle(h), nodeid, msg, len);
}

static void cc_confchg(struct corosync *cc,
		       const struct cpg_address *members, size_t nmembers,
		       const struct cpg_address *left, size_t nleft,
		       const struct cpg_address *joined, size_t njoined)
{
	/* CPG_MEMBERS_MAX (128) each: what libcpg's dispatch itself holds. */
	struct cpg_address a[CPG_MEMBERS_MAX];
	struct cluster_member m[CPG_MEMBERS_MAX], l[CPG_MEMBERS_MAX], j[CPG_MEMBERS_MAX];
	bool failed[CPG_MEMBERS_MAX];
	uint32_t self_pid = (uint32_t)getpid();

	if (!cc || cc->closing || cc->lost)
		return;
	nmembers = MIN(nmembers, (size_t)CPG_MEMBERS_MAX);
	nleft = MIN(nleft, (size_t)CPG_MEMBERS_MAX);
	njoined = MIN(njoined, (size_t)CPG_MEMBERS_MAX);

	memcpy(a, left, nleft * sizeof(*a));
	for (size_t i = 0; i < nleft; i++)
		log_info("CPG group %s: node %" PRIu32 " pid %" PRIu32 " left (%s)", CC_GROUP,
			 a[i].nodeid, a[i].pid, cc_reason_name(a[i].reason));
	cc_from_cpg(cc->names, cc->nnames, &cc->base.self, a, nleft, l, failed);

	memcpy(a, joined, njoined * sizeof(*a));
	for (size_t i = 0; i < njoined; i++) {
		if (a[i].nodeid == cc->base.self.id && a[i].pid != self_pid)
			log_err("another vigild (pid %" PRIu32 ") joined on this node: "
				"run one vigild per node", a[i].pid);
	}
	cc_from_cpg(cc->names, cc->nnames, &cc->base.self, a, njoined, j, NULL);

	memcpy(a, members, nmembers * sizeof(*a));
	cc_from_cpg(cc->names, cc->nnames, &cc->base.self, a, nmembers, m, NULL);

	if (cc->base.ev.membership)
		cc->base.ev.membership(cc->base.arg, m, (int)nmembers, l, failed, (int)nleft,
				       j, (int)njoined);
}

static void cpg_confchg_cb(cpg_handle_t h, const struct cpg_name *group,
			   const struct cpg_address *members, size_t nmembers,
			   const struct cpg_address *left, size_t nleft,
			   const struct cpg_address *joined, size_t njoined)
{
	cc_confchg(cc_from_cpg_handle(h), members, nmembers, left, nleft, joined, njoined);
}

static void vq_quorum_cb(votequorum_handle_t h, uint64_t context, uint32_t quorate,
			 uint32_t n, votequorum_node_t list[])
{
	struct corosync *cc = (struct corosync *)(uintptr_t)context;
	struct votequorum_info info;
	struct cluster_member *nodes;
	uint32_t needed = 0;
	int k = 0;

	if (!cc || cc->closing || cc->lost)
		return;
	/* The votes and the threshold let the controller tell, when nodes
	 * leave, that the members it still has are a majority before this
	 * callback reports the new view (see ctl_quorum_current() in controller.c). */
	if (votequorum_getinfo(h, cc->base.self.id, &info) == CS_OK)
		needed = info.quorum;
	nodes = xcalloc(n ? n : 1, sizeof(*nodes));
	for (uint32_t i = 0; i < n; i++) {
		if (list[i].state != VOTEQUORUM_NODESTATE_MEMBER || !list[i].nodeid)
			continue;
		cc_member(cc->names, cc->nnames, &cc->base.self, list[i].nodeid, &nodes[k]);
		if (votequorum_getinfo(h, list[i].nodeid, &info) == CS_OK)
			nodes[k].votes = info.node_votes;
		k++;
	}
	qsort(nodes, (size_t)k, sizeof(*nodes), cc_cmp_member);
	log_info("Corosync: %s, %d node%s in the membership", quorate ? "quorate" : "not quorate",
		 k, k == 1 ? "" : "s");
	if (cc->base.ev.quorum)
		cc->base.ev.quorum(cc->base.arg, quorate != 0, nodes, k, needed);
	free(nodes);
}

static void cmap_notify_cb(cmap_handle_t h, cmap_track_handle_t track, int32_t event,
			   const char *key, struct cmap_notify_value new_value,
			   struct cmap_notify_value old_value, void *user_data)
{
	struct corosync *cc = user_data;

	/* A reload changes many keys at once: reread once, after them. */
	if (cc && !cc->closing && !cc->lost && !ev_timer_active(&cc->names_timer))
		ev_timer_start(cc->loop, &cc->names_timer, 0);
}

/* Dispatch ------------------------------------------------------------------ */

static void cc_destroy(struct corosync *cc);

/* Run one library's dispatch; afterwards, finish a cluster_free() called
 * from a callback, or report a lost connection. */
static void cc_dispatch(struct corosync *cc, const char *what,
			cs_error_t (*dispatch)(uint64_t, cs_dispatch_flags_t), uint64_t handle,
			uint32_t events)
{
	cs_error_t rc;

	cc->dispatching++;
	rc = dispatch(handle, CS_DISPATCH_ALL);
	cc->dispatching--;
	if (cc->closing) {
		if (!cc->dispatching)
			cc_destroy(cc);
		return;
	}
	if (cc->lost)
		return;
	if (rc != CS_OK && rc != CS_ERR_TRY_AGAIN) {
		cc_lose(cc, what, rc);
		return;
	}
	/* Everything readable was dispatched: a hang-up left is Corosync
	 * closing the connection (else epoll would report it forever). */
	if (events & (EPOLLHUP | EPOLLERR))
		cc_lose(cc, what, CS_OK);
}

static void cpg_io_cb(struct ev_loop *loop, struct ev_io *io, uint32_t events)
{
	struct corosync *cc = io->data;

	cc_dispatch(cc, "cpg", cpg_dispatch, cc->cpg, events);
}

static void vq_io_cb(struct ev_loop *loop, struct ev_io *io, uint32_t events)
{
	struct corosync *cc = io->data;

	cc_dispatch(cc, "votequorum", votequorum_dispatch, cc->vq, events);
}

static void cmap_io_cb(struct ev_loop *loop, struct ev_io *io, uint32_t events)
{
	struct corosync *cc = io->data;

	cc_dispatch(cc, "cmap", cmap_dispatch, cc->cmap, events);
}

/* Joining ------------------------------------------------------------------- */

/* cpg_join or cpg_leave on our group. */
static cs_error_t cc_group_call(struct corosync *cc,
				cs_error_t (*call)(cpg_handle_t, const struct cpg_name *))
{
	struct cpg_name group;

	memset(&group, 0, sizeof(group));
	group.length = strlen(CC_GROUP);
	memcpy(group.value, CC_GROUP, group.length);
	return call(cc->cpg, &group);
}

static cs_error_t cc_join(struct corosync *cc)
{
	cs_error_t rc = cc_group_call(cc, cpg_join);

	if (rc == CS_OK) {
		cc->joined = true;
		cc_flush(cc);
	}
	return rc;
}

static void join_timer_cb(struct ev_loop *loop, struct ev_timer *t)
{
	struct corosync *cc = t->data;
	cs_error_t rc = cc_join(cc);

	if (rc == CS_ERR_TRY_AGAIN)
		ev_timer_start(loop, t, CC_JOIN_RETRY_MS);
	else if (rc != CS_OK)
		cc_lose(cc, "cpg_join", rc);
}

/* Life cycle -------------------------------------------------------------- */

static void cc_destroy(struct corosync *cc)
{
	cc_stop_watchers(cc);
	if (cc->nqueued)
		log_warning("leaving Corosync with %zu message%s not sent", cc->nqueued,
			    cc->nqueued == 1 ? "" : "s");
	while (cc->queue)
		cc_queue_pop(cc);
	/* A clean leave: the others see reason "leave", not "process down". */
	if (cc->have_cpg && cc->joined && !cc->lost)
		cc_group_call(cc, cpg_leave);
	if (cc->have_track)
		cmap_track_delete(cc->cmap, cc->track);
	if (cc->have_cmap)
		cmap_finalize(cc->cmap);
	if (cc->have_vq)
		votequorum_finalize(cc->vq);
	if (cc->have_cpg)
		cpg_finalize(cc->cpg);
	free(cc->names);
	/* The loop may still look at our watchers in this round. */
	ev_free_later(cc->loop, cc);
}

static void cc_free(struct cluster *c)
{
	struct corosync *cc = (struct corosync *)c;

	if (cc->closing)
		return;
	cc->closing = true;
	if (cc->dispatching)
		return;  /* cc_dispatch() finishes once the library returns */
	cc_destroy(cc);
}

static const char *cc_node_name(const struct cluster *c, uint32_t id)
{
	const struct corosync *cc = (const struct corosync *)c;

	return cc_names_find(cc->names, cc->nnames, id);
}

static const struct cluster_ops corosync_ops = {
	.send = cc_send,
	.node_name = cc_node_name,
	.free = cc_free,
};

/* An error message for a failed connection at start. */
static void cc_init_error(char *err, size_t errlen, const char *what, cs_error_t rc)
{
	if (rc == CS_ERR_LIBRARY)
		snprintf(err, errlen, "cannot connect to Corosync: %s failed: %s "
			 "(is corosync running?)", what, cs_strerror(rc));
	else if (rc == CS_ERR_ACCESS || rc == CS_ERR_SECURITY)
		snprintf(err, errlen, "cannot connect to Corosync: %s failed: %s "
			 "(run as root, or allow this user in /etc/corosync/uidgid.d)",
			 what, cs_strerror(rc));
	else
		snprintf(err, errlen, "cannot connect to Corosync: %s failed: %s",
			 what, cs_strerror(rc));
}

/* Watch a library's descriptor (`fd_rc` is its *_fd_get() result). */
static int cc_watch(struct corosync *cc, struct ev_io *io, const char *what, cs_error_t fd_rc,
		    int fd, char *err, size_t errlen)
{
	int rc;

	if (fd_rc != CS_OK) {
		snprintf(err, errlen, "cannot connect to Corosync: %s_fd_get failed: %s", what,
			 cs_strerror(fd_rc));
		return -EIO;
	}
	rc = ev_io_start(cc->loop, io, fd, EPOLLIN);
	if (rc < 0)
		snprintf(err, errlen, "cannot watch Corosync's %s descriptor: %s", what,
			 strerror(-rc));
	return rc;
}

struct cluster *cluster_corosync_new(struct ev_loop *loop, const struct cluster_events *ev,
				     void *arg, char *err, size_t errlen)
{
	struct corosync *cc = xcalloc(1, sizeof(*cc));
	cpg_model_v1_data_t model = {
		.model = CPG_MODEL_V1,
		.cpg_deliver_fn = cpg_deliver_cb,
		.cpg_confchg_fn = cpg_confchg_cb,
	};
	votequorum_callbacks_t vq_callbacks = {
		.votequorum_quorum_notify_fn = vq_quorum_cb,
	};
	unsigned int nodeid = 0;
	int fd = -1;
	cs_error_t rc;

	cc->base.ops = &corosync_ops;
	cc->base.ev = *ev;
	cc->base.arg = arg;
	cc->loop = loop;
	cc->queue_tail = &cc->queue;
	cc->mcast = cc_mcast;
	ev_io_init(&cc->cpg_io, cpg_io_cb, cc);
	ev_io_init(&cc->vq_io, vq_io_cb, cc);
	ev_io_init(&cc->cmap_io, cmap_io_cb, cc);
	ev_timer_init(&cc->send_timer, send_timer_cb, cc);
	ev_timer_init(&cc->join_timer, join_timer_cb, cc);
	ev_timer_init(&cc->names_timer, names_timer_cb, cc);
	ev_timer_init(&cc->lost_timer, lost_timer_cb, cc);

	/* CPG: who we are, then the group. */
	rc = cpg_model_initialize(&cc->cpg, CPG_MODEL_V1, (cpg_model_data_t *)&model, cc);
	if (rc != CS_OK) {
		cc_init_error(err, errlen, "cpg_model_initialize", rc);
		goto fail;
	}
	cc->have_cpg = true;
	rc = cpg_local_get(cc->cpg, &nodeid);
	if (rc != CS_OK) {
		cc_init_error(err, errlen, "cpg_local_get", rc);
		goto fail;
	}
	cc->base.self.id = nodeid;

	/* cmap: node names, and their changes. */
	rc = cmap_initialize(&cc->cmap);
	if (rc != CS_OK) {
		cc_init_error(err, errlen, "cmap_initialize", rc);
		goto fail;
	}
	cc->have_cmap = true;
	rc = cmap_track_add(cc->cmap, CC_NODELIST_PREFIX,
			    CMAP_TRACK_ADD | CMAP_TRACK_DELETE | CMAP_TRACK_MODIFY |
			    CMAP_TRACK_PREFIX, cmap_notify_cb, cc, &cc->track);
	if (rc != CS_OK) {
		cc_init_error(err, errlen, "cmap_track_add", rc);
		goto fail;
	}
	cc->have_track = true;
	rc = cc_read_nodelist(cc->cmap, &cc->names, &cc->nnames);
	if (rc != CS_OK) {
		cc_init_error(err, errlen, "reading the nodelist", rc);
		goto fail;
	}
	cc_name_self(cc);
	rc = cmap_fd_get(cc->cmap, &fd);
	if (cc_watch(cc, &cc->cmap_io, "cmap", rc, fd, err, errlen) < 0)
		goto fail;

	/* votequorum: current state now, changes later. */
	rc = votequorum_initialize(&cc->vq, &vq_callbacks);
	if (rc != CS_OK) {
		if (rc == CS_ERR_LIBRARY)
			snprintf(err, errlen, "cannot connect to Corosync's votequorum: %s "
				 "(is 'quorum { provider: corosync_votequorum }' in corosync.conf?)",
				 cs_strerror(rc));
		else
			cc_init_error(err, errlen, "votequorum_initialize", rc);
		goto fail;
	}
	cc->have_vq = true;
	rc = votequorum_trackstart(cc->vq, (uint64_t)(uintptr_t)cc,
				   CS_TRACK_CURRENT | CS_TRACK_CHANGES);
	if (rc != CS_OK) {
		cc_init_error(err, errlen, "votequorum_trackstart", rc);
		goto fail;
	}
	rc = votequorum_fd_get(cc->vq, &fd);
	if (cc_watch(cc, &cc->vq_io, "votequorum", rc, fd, err, errlen) < 0)
		goto fail;

	rc = cpg_fd_get(cc->cpg, &fd);
	if (cc_watch(cc, &cc->cpg_io, "cpg", rc, fd, err, errlen) < 0)
		goto fail;
	rc = cc_join(cc);
	if (rc == CS_ERR_TRY_AGAIN) {
		ev_timer_start(loop, &cc->join_timer, CC_JOIN_RETRY_MS);
	} else if (rc != CS_OK) {
		cc_init_error(err, errlen, "joining CPG group '" CC_GROUP "'", rc);
		goto fail;
	}
	log_info("connected to Corosync as node %" PRIu32 " (%s), %d node%s in the nodelist",
		 cc->base.self.id, cc->base.self.name, cc->nnames, cc->nnames == 1 ? "" : "s");
	return &cc->base;

fail:
	cc_destroy(cc);
	return NULL;
}

/* cluster_local: the single-node cluster layer. Messages loop back to the
 * sender in order on the next loop iteration, so vigild has one code path
 * (send, then apply on delivery) whatever the cluster layer. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/cluster_int.h"
#include "lib/ev.h"
#include "lib/util.h"

struct local_msg {
	struct local_msg *next;
	size_t len;
	char data[];
};

struct local {
	struct cluster base;
	struct ev_loop *loop;
	struct local_msg *head, **tail;
	struct ev_timer deliver;
	bool started;
};

static void deliver_cb(struct ev_loop *loop, struct ev_timer *t)
{
	struct local *l = t->data;
	struct cluster *c = &l->base;
	struct local_msg *m;

	if (!l->started) {
		/* The first membership change: this node joins. */
		l->started = true;
		if (c->ev.quorum)
			c->ev.quorum(c->arg, true, &c->self, 1, 1);
		if (c->ev.membership)
			c->ev.membership(c->arg, &c->self, 1, NULL, NULL, 0, &c->self, 1);
	}
	/* Deliver what was queued before this round; what the callbacks
	 * send goes to a new queue, delivered next round. */
	m = l->head;
	l->head = NULL;
	l->tail = &l->head;
	while (m) {
		struct local_msg *next = m->next;

		if (c->ev.message)
			c->ev.message(c->arg, &c->self, m->data, m->len);
		free(m);
		m = next;
	}
}

static int local_send(struct cluster *c, const void *data, size_t len)
{
	struct local *l = (struct local *)c;
	struct local_msg *m;

	if (len > CLUSTER_MAX_MSG)
		return -EMSGSIZE;
	m = xmalloc(sizeof(*m) + len + 1);
	m->next = NULL;
	m->len = len;
	memcpy(m->data, data, len);
	m->data[len] = 0;
	*l->tail = m;
	l->tail = &m->next;
	if (!ev_timer_active(&l->deliver))
		ev_timer_start(l->loop, &l->deliver, 0);
	return 0;
}

static const char *local_node_name(const struct cluster *c, uint32_t id)
{
	return id == c->self.id ? c->self.name : NULL;
}

static void local_free(struct cluster *c)
{
	struct local *l = (struct local *)c;

	ev_timer_stop(l->loop, &l->deliver);
	while (l->head) {
		struct local_msg *m = l->head;

		l->head = m->next;
		free(m);
	}
	free(l);
}

static const struct cluster_ops local_ops = {
	.send = local_send,
	.node_name = local_node_name,
	.free = local_free,
};

struct cluster *cluster_local_new(struct ev_loop *loop, const char *node_name,
				  const struct cluster_events *ev, void *arg,
				  char *err, size_t errlen)
{
	struct local *l;

	if (strlen(node_name) >= sizeof(l->base.self.name)) {
		snprintf(err, errlen, "node name '%s' is too long", node_name);
		return NULL;
	}
	l = xcalloc(1, sizeof(*l));
	l->base.ops = &local_ops;
	l->base.ev = *ev;
	l->base.arg = arg;
	l->base.self.id = 1;
	strcpy(l->base.self.name, node_name);
	l->loop = loop;
	l->tail = &l->head;
	ev_timer_init(&l->deliver, deliver_cb, l);
	ev_timer_start(loop, &l->deliver, 0);
	return &l->base;
}

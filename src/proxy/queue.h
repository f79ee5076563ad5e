/* queue: connections waiting for a server slot (`maxconn` on servers).
 *
 * A connection that finds every usable server full waits in its backend's
 * queue, in arrival order. When a slot opens (a connection ends, a server
 * comes up, a weight rises), queue_process() — on whatever thread freed the
 * slot — takes waiting connections in order, gives each a server (counted
 * in its cur_sess) and posts it to its own thread, which then connects.
 *
 * The owner thread must never free a pendconn that another thread may be
 * handing a server to: queue_leave() says whether it may (PEND_QUEUED →
 * removed) or must wait for the message (PEND_DEQUEUED → close_pending).
 */
#ifndef VIGIL_QUEUE_H
#define VIGIL_QUEUE_H

#include "proxy/proxy.h"

#include <stdbool.h>
#include <sys/socket.h>

struct worker;
struct http_txn;

enum pend_state { PEND_NONE, PEND_QUEUED, PEND_DEQUEUED };

struct pendconn {
	struct pendconn *next;          /* queue link, under be->lock */
	struct worker *w;               /* owner thread */
	_Atomic int state;              /* enum pend_state */
	struct server *srv;             /* given by queue_process() */
	const struct sockaddr *client;  /* for `balance source` */
	const struct http_txn *txn;     /* HTTP requests: hashed balancing */
	bool close_pending;             /* owner gave up while PEND_DEQUEUED */
	uint64_t since_ms;              /* when it was queued */
	void (*ready)(struct pendconn *pc); /* called on the owner thread */
};

/* Append to the backend's queue. Backend lock held. */
void queue_add(struct proxy *be, struct pendconn *pc, uint64_t now_ms);
/* Take pc out of the queue (true), or learn that a server is already on
 * its way to it (false; close_pending is then set and ready() will run). */
bool queue_leave(struct proxy *be, struct pendconn *pc);
/* A slot may have opened: hand servers to waiting connections. Any thread;
 * takes the backend lock. */
void queue_process(struct proxy *be);
/* WMSG_DEQUEUED on the owner thread. */
void queue_dispatch(struct pendconn *pc);

#endif

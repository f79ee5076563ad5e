/* queue: connections waiting for a server slot (see queue.h). */
#include "proxy/queue.h"
#include "proxy/lb.h"
#include "proxy/worker.h"

void queue_add(struct proxy *be, struct pendconn *pc, uint64_t now_ms)
{
	pc->next = NULL;
	pc->srv = NULL;
	pc->close_pending = false;
	pc->since_ms = now_ms;
	pc->state = PEND_QUEUED;
	if (be->queue_tail)
		be->queue_tail->next = pc;
	else
		be->queue_head = pc;
	be->queue_tail = pc;
	be->queue_len++;
}

bool queue_leave(struct proxy *be, struct pendconn *pc)
{
	bool removed = true;

	if (pc->state == PEND_NONE)
		return true;
	pthread_mutex_lock(&be->lock);
	if (pc->state == PEND_QUEUED) {
		struct pendconn *prev = NULL;

		for (struct pendconn *q = be->queue_head; q; prev = q, q = q->next) {
			if (q != pc)
				continue;
			if (prev)
				prev->next = pc->next;
			else
				be->queue_head = pc->next;
			if (be->queue_tail == pc)
				be->queue_tail = prev;
			be->queue_len--;
			break;
		}
		pc->state = PEND_NONE;
	} else if (pc->state == PEND_DEQUEUED) {
		pc->close_pending = true;
		removed = false;
	}
	pthread_mutex_unlock(&be->lock);
	return removed;
}

void queue_process(struct proxy *be)
{
	pthread_mutex_lock(&be->lock);
	while (be->queue_head) {
		struct pendconn *pc = be->queue_head;
		struct server *srv = NULL;
		enum lb_result r = pc->txn ? lb_choose_http(be, pc->txn, NULL, &srv)
					   : lb_choose(be, pc->client, NULL, &srv);

		if (r != LB_OK)
			break;
		be->queue_head = pc->next;
		if (!be->queue_head)
			be->queue_tail = NULL;
		be->queue_len--;
		pc->srv = srv;
		pc->state = PEND_DEQUEUED;
		worker_post(pc->w, WMSG_DEQUEUED, pc);
	}
	pthread_mutex_unlock(&be->lock);
}

void queue_dispatch(struct pendconn *pc)
{
	pc->state = PEND_NONE;
	pc->ready(pc);
}

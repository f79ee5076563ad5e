/* worker: threads, accepting, mailboxes and free lists (see worker.h). */
#include "proxy/worker.h"
#include "proxy/check.h"
#include "proxy/cli.h"
#include "proxy/http_ana.h"
#include "proxy/proxy_hdr.h"
#include "proxy/session.h"
#include "proxy/ssl.h"
#include "proxy/stream.h"
#include "lib/log.h"
#include "lib/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define ACCEPT_BURST 64          /* accepts per wake, for fairness */
#define RESUME_RETRY_MS 50       /* re-check paused listeners this often */
#define FREE_BUFS_MAX 1024       /* spare buffers kept per thread */
#define FREE_PIPES_MAX 256

struct worker_msg {
	enum worker_msg_kind kind;
	void *arg;
	struct worker_msg *next;
};

/* The process has one set of workers. Cross-thread notifications that
 * start from a server (shutdown-sessions) need to reach it without a
 * context pointer, so it is kept here. */
static struct workers *all_workers;
static __thread struct worker *self;

struct workers *workers_all(void) { return all_workers; }
struct worker *worker_self(void) { return self; }

/* ---- free lists ---- */

char *worker_get_buf(struct worker *w)
{
	if (w->nfree_bufs > 0)
		return w->free_bufs[--w->nfree_bufs];
	return xmalloc(w->conf->global.bufsize);
}

void worker_put_buf(struct worker *w, char *b)
{
	if (w->nfree_bufs == FREE_BUFS_MAX) {
		free(b);
		return;
	}
	if (w->nfree_bufs == w->cap_free_bufs) {
		w->cap_free_bufs = w->cap_free_bufs ? w->cap_free_bufs * 2 : 64;
		w->free_bufs = xrealloc(w->free_bufs, sizeof(char *) * (size_t)w->cap_free_bufs);
	}
	w->free_bufs[w->nfree_bufs++] = b;
}

int worker_get_pipe(struct worker *w, int fds[2])
{
	if (w->nfree_pipes > 0) {
		w->nfree_pipes--;
		fds[0] = w->free_pipes[2 * w->nfree_pipes];
		fds[1] = w->free_pipes[2 * w->nfree_pipes + 1];
		return 0;
	}
	if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) < 0)
		return -errno;
	return 0;
}

void worker_put_pipe(struct worker *w, int fds[2])
{
	if (w->nfree_pipes == FREE_PIPES_MAX) {
		close(fds[0]);
		close(fds[1]);
		return;
	}
	if (w->nfree_pipes == w->cap_free_pipes) {
		w->cap_free_pipes = w->cap_free_pipes ? w->cap_free_pipes * 2 : 16;
		w->free_pipes = xrealloc(w->free_pipes, sizeof(int) * 2 * (size_t)w->cap_free_pipes);
	}
	w->free_pipes[2 * w->nfree_pipes] = fds[0];
	w->free_pipes[2 * w->nfree_pipes + 1] = fds[1];
	w->nfree_pipes++;
}

/* ---- mailbox ---- */

void worker_post(struct worker *w, enum worker_msg_kind kind, void *arg)
{
	struct worker_msg *m = xmalloc(sizeof(*m));

	m->kind = kind;
	m->arg = arg;
	m->next = NULL;
	pthread_mutex_lock(&w->mbox_lock);
	if (w->mbox_tail)
		w->mbox_tail->next = m;
	else
		w->mbox = m;
	w->mbox_tail = m;
	pthread_mutex_unlock(&w->mbox_lock);
	ev_wake(w->loop);
}

static void worker_stop_accepting(struct worker *w);

static void worker_maybe_exit(struct worker *w)
{
	if (w->stopping && w->nstreams == 0)
		ev_loop_stop(w->loop);
}

static void mailbox_drain(struct ev_loop *loop, void *arg)
{
	struct worker *w = arg;
	struct worker_msg *m;

	pthread_mutex_lock(&w->mbox_lock);
	m = w->mbox;
	w->mbox = w->mbox_tail = NULL;
	pthread_mutex_unlock(&w->mbox_lock);
	while (m) {
		struct worker_msg *next = m->next;

		switch (m->kind) {
		case WMSG_DEQUEUED:
			queue_dispatch(m->arg);
			break;
		case WMSG_KILL_SERVER:
			stream_kill_server(w, m->arg);
			http_kill_server(w, m->arg);
			break;
		case WMSG_SOFT_STOP:
			w->stopping = true;
			worker_stop_accepting(w);
			if (w->id == 0) {
				checks_stop(w->conf, w->loop);
				cli_stop(w->conf, w->loop);
			}
			/* keep-alive clients between requests are closed now;
			 * busy ones after their current exchange */
			http_close_idle_clients(w);
			/* handshakes in progress finish (a reload drops no
			 * connection); they count as streams meanwhile */
			worker_maybe_exit(w);
			break;
		case WMSG_HARD_STOP:
			if (w->id == 0 && !w->stopping) {
				checks_stop(w->conf, w->loop);
				cli_stop(w->conf, w->loop);
			}
			w->stopping = true;
			worker_stop_accepting(w);
			stream_kill_all(w);
			http_kill_all(w);
			ssl_sock_kill_handshakes(w);
			proxy_hdr_kill_all(w);
			ev_loop_stop(loop);
			break;
		}
		free(m);
		m = next;
	}
}

/* ---- accepting ---- */

static bool over_maxconn(struct worker *w, struct listener *li)
{
	struct pxconf *c = w->conf;
	int fe_max = li->fe->maxconn ? li->fe->maxconn : c->global.maxconn;

	if (atomic_load(&c->rt.cur_conn) >= c->global.maxconn)
		return true;
	if (atomic_load(&li->fe->cur_conn) >= fe_max)
		return true;
	return li->maxconn && atomic_load(&li->fe->cur_conn) >= li->maxconn;
}

static void on_accept(struct ev_loop *loop, struct ev_io *io, uint32_t events);

/* EPOLLEXCLUSIVE registrations cannot be modified, only removed and
 * added again: pausing a listener unregisters it. The connections then
 * wait in the kernel's backlog, as with HAProxy. */
static void pause_listeners(struct worker *w)
{
	if (w->listeners_paused)
		return;
	for (int i = 0; i < w->nlisteners; i++)
		ev_io_stop(w->loop, &w->listen_io[i]);
	w->listeners_paused = true;
	ev_timer_start(w->loop, &w->resume_timer, RESUME_RETRY_MS);
}

static void resume_listeners(struct worker *w)
{
	if (!w->listeners_paused || w->stopping)
		return;
	w->listeners_paused = false;
	ev_timer_stop(w->loop, &w->resume_timer);
	for (int i = 0; i < w->nlisteners; i++)
		if (ev_io_start(w->loop, &w->listen_io[i], w->listeners[i]->fd, EPOLLIN | EPOLLEXCLUSIVE) < 0)
			log_err("thread %d: cannot poll listener %s: %s", w->id,
				w->listeners[i]->spec, strerror(errno));
}

static bool any_over_maxconn(struct worker *w)
{
	for (int i = 0; i < w->nlisteners; i++)
		if (over_maxconn(w, w->listeners[i]))
			return true;
	return false;
}

static void on_resume_timer(struct ev_loop *loop, struct ev_timer *t)
{
	struct worker *w = t->data;

	if (any_over_maxconn(w))
		ev_timer_start(loop, t, RESUME_RETRY_MS);
	else
		resume_listeners(w);
}

void worker_stream_closed(struct worker *w)
{
	if (w->listeners_paused && !any_over_maxconn(w))
		resume_listeners(w);
	worker_maybe_exit(w);
}

static void on_accept(struct ev_loop *loop, struct ev_io *io, uint32_t events)
{
	struct worker *w = io->data;
	struct listener *li = w->listeners[io - w->listen_io];

	for (int i = 0; i < ACCEPT_BURST; i++) {
		struct sockaddr_storage peer;
		socklen_t plen = sizeof(peer);
		int fd;

		if (over_maxconn(w, li)) {
			pause_listeners(w);
			return;
		}
		fd = accept4(io->fd, (struct sockaddr *)&peer, &plen, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
				log_err("proxy %s: accept(): %s; pausing", li->fe->id, strerror(errno));
				pause_listeners(w);
			}
			return;
		}
		session_accept(w, li, fd, (struct sockaddr *)&peer, plen);
	}
}

static void worker_stop_accepting(struct worker *w)
{
	for (int i = 0; i < w->nlisteners; i++)
		ev_io_stop(w->loop, &w->listen_io[i]);
	ev_timer_stop(w->loop, &w->resume_timer);
	w->listeners_paused = false;
}

/* ---- threads ---- */

#define WORKER_SPIN_US 30     /* ev_set_spin() after a batch of events */

static int worker_setup(struct worker *w, struct pxconf *conf, int id, char *err, size_t errlen)
{
	w->id = id;
	w->conf = conf;
	w->loop = ev_loop_new();
	if (!w->loop) {
		snprintf(err, errlen, "cannot create an event loop: %s", strerror(errno));
		return -errno;
	}
	/* Traffic comes in bursts of events: looking again for a moment
	 * before sleeping costs less than the wake-up (docs/BENCHMARKS.md,
	 * proxy-http: p99 and CPU per request both lower). */
	ev_set_spin(w->loop, WORKER_SPIN_US);
	pthread_mutex_init(&w->mbox_lock, NULL);
	ev_set_wake_cb(w->loop, mailbox_drain, w);
	ev_timer_init(&w->resume_timer, on_resume_timer, w);
	for (int p = 0; p < conf->nproxies; p++) {
		struct proxy *px = conf->proxies[p];

		if (!(px->cap & PX_CAP_FE) || px->disabled)
			continue;
		for (int l = 0; l < px->nlisteners; l++) {
			w->listeners = xrealloc(w->listeners, sizeof(*w->listeners) * (size_t)(w->nlisteners + 1));
			w->listeners[w->nlisteners++] = px->listeners[l];
		}
	}
	w->listen_io = xcalloc((size_t)w->nlisteners + 1, sizeof(*w->listen_io));
	for (int i = 0; i < w->nlisteners; i++) {
		ev_io_init(&w->listen_io[i], on_accept, w);
		if (ev_io_start(w->loop, &w->listen_io[i], w->listeners[i]->fd, EPOLLIN | EPOLLEXCLUSIVE) < 0) {
			snprintf(err, errlen, "cannot poll listener %s: %s", w->listeners[i]->spec, strerror(errno));
			return -EINVAL;
		}
	}
	return 0;
}

static void *worker_thread(void *arg)
{
	struct worker *w = arg;
	int ret;

	self = w;
	ret = ev_loop_run(w->loop);
	if (ret < 0)
		log_err("thread %d: event loop failed: %s", w->id, strerror(-ret));
	return NULL;
}

int workers_init(struct workers *ws, struct pxconf *conf, int nbthread, char *err, size_t errlen)
{
	memset(ws, 0, sizeof(*ws));
	ws->conf = conf;
	ws->n = nbthread;
	ws->w = xcalloc((size_t)nbthread, sizeof(*ws->w));
	for (int i = 0; i < nbthread; i++)
		if (worker_setup(&ws->w[i], conf, i, err, errlen) < 0)
			return -EINVAL;
	conf->rt.nbthread = nbthread;
	all_workers = ws;
	if (cli_start(conf, ws->w[0].loop, err, errlen) < 0)
		return -EINVAL;
	checks_start(conf, ws->w[0].loop);
	return 0;
}

void workers_run(struct workers *ws)
{
	for (int i = 1; i < ws->n; i++)
		pthread_create(&ws->w[i].thread, NULL, worker_thread, &ws->w[i]);
	worker_thread(&ws->w[0]);
	for (int i = 1; i < ws->n; i++)
		pthread_join(ws->w[i].thread, NULL);
}

void workers_soft_stop(struct workers *ws)
{
	atomic_store(&ws->conf->rt.stopping, true);
	for (int i = 0; i < ws->n; i++)
		worker_post(&ws->w[i], WMSG_SOFT_STOP, NULL);
}

void workers_hard_stop(struct workers *ws)
{
	atomic_store(&ws->conf->rt.stopping, true);
	for (int i = 0; i < ws->n; i++)
		worker_post(&ws->w[i], WMSG_HARD_STOP, NULL);
}

void workers_free(struct workers *ws)
{
	for (int i = 0; i < ws->n; i++) {
		struct worker *w = &ws->w[i];

		for (int b = 0; b < w->nfree_bufs; b++)
			free(w->free_bufs[b]);
		for (int p = 0; p < 2 * w->nfree_pipes; p++)
			close(w->free_pipes[p]);
		free(w->free_bufs);
		free(w->free_pipes);
		free(w->listen_io);
		free(w->listeners);
		http_kill_all(w);
		free(w->http);
		while (w->mbox) {
			struct worker_msg *m = w->mbox;

			w->mbox = m->next;
			free(m);
		}
		ev_loop_free(w->loop);
		pthread_mutex_destroy(&w->mbox_lock);
	}
	free(ws->w);
	if (all_workers == ws)
		all_workers = NULL;
}

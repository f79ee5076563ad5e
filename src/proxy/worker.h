/* worker: the threads that accept and forward connections.
 *
 * Each thread runs its own event loop and registers every listener with
 * EPOLLEXCLUSIVE, so the kernel wakes one thread per incoming connection; a
 * connection stays on the thread that accepted it. Threads talk only
 * through mailboxes (worker_post), drained on the receiving thread.
 * The first thread also runs the health checks and the runtime API.
 */
#ifndef VIGIL_WORKER_H
#define VIGIL_WORKER_H

#include "lib/buf.h"
#include "lib/ev.h"
#include "proxy/proxy.h"

struct worker_msg;
struct http_thread;

struct worker {
	int id;                      /* 0-based thread number */
	struct ev_loop *loop;
	struct pxconf *conf;
	pthread_t thread;
	struct ev_io *listen_io;     /* one per listener, conf order; from malloc() */
	struct listener **listeners; /* flattened list of every frontend's listeners */
	int nlisteners;
	bool listeners_paused;       /* over maxconn: not accepting for now */
	struct ev_timer resume_timer;
	struct stream *streams;      /* every stream of this thread (doubly linked) */
	int nstreams;
	bool stopping;               /* soft stop: not accepting, exit when idle */
	/* mailbox, filled by any thread */
	pthread_mutex_t mbox_lock;
	struct worker_msg *mbox, *mbox_tail; /* FIFO, appended at the tail */
	/* free lists, so that steady traffic does not call malloc */
	char **free_bufs;            /* spare buffers of conf->global.bufsize */
	int nfree_bufs, cap_free_bufs;
	int *free_pipes;             /* spare pipe pairs (2 fds each) */
	int nfree_pipes, cap_free_pipes;
	struct http_thread *http;    /* HTTP streams and idle server connections
					(http_ana.c); NULL until first used */
};

struct workers {
	struct worker *w;            /* from malloc(), nbthread entries */
	int n;
	struct pxconf *conf;
};

/* Start the threads (thread 0 runs on the caller's thread in
 * workers_run()). Listener fds must be bound already. */
int workers_init(struct workers *ws, struct pxconf *conf, int nbthread, char *err, size_t errlen);
/* Run until every thread has exited (soft stop finished or hard stop). */
void workers_run(struct workers *ws);
/* Soft stop: stop accepting, let established connections finish.
 * Async-signal-unsafe; call from the event loop (worker 0). */
void workers_soft_stop(struct workers *ws);
void workers_hard_stop(struct workers *ws);
void workers_free(struct workers *ws);

/* The worker running on the calling thread (NULL outside workers). */
struct worker *worker_self(void);

/* Message kinds for worker_post(). */
enum worker_msg_kind {
	WMSG_DEQUEUED,       /* arg: a stream of this worker got a server */
	WMSG_KILL_SERVER,    /* arg: cut every stream using this server */
	WMSG_SOFT_STOP,
	WMSG_HARD_STOP,
};
void worker_post(struct worker *w, enum worker_msg_kind kind, void *arg);

/* Buffers and pipes from the worker's free lists. */
char *worker_get_buf(struct worker *w);
void worker_put_buf(struct worker *w, char *b);
int worker_get_pipe(struct worker *w, int fds[2]);  /* 0 or -errno */
void worker_put_pipe(struct worker *w, int fds[2]);

/* Every worker, for cross-thread broadcasts. Set by workers_init(). */
struct workers *workers_all(void);

#endif

/* stream: one client connection and its server connection (TCP mode). */
#ifndef VIGIL_STREAM_H
#define VIGIL_STREAM_H

#include "proxy/proxy.h"

/* Cut every session currently established with `srv`, on every thread
 * (on-marked-down shutdown-sessions, `shutdown sessions server`).
 * Callable from any thread, with or without the backend lock. */
void stream_shutdown_server_sessions(struct server *srv);

/* queue_process() (queue.h) is called when a server slot may have opened. */
#include "proxy/queue.h"

/* Worker side (worker.c): a new client connection on listener `li`. */
struct worker;
struct listener;
struct conn_info;
/* `ci` (session.h) is the connection so far; the stream owns it. */
void stream_accept(struct worker *w, struct listener *li, int fd, struct conn_info *ci);
/* Close this worker's established streams on `srv` / all its streams. */
void stream_kill_server(struct worker *w, struct server *srv);
void stream_kill_all(struct worker *w);
/* Called by the stream layer after each close (listeners may resume, a
 * stopping worker may exit). */
void worker_stream_closed(struct worker *w);

#endif

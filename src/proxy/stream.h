/* stream: one client connection and its server connection (TCP mode). */
#ifndef VIGIL_STREAM_H
#define VIGIL_STREAM_H

#include "proxy/proxy.h"

/* Cut every session currently established with `srv`, on every thread
 * (on-marked-down shutdown-sessions, `shutdown sessions server`).
 * Callable from any thread, with or without the backend lock. */
void stream_shutdown_server_sessions(struct server *srv);

/* A server slot may have opened (server came up, weight raised, maxconn
 * freed, drain ended): hand queued connections of `px` to servers.
 * Callable from any thread; takes the backend lock. */
void queue_process(struct proxy *px);

#endif

/* check: the health-check engine of vigil-proxy.
 *
 * All checks run on one event loop (the worker's first thread). Each
 * checked server gets a `struct server_check` (srv->check), allocated once
 * with its buffers: a check run allocates nothing. A run connects to the
 * check address (`addr`, else the server's) and port (a tcp-check `connect
 * port`, else `port`, else the check address's port, else the server's),
 * performs the configured check (plain connect, tcp-check rules, HTTP,
 * MySQL), records the result (check_status, check_code, check_desc,
 * check_duration_ms, failed_checks) and hands it to server_check_result(),
 * which moves the server UP or DOWN.
 *
 * Timeouts, as HAProxy: without `timeout check`, `inter` bounds the whole
 * run (connect + response); with it, the connection must be established
 * within min(`timeout connect`, `inter`) and the response then arrive within
 * `timeout check`.
 *
 * Next run: `inter` while the server is stable, `fastinter` (if set) while
 * its health is moving, `downinter` (if set) while it is fully DOWN. The
 * first runs are spread at random over the first `inter`. Servers in
 * maintenance are not checked.
 */
#ifndef VIGIL_CHECK_H
#define VIGIL_CHECK_H

#include "proxy/proxy.h"
#include "lib/ev.h"

/* Set the runtime state of every server of every backend from its
 * configuration (server_init_runtime()), then schedule the checks of the
 * servers with `check` on `loop`. Call once, before the loop runs. */
void checks_start(struct pxconf *c, struct ev_loop *loop);

/* Stop every check: timers, sockets; frees srv->check (after the current
 * batch of callbacks, so it may be called from any callback of `loop`). */
void checks_stop(struct pxconf *c, struct ev_loop *loop);

/* server.c: initial runtime state of a server, as HAProxy starts it:
 * uweight = iweight; a server in maintenance (`disabled`) is STOPPED, any
 * other is RUNNING, and a checked one has health = rise ("up, but down at
 * the first failed check") and check status INI. Takes the lock. */
void server_init_runtime(struct server *srv);

#endif

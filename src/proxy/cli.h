/* cli: the stats socket runtime API (HAProxy's "stats socket" protocol).
 *
 * Every `stats socket` of the configuration is served on one event loop
 * (the first worker thread's). A client sends one or more commands per line,
 * separated by ';'; each answer ends with an empty line. Without `prompt`
 * the connection closes once the commands received so far are answered;
 * with `prompt` it stays open and prints "> " after each answer. Each
 * command has a minimum level (user < operator < admin) compared with the
 * socket's `level`. Output is buffered and written as the socket allows;
 * nothing blocks the loop. See docs/runtime-api.md for the commands.
 */
#ifndef VIGIL_CLI_H
#define VIGIL_CLI_H

#include "lib/ev.h"
#include "lib/strbuf.h"
#include "proxy/proxy.h"

#include <stddef.h>

/* Bind every global.stats_sockets[] entry whose fd is < 0 (a unix path:
 * remove a stale socket file, bind, chmod to `mode` (0600 by default),
 * chown to uid/gid when given; or IP:PORT), listen, and serve them all on
 * `loop`, together with the entries bound earlier (fd >= 0, inherited).
 * Returns 0, or a negative errno with a message in err; on failure the
 * sockets this call bound are closed again. Call from the loop's thread. */
int cli_start(struct pxconf *c, struct ev_loop *loop, char *err, size_t errlen);

/* Stop serving and close every client connection. The listening fds stay
 * open and the socket files stay in place: a successor process may be
 * using them. Call from the loop's thread. */
void cli_stop(struct pxconf *c, struct ev_loop *loop);

/* Run one command line (without its trailing newline) as a client at
 * `level` would, appending the answers to `out` exactly as they would be
 * sent (each followed by the empty line). For tests and for callers that
 * do not go through a socket. */
void cli_run_line(struct pxconf *c, enum cli_level level, const char *line,
		  struct strbuf *out);

#endif

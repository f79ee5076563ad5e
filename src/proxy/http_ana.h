/* http_ana: the HTTP/1.x data path of `mode http` proxies.
 *
 * One hstream per client connection, carrying its transactions one after
 * the other (keep-alive, pipelined requests wait their turn in the
 * buffer). Each request is parsed strictly (h1.c), run through the rules
 * (http_rules.c), balanced to a server per request, and forwarded with its
 * head rewritten and its body streamed (Content-Length or chunked, checked
 * as it passes). Responses get the same scrutiny (a bad one becomes a 502).
 * Server connections go back to a per-thread idle pool after a response
 * when keep-alive allows, and are reused as `http-reuse` says.
 */
#ifndef VIGIL_HTTP_ANA_H
#define VIGIL_HTTP_ANA_H

#include "proxy/proxy.h"

#include <sys/socket.h>

struct worker;
struct listener;
struct hstream;
struct http_idle;

/* A new client connection on a `mode http` listener. */
struct conn_info;
/* `ci` (session.h) is the connection so far; the stream owns it. */
void http_accept(struct worker *w, struct listener *li, int fd, struct conn_info *ci);

/* Close every HTTP stream of this worker (hard stop), or only those idle
 * between requests (soft stop: busy ones finish their exchange first). */
void http_kill_all(struct worker *w);
void http_close_idle_clients(struct worker *w);
/* Close the idle server connections this worker keeps. */
void http_idle_flush(struct worker *w);
/* Cut the exchanges using `srv` (on-marked-down shutdown-sessions). */
void http_kill_server(struct worker *w, struct server *srv);

#endif

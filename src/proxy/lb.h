/* lb: choosing a server for a new connection.
 *
 * Active servers take traffic while at least one of them is usable;
 * otherwise the first usable backup does (every usable backup with
 * `option allbackups`). Servers at their `maxconn` are skipped; when every
 * usable server is full the connection waits in the backend's queue.
 */
#ifndef VIGIL_LB_H
#define VIGIL_LB_H

#include "proxy/proxy.h"

enum lb_result {
	LB_OK,        /* *out is the chosen server, its cur_sess already counted */
	LB_FULL,      /* usable servers exist but all are at maxconn: queue */
	LB_NONE,      /* no usable server */
};

/* Choose a server. `hash_key` is the client address for `balance source`
 * (may be NULL otherwise); `avoid` is a server to skip when another is
 * usable (redispatch). Must be called with px->lock held. On LB_OK the
 * server's cur_sess has been incremented. */
enum lb_result lb_choose(struct proxy *px, const struct sockaddr *client,
			 const struct server *avoid, struct server **out);

/* For an HTTP request: `balance uri|url_param|hdr()|random` hash the
 * request (falling back to round robin when the key is absent, as
 * HAProxy); other algorithms as lb_choose(). Backend lock held. */
struct http_txn;
enum lb_result lb_choose_http(struct proxy *px, const struct http_txn *txn,
			      const struct server *avoid, struct server **out);

/* The hash `balance source` uses for a client address. */
uint32_t lb_source_hash(const struct sockaddr *sa);

#endif

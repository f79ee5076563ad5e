/* http_txn: one HTTP request/response exchange, in a form rules can read
 * and rewrite.
 *
 * After h1 has parsed a head, its start line and headers are loaded here
 * as (pointer, length) pairs into the receive buffer, which must not move
 * until the head is emitted again with http_txn_emit_*(). Rewritten values
 * live in the transaction's arena. Nothing here allocates: the header
 * arrays and the arena have fixed sizes (tune.http.maxhdr and a share of
 * tune.bufsize, like HAProxy's maxrewrite); a rewrite that does not fit
 * fails and the caller answers 500, as HAProxy does.
 */
#ifndef VIGIL_HTTP_TXN_H
#define VIGIL_HTTP_TXN_H

#include "proxy/h1.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#define HTTP_MAX_HDRS   128    /* hard cap; tune.http.maxhdr is checked by h1 */
#define HTTP_ARENA_SIZE 8192

struct proxy;
struct server;
struct ssl_sock;
struct stkctr_table;
struct stkctr_entry;
struct cache;

struct http_str {
	const char *p;
	size_t len;
};

struct http_hdr {
	struct http_str name, value;
};

/* One side of the exchange. */
struct http_head {
	struct http_str meth, uri, vsn;      /* request line; vsn: "HTTP/1.1" */
	int status;                          /* response */
	struct http_str reason;
	struct http_hdr hdrs[HTTP_MAX_HDRS];
	int nhdrs;
};

enum http_side { HTTP_REQ, HTTP_RSP };

struct http_txn {
	struct http_head req, rsp;
	char arena[HTTP_ARENA_SIZE];
	size_t arena_used;
	/* the connection, for src/dst criteria */
	const struct sockaddr *src, *dst;
	const struct ssl_sock *ssl;          /* client TLS (ssl.h); NULL = plain */
	struct proxy *fe, *be;
	struct server *srv;
	/* counters the connection tracks (session.h), arrays of 3, or NULL */
	struct stkctr_table **conn_sc_table;
	struct stkctr_entry **conn_sc_entry;
	/* filled by rules */
	int deny_status;                     /* 0: not denied */
	struct http_str redirect_location;   /* set by redirect rules */
	int redirect_code;
	bool redirect_set_cookie;            /* unused for now */

	/* state of the rules (http_rules.h); zero at the start of a
	 * transaction, released by http_rules_txn_end() */
	struct stkctr_table *sc_table[3];    /* track-sc0/1/2 */
	struct stkctr_entry *sc_entry[3];
	bool sc_conn[3];                     /* tracked by the connection: not
						released with the transaction */
	struct http_var {
		const char *name;            /* "txn.x"; owned by the configuration */
		struct http_str value;       /* in the arena */
	} vars[8];                           /* set-var(txn.*) */
	int nvars;
	int log_level;                       /* set-log-level + 1; 0 = unchanged */
	struct cache *cache_store;           /* http-response cache-store: where */
	bool rewrite_lax;                    /* strict-mode off: failed rewrites
						are ignored instead of answering 500 */
	struct http_str captures[8];         /* capture request header, in order */
	int ncaptures;
	struct http_str rsp_captures[8];     /* capture response header */
	int nrsp_captures;
};

/* Load a parsed head (buffer `buf`) into txn->req / txn->rsp. Returns 0,
 * or -1 if it has more headers than HTTP_MAX_HDRS. */
int http_txn_load(struct http_txn *txn, enum http_side side, const char *buf, const struct h1_msg *m);
void http_txn_reset(struct http_txn *txn);

/* Copy `len` bytes into the arena; NULL when it is full. */
const char *http_txn_store(struct http_txn *txn, const char *p, size_t len);

/* Header access and rewriting (names compare case-insensitively).
 * Functions that add return 0 or -1 when out of room. */
int http_hdr_find(const struct http_head *h, const char *name, int from);   /* index or -1 */
/* Each element of h's Accept-Encoding list(s), in order: its coding (not
 * NUL-terminated) and its q-value in thousandths (1000 without one).
 * Stops when fn returns true, and returns whether it did. */
bool http_accept_encoding_each(const struct http_head *h,
			       bool (*fn)(void *arg, const char *coding, size_t len, int q),
			       void *arg);
bool http_hdr_get(const struct http_head *h, const char *name, int occ, struct http_str *out);
int http_hdr_add(struct http_txn *txn, struct http_head *h, const char *name, const char *value, size_t vlen);
int http_hdr_set(struct http_txn *txn, struct http_head *h, const char *name, const char *value, size_t vlen);
int http_hdr_del(struct http_head *h, const char *name);            /* number removed */
int http_set_uri(struct http_txn *txn, const char *uri, size_t len);
/* Path part of the request target (without query string). */
struct http_str http_req_path(const struct http_head *req);
struct http_str http_req_query(const struct http_head *req);      /* without '?' */

/* Write a head back as HTTP/1.1 text into out[0..outlen). Returns the
 * length, or -1 when it does not fit. */
ssize_t http_emit_request(const struct http_head *h, char *out, size_t outlen);
ssize_t http_emit_response(const struct http_head *h, char *out, size_t outlen);

#endif

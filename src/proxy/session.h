/* session: what the connection layer learns about a client connection
 * before an engine (stream.c for TCP, http_ana.c for HTTP) takes it.
 *
 * A connection goes, in HAProxy's order (session_accept.c):
 *   accept() -> `tcp-request connection` rules (on the socket's own
 *   addresses, session_conn_rules()) -> PROXY header when the listener has
 *   `accept-proxy` or a rule said `expect-proxy layer4` (proxy_hdr.c) ->
 *   TLS handshake on `ssl` listeners (ssl_accept.c) -> `tcp-request
 *   session` rules (session_rules(), as the engine starts) -> engine
 * and carries a `struct conn_info` along: the client's addresses (those
 * of the PROXY header once read) and the stick counters the connection
 * rules track, which stay tracked until the connection closes.
 */
#ifndef VIGIL_SESSION_H
#define VIGIL_SESSION_H

#include <stdbool.h>
#include <sys/socket.h>
#include <time.h>

struct worker;
struct ev_io;
struct listener;
struct ssl_sock;
struct proxy;
struct stkctr_table;
struct stkctr_entry;

struct conn_info {
	struct sockaddr_storage src;   /* the client, as rules and logs see it */
	struct sockaddr_storage dst;   /* the address it connected to */
	struct timespec accept_date;   /* accept(), for the logs */
	/* `tcp-request connection track-scN`: tracked until conn_info_free() */
	struct stkctr_table *sc_table[3];
	struct stkctr_entry *sc_entry[3];
};

/* A connection just accepted by `li` on `fd` from `peer`. The caller owns
 * the result and passes it on to the next stage. */
struct conn_info *conn_info_new(const struct listener *li, int fd, const struct sockaddr *peer,
				socklen_t plen);
/* Untrack the counters and free. NULL is fine. */
void conn_info_free(struct conn_info *ci);

/* The `tcp-request connection` rules of `fe`, in order: the first accept,
 * reject or silent-drop decides (none: accept); track-scN rules track
 * `ci`'s counters; expect-proxy sets *expect_proxy. False: reject
 * (counted in fe->cnt.denied_conn), or silent-drop when *silent is set
 * (counted in denied_req, as HAProxy counts it). */
bool session_conn_rules(struct proxy *fe, struct conn_info *ci, int fd, bool *expect_proxy, bool *silent);

/* The `tcp-request session` rules of `fe`, once the PROXY header and the
 * TLS handshake are done (the client's addresses are the header's): as
 * the connection rules, tracking into `ci`. False: the connection must be
 * closed at once, without a log line; it was counted (reject: dses,
 * silent-drop: dreq) and, for silent-drop, silenced. */
bool session_rules(struct proxy *fe, struct conn_info *ci, int fd, const struct ssl_sock *ssl);

/* Make the coming close() of `fd` send nothing (HAProxy's silent-drop):
 * TCP_REPAIR (needs CAP_NET_ADMIN), else a TTL of 1 and a reset that
 * does not get past the first router. */
void session_silence(int fd);

/* An empty HTTP transaction of this thread carrying a TCP connection's
 * addresses, TLS state and tracked counters (arrays of 3, or NULL), for
 * the fetches and the log format: valid until the next call. */
struct http_txn;
struct http_txn *session_txn(const struct sockaddr *src, const struct sockaddr *dst,
			     const struct ssl_sock *ssl, struct stkctr_table **sc_table,
			     struct stkctr_entry **sc_entry);

/* Evaluate a condition with the connection-level fetches (src, dst,
 * sc0_*, src_*, ssl_*) on a TCP connection: `sc_table`/`sc_entry` are its
 * tracked counters (arrays of 3, or NULL). */
struct acl_cond;
bool session_cond_eval(const struct acl_cond *c, const struct sockaddr *src, const struct sockaddr *dst,
		       const struct ssl_sock *ssl, struct stkctr_table **sc_table,
		       struct stkctr_entry **sc_entry);

/* Track `key_expr`'s value of this connection in tp's counters into slot
 * the slot (table, entry) (unless already tracked). */
struct sample_expr;
void session_track(struct proxy *tp, const struct sample_expr *key_expr, const struct sockaddr *src,
		   const struct sockaddr *dst, const struct ssl_sock *ssl,
		   struct stkctr_table **table, struct stkctr_entry **entry);

/* A connection accepted on `li`: counts it, runs the connection rules,
 * then the PROXY header, TLS handshake and engine. */
void session_accept(struct worker *w, struct listener *li, int fd, const struct sockaddr *peer, socklen_t plen);

/* The same with the key taken from an HTTP transaction (HTTP fetches). */
void session_track_txn(struct proxy *tp, const struct sample_expr *key_expr, struct http_txn *txn,
		       struct stkctr_table **table, struct stkctr_entry **entry);

/* Hand the connection to its next stage: TLS handshake or engine. */
void session_dispatch(struct worker *w, struct listener *li, int fd, struct conn_info *ci);

/* The end of a client connection, in the order its client can observe:
 * counted out of `fe` (and `be`, NULL for none) and its tracked counters
 * released, then the socket closed. A client that reconnects as soon as
 * it has read the end must not find its old connection still counted by
 * another thread (conn_cur, maxconn). */
void session_end(struct worker *w, struct proxy *fe, struct proxy *be, struct conn_info *ci,
		 struct ev_io *cli_io);

#endif

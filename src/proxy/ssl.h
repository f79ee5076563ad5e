/* ssl: TLS for vigil-proxy, on OpenSSL.
 *
 * Three parts, one concern each:
 *   cfgparse-ssl.c  the TLS keywords of `global`, `bind` and `server`
 *                   lines, into the structures below;
 *   ssl_ctx.c       the SSL_CTX of each bind line and server, built while
 *                   the configuration is read (so `-c` finds a missing
 *                   certificate): certificates, SNI, ALPN, verification;
 *   ssl_sock.c      connections: the accept-side handshake, the
 *                   server-side handshake step, and the transport calls.
 *
 * The data path reaches TLS through the transport calls (xprt_recv,
 * xprt_sendmsg, xprt_shutw, xprt_close), which take a file descriptor and
 * behave as the system calls they replace: a socket with no TLS attached
 * goes straight to recv()/sendmsg()/shutdown()/close(). This is HAProxy's
 * fd -> connection -> transport layering, kept as small as possible: the
 * TCP and HTTP engines change one call each where they touch a socket.
 *
 * Accepting: a listener with `ssl` hands its new sockets to
 * ssl_sock_accept(), which runs the handshake on the worker's loop and
 * gives the socket to the engine (stream_accept/http_accept) once it is
 * done, with the TLS state attached to the fd. A failed handshake is
 * counted on the bind line, logged on the frontend, and closes the socket.
 */
#ifndef VIGIL_SSL_H
#define VIGIL_SSL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

struct cfg_kw;
struct cfgparse;
struct http_txn;
struct listener;
struct proxy;
struct pxconf;
struct sample_expr;
struct server;
struct smp;
struct worker;
struct ssl_st;
struct ssl_session_st;
struct ssl_ctx_st;

/* `verify` of a bind or server line. UNSET takes the default (bind: none;
 * server: ssl-server-verify, itself `required` by default). */
enum ssl_vfy { SSL_VFY_UNSET = 0, SSL_VFY_NONE, SSL_VFY_OPTIONAL, SSL_VFY_REQUIRED };

/* Protocol versions of ssl-min-ver / ssl-max-ver and the no-* flags. */
enum ssl_ver { SSL_V_UNSET = 0, SSL_V_SSL3, SSL_V_TLS10, SSL_V_TLS11, SSL_V_TLS12, SSL_V_TLS13 };
#define SSL_NO_SSLV3  0x01
#define SSL_NO_TLSV10 0x02
#define SSL_NO_TLSV11 0x04
#define SSL_NO_TLSV12 0x08
#define SSL_NO_TLSV13 0x10

/* Options a bind line, a server line and the global defaults share. */
struct ssl_opts {
	char *ciphers;             /* TLS <= 1.2 cipher list; from malloc() or NULL */
	char *ciphersuites;        /* TLS 1.3 suites; from malloc() or NULL */
	char *curves;              /* from malloc() or NULL */
	char *sigalgs;             /* from malloc() or NULL */
	enum ssl_ver min_ver, max_ver;
	unsigned no_mask;          /* SSL_NO_* */
	bool no_tickets;
	bool prefer_client_ciphers;
};

/* `global` TLS settings (px_global.ssl). */
struct ssl_global {
	struct ssl_opts bind, server;  /* ssl-default-bind-* / ssl-default-server-* */
	char *ca_base, *crt_base;      /* from malloc() or NULL */
	int dh_bits;                   /* tune.ssl.default-dh-param; 0 = 2048 */
	enum ssl_vfy server_verify;    /* ssl-server-verify; UNSET = required */
	char *dh_param_file;           /* ssl-dh-param-file; from malloc() or NULL */
};

/* One `bind` line's TLS settings, shared by the listeners the line makes
 * (`refs` of them; the last one frees it). */
struct ssl_bind {
	int refs;
	bool ssl;                      /* `ssl`: the listener speaks TLS */
	struct ssl_opts opts;
	char **crts;                   /* crt FILE|DIR; from malloc() */
	int ncrts;
	char **crt_lists;              /* crt-list FILE; from malloc() */
	int ncrt_lists;
	char *ca_file, *crl_file;      /* from malloc() or NULL */
	enum ssl_vfy verify;
	bool strict_sni;
	unsigned char *alpn;           /* wire format (length-prefixed); from malloc() */
	size_t alpn_len;
	const char *file;              /* where the line is, for messages */
	int line;
	struct ssl_bind_ctx *ctx;      /* built by ssl_bind_build(); owned */
	/* runtime */
	_Atomic uint64_t hs_done, hs_failed;
};

/* A server's TLS settings (`ssl`, `check-ssl`, `verify`, ...). */
struct ssl_srv {
	bool ssl;                      /* traffic to the server is TLS */
	bool check_ssl;                /* health checks are TLS */
	struct ssl_opts opts;
	enum ssl_vfy verify;
	char *ca_file, *crl_file, *crt; /* from malloc() or NULL */
	char *verifyhost;              /* from malloc() or NULL */
	char *sni_expr;                /* `sni EXPR` as written; from malloc() or NULL */
	struct sample_expr *sni;       /* compiled from sni_expr; owned */
	char *check_sni;               /* from malloc() or NULL */
	unsigned char *alpn, *check_alpn; /* wire format; from malloc() or NULL */
	size_t alpn_len, check_alpn_len;
	struct ssl_ctx_st *ctx;        /* built by ssl_srv_build(); owned */
	const struct ssl_global *g;    /* defaults, for a context built late */
	bool no_reuse;                 /* no-ssl-reuse: every handshake is full */
	struct ssl_resume *resume;     /* the last session the server gave
					* (ssl_ctx.c); owned, built with ctx */
};

/* ---- configuration (cfgparse-ssl.c) ---- */

/* A TLS keyword of a `bind` line at args[i]. Returns the number of words
 * it took (1 or 2), 0 if it is not a TLS keyword, or -1 with a message. */
int ssl_bind_parse_kw(struct cfgparse *p, struct ssl_bind **b, char **args, int i, int argc,
		      char *err, size_t errlen);
/* After the whole bind line: apply the global defaults, load the
 * certificates and build the contexts. 0 or -1 with a message. */
int ssl_bind_finish(struct cfgparse *p, struct ssl_bind *b, const char *spec, char *err, size_t errlen);
void ssl_bind_put(struct ssl_bind *b);      /* drop one reference */

/* A TLS keyword of a `server`/`default-server` line: same returns. */
int ssl_srv_parse_kw(struct cfgparse *p, struct server *s, char **args, int i, int argc,
		     char *err, size_t errlen);
/* After a `server` line: defaults applied, context built. */
int ssl_srv_finish(struct cfgparse *p, struct server *s, char *err, size_t errlen);
struct ssl_srv *ssl_srv_dup(const struct ssl_srv *src);
void ssl_srv_free(struct ssl_srv *s);
/* Checks use TLS on this server (check-ssl, or ssl without a check port). */
bool ssl_srv_check_tls(const struct server *s);

/* `global` keywords: ca-base, crt-base, ssl-default-*, tune.ssl.*,
 * ssl-server-verify, ssl-dh-param-file. A cfg_kw handler. */
int ssl_global_kw(struct cfgparse *p, char **args, int argc, const struct cfg_kw *kw, char *err, size_t errlen);
void ssl_global_free(struct ssl_global *g);

/* ---- contexts (ssl_ctx.c) ---- */

/* Load every certificate of `b` and build its contexts. 0 or -1 with a
 * message naming the file. */
int ssl_bind_build(struct ssl_bind *b, const struct ssl_global *g, char *err, size_t errlen);
void ssl_bind_ctx_free(struct ssl_bind_ctx *c);
/* The context new connections on `b` start with. */
struct ssl_ctx_st *ssl_bind_default_ctx(const struct ssl_bind *b);
/* A server context. NULL with a message. Unless no-ssl-reuse, the
 * session each handshake gives is kept for the next connection to the
 * server (s->resume). */
struct ssl_ctx_st *ssl_srv_build(struct ssl_srv *s, const struct ssl_global *g,
				 char *err, size_t errlen);
/* The session to offer on a new connection to the server with this SNI
 * ("" for none): a reference to free with SSL_SESSION_free(), or NULL. */
struct ssl_session_st *ssl_srv_session(struct ssl_srv *s, const char *sni);
/* A health check's connection: its sessions are not kept. */
void ssl_srv_check_conn(struct ssl_st *ssl);
/* ssl_srv_free(): the kept session. */
void ssl_srv_resume_free(struct ssl_srv *s);
/* A TLS ClientHello as OpenSSL's client sends it, for `option
 * ssl-hello-chk`. Returns its length (0 on failure). */
size_t ssl_client_hello(unsigned char *out, size_t max);
/* Drain OpenSSL's error queue into `buf` ("reason: reason"); returns buf. */
const char *ssl_errors(char *buf, size_t len);

/* ---- connections (ssl_sock.c) ---- */

struct ssl_sock;

/* A new client socket on a TLS listener: handshake, then the engine. */
struct conn_info;
void ssl_sock_accept(struct worker *w, struct listener *li, int fd,
		     struct conn_info *ci);
/* Close this worker's connections still in their handshake. */
void ssl_sock_kill_handshakes(struct worker *w);

/* Attach client-side TLS to a connecting socket towards `srv`. `txn` (may
 * be NULL) is what the `sni` expression is evaluated on. With send-proxy,
 * the PROXY header of the client on cli_fd, at src and having reached dst,
 * goes in clear once TCP is connected, before the handshake. 0 or -errno. */
int ssl_sock_attach_server(int fd, struct server *srv, struct http_txn *txn, int cli_fd,
			   const struct sockaddr *src, const struct sockaddr *dst);
/* Health checks: attach TLS for a check of `srv`. 0 or -errno. */
int ssl_sock_attach_check(int fd, struct server *srv);

/* Drive a connecting socket on from an event: 1 when the connection is
 * ready for data (TCP connected, and TLS handshake done if any), 0 when
 * it must wait (*want gets EPOLLIN or EPOLLOUT), -1 when it failed (errno
 * and, for TLS, a reason in `why` when not NULL). For plain sockets this
 * is the SO_ERROR test. */
int xprt_connect_step(int fd, uint32_t events, uint32_t *want, char *why, size_t whylen);

/* For a TLS server connection being made: n bytes (a PROXY header) to
 * send in clear once TCP is connected, before the handshake. -1 on a
 * plain socket (the caller sends them with its data). */
int xprt_preamble(int fd, const char *p, size_t n);

/* The transport calls: as recv(2), sendmsg(2), send(2), shutdown(fd,
 * SHUT_WR) and close(2), TLS or not. */
ssize_t xprt_recv(int fd, void *buf, size_t len, int flags);
ssize_t xprt_sendmsg(int fd, const struct msghdr *msg, int flags);
ssize_t xprt_send(int fd, const void *buf, size_t len, int flags);
int xprt_shutw(int fd);
int xprt_close(int fd);
/* True when `fd` has TLS attached (the splice path must not be used). */
bool xprt_is_tls(int fd);

/* The TLS state of a socket, or NULL: what sample fetches read. */
struct ssl_sock *ssl_sock_of_fd(int fd);

/* What the client connection `ss` (NULL: plain TCP) gives the TLVs of a
 * PROXY v2 header that asks for `pp2_opts` (PP2_OPT_*): *out filled, the
 * values not asked for left empty. */
struct send_proxy_tls;
void ssl_sock_pp2_info(const struct ssl_sock *ss, unsigned pp2_opts, struct send_proxy_tls *out);

/* Sample fetches on a client connection (NULL: not TLS). Each returns
 * false when the sample does not exist. */
bool ssl_smp_fc(const struct ssl_sock *ss, struct smp *o);           /* ssl_fc */
bool ssl_smp_fc_sni(const struct ssl_sock *ss, struct smp *o);       /* ssl_fc_sni */
bool ssl_smp_fc_protocol(const struct ssl_sock *ss, struct smp *o);  /* ssl_fc_protocol */
bool ssl_smp_fc_alpn(const struct ssl_sock *ss, struct smp *o);      /* ssl_fc_alpn */
bool ssl_smp_fc_cipher(const struct ssl_sock *ss, struct smp *o);    /* ssl_fc_cipher */
bool ssl_smp_c_verify(const struct ssl_sock *ss, struct smp *o);     /* ssl_c_verify */
bool ssl_smp_c_used(const struct ssl_sock *ss, struct smp *o);       /* ssl_c_used */
bool ssl_smp_fc_has_sni(const struct ssl_sock *ss, struct smp *o);   /* ssl_fc_has_sni */
/* ssl_c_s_dn / ssl_c_i_dn (`issuer`): the whole DN, or with `entry`
 * ("CN", "O", ...) its occurrence `occ` (N from the start, -N from the
 * end; 0 = the last, as HAProxy's default). */
bool ssl_smp_c_dn(const struct ssl_sock *ss, bool issuer, const char *entry, int occ, struct smp *o);

#endif

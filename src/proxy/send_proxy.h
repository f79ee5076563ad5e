/* send_proxy: the PROXY protocol header a `server ... send-proxy[-v2]`
 * connection starts with, and the TLVs of a v2 header (HAProxy 2.6's
 * `send-proxy-v2-ssl`, `send-proxy-v2-ssl-cn`, `proxy-v2-options`).
 *
 * Apart from the receiving side (proxy_hdr.c), which needs the engines:
 * the TLS layer queues this header before a server handshake.
 *
 * A v2 header carries, after the addresses and in HAProxy's order (so the
 * bytes are HAProxy's):
 *   PP2_TYPE_CRC32C     `crc32c`: over the whole header, field zeroed
 *   PP2_TYPE_ALPN       always, when the client negotiated ALPN over TLS
 *   PP2_TYPE_AUTHORITY  `authority`: the SNI the client sent
 *   PP2_TYPE_SSL        `ssl` (and the options below): client flags and
 *                       verify result, then, for a TLS client, the
 *                       sub-TLVs VERSION, CN (`cert-cn`), KEY_ALG
 *                       (`cert-key`), SIG_ALG (`cert-sig`), CIPHER
 *                       (`ssl-cipher`). A plain client still gets the TLV,
 *                       with flags 0.
 * A TLV whose information does not exist is left out.
 */
#ifndef VIGIL_SEND_PROXY_H
#define VIGIL_SEND_PROXY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct server;
struct ssl_sock;

/* What a server asks a v2 header to carry (server->pp2_opts). */
#define PP2_OPT_SSL        0x01   /* PP2_TYPE_SSL */
#define PP2_OPT_SSL_CN     0x02   /* PP2_SUBTYPE_SSL_CN */
#define PP2_OPT_SSL_CIPHER 0x04   /* PP2_SUBTYPE_SSL_CIPHER */
#define PP2_OPT_SSL_SIG    0x08   /* PP2_SUBTYPE_SSL_SIG_ALG */
#define PP2_OPT_SSL_KEY    0x10   /* PP2_SUBTYPE_SSL_KEY_ALG */
#define PP2_OPT_AUTHORITY  0x20   /* PP2_TYPE_AUTHORITY */
#define PP2_OPT_CRC32C     0x40   /* PP2_TYPE_CRC32C */

/* Room for any header we send: also what our receiving side accepts
 * (PROXY_HDR_MAX). Only with IPv6 addresses and every value at its
 * longest would a TLV not fit; it is then left out. */
#define PROXY_HDR_OUT 1024

/* What the client's connection gives the TLVs: filled by
 * ssl_sock_pp2_info() for a TLS client, all empty for a plain one.
 * Strings are NUL-terminated; "" means absent. */
struct send_proxy_tls {
	bool ssl;                  /* the client connection is TLS */
	bool cert_sess;            /* the client's session has a certificate */
	bool cert_conn;            /* ... presented in this very handshake
				      (not a resumed session) */
	uint32_t verify;           /* its verification result; 0 = ok, and 0
				      when there is no certificate */
	uint8_t alpn_len;
	char alpn[256];            /* negotiated protocol (alpn_len bytes) */
	char sni[256];             /* server name the client asked for */
	char version[32];          /* "TLSv1.3" */
	char cn[256];              /* the client certificate's first subject CN */
	char cipher[64];
	/* of our own certificate on the bind line, as HAProxy and the
	 * protocol's text have them ("the certificate presented by the
	 * frontend"): */
	char sig_alg[64];          /* "ecdsa-with-SHA256" */
	char key_alg[32];          /* "EC256", "RSA2048" */
};

/* The header for a client at src that reached dst: v1 text, or v2 with
 * the TLVs `pp2_opts` asks for (tls: what the client's connection gives;
 * NULL = a plain client). Written into hdr (`size` bytes, at least 108,
 * the longest v1 line; TLVs are bounded by it); returns its length. Other address families are "PROXY UNKNOWN" (v1) or a LOCAL
 * command (v2, TLVs still added, as HAProxy does). */
int send_proxy_make(char *hdr, size_t size, const struct sockaddr *src, const struct sockaddr *dst,
		    bool v2, unsigned pp2_opts, const struct send_proxy_tls *tls);

/* The header a new connection to `srv` starts with, for the client whose
 * TLS state is cli_ssl (NULL: plain) at src that reached dst: into hdr
 * (PROXY_HDR_OUT bytes); returns its length. */
int send_proxy_for_server(char *hdr, const struct server *srv, const struct ssl_sock *cli_ssl,
			  const struct sockaddr *src, const struct sockaddr *dst);

/* Parse the word list of `proxy-v2-options` ("ssl,cert-cn,crc32c") into
 * *opts (bits added). 0, or -EINVAL with HAProxy's message for the
 * offending word ("'foo' : proxy v2 option not implemented."). */
int send_proxy_parse_options(const char *list, unsigned *opts, char *err, size_t errlen);

#endif

/* send_proxy: the PROXY header a server connection starts with (see
 * send_proxy.h). */
#include "proxy/send_proxy.h"
#include "proxy/proxy.h"
#include "proxy/ssl.h"
#include "lib/addr.h"
#include "lib/crc32c.h"
#include "lib/util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#define PP2_TYPE_ALPN           0x01
#define PP2_TYPE_AUTHORITY      0x02
#define PP2_TYPE_CRC32C         0x03
#define PP2_TYPE_SSL            0x20
#define PP2_SUBTYPE_SSL_VERSION 0x21
#define PP2_SUBTYPE_SSL_CN      0x22
#define PP2_SUBTYPE_SSL_CIPHER  0x23
#define PP2_SUBTYPE_SSL_SIG_ALG 0x24
#define PP2_SUBTYPE_SSL_KEY_ALG 0x25

#define PP2_CLIENT_SSL          0x01
#define PP2_CLIENT_CERT_CONN    0x02
#define PP2_CLIENT_CERT_SESS    0x04

/* TLVs written after the fixed part of a v2 header, never past `size`. */
struct tlv_out {
	uint8_t *p;
	size_t len, size;
};

/* Append a TLV; false, and nothing written, when it does not fit: a
 * header without a TLV is better than a truncated value. */
static bool tlv_put(struct tlv_out *o, uint8_t type, const void *v, size_t n)
{
	if (n > 0xffff || o->size - o->len < 3 + n)
		return false;
	o->p[o->len] = type;
	o->p[o->len + 1] = (uint8_t)(n >> 8);
	o->p[o->len + 2] = (uint8_t)n;
	memcpy(o->p + o->len + 3, v, n);
	o->len += 3 + n;
	return true;
}

/* A string TLV, left out when the string is absent (""). */
static void tlv_put_str(struct tlv_out *o, uint8_t type, const char *s)
{
	if (*s)
		tlv_put(o, type, s, strlen(s));
}

/* PP2_TYPE_SSL: client flags, verify result, then the sub-TLVs (only for
 * a TLS client), its length set once they are written. */
static void tlv_put_ssl(struct tlv_out *o, unsigned opts, const struct send_proxy_tls *tls)
{
	uint8_t fixed[5] = { 0 };
	size_t start = o->len;

	if (tls->ssl) {
		fixed[0] = PP2_CLIENT_SSL;
		if (tls->cert_sess) {
			fixed[0] |= PP2_CLIENT_CERT_SESS | (tls->cert_conn ? PP2_CLIENT_CERT_CONN : 0);
			fixed[1] = (uint8_t)(tls->verify >> 24);
			fixed[2] = (uint8_t)(tls->verify >> 16);
			fixed[3] = (uint8_t)(tls->verify >> 8);
			fixed[4] = (uint8_t)tls->verify;
		}
	}
	if (!tlv_put(o, PP2_TYPE_SSL, fixed, sizeof(fixed)))
		return;
	if (tls->ssl) {
		tlv_put_str(o, PP2_SUBTYPE_SSL_VERSION, tls->version);
		if (opts & PP2_OPT_SSL_CN)
			tlv_put_str(o, PP2_SUBTYPE_SSL_CN, tls->cn);
		if (opts & PP2_OPT_SSL_KEY)
			tlv_put_str(o, PP2_SUBTYPE_SSL_KEY_ALG, tls->key_alg);
		if (opts & PP2_OPT_SSL_SIG)
			tlv_put_str(o, PP2_SUBTYPE_SSL_SIG_ALG, tls->sig_alg);
		if (opts & PP2_OPT_SSL_CIPHER)
			tlv_put_str(o, PP2_SUBTYPE_SSL_CIPHER, tls->cipher);
	}
	/* at most PROXY_HDR_OUT bytes: the 16-bit length cannot overflow */
	o->p[start + 1] = (uint8_t)((o->len - start - 3) >> 8);
	o->p[start + 2] = (uint8_t)(o->len - start - 3);
}

/* The fixed part of a v2 header: signature, command, family, addresses. */
static size_t v2_fixed(uint8_t *p, const struct sockaddr *sa, const struct sockaddr *da)
{
	static const char sig[12] = "\r\n\r\n\0\r\nQUIT\n";

	memcpy(p, sig, 12);
	p[12] = 0x21;   /* v2, PROXY */
	if (sa->sa_family == AF_INET && da->sa_family == AF_INET) {
		p[13] = 0x11;
		memcpy(p + 16, &((const struct sockaddr_in *)sa)->sin_addr, 4);
		memcpy(p + 20, &((const struct sockaddr_in *)da)->sin_addr, 4);
		memcpy(p + 24, &((const struct sockaddr_in *)sa)->sin_port, 2);
		memcpy(p + 26, &((const struct sockaddr_in *)da)->sin_port, 2);
		return 28;
	}
	if (sa->sa_family == AF_INET6 && da->sa_family == AF_INET6) {
		p[13] = 0x21;
		memcpy(p + 16, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
		memcpy(p + 32, &((const struct sockaddr_in6 *)da)->sin6_addr, 16);
		memcpy(p + 48, &((const struct sockaddr_in6 *)sa)->sin6_port, 2);
		memcpy(p + 50, &((const struct sockaddr_in6 *)da)->sin6_port, 2);
		return 52;
	}
	p[12] = 0x20;   /* LOCAL */
	p[13] = 0;
	return 16;
}

static int make_v2(uint8_t *p, size_t size, const struct sockaddr *sa, const struct sockaddr *da,
		   unsigned opts, const struct send_proxy_tls *tls)
{
	static const struct send_proxy_tls plain;
	struct tlv_out o = { .p = p, .size = size };
	size_t crc_at = 0;

	if (!tls)
		tls = &plain;
	o.len = v2_fixed(p, sa, da);
	if (opts & PP2_OPT_CRC32C) {
		static const uint8_t zero[4];

		crc_at = o.len + 3;
		tlv_put(&o, PP2_TYPE_CRC32C, zero, sizeof(zero));
	}
	/* HAProxy sends the ALPN whenever there is one, no option needed */
	if (tls->alpn_len)
		tlv_put(&o, PP2_TYPE_ALPN, tls->alpn, tls->alpn_len);
	if (opts & PP2_OPT_AUTHORITY)
		tlv_put_str(&o, PP2_TYPE_AUTHORITY, tls->sni);
	if (opts & PP2_OPT_SSL)
		tlv_put_ssl(&o, opts, tls);
	p[14] = (uint8_t)((o.len - 16) >> 8);
	p[15] = (uint8_t)(o.len - 16);
	if (crc_at) {
		uint32_t crc = crc32c(p, o.len, CRC32C_NO_SKIP);

		p[crc_at] = (uint8_t)(crc >> 24);
		p[crc_at + 1] = (uint8_t)(crc >> 16);
		p[crc_at + 2] = (uint8_t)(crc >> 8);
		p[crc_at + 3] = (uint8_t)crc;
	}
	return (int)o.len;
}

int send_proxy_make(char *hdr, size_t size, const struct sockaddr *sa, const struct sockaddr *da,
		    bool v2, unsigned pp2_opts, const struct send_proxy_tls *tls)
{
	char src[ADDR_STRLEN], dst[ADDR_STRLEN];

	if (v2)
		return make_v2((uint8_t *)hdr, size, sa, da, pp2_opts, tls);
	if (sa->sa_family == da->sa_family && (sa->sa_family == AF_INET || sa->sa_family == AF_INET6))
		return snprintf(hdr, size, "PROXY %s %s %s %d %d\r\n",
				sa->sa_family == AF_INET ? "TCP4" : "TCP6",
				addr_host_str(sa, src, sizeof(src)), addr_host_str(da, dst, sizeof(dst)),
				ntohs(((const struct sockaddr_in *)sa)->sin_port),
				ntohs(((const struct sockaddr_in *)da)->sin_port));
	return snprintf(hdr, size, "PROXY UNKNOWN\r\n");
}

int send_proxy_for_server(char *hdr, const struct server *srv, const struct ssl_sock *cli_ssl,
			  const struct sockaddr *src, const struct sockaddr *dst)
{
	struct send_proxy_tls tls;

	if (!srv->send_proxy_v2)
		return send_proxy_make(hdr, PROXY_HDR_OUT, src, dst, false, 0, NULL);
	ssl_sock_pp2_info(cli_ssl, srv->pp2_opts, &tls);
	return send_proxy_make(hdr, PROXY_HDR_OUT, src, dst, true, srv->pp2_opts, &tls);
}

int send_proxy_parse_options(const char *list, unsigned *opts, char *err, size_t errlen)
{
	/* HAProxy 2.6's words; each cert-* or ssl-* one implies `ssl` */
	static const struct { const char *name; unsigned bits; } words[] = {
		{ "ssl", PP2_OPT_SSL },
		{ "cert-cn", PP2_OPT_SSL | PP2_OPT_SSL_CN },
		{ "cert-key", PP2_OPT_SSL | PP2_OPT_SSL_KEY },
		{ "cert-sig", PP2_OPT_SSL | PP2_OPT_SSL_SIG },
		{ "ssl-cipher", PP2_OPT_SSL | PP2_OPT_SSL_CIPHER },
		{ "authority", PP2_OPT_AUTHORITY },
		{ "crc32c", PP2_OPT_CRC32C },
	};
	const char *p = list;

	for (;;) {
		size_t n = strcspn(p, ",");
		size_t i;

		for (i = 0; i < ARRAY_SIZE(words); i++)
			if (strlen(words[i].name) == n && strncmp(p, words[i].name, n) == 0)
				break;
		if (i < ARRAY_SIZE(words)) {
			*opts |= words[i].bits;
		} else if (n == 9 && strncmp(p, "unique-id", n) == 0) {
			/* the ID comes from the frontend's unique-id-format,
			 * which vigil-proxy does not implement */
			snprintf(err, errlen, "'proxy-v2-options unique-id' is not supported by vigil-proxy yet.");
			return -EINVAL;
		} else {
			/* an empty word too ("ssl,"), as HAProxy */
			snprintf(err, errlen, "'%.*s' : proxy v2 option not implemented.", (int)(n > 200 ? 200 : n), p);
			return -EINVAL;
		}
		if (!p[n])
			return 0;
		p += n + 1;
	}
}

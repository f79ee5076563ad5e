/* Tests for src/proxy/send_proxy.c: the PROXY header towards servers,
 * its v2 TLVs (order, lengths, checksum), their bounds, and the
 * proxy-v2-options words. */
#include "unit.h"
#include "proxy/send_proxy.h"
#include "lib/crc32c.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>

static struct sockaddr_in v4(const char *ip, int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };

	inet_pton(AF_INET, ip, &a.sin_addr);
	return a;
}

static const uint8_t *tlv_at(const uint8_t *p, size_t off, uint8_t type, size_t len)
{
	CHECK_INT(p[off], type);
	CHECK_INT((size_t)(p[off + 1] << 8 | p[off + 2]), len);
	return p + off + 3;
}

static void tls_full(struct send_proxy_tls *t)
{
	memset(t, 0, sizeof(*t));
	t->ssl = t->cert_sess = t->cert_conn = true;
	t->verify = 0x01020304;
	memcpy(t->alpn, "h2", 2);
	t->alpn_len = 2;
	strcpy(t->sni, "a.example");
	strcpy(t->version, "TLSv1.3");
	strcpy(t->cn, "client1");
	strcpy(t->cipher, "C");
	strcpy(t->sig_alg, "S");
	strcpy(t->key_alg, "EC256");
}

static void test_v1_and_plain_v2(void)
{
	struct sockaddr_in s = v4("192.0.2.1", 4711), d = v4("198.51.100.2", 443);
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6 };
	char hdr[PROXY_HDR_OUT];
	int n;

	n = send_proxy_make(hdr, sizeof(hdr), (struct sockaddr *)&s, (struct sockaddr *)&d, false, 0, NULL);
	CHECK_INT(n, 44);
	CHECK(memcmp(hdr, "PROXY TCP4 192.0.2.1 198.51.100.2 4711 443\r\n", 44) == 0);
	n = send_proxy_make(hdr, sizeof(hdr), (struct sockaddr *)&s6, (struct sockaddr *)&d, false, 0, NULL);
	CHECK(n == 15 && memcmp(hdr, "PROXY UNKNOWN\r\n", 15) == 0);
	/* no options, no TLS: addresses only, as before */
	n = send_proxy_make(hdr, sizeof(hdr), (struct sockaddr *)&s, (struct sockaddr *)&d, true, 0, NULL);
	CHECK_INT(n, 28);
	CHECK(memcmp(hdr, "\r\n\r\n\0\r\nQUIT\n\x21\x11\x00\x0c", 16) == 0);
}

/* Every TLV, in HAProxy's order, with the checksum over the whole header. */
static void test_every_tlv(void)
{
	struct sockaddr_in s = v4("192.0.2.1", 4711), d = v4("198.51.100.2", 443);
	struct send_proxy_tls t;
	uint8_t hdr[PROXY_HDR_OUT], copy[PROXY_HDR_OUT];
	const uint8_t *v;
	unsigned all = PP2_OPT_SSL | PP2_OPT_SSL_CN | PP2_OPT_SSL_CIPHER | PP2_OPT_SSL_SIG |
		PP2_OPT_SSL_KEY | PP2_OPT_AUTHORITY | PP2_OPT_CRC32C;
	size_t off = 28;
	int n;

	tls_full(&t);
	n = send_proxy_make((char *)hdr, sizeof(hdr), (struct sockaddr *)&s, (struct sockaddr *)&d, true, all, &t);
	CHECK_INT((size_t)(hdr[14] << 8 | hdr[15]), n - 16);
	v = tlv_at(hdr, off, 0x03, 4);
	memcpy(copy, hdr, (size_t)n);
	memset(copy + off + 3, 0, 4);
	CHECK_INT((uint32_t)v[0] << 24 | v[1] << 16 | v[2] << 8 | v[3], crc32c(copy, (size_t)n, CRC32C_NO_SKIP));
	off += 7;
	CHECK(memcmp(tlv_at(hdr, off, 0x01, 2), "h2", 2) == 0);
	off += 5;
	CHECK(memcmp(tlv_at(hdr, off, 0x02, 9), "a.example", 9) == 0);
	off += 12;
	/* 5 + version 10 + cn 10 + key 8 + sig 4 + cipher 4 */
	v = tlv_at(hdr, off, 0x20, 41);
	CHECK(memcmp(v, "\x07\x01\x02\x03\x04", 5) == 0);
	off += 8;
	CHECK(memcmp(tlv_at(hdr, off, 0x21, 7), "TLSv1.3", 7) == 0);
	off += 10;
	CHECK(memcmp(tlv_at(hdr, off, 0x22, 7), "client1", 7) == 0);
	off += 10;
	CHECK(memcmp(tlv_at(hdr, off, 0x25, 5), "EC256", 5) == 0);
	off += 8;
	CHECK(memcmp(tlv_at(hdr, off, 0x24, 1), "S", 1) == 0);
	off += 4;
	CHECK(memcmp(tlv_at(hdr, off, 0x23, 1), "C", 1) == 0);
	off += 4;
	CHECK_INT(off, n);
}

/* Facts that do not exist are left out; a plain client still gets the
 * SSL TLV, its flags 0; a resumed session has CERT_SESS only. */
static void test_absent_values(void)
{
	struct sockaddr_in s = v4("192.0.2.1", 1), d = v4("192.0.2.2", 2);
	struct send_proxy_tls t;
	uint8_t hdr[PROXY_HDR_OUT];
	int n;

	n = send_proxy_make((char *)hdr, sizeof(hdr), (struct sockaddr *)&s, (struct sockaddr *)&d, true,
			    PP2_OPT_SSL | PP2_OPT_SSL_CN | PP2_OPT_AUTHORITY, NULL);
	CHECK_INT(n, 28 + 8);
	CHECK(memcmp(tlv_at(hdr, 28, 0x20, 5), "\0\0\0\0\0", 5) == 0);

	memset(&t, 0, sizeof(t));
	t.ssl = t.cert_sess = true;
	strcpy(t.version, "TLSv1.2");
	n = send_proxy_make((char *)hdr, sizeof(hdr), (struct sockaddr *)&s, (struct sockaddr *)&d, true,
			    PP2_OPT_SSL | PP2_OPT_SSL_CN | PP2_OPT_AUTHORITY, &t);
	CHECK_INT(n, 28 + 8 + 10);
	CHECK_INT(tlv_at(hdr, 28, 0x20, 15)[0], 0x05);
}

/* A LOCAL header (families that PROXY cannot carry) keeps its TLVs. */
static void test_local_keeps_tlvs(void)
{
	struct sockaddr_in s = v4("192.0.2.1", 1);
	struct sockaddr_in6 d = { .sin6_family = AF_INET6 };
	struct send_proxy_tls t;
	uint8_t hdr[PROXY_HDR_OUT];
	int n;

	tls_full(&t);
	n = send_proxy_make((char *)hdr, sizeof(hdr), (struct sockaddr *)&s, (struct sockaddr *)&d, true, 0, &t);
	CHECK_INT(n, 16 + 5);
	CHECK(hdr[12] == 0x20 && hdr[13] == 0 && hdr[15] == 5);
	CHECK(memcmp(tlv_at(hdr, 16, 0x01, 2), "h2", 2) == 0);
}

/* Nothing is written past the buffer; a TLV that does not fit is left
 * out whole, the ones after it still go if they fit. */
static void test_bounds(void)
{
	struct sockaddr_in s = v4("192.0.2.1", 1), d = v4("192.0.2.2", 2);
	struct send_proxy_tls t;
	uint8_t hdr[PROXY_HDR_OUT + 16];
	int n;

	tls_full(&t);
	memset(t.cn, 'x', sizeof(t.cn) - 1);
	memset(t.sni, 'y', sizeof(t.sni) - 1);
	memset(hdr, 0xee, sizeof(hdr));
	/* 28 + authority 258 + SSL 8 + version 10: the CN (258) does not fit
	 * in 400 bytes, the cipher does */
	n = send_proxy_make((char *)hdr, 400, (struct sockaddr *)&s, (struct sockaddr *)&d, true,
			    PP2_OPT_SSL | PP2_OPT_SSL_CN | PP2_OPT_SSL_CIPHER | PP2_OPT_AUTHORITY, &t);
	CHECK(n <= 400);
	CHECK_INT(n, 28 + 5 + 258 + 8 + 10 + 4);
	CHECK_INT(hdr[400], 0xee);
	CHECK_INT(tlv_at(hdr, 28 + 5 + 258, 0x20, 5 + 10 + 4)[5], 0x21);
	/* the largest header fits PROXY_HDR_OUT */
	memset(t.cipher, 'c', sizeof(t.cipher) - 1);
	memset(t.sig_alg, 's', sizeof(t.sig_alg) - 1);
	memset(t.key_alg, 'k', sizeof(t.key_alg) - 1);
	memset(t.version, 'v', sizeof(t.version) - 1);
	t.alpn_len = 255;
	n = send_proxy_make((char *)hdr, PROXY_HDR_OUT, (struct sockaddr *)&s, (struct sockaddr *)&d, true,
			    0x7f, &t);
	CHECK(n > 0 && n <= PROXY_HDR_OUT);
	CHECK_INT(hdr[PROXY_HDR_OUT], 0xee);
	CHECK_INT((size_t)(hdr[14] << 8 | hdr[15]), n - 16);
}

static void test_options_words(void)
{
	char err[256];
	unsigned o = 0;

	CHECK_INT(send_proxy_parse_options("ssl", &o, err, sizeof(err)), 0);
	CHECK_INT(o, PP2_OPT_SSL);
	o = 0;
	CHECK_INT(send_proxy_parse_options("cert-cn,cert-key,cert-sig,ssl-cipher,authority,crc32c", &o, err,
					   sizeof(err)), 0);
	CHECK_INT(o, 0x7f);
	CHECK_INT(send_proxy_parse_options("ssl,bogus", &o, err, sizeof(err)), -EINVAL);
	CHECK_STR(err, "'bogus' : proxy v2 option not implemented.");
	CHECK_INT(send_proxy_parse_options(",ssl", &o, err, sizeof(err)), -EINVAL);
	CHECK_STR(err, "'' : proxy v2 option not implemented.");
	CHECK_INT(send_proxy_parse_options("sslx", &o, err, sizeof(err)), -EINVAL);
	CHECK_STR(err, "'sslx' : proxy v2 option not implemented.");
	CHECK_INT(send_proxy_parse_options("unique-id", &o, err, sizeof(err)), -EINVAL);
	CHECK_STR(err, "'proxy-v2-options unique-id' is not supported by vigil-proxy yet.");
}

int main(void)
{
	RUN(test_v1_and_plain_v2);
	RUN(test_every_tlv);
	RUN(test_absent_values);
	RUN(test_local_keeps_tlvs);
	RUN(test_bounds);
	RUN(test_options_words);
	UNIT_DONE();
}

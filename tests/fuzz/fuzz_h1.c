/* Fuzz the HTTP/1 parser: the input is parsed as a request and as a
 * response with several buffer sizes and header limits, then whatever
 * follows the head is fed to the chunked validator in pieces whose sizes
 * come from the input. Nothing may crash or read out of bounds, and every
 * span the parser returns must lie inside the head. Seeds:
 * tests/fuzz/seeds/fuzz_h1/. */
#include "proxy/h1.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct h1_hdr hdrs[H1_MAX_HDRS_LIMIT];

static void check_span(struct h1_span s, uint32_t head_len)
{
	if ((uint64_t)s.off + s.len > head_len)
		abort();
}

static void check_msg(const struct h1_msg *m)
{
	check_span(m->method, m->head_len);
	check_span(m->uri, m->head_len);
	check_span(m->version, m->head_len);
	check_span(m->reason, m->head_len);
	if (m->nhdrs < 0 || m->nhdrs > m->maxhdr || m->host_idx >= m->nhdrs)
		abort();
	for (int i = 0; i < m->nhdrs; i++) {
		check_span(m->hdrs[i].name, m->head_len);
		check_span(m->hdrs[i].value, m->head_len);
		if (m->hdrs[i].name.len == 0)
			abort();
	}
}

/* Feeds p[0..n) in pieces of 1..16 bytes chosen by the bytes themselves;
 * the whole-buffer result must match. */
static void feed_body(const char *p, size_t n)
{
	struct h1_chunk_state st, whole;
	enum h1_error err, werr;
	bool done = false, wdone;
	ssize_t wr;
	size_t off = 0;
	int rc_split = 0;

	h1_chunk_init(&whole);
	wr = h1_chunk_feed(&whole, p, n, &wdone, &werr);
	h1_chunk_init(&st);
	while (off < n && !done) {
		size_t piece = 1 + (unsigned char)p[off] % 16;
		ssize_t r;

		if (piece > n - off)
			piece = n - off;
		r = h1_chunk_feed(&st, p + off, piece, &done, &err);
		if (r < 0) {
			rc_split = -1;
			break;
		}
		if ((size_t)r > piece || (!done && (size_t)r != piece))
			abort();
		off += (size_t)r;
	}
	/* any split gives the same verdict, and the same length when done */
	if ((wr < 0) != (rc_split < 0))
		abort();
	if (wr < 0 && err != werr)
		abort();
	if (wr >= 0 && (wdone != done || (done && (size_t)wr != off)))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t bufsizes[] = { 16384, 1024, 64 };
	static const int maxhdrs[] = { 101, 4, 0 };
	const char *buf = (const char *)data;

	for (size_t i = 0; i < sizeof(bufsizes) / sizeof(bufsizes[0]); i++) {
		struct h1_msg m;
		enum h1_error err;
		size_t pos, len = size < bufsizes[i] ? size : bufsizes[i];
		int rc;

		memset(&m, 0, sizeof(m));
		m.hdrs = hdrs;
		m.maxhdr = maxhdrs[i];
		rc = h1_parse_request(buf, len, bufsizes[i], &m, &err, &pos);
		if (rc < 0 && (err == H1_OK || pos > len))
			abort();
		if (rc > 0) {
			if (m.head_len > len)
				abort();
			check_msg(&m);
			if (m.body == H1_BODY_CHUNKED)
				feed_body(buf + m.head_len, size - m.head_len);
		}

		memset(&m, 0, sizeof(m));
		m.hdrs = hdrs;
		m.maxhdr = maxhdrs[i];
		rc = h1_parse_response(buf, len, bufsizes[i], size & 1, size & 2, &m, &err, &pos);
		if (rc < 0 && (err == H1_OK || pos > len))
			abort();
		if (rc > 0) {
			if (m.head_len > len)
				abort();
			check_msg(&m);
			feed_body(buf + m.head_len, size - m.head_len);
		}
	}
	/* the input as a bare chunked body too */
	feed_body(buf, size);
	return 0;
}

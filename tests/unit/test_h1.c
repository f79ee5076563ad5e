/* Tests for src/proxy/h1.c: a table of malformed and ambiguous requests,
 * each with the error it must be refused with; valid requests and
 * responses with their parsed fields, each also fed in every two-part
 * split; chunked bodies fed whole, split in two everywhere and byte by
 * byte.
 *
 * `test_h1 --dump-bad-requests` prints the table of refused requests, one
 * JSON object per line, for the integration test that replays it against
 * the running proxy (each must get a 400):
 *   {"name": "...", "request": "...", "part": "head"|"body", "error": "H1_ERR_..."}
 * "request" holds one character per byte (U+0000..U+00FF: encode it as
 * latin-1 to get the bytes). "part" says whether the head or the chunked
 * body is at fault.
 */
#include "unit.h"
#include "proxy/h1.h"

#include <stdbool.h>
#include <stdint.h>

#define BUFSIZE  16384      /* tune.bufsize default */
#define MAXHDR   101        /* tune.http.maxhdr default */

/* Building blocks for the oversized requests. */
#define X8    "xxxxxxxx"
#define X64   X8 X8 X8 X8 X8 X8 X8 X8
#define X1K   X64 X64 X64 X64 X64 X64 X64 X64 X64 X64 X64 X64 X64 X64 X64 X64
#define X16K  X1K X1K X1K X1K X1K X1K X1K X1K X1K X1K X1K X1K X1K X1K X1K X1K
#define H10   "A: 1\r\nB: 1\r\nC: 1\r\nD: 1\r\nE: 1\r\nF: 1\r\nG: 1\r\nH: 1\r\nI: 1\r\nJ: 1\r\n"
#define H100  H10 H10 H10 H10 H10 H10 H10 H10 H10 H10

#define RQ(line, hdrs) line "\r\nHost: example.com\r\n" hdrs "\r\n"
#define POST_TE(hdrs, body) "POST / HTTP/1.1\r\nHost: a\r\n" hdrs "Transfer-Encoding: chunked\r\n\r\n" body

struct bad_req {
	const char *name;
	const char *req;
	size_t len;
	enum h1_error err;
};

#define BAD(n, s, e) { n, s, sizeof(s) - 1, e }

static const struct bad_req bad_reqs[] = {
	/* request line */
	BAD("method_bad_char", RQ("GE(T / HTTP/1.1", ""), H1_ERR_METHOD),
	BAD("method_empty", RQ(" / HTTP/1.1", ""), H1_ERR_METHOD),
	BAD("method_tab_separator", RQ("GET\t/ HTTP/1.1", ""), H1_ERR_METHOD),
	BAD("method_nul", RQ("GE\0T / HTTP/1.1", ""), H1_ERR_METHOD),
	BAD("method_high_bit", RQ("G\xc9T / HTTP/1.1", ""), H1_ERR_METHOD),
	BAD("double_space_before_target", RQ("GET  / HTTP/1.1", ""), H1_ERR_URI),
	BAD("double_space_before_version", RQ("GET /  HTTP/1.1", ""), H1_ERR_URI),
	BAD("target_space", RQ("GET /a b HTTP/1.1", ""), H1_ERR_URI),
	BAD("target_tab", RQ("GET /a\tb HTTP/1.1", ""), H1_ERR_URI),
	BAD("target_ctl", RQ("GET /a\x01" "b HTTP/1.1", ""), H1_ERR_URI),
	BAD("target_nul", RQ("GET /a\0b HTTP/1.1", ""), H1_ERR_URI),
	BAD("target_del", RQ("GET /\x7f HTTP/1.1", ""), H1_ERR_URI),
	BAD("target_high_bit", RQ("GET /caf\xc3\xa9 HTTP/1.1", ""), H1_ERR_URI),
	BAD("target_fragment", RQ("GET /admin#x HTTP/1.1", ""), H1_ERR_URI),
	BAD("target_bad_percent", RQ("GET /%zz HTTP/1.1", ""), H1_ERR_URI),
	BAD("target_truncated_percent", RQ("GET /a% HTTP/1.1", ""), H1_ERR_URI),
	BAD("target_relative", RQ("GET foo HTTP/1.1", ""), H1_ERR_URI),
	BAD("target_asterisk_get", RQ("GET * HTTP/1.1", ""), H1_ERR_URI),
	BAD("target_asterisk_path", RQ("OPTIONS */x HTTP/1.1", ""), H1_ERR_URI),
	BAD("target_authority_get", RQ("GET example.com:80 HTTP/1.1", ""), H1_ERR_URI),
	BAD("target_absolute_no_authority", RQ("GET http:///x HTTP/1.1", ""), H1_ERR_URI),
	BAD("target_absolute_bad_scheme", RQ("GET 1http://a/ HTTP/1.1", ""), H1_ERR_URI),
	BAD("connect_origin_form", RQ("CONNECT / HTTP/1.1", ""), H1_ERR_URI),
	BAD("connect_without_port", RQ("CONNECT example.com HTTP/1.1", ""), H1_ERR_URI),
	BAD("http_0_9", "GET /\r\n\r\n", H1_ERR_VERSION),
	BAD("http_2_0", RQ("GET / HTTP/2.0", ""), H1_ERR_VERSION),
	BAD("http_1_2", RQ("GET / HTTP/1.2", ""), H1_ERR_VERSION),
	BAD("http_0_9_version", RQ("GET / HTTP/0.9", ""), H1_ERR_VERSION),
	BAD("version_lowercase", RQ("GET / http/1.1", ""), H1_ERR_VERSION),
	BAD("version_trailing_space", RQ("GET / HTTP/1.1 ", ""), H1_ERR_VERSION),
	BAD("version_leading_zero", RQ("GET / HTTP/01.1", ""), H1_ERR_VERSION),
	/* line endings */
	BAD("bare_lf_request_line", "GET / HTTP/1.1\nHost: a\r\n\r\n", H1_ERR_BARE_LF),
	BAD("bare_lf_header", "GET / HTTP/1.1\r\nHost: a\nX: y\r\n\r\n", H1_ERR_BARE_LF),
	BAD("bare_lf_end_of_head", "GET / HTTP/1.1\r\nHost: a\r\n\n", H1_ERR_BARE_LF),
	BAD("bare_lf_leading_line", "\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", H1_ERR_BARE_LF),
	BAD("bare_cr_request_line", "GET / HTTP/1.1\rX\r\nHost: a\r\n\r\n", H1_ERR_BARE_CR),
	BAD("bare_cr_header_name", "GET / HTTP/1.1\r\nHost: a\r\nX\rY: z\r\n\r\n", H1_ERR_BARE_CR),
	BAD("bare_cr_end_of_head", "GET / HTTP/1.1\r\nHost: a\r\n\r\r\n", H1_ERR_BARE_CR),
	/* header names */
	BAD("name_space_inside", RQ("GET / HTTP/1.1", "Foo Bar: x\r\n"), H1_ERR_HDR_NAME),
	BAD("name_empty", RQ("GET / HTTP/1.1", ": x\r\n"), H1_ERR_HDR_NAME),
	BAD("name_no_colon", RQ("GET / HTTP/1.1", "Foo\r\n"), H1_ERR_HDR_NAME),
	BAD("name_nul", RQ("GET / HTTP/1.1", "X\0Y: z\r\n"), H1_ERR_HDR_NAME),
	BAD("name_high_bit", RQ("GET / HTTP/1.1", "X\xff: z\r\n"), H1_ERR_HDR_NAME),
	BAD("name_separator", RQ("GET / HTTP/1.1", "X(y): z\r\n"), H1_ERR_HDR_NAME),
	BAD("space_before_colon", RQ("GET / HTTP/1.1", "Transfer-Encoding : chunked\r\n"), H1_ERR_SPACE_COLON),
	BAD("tab_before_colon", RQ("GET / HTTP/1.1", "Content-Length\t: 5\r\n"), H1_ERR_SPACE_COLON),
	BAD("obs_fold_space", RQ("GET / HTTP/1.1", "X: a\r\n b\r\n"), H1_ERR_OBS_FOLD),
	BAD("obs_fold_tab", RQ("GET / HTTP/1.1", "X: a\r\n\tb\r\n"), H1_ERR_OBS_FOLD),
	BAD("obs_fold_first_line", "GET / HTTP/1.1\r\n Host: a\r\n\r\n", H1_ERR_OBS_FOLD),
	BAD("obs_fold_transfer_encoding", RQ("POST / HTTP/1.1", "Transfer-Encoding:\r\n chunked\r\n"), H1_ERR_OBS_FOLD),
	/* header values */
	BAD("value_nul", RQ("GET / HTTP/1.1", "X: a\0b\r\n"), H1_ERR_HDR_VALUE),
	BAD("value_ctl_01", RQ("GET / HTTP/1.1", "X: a\x01" "b\r\n"), H1_ERR_HDR_VALUE),
	BAD("value_escape", RQ("GET / HTTP/1.1", "X: \x1b[31m\r\n"), H1_ERR_HDR_VALUE),
	BAD("value_del", RQ("GET / HTTP/1.1", "X: a\x7f\r\n"), H1_ERR_HDR_VALUE),
	BAD("value_bare_cr", RQ("GET / HTTP/1.1", "X: a\rb\r\n"), H1_ERR_HDR_VALUE),
	BAD("value_vertical_tab_te", RQ("POST / HTTP/1.1", "Transfer-Encoding:\x0b" "chunked\r\n"), H1_ERR_HDR_VALUE),
	BAD("value_form_feed_cl", RQ("POST / HTTP/1.1", "Content-Length: 5\x0c\r\n"), H1_ERR_HDR_VALUE),
	/* Content-Length */
	BAD("cl_not_number", RQ("POST / HTTP/1.1", "Content-Length: abc\r\n"), H1_ERR_CL_INVALID),
	BAD("cl_negative", RQ("POST / HTTP/1.1", "Content-Length: -1\r\n"), H1_ERR_CL_INVALID),
	BAD("cl_plus_sign", RQ("POST / HTTP/1.1", "Content-Length: +5\r\n"), H1_ERR_CL_INVALID),
	BAD("cl_hex", RQ("POST / HTTP/1.1", "Content-Length: 0x5\r\n"), H1_ERR_CL_INVALID),
	BAD("cl_empty", RQ("POST / HTTP/1.1", "Content-Length:\r\n"), H1_ERR_CL_INVALID),
	BAD("cl_space_inside", RQ("POST / HTTP/1.1", "Content-Length: 1 2\r\n"), H1_ERR_CL_INVALID),
	BAD("cl_decimal", RQ("POST / HTTP/1.1", "Content-Length: 5.0\r\n"), H1_ERR_CL_INVALID),
	BAD("cl_overflow", RQ("POST / HTTP/1.1", "Content-Length: 99999999999999999999999\r\n"), H1_ERR_CL_INVALID),
	BAD("cl_overflow_2_64", RQ("POST / HTTP/1.1", "Content-Length: 18446744073709551621\r\n"), H1_ERR_CL_INVALID),
	BAD("cl_list_empty_element", RQ("POST / HTTP/1.1", "Content-Length: 5,\r\n"), H1_ERR_CL_INVALID),
	BAD("cl_list_leading_comma", RQ("POST / HTTP/1.1", "Content-Length: ,5\r\n"), H1_ERR_CL_INVALID),
	BAD("cl_two_differing", RQ("POST / HTTP/1.1", "Content-Length: 5\r\nContent-Length: 6\r\n"), H1_ERR_CL_MULTIPLE),
	BAD("cl_list_differing", RQ("POST / HTTP/1.1", "Content-Length: 5, 6\r\n"), H1_ERR_CL_MULTIPLE),
	BAD("cl_zero_then_length", RQ("POST / HTTP/1.1", "Content-Length: 0\r\nContent-Length: 44\r\n"), H1_ERR_CL_MULTIPLE),
	/* Transfer-Encoding */
	BAD("te_gzip_only", RQ("POST / HTTP/1.1", "Transfer-Encoding: gzip\r\n"), H1_ERR_TE_INVALID),
	BAD("te_chunked_then_gzip", RQ("POST / HTTP/1.1", "Transfer-Encoding: chunked, gzip\r\n"), H1_ERR_TE_INVALID),
	BAD("te_chunked_twice", RQ("POST / HTTP/1.1", "Transfer-Encoding: chunked, chunked\r\n"), H1_ERR_TE_INVALID),
	BAD("te_two_headers", RQ("POST / HTTP/1.1", "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n"), H1_ERR_TE_INVALID),
	BAD("te_chunked_then_header_gzip", RQ("POST / HTTP/1.1", "Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n"), H1_ERR_TE_INVALID),
	BAD("te_trailing_comma", RQ("POST / HTTP/1.1", "Transfer-Encoding: chunked,\r\n"), H1_ERR_TE_INVALID),
	BAD("te_leading_comma", RQ("POST / HTTP/1.1", "Transfer-Encoding: , chunked\r\n"), H1_ERR_TE_INVALID),
	BAD("te_identity", RQ("POST / HTTP/1.1", "Transfer-Encoding: identity\r\n"), H1_ERR_TE_INVALID),
	BAD("te_unknown_coding", RQ("POST / HTTP/1.1", "Transfer-Encoding: xchunked\r\n"), H1_ERR_TE_INVALID),
	BAD("te_unknown_before_chunked", RQ("POST / HTTP/1.1", "Transfer-Encoding: foo, chunked\r\n"), H1_ERR_TE_INVALID),
	BAD("te_space_inside", RQ("POST / HTTP/1.1", "Transfer-Encoding: chun ked\r\n"), H1_ERR_TE_INVALID),
	BAD("te_quoted", RQ("POST / HTTP/1.1", "Transfer-Encoding: \"chunked\"\r\n"), H1_ERR_TE_INVALID),
	BAD("te_parameter", RQ("POST / HTTP/1.1", "Transfer-Encoding: chunked;q=1\r\n"), H1_ERR_TE_INVALID),
	BAD("te_empty", RQ("POST / HTTP/1.1", "Transfer-Encoding:\r\n"), H1_ERR_TE_INVALID),
	BAD("te_and_cl_te_invalid", RQ("POST / HTTP/1.1", "Content-Length: 5\r\nTransfer-Encoding: gzip\r\n"), H1_ERR_TE_INVALID),
	/* Host */
	BAD("host_missing", "GET / HTTP/1.1\r\nX: y\r\n\r\n", H1_ERR_HOST_MISSING),
	BAD("host_missing_absolute_form", "GET http://a/ HTTP/1.1\r\n\r\n", H1_ERR_HOST_MISSING),
	BAD("host_twice", RQ("GET / HTTP/1.1", "Host: example.com\r\n"), H1_ERR_HOST_INVALID),
	BAD("host_twice_differing", RQ("GET / HTTP/1.1", "Host: evil.com\r\n"), H1_ERR_HOST_INVALID),
	BAD("host_space", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", H1_ERR_HOST_INVALID),
	BAD("host_slash", "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", H1_ERR_HOST_INVALID),
	BAD("host_userinfo", "GET / HTTP/1.1\r\nHost: user@a\r\n\r\n", H1_ERR_HOST_INVALID),
	BAD("host_bad_port", "GET / HTTP/1.1\r\nHost: a:80x\r\n\r\n", H1_ERR_HOST_INVALID),
	BAD("host_port_too_big", "GET / HTTP/1.1\r\nHost: a:65536\r\n\r\n", H1_ERR_HOST_INVALID),
	BAD("host_two_ports", "GET / HTTP/1.1\r\nHost: a:80:80\r\n\r\n", H1_ERR_HOST_INVALID),
	BAD("host_bad_ipv6", "GET / HTTP/1.1\r\nHost: [zz::1]\r\n\r\n", H1_ERR_HOST_INVALID),
	BAD("host_unclosed_ipv6", "GET / HTTP/1.1\r\nHost: [::1\r\n\r\n", H1_ERR_HOST_INVALID),
	BAD("host_list", "GET / HTTP/1.1\r\nHost: a, b\r\n\r\n", H1_ERR_HOST_INVALID),
	BAD("host_http10_invalid", "GET / HTTP/1.0\r\nHost: a b\r\n\r\n", H1_ERR_HOST_INVALID),
	/* sizes */
	BAD("too_many_headers", RQ("GET / HTTP/1.1", H100 H10), H1_ERR_TOO_MANY_HDRS),
	BAD("head_too_large", RQ("GET / HTTP/1.1", "X: " X16K "\r\n"), H1_ERR_TOO_LARGE),
	BAD("request_line_too_large", RQ("GET /" X16K " HTTP/1.1", ""), H1_ERR_TOO_LARGE),
	/* chunked bodies */
	BAD("chunk_size_not_hex", POST_TE("", "zz\r\nhello\r\n0\r\n\r\n"), H1_ERR_CHUNK_SIZE),
	BAD("chunk_size_empty", POST_TE("", "\r\nhello\r\n0\r\n\r\n"), H1_ERR_CHUNK_SIZE),
	BAD("chunk_size_negative", POST_TE("", "-5\r\nhello\r\n0\r\n\r\n"), H1_ERR_CHUNK_SIZE),
	BAD("chunk_size_0x", POST_TE("", "0x5\r\nhello\r\n0\r\n\r\n"), H1_ERR_CHUNK_SIZE),
	BAD("chunk_size_leading_space", POST_TE("", " 5\r\nhello\r\n0\r\n\r\n"), H1_ERR_CHUNK_SIZE),
	BAD("chunk_size_trailing_space", POST_TE("", "5 \r\nhello\r\n0\r\n\r\n"), H1_ERR_CHUNK_SIZE),
	BAD("chunk_size_17_digits", POST_TE("", "10000000000000000\r\nx\r\n0\r\n\r\n"), H1_ERR_CHUNK_SIZE),
	BAD("chunk_size_2_64", POST_TE("", "ffffffffffffffff\r\nx\r\n0\r\n\r\n"), H1_ERR_CHUNK_SIZE),
	BAD("chunk_ext_ctl", POST_TE("", "5;a\x01\r\nhello\r\n0\r\n\r\n"), H1_ERR_CHUNK_SIZE),
	BAD("chunk_ext_empty_name", POST_TE("", "5;=x\r\nhello\r\n0\r\n\r\n"), H1_ERR_CHUNK_SIZE),
	BAD("chunk_ext_unterminated_quote", POST_TE("", "5;a=\"x\r\nhello\r\n0\r\n\r\n"), H1_ERR_CHUNK_SIZE),
	BAD("chunk_size_bare_lf", POST_TE("", "5\nhello\r\n0\r\n\r\n"), H1_ERR_CHUNK_CRLF),
	BAD("chunk_size_bare_cr", POST_TE("", "5\rhello\r\n0\r\n\r\n"), H1_ERR_CHUNK_CRLF),
	BAD("chunk_data_bare_lf", POST_TE("", "5\r\nhello\n0\r\n\r\n"), H1_ERR_CHUNK_CRLF),
	BAD("chunk_data_too_long", POST_TE("", "3\r\nhello\r\n0\r\n\r\n"), H1_ERR_CHUNK_CRLF),
	BAD("chunk_data_no_crlf", POST_TE("", "5\r\nhello0\r\n\r\n"), H1_ERR_CHUNK_CRLF),
	BAD("chunk_last_bare_lf", POST_TE("", "0\r\n\n"), H1_ERR_CHUNK_CRLF),
	BAD("trailer_space_in_name", POST_TE("", "0\r\nX Y: z\r\n\r\n"), H1_ERR_TRAILER),
	BAD("trailer_space_before_colon", POST_TE("", "0\r\nX : z\r\n\r\n"), H1_ERR_TRAILER),
	BAD("trailer_obs_fold", POST_TE("", "0\r\nX: a\r\n b\r\n\r\n"), H1_ERR_TRAILER),
	BAD("trailer_nul", POST_TE("", "0\r\nX: a\0b\r\n\r\n"), H1_ERR_TRAILER),
	BAD("trailer_no_colon", POST_TE("", "0\r\nX\r\n\r\n"), H1_ERR_TRAILER),
	BAD("trailer_bare_lf", POST_TE("", "0\r\nX: y\n\r\n"), H1_ERR_TRAILER),
	BAD("te_10_bad_chunk", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\n0\r\n\r\n", H1_ERR_CHUNK_CRLF),
	BAD("te_cl_bad_chunk", POST_TE("Content-Length: 5\r\n", "5\r\nhello\r\n0\r\n\n"), H1_ERR_CHUNK_CRLF),
};

#define NBAD (sizeof(bad_reqs) / sizeof(bad_reqs[0]))

static const char *const err_names[] = {
	"H1_OK", "H1_ERR_TOO_LARGE", "H1_ERR_TOO_MANY_HDRS", "H1_ERR_METHOD", "H1_ERR_URI",
	"H1_ERR_VERSION", "H1_ERR_STATUS", "H1_ERR_HDR_NAME", "H1_ERR_HDR_VALUE",
	"H1_ERR_SPACE_COLON", "H1_ERR_OBS_FOLD", "H1_ERR_BARE_CR", "H1_ERR_BARE_LF",
	"H1_ERR_CL_INVALID", "H1_ERR_CL_MULTIPLE", "H1_ERR_TE_INVALID", "H1_ERR_TE_CL_10",
	"H1_ERR_HOST_MISSING", "H1_ERR_HOST_INVALID", "H1_ERR_CHUNK_SIZE", "H1_ERR_CHUNK_CRLF",
	"H1_ERR_TRAILER",
};

static const char *err_name(enum h1_error e)
{
	return (unsigned)e < sizeof(err_names) / sizeof(err_names[0]) ? err_names[e] : "?";
}

/* ---- running a request: head, then a chunked body ------------------------- */

enum outcome_kind { OUT_INCOMPLETE, OUT_OK, OUT_HEAD_ERR, OUT_BODY_ERR };

struct outcome {
	enum outcome_kind kind;
	enum h1_error err;
};

static struct h1_hdr hdr_store[H1_MAX_HDRS_LIMIT];

static struct h1_msg new_msg(int maxhdr)
{
	struct h1_msg m;

	memset(&m, 0xa5, sizeof(m));    /* the parser must not rely on a clean struct */
	m.hdrs = hdr_store;
	m.maxhdr = maxhdr;
	return m;
}

/* Feeds a chunked body in pieces of `step` bytes (0: whole). */
static struct outcome feed_chunked(const char *p, size_t len, size_t step, size_t *consumed)
{
	struct outcome o = { OUT_INCOMPLETE, H1_OK };
	struct h1_chunk_state st;
	size_t off = 0;
	bool done = false;

	h1_chunk_init(&st);
	*consumed = 0;
	while (off < len && !done) {
		size_t n = step && step < len - off ? step : len - off;
		ssize_t r = h1_chunk_feed(&st, p + off, n, &done, &o.err);

		if (r < 0) {
			o.kind = OUT_BODY_ERR;
			return o;
		}
		CHECK((size_t)r <= n);
		CHECK(done || (size_t)r == n);
		off += (size_t)r;
	}
	*consumed = off;
	o.kind = done ? OUT_OK : OUT_INCOMPLETE;
	return o;
}

static struct outcome run_request(const char *req, size_t len, size_t step)
{
	struct h1_msg m = new_msg(MAXHDR);
	struct outcome o = { OUT_INCOMPLETE, H1_OK };
	size_t pos, consumed;
	int rc = h1_parse_request(req, len < BUFSIZE ? len : BUFSIZE, BUFSIZE, &m, &o.err, &pos);

	if (rc < 0) {
		o.kind = OUT_HEAD_ERR;
		return o;
	}
	if (rc == 0)
		return o;
	if (m.body != H1_BODY_CHUNKED) {
		o.kind = OUT_OK;
		return o;
	}
	return feed_chunked(req + m.head_len, len - m.head_len, step, &consumed);
}

static void test_bad_requests(void)
{
	int failed = 0;

	CHECK(NBAD >= 40);
	for (size_t i = 0; i < NBAD; i++) {
		const struct bad_req *b = &bad_reqs[i];
		struct outcome o = run_request(b->req, b->len, 0), ob = run_request(b->req, b->len, 1);

		if ((o.kind != OUT_HEAD_ERR && o.kind != OUT_BODY_ERR) || o.err != b->err) {
			fprintf(stderr, "  %s: got kind %d %s, expected %s\n", b->name, o.kind,
				err_name(o.err), err_name(b->err));
			failed++;
		} else if (ob.kind != o.kind || ob.err != o.err) {
			fprintf(stderr, "  %s: byte by byte gives %d %s\n", b->name, ob.kind, err_name(ob.err));
			failed++;
		}
	}
	CHECK_INT(failed, 0);
}

/* A prefix of a refused head is either incomplete or refused for the same
 * reason: nothing before the offending byte changes the verdict. */
static void test_bad_requests_prefixes(void)
{
	for (size_t i = 0; i < NBAD; i++) {
		const struct bad_req *b = &bad_reqs[i];
		size_t max = b->len < BUFSIZE ? b->len : BUFSIZE, step = max > 2048 ? 97 : 1;

		for (size_t k = 1; k < max; k += step) {
			struct h1_msg m = new_msg(MAXHDR);
			enum h1_error err;
			size_t pos;
			int rc = h1_parse_request(b->req, k, BUFSIZE, &m, &err, &pos);

			if (rc < 0 && err != b->err && b->err != H1_ERR_TOO_LARGE) {
				fprintf(stderr, "  %s: prefix %zu gives %s\n", b->name, k, err_name(err));
				CHECK(0);
			}
			CHECK(rc <= 0 || m.head_len <= k);
			CHECK(rc >= 0 || pos <= k);
		}
	}
}

static void test_error_positions(void)
{
	static const struct { const char *req; size_t pos; } cases[] = {
		{ "GET / HTTP/1.1\r\nHost: a\r\nX : y\r\n\r\n", 26 },
		{ "GET /a b HTTP/1.1\r\nHost: a\r\n\r\n", 6 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nX: a\x01\r\n\r\n", 29 },
		{ "GET / HTTP/1.1\nHost: a\r\n\r\n", 14 },
		{ "GE(T / HTTP/1.1\r\n\r\n", 2 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 6\r\n\r\n", 44 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 53 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct h1_msg m = new_msg(MAXHDR);
		enum h1_error err;
		size_t pos = 999;

		CHECK_INT(h1_parse_request(cases[i].req, strlen(cases[i].req), BUFSIZE, &m, &err, &pos), -1);
		CHECK_INT(pos, cases[i].pos);
	}
}

/* ---- valid requests --------------------------------------------------------- */

struct good_req {
	const char *name;
	const char *head;       /* the head, through the empty line */
	size_t head_len;
	const char *method, *uri;
	int minor;
	const char *hdrs;       /* "name: value\n" for each header, NULL: not checked */
	enum h1_body body;
	uint64_t cl;
	unsigned flags;
	int host_idx;
};

#define GOOD(n, h, me, u, mi, hd, b, cl, f, hi) { n, h, sizeof(h) - 1, me, u, mi, hd, b, cl, f, hi }
#define HH H1_F_HAS_HOST

static const struct good_req good_reqs[] = {
	GOOD("get_simple", "GET /index.html?a=1&b=%20 HTTP/1.1\r\nHost: example.com\r\nUser-Agent: t/1\r\n\r\n",
	     "GET", "/index.html?a=1&b=%20", 1, "Host: example.com\nUser-Agent: t/1\n", H1_BODY_NONE, 0, HH, 0),
	GOOD("origin_form_all_chars", "GET /a-._~!$&'()*+,;=:@/?q=[x]{y}|^`\"<>\\ HTTP/1.1\r\nHost: a\r\n\r\n",
	     "GET", "/a-._~!$&'()*+,;=:@/?q=[x]{y}|^`\"<>\\", 1, "Host: a\n", H1_BODY_NONE, 0, HH, 0),
	GOOD("post_length", "POST /f HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n",
	     "POST", "/f", 1, "Host: a\nContent-Length: 5\n", H1_BODY_LENGTH, 5, HH, 0),
	GOOD("post_length_zero", "POST /f HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n",
	     "POST", "/f", 1, NULL, H1_BODY_LENGTH, 0, HH, 0),
	GOOD("cl_ows", "POST /f HTTP/1.1\r\nHost: a\r\nContent-Length: \t 5 \t\r\n\r\n",
	     "POST", "/f", 1, "Host: a\nContent-Length: 5\n", H1_BODY_LENGTH, 5, HH, 0),
	GOOD("cl_leading_zeros", "POST /f HTTP/1.1\r\nHost: a\r\nContent-Length: 007\r\n\r\n",
	     "POST", "/f", 1, NULL, H1_BODY_LENGTH, 7, HH, 0),
	GOOD("cl_identical_list", "POST /f HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\n",
	     "POST", "/f", 1, NULL, H1_BODY_LENGTH, 5, HH, 0),
	GOOD("cl_identical_headers", "POST /f HTTP/1.1\r\nContent-Length: 5\r\nHost: a\r\nContent-Length: 5\r\n\r\n",
	     "POST", "/f", 1, NULL, H1_BODY_LENGTH, 5, HH, 1),
	GOOD("cl_large", "PUT /f HTTP/1.1\r\nHost: a\r\nContent-Length: 1099511627776\r\n\r\n",
	     "PUT", "/f", 1, NULL, H1_BODY_LENGTH, 1099511627776ULL, HH, 0),
	GOOD("content_length_underscore", "POST /f HTTP/1.1\r\nHost: a\r\nContent_Length: 5\r\n\r\n",
	     "POST", "/f", 1, "Host: a\nContent_Length: 5\n", H1_BODY_NONE, 0, HH, 0),
	GOOD("chunked", "POST /f HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n",
	     "POST", "/f", 1, NULL, H1_BODY_CHUNKED, 0, HH, 0),
	GOOD("chunked_case", "POST /f HTTP/1.1\r\nHost: a\r\ntransfer-encoding: CHUNKED\r\n\r\n",
	     "POST", "/f", 1, NULL, H1_BODY_CHUNKED, 0, HH, 0),
	GOOD("gzip_then_chunked", "POST /f HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
	     "POST", "/f", 1, NULL, H1_BODY_CHUNKED, 0, HH, 0),
	GOOD("gzip_then_chunked_two_headers", "POST /f HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n",
	     "POST", "/f", 1, NULL, H1_BODY_CHUNKED, 0, HH, 0),
	GOOD("te_and_cl", "POST /f HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\nTransfer-Encoding: chunked\r\n\r\n",
	     "POST", "/f", 1, NULL, H1_BODY_CHUNKED, 0, HH | H1_F_DROP_CL | H1_F_CONN_CLOSE, 0),
	GOOD("te_http10", "POST /f HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
	     "POST", "/f", 0, NULL, H1_BODY_CHUNKED, 0, H1_F_TE_10 | H1_F_CONN_CLOSE, -1),
	GOOD("te_cl_http10", "POST /f HTTP/1.0\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n",
	     "POST", "/f", 0, NULL, H1_BODY_CHUNKED, 0,
	     H1_F_TE_10 | H1_F_CONN_CLOSE | H1_F_DROP_CL | H1_F_CONN_KA, -1),
	GOOD("http10_close", "GET / HTTP/1.0\r\n\r\n", "GET", "/", 0, "", H1_BODY_NONE, 0, H1_F_CONN_CLOSE, -1),
	GOOD("http10_keep_alive", "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\nHost: a\r\n\r\n",
	     "GET", "/", 0, NULL, H1_BODY_NONE, 0, H1_F_CONN_KA | HH, 1),
	GOOD("http11_close", "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
	     "GET", "/", 1, NULL, H1_BODY_NONE, 0, H1_F_CONN_CLOSE | HH, 0),
	GOOD("close_wins_over_keep_alive", "GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, close\r\n\r\n",
	     "GET", "/", 1, NULL, H1_BODY_NONE, 0, H1_F_CONN_CLOSE | HH, 0),
	GOOD("upgrade", "GET /ws HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, Upgrade\r\nUpgrade: websocket\r\n\r\n",
	     "GET", "/ws", 1, NULL, H1_BODY_NONE, 0, H1_F_UPGRADE | H1_F_CONN_KA | HH, 0),
	GOOD("upgrade_token_without_header", "GET /ws HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\n\r\n",
	     "GET", "/ws", 1, NULL, H1_BODY_NONE, 0, HH, 0),
	GOOD("expect_100", "PUT /f HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\nContent-Length: 1\r\n\r\n",
	     "PUT", "/f", 1, NULL, H1_BODY_LENGTH, 1, H1_F_EXPECT_100 | HH, 0),
	GOOD("expect_100_http10", "PUT /f HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n",
	     "PUT", "/f", 0, NULL, H1_BODY_LENGTH, 1, H1_F_CONN_CLOSE, -1),
	GOOD("options_asterisk", "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", "OPTIONS", "*", 1, NULL, H1_BODY_NONE, 0, HH, 0),
	GOOD("connect", "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n",
	     "CONNECT", "example.com:443", 1, NULL, H1_BODY_NONE, 0, HH, 0),
	GOOD("connect_ipv6", "CONNECT [2001:db8::1]:443 HTTP/1.1\r\nHost: [2001:db8::1]:443\r\n\r\n",
	     "CONNECT", "[2001:db8::1]:443", 1, NULL, H1_BODY_NONE, 0, HH, 0),
	GOOD("absolute_form", "GET http://example.com:8080/a?b=c HTTP/1.1\r\nHost: example.com:8080\r\n\r\n",
	     "GET", "http://example.com:8080/a?b=c", 1, NULL, H1_BODY_NONE, 0, HH, 0),
	GOOD("leading_empty_lines", "\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",
	     "GET", "/", 1, "Host: a\n", H1_BODY_NONE, 0, HH, 0),
	GOOD("value_trimmed", "GET / HTTP/1.1\r\nHost: a\r\nX:  a b \t\r\nY:\r\nZ:\t\ta\tb\t\r\n\r\n",
	     "GET", "/", 1, "Host: a\nX: a b\nY: \nZ: a\tb\n", H1_BODY_NONE, 0, HH, 0),
	GOOD("value_obs_text", "GET / HTTP/1.1\r\nHost: a\r\nX: caf\xc3\xa9\r\n\r\n",
	     "GET", "/", 1, "Host: a\nX: caf\xc3\xa9\n", H1_BODY_NONE, 0, HH, 0),
	GOOD("host_ipv4_port", "GET / HTTP/1.1\r\nHost: 10.0.0.1:8080\r\n\r\n", "GET", "/", 1, NULL, H1_BODY_NONE, 0, HH, 0),
	GOOD("host_ipv6", "GET / HTTP/1.1\r\nHost: [::1]\r\n\r\n", "GET", "/", 1, NULL, H1_BODY_NONE, 0, HH, 0),
	GOOD("host_pct_encoded", "GET / HTTP/1.1\r\nHost: ex%41mple.com\r\n\r\n", "GET", "/", 1, NULL, H1_BODY_NONE, 0, HH, 0),
	GOOD("host_empty", "GET / HTTP/1.1\r\nX: 1\r\nHost:\r\n\r\n", "GET", "/", 1, NULL, H1_BODY_NONE, 0, HH, 1),
	GOOD("host_lowercase_name", "GET / HTTP/1.1\r\nhOST: a\r\n\r\n", "GET", "/", 1, NULL, H1_BODY_NONE, 0, HH, 0),
	GOOD("method_extension", "M-SEARCH /x HTTP/1.1\r\nHost: a\r\n\r\n", "M-SEARCH", "/x", 1, NULL, H1_BODY_NONE, 0, HH, 0),
	GOOD("max_headers", "GET / HTTP/1.1\r\nHost: a\r\n" H100 "\r\n", "GET", "/", 1, NULL, H1_BODY_NONE, 0, HH, 0),
};

#define NGOOD (sizeof(good_reqs) / sizeof(good_reqs[0]))

static void check_span(const char *buf, struct h1_span s, const char *want, const char *what)
{
	if (s.len != strlen(want) || memcmp(buf + s.off, want, s.len) != 0) {
		fprintf(stderr, "  %s: '%.*s' != '%s'\n", what, (int)s.len, buf + s.off, want);
		CHECK(0);
	}
}

static void check_good(const struct good_req *g, const char *buf, const struct h1_msg *m)
{
	fprintf(stderr, "%s", "");
	CHECK(m->is_request);
	CHECK_INT(m->head_len, g->head_len);
	check_span(buf, m->method, g->method, g->name);
	check_span(buf, m->uri, g->uri, g->name);
	check_span(buf, m->version, g->minor ? "HTTP/1.1" : "HTTP/1.0", g->name);
	CHECK_INT(m->minor, g->minor);
	CHECK_INT(m->body, g->body);
	CHECK_INT(m->content_length, g->cl);
	if (m->flags != g->flags)
		fprintf(stderr, "  %s: flags 0x%x, expected 0x%x\n", g->name, m->flags, g->flags);
	CHECK_INT(m->flags, g->flags);
	CHECK_INT(m->host_idx, g->host_idx);
	if (g->hdrs) {
		char got[1024];
		size_t n = 0;

		for (int i = 0; i < m->nhdrs; i++)
			n += (size_t)snprintf(got + n, sizeof(got) - n, "%.*s: %.*s\n",
					      (int)m->hdrs[i].name.len, buf + m->hdrs[i].name.off,
					      (int)m->hdrs[i].value.len, buf + m->hdrs[i].value.off);
		got[n] = '\0';
		CHECK_STR(got, g->hdrs);
	}
}

static void test_good_requests(void)
{
	for (size_t i = 0; i < NGOOD; i++) {
		const struct good_req *g = &good_reqs[i];
		struct h1_msg m = new_msg(MAXHDR);
		enum h1_error err = H1_OK;
		size_t pos;
		int rc = h1_parse_request(g->head, g->head_len, BUFSIZE, &m, &err, &pos);

		if (rc != 1)
			fprintf(stderr, "  %s: rc %d %s at %zu\n", g->name, rc, err_name(err), pos);
		CHECK_INT(rc, 1);
		CHECK_INT(err, H1_OK);
		check_good(g, g->head, &m);
	}
}

/* Every two-part split: the first part is incomplete, the whole parses the
 * same, wherever the head lies in a larger buffer (followed by a body). */
static void test_good_requests_split(void)
{
	static char buf[BUFSIZE];

	for (size_t i = 0; i < NGOOD; i++) {
		const struct good_req *g = &good_reqs[i];

		memcpy(buf, g->head, g->head_len);
		memcpy(buf + g->head_len, "5\r\nhello\r\n", 10);
		for (size_t k = 0; k < g->head_len; k++) {
			struct h1_msg m = new_msg(MAXHDR);
			enum h1_error err;
			size_t pos;

			CHECK_INT(h1_parse_request(buf, k, BUFSIZE, &m, &err, &pos), 0);
			m = new_msg(MAXHDR);
			CHECK_INT(h1_parse_request(buf, g->head_len + 10, BUFSIZE, &m, &err, &pos), 1);
			check_good(g, buf, &m);
		}
	}
}

static void test_limits(void)
{
	static const char req[] = "GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\nY: 2\r\n\r\n";
	struct h1_msg m = new_msg(3);
	enum h1_error err;
	size_t pos;

	CHECK_INT(h1_parse_request(req, sizeof(req) - 1, BUFSIZE, &m, &err, &pos), 1);
	m = new_msg(2);
	CHECK_INT(h1_parse_request(req, sizeof(req) - 1, BUFSIZE, &m, &err, &pos), -1);
	CHECK_INT(err, H1_ERR_TOO_MANY_HDRS);
	m = new_msg(0);
	m.hdrs = NULL;
	CHECK_INT(h1_parse_request(req, sizeof(req) - 1, BUFSIZE, &m, &err, &pos), -1);
	CHECK_INT(err, H1_ERR_TOO_MANY_HDRS);
	/* exactly the buffer size: complete is fine, incomplete is too large */
	m = new_msg(MAXHDR);
	CHECK_INT(h1_parse_request(req, sizeof(req) - 1, sizeof(req) - 1, &m, &err, &pos), 1);
	m = new_msg(MAXHDR);
	CHECK_INT(h1_parse_request(req, sizeof(req) - 2, sizeof(req) - 2, &m, &err, &pos), -1);
	CHECK_INT(err, H1_ERR_TOO_LARGE);
	m = new_msg(MAXHDR);
	CHECK_INT(h1_parse_request(req, sizeof(req) - 2, sizeof(req) - 1, &m, &err, &pos), 0);
}

/* ---- responses ----------------------------------------------------------- */

struct rsp_case {
	const char *name, *rsp;
	size_t len;
	bool head_req, connect_req;
	enum h1_error err;
	int status, minor;
	const char *reason;
	enum h1_body body;
	uint64_t cl;
	unsigned flags;
};

#define RSP(n, r, hr, cr, st, mi, re, b, cl, f) { n, r, sizeof(r) - 1, hr, cr, H1_OK, st, mi, re, b, cl, f }
#define BADRSP(n, r, e) { n, r, sizeof(r) - 1, false, false, e, 0, 0, NULL, 0, 0, 0 }
#define CC H1_F_CONN_CLOSE

static const struct rsp_case rsp_cases[] = {
	RSP("ok_length", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", false, false, 200, 1, "OK", H1_BODY_LENGTH, 5, 0),
	RSP("ok_chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", false, false, 200, 1, "OK", H1_BODY_CHUNKED, 0, 0),
	RSP("ok_close_delimited", "HTTP/1.1 200 OK\r\nServer: x\r\n\r\n", false, false, 200, 1, "OK", H1_BODY_CLOSE, 0, CC),
	RSP("no_content", "HTTP/1.1 204 No Content\r\n\r\n", false, false, 204, 1, "No Content", H1_BODY_NONE, 0, 0),
	RSP("not_modified_with_cl", "HTTP/1.1 304 Not Modified\r\nContent-Length: 100\r\n\r\n", false, false, 304, 1, "Not Modified", H1_BODY_NONE, 100, 0),
	RSP("continue", "HTTP/1.1 100 Continue\r\n\r\n", false, false, 100, 1, "Continue", H1_BODY_NONE, 0, 0),
	RSP("switching", "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n", false, false, 101, 1, "Switching Protocols", H1_BODY_NONE, 0, H1_F_UPGRADE),
	RSP("head_response", "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n", true, false, 200, 1, "OK", H1_BODY_NONE, 100, 0),
	RSP("connect_established", "HTTP/1.1 200 Connection established\r\n\r\n", false, true, 200, 1, "Connection established", H1_BODY_NONE, 0, 0),
	RSP("connect_refused", "HTTP/1.1 407 Proxy Auth\r\nContent-Length: 5\r\n\r\n", false, true, 407, 1, "Proxy Auth", H1_BODY_LENGTH, 5, 0),
	RSP("bare_lf", "HTTP/1.1 200 OK\nContent-Length: 2\n\n", false, false, 200, 1, "OK", H1_BODY_LENGTH, 2, 0),
	RSP("mixed_line_ends", "HTTP/1.1 200 OK\r\nContent-Length: 2\n\r\n", false, false, 200, 1, "OK", H1_BODY_LENGTH, 2, 0),
	RSP("empty_reason", "HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n", false, false, 200, 1, "", H1_BODY_LENGTH, 0, 0),
	RSP("no_reason", "HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n", false, false, 200, 1, "", H1_BODY_LENGTH, 0, 0),
	RSP("reason_obs_text", "HTTP/1.1 404 Non trouv\xc3\xa9\r\nContent-Length: 0\r\n\r\n", false, false, 404, 1, "Non trouv\xc3\xa9", H1_BODY_LENGTH, 0, 0),
	RSP("http10", "HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\n", false, false, 200, 0, "OK", H1_BODY_LENGTH, 1, CC),
	RSP("http10_keep_alive", "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\n", false, false, 200, 0, "OK", H1_BODY_LENGTH, 1, H1_F_CONN_KA),
	RSP("chunked_then_gzip", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", false, false, 200, 1, "OK", H1_BODY_CLOSE, 0, CC),
	RSP("gzip_only", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", false, false, 200, 1, "OK", H1_BODY_CLOSE, 0, CC),
	RSP("te_and_cl", "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", false, false, 200, 1, "OK", H1_BODY_CHUNKED, 0, H1_F_DROP_CL | CC),
	RSP("leading_empty_line", "\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", false, false, 200, 1, "OK", H1_BODY_LENGTH, 0, 0),
	RSP("status_599", "HTTP/1.1 599 X\r\nContent-Length: 0\r\n\r\n", false, false, 599, 1, "X", H1_BODY_LENGTH, 0, 0),
	BADRSP("status_99", "HTTP/1.1 99 X\r\n\r\n", H1_ERR_STATUS),
	BADRSP("status_600", "HTTP/1.1 600 X\r\n\r\n", H1_ERR_STATUS),
	BADRSP("status_000", "HTTP/1.1 000 X\r\n\r\n", H1_ERR_STATUS),
	BADRSP("status_letters", "HTTP/1.1 20x OK\r\n\r\n", H1_ERR_STATUS),
	BADRSP("status_4_digits", "HTTP/1.1 2000 OK\r\n\r\n", H1_ERR_STATUS),
	BADRSP("status_double_space", "HTTP/1.1  200 OK\r\n\r\n", H1_ERR_STATUS),
	BADRSP("status_missing", "HTTP/1.1\r\n\r\n", H1_ERR_STATUS),
	BADRSP("reason_ctl", "HTTP/1.1 200 O\x01K\r\n\r\n", H1_ERR_STATUS),
	BADRSP("version_2", "HTTP/2 200 OK\r\n\r\n", H1_ERR_VERSION),
	BADRSP("version_1_2", "HTTP/1.2 200 OK\r\n\r\n", H1_ERR_VERSION),
	BADRSP("version_lowercase", "http/1.1 200 OK\r\n\r\n", H1_ERR_VERSION),
	BADRSP("bare_cr_status", "HTTP/1.1 200 O\rK\r\n\r\n", H1_ERR_BARE_CR),
	BADRSP("cl_differing", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", H1_ERR_CL_MULTIPLE),
	BADRSP("cl_invalid", "HTTP/1.1 200 OK\r\nContent-Length: 1a\r\n\r\n", H1_ERR_CL_INVALID),
	BADRSP("cl_invalid_on_204", "HTTP/1.1 204 OK\r\nContent-Length: x\r\n\r\n", H1_ERR_CL_INVALID),
	BADRSP("te_empty_element", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked,\r\n\r\n", H1_ERR_TE_INVALID),
	BADRSP("te_chunked_twice", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", H1_ERR_TE_INVALID),
	BADRSP("obs_fold", "HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n", H1_ERR_OBS_FOLD),
	BADRSP("space_colon", "HTTP/1.1 200 OK\r\nContent-Length : 1\r\n\r\n", H1_ERR_SPACE_COLON),
	BADRSP("value_nul", "HTTP/1.1 200 OK\r\nX: \0\r\n\r\n", H1_ERR_HDR_VALUE),
	BADRSP("name_invalid", "HTTP/1.1 200 OK\r\nX/Y: 1\r\n\r\n", H1_ERR_HDR_NAME),
	BADRSP("too_large", "HTTP/1.1 200 OK\r\nX: " X16K "\r\n\r\n", H1_ERR_TOO_LARGE),
};

static void test_responses(void)
{
	for (size_t i = 0; i < sizeof(rsp_cases) / sizeof(rsp_cases[0]); i++) {
		const struct rsp_case *r = &rsp_cases[i];
		size_t len = r->len < BUFSIZE ? r->len : BUFSIZE;

		for (size_t k = r->err ? len : 0; k <= len; k++) {
			struct h1_msg m = new_msg(MAXHDR);
			enum h1_error err;
			size_t pos;
			int rc = h1_parse_response(r->rsp, k, BUFSIZE, r->head_req, r->connect_req, &m, &err, &pos);

			if (k < len) {
				CHECK_INT(rc, 0);
				continue;
			}
			if (r->err) {
				if (rc != -1 || err != r->err)
					fprintf(stderr, "  %s: rc %d %s\n", r->name, rc, err_name(err));
				CHECK_INT(rc, -1);
				CHECK_INT(err, r->err);
				continue;
			}
			if (rc != 1)
				fprintf(stderr, "  %s: rc %d %s\n", r->name, rc, err_name(err));
			CHECK_INT(rc, 1);
			CHECK(!m.is_request);
			CHECK_INT(m.head_len, r->len);
			CHECK_INT(m.status, r->status);
			CHECK_INT(m.minor, r->minor);
			check_span(r->rsp, m.reason, r->reason, r->name);
			CHECK_INT(m.body, r->body);
			if (r->body == H1_BODY_LENGTH || r->cl)
				CHECK_INT(m.content_length, r->cl);
			if (m.flags != r->flags)
				fprintf(stderr, "  %s: flags 0x%x\n", r->name, m.flags);
			CHECK_INT(m.flags, r->flags);
		}
	}
}

/* ---- chunked bodies -------------------------------------------------------- */

static const char *const good_bodies[] = {
	"0\r\n\r\n",
	"5\r\nhello\r\n0\r\n\r\n",
	"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
	"1A\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\n\r\n",
	"1a\r\nabcdefghijklmnopqrstuvwxyz\r\n000\r\n\r\n",
	"0000000000000005\r\nhello\r\n0\r\n\r\n",
	"5;a=b;c\r\nhello\r\n0;last\r\n\r\n",
	"5 ; a = \"x\\\"y;z\" ; b\r\nhello\r\n0\r\n\r\n",
	"5;a=\"\"\r\nhello\r\n0\r\n\r\n",
	"4\r\n\r\n\r\n\r\n0\r\n\r\n",
	"0\r\nX-Sum: abc\r\nY:\r\nZ: caf\xc3\xa9 \t x\r\n\r\n",
};

static void check_good_body(const char *body, size_t len, size_t step)
{
	static char buf[256];
	struct outcome o;
	size_t consumed;

	/* followed by the next pipelined request, which is not part of it */
	memcpy(buf, body, len);
	memcpy(buf + len, "GET / HTTP/1.1\r\n", 16);
	o = feed_chunked(buf, len + 16, step, &consumed);
	if (o.kind != OUT_OK)
		fprintf(stderr, "  body '%s' step %zu: %d %s\n", body, step, o.kind, err_name(o.err));
	CHECK_INT(o.kind, OUT_OK);
	CHECK_INT(consumed, len);
}

static void test_chunked_good(void)
{
	for (size_t i = 0; i < sizeof(good_bodies) / sizeof(good_bodies[0]); i++) {
		const char *b = good_bodies[i];
		size_t len = strlen(b);

		for (size_t step = 0; step <= len; step++)
			check_good_body(b, len, step);
	}
}

/* Every two-part split of every body gives the same result. */
static void test_chunked_split(void)
{
	for (size_t i = 0; i < sizeof(good_bodies) / sizeof(good_bodies[0]); i++) {
		const char *b = good_bodies[i];
		size_t len = strlen(b);

		for (size_t k = 0; k <= len; k++) {
			struct h1_chunk_state st;
			enum h1_error err;
			bool done = true;
			ssize_t r1, r2;

			h1_chunk_init(&st);
			r1 = h1_chunk_feed(&st, b, k, &done, &err);
			CHECK_INT(r1, (ssize_t)k);
			CHECK(done == (k == len));
			r2 = h1_chunk_feed(&st, b + k, len - k, &done, &err);
			CHECK_INT(r2, (ssize_t)(len - k));
			CHECK(done);
			CHECK_INT(h1_chunk_feed(&st, "x", 1, &done, &err), 0);
			CHECK(done);
		}
	}
}

static void test_chunked_bad(void)
{
	static const struct { const char *body; enum h1_error err; } cases[] = {
		{ "4000000000000001\r\n", H1_ERR_CHUNK_SIZE },
		{ "5\r\nhel", H1_OK },                /* incomplete */
		{ "5;a=b \r\n", H1_ERR_CHUNK_SIZE },
		{ "5;a b\r\n", H1_ERR_CHUNK_SIZE },
		{ "5;a=\"\x01\"\r\n", H1_ERR_CHUNK_SIZE },
		{ "5\r\nhello\r\r\n", H1_ERR_CHUNK_CRLF },
		{ "5\r\nhello\r\n0\r\n\r\r\n", H1_ERR_CHUNK_CRLF },
		{ "0\r\n:x\r\n\r\n", H1_ERR_TRAILER },
		{ "0\r\nX: \x7f\r\n\r\n", H1_ERR_TRAILER },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len = strlen(cases[i].body), consumed;

		for (size_t step = 0; step <= 1; step++) {
			struct outcome o = feed_chunked(cases[i].body, len, step, &consumed);

			if (cases[i].err == H1_OK) {
				CHECK_INT(o.kind, OUT_INCOMPLETE);
				CHECK_INT(consumed, len);
			} else {
				CHECK_INT(o.kind, OUT_BODY_ERR);
				CHECK_INT(o.err, cases[i].err);
			}
		}
	}
	/* the largest size accepted, and errors are sticky */
	{
		struct h1_chunk_state st;
		enum h1_error err;
		bool done;

		h1_chunk_init(&st);
		CHECK_INT(h1_chunk_feed(&st, "4000000000000000\r\nab", 20, &done, &err), 20);
		CHECK_INT(st.remaining, ((uint64_t)1 << 62) - 2);
		h1_chunk_init(&st);
		CHECK_INT(h1_chunk_feed(&st, "z", 1, &done, &err), -1);
		CHECK_INT(err, H1_ERR_CHUNK_SIZE);
		CHECK_INT(h1_chunk_feed(&st, "0\r\n\r\n", 5, &done, &err), -1);
		CHECK_INT(err, H1_ERR_CHUNK_SIZE);
		CHECK(!done);
	}
}

/* ---- helpers ------------------------------------------------------------------- */

static void test_helpers(void)
{
	static const char buf[] = "Connection: keep-alive , Upgrade,,close";
	struct h1_hdr h = { { 0, 10 }, { 12, sizeof(buf) - 1 - 12 } };

	CHECK(h1_name_is(buf, &h, "connection"));
	CHECK(h1_name_is(buf, &h, "CONNECTION"));
	CHECK(!h1_name_is(buf, &h, "connectio"));
	CHECK(!h1_name_is(buf, &h, "connections"));
	CHECK(h1_value_has_token(buf, &h, "keep-alive"));
	CHECK(h1_value_has_token(buf, &h, "upgrade"));
	CHECK(h1_value_has_token(buf, &h, "CLOSE"));
	CHECK(!h1_value_has_token(buf, &h, "keep"));
	CHECK(!h1_value_has_token(buf, &h, "alive"));
	CHECK_STR(h1_strerror(H1_OK), "no error");
	CHECK_STR(h1_strerror(H1_ERR_HDR_NAME), "invalid header name");
	CHECK_STR(h1_strerror((enum h1_error)1000), "unknown error");
	for (int e = H1_OK; e <= H1_ERR_TRAILER; e++)
		CHECK(strcmp(h1_strerror((enum h1_error)e), "unknown error") != 0);
	CHECK_STR(err_name(H1_ERR_TRAILER), "H1_ERR_TRAILER");
}

/* ---- --dump-bad-requests ------------------------------------------------------ */

static void json_str(const char *p, size_t len)
{
	putchar('"');
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c == '\r')
			fputs("\\r", stdout);
		else if (c == '\n')
			fputs("\\n", stdout);
		else if (c == '\t')
			fputs("\\t", stdout);
		else if (c < 0x20 || c >= 0x7f)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void dump_bad_requests(void)
{
	for (size_t i = 0; i < NBAD; i++) {
		const struct bad_req *b = &bad_reqs[i];
		struct outcome o = run_request(b->req, b->len, 0);

		fputs("{\"name\": ", stdout);
		json_str(b->name, strlen(b->name));
		fputs(", \"request\": ", stdout);
		json_str(b->req, b->len);
		printf(", \"part\": \"%s\", \"error\": \"%s\"}\n",
		       o.kind == OUT_BODY_ERR ? "body" : "head", err_name(b->err));
	}
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--dump-bad-requests") == 0) {
		dump_bad_requests();
		return 0;
	}
	RUN(test_bad_requests);
	RUN(test_bad_requests_prefixes);
	RUN(test_error_positions);
	RUN(test_good_requests);
	RUN(test_good_requests_split);
	RUN(test_limits);
	RUN(test_responses);
	RUN(test_chunked_good);
	RUN(test_chunked_split);
	RUN(test_chunked_bad);
	RUN(test_helpers);
	UNIT_DONE();
}

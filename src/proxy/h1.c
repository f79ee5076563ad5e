/* h1: HTTP/1.x heads and chunked bodies, parsed strictly (see h1.h and
 * docs/http-strictness.md for what is refused and why).
 *
 * The head parser works a line at a time: it waits for a complete line
 * (memchr for LF), then checks every byte of it against a 256-entry class
 * table. It keeps no state between calls: called again with more bytes it
 * starts over, which costs nothing worth saving for heads bounded by
 * tune.bufsize, and makes any split of the input give the same result.
 *
 * The chunked validator is a byte state machine (table below) that keeps
 * its state in struct h1_chunk_state, so it can be fed any split.
 */
#include "proxy/h1.h"

#include <arpa/inet.h>
#include <string.h>
#include <strings.h>

/* ---- character classes ------------------------------------------------- */

#define C_TCHAR  0x01   /* token character (RFC 9110 5.6.2) */
#define C_VALUE  0x02   /* field-vchar or blank: HTAB SP VCHAR obs-text */
#define C_URI    0x04   /* allowed in a request target: VCHAR except '#' */
#define C_HOST   0x08   /* reg-name: unreserved / sub-delims / '%' */
#define C_HEX    0x10
#define C_DIGIT  0x20
#define C_QDTEXT 0x40   /* quoted-string text (RFC 9110 5.6.4) */
#define C_WS     0x80   /* SP or HTAB */

#define IS_ALPHA_(c) (((c) >= 'a' && (c) <= 'z') || ((c) >= 'A' && (c) <= 'Z'))
#define IS_DIGIT_(c) ((c) >= '0' && (c) <= '9')
#define IS_HEX_(c)   (IS_DIGIT_(c) || ((c) >= 'a' && (c) <= 'f') || ((c) >= 'A' && (c) <= 'F'))
#define IS_VCHAR_(c) ((c) >= 0x21 && (c) <= 0x7e)
#define IS_TCHAR_(c) (IS_ALPHA_(c) || IS_DIGIT_(c) || (c) == '!' || (c) == '#' || \
		      (c) == '$' || (c) == '%' || (c) == '&' || (c) == '\'' || (c) == '*' || \
		      (c) == '+' || (c) == '-' || (c) == '.' || (c) == '^' || (c) == '_' || \
		      (c) == '`' || (c) == '|' || (c) == '~')
#define IS_SUBDELIM_(c) ((c) == '!' || (c) == '$' || (c) == '&' || (c) == '\'' || \
			 (c) == '(' || (c) == ')' || (c) == '*' || (c) == '+' || \
			 (c) == ',' || (c) == ';' || (c) == '=')
#define IS_HOST_(c)  (IS_ALPHA_(c) || IS_DIGIT_(c) || (c) == '-' || (c) == '.' || \
		      (c) == '_' || (c) == '~' || (c) == '%' || IS_SUBDELIM_(c))
#define IS_WS_(c)    ((c) == ' ' || (c) == '\t')

#define CLS(c) ((IS_TCHAR_(c) ? C_TCHAR : 0) | \
		((IS_VCHAR_(c) || IS_WS_(c) || (c) >= 0x80) ? C_VALUE : 0) | \
		((IS_VCHAR_(c) && (c) != '#') ? C_URI : 0) | \
		(IS_HOST_(c) ? C_HOST : 0) | \
		(IS_HEX_(c) ? C_HEX : 0) | \
		(IS_DIGIT_(c) ? C_DIGIT : 0) | \
		(((IS_VCHAR_(c) && (c) != '"' && (c) != '\\') || IS_WS_(c) || (c) >= 0x80) ? C_QDTEXT : 0) | \
		(IS_WS_(c) ? C_WS : 0))
#define CLS4(b)  CLS(b), CLS((b) + 1), CLS((b) + 2), CLS((b) + 3)
#define CLS16(b) CLS4(b), CLS4((b) + 4), CLS4((b) + 8), CLS4((b) + 12)
#define CLS64(b) CLS16(b), CLS16((b) + 16), CLS16((b) + 32), CLS16((b) + 48)

static const uint8_t h1_cls[256] = { CLS64(0), CLS64(64), CLS64(128), CLS64(192) };

static inline bool is_cls(char c, uint8_t cls)
{
	return (h1_cls[(unsigned char)c] & cls) != 0;
}

/* ---- errors -------------------------------------------------------------- */

static const char *const h1_errstr[] = {
	[H1_OK]                = "no error",
	[H1_ERR_TOO_LARGE]     = "message head larger than the buffer",
	[H1_ERR_TOO_MANY_HDRS] = "too many header fields",
	[H1_ERR_METHOD]        = "invalid method",
	[H1_ERR_URI]           = "invalid request target",
	[H1_ERR_VERSION]       = "invalid or unsupported HTTP version",
	[H1_ERR_STATUS]        = "invalid status line",
	[H1_ERR_HDR_NAME]      = "invalid header name",
	[H1_ERR_HDR_VALUE]     = "invalid character in a header value",
	[H1_ERR_SPACE_COLON]   = "whitespace between header name and colon",
	[H1_ERR_OBS_FOLD]      = "obsolete line folding",
	[H1_ERR_BARE_CR]       = "CR not followed by LF",
	[H1_ERR_BARE_LF]       = "line not ended by CRLF",
	[H1_ERR_CL_INVALID]    = "invalid Content-Length",
	[H1_ERR_CL_MULTIPLE]   = "differing Content-Length values",
	[H1_ERR_TE_INVALID]    = "invalid Transfer-Encoding",
	[H1_ERR_TE_CL_10]      = "Transfer-Encoding with Content-Length on HTTP/1.0",
	[H1_ERR_HOST_MISSING]  = "missing Host header",
	[H1_ERR_HOST_INVALID]  = "invalid or repeated Host header",
	[H1_ERR_CHUNK_SIZE]    = "invalid chunk size line",
	[H1_ERR_CHUNK_CRLF]    = "chunk not ended by CRLF",
	[H1_ERR_TRAILER]       = "invalid trailer section",
};

const char *h1_strerror(enum h1_error e)
{
	if ((unsigned)e >= sizeof(h1_errstr) / sizeof(h1_errstr[0]) || !h1_errstr[e])
		return "unknown error";
	return h1_errstr[e];
}

/* ---- small helpers --------------------------------------------------------- */

static bool span_ieq(const char *p, size_t len, const char *s)
{
	size_t n = strlen(s);

	return len == n && strncasecmp(p, s, n) == 0;
}

bool h1_name_is(const char *buf, const struct h1_hdr *h, const char *name)
{
	return span_ieq(buf + h->name.off, h->name.len, name);
}

/* Calls fn on each element of a comma-separated list, OWS trimmed (empty
 * elements included). Stops and returns false when fn does. */
typedef bool (*list_fn)(const char *p, size_t len, size_t off, void *arg);

static bool list_each(const char *buf, size_t off, size_t len, list_fn fn, void *arg)
{
	size_t end = off + len, s = off;

	for (;;) {
		const char *comma = memchr(buf + s, ',', end - s);
		size_t e = comma ? (size_t)(comma - buf) : end, a = s, b = e;

		while (a < b && is_cls(buf[a], C_WS))
			a++;
		while (b > a && is_cls(buf[b - 1], C_WS))
			b--;
		if (!fn(buf + a, b - a, a, arg))
			return false;
		if (!comma)
			return true;
		s = e + 1;
	}
}

static bool token_differs(const char *p, size_t len, size_t off, void *arg)
{
	(void)off;
	return !span_ieq(p, len, arg);
}

bool h1_value_has_token(const char *buf, const struct h1_hdr *h, const char *token)
{
	return !list_each(buf, h->value.off, h->value.len, token_differs, (void *)token);
}

/* host [ ":" port ] as in RFC 9110 7.2 / RFC 3986: reg-name (IPv4 included)
 * or an IPv6 literal in brackets; the port, when present, is 1 to 5 digits
 * up to 65535. An empty value is valid only when no port is required. */
static bool host_valid(const char *p, size_t len, bool port_required)
{
	size_t i = 0;

	if (len == 0)
		return !port_required;
	if (p[0] == '[') {
		const char *rb = memchr(p, ']', len);
		char tmp[INET6_ADDRSTRLEN];
		struct in6_addr a6;
		size_t n;

		if (!rb)
			return false;
		n = (size_t)(rb - p) - 1;
		if (n < 2 || n >= sizeof(tmp))
			return false;
		memcpy(tmp, p + 1, n);
		tmp[n] = '\0';
		if (inet_pton(AF_INET6, tmp, &a6) != 1)
			return false;
		i = n + 2;
	} else {
		while (i < len && is_cls(p[i], C_HOST)) {
			if (p[i] == '%') {
				if (i + 2 >= len || !is_cls(p[i + 1], C_HEX) || !is_cls(p[i + 2], C_HEX))
					return false;
				i += 2;
			}
			i++;
		}
		if (i == 0)
			return false;
	}
	if (i == len)
		return !port_required;
	if (p[i] != ':' || len - i - 1 < 1 || len - i - 1 > 5)
		return false;
	{
		unsigned port = 0;

		for (i++; i < len; i++) {
			if (!is_cls(p[i], C_DIGIT))
				return false;
			port = port * 10 + (unsigned)(p[i] - '0');
		}
		return port <= 65535;
	}
}

/* ---- head parser ------------------------------------------------------------ */

#define CL_MAX ((uint64_t)1 << 62)

enum conn_tok { CT_CLOSE = 1, CT_KA = 2, CT_UPGRADE = 4 };

struct h1_ctx {
	const char *buf;
	struct h1_msg *m;
	enum h1_error *err;
	size_t *err_pos;
	bool req, head_req, connect_req;  /* responses: what the request was */
	bool cl_seen, te_seen, te_last_chunked, upgrade_hdr, expect_100;
	int te_chunked;
	int nhost;
	int pending;        /* header whose meaning waits for the next line (obs-fold) */
	size_t te_pos;
	unsigned conn;
};

static int fail(struct h1_ctx *c, enum h1_error e, size_t pos)
{
	*c->err = e;
	*c->err_pos = pos;
	return -1;
}

static struct h1_span mkspan(size_t off, size_t len)
{
	struct h1_span s = { (uint32_t)off, (uint32_t)len };

	return s;
}

/* Request-target characters: VCHAR except '#', and '%' followed by two
 * hex digits. Returns the offset of the first bad byte, or `to`. */
static size_t uri_check(const char *buf, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++) {
		if (!is_cls(buf[i], C_URI))
			return i;
		if (buf[i] == '%') {
			if (i + 2 >= to || !is_cls(buf[i + 1], C_HEX) || !is_cls(buf[i + 2], C_HEX))
				return i;
			i += 2;
		}
	}
	return to;
}

static int check_target(struct h1_ctx *c, size_t ts, size_t te)
{
	const char *buf = c->buf;
	struct h1_span meth = c->m->method;
	bool connect = meth.len == 7 && memcmp(buf + meth.off, "CONNECT", 7) == 0;
	bool options = meth.len == 7 && memcmp(buf + meth.off, "OPTIONS", 7) == 0;
	size_t bad, i;

	if (connect)      /* authority-form only (RFC 9112 3.2.3) */
		return host_valid(buf + ts, te - ts, true) ? 0 : fail(c, H1_ERR_URI, ts);
	if (buf[ts] == '*')   /* asterisk-form: OPTIONS only (3.2.4) */
		return te - ts == 1 && options ? 0 : fail(c, H1_ERR_URI, ts);
	if (buf[ts] == '/') { /* origin-form */
		bad = uri_check(buf, ts, te);
		return bad == te ? 0 : fail(c, H1_ERR_URI, bad);
	}
	/* absolute-form: scheme "://" authority [path-abempty] [ "?" query ] */
	if (!IS_ALPHA_(buf[ts]))
		return fail(c, H1_ERR_URI, ts);
	for (i = ts + 1; i < te; i++) {
		char ch = buf[i];

		if (!(IS_ALPHA_(ch) || IS_DIGIT_(ch) || ch == '+' || ch == '-' || ch == '.'))
			break;
	}
	if (te - i < 4 || memcmp(buf + i, "://", 3) != 0 || buf[i + 3] == '/')
		return fail(c, H1_ERR_URI, i);
	bad = uri_check(buf, i + 3, te);
	return bad == te ? 0 : fail(c, H1_ERR_URI, bad);
}

static bool version_is_1x(const char *p, size_t len, int *minor)
{
	if (len != 8 || memcmp(p, "HTTP/1.", 7) != 0 || (p[7] != '0' && p[7] != '1'))
		return false;
	*minor = p[7] - '0';
	return true;
}

/* method SP request-target SP HTTP-version, on buf[ls..ce) (CRLF excluded). */
static int parse_request_line(struct h1_ctx *c, size_t ls, size_t ce)
{
	const char *buf = c->buf, *cr = memchr(buf + ls, '\r', ce - ls), *sp;
	struct h1_msg *m = c->m;
	size_t p = ls, ts, te, vs;

	if (cr)
		return fail(c, H1_ERR_BARE_CR, (size_t)(cr - buf));
	while (p < ce && is_cls(buf[p], C_TCHAR))
		p++;
	if (p == ls || p == ce || buf[p] != ' ')
		return fail(c, H1_ERR_METHOD, p);
	m->method = mkspan(ls, p - ls);
	ts = p + 1;
	sp = memrchr(buf + ts, ' ', ce - ts);
	if (!sp)   /* HTTP/0.9 "GET /" */
		return fail(c, H1_ERR_VERSION, ce);
	te = (size_t)(sp - buf);
	vs = te + 1;
	if (!version_is_1x(buf + vs, ce - vs, &m->minor))
		return fail(c, H1_ERR_VERSION, vs);
	m->version = mkspan(vs, ce - vs);
	if (te == ts)
		return fail(c, H1_ERR_URI, ts);
	m->uri = mkspan(ts, te - ts);
	return check_target(c, ts, te);
}

/* HTTP-version SP 3DIGIT [ SP reason ]: the SP before an empty reason may
 * be missing, as many servers omit it. */
static int parse_status_line(struct h1_ctx *c, size_t ls, size_t ce)
{
	const char *buf = c->buf, *cr = memchr(buf + ls, '\r', ce - ls);
	struct h1_msg *m = c->m;
	size_t p = ls + 9;

	if (cr)
		return fail(c, H1_ERR_BARE_CR, (size_t)(cr - buf));
	if (ce - ls < 8 || !version_is_1x(buf + ls, 8, &m->minor))
		return fail(c, H1_ERR_VERSION, ls);
	m->version = mkspan(ls, 8);
	if (ce - ls < 12 || buf[ls + 8] != ' ')
		return fail(c, H1_ERR_STATUS, ls + 8);
	for (int i = 0; i < 3; i++)
		if (!is_cls(buf[p + i], C_DIGIT))
			return fail(c, H1_ERR_STATUS, p + i);
	m->status = (buf[p] - '0') * 100 + (buf[p + 1] - '0') * 10 + (buf[p + 2] - '0');
	if (m->status < 100 || m->status > 599)
		return fail(c, H1_ERR_STATUS, p);
	p += 3;
	if (p == ce) {
		m->reason = mkspan(p, 0);
		return 0;
	}
	if (buf[p] != ' ')
		return fail(c, H1_ERR_STATUS, p);
	for (size_t i = p + 1; i < ce; i++)
		if (!is_cls(buf[i], C_VALUE))
			return fail(c, H1_ERR_STATUS, i);
	m->reason = mkspan(p + 1, ce - p - 1);
	return 0;
}

struct cl_scan {
	uint64_t val;
	bool have;
	enum h1_error err;
	size_t pos;
};

static bool cl_elem(const char *p, size_t len, size_t off, void *arg)
{
	struct cl_scan *s = arg;
	uint64_t v = 0;

	if (len == 0) {
		s->err = H1_ERR_CL_INVALID;
		s->pos = off;
		return false;
	}
	for (size_t i = 0; i < len; i++) {
		if (!is_cls(p[i], C_DIGIT) || v > (CL_MAX - 9) / 10) {
			s->err = H1_ERR_CL_INVALID;
			s->pos = off + i;
			return false;
		}
		v = v * 10 + (uint64_t)(p[i] - '0');
	}
	if (s->have && v != s->val) {
		s->err = H1_ERR_CL_MULTIPLE;
		s->pos = off;
		return false;
	}
	s->val = v;
	s->have = true;
	return true;
}

static bool te_elem(const char *p, size_t len, size_t off, void *arg)
{
	static const char *const known[] = { "gzip", "x-gzip", "deflate", "compress", "x-compress" };
	struct h1_ctx *c = arg;
	bool ok = len > 0;

	c->te_pos = off;
	for (size_t i = 0; ok && i < len; i++)
		ok = is_cls(p[i], C_TCHAR);
	if (!ok)
		return false;
	if (c->te_chunked && c->req)    /* a coding after chunked */
		return false;
	if (span_ieq(p, len, "chunked")) {
		c->te_last_chunked = true;
		return ++c->te_chunked == 1;
	}
	c->te_last_chunked = false;
	if (!c->req)
		return true;
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (span_ieq(p, len, known[i]))
			return true;
	return false;
}

static bool conn_elem(const char *p, size_t len, size_t off, void *arg)
{
	struct h1_ctx *c = arg;

	(void)off;
	if (span_ieq(p, len, "close"))
		c->conn |= CT_CLOSE;
	else if (span_ieq(p, len, "keep-alive"))
		c->conn |= CT_KA;
	else if (span_ieq(p, len, "upgrade"))
		c->conn |= CT_UPGRADE;
	return true;
}

/* The header fields that matter to framing and routing. */
static int header_semantics(struct h1_ctx *c, const struct h1_hdr *h, int idx)
{
	const char *buf = c->buf, *name = buf + h->name.off;
	size_t nlen = h->name.len, vo = h->value.off, vl = h->value.len;

	if (span_ieq(name, nlen, "content-length")) {
		struct cl_scan s = { c->m->content_length, c->cl_seen, H1_OK, 0 };

		if (!list_each(buf, vo, vl, cl_elem, &s))
			return fail(c, s.err, s.pos);
		c->cl_seen = true;
		c->m->content_length = s.val;
	} else if (span_ieq(name, nlen, "transfer-encoding")) {
		c->te_seen = true;
		if (!list_each(buf, vo, vl, te_elem, c))
			return fail(c, H1_ERR_TE_INVALID, c->te_pos);
		c->te_pos = vo;
	} else if (span_ieq(name, nlen, "host")) {
		if (!c->req)
			return 0;
		if (++c->nhost > 1 || !host_valid(buf + vo, vl, false))
			return fail(c, H1_ERR_HOST_INVALID, vo);
		c->m->host_idx = idx;
		c->m->flags |= H1_F_HAS_HOST;
	} else if (span_ieq(name, nlen, "connection")) {
		list_each(buf, vo, vl, conn_elem, c);
	} else if (span_ieq(name, nlen, "upgrade")) {
		c->upgrade_hdr = true;
	} else if (span_ieq(name, nlen, "expect")) {
		if (span_ieq(buf + vo, vl, "100-continue"))
			c->expect_100 = true;
	}
	return 0;
}

/* field-name ":" OWS field-value OWS, on buf[ls..ce). */
static int parse_header(struct h1_ctx *c, size_t ls, size_t ce)
{
	const char *buf = c->buf;
	struct h1_msg *m = c->m;
	struct h1_hdr *h;
	size_t p = ls, vs, ve;

	if (is_cls(buf[ls], C_WS))
		return fail(c, H1_ERR_OBS_FOLD, ls);
	if (c->pending >= 0 && header_semantics(c, &m->hdrs[c->pending], c->pending) < 0)
		return -1;
	c->pending = -1;
	while (p < ce && is_cls(buf[p], C_TCHAR))
		p++;
	if (p == ce)
		return fail(c, H1_ERR_HDR_NAME, p);
	if (buf[p] != ':') {
		if (buf[p] == '\r')
			return fail(c, H1_ERR_BARE_CR, p);
		if (p > ls && is_cls(buf[p], C_WS)) {
			size_t q = p;

			while (q < ce && is_cls(buf[q], C_WS))
				q++;
			if (q < ce && buf[q] == ':')
				return fail(c, H1_ERR_SPACE_COLON, p);
		}
		return fail(c, H1_ERR_HDR_NAME, p);
	}
	if (p == ls)
		return fail(c, H1_ERR_HDR_NAME, p);
	vs = p + 1;
	while (vs < ce && is_cls(buf[vs], C_WS))
		vs++;
	ve = ce;
	while (ve > vs && is_cls(buf[ve - 1], C_WS))
		ve--;
	for (size_t i = vs; i < ve; i++)
		if (!is_cls(buf[i], C_VALUE))
			return fail(c, H1_ERR_HDR_VALUE, i);
	if (m->nhdrs >= m->maxhdr)
		return fail(c, H1_ERR_TOO_MANY_HDRS, ls);
	h = &m->hdrs[m->nhdrs];
	h->name = mkspan(ls, p - ls);
	h->value = mkspan(vs, ve - vs);
	/* what it means is decided once the next line shows it is not folded */
	c->pending = m->nhdrs++;
	return 0;
}

/* The whole head is read: decide framing and connection flags
 * (RFC 9112 6.3 for the body length). */
static int finish_head(struct h1_ctx *c, size_t eol)
{
	struct h1_msg *m = c->m;
	int st = m->status;

	if (c->pending >= 0 && header_semantics(c, &m->hdrs[c->pending], c->pending) < 0)
		return -1;
	if (c->conn & CT_CLOSE)
		m->flags |= H1_F_CONN_CLOSE;
	else if (c->conn & CT_KA)
		m->flags |= H1_F_CONN_KA;
	if (m->minor == 0 && !(m->flags & H1_F_CONN_KA))
		m->flags |= H1_F_CONN_CLOSE;
	if ((c->conn & CT_UPGRADE) && c->upgrade_hdr)
		m->flags |= H1_F_UPGRADE;

	if (c->req) {
		if (m->minor == 1 && c->nhost == 0)
			return fail(c, H1_ERR_HOST_MISSING, eol);
		if (c->expect_100 && m->minor == 1)
			m->flags |= H1_F_EXPECT_100;
	}
	if (c->te_seen && c->req && !c->te_last_chunked)
		return fail(c, H1_ERR_TE_INVALID, c->te_pos);
	if (c->te_seen) {
		if (c->cl_seen)
			m->flags |= H1_F_DROP_CL | H1_F_CONN_CLOSE;
		if (m->minor == 0)
			m->flags |= H1_F_TE_10 | H1_F_CONN_CLOSE;
		m->content_length = 0;
	}

	if (!c->req && ((st >= 100 && st < 200) || st == 204 || st == 304 || c->head_req ||
			(c->connect_req && st >= 200 && st < 300)))
		m->body = H1_BODY_NONE;     /* no body, or a tunnel after CONNECT */
	else if (c->te_seen)
		m->body = c->te_last_chunked ? H1_BODY_CHUNKED : H1_BODY_CLOSE;
	else if (c->cl_seen)
		m->body = H1_BODY_LENGTH;
	else
		m->body = c->req ? H1_BODY_NONE : H1_BODY_CLOSE;
	if (m->body == H1_BODY_CLOSE)
		m->flags |= H1_F_CONN_CLOSE;
	return 1;
}

static int h1_parse(const char *buf, size_t len, size_t bufsize, bool req, bool head_req,
		    bool connect_req, struct h1_msg *m, enum h1_error *err, size_t *err_pos)
{
	struct h1_hdr *hdrs = m->hdrs;
	int maxhdr = hdrs ? m->maxhdr : 0;
	struct h1_ctx c = { .buf = buf, .m = m, .err = err, .err_pos = err_pos, .req = req,
			    .head_req = head_req, .connect_req = connect_req, .pending = -1 };
	bool start_done = false;
	size_t pos = 0;
	int rc;

	memset(m, 0, sizeof(*m));
	m->is_request = req;
	m->hdrs = hdrs;
	m->maxhdr = maxhdr < 0 ? 0 : maxhdr > H1_MAX_HDRS_LIMIT ? H1_MAX_HDRS_LIMIT : maxhdr;
	m->host_idx = -1;
	*err = H1_OK;
	*err_pos = 0;
	if (bufsize > UINT32_MAX)
		bufsize = UINT32_MAX;
	if (len > bufsize)
		len = bufsize;

	for (;;) {
		const char *lf = memchr(buf + pos, '\n', len - pos);
		size_t le, ce;

		if (!lf) {
			if (len >= bufsize)
				return fail(&c, H1_ERR_TOO_LARGE, len);
			return 0;
		}
		le = (size_t)(lf - buf);
		ce = le;
		if (ce > pos && buf[ce - 1] == '\r')
			ce--;
		else if (req)
			return fail(&c, H1_ERR_BARE_LF, le);

		if (!start_done) {
			/* RFC 9112 2.2: empty lines before the start line are ignored */
			if (ce != pos) {
				rc = req ? parse_request_line(&c, pos, ce) : parse_status_line(&c, pos, ce);
				if (rc < 0)
					return rc;
				start_done = true;
			}
		} else if (ce == pos) {
			m->head_len = (uint32_t)(le + 1);
			return finish_head(&c, pos);
		} else {
			rc = parse_header(&c, pos, ce);
			if (rc < 0)
				return rc;
		}
		pos = le + 1;
	}
}

int h1_parse_request(const char *buf, size_t len, size_t bufsize, struct h1_msg *m,
		     enum h1_error *err, size_t *err_pos)
{
	return h1_parse(buf, len, bufsize, true, false, false, m, err, err_pos);
}

int h1_parse_response(const char *buf, size_t len, size_t bufsize, bool head_request,
		      bool connect_request, struct h1_msg *m, enum h1_error *err, size_t *err_pos)
{
	return h1_parse(buf, len, bufsize, false, head_request, connect_request, m, err, err_pos);
}

/* ---- chunked bodies ---------------------------------------------------------
 *
 *   SIZE0 --hex--> SIZE --;--> EXT_NAME0 --tchar--> EXT_NAME --=--> EXT_VAL0
 *     SIZE/EXT_* --CR--> SIZE_LF --LF--> DATA (size > 0) or TR_START (size 0)
 *   DATA --size bytes--> DATA_CR --CR--> DATA_LF --LF--> SIZE0
 *   TR_START --tchar--> TR_NAME --:--> TR_VALUE --CR--> TR_LF --LF--> TR_START
 *   TR_START --CR--> END_LF --LF--> DONE
 *
 * BWS is allowed around ';' and '=' in extensions (RFC 9112 7.1.1), not
 * after the size alone. Errors are sticky: the state becomes -error.
 */
enum {
	CS_SIZE0, CS_SIZE, CS_SIZE_WS, CS_EXT_NAME0, CS_EXT_NAME, CS_EXT_AFTER_NAME,
	CS_EXT_VAL0, CS_EXT_VAL, CS_EXT_QS, CS_EXT_QS_ESC, CS_EXT_VAL_END, CS_SIZE_LF,
	CS_DATA, CS_DATA_CR, CS_DATA_LF,
	CS_TR_START, CS_TR_NAME, CS_TR_VALUE, CS_TR_LF, CS_END_LF, CS_DONE,
};

#define H1_CHUNK_LINE_MAX 8192    /* size line with extensions, or one trailer line */
#define H1_CHUNK_DIGITS   16
#define H1_CHUNK_MAX      ((uint64_t)1 << 62)

void h1_chunk_init(struct h1_chunk_state *st)
{
	memset(st, 0, sizeof(*st));
	st->state = CS_SIZE0;
}

bool h1_chunk_in_data(const struct h1_chunk_state *st)
{
	return st->state == CS_DATA && st->remaining > 0;
}

ssize_t h1_chunk_feed(struct h1_chunk_state *st, const char *p, size_t n, bool *done,
		      enum h1_error *err)
{
	size_t i = 0;
	enum h1_error e = H1_OK;

	*err = H1_OK;
	if (st->state < 0) {
		*done = false;
		*err = (enum h1_error)-st->state;
		return -1;
	}
	*done = st->state == CS_DONE;
	while (i < n && st->state != CS_DONE) {
		unsigned char ch = (unsigned char)p[i];
		uint8_t cls = h1_cls[ch];

		if (st->state == CS_DATA) {
			size_t take = n - i;

			if (take > st->remaining)
				take = (size_t)st->remaining;
			i += take;
			st->remaining -= take;
			if (st->remaining == 0)
				st->state = CS_DATA_CR;
			continue;
		}
		if (st->state < CS_DATA || st->state > CS_DATA_LF) {
			if (++st->line_len > H1_CHUNK_LINE_MAX) {
				e = st->state >= CS_TR_START ? H1_ERR_TRAILER : H1_ERR_CHUNK_SIZE;
				goto error;
			}
		}
		switch (st->state) {
		case CS_SIZE0:
		case CS_SIZE:
			if (cls & C_HEX) {
				unsigned d = IS_DIGIT_(ch) ? ch - '0' : (ch | 0x20) - 'a' + 10;

				if (++st->size_digits > H1_CHUNK_DIGITS ||
				    st->remaining > (H1_CHUNK_MAX - d) / 16) {
					e = H1_ERR_CHUNK_SIZE;
					goto error;
				}
				st->remaining = st->remaining * 16 + d;
				st->state = CS_SIZE;
			} else if (st->state == CS_SIZE0) {
				e = H1_ERR_CHUNK_SIZE;
				goto error;
			} else if (ch == '\r') {
				st->state = CS_SIZE_LF;
			} else if (ch == ';') {
				st->state = CS_EXT_NAME0;
			} else if (cls & C_WS) {
				st->state = CS_SIZE_WS;
			} else {
				e = ch == '\n' ? H1_ERR_CHUNK_CRLF : H1_ERR_CHUNK_SIZE;
				goto error;
			}
			break;
		case CS_SIZE_WS:        /* BWS: must lead to ';' */
			if (ch == ';')
				st->state = CS_EXT_NAME0;
			else if (!(cls & C_WS)) {
				e = H1_ERR_CHUNK_SIZE;
				goto error;
			}
			break;
		case CS_EXT_NAME0:
			if (cls & C_TCHAR)
				st->state = CS_EXT_NAME;
			else if (!(cls & C_WS)) {
				e = H1_ERR_CHUNK_SIZE;
				goto error;
			}
			break;
		case CS_EXT_NAME:
		case CS_EXT_VAL:
			if (cls & C_TCHAR)
				break;
			if (ch == '\r')
				st->state = CS_SIZE_LF;
			else if (ch == ';')
				st->state = CS_EXT_NAME0;
			else if (ch == '=' && st->state == CS_EXT_NAME)
				st->state = CS_EXT_VAL0;
			else if (cls & C_WS)
				st->state = st->state == CS_EXT_NAME ? CS_EXT_AFTER_NAME : CS_SIZE_WS;
			else {
				e = ch == '\n' ? H1_ERR_CHUNK_CRLF : H1_ERR_CHUNK_SIZE;
				goto error;
			}
			break;
		case CS_EXT_AFTER_NAME:
			if (ch == '=')
				st->state = CS_EXT_VAL0;
			else if (ch == ';')
				st->state = CS_EXT_NAME0;
			else if (!(cls & C_WS)) {
				e = H1_ERR_CHUNK_SIZE;
				goto error;
			}
			break;
		case CS_EXT_VAL0:
			if (ch == '"')
				st->state = CS_EXT_QS;
			else if (cls & C_TCHAR)
				st->state = CS_EXT_VAL;
			else if (!(cls & C_WS)) {
				e = H1_ERR_CHUNK_SIZE;
				goto error;
			}
			break;
		case CS_EXT_QS:
			if (ch == '"')
				st->state = CS_EXT_VAL_END;
			else if (ch == '\\')
				st->state = CS_EXT_QS_ESC;
			else if (!(cls & C_QDTEXT)) {
				e = H1_ERR_CHUNK_SIZE;
				goto error;
			}
			break;
		case CS_EXT_QS_ESC:
			if (!(cls & C_VALUE)) {
				e = H1_ERR_CHUNK_SIZE;
				goto error;
			}
			st->state = CS_EXT_QS;
			break;
		case CS_EXT_VAL_END:
			if (ch == '\r')
				st->state = CS_SIZE_LF;
			else if (ch == ';')
				st->state = CS_EXT_NAME0;
			else if (cls & C_WS)
				st->state = CS_SIZE_WS;
			else {
				e = ch == '\n' ? H1_ERR_CHUNK_CRLF : H1_ERR_CHUNK_SIZE;
				goto error;
			}
			break;
		case CS_SIZE_LF:
			if (ch != '\n') {
				e = H1_ERR_CHUNK_CRLF;
				goto error;
			}
			st->line_len = 0;
			st->size_digits = 0;
			st->state = st->remaining ? CS_DATA : CS_TR_START;
			break;
		case CS_DATA_CR:
			if (ch != '\r') {
				e = H1_ERR_CHUNK_CRLF;
				goto error;
			}
			st->state = CS_DATA_LF;
			break;
		case CS_DATA_LF:
			if (ch != '\n') {
				e = H1_ERR_CHUNK_CRLF;
				goto error;
			}
			st->state = CS_SIZE0;
			st->line_len = 0;
			break;
		case CS_TR_START:
			if (ch == '\r') {
				st->state = CS_END_LF;
			} else if (cls & C_TCHAR) {
				if (++st->size_digits > H1_MAX_HDRS_LIMIT) {
					e = H1_ERR_TRAILER;
					goto error;
				}
				st->state = CS_TR_NAME;
			} else {
				e = ch == '\n' ? H1_ERR_CHUNK_CRLF : H1_ERR_TRAILER;
				goto error;
			}
			break;
		case CS_TR_NAME:
			if (ch == ':')
				st->state = CS_TR_VALUE;
			else if (!(cls & C_TCHAR)) {
				e = H1_ERR_TRAILER;
				goto error;
			}
			break;
		case CS_TR_VALUE:
			if (ch == '\r')
				st->state = CS_TR_LF;
			else if (!(cls & C_VALUE)) {
				e = H1_ERR_TRAILER;
				goto error;
			}
			break;
		case CS_TR_LF:
			if (ch != '\n') {
				e = H1_ERR_TRAILER;
				goto error;
			}
			st->line_len = 0;
			st->state = CS_TR_START;
			break;
		case CS_END_LF:
			if (ch != '\n') {
				e = H1_ERR_CHUNK_CRLF;
				goto error;
			}
			st->state = CS_DONE;
			break;
		default:
			e = H1_ERR_CHUNK_SIZE;
			goto error;
		}
		i++;
	}
	*done = st->state == CS_DONE;
	return (ssize_t)i;
error:
	st->state = -(int)e;
	*err = e;
	*done = false;
	return -1;
}

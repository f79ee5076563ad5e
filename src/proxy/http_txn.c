/* http_txn: editable request and response heads (see http_txn.h). */
#include "proxy/http_txn.h"
#include "lib/util.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Everything of a head but its header array, which http_txn_load() fills
 * up to nhdrs: clearing 4 KB per head per request would cost more than the
 * rest of the exchange's bookkeeping. */
static void head_clear(struct http_head *h)
{
	memset(h, 0, offsetof(struct http_head, hdrs));
	h->nhdrs = 0;
}

void http_txn_reset(struct http_txn *txn)
{
	head_clear(&txn->req);
	head_clear(&txn->rsp);
	txn->arena_used = 0;
	txn->deny_status = 0;
	txn->redirect_location.p = NULL;
	txn->redirect_location.len = 0;
	txn->redirect_code = 0;
	txn->srv = NULL;
	/* the rules' state: everything from sc_table to the end */
	memset(txn->sc_table, 0, sizeof(*txn) - offsetof(struct http_txn, sc_table));
}

static struct http_str span(const char *buf, struct h1_span s)
{
	struct http_str r = { buf + s.off, s.len };

	return r;
}

int http_txn_load(struct http_txn *txn, enum http_side side, const char *buf, const struct h1_msg *m)
{
	struct http_head *h = side == HTTP_REQ ? &txn->req : &txn->rsp;

	head_clear(h);
	if (m->nhdrs > HTTP_MAX_HDRS)
		return -1;
	if (side == HTTP_REQ) {
		h->meth = span(buf, m->method);
		h->uri = span(buf, m->uri);
	} else {
		h->status = m->status;
		h->reason = span(buf, m->reason);
	}
	h->vsn = span(buf, m->version);
	for (int i = 0; i < m->nhdrs; i++) {
		h->hdrs[i].name = span(buf, m->hdrs[i].name);
		h->hdrs[i].value = span(buf, m->hdrs[i].value);
	}
	h->nhdrs = m->nhdrs;
	return 0;
}

const char *http_txn_store(struct http_txn *txn, const char *p, size_t len)
{
	char *dst;

	if (len > sizeof(txn->arena) - txn->arena_used)
		return NULL;
	dst = txn->arena + txn->arena_used;
	memcpy(dst, p, len);
	txn->arena_used += len;
	return dst;
}

static bool name_eq(const struct http_str *n, const char *name)
{
	return n->len == strlen(name) && strncasecmp(n->p, name, n->len) == 0;
}

int http_hdr_find(const struct http_head *h, const char *name, int from)
{
	for (int i = from; i < h->nhdrs; i++)
		if (name_eq(&h->hdrs[i].name, name))
			return i;
	return -1;
}

/* The q-value of a list element's parameters [p, e) (";q=0.5"), in
 * thousandths: 1000 without one, 0 for anything unreadable. */
static int accept_qvalue(const char *p, const char *e)
{
	const char *q = NULL;
	int v = 0, digits = 0;

	for (; p < e; p++) {
		if (*p != ';')
			continue;
		do
			p++;
		while (p < e && (*p == ' ' || *p == '\t'));
		if (e - p >= 2 && (*p == 'q' || *p == 'Q') && p[1] == '=')
			q = p + 2;
	}
	if (!q || (q < e && *q == '1'))
		return 1000;
	if (q >= e || *q != '0')
		return 0;
	if (++q < e && *q == '.')
		for (q++; q < e && *q >= '0' && *q <= '9' && digits < 3; q++, digits++)
			v = v * 10 + (*q - '0');
	while (digits++ < 3)
		v *= 10;
	return v;
}

bool http_accept_encoding_each(const struct http_head *h,
			       bool (*fn)(void *arg, const char *coding, size_t len, int q),
			       void *arg)
{
	for (int i = http_hdr_find(h, "Accept-Encoding", 0); i >= 0;
	     i = http_hdr_find(h, "Accept-Encoding", i + 1)) {
		const char *s = h->hdrs[i].value.p, *end = s + h->hdrs[i].value.len;

		while (s < end) {
			const char *c = memchr(s, ',', (size_t)(end - s)), *e = c ? c : end, *t;

			while (s < e && (*s == ' ' || *s == '\t'))
				s++;
			for (t = s; t < e && *t != ';' && *t != ' ' && *t != '\t'; t++)
				;
			if (t > s && fn(arg, s, (size_t)(t - s), accept_qvalue(t, e)))
				return true;
			s = c ? c + 1 : end;
		}
	}
	return false;
}

bool http_hdr_get(const struct http_head *h, const char *name, int occ, struct http_str *out)
{
	int i = -1, n = 0;

	/* occ < 0 counts from the last occurrence, as HAProxy's hdr(name,-1) */
	if (occ < 0) {
		for (int k = h->nhdrs - 1; k >= 0; k--)
			if (name_eq(&h->hdrs[k].name, name) && ++n == -occ) {
				*out = h->hdrs[k].value;
				return true;
			}
		return false;
	}
	while ((i = http_hdr_find(h, name, i + 1)) >= 0) {
		if (++n == (occ ? occ : 1)) {
			*out = h->hdrs[i].value;
			return true;
		}
	}
	return false;
}

int http_hdr_add(struct http_txn *txn, struct http_head *h, const char *name, const char *value, size_t vlen)
{
	const char *n, *v;

	if (h->nhdrs == HTTP_MAX_HDRS)
		return -1;
	n = http_txn_store(txn, name, strlen(name));
	v = http_txn_store(txn, value, vlen);
	if (!n || !v)
		return -1;
	h->hdrs[h->nhdrs].name.p = n;
	h->hdrs[h->nhdrs].name.len = strlen(name);
	h->hdrs[h->nhdrs].value.p = v;
	h->hdrs[h->nhdrs].value.len = vlen;
	h->nhdrs++;
	return 0;
}

int http_hdr_del(struct http_head *h, const char *name)
{
	int removed = 0, j = 0;

	for (int i = 0; i < h->nhdrs; i++) {
		if (name_eq(&h->hdrs[i].name, name)) {
			removed++;
			continue;
		}
		h->hdrs[j++] = h->hdrs[i];
	}
	h->nhdrs = j;
	return removed;
}

int http_hdr_set(struct http_txn *txn, struct http_head *h, const char *name, const char *value, size_t vlen)
{
	http_hdr_del(h, name);
	return http_hdr_add(txn, h, name, value, vlen);
}

int http_set_uri(struct http_txn *txn, const char *uri, size_t len)
{
	const char *p = http_txn_store(txn, uri, len);

	if (!p)
		return -1;
	txn->req.uri.p = p;
	txn->req.uri.len = len;
	return 0;
}

/* The request target may be absolute ("http://host/path?q") or origin
 * form ("/path?q"); "*" has an empty path. */
static struct http_str path_and_query(const struct http_head *req)
{
	struct http_str u = req->uri;
	const char *scheme = memmem(u.p, u.len, "://", 3);

	if (u.len && u.p[0] != '/' && scheme) {
		const char *host = scheme + 3, *end = u.p + u.len;
		const char *slash = memchr(host, '/', (size_t)(end - host));

		if (!slash)
			return (struct http_str){ end, 0 };
		u.len = (size_t)(end - slash);
		u.p = slash;
	}
	return u;
}

struct http_str http_req_path(const struct http_head *req)
{
	struct http_str u = path_and_query(req);
	const char *q = memchr(u.p, '?', u.len);

	if (q)
		u.len = (size_t)(q - u.p);
	return u;
}

struct http_str http_req_query(const struct http_head *req)
{
	struct http_str u = path_and_query(req), r = { u.p + u.len, 0 };
	const char *q = memchr(u.p, '?', u.len);

	if (q) {
		r.p = q + 1;
		r.len = (size_t)(u.p + u.len - r.p);
	}
	return r;
}

struct out {
	char *p;
	size_t len, cap;
	bool overflow;
};

static void put(struct out *o, const char *s, size_t n)
{
	if (o->len + n > o->cap) {
		o->overflow = true;
		return;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
}

static void put_headers(struct out *o, const struct http_head *h)
{
	for (int i = 0; i < h->nhdrs; i++) {
		put(o, h->hdrs[i].name.p, h->hdrs[i].name.len);
		put(o, ": ", 2);
		put(o, h->hdrs[i].value.p, h->hdrs[i].value.len);
		put(o, "\r\n", 2);
	}
	put(o, "\r\n", 2);
}

ssize_t http_emit_request(const struct http_head *h, char *out, size_t outlen)
{
	struct out o = { out, 0, outlen, false };

	put(&o, h->meth.p, h->meth.len);
	put(&o, " ", 1);
	put(&o, h->uri.p, h->uri.len);
	put(&o, " ", 1);
	put(&o, h->vsn.p, h->vsn.len);
	put(&o, "\r\n", 2);
	put_headers(&o, h);
	return o.overflow ? -1 : (ssize_t)o.len;
}

ssize_t http_emit_response(const struct http_head *h, char *out, size_t outlen)
{
	struct out o = { out, 0, outlen, false };
	char code[8];
	int n = snprintf(code, sizeof(code), " %03d", h->status);

	put(&o, h->vsn.len ? h->vsn.p : "HTTP/1.1", h->vsn.len ? h->vsn.len : 8);
	put(&o, code, (size_t)n);
	if (h->reason.len) {
		put(&o, " ", 1);
		put(&o, h->reason.p, h->reason.len);
	} else {
		put(&o, " ", 1);
	}
	put(&o, "\r\n", 2);
	put_headers(&o, h);
	return o.overflow ? -1 : (ssize_t)o.len;
}

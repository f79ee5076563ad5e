/* http_cookie: `cookie NAME insert|rewrite|prefix ...` persistence (see
 * http_rules.h). */
#include "proxy/http_rules_int.h"
#include "lib/util.h"

#include <stdio.h>
#include <string.h>

/* Find NAME=value in one Cookie header value; sets the span of the whole
 * "NAME=value" pair too. */
static bool cookie_find(struct http_str hv, const char *name, struct http_str *val, struct http_str *pair)
{
	size_t nl = strlen(name);
	const char *s = hv.p, *end = hv.p + hv.len;

	while (s < end) {
		const char *semi = memchr(s, ';', (size_t)(end - s));
		const char *e = semi ? semi : end;

		while (s < e && (*s == ' ' || *s == '\t'))
			s++;
		if ((size_t)(e - s) > nl && memcmp(s, name, nl) == 0 && s[nl] == '=') {
			pair->p = s;
			pair->len = (size_t)(e - s);
			val->p = s + nl + 1;
			val->len = (size_t)(e - val->p);
			return true;
		}
		s = e + 1;
	}
	return false;
}

static struct server *server_by_cookie(struct proxy *be, const char *v, size_t len)
{
	struct server *found = NULL;

	pthread_mutex_lock(&be->lock);
	for (int i = 0; i < be->nservers; i++) {
		struct server *s = be->servers[i];

		if (s->cookie && strlen(s->cookie) == len && memcmp(s->cookie, v, len) == 0) {
			if (server_is_usable(s) || (s->op_state == SRV_ST_RUNNING && !(s->admin & SRV_ADMF_MAINT)))
				found = s;
			break;
		}
	}
	pthread_mutex_unlock(&be->lock);
	return found;
}

/* Remove `pair` (and its separator) from header i's value. */
static void remove_pair(struct http_txn *txn, int i, struct http_str pair)
{
	struct http_str *v = &txn->req.hdrs[i].value;
	char buf[4096];
	size_t before = (size_t)(pair.p - v->p), after_off = before + pair.len, n = 0;
	const char *p;

	if (v->len >= sizeof(buf))
		return;
	/* skip "; " after the pair, or the one before it when it is last */
	while (after_off < v->len && (v->p[after_off] == ';' || v->p[after_off] == ' '))
		after_off++;
	if (after_off == v->len)
		while (before > 0 && (v->p[before - 1] == ';' || v->p[before - 1] == ' '))
			before--;
	memcpy(buf, v->p, before);
	n = before;
	memcpy(buf + n, v->p + after_off, v->len - after_off);
	n += v->len - after_off;
	if (n == 0) {
		http_hdr_del(&txn->req, "Cookie");  /* only when it was the sole pair */
		return;
	}
	p = http_txn_store(txn, buf, n);
	if (p) {
		v->p = p;
		v->len = n;
	}
}

struct server *http_cookie_server(struct proxy *be, struct http_txn *txn)
{
	struct http_rules *R = be->http.rules;
	int i = -1;

	if (!R || R->ck_mode == CK_NONE || !R->ck_name)
		return NULL;
	while ((i = http_hdr_find(&txn->req, "Cookie", i + 1)) >= 0) {
		struct http_str val, pair;
		struct server *s;
		size_t vlen;

		if (!cookie_find(txn->req.hdrs[i].value, R->ck_name, &val, &pair))
			continue;
		vlen = val.len;
		if (R->ck_mode == CK_PREFIX) {
			const char *tilde = memchr(val.p, '~', val.len);

			if (!tilde)
				return NULL;
			vlen = (size_t)(tilde - val.p);
		}
		s = server_by_cookie(be, val.p, vlen);
		if (R->ck_mode == CK_PREFIX) {
			/* give the server its own cookie back */
			char buf[1024];
			size_t nl = strlen(R->ck_name), rest = val.len - vlen - 1;
			int n = snprintf(buf, sizeof(buf), "%s=%.*s", R->ck_name, (int)rest, val.p + vlen + 1);

			if (n > 0 && (size_t)n < sizeof(buf) && pair.len >= nl) {
				struct http_str *hv = &txn->req.hdrs[i].value;
				char full[4096];
				size_t off = (size_t)(pair.p - hv->p);

				if (hv->len - pair.len + (size_t)n < sizeof(full)) {
					const char *p;

					memcpy(full, hv->p, off);
					memcpy(full + off, buf, (size_t)n);
					memcpy(full + off + n, pair.p + pair.len, hv->len - off - pair.len);
					p = http_txn_store(txn, full, hv->len - pair.len + (size_t)n);
					if (p) {
						hv->len = hv->len - pair.len + (size_t)n;
						hv->p = p;
					}
				}
			}
		} else if (R->ck_mode == CK_INSERT && R->ck_indirect) {
			remove_pair(txn, i, pair);
		}
		return s;
	}
	return NULL;
}

static void cookie_attrs(const struct http_rules *R, struct strbuf *sb)
{
	sb_puts(sb, "; path=/");
	if (R->ck_domain)
		sb_appendf(sb, "; domain=%s", R->ck_domain);
	if (R->ck_httponly)
		sb_puts(sb, "; HttpOnly");
	if (R->ck_secure)
		sb_puts(sb, "; Secure");
}

void http_cookie_response(struct proxy *be, struct http_txn *txn, bool from_cookie)
{
	struct http_rules *R = be->http.rules;
	struct strbuf sb = STRBUF_INIT;
	struct server *srv = txn->srv;

	if (!R || R->ck_mode == CK_NONE || R->ck_mode == CK_PASSIVE || !srv || !srv->cookie)
		return;
	if (R->ck_mode == CK_INSERT) {
		if (from_cookie)
			return;
		if (R->ck_preserve) {
			int i = -1;
			struct http_str val, pair;

			while ((i = http_hdr_find(&txn->rsp, "Set-Cookie", i + 1)) >= 0)
				if (cookie_find(txn->rsp.hdrs[i].value, R->ck_name, &val, &pair))
					return;
		}
		sb_appendf(&sb, "%s=%s", R->ck_name, srv->cookie);
		cookie_attrs(R, &sb);
		http_hdr_add(txn, &txn->rsp, "Set-Cookie", sb.s, sb.len);
		if (R->ck_nocache)
			http_hdr_add(txn, &txn->rsp, "Cache-control", "private", 7);
	} else {
		/* rewrite / prefix the server's own Set-Cookie */
		int i = -1;

		while ((i = http_hdr_find(&txn->rsp, "Set-Cookie", i + 1)) >= 0) {
			struct http_str *hv = &txn->rsp.hdrs[i].value, val, pair;
			const char *p;

			if (!cookie_find(*hv, R->ck_name, &val, &pair) || pair.p != hv->p)
				continue;
			sb_reset(&sb);
			if (R->ck_mode == CK_REWRITE)
				sb_appendf(&sb, "%s=%s", R->ck_name, srv->cookie);
			else
				sb_appendf(&sb, "%s=%s~%.*s", R->ck_name, srv->cookie, (int)val.len, val.p);
			sb_append(&sb, pair.p + pair.len, hv->len - pair.len);
			p = http_txn_store(txn, sb.s, sb.len);
			if (p) {
				hv->p = p;
				hv->len = sb.len;
			}
		}
		if (R->ck_nocache)
			http_hdr_add(txn, &txn->rsp, "Cache-control", "private", 7);
	}
	sb_free(&sb);
}

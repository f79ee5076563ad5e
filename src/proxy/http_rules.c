/* http_rules: request and response rules of `mode http` proxies (see
 * http_rules.h). Parsing is in cfgparse-http.c, generated responses in
 * http_reply.c, cookie persistence in http_cookie.c. */
#include "proxy/http_rules_int.h"
#include "proxy/cache.h"
#include "proxy/acl.h"
#include "proxy/session.h"
#include "proxy/stick_counters.h"
#include "lib/util.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct http_rules *http_rules_of(struct proxy *px)
{
	if (!px->http.rules)
		px->http.rules = xcalloc(1, sizeof(struct http_rules));
	return px->http.rules;
}

void http_rule_release(struct http_rule *r)
{
	acl_cond_free(r->cond);
	free(r->name);
	http_fmt_free(r->fmt);
	sample_expr_free(r->expr);
	if (r->has_re)
		regfree(&r->re);
	free(r->reason);
	free(r->content_type);
	free(r->body);
	for (int i = 0; i < r->nhdrs; i++) {
		free(r->hdrs[i].name);
		http_fmt_free(r->hdrs[i].value);
	}
	free(r->hdrs);
	free(r->realm);
	free(r->table_name);
	if (r->errmsg)
		http_errmsg_release(r->errmsg);
	free(r->errmsg);
	free(r->errfiles_name);
	http_fmt_free(r->rdr.target);
	free(r->rdr.cookie);
	memset(r, 0, sizeof(*r));
}

void http_errmsg_copy(struct http_errmsg *dst, const struct http_errmsg *src)
{
	*dst = *src;
	dst->head = src->head ? xstrdup(src->head) : NULL;
	dst->content_type = src->content_type ? xstrdup(src->content_type) : NULL;
	dst->lf = src->lf ? xstrdup(src->lf) : NULL;
	dst->fmt = NULL;
	dst->head_fmt = NULL;
	dst->body = xmalloc(src->body_len + 1);
	if (src->body)
		memcpy(dst->body, src->body, src->body_len);
	dst->body[src->body_len] = 0;
	dst->ref = src->ref ? xstrdup(src->ref) : NULL;
	dst->ref_codes = NULL;
	if (src->nref_codes) {
		dst->ref_codes = xmalloc(sizeof(int) * (size_t)src->nref_codes);
		memcpy(dst->ref_codes, src->ref_codes, sizeof(int) * (size_t)src->nref_codes);
	}
}

void http_errmsg_release(struct http_errmsg *m)
{
	free(m->head);
	free(m->body);
	free(m->content_type);
	free(m->lf);
	http_fmt_free(m->fmt);
	http_fmt_free(m->head_fmt);
	free(m->ref);
	free(m->ref_codes);
	memset(m, 0, sizeof(*m));
}

static void free_errs(struct http_rules *R)
{
	for (int i = 0; i < R->nerrs; i++)
		http_errmsg_release(&R->errs[i]);
	free(R->errs);
}

void http_rules_free(struct proxy *px)
{
	struct http_rules *R = px->http.rules;
	struct px_stats_cfg *st = &px->http.stats;

	free(px->http.forwardfor_hdr);
	free(px->http.monitor_uri);
	free(st->uri);
	free(st->realm);
	for (int i = 0; i < st->nauth; i++)
		free(st->auth[i]);
	free(st->auth);
	acl_cond_free(st->admin_cond);
	free(px->log_format);
	free(px->lb_param);
	stkctr_table_free(px->stkctr);
	px->stkctr = NULL;
	if (!R)
		return;
	for (int i = 0; i < R->nreq; i++)
		http_rule_release(&R->req[i]);
	free(R->req);
	for (int i = 0; i < R->nrsp; i++)
		http_rule_release(&R->rsp[i]);
	free(R->rsp);
	for (int i = 0; i < R->nafter; i++)
		http_rule_release(&R->after[i]);
	free(R->after);
	for (int i = 0; i < R->nredirects; i++)
		http_rule_release(&R->redirects[i]);
	free(R->redirects);
	for (int i = 0; i < R->nswitch_fmt; i++)
		http_fmt_free(R->switch_fmt[i]);
	free(R->switch_fmt);
	free(R->ck_name);
	free(R->ck_domain);
	free_errs(R);
	comp_cfg_free(&R->comp);
	for (int i = 0; i < R->nlog_exprs; i++)
		sample_expr_free(R->log_exprs[i]);
	free(R->log_exprs);
	for (int i = 0; i < R->nreq_caps; i++)
		free(R->req_caps[i].name);
	for (int i = 0; i < R->nrsp_caps; i++)
		free(R->rsp_caps[i].name);
	free(R);
	px->http.rules = NULL;
}

/* ---- helpers ---- */

static bool cond_ok(const struct http_rule *r, struct http_txn *txn)
{
	return !r->cond || acl_cond_eval_http(r->cond, txn);
}

/* Evaluate a format into the arena. */
static struct http_str fmt_store(struct http_txn *txn, const struct http_fmt *f, bool *ok)
{
	struct strbuf sb = STRBUF_INIT;
	struct http_str r = { "", 0 };

	http_fmt_eval(f, txn, &sb);
	if (sb.len) {
		r.p = http_txn_store(txn, sb.s, sb.len);
		r.len = sb.len;
		if (!r.p) {
			*ok = false;
			r.p = "";
			r.len = 0;
		}
	}
	sb_free(&sb);
	return r;
}

/* Replace the regex match of `re` on value with `repl` (\1..\9 refer to
 * groups): the whole value is replaced, as HAProxy does. False when the
 * value does not match. */
static bool regex_replace(const regex_t *re, const char *val, size_t vlen, const char *repl, size_t rlen,
			  struct strbuf *out)
{
	char tmp[4096];
	regmatch_t m[10];

	if (vlen >= sizeof(tmp))
		return false;
	memcpy(tmp, val, vlen);
	tmp[vlen] = 0;
	if (regexec(re, tmp, 10, m, 0) != 0)
		return false;
	for (size_t i = 0; i < rlen; i++) {
		if (repl[i] == '\\' && i + 1 < rlen && repl[i + 1] >= '0' && repl[i + 1] <= '9') {
			int g = repl[++i] - '0';

			if (m[g].rm_so >= 0)
				sb_append(out, tmp + m[g].rm_so, (size_t)(m[g].rm_eo - m[g].rm_so));
		} else {
			sb_append(out, repl + i, 1);
		}
	}
	return true;
}

static int replace_header(struct http_txn *txn, struct http_head *h, const struct http_rule *r)
{
	struct strbuf repl = STRBUF_INIT, out = STRBUF_INIT;
	int i = -1, rc = 0;

	http_fmt_eval(r->fmt, txn, &repl);
	while ((i = http_hdr_find(h, r->name, i + 1)) >= 0) {
		struct http_str *v = &h->hdrs[i].value;
		const char *p;

		sb_reset(&out);
		if (r->act == HA_REPLACE_HDR) {
			if (!regex_replace(&r->re, v->p, v->len, sb_str(&repl), repl.len, &out))
				continue;
		} else {
			/* each comma-separated value on its own */
			const char *s = v->p, *end = v->p + v->len;
			bool changed = false;

			while (s <= end) {
				const char *c = memchr(s, ',', (size_t)(end - s));
				const char *e = c ? c : end, *b = s;

				while (b < e && (*b == ' ' || *b == '\t'))
					b++;
				if (s != v->p)
					sb_puts(&out, ",");
				sb_append(&out, s, (size_t)(b - s));
				if (regex_replace(&r->re, b, (size_t)(e - b), sb_str(&repl), repl.len, &out))
					changed = true;
				else
					sb_append(&out, b, (size_t)(e - b));
				if (!c)
					break;
				s = c + 1;
			}
			if (!changed)
				continue;
		}
		p = http_txn_store(txn, sb_str(&out), out.len);
		if (!p && out.len) {
			rc = -1;
			break;
		}
		v->p = p ? p : "";
		v->len = out.len;
	}
	sb_free(&repl);
	sb_free(&out);
	return rc;
}

static struct http_str capture_keep(struct http_txn *txn, struct http_str v);

/* http-request|response capture SAMPLE len N|id N: the sample, cut to its
 * slot's length, in the frontend's capture slot. */
static void capture_rule(const struct http_rule *r, struct http_txn *txn, bool rsp)
{
	const struct http_rules *FR = txn->fe ? txn->fe->http.rules : NULL;
	struct http_str *slots = rsp ? txn->rsp_captures : txn->captures;
	int nslots = rsp ? txn->nrsp_captures : txn->ncaptures;
	struct smp smp;
	struct http_str v;
	char num[32];
	int max;

	if (!FR || r->sc >= nslots || !sample_eval(r->expr, txn, 0, &smp))
		return;
	max = rsp ? FR->rsp_caps[r->sc].len : FR->req_caps[r->sc].len;
	v.p = smp.p;
	v.len = smp.len;
	if (!v.p) {
		v.len = (size_t)snprintf(num, sizeof(num), "%lld", smp.num);
		v.p = num;
	}
	if (v.len > (size_t)max)
		v.len = (size_t)max;
	slots[r->sc] = capture_keep(txn, v);
}

/* http-request replace-path|replace-uri REGEX FMT: the path (without the
 * query string) or the whole URI, when the regex matches, is replaced by
 * the format with \1..\9 substituted. Returns -1 when out of room. */
static int replace_uri_rule(const struct http_rule *r, struct http_txn *txn)
{
	struct strbuf repl = STRBUF_INIT, out = STRBUF_INIT, u = STRBUF_INIT;
	struct http_str uri = txn->req.uri, path = http_req_path(&txn->req);
	int rc = 0;

	http_fmt_eval(r->fmt, txn, &repl);
	if (r->act == HA_REPLACE_URI) {
		if (regex_replace(&r->re, uri.p, uri.len, sb_str(&repl), repl.len, &out))
			rc = http_set_uri(txn, sb_str(&out), out.len);
	} else if (regex_replace(&r->re, path.p, path.len, sb_str(&repl), repl.len, &out)) {
		/* an absolute-form scheme://authority and the query stay */
		const char *after = path.p + path.len;

		sb_append(&u, uri.p, (size_t)(path.p - uri.p));
		sb_append(&u, sb_str(&out), out.len);
		sb_append(&u, after, (size_t)(uri.p + uri.len - after));
		rc = http_set_uri(txn, sb_str(&u), u.len);
	}
	sb_free(&repl);
	sb_free(&out);
	sb_free(&u);
	return rc < 0 ? -1 : 0;
}

static int set_var(struct http_txn *txn, const char *name, const char *v, size_t len)
{
	const char *p = http_txn_store(txn, v, len);

	if (!p && len)
		return -1;
	for (int i = 0; i < txn->nvars; i++) {
		if (strcmp(txn->vars[i].name, name) == 0) {
			txn->vars[i].value.p = p;
			txn->vars[i].value.len = len;
			return 0;
		}
	}
	if (txn->nvars == (int)ARRAY_SIZE(txn->vars))
		return -1;
	txn->vars[txn->nvars].name = name;
	txn->vars[txn->nvars].value.p = p;
	txn->vars[txn->nvars].value.len = len;
	txn->nvars++;
	return 0;
}

/* set-var(NAME) EXPR, or set-var-fmt(NAME) FMT (a format: r->fmt). */
static int set_var_rule(struct http_txn *txn, const struct http_rule *r)
{
	struct smp smp;
	int rc = 0;

	if (r->fmt) {
		struct strbuf sb = STRBUF_INIT;

		http_fmt_eval(r->fmt, txn, &sb);
		rc = set_var(txn, r->name, sb_str(&sb), sb.len);
		sb_free(&sb);
		return rc;
	}
	if (sample_eval(r->expr, txn, 0, &smp))
		rc = set_var(txn, r->name, smp.p, smp.len);
	return rc;
}

static void track(struct proxy *px, const struct http_rule *r, struct http_txn *txn)
{
	struct proxy *tp = r->table_px ? r->table_px : px;
	unsigned char key[STKCTR_KEY_MAX];
	struct smp smp, *s = &smp;
	size_t klen;
	uint64_t now = stkctr_now_ms();

	if (txn->sc_entry[r->sc] || !tp->stkctr)
		return;
	if (sample_eval(r->expr, txn, 0, s)) {
		klen = sample_key(s, key, sizeof(key));
		if (klen) {
			struct stkctr_entry *e = stkctr_track(tp->stkctr, key, klen, now);

			if (e) {
				txn->sc_table[r->sc] = tp->stkctr;
				txn->sc_entry[r->sc] = e;
				stkctr_inc(tp->stkctr, e, STKCTR_HTTP_REQ_RATE, now);
			}
		}
	}
}

void http_track_response(struct http_txn *txn, int status)
{
	uint64_t now = stkctr_now_ms();

	if (status < 400 || status > 499)
		return;
	for (int i = 0; i < 3; i++)
		if (txn->sc_entry[i])
			stkctr_inc(txn->sc_table[i], txn->sc_entry[i], STKCTR_HTTP_ERR_RATE, now);
}

void http_rules_txn_end(struct http_txn *txn)
{
	uint64_t now = stkctr_now_ms();

	for (int i = 0; i < 3; i++) {
		if (txn->sc_entry[i] && !txn->sc_conn[i])
			stkctr_untrack(txn->sc_table[i], txn->sc_entry[i], now);
		txn->sc_conn[i] = false;
		txn->sc_entry[i] = NULL;
		txn->sc_table[i] = NULL;
	}
	txn->nvars = 0;
	txn->log_level = 0;
	txn->rewrite_lax = false;
	txn->cache_store = NULL;
	txn->ncaptures = 0;
	txn->nrsp_captures = 0;
}

/* ---- generated responses ---- */

static void reply_redirect(const struct http_redirect *rd, struct http_txn *txn, struct http_reply *reply)
{
	struct strbuf loc = STRBUF_INIT;
	struct http_str path = http_req_path(&txn->req), query = http_req_query(&txn->req);
	bool has_q = memchr(txn->req.uri.p, '?', txn->req.uri.len) != NULL;

	switch (rd->type) {
	case RDR_LOCATION:
		http_fmt_eval(rd->target, txn, &loc);
		break;
	case RDR_SCHEME: {
		struct http_str host;

		http_fmt_eval(rd->target, txn, &loc);
		sb_puts(&loc, "://");
		if (http_hdr_get(&txn->req, "Host", 1, &host))
			sb_append(&loc, host.p, host.len);
		goto add_path;
	}
	case RDR_PREFIX:
		http_fmt_eval(rd->target, txn, &loc);
		if (loc.len == 1 && loc.s[0] == '/')
			sb_reset(&loc);
add_path:
		sb_append(&loc, path.p, path.len);
		if (rd->append_slash && (!path.len || path.p[path.len - 1] != '/'))
			sb_puts(&loc, "/");
		if (has_q && !rd->drop_query) {
			sb_puts(&loc, "?");
			sb_append(&loc, query.p, query.len);
		}
		break;
	}
	sb_reset(&reply->head_extra);
	sb_reset(&reply->body);
	reply->head_first = false;
	reply->status = rd->code ? rd->code : 302;
	reply->content_type = NULL;
	sb_appendf(&reply->head_extra, "location: %s\r\n", sb_str(&loc));
	if (rd->cookie)
		sb_appendf(&reply->head_extra, "set-cookie: %s\r\n", rd->cookie);
	txn->redirect_code = reply->status;
	txn->redirect_location.p = http_txn_store(txn, sb_str(&loc), loc.len);
	txn->redirect_location.len = txn->redirect_location.p ? loc.len : 0;
	sb_free(&loc);
}

/* A deny rule with its own response (content-type, string, file,
 * errorfile, errorfiles, default-errorfiles, hdr) rather than the proxy's
 * error page for its status. */
static bool rule_has_reply(const struct http_rule *r)
{
	return r->errmsg || r->body || r->fmt || r->content_type || r->nhdrs || r->body_is_errorfile;
}

static void reply_return(struct proxy *px, const struct http_rule *r, struct http_txn *txn,
			 struct http_reply *reply)
{
	const struct http_errmsg *m;
	int status = r->status ? r->status : 200;

	sb_reset(&reply->head_extra);
	sb_reset(&reply->body);
	reply->status = status;
	reply->content_type = NULL;
	reply->head_first = false;
	if (r->errmsg) {
		/* errorfile F / errorfiles S: the whole response, as written */
		http_reply_from_msg(r->errmsg, status, txn, reply);
		return;
	}
	if (r->body_is_errorfile) {
		m = http_errmsg_find(px, status);
		if (m) {
			http_reply_from_msg(m, status, txn, reply);
		} else {
			http_reply_error(NULL, status, txn, reply);
			reply->status = status;
		}
	} else if (r->body) {
		sb_append(&reply->body, r->body, r->body_len);
		reply->content_type = r->content_type;
	} else if (r->fmt) {
		http_fmt_eval(r->fmt, txn, &reply->body);
		reply->content_type = r->content_type;
	}
	if (r->nhdrs && !r->body_is_errorfile) {
		/* HAProxy sends these first, names in lower case */
		reply->head_first = true;
	}
	for (int i = 0; i < r->nhdrs; i++) {
		for (const char *c = r->hdrs[i].name; *c; c++) {
			char lc = (char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c);

			sb_append(&reply->head_extra, &lc, 1);
		}
		sb_puts(&reply->head_extra, ": ");
		http_fmt_eval(r->hdrs[i].value, txn, &reply->head_extra);
		sb_puts(&reply->head_extra, "\r\n");
	}
}

static void reply_auth(struct proxy *px, const char *realm, struct http_txn *txn,
		       struct http_reply *reply)
{
	http_reply_error(px, 401, txn, reply);
	sb_appendf(&reply->head_extra, "www-authenticate: Basic realm=\"%s\"\r\n", realm);
}

static int b64_char(int c)
{
	if (c >= 'A' && c <= 'Z') return c - 'A';
	if (c >= 'a' && c <= 'z') return c - 'a' + 26;
	if (c >= '0' && c <= '9') return c - '0' + 52;
	return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* The Authorization: Basic credentials, decoded ("user:pass"). */
static bool basic_credentials(const struct http_txn *txn, char *out, size_t outlen)
{
	struct http_str v;
	unsigned acc = 0;
	int bits = 0;
	size_t o = 0;

	if (!http_hdr_get(&txn->req, "Authorization", 0, &v) || v.len < 6 ||
	    strncasecmp(v.p, "Basic ", 6) != 0)
		return false;
	for (size_t i = 6; i < v.len && v.p[i] != '='; i++) {
		int c = b64_char((unsigned char)v.p[i]);

		if (c < 0)
			return false;
		acc = (acc << 6) | (unsigned)c;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o + 1 >= outlen)
				return false;
			out[o++] = (char)((acc >> bits) & 0xff);
		}
	}
	out[o] = 0;
	return true;
}

static bool stats_authorized(const struct px_stats_cfg *st, const struct http_txn *txn)
{
	char cred[512];

	if (st->nauth == 0)
		return true;
	if (!basic_credentials(txn, cred, sizeof(cred)))
		return false;
	for (int i = 0; i < st->nauth; i++)
		if (strcmp(st->auth[i], cred) == 0)
			return true;
	return false;
}

/* A captured value outlives the buffer it was read from (the log line
 * is written after the exchange): it goes to the arena; empty if full. */
static struct http_str capture_keep(struct http_txn *txn, struct http_str v)
{
	struct http_str kept = { "", 0 };

	if (v.len && (kept.p = http_txn_store(txn, v.p, v.len)) != NULL)
		kept.len = v.len;
	else
		kept.p = "";
	return kept;
}

static void capture_headers(struct proxy *px, struct http_txn *txn)
{
	struct http_rules *R = px->http.rules;

	if (!R || !(px->cap & PX_CAP_FE))
		return;
	for (int i = 0; i < R->nreq_caps && txn->ncaptures < (int)ARRAY_SIZE(txn->captures); i++) {
		struct http_str v = { "", 0 };

		if (R->req_caps[i].name && http_hdr_get(&txn->req, R->req_caps[i].name, -1, &v) &&
		    v.len > (size_t)R->req_caps[i].len)
			v.len = (size_t)R->req_caps[i].len;
		txn->captures[txn->ncaptures++] = capture_keep(txn, v);
	}
}

/* Counters tracked by the connection's rules are the request's too, and
 * count it. */
static void http_rules_txn_start(struct http_txn *txn)
{
	uint64_t now = stkctr_now_ms();

	for (int i = 0; txn->conn_sc_entry && i < 3; i++) {
		if (!txn->conn_sc_entry[i])
			continue;
		txn->sc_table[i] = txn->conn_sc_table[i];
		txn->sc_entry[i] = txn->conn_sc_entry[i];
		txn->sc_conn[i] = true;
		stkctr_inc(txn->sc_table[i], txn->sc_entry[i], STKCTR_HTTP_REQ_RATE, now);
	}
}

/* `tcp-request content` rules of an HTTP frontend: run for every request,
 * as HAProxy runs them for every stream; what they track is the
 * request's (released with it), and counts it. */
static enum http_verdict tcp_content_rules(struct proxy *px, struct http_txn *txn)
{
	for (int i = 0; i < px->ntcp_rules; i++) {
		const struct tcp_rule *r = &px->tcp_rules[i];

		if (r->layer != TCP_RULE_CONTENT || (r->cond && !acl_cond_eval_http(r->cond, txn)))
			continue;
		switch (r->action) {
		case TCP_ACT_ACCEPT:
			return HTTP_V_CONTINUE;
		case TCP_ACT_REJECT:
		case TCP_ACT_SILENT_DROP:
			atomic_fetch_add(&px->cnt.denied_req, 1);
			return r->action == TCP_ACT_REJECT ? HTTP_V_REJECT : HTTP_V_SILENT_DROP;
		case TCP_ACT_TRACK_SC:
			if (txn->sc_entry[r->sc])
				break;
			session_track_txn(r->table_px, r->expr, txn, &txn->sc_table[r->sc], &txn->sc_entry[r->sc]);
			if (txn->sc_entry[r->sc])
				stkctr_inc(txn->sc_table[r->sc], txn->sc_entry[r->sc], STKCTR_HTTP_REQ_RATE,
					   stkctr_now_ms());
			break;
		case TCP_ACT_EXPECT_PROXY:
			break;
		}
	}
	return HTTP_V_CONTINUE;
}

enum http_verdict http_req_rules_run(struct proxy *px, struct http_txn *txn, struct http_reply *reply)
{
	struct http_rules *R = px->http.rules;
	struct px_stats_cfg *st = &px->http.stats;
	bool ok = true;

	/* The frontend's call starts a transaction: what a previous one on
	 * the same txn left (tracked entries, variables) is released here
	 * if http_rules_txn_end() was not called. */
	if (px == txn->fe) {
		http_rules_txn_end(txn);
		http_rules_txn_start(txn);
	}
	/* the frontend's, then the backend's once it is chosen */
	if (px->ntcp_rules) {
		enum http_verdict tv = tcp_content_rules(px, txn);

		if (tv != HTTP_V_CONTINUE)
			return tv;
	}
	if (px->http.monitor_uri) {
		struct http_str u = txn->req.uri;

		if (u.len == strlen(px->http.monitor_uri) && memcmp(u.p, px->http.monitor_uri, u.len) == 0) {
			http_reply_error(px, 200, txn, reply);
			return HTTP_V_REPLY;
		}
	}
	capture_headers(px, txn);
	for (int i = 0; R && i < R->nreq; i++) {
		const struct http_rule *r = &R->req[i];
		struct http_str v;

		if (!cond_ok(r, txn))
			continue;
		switch (r->act) {
		case HA_ALLOW:
			goto rules_done;
		case HA_DENY:
			atomic_fetch_add(&px->cnt.denied_req, 1);
			txn->deny_status = r->status ? r->status : 403;
			if (rule_has_reply(r)) {
				struct http_rule d = *r;

				d.status = txn->deny_status;
				reply_return(px, &d, txn, reply);
			} else {
				http_reply_error(px, txn->deny_status, txn, reply);
			}
			return HTTP_V_REPLY;
		case HA_REJECT:
		case HA_SILENT_DROP:
			atomic_fetch_add(&px->cnt.denied_req, 1);
			return r->act == HA_REJECT ? HTTP_V_REJECT : HTTP_V_SILENT_DROP;
		case HA_REPLACE_PATH:
		case HA_REPLACE_URI:
			if (replace_uri_rule(r, txn) < 0)
				ok = false;
			break;
		case HA_CAPTURE:
			capture_rule(r, txn, false);
			break;
		case HA_TARPIT:
			atomic_fetch_add(&px->cnt.denied_req, 1);
			txn->deny_status = r->status ? r->status : 500;
			http_reply_error(px, txn->deny_status, txn, reply);
			return HTTP_V_TARPIT;
		case HA_REDIRECT:
			reply_redirect(&r->rdr, txn, reply);
			return HTTP_V_REPLY;
		case HA_SET_HDR:
		case HA_ADD_HDR:
			v = fmt_store(txn, r->fmt, &ok);
			if (ok && (r->act == HA_SET_HDR ? http_hdr_set(txn, &txn->req, r->name, v.p, v.len)
							: http_hdr_add(txn, &txn->req, r->name, v.p, v.len)) < 0)
				ok = false;
			break;
		case HA_DEL_HDR:
			http_hdr_del(&txn->req, r->name);
			break;
		case HA_REPLACE_HDR:
		case HA_REPLACE_VAL:
			if (replace_header(txn, &txn->req, r) < 0)
				ok = false;
			break;
		case HA_SET_PATH:
		case HA_SET_QUERY:
		case HA_SET_URI: {
			struct strbuf sb = STRBUF_INIT, u = STRBUF_INIT;
			struct http_str path = http_req_path(&txn->req), q = http_req_query(&txn->req);
			bool has_q = memchr(txn->req.uri.p, '?', txn->req.uri.len) != NULL;
			const char *pfx_end = path.p;

			http_fmt_eval(r->fmt, txn, &sb);
			if (r->act == HA_SET_URI) {
				sb_append(&u, sb.s ? sb.s : "", sb.len);
			} else {
				/* keep an absolute-form scheme://authority */
				sb_append(&u, txn->req.uri.p, (size_t)(pfx_end - txn->req.uri.p));
				if (r->act == HA_SET_PATH) {
					sb_append(&u, sb.s ? sb.s : "", sb.len);
					if (has_q) {
						sb_puts(&u, "?");
						sb_append(&u, q.p, q.len);
					}
				} else {
					sb_append(&u, path.p, path.len);
					if (sb.len) {
						sb_puts(&u, "?");
						sb_append(&u, sb.s, sb.len);
					}
				}
			}
			if (http_set_uri(txn, sb_str(&u), u.len) < 0)
				ok = false;
			sb_free(&sb);
			sb_free(&u);
			break;
		}
		case HA_SET_METHOD:
			v = fmt_store(txn, r->fmt, &ok);
			if (ok)
				txn->req.meth = v;
			break;
		case HA_SET_VAR:
			if (set_var_rule(txn, r) < 0)
				ok = false;
			break;
		case HA_UNSET_VAR:
			for (int k = 0; k < txn->nvars; k++)
				if (strcmp(txn->vars[k].name, r->name) == 0)
					txn->vars[k] = txn->vars[--txn->nvars];
			break;
		case HA_RETURN:
			reply_return(px, r, txn, reply);
			return HTTP_V_REPLY;
		case HA_AUTH:
			reply_auth(px, r->realm ? r->realm : px->id, txn, reply);
			return HTTP_V_REPLY;
		case HA_USE_SERVICE:
			return HTTP_V_PROMETHEUS;
		case HA_CACHE_STORE:     /* a response action */
			break;
		case HA_STRICT_MODE:
			txn->rewrite_lax = !r->status;
			break;
		case HA_CACHE_USE:
			if (!r->cache)
				break;
			atomic_fetch_add(&px->cnt.cache_lookups, 1);
			if (cache_lookup(r->cache, txn, ev_monotonic_ms() / 1000, reply)) {
				atomic_fetch_add(&px->cnt.cache_hits, 1);
				return HTTP_V_REPLY;
			}
			break;
		case HA_TRACK_SC:
			track(px, r, txn);
			break;
		case HA_SET_LOG_LEVEL:
			txn->log_level = r->log_level + 1;
			break;
		case HA_SET_STATUS:
			break;
		}
		if (!ok && txn->rewrite_lax) {
			ok = true;
		} else if (!ok) {
			http_reply_error(px, 500, txn, reply);
			return HTTP_V_REPLY;
		}
	}
rules_done:
	if (st->enabled && st->uri) {
		size_t ul = strlen(st->uri);

		if (txn->req.uri.len >= ul && memcmp(txn->req.uri.p, st->uri, ul) == 0) {
			if (!stats_authorized(st, txn)) {
				reply_auth(px, st->realm ? st->realm : "HAProxy Statistics", txn, reply);
				return HTTP_V_REPLY;
			}
			return HTTP_V_STATS;
		}
	}
	for (int i = 0; R && i < R->nredirects; i++) {
		if (!cond_ok(&R->redirects[i], txn))
			continue;
		reply_redirect(&R->redirects[i].rdr, txn, reply);
		return HTTP_V_REPLY;
	}
	return HTTP_V_CONTINUE;
}

bool http_stats_admin(struct proxy *px, struct http_txn *txn)
{
	return px->http.stats.admin_cond && acl_cond_eval_http(px->http.stats.admin_cond, txn);
}

struct proxy *http_select_backend(struct proxy *fe, struct http_txn *txn)
{
	struct http_rules *R = fe->http.rules;

	for (int i = 0; i < fe->nswitch_rules; i++) {
		struct switch_rule *sr = &fe->switch_rules[i];
		const struct http_fmt *f = R && i < R->nswitch_fmt ? R->switch_fmt[i] : NULL;

		if (sr->cond && !acl_cond_eval_http(sr->cond, txn))
			continue;
		if (f) {
			struct strbuf name = STRBUF_INIT;
			struct proxy *be = NULL;

			http_fmt_eval(f, txn, &name);
			if (name.len && R->conf)
				be = pxconf_find_proxy(R->conf, sb_str(&name), PX_CAP_BE);
			sb_free(&name);
			if (be && be->mode == PX_MODE_HTTP && !be->disabled)
				return be;
			break;      /* no such backend: default_backend, as HAProxy */
		}
		if (sr->backend)
			return sr->backend;
	}
	return fe->default_backend;
}

static bool run_rsp_list(struct proxy *px, const struct http_rule *list, int n, struct http_txn *txn);

bool http_rsp_rules_run(struct proxy *px, struct http_txn *txn)
{
	struct http_rules *R = px->http.rules;

	if (R && (px->cap & PX_CAP_FE)) {
		for (int i = 0; i < R->nrsp_caps && txn->nrsp_captures < (int)ARRAY_SIZE(txn->rsp_captures); i++) {
			struct http_str v = { "", 0 };

			if (R->rsp_caps[i].name && http_hdr_get(&txn->rsp, R->rsp_caps[i].name, -1, &v) &&
			    v.len > (size_t)R->rsp_caps[i].len)
				v.len = (size_t)R->rsp_caps[i].len;
			txn->rsp_captures[txn->nrsp_captures++] = capture_keep(txn, v);
		}
	}
	return run_rsp_list(px, R ? R->rsp : NULL, R ? R->nrsp : 0, txn);
}

bool http_after_rules_run(struct proxy *px, struct http_txn *txn)
{
	struct http_rules *R = px->http.rules;

	return !R || run_rsp_list(px, R->after, R->nafter, txn);
}

const struct comp_cfg *http_comp_cfg(const struct proxy *px)
{
	const struct http_rules *R = px->http.rules;

	return R && R->comp.nalgos ? &R->comp : NULL;
}

bool http_may_cache_store(const struct proxy *px)
{
	const struct http_rules *R = px->http.rules;

	for (int i = 0; R && i < R->nrsp; i++)
		if (R->rsp[i].act == HA_CACHE_STORE)
			return true;
	return false;
}

bool http_has_after_rules(const struct proxy *px)
{
	const struct http_rules *R = px->http.rules;

	return R && R->nafter > 0;
}

/* Run a list of response rules in order; false when the response must be
 * replaced by an error (txn->deny_status). */
static bool run_rsp_list(struct proxy *px, const struct http_rule *list, int n, struct http_txn *txn)
{
	bool ok = true;

	for (int i = 0; i < n; i++) {
		const struct http_rule *r = &list[i];
		struct http_str v;

		if (!cond_ok(r, txn))
			continue;
		switch (r->act) {
		case HA_ALLOW:
			return true;
		case HA_DENY:
			txn->deny_status = r->status ? r->status : 502;
			return false;
		case HA_SET_HDR:
		case HA_ADD_HDR:
			v = fmt_store(txn, r->fmt, &ok);
			if (ok && (r->act == HA_SET_HDR ? http_hdr_set(txn, &txn->rsp, r->name, v.p, v.len)
							: http_hdr_add(txn, &txn->rsp, r->name, v.p, v.len)) < 0)
				ok = false;
			break;
		case HA_DEL_HDR:
			http_hdr_del(&txn->rsp, r->name);
			break;
		case HA_REPLACE_HDR:
		case HA_REPLACE_VAL:
			if (replace_header(txn, &txn->rsp, r) < 0)
				ok = false;
			break;
		case HA_SET_STATUS: {
			const char *reason = r->reason ? r->reason : http_reason(r->status);

			txn->rsp.status = r->status;
			txn->rsp.reason.p = reason;
			txn->rsp.reason.len = strlen(reason);
			break;
		}
		case HA_SET_VAR:
			if (set_var_rule(txn, r) < 0)
				ok = false;
			break;
		case HA_UNSET_VAR:
			for (int k = txn->nvars - 1; k >= 0; k--)
				if (strcmp(txn->vars[k].name, r->name) == 0)
					txn->vars[k] = txn->vars[--txn->nvars];
			break;
		case HA_SET_LOG_LEVEL:
			txn->log_level = r->log_level + 1;
			break;
		case HA_TRACK_SC:
			track(px, r, txn);
			break;
		case HA_CACHE_STORE:
			txn->cache_store = r->cache;
			break;
		case HA_STRICT_MODE:
			txn->rewrite_lax = !r->status;
			break;
		case HA_CAPTURE:
			capture_rule(r, txn, true);
			break;
		default:
			break;
		}
		if (!ok && txn->rewrite_lax) {
			ok = true;
		} else if (!ok) {
			txn->deny_status = 500;
			return false;
		}
	}
	return true;
}

static bool in_network(const struct sockaddr *sa, const struct addr *net, int bits)
{
	const uint8_t *a, *n;
	int full, rest;

	if (!sa || sa->sa_family != net->ss.ss_family)
		return false;
	if (sa->sa_family == AF_INET) {
		a = (const uint8_t *)&((const struct sockaddr_in *)sa)->sin_addr;
		n = (const uint8_t *)&((const struct sockaddr_in *)&net->ss)->sin_addr;
	} else {
		a = (const uint8_t *)&((const struct sockaddr_in6 *)sa)->sin6_addr;
		n = (const uint8_t *)&((const struct sockaddr_in6 *)&net->ss)->sin6_addr;
	}
	full = bits / 8;
	rest = bits % 8;
	if (memcmp(a, n, (size_t)full) != 0)
		return false;
	return !rest || ((a[full] ^ n[full]) & (0xff << (8 - rest))) == 0;
}

void http_add_forwardfor(struct proxy *px, struct http_txn *txn)
{
	const char *name = px->http.forwardfor_hdr ? px->http.forwardfor_hdr : "X-Forwarded-For";
	char ip[INET6_ADDRSTRLEN];
	const struct sockaddr *sa = txn->src;

	if (!px->http.forwardfor || !sa)
		return;
	if (px->http.forwardfor_except.len && in_network(sa, &px->http.forwardfor_except,
							  px->http.forwardfor_except_bits))
		return;
	if (px->http.ifnone && http_hdr_find(&txn->req, name, 0) >= 0)
		return;
	if (sa->sa_family == AF_INET) {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, ip, sizeof(ip));
	} else if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a6 = &((const struct sockaddr_in6 *)sa)->sin6_addr;

		if (IN6_IS_ADDR_V4MAPPED(a6))
			inet_ntop(AF_INET, a6->s6_addr + 12, ip, sizeof(ip));
		else
			inet_ntop(AF_INET6, a6, ip, sizeof(ip));
	} else {
		return;
	}
	http_hdr_add(txn, &txn->req, name, ip, strlen(ip));
}

static uint32_t sdbm(const char *p, size_t len)
{
	uint32_t h = 0;

	for (size_t i = 0; i < len; i++)
		h = (unsigned char)p[i] + (h << 6) + (h << 16) - h;
	return h;
}

bool http_lb_hash(const struct proxy *be, const struct http_txn *txn, uint32_t *hash)
{
	struct http_str v;

	switch (be->lb) {
	case LB_URI: {
		const char *p = txn->req.uri.p, *end = p + txn->req.uri.len, *s;
		int slashes = 0;

		if (!txn->req.uri.len)
			return false;
		for (s = p; s < end; s++) {
			if (!be->lb_uri_whole && *s == '?')
				break;
			if (*s == '/' && be->lb_uri_depth && ++slashes > be->lb_uri_depth)
				break;
			if (be->lb_uri_len && s - p >= be->lb_uri_len)
				break;
		}
		*hash = sdbm(p, (size_t)(s - p));
		return true;
	}
	case LB_URL_PARAM: {
		struct http_str q = http_req_query(&txn->req);
		const char *s = q.p, *end = q.p + q.len;
		size_t nl = be->lb_param ? strlen(be->lb_param) : 0;

		while (nl && s < end) {
			const char *amp = memchr(s, '&', (size_t)(end - s)), *e = amp ? amp : end;

			if ((size_t)(e - s) > nl && memcmp(s, be->lb_param, nl) == 0 && s[nl] == '=') {
				*hash = sdbm(s + nl + 1, (size_t)(e - s - (ptrdiff_t)nl - 1));
				return true;
			}
			s = e + 1;
		}
		return false;
	}
	case LB_HDR:
		if (!be->lb_param || !http_hdr_get(&txn->req, be->lb_param, 1, &v) || !v.len)
			return false;
		*hash = sdbm(v.p, v.len);
		return true;
	default:
		return false;
	}
}

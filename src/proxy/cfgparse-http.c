/* cfgparse-http: the rules of `mode http` proxies (http-request,
 * http-response, redirect) and their error messages (errorfile,
 * errorloc). The rules go into px->http.rules (http_rules_int.h); the
 * other HTTP settings are in cfgparse-http-settings.c. */
#include "proxy/cfgparse.h"
#include "proxy/acl.h"
#include "proxy/cache.h"
#include "proxy/http_rules_int.h"
#include "proxy/stick_counters.h"
#include "proxy/userlist.h"
#include "lib/addr.h"
#include "lib/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const int errfile_codes[] = { 200, 400, 401, 403, 404, 405, 407, 408, 410, 413, 425, 429,
				     500, 501, 502, 503, 504 };

static bool errfile_code_ok(int code)
{
	for (size_t i = 0; i < ARRAY_SIZE(errfile_codes); i++)
		if (errfile_codes[i] == code)
			return true;
	return false;
}

/* Index of the first "if"/"unless" at or after `from`, or argc. */
static int cond_index(char **args, int argc, int from)
{
	for (int i = from; i < argc; i++)
		if (strcmp(args[i], "if") == 0 || strcmp(args[i], "unless") == 0)
			return i;
	return argc;
}

static int parse_cond(struct cfgparse *p, char **args, int argc, int at, const char *what,
		      struct acl_cond **out, char *err, size_t errlen)
{
	char cerr[512];

	*out = NULL;
	if (at >= argc)
		return 0;
	*out = acl_cond_parse(p->cur->px, args + at, cerr, sizeof(cerr));
	if (!*out) {
		snprintf(err, errlen, "error detected while parsing %s condition : %s.", what, cerr);
		(void)p;
		return -EINVAL;
	}
	return 0;
}

static int read_file(const char *path, char **out, size_t *len)
{
	FILE *fp = fopen(path, "re");
	struct strbuf sb = STRBUF_INIT;
	char buf[4096];
	size_t n;

	if (!fp)
		return -errno;
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
		sb_append(&sb, buf, n);
	fclose(fp);
	*len = sb.len;
	*out = sb.s ? sb.s : xstrdup("");
	return 0;
}

/* Parse a whole HTTP response (errorfile) into `m`. */
int cfg_errorfile_parse(const char *data, size_t len, struct http_errmsg *m, char *err, size_t errlen,
			const char *path)
{
	const char *p = data, *end = data + len, *eol;
	struct strbuf head = STRBUF_INIT;
	long long status;
	char code[4];

	memset(m, 0, sizeof(*m));
	eol = memchr(p, '\n', (size_t)(end - p));
	if (!eol || (size_t)(eol - p) < 12 || strncmp(p, "HTTP/1.", 7) != 0 || p[8] != ' ') {
		snprintf(err, errlen, "'%s': unable to parse headers (error offset: 0)", path);
		return -EINVAL;
	}
	memcpy(code, p + 9, 3);
	code[3] = 0;
	if (parse_int(code, 100, 599, &status)) {
		snprintf(err, errlen, "'%s': unable to parse headers (error offset: 9)", path);
		return -EINVAL;
	}
	m->status = (int)status;
	p = eol + 1;
	for (;;) {
		const char *colon, *v, *ve;

		eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol) {
			snprintf(err, errlen, "'%s': unable to parse headers (error offset: %zu)", path, (size_t)(p - data));
			goto fail;
		}
		ve = eol > p && eol[-1] == '\r' ? eol - 1 : eol;
		if (ve == p) {
			p = eol + 1;
			break;
		}
		colon = memchr(p, ':', (size_t)(ve - p));
		if (!colon) {
			snprintf(err, errlen, "'%s': unable to parse headers (error offset: %zu)", path, (size_t)(p - data));
			goto fail;
		}
		v = colon + 1;
		while (v < ve && (*v == ' ' || *v == '\t'))
			v++;
		if ((size_t)(colon - p) == 14 && strncasecmp(p, "content-length", 14) == 0) {
			/* recomputed */
		} else if ((size_t)(colon - p) == 10 && strncasecmp(p, "connection", 10) == 0) {
			/* the analyzer decides */
		} else {
			for (const char *c = p; c < colon; c++) {
				char lc = (char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c);

				sb_append(&head, &lc, 1);
			}
			sb_puts(&head, ": ");
			sb_append(&head, v, (size_t)(ve - v));
			sb_puts(&head, "\r\n");
			if ((size_t)(colon - p) == 12 && strncasecmp(p, "content-type", 12) == 0 && !m->content_type)
				m->content_type = xasprintf("%.*s", (int)(ve - v), v);
		}
		p = eol + 1;
	}
	m->head = head.s;
	m->body_len = (size_t)(end - p);
	m->body = xmalloc(m->body_len + 1);
	memcpy(m->body, p, m->body_len);
	m->body[m->body_len] = 0;
	return 0;
fail:
	sb_free(&head);
	free(m->content_type);
	m->content_type = NULL;
	return -EINVAL;
}

static void add_errmsg(struct proxy *px, int status, struct http_errmsg *m)
{
	struct http_rules *R = http_rules_of(px);

	m->status = status;    /* the code it replaces; the file's own code is sent */
	R->errs = xrealloc(R->errs, sizeof(*R->errs) * (size_t)(R->nerrs + 1));
	R->errs[R->nerrs++] = *m;
}

static int parse_reply_opts(struct cfgparse *p, const char *who, const char *a, char **av, int n,
			    struct http_rule *r, bool deny, char *err, size_t errlen);

/* Read and parse an errorfile: a whole HTTP response. */
static int load_errorfile(const char *path, struct http_errmsg *m, char *err, size_t errlen)
{
	char *data;
	size_t len;
	int rc;

	if (read_file(path, &data, &len) < 0) {
		snprintf(err, errlen, "error opening file '%s'.", path);
		return -EINVAL;
	}
	rc = cfg_errorfile_parse(data, len, m, err, errlen, path);
	free(data);
	if (rc == 0)
		m->reason_status = m->status;
	return rc;
}

/* errorfiles NAME [CODE...]: kept as a reference, resolved after parsing
 * in declaration order with the other error messages (the last one
 * written for a status wins, as in HAProxy). */
static int kw_errorfiles(struct cfgparse *p, char **args, int argc, char *err, size_t errlen)
{
	struct http_errmsg m;
	long long code;

	if (argc < 2) {
		snprintf(err, errlen, "%s : expects <name> as argument.", args[0]);
		return CFG_ERR;
	}
	memset(&m, 0, sizeof(m));
	for (int i = 2; i < argc; i++) {
		if (parse_int(args[i], 0, 999, &code) || !errfile_code_ok((int)code)) {
			snprintf(err, errlen, "%s : status code '%s' not handled.", args[0], args[i]);
			free(m.ref_codes);
			return CFG_ERR;
		}
		m.ref_codes = xrealloc(m.ref_codes, sizeof(int) * (size_t)(m.nref_codes + 1));
		m.ref_codes[m.nref_codes++] = (int)code;
	}
	m.ref = xstrdup(args[1]);
	m.file = p->file;
	m.line = p->line;
	m.body = xstrdup("");
	add_errmsg(p->cur->px, 0, &m);
	return CFG_OK;
}

/* errorfile CODE FILE | errorloc/errorloc302/errorloc303 CODE URL |
 * errorfiles NAME [CODE...] */
int cfg_kw_errorfile(struct cfgparse *p, char **args, int argc, const struct cfg_kw *kw,
		     char *err, size_t errlen)
{
	struct proxy *px = p->cur->px;
	struct http_errmsg m;
	long long code;
	char perr[512];

	cfg_note_http_only(p, args[0]);
	if (strcmp(args[0], "errorfiles") == 0)
		return kw_errorfiles(p, args, argc, err, errlen);
	if (argc != 3) {
		snprintf(err, errlen, "%s : expects <status_code> and <%s> as arguments.", args[0],
			 strcmp(args[0], "errorfile") == 0 ? "file" : "url");
		return CFG_ERR;
	}
	if (parse_int(args[1], 0, 999, &code) || !errfile_code_ok((int)code)) {
		snprintf(err, errlen, "%s : status code '%s' not handled.", args[0], args[1]);
		return CFG_ERR;
	}
	if (strcmp(args[0], "errorfile") == 0) {
		if (load_errorfile(args[2], &m, perr, sizeof(perr)) < 0) {
			snprintf(err, errlen, "errorfile : %s", perr);
			return CFG_ERR;
		}
	} else {
		int rc = strcmp(args[0], "errorloc303") == 0 ? 303 : 302;

		memset(&m, 0, sizeof(m));
		m.reason_status = rc;
		m.head = xasprintf("location: %s\r\n", args[2]);
		m.body = xstrdup("");
	}
	/* the response keeps the file's own status (reason_status) */
	add_errmsg(px, (int)code, &m);
	return CFG_OK;
}

/* ---- http-errors sections ---- */

struct cfg_http_errors {
	char *name;                /* from malloc() */
	const char *file;
	int line;
	struct http_errmsg *msgs;  /* errorfile lines, in order */
	int nmsgs;
	struct cfg_http_errors *next;
};

static struct cfg_http_errors *http_errors_find(struct cfgparse *p, const char *name)
{
	for (struct cfg_http_errors *e = p->http_errors; e; e = e->next)
		if (strcmp(e->name, name) == 0)
			return e;
	return NULL;
}

/* The last message a section has for `status`, or NULL. */
static const struct http_errmsg *http_errors_msg(const struct cfg_http_errors *e, int status)
{
	for (int i = e->nmsgs - 1; i >= 0; i--)
		if (e->msgs[i].status == status)
			return &e->msgs[i];
	return NULL;
}

int cfg_http_errors_section(struct cfgparse *p, char **args, int argc)
{
	struct cfg_http_errors *e, *prev;

	p->cur_http_errors = NULL;
	if (argc < 2) {
		cfg_alert(p, "missing name for http-errors section.");
		return CFG_ERR;
	}
	if (argc > 2) {
		cfg_alert(p, "'http-errors' : cannot handle unexpected argument '%s'.", args[2]);
		return CFG_ERR;
	}
	if ((prev = http_errors_find(p, args[1])) != NULL) {
		cfg_alert(p, "http-errors section '%s' has the same name as another http-errors section declared at %s:%d.",
			  args[1], prev->file, prev->line);
		return CFG_ERR;
	}
	e = xcalloc(1, sizeof(*e));
	e->name = xstrdup(args[1]);
	e->file = p->file;
	e->line = p->line;
	e->next = p->http_errors;
	p->http_errors = e;
	p->cur_http_errors = e;
	return CFG_OK;
}

int cfg_http_errors_line(struct cfgparse *p, char **args, int argc)
{
	struct cfg_http_errors *e = p->cur_http_errors;
	struct http_errmsg m;
	long long code;
	char perr[512];

	if (!e)
		return CFG_ERR;   /* the section line was refused */
	if (strcmp(args[0], "errorfile") != 0) {
		cfg_alert(p, "unknown keyword '%s' in 'http-errors' section", args[0]);
		return CFG_ERR;
	}
	if (argc != 3) {
		cfg_alert(p, "%s : expects <status_code> and <file> as arguments.", args[0]);
		return CFG_ERR;
	}
	if (parse_int(args[1], 0, 999, &code) || !errfile_code_ok((int)code)) {
		cfg_alert(p, "%s : status code '%s' not handled.", args[0], args[1]);
		return CFG_ERR;
	}
	if (load_errorfile(args[2], &m, perr, sizeof(perr)) < 0) {
		cfg_alert(p, "errorfile : %s", perr);
		return CFG_ERR;
	}
	m.status = (int)code;
	e->msgs = xrealloc(e->msgs, sizeof(*e->msgs) * (size_t)(e->nmsgs + 1));
	e->msgs[e->nmsgs++] = m;
	return CFG_OK;
}

/* The proxy's error messages with every `errorfiles` reference replaced
 * by the section's messages it names, in place (order kept). */
static void resolve_errorfiles(struct cfgparse *p, struct proxy *px)
{
	struct http_rules *R = px->http.rules;
	struct http_errmsg *out = NULL;
	int nout = 0;

	if (!R)
		return;
	for (int i = 0; i < R->nerrs; i++) {
		struct http_errmsg *m = &R->errs[i];
		const struct cfg_http_errors *e;

		if (!m->ref) {
			out = xrealloc(out, sizeof(*out) * (size_t)(nout + 1));
			out[nout++] = *m;
			continue;
		}
		e = http_errors_find(p, m->ref);
		if (!e) {
			cfg_alert_raw(p, "proxy '%s': unknown http-errors section '%s' (at %s:%d).",
				      px->id, m->ref, m->file, m->line);
		} else {
			for (size_t c = 0; c < ARRAY_SIZE(errfile_codes); c++) {
				const struct http_errmsg *src = http_errors_msg(e, errfile_codes[c]);
				bool named = m->nref_codes == 0;

				for (int k = 0; k < m->nref_codes; k++)
					named |= m->ref_codes[k] == errfile_codes[c];
				if (!named)
					continue;
				if (!src) {
					if (m->nref_codes)
						cfg_warn_raw(p, "config: proxy '%s' : status '%d' not declared in http-errors section '%s' (at %s:%d).",
							     px->id, errfile_codes[c], e->name, m->file, m->line);
					continue;
				}
				out = xrealloc(out, sizeof(*out) * (size_t)(nout + 1));
				http_errmsg_copy(&out[nout], src);
				nout++;
			}
		}
		http_errmsg_release(m);
	}
	free(R->errs);
	R->errs = out;
	R->nerrs = nout;
}

/* `... errorfiles NAME` of a return/deny rule or http-error: the
 * section's message for the rule's status, or nothing (then the proxy's
 * own page is used, as HAProxy does). */
static void resolve_rule_errorfiles(struct cfgparse *p, struct proxy *px, struct http_rule *r, int defstatus)
{
	const struct cfg_http_errors *e;
	const struct http_errmsg *src;

	if (!r->errfiles_name)
		return;
	e = http_errors_find(p, r->errfiles_name);
	if (!e) {
		cfg_alert_raw(p, "parsing [%s:%d] : %s '%s': unknown http-errors section '%s'.",
			      r->file, r->line, cfg_proxy_kind(px), px->id, r->errfiles_name);
		return;
	}
	src = http_errors_msg(e, r->status ? r->status : defstatus);
	if (src) {
		r->errmsg = xmalloc(sizeof(*r->errmsg));
		http_errmsg_copy(r->errmsg, src);
	} else {
		r->body_is_errorfile = true;
	}
	xfree(&r->errfiles_name);
}

/* cache-use / cache-store NAME: the `cache` section, and its checks. */
static void resolve_caches(struct cfgparse *p, struct proxy *px, struct http_rule *rules, int n)
{
	for (int j = 0; j < n; j++) {
		struct http_rule *r = &rules[j];

		if (r->act != HA_CACHE_USE && r->act != HA_CACHE_STORE)
			continue;
		r->cache = cache_find(p->conf, r->name);
		if (!r->cache)
			cfg_alert_raw(p, "config: %s '%s': unable to find the cache '%s' referenced by the filter 'cache'.",
				      cfg_proxy_kind(px), px->id, r->name);
	}
}

void cfg_http_errors_resolve(struct cfgparse *p)
{
	for (struct cache *k = p->conf->caches; k; k = cache_next(k))
		cfg_cache_check(p, k);
	struct pxconf *c = p->conf;

	for (int i = 0; i < c->nproxies; i++) {
		struct proxy *px = c->proxies[i];
		struct http_rules *R = px->http.rules;

		resolve_errorfiles(p, px);
		if (!R)
			continue;
		for (int j = 0; j < R->nerrs; j++) {
			struct http_errmsg *m = &R->errs[j];
			char ferr[512];

			if ((m->lf && !m->fmt && !(m->fmt = http_fmt_parse(px, m->lf, ferr, sizeof(ferr)))) ||
			    (m->head_lf && !m->head_fmt &&
			     !(m->head_fmt = http_fmt_parse(px, m->head, ferr, sizeof(ferr)))))
				cfg_alert_raw(p, "parsing [%s:%d] : http-error : %s", m->file ? m->file : "?",
					      m->line, ferr);
		}
		for (int j = 0; j < R->nreq; j++)
			resolve_rule_errorfiles(p, px, &R->req[j], R->req[j].act == HA_DENY ? 403 : 200);
		for (int j = 0; j < R->nrsp; j++)
			resolve_rule_errorfiles(p, px, &R->rsp[j], R->rsp[j].act == HA_DENY ? 502 : 200);
		resolve_caches(p, px, R->req, R->nreq);
		resolve_caches(p, px, R->rsp, R->nrsp);
	}
}

/* http-error status CODE [content-type T] [default-errorfiles |
 * errorfile F | errorfiles S | file F | string S | lf-file F |
 * lf-string FMT] [hdr NAME VALUE]...: the proxy's message for CODE, like
 * an errorfile. */
int cfg_kw_http_error(struct cfgparse *p, char **args, int argc, const struct cfg_kw *kw,
		      char *err, size_t errlen)
{
	struct proxy *px = p->cur->px;
	struct http_rule r;
	struct http_errmsg m;
	struct strbuf head = STRBUF_INIT;
	char perr[768], *lf = NULL;
	bool head_lf = false;
	int rc = CFG_ERR;

	cfg_note_http_only(p, args[0]);
	if (argc < 3 || strcmp(args[1], "status") != 0) {
		snprintf(err, errlen, "%s : expects at least a <status> as arguments.", args[0]);
		return CFG_ERR;
	}
	memset(&r, 0, sizeof(r));
	memset(&m, 0, sizeof(m));
	r.file = p->file;
	r.line = p->line;
	if (parse_reply_opts(p, args[0], "status", args + 1, argc - 1, &r, false, perr, sizeof(perr)) < 0) {
		const char *why = strstr(perr, " rule : "), *found = strstr(perr, "but found '");

		/* HAProxy words these "http-error : <why>" */
		if (found)
			snprintf(err, errlen, "%s : unknown keyword '%.*s'.", args[0],
				 (int)strcspn(found + 11, "'"), found + 11);
		else if (strstr(perr, "'content-type' is required"))
			snprintf(err, errlen, "%s : a content type must be defined when non-empty payload is configured",
				 args[0]);
		else
			snprintf(err, errlen, "%s : %.*s", args[0],
				 (int)strcspn(why ? why + 8 : perr, "\n"), why ? why + 8 : perr);
		if (strstr(err, "Unexpected status code") && err[strlen(err) - 1] == '.')
			err[strlen(err) - 1] = 0;
		goto out;
	}
	if (!errfile_code_ok(r.status)) {
		snprintf(err, errlen, "%s : Unexpected status code '%d'", args[0], r.status);
		goto out;
	}
	/* lf-string / lf-file: the body's log-format, kept as text (it is
	 * parsed again for each proxy that inherits the message); the last
	 * payload option wins, as in parse_reply_opts() */
	for (int i = 1; i + 1 < argc; i++) {
		if (!strcmp(args[i], "lf-string")) {
			free(lf);
			lf = xstrdup(args[i + 1]);
		} else if (!strcmp(args[i], "lf-file")) {
			size_t len;

			free(lf);
			lf = NULL;
			if (read_file(args[i + 1], &lf, &len) < 0)
				lf = NULL;
		} else if (!strcmp(args[i], "string") || !strcmp(args[i], "file")) {
			xfree(&lf);
		}
	}
	for (int i = 0; i < r.nhdrs; i++)
		head_lf |= !http_fmt_is_const(r.hdrs[i].value);
	if (r.errfiles_name) {
		/* a reference to the section's message for this status */
		m.ref = r.errfiles_name;
		r.errfiles_name = NULL;
		m.ref_codes = xmalloc(sizeof(int));
		m.ref_codes[0] = r.status;
		m.nref_codes = 1;
		m.file = p->file;
		m.line = p->line;
		m.body = xstrdup("");
		add_errmsg(px, 0, &m);
		rc = CFG_OK;
		goto out;
	}
	if (r.errmsg) {
		m = *r.errmsg;
		free(r.errmsg);
		r.errmsg = NULL;
	} else {
		m.reason_status = r.status;
		m.builtin = r.body_is_errorfile;
		m.hdrs_first = true;
		if (r.content_type)
			m.content_type = xstrdup(r.content_type);
		/* Values that fetch something make the whole block a log-format
		 * (names with '%' escaped), evaluated for each reply like an
		 * lf-string body; constant ones are written once here. */
		for (int i = 1, h = 0; i + 2 < argc && h < r.nhdrs; i++) {
			struct strbuf v = STRBUF_INIT;

			if (strcmp(args[i], "hdr") != 0) {
				i += strcmp(args[i], "default-errorfiles") != 0;   /* its value */
				continue;
			}
			for (const char *c = args[i + 1]; *c; c++) {
				char lc = (char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c);

				sb_append(&head, &lc, 1);
				if (lc == '%' && head_lf)
					sb_append(&head, "%", 1);
			}
			if (head_lf)
				sb_puts(&v, args[i + 2]);
			else
				http_fmt_eval(r.hdrs[h].value, NULL, &v);
			sb_appendf(&head, ": %s\r\n", sb_str(&v));
			sb_free(&v);
			i += 2;
			h++;
		}
		m.head_lf = head_lf;
		m.head = head.s;
		head.s = NULL;
		m.body = r.body ? r.body : xstrdup("");
		m.body_len = r.body ? r.body_len : 0;
		r.body = NULL;
		m.lf = lf;
		lf = NULL;
	}
	add_errmsg(px, r.status, &m);
	rc = CFG_OK;
out:
	free(lf);
	sb_free(&head);
	http_rule_release(&r);
	return rc;
}

void cfg_http_errors_free(struct cfgparse *p)
{
	struct cfg_http_errors *e, *next;

	for (e = p->http_errors; e; e = next) {
		next = e->next;
		for (int i = 0; i < e->nmsgs; i++)
			http_errmsg_release(&e->msgs[i]);
		free(e->msgs);
		free(e->name);
		free(e);
	}
	p->http_errors = NULL;
	p->cur_http_errors = NULL;
}

/* ---- http-request / http-response ---- */

static const char *const req_actions_unsupported[] = {
	"wait-for-handshake", "ot-group", "set-nice", "sc-inc-gpc", "sc-inc-gpc0", "sc-inc-gpc1",
	"sc-set-gpt", "sc-set-gpt0", "send-spoe-group", "do-resolve",
	"add-acl", "del-acl", "del-map", "disable-l7-retry", "early-hint",
	"normalize-uri", "replace-pathq", "set-map",
	"set-pathq", "set-timeout", "wait-for-body", "set-dst", "set-dst-port",
	"set-mark", "set-src", "set-src-port", "set-tos", "set-priority-class",
	"set-priority-offset", "lua", NULL,
};

static const char req_expects[] = "'wait-for-handshake', 'ot-group', 'set-log-level', 'set-nice', 'use-service', 'sc-inc-gpc(*)', 'sc-inc-gpc0(*)', 'sc-inc-gpc1(*)', 'sc-set-gpt(*)', 'sc-set-gpt0(*)', 'send-spoe-group', 'do-resolve(*)', 'cache-use', 'add-acl(*)', 'add-header', 'allow', 'auth', 'capture', 'del-acl(*)', 'del-header', 'del-map(*)', 'deny', 'disable-l7-retry', 'early-hint', 'normalize-uri', 'redirect', 'reject', 'replace-header', 'replace-path', 'replace-pathq', 'replace-uri', 'replace-value', 'return', 'set-header', 'set-map(*)', 'set-method', 'set-path', 'set-pathq', 'set-query', 'set-uri', 'strict-mode', 'tarpit', 'track-sc(*)', 'set-timeout', 'wait-for-body', 'set-var-fmt(*)', 'set-var(*)', 'unset-var(*)', 'set-dst', 'set-dst-port', 'set-mark', 'set-src', 'set-src-port', 'set-tos', 'silent-drop', 'set-priority-class', 'set-priority-offset', ";
static const char rsp_expects[] = "'ot-group', 'set-log-level', 'set-nice', 'sc-inc-gpc(*)', 'sc-inc-gpc0(*)', 'sc-inc-gpc1(*)', 'sc-set-gpt(*)', 'sc-set-gpt0(*)', 'send-spoe-group', 'cache-store', 'add-acl(*)', 'add-header', 'allow', 'capture', 'del-acl(*)', 'del-header', 'del-map(*)', 'deny', 'redirect', 'replace-header', 'replace-value', 'return', 'set-header', 'set-log-level', 'set-map(*)', 'set-status', 'strict-mode', 'track-sc(*)', 'set-timeout', 'wait-for-body', 'set-var-fmt(*)', 'set-var(*)', 'unset-var(*)', 'set-mark', 'set-nice', 'set-tos', 'silent-drop', ";

/* HAProxy 2.6's http-after-response actions; those vigil-proxy runs are
 * parsed by parse_action() like http-response's. */
static const char after_expects[] = "'ot-group', 'add-header', 'allow', 'capture', 'del-header', 'replace-header', 'replace-value', 'set-header', 'set-status', 'strict-mode', 'set-var-fmt(*)', 'set-var(*)', 'unset-var(*)', ";

static bool after_action_ok(const char *a)
{
	static const char *const plain[] = {
		"ot-group", "add-header", "allow", "capture", "del-header", "replace-header",
		"replace-value", "set-header", "set-status", "strict-mode", NULL,
	};

	for (int i = 0; plain[i]; i++)
		if (strcmp(a, plain[i]) == 0)
			return true;
	return !strncmp(a, "set-var-fmt(", 12) || !strncmp(a, "set-var(", 8) || !strncmp(a, "unset-var(", 10);
}


/* `redirect` options, from args[i] (after the type and target). */
static int parse_redirect(struct cfgparse *p, char **args, int end, int i, struct http_redirect *rd,
			  char *err, size_t errlen)
{
	struct proxy *px = p->cur->px;
	char ferr[512];

	if (i >= end) {
		snprintf(err, errlen, "redirection type expected ('prefix', 'location', or 'scheme').");
		return -EINVAL;
	}
	for (; i < end; i++) {
		const char *o = args[i];

		if (!strcmp(o, "location") || !strcmp(o, "prefix") || !strcmp(o, "scheme")) {
			if (i + 1 >= end) {
				snprintf(err, errlen, "missing argument for '%s'.", o);
				return -EINVAL;
			}
			rd->type = !strcmp(o, "location") ? RDR_LOCATION : !strcmp(o, "prefix") ? RDR_PREFIX : RDR_SCHEME;
			http_fmt_free(rd->target);
			rd->target = http_fmt_parse(px, args[++i], ferr, sizeof(ferr));
			if (!rd->target) {
				snprintf(err, errlen, "%s", ferr);
				return -EINVAL;
			}
		} else if (!strcmp(o, "code")) {
			long long c;

			if (i + 1 >= end) {
				snprintf(err, errlen, "missing argument for 'code'.");
				return -EINVAL;
			}
			if (parse_int(args[i + 1], 0, 999, &c) || (c != 301 && c != 302 && c != 303 && c != 307 && c != 308)) {
				snprintf(err, errlen, "'code': unsupported HTTP code '%s' (must be one of 301, 302, 303, 307 or 308).",
					 args[i + 1]);
				return -EINVAL;
			}
			rd->code = (int)c;
			i++;
		} else if (!strcmp(o, "drop-query")) {
			rd->drop_query = true;
		} else if (!strcmp(o, "append-slash")) {
			rd->append_slash = true;
		} else if (!strcmp(o, "ignore-empty")) {
			/* empty location: HAProxy skips the rule; ours always has one */
		} else if (!strcmp(o, "set-cookie") || !strcmp(o, "clear-cookie")) {
			if (i + 1 >= end) {
				snprintf(err, errlen, "missing argument for '%s'.", o);
				return -EINVAL;
			}
			free(rd->cookie);
			if (!strcmp(o, "set-cookie"))
				rd->cookie = xasprintf("%s; path=/;", args[++i]);
			else
				rd->cookie = xasprintf("%s; path=/; Max-Age=0; Expires=Thu, 01-Jan-1970 00:00:01 GMT;", args[++i]);
		} else {
			snprintf(err, errlen, "expects 'code', 'prefix', 'location', 'scheme', 'set-cookie', 'clear-cookie', 'drop-query', 'ignore-empty' or 'append-slash' (was '%s').", o);
			return -EINVAL;
		}
	}
	if (!rd->target) {
		snprintf(err, errlen, "redirection type expected ('prefix', 'location', or 'scheme').");
		return -EINVAL;
	}
	return 0;
}

static int parse_log_level(const char *s)
{
	static const char *const lv[] = { "emerg", "alert", "crit", "err", "warning", "notice", "info", "debug", "silent" };

	for (size_t i = 0; i < ARRAY_SIZE(lv); i++)
		if (strcmp(s, lv[i]) == 0)
			return (int)i;
	return -1;
}

/* The response options shared by `return`, `deny`/`tarpit` and
 * `http-error` (HAProxy's http_parse_http_reply()):
 *   [status CODE] [content-type T] [default-errorfiles | errorfile F |
 *   errorfiles S | file F | lf-file F | string S | lf-string FMT]
 *   [hdr NAME FMT]...
 * deny and tarpit also take `deny_status CODE`. */
static int parse_reply_opts(struct cfgparse *p, const char *who, const char *a, char **av, int n,
			    struct http_rule *r, bool deny, char *err, size_t errlen)
{
	struct proxy *px = p->cur->px;
	char ferr[512];
	bool payload = false;

	for (int i = 0; i < n; i++) {
		const char *o = av[i];
		long long st;

		if (i + 1 >= n && strcmp(o, "default-errorfiles") != 0 && (!strcmp(o, "status") ||
		    !strcmp(o, "deny_status") || !strcmp(o, "content-type") || !strcmp(o, "string") ||
		    !strcmp(o, "lf-string") || !strcmp(o, "file") || !strcmp(o, "lf-file") ||
		    !strcmp(o, "errorfile") || !strcmp(o, "errorfiles") || !strcmp(o, "hdr"))) {
			snprintf(err, errlen, "error detected in %s '%s' while parsing '%s %s' rule : '%s' expects an argument.",
				 cfg_proxy_kind(px), px->id ? px->id : "", who, a, o);
			return -EINVAL;
		}
		if (!strcmp(o, "status") || (deny && !strcmp(o, "deny_status"))) {
			bool ok = !strcmp(o, "deny_status") ? !parse_int(av[i + 1], 0, 999, &st) && errfile_code_ok((int)st)
							    : !parse_int(av[i + 1], 200, 599, &st);

			if (!ok) {
				snprintf(err, errlen, "error detected in %s '%s' while parsing '%s %s' rule : Unexpected status code '%s'.",
					 cfg_proxy_kind(px), px->id ? px->id : "", who, a, av[i + 1]);
				return -EINVAL;
			}
			r->status = (int)st;
			i++;
		} else if (!strcmp(o, "content-type")) {
			free(r->content_type);
			r->content_type = xstrdup(av[++i]);
		} else if (!strcmp(o, "string")) {
			free(r->body);
			r->body = xstrdup(av[++i]);
			r->body_len = strlen(r->body);
			payload = true;
		} else if (!strcmp(o, "lf-string")) {
			http_fmt_free(r->fmt);
			r->fmt = http_fmt_parse(px, av[++i], ferr, sizeof(ferr));
			if (!r->fmt) {
				snprintf(err, errlen, "'%s %s' : %s", who, a, ferr);
				return -EINVAL;
			}
			payload = true;
		} else if (!strcmp(o, "file") || !strcmp(o, "lf-file")) {
			free(r->body);
			r->body = NULL;
			if (read_file(av[i + 1], &r->body, &r->body_len) < 0) {
				snprintf(err, errlen, "error detected in %s '%s' while parsing '%s %s' rule : error opening file '%s'.",
					 cfg_proxy_kind(px), px->id ? px->id : "", who, a, av[i + 1]);
				return -EINVAL;
			}
			payload = r->body_len > 0;
			if (!strcmp(o, "lf-file")) {
				http_fmt_free(r->fmt);
				r->fmt = http_fmt_parse(px, r->body, ferr, sizeof(ferr));
				xfree(&r->body);
				r->body_len = 0;
				if (!r->fmt) {
					snprintf(err, errlen, "'%s %s' : %s", who, a, ferr);
					return -EINVAL;
				}
			}
			i++;
		} else if (!strcmp(o, "errorfile")) {
			struct http_errmsg m;

			if (load_errorfile(av[i + 1], &m, ferr, sizeof(ferr)) < 0) {
				snprintf(err, errlen, "error detected in %s '%s' while parsing '%s %s' rule : %s.",
					 cfg_proxy_kind(px), px->id ? px->id : "", who, a, ferr);
				return -EINVAL;
			}
			if (r->errmsg)
				http_errmsg_release(r->errmsg);
			else
				r->errmsg = xmalloc(sizeof(*r->errmsg));
			*r->errmsg = m;
			i++;
		} else if (!strcmp(o, "errorfiles")) {
			free(r->errfiles_name);
			r->errfiles_name = xstrdup(av[++i]);
		} else if (!strcmp(o, "default-errorfiles")) {
			r->body_is_errorfile = true;
		} else if (!strcmp(o, "hdr")) {
			if (i + 2 >= n) {
				snprintf(err, errlen, "'%s %s' : 'hdr' expects <name> and <value>.", who, a);
				return -EINVAL;
			}
			r->hdrs = xrealloc(r->hdrs, sizeof(*r->hdrs) * (size_t)(r->nhdrs + 1));
			r->hdrs[r->nhdrs].name = xstrdup(av[i + 1]);
			r->hdrs[r->nhdrs].value = http_fmt_parse(px, av[i + 2], ferr, sizeof(ferr));
			r->nhdrs++;
			if (!r->hdrs[r->nhdrs - 1].value) {
				snprintf(err, errlen, "'%s %s' : %s", who, a, ferr);
				return -EINVAL;
			}
			i += 2;
		} else {
			snprintf(err, errlen, "'%s %s' expects either 'if' or 'unless' followed by a condition but found '%s'.",
				 who, a, o);
			return -EINVAL;
		}
	}
	if (payload && !r->content_type) {
		snprintf(err, errlen, "'%s %s' : a 'content-type' is required with a payload.", who, a);
		return -EINVAL;
	}
	return 0;
}

/* The action of an http-request / http-response line. args[1] is the
 * action; its arguments end at `end` (the condition). */
static int parse_action(struct cfgparse *p, bool rsp, char **args, int end, struct http_rule *r,
			char *err, size_t errlen)
{
	struct proxy *px = p->cur->px;
	const char *a = args[1], *who = args[0];
	char ferr[512];
	int n = end - 2;   /* number of action arguments */
	char **av = args + 2;

	/* HAProxy's prefix for action errors */
#define RERR(...) do { char m_[768]; snprintf(m_, sizeof(m_), __VA_ARGS__); \
		snprintf(err, errlen, "error detected in %s '%s' while parsing '%s %s' rule : %s", \
			 cfg_proxy_kind(px), px->id ? px->id : "", who, a, m_); return -EINVAL; } while (0)
#define NEED(k, what) do { if (n < (k)) RERR("%s", what); } while (0)
#define FMT(dst, s) do { (dst) = http_fmt_parse(px, (s), ferr, sizeof(ferr)); if (!(dst)) { \
		snprintf(err, errlen, "'%s %s' : %s", who, a, ferr); return -EINVAL; } } while (0)

	if (!strcmp(a, "allow")) {
		r->act = HA_ALLOW;
	} else if (!strcmp(a, "deny") || !strcmp(a, "tarpit")) {
		r->act = !strcmp(a, "deny") ? HA_DENY : HA_TARPIT;
		if (parse_reply_opts(p, who, a, av, n, r, true, ferr, sizeof(ferr)) < 0) {
			snprintf(err, errlen, "%s", ferr);
			return -EINVAL;
		}
	} else if (!strcmp(a, "auth") && !rsp) {
		r->act = HA_AUTH;
		if (n >= 2 && !strcmp(av[0], "realm"))
			r->realm = xstrdup(av[1]);
		else if (n == 1 && !strcmp(av[0], "realm"))
			RERR("missing realm value.");
		else if (n) {
			snprintf(err, errlen, "'%s auth' expects either 'if' or 'unless' followed by a condition but found '%s'.",
				 who, av[0]);
			return -EINVAL;
		}
	} else if (!strcmp(a, "redirect")) {
		if (rsp) {
			snprintf(err, errlen, "'http-response redirect' is not supported by vigil-proxy yet.");
			return -EINVAL;
		}
		r->act = HA_REDIRECT;
		if (parse_redirect(p, av, n, 0, &r->rdr, ferr, sizeof(ferr)) < 0)
			RERR("%s", ferr);
	} else if (!strcmp(a, "set-header") || !strcmp(a, "add-header")) {
		r->act = !strcmp(a, "set-header") ? HA_SET_HDR : HA_ADD_HDR;
		if (n != 2)
			RERR("expects exactly 2 arguments.");
		r->name = xstrdup(av[0]);
		FMT(r->fmt, av[1]);
	} else if (!strcmp(a, "del-header")) {
		r->act = HA_DEL_HDR;
		if (n < 1)
			RERR("expects at least 1 argument.");
		if (n > 1) {
			snprintf(err, errlen, "'%s del-header %s %s' is not supported by vigil-proxy yet.", who, av[0], av[1]);
			return -EINVAL;
		}
		r->name = xstrdup(av[0]);
	} else if (!rsp && !strcmp(a, "reject")) {
		r->act = HA_REJECT;
	} else if (!strcmp(a, "silent-drop")) {
		if (rsp) {
			snprintf(err, errlen, "'%s silent-drop' is not supported by vigil-proxy yet.", who);
			return -EINVAL;
		}
		r->act = HA_SILENT_DROP;
	} else if (!rsp && (!strcmp(a, "replace-path") || !strcmp(a, "replace-uri"))) {
		r->act = !strcmp(a, "replace-path") ? HA_REPLACE_PATH : HA_REPLACE_URI;
		if (n != 2)
			RERR("expects exactly 2 arguments <match-regex> and <replace-format>.");
		if (regcomp(&r->re, av[0], REG_EXTENDED) != 0)
			RERR("failed to parse the regex : '%s'.", av[0]);
		r->has_re = true;
		FMT(r->fmt, av[1]);
	} else if (!strcmp(a, "capture")) {
		struct http_rules *R = http_rules_of(px);
		long long v;

		r->act = HA_CAPTURE;
		if (n < 3 || (strcmp(av[1], "len") && strcmp(av[1], "id")))
			RERR("expects <expression> [ 'len' <length> | id <idx> ].");
		r->expr = sample_expr_parse(px, av[0], ferr, sizeof(ferr));
		if (!r->expr)
			RERR("%s.", ferr);
		if (rsp && strcmp(av[1], "id") != 0)
			RERR("expects 'id', found '%s'.", av[1]);
		if (!strcmp(av[1], "len")) {
			if (!(px->cap & PX_CAP_FE))
				RERR("proxy '%s' has no frontend capability.", px->id);
			if (parse_int(av[2], 1, 65535, &v))
				RERR("length must be > 0.");
			if (R->nreq_caps == 8) {
				snprintf(err, errlen, "'%s capture' : vigil-proxy keeps at most 8 captures per direction.", who);
				return -EINVAL;
			}
			r->sc = R->nreq_caps;
			R->req_caps[R->nreq_caps++].len = (int)v;
		} else {
			if (parse_int(av[2], 0, 1000, &v))
				RERR("cannot parse id '%s'.", av[2]);
			r->sc = (int)v;
			/* checked against the declared slots once the file is read */
			r->status = -1;
		}
		n -= 3;
		av += 3;
	} else if (!strcmp(a, "replace-header") || !strcmp(a, "replace-value")) {
		r->act = !strcmp(a, "replace-header") ? HA_REPLACE_HDR : HA_REPLACE_VAL;
		if (n != 3)
			RERR("expects exactly 3 arguments.");
		r->name = xstrdup(av[0]);
		if (regcomp(&r->re, av[1], REG_EXTENDED) != 0) {
			snprintf(err, errlen, "'%s %s' : invalid regex '%s'.", who, a, av[1]);
			return -EINVAL;
		}
		r->has_re = true;
		FMT(r->fmt, av[2]);
	} else if (!rsp && (!strcmp(a, "set-path") || !strcmp(a, "set-query") || !strcmp(a, "set-uri") ||
			    !strcmp(a, "set-method"))) {
		r->act = !strcmp(a, "set-path") ? HA_SET_PATH : !strcmp(a, "set-query") ? HA_SET_QUERY :
			 !strcmp(a, "set-uri") ? HA_SET_URI : HA_SET_METHOD;
		NEED(1, "expects exactly 1 argument.");
		FMT(r->fmt, av[0]);
	} else if (!strncmp(a, "set-var(", 8) || !strncmp(a, "set-var-fmt(", 12) || !strncmp(a, "unset-var(", 10)) {
		const char *open = strchr(a, '('), *close = strrchr(a, ')');

		if (!close || close < open + 2) {
			snprintf(err, errlen, "'%s %s' : missing variable name.", who, a);
			return -EINVAL;
		}
		r->name = xasprintf("%.*s", (int)(close - open - 1), open + 1);
		if (strncmp(r->name, "txn.", 4) && strncmp(r->name, "req.", 4) && strncmp(r->name, "res.", 4) &&
		    strncmp(r->name, "sess.", 5) && strncmp(r->name, "proc.", 5))
			RERR("invalid variable name '%s'. A variable name must be start by its scope. The scope can be 'proc', 'sess', 'txn', 'req', 'res' or 'check'.",
			     r->name);
		if (a[0] == 'u') {
			r->act = HA_UNSET_VAR;
		} else if (!strncmp(a, "set-var-fmt(", 12)) {
			/* HAProxy 2.6 takes a missing format as an empty one */
			r->act = HA_SET_VAR;
			FMT(r->fmt, n ? av[0] : "");
		} else {
			NEED(1, "missing fetch method.");
			r->act = HA_SET_VAR;
			r->expr = sample_expr_parse(px, av[0], ferr, sizeof(ferr));
		}
		if (r->act == HA_SET_VAR && !r->expr && !r->fmt) {
			snprintf(err, errlen, "'%s %s' : %s.", who, a, ferr);
			return -EINVAL;
		}
	} else if (!strcmp(a, "return") && !rsp) {
		r->act = HA_RETURN;
		if (parse_reply_opts(p, who, a, av, n, r, false, ferr, sizeof(ferr)) < 0) {
			snprintf(err, errlen, "%s", ferr);
			return -EINVAL;
		}
	} else if (!strcmp(a, "strict-mode")) {
		r->act = HA_STRICT_MODE;
		if (n != 1)
			RERR("expects exactly 1 arguments.");
		if (strcmp(av[0], "on") && strcmp(av[0], "off"))
			RERR("Unexpected value '%s'. Only 'on' and 'off' are supported.", av[0]);
		r->status = !strcmp(av[0], "on");
	} else if ((!strcmp(a, "cache-use") && !rsp) || (!strcmp(a, "cache-store") && rsp)) {
		r->act = rsp ? HA_CACHE_STORE : HA_CACHE_USE;
		if (n < 1)
			RERR("expects a cache name.");
		if (n > 1) {
			snprintf(err, errlen, "'%s %s' expects either 'if' or 'unless' followed by a condition but found '%s'.",
				 who, a, av[1]);
			return -EINVAL;
		}
		r->name = xstrdup(av[0]);
	} else if (!strcmp(a, "use-service") && !rsp) {
		NEED(1, "a service name");
		if (strcmp(av[0], "prometheus-exporter") != 0) {
			snprintf(err, errlen, "'%s use-service %s' is not supported by vigil-proxy yet (only 'prometheus-exporter').",
				 who, av[0]);
			return -EINVAL;
		}
		r->act = HA_USE_SERVICE;
	} else if (!strncmp(a, "track-sc", 8)) {
		long long sc;

		if (parse_int(a + 8, 0, 1000, &sc))
			RERR("invalid track-sc number '%s'.", a + 8);
		if (sc > 2)
			RERR("%lld track-sc number exceeding 2 (MAX_SESS_STKCTR-1) value.", sc);
		NEED(1, "missing fetch method.");
		r->act = HA_TRACK_SC;
		r->sc = (int)sc;
		r->expr = sample_expr_parse(px, av[0], ferr, sizeof(ferr));
		if (!r->expr) {
			snprintf(err, errlen, "'%s %s' : %s.", who, a, ferr);
			return -EINVAL;
		}
		if (n >= 3 && !strcmp(av[1], "table")) {
			r->table_name = xstrdup(av[2]);
		} else if (n > 1) {
			snprintf(err, errlen, "'%s %s' : unexpected argument '%s' (expects 'table' <name>).", who, a, av[1]);
			return -EINVAL;
		}
	} else if (!strcmp(a, "set-log-level")) {
		r->act = HA_SET_LOG_LEVEL;
		r->log_level = n == 1 ? parse_log_level(av[0]) : -1;
		if (r->log_level < 0)
			RERR("expects exactly 1 argument (log level name or 'silent').");
	} else if (!strcmp(a, "set-status") && rsp) {
		long long s;

		if (n != 1 && !(n == 3 && !strcmp(av[1], "reason")))
			RERR("expects 1 argument: <status>; or 3 arguments: <status> reason <fmt>.");
		if (parse_int(av[0], 100, 999, &s))
			RERR("expects an integer status code between 100 and 999.");
		r->act = HA_SET_STATUS;
		r->status = (int)s;
		if (n >= 3 && !strcmp(av[1], "reason"))
			r->reason = xstrdup(av[2]);
	} else {
		char base[64];

		snprintf(base, sizeof(base), "%.*s", (int)strcspn(a, "(0123456789"), a);
		for (int i = 0; req_actions_unsupported[i]; i++) {
			if (!strcmp(base, req_actions_unsupported[i])) {
				snprintf(err, errlen, "'%s %s' is not supported by vigil-proxy yet.", who, a);
				return -EINVAL;
			}
		}
		snprintf(err, errlen, "'%s' expects %sbut got '%s'.", who, rsp ? rsp_expects : req_expects, a);
		return -EINVAL;
	}
	if (r->act != HA_REDIRECT && r->act != HA_SET_VAR && r->act != HA_TRACK_SC && r->act != HA_RETURN &&
	    r->act != HA_DENY && r->act != HA_TARPIT && r->act != HA_SET_STATUS && r->act != HA_AUTH &&
	    r->act != HA_SET_HDR && r->act != HA_ADD_HDR && r->act != HA_REPLACE_HDR && r->act != HA_REPLACE_VAL &&
	    r->act != HA_DEL_HDR && r->act != HA_SET_LOG_LEVEL && r->act != HA_USE_SERVICE &&
	    r->act != HA_SET_PATH && r->act != HA_SET_QUERY && r->act != HA_SET_URI && r->act != HA_SET_METHOD &&
	    r->act != HA_CACHE_USE && r->act != HA_CACHE_STORE && r->act != HA_STRICT_MODE &&
	    r->act != HA_REPLACE_PATH && r->act != HA_REPLACE_URI && n > 0) {
		snprintf(err, errlen, "'%s %s' expects either 'if' or 'unless' followed by a condition but found '%s'.", who, a, av[0]);
		return -EINVAL;
	}
	return 0;
#undef NEED
#undef FMT
#undef RERR
}

int cfg_kw_http_rule(struct cfgparse *p, char **args, int argc, const struct cfg_kw *kw,
		     char *err, size_t errlen)
{
	struct proxy *px = p->cur->px;
	bool after = strcmp(args[0], "http-after-response") == 0;
	bool rsp = after || strcmp(args[0], "http-response") == 0;
	struct http_rules *R;
	struct http_rule r;
	int end;

	cfg_note_http_only(p, args[0]);
	if (p->cur->is_defaults) {
		snprintf(err, errlen, "'%s' rules in 'defaults' sections are not supported by vigil-proxy yet.", args[0]);
		return CFG_ERR;
	}
	if (argc < 2) {
		snprintf(err, errlen, "'%s' expects an action.", args[0]);
		return CFG_ERR;
	}
	if (after && !after_action_ok(args[1])) {
		snprintf(err, errlen, "'%s' expects %sbut got '%s'.", args[0], after_expects, args[1]);
		return CFG_ERR;
	}
	memset(&r, 0, sizeof(r));
	r.file = p->file;
	r.line = p->line;
	end = cond_index(args, argc, 2);
	if (parse_action(p, rsp, args, end, &r, err, errlen) < 0) {
		http_rule_release(&r);
		return CFG_ERR;
	}
	{
		char what[128];

		snprintf(what, sizeof(what), "an '%s %s'", args[0], args[1]);
		if (parse_cond(p, args, argc, end, what, &r.cond, err, errlen) < 0) {
			http_rule_release(&r);
			return CFG_ERR;
		}
	}
	R = http_rules_of(px);
	if (after) {
		R->after = xrealloc(R->after, sizeof(*R->after) * (size_t)(R->nafter + 1));
		R->after[R->nafter++] = r;
		return CFG_OK;
	}
	if (rsp) {
		R->rsp = xrealloc(R->rsp, sizeof(*R->rsp) * (size_t)(R->nrsp + 1));
		R->rsp[R->nrsp++] = r;
	} else {
		R->req = xrealloc(R->req, sizeof(*R->req) * (size_t)(R->nreq + 1));
		R->req[R->nreq++] = r;
		if (R->nredirects || px->nswitch_rules) {
			snprintf(err, errlen, "a 'http-request' rule placed after a '%s' rule will still be processed before.",
				 R->nredirects ? "redirect" : "use_backend");
			return CFG_WARN;
		}
	}
	return CFG_OK;
}

int cfg_kw_redirect(struct cfgparse *p, char **args, int argc, const struct cfg_kw *kw,
		    char *err, size_t errlen)
{
	struct proxy *px = p->cur->px;
	struct http_rules *R;
	struct http_rule r;
	char rerr[512];
	int end;

	cfg_note_http_only(p, args[0]);
	memset(&r, 0, sizeof(r));
	r.act = HA_REDIRECT;
	r.file = p->file;
	r.line = p->line;
	end = cond_index(args, argc, 1);
	if (parse_redirect(p, args, end, 1, &r.rdr, rerr, sizeof(rerr)) < 0) {
		snprintf(err, errlen, "error detected in %s '%s' while parsing redirect rule : %s",
			 cfg_proxy_kind(px), px->id ? px->id : "", rerr);
		http_rule_release(&r);
		return CFG_ERR;
	}
	if (end < argc) {
		char cerr[512];

		r.cond = acl_cond_parse(px, args + end, cerr, sizeof(cerr));
		if (!r.cond) {
			snprintf(err, errlen, "error detected in %s '%s' while parsing redirect rule : error in condition: %s.",
				 cfg_proxy_kind(px), px->id ? px->id : "", cerr);
			http_rule_release(&r);
			return CFG_ERR;
		}
	}
	R = http_rules_of(px);
	R->redirects = xrealloc(R->redirects, sizeof(*R->redirects) * (size_t)(R->nredirects + 1));
	R->redirects[R->nredirects++] = r;
	if (px->nswitch_rules) {
		snprintf(err, errlen, "a 'redirect' rule placed after a 'use_backend' rule will still be processed before.");
		return CFG_WARN;
	}
	return CFG_OK;
}


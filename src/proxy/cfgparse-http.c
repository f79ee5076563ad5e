/* cfgparse-http: the rules of `mode http` proxies (http-request,
 * http-response, redirect) and their error messages (errorfile,
 * errorloc). The rules go into px->http.rules (http_rules_int.h); the
 * other HTTP settings are in cfgparse-http-settings.c. */
#include "proxy/cfgparse.h"
#include "proxy/acl.h"
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
static int parse_response(const char *data, size_t len, struct http_errmsg *m, char *err, size_t errlen,
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
			sb_free(&head);
			return -EINVAL;
		}
		ve = eol > p && eol[-1] == '\r' ? eol - 1 : eol;
		if (ve == p) {
			p = eol + 1;
			break;
		}
		colon = memchr(p, ':', (size_t)(ve - p));
		if (!colon) {
			snprintf(err, errlen, "'%s': unable to parse headers (error offset: %zu)", path, (size_t)(p - data));
			sb_free(&head);
			return -EINVAL;
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
}

static void add_errmsg(struct proxy *px, int status, struct http_errmsg *m)
{
	struct http_rules *R = http_rules_of(px);

	m->status = status;    /* the code it replaces; the file's own code is sent */
	R->errs = xrealloc(R->errs, sizeof(*R->errs) * (size_t)(R->nerrs + 1));
	R->errs[R->nerrs++] = *m;
}

/* errorfile CODE FILE | errorloc/errorloc302/errorloc303 CODE URL */
int cfg_kw_errorfile(struct cfgparse *p, char **args, int argc, const struct cfg_kw *kw,
		     char *err, size_t errlen)
{
	struct proxy *px = p->cur->px;
	struct http_errmsg m;
	long long code;
	char perr[512];

	cfg_note_http_only(p, args[0]);
	if (strcmp(args[0], "errorfiles") == 0) {
		snprintf(err, errlen, "'errorfiles' (and 'http-errors' sections) is not supported by vigil-proxy yet.");
		return CFG_ERR;
	}
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
		char *data;
		size_t len;

		if (read_file(args[2], &data, &len) < 0) {
			snprintf(err, errlen, "errorfile : error opening file '%s'.", args[2]);
			return CFG_ERR;
		}
		if (parse_response(data, len, &m, perr, sizeof(perr), args[2]) < 0) {
			free(data);
			snprintf(err, errlen, "errorfile : %s", perr);
			return CFG_ERR;
		}
		free(data);
		m.reason_status = m.status;
	} else {
		int rc = strcmp(args[0], "errorloc303") == 0 ? 303 : 302;

		memset(&m, 0, sizeof(m));
		m.reason_status = rc;
		m.head = xasprintf("location: %s\r\n", args[2]);
		m.body = xstrdup("");
	}
	{
		int sent = m.reason_status;

		add_errmsg(px, (int)code, &m);
		/* the response keeps the file's own status */
		http_rules_of(px)->errs[http_rules_of(px)->nerrs - 1].status = (int)code;
		http_rules_of(px)->errs[http_rules_of(px)->nerrs - 1].reason_status = sent;
	}
	return CFG_OK;
}

/* ---- http-request / http-response ---- */

static const char *const req_actions_unsupported[] = {
	"wait-for-handshake", "ot-group", "set-nice", "sc-inc-gpc", "sc-inc-gpc0", "sc-inc-gpc1",
	"sc-set-gpt", "sc-set-gpt0", "send-spoe-group", "do-resolve", "cache-use", "cache-store",
	"add-acl", "capture", "del-acl", "del-map", "disable-l7-retry", "early-hint",
	"normalize-uri", "reject", "replace-path", "replace-pathq", "replace-uri", "set-map",
	"set-pathq", "strict-mode", "set-timeout", "wait-for-body", "set-dst", "set-dst-port",
	"set-mark", "set-src", "set-src-port", "set-tos", "silent-drop", "set-priority-class",
	"set-priority-offset", "lua", NULL,
};

static const char req_expects[] = "'wait-for-handshake', 'ot-group', 'set-log-level', 'set-nice', 'use-service', 'sc-inc-gpc(*)', 'sc-inc-gpc0(*)', 'sc-inc-gpc1(*)', 'sc-set-gpt(*)', 'sc-set-gpt0(*)', 'send-spoe-group', 'do-resolve(*)', 'cache-use', 'add-acl(*)', 'add-header', 'allow', 'auth', 'capture', 'del-acl(*)', 'del-header', 'del-map(*)', 'deny', 'disable-l7-retry', 'early-hint', 'normalize-uri', 'redirect', 'reject', 'replace-header', 'replace-path', 'replace-pathq', 'replace-uri', 'replace-value', 'return', 'set-header', 'set-map(*)', 'set-method', 'set-path', 'set-pathq', 'set-query', 'set-uri', 'strict-mode', 'tarpit', 'track-sc(*)', 'set-timeout', 'wait-for-body', 'set-var-fmt(*)', 'set-var(*)', 'unset-var(*)', 'set-dst', 'set-dst-port', 'set-mark', 'set-src', 'set-src-port', 'set-tos', 'silent-drop', 'set-priority-class', 'set-priority-offset', ";
static const char rsp_expects[] = "'ot-group', 'set-log-level', 'set-nice', 'sc-inc-gpc(*)', 'sc-inc-gpc0(*)', 'sc-inc-gpc1(*)', 'sc-set-gpt(*)', 'sc-set-gpt0(*)', 'send-spoe-group', 'cache-store', 'add-acl(*)', 'add-header', 'allow', 'capture', 'del-acl(*)', 'del-header', 'del-map(*)', 'deny', 'redirect', 'replace-header', 'replace-value', 'return', 'set-header', 'set-log-level', 'set-map(*)', 'set-status', 'strict-mode', 'track-sc(*)', 'set-timeout', 'wait-for-body', 'set-var-fmt(*)', 'set-var(*)', 'unset-var(*)', 'set-mark', 'set-nice', 'set-tos', 'silent-drop', ";

static bool valid_status(long long s, bool deny)
{
	if (deny)
		return errfile_code_ok((int)s);
	return s >= 200 && s <= 599;
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
		for (int i = 0; i < n; i++) {
			long long s;

			if ((!strcmp(av[i], "deny_status") || !strcmp(av[i], "status")) && i + 1 < n) {
				if (parse_int(av[i + 1], 0, 999, &s) || !valid_status(s, true))
					RERR("Unexpected status code '%s'.", av[i + 1]);
				r->status = (int)s;
				i++;
			} else if (!strcmp(av[i], "content-type") || !strcmp(av[i], "string") || !strcmp(av[i], "lf-string") ||
				   !strcmp(av[i], "file") || !strcmp(av[i], "lf-file") || !strcmp(av[i], "errorfile") ||
				   !strcmp(av[i], "errorfiles") || !strcmp(av[i], "default-errorfiles") || !strcmp(av[i], "hdr")) {
				snprintf(err, errlen, "'%s %s' : option '%s' is not supported by vigil-proxy yet.", who, a, av[i]);
				return -EINVAL;
			} else {
				snprintf(err, errlen, "'%s %s' expects either 'if' or 'unless' followed by a condition but found '%s'.",
					 who, a, av[i]);
				return -EINVAL;
			}
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
			char expr[1024];

			NEED(1, "missing fetch method.");
			/* kept as a format: wrap it as str() when constant */
			r->act = HA_SET_VAR;
			snprintf(expr, sizeof(expr), "str(%s)", av[0]);
			if (strstr(av[0], "%[")) {
				snprintf(err, errlen, "'%s %s' with a format is not supported by vigil-proxy yet; use set-var.", who, a);
				return -EINVAL;
			}
			r->expr = sample_expr_parse(px, expr, ferr, sizeof(ferr));
		} else {
			NEED(1, "missing fetch method.");
			r->act = HA_SET_VAR;
			r->expr = sample_expr_parse(px, av[0], ferr, sizeof(ferr));
		}
		if (r->act == HA_SET_VAR && !r->expr) {
			snprintf(err, errlen, "'%s %s' : %s.", who, a, ferr);
			return -EINVAL;
		}
	} else if (!strcmp(a, "return") && !rsp) {
		r->act = HA_RETURN;
		for (int i = 0; i < n; i++) {
			const char *o = av[i];
			long long s;

			if (i + 1 >= n && strcmp(o, "default-errorfiles") != 0 && (!strcmp(o, "status") ||
			    !strcmp(o, "content-type") || !strcmp(o, "string") || !strcmp(o, "lf-string") ||
			    !strcmp(o, "file") || !strcmp(o, "lf-file") || !strcmp(o, "errorfile") || !strcmp(o, "hdr")))
				RERR("'%s' expects an argument.", o);
			if (!strcmp(o, "status")) {
				if (parse_int(av[i + 1], 200, 599, &s))
					RERR("Unexpected status code '%s'.", av[i + 1]);
				r->status = (int)s;
				i++;
			} else if (!strcmp(o, "content-type")) {
				free(r->content_type);
				r->content_type = xstrdup(av[++i]);
			} else if (!strcmp(o, "string")) {
				free(r->body);
				r->body = xstrdup(av[++i]);
				r->body_len = strlen(r->body);
			} else if (!strcmp(o, "lf-string")) {
				FMT(r->fmt, av[++i]);
			} else if (!strcmp(o, "file") || !strcmp(o, "lf-file")) {
				free(r->body);
				r->body = NULL;
				if (read_file(av[i + 1], &r->body, &r->body_len) < 0) {
					snprintf(err, errlen, "'%s return' : error opening file '%s'.", who, av[i + 1]);
					return -EINVAL;
				}
				i++;
			} else if (!strcmp(o, "errorfile")) {
				struct http_errmsg m;
				char *data;
				size_t len;

				if (read_file(av[i + 1], &data, &len) < 0) {
					snprintf(err, errlen, "'%s return' : error opening file '%s'.", who, av[i + 1]);
					return -EINVAL;
				}
				if (parse_response(data, len, &m, ferr, sizeof(ferr), av[i + 1]) < 0) {
					free(data);
					snprintf(err, errlen, "'%s return' : %s", who, ferr);
					return -EINVAL;
				}
				free(data);
				/* keep the body; headers come from the file */
				free(r->body);
				r->body = m.body;
				r->body_len = m.body_len;
				free(r->content_type);
				r->content_type = m.content_type;
				free(m.head);
				i++;
			} else if (!strcmp(o, "default-errorfiles")) {
				r->body_is_errorfile = true;
			} else if (!strcmp(o, "hdr")) {
				if (i + 2 >= n) {
					snprintf(err, errlen, "'%s return' : 'hdr' expects <name> and <value>.", who);
					return -EINVAL;
				}
				r->hdrs = xrealloc(r->hdrs, sizeof(*r->hdrs) * (size_t)(r->nhdrs + 1));
				r->hdrs[r->nhdrs].name = xstrdup(av[i + 1]);
				r->hdrs[r->nhdrs].value = NULL;
				r->nhdrs++;
				FMT(r->hdrs[r->nhdrs - 1].value, av[i + 2]);
				i += 2;
			} else {
				snprintf(err, errlen, "'%s return' expects either 'if' or 'unless' followed by a condition but found '%s'.",
					 who, o);
				return -EINVAL;
			}
		}
		if ((r->body || r->fmt) && !r->content_type && r->body_len) {
			snprintf(err, errlen, "'%s return' : a 'content-type' is required with a payload.", who);
			return -EINVAL;
		}
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
	    n > 0) {
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
		/* HAProxy's after-response actions: no deny, no tracking */
		if (r.act == HA_DENY || r.act == HA_TRACK_SC || r.act == HA_ALLOW) {
			snprintf(err, errlen, "'http-after-response %s' is not supported by vigil-proxy yet.", args[1]);
			http_rule_release(&r);
			return CFG_ERR;
		}
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


/* cfgparse-http-settings: HTTP settings of proxies (stats, monitor-uri,
 * http-reuse, log-format, cookie, capture, HTTP options, HTTP balancing),
 * what defaults pass on, and the post-parse resolution of the HTTP rules.
 * The rules themselves are parsed in cfgparse-http.c. */
#include "proxy/cfgparse.h"
#include "proxy/acl.h"
#include "proxy/http_log.h"
#include "proxy/http_rules_int.h"
#include "proxy/userlist.h"
#include "lib/addr.h"
#include "lib/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- stats ---- */

int cfg_kw_stats(struct cfgparse *p, char **args, int argc, const struct cfg_kw *kw,
		 char *err, size_t errlen)
{
	struct proxy *px = p->cur->px;
	struct px_stats_cfg *st = &px->http.stats;
	const char *o = argc > 1 ? args[1] : "";

	cfg_note_http_only(p, args[0]);
	if (!strcmp(o, "enable")) {
		st->enabled = true;
	} else if (!strcmp(o, "uri") || !strcmp(o, "realm")) {
		char **dst = !strcmp(o, "uri") ? &st->uri : &st->realm;

		if (argc < 3) {
			snprintf(err, errlen, "'%s' needs %s.", o, !strcmp(o, "uri") ? "an URI prefix" : "an realm name");
			return CFG_ERR;
		}
		free(*dst);
		*dst = xstrdup(args[2]);
		st->enabled = true;
	} else if (!strcmp(o, "auth")) {
		if (argc < 3) {
			snprintf(err, errlen, "'auth' needs a user:password account.");
			return CFG_ERR;
		}
		st->auth = xrealloc(st->auth, sizeof(*st->auth) * (size_t)(st->nauth + 1));
		st->auth[st->nauth++] = xstrdup(args[2]);
		st->enabled = true;
	} else if (!strcmp(o, "refresh")) {
		uint64_t ms;

		if (argc < 3 || parse_time_ms(args[2], &ms) < 0) {
			if (argc < 3)
				snprintf(err, errlen, "'refresh' needs a refresh interval in seconds.");
			else
				snprintf(err, errlen, "unexpected character '%c' in argument to stats refresh interval.",
					 args[2][strspn(args[2], "0123456789")]);
			return CFG_ERR;
		}
		st->refresh_ms = (uint32_t)ms;
		st->enabled = true;
	} else if (!strcmp(o, "admin")) {
		char cerr[512];

		if (p->cur->is_defaults) {
			snprintf(err, errlen, "'stats admin' not allowed in 'defaults' section.");
			return CFG_ERR;
		}
		if (argc < 3 || (strcmp(args[2], "if") && strcmp(args[2], "unless"))) {
			snprintf(err, errlen, "'stats admin' requires either 'if' or 'unless' followed by a condition.");
			return CFG_ERR;
		}
		acl_cond_free(st->admin_cond);
		st->admin_cond = acl_cond_parse(px, args + 2, cerr, sizeof(cerr));
		if (!st->admin_cond) {
			snprintf(err, errlen, "error detected while parsing a 'stats admin' rule : %s.", cerr);
			return CFG_ERR;
		}
	} else if (!strcmp(o, "hide-version")) {
		st->hide_version = true;
		st->enabled = true;
	} else if (!strcmp(o, "show-legends")) {
		st->show_legends = true;
		st->enabled = true;
	} else if (!strcmp(o, "show-node")) {
		st->show_node = true;
		st->enabled = true;
	} else if (!strcmp(o, "show-desc") || !strcmp(o, "scope") || !strcmp(o, "show-modules")) {
		snprintf(err, errlen, "'stats %s' is not supported by vigil-proxy and is ignored.", o);
		st->enabled = true;
		return CFG_WARN;
	} else if (!strcmp(o, "http-request") || !strcmp(o, "bind-process")) {
		snprintf(err, errlen, "'stats %s' is not supported by vigil-proxy yet.", o);
		return CFG_ERR;
	} else {
		snprintf(err, errlen, "unknown stats parameter '%s', expects 'admin', 'uri', 'realm', 'auth', 'scope', 'enable', 'hide-version', 'show-node', 'show-desc' or 'show-legends'.", o);
		return CFG_ERR;
	}
	if (st->enabled && !st->uri)
		st->uri = xstrdup("/haproxy?stats");
	return CFG_OK;
}

/* ---- small keywords ---- */

int cfg_kw_monitor_uri(struct cfgparse *p, char **args, int argc, const struct cfg_kw *kw,
		       char *err, size_t errlen)
{
	struct proxy *px = p->cur->px;

	cfg_note_http_only(p, args[0]);
	if (strcmp(args[0], "monitor") == 0) {
		snprintf(err, errlen, "'monitor %s' is not supported by vigil-proxy yet.", argc > 1 ? args[1] : "");
		return CFG_ERR;
	}
	if (argc < 2 || !*args[1]) {
		snprintf(err, errlen, "'monitor-uri' expects an URI.");
		return CFG_ERR;
	}
	free(px->http.monitor_uri);
	px->http.monitor_uri = xstrdup(args[1]);
	return CFG_OK;
}

int cfg_kw_http_reuse(struct cfgparse *p, char **args, int argc, const struct cfg_kw *kw,
		      char *err, size_t errlen)
{
	static const char *const names[] = { "safe", "never", "aggressive", "always" };

	cfg_note_http_only(p, args[0]);
	for (size_t i = 0; argc == 2 && i < ARRAY_SIZE(names); i++) {
		if (!strcmp(args[1], names[i])) {
			p->cur->px->http.reuse = (enum http_reuse)i;
			return CFG_OK;
		}
	}
	snprintf(err, errlen, "'http-reuse' only supports 'never', 'safe', 'aggressive', 'always'.");
	return CFG_ERR;
}

int cfg_kw_log_format(struct cfgparse *p, char **args, int argc, const struct cfg_kw *kw,
		      char *err, size_t errlen)
{
	struct proxy *px = p->cur->px;
	char ferr[512];

	if (argc != 2) {
		snprintf(err, errlen, "'%s' expects exactly one argument (a format string in quotes).", args[0]);
		return CFG_ERR;
	}
	if (http_log_format_check(px, args[1], ferr, sizeof(ferr)) < 0) {
		snprintf(err, errlen, "failed to parse log-format : %s.", ferr);
		return CFG_ERR;
	}
	free(px->log_format);
	px->log_format = xstrdup(args[1]);
	px->log_format_file = p->file;
	px->log_format_line = p->line;
	return CFG_OK;
}

int cfg_kw_compression(struct cfgparse *p, char **args, int argc, const struct cfg_kw *kw,
		       char *err, size_t errlen)
{
	cfg_note_http_only(p, args[0]);
	if (comp_cfg_keyword(&http_rules_of(p->cur->px)->comp, args, argc, err, errlen) < 0)
		return CFG_ERR;
	return CFG_OK;
}

int cfg_kw_cookie(struct cfgparse *p, char **args, int argc, const struct cfg_kw *kw,
		  char *err, size_t errlen)
{
	struct http_rules *R = http_rules_of(p->cur->px);
	int rc = CFG_OK;

	cfg_note_http_only(p, args[0]);
	if (argc < 2) {
		snprintf(err, errlen, "'cookie' expects <cookie_name> as argument.");
		return CFG_ERR;
	}
	free(R->ck_name);
	xfree(&R->ck_domain);
	R->ck_name = xstrdup(args[1]);
	R->ck_mode = CK_PASSIVE;
	R->ck_indirect = R->ck_nocache = R->ck_preserve = R->ck_httponly = R->ck_secure = false;
	for (int i = 2; i < argc; i++) {
		const char *o = args[i];

		if (!strcmp(o, "insert"))
			R->ck_mode = CK_INSERT;
		else if (!strcmp(o, "rewrite"))
			R->ck_mode = CK_REWRITE;
		else if (!strcmp(o, "prefix"))
			R->ck_mode = CK_PREFIX;
		else if (!strcmp(o, "indirect"))
			R->ck_indirect = true;
		else if (!strcmp(o, "nocache"))
			R->ck_nocache = true;
		else if (!strcmp(o, "preserve"))
			R->ck_preserve = true;
		else if (!strcmp(o, "httponly"))
			R->ck_httponly = true;
		else if (!strcmp(o, "secure"))
			R->ck_secure = true;
		else if (!strcmp(o, "postonly") || !strcmp(o, "dynamic") || !strcmp(o, "attr")) {
			snprintf(err, errlen, "'cookie' : option '%s' is not supported by vigil-proxy yet.", o);
			return CFG_ERR;
		} else if (!strcmp(o, "domain") || !strcmp(o, "maxidle") || !strcmp(o, "maxlife")) {
			if (i + 1 >= argc) {
				if (!strcmp(o, "domain"))
					snprintf(err, errlen, "'domain' expects <domain> as argument.");
				else
					snprintf(err, errlen, "'%s' expects <idletime> in seconds as argument.", o);
				return CFG_ERR;
			}
			if (!strcmp(o, "domain")) {
				free(R->ck_domain);
				R->ck_domain = xstrdup(args[i + 1]);
			} else {
				snprintf(err, errlen, "'cookie' : '%s' is not supported by vigil-proxy and is ignored.", o);
				rc = CFG_WARN;
			}
			i++;
		} else {
			snprintf(err, errlen, "'cookie' supports 'rewrite', 'insert', 'prefix', 'indirect', 'nocache', 'postonly', 'domain', 'maxidle', 'dynamic', 'maxlife' and 'attr' options.");
			return CFG_ERR;
		}
	}
	if ((R->ck_mode != CK_INSERT) && (R->ck_indirect || R->ck_nocache) && R->ck_mode == CK_PREFIX) {
		snprintf(err, errlen, "'cookie' : cannot use 'indirect' or 'nocache' with 'prefix'.");
		return CFG_ERR;
	}
	return rc;
}

int cfg_kw_capture(struct cfgparse *p, char **args, int argc, const struct cfg_kw *kw,
		   char *err, size_t errlen)
{
	struct http_rules *R;
	long long len;
	bool req;

	cfg_note_http_only(p, args[0]);
	if (argc >= 3 && strcmp(args[1], "cookie") != 0 && strcmp(args[2], "header") != 0) {
		snprintf(err, errlen, "'capture' expects 'cookie' or 'request header' or 'response header'.");
		return CFG_ERR;
	}
	if (argc >= 2 && !strcmp(args[1], "cookie")) {
		snprintf(err, errlen, "'capture cookie' is not supported by vigil-proxy yet.");
		return CFG_ERR;
	}
	if (argc < 2 || (strcmp(args[1], "request") && strcmp(args[1], "response"))) {
		snprintf(err, errlen, "'capture' expects 'cookie', 'request' or 'response'.");
		return CFG_ERR;
	}
	req = !strcmp(args[1], "request");
	if (argc != 6 || strcmp(args[2], "header") || strcmp(args[4], "len") ||
	    parse_int(args[5], 1, 65535, &len)) {
		snprintf(err, errlen, "'capture %s' expects 'header' <header_name> 'len' <len>.", args[1]);
		return CFG_ERR;
	}
	R = http_rules_of(p->cur->px);
	if ((req ? R->nreq_caps : R->nrsp_caps) == 8) {
		snprintf(err, errlen, "'capture %s' : vigil-proxy keeps at most 8 captures per direction.", args[1]);
		return CFG_ERR;
	}
	if (req) {
		R->req_caps[R->nreq_caps].name = xstrdup(args[3]);
		R->req_caps[R->nreq_caps++].len = (int)len;
	} else {
		R->rsp_caps[R->nrsp_caps].name = xstrdup(args[3]);
		R->rsp_caps[R->nrsp_caps++].len = (int)len;
	}
	return CFG_OK;
}

/* `declare capture request|response len N`: a slot for http-request /
 * http-response capture rules that name it by its id. */
int cfg_kw_declare(struct cfgparse *p, char **args, int argc, const struct cfg_kw *kw,
		   char *err, size_t errlen)
{
	struct http_rules *R;
	long long len;
	bool req;

	cfg_note_http_only(p, args[0]);
	if (argc < 2 || strcmp(args[1], "capture") != 0) {
		snprintf(err, errlen, "unknown declaration type '%s' (supports 'capture')", argc > 1 ? args[1] : "");
		return CFG_ERR;
	}
	if (argc < 3 || (strcmp(args[2], "request") && strcmp(args[2], "response"))) {
		snprintf(err, errlen, "'declare capture' requires a direction ('request' or 'response')");
		return CFG_ERR;
	}
	if (argc < 5 || strcmp(args[3], "len") != 0) {
		snprintf(err, errlen, "'declare capture' requires a capture length ('len')");
		return CFG_ERR;
	}
	if (parse_int(args[4], 1, 65535, &len)) {
		snprintf(err, errlen, "'declare capture' : length must be > 0");
		return CFG_ERR;
	}
	req = !strcmp(args[2], "request");
	R = http_rules_of(p->cur->px);
	if ((req ? R->nreq_caps : R->nrsp_caps) == 8) {
		snprintf(err, errlen, "'declare capture %s' : vigil-proxy keeps at most 8 captures per direction.", args[2]);
		return CFG_ERR;
	}
	if (req)
		R->req_caps[R->nreq_caps++].len = (int)len;
	else
		R->rsp_caps[R->nrsp_caps++].len = (int)len;
	return CFG_OK;
}

int cfg_kw_http_ignored(struct cfgparse *p, char **args, int argc, const struct cfg_kw *kw,
			char *err, size_t errlen)
{
	cfg_note_http_only(p, args[0]);
	snprintf(err, errlen, "'%s' is not supported by vigil-proxy and is ignored.", args[0]);
	return CFG_WARN;
}

int cfg_kw_http_unsupported(struct cfgparse *p, char **args, int argc, const struct cfg_kw *kw,
			    char *err, size_t errlen)
{
	cfg_note_http_only(p, args[0]);
	snprintf(err, errlen, "'%s' is not supported by vigil-proxy yet.", args[0]);
	return CFG_ERR;
}

/* `option X` of the HTTP layer; `no` set for `no option X`. */
int cfg_http_option(struct cfgparse *p, const char *name, char **args, int argc, bool no,
		    char *err, size_t errlen)
{
	struct px_http *h = &p->cur->px->http;

	if (!strcmp(name, "http-keep-alive") || !strcmp(name, "http-server-close") || !strcmp(name, "httpclose")) {
		enum http_conn_mode m = !strcmp(name, "http-keep-alive") ? HTTP_KAL :
					 !strcmp(name, "http-server-close") ? HTTP_SCL : HTTP_CLO;

		if (!no)
			h->conn_mode = m;
		else if (h->conn_mode == m)
			h->conn_mode = HTTP_KAL;
		return CFG_OK;
	}
	if (!strcmp(name, "forwardfor")) {
		if (no) {
			h->forwardfor = false;
			return CFG_OK;
		}
		h->forwardfor = true;
		for (int i = 2; i < argc; i++) {
			if (!strcmp(args[i], "except") && i + 1 >= argc) {
				snprintf(err, errlen, "'option forwardfor except' expects <address>[/mask] as argument.");
				return CFG_ERR;
			}
			if (!strcmp(args[i], "header") && i + 1 >= argc) {
				snprintf(err, errlen, "'option forwardfor header' expects <header_name> as argument.");
				return CFG_ERR;
			}
			if (!strcmp(args[i], "except") && i + 1 < argc) {
				char aerr[256], net[128];
				const char *slash = strchr(args[i + 1], '/');
				long long bits = -1;

				snprintf(net, sizeof(net), "%.*s", slash ? (int)(slash - args[i + 1]) : (int)strlen(args[i + 1]),
					 args[i + 1]);
				if (addr_parse(net, 0, &h->forwardfor_except, aerr, sizeof(aerr)) < 0 ||
				    (slash && parse_int(slash + 1, 0, h->forwardfor_except.ss.ss_family == AF_INET ? 32 : 128, &bits))) {
					snprintf(err, errlen, "'option forwardfor' : invalid network '%s' after 'except'.", args[i + 1]);
					return CFG_ERR;
				}
				h->forwardfor_except_bits = bits >= 0 ? (int)bits :
					h->forwardfor_except.ss.ss_family == AF_INET ? 32 : 128;
				i++;
			} else if (!strcmp(args[i], "header") && i + 1 < argc) {
				free(h->forwardfor_hdr);
				h->forwardfor_hdr = xstrdup(args[++i]);
			} else if (!strcmp(args[i], "if-none")) {
				h->ifnone = true;
			} else {
				snprintf(err, errlen, "'option forwardfor' only supports optional values: 'except', 'header' and 'if-none'.");
				return CFG_ERR;
			}
		}
		if (!h->forwardfor_hdr)
			h->forwardfor_hdr = xstrdup("X-Forwarded-For");
		return CFG_OK;
	}
	if (argc > 2) {
		snprintf(err, errlen, "'option %s' cannot handle unexpected argument '%s'.", name, args[2]);
		return CFG_ERR;
	}
	if (!strcmp(name, "http-buffer-request")) {
		h->buffer_request = !no;
		return CFG_OK;
	}
	if (!strcmp(name, "http-ignore-probes") || !strcmp(name, "disable-h2-upgrade"))
		return CFG_OK;
	if (!strcmp(name, "originalto") || !strcmp(name, "http_proxy") || !strcmp(name, "checkcache")) {
		if (no)
			return CFG_OK;
		snprintf(err, errlen, "'option %s' is not supported by vigil-proxy yet.", name);
		return CFG_ERR;
	}
	if (no)
		return CFG_OK;
	snprintf(err, errlen, "'option %s' is not supported by vigil-proxy and is ignored.", name);
	return CFG_WARN;
}

/* balance uri|url_param|hdr(NAME)|random. 1 when not one of these. */
int cfg_balance_http(struct cfgparse *p, char **args, int argc, char *err, size_t errlen)
{
	struct proxy *px = p->cur->px;

	if (!strcmp(args[1], "uri")) {
		px->lb = LB_URI;
		px->lb_uri_whole = false;
		px->lb_uri_len = px->lb_uri_depth = 0;
		for (int i = 2; i < argc; i++) {
			long long v;

			if (!strcmp(args[i], "whole")) {
				px->lb_uri_whole = true;
			} else if ((!strcmp(args[i], "len") || !strcmp(args[i], "depth")) && i + 1 < argc &&
				   parse_int(args[i + 1], 1, 1 << 30, &v) == 0) {
				if (args[i][0] == 'l')
					px->lb_uri_len = (int)v;
				else
					px->lb_uri_depth = (int)v;
				i++;
			} else if (!strcmp(args[i], "path-only")) {
				snprintf(err, errlen, "'balance uri path-only' is not supported by vigil-proxy yet");
				return CFG_ERR;
			} else {
				snprintf(err, errlen, "balance uri only accepts parameters 'len', 'depth', 'path-only', and 'whole' (got '%s').", args[i]);
				return CFG_ERR;
			}
		}
		return CFG_OK;
	}
	if (!strcmp(args[1], "url_param")) {
		if (argc < 3) {
			snprintf(err, errlen, "balance url_param requires an URL parameter name.");
			return CFG_ERR;
		}
		if (argc > 3) {
			snprintf(err, errlen, "'balance url_param %s' : option '%s' is not supported by vigil-proxy yet", args[2], args[3]);
			return CFG_ERR;
		}
		px->lb = LB_URL_PARAM;
		free(px->lb_param);
		px->lb_param = xstrdup(args[2]);
		return CFG_OK;
	}
	if (!strncmp(args[1], "hdr(", 4)) {
		const char *close = strchr(args[1], ')');

		if (!close || close == args[1] + 4) {
			snprintf(err, errlen, "'balance hdr(name)' requires an http header field name.");
			return CFG_ERR;
		}
		if (argc > 2 && strcmp(args[2], "use_domain_only") == 0) {
			snprintf(err, errlen, "'balance hdr() use_domain_only' is not supported by vigil-proxy yet");
			return CFG_ERR;
		}
		px->lb = LB_HDR;
		free(px->lb_param);
		px->lb_param = xasprintf("%.*s", (int)(close - args[1] - 4), args[1] + 4);
		return CFG_OK;
	}
	if (!strcmp(args[1], "hdr")) {
		snprintf(err, errlen, "balance only supports 'roundrobin', 'static-rr', 'leastconn', 'source', 'uri', 'url_param', 'hdr(name)' and 'rdp-cookie(name)' options.");
		return CFG_ERR;
	}
	if (!strcmp(args[1], "random")) {
		if (argc > 2) {
			snprintf(err, errlen, "'balance random' : draws ('%s') are not supported by vigil-proxy yet", args[2]);
			return CFG_ERR;
		}
		px->lb = LB_RANDOM;
		return CFG_OK;
	}
	return 1;
}

/* ---- defaults, post-parse, userlists ---- */

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

void cfg_http_inherit(struct proxy *d, const struct proxy *s)
{
	const struct http_rules *S = s->http.rules;

	d->http.conn_mode = s->http.conn_mode;
	d->http.reuse = s->http.reuse;
	d->http.forwardfor = s->http.forwardfor;
	d->http.forwardfor_hdr = dup_or_null(s->http.forwardfor_hdr);
	d->http.forwardfor_except = s->http.forwardfor_except;
	d->http.forwardfor_except_bits = s->http.forwardfor_except_bits;
	d->http.ifnone = s->http.ifnone;
	d->http.buffer_request = s->http.buffer_request;
	d->http.monitor_uri = dup_or_null(s->http.monitor_uri);
	d->http.stats.enabled = s->http.stats.enabled;
	d->http.stats.uri = dup_or_null(s->http.stats.uri);
	d->http.stats.realm = dup_or_null(s->http.stats.realm);
	d->http.stats.refresh_ms = s->http.stats.refresh_ms;
	d->http.stats.hide_version = s->http.stats.hide_version;
	d->http.stats.show_legends = s->http.stats.show_legends;
	d->http.stats.show_node = s->http.stats.show_node;
	for (int i = 0; i < s->http.stats.nauth; i++) {
		d->http.stats.auth = xrealloc(d->http.stats.auth, sizeof(char *) * (size_t)(d->http.stats.nauth + 1));
		d->http.stats.auth[d->http.stats.nauth++] = xstrdup(s->http.stats.auth[i]);
	}
	d->log_format = dup_or_null(s->log_format);
	d->log_format_file = s->log_format_file;
	d->log_format_line = s->log_format_line;
	d->lb_param = dup_or_null(s->lb_param);
	d->lb_uri_whole = s->lb_uri_whole;
	d->lb_uri_len = s->lb_uri_len;
	d->lb_uri_depth = s->lb_uri_depth;
	if (S) {
		struct http_rules *D = http_rules_of(d);

		D->ck_mode = S->ck_mode;
		D->ck_name = dup_or_null(S->ck_name);
		D->ck_domain = dup_or_null(S->ck_domain);
		D->ck_indirect = S->ck_indirect;
		D->ck_nocache = S->ck_nocache;
		D->ck_preserve = S->ck_preserve;
		D->ck_httponly = S->ck_httponly;
		D->ck_secure = S->ck_secure;
		comp_cfg_free(&D->comp);
		comp_cfg_copy(&D->comp, &S->comp);
		for (int i = 0; i < S->nerrs; i++) {
			D->errs = xrealloc(D->errs, sizeof(*D->errs) * (size_t)(D->nerrs + 1));
			http_errmsg_copy(&D->errs[D->nerrs++], &S->errs[i]);
		}
	}
}

/* use_backend NAME with a %[...] format: the rule at index `idx` of
 * px->switch_rules is dynamic. 0 or -EINVAL with a message. */
int cfg_use_backend_fmt(struct cfgparse *p, int idx, const char *name, char *err, size_t errlen)
{
	struct proxy *px = p->cur->px;
	struct http_rules *R = http_rules_of(px);
	struct http_fmt *f;
	char ferr[512];

	f = http_fmt_parse(px, name, ferr, sizeof(ferr));
	if (!f) {
		const char *expr = strstr(name, "%[");

		snprintf(err, errlen, "failed to parse use_backend rule '%s' : failed to parse sample expression <%s> : %s.",
			 name, expr ? expr + 2 : name, ferr);
		return -EINVAL;
	}
	if (R->nswitch_fmt <= idx) {
		R->switch_fmt = xrealloc(R->switch_fmt, sizeof(*R->switch_fmt) * (size_t)(idx + 1));
		for (int i = R->nswitch_fmt; i <= idx; i++)
			R->switch_fmt[i] = NULL;
		R->nswitch_fmt = idx + 1;
	}
	R->switch_fmt[idx] = f;
	return 0;
}

bool cfg_use_backend_is_fmt(const struct proxy *px, int idx)
{
	const struct http_rules *R = px->http.rules;

	return R && idx < R->nswitch_fmt && R->switch_fmt[idx];
}

static void report_alert(void *ctx, const char *msg)
{
	cfg_alert_raw(ctx, "%s", msg);
}

void cfg_http_post_parse(struct cfgparse *p)
{
	struct pxconf *c = p->conf;

	/* log-format samples, parsed for each proxy before references are
	 * resolved (a format inherited from defaults names the proxy's own
	 * stick table) */
	for (int i = 0; i < c->nproxies; i++) {
		struct proxy *px = c->proxies[i];
		char ferr[768];

		size_t vlen;
		const char *v;

		if (!px->log_format)
			continue;
		if (px->mode == PX_MODE_TCP && (v = http_log_format_http_var(px->log_format, &vlen))) {
			cfg_alert_raw(p, "Parsing [%s:%d]: failed to parse log-format : format variable '%.*s' is reserved for HTTP mode.",
				      px->log_format_file, px->log_format_line, (int)vlen, v);
			continue;
		}
		if (http_log_format_compile(px, ferr, sizeof(ferr)) < 0)
			cfg_alert_raw(p, "%s '%s': failed to parse log-format : %s.", cfg_proxy_kind(px), px->id, ferr);
	}
	cfg_http_errors_resolve(p);
	sample_resolve_all(c, report_alert, p);
	for (int i = 0; i < c->nproxies; i++) {
		struct proxy *px = c->proxies[i];
		struct http_rules *R = px->http.rules;

		if (!R)
			continue;
		R->conf = c;
		for (int k = 0; k < 2; k++) {
			struct http_rule *rules = k ? R->rsp : R->req;
			int n = k ? R->nrsp : R->nreq;

			for (int j = 0; j < n; j++) {
				struct http_rule *r = &rules[j];
				struct proxy *tp;

				if (r->act == HA_CAPTURE && r->status == -1 && (px->cap & PX_CAP_FE) &&
				    r->sc >= (k ? R->nrsp_caps : R->nreq_caps)) {
					cfg_alert_raw(p, "Proxy '%s': unable to find capture id '%d' referenced by http-%s capture rule.",
						      px->id, r->sc, k ? "response" : "request");
					continue;
				}
				if (r->act != HA_TRACK_SC)
					continue;
				tp = r->table_name ? pxconf_find_proxy(c, r->table_name, PX_CAP_FE | PX_CAP_BE) : px;
				if (!tp || !tp->stick_table) {
					cfg_alert_raw(p, "parsing [%s:%d] : %s '%s': unable to find stick-table '%s'.",
						      r->file, r->line, cfg_proxy_kind(px), px->id,
						      r->table_name ? r->table_name : px->id);
					continue;
				}
				r->table_px = tp;
			}
		}
	}
}

int cfg_userlist_line(struct cfgparse *p, struct userlist *ul, char **args, int argc)
{
	char err[512] = "";
	int rc = userlist_parse_line(ul, args, argc, err, sizeof(err));

	if (rc == CFG_ERR)
		cfg_alert(p, "%s", err);
	else if (rc == CFG_WARN)
		cfg_warn(p, "%s", err);
	return rc;
}

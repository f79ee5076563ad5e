/* cfgparse-proxy: keywords of defaults, frontend, backend and listen
 * sections (servers are in cfgparse-server.c). */
#include "proxy/cfgparse.h"
#include "proxy/acl.h"
#include "proxy/sample.h"
#include "proxy/stick.h"
#include "proxy/stick_counters.h"
#include "proxy/ssl.h"
#include "lib/addr.h"
#include "lib/util.h"

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define P(field) offsetof(struct proxy, field)

static const char *kind(const struct cfgparse *p)
{
	return p->cur->is_defaults ? "defaults" : cfg_proxy_kind(p->cur->px);
}

static const char *pxname(const struct cfgparse *p)
{
	const struct cfg_pxstate *st = p->cur;

	return st->is_defaults ? (st->defaults_name ? st->defaults_name : "") : st->px->id;
}

/* ---- checks configuration ---- */

static void rule_release(struct tcpcheck_rule *r)
{
	if (r->action == TCPCHK_EXPECT_RSTRING || r->action == TCPCHK_EXPECT_RSTATUS)
		regfree(&r->re);
	free(r->data);
}

void cfg_check_free(struct check_cfg *c)
{
	int i;

	for (i = 0; i < c->nrules; i++)
		rule_release(&c->rules[i]);
	free(c->rules);
	free(c->http_method);
	free(c->http_uri);
	free(c->http_version);
	free(c->http_headers);
	free(c->http_body);
	free(c->mysql_user);
	memset(c, 0, sizeof(*c));
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

void cfg_check_copy(struct check_cfg *dst, const struct check_cfg *src)
{
	int i;

	cfg_check_free(dst);
	dst->type = src->type;
	dst->http_method = dup_or_null(src->http_method);
	dst->http_uri = dup_or_null(src->http_uri);
	dst->http_version = dup_or_null(src->http_version);
	dst->http_headers = dup_or_null(src->http_headers);
	dst->http_body = dup_or_null(src->http_body);
	dst->mysql_user = dup_or_null(src->mysql_user);
	if (src->nrules) {
		dst->rules = xcalloc((size_t)src->nrules, sizeof(*dst->rules));
		for (i = 0; i < src->nrules; i++) {
			struct tcpcheck_rule *r = &dst->rules[i];

			*r = src->rules[i];
			memset(&r->re, 0, sizeof(r->re));
			if (src->rules[i].data) {
				r->data = xmalloc(r->len + 1);
				memcpy(r->data, src->rules[i].data, r->len + 1);
			}
			if (r->action == TCPCHK_EXPECT_RSTRING || r->action == TCPCHK_EXPECT_RSTATUS)
				regcomp(&r->re, r->data, REG_EXTENDED | REG_NOSUB);
		}
		dst->nrules = src->nrules;
	}
}

/* A new check rule; the first one written in a proxy replaces the rules it
 * inherited from its defaults section. */
static struct tcpcheck_rule *add_rule(struct cfgparse *p, enum tcpcheck_action action)
{
	struct check_cfg *c = &p->cur->px->check;
	struct tcpcheck_rule *r;

	if (p->cur->rules_inherited) {
		int i;

		for (i = 0; i < c->nrules; i++)
			rule_release(&c->rules[i]);
		c->nrules = 0;
		p->cur->rules_inherited = false;
	}
	c->rules = xrealloc(c->rules, sizeof(*c->rules) * (size_t)(c->nrules + 1));
	r = &c->rules[c->nrules++];
	memset(r, 0, sizeof(*r));
	r->action = action;
	return r;
}

static void drop_last_rule(struct cfgparse *p)
{
	struct check_cfg *c = &p->cur->px->check;

	rule_release(&c->rules[--c->nrules]);
}

static int set_rule_data(struct tcpcheck_rule *r, const char *s, size_t len, char *err, size_t errlen,
			 const char *who)
{
	r->data = xmalloc(len + 1);
	memcpy(r->data, s, len);
	r->data[len] = 0;
	r->len = len;
	if (r->action == TCPCHK_EXPECT_RSTRING || r->action == TCPCHK_EXPECT_RSTATUS) {
		int rc = regcomp(&r->re, r->data, REG_EXTENDED | REG_NOSUB);

		if (rc != 0) {
			char buf[128];

			regerror(rc, &r->re, buf, sizeof(buf));
			snprintf(err, errlen, "'%s' : regex '%s' : %s.", who, s, buf);
			r->action = TCPCHK_COMMENT;   /* nothing compiled to free */
			return -1;
		}
	}
	return 0;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static int parse_expect(struct cfgparse *p, char **args, int argc, int i, bool http,
			char *err, size_t errlen)
{
	const char *who = http ? "http-check expect" : "tcp-check expect";
	bool neg = false;
	struct tcpcheck_rule *r;
	const char *what, *val;
	enum tcpcheck_action act;
	char bin[4096];
	size_t blen = 0;

	if (i < argc && strcmp(args[i], "!") == 0) {
		neg = true;
		i++;
	}
	if (i >= argc) {
		snprintf(err, errlen, "'%s' : expects at least a matching pattern as arguments.", who);
		return CFG_ERR;
	}
	what = args[i];
	if (what[0] == '!' && what[1]) {
		neg = true;
		what++;
	}
	if (strcmp(what, "string") == 0)
		act = TCPCHK_EXPECT_STRING;
	else if (strcmp(what, "rstring") == 0)
		act = TCPCHK_EXPECT_RSTRING;
	else if (!http && strcmp(what, "binary") == 0)
		act = TCPCHK_EXPECT_STRING;
	else if (http && strcmp(what, "status") == 0)
		act = TCPCHK_EXPECT_STATUS;
	else if (http && strcmp(what, "rstatus") == 0)
		act = TCPCHK_EXPECT_RSTATUS;
	else if (!strcmp(what, "min-recv") || !strcmp(what, "string-lf") || !strcmp(what, "binary-lf") ||
		 !strcmp(what, "rbinary") || !strcmp(what, "hdr") || !strcmp(what, "fhdr") ||
		 !strcmp(what, "custom")) {
		snprintf(err, errlen, "'%s %s' is not supported by vigil-proxy yet.", who, what);
		return CFG_ERR;
	} else {
		snprintf(err, errlen, "'%s' : only supports %s but got '%s' as argument.", who,
			 http ? "'[!]status', '[!]rstatus', '[!]string' and '[!]rstring'"
			      : "'[!]string', '[!]rstring' and '[!]binary'", what);
		return CFG_ERR;
	}
	if (i + 1 >= argc) {
		snprintf(err, errlen, "'%s %s' expects <pattern> as an argument.", who, what);
		return CFG_ERR;
	}
	val = args[i + 1];
	if (strcmp(what, "binary") == 0) {
		size_t k, n = strlen(val);

		if (n % 2 || n / 2 > sizeof(bin)) {
			snprintf(err, errlen, "'%s binary' : '%s' invalid binary string (an even number of hex digits is expected).",
				 who, val);
			return CFG_ERR;
		}
		for (k = 0; k < n; k += 2) {
			int hi = hexval(val[k]), lo = hexval(val[k + 1]);

			if (hi < 0 || lo < 0) {
				snprintf(err, errlen, "'%s binary' : '%s' invalid binary string (an hex digit is expected (found '%c')).",
					 who, val, hi < 0 ? val[k] : val[k + 1]);
				return CFG_ERR;
			}
			bin[blen++] = (char)(hi << 4 | lo);
		}
	}
	/* trailing options: comment, error-status, on-success... */
	for (i += 2; i < argc; i += 2) {
		if (strcmp(args[i], "comment") && strcmp(args[i], "error-status") &&
		    strcmp(args[i], "ok-status") && strcmp(args[i], "tout-status") &&
		    strcmp(args[i], "on-success") && strcmp(args[i], "on-error") &&
		    strcmp(args[i], "status-code")) {
			snprintf(err, errlen, "'%s' : unexpected argument '%s'.", who, args[i]);
			return CFG_ERR;
		}
	}
	r = add_rule(p, act);
	r->negate = neg;
	if (strcmp(what, "binary") == 0 ? set_rule_data(r, bin, blen, err, errlen, who)
	    : set_rule_data(r, val, strlen(val), err, errlen, who)) {
		drop_last_rule(p);
		return CFG_ERR;
	}
	return CFG_OK;
}

static int parse_connect(struct cfgparse *p, char **args, int argc, bool http, char *err, size_t errlen)
{
	const char *who = http ? "http-check connect" : "tcp-check connect";
	int port = 0, i;
	bool ssl = false;
	struct tcpcheck_rule *r;

	for (i = 2; i < argc; i++) {
		if (strcmp(args[i], "port") == 0) {
			long long n;

			if (i + 1 >= argc || parse_int(args[i + 1], 1, 65535, &n)) {
				snprintf(err, errlen, "'%s' : 'port' expects a port number (got '%s').", who,
					 i + 1 < argc ? args[i + 1] : "");
				return CFG_ERR;
			}
			port = (int)n;
			i++;
		} else if (!strcmp(args[i], "ssl")) {
			ssl = true;
		} else if (!strcmp(args[i], "sni") || !strcmp(args[i], "alpn")) {
			snprintf(err, errlen, "'%s' : '%s' is not supported by vigil-proxy yet (the server's 'check-sni'/'check-alpn' are)",
				 who, args[i]);
			return CFG_ERR;
		} else if (!strcmp(args[i], "comment") || !strcmp(args[i], "default") || !strcmp(args[i], "linger")) {
			if (!strcmp(args[i], "comment"))
				i++;
		} else {
			snprintf(err, errlen, "'%s' : option '%s' is not supported by vigil-proxy yet.", who, args[i]);
			return CFG_ERR;
		}
	}
	r = add_rule(p, TCPCHK_CONNECT);
	r->port = port;
	r->ssl = ssl;
	return CFG_OK;
}

static int kw_tcp_check(struct cfgparse *p, char **args, int argc, const struct cfg_kw *kw,
			char *err, size_t errlen)
{
	struct tcpcheck_rule *r;
	const char *a = argc > 1 ? args[1] : "";

	if (strcmp(a, "comment") == 0) {
		if (argc < 3) {
			snprintf(err, errlen, "'tcp-check comment' expects a string as argument.");
			return CFG_ERR;
		}
		r = add_rule(p, TCPCHK_COMMENT);
		set_rule_data(r, args[2], strlen(args[2]), err, errlen, "tcp-check comment");
		p->cur->tcpchk_rules = true;
		return CFG_OK;
	}
	if (strcmp(a, "connect") == 0) {
		p->cur->tcpchk_rules = true;
		return parse_connect(p, args, argc, false, err, errlen);
	}
	if (strcmp(a, "send") == 0 || strcmp(a, "send-binary") == 0) {
		char buf[4096];
		size_t len = 0;

		if (argc < 3) {
			snprintf(err, errlen, "'tcp-check %s' expects a %s as argument.", a,
				 a[4] ? "binary string" : "string");
			return CFG_ERR;
		}
		if (argc > 3 && strcmp(args[3], "comment") != 0) {
			snprintf(err, errlen, "'tcp-check %s' : unexpected argument '%s'.", a, args[3]);
			return CFG_ERR;
		}
		if (a[4]) {
			size_t k, n = strlen(args[2]);

			for (k = 0; k < n; k += 2) {
				int hi = hexval(args[2][k]), lo = k + 1 < n ? hexval(args[2][k + 1]) : -1;

				if (hi < 0 || lo < 0 || len >= sizeof(buf)) {
					snprintf(err, errlen, "'tcp-check send-binary' : '%s' invalid binary string (an hex digit is expected (found '%c')).",
						 args[2], hi < 0 ? args[2][k] : k + 1 < n ? args[2][k + 1] : '?');
					return CFG_ERR;
				}
				buf[len++] = (char)(hi << 4 | lo);
			}
			r = add_rule(p, TCPCHK_SEND);
			set_rule_data(r, buf, len, err, errlen, "tcp-check send-binary");
		} else {
			r = add_rule(p, TCPCHK_SEND);
			set_rule_data(r, args[2], strlen(args[2]), err, errlen, "tcp-check send");
		}
		p->cur->tcpchk_rules = true;
		return CFG_OK;
	}
	if (strcmp(a, "expect") == 0) {
		p->cur->tcpchk_rules = true;
		return parse_expect(p, args, argc, 2, false, err, errlen);
	}
	if (!strcmp(a, "send-lf") || !strcmp(a, "send-binary-lf") || !strcmp(a, "set-var") ||
	    !strcmp(a, "unset-var")) {
		snprintf(err, errlen, "'tcp-check %s' is not supported by vigil-proxy yet.", a);
		return CFG_ERR;
	}
	snprintf(err, errlen, "'tcp-check' only supports 'comment', 'connect', 'send', 'send-binary' or 'expect' (got '%s').", a);
	return CFG_ERR;
}

static void append_header(char **hdrs, const char *name, const char *value)
{
	char *n = xasprintf("%s%s: %s\r\n", *hdrs ? *hdrs : "", name, value);

	free(*hdrs);
	*hdrs = n;
}

static int kw_http_check(struct cfgparse *p, char **args, int argc, const struct cfg_kw *kw,
			 char *err, size_t errlen)
{
	struct check_cfg *c = &p->cur->px->check;
	const char *a = argc > 1 ? args[1] : "";
	int i;

	if (strcmp(a, "expect") == 0)
		return parse_expect(p, args, argc, 2, true, err, errlen);
	if (strcmp(a, "connect") == 0)
		return parse_connect(p, args, argc, true, err, errlen);
	if (strcmp(a, "comment") == 0) {
		if (argc < 3) {
			snprintf(err, errlen, "'http-check comment' expects a string as argument.");
			return CFG_ERR;
		}
		return CFG_OK;
	}
	if (strcmp(a, "send") == 0) {
		char *meth = NULL, *uri = NULL, *ver = NULL, *body = NULL, *hdrs = NULL;

		for (i = 2; i < argc; i++) {
			const char *o = args[i];

			if (!strcmp(o, "hdr")) {
				if (i + 2 >= argc) {
					snprintf(err, errlen, "'http-check send' : 'hdr' expects <name> and <value> as arguments.");
					goto send_fail;
				}
				append_header(&hdrs, args[i + 1], args[i + 2]);
				i += 2;
				continue;
			}
			if (i + 1 >= argc) {
				snprintf(err, errlen, "'http-check send' : '%s' expects an argument.", o);
				goto send_fail;
			}
			if (!strcmp(o, "meth")) {
				free(meth);
				meth = xstrdup(args[i + 1]);
			} else if (!strcmp(o, "uri")) {
				free(uri);
				uri = xstrdup(args[i + 1]);
			} else if (!strcmp(o, "ver")) {
				free(ver);
				ver = xstrdup(args[i + 1]);
			} else if (!strcmp(o, "body")) {
				free(body);
				body = xstrdup(args[i + 1]);
			} else if (!strcmp(o, "comment")) {
				/* nothing */
			} else if (!strcmp(o, "uri-lf") || !strcmp(o, "body-lf")) {
				snprintf(err, errlen, "'http-check send' : '%s' is not supported by vigil-proxy yet.", o);
				goto send_fail;
			} else {
				snprintf(err, errlen, "'http-check send' expects 'meth', 'uri', 'uri-lf', 'ver', 'hdr', 'body' or 'body-lf' but got '%s' as argument.", o);
				goto send_fail;
			}
			i++;
		}
		if (meth) { free(c->http_method); c->http_method = meth; }
		if (uri) { free(c->http_uri); c->http_uri = uri; }
		if (ver) { free(c->http_version); c->http_version = ver; }
		if (body) { free(c->http_body); c->http_body = body; }
		if (hdrs) { free(c->http_headers); c->http_headers = hdrs; }
		if (!p->cur->http_send_line) {
			p->cur->http_send_line = true;
			p->cur->http_send_file = p->file;
			p->cur->http_send_lineno = p->line;
		}
		return CFG_OK;
send_fail:
		free(meth);
		free(uri);
		free(ver);
		free(body);
		free(hdrs);
		return CFG_ERR;
	}
	if (strcmp(a, "disable-on-404") == 0 || strcmp(a, "send-state") == 0) {
		snprintf(err, errlen, "'http-check %s' is not supported by vigil-proxy and is ignored.", a);
		return CFG_WARN;
	}
	if (!strcmp(a, "set-var") || !strcmp(a, "unset-var")) {
		snprintf(err, errlen, "'http-check %s' is not supported by vigil-proxy yet.", a);
		return CFG_ERR;
	}
	snprintf(err, errlen, "'http-check' only supports 'disable-on-404', 'send-state', 'comment', 'connect', 'send', 'expect', 'set-var' and 'unset-var' (got '%s').", a);
	return CFG_ERR;
}

/* option httpchk [URI] | [METH URI] | [METH URI VER]: the legacy form may
 * hide headers (and a body) after "\r\n" in VER. */
static int opt_httpchk(struct cfgparse *p, char **args, int argc, char *err, size_t errlen)
{
	struct check_cfg *c = &p->cur->px->check;
	const char *meth = NULL, *uri = NULL, *ver = NULL;
	int rc = CFG_OK;

	if (argc > 5) {
		snprintf(err, errlen, "'option httpchk' cannot handle unexpected argument '%s'.", args[5]);
		return CFG_ERR;
	}
	if (argc == 3) {
		uri = args[2];
	} else if (argc >= 4) {
		meth = args[2];
		uri = args[3];
		if (argc == 5)
			ver = args[4];
	}
	c->type = CHK_HTTP;
	if (meth || !c->http_method) {
		free(c->http_method);
		c->http_method = xstrdup(meth ? meth : "OPTIONS");
	}
	if (uri || !c->http_uri) {
		free(c->http_uri);
		c->http_uri = xstrdup(uri ? uri : "/");
	}
	if (ver || !c->http_version) {
		const char *crlf = ver ? strstr(ver, "\r\n") : NULL;

		free(c->http_version);
		if (crlf) {
			const char *hdrs = crlf + 2, *end = strstr(hdrs, "\r\n\r\n");
			size_t hlen = end ? (size_t)(end - hdrs) + 2 : strlen(hdrs);

			c->http_version = xasprintf("%.*s", (int)(crlf - ver), ver);
			free(c->http_headers);
			c->http_headers = NULL;
			if (hlen) {
				bool term = hlen >= 2 && hdrs[hlen - 2] == '\r' && hdrs[hlen - 1] == '\n';

				c->http_headers = xasprintf("%.*s%s", (int)hlen, hdrs, term ? "" : "\r\n");
			}
			if (end && end[4]) {
				free(c->http_body);
				c->http_body = xstrdup(end + 4);
			}
			snprintf(err, errlen, "'option httpchk' : hiding headers or body at the end of the version string is deprecated. Please, consider to use 'http-check send' directive instead.");
			rc = CFG_WARN;
		} else {
			c->http_version = xstrdup(ver ? ver : "HTTP/1.0");
		}
	}
	return rc;
}

static int opt_mysql(struct cfgparse *p, char **args, int argc, char *err, size_t errlen)
{
	struct check_cfg *c = &p->cur->px->check;

	c->type = CHK_MYSQL;
	xfree(&c->mysql_user);
	if (argc == 2)
		return CFG_OK;
	if (strcmp(args[2], "user") != 0 || argc < 4 || argc > 5 ||
	    (argc == 5 && strcmp(args[4], "post-41") != 0 && strcmp(args[4], "pre-41") != 0)) {
		snprintf(err, errlen, "'option mysql-check' only supports 'user <name> [post-41]'.");
		return CFG_ERR;
	}
	c->mysql_user = xstrdup(args[3]);
	return CFG_OK;
}

/* `option ssl-hello-chk`, as HAProxy 2.6 defines it: a tcp-check that
 * sends a ClientHello and expects a TLS record back, a handshake (0x16)
 * or an alert (0x15). The hello is OpenSSL's own (ssl_client_hello()). */
static int opt_ssl_hello(struct cfgparse *p, char *err, size_t errlen)
{
	struct check_cfg *c = &p->cur->px->check;
	static const char tls_record[] = "^[\x15\x16]";
	unsigned char hello[2048];
	size_t n = ssl_client_hello(hello, sizeof(hello));
	struct tcpcheck_rule *r;

	if (!n) {
		snprintf(err, errlen, "'option ssl-hello-chk' : cannot build a TLS ClientHello.");
		return CFG_ERR;
	}
	for (int i = 0; i < c->nrules; i++)
		rule_release(&c->rules[i]);
	c->nrules = 0;
	p->cur->rules_inherited = false;
	c->type = CHK_TCPCHK;
	r = add_rule(p, TCPCHK_SEND);
	set_rule_data(r, (const char *)hello, n, err, errlen, "option ssl-hello-chk");
	r = add_rule(p, TCPCHK_EXPECT_RSTRING);
	if (set_rule_data(r, tls_record, strlen(tls_record), err, errlen, "option ssl-hello-chk")) {
		drop_last_rule(p);
		return CFG_ERR;
	}
	return CFG_OK;
}

/* ---- options ---- */

enum opt_kind { O_FLAG, O_HTTP_ONLY, O_WARN, O_UNSUPPORTED, O_ACCEPT, O_CHECK };

static const struct px_option {
	const char *name;
	enum opt_kind kind;
	unsigned flag;
	unsigned sections;
} px_options[] = {
	{ "redispatch", O_FLAG, PXO_REDISPATCH, CFG_S_BEX },
	{ "allbackups", O_FLAG, PXO_ALLBACKUPS, CFG_S_BEX },
	{ "tcplog", O_FLAG, PXO_TCPLOG, CFG_S_PX },
	{ "httplog", O_FLAG, PXO_HTTPLOG, CFG_S_PX },
	{ "dontlognull", O_FLAG, PXO_DONTLOGNULL, CFG_S_FEX },
	{ "tcpka", O_FLAG, PXO_TCPKA, CFG_S_PX },
	{ "clitcpka", O_FLAG, PXO_CLITCPKA, CFG_S_FEX },
	{ "srvtcpka", O_FLAG, PXO_SRVTCPKA, CFG_S_BEX },
	{ "splice-auto", O_FLAG, PXO_SPLICE_AUTO, CFG_S_PX },
	{ "splice-request", O_FLAG, PXO_SPLICE_REQ, CFG_S_PX },
	{ "splice-response", O_FLAG, PXO_SPLICE_RSP, CFG_S_PX },
	{ "log-health-checks", O_FLAG, PXO_LOG_HEALTH, CFG_S_BEX },
	{ "prefer-last-server", O_FLAG, PXO_PREFER_LAST, CFG_S_BEX },
	{ "tcp-check", O_CHECK, 0, CFG_S_BEX },
	{ "httpchk", O_CHECK, 0, CFG_S_BEX },
	{ "mysql-check", O_CHECK, 0, CFG_S_BEX },
	{ "ssl-hello-chk", O_CHECK, 0, CFG_S_BEX },
	{ "pgsql-check", O_UNSUPPORTED, 0, CFG_S_BEX },
	{ "redis-check", O_UNSUPPORTED, 0, CFG_S_BEX },
	{ "smtpchk", O_UNSUPPORTED, 0, CFG_S_BEX },
	{ "ldap-check", O_UNSUPPORTED, 0, CFG_S_BEX },
	{ "spop-check", O_UNSUPPORTED, 0, CFG_S_BEX },
	{ "external-check", O_UNSUPPORTED, 0, CFG_S_BEX },
	{ "transparent", O_UNSUPPORTED, 0, CFG_S_BEX },
	{ "forwardfor", O_HTTP_ONLY, 0, CFG_S_PX },
	{ "originalto", O_HTTP_ONLY, 0, CFG_S_PX },
	{ "http-server-close", O_HTTP_ONLY, 0, CFG_S_PX },
	{ "httpclose", O_HTTP_ONLY, 0, CFG_S_PX },
	{ "http-keep-alive", O_HTTP_ONLY, 0, CFG_S_PX },
	{ "http-pretend-keepalive", O_HTTP_ONLY, 0, CFG_S_PX },
	{ "http-no-delay", O_HTTP_ONLY, 0, CFG_S_PX },
	{ "http-buffer-request", O_HTTP_ONLY, 0, CFG_S_PX },
	{ "http-ignore-probes", O_HTTP_ONLY, 0, CFG_S_PX },
	{ "http-use-proxy-header", O_HTTP_ONLY, 0, CFG_S_PX },
	{ "http-restrict-req-hdr-names", O_HTTP_ONLY, 0, CFG_S_PX },
	{ "http_proxy", O_HTTP_ONLY, 0, CFG_S_PX },
	{ "accept-invalid-http-request", O_HTTP_ONLY, 0, CFG_S_PX },
	{ "accept-invalid-http-response", O_HTTP_ONLY, 0, CFG_S_PX },
	{ "checkcache", O_HTTP_ONLY, 0, CFG_S_PX },
	{ "disable-h2-upgrade", O_HTTP_ONLY, 0, CFG_S_PX },
	{ "h1-case-adjust-bogus-client", O_HTTP_ONLY, 0, CFG_S_PX },
	{ "h1-case-adjust-bogus-server", O_HTTP_ONLY, 0, CFG_S_PX },
	{ "idle-close-on-response", O_HTTP_ONLY, 0, CFG_S_PX },
	{ "abortonclose", O_WARN, 0, CFG_S_PX },
	{ "logasap", O_WARN, 0, CFG_S_PX },
	{ "log-separate-errors", O_WARN, 0, CFG_S_PX },
	{ "dontlog-normal", O_WARN, 0, CFG_S_FEX },
	{ "socket-stats", O_WARN, 0, CFG_S_PX },
	{ "independent-streams", O_WARN, 0, CFG_S_PX },
	{ "nolinger", O_WARN, 0, CFG_S_PX },
	{ "persist", O_WARN, 0, CFG_S_PX },
	{ "tcp-smart-accept", O_ACCEPT, 0, CFG_S_PX },
	{ "tcp-smart-connect", O_ACCEPT, 0, CFG_S_PX },
	{ "contstats", O_ACCEPT, 0, CFG_S_PX },
};

static int kw_option(struct cfgparse *p, char **args, int argc, const struct cfg_kw *kw,
		     char *err, size_t errlen)
{
	struct proxy *px = p->cur->px;
	const struct px_option *o = NULL;
	bool no = strcmp(args[0], "no") == 0;
	size_t j;

	if (no) {
		args++;
		argc--;
	}
	if (argc < 2) {
		snprintf(err, errlen, "'option' expects an option name.");
		return CFG_ERR;
	}
	for (j = 0; j < ARRAY_SIZE(px_options); j++)
		if (strcmp(px_options[j].name, args[1]) == 0)
			o = &px_options[j];
	if (!o) {
		const char *names[ARRAY_SIZE(px_options) + 1], *sugg;

		for (j = 0; j < ARRAY_SIZE(px_options); j++)
			names[j] = px_options[j].name;
		names[j] = NULL;
		sugg = suggest_word(args[1], names);
		if (sugg)
			snprintf(err, errlen, "unknown option '%s'; did you mean '%s' maybe ?", args[1], sugg);
		else
			snprintf(err, errlen, "unknown option '%s'.", args[1]);
		return CFG_ERR;
	}
	if (!(o->sections & p->sec_bit)) {
		snprintf(err, errlen, "'option %s' ignored because %s '%s' has no %s capability.",
			 o->name, kind(p), pxname(p), p->sec_bit == CFG_S_FE ? "backend" : "frontend");
		return CFG_WARN;
	}
	if (no && o->kind != O_FLAG && o->kind != O_HTTP_ONLY && o->kind != O_WARN && o->kind != O_ACCEPT) {
		snprintf(err, errlen, "'no option %s' is not supported.", o->name);
		return CFG_ERR;
	}
	if (o->kind != O_CHECK && argc > 2 && strcmp(o->name, "forwardfor") != 0 &&
	    strcmp(o->name, "originalto") != 0 && strcmp(o->name, "persist") != 0 &&
	    !(o->flag == PXO_HTTPLOG && argc == 3 && strcmp(args[2], "clf") == 0)) {
		snprintf(err, errlen, "'option %s' cannot handle unexpected argument '%s'.", o->name, args[2]);
		return CFG_ERR;
	}
	switch (o->kind) {
	case O_FLAG:
		if (o->flag == PXO_HTTPLOG && !no) {
			/* checked against the mode at the end of the section */
			p->cur->httplog_file = p->file;
			p->cur->httplog_line = p->line;
		}
		if (no)
			px->options &= ~o->flag;
		else
			px->options |= o->flag;
		return CFG_OK;
	case O_HTTP_ONLY: {
		char label[128];

		snprintf(label, sizeof(label), "option %s", o->name);
		if (!no)
			cfg_note_http_only(p, label);
		return cfg_http_option(p, o->name, args, argc, no, err, errlen);
	}
	case O_WARN:
		snprintf(err, errlen, "'option %s' is not supported by vigil-proxy and is ignored.", o->name);
		return CFG_WARN;
	case O_ACCEPT:
		return CFG_OK;
	case O_UNSUPPORTED:
		snprintf(err, errlen, "'option %s' is not supported by vigil-proxy yet.", o->name);
		return CFG_ERR;
	case O_CHECK:
		if (strcmp(o->name, "httpchk") == 0)
			return opt_httpchk(p, args, argc, err, errlen);
		if (strcmp(o->name, "mysql-check") == 0)
			return opt_mysql(p, args, argc, err, errlen);
		if (strcmp(o->name, "ssl-hello-chk") == 0)
			return opt_ssl_hello(p, err, errlen);
		if (argc > 2) {
			snprintf(err, errlen, "'option tcp-check' cannot handle unexpected argument '%s'.", args[2]);
			return CFG_ERR;
		}
		px->check.type = CHK_TCPCHK;
		return CFG_OK;
	}
	return CFG_OK;
}

static int kw_no(struct cfgparse *p, char **args, int argc, const struct cfg_kw *kw,
		 char *err, size_t errlen)
{
	if (argc >= 2 && strcmp(args[1], "option") == 0)
		return kw_option(p, args, argc, kw, err, errlen);
	if (argc == 2 && strcmp(args[1], "log") == 0) {
		cfg_logspecs_free(p->cur->logs, p->cur->nlogs);
		p->cur->logs = NULL;
		p->cur->nlogs = 0;
		return CFG_OK;
	}
	snprintf(err, errlen, "'no' only supports 'option' and 'log' (got '%s').", argc > 1 ? args[1] : "");
	return CFG_ERR;
}

/* ---- mode, balance, timeouts, logs ---- */

static int kw_mode(struct cfgparse *p, char **args, int argc, const struct cfg_kw *kw,
		   char *err, size_t errlen)
{
	struct proxy *px = p->cur->px;

	if (argc != 2) {
		snprintf(err, errlen, "'mode' expects one of 'tcp' or 'http'.");
		return CFG_ERR;
	}
	if (strcmp(args[1], "tcp") == 0) {
		px->mode = PX_MODE_TCP;
	} else if (strcmp(args[1], "http") == 0) {
		px->mode = PX_MODE_HTTP;
	} else if (strcmp(args[1], "health") == 0) {
		snprintf(err, errlen, "'mode health' doesn't exist anymore. Please use 'http-request return status 200' instead.");
		return CFG_ERR;
	} else {
		snprintf(err, errlen, "unknown proxy mode '%s'.", args[1]);
		return CFG_ERR;
	}
	p->cur->mode_explicit = true;
	return CFG_OK;
}

static int kw_balance(struct cfgparse *p, char **args, int argc, const struct cfg_kw *kw,
		      char *err, size_t errlen)
{
	static const char *const algos[] = { "roundrobin", "static-rr", "leastconn", "source", "first", NULL };
	static const char *const later[] = { "uri", "url_param", "hdr", "rdp-cookie", "random", "hash", NULL };
	const enum lb_algo vals[] = { LB_ROUNDROBIN, LB_STATIC_RR, LB_LEASTCONN, LB_SOURCE, LB_FIRST };
	const char *sugg;
	char base[64];
	int i;

	if (argc < 2) {
		snprintf(err, errlen, "'balance' expects an algorithm.");
		return CFG_ERR;
	}
	for (i = 0; algos[i]; i++) {
		if (strcmp(args[1], algos[i]) == 0) {
			if (argc > 2) {
				snprintf(err, errlen, "'balance %s' cannot handle unexpected argument '%s'.", algos[i], args[2]);
				return CFG_ERR;
			}
			p->cur->px->lb = vals[i];
			return CFG_OK;
		}
	}
	i = cfg_balance_http(p, args, argc, err, errlen);
	if (i != 1)
		return i;
	snprintf(base, sizeof(base), "%.*s", (int)strcspn(args[1], "("), args[1]);
	for (i = 0; later[i]; i++) {
		if (strcmp(base, later[i]) == 0) {
			snprintf(err, errlen, "balance '%s' is not supported by vigil-proxy yet", args[1]);
			return CFG_ERR;
		}
	}
	sugg = suggest_word(args[1], algos);
	snprintf(err, errlen, "'balance' only supports 'roundrobin', 'static-rr', 'leastconn', 'source' and 'first' (got '%s')%s%s%s",
		 args[1], sugg ? "; did you mean '" : ".", sugg ? sugg : "", sugg ? "' maybe ?" : "");
	return CFG_ERR;
}

static int kw_timeout(struct cfgparse *p, char **args, int argc, const struct cfg_kw *kw,
		      char *err, size_t errlen)
{
	static const struct { const char *name; size_t off; unsigned cap; } t[] = {
		{ "client", offsetof(struct px_timeouts, client), PX_CAP_FE },
		{ "server", offsetof(struct px_timeouts, server), PX_CAP_BE },
		{ "connect", offsetof(struct px_timeouts, connect), PX_CAP_BE },
		{ "check", offsetof(struct px_timeouts, check), PX_CAP_BE },
		{ "queue", offsetof(struct px_timeouts, queue), PX_CAP_BE },
		{ "http-keep-alive", offsetof(struct px_timeouts, http_keep_alive), PX_CAP_FE | PX_CAP_BE },
		{ "http-request", offsetof(struct px_timeouts, http_request), PX_CAP_FE | PX_CAP_BE },
		{ "tunnel", offsetof(struct px_timeouts, tunnel), PX_CAP_BE },
		{ "tarpit", (size_t)-1, PX_CAP_FE | PX_CAP_BE },
		{ "client-fin", offsetof(struct px_timeouts, client_fin), PX_CAP_FE },
		{ "server-fin", offsetof(struct px_timeouts, server_fin), PX_CAP_BE },
	};
	struct proxy *px = p->cur->px;
	uint64_t v;
	size_t i;

	if (argc >= 2 && (!strcmp(args[1], "contimeout") || !strcmp(args[1], "clitimeout") ||
			  !strcmp(args[1], "srvtimeout"))) {
		snprintf(err, errlen, "the '%s' directive is not supported anymore since HAProxy 2.1. Use 'timeout %s'.",
			 args[1], args[1][0] == 'c' && args[1][1] == 'o' ? "connect" :
			 args[1][0] == 'c' ? "client" : "server");
		return CFG_ERR;
	}
	for (i = 0; i < ARRAY_SIZE(t); i++)
		if (argc >= 2 && strcmp(args[1], t[i].name) == 0)
			break;
	if (i == ARRAY_SIZE(t)) {
		snprintf(err, errlen, "'timeout' supports 'client', 'server', 'connect', 'check', 'queue', 'http-keep-alive', 'http-request', 'tunnel', 'tarpit', 'client-fin' and 'server-fin' (got '%s')",
			 argc >= 2 ? args[1] : "");
		return CFG_ERR;
	}
	if (argc < 3 || !*args[2]) {
		snprintf(err, errlen, "'timeout %s' expects an integer value (in milliseconds)", t[i].name);
		return CFG_ERR;
	}
	if (argc > 3) {
		snprintf(err, errlen, "'timeout %s' cannot handle unexpected argument '%s'.", t[i].name, args[3]);
		return CFG_ERR;
	}
	if (parse_time_ms(args[2], &v) < 0 || v > 0x7fffffff) {
		snprintf(err, errlen, "'timeout %s' : invalid time value '%s' (a delay in milliseconds, or with a unit: us, ms, s, m, h, d).",
			 t[i].name, args[2]);
		return CFG_ERR;
	}
	if (!p->cur->is_defaults && !(px->cap & t[i].cap)) {
		snprintf(err, errlen, "'timeout %s' ignored because %s '%s' has no %s capability.",
			 t[i].name, kind(p), px->id, t[i].cap == PX_CAP_FE ? "frontend" : "backend");
		return CFG_WARN;
	}
	if (t[i].off != (size_t)-1)
		*(uint32_t *)((char *)&px->timeouts + t[i].off) = (uint32_t)v;
	return CFG_OK;
}

static int kw_legacy_timeout(struct cfgparse *p, char **args, int argc, const struct cfg_kw *kw,
			     char *err, size_t errlen)
{
	snprintf(err, errlen, "the '%s' directive is not supported anymore since HAProxy 2.1. Use 'timeout %s'.",
		 args[0], !strcmp(args[0], "contimeout") ? "connect" : !strcmp(args[0], "clitimeout") ? "client" : "server");
	return CFG_ERR;
}

static int kw_log(struct cfgparse *p, char **args, int argc, const struct cfg_kw *kw,
		  char *err, size_t errlen)
{
	return cfg_parse_log(p, args, argc, &p->cur->logs, &p->cur->nlogs, true, err, errlen);
}

/* ---- bind ---- */

static const char *const bind_kws[] = {
	"transparent", "freebind", "v4v6", "v6only", "name", "interface", "maxconn", "backlog",
	"accept-proxy", "ssl", "process", "thread", "defer-accept", "tfo", "id", "nice", "mss",
	"tcp-ut", "mode", "uid", "gid", "user", "group", "level", "severity-output", "namespace",
	"crt", "crt-list", "ca-file", "crl-file", "alpn", "npn", "ciphers", "ciphersuites", "verify",
	"ssl-min-ver", "ssl-max-ver", "no-sslv3", "no-tlsv10", "no-tlsv11", "no-tlsv12", "no-tlsv13",
	"no-tls-tickets", "strict-sni", "allow-0rtt", "curves", "ecdhe", "generate-certificates",
	"prefer-client-ciphers", "expose-fd", NULL,
};

static int kw_bind(struct cfgparse *p, char **args, int argc, const struct cfg_kw *kw,
		   char *err, size_t errlen)
{
	struct proxy *px = p->cur->px;
	struct listener opts;
	struct ssl_bind *tls = NULL;
	int first = px->nlisteners, i;
	char *specs, *spec, *save = NULL;
	char aerr[256];

	memset(&opts, 0, sizeof(opts));
	if (argc < 2 || !*args[1]) {
		snprintf(err, errlen, "'bind' expects {<path>|[addr1]:port1[-end1]}{,[addr]:port[-end]}... as arguments.");
		return CFG_ERR;
	}
	/* options first, so that a bad option leaves no listener behind */
	for (i = 2; i < argc; i++) {
		const char *o = args[i], *v = i + 1 < argc ? args[i + 1] : NULL;
		long long n;

		int tn = ssl_bind_parse_kw(p, &tls, args, i, argc, err, errlen);

		if (tn < 0)
			goto fail_opts;
		if (tn > 0) {
			i += tn - 1;
			continue;
		}
		if (!strcmp(o, "transparent")) {
			opts.transparent = true;
		} else if (!strcmp(o, "freebind")) {
			opts.freebind = true;
		} else if (!strcmp(o, "v4v6")) {
			opts.v4v6 = true;
		} else if (!strcmp(o, "v6only")) {
			opts.v6only = true;
		} else if (!strcmp(o, "accept-proxy")) {
			opts.accept_proxy = true;
		} else if (!strcmp(o, "namespace")) {
			snprintf(err, errlen, "'bind %s' : 'namespace' is not supported by vigil-proxy yet", args[1]);
			goto fail_opts;
		} else if (!strcmp(o, "defer-accept") || !strcmp(o, "tfo")) {
			cfg_warn(p, "'bind %s' : '%s' is not supported by vigil-proxy and is ignored.", args[1], o);
		} else if (!strcmp(o, "name") || !strcmp(o, "interface") || !strcmp(o, "maxconn") ||
			   !strcmp(o, "backlog") || !strcmp(o, "process") || !strcmp(o, "thread") ||
			   !strcmp(o, "id") || !strcmp(o, "nice") || !strcmp(o, "mss") || !strcmp(o, "tcp-ut") ||
			   !strcmp(o, "mode") || !strcmp(o, "uid") || !strcmp(o, "gid") || !strcmp(o, "user") ||
			   !strcmp(o, "group") || !strcmp(o, "level") || !strcmp(o, "severity-output") ||
			   !strcmp(o, "expose-fd")) {
			if (!v) {
				snprintf(err, errlen, "'bind %s' : missing argument for '%s'.", args[1], o);
				goto fail_opts;
			}
			if (!strcmp(o, "name")) {
				free(opts.name);
				opts.name = xstrdup(v);
			} else if (!strcmp(o, "interface")) {
				free(opts.interface);
				opts.interface = xstrdup(v);
			} else if (!strcmp(o, "maxconn") || !strcmp(o, "backlog")) {
				if (parse_int(v, 1, 10000000, &n)) {
					snprintf(err, errlen, "'bind %s' : '%s' expects a positive integer (got '%s').", args[1], o, v);
					goto fail_opts;
				}
				if (o[0] == 'm')
					opts.maxconn = (int)n;
				else
					opts.backlog = (int)n;
			} else {
				cfg_warn(p, "'bind %s' : '%s' is not supported by vigil-proxy and is ignored.", args[1], o);
			}
			i++;
		} else {
			const char *sugg = suggest_word(o, bind_kws);

			if (sugg)
				snprintf(err, errlen, "'bind %s' in section '%s': unknown keyword '%s'; did you mean '%s' maybe ?",
					 args[1], p->sec_name, o, sugg);
			else
				snprintf(err, errlen, "'bind %s' in section '%s': unknown keyword '%s'.", args[1], p->sec_name, o);
			goto fail_opts;
		}
	}

	if (tls && ssl_bind_finish(p, tls, args[1], err, errlen) < 0)
		goto fail_opts;

	specs = xstrdup(args[1]);
	for (spec = strtok_r(specs, ",", &save); spec; spec = strtok_r(NULL, ",", &save)) {
		struct addr a;
		int port;

		if (str_starts_with(spec, "quic") || str_starts_with(spec, "udp") || str_starts_with(spec, "fd@") ||
		    str_starts_with(spec, "abns@") || str_starts_with(spec, "sockpair@") ||
		    str_starts_with(spec, "uxst@") || str_starts_with(spec, "uxdg@")) {
			snprintf(err, errlen, "'bind %s' : address family of '%s' is not supported by vigil-proxy yet", args[1], spec);
			goto fail_addr;
		}
		if (addr_parse(spec, ADDR_PORT_REQUIRED | ADDR_PORT_RANGE | ADDR_ALLOW_UNIX, &a, aerr, sizeof(aerr)) < 0) {
			snprintf(err, errlen, "'bind %s' : %s", args[1], aerr);
			goto fail_addr;
		}
		if (!addr_is_unix(&a) && addr_port(&a) == 0) {
			snprintf(err, errlen, "'bind %s' : invalid port '0'", args[1]);
			goto fail_addr;
		}
		/* a port range is one listener per port: make room once */
		px->listeners = xrealloc(px->listeners, sizeof(*px->listeners) *
					 (size_t)(px->nlisteners + 1 +
						  (addr_is_unix(&a) ? 0 : a.port_end - addr_port(&a))));
		for (port = addr_port(&a); ; port++) {
			struct listener *l = xcalloc(1, sizeof(*l));

			*l = opts;
			l->fe = px;
			l->addr = a;
			if (!addr_is_unix(&a)) {
				addr_set_port(&l->addr, port);
				l->addr.port_end = port;
			}
			l->spec = xstrdup(spec);
			l->name = opts.name ? xstrdup(opts.name) : NULL;
			l->interface = opts.interface ? xstrdup(opts.interface) : NULL;
			l->fd = -1;
			l->accept_proxy = opts.accept_proxy;
			if (tls && tls->ssl) {
				l->ssl = tls;
				tls->refs++;
			}
			px->listeners[px->nlisteners++] = l;
			if (addr_is_unix(&a) || port >= a.port_end)
				break;
		}
	}
	free(specs);
	free(opts.name);
	free(opts.interface);
	if (tls && tls->refs == 0)
		ssl_bind_put(tls);
	return CFG_OK;
fail_addr:
	free(specs);
	while (px->nlisteners > first) {
		struct listener *l = px->listeners[--px->nlisteners];

		free(l->spec);
		free(l->name);
		free(l->interface);
		free(l);
	}
fail_opts:
	free(opts.name);
	free(opts.interface);
	if (tls) {
		tls->refs = 0;   /* the listeners using it are gone */
		ssl_bind_put(tls);
	}
	return CFG_ERR;
}

/* ---- backends, rules, ACLs ---- */

static int kw_default_backend(struct cfgparse *p, char **args, int argc, const struct cfg_kw *kw,
			      char *err, size_t errlen)
{
	struct proxy *px = p->cur->px;

	if (argc != 2) {
		snprintf(err, errlen, argc < 2 ? "'default_backend' expects a backend name."
			 : "'default_backend' cannot handle unexpected argument.");
		return CFG_ERR;
	}
	free(px->default_backend_name);
	px->default_backend_name = xstrdup(args[1]);
	return CFG_OK;
}

static int kw_use_backend(struct cfgparse *p, char **args, int argc, const struct cfg_kw *kw,
			  char *err, size_t errlen)
{
	struct proxy *px = p->cur->px;
	struct acl_cond *cond = NULL;
	char cerr[512];

	if (argc < 2) {
		snprintf(err, errlen, "'use_backend' expects a backend name.");
		return CFG_ERR;
	}
	if (argc > 2) {
		if (strcmp(args[2], "if") != 0 && strcmp(args[2], "unless") != 0) {
			snprintf(err, errlen, "'use_backend' : expects 'if' or 'unless' followed by a condition but found '%s'.", args[2]);
			return CFG_ERR;
		}
		cond = acl_cond_parse(px, args + 2, cerr, sizeof(cerr));
		if (!cond) {
			snprintf(err, errlen, "error detected while parsing switching rule : %s.", cerr);
			return CFG_ERR;
		}
	}
	px->switch_rules = xrealloc(px->switch_rules, sizeof(*px->switch_rules) * (size_t)(px->nswitch_rules + 1));
	px->switch_rules[px->nswitch_rules].backend_name = xstrdup(args[1]);
	px->switch_rules[px->nswitch_rules].backend = NULL;
	px->switch_rules[px->nswitch_rules].cond = cond;
	px->nswitch_rules++;
	if (strstr(args[1], "%[") &&
	    cfg_use_backend_fmt(p, px->nswitch_rules - 1, args[1], err, errlen) < 0)
		return CFG_ERR;
	return CFG_OK;
}

static int kw_acl(struct cfgparse *p, char **args, int argc, const struct cfg_kw *kw,
		  char *err, size_t errlen)
{
	char aerr[512];

	if (argc < 3) {
		snprintf(err, errlen, "'acl' expects an ACL name and a criterion.");
		return CFG_ERR;
	}
	if (acl_parse(p->cur->px, args + 1, aerr, sizeof(aerr)) < 0) {
		snprintf(err, errlen, "%s", aerr);
		return CFG_ERR;
	}
	return CFG_OK;
}

static int kw_tcp_request(struct cfgparse *p, char **args, int argc, const struct cfg_kw *kw,
			  char *err, size_t errlen)
{
	struct proxy *px = p->cur->px;
	struct tcp_rule r;
	const char *layer = argc > 1 ? args[1] : "";
	char cerr[512];
	uint64_t v;
	int next = 3;             /* first word after the action */

	if (p->cur->is_defaults) {
		snprintf(err, errlen, "'tcp-request' rules in 'defaults' sections are not supported by vigil-proxy yet.");
		return CFG_ERR;
	}
	if (strcmp(layer, "inspect-delay") == 0) {
		if (argc != 3 || parse_time_ms(args[2], &v) < 0 || v > 0x7fffffff) {
			snprintf(err, errlen, "'tcp-request inspect-delay' expects a positive delay in milliseconds, in %s '%s' (got '%s').",
				 kind(p), px->id, argc > 2 ? args[2] : "");
			return CFG_ERR;
		}
		px->tcp_inspect_delay_ms = (uint32_t)v;
		return CFG_OK;
	}
	memset(&r, 0, sizeof(r));
	if (strcmp(layer, "connection") == 0) {
		if (!(px->cap & PX_CAP_FE)) {
			snprintf(err, errlen, "%s '%s' : 'tcp-request connection' is only allowed in frontends.", kind(p), px->id);
			return CFG_ERR;
		}
		r.layer = TCP_RULE_CONNECTION;
	} else if (strcmp(layer, "content") == 0) {
		r.layer = TCP_RULE_CONTENT;
	} else if (strcmp(layer, "session") == 0) {
		if (!(px->cap & PX_CAP_FE)) {
			snprintf(err, errlen, "tcp-request session is not allowed because %s %s is not a frontend", kind(p), px->id);
			return CFG_ERR;
		}
		r.layer = TCP_RULE_SESSION;
	} else {
		snprintf(err, errlen, "'tcp-request' expects 'inspect-delay', 'connection', 'session' or 'content' in %s '%s' (got '%s').",
			 kind(p), px->id, layer);
		return CFG_ERR;
	}
	if (argc < 3) {
		snprintf(err, errlen, "'tcp-request %s' expects an action in %s '%s'.", layer, kind(p), px->id);
		return CFG_ERR;
	}
	if (strcmp(args[2], "accept") == 0) {
		r.action = TCP_ACT_ACCEPT;
	} else if (strcmp(args[2], "reject") == 0) {
		r.action = TCP_ACT_REJECT;
	} else if (strcmp(args[2], "silent-drop") == 0) {
		r.action = TCP_ACT_SILENT_DROP;
	} else if (!strncmp(args[2], "track-sc", 8)) {
		long long sc;

		if (parse_int(args[2] + 8, 0, 1000, &sc)) {
			snprintf(err, errlen, "'tcp-request %s %s' : Wrong track-sc number '%s'", layer, args[2], args[2] + 8);
			return CFG_ERR;
		}
		if (sc > 2) {
			snprintf(err, errlen, "'tcp-request %s %s' : %lld track-sc number exceeding 2 (MAX_SESS_STKCTR-1) value",
				 layer, args[2], sc);
			return CFG_ERR;
		}
		if (argc < 4) {
			snprintf(err, errlen, "'tcp-request %s %s' : missing fetch method", layer, args[2]);
			return CFG_ERR;
		}
		r.action = TCP_ACT_TRACK_SC;
		r.sc = (int)sc;
		r.expr = sample_expr_parse(px, args[3], cerr, sizeof(cerr));
		if (!r.expr) {
			snprintf(err, errlen, "'tcp-request %s %s' : %s", layer, args[2], cerr);
			return CFG_ERR;
		}
		/* content rules of HTTP proxies may read the request; the
		 * mode is checked once the section is read (cfgparse.c) */
		if (r.layer != TCP_RULE_CONTENT && sample_expr_is_http(r.expr)) {
			snprintf(err, errlen, "'tcp-request %s %s' : fetch method '%s' extracts information from 'HTTP request headers', none of which is available here",
				 layer, args[2], args[3]);
			sample_expr_free(r.expr);
			return CFG_ERR;
		}
		next = 4;
		if (argc > 5 && !strcmp(args[4], "table")) {
			r.table_name = xstrdup(args[5]);
			next = 6;
		}
	} else if (!strcmp(args[2], "expect-proxy")) {
		if (r.layer != TCP_RULE_CONNECTION) {
			snprintf(err, errlen, "'expect-proxy layer4' is not allowed in 'tcp-request %s' rules in %s '%s'",
				 layer, kind(p), px->id);
			return CFG_ERR;
		}
		if (argc < 4 || strcmp(args[3], "layer4") != 0) {
			snprintf(err, errlen, "'%s %s %s' only supports 'layer4' in %s '%s' (got '%s')",
				 args[0], args[1], args[2], kind(p), px->id, argc > 3 ? args[3] : "");
			return CFG_ERR;
		}
		r.action = TCP_ACT_EXPECT_PROXY;
		next = 4;
	} else if (!strcmp(args[2], "capture") ||
		   !strcmp(args[2], "expect-proxy") || !strncmp(args[2], "set-", 4) ||
		   !strncmp(args[2], "sc-", 3) ||
		   !strcmp(args[2], "use-service") || !strcmp(args[2], "switch-mode") ||
		   !strncmp(args[2], "unset-var", 9) || !strncmp(args[2], "do-resolve", 10) ||
		   !strcmp(args[2], "expect-netscaler-cip") || !strcmp(args[2], "send-spoe-group")) {
		snprintf(err, errlen, "'tcp-request %s %s' is not supported by vigil-proxy yet.", layer, args[2]);
		return CFG_ERR;
	} else {
		snprintf(err, errlen, "'tcp-request %s' expects 'accept', 'reject', 'capture', 'expect-proxy', 'track-sc0' ... 'track-sc2', 'set-var(*)', 'silent-drop', ... in %s '%s' (got '%s').",
			 layer, kind(p), px->id, args[2]);
		return CFG_ERR;
	}
	if (argc > next) {
		if (strcmp(args[next], "if") != 0 && strcmp(args[next], "unless") != 0) {
			snprintf(err, errlen, "'tcp-request %s %s' only accepts 'if' or 'unless', in %s '%s' (got '%s')",
				 layer, args[2], kind(p), px->id, args[next]);
			goto fail_rule;
		}
		r.cond = acl_cond_parse(px, args + next, cerr, sizeof(cerr));
		if (!r.cond) {
			snprintf(err, errlen, "'tcp-request %s %s' : error detected in %s '%s' while parsing '%s' condition : %s",
				 layer, args[2], kind(p), px->id, args[next], cerr);
			goto fail_rule;
		}
	}
	r.file = p->file;
	r.line = p->line;
	px->tcp_rules = xrealloc(px->tcp_rules, sizeof(*px->tcp_rules) * (size_t)(px->ntcp_rules + 1));
	px->tcp_rules[px->ntcp_rules++] = r;
	return CFG_OK;
fail_rule:
	sample_expr_free(r.expr);
	free(r.table_name);
	return CFG_ERR;
}

static int kw_server(struct cfgparse *p, char **args, int argc, const struct cfg_kw *kw,
		     char *err, size_t errlen)
{
	if (p->cur->is_defaults && strcmp(args[0], "server") == 0) {
		snprintf(err, errlen, "'server' not allowed in 'defaults' section.");
		return CFG_ERR;
	}
	return cfg_parse_server(p, args, argc, strcmp(args[0], "default-server") == 0, err, errlen);
}

/* ---- accepted with a warning, HTTP-only, not supported ---- */

static int kw_ignored(struct cfgparse *p, char **args, int argc, const struct cfg_kw *kw,
		      char *err, size_t errlen)
{
	snprintf(err, errlen, "'%s' is not supported by vigil-proxy and is ignored.", args[0]);
	return CFG_WARN;
}

/* `hash-type map-based|consistent [sdbm|djb2|wt6|crc32|none] [avalanche]`:
 * the hash function is HAProxy's choice of spreading; ours is fixed
 * (lb.c), so the function and modifier are checked and not used. */
static int kw_hash_type(struct cfgparse *p, char **args, int argc, const struct cfg_kw *kw,
			char *err, size_t errlen)
{
	static const char *const funcs[] = { "sdbm", "djb2", "wt6", "crc32", "none", NULL };
	bool known = false;

	if (argc < 2 || (strcmp(args[1], "consistent") && strcmp(args[1], "map-based"))) {
		snprintf(err, errlen, "'hash-type' only supports 'consistent' and 'map-based'.");
		return CFG_ERR;
	}
	if (argc > 2) {
		for (int i = 0; funcs[i]; i++)
			known |= strcmp(args[2], funcs[i]) == 0;
		if (!known) {
			snprintf(err, errlen, "'hash-type' only supports 'sdbm', 'djb2', 'crc32', or 'wt6' hash functions.");
			return CFG_ERR;
		}
	}
	if (argc > 3 && strcmp(args[3], "avalanche") != 0) {
		snprintf(err, errlen, "'hash-type' only supports 'avalanche' as a modifier for hash functions.");
		return CFG_ERR;
	}
	p->cur->px->lb_consistent = strcmp(args[1], "consistent") == 0;
	return CFG_OK;
}

static int kw_accept(struct cfgparse *p, char **args, int argc, const struct cfg_kw *kw,
		     char *err, size_t errlen)
{
	return CFG_OK;
}

static int kw_unsupported(struct cfgparse *p, char **args, int argc, const struct cfg_kw *kw,
			  char *err, size_t errlen)
{
	snprintf(err, errlen, "'%s' is not supported by vigil-proxy yet.", args[0]);
	return CFG_ERR;
}

static int kw_stick_table(struct cfgparse *p, char **args, int argc, const struct cfg_kw *kw,
			  char *err, size_t errlen)
{
	struct proxy *px = p->cur->px;
	char warn[256];
	struct stick_table *t;
	char **kept = xcalloc((size_t)argc + 1, sizeof(*kept));
	const char *stores[16];
	int nkept = 0, nstores = 0;

	if (px->stick_table) {
		free(kept);
		snprintf(err, errlen, "only one stick-table per proxy is allowed, '%s' has one already.", px->id);
		return CFG_ERR;
	}
	/* `store` is ours (stick_counters.c); the rest is stick.c's */
	for (int i = 0; i < argc; i++) {
		if (i > 0 && strcmp(args[i], "store") == 0 && i + 1 < argc && nstores < 16) {
			stores[nstores++] = args[++i];
			continue;
		}
		kept[nkept++] = args[i];
	}
	t = stick_table_parse(kept, nkept, err, errlen, warn, sizeof(warn));
	free(kept);
	if (!t)
		return CFG_ERR;
	px->stick_table = t;
	for (int i = 0; i < nstores; i++)
		if (stkctr_table_declare(px, stores[i], t->size, t->expire_ms, err, errlen) < 0)
			return CFG_ERR;
	if (warn[0]) {
		snprintf(err, errlen, "%s", warn);
		return CFG_WARN;
	}
	return CFG_OK;
}

static int kw_stick(struct cfgparse *p, char **args, int argc, const struct cfg_kw *kw,
		    char *err, size_t errlen)
{
	struct proxy *px = p->cur->px;
	struct stick_rule r;

	if (stick_rule_parse(px, args, argc, &r, err, errlen) < 0)
		return CFG_ERR;
	px->stick_rules = xrealloc(px->stick_rules, sizeof(*px->stick_rules) * (size_t)(px->nstick_rules + 1));
	px->stick_rules[px->nstick_rules++] = r;
	return CFG_OK;
}

static int kw_disabled(struct cfgparse *p, char **args, int argc, const struct cfg_kw *kw,
		       char *err, size_t errlen)
{
	p->cur->px->disabled = strcmp(args[0], "disabled") == 0;
	return CFG_OK;
}

#define PX CFG_S_PX
#define FEX CFG_S_FEX
#define BEX CFG_S_BEX
#define FL (CFG_S_FE | CFG_S_LISTEN)
#define BL (CFG_S_BE | CFG_S_LISTEN)
#define FBL (CFG_S_FE | CFG_S_BE | CFG_S_LISTEN)
const struct cfg_kw cfg_proxy_kws[] = {
	{ "mode",            PX,  CFG_T_FN, kw_mode, 0, 0, 0 },
	{ "bind",            FL,  CFG_T_FN, kw_bind, 0, 0, 0 },
	{ "maxconn",         FEX, CFG_T_INT, NULL, P(maxconn), 0, 10000000 },
	{ "default_backend", FEX, CFG_T_FN, kw_default_backend, 0, 0, 0 },
	{ "use_backend",     FL,  CFG_T_FN, kw_use_backend, 0, 0, 0 },
	{ "balance",         BEX, CFG_T_FN, kw_balance, 0, 0, 0 },
	{ "server",          BL,  CFG_T_FN, kw_server, 0, 0, 0 },
	{ "default-server",  BEX, CFG_T_FN, kw_server, 0, 0, 0 },
	{ "option",          PX,  CFG_T_FN, kw_option, 0, 0, 0 },
	{ "no",              PX,  CFG_T_FN, kw_no, 0, 0, 0 },
	{ "retries",         BEX, CFG_T_INT, NULL, P(retries), 0, 1000 },
	{ "timeout",         PX,  CFG_T_FN, kw_timeout, 0, 0, 0 },
	{ "contimeout",      PX,  CFG_T_FN, kw_legacy_timeout, 0, 0, 0 },
	{ "clitimeout",      PX,  CFG_T_FN, kw_legacy_timeout, 0, 0, 0 },
	{ "srvtimeout",      PX,  CFG_T_FN, kw_legacy_timeout, 0, 0, 0 },
	{ "log",             PX,  CFG_T_FN, kw_log, 0, 0, 0 },
	{ "fullconn",        BEX, CFG_T_INT, NULL, P(fullconn), 0, 10000000 },
	{ "max-session-srv-conns", FEX, CFG_T_INT, NULL, P(max_session_srv_conns), 0, 10000000 },
	{ "acl",             FBL, CFG_T_FN, kw_acl, 0, 0, 0 },
	{ "tcp-request",     PX,  CFG_T_FN, kw_tcp_request, 0, 0, 0 },
	{ "tcp-check",       BEX, CFG_T_FN, kw_tcp_check, 0, 0, 0 },
	{ "http-check",      BEX, CFG_T_FN, kw_http_check, 0, 0, 0 },
	{ "disabled",        PX,  CFG_T_FN, kw_disabled, 0, 0, 0 },
	{ "enabled",         PX,  CFG_T_FN, kw_disabled, 0, 0, 0 },
	{ "description",     FBL, CFG_T_FN, kw_accept, 0, 0, 0 },
	{ "log-format",      PX,  CFG_T_FN, cfg_kw_log_format, 0, 0, 0 },
	{ "log-format-sd",   PX,  CFG_T_FN, kw_ignored, 0, 0, 0 },
	{ "error-log-format", PX, CFG_T_FN, kw_ignored, 0, 0, 0 },
	{ "log-tag",         PX,  CFG_T_FN, kw_ignored, 0, 0, 0 },
	{ "hash-type",       BEX, CFG_T_FN, kw_hash_type, 0, 0, 0 },
	{ "id",              FBL, CFG_T_FN, kw_ignored, 0, 0, 0 },
	{ "backlog",         FEX, CFG_T_FN, kw_ignored, 0, 0, 0 },
	{ "rate-limit",      FEX, CFG_T_FN, kw_ignored, 0, 0, 0 },
	{ "email-alert",     PX,  CFG_T_FN, kw_ignored, 0, 0, 0 },
	{ "load-server-state-from-file", BEX, CFG_T_FN, kw_ignored, 0, 0, 0 },
	{ "server-state-file-name", BEX, CFG_T_FN, kw_ignored, 0, 0, 0 },
	{ "stick-table",     FBL, CFG_T_FN, kw_stick_table, 0, 0, 0 },
	{ "stick",           BL,  CFG_T_FN, kw_stick, 0, 0, 0 },
	{ "tcp-response",    BEX, CFG_T_FN, kw_unsupported, 0, 0, 0 },
	{ "use-server",      BL,  CFG_T_FN, kw_unsupported, 0, 0, 0 },
	{ "server-template", BL,  CFG_T_FN, kw_unsupported, 0, 0, 0 },
	{ "dispatch",        BL,  CFG_T_FN, kw_unsupported, 0, 0, 0 },
	{ "source",          BEX, CFG_T_FN, kw_unsupported, 0, 0, 0 },
	{ "persist",         BEX, CFG_T_FN, kw_unsupported, 0, 0, 0 },
	{ "filter",          FBL, CFG_T_FN, kw_unsupported, 0, 0, 0 },
	{ "external-check",  BEX, CFG_T_FN, kw_unsupported, 0, 0, 0 },
	/* HTTP only: warned about at the end of a TCP proxy */
	{ "stats",           PX,  CFG_T_FN, cfg_kw_stats, 0, 0, 0 },
	{ "monitor-uri",     FEX, CFG_T_FN, cfg_kw_monitor_uri, 0, 0, 0 },
	{ "monitor",         FL,  CFG_T_FN, cfg_kw_monitor_uri, 0, 0, 0 },
	{ "errorfile",       PX,  CFG_T_FN, cfg_kw_errorfile, 0, 0, 0 },
	{ "errorfiles",      PX,  CFG_T_FN, cfg_kw_errorfile, 0, 0, 0 },
	{ "errorloc",        PX,  CFG_T_FN, cfg_kw_errorfile, 0, 0, 0 },
	{ "errorloc302",     PX,  CFG_T_FN, cfg_kw_errorfile, 0, 0, 0 },
	{ "errorloc303",     PX,  CFG_T_FN, cfg_kw_errorfile, 0, 0, 0 },
	{ "http-request",    FBL, CFG_T_FN, cfg_kw_http_rule, 0, 0, 0 },
	{ "http-response",   FBL, CFG_T_FN, cfg_kw_http_rule, 0, 0, 0 },
	{ "http-after-response", FBL, CFG_T_FN, cfg_kw_http_rule, 0, 0, 0 },
	{ "http-error",      PX,  CFG_T_FN, cfg_kw_http_error, 0, 0, 0 },
	{ "http-reuse",      BEX, CFG_T_FN, cfg_kw_http_reuse, 0, 0, 0 },
	{ "http-send-name-header", BEX, CFG_T_FN, cfg_kw_http_unsupported, 0, 0, 0 },
	{ "redirect",        FBL, CFG_T_FN, cfg_kw_redirect, 0, 0, 0 },
	{ "cookie",          BEX, CFG_T_FN, cfg_kw_cookie, 0, 0, 0 },
	{ "capture",         FL,  CFG_T_FN, cfg_kw_capture, 0, 0, 0 },
	{ "declare",         FL,  CFG_T_FN, cfg_kw_declare, 0, 0, 0 },
	{ "compression",     PX,  CFG_T_FN, cfg_kw_compression, 0, 0, 0 },
	{ "unique-id-format", FEX, CFG_T_FN, cfg_kw_http_ignored, 0, 0, 0 },
	{ "unique-id-header", FEX, CFG_T_FN, cfg_kw_http_ignored, 0, 0, 0 },
	{ "force-persist",   FBL, CFG_T_FN, cfg_kw_http_unsupported, 0, 0, 0 },
	{ "ignore-persist",  FBL, CFG_T_FN, cfg_kw_http_unsupported, 0, 0, 0 },
	{ "max-keep-alive-queue", BEX, CFG_T_FN, cfg_kw_http_ignored, 0, 0, 0 },
	{ "use-fcgi-app",    BL,  CFG_T_FN, cfg_kw_http_unsupported, 0, 0, 0 },
	{ NULL, 0, 0, NULL, 0, 0, 0 },
};

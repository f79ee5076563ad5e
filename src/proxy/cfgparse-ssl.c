/* cfgparse-ssl: the TLS keywords of `global`, `bind` and `server` lines
 * (see ssl.h). Paths are resolved as HAProxy does: a relative `crt` or
 * `crt-list` under `crt-base`, a relative `ca-file`/`crl-file` under
 * `ca-base`. Global `ssl-default-*` settings are merged when a line's
 * context is built, the line's own settings first.
 */
#include "proxy/cfgparse.h"
#include "proxy/sample.h"
#include "proxy/ssl.h"
#include "lib/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ssl.h>

static struct ssl_global *global_of(struct cfgparse *p)
{
	if (!p->conf->global.ssl)
		p->conf->global.ssl = xcalloc(1, sizeof(struct ssl_global));
	return p->conf->global.ssl;
}

static char *based(const char *base, const char *path)
{
	if (!base || path[0] == '/')
		return xstrdup(path);
	return xasprintf("%s/%s", base, path);
}

static unsigned char *memdup(const unsigned char *p, size_t n)
{
	unsigned char *d = xmalloc(n ? n : 1);

	memcpy(d, p, n);
	return d;
}

static void set_str(char **dst, const char *v)
{
	free(*dst);
	*dst = xstrdup(v);
}

static enum ssl_ver parse_ver(const char *v)
{
	static const struct { const char *name; enum ssl_ver v; } vers[] = {
		{ "SSLv3", SSL_V_SSL3 }, { "TLSv1.0", SSL_V_TLS10 }, { "TLSv1.1", SSL_V_TLS11 },
		{ "TLSv1.2", SSL_V_TLS12 }, { "TLSv1.3", SSL_V_TLS13 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(vers); i++)
		if (strcmp(v, vers[i].name) == 0)
			return vers[i].v;
	return SSL_V_UNSET;
}

/* Options shared by bind, server and the global defaults. Returns the
 * words taken (1 or 2), 0 when not one of them, -1 on error. */
static int parse_opt(struct ssl_opts *o, const char *who, char **args, int i, int argc,
		     char *err, size_t errlen)
{
	static const struct { const char *name; unsigned bit; } no[] = {
		{ "no-sslv3", SSL_NO_SSLV3 }, { "no-tlsv10", SSL_NO_TLSV10 }, { "no-tlsv11", SSL_NO_TLSV11 },
		{ "no-tlsv12", SSL_NO_TLSV12 }, { "no-tlsv13", SSL_NO_TLSV13 },
	};
	const char *k = args[i], *v = i + 1 < argc ? args[i + 1] : NULL;

	for (size_t j = 0; j < ARRAY_SIZE(no); j++) {
		if (strcmp(k, no[j].name) == 0) {
			o->no_mask |= no[j].bit;
			return 1;
		}
	}
	if (!strcmp(k, "no-tls-tickets")) {
		o->no_tickets = true;
		return 1;
	}
	if (!strcmp(k, "prefer-client-ciphers")) {
		o->prefer_client_ciphers = true;
		return 1;
	}
	if (!strcmp(k, "force-sslv3") || !strcmp(k, "force-tlsv10") || !strcmp(k, "force-tlsv11") ||
	    !strcmp(k, "force-tlsv12") || !strcmp(k, "force-tlsv13")) {
		enum ssl_ver ver = k[6] == 's' ? SSL_V_SSL3 : SSL_V_TLS10 + (k[11] - '0');

		o->min_ver = o->max_ver = ver;
		return 1;
	}
	if (!strcmp(k, "ssl-min-ver") || !strcmp(k, "ssl-max-ver") || !strcmp(k, "ciphers") ||
	    !strcmp(k, "ciphersuites") || !strcmp(k, "curves") || !strcmp(k, "ecdhe") || !strcmp(k, "sigalgs")) {
		if (!v || !*v) {
			snprintf(err, errlen, "%s : '%s' : missing argument.", who, k);
			return -1;
		}
		if (k[0] == 's' && k[1] == 's') {
			enum ssl_ver ver = parse_ver(v);

			if (!ver) {
				snprintf(err, errlen, "%s : '%s' : unknown value '%s'; expects one of SSLv3, TLSv1.0, TLSv1.1, TLSv1.2, TLSv1.3.",
					 who, k, v);
				return -1;
			}
			if (k[4] == 'm' && k[5] == 'i')
				o->min_ver = ver;
			else
				o->max_ver = ver;
		} else if (!strcmp(k, "ciphers")) {
			set_str(&o->ciphers, v);
		} else if (!strcmp(k, "ciphersuites")) {
			set_str(&o->ciphersuites, v);
		} else if (!strcmp(k, "sigalgs")) {
			set_str(&o->sigalgs, v);
		} else {
			set_str(&o->curves, v);
		}
		return 2;
	}
	return 0;
}

static void opts_free(struct ssl_opts *o)
{
	free(o->ciphers);
	free(o->ciphersuites);
	free(o->curves);
	free(o->sigalgs);
}

static void opts_dup(struct ssl_opts *dst, const struct ssl_opts *src)
{
	*dst = *src;
	dst->ciphers = src->ciphers ? xstrdup(src->ciphers) : NULL;
	dst->ciphersuites = src->ciphersuites ? xstrdup(src->ciphersuites) : NULL;
	dst->curves = src->curves ? xstrdup(src->curves) : NULL;
	dst->sigalgs = src->sigalgs ? xstrdup(src->sigalgs) : NULL;
}

/* "h2,http/1.1" -> wire format. vigil-proxy speaks HTTP/1.x only, so an
 * h2 entry is dropped, with a warning; http/1.1 is then offered. */
static int parse_alpn(struct cfgparse *p, const char *who, const char *list, unsigned char **out,
		      size_t *outlen, char *err, size_t errlen)
{
	size_t n = strlen(list), len = 0;
	unsigned char *w = xmalloc(n + 1 + 9);
	char *copy = xstrdup(list), *save = NULL, *tok;
	bool dropped = false, has_h1 = false;

	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		size_t l = strlen(tok);

		if (l == 0 || l > 255) {
			snprintf(err, errlen, "%s : 'alpn' : invalid protocol name in '%s'.", who, list);
			free(copy);
			free(w);
			return -1;
		}
		if (strcmp(tok, "h2") == 0) {
			dropped = true;
			continue;
		}
		has_h1 |= strcmp(tok, "http/1.1") == 0;
		w[len++] = (unsigned char)l;
		memcpy(w + len, tok, l);
		len += l;
	}
	free(copy);
	if (dropped) {
		cfg_warn(p, "%s : 'alpn %s' : vigil-proxy speaks HTTP/1.x only; 'h2' will not be negotiated (http/1.1 is).",
			 who, list);
		if (!has_h1) {
			w[len++] = 8;
			memcpy(w + len, "http/1.1", 8);
			len += 8;
		}
	}
	free(*out);
	*out = w;
	*outlen = len;
	return 0;
}

/* ---- bind ---- */

int ssl_bind_parse_kw(struct cfgparse *p, struct ssl_bind **bp, char **args, int i, int argc,
		      char *err, size_t errlen)
{
	static const char *const one[] = { "ssl", "strict-sni", "allow-0rtt", "generate-certificates", NULL };
	static const char *const two[] = { "crt", "crt-list", "ca-file", "crl-file", "verify", "alpn", "npn",
		"ca-ignore-err", "crt-ignore-err", "ca-sign-file", "ca-sign-pass", "ca-verify-file", NULL };
	const char *k = args[i], *v = i + 1 < argc ? args[i + 1] : NULL;
	struct ssl_global *g = global_of(p);
	struct ssl_bind *b = *bp;
	char who[300];
	int n, j;
	bool known = false;
	struct ssl_opts tmp;

	memset(&tmp, 0, sizeof(tmp));
	for (j = 0; one[j]; j++)
		known |= strcmp(k, one[j]) == 0;
	for (j = 0; two[j]; j++)
		known |= strcmp(k, two[j]) == 0;
	if (!known) {
		/* a shared option, tried on a scratch set first */
		n = parse_opt(&tmp, "", args, i, argc, err, errlen);
		opts_free(&tmp);
		if (n == 0)
			return 0;
	}
	if (!b) {
		b = *bp = xcalloc(1, sizeof(*b));
		b->file = p->file;
		b->line = p->line;
	}
	snprintf(who, sizeof(who), "'bind %s'", args[1]);
	if (!known)
		return parse_opt(&b->opts, who, args, i, argc, err, errlen);
	if (!strcmp(k, "ssl")) {
		b->ssl = true;
		return 1;
	}
	if (!strcmp(k, "strict-sni")) {
		b->strict_sni = true;
		return 1;
	}
	if (!strcmp(k, "allow-0rtt")) {
		cfg_warn(p, "%s : 'allow-0rtt' is not supported by vigil-proxy and is ignored (no early data is accepted).", who);
		return 1;
	}
	if (!strcmp(k, "generate-certificates")) {
		snprintf(err, errlen, "%s : 'generate-certificates' is not supported by vigil-proxy yet.", who);
		return -1;
	}
	if (!v || !*v) {
		snprintf(err, errlen, "%s : '%s' : missing argument.", who, k);
		return -1;
	}
	if (!strcmp(k, "crt")) {
		b->crts = xrealloc(b->crts, sizeof(*b->crts) * (size_t)(b->ncrts + 1));
		b->crts[b->ncrts++] = based(g->crt_base, v);
	} else if (!strcmp(k, "crt-list")) {
		b->crt_lists = xrealloc(b->crt_lists, sizeof(*b->crt_lists) * (size_t)(b->ncrt_lists + 1));
		b->crt_lists[b->ncrt_lists++] = based(g->crt_base, v);
	} else if (!strcmp(k, "ca-file")) {
		free(b->ca_file);
		b->ca_file = based(g->ca_base, v);
	} else if (!strcmp(k, "crl-file")) {
		free(b->crl_file);
		b->crl_file = based(g->ca_base, v);
	} else if (!strcmp(k, "verify")) {
		if (!strcmp(v, "none"))
			b->verify = SSL_VFY_NONE;
		else if (!strcmp(v, "optional"))
			b->verify = SSL_VFY_OPTIONAL;
		else if (!strcmp(v, "required"))
			b->verify = SSL_VFY_REQUIRED;
		else {
			snprintf(err, errlen, "%s : 'verify' : unknown verify method '%s', only 'none', 'optional', and 'required' are supported.",
				 who, v);
			return -1;
		}
	} else if (!strcmp(k, "alpn")) {
		if (parse_alpn(p, who, v, &b->alpn, &b->alpn_len, err, errlen) < 0)
			return -1;
	} else if (!strcmp(k, "npn")) {
		cfg_warn(p, "%s : 'npn' is not supported by vigil-proxy and is ignored (use 'alpn').", who);
	} else {
		snprintf(err, errlen, "%s : '%s' is not supported by vigil-proxy yet.", who, k);
		return -1;
	}
	return 2;
}

int ssl_bind_finish(struct cfgparse *p, struct ssl_bind *b, const char *spec, char *err, size_t errlen)
{
	char msg[768];

	b->refs = 0;
	if (!b->ssl) {
		if (b->ncrts || b->ncrt_lists)
			cfg_warn(p, "'bind %s' : 'crt' without 'ssl': the certificate is not used.", spec);
		return 0;
	}
	if (ssl_bind_build(b, p->conf->global.ssl, msg, sizeof(msg)) < 0) {
		snprintf(err, errlen, "'bind %s' in section '%s' : %s", spec, p->sec_name, msg);
		return -1;
	}
	return 0;
}

void ssl_bind_put(struct ssl_bind *b)
{
	if (!b || --b->refs > 0)
		return;
	opts_free(&b->opts);
	for (int i = 0; i < b->ncrts; i++)
		free(b->crts[i]);
	free(b->crts);
	for (int i = 0; i < b->ncrt_lists; i++)
		free(b->crt_lists[i]);
	free(b->crt_lists);
	free(b->ca_file);
	free(b->crl_file);
	free(b->alpn);
	ssl_bind_ctx_free(b->ctx);
	free(b);
}

/* ---- server ---- */

int ssl_srv_parse_kw(struct cfgparse *p, struct server *s, char **args, int i, int argc,
		     char *err, size_t errlen)
{
	static const char *const one[] = { "ssl", "no-ssl", "check-ssl", "no-check-ssl", "ssl-reuse", "no-ssl-reuse",
		"no-verifyhost", NULL };
	static const char *const two[] = { "verify", "verifyhost", "crt", "ca-file", "crl-file", "sni",
		"check-sni", "alpn", "check-alpn", "npn", NULL };
	const char *k = args[i], *v = i + 1 < argc ? args[i + 1] : NULL;
	struct ssl_global *g = global_of(p);
	struct ssl_srv *t;
	char who[300];
	int n, j;
	bool is_one = false, is_two = false;
	struct ssl_opts tmp;

	for (j = 0; one[j]; j++)
		is_one |= strcmp(k, one[j]) == 0;
	for (j = 0; two[j]; j++)
		is_two |= strcmp(k, two[j]) == 0;
	if (!is_one && !is_two) {
		memset(&tmp, 0, sizeof(tmp));
		n = parse_opt(&tmp, "", args, i, argc, err, errlen);
		opts_free(&tmp);
		if (n == 0)
			return 0;
	}
	if (!s->ssl) {
		s->ssl = xcalloc(1, sizeof(*s->ssl));
		s->ssl->g = g;
	}
	t = s->ssl;
	if (s->id)
		snprintf(who, sizeof(who), "'server %s/%s'", p->cur->px->id, s->id);
	else
		snprintf(who, sizeof(who), "'default-server'");
	if (!is_one && !is_two)
		return parse_opt(&t->opts, who, args, i, argc, err, errlen);
	if (is_one) {
		if (!strcmp(k, "ssl"))
			t->ssl = true;
		else if (!strcmp(k, "no-ssl"))
			t->ssl = false;
		else if (!strcmp(k, "check-ssl"))
			t->check_ssl = true;
		else if (!strcmp(k, "no-check-ssl"))
			t->check_ssl = false;
		else if (!strcmp(k, "no-verifyhost")) {
			free(t->verifyhost);
			t->verifyhost = NULL;
		} else if (!strcmp(k, "no-ssl-reuse")) {
			t->no_reuse = true;
		} else if (!strcmp(k, "ssl-reuse")) {
			t->no_reuse = false;
		}
		return 1;
	}
	if (!v || !*v) {
		snprintf(err, errlen, "%s : '%s' expects an argument.", who, k);
		return -1;
	}
	if (!strcmp(k, "verify")) {
		if (!strcmp(v, "none"))
			t->verify = SSL_VFY_NONE;
		else if (!strcmp(v, "required"))
			t->verify = SSL_VFY_REQUIRED;
		else {
			snprintf(err, errlen, "%s : 'verify' : unknown verify method '%s', only 'none' and 'required' are supported.",
				 who, v);
			return -1;
		}
	} else if (!strcmp(k, "verifyhost")) {
		set_str(&t->verifyhost, v);
	} else if (!strcmp(k, "crt")) {
		free(t->crt);
		t->crt = based(g->crt_base, v);
	} else if (!strcmp(k, "ca-file")) {
		free(t->ca_file);
		t->ca_file = based(g->ca_base, v);
	} else if (!strcmp(k, "crl-file")) {
		free(t->crl_file);
		t->crl_file = based(g->ca_base, v);
	} else if (!strcmp(k, "sni")) {
		char serr[256];
		struct sample_expr *e = sample_expr_parse(p->cur->px, v, serr, sizeof(serr));

		if (!e) {
			snprintf(err, errlen, "%s : 'sni' : failed to parse sample expression '%s' : %s", who, v, serr);
			return -1;
		}
		sample_expr_free(t->sni);
		t->sni = e;
		set_str(&t->sni_expr, v);
	} else if (!strcmp(k, "check-sni")) {
		set_str(&t->check_sni, v);
	} else if (!strcmp(k, "alpn") || !strcmp(k, "check-alpn")) {
		bool chk = k[0] == 'c';

		/* towards servers, h2 is dropped the same way: the proxy
		 * would not understand the answer */
		if (parse_alpn(p, who, v, chk ? &t->check_alpn : &t->alpn, chk ? &t->check_alpn_len : &t->alpn_len,
			       err, errlen) < 0)
			return -1;
	} else {
		cfg_warn(p, "%s : 'npn' is not supported by vigil-proxy and is ignored.", who);
	}
	return 2;
}

bool ssl_srv_check_tls(const struct server *s)
{
	if (!s->ssl)
		return false;
	if (s->ssl->check_ssl)
		return true;
	/* HAProxy: checks follow `ssl` unless they go to another port */
	return s->ssl->ssl && !s->check_port;
}

int ssl_srv_finish(struct cfgparse *p, struct server *s, char *err, size_t errlen)
{
	struct ssl_srv *t = s->ssl;
	bool chk_rule = false;
	char msg[768];

	const struct proxy *px = p->cur->px;

	for (int i = 0; i < px->check.nrules; i++)
		chk_rule |= px->check.rules[i].action == TCPCHK_CONNECT && px->check.rules[i].ssl;
	if (!t && !chk_rule)
		return 0;
	if (!t) {
		t = s->ssl = xcalloc(1, sizeof(*t));
		t->g = global_of(p);
	}
	if (!t->ssl && !t->check_ssl && !chk_rule)
		return 0;
	t->ctx = ssl_srv_build(t, p->conf->global.ssl, msg, sizeof(msg));
	if (!t->ctx) {
		snprintf(err, errlen, "'server %s/%s' : %s", px->id, s->id, msg);
		return -1;
	}
	return 0;
}

struct ssl_srv *ssl_srv_dup(const struct ssl_srv *src)
{
	struct ssl_srv *d;
	char serr[256];

	if (!src)
		return NULL;
	d = xcalloc(1, sizeof(*d));
	*d = *src;
	opts_dup(&d->opts, &src->opts);
	d->ca_file = src->ca_file ? xstrdup(src->ca_file) : NULL;
	d->crl_file = src->crl_file ? xstrdup(src->crl_file) : NULL;
	d->crt = src->crt ? xstrdup(src->crt) : NULL;
	d->verifyhost = src->verifyhost ? xstrdup(src->verifyhost) : NULL;
	d->check_sni = src->check_sni ? xstrdup(src->check_sni) : NULL;
	d->sni_expr = src->sni_expr ? xstrdup(src->sni_expr) : NULL;
	d->sni = src->sni_expr ? sample_expr_parse(NULL, src->sni_expr, serr, sizeof(serr)) : NULL;
	d->alpn = src->alpn ? memdup(src->alpn, src->alpn_len) : NULL;
	d->check_alpn = src->check_alpn ? memdup(src->check_alpn, src->check_alpn_len) : NULL;
	d->ctx = NULL;
	d->resume = NULL;
	return d;
}

void ssl_srv_free(struct ssl_srv *s)
{
	if (!s)
		return;
	opts_free(&s->opts);
	free(s->ca_file);
	free(s->crl_file);
	free(s->crt);
	free(s->verifyhost);
	free(s->sni_expr);
	sample_expr_free(s->sni);
	free(s->check_sni);
	free(s->alpn);
	free(s->check_alpn);
	SSL_CTX_free(s->ctx);
	ssl_srv_resume_free(s);
	free(s);
}

/* ---- global ---- */

int ssl_global_kw(struct cfgparse *p, char **args, int argc, const struct cfg_kw *kw, char *err, size_t errlen)
{
	struct ssl_global *g = global_of(p);
	const char *k = args[0], *v = argc > 1 ? args[1] : NULL;

	if (!strcmp(k, "ssl-default-bind-options") || !strcmp(k, "ssl-default-server-options")) {
		struct ssl_opts *o = k[12] == 'b' ? &g->bind : &g->server;

		for (int i = 1; i < argc; ) {
			int n = parse_opt(o, k, args, i, argc, err, errlen);

			if (n < 0)
				return CFG_ERR;
			if (n == 0) {
				snprintf(err, errlen, "'%s' : unknown or unsupported option '%s'.", k, args[i]);
				return CFG_ERR;
			}
			i += n;
		}
		return CFG_OK;
	}
	if (!v || !*v) {
		snprintf(err, errlen, "'%s' : missing argument.", k);
		return CFG_ERR;
	}
	if (!strcmp(k, "ca-base") || !strcmp(k, "crt-base")) {
		char **dst = k[1] == 'a' ? &g->ca_base : &g->crt_base;

		if (*dst) {
			snprintf(err, errlen, "'%s' already specified. Continuing.", k);
			return CFG_WARN;
		}
		*dst = xstrdup(v);
	} else if (!strcmp(k, "ssl-default-bind-ciphers")) {
		set_str(&g->bind.ciphers, v);
	} else if (!strcmp(k, "ssl-default-bind-ciphersuites")) {
		set_str(&g->bind.ciphersuites, v);
	} else if (!strcmp(k, "ssl-default-bind-curves")) {
		set_str(&g->bind.curves, v);
	} else if (!strcmp(k, "ssl-default-bind-sigalgs")) {
		set_str(&g->bind.sigalgs, v);
	} else if (!strcmp(k, "ssl-default-server-ciphers")) {
		set_str(&g->server.ciphers, v);
	} else if (!strcmp(k, "ssl-default-server-ciphersuites")) {
		set_str(&g->server.ciphersuites, v);
	} else if (!strcmp(k, "ssl-default-server-curves")) {
		set_str(&g->server.curves, v);
	} else if (!strcmp(k, "ssl-default-server-sigalgs")) {
		set_str(&g->server.sigalgs, v);
	} else if (!strcmp(k, "ssl-server-verify")) {
		if (!strcmp(v, "none"))
			g->server_verify = SSL_VFY_NONE;
		else if (!strcmp(v, "required"))
			g->server_verify = SSL_VFY_REQUIRED;
		else {
			snprintf(err, errlen, "'%s' : expects 'none' or 'required' (got '%s').", k, v);
			return CFG_ERR;
		}
	} else if (!strcmp(k, "ssl-dh-param-file")) {
		set_str(&g->dh_param_file, v);
	} else if (!strcmp(k, "tune.ssl.default-dh-param")) {
		long long n;

		if (parse_int(v, 1024, 16384, &n)) {
			snprintf(err, errlen, "'%s' : expects an integer argument >= 1024 (got '%s').", k, v);
			return CFG_ERR;
		}
		g->dh_bits = (int)n;
	} else if (!strncmp(k, "tune.ssl.", 9) || !strcmp(k, "maxsslconn") || !strcmp(k, "maxsslrate") ||
		   !strncmp(k, "ssl-default-", 12) || !strcmp(k, "ssl-engine") || !strcmp(k, "ssl-mode-async")) {
		/* caches, record sizes and limits: tuning vigil-proxy does
		 * its own way */
		snprintf(err, errlen, "'%s' is not supported by vigil-proxy and is ignored.", k);
		return CFG_WARN;
	} else {
		snprintf(err, errlen, "unknown keyword '%s'.", k);
		return CFG_ERR;
	}
	return CFG_OK;
}

void ssl_global_free(struct ssl_global *g)
{
	if (!g)
		return;
	opts_free(&g->bind);
	opts_free(&g->server);
	free(g->ca_base);
	free(g->crt_base);
	free(g->dh_param_file);
	free(g);
}

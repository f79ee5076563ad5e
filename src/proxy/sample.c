/* sample: fetches, converters and formats (see sample.h). */
#include "proxy/sample.h"
#include "proxy/http_txn.h"
#include "proxy/map.h"
#include "proxy/proxy.h"
#include "proxy/stick_counters.h"
#include "proxy/userlist.h"
#include "proxy/ssl.h"
#include "lib/util.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum fetch {
	F_HDR, F_HDR_CNT, F_RES_HDR, F_RES_HDR_CNT, F_PATH, F_URL, F_BASE, F_METHOD,
	F_QUERY, F_URL_PARAM, F_REQ_COOK, F_STATUS, F_SRC, F_DST, F_SRC_PORT, F_DST_PORT,
	F_SSL_FC, F_HTTP_AUTH, F_HTTP_AUTH_GROUP, F_VAR, F_TRUE, F_FALSE, F_STR, F_INT,
	F_SC, F_SRC_CTR, F_REQ_VER, F_HOST, F_CAP_REQ, F_CAP_RES,
	F_SSL_FC_SNI, F_SSL_FC_PROTO, F_SSL_FC_ALPN, F_SSL_FC_CIPHER, F_SSL_C_VERIFY,
	F_SSL_C_USED, F_SSL_C_S_DN, F_SSL_C_I_DN, F_SSL_FC_HAS_SNI,
};

static const struct fetch_def {
	const char *name;
	enum fetch f;
	enum smp_type type;
	bool http;
	int min_args, max_args;
} fetches[] = {
	{ "req.hdr", F_HDR, SMP_T_STR, true, 0, 2 },
	{ "hdr", F_HDR, SMP_T_STR, true, 0, 2 },
	{ "req.fhdr", F_HDR, SMP_T_STR, true, 1, 2 },
	{ "req.hdr_cnt", F_HDR_CNT, SMP_T_INT, true, 0, 1 },
	{ "hdr_cnt", F_HDR_CNT, SMP_T_INT, true, 0, 1 },
	{ "res.hdr", F_RES_HDR, SMP_T_STR, true, 0, 2 },
	{ "shdr", F_RES_HDR, SMP_T_STR, true, 0, 2 },
	{ "res.hdr_cnt", F_RES_HDR_CNT, SMP_T_INT, true, 0, 1 },
	{ "path", F_PATH, SMP_T_STR, true, 0, 0 },
	{ "url", F_URL, SMP_T_STR, true, 0, 0 },
	{ "base", F_BASE, SMP_T_STR, true, 0, 0 },
	{ "method", F_METHOD, SMP_T_STR, true, 0, 0 },
	{ "query", F_QUERY, SMP_T_STR, true, 0, 0 },
	{ "url_param", F_URL_PARAM, SMP_T_STR, true, 0, 2 },
	{ "urlp", F_URL_PARAM, SMP_T_STR, true, 0, 2 },
	{ "req.cook", F_REQ_COOK, SMP_T_STR, true, 0, 1 },
	{ "cook", F_REQ_COOK, SMP_T_STR, true, 0, 1 },
	{ "status", F_STATUS, SMP_T_INT, true, 0, 0 },
	{ "req.ver", F_REQ_VER, SMP_T_STR, true, 0, 0 },
	{ "req_ver", F_REQ_VER, SMP_T_STR, true, 0, 0 },
	{ "req.host", F_HOST, SMP_T_STR, true, 0, 0 },
	{ "capture.req.hdr", F_CAP_REQ, SMP_T_STR, true, 1, 1 },
	{ "capture.res.hdr", F_CAP_RES, SMP_T_STR, true, 1, 1 },
	{ "src", F_SRC, SMP_T_IP, false, 0, 0 },
	{ "dst", F_DST, SMP_T_IP, false, 0, 0 },
	{ "src_port", F_SRC_PORT, SMP_T_INT, false, 0, 0 },
	{ "dst_port", F_DST_PORT, SMP_T_INT, false, 0, 0 },
	/* TLS of the client connection (ssl.h), read from the transaction
	 * (TCP streams pass one with acl_cond_eval_tls()) */
	{ "ssl_fc", F_SSL_FC, SMP_T_BOOL, false, 0, 0 },
	{ "ssl_fc_sni", F_SSL_FC_SNI, SMP_T_STR, false, 0, 0 },
	{ "ssl_fc_protocol", F_SSL_FC_PROTO, SMP_T_STR, false, 0, 0 },
	{ "ssl_fc_alpn", F_SSL_FC_ALPN, SMP_T_STR, false, 0, 0 },
	{ "ssl_fc_cipher", F_SSL_FC_CIPHER, SMP_T_STR, false, 0, 0 },
	{ "ssl_c_verify", F_SSL_C_VERIFY, SMP_T_INT, false, 0, 0 },
	{ "ssl_c_used", F_SSL_C_USED, SMP_T_BOOL, false, 0, 0 },
	{ "ssl_fc_has_crt", F_SSL_C_USED, SMP_T_BOOL, false, 0, 0 },
	{ "ssl_fc_has_sni", F_SSL_FC_HAS_SNI, SMP_T_BOOL, false, 0, 0 },
	{ "ssl_c_s_dn", F_SSL_C_S_DN, SMP_T_STR, false, 0, 2 },
	{ "ssl_c_i_dn", F_SSL_C_I_DN, SMP_T_STR, false, 0, 2 },
	{ "http_auth", F_HTTP_AUTH, SMP_T_BOOL, true, 1, 1 },
	{ "http_auth_group", F_HTTP_AUTH_GROUP, SMP_T_STR, true, 1, 1 },
	{ "var", F_VAR, SMP_T_STR, false, 1, 2 },
	{ "always_true", F_TRUE, SMP_T_BOOL, false, 0, 0 },
	{ "always_false", F_FALSE, SMP_T_BOOL, false, 0, 0 },
	{ "str", F_STR, SMP_T_STR, false, 1, 1 },
	{ "int", F_INT, SMP_T_INT, false, 1, 1 },
};

enum conv { C_LOWER, C_UPPER, C_MAP, C_FIELD, C_WORD, C_BASE64, C_REGSUB };

struct sample_conv {
	enum conv c;
	struct map *map;           /* C_MAP */
	char *def;                 /* map default; from malloc() or NULL */
	int n, count;              /* field/word index and count */
	char *delims;              /* from malloc() */
	regex_t re;                /* C_REGSUB */
	char *subst;
	bool global;
};

struct sample_expr {
	const struct fetch_def *def;
	char *name;                /* as written (sc0_http_req_rate), from malloc() */
	char *args[2];             /* from malloc() or NULL */
	int nargs;
	struct proxy *px;          /* where declared */
	/* counters: F_SC / F_SRC_CTR */
	int sc;                    /* F_SC: 0..2 */
	enum stkctr_data data;
	char *table_name;          /* from malloc() or NULL: px's own */
	struct proxy *table_px;    /* resolved */
	struct userlist *ul;       /* F_HTTP_AUTH*: resolved */
	struct sample_conv *convs;
	int nconvs;
	struct sample_expr *pending_next; /* unresolved list */
};

/* Expressions waiting for sample_resolve_all(): parsing happens on one
 * thread, before any traffic. */
static struct sample_expr *pending;

static void pending_remove(struct sample_expr *e)
{
	for (struct sample_expr **pp = &pending; *pp; pp = &(*pp)->pending_next) {
		if (*pp == e) {
			*pp = e->pending_next;
			return;
		}
	}
}

void sample_expr_free(struct sample_expr *e)
{
	if (!e)
		return;
	pending_remove(e);
	for (int i = 0; i < e->nconvs; i++) {
		struct sample_conv *c = &e->convs[i];

		map_free(c->map);
		free(c->def);
		free(c->delims);
		free(c->subst);
		if (c->c == C_REGSUB)
			regfree(&c->re);
	}
	free(e->convs);
	free(e->args[0]);
	free(e->args[1]);
	free(e->name);
	free(e->table_name);
	free(e);
}

/* Split "name(a,b)" at s: name into `name`, arguments into args (with
 * backslash escapes). Returns the position after the closing paren (or
 * after the name), NULL on syntax error. */
static const char *parse_call(const char *s, char *name, size_t namelen, char **args, int maxargs,
			      int *nargs, char *err, size_t errlen)
{
	size_t n = strcspn(s, "(,");
	char buf[1024];
	size_t bl = 0;

	*nargs = 0;
	if (n == 0 || n >= namelen) {
		snprintf(err, errlen, "missing fetch method or converter name near '%s'", s);
		return NULL;
	}
	memcpy(name, s, n);
	name[n] = 0;
	s += n;
	if (*s != '(')
		return s;
	s++;
	for (;;) {
		if (!*s) {
			snprintf(err, errlen, "missing closing ')' after arguments to '%s'", name);
			goto fail;
		}
		if (*s == '\\' && s[1]) {
			if (bl < sizeof(buf) - 1)
				buf[bl++] = s[1];
			s += 2;
			continue;
		}
		if (*s == ',' || *s == ')') {
			if (*nargs == maxargs) {
				snprintf(err, errlen, "too many arguments to '%s'", name);
				goto fail;
			}
			buf[bl] = 0;
			args[(*nargs)++] = xstrdup(buf);
			bl = 0;
			if (*s++ == ')')
				break;
			continue;
		}
		if (bl < sizeof(buf) - 1)
			buf[bl++] = *s;
		s++;
	}
	if (*nargs == 1 && args[0][0] == 0) {
		free(args[0]);
		*nargs = 0;
	}
	return s;
fail:
	for (int i = 0; i < *nargs; i++)
		free(args[i]);
	*nargs = 0;
	return NULL;
}

static int counter_fetch(struct sample_expr *e, const char *name, char *err, size_t errlen)
{
	const char *data;
	int d;

	if (strncmp(name, "sc_", 3) == 0) {
		long long n;

		data = name + 3;
		if (e->nargs < 1 || parse_int(e->args[0], 0, 2, &n)) {
			snprintf(err, errlen, "fetch method '%s' expects a stick counter number (0, 1 or 2) as first argument", name);
			return -EINVAL;
		}
		e->sc = (int)n;
		if (e->nargs > 1)
			e->table_name = xstrdup(e->args[1]);
	} else if (name[0] == 's' && name[1] == 'c' && name[2] >= '0' && name[2] <= '2' && name[3] == '_') {
		data = name + 4;
		e->sc = name[2] - '0';
		if (e->nargs > 0)
			e->table_name = xstrdup(e->args[0]);
	} else if (strncmp(name, "src_", 4) == 0) {
		data = name + 4;
		if (e->nargs > 0)
			e->table_name = xstrdup(e->args[0]);
	} else {
		return 1;
	}
	if (strncmp(data, "get_", 4) == 0)
		data += 4;
	d = stkctr_data_by_name(data);
	if (d < 0)
		return 1;
	e->data = (enum stkctr_data)d;
	return 0;
}

static const struct fetch_def counter_def_sc = { "sc_*", F_SC, SMP_T_INT, false, 0, 2 };
static const struct fetch_def counter_def_src = { "src_*", F_SRC_CTR, SMP_T_INT, false, 0, 1 };

bool sample_fetch_known(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(fetches); i++)
		if (strcmp(fetches[i].name, name) == 0)
			return true;
	return false;
}

static int parse_conv(struct sample_expr *e, const char *name, char **args, int nargs,
		      char *err, size_t errlen)
{
	static const struct { const char *name; enum map_match m; } maps[] = {
		{ "map", MAP_STR }, { "map_str", MAP_STR }, { "map_beg", MAP_BEG }, { "map_end", MAP_END },
		{ "map_sub", MAP_SUB }, { "map_dom", MAP_DOM }, { "map_reg", MAP_REG },
		{ "map_dir", MAP_DIR }, { "map_ip", MAP_IP }, { "map_int", MAP_INT },
		{ "map_regm", MAP_REG },
	};
	struct sample_conv c;
	long long n;

	memset(&c, 0, sizeof(c));
	if (!strcmp(name, "lower") || !strcmp(name, "upper") || !strcmp(name, "base64")) {
		if (nargs) {
			snprintf(err, errlen, "converter '%s' takes no argument", name);
			return -EINVAL;
		}
		c.c = !strcmp(name, "lower") ? C_LOWER : !strcmp(name, "upper") ? C_UPPER : C_BASE64;
		goto add;
	}
	for (size_t i = 0; i < ARRAY_SIZE(maps); i++) {
		const char *base = name;
		char tmp[128];

		/* map_str_int, map_dom_str...: the output type does not matter here */
		snprintf(tmp, sizeof(tmp), "%s", name);
		if (strncmp(tmp, "map_", 4) == 0) {
			char *u = strchr(tmp + 4, '_');

			if (u)
				*u = 0;
			base = tmp;
		}
		if (strcmp(base, maps[i].name) != 0)
			continue;
		if (nargs < 1) {
			snprintf(err, errlen, "converter '%s' expects a map file name", name);
			return -EINVAL;
		}
		c.c = C_MAP;
		c.map = map_load(args[0], maps[i].m, err, errlen);
		if (!c.map)
			return -EINVAL;
		if (nargs > 1)
			c.def = xstrdup(args[1]);
		goto add;
	}
	if (!strcmp(name, "field") || !strcmp(name, "word")) {
		if (nargs < 2 || parse_int(args[0], -100, 100, &n) || n == 0) {
			snprintf(err, errlen, "converter '%s' expects an index and delimiters", name);
			return -EINVAL;
		}
		c.c = !strcmp(name, "field") ? C_FIELD : C_WORD;
		c.n = (int)n;
		c.delims = xstrdup(args[1]);
		c.count = 1;
		goto add;
	}
	if (!strcmp(name, "regsub")) {
		if (nargs < 2 || regcomp(&c.re, args[0], REG_EXTENDED) != 0) {
			snprintf(err, errlen, "converter 'regsub' expects a valid regex and a replacement");
			return -EINVAL;
		}
		c.c = C_REGSUB;
		c.subst = xstrdup(args[1]);
		c.global = nargs > 2 && strchr(args[2], 'g');
		goto add;
	}
	snprintf(err, errlen, "unknown converter '%s'", name);
	return -EINVAL;
add:
	e->convs = xrealloc(e->convs, sizeof(*e->convs) * (size_t)(e->nconvs + 1));
	e->convs[e->nconvs++] = c;
	return 0;
}

struct sample_expr *sample_expr_parse(struct proxy *px, const char *s, char *err, size_t errlen)
{
	struct sample_expr *e = xcalloc(1, sizeof(*e));
	char name[128];
	const char *p;
	int rc;

	e->px = px;
	p = parse_call(s, name, sizeof(name), e->args, 2, &e->nargs, err, errlen);
	if (!p)
		goto fail;
	e->name = xstrdup(name);
	for (size_t i = 0; i < ARRAY_SIZE(fetches); i++)
		if (strcmp(fetches[i].name, name) == 0)
			e->def = &fetches[i];
	if (!e->def) {
		rc = counter_fetch(e, name, err, errlen);
		if (rc < 0)
			goto fail;
		if (rc == 0) {
			e->def = name[1] == 'c' ? &counter_def_sc : &counter_def_src;
		} else {
			snprintf(err, errlen, "unknown fetch method '%s'", name);
			goto fail;
		}
	}
	if (e->nargs < e->def->min_args || e->nargs > e->def->max_args) {
		snprintf(err, errlen, "fetch method '%s' : %s", name,
			 e->nargs < e->def->min_args ? "missing argument" : "too many arguments");
		goto fail;
	}
	if (e->def->f == F_VAR && strncmp(e->args[0], "txn.", 4) != 0 &&
	    strncmp(e->args[0], "req.", 4) != 0 && strncmp(e->args[0], "sess.", 5) != 0 &&
	    strncmp(e->args[0], "proc.", 5) != 0) {
		snprintf(err, errlen, "fetch method 'var' : invalid variable name '%s'", e->args[0]);
		goto fail;
	}
	if (e->def->f == F_CAP_REQ || e->def->f == F_CAP_RES) {
		long long k;

		if (parse_int(e->args[0], 0, 1000, &k)) {
			snprintf(err, errlen, "fetch method '%s' : failed to parse '%s' as type signed integer at position 1",
				 name, e->args[0]);
			goto fail;
		}
	}
	if (e->def->f == F_SC || e->def->f == F_SRC_CTR || e->def->f == F_HTTP_AUTH ||
	    e->def->f == F_HTTP_AUTH_GROUP) {
		e->pending_next = pending;
		pending = e;
	}
	while (*p == ',') {
		char *args[3] = { NULL, NULL, NULL };
		int nargs;

		p = parse_call(p + 1, name, sizeof(name), args, 3, &nargs, err, errlen);
		if (!p)
			goto fail;
		rc = parse_conv(e, name, args, nargs, err, errlen);
		for (int i = 0; i < nargs; i++)
			free(args[i]);
		if (rc < 0)
			goto fail;
	}
	if (*p) {
		snprintf(err, errlen, "unexpected characters '%s' after sample expression", p);
		goto fail;
	}
	return e;
fail:
	sample_expr_free(e);
	return NULL;
}

const char *sample_expr_fetch_name(const struct sample_expr *e)
{
	return e->name;
}

enum smp_type sample_expr_type(const struct sample_expr *e)
{
	return e->nconvs ? SMP_T_STR : e->def->type;
}

bool sample_expr_multi(const struct sample_expr *e)
{
	return (e->def->f == F_HDR || e->def->f == F_RES_HDR) && e->nargs < 2;
}

bool sample_expr_is_http(const struct sample_expr *e)
{
	return e->def->http;
}

int sample_resolve_all(struct pxconf *c, void (*report)(void *ctx, const char *msg), void *ctx)
{
	char msg[512];
	int nerr = 0;

	while (pending) {
		struct sample_expr *e = pending;

		pending = e->pending_next;
		e->pending_next = NULL;
		if (e->def->f == F_HTTP_AUTH || e->def->f == F_HTTP_AUTH_GROUP) {
			e->ul = userlist_find(c->userlists, e->args[0]);
			if (!e->ul) {
				snprintf(msg, sizeof(msg), "proxy '%s': unable to find userlist '%s' referenced in '%s'.",
					 e->px ? e->px->id : "?", e->args[0], e->name);
				report(ctx, msg);
				nerr++;
			}
			continue;
		}
		if (e->table_name) {
			e->table_px = pxconf_find_proxy(c, e->table_name, PX_CAP_FE | PX_CAP_BE);
			if (!e->table_px || !e->table_px->stick_table) {
				snprintf(msg, sizeof(msg), "proxy '%s': unable to find stick-table '%s' referenced in '%s'.",
					 e->px ? e->px->id : "?", e->table_name, e->name);
				report(ctx, msg);
				nerr++;
				e->table_px = NULL;
			}
		} else {
			e->table_px = e->px;
		}
	}
	return nerr;
}

/* ---- evaluation ---- */

static void set_str(struct smp *o, const char *p, size_t len)
{
	o->p = p;
	o->len = len;
	o->is_int = false;
}

static void set_int(struct smp *o, long long v)
{
	int n = snprintf(o->buf, sizeof(o->buf), "%lld", v);

	o->num = v;
	o->is_int = true;
	o->p = o->buf;
	o->len = (size_t)n;
}

/* Find NAME=value in a '&'-separated list (`delim`). */
static bool find_param(const char *s, size_t len, const char *name, char delim, struct http_str *out)
{
	size_t nl = strlen(name);
	const char *end = s + len;

	while (s < end) {
		const char *amp = memchr(s, delim, (size_t)(end - s));
		const char *e = amp ? amp : end;

		while (s < e && *s == ' ')
			s++;
		if ((size_t)(e - s) > nl && memcmp(s, name, nl) == 0 && s[nl] == '=') {
			out->p = s + nl + 1;
			out->len = (size_t)(e - out->p);
			return true;
		}
		s = e + 1;
	}
	return false;
}

static int b64val(int c)
{
	if (c >= 'A' && c <= 'Z') return c - 'A';
	if (c >= 'a' && c <= 'z') return c - 'a' + 26;
	if (c >= '0' && c <= '9') return c - '0' + 52;
	if (c == '+') return 62;
	if (c == '/') return 63;
	return -1;
}

/* Decode base64; returns the length or -1. */
static int b64_decode(const char *in, size_t len, char *out, size_t outlen)
{
	unsigned acc = 0;
	int bits = 0;
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		int v;

		if (in[i] == '=')
			break;
		v = b64val((unsigned char)in[i]);
		if (v < 0)
			return -1;
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o >= outlen)
				return -1;
			out[o++] = (char)((acc >> bits) & 0xff);
		}
	}
	return (int)o;
}

static size_t b64_encode(const char *in, size_t len, char *out, size_t outlen)
{
	static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t o = 0;

	for (size_t i = 0; i < len && o + 4 < outlen; i += 3) {
		unsigned v = (unsigned char)in[i] << 16;

		if (i + 1 < len) v |= (unsigned char)in[i + 1] << 8;
		if (i + 2 < len) v |= (unsigned char)in[i + 2];
		out[o++] = tbl[(v >> 18) & 63];
		out[o++] = tbl[(v >> 12) & 63];
		out[o++] = i + 1 < len ? tbl[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < len ? tbl[v & 63] : '=';
	}
	return o;
}

/* Authorization: Basic credentials checked against the userlist; the user
 * name goes to out->buf. */
static bool http_auth_user(const struct sample_expr *e, struct http_txn *txn, struct smp *o)
{
	struct http_str v;
	char dec[512];
	const char *colon;
	int n;

	if (!e->ul || !http_hdr_get(&txn->req, "Authorization", 0, &v))
		return false;
	if (v.len < 6 || strncasecmp(v.p, "Basic ", 6) != 0)
		return false;
	n = b64_decode(v.p + 6, v.len - 6, dec, sizeof(dec));
	if (n < 0 || !(colon = memchr(dec, ':', (size_t)n)))
		return false;
	if (!userlist_check(e->ul, dec, (size_t)(colon - dec), colon + 1, (size_t)(dec + n - colon - 1)))
		return false;
	memcpy(o->buf, dec, (size_t)(colon - dec));
	set_str(o, o->buf, (size_t)(colon - dec));
	return true;
}

const struct userlist *sample_expr_userlist(const struct sample_expr *e)
{
	return e->ul;
}

/* A normalized key for an address: 4 bytes for IPv4 (and mapped IPv6),
 * 16 for IPv6. Returns the length, 0 if none. */
static size_t addr_key(const struct sockaddr *sa, unsigned char *key)
{
	if (!sa)
		return 0;
	if (sa->sa_family == AF_INET) {
		memcpy(key, &((const struct sockaddr_in *)sa)->sin_addr, 4);
		return 4;
	}
	if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;

		if (IN6_IS_ADDR_V4MAPPED(a)) {
			memcpy(key, a->s6_addr + 12, 4);
			return 4;
		}
		memcpy(key, a, 16);
		return 16;
	}
	return 0;
}

/* The stick-table key of a sample (see addr_key; strings as they are). */
size_t sample_key(const struct smp *s, unsigned char *key, size_t keymax)
{
	size_t n;

	if (s->is_ip)
		return addr_key(s->sa, key);
	n = s->len < keymax ? s->len : keymax;
	memcpy(key, s->p, n);
	return n;
}

/* Header values as HAProxy's hdr() sees them: every line of `name`, each
 * split on commas (unless `full`), spaces trimmed. Calls `cb` for each
 * until it returns true; returns the number of values seen. */
static int hdr_values(const struct http_head *h, const char *name, bool full,
		      bool (*cb)(void *ctx, const char *p, size_t len), void *ctx)
{
	int i = -1, n = 0;

	while ((i = http_hdr_find(h, name, i + 1)) >= 0) {
		const char *s = h->hdrs[i].value.p, *end = s + h->hdrs[i].value.len;

		for (;;) {
			const char *c = full ? NULL : memchr(s, ',', (size_t)(end - s));
			const char *e = c ? c : end, *b = s;

			while (b < e && (*b == ' ' || *b == '\t'))
				b++;
			while (e > b && (e[-1] == ' ' || e[-1] == '\t'))
				e--;
			n++;
			if (cb && cb(ctx, b, (size_t)(e - b)))
				return n;
			if (!c)
				break;
			s = c + 1;
		}
	}
	return n;
}

struct nth {
	int want, seen;
	struct http_str out;
};

static bool take_nth(void *ctx, const char *p, size_t len)
{
	struct nth *n = ctx;

	if (++n->seen != n->want)
		return false;
	n->out.p = p;
	n->out.len = len;
	return true;
}

/* The occ-th value (1-based; negative counts from the last). */
static bool hdr_value(const struct http_head *h, const char *name, bool full, int occ, struct http_str *out)
{
	struct nth n = { occ, 0, { NULL, 0 } };

	if (occ < 0) {
		n.want = hdr_values(h, name, full, NULL, NULL) + occ + 1;
		if (n.want <= 0)
			return false;
	}
	if (n.want == 0)
		n.want = 1;
	hdr_values(h, name, full, take_nth, &n);
	if (!n.out.p)
		return false;
	*out = n.out;
	return true;
}

static bool fetch(const struct sample_expr *e, struct http_txn *txn, int occ, struct smp *o)
{
	struct http_str v;
	const struct sockaddr *sa;
	int n;

	o->is_ip = false;
	o->sa = NULL;
	if (e->def->http && !txn)
		return false;
	switch (e->def->f) {
	case F_HDR:
	case F_RES_HDR: {
		const struct http_head *h = e->def->f == F_HDR ? &txn->req : &txn->rsp;

		if (e->nargs == 0) {
			/* hdr without a name: the occ-th header line's value */
			int i = occ > 0 ? occ - 1 : h->nhdrs - 1;

			if (i < 0 || i >= h->nhdrs)
				return false;
			set_str(o, h->hdrs[i].value.p, h->hdrs[i].value.len);
			return true;
		}
		if (e->nargs > 1) {
			long long k;

			if (parse_int(e->args[1], -100, 100, &k))
				return false;
			occ = (int)k;
		} else if (occ == 0) {
			occ = -1;           /* last occurrence, as HAProxy */
		}
		if (!hdr_value(h, e->args[0], strcmp(e->name, "req.fhdr") == 0, occ, &v))
			return false;
		set_str(o, v.p, v.len);
		return true;
	}
	case F_HDR_CNT:
	case F_RES_HDR_CNT: {
		const struct http_head *h = e->def->f == F_HDR_CNT ? &txn->req : &txn->rsp;

		n = e->nargs == 0 ? h->nhdrs : hdr_values(h, e->args[0], false, NULL, NULL);
		set_int(o, n);
		return true;
	}
	case F_PATH:
		v = http_req_path(&txn->req);
		set_str(o, v.p, v.len);
		return true;
	case F_URL:
		set_str(o, txn->req.uri.p, txn->req.uri.len);
		return true;
	case F_QUERY:
		v = http_req_query(&txn->req);
		if (!memchr(txn->req.uri.p, '?', txn->req.uri.len))
			return false;
		set_str(o, v.p, v.len);
		return true;
	case F_BASE: {
		struct http_str host, path = http_req_path(&txn->req);

		if (!http_hdr_get(&txn->req, "Host", 1, &host))
			host.len = 0;
		if (host.len + path.len >= sizeof(o->buf))
			return false;
		memcpy(o->buf, host.p, host.len);
		memcpy(o->buf + host.len, path.p, path.len);
		set_str(o, o->buf, host.len + path.len);
		return true;
	}
	case F_HOST:
		if (!http_hdr_get(&txn->req, "Host", 1, &v))
			return false;
		set_str(o, v.p, v.len);
		return true;
	case F_METHOD:
		set_str(o, txn->req.meth.p, txn->req.meth.len);
		return true;
	case F_REQ_VER:
		if (txn->req.vsn.len > 5 && strncmp(txn->req.vsn.p, "HTTP/", 5) == 0)
			set_str(o, txn->req.vsn.p + 5, txn->req.vsn.len - 5);
		else
			set_str(o, txn->req.vsn.p, txn->req.vsn.len);
		return true;
	case F_URL_PARAM:
		v = http_req_query(&txn->req);
		if (e->nargs == 0 || !find_param(v.p, v.len, e->args[0], '&', &v))
			return false;
		set_str(o, v.p, v.len);
		return true;
	case F_REQ_COOK: {
		int i = -1;

		if (e->nargs == 0)
			return false;
		while ((i = http_hdr_find(&txn->req, "Cookie", i + 1)) >= 0) {
			struct http_str c;

			if (find_param(txn->req.hdrs[i].value.p, txn->req.hdrs[i].value.len, e->args[0], ';', &c)) {
				set_str(o, c.p, c.len);
				return true;
			}
		}
		return false;
	}
	case F_STATUS:
		if (!txn->rsp.status)
			return false;
		set_int(o, txn->rsp.status);
		return true;
	case F_SRC:
	case F_DST:
		sa = e->def->f == F_SRC ? (txn ? txn->src : NULL) : (txn ? txn->dst : NULL);
		if (!sa)
			return false;
		o->is_ip = true;
		o->sa = sa;
		if (sa->sa_family == AF_INET)
			inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, o->buf, sizeof(o->buf));
		else if (sa->sa_family == AF_INET6)
			inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, o->buf, sizeof(o->buf));
		else
			return false;
		set_str(o, o->buf, strlen(o->buf));
		o->is_ip = true;
		return true;
	case F_SRC_PORT:
	case F_DST_PORT:
		sa = e->def->f == F_SRC_PORT ? (txn ? txn->src : NULL) : (txn ? txn->dst : NULL);
		if (!sa)
			return false;
		if (sa->sa_family == AF_INET)
			set_int(o, ntohs(((const struct sockaddr_in *)sa)->sin_port));
		else if (sa->sa_family == AF_INET6)
			set_int(o, ntohs(((const struct sockaddr_in6 *)sa)->sin6_port));
		else
			return false;
		return true;
	case F_SSL_FC:
		return ssl_smp_fc(txn ? txn->ssl : NULL, o);
	case F_SSL_FC_SNI:
		return ssl_smp_fc_sni(txn ? txn->ssl : NULL, o);
	case F_SSL_FC_PROTO:
		return ssl_smp_fc_protocol(txn ? txn->ssl : NULL, o);
	case F_SSL_FC_ALPN:
		return ssl_smp_fc_alpn(txn ? txn->ssl : NULL, o);
	case F_SSL_FC_CIPHER:
		return ssl_smp_fc_cipher(txn ? txn->ssl : NULL, o);
	case F_SSL_C_VERIFY:
		return ssl_smp_c_verify(txn ? txn->ssl : NULL, o);
	case F_SSL_C_USED:
		return ssl_smp_c_used(txn ? txn->ssl : NULL, o);
	case F_SSL_C_S_DN:
	case F_SSL_C_I_DN:
		/* ssl_c_s_dn([ENTRY[,OCC]]): the whole DN, or one entry */
		return ssl_smp_c_dn(txn ? txn->ssl : NULL, e->def->f == F_SSL_C_I_DN, e->args[0],
				    e->nargs > 1 ? atoi(e->args[1]) : 0, o);
	case F_SSL_FC_HAS_SNI:
		return ssl_smp_fc_has_sni(txn ? txn->ssl : NULL, o);
	case F_FALSE:
		set_int(o, 0);
		return true;
	case F_TRUE:
		set_int(o, 1);
		return true;
	case F_HTTP_AUTH:
		set_int(o, http_auth_user(e, txn, o) ? 1 : 0);
		return true;
	case F_HTTP_AUTH_GROUP:
		return http_auth_user(e, txn, o);
	case F_VAR:
		if (!txn)
			return false;
		for (int i = txn->nvars - 1; i >= 0; i--) {
			if (strcmp(txn->vars[i].name, e->args[0]) == 0) {
				set_str(o, txn->vars[i].value.p, txn->vars[i].value.len);
				return true;
			}
		}
		if (e->nargs > 1) {
			set_str(o, e->args[1], strlen(e->args[1]));
			return true;
		}
		return false;
	case F_STR:
		set_str(o, e->args[0], strlen(e->args[0]));
		return true;
	case F_INT:
		set_int(o, atoll(e->args[0]));
		return true;
	case F_SC:
		if (!txn || !txn->sc_entry[e->sc]) {
			set_int(o, 0);
			return true;
		}
		set_int(o, (long long)stkctr_get(txn->sc_table[e->sc], txn->sc_entry[e->sc], e->data,
						  stkctr_now_ms()));
		return true;
	case F_CAP_REQ:
	case F_CAP_RES: {
		/* `capture request|response header` slot N, in declaration order */
		const struct http_str *caps = e->def->f == F_CAP_REQ ? txn->captures : txn->rsp_captures;
		int ncaps = e->def->f == F_CAP_REQ ? txn->ncaptures : txn->nrsp_captures;
		long long k;

		if (parse_int(e->args[0], 0, 1000, &k) || k >= ncaps)
			return false;
		set_str(o, caps[k].p, caps[k].len);
		return true;
	}
	case F_SRC_CTR: {
		unsigned char key[STKCTR_KEY_MAX];
		size_t klen = addr_key(txn ? txn->src : NULL, key);

		if (!e->table_px || !e->table_px->stkctr || !klen) {
			set_int(o, 0);
			return true;
		}
		set_int(o, (long long)stkctr_get_key(e->table_px->stkctr, key, klen, e->data, stkctr_now_ms()));
		return true;
	}
	}
	return false;
}

static bool convert(const struct sample_conv *c, struct smp *o)
{
	char tmp[SMP_BUFSIZE];
	size_t len = o->len < sizeof(tmp) - 1 ? o->len : sizeof(tmp) - 1;
	const char *r;

	memcpy(tmp, o->p, len);
	tmp[len] = 0;
	o->is_int = false;
	o->is_ip = false;
	switch (c->c) {
	case C_LOWER:
	case C_UPPER:
		for (size_t i = 0; i < len; i++)
			o->buf[i] = (char)(c->c == C_LOWER ? tolower((unsigned char)tmp[i]) : toupper((unsigned char)tmp[i]));
		set_str(o, o->buf, len);
		return true;
	case C_MAP:
		r = map_lookup(c->map, tmp, len);
		if (!r)
			r = c->def;
		if (!r)
			return false;
		snprintf(o->buf, sizeof(o->buf), "%s", r);
		set_str(o, o->buf, strlen(o->buf));
		return true;
	case C_BASE64:
		set_str(o, o->buf, b64_encode(tmp, len, o->buf, sizeof(o->buf)));
		return true;
	case C_FIELD:
	case C_WORD: {
		/* split into fields; words skip empty ones */
		const char *f[256];
		size_t fl[256];
		int nf = 0;
		const char *s = tmp, *end = tmp + len;

		while (s <= end && nf < 256) {
			const char *d = s;

			while (d < end && !strchr(c->delims, *d))
				d++;
			if (c->c == C_FIELD || d > s) {
				f[nf] = s;
				fl[nf++] = (size_t)(d - s);
			}
			s = d + 1;
		}
		{
			int idx = c->n > 0 ? c->n - 1 : nf + c->n;

			if (idx < 0 || idx >= nf)
				return false;
			memcpy(o->buf, f[idx], fl[idx]);
			set_str(o, o->buf, fl[idx]);
		}
		return true;
	}
	case C_REGSUB: {
		regmatch_t m[10];
		size_t ol = 0;
		const char *s = tmp;

		while (*s && regexec(&c->re, s, 10, m, s == tmp ? 0 : REG_NOTBOL) == 0) {
			size_t pre = (size_t)m[0].rm_so;

			if (ol + pre >= sizeof(o->buf))
				return false;
			memcpy(o->buf + ol, s, pre);
			ol += pre;
			for (const char *q = c->subst; *q && ol < sizeof(o->buf) - 1; q++) {
				if (*q == '\\' && q[1] >= '0' && q[1] <= '9') {
					int g = q[1] - '0';

					if (m[g].rm_so >= 0) {
						size_t gl = (size_t)(m[g].rm_eo - m[g].rm_so);

						if (ol + gl >= sizeof(o->buf))
							return false;
						memcpy(o->buf + ol, s + m[g].rm_so, gl);
						ol += gl;
					}
					q++;
				} else {
					o->buf[ol++] = *q;
				}
			}
			s += m[0].rm_eo > m[0].rm_so ? m[0].rm_eo : m[0].rm_eo + 1;
			if (!c->global || m[0].rm_eo == 0)
				break;
		}
		if (ol + strlen(s) >= sizeof(o->buf))
			return false;
		memcpy(o->buf + ol, s, strlen(s));
		set_str(o, o->buf, ol + strlen(s));
		return true;
	}
	}
	return false;
}

bool sample_eval(const struct sample_expr *e, struct http_txn *txn, int occ, struct smp *out)
{
	if (!fetch(e, txn, occ, out))
		return false;
	for (int i = 0; i < e->nconvs; i++)
		if (!convert(&e->convs[i], out))
			return false;
	return true;
}

/* ---- formats ---- */

struct fmt_node {
	char *lit;                 /* from malloc(), or NULL */
	struct sample_expr *expr;  /* or NULL */
};

struct http_fmt {
	struct fmt_node *nodes;
	int n;
};

static void fmt_add(struct http_fmt *f, char *lit, struct sample_expr *e)
{
	f->nodes = xrealloc(f->nodes, sizeof(*f->nodes) * (size_t)(f->n + 1));
	f->nodes[f->n].lit = lit;
	f->nodes[f->n].expr = e;
	f->n++;
}

struct http_fmt *http_fmt_parse(struct proxy *px, const char *s, char *err, size_t errlen)
{
	struct http_fmt *f = xcalloc(1, sizeof(*f));
	const char *lit = s;

	while (*s) {
		if (s[0] == '%' && s[1] == '[') {
			const char *end = strchr(s + 2, ']');
			char expr[1024];
			struct sample_expr *e;

			if (!end || (size_t)(end - s - 2) >= sizeof(expr)) {
				snprintf(err, errlen, "missing closing ']' in format '%s'", lit);
				goto fail;
			}
			if (s > lit)
				fmt_add(f, xasprintf("%.*s", (int)(s - lit), lit), NULL);
			memcpy(expr, s + 2, (size_t)(end - s - 2));
			expr[end - s - 2] = 0;
			e = sample_expr_parse(px, expr, err, errlen);
			if (!e)
				goto fail;
			fmt_add(f, NULL, e);
			s = lit = end + 1;
			continue;
		}
		if (s[0] == '%' && ((s[1] >= 'a' && s[1] <= 'z') || (s[1] >= 'A' && s[1] <= 'Z'))) {
			/* log-format variables that have a sample equivalent */
			static const struct { const char *var, *expr; } vars[] = {
				{ "ci", "src" }, { "cp", "src_port" }, { "fi", "dst" }, { "fp", "dst_port" },
				{ "HM", "method" }, { "HP", "path" }, { "HQ", "query" }, { "HU", "url" },
				{ "HV", "req.ver" },
			};
			size_t vl = 1;
			const char *expr = NULL;
			struct sample_expr *e;

			while ((s[vl] >= 'a' && s[vl] <= 'z') || (s[vl] >= 'A' && s[vl] <= 'Z'))
				vl++;
			for (size_t k = 0; k < ARRAY_SIZE(vars); k++)
				if (strlen(vars[k].var) == vl - 1 && strncmp(s + 1, vars[k].var, vl - 1) == 0)
					expr = vars[k].expr;
			if (!expr) {
				snprintf(err, errlen, "format variable '%.*s' is not supported by vigil-proxy yet (use %%[...] sample expressions)",
					 (int)vl, s);
				goto fail;
			}
			if (s > lit)
				fmt_add(f, xasprintf("%.*s", (int)(s - lit), lit), NULL);
			e = sample_expr_parse(px, expr, err, errlen);
			if (!e)
				goto fail;
			fmt_add(f, NULL, e);
			s = lit = s + vl;
			continue;
		}
		if (s[0] == '%' && s[1] == '%') {
			fmt_add(f, xasprintf("%.*s%%", (int)(s - lit), lit), NULL);
			s = lit = s + 2;
			continue;
		}
		s++;
	}
	if (s > lit)
		fmt_add(f, xasprintf("%.*s", (int)(s - lit), lit), NULL);
	return f;
fail:
	http_fmt_free(f);
	return NULL;
}

bool http_fmt_is_const(const struct http_fmt *f)
{
	for (int i = 0; i < f->n; i++)
		if (f->nodes[i].expr)
			return false;
	return true;
}

void http_fmt_eval(const struct http_fmt *f, struct http_txn *txn, struct strbuf *out)
{
	struct smp s;

	for (int i = 0; i < f->n; i++) {
		if (f->nodes[i].lit) {
			sb_puts(out, f->nodes[i].lit);
			continue;
		}
		if (sample_eval(f->nodes[i].expr, txn, 0, &s))
			sb_append(out, s.p, s.len);
	}
}

void http_fmt_free(struct http_fmt *f)
{
	if (!f)
		return;
	for (int i = 0; i < f->n; i++) {
		free(f->nodes[i].lit);
		sample_expr_free(f->nodes[i].expr);
	}
	free(f->nodes);
	free(f);
}

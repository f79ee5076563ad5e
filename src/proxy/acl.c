#include "proxy/acl.h"
#include "proxy/proxy.h"
#include "lib/util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum acl_crit { CRIT_SRC, CRIT_DST, CRIT_SRC_PORT, CRIT_DST_PORT, CRIT_TRUE, CRIT_FALSE };

/* One value: a network (family, address, prefix length) or a port range. */
struct acl_val {
	int family;                /* AF_INET / AF_INET6 for networks */
	uint8_t addr[16];
	int plen;
	long long lo, hi;          /* ports, inclusive */
};

/* An ACL; several `acl` lines with the same name form one ACL whose
 * expressions are ORed. */
struct acl_expr {
	enum acl_crit crit;
	struct acl_val *vals;      /* from malloc() */
	int nvals;
	struct acl_expr *next;
};

struct acl {
	char *name;                /* from malloc(); NULL for anonymous ACLs */
	struct acl_expr *exprs;
	struct acl *next;
};

struct acl_term {
	struct acl *acl;           /* named: owned by the proxy; anonymous: by the term */
	bool anonymous;
	bool negate;
};

/* OR of AND-groups. */
struct acl_cond {
	bool unless;
	struct acl_term **groups;  /* groups[i] is an array of nterms[i] terms */
	int *nterms;
	int ngroups;
};

static const struct {
	const char *name;
	enum acl_crit crit;
} acl_crits[] = {
	{ "src", CRIT_SRC }, { "dst", CRIT_DST },
	{ "src_port", CRIT_SRC_PORT }, { "dst_port", CRIT_DST_PORT },
	{ "always_true", CRIT_TRUE }, { "always_false", CRIT_FALSE },
};

/* Fetches of the HTTP layer (and a few prefixes of their families). */
static const char *const http_fetches[] = {
	"base", "base32", "base32+src", "capture.req.", "capture.res.", "cook", "cook_",
	"hdr", "hdr_", "http_", "method", "path", "path_", "query", "req.", "res.",
	"req_ver", "resp_ver", "scook", "shdr", "status", "url", "url_", "url32",
	"url32+src", "urlp", "urlp_", "txn.", "unique-id", "http_auth", NULL,
};

static const char *const track_fetches[] = {
	"sc_", "sc0_", "sc1_", "sc2_", "src_conn", "src_http", "src_sess", "src_bytes",
	"src_gpc", "src_get_gpc", "src_inc_gpc", "src_clr_gpc", "src_kbytes", "src_updt",
	"src_is_local", "src_err", "src_glitch", "table_", "be_", "fe_", "srv_", "nbsrv",
	"connslots", "queue", "avg_queue", NULL,
};

static bool matches_prefixes(const char *name, const char *const *list)
{
	for (; *list; list++) {
		size_t n = strlen(*list);

		if ((*list)[n - 1] == '_' || (*list)[n - 1] == '.') {
			if (strncmp(name, *list, n) == 0)
				return true;
		} else if (strcmp(name, *list) == 0) {
			return true;
		}
	}
	return false;
}

static void acl_free_one(struct acl *a)
{
	struct acl_expr *e, *next;

	if (!a)
		return;
	for (e = a->exprs; e; e = next) {
		next = e->next;
		free(e->vals);
		free(e);
	}
	free(a->name);
	free(a);
}

void acl_list_free(struct acl *list)
{
	struct acl *next;

	for (; list; list = next) {
		next = list->next;
		acl_free_one(list);
	}
}

static int parse_net(const char *s, struct acl_val *v)
{
	char host[INET6_ADDRSTRLEN + 8];
	const char *slash = strchr(s, '/');
	size_t hlen = slash ? (size_t)(slash - s) : strlen(s);
	long long plen;

	if (hlen == 0 || hlen >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, hlen);
	host[hlen] = 0;
	memset(v, 0, sizeof(*v));
	if (inet_pton(AF_INET, host, v->addr) == 1) {
		v->family = AF_INET;
		v->plen = 32;
		if (slash) {
			struct in_addr mask;

			if (parse_int(slash + 1, 0, 32, &plen) == 0) {
				v->plen = (int)plen;
			} else if (inet_pton(AF_INET, slash + 1, &mask) == 1) {
				uint32_t m = ntohl(mask.s_addr);
				int n = 0;

				while (n < 32 && (m & (0x80000000u >> n)))
					n++;
				if (n < 32 && (m << n) != 0)
					return -EINVAL;   /* not contiguous */
				v->plen = n;
			} else {
				return -EINVAL;
			}
		}
	} else if (inet_pton(AF_INET6, host, v->addr) == 1) {
		v->family = AF_INET6;
		v->plen = 128;
		if (slash) {
			if (parse_int(slash + 1, 0, 128, &plen))
				return -EINVAL;
			v->plen = (int)plen;
		}
	} else {
		return -EINVAL;
	}
	return 0;
}

/* Ports: "N", "A:B", ":B", "A:"; operators are handled by the caller. */
static int parse_port_range(const char *s, struct acl_val *v)
{
	const char *colon = strchr(s, ':');
	char buf[32];

	memset(v, 0, sizeof(*v));
	if (!colon)
		return parse_int(s, 0, 65535, &v->lo) ? -EINVAL : (v->hi = v->lo, 0);
	if ((size_t)(colon - s) >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, (size_t)(colon - s));
	buf[colon - s] = 0;
	v->lo = 0;
	v->hi = 65535;
	if (buf[0] && parse_int(buf, 0, 65535, &v->lo))
		return -EINVAL;
	if (colon[1] && parse_int(colon + 1, 0, 65535, &v->hi))
		return -EINVAL;
	return v->lo <= v->hi ? 0 : -EINVAL;
}

static void add_val(struct acl_expr *e, const struct acl_val *v)
{
	e->vals = xrealloc(e->vals, sizeof(*e->vals) * (size_t)(e->nvals + 1));
	e->vals[e->nvals++] = *v;
}

static int add_value(struct acl_expr *e, const char *aclname, const char *s,
		     char *err, size_t errlen)
{
	struct acl_val v;

	if (e->crit == CRIT_SRC || e->crit == CRIT_DST) {
		if (parse_net(s, &v) < 0) {
			snprintf(err, errlen, "error detected while parsing ACL '%s' : '%s' is not a valid IPv4 or IPv6 address",
				 aclname, s);
			return -EINVAL;
		}
	} else if (parse_port_range(s, &v) < 0) {
		snprintf(err, errlen, "error detected while parsing ACL '%s' : '%s' is not a valid port or port range",
			 aclname, s);
		return -EINVAL;
	}
	add_val(e, &v);
	return 0;
}

static int load_values_file(struct acl_expr *e, const char *aclname, const char *path,
			    char *err, size_t errlen)
{
	FILE *fp = fopen(path, "re");
	char line[512];
	int rc = 0;

	if (!fp) {
		snprintf(err, errlen, "error detected while parsing ACL '%s' : failed to open pattern file <%s>",
			 aclname, path);
		return -EINVAL;
	}
	while (rc == 0 && fgets(line, sizeof(line), fp)) {
		char *s = line, *end;

		while (*s == ' ' || *s == '\t')
			s++;
		end = s + strcspn(s, " \t\r\n#");
		*end = 0;
		if (*s)
			rc = add_value(e, aclname, s, err, errlen);
	}
	fclose(fp);
	return rc;
}

/* Parse `CRITERION [flags] VALUE...` up to `stop` (NULL or "}"), into a new
 * expression. *used gets the number of words consumed. */
static struct acl_expr *expr_parse(char **args, const char *aclname, const char *stop, int *used,
				   char *err, size_t errlen)
{
	struct acl_expr *e;
	char fetch[128];
	const char *paren;
	size_t flen;
	int i = 1, crit = -1;
	size_t k;
	const char *op = NULL;

	if (!args[0] || !*args[0] || (stop && strcmp(args[0], stop) == 0)) {
		snprintf(err, errlen, "missing fetch method in ACL expression '%s'", aclname);
		return NULL;
	}
	paren = strchr(args[0], '(');
	flen = paren ? (size_t)(paren - args[0]) : strlen(args[0]);
	if (flen >= sizeof(fetch))
		flen = sizeof(fetch) - 1;
	memcpy(fetch, args[0], flen);
	fetch[flen] = 0;
	for (k = 0; k < ARRAY_SIZE(acl_crits); k++)
		if (strcmp(fetch, acl_crits[k].name) == 0)
			crit = (int)acl_crits[k].crit;
	if (crit < 0 || paren) {
		if (matches_prefixes(fetch, http_fetches))
			snprintf(err, errlen, "ACL criterion '%s' needs 'mode http', not supported by vigil-proxy yet", fetch);
		else if (strncmp(fetch, "ssl_", 4) == 0 || strncmp(fetch, "req_ssl", 7) == 0 ||
			 strncmp(fetch, "req.ssl", 7) == 0)
			snprintf(err, errlen, "ACL criterion '%s' needs TLS ('ssl'), which is not supported by vigil-proxy yet", fetch);
		else if (matches_prefixes(fetch, track_fetches))
			snprintf(err, errlen, "ACL criterion '%s' is not supported by vigil-proxy yet", fetch);
		else
			snprintf(err, errlen, "unknown fetch method '%s' in ACL expression '%s'", fetch, args[0]);
		return NULL;
	}
	e = xcalloc(1, sizeof(*e));
	e->crit = (enum acl_crit)crit;

	/* flags */
	while (args[i] && args[i][0] == '-' && !(stop && strcmp(args[i], stop) == 0)) {
		if (strcmp(args[i], "--") == 0) {
			i++;
			break;
		} else if (strcmp(args[i], "-i") == 0 || strcmp(args[i], "-n") == 0) {
			i++;
		} else if (strcmp(args[i], "-u") == 0 || strcmp(args[i], "-m") == 0 ||
			   strcmp(args[i], "-f") == 0) {
			if (!args[i + 1]) {
				snprintf(err, errlen, "'%s' expects an argument", args[i]);
				goto fail;
			}
			if (strcmp(args[i], "-m") == 0 && strcmp(args[i + 1], "ip") != 0 &&
			    strcmp(args[i + 1], "int") != 0 && strcmp(args[i + 1], "found") != 0) {
				snprintf(err, errlen, "error detected while parsing ACL '%s' : match method '%s' is not supported with criterion '%s' by vigil-proxy",
					 aclname, args[i + 1], fetch);
				goto fail;
			}
			if (strcmp(args[i], "-f") == 0 &&
			    load_values_file(e, aclname, args[i + 1], err, errlen) < 0)
				goto fail;
			i += 2;
		} else {
			snprintf(err, errlen, "error detected while parsing ACL '%s' : '%s' is not a valid flag (-i, -n, -u, -m, -f, --)",
				 aclname, args[i]);
			goto fail;
		}
	}

	for (; args[i] && !(stop && strcmp(args[i], stop) == 0); i++) {
		if (e->crit == CRIT_TRUE || e->crit == CRIT_FALSE) {
			snprintf(err, errlen, "error detected while parsing ACL '%s' : '%s' takes no value (got '%s')",
				 aclname, fetch, args[i]);
			goto fail;
		}
		if ((e->crit == CRIT_SRC_PORT || e->crit == CRIT_DST_PORT) && !op &&
		    (!strcmp(args[i], "gt") || !strcmp(args[i], "ge") || !strcmp(args[i], "lt") ||
		     !strcmp(args[i], "le") || !strcmp(args[i], "eq"))) {
			struct acl_val v;
			long long n;

			op = args[i];
			if (!args[i + 1] || parse_int(args[i + 1], 0, 65535, &n)) {
				snprintf(err, errlen, "error detected while parsing ACL '%s' : '%s' expects a port number",
					 aclname, op);
				goto fail;
			}
			memset(&v, 0, sizeof(v));
			v.lo = 0;
			v.hi = 65535;
			if (!strcmp(op, "gt"))
				v.lo = n + 1;
			else if (!strcmp(op, "ge"))
				v.lo = n;
			else if (!strcmp(op, "lt"))
				v.hi = n - 1;
			else if (!strcmp(op, "le"))
				v.hi = n;
			else
				v.lo = v.hi = n;
			add_val(e, &v);
			i++;
			continue;
		}
		if (add_value(e, aclname, args[i], err, errlen) < 0)
			goto fail;
	}
	if (e->nvals == 0 && e->crit != CRIT_TRUE && e->crit != CRIT_FALSE) {
		snprintf(err, errlen, "error detected while parsing ACL '%s' : criterion '%s' expects at least one value",
			 aclname, fetch);
		goto fail;
	}
	*used = i;
	return e;
fail:
	free(e->vals);
	free(e);
	return NULL;
}

static struct acl *acl_find(struct acl *list, const char *name)
{
	for (; list; list = list->next)
		if (strcmp(list->name, name) == 0)
			return list;
	return NULL;
}

int acl_parse(struct proxy *px, char **args, char *err, size_t errlen)
{
	struct acl_expr *e;
	struct acl *a;
	const char *p;
	int used;

	if (!args[0] || !*args[0]) {
		snprintf(err, errlen, "'acl' expects an ACL name and a criterion");
		return -EINVAL;
	}
	for (p = args[0]; *p; p++) {
		if (!(*p >= 'a' && *p <= 'z') && !(*p >= 'A' && *p <= 'Z') &&
		    !(*p >= '0' && *p <= '9') && !strchr("-_.:", *p)) {
			snprintf(err, errlen, "'acl' : invalid character '%c' in ACL name '%s'", *p, args[0]);
			return -EINVAL;
		}
	}
	if (!strcmp(args[0], "or") || !strcmp(args[0], "TRUE") || !strcmp(args[0], "FALSE") ||
	    !strcmp(args[0], "LOCALHOST")) {
		snprintf(err, errlen, "'acl' : '%s' is a reserved ACL name", args[0]);
		return -EINVAL;
	}
	e = expr_parse(args + 1, args[0], NULL, &used, err, errlen);
	if (!e)
		return -EINVAL;
	a = acl_find(px->acls, args[0]);
	if (!a) {
		struct acl **tail = &px->acls;

		a = xcalloc(1, sizeof(*a));
		a->name = xstrdup(args[0]);
		while (*tail)
			tail = &(*tail)->next;
		*tail = a;
	}
	e->next = a->exprs;
	a->exprs = e;
	return 0;
}

/* Predefined ACLs, built on first use in a proxy's list (so they are freed
 * with it). */
static struct acl *predefined(struct proxy *px, const char *name)
{
	static const char *const defs[][3] = {
		{ "TRUE", "always_true", NULL },
		{ "FALSE", "always_false", NULL },
		{ "LOCALHOST", "src", "127.0.0.1/8" },
	};
	char errbuf[64];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(defs); i++) {
		char *args[4];

		if (strcmp(name, defs[i][0]) != 0)
			continue;
		args[0] = (char *)defs[i][0];
		args[1] = (char *)defs[i][1];
		args[2] = (char *)defs[i][2];
		args[3] = NULL;
		/* acl_parse refuses reserved names; build it directly */
		{
			int used;
			struct acl_expr *e = expr_parse(args + 1, name, NULL, &used, errbuf, sizeof(errbuf));
			struct acl *a = xcalloc(1, sizeof(*a)), **tail = &px->acls;

			a->name = xstrdup(name);
			a->exprs = e;
			while (*tail)
				tail = &(*tail)->next;
			*tail = a;
			return a;
		}
	}
	return NULL;
}

void acl_cond_free(struct acl_cond *c)
{
	int g, t;

	if (!c)
		return;
	for (g = 0; g < c->ngroups; g++) {
		for (t = 0; t < c->nterms[g]; t++)
			if (c->groups[g][t].anonymous)
				acl_free_one(c->groups[g][t].acl);
		free(c->groups[g]);
	}
	free(c->groups);
	free(c->nterms);
	free(c);
}

static void cond_add_group(struct acl_cond *c)
{
	c->groups = xrealloc(c->groups, sizeof(*c->groups) * (size_t)(c->ngroups + 1));
	c->nterms = xrealloc(c->nterms, sizeof(*c->nterms) * (size_t)(c->ngroups + 1));
	c->groups[c->ngroups] = NULL;
	c->nterms[c->ngroups] = 0;
	c->ngroups++;
}

static void cond_add_term(struct acl_cond *c, struct acl *a, bool anonymous, bool negate)
{
	int g = c->ngroups - 1;

	c->groups[g] = xrealloc(c->groups[g], sizeof(**c->groups) * (size_t)(c->nterms[g] + 1));
	c->groups[g][c->nterms[g]].acl = a;
	c->groups[g][c->nterms[g]].anonymous = anonymous;
	c->groups[g][c->nterms[g]].negate = negate;
	c->nterms[g]++;
}

struct acl_cond *acl_cond_parse(struct proxy *px, char **args, char *err, size_t errlen)
{
	struct acl_cond *c;
	int i = 1;
	bool negate = false;

	if (!args[0] || (strcmp(args[0], "if") != 0 && strcmp(args[0], "unless") != 0)) {
		snprintf(err, errlen, "expects 'if' or 'unless' followed by a condition");
		return NULL;
	}
	c = xcalloc(1, sizeof(*c));
	c->unless = strcmp(args[0], "unless") == 0;
	cond_add_group(c);
	if (!args[1]) {
		snprintf(err, errlen, "missing condition after '%s'", args[0]);
		goto fail;
	}
	while (args[i]) {
		const char *w = args[i];

		if (strcmp(w, "!") == 0) {
			negate = !negate;
			i++;
			continue;
		}
		if (strcmp(w, "||") == 0 || strcmp(w, "or") == 0) {
			if (negate || c->nterms[c->ngroups - 1] == 0) {
				snprintf(err, errlen, "misplaced '%s' in condition", w);
				goto fail;
			}
			cond_add_group(c);
			i++;
			continue;
		}
		if (w[0] == '!' && w[1]) {
			/* "!name" and "!{" */
			negate = !negate;
			w++;
		}
		if (strcmp(w, "{") == 0) {
			struct acl *a;
			struct acl_expr *e;
			int used;

			e = expr_parse(args + i + 1, "anonymous", "}", &used, err, errlen);
			if (!e)
				goto fail;
			if (!args[i + 1 + used]) {
				free(e->vals);
				free(e);
				snprintf(err, errlen, "missing closing '}' in condition");
				goto fail;
			}
			a = xcalloc(1, sizeof(*a));
			a->exprs = e;
			cond_add_term(c, a, true, negate);
			i += used + 2;
			negate = false;
			continue;
		}
		{
			struct acl *a = acl_find(px->acls, w);

			if (!a)
				a = predefined(px, w);
			if (!a) {
				snprintf(err, errlen, "no such ACL : '%s'", w);
				goto fail;
			}
			cond_add_term(c, a, false, negate);
		}
		negate = false;
		i++;
	}
	if (negate || c->nterms[c->ngroups - 1] == 0) {
		snprintf(err, errlen, "incomplete condition after '%s'", args[i - 1]);
		goto fail;
	}
	return c;
fail:
	acl_cond_free(c);
	return NULL;
}

/* The address as IPv4 when it is an IPv4-mapped IPv6 address. */
static int sa_family_addr(const struct sockaddr *sa, uint8_t out[16], int *port)
{
	if (!sa)
		return -1;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;

		memcpy(out, &sin->sin_addr, 4);
		*port = ntohs(sin->sin_port);
		return AF_INET;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;

		*port = ntohs(sin6->sin6_port);
		if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
			memcpy(out, sin6->sin6_addr.s6_addr + 12, 4);
			return AF_INET;
		}
		memcpy(out, &sin6->sin6_addr, 16);
		return AF_INET6;
	}
	return -1;
}

static bool prefix_match(const uint8_t *a, const uint8_t *b, int plen)
{
	int full = plen / 8, rest = plen % 8;

	if (memcmp(a, b, (size_t)full) != 0)
		return false;
	if (rest) {
		uint8_t mask = (uint8_t)(0xff << (8 - rest));

		return (a[full] & mask) == (b[full] & mask);
	}
	return true;
}

static bool expr_eval(const struct acl_expr *e, const struct sockaddr *src,
		      const struct sockaddr *dst)
{
	uint8_t addr[16];
	int fam, port = 0, i;

	switch (e->crit) {
	case CRIT_TRUE:
		return true;
	case CRIT_FALSE:
		return false;
	case CRIT_SRC:
	case CRIT_DST:
		fam = sa_family_addr(e->crit == CRIT_SRC ? src : dst, addr, &port);
		for (i = 0; i < e->nvals; i++)
			if (e->vals[i].family == fam && prefix_match(addr, e->vals[i].addr, e->vals[i].plen))
				return true;
		return false;
	case CRIT_SRC_PORT:
	case CRIT_DST_PORT:
		if (sa_family_addr(e->crit == CRIT_SRC_PORT ? src : dst, addr, &port) < 0)
			return false;
		for (i = 0; i < e->nvals; i++)
			if (port >= e->vals[i].lo && port <= e->vals[i].hi)
				return true;
		return false;
	}
	return false;
}

static bool acl_eval(const struct acl *a, const struct sockaddr *src, const struct sockaddr *dst)
{
	const struct acl_expr *e;

	for (e = a->exprs; e; e = e->next)
		if (expr_eval(e, src, dst))
			return true;
	return false;
}

bool acl_cond_eval(const struct acl_cond *c, const struct sockaddr *src,
		   const struct sockaddr *dst)
{
	bool res = false;
	int g, t;

	for (g = 0; g < c->ngroups && !res; g++) {
		bool all = true;

		for (t = 0; t < c->nterms[g] && all; t++) {
			bool v = acl_eval(c->groups[g][t].acl, src, dst);

			all = c->groups[g][t].negate ? !v : v;
		}
		res = all;
	}
	return c->unless ? !res : res;
}

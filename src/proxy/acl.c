#include "proxy/acl.h"
#include "proxy/http_txn.h"
#include "proxy/proxy.h"
#include "proxy/sample.h"
#include "proxy/userlist.h"
#include "lib/util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum acl_crit { CRIT_SRC, CRIT_DST, CRIT_SRC_PORT, CRIT_DST_PORT, CRIT_TRUE, CRIT_FALSE,
		CRIT_SMP /* any sample fetch (sample.h) with a match method */ };

/* Match methods of sample criteria (-m). */
enum acl_match { M_STR, M_BEG, M_END, M_SUB, M_REG, M_DOM, M_DIR, M_FOUND, M_INT, M_IP,
		 M_LEN, M_BOOL, M_GROUP /* http_auth_group */ };

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
	struct acl_val *vals;      /* from malloc(); networks and integer ranges */
	int nvals;
	/* CRIT_SMP */
	struct sample_expr *smp;
	enum acl_match match;
	bool icase;                /* -i */
	bool to_int;               /* hdr_val, urlp_val: value read as an integer */
	char **strs;               /* string patterns, from malloc() */
	regex_t *res;              /* compiled for M_REG, one per string */
	int nstrs;
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

static void expr_free(struct acl_expr *e)
{
	for (int i = 0; i < e->nstrs; i++) {
		if (e->res)
			regfree(&e->res[i]);
		free(e->strs[i]);
	}
	free(e->res);
	free(e->strs);
	sample_expr_free(e->smp);
	free(e->vals);
	free(e);
}

static void acl_free_one(struct acl *a)
{
	struct acl_expr *e, *next;

	if (!a)
		return;
	for (e = a->exprs; e; e = next) {
		next = e->next;
		expr_free(e);
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

/* ---- sample criteria ---- */

/* Derived names: FETCH_SUFFIX means FETCH with a match method. */
static const struct {
	const char *suffix;
	enum acl_match m;
} suffixes[] = {
	{ "_beg", M_BEG }, { "_end", M_END }, { "_sub", M_SUB }, { "_reg", M_REG },
	{ "_dom", M_DOM }, { "_dir", M_DIR }, { "_len", M_LEN }, { "_val", M_INT },
	{ "_found", M_FOUND }, { "_ip", M_IP }, { "_cnt", M_INT },
};

static const struct {
	const char *name;
	enum acl_match m;
} match_names[] = {
	{ "str", M_STR }, { "beg", M_BEG }, { "end", M_END }, { "sub", M_SUB }, { "reg", M_REG },
	{ "dom", M_DOM }, { "dir", M_DIR }, { "found", M_FOUND }, { "int", M_INT }, { "ip", M_IP },
	{ "len", M_LEN }, { "bool", M_BOOL },
};

static void add_str(struct acl_expr *e, const char *s)
{
	e->strs = xrealloc(e->strs, sizeof(*e->strs) * (size_t)(e->nstrs + 1));
	e->strs[e->nstrs++] = xstrdup(s);
}

static int add_int_value(struct acl_expr *e, const char *op, const char *num, const char *aclname,
			 char *err, size_t errlen)
{
	struct acl_val v;
	long long n;

	memset(&v, 0, sizeof(v));
	v.lo = LLONG_MIN;
	v.hi = LLONG_MAX;
	if (!op) {
		const char *colon = strchr(num, ':');

		if (colon) {
			char a[32];

			snprintf(a, sizeof(a), "%.*s", (int)(colon - num), num);
			if ((a[0] && parse_int(a, LLONG_MIN, LLONG_MAX, &v.lo)) ||
			    (colon[1] && parse_int(colon + 1, LLONG_MIN, LLONG_MAX, &v.hi)))
				goto bad;
		} else {
			if (parse_int(num, LLONG_MIN, LLONG_MAX, &n))
				goto bad;
			v.lo = v.hi = n;
		}
	} else {
		if (!num || parse_int(num, LLONG_MIN + 1, LLONG_MAX - 1, &n))
			goto bad;
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
	}
	add_val(e, &v);
	return 0;
bad:
	snprintf(err, errlen, "error detected while parsing ACL '%s' : '%s' is not a number", aclname,
		 num ? num : op);
	return -EINVAL;
}

static int smp_add_pattern(struct acl_expr *e, const char *aclname, const char *s, char *err, size_t errlen)
{
	struct acl_val v;

	switch (e->match) {
	case M_INT:
	case M_LEN:
		return add_int_value(e, NULL, s, aclname, err, errlen);
	case M_IP:
		if (parse_net(s, &v) < 0) {
			snprintf(err, errlen, "error detected while parsing ACL '%s' : '%s' is not a valid IPv4 or IPv6 address",
				 aclname, s);
			return -EINVAL;
		}
		add_val(e, &v);
		return 0;
	case M_FOUND:
	case M_BOOL:
		snprintf(err, errlen, "error detected while parsing ACL '%s' : match method '%s' takes no pattern (got '%s')",
			 aclname, e->match == M_FOUND ? "found" : "bool", s);
		return -EINVAL;
	default:
		add_str(e, s);
		return 0;
	}
}

static int smp_load_file(struct acl_expr *e, const char *aclname, const char *path, char *err, size_t errlen)
{
	FILE *fp = fopen(path, "re");
	char line[1024];
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
		if (*s == '#')
			continue;
		end = s + strcspn(s, "\r\n");
		while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		*end = 0;
		if (*s)
			rc = smp_add_pattern(e, aclname, s, err, errlen);
	}
	fclose(fp);
	return rc;
}

static struct acl_expr *smp_expr_parse(struct proxy *px, char **args, const char *aclname, const char *stop,
				       int *used, char *err, size_t errlen)
{
	struct acl_expr *e = xcalloc(1, sizeof(*e));
	char expr[512], serr[256];
	const char *w = args[0], *paren = strchr(w, '(');
	size_t nlen = paren ? (size_t)(paren - w) : strlen(w);
	int i = 1, explicit_match = -1;
	const char *op = NULL;
	char **files = NULL;
	int nfiles = 0;

	e->crit = CRIT_SMP;
	snprintf(expr, sizeof(expr), "%s", w);
	e->smp = sample_expr_parse(px, expr, serr, sizeof(serr));
	if (e->smp) {
		switch (sample_expr_type(e->smp)) {
		case SMP_T_INT: e->match = M_INT; break;
		case SMP_T_IP: e->match = M_IP; break;
		case SMP_T_BOOL: e->match = M_BOOL; break;
		default: e->match = M_STR; break;
		}
		if (!strncmp(w, "http_auth_group", 15))
			e->match = M_GROUP;
	} else {
		/* FETCH_SUFFIX */
		for (size_t k = 0; k < ARRAY_SIZE(suffixes) && !e->smp; k++) {
			size_t sl = strlen(suffixes[k].suffix);
			char base[128];

			if (nlen <= sl || nlen - sl >= sizeof(base) ||
			    memcmp(w + nlen - sl, suffixes[k].suffix, sl) != 0)
				continue;
			snprintf(base, sizeof(base), "%.*s", (int)(nlen - sl), w);
			if (!strcmp(suffixes[k].suffix, "_cnt") || !strcmp(base, "url_param"))
				continue;
			if (!strcmp(base, "urlp") || !strcmp(base, "cook") || !strcmp(base, "scook"))
				;
			else if (!sample_fetch_known(base))
				continue;
			snprintf(expr, sizeof(expr), "%s%s", base, paren ? paren : "");
			e->smp = sample_expr_parse(px, expr, serr, sizeof(serr));
			e->match = suffixes[k].m;
			e->to_int = !strcmp(suffixes[k].suffix, "_val");
		}
		if (!e->smp) {
			char fetch[128];

			snprintf(fetch, sizeof(fetch), "%.*s", (int)nlen, w);
			if (strncmp(fetch, "ssl_", 4) == 0 || strncmp(fetch, "req_ssl", 7) == 0 ||
			    strncmp(fetch, "req.ssl", 7) == 0)
				snprintf(err, errlen, "ACL criterion '%s' is not supported by vigil-proxy yet", fetch);
			else if (matches_prefixes(fetch, http_fetches) || matches_prefixes(fetch, track_fetches))
				snprintf(err, errlen, "ACL criterion '%s' is not supported by vigil-proxy yet", fetch);
			else if (strstr(serr, "unknown fetch method"))
				if (strcmp(aclname, "anonymous") == 0)
					snprintf(err, errlen, "unknown fetch method '%s' in ACL expression '%s'", fetch, w);
				else
					snprintf(err, errlen, "error detected while parsing ACL '%s' : unknown fetch method '%s' in ACL expression '%s'.",
						 aclname, fetch, w);
			else
				snprintf(err, errlen, "error detected while parsing ACL '%s' : %s", aclname, serr);
			goto fail;
		}
	}

	/* flags */
	while (args[i] && args[i][0] == '-' && !(stop && strcmp(args[i], stop) == 0)) {
		const char *f = args[i];

		if (strcmp(f, "--") == 0) {
			i++;
			break;
		} else if (strcmp(f, "-i") == 0) {
			e->icase = true;
			i++;
		} else if (strcmp(f, "-n") == 0) {
			i++;
		} else if (strcmp(f, "-u") == 0 || strcmp(f, "-m") == 0 || strcmp(f, "-f") == 0 ||
			   strcmp(f, "-M") == 0) {
			if (!args[i + 1] && strcmp(f, "-m") == 0) {
				snprintf(err, errlen, "error detected while parsing ACL '%s' : unknown matching method '' when parsing ACL expression.",
					 aclname);
				goto fail;
			}
			if (!args[i + 1]) {
				snprintf(err, errlen, "'%s' expects an argument", f);
				goto fail;
			}
			if (strcmp(f, "-m") == 0) {
				size_t k;

				for (k = 0; k < ARRAY_SIZE(match_names); k++)
					if (strcmp(args[i + 1], match_names[k].name) == 0)
						explicit_match = (int)match_names[k].m;
				if (explicit_match < 0) {
					snprintf(err, errlen, "error detected while parsing ACL '%s' : unknown matching method '%s' when parsing ACL expression.",
						 aclname, args[i + 1]);
					goto fail;
				}
				e->match = (enum acl_match)explicit_match;
			} else if (strcmp(f, "-f") == 0) {
				files = xrealloc(files, sizeof(*files) * (size_t)(nfiles + 1));
				files[nfiles++] = args[i + 1];
			}
			i += 2;
		} else {
			snprintf(err, errlen, "error detected while parsing ACL '%s' : '%s' is not a valid flag (-i, -n, -u, -m, -f, --)",
				 aclname, f);
			goto fail;
		}
	}
	for (int k = 0; k < nfiles; k++)
		if (smp_load_file(e, aclname, files[k], err, errlen) < 0)
			goto fail;
	for (; args[i] && !(stop && strcmp(args[i], stop) == 0); i++) {
		if ((e->match == M_INT || e->match == M_LEN) && !op &&
		    (!strcmp(args[i], "gt") || !strcmp(args[i], "ge") || !strcmp(args[i], "lt") ||
		     !strcmp(args[i], "le") || !strcmp(args[i], "eq"))) {
			op = args[i];
			if (add_int_value(e, op, args[i + 1], aclname, err, errlen) < 0)
				goto fail;
			i++;
			continue;
		}
		if (smp_add_pattern(e, aclname, args[i], err, errlen) < 0)
			goto fail;
	}
	if (e->match == M_REG && e->nstrs) {
		e->res = xcalloc((size_t)e->nstrs, sizeof(*e->res));
		for (int k = 0; k < e->nstrs; k++) {
			if (regcomp(&e->res[k], e->strs[k], REG_EXTENDED | REG_NOSUB | (e->icase ? REG_ICASE : 0)) != 0) {
				snprintf(err, errlen, "error detected while parsing ACL '%s' : invalid regex '%s'",
					 aclname, e->strs[k]);
				/* keep every entry freeable by expr_free() */
				for (int j = k; j < e->nstrs; j++)
					regcomp(&e->res[j], "x", REG_NOSUB);
				goto fail;
			}
		}
	}
	if (e->match != M_FOUND && e->match != M_BOOL && e->nstrs == 0 && e->nvals == 0 && nfiles == 0) {
		/* HAProxy accepts this and the ACL never matches */
	}
	free(files);
	*used = i;
	return e;
fail:
	free(files);
	expr_free(e);
	return NULL;
}

static bool str_match(const struct acl_expr *e, const char *s, size_t len)
{
	char tmp[SMP_BUFSIZE];

	for (int i = 0; i < e->nstrs; i++) {
		const char *p = e->strs[i];
		size_t pl = strlen(p);
		int (*cmp)(const char *, const char *, size_t) = e->icase ? strncasecmp : strncmp;

		switch (e->match) {
		case M_STR:
			if (pl == len && cmp(s, p, len) == 0)
				return true;
			break;
		case M_BEG:
			if (pl <= len && cmp(s, p, pl) == 0)
				return true;
			break;
		case M_END:
			if (pl <= len && cmp(s + len - pl, p, pl) == 0)
				return true;
			break;
		case M_SUB:
			for (size_t k = 0; pl <= len && k + pl <= len; k++)
				if (cmp(s + k, p, pl) == 0)
					return true;
			break;
		case M_DOM:
		case M_DIR: {
			const char *delims = e->match == M_DOM ? "./" : "/";

			for (size_t k = 0; pl && k + pl <= len; k++)
				if ((k == 0 || strchr(delims, s[k - 1])) && cmp(s + k, p, pl) == 0 &&
				    (k + pl == len || strchr(delims, s[k + pl])))
					return true;
			break;
		}
		case M_REG:
			if (len < sizeof(tmp)) {
				memcpy(tmp, s, len);
				tmp[len] = 0;
				if (regexec(&e->res[i], tmp, 0, NULL, 0) == 0)
					return true;
			}
			break;
		default:
			break;
		}
	}
	return false;
}

static bool int_match(const struct acl_expr *e, long long v)
{
	for (int i = 0; i < e->nvals; i++)
		if (v >= e->vals[i].lo && v <= e->vals[i].hi)
			return true;
	return false;
}

static bool ip_match(const struct acl_expr *e, const struct smp *s);

static bool smp_value_match(const struct acl_expr *e, struct smp *s)
{
	switch (e->match) {
	case M_FOUND:
		return true;
	case M_BOOL:
		return s->is_int ? s->num != 0 : s->len > 0;
	case M_INT:
		if (s->is_int && !e->to_int)
			return int_match(e, s->num);
		{
			char tmp[32];
			size_t n = s->len < sizeof(tmp) - 1 ? s->len : sizeof(tmp) - 1;

			memcpy(tmp, s->p, n);
			tmp[n] = 0;
			return int_match(e, strtoll(tmp, NULL, 10));
		}
	case M_LEN:
		return int_match(e, (long long)s->len);
	case M_IP:
		return ip_match(e, s);
	case M_GROUP:
		for (int i = 0; i < e->nstrs; i++)
			if (userlist_in_group(sample_expr_userlist(e->smp), s->p, s->len, e->strs[i]))
				return true;
		return false;
	default:
		return str_match(e, s->p, s->len);
	}
}

static bool smp_expr_eval(const struct acl_expr *e, struct http_txn *txn)
{
	struct smp smp, *s = &smp;   /* a few KB of stack, no allocation */
	bool res = false;

	if (sample_expr_multi(e->smp)) {
		for (int occ = 1; occ <= HTTP_MAX_HDRS && !res; occ++) {
			if (!sample_eval(e->smp, txn, occ, s))
				break;
			res = smp_value_match(e, s);
		}
	} else if (sample_eval(e->smp, txn, 0, s)) {
		res = smp_value_match(e, s);
	}
	return res;
}

/* Parse `CRITERION [flags] VALUE...` up to `stop` (NULL or "}"), into a new
 * expression. *used gets the number of words consumed. */
static struct acl_expr *expr_parse(struct proxy *px, char **args, const char *aclname, const char *stop,
				   int *used, char *err, size_t errlen)
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
	if (crit < 0 || paren)
		return smp_expr_parse(px, args, aclname, stop, used, err, errlen);
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
	expr_free(e);
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
	e = expr_parse(px, args + 1, args[0], NULL, &used, err, errlen);
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
			struct acl_expr *e = expr_parse(px, args + 1, name, NULL, &used, errbuf, sizeof(errbuf));
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

			e = expr_parse(px, args + i + 1, "anonymous", "}", &used, err, errlen);
			if (!e)
				goto fail;
			if (!args[i + 1 + used]) {
				expr_free(e);
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

static bool ip_match(const struct acl_expr *e, const struct smp *s)
{
	uint8_t addr[16];
	int fam, port, i;

	if (s->is_ip) {
		fam = sa_family_addr(s->sa, addr, &port);
	} else {
		char tmp[64];
		size_t n = s->len < sizeof(tmp) - 1 ? s->len : sizeof(tmp) - 1;

		memcpy(tmp, s->p, n);
		tmp[n] = 0;
		if (inet_pton(AF_INET, tmp, addr) == 1)
			fam = AF_INET;
		else if (inet_pton(AF_INET6, tmp, addr) == 1)
			fam = AF_INET6;
		else
			return false;
	}
	for (i = 0; i < e->nvals; i++)
		if (e->vals[i].family == fam && prefix_match(addr, e->vals[i].addr, e->vals[i].plen))
			return true;
	return false;
}

static bool expr_eval(const struct acl_expr *e, const struct sockaddr *src,
		      const struct sockaddr *dst, struct http_txn *txn)
{
	uint8_t addr[16];
	int fam, port = 0, i;

	switch (e->crit) {
	case CRIT_SMP:
		return smp_expr_eval(e, txn);
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

static bool acl_eval(const struct acl *a, const struct sockaddr *src, const struct sockaddr *dst,
		     struct http_txn *txn)
{
	const struct acl_expr *e;

	for (e = a->exprs; e; e = e->next)
		if (expr_eval(e, src, dst, txn))
			return true;
	return false;
}

static bool cond_eval(const struct acl_cond *c, const struct sockaddr *src,
		      const struct sockaddr *dst, struct http_txn *txn)
{
	bool res = false;
	int g, t;

	for (g = 0; g < c->ngroups && !res; g++) {
		bool all = true;

		for (t = 0; t < c->nterms[g] && all; t++) {
			bool v = acl_eval(c->groups[g][t].acl, src, dst, txn);

			all = c->groups[g][t].negate ? !v : v;
		}
		res = all;
	}
	return c->unless ? !res : res;
}

bool acl_cond_eval(const struct acl_cond *c, const struct sockaddr *src,
		   const struct sockaddr *dst)
{
	return cond_eval(c, src, dst, NULL);
}

bool acl_cond_eval_tls(const struct acl_cond *c, const struct sockaddr *src,
		       const struct sockaddr *dst, const struct ssl_sock *ssl)
{
	/* The TLS fetches read the connection from a transaction; a TCP
	 * stream has none, so an empty one per thread carries it (HTTP
	 * criteria are refused in TCP proxies when the file is read). */
	static __thread struct http_txn scratch;

	if (!ssl)
		return cond_eval(c, src, dst, NULL);
	scratch.src = src;
	scratch.dst = dst;
	scratch.ssl = ssl;
	return cond_eval(c, src, dst, &scratch);
}

bool acl_cond_eval_http(const struct acl_cond *c, struct http_txn *txn)
{
	return cond_eval(c, txn->src, txn->dst, txn);
}

const char *acl_cond_http_keyword(const struct acl_cond *c, const char **aclname)
{
	for (int g = 0; c && g < c->ngroups; g++) {
		for (int t = 0; t < c->nterms[g]; t++) {
			const struct acl *a = c->groups[g][t].acl;

			for (const struct acl_expr *e = a->exprs; e; e = e->next) {
				if (e->crit == CRIT_SMP && sample_expr_is_http(e->smp)) {
					*aclname = c->groups[g][t].anonymous ? NULL : a->name;
					return sample_expr_fetch_name(e->smp);
				}
			}
		}
	}
	return NULL;
}

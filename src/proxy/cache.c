/* cache: HAProxy's small object cache (see cache.h). */
#include "proxy/cache.h"
#include "proxy/cfgparse.h"
#include "proxy/http_rules.h"
#include "proxy/http_txn.h"
#include "lib/strbuf.h"
#include "lib/util.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define CACHE_BUCKETS 1024

#define VARY_ENCODING 0x1

struct cache_entry {
	uint64_t hash;
	char *key;                 /* host + uri; from malloc() */
	unsigned vary;             /* VARY_* the response varies on */
	char *encoding;            /* its Content-Encoding, "identity" if none:
				      the variant Vary: accept-encoding selects
				      (HAProxy keys variants on it, not on the
				      request's header); from malloc() */
	int status;
	char *head;                /* header lines "name: value\r\n", without
				      content-length / transfer-encoding /
				      connection / age; from malloc() */
	char *body;                /* from malloc() */
	size_t body_len;
	unsigned long long stored_s, expire_s;
	unsigned long long age0;   /* the origin's Age when stored */
	size_t size;               /* accounted bytes */
	struct cache_entry *hnext; /* bucket chain */
	struct cache_entry *prev, *next; /* LRU list, most recent first */
};

struct cache {
	char *name;                /* from malloc() */
	const char *file;
	int line;
	unsigned long long total_max_bytes;
	unsigned long long max_object_bytes; /* 0: total / 256, as HAProxy */
	unsigned max_age_s;
	bool process_vary;
	int max_secondary;
	/* runtime, under lock */
	pthread_mutex_t lock;
	struct cache_entry *buckets[CACHE_BUCKETS];
	struct cache_entry *lru_head, *lru_tail;
	unsigned long long used_bytes;
	struct cache *next;
};

/* What storing needs from the request, copied while the request head is
 * still in its buffer (it is gone when the response arrives). */
struct cache_req {
	bool get, authorization, no_store;
	char *key;                 /* from malloc() */
	uint64_t hash;
};

struct cache_store {
	struct cache *c;
	uint64_t hash;
	char *key, *encoding;
	unsigned vary;
	int status;
	struct strbuf head, body;
	unsigned long long now_s, ttl_s, age0;
	bool too_big;
};

/* ---- configuration ---- */

static struct cache **cache_list(struct cfgparse *p)
{
	return &p->conf->caches;
}

struct cache *cache_find(const struct pxconf *c, const char *name)
{
	for (struct cache *k = c->caches; k; k = k->next)
		if (strcmp(k->name, name) == 0)
			return k;
	return NULL;
}

struct cache *cache_next(const struct cache *c)
{
	return c->next;
}

const char *cache_name(const struct cache *c)
{
	return c->name;
}

static struct cache *cur_cache(struct cfgparse *p)
{
	return p->sec == SEC_CACHE ? p->conf->caches : NULL;
}

int cfg_cache_section(struct cfgparse *p, char **args, int argc)
{
	struct cache *c;

	if (argc < 2) {
		cfg_alert(p, "'cache' expects a <name> argument");
		p->sec = SEC_SKIP;
		return CFG_ERR;
	}
	if ((c = cache_find(p->conf, args[1])) != NULL) {
		cfg_alert(p, "Duplicate cache name '%s'.", args[1]);
		p->sec = SEC_SKIP;
		return CFG_ERR;
	}
	c = xcalloc(1, sizeof(*c));
	c->name = xstrdup(args[1]);
	c->file = p->file;
	c->line = p->line;
	c->total_max_bytes = 64ULL << 20;   /* HAProxy's default: 64 MB */
	c->max_age_s = 60;
	c->max_secondary = 10;
	pthread_mutex_init(&c->lock, NULL);
	c->next = *cache_list(p);
	*cache_list(p) = c;
	return CFG_OK;
}

/* HAProxy reads these numbers with atoi()/strtol() and checks only some
 * of them; the messages are its own. */
static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

int cfg_cache_line(struct cfgparse *p, char **args, int argc)
{
	struct cache *c = cur_cache(p);
	const char *k = args[0];

	if (!c)
		return CFG_ERR;
	if (strcmp(k, "total-max-size") && strcmp(k, "max-object-size") && strcmp(k, "max-age") &&
	    strcmp(k, "process-vary") && strcmp(k, "max-secondary-entries")) {
		cfg_alert(p, "unknown keyword '%s' in 'cache' section", k);
		return CFG_ERR;
	}
	if (argc < 2) {
		cfg_alert(p, "'%s' expects an argument.", k);
		return CFG_ERR;
	}
	if (!strcmp(k, "total-max-size")) {
		unsigned long long mb = strtoull(args[1], NULL, 10);

		if (!all_digits(args[1])) {
			cfg_alert(p, "total-max-size wrong value '%s'", args[1]);
			return CFG_ERR;
		}
		if (mb > 4095) {
			cfg_alert(p, "\"total-max-size\" (%llu) must not be greater than 4095", mb);
			return CFG_ERR;
		}
		c->total_max_bytes = mb << 20;
	} else if (!strcmp(k, "max-object-size")) {
		if (!all_digits(args[1])) {
			cfg_alert(p, "max-object-size wrong value '%s'", args[1]);
			return CFG_ERR;
		}
		c->max_object_bytes = strtoull(args[1], NULL, 10);
	} else if (!strcmp(k, "max-age")) {
		/* HAProxy takes atoi(): "x" is 0 */
		c->max_age_s = (unsigned)strtoul(args[1], NULL, 10);
	} else if (!strcmp(k, "process-vary")) {
		if (!strcmp(args[1], "on")) {
			c->process_vary = true;
		} else if (!strcmp(args[1], "off")) {
			c->process_vary = false;
		} else {
			cfg_warn(p, "'process-vary' expects \"on\" or \"off\" (enable or disable vary processing).");
			return CFG_WARN;
		}
	} else {
		long v = strtol(args[1], NULL, 10);

		if (!all_digits(args[1]) || v <= 0 || v > 100000) {
			cfg_alert(p, "max-secondary-entries wrong value '%s'", args[1]);
			return CFG_ERR;
		}
		c->max_secondary = (int)v;
	}
	return CFG_OK;
}

/* The largest object stored: max-object-size, by default 1/256 of the
 * total (HAProxy's default), never above half of it. */
static unsigned long long max_object(const struct cache *c)
{
	unsigned long long half = c->total_max_bytes / 2;

	if (!c->max_object_bytes)
		return c->total_max_bytes / 256;
	return c->max_object_bytes > half ? half : c->max_object_bytes;
}

int cfg_cache_check(struct cfgparse *p, struct cache *c)
{
	if (c->max_object_bytes > c->total_max_bytes / 2) {
		cfg_alert_raw(p, "\"max-object-size\" is limited to an half of \"total-max-size\" => %llu",
			      c->total_max_bytes / 2);
		return CFG_ERR;
	}
	return CFG_OK;
}

static void entry_free(struct cache_entry *e)
{
	free(e->key);
	free(e->encoding);
	free(e->head);
	free(e->body);
	free(e);
}

void cache_free_all(struct cache *list)
{
	struct cache *c, *next;

	for (c = list; c; c = next) {
		struct cache_entry *e, *en;

		next = c->next;
		for (e = c->lru_head; e; e = en) {
			en = e->next;
			entry_free(e);
		}
		pthread_mutex_destroy(&c->lock);
		free(c->name);
		free(c);
	}
}

/* ---- request and response helpers ---- */

static bool name_is(const struct http_str *n, const char *name)
{
	size_t l = strlen(name);

	return n->len == l && strncasecmp(n->p, name, l) == 0;
}

static bool streq_ci(const char *p, size_t len, const char *s)
{
	return strlen(s) == len && strncasecmp(p, s, len) == 0;
}

/* Call `fn` on every comma-separated token of every `name` header line. */
static void each_token(const struct http_head *h, const char *name,
		       void (*fn)(void *ctx, const char *p, size_t len), void *ctx)
{
	for (int i = 0; i < h->nhdrs; i++) {
		const char *s, *end;

		if (!name_is(&h->hdrs[i].name, name))
			continue;
		s = h->hdrs[i].value.p;
		end = s + h->hdrs[i].value.len;
		while (s < end) {
			const char *c = memchr(s, ',', (size_t)(end - s)), *e = c ? c : end;
			const char *b = s, *t = e;

			while (b < t && (*b == ' ' || *b == '\t'))
				b++;
			while (t > b && (t[-1] == ' ' || t[-1] == '\t'))
				t--;
			if (t > b)
				fn(ctx, b, (size_t)(t - b));
			s = c ? c + 1 : end;
		}
	}
}

struct cc {
	bool no_cache, no_store, private_, bad_vary;
	long long max_age, s_maxage;   /* -1: absent */
	unsigned vary;
};

static long long directive_value(const char *p, size_t len, const char *name)
{
	size_t n = strlen(name);
	long long v = 0;

	if (len <= n + 1 || strncasecmp(p, name, n) != 0 || p[n] != '=')
		return -1;
	p += n + 1;
	len -= n + 1;
	if (len && *p == '"') {
		p++;
		len -= len > 1 ? 2 : 1;
	}
	if (!len)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		if (v < 1000000000LL)
			v = v * 10 + (p[i] - '0');
	}
	return v;
}

static void cc_token(void *ctx, const char *p, size_t len)
{
	struct cc *cc = ctx;
	long long v;

	if (streq_ci(p, len, "no-cache") || (len > 9 && strncasecmp(p, "no-cache=", 9) == 0))
		cc->no_cache = true;
	else if (streq_ci(p, len, "no-store"))
		cc->no_store = true;
	else if (streq_ci(p, len, "private") || (len > 8 && strncasecmp(p, "private=", 8) == 0))
		cc->private_ = true;
	else if ((v = directive_value(p, len, "s-maxage")) >= 0)
		cc->s_maxage = v;
	else if ((v = directive_value(p, len, "max-age")) >= 0)
		cc->max_age = v;
}

/* HAProxy 2.6 stores variants on accept-encoding only (a response that
 * varies on referer, which it knows, is not answered from its cache
 * either: seen on 2.6.12). */
static void vary_token(void *ctx, const char *p, size_t len)
{
	struct cc *cc = ctx;

	if (streq_ci(p, len, "accept-encoding"))
		cc->vary |= VARY_ENCODING;
	else
		cc->bad_vary = true;
}

/* "host" + uri, the object's primary key. */
static char *primary_key(const struct http_txn *txn, uint64_t *hash)
{
	struct http_str host = { "", 0 };
	uint64_t h = 1469598103934665603ULL;   /* FNV-1a */
	char *k;

	http_hdr_get(&txn->req, "Host", 1, &host);
	k = xasprintf("%.*s%.*s", (int)host.len, host.p, (int)txn->req.uri.len, txn->req.uri.p);
	for (const char *c = k; *c; c++) {
		h ^= (unsigned char)(*c >= 'A' && *c <= 'Z' && c < k + host.len ? *c + 32 : *c);
		h *= 1099511628211ULL;
	}
	*hash = h;
	return k;
}

/* The response's coding, lower case ("identity" without one). */
static char *response_encoding(const struct http_txn *txn)
{
	struct http_str v;
	char *e;

	if (!http_hdr_get(&txn->rsp, "Content-Encoding", -1, &v) || !v.len)
		return xstrdup("identity");
	e = xasprintf("%.*s", (int)v.len, v.p);
	for (char *c = e; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c + 32);
	return e;
}

static bool accepts_coding(void *arg, const char *coding, size_t len, int q)
{
	return q > 0 && ((len == 1 && *coding == '*') || streq_ci(coding, len, arg));
}

/* Whether the request takes a variant in this coding: identity always,
 * others when Accept-Encoding names them (or `*`) with a non-zero q. */
static bool encoding_accepted(const struct http_txn *txn, const char *enc)
{
	return !strcmp(enc, "identity") ||
	       http_accept_encoding_each(&txn->req, accepts_coding, (void *)enc);
}

static bool is_head(const struct http_txn *txn)
{
	return txn->req.meth.len == 4 && memcmp(txn->req.meth.p, "HEAD", 4) == 0;
}

static bool is_get(const struct http_txn *txn)
{
	return txn->req.meth.len == 3 && memcmp(txn->req.meth.p, "GET", 3) == 0;
}

static void no_cache_token(void *ctx, const char *p, size_t len)
{
	bool *b = ctx;

	if (streq_ci(p, len, "no-cache") || streq_ci(p, len, "no-store"))
		*b = true;
}

/* ---- the table ---- */

static void lru_unlink(struct cache *c, struct cache_entry *e)
{
	if (e->prev)
		e->prev->next = e->next;
	else
		c->lru_head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		c->lru_tail = e->prev;
	e->prev = e->next = NULL;
}

static void lru_push(struct cache *c, struct cache_entry *e)
{
	e->prev = NULL;
	e->next = c->lru_head;
	if (c->lru_head)
		c->lru_head->prev = e;
	c->lru_head = e;
	if (!c->lru_tail)
		c->lru_tail = e;
}

static void entry_remove(struct cache *c, struct cache_entry *e)
{
	struct cache_entry **pp = &c->buckets[e->hash % CACHE_BUCKETS];

	while (*pp && *pp != e)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = e->hnext;
	lru_unlink(c, e);
	c->used_bytes -= e->size;
	entry_free(e);
}

bool cache_lookup(struct cache *c, const struct http_txn *txn, unsigned long long now_s,
		  struct http_reply *out)
{
	struct cache_entry *e, *next;
	bool bypass = false, hit = false;
	uint64_t hash;
	char *key;

	if (!is_get(txn) && !is_head(txn))
		return false;
	/* a request with credentials is never answered from the cache */
	if (http_hdr_find(&txn->req, "Authorization", 0) >= 0)
		return false;
	each_token(&txn->req, "Cache-Control", no_cache_token, &bypass);
	each_token(&txn->req, "Pragma", no_cache_token, &bypass);
	if (bypass)
		return false;
	key = primary_key(txn, &hash);
	pthread_mutex_lock(&c->lock);
	for (e = c->buckets[hash % CACHE_BUCKETS]; e; e = next) {
		bool match;

		next = e->hnext;
		if (e->hash != hash || strcmp(e->key, key) != 0)
			continue;
		if (now_s >= e->expire_s) {
			entry_remove(c, e);
			continue;
		}
		match = !(e->vary & VARY_ENCODING) || encoding_accepted(txn, e->encoding);
		if (!match)
			continue;
		sb_reset(&out->head_extra);
		sb_reset(&out->body);
		out->status = e->status;
		out->content_type = NULL;
		out->head_first = false;
		sb_puts(&out->head_extra, e->head);
		sb_appendf(&out->head_extra, "age: %llu\r\n", e->age0 + (now_s - e->stored_s));
		sb_append(&out->body, e->body, e->body_len);
		out->head_only = is_head(txn);
		out->from_cache = true;
		lru_unlink(c, e);
		lru_push(c, e);
		hit = true;
		break;
	}
	pthread_mutex_unlock(&c->lock);
	free(key);
	return hit;
}

/* Seconds from an HTTP date ("Sun, 06 Nov 1994 08:49:37 GMT"), -1 if it
 * is not one. */
static long long http_date(const struct http_str *v)
{
	char buf[64];
	struct tm tm;
	const char *end;

	if (v->len >= sizeof(buf))
		return -1;
	memcpy(buf, v->p, v->len);
	buf[v->len] = 0;
	memset(&tm, 0, sizeof(tm));
	end = strptime(buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	if (!end || *end)
		return -1;
	return (long long)timegm(&tm);
}

struct cache_req *cache_req_new(const struct http_txn *txn)
{
	struct cache_req *rq = xcalloc(1, sizeof(*rq));

	rq->get = is_get(txn);
	rq->authorization = http_hdr_find(&txn->req, "Authorization", 0) >= 0;
	/* a request's no-store forbids storing; its no-cache only skips
	 * the lookup */
	for (int i = 0; i < txn->req.nhdrs; i++)
		if (name_is(&txn->req.hdrs[i].name, "Cache-Control") &&
		    memmem(txn->req.hdrs[i].value.p, txn->req.hdrs[i].value.len, "no-store", 8))
			rq->no_store = true;
	rq->key = primary_key(txn, &rq->hash);
	return rq;
}

void cache_req_free(struct cache_req *rq)
{
	if (!rq)
		return;
	free(rq->key);
	free(rq);
}

struct cache_store *cache_store_begin(struct cache *c, const struct cache_req *rq,
				      const struct http_txn *txn, unsigned long long now_s)
{
	struct cc cc = { .max_age = -1, .s_maxage = -1 };
	struct cache_store *st;
	struct http_str v;
	long long ttl = -1, age0 = 0;

	if (!rq || !rq->get || rq->authorization || rq->no_store || txn->rsp.status != 200)
		return NULL;
	each_token(&txn->rsp, "Cache-Control", cc_token, &cc);
	if (cc.no_cache || cc.no_store || cc.private_)
		return NULL;
	each_token(&txn->rsp, "Vary", vary_token, &cc);
	if ((cc.vary || cc.bad_vary) && (!c->process_vary || cc.bad_vary))
		return NULL;
	if (cc.s_maxage >= 0)
		ttl = cc.s_maxage;
	else if (cc.max_age >= 0)
		ttl = cc.max_age;
	else if (http_hdr_get(&txn->rsp, "Expires", -1, &v)) {
		long long exp = http_date(&v), date = -1;
		struct http_str d;

		if (http_hdr_get(&txn->rsp, "Date", -1, &d))
			date = http_date(&d);
		if (date < 0)
			date = (long long)time(NULL);
		/* an invalid Expires means "already expired" (RFC 9111) */
		ttl = exp < 0 ? 0 : exp - date;
	}
	if (ttl < 0 || ttl > (long long)c->max_age_s)
		ttl = c->max_age_s;
	if (http_hdr_get(&txn->rsp, "Age", -1, &v)) {
		for (size_t i = 0; i < v.len && v.p[i] >= '0' && v.p[i] <= '9' && age0 < 1000000000LL; i++)
			age0 = age0 * 10 + (v.p[i] - '0');
	}
	if (ttl - age0 <= 0)
		return NULL;
	st = xcalloc(1, sizeof(*st));
	st->c = c;
	st->key = xstrdup(rq->key);
	st->hash = rq->hash;
	st->vary = cc.vary;
	st->encoding = response_encoding(txn);
	st->status = txn->rsp.status;
	st->now_s = now_s;
	st->ttl_s = (unsigned long long)(ttl - age0);
	st->age0 = (unsigned long long)age0;
	for (int i = 0; i < txn->rsp.nhdrs; i++) {
		const struct http_hdr *h = &txn->rsp.hdrs[i];

		if (name_is(&h->name, "Content-Length") || name_is(&h->name, "Transfer-Encoding") ||
		    name_is(&h->name, "Connection") || name_is(&h->name, "Keep-Alive") ||
		    name_is(&h->name, "Age"))
			continue;
		sb_append(&st->head, h->name.p, h->name.len);
		sb_puts(&st->head, ": ");
		sb_append(&st->head, h->value.p, h->value.len);
		sb_puts(&st->head, "\r\n");
	}
	if (!st->head.s)
		sb_puts(&st->head, "");
	return st;
}

void cache_store_data(struct cache_store *st, const char *p, size_t n)
{
	if (st->too_big)
		return;
	if (st->body.len + n > max_object(st->c)) {
		st->too_big = true;
		sb_free(&st->body);
		return;
	}
	sb_append(&st->body, p, n);
}

void cache_store_end(struct cache_store *st, bool complete)
{
	struct cache *c;
	struct cache_entry *e, *old, *next;
	int variants = 0;

	if (!st)
		return;
	c = st->c;
	if (!complete || st->too_big)
		goto out;
	e = xcalloc(1, sizeof(*e));
	e->hash = st->hash;
	e->key = st->key;
	e->encoding = st->encoding;
	e->vary = st->vary;
	e->status = st->status;
	e->head = st->head.s;
	e->body = st->body.s ? st->body.s : xstrdup("");
	e->body_len = st->body.len;
	e->stored_s = st->now_s;
	e->expire_s = st->now_s + st->ttl_s;
	e->age0 = st->age0;
	e->size = sizeof(*e) + strlen(e->key) + strlen(e->encoding) + st->head.len + e->body_len;
	st->key = st->encoding = NULL;
	st->head.s = st->body.s = NULL;
	pthread_mutex_lock(&c->lock);
	/* the same object again replaces the old one; variants are bounded */
	for (old = c->buckets[e->hash % CACHE_BUCKETS]; old; old = next) {
		next = old->hnext;
		if (old->hash != e->hash || strcmp(old->key, e->key) != 0)
			continue;
		if (strcmp(old->encoding, e->encoding) == 0 || ++variants >= c->max_secondary)
			entry_remove(c, old);
	}
	while (c->lru_tail && c->used_bytes + e->size > c->total_max_bytes)
		entry_remove(c, c->lru_tail);
	if (c->used_bytes + e->size > c->total_max_bytes) {
		pthread_mutex_unlock(&c->lock);
		entry_free(e);
		goto out;
	}
	e->hnext = c->buckets[e->hash % CACHE_BUCKETS];
	c->buckets[e->hash % CACHE_BUCKETS] = e;
	lru_push(c, e);
	c->used_bytes += e->size;
	pthread_mutex_unlock(&c->lock);
out:
	free(st->key);
	free(st->encoding);
	sb_free(&st->head);
	sb_free(&st->body);
	free(st);
}

/* stick: stick tables (see stick.h).
 *
 * A chained hash table of entries, each also on an LRU list (most recent
 * first) so that the oldest entry is found in O(1) for eviction and expiry
 * is checked lazily at lookup.
 */
#include "proxy/stick.h"
#include "proxy/acl.h"
#include "lib/util.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct stick_entry {
	struct stick_entry *hnext;          /* bucket chain */
	struct stick_entry *prev, *next;    /* LRU list */
	uint8_t key[STICK_KEY_MAX];
	int server_puid;                    /* 1-based server position */
	uint64_t expire_at_ms;              /* 0 = never */
};

/* ---- parsing ---- */

struct stick_table *stick_table_parse(char **args, int argc, char *err, size_t errlen,
				      char *warn, size_t warnlen)
{
	struct stick_table *t = xcalloc(1, sizeof(*t));
	bool have_type = false, have_size = false;
	long long len = 32;

	warn[0] = 0;
	for (int i = 1; i < argc; i++) {
		const char *k = args[i], *v = i + 1 < argc ? args[i + 1] : NULL;
		uint64_t n;

		if (strcmp(k, "nopurge") == 0) {
			t->nopurge = true;
			continue;
		}
		if (!v) {
			snprintf(err, errlen, "'stick-table' : missing argument after '%s'.", k);
			goto fail;
		}
		i++;
		if (strcmp(k, "type") == 0) {
			have_type = true;
			if (strcmp(v, "ip") == 0)
				t->type = STK_IP;
			else if (strcmp(v, "ipv6") == 0)
				t->type = STK_IPV6;
			else if (strcmp(v, "integer") == 0)
				t->type = STK_INTEGER;
			else if (strcmp(v, "string") == 0) {
				t->type = STK_STRING;
				if (i + 2 < argc && strcmp(args[i + 1], "len") == 0) {
					if (parse_int(args[i + 2], 1, STICK_KEY_MAX, &len) < 0) {
						snprintf(err, errlen, "'stick-table' : 'len' expects a length from 1 to %d, got '%s'.",
							 STICK_KEY_MAX, args[i + 2]);
						goto fail;
					}
					i += 2;
				}
			} else if (strcmp(v, "binary") == 0) {
				snprintf(err, errlen, "'stick-table' : type 'binary' is not supported by vigil-proxy yet.");
				goto fail;
			} else {
				snprintf(err, errlen, "'stick-table' : unknown type '%s' (expected 'ip', 'ipv6', 'integer', 'string' or 'binary').", v);
				goto fail;
			}
		} else if (strcmp(k, "size") == 0) {
			if (parse_size(v, &n) < 0 || n == 0 || n > 100000000) {
				snprintf(err, errlen, "'stick-table' : invalid size '%s'.", v);
				goto fail;
			}
			t->size = (int)n;
			have_size = true;
		} else if (strcmp(k, "expire") == 0) {
			if (parse_time_ms(v, &n) < 0) {
				snprintf(err, errlen, "'stick-table' : invalid expire '%s'.", v);
				goto fail;
			}
			t->expire_ms = (uint32_t)n;
		} else if (strcmp(k, "peers") == 0) {
			snprintf(warn, warnlen, "'stick-table' : 'peers %s' ignored: vigil-proxy does not synchronise tables between processes yet.", v);
		} else if (strcmp(k, "store") == 0) {
			snprintf(warn, warnlen, "'stick-table' : 'store %s' ignored: vigil-proxy does not keep stick-table counters yet.", v);
		} else if (strcmp(k, "srvkey") == 0 || strcmp(k, "write-to") == 0) {
			snprintf(err, errlen, "'stick-table' : '%s' is not supported by vigil-proxy yet.", k);
			goto fail;
		} else {
			snprintf(err, errlen, "'stick-table' : unknown argument '%s'.", k);
			goto fail;
		}
	}
	if (!have_type || !have_size) {
		snprintf(err, errlen, "'stick-table' : missing %s.", !have_type ? "type" : "size");
		goto fail;
	}
	t->key_len = t->type == STK_IP || t->type == STK_INTEGER ? 4 : t->type == STK_IPV6 ? 16 : (size_t)len;
	t->nbuckets = 1;
	while (t->nbuckets < t->size && t->nbuckets < (1 << 20))
		t->nbuckets <<= 1;
	t->buckets = xcalloc((size_t)t->nbuckets, sizeof(*t->buckets));
	pthread_mutex_init(&t->lock, NULL);
	return t;
fail:
	free(t);
	return NULL;
}

void stick_table_free(struct stick_table *t)
{
	struct stick_entry *e, *next;

	if (!t)
		return;
	for (e = t->lru_head; e; e = next) {
		next = e->next;
		free(e);
	}
	free(t->buckets);
	pthread_mutex_destroy(&t->lock);
	free(t);
}

int stick_rule_parse(struct proxy *px, char **args, int argc, struct stick_rule *r,
		     char *err, size_t errlen)
{
	int i = 2;
	char cerr[512];

	memset(r, 0, sizeof(*r));
	if (argc < 3) {
		snprintf(err, errlen, "'stick' expects 'on', 'match' or 'store-request' followed by a pattern.");
		return -EINVAL;
	}
	if (strcmp(args[1], "on") == 0)
		r->kind = STK_ON;
	else if (strcmp(args[1], "match") == 0)
		r->kind = STK_MATCH;
	else if (strcmp(args[1], "store-request") == 0)
		r->kind = STK_STORE;
	else if (strcmp(args[1], "store-response") == 0) {
		snprintf(err, errlen, "'stick store-response' is not supported by vigil-proxy yet.");
		return -EINVAL;
	} else {
		snprintf(err, errlen, "'stick' : unknown keyword '%s' (expected 'on', 'match', 'store-request' or 'store-response').", args[1]);
		return -EINVAL;
	}
	if (strcmp(args[i], "src") == 0)
		r->fetch = STK_FETCH_SRC;
	else if (strcmp(args[i], "dst") == 0)
		r->fetch = STK_FETCH_DST;
	else {
		snprintf(err, errlen, "'stick %s' : pattern '%s' is not supported by vigil-proxy yet (supported: src, dst).",
			 args[1], args[i]);
		return -EINVAL;
	}
	i++;
	if (i < argc && strcmp(args[i], "table") == 0) {
		if (i + 1 >= argc) {
			snprintf(err, errlen, "'stick %s' : missing table name after 'table'.", args[1]);
			return -EINVAL;
		}
		r->table_name = xstrdup(args[i + 1]);
		i += 2;
	}
	if (i < argc) {
		if (strcmp(args[i], "if") != 0 && strcmp(args[i], "unless") != 0) {
			snprintf(err, errlen, "'stick %s' : unexpected '%s' (expected 'table', 'if' or 'unless').", args[1], args[i]);
			stick_rule_release(r);
			return -EINVAL;
		}
		r->cond = acl_cond_parse(px, args + i, cerr, sizeof(cerr));
		if (!r->cond) {
			snprintf(err, errlen, "'stick %s' : %s", args[1], cerr);
			stick_rule_release(r);
			return -EINVAL;
		}
	}
	return 0;
}

void stick_rule_release(struct stick_rule *r)
{
	xfree(&r->table_name);
	acl_cond_free(r->cond);
	r->cond = NULL;
}

/* ---- the table ---- */

/* The key for this table from an address; false if the address family
 * does not fit the table (an IPv6 client in an `ip` table). */
static bool make_key(const struct stick_table *t, const struct sockaddr *sa, uint8_t *key)
{
	memset(key, 0, STICK_KEY_MAX);
	if (t->type == STK_IP || t->type == STK_INTEGER) {
		if (sa->sa_family != AF_INET)
			return false;
		memcpy(key, &((const struct sockaddr_in *)sa)->sin_addr, 4);
		return true;
	}
	if (t->type == STK_IPV6) {
		if (sa->sa_family == AF_INET6) {
			memcpy(key, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
			return true;
		}
		if (sa->sa_family == AF_INET) {   /* v4-mapped */
			key[10] = key[11] = 0xff;
			memcpy(key + 12, &((const struct sockaddr_in *)sa)->sin_addr, 4);
			return true;
		}
		return false;
	}
	/* string table: the address as text */
	char buf[INET6_ADDRSTRLEN + 1];

	addr_host_str(sa, buf, sizeof(buf));
	memcpy(key, buf, MIN(strlen(buf), t->key_len));
	return true;
}

static uint32_t key_hash(const struct stick_table *t, const uint8_t *key)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < t->key_len; i++)
		h = (h ^ key[i]) * 16777619u;
	return h & (uint32_t)(t->nbuckets - 1);
}

static void lru_unlink(struct stick_table *t, struct stick_entry *e)
{
	if (e->prev)
		e->prev->next = e->next;
	else
		t->lru_head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		t->lru_tail = e->prev;
	e->prev = e->next = NULL;
}

static void lru_push_front(struct stick_table *t, struct stick_entry *e)
{
	e->prev = NULL;
	e->next = t->lru_head;
	if (t->lru_head)
		t->lru_head->prev = e;
	t->lru_head = e;
	if (!t->lru_tail)
		t->lru_tail = e;
}

static void entry_remove(struct stick_table *t, struct stick_entry *e)
{
	struct stick_entry **pp = &t->buckets[key_hash(t, e->key)];

	while (*pp && *pp != e)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = e->hnext;
	lru_unlink(t, e);
	t->count--;
	free(e);
}

/* Find a live entry; expired ones met on the way are removed. Lock held. */
static struct stick_entry *entry_find(struct stick_table *t, const uint8_t *key, uint64_t now)
{
	for (struct stick_entry *e = t->buckets[key_hash(t, key)]; e; e = e->hnext) {
		if (memcmp(e->key, key, t->key_len) != 0)
			continue;
		if (e->expire_at_ms && e->expire_at_ms <= now) {
			entry_remove(t, e);
			return NULL;
		}
		return e;
	}
	return NULL;
}

static struct stick_table *rule_table(struct proxy *be, const struct stick_rule *r)
{
	return r->table ? r->table : be->stick_table;
}

static const struct sockaddr *fetch(const struct stick_rule *r, const struct sockaddr *src,
				    const struct sockaddr *dst)
{
	return r->fetch == STK_FETCH_SRC ? src : dst;
}

/* A persistent client may go to its server unless it is in maintenance
 * or down; draining servers keep their persistent clients. */
static bool stick_server_ok(const struct server *srv)
{
	return !(srv->admin & SRV_ADMF_MAINT) &&
	       (srv->op_state == SRV_ST_RUNNING || srv->op_state == SRV_ST_STARTING);
}

struct server *stick_lookup(struct proxy *be, const struct sockaddr *src, const struct sockaddr *dst,
			    uint64_t now_ms)
{
	for (int i = 0; i < be->nstick_rules; i++) {
		const struct stick_rule *r = &be->stick_rules[i];
		struct stick_table *t = rule_table(be, r);
		uint8_t key[STICK_KEY_MAX];
		struct stick_entry *e;
		int puid = 0;

		if (r->kind == STK_STORE || !t || (r->cond && !acl_cond_eval(r->cond, src, dst)))
			continue;
		if (!make_key(t, fetch(r, src, dst), key))
			continue;
		pthread_mutex_lock(&t->lock);
		e = entry_find(t, key, now_ms);
		if (e) {
			puid = e->server_puid;
			e->expire_at_ms = t->expire_ms ? now_ms + t->expire_ms : 0;
			lru_unlink(t, e);
			lru_push_front(t, e);
		}
		pthread_mutex_unlock(&t->lock);
		if (puid > 0 && puid <= be->nservers && stick_server_ok(be->servers[puid - 1]))
			return be->servers[puid - 1];
	}
	return NULL;
}

void stick_store(struct proxy *be, const struct sockaddr *src, const struct sockaddr *dst,
		 const struct server *srv, uint64_t now_ms)
{
	for (int i = 0; i < be->nstick_rules; i++) {
		const struct stick_rule *r = &be->stick_rules[i];
		struct stick_table *t = rule_table(be, r);
		uint8_t key[STICK_KEY_MAX];
		struct stick_entry *e;

		if (r->kind == STK_MATCH || !t || (r->cond && !acl_cond_eval(r->cond, src, dst)))
			continue;
		if (!make_key(t, fetch(r, src, dst), key))
			continue;
		pthread_mutex_lock(&t->lock);
		e = entry_find(t, key, now_ms);
		if (!e) {
			if (t->count >= t->size) {
				if (t->nopurge || !t->lru_tail) {
					pthread_mutex_unlock(&t->lock);
					continue;
				}
				entry_remove(t, t->lru_tail);
			}
			e = xcalloc(1, sizeof(*e));
			memcpy(e->key, key, sizeof(key));
			uint32_t h = key_hash(t, key);
			e->hnext = t->buckets[h];
			t->buckets[h] = e;
			t->count++;
		} else {
			lru_unlink(t, e);
		}
		lru_push_front(t, e);
		e->server_puid = srv->puid;
		e->expire_at_ms = t->expire_ms ? now_ms + t->expire_ms : 0;
		pthread_mutex_unlock(&t->lock);
		/* HAProxy stores with the first store rule that applies. */
		return;
	}
}

int stick_table_count(struct stick_table *t)
{
	int n;

	pthread_mutex_lock(&t->lock);
	n = t->count;
	pthread_mutex_unlock(&t->lock);
	return n;
}

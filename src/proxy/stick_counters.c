/* stick_counters: per-key counters of stick tables (see stick_counters.h). */
#include "proxy/stick_counters.h"
#include "proxy/proxy.h"
#include "lib/strbuf.h"
#include "lib/util.h"

#include <arpa/inet.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A sliding-window event rate (HAProxy's freq_ctr). */
struct freq {
	uint64_t start_ms;         /* start of the current period */
	uint32_t curr, prev;
};

struct stkctr_entry {
	unsigned char key[STKCTR_KEY_MAX];
	size_t klen;
	int refs;                  /* tracked by this many transactions */
	uint64_t last_ms;          /* last use, for expiry */
	uint64_t cnt[STKCTR_NDATA]; /* counters (rates use `freq`) */
	struct freq freq[STKCTR_NDATA];
	struct stkctr_entry *next;
};

struct stkctr_table {
	pthread_mutex_t lock;
	bool stores[STKCTR_NDATA];
	uint32_t period_ms[STKCTR_NDATA]; /* rates */
	int size;
	uint32_t expire_ms;
	struct stkctr_entry **buckets;
	int nbuckets, count;
};

static const char *const data_names[STKCTR_NDATA] = {
	[STKCTR_CONN_CUR] = "conn_cur", [STKCTR_CONN_CNT] = "conn_cnt",
	[STKCTR_CONN_RATE] = "conn_rate", [STKCTR_HTTP_REQ_CNT] = "http_req_cnt",
	[STKCTR_HTTP_REQ_RATE] = "http_req_rate", [STKCTR_HTTP_ERR_CNT] = "http_err_cnt",
	[STKCTR_HTTP_ERR_RATE] = "http_err_rate", [STKCTR_GPC0] = "gpc0",
	[STKCTR_SESS_CNT] = "sess_cnt", [STKCTR_SESS_RATE] = "sess_rate",
};

static bool is_rate(enum stkctr_data d)
{
	return d == STKCTR_CONN_RATE || d == STKCTR_HTTP_REQ_RATE || d == STKCTR_HTTP_ERR_RATE ||
	       d == STKCTR_SESS_RATE;
}

uint64_t stkctr_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int stkctr_data_by_name(const char *name)
{
	for (int i = 0; i < STKCTR_NDATA; i++)
		if (strcmp(name, data_names[i]) == 0)
			return i;
	return -1;
}

bool stkctr_table_stores(const struct stkctr_table *t, enum stkctr_data d)
{
	return t && t->stores[d];
}

int stkctr_table_declare(struct proxy *px, const char *store, int size, uint32_t expire_ms,
			 char *err, size_t errlen)
{
	struct stkctr_table *t = px->stkctr;
	char *list = xstrdup(store), *save = NULL, *tok;
	int rc = 0;

	if (!t) {
		t = xcalloc(1, sizeof(*t));
		pthread_mutex_init(&t->lock, NULL);
		t->nbuckets = 1024;
		t->buckets = xcalloc((size_t)t->nbuckets, sizeof(*t->buckets));
		px->stkctr = t;
	}
	t->size = size > 0 ? size : 1;
	t->expire_ms = expire_ms;
	for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *paren = strchr(tok, '(');
		int d;

		if (paren)
			*paren = 0;
		if (strncmp(tok, "gpc", 3) == 0 || strncmp(tok, "gpt", 3) == 0 ||
		    strcmp(tok, "server_id") == 0 || strncmp(tok, "bytes_", 6) == 0) {
			d = strcmp(tok, "gpc0") == 0 ? STKCTR_GPC0 : -2;
		} else {
			d = stkctr_data_by_name(tok);
		}
		if (d == -1) {
			snprintf(err, errlen, "'stick-table' : unknown data type '%s' in 'store'.", tok);
			rc = -EINVAL;
			break;
		}
		if (d == -2)
			continue;   /* accepted, not kept */
		if (is_rate((enum stkctr_data)d)) {
			uint64_t ms;

			if (!paren || parse_time_ms(paren + 1, &ms) < 0 || ms == 0) {
				char *close = paren ? strchr(paren + 1, ')') : NULL;

				if (close)
					*close = 0;
				if (!close || parse_time_ms(paren + 1, &ms) < 0 || ms == 0) {
					snprintf(err, errlen, "'stick-table' : data type '%s' expects a period, as in '%s(10s)'.",
						 tok, tok);
					rc = -EINVAL;
					break;
				}
			}
			t->period_ms[d] = (uint32_t)ms;
		}
		t->stores[d] = true;
	}
	free(list);
	return rc;
}

void stkctr_table_free(struct stkctr_table *t)
{
	if (!t)
		return;
	for (int i = 0; i < t->nbuckets; i++) {
		struct stkctr_entry *e, *n;

		for (e = t->buckets[i]; e; e = n) {
			n = e->next;
			free(e);
		}
	}
	free(t->buckets);
	pthread_mutex_destroy(&t->lock);
	free(t);
}

static unsigned hash_key(const void *key, size_t klen)
{
	const unsigned char *k = key;
	unsigned h = 2166136261u;

	for (size_t i = 0; i < klen; i++)
		h = (h ^ k[i]) * 16777619u;
	return h;
}

static struct stkctr_entry *find(struct stkctr_table *t, const void *key, size_t klen)
{
	struct stkctr_entry *e = t->buckets[hash_key(key, klen) % (unsigned)t->nbuckets];

	for (; e; e = e->next)
		if (e->klen == klen && memcmp(e->key, key, klen) == 0)
			return e;
	return NULL;
}

/* Drop unreferenced entries not used for `expire_ms`. Lock held. */
static void purge(struct stkctr_table *t, uint64_t now_ms)
{
	for (int i = 0; i < t->nbuckets; i++) {
		struct stkctr_entry **pp = &t->buckets[i];

		while (*pp) {
			struct stkctr_entry *e = *pp;

			if (e->refs == 0 && (!t->expire_ms || now_ms - e->last_ms >= t->expire_ms)) {
				*pp = e->next;
				free(e);
				t->count--;
			} else {
				pp = &e->next;
			}
		}
	}
}

static void freq_update(struct freq *f, uint32_t period, uint64_t now_ms)
{
	if (now_ms - f->start_ms >= 2ull * period) {
		f->prev = 0;
		f->curr = 0;
		f->start_ms = now_ms - (now_ms % period);
	} else if (now_ms - f->start_ms >= period) {
		f->prev = f->curr;
		f->curr = 0;
		f->start_ms += period;
	}
}

static uint64_t freq_read(struct freq *f, uint32_t period, uint64_t now_ms)
{
	uint64_t elapsed;

	freq_update(f, period, now_ms);
	elapsed = now_ms - f->start_ms;
	return f->curr + (uint64_t)f->prev * (period - elapsed) / period;
}

static void count(struct stkctr_table *t, struct stkctr_entry *e, enum stkctr_data d, uint64_t now_ms)
{
	e->cnt[d]++;
	if (is_rate(d) && t->period_ms[d]) {
		freq_update(&e->freq[d], t->period_ms[d], now_ms);
		e->freq[d].curr++;
	}
}

/* The entry of key, created if the table has room (after a purge of
 * expired entries if needed); NULL when full. Lock held. */
static struct stkctr_entry *find_or_add(struct stkctr_table *t, const void *key, size_t klen,
					uint64_t now_ms)
{
	struct stkctr_entry *e;
	unsigned b;

	if (klen > STKCTR_KEY_MAX)
		klen = STKCTR_KEY_MAX;
	if ((e = find(t, key, klen)))
		return e;
	if (t->count >= t->size)
		purge(t, now_ms);
	if (t->count >= t->size)
		return NULL;
	b = hash_key(key, klen) % (unsigned)t->nbuckets;
	e = xcalloc(1, sizeof(*e));
	memcpy(e->key, key, klen);
	e->klen = klen;
	for (int d = 0; d < STKCTR_NDATA; d++)
		e->freq[d].start_ms = now_ms;
	e->next = t->buckets[b];
	t->buckets[b] = e;
	t->count++;
	return e;
}

struct stkctr_entry *stkctr_track(struct stkctr_table *t, const void *key, size_t klen, uint64_t now_ms)
{
	struct stkctr_entry *e;

	pthread_mutex_lock(&t->lock);
	e = find_or_add(t, key, klen, now_ms);
	if (!e) {
		pthread_mutex_unlock(&t->lock);
		return NULL;
	}
	e->refs++;
	e->last_ms = now_ms;
	e->cnt[STKCTR_CONN_CUR]++;
	count(t, e, STKCTR_CONN_CNT, now_ms);
	count(t, e, STKCTR_CONN_RATE, now_ms);
	count(t, e, STKCTR_SESS_CNT, now_ms);
	count(t, e, STKCTR_SESS_RATE, now_ms);
	pthread_mutex_unlock(&t->lock);
	return e;
}

void stkctr_untrack(struct stkctr_table *t, struct stkctr_entry *e, uint64_t now_ms)
{
	pthread_mutex_lock(&t->lock);
	if (e->cnt[STKCTR_CONN_CUR])
		e->cnt[STKCTR_CONN_CUR]--;
	e->refs--;
	e->last_ms = now_ms;
	pthread_mutex_unlock(&t->lock);
}

void stkctr_inc(struct stkctr_table *t, struct stkctr_entry *e, enum stkctr_data d, uint64_t now_ms)
{
	pthread_mutex_lock(&t->lock);
	count(t, e, d, now_ms);
	if (d == STKCTR_HTTP_REQ_RATE)
		e->cnt[STKCTR_HTTP_REQ_CNT]++;
	else if (d == STKCTR_HTTP_ERR_RATE)
		e->cnt[STKCTR_HTTP_ERR_CNT]++;
	e->last_ms = now_ms;
	pthread_mutex_unlock(&t->lock);
}

static uint64_t get_locked(struct stkctr_table *t, struct stkctr_entry *e, enum stkctr_data d, uint64_t now_ms)
{
	if (is_rate(d))
		return t->period_ms[d] ? freq_read(&e->freq[d], t->period_ms[d], now_ms) : 0;
	return e->cnt[d];
}

uint64_t stkctr_get(struct stkctr_table *t, struct stkctr_entry *e, enum stkctr_data d, uint64_t now_ms)
{
	uint64_t v;

	pthread_mutex_lock(&t->lock);
	v = get_locked(t, e, d, now_ms);
	pthread_mutex_unlock(&t->lock);
	return v;
}

uint64_t stkctr_get_key(struct stkctr_table *t, const void *key, size_t klen, enum stkctr_data d,
			uint64_t now_ms)
{
	struct stkctr_entry *e;
	uint64_t v = 0;

	if (klen > STKCTR_KEY_MAX)
		klen = STKCTR_KEY_MAX;
	pthread_mutex_lock(&t->lock);
	e = find(t, key, klen);
	if (e)
		v = get_locked(t, e, d, now_ms);
	pthread_mutex_unlock(&t->lock);
	return v;
}

static int entry_cmp(const void *a, const void *b)
{
	const struct stkctr_entry *x = *(struct stkctr_entry *const *)a, *y = *(struct stkctr_entry *const *)b;
	size_t n = x->klen < y->klen ? x->klen : y->klen;
	int c = memcmp(x->key, y->key, n);

	return c ? c : (x->klen > y->klen) - (x->klen < y->klen);
}

static bool filter_ok(const struct stkctr_filter *f, uint64_t v)
{
	if (!strcmp(f->op, "eq")) return v == f->value;
	if (!strcmp(f->op, "ne")) return v != f->value;
	if (!strcmp(f->op, "lt")) return v < f->value;
	if (!strcmp(f->op, "le")) return v <= f->value;
	if (!strcmp(f->op, "gt")) return v > f->value;
	return v >= f->value;
}

/* Whether entry e passes filter f (NULL: all). Lock held. */
static bool entry_matches(struct stkctr_table *t, struct stkctr_entry *e,
			  const struct stkctr_filter *f, uint64_t now_ms)
{
	if (f && f->key && (e->klen != f->klen || memcmp(e->key, f->key, e->klen) != 0))
		return false;
	return !(f && f->data >= 0 && (!t->stores[f->data] ||
				       !filter_ok(f, get_locked(t, e, (enum stkctr_data)f->data, now_ms))));
}

int stkctr_clear(struct stkctr_table *t, const struct stkctr_filter *f, uint64_t now_ms)
{
	int n = 0;

	pthread_mutex_lock(&t->lock);
	for (int b = 0; b < t->nbuckets; b++) {
		struct stkctr_entry **pp = &t->buckets[b];

		while (*pp) {
			struct stkctr_entry *e = *pp;

			/* tracked by a connection right now: kept, as HAProxy
			 * keeps an entry that is referenced */
			if (e->refs == 0 && entry_matches(t, e, f, now_ms)) {
				*pp = e->next;
				free(e);
				t->count--;
				n++;
			} else {
				pp = &e->next;
			}
		}
	}
	pthread_mutex_unlock(&t->lock);
	return n;
}

int stkctr_set(struct stkctr_table *t, const void *key, size_t klen, const struct stkctr_value *v,
	       int n, uint64_t now_ms)
{
	struct stkctr_entry *e;

	pthread_mutex_lock(&t->lock);
	e = find_or_add(t, key, klen, now_ms);
	if (!e) {
		pthread_mutex_unlock(&t->lock);
		return -ENOSPC;
	}
	e->last_ms = now_ms;
	for (int i = 0; i < n; i++) {
		enum stkctr_data d = v[i].data;

		/* a rate: this period's count, as HAProxy's `set table` does */
		if (is_rate(d)) {
			e->freq[d].start_ms = now_ms;
			e->freq[d].prev = 0;
			e->freq[d].curr = (uint32_t)(v[i].value > UINT32_MAX ? UINT32_MAX : v[i].value);
		} else {
			e->cnt[d] = v[i].value;
		}
	}
	pthread_mutex_unlock(&t->lock);
	return 0;
}

int stkctr_dump(struct stkctr_table *t, bool key_is_ip, const struct stkctr_filter *f,
		struct strbuf *out, uint64_t now_ms)
{
	/* HAProxy's order of the data types in a line */
	static const enum stkctr_data order[] = {
		STKCTR_GPC0, STKCTR_CONN_CNT, STKCTR_CONN_RATE, STKCTR_CONN_CUR, STKCTR_SESS_CNT,
		STKCTR_SESS_RATE, STKCTR_HTTP_REQ_CNT, STKCTR_HTTP_REQ_RATE, STKCTR_HTTP_ERR_CNT,
		STKCTR_HTTP_ERR_RATE,
	};
	struct stkctr_entry **all;
	int n = 0, lines = 0;

	pthread_mutex_lock(&t->lock);
	all = xcalloc((size_t)t->count + 1, sizeof(*all));
	for (int b = 0; b < t->nbuckets; b++)
		for (struct stkctr_entry *e = t->buckets[b]; e && n < t->count; e = e->next)
			all[n++] = e;
	qsort(all, (size_t)n, sizeof(*all), entry_cmp);
	for (int i = 0; i < n; i++) {
		struct stkctr_entry *e = all[i];
		char key[STKCTR_KEY_MAX * 4 + 1];
		uint64_t age = now_ms - e->last_ms;

		if (!entry_matches(t, e, f, now_ms))
			continue;
		if (key_is_ip && (e->klen == 4 || e->klen == 16))
			inet_ntop(e->klen == 4 ? AF_INET : AF_INET6, e->key, key, sizeof(key));
		else
			snprintf(key, sizeof(key), "%.*s", (int)e->klen, (const char *)e->key);
		sb_appendf(out, "%p: key=%s use=%d exp=%llu", (void *)e, key, e->refs,
			   (unsigned long long)(t->expire_ms && age < t->expire_ms ? t->expire_ms - age : 0));
		for (size_t k = 0; k < sizeof(order) / sizeof(order[0]); k++) {
			enum stkctr_data d = order[k];

			if (!t->stores[d])
				continue;
			if (is_rate(d))
				sb_appendf(out, " %s(%u)=%llu", data_names[d], t->period_ms[d],
					   (unsigned long long)get_locked(t, e, d, now_ms));
			else
				sb_appendf(out, " %s=%llu", data_names[d], (unsigned long long)get_locked(t, e, d, now_ms));
		}
		sb_puts(out, "\n");
		lines++;
	}
	pthread_mutex_unlock(&t->lock);
	free(all);
	return lines;
}

int stkctr_count(struct stkctr_table *t)
{
	int n;

	pthread_mutex_lock(&t->lock);
	n = t->count;
	pthread_mutex_unlock(&t->lock);
	return n;
}

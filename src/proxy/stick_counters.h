/* stick_counters: the counters a `stick-table ... store ...` keeps per
 * key (conn_cur, conn_cnt, conn_rate, http_req_cnt, http_req_rate,
 * http_err_cnt, http_err_rate, gpc0), updated by `track-sc0/1/2` rules
 * and read by the sc_* / src_* fetches.
 *
 * Tables are attached to their proxy (px->stkctr) and are separate from
 * stick.c's persistence entries. Rates are HAProxy's sliding windows: the
 * current period's count plus the previous period's, weighted by the part
 * of it still inside the window.
 */
#ifndef VIGIL_STICK_COUNTERS_H
#define VIGIL_STICK_COUNTERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct proxy;
struct stkctr_table;
struct stkctr_entry;

enum stkctr_data {
	STKCTR_CONN_CUR, STKCTR_CONN_CNT, STKCTR_CONN_RATE,
	STKCTR_HTTP_REQ_CNT, STKCTR_HTTP_REQ_RATE,
	STKCTR_HTTP_ERR_CNT, STKCTR_HTTP_ERR_RATE,
	STKCTR_GPC0, STKCTR_SESS_CNT, STKCTR_SESS_RATE,
	STKCTR_NDATA,
};

#define STKCTR_KEY_MAX 64

/* `store LIST` of a stick-table ("http_req_rate(10s),conn_cur"): creates
 * px->stkctr if needed. `key_is_string`/`key_len`/`size`/`expire_ms` come
 * from the stick-table line. 0 or -EINVAL with a message. */
int stkctr_table_declare(struct proxy *px, const char *store, int size, uint32_t expire_ms,
			 char *err, size_t errlen);
void stkctr_table_free(struct stkctr_table *t);
/* Name of a data type for `store` and the fetches ("http_req_rate"), or
 * -1 when unknown. */
int stkctr_data_by_name(const char *name);
bool stkctr_table_stores(const struct stkctr_table *t, enum stkctr_data d);

/* Find or create the entry of `key` and take a reference (the caller
 * keeps it until stkctr_untrack). Counts a connection (conn_cnt,
 * conn_rate, conn_cur + 1). NULL when the table is full. */
struct stkctr_entry *stkctr_track(struct stkctr_table *t, const void *key, size_t klen, uint64_t now_ms);
void stkctr_untrack(struct stkctr_table *t, struct stkctr_entry *e, uint64_t now_ms);
/* Add one event. */
void stkctr_inc(struct stkctr_table *t, struct stkctr_entry *e, enum stkctr_data d, uint64_t now_ms);
/* Current value (rates: events over the declared period). */
uint64_t stkctr_get(struct stkctr_table *t, struct stkctr_entry *e, enum stkctr_data d, uint64_t now_ms);
/* Lookup without tracking; value 0 when absent. */
uint64_t stkctr_get_key(struct stkctr_table *t, const void *key, size_t klen, enum stkctr_data d,
			uint64_t now_ms);
int stkctr_count(struct stkctr_table *t);

/* `show table NAME [key K | data.TYPE OP VALUE]`: HAProxy's line per
 * entry ("0x...: key=127.0.0.1 use=1 exp=29799 conn_cnt=2
 * conn_rate(10000)=2 conn_cur=1"), keys in order, into `out`. `key_is_ip`:
 * 4- and 16-byte keys print as addresses (tables of type ip/ipv6), else
 * as text. With a key, only that entry; with data >= 0, the entries whose
 * value compares to `value` as `op` says ("eq", "ne", "lt", "le", "gt",
 * "ge"). Returns the number of lines written. */
struct strbuf;
struct stkctr_filter {
	const unsigned char *key;  /* NULL = every key */
	size_t klen;
	int data;                  /* enum stkctr_data, or -1 */
	const char *op;
	uint64_t value;
};
int stkctr_dump(struct stkctr_table *t, bool key_is_ip, const struct stkctr_filter *f,
		struct strbuf *out, uint64_t now_ms);

/* `clear table NAME [key K | data.TYPE OP VALUE]`: remove the entries
 * that pass the filter (NULL: all), except those a connection tracks
 * right now. Returns how many went. */
int stkctr_clear(struct stkctr_table *t, const struct stkctr_filter *f, uint64_t now_ms);
/* `set table NAME key K [data.TYPE V]...`: create the entry if needed and
 * set its n counters (a rate: its count for the current period), in one
 * step. -ENOSPC when the table is full. */
struct stkctr_value {
	enum stkctr_data data;
	uint64_t value;
};
int stkctr_set(struct stkctr_table *t, const void *key, size_t klen, const struct stkctr_value *v,
	       int n, uint64_t now_ms);

uint64_t stkctr_now_ms(void);

#endif

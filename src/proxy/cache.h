/* cache: HAProxy's small object cache (`cache NAME` sections,
 * `http-request cache-use NAME`, `http-response cache-store NAME`).
 *
 * What is stored follows HAProxy 2.6 (compared with 2.6.12 by
 * tests/integration/test_http_features.py): responses to GET requests
 * without Authorization, with status 200, no `Cache-Control: no-cache|
 * no-store|private`, a Vary header only with `process-vary on` and only
 * on accept-encoding (variants are told apart by their Content-Encoding),
 * a lifetime (s-maxage, max-age, Expires - Date, else the section's
 * max-age, capped by it) above zero, and a body of at most
 * max-object-size. Set-Cookie does not prevent storing, as in HAProxy. A
 * hit (GET or HEAD) is answered by the proxy itself with an Age header;
 * a request with Authorization, `Cache-Control: no-cache` or `Pragma:
 * no-cache` is not served from the cache. Objects live in memory, at most
 * total-max-size in all; the least recently used go first.
 *
 * One mutex per cache guards its table: lookups copy the object out.
 */
#ifndef VIGIL_CACHE_H
#define VIGIL_CACHE_H

#include <stdbool.h>
#include <stddef.h>

struct cache;
struct cache_store;
struct cfgparse;
struct http_reply;
struct http_txn;
struct pxconf;

/* Configuration (the section and its keywords; messages as HAProxy's). */
int cfg_cache_section(struct cfgparse *p, char **args, int argc);
int cfg_cache_line(struct cfgparse *p, char **args, int argc);
/* After parsing: what needs the whole section (max-object-size against
 * total-max-size). CFG_OK or CFG_ERR, reported. */
int cfg_cache_check(struct cfgparse *p, struct cache *c);
struct cache *cache_find(const struct pxconf *c, const char *name);
const char *cache_name(const struct cache *c);
struct cache *cache_next(const struct cache *c);   /* the list of sections */
void cache_free_all(struct cache *list);

/* cache-use: true with `out` filled (status, headers with Age, body)
 * when a fresh object answers this request. `now_s` is a monotonic time
 * in seconds. */
bool cache_lookup(struct cache *c, const struct http_txn *txn, unsigned long long now_s,
		  struct http_reply *out);

/* cache-store: what the request says about storing (taken while its
 * head is in the buffer, for every request of a proxy that may store),
 * then a context collecting the response's body when the response
 * (txn->rsp, after the response rules) may be stored, else NULL. Feed it the body's bytes (without chunk framing); it gives up by
 * itself past max-object-size. cache_store_end() inserts the object when
 * `complete` and frees the context. */
struct cache_req;
struct cache_req *cache_req_new(const struct http_txn *txn);
void cache_req_free(struct cache_req *rq);
struct cache_store *cache_store_begin(struct cache *c, const struct cache_req *rq,
				      const struct http_txn *txn, unsigned long long now_s);
void cache_store_data(struct cache_store *st, const char *p, size_t n);
void cache_store_end(struct cache_store *st, bool complete);

#endif

/* lb: balancing algorithms (see lb.h).
 *
 * roundrobin and static-rr use smooth weighted round robin: every pick adds
 * each candidate's weight to its running score, takes the highest and
 * subtracts the total. Picks interleave in proportion to the weights
 * (5:1:1 gives a a b a c a a, not a a a a a b c) and weight changes apply at
 * once. leastconn takes the lowest sessions/weight ratio, ties going round
 * robin. source hashes the client address over the weighted server list
 * (HAProxy's map-based hash): a client keeps its server while the set of
 * usable servers is unchanged. With `hash-type consistent` the hashing
 * algorithms (source, uri, url_param, hdr) use weighted rendezvous
 * hashing instead: each server scores the key, the highest score wins, so
 * a server leaving moves only its own keys and one coming back takes back
 * only those (HAProxy's consistent hash ring gives the same property; the
 * servers chosen differ, as the hash functions do). first takes the first
 * server, in declaration order, that has a free slot.
 */
#include "proxy/lb.h"
#include "proxy/http_txn.h"
#include "lib/util.h"

#include <math.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

uint32_t lb_source_hash(const struct sockaddr *sa)
{
	const uint8_t *p;
	size_t n;
	uint32_t h = 2166136261u;   /* FNV-1a */

	if (sa->sa_family == AF_INET) {
		p = (const uint8_t *)&((const struct sockaddr_in *)sa)->sin_addr;
		n = 4;
	} else if (sa->sa_family == AF_INET6) {
		p = (const uint8_t *)&((const struct sockaddr_in6 *)sa)->sin6_addr;
		n = 16;
	} else {
		return 0;
	}
	while (n--)
		h = (h ^ *p++) * 16777619u;
	return h;
}

static bool has_slot(const struct server *srv)
{
	return srv->maxconn == 0 || atomic_load(&srv->cur_sess) < srv->maxconn;
}

/* Which servers are candidates: the usable actives, or else the usable
 * backups (only the first one unless allbackups). Fills `cand`, returns
 * the count; *any_usable says whether some candidate exists at all, full
 * or not. */
static int candidates(struct proxy *px, struct server **cand, const struct server *avoid,
		      bool *any_usable)
{
	int n = 0, usable = 0;

	*any_usable = false;
	for (int pass = 0; pass < 2 && usable == 0; pass++) {
		bool backups = pass == 1;

		for (int i = 0; i < px->nservers; i++) {
			struct server *srv = px->servers[i];

			if (srv->backup != backups || !server_is_usable(srv) || server_eweight(srv) == 0)
				continue;
			usable++;
			if (backups && !(px->options & PXO_ALLBACKUPS) && usable > 1)
				break;
			if (has_slot(srv))
				cand[n++] = srv;
		}
	}
	*any_usable = usable > 0;
	/* Redispatch: skip the server that just failed if another one can
	 * take the connection. */
	if (avoid && n > 1) {
		for (int i = 0; i < n; i++) {
			if (cand[i] == avoid) {
				memmove(&cand[i], &cand[i + 1], sizeof(*cand) * (size_t)(n - i - 1));
				n--;
				break;
			}
		}
	}
	return n;
}

static struct server *pick_smooth_rr(struct server **cand, int n)
{
	struct server *best = NULL;
	int64_t total = 0;

	for (int i = 0; i < n; i++) {
		int w = server_eweight(cand[i]);

		cand[i]->rr_pos += (uint64_t)w;
		total += w;
		if (!best || (int64_t)cand[i]->rr_pos > (int64_t)best->rr_pos)
			best = cand[i];
	}
	best->rr_pos -= (uint64_t)total;
	return best;
}

static struct server *pick_leastconn(struct proxy *px, struct server **cand, int n)
{
	struct server *best = NULL;
	uint64_t best_ratio = UINT64_MAX;
	int start = n ? px->lb_first_cursor++ % n : 0;

	for (int k = 0; k < n; k++) {
		struct server *srv = cand[(start + k) % n];
		uint64_t ratio = ((uint64_t)atomic_load(&srv->cur_sess) << 16) / (uint64_t)server_eweight(srv);

		if (ratio < best_ratio) {
			best_ratio = ratio;
			best = srv;
		}
	}
	return best;
}

/* Map-based hashing (HAProxy's default hash-type): the key's hash picks
 * a point on the servers' weights laid end to end. */
static struct server *pick_hash(struct server **cand, int n, uint32_t hash)
{
	uint64_t total = 0, point;

	for (int i = 0; i < n; i++)
		total += (uint64_t)server_eweight(cand[i]);
	point = hash % total;
	for (int i = 0; i < n; i++) {
		uint64_t w = (uint64_t)server_eweight(cand[i]);

		if (point < w)
			return cand[i];
		point -= w;
	}
	return cand[n - 1];
}

static uint32_t fnv1a(const char *p, size_t n)
{
	uint32_t h = 2166136261u;

	while (n--)
		h = (h ^ (uint8_t)*p++) * 16777619u;
	return h;
}

static uint64_t mix64(uint64_t x)   /* splitmix64's finaliser */
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* Weighted rendezvous hashing: server s scores w / -ln(u), u uniform in
 * (0, 1) drawn from (key, s's name); the highest score wins. A server's
 * score does not depend on the others, hence consistency. */
static struct server *pick_consistent(struct server **cand, int n, uint32_t hash)
{
	struct server *best = cand[0];
	double best_score = -1;

	for (int i = 0; i < n; i++) {
		uint64_t r = mix64(((uint64_t)hash << 32) ^ fnv1a(cand[i]->id, strlen(cand[i]->id)));
		double u = ((double)(r >> 11) + 0.5) / 9007199254740992.0;   /* 2^53 */
		double score = (double)server_eweight(cand[i]) / -log(u);

		if (score > best_score) {
			best_score = score;
			best = cand[i];
		}
	}
	return best;
}

/* Choose among the candidates; `key_hash` (when has_key) replaces the
 * algorithm with a hash pick. */
static enum lb_result choose(struct proxy *px, const struct sockaddr *client, bool has_key,
			     uint32_t key_hash, const struct server *avoid, struct server **out);

enum lb_result lb_choose(struct proxy *px, const struct sockaddr *client,
			 const struct server *avoid, struct server **out)
{
	return choose(px, client, false, 0, avoid, out);
}

/* The key an HTTP balancing algorithm hashes, if the request has it. */
static bool http_key(const struct proxy *px, const struct http_txn *txn, struct http_str *key)
{
	switch (px->lb) {
	case LB_URI: {
		struct http_str u = px->lb_uri_whole ? txn->req.uri : http_req_path(&txn->req);

		if (px->lb_uri_depth > 0) {
			int depth = 0;

			for (size_t i = 0; i < u.len; i++)
				if (u.p[i] == '/' && ++depth > px->lb_uri_depth) {
					u.len = i;
					break;
				}
		}
		if (px->lb_uri_len > 0 && u.len > (size_t)px->lb_uri_len)
			u.len = (size_t)px->lb_uri_len;
		*key = u;
		return true;
	}
	case LB_URL_PARAM: {
		struct http_str q = http_req_query(&txn->req);
		size_t nlen = px->lb_param ? strlen(px->lb_param) : 0;
		const char *p = q.p, *end = q.p + q.len;

		while (nlen && p < end) {
			const char *amp = memchr(p, '&', (size_t)(end - p));
			const char *stop = amp ? amp : end;

			if ((size_t)(stop - p) > nlen && memcmp(p, px->lb_param, nlen) == 0 && p[nlen] == '=') {
				key->p = p + nlen + 1;
				key->len = (size_t)(stop - key->p);
				return true;
			}
			p = stop + 1;
		}
		return false;
	}
	case LB_HDR:
		return px->lb_param && http_hdr_get(&txn->req, px->lb_param, -1, key);
	default:
		return false;
	}
}

enum lb_result lb_choose_http(struct proxy *px, const struct http_txn *txn,
			      const struct server *avoid, struct server **out)
{
	struct http_str key;

	if (px->lb == LB_RANDOM)
		return choose(px, txn->src, true, (uint32_t)random(), avoid, out);
	if (http_key(px, txn, &key))
		return choose(px, txn->src, true, fnv1a(key.p, key.len), avoid, out);
	return choose(px, txn->src, false, 0, avoid, out);
}

static enum lb_result choose(struct proxy *px, const struct sockaddr *client, bool has_key,
			     uint32_t key_hash, const struct server *avoid, struct server **out)
{
	struct server *stack_cand[64], **cand = stack_cand, *srv;
	bool any_usable;
	int n;

	if (px->nservers > (int)ARRAY_SIZE(stack_cand))
		cand = xmalloc(sizeof(*cand) * (size_t)px->nservers);
	n = candidates(px, cand, avoid, &any_usable);
	if (n == 0) {
		if (cand != stack_cand)
			free(cand);
		return any_usable ? LB_FULL : LB_NONE;
	}
	enum lb_algo algo = px->lb;

	/* hashing algorithms without their key fall back to round robin */
	if (has_key)
		algo = LB_URI;
	else if (algo == LB_URI || algo == LB_URL_PARAM || algo == LB_HDR || algo == LB_RANDOM)
		algo = LB_ROUNDROBIN;
	switch (algo) {
	case LB_URI:
		srv = px->lb_consistent && px->lb != LB_RANDOM ? pick_consistent(cand, n, key_hash)
							       : pick_hash(cand, n, key_hash);
		break;
	case LB_LEASTCONN:
		srv = pick_leastconn(px, cand, n);
		break;
	case LB_SOURCE:
		srv = (px->lb_consistent ? pick_consistent : pick_hash)(cand, n, client ? lb_source_hash(client) : 0);
		break;
	case LB_FIRST:
		srv = cand[0];   /* candidates are in declaration order */
		break;
	case LB_ROUNDROBIN:
	case LB_STATIC_RR:
	default:
		srv = pick_smooth_rr(cand, n);
		break;
	}
	if (cand != stack_cand)
		free(cand);
	atomic_fetch_add(&srv->cur_sess, 1);
	*out = srv;
	return LB_OK;
}

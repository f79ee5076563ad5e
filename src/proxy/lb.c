/* lb: balancing algorithms (see lb.h).
 *
 * roundrobin and static-rr use smooth weighted round robin: every pick adds
 * each candidate's weight to its running score, takes the highest and
 * subtracts the total. Picks interleave in proportion to the weights
 * (5:1:1 gives a a b a c a a, not a a a a a b c) and weight changes apply at
 * once. leastconn takes the lowest sessions/weight ratio, ties going round
 * robin. source hashes the client address over the weighted server list
 * (HAProxy's map-based hash): a client keeps its server while the set of
 * usable servers is unchanged. first takes the first server, in declaration
 * order, that has a free slot.
 */
#include "proxy/lb.h"
#include "lib/util.h"

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

static struct server *pick_source(struct server **cand, int n, const struct sockaddr *client)
{
	uint64_t total = 0, point;

	for (int i = 0; i < n; i++)
		total += (uint64_t)server_eweight(cand[i]);
	point = client ? lb_source_hash(client) % total : 0;
	for (int i = 0; i < n; i++) {
		uint64_t w = (uint64_t)server_eweight(cand[i]);

		if (point < w)
			return cand[i];
		point -= w;
	}
	return cand[n - 1];
}

enum lb_result lb_choose(struct proxy *px, const struct sockaddr *client,
			 const struct server *avoid, struct server **out)
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
	switch (px->lb) {
	case LB_LEASTCONN:
		srv = pick_leastconn(px, cand, n);
		break;
	case LB_SOURCE:
		srv = pick_source(cand, n, client);
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

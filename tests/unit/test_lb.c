/* Balancing: weighted distribution, backups, maxconn, source hashing. */
#include "unit.h"
#include "proxy/lb.h"
#include "proxy/proxy.h"
#include "proxy/stream.h"
#include "lib/util.h"

#include <arpa/inet.h>
#include <netinet/in.h>

/* The data path is not part of these tests. */
void stream_shutdown_server_sessions(struct server *srv) { (void)srv; }
void queue_process(struct proxy *px) { (void)px; }

static struct proxy *backend(int n, const int *weights, unsigned backups_mask, enum lb_algo algo)
{
	struct proxy *px = xcalloc(1, sizeof(*px));

	px->id = xstrdup("be");
	px->cap = PX_CAP_BE;
	px->lb = algo;
	px->retries = 3;
	pthread_mutex_init(&px->lock, NULL);
	px->servers = xcalloc((size_t)n, sizeof(*px->servers));
	for (int i = 0; i < n; i++) {
		struct server *s = xcalloc(1, sizeof(*s));

		s->px = px;
		s->id = xasprintf("s%d", i);
		s->puid = i + 1;
		s->iweight = s->uweight = weights ? weights[i] : 1;
		s->backup = backups_mask & (1u << i);
		s->rise = 2;
		s->fall = 3;
		s->health = 2;
		s->op_state = SRV_ST_RUNNING;
		px->servers[px->nservers++] = s;
	}
	return px;
}

static void free_backend(struct proxy *px)
{
	for (int i = 0; i < px->nservers; i++) {
		free(px->servers[i]->id);
		free(px->servers[i]);
	}
	free(px->servers);
	free(px->id);
	free(px);
}

static struct server *choose(struct proxy *px, const struct sockaddr *client)
{
	struct server *s = NULL;

	CHECK_INT(lb_choose(px, client, NULL, &s), LB_OK);
	atomic_fetch_sub(&s->cur_sess, 1);
	return s;
}

static void test_roundrobin_weights_and_interleaving(void)
{
	static const int w[] = { 5, 1, 1 };
	struct proxy *px = backend(3, w, 0, LB_ROUNDROBIN);
	char seq[8] = { 0 };
	int count[3] = { 0 };

	for (int i = 0; i < 7; i++)
		seq[i] = (char)('a' + choose(px, NULL)->puid - 1);
	/* smooth: the heavy server is spread out, never 5 in a row */
	CHECK_STR(seq, "aabacaa");
	for (int i = 0; i < 700; i++)
		count[choose(px, NULL)->puid - 1]++;
	CHECK_INT(count[0], 500);
	CHECK_INT(count[1], 100);
	CHECK_INT(count[2], 100);
	free_backend(px);
}

static void test_weight_zero_and_down_servers_get_nothing(void)
{
	static const int w[] = { 1, 0, 1 };
	struct proxy *px = backend(3, w, 0, LB_ROUNDROBIN);

	px->servers[2]->op_state = SRV_ST_STOPPED;
	px->servers[2]->health = 0;
	for (int i = 0; i < 10; i++)
		CHECK_STR(choose(px, NULL)->id, "s0");
	free_backend(px);
}

static void test_backup_only_when_no_active(void)
{
	struct proxy *px = backend(4, NULL, 0xC, LB_ROUNDROBIN);   /* s2, s3 backups */
	struct server *s = NULL;

	for (int i = 0; i < 10; i++)
		CHECK(!choose(px, NULL)->backup);
	px->servers[0]->admin |= SRV_ADMF_FMAINT;
	px->servers[1]->admin |= SRV_ADMF_FMAINT;
	/* only the first backup, unless allbackups */
	for (int i = 0; i < 6; i++)
		CHECK_STR(choose(px, NULL)->id, "s2");
	px->options |= PXO_ALLBACKUPS;
	int seen3 = 0;
	for (int i = 0; i < 6; i++)
		seen3 += choose(px, NULL)->puid == 4;
	CHECK_INT(seen3, 3);
	px->servers[2]->admin |= SRV_ADMF_FMAINT;
	px->servers[3]->admin |= SRV_ADMF_FMAINT;
	CHECK_INT(lb_choose(px, NULL, NULL, &s), LB_NONE);
	free_backend(px);
}

static void test_maxconn_full_means_queue(void)
{
	struct proxy *px = backend(2, NULL, 0, LB_ROUNDROBIN);
	struct server *a = NULL, *b = NULL, *c = NULL;

	px->servers[0]->maxconn = 1;
	px->servers[1]->maxconn = 1;
	CHECK_INT(lb_choose(px, NULL, NULL, &a), LB_OK);
	CHECK_INT(lb_choose(px, NULL, NULL, &b), LB_OK);
	CHECK(a != b);
	CHECK_INT(lb_choose(px, NULL, NULL, &c), LB_FULL);
	atomic_fetch_sub(&a->cur_sess, 1);
	CHECK_INT(lb_choose(px, NULL, NULL, &c), LB_OK);
	CHECK(c == a);
	free_backend(px);
}

static void test_leastconn_prefers_idle(void)
{
	struct proxy *px = backend(3, NULL, 0, LB_LEASTCONN);
	struct server *s = NULL;

	atomic_store(&px->servers[0]->cur_sess, 5);
	atomic_store(&px->servers[1]->cur_sess, 1);
	atomic_store(&px->servers[2]->cur_sess, 3);
	CHECK_INT(lb_choose(px, NULL, NULL, &s), LB_OK);
	CHECK_STR(s->id, "s1");
	free_backend(px);
}

static void test_first_fills_in_order(void)
{
	struct proxy *px = backend(3, NULL, 0, LB_FIRST);
	struct server *s = NULL;

	for (int i = 0; i < 3; i++)
		px->servers[i]->maxconn = 2;
	for (int i = 0; i < 6; i++) {
		CHECK_INT(lb_choose(px, NULL, NULL, &s), LB_OK);
		CHECK_INT(s->puid, i / 2 + 1);
	}
	free_backend(px);
}

static void test_source_hash_is_stable(void)
{
	struct proxy *px = backend(4, NULL, 0, LB_SOURCE);
	struct sockaddr_in sin = { .sin_family = AF_INET };
	int per_server[4] = { 0 };

	for (int i = 0; i < 200; i++) {
		struct server *first;

		sin.sin_addr.s_addr = htonl(0xC6120000u + (uint32_t)i * 7919u);
		first = choose(px, (struct sockaddr *)&sin);
		per_server[first->puid - 1]++;
		for (int k = 0; k < 5; k++)
			CHECK(choose(px, (struct sockaddr *)&sin) == first);
	}
	/* every server gets a share of 200 clients */
	for (int i = 0; i < 4; i++)
		CHECK(per_server[i] > 20);
	free_backend(px);
}

/* Clients that move when server s2 goes into maintenance: with the
 * map-based hash (default) many of the others move too; with hash-type
 * consistent only s2's own, and they spread over the rest. */
static int moved_others(bool consistent, int *spread)
{
	static const int weights[4] = { 1, 2, 1, 1 };
	struct proxy *px = backend(4, weights, 0, LB_SOURCE);
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct server *before[400];
	int others = 0;

	px->lb_consistent = consistent;
	for (int i = 0; i < 400; i++) {
		sin.sin_addr.s_addr = htonl(0xC6120000u + (uint32_t)i * 7919u);
		before[i] = choose(px, (struct sockaddr *)&sin);
	}
	px->servers[2]->admin |= SRV_ADMF_FMAINT;
	for (int i = 0; i < 400; i++) {
		struct server *now;

		sin.sin_addr.s_addr = htonl(0xC6120000u + (uint32_t)i * 7919u);
		now = choose(px, (struct sockaddr *)&sin);
		CHECK(now != px->servers[2]);
		if (before[i] == px->servers[2])
			spread[now->puid - 1]++;
		else if (now != before[i])
			others++;
	}
	free_backend(px);
	return others;
}

static void test_consistent_hash_moves_only_the_down_servers_clients(void)
{
	int spread[4] = { 0 }, spread_map[4] = { 0 };
	static const int weights[4] = { 1, 2, 1, 1 };
	struct proxy *px = backend(4, weights, 0, LB_SOURCE);
	struct sockaddr_in sin = { .sin_family = AF_INET };
	int per_server[4] = { 0 };

	CHECK_INT(moved_others(true, spread), 0);
	for (int i = 0; i < 4; i++)
		if (i != 2)
			CHECK(spread[i] > 0);
	CHECK(moved_others(false, spread_map) > 40);
	/* shares follow the weights (1:2:1:1 of 1000 clients) */
	px->lb_consistent = true;
	for (int i = 0; i < 1000; i++) {
		sin.sin_addr.s_addr = htonl(0x0A000000u + (uint32_t)i * 104729u);
		per_server[choose(px, (struct sockaddr *)&sin)->puid - 1]++;
	}
	CHECK(per_server[1] > 300 && per_server[1] < 500);
	for (int i = 0; i < 4; i++)
		if (i != 1)
			CHECK(per_server[i] > 130 && per_server[i] < 270);
	free_backend(px);
}

static void test_redispatch_avoids_failed_server(void)
{
	struct proxy *px = backend(2, NULL, 0, LB_ROUNDROBIN);
	struct server *s = NULL;

	for (int i = 0; i < 6; i++) {
		CHECK_INT(lb_choose(px, NULL, px->servers[0], &s), LB_OK);
		CHECK_STR(s->id, "s1");
		atomic_fetch_sub(&s->cur_sess, 1);
	}
	free_backend(px);
}

int main(void)
{
	RUN(test_roundrobin_weights_and_interleaving);
	RUN(test_weight_zero_and_down_servers_get_nothing);
	RUN(test_backup_only_when_no_active);
	RUN(test_maxconn_full_means_queue);
	RUN(test_leastconn_prefers_idle);
	RUN(test_first_fills_in_order);
	RUN(test_source_hash_is_stable);
	RUN(test_consistent_hash_moves_only_the_down_servers_clients);
	RUN(test_redispatch_avoids_failed_server);
	UNIT_DONE();
}

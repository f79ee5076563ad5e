/* Stick tables: persistence, expiry, eviction, server state. */
#include "unit.h"
#include "proxy/stick.h"
#include "proxy/stream.h"
#include "lib/util.h"

#include <arpa/inet.h>
#include <netinet/in.h>

void stream_shutdown_server_sessions(struct server *srv) { (void)srv; }
void queue_process(struct proxy *px) { (void)px; }

static struct proxy *backend_with_table(const char *table_line, const char *rule_line)
{
	struct proxy *px = xcalloc(1, sizeof(*px));
	char buf[256], *args[16], warn[256], err[256];
	int argc = 0;

	px->id = xstrdup("be");
	pthread_mutex_init(&px->lock, NULL);
	for (int i = 0; i < 3; i++) {
		struct server *s = xcalloc(1, sizeof(*s));

		s->px = px;
		s->puid = i + 1;
		s->id = xasprintf("s%d", i + 1);
		s->iweight = s->uweight = 1;
		s->op_state = SRV_ST_RUNNING;
		px->servers = xrealloc(px->servers, sizeof(*px->servers) * (size_t)(i + 1));
		px->servers[px->nservers++] = s;
	}
	snprintf(buf, sizeof(buf), "%s", table_line);
	for (char *t = strtok(buf, " "); t; t = strtok(NULL, " "))
		args[argc++] = t;
	px->stick_table = stick_table_parse(args, argc, err, sizeof(err), warn, sizeof(warn));
	CHECK(px->stick_table != NULL);
	snprintf(buf, sizeof(buf), "%s", rule_line);
	argc = 0;
	for (char *t = strtok(buf, " "); t; t = strtok(NULL, " "))
		args[argc++] = t;
	px->stick_rules = xcalloc(1, sizeof(*px->stick_rules));
	CHECK(stick_rule_parse(px, args, argc, &px->stick_rules[0], err, sizeof(err)) == 0);
	px->nstick_rules = 1;
	return px;
}

static void free_backend(struct proxy *px)
{
	stick_rule_release(&px->stick_rules[0]);
	free(px->stick_rules);
	stick_table_free(px->stick_table);
	for (int i = 0; i < px->nservers; i++) {
		free(px->servers[i]->id);
		free(px->servers[i]);
	}
	free(px->servers);
	free(px->id);
	free(px);
}

static struct sockaddr_in ip(const char *a)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };

	inet_pton(AF_INET, a, &sin.sin_addr);
	return sin;
}

#define SA(x) ((struct sockaddr *)&(x))

static void test_stick_on_src_remembers_the_server(void)
{
	struct proxy *px = backend_with_table("stick-table type ip size 10", "stick on src");
	struct sockaddr_in c1 = ip("198.18.0.1"), c2 = ip("198.18.0.2"), d = ip("127.0.0.1");

	CHECK(stick_lookup(px, SA(c1), SA(d), 0) == NULL);
	stick_store(px, SA(c1), SA(d), px->servers[1], 0);
	CHECK(stick_lookup(px, SA(c1), SA(d), 5) == px->servers[1]);
	CHECK(stick_lookup(px, SA(c2), SA(d), 5) == NULL);
	stick_store(px, SA(c1), SA(d), px->servers[2], 6);      /* moved */
	CHECK(stick_lookup(px, SA(c1), SA(d), 7) == px->servers[2]);
	CHECK_INT(stick_table_count(px->stick_table), 1);
	free_backend(px);
}

static void test_down_or_maint_server_is_not_used_drain_is(void)
{
	struct proxy *px = backend_with_table("stick-table type ip size 10", "stick on dst");
	struct sockaddr_in c = ip("198.18.0.1"), d = ip("127.0.0.1");

	stick_store(px, SA(c), SA(d), px->servers[0], 0);
	px->servers[0]->admin = SRV_ADMF_FDRAIN;
	CHECK(stick_lookup(px, SA(c), SA(d), 1) == px->servers[0]);
	px->servers[0]->admin = SRV_ADMF_FMAINT;
	CHECK(stick_lookup(px, SA(c), SA(d), 1) == NULL);
	px->servers[0]->admin = 0;
	px->servers[0]->op_state = SRV_ST_STOPPED;
	CHECK(stick_lookup(px, SA(c), SA(d), 1) == NULL);
	free_backend(px);
}

static void test_entries_expire(void)
{
	struct proxy *px = backend_with_table("stick-table type ip size 10 expire 100ms", "stick on src");
	struct sockaddr_in c = ip("198.18.0.1"), d = ip("127.0.0.1");

	stick_store(px, SA(c), SA(d), px->servers[0], 1000);
	CHECK(stick_lookup(px, SA(c), SA(d), 1050) == px->servers[0]);   /* refreshed */
	CHECK(stick_lookup(px, SA(c), SA(d), 1140) == px->servers[0]);
	CHECK(stick_lookup(px, SA(c), SA(d), 1300) == NULL);
	CHECK_INT(stick_table_count(px->stick_table), 0);
	free_backend(px);
}

static void test_full_table_evicts_least_recent(void)
{
	struct proxy *px = backend_with_table("stick-table type ip size 2", "stick on src");
	struct sockaddr_in a = ip("198.18.0.1"), b = ip("198.18.0.2"), c = ip("198.18.0.3"), d = ip("127.0.0.1");

	stick_store(px, SA(a), SA(d), px->servers[0], 0);
	stick_store(px, SA(b), SA(d), px->servers[1], 1);
	CHECK(stick_lookup(px, SA(a), SA(d), 2) == px->servers[0]);      /* a is now recent */
	stick_store(px, SA(c), SA(d), px->servers[2], 3);                 /* evicts b */
	CHECK_INT(stick_table_count(px->stick_table), 2);
	CHECK(stick_lookup(px, SA(b), SA(d), 4) == NULL);
	CHECK(stick_lookup(px, SA(a), SA(d), 4) == px->servers[0]);
	CHECK(stick_lookup(px, SA(c), SA(d), 4) == px->servers[2]);
	free_backend(px);
}

static void test_nopurge_keeps_old_entries(void)
{
	struct proxy *px = backend_with_table("stick-table type ip size 1 nopurge", "stick on src");
	struct sockaddr_in a = ip("198.18.0.1"), b = ip("198.18.0.2"), d = ip("127.0.0.1");

	stick_store(px, SA(a), SA(d), px->servers[0], 0);
	stick_store(px, SA(b), SA(d), px->servers[1], 1);
	CHECK(stick_lookup(px, SA(a), SA(d), 2) == px->servers[0]);
	CHECK(stick_lookup(px, SA(b), SA(d), 2) == NULL);
	free_backend(px);
}

static void test_ipv6_table_takes_both_families(void)
{
	struct proxy *px = backend_with_table("stick-table type ipv6 size 10", "stick on src");
	struct sockaddr_in a = ip("198.18.0.1"), d = ip("127.0.0.1");
	struct sockaddr_in6 v6 = { .sin6_family = AF_INET6 };

	inet_pton(AF_INET6, "2001:db8::1", &v6.sin6_addr);
	stick_store(px, SA(a), SA(d), px->servers[0], 0);
	stick_store(px, SA(v6), SA(d), px->servers[1], 0);
	CHECK(stick_lookup(px, SA(a), SA(d), 1) == px->servers[0]);
	CHECK(stick_lookup(px, SA(v6), SA(d), 1) == px->servers[1]);
	free_backend(px);
}

int main(void)
{
	RUN(test_stick_on_src_remembers_the_server);
	RUN(test_down_or_maint_server_is_not_used_drain_is);
	RUN(test_entries_expire);
	RUN(test_full_table_evicts_least_recent);
	RUN(test_nopurge_keeps_old_entries);
	RUN(test_ipv6_table_takes_both_families);
	UNIT_DONE();
}

/* A hand-built configuration shared by the stats page and exporter tests:
 * frontend "fe" (http) -> backend "be" (http, four servers in four
 * states), and a tcp listen "db" with one server. Include once per test
 * file, after unit.h. */
#ifndef VIGIL_TEST_FIXTURE_PXCONF_H
#define VIGIL_TEST_FIXTURE_PXCONF_H

#include "lib/ev.h"
#include "lib/strbuf.h"
#include "lib/util.h"
#include "proxy/proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>

void stream_shutdown_server_sessions(struct server *srv);
void queue_process(struct proxy *px);
void stream_shutdown_server_sessions(struct server *srv) { (void)srv; }
void queue_process(struct proxy *px) { (void)px; }

/* ---- fixture: frontend "fe" (http) -> backend "be" (http, four
 * servers in four states), and a tcp listen "db" with one server ---- */

struct env {
	struct pxconf c;
	struct proxy fe, be, db;
	struct proxy *proxies[3];
	struct server s[5];
	struct server *be_servers[4], *db_servers[1];
};

static struct env E;

static void set_addr(struct addr *a, const char *ip, int port)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&a->ss;

	memset(a, 0, sizeof(*a));
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)port);
	inet_pton(AF_INET, ip, &sin->sin_addr);
	a->len = sizeof(*sin);
	a->port_given = true;
	a->port_end = port;
}

static void init_proxy(struct proxy *px, const char *id, int uuid, unsigned cap,
		       enum px_mode mode)
{
	px->id = xstrdup(id);
	px->uuid = uuid;
	px->cap = cap;
	px->mode = mode;
	px->retries = 3;
	pthread_mutex_init(&px->lock, NULL);
	px->last_change_ms = ev_monotonic_ms();
}

static struct server *init_server(int i, struct proxy *px, const char *id, int puid,
				  int port, bool check)
{
	struct server *s = &E.s[i];

	s->px = px;
	s->id = xstrdup(id);
	s->puid = puid;
	set_addr(&s->addr, "127.0.0.1", port);
	s->addr_port_given = true;
	s->iweight = s->uweight = 1;
	s->rise = 2;
	s->fall = 3;
	s->health = check ? 4 : 2;
	s->check_enabled = check;
	s->op_state = SRV_ST_RUNNING;
	s->check_status = check ? HCHK_L4OK : HCHK_UNKNOWN;
	s->last_change_ms = ev_monotonic_ms();
	return s;
}

static void env_init(void)
{
	struct pxconf *c = &E.c;

	memset(&E, 0, sizeof(E));
	c->global.maxconn = 4096;
	c->rt.pid = 4242;
	c->rt.nbthread = 1;
	c->rt.start_wall_s = 1795626065;
	c->rt.start_mono_ms = ev_monotonic_ms();
	init_proxy(&E.fe, "fe", 1, PX_CAP_FE, PX_MODE_HTTP);
	init_proxy(&E.be, "be", 2, PX_CAP_BE, PX_MODE_HTTP);
	init_proxy(&E.db, "db", 3, PX_CAP_FE | PX_CAP_BE, PX_MODE_TCP);
	E.fe.default_backend = &E.be;
	E.fe.maxconn = 100;
	E.db.maxconn = 50;

	/* s1: UP, L7OK/200 in 3ms; s2: DOWN, L4CON; s3: no check;
	 * s4: backup in maintenance */
	E.be_servers[0] = init_server(0, &E.be, "s1", 1, 8001, true);
	E.s[0].check_status = HCHK_L7OK;
	E.s[0].check_code = 200;
	E.s[0].check_duration_ms = 3;
	E.s[0].maxconn = 20;
	E.be_servers[1] = init_server(1, &E.be, "s2", 2, 8002, true);
	E.s[1].op_state = SRV_ST_STOPPED;
	E.s[1].health = 0;
	E.s[1].check_status = HCHK_L4CON;
	snprintf(E.s[1].check_desc, sizeof(E.s[1].check_desc), "Connection refused");
	E.be_servers[2] = init_server(2, &E.be, "s3", 3, 8003, false);
	E.be_servers[3] = init_server(3, &E.be, "s4", 4, 8004, true);
	E.s[3].backup = true;
	E.s[3].admin = SRV_ADMF_FMAINT;
	E.s[3].op_state = SRV_ST_STOPPED;
	E.be.servers = E.be_servers;
	E.be.nservers = 4;
	E.db_servers[0] = init_server(4, &E.db, "m1", 1, 3306, true);
	E.db.servers = E.db_servers;
	E.db.nservers = 1;

	/* traffic */
	atomic_store(&E.fe.cur_conn, 2);
	atomic_store(&E.fe.cnt.max_sess, 5);
	atomic_store(&E.fe.cnt.cum_sess, 40);
	atomic_store(&E.fe.cnt.cum_conn, 41);
	atomic_store(&E.fe.cnt.bytes_in, 1000);
	atomic_store(&E.fe.cnt.bytes_out, 20000);
	atomic_store(&E.fe.cnt.http_reqs, 50);
	atomic_store(&E.fe.cnt.http_rsp[1], 45);
	atomic_store(&E.fe.cnt.http_rsp[3], 4);
	atomic_store(&E.fe.cnt.http_rsp[4], 1);
	atomic_store(&E.fe.cnt.intercepted, 2);
	atomic_store(&E.be.cnt.cum_sess, 38);
	atomic_store(&E.be.cnt.http_reqs, 48);
	atomic_store(&E.be.cnt.http_rsp[1], 45);
	atomic_store(&E.be.cnt.failed_conns, 3);
	atomic_store(&E.s[0].cnt.cum_sess, 38);
	atomic_store(&E.s[0].cnt.http_rsp[1], 45);
	atomic_store(&E.s[1].cnt.failed_checks, 7);
	atomic_store(&E.s[1].cnt.down_trans, 1);

	E.proxies[0] = &E.fe;
	E.proxies[1] = &E.be;
	E.proxies[2] = &E.db;
	c->proxies = E.proxies;
	c->nproxies = 3;
}

#endif

/* Tests for src/proxy/prom.c: the exporter's output for a hand-built
 * configuration, line by line against the lines HAProxy 2.6.12 printed
 * for servers in the same states, and every line checked against the
 * text exposition format. */
#include "unit.h"
#include "lib/ev.h"
#include "lib/strbuf.h"
#include "lib/util.h"
#include "proxy/prom.h"
#include "proxy/proxy.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <pthread.h>

/* stream.c is another module's; these stand in for it here. */
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

/* The whole output, in a buffer reused by every call of a test. */
static const char *export(void)
{
	static struct strbuf sb = STRBUF_INIT;

	sb_free(&sb);
	prom_export(&E.c, &sb);
	return sb_str(&sb);
}

/* name{label="v",...} value, as the 0.0.4 text format allows it. */
static bool sample_line_ok(const char *l, const char *end)
{
	const char *p = l;

	if (!(isalpha((unsigned char)*p) || *p == '_'))
		return false;
	while (p < end && (isalnum((unsigned char)*p) || *p == '_'))
		p++;
	if (p < end && *p == '{') {
		p++;
		while (p < end && *p != '}') {
			while (p < end && (isalnum((unsigned char)*p) || *p == '_'))
				p++;
			if (p + 1 >= end || p[0] != '=' || p[1] != '"')
				return false;
			p += 2;
			while (p < end && *p != '"') {
				if (*p == '\\')
					p++;
				p++;
			}
			if (p >= end)
				return false;
			p++;
			if (p < end && *p == ',')
				p++;
		}
		if (p >= end)
			return false;
		p++;
	}
	if (p >= end || *p != ' ')
		return false;
	p++;
	if (end - p == 3 && !memcmp(p, "NaN", 3))
		return true;
	if (p == end)
		return false;
	for (; p < end; p++)
		if (!isdigit((unsigned char)*p) && *p != '.')
			return false;
	return true;
}

static void test_every_line_parses(void)
{
	const char *out;
	int samples = 0, helps = 0, types = 0;

	env_init();
	out = export();
	CHECK(out != NULL);
	for (const char *l = out; *l; ) {
		const char *end = strchr(l, '\n');

		CHECK(end != NULL);
		if (!strncmp(l, "# HELP haproxy_", 15)) {
			helps++;
		} else if (!strncmp(l, "# TYPE haproxy_", 15)) {
			CHECK(!strncmp(end - 6, " gauge", 6) || !strncmp(end - 8, " counter", 8));
			types++;
		} else {
			if (!sample_line_ok(l, end)) {
				fprintf(stderr, "bad line: %.*s\n", (int)(end - l), l);
				CHECK(0);
			}
			samples++;
		}
		l = end + 1;
	}
	CHECK_INT(helps, types);
	CHECK(helps >= 70);
	CHECK(samples > helps);
}

static void test_process(void)
{
	const char *out;

	env_init();
	out = export();
	CHECK(!strncmp(out, "# HELP haproxy_process_nbthread Number of started threads "
		       "(global.nbthread)\n# TYPE haproxy_process_nbthread gauge\n"
		       "haproxy_process_nbthread 1\n", 113));
	CHECK_CONTAINS(out, "\nhaproxy_process_max_connections 4096\n");
	CHECK_CONTAINS(out, "\nhaproxy_process_requests_total 50\n");
	CHECK_CONTAINS(out, "\nhaproxy_process_build_info{version=\"");
	CHECK_CONTAINS(out, "\n# TYPE haproxy_process_start_time_seconds gauge\n"
		       "haproxy_process_start_time_seconds 1795626065\n");
	CHECK_CONTAINS(out, "\nhaproxy_process_uptime_seconds 0\n");
}

static void test_frontend(void)
{
	const char *out;

	env_init();
	out = export();
	CHECK_CONTAINS(out, "# HELP haproxy_frontend_current_sessions Number of current sessions "
		       "on the frontend, backend or server\n"
		       "# TYPE haproxy_frontend_current_sessions gauge\n"
		       "haproxy_frontend_current_sessions{proxy=\"fe\"} 2\n"
		       "haproxy_frontend_current_sessions{proxy=\"db\"} 0\n");
	CHECK_CONTAINS(out, "haproxy_frontend_limit_sessions{proxy=\"fe\"} 100\n");
	CHECK_CONTAINS(out, "haproxy_frontend_status{proxy=\"fe\",state=\"DOWN\"} 0\n"
		       "haproxy_frontend_status{proxy=\"fe\",state=\"UP\"} 1\n"
		       "haproxy_frontend_status{proxy=\"db\",state=\"DOWN\"} 0\n");
	CHECK_CONTAINS(out, "# TYPE haproxy_frontend_http_responses_total counter\n"
		       "haproxy_frontend_http_responses_total{proxy=\"fe\",code=\"1xx\"} 0\n"
		       "haproxy_frontend_http_responses_total{proxy=\"fe\",code=\"2xx\"} 45\n"
		       "haproxy_frontend_http_responses_total{proxy=\"fe\",code=\"3xx\"} 0\n"
		       "haproxy_frontend_http_responses_total{proxy=\"fe\",code=\"4xx\"} 4\n"
		       "haproxy_frontend_http_responses_total{proxy=\"fe\",code=\"5xx\"} 1\n"
		       "haproxy_frontend_http_responses_total{proxy=\"fe\",code=\"other\"} 0\n"
		       "# HELP haproxy_frontend_http_requests_total");
	CHECK_CONTAINS(out, "# TYPE haproxy_frontend_http_requests_total counter\n"
		       "haproxy_frontend_http_requests_total{proxy=\"fe\"} 50\n# HELP");
	CHECK_CONTAINS(out, "haproxy_frontend_intercepted_requests_total{proxy=\"fe\"} 2\n# HELP");
	CHECK_CONTAINS(out, "haproxy_frontend_connections_total{proxy=\"fe\"} 41\n"
		       "haproxy_frontend_connections_total{proxy=\"db\"} 0\n");
	/* no HTTP metrics for the tcp proxy */
	CHECK(!strstr(out, "haproxy_frontend_http_requests_total{proxy=\"db\"}"));
	CHECK(!strstr(out, "haproxy_backend_http_responses_total{proxy=\"db\""));
}

static void test_backend(void)
{
	const char *out;

	env_init();
	out = export();
	CHECK_CONTAINS(out, "haproxy_backend_status{proxy=\"be\",state=\"DOWN\"} 0\n"
		       "haproxy_backend_status{proxy=\"be\",state=\"UP\"} 1\n");
	/* s1 and s3 are usable actives, s4 (backup) is in maintenance */
	CHECK_CONTAINS(out, "haproxy_backend_active_servers{proxy=\"be\"} 2\n");
	CHECK_CONTAINS(out, "haproxy_backend_backup_servers{proxy=\"be\"} 0\n");
	CHECK_CONTAINS(out, "haproxy_backend_weight{proxy=\"be\"} 2\n");
	CHECK_CONTAINS(out, "haproxy_backend_connection_errors_total{proxy=\"be\"} 3\n");
	/* fullconn: 10% of fe's maxconn 100 */
	CHECK_CONTAINS(out, "haproxy_backend_limit_sessions{proxy=\"be\"} 10\n");
	CHECK_CONTAINS(out, "haproxy_backend_http_requests_total{proxy=\"be\"} 48\n");
	CHECK_CONTAINS(out, "haproxy_backend_http_responses_total{proxy=\"be\",code=\"2xx\"} 45\n");
}

static void test_server_status_as_haproxy(void)
{
	const char *out;

	env_init();
	out = export();
	CHECK_CONTAINS(out, "# HELP haproxy_server_status Current status of the service, per "
		       "state label value.\n# TYPE haproxy_server_status gauge\n"
		       "haproxy_server_status{proxy=\"be\",server=\"s1\",state=\"DOWN\"} 0\n"
		       "haproxy_server_status{proxy=\"be\",server=\"s1\",state=\"UP\"} 1\n"
		       "haproxy_server_status{proxy=\"be\",server=\"s1\",state=\"MAINT\"} 0\n"
		       "haproxy_server_status{proxy=\"be\",server=\"s1\",state=\"DRAIN\"} 0\n"
		       "haproxy_server_status{proxy=\"be\",server=\"s1\",state=\"NOLB\"} 0\n"
		       "haproxy_server_status{proxy=\"be\",server=\"s2\",state=\"DOWN\"} 1\n"
		       "haproxy_server_status{proxy=\"be\",server=\"s2\",state=\"UP\"} 0\n");
	CHECK_CONTAINS(out, "haproxy_server_status{proxy=\"be\",server=\"s4\",state=\"MAINT\"} 1\n");
	CHECK_CONTAINS(out, "haproxy_server_status{proxy=\"db\",server=\"m1\",state=\"UP\"} 1\n");
	CHECK_CONTAINS(out, "haproxy_server_limit_sessions{proxy=\"be\",server=\"s1\"} 20\n"
		       "haproxy_server_limit_sessions{proxy=\"be\",server=\"s2\"} NaN\n");
	CHECK_CONTAINS(out, "haproxy_server_check_failures_total{proxy=\"be\",server=\"s2\"} 7\n"
		       "haproxy_server_check_failures_total{proxy=\"be\",server=\"s3\"} NaN\n");
	CHECK_CONTAINS(out, "haproxy_server_check_status{proxy=\"be\",server=\"s2\",state=\"L4CON\"} 1\n");
	CHECK_CONTAINS(out, "haproxy_server_check_status{proxy=\"be\",server=\"s1\",state=\"L7OK\"} 1\n");
	/* unchecked and maintenance servers have no check_status lines */
	CHECK(!strstr(out, "haproxy_server_check_status{proxy=\"be\",server=\"s3\""));
	CHECK(!strstr(out, "haproxy_server_check_status{proxy=\"be\",server=\"s4\""));
	CHECK_CONTAINS(out, "haproxy_server_check_code{proxy=\"be\",server=\"s1\"} 200\n"
		       "haproxy_server_check_code{proxy=\"be\",server=\"s2\"} 0\n"
		       "haproxy_server_check_code{proxy=\"db\",server=\"m1\"} 0\n# HELP");
	CHECK(!strstr(out, "haproxy_server_check_duration_seconds{proxy=\"be\",server=\"s4\"}"));
	CHECK_CONTAINS(out, "haproxy_server_check_duration_seconds{proxy=\"be\",server=\"s1\"} 0.003000\n");
	CHECK_CONTAINS(out, "haproxy_server_http_responses_total{proxy=\"be\",server=\"s1\",code=\"2xx\"} 45\n");
	CHECK(!strstr(out, "haproxy_server_http_responses_total{proxy=\"db\""));
	CHECK_CONTAINS(out, "haproxy_server_weight{proxy=\"be\",server=\"s1\"} 1\n"
		       "haproxy_server_weight{proxy=\"be\",server=\"s2\"} 0\n");
}

static void test_drain_and_label_escaping(void)
{
	const char *out;

	env_init();
	E.s[0].admin = SRV_ADMF_FDRAIN;
	free(E.be.id);
	E.be.id = xstrdup("a\"b\\c");
	out = export();
	CHECK_CONTAINS(out, "haproxy_server_status{proxy=\"a\\\"b\\\\c\",server=\"s1\",state=\"DRAIN\"} 1\n");
}

int main(void)
{
	RUN(test_every_line_parses);
	RUN(test_process);
	RUN(test_frontend);
	RUN(test_backend);
	RUN(test_server_status_as_haproxy);
	RUN(test_drain_and_label_escaping);
	UNIT_DONE();
}

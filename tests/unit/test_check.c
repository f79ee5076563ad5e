/* Tests for src/proxy/check.c: real checks against sockets this test
 * opens on 127.0.0.1 (accepting, refusing, silent, HTTP, tcp-check and
 * MySQL responders), each run on an event loop until the first result
 * arrives (bounded in time). */
#include "unit.h"
#include "proxy/check.h"
#include "proxy/proxy.h"
#include "proxy/stream.h"
#include "lib/ev.h"
#include "lib/log.h"
#include "lib/util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>

/* Test doubles for the stream layer (src/proxy/stream.c is not linked in:
 * nothing else here needs it). */
void stream_shutdown_server_sessions(struct server *srv) { }
void queue_process(struct proxy *px) { }

/* ---- a fake server on the test's loop ---- */

struct fake {
	int lfd, port;
	struct ev_io lio;
	const char *greeting;   /* sent on accept (MySQL speaks first) */
	size_t greeting_len;
	const char *reply;      /* sent once a request arrived */
	size_t reply_len;
	bool silent;            /* never answers */
	char got[4096];         /* what the check sent */
	size_t got_len;
	struct ev_io cio;       /* one connection at a time */
	int cfd;
};

static void fake_send(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

static void fake_conn_cb(struct ev_loop *loop, struct ev_io *io, uint32_t events)
{
	struct fake *f = io->data;
	ssize_t n = recv(io->fd, f->got + f->got_len, sizeof(f->got) - 1 - f->got_len, 0);

	if (n > 0) {
		f->got_len += (size_t)n;
		f->got[f->got_len] = 0;
		if (f->reply && !f->silent) {
			fake_send(io->fd, f->reply, f->reply_len);
			shutdown(io->fd, SHUT_WR);
			f->reply = NULL;
		}
		return;
	}
	/* Peer closed: forget this connection. */
	ev_io_stop(loop, io);
	close(f->cfd);
	f->cfd = -1;
}

static void fake_accept_cb(struct ev_loop *loop, struct ev_io *io, uint32_t events)
{
	struct fake *f = io->data;
	int fd = accept4(f->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (fd < 0)
		return;
	if (f->cfd >= 0) {
		ev_io_stop(loop, &f->cio);
		close(f->cfd);
	}
	f->cfd = fd;
	if (f->greeting)
		fake_send(fd, f->greeting, f->greeting_len);
	ev_io_init(&f->cio, fake_conn_cb, f);
	CHECK(ev_io_start(loop, &f->cio, fd, EPOLLIN) == 0);
}

static int listen_any(int *port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	CHECK(fd >= 0);
	CHECK(bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0);
	CHECK(listen(fd, 16) == 0);
	CHECK(getsockname(fd, (struct sockaddr *)&sin, &len) == 0);
	*port = ntohs(sin.sin_port);
	return fd;
}

static void fake_start(struct fake *f, struct ev_loop *loop)
{
	f->lfd = listen_any(&f->port);
	f->cfd = -1;
	ev_io_init(&f->lio, fake_accept_cb, f);
	CHECK(ev_io_start(loop, &f->lio, f->lfd, EPOLLIN) == 0);
}

/* A port nobody listens on. */
static int closed_port(void)
{
	int port, fd = listen_any(&port);

	close(fd);
	return port;
}

/* ---- the checked backend ---- */

struct rig {
	struct pxconf conf;
	struct proxy *px;
	struct server *srv;
	struct ev_loop *loop;
	struct ev_timer poll, guard;
	bool timed_out;
};

static void rig_init(struct rig *r, enum check_type type, int port)
{
	char spec[64], err[128];

	memset(r, 0, sizeof(*r));
	log_set_stderr(false);   /* keep the test output readable */
	r->loop = ev_loop_new();
	CHECK(r->loop != NULL);
	r->px = xcalloc(1, sizeof(*r->px));
	r->px->id = xstrdup("be");
	r->px->cap = PX_CAP_BE;
	r->px->check.type = type;
	pthread_mutex_init(&r->px->lock, NULL);
	r->srv = xcalloc(1, sizeof(*r->srv));
	r->srv->px = r->px;
	r->srv->id = xstrdup("s1");
	snprintf(spec, sizeof(spec), "127.0.0.1:%d", port);
	CHECK(addr_parse(spec, ADDR_PORT_REQUIRED, &r->srv->addr, err, sizeof(err)) == 0);
	r->srv->addr_port_given = true;
	r->srv->iweight = 1;
	r->srv->check_enabled = true;
	r->srv->rise = 2;
	r->srv->fall = 3;
	r->srv->inter_ms = 300;
	r->px->servers = xcalloc(1, sizeof(*r->px->servers));
	r->px->servers[0] = r->srv;
	r->px->nservers = 1;
	r->conf.proxies = xcalloc(1, sizeof(*r->conf.proxies));
	r->conf.proxies[0] = r->px;
	r->conf.nproxies = 1;
}

static void add_rule(struct rig *r, enum tcpcheck_action a, const char *data, bool negate)
{
	struct check_cfg *cfg = &r->px->check;
	struct tcpcheck_rule *rule;

	cfg->rules = xrealloc(cfg->rules, sizeof(*cfg->rules) * (size_t)(cfg->nrules + 1));
	rule = &cfg->rules[cfg->nrules++];
	memset(rule, 0, sizeof(*rule));
	rule->action = a;
	rule->negate = negate;
	if (data) {
		rule->data = xstrdup(data);
		rule->len = strlen(data);
	}
	if (a == TCPCHK_EXPECT_RSTRING || a == TCPCHK_EXPECT_RSTATUS)
		CHECK(regcomp(&rule->re, data, REG_EXTENDED | REG_NOSUB) == 0);
}

static void poll_cb(struct ev_loop *loop, struct ev_timer *t)
{
	struct rig *r = t->data;

	if (r->srv->check_status != HCHK_INI) {
		checks_stop(&r->conf, loop);
		CHECK(r->srv->check == NULL);
		ev_loop_stop(loop);
		return;
	}
	ev_timer_start(loop, t, 5);
}

static void guard_cb(struct ev_loop *loop, struct ev_timer *t)
{
	struct rig *r = t->data;

	r->timed_out = true;
	checks_stop(&r->conf, loop);
	ev_loop_stop(loop);
}

/* Run the checks until the first result (at most 5 s). */
static void rig_run(struct rig *r)
{
	checks_start(&r->conf, r->loop);
	CHECK(r->srv->check != NULL);
	CHECK_INT(r->srv->check_status, HCHK_INI);
	ev_timer_init(&r->poll, poll_cb, r);
	ev_timer_init(&r->guard, guard_cb, r);
	ev_timer_start(r->loop, &r->poll, 5);
	ev_timer_start(r->loop, &r->guard, 5000);
	CHECK(ev_loop_run(r->loop) == 0);
	CHECK(!r->timed_out);
	ev_timer_stop(r->loop, &r->poll);
	ev_timer_stop(r->loop, &r->guard);
}

static void rig_free(struct rig *r)
{
	ev_loop_free(r->loop);
	for (int i = 0; i < r->px->check.nrules; i++) {
		struct tcpcheck_rule *rule = &r->px->check.rules[i];

		if (rule->action == TCPCHK_EXPECT_RSTRING || rule->action == TCPCHK_EXPECT_RSTATUS)
			regfree(&rule->re);
		free(rule->data);
	}
	free(r->px->check.rules);
	free(r->px->check.http_method);
	free(r->px->check.http_uri);
	free(r->px->check.http_version);
	free(r->px->check.http_body);
	free(r->px->check.mysql_user);
	free(r->px->servers);
	free(r->px->id);
	free(r->px);
	free(r->srv->id);
	free(r->srv);
	free(r->conf.proxies);
}

/* ---- layer 4 ---- */

static void test_l4ok(void)
{
	struct rig r;
	int port, lfd = listen_any(&port);   /* the backlog accepts */

	rig_init(&r, CHK_TCP, port);
	rig_run(&r);
	CHECK_STR(check_status_name(r.srv->check_status), "L4OK");
	CHECK_STR(r.srv->check_desc, "");
	CHECK_INT(r.srv->op_state, SRV_ST_RUNNING);
	CHECK_INT(r.srv->health, 4);   /* rise reached: stable */
	CHECK(r.srv->check_duration_ms < 1000);
	close(lfd);
	rig_free(&r);
}

static void test_l4con(void)
{
	struct rig r;

	rig_init(&r, CHK_TCP, closed_port());
	rig_run(&r);
	CHECK_STR(check_status_name(r.srv->check_status), "L4CON");
	CHECK_STR(r.srv->check_desc, "Connection refused");
	CHECK_INT(r.srv->op_state, SRV_ST_STOPPED);
	CHECK_INT(r.srv->cnt.failed_checks, 1);
	rig_free(&r);
}

static void test_check_port_and_addr(void)
{
	struct rig r;
	char err[128];
	int port, lfd = listen_any(&port);

	/* The server port is closed; `port` points the check elsewhere. */
	rig_init(&r, CHK_TCP, closed_port());
	r.srv->check_port = port;
	rig_run(&r);
	CHECK_STR(check_status_name(r.srv->check_status), "L4OK");
	rig_free(&r);

	/* `addr` with its own port. */
	rig_init(&r, CHK_TCP, closed_port());
	snprintf(err, sizeof(err), "127.0.0.1:%d", port);
	CHECK(addr_parse(err, 0, &r.srv->check_addr, err, sizeof(err)) == 0);
	rig_run(&r);
	CHECK_STR(check_status_name(r.srv->check_status), "L4OK");
	close(lfd);
	rig_free(&r);
}

/* ---- HTTP ---- */

#define SYNCED "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n" \
	"Content-Length: 40\r\n\r\nPercona XtraDB Cluster Node is synced.\r\n"
#define NOT_SYNCED "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\n" \
	"Connection: close\r\nContent-Length: 44\r\n\r\nPercona XtraDB Cluster Node is not synced.\r\n"

static void http_rig(struct rig *r, struct fake *f, const char *reply)
{
	rig_init(r, CHK_HTTP, 0);
	memset(f, 0, sizeof(*f));
	f->reply = reply;
	f->reply_len = reply ? strlen(reply) : 0;
	fake_start(f, r->loop);
	addr_set_port(&r->srv->addr, f->port);
}

static void test_http_ok(void)
{
	struct rig r;
	struct fake f;

	http_rig(&r, &f, SYNCED);
	rig_run(&r);
	CHECK_STR(check_status_name(r.srv->check_status), "L7OK");
	CHECK_INT(r.srv->check_code, 200);
	/* HAProxy's defaults: OPTIONS / HTTP/1.0, no extra header. */
	CHECK_STR(f.got, "OPTIONS / HTTP/1.0\r\n\r\n");
	rig_free(&r);
}

static void test_http_503(void)
{
	struct rig r;
	struct fake f;

	http_rig(&r, &f, NOT_SYNCED);
	rig_run(&r);
	CHECK_STR(check_status_name(r.srv->check_status), "L7STS");
	CHECK_INT(r.srv->check_code, 503);
	CHECK_STR(r.srv->check_desc, "Service Unavailable");
	CHECK_INT(r.srv->op_state, SRV_ST_STOPPED);
	rig_free(&r);
}

static void test_http_request_line(void)
{
	struct rig r;
	struct fake f;

	http_rig(&r, &f, SYNCED);
	r.px->check.http_method = xstrdup("GET");
	r.px->check.http_uri = xstrdup("/health");
	r.px->check.http_version = xstrdup("HTTP/1.1");
	r.px->check.http_headers = xstrdup("Host: db1\r\n");
	rig_run(&r);
	CHECK_STR(check_status_name(r.srv->check_status), "L7OK");
	CHECK_STR(f.got, "GET /health HTTP/1.1\r\nHost: db1\r\nConnection: close\r\n\r\n");
	free(r.px->check.http_headers);
	rig_free(&r);
}

static void test_http_timeout(void)
{
	struct rig r;
	struct fake f;

	http_rig(&r, &f, NULL);
	f.silent = true;
	r.srv->inter_ms = 200;   /* no `timeout check`: inter bounds the run */
	rig_run(&r);
	CHECK_STR(check_status_name(r.srv->check_status), "L7TOUT");
	CHECK_STR(r.srv->check_desc, "");
	CHECK(r.srv->check_duration_ms >= 190);
	rig_free(&r);

	/* With `timeout check`, the response has that long once connected. */
	http_rig(&r, &f, NULL);
	f.silent = true;
	r.srv->inter_ms = 2000;
	r.px->timeouts.check = 100;
	rig_run(&r);
	CHECK_STR(check_status_name(r.srv->check_status), "L7TOUT");
	CHECK(r.srv->check_duration_ms >= 90 && r.srv->check_duration_ms < 1000);
	rig_free(&r);
}

static void test_http_expect_rules(void)
{
	struct rig r;
	struct fake f;

	/* expect status list */
	http_rig(&r, &f, SYNCED);
	add_rule(&r, TCPCHK_EXPECT_STATUS, "201,200", false);
	rig_run(&r);
	CHECK_STR(check_status_name(r.srv->check_status), "L7OK");
	rig_free(&r);

	http_rig(&r, &f, SYNCED);
	add_rule(&r, TCPCHK_EXPECT_STATUS, "201-204", false);
	rig_run(&r);
	CHECK_STR(check_status_name(r.srv->check_status), "L7STS");
	CHECK_STR(r.srv->check_desc, "OK");
	rig_free(&r);

	/* expect rstatus */
	http_rig(&r, &f, NOT_SYNCED);
	add_rule(&r, TCPCHK_EXPECT_RSTATUS, "^5", false);
	rig_run(&r);
	CHECK_STR(check_status_name(r.srv->check_status), "L7OK");
	CHECK_INT(r.srv->check_code, 503);
	rig_free(&r);

	/* expect string in the body (a 503 is fine if the body says so) */
	http_rig(&r, &f, SYNCED);
	add_rule(&r, TCPCHK_EXPECT_STRING, "is synced", false);
	rig_run(&r);
	CHECK_STR(check_status_name(r.srv->check_status), "L7OK");
	rig_free(&r);

	http_rig(&r, &f, NOT_SYNCED);
	add_rule(&r, TCPCHK_EXPECT_STRING, "is synced", false);
	rig_run(&r);
	CHECK_STR(check_status_name(r.srv->check_status), "L7RSP");
	CHECK_STR(r.srv->check_desc, "HTTP content check did not match");
	rig_free(&r);

	/* ! string, rstring */
	http_rig(&r, &f, NOT_SYNCED);
	add_rule(&r, TCPCHK_EXPECT_STRING, "not synced", true);
	rig_run(&r);
	CHECK_STR(check_status_name(r.srv->check_status), "L7RSP");
	CHECK_STR(r.srv->check_desc, "HTTP check matched unwanted content");
	rig_free(&r);

	http_rig(&r, &f, SYNCED);
	add_rule(&r, TCPCHK_EXPECT_RSTRING, "Node is (synced|donor)", false);
	rig_run(&r);
	CHECK_STR(check_status_name(r.srv->check_status), "L7OK");
	rig_free(&r);
}

static void test_http_bad_response(void)
{
	struct rig r;
	struct fake f;

	http_rig(&r, &f, "garbage\r\n\r\n");
	rig_run(&r);
	CHECK_STR(check_status_name(r.srv->check_status), "L7RSP");
	rig_free(&r);

	/* Closed without a byte. */
	http_rig(&r, &f, "");
	rig_run(&r);
	CHECK_STR(check_status_name(r.srv->check_status), "L7RSP");
	CHECK_STR(r.srv->check_desc, "TCPCHK got an empty response at step 2");
	rig_free(&r);
}

/* ---- tcp-check ---- */

static void tcp_rig(struct rig *r, struct fake *f, const char *reply)
{
	rig_init(r, CHK_TCPCHK, 0);
	memset(f, 0, sizeof(*f));
	f->reply = reply;
	f->reply_len = reply ? strlen(reply) : 0;
	fake_start(f, r->loop);
	addr_set_port(&r->srv->addr, f->port);
}

static void test_tcpcheck_send_expect(void)
{
	struct rig r;
	struct fake f;

	tcp_rig(&r, &f, "+PONG\r\n");
	add_rule(&r, TCPCHK_SEND, "PING\r\n", false);
	add_rule(&r, TCPCHK_EXPECT_STRING, "+PONG", false);
	rig_run(&r);
	CHECK_STR(check_status_name(r.srv->check_status), "L7OK");
	CHECK_STR(r.srv->check_desc, "(tcp-check)");
	CHECK_STR(f.got, "PING\r\n");
	rig_free(&r);

	tcp_rig(&r, &f, "-ERR\r\n");
	add_rule(&r, TCPCHK_SEND, "PING\r\n", false);
	add_rule(&r, TCPCHK_EXPECT_STRING, "+PONG", false);
	rig_run(&r);
	CHECK_STR(check_status_name(r.srv->check_status), "L7RSP");
	CHECK_STR(r.srv->check_desc, "TCPCHK did not match content '+PONG' at step 2");
	rig_free(&r);

	tcp_rig(&r, &f, "role:master\r\n");
	add_rule(&r, TCPCHK_SEND, "INFO\r\n", false);
	add_rule(&r, TCPCHK_EXPECT_RSTRING, "role:(master|slave)", false);
	add_rule(&r, TCPCHK_EXPECT_STRING, "slave", true);
	rig_run(&r);
	CHECK_STR(check_status_name(r.srv->check_status), "L7OK");
	rig_free(&r);

	tcp_rig(&r, &f, "role:slave\r\n");
	add_rule(&r, TCPCHK_SEND, "INFO\r\n", false);
	add_rule(&r, TCPCHK_EXPECT_STRING, "slave", true);
	rig_run(&r);
	CHECK_STR(check_status_name(r.srv->check_status), "L7RSP");
	CHECK_STR(r.srv->check_desc, "TCPCHK matched unwanted content 'slave' at step 2");
	rig_free(&r);
}

static void test_tcpcheck_timeout_and_connect(void)
{
	struct rig r;
	struct fake f;
	int port;

	tcp_rig(&r, &f, NULL);
	f.silent = true;
	r.srv->inter_ms = 200;
	add_rule(&r, TCPCHK_SEND, "PING\r\n", false);
	add_rule(&r, TCPCHK_EXPECT_STRING, "+PONG", false);
	rig_run(&r);
	CHECK_STR(check_status_name(r.srv->check_status), "L7TOUT");
	CHECK_STR(r.srv->check_desc, " at step 2 of tcp-check (expect string '+PONG')");
	rig_free(&r);

	/* No rule: connect only; refused says where. */
	rig_init(&r, CHK_TCPCHK, closed_port());
	rig_run(&r);
	CHECK_STR(check_status_name(r.srv->check_status), "L4CON");
	CHECK_STR(r.srv->check_desc, "Connection refused at initial connection step of tcp-check");
	rig_free(&r);

	/* An explicit connect rule with its port. */
	port = closed_port();
	tcp_rig(&r, &f, "+PONG\r\n");
	add_rule(&r, TCPCHK_CONNECT, NULL, false);
	r.px->check.rules[0].port = port;
	rig_run(&r);
	CHECK_STR(check_status_name(r.srv->check_status), "L4CON");
	{
		char want[128];

		snprintf(want, sizeof(want), "Connection refused at step 1 of tcp-check (connect port %d)", port);
		CHECK_STR(r.srv->check_desc, want);
	}
	rig_free(&r);

	tcp_rig(&r, &f, NULL);
	add_rule(&r, TCPCHK_CONNECT, NULL, false);
	r.px->check.rules[0].port = f.port;
	rig_run(&r);
	CHECK_STR(check_status_name(r.srv->check_status), "L4OK");
	CHECK_STR(r.srv->check_desc, "(tcp-check)");
	rig_free(&r);
}

/* ---- MySQL ---- */

static size_t mysql_greeting(char *buf)
{
	/* length 3 LE, seq 0, protocol 10, version NUL, thread id, salt... */
	static const char body[] = "\x0a" "5.7.33-log\0" "\x01\x00\x00\x00" "abcdefgh\0"
				   "\xff\xf7\x21\x02\x00\xff\x81\x15";
	size_t n = sizeof(body) - 1;

	buf[0] = (char)n;
	buf[1] = 0;
	buf[2] = 0;
	buf[3] = 0;
	memcpy(buf + 4, body, n);
	return n + 4;
}

static void test_mysql(void)
{
	static const char ok[] = "\x07\x00\x00\x02\x00\x00\x00\x02\x00\x00\x00";
	static const char denied[] = "\x17\x00\x00\x02\xff\x15\x04#28000Access denied!";
	struct rig r;
	struct fake f;
	char greet[64];
	size_t glen = mysql_greeting(greet);

	/* Without user: the greeting is enough. */
	rig_init(&r, CHK_MYSQL, 0);
	memset(&f, 0, sizeof(f));
	f.greeting = greet;
	f.greeting_len = glen;
	fake_start(&f, r.loop);
	addr_set_port(&r.srv->addr, f.port);
	rig_run(&r);
	CHECK_STR(check_status_name(r.srv->check_status), "L7OK");
	CHECK_STR(r.srv->check_desc, "5.7.33-log");
	rig_free(&r);

	/* An error packet instead of a greeting. */
	rig_init(&r, CHK_MYSQL, 0);
	memset(&f, 0, sizeof(f));
	f.greeting = denied;
	f.greeting_len = sizeof(denied) - 1;
	fake_start(&f, r.loop);
	addr_set_port(&r.srv->addr, f.port);
	rig_run(&r);
	CHECK_STR(check_status_name(r.srv->check_status), "L7STS");
	CHECK_INT(r.srv->check_code, 1045);
	CHECK_STR(r.srv->check_desc, "#28000Access denied!");
	rig_free(&r);

	/* With user: login + QUIT, then OK. */
	rig_init(&r, CHK_MYSQL, 0);
	r.px->check.mysql_user = xstrdup("haproxy");
	memset(&f, 0, sizeof(f));
	f.greeting = greet;
	f.greeting_len = glen;
	f.reply = ok;
	f.reply_len = sizeof(ok) - 1;
	fake_start(&f, r.loop);
	addr_set_port(&r.srv->addr, f.port);
	rig_run(&r);
	CHECK_STR(check_status_name(r.srv->check_status), "L7OK");
	CHECK_STR(r.srv->check_desc, "5.7.33-log");
	/* header (len 41, seq 1), caps, max packet, charset, filler, user */
	CHECK_INT((unsigned char)f.got[0], 34 + 7);
	CHECK_INT(f.got[3], 1);
	CHECK_STR(f.got + 36, "haproxy");
	CHECK(memcmp(f.got + 4 + 41, "\x01\x00\x00\x00\x01", 5) == 0);
	rig_free(&r);

	/* With user: access denied. */
	rig_init(&r, CHK_MYSQL, 0);
	r.px->check.mysql_user = xstrdup("nobody");
	memset(&f, 0, sizeof(f));
	f.greeting = greet;
	f.greeting_len = glen;
	f.reply = denied;
	f.reply_len = sizeof(denied) - 1;
	fake_start(&f, r.loop);
	addr_set_port(&r.srv->addr, f.port);
	rig_run(&r);
	CHECK_STR(check_status_name(r.srv->check_status), "L7STS");
	CHECK_INT(r.srv->check_code, 1045);
	rig_free(&r);
}

/* ---- scheduling ---- */

static void test_maint_not_checked(void)
{
	struct rig r;
	char err[128];

	rig_init(&r, CHK_TCP, closed_port());
	r.srv->admin = SRV_ADMF_CMAINT;
	r.srv->inter_ms = 50;
	checks_start(&r.conf, r.loop);
	ev_timer_init(&r.guard, guard_cb, &r);
	ev_timer_start(r.loop, &r.guard, 300);
	CHECK(ev_loop_run(r.loop) == 0);
	CHECK_INT(r.srv->check_status, HCHK_INI);   /* never ran */
	CHECK(server_set_admin(r.srv, "ready", err, sizeof(err)) == 0);
	rig_free(&r);
}

int main(void)
{
	RUN(test_l4ok);
	RUN(test_l4con);
	RUN(test_check_port_and_addr);
	RUN(test_http_ok);
	RUN(test_http_503);
	RUN(test_http_request_line);
	RUN(test_http_timeout);
	RUN(test_http_expect_rules);
	RUN(test_http_bad_response);
	RUN(test_tcpcheck_send_expect);
	RUN(test_tcpcheck_timeout_and_connect);
	RUN(test_mysql);
	RUN(test_maint_not_checked);
	UNIT_DONE();
}

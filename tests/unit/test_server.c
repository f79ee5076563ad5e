/* Tests for src/proxy/server.c: the health state machine (rise/fall
 * sequences and HAProxy's log lines), the runtime API (state, weight,
 * address) and the status strings. */
#include "unit.h"
#include "proxy/check.h"
#include "proxy/proxy.h"
#include "proxy/stream.h"
#include "lib/log.h"
#include "lib/util.h"

#include <errno.h>
#include <sys/socket.h>

/* Test doubles for the stream layer (src/proxy/stream.c is not linked in:
 * nothing else here needs it). */
static int shutdown_calls, queue_calls;

void stream_shutdown_server_sessions(struct server *srv) { shutdown_calls++; }
void queue_process(struct proxy *px) { queue_calls++; }

/* ---- fixtures ---- */

static struct proxy *backends[4];   /* freed at exit */
static int nbackends;

static void free_backends(void)
{
	for (int i = 0; i < nbackends; i++) {
		struct proxy *px = backends[i];

		for (int j = 0; j < px->nservers; j++) {
			free(px->servers[j]->id);
			free(px->servers[j]);
		}
		free(px->servers);
		free(px->id);
		free(px);
	}
	nbackends = 0;
}

static struct proxy *make_backend(int nservers, int nchecked)
{
	struct proxy *px = xcalloc(1, sizeof(*px));
	char err[128];

	CHECK(nbackends < (int)ARRAY_SIZE(backends));
	if (nbackends == 0)
		atexit(free_backends);
	backends[nbackends++] = px;

	px->id = xstrdup("be");
	px->cap = PX_CAP_BE;
	px->lb = LB_ROUNDROBIN;
	pthread_mutex_init(&px->lock, NULL);
	px->nservers = nservers;
	px->servers = xcalloc((size_t)nservers, sizeof(*px->servers));
	for (int i = 0; i < nservers; i++) {
		struct server *srv = xcalloc(1, sizeof(*srv));
		char addr[32];

		srv->px = px;
		srv->id = xasprintf("s%d", i + 1);
		srv->puid = i + 1;
		snprintf(addr, sizeof(addr), "10.0.0.%d:80", i + 1);
		CHECK(addr_parse(addr, ADDR_PORT_REQUIRED, &srv->addr, err, sizeof(err)) == 0);
		srv->addr_port_given = true;
		srv->iweight = 100;
		srv->check_enabled = i < nchecked;
		srv->rise = 2;
		srv->fall = 3;
		srv->inter_ms = 2000;
		px->servers[i] = srv;
		server_init_runtime(srv);
	}
	return px;
}

/* Log lines go to stderr: send them to a file this test reads back. */
static FILE *logf_;

static void capture_logs(void)
{
	logf_ = tmpfile();
	CHECK(logf_ != NULL);
	fflush(stderr);
	CHECK(dup2(fileno(logf_), 2) == 2);
	log_set_stderr_level(LOG_LVL_DEBUG);
}

/* Everything logged since the last call. */
static const char *logs(void)
{
	static char buf[16384];
	static long pos;
	size_t n;

	fflush(stderr);
	fseek(logf_, pos, SEEK_SET);
	n = fread(buf, 1, sizeof(buf) - 1, logf_);
	buf[n] = 0;
	pos += (long)n;
	return buf;
}

static void fail(struct server *srv)
{
	srv->check_duration_ms = 0;
	server_check_result(srv, false, HCHK_L4CON, 0, "Connection refused");
}

static void pass(struct server *srv)
{
	srv->check_duration_ms = 0;
	server_check_result(srv, true, HCHK_L4OK, 0, NULL);
}

static const char *status(const struct server *srv)
{
	static char buf[32];

	return server_status_str(srv, buf, sizeof(buf));
}

/* ---- the state machine ---- */

static void test_initial_state(void)
{
	struct proxy *px = make_backend(2, 1);

	/* Checked: up, but down at the first failure (health = rise). */
	CHECK_INT(px->servers[0]->health, 2);
	CHECK_INT(px->servers[0]->op_state, SRV_ST_RUNNING);
	CHECK_INT(px->servers[0]->check_status, HCHK_INI);
	CHECK_STR(status(px->servers[0]), "UP 1/3");
	CHECK_STR(status(px->servers[1]), "no check");
	CHECK_INT(px->servers[1]->uweight, 100);
	CHECK(backend_is_up(px));
	CHECK_INT(backend_active_count(px), 2);
}

static void test_rise_fall_sequence(void)
{
	struct proxy *px = make_backend(3, 1);
	struct server *s1 = px->servers[0];

	capture_logs();
	/* rise 2, fall 3: health 0..4, up when >= 2. Table: result -> health,
	 * state, status string. */
	static const struct {
		bool ok;
		int health;
		enum srv_op_state st;
		const char *status;
	} steps[] = {
		{ false, 0, SRV_ST_STOPPED, "DOWN" },      /* first failure: down */
		{ false, 0, SRV_ST_STOPPED, "DOWN" },
		{ true,  1, SRV_ST_STOPPED, "DOWN 1/2" },
		{ true,  4, SRV_ST_RUNNING, "UP" },        /* rise reached: stable */
		{ true,  4, SRV_ST_RUNNING, "UP" },
		{ false, 3, SRV_ST_RUNNING, "UP 2/3" },
		{ true,  4, SRV_ST_RUNNING, "UP" },        /* back to stable at once */
		{ false, 3, SRV_ST_RUNNING, "UP 2/3" },
		{ false, 2, SRV_ST_RUNNING, "UP 1/3" },
		{ false, 0, SRV_ST_STOPPED, "DOWN" },      /* fall reached */
	};

	for (size_t i = 0; i < ARRAY_SIZE(steps); i++) {
		if (steps[i].ok)
			pass(s1);
		else
			fail(s1);
		CHECK_INT(s1->health, steps[i].health);
		CHECK_INT(s1->op_state, steps[i].st);
		CHECK_STR(status(s1), steps[i].status);
	}
	/* Failures while already at 0 are not counted, as HAProxy. */
	CHECK_INT(s1->cnt.failed_checks, 5);
	CHECK_INT(s1->cnt.down_trans, 2);
	CHECK_INT(queue_calls, 1);
	CHECK_INT(shutdown_calls, 0);
	CHECK_INT(px->down_trans, 0);
}

static void test_down_up_log_lines(void)
{
	struct proxy *px = make_backend(3, 1);
	struct server *s1 = px->servers[0];
	const char *l;

	capture_logs();
	fail(s1);
	l = logs();
	CHECK_CONTAINS(l, "[ALERT]");
	CHECK_CONTAINS(l, "Server be/s1 is DOWN, reason: Layer4 connection problem, "
		       "info: \"Connection refused\", check duration: 0ms. 2 active and 0 backup "
		       "servers left. 0 sessions active, 0 requeued, 0 remaining in queue.\n");
	pass(s1);
	CHECK(strstr(logs(), "is UP") == NULL);
	pass(s1);
	l = logs();
	CHECK_CONTAINS(l, "[NOTICE]");
	CHECK_CONTAINS(l, "Server be/s1 is UP, reason: Layer4 check passed, check duration: 0ms. "
		       "3 active and 0 backup servers online. 0 sessions requeued, 0 total in queue.\n");

	/* An L7 status carries its code; quotes in the info are escaped. */
	pass(s1);
	s1->check_duration_ms = 0;
	server_check_result(s1, false, HCHK_L7STS, 503, "Service \"Unavailable\"");
	s1->check_duration_ms = 0;
	server_check_result(s1, false, HCHK_L7STS, 503, "Service \"Unavailable\"");
	server_check_result(s1, false, HCHK_L7STS, 503, "Service \"Unavailable\"");
	CHECK_CONTAINS(logs(), "Server be/s1 is DOWN, reason: Layer7 wrong status, code: 503, "
		       "info: \"Service \\x22Unavailable\\x22\", check duration: 0ms.");
}

static void test_last_server_and_backup(void)
{
	struct proxy *px = make_backend(2, 2);
	struct server *s1 = px->servers[0], *s2 = px->servers[1];
	const char *l;

	s2->backup = true;
	capture_logs();
	fail(s1);
	CHECK_CONTAINS(logs(), "Server be/s1 is DOWN, reason: Layer4 connection problem, "
		       "info: \"Connection refused\", check duration: 0ms. 0 active and 1 backup "
		       "servers left. Running on backup. 0 sessions active, 0 requeued, 0 remaining in queue.");
	CHECK(backend_is_up(px));
	fail(s2);
	l = logs();
	CHECK_CONTAINS(l, "Backup Server be/s2 is DOWN, reason: Layer4 connection problem, "
		       "info: \"Connection refused\", check duration: 0ms. 0 active and 0 backup "
		       "servers left. 0 sessions active, 0 requeued, 0 remaining in queue.\n");
	/* HAProxy's set_backend_down() line. */
	CHECK_CONTAINS(l, "backend be has no server available!\n");
	CHECK(!backend_is_up(px));
	CHECK_INT(px->down_trans, 1);
	CHECK(px->last_change_ms > 0);
}

static void test_shutdown_on_down(void)
{
	struct proxy *px = make_backend(2, 1);

	capture_logs();
	px->servers[0]->shutdown_on_down = true;
	fail(px->servers[0]);
	CHECK_INT(shutdown_calls, 1);
	pass(px->servers[0]);
	pass(px->servers[0]);
	CHECK_INT(queue_calls, 1);
}

static void test_log_health_checks(void)
{
	struct proxy *px = make_backend(3, 1);
	struct server *s1 = px->servers[0];
	const char *l;

	px->options |= PXO_LOG_HEALTH;
	capture_logs();
	fail(s1);
	l = logs();
	CHECK_CONTAINS(l, "Health check for server be/s1 failed, reason: Layer4 connection problem, "
		       "info: \"Connection refused\", check duration: 0ms, status: 0/2 DOWN.\n");
	/* The state line does not repeat the reason. */
	CHECK_CONTAINS(l, "Server be/s1 is DOWN. 2 active and 0 backup servers left. "
		       "0 sessions active, 0 requeued, 0 remaining in queue.\n");
	fail(s1);
	CHECK_STR(logs(), "");   /* nothing changed: nothing logged */
	pass(s1);
	CHECK_CONTAINS(logs(), "Health check for server be/s1 succeeded, reason: Layer4 check passed, "
		       "check duration: 0ms, status: 1/2 DOWN.\n");
	pass(s1);
	l = logs();
	CHECK_CONTAINS(l, "status: 3/3 UP.\n");
	CHECK_CONTAINS(l, "Server be/s1 is UP. 3 active and 0 backup servers online.");
}

/* ---- runtime API ---- */

static void test_admin_maint_ready(void)
{
	struct proxy *px = make_backend(3, 1);
	struct server *s1 = px->servers[0];
	char err[256];

	capture_logs();
	CHECK(server_set_admin(s1, "maint", err, sizeof(err)) == 0);
	CHECK_CONTAINS(logs(), "Server be/s1 is going DOWN for maintenance. 2 active and 0 backup "
		       "servers left. 0 sessions active, 0 requeued, 0 remaining in queue.\n");
	CHECK_STR(status(s1), "MAINT");
	CHECK(!server_is_usable(s1));
	CHECK_INT(server_eweight(s1), 0);
	CHECK_INT(s1->cnt.down_trans, 1);
	CHECK_INT(shutdown_calls, 0);   /* sessions finish, as HAProxy */

	/* Checks do not move a server in maintenance. */
	pass(s1);
	pass(s1);
	CHECK_STR(status(s1), "MAINT");
	CHECK(server_set_admin(s1, "maint", err, sizeof(err)) == 0);
	CHECK_STR(logs(), "");

	CHECK(server_set_admin(s1, "ready", err, sizeof(err)) == 0);
	CHECK_CONTAINS(logs(), "Server be/s1 is UP/READY (leaving forced maintenance).\n");
	CHECK_INT(s1->health, s1->rise);
	CHECK_STR(status(s1), "UP 1/3");
	CHECK(server_is_usable(s1));
	CHECK_INT(queue_calls, 1);
	/* Up, but down at the first failure. */
	fail(s1);
	CHECK_INT(s1->op_state, SRV_ST_STOPPED);

	/* A server already down only changes its words. */
	CHECK(server_set_admin(s1, "maint", err, sizeof(err)) == 0);
	CHECK_CONTAINS(logs(), "Server be/s1 was DOWN and now enters maintenance.\n");
}

static void test_admin_maint_shutdown_sessions(void)
{
	struct proxy *px = make_backend(2, 1);
	char err[256];

	capture_logs();
	px->servers[0]->shutdown_on_down = true;
	CHECK(server_set_admin(px->servers[0], "maint", err, sizeof(err)) == 0);
	CHECK_INT(shutdown_calls, 1);
}

static void test_admin_drain(void)
{
	struct proxy *px = make_backend(3, 1);
	struct server *s1 = px->servers[0];
	char err[256];

	capture_logs();
	pass(s1);
	CHECK(server_set_admin(s1, "drain", err, sizeof(err)) == 0);
	CHECK_CONTAINS(logs(), "Server be/s1 enters drain state. 2 active and 0 backup servers online. "
		       "0 sessions requeued, 0 total in queue.\n");
	CHECK_STR(status(s1), "DRAIN");
	CHECK(!server_is_usable(s1));
	CHECK_INT(s1->op_state, SRV_ST_RUNNING);   /* still checked, still up */
	fail(s1);
	CHECK_STR(status(s1), "DRAIN 2/3");
	pass(s1);

	CHECK(server_set_admin(s1, "ready", err, sizeof(err)) == 0);
	CHECK_CONTAINS(logs(), "Server be/s1 is UP (leaving forced drain).\n");
	CHECK(server_is_usable(s1));

	/* maint -> drain leaves maintenance into drain. */
	CHECK(server_set_admin(s1, "maint", err, sizeof(err)) == 0);
	logs();
	CHECK(server_set_admin(s1, "drain", err, sizeof(err)) == 0);
	CHECK_CONTAINS(logs(), "Server be/s1 is UP/DRAIN (leaving forced maintenance).\n");
	CHECK_STR(status(s1), "DRAIN 1/3");
	CHECK_INT(s1->admin, SRV_ADMF_FDRAIN);

	/* drain -> maint clears the drain. */
	CHECK(server_set_admin(s1, "maint", err, sizeof(err)) == 0);
	CHECK_INT(s1->admin, SRV_ADMF_FMAINT);

	CHECK(server_set_admin(s1, "down", err, sizeof(err)) == -EINVAL);
	CHECK_STR(err, "'set server <srv> state' expects 'ready', 'drain' and 'maint'.");
}

static void test_admin_disabled_in_config(void)
{
	struct proxy *px = make_backend(2, 1);
	struct server *s1 = px->servers[0];
	char err[256];

	capture_logs();
	s1->admin = SRV_ADMF_CMAINT;
	server_init_runtime(s1);
	CHECK_STR(status(s1), "MAINT");
	CHECK_INT(s1->op_state, SRV_ST_STOPPED);
	CHECK(server_set_admin(s1, "ready", err, sizeof(err)) == 0);
	CHECK_CONTAINS(logs(), "Server be/s1 is UP/READY (leaving forced maintenance).\n");
	CHECK_INT(s1->admin, 0);
	CHECK(server_is_usable(s1));
}

static void test_weights(void)
{
	struct proxy *px = make_backend(2, 0);
	struct server *s1 = px->servers[0];
	char err[256];

	capture_logs();
	CHECK(server_set_weight(s1, "50", err, sizeof(err)) == 0);
	CHECK_INT(s1->uweight, 50);
	CHECK_INT(server_eweight(s1), 50);
	CHECK_INT(queue_calls, 0);
	CHECK(server_set_weight(s1, "200%", err, sizeof(err)) == 0);
	CHECK_INT(s1->uweight, 200);
	CHECK_INT(queue_calls, 1);   /* raised: queued connections may go */
	CHECK(server_set_weight(s1, "1000%", err, sizeof(err)) == 0);
	CHECK_INT(s1->uweight, 256);
	CHECK(server_set_weight(s1, "0", err, sizeof(err)) == 0);
	CHECK_STR(status(s1), "DRAIN");
	CHECK(!server_is_usable(s1));
	CHECK_INT(server_eweight(s1), 0);
	CHECK_INT(backend_active_count(px), 1);

	CHECK(server_set_weight(s1, "257", err, sizeof(err)) == -EINVAL);
	CHECK_STR(err, "Absolute weight can only be between 0 and 256 inclusive.");
	CHECK(server_set_weight(s1, "-1", err, sizeof(err)) == -EINVAL);
	CHECK_STR(err, "Absolute weight can only be between 0 and 256 inclusive.");
	CHECK(server_set_weight(s1, "-5%", err, sizeof(err)) == -EINVAL);
	CHECK_STR(err, "Relative weight must be positive.");
	CHECK(server_set_weight(s1, "abc", err, sizeof(err)) == -EINVAL);
	CHECK_STR(err, "Empty weight string empty or preceded by garbage");
	CHECK(server_set_weight(s1, "10x", err, sizeof(err)) == -EINVAL);
	CHECK_STR(err, "Trailing garbage in weight string");
	CHECK(server_set_weight(s1, "", err, sizeof(err)) == -EINVAL);
	CHECK_STR(err, "Require <weight> or <weight%>.");
	CHECK_INT(s1->uweight, 0);

	/* Static algorithms: only 0 and the initial weight. */
	px->lb = LB_STATIC_RR;
	CHECK(server_set_weight(s1, "50", err, sizeof(err)) == -EINVAL);
	CHECK_STR(err, "Backend is using a static LB algorithm and only accepts weights '0%' and '100%'.");
	CHECK(server_set_weight(s1, "100%", err, sizeof(err)) == 0);
	CHECK_INT(s1->uweight, 100);
	CHECK(server_set_weight(s1, "0%", err, sizeof(err)) == 0);
	CHECK(server_set_weight(s1, "100", err, sizeof(err)) == 0);
}

static void test_weight_zero_last_server(void)
{
	struct proxy *px = make_backend(1, 0);
	char err[256];

	capture_logs();
	CHECK(server_set_weight(px->servers[0], "0", err, sizeof(err)) == 0);
	CHECK_CONTAINS(logs(), "backend be has no server available!");
	CHECK(!backend_is_up(px));
}

static void test_set_addr(void)
{
	struct proxy *px = make_backend(1, 1);
	struct server *s1 = px->servers[0];
	char err[256], buf[ADDR_STRLEN];

	capture_logs();
	CHECK(server_set_addr(s1, "10.0.0.9", NULL, err, sizeof(err)) == 0);
	CHECK_STR(err, "IP changed from '10.0.0.1' to '10.0.0.9' by 'stats socket command'");
	CHECK_STR(addr_to_str((struct sockaddr *)&s1->addr.ss, buf, sizeof(buf)), "10.0.0.9:80");
	CHECK_CONTAINS(logs(), "be/s1 changed its IP from 10.0.0.1 to 10.0.0.9 by stats socket command.");

	CHECK(server_set_addr(s1, "10.0.0.8", "80", err, sizeof(err)) == 0);
	CHECK_STR(err, "IP changed from '10.0.0.9' to '10.0.0.8', no need to change the port by 'stats socket command'");
	CHECK(server_set_addr(s1, "10.0.0.8", "8080", err, sizeof(err)) == 0);
	CHECK_STR(err, "no need to change the addr, port changed from '80' to '8080' by 'stats socket command'");
	CHECK_STR(addr_to_str((struct sockaddr *)&s1->addr.ss, buf, sizeof(buf)), "10.0.0.8:8080");
	CHECK(server_set_addr(s1, "fd00::1", NULL, err, sizeof(err)) == 0);
	CHECK_STR(addr_to_str((struct sockaddr *)&s1->addr.ss, buf, sizeof(buf)), "[fd00::1]:8080");

	CHECK(server_set_addr(s1, "host.example", NULL, err, sizeof(err)) == -EINVAL);
	CHECK_STR(err, "Invalid addr 'host.example'");
	CHECK(server_set_addr(s1, "10.0.0.1", "80x", err, sizeof(err)) == -EINVAL);
	CHECK_STR(err, "problem converting port '80x' to an int");
	CHECK(server_set_addr(s1, "", NULL, err, sizeof(err)) == -EINVAL);
	CHECK_STR(addr_to_str((struct sockaddr *)&s1->addr.ss, buf, sizeof(buf)), "[fd00::1]:8080");
}

static void test_status_names(void)
{
	static const struct { enum check_status s; const char *name, *desc; } t[] = {
		{ HCHK_UNKNOWN, "UNK", "Unknown" },
		{ HCHK_INI, "INI", "Initializing" },
		{ HCHK_L4OK, "L4OK", "Layer4 check passed" },
		{ HCHK_L4TOUT, "L4TOUT", "Layer4 timeout" },
		{ HCHK_L4CON, "L4CON", "Layer4 connection problem" },
		{ HCHK_L6OK, "L6OK", "Layer6 check passed" },
		{ HCHK_L6TOUT, "L6TOUT", "Layer6 timeout" },
		{ HCHK_L6RSP, "L6RSP", "Layer6 invalid response" },
		{ HCHK_L7OK, "L7OK", "Layer7 check passed" },
		{ HCHK_L7OKC, "L7OKC", "Layer7 check conditionally passed" },
		{ HCHK_L7TOUT, "L7TOUT", "Layer7 timeout" },
		{ HCHK_L7RSP, "L7RSP", "Layer7 invalid response" },
		{ HCHK_L7STS, "L7STS", "Layer7 wrong status" },
		{ HCHK_SOCKERR, "SOCKERR", "Socket error" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		CHECK_STR(check_status_name(t[i].s), t[i].name);
		CHECK_STR(check_status_desc(t[i].s), t[i].desc);
	}
	CHECK_STR(check_status_name((enum check_status)99), "UNK");
}

static void test_status_strings(void)
{
	struct proxy *px = make_backend(1, 1);
	struct server *s1 = px->servers[0];

	capture_logs();
	s1->rise = 3;
	s1->fall = 2;
	server_init_runtime(s1);
	CHECK_STR(status(s1), "UP 1/2");
	pass(s1);
	CHECK_STR(status(s1), "UP");
	fail(s1);
	CHECK_STR(status(s1), "UP 1/2");
	fail(s1);
	CHECK_STR(status(s1), "DOWN");
	pass(s1);
	CHECK_STR(status(s1), "DOWN 1/3");
	pass(s1);
	CHECK_STR(status(s1), "DOWN 2/3");
	pass(s1);
	CHECK_STR(status(s1), "UP");
	s1->op_state = SRV_ST_STOPPING;
	CHECK_STR(status(s1), "NOLB");
}

int main(void)
{
	RUN(test_initial_state);
	RUN(test_rise_fall_sequence);
	RUN(test_down_up_log_lines);
	RUN(test_last_server_and_backup);
	RUN(test_shutdown_on_down);
	RUN(test_log_health_checks);
	RUN(test_admin_maint_ready);
	RUN(test_admin_maint_shutdown_sessions);
	RUN(test_admin_drain);
	RUN(test_admin_disabled_in_config);
	RUN(test_weights);
	RUN(test_weight_zero_last_server);
	RUN(test_set_addr);
	RUN(test_status_names);
	RUN(test_status_strings);
	UNIT_DONE();
}

/* Tests for src/proxy/cli.c and stats.c: a hand-built configuration (one
 * frontend, one backend with two servers) served on unix sockets in /tmp,
 * queried the way socat would, checking each answer byte for byte and its
 * effect on the model. Server state changes go through the real server.c. */
#include "unit.h"
#include "lib/ev.h"
#include "lib/strbuf.h"
#include "lib/util.h"
#include "proxy/cli.h"
#include "proxy/proxy.h"
#include "proxy/stats.h"
#include "proxy/stream.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>

/* stream.c is another module's; these stand in for it here. */
static int shutdown_calls;
static struct server *shutdown_last;

void stream_shutdown_server_sessions(struct server *srv)
{
	shutdown_calls++;
	shutdown_last = srv;
}

void queue_process(struct proxy *px) { (void)px; }

/* ---- fixture ---- */

struct env {
	struct pxconf c;
	struct proxy fe, be;
	struct proxy *proxies[2];
	struct server s1, s2;
	struct server *servers[2];
	struct stats_socket socks[3];
	char path[3][108];      /* admin, user, operator */
	struct ev_loop *loop;
	pthread_t thread;
	bool stop_requested;
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

static void init_server(struct server *s, const char *id, int puid, int port)
{
	memset(s, 0, sizeof(*s));
	s->px = &E.be;
	s->id = xstrdup(id);
	s->puid = puid;
	set_addr(&s->addr, "127.0.0.1", port);
	s->addr_port_given = true;
	s->iweight = s->uweight = 1;
	s->rise = 2;
	s->fall = 3;
	s->health = 2;
	s->op_state = SRV_ST_RUNNING;
	s->check_status = HCHK_INI;
	s->last_change_ms = ev_monotonic_ms();
}

static void set_unix(struct stats_socket *ss, const char *path, enum cli_level level)
{
	struct sockaddr_un *sun = (struct sockaddr_un *)&ss->addr.ss;

	memset(ss, 0, sizeof(*ss));
	sun->sun_family = AF_UNIX;
	snprintf(sun->sun_path, sizeof(sun->sun_path), "%s", path);
	ss->addr.len = sizeof(*sun);
	ss->mode = -1;
	ss->uid = (uid_t)-1;
	ss->gid = (gid_t)-1;
	ss->level = level;
	ss->fd = -1;
}

static void wake_cb(struct ev_loop *loop, void *arg)
{
	if (E.stop_requested) {
		cli_stop(&E.c, loop);
		ev_loop_stop(loop);
	}
}

static void *loop_main(void *arg)
{
	ev_loop_run(E.loop);
	return NULL;
}

/* A failing CHECK exits the test process: remove the socket files anyway. */
static void unlink_paths(void)
{
	for (int i = 0; i < 3; i++)
		if (E.path[i][0])
			unlink(E.path[i]);
}

static void env_start(uint32_t timeout_ms)
{
	char err[256] = "";
	static const enum cli_level levels[3] = { CLI_LEVEL_ADMIN, CLI_LEVEL_USER, CLI_LEVEL_OPERATOR };

	memset(&E, 0, sizeof(E));
	E.c.global.maxconn = 4096;
	E.c.global.stats_timeout_ms = timeout_ms;
	E.c.global.node = xstrdup("testnode");
	E.c.rt.pid = getpid();
	E.c.rt.nbthread = 1;
	E.c.rt.start_mono_ms = ev_monotonic_ms();
	E.c.rt.start_wall_s = (uint64_t)time(NULL);

	E.fe.id = xstrdup("fe1");
	E.fe.uuid = 1;
	E.fe.cap = PX_CAP_FE;
	E.fe.default_backend = &E.be;
	pthread_mutex_init(&E.fe.lock, NULL);

	E.be.id = xstrdup("be1");
	E.be.uuid = 2;
	E.be.cap = PX_CAP_BE;
	E.be.lb = LB_ROUNDROBIN;
	E.be.retries = 3;
	pthread_mutex_init(&E.be.lock, NULL);
	init_server(&E.s1, "s1", 1, 8001);
	init_server(&E.s2, "s2", 2, 8002);
	E.servers[0] = &E.s1;
	E.servers[1] = &E.s2;
	E.be.servers = E.servers;
	E.be.nservers = 2;
	E.be.last_change_ms = ev_monotonic_ms();

	E.proxies[0] = &E.fe;
	E.proxies[1] = &E.be;
	E.c.proxies = E.proxies;
	E.c.nproxies = 2;

	for (int i = 0; i < 3; i++) {
		snprintf(E.path[i], sizeof(E.path[i]), "/tmp/vigil-test-cli-%d-%d.sock", (int)getpid(), i);
		set_unix(&E.socks[i], E.path[i], levels[i]);
	}
	E.c.global.stats_sockets = E.socks;
	E.c.global.nstats_sockets = 3;
	atexit(unlink_paths);

	E.loop = ev_loop_new();
	CHECK(E.loop);
	ev_set_wake_cb(E.loop, wake_cb, NULL);
	CHECK_INT(cli_start(&E.c, E.loop, err, sizeof(err)), 0);
	CHECK(pthread_create(&E.thread, NULL, loop_main, NULL) == 0);
}

static void env_stop(void)
{
	E.stop_requested = true;
	ev_wake(E.loop);
	pthread_join(E.thread, NULL);
	for (int i = 0; i < 3; i++) {
		/* cli_stop leaves the listening sockets to a successor. */
		CHECK(fcntl(E.socks[i].fd, F_GETFD) >= 0);
		CHECK(access(E.path[i], F_OK) == 0);
		close(E.socks[i].fd);
		unlink(E.path[i]);
	}
	ev_loop_free(E.loop);
	free(E.s1.id);
	free(E.s2.id);
	free(E.fe.id);
	free(E.be.id);
	free(E.c.global.node);
}

static int cli_connect(int which)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = 5 };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	CHECK(fd >= 0);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", E.path[which]);
	CHECK(connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

static void send_all(int fd, const char *s)
{
	size_t len = strlen(s);

	while (len > 0) {
		ssize_t n = write(fd, s, len);

		CHECK(n > 0);
		s += n;
		len -= (size_t)n;
	}
}

/* Read until the server closes; returns a malloc()ed string. */
static char *read_all(int fd)
{
	struct strbuf sb = STRBUF_INIT;
	char buf[4096];
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		sb_append(&sb, buf, (size_t)n);
	CHECK(n == 0);  /* closed by the server, not a timeout */
	if (!sb.s)
		return xstrdup("");
	return sb.s;
}

/* Read exactly until `suffix` has arrived. */
static char *read_until(int fd, const char *suffix)
{
	struct strbuf sb = STRBUF_INIT;
	char ch;

	while (!str_ends_with(sb_str(&sb), suffix)) {
		CHECK(read(fd, &ch, 1) == 1);
		sb_append(&sb, &ch, 1);
	}
	return sb.s;
}

/* One connection, the way `echo CMD | socat stdio unix:PATH` does it but
 * without half-closing: the server must close by itself. */
static char *query(int which, const char *line)
{
	int fd = cli_connect(which);
	char *ans;

	send_all(fd, line);
	send_all(fd, "\n");
	ans = read_all(fd);
	close(fd);
	return ans;
}

#define EXPECT(which, line, want) do { char *a__ = query(which, line); \
	CHECK_STR(a__, want); free(a__); } while (0)

#define ADMIN 0
#define USER 1
#define OPER 2

static int count_char(const char *s, char c)
{
	int n = 0;

	for (; *s; s++)
		n += *s == c;
	return n;
}

/* ---- tests ---- */

static void test_basic_queries(void)
{
	env_start(10000);
	EXPECT(ADMIN, "show backend", "# name\nbe1\n\n");
	EXPECT(ADMIN, "get weight be1/s1", "1 (initial 1)\n\n");
	EXPECT(USER, "get weight be1/s1", "1 (initial 1)\n\n");
	EXPECT(ADMIN, "show cli level", "admin\n\n");
	EXPECT(OPER, "show cli level", "operator\n\n");
	EXPECT(USER, "show cli level", "user\n\n");
	EXPECT(ADMIN, "get weight be1/s1; get weight be1/s2", "1 (initial 1)\n\n1 (initial 1)\n\n");
	EXPECT(ADMIN, "get weight be1\\/s1", "1 (initial 1)\n\n");
	EXPECT(ADMIN, "get weight be1/s1\r", "1 (initial 1)\n\n");
	EXPECT(ADMIN, "get weight", "Require 'backend/server'.\n\n");
	EXPECT(ADMIN, "get weight be1", "Require 'backend/server'.\n\n");
	EXPECT(ADMIN, "get weight nope/s1", "No such backend.\n\n");
	EXPECT(ADMIN, "get weight fe1/s1", "No such backend.\n\n");
	EXPECT(ADMIN, "get weight be1/nope", "No such server.\n\n");
	EXPECT(ADMIN, "user;show cli level", "\nuser\n\n");
	EXPECT(ADMIN, "user;set weight be1/s1 2", "\nPermission denied\n\n");
	EXPECT(USER, "operator", "Permission denied\n\n");
	EXPECT(ADMIN, "quit", "");
	EXPECT(ADMIN, "get weight be1/s1;quit;get weight be1/s1", "1 (initial 1)\n\n");
	env_stop();
}

static void test_set_weight(void)
{
	env_start(10000);
	EXPECT(ADMIN, "set weight be1/s1 50", "\n");
	CHECK_INT(E.s1.uweight, 50);
	EXPECT(ADMIN, "get weight be1/s1", "50 (initial 1)\n\n");
	EXPECT(ADMIN, "set weight be1/s1 200%", "\n");
	CHECK_INT(E.s1.uweight, 2);
	EXPECT(ADMIN, "set weight be1/s1 50%", "\n");
	CHECK_INT(E.s1.uweight, 0);
	EXPECT(ADMIN, "set server be1/s1 weight 7", "\n");
	CHECK_INT(E.s1.uweight, 7);

	/* every bad input: one error line, no change */
	EXPECT(ADMIN, "set weight be1/s1 300", "Absolute weight can only be between 0 and 256 inclusive.\n\n");
	EXPECT(ADMIN, "set weight be1/s1 -1", "Absolute weight can only be between 0 and 256 inclusive.\n\n");
	EXPECT(ADMIN, "set weight be1/s1 abc", "Empty weight string empty or preceded by garbage\n");
	EXPECT(ADMIN, "set weight be1/s1 5x", "Trailing garbage in weight string\n");
	EXPECT(ADMIN, "set weight be1/s1 -5%", "Relative weight must be positive.\n\n");
	EXPECT(ADMIN, "set weight be1/s1", "Require <weight> or <weight%>.\n\n");
	EXPECT(ADMIN, "set server be1/s1 weight", "Require <weight> or <weight%>.\n\n");
	EXPECT(ADMIN, "set weight nope/s1 5", "No such backend.\n\n");
	EXPECT(ADMIN, "set weight be1/nope 5", "No such server.\n\n");
	EXPECT(ADMIN, "set weight be1 5", "Require 'backend/server'.\n\n");
	CHECK_INT(E.s1.uweight, 7);

	/* levels */
	EXPECT(USER, "set weight be1/s1 5", "Permission denied\n\n");
	EXPECT(OPER, "set weight be1/s1 5", "Permission denied\n\n");
	EXPECT(USER, "set server be1/s1 state maint", "Permission denied\n\n");
	EXPECT(OPER, "disable server be1/s1", "Permission denied\n\n");
	EXPECT(USER, "shutdown sessions server be1/s1", "Permission denied\n\n");
	CHECK_INT(E.s1.uweight, 7);
	CHECK_INT(E.s1.admin, 0);

	/* static algorithms take 0% and 100% only */
	E.be.lb = LB_STATIC_RR;
	EXPECT(ADMIN, "set weight be1/s2 5",
	       "Backend is using a static LB algorithm and only accepts weights '0%' and '100%'.\n\n");
	EXPECT(ADMIN, "set weight be1/s2 0", "\n");
	CHECK_INT(E.s2.uweight, 0);
	EXPECT(ADMIN, "set weight be1/s2 100%", "\n");
	CHECK_INT(E.s2.uweight, 1);
	env_stop();
}

static void test_server_state(void)
{
	char *a;

	env_start(10000);
	EXPECT(ADMIN, "set server be1/s2 state drain", "\n");
	CHECK(E.s2.admin & SRV_ADMF_FDRAIN);
	a = query(ADMIN, "show servers state be1");
	CHECK_CONTAINS(a, "\n2 be1 2 s2 127.0.0.1 2 8 1 1 ");
	free(a);
	EXPECT(ADMIN, "set server be1/s2 state maint", "\n");
	CHECK(E.s2.admin & SRV_ADMF_FMAINT);
	CHECK(!(E.s2.admin & SRV_ADMF_FDRAIN));
	EXPECT(ADMIN, "set server be1/s2 state ready", "\n");
	CHECK_INT(E.s2.admin, 0);
	EXPECT(ADMIN, "disable server be1/s2", "\n");
	CHECK(E.s2.admin & SRV_ADMF_FMAINT);
	EXPECT(ADMIN, "enable server be1/s2", "\n");
	CHECK_INT(E.s2.admin, 0);

	EXPECT(ADMIN, "set server be1/s2 state foo",
	       "'set server <srv> state' expects 'ready', 'drain' and 'maint'.\n\n");
	EXPECT(ADMIN, "set server be1/s2 state",
	       "'set server <srv> state' expects 'ready', 'drain' and 'maint'.\n\n");
	EXPECT(ADMIN, "set server be1/s2",
	       "usage: set server <backend>/<server> addr | agent | agent-addr | agent-port | "
	       "agent-send | check-addr | check-port | fqdn | health | ssl | state | weight\n\n");
	EXPECT(ADMIN, "set server be1", "Require 'backend/server'.\n\n");
	EXPECT(ADMIN, "set server nope/s2 state ready", "No such backend.\n\n");
	EXPECT(ADMIN, "set server be1/zz state ready", "No such server.\n\n");
	EXPECT(ADMIN, "disable server be1", "Require 'backend/server'.\n\n");
	EXPECT(ADMIN, "disable server be1/x", "No such server.\n\n");
	EXPECT(ADMIN, "enable server", "Require 'backend/server'.\n\n");
	CHECK_INT(E.s2.admin, 0);

	EXPECT(ADMIN, "shutdown sessions server be1/s1", "\n");
	CHECK_INT(shutdown_calls, 1);
	CHECK(shutdown_last == &E.s1);
	EXPECT(ADMIN, "shutdown sessions server be1", "Require 'backend/server'.\n\n");
	EXPECT(ADMIN, "shutdown sessions server nope/s1", "No such backend.\n\n");
	CHECK_INT(shutdown_calls, 1);

	EXPECT(ADMIN, "set maxconn frontend fe1 100", "\n");
	CHECK_INT(E.fe.maxconn, 100);
	EXPECT(ADMIN, "set maxconn frontend nope 100", "No such frontend.\n\n");
	EXPECT(ADMIN, "set maxconn frontend be1 100", "No such frontend.\n\n");
	EXPECT(ADMIN, "set maxconn frontend fe1", "Integer value expected.\n\n");
	EXPECT(ADMIN, "set maxconn frontend fe1 abc", "Integer value expected.\n\n");
	EXPECT(ADMIN, "set maxconn frontend fe1 -5", "Value out of range.\n\n");
	EXPECT(ADMIN, "set maxconn frontend", "A frontend name is expected.\n\n");
	CHECK_INT(E.fe.maxconn, 100);
	env_stop();
}

static void test_set_addr(void)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&E.s1.addr.ss;
	char ip[INET_ADDRSTRLEN];

	env_start(10000);
	EXPECT(ADMIN, "set server be1/s1 addr 127.0.0.9 port 9001",
	       "IP changed from '127.0.0.1' to '127.0.0.9', port changed from '8001' to '9001' "
	       "by 'stats socket command'\n\n");
	inet_ntop(AF_INET, &sin->sin_addr, ip, sizeof(ip));
	CHECK_STR(ip, "127.0.0.9");
	CHECK_INT(ntohs(sin->sin_port), 9001);
	EXPECT(ADMIN, "set server be1/s1 addr 127.0.0.8",
	       "IP changed from '127.0.0.9' to '127.0.0.8' by 'stats socket command'\n\n");
	CHECK_INT(ntohs(sin->sin_port), 9001);
	EXPECT(ADMIN, "set server be1/s1 addr 127.0.0.8",
	       "No need to change the addr by 'stats socket command'\n\n");
	EXPECT(ADMIN, "set server be1/s1 addr 127.0.0.8 port 9001",
	       "no need to change the addr, no need to change the port by 'stats socket command'\n\n");

	EXPECT(ADMIN, "set server be1/s1 addr",
	       "set server <b>/<s> addr requires an address and optionally a port.\n\n");
	EXPECT(ADMIN, "set server be1/s1 addr foo", "Invalid addr 'foo' by 'stats socket command'\n\n");
	EXPECT(ADMIN, "set server be1/s1 addr 127.0.0.3 port abc",
	       "no need to change the addr, problem converting port 'abc' to an int by 'stats socket command'\n\n");
	EXPECT(ADMIN, "set server be1/s1 addr 127.0.0.3 port 70000",
	       "no need to change the addr, problem converting port '70000' to an int by 'stats socket command'\n\n");
	inet_ntop(AF_INET, &sin->sin_addr, ip, sizeof(ip));
	CHECK_STR(ip, "127.0.0.8");
	CHECK_INT(ntohs(sin->sin_port), 9001);
	EXPECT(OPER, "set server be1/s1 addr 127.0.0.3", "Permission denied\n\n");
	env_stop();
}

static void test_show_stat(void)
{
	static const char header[] =
		"# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,"
		"wretr,wredis,status,weight,act,bck,chkfail,chkdown,lastchg,downtime,qlimit,pid,iid,"
		"sid,throttle,lbtot,tracked,type,rate,rate_lim,rate_max,check_status,check_code,"
		"check_duration,hrsp_1xx,hrsp_2xx,hrsp_3xx,hrsp_4xx,hrsp_5xx,hrsp_other,hanafail,"
		"req_rate,req_rate_max,req_tot,cli_abrt,srv_abrt,comp_in,comp_out,comp_byp,comp_rsp,"
		"lastsess,last_chk,last_agt,qtime,ctime,rtime,ttime,agent_status,agent_code,"
		"agent_duration,check_desc,agent_desc,check_rise,check_fall,check_health,agent_rise,"
		"agent_fall,agent_health,addr,cookie,mode,algo,conn_rate,conn_rate_max,conn_tot,"
		"intercepted,dcon,dses,wrew,connect,reuse,cache_lookups,cache_hits,srv_icur,src_ilim,"
		"qtime_max,ctime_max,rtime_max,ttime_max,eint,idle_conn_cur,safe_conn_cur,"
		"used_conn_cur,need_conn_est,uweight,agg_server_status,agg_server_check_status,"
		"agg_check_status,-,ssl_sess,ssl_reused_sess,ssl_failed_handshake,h2_headers_rcvd,"
		"h2_data_rcvd,h2_settings_rcvd,h2_rst_stream_rcvd,h2_goaway_rcvd,"
		"h2_detected_conn_protocol_errors,h2_detected_strm_protocol_errors,"
		"h2_rst_stream_resp,h2_goaway_resp,h2_open_connections,h2_backend_open_streams,"
		"h2_total_connections,h2_backend_total_streams,h1_open_connections,h1_open_streams,"
		"h1_total_connections,h1_total_streams,h1_bytes_in,h1_bytes_out,h1_spliced_bytes_in,"
		"h1_spliced_bytes_out,\n";
	char *a, *line, *save;
	int rows = 0;

	env_start(10000);
	a = query(ADMIN, "show stat");
	CHECK(strncmp(a, header, strlen(header)) == 0);
	CHECK(str_ends_with(a, "\n\n"));
	for (line = strtok_r(a, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		CHECK_INT(count_char(line, ','), 128);
		rows++;
	}
	CHECK_INT(rows, 5);
	free(a);

	a = query(ADMIN, "show stat");
	CHECK_CONTAINS(a, "\nfe1,FRONTEND,,,0,0,4096,0,0,0,0,0,0,,,,,OPEN,,,,,,,,,1,1,0,,,,0,0,0,0,,,,");
	CHECK_CONTAINS(a, "\nbe1,s1,0,0,0,0,,0,0,0,,0,,0,0,0,0,no check,1,1,0,,,0,,,1,2,1,,0,,2,0,,0,,,,");
	CHECK_CONTAINS(a, ",127.0.0.1:8001,,tcp,,");
	CHECK_CONTAINS(a, "\nbe1,BACKEND,0,0,0,0,410,0,0,0,0,0,,0,0,0,0,UP,2,2,0,,0,0,0,,1,2,0,,0,,1,0,,0,,");
	CHECK_CONTAINS(a, ",tcp,roundrobin,");
	free(a);

	/* a user does not see server addresses */
	a = query(USER, "show stat");
	CHECK(!strstr(a, "127.0.0.1:8001"));
	free(a);

	EXPECT(ADMIN, "set server be1/s1 state maint;set server be1/s2 state drain", "\n\n");
	a = query(ADMIN, "show stat be1 4 -1");
	CHECK(strncmp(a, header, strlen(header)) == 0);
	CHECK_CONTAINS(a, "\nbe1,s1,0,0,0,0,,0,0,0,,0,,0,0,0,0,MAINT,1,1,0,");
	CHECK_CONTAINS(a, "\nbe1,s2,0,0,0,0,,0,0,0,,0,,0,0,0,0,DRAIN,1,1,0,");
	CHECK(!strstr(a, "BACKEND"));
	CHECK(!strstr(a, "FRONTEND"));
	free(a);
	a = query(ADMIN, "show stat 2 2 -1");
	CHECK_CONTAINS(a, "\nbe1,BACKEND,0,0,0,0,410,0,0,0,0,0,,0,0,0,0,DOWN,0,0,0,");
	CHECK(!strstr(a, "be1,s1"));
	free(a);
	a = query(ADMIN, "show stat -1 4 2");
	CHECK_CONTAINS(a, "\nbe1,s2,");
	CHECK(!strstr(a, "be1,s1"));
	free(a);
	EXPECT(ADMIN, "show stat nope 4 -1", "No such proxy.\n\n");

	/* a checked server shows its check columns */
	EXPECT(ADMIN, "set server be1/s1 state ready", "\n");
	E.s1.check_enabled = true;
	E.s1.check_status = HCHK_L4CON;
	E.s1.op_state = SRV_ST_STOPPED;
	E.s1.health = 0;
	snprintf(E.s1.check_desc, sizeof(E.s1.check_desc), "Connection refused");
	a = query(ADMIN, "show stat -1 4 1");
	CHECK_CONTAINS(a, "\nbe1,s1,0,0,0,0,,0,0,0,,0,,0,0,0,0,DOWN,1,1,0,0,");
	CHECK_CONTAINS(a, ",L4CON,,0,");
	CHECK_CONTAINS(a, ",-1,Connection refused,,0,0,0,0,,,,Layer4 connection problem,,2,3,0,,,,127.0.0.1:8001,");
	free(a);
	a = query(ADMIN, "show servers state");
	CHECK_CONTAINS(a, "\n2 be1 1 s1 127.0.0.1 0 0 1 1 0 8 2 0 6 0 0 0 - 8001 - 0 0 - - 0\n");
	free(a);
	env_stop();
}

static void test_servers_state_and_info(void)
{
	char *a;

	env_start(10000);
	EXPECT(ADMIN, "show servers state",
	       "1\n"
	       "# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight "
	       "srv_iweight srv_time_since_last_change srv_check_status srv_check_result "
	       "srv_check_health srv_check_state srv_agent_state bk_f_forced_id srv_f_forced_id "
	       "srv_fqdn srv_port srvrecord srv_use_ssl srv_check_port srv_check_addr "
	       "srv_agent_addr srv_agent_port\n"
	       "2 be1 1 s1 127.0.0.1 2 0 1 1 0 1 0 2 0 0 0 0 - 8001 - 0 0 - - 0\n"
	       "2 be1 2 s2 127.0.0.1 2 0 1 1 0 1 0 2 0 0 0 0 - 8002 - 0 0 - - 0\n"
	       "\n");
	a = query(USER, "show servers state be1");
	CHECK_CONTAINS(a, "2 be1 2 s2 127.0.0.1 2 0 1 1 0 1 0 2 0 0 0 0 - 8002 - 0 0 - - 0\n\n");
	free(a);
	EXPECT(ADMIN, "show servers state nope", "Can't find backend.\n\n");
	EXPECT(ADMIN, "show servers state fe1", "Can't find backend.\n\n");

	a = query(USER, "show info");
	CHECK(str_starts_with(a, "Name: vigil-proxy\nVersion: "));
	CHECK_CONTAINS(a, "\nNbproc: 1\nProcess_num: 1\n");
	CHECK_CONTAINS(a, "\nUptime: 0d 0h00m0");
	CHECK_CONTAINS(a, "\nMaxconn: 4096\nHard_maxconn: 4096\nCurrConns: 0\nCumConns: 0\n");
	CHECK_CONTAINS(a, "\nnode: testnode\n");
	CHECK(str_ends_with(a, "\nTainted: 0\n\n"));
	free(a);
	env_stop();
}

static void test_help_and_unknown(void)
{
	static const char tail[] =
		"  help [<command>]                        : list matching or all commands\n"
		"  prompt                                  : toggle interactive mode with prompt\n"
		"  quit                                    : disconnect\n\n";
	char *a;

	env_start(10000);
	a = query(USER, "help");
	CHECK(str_starts_with(a, "The following commands are valid at this level:\n"));
	CHECK_CONTAINS(a, "\n  get weight <bk>/<srv>                   : report a server's current weight\n");
	CHECK(str_ends_with(a, tail));
	free(a);

	a = query(ADMIN, "show foo");
	CHECK(str_starts_with(a, "Unknown command, but maybe one of the following ones is a better match:\n"));
	CHECK(str_ends_with(a, tail));
	free(a);

	a = query(ADMIN, "shutdown sessions");
	CHECK_STR(a, "Unknown command, but maybe one of the following ones is a better match:\n"
		  "  shutdown sessions server <bk>/<srv>     : kill sessions on a server\n"
		  "  help [<command>]                        : list matching or all commands\n"
		  "  prompt                                  : toggle interactive mode with prompt\n"
		  "  quit                                    : disconnect\n\n");
	free(a);

	a = query(ADMIN, "get weight be1/s1;;");
	CHECK(str_starts_with(a, "1 (initial 1)\n\nUnknown command. Please enter one of the following commands only:\n"));
	free(a);
	env_stop();
}

static void test_prompt_and_timeout(void)
{
	int fd;
	char *a, buf[16];
	uint64_t t0;

	env_start(300);
	fd = cli_connect(ADMIN);
	send_all(fd, "prompt\n");
	a = read_until(fd, "\n> ");
	CHECK_STR(a, "\n> ");
	free(a);
	send_all(fd, "get weight be1/s1\n");
	a = read_until(fd, "\n> ");
	CHECK_STR(a, "1 (initial 1)\n\n> ");
	free(a);
	send_all(fd, "set weight be1/s1 3\n");
	a = read_until(fd, "\n> ");
	CHECK_STR(a, "\n> ");
	free(a);
	CHECK_INT(E.s1.uweight, 3);
	send_all(fd, "quit\n");
	a = read_all(fd);
	CHECK_STR(a, "");
	free(a);
	close(fd);

	/* a partial command: nothing runs, the idle timeout closes */
	fd = cli_connect(ADMIN);
	t0 = ev_monotonic_ms();
	send_all(fd, "set weight be1/s1 9");
	CHECK(read(fd, buf, sizeof(buf)) == 0);
	CHECK(ev_monotonic_ms() - t0 < 3000);
	CHECK_INT(E.s1.uweight, 3);
	close(fd);

	/* half-closed client, several lines at once */
	fd = cli_connect(ADMIN);
	send_all(fd, "get weight be1/s1\nget weight be1/s2\n");
	shutdown(fd, SHUT_WR);
	a = read_all(fd);
	CHECK_STR(a, "3 (initial 1)\n\n1 (initial 1)\n\n");
	free(a);
	close(fd);
	env_stop();
}

static void test_socket_mode_and_direct(void)
{
	struct stat st;
	struct strbuf out = STRBUF_INIT;

	env_start(10000);
	CHECK(stat(E.path[ADMIN], &st) == 0);
	CHECK(S_ISSOCK(st.st_mode));
	CHECK_INT(st.st_mode & 0777, 0600);
	cli_run_line(&E.c, CLI_LEVEL_ADMIN, "get weight be1/s2;show backend", &out);
	CHECK_STR(sb_str(&out), "1 (initial 1)\n\n# name\nbe1\n\n");
	sb_free(&out);
	env_stop();
}

int main(void)
{
	RUN(test_basic_queries);
	RUN(test_set_weight);
	RUN(test_server_state);
	RUN(test_set_addr);
	RUN(test_show_stat);
	RUN(test_servers_state_and_info);
	RUN(test_help_and_unknown);
	RUN(test_prompt_and_timeout);
	RUN(test_socket_mode_and_direct);
	UNIT_DONE();
}

/* stats: `show info`, `show stat` and `show servers state` (see stats.h).
 *
 * `show stat` rows are built field by field into a `struct stat_row` and
 * then written as CSV; which columns each kind of row fills was copied
 * from HAProxy 2.6.12 running a TCP configuration.
 */
#include "proxy/stats.h"
#include "lib/addr.h"
#include "lib/ev.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

/* ---- helpers ---- */

static void px_lock(const struct proxy *px)
{
	pthread_mutex_lock((pthread_mutex_t *)&px->lock);
}

static void px_unlock(const struct proxy *px)
{
	pthread_mutex_unlock((pthread_mutex_t *)&px->lock);
}

static uint64_t now_ms(void)
{
	return ev_monotonic_ms();
}

/* Seconds since a monotonic timestamp; a timestamp of 0 (never changed)
 * counts from the process start, as HAProxy does. */
static uint64_t secs_since(const struct pxconf *c, uint64_t then_ms)
{
	uint64_t now = now_ms();

	if (then_ms == 0)
		then_ms = c->rt.start_mono_ms;
	if (then_ms == 0 || then_ms > now)
		return 0;
	return (now - then_ms) / 1000;
}

int stats_hchk_code(enum check_status s)
{
	/* HAProxy's enum healthcheck_status values. */
	switch (s) {
	case HCHK_UNKNOWN: return 0;
	case HCHK_INI:     return 1;
	case HCHK_SOCKERR: return 5;
	case HCHK_L4OK:    return 6;
	case HCHK_L4TOUT:  return 7;
	case HCHK_L4CON:   return 8;
	case HCHK_L6OK:    return 9;
	case HCHK_L6TOUT:  return 10;
	case HCHK_L6RSP:   return 11;
	case HCHK_L7TOUT:  return 12;
	case HCHK_L7RSP:   return 13;
	case HCHK_L7OK:    return 15;
	case HCHK_L7OKC:   return 16;
	case HCHK_L7STS:   return 17;
	}
	return 0;
}

/* HAProxy's CHK_RES_*: 0 unknown, 2 failed, 3 passed, 4 conditionally. */
static int check_result_code(enum check_status s)
{
	switch (s) {
	case HCHK_UNKNOWN: case HCHK_INI:
		return 0;
	case HCHK_L4OK: case HCHK_L6OK: case HCHK_L7OK:
		return 3;
	case HCHK_L7OKC:
		return 4;
	default:
		return 2;
	}
}

static bool check_status_has_code(enum check_status s)
{
	return s == HCHK_L7OK || s == HCHK_L7OKC || s == HCHK_L7STS;
}

static bool check_status_done(enum check_status s)
{
	return s != HCHK_UNKNOWN && s != HCHK_INI;
}

static const char *lb_algo_name(enum lb_algo lb)
{
	switch (lb) {
	case LB_ROUNDROBIN: return "roundrobin";
	case LB_STATIC_RR:  return "static-rr";
	case LB_LEASTCONN:  return "leastconn";
	case LB_SOURCE:     return "source";
	case LB_FIRST:      return "first";
	case LB_URI:        return "uri";
	case LB_URL_PARAM:  return "url_param";
	case LB_HDR:        return "hdr";
	case LB_RANDOM:     return "random";
	}
	return "roundrobin";
}

static const char *mode_name(enum px_mode m)
{
	return m == PX_MODE_HTTP ? "http" : "tcp";
}

/* ---- show info ---- */

static int count_listeners(const struct pxconf *c)
{
	int n = c->global.nstats_sockets;

	for (int i = 0; i < c->nproxies; i++)
		n += c->proxies[i]->nlisteners;
	return n;
}

void stats_show_info(const struct pxconf *c, struct strbuf *out)
{
	struct rlimit rl = { 0, 0 };
	uint64_t up = 0, now = now_ms();
	char host[256];
	const char *node = c->global.node;
	int curr = atomic_load(&c->rt.cur_conn);
	int maxconn = c->global.maxconn;

	if (c->rt.start_mono_ms && now > c->rt.start_mono_ms)
		up = (now - c->rt.start_mono_ms) / 1000;
	getrlimit(RLIMIT_NOFILE, &rl);
	if (!node) {
		if (gethostname(host, sizeof(host)) != 0)
			host[0] = 0;
		host[sizeof(host) - 1] = 0;
		node = host;
	}

	sb_puts(out, "Name: vigil-proxy\n");
	sb_puts(out, "Version: " VIGIL_VERSION "\n");
	sb_puts(out, "Release_date: " VIGIL_RELEASE_DATE "\n");
	sb_appendf(out, "Nbthread: %d\n", c->rt.nbthread > 0 ? c->rt.nbthread : 1);
	sb_puts(out, "Nbproc: 1\n");
	sb_appendf(out, "Process_num: %d\n", c->rt.relative_pid > 0 ? c->rt.relative_pid : 1);
	sb_appendf(out, "Pid: %d\n", (int)c->rt.pid);
	sb_appendf(out, "Uptime: %ud %uh%02um%02us\n", (unsigned)(up / 86400),
		   (unsigned)(up / 3600 % 24), (unsigned)(up / 60 % 60), (unsigned)(up % 60));
	sb_appendf(out, "Uptime_sec: %llu\n", (unsigned long long)up);
	sb_puts(out, "Memmax_MB: 0\nPoolAlloc_MB: 0\nPoolUsed_MB: 0\nPoolFailed: 0\n");
	sb_appendf(out, "Ulimit-n: %llu\n", (unsigned long long)rl.rlim_cur);
	sb_appendf(out, "Maxsock: %llu\n", (unsigned long long)rl.rlim_cur);
	sb_appendf(out, "Maxconn: %d\n", maxconn);
	sb_appendf(out, "Hard_maxconn: %d\n", maxconn);
	sb_appendf(out, "CurrConns: %d\n", curr);
	sb_appendf(out, "CumConns: %llu\n", (unsigned long long)atomic_load(&c->rt.cum_conn));
	sb_puts(out,
		"CumReq: 0\n"
		"MaxSslConns: 0\nCurrSslConns: 0\nCumSslConns: 0\n"
		"Maxpipes: 0\nPipesUsed: 0\nPipesFree: 0\n"
		"ConnRate: 0\nConnRateLimit: 0\nMaxConnRate: 0\n"
		"SessRate: 0\nSessRateLimit: 0\nMaxSessRate: 0\n"
		"SslRate: 0\nSslRateLimit: 0\nMaxSslRate: 0\n"
		"SslFrontendKeyRate: 0\nSslFrontendMaxKeyRate: 0\n"
		"SslFrontendSessionReuse_pct: 0\n"
		"SslBackendKeyRate: 0\nSslBackendMaxKeyRate: 0\n"
		"SslCacheLookups: 0\nSslCacheMisses: 0\n"
		"CompressBpsIn: 0\nCompressBpsOut: 0\nCompressBpsRateLim: 0\n"
		"Tasks: 0\nRun_queue: 0\nIdle_pct: 100\n");
	sb_appendf(out, "node: %s\n", node);
	sb_appendf(out, "Stopping: %d\n", atomic_load(&c->rt.stopping) ? 1 : 0);
	sb_appendf(out, "Jobs: %d\n", curr + count_listeners(c));
	sb_puts(out, "Unstoppable Jobs: 0\n");
	sb_appendf(out, "Listeners: %d\n", count_listeners(c));
	sb_puts(out,
		"ActivePeers: 0\nConnectedPeers: 0\nDroppedLogs: 0\nBusyPolling: 0\n"
		"FailedResolutions: 0\nTotalBytesOut: 0\nTotalSplicdedBytesOut: 0\n"
		"BytesOutRate: 0\nDebugCommandsIssued: 0\nCumRecvLogs: 0\n"
		"Build info: " VIGIL_VERSION "\n"
		"Memmax_bytes: 0\nPoolAlloc_bytes: 0\nPoolUsed_bytes: 0\n");
	sb_appendf(out, "Start_time_sec: %llu\n", (unsigned long long)c->rt.start_wall_s);
	sb_puts(out, "Tainted: 0\n");
}

/* ---- show stat ---- */

static const char stat_header[] =
	"# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,"
	"ereq,econ,eresp,wretr,wredis,status,weight,act,bck,chkfail,chkdown,"
	"lastchg,downtime,qlimit,pid,iid,sid,throttle,lbtot,tracked,type,"
	"rate,rate_lim,rate_max,check_status,check_code,check_duration,"
	"hrsp_1xx,hrsp_2xx,hrsp_3xx,hrsp_4xx,hrsp_5xx,hrsp_other,hanafail,"
	"req_rate,req_rate_max,req_tot,cli_abrt,srv_abrt,comp_in,comp_out,"
	"comp_byp,comp_rsp,lastsess,last_chk,last_agt,qtime,ctime,rtime,"
	"ttime,agent_status,agent_code,agent_duration,check_desc,agent_desc,"
	"check_rise,check_fall,check_health,agent_rise,agent_fall,"
	"agent_health,addr,cookie,mode,algo,conn_rate,conn_rate_max,conn_tot,"
	"intercepted,dcon,dses,wrew,connect,reuse,cache_lookups,cache_hits,"
	"srv_icur,src_ilim,qtime_max,ctime_max,rtime_max,ttime_max,eint,"
	"idle_conn_cur,safe_conn_cur,used_conn_cur,need_conn_est,uweight,"
	"agg_server_status,agg_server_check_status,agg_check_status,-,"
	"ssl_sess,ssl_reused_sess,ssl_failed_handshake,h2_headers_rcvd,"
	"h2_data_rcvd,h2_settings_rcvd,h2_rst_stream_rcvd,h2_goaway_rcvd,"
	"h2_detected_conn_protocol_errors,h2_detected_strm_protocol_errors,"
	"h2_rst_stream_resp,h2_goaway_resp,h2_open_connections,"
	"h2_backend_open_streams,h2_total_connections,"
	"h2_backend_total_streams,h1_open_connections,h1_open_streams,"
	"h1_total_connections,h1_total_streams,h1_bytes_in,h1_bytes_out,"
	"h1_spliced_bytes_in,h1_spliced_bytes_out,\n";

/* Column numbers of the header above. */
enum stat_col {
	ST_PXNAME = 0, ST_SVNAME, ST_QCUR, ST_QMAX, ST_SCUR, ST_SMAX, ST_SLIM,
	ST_STOT, ST_BIN, ST_BOUT, ST_DREQ, ST_DRESP, ST_EREQ, ST_ECON, ST_ERESP,
	ST_WRETR, ST_WREDIS, ST_STATUS, ST_WEIGHT, ST_ACT, ST_BCK, ST_CHKFAIL,
	ST_CHKDOWN, ST_LASTCHG, ST_DOWNTIME, ST_QLIMIT, ST_PID, ST_IID, ST_SID,
	ST_THROTTLE, ST_LBTOT, ST_TRACKED, ST_TYPE, ST_RATE, ST_RATE_LIM,
	ST_RATE_MAX, ST_CHECK_STATUS, ST_CHECK_CODE, ST_CHECK_DURATION,
	ST_HRSP_1XX, ST_HRSP_OTHER = ST_HRSP_1XX + 5, ST_HANAFAIL, ST_REQ_RATE,
	ST_REQ_RATE_MAX, ST_REQ_TOT, ST_CLI_ABRT, ST_SRV_ABRT, ST_COMP_IN,
	ST_COMP_OUT, ST_COMP_BYP, ST_COMP_RSP, ST_LASTSESS, ST_LAST_CHK,
	ST_LAST_AGT, ST_QTIME, ST_CTIME, ST_RTIME, ST_TTIME, ST_AGENT_STATUS,
	ST_AGENT_CODE, ST_AGENT_DURATION, ST_CHECK_DESC, ST_AGENT_DESC,
	ST_CHECK_RISE, ST_CHECK_FALL, ST_CHECK_HEALTH, ST_AGENT_RISE,
	ST_AGENT_FALL, ST_AGENT_HEALTH, ST_ADDR, ST_COOKIE, ST_MODE, ST_ALGO,
	ST_CONN_RATE, ST_CONN_RATE_MAX, ST_CONN_TOT, ST_INTERCEPTED, ST_DCON,
	ST_DSES, ST_WREW, ST_CONNECT, ST_REUSE, ST_CACHE_LOOKUPS, ST_CACHE_HITS,
	ST_SRV_ICUR, ST_SRC_ILIM, ST_QTIME_MAX, ST_CTIME_MAX, ST_RTIME_MAX,
	ST_TTIME_MAX, ST_EINT, ST_IDLE_CONN_CUR, ST_SAFE_CONN_CUR,
	ST_USED_CONN_CUR, ST_NEED_CONN_EST, ST_UWEIGHT, ST_AGG_SERVER_STATUS,
	ST_AGG_SERVER_CHECK_STATUS, ST_AGG_CHECK_STATUS, ST_DASH, ST_SSL_SESS,
	ST_SSL_REUSED_SESS, ST_SSL_FAILED_HANDSHAKE, ST_H2_FIRST,
	ST_H2_LAST = ST_H2_FIRST + 12, ST_H1_FIRST, ST_H1_LAST = ST_H1_FIRST + 7,
	ST_NCOL
};

_Static_assert(ST_NCOL == 128, "show stat has 128 columns in HAProxy 2.6");

/* One CSV row: NULL = empty field. Values point into `buf`. */
struct stat_row {
	const char *v[ST_NCOL];
	char buf[4096];
	size_t used;
};

static void row_setf(struct stat_row *r, enum stat_col col, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void row_setf(struct stat_row *r, enum stat_col col, const char *fmt, ...)
{
	size_t room = sizeof(r->buf) - r->used;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(r->buf + r->used, room, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= room)
		return; /* cannot happen with the fields we print; leave it empty */
	r->v[col] = r->buf + r->used;
	r->used += (size_t)n + 1;
}

static void row_setu(struct stat_row *r, enum stat_col col, unsigned long long v)
{
	row_setf(r, col, "%llu", v);
}

/* Zero every listed column (list ends with -1). */
static void row_zeros(struct stat_row *r, const int *cols)
{
	for (; *cols >= 0; cols++)
		r->v[*cols] = "0";
}

static void row_zero_range(struct stat_row *r, int from, int to)
{
	for (int i = from; i <= to; i++)
		r->v[i] = "0";
}

static void csv_field(struct strbuf *out, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		sb_puts(out, s);
		return;
	}
	sb_puts(out, "\"");
	for (; *s; s++) {
		if (*s == '"')
			sb_puts(out, "\"\"");
		else
			sb_append(out, s, 1);
	}
	sb_puts(out, "\"");
}

static void row_emit(const struct stat_row *r, struct strbuf *out)
{
	for (int i = 0; i < ST_NCOL; i++) {
		if (r->v[i])
			csv_field(out, r->v[i]);
		sb_puts(out, ",");
	}
	sb_puts(out, "\n");
}

static void row_init(struct stat_row *r)
{
	memset(r->v, 0, sizeof(r->v));
	r->used = 0;
}

static int frontend_maxconn(const struct pxconf *c, const struct proxy *fe)
{
	return fe->maxconn > 0 ? fe->maxconn : c->global.maxconn;
}

/* HAProxy's default fullconn: 10% of the maxconn of the frontends that can
 * reach the backend, rounded up; at least 1. */
static int backend_fullconn(const struct pxconf *c, const struct proxy *be)
{
	long long sum = 0;

	if (be->fullconn > 0)
		return be->fullconn;
	for (int i = 0; i < c->nproxies; i++) {
		const struct proxy *fe = c->proxies[i];
		bool uses = false;

		if (!(fe->cap & PX_CAP_FE))
			continue;
		if (fe == be || fe->default_backend == be)
			uses = true;
		for (int j = 0; j < fe->nswitch_rules && !uses; j++)
			uses = fe->switch_rules[j].backend == be;
		if (uses)
			sum += frontend_maxconn(c, fe);
	}
	sum = (sum + 9) / 10;
	return sum > 0 ? (int)sum : 1;
}

int stats_backend_fullconn(const struct pxconf *c, const struct proxy *be)
{
	return backend_fullconn(c, be);
}

static void frontend_row(const struct pxconf *c, const struct proxy *fe, struct strbuf *out)
{
	static const int zeros[] = {
		ST_BIN, ST_BOUT, ST_DRESP, ST_RATE, ST_RATE_LIM, ST_RATE_MAX,
		ST_REQ_RATE, ST_REQ_RATE_MAX, ST_REQ_TOT, ST_COMP_IN, ST_COMP_OUT,
		ST_COMP_BYP, ST_COMP_RSP, ST_CONN_RATE, ST_CONN_RATE_MAX, ST_DSES,
		ST_WREW, ST_EINT, ST_SSL_SESS, ST_SSL_REUSED_SESS,
		ST_SSL_FAILED_HANDSHAKE, -1
	};
	struct stat_row r;

	row_init(&r);
	row_zeros(&r, zeros);
	row_zero_range(&r, ST_H2_FIRST, ST_H1_LAST);
	row_setf(&r, ST_PXNAME, "%s", fe->id);
	row_setf(&r, ST_SVNAME, "FRONTEND");
	row_setu(&r, ST_SCUR, (unsigned)atomic_load(&fe->cur_conn));
	row_setu(&r, ST_SMAX, atomic_load(&fe->cnt.max_sess));
	row_setu(&r, ST_SLIM, (unsigned)frontend_maxconn(c, fe));
	row_setu(&r, ST_STOT, atomic_load(&fe->cnt.cum_sess));
	row_setu(&r, ST_BIN, atomic_load(&fe->cnt.bytes_in));
	row_setu(&r, ST_BOUT, atomic_load(&fe->cnt.bytes_out));
	row_setu(&r, ST_DREQ, atomic_load(&fe->cnt.denied_req));
	row_setu(&r, ST_EREQ, atomic_load(&fe->cnt.failed_req));
	row_setf(&r, ST_STATUS, "%s", fe->disabled ? "STOP" : "OPEN");
	row_setf(&r, ST_PID, "1");
	row_setf(&r, ST_IID, "%d", fe->uuid);
	row_setf(&r, ST_SID, "0");
	row_setf(&r, ST_TYPE, "0");
	row_setf(&r, ST_MODE, "%s", mode_name(fe->mode));
	row_setu(&r, ST_CONN_TOT, atomic_load(&fe->cnt.cum_conn));
	row_setu(&r, ST_DCON, atomic_load(&fe->cnt.denied_conn));
	row_setu(&r, ST_DSES, atomic_load(&fe->cnt.denied_sess));
	r.v[ST_DASH] = "-";
	row_emit(&r, out);
}

/* Lock held. */
static void server_row(const struct pxconf *c, const struct server *srv,
		       bool hide_addr, struct strbuf *out)
{
	static const int zeros[] = {
		ST_DRESP, ST_LBTOT, ST_RATE, ST_RATE_MAX, ST_CLI_ABRT, ST_SRV_ABRT,
		ST_QTIME, ST_CTIME, ST_RTIME, ST_TTIME, ST_WREW, ST_CONNECT, ST_REUSE,
		ST_SRV_ICUR, ST_QTIME_MAX, ST_CTIME_MAX, ST_RTIME_MAX, ST_TTIME_MAX,
		ST_EINT, ST_IDLE_CONN_CUR, ST_SAFE_CONN_CUR, ST_USED_CONN_CUR,
		ST_NEED_CONN_EST, ST_SSL_SESS, ST_SSL_REUSED_SESS,
		ST_SSL_FAILED_HANDSHAKE, -1
	};
	const struct proxy *px = srv->px;
	char status[64], addr[ADDR_STRLEN];
	uint64_t lastchg = secs_since(c, srv->last_change_ms);
	struct stat_row r;

	row_init(&r);
	row_zeros(&r, zeros);
	row_setf(&r, ST_PXNAME, "%s", px->id);
	row_setf(&r, ST_SVNAME, "%s", srv->id);
	row_setu(&r, ST_QCUR, (unsigned)atomic_load(&srv->queued));
	row_setu(&r, ST_QMAX, 0);
	row_setu(&r, ST_SCUR, (unsigned)atomic_load(&srv->cur_sess));
	row_setu(&r, ST_SMAX, atomic_load(&srv->cnt.max_sess));
	if (srv->maxconn > 0)
		row_setu(&r, ST_SLIM, (unsigned)srv->maxconn);
	row_setu(&r, ST_STOT, atomic_load(&srv->cnt.cum_sess));
	row_setu(&r, ST_LBTOT, atomic_load(&srv->cnt.cum_sess));
	row_setu(&r, ST_BIN, atomic_load(&srv->cnt.bytes_in));
	row_setu(&r, ST_BOUT, atomic_load(&srv->cnt.bytes_out));
	row_setu(&r, ST_ECON, atomic_load(&srv->cnt.failed_conns));
	row_setu(&r, ST_ERESP, atomic_load(&srv->cnt.failed_resp));
	row_setu(&r, ST_WRETR, atomic_load(&srv->cnt.retries));
	row_setu(&r, ST_WREDIS, atomic_load(&srv->cnt.redispatches));
	row_setf(&r, ST_STATUS, "%s", server_status_str(srv, status, sizeof(status)));
	row_setf(&r, ST_WEIGHT, "%d", srv->uweight);
	row_setf(&r, ST_ACT, "%d", srv->backup ? 0 : 1);
	row_setf(&r, ST_BCK, "%d", srv->backup ? 1 : 0);
	row_setu(&r, ST_LASTCHG, lastchg);
	row_setf(&r, ST_PID, "1");
	row_setf(&r, ST_IID, "%d", px->uuid);
	row_setf(&r, ST_SID, "%d", srv->puid);
	row_setf(&r, ST_TYPE, "2");
	row_setf(&r, ST_LASTSESS, "-1");
	if (srv->check_enabled) {
		bool down = srv->op_state == SRV_ST_STOPPED && !(srv->admin & SRV_ADMF_MAINT);

		row_setu(&r, ST_CHKFAIL, atomic_load(&srv->cnt.failed_checks));
		row_setu(&r, ST_CHKDOWN, atomic_load(&srv->cnt.down_trans));
		/* Total downtime is not tracked: the current down period. */
		row_setu(&r, ST_DOWNTIME, down ? lastchg : 0);
		row_setf(&r, ST_CHECK_STATUS, "%s", check_status_name(srv->check_status));
		if (check_status_has_code(srv->check_status))
			row_setf(&r, ST_CHECK_CODE, "%d", srv->check_code);
		if (check_status_done(srv->check_status)) {
			row_setu(&r, ST_CHECK_DURATION, srv->check_duration_ms);
			if (srv->check_desc[0])
				row_setf(&r, ST_LAST_CHK, "%s", srv->check_desc);
			row_setf(&r, ST_CHECK_DESC, "%s", check_status_desc(srv->check_status));
		}
		row_setf(&r, ST_CHECK_RISE, "%d", srv->rise);
		row_setf(&r, ST_CHECK_FALL, "%d", srv->fall);
		row_setf(&r, ST_CHECK_HEALTH, "%d", srv->health);
	}
	if (!hide_addr && srv->addr.len > 0)
		row_setf(&r, ST_ADDR, "%s", addr_to_str((const struct sockaddr *)&srv->addr.ss,
							addr, sizeof(addr)));
	if (srv->cookie)
		row_setf(&r, ST_COOKIE, "%s", srv->cookie);
	row_setf(&r, ST_MODE, "%s", mode_name(px->mode));
	row_setf(&r, ST_UWEIGHT, "%d", srv->uweight);
	r.v[ST_DASH] = "-";
	row_emit(&r, out);
}

/* Lock held. */
static void backend_row(const struct pxconf *c, const struct proxy *be, struct strbuf *out)
{
	static const int zeros[] = {
		ST_QMAX, ST_DREQ, ST_DRESP, ST_LBTOT, ST_RATE, ST_RATE_MAX,
		ST_CLI_ABRT, ST_SRV_ABRT, ST_COMP_IN, ST_COMP_OUT, ST_COMP_BYP,
		ST_COMP_RSP, ST_QTIME, ST_CTIME, ST_RTIME, ST_TTIME, ST_WREW,
		ST_CONNECT, ST_REUSE, ST_QTIME_MAX, ST_CTIME_MAX, ST_RTIME_MAX,
		ST_TTIME_MAX, ST_EINT, ST_AGG_SERVER_STATUS,
		ST_AGG_SERVER_CHECK_STATUS, ST_AGG_CHECK_STATUS, ST_SSL_SESS,
		ST_SSL_REUSED_SESS, ST_SSL_FAILED_HANDSHAKE, -1
	};
	int act = 0, bck = 0, wact = 0, wbck = 0, uwact = 0, uwbck = 0;
	bool up = backend_is_up(be);
	uint64_t lastchg = secs_since(c, be->last_change_ms);
	struct stat_row r;

	for (int i = 0; i < be->nservers; i++) {
		const struct server *srv = be->servers[i];

		if (!server_is_usable(srv))
			continue;
		if (srv->backup) {
			bck++;
			wbck += server_eweight(srv);
			uwbck += srv->uweight;
		} else {
			act++;
			wact += server_eweight(srv);
			uwact += srv->uweight;
		}
	}

	row_init(&r);
	row_zeros(&r, zeros);
	row_zero_range(&r, ST_H2_FIRST, ST_H1_LAST);
	row_setf(&r, ST_PXNAME, "%s", be->id);
	row_setf(&r, ST_SVNAME, "BACKEND");
	row_setu(&r, ST_QCUR, (unsigned)be->queue_len);
	row_setu(&r, ST_SCUR, (unsigned)atomic_load(&be->cur_sess));
	row_setu(&r, ST_SMAX, atomic_load(&be->cnt.max_sess));
	row_setu(&r, ST_SLIM, (unsigned)backend_fullconn(c, be));
	row_setu(&r, ST_STOT, atomic_load(&be->cnt.cum_sess));
	row_setu(&r, ST_LBTOT, atomic_load(&be->cnt.cum_sess));
	row_setu(&r, ST_BIN, atomic_load(&be->cnt.bytes_in));
	row_setu(&r, ST_BOUT, atomic_load(&be->cnt.bytes_out));
	row_setu(&r, ST_ECON, atomic_load(&be->cnt.failed_conns));
	row_setu(&r, ST_ERESP, atomic_load(&be->cnt.failed_resp));
	row_setu(&r, ST_WRETR, atomic_load(&be->cnt.retries));
	row_setu(&r, ST_WREDIS, atomic_load(&be->cnt.redispatches));
	row_setf(&r, ST_STATUS, "%s", up ? "UP" : "DOWN");
	/* As HAProxy: the weight of the active servers, or of the backups
	 * when no active server is usable. */
	row_setf(&r, ST_WEIGHT, "%d", act ? wact : wbck);
	row_setf(&r, ST_ACT, "%d", act);
	row_setf(&r, ST_BCK, "%d", bck);
	row_setu(&r, ST_CHKDOWN, atomic_load(&be->down_trans));
	row_setu(&r, ST_LASTCHG, lastchg);
	row_setu(&r, ST_DOWNTIME, up ? 0 : lastchg);
	row_setf(&r, ST_PID, "1");
	row_setf(&r, ST_IID, "%d", be->uuid);
	row_setf(&r, ST_SID, "0");
	row_setf(&r, ST_TYPE, "1");
	row_setf(&r, ST_LASTSESS, "-1");
	row_setf(&r, ST_MODE, "%s", mode_name(be->mode));
	row_setf(&r, ST_ALGO, "%s", lb_algo_name(be->lb));
	row_setf(&r, ST_UWEIGHT, "%d", act ? uwact : uwbck);
	r.v[ST_DASH] = "-";
	row_emit(&r, out);
}

void stats_show_stat_filtered(const struct pxconf *c, const struct stats_filter *f,
			      struct strbuf *out)
{
	sb_puts(out, stat_header);
	for (int i = 0; i < c->nproxies; i++) {
		const struct proxy *px = c->proxies[i];

		if (f->iid >= 0 && px->uuid != f->iid)
			continue;
		if ((px->cap & PX_CAP_FE) && (f->types & STATS_TYPE_FE) && f->sid < 0)
			frontend_row(c, px, out);
		if (!(px->cap & PX_CAP_BE))
			continue;
		if (!(f->types & (STATS_TYPE_SV | STATS_TYPE_BE)))
			continue;
		px_lock(px);
		if (f->types & STATS_TYPE_SV) {
			for (int j = 0; j < px->nservers; j++) {
				if (f->sid >= 0 && px->servers[j]->puid != f->sid)
					continue;
				server_row(c, px->servers[j], f->hide_addr, out);
			}
		}
		if ((f->types & STATS_TYPE_BE) && f->sid < 0)
			backend_row(c, px, out);
		px_unlock(px);
	}
}

void stats_show_stat(const struct pxconf *c, struct strbuf *out)
{
	struct stats_filter f = { .iid = -1, .types = STATS_TYPE_ALL, .sid = -1 };

	stats_show_stat_filtered(c, &f, out);
}

/* ---- show servers state ---- */

static const char servers_state_header[] =
	"1\n"
	"# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state "
	"srv_uweight srv_iweight srv_time_since_last_change srv_check_status "
	"srv_check_result srv_check_health srv_check_state srv_agent_state "
	"bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl "
	"srv_check_port srv_check_addr srv_agent_addr srv_agent_port\n";

/* Lock held. */
static void server_state_line(const struct pxconf *c, const struct server *srv,
			      struct strbuf *out)
{
	char host[ADDR_STRLEN], chk[ADDR_STRLEN];
	const struct proxy *px = srv->px;
	bool unix_addr = addr_is_unix(&srv->addr);

	if (srv->addr.len == 0)
		snprintf(host, sizeof(host), "-");
	else if (unix_addr)
		addr_to_str((const struct sockaddr *)&srv->addr.ss, host, sizeof(host));
	else
		addr_host_str((const struct sockaddr *)&srv->addr.ss, host, sizeof(host));
	if (srv->check_addr.len > 0)
		addr_host_str((const struct sockaddr *)&srv->check_addr.ss, chk, sizeof(chk));
	else
		snprintf(chk, sizeof(chk), "-");

	sb_appendf(out, "%d %s %d %s %s %d %u %d %d %llu %d %d %d %d 0 0 0 - %d - 0 %d %s - 0\n",
		   px->uuid, px->id, srv->puid, srv->id, host,
		   (int)srv->op_state, srv->admin, srv->uweight, srv->iweight,
		   (unsigned long long)secs_since(c, srv->last_change_ms),
		   stats_hchk_code(srv->check_status),
		   check_result_code(srv->check_status), srv->health,
		   srv->check_enabled ? 6 : 0,
		   unix_addr ? 0 : addr_port(&srv->addr), srv->check_port, chk);
}

void stats_show_servers_state(const struct pxconf *c, const char *backend,
			      struct strbuf *out)
{
	sb_puts(out, servers_state_header);
	for (int i = 0; i < c->nproxies; i++) {
		const struct proxy *px = c->proxies[i];

		if (!(px->cap & PX_CAP_BE))
			continue;
		if (backend && strcmp(px->id, backend) != 0)
			continue;
		px_lock(px);
		for (int j = 0; j < px->nservers; j++)
			server_state_line(c, px->servers[j], out);
		px_unlock(px);
	}
}

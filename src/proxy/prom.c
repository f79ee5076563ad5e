/* prom: the Prometheus exporter (see prom.h).
 *
 * HAProxy 2.6 writes metric by metric: the HELP and TYPE lines of a
 * metric, then its value for every object (every frontend, every backend,
 * every server of every backend) before the next metric. The tables below
 * list the metrics Vigil has, in HAProxy's order, with HAProxy's HELP
 * texts (copied from 2.6.12's output). A value can be missing for an
 * object (no line, as HAProxy skips it) or NaN (HAProxy prints "NaN" for
 * limits that are not set and check counters of unchecked servers).
 * HTTP-only metrics are skipped for TCP proxies, as HAProxy does.
 */
#include "proxy/prom.h"
#include "proxy/freq.h"
#include "proxy/stats.h"
#include "lib/ev.h"

#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

enum pv_kind { PV_SKIP, PV_INT, PV_FLOAT, PV_NAN };

struct pv {
	enum pv_kind kind;
	unsigned long long u;
	double d;
};

#define PV_U(v)  ((struct pv){ .kind = PV_INT, .u = (unsigned long long)(v) })
#define PV_F(v)  ((struct pv){ .kind = PV_FLOAT, .d = (v) })
#define PV_NONE  ((struct pv){ .kind = PV_SKIP })
#define PV_NAN_  ((struct pv){ .kind = PV_NAN })

struct prom_metric {
	const char *name;      /* after "haproxy_<scope>_" */
	const char *type;
	const char *help;
};

/* ---- the metrics, in HAProxy 2.6's order ---- */

enum {
	PM_PR_NBTHREAD, PM_PR_NBPROC, PM_PR_RELPID, PM_PR_UPTIME, PM_PR_MAX_FDS,
	PM_PR_MAXCONN, PM_PR_HARD_MAXCONN, PM_PR_CURCONN, PM_PR_CONN_TOT,
	PM_PR_REQ_TOT, PM_PR_CONN_RATE, PM_PR_LIM_CONN_RATE, PM_PR_MAX_CONN_RATE,
	PM_PR_SESS_RATE, PM_PR_LIM_SESS_RATE, PM_PR_MAX_SESS_RATE,
	PM_PR_STOPPING, PM_PR_JOBS, PM_PR_LISTENERS,
	PM_PR_BUILD_INFO, PM_PR_START_TIME, PM_PR_N
};

static const struct prom_metric process_metrics[PM_PR_N] = {
	{ "nbthread", "gauge", "Number of started threads (global.nbthread)" },
	{ "nbproc", "gauge", "Number of started worker processes (historical, always 1)" },
	{ "relative_process_id", "gauge", "Relative worker process number (1)" },
	{ "uptime_seconds", "gauge", "How long ago this worker process was started (seconds)" },
	{ "max_fds", "gauge", "Hard limit on the number of per-process file descriptors" },
	{ "max_connections", "gauge", "Hard limit on the number of per-process connections (configured or imposed by Ulimit-n)" },
	{ "hard_max_connections", "gauge", "Hard limit on the number of per-process connections (imposed by Memmax_MB or Ulimit-n)" },
	{ "current_connections", "gauge", "Current number of connections on this worker process" },
	{ "connections_total", "counter", "Total number of connections on this worker process since started" },
	{ "requests_total", "counter", "Total number of requests on this worker process since started" },
	{ "current_connection_rate", "gauge", "Number of front connections created on this worker process over the last second" },
	{ "limit_connection_rate", "gauge", "Hard limit for ConnRate (global.maxconnrate)" },
	{ "max_connection_rate", "gauge", "Highest ConnRate reached on this worker process since started (in connections per second)" },
	{ "current_session_rate", "gauge", "Number of sessions created on this worker process over the last second" },
	{ "limit_session_rate", "gauge", "Hard limit for SessRate (global.maxsessrate)" },
	{ "max_session_rate", "gauge", "Highest SessRate reached on this worker process since started (in sessions per second)" },
	{ "stopping", "gauge", "1 if the worker process is currently stopping, otherwise zero" },
	{ "jobs", "gauge", "Current number of active jobs on the current worker process (frontend connections, master connections, listeners)" },
	{ "listeners", "gauge", "Current number of active listeners on the current worker process" },
	{ "build_info", "gauge", "Build info" },
	{ "start_time_seconds", "gauge", "Start time in seconds" },
};

enum {
	PM_FE_CUR_SESS, PM_FE_MAX_SESS, PM_FE_LIM_SESS, PM_FE_SESS_TOT,
	PM_FE_BIN, PM_FE_BOUT, PM_FE_DREQ, PM_FE_DRESP, PM_FE_EREQ, PM_FE_STATUS,
	PM_FE_LIM_SESS_RATE, PM_FE_MAX_SESS_RATE, PM_FE_HRSP, PM_FE_REQ_RATE_MAX,
	PM_FE_REQ_TOT, PM_FE_COMP_IN, PM_FE_COMP_OUT, PM_FE_COMP_BYP, PM_FE_COMP_RSP,
	PM_FE_CONN_RATE_MAX, PM_FE_CONN_TOT, PM_FE_INTERCEPTED, PM_FE_DCON,
	PM_FE_CACHE_LOOKUPS, PM_FE_CACHE_HITS, PM_FE_N
};

static const struct prom_metric frontend_metrics[PM_FE_N] = {
	{ "current_sessions", "gauge", "Number of current sessions on the frontend, backend or server" },
	{ "max_sessions", "gauge", "Highest value of current sessions encountered since process started" },
	{ "limit_sessions", "gauge", "Frontend/listener/server's maxconn, backend's fullconn" },
	{ "sessions_total", "counter", "Total number of sessions since process started" },
	{ "bytes_in_total", "counter", "Total number of request bytes since process started" },
	{ "bytes_out_total", "counter", "Total number of response bytes since process started" },
	{ "requests_denied_total", "counter", "Total number of denied requests since process started" },
	{ "responses_denied_total", "counter", "Total number of denied responses since process started" },
	{ "request_errors_total", "counter", "Total number of invalid requests since process started" },
	{ "status", "gauge", "Current status of the service, per state label value." },
	{ "limit_session_rate", "gauge", "Limit on the number of sessions accepted in a second (frontend only, 'rate-limit sessions' setting)" },
	{ "max_session_rate", "gauge", "Highest value of sessions per second observed since the worker process started" },
	{ "http_responses_total", "counter", "Total number of HTTP responses with status 100-199 returned by this object since the worker process started" },
	{ "http_requests_rate_max", "gauge", "Highest value of http requests observed since the worker process started" },
	{ "http_requests_total", "counter", "Total number of HTTP requests processed by this object since the worker process started" },
	{ "http_comp_bytes_in_total", "counter", "Total number of bytes submitted to the HTTP compressor for this object since the worker process started" },
	{ "http_comp_bytes_out_total", "counter", "Total number of bytes emitted by the HTTP compressor for this object since the worker process started" },
	{ "http_comp_bytes_bypassed_total", "counter", "Total number of bytes that bypassed HTTP compression for this object since the worker process started (CPU/memory/bandwidth limitation)" },
	{ "http_comp_responses_total", "counter", "Total number of HTTP responses that were compressed for this object since the worker process started" },
	{ "connections_rate_max", "gauge", "Highest value of connections per second observed since the worker process started" },
	{ "connections_total", "counter", "Total number of new connections accepted on this frontend since the worker process started" },
	{ "intercepted_requests_total", "counter", "Total number of HTTP requests intercepted on the frontend (redirects/stats/services) since the worker process started" },
	{ "denied_connections_total", "counter", "Total number of incoming connections blocked on a listener/frontend by a tcp-request connection rule since the worker process started" },
	{ "http_cache_lookups_total", "counter", "Total number of HTTP requests looked up in the cache on this frontend/backend since the worker process started" },
	{ "http_cache_hits_total", "counter", "Total number of HTTP requests not found in the cache on this frontend/backend since the worker process started" },
};

enum {
	PM_BE_CUR_QUEUE, PM_BE_MAX_QUEUE, PM_BE_CUR_SESS, PM_BE_MAX_SESS,
	PM_BE_LIM_SESS, PM_BE_SESS_TOT, PM_BE_BIN, PM_BE_BOUT, PM_BE_DREQ,
	PM_BE_DRESP, PM_BE_ECON, PM_BE_ERESP, PM_BE_WRETR, PM_BE_WREDIS,
	PM_BE_STATUS, PM_BE_WEIGHT, PM_BE_ACT, PM_BE_BCK, PM_BE_CHKDOWN,
	PM_BE_LASTCHG, PM_BE_DOWNTIME, PM_BE_LBTOT, PM_BE_MAX_SESS_RATE, PM_BE_HRSP,
	PM_BE_REQ_TOT, PM_BE_COMP_IN, PM_BE_COMP_OUT, PM_BE_COMP_BYP, PM_BE_COMP_RSP,
	PM_BE_CACHE_LOOKUPS, PM_BE_CACHE_HITS, PM_BE_UWEIGHT, PM_BE_N
};

static const struct prom_metric backend_metrics[PM_BE_N] = {
	{ "current_queue", "gauge", "Number of current queued connections" },
	{ "max_queue", "gauge", "Highest value of queued connections encountered since process started" },
	{ "current_sessions", "gauge", "Number of current sessions on the frontend, backend or server" },
	{ "max_sessions", "gauge", "Highest value of current sessions encountered since process started" },
	{ "limit_sessions", "gauge", "Frontend/listener/server's maxconn, backend's fullconn" },
	{ "sessions_total", "counter", "Total number of sessions since process started" },
	{ "bytes_in_total", "counter", "Total number of request bytes since process started" },
	{ "bytes_out_total", "counter", "Total number of response bytes since process started" },
	{ "requests_denied_total", "counter", "Total number of denied requests since process started" },
	{ "responses_denied_total", "counter", "Total number of denied responses since process started" },
	{ "connection_errors_total", "counter", "Total number of failed connections to server since the worker process started" },
	{ "response_errors_total", "counter", "Total number of invalid responses since the worker process started" },
	{ "retry_warnings_total", "counter", "Total number of server connection retries since the worker process started" },
	{ "redispatch_warnings_total", "counter", "Total number of server redispatches due to connection failures since the worker process started" },
	{ "status", "gauge", "Current status of the service, per state label value." },
	{ "weight", "gauge", "Server's effective weight, or sum of active servers' effective weights for a backend" },
	{ "active_servers", "gauge", "Total number of active UP servers with a non-zero weight" },
	{ "backup_servers", "gauge", "Total number of backup UP servers with a non-zero weight" },
	{ "check_up_down_total", "counter", "Total number of failed checks causing UP to DOWN server transitions, per server/backend, since the worker process started" },
	{ "check_last_change_seconds", "gauge", "How long ago the last server state changed, in seconds" },
	{ "downtime_seconds_total", "counter", "Total time spent in DOWN state, for server or backend" },
	{ "loadbalanced_total", "counter", "Total number of requests routed by load balancing since the worker process started (ignores queue pop and stickiness)" },
	{ "max_session_rate", "gauge", "Highest value of sessions per second observed since the worker process started" },
	{ "http_responses_total", "counter", "Total number of HTTP responses with status 100-199 returned by this object since the worker process started" },
	{ "http_requests_total", "counter", "Total number of HTTP requests processed by this object since the worker process started" },
	{ "http_comp_bytes_in_total", "counter", "Total number of bytes submitted to the HTTP compressor for this object since the worker process started" },
	{ "http_comp_bytes_out_total", "counter", "Total number of bytes emitted by the HTTP compressor for this object since the worker process started" },
	{ "http_comp_bytes_bypassed_total", "counter", "Total number of bytes that bypassed HTTP compression for this object since the worker process started (CPU/memory/bandwidth limitation)" },
	{ "http_comp_responses_total", "counter", "Total number of HTTP responses that were compressed for this object since the worker process started" },
	{ "http_cache_lookups_total", "counter", "Total number of HTTP requests looked up in the cache on this frontend/backend since the worker process started" },
	{ "http_cache_hits_total", "counter", "Total number of HTTP requests not found in the cache on this frontend/backend since the worker process started" },
	{ "uweight", "gauge", "Server's user weight, or sum of active servers' user weights for a backend" },
};

enum {
	PM_SV_CUR_QUEUE, PM_SV_MAX_QUEUE, PM_SV_CUR_SESS, PM_SV_MAX_SESS,
	PM_SV_LIM_SESS, PM_SV_SESS_TOT, PM_SV_BIN, PM_SV_BOUT, PM_SV_DRESP,
	PM_SV_ECON, PM_SV_ERESP, PM_SV_WRETR, PM_SV_WREDIS, PM_SV_STATUS,
	PM_SV_WEIGHT, PM_SV_CHKFAIL, PM_SV_CHKDOWN, PM_SV_LASTCHG,
	PM_SV_DOWNTIME, PM_SV_LBTOT, PM_SV_MAX_SESS_RATE, PM_SV_CHECK_STATUS, PM_SV_CHECK_CODE,
	PM_SV_CHECK_DURATION, PM_SV_HRSP, PM_SV_UWEIGHT, PM_SV_N
};

static const struct prom_metric server_metrics[PM_SV_N] = {
	{ "current_queue", "gauge", "Number of current queued connections" },
	{ "max_queue", "gauge", "Highest value of queued connections encountered since process started" },
	{ "current_sessions", "gauge", "Number of current sessions on the frontend, backend or server" },
	{ "max_sessions", "gauge", "Highest value of current sessions encountered since process started" },
	{ "limit_sessions", "gauge", "Frontend/listener/server's maxconn, backend's fullconn" },
	{ "sessions_total", "counter", "Total number of sessions since process started" },
	{ "bytes_in_total", "counter", "Total number of request bytes since process started" },
	{ "bytes_out_total", "counter", "Total number of response bytes since process started" },
	{ "responses_denied_total", "counter", "Total number of denied responses since process started" },
	{ "connection_errors_total", "counter", "Total number of failed connections to server since the worker process started" },
	{ "response_errors_total", "counter", "Total number of invalid responses since the worker process started" },
	{ "retry_warnings_total", "counter", "Total number of server connection retries since the worker process started" },
	{ "redispatch_warnings_total", "counter", "Total number of server redispatches due to connection failures since the worker process started" },
	{ "status", "gauge", "Current status of the service, per state label value." },
	{ "weight", "gauge", "Server's effective weight, or sum of active servers' effective weights for a backend" },
	{ "check_failures_total", "counter", "Total number of failed individual health checks per server/backend, since the worker process started" },
	{ "check_up_down_total", "counter", "Total number of failed checks causing UP to DOWN server transitions, per server/backend, since the worker process started" },
	{ "check_last_change_seconds", "gauge", "How long ago the last server state changed, in seconds" },
	{ "downtime_seconds_total", "counter", "Total time spent in DOWN state, for server or backend" },
	{ "loadbalanced_total", "counter", "Total number of requests routed by load balancing since the worker process started (ignores queue pop and stickiness)" },
	{ "max_session_rate", "gauge", "Highest value of sessions per second observed since the worker process started" },
	{ "check_status", "gauge", "Status of last health check, per state label value." },
	{ "check_code", "gauge", "layer5-7 code, if available of the last health check." },
	{ "check_duration_seconds", "gauge", "Total duration of the latest server health check, in seconds." },
	{ "http_responses_total", "counter", "Total number of HTTP responses with status 100-199 returned by this object since the worker process started" },
	{ "uweight", "gauge", "Server's user weight, or sum of active servers' user weights for a backend" },
};

/* State label values, in HAProxy's order. */
static const char *const srv_states[] = { "DOWN", "UP", "MAINT", "DRAIN", "NOLB" };
enum { PS_DOWN, PS_UP, PS_MAINT, PS_DRAIN, PS_NOLB };
static const char *const chk_states[] = {
	"HANA", "SOCKERR", "L4OK", "L4TOUT", "L4CON", "L6OK", "L6TOUT", "L6RSP",
	"L7TOUT", "L7RSP", "L7OK", "L7OKC", "L7STS", "PROCERR", "PROCTOUT", "PROCOK",
};
static const char *const hrsp_codes[6] = { "1xx", "2xx", "3xx", "4xx", "5xx", "other" };

/* ---- helpers ---- */

static void px_lock(const struct proxy *px)
{
	pthread_mutex_lock((pthread_mutex_t *)&px->lock);
}

static void px_unlock(const struct proxy *px)
{
	pthread_mutex_unlock((pthread_mutex_t *)&px->lock);
}

static uint64_t secs_since(const struct pxconf *c, uint64_t then_ms)
{
	uint64_t now = ev_monotonic_ms();

	if (then_ms == 0)
		then_ms = c->rt.start_mono_ms;
	if (then_ms == 0 || then_ms > now)
		return 0;
	return (now - then_ms) / 1000;
}

/* A label value with '\', '"' and newlines escaped. */
static void put_label(struct strbuf *out, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			sb_appendf(out, "\\%c", *v);
		else if (*v == '\n')
			sb_puts(out, "\\n");
		else
			sb_append(out, v, 1);
	}
}

static void put_head(struct strbuf *out, const char *scope, const struct prom_metric *m)
{
	sb_appendf(out, "# HELP haproxy_%s_%s %s\n", scope, m->name, m->help);
	sb_appendf(out, "# TYPE haproxy_%s_%s %s\n", scope, m->name, m->type);
}

/* One sample line: name{proxy="..",server="..",extra} value. */
static void put_sample(struct strbuf *out, const char *scope, const struct prom_metric *m,
		       const char *px, const char *srv, const char *xname,
		       const char *xval, struct pv v)
{
	if (v.kind == PV_SKIP)
		return;
	sb_appendf(out, "haproxy_%s_%s", scope, m->name);
	if (px || xname) {
		const char *sep = "";

		sb_puts(out, "{");
		if (px) {
			sb_puts(out, "proxy=\"");
			put_label(out, px);
			sb_puts(out, "\"");
			sep = ",";
		}
		if (srv) {
			sb_puts(out, ",server=\"");
			put_label(out, srv);
			sb_puts(out, "\"");
		}
		if (xname) {
			sb_appendf(out, "%s%s=\"", sep, xname);
			put_label(out, xval);
			sb_puts(out, "\"");
		}
		sb_puts(out, "}");
	}
	if (v.kind == PV_INT)
		sb_appendf(out, " %llu\n", v.u);
	else if (v.kind == PV_FLOAT)
		sb_appendf(out, " %f\n", v.d);
	else
		sb_puts(out, " NaN\n");
}

static int count_listeners(const struct pxconf *c)
{
	int n = c->global.nstats_sockets;

	for (int i = 0; i < c->nproxies; i++)
		n += c->proxies[i]->nlisteners;
	return n;
}

static int frontend_maxconn(const struct pxconf *c, const struct proxy *fe)
{
	return fe->maxconn > 0 ? fe->maxconn : c->global.maxconn;
}

/* HAProxy's promex server state. Lock held. */
static int server_prom_state(const struct server *srv)
{
	if (srv->admin & SRV_ADMF_MAINT)
		return PS_MAINT;
	switch (srv->op_state) {
	case SRV_ST_RUNNING:
		if ((srv->admin & SRV_ADMF_FDRAIN) || server_eweight(srv) == 0)
			return PS_DRAIN;
		return PS_UP;
	case SRV_ST_STARTING:
		return PS_UP;
	case SRV_ST_STOPPING:
		return PS_NOLB;
	case SRV_ST_STOPPED:
		return PS_DOWN;
	}
	return PS_DOWN;
}

/* ---- process ---- */

static struct pv process_value(const struct pxconf *c, int id)
{
	struct rlimit rl = { 0, 0 };
	uint64_t now = ev_monotonic_ms(), reqs = 0;

	switch (id) {
	case PM_PR_NBTHREAD: return PV_U(c->rt.nbthread > 0 ? c->rt.nbthread : 1);
	case PM_PR_NBPROC: case PM_PR_RELPID: return PV_U(1);
	case PM_PR_UPTIME:
		return PV_U(c->rt.start_mono_ms && now > c->rt.start_mono_ms ?
			    (now - c->rt.start_mono_ms) / 1000 : 0);
	case PM_PR_MAX_FDS:
		getrlimit(RLIMIT_NOFILE, &rl);
		return PV_U(rl.rlim_cur);
	case PM_PR_MAXCONN: case PM_PR_HARD_MAXCONN: return PV_U(c->global.maxconn);
	case PM_PR_CURCONN: return PV_U(atomic_load(&c->rt.cur_conn));
	case PM_PR_CONN_TOT: return PV_U(atomic_load(&c->rt.cum_conn));
	case PM_PR_REQ_TOT:
		for (int i = 0; i < c->nproxies; i++)
			if (c->proxies[i]->cap & PX_CAP_FE)
				reqs += atomic_load(&c->proxies[i]->cnt.http_reqs);
		return PV_U(reqs);
	/* no maxconnrate / maxsessrate: HAProxy prints 0 for "no limit" */
	case PM_PR_CONN_RATE: return PV_U(freq_ctr_read(&c->rt.conn_rate, now));
	case PM_PR_LIM_CONN_RATE: case PM_PR_LIM_SESS_RATE: return PV_U(0);
	case PM_PR_MAX_CONN_RATE: return PV_U(atomic_load(&c->rt.cps_max));
	case PM_PR_SESS_RATE: return PV_U(freq_ctr_read(&c->rt.sess_rate, now));
	case PM_PR_MAX_SESS_RATE: return PV_U(atomic_load(&c->rt.sps_max));
	case PM_PR_STOPPING: return PV_U(atomic_load(&c->rt.stopping) ? 1 : 0);
	case PM_PR_JOBS: return PV_U(atomic_load(&c->rt.cur_conn) + count_listeners(c));
	case PM_PR_LISTENERS: return PV_U(count_listeners(c));
	case PM_PR_BUILD_INFO: return PV_U(1);
	case PM_PR_START_TIME: return PV_U(c->rt.start_wall_s);
	}
	return PV_NONE;
}

static void export_process(const struct pxconf *c, struct strbuf *out)
{
	for (int id = 0; id < PM_PR_N; id++) {
		const struct prom_metric *m = &process_metrics[id];

		put_head(out, "process", m);
		if (id == PM_PR_BUILD_INFO)
			put_sample(out, "process", m, NULL, NULL, "version", VIGIL_VERSION,
				   process_value(c, id));
		else
			put_sample(out, "process", m, NULL, NULL, NULL, NULL, process_value(c, id));
	}
}

/* ---- frontends ---- */

static struct pv frontend_value(const struct pxconf *c, const struct proxy *fe, int id)
{
	bool http = fe->mode == PX_MODE_HTTP;

	switch (id) {
	case PM_FE_CUR_SESS: return PV_U(atomic_load(&fe->cur_conn));
	case PM_FE_MAX_SESS: return PV_U(atomic_load(&fe->cnt.max_sess));
	case PM_FE_LIM_SESS: return PV_U(frontend_maxconn(c, fe));
	case PM_FE_SESS_TOT: return PV_U(atomic_load(&fe->cnt.cum_sess));
	case PM_FE_BIN: return PV_U(atomic_load(&fe->cnt.bytes_in));
	case PM_FE_BOUT: return PV_U(atomic_load(&fe->cnt.bytes_out));
	case PM_FE_DREQ: return PV_U(atomic_load(&fe->cnt.denied_req));
	case PM_FE_DRESP: return PV_U(atomic_load(&fe->cnt.denied_resp));
	case PM_FE_EREQ: return PV_U(atomic_load(&fe->cnt.failed_req));
	case PM_FE_REQ_TOT: return http ? PV_U(atomic_load(&fe->cnt.http_reqs)) : PV_NONE;
	case PM_FE_CONN_TOT: return PV_U(atomic_load(&fe->cnt.cum_conn));
	case PM_FE_INTERCEPTED:
		return http ? PV_U(atomic_load(&fe->cnt.intercepted)) : PV_NONE;
	case PM_FE_DCON: return PV_U(atomic_load(&fe->cnt.denied_conn));
	case PM_FE_LIM_SESS_RATE: return PV_U(0);   /* no `rate-limit sessions` */
	case PM_FE_MAX_SESS_RATE: return PV_U(atomic_load(&fe->cnt.sps_max));
	case PM_FE_REQ_RATE_MAX: return http ? PV_U(atomic_load(&fe->cnt.rps_max)) : PV_NONE;
	case PM_FE_CONN_RATE_MAX: return PV_U(atomic_load(&fe->cnt.cps_max));
	case PM_FE_COMP_IN: return http ? PV_U(atomic_load(&fe->cnt.comp_in)) : PV_NONE;
	case PM_FE_COMP_OUT: return http ? PV_U(atomic_load(&fe->cnt.comp_out)) : PV_NONE;
	case PM_FE_COMP_BYP: return http ? PV_U(0) : PV_NONE;   /* no limits that bypass */
	case PM_FE_COMP_RSP: return http ? PV_U(atomic_load(&fe->cnt.comp_rsp)) : PV_NONE;
	case PM_FE_CACHE_LOOKUPS: return http ? PV_U(atomic_load(&fe->cnt.cache_lookups)) : PV_NONE;
	case PM_FE_CACHE_HITS: return http ? PV_U(atomic_load(&fe->cnt.cache_hits)) : PV_NONE;
	}
	return PV_NONE;
}

static void export_frontends(const struct pxconf *c, struct strbuf *out)
{
	static const char scope[] = "frontend";

	for (int id = 0; id < PM_FE_N; id++) {
		const struct prom_metric *m = &frontend_metrics[id];

		put_head(out, scope, m);
		for (int i = 0; i < c->nproxies; i++) {
			const struct proxy *fe = c->proxies[i];

			if (!(fe->cap & PX_CAP_FE))
				continue;
			if (id == PM_FE_STATUS) {
				put_sample(out, scope, m, fe->id, NULL, "state", "DOWN",
					   PV_U(fe->disabled ? 1 : 0));
				put_sample(out, scope, m, fe->id, NULL, "state", "UP",
					   PV_U(fe->disabled ? 0 : 1));
			} else if (id == PM_FE_HRSP) {
				if (fe->mode != PX_MODE_HTTP)
					continue;
				for (int k = 0; k < 6; k++)
					put_sample(out, scope, m, fe->id, NULL, "code", hrsp_codes[k],
						   PV_U(atomic_load(&fe->cnt.http_rsp[k])));
			} else {
				put_sample(out, scope, m, fe->id, NULL, NULL, NULL,
					   frontend_value(c, fe, id));
			}
		}
	}
}

/* ---- backends ---- */

/* Lock held. */
static struct pv backend_value(const struct pxconf *c, const struct proxy *be, int id)
{
	bool http = be->mode == PX_MODE_HTTP;
	int act = 0, bck = 0, wact = 0, wbck = 0, uwact = 0, uwbck = 0;

	if (id == PM_BE_WEIGHT || id == PM_BE_UWEIGHT || id == PM_BE_ACT || id == PM_BE_BCK) {
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
	}

	switch (id) {
	case PM_BE_CUR_QUEUE: return PV_U(be->queue_len);
	case PM_BE_MAX_QUEUE: return PV_U(0);
	case PM_BE_CUR_SESS: return PV_U(atomic_load(&be->cur_sess));
	case PM_BE_MAX_SESS: return PV_U(atomic_load(&be->cnt.max_sess));
	case PM_BE_LIM_SESS: return PV_U(stats_backend_fullconn(c, be));
	case PM_BE_SESS_TOT: case PM_BE_LBTOT: return PV_U(atomic_load(&be->cnt.cum_sess));
	case PM_BE_BIN: return PV_U(atomic_load(&be->cnt.bytes_in));
	case PM_BE_BOUT: return PV_U(atomic_load(&be->cnt.bytes_out));
	case PM_BE_DREQ: return PV_U(0);
	case PM_BE_DRESP: return PV_U(atomic_load(&be->cnt.denied_resp));
	case PM_BE_ECON: return PV_U(atomic_load(&be->cnt.failed_conns));
	case PM_BE_ERESP: return PV_U(atomic_load(&be->cnt.failed_resp));
	case PM_BE_WRETR: return PV_U(atomic_load(&be->cnt.retries));
	case PM_BE_WREDIS: return PV_U(atomic_load(&be->cnt.redispatches));
	case PM_BE_WEIGHT: return PV_U(act ? wact : wbck);
	case PM_BE_UWEIGHT: return PV_U(act ? uwact : uwbck);
	case PM_BE_ACT: return PV_U(act);
	case PM_BE_BCK: return PV_U(bck);
	case PM_BE_CHKDOWN: return PV_U(atomic_load(&be->down_trans));
	case PM_BE_LASTCHG: return PV_U(secs_since(c, be->last_change_ms));
	case PM_BE_DOWNTIME:
		if (be->nservers == 0)
			return PV_NAN_;
		return PV_U(backend_is_up(be) ? 0 : secs_since(c, be->last_change_ms));
	case PM_BE_REQ_TOT: return http ? PV_U(atomic_load(&be->cnt.http_reqs)) : PV_NONE;
	case PM_BE_MAX_SESS_RATE: return PV_U(atomic_load(&be->cnt.be_sps_max));
	case PM_BE_COMP_IN: return http ? PV_U(atomic_load(&be->cnt.comp_in)) : PV_NONE;
	case PM_BE_COMP_OUT: return http ? PV_U(atomic_load(&be->cnt.comp_out)) : PV_NONE;
	case PM_BE_COMP_BYP: return http ? PV_U(0) : PV_NONE;
	case PM_BE_COMP_RSP: return http ? PV_U(atomic_load(&be->cnt.comp_rsp)) : PV_NONE;
	case PM_BE_CACHE_LOOKUPS: return http ? PV_U(atomic_load(&be->cnt.cache_lookups)) : PV_NONE;
	case PM_BE_CACHE_HITS: return http ? PV_U(atomic_load(&be->cnt.cache_hits)) : PV_NONE;
	}
	return PV_NONE;
}

static void export_backends(const struct pxconf *c, struct strbuf *out)
{
	static const char scope[] = "backend";

	for (int id = 0; id < PM_BE_N; id++) {
		const struct prom_metric *m = &backend_metrics[id];

		put_head(out, scope, m);
		for (int i = 0; i < c->nproxies; i++) {
			const struct proxy *be = c->proxies[i];

			if (!(be->cap & PX_CAP_BE))
				continue;
			if (id == PM_BE_HRSP) {
				if (be->mode != PX_MODE_HTTP)
					continue;
				for (int k = 0; k < 6; k++)
					put_sample(out, scope, m, be->id, NULL, "code", hrsp_codes[k],
						   PV_U(atomic_load(&be->cnt.http_rsp[k])));
				continue;
			}
			px_lock(be);
			if (id == PM_BE_STATUS) {
				bool up = backend_is_up(be);

				put_sample(out, scope, m, be->id, NULL, "state", "DOWN", PV_U(!up));
				put_sample(out, scope, m, be->id, NULL, "state", "UP", PV_U(up));
			} else {
				put_sample(out, scope, m, be->id, NULL, NULL, NULL,
					   backend_value(c, be, id));
			}
			px_unlock(be);
		}
	}
}

/* ---- servers ---- */

/* Lock held. */
static struct pv server_value(const struct pxconf *c, const struct server *srv, int id)
{
	bool chk = srv->check_enabled;
	bool done = srv->check_status != HCHK_UNKNOWN && srv->check_status != HCHK_INI;

	switch (id) {
	case PM_SV_CUR_QUEUE: return PV_U(atomic_load(&srv->queued));
	case PM_SV_MAX_QUEUE: return PV_U(0);
	case PM_SV_CUR_SESS: return PV_U(atomic_load(&srv->cur_sess));
	case PM_SV_MAX_SESS: return PV_U(atomic_load(&srv->cnt.max_sess));
	case PM_SV_LIM_SESS: return srv->maxconn > 0 ? PV_U(srv->maxconn) : PV_NAN_;
	case PM_SV_SESS_TOT: case PM_SV_LBTOT: return PV_U(atomic_load(&srv->cnt.cum_sess));
	case PM_SV_MAX_SESS_RATE: return PV_U(atomic_load(&srv->cnt.sps_max));
	case PM_SV_BIN: return PV_U(atomic_load(&srv->cnt.bytes_in));
	case PM_SV_BOUT: return PV_U(atomic_load(&srv->cnt.bytes_out));
	case PM_SV_DRESP: return PV_U(0);
	case PM_SV_ECON: return PV_U(atomic_load(&srv->cnt.failed_conns));
	case PM_SV_ERESP: return PV_U(atomic_load(&srv->cnt.failed_resp));
	case PM_SV_WRETR: return PV_U(atomic_load(&srv->cnt.retries));
	case PM_SV_WREDIS: return PV_U(atomic_load(&srv->cnt.redispatches));
	case PM_SV_WEIGHT: return PV_U(server_eweight(srv));
	case PM_SV_UWEIGHT: return PV_U(srv->uweight);
	case PM_SV_CHKFAIL: return chk ? PV_U(atomic_load(&srv->cnt.failed_checks)) : PV_NAN_;
	case PM_SV_CHKDOWN: return chk ? PV_U(atomic_load(&srv->cnt.down_trans)) : PV_NAN_;
	case PM_SV_LASTCHG: return PV_U(secs_since(c, srv->last_change_ms));
	case PM_SV_DOWNTIME:
		/* Total downtime is not tracked: the current down period. */
		if (!chk)
			return PV_NAN_;
		return PV_U(server_prom_state(srv) == PS_DOWN || server_prom_state(srv) == PS_MAINT ?
			    secs_since(c, srv->last_change_ms) : 0);
	case PM_SV_CHECK_CODE:
		if (!chk || (srv->admin & SRV_ADMF_MAINT))
			return PV_NONE;
		return PV_U(srv->check_status == HCHK_L7OK || srv->check_status == HCHK_L7OKC ||
			    srv->check_status == HCHK_L7STS ? srv->check_code : 0);
	case PM_SV_CHECK_DURATION:
		if (!chk || !done || (srv->admin & SRV_ADMF_MAINT))
			return PV_NONE;
		return PV_F(srv->check_duration_ms / 1000.0);
	}
	return PV_NONE;
}

static void export_servers(const struct pxconf *c, struct strbuf *out)
{
	static const char scope[] = "server";

	for (int id = 0; id < PM_SV_N; id++) {
		const struct prom_metric *m = &server_metrics[id];

		put_head(out, scope, m);
		for (int i = 0; i < c->nproxies; i++) {
			const struct proxy *be = c->proxies[i];

			if (!(be->cap & PX_CAP_BE))
				continue;
			if (id == PM_SV_HRSP && be->mode != PX_MODE_HTTP)
				continue;
			px_lock(be);
			for (int j = 0; j < be->nservers; j++) {
				const struct server *srv = be->servers[j];

				if (id == PM_SV_STATUS) {
					int st = server_prom_state(srv);

					for (int k = 0; k < 5; k++)
						put_sample(out, scope, m, be->id, srv->id, "state",
							   srv_states[k], PV_U(k == st));
				} else if (id == PM_SV_CHECK_STATUS) {
					const char *cur = check_status_name(srv->check_status);

					/* Only for running checks (maintenance pauses them). */
					if (!srv->check_enabled || (srv->admin & SRV_ADMF_MAINT))
						continue;
					for (size_t k = 0; k < sizeof(chk_states) / sizeof(chk_states[0]); k++)
						put_sample(out, scope, m, be->id, srv->id, "state",
							   chk_states[k], PV_U(strcmp(cur, chk_states[k]) == 0));
				} else if (id == PM_SV_HRSP) {
					for (int k = 0; k < 6; k++)
						put_sample(out, scope, m, be->id, srv->id, "code",
							   hrsp_codes[k],
							   PV_U(atomic_load(&srv->cnt.http_rsp[k])));
				} else {
					put_sample(out, scope, m, be->id, srv->id, NULL, NULL,
						   server_value(c, srv, id));
				}
			}
			px_unlock(be);
		}
	}
}

void prom_export(const struct pxconf *c, struct strbuf *out)
{
	export_process(c, out);
	export_frontends(c, out);
	export_backends(c, out);
	export_servers(c, out);
}

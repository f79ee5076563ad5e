/* server: the state machine of a backend server, with HAProxy's semantics
 * and HAProxy's log lines.
 *
 * Health (checked servers only), as HAProxy's set_server_check_status():
 *
 *   0 .......... rise-1 | rise ............ rise+fall-1
 *   DOWN (going up)     | UP (going down)   UP (stable)
 *
 *   check passed: health < rise+fall-1 ? health++ ; once health >= rise it
 *                 jumps to rise+fall-1 (stable). Reaching rise marks the
 *                 server UP.
 *   check failed: health > 0 ? health-- (and failed_checks++) ; once
 *                 health < rise it drops to 0 and the server is marked DOWN.
 *   start:        health = rise: up, but down at the first failure.
 *
 * Operational state (op_state) transitions and who performs them:
 *
 *   RUNNING --(health reaches 0)-----------------> STOPPED  server_check_result
 *   STOPPED --(health reaches rise)--------------> RUNNING  server_check_result
 *   RUNNING --(set state maint)------------------> STOPPED  server_set_admin
 *   any     --(leave maint: health = rise)-------> RUNNING  server_set_admin
 *
 * Administrative flags (admin) are only changed by server_set_admin():
 * "maint" sets FMAINT and clears FDRAIN, "drain" sets FDRAIN and clears
 * FMAINT, "ready" clears both, each step logging HAProxy's line. While a
 * server is in maintenance its check results are recorded but do not move
 * its health (HAProxy pauses the checks).
 *
 * Every function here takes the backend lock itself, except those marked
 * "Lock held" in proxy.h. Calls into the stream layer (session shutdown,
 * queue processing) are made after the lock is released.
 */
#include "proxy/check.h"
#include "proxy/proxy.h"
#include "proxy/stream.h"
#include "lib/log.h"
#include "lib/util.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The runtime API is the only caller of server_set_addr(); HAProxy names
 * it this way in its messages. */
#define ADDR_UPDATER "stats socket command"

/* ---- small helpers ---- */

/* A bounded string builder: appends never overflow, the result is always
 * NUL-terminated (truncated if the buffer is too small). */
struct msgbuf {
	char *buf;
	size_t size, len;
};

static void mb_init(struct msgbuf *mb, char *buf, size_t size)
{
	mb->buf = buf;
	mb->size = size;
	mb->len = 0;
	if (size)
		buf[0] = 0;
}

__attribute__((format(printf, 2, 3)))
static void mb_printf(struct msgbuf *mb, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (mb->len + 1 >= mb->size)
		return;
	va_start(ap, fmt);
	n = vsnprintf(mb->buf + mb->len, mb->size - mb->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	mb->len = MIN(mb->len + (size_t)n, mb->size - 1);
}

/* Append `s` with HAProxy's chunk_asciiencode(): non-printable bytes and
 * the quote character become "\xHH". */
static void mb_ascii_encode(struct msgbuf *mb, const char *s, char quote)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 32 || c >= 127 || c == (unsigned char)quote)
			mb_printf(mb, "\\x%02X", c);
		else
			mb_printf(mb, "%c", c);
	}
}

static const char *backup_prefix(const struct server *srv, bool lower)
{
	if (!srv->backup)
		return "";
	return lower ? "backup " : "Backup ";
}

/* HAProxy's proxy_cap_str(): a `listen` section is a "proxy". */
static const char *proxy_type_str(const struct proxy *px)
{
	if ((px->cap & (PX_CAP_FE | PX_CAP_BE)) == (PX_CAP_FE | PX_CAP_BE))
		return "proxy";
	if (px->cap & PX_CAP_FE)
		return "frontend";
	return "backend";
}

/* HAProxy's static algorithms (no BE_LB_PROP_DYN): weights can only be
 * switched between 0 and the initial weight at runtime. `balance source`
 * uses the map-based hash by default, which is static; `hash-type
 * consistent` makes it dynamic. */
static bool lb_is_static(const struct proxy *px)
{
	return px->lb == LB_STATIC_RR || px->lb == LB_FIRST || (px->lb == LB_SOURCE && !px->lb_consistent);
}

static bool server_checked(const struct server *srv)
{
	return srv->check_enabled;
}

static int health_max(const struct server *srv)
{
	return srv->rise + srv->fall - 1;
}

/* ---- status names ---- */

static const struct {
	const char *name, *desc;
} check_statuses[] = {
	[HCHK_UNKNOWN] = { "UNK",     "Unknown" },
	[HCHK_INI]     = { "INI",     "Initializing" },
	[HCHK_L4OK]    = { "L4OK",    "Layer4 check passed" },
	[HCHK_L4TOUT]  = { "L4TOUT",  "Layer4 timeout" },
	[HCHK_L4CON]   = { "L4CON",   "Layer4 connection problem" },
	[HCHK_L6OK]    = { "L6OK",    "Layer6 check passed" },
	[HCHK_L6TOUT]  = { "L6TOUT",  "Layer6 timeout" },
	[HCHK_L6RSP]   = { "L6RSP",   "Layer6 invalid response" },
	[HCHK_L7OK]    = { "L7OK",    "Layer7 check passed" },
	[HCHK_L7OKC]   = { "L7OKC",   "Layer7 check conditionally passed" },
	[HCHK_L7TOUT]  = { "L7TOUT",  "Layer7 timeout" },
	[HCHK_L7RSP]   = { "L7RSP",   "Layer7 invalid response" },
	[HCHK_L7STS]   = { "L7STS",   "Layer7 wrong status" },
	[HCHK_SOCKERR] = { "SOCKERR", "Socket error" },
};

const char *check_status_name(enum check_status s)
{
	if ((unsigned)s >= ARRAY_SIZE(check_statuses) || !check_statuses[s].name)
		return "UNK";
	return check_statuses[s].name;
}

const char *check_status_desc(enum check_status s)
{
	if ((unsigned)s >= ARRAY_SIZE(check_statuses) || !check_statuses[s].desc)
		return "Unknown";
	return check_statuses[s].desc;
}

/* Statuses that carry an L7 code in messages (HAProxy's >= L57DATA). */
static bool status_has_code(enum check_status s)
{
	return s == HCHK_L7OK || s == HCHK_L7OKC || s == HCHK_L7STS;
}

/* ---- predicates and counts (lock held) ---- */

socklen_t server_target(struct server *srv, const struct sockaddr_storage *local,
			struct sockaddr_storage *dst)
{
	socklen_t len;

	pthread_mutex_lock(&srv->px->lock);
	memcpy(dst, &srv->addr.ss, sizeof(*dst));
	len = srv->addr.len;
	if (!srv->addr_port_given && dst->ss_family == local->ss_family) {
		if (dst->ss_family == AF_INET)
			((struct sockaddr_in *)dst)->sin_port = ((const struct sockaddr_in *)local)->sin_port;
		else if (dst->ss_family == AF_INET6)
			((struct sockaddr_in6 *)dst)->sin6_port = ((const struct sockaddr_in6 *)local)->sin6_port;
	}
	pthread_mutex_unlock(&srv->px->lock);
	return len;
}

bool server_is_usable(const struct server *srv)
{
	if (srv->admin & (SRV_ADMF_MAINT | SRV_ADMF_FDRAIN))
		return false;
	if (srv->op_state != SRV_ST_RUNNING && srv->op_state != SRV_ST_STARTING)
		return false;
	return srv->uweight > 0;
}

int server_eweight(const struct server *srv)
{
	return server_is_usable(srv) ? srv->uweight : 0;
}

static int backend_count(const struct proxy *px, bool backup)
{
	int n = 0;

	for (int i = 0; i < px->nservers; i++) {
		const struct server *srv = px->servers[i];

		if (srv->backup == backup && server_is_usable(srv))
			n++;
	}
	return n;
}

int backend_active_count(const struct proxy *px) { return backend_count(px, false); }
int backend_backup_count(const struct proxy *px) { return backend_count(px, true); }

bool backend_is_up(const struct proxy *px)
{
	return backend_active_count(px) + backend_backup_count(px) > 0;
}

const char *server_status_str(const struct server *srv, char *buf, size_t len)
{
	bool checked = server_checked(srv);

	if (srv->admin & SRV_ADMF_MAINT) {
		snprintf(buf, len, "MAINT");
	} else if (srv->op_state == SRV_ST_RUNNING || srv->op_state == SRV_ST_STARTING) {
		bool going_down = checked && srv->health < health_max(srv);
		bool drain = (srv->admin & SRV_ADMF_FDRAIN) || srv->uweight == 0;
		const char *word = drain ? "DRAIN" : "UP";

		if (going_down)
			snprintf(buf, len, "%s %d/%d", word, srv->health - srv->rise + 1, srv->fall);
		else if (!drain && !checked)
			snprintf(buf, len, "no check");
		else
			snprintf(buf, len, "%s", word);
	} else if (srv->op_state == SRV_ST_STOPPING) {
		if (!checked || srv->health == health_max(srv))
			snprintf(buf, len, "NOLB");
		else
			snprintf(buf, len, "NOLB %d/%d", srv->health - srv->rise + 1, srv->fall);
	} else {
		if (checked && srv->health > 0)
			snprintf(buf, len, "DOWN %d/%d", srv->health, srv->rise);
		else
			snprintf(buf, len, "DOWN");
	}
	return buf;
}

/* ---- HAProxy's status sentences ---- */

/* srv_append_status(): ", reason: ..., code: N, info: "...", check
 * duration: Nms" from the last check, when `with_check`. */
static void append_check_reason(struct msgbuf *mb, const struct server *srv)
{
	mb_printf(mb, ", reason: %s", check_status_desc(srv->check_status));
	if (status_has_code(srv->check_status))
		mb_printf(mb, ", code: %d", srv->check_code);
	if (srv->check_desc[0]) {
		mb_printf(mb, ", info: \"");
		mb_ascii_encode(mb, srv->check_desc, '"');
		mb_printf(mb, "\"");
	}
	mb_printf(mb, ", check duration: %ums", (unsigned)srv->check_duration_ms);
}

/* The second half of srv_append_status(): what is left of the backend. */
static void append_backend_figures(struct msgbuf *mb, const struct server *srv)
{
	const struct proxy *px = srv->px;
	int act = backend_active_count(px), bck = backend_backup_count(px);
	const char *on_backup = (bck && !act) ? " Running on backup." : "";

	if (srv->op_state == SRV_ST_STOPPED)
		mb_printf(mb, ". %d active and %d backup servers left.%s"
			  " %d sessions active, %d requeued, %d remaining in queue",
			  act, bck, on_backup, atomic_load(&srv->cur_sess), 0,
			  atomic_load(&srv->queued));
	else
		mb_printf(mb, ". %d active and %d backup servers online.%s"
			  " %d sessions requeued, %d total in queue",
			  act, bck, on_backup, 0, atomic_load(&srv->queued));
}

/* What a state change must do once the lock is released. */
struct after_unlock {
	bool shutdown_sessions;
	bool process_queue;
};

static void run_after_unlock(struct server *srv, const struct after_unlock *a)
{
	if (a->shutdown_sessions)
		stream_shutdown_server_sessions(srv);
	if (a->process_queue)
		queue_process(srv->px);
}

/* The backend lost its last usable server: HAProxy's set_backend_down().
 * `had` is the number of usable servers before the change. Lock held. */
static void backend_check_down(struct proxy *px, int had)
{
	if (had == 0 || backend_is_up(px))
		return;
	px->last_change_ms = ev_monotonic_ms();
	atomic_fetch_add(&px->down_trans, 1);
	log_msg(LOG_LVL_EMERG, "%s %s has no server available!", proxy_type_str(px), px->id);
}

/* The backend got a usable server back. Lock held. */
static void backend_check_up(struct proxy *px, int had)
{
	if (had == 0 && backend_is_up(px))
		px->last_change_ms = ev_monotonic_ms();
}

static int backend_usable(const struct proxy *px)
{
	return backend_active_count(px) + backend_backup_count(px);
}

/* ---- check results ---- */

/* Mark a checked server DOWN after its health reached 0. Lock held. */
static void server_mark_down(struct server *srv, bool with_reason, struct after_unlock *a)
{
	struct proxy *px = srv->px;
	bool was_draining = (srv->admin & SRV_ADMF_FDRAIN) || srv->op_state == SRV_ST_STOPPING;
	int had = backend_usable(px);
	char line[1024];
	struct msgbuf mb;

	srv->op_state = SRV_ST_STOPPED;
	srv->last_change_ms = ev_monotonic_ms();
	atomic_fetch_add(&srv->cnt.down_trans, 1);
	a->shutdown_sessions = srv->shutdown_on_down;

	mb_init(&mb, line, sizeof(line));
	mb_printf(&mb, "%sServer %s/%s is DOWN", backup_prefix(srv, false), px->id, srv->id);
	if (with_reason)
		append_check_reason(&mb, srv);
	append_backend_figures(&mb, srv);
	/* HAProxy does not alert for a server that was already draining. */
	log_msg(was_draining ? LOG_LVL_NOTICE : LOG_LVL_ALERT, "%s.", line);
	backend_check_down(px, had);
}

/* Mark a checked server UP after its health reached rise. Lock held. */
static void server_mark_up(struct server *srv, bool with_reason, struct after_unlock *a)
{
	struct proxy *px = srv->px;
	int had = backend_usable(px);
	char line[1024];
	struct msgbuf mb;

	srv->op_state = SRV_ST_RUNNING;
	srv->last_change_ms = ev_monotonic_ms();
	a->process_queue = true;

	mb_init(&mb, line, sizeof(line));
	mb_printf(&mb, "%sServer %s/%s is UP", backup_prefix(srv, false), px->id, srv->id);
	if (with_reason)
		append_check_reason(&mb, srv);
	append_backend_figures(&mb, srv);
	log_msg(LOG_LVL_NOTICE, "%s.", line);
	backend_check_up(px, had);
}

/* `option log-health-checks`: one line per check that changed the
 * health or the status, as HAProxy's set_server_check_status(). */
static void log_health_check(const struct server *srv, bool ok)
{
	bool up = srv->health >= srv->rise;
	char line[1024];
	struct msgbuf mb;

	mb_init(&mb, line, sizeof(line));
	mb_printf(&mb, "Health check for %sserver %s/%s %s", backup_prefix(srv, true),
		  srv->px->id, srv->id, ok ? "succeeded" : "failed");
	append_check_reason(&mb, srv);
	mb_printf(&mb, ", status: %d/%d %s",
		  up ? srv->health - srv->rise + 1 : srv->health,
		  up ? srv->fall : srv->rise,
		  up ? (srv->uweight ? "UP" : "DRAIN") : "DOWN");
	log_msg(LOG_LVL_NOTICE, "%s.", line);
}

void server_check_result(struct server *srv, bool ok, enum check_status status,
			 int code, const char *desc)
{
	struct proxy *px = srv->px;
	struct after_unlock after = { 0 };
	enum check_status prev_status;
	bool report = false, log_health;

	pthread_mutex_lock(&px->lock);
	prev_status = srv->check_status;
	srv->check_status = status;
	srv->check_code = code;
	snprintf(srv->check_desc, sizeof(srv->check_desc), "%s", desc ? desc : "");

	/* HAProxy pauses the checks of a server in maintenance; a result
	 * still in flight is recorded but moves nothing. */
	if (srv->admin & SRV_ADMF_MAINT)
		goto out;

	if (!ok) {
		if (srv->health > 0) {
			atomic_fetch_add(&srv->cnt.failed_checks, 1);
			report = true;
			srv->health--;
			if (srv->health < srv->rise)
				srv->health = 0;
		}
	} else if (srv->health < health_max(srv)) {
		report = true;
		srv->health++;
		if (srv->health >= srv->rise)
			srv->health = health_max(srv);
	}

	log_health = (px->options & PXO_LOG_HEALTH) != 0;
	if (log_health && (status != prev_status || report))
		log_health_check(srv, ok);

	/* With log-health-checks the reason was just logged: the state line
	 * does not repeat it (HAProxy passes no check to srv_set_*()). */
	if (!ok && srv->health == 0 && srv->op_state != SRV_ST_STOPPED)
		server_mark_down(srv, !log_health, &after);
	else if (ok && srv->health >= srv->rise && srv->op_state == SRV_ST_STOPPED)
		server_mark_up(srv, !log_health, &after);
out:
	pthread_mutex_unlock(&px->lock);
	run_after_unlock(srv, &after);
}

/* ---- runtime API: state ---- */

/* HAProxy's srv_set_admin_flag(FMAINT). Lock held. */
static void admin_enter_maint(struct server *srv, struct after_unlock *a)
{
	struct proxy *px = srv->px;
	bool was_draining = (srv->admin & SRV_ADMF_FDRAIN) || srv->op_state == SRV_ST_STOPPING;
	bool was_maint = (srv->admin & SRV_ADMF_MAINT) != 0;
	int had = backend_usable(px);
	char line[1024];
	struct msgbuf mb;

	if (srv->admin & SRV_ADMF_FMAINT)
		return;
	srv->admin |= SRV_ADMF_FMAINT;
	if (was_maint)
		return;   /* already in maintenance (configuration): nothing moves */

	if (server_checked(srv))
		srv->health = 0;
	mb_init(&mb, line, sizeof(line));
	if (srv->op_state == SRV_ST_STOPPED) {
		mb_printf(&mb, "%sServer %s/%s was DOWN and now enters maintenance",
			  backup_prefix(srv, false), px->id, srv->id);
		log_msg(LOG_LVL_NOTICE, "%s.", line);
		return;
	}
	srv->op_state = SRV_ST_STOPPED;
	srv->last_change_ms = ev_monotonic_ms();
	atomic_fetch_add(&srv->cnt.down_trans, 1);
	/* As HAProxy: sessions are cut only with on-marked-down
	 * shutdown-sessions; otherwise they finish. */
	a->shutdown_sessions = srv->shutdown_on_down;
	mb_printf(&mb, "%sServer %s/%s is going DOWN for maintenance",
		  backup_prefix(srv, false), px->id, srv->id);
	append_backend_figures(&mb, srv);
	log_msg(was_draining ? LOG_LVL_NOTICE : LOG_LVL_ALERT, "%s.", line);
	backend_check_down(px, had);
}

/* HAProxy's srv_clr_admin_flag(FMAINT) (CMAINT included). Lock held. */
static void admin_leave_maint(struct server *srv, struct after_unlock *a)
{
	struct proxy *px = srv->px;
	int had = backend_usable(px);
	char line[512];
	struct msgbuf mb;

	if (!(srv->admin & SRV_ADMF_MAINT))
		return;
	/* `disabled` in the configuration is HAProxy's CMAINT|FMAINT: the
	 * runtime API takes the server out of it as well. */
	srv->admin &= ~SRV_ADMF_MAINT;
	mb_init(&mb, line, sizeof(line));
	/* Up, but the first failed check takes it down again. */
	if (server_checked(srv))
		srv->health = srv->rise;
	if (srv->op_state == SRV_ST_STOPPED) {
		srv->op_state = SRV_ST_RUNNING;
		srv->last_change_ms = ev_monotonic_ms();
	}
	a->process_queue = true;
	mb_printf(&mb, "%sServer %s/%s is %s/%s (leaving forced maintenance)",
		  backup_prefix(srv, false), px->id, srv->id,
		  srv->op_state == SRV_ST_STOPPED ? "DOWN" : "UP",
		  (srv->admin & SRV_ADMF_FDRAIN) ? "DRAIN" : "READY");
	log_msg(LOG_LVL_NOTICE, "%s.", line);
	backend_check_up(px, had);
}

/* HAProxy's srv_set_admin_flag(FDRAIN). Lock held. */
static void admin_enter_drain(struct server *srv)
{
	struct proxy *px = srv->px;
	int had = backend_usable(px);
	char line[1024];
	struct msgbuf mb;

	if (srv->admin & SRV_ADMF_FDRAIN)
		return;
	srv->admin |= SRV_ADMF_FDRAIN;
	if (srv->admin & SRV_ADMF_MAINT)
		return;   /* reported when maintenance ends */
	srv->last_change_ms = ev_monotonic_ms();
	mb_init(&mb, line, sizeof(line));
	mb_printf(&mb, "%sServer %s/%s enters drain state", backup_prefix(srv, false), px->id, srv->id);
	append_backend_figures(&mb, srv);
	log_msg(LOG_LVL_NOTICE, "%s.", line);
	backend_check_down(px, had);
}

/* HAProxy's srv_clr_admin_flag(FDRAIN). Lock held. */
static void admin_leave_drain(struct server *srv, struct after_unlock *a)
{
	struct proxy *px = srv->px;
	int had = backend_usable(px);
	char line[512];

	if (!(srv->admin & SRV_ADMF_FDRAIN))
		return;
	srv->admin &= ~SRV_ADMF_FDRAIN;
	if (srv->admin & SRV_ADMF_MAINT)
		return;   /* HAProxy says nothing when leaving drain in maintenance */
	srv->last_change_ms = ev_monotonic_ms();
	a->process_queue = true;
	snprintf(line, sizeof(line), "%sServer %s/%s is %s (leaving forced drain)",
		 backup_prefix(srv, false), px->id, srv->id,
		 srv->op_state == SRV_ST_STOPPED ? "DOWN" : "UP");
	log_msg(LOG_LVL_NOTICE, "%s.", line);
	backend_check_up(px, had);
}

int server_set_admin(struct server *srv, const char *state, char *err, size_t errlen)
{
	struct after_unlock after = { 0 };

	if (errlen)
		err[0] = 0;
	if (strcmp(state, "ready") != 0 && strcmp(state, "drain") != 0 && strcmp(state, "maint") != 0) {
		snprintf(err, errlen, "'set server <srv> state' expects 'ready', 'drain' and 'maint'.");
		return -EINVAL;
	}
	pthread_mutex_lock(&srv->px->lock);
	/* The same order as HAProxy's srv_adm_set_{maint,drain,ready}(). */
	if (strcmp(state, "maint") == 0) {
		admin_enter_maint(srv, &after);
		admin_leave_drain(srv, &after);
	} else if (strcmp(state, "drain") == 0) {
		admin_enter_drain(srv);
		admin_leave_maint(srv, &after);
	} else {
		admin_leave_drain(srv, &after);
		admin_leave_maint(srv, &after);
	}
	/* Nothing to hand to a server in maintenance. */
	if (srv->admin & SRV_ADMF_MAINT)
		after.process_queue = false;
	pthread_mutex_unlock(&srv->px->lock);
	run_after_unlock(srv, &after);
	return 0;
}

/* ---- runtime API: weight ---- */

int server_set_weight(struct server *srv, const char *value, char *err, size_t errlen)
{
	struct proxy *px = srv->px;
	struct after_unlock after = { 0 };
	long w;
	char *end;
	int had, old;

	if (errlen)
		err[0] = 0;
	if (!*value) {
		snprintf(err, errlen, "Require <weight> or <weight%%>.");
		return -EINVAL;
	}
	errno = 0;
	w = strtol(value, &end, 10);
	if (end == value) {
		snprintf(err, errlen, "Empty weight string empty or preceded by garbage");
		return -EINVAL;
	}
	pthread_mutex_lock(&px->lock);
	if (end[0] == '%' && end[1] == '\0') {
		if (w < 0) {
			snprintf(err, errlen, "Relative weight must be positive.");
			goto einval;
		}
		if (w > 25600)
			w = 25600;
		w = srv->iweight * w / 100;
		if (w > 256)
			w = 256;
	} else if (w < 0 || w > 256 || errno == ERANGE) {
		snprintf(err, errlen, "Absolute weight can only be between 0 and 256 inclusive.");
		goto einval;
	} else if (end[0] != '\0') {
		snprintf(err, errlen, "Trailing garbage in weight string");
		goto einval;
	}
	if (w && w != srv->iweight && lb_is_static(px)) {
		snprintf(err, errlen, "Backend is using a static LB algorithm and only accepts weights '0%%' and '100%%'.");
		goto einval;
	}
	had = backend_usable(px);
	old = srv->uweight;
	srv->uweight = (int)w;
	if (w > old)
		after.process_queue = true;
	backend_check_down(px, had);
	backend_check_up(px, had);
	pthread_mutex_unlock(&px->lock);
	run_after_unlock(srv, &after);
	return 0;
einval:
	pthread_mutex_unlock(&px->lock);
	return -EINVAL;
}

/* ---- runtime API: address ---- */

/* Parse a bare IPv4 or IPv6 address (no port), keeping `port`. */
static bool parse_ip(const char *s, int port, struct addr *out)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&out->ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&out->ss;

	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, s, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		out->len = sizeof(*sin);
	} else if (inet_pton(AF_INET6, s, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		out->len = sizeof(*sin6);
	} else {
		return false;
	}
	addr_set_port(out, port);
	out->port_given = true;
	return true;
}

static bool same_ip(const struct addr *a, const struct addr *b)
{
	if (a->ss.ss_family != b->ss.ss_family)
		return false;
	if (a->ss.ss_family == AF_INET)
		return memcmp(&((const struct sockaddr_in *)&a->ss)->sin_addr,
			      &((const struct sockaddr_in *)&b->ss)->sin_addr, 4) == 0;
	return memcmp(&((const struct sockaddr_in6 *)&a->ss)->sin6_addr,
		      &((const struct sockaddr_in6 *)&b->ss)->sin6_addr, 16) == 0;
}

/* HAProxy's update_server_addr_port(). On success `err` holds HAProxy's
 * report ("IP changed from 'a' to 'b', no need to change the port by
 * 'stats socket command'") for the runtime API to print, and the change
 * is logged. */
int server_set_addr(struct server *srv, const char *addr, const char *port, char *err, size_t errlen)
{
	struct proxy *px = srv->px;
	struct addr na;
	char cur[INET6_ADDRSTRLEN + 1];
	struct msgbuf mb;
	bool ip_changed = false, port_changed = false;
	int cur_port, new_port = 0;

	mb_init(&mb, err, errlen);
	if (!addr || !*addr) {
		mb_printf(&mb, "set server <b>/<s> addr requires an address and optionally a port.");
		return -EINVAL;
	}
	if (port) {
		char *end;
		long p;

		errno = 0;
		p = strtol(port, &end, 10);
		if (errno || end == port || *end || p < 0 || p > 65535 || *port == '+' || *port == '-') {
			/* HAProxy's "+N"/"-N" port maps are not supported. */
			mb_printf(&mb, "problem converting port '%s' to an int", port);
			return -EINVAL;
		}
		new_port = (int)p;
	}

	pthread_mutex_lock(&px->lock);
	cur_port = addr_port(&srv->addr);
	if (!parse_ip(addr, port ? new_port : cur_port, &na)) {
		pthread_mutex_unlock(&px->lock);
		mb_printf(&mb, "Invalid addr '%s'", addr);
		return -EINVAL;
	}
	if (srv->addr.ss.ss_family != AF_INET && srv->addr.ss.ss_family != AF_INET6) {
		pthread_mutex_unlock(&px->lock);
		mb_printf(&mb, "Update for the current server address family is only supported through configuration file");
		return -EINVAL;
	}
	addr_host_str((struct sockaddr *)&srv->addr.ss, cur, sizeof(cur));
	if (same_ip(&srv->addr, &na)) {
		mb_printf(&mb, "no need to change the addr");
	} else {
		ip_changed = true;
		mb_printf(&mb, "IP changed from '%s' to '%s'", cur, addr);
	}
	if (port) {
		mb_printf(&mb, ", ");
		if (new_port != cur_port || !srv->addr_port_given) {
			port_changed = true;
			mb_printf(&mb, "port changed from '%d' to '%d'", cur_port, new_port);
		} else {
			mb_printf(&mb, "no need to change the port");
		}
	}
	if (ip_changed || port_changed) {
		if (!port || !port_changed)
			addr_set_port(&na, cur_port);
		na.port_given = srv->addr.port_given || port_changed;
		srv->addr = na;
		if (port_changed)
			srv->addr_port_given = true;
	}
	mb_printf(&mb, " by '%s'", ADDR_UPDATER);
	if (ip_changed)
		log_msg(LOG_LVL_NOTICE, "%s/%s changed its IP from %s to %s by %s.",
			px->id, srv->id, cur, addr, ADDR_UPDATER);
	if (port_changed)
		log_msg(LOG_LVL_NOTICE, "%s/%s changed its port from %d to %d by %s.",
			px->id, srv->id, cur_port, new_port, ADDR_UPDATER);
	pthread_mutex_unlock(&px->lock);
	return 0;
}

/* ---- start ---- */

void server_init_runtime(struct server *srv)
{
	pthread_mutex_lock(&srv->px->lock);
	srv->uweight = srv->iweight;
	srv->last_change_ms = ev_monotonic_ms();
	if (srv->admin & SRV_ADMF_MAINT) {
		srv->op_state = SRV_ST_STOPPED;
		srv->health = 0;
	} else {
		srv->op_state = SRV_ST_RUNNING;
		srv->health = server_checked(srv) ? srv->rise : 0;
	}
	srv->check_status = server_checked(srv) ? HCHK_INI : HCHK_UNKNOWN;
	pthread_mutex_unlock(&srv->px->lock);
}

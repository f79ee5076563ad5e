/* exec: calls and their life (see exec_int.h for the state diagram),
 * recurring operations, result reporting, vigil:vip and meta-data. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cluster/exec_int.h"
#include "cluster/vip.h"
#include "cluster/xml.h"
#include "lib/log.h"
#include "lib/util.h"

#define EXEC_METADATA_TIMEOUT_MS 5000
#define EXEC_ANNOUNCE_GAP_MS 200

/* A vip's remaining gratuitous ARPs / NAs after its start. */
struct exec_announce {
	struct executor *ex;
	struct exec_announce *next;
	char *rsc;               /* from malloc() */
	struct vip_spec spec;
	int left;
	struct ev_timer timer;
};

struct exec_meta {
	struct exec_meta *next;
	char *key;               /* "class:provider:type", from malloc() */
	char *xml;               /* from malloc() */
};

static void call_start(struct exec_call *call);
static void report_cb(struct ev_loop *loop, struct ev_timer *t);
static void vip_run(struct exec_call *call);

const char *exec_rc_name(int rc)
{
	switch (rc) {
	case OCF_SUCCESS: return "ok";
	case OCF_ERR_GENERIC: return "error";
	case OCF_ERR_ARGS: return "invalid parameter";
	case OCF_ERR_UNIMPLEMENTED: return "unimplemented feature";
	case OCF_ERR_PERM: return "insufficient privileges";
	case OCF_ERR_INSTALLED: return "not installed";
	case OCF_ERR_CONFIGURED: return "not configured";
	case OCF_NOT_RUNNING: return "not running";
	case OCF_RUNNING_PROMOTED: return "promoted";
	case OCF_FAILED_PROMOTED: return "promoted (failed)";
	case OCF_DEGRADED: return "degraded";
	case OCF_DEGRADED_PROMOTED: return "degraded promoted";
	}
	return "unknown";
}

const char *exec_status_name(enum exec_status status)
{
	switch (status) {
	case EXEC_DONE: return "done";
	case EXEC_CANCELLED: return "cancelled";
	case EXEC_TIMEOUT: return "timed out";
	case EXEC_NOT_SUPPORTED: return "not supported";
	case EXEC_ERROR: return "error";
	}
	return "unknown";
}

static enum exec_class class_of(const char *cls, const char *type)
{
	if (!cls || !type)
		return EXEC_CLASS_UNKNOWN;
	if (!strcmp(cls, "ocf"))
		return EXEC_CLASS_OCF;
	if (!strcmp(cls, "stonith"))
		return EXEC_CLASS_STONITH;
	if (!strcmp(cls, "vigil") && !strcmp(type, "process"))
		return EXEC_CLASS_PROCESS;
	if (!strcmp(cls, "vigil") && !strcmp(type, "vip"))
		return EXEC_CLASS_VIP;
	return EXEC_CLASS_UNKNOWN;
}

static char *dup_or(const char *s, const char *dflt)
{
	return s ? xstrdup(s) : dflt ? xstrdup(dflt) : NULL;
}

struct executor *executor_new(struct ev_loop *loop, const struct exec_config *cfg)
{
	static const struct exec_config defaults;
	struct executor *ex = xcalloc(1, sizeof(*ex));
	char host[256] = "localhost";

	if (!cfg)
		cfg = &defaults;
	gethostname(host, sizeof(host) - 1);
	ex->loop = loop;
	ex->node_name = dup_or(cfg->node_name, host);
	ex->ocf_root = dup_or(cfg->ocf_root, "/usr/lib/ocf");
	ex->helper_dir = dup_or(cfg->helper_dir, NULL);
	ex->socket_path = dup_or(cfg->socket_path, NULL);
	ex->state_dir = dup_or(cfg->state_dir, "/var/lib/vigil");
	ex->fence_dir = dup_or(cfg->fence_dir, "/usr/sbin");
	ex->fence_prestart = cfg->fence_prestart;
	ex->next_id = 1;
	return ex;
}

/* ---- the call list ---- */

static void call_free(struct exec_call *call)
{
	struct executor *ex = call->ex;

	if (call->prev)
		call->prev->next = call->next;
	else
		ex->calls = call->next;
	if (call->next)
		call->next->prev = call->prev;
	else
		ex->calls_tail = call->prev;
	ev_timer_stop(ex->loop, &call->timer);
	ev_timer_stop(ex->loop, &call->op_timer);
	free((char *)call->op.rsc);
	free((char *)call->op.cls);
	free((char *)call->op.provider);
	free((char *)call->op.type);
	free((char *)call->op.action);
	sched_attrs_clear(&call->params);
	sched_attrs_clear(&call->env);
	free(call->output);
	free(call->reason);
	/* Only timers are embedded: nothing in the loop's current batch can
	 * point here, so no ev_free_later(). */
	free(call);
}

static struct exec_call *call_find(const struct executor *ex, int id)
{
	for (struct exec_call *c = ex->calls; c; c = c->next)
		if (c->id == id && !c->cancelled)
			return c;
	return NULL;
}

static bool rsc_busy(const struct executor *ex, const char *rsc)
{
	for (struct exec_call *c = ex->calls; c; c = c->next)
		if (c->state == CALL_RUNNING && !c->cancelled && !strcmp(c->op.rsc, rsc))
			return true;
	return false;
}

/* Start the oldest queued call of `rsc` if none of its calls runs. */
static void rsc_dispatch(struct executor *ex, const char *rsc)
{
	if (rsc_busy(ex, rsc))
		return;
	for (struct exec_call *c = ex->calls; c; c = c->next) {
		if (c->state == CALL_QUEUED && !c->cancelled && !strcmp(c->op.rsc, rsc)) {
			call_start(c);
			return;
		}
	}
}

static void copy_attrs(struct sched_attrs *dst, const struct sched_attrs *src)
{
	for (int i = 0; src && i < src->n; i++)
		sched_attrs_set(dst, src->v[i].name, src->v[i].value);
}

int exec_run(struct executor *ex, const struct exec_op *op, exec_done_cb done, void *arg)
{
	struct exec_call *call;

	if (!op || !op->rsc || !*op->rsc || !op->cls || !op->type || !op->action ||
	    op->interval_ms < 0 || op->timeout_ms < 0)
		return -EINVAL;
	call = xcalloc(1, sizeof(*call));
	call->ex = ex;
	call->id = ex->next_id;
	ex->next_id = ex->next_id == INT_MAX ? 1 : ex->next_id + 1;
	call->cls = class_of(op->cls, op->type);
	call->op = *op;
	call->op.rsc = xstrdup(op->rsc);
	call->op.cls = xstrdup(op->cls);
	call->op.provider = op->provider ? xstrdup(op->provider) : NULL;
	call->op.type = xstrdup(op->type);
	call->op.action = xstrdup(op->action);
	copy_attrs(&call->params, op->params);
	copy_attrs(&call->env, op->env);
	call->op.params = &call->params;
	call->op.env = &call->env;
	call->timeout_ms = op->timeout_ms > 0 ? op->timeout_ms : EXEC_DEFAULT_TIMEOUT_MS;
	call->done = done;
	call->arg = arg;
	call->state = CALL_QUEUED;
	ev_timer_init(&call->timer, report_cb, call);
	ev_timer_init(&call->op_timer, NULL, call);

	call->prev = ex->calls_tail;
	if (ex->calls_tail)
		ex->calls_tail->next = call;
	else
		ex->calls = call;
	ex->calls_tail = call;

	/* Synchronous classes finish here, but report from a timer: the
	 * callback never runs inside exec_run(). */
	rsc_dispatch(ex, call->op.rsc);
	return call->id;
}

static long long wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void call_start(struct exec_call *call)
{
	call->state = CALL_RUNNING;
	call->start_mono_ms = ev_monotonic_ms();
	call->started_ms = wall_ms();
	call->op_phase = 0;
	xfree(&call->output);
	xfree(&call->reason);
	switch (call->cls) {
	case EXEC_CLASS_OCF:
	case EXEC_CLASS_STONITH:
		exec_agent_start(call);
		break;
	case EXEC_CLASS_PROCESS:
		exec_process_start(call);
		break;
	case EXEC_CLASS_VIP:
		vip_run(call);
		break;
	case EXEC_CLASS_UNKNOWN: {
		char reason[256];

		snprintf(reason, sizeof(reason), "unknown resource class %s:%s", call->op.cls,
			 call->op.type);
		exec_call_finish(call, EXEC_NOT_SUPPORTED, OCF_ERR_UNIMPLEMENTED, reason);
		break;
	}
	}
}

void exec_call_finish(struct exec_call *call, enum exec_status status, int rc, const char *reason)
{
	struct executor *ex = call->ex;

	if (call->cancelled)
		return;
	call->status = status;
	call->rc = rc;
	free(call->reason);
	call->reason = reason && *reason ? xstrdup(reason) : NULL;
	if (!call->output)
		call->output = xstrdup("");
	call->state = CALL_REPORTING;
	ev_timer_stop(ex->loop, &call->op_timer);
	ev_timer_stop(ex->loop, &call->timer);
	ev_timer_init(&call->timer, report_cb, call);
	ev_timer_start(ex->loop, &call->timer, 0);
	rsc_dispatch(ex, call->op.rsc);
}

const char *exec_call_param(const struct exec_call *call, const char *name)
{
	return sched_attrs_get(&call->params, name);
}

/* ---- reporting ---- */

static bool result_failed(const struct exec_call *call)
{
	if (call->status != EXEC_DONE)
		return true;
	if (call->rc == OCF_SUCCESS || call->rc == OCF_RUNNING_PROMOTED)
		return false;
	/* A probe finding nothing is the expected answer, not a failure. */
	return !(call->rc == OCF_NOT_RUNNING && !strcmp(call->op.action, "monitor") &&
		 call->op.interval_ms == 0);
}

static void log_result(const struct exec_call *call)
{
	bool monitor = !strcmp(call->op.action, "monitor");
	bool failed = result_failed(call);
	enum log_level lvl = LOG_LVL_NOTICE;
	const char *what = call->status == EXEC_DONE ? exec_rc_name(call->rc)
						      : exec_status_name(call->status);

	/* Monitors repeat: only their failures reach the notice level. */
	if (monitor && !failed)
		lvl = LOG_LVL_INFO;
	log_msg(lvl, "Result of %s%s operation for %s: %s (rc=%d, %lld ms)%s%s",
		monitor && call->op.interval_ms > 0 ? "recurring " : "", call->op.action,
		call->op.rsc, what, call->rc,
		(long long)(ev_monotonic_ms() - call->start_mono_ms),
		call->reason ? ": " : "", call->reason ? call->reason : "");

	/* Other actions logged their output line by line as it came. */
	if (monitor && failed && call->output && *call->output) {
		const char *p = call->output;

		while (*p) {
			const char *nl = strchr(p, '\n');
			int len = nl ? (int)(nl - p) : (int)strlen(p);

			if (len > 0)
				log_info("%s %s: %.*s", call->op.rsc, call->op.action, len, p);
			p += len + (nl ? 1 : 0);
		}
	}
}

static void interval_cb(struct ev_loop *loop, struct ev_timer *t)
{
	struct exec_call *call = t->data;

	call->state = CALL_QUEUED;
	rsc_dispatch(call->ex, call->op.rsc);
}

static void report_cb(struct ev_loop *loop, struct ev_timer *t)
{
	struct exec_call *call = t->data;
	bool recurring = call->op.interval_ms > 0;
	bool changed = !call->reported || call->status != call->last_status ||
		       call->rc != call->last_rc;

	if (!recurring || changed) {
		struct exec_result res = {
			.call_id = call->id,
			.status = call->status,
			.rc = call->rc,
			.output = call->output ? call->output : "",
			.reason = call->reason,
			.exec_ms = (long long)(ev_monotonic_ms() - call->start_mono_ms),
			.started_ms = call->started_ms,
		};

		log_result(call);
		call->reported = true;
		call->last_status = call->status;
		call->last_rc = call->rc;
		if (call->done) {
			call->in_callback = true;
			call->done(call->arg, &call->op, &res);
			call->in_callback = false;
		}
	}
	if (call->cancelled || !recurring) {
		call_free(call);
		return;
	}
	call->state = CALL_IDLE;
	ev_timer_init(&call->timer, interval_cb, call);
	ev_timer_start(loop, &call->timer, call->rerun ? 0 : (uint64_t)call->op.interval_ms);
	call->rerun = false;
}

/* ---- cancelling ---- */

static void call_cancel(struct exec_call *call, bool dispatch)
{
	struct executor *ex = call->ex;
	bool was_running = call->state == CALL_RUNNING;

	call->cancelled = true;
	ev_timer_stop(ex->loop, &call->timer);
	ev_timer_stop(ex->loop, &call->op_timer);
	if (call->child)
		exec_agent_cancel(call);
	if (call->cls == EXEC_CLASS_PROCESS)
		exec_process_cancel(call);
	if (was_running && dispatch)
		rsc_dispatch(ex, call->op.rsc);
	/* From inside its own callback: report_cb() frees it on return. */
	if (!call->in_callback)
		call_free(call);
}

void exec_cancel(struct executor *ex, int call_id)
{
	struct exec_call *call = call_find(ex, call_id);

	if (call)
		call_cancel(call, true);
}

void exec_cancel_rsc(struct executor *ex, const char *rsc)
{
	struct exec_call *c = ex->calls, *next;

	/* No dispatch: every queued call of rsc is being cancelled too. */
	for (; c; c = next) {
		next = c->next;
		if (!c->cancelled && !strcmp(c->op.rsc, rsc))
			call_cancel(c, false);
	}
}

int exec_running(const struct executor *ex)
{
	int n = 0;

	for (struct exec_call *c = ex->calls; c; c = c->next)
		if (c->state == CALL_RUNNING && !c->cancelled)
			n++;
	return n;
}

/* ---- vigil:vip ---- */

static void announce_free(struct executor *ex, struct exec_announce *a)
{
	struct exec_announce **pp = &ex->announces;

	while (*pp && *pp != a)
		pp = &(*pp)->next;
	if (*pp)
		*pp = a->next;
	ev_timer_stop(ex->loop, &a->timer);
	free(a->rsc);
	free(a);
}

static void announce_stop(struct executor *ex, const char *rsc)
{
	struct exec_announce *a = ex->announces, *next;

	for (; a; a = next) {
		next = a->next;
		if (!strcmp(a->rsc, rsc))
			announce_free(ex, a);
	}
}

static void announce_cb(struct ev_loop *loop, struct ev_timer *t)
{
	struct exec_announce *a = t->data;
	char err[256] = "";

	if (vip_announce(&a->spec, err, sizeof(err)) != OCF_SUCCESS) {
		log_warning("Cannot announce address of %s: %s", a->rsc, err);
		announce_free(a->ex, a);
		return;
	}
	if (--a->left <= 0) {
		announce_free(a->ex, a);
		return;
	}
	ev_timer_start(loop, &a->timer, EXEC_ANNOUNCE_GAP_MS);
}

/* vip_start() announced once; the other arp_count - 1 follow in the
 * background, so the start result does not wait for them. */
static void announce_later(struct executor *ex, const char *rsc, const struct vip_spec *spec)
{
	struct exec_announce *a = xcalloc(1, sizeof(*a));

	a->ex = ex;
	a->rsc = xstrdup(rsc);
	a->spec = *spec;
	a->left = spec->arp_count - 1;
	ev_timer_init(&a->timer, announce_cb, a);
	ev_timer_start(ex->loop, &a->timer, EXEC_ANNOUNCE_GAP_MS);
	a->next = ex->announces;
	ex->announces = a;
}

static void vip_run(struct exec_call *call)
{
	const char *action = call->op.action;
	struct vip_spec spec;
	char err[256] = "";
	int rc;

	if (!strcmp(action, "meta-data")) {
		call->output = xstrdup(exec_builtin_metadata(EXEC_CLASS_VIP));
		exec_call_finish(call, EXEC_DONE, OCF_SUCCESS, NULL);
		return;
	}
	memset(&spec, 0, sizeof(spec));
	rc = vip_parse(&call->params, &spec, err, sizeof(err));
	if (rc != OCF_SUCCESS && !strcmp(action, "stop")) {
		/* Parameters no start could have used (or an interface that
		 * is gone) leave no address to remove; a failed stop would
		 * get the node fenced. IPaddr2 does the same. */
		log_warning("Stop of %s: %s; nothing to remove", call->op.rsc, err);
		announce_stop(call->ex, call->op.rsc);
		exec_call_finish(call, EXEC_DONE, OCF_SUCCESS, NULL);
		return;
	}
	if (rc != OCF_SUCCESS) {
		exec_call_finish(call, EXEC_DONE, rc, err);
		return;
	}
	if (!strcmp(action, "start")) {
		announce_stop(call->ex, call->op.rsc);
		rc = vip_start(&spec, err, sizeof(err));
		if (rc == OCF_SUCCESS && spec.arp_count > 1)
			announce_later(call->ex, call->op.rsc, &spec);
	} else if (!strcmp(action, "stop")) {
		announce_stop(call->ex, call->op.rsc);
		rc = vip_stop(&spec, err, sizeof(err));
	} else if (!strcmp(action, "monitor")) {
		rc = vip_monitor(&spec, err, sizeof(err));
	} else if (!strcmp(action, "validate-all")) {
		rc = OCF_SUCCESS;
	} else {
		snprintf(err, sizeof(err), "vigil:vip has no %s action", action);
		exec_call_finish(call, EXEC_NOT_SUPPORTED, OCF_ERR_UNIMPLEMENTED, err);
		return;
	}
	exec_call_finish(call, EXEC_DONE, rc, err);
}

/* ---- agents and meta-data ---- */

bool exec_agent_exists(const struct executor *ex, const char *cls, const char *provider,
		       const char *type)
{
	enum exec_class c = class_of(cls, type);
	char path[PATH_MAX];
	struct stat st;

	switch (c) {
	case EXEC_CLASS_PROCESS:
	case EXEC_CLASS_VIP:
		return true;
	case EXEC_CLASS_OCF:
	case EXEC_CLASS_STONITH:
		return exec_agent_path(ex, c, provider, type, path, sizeof(path)) &&
		       stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
	case EXEC_CLASS_UNKNOWN:
		break;
	}
	return false;
}

static const char process_metadata[] =
	"<?xml version=\"1.0\"?>\n"
	"<resource-agent name=\"process\" version=\"1.0\">\n"
	"  <version>1.1</version>\n"
	"  <shortdesc lang=\"en\">A long-running command started and watched by vigild</shortdesc>\n"
	"  <longdesc lang=\"en\">vigild starts the command in its own session and holds a pidfd\n"
	"on it: its death is reported at once, without waiting for a monitor interval.</longdesc>\n"
	"  <parameters>\n"
	"    <parameter name=\"command\" required=\"1\">\n"
	"      <shortdesc lang=\"en\">Command line (quoted as in a shell, no expansion)</shortdesc>\n"
	"      <content type=\"string\"/>\n"
	"    </parameter>\n"
	"    <parameter name=\"user\">\n"
	"      <shortdesc lang=\"en\">User to run the command as</shortdesc>\n"
	"      <content type=\"string\"/>\n"
	"    </parameter>\n"
	"    <parameter name=\"cwd\">\n"
	"      <shortdesc lang=\"en\">Working directory</shortdesc>\n"
	"      <content type=\"string\" default=\"/\"/>\n"
	"    </parameter>\n"
	"    <parameter name=\"env\">\n"
	"      <shortdesc lang=\"en\">Environment: NAME=VALUE words</shortdesc>\n"
	"      <content type=\"string\"/>\n"
	"    </parameter>\n"
	"  </parameters>\n"
	"  <actions>\n"
	"    <action name=\"start\" timeout=\"20s\"/>\n"
	"    <action name=\"stop\" timeout=\"20s\"/>\n"
	"    <action name=\"monitor\" timeout=\"20s\" interval=\"10s\"/>\n"
	"    <action name=\"meta-data\" timeout=\"5s\"/>\n"
	"  </actions>\n"
	"</resource-agent>\n";

static const char vip_metadata[] =
	"<?xml version=\"1.0\"?>\n"
	"<resource-agent name=\"vip\" version=\"1.0\">\n"
	"  <version>1.1</version>\n"
	"  <shortdesc lang=\"en\">A virtual IP address</shortdesc>\n"
	"  <longdesc lang=\"en\">An IPv4 or IPv6 address added over netlink and announced\n"
	"with gratuitous ARP or unsolicited neighbour advertisements.</longdesc>\n"
	"  <parameters>\n"
	"    <parameter name=\"ip\" required=\"1\">\n"
	"      <shortdesc lang=\"en\">IPv4 or IPv6 address</shortdesc>\n"
	"      <content type=\"string\"/>\n"
	"    </parameter>\n"
	"    <parameter name=\"cidr_netmask\">\n"
	"      <shortdesc lang=\"en\">Prefix length</shortdesc>\n"
	"      <content type=\"integer\"/>\n"
	"    </parameter>\n"
	"    <parameter name=\"nic\">\n"
	"      <shortdesc lang=\"en\">Interface</shortdesc>\n"
	"      <content type=\"string\"/>\n"
	"    </parameter>\n"
	"    <parameter name=\"label\">\n"
	"      <shortdesc lang=\"en\">IPv4 address label</shortdesc>\n"
	"      <content type=\"string\"/>\n"
	"    </parameter>\n"
	"    <parameter name=\"arp_count\">\n"
	"      <shortdesc lang=\"en\">Announcements sent on start</shortdesc>\n"
	"      <content type=\"integer\" default=\"5\"/>\n"
	"    </parameter>\n"
	"  </parameters>\n"
	"  <actions>\n"
	"    <action name=\"start\" timeout=\"20s\"/>\n"
	"    <action name=\"stop\" timeout=\"20s\"/>\n"
	"    <action name=\"monitor\" timeout=\"20s\" interval=\"10s\"/>\n"
	"    <action name=\"validate-all\" timeout=\"20s\"/>\n"
	"    <action name=\"meta-data\" timeout=\"5s\"/>\n"
	"  </actions>\n"
	"</resource-agent>\n";

const char *exec_builtin_metadata(enum exec_class cls)
{
	return cls == EXEC_CLASS_VIP ? vip_metadata : process_metadata;
}

const char *exec_metadata(struct executor *ex, const char *cls, const char *provider,
			  const char *type)
{
	enum exec_class c = class_of(cls, type);
	struct exec_meta *m;
	char *key, *xml;

	if (c == EXEC_CLASS_PROCESS || c == EXEC_CLASS_VIP)
		return exec_builtin_metadata(c);
	if (c == EXEC_CLASS_UNKNOWN)
		return NULL;
	key = xasprintf("%s:%s:%s", cls, provider ? provider : "", type);
	for (m = ex->meta; m; m = m->next) {
		if (!strcmp(m->key, key)) {
			free(key);
			return m->xml;
		}
	}
	/* Failures are not cached: the agent may be installed later. */
	xml = exec_agent_metadata(ex, c, provider, type, EXEC_METADATA_TIMEOUT_MS);
	if (!xml) {
		free(key);
		return NULL;
	}
	m = xcalloc(1, sizeof(*m));
	m->key = key;
	m->xml = xml;
	m->next = ex->meta;
	ex->meta = m;
	return m->xml;
}

/* An OCF duration as Pacemaker reads it: a number with an optional unit
 * (ms, msec, us, usec, s, sec, m, min, h, hr); no unit means seconds. */
static long long parse_ocf_duration_ms(const char *s)
{
	static const struct { const char *unit; double ms; } units[] = {
		{ "ms", 1 }, { "msec", 1 }, { "us", 0.001 }, { "usec", 0.001 },
		{ "s", 1000 }, { "sec", 1000 }, { "", 1000 }, { "m", 60000 },
		{ "min", 60000 }, { "h", 3600000 }, { "hr", 3600000 },
	};
	char *end;
	double v;

	while (*s == ' ' || *s == '\t')
		s++;
	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno || v < 0 || v > 1e9)
		return 0;
	while (*end == ' ' || *end == '\t')
		end++;
	for (size_t i = 0; i < ARRAY_SIZE(units); i++) {
		size_t n = strlen(units[i].unit);

		if (!strncmp(end, units[i].unit, n) && end[n] == 0) {
			long long ms = (long long)(v * units[i].ms + 0.999);

			return ms;
		}
	}
	return 0;
}

long long exec_default_timeout_ms(struct executor *ex, const char *cls, const char *provider,
				  const char *type, const char *action)
{
	const char *meta = exec_metadata(ex, cls, provider, type);
	struct xml_node *root, *actions, *a;
	long long ms = 0;
	char err[256];

	if (!meta || !action)
		return 0;
	root = xml_parse(meta, strlen(meta), err, sizeof(err));
	if (!root)
		return 0;
	actions = xml_child(root, "actions");
	if (actions) {
		/* The first entry of that name: role- or depth-specific
		 * monitors come after the plain one in agents' meta-data. */
		xml_foreach(a, actions, "action") {
			const char *name = xml_get(a, "name"), *timeout = xml_get(a, "timeout");

			if (name && timeout && !strcmp(name, action)) {
				ms = parse_ocf_duration_ms(timeout);
				break;
			}
		}
	}
	xml_free(root);
	return ms;
}

void executor_free(struct executor *ex)
{
	if (!ex)
		return;
	while (ex->calls) {
		/* Not from a callback (documented): free even that call. */
		ex->calls->in_callback = false;
		call_cancel(ex->calls, false);
	}
	exec_agents_free(ex);
	exec_warm_free(ex);
	exec_procs_free(ex);
	while (ex->announces)
		announce_free(ex, ex->announces);
	while (ex->meta) {
		struct exec_meta *m = ex->meta;

		ex->meta = m->next;
		free(m->key);
		free(m->xml);
		free(m);
	}
	free(ex->node_name);
	free(ex->ocf_root);
	free(ex->helper_dir);
	free(ex->socket_path);
	free(ex->state_dir);
	free(ex->fence_dir);
	free(ex);
}

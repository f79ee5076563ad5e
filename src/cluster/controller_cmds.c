/* controller_cmds: what vigilctl (and the agents' helper commands) ask of
 * vigild. Each command checks its arguments, changes the configuration or
 * the status as one step (a new configuration version, durably written,
 * or nothing at all), and asks for a new decision. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cluster/cib_record.h"
#include "cluster/controller_int.h"
#include "cluster/crm_parse.h"
#include "cluster/sched_int.h"
#include "cluster/sched_output.h"
#include "lib/util.h"

enum { RC_OK = 0, RC_ERROR = 1, RC_USAGE = 2, RC_NOSUCH = 5 };

struct cmd_ctx {
	struct controller *ctl;
	struct ctl_conn *conn;
	int argc;
	char **argv;
	struct strbuf *out, *err;
};

static int usage(struct cmd_ctx *x, const char *text)
{
	sb_appendf(x->err, "usage: %s\n", text);
	return RC_USAGE;
}

static int fail(struct cmd_ctx *x, int rc, const char *msg)
{
	sb_appendf(x->err, "%s\n", msg);
	return rc;
}

/* Propose a changed copy of the configuration to the cluster (frees it).
 * It is checked here first (syntax, rules, agents installed on this
 * node); the answer comes when the change is delivered, with what the
 * command wrote to out so far. */
static int commit(struct cmd_ctx *x, struct crm_conf *conf, const char *origin)
{
	char err[2048], *text;
	struct xml_node *cib;
	int rc;

	/* Only a quorate partition (there is at most one) accepts changes, so
	 * two partitions never accept different versions with one number,
	 * and no accepted change is lost when they merge. */
	if (!x->ctl->quorate) {
		crm_conf_free(conf);
		sb_reset(x->out);
		return fail(x, RC_ERROR, "this partition has no quorum: configuration changes are "
			    "refused until it has");
	}
	cib = ctl_config_check(x->ctl, conf, origin, true, err, sizeof(err));
	if (!cib) {
		crm_conf_free(conf);
		sb_reset(x->out);
		return fail(x, RC_ERROR, err);
	}
	xml_free(cib);
	text = crm_conf_render(conf);
	crm_conf_free(conf);
	rc = msg_propose_config(x->ctl, x->conn, origin, text, sb_str(x->out));
	free(text);
	return rc;
}

static bool is_node(struct controller *ctl, const char *node)
{
	if (!strcmp(node, ctl->node) || crm_conf_has(ctl->conf, node) ||
	    cib_node_state(ctl->status, node, false))
		return true;
	for (int i = 0; i < ctl->ncnodes; i++)
		if (!strcmp(ctl->cnodes[i].name, node))
			return true;
	return false;
}

static int check_node(struct cmd_ctx *x, const char *node)
{
	char msg[256];

	if (is_node(x->ctl, node))
		return 0;
	snprintf(msg, sizeof(msg), "no such node: %s", node);
	return fail(x, RC_NOSUCH, msg);
}

/* ---------------------------------------------------------------- */
/* status */

static const char *op_status_name(int s)
{
	static const char *const names[] = { "complete", "Cancelled", "Timed Out",
					     "NOT SUPPORTED", "Error" };

	return s >= 0 && s < 5 ? names[s] : "pending";
}

static void json_str(struct strbuf *sb, const char *s)
{
	sb_putc(sb, '"');
	for (; s && *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			sb_appendf(sb, "\\%c", ch);
		else if (ch < 0x20)
			sb_appendf(sb, "\\u%04x", ch);
		else
			sb_putc(sb, (char)ch);
	}
	sb_putc(sb, '"');
}

static void fmt_time(long long t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	strftime(buf, len, "%Y-%m-%d %H:%M:%S", localtime_r(&tt, &tm));
}

/* Failed actions: every RSC_last_failure_0 entry. */
static void failed_actions(struct cmd_ctx *x, bool json)
{
	struct xml_node *st, *lr, *op;
	bool any = false;

	xml_foreach(st, x->ctl->status, "node_state") {
		struct xml_node *lrs = xml_child(xml_child(st, "lrm"), "lrm_resources");

		xml_foreach(lr, lrs, "lrm_resource")
			xml_foreach(op, lr, "lrm_rsc_op") {
				const char *id = xml_get(op, "id");
				const char *reason = xml_get(op, "exit-reason");
				long long when = atoll(xml_get(op, "last-rc-change") ? : "0");
				int rc = atoi(xml_get(op, "rc-code") ? : "0");
				int status = atoi(xml_get(op, "op-status") ? : "0");
				char date[64];

				if (!id || !str_ends_with(id, "_last_failure_0"))
					continue;
				fmt_time(when, date, sizeof(date));
				if (json) {
					sb_puts(x->out, any ? ",{" : "{");
					sb_puts(x->out, "\"resource\":");
					json_str(x->out, xml_get(lr, "id"));
					sb_puts(x->out, ",\"node\":");
					json_str(x->out, xml_get(st, "uname"));
					sb_puts(x->out, ",\"operation\":");
					json_str(x->out, xml_get(op, "operation"));
					sb_appendf(x->out, ",\"interval_ms\":%s,\"rc\":%d,\"status\":",
						   xml_get(op, "interval") ? : "0", rc);
					json_str(x->out, op_status_name(status));
					sb_puts(x->out, ",\"reason\":");
					json_str(x->out, reason ? reason : "");
					sb_appendf(x->out, ",\"last_rc_change\":%lld}", when);
				} else {
					if (!any)
						sb_puts(x->out, "\nFailed Resource Actions:\n");
					sb_appendf(x->out,
						   "  * %s_%s_%s on %s '%s' (%d): call=%s, status='%s', "
						   "exitreason='%s', last-rc-change='%s', exec=%sms\n",
						   xml_get(lr, "id"), xml_get(op, "operation"),
						   xml_get(op, "interval") ? : "0", xml_get(st, "uname"),
						   exec_rc_name(rc),
						   rc, xml_get(op, "call-id") ? : "?", op_status_name(status),
						   reason ? reason : "", date, xml_get(op, "exec-time") ? : "0");
				}
				any = true;
			}
	}
}

/* Fail counts: transient fail-count-* attributes, summed per resource. */
static void fail_counts(struct cmd_ctx *x, bool json)
{
	struct xml_node *st, *nv;
	bool any = false;

	xml_foreach(st, x->ctl->status, "node_state") {
		struct xml_node *ia = xml_child(xml_child(st, "transient_attributes"),
						"instance_attributes");

		xml_foreach(nv, ia, "nvpair") {
			const char *name = xml_get(nv, "name"), *value = xml_get(nv, "value");

			if (!name || strncmp(name, "fail-count-", 11))
				continue;
			if (json) {
				sb_puts(x->out, any ? ",{" : "{");
				sb_puts(x->out, "\"node\":");
				json_str(x->out, xml_get(st, "uname"));
				sb_puts(x->out, ",\"attribute\":");
				json_str(x->out, name);
				sb_puts(x->out, ",\"count\":");
				json_str(x->out, value);
				sb_putc(x->out, '}');
			} else {
				if (!any)
					sb_puts(x->out, "\nMigration Summary:\n");
				sb_appendf(x->out, "  * Node %s: %s=%s\n", xml_get(st, "uname"), name + 11,
					   value);
			}
			any = true;
		}
	}
}

/* The operation in flight for a resource's history id, or NULL. */
static const char *pending_op(struct xml_node *status, const char *hid)
{
	struct xml_node *st, *lr, *op;

	xml_foreach(st, status, "node_state") {
		struct xml_node *lrs = xml_child(xml_child(st, "lrm"), "lrm_resources");

		xml_foreach(lr, lrs, "lrm_resource") {
			if (strcmp(xml_get(lr, "id"), hid))
				continue;
			xml_foreach(op, lr, "lrm_rsc_op")
				if (xml_get(op, "op-status") && !strcmp(xml_get(op, "op-status"), "-1"))
					return xml_get(op, "operation");
		}
	}
	return NULL;
}

/* Nodes whose fencing failed, and why: their resources wait. */
static void failed_fencing(struct cmd_ctx *x)
{
	struct xml_node *st;
	bool any = false;

	xml_foreach(st, x->ctl->status, "node_state") {
		const char *why = xml_get(st, "vigil-fence-failed");

		if (!why)
			continue;
		if (!any)
			sb_puts(x->out, "\nFailed Fencing Actions:\n");
		sb_appendf(x->out, "  * fencing of %s failed (%s): its resources are not recovered "
			   "until it is fenced or comes back\n", xml_get(st, "uname"), why);
		any = true;
	}
}

static void json_rsc(struct strbuf *sb, struct xml_node *status, const struct sched_rsc *r,
		     bool *first)
{
	const char *pending;

	if (r->variant != VARIANT_PRIMITIVE) {
		for (int i = 0; i < r->nchildren; i++)
			json_rsc(sb, status, r->children[i], first);
		return;
	}
	sb_puts(sb, *first ? "{" : ",{");
	*first = false;
	sb_puts(sb, "\"id\":");
	json_str(sb, r->id);
	sb_appendf(sb, ",\"agent\":\"%s%s%s:%s\",\"role\":", r->cls, r->provider ? ":" : "",
		   r->provider ? r->provider : "", r->type);
	json_str(sb, sched_role_name(r->role));
	sb_puts(sb, ",\"parent\":");
	json_str(sb, r->parent ? sched_rsc_top((struct sched_rsc *)r)->id : "");
	sb_appendf(sb, ",\"managed\":%s,\"failed\":%s,\"pending\":", r->managed ? "true" : "false",
		   r->failed ? "true" : "false");
	pending = pending_op(status, ctl_history_id(r));
	if (pending)
		json_str(sb, pending);
	else
		sb_puts(sb, "null");
	sb_puts(sb, ",\"nodes\":[");
	for (int i = 0; i < r->nrunning; i++) {
		if (i)
			sb_putc(sb, ',');
		json_str(sb, r->running_on[i]->uname);
	}
	sb_puts(sb, "]}");
}

static int cmd_status(struct cmd_ctx *x)
{
	bool json = x->argc == 2 && !strcmp(x->argv[1], "--json");
	struct sched_cluster *c;
	char err[1024], date[64];

	if (x->argc > 2 || (x->argc == 2 && !json))
		return usage(x, "status [--json]");
	c = ctl_unpack(x->ctl, err, sizeof(err));
	if (!c)
		return fail(x, RC_ERROR, err);
	fmt_time((long long)time(NULL), date, sizeof(date));
	if (json) {
		bool first = true;

		sb_puts(x->out, "{\"node\":");
		json_str(x->out, x->ctl->node);
		sb_puts(x->out, ",\"dc\":");
		json_str(x->out, x->ctl->dc ? x->ctl->dc : "");
		sb_appendf(x->out, ",\"quorate\":%s", x->ctl->quorate ? "true" : "false");
		sb_appendf(x->out, ",\"config_version\":%lld,\"transition\":%s,\"nodes\":[",
			   x->ctl->conf_version, x->ctl->tr ? "\"running\"" : "\"idle\"");
		for (int i = 0; i < c->nnodes; i++) {
			const struct sched_node *n = c->nodes[i];

			sb_puts(x->out, i ? ",{" : "{");
			sb_puts(x->out, "\"name\":");
			json_str(x->out, n->uname);
			struct xml_node *st = cib_node_state(x->ctl->status, n->uname, false);
			const char *why = st ? xml_get(st, "vigil-fence-failed") : NULL;

			sb_appendf(x->out, ",\"online\":%s,\"unclean\":%s,\"standby\":%s,"
				   "\"maintenance\":%s,\"fence_failed\":",
				   n->online ? "true" : "false", n->unclean ? "true" : "false",
				   n->standby ? "true" : "false", n->maintenance ? "true" : "false");
			if (why)
				json_str(x->out, why);
			else
				sb_puts(x->out, "null");
			sb_putc(x->out, '}');
		}
		sb_puts(x->out, "],\"resources\":[");
		for (int i = 0; i < c->nrscs; i++)
			json_rsc(x->out, x->ctl->status, c->rscs[i], &first);
		sb_puts(x->out, "],\"failed_actions\":[");
		failed_actions(x, true);
		sb_puts(x->out, "],\"fail_counts\":[");
		fail_counts(x, true);
		sb_puts(x->out, "]}\n");
	} else {
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);

		sched_print_status(c, f, false);
		fclose(f);
		sb_appendf(x->out, "Cluster Summary:\n  * Current DC: %s%s\n"
			   "  * Last updated: %s\n  * Configuration version: %lld\n"
			   "  * Transition: %s\n  * %d node%s configured\n\n",
			   x->ctl->dc ? x->ctl->dc : "NONE",
			   x->ctl->quorate ? " (partition with quorum)" : " (partition WITHOUT quorum)", date,
			   x->ctl->conf_version, x->ctl->tr ? "running" : "idle", c->nnodes,
			   c->nnodes == 1 ? "" : "s");
		sb_puts(x->out, buf);
		free(buf);
		failed_actions(x, false);
		fail_counts(x, false);
		failed_fencing(x);
	}
	sched_cluster_free(c);
	return RC_OK;
}

/* ---------------------------------------------------------------- */
/* configure */

static int cmd_configure(struct cmd_ctx *x)
{
	const char *sub = x->argc > 1 ? x->argv[1] : "";
	char err[2048];

	if (!strcmp(sub, "show")) {
		long long v;
		char *text;

		if (x->argc == 2) {
			text = crm_conf_render(x->ctl->conf);
			sb_puts(x->out, text);
			free(text);
			return RC_OK;
		}
		if (x->argc != 4 || strcmp(x->argv[2], "--version") ||
		    parse_int(x->argv[3], 1, 1LL << 60, &v))
			return usage(x, "configure show [--version N]");
		text = ctl_config_version_text(x->ctl, v);
		if (!text)
			return fail(x, RC_NOSUCH, "no such configuration version (see 'configure history')");
		sb_puts(x->out, text);
		free(text);
		return RC_OK;
	}
	if (!strcmp(sub, "history")) {
		if (x->argc != 2)
			return usage(x, "configure history");
		ctl_config_versions(x->ctl, x->out);
		return RC_OK;
	}
	if (!strcmp(sub, "verify")) {
		struct crm_conf *conf;
		struct xml_node *cib;

		if (x->argc != 4)
			return usage(x, "configure verify FILE");
		conf = crm_conf_parse(x->argv[2], x->argv[3], strlen(x->argv[3]), err, sizeof(err));
		cib = conf ? ctl_config_check(x->ctl, conf, x->argv[2], true, err, sizeof(err)) : NULL;
		crm_conf_free(conf);
		if (!cib)
			return fail(x, RC_ERROR, err);
		xml_free(cib);
		sb_appendf(x->out, "%s: configuration is valid\n", x->argv[2]);
		return RC_OK;
	}
	if (!strcmp(sub, "load")) {
		struct crm_conf *conf;
		char *origin;
		int rc;
		bool update;

		if (x->argc != 5 || (strcmp(x->argv[2], "update") && strcmp(x->argv[2], "replace")))
			return usage(x, "configure load update|replace FILE");
		update = !strcmp(x->argv[2], "update");
		conf = crm_conf_parse(x->argv[3], x->argv[4], strlen(x->argv[4]), err, sizeof(err));
		if (!conf)
			return fail(x, RC_ERROR, err);
		if (update) {
			struct crm_conf *merged = crm_conf_dup(x->ctl->conf);

			crm_conf_merge(merged, conf);
			crm_conf_free(conf);
			conf = merged;
		}
		/* Errors must name the user's file; check it under that name. */
		{
			struct xml_node *cib = ctl_config_check(x->ctl, conf, x->argv[3], true, err,
								sizeof(err));

			if (!cib) {
				crm_conf_free(conf);
				return fail(x, RC_ERROR, err);
			}
			xml_free(cib);
		}
		origin = xasprintf("configure load %s %s", x->argv[2], x->argv[3]);
		rc = commit(x, conf, origin);
		free(origin);
		return rc;
	}
	return usage(x, "configure show|history|verify|load ...");
}

/* ---------------------------------------------------------------- */
/* resource */

/* Resource ids named by the user may be clone instances ("rsc:1"). */
static char *base_id(const char *id)
{
	const char *colon = strrchr(id, ':');

	return colon ? xstrndup(id, (size_t)(colon - id)) : xstrdup(id);
}

static const struct sched_rsc *find_rsc(const struct sched_cluster *c, const char *id)
{
	const struct sched_rsc *r = sched_rsc_find(c, id);

	if (r)
		return r;
	for (int i = 0; i < c->nall; i++)
		if (c->all[i]->clone_base && !strcmp(c->all[i]->clone_base, id))
			return c->all[i];
	return NULL;
}

static void collect_primitives(const struct sched_rsc *r, const char **ids, int *n, int max)
{
	if (r->variant == VARIANT_PRIMITIVE) {
		const char *hid = ctl_history_id(r);

		for (int i = 0; i < *n; i++)
			if (!strcmp(ids[i], hid))
				return;
		if (*n < max)
			ids[(*n)++] = hid;
		return;
	}
	for (int i = 0; i < r->nchildren; i++)
		collect_primitives(r->children[i], ids, n, max);
}

static void running_nodes(const struct sched_rsc *r, struct strbuf *names, int *count)
{
	if (r->variant != VARIANT_PRIMITIVE) {
		for (int i = 0; i < r->nchildren; i++)
			running_nodes(r->children[i], names, count);
		return;
	}
	for (int i = 0; i < r->nrunning; i++) {
		if (strstr(sb_str(names), r->running_on[i]->uname))
			continue;
		sb_appendf(names, "%s%s", *count ? " " : "", r->running_on[i]->uname);
		(*count)++;
	}
}

static int cmd_resource(struct cmd_ctx *x)
{
	static const char *const use =
		"resource start|stop|restart|cleanup|failcount|locate|move|ban|clear RSC [NODE]";
	const char *verb = x->argc > 1 ? x->argv[1] : "";
	struct controller *ctl = x->ctl;
	struct sched_cluster *c;
	const struct sched_rsc *r;
	char err[1024], msg[512];
	char *id, *origin;
	const char *node = x->argc == 4 ? x->argv[3] : NULL;
	int rc = RC_OK;

	if (x->argc < 3 || x->argc > 4)
		return usage(x, use);
	if (node && check_node(x, node))
		return RC_NOSUCH;
	c = ctl_unpack(ctl, err, sizeof(err));
	if (!c)
		return fail(x, RC_ERROR, err);
	id = base_id(x->argv[2]);
	r = find_rsc(c, x->argv[2]);
	if (!r)
		r = find_rsc(c, id);
	if (!r) {
		snprintf(msg, sizeof(msg), "no such resource: %s", x->argv[2]);
		rc = fail(x, RC_NOSUCH, msg);
		goto out;
	}
	origin = xasprintf("resource %s %s%s%s", verb, x->argv[2], node ? " " : "", node ? node : "");
	if (!strcmp(verb, "start") || !strcmp(verb, "stop")) {
		struct crm_conf *conf = crm_conf_dup(ctl->conf);

		if (x->argc != 3) {
			crm_conf_free(conf);
			rc = usage(x, "resource start|stop RSC");
		} else if (crm_conf_rsc_meta(conf, id, "target-role",
					     !strcmp(verb, "stop") ? "Stopped" : NULL) < 0) {
			crm_conf_free(conf);
			rc = fail(x, RC_NOSUCH, "not a configured resource (use its id)");
		} else {
			rc = commit(x, conf, origin);
		}
	} else if (!strcmp(verb, "restart")) {
		struct crm_conf *conf = crm_conf_dup(ctl->conf);
		const char *old = crm_conf_rsc_meta_get(ctl->conf, id, "target-role");

		/* As crm_resource --restart: stopped, then its target role
		 * restored once nothing of it runs (see ctl_restarts_check). */
		if (x->argc != 3 || crm_conf_rsc_meta(conf, id, "target-role", "Stopped") < 0) {
			crm_conf_free(conf);
			rc = x->argc != 3 ? usage(x, "resource restart RSC") :
			     fail(x, RC_NOSUCH, "not a configured resource (use its id)");
		} else {
			ctl_restart_add(ctl, id, old);
			sb_appendf(x->out, "restarting %s\n", x->argv[2]);
			rc = commit(x, conf, origin);
		}
	} else if (!strcmp(verb, "cleanup")) {
		const char *ids[256];
		int n = 0;

		char *done = xasprintf("Cleaned up %s on %s\n", x->argv[2], node ? node : "all nodes");

		collect_primitives(r, ids, &n, 256);
		rc = msg_send_forget(ctl, x->conn, node, ids, n, done);
		free(done);
	} else if (!strcmp(verb, "failcount")) {
		struct sched_node *n = sched_node_find(c, node ? node : ctl->node);
		int count = n ? cib_fail_count(c, (struct sched_rsc *)r, n) : 0;
		char buf[32];

		sb_appendf(x->out, "scope=status  name=fail-count-%s value=%s\n", id,
			   sched_score_str(count, buf, sizeof(buf)));
	} else if (!strcmp(verb, "locate")) {
		struct strbuf names = STRBUF_INIT;
		int count = 0;

		running_nodes(r, &names, &count);
		if (!count)
			sb_appendf(x->out, "resource %s is NOT running\n", x->argv[2]);
		else
			sb_appendf(x->out, "resource %s is running on: %s\n", x->argv[2], sb_str(&names));
		sb_free(&names);
	} else if (!strcmp(verb, "move") || !strcmp(verb, "ban")) {
		struct crm_conf *conf = crm_conf_dup(ctl->conf);
		char *cid;
		const char *argv[8];
		bool ban = !strcmp(verb, "ban") || !node;
		struct strbuf names = STRBUF_INIT;
		int count = 0;

		if (!node) {
			running_nodes(r, &names, &count);
			if (count != 1) {
				crm_conf_free(conf);
				sb_free(&names);
				rc = fail(x, RC_ERROR, count ? "resource runs on several nodes: name one" :
					  "resource is not running: name a node");
				free(origin);
				goto out;
			}
			node = sb_str(&names);
		}
		cid = ban ? xasprintf("cli-ban-%s-on-%s", id, node) : xasprintf("cli-prefer-%s", id);
		argv[0] = "location";
		argv[1] = cid;
		argv[2] = id;
		argv[3] = ban ? "-inf:" : "inf:";
		argv[4] = node;
		argv[5] = NULL;
		crm_conf_put(conf, argv);
		sb_appendf(x->out, "%s: location constraint %s added\n", x->argv[2], cid);
		rc = commit(x, conf, origin);
		free(cid);
		sb_free(&names);
	} else if (!strcmp(verb, "clear")) {
		struct crm_conf *conf = crm_conf_dup(ctl->conf);
		const char **ids;
		char *prefer = xasprintf("cli-prefer-%s", id), *ban = xasprintf("cli-ban-%s-on-", id);
		int n = crm_conf_ids(conf, "location", &ids), removed = 0;
		char **gone = xcalloc(n + 1, sizeof(char *));

		for (int i = 0; i < n; i++)
			if (!strcmp(ids[i], prefer) || str_starts_with(ids[i], ban))
				gone[removed++] = xstrdup(ids[i]);
		free(ids);
		for (int i = 0; i < removed; i++) {
			crm_conf_remove(conf, "location", gone[i]);
			free(gone[i]);
		}
		free(gone);
		free(prefer);
		free(ban);
		if (!removed) {
			crm_conf_free(conf);
			sb_appendf(x->out, "%s: no constraints to clear\n", x->argv[2]);
		} else {
			sb_appendf(x->out, "%s: %d constraint%s removed\n", x->argv[2], removed,
				   removed == 1 ? "" : "s");
			rc = commit(x, conf, origin);
		}
	} else {
		rc = usage(x, use);
	}
	free(origin);
out:
	free(id);
	sched_cluster_free(c);
	return rc;
}

/* ---------------------------------------------------------------- */
/* node and attributes */

static int set_node_config_attr(struct cmd_ctx *x, const char *node, const char *name,
				const char *value, const char *origin)
{
	struct crm_conf *conf = crm_conf_dup(x->ctl->conf);

	crm_conf_node_attr(conf, node, name, value);
	return commit(x, conf, origin);
}

static int cmd_node(struct cmd_ctx *x)
{
	const char *verb = x->argc > 1 ? x->argv[1] : "";
	struct controller *ctl = x->ctl;
	char *origin;
	int rc;

	if (!strcmp(verb, "name") && x->argc == 2) {
		sb_appendf(x->out, "%s\n", ctl->node);
		return RC_OK;
	}
	if (!strcmp(verb, "list") && x->argc == 2) {
		for (int i = 0; i < ctl->ncnodes; i++) {
			bool member = false;

			for (int k = 0; k < ctl->nmembers; k++)
				member |= ctl->members[k].id == ctl->cnodes[i].id;
			sb_appendf(x->out, "%u %s %s\n", ctl->cnodes[i].id, ctl->cnodes[i].name,
				   member ? "member" : "lost");
		}
		return RC_OK;
	}
	if (!strcmp(verb, "attribute")) {
		bool del = x->argc == 5 && !strcmp(x->argv[4], "--delete");

		if (x->argc < 4 || x->argc > 5)
			return usage(x, "node attribute NODE NAME [VALUE | --delete]");
		if (check_node(x, x->argv[2]))
			return RC_NOSUCH;
		if (x->argc == 4) {
			const char *v = crm_conf_node_attr_get(ctl->conf, x->argv[2], x->argv[3]);

			if (!v)
				return fail(x, RC_NOSUCH, "no such attribute");
			sb_appendf(x->out, "%s\n", v);
			return RC_OK;
		}
		origin = xasprintf("node attribute %s %s", x->argv[2], x->argv[3]);
		rc = set_node_config_attr(x, x->argv[2], x->argv[3], del ? NULL : x->argv[4], origin);
		free(origin);
		return rc;
	}
	if (!strcmp(verb, "standby") || !strcmp(verb, "online") || !strcmp(verb, "maintenance") ||
	    !strcmp(verb, "ready")) {
		const char *node = x->argc == 3 ? x->argv[2] : ctl->node;
		const char *name = !strcmp(verb, "standby") || !strcmp(verb, "online") ? "standby" :
				   "maintenance";
		const char *value = !strcmp(verb, "standby") || !strcmp(verb, "maintenance") ? "on" :
				    "off";

		if (x->argc > 3)
			return usage(x, "node standby|online|maintenance|ready [NODE]");
		if (check_node(x, node))
			return RC_NOSUCH;
		origin = xasprintf("node %s %s", verb, node);
		sb_appendf(x->out, "node %s: %s=%s\n", node, name, value);
		rc = set_node_config_attr(x, node, name, value, origin);
		free(origin);
		return rc;
	}
	return usage(x, "node standby|online|maintenance|ready [NODE] | attribute NODE NAME [VALUE] | list | name");
}

/* The agents' helpers: attribute update|query|delete NODE NAME LIFETIME */
static int cmd_attribute(struct cmd_ctx *x)
{
	const char *verb = x->argc > 1 ? x->argv[1] : "";
	bool update = !strcmp(verb, "update");
	int want = update ? 6 : 5;
	const char *node, *name, *lifetime;
	struct controller *ctl = x->ctl;

	if (x->argc != want || (!update && strcmp(verb, "query") && strcmp(verb, "delete")))
		return usage(x, "attribute update NODE NAME VALUE LIFETIME | query|delete NODE NAME LIFETIME");
	node = x->argv[2];
	name = x->argv[3];
	lifetime = x->argv[want - 1];
	if (strcmp(lifetime, "reboot") && strcmp(lifetime, "forever"))
		return usage(x, "LIFETIME is reboot or forever");
	if (check_node(x, node))
		return RC_NOSUCH;
	if (!strcmp(lifetime, "forever")) {
		const char *v;
		char *origin;
		int rc;

		if (!strcmp(verb, "query")) {
			v = crm_conf_node_attr_get(ctl->conf, node, name);
			if (!v)
				return fail(x, RC_NOSUCH, "No such device or address");
			sb_appendf(x->out, "%s\n", v);
			return RC_OK;
		}
		v = crm_conf_node_attr_get(ctl->conf, node, name);
		if (update ? v && !strcmp(v, x->argv[4]) : !v)
			return RC_OK;  /* no change, no new version */
		origin = xasprintf("attribute %s %s %s", verb, node, name);
		rc = set_node_config_attr(x, node, name, update ? x->argv[4] : NULL, origin);
		free(origin);
		return rc;
	} else {
		struct xml_node *st = ctl_node_state(ctl, node);
		const char *v = cib_node_attr_get(st, name);

		if (!strcmp(verb, "query")) {
			if (!v)
				return fail(x, RC_NOSUCH, "No such device or address");
			sb_appendf(x->out, "%s\n", v);
			return RC_OK;
		}
		if (update ? v && !strcmp(v, x->argv[4]) : !v)
			return RC_OK;
		return msg_send_attr(ctl, x->conn, node, name, update ? x->argv[4] : NULL);
	}
}

/* ---------------------------------------------------------------- */
/* history, cib */

static int cmd_history(struct cmd_ctx *x)
{
	bool json = false;
	long long want = 10;
	int n, first;

	for (int i = 1; i < x->argc; i++) {
		if (!strcmp(x->argv[i], "--json"))
			json = true;
		else if (parse_int(x->argv[i], 1, HISTORY_KEPT, &want))
			return usage(x, "history [--json] [N]");
	}
	n = MIN(x->ctl->nhistory, HISTORY_KEPT);
	n = MIN(n, (int)want);
	first = x->ctl->nhistory - n;
	if (json)
		sb_putc(x->out, '[');
	for (int k = 0; k < n; k++) {
		const struct history_entry *h = &x->ctl->history[(first + k) % HISTORY_KEPT];
		char date[64];

		fmt_time(h->when, date, sizeof(date));
		if (json) {
			sb_appendf(x->out, "%s{\"transition\":%d,\"time\":%lld,\"reason\":", k ? "," : "",
				   h->transition, h->when);
			json_str(x->out, h->reason);
			sb_puts(x->out, ",\"result\":");
			json_str(x->out, h->result);
			sb_puts(x->out, ",\"actions\":");
			json_str(x->out, h->summary);
			sb_putc(x->out, '}');
		} else {
			sb_appendf(x->out, "Transition %d at %s: %s (%s)\n", h->transition, date, h->reason,
				   h->result);
			for (const char *p = h->summary; *p;) {
				const char *nl = strchr(p, '\n');
				size_t len = nl ? (size_t)(nl - p) : strlen(p);

				sb_appendf(x->out, "    %.*s\n", (int)len, p);
				p += len + (nl ? 1 : 0);
			}
		}
	}
	if (json)
		sb_puts(x->out, "]\n");
	else if (!n)
		sb_puts(x->out, "No transitions yet\n");
	return RC_OK;
}

static int cmd_cib(struct cmd_ctx *x)
{
	struct sched_cluster *c;
	char err[1024], *text;

	if (x->argc != 1)
		return usage(x, "cib");
	/* Unpacking fills in what the scheduler sees (quorum, DC, nodes). */
	c = ctl_unpack(x->ctl, err, sizeof(err));
	if (!c)
		return fail(x, RC_ERROR, err);
	sched_cluster_free(c);
	text = xml_to_string(x->ctl->cib);
	sb_puts(x->out, text);
	free(text);
	return RC_OK;
}

int controller_command(struct controller *ctl, struct ctl_conn *conn, int argc, char **argv,
		       struct strbuf *out, struct strbuf *err)
{
	static const struct {
		const char *name;
		int (*run)(struct cmd_ctx *x);
	} cmds[] = {
		{ "status", cmd_status },
		{ "configure", cmd_configure },
		{ "resource", cmd_resource },
		{ "node", cmd_node },
		{ "attribute", cmd_attribute },
		{ "history", cmd_history },
		{ "cib", cmd_cib },
	};
	struct cmd_ctx x = { ctl, conn, argc, argv, out, err };

	if (argc < 1)
		return usage(&x, "COMMAND ...");
	for (size_t i = 0; i < ARRAY_SIZE(cmds); i++)
		if (!strcmp(argv[0], cmds[i].name))
			return cmds[i].run(&x);
	sb_appendf(err, "unknown command '%s'\n", argv[0]);
	return RC_USAGE;
}

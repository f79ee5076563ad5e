/* cib_record: Pacemaker's status layout, written. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/cib_record.h"
#include "cluster/sched.h"
#include "lib/util.h"

struct xml_node *cib_node_state(struct xml_node *status, const char *node, bool create)
{
	struct xml_node *st;

	xml_foreach(st, status, "node_state")
		if (xml_get(st, "uname") && !strcmp(xml_get(st, "uname"), node))
			return st;
	if (!create)
		return NULL;
	st = xml_new(status, "node_state");
	xml_set(st, "id", node);
	xml_set(st, "uname", node);
	cib_node_set_member(st, true, false);
	return st;
}

void cib_node_set_member(struct xml_node *st, bool member, bool expected_down)
{
	xml_set(st, "in_ccm", member ? "true" : "false");
	xml_set(st, "crmd", member ? "online" : "offline");
	xml_set(st, "join", member ? "member" : "down");
	xml_set(st, "expected", expected_down ? "down" : "member");
}

static struct xml_node *attr_set(struct xml_node *st, bool create)
{
	struct xml_node *ta = xml_child(st, "transient_attributes"), *ia;
	char *id;

	if (!ta) {
		if (!create)
			return NULL;
		ta = xml_new(st, "transient_attributes");
		xml_set(ta, "id", xml_get(st, "id"));
	}
	ia = xml_child(ta, "instance_attributes");
	if (!ia && create) {
		ia = xml_new(ta, "instance_attributes");
		id = xasprintf("status-%s", xml_get(st, "id"));
		xml_set(ia, "id", id);
		free(id);
	}
	return ia;
}

void cib_node_attr_set(struct xml_node *st, const char *name, const char *value)
{
	struct xml_node *ia = attr_set(st, value != NULL), *nv;
	char *id;

	if (!ia)
		return;
	xml_foreach(nv, ia, "nvpair")
		if (xml_get(nv, "name") && !strcmp(xml_get(nv, "name"), name)) {
			if (value)
				xml_set(nv, "value", value);
			else
				xml_remove(nv);
			return;
		}
	if (!value)
		return;
	nv = xml_new(ia, "nvpair");
	id = xasprintf("status-%s-%s", xml_get(st, "id"), name);
	xml_set(nv, "id", id);
	xml_set(nv, "name", name);
	xml_set(nv, "value", value);
	free(id);
}

const char *cib_node_attr_get(const struct xml_node *st, const char *name)
{
	struct xml_node *ia = attr_set((struct xml_node *)st, false), *nv;

	xml_foreach(nv, ia, "nvpair")
		if (xml_get(nv, "name") && !strcmp(xml_get(nv, "name"), name))
			return xml_get(nv, "value");
	return NULL;
}

static struct xml_node *lrm_resources(struct xml_node *st, bool create)
{
	struct xml_node *lrm = xml_child(st, "lrm"), *lrs;

	if (!lrm) {
		if (!create)
			return NULL;
		lrm = xml_new(st, "lrm");
		xml_set(lrm, "id", xml_get(st, "id"));
	}
	lrs = xml_child(lrm, "lrm_resources");
	if (!lrs && create)
		lrs = xml_new(lrm, "lrm_resources");
	return lrs;
}

static struct xml_node *lrm_resource(struct xml_node *st, const char *rsc, bool create)
{
	struct xml_node *lrs = lrm_resources(st, create), *lr;

	xml_foreach(lr, lrs, "lrm_resource")
		if (xml_get(lr, "id") && !strcmp(xml_get(lr, "id"), rsc))
			return lr;
	if (!create)
		return NULL;
	lr = xml_new(lrs, "lrm_resource");
	xml_set(lr, "id", rsc);
	return lr;
}

static struct xml_node *op_entry(struct xml_node *lr, const char *id)
{
	struct xml_node *op;

	xml_foreach(op, lr, "lrm_rsc_op")
		if (xml_get(op, "id") && !strcmp(xml_get(op, "id"), id))
			return op;
	op = xml_new(lr, "lrm_rsc_op");
	xml_set(op, "id", id);
	return op;
}

static void set_num(struct xml_node *x, const char *name, long long v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lld", v);
	xml_set(x, name, buf);
}

static void fill_op(struct xml_node *op, const struct cib_op_result *r)
{
	char key[96];

	xml_set(op, "operation", r->task);
	set_num(op, "interval", r->interval_ms);
	set_num(op, "call-id", r->call_id);
	set_num(op, "rc-code", r->rc);
	set_num(op, "op-status", r->op_status);
	snprintf(key, sizeof(key), "0:0:%d:00000000-0000-0000-0000-000000000000", r->target_rc);
	xml_set(op, "transition-key", key);
	set_num(op, "last-rc-change", r->when);
	set_num(op, "last-run", r->when);
	set_num(op, "exec-time", r->exec_ms);
	if (r->reason && *r->reason)
		xml_set(op, "exit-reason", r->reason);
	if (r->digest)
		xml_set(op, "vigil-digest", r->digest);
}

static bool op_failed(const struct cib_op_result *r)
{
	if (r->op_status < 0)
		return false;
	if (r->op_status != 0)
		return true;
	/* A probe finding the resource stopped or running is information. */
	if (!strcmp(r->task, "monitor") && r->interval_ms == 0 &&
	    (r->rc == 0 || r->rc == 7 || r->rc == 8))
		return false;
	return r->rc != r->target_rc;
}

void cib_record_op(struct xml_node *st, const struct cib_op_result *r)
{
	struct xml_node *lr = lrm_resource(st, r->rsc, true), *op;
	char *id;

	if (r->cls)
		xml_set(lr, "class", r->cls);
	if (r->provider)
		xml_set(lr, "provider", r->provider);
	if (r->type)
		xml_set(lr, "type", r->type);
	if (r->interval_ms > 0)
		id = xasprintf("%s_%s_%lld", r->rsc, r->task, r->interval_ms);
	else
		id = xasprintf("%s_last_0", r->rsc);
	fill_op(op_entry(lr, id), r);
	free(id);
	if (op_failed(r)) {
		id = xasprintf("%s_last_failure_0", r->rsc);
		fill_op(op_entry(lr, id), r);
		free(id);
	}
	/* Stopped: its recurring monitors are no longer running. */
	if (!strcmp(r->task, "stop") && r->op_status == 0 && r->rc == 0) {
		struct xml_node *next;

		for (op = xml_child(lr, "lrm_rsc_op"); op; op = next) {
			const char *iv = xml_get(op, "interval");

			next = xml_next(op, "lrm_rsc_op");
			if (iv && strcmp(iv, "0") && !str_ends_with(xml_get(op, "id"), "_last_failure_0"))
				xml_remove(op);
		}
	}
}

void cib_forget_op(struct xml_node *st, const char *rsc, const char *task, long long interval_ms)
{
	struct xml_node *lr = lrm_resource(st, rsc, false), *op;
	char *id = xasprintf("%s_%s_%lld", rsc, task, interval_ms);

	xml_foreach(op, lr, "lrm_rsc_op")
		if (!strcmp(xml_get(op, "id"), id)) {
			xml_remove(op);
			break;
		}
	free(id);
}

/* "fail-count-RSC" and "fail-count-RSC#...": this resource's. */
static bool is_rsc_attr(const char *name, const char *prefix, const char *rsc)
{
	size_t pl = strlen(prefix), rl = strlen(rsc);

	return !strncmp(name, prefix, pl) && !strncmp(name + pl, rsc, rl) &&
	       (name[pl + rl] == 0 || name[pl + rl] == '#');
}

void cib_forget_rsc(struct xml_node *st, const char *rsc)
{
	struct xml_node *lr = lrm_resource(st, rsc, false), *ia, *nv, *next;

	if (lr)
		xml_remove(lr);
	ia = attr_set(st, false);
	for (nv = xml_child(ia, "nvpair"); nv; nv = next) {
		const char *name = xml_get(nv, "name");

		next = xml_next(nv, "nvpair");
		if (name && (is_rsc_attr(name, "fail-count-", rsc) ||
			     is_rsc_attr(name, "last-failure-", rsc)))
			xml_remove(nv);
	}
}

bool cib_has_history(const struct xml_node *st, const char *rsc)
{
	return lrm_resource((struct xml_node *)st, rsc, false) != NULL;
}

void cib_count_failure(struct xml_node *st, const char *rsc, const char *task,
		       long long interval_ms, long long when, bool fatal)
{
	char *name = xasprintf("fail-count-%s#%s_%lld", rsc, task, interval_ms);
	const char *old = cib_node_attr_get(st, name);
	int count = 0;
	char buf[32];

	if (!old || sched_score_parse(old, &count))
		count = 0;
	count = fatal ? SCORE_INFINITY : sched_score_add(count, 1);
	cib_node_attr_set(st, name, sched_score_str(count, buf, sizeof(buf)));
	free(name);
	name = xasprintf("last-failure-%s#%s_%lld", rsc, task, interval_ms);
	snprintf(buf, sizeof(buf), "%lld", when);
	cib_node_attr_set(st, name, buf);
	free(name);
}

int cib_max_call_id(const struct xml_node *status)
{
	const struct xml_node *st;
	int max = 0;

	for (st = status ? status->children : NULL; st; st = st->next) {
		struct xml_node *lrs = lrm_resources((struct xml_node *)st, false), *lr, *op;

		xml_foreach(lr, lrs, "lrm_resource")
			xml_foreach(op, lr, "lrm_rsc_op") {
				const char *v = xml_get(op, "call-id");

				if (v && atoi(v) > max)
					max = atoi(v);
			}
	}
	return max;
}

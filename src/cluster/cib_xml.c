/* cib_xml: unpack a Pacemaker CIB into the scheduler's model. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cluster/cib_xml.h"
#include "cluster/sched_int.h"
#include "lib/util.h"

/* OCF exit codes that matter for unpacking history. */
#define OCF_OK              0
#define OCF_ERR_GENERIC     1
#define OCF_ERR_ARGS        2
#define OCF_ERR_UNIMPLEMENTED 3
#define OCF_ERR_PERM        4
#define OCF_ERR_INSTALLED   5
#define OCF_ERR_CONFIGURED  6
#define OCF_NOT_RUNNING     7
#define OCF_RUNNING_PROMOTED 8
#define OCF_FAILED_PROMOTED 9
#define OCF_DEGRADED        190
#define OCF_DEGRADED_PROMOTED 191

/* Executor status codes (op-status). */
#define EXEC_PENDING  -1
#define EXEC_DONE      0
#define EXEC_CANCELLED 1
#define EXEC_TIMEOUT   2
#define EXEC_NOT_SUPPORTED 3
#define EXEC_ERROR     4
#define EXEC_ERROR_HARD 5
#define EXEC_ERROR_FATAL 6
#define EXEC_NOT_INSTALLED 7
#define EXEC_NOT_CONNECTED 8
#define EXEC_INVALID   9
#define EXEC_NO_FENCE_DEVICE 10
#define EXEC_NO_SECRETS 11

struct unpack_ctx {
	struct sched_cluster *c;
	struct xml_node *cib;
	char *err;
	size_t errlen;
	int rc;
};

static void ctx_error(struct unpack_ctx *u, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void ctx_error(struct unpack_ctx *u, const char *fmt, ...)
{
	va_list ap;

	if (u->rc)
		return;
	u->rc = -EINVAL;
	va_start(ap, fmt);
	vsnprintf(u->err, u->errlen, fmt, ap);
	va_end(ap);
}

static bool str_true(const char *s)
{
	return s && (!strcasecmp(s, "true") || !strcasecmp(s, "yes") || !strcasecmp(s, "on") ||
		     !strcasecmp(s, "y") || !strcmp(s, "1"));
}

/* Pacemaker's interval spec: a number with an optional unit, seconds by
 * default. Returns milliseconds, or -1 when unparsable. */
static long long parse_interval_ms(const char *s)
{
	char *end;
	double v;

	if (!s || !*s)
		return 0;
	if (s[0] == 'P') {
		/* ISO 8601 durations: rare in practice; handle PTnHnMnS. */
		long long total = 0;
		const char *p = strchr(s, 'T');

		if (!p)
			return -1;
		for (p++; *p;) {
			long long n = strtoll(p, &end, 10);

			if (end == p)
				return -1;
			if (*end == 'H')
				total += n * 3600;
			else if (*end == 'M')
				total += n * 60;
			else if (*end == 'S')
				total += n;
			else
				return -1;
			p = end + 1;
		}
		return total * 1000;
	}
	v = strtod(s, &end);
	if (end == s)
		return -1;
	while (*end == ' ')
		end++;
	if (!*end || !strcasecmp(end, "s") || !strcasecmp(end, "sec"))
		return (long long)(v * 1000);
	if (!strcasecmp(end, "ms") || !strcasecmp(end, "msec"))
		return (long long)v;
	if (!strcasecmp(end, "us") || !strcasecmp(end, "usec"))
		return (long long)(v / 1000);
	if (!strcasecmp(end, "m") || !strcasecmp(end, "min"))
		return (long long)(v * 60000);
	if (!strcasecmp(end, "h") || !strcasecmp(end, "hr"))
		return (long long)(v * 3600000);
	return -1;
}

/* An nvpair may stand for another through id-ref. */
static struct xml_node *resolve_ref(struct unpack_ctx *u, struct xml_node *n)
{
	const char *ref = xml_get(n, "id-ref");
	struct xml_node *t;

	if (!ref)
		return n;
	t = xml_find_id(u->cib, n->name, ref);
	return t ? t : n;
}

/* Merge the nvpairs of every `set_name` child of `parent` into `a`
 * without overriding values already present (first set wins, as in
 * Pacemaker's unpack of ordered sets). */
static void unpack_nvsets(struct unpack_ctx *u, struct xml_node *parent, const char *set_name,
			  struct sched_attrs *a, bool override)
{
	struct xml_node *set, *nv;

	if (!parent)
		return;
	xml_foreach(set, parent, set_name) {
		struct xml_node *s = resolve_ref(u, set);

		/* Sets with rules are evaluated only for the simple case of
		 * no rule; a rule-gated set is skipped. */
		if (xml_child(s, "rule"))
			continue;
		xml_foreach(nv, s, "nvpair") {
			struct xml_node *r = resolve_ref(u, nv);
			const char *name = xml_get(r, "name");
			const char *value = xml_get(r, "value");

			if (!name)
				continue;
			if (!value)
				value = "";
			if (override || !sched_attrs_get(a, name))
				sched_attrs_set(a, name, value);
		}
	}
}

static void unpack_properties(struct unpack_ctx *u, struct xml_node *config)
{
	struct sched_cluster *c = u->c;
	struct xml_node *crm = xml_child(config, "crm_config");
	const char *v;
	int score;

	unpack_nvsets(u, crm, "cluster_property_set", &c->props, false);
	if ((v = sched_attrs_get(&c->props, "stonith-enabled")))
		c->stonith_enabled = str_true(v);
	if ((v = sched_attrs_get(&c->props, "symmetric-cluster")))
		c->symmetric = str_true(v);
	if ((v = sched_attrs_get(&c->props, "maintenance-mode")))
		c->maintenance_mode = str_true(v);
	if ((v = sched_attrs_get(&c->props, "stop-all-resources")))
		c->stop_all = str_true(v);
	if ((v = sched_attrs_get(&c->props, "start-failure-is-fatal")))
		c->start_failure_fatal = str_true(v);
	if ((v = sched_attrs_get(&c->props, "stop-orphan-resources")))
		c->stop_orphans = str_true(v);
	if ((v = sched_attrs_get(&c->props, "stop-orphan-actions")))
		c->stop_orphan_actions = str_true(v);
	if ((v = sched_attrs_get(&c->props, "placement-strategy"))) {
		free(c->placement_strategy);
		c->placement_strategy = xstrdup(v);
	}
	if ((v = sched_attrs_get(&c->props, "no-quorum-policy"))) {
		if (!strcasecmp(v, "ignore"))
			c->no_quorum = NQ_IGNORE;
		else if (!strcasecmp(v, "freeze"))
			c->no_quorum = NQ_FREEZE;
		else if (!strcasecmp(v, "suicide"))
			c->no_quorum = NQ_SUICIDE;
		else if (!strcasecmp(v, "demote"))
			c->no_quorum = NQ_DEMOTE;
		else
			c->no_quorum = NQ_STOP;
	}
	/* Suicide without fencing cannot be honoured: Pacemaker falls back
	 * to stopping. */
	if (c->no_quorum == NQ_SUICIDE && !c->stonith_enabled)
		c->no_quorum = NQ_STOP;
	/* Legacy default stickiness property. */
	if ((v = sched_attrs_get(&c->props, "default-resource-stickiness")) &&
	    !sched_attrs_get(&c->rsc_defaults, "resource-stickiness") &&
	    !sched_score_parse(v, &score))
		sched_attrs_set(&c->rsc_defaults, "resource-stickiness", v);
	if ((v = sched_attrs_get(&c->props, "is-managed-default")) &&
	    !sched_attrs_get(&c->rsc_defaults, "is-managed"))
		sched_attrs_set(&c->rsc_defaults, "is-managed", v);
}

static void unpack_nodes(struct unpack_ctx *u, struct xml_node *config)
{
	struct sched_cluster *c = u->c;
	struct xml_node *nodes = xml_child(config, "nodes"), *n;

	xml_foreach(n, nodes, "node") {
		const char *id = xml_get(n, "id"), *uname = xml_get(n, "uname");
		const char *type = xml_get(n, "type");
		struct sched_node *node;

		if (!uname)
			uname = id;
		if (!id)
			id = uname;
		if (!id) {
			ctx_error(u, "line %d: <node> without id or uname", n->line);
			return;
		}
		if (type && (!strcmp(type, "ping") || !strcmp(type, "remote")))
			continue;
		if (sched_node_find(c, uname))
			continue;
		node = xcalloc(1, sizeof(*node));
		node->id = xstrdup(id);
		node->uname = xstrdup(uname);
		node->idx = c->nnodes;
		/* Until its status entry is seen a node is offline; with
		 * fencing enabled, it is also unclean (startup fencing). */
		node->unclean = c->stonith_enabled &&
				!(sched_attrs_get(&c->props, "startup-fencing") &&
				  !str_true(sched_attrs_get(&c->props, "startup-fencing")));
		sched_attrs_set(&node->attrs, "#uname", uname);
		sched_attrs_set(&node->attrs, "#id", id);
		sched_attrs_set(&node->attrs, "#kind", "cluster");
		unpack_nvsets(u, n, "instance_attributes", &node->attrs, false);
		c->nodes = xrealloc(c->nodes, (c->nnodes + 1) * sizeof(*c->nodes));
		c->nodes[c->nnodes++] = node;
	}
}

/* Meta attribute of a resource: its own, then its parents', then
 * rsc_defaults. */
static const char *rsc_meta(struct sched_cluster *c, const struct sched_rsc *r, const char *name)
{
	const char *v;

	for (; r; r = r->parent)
		if ((v = sched_attrs_get(&r->meta, name)))
			return v;
	return sched_attrs_get(&c->rsc_defaults, name);
}

static void unpack_ops(struct unpack_ctx *u, struct sched_rsc *r, struct xml_node *e)
{
	struct xml_node *ops = xml_child(e, "operations"), *op;

	if (ops)
		ops = resolve_ref(u, ops);
	xml_foreach(op, ops, "op") {
		struct sched_op *o;
		struct sched_attrs meta = { 0 };
		const char *name = xml_get(op, "name"), *v;
		long long ms;

		if (!name)
			continue;
		unpack_nvsets(u, op, "meta_attributes", &meta, false);
		r->ops = xrealloc(r->ops, (r->nops + 1) * sizeof(*r->ops));
		o = &r->ops[r->nops++];
		memset(o, 0, sizeof(*o));
		o->name = xstrdup(name);
		ms = parse_interval_ms(xml_get(op, "interval"));
		o->interval_ms = ms < 0 ? 0 : ms;
		o->role = sched_role_parse(xml_get(op, "role"));
		o->enabled = true;
		if ((v = xml_get(op, "enabled")) || (v = sched_attrs_get(&meta, "enabled")))
			o->enabled = str_true(v);
		v = xml_get(op, "on-fail");
		if (!v)
			v = sched_attrs_get(&meta, "on-fail");
		if (!v)
			v = sched_attrs_get(&u->c->op_defaults, "on-fail");
		if (v) {
			o->on_fail_set = true;
			if (!strcasecmp(v, "ignore"))
				o->on_fail = ON_FAIL_IGNORE;
			else if (!strcasecmp(v, "block"))
				o->on_fail = ON_FAIL_BLOCK;
			else if (!strcasecmp(v, "stop"))
				o->on_fail = ON_FAIL_STOP;
			else if (!strcasecmp(v, "standby"))
				o->on_fail = ON_FAIL_STANDBY;
			else if (!strcasecmp(v, "fence"))
				o->on_fail = ON_FAIL_FENCE;
			else if (!strcasecmp(v, "demote"))
				o->on_fail = ON_FAIL_DEMOTE;
			else if (!strcasecmp(v, "restart"))
				o->on_fail = ON_FAIL_RESTART;
			else
				o->on_fail_set = false;
		}
		sched_attrs_clear(&meta);
	}
}

static struct sched_rsc *rsc_new(const char *id, enum sched_variant v, struct sched_rsc *parent)
{
	struct sched_rsc *r = xcalloc(1, sizeof(*r));

	r->id = xstrdup(id);
	r->variant = v;
	r->parent = parent;
	r->role = ROLE_STOPPED;
	r->next_role = ROLE_UNKNOWN;
	r->managed = true;
	r->provisional = true;
	return r;
}

static void rsc_add_child(struct sched_rsc *p, struct sched_rsc *ch)
{
	p->children = xrealloc(p->children, (p->nchildren + 1) * sizeof(*p->children));
	p->children[p->nchildren++] = ch;
	ch->parent = p;
}

static struct sched_rsc *unpack_rsc(struct unpack_ctx *u, struct xml_node *e,
				    struct sched_rsc *parent, const char *suffix);

/* A clone instance: the template child with ":N" appended to its id and
 * to the ids of its members. */
static struct sched_rsc *clone_instance(struct unpack_ctx *u, struct sched_rsc *clone,
					struct xml_node *tmpl, int n)
{
	char suffix[24];
	struct sched_rsc *inst;

	snprintf(suffix, sizeof(suffix), ":%d", n);
	inst = unpack_rsc(u, tmpl, clone, suffix);
	if (inst)
		rsc_add_child(clone, inst);
	return inst;
}

static void rsc_resolve_meta(struct unpack_ctx *u, struct sched_rsc *r)
{
	struct sched_cluster *c = u->c;
	const char *v;
	int score;

	r->target_role = sched_role_parse(rsc_meta(c, r, "target-role"));
	v = rsc_meta(c, r, "is-managed");
	r->managed = v ? str_true(v) : true;
	v = rsc_meta(c, r, "maintenance");
	r->maintenance = v && str_true(v);
	if (c->maintenance_mode || r->maintenance)
		r->managed = false;
	r->stickiness = 0;
	v = rsc_meta(c, r, "resource-stickiness");
	if (v && strcasecmp(v, "default") && !sched_score_parse(v, &score))
		r->stickiness = score;
	r->migration_threshold = SCORE_INFINITY;
	v = rsc_meta(c, r, "migration-threshold");
	if (v && !sched_score_parse(v, &score))
		r->migration_threshold = score < 0 ? 0 : score;
	r->failure_timeout_ms = 0;
	v = rsc_meta(c, r, "failure-timeout");
	if (v) {
		long long ms = parse_interval_ms(v);

		r->failure_timeout_ms = ms < 0 ? 0 : ms;
	}
	r->priority = 0;
	v = rsc_meta(c, r, "priority");
	if (v && !sched_score_parse(v, &score))
		r->priority = score;
	v = rsc_meta(c, r, "critical");
	r->critical = v ? str_true(v) : true;
	v = rsc_meta(c, r, "requires");
	if (v)
		r->needs_fencing = !strcmp(v, "fencing") || !strcmp(v, "unfencing");
	else
		r->needs_fencing = !(r->cls && !strcmp(r->cls, "stonith"));
	r->needs_fencing = r->needs_fencing && c->stonith_enabled;
	v = rsc_meta(c, r, "restart-type");
	r->restart_type = v && !strcmp(v, "restart");
}

static struct sched_rsc *unpack_rsc(struct unpack_ctx *u, struct xml_node *e,
				    struct sched_rsc *parent, const char *suffix)
{
	struct sched_cluster *c = u->c;
	const char *id = xml_get(e, "id");
	struct sched_rsc *r = NULL;
	char *full;
	struct xml_node *ch;

	if (!id) {
		ctx_error(u, "line %d: <%s> without id", e->line, e->name);
		return NULL;
	}
	full = xasprintf("%s%s", id, suffix ? suffix : "");
	if (!strcmp(e->name, "primitive")) {
		const char *cls = xml_get(e, "class"), *type = xml_get(e, "type");

		if (!cls || !type) {
			ctx_error(u, "line %d: primitive '%s' needs class and type", e->line, id);
			goto out;
		}
		r = rsc_new(full, VARIANT_PRIMITIVE, parent);
		r->cls = xstrdup(cls);
		r->type = xstrdup(type);
		if (xml_get(e, "provider"))
			r->provider = xstrdup(xml_get(e, "provider"));
		unpack_nvsets(u, e, "meta_attributes", &r->meta, false);
		unpack_nvsets(u, e, "instance_attributes", &r->params, false);
		unpack_ops(u, r, e);
	} else if (!strcmp(e->name, "group")) {
		r = rsc_new(full, VARIANT_GROUP, parent);
		unpack_nvsets(u, e, "meta_attributes", &r->meta, false);
		xml_foreach(ch, e, "primitive") {
			struct sched_rsc *m = unpack_rsc(u, ch, r, suffix);

			if (!m)
				goto out;
			rsc_add_child(r, m);
		}
	} else if (!strcmp(e->name, "clone") || !strcmp(e->name, "master")) {
		struct xml_node *tmpl = NULL;
		const char *v;
		int max, node_max;

		r = rsc_new(full, VARIANT_CLONE, parent);
		unpack_nvsets(u, e, "meta_attributes", &r->meta, false);
		for (ch = e->children; ch; ch = ch->next)
			if (!strcmp(ch->name, "primitive") || !strcmp(ch->name, "group"))
				tmpl = ch;
		if (!tmpl) {
			ctx_error(u, "line %d: clone '%s' has no primitive or group", e->line, id);
			goto out;
		}
		r->promotable = !strcmp(e->name, "master") ||
				str_true(sched_attrs_get(&r->meta, "promotable"));
		r->unique = str_true(rsc_meta(c, r, "globally-unique"));
		r->interleave = str_true(rsc_meta(c, r, "interleave"));
		r->ordered = str_true(rsc_meta(c, r, "ordered"));
		max = c->nnodes;
		if ((v = rsc_meta(c, r, "clone-max"))) {
			long long ll;

			if (!parse_int(v, 0, 100000, &ll))
				max = (int)ll;
		}
		node_max = 1;
		if ((v = rsc_meta(c, r, "clone-node-max"))) {
			long long ll;

			if (!parse_int(v, 0, 100000, &ll))
				node_max = (int)ll;
		}
		r->clone_max = max;
		r->clone_node_max = node_max;
		r->promoted_max = 1;
		if ((v = rsc_meta(c, r, "promoted-max")) || (v = rsc_meta(c, r, "master-max"))) {
			long long ll;

			if (!parse_int(v, 0, 100000, &ll))
				r->promoted_max = (int)ll;
		}
		r->promoted_node_max = 1;
		if ((v = rsc_meta(c, r, "promoted-node-max")) ||
		    (v = rsc_meta(c, r, "master-node-max"))) {
			long long ll;

			if (!parse_int(v, 0, 100000, &ll))
				r->promoted_node_max = (int)ll;
		}
		if ((v = rsc_meta(c, r, "clone-min"))) {
			long long ll;

			if (!parse_int(v, 0, 100000, &ll))
				r->clone_min = (int)ll;
		}
		/* Clone instances are sticky by default. */
		if (!sched_attrs_get(&r->meta, "resource-stickiness"))
			sched_attrs_set(&r->meta, "resource-stickiness", "1");
		/* Keep a template instance even when clone-max is 0, to match
		 * history against (Pacemaker creates an orphan ":0"). */
		for (int i = 0; i < max; i++)
			if (!clone_instance(u, r, tmpl, i))
				goto out;
		r->clone_base = xstrdup(xml_get(tmpl, "id"));
		/* Remember the template to create orphans from. */
		r->template_xml = tmpl;
	} else {
		goto out;
	}
	if (r)
		rsc_resolve_meta(u, r);
out:
	free(full);
	return r;
}

static struct xml_node *clone_template(struct sched_rsc *clone)
{
	return (struct xml_node *)clone->template_xml;
}

/* Base name (without ":N") of a resource id. */
static char *strip_instance(const char *id)
{
	const char *colon = strrchr(id, ':');
	char *end;

	if (colon && colon[1]) {
		strtol(colon + 1, &end, 10);
		if (!*end)
			return strndup(id, colon - id);
	}
	return xstrdup(id);
}

static void fix_clone_bases(struct sched_rsc *r)
{
	for (int i = 0; i < r->nchildren; i++)
		fix_clone_bases(r->children[i]);
	if (r->parent && sched_rsc_top(r)->variant == VARIANT_CLONE && r->variant != VARIANT_CLONE) {
		free(r->clone_base);
		r->clone_base = strip_instance(r->id);
	}
}

/* A fencing device anywhere in the tree, cloned or grouped, counts. */
static bool has_stonith_primitive(const struct sched_rsc *r)
{
	if (r->variant == VARIANT_PRIMITIVE)
		return r->cls && !strcmp(r->cls, "stonith");
	for (int i = 0; i < r->nchildren; i++)
		if (has_stonith_primitive(r->children[i]))
			return true;
	return false;
}

static void unpack_resources(struct unpack_ctx *u, struct xml_node *config)
{
	struct sched_cluster *c = u->c;
	struct xml_node *rscs = xml_child(config, "resources"), *e;
	struct xml_node *defs;

	defs = xml_child(config, "rsc_defaults");
	unpack_nvsets(u, defs, "meta_attributes", &c->rsc_defaults, false);
	defs = xml_child(config, "op_defaults");
	unpack_nvsets(u, defs, "meta_attributes", &c->op_defaults, false);
	for (e = rscs ? rscs->children : NULL; e && !u->rc; e = e->next) {
		struct sched_rsc *r;

		if (strcmp(e->name, "primitive") && strcmp(e->name, "group") &&
		    strcmp(e->name, "clone") && strcmp(e->name, "master"))
			continue;
		r = unpack_rsc(u, e, NULL, NULL);
		if (!r)
			continue;
		fix_clone_bases(r);
		if (has_stonith_primitive(r))
			c->have_stonith_rsc = true;
		c->rscs = xrealloc(c->rscs, (c->nrscs + 1) * sizeof(*c->rscs));
		c->rscs[c->nrscs++] = r;
	}
	/* Higher priority first; configuration order otherwise. */
	for (int i = 1; i < c->nrscs; i++) {
		struct sched_rsc *x = c->rscs[i];
		int j;

		for (j = i; j > 0 && c->rscs[j - 1]->priority < x->priority; j--)
			c->rscs[j] = c->rscs[j - 1];
		c->rscs[j] = x;
	}
	sched_index(c);
}

/* ------------------------------------------------------------------ */
/* Constraints */

static struct sched_rsc *find_rsc_for_constraint(struct sched_cluster *c, const char *id)
{
	struct sched_rsc *r;

	if (!id)
		return NULL;
	r = sched_rsc_find(c, id);
	if (r && r->parent && r->parent->variant == VARIANT_CLONE)
		return NULL; /* instances are not addressable */
	return r;
}

static void add_location(struct sched_cluster *c, const char *id, struct sched_rsc *r,
			 int score, struct sched_node *node, enum sched_role role)
{
	struct sched_location *l;

	c->locations = xrealloc(c->locations, (c->nlocations + 1) * sizeof(*c->locations));
	l = &c->locations[c->nlocations++];
	memset(l, 0, sizeof(*l));
	l->id = xstrdup(id);
	l->rsc = r;
	l->score = score;
	l->node = node;
	l->role = role;
}

static int unpack_rule(struct unpack_ctx *u, struct xml_node *e, struct sched_rule *rule, int dflt)
{
	const char *v;
	struct xml_node *x;

	memset(rule, 0, sizeof(*rule));
	rule->score = dflt;
	if ((v = xml_get(e, "score")) && sched_score_parse(v, &rule->score))
		return -EINVAL;
	if ((v = xml_get(e, "score-attribute")))
		rule->score_attribute = xstrdup(v);
	rule->or = (v = xml_get(e, "boolean-op")) && !strcasecmp(v, "or");
	rule->role = sched_role_parse(xml_get(e, "role"));
	for (x = e->children; x; x = x->next) {
		struct sched_expr *ex;
		const char *op = xml_get(x, "operation"), *type = xml_get(x, "type");

		if (strcmp(x->name, "expression")) {
			rule->unsupported = true;
			continue;
		}
		rule->exprs = xrealloc(rule->exprs, (rule->nexprs + 1) * sizeof(*rule->exprs));
		ex = &rule->exprs[rule->nexprs++];
		memset(ex, 0, sizeof(*ex));
		ex->attribute = xstrdup(xml_get(x, "attribute") ? xml_get(x, "attribute") : "");
		ex->value = xml_get(x, "value") ? xstrdup(xml_get(x, "value")) : NULL;
		if (!op || !strcmp(op, "eq"))
			ex->op = EXPR_EQ;
		else if (!strcmp(op, "ne"))
			ex->op = EXPR_NE;
		else if (!strcmp(op, "lt"))
			ex->op = EXPR_LT;
		else if (!strcmp(op, "gt"))
			ex->op = EXPR_GT;
		else if (!strcmp(op, "lte"))
			ex->op = EXPR_LTE;
		else if (!strcmp(op, "gte"))
			ex->op = EXPR_GTE;
		else if (!strcmp(op, "defined"))
			ex->op = EXPR_DEFINED;
		else if (!strcmp(op, "not_defined"))
			ex->op = EXPR_NOT_DEFINED;
		else
			rule->unsupported = true;
		if (type && (!strcmp(type, "number") || !strcmp(type, "integer")))
			ex->type = 1;
		else if (type && !strcmp(type, "version"))
			ex->type = 2;
		else if (!type && ex->op >= EXPR_LT)
			ex->type = 1;
	}
	return 0;
}

static void unpack_location(struct unpack_ctx *u, struct xml_node *e)
{
	struct sched_cluster *c = u->c;
	const char *id = xml_get(e, "id"), *rid = xml_get(e, "rsc"), *v;
	struct sched_rsc *r = find_rsc_for_constraint(c, rid);
	struct sched_location *l;
	struct xml_node *x;
	int score = 0;

	if (!r)
		return; /* unknown resources: Pacemaker ignores the constraint */
	if (!id)
		id = "";
	if ((v = xml_get(e, "node"))) {
		struct sched_node *n = sched_node_find(c, v);

		if (!n)
			return;
		if (sched_score_parse(xml_get(e, "score"), &score))
			return;
		add_location(c, id, r, score, n, sched_role_parse(xml_get(e, "role")));
		return;
	}
	add_location(c, id, r, 0, NULL, sched_role_parse(xml_get(e, "role")));
	l = &c->locations[c->nlocations - 1];
	xml_foreach(x, e, "rule") {
		struct xml_node *rx = resolve_ref(u, x);

		l->rules = xrealloc(l->rules, (l->nrules + 1) * sizeof(*l->rules));
		if (unpack_rule(u, rx, &l->rules[l->nrules], 0))
			continue;
		l->nrules++;
	}
}

static void add_colocation(struct sched_cluster *c, const char *id, struct sched_rsc *dep,
			   struct sched_rsc *prim, int score, enum sched_role drole,
			   enum sched_role prole, const char *attr, bool influence)
{
	struct sched_colocation *co;

	c->colocations = xrealloc(c->colocations, (c->ncolocations + 1) * sizeof(*c->colocations));
	co = &c->colocations[c->ncolocations++];
	memset(co, 0, sizeof(*co));
	co->id = xstrdup(id);
	co->dependent = dep;
	co->primary = prim;
	co->score = score;
	co->dependent_role = drole;
	co->primary_role = prole;
	co->node_attribute = attr ? xstrdup(attr) : NULL;
	co->influence = influence;
}

static void unpack_colocation(struct unpack_ctx *u, struct xml_node *e)
{
	struct sched_cluster *c = u->c;
	const char *id = xml_get(e, "id");
	struct sched_rsc *dep = find_rsc_for_constraint(c, xml_get(e, "rsc"));
	struct sched_rsc *prim = find_rsc_for_constraint(c, xml_get(e, "with-rsc"));
	int score = 0;
	const char *inf;
	bool influence;

	if (!id)
		id = "";
	if (xml_child(e, "resource_set")) {
		/* Sets: each set's members are colocated in a chain; sets with
		 * sequential=false and cross-set relations are approximated
		 * by chaining each set's first member to the previous set's
		 * last member. */
		struct xml_node *set, *ref;
		struct sched_rsc *prev_set_last = NULL;

		if (sched_score_parse(xml_get(e, "score"), &score))
			return;
		xml_foreach(set, e, "resource_set") {
			struct sched_rsc *prev = NULL, *first = NULL;
			enum sched_role role = sched_role_parse(xml_get(set, "role"));

			xml_foreach(ref, set, "resource_ref") {
				struct sched_rsc *r = find_rsc_for_constraint(c, xml_get(ref, "id"));

				if (!r)
					continue;
				if (!first)
					first = r;
				if (prev && (!xml_get(set, "sequential") ||
					     str_true(xml_get(set, "sequential"))))
					add_colocation(c, id, r, prev, score, role, role, NULL,
						       r->critical);
				prev = r;
			}
			if (prev_set_last && first)
				add_colocation(c, id, prev_set_last, first, score, ROLE_UNKNOWN,
					       role, NULL, true);
			if (prev)
				prev_set_last = prev;
		}
		return;
	}
	if (!dep || !prim)
		return;
	if (sched_score_parse(xml_get(e, "score"), &score))
		return;
	inf = xml_get(e, "influence");
	influence = inf ? str_true(inf) : dep->critical;
	add_colocation(c, id, dep, prim, score, sched_role_parse(xml_get(e, "rsc-role")),
		       sched_role_parse(xml_get(e, "with-rsc-role")),
		       xml_get(e, "node-attribute"), influence);
}

static void add_order(struct sched_cluster *c, const char *id, struct sched_rsc *first,
		      const char *faction, struct sched_rsc *then, const char *taction,
		      enum sched_order_kind kind, bool symmetrical, bool require_all)
{
	struct sched_order *o;

	c->orders = xrealloc(c->orders, (c->norders + 1) * sizeof(*c->orders));
	o = &c->orders[c->norders++];
	memset(o, 0, sizeof(*o));
	o->id = xstrdup(id);
	o->first = first;
	o->then = then;
	o->first_action = xstrdup(faction ? faction : "start");
	o->then_action = xstrdup(taction ? taction : o->first_action);
	o->kind = kind;
	o->symmetrical = symmetrical;
	o->require_all = require_all;
}

static void unpack_order(struct unpack_ctx *u, struct xml_node *e)
{
	struct sched_cluster *c = u->c;
	const char *id = xml_get(e, "id"), *v;
	enum sched_order_kind kind = ORDER_MANDATORY;
	bool symmetrical;
	int score;

	if (!id)
		id = "";
	if ((v = xml_get(e, "kind"))) {
		if (!strcasecmp(v, "Optional"))
			kind = ORDER_OPTIONAL;
		else if (!strcasecmp(v, "Serialize"))
			kind = ORDER_SERIALIZE;
	} else if ((v = xml_get(e, "score")) && !sched_score_parse(v, &score) && score == 0) {
		kind = ORDER_OPTIONAL;
	}
	v = xml_get(e, "symmetrical");
	symmetrical = v ? str_true(v) : kind != ORDER_SERIALIZE;
	if (xml_child(e, "resource_set")) {
		struct xml_node *set, *ref;
		struct sched_rsc *prev_last = NULL;
		const char *prev_action = NULL;

		xml_foreach(set, e, "resource_set") {
			struct sched_rsc *prev = NULL, *first = NULL;
			const char *action = xml_get(set, "action");
			bool seq = !xml_get(set, "sequential") || str_true(xml_get(set, "sequential"));

			xml_foreach(ref, set, "resource_ref") {
				struct sched_rsc *r = find_rsc_for_constraint(c, xml_get(ref, "id"));

				if (!r)
					continue;
				if (!first)
					first = r;
				if (prev && seq)
					add_order(c, id, prev, action, r, action, kind, symmetrical, true);
				if (prev_last)
					add_order(c, id, prev_last, prev_action, r, action, kind,
						  symmetrical, true);
				prev = r;
			}
			if (prev) {
				prev_last = prev;
				prev_action = action;
			}
		}
		return;
	}
	{
		struct sched_rsc *first = find_rsc_for_constraint(c, xml_get(e, "first"));
		struct sched_rsc *then = find_rsc_for_constraint(c, xml_get(e, "then"));
		const char *ra = xml_get(e, "require-all");

		if (!first || !then)
			return;
		add_order(c, id, first, xml_get(e, "first-action"), then,
			  xml_get(e, "then-action") ? xml_get(e, "then-action") :
			  xml_get(e, "first-action"), kind, symmetrical, ra ? str_true(ra) : true);
	}
}

static void unpack_constraints(struct unpack_ctx *u, struct xml_node *config)
{
	struct xml_node *cons = xml_child(config, "constraints"), *e;

	for (e = cons ? cons->children : NULL; e && !u->rc; e = e->next) {
		if (!strcmp(e->name, "rsc_location"))
			unpack_location(u, e);
		else if (!strcmp(e->name, "rsc_colocation"))
			unpack_colocation(u, e);
		else if (!strcmp(e->name, "rsc_order"))
			unpack_order(u, e);
	}
}

/* ------------------------------------------------------------------ */
/* Status */

static void fence_node(struct sched_cluster *c, struct sched_node *n, const char *reason)
{
	if (n->unclean && n->fence_reason)
		return;
	n->unclean = true;
	if (!n->fence_reason)
		n->fence_reason = xstrdup(reason);
	n->fence_seq = ++c->fence_seq;
}

static void unpack_node_state(struct unpack_ctx *u, struct xml_node *st, struct sched_node *n)
{
	struct sched_cluster *c = u->c;
	const char *join = xml_get(st, "join"), *peer = xml_get(st, "crmd");
	const char *in_ccm = xml_get(st, "in_ccm"), *exp = xml_get(st, "expected");
	const char *shutdown, *terminate, *v;
	bool online, crmd_online, do_terminate = false;
	struct xml_node *ta;

	ta = xml_child(st, "transient_attributes");
	if (ta)
		unpack_nvsets(u, ta, "instance_attributes", &n->attrs, true);
	if (str_true(sched_attrs_get(&n->attrs, "standby")))
		n->standby = true;
	if (str_true(sched_attrs_get(&n->attrs, "maintenance")))
		n->maintenance = true;

	n->unclean = false;
	shutdown = sched_attrs_get(&n->attrs, "shutdown");
	if (shutdown && strcmp(shutdown, "0"))
		n->shutdown = true;
	else if (exp && !strcasecmp(exp, "member"))
		n->expected_up = true;
	terminate = sched_attrs_get(&n->attrs, "terminate");
	if (str_true(terminate))
		do_terminate = true;
	else if (terminate && terminate[0] && terminate[0] != '0' && isdigit((unsigned char)terminate[0]))
		do_terminate = true;

	/* in_ccm may be "true"/"false" or, in newer CIBs, a timestamp. */
	online = in_ccm && (str_true(in_ccm) || (isdigit((unsigned char)in_ccm[0]) && strcmp(in_ccm, "0")));
	crmd_online = peer && (!strcasecmp(peer, "online") ||
			       (isdigit((unsigned char)peer[0]) && strcmp(peer, "0")));
	if (!exp)
		exp = "down";
	if (!c->stonith_enabled) {
		bool on = false;

		if (!online) {
			/* down */
		} else if (crmd_online) {
			if (join && !strcasecmp(join, "member"))
				on = true;
		} else if (!n->expected_up) {
			/* controller down, expected */
		} else {
			fence_node(c, n, "peer is unexpectedly down");
		}
		online = on;
	} else if (n->shutdown) {
		online = crmd_online;
	} else if (!in_ccm) {
		fence_node(c, n, "peer has not been seen by the cluster");
		online = false;
	} else if (join && !strcasecmp(join, "nack")) {
		fence_node(c, n, "peer failed Pacemaker membership criteria");
	} else if (!do_terminate && !strcasecmp(exp, "down")) {
		if (online || crmd_online) {
			n->standby = true;
			n->pending = true;
		}
	} else if (do_terminate && join && !strcasecmp(join, "down") && !online && !crmd_online) {
		online = false;
	} else if (!online) {
		fence_node(c, n, "peer is no longer part of the cluster");
	} else if (!crmd_online) {
		fence_node(c, n, "peer process is no longer available");
	} else if (do_terminate) {
		fence_node(c, n, "termination was requested");
	} else if (join && !strcasecmp(join, "member")) {
		/* active */
	} else if (join && (!strcasecmp(join, "pending") || !strcasecmp(join, "down"))) {
		n->standby = true;
		n->pending = true;
	} else {
		fence_node(c, n, "peer was in an unknown state");
	}
	n->online = online;
	if ((v = sched_attrs_get(&n->attrs, "#health")))
		(void)v;
}

struct op_rec {
	struct xml_node *x;
	const char *task;
	long long interval_ms;
	int call_id;
	int rc;
	int status;
	int target_rc;
	long long last_change;
	int pos;
};

static int op_cmp(const void *a, const void *b)
{
	const struct op_rec *x = a, *y = b;

	/* Pending operations (call-id -1) sort last. */
	int cx = x->call_id < 0 ? 0x7fffffff : x->call_id;
	int cy = y->call_id < 0 ? 0x7fffffff : y->call_id;

	if (cx != cy)
		return cx < cy ? -1 : 1;
	return x->pos - y->pos;
}

static int target_rc_of(const char *key)
{
	/* transition-key: ACTION:TRANSITION:TARGET_RC:UUID */
	const char *p;

	if (!key)
		return -1;
	p = strchr(key, ':');
	if (!p)
		return -1;
	p = strchr(p + 1, ':');
	if (!p)
		return -1;
	return atoi(p + 1);
}

static struct sched_rsc *find_by_clone_name(struct sched_rsc *r, const char *base)
{
	/* The member of instance r whose base name is `base`. */
	if (r->variant == VARIANT_PRIMITIVE)
		return (r->clone_base && !strcmp(r->clone_base, base)) || !strcmp(r->id, base) ? r : NULL;
	for (int i = 0; i < r->nchildren; i++) {
		struct sched_rsc *m = find_by_clone_name(r->children[i], base);

		if (m)
			return m;
	}
	return NULL;
}

static bool rsc_active_on(const struct sched_rsc *r, const struct sched_node *n, bool *anywhere)
{
	bool on = false;

	if (r->variant == VARIANT_PRIMITIVE) {
		if (r->nrunning || r->pending_node)
			*anywhere = true;
		for (int i = 0; i < r->nrunning; i++)
			if (r->running_on[i] == n)
				on = true;
		if (r->pending_node == n)
			on = true;
		return on;
	}
	for (int i = 0; i < r->nchildren; i++)
		if (rsc_active_on(r->children[i], n, anywhere))
			on = true;
	return on;
}

static struct sched_rsc *create_orphan_instance(struct unpack_ctx *u, struct sched_rsc *clone,
						const char *base)
{
	struct sched_cluster *c = u->c;
	struct sched_rsc *inst = clone_instance(u, clone, clone_template(clone), clone->nchildren);

	if (!inst)
		return NULL;
	fix_clone_bases(inst);
	/* Orphan instances are beyond clone-max: they are only stopped. */
	for (int i = 0; i < (inst->nchildren ? inst->nchildren : 1); i++) {
		struct sched_rsc *m = inst->nchildren ? inst->children[i] : inst;

		m->orphan = true;
	}
	inst->orphan = true;
	sched_index(c);
	return find_by_clone_name(inst, base);
}

static struct sched_rsc *find_anonymous_instance(struct unpack_ctx *u, struct sched_rsc *clone,
						 struct sched_node *n, const char *base)
{
	struct sched_rsc *found = NULL, *inactive = NULL;
	bool skip_inactive = false;

	for (int i = 0; i < clone->nchildren && !found; i++) {
		struct sched_rsc *inst = clone->children[i];
		bool anywhere = false;
		bool here = rsc_active_on(inst, n, &anywhere);

		if (anywhere) {
			if (here) {
				found = find_by_clone_name(inst, base);
				if (found && found->nrunning) {
					skip_inactive = true;
					found = NULL;
				}
			}
		} else if (!skip_inactive && !inactive && !inst->blocked) {
			inactive = find_by_clone_name(inst, base);
		}
	}
	if (!found && !skip_inactive)
		found = inactive;
	/* Instances that do not need fencing found on unclean nodes are
	 * orphans, so an instance can start elsewhere (unless the clone
	 * runs everywhere anyway). */
	if (found && !found->needs_fencing && (!n->online || n->unclean) &&
	    clone->clone_max != u->c->nnodes)
		found = NULL;
	if (!found)
		found = create_orphan_instance(u, clone, base);
	return found;
}

static struct sched_rsc *create_orphan(struct unpack_ctx *u, struct xml_node *lr, const char *id)
{
	struct sched_cluster *c = u->c;
	struct sched_rsc *r = rsc_new(id, VARIANT_PRIMITIVE, NULL);
	const char *v;

	r->cls = xstrdup((v = xml_get(lr, "class")) ? v : "ocf");
	r->type = xstrdup((v = xml_get(lr, "type")) ? v : "unknown");
	if ((v = xml_get(lr, "provider")))
		r->provider = xstrdup(v);
	r->orphan = true;
	rsc_resolve_meta(u, r);
	if (!c->stop_orphans)
		r->managed = false;
	c->rscs = xrealloc(c->rscs, (c->nrscs + 1) * sizeof(*c->rscs));
	c->rscs[c->nrscs++] = r;
	sched_index(c);
	return r;
}

static struct sched_rsc *find_history_rsc(struct unpack_ctx *u, struct sched_node *n,
					  const char *id, struct xml_node *lr)
{
	struct sched_cluster *c = u->c;
	struct sched_rsc *r = sched_rsc_find(c, id), *top;

	if (!r) {
		char *zero = xasprintf("%s:0", id);

		r = sched_rsc_find(c, zero);
		free(zero);
		if (r && sched_rsc_top(r)->unique)
			r = NULL;
		if (!r) {
			/* Old histories name anonymous instances "rsc:N". */
			char *base = strip_instance(id);

			if (strcmp(base, id)) {
				char *z = xasprintf("%s:0", base);

				r = sched_rsc_find(c, z);
				if (r && sched_rsc_top(r)->unique)
					r = NULL;
				free(z);
			}
			free(base);
		}
	} else if (r->variant != VARIANT_PRIMITIVE) {
		return NULL;
	}
	if (!r) {
		/* An anonymous clone without instances (clone-max=0) still owns
		 * its history: the instances found are orphans of the clone. */
		char *base = strip_instance(id);

		for (int i = 0; i < c->nrscs && !r; i++) {
			struct sched_rsc *cl = c->rscs[i];

			if (cl->variant == VARIANT_CLONE && !cl->unique && cl->clone_base &&
			    !strcmp(cl->clone_base, base) && cl->template_xml &&
			    xml_child(lr, "lrm_rsc_op"))
				r = find_anonymous_instance(u, cl, n, base);
		}
		free(base);
		if (r && strcmp(r->id, id)) {
			free(r->history_name);
			r->history_name = xstrdup(id);
		}
		if (r)
			return r;
		return xml_child(lr, "lrm_rsc_op") ? create_orphan(u, lr, id) : NULL;
	}
	top = sched_rsc_top(r);
	if (top->variant == VARIANT_CLONE && !top->unique) {
		char *base = strip_instance(id);

		r = find_anonymous_instance(u, top, n, base);
		free(base);
	}
	if (r && strcmp(r->id, id)) {
		free(r->history_name);
		r->history_name = xstrdup(id);
	}
	return r;
}

static enum sched_on_fail default_on_fail(struct sched_cluster *c, const char *task)
{
	if (!strcmp(task, "stop"))
		return c->stonith_enabled ? ON_FAIL_FENCE : ON_FAIL_BLOCK;
	return ON_FAIL_RESTART;
}

static enum sched_on_fail op_on_fail(struct sched_cluster *c, struct sched_rsc *r,
				     const char *task, long long interval_ms)
{
	for (int i = 0; i < r->nops; i++) {
		struct sched_op *o = &r->ops[i];

		if (!strcmp(o->name, task) && o->interval_ms == interval_ms && o->on_fail_set) {
			if (o->on_fail == ON_FAIL_FENCE && !c->stonith_enabled)
				return ON_FAIL_STOP;
			if (o->on_fail == ON_FAIL_DEMOTE && strcmp(task, "promote") &&
			    !(interval_ms && o->role == ROLE_PROMOTED))
				return ON_FAIL_RESTART;
			return o->on_fail;
		}
	}
	{
		const char *v = sched_attrs_get(&c->op_defaults, "on-fail");

		if (v && !strcasecmp(v, "ignore"))
			return ON_FAIL_IGNORE;
		if (v && !strcasecmp(v, "block"))
			return ON_FAIL_BLOCK;
		if (v && !strcasecmp(v, "stop"))
			return ON_FAIL_STOP;
	}
	return default_on_fail(c, task);
}

/* Pacemaker's severity order of failure responses, for keeping the worst. */
static int on_fail_rank(enum sched_on_fail f)
{
	switch (f) {
	case ON_FAIL_IGNORE: return 0;
	case ON_FAIL_DEMOTE: return 1;
	case ON_FAIL_RESTART: return 2;
	case ON_FAIL_BLOCK: return 4;
	case ON_FAIL_STOP: return 5;
	case ON_FAIL_STANDBY: return 6;
	case ON_FAIL_FENCE: return 7;
	}
	return 0;
}

static void set_active(struct sched_rsc *r)
{
	struct sched_rsc *top = sched_rsc_top(r);

	r->role = (top->variant == VARIANT_CLONE && top->promotable) ? ROLE_UNPROMOTED : ROLE_STARTED;
}

static void ban(struct sched_rsc *r, struct sched_node *n, int score)
{
	if (n) {
		r->scores[n->idx] = r->scores[n->idx] == SCORE_ABSENT ? score :
				    sched_score_add(r->scores[n->idx], score);
	}
	for (int i = 0; i < r->nchildren; i++)
		ban(r->children[i], n, score);
}

struct hist_state {
	enum sched_on_fail on_fail;
	bool have_fail;
	bool pending_start;
};

static void update_state_done(struct sched_rsc *r, const struct op_rec *op, struct hist_state *h)
{
	bool clear = false;

	if (op->rc == OCF_NOT_RUNNING) {
		clear = true;
	} else if (op->rc == OCF_ERR_INSTALLED) {
		r->role = ROLE_STOPPED;
	} else if (!strcmp(op->task, "monitor")) {
		if (r->role < ROLE_STARTED)
			set_active(r);
		if (op->rc == OCF_RUNNING_PROMOTED || op->rc == OCF_DEGRADED_PROMOTED)
			r->role = ROLE_PROMOTED;
	} else if (!strcmp(op->task, "start")) {
		r->role = ROLE_STARTED;
		clear = true;
	} else if (!strcmp(op->task, "stop")) {
		r->role = ROLE_STOPPED;
		clear = true;
	} else if (!strcmp(op->task, "promote")) {
		r->role = ROLE_PROMOTED;
		clear = true;
	} else if (!strcmp(op->task, "demote")) {
		if (h->on_fail == ON_FAIL_DEMOTE)
			clear = true;
		r->role = ROLE_UNPROMOTED;
	} else if (!strcmp(op->task, "migrate_from")) {
		r->role = ROLE_STARTED;
		clear = true;
	} else if (!strcmp(op->task, "migrate_to")) {
		/* the source keeps it until the stop */
	} else if (r->role < ROLE_STARTED) {
		set_active(r);
	}
	if (clear) {
		switch (h->on_fail) {
		case ON_FAIL_STOP:
		case ON_FAIL_FENCE:
		case ON_FAIL_STANDBY:
			break;
		default:
			h->on_fail = ON_FAIL_IGNORE;
			r->next_role = ROLE_UNKNOWN;
			break;
		}
	}
}

static long long fail_attr_time(struct sched_node *n, struct sched_rsc *r, const char *prefix);

static void unpack_op(struct unpack_ctx *u, struct sched_rsc *r, struct sched_node *n,
		      struct op_rec *op, struct hist_state *h)
{
	struct sched_cluster *c = u->c;
	bool probe = !strcmp(op->task, "monitor") && op->interval_ms == 0;
	int status = op->status, rc = op->rc;
	int expected = op->target_rc >= 0 ? op->target_rc : OCF_OK;

	if (!strcmp(op->task, "notify") || !strcmp(op->task, "cancel") ||
	    !strcmp(op->task, "meta-data") || !strcmp(op->task, "reload") ||
	    !strcmp(op->task, "validate-all"))
		return;
	if (status == EXEC_PENDING) {
		if (!strcmp(op->task, "start")) {
			r->start_pending = true;
			r->pending_node = n;
			r->role = ROLE_STARTED;
		} else if (!strcmp(op->task, "promote")) {
			r->role = ROLE_PROMOTED;
		} else if (!strcmp(op->task, "stop") || !strcmp(op->task, "demote")) {
			if (r->role < ROLE_STARTED)
				set_active(r);
		} else if (r->role < ROLE_STARTED && !probe) {
			set_active(r);
		}
		/* The first pending action names the node it is pending on;
		 * a pending probe does not. */
		if (!probe && !r->pending_node)
			r->pending_node = n;
		return;
	}
	if (probe && op->target_rc < 0)
		expected = OCF_NOT_RUNNING;
	/* Map the agent's result to success or failure. */
	if (status == EXEC_DONE || status == EXEC_ERROR) {
		switch (rc) {
		case OCF_OK:
		case OCF_DEGRADED:
			if (probe && expected == OCF_NOT_RUNNING) {
				status = EXEC_DONE;
			} else if (expected != rc && !(rc == OCF_DEGRADED && expected == OCF_OK)) {
				status = EXEC_ERROR;
			} else {
				status = EXEC_DONE;
			}
			if (rc == OCF_DEGRADED)
				status = EXEC_DONE;
			break;
		case OCF_NOT_RUNNING:
			if (probe || expected == rc || !r->managed) {
				status = EXEC_DONE;
				r->role = ROLE_STOPPED;
				h->on_fail = ON_FAIL_IGNORE;
				r->next_role = ROLE_UNKNOWN;
			} else if (strcmp(op->task, "stop")) {
				status = EXEC_ERROR;
			}
			break;
		case OCF_RUNNING_PROMOTED:
		case OCF_DEGRADED_PROMOTED:
			if (probe || expected == rc || rc == OCF_DEGRADED_PROMOTED) {
				status = EXEC_DONE;
			} else if (expected != rc) {
				status = EXEC_ERROR;
			}
			r->role = ROLE_PROMOTED;
			break;
		case OCF_FAILED_PROMOTED:
			r->role = ROLE_PROMOTED;
			status = EXEC_ERROR;
			break;
		case OCF_ERR_UNIMPLEMENTED:
			/* Only a one-shot action is a hard error; a recurring one
			 * is "not supported", an ordinary failure. */
			status = op->interval_ms ? EXEC_NOT_SUPPORTED : EXEC_ERROR_HARD;
			break;
		case OCF_ERR_ARGS:
		case OCF_ERR_PERM:
			status = EXEC_ERROR_HARD;
			break;
		case OCF_ERR_INSTALLED:
			status = EXEC_ERROR_HARD;
			break;
		case OCF_ERR_CONFIGURED:
			status = EXEC_ERROR_FATAL;
			break;
		default:
			status = EXEC_ERROR;
			break;
		}
	} else if (status == EXEC_NOT_INSTALLED) {
		status = EXEC_ERROR_HARD;
	} else if (status == EXEC_CANCELLED || status == EXEC_NOT_CONNECTED ||
		   status == EXEC_INVALID || status == EXEC_NO_FENCE_DEVICE) {
		return;
	}
	if (status == EXEC_DONE) {
		update_state_done(r, op, h);
		return;
	}
	/* A failure. An expired one (failure-timeout) is forgotten. */
	if (r->failure_timeout_ms > 0 && op->last_change > 0 &&
	    c->now * 1000 >= op->last_change * 1000 + r->failure_timeout_ms) {
		long long lf = fail_attr_time(n, r, "last-failure-");

		if (lf <= 0 || c->now * 1000 >= lf * 1000 + r->failure_timeout_ms)
			return;
	}
	{
		enum sched_on_fail f = op_on_fail(c, r, op->task, op->interval_ms);

		if (f == ON_FAIL_IGNORE) {
			struct op_rec ok = *op;

			ok.rc = expected;
			update_state_done(r, &ok, h);
			return;
		}
		if (on_fail_rank(f) > on_fail_rank(h->on_fail) || !h->have_fail)
			if (!h->have_fail || on_fail_rank(f) > on_fail_rank(h->on_fail))
				h->on_fail = f;
		h->have_fail = true;
		if (!strcmp(op->task, "stop")) {
			ban(r, n, -SCORE_INFINITY);
		} else if (!strcmp(op->task, "promote")) {
			r->role = ROLE_PROMOTED;
		} else if (!strcmp(op->task, "demote")) {
			if (f == ON_FAIL_BLOCK) {
				r->role = ROLE_PROMOTED;
				r->next_role = ROLE_STOPPED;
			} else if (rc == OCF_NOT_RUNNING) {
				r->role = ROLE_STOPPED;
			} else {
				r->role = ROLE_UNPROMOTED;
			}
		}
		if (probe && rc == OCF_ERR_INSTALLED)
			r->role = ROLE_STOPPED;
		else if (r->role < ROLE_STARTED)
			set_active(r);
		if (status == EXEC_ERROR_HARD) {
			ban(sched_rsc_top(r), n, -SCORE_INFINITY);
		} else if (status == EXEC_ERROR_FATAL) {
			for (int i = 0; i < c->nnodes; i++)
				ban(sched_rsc_top(r), c->nodes[i], -SCORE_INFINITY);
		}
	}
}

static void process_rsc_state(struct unpack_ctx *u, struct sched_rsc *r, struct sched_node *n,
			      struct hist_state *h)
{
	struct sched_cluster *c = u->c;
	enum sched_on_fail on_fail = h->on_fail;

	if (r->role == ROLE_UNKNOWN)
		r->role = ROLE_STOPPED;
	if (r->role > ROLE_STOPPED && !n->online && !n->maintenance && r->managed &&
	    c->stonith_enabled) {
		char *reason = xasprintf("%s is thought to be active there", r->id);

		fence_node(c, n, reason);
		free(reason);
	}
	if (n->unclean)
		on_fail = ON_FAIL_IGNORE;
	switch (on_fail) {
	case ON_FAIL_FENCE: {
		char *reason = xasprintf("%s failed there", r->id);

		fence_node(c, n, reason);
		free(reason);
		break;
	}
	case ON_FAIL_STANDBY:
		n->standby = true;
		break;
	case ON_FAIL_BLOCK:
		r->managed = false;
		r->blocked = true;
		break;
	case ON_FAIL_STOP:
		r->next_role = ROLE_STOPPED;
		break;
	default:
		break;
	}
	if (r->role > ROLE_STOPPED) {
		sched_rsc_add_running(r, n);
		switch (on_fail) {
		case ON_FAIL_IGNORE:
			break;
		case ON_FAIL_DEMOTE:
		case ON_FAIL_BLOCK:
			r->failed = true;
			break;
		default:
			r->failed = true;
			r->stop_on_fail = true;
			break;
		}
	}
}

static void unpack_lrm_rsc(struct unpack_ctx *u, struct sched_node *n, struct xml_node *lr)
{
	const char *id = xml_get(lr, "id");
	struct sched_rsc *r;
	struct op_rec *ops = NULL;
	int nops = 0;
	struct xml_node *x;
	struct hist_state h = { ON_FAIL_IGNORE, false, false };
	enum sched_role saved;

	if (!id)
		return;
	xml_foreach(x, lr, "lrm_rsc_op") {
		const char *v;
		struct op_rec *o;

		ops = xrealloc(ops, (nops + 1) * sizeof(*ops));
		o = &ops[nops];
		memset(o, 0, sizeof(*o));
		o->x = x;
		o->pos = nops;
		o->task = xml_get(x, "operation");
		if (!o->task)
			continue;
		v = xml_get(x, "interval");
		if (!v)
			v = xml_get(x, "interval_ms");
		o->interval_ms = v ? atoll(v) : 0;
		o->call_id = (v = xml_get(x, "call-id")) ? atoi(v) : -1;
		o->rc = (v = xml_get(x, "rc-code")) ? atoi(v) : 0;
		o->status = (v = xml_get(x, "op-status")) ? atoi(v) : 0;
		o->target_rc = target_rc_of(xml_get(x, "transition-key"));
		if (o->target_rc < 0)
			o->target_rc = target_rc_of(xml_get(x, "transition-magic") ?
				strchr(xml_get(x, "transition-magic"), ';') : NULL);
		o->last_change = (v = xml_get(x, "last-rc-change")) ? atoll(v) :
				 ((v = xml_get(x, "last-run")) ? atoll(v) : 0);
		nops++;
	}
	if (!nops) {
		free(ops);
		return;
	}
	r = find_history_rsc(u, n, id, lr);
	if (!r) {
		free(ops);
		return;
	}
	qsort(ops, nops, sizeof(*ops), op_cmp);
	saved = r->role;
	r->role = ROLE_UNKNOWN;
	for (int i = 0; i < nops; i++) {
		/* A pending operation only matters when it is the last one. */
		if (ops[i].status == EXEC_PENDING && i != nops - 1)
			continue;
		unpack_op(u, r, n, &ops[i], &h);
	}
	process_rsc_state(u, r, n, &h);
	if (saved > r->role)
		r->role = saved;
	free(ops);
}

static void unpack_node_history(struct unpack_ctx *u, struct xml_node *st, struct sched_node *n)
{
	struct xml_node *lrm = xml_child(st, "lrm"), *lrs, *lr;

	lrs = xml_child(lrm, "lrm_resources");
	xml_foreach(lr, lrs, "lrm_resource")
		unpack_lrm_rsc(u, n, lr);
}

static void unpack_status(struct unpack_ctx *u, struct xml_node *status)
{
	struct sched_cluster *c = u->c;
	struct xml_node *st;
	bool *done = xcalloc(c->nnodes + 1, sizeof(bool));

	xml_foreach(st, status, "node_state") {
		const char *uname = xml_get(st, "uname"), *id = xml_get(st, "id");
		struct sched_node *n = NULL;

		if (uname)
			n = sched_node_find(c, uname);
		if (!n && id)
			n = sched_node_find(c, id);
		if (!n)
			continue;
		unpack_node_state(u, st, n);
	}
	/* In status order. Without fencing, offline
	 * nodes' histories are not needed and are skipped; with it, every
	 * node is unpacked in the first pass. */
	for (int pass = 0; pass < 2; pass++) {
		if (pass == 1 && !c->stonith_enabled)
			break;
		xml_foreach(st, status, "node_state") {
			const char *uname = xml_get(st, "uname"), *id = xml_get(st, "id");
			struct sched_node *n = NULL;

			if (uname)
				n = sched_node_find(c, uname);
			if (!n && id)
				n = sched_node_find(c, id);
			if (!n || done[n->idx])
				continue;
			if (pass == 0 && !n->online && !c->stonith_enabled)
				continue;
			done[n->idx] = true;
			unpack_node_history(u, st, n);
		}
	}
	free(done);
	if (!c->have_quorum && c->no_quorum == NQ_SUICIDE) {
		for (int i = c->nnodes - 1; i >= 0; i--)
			if (c->nodes[i]->online)
				fence_node(c, c->nodes[i], "cluster does not have quorum");
	}
}

/* Seconds value of "<prefix><rsc>" or "<prefix><rsc>#op_interval"
 * attributes: the latest. */
static long long fail_attr_time(struct sched_node *n, struct sched_rsc *r, const char *prefix)
{
	const char *base = r->clone_base && !sched_rsc_top(r)->unique ? r->clone_base : r->id;
	size_t pl = strlen(prefix), bl = strlen(base);
	long long best = 0;

	for (int i = 0; i < n->attrs.n; i++) {
		const char *name = n->attrs.v[i].name;

		if (strncmp(name, prefix, pl) || strncmp(name + pl, base, bl))
			continue;
		if (name[pl + bl] && name[pl + bl] != '#')
			continue;
		best = MAX(best, atoll(n->attrs.v[i].value));
	}
	return best;
}

/* Effective fail count of r on n: sum of fail-count attributes, expired
 * by failure-timeout. */

int cib_fail_count(const struct sched_cluster *c, struct sched_rsc *r, struct sched_node *n)
{
	const char *base = r->clone_base && !sched_rsc_top(r)->unique ? r->clone_base : r->id;
	const char *prefix = "fail-count-";
	size_t pl = strlen(prefix), bl = strlen(base);
	int total = 0;

	for (int i = 0; i < n->attrs.n; i++) {
		const char *name = n->attrs.v[i].name, *rest;
		int v;

		if (strncmp(name, prefix, pl) || strncmp(name + pl, base, bl))
			continue;
		rest = name + pl + bl;
		/* Anonymous instances may be counted under "rsc:N". */
		if (*rest == ':' && !sched_rsc_top(r)->unique && rest[1] >= '0' && rest[1] <= '9') {
			rest++;
			while (*rest >= '0' && *rest <= '9')
				rest++;
		}
		if (*rest && *rest != '#')
			continue;
		if (sched_score_parse(n->attrs.v[i].value, &v))
			continue;
		total = sched_score_add(total, v);
	}
	if (total > 0 && r->failure_timeout_ms > 0) {
		long long last = fail_attr_time(n, r, "last-failure-");

		if (last > 0 && c->now * 1000 >= last * 1000 + r->failure_timeout_ms)
			total = 0;
	}
	return total;
}

static void finish_roles(struct sched_rsc *r)
{
	struct sched_rsc *top = sched_rsc_top(r);

	/* A started instance of a promotable clone is unpromoted. */
	if (r->variant == VARIANT_PRIMITIVE && top->variant == VARIANT_CLONE && top->promotable &&
	    r->role == ROLE_STARTED)
		r->role = ROLE_UNPROMOTED;
	for (int i = 0; i < r->nchildren; i++)
		finish_roles(r->children[i]);
	/* Collective roles: the highest of the children's. */
	if (r->nchildren) {
		r->role = ROLE_STOPPED;
		for (int i = 0; i < r->nchildren; i++)
			if (r->children[i]->role > r->role)
				r->role = r->children[i]->role;
	}
}

struct sched_cluster *cib_unpack(struct xml_node *cib, long long now, char *err, size_t errlen)
{
	struct unpack_ctx u = { 0 };
	struct xml_node *config, *status;
	const char *v;

	u.c = sched_cluster_new();
	u.cib = cib;
	u.err = err;
	u.errlen = errlen;
	u.c->now = now;
	if (!cib || strcmp(cib->name, "cib")) {
		ctx_error(&u, "the document is not a CIB (root element is not <cib>)");
		goto fail;
	}
	config = xml_child(cib, "configuration");
	if (!config) {
		ctx_error(&u, "the CIB has no <configuration> section");
		goto fail;
	}
	/* Without the attribute, the cluster has no quorum. */
	v = xml_get(cib, "have-quorum");
	u.c->have_quorum = v && str_true(v);
	if ((v = xml_get(cib, "dc-uuid")))
		u.c->dc_uuid = xstrdup(v);
	unpack_properties(&u, config);
	/* A cluster that never had quorum (no "no-quorum-panic" on the root)
	 * stops rather than fencing itself. */
	if (u.c->no_quorum == NQ_SUICIDE && !u.c->have_quorum &&
	    !((v = xml_get(cib, "no-quorum-panic")) && atoi(v) != 0))
		u.c->no_quorum = NQ_STOP;
	unpack_nodes(&u, config);
	unpack_resources(&u, config);
	if (u.rc)
		goto fail;
	unpack_constraints(&u, config);
	for (int i = 0; i < u.c->nall; i++) {
		struct sched_rsc *g = u.c->all[i];

		if (g->variant != VARIANT_GROUP)
			continue;
		for (int j = 1; j < g->nchildren; j++)
			add_colocation(u.c, "group:internal_colocation", g->children[j],
				       g->children[j - 1], SCORE_INFINITY, ROLE_UNKNOWN, ROLE_UNKNOWN,
				       NULL, g->children[j]->critical);
	}
	status = xml_child(cib, "status");
	if (status)
		unpack_status(&u, status);
	if (u.rc)
		goto fail;
	for (int i = 0; i < u.c->nrscs; i++)
		finish_roles(u.c->rscs[i]);
	for (int i = 0; i < u.c->nall; i++)
		u.c->all[i]->template_xml = NULL;
	return u.c;
fail:
	sched_cluster_free(u.c);
	return NULL;
}

struct xml_node *cib_new_document(void)
{
	struct xml_node *cib = xml_new(NULL, "cib"), *config;

	xml_set(cib, "validate-with", "pacemaker-3.7");
	xml_set(cib, "admin_epoch", "0");
	xml_set(cib, "epoch", "1");
	xml_set(cib, "num_updates", "0");
	xml_set(cib, "have-quorum", "1");
	config = xml_new(cib, "configuration");
	xml_new(config, "crm_config");
	xml_new(config, "nodes");
	xml_new(config, "resources");
	xml_new(config, "constraints");
	xml_new(cib, "status");
	return cib;
}

void cib_write(FILE *out, const struct xml_node *cib)
{
	xml_write(out, cib, 0);
}

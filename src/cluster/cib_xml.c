/* cib_xml: unpack a Pacemaker CIB into the scheduler's model. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cluster/cib_int.h"
#include "cluster/cib_xml.h"
#include "cluster/sched_int.h"
#include "lib/heap.h"
#include "lib/util.h"


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

bool cib_str_true(const char *s)
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

int sched_parse_interval_ms(const char *s, long long *out)
{
	long long v = parse_interval_ms(s);

	if (v < 0 || !s || !*s || v > (1LL << 40))
		return -EINVAL;
	*out = v;
	return 0;
}

/* The first element (depth first) named `name` with this id, outside
 * operation histories: an id-ref names a set or a rule, and a node's <lrm>
 * is most of a large CIB (and not in the tree of one read by cib_doc.c). */
static struct xml_node *find_ref(struct xml_node *root, const char *name, const char *id)
{
	struct xml_node *c, *r;
	const char *v;

	if (!strcmp(root->name, name) && (v = xml_get(root, "id")) && !strcmp(v, id))
		return root;
	if (!strcmp(root->name, "lrm"))
		return NULL;
	for (c = root->children; c; c = c->next)
		if ((r = find_ref(c, name, id)))
			return r;
	return NULL;
}

/* An nvpair may stand for another through id-ref. */
static struct xml_node *resolve_ref(struct unpack_ctx *u, struct xml_node *n)
{
	const char *ref = xml_get(n, "id-ref");
	struct xml_node *t;

	if (!ref)
		return n;
	t = find_ref(u->cib, n->name, ref);
	return t ? t : n;
}

/* Merge the nvpairs of every `set_name` child of `parent` into `a`
 * without overriding values already present (first set wins, as in
 * Pacemaker's unpack of ordered sets). */
void cib_unpack_nvsets(struct unpack_ctx *u, struct xml_node *parent, const char *set_name,
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
			/* "#default" lets a name take its default: it drops a value
			 * an earlier set gave, whatever the precedence (Pacemaker's
			 * populate_hash), and sets none. */
			if (!strcasecmp(value, "#default")) {
				sched_attrs_unset(a, name);
				continue;
			}
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

	cib_unpack_nvsets(u, crm, "cluster_property_set", &c->props, false);
	if ((v = sched_attrs_get(&c->props, "stonith-enabled")))
		c->stonith_enabled = cib_str_true(v);
	if ((v = sched_attrs_get(&c->props, "symmetric-cluster")))
		c->symmetric = cib_str_true(v);
	if ((v = sched_attrs_get(&c->props, "maintenance-mode")))
		c->maintenance_mode = cib_str_true(v);
	if ((v = sched_attrs_get(&c->props, "stop-all-resources")))
		c->stop_all = cib_str_true(v);
	if ((v = sched_attrs_get(&c->props, "start-failure-is-fatal")))
		c->start_failure_fatal = cib_str_true(v);
	if ((v = sched_attrs_get(&c->props, "stop-orphan-resources")))
		c->stop_orphans = cib_str_true(v);
	if ((v = sched_attrs_get(&c->props, "stop-orphan-actions")))
		c->stop_orphan_actions = cib_str_true(v);
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
				  !cib_str_true(sched_attrs_get(&c->props, "startup-fencing")));
		sched_attrs_set(&node->attrs, "#uname", uname);
		sched_attrs_set(&node->attrs, "#id", id);
		sched_attrs_set(&node->attrs, "#kind", "cluster");
		cib_unpack_nvsets(u, n, "instance_attributes", &node->attrs, false);
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
		cib_unpack_nvsets(u, op, "meta_attributes", &meta, false);
		r->ops = xrealloc(r->ops, (r->nops + 1) * sizeof(*r->ops));
		o = &r->ops[r->nops++];
		memset(o, 0, sizeof(*o));
		o->name = xstrdup(name);
		ms = parse_interval_ms(xml_get(op, "interval"));
		o->interval_ms = ms < 0 ? 0 : ms;
		o->role = sched_role_parse(xml_get(op, "role"));
		v = xml_get(op, "timeout");
		if (!v)
			v = sched_attrs_get(&meta, "timeout");
		if (!v)
			v = sched_attrs_get(&u->c->op_defaults, "timeout");
		ms = v ? parse_interval_ms(v) : 0;
		o->timeout_ms = ms < 0 ? 0 : ms;
		/* The op's own parameters: OCF_CHECK_LEVEL for the agent, all
		 * of them for the digest of what it ran with. */
		cib_unpack_nvsets(u, op, "instance_attributes", &o->params, false);
		v = sched_attrs_get(&o->params, "OCF_CHECK_LEVEL");
		o->check_level = v ? xstrdup(v) : NULL;
		o->enabled = true;
		if ((v = xml_get(op, "enabled")) || (v = sched_attrs_get(&meta, "enabled")))
			o->enabled = cib_str_true(v);
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

struct sched_rsc *cib_rsc_new(const char *id, enum sched_variant v, struct sched_rsc *parent)
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
struct sched_rsc *cib_clone_instance(struct unpack_ctx *u, struct sched_rsc *clone,
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

void cib_rsc_resolve_meta(struct unpack_ctx *u, struct sched_rsc *r)
{
	struct sched_cluster *c = u->c;
	const char *v;
	int score;

	r->target_role = sched_role_parse(rsc_meta(c, r, "target-role"));
	v = rsc_meta(c, r, "is-managed");
	r->managed = v ? cib_str_true(v) : true;
	v = rsc_meta(c, r, "maintenance");
	r->maintenance = v && cib_str_true(v);
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
	r->critical = v ? cib_str_true(v) : true;
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
		r = cib_rsc_new(full, VARIANT_PRIMITIVE, parent);
		r->cls = xstrdup(cls);
		r->type = xstrdup(type);
		if (xml_get(e, "provider"))
			r->provider = xstrdup(xml_get(e, "provider"));
		cib_unpack_nvsets(u, e, "meta_attributes", &r->meta, false);
		cib_unpack_nvsets(u, e, "instance_attributes", &r->params, false);
		unpack_ops(u, r, e);
	} else if (!strcmp(e->name, "group")) {
		r = cib_rsc_new(full, VARIANT_GROUP, parent);
		cib_unpack_nvsets(u, e, "meta_attributes", &r->meta, false);
		/* Members inherit these (sched_op_digest counts them). */
		cib_unpack_nvsets(u, e, "instance_attributes", &r->params, false);
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

		r = cib_rsc_new(full, VARIANT_CLONE, parent);
		cib_unpack_nvsets(u, e, "meta_attributes", &r->meta, false);
		cib_unpack_nvsets(u, e, "instance_attributes", &r->params, false);
		for (ch = e->children; ch; ch = ch->next)
			if (!strcmp(ch->name, "primitive") || !strcmp(ch->name, "group"))
				tmpl = ch;
		if (!tmpl) {
			ctx_error(u, "line %d: clone '%s' has no primitive or group", e->line, id);
			goto out;
		}
		r->promotable = !strcmp(e->name, "master") ||
				cib_str_true(sched_attrs_get(&r->meta, "promotable"));
		r->unique = cib_str_true(rsc_meta(c, r, "globally-unique"));
		r->interleave = cib_str_true(rsc_meta(c, r, "interleave"));
		r->ordered = cib_str_true(rsc_meta(c, r, "ordered"));
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
		/* (checked here too: with clone-max=0 no instance is made) */
		if (!xml_get(tmpl, "id")) {
			ctx_error(u, "line %d: <%s> without id", tmpl->line, tmpl->name);
			goto out;
		}
		for (int i = 0; i < max; i++)
			if (!cib_clone_instance(u, r, tmpl, i))
				goto out;
		r->clone_base = xstrdup(xml_get(tmpl, "id"));
		/* Remember the template to create orphans from. */
		r->template_xml = tmpl;
	} else {
		goto out;
	}
	if (r)
		cib_rsc_resolve_meta(u, r);
out:
	free(full);
	return r;
}

struct xml_node *cib_clone_template(struct sched_rsc *clone)
{
	return (struct xml_node *)clone->template_xml;
}

/* Base name (without ":N") of a resource id. */
char *cib_strip_instance(const char *id)
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

void cib_fix_clone_bases(struct sched_rsc *r)
{
	for (int i = 0; i < r->nchildren; i++)
		cib_fix_clone_bases(r->children[i]);
	if (r->parent && sched_rsc_top(r)->variant == VARIANT_CLONE && r->variant != VARIANT_CLONE) {
		free(r->clone_base);
		r->clone_base = cib_strip_instance(r->id);
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
	cib_unpack_nvsets(u, defs, "meta_attributes", &c->rsc_defaults, false);
	defs = xml_child(config, "op_defaults");
	cib_unpack_nvsets(u, defs, "meta_attributes", &c->op_defaults, false);
	for (e = rscs ? rscs->children : NULL; e && !u->rc; e = e->next) {
		struct sched_rsc *r;

		if (strcmp(e->name, "primitive") && strcmp(e->name, "group") &&
		    strcmp(e->name, "clone") && strcmp(e->name, "master"))
			continue;
		/* The model of a large cluster is a few MiB: its pages are
		 * filled in as the heap grows rather than faulted one by one. */
		heap_fill();
		r = unpack_rsc(u, e, NULL, NULL);
		if (!r)
			continue;
		cib_fix_clone_bases(r);
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
					     cib_str_true(xml_get(set, "sequential"))))
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
	influence = inf ? cib_str_true(inf) : dep->critical;
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
	symmetrical = v ? cib_str_true(v) : kind != ORDER_SERIALIZE;
	if (xml_child(e, "resource_set")) {
		struct xml_node *set, *ref;
		struct sched_rsc *prev_last = NULL;
		const char *prev_action = NULL;

		xml_foreach(set, e, "resource_set") {
			struct sched_rsc *prev = NULL, *first = NULL;
			const char *action = xml_get(set, "action");
			bool seq = !xml_get(set, "sequential") || cib_str_true(xml_get(set, "sequential"));

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
			  xml_get(e, "first-action"), kind, symmetrical, ra ? cib_str_true(ra) : true);
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

void cib_fence_node(struct sched_cluster *c, struct sched_node *n, const char *reason)
{
	if (n->unclean && n->fence_reason)
		return;
	n->unclean = true;
	if (!n->fence_reason)
		n->fence_reason = xstrdup(reason);
	n->fence_seq = ++c->fence_seq;
}

struct sched_cluster *cib_unpack(struct xml_node *cib, long long now, char *err, size_t errlen)
{
	return cib_unpack_with(cib, now, NULL, NULL, err, errlen);
}

struct sched_cluster *cib_unpack_with(struct xml_node *cib, long long now,
				      bool (*history)(struct unpack_ctx *, struct xml_node *,
						      struct sched_node *),
				      void *history_arg, char *err, size_t errlen)
{
	struct unpack_ctx u = { 0 };
	struct xml_node *config, *status;
	const char *v;

	u.c = sched_cluster_new();
	u.cib = cib;
	u.err = err;
	u.errlen = errlen;
	u.history = history;
	u.history_arg = history_arg;
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
	u.c->have_quorum = v && cib_str_true(v);
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
		cib_unpack_status(&u, status);
	if (u.rc)
		goto fail;
	for (int i = 0; i < u.c->nrscs; i++)
		cib_finish_roles(u.c->rscs[i]);
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

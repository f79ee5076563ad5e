/* crm_parse: crmsh configure syntax into a CIB document. */
#include <errno.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cluster/crm_parse.h"
#include "cluster/cib_xml.h"
#include "cluster/sched.h"
#include "lib/cfgtok.h"
#include "lib/util.h"

static const char *const crm_keywords[] = {
	"node", "primitive", "group", "clone", "ms", "location", "colocation", "collocation",
	"order", "property", "rsc_defaults", "op_defaults", "fencing_topology", NULL,
};

static const char *const crm_properties[] = {
	"stonith-enabled", "no-quorum-policy", "symmetric-cluster", "maintenance-mode",
	"stop-all-resources", "start-failure-is-fatal", "cluster-recheck-interval",
	"stop-orphan-resources", "stop-orphan-actions", "stonith-action", "placement-strategy",
	"startup-fencing", "have-watchdog", "dc-version", "cluster-infrastructure",
	"cluster-name", "batch-limit", "shutdown-escalation", "stonith-timeout",
	"priority-fencing-delay", "node-health-strategy", "election-timeout", "dc-deadtime", NULL,
};

static const char *const crm_metas[] = {
	"target-role", "is-managed", "resource-stickiness", "migration-threshold",
	"failure-timeout", "priority", "critical", "clone-max", "clone-node-max", "interleave",
	"ordered", "globally-unique", "promotable", "promoted-max", "promoted-node-max",
	"master-max", "master-node-max", "clone-min", "maintenance", "multiple-active",
	"allow-migrate", "notify", "requires", "resource-discovery", "description", NULL,
};

static const char *const crm_op_attrs[] = {
	"interval", "timeout", "on-fail", "role", "start-delay", "enabled", "record-pending",
	"description", "OCF_CHECK_LEVEL", NULL,
};

static const char *const crm_on_fail[] = {
	"restart", "ignore", "block", "stop", "standby", "fence", "demote", NULL,
};

static const char *const crm_order_kinds[] = { "Mandatory", "Optional", "Serialize", NULL };

static const char *const crm_expr_ops[] = {
	"eq", "ne", "lt", "gt", "lte", "gte", "defined", "not_defined", NULL,
};

/* A device named by fencing_topology, checked once every resource is read. */
struct fence_ref {
	int line;
	char *device;
};

struct crm {
	struct xml_node *cib, *config, *crm_config, *nodes, *resources, *constraints;
	struct fence_ref *fence_refs;
	int nfence_refs;
	struct xml_node *rsc_defaults, *op_defaults;
	const char *file;
	int line;
	char *err;
	size_t errlen;
	int ids;
};

static int crm_error(struct crm *p, const char *word, const char *const *choices,
		     const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int crm_error(struct crm *p, const char *word, const char *const *choices,
		     const char *fmt, ...)
{
	va_list ap;
	int n;
	const char *s;

	n = snprintf(p->err, p->errlen, "%s:%d: ", p->file, p->line);
	if (n < 0 || (size_t)n >= p->errlen)
		return -EINVAL;
	va_start(ap, fmt);
	n += vsnprintf(p->err + n, p->errlen - n, fmt, ap);
	va_end(ap);
	if (word && (size_t)n < p->errlen)
		n += snprintf(p->err + n, p->errlen - n, " '%s'", word);
	if (word && choices && (s = suggest_word(word, choices)) && (size_t)n < p->errlen)
		snprintf(p->err + n, p->errlen - n, "; did you mean '%s'?", s);
	return -EINVAL;
}

static bool valid_id(const char *s)
{
	if (!*s || !((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_'))
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || *s == '-' || *s == '.'))
			return false;
	return true;
}

static bool id_taken(struct crm *p, const char *id)
{
	return xml_find_id(p->config, NULL, id) != NULL;
}

static struct xml_node *find_rsc(struct crm *p, const char *id)
{
	struct xml_node *n = xml_find_id(p->resources, NULL, id);

	if (n && (!strcmp(n->name, "primitive") || !strcmp(n->name, "group") ||
		  !strcmp(n->name, "clone") || !strcmp(n->name, "master")))
		return n;
	return NULL;
}

static void add_nvpair(struct crm *p, struct xml_node *set, const char *name, const char *value)
{
	struct xml_node *nv = xml_new(set, "nvpair");
	char *id = xasprintf("%s-%s", xml_get(set, "id"), name);

	xml_set(nv, "id", id);
	xml_set(nv, "name", name);
	xml_set(nv, "value", value);
	free(id);
}

/* Split "k=v"; returns the value or NULL. */
static char *split_kv(char *word)
{
	char *eq = strchr(word, '=');

	if (!eq || eq == word)
		return NULL;
	*eq = 0;
	return eq + 1;
}

static bool is_bool(const char *v)
{
	static const char *const b[] = { "true", "false", "yes", "no", "on", "off", "1", "0",
					 "y", "n", NULL };

	for (int i = 0; b[i]; i++)
		if (!strcasecmp(v, b[i]))
			return true;
	return false;
}

static int check_meta(struct crm *p, const char *name, const char *value)
{
	int score;
	long long ll;

	if (!strcmp(name, "target-role")) {
		static const char *const roles[] = { "Started", "Stopped", "Promoted", "Unpromoted",
						     "Master", "Slave", NULL };

		if (sched_role_parse(value) == ROLE_UNKNOWN)
			return crm_error(p, value, roles, "invalid target-role");
	} else if (!strcmp(name, "resource-stickiness") || !strcmp(name, "priority") ||
		   !strcmp(name, "migration-threshold")) {
		if (sched_score_parse(value, &score))
			return crm_error(p, value, NULL, "invalid score for %s:", name);
	} else if (!strcmp(name, "is-managed") || !strcmp(name, "critical") ||
		   !strcmp(name, "interleave") || !strcmp(name, "ordered") ||
		   !strcmp(name, "globally-unique") || !strcmp(name, "promotable") ||
		   !strcmp(name, "maintenance") || !strcmp(name, "notify")) {
		if (!is_bool(value))
			return crm_error(p, value, NULL, "expected a boolean for %s, got", name);
	} else if (!strcmp(name, "clone-max") || !strcmp(name, "clone-node-max") ||
		   !strcmp(name, "promoted-max") || !strcmp(name, "promoted-node-max") ||
		   !strcmp(name, "master-max") || !strcmp(name, "master-node-max") ||
		   !strcmp(name, "clone-min")) {
		if (parse_int(value, 0, 100000, &ll))
			return crm_error(p, value, NULL, "expected a count for %s, got", name);
	} else if (!strcmp(name, "failure-timeout")) {
		char *end;

		strtod(value, &end);
		if (end == value || (*end && strcmp(end, "s") && strcmp(end, "ms") &&
				     strcmp(end, "m") && strcmp(end, "min") && strcmp(end, "h")))
			return crm_error(p, value, NULL, "invalid failure-timeout");
	}
	return 0;
}

/* Parse "KEYWORD k=v ..." sections of a primitive/group/clone. */
static int parse_nv_section(struct crm *p, struct xml_node *parent, const char *set_name,
			    const char *suffix, char **argv, int *i, bool meta)
{
	struct xml_node *set = NULL;
	char *id;

	for (struct xml_node *s = parent->children; s; s = s->next)
		if (!strcmp(s->name, set_name))
			set = s;
	if (!set) {
		set = xml_new(parent, set_name);
		id = xasprintf("%s-%s", xml_get(parent, "id"), suffix);
		xml_set(set, "id", id);
		free(id);
	}
	while (argv[*i]) {
		char *w = argv[*i], *v;

		if (!strchr(w, '='))
			break;
		w = xstrdup(w);
		v = split_kv(w);
		if (!v) {
			int rc = crm_error(p, argv[*i], NULL, "expected NAME=VALUE, got");

			free(w);
			return rc;
		}
		if (meta) {
			int rc = check_meta(p, w, v);

			if (rc) {
				free(w);
				return rc;
			}
		}
		add_nvpair(p, set, w, v);
		free(w);
		(*i)++;
	}
	return 0;
}

static int parse_op(struct crm *p, struct xml_node *prim, char **argv, int *i)
{
	struct xml_node *ops = xml_child(prim, "operations"), *op;
	const char *name = argv[*i];
	const char *interval = "0";
	char *id;

	if (!name)
		return crm_error(p, NULL, NULL, "'op' needs an operation name");
	if (!ops)
		ops = xml_new(prim, "operations");
	op = xml_new(ops, "op");
	xml_set(op, "name", name);
	(*i)++;
	while (argv[*i] && strchr(argv[*i], '=')) {
		char *w = xstrdup(argv[*i]), *v = split_kv(w);
		bool known = false;

		for (int k = 0; crm_op_attrs[k]; k++)
			if (!strcmp(w, crm_op_attrs[k]))
				known = true;
		if (!v || !known) {
			int rc = crm_error(p, w, crm_op_attrs, "unknown op attribute");

			free(w);
			return rc;
		}
		if (!strcmp(w, "on-fail")) {
			bool ok = false;

			for (int k = 0; crm_on_fail[k]; k++)
				if (!strcmp(v, crm_on_fail[k]))
					ok = true;
			if (!ok) {
				int rc = crm_error(p, v, crm_on_fail, "invalid on-fail");

				free(w);
				return rc;
			}
		}
		if (!strcmp(w, "role") && sched_role_parse(v) == ROLE_UNKNOWN) {
			int rc = crm_error(p, v, NULL, "invalid role");

			free(w);
			return rc;
		}
		if (!strcmp(w, "interval"))
			interval = argv[*i] + strlen("interval=");
		if (!strcmp(w, "timeout") || !strcmp(w, "interval")) {
			long long ms;

			if (sched_parse_interval_ms(v, &ms)) {
				int rc = crm_error(p, v, NULL, "invalid duration");

				free(w);
				return rc;
			}
		}
		if (!strcmp(w, "OCF_CHECK_LEVEL")) {
			/* crmsh keeps it as an instance attribute of the op. */
			struct xml_node *ia = xml_new(op, "instance_attributes");
			char *ia_id = xasprintf("%s-instance_attributes", xml_get(prim, "id"));

			xml_set(ia, "id", ia_id);
			free(ia_id);
			add_nvpair(p, ia, w, v);
		} else {
			xml_set(op, w, v);
		}
		free(w);
		(*i)++;
	}
	if (!xml_get(op, "interval"))
		xml_set(op, "interval", "0");
	id = xasprintf("%s-%s-%s", xml_get(prim, "id"), name, interval);
	xml_set(op, "id", id);
	free(id);
	return 0;
}

static int parse_primitive(struct crm *p, char **argv)
{
	const char *id = argv[1], *agent = argv[2];
	struct xml_node *prim;
	char *a, *c1, *c2;
	int i = 3, rc;

	if (!id || !agent)
		return crm_error(p, NULL, NULL, "usage: primitive ID CLASS[:PROVIDER]:TYPE ...");
	if (!valid_id(id))
		return crm_error(p, id, NULL, "invalid resource id");
	if (id_taken(p, id))
		return crm_error(p, id, NULL, "duplicate id");
	a = xstrdup(agent);
	c1 = strchr(a, ':');
	if (!c1) {
		free(a);
		return crm_error(p, agent, NULL, "expected CLASS[:PROVIDER]:TYPE, got");
	}
	*c1++ = 0;
	c2 = strchr(c1, ':');
	prim = xml_new(p->resources, "primitive");
	xml_set(prim, "id", id);
	xml_set(prim, "class", a);
	if (c2) {
		*c2++ = 0;
		xml_set(prim, "provider", c1);
		xml_set(prim, "type", c2);
	} else {
		if (!strcmp(a, "ocf")) {
			free(a);
			return crm_error(p, agent, NULL, "ocf agents need a provider:");
		}
		xml_set(prim, "type", c1);
	}
	free(a);
	while (argv[i]) {
		const char *kw = argv[i++];
		static const char *const sections[] = { "params", "meta", "op", "utilization", NULL };

		if (!strcmp(kw, "params"))
			rc = parse_nv_section(p, prim, "instance_attributes", "instance_attributes",
					      argv, &i, false);
		else if (!strcmp(kw, "meta"))
			rc = parse_nv_section(p, prim, "meta_attributes", "meta_attributes", argv, &i, true);
		else if (!strcmp(kw, "utilization"))
			rc = parse_nv_section(p, prim, "utilization", "utilization", argv, &i, false);
		else if (!strcmp(kw, "op"))
			rc = parse_op(p, prim, argv, &i);
		else
			rc = crm_error(p, kw, sections, "unexpected word in primitive");
		if (rc)
			return rc;
	}
	return 0;
}

static int parse_group(struct crm *p, char **argv)
{
	const char *id = argv[1];
	struct xml_node *g;
	int i = 2, members = 0;

	if (!id)
		return crm_error(p, NULL, NULL, "usage: group ID RSC... [meta k=v...]");
	if (!valid_id(id))
		return crm_error(p, id, NULL, "invalid group id");
	if (id_taken(p, id))
		return crm_error(p, id, NULL, "duplicate id");
	g = xml_new(p->resources, "group");
	xml_set(g, "id", id);
	for (; argv[i] && strcmp(argv[i], "meta") && strcmp(argv[i], "params"); i++) {
		struct xml_node *m = find_rsc(p, argv[i]), *copy;

		if (!m || strcmp(m->name, "primitive"))
			return crm_error(p, argv[i], NULL,
					 m ? "group members must be primitives, got" :
					     "unknown resource in group");
		if (m->parent != p->resources)
			return crm_error(p, argv[i], NULL, "resource already belongs to");
		/* Move the primitive under the group, keeping its XML. */
		copy = m;
		{
			struct xml_node *prev = NULL, *x;

			for (x = p->resources->children; x && x != m; x = x->next)
				prev = x;
			if (prev)
				prev->next = m->next;
			else
				p->resources->children = m->next;
			if (p->resources->last == m)
				p->resources->last = prev;
		}
		copy->next = NULL;
		copy->parent = g;
		if (g->last)
			g->last->next = copy;
		else
			g->children = copy;
		g->last = copy;
		members++;
	}
	if (!members)
		return crm_error(p, id, NULL, "empty group");
	/* Keep the group where its first member was declared: simpler to
	 * append, and Pacemaker's order is the XML order, so move it. */
	while (argv[i]) {
		if (!strcmp(argv[i], "meta")) {
			int rc;

			i++;
			rc = parse_nv_section(p, g, "meta_attributes", "meta_attributes", argv, &i, true);
			if (rc)
				return rc;
		} else if (!strcmp(argv[i], "params")) {
			int rc;

			i++;
			rc = parse_nv_section(p, g, "instance_attributes", "instance_attributes", argv,
					      &i, false);
			if (rc)
				return rc;
		} else {
			return crm_error(p, argv[i], NULL, "unexpected word in group");
		}
	}
	return 0;
}

static int parse_clone(struct crm *p, char **argv, bool ms)
{
	const char *id = argv[1];
	struct xml_node *cl, *m;
	int i = 3;

	if (!id || !argv[2])
		return crm_error(p, NULL, NULL, "usage: clone ID RSC [meta k=v...]");
	if (!valid_id(id))
		return crm_error(p, id, NULL, "invalid clone id");
	if (id_taken(p, id))
		return crm_error(p, id, NULL, "duplicate id");
	m = find_rsc(p, argv[2]);
	if (!m || (strcmp(m->name, "primitive") && strcmp(m->name, "group")))
		return crm_error(p, argv[2], NULL, m ? "only primitives and groups can be cloned, got" :
						       "unknown resource to clone");
	if (m->parent != p->resources)
		return crm_error(p, argv[2], NULL, "resource already belongs to a group or clone:");
	cl = xml_new(p->resources, ms ? "master" : "clone");
	xml_set(cl, "id", id);
	{
		struct xml_node *prev = NULL, *x;

		for (x = p->resources->children; x && x != m; x = x->next)
			prev = x;
		if (prev)
			prev->next = m->next;
		else
			p->resources->children = m->next;
		if (p->resources->last == m)
			p->resources->last = prev;
		/* cl was appended last; m might have been last before it. */
		m->next = NULL;
		m->parent = cl;
		cl->children = cl->last = m;
	}
	while (argv[i]) {
		if (!strcmp(argv[i], "meta")) {
			int rc;

			i++;
			rc = parse_nv_section(p, cl, "meta_attributes", "meta_attributes", argv, &i, true);
			if (rc)
				return rc;
		} else {
			return crm_error(p, argv[i], NULL, "unexpected word in clone");
		}
	}
	return 0;
}

static int parse_score(struct crm *p, const char *w, char *out, size_t len)
{
	size_t l = strlen(w);
	int score;
	char buf[64];

	if (l < 2 || w[l - 1] != ':' || l > sizeof(buf))
		return crm_error(p, w, NULL, "expected SCORE: (e.g. 'inf:', '100:'), got");
	memcpy(buf, w, l - 1);
	buf[l - 1] = 0;
	if (!strcasecmp(buf, "inf") || !strcasecmp(buf, "+inf"))
		snprintf(buf, sizeof(buf), "INFINITY");
	else if (!strcasecmp(buf, "-inf"))
		snprintf(buf, sizeof(buf), "-INFINITY");
	if (sched_score_parse(buf, &score))
		return crm_error(p, w, NULL, "invalid score");
	snprintf(out, len, "%s", buf);
	return 0;
}

static int parse_rule(struct crm *p, struct xml_node *loc, char **argv, int *i)
{
	struct xml_node *rule = xml_new(loc, "rule");
	char score[64], *id;
	int n = 0;

	id = xasprintf("%s-rule%d", xml_get(loc, "id"), ++p->ids);
	xml_set(rule, "id", id);
	free(id);
	if (argv[*i] && (!strncmp(argv[*i], "$role=", 6) || !strncmp(argv[*i], "role=", 5))) {
		const char *r = strchr(argv[*i], '=') + 1;

		if (sched_role_parse(r) == ROLE_UNKNOWN)
			return crm_error(p, r, NULL, "invalid role");
		xml_set(rule, "role", r);
		(*i)++;
	}
	if (!argv[*i])
		return crm_error(p, NULL, NULL, "rule needs SCORE: EXPRESSION");
	if (parse_score(p, argv[*i], score, sizeof(score)))
		return -EINVAL;
	xml_set(rule, "score", score);
	(*i)++;
	while (argv[*i]) {
		struct xml_node *e;
		const char *a = argv[*i];

		if (n && (!strcmp(a, "and") || !strcmp(a, "or"))) {
			xml_set(rule, "boolean-op", a);
			(*i)++;
			a = argv[*i];
			if (!a)
				return crm_error(p, NULL, NULL, "expression expected after 'and'/'or'");
		} else if (n) {
			return crm_error(p, a, NULL, "expected 'and' or 'or', got");
		}
		e = xml_new(rule, "expression");
		id = xasprintf("%s-expr%d", xml_get(rule, "id"), n);
		xml_set(e, "id", id);
		free(id);
		if (!strcmp(a, "defined") || !strcmp(a, "not_defined")) {
			if (!argv[*i + 1])
				return crm_error(p, a, NULL, "attribute name expected after");
			xml_set(e, "operation", a);
			xml_set(e, "attribute", argv[*i + 1]);
			*i += 2;
		} else {
			const char *op = argv[*i + 1], *val = op ? argv[*i + 2] : NULL;
			bool ok = false;

			if (!op || !val)
				return crm_error(p, a, NULL, "expected ATTRIBUTE OP VALUE after");
			for (int k = 0; crm_expr_ops[k]; k++)
				if (!strcmp(op, crm_expr_ops[k]))
					ok = true;
			if (!ok || !strcmp(op, "defined") || !strcmp(op, "not_defined"))
				return crm_error(p, op, crm_expr_ops, "unknown operator");
			xml_set(e, "attribute", a);
			xml_set(e, "operation", op);
			xml_set(e, "value", val);
			*i += 3;
		}
		n++;
	}
	if (!n)
		return crm_error(p, NULL, NULL, "rule needs an expression");
	return 0;
}

static int parse_location(struct crm *p, char **argv)
{
	const char *id = argv[1], *rsc = argv[2];
	struct xml_node *loc;
	char score[64];
	int i = 3;

	if (!id || !rsc || !argv[3])
		return crm_error(p, NULL, NULL, "usage: location ID RSC SCORE: NODE | rule ...");
	if (!valid_id(id))
		return crm_error(p, id, NULL, "invalid constraint id");
	if (id_taken(p, id))
		return crm_error(p, id, NULL, "duplicate id");
	if (!find_rsc(p, rsc))
		return crm_error(p, rsc, NULL, "unknown resource");
	loc = xml_new(p->constraints, "rsc_location");
	xml_set(loc, "id", id);
	xml_set(loc, "rsc", rsc);
	if (!strcmp(argv[3], "rule")) {
		i = 4;
		return parse_rule(p, loc, argv, &i);
	}
	if (!strncmp(argv[i], "role=", 5)) {
		xml_set(loc, "role", argv[i] + 5);
		i++;
	}
	if (!argv[i] || parse_score(p, argv[i], score, sizeof(score)))
		return argv[i] ? -EINVAL : crm_error(p, NULL, NULL, "score expected");
	if (!argv[i + 1])
		return crm_error(p, NULL, NULL, "node name expected after the score");
	if (argv[i + 2])
		return crm_error(p, argv[i + 2], NULL, "unexpected word after the node name:");
	xml_set(loc, "score", score);
	xml_set(loc, "node", argv[i + 1]);
	return 0;
}

/* The resource part of "RSC[:ROLE|ACTION]" must be declared; on error
 * *rsc is freed. */
static int known_rsc(struct crm *p, char **rsc)
{
	int rc;

	if (find_rsc(p, *rsc))
		return 0;
	rc = crm_error(p, *rsc, NULL, "unknown resource");
	xfree(rsc);
	return rc;
}

static int split_role(struct crm *p, const char *w, char **rsc, const char **role)
{
	char *c;

	*rsc = xstrdup(w);
	*role = NULL;
	c = strchr(*rsc, ':');
	if (c) {
		*c++ = 0;
		if (sched_role_parse(c) == ROLE_UNKNOWN) {
			static const char *const roles[] = { "Started", "Stopped", "Promoted",
							     "Unpromoted", "Master", "Slave", NULL };
			int rc = crm_error(p, c, roles, "invalid role");

			free(*rsc);
			return rc;
		}
		*role = w + (c - *rsc);
	}
	return known_rsc(p, rsc);
}

static int parse_colocation(struct crm *p, char **argv)
{
	const char *id = argv[1];
	struct xml_node *co;
	char score[64], *dep, *prim;
	const char *drole, *prole;

	if (!id || !argv[2] || !argv[3] || !argv[4])
		return crm_error(p, NULL, NULL, "usage: colocation ID SCORE: RSC[:ROLE] WITH[:ROLE]");
	if (argv[5])
		return crm_error(p, argv[5], NULL, "resource sets are not supported; unexpected");
	if (!valid_id(id))
		return crm_error(p, id, NULL, "invalid constraint id");
	if (id_taken(p, id))
		return crm_error(p, id, NULL, "duplicate id");
	if (parse_score(p, argv[2], score, sizeof(score)))
		return -EINVAL;
	if (split_role(p, argv[3], &dep, &drole))
		return -EINVAL;
	if (split_role(p, argv[4], &prim, &prole)) {
		free(dep);
		return -EINVAL;
	}
	co = xml_new(p->constraints, "rsc_colocation");
	xml_set(co, "id", id);
	xml_set(co, "score", score);
	xml_set(co, "rsc", dep);
	xml_set(co, "with-rsc", prim);
	if (drole)
		xml_set(co, "rsc-role", drole);
	if (prole)
		xml_set(co, "with-rsc-role", prole);
	free(dep);
	free(prim);
	return 0;
}

static int split_action(struct crm *p, const char *w, char **rsc, const char **action)
{
	static const char *const actions[] = { "start", "stop", "promote", "demote", NULL };
	char *c;

	*rsc = xstrdup(w);
	*action = NULL;
	c = strchr(*rsc, ':');
	if (c) {
		bool ok = false;

		*c++ = 0;
		for (int k = 0; actions[k]; k++)
			if (!strcmp(c, actions[k]))
				ok = true;
		if (!ok) {
			int rc = crm_error(p, c, actions, "invalid action");

			free(*rsc);
			return rc;
		}
		*action = w + (c - *rsc);
	}
	return known_rsc(p, rsc);
}

static int parse_order(struct crm *p, char **argv)
{
	const char *id = argv[1], *kind = argv[2], *fa, *ta;
	struct xml_node *o;
	char *first, *then, score[64];
	char kbuf[64];
	int i = 5;

	if (!id || !kind || !argv[3] || !argv[4])
		return crm_error(p, NULL, NULL, "usage: order ID KIND|SCORE: FIRST[:ACTION] THEN[:ACTION]");
	if (!valid_id(id))
		return crm_error(p, id, NULL, "invalid constraint id");
	if (id_taken(p, id))
		return crm_error(p, id, NULL, "duplicate id");
	snprintf(kbuf, sizeof(kbuf), "%s", kind);
	if (kbuf[0] && kbuf[strlen(kbuf) - 1] == ':')
		kbuf[strlen(kbuf) - 1] = 0;
	else
		return crm_error(p, kind, NULL, "expected KIND: or SCORE:, got");
	score[0] = 0;
	if (strcasecmp(kbuf, "Mandatory") && strcasecmp(kbuf, "Optional") &&
	    strcasecmp(kbuf, "Serialize")) {
		if (parse_score(p, kind, score, sizeof(score)))
			return crm_error(p, kbuf, crm_order_kinds, "invalid order kind");
		kbuf[0] = 0;
	}
	if (split_action(p, argv[3], &first, &fa))
		return -EINVAL;
	if (split_action(p, argv[4], &then, &ta)) {
		free(first);
		return -EINVAL;
	}
	o = xml_new(p->constraints, "rsc_order");
	xml_set(o, "id", id);
	if (kbuf[0]) {
		char k[80];

		snprintf(k, sizeof(k), "%c%s", kbuf[0] & ~0x20, kbuf + 1);
		for (char *q = k + 1; *q; q++)
			*q |= 0x20;
		xml_set(o, "kind", k);
	} else {
		xml_set(o, "score", score);
	}
	xml_set(o, "first", first);
	xml_set(o, "then", then);
	if (fa)
		xml_set(o, "first-action", fa);
	if (ta)
		xml_set(o, "then-action", ta);
	free(first);
	free(then);
	for (; argv[i]; i++) {
		char *w = xstrdup(argv[i]), *v = split_kv(w);

		/* require-all=false: 'then' needs only one instance of a
		 * cloned 'first' (rsc_order's attribute of that name). */
		if (!v || (strcmp(w, "symmetrical") && strcmp(w, "require-all")) || !is_bool(v)) {
			int rc = crm_error(p, argv[i], NULL,
					   "expected symmetrical=true|false or require-all=true|false, got");

			free(w);
			return rc;
		}
		xml_set(o, w, v);
		free(w);
	}
	return 0;
}

static int parse_property(struct crm *p, char **argv, struct xml_node *parent,
			  const char *set_name, const char *set_id, const char *const *known)
{
	struct xml_node *set = xml_child(parent, set_name);
	int i = 1;

	if (!set) {
		set = xml_new(parent, set_name);
		xml_set(set, "id", set_id);
	}
	if (argv[i] && str_ends_with(argv[i], ":") && !strchr(argv[i], '='))
		i++; /* "property cib-bootstrap-options: ..." */
	if (!argv[i])
		return crm_error(p, NULL, NULL, "NAME=VALUE expected after");
	for (; argv[i]; i++) {
		char *w = xstrdup(argv[i]), *v = split_kv(w);
		bool ok = !known;

		if (!v) {
			int rc = crm_error(p, argv[i], NULL, "expected NAME=VALUE, got");

			free(w);
			return rc;
		}
		for (int k = 0; known && known[k]; k++)
			if (!strcmp(w, known[k]))
				ok = true;
		if (!ok) {
			int rc = crm_error(p, w, known, "unknown property");

			free(w);
			return rc;
		}
		if (known == crm_properties && !strcmp(w, "no-quorum-policy")) {
			static const char *const nq[] = { "stop", "ignore", "freeze", "suicide",
							  "demote", NULL };
			bool good = false;

			for (int k = 0; nq[k]; k++)
				if (!strcmp(v, nq[k]))
					good = true;
			if (!good) {
				int rc = crm_error(p, v, nq, "invalid no-quorum-policy");

				free(w);
				return rc;
			}
		} else if (known == crm_properties &&
			   (!strcmp(w, "stonith-enabled") || !strcmp(w, "symmetric-cluster") ||
			    !strcmp(w, "maintenance-mode") || !strcmp(w, "stop-all-resources") ||
			    !strcmp(w, "start-failure-is-fatal") || !strcmp(w, "stop-orphan-resources")) &&
			   !is_bool(v)) {
			int rc = crm_error(p, v, NULL, "expected a boolean for %s, got", w);

			free(w);
			return rc;
		} else if (known == crm_metas) {
			int rc = check_meta(p, w, v);

			if (rc) {
				free(w);
				return rc;
			}
		}
		add_nvpair(p, set, w, v);
		free(w);
	}
	return 0;
}

static int parse_node(struct crm *p, char **argv)
{
	const char *name = argv[1];
	struct xml_node *n;
	int i = 2;

	if (!name)
		return crm_error(p, NULL, NULL, "node name expected after 'node'");
	for (struct xml_node *x = p->nodes->children; x; x = x->next)
		if (!strcmp(xml_get(x, "uname"), name))
			return crm_error(p, name, NULL, "duplicate node");
	n = xml_new(p->nodes, "node");
	xml_set(n, "id", name);
	xml_set(n, "uname", name);
	while (argv[i]) {
		if (!strcmp(argv[i], "attributes")) {
			int rc;

			i++;
			rc = parse_nv_section(p, n, "instance_attributes", "instance_attributes", argv, &i,
					      false);
			if (rc)
				return rc;
		} else if (!strcmp(argv[i], "utilization")) {
			int rc;

			i++;
			rc = parse_nv_section(p, n, "utilization", "utilization", argv, &i, false);
			if (rc)
				return rc;
		} else {
			static const char *const kws[] = { "attributes", "utilization", NULL };

			return crm_error(p, argv[i], kws, "unexpected word in node");
		}
	}
	return 0;
}

/* fencing_topology [TARGET] LEVEL... [TARGET LEVEL...]: TARGET is "NODE:",
 * "attr:NAME=VALUE" or "pattern:REGEX"; each LEVEL is DEV[,DEV...], levels
 * numbered from 1 per target. Without a target the levels are every
 * node's (crmsh writes them out per node; one pattern here). */
static int parse_fencing_topology(struct crm *p, char **argv)
{
	struct xml_node *topo;
	const char *name = NULL, *attr = NULL, *value = NULL, *pattern = NULL;
	char *attr_buf = NULL;
	int index = 0, rc = 0;
	bool every = false;     /* levels without a target: every node's */

	if (xml_child(p->config, "fencing-topology"))
		return crm_error(p, argv[0], NULL, "a second");
	if (!argv[1])
		return crm_error(p, NULL, NULL,
				 "usage: fencing_topology [NODE: | attr:NAME=VALUE | pattern:REGEX] "
				 "DEVICE[,DEVICE...] ...");
	topo = xml_new(p->config, "fencing-topology");
	for (int i = 1; argv[i] && !rc; i++) {
		const char *w = argv[i];
		size_t n = strlen(w);
		struct xml_node *l;
		char id[64];

		if (!strncmp(w, "attr:", 5) || !strncmp(w, "pattern:", 8) || (n > 1 && w[n - 1] == ':')) {
			if (every) {
				rc = crm_error(p, w, NULL, "levels for every node and per target cannot mix:");
				break;
			}
			free(attr_buf);
			attr_buf = NULL;
			name = attr = value = pattern = NULL;
			index = 0;
			if (!strncmp(w, "attr:", 5)) {
				char *eq;

				attr_buf = xstrdup(w + 5);
				if (!(eq = strchr(attr_buf, '=')) || eq == attr_buf || !eq[1]) {
					rc = crm_error(p, w, NULL, "expected attr:NAME=VALUE, got");
					break;
				}
				*eq = 0;
				attr = attr_buf;
				value = eq + 1;
			} else if (!strncmp(w, "pattern:", 8)) {
				regex_t re;

				pattern = w + 8;
				if (!*pattern || regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB)) {
					rc = crm_error(p, w, NULL, "invalid regular expression in");
					break;
				}
				regfree(&re);
			} else {
				attr_buf = xstrndup(w, n - 1);
				name = attr_buf;
			}
			if (!argv[i + 1] || strchr(argv[i + 1], ':')) {
				rc = crm_error(p, w, NULL, "no fence device after the target");
				break;
			}
			continue;
		}
		if (!name && !attr && !pattern) {
			pattern = ".*";
			every = true;
		}
		if (++index > 9) {
			rc = crm_error(p, w, NULL, "more than 9 fencing levels for one target at");
			break;
		}
		{
			char *copy = xstrdup(w), *save = NULL;

			for (char *d = strtok_r(copy, ",", &save); d && !rc; d = strtok_r(NULL, ",", &save)) {
				if (!valid_id(d)) {
					rc = crm_error(p, d, NULL, "invalid fence device name");
					break;
				}
				p->fence_refs = xrealloc(p->fence_refs,
							 (p->nfence_refs + 1) * sizeof(*p->fence_refs));
				p->fence_refs[p->nfence_refs].line = p->line;
				p->fence_refs[p->nfence_refs++].device = xstrdup(d);
			}
			if (!rc && (w[0] == ',' || w[n - 1] == ',' || strstr(w, ",,")))
				rc = crm_error(p, w, NULL, "empty device in fencing level");
			free(copy);
		}
		if (rc)
			break;
		l = xml_new(topo, "fencing-level");
		snprintf(id, sizeof(id), "fencing-%d", ++p->ids);
		xml_set(l, "id", id);
		if (name)
			xml_set(l, "target", name);
		else if (attr) {
			xml_set(l, "target-attribute", attr);
			xml_set(l, "target-value", value);
		} else
			xml_set(l, "target-pattern", pattern);
		snprintf(id, sizeof(id), "%d", index);
		xml_set(l, "index", id);
		xml_set(l, "devices", w);
	}
	free(attr_buf);
	return rc;
}

/* Every device a fencing level names is a stonith resource. */
static int check_fence_refs(struct crm *p)
{
	for (int i = 0; i < p->nfence_refs; i++) {
		struct xml_node *r = xml_find_id(p->resources, "primitive", p->fence_refs[i].device);

		if (!r || !xml_get(r, "class") || strcmp(xml_get(r, "class"), "stonith")) {
			p->line = p->fence_refs[i].line;
			return crm_error(p, p->fence_refs[i].device, NULL,
					 r ? "fencing level names a resource that is not a fence device:"
					   : "fencing level names an unknown fence device:");
		}
	}
	return 0;
}

/* cfgtok treats '#' as a comment; crmsh's "#uname" is a word. Escape a
 * '#' that follows other words on the line. */
char *crm_escape_hashes(const char *data, size_t len, size_t *outlen)
{
	char *out = xmalloc(len * 2 + 1), *o = out;
	bool words_seen = false;
	char quote = 0;

	for (size_t i = 0; i < len; i++) {
		char ch = data[i];

		if (ch == '\n') {
			words_seen = false;
			quote = 0;
		} else if (quote) {
			if (ch == quote)
				quote = 0;
		} else if (ch == '"' || ch == '\'') {
			quote = ch;
		} else if (ch == '#' && words_seen && i > 0 && (data[i - 1] == ' ' || data[i - 1] == '\t') &&
			   i + 1 < len && data[i + 1] != ' ') {
			*o++ = '\\';
		} else if (ch != ' ' && ch != '\t' && ch != '\r') {
			words_seen = true;
		}
		*o++ = ch;
	}
	*o = 0;
	*outlen = o - out;
	return out;
}

struct xml_node *crm_parse_mem(const char *name, const char *data, size_t len,
			       char *err, size_t errlen)
{
	struct crm p = { 0 };
	struct cfgtok *t;
	struct cfgtok_line line;
	size_t elen;
	char *escaped = crm_escape_hashes(data, len, &elen);
	int rc = 0, r;

	p.cib = cib_new_document();
	p.config = xml_child(p.cib, "configuration");
	p.crm_config = xml_child(p.config, "crm_config");
	p.nodes = xml_child(p.config, "nodes");
	p.resources = xml_child(p.config, "resources");
	p.constraints = xml_child(p.config, "constraints");
	p.file = name;
	p.err = err;
	p.errlen = errlen;
	t = cfgtok_open_mem(name, escaped, elen, CFGTOK_CONTINUATION | CFGTOK_NO_EXPAND);
	while (!rc && (r = cfgtok_next(t, &line, err, errlen)) > 0) {
		const char *kw = line.argv[0];

		p.line = line.lineno;
		if (!strcmp(kw, "node"))
			rc = parse_node(&p, line.argv);
		else if (!strcmp(kw, "primitive"))
			rc = parse_primitive(&p, line.argv);
		else if (!strcmp(kw, "group"))
			rc = parse_group(&p, line.argv);
		else if (!strcmp(kw, "clone"))
			rc = parse_clone(&p, line.argv, false);
		else if (!strcmp(kw, "ms"))
			rc = parse_clone(&p, line.argv, true);
		else if (!strcmp(kw, "location"))
			rc = parse_location(&p, line.argv);
		else if (!strcmp(kw, "colocation") || !strcmp(kw, "collocation"))
			rc = parse_colocation(&p, line.argv);
		else if (!strcmp(kw, "order"))
			rc = parse_order(&p, line.argv);
		else if (!strcmp(kw, "property"))
			rc = parse_property(&p, line.argv, p.crm_config, "cluster_property_set",
					    "cib-bootstrap-options", crm_properties);
		else if (!strcmp(kw, "rsc_defaults")) {
			if (!p.rsc_defaults)
				p.rsc_defaults = xml_new(p.config, "rsc_defaults");
			rc = parse_property(&p, line.argv, p.rsc_defaults, "meta_attributes",
					    "rsc-options", crm_metas);
		} else if (!strcmp(kw, "op_defaults")) {
			if (!p.op_defaults)
				p.op_defaults = xml_new(p.config, "op_defaults");
			rc = parse_property(&p, line.argv, p.op_defaults, "meta_attributes",
					    "op-options", NULL);
		} else if (!strcmp(kw, "fencing_topology"))
			rc = parse_fencing_topology(&p, line.argv);
		else
			rc = crm_error(&p, kw, crm_keywords, "unknown keyword");
	}
	if (!rc && r < 0)
		rc = -EINVAL;
	if (!rc)
		rc = check_fence_refs(&p);
	for (int i = 0; i < p.nfence_refs; i++)
		free(p.fence_refs[i].device);
	free(p.fence_refs);
	cfgtok_close(t);
	free(escaped);
	if (rc) {
		xml_free(p.cib);
		return NULL;
	}
	/* Verify: a configuration Pacemaker would not accept is refused. */
	{
		char uerr[512];
		struct sched_cluster *c = cib_unpack(p.cib, 0, uerr, sizeof(uerr));

		if (!c) {
			snprintf(err, errlen, "%s: %s", name, uerr);
			xml_free(p.cib);
			return NULL;
		}
		sched_cluster_free(c);
	}
	return p.cib;
}

struct xml_node *crm_parse_file(const char *path, char *err, size_t errlen)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	char *buf = NULL;
	size_t len = 0;
	FILE *mem;
	char chunk[65536];
	size_t n;
	struct xml_node *cib;

	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	mem = open_memstream(&buf, &len);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		fwrite(chunk, 1, n, mem);
	fclose(mem);
	if (f != stdin)
		fclose(f);
	cib = crm_parse_mem(path, buf, len, err, errlen);
	free(buf);
	return cib;
}

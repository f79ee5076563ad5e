/* sched_core: score arithmetic, roles, attribute lists and the cluster
 * object's life cycle. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cluster/sched_int.h"
#include "lib/util.h"

int sched_score_add(int a, int b)
{
	long long s;

	/* -INFINITY wins over +INFINITY: a ban is never undone by a
	 * preference, whatever the order scores are added in. */
	if (a <= -SCORE_INFINITY || b <= -SCORE_INFINITY)
		return -SCORE_INFINITY;
	if (a >= SCORE_INFINITY || b >= SCORE_INFINITY)
		return SCORE_INFINITY;
	s = (long long)a + b;
	if (s >= SCORE_INFINITY)
		return SCORE_INFINITY;
	if (s <= -SCORE_INFINITY)
		return -SCORE_INFINITY;
	return (int)s;
}

int sched_score_parse(const char *s, int *out)
{
	long long v;
	char *end;

	if (!s || !*s)
		return -EINVAL;
	if (!strcasecmp(s, "INFINITY") || !strcasecmp(s, "+INFINITY")) {
		*out = SCORE_INFINITY;
		return 0;
	}
	if (!strcasecmp(s, "-INFINITY")) {
		*out = -SCORE_INFINITY;
		return 0;
	}
	/* Pacemaker's aliases for named scores. */
	if (!strcasecmp(s, "red") || !strcasecmp(s, "yellow") || !strcasecmp(s, "green"))
		return -EINVAL;
	errno = 0;
	v = strtoll(s, &end, 10);
	/* Like Pacemaker, trailing characters ("2.0") are ignored. */
	if (end == s)
		return -EINVAL;
	if (errno == ERANGE) {
		*out = v < 0 ? -SCORE_INFINITY : SCORE_INFINITY;
		return 0;
	}
	if (v >= SCORE_INFINITY)
		v = SCORE_INFINITY;
	else if (v <= -SCORE_INFINITY)
		v = -SCORE_INFINITY;
	*out = (int)v;
	return 0;
}

const char *sched_score_str(int score, char *buf, size_t len)
{
	if (score >= SCORE_INFINITY)
		snprintf(buf, len, "INFINITY");
	else if (score <= -SCORE_INFINITY)
		snprintf(buf, len, "-INFINITY");
	else
		snprintf(buf, len, "%d", score);
	return buf;
}

const char *sched_role_name(enum sched_role r)
{
	static const char *const names[] = {
		"Unknown", "Stopped", "Started", "Unpromoted", "Promoted",
	};

	return (unsigned)r < ROLE_MAX ? names[r] : "Unknown";
}

enum sched_role sched_role_parse(const char *s)
{
	if (!s)
		return ROLE_UNKNOWN;
	if (!strcasecmp(s, "Stopped"))
		return ROLE_STOPPED;
	if (!strcasecmp(s, "Started"))
		return ROLE_STARTED;
	if (!strcasecmp(s, "Unpromoted") || !strcasecmp(s, "Slave"))
		return ROLE_UNPROMOTED;
	if (!strcasecmp(s, "Promoted") || !strcasecmp(s, "Master"))
		return ROLE_PROMOTED;
	return ROLE_UNKNOWN;
}

void sched_attrs_set(struct sched_attrs *a, const char *name, const char *value)
{
	for (int i = 0; i < a->n; i++) {
		if (!strcmp(a->v[i].name, name)) {
			free(a->v[i].value);
			a->v[i].value = xstrdup(value);
			return;
		}
	}
	a->v = xrealloc(a->v, (a->n + 1) * sizeof(*a->v));
	a->v[a->n].name = xstrdup(name);
	a->v[a->n].value = xstrdup(value);
	a->n++;
}

void sched_attrs_unset(struct sched_attrs *a, const char *name)
{
	for (int i = 0; i < a->n; i++) {
		if (!strcmp(a->v[i].name, name)) {
			free(a->v[i].name);
			free(a->v[i].value);
			memmove(&a->v[i], &a->v[i + 1], (a->n - i - 1) * sizeof(*a->v));
			a->n--;
			return;
		}
	}
}

const char *sched_attrs_get(const struct sched_attrs *a, const char *name)
{
	for (int i = 0; i < a->n; i++)
		if (!strcmp(a->v[i].name, name))
			return a->v[i].value;
	return NULL;
}

void sched_attrs_clear(struct sched_attrs *a)
{
	for (int i = 0; i < a->n; i++) {
		free(a->v[i].name);
		free(a->v[i].value);
	}
	free(a->v);
	a->v = NULL;
	a->n = 0;
}

struct sched_cluster *sched_cluster_new(void)
{
	struct sched_cluster *c = xcalloc(1, sizeof(*c));

	c->symmetric = true;
	c->stonith_enabled = true;
	c->start_failure_fatal = true;
	c->stop_orphans = true;
	c->stop_orphan_actions = true;
	c->have_quorum = true;
	c->no_quorum = NQ_STOP;
	c->placement_strategy = xstrdup("default");
	return c;
}

static void action_free(struct sched_action *a)
{
	free(a->task);
	free(a->reason);
	free(a->fence_kind);
	free(a);
}

static void rsc_free(struct sched_rsc *r)
{
	for (int i = 0; i < r->nchildren; i++)
		rsc_free(r->children[i]);
	free(r->children);
	free(r->id);
	free(r->cls);
	free(r->provider);
	free(r->type);
	free(r->clone_base);
	free(r->history_name);
	free(r->digest);
	free(r->fail_reason);
	sched_attrs_clear(&r->meta);
	sched_attrs_clear(&r->params);
	for (int i = 0; i < r->nops; i++) {
		free(r->ops[i].name);
		free(r->ops[i].check_level);
		sched_attrs_clear(&r->ops[i].params);
	}
	free(r->ops);
	free(r->running_on);
	free(r->scores);
	free(r->node_counts);
	free(r->agent_changed);
	free(r->known_on);
	free(r->actions);
	free(r);
}

static void rule_free(struct sched_rule *r)
{
	for (int i = 0; i < r->nexprs; i++) {
		free(r->exprs[i].attribute);
		free(r->exprs[i].value);
	}
	free(r->exprs);
	free(r->score_attribute);
}

void sched_cluster_free(struct sched_cluster *c)
{
	if (!c)
		return;
	for (int i = 0; i < c->nnodes; i++) {
		free(c->nodes[i]->id);
		free(c->nodes[i]->uname);
		free(c->nodes[i]->fence_reason);
		sched_attrs_clear(&c->nodes[i]->attrs);
		free(c->nodes[i]);
	}
	free(c->nodes);
	for (int i = 0; i < c->nrscs; i++)
		rsc_free(c->rscs[i]);
	free(c->rscs);
	free(c->all);
	for (int i = 0; i < c->ncolocations; i++) {
		free(c->colocations[i].id);
		free(c->colocations[i].node_attribute);
	}
	free(c->colocations);
	for (int i = 0; i < c->norders; i++) {
		free(c->orders[i].id);
		free(c->orders[i].first_action);
		free(c->orders[i].then_action);
	}
	free(c->orders);
	for (int i = 0; i < c->nlocations; i++) {
		struct sched_location *l = &c->locations[i];

		free(l->id);
		free(l->rsc_pattern);
		for (int j = 0; j < l->nrules; j++)
			rule_free(&l->rules[j]);
		free(l->rules);
	}
	free(c->locations);
	sched_attrs_clear(&c->props);
	sched_attrs_clear(&c->rsc_defaults);
	sched_attrs_clear(&c->op_defaults);
	free(c->placement_strategy);
	free(c->dc_uuid);
	for (int i = 0; i < c->nactions; i++)
		action_free(c->actions[i]);
	free(c->actions);
	free(c->edges);
	free(c->replaced);
	sched_hash_free(c);
	free(c);
}

struct sched_node *sched_node_find(const struct sched_cluster *c, const char *name)
{
	for (int i = 0; i < c->nnodes; i++)
		if (!strcasecmp(c->nodes[i]->uname, name))
			return c->nodes[i];
	for (int i = 0; i < c->nnodes; i++)
		if (!strcmp(c->nodes[i]->id, name))
			return c->nodes[i];
	return NULL;
}

static int count_rscs(const struct sched_rsc *r)
{
	int n = 1;

	for (int i = 0; i < r->nchildren; i++)
		n += count_rscs(r->children[i]);
	return n;
}

static void index_rsc(struct sched_cluster *c, struct sched_rsc *r)
{
	r->idx = c->nall;
	c->all[c->nall++] = r;
	if (!r->scores) {
		r->scores = xmalloc(c->nnodes * sizeof(int) + 1);
		for (int i = 0; i < c->nnodes; i++)
			r->scores[i] = SCORE_ABSENT;
	}
	for (int i = 0; i < r->nchildren; i++)
		index_rsc(c, r->children[i]);
}

void sched_index(struct sched_cluster *c)
{
	int total = 0;

	for (int i = 0; i < c->nrscs; i++)
		total += count_rscs(c->rscs[i]);
	free(c->all);
	c->all = xmalloc((total + 1) * sizeof(*c->all));
	c->nall = 0;
	for (int i = 0; i < c->nrscs; i++)
		index_rsc(c, c->rscs[i]);
	sched_hash_index_rscs(c);
}

bool sched_node_available(const struct sched_node *n)
{
	return n && n->online && !n->unclean && !n->standby && !n->maintenance &&
	       !n->shutdown && !n->pending;
}

struct sched_node *sched_rsc_current(const struct sched_rsc *r)
{
	return r->nrunning ? r->running_on[0] : NULL;
}

bool sched_rsc_is_primitive(const struct sched_rsc *r)
{
	return r->variant == VARIANT_PRIMITIVE;
}

struct sched_rsc *sched_rsc_top(struct sched_rsc *r)
{
	while (r->parent)
		r = r->parent;
	return r;
}

void sched_rsc_add_running(struct sched_rsc *r, struct sched_node *n)
{
	for (; r; r = r->parent) {
		bool found = false;

		for (int i = 0; i < r->nrunning; i++)
			if (r->running_on[i] == n)
				found = true;
		if (found)
			continue;
		r->running_on = xrealloc(r->running_on, (r->nrunning + 1) * sizeof(*r->running_on));
		r->running_on[r->nrunning++] = n;
	}
}

#include "cluster/sched_int.h"

int sched_run(struct sched_cluster *c, char *err, size_t errlen)
{
	if (errlen)
		err[0] = 0;
	sched_place(c);
	sched_actions(c);
	return 0;
}

static int attr_cmp(const void *a, const void *b)
{
	return strcmp(((const struct sched_attr *)a)->name, ((const struct sched_attr *)b)->name);
}

const char *sched_rsc_params_digest(struct sched_rsc *r)
{
	struct sched_attr *sorted;
	uint64_t h = 1469598103934665603ULL;  /* FNV-1a */

	if (r->digest)
		return r->digest;
	sorted = xmalloc((r->params.n + 1) * sizeof(*sorted));
	if (r->params.n)
		memcpy(sorted, r->params.v, r->params.n * sizeof(*sorted));
	qsort(sorted, r->params.n, sizeof(*sorted), attr_cmp);
	for (int i = 0; i < r->params.n; i++)
		for (int k = 0; k < 2; k++)
			for (const char *p = k ? sorted[i].value : sorted[i].name;; p++) {
				h = (h ^ (unsigned char)*p) * 1099511628211ULL;
				if (!*p)
					break;
			}
	free(sorted);
	r->digest = xasprintf("%016llx", (unsigned long long)h);
	return r->digest;
}

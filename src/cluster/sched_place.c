/* sched_place: node scores and placement, after Pacemaker 2.1.5's
 * assignment: locations, stickiness, failure thresholds, colocations
 * (mandatory first), clone instance distribution and promotion. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cluster/sched_int.h"
#include "lib/util.h"

static int node_base_weight(const struct sched_node *n)
{
	return (!n->online || n->shutdown) ? -SCORE_INFINITY : 0;
}

/* Add `score` for node n to r and every descendant (resource_location). */
void place_add_score(struct sched_cluster *c, struct sched_rsc *r, struct sched_node *n, int score)
{
	for (int i = 0; i < r->nchildren; i++)
		place_add_score(c, r->children[i], n, score);
	if (r->scores[n->idx] == SCORE_ABSENT)
		r->scores[n->idx] = sched_score_add(node_base_weight(n), score);
	else
		r->scores[n->idx] = sched_score_add(r->scores[n->idx], score);
}

/* Set (not add) a score on r and descendants (common_update_score). */
static void set_score(struct sched_rsc *r, struct sched_node *n, int score)
{
	for (int i = 0; i < r->nchildren; i++)
		set_score(r->children[i], n, score);
	if (r->scores[n->idx] != SCORE_ABSENT)
		r->scores[n->idx] = score;
}

static bool node_usable(const struct sched_node *n, int score)
{
	return sched_node_available(n) && score != SCORE_ABSENT && score >= 0;
}

static bool any_node_available(struct sched_cluster *c, const int *scores)
{
	for (int i = 0; i < c->nnodes; i++)
		if (node_usable(c->nodes[i], scores[i]))
			return true;
	return false;
}

static int *copy_scores(struct sched_cluster *c, const int *s)
{
	int *d = xmalloc(c->nnodes * sizeof(int) + 1);

	memcpy(d, s, c->nnodes * sizeof(int));
	return d;
}

/* ---------------------------------------------------------------- */
/* Rules */

static int cmp_values(const struct sched_expr *e, const char *a, const char *b)
{
	if (e->type == 1) {
		double x = strtod(a, NULL), y = strtod(b, NULL);

		return x < y ? -1 : x > y ? 1 : 0;
	}
	if (e->type == 2) {
		/* dotted versions */
		while (*a || *b) {
			long x = strtol(a, (char **)&a, 10), y = strtol(b, (char **)&b, 10);

			if (x != y)
				return x < y ? -1 : 1;
			if (*a == '.')
				a++;
			if (*b == '.')
				b++;
			if (!*a && !*b)
				break;
		}
		return 0;
	}
	return strcasecmp(a, b);
}

static bool expr_matches(const struct sched_expr *e, const struct sched_node *n)
{
	const char *v = sched_attrs_get(&n->attrs, e->attribute);

	switch (e->op) {
	case EXPR_DEFINED:
		return v != NULL;
	case EXPR_NOT_DEFINED:
		return v == NULL;
	default:
		break;
	}
	if (!v || !e->value)
		return e->op == EXPR_NE && (v != NULL) != (e->value != NULL);
	switch (e->op) {
	case EXPR_EQ: return cmp_values(e, v, e->value) == 0;
	case EXPR_NE: return cmp_values(e, v, e->value) != 0;
	case EXPR_LT: return cmp_values(e, v, e->value) < 0;
	case EXPR_GT: return cmp_values(e, v, e->value) > 0;
	case EXPR_LTE: return cmp_values(e, v, e->value) <= 0;
	case EXPR_GTE: return cmp_values(e, v, e->value) >= 0;
	default: return false;
	}
}

bool place_rule_matches(const struct sched_rule *rule, const struct sched_node *n)
{
	if (rule->unsupported)
		return false;
	if (!rule->nexprs)
		return true;
	for (int i = 0; i < rule->nexprs; i++) {
		bool m = expr_matches(&rule->exprs[i], n);

		if (rule->or && m)
			return true;
		if (!rule->or && !m)
			return false;
	}
	return !rule->or;
}

/* ---------------------------------------------------------------- */

static void apply_location_to(struct sched_cluster *c, struct sched_rsc *r, struct sched_node *n,
			      int score)
{
	/* A node first seen through a constraint gets the constraint's
	 * score, not base + score (the node copy carries the score). A
	 * group's first member takes the score; the others, which follow it,
	 * only learn of the node (pcmk__group_apply_location). */
	for (int i = 0; i < r->nchildren; i++)
		apply_location_to(c, r->children[i], n,
				  r->variant == VARIANT_GROUP && i > 0 ? 0 : score);
	if (r->scores[n->idx] == SCORE_ABSENT)
		r->scores[n->idx] = score;
	else
		r->scores[n->idx] = sched_score_add(r->scores[n->idx], score);
}

static void apply_locations(struct sched_cluster *c)
{
	/* A managed orphan (history without configuration) may run nowhere:
	 * Pacemaker's "__orphan_do_not_run__" ban. */
	for (int i = 0; i < c->nrscs; i++) {
		struct sched_rsc *r = c->rscs[i];

		if (r->orphan && r->managed && r->variant == VARIANT_PRIMITIVE)
			for (int k = 0; k < c->nnodes; k++)
				place_add_score(c, r, c->nodes[k], -SCORE_INFINITY);
	}
	for (int i = 0; i < c->nlocations; i++) {
		struct sched_location *l = &c->locations[i];

		/* Role-specific constraints apply to promotion, later. */
		if (l->role >= ROLE_UNPROMOTED && l->rsc->variant == VARIANT_CLONE && l->rsc->promotable)
			continue;
		if (l->node) {
			apply_location_to(c, l->rsc, l->node, l->score);
			continue;
		}
		for (int j = 0; j < l->nrules; j++) {
			struct sched_rule *rule = &l->rules[j];

			if (rule->role >= ROLE_UNPROMOTED && l->rsc->promotable)
				continue;
			for (int k = 0; k < c->nnodes; k++) {
				struct sched_node *n = c->nodes[k];
				int score = rule->score;

				if (!place_rule_matches(rule, n))
					continue;
				if (rule->score_attribute) {
					const char *v = sched_attrs_get(&n->attrs, rule->score_attribute);

					if (!v || sched_score_parse(v, &score))
						continue;
				}
				apply_location_to(c, l->rsc, n, score);
			}
		}
	}
}

static void apply_stickiness(struct sched_cluster *c, struct sched_rsc *r)
{
	struct sched_node *n;

	for (int i = 0; i < r->nchildren; i++)
		apply_stickiness(c, r->children[i]);
	if (r->nchildren || !r->managed || r->stickiness < 1 || r->nrunning != 1)
		return;
	n = r->running_on[0];
	if (!c->symmetric && r->scores[n->idx] == SCORE_ABSENT)
		return;
	place_add_score(c, r, n, r->stickiness);
}

static void check_failure_threshold(struct sched_cluster *c, struct sched_rsc *r)
{
	for (int i = 0; i < r->nchildren; i++)
		check_failure_threshold(c, r->children[i]);
	if (r->nchildren || r->migration_threshold == 0)
		return;
	for (int i = 0; i < c->nnodes; i++) {
		int fc = cib_fail_count(c, r, c->nodes[i]);
		struct sched_rsc *target = r, *top = sched_rsc_top(r);

		if (fc <= 0 || r->migration_threshold - fc > 0)
			continue;
		if (top->variant == VARIANT_CLONE && !top->unique)
			target = top;
		place_add_score(c, target, c->nodes[i], -SCORE_INFINITY);
	}
}

/* ---------------------------------------------------------------- */
/* Colocation lists. For groups, the group's own constraints act on its
 * first member (as dependent) and last member (as primary); clone
 * instances inherit their parent's (append_parent_colocation). */

struct coloc_list {
	struct sched_colocation **v;
	int n;
};

static void cl_add(struct coloc_list *l, struct sched_colocation *co)
{
	l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	l->v[l->n++] = co;
}

static void this_with(struct sched_cluster *c, struct sched_rsc *r, struct coloc_list *out)
{
	for (int i = 0; i < c->ncolocations; i++)
		if (c->colocations[i].dependent == r)
			cl_add(out, &c->colocations[i]);
	if (r->parent && r->parent->variant == VARIANT_GROUP && r->parent->children[0] == r)
		this_with(c, r->parent, out);
	if (r->parent && r->parent->variant == VARIANT_CLONE) {
		struct coloc_list pl = { 0 };

		this_with(c, r->parent, &pl);
		for (int i = 0; i < pl.n; i++)
			if (r->parent->place_all_coloc || pl.v[i]->score < 0 ||
			    pl.v[i]->score >= SCORE_INFINITY)
				cl_add(out, pl.v[i]);
		free(pl.v);
	}
}

static void with_this(struct sched_cluster *c, struct sched_rsc *r, struct coloc_list *out)
{
	for (int i = 0; i < c->ncolocations; i++)
		if (c->colocations[i].primary == r)
			cl_add(out, &c->colocations[i]);
	if (r->parent && r->parent->variant == VARIANT_GROUP &&
	    r->parent->children[r->parent->nchildren - 1] == r)
		with_this(c, r->parent, out);
	if (r->parent && r->parent->variant == VARIANT_CLONE) {
		struct coloc_list pl = { 0 };

		with_this(c, r->parent, &pl);
		for (int i = 0; i < pl.n; i++)
			if ((pl.v[i]->influence || pl.v[i]->dependent->nrunning == 0) &&
			    (r->parent->place_all_coloc || pl.v[i]->score < 0))
				cl_add(out, pl.v[i]);
		free(pl.v);
	}
}

static bool has_influence(const struct sched_colocation *co, const struct sched_rsc *r)
{
	if (!r)
		r = co->primary;
	return co->influence || r->nrunning == 0;
}

/* ---------------------------------------------------------------- */
/* Merging dependents' preferences (pcmk__add_colocated_node_scores). */

#define COLOC_ACTIVE      0x1
#define COLOC_NONNEGATIVE 0x2
#define COLOC_THIS_WITH   0x4
#define INFINITY_HACK     (SCORE_INFINITY * -100)

static const char *node_attr(const struct sched_node *n, const char *attr)
{
	return sched_attrs_get(&n->attrs, attr ? attr : "#uname");
}

static int best_score_matching(struct sched_cluster *c, struct sched_rsc *r, const char *attr,
			       const char *value)
{
	int best = -SCORE_INFINITY;

	for (int i = 0; i < c->nnodes; i++) {
		struct sched_node *n = c->nodes[i];
		const char *v = node_attr(n, attr);

		if (r->scores[i] == SCORE_ABSENT || !sched_node_available(n))
			continue;
		if (r->scores[i] > best && v && value && !strcasecmp(v, value))
			best = r->scores[i];
	}
	return best;
}

static void add_scores_matching_attr(struct sched_cluster *c, int *work, struct sched_rsc *r,
				     const char *attr, float factor, bool only_positive)
{
	for (int i = 0; i < c->nnodes; i++) {
		int score, weight, new_score;
		float wf;

		if (work[i] == SCORE_ABSENT)
			continue;
		score = best_score_matching(c, r, attr, node_attr(c->nodes[i], attr));
		if (factor < 0 && score < 0)
			continue;
		wf = factor * score;
		weight = (int)(wf < 0 ? wf - 0.5f : wf + 0.5f);
		if (weight == 0 && score != 0)
			weight = factor > 0 ? 1 : factor < 0 ? -1 : 0;
		if (wf >= SCORE_INFINITY)
			weight = SCORE_INFINITY;
		if (wf <= -SCORE_INFINITY)
			weight = -SCORE_INFINITY;
		new_score = sched_score_add(weight, work[i]);
		if (only_positive && new_score < 0 && work[i] > 0) {
			work[i] = INFINITY_HACK;
			continue;
		}
		if (only_positive && new_score < 0 && work[i] == 0)
			continue;
		work[i] = new_score;
	}
}

static void add_colocated_scores(struct sched_cluster *c, struct sched_rsc *r, int **nodes,
				 const char *attr, float factor, unsigned flags)
{
	int *work;

	if (r->merging)
		return;
	/* A group speaks through its first member, whose colocations reach
	 * the other members (pcmk__group_add_colocated_node_scores). */
	if (r->variant == VARIANT_GROUP && r->nchildren) {
		r->merging = true;
		add_colocated_scores(c, r->children[0], nodes, attr, factor, flags);
		r->merging = false;
		return;
	}
	r->merging = true;
	if (!*nodes) {
		work = copy_scores(c, r->scores);
	} else {
		work = copy_scores(c, *nodes);
		add_scores_matching_attr(c, work, r, attr, factor, flags & COLOC_NONNEGATIVE);
	}
	if (any_node_available(c, work)) {
		struct coloc_list l = { 0 };

		if (flags & COLOC_THIS_WITH)
			this_with(c, r, &l);
		else
			with_this(c, r, &l);
		for (int i = 0; i < l.n; i++) {
			struct sched_colocation *co = l.v[i];
			struct sched_rsc *other;

			if (flags & COLOC_THIS_WITH) {
				other = co->primary;
			} else {
				if (!has_influence(co, NULL))
					continue;
				other = co->dependent;
			}
			add_colocated_scores(c, other, &work, co->node_attribute,
					     (factor < 0 ? -1 : 1) * co->score / (float)SCORE_INFINITY,
					     flags);
		}
		free(l.v);
	} else if (flags & COLOC_ACTIVE) {
		free(work);
		r->merging = false;
		return;
	}
	if (flags & COLOC_NONNEGATIVE)
		for (int i = 0; i < c->nnodes; i++)
			if (work[i] == INFINITY_HACK)
				work[i] = 1;
	free(*nodes);
	*nodes = work;
	r->merging = false;
}

/* ---------------------------------------------------------------- */
/* Applying a colocation to a dependent's scores. */

static struct sched_node *rsc_location(const struct sched_rsc *r)
{
	/* Where a (possibly collective) resource is assigned. */
	if (r->variant == VARIANT_PRIMITIVE)
		return r->assigned;
	if (r->variant == VARIANT_GROUP)
		return r->nchildren ? rsc_location(r->children[0]) : NULL;
	return NULL;
}

static void apply_coloc_to_scores(struct sched_cluster *c, struct sched_rsc *dep,
				  struct sched_rsc *prim, struct sched_colocation *co)
{
	const char *attr = co->node_attribute ? co->node_attribute : "#uname";
	int *work = copy_scores(c, dep->scores);
	struct sched_node *pn = prim->assigned;

	for (int i = 0; i < c->nnodes; i++) {
		const char *v, *pv;

		if (work[i] == SCORE_ABSENT)
			continue;
		if (!pn) {
			work[i] = sched_score_add(-co->score, work[i]);
			continue;
		}
		v = node_attr(c->nodes[i], attr);
		pv = node_attr(pn, attr);
		if (v && pv && !strcasecmp(v, pv)) {
			if (co->score < SCORE_INFINITY)
				work[i] = sched_score_add(co->score, work[i]);
			continue;
		}
		if (co->score >= SCORE_INFINITY)
			work[i] = -SCORE_INFINITY;
	}
	if (co->score <= -SCORE_INFINITY || co->score >= SCORE_INFINITY ||
	    any_node_available(c, work)) {
		memcpy(dep->scores, work, c->nnodes * sizeof(int));
	}
	free(work);
}

static void apply_coloc_to_priority(struct sched_cluster *c, struct sched_rsc *dep,
				    struct sched_rsc *prim, struct sched_colocation *co)
{
	const char *attr = co->node_attribute ? co->node_attribute : "#uname";
	struct sched_node *dn = rsc_location(dep), *pn = rsc_location(prim);
	const char *dv, *pv;
	int score_multiplier = 1;

	if (!dn || !pn)
		return;
	dv = node_attr(dn, attr);
	pv = node_attr(pn, attr);
	if (!dv || !pv || strcasecmp(dv, pv))
		return;
	if (co->primary_role != ROLE_UNKNOWN && co->primary_role != prim->next_role)
		return;
	if (co->dependent_role == ROLE_UNPROMOTED)
		score_multiplier = -1;
	dep->promotion_score = sched_score_add(score_multiplier * co->score, dep->promotion_score);
}

enum coloc_affects { AFFECTS_NOTHING, AFFECTS_LOCATION, AFFECTS_ROLE };

static enum coloc_affects coloc_affects(struct sched_rsc *dep, struct sched_rsc *prim,
					struct sched_colocation *co, bool preview)
{
	if (!preview && prim->provisional)
		return AFFECTS_NOTHING;
	if (co->dependent_role >= ROLE_UNPROMOTED && dep->parent &&
	    sched_rsc_top(dep)->promotable && !dep->provisional)
		return AFFECTS_ROLE;
	if (!preview && !dep->provisional)
		return AFFECTS_NOTHING;
	if (co->score > 0 && co->dependent_role != ROLE_UNKNOWN && co->dependent_role != dep->next_role)
		return AFFECTS_NOTHING;
	if (co->score > 0 && co->primary_role != ROLE_UNKNOWN && co->primary_role != prim->next_role)
		return AFFECTS_NOTHING;
	if (co->score < 0 && co->dependent_role != ROLE_UNKNOWN && co->dependent_role == dep->next_role)
		return AFFECTS_NOTHING;
	if (co->score < 0 && co->primary_role != ROLE_UNKNOWN && co->primary_role == prim->next_role)
		return AFFECTS_NOTHING;
	return AFFECTS_LOCATION;
}

static void primitive_apply_coloc(struct sched_cluster *c, struct sched_rsc *dep,
				  struct sched_rsc *prim, struct sched_colocation *co)
{
	switch (coloc_affects(dep, prim, co, false)) {
	case AFFECTS_ROLE:
		apply_coloc_to_priority(c, dep, prim, co);
		break;
	case AFFECTS_LOCATION:
		apply_coloc_to_scores(c, dep, prim, co);
		break;
	default:
		break;
	}
}

static struct sched_rsc *compatible_instance(struct sched_cluster *c, struct sched_rsc *dep,
					     struct sched_rsc *clone, enum sched_role role);

/* Dispatch on the primary's variant (primary->cmds->apply_coloc_score). */
static void apply_coloc(struct sched_cluster *c, struct sched_rsc *dep, struct sched_rsc *prim,
			struct sched_colocation *co)
{
	if (prim->variant == VARIANT_PRIMITIVE) {
		primitive_apply_coloc(c, dep, prim, co);
		return;
	}
	if (prim->variant == VARIANT_GROUP) {
		struct sched_rsc *m;

		if (prim->provisional || !prim->nchildren)
			return;
		m = co->score >= SCORE_INFINITY ? prim->children[prim->nchildren - 1] :
						  prim->children[0];
		apply_coloc(c, dep, m, co);
		return;
	}
	/* Clone primary. */
	if (prim->provisional)
		return;
	if (prim->promotable && co->primary_role == ROLE_PROMOTED) {
		/* Dependent follows where instances will be promoted. */
		if (dep->variant != VARIANT_PRIMITIVE && dep->variant != VARIANT_GROUP)
			return;
		if (!dep->provisional && sched_rsc_top(dep)->promotable && dep->parent)
			return;
		{
			int *work = copy_scores(c, dep->scores);

			for (int i = 0; i < c->nnodes; i++) {
				bool promoted_here = false;

				for (int j = 0; j < prim->nchildren; j++) {
					struct sched_rsc *inst = prim->children[j];

					if (rsc_location(inst) == c->nodes[i] &&
					    inst->next_role == ROLE_PROMOTED)
						promoted_here = true;
				}
				if (work[i] == SCORE_ABSENT)
					continue;
				if (promoted_here) {
					if (co->score < SCORE_INFINITY || co->score < 0)
						work[i] = sched_score_add(work[i], co->score);
				} else if (co->score >= SCORE_INFINITY) {
					work[i] = -SCORE_INFINITY;
				}
			}
			memcpy(dep->scores, work, c->nnodes * sizeof(int));
			free(work);
		}
		return;
	}
	if (dep->parent && dep->parent->variant == VARIANT_CLONE && dep->parent->interleave &&
	    co->score >= SCORE_INFINITY) {
		struct sched_rsc *inst = compatible_instance(c, dep, prim, ROLE_UNKNOWN);

		/* Pacemaker colocates with the paired instance itself: with a
		 * group, that is its last member, which may be stopped. */
		if (inst) {
			apply_coloc(c, dep, inst, co);
		} else {
			for (int i = 0; i < c->nnodes; i++)
				if (dep->scores[i] != SCORE_ABSENT)
					dep->scores[i] = -SCORE_INFINITY;
		}
		return;
	}
	if (co->score >= SCORE_INFINITY) {
		for (int i = 0; i < c->nnodes; i++) {
			bool ok = false;

			for (int j = 0; j < prim->nchildren; j++)
				if (rsc_location(prim->children[j]) == c->nodes[i] &&
				    !prim->children[j]->blocked)
					ok = true;
			if (!ok && dep->scores[i] != SCORE_ABSENT)
				dep->scores[i] = -SCORE_INFINITY;
		}
		return;
	}
	for (int j = 0; j < prim->nchildren; j++)
		apply_coloc(c, dep, prim->children[j], co);
}

static void assign(struct sched_cluster *c, struct sched_rsc *r, struct sched_node *prefer);

static void apply_this_with(struct sched_cluster *c, struct sched_rsc *r, struct sched_colocation *co)
{
	int *archive = NULL;
	struct sched_rsc *other = co->primary;

	if (co->dependent_role >= ROLE_PROMOTED || (co->score < 0 && co->score > -SCORE_INFINITY))
		archive = copy_scores(c, r->scores);
	if (other->provisional)
		assign(c, other, NULL);
	apply_coloc(c, r, other, co);
	if (archive && !any_node_available(c, r->scores))
		memcpy(r->scores, archive, c->nnodes * sizeof(int));
	free(archive);
}

static void add_dependent_scores(struct sched_cluster *c, struct sched_rsc *r,
				 struct sched_colocation *co)
{
	if (!has_influence(co, NULL))
		return;
	add_colocated_scores(c, co->dependent, &r->scores, co->node_attribute,
			     co->score / (float)SCORE_INFINITY, COLOC_ACTIVE);
}

/* ---------------------------------------------------------------- */

struct node_sort_ctx {
	struct sched_cluster *c;
	const int *scores;
	const struct sched_node *active;
};

static int weight_of(const struct node_sort_ctx *x, const struct sched_node *n)
{
	int s = x->scores[n->idx];

	if (s == SCORE_ABSENT)
		return -SCORE_INFINITY - 1;
	return sched_node_available(n) ? s : -SCORE_INFINITY;
}

static int cmp_nodes(const struct node_sort_ctx *x, const struct sched_node *a,
		     const struct sched_node *b)
{
	int wa = weight_of(x, a), wb = weight_of(x, b);

	if (wa != wb)
		return wa > wb ? -1 : 1;
	if (a->num_resources != b->num_resources)
		return a->num_resources < b->num_resources ? -1 : 1;
	if (x->active == a)
		return -1;
	if (x->active == b)
		return 1;
	return strcmp(a->uname, b->uname);
}

/* Nodes of the table sorted best first (insertion sort: tables are
 * small and the order must be deterministic). */
static int sorted_nodes(struct sched_cluster *c, const int *scores, const struct sched_node *active,
			struct sched_node **out)
{
	struct node_sort_ctx x = { c, scores, active };
	int n = 0;

	for (int i = 0; i < c->nnodes; i++) {
		struct sched_node *nd = c->nodes[i];
		int j;

		if (scores[i] == SCORE_ABSENT)
			continue;
		for (j = n; j > 0 && cmp_nodes(&x, out[j - 1], nd) > 0; j--)
			out[j] = out[j - 1];
		out[j] = nd;
		n++;
	}
	return n;
}

static void unassign_actions_stop(struct sched_rsc *r)
{
	(void)r;
}

/* Commit an assignment (pcmk__finalize_assignment). */
static bool finalize_assignment(struct sched_cluster *c, struct sched_rsc *r,
				struct sched_node *chosen, bool force)
{
	if (!force && chosen) {
		int s = r->scores[chosen->idx];

		if (s == SCORE_ABSENT || s < 0 || !sched_node_available(chosen)) {
			if (r->next_role == ROLE_UNKNOWN || r->next_role > ROLE_STOPPED) {
				r->next_role = ROLE_STOPPED;
				if (!r->fail_reason)
					r->fail_reason = xstrdup("node availability");
			}
			chosen = NULL;
		}
	}
	r->assigned = NULL;
	r->provisional = false;
	if (!chosen) {
		r->next_role = ROLE_STOPPED;
		unassign_actions_stop(r);
		return false;
	}
	r->assigned = chosen;
	chosen->num_resources++;
	chosen->count++;
	return true;
}

static bool assign_best_node(struct sched_cluster *c, struct sched_rsc *r, struct sched_node *prefer)
{
	struct sched_node **nodes = xmalloc((c->nnodes + 1) * sizeof(*nodes));
	struct sched_node *chosen = NULL, *best = NULL, *running = sched_rsc_current(r);
	int n;
	bool res;

	if (!r->provisional) {
		free(nodes);
		return r->assigned != NULL;
	}
	n = sorted_nodes(c, r->scores, running, nodes);
	if (n)
		best = nodes[0];
	if (prefer && n) {
		int ps = r->scores[prefer->idx];

		chosen = prefer;
		if (ps == SCORE_ABSENT)
			chosen = NULL;
		else if (ps < r->scores[best->idx])
			chosen = NULL;
		else if (!node_usable(prefer, ps))
			chosen = NULL;
	}
	if (!chosen && best) {
		struct sched_rsc *top = sched_rsc_top(r);

		chosen = best;
		if (!(r->parent && top->variant == VARIANT_CLONE && top->unique) &&
		    r->scores[chosen->idx] > 0 && sched_node_available(chosen) && running &&
		    node_usable(running, r->scores[running->idx] == SCORE_ABSENT ? -1 : 0)) {
			for (int i = 1; i < n; i++) {
				if (r->scores[nodes[i]->idx] != r->scores[chosen->idx] ||
				    !sched_node_available(nodes[i]))
					break;
				if (nodes[i] == running)
					chosen = nodes[i];
			}
		}
	}
	res = finalize_assignment(c, r, chosen, false);
	free(nodes);
	return res;
}

static void assign_primitive(struct sched_cluster *c, struct sched_rsc *r, struct sched_node *prefer)
{
	struct coloc_list tw = { 0 }, wt = { 0 };

	if (r->parent && !r->parent->allocating) {
		assign(c, r->parent, prefer);
	}
	if (!r->provisional || r->allocating)
		return;
	r->allocating = true;
	this_with(c, r, &tw);
	with_this(c, r, &wt);
	for (int i = 0; i < tw.n; i++)
		if (tw.v[i]->score <= -SCORE_INFINITY || tw.v[i]->score >= SCORE_INFINITY)
			apply_this_with(c, r, tw.v[i]);
	for (int i = 0; i < wt.n; i++)
		if (wt.v[i]->score <= -SCORE_INFINITY || wt.v[i]->score >= SCORE_INFINITY)
			add_dependent_scores(c, r, wt.v[i]);
	for (int i = 0; i < tw.n; i++)
		if (tw.v[i]->score > -SCORE_INFINITY && tw.v[i]->score < SCORE_INFINITY)
			apply_this_with(c, r, tw.v[i]);
	for (int i = 0; i < wt.n; i++)
		if (wt.v[i]->score > -SCORE_INFINITY && wt.v[i]->score < SCORE_INFINITY)
			add_dependent_scores(c, r, wt.v[i]);
	free(tw.v);
	free(wt.v);

	if (r->next_role == ROLE_STOPPED) {
		for (int i = 0; i < c->nnodes; i++)
			place_add_score(c, r, c->nodes[i], -SCORE_INFINITY);
	} else if (r->next_role > r->role && !c->have_quorum && c->no_quorum == NQ_FREEZE) {
		r->next_role = r->role;
	}
	if (c->scores_out)
		sched_print_scores(c, r, "native_assign");
	if (!r->managed) {
		struct sched_node *cur = sched_rsc_current(r);

		r->next_role = r->role;
		finalize_assignment(c, r, cur, true);
	} else if (c->stop_all) {
		finalize_assignment(c, r, NULL, true);
	} else if (r->provisional) {
		assign_best_node(c, r, prefer);
	}
	r->allocating = false;
}

static void assign_group(struct sched_cluster *c, struct sched_rsc *g, struct sched_node *prefer)
{
	if (g->parent && !g->parent->allocating)
		assign(c, g->parent, prefer);
	if (!g->provisional || g->allocating)
		return;
	g->allocating = true;
	for (int i = 0; i < g->nchildren; i++)
		assign(c, g->children[i], prefer);
	if (g->nchildren)
		g->next_role = g->children[0]->next_role;
	g->allocating = false;
	g->provisional = false;
}

/* ---------------------------------------------------------------- */
/* Clones */

static struct sched_node *instance_current(const struct sched_rsc *r, int *count)
{
	/* For a cloned group, where its members run (the first found). */
	struct sched_node *n = NULL;

	*count = 0;
	if (r->variant == VARIANT_PRIMITIVE) {
		*count = r->nrunning;
		return r->nrunning ? r->running_on[0] : NULL;
	}
	for (int i = 0; i < r->nchildren; i++) {
		int k;
		struct sched_node *m = instance_current(r->children[i], &k);

		if (m && !n)
			n = m;
		if (k > *count)
			*count = k;
	}
	return n;
}

static bool rsc_failed(const struct sched_rsc *r)
{
	if (r->failed)
		return true;
	for (int i = 0; i < r->nchildren; i++)
		if (rsc_failed(r->children[i]))
			return true;
	return false;
}

struct inst_sort_ctx {
	struct sched_cluster *c;
};

/* A current node that cannot take the instance (no score, or a negative
 * one) counts as none. Vigil bans nodes that cannot run resources at all
 * through their scores, where Pacemaker's weights leave them be and a
 * later test puts such instances after the others: those stay. */
static struct sched_node *usable_current(const struct sched_rsc *r, struct sched_node *n)
{
	if (n && !sched_node_available(n))
		return n;
	return n && r->scores[n->idx] != SCORE_ABSENT && r->scores[n->idx] >= 0 ? n : NULL;
}

/* The order in which instances are assigned (sort_clone_instance in
 * Pacemaker 2.1.5): fewer active copies first (when both are active), an
 * instance whose current node may keep it before one whose may not (an
 * inactive instance counts as may), higher priority, active before
 * inactive, current node able to run resources, current node allowed for
 * the clone, fewer of the clone's instances already there, not failed
 * before failed, then by name. Two inactive instances are equal and keep
 * their order (the sort is stable). */
static int cmp_instance(struct sched_cluster *c, const struct sched_rsc *a, const struct sched_rsc *b)
{
	int na, nb;
	struct sched_node *ca = instance_current(a, &na), *cb = instance_current(b, &nb);
	struct sched_node *ua, *ub;
	const struct sched_rsc *clone = a->parent;
	bool can_a, can_b;

	if (na > 0 && nb > 0 && na != nb)
		return na < nb ? -1 : 1;
	ua = usable_current(a, ca);
	ub = usable_current(b, cb);
	can_a = !ca || ua;
	can_b = !cb || ub;
	if (can_a != can_b)
		return can_a ? -1 : 1;
	if (a->priority != b->priority)
		return a->priority > b->priority ? -1 : 1;
	if (!ua || !ub)
		return ua ? -1 : ub ? 1 : 0;
	can_a = sched_node_available(ua);
	can_b = sched_node_available(ub);
	if (can_a != can_b)
		return can_a ? -1 : 1;
	if (clone) {
		/* The clone's own count of its instances there (reset to 0
		 * before promotion). */
		bool pa = clone->scores[ua->idx] != SCORE_ABSENT;
		bool pb = clone->scores[ub->idx] != SCORE_ABSENT;

		if (!pa || !pb)
			return pa ? -1 : pb ? 1 : 0;
		if (clone->node_counts && clone->node_counts[ua->idx] != clone->node_counts[ub->idx])
			return clone->node_counts[ua->idx] < clone->node_counts[ub->idx] ? -1 : 1;
	}
	if (rsc_failed(a) != rsc_failed(b))
		return rsc_failed(a) ? 1 : -1;
	(void)c;
	return strcmp(a->id, b->id);
}

static void sort_instances(struct sched_cluster *c, struct sched_rsc *clone)
{
	/* Stable insertion sort. */
	for (int i = 1; i < clone->nchildren; i++) {
		struct sched_rsc *x = clone->children[i];
		int j;

		for (j = i; j > 0 && cmp_instance(c, clone->children[j - 1], x) > 0; j--)
			clone->children[j] = clone->children[j - 1];
		clone->children[j] = x;
	}
}

static void can_run_instance(struct sched_cluster *c, struct sched_rsc *inst, int limit)
{
	struct sched_rsc *clone = inst->parent;

	for (int i = 0; i < c->nnodes; i++) {
		struct sched_node *n = c->nodes[i];
		int ps;

		if (inst->scores[i] == SCORE_ABSENT)
			continue;
		if (!sched_node_available(n) || inst->orphan) {
			set_score(inst, n, -SCORE_INFINITY);
			continue;
		}
		ps = clone->scores[i];
		if (ps == SCORE_ABSENT) {
			set_score(inst, n, -SCORE_INFINITY);
		} else if (ps < 0) {
			set_score(inst, n, ps);
		} else if (clone->node_counts[i] >= limit) {
			set_score(inst, n, -SCORE_INFINITY);
		}
	}
}

static void unassign(struct sched_rsc *r)
{
	for (int i = 0; i < r->nchildren; i++)
		unassign(r->children[i]);
	if (r->assigned) {
		r->assigned->num_resources--;
		r->assigned->count--;
	}
	r->assigned = NULL;
	r->provisional = true;
	if (r->next_role == ROLE_STOPPED && r->fail_reason)
		r->next_role = ROLE_UNKNOWN;
}

static void save_scores(struct sched_cluster *c, struct sched_rsc *r, int **out, int *n)
{
	out[(*n)++] = copy_scores(c, r->scores);
	for (int i = 0; i < r->nchildren; i++)
		save_scores(c, r->children[i], out, n);
}

static void restore_scores(struct sched_cluster *c, struct sched_rsc *r, int **in, int *n)
{
	memcpy(r->scores, in[*n], c->nnodes * sizeof(int));
	free(in[(*n)++]);
	for (int i = 0; i < r->nchildren; i++)
		restore_scores(c, r->children[i], in, n);
}

static int count_rscs(const struct sched_rsc *r)
{
	int n = 1;

	for (int i = 0; i < r->nchildren; i++)
		n += count_rscs(r->children[i]);
	return n;
}

static bool assign_instance(struct sched_cluster *c, struct sched_rsc *inst, struct sched_node *prefer,
			    int limit)
{
	struct sched_node *chosen;
	int **backup, nb = 0, total;

	if (!inst->provisional)
		return rsc_location(inst) != NULL;
	if (inst->allocating)
		return false;
	if (prefer) {
		int s = inst->scores[prefer->idx];

		if (s == SCORE_ABSENT || s < 0)
			return false;
	}
	can_run_instance(c, inst, limit);
	total = count_rscs(inst);
	backup = xmalloc(total * sizeof(*backup));
	save_scores(c, inst, backup, &nb);
	assign(c, inst, prefer);
	chosen = rsc_location(inst);
	if (chosen && prefer && chosen != prefer) {
		nb = 0;
		restore_scores(c, inst, backup, &nb);
		unassign(inst);
		chosen = NULL;
	} else {
		for (int i = 0; i < nb; i++)
			free(backup[i]);
	}
	free(backup);
	if (chosen)
		inst->parent->node_counts[chosen->idx]++;
	return chosen != NULL;
}

static void distribute_children(struct sched_cluster *c, struct sched_rsc *clone)
{
	int max = clone->clone_max, per_host = clone->clone_node_max;
	int allocated = 0, available = 0, loop_max;

	for (int i = 0; i < c->nnodes; i++) {
		clone->node_counts[i] = 0;
		if (sched_node_available(c->nodes[i]))
			available++;
	}
	clone->place_all_coloc = max < available;
	loop_max = available ? max / available : 1;
	if (loop_max < 1)
		loop_max = 1;
	for (int i = 0; i < clone->nchildren && allocated < max; i++) {
		struct sched_rsc *inst = clone->children[i];
		int cnt;
		struct sched_node *cur = instance_current(inst, &cnt);

		if (!cur || !inst->provisional || rsc_failed(inst))
			continue;
		if (!sched_node_available(cur) || node_base_weight(cur) < 0)
			continue;
		if (clone->scores[cur->idx] != SCORE_ABSENT && clone->node_counts[cur->idx] >= loop_max)
			continue;
		if (assign_instance(c, inst, cur, per_host))
			allocated++;
	}
	for (int i = 0; i < clone->nchildren; i++) {
		struct sched_rsc *inst = clone->children[i];

		if (!inst->provisional)
			continue;
		if (allocated >= max || inst->orphan) {
			for (int k = 0; k < c->nnodes; k++)
				place_add_score(c, inst, c->nodes[k], -SCORE_INFINITY);
			assign(c, inst, NULL);
			continue;
		}
		if (assign_instance(c, inst, NULL, per_host))
			allocated++;
	}
}

static int instance_number(const struct sched_rsc *r)
{
	const char *colon = strrchr(r->id, ':');

	return colon ? atoi(colon + 1) : 0;
}

/* Back to instance-number order once assigned (pcmk__cmp_instance_number). */
static void restore_instance_order(struct sched_rsc *clone)
{
	for (int i = 1; i < clone->nchildren; i++) {
		struct sched_rsc *x = clone->children[i];
		int j;

		for (j = i; j > 0 && instance_number(clone->children[j - 1]) > instance_number(x); j--)
			clone->children[j] = clone->children[j - 1];
		clone->children[j] = x;
	}
}

static void add_promotion_scores(struct sched_cluster *c, struct sched_rsc *clone);
static void set_instance_roles(struct sched_cluster *c, struct sched_rsc *clone);

static void assign_clone(struct sched_cluster *c, struct sched_rsc *clone, struct sched_node *prefer)
{
	struct coloc_list tw = { 0 }, wt = { 0 };

	if (!clone->provisional || clone->allocating)
		return;
	if (clone->promotable)
		add_promotion_scores(c, clone);
	clone->allocating = true;
	this_with(c, clone, &tw);
	for (int i = 0; i < tw.n; i++)
		assign(c, tw.v[i]->primary, prefer);
	with_this(c, clone, &wt);
	for (int i = 0; i < wt.n; i++) {
		if (!has_influence(wt.v[i], NULL))
			continue;
		add_colocated_scores(c, wt.v[i]->dependent, &clone->scores, wt.v[i]->node_attribute,
				     wt.v[i]->score / (float)SCORE_INFINITY,
				     COLOC_ACTIVE | COLOC_NONNEGATIVE);
	}
	free(tw.v);
	free(wt.v);
	if (c->scores_out)
		sched_print_scores(c, clone, "clone_assign");
	sort_instances(c, clone);
	distribute_children(c, clone);
	if (clone->promotable)
		set_instance_roles(c, clone);
	restore_instance_order(clone);
	clone->provisional = false;
	clone->allocating = false;
}

/* ---------------------------------------------------------------- */
/* Promotion */

static bool instance_active_on(const struct sched_rsc *r, const struct sched_node *n)
{
	if (r->variant == VARIANT_PRIMITIVE) {
		for (int i = 0; i < r->nrunning; i++)
			if (r->running_on[i] == n)
				return true;
		return false;
	}
	for (int i = 0; i < r->nchildren; i++)
		if (instance_active_on(r->children[i], n))
			return true;
	return false;
}

static bool known_on(const struct sched_rsc *r, const struct sched_node *n)
{
	return r->known_on && r->known_on[n->idx];
}

static bool known_anywhere(const struct sched_rsc *r, const struct sched_cluster *c)
{
	for (int i = 0; r->known_on && i < c->nnodes; i++)
		if (r->known_on[i])
			return true;
	return false;
}

/* The member of instance inst that stands for r in another instance (r
 * itself for a primitive clone; the same member of a cloned group). */
static struct sched_rsc *counterpart(struct sched_rsc *inst, const struct sched_rsc *r)
{
	if (inst->variant == VARIANT_PRIMITIVE)
		return inst;
	for (int i = 0; i < inst->nchildren; i++)
		if (inst->children[i]->clone_base && r->clone_base &&
		    !strcmp(inst->children[i]->clone_base, r->clone_base))
			return inst->children[i];
	return NULL;
}

/* Whether r's promotion score on n counts (promotion_score_applies in
 * Pacemaker 2.1.5): for an anonymous instance, where it is active, or
 * where no instance is active but one has been probed; else, for an
 * instance with no history anywhere, on every node (a cluster starting);
 * else where its history is. Only on nodes that allow it. */
static bool promotion_score_applies(struct sched_cluster *c, struct sched_rsc *r,
				    struct sched_node *n)
{
	struct sched_rsc *clone = sched_rsc_top(r);

	if (!clone->unique) {
		struct sched_rsc *active = NULL;
		bool probed = false;

		for (int i = 0; i < clone->nchildren && !active; i++) {
			struct sched_rsc *m = counterpart(clone->children[i], r);

			if (m && instance_active_on(m, n))
				active = m;
		}
		if (active == r)
			goto check_allowed;
		for (int i = 0; i < clone->nchildren && !active && !probed; i++) {
			struct sched_rsc *m = counterpart(clone->children[i], r);

			probed = m && known_on(m, n);
		}
		if (probed)
			goto check_allowed;
	}
	if (r->nrunning == 0 && !known_anywhere(r, c))
		goto check_allowed;
	if (!known_on(r, n) && !instance_active_on(r, n))
		return false;
check_allowed:
	return r->scores[n->idx] != SCORE_ABSENT && r->scores[n->idx] >= 0;
}

static int promotion_score(struct sched_cluster *c, struct sched_rsc *r, struct sched_node *n,
			   bool *is_default)
{
	char *name;
	const char *v;
	int score = 0;

	if (is_default)
		*is_default = true;
	if (!n)
		return 0;
	if (r->nchildren) {
		for (int i = 0; i < r->nchildren; i++) {
			bool d = true;

			score += promotion_score(c, r->children[i], n, &d);
			if (!d && is_default)
				*is_default = false;
		}
		return score;
	}
	if (!promotion_score_applies(c, r, n))
		return 0;
	/* The name its history uses ("master-rsc:0" in older histories),
	 * its own, then the anonymous one. */
	name = xasprintf("master-%s", r->history_name ? r->history_name : r->id);
	v = sched_attrs_get(&n->attrs, name);
	free(name);
	if (!v && r->history_name) {
		name = xasprintf("master-%s", r->id);
		v = sched_attrs_get(&n->attrs, name);
		free(name);
	}
	if (!v && r->clone_base && !sched_rsc_top(r)->unique) {
		name = xasprintf("master-%s", r->clone_base);
		v = sched_attrs_get(&n->attrs, name);
		free(name);
	}
	if (v) {
		if (is_default)
			*is_default = false;
		if (sched_score_parse(v, &score))
			score = 0;
	}
	return score;
}

static void add_promotion_scores(struct sched_cluster *c, struct sched_rsc *clone)
{
	for (int j = 0; j < clone->nchildren; j++) {
		struct sched_rsc *inst = clone->children[j];

		for (int i = 0; i < c->nnodes; i++) {
			int s;

			if (inst->scores[i] == SCORE_ABSENT || !sched_node_available(c->nodes[i]))
				continue;
			s = promotion_score(c, inst, c->nodes[i], NULL);
			if (s > 0)
				inst->scores[i] = sched_score_add(inst->scores[i], s);
			/* The highest counts as the instance's priority, which
			 * orders instances for assignment. */
			if (s > inst->priority)
				inst->priority = s;
		}
	}
}

static enum sched_role next_role_of(const struct sched_rsc *r)
{
	enum sched_role role = ROLE_UNKNOWN;

	if (r->variant == VARIANT_PRIMITIVE)
		return r->next_role;
	for (int i = 0; i < r->nchildren; i++) {
		enum sched_role m = next_role_of(r->children[i]);

		if (m > role)
			role = m;
	}
	return role;
}

static enum sched_role current_role_of(const struct sched_rsc *r)
{
	enum sched_role role = ROLE_STOPPED;

	if (r->variant == VARIANT_PRIMITIVE)
		return r->role;
	for (int i = 0; i < r->nchildren; i++) {
		enum sched_role m = current_role_of(r->children[i]);

		if (m > role)
			role = m;
	}
	return role;
}

static void set_next_role(struct sched_rsc *r, enum sched_role role)
{
	for (int i = 0; i < r->nchildren; i++)
		set_next_role(r->children[i], role);
	if (r->variant != VARIANT_PRIMITIVE || r->next_role == ROLE_STOPPED)
		return;
	if (role == ROLE_UNPROMOTED && r->next_role == ROLE_PROMOTED)
		return;
	r->next_role = role;
}

static bool all_managed(const struct sched_rsc *r)
{
	if (!r->managed)
		return false;
	for (int i = 0; i < r->nchildren; i++)
		if (!all_managed(r->children[i]))
			return false;
	return true;
}

static struct sched_node *node_to_be_promoted_on(struct sched_cluster *c, struct sched_rsc *r)
{
	struct sched_node *n;
	struct sched_rsc *clone = sched_rsc_top(r);

	for (int i = 0; i < r->nchildren; i++)
		if (!node_to_be_promoted_on(c, r->children[i]))
			return NULL;
	n = rsc_location(r);
	if (!n)
		return NULL;
	if (!all_managed(r)) {
		if (current_role_of(r) != ROLE_PROMOTED)
			return NULL;
	} else if ((r->parent == clone ? r->promotion_prio : r->priority) < 0) {
		/* An instance's promotion priority; a cloned group's member has
		 * only its own priority. */
		return NULL;
	} else if (!sched_node_available(n)) {
		return NULL;
	}
	if (clone->scores[n->idx] == SCORE_ABSENT)
		return NULL;
	if (clone->node_counts[n->idx] < clone->promoted_node_max || !all_managed(r))
		return n;
	return NULL;
}

static void apply_promoted_locations(struct sched_cluster *c, struct sched_rsc *clone,
				     struct sched_rsc *inst, struct sched_node *n)
{
	for (int i = 0; i < c->nlocations; i++) {
		struct sched_location *l = &c->locations[i];

		if (l->rsc != clone || !n)
			continue;
		if (l->node && l->role == ROLE_PROMOTED && l->node == n)
			inst->promotion_prio = sched_score_add(inst->promotion_prio, l->score);
		for (int j = 0; j < l->nrules; j++) {
			struct sched_rule *rule = &l->rules[j];
			int score = rule->score;

			if ((rule->role != ROLE_PROMOTED && l->role != ROLE_PROMOTED) ||
			    !place_rule_matches(rule, n))
				continue;
			if (rule->score_attribute) {
				const char *v = sched_attrs_get(&n->attrs, rule->score_attribute);

				if (!v || sched_score_parse(v, &score))
					continue;
			}
			inst->promotion_prio = sched_score_add(inst->promotion_prio, score);
		}
	}
}

static void apply_role_colocations(struct sched_cluster *c, struct sched_rsc *clone,
				   struct sched_rsc *inst)
{
	/* Colocations of this clone (as dependent) in the promoted role
	 * with something else shift promotion priority. */
	for (int i = 0; i < c->ncolocations; i++) {
		struct sched_colocation *co = &c->colocations[i];

		if (co->dependent != clone || co->dependent_role < ROLE_UNPROMOTED)
			continue;
		if (co->primary->variant == VARIANT_CLONE) {
			for (int j = 0; j < co->primary->nchildren; j++) {
				struct sched_rsc *p = co->primary->children[j];

				if (rsc_location(p) == rsc_location(inst)) {
					inst->promotion_score = 0;
					apply_coloc_to_priority(c, inst, p, co);
					inst->promotion_prio = sched_score_add(inst->promotion_prio,
									       inst->promotion_score);
					inst->promotion_score = 0;
					break;
				}
			}
		} else {
			struct sched_rsc *p = co->primary;

			if (p->variant == VARIANT_GROUP && p->nchildren)
				p = p->children[0];
			inst->promotion_score = 0;
			apply_coloc_to_priority(c, inst, p, co);
			inst->promotion_prio = sched_score_add(inst->promotion_prio,
							       inst->promotion_score);
			inst->promotion_score = 0;
		}
	}
}

static void set_instance_roles(struct sched_cluster *c, struct sched_rsc *clone)
{
	int promoted = 0;
	int *merged;

	for (int i = 0; i < c->nnodes; i++)
		clone->node_counts[i] = 0;
	for (int j = 0; j < clone->nchildren; j++) {
		struct sched_rsc *inst = clone->children[j];
		struct sched_node *n = rsc_location(inst);
		enum sched_role nr = next_role_of(inst);
		bool is_default = true;

		switch (nr) {
		case ROLE_STARTED:
		case ROLE_UNKNOWN:
			inst->promotion_prio = promotion_score(c, inst, n, &is_default);
			if (is_default)
				inst->promotion_prio = -1;
			break;
		case ROLE_UNPROMOTED:
		case ROLE_STOPPED:
			inst->promotion_prio = -SCORE_INFINITY;
			break;
		default:
			break;
		}
		if (!n)
			inst->promotion_prio = -SCORE_INFINITY;
		if (inst->promotion_prio > -SCORE_INFINITY) {
			apply_promoted_locations(c, clone, inst, n);
			apply_role_colocations(c, clone, inst);
		}
		inst->sort_index = inst->promotion_prio;
		/* Already bound to stay promoted (unmanaged): first in line. */
		if (nr == ROLE_PROMOTED)
			inst->sort_index = SCORE_INFINITY;
	}
	/* promotion_order(): merge into the clone's node scores. */
	merged = copy_scores(c, clone->scores);
	for (int j = 0; j < clone->nchildren; j++) {
		struct sched_rsc *inst = clone->children[j];
		struct sched_node *n = rsc_location(inst);

		if (!n || merged[n->idx] == SCORE_ABSENT)
			continue;
		if (inst->sort_index >= 0)
			merged[n->idx] = sched_score_add(inst->sort_index, merged[n->idx]);
	}
	/* Dependents colocated with the promoted role pull promotion. */
	for (int i = 0; i < c->ncolocations; i++) {
		struct sched_colocation *co = &c->colocations[i];

		if (co->primary != clone || co->primary_role != ROLE_PROMOTED)
			continue;
		if (co->dependent->variant == VARIANT_CLONE)
			continue;
		add_colocated_scores(c, co->dependent, &merged, co->node_attribute,
				     co->score / (float)SCORE_INFINITY, COLOC_ACTIVE);
	}
	for (int j = 0; j < clone->nchildren; j++) {
		struct sched_rsc *inst = clone->children[j];
		struct sched_node *n = rsc_location(inst);

		if (!n || inst->sort_index < 0 || merged[n->idx] == SCORE_ABSENT)
			continue;
		inst->sort_index = merged[n->idx];
	}
	free(merged);
	/* Sort by sort_index, then current role (promoted first). */
	for (int i = 1; i < clone->nchildren; i++) {
		struct sched_rsc *x = clone->children[i];
		int j;

		for (j = i; j > 0; j--) {
			struct sched_rsc *y = clone->children[j - 1];
			int cmp = 0;

			if (y->sort_index != x->sort_index)
				cmp = y->sort_index > x->sort_index ? -1 : 1;
			else if (current_role_of(y) != current_role_of(x))
				cmp = current_role_of(y) > current_role_of(x) ? -1 : 1;
			else
				cmp = cmp_instance(c, y, x);
			if (cmp <= 0)
				break;
			clone->children[j] = y;
		}
		clone->children[j] = x;
	}
	/* Promoted instances that are not managed (or blocked) stay promoted
	 * and keep their slot. */
	for (int j = 0; j < clone->nchildren; j++) {
		struct sched_rsc *inst = clone->children[j];

		if (inst->sort_index < 0 && current_role_of(inst) == ROLE_PROMOTED &&
		    !all_managed(inst))
			promoted++;
	}
	for (int j = 0; j < clone->nchildren; j++) {
		struct sched_rsc *inst = clone->children[j];
		struct sched_node *chosen = NULL;

		if (inst->sort_index >= 0 && (promoted < clone->promoted_max || !all_managed(inst)))
			chosen = node_to_be_promoted_on(c, inst);
		if (!chosen) {
			if (next_role_of(inst) != ROLE_STOPPED && rsc_location(inst))
				set_next_role(inst, ROLE_UNPROMOTED);
			else if (current_role_of(inst) == ROLE_PROMOTED && !all_managed(inst))
				set_next_role(inst, ROLE_PROMOTED);
			continue;
		}
		clone->node_counts[chosen->idx]++;
		/* target-role=Unpromoted caps the role; Started does not (for a
		 * promotable clone it means "as high as allowed"). */
		if (clone->target_role == ROLE_UNPROMOTED) {
			set_next_role(inst, ROLE_UNPROMOTED);
			continue;
		}
		set_next_role(inst, ROLE_PROMOTED);
		promoted++;
	}
}

/* Instance of `clone` on the same node as dep's parent instance would
 * be, for interleaved clones. */
static struct sched_rsc *compatible_instance(struct sched_cluster *c, struct sched_rsc *dep,
					     struct sched_rsc *clone, enum sched_role role)
{
	struct sched_node **nodes = xmalloc((c->nnodes + 1) * sizeof(*nodes));
	int n = sorted_nodes(c, dep->scores, NULL, nodes);
	struct sched_rsc *found = NULL;

	for (int i = 0; i < n && !found; i++) {
		for (int j = 0; j < clone->nchildren; j++) {
			struct sched_rsc *inst = clone->children[j];

			if (rsc_location(inst) == nodes[i] && !rsc_failed(inst) &&
			    (role == ROLE_UNKNOWN || next_role_of(inst) == role)) {
				found = inst;
				break;
			}
		}
	}
	free(nodes);
	return found;
}

static void assign(struct sched_cluster *c, struct sched_rsc *r, struct sched_node *prefer)
{
	switch (r->variant) {
	case VARIANT_PRIMITIVE:
		assign_primitive(c, r, prefer);
		break;
	case VARIANT_GROUP:
		assign_group(c, r, prefer);
		break;
	case VARIANT_CLONE:
		assign_clone(c, r, prefer);
		break;
	}
}

static void init_scores(struct sched_cluster *c, struct sched_rsc *r)
{
	if (!r->node_counts)
		r->node_counts = xcalloc(c->nnodes + 1, sizeof(int));
	for (int i = 0; i < r->nchildren; i++)
		init_scores(c, r->children[i]);
}

static void set_default_next_roles(struct sched_rsc *r)
{
	for (int i = 0; i < r->nchildren; i++)
		set_default_next_roles(r->children[i]);
	if (r->target_role != ROLE_UNKNOWN) {
		enum sched_role t = r->target_role;

		if (t == ROLE_STARTED && sched_rsc_top(r)->promotable)
			t = ROLE_UNKNOWN;
		if (t == ROLE_UNPROMOTED && !sched_rsc_top(r)->promotable)
			t = ROLE_STARTED;
		/* Promoted is no limit at all, promotable or not: promotion
		 * decides (get_target_role() ignores it). */
		if (t == ROLE_PROMOTED)
			t = ROLE_UNKNOWN;
		if (t != ROLE_UNKNOWN && (r->next_role == ROLE_UNKNOWN || t < r->next_role))
			r->next_role = t;
	}
}

void sched_place(struct sched_cluster *c)
{
	for (int i = 0; i < c->nrscs; i++)
		init_scores(c, c->rscs[i]);
	for (int i = 0; i < c->nrscs; i++)
		set_default_next_roles(c->rscs[i]);
	if (c->symmetric) {
		for (int i = 0; i < c->nall; i++) {
			struct sched_rsc *r = c->all[i];

			for (int k = 0; k < c->nnodes; k++)
				if (r->scores[k] == SCORE_ABSENT)
					r->scores[k] = node_base_weight(c->nodes[k]);
		}
	}
	apply_locations(c);
	for (int i = 0; i < c->nrscs; i++)
		apply_stickiness(c, c->rscs[i]);
	for (int i = 0; i < c->nrscs; i++)
		check_failure_threshold(c, c->rscs[i]);
	for (int i = 0; i < c->nrscs; i++)
		assign(c, c->rscs[i], NULL);
	for (int i = 0; i < c->nall; i++) {
		struct sched_rsc *r = c->all[i];

		if (r->variant == VARIANT_PRIMITIVE && r->next_role == ROLE_UNKNOWN)
			r->next_role = r->assigned ? ROLE_STARTED : ROLE_STOPPED;
		if (r->variant == VARIANT_PRIMITIVE && r->next_role == ROLE_STARTED &&
		    sched_rsc_top(r)->promotable)
			r->next_role = ROLE_UNPROMOTED;
	}
}

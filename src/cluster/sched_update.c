/* sched_update: "required" and "unrunnable" along the orderings, decided as
 * Pacemaker 2.1.5 decides them (pcmk__update_action_for_orderings() and the
 * action_flags() and update_ordered_actions() methods of each variant).
 *
 * Every action is updated in turn, the newest first. Updating an action
 * applies the orderings it comes after, the newest first; an ordering that
 * changes one of its two actions updates that action again at once, with
 * every action ordered after it. An action keeps the first reason given to
 * it, so the order of this walk is what a summary's "due to ..." says.
 *
 *   update_action(then)            for each ordering first -> then:
 *     apply_ordering()               per ordering flag, in Pacemaker's order
 *       rsc_update()                   the variant's update_ordered_actions
 *         action_update()                one pair of actions
 *     first changed -> update what follows first, then first
 *   then changed -> update then again, then what follows it
 */
#include <stdlib.h>
#include <string.h>

#include "cluster/sched_int.h"
#include "lib/util.h"

#define UPDATED_FIRST 0x1
#define UPDATED_THEN  0x2

struct upd {
	struct sched_cluster *c;
	/* The orderings each action comes after, newest first, then those
	 * it comes before (with the replaced ones): slices by action id.
	 * From malloc(). */
	const struct sched_edge **before, **after;
	int *before_at, *after_at;  /* nactions + 1 entries */
	int *runnable_before;       /* per action id: runnable inputs of a requires-any action */
};

static void update_action(struct upd *u, struct sched_action *then);
static void block_dependents(struct upd *u, struct sched_action *a);

static void update_after(struct upd *u, const struct sched_action *a)
{
	for (int k = u->after_at[a->id]; k < u->after_at[a->id + 1]; k++)
		update_action(u, u->after[k]->then);
}

/* A "one or more" pseudo action (require-all=false): runnable when any of
 * the actions before it is. */
static bool requires_any(const struct sched_action *a)
{
	return !a->rsc && a->probe;
}

/* The member's task for a collective's task (get_complex_task). */
static const char *atomic_task(const struct sched_rsc *member, const char *task)
{
	if (member->variant != VARIANT_PRIMITIVE)
		return task;
	if (!strcmp(task, "running"))
		return "start";
	if (!strcmp(task, "stopped"))
		return "stop";
	if (!strcmp(task, "promoted"))
		return "promote";
	if (!strcmp(task, "demoted"))
		return "demote";
	return task;
}

/* find_first_action(): Pacemaker lists a resource's actions newest first. */
static struct sched_action *newest_action(const struct sched_rsc *r, const char *task,
					  const struct sched_node *n)
{
	for (int i = r->nactions - 1; i >= 0; i--) {
		struct sched_action *a = r->actions[i];

		if (a->interval_ms || strcmp(a->task, task) || (n && a->node != n))
			continue;
		return a;
	}
	return NULL;
}

/* Where a group is assigned, when all its members are on one node. */
static const struct sched_node *group_node(const struct sched_rsc *g)
{
	const struct sched_node *n = NULL;

	for (int i = 0; i < g->nchildren; i++) {
		const struct sched_node *m = g->children[i]->assigned;

		if (m && n && m != n)
			return NULL;
		if (m)
			n = m;
	}
	return n;
}

static unsigned action_flags(struct sched_action *a, const struct sched_node *n);

/* A group's action is required when a member's is, and its completion
 * ("running", ...) runnable only when every member's is. Like Pacemaker,
 * this marks the group's action itself. */
static unsigned group_action_flags(struct sched_action *a, const struct sched_node *n)
{
	unsigned flags = ACT_OPTIONAL | ACT_RUNNABLE | ACT_PSEUDO;
	struct sched_rsc *g = a->rsc;

	for (int i = 0; i < g->nchildren; i++) {
		struct sched_rsc *m = g->children[i];
		const char *task = atomic_task(m, a->task);
		struct sched_action *ma = newest_action(m, task, n);
		unsigned mf;

		if (!ma) {
			if (strcmp(task, "stop") && strcmp(task, "demote"))
				flags &= ~ACT_RUNNABLE;
			continue;
		}
		mf = action_flags(ma, n);
		if ((flags & ACT_OPTIONAL) && !(mf & ACT_OPTIONAL)) {
			flags &= ~ACT_OPTIONAL;
			a->flags &= ~ACT_OPTIONAL;
		}
		if (strcmp(task, a->task) && (flags & ACT_RUNNABLE) && !(mf & ACT_RUNNABLE)) {
			flags &= ~ACT_RUNNABLE;
			a->flags &= ~ACT_RUNNABLE;
		}
	}
	return flags;
}

/* A clone's action is required when an instance's is, and runnable when
 * any instance's is (summary_action_flags). */
static unsigned clone_action_flags(struct sched_action *a, const struct sched_node *n)
{
	unsigned flags = ACT_OPTIONAL | ACT_RUNNABLE | ACT_PSEUDO;
	struct sched_rsc *cl = a->rsc;
	const char *task = cl->nchildren ? atomic_task(cl->children[0], a->task) : a->task;
	bool any_runnable = false;

	for (int i = 0; i < cl->nchildren; i++) {
		struct sched_rsc *inst = cl->children[i];
		struct sched_action *ia = newest_action(inst, task, inst->nchildren ? NULL : n);
		unsigned f;

		if (!ia)
			continue;
		f = action_flags(ia, n);
		if ((flags & ACT_OPTIONAL) && !(f & ACT_OPTIONAL)) {
			flags &= ~ACT_OPTIONAL;
			a->flags &= ~ACT_OPTIONAL;
		}
		if (f & ACT_RUNNABLE)
			any_runnable = true;
	}
	if (!any_runnable) {
		flags &= ~ACT_RUNNABLE;
		if (!n)
			a->flags &= ~ACT_RUNNABLE;
	}
	return flags;
}

static unsigned action_flags(struct sched_action *a, const struct sched_node *n)
{
	if (!a->rsc || a->rsc->variant == VARIANT_PRIMITIVE)
		return a->flags;
	if (a->rsc->variant == VARIANT_GROUP)
		return group_action_flags(a, n);
	return clone_action_flags(a, n);
}

/* The flags of an action as an ordering sees them, n being where the other
 * action of the ordering is: for a clone, runnable anywhere is runnable. */
static unsigned flags_for_ordering(struct sched_action *a, const struct sched_node *n)
{
	unsigned flags;

	if (!a->rsc)
		return a->flags;
	flags = action_flags(a, NULL);
	if (!n || a->rsc->variant != VARIANT_CLONE)
		return flags;
	if (flags & ACT_RUNNABLE)
		return action_flags(a, n) | ACT_RUNNABLE;
	return action_flags(a, n);
}

/* Clear a flag of a, because of the action why; the reason is given when
 * why is another resource's ("required B start", "unrunnable B running"). */
static void clear_because(struct sched_action *a, unsigned flag, const struct sched_action *why)
{
	char *text;

	if (!(a->flags & flag))
		return;
	a->flags &= ~flag;
	if (a->rsc == why->rsc)
		return;
	if (why->rsc)
		text = xasprintf("%s %s %s", flag == ACT_RUNNABLE ? "unrunnable" : "required",
				 why->rsc->id, why->task);
	else
		text = xasprintf("%s %s", flag == ACT_RUNNABLE ? "unrunnable" : "required", why->task);
	sched_action_set_reason(a, text, false);
	free(text);
}

/* "Stop then start" of one resource, and "stop a later member before an
 * earlier one" in a group (handle_restart_ordering). */
static void handle_restart(struct sched_action *first, struct sched_action *then, unsigned filter)
{
	bool needed = false;

	if ((filter & ACT_OPTIONAL) && !(then->flags & ACT_OPTIONAL))
		needed = true;  /* then is required: a restart */
	if ((filter & ACT_RUNNABLE) && !(then->flags & ACT_RUNNABLE) && then->rsc->managed &&
	    first->rsc == then->rsc)
		needed = true;  /* it cannot start again: still stop */
	if (!needed)
		return;
	if (first->flags & ACT_RUNNABLE)
		clear_because(first, ACT_OPTIONAL, then);
	if (!(then->flags & ACT_OPTIONAL))
		clear_because(first, ACT_OPTIONAL, then);
	if (!(first->flags & ACT_OPTIONAL) && !(first->flags & ACT_RUNNABLE))
		clear_because(then, ACT_RUNNABLE, first);
}

/* One pair of actions (pcmk__update_ordered_actions). flags are first's as
 * the ordering sees them; filter limits which of then's flags may change. */
static unsigned action_update(struct upd *u, struct sched_action *first,
			      struct sched_action *then, unsigned flags, unsigned filter,
			      unsigned type)
{
	unsigned changed = 0, then_was = then->flags, first_was = first->flags;

	/* As in Pacemaker, flags is first's own flags here, so a required
	 * 'then' makes an optional 'first' required through this only when
	 * first's flags changed since they were read. */
	if ((type & ORD_IMPLIES_FIRST) && !(then_was & ACT_OPTIONAL) && (filter & ACT_OPTIONAL) &&
	    !(flags & ACT_OPTIONAL) && (first_was & ACT_OPTIONAL))
		clear_because(first, ACT_OPTIONAL, then);
	if ((type & ORD_PROMOTED_IMPLIES_FIRST) && then->rsc && then->rsc->role == ROLE_PROMOTED &&
	    (filter & ACT_OPTIONAL) && !(then->flags & ACT_OPTIONAL))
		clear_because(first, ACT_OPTIONAL, then);
	if ((type & ORD_RUNNABLE_LEFT) && (filter & ACT_RUNNABLE) && (then->flags & ACT_RUNNABLE) &&
	    !(flags & ACT_RUNNABLE))
		clear_because(then, ACT_RUNNABLE, first);
	if ((type & ORD_IMPLIES_THEN) && (filter & ACT_OPTIONAL) && (then->flags & ACT_OPTIONAL) &&
	    !(flags & ACT_OPTIONAL))
		clear_because(then, ACT_OPTIONAL, first);
	if ((type & ORD_RESTART) && first->rsc && then->rsc &&
	    first->rsc->variant == VARIANT_PRIMITIVE && then->rsc->variant == VARIANT_PRIMITIVE)
		handle_restart(first, then, filter);
	if (then->flags != then_was) {
		changed |= UPDATED_THEN;
		/* Pacemaker updates a member or instance at once ("X stop then X
		 * start" of cloned groups needs it). */
		if (then->rsc && then->rsc->parent)
			update_action(u, then);
	}
	if (first->flags != first_was)
		changed |= UPDATED_FIRST;
	return changed;
}

/* The update_ordered_actions() of rsc's variant: a group or clone passes the
 * ordering on to the same action of each of then's members (a clone only
 * to the runnable ones, updating what follows a member that changed). */
static unsigned rsc_update(struct upd *u, struct sched_rsc *rsc, struct sched_action *first,
			   struct sched_action *then, const struct sched_node *n, unsigned flags,
			   unsigned filter, unsigned type)
{
	unsigned changed = action_update(u, first, then, flags, filter, type);
	struct sched_rsc *t = then->rsc;

	if (rsc->variant == VARIANT_PRIMITIVE || !t)
		return changed;
	for (int i = 0; i < t->nchildren; i++) {
		struct sched_rsc *m = t->children[i];
		struct sched_action *ma = newest_action(m, then->task, n);
		unsigned mc;

		if (!ma)
			continue;
		if (rsc->variant == VARIANT_GROUP) {
			changed |= rsc_update(u, m, first, ma, n, flags, filter, type);
			continue;
		}
		if (!(action_flags(ma, n) & ACT_RUNNABLE))
			continue;
		mc = rsc_update(u, m, first, ma, n, flags, filter, type);
		changed |= mc;
		if (mc & UPDATED_THEN)
			update_after(u, ma);
	}
	return changed;
}

/* One ordering, flag by flag in Pacemaker's order
 * (update_action_for_ordering_flags). */
static unsigned apply_ordering(struct upd *u, struct sched_action *first,
			       struct sched_action *then, unsigned ff, const struct sched_edge *e)
{
	unsigned changed = 0;
	const struct sched_node *n = then->node;

	if (e->flags & ORD_IMPLIES_THEN) {
		if (then->rsc) {
			changed |= rsc_update(u, then->rsc, first, then, n, ff & ACT_OPTIONAL,
					      ACT_OPTIONAL, ORD_IMPLIES_THEN);
		} else if (!(ff & ACT_OPTIONAL) && (then->flags & ACT_OPTIONAL)) {
			then->flags &= ~ACT_OPTIONAL;
			changed |= UPDATED_THEN;
		}
	}
	if ((e->flags & ORD_RESTART) && then->rsc)
		changed |= rsc_update(u, then->rsc, first, then, n, ff,
				      ACT_OPTIONAL | ACT_RUNNABLE, ORD_RESTART);
	if (e->flags & ORD_IMPLIES_FIRST) {
		if (first->rsc) {
			changed |= rsc_update(u, first->rsc, first, then, n, ff, ACT_OPTIONAL,
					      ORD_IMPLIES_FIRST);
		} else if (!(ff & ACT_OPTIONAL) && (first->flags & ACT_RUNNABLE)) {
			first->flags &= ~ACT_RUNNABLE;
			changed |= UPDATED_FIRST;
		}
	}
	if ((e->flags & ORD_PROMOTED_IMPLIES_FIRST) && then->rsc)
		changed |= rsc_update(u, then->rsc, first, then, n, ff & ACT_OPTIONAL, ACT_OPTIONAL,
				      ORD_PROMOTED_IMPLIES_FIRST);
	if ((e->flags & ORD_ONE_OR_MORE) && !then->rsc && (ff & ACT_RUNNABLE)) {
		/* Another runnable input: one is enough. */
		if (++u->runnable_before[then->id] >= 1 && !(then->flags & ACT_RUNNABLE)) {
			then->flags |= ACT_RUNNABLE;
			changed |= UPDATED_THEN;
		}
	}
	if (e->flags & ORD_RUNNABLE_LEFT) {
		if (then->rsc) {
			changed |= rsc_update(u, then->rsc, first, then, n, ff, ACT_RUNNABLE,
					      ORD_RUNNABLE_LEFT);
		} else if (!(ff & ACT_RUNNABLE) && (then->flags & ACT_RUNNABLE)) {
			then->flags &= ~ACT_RUNNABLE;
			changed |= UPDATED_THEN;
		}
	}
	/* After the stop of a blocked, unmanaged resource that cannot stop,
	 * nothing runs. */
	if ((e->flags & (ORD_IMPLIES_THEN | ORD_IMPLIES_FIRST | ORD_RESTART)) && first->rsc &&
	    !first->rsc->managed && first->rsc->blocked && !(first->flags & ACT_RUNNABLE) &&
	    !strcmp(first->task, "stop") && (then->flags & ACT_RUNNABLE)) {
		then->flags &= ~ACT_RUNNABLE;
		changed |= UPDATED_THEN;
	}
	return changed;
}

/* pcmk__update_action_for_orderings() */
static void update_action(struct upd *u, struct sched_action *then)
{
	unsigned changed = 0, last_flags = then->flags;

	if (requires_any(then)) {
		u->runnable_before[then->id] = 0;
		then->flags &= ~ACT_RUNNABLE;
	}
	if (then->lost_partner) {
		then->lost_partner = false;
		changed |= UPDATED_THEN;
	}
	for (int k = u->before_at[then->id]; k < u->before_at[then->id + 1]; k++) {
		const struct sched_edge *e = u->before[k];
		struct sched_action *first = e->first;
		const struct sched_node *first_node = first->node, *then_node = then->node;
		unsigned ff;

		if (first->rsc && first->rsc->variant == VARIANT_GROUP && !strcmp(first->task, "start"))
			first_node = group_node(first->rsc);
		if (then->rsc && then->rsc->variant == VARIANT_GROUP && !strcmp(then->task, "start"))
			then_node = group_node(then->rsc);
		changed &= ~UPDATED_FIRST;
		ff = flags_for_ordering(first, then_node);
		/* For what it marks on a collective 'then' itself. */
		flags_for_ordering(then, first_node);
		changed |= apply_ordering(u, first, then, ff, e);
		if (changed & UPDATED_FIRST) {
			update_after(u, first);
			update_action(u, first);
		}
	}
	if (requires_any(then)) {
		if (last_flags == then->flags)
			changed &= ~UPDATED_THEN;
		else
			changed |= UPDATED_THEN;
	}
	if (changed & UPDATED_THEN) {
		if ((last_flags & ACT_RUNNABLE) && !(then->flags & ACT_RUNNABLE))
			block_dependents(u, then);
		update_action(u, then);
		update_after(u, then);
	}
}

/* ---------------------------------------------------------------- */
/* Mandatory colocations with what cannot start (pcmk__block_colocated_starts) */

static void mark_blocked(struct upd *u, struct sched_rsc *r, const char *task,
			 const struct sched_rsc *why)
{
	char *text = xasprintf("colocation with %s", why->id);

	for (int i = 0; i < r->nactions; i++) {
		struct sched_action *a = r->actions[i];

		if ((a->flags & ACT_RUNNABLE) && !strcmp(a->task, task)) {
			a->flags &= ~ACT_RUNNABLE;
			sched_action_set_reason(a, text, false);
			block_dependents(u, a);
			update_action(u, a);
		}
	}
	for (int i = 0; i < r->nchildren; i++)
		mark_blocked(u, r->children[i], task, why);
	free(text);
}

/* An unrunnable start (or promote) blocks the dependents of mandatory
 * colocations with its resource, once no instance of it can start. */
static void block_dependents(struct upd *u, struct sched_action *a)
{
	struct sched_cluster *c = u->c;
	struct sched_rsc *r;
	bool is_start;

	if (!a->rsc || (a->flags & ACT_RUNNABLE))
		return;
	is_start = !strcmp(a->task, "start");
	if (!is_start && strcmp(a->task, "promote"))
		return;
	r = sched_rsc_top(a->rsc);
	for (int i = 0; i < r->nchildren; i++) {
		struct sched_action *x = newest_action(r->children[i], a->task, NULL);

		if (!x || (x->flags & ACT_RUNNABLE))
			return;
	}
	for (int i = 0; i < c->ncolocations; i++) {
		struct sched_colocation *co = &c->colocations[i];

		if (co->primary != r || co->score < SCORE_INFINITY)
			continue;
		if (!is_start && co->primary_role != ROLE_PROMOTED)
			continue;
		mark_blocked(u, co->dependent,
			     co->dependent_role == ROLE_PROMOTED ? "promote" : "start", a->rsc);
	}
}

/* ---------------------------------------------------------------- */

static int cmp_newest(const void *a, const void *b)
{
	const struct sched_edge *x = *(const struct sched_edge *const *)a;
	const struct sched_edge *y = *(const struct sched_edge *const *)b;

	if (x->rank != y->rank)
		return x->rank > y->rank ? -1 : 1;
	return x->seq > y->seq ? -1 : x->seq < y->seq;
}

/* Each action's orderings, newest first (Pacemaker prepends them). */
static void index_edges(struct upd *u)
{
	struct sched_cluster *c = u->c;
	int n = c->nactions, total = c->nedges + c->nreplaced;
	const struct sched_edge **all = xmalloc((total + 1) * sizeof(*all));
	int *fill_b = xcalloc(n + 1, sizeof(int)), *fill_a = xcalloc(n + 1, sizeof(int));

	for (int i = 0; i < c->nedges; i++)
		all[i] = &c->edges[i];
	for (int i = 0; i < c->nreplaced; i++)
		all[c->nedges + i] = &c->replaced[i];
	qsort(all, total, sizeof(*all), cmp_newest);
	u->before_at = xcalloc(n + 1, sizeof(int));
	u->after_at = xcalloc(n + 1, sizeof(int));
	for (int i = 0; i < c->nedges; i++)
		u->before_at[c->edges[i].then->id + 1]++;
	for (int i = 0; i < total; i++)
		u->after_at[all[i]->first->id + 1]++;
	for (int i = 0; i < n; i++) {
		u->before_at[i + 1] += u->before_at[i];
		u->after_at[i + 1] += u->after_at[i];
	}
	u->before = xmalloc((c->nedges + 1) * sizeof(*u->before));
	u->after = xmalloc((total + 1) * sizeof(*u->after));
	for (int j = 0; j < total; j++) {
		const struct sched_edge *e = all[j];
		int t = e->then->id, f = e->first->id;

		/* A replaced ordering is only in what follows first. */
		if (!(e->flags & ORD_REPLACED))
			u->before[u->before_at[t] + fill_b[t]++] = e;
		u->after[u->after_at[f] + fill_a[f]++] = e;
	}
	free(all);
	free(fill_b);
	free(fill_a);
}

void sched_update_actions(struct sched_cluster *c)
{
	struct upd u = { .c = c };

	index_edges(&u);
	u.runnable_before = xcalloc(c->nactions + 1, sizeof(int));
	for (int i = c->nactions - 1; i >= 0; i--)
		block_dependents(&u, c->actions[i]);
	for (int i = c->nactions - 1; i >= 0; i--)
		update_action(&u, c->actions[i]);
	free(u.before);
	free(u.before_at);
	free(u.after);
	free(u.after_at);
	free(u.runnable_before);
}

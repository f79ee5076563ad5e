/* sched_actions: turn placement into actions (stop, start, demote,
 * promote, fence and the pseudo actions of groups and clones) and order
 * them; sched_update.c then propagates "required" and "unrunnable" along
 * the orderings. */
#include <stdlib.h>
#include <string.h>

#include "cluster/sched_int.h"
#include "lib/util.h"

static bool is_collective(const struct sched_rsc *r)
{
	return r && r->variant != VARIANT_PRIMITIVE;
}

void sched_action_set_reason(struct sched_action *a, const char *reason, bool overwrite)
{
	if (a->reason && !overwrite)
		return;
	free(a->reason);
	a->reason = reason ? xstrdup(reason) : NULL;
}

struct sched_action *sched_find_action(const struct sched_rsc *r, const char *task,
				       const struct sched_node *n)
{
	for (int i = 0; i < r->nactions; i++) {
		struct sched_action *a = r->actions[i];

		if (!strcmp(a->task, task) && a->interval_ms == 0 && (!n || a->node == n))
			return a;
	}
	return NULL;
}

static bool rsc_active(const struct sched_rsc *r)
{
	if (r->variant == VARIANT_PRIMITIVE)
		return r->nrunning > 0;
	for (int i = 0; i < r->nchildren; i++)
		if (rsc_active(r->children[i]))
			return true;
	return false;
}

/* Whether starting r waits for quorum: unless it requires nothing (without
 * quorum, the default is "quorum" or "fencing", for fencing devices too). */
static bool start_needs_quorum(const struct sched_cluster *c, const struct sched_rsc *r)
{
	const char *v = NULL;

	for (const struct sched_rsc *p = r; p && !v; p = p->parent)
		v = sched_attrs_get(&p->meta, "requires");
	if (!v)
		v = sched_attrs_get(&c->rsc_defaults, "requires");
	return !v || strcmp(v, "nothing") != 0;
}

static void update_runnable(struct sched_cluster *c, struct sched_action *a)
{
	struct sched_rsc *r = a->rsc;
	bool needs_nothing = !strcmp(a->task, "stop") || !strcmp(a->task, "demote") ||
			     !start_needs_quorum(c, r);

	if (a->flags & ACT_PSEUDO)
		return;
	if (!a->node) {
		a->flags &= ~ACT_RUNNABLE;
	} else if (!a->node->online) {
		a->flags &= ~ACT_RUNNABLE;
	} else if (a->node->pending) {
		a->flags &= ~ACT_RUNNABLE;
	} else if (needs_nothing) {
		a->flags |= ACT_RUNNABLE;
	} else if (!c->have_quorum && c->no_quorum == NQ_STOP) {
		a->flags &= ~ACT_RUNNABLE;
		sched_action_set_reason(a, "no quorum", true);
	} else if (!c->have_quorum && c->no_quorum == NQ_FREEZE) {
		if (!rsc_active(r) || r->next_role > r->role) {
			a->flags &= ~ACT_RUNNABLE;
			sched_action_set_reason(a, "quorum freeze", true);
		}
	} else if (!c->have_quorum && c->no_quorum == NQ_DEMOTE &&
		   !strcmp(a->task, "promote")) {
		a->flags &= ~ACT_RUNNABLE;
		sched_action_set_reason(a, "no quorum", true);
	} else {
		a->flags |= ACT_RUNNABLE;
	}
}

/* Find or create an action (custom_action). A new action is optional
 * when `optional`; an existing one becomes required when not. */
static struct sched_action *get_action(struct sched_cluster *c, struct sched_rsc *r,
				       const char *task, struct sched_node *n, bool optional)
{
	struct sched_action *a = NULL;

	if (r) {
		for (int i = 0; i < r->nactions; i++) {
			struct sched_action *x = r->actions[i];

			if (!strcmp(x->task, task) && x->node == n && x->interval_ms == 0) {
				a = x;
				break;
			}
		}
	}
	if (a) {
		if (!optional)
			a->flags &= ~ACT_OPTIONAL;
		return a;
	}
	a = xcalloc(1, sizeof(*a));
	a->id = c->nactions;
	a->rsc = r;
	a->task = xstrdup(task);
	a->node = n;
	a->flags = ACT_RUNNABLE | (optional ? ACT_OPTIONAL : 0);
	if (c->nactions == c->actions_cap) {
		c->actions_cap = c->actions_cap ? c->actions_cap * 2 : 64;
		c->actions = xrealloc(c->actions, c->actions_cap * sizeof(*c->actions));
	}
	c->actions[c->nactions++] = a;
	if (r) {
		r->actions = xrealloc(r->actions, (r->nactions + 1) * sizeof(*r->actions));
		r->actions[r->nactions++] = a;
		if (r->variant == VARIANT_PRIMITIVE) {
			if (n && !r->managed) {
				/* Unmanaged: nothing is ever executed. */
				a->flags |= ACT_OPTIONAL;
			}
			update_runnable(c, a);
		}
	}
	return a;
}

static struct sched_action *pseudo_action(struct sched_cluster *c, struct sched_rsc *r,
					  const char *task, bool optional, bool runnable)
{
	struct sched_action *a = get_action(c, r, task, NULL, optional);

	a->flags |= ACT_PSEUDO;
	if (runnable)
		a->flags |= ACT_RUNNABLE;
	else
		a->flags &= ~ACT_RUNNABLE;
	return a;
}

static void add_edge(struct sched_cluster *c, struct sched_action *first, struct sched_action *then,
		     unsigned flags)
{
	bool created;
	struct sched_edge *e;

	if (!first || !then || first == then)
		return;
	/* One ordering per pair of actions: a repeated one adds its flags,
	 * but for a second configured ordering, which Pacemaker drops (of
	 * orderings of the same actions whose flags overlap, the first is
	 * kept). */
	e = sched_hash_edge(c, first, then, &created);
	if (!created && (e->flags & flags & ORD_OPTIONAL))
		return;
	e->flags |= flags;
}

/* The ordering from a collective's completion action that replaces one
 * from its action (order_rsc). Pacemaker creates it while updating 'then',
 * walking its orderings newest first: it is newer than any ordering
 * created before the update, and the later the one it replaces, the
 * earlier it is created. */
static void add_remapped_edge(struct sched_cluster *c, struct sched_action *first,
			      struct sched_action *then, unsigned flags)
{
	bool created;
	struct sched_edge *e;

	if (!first || !then || first == then)
		return;
	e = sched_hash_edge(c, first, then, &created);
	if (!created && (e->flags & flags & ORD_OPTIONAL))
		return;
	e->flags |= flags;
	if (created) {
		e->rank = EDGE_RANK_REMAPPED;
		e->seq = -e->seq;
	}
}

/* An ordering replaced by one from first's completion action (see
 * sched_cluster.replaced). */
static void add_replaced(struct sched_cluster *c, struct sched_action *first,
			 struct sched_action *then)
{
	struct sched_edge *e;

	if (c->nreplaced == c->replaced_cap) {
		c->replaced_cap = c->replaced_cap ? 2 * c->replaced_cap : 64;
		c->replaced = xrealloc(c->replaced, c->replaced_cap * sizeof(*c->replaced));
	}
	e = &c->replaced[c->nreplaced++];
	e->first = first;
	e->then = then;
	e->flags = ORD_REPLACED;
	e->rank = c->edge_rank;
	e->seq = c->edge_seq++;
}

/* ---------------------------------------------------------------- */
/* Primitive actions (pcmk__primitive_create_actions). */

static void stop_resource(struct sched_cluster *c, struct sched_rsc *r, bool optional)
{
	for (int i = 0; i < r->nrunning; i++) {
		struct sched_action *stop = get_action(c, r, "stop", r->running_on[i], optional);

		/* "being multiply active" is Pacemaker's reason only with
		 * multiple-active=stop_unexpected, which is not implemented. */
		if (!r->assigned)
			sched_action_set_reason(stop, "node availability", true);
		if (!r->managed)
			stop->flags &= ~ACT_RUNNABLE;
	}
}

static void start_resource(struct sched_cluster *c, struct sched_rsc *r, struct sched_node *n,
			   bool optional)
{
	struct sched_action *start;

	if (!n)
		return;
	start = get_action(c, r, "start", n, true);
	if ((start->flags & ACT_RUNNABLE) && !optional)
		start->flags &= ~ACT_OPTIONAL;
}

static void promote_resource(struct sched_cluster *c, struct sched_rsc *r, struct sched_node *n,
			     bool optional)
{
	bool runnable = true;

	if (!n)
		return;
	for (int i = 0; i < r->nactions; i++)
		if (!strcmp(r->actions[i]->task, "start") && r->actions[i]->node == n &&
		    !(r->actions[i]->flags & ACT_RUNNABLE))
			runnable = false;
	if (runnable) {
		get_action(c, r, "promote", n, optional);
	} else {
		for (int i = 0; i < r->nactions; i++)
			if (!strcmp(r->actions[i]->task, "promote") && r->actions[i]->node == n)
				r->actions[i]->flags &= ~ACT_RUNNABLE;
	}
}

static void demote_resource(struct sched_cluster *c, struct sched_rsc *r, bool optional)
{
	for (int i = 0; i < r->nrunning; i++)
		get_action(c, r, "demote", r->running_on[i], optional);
}

/* Next step from one role toward another (rsc_state_matrix). */
static const enum sched_role role_step[ROLE_MAX][ROLE_MAX] = {
	/* to:       Unknown       Stopped       Started          Unpromoted       Promoted */
	[ROLE_UNKNOWN]    = { ROLE_UNKNOWN, ROLE_STOPPED, ROLE_STOPPED, ROLE_STOPPED, ROLE_STOPPED },
	[ROLE_STOPPED]    = { ROLE_STOPPED, ROLE_STOPPED, ROLE_STARTED, ROLE_UNPROMOTED, ROLE_UNPROMOTED },
	[ROLE_STARTED]    = { ROLE_STOPPED, ROLE_STOPPED, ROLE_STARTED, ROLE_UNPROMOTED, ROLE_PROMOTED },
	[ROLE_UNPROMOTED] = { ROLE_STOPPED, ROLE_STOPPED, ROLE_STOPPED, ROLE_UNPROMOTED, ROLE_PROMOTED },
	[ROLE_PROMOTED]   = { ROLE_STOPPED, ROLE_UNPROMOTED, ROLE_UNPROMOTED, ROLE_UNPROMOTED, ROLE_PROMOTED },
};

/* Perform one role step; false when there is no action for it. */
static bool role_action(struct sched_cluster *c, struct sched_rsc *r, enum sched_role from,
			enum sched_role to, struct sched_node *n, bool optional)
{
	if (to == ROLE_STOPPED && (from == ROLE_STARTED || from == ROLE_UNPROMOTED ||
				   from == ROLE_UNKNOWN)) {
		stop_resource(c, r, optional);
		return true;
	}
	if (from == ROLE_STOPPED && (to == ROLE_STARTED || to == ROLE_UNPROMOTED)) {
		start_resource(c, r, n, optional);
		return n != NULL;
	}
	if (to == ROLE_PROMOTED && (from == ROLE_STARTED || from == ROLE_UNPROMOTED)) {
		promote_resource(c, r, n, optional);
		return n != NULL;
	}
	if (from == ROLE_PROMOTED && to != ROLE_PROMOTED) {
		demote_resource(c, r, optional);
		return true;
	}
	if (from == ROLE_UNPROMOTED && to == ROLE_STOPPED) {
		stop_resource(c, r, optional);
		return true;
	}
	return false;
}

static void primitive_create_actions(struct sched_cluster *c, struct sched_rsc *r)
{
	struct sched_node *current = sched_rsc_current(r);
	bool need_stop = false, need_promote = false;
	enum sched_role role, next;

	if (r->next_role == ROLE_UNKNOWN)
		r->next_role = r->assigned ? ROLE_STARTED : ROLE_STOPPED;
	if (current && r->assigned && current != r->assigned && r->next_role >= ROLE_STARTED)
		need_stop = true;
	if (r->nrunning > 1)
		need_stop = true;
	if (r->start_pending && r->assigned) {
		struct sched_action *s = get_action(c, r, "start", r->assigned, true);

		s->flags |= ACT_PRINT;
	}
	if (r->failed) {
		if (r->stop_on_fail)
			need_stop = true;
		else if (r->next_role == ROLE_PROMOTED)
			need_promote = true;
	} else if (r->blocked) {
		need_stop = true;
	} else if (r->changed && current && r->managed) {
		need_stop = true;
	} else if (r->agent_restart && current && r->managed) {
		/* A required stop, without a reason (pcmk__rsc_agent_changed). */
		need_stop = true;
	}

	/* Down to stopped on the current node(s), then back up. */
	role = r->role;
	while (role != ROLE_STOPPED) {
		next = role_step[role][ROLE_STOPPED];
		if (!role_action(c, r, role, next, current, !need_stop))
			break;
		role = next;
	}
	while (r->role <= r->next_role && role != r->role && !r->blocked) {
		bool required = need_stop;

		next = role_step[role][r->role];
		if (next == ROLE_PROMOTED && need_promote)
			required = true;
		if (!role_action(c, r, role, next, r->assigned, !required))
			break;
		role = next;
	}
	/* Then from the current role to the next one. */
	role = r->role;
	while (role != r->next_role) {
		next = role_step[role][r->next_role];
		if (!role_action(c, r, role, next, r->assigned, false))
			break;
		role = next;
	}
	if (r->changed && need_stop) {
		struct sched_action *s = r->assigned ? sched_find_action(r, "start", r->assigned) : NULL;

		if (s)
			sched_action_set_reason(s, "resource definition change", true);
	}
}

/* Primitive internal orderings (pcmk__primitive_internal_constraints). */
static void primitive_orderings(struct sched_cluster *c, struct sched_rsc *r)
{
	for (int i = 0; i < r->nactions; i++) {
		struct sched_action *a = r->actions[i];

		for (int j = 0; j < r->nactions; j++) {
			struct sched_action *b = r->actions[j];

			if (!strcmp(a->task, "stop") && !strcmp(b->task, "start"))
				add_edge(c, a, b, ORD_IMPLIES_THEN | ORD_RESTART);
			if (!strcmp(a->task, "demote") && !strcmp(b->task, "stop"))
				add_edge(c, a, b, ORD_PROMOTED_IMPLIES_FIRST);
			if (!strcmp(a->task, "start") && !strcmp(b->task, "promote"))
				add_edge(c, a, b, ORD_RUNNABLE_LEFT);
			if (!strcmp(a->task, "demote") && !strcmp(b->task, "promote"))
				add_edge(c, a, b, 0);
		}
	}
}

/* ---------------------------------------------------------------- */
/* Collectives */

static void rsc_create_actions(struct sched_cluster *c, struct sched_rsc *r);

struct inst_state {
	bool active, starting, stopping;
};

static void check_instance_state(struct sched_rsc *r, struct inst_state *st)
{
	if (r->variant != VARIANT_PRIMITIVE) {
		for (int i = 0; i < r->nchildren; i++)
			check_instance_state(r->children[i], st);
		return;
	}
	if (r->nrunning)
		st->active = true;
	for (int i = 0; i < r->nactions; i++) {
		struct sched_action *a = r->actions[i];
		bool optional = a->flags & ACT_OPTIONAL;

		if (!strcmp(a->task, "start") && !optional && (a->flags & ACT_RUNNABLE))
			st->starting = true;
		else if (!strcmp(a->task, "stop") && !optional && (a->flags & (ACT_PSEUDO | ACT_RUNNABLE)))
			st->stopping = true;
	}
}

static bool in_promotable(const struct sched_rsc *r)
{
	for (; r; r = r->parent)
		if (r->variant == VARIANT_CLONE && r->promotable)
			return true;
	return false;
}

static void group_create_actions(struct sched_cluster *c, struct sched_rsc *g)
{
	for (int i = 0; i < g->nchildren; i++)
		rsc_create_actions(c, g->children[i]);
	pseudo_action(c, g, "start", true, true);
	pseudo_action(c, g, "running", true, true);
	pseudo_action(c, g, "stop", true, true);
	pseudo_action(c, g, "stopped", true, true);
	if (in_promotable(g)) {
		pseudo_action(c, g, "demote", true, true);
		pseudo_action(c, g, "demoted", true, true);
		pseudo_action(c, g, "promote", true, true);
		pseudo_action(c, g, "promoted", true, true);
	}
}

static void clone_create_actions(struct sched_cluster *c, struct sched_rsc *cl)
{
	struct inst_state st = { 0 };
	struct sched_action *a;

	for (int i = 0; i < cl->nchildren; i++) {
		rsc_create_actions(c, cl->children[i]);
		check_instance_state(cl->children[i], &st);
	}
	pseudo_action(c, cl, "start", !st.starting, true);
	a = pseudo_action(c, cl, "running", !st.starting, false);
	if (st.active || st.starting)
		a->flags |= ACT_RUNNABLE;
	pseudo_action(c, cl, "stop", !st.stopping, true);
	pseudo_action(c, cl, "stopped", !st.stopping, true);
	if (cl->promotable) {
		bool promoting = false, demoting = false;

		for (int i = 0; i < cl->nchildren; i++) {
			for (int k = 0; k < c->nall; k++) {
				struct sched_rsc *m = c->all[k];
				struct sched_rsc *p = m;

				while (p && p != cl->children[i])
					p = p->parent;
				if (!p || m->variant != VARIANT_PRIMITIVE)
					continue;
				for (int j = 0; j < m->nactions; j++) {
					struct sched_action *x = m->actions[j];

					if (x->flags & ACT_OPTIONAL)
						continue;
					if (!strcmp(x->task, "promote"))
						promoting = true;
					if (!strcmp(x->task, "demote"))
						demoting = true;
				}
			}
		}
		pseudo_action(c, cl, "promote", !promoting, true);
		pseudo_action(c, cl, "promoted", !promoting, true);
		pseudo_action(c, cl, "demote", !demoting, true);
		pseudo_action(c, cl, "demoted", !demoting, true);
	}
}

static void rsc_create_actions(struct sched_cluster *c, struct sched_rsc *r)
{
	switch (r->variant) {
	case VARIANT_PRIMITIVE:
		primitive_create_actions(c, r);
		break;
	case VARIANT_GROUP:
		group_create_actions(c, r);
		break;
	case VARIANT_CLONE:
		clone_create_actions(c, r);
		break;
	}
}

/* All actions of r with `task` (find_actions_by_task). For a missing
 * first action, Pacemaker creates an unassigned (unrunnable) one. */
static int actions_by_task(struct sched_rsc *r, const char *task, struct sched_action **out, int max)
{
	int n = 0;

	for (int i = 0; i < r->nactions && n < max; i++)
		if (!strcmp(r->actions[i]->task, task) && r->actions[i]->interval_ms == 0)
			out[n++] = r->actions[i];
	return n;
}

static const char *completed_task(const char *task)
{
	if (!strcmp(task, "start"))
		return "running";
	if (!strcmp(task, "stop"))
		return "stopped";
	if (!strcmp(task, "promote"))
		return "promoted";
	if (!strcmp(task, "demote"))
		return "demoted";
	return task;
}

static bool is_ancestor(const struct sched_rsc *a, const struct sched_rsc *r)
{
	for (; r; r = r->parent)
		if (r == a)
			return true;
	return false;
}

static bool role_of_rsc_is(const struct sched_rsc *r, enum sched_role role)
{
	enum sched_role cur = ROLE_STOPPED;

	if (r->variant == VARIANT_PRIMITIVE)
		return r->role == role;
	for (int i = 0; i < r->nchildren; i++) {
		if (r->children[i]->variant == VARIANT_PRIMITIVE) {
			if (r->children[i]->role > cur)
				cur = r->children[i]->role;
		} else if (role_of_rsc_is(r->children[i], ROLE_PROMOTED)) {
			cur = ROLE_PROMOTED;
		} else if (!role_of_rsc_is(r->children[i], ROLE_STOPPED)) {
			cur = MAX(cur, ROLE_STARTED);
		}
	}
	if (role == ROLE_UNPROMOTED && cur == ROLE_STARTED)
		return true;
	return cur == role;
}

#define MAX_MATCH 64

static struct sched_rsc *instance_on(struct sched_rsc *clone, struct sched_node *n, bool current)
{
	for (int i = 0; i < clone->nchildren; i++) {
		struct sched_rsc *inst = clone->children[i];
		struct sched_rsc *p = inst;

		while (p->variant != VARIANT_PRIMITIVE && p->nchildren)
			p = p->children[0];
		if (current) {
			for (int k = 0; k < p->nrunning; k++)
				if (p->running_on[k] == n)
					return inst;
		} else if (p->assigned == n) {
			return inst;
		}
	}
	return NULL;
}

/* Take an instance's assignment back (unassign_if_mandatory): it stops
 * where it runs and starts nowhere. No reason is given, as in Pacemaker. */
static bool inhibit_instance(struct sched_rsc *r)
{
	bool changed = false;

	for (int i = 0; i < r->nchildren; i++)
		changed |= inhibit_instance(r->children[i]);
	if (r->variant != VARIANT_PRIMITIVE)
		return changed;
	if (r->assigned) {
		changed = true;
		r->assigned->num_resources--;
		r->assigned->count--;
		r->assigned = NULL;
	}
	r->next_role = ROLE_STOPPED;
	for (int i = 0; i < r->nactions; i++) {
		struct sched_action *a = r->actions[i];

		if (!strcmp(a->task, "stop"))
			a->flags &= ~ACT_OPTIONAL;
		else if (!strcmp(a->task, "start"))
			a->flags &= ~ACT_RUNNABLE;
	}
	return changed;
}

/* Order rsc actions (pcmk__order_resource_actions + rsc_order_first). */
static void order_rsc(struct sched_cluster *c, struct sched_rsc *first, const char *ftask,
		      struct sched_rsc *then, const char *ttask, unsigned flags)
{
	struct sched_action *fa[MAX_MATCH], *ta[MAX_MATCH];
	int nf = actions_by_task(first, ftask, fa, MAX_MATCH);
	int nt;
	bool remapped = false;

	if (nf == 0) {
		if (first == then)
			return;
		if (!strcmp(ftask, "stop") && role_of_rsc_is(first, ROLE_STOPPED))
			return;
		if (!strcmp(ftask, "demote") && role_of_rsc_is(first, ROLE_UNPROMOTED))
			return;
		fa[0] = get_action(c, first, ftask, NULL, true);
		nf = 1;
	}
	nt = actions_by_task(then, ttask, ta, MAX_MATCH);
	if (nt == 0)
		return;
	/* A collective 'first' is represented by its completion action. */
	if (first != then && !is_ancestor(first, then) && is_collective(first)) {
		struct sched_action *done = sched_find_action(first, completed_task(ftask), NULL);

		if (done) {
			for (int i = 0; i < nf; i++)
				for (int j = 0; j < nt && fa[i] != done; j++)
					add_replaced(c, fa[i], ta[j]);
			fa[0] = done;
			nf = 1;
			remapped = true;
		}
	}
	/* Interleaved clones order instance by instance. */
	if (first->variant == VARIANT_CLONE && then->variant == VARIANT_CLONE && then->interleave &&
	    first != then) {
		/* Pacemaker (interleave_actions) pairs instances by their current
		 * node only when 'then' is a clone's stopped or demoted; else by
		 * where they are assigned, so an instance that is stopping has no
		 * partner for a stop ordering (the inverse of "A then B" does not
		 * restart B next to a stopping A). */
		bool current = !strcmp(ttask, "stopped") || !strcmp(ttask, "demoted");

		/* The clones' own ordering, which Pacemaker applies instance by
		 * instance, still has a change of first update then. */
		for (int i = 0; i < nf; i++)
			for (int j = 0; j < nt; j++)
				add_replaced(c, fa[i], ta[j]);
		for (int i = 0; i < then->nchildren; i++) {
			struct sched_rsc *tc = then->children[i], *p = tc;
			struct sched_node *n;
			struct sched_rsc *fc;

			while (p->variant != VARIANT_PRIMITIVE && p->nchildren)
				p = p->children[0];
			n = current ? sched_rsc_current(p) : p->assigned;
			fc = n ? instance_on(first, n, current) : NULL;
			if (!fc) {
				/* No instance to interleave with: this one may not
				 * come up (it may still go down). */
				if (!current && (flags & (ORD_RUNNABLE_LEFT | ORD_IMPLIES_THEN)) &&
				    inhibit_instance(tc))
					for (int j = 0; j < nt; j++)
						ta[j]->lost_partner = true;
				continue;
			}
			order_rsc(c, fc, ftask, tc, ttask, flags);
		}
		return;
	}
	for (int i = 0; i < nf; i++)
		for (int j = 0; j < nt; j++) {
			if (remapped)
				add_remapped_edge(c, fa[i], ta[j], flags);
			else
				add_edge(c, fa[i], ta[j], flags);
		}
}

static void group_orderings(struct sched_cluster *c, struct sched_rsc *g)
{
	bool ordered = true, promotable = in_promotable(g);
	struct sched_rsc *prev = NULL, *last_active = NULL;

	order_rsc(c, g, "stop", g, "stopped", ORD_RUNNABLE_LEFT);
	order_rsc(c, g, "start", g, "running", ORD_RUNNABLE_LEFT);
	order_rsc(c, g, "stopped", g, "start", 0);
	for (int i = 0; i < g->nchildren; i++) {
		struct sched_rsc *m = g->children[i];
		unsigned down_flags = 0, post_down = 0;

		if (!prev && ordered)
			post_down = ORD_IMPLIES_THEN;
		if (promotable) {
			order_rsc(c, g, "demote", m, "demote", down_flags);
			order_rsc(c, m, "demote", g, "demoted", post_down);
			order_rsc(c, m, "promote", g, "promoted", ORD_RUNNABLE_LEFT | ORD_IMPLIES_THEN);
			order_rsc(c, g, "promote", m, "promote", ORD_IMPLIES_THEN);
		}
		order_rsc(c, g, "stop", m, "stop", down_flags);
		order_rsc(c, m, "stop", g, "stopped", post_down);
		/* An ordered group reaches its members through the chain of
		 * member orderings (and orderings on the group pass through to
		 * every member): a required group start alone restarts nothing. */
		order_rsc(c, g, "start", m, "start",
			  ordered ? 0 : ORD_IMPLIES_THEN | ORD_RUNNABLE_LEFT);
		order_rsc(c, m, "start", g, "running", ORD_RUNNABLE_LEFT | ORD_IMPLIES_THEN);
		if (prev) {
			order_rsc(c, prev, "start", m, "start", ORD_IMPLIES_THEN | ORD_RUNNABLE_LEFT);
			order_rsc(c, m, "stop", prev, "stop", ORD_RESTART);
			if (m->nrunning && !prev->nrunning)
				order_rsc(c, m, "stop", prev, "start",
					  ORD_IMPLIES_FIRST | ORD_RUNNABLE_LEFT);
			if (promotable) {
				order_rsc(c, prev, "promote", m, "promote",
					  ORD_IMPLIES_THEN | ORD_RUNNABLE_LEFT);
				order_rsc(c, m, "demote", prev, "demote", 0);
			}
		}
		if (m->nrunning) {
			if (prev && !prev->nrunning && last_active && last_active->nrunning)
				order_rsc(c, m, "stop", last_active, "stop", 0);
			last_active = m;
		}
		prev = m;
	}
}

static void clone_orderings(struct sched_cluster *c, struct sched_rsc *cl)
{
	struct sched_rsc *last = NULL;

	order_rsc(c, cl, "running", cl, "stop", 0);
	order_rsc(c, cl, "start", cl, "running", ORD_RUNNABLE_LEFT);
	order_rsc(c, cl, "stop", cl, "stopped", ORD_RUNNABLE_LEFT);
	if (cl->promotable) {
		order_rsc(c, cl, "demoted", cl, "stop", 0);
		order_rsc(c, cl, "demote", cl, "demoted", 0);
		order_rsc(c, cl, "running", cl, "promote", ORD_RUNNABLE_LEFT);
		order_rsc(c, cl, "promote", cl, "promoted", 0);
		order_rsc(c, cl, "demoted", cl, "promote", 0);
		order_rsc(c, cl, "stopped", cl, "start", 0);
	}
	for (int i = 0; i < cl->nchildren; i++) {
		struct sched_rsc *ch = cl->children[i];

		order_rsc(c, cl, "start", ch, "start", ORD_RUNNABLE_LEFT);
		order_rsc(c, ch, "start", cl, "running", 0);
		if (cl->ordered && last)
			order_rsc(c, last, "start", ch, "start", 0);
		order_rsc(c, cl, "stop", ch, "stop", 0);
		order_rsc(c, ch, "stop", cl, "stopped", 0);
		if (cl->ordered && last)
			order_rsc(c, ch, "stop", last, "stop", 0);
		if (cl->promotable) {
			order_rsc(c, cl, "promote", ch, "promote", ORD_RUNNABLE_LEFT);
			order_rsc(c, ch, "promote", cl, "promoted", 0);
			order_rsc(c, cl, "demote", ch, "demote", 0);
			order_rsc(c, ch, "demote", cl, "demoted", 0);
		}
		last = ch;
	}
}

static void rsc_orderings(struct sched_cluster *c, struct sched_rsc *r)
{
	for (int i = 0; i < r->nchildren; i++)
		rsc_orderings(c, r->children[i]);
	switch (r->variant) {
	case VARIANT_PRIMITIVE:
		primitive_orderings(c, r);
		break;
	case VARIANT_GROUP:
		group_orderings(c, r);
		break;
	case VARIANT_CLONE:
		clone_orderings(c, r);
		break;
	}
}

static const char *invert_task(const char *t)
{
	if (!strcmp(t, "start"))
		return "stop";
	if (!strcmp(t, "stop"))
		return "start";
	if (!strcmp(t, "promote"))
		return "demote";
	if (!strcmp(t, "demote"))
		return "promote";
	if (!strcmp(t, "promoted"))
		return "demoted";
	if (!strcmp(t, "demoted"))
		return "promoted";
	if (!strcmp(t, "running"))
		return "stopped";
	if (!strcmp(t, "stopped"))
		return "running";
	return NULL;
}

static void order_rsc_to_action(struct sched_cluster *c, struct sched_rsc *first,
				const char *ftask, struct sched_action *then)
{
	struct sched_action *fa[MAX_MATCH];
	int nf = actions_by_task(first, ftask, fa, MAX_MATCH);

	if (is_collective(first)) {
		struct sched_action *done = sched_find_action(first, completed_task(ftask), NULL);

		if (done) {
			for (int i = 0; i < nf; i++)
				if (fa[i] != done)
					add_replaced(c, fa[i], then);
			fa[0] = done;
			nf = 1;
		}
	}
	for (int i = 0; i < nf; i++)
		add_edge(c, fa[i], then, ORD_ONE_OR_MORE);
}

static unsigned kind_flags(enum sched_order_kind kind, const char *first, int symmetry)
{
	unsigned f = ORD_OPTIONAL;

	if (kind == ORDER_SERIALIZE)
		return f | ORD_SERIALIZE;
	if (kind != ORDER_MANDATORY)
		return f;
	if (symmetry == 1) {
		f |= ORD_IMPLIES_THEN;
		if (!strcmp(first, "start") || !strcmp(first, "promote"))
			f |= ORD_RUNNABLE_LEFT;
	} else if (symmetry == 2) {
		f |= ORD_IMPLIES_FIRST;
	}
	return f;
}

static void order_constraints(struct sched_cluster *c)
{
	for (int i = 0; i < c->norders; i++) {
		struct sched_order *o = &c->orders[i];
		const char *fa = o->first_action, *ta = o->then_action;
		unsigned flags = kind_flags(o->kind, fa, o->symmetrical ? 1 : 0);

		/* The deprecated restart-type=restart makes an optional
		 * ordering restart the resource after it. */
		if (o->kind == ORDER_OPTIONAL && o->then->restart_type)
			flags |= ORD_IMPLIES_THEN;

		if (o->first->variant == VARIANT_CLONE && !o->require_all &&
		    !strcmp(fa, "start")) {
			/* require-all=false: 'then' needs one runnable instance. */
			struct sched_action *any = get_action(c, NULL, "one-or-more", NULL, true);
			char *name = xasprintf("clone-one-or-more:%s", o->id);

			free(any->task);
			any->task = name;
			/* Runnable until updated, as Pacemaker creates it. */
			any->flags |= ACT_PSEUDO | ACT_RUNNABLE;
			any->probe = true; /* marks "requires any" */
			for (int k = 0; k < o->first->nchildren; k++)
				order_rsc_to_action(c, o->first->children[k], "start", any);
			{
				struct sched_action *ta_[MAX_MATCH];
				int nt = actions_by_task(o->then, ta, ta_, MAX_MATCH);

				for (int k = 0; k < nt; k++)
					add_edge(c, any, ta_[k], flags & ~ORD_IMPLIES_THEN);
			}
		} else {
			order_rsc(c, o->first, fa, o->then, ta, flags);
		}
		if (o->symmetrical && o->kind != ORDER_SERIALIZE) {
			const char *ifa = invert_task(fa), *ita = invert_task(ta);

			if (!ifa || !ita)
				continue;
			order_rsc(c, o->then, ita, o->first, ifa,
				  kind_flags(o->kind, ita, 2) |
				  (o->kind == ORDER_OPTIONAL && o->first->restart_type ?
				   ORD_IMPLIES_FIRST : 0));
		}
	}
}

/* An inhibited instance can leave another interleaved clone without a
 * partner: repeat until nothing changes (Pacemaker reaches the same point
 * while updating actions along the orderings). */
static bool inhibit_unpartnered(struct sched_cluster *c)
{
	bool changed = false;

	for (int i = 0; i < c->norders; i++) {
		struct sched_order *o = &c->orders[i];
		struct sched_rsc *first = o->first, *then = o->then;
		struct sched_action *a;

		if (first->variant != VARIANT_CLONE || then->variant != VARIANT_CLONE ||
		    !then->interleave || first == then || o->kind != ORDER_MANDATORY ||
		    !o->require_all || !strcmp(o->then_action, "stop") ||
		    !strcmp(o->then_action, "demote"))
			continue;
		for (int k = 0; k < then->nchildren; k++) {
			struct sched_rsc *tc = then->children[k], *p = tc;

			while (p->variant != VARIANT_PRIMITIVE && p->nchildren)
				p = p->children[0];
			if (!p->assigned || instance_on(first, p->assigned, false))
				continue;
			inhibit_instance(tc);
			changed = true;
			if ((a = sched_find_action(then, o->then_action, NULL)))
				a->lost_partner = true;
		}
	}
	return changed;
}

/* ---------------------------------------------------------------- */
/* Fencing */

static bool can_fence(const struct sched_cluster *c, const struct sched_node *n)
{
	if (!c->stonith_enabled || !c->have_stonith_rsc)
		return false;
	if (c->have_quorum || c->no_quorum == NQ_IGNORE)
		return true;
	return n && n->online;
}

static bool any_managed(const struct sched_cluster *c)
{
	for (int i = 0; i < c->nall; i++)
		if (c->all[i]->managed)
			return true;
	return false;
}

static void schedule_fencing(struct sched_cluster *c)
{
	bool have_managed = any_managed(c);
	struct sched_node **order = xmalloc((c->nnodes + 1) * sizeof(*order));
	int no = 0;

	/* Fencing decided while unpacking comes first, in that order. */
	for (int seq = 1; seq <= c->fence_seq; seq++)
		for (int i = 0; i < c->nnodes; i++)
			if (c->nodes[i]->fence_seq == seq)
				order[no++] = c->nodes[i];
	for (int i = 0; i < c->nnodes; i++)
		if (!c->nodes[i]->fence_seq)
			order[no++] = c->nodes[i];
	for (int i = 0; i < no; i++) {
		struct sched_node *n = order[i];
		struct sched_action *f;

		if (!n->unclean || !have_managed || !can_fence(c, n))
			continue;
		f = get_action(c, NULL, "stonith", n, false);
		f->flags |= ACT_RUNNABLE;
		f->fence_kind = xstrdup(sched_attrs_get(&c->props, "stonith-action") ?
					sched_attrs_get(&c->props, "stonith-action") : "reboot");
		sched_action_set_reason(f, n->fence_reason ? n->fence_reason : "node is unclean", false);
		n->fenced = true;
		/* Everything on the node stops when the node is fenced. */
		for (int k = 0; k < c->nall; k++) {
			struct sched_rsc *r = c->all[k];

			for (int j = 0; j < r->nactions; j++) {
				struct sched_action *a = r->actions[j];

				if (a->node != n || (strcmp(a->task, "stop") && strcmp(a->task, "demote")))
					continue;
				a->flags |= ACT_PSEUDO | ACT_RUNNABLE;
				a->flags &= ~ACT_OPTIONAL;
				add_edge(c, f, a, ORD_IMPLIES_THEN);
			}
		}
	}
	free(order);
	/* Clean shutdown of online nodes asked to leave. */
	for (int i = 0; i < c->nnodes; i++) {
		struct sched_node *n = c->nodes[i];

		if (n->online && n->shutdown && !n->unclean)
			get_action(c, NULL, "do_shutdown", n, false);
	}
}

void sched_actions(struct sched_cluster *c)
{
	int first_new;

	/* Pacemaker keeps an action's orderings newest first, and creates them
	 * in this order: fencing, configured constraints, then the implicit
	 * orderings of each resource. The rank of an ordering stands for when
	 * Pacemaker creates it (sched_update.c walks them by it). */
	for (int i = 0; i < c->nrscs; i++)
		rsc_create_actions(c, c->rscs[i]);
	c->edge_rank = EDGE_RANK_FENCING;
	schedule_fencing(c);
	c->edge_rank = EDGE_RANK_IMPLICIT;
	for (int i = 0; i < c->nrscs; i++)
		rsc_orderings(c, c->rscs[i]);
	first_new = c->nactions;
	c->edge_rank = EDGE_RANK_CONFIGURED;
	order_constraints(c);
	c->edge_rank = EDGE_RANK_IMPLICIT;
	/* Pacemaker applies configured orderings before the implicit ones,
	 * which it finds by task name: a start that only a configured ordering
	 * created (the 'first' of "A then B" while A is stopping) is still
	 * ordered after A's stop, which makes it required, and what it implies
	 * is then "required A start". */
	for (int i = first_new; i < c->nactions; i++) {
		struct sched_action *start = c->actions[i];
		struct sched_rsc *r = start->rsc;

		if (!r || r->variant != VARIANT_PRIMITIVE || start->node || strcmp(start->task, "start"))
			continue;
		for (int j = 0; j < r->nactions; j++)
			if (!strcmp(r->actions[j]->task, "stop"))
				add_edge(c, r->actions[j], start, ORD_IMPLIES_THEN | ORD_RESTART);
	}
	for (int pass = 0; pass <= c->norders && inhibit_unpartnered(c); pass++)
		;
	sched_update_actions(c);
}

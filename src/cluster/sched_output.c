/* sched_output: crm_simulate's layout for status and decisions. */
#include <stdlib.h>
#include <string.h>

#include "cluster/sched_int.h"
#include "cluster/sched_output.h"
#include "lib/util.h"

void sched_print_scores(struct sched_cluster *c, struct sched_rsc *r, const char *stage)
{
	char buf[16];

	for (int i = 0; i < c->nnodes; i++) {
		if (r->scores[i] == SCORE_ABSENT)
			continue;
		fprintf(c->scores_out, "pcmk__%s: %s allocation score on %s: %s\n", stage, r->id,
			c->nodes[i]->uname, sched_score_str(r->scores[i], buf, sizeof(buf)));
	}
}

void sched_print_all_scores(const struct sched_cluster *c, FILE *out)
{
	char buf[16];

	for (int k = 0; k < c->nall; k++) {
		const struct sched_rsc *r = c->all[k];

		for (int i = 0; i < c->nnodes; i++) {
			if (r->scores[i] == SCORE_ABSENT)
				continue;
			fprintf(out, "%s allocation score on %s: %s\n", r->id, c->nodes[i]->uname,
				sched_score_str(r->scores[i], buf, sizeof(buf)));
		}
	}
}

/* ---------------------------------------------------------------- */
/* Status */

struct view {
	enum sched_role role;
	struct sched_node *node;
	bool failed;
};

static struct sched_action *find_act(const struct sched_rsc *r, const char *task,
				     const struct sched_node *n)
{
	for (int i = 0; i < r->nactions; i++) {
		struct sched_action *a = r->actions[i];

		if (strcmp(a->task, task) || a->interval_ms)
			continue;
		if (n && a->node && a->node != n)
			continue;
		return a;
	}
	return NULL;
}

static bool will_run(const struct sched_action *a)
{
	return a && !(a->flags & ACT_OPTIONAL) && (a->flags & ACT_RUNNABLE);
}

static struct view rsc_view(const struct sched_rsc *r, bool revised)
{
	struct view v = { r->role, sched_rsc_current(r), r->failed };

	if (!revised)
		return v;
	/* After the transition: where the executed actions leave it. */
	if (r->nrunning) {
		struct sched_action *stop = find_act(r, "stop", r->running_on[0]);

		if (will_run(stop)) {
			v.role = ROLE_STOPPED;
			v.node = NULL;
			v.failed = false;
		} else if (r->failed && r->managed) {
			v.failed = r->failed;
		}
	}
	if (r->assigned) {
		struct sched_action *start = find_act(r, "start", r->assigned);
		struct sched_action *promote = find_act(r, "promote", r->assigned);
		struct sched_action *demote = find_act(r, "demote", NULL);

		if (will_run(start)) {
			v.role = sched_rsc_top((struct sched_rsc *)r)->promotable ? ROLE_UNPROMOTED :
									     ROLE_STARTED;
			v.node = r->assigned;
			v.failed = false;
		}
		if (will_run(demote) && v.role == ROLE_PROMOTED)
			v.role = ROLE_UNPROMOTED;
		if (will_run(promote))
			v.role = ROLE_PROMOTED;
	}
	return v;
}

static void print_agent(FILE *out, const struct sched_rsc *r)
{
	if (r->provider)
		fprintf(out, "(%s:%s:%s)", r->cls, r->provider, r->type);
	else
		fprintf(out, "(%s:%s)", r->cls, r->type);
}

static void print_primitive(FILE *out, const struct sched_rsc *r, int indent, bool revised)
{
	struct view v = rsc_view(r, revised);
	const char *state;

	if (r->orphan && v.role == ROLE_STOPPED)
		return;
	fprintf(out, "%*s* %s\t", indent, "", r->id);
	print_agent(out, r);
	state = v.role == ROLE_STOPPED ? "Stopped" : sched_role_name(v.role);
	if (v.failed && v.role > ROLE_STOPPED)
		state = "FAILED";
	fprintf(out, ":\t %s", state);
	if (v.role > ROLE_STOPPED && v.node) {
		if (v.failed && v.role == ROLE_PROMOTED)
			fprintf(out, " %s %s", "Promoted", v.node->uname);
		else
			fprintf(out, " %s", v.node->uname);
	}
	if (!r->managed)
		fprintf(out, " (unmanaged)");
	if (r->orphan)
		fprintf(out, " (ORPHANED)");
	if (r->target_role == ROLE_STOPPED && v.role == ROLE_STOPPED)
		fprintf(out, " (disabled)");
	fputc('\n', out);
}

static void print_node_list(FILE *out, const char *label, const char **names, int n, int indent)
{
	if (!n)
		return;
	fprintf(out, "%*s* %s: [", indent, "", label);
	for (int i = 0; i < n; i++)
		fprintf(out, " %s", names[i]);
	fputs(" ]\n", out);
}

static void print_clone(const struct sched_cluster *c, FILE *out, const struct sched_rsc *cl,
			bool revised)
{
	const char **promoted = xcalloc(c->nnodes * 4 + 1, sizeof(char *));
	const char **started = xcalloc(c->nnodes * 4 + 1, sizeof(char *));
	const char **stopped = xcalloc(c->nnodes + 1, sizeof(char *));
	int np = 0, ns = 0, nst = 0;
	struct sched_rsc *tmpl = cl->nchildren ? cl->children[0] : NULL;
	bool *seen = xcalloc(c->nnodes + 1, sizeof(bool));

	fprintf(out, "    * Clone Set: %s [%s]%s%s:\n", cl->id,
		cl->clone_base ? cl->clone_base : (tmpl ? tmpl->id : ""),
		cl->promotable ? " (promotable)" : "", cl->unique ? " (unique)" : "");
	if (cl->unique || (tmpl && tmpl->variant == VARIANT_GROUP)) {
		for (int i = 0; i < cl->nchildren; i++) {
			const struct sched_rsc *inst = cl->children[i];

			if (inst->variant == VARIANT_GROUP) {
				fprintf(out, "      * Resource Group: %s:\n", inst->id);
				for (int j = 0; j < inst->nchildren; j++)
					print_primitive(out, inst->children[j], 8, revised);
			} else {
				print_primitive(out, inst, 6, revised);
			}
		}
		goto out;
	}
	for (int i = 0; i < cl->nchildren; i++) {
		const struct sched_rsc *inst = cl->children[i];
		struct view v = rsc_view(inst, revised);

		if (v.role <= ROLE_STOPPED || !v.node) {
			continue;
		}
		if (v.failed || !inst->managed) {
			print_primitive(out, inst, 6, revised);
			seen[v.node->idx] = true;
			continue;
		}
		seen[v.node->idx] = true;
		if (v.role == ROLE_PROMOTED)
			promoted[np++] = v.node->uname;
		else
			started[ns++] = v.node->uname;
	}
	for (int i = 0; i < c->nnodes; i++)
		if (!seen[i] && tmpl && tmpl->scores && !c->nodes[i]->unclean)
			stopped[nst++] = c->nodes[i]->uname;
	print_node_list(out, "Promoted", promoted, np, 6);
	print_node_list(out, cl->promotable ? "Unpromoted" : "Started", started, ns, 6);
	print_node_list(out, "Stopped", stopped, nst, 6);
out:
	free(promoted);
	free(started);
	free(stopped);
	free(seen);
}

void sched_print_status(const struct sched_cluster *c, FILE *out, bool revised)
{
	const char **online = xcalloc(c->nnodes + 1, sizeof(char *));
	const char **offline = xcalloc(c->nnodes + 1, sizeof(char *));
	int non = 0, noff = 0;

	fputs("  * Node List:\n", out);
	for (int i = 0; i < c->nnodes; i++) {
		struct sched_node *n = c->nodes[i];

		if (revised && n->fenced) {
			offline[noff++] = n->uname;
			continue;
		}
		if (n->unclean) {
			fprintf(out, "    * Node %s: UNCLEAN (%s)\n", n->uname,
				n->online ? "online" : "offline");
		} else if (n->online && n->pending) {
			fprintf(out, "    * Node %s: pending\n", n->uname);
		} else if (n->online && n->standby) {
			fprintf(out, "    * Node %s: standby\n", n->uname);
		} else if (n->online && n->maintenance) {
			fprintf(out, "    * Node %s: maintenance\n", n->uname);
		} else if (n->online) {
			online[non++] = n->uname;
		} else {
			offline[noff++] = n->uname;
		}
	}
	print_node_list(out, "Online", online, non, 4);
	print_node_list(out, "OFFLINE", offline, noff, 4);
	free(online);
	free(offline);
	fputs("\n  * Full List of Resources:\n", out);
	if (!c->nrscs)
		fputs("    * No resources\n", out);
	for (int i = 0; i < c->nrscs; i++) {
		const struct sched_rsc *r = c->rscs[i];

		if (r->variant == VARIANT_PRIMITIVE) {
			print_primitive(out, r, 4, revised);
		} else if (r->variant == VARIANT_GROUP) {
			fprintf(out, "    * Resource Group: %s:\n", r->id);
			for (int j = 0; j < r->nchildren; j++)
				print_primitive(out, r->children[j], 6, revised);
		} else {
			print_clone(c, out, r, revised);
		}
	}
}

/* ---------------------------------------------------------------- */
/* Transition summary (LogActions) */

static void action_item(FILE *out, const char *change, const struct sched_rsc *r,
			const struct sched_node *origin, const struct sched_node *dest,
			const struct sched_action *action, const struct sched_action *source)
{
	bool need_role = r->role > ROLE_STARTED || r->next_role > ROLE_UNPROMOTED;
	bool same_host = origin && dest && origin == dest;
	bool same_role = r->role == r->next_role;
	char details[512];
	const char *reason = NULL;
	bool blocked;

	if (!source)
		source = action;
	if (need_role && !origin)
		snprintf(details, sizeof(details), "%s -> %s %s", sched_role_name(r->role),
			 sched_role_name(r->next_role), dest ? dest->uname : "");
	else if (!origin)
		snprintf(details, sizeof(details), "%s", dest ? dest->uname : "");
	else if (need_role && !dest)
		snprintf(details, sizeof(details), "%s %s", sched_role_name(r->role), origin->uname);
	else if (!dest)
		snprintf(details, sizeof(details), "%s", origin->uname);
	else if (need_role && same_role && same_host)
		snprintf(details, sizeof(details), "%s %s", sched_role_name(r->role), origin->uname);
	else if (same_role && same_host)
		snprintf(details, sizeof(details), "%s", origin->uname);
	else if (need_role && same_role)
		snprintf(details, sizeof(details), "%s -> %s %s", origin->uname, dest->uname,
			 sched_role_name(r->role));
	else if (same_role)
		snprintf(details, sizeof(details), "%s -> %s", origin->uname, dest->uname);
	else if (same_host)
		snprintf(details, sizeof(details), "%s -> %s %s", sched_role_name(r->role),
			 sched_role_name(r->next_role), origin->uname);
	else
		snprintf(details, sizeof(details), "%s %s -> %s %s", sched_role_name(r->role),
			 origin->uname, sched_role_name(r->next_role), dest->uname);
	blocked = action && !(action->flags & ACT_RUNNABLE);
	if (source)
		reason = source->reason;
	fprintf(out, "  * %-8s   %-10s   ( %s )", change, r->id, details);
	if (reason && blocked)
		fprintf(out, "  due to %s (blocked)", reason);
	else if (reason)
		fprintf(out, "  due to %s", reason);
	else if (blocked)
		fputs("  blocked", out);
	fputc('\n', out);
}

static struct sched_action *rsc_action_on(const struct sched_rsc *r, const char *task,
					  const struct sched_node *n)
{
	/* pe__resource_actions(): any node when n is NULL. */
	for (int i = 0; i < r->nactions; i++) {
		struct sched_action *a = r->actions[i];

		if (strcmp(a->task, task) || a->interval_ms)
			continue;
		if (n && a->node && a->node != n)
			continue;
		return a;
	}
	return NULL;
}

static void log_primitive(FILE *out, struct sched_rsc *r)
{
	struct sched_node *current = NULL, *next = r->assigned, *start_node;
	struct sched_action *start, *stop, *promote, *demote;
	bool moving;

	if (r->nrunning) {
		current = r->running_on[0];
		if (r->role == ROLE_STOPPED)
			r->role = ROLE_STARTED;
	}
	if (!current && r->orphan)
		return;
	if (!r->managed || (!current && !next))
		return;
	moving = current && next && current != next;
	start = rsc_action_on(r, "start", next);
	start_node = (!start || !(start->flags & ACT_RUNNABLE)) ? NULL : current;
	stop = rsc_action_on(r, "stop", start_node);
	promote = rsc_action_on(r, "promote", next);
	demote = rsc_action_on(r, "demote", next);

	if (r->role == r->next_role) {
		if (!start || (start->flags & ACT_OPTIONAL)) {
			if (demote && promote && !(demote->flags & ACT_OPTIONAL) &&
			    !(promote->flags & ACT_OPTIONAL))
				action_item(out, "Re-promote", r, current, next, promote, demote);
		} else if (!(start->flags & ACT_RUNNABLE)) {
			action_item(out, "Stop", r, current, NULL, stop,
				    (stop && stop->reason) ? stop : start);
		} else if (moving && current) {
			action_item(out, r->failed ? "Recover" : "Move", r, current, next, stop, NULL);
		} else if (r->failed) {
			action_item(out, "Recover", r, current, NULL, stop, NULL);
		} else {
			action_item(out, "Restart", r, current, next, start, NULL);
		}
		return;
	}
	/* An optional start that cannot run (created only to hang orderings
	 * on) does not turn a role change into a stop. */
	if (stop && (r->next_role == ROLE_STOPPED ||
		     (start && !(start->flags & ACT_RUNNABLE) && !(start->flags & ACT_OPTIONAL)))) {
		for (int i = 0; i < r->nrunning; i++) {
			struct sched_action *s = rsc_action_on(r, "stop", r->running_on[i]);

			if (s && s->node && s->node != r->running_on[i])
				s = NULL;
			action_item(out, "Stop", r, r->running_on[i], NULL, s,
				    (s && s->reason) ? s : start);
		}
	} else if (stop && r->failed && r->stop_on_fail) {
		action_item(out, "Recover", r, current, next, stop, start);
	} else if (moving) {
		action_item(out, "Move", r, current, next, stop, NULL);
	} else if (stop && !(stop->flags & ACT_OPTIONAL)) {
		action_item(out, "Restart", r, current, next, start, NULL);
	} else if (r->role == ROLE_PROMOTED) {
		action_item(out, "Demote", r, current, next, demote, NULL);
	} else if (r->next_role == ROLE_PROMOTED) {
		action_item(out, "Promote", r, current, next, promote, NULL);
	} else if (r->role == ROLE_STOPPED && r->next_role > ROLE_STOPPED) {
		action_item(out, "Start", r, current, next, start, NULL);
	}
}

static void log_rsc(FILE *out, struct sched_rsc *r)
{
	if (r->variant == VARIANT_PRIMITIVE) {
		log_primitive(out, r);
		return;
	}
	for (int i = 0; i < r->nchildren; i++)
		log_rsc(out, r->children[i]);
}

void sched_print_summary(const struct sched_cluster *c, FILE *out)
{
	for (int i = 0; i < c->nactions; i++) {
		struct sched_action *a = c->actions[i];

		if (a->rsc || (a->flags & ACT_OPTIONAL) || !a->node)
			continue;
		if (!strcmp(a->task, "stonith"))
			fprintf(out, "  * Fence (%s) %s '%s'\n", a->fence_kind ? a->fence_kind : "reboot",
				a->node->uname, a->reason ? a->reason : "node is unclean");
		/* Clean shutdowns are in the executed actions only, as in
		 * Pacemaker 2.1.5's summary. */
	}
	for (int i = 0; i < c->nrscs; i++)
		log_rsc(out, c->rscs[i]);
}

/* ---------------------------------------------------------------- */
/* Graph, in an execution order (orderings respected). */

static bool in_graph(const struct sched_action *a)
{
	return !(a->flags & ACT_OPTIONAL) && (a->flags & ACT_RUNNABLE);
}

static void graph_order(const struct sched_cluster *c, int *order, int *n)
{
	int *indeg = xcalloc(c->nactions + 1, sizeof(int));
	bool *done = xcalloc(c->nactions + 1, sizeof(bool));

	for (int i = 0; i < c->nedges; i++) {
		const struct sched_edge *e = &c->edges[i];

		if (in_graph(e->first) && in_graph(e->then))
			indeg[e->then->id]++;
	}
	*n = 0;
	for (;;) {
		bool progress = false;

		for (int i = 0; i < c->nactions; i++) {
			struct sched_action *a = c->actions[i];

			if (done[i] || !in_graph(a) || indeg[i] > 0)
				continue;
			done[i] = true;
			order[(*n)++] = i;
			progress = true;
			for (int k = 0; k < c->nedges; k++) {
				const struct sched_edge *e = &c->edges[k];

				if (e->first == a && in_graph(e->then))
					indeg[e->then->id]--;
			}
			break;
		}
		if (!progress)
			break;
	}
	/* Anything left is in a cycle: list it anyway. */
	for (int i = 0; i < c->nactions; i++)
		if (!done[i] && in_graph(c->actions[i]))
			order[(*n)++] = i;
	free(indeg);
	free(done);
}

static char *action_key(const struct sched_action *a)
{
	return xasprintf("%s_%s_0", a->rsc ? a->rsc->id : "", a->task);
}

void sched_print_graph(const struct sched_cluster *c, FILE *out)
{
	int *order = xcalloc(c->nactions + 1, sizeof(int)), n;

	graph_order(c, order, &n);
	for (int i = 0; i < n; i++) {
		struct sched_action *a = c->actions[order[i]];

		if (!a->rsc && !strcmp(a->task, "stonith")) {
			fprintf(out, "  * Fencing %s (%s)\n", a->node->uname,
				a->fence_kind ? a->fence_kind : "reboot");
		} else if (!a->rsc) {
			if (a->node)
				fprintf(out, "  * Cluster action:  %s on %s\n", a->task, a->node->uname);
			else
				fprintf(out, "  * Pseudo action:   %s\n", a->task);
		} else if (a->flags & ACT_PSEUDO) {
			char *k = action_key(a);

			fprintf(out, "  * Pseudo action:   %s\n", k);
			free(k);
		} else {
			fprintf(out, "  * Resource action: %-15s %s on %s\n", a->rsc->id, a->task,
				a->node ? a->node->uname : "");
		}
	}
	free(order);
}

/* ---------------------------------------------------------------- */
/* JSON */

static void json_str(FILE *out, const char *s)
{
	fputc('"', out);
	for (; s && *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			fprintf(out, "\\%c", ch);
		else if (ch < 0x20)
			fprintf(out, "\\u%04x", ch);
		else
			fputc(ch, out);
	}
	fputc('"', out);
}

void sched_print_json(const struct sched_cluster *c, FILE *out)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	char *line, *save = NULL;
	bool first = true;
	int *order = xcalloc(c->nactions + 1, sizeof(int)), n;

	sched_print_summary(c, mem);
	fclose(mem);
	fputs("{\"nodes\":[", out);
	for (int i = 0; i < c->nnodes; i++) {
		const struct sched_node *nd = c->nodes[i];

		fprintf(out, "%s{\"name\":", i ? "," : "");
		json_str(out, nd->uname);
		fprintf(out, ",\"online\":%s,\"unclean\":%s,\"standby\":%s,\"fenced\":%s}",
			nd->online ? "true" : "false", nd->unclean ? "true" : "false",
			nd->standby ? "true" : "false", nd->fenced ? "true" : "false");
	}
	fputs("],\"summary\":[", out);
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		while (*line == ' ' || *line == '*')
			line++;
		fputs(first ? "" : ",", out);
		json_str(out, line);
		first = false;
	}
	free(buf);
	fputs("],\"actions\":[", out);
	graph_order(c, order, &n);
	for (int i = 0; i < n; i++) {
		struct sched_action *a = c->actions[order[i]];

		fprintf(out, "%s{\"id\":%d,\"task\":", i ? "," : "", a->id);
		json_str(out, a->task);
		if (a->rsc) {
			fputs(",\"resource\":", out);
			json_str(out, a->rsc->id);
		}
		if (a->node) {
			fputs(",\"node\":", out);
			json_str(out, a->node->uname);
		}
		fprintf(out, ",\"pseudo\":%s}", (a->flags & ACT_PSEUDO) ? "true" : "false");
	}
	fputs("],\"orderings\":[", out);
	first = true;
	for (int i = 0; i < c->nedges; i++) {
		const struct sched_edge *e = &c->edges[i];

		if (!in_graph(e->first) || !in_graph(e->then))
			continue;
		fprintf(out, "%s[%d,%d]", first ? "" : ",", e->first->id, e->then->id);
		first = false;
	}
	fputs("]}\n", out);
	free(order);
}

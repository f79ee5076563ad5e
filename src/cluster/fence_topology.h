/* fence_topology: fencing levels (Pacemaker's <fencing-topology>, crmsh's
 * `fencing_topology`): which devices fence a node, in which order.
 *
 * A node's levels are tried by increasing index; a level succeeds when
 * every device in it succeeds, one after the other, and the first level
 * that succeeds fences the node. Levels are chosen as Pacemaker's fencer
 * does: those whose target names the node, else those whose
 * target-pattern matches it, else those whose target-attribute has
 * target-value on it. */
#ifndef VIGIL_FENCE_TOPOLOGY_H
#define VIGIL_FENCE_TOPOLOGY_H

struct xml_node;
struct sched_attrs;

struct fence_level {
	int index;
	char **devices;         /* owned, n of them */
	int n;
};

struct fence_plan {
	struct fence_level *levels; /* owned, by increasing index */
	int n;
};

/* The levels of `cib` that apply to `node` (attrs: its node attributes,
 * may be NULL); none when the CIB has no topology for it. */
void fence_plan_for(const struct xml_node *cib, const char *node,
		    const struct sched_attrs *attrs, struct fence_plan *out);
/* Append a level (devices: a comma-separated list). */
void fence_plan_add(struct fence_plan *p, int index, const char *devices);
void fence_plan_free(struct fence_plan *p);

#endif

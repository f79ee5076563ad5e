/* sched_int: declarations shared by the scheduler's modules only. */
#ifndef VIGIL_SCHED_INT_H
#define VIGIL_SCHED_INT_H

#include "cluster/sched.h"

/* sched_place.c */
void sched_place(struct sched_cluster *c);
void place_add_score(struct sched_cluster *c, struct sched_rsc *r, struct sched_node *n, int score);
bool place_rule_matches(const struct sched_rule *rule, const struct sched_node *n);

/* sched_hash.c */
/* (Re)build the id -> resource index from c->all (sched_index does). */
void sched_hash_index_rscs(struct sched_cluster *c);
/* The ordering first -> then, created with no flags when new. */
struct sched_edge *sched_hash_edge(struct sched_cluster *c, struct sched_action *first,
				   struct sched_action *then, bool *created);
void sched_hash_free(struct sched_cluster *c);

/* sched_actions.c */
void sched_actions(struct sched_cluster *c);
struct sched_action *sched_find_action(const struct sched_rsc *r, const char *task,
				       const struct sched_node *n);
/* Give a its reason unless it has one (or overwrite). */
void sched_action_set_reason(struct sched_action *a, const char *reason, bool overwrite);

/* sched_update.c */
/* Ranks of orderings (sched_edge.rank): when Pacemaker creates them. */
enum {
	EDGE_RANK_FENCING = 0,
	EDGE_RANK_CONFIGURED = 1,
	EDGE_RANK_IMPLICIT = 2,
	EDGE_RANK_REMAPPED = 3,   /* created while updating (add_remapped_edge) */
};
/* Propagate "required" and "unrunnable" along the orderings, as Pacemaker
 * does. */
void sched_update_actions(struct sched_cluster *c);

/* cib_xml.c */
int cib_fail_count(const struct sched_cluster *c, struct sched_rsc *r, struct sched_node *n);

/* sched_output.c */
void sched_print_scores(struct sched_cluster *c, struct sched_rsc *r, const char *stage);

#endif

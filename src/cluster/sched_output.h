/* sched_output: crm_simulate-style text (status, transition summary,
 * executed actions) and JSON for a scheduled cluster. */
#ifndef VIGIL_SCHED_OUTPUT_H
#define VIGIL_SCHED_OUTPUT_H

#include <stdio.h>

#include "cluster/sched.h"

/* "Current cluster status:" block; `revised` shows the state after the
 * transition has run. */
void sched_print_status(const struct sched_cluster *c, FILE *out, bool revised);
/* "Transition Summary:" lines (without the heading). */
void sched_print_summary(const struct sched_cluster *c, FILE *out);
/* "Executing Cluster Transition:" lines (without the heading). */
void sched_print_graph(const struct sched_cluster *c, FILE *out);
/* The whole result as one JSON object. */
void sched_print_json(const struct sched_cluster *c, FILE *out);
/* Allocation scores of every resource on every node. */
void sched_print_all_scores(const struct sched_cluster *c, FILE *out);

#endif

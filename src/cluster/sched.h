/* sched: the cluster scheduler, a pure function from (configuration,
 * status, now) to a transition graph, with Pacemaker 2.1.5's meaning for
 * every keyword, score and default.
 *
 * Data flow:
 *   crm_parse (crmsh text) --\
 *                             >-- XML CIB --> cib_unpack() --> struct sched_cluster
 *   xml_parse (CIB XML) -----/
 *   sched_run(): sched_place (scores, placement) -> sched_actions (actions,
 *   orderings, flag propagation) -> sched_output (summary, graph).
 *
 * Nothing here does I/O or reads a clock: "now" is sched_cluster.now.
 */
#ifndef VIGIL_SCHED_H
#define VIGIL_SCHED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define SCORE_INFINITY 1000000
/* A node table slot that holds no score: the node is not allowed at all
 * (asymmetric clusters), as opposed to allowed with a score. */
#define SCORE_ABSENT   INT32_MIN

/* Saturating score addition: -INFINITY wins over +INFINITY. */
int sched_score_add(int a, int b);
/* "INFINITY", "+INFINITY", "-INFINITY", or an integer (clamped).
 * 0 or -EINVAL. */
int sched_score_parse(const char *s, int *out);
/* A Pacemaker duration ("10s", "500ms", "1m", "PT1M", plain = seconds) in
 * milliseconds. 0 or -EINVAL. */
int sched_parse_interval_ms(const char *s, long long *out);
/* Writes the score as Pacemaker prints it; returns buf. */
const char *sched_score_str(int score, char *buf, size_t len);

enum sched_role {
	ROLE_UNKNOWN = 0,
	ROLE_STOPPED,
	ROLE_STARTED,
	ROLE_UNPROMOTED,
	ROLE_PROMOTED,
	ROLE_MAX
};
const char *sched_role_name(enum sched_role r);
/* Accepts old (Master/Slave) and new names; ROLE_UNKNOWN if none. */
enum sched_role sched_role_parse(const char *s);

struct sched_attr {
	char *name;   /* from malloc() */
	char *value;  /* from malloc() */
};

struct sched_attrs {
	struct sched_attr *v;  /* from malloc() */
	int n;
};

void sched_attrs_set(struct sched_attrs *a, const char *name, const char *value);
const char *sched_attrs_get(const struct sched_attrs *a, const char *name);
void sched_attrs_unset(struct sched_attrs *a, const char *name);
void sched_attrs_clear(struct sched_attrs *a);

struct sched_node {
	char *id;            /* from malloc() */
	char *uname;         /* from malloc() */
	int idx;             /* position in sched_cluster.nodes */
	bool online;
	bool unclean;        /* state unknown: must be fenced before recovery */
	bool standby;
	bool maintenance;
	bool shutdown;
	bool pending;
	bool expected_up;
	bool fenced;         /* a fence action is scheduled for it */
	char *fence_reason;  /* from malloc() */
	int fence_seq;       /* order in which fencing became needed */
	struct sched_attrs attrs;  /* node attributes incl. #uname, #id */
	int num_resources;   /* instances assigned so far (placement ties) */
	int count;           /* clone instances assigned (per clone pass) */
};

enum sched_on_fail {
	ON_FAIL_RESTART = 0,
	ON_FAIL_IGNORE,
	ON_FAIL_BLOCK,
	ON_FAIL_STOP,
	ON_FAIL_STANDBY,
	ON_FAIL_FENCE,
	ON_FAIL_DEMOTE,
};

struct sched_op {
	char *name;              /* from malloc() */
	long long interval_ms;
	long long timeout_ms;    /* 0: not set (the executor's default) */
	char *check_level;       /* OCF_CHECK_LEVEL, from malloc(), or NULL */
	struct sched_attrs params;  /* the op's own instance_attributes */
	enum sched_role role;    /* ROLE_UNKNOWN: any */
	enum sched_on_fail on_fail;
	bool on_fail_set;
	bool enabled;
};

enum sched_variant {
	VARIANT_PRIMITIVE,
	VARIANT_GROUP,
	VARIANT_CLONE,
};

struct sched_rsc {
	char *id;                 /* from malloc() */
	enum sched_variant variant;
	char *cls, *provider, *type;  /* primitives, from malloc() */
	struct sched_rsc *parent;
	struct sched_rsc **children;  /* from malloc(), owned */
	int nchildren;
	int idx;                  /* position in sched_cluster.all */

	struct sched_attrs meta;
	struct sched_attrs params;
	struct sched_op *ops;     /* from malloc() */
	int nops;
	char *digest;             /* definition fingerprint, from malloc() */

	/* Meta attributes, resolved with defaults and inheritance. */
	enum sched_role target_role;  /* ROLE_UNKNOWN: no limit */
	bool managed;
	bool maintenance;
	int stickiness;
	int migration_threshold;
	long long failure_timeout_ms;
	int priority;
	bool critical;

	/* Clones. */
	bool promotable, unique, interleave, ordered;
	int clone_max, clone_node_max, promoted_max, promoted_node_max;
	int clone_min;
	char *clone_base;         /* instance's name without ":N", from malloc() */
	char *history_name;       /* id its history uses when not its own ("rsc" for
				   instance "rsc:2"), from malloc(); or NULL */

	/* Status. */
	struct sched_node **running_on;  /* from malloc() */
	int nrunning;
	enum sched_role role;
	enum sched_role next_role;
	bool failed;
	bool stop_on_fail;        /* the failure needs a stop (pe_rsc_stop) */
	bool blocked;             /* on-fail=block or unrecoverable */
	bool orphan;
	bool start_pending;
	bool changed;             /* definition differs from the running one */
	bool needs_fencing;       /* requires=fencing|unfencing (the default with
				   fencing enabled, except for fencing devices) */
	bool restart_type;        /* meta restart-type=restart (deprecated): optional
				   orderings on it imply a restart */
	bool provisional;
	bool allocating;
	bool merging;
	bool *agent_changed;      /* per node: its history there is of another
				   agent (fail count cleared); from malloc() or NULL */
	bool agent_restart;       /* active under a replaced agent: restart */
	bool *known_on;           /* per node: its history there tells its state
				   (Pacemaker's known_on); from malloc() or NULL */
	struct sched_node *pending_node;
	char *fail_reason;        /* from malloc() */

	/* Placement. */
	int *scores;              /* per node (nodes[idx]); SCORE_ABSENT: not allowed */
	struct sched_node *assigned;
	int promotion_score;      /* colocation shift of promotion (scratch) */
	int promotion_prio;       /* promotion priority of an instance */
	int sort_index;           /* promotion order of an instance */
	int *node_counts;         /* clones: instances per node, from malloc() */
	bool place_all_coloc;     /* clones: fewer instances than nodes */
	const void *template_xml; /* clones: unpacking only, not owned */

	/* Actions of this resource, in creation order. */
	struct sched_action **actions;
	int nactions;
};

enum sched_order_kind {
	ORDER_MANDATORY,
	ORDER_OPTIONAL,
	ORDER_SERIALIZE,
};

struct sched_colocation {
	char *id;
	struct sched_rsc *dependent, *primary;
	int score;
	enum sched_role dependent_role, primary_role;
	char *node_attribute;     /* NULL: #uname */
	bool influence;
};

struct sched_order {
	char *id;
	struct sched_rsc *first, *then;
	char *first_action, *then_action;
	enum sched_order_kind kind;
	bool symmetrical;
	bool require_all;
};

enum sched_expr_op {
	EXPR_DEFINED, EXPR_NOT_DEFINED, EXPR_EQ, EXPR_NE, EXPR_LT, EXPR_GT, EXPR_LTE, EXPR_GTE,
};

struct sched_expr {
	char *attribute;
	enum sched_expr_op op;
	char *value;
	int type;                 /* 0 string, 1 integer/number, 2 version */
};

struct sched_rule {
	int score;
	char *score_attribute;    /* score taken from a node attribute */
	bool or;                  /* boolean-op="or" */
	enum sched_role role;
	struct sched_expr *exprs;
	int nexprs;
	bool unsupported;         /* date expressions etc.: never matches */
};

struct sched_location {
	char *id;
	struct sched_rsc *rsc;
	char *rsc_pattern;        /* rsc-pattern, regular expression */
	int score;
	struct sched_node *node;  /* simple form */
	enum sched_role role;
	struct sched_rule *rules;
	int nrules;
};

/* Action flags. */
#define ACT_OPTIONAL   0x01
#define ACT_RUNNABLE   0x02
#define ACT_PSEUDO     0x04
#define ACT_PRINT      0x08   /* print even when optional (pending start) */

struct sched_action {
	int id;
	struct sched_rsc *rsc;    /* NULL for node actions (fencing) */
	char *task;               /* start stop promote demote monitor running ... */
	struct sched_node *node;  /* NULL for collective pseudo actions */
	long long interval_ms;
	unsigned flags;
	char *reason;             /* from malloc() */
	int priority;
	bool probe;
	bool lost_partner;        /* an interleaved ordering into it left an
				   instance without a partner, unassigned: the
				   update takes that as a change of it, as
				   Pacemaker finds it while updating */
	char *fence_kind;         /* "reboot"/"off" for stonith */
};

/* Ordering flags (Pacemaker's pe_ordering subset). */
#define ORD_IMPLIES_THEN  0x01  /* first required -> then required */
#define ORD_IMPLIES_FIRST 0x02  /* then required -> first required */
#define ORD_RUNNABLE_LEFT 0x04  /* first unrunnable -> then unrunnable */
#define ORD_RESTART       0x08  /* stop-then-start of one resource */
#define ORD_ONE_OR_MORE   0x10  /* then runnable when any first runnable */
#define ORD_PROMOTED_IMPLIES_FIRST 0x20
#define ORD_SERIALIZE     0x40
#define ORD_SAME_NODE     0x80
#define ORD_REPLACED      0x100 /* in sched_cluster.replaced only */
#define ORD_OPTIONAL      0x200 /* a configured ordering (Pacemaker's
				   pe_order_optional, which they all carry) */

struct sched_edge {
	struct sched_action *first, *then;
	unsigned flags;
	/* When it was created, for the order in which the update walks an
	 * action's orderings (sched_update.c): by rank (sched_cluster.
	 * edge_rank then), then by seq. */
	unsigned char rank;
	int seq;
};

enum no_quorum_policy {
	NQ_STOP, NQ_IGNORE, NQ_FREEZE, NQ_SUICIDE, NQ_DEMOTE,
};

struct sched_cluster {
	/* Configuration. */
	struct sched_node **nodes;   /* owned */
	int nnodes;
	struct sched_rsc **rscs;     /* top-level, configuration order; owned */
	int nrscs;
	struct sched_rsc **all;      /* every resource, parents before children */
	int nall;
	struct sched_colocation *colocations;
	int ncolocations;
	struct sched_order *orders;
	int norders;
	struct sched_location *locations;
	int nlocations;

	struct sched_attrs props;
	struct sched_attrs rsc_defaults;
	struct sched_attrs op_defaults;
	bool stonith_enabled;
	bool symmetric;
	bool maintenance_mode;
	bool stop_all;
	bool start_failure_fatal; /* for the recorder of failures: the scheduler
				    itself reads only fail counts */
	bool stop_orphans;
	bool stop_orphan_actions;
	bool have_quorum;
	bool have_stonith_rsc;
	enum no_quorum_policy no_quorum;
	char *placement_strategy;
	char *dc_uuid;
	long long now;               /* seconds since the epoch */
	int fence_seq;

	/* Results. */
	struct sched_action **actions;
	int nactions;
	struct sched_edge *edges;
	int nedges, edges_cap;
	/* Orderings from a collective's action that were replaced by one from
	 * its completion ("A start then B" by "A running then B"): Pacemaker
	 * keeps them, disabled, and they still make a change of 'first'
	 * update 'then'. Not part of the graph. From malloc(). */
	struct sched_edge *replaced;
	int nreplaced, replaced_cap;
	unsigned char edge_rank;     /* rank of the orderings being created */
	int edge_seq;                /* orderings created so far */
	int actions_cap;
	bool show_scores;
	FILE *scores_out;            /* --scores output, may be NULL */

	/* Lookup tables (sched_hash.c), from malloc(). */
	struct sched_rsc_index *rsc_index;    /* id -> c->all, by sched_index() */
	struct sched_edge_index *edge_index;  /* (first, then) -> c->edges */
};

struct sched_cluster *sched_cluster_new(void);
void sched_cluster_free(struct sched_cluster *c);

struct sched_node *sched_node_find(const struct sched_cluster *c, const char *name);
struct sched_rsc *sched_rsc_find(const struct sched_cluster *c, const char *id);
/* Register resources recursively into c->all and size their score tables. */
void sched_index(struct sched_cluster *c);

/* Compute the transition: placement, actions, orderings. 0 or -errno
 * with a message in err. */
int sched_run(struct sched_cluster *c, char *err, size_t errlen);

/* A node can host resources (online, clean, not standby/maintenance). */
bool sched_node_available(const struct sched_node *n);
struct sched_node *sched_rsc_current(const struct sched_rsc *r);
bool sched_rsc_is_primitive(const struct sched_rsc *r);
struct sched_rsc *sched_rsc_top(struct sched_rsc *r);
void sched_rsc_add_running(struct sched_rsc *r, struct sched_node *n);
/* A fingerprint of a primitive's instance parameters (cached in r->digest):
 * a start records it, and a differing one means the definition changed. */
const char *sched_rsc_params_digest(struct sched_rsc *r);

/* sched_digest.c: Pacemaker's op-digest of an operation of r (the MD5 its
 * controller records in lrm_rsc_op), from malloc(). `only`, when not NULL,
 * is an op-force-restart list (" a b "): the restart digest of those. */
char *sched_op_digest(const struct sched_rsc *r, const char *task, long long interval_ms,
		      const char *only);
/* The enabled <op> configured for task and interval, or NULL. */
const struct sched_op *sched_op_config(const struct sched_rsc *r, const char *task,
				       long long interval_ms);

#endif

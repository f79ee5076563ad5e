/* cib_int: what the CIB unpacking modules share (cib_xml.c: configuration,
 * cib_status.c: status and operation history, cib_doc.c: histories read
 * from the text as they are unpacked). Not for other modules. */
#ifndef VIGIL_CIB_INT_H
#define VIGIL_CIB_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "cluster/sched_int.h"
#include "cluster/xml.h"

struct unpack_ctx {
	struct sched_cluster *c;
	struct xml_node *cib;
	char *err;
	size_t errlen;
	int rc;
	/* Node histories left out of the tree (a CIB read by cib_doc.c):
	 * history(u, lrm, n) reads the <lrm> of node n's node_state (childless
	 * in the tree), calls cib_unpack_lrm_resource() for each <lrm_resource>
	 * of its first <lrm_resources> in document order, and returns true;
	 * false when that history is in the tree. NULL: all of it is. */
	bool (*history)(struct unpack_ctx *u, struct xml_node *lrm, struct sched_node *n);
	void *history_arg;
};

/* cib_xml.c: cib_unpack() with histories read through u->history. */
struct sched_cluster *cib_unpack_with(struct xml_node *cib, long long now,
				      bool (*history)(struct unpack_ctx *, struct xml_node *,
						      struct sched_node *),
				      void *history_arg, char *err, size_t errlen);

/* cib_xml.c */
bool cib_str_true(const char *v);
/* nvpairs of every <set_name> child of parent into a (first set wins
 * unless override). */
void cib_unpack_nvsets(struct unpack_ctx *u, struct xml_node *parent, const char *set_name,
		       struct sched_attrs *a, bool override);
struct sched_rsc *cib_rsc_new(const char *id, enum sched_variant variant, struct sched_rsc *parent);
void cib_rsc_resolve_meta(struct unpack_ctx *u, struct sched_rsc *r);
struct sched_rsc *cib_clone_instance(struct unpack_ctx *u, struct sched_rsc *clone,
				     struct xml_node *tmpl, int n);
struct xml_node *cib_clone_template(struct sched_rsc *clone);
void cib_fix_clone_bases(struct sched_rsc *r);
char *cib_strip_instance(const char *id);          /* from malloc() */
void cib_fence_node(struct sched_cluster *c, struct sched_node *n, const char *reason);

/* cib_status.c */
void cib_unpack_status(struct unpack_ctx *u, struct xml_node *status);
/* One <lrm_resource> of node n's history: its operations to the role,
 * failures and bans of the resource there. */
void cib_unpack_lrm_resource(struct unpack_ctx *u, struct sched_node *n, struct xml_node *lr);
void cib_finish_roles(struct sched_rsc *r);

#endif

/* cib_int: what the CIB unpacking modules share (cib_xml.c: configuration,
 * cib_status.c: status and operation history). Not for other modules. */
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
};

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
void cib_finish_roles(struct sched_rsc *r);

#endif

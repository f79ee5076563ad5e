/* crm_conf: a crmsh configuration as a list of statements, each known by
 * its kind and id, so that configurations can be merged (`configure load
 * update`), and constraints or node attributes added and removed by
 * commands (`resource move`, `node standby`) without editing text.
 *
 * Rendering is canonical, in the order crmsh's `configure show` uses
 * (nodes, primitives, groups, clones, constraints, properties, defaults);
 * comments and layout of the input are not kept. Validation is
 * crm_parse_mem()'s job: this module only tokenizes.
 */
#ifndef VIGIL_CRM_CONF_H
#define VIGIL_CRM_CONF_H

#include <stdbool.h>
#include <stddef.h>

struct crm_conf;

/* Tokenize crmsh text. NULL with "NAME:LINE: ..." in err on a
 * tokenizing error (an unterminated quote). */
struct crm_conf *crm_conf_parse(const char *name, const char *text, size_t len,
				char *err, size_t errlen);
struct crm_conf *crm_conf_new(void);
void crm_conf_free(struct crm_conf *c);

/* Canonical crmsh text, from malloc(). */
char *crm_conf_render(const struct crm_conf *c);

/* crmsh's `load update`: statements of src replace those of dst with the
 * same kind and id, others are added; property-like statements merge per
 * name. */
void crm_conf_merge(struct crm_conf *dst, const struct crm_conf *src);

/* Add a statement (argv, NULL-terminated: "location", "cli-ban-x", ...),
 * replacing one of the same kind and id. */
void crm_conf_put(struct crm_conf *c, const char *const *argv);
/* Remove the statement of this kind and id; false if there was none.
 * kind NULL: any kind. */
bool crm_conf_remove(struct crm_conf *c, const char *kind, const char *id);
/* Whether a statement with this id exists (any kind). */
bool crm_conf_has(const struct crm_conf *c, const char *id);

/* Permanent node attribute (`node NAME attributes K=V`); value NULL
 * deletes. Adds the node statement if needed. */
void crm_conf_node_attr(struct crm_conf *c, const char *node, const char *name,
			const char *value);
/* The node attribute's value, or NULL. */
const char *crm_conf_node_attr_get(const struct crm_conf *c, const char *node,
				   const char *name);

/* A resource's (primitive, group, clone, ms) meta attribute; value NULL
 * deletes. -1 if there is no such resource. */
int crm_conf_rsc_meta(struct crm_conf *c, const char *rsc, const char *name, const char *value);
const char *crm_conf_rsc_meta_get(const struct crm_conf *c, const char *rsc, const char *name);

struct crm_conf *crm_conf_dup(const struct crm_conf *c);
/* Ids of the statements of a kind (NULL: all), into *ids (from malloc(),
 * pointing into c). Returns how many. */
int crm_conf_ids(const struct crm_conf *c, const char *kind, const char ***ids);

#endif

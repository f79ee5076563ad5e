/* crm_parse: crmsh `configure` syntax -> a CIB document.
 *
 * Supported statements: node, primitive, group, clone, ms, location
 * (score: node, and rule forms), colocation, order, property,
 * rsc_defaults, op_defaults. Errors name the file, line and offending
 * word ("cluster.crm:12: unknown keyword 'primitve'; did you mean
 * 'primitive'?"); a configuration that does not verify yields NULL.
 *
 * crm_state_apply() reads Vigil's state file (node states, running
 * resources, failures, attributes) into the CIB's status section.
 */
#ifndef VIGIL_CRM_PARSE_H
#define VIGIL_CRM_PARSE_H

#include <stddef.h>

#include "cluster/xml.h"

struct xml_node *crm_parse_file(const char *path, char *err, size_t errlen);
struct xml_node *crm_parse_mem(const char *name, const char *data, size_t len,
			       char *err, size_t errlen);

/* crmsh's "#uname" is a word where the tokenizer sees a comment: the
 * text with such '#' escaped, from malloc(). */
char *crm_escape_hashes(const char *data, size_t len, size_t *outlen);

/* State file lines:
 *   node NAME online|offline|lost|standby|maintenance|unclean
 *   running RSC NODE [promoted]
 *   failed RSC NODE [OP]            (a failed operation, monitor by default)
 *   failcount RSC NODE COUNT [LAST_FAILURE_EPOCH]
 *   attr NODE NAME VALUE
 *   quorum yes|no
 * Returns 0 or -EINVAL with "FILE:LINE: ..." in err. `now` is updated by
 * a "now EPOCH" line. */
int crm_state_apply(struct xml_node *cib, const char *path, long long *now, char *err, size_t errlen);
int crm_state_apply_mem(struct xml_node *cib, const char *name, const char *data, size_t len,
			long long *now, char *err, size_t errlen);

/* Simulation helpers on a CIB's status section. */
void crm_status_node_down(struct xml_node *cib, const char *node);
int crm_status_fail(struct xml_node *cib, const char *rsc, const char *node, const char *op);
/* Same, with the agent's OCF exit code (crm_status_fail uses 1). */
int crm_status_fail_rc(struct xml_node *cib, const char *rsc, const char *node, const char *op,
		      int rc);

#endif

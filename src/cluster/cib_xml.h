/* cib_xml: Pacemaker CIB documents <-> the scheduler's model.
 *
 * cib_unpack() reads the configuration section (nodes, resources,
 * constraints, properties, defaults) and the status section (node states,
 * transient attributes, resource operation history) into a sched_cluster,
 * following Pacemaker 2.1.5's unpacking rules: node online/unclean state,
 * operation results to roles and failures, anonymous clone instance
 * numbering, fail counts and failure-timeout against `now`.
 */
#ifndef VIGIL_CIB_XML_H
#define VIGIL_CIB_XML_H

#include <stddef.h>
#include <stdio.h>

#include "cluster/sched.h"
#include "cluster/xml.h"

/* Build a cluster from a parsed CIB (<cib> root). `now` is seconds since
 * the epoch. Returns NULL with a message in err. */
struct sched_cluster *cib_unpack(struct xml_node *cib, long long now, char *err, size_t errlen);

/* An empty <cib> document with configuration and status sections. */
struct xml_node *cib_new_document(void);

/* Write a CIB document. */
void cib_write(FILE *out, const struct xml_node *cib);

#endif

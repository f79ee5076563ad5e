/* cib_doc: a CIB document read for one unpacking, without holding its
 * operation history in memory.
 *
 * Most of a large cluster's CIB is operation history (the <lrm> of every
 * node_state): at 32 nodes and 2000 resources, 5 MiB of text that took
 * 9 MiB as a tree. A cib_doc keeps the rest of the document as a tree and
 * only notes where each node's <lrm> is; cib_doc_unpack() reads those from
 * the text when the unpacker comes to them, one <lrm_resource> at a time.
 * Errors are those of xml_parse(): the whole text is checked on reading.
 */
#ifndef VIGIL_CIB_DOC_H
#define VIGIL_CIB_DOC_H

#include <stddef.h>

#include "cluster/sched.h"
#include "cluster/xml.h"

struct cib_doc;

/* Keep the histories in the tree: for changes to them (a simulated
 * failure) and for writing the document out. */
#define CIB_DOC_WHOLE 1u

/* Read a CIB from path ("-": standard input). Returns NULL with
 * "PATH: ..." in err when it cannot be read or is not well-formed XML. */
struct cib_doc *cib_doc_read(const char *path, unsigned flags, char *err, size_t errlen);
/* The same from text (from malloc(); the document takes it), `name`
 * standing for the path in messages. */
struct cib_doc *cib_doc_from_text(char *text, size_t len, const char *name, unsigned flags,
				  char *err, size_t errlen);
/* A document made of a tree (the document takes it). */
struct cib_doc *cib_doc_from_tree(struct xml_node *cib);

/* The document's tree: without the <lrm> contents of the status section's
 * node_states unless CIB_DOC_WHOLE. Changes to node states and transient
 * attributes made here are unpacked; changes to histories are not. */
struct xml_node *cib_doc_tree(struct cib_doc *d);

/* cib_unpack() of the whole document. */
struct sched_cluster *cib_doc_unpack(struct cib_doc *d, long long now, char *err, size_t errlen);

void cib_doc_free(struct cib_doc *d);

#endif

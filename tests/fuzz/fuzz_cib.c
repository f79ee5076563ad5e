/* libFuzzer target: the XML reader, the CIB unpacker and the scheduler,
 * through both ways of reading a CIB: xml_parse() + cib_unpack() (a whole
 * tree) and cib_doc (histories read from the text as they are unpacked).
 * The two must agree on every input: the same error, or the same
 * decisions. An odd first byte also takes the first configured node down
 * first, as `vigilctl simulate --node-down` does, so that an edit of the
 * tree cib_doc keeps is unpacked as one of the whole tree. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/cib_doc.h"
#include "cluster/cib_xml.h"
#include "cluster/crm_parse.h"
#include "cluster/sched.h"
#include "cluster/sched_output.h"
#include "cluster/xml.h"
#include "lib/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What the scheduler decides for c, as text (from malloc()); c is freed. */
static char *decide(struct sched_cluster *c)
{
	char err[512], *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	if (!f)
		abort();
	if (sched_run(c, err, sizeof(err))) {
		fprintf(f, "error: %s\n", err);
	} else {
		sched_print_status(c, f, false);
		sched_print_all_scores(c, f);
		sched_print_summary(c, f);
		sched_print_graph(c, f);
	}
	fclose(f);
	sched_cluster_free(c);
	return out;
}

static void node_down(struct xml_node *cib)
{
	struct xml_node *nodes = xml_child(xml_child(cib, "configuration"), "nodes");
	const char *uname = xml_get(xml_child(nodes, "node"), "uname");

	if (uname)
		crm_status_node_down(cib, uname);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512], derr[600], uerr[512], duerr[512], want[600];
	struct xml_node *x = xml_parse((const char *)data, size, err, sizeof(err));
	struct cib_doc *d = cib_doc_from_text(xstrndup((const char *)data, size), size, "fuzz", 0,
					      derr, sizeof(derr));
	struct sched_cluster *c, *dc;
	bool down = size && (data[0] & 1);
	char *a, *b;

	if (!x || !d) {
		/* Not well-formed: the same message from both. */
		snprintf(want, sizeof(want), "fuzz: %s", err);
		if (x || d || strcmp(want, derr))
			abort();
		return 0;
	}
	if (down) {
		node_down(x);
		node_down(cib_doc_tree(d));
	}
	c = cib_unpack(x, 0, uerr, sizeof(uerr));
	dc = cib_doc_unpack(d, 0, duerr, sizeof(duerr));
	xml_free(x);
	cib_doc_free(d);
	if (!c || !dc) {
		if (c || dc || strcmp(uerr, duerr))
			abort();
		return 0;
	}
	a = decide(c);
	b = decide(dc);
	if (strcmp(a, b))
		abort();
	free(a);
	free(b);
	return 0;
}

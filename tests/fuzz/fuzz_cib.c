/* libFuzzer target: the XML reader, the CIB unpacker and the scheduler. */
#include <stddef.h>
#include <stdint.h>

#include "cluster/cib_xml.h"
#include "cluster/sched.h"
#include "cluster/xml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512];
	struct xml_node *x = xml_parse((const char *)data, size, err, sizeof(err));
	struct sched_cluster *c;

	if (!x)
		return 0;
	c = cib_unpack(x, 0, err, sizeof(err));
	if (c) {
		sched_run(c, err, sizeof(err));
		sched_cluster_free(c);
	}
	xml_free(x);
	return 0;
}

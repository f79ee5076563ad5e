/* libFuzzer target: the crmsh configuration parser (and the unpacker
 * and scheduler behind it, when the input verifies). */
#include <stddef.h>
#include <stdint.h>

#include "cluster/cib_xml.h"
#include "cluster/crm_parse.h"
#include "cluster/sched.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512];
	struct xml_node *cib = crm_parse_mem("fuzz", (const char *)data, size, err, sizeof(err));
	struct sched_cluster *c;

	if (!cib)
		return 0;
	c = cib_unpack(cib, 0, err, sizeof(err));
	if (c) {
		sched_run(c, err, sizeof(err));
		sched_cluster_free(c);
	}
	xml_free(cib);
	return 0;
}

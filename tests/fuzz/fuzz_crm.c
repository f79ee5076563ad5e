/* libFuzzer target: the crmsh configuration parser (and the unpacker
 * and scheduler behind it, when the input verifies), and the statement
 * list vigild keeps configurations in: a configuration that verifies must
 * still verify once rendered canonically, and rendering is stable. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/cib_xml.h"
#include "cluster/crm_conf.h"
#include "cluster/crm_parse.h"
#include "cluster/sched.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_render(const char *data, size_t size)
{
	char err[512];
	struct crm_conf *conf = crm_conf_parse("fuzz", data, size, err, sizeof(err)), *again;
	char *text, *text2;
	struct xml_node *cib;

	if (!conf)
		abort();  /* it verified, so it tokenizes */
	text = crm_conf_render(conf);
	cib = crm_parse_mem("render", text, strlen(text), err, sizeof(err));
	/* Merging per id may drop a duplicate the original rejected anyway;
	 * what verified must verify once rendered. */
	if (!cib)
		abort();
	xml_free(cib);
	again = crm_conf_parse("render", text, strlen(text), err, sizeof(err));
	if (!again)
		abort();
	text2 = crm_conf_render(again);
	if (strcmp(text, text2))
		abort();
	free(text);
	free(text2);
	crm_conf_free(conf);
	crm_conf_free(again);
}

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
	if (!memchr(data, 0, size))
		check_render((const char *)data, size);
	return 0;
}

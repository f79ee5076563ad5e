/* Fuzz the configuration parser: any input must give a pxconf or NULL with
 * messages, without crashing or leaking. Messages are collected, not
 * printed; host names are not resolved (no DNS traffic). Seeds: tests/fuzz/seeds/fuzz_haproxy_cfg/. */
#include "proxy/cfgparse.h"
#include "lib/strbuf.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf msgs = STRBUF_INIT;
	struct pxconf *c;
	int nwarn = 0;

	c = cfg_parse_mem_offline("fuzz.cfg", (const char *)data, size, &msgs, &nwarn);
	pxconf_free(c);
	sb_free(&msgs);
	return 0;
}

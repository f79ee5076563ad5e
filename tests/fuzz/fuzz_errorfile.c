/* Fuzz the errorfile parser (errorfile, http-errors sections, `http-error
 * ... errorfile`, `deny/return ... errorfile`): any bytes as a file's
 * contents. Nothing may crash, leak or read out of bounds; an accepted
 * file gives a status in range and a body that lies inside the input.
 * Seeds: tests/fuzz/seeds/fuzz_errorfile/. */
#include "proxy/cfgparse.h"
#include "proxy/http_rules_int.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_errmsg m;
	char err[512];

	if (cfg_errorfile_parse((const char *)data, size, &m, err, sizeof(err), "fuzz.http") == 0) {
		if (m.status < 100 || m.status > 599 || m.body_len > size ||
		    memcmp(m.body, data + size - m.body_len, m.body_len) != 0)
			abort();
		http_errmsg_release(&m);
	} else if (m.content_type || m.head) {
		abort();   /* nothing left allocated on failure */
	}
	return 0;
}

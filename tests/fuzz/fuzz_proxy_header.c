/* Fuzz the PROXY protocol header parser (bind ... accept-proxy): any
 * bytes as what a client sends first. Nothing may crash or read out of
 * bounds; an accepted header is no longer than the input and carries
 * IPv4 or IPv6 addresses of one family, and feeding it again with a
 * byte less never accepts it (a header is only taken whole).
 * Seeds: tests/fuzz/seeds/fuzz_proxy_header/. */
#include "proxy/proxy_hdr.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proxy_hdr h;
	enum proxy_hdr_err why;
	int n = proxy_hdr_parse(data, size, &h, &why);

	if (n > 0) {
		if ((size_t)n > size || why != PROXY_HDR_OK)
			abort();
		if (h.has_addr && (h.src.ss_family != h.dst.ss_family ||
				   (h.src.ss_family != AF_INET && h.src.ss_family != AF_INET6)))
			abort();
		if (proxy_hdr_parse(data, (size_t)n - 1, &h, &why) > 0)
			abort();
	} else if (n < 0) {
		if (why == PROXY_HDR_OK)
			abort();
	}
	return 0;
}

/* send_proxy: the PROXY header a `send-proxy[-v2]` server connection
 * starts with (proxy_hdr.h). Apart from the receiving side, which needs the
 * engines: the TLS layer uses this too. */
#include "proxy/proxy_hdr.h"
#include "lib/addr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

int proxy_hdr_make(char *hdr, const struct sockaddr *sa, const struct sockaddr *da, bool v2)
{
	char src[ADDR_STRLEN], dst[ADDR_STRLEN];
	int n;

	if (v2) {
		/* PROXY protocol v2: signature, version/command, family, length,
		 * addresses and ports in network order. */
		static const char sig[12] = "\r\n\r\n\0\r\nQUIT\n";
		uint8_t *p = (uint8_t *)hdr;

		memcpy(p, sig, 12);
		p[12] = 0x21;   /* v2, PROXY */
		if (sa->sa_family == AF_INET && da->sa_family == AF_INET) {
			p[13] = 0x11;
			p[14] = 0;
			p[15] = 12;
			memcpy(p + 16, &((struct sockaddr_in *)sa)->sin_addr, 4);
			memcpy(p + 20, &((struct sockaddr_in *)da)->sin_addr, 4);
			memcpy(p + 24, &((struct sockaddr_in *)sa)->sin_port, 2);
			memcpy(p + 26, &((struct sockaddr_in *)da)->sin_port, 2);
			n = 28;
		} else if (sa->sa_family == AF_INET6 && da->sa_family == AF_INET6) {
			p[13] = 0x21;
			p[14] = 0;
			p[15] = 36;
			memcpy(p + 16, &((struct sockaddr_in6 *)sa)->sin6_addr, 16);
			memcpy(p + 32, &((struct sockaddr_in6 *)da)->sin6_addr, 16);
			memcpy(p + 48, &((struct sockaddr_in6 *)sa)->sin6_port, 2);
			memcpy(p + 50, &((struct sockaddr_in6 *)da)->sin6_port, 2);
			n = 52;
		} else {
			p[12] = 0x20;   /* LOCAL */
			p[13] = 0;
			p[14] = 0;
			p[15] = 0;
			n = 16;
		}
	} else if (sa->sa_family == da->sa_family && (sa->sa_family == AF_INET || sa->sa_family == AF_INET6)) {
		n = snprintf(hdr, PROXY_HDR_OUT, "PROXY %s %s %s %d %d\r\n",
			     sa->sa_family == AF_INET ? "TCP4" : "TCP6",
			     addr_host_str(sa, src, sizeof(src)), addr_host_str(da, dst, sizeof(dst)),
			     ntohs(((struct sockaddr_in *)sa)->sin_port),
			     ntohs(((struct sockaddr_in *)da)->sin_port));
	} else {
		n = snprintf(hdr, PROXY_HDR_OUT, "PROXY UNKNOWN\r\n");
	}
	return n;
}

/* addr: socket addresses as users write them in configuration files.
 *
 * Accepted forms, as HAProxy reads them: "IPv4:PORT", "[IPv6]:PORT",
 * "IPv6:PORT" (the last colon splits), "*:PORT" and ":PORT" (any IPv4),
 * "ipv4@", "ipv6@" and "unix@" prefixes, and "/path" for a unix socket.
 * A port range "A-B" is allowed where the caller says so.
 */
#ifndef VIGIL_ADDR_H
#define VIGIL_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

struct addr {
	struct sockaddr_storage ss;
	socklen_t len;
	int port_end;      /* last port of a range; equal to the port otherwise */
	bool port_given;   /* an explicit port was written */
};

/* Flags for addr_parse(). */
#define ADDR_PORT_REQUIRED 0x1   /* "missing port" is an error */
#define ADDR_PORT_RANGE    0x2   /* "A-B" allowed */
#define ADDR_ALLOW_UNIX    0x4   /* "/path" and "unix@path" allowed */

/* Parse `s`. Returns 0, or -EINVAL with a message in err. */
int addr_parse(const char *s, int flags, struct addr *out, char *err, size_t errlen);

int addr_port(const struct addr *a);
void addr_set_port(struct addr *a, int port);
bool addr_is_unix(const struct addr *a);
/* "1.2.3.4:80", "[::1]:80" or "/path"; returns buf. */
char *addr_to_str(const struct sockaddr *sa, char *buf, size_t len);
/* Host part only ("1.2.3.4", "::1"). */
char *addr_host_str(const struct sockaddr *sa, char *buf, size_t len);
bool addr_equal(const struct addr *a, const struct addr *b);

#define ADDR_STRLEN 128

#endif

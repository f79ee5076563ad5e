#include "lib/addr.h"
#include "lib/util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

static int parse_port(const char *p, int flags, struct addr *out, char *err, size_t errlen)
{
	long long lo, hi;
	char buf[32];
	const char *dash = strchr(p, '-');

	if (strlen(p) >= sizeof(buf))
		goto bad;
	if (dash && (flags & ADDR_PORT_RANGE)) {
		memcpy(buf, p, (size_t)(dash - p));
		buf[dash - p] = 0;
		if (parse_int(buf, 1, 65535, &lo) || parse_int(dash + 1, 1, 65535, &hi) || hi < lo)
			goto bad;
	} else {
		if (parse_int(p, 0, 65535, &lo))
			goto bad;
		hi = lo;
	}
	addr_set_port(out, (int)lo);
	out->port_end = (int)hi;
	out->port_given = true;
	return 0;
bad:
	snprintf(err, errlen, "invalid port '%s'", p);
	return -EINVAL;
}

int addr_parse(const char *s, int flags, struct addr *out, char *err, size_t errlen)
{
	char host[256];
	const char *colon, *port = NULL;
	int family = 0;
	size_t hlen;

	memset(out, 0, sizeof(*out));
	if (str_starts_with(s, "ipv4@")) {
		family = AF_INET;
		s += 5;
	} else if (str_starts_with(s, "ipv6@")) {
		family = AF_INET6;
		s += 5;
	} else if (str_starts_with(s, "unix@") || (s[0] == '/' && (flags & ADDR_ALLOW_UNIX))) {
		struct sockaddr_un *sun = (struct sockaddr_un *)&out->ss;

		if (!(flags & ADDR_ALLOW_UNIX)) {
			snprintf(err, errlen, "unix socket address '%s' not allowed here", s);
			return -EINVAL;
		}
		if (str_starts_with(s, "unix@"))
			s += 5;
		if (!*s || strlen(s) >= sizeof(sun->sun_path)) {
			snprintf(err, errlen, "invalid unix socket path '%s'", s);
			return -EINVAL;
		}
		sun->sun_family = AF_UNIX;
		strcpy(sun->sun_path, s);
		out->len = sizeof(*sun);
		return 0;
	} else if (strchr(s, '@')) {
		snprintf(err, errlen, "unsupported address family in '%s'", s);
		return -EINVAL;
	}

	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (!close || (close[1] && close[1] != ':')) {
			snprintf(err, errlen, "invalid address '%s'", s);
			return -EINVAL;
		}
		hlen = (size_t)(close - s - 1);
		if (hlen >= sizeof(host))
			goto bad_host;
		memcpy(host, s + 1, hlen);
		host[hlen] = 0;
		if (close[1] == ':')
			port = close + 2;
		family = AF_INET6;
	} else {
		colon = strrchr(s, ':');
		hlen = colon ? (size_t)(colon - s) : strlen(s);
		if (hlen >= sizeof(host))
			goto bad_host;
		memcpy(host, s, hlen);
		host[hlen] = 0;
		if (colon)
			port = colon + 1;
	}

	if (host[0] == 0 || strcmp(host, "*") == 0 || strcmp(host, "0.0.0.0") == 0) {
		if (family == AF_INET6) {
			struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&out->ss;

			sin6->sin6_family = AF_INET6;
			sin6->sin6_addr = in6addr_any;
			out->len = sizeof(*sin6);
		} else {
			struct sockaddr_in *sin = (struct sockaddr_in *)&out->ss;

			sin->sin_family = AF_INET;
			sin->sin_addr.s_addr = htonl(INADDR_ANY);
			out->len = sizeof(*sin);
		}
	} else if (family != AF_INET6 && strchr(host, ':') == NULL) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&out->ss;

		if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
			goto bad_host;
		sin->sin_family = AF_INET;
		out->len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&out->ss;

		if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1)
			goto bad_host;
		sin6->sin6_family = AF_INET6;
		out->len = sizeof(*sin6);
	}

	if (port && *port)
		return parse_port(port, flags, out, err, errlen);
	if (flags & ADDR_PORT_REQUIRED) {
		snprintf(err, errlen, "missing port in '%s'", s);
		return -EINVAL;
	}
	return 0;
bad_host:
	snprintf(err, errlen, "invalid address '%s' (a numeric IPv4/IPv6 address is expected)", s);
	return -EINVAL;
}

int addr_port(const struct addr *a)
{
	if (a->ss.ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)&a->ss)->sin_port);
	if (a->ss.ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)&a->ss)->sin6_port);
	return 0;
}

void addr_set_port(struct addr *a, int port)
{
	if (a->ss.ss_family == AF_INET)
		((struct sockaddr_in *)&a->ss)->sin_port = htons((uint16_t)port);
	else if (a->ss.ss_family == AF_INET6)
		((struct sockaddr_in6 *)&a->ss)->sin6_port = htons((uint16_t)port);
	a->port_end = port;
}

bool addr_is_unix(const struct addr *a) { return a->ss.ss_family == AF_UNIX; }

char *addr_host_str(const struct sockaddr *sa, char *buf, size_t len)
{
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, buf, (socklen_t)len);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, buf, (socklen_t)len);
	else if (sa->sa_family == AF_UNIX)
		snprintf(buf, len, "%s", ((const struct sockaddr_un *)sa)->sun_path);
	else
		snprintf(buf, len, "-");
	return buf;
}

char *addr_to_str(const struct sockaddr *sa, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN + 1];

	if (sa->sa_family == AF_INET)
		snprintf(buf, len, "%s:%d", addr_host_str(sa, host, sizeof(host)),
			 ntohs(((const struct sockaddr_in *)sa)->sin_port));
	else if (sa->sa_family == AF_INET6)
		snprintf(buf, len, "[%s]:%d", addr_host_str(sa, host, sizeof(host)),
			 ntohs(((const struct sockaddr_in6 *)sa)->sin6_port));
	else
		addr_host_str(sa, buf, len);
	return buf;
}

bool addr_equal(const struct addr *a, const struct addr *b)
{
	return a->len == b->len && memcmp(&a->ss, &b->ss, a->len) == 0;
}

/* ipc: netstring framing and the client side of vigild's socket. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/ipc.h"
#include "lib/util.h"

void ipc_put(struct strbuf *sb, const char *data, size_t len)
{
	sb_appendf(sb, "%zu:", len);
	sb_append(sb, data, len);
	sb_append(sb, ",", 1);
}

void ipc_put_str(struct strbuf *sb, const char *s)
{
	ipc_put(sb, s, strlen(s));
}

int ipc_split(char *msg, size_t len, char **fields, size_t *lens, int max_fields,
	      char *err, size_t errlen)
{
	size_t pos = 0;
	int n = 0;

	while (pos < len) {
		size_t flen = 0, digits = 0;

		while (pos < len && msg[pos] >= '0' && msg[pos] <= '9' && digits < 9) {
			flen = flen * 10 + (size_t)(msg[pos++] - '0');
			digits++;
		}
		if (!digits || pos >= len || msg[pos] != ':') {
			snprintf(err, errlen, "malformed message: field %d has no length", n + 1);
			return -1;
		}
		pos++;
		if (flen > len - pos || len - pos - flen < 1 || msg[pos + flen] != ',') {
			snprintf(err, errlen, "malformed message: field %d is truncated", n + 1);
			return -1;
		}
		if (n == max_fields) {
			snprintf(err, errlen, "too many fields (at most %d)", max_fields);
			return -1;
		}
		fields[n] = msg + pos;
		lens[n] = flen;
		msg[pos + flen] = 0;
		n++;
		pos += flen + 1;
	}
	return n;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int ipc_call(const char *path, int argc, char *const *argv, int *rc,
	     char **out, char **errtext, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct strbuf req = STRBUF_INIT, rep = STRBUF_INIT;
	char *fields[3];
	size_t lens[3];
	char buf[65536];
	long long code;
	int fd, nf, ret = -1;
	ssize_t r;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "%s: socket path too long", path);
		return -1;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		if (errno == ENOENT || errno == ECONNREFUSED)
			snprintf(err, errlen, "cannot reach vigild at %s: %s (is vigild running?)",
				 path, strerror(errno));
		else
			snprintf(err, errlen, "cannot reach vigild at %s: %s", path, strerror(errno));
		goto out;
	}
	for (int i = 0; i < argc; i++)
		ipc_put_str(&req, argv[i]);
	if (req.len > IPC_MAX_MSG) {
		snprintf(err, errlen, "request too large (%zu bytes, at most %u)", req.len,
			 IPC_MAX_MSG);
		goto out;
	}
	if (write_all(fd, sb_str(&req), req.len) < 0 || shutdown(fd, SHUT_WR) < 0) {
		snprintf(err, errlen, "sending to vigild: %s", strerror(errno));
		goto out;
	}
	while ((r = read(fd, buf, sizeof(buf))) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "reading from vigild: %s", strerror(errno));
			goto out;
		}
		sb_append(&rep, buf, (size_t)r);
		if (rep.len > IPC_MAX_MSG) {
			snprintf(err, errlen, "reply from vigild too large");
			goto out;
		}
	}
	if (!rep.len) {
		snprintf(err, errlen, "vigild closed the connection without a reply");
		goto out;
	}
	nf = ipc_split(rep.s, rep.len, fields, lens, 3, err, errlen);
	if (nf < 0)
		goto out;
	if (nf != 3 || parse_int(fields[0], 0, 255, &code) < 0) {
		snprintf(err, errlen, "bad reply from vigild");
		goto out;
	}
	*rc = (int)code;
	*out = xstrdup(fields[1]);
	*errtext = xstrdup(fields[2]);
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	sb_free(&req);
	sb_free(&rep);
	return ret;
}

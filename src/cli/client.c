/* client: vigilctl's and the agent helpers' side of vigild's socket. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "lib/ipc.h"
#include "lib/util.h"

const char *cli_socket_path(const char *opt)
{
	const char *env = getenv("VIGIL_SOCKET");

	if (opt)
		return opt;
	if (env && *env)
		return env;
	return CLI_DEFAULT_SOCKET;
}

int cli_request(const char *socket, int argc, char *const *argv, struct cli_reply *rep,
		char *err, size_t errlen)
{
	memset(rep, 0, sizeof(*rep));
	if (ipc_call(socket, argc, argv, &rep->code, &rep->out, &rep->err, err, errlen) == 0)
		return 0;
	/* connect() needs write permission on the socket file: a user outside
	 * vigild's group sees EACCES there. */
	if (access(socket, W_OK) < 0 && errno == EACCES)
		return CLI_DENIED;
	return CLI_UNREACHABLE;
}

void cli_reply_free(struct cli_reply *rep)
{
	xfree(&rep->out);
	xfree(&rep->err);
}

int cli_forward(const char *socket, int argc, char *const *argv)
{
	struct cli_reply rep;
	char err[512];
	int rc = cli_request(socket, argc, argv, &rep, err, sizeof(err));

	if (rc) {
		fprintf(stderr, "vigilctl: %s\n", err);
		return rc;
	}
	fputs(rep.out, stdout);
	fflush(stdout);
	fputs(rep.err, stderr);
	rc = rep.code;
	cli_reply_free(&rep);
	return rc;
}

char *cli_read_file(const char *path, size_t *len, char *err, size_t errlen)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	char *buf = NULL;
	size_t cap = 0, n = 0, r;

	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	do {
		if (n + 65536 > cap) {
			cap = (cap + 65536) * 2;
			buf = xrealloc(buf, cap + 1);
		}
		r = fread(buf + n, 1, cap - n, f);
		n += r;
	} while (r > 0);
	if (ferror(f)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno ? errno : EIO));
		xfree(&buf);
	} else {
		buf[n] = 0;
		*len = n;
	}
	if (f != stdin)
		fclose(f);
	return buf;
}

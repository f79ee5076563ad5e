/* ctl_server: vigild's unix socket for vigilctl and the agents' helpers.
 *
 * One request per connection (lib/ipc.h framing). Only root, or a member
 * of the configured group, is served: anyone else gets exit code 4 and
 * "permission denied", and nothing runs. The socket file is created
 * mode 0660, owned by that group.
 */
#ifndef VIGIL_CTL_SERVER_H
#define VIGIL_CTL_SERVER_H

#include <stddef.h>
#include <sys/types.h>

#include "lib/strbuf.h"

struct ev_loop;
struct ctl_server;

struct ctl_conn;

/* A handler's return value when it will answer later, through
 * ctl_conn_reply(): the request waits for something (a configuration
 * change to be delivered to the whole cluster). */
#define CTL_ASYNC (-1)

/* Runs a request; returns the exit code, or CTL_ASYNC and keeps `conn`
 * until it calls ctl_conn_reply() exactly once. */
typedef int (*ctl_handler)(void *arg, struct ctl_conn *conn, int argc, char **argv,
			   struct strbuf *out, struct strbuf *err);

/* Answer a request that was left waiting. */
void ctl_conn_reply(struct ctl_conn *conn, int rc, const char *out, const char *err);

/* gid (gid_t)-1: root only. NULL with a message in err. */
struct ctl_server *ctl_server_new(struct ev_loop *loop, const char *path, gid_t gid,
				  ctl_handler handler, void *arg, char *err, size_t errlen);
/* Closes the socket and removes the socket file. */
void ctl_server_free(struct ctl_server *s);

#endif

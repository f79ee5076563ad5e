/* ipc: the framing vigilctl and vigild speak over vigild's unix socket.
 *
 * A message is a list of netstrings ("5:hello,"). A request is the
 * command's argv (without "vigilctl"); the client then shuts down its
 * write side. The reply is exactly three fields: the exit code in decimal,
 * the text for stdout, the text for stderr. One request per connection.
 *
 * Requests are bounded (IPC_MAX_MSG bytes, IPC_MAX_FIELDS fields); a
 * malformed or oversized request gets exit code 2 and a message, and
 * changes nothing.
 */
#ifndef VIGIL_IPC_H
#define VIGIL_IPC_H

#include <stddef.h>

#include "lib/strbuf.h"

#define IPC_MAX_MSG    (16u << 20)
#define IPC_MAX_FIELDS 256

/* Append one netstring field. */
void ipc_put(struct strbuf *sb, const char *data, size_t len);
void ipc_put_str(struct strbuf *sb, const char *s);

/* Split a complete message into fields. The field pointers point into
 * `msg`, which is modified (each field gets a NUL terminator in place of
 * its ','). Returns the number of fields, or -1 with a message in err. */
int ipc_split(char *msg, size_t len, char **fields, size_t *lens, int max_fields,
	      char *err, size_t errlen);

/* Client side: connect to `path`, send argv, read the whole reply.
 * Returns 0 and fills rc/out/errtext (from malloc()), or -1 with a
 * message in err (daemon not running, permission denied, bad reply). */
int ipc_call(const char *path, int argc, char *const *argv, int *rc,
	     char **out, char **errtext, char *err, size_t errlen);

#endif

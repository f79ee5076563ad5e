/* listener: binding the sockets a configuration asks for, and handing
 * them over to a successor process so that a reload never closes a
 * listening socket (no connection refused or reset).
 *
 * Hand-over: every running vigil-proxy (standalone or master) serves its
 * listening sockets on the abstract unix socket "@vigil-proxy.<pid>" to
 * processes of the same user (or root). `-sf/-st PID` fetches them from
 * PID before binding; sockets whose address matches are reused as they
 * are, the others are bound anew.
 */
#ifndef VIGIL_LISTENER_H
#define VIGIL_LISTENER_H

#include "lib/ev.h"
#include "proxy/proxy.h"

/* Sockets received from a predecessor, matched by local address. */
struct fdset {
	int *fds;       /* from malloc() */
	int n;
};

/* Bind every listener and stats socket of `c` that has fd < 0, taking a
 * matching socket out of `inherit` (may be NULL) when there is one.
 * Returns 0, or -errno with a message naming the address in err; on
 * failure the sockets bound by this call are closed again. */
int listeners_bind(struct pxconf *c, struct fdset *inherit, char *err, size_t errlen);
/* Close every listener and stats socket fd of `c`. */
void listeners_close(struct pxconf *c);

/* How log lines name a listener, as HAProxy's: its `name`, else its
 * number in its frontend (1 for the first `bind` address). Returns `buf`
 * or the name. */
const char *listener_log_name(const struct listener *li, char *buf, size_t len);

/* Fetch the sockets of process `pid`. 0 or -errno with a message. */
int handover_fetch(pid_t pid, struct fdset *out, char *err, size_t errlen);
void fdset_close(struct fdset *s);

/* Serve this process's sockets to successors, on `loop`. */
struct handover;
struct handover *handover_serve(struct pxconf *c, struct ev_loop *loop, char *err, size_t errlen);
void handover_stop(struct handover *h, struct ev_loop *loop);
/* The listening socket, for a forked child to close. */
int handover_fd(const struct handover *h);

#endif

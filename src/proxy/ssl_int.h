/* ssl_int: what ssl_sock.c and ssl_accept.c share (internal to the TLS
 * module; see ssl.h for its interface). */
#ifndef VIGIL_SSL_INT_H
#define VIGIL_SSL_INT_H

#include "proxy/ssl.h"
#include "lib/ev.h"

#include <time.h>

#include <openssl/ssl.h>

/* The TLS state of one socket. */
struct ssl_sock {
	SSL *ssl;
	int fd;
	bool tcp_ok;               /* server side: connect() completed */
	char *preamble;            /* server side: sent in clear once connected,
				      before the handshake (send-proxy); owned */
	size_t preamble_len;
	bool hs_done;
	bool failed;               /* fatal error seen: no close_notify */
	bool shut_sent;
	/* accept side, during the handshake only */
	struct worker *w;
	struct listener *li;
	struct ev_io io;
	struct ev_timer timer;
	struct conn_info *ci;      /* the connection so far (session.h); owned
				      until the engine takes it */
	struct ssl_sock *prev, *next;  /* this thread's handshakes */
	struct ssl_sock *run_next;     /* waiting for its first step (ssl_accept.c) */
	bool run_queued;
};

/* Attach `ss` to `fd` for the transport calls. 0 or -EMFILE when fd is
 * beyond the table. */
int ssl_sock_register(int fd, struct ssl_sock *ss);
/* Free `ss` and its SSL (not registered, or already unregistered). */
void ssl_sock_free(struct ssl_sock *ss);

#endif

/* ssl_accept: the handshake of a client connection on a TLS listener
 * (see ssl.h), before the socket goes to an engine.
 *
 * Per connection (function performing each transition):
 *   HANDSHAKE -> engine    hs_step(): SSL_do_handshake() returned 1; the
 *                          socket goes to stream_accept()/http_accept()
 *                          with its TLS state registered for the fd
 *   HANDSHAKE -> closed    hs_fail(): handshake error, `timeout client`,
 *                          or the worker stopping (ssl_sock_kill_handshakes)
 * The handshake runs on a level-triggered watcher of its own, asking for
 * what OpenSSL wants (WANT_READ -> EPOLLIN, WANT_WRITE -> EPOLLOUT). While
 * it runs the connection counts in the worker's streams, so that a
 * stopping worker waits for it or closes it.
 *
 * The step that answers a ClientHello costs half a millisecond of CPU
 * (key exchange, signature) where a request costs tens of microseconds:
 * those steps wait in a queue and one runs per turn of the event loop,
 * after the turn's other events, as HAProxy runs one "heavy" task per
 * turn. Sixty-four new connections accepted at once otherwise held
 * every established client's next request behind 30 ms of handshakes.
 */
#include "proxy/ssl_int.h"
#include "proxy/http_ana.h"
#include "proxy/listener.h"
#include "proxy/session.h"
#include "proxy/stream.h"
#include "proxy/worker.h"
#include "lib/log.h"
#include "lib/util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <openssl/err.h>

static __thread struct ssl_sock *handshakes;   /* this thread's, in progress */
static __thread struct ssl_sock *run_head, *run_tail;   /* heavy steps waiting */
static __thread struct ev_timer run_timer;     /* runs one per loop turn */
static __thread bool run_timer_ready;

static void hs_step(struct ssl_sock *ss);

static void run_one(struct ev_loop *loop, struct ev_timer *t)
{
	struct ssl_sock *ss = run_head;

	if (!ss)
		return;
	run_head = ss->run_next;
	if (!run_head)
		run_tail = NULL;
	ss->run_next = NULL;
	ss->run_queued = false;
	if (run_head)
		ev_timer_start(loop, t, 0);
	hs_step(ss);
}

static void run_remove(struct ssl_sock *ss)
{
	struct ssl_sock **pp = &run_head, *prev = NULL;

	if (!ss->run_queued)
		return;
	for (; *pp && *pp != ss; pp = &(*pp)->run_next)
		prev = *pp;
	if (*pp)
		*pp = ss->run_next;
	if (run_tail == ss)
		run_tail = prev;
	ss->run_next = NULL;
	ss->run_queued = false;
}

/* A step is heavy while OpenSSL has not taken the ClientHello yet. */
static void hs_schedule(struct ssl_sock *ss)
{
	struct worker *w = ss->w;

	if (!SSL_in_before(ss->ssl)) {
		hs_step(ss);
		return;
	}
	if (ss->run_queued)
		return;
	if (!run_timer_ready) {
		ev_timer_init(&run_timer, run_one, NULL);
		run_timer_ready = true;
	}
	ss->run_queued = true;
	if (run_tail)
		run_tail->run_next = ss;
	else
		run_head = ss;
	run_tail = ss;
	if (!ev_timer_active(&run_timer))
		ev_timer_start(w->loop, &run_timer, 0);
}

static void hs_unlink(struct ssl_sock *ss)
{
	if (ss->prev)
		ss->prev->next = ss->next;
	else
		handshakes = ss->next;
	if (ss->next)
		ss->next->prev = ss->prev;
	ss->prev = ss->next = NULL;
}

/* HAProxy's line for a failed handshake, on the frontend's log targets. */
static void hs_log(struct ssl_sock *ss, const char *why)
{
	struct proxy *fe = ss->li->fe;
	char line[512], cli[ADDR_STRLEN], date[64], lname[16];
	struct tm tm;
	int port = 0;

	if (fe->nlogs == 0)
		return;
	localtime_r(&ss->ci->accept_date.tv_sec, &tm);
	strftime(date, sizeof(date), "%d/%b/%Y:%H:%M:%S", &tm);
	addr_host_str((struct sockaddr *)&ss->ci->src, cli, sizeof(cli));
	if (ss->ci->src.ss_family == AF_INET)
		port = ntohs(((struct sockaddr_in *)&ss->ci->src)->sin_port);
	else if (ss->ci->src.ss_family == AF_INET6)
		port = ntohs(((struct sockaddr_in6 *)&ss->ci->src)->sin6_port);
	snprintf(line, sizeof(line), "%s:%d [%s.%03ld] %s/%s: SSL handshake failure (%s)", cli, port, date,
		 ss->ci->accept_date.tv_nsec / 1000000, fe->id, listener_log_name(ss->li, lname, sizeof(lname)), why);
	for (int i = 0; i < fe->nlogs; i++)
		log_send(fe->logs[i], LOG_LVL_INFO, line);
}

static void hs_end(struct ssl_sock *ss)
{
	struct worker *w = ss->w;

	atomic_fetch_sub(&ss->li->fe->cur_conn, 1);
	atomic_fetch_sub(&w->conf->rt.cur_conn, 1);
	ev_timer_stop(w->loop, &ss->timer);
	ev_io_stop(w->loop, &ss->io);
	hs_unlink(ss);
	run_remove(ss);
	w->nstreams--;
}

static void hs_fail(struct ssl_sock *ss, const char *why)
{
	struct worker *w = ss->w;

	atomic_fetch_add(&ss->li->ssl->hs_failed, 1);
	atomic_fetch_add(&ss->li->fe->cnt.failed_req, 1);
	hs_log(ss, why);
	hs_end(ss);
	close(ss->fd);
	SSL_free(ss->ssl);
	conn_info_free(ss->ci);
	ev_free_later(w->loop, ss);
	worker_stream_closed(w);
}

static void hs_step(struct ssl_sock *ss)
{
	struct worker *w = ss->w;
	struct listener *li = ss->li;
	struct conn_info *ci = ss->ci;
	char why[256];
	int r, e, fd = ss->fd;

	ERR_clear_error();
	r = SSL_do_handshake(ss->ssl);
	if (r == 1) {
		ss->hs_done = true;
		atomic_fetch_add(&li->ssl->hs_done, 1);
		hs_end(ss);
		/* the engine owns the socket from here; the TLS state
		 * follows the fd */
		ss->ci = NULL;
		if (ssl_sock_register(fd, ss) < 0) {
			close(fd);
			ssl_sock_free(ss);
			conn_info_free(ci);
			worker_stream_closed(w);
			return;
		}
		ss->w = NULL;
		if (li->fe->mode == PX_MODE_HTTP)
			http_accept(w, li, fd, ci);
		else
			stream_accept(w, li, fd, ci);
		return;
	}
	e = SSL_get_error(ss->ssl, r);
	if (e == SSL_ERROR_WANT_READ) {
		ev_io_set(w->loop, &ss->io, EPOLLIN);
		return;
	}
	if (e == SSL_ERROR_WANT_WRITE) {
		ev_io_set(w->loop, &ss->io, EPOLLOUT);
		return;
	}
	if (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0)
		snprintf(why, sizeof(why), "%s", errno ? strerror(errno) : "connection closed during handshake");
	else
		ssl_errors(why, sizeof(why));
	hs_fail(ss, why);
}

static void hs_io(struct ev_loop *loop, struct ev_io *io, uint32_t events)
{
	hs_schedule(io->data);
}

static void hs_timeout(struct ev_loop *loop, struct ev_timer *t)
{
	hs_fail(t->data, "timeout");
}

void ssl_sock_accept(struct worker *w, struct listener *li, int fd,
		     struct conn_info *ci)
{
	struct ssl_sock *ss = xcalloc(1, sizeof(*ss));

	ss->fd = fd;
	ss->w = w;
	ss->li = li;
	ss->ci = ci;
	ss->ssl = SSL_new(ssl_bind_default_ctx(li->ssl));
	ev_io_init(&ss->io, hs_io, ss);
	ev_timer_init(&ss->timer, hs_timeout, ss);
	if (!ss->ssl || !SSL_set_fd(ss->ssl, fd)) {
		ERR_clear_error();
		close(fd);
		ssl_sock_free(ss);
		conn_info_free(ci);
		return;
	}
	SSL_set_accept_state(ss->ssl);
	/* counted as a stream so that a stopping worker waits for it, and
	 * as a connection so that maxconn bounds handshakes too */
	w->nstreams++;
	atomic_fetch_add(&li->fe->cur_conn, 1);
	atomic_fetch_add(&w->conf->rt.cur_conn, 1);
	ss->next = handshakes;
	if (handshakes)
		handshakes->prev = ss;
	handshakes = ss;
	if (ev_io_start(w->loop, &ss->io, fd, EPOLLIN) < 0) {
		hs_fail(ss, "cannot poll the socket");
		return;
	}
	/* HAProxy bounds the handshake with `timeout client` */
	if (li->fe->timeouts.client)
		ev_timer_start(w->loop, &ss->timer, li->fe->timeouts.client);
	hs_schedule(ss);
}

void ssl_sock_kill_handshakes(struct worker *w)
{
	while (handshakes) {
		struct ssl_sock *ss = handshakes;

		hs_end(ss);
		close(ss->fd);
		SSL_free(ss->ssl);
		conn_info_free(ss->ci);
		ev_free_later(w->loop, ss);
		worker_stream_closed(w);
	}
}

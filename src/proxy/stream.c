/* stream: the TCP data path.
 *
 * A stream is one client connection and, once a server is chosen, one
 * server connection. Both sockets are registered edge-triggered for input
 * and output once; readiness is remembered in flags and the pump moves
 * bytes in both directions until neither can progress. Buffers come from
 * the worker's free list when data arrives and go back as soon as they are
 * empty, so an idle connection holds no buffer.
 *
 * States (function performing each transition):
 *   NEW -> QUEUED        stream_assign(): every usable server is full
 *   NEW/QUEUED -> CONNECTING  stream_connect(): a server was chosen
 *   CONNECTING -> CONNECTING  connect_failed(): retry (same server, or
 *                        another on the last retry with option redispatch)
 *   CONNECTING -> ESTABLISHED on_srv_event(): connect() completed
 *   any -> closed        stream_close(), which logs and frees
 */
#include "proxy/stream.h"
#include "proxy/acl.h"
#include "proxy/http_rules.h"
#include "proxy/lb.h"
#include "proxy/send_proxy.h"
#include "proxy/session.h"
#include "proxy/ssl.h"
#include "proxy/stick.h"
#include "proxy/worker.h"
#include "lib/log.h"
#include "lib/strbuf.h"
#include "lib/util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PIPE_CAPACITY (64 * 1024)   /* Linux default pipe size */

/* While SS_QUEUED, the stream's pendconn is in its backend's queue (see
 * queue.h for the hand-over between threads). */
enum stream_state { SS_NEW, SS_QUEUED, SS_CONNECTING, SS_ESTABLISHED };

/* One direction of traffic: bytes read from one side wait here (in the
 * buffer, or in a pipe when splicing) until written to the other side. */
struct channel {
	char *buf;            /* from the worker's free list; NULL when empty */
	size_t head, tail;
	int pipe[2];          /* -1 when not splicing */
	size_t piped;         /* bytes in the pipe */
	bool splice;          /* this direction may use splice() */
	bool shut_rd;         /* producer sent EOF */
	bool shut_wr;         /* EOF passed on to the consumer */
	uint64_t total;       /* bytes forwarded */
};

struct stream {
	struct worker *w;
	struct stream *prev, *next;    /* worker's list */
	struct pendconn pc;            /* waiting for a server slot */
	struct proxy *fe, *be;
	struct server *srv;            /* counted in srv->cur_sess while set */
	struct server *failed_srv;     /* last server a connect failed on */
	enum stream_state state;
	struct ev_io cli_io, srv_io;
	struct ev_timer timer;
	struct channel req, rsp;
	struct conn_info *ci;          /* the connection's (session.h); owned */
	int retries;                   /* connection retries done */
	bool cli_rd, cli_wr, srv_rd, srv_wr; /* edge-triggered readiness */
	bool cli_hup, srv_hup;         /* peer's FIN (or error) signalled */
	bool redispatched;
	uint64_t t_accept, t_queued, t_connect_start, t_established;
	uint64_t cli_last, srv_last;   /* last activity, for timeouts */
	struct timespec accept_date;
	char term[3];                  /* termination state, as in HAProxy logs */
};

static void stream_close(struct stream *s);
static void stream_connect(struct stream *s);
static void stream_pump(struct stream *s);

/* ---- channels ---- */

static size_t chan_len(const struct channel *c)
{
	return c->piped + (c->buf ? c->tail - c->head : 0);
}

static void chan_release(struct worker *w, struct channel *c)
{
	if (c->buf) {
		worker_put_buf(w, c->buf);
		c->buf = NULL;
		c->head = c->tail = 0;
	}
	if (c->pipe[0] >= 0) {
		if (c->piped == 0)
			worker_put_pipe(w, c->pipe);
		else {
			close(c->pipe[0]);
			close(c->pipe[1]);
		}
		c->pipe[0] = c->pipe[1] = -1;
		c->piped = 0;
	}
}

/* Read what `fd` has into the channel. >0 bytes, 0 on EOF, -EAGAIN when
 * nothing more (or no room), another -errno on error. *short_read is set
 * when fewer bytes came than there was room for: the socket is empty, and
 * the next arrival will raise a new edge, so no EAGAIN round trip is
 * needed to learn it. */
static ssize_t chan_recv(struct worker *w, struct channel *c, int fd, bool *short_read)
{
	size_t size = w->conf->global.bufsize;
	ssize_t n;

	if (c->splice && !c->buf) {
		if (c->pipe[0] < 0 && worker_get_pipe(w, c->pipe) < 0)
			c->splice = false;
		else if (c->piped >= PIPE_CAPACITY)
			return -EAGAIN;
		else {
			n = splice(fd, NULL, c->pipe[1], NULL, PIPE_CAPACITY - c->piped,
				   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
			if (n > 0)
				c->piped += (size_t)n;
			/* EAGAIN from splice can mean the pipe is full or the
			 * socket empty: both mean "no more now". */
			return n >= 0 ? n : -errno;
		}
	}
	if (c->piped)
		return -EAGAIN;   /* let the pipe drain before buffering */
	if (!c->buf) {
		c->buf = worker_get_buf(w);
		c->head = c->tail = 0;
	}
	if (c->tail == size) {
		if (c->head == 0)
			return -EAGAIN;
		memmove(c->buf, c->buf + c->head, c->tail - c->head);
		c->tail -= c->head;
		c->head = 0;
	}
	n = xprt_recv(fd, c->buf + c->tail, size - c->tail, 0);
	if (n > 0) {
		*short_read = (size_t)n < size - c->tail;
		c->tail += (size_t)n;
	}
	return n >= 0 ? n : -errno;
}

/* Write the channel's pending bytes to `fd`. >0 bytes, -EAGAIN, -errno.
 * *short_write is set when the socket took less than offered: its buffer
 * is full and EPOLLOUT will tell when there is room again. */
static ssize_t chan_send(struct worker *w, struct channel *c, int fd, bool *short_write)
{
	ssize_t n;

	if (c->piped) {
		n = splice(c->pipe[0], NULL, fd, NULL, c->piped, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
		if (n > 0) {
			c->piped -= (size_t)n;
			c->total += (uint64_t)n;
		}
		return n >= 0 ? n : -errno;
	}
	n = xprt_send(fd, c->buf + c->head, c->tail - c->head, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (n > 0) {
		*short_write = (size_t)n < c->tail - c->head;
		c->head += (size_t)n;
		c->total += (uint64_t)n;
		if (c->head == c->tail) {
			worker_put_buf(w, c->buf);
			c->buf = NULL;
			c->head = c->tail = 0;
		}
	}
	return n >= 0 ? n : -errno;
}

/* Move bytes from one side to the other until nothing progresses.
 * `from_hup` says the peer's FIN has been signalled: then reads go on to
 * the end of file instead of stopping at a short read.
 * Returns 0, or -1 when the stream must be aborted (socket error). */
static int pump_dir(struct stream *s, struct channel *c, int from, bool *from_rd, bool from_hup,
		    uint64_t *from_last, int to, bool *to_wr, uint64_t *to_last)
{
	uint64_t now = ev_now_ms(s->w->loop);
	bool progress;

	do {
		ssize_t n;
		bool partial = false;

		progress = false;
		if (!c->shut_rd && *from_rd) {
			n = chan_recv(s->w, c, from, &partial);
			if (n > 0) {
				progress = true;
				*from_last = now;
				if (partial && !from_hup)
					*from_rd = false;
			} else if (n == 0) {
				c->shut_rd = true;
				*from_last = now;
			} else if (n == -EAGAIN) {
				/* room-limited reads keep the readiness flag */
				if (chan_len(c) == 0 || (c->buf && c->tail < s->w->conf->global.bufsize))
					*from_rd = false;
			} else {
				return -1;
			}
		}
		if (to >= 0 && chan_len(c) > 0 && *to_wr) {
			partial = false;
			n = chan_send(s->w, c, to, &partial);
			if (n > 0) {
				progress = true;
				*to_last = now;
				if (partial)
					*to_wr = false;
			} else if (n == -EAGAIN) {
				*to_wr = false;
			} else {
				return -1;
			}
		}
	} while (progress);

	if (to >= 0 && c->shut_rd && chan_len(c) == 0 && !c->shut_wr) {
		xprt_shutw(to);
		c->shut_wr = true;
	}
	if (chan_len(c) == 0)
		chan_release(s->w, c);
	return 0;
}

/* ---- timeouts ---- */

static uint32_t cli_timeout(const struct stream *s)
{
	const struct px_timeouts *t = &s->fe->timeouts;

	if (s->state == SS_ESTABLISHED && s->be->timeouts.tunnel)
		return s->be->timeouts.tunnel;
	if (s->req.shut_rd && t->client_fin)
		return t->client_fin;
	return t->client;
}

static uint32_t srv_timeout(const struct stream *s)
{
	const struct px_timeouts *t = &s->be->timeouts;

	if (t->tunnel)
		return t->tunnel;
	if (s->rsp.shut_rd && t->server_fin)
		return t->server_fin;
	return t->server;
}

/* The next instant something must happen, or 0 for never. */
static uint64_t stream_deadline(const struct stream *s, char *why)
{
	uint64_t d = 0;

#define CONSIDER(when, c) do { uint64_t w_ = (when); \
		if (w_ && (!d || w_ < d)) { d = w_; *why = (c); } } while (0)
	switch (s->state) {
	case SS_NEW:
		break;
	case SS_QUEUED: {
		uint32_t q = s->be->timeouts.queue ? s->be->timeouts.queue : s->be->timeouts.connect;

		if (q)
			CONSIDER(s->t_queued + q, 'q');
		break;
	}
	case SS_CONNECTING:
		if (s->be->timeouts.connect)
			CONSIDER(s->t_connect_start + s->be->timeouts.connect, 'C');
		if (cli_timeout(s) && !s->req.shut_rd)
			CONSIDER(s->cli_last + cli_timeout(s), 'c');
		break;
	case SS_ESTABLISHED:
		if (cli_timeout(s))
			CONSIDER(s->cli_last + cli_timeout(s), 'c');
		if (srv_timeout(s))
			CONSIDER(s->srv_last + srv_timeout(s), 's');
		break;
	}
#undef CONSIDER
	return d;
}

/* Activity only moves timestamps; this timer looks at them when it fires
 * and re-arms itself, so busy streams never touch the timer heap. */
static void arm_timer(struct stream *s)
{
	char why;
	uint64_t d = stream_deadline(s, &why), now = ev_now_ms(s->w->loop);

	if (!d) {
		ev_timer_stop(s->w->loop, &s->timer);
		return;
	}
	if (!ev_timer_active(&s->timer) || s->timer.expire_ms > d)
		ev_timer_start(s->w->loop, &s->timer, d > now ? d - now : 0);
}

static void connect_failed(struct stream *s, bool timeout);

static void on_timer(struct ev_loop *loop, struct ev_timer *t)
{
	struct stream *s = t->data;
	char why = 0;
	uint64_t d = stream_deadline(s, &why), now = ev_now_ms(loop);

	if (!d)
		return;
	if (d > now) {
		ev_timer_start(loop, t, d - now);
		return;
	}
	switch (why) {
	case 'q':
		memcpy(s->term, "sQ", 3);
		break;
	case 'C':
		connect_failed(s, true);
		return;
	case 'c':
		memcpy(s->term, s->state == SS_ESTABLISHED ? "cD" : "cC", 3);
		break;
	default:
		memcpy(s->term, "sD", 3);
		break;
	}
	stream_close(s);
}

/* ---- logging ---- */

static void log_stream(struct stream *s)
{
	char line[1024], date[64], cli[ADDR_STRLEN];
	struct tm tm;
	uint64_t now = ev_now_ms(s->w->loop);
	long tw = -1, tc = -1;
	int beconn = 0, srvconn = 0;
	const char *srvname = s->srv ? s->srv->id : "<NOSRV>";

	if (s->fe->nlogs == 0)
		return;
	if ((s->fe->options & PXO_DONTLOGNULL) && s->req.total == 0 && s->rsp.total == 0)
		return;
	localtime_r(&s->accept_date.tv_sec, &tm);
	strftime(date, sizeof(date), "%d/%b/%Y:%H:%M:%S", &tm);
	addr_host_str((struct sockaddr *)&s->ci->src, cli, sizeof(cli));
	if (s->t_connect_start)
		tw = (long)(s->t_connect_start - s->t_accept);
	if (s->t_established)
		tc = (long)(s->t_established - s->t_connect_start);
	/* as haproxy counts them once the stream has left its backend and
	 * server (this one is still counted in both) */
	if (s->be && atomic_load(&s->be->cur_sess) > 0)
		beconn = atomic_load(&s->be->cur_sess) - 1;
	if (s->srv && atomic_load(&s->srv->cur_sess) > 0)
		srvconn = atomic_load(&s->srv->cur_sess) - 1;
	if (s->fe->log_format) {
		struct http_log_info info;
		struct strbuf sb = STRBUF_INIT;

		memset(&info, 0, sizeof(info));
		info.src = (struct sockaddr *)&s->ci->src;
		info.accept_date = s->accept_date;
		info.fe = s->fe->id;
		info.be = s->be ? s->be->id : s->fe->id;
		info.srv = srvname;
		info.tr = info.trs = -1;
		info.tw = tw;
		info.tc = tc;
		info.ta = (long)(now - s->t_accept);
		info.status = 0;      /* what haproxy prints for %ST in TCP mode */
		info.bytes_read = s->rsp.total;
		snprintf(info.term, sizeof(info.term), "%.2s--", s->term);
		info.actconn = atomic_load(&s->w->conf->rt.cur_conn);
		info.feconn = atomic_load(&s->fe->cur_conn);
		info.beconn = beconn;
		info.srvconn = srvconn;
		info.retries = s->retries;
		info.txn = session_txn((struct sockaddr *)&s->ci->src, (struct sockaddr *)&s->ci->dst,
				       ssl_sock_of_fd(s->cli_io.fd), s->ci->sc_table, s->ci->sc_entry);
		http_log_format(s->fe, &info, &sb);
		for (int i = 0; i < s->fe->nlogs; i++)
			log_send(s->fe->logs[i], LOG_LVL_INFO, sb_str(&sb));
		sb_free(&sb);
	} else if (s->fe->options & (PXO_TCPLOG | PXO_HTTPLOG)) {
		/* HAProxy's tcplog format:
		 * client:port [date] fe be/srv Tw/Tc/Tt bytes term
		 * actconn/feconn/beconn/srv_conn/retries srv_queue/backend_queue */
		snprintf(line, sizeof(line),
			 "%s:%d [%s.%03ld] %s %s/%s %ld/%ld/%llu %llu %s %d/%d/%d/%d/%s%d 0/0",
			 cli, ntohs(((struct sockaddr_in *)&s->ci->src)->sin_port), date,
			 s->accept_date.tv_nsec / 1000000, s->fe->id, s->be ? s->be->id : s->fe->id,
			 srvname, tw, tc, (unsigned long long)(now - s->t_accept),
			 (unsigned long long)s->rsp.total, s->term,
			 atomic_load(&s->w->conf->rt.cur_conn), atomic_load(&s->fe->cur_conn),
			 beconn, srvconn,
			 s->redispatched ? "+" : "", s->retries);
		for (int i = 0; i < s->fe->nlogs; i++)
			log_send(s->fe->logs[i], LOG_LVL_INFO, line);
	}
}

static void log_connect(struct stream *s)
{
	char line[512], cli[ADDR_STRLEN], fe[ADDR_STRLEN];

	if (s->fe->nlogs == 0 || (s->fe->options & (PXO_TCPLOG | PXO_HTTPLOG)) || s->fe->log_format)
		return;
	snprintf(line, sizeof(line), "Connect from %s to %s (%s/%s)",
		 addr_to_str((struct sockaddr *)&s->ci->src, cli, sizeof(cli)),
		 addr_to_str((struct sockaddr *)&s->ci->dst, fe, sizeof(fe)),
		 s->fe->id, s->fe->mode == PX_MODE_HTTP ? "HTTP" : "TCP");
	for (int i = 0; i < s->fe->nlogs; i++)
		log_send(s->fe->logs[i], LOG_LVL_INFO, line);
}

/* ---- life cycle ---- */

/* Give the server slot back; a queued stream may take it. */
static void release_server(struct stream *s)
{
	struct server *srv = s->srv;
	struct proxy *be = s->be;

	if (!srv)
		return;
	pthread_mutex_lock(&be->lock);
	atomic_fetch_sub(&srv->cur_sess, 1);
	pthread_mutex_unlock(&be->lock);
	s->srv = NULL;
	if (be->queue_len > 0)
		queue_process(be);
}

static void close_srv_side(struct stream *s)
{
	ev_io_close(s->w->loop, &s->srv_io, xprt_close);
	s->srv_rd = s->srv_wr = s->srv_hup = false;
}

static void stream_close(struct stream *s)
{
	struct worker *w = s->w;

	if (s->state == SS_QUEUED && !queue_leave(s->be, &s->pc))
		return;   /* a server is on its way: closed when it arrives */
	if (s->state == SS_QUEUED)
		s->state = SS_NEW;
	if (s->srv) {
		atomic_fetch_add(&s->srv->cnt.bytes_in, s->req.total);
		atomic_fetch_add(&s->srv->cnt.bytes_out, s->rsp.total);
	}
	atomic_fetch_add(&s->fe->cnt.bytes_in, s->req.total);
	atomic_fetch_add(&s->fe->cnt.bytes_out, s->rsp.total);
	if (s->be && s->be != s->fe) {
		atomic_fetch_add(&s->be->cnt.bytes_in, s->req.total);
		atomic_fetch_add(&s->be->cnt.bytes_out, s->rsp.total);
	}
	log_stream(s);
	ev_timer_stop(w->loop, &s->timer);
	close_srv_side(s);
	release_server(s);   /* before the close the client sees, too */
	session_end(w, s->fe, s->be, s->ci, &s->cli_io);
	s->ci = NULL;
	chan_release(w, &s->req);
	chan_release(w, &s->rsp);
	if (s->prev)
		s->prev->next = s->next;
	else
		w->streams = s->next;
	if (s->next)
		s->next->prev = s->prev;
	w->nstreams--;
	ev_free_later(w->loop, s);
	worker_stream_closed(w);
}

static void on_cli_event(struct ev_loop *loop, struct ev_io *io, uint32_t ev)
{
	struct stream *s = io->data;

	if (ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
		s->cli_rd = true;
	if (ev & (EPOLLRDHUP | EPOLLHUP | EPOLLERR))
		s->cli_hup = true;
	if (ev & (EPOLLOUT | EPOLLHUP | EPOLLERR))
		s->cli_wr = true;
	stream_pump(s);
}

static void write_proxy_header(struct stream *s);
static void server_taken(struct stream *s, struct server *srv);

static void on_srv_event(struct ev_loop *loop, struct ev_io *io, uint32_t ev)
{
	struct stream *s = io->data;

	if (ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
		s->srv_rd = true;
	if (ev & (EPOLLRDHUP | EPOLLHUP | EPOLLERR))
		s->srv_hup = true;
	if (ev & (EPOLLOUT | EPOLLHUP | EPOLLERR))
		s->srv_wr = true;
	if (s->state == SS_CONNECTING) {
		uint32_t want;
		int r = xprt_connect_step(io->fd, ev, &want, NULL, 0);

		/* TCP connected, and the TLS handshake done for `ssl` servers */
		if (r == 0)
			return;
		if (r < 0) {
			connect_failed(s, false);
			return;
		}
		s->state = SS_ESTABLISHED;
		s->t_established = ev_now_ms(loop);
		s->srv_last = s->cli_last = s->t_established;
		/* over TLS it went before the handshake (xprt_preamble()) */
		if ((s->srv->send_proxy || s->srv->send_proxy_v2) && !xprt_is_tls(io->fd))
			write_proxy_header(s);
	}
	stream_pump(s);
}

static void stream_pump(struct stream *s)
{
	int srv_fd = s->state == SS_ESTABLISHED ? s->srv_io.fd : -1;

	if (pump_dir(s, &s->req, s->cli_io.fd, &s->cli_rd, s->cli_hup, &s->cli_last,
		     srv_fd, &s->srv_wr, &s->srv_last) < 0) {
		memcpy(s->term, "CD", 3);
		goto abort;
	}
	if (srv_fd >= 0 &&
	    pump_dir(s, &s->rsp, srv_fd, &s->srv_rd, s->srv_hup, &s->srv_last,
		     s->cli_io.fd, &s->cli_wr, &s->cli_last) < 0) {
		memcpy(s->term, "SD", 3);
		goto abort;
	}
	if (s->req.shut_wr && s->rsp.shut_wr) {
		stream_close(s);
		return;
	}
	/* A client that left before a server was reached: nothing to do. */
	if (s->state != SS_ESTABLISHED && s->req.shut_rd && chan_len(&s->req) == 0 && s->req.total == 0) {
		memcpy(s->term, "CC", 3);
		goto abort;
	}
	arm_timer(s);
	return;
abort:
	if (s->state == SS_ESTABLISHED && s->srv)
		atomic_fetch_add(&s->srv->cnt.failed_resp, s->term[0] == 'S');
	stream_close(s);
}

static void write_proxy_header(struct stream *s)
{
	char hdr[PROXY_HDR_OUT];
	int n = send_proxy_for_server(hdr, s->srv, ssl_sock_of_fd(s->cli_io.fd),
				      (struct sockaddr *)&s->ci->src, (struct sockaddr *)&s->ci->dst);

	if (!s->req.buf) {
		s->req.buf = worker_get_buf(s->w);
		s->req.head = s->req.tail = 0;
	}
	/* The header goes before anything the client already sent. */
	if (s->req.tail - s->req.head + (size_t)n <= s->w->conf->global.bufsize) {
		if (s->req.head >= (size_t)n) {
			s->req.head -= (size_t)n;
		} else {
			memmove(s->req.buf + n, s->req.buf + s->req.head, s->req.tail - s->req.head);
			s->req.tail = s->req.tail - s->req.head + (size_t)n;
			s->req.head = 0;
		}
		memcpy(s->req.buf + s->req.head, hdr, (size_t)n);
	}
}

static int set_sock_opts(int fd, bool keepalive)
{
	int one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (keepalive)
		setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
	return 0;
}

/* Open the server connection to s->srv. */
static void stream_connect(struct stream *s)
{
	struct sockaddr_storage dst;
	socklen_t dlen;
	int fd;

	dlen = server_target(s->srv, &s->ci->dst, &dst);

	s->state = SS_CONNECTING;
	s->t_connect_start = ev_now_ms(s->w->loop);
	fd = socket(dst.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	if (dst.ss_family != AF_UNIX)
		set_sock_opts(fd, s->be->options & PXO_SRVTCPKA);
	if (connect(fd, (struct sockaddr *)&dst, dlen) < 0 && errno != EINPROGRESS) {
		close(fd);
		goto fail;
	}
	if (s->srv->ssl && s->srv->ssl->ssl) {
		if (ssl_sock_attach_server(fd, s->srv, NULL, s->cli_io.fd, (struct sockaddr *)&s->ci->src,
					   (struct sockaddr *)&s->ci->dst) < 0) {
			close(fd);
			goto fail;
		}
		s->req.splice = s->rsp.splice = false;
	}
	if (ev_io_start(s->w->loop, &s->srv_io, fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET) < 0) {
		xprt_close(fd);
		goto fail;
	}
	arm_timer(s);
	return;
fail:
	connect_failed(s, false);
}

/* A connection attempt failed: retry as `retries` and `option redispatch`
 * say, or give up. */
static void connect_failed(struct stream *s, bool timeout)
{
	struct server *old = s->srv;
	struct server *srv = NULL;
	enum lb_result r;
	/* HAProxy's default `option redispatch` interval -1: move to another
	 * server on the last retry. */
	bool redispatch = (s->be->options & PXO_REDISPATCH) && s->retries + 1 >= s->be->retries;

	close_srv_side(s);
	atomic_fetch_add(&old->cnt.failed_conns, 1);
	atomic_fetch_add(&s->be->cnt.failed_conns, 1);
	if (s->retries >= s->be->retries) {
		memcpy(s->term, timeout ? "sC" : "SC", 3);
		stream_close(s);
		return;
	}
	s->retries++;
	atomic_fetch_add(&old->cnt.retries, 1);
	atomic_fetch_add(&s->be->cnt.retries, 1);
	if (!redispatch) {
		s->t_connect_start = 0;
		stream_connect(s);
		return;
	}
	/* Redispatch: give the slot back and ask the balancer again. */
	s->failed_srv = old;
	release_server(s);
	pthread_mutex_lock(&s->be->lock);
	r = lb_choose(s->be, (struct sockaddr *)&s->ci->src, old, &srv);
	pthread_mutex_unlock(&s->be->lock);
	if (r != LB_OK) {
		memcpy(s->term, timeout ? "sC" : "SC", 3);
		stream_close(s);
		return;
	}
	if (srv != old) {
		s->redispatched = true;
		atomic_fetch_add(&old->cnt.redispatches, 1);
		atomic_fetch_add(&s->be->cnt.redispatches, 1);
	}
	server_taken(s, srv);
	stream_connect(s);
}


static void server_taken(struct stream *s, struct server *srv)
{
	uint32_t cur;

	s->srv = srv;
	if (s->be->nstick_rules)
		stick_store(s->be, (struct sockaddr *)&s->ci->src, (struct sockaddr *)&s->ci->dst, srv,
			    ev_now_ms(s->w->loop));
	atomic_fetch_add(&srv->cnt.cum_sess, 1);
	freq_ctr_hit(&srv->cnt.sess_rate, &srv->cnt.sps_max, ev_now_ms(s->w->loop));
	cur = (uint32_t)atomic_load(&srv->cur_sess);
	if (cur > atomic_load(&srv->cnt.max_sess))
		atomic_store(&srv->cnt.max_sess, cur);
}

/* Choose a server, or queue, or give up. */
static void stream_assign(struct stream *s)
{
	struct server *srv = NULL;
	enum lb_result r;

	pthread_mutex_lock(&s->be->lock);
	if (s->be->nstick_rules)
		srv = stick_lookup(s->be, (struct sockaddr *)&s->ci->src, (struct sockaddr *)&s->ci->dst,
				   ev_now_ms(s->w->loop));
	if (srv && (srv->maxconn == 0 || atomic_load(&srv->cur_sess) < srv->maxconn)) {
		/* persistence: the server this client (or address) stuck to */
		atomic_fetch_add(&srv->cur_sess, 1);
		r = LB_OK;
	} else {
		/* Queued connections go first: a newcomer may not jump the queue. */
		srv = NULL;
		r = s->be->queue_len > 0 ? LB_FULL : lb_choose(s->be, (struct sockaddr *)&s->ci->src, NULL, &srv);
	}
	if (r == LB_FULL) {
		s->state = SS_QUEUED;
		s->t_queued = ev_now_ms(s->w->loop);
		queue_add(s->be, &s->pc, s->t_queued);
	}
	pthread_mutex_unlock(&s->be->lock);

	switch (r) {
	case LB_OK:
		server_taken(s, srv);
		stream_connect(s);
		break;
	case LB_FULL:
		arm_timer(s);
		break;
	case LB_NONE:
		memcpy(s->term, "SC", 3);
		stream_close(s);
		break;
	}
}

/* A queued stream got its server (on its own thread). */
static void stream_on_dequeued(struct pendconn *pc)
{
	struct stream *s = (struct stream *)((char *)pc - offsetof(struct stream, pc));

	s->state = SS_NEW;
	server_taken(s, pc->srv);
	if (pc->close_pending) {
		stream_close(s);
		return;
	}
	stream_connect(s);
}

/* `tcp-request content` rules of `px` (the frontend, then the backend once
 * chosen), in declaration order: the first accept or reject whose
 * condition matches decides; none matching accepts. TCP mode waits for no
 * payload (no inspect-delay), so they are evaluated at once, on the
 * connection, as HAProxy does when no content is awaited. Tracked
 * counters stay with the connection. */
static bool tcp_content_rules(struct stream *s, struct proxy *px, const struct ssl_sock *ssl)
{
	const struct sockaddr *src = (struct sockaddr *)&s->ci->src, *dst = (struct sockaddr *)&s->ci->dst;

	for (int i = 0; i < px->ntcp_rules; i++) {
		const struct tcp_rule *r = &px->tcp_rules[i];

		if (r->layer != TCP_RULE_CONTENT)
			continue;
		if (r->cond && !session_cond_eval(r->cond, src, dst, ssl, s->ci->sc_table, s->ci->sc_entry))
			continue;
		if (r->action == TCP_ACT_TRACK_SC) {
			session_track(r->table_px, r->expr, src, dst, ssl, &s->ci->sc_table[r->sc],
				      &s->ci->sc_entry[r->sc]);
			continue;
		}
		if (r->action == TCP_ACT_SILENT_DROP)
			session_silence(s->cli_io.fd);
		return r->action == TCP_ACT_ACCEPT;
	}
	return true;
}

/* Before closing a rejected connection: what the client sent is read, so
 * that the close is a FIN and not a reset, as when HAProxy's rules had
 * read it. */
static void drain_input(int fd)
{
	char junk[4096];

	for (int i = 0; i < 16 && xprt_recv(fd, junk, sizeof(junk), 0) > 0; i++)
		;
}

static struct proxy *select_backend(struct proxy *fe, const struct sockaddr *src, const struct sockaddr *dst,
				    const struct ssl_sock *ssl)
{
	for (int i = 0; i < fe->nswitch_rules; i++) {
		const struct switch_rule *r = &fe->switch_rules[i];

		if (!r->cond || acl_cond_eval_tls(r->cond, src, dst, ssl))
			return r->backend;
	}
	if (fe->default_backend)
		return fe->default_backend;
	return (fe->cap & PX_CAP_BE) ? fe : NULL;
}

void stream_accept(struct worker *w, struct listener *li, int fd, struct conn_info *ci)
{
	struct stream *s;
	struct proxy *fe = li->fe;
	uint32_t cur;

	if (fe->ntcp_rules && !session_rules(fe, ci, fd, ssl_sock_of_fd(fd))) {
		xprt_close(fd);
		conn_info_free(ci);
		worker_stream_closed(w);
		return;
	}
	s = xcalloc(1, sizeof(*s));

	s->w = w;
	s->fe = fe;
	s->ci = ci;
	s->accept_date = ci->accept_date;
	s->t_accept = s->cli_last = s->srv_last = ev_now_ms(w->loop);
	memcpy(s->term, "--", 3);
	s->req.pipe[0] = s->req.pipe[1] = s->rsp.pipe[0] = s->rsp.pipe[1] = -1;
	ev_io_init(&s->cli_io, on_cli_event, s);
	ev_io_init(&s->srv_io, on_srv_event, s);
	ev_timer_init(&s->timer, on_timer, s);
	s->pc.w = w;
	s->pc.client = (struct sockaddr *)&s->ci->src;
	s->pc.ready = stream_on_dequeued;

	s->next = w->streams;
	if (w->streams)
		w->streams->prev = s;
	w->streams = s;
	w->nstreams++;

	cur = (uint32_t)atomic_fetch_add(&fe->cur_conn, 1) + 1;
	if (cur > atomic_load(&fe->cnt.max_sess))
		atomic_store(&fe->cnt.max_sess, cur);
	atomic_fetch_add(&w->conf->rt.cur_conn, 1);

	if (fe->mode != PX_MODE_TCP || ev_io_start(w->loop, &s->cli_io, fd,
						   EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET) < 0) {
		xprt_close(fd);
		memcpy(s->term, "PR", 3);
		stream_close(s);
		return;
	}
	set_sock_opts(fd, fe->options & PXO_CLITCPKA);
	if (!tcp_content_rules(s, fe, ssl_sock_of_fd(fd))) {
		drain_input(fd);
		atomic_fetch_add(&fe->cnt.denied_req, 1);
		memcpy(s->term, "PR", 3);
		stream_close(s);
		return;
	}
	log_connect(s);
	atomic_fetch_add(&fe->cnt.cum_sess, 1);
	freq_ctr_hit(&fe->cnt.sess_rate, &fe->cnt.sps_max, ev_now_ms(w->loop));
	freq_ctr_hit(&w->conf->rt.sess_rate, &w->conf->rt.sps_max, ev_now_ms(w->loop));
	s->be = select_backend(fe, (struct sockaddr *)&s->ci->src, (struct sockaddr *)&s->ci->dst,
			       ssl_sock_of_fd(fd));
	if (!s->be) {
		memcpy(s->term, "PR", 3);
		stream_close(s);
		return;
	}
	if (s->be != fe)
		atomic_fetch_add(&s->be->cnt.cum_sess, 1);
	freq_ctr_hit(&s->be->cnt.be_sess_rate, &s->be->cnt.be_sps_max, ev_now_ms(w->loop));
	atomic_fetch_add(&s->be->cur_sess, 1);
	/* the backend's own content rules, once it is chosen */
	if (s->be != fe && s->be->ntcp_rules && !tcp_content_rules(s, s->be, ssl_sock_of_fd(fd))) {
		drain_input(fd);
		atomic_fetch_add(&s->be->cnt.denied_req, 1);
		memcpy(s->term, "PR", 3);
		stream_close(s);
		return;
	}
	/* Splicing pays off for bulk transfers; HAProxy enables it only with
	 * the splice options, and so do we. */
	if (!w->conf->global.nosplice && !xprt_is_tls(fd)) {
		unsigned o = fe->options | s->be->options;

		s->req.splice = o & (PXO_SPLICE_REQ | PXO_SPLICE_AUTO);
		s->rsp.splice = o & (PXO_SPLICE_RSP | PXO_SPLICE_AUTO);
	}
	stream_assign(s);
}

void stream_kill_server(struct worker *w, struct server *srv)
{
	struct stream *s = w->streams, *next;

	for (; s; s = next) {
		next = s->next;
		if (s->srv == srv && s->state == SS_ESTABLISHED) {
			memcpy(s->term, "SK", 3);
			stream_close(s);
		}
	}
}

void stream_shutdown_server_sessions(struct server *srv)
{
	struct workers *ws = workers_all();

	if (!ws)
		return;
	for (int i = 0; i < ws->n; i++)
		worker_post(&ws->w[i], WMSG_KILL_SERVER, srv);
}

void stream_kill_all(struct worker *w)
{
	struct stream *s = w->streams, *next;

	for (; s; s = next) {
		next = s->next;
		memcpy(s->term, "KI", 3);
		stream_close(s);
	}
}

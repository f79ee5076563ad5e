/* http_ana: the HTTP/1.x data path (see http_ana.h).
 *
 * Each direction of a stream has an input buffer (bytes received and not
 * yet sent on) and an output buffer (bytes the proxy generated: rewritten
 * heads, its own replies). Analysis walks the input: a head is parsed,
 * rewritten into the output buffer and dropped from the input; body bytes
 * are checked in place and marked forwardable (`fwd`) so they are sent as
 * they are, without a copy. Output always goes first, then forwardable
 * input, which keeps the bytes in order.
 *
 * Client side states (function performing each transition):
 *   HS_IDLE -> HS_CONNECTING   on_request(): head complete, server chosen
 *   HS_IDLE -> HS_QUEUED       assign_server(): every usable server is full
 *   HS_QUEUED -> HS_CONNECTING hs_on_dequeued(): a slot opened
 *   HS_IDLE -> HS_REPLY        on_request(): the proxy answers itself
 *   HS_CONNECTING -> HS_FORWARD  srv_connected()
 *   HS_FORWARD -> HS_TUNNEL    on_response(): 101 Switching Protocols
 *   HS_FORWARD -> HS_IDLE      end_txn(): keep-alive
 *   any -> HS_CLOSING          reply_error(), end_txn() without keep-alive
 *   HS_CLOSING -> closed       when the output is flushed
 */
#include "proxy/http_ana.h"
#include "proxy/send_proxy.h"
#include "proxy/cache.h"
#include "proxy/compress.h"
#include "proxy/h1.h"
#include "proxy/http_rules.h"
#include "proxy/http_txn.h"
#include "proxy/lb.h"
#include "proxy/prom.h"
#include "proxy/queue.h"
#include "proxy/acl.h"
#include "proxy/session.h"
#include "proxy/stick_counters.h"
#include "proxy/ssl.h"
#include "proxy/stats_http.h"
#include "proxy/stream.h"
#include "proxy/worker.h"
#include "lib/log.h"
#include "lib/strbuf.h"
#include "lib/util.h"

#include <errno.h>
#include <stddef.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define IDLE_PER_SERVER_MAX 64   /* idle server connections kept, per thread */
#define LINGER_MS 1000           /* how long a closing connection drains input */
#define IDLE_PURGE_MS 5000       /* idle server connections older than this close
				    (HAProxy's default pool-purge-delay) */

enum hs_state { HS_IDLE, HS_QUEUED, HS_CONNECTING, HS_FORWARD, HS_REPLY, HS_TUNNEL, HS_CLOSING };

/* One direction's bytes. */
struct hdir {
	char *in;                 /* from the worker's free list, or NULL */
	size_t ih, it;            /* received: in[ih..it) */
	struct strbuf out;        /* generated, sent before forwardable input */
	size_t oh;                /* sent part of out */
	uint64_t fwd;             /* in[ih..ih+fwd) may be sent as it is */
	bool shut_rd;             /* peer sent EOF */
	bool keep_out;            /* keep sent output (a request head, to send
				     again on a retry) until the exchange ends */
};

/* A server connection: attached to a stream, or idle in the pool. */
struct srvconn {
	struct worker *w;
	struct server *srv;
	struct ev_io io;
	bool rd, wr, hup;
	bool connected;
	bool reused;              /* taken from the idle pool */
	bool priv;                /* serves one client alone (own_keep()) */
	struct hstream *owner;    /* private and idle: the client keeping it */
	uint64_t idle_since;      /* when it entered the pool */
	struct srvconn *prev, *next; /* pool links while idle (next: the
					owner's list while private) */
};

/* Per-request state, taken from a per-thread free list when a request
 * starts, so idle keep-alive clients hold none. */
struct htx {
	struct h1_msg reqm, rspm;
	struct h1_hdr reqh[HTTP_MAX_HDRS], rsph[HTTP_MAX_HDRS];
	struct http_txn txn;
	struct h1_chunk_state req_chunk, rsp_chunk;
	uint64_t req_left, rsp_left;
	enum h1_body req_body, rsp_body;
	bool head_seen, req_done, rsp_head, rsp_done;
	bool close_after;         /* close the client once this exchange ends */
	bool srv_keep;            /* the server connection may be reused */
	bool from_cookie;
	struct server *cookie_srv;  /* named by the request's persistence cookie */
	int status;
	int retries;
	struct server *failed_srv;
	uint64_t t_start, t_head, t_queue, t_connect, t_rsp;
	uint64_t bytes_out;       /* to the client */
	/* response body filters (cache-store, compression): the body goes
	 * through rsp_filter() instead of being forwarded as it is */
	enum comp_algo comp_algo; /* chosen from the request */
	struct comp_stream *comp; /* compressing this response */
	struct cache_store *cst;  /* storing this response */
	struct cache_req *creq;   /* the request, as storing needs it */
	struct h1_chunk_state filt_chunk; /* the server's chunks, for the payload */
	bool filt, filt_done;
	char request_line[1024];
	char term[5];
	struct htx *next_free;
};

struct hstream {
	struct worker *w;
	struct hstream *prev, *next;
	struct proxy *fe, *be;
	struct conn_info *ci;     /* the connection's (session.h); owned */
	struct ev_io cli_io;
	bool cli_rd, cli_wr, cli_hup;
	struct srvconn *sc;
	struct srvconn *own;      /* private server connections between
				     requests, newest first */
	int nown;
	bool prefer_last;         /* the server authenticated the connection */
	struct pendconn pc;       /* waiting for a server slot */
	struct ev_timer timer;
	enum hs_state st;
	struct hdir req, rsp;
	struct htx *tx;
	int ntxn;                 /* exchanges so far on this connection */
	uint64_t cli_last, srv_last, idle_since;
	bool lingering;           /* closing: our side shut, draining theirs */
	bool last_req;            /* closing after the client's own last request,
				     read whole (client_said_last()) */
	bool soft_stop;           /* process stopping: close after this exchange */
	bool kill;                /* http-request reject / silent-drop: close now,
				     without an answer (hs_process) */
	uint64_t linger_since;
	struct timespec accept_date;
	size_t proxy_hdr_len;     /* a PROXY header leads req.out (send-proxy) */
};

/* Per-thread HTTP state, hung off the worker. */
struct http_thread {
	struct hstream *streams;
	struct srvconn *idle;     /* pool of idle server connections, newest first */
	int nidle;
	struct ev_timer purge;    /* closes connections idle for too long */
	struct htx *free_tx;
};

static void idle_purge(struct ev_loop *loop, struct ev_timer *t);

static struct http_thread *thread_of(struct worker *w)
{
	if (!w->http) {
		w->http = xcalloc(1, sizeof(struct http_thread));
		ev_timer_init(&w->http->purge, idle_purge, w);
	}
	return w->http;
}

static void hs_process(struct hstream *s);
static void hs_close(struct hstream *s);
static void arm_timer(struct hstream *s);

/* ---- buffers ---- */

static size_t bufsize(const struct hstream *s) { return s->w->conf->global.bufsize; }

static size_t in_len(const struct hdir *d) { return d->in ? d->it - d->ih : 0; }
static size_t out_pending(const struct hdir *d) { return d->out.len - d->oh; }

static void in_consume(struct worker *w, struct hdir *d, size_t n)
{
	d->ih += n;
	if (d->ih == d->it) {
		worker_put_buf(w, d->in);
		d->in = NULL;
		d->ih = d->it = 0;
	}
}

/* Read from fd into d->in. >0, 0 on EOF, -EAGAIN, -errno. */
static ssize_t dir_recv(struct hstream *s, struct hdir *d, int fd)
{
	size_t size = bufsize(s);
	ssize_t n;

	if (!d->in) {
		d->in = worker_get_buf(s->w);
		d->ih = d->it = 0;
	}
	if (d->it == size && d->ih > 0) {
		memmove(d->in, d->in + d->ih, d->it - d->ih);
		d->it -= d->ih;
		d->ih = 0;
	}
	if (d->it == size)
		return -EAGAIN;
	n = xprt_recv(fd, d->in + d->it, size - d->it, 0);
	if (n > 0)
		d->it += (size_t)n;
	else if (n == 0)
		d->shut_rd = true;
	if (n <= 0 && in_len(d) == 0 && d->in) {
		worker_put_buf(s->w, d->in);
		d->in = NULL;
		d->ih = d->it = 0;
	}
	return n >= 0 ? n : -errno;
}

/* Send the output, then the forwardable input, in one system call (a
 * response head and its body leave together). >0 bytes, -EAGAIN, -errno,
 * 0 when there is nothing to send. */
static ssize_t dir_send(struct hstream *s, struct hdir *d, int fd, uint64_t *counted)
{
	struct iovec iov[2];
	struct msghdr msg = { .msg_iov = iov };
	size_t out = out_pending(d);
	ssize_t n;

	if (out) {
		iov[msg.msg_iovlen].iov_base = d->out.s + d->oh;
		iov[msg.msg_iovlen++].iov_len = out;
	}
	if (d->fwd) {
		iov[msg.msg_iovlen].iov_base = d->in + d->ih;
		iov[msg.msg_iovlen++].iov_len = (size_t)d->fwd;
	}
	if (!msg.msg_iovlen)
		return 0;
	n = xprt_sendmsg(fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (n <= 0)
		return n < 0 ? -errno : 0;
	if (counted)
		*counted += (uint64_t)n;
	if ((size_t)n <= out) {
		d->oh += (size_t)n;
	} else {
		d->oh += out;
		d->fwd -= (uint64_t)n - out;
		in_consume(s->w, d, (size_t)n - out);
	}
	if (d->oh == d->out.len && !d->keep_out) {
		d->oh = 0;
		sb_reset(&d->out);
	}
	return n;
}

/* Write a head into `out` through a scratch buffer from the worker's free
 * list, so the output buffer only grows to what it holds (new connections
 * would otherwise each allocate a buffer-sized output). */
static ssize_t emit_head(struct hstream *s, struct strbuf *out, const struct http_head *h, bool request)
{
	char *scratch = worker_get_buf(s->w);
	ssize_t n = request ? http_emit_request(h, scratch, bufsize(s))
			    : http_emit_response(h, scratch, bufsize(s));

	if (n > 0)
		sb_append(out, scratch, (size_t)n);
	worker_put_buf(s->w, scratch);
	return n;
}

/* ---- transactions ---- */

static struct htx *tx_get(struct hstream *s)
{
	struct http_thread *ht = thread_of(s->w);
	struct htx *tx = ht->free_tx;

	if (tx)
		ht->free_tx = tx->next_free;
	else
		tx = xmalloc(sizeof(*tx));
	/* the header arrays are filled by the parser: only the messages
	 * themselves start from zero */
	memset(&tx->reqm, 0, sizeof(tx->reqm));
	memset(&tx->rspm, 0, sizeof(tx->rspm));
	http_txn_reset(&tx->txn);
	memset(&tx->req_chunk, 0, sizeof(*tx) - offsetof(struct htx, req_chunk));
	tx->reqm.hdrs = tx->reqh;
	tx->reqm.maxhdr = MIN(s->w->conf->global.maxhdr, HTTP_MAX_HDRS);
	tx->rspm.hdrs = tx->rsph;
	tx->rspm.maxhdr = MIN(s->w->conf->global.maxhdr, HTTP_MAX_HDRS);
	tx->txn.src = (struct sockaddr *)&s->ci->src;
	tx->txn.dst = (struct sockaddr *)&s->ci->dst;
	tx->txn.ssl = ssl_sock_of_fd(s->cli_io.fd);
	tx->txn.fe = s->fe;
	tx->t_start = ev_now_ms(s->w->loop);
	if (s->ci) {
		tx->txn.conn_sc_table = s->ci->sc_table;
		tx->txn.conn_sc_entry = s->ci->sc_entry;
	}
	tx->status = -1;
	tx->t_connect = tx->t_rsp = tx->t_queue = 0;
	strcpy(tx->term, "----");
	strcpy(tx->request_line, "<BADREQ>");
	return tx;
}

static void tx_put(struct hstream *s)
{
	struct http_thread *ht = thread_of(s->w);

	if (!s->tx)
		return;
	/* releases what the rules tracked (stick counters) */
	http_rules_txn_end(&s->tx->txn);
	/* an unfinished stored object is dropped */
	cache_store_end(s->tx->cst, false);
	s->tx->cst = NULL;
	cache_req_free(s->tx->creq);
	s->tx->creq = NULL;
	comp_free(s->tx->comp);
	s->tx->comp = NULL;
	s->tx->next_free = ht->free_tx;
	ht->free_tx = s->tx;
	s->tx = NULL;
}

/* ---- server connections ---- */

static void srv_event(struct ev_loop *loop, struct ev_io *io, uint32_t ev);
static void idle_event(struct ev_loop *loop, struct ev_io *io, uint32_t ev);

static void sc_close(struct srvconn *sc)
{
	ev_io_close(sc->w->loop, &sc->io, xprt_close);
	free(sc);
}

static void idle_remove(struct http_thread *ht, struct srvconn *sc)
{
	if (sc->prev)
		sc->prev->next = sc->next;
	else
		ht->idle = sc->next;
	if (sc->next)
		sc->next->prev = sc->prev;
	sc->prev = sc->next = NULL;
	ht->nidle--;
	atomic_fetch_sub_explicit(&sc->srv->idle_conns, 1, memory_order_relaxed);
}

/* An idle connection has something to say: the server closed it (or
 * talks out of turn). Either way it cannot be reused. */
static void idle_event(struct ev_loop *loop, struct ev_io *io, uint32_t ev)
{
	struct srvconn *sc = io->data;

	if (!(ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)))
		return;   /* only "writable", a late edge from its last use */
	idle_remove(thread_of(sc->w), sc);
	sc_close(sc);
}

static void idle_put(struct hstream *s, struct srvconn *sc)
{
	struct http_thread *ht = thread_of(s->w);
	int cap = IDLE_PER_SERVER_MAX * (s->w->conf->rt.nbthread > 0 ? s->w->conf->rt.nbthread : 1);

	/* a count kept for the server: walking the pool to count its
	 * connections was a visible share of a keep-alive exchange */
	if (atomic_fetch_add_explicit(&sc->srv->idle_conns, 1, memory_order_relaxed) >= cap) {
		atomic_fetch_sub_explicit(&sc->srv->idle_conns, 1, memory_order_relaxed);
		sc_close(sc);
		return;
	}
	sc->io.cb = idle_event;
	sc->io.data = sc;
	sc->idle_since = ev_now_ms(s->w->loop);
	if (!ev_timer_active(&ht->purge))
		ev_timer_start(s->w->loop, &ht->purge, IDLE_PURGE_MS);
	sc->prev = NULL;
	sc->next = ht->idle;
	if (ht->idle)
		ht->idle->prev = sc;
	ht->idle = sc;
	ht->nidle++;
}

static struct srvconn *idle_take(struct hstream *s, struct server *srv)
{
	struct http_thread *ht = thread_of(s->w);

	for (struct srvconn *sc = ht->idle; sc; sc = sc->next) {
		if (sc->srv != srv)
			continue;
		idle_remove(ht, sc);
		return sc;
	}
	return NULL;
}

/* The pool is newest first: close from the oldest end while too old. */
static void idle_purge(struct ev_loop *loop, struct ev_timer *t)
{
	struct worker *w = t->data;
	struct http_thread *ht = thread_of(w);
	uint64_t now = ev_now_ms(loop), next = 0;
	struct srvconn *sc = ht->idle, *prev;

	while (sc && sc->next)
		sc = sc->next;
	for (; sc; sc = prev) {
		prev = sc->prev;
		if (sc->idle_since + IDLE_PURGE_MS > now) {
			next = sc->idle_since + IDLE_PURGE_MS - now;
			break;
		}
		idle_remove(ht, sc);
		sc_close(sc);
	}
	if (ht->idle)
		ev_timer_start(loop, t, next ? next : IDLE_PURGE_MS);
}

void http_idle_flush(struct worker *w)
{
	struct http_thread *ht = thread_of(w);

	ev_timer_stop(w->loop, &ht->purge);
	while (ht->idle) {
		struct srvconn *sc = ht->idle;

		idle_remove(ht, sc);
		sc_close(sc);
	}
}

/* Private connections, as HAProxy's: one that carries this client's
 * address in a PROXY header, any under `http-reuse never`, and one the
 * server authenticated (NTLM, Negotiate: the authentication belongs to
 * the TCP connection). Never in the shared pool; the client's stream
 * keeps up to the frontend's `max-session-srv-conns` of them between
 * requests and closes them when it closes. */
static void own_unlink(struct hstream *s, struct srvconn *sc)
{
	for (struct srvconn **pp = &s->own; *pp; pp = &(*pp)->next) {
		if (*pp == sc) {
			*pp = sc->next;
			sc->next = NULL;
			s->nown--;
			return;
		}
	}
}

static void own_event(struct ev_loop *loop, struct ev_io *io, uint32_t ev)
{
	struct srvconn *sc = io->data;

	if (!(ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)))
		return;   /* only "writable", a late edge from its last use */
	own_unlink(sc->owner, sc);
	sc_close(sc);
}

static void own_keep(struct hstream *s, struct srvconn *sc)
{
	/* at the limit the ones kept stay and this one goes, as in HAProxy */
	if (s->nown >= s->fe->max_session_srv_conns) {
		sc_close(sc);
		return;
	}
	sc->io.cb = own_event;
	sc->io.data = sc;
	sc->owner = s;
	sc->next = s->own;
	s->own = sc;
	s->nown++;
}

/* Take the client's private connection to srv, if it keeps one. */
static struct srvconn *own_take(struct hstream *s, const struct server *srv)
{
	for (struct srvconn *sc = s->own; sc; sc = sc->next) {
		if (sc->srv == srv) {
			own_unlink(s, sc);
			return sc;
		}
	}
	return NULL;
}

/* Close the client's private connections to srv (NULL: all of them). */
static void own_close(struct hstream *s, const struct server *srv)
{
	struct srvconn *sc = s->own, *next;

	for (; sc; sc = next) {
		next = sc->next;
		if (!srv || sc->srv == srv) {
			own_unlink(s, sc);
			sc_close(sc);
		}
	}
}

/* Detach the stream's server connection: kept if it may be reused (by
 * this client alone if private, else in the pool), closed otherwise.
 * Gives the server slot back. */
static void srv_release(struct hstream *s, bool keep)
{
	struct srvconn *sc = s->sc;
	struct proxy *be = s->be;

	if (!sc)
		return;
	s->sc = NULL;
	pthread_mutex_lock(&be->lock);
	atomic_fetch_sub(&sc->srv->cur_sess, 1);
	pthread_mutex_unlock(&be->lock);
	if (be->queue_len > 0)
		queue_process(be);
	if (!keep || !sc->connected || sc->hup)
		sc_close(sc);
	else if (sc->priv)
		own_keep(s, sc);
	else
		idle_put(s, sc);
}

/* ---- replies from the proxy itself ---- */

static const struct comp_cfg *comp_cfg_of(const struct hstream *s);

static bool has_after_rules(const struct hstream *s)
{
	return http_has_after_rules(s->fe) || (s->be && s->be != s->fe && http_has_after_rules(s->be));
}

/* http-after-response rules on a response the proxy wrote itself: it is
 * parsed back into the transaction, rewritten, and written again. Returns
 * false when it cannot be (then it goes out as it was). */
static bool rewrite_own_reply(struct hstream *s, const struct strbuf *raw, bool compress)
{
	struct htx *tx = s->tx;
	const struct comp_cfg *cfg = comp_cfg_of(s);
	bool head_req = tx->txn.req.meth.len == 4 && memcmp(tx->txn.req.meth.p, "HEAD", 4) == 0;
	struct comp_stream *cs = NULL;
	enum comp_algo algo;
	enum h1_error err;
	size_t pos;
	ssize_t n;

	if (h1_parse_response(raw->s, raw->len, raw->len + 1, false, false, &tx->rspm, &err, &pos) != 1 ||
	    http_txn_load(&tx->txn, HTTP_RSP, raw->s, &tx->rspm) < 0)
		return false;
	/* a cache hit is compressed as the server's response would have been */
	if (compress && (algo = comp_select(cfg, &tx->txn)) != COMP_NONE &&
	    comp_response_ok(cfg, &tx->txn, head_req) && !(cs = comp_start(algo, &tx->txn)))
		return false;
	if (s->be && s->be != s->fe)
		http_after_rules_run(s->be, &tx->txn);
	http_after_rules_run(s->fe, &tx->txn);
	n = emit_head(s, &s->rsp.out, &tx->txn.rsp, false);
	if (n < 0) {
		comp_free(cs);
		return false;
	}
	if (cs) {
		uint64_t in, out;

		comp_feed(cs, raw->s + tx->rspm.head_len, raw->len - tx->rspm.head_len, &s->rsp.out);
		comp_finish(cs, &s->rsp.out);
		comp_stats(cs, &in, &out);
		comp_free(cs);
		atomic_fetch_add(&s->fe->cnt.comp_rsp, 1);
		atomic_fetch_add(&s->fe->cnt.comp_in, in);
		atomic_fetch_add(&s->fe->cnt.comp_out, out);
		return true;
	}
	sb_append(&s->rsp.out, raw->s + tx->rspm.head_len, raw->len - tx->rspm.head_len);
	return true;
}

/* The request asked to close by itself (Connection: close, or HTTP/1.0
 * without keep-alive), not because of framing the proxy distrusts. */
static bool client_said_last(unsigned flags)
{
	return (flags & (H1_F_CONN_CLOSE | H1_F_DROP_CL | H1_F_TE_10)) == H1_F_CONN_CLOSE;
}

static void send_reply(struct hstream *s, const struct http_reply *r)
{
	bool compress = r->from_cache && !r->head_only && comp_cfg_of(s);

	if (s->tx && !s->tx->rsp_head && (has_after_rules(s) || compress)) {
		struct strbuf raw = STRBUF_INIT;
		size_t before = s->rsp.out.len;

		http_reply_serialize(r, &raw);
		if (!rewrite_own_reply(s, &raw, compress)) {
			s->rsp.out.len = before;
			sb_append(&s->rsp.out, raw.s, raw.len);
		}
		sb_free(&raw);
	} else {
		http_reply_serialize(r, &s->rsp.out);
	}
	if (s->tx) {
		s->tx->status = r->status;
		s->tx->bytes_out += s->rsp.out.len;
	}
}

/* Answer with an error page and close once it is sent. */
static void reply_error(struct hstream *s, int status, const char *term)
{
	struct http_reply r;

	http_reply_init(&r);
	http_reply_error(http_error_proxy(s->be, s->fe, status), status, s->tx ? &s->tx->txn : NULL, &r);
	if (s->tx) {
		/* Anything generated or forwarded so far for this exchange is
		 * dropped: the error replaces it. */
		if (!s->tx->rsp_head) {
			sb_reset(&s->rsp.out);
			s->rsp.oh = 0;
		}
		memcpy(s->tx->term, term, 2);
	}
	send_reply(s, &r);
	http_reply_free(&r);
	if (status >= 400 && status < 500)
		atomic_fetch_add(&s->fe->cnt.failed_req, status == 400 || status == 408);
	atomic_fetch_add(&s->fe->cnt.http_rsp[PX_HRSP_IDX(status)], 1);
	s->st = HS_CLOSING;
	if (s->tx)
		s->tx->rsp_done = s->tx->req_done = true;
	srv_release(s, false);
}

/* ---- logging ---- */

/* Once an exchange is over its heads are no longer in the buffers (they
 * were consumed, and the buffers may hold the next request): what the log
 * line may read of them (the method, for %[method]) points at the copy of
 * the request line instead, and the header arrays are emptied. */
static void txn_detach_heads(struct htx *tx)
{
	struct http_head *req = &tx->txn.req;
	const char *l = tx->request_line, *sp = strchr(l, ' ');

	req->meth.p = l;
	req->meth.len = sp ? (size_t)(sp - l) : strlen(l);
	req->uri.p = req->vsn.p = "";
	req->uri.len = req->vsn.len = 0;
	req->nhdrs = 0;
	tx->txn.rsp.nhdrs = 0;
	tx->txn.rsp.reason.p = "";
	tx->txn.rsp.reason.len = 0;
}

static void log_txn(struct hstream *s)
{
	struct htx *tx = s->tx;
	struct http_log_info info;
	struct strbuf line = STRBUF_INIT;
	uint64_t now = ev_now_ms(s->w->loop);

	if (!tx || s->fe->nlogs == 0)
		return;
	if ((s->fe->options & PXO_DONTLOGNULL) && !tx->head_seen && tx->bytes_out == 0)
		return;
	memset(&info, 0, sizeof(info));
	info.src = (struct sockaddr *)&s->ci->src;
	info.accept_date = s->accept_date;
	info.fe = s->fe->id;
	info.be = s->be ? s->be->id : s->fe->id;
	info.srv = tx->txn.srv ? tx->txn.srv->id : "<NOSRV>";
	info.tr = tx->t_head ? (long)(tx->t_head - tx->t_start) : -1;
	info.tw = tx->t_queue ? (long)(tx->t_queue - tx->t_head) : (tx->t_connect ? 0 : -1);
	info.tc = tx->t_connect && tx->t_queue ? (long)(tx->t_connect - tx->t_queue) : -1;
	info.trs = tx->t_rsp && tx->t_connect ? (long)(tx->t_rsp - tx->t_connect) : -1;
	info.ta = (long)(now - tx->t_start);
	info.status = tx->status;
	info.bytes_read = tx->bytes_out;
	memcpy(info.term, tx->term, sizeof(info.term));
	info.actconn = atomic_load(&s->w->conf->rt.cur_conn);
	info.feconn = atomic_load(&s->fe->cur_conn);
	info.beconn = s->be ? atomic_load(&s->be->cur_sess) : 0;
	info.srvconn = tx->txn.srv ? atomic_load(&tx->txn.srv->cur_sess) : 0;
	info.retries = tx->retries;
	info.request_line = tx->request_line;
	info.txn = tx->head_seen ? &tx->txn : NULL;
	if (tx->head_seen)
		txn_detach_heads(tx);
	http_log_format(s->fe, &info, &line);
	for (int i = 0; i < s->fe->nlogs; i++)
		log_send(s->fe->logs[i], LOG_LVL_INFO, sb_str(&line));
	sb_free(&line);
}

/* ---- connecting ---- */

static int set_nodelay(int fd)
{
	int one = 1;

	return setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static void srv_connected(struct hstream *s)
{
	s->sc->connected = true;
	s->tx->t_connect = ev_now_ms(s->w->loop);
	s->st = HS_FORWARD;
	s->srv_last = s->tx->t_connect;
}

static void connect_failed(struct hstream *s, bool timeout);

/* A new connection to a send-proxy server starts with the PROXY header:
 * put at the front of the request's output (the head, kept for a retry),
 * or taken off again when a retry goes to a server without it or to a
 * connection that had it (srv NULL). */
static void set_proxy_hdr(struct hstream *s, const struct server *srv)
{
	struct strbuf *o = &s->req.out, with = STRBUF_INIT;
	char hdr[PROXY_HDR_OUT];
	int n;

	if (s->proxy_hdr_len) {
		memmove(o->s, o->s + s->proxy_hdr_len, o->len - s->proxy_hdr_len + 1);
		o->len -= s->proxy_hdr_len;
		s->proxy_hdr_len = 0;
	}
	/* over TLS it goes before the handshake (srv_connect()) */
	if (!srv || (!srv->send_proxy && !srv->send_proxy_v2) || (srv->ssl && srv->ssl->ssl))
		return;
	n = send_proxy_for_server(hdr, srv, s->tx->txn.ssl, (struct sockaddr *)&s->ci->src,
				  (struct sockaddr *)&s->ci->dst);
	sb_append(&with, hdr, (size_t)n);
	sb_append(&with, o->s ? o->s : "", o->len);
	sb_free(o);
	*o = with;
	s->proxy_hdr_len = (size_t)n;
}

/* Open (or reuse) a connection to srv, already counted in srv->cur_sess. */
static void srv_connect(struct hstream *s, struct server *srv)
{
	struct srvconn *sc = NULL;
	struct sockaddr_storage dst;
	socklen_t dlen;
	int fd;
	enum http_reuse reuse = s->be->http.reuse;

	s->tx->txn.srv = srv;
	s->st = HS_CONNECTING;
	s->req.oh = 0;   /* a new connection gets the whole head */
	s->rsp.shut_rd = false;
	if (!s->tx->t_queue)
		s->tx->t_queue = ev_now_ms(s->w->loop);
	/* This client's own connection first; then, with http-reuse safe,
	 * the first request of a connection gets a fresh server connection,
	 * later ones may take an idle one. */
	sc = own_take(s, srv);
	if (!sc && (reuse == HTTP_REUSE_ALWAYS || reuse == HTTP_REUSE_AGGRESSIVE ||
		    (reuse == HTTP_REUSE_SAFE && s->ntxn > 1)))
		sc = idle_take(s, srv);
	set_proxy_hdr(s, sc ? NULL : srv);
	if (sc) {
		sc->reused = true;
		sc->io.cb = srv_event;
		sc->io.data = s;
		s->sc = sc;
		srv_connected(s);
		/* Its read side is as its last read left it: anything the
		 * server sent since came as an event (to idle_event(), which
		 * closes it, or to its last stream). */
		s->sc->wr = true;
		return;
	}
	dlen = server_target(srv, &s->ci->dst, &dst);
	sc = xcalloc(1, sizeof(*sc));
	sc->w = s->w;
	sc->srv = srv;
	/* a PROXY header carries this client's address: no other client's,
	 * nor a later request's on a fresh connection without it */
	sc->priv = reuse == HTTP_REUSE_NEVER || srv->send_proxy || srv->send_proxy_v2;
	ev_io_init(&sc->io, srv_event, s);
	s->sc = sc;
	fd = socket(dst.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	if (dst.ss_family != AF_UNIX)
		set_nodelay(fd);
	if ((connect(fd, (struct sockaddr *)&dst, dlen) < 0 && errno != EINPROGRESS) ||
	    (srv->ssl && srv->ssl->ssl &&
	     ssl_sock_attach_server(fd, srv, &s->tx->txn, s->cli_io.fd, (struct sockaddr *)&s->ci->src,
				    (struct sockaddr *)&s->ci->dst) < 0) ||
	    ev_io_start(s->w->loop, &sc->io, fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET) < 0) {
		xprt_close(fd);
		goto fail;
	}
	s->tx->t_connect = 0;
	return;
fail:
	connect_failed(s, false);
}

/* Choose a server for the current request and connect. */
/* A session for backend and server: totals and sessions per second. */
static void count_be_sess(struct hstream *s, struct server *srv)
{
	uint64_t now = ev_now_ms(s->w->loop);

	atomic_fetch_add(&srv->cnt.cum_sess, 1);
	atomic_fetch_add(&s->be->cnt.cum_sess, 1);
	freq_ctr_hit(&srv->cnt.sess_rate, &srv->cnt.sps_max, now);
	freq_ctr_hit(&s->be->cnt.be_sess_rate, &s->be->cnt.be_sps_max, now);
}

/* The server of the client's own connection comes before balancing
 * after an NTLM challenge or with `option prefer-last-server`, unless a
 * hash decides (it would choose the same server anyway, or on purpose
 * another one), as in HAProxy. */
static bool prefers_last_server(const struct hstream *s)
{
	enum lb_algo lb = s->be->lb;

	if (lb == LB_SOURCE || lb == LB_URI || lb == LB_URL_PARAM || lb == LB_HDR)
		return false;
	return s->prefer_last || (s->be->options & PXO_PREFER_LAST);
}

static void assign_server(struct hstream *s, const struct server *avoid)
{
	struct server *srv = NULL;
	enum lb_result r;

	pthread_mutex_lock(&s->be->lock);
	if (!avoid) {
		srv = s->tx->cookie_srv;
		if (srv && (srv->maxconn == 0 || atomic_load(&srv->cur_sess) < srv->maxconn)) {
			atomic_fetch_add(&srv->cur_sess, 1);
			s->tx->from_cookie = true;
		} else {
			srv = NULL;
		}
	}
	if (!avoid && !srv && s->own && prefers_last_server(s)) {
		for (struct srvconn *sc = s->own; sc && !srv; sc = sc->next) {
			if (server_is_usable(sc->srv) &&
			    (sc->srv->maxconn == 0 || atomic_load(&sc->srv->cur_sess) < sc->srv->maxconn)) {
				srv = sc->srv;
				atomic_fetch_add(&srv->cur_sess, 1);
			}
		}
	}
	/* queued requests go first: a newcomer may not jump the queue */
	if (srv)
		r = LB_OK;
	else if (!avoid && s->be->queue_len > 0)
		r = LB_FULL;
	else
		r = lb_choose_http(s->be, &s->tx->txn, avoid, &srv);
	if (r == LB_FULL) {
		s->pc.txn = &s->tx->txn;
		s->st = HS_QUEUED;
		queue_add(s->be, &s->pc, ev_now_ms(s->w->loop));
	}
	pthread_mutex_unlock(&s->be->lock);
	if (r == LB_FULL)
		return;
	if (r != LB_OK) {
		reply_error(s, 503, "SC");
		return;
	}
	count_be_sess(s, srv);
	srv_connect(s, srv);
}

/* A queued request got its server (on its own thread). */
static void hs_on_dequeued(struct pendconn *pc)
{
	struct hstream *s = (struct hstream *)((char *)pc - offsetof(struct hstream, pc));
	struct server *srv = pc->srv;

	if (pc->close_pending) {
		/* the client left meanwhile: give the slot back */
		pthread_mutex_lock(&s->be->lock);
		atomic_fetch_sub(&srv->cur_sess, 1);
		pthread_mutex_unlock(&s->be->lock);
		queue_process(s->be);
		s->st = HS_IDLE;
		hs_close(s);
		return;
	}
	count_be_sess(s, srv);
	srv_connect(s, srv);
	hs_process(s);
	if (s->cli_io.fd >= 0)
		arm_timer(s);
}

static void connect_failed(struct hstream *s, bool timeout)
{
	struct server *old = s->sc ? s->sc->srv : s->tx->txn.srv;
	bool reused = s->sc && s->sc->reused;

	srv_release(s, false);
	atomic_fetch_add(&old->cnt.failed_conns, 1);
	atomic_fetch_add(&s->be->cnt.failed_conns, 1);
	if (s->tx->retries >= s->be->retries && !reused) {
		reply_error(s, timeout ? 504 : 503, timeout ? "sC" : "SC");
		return;
	}
	if (!reused)
		s->tx->retries++;
	atomic_fetch_add(&old->cnt.retries, 1);
	/* Redispatch on the last retry, as HAProxy's default interval. */
	if ((s->be->options & PXO_REDISPATCH) && s->tx->retries >= s->be->retries) {
		atomic_fetch_add(&s->be->cnt.redispatches, 1);
		assign_server(s, old);
		return;
	}
	pthread_mutex_lock(&s->be->lock);
	atomic_fetch_add(&old->cur_sess, 1);
	pthread_mutex_unlock(&s->be->lock);
	srv_connect(s, old);
}

/* ---- request ---- */

static void copy_request_line(struct htx *tx)
{
	const struct http_head *h = &tx->txn.req;

	snprintf(tx->request_line, sizeof(tx->request_line), "%.*s %.*s %.*s",
		 (int)h->meth.len, h->meth.p, (int)h->uri.len, h->uri.p, (int)h->vsn.len, h->vsn.p);
}

/* Apply a rules verdict; true when the request goes on to a server. */
static bool apply_verdict(struct hstream *s, struct proxy *px, enum http_verdict v, struct http_reply *r)
{
	struct strbuf body = STRBUF_INIT;
	const char *ctype = "text/html";
	int status = 200;

	switch (v) {
	case HTTP_V_CONTINUE:
		return true;
	case HTTP_V_STATS: {
		const struct http_head *req = &s->tx->txn.req;
		bool admin = http_stats_admin(px, &s->tx->txn);

		if (req->meth.len == 4 && memcmp(req->meth.p, "POST", 4) == 0) {
			/* the admin form; its body is in the buffer (see
			 * body_buffered()) right after the head */
			const struct h1_msg *m = &s->tx->reqm;
			size_t have = in_len(&s->req) - m->head_len;
			int st = STATS_ST_DENY;

			if (admin && m->body == H1_BODY_LENGTH && have >= m->content_length)
				st = stats_http_admin(s->w->conf, s->req.in + s->req.ih + m->head_len,
						      (size_t)m->content_length, &body);
			else if (admin)
				st = STATS_ST_EXCD;
			sb_reset(&body);
			r->status = 303;
			sb_appendf(&r->head_extra, "Location: %.*s;st=%s\r\n",
				   (int)http_req_path(req).len, http_req_path(req).p, stats_admin_st_name(st));
			/* the form's body was read: it is part of this request */
			if (m->body == H1_BODY_LENGTH && have >= m->content_length) {
				in_consume(s->w, &s->req, m->head_len + (size_t)m->content_length);
				s->tx->reqm.head_len = 0;
				s->tx->req_body = H1_BODY_NONE;
			}
			break;
		}
		stats_http_page(s->w->conf, px, req->uri.p, req->uri.len, admin, &body, &ctype, &status);
		r->status = status;
		r->content_type = ctype;
		sb_append(&r->body, sb_str(&body), body.len);
		break;
	}
	case HTTP_V_REJECT:
	case HTTP_V_SILENT_DROP: {
		int fd = s->cli_io.fd;

		if (v == HTTP_V_REJECT) {
			/* a reset, as HAProxy kills the connection */
			struct linger nolinger = { .l_onoff = 1, .l_linger = 0 };

			shutdown(fd, SHUT_WR);
			setsockopt(fd, SOL_SOCKET, SO_LINGER, &nolinger, sizeof(nolinger));
		} else {
			session_silence(fd);
		}
		memcpy(s->tx->term, "PR--", 4);
		s->kill = true;
		sb_free(&body);
		return false;
	}
	case HTTP_V_PROMETHEUS:
		prom_export(s->w->conf, &body);
		r->status = 200;
		r->content_type = "text/plain; version=0.0.4";
		sb_append(&r->body, sb_str(&body), body.len);
		break;
	default:
		break;
	}
	sb_free(&body);
	atomic_fetch_add(&s->fe->cnt.intercepted, 1);
	atomic_fetch_add(&s->fe->cnt.http_rsp[PX_HRSP_IDX(r->status)], 1);
	send_reply(s, r);
	/* An unread request body cannot be skipped safely: close after. */
	if (r->close || s->tx->req_body != H1_BODY_NONE || s->tx->close_after) {
		s->last_req = s->tx->req_body == H1_BODY_NONE && client_said_last(s->tx->reqm.flags);
		s->st = HS_CLOSING;
	}
	else
		s->st = HS_REPLY;
	s->tx->req_done = true;
	s->tx->rsp_done = true;
	s->tx->rsp_head = true;
	return false;
}

/* `compression` of the backend if it has algorithms, else the
 * frontend's, as HAProxy picks them. */
static const struct comp_cfg *comp_cfg_of(const struct hstream *s)
{
	const struct comp_cfg *be = s->be ? http_comp_cfg(s->be) : NULL;

	return be ? be : http_comp_cfg(s->fe);
}

static bool client_wants_close(const struct hstream *s, const struct h1_msg *m)
{
	if (m->flags & (H1_F_CONN_CLOSE | H1_F_DROP_CL | H1_F_TE_10))
		return true;
	return s->fe->http.conn_mode == HTTP_CLO || (s->be && s->be->http.conn_mode == HTTP_CLO);
}

static void on_request(struct hstream *s)
{
	struct htx *tx = s->tx;
	struct http_reply r;
	enum http_verdict v;
	struct proxy *be;
	ssize_t n;

	tx->t_head = ev_now_ms(s->w->loop);
	tx->head_seen = true;
	atomic_fetch_add(&s->fe->cnt.http_reqs, 1);
	freq_ctr_hit(&s->fe->cnt.req_rate, &s->fe->cnt.rps_max, tx->t_head);
	if (http_txn_load(&tx->txn, HTTP_REQ, s->req.in + s->req.ih, &tx->reqm) < 0) {
		reply_error(s, 400, "PR");
		return;
	}
	copy_request_line(tx);
	tx->req_body = tx->reqm.body;
	tx->req_left = tx->reqm.content_length;
	h1_chunk_init(&tx->req_chunk);
	tx->close_after = client_wants_close(s, &tx->reqm) || s->soft_stop;
	if (tx->reqm.flags & H1_F_DROP_CL)
		http_hdr_del(&tx->txn.req, "Content-Length");

	http_reply_init(&r);
	v = http_req_rules_run(s->fe, &tx->txn, &r);
	if (!apply_verdict(s, s->fe, v, &r))
		goto consumed;
	be = http_select_backend(s->fe, &tx->txn);
	if (!be && (s->fe->cap & PX_CAP_BE))
		be = s->fe;
	if (!be) {
		http_reply_free(&r);
		reply_error(s, 503, "SC");
		goto consumed_err;
	}
	if (s->be != be) {
		if (s->be)
			atomic_fetch_sub(&s->be->cur_sess, 1);
		atomic_fetch_add(&be->cur_sess, 1);
		s->be = be;
	}
	tx->txn.be = be;
	if (be != s->fe) {
		v = http_req_rules_run(be, &tx->txn, &r);
		if (!apply_verdict(s, be, v, &r))
			goto consumed;
		atomic_fetch_add(&be->cnt.http_reqs, 1);
	}
	tx->comp_algo = comp_select(comp_cfg_of(s), &tx->txn);
	if (http_may_cache_store(s->fe) || (be != s->fe && http_may_cache_store(be)))
		tx->creq = cache_req_new(&tx->txn);
	http_add_forwardfor(s->fe, &tx->txn);
	if (be != s->fe && !s->fe->http.forwardfor)
		http_add_forwardfor(be, &tx->txn);
	if (be->http.conn_mode != HTTP_KAL || s->fe->http.conn_mode != HTTP_KAL)
		http_hdr_set(&tx->txn, &tx->txn.req, "Connection", "close", 5);
	/* before the head is written: an indirect cookie is removed from it */
	tx->cookie_srv = http_cookie_server(be, &tx->txn);

	/* The rewritten head goes to the request's output buffer. */
	n = emit_head(s, &s->req.out, &tx->txn.req, true);
	if (n < 0) {
		http_reply_free(&r);
		reply_error(s, 500, "PR");
		goto consumed_err;
	}
	http_reply_free(&r);
	in_consume(s->w, &s->req, tx->reqm.head_len);
	assign_server(s, NULL);
	return;
consumed:
	http_reply_free(&r);
consumed_err:
	if (s->req.in)
		in_consume(s->w, &s->req, MIN(tx->reqm.head_len, in_len(&s->req)));
}

/* Mark newly received body bytes of one direction forwardable. Returns
 * false on a framing error. */
static void rsp_filter(struct hstream *s);
static bool body_advance(struct hdir *d, enum h1_body kind, uint64_t *left,
			 struct h1_chunk_state *cs, bool *done)
{
	size_t avail = in_len(d) - (size_t)d->fwd;
	enum h1_error err;
	ssize_t n;

	if (*done)
		return true;
	switch (kind) {
	case H1_BODY_NONE:
		*done = true;
		return true;
	case H1_BODY_LENGTH: {
		uint64_t take = MIN((uint64_t)avail, *left);

		d->fwd += take;
		*left -= take;
		*done = *left == 0;
		return true;
	}
	case H1_BODY_CHUNKED:
		if (!avail)
			return true;
		n = h1_chunk_feed(cs, d->in + d->ih + d->fwd, avail, done, &err);
		if (n < 0)
			return false;
		d->fwd += (uint64_t)n;
		return true;
	case H1_BODY_CLOSE:
		d->fwd += avail;
		*done = d->shut_rd;
		return true;
	}
	return true;
}

/* ---- response ---- */

/* A 401 or 407 asking for NTLM or Negotiate (SPNEGO): those schemes
 * authenticate the TCP connection, not the request, so it must stay
 * with this client and its next requests go to the same server. Only
 * the start of each challenge is looked at, as HAProxy does ("NTLM",
 * "Nego" for Negotiate and Nego2). */
static bool authenticates_connection(const struct htx *tx)
{
	const char *name = tx->status == 401 ? "WWW-Authenticate" :
			   tx->status == 407 ? "Proxy-Authenticate" : NULL;
	int i = -1;

	if (!name)
		return false;
	while ((i = http_hdr_find(&tx->txn.rsp, name, i + 1)) >= 0) {
		const struct http_str *v = &tx->txn.rsp.hdrs[i].value;

		if (v->len >= 4 && (strncasecmp(v->p, "NTLM", 4) == 0 || strncasecmp(v->p, "Nego", 4) == 0))
			return true;
	}
	return false;
}

static void on_response(struct hstream *s)
{
	struct htx *tx = s->tx;
	bool head_req = tx->txn.req.meth.len == 4 && memcmp(tx->txn.req.meth.p, "HEAD", 4) == 0;
	ssize_t n;

	if (http_txn_load(&tx->txn, HTTP_RSP, s->rsp.in + s->rsp.ih, &tx->rspm) < 0) {
		atomic_fetch_add(&s->be->cnt.failed_resp, 1);
		reply_error(s, 502, "PH");
		return;
	}
	tx->status = tx->rspm.status;
	if (!http_rsp_rules_run(s->be, &tx->txn) ||
	    (s->be != s->fe && !http_rsp_rules_run(s->fe, &tx->txn))) {
		atomic_fetch_add(&s->be->cnt.denied_resp, 1);
		in_consume(s->w, &s->rsp, tx->rspm.head_len);
		reply_error(s, 502, "PH");
		return;
	}
	/* the object as the response rules left it (not what
	 * http-after-response and compression make of it) */
	if (tx->txn.cache_store && !head_req)
		tx->cst = cache_store_begin(tx->txn.cache_store, tx->creq, &tx->txn,
					    ev_now_ms(s->w->loop) / 1000);
	if (tx->status >= 200)
		http_cookie_response(s->be, &tx->txn, tx->from_cookie);
	if (tx->status >= 200 && has_after_rules(s) &&
	    (!http_after_rules_run(s->be, &tx->txn) ||
	     (s->be != s->fe && !http_after_rules_run(s->fe, &tx->txn)))) {
		in_consume(s->w, &s->rsp, tx->rspm.head_len);
		reply_error(s, 500, "PH");
		return;
	}
	tx->rsp_body = head_req ? H1_BODY_NONE : tx->rspm.body;
	tx->rsp_left = tx->rspm.content_length;
	h1_chunk_init(&tx->rsp_chunk);
	if (tx->comp_algo != COMP_NONE && tx->rsp_body != H1_BODY_NONE &&
	    comp_response_ok(comp_cfg_of(s), &tx->txn, head_req)) {
		tx->comp = comp_start(tx->comp_algo, &tx->txn);
		if (!tx->comp) {
			in_consume(s->w, &s->rsp, tx->rspm.head_len);
			reply_error(s, 500, "PH");
			return;
		}
		atomic_fetch_add(&s->fe->cnt.comp_rsp, 1);
		if (s->be != s->fe)
			atomic_fetch_add(&s->be->cnt.comp_rsp, 1);
	}
	if (tx->cst && tx->rsp_body == H1_BODY_NONE) {
		cache_store_end(tx->cst, true);
		tx->cst = NULL;
	}
	tx->filt = tx->comp || tx->cst;
	h1_chunk_init(&tx->filt_chunk);
	/* A response delimited by the server's close cannot be followed by
	 * another on the client connection. */
	if (tx->rsp_body == H1_BODY_CLOSE)
		tx->close_after = true;
	tx->srv_keep = s->be->http.conn_mode == HTTP_KAL && s->fe->http.conn_mode == HTTP_KAL &&
		       tx->rsp_body != H1_BODY_CLOSE &&
		       !(tx->rspm.flags & H1_F_CONN_CLOSE) && tx->rspm.minor == 1;
	if (s->sc && authenticates_connection(tx)) {
		s->sc->priv = true;
		s->prefer_last = true;
	}
	if (tx->status >= 200 && tx->close_after) {
		http_hdr_del(&tx->txn.rsp, "Connection");
		http_hdr_add(&tx->txn, &tx->txn.rsp, "Connection", "close", 5);
	} else if (tx->status >= 200 && tx->reqm.minor == 0) {
		/* an HTTP/1.0 client keeps the connection only if told so */
		http_hdr_set(&tx->txn, &tx->txn.rsp, "Connection", "keep-alive", 10);
	}
	n = emit_head(s, &s->rsp.out, &tx->txn.rsp, false);
	if (n < 0) {
		in_consume(s->w, &s->rsp, tx->rspm.head_len);
		reply_error(s, 502, "PH");
		return;
	}
	in_consume(s->w, &s->rsp, tx->rspm.head_len);
	if (tx->status < 200 && tx->status != 101)
		return;   /* interim (100 Continue): the final response follows */
	tx->rsp_head = true;
	tx->t_rsp = ev_now_ms(s->w->loop);
	atomic_fetch_add(&s->fe->cnt.http_rsp[PX_HRSP_IDX(tx->status)], 1);
	if (s->be != s->fe)
		atomic_fetch_add(&s->be->cnt.http_rsp[PX_HRSP_IDX(tx->status)], 1);
	if (tx->txn.srv)
		atomic_fetch_add(&tx->txn.srv->cnt.http_rsp[PX_HRSP_IDX(tx->status)], 1);
	http_track_response(&tx->txn, tx->status);
	if (tx->status == 101) {
		s->st = HS_TUNNEL;
		tx->close_after = true;
		tx->srv_keep = false;
	}
}

/* ---- response body filters ---- */

/* Payload bytes of the response (no chunk framing). */
static void filter_data(struct hstream *s, const char *p, size_t n)
{
	struct htx *tx = s->tx;

	if (tx->cst)
		cache_store_data(tx->cst, p, n);
	if (tx->comp)
		comp_feed(tx->comp, p, n, &s->rsp.out);
}

/* Body bytes as the server sent them: the payload goes to filter_data(),
 * walking the chunk framing when there is some (its errors were caught
 * by body_advance() on the same bytes). */
static void filter_raw(struct hstream *s, const char *p, size_t n)
{
	struct htx *tx = s->tx;
	enum h1_error err;
	bool done = false;
	size_t i = 0;

	if (tx->rsp_body != H1_BODY_CHUNKED) {
		filter_data(s, p, n);
		return;
	}
	while (i < n && !done) {
		if (h1_chunk_in_data(&tx->filt_chunk)) {
			size_t take = (size_t)MIN((uint64_t)(n - i), tx->filt_chunk.remaining);

			if (h1_chunk_feed(&tx->filt_chunk, p + i, take, &done, &err) < 0)
				return;
			filter_data(s, p + i, take);
			i += take;
		} else {
			ssize_t r = h1_chunk_feed(&tx->filt_chunk, p + i, 1, &done, &err);

			if (r <= 0)
				return;
			i += (size_t)r;
		}
	}
}

/* Take the newly forwardable body bytes: compressed, or copied as they
 * are, to the output (so they stay in order with what the filters
 * write), and finish the filters at the end of the body. */
static void rsp_filter(struct hstream *s)
{
	struct htx *tx = s->tx;
	size_t n = (size_t)s->rsp.fwd;

	if (n) {
		const char *p = s->rsp.in + s->rsp.ih;

		filter_raw(s, p, n);
		if (!tx->comp)
			sb_append(&s->rsp.out, p, n);
		s->rsp.fwd = 0;
		in_consume(s->w, &s->rsp, n);
	}
	if (tx->rsp_done && !tx->filt_done) {
		tx->filt_done = true;
		if (tx->comp) {
			uint64_t in, out;

			comp_finish(tx->comp, &s->rsp.out);
			comp_stats(tx->comp, &in, &out);
			atomic_fetch_add(&s->fe->cnt.comp_in, in);
			atomic_fetch_add(&s->fe->cnt.comp_out, out);
			if (s->be != s->fe) {
				atomic_fetch_add(&s->be->cnt.comp_in, in);
				atomic_fetch_add(&s->be->cnt.comp_out, out);
			}
			comp_free(tx->comp);
			tx->comp = NULL;
		}
		/* a response cut short by the server is not kept */
		cache_store_end(tx->cst, memcmp(tx->term, "SD", 2) != 0);
		tx->cst = NULL;
	}
}

/* The exchange is over: log it, then keep the connections or close. */
static void end_txn(struct hstream *s)
{
	struct htx *tx = s->tx;
	bool whole_req = tx->req_done && !s->req.fwd && !out_pending(&s->req);

	/* A server that answered before the whole request reached it: the
	 * rest of the request cannot be told apart from a next one, so both
	 * connections close. */
	if (!whole_req) {
		tx->close_after = true;
		tx->srv_keep = false;
		if (s->req.fwd)
			in_consume(s->w, &s->req, (size_t)s->req.fwd);
		s->req.fwd = 0;
	}
	sb_reset(&s->req.out);
	s->req.oh = 0;
	s->proxy_hdr_len = 0;
	/* bytes from the server beyond its response: that connection cannot
	 * be trusted with another request */
	if (in_len(&s->rsp)) {
		in_consume(s->w, &s->rsp, in_len(&s->rsp));
		s->rsp.fwd = 0;
		tx->srv_keep = false;
	}
	/* the end of this server connection is not the next one's */
	s->rsp.shut_rd = false;
	bool close_after = tx->close_after;
	unsigned tx_flags = tx->reqm.flags;

	log_txn(s);
	srv_release(s, tx->srv_keep);
	tx_put(s);
	if (close_after) {
		s->last_req = whole_req && client_said_last(tx_flags);
		s->st = HS_CLOSING;
		return;
	}
	s->st = HS_IDLE;
	s->idle_since = ev_now_ms(s->w->loop);
}

/* ---- the state machine ---- */

/* Reads from the client while there is room, always: pipelined requests
 * wait in the buffer, and an EOF is seen early. */
/* After a read of n > 0 bytes: whether it emptied the socket. A read
 * that did not fill the buffer got all the kernel had (xprt_recv() keeps
 * that meaning for TLS), and with edge-triggered events the next bytes
 * bring a new event: no recv() just to hear EAGAIN, which was one system
 * call in three of a keep-alive exchange. After a hang-up was seen the
 * end of the stream is still to be read, and no new event would say so. */
static bool drained(const struct hstream *s, const struct hdir *d, bool hup)
{
	return !hup && d->it < bufsize(s);
}

static bool read_client(struct hstream *s)
{
	ssize_t n;

	if (!s->cli_rd || s->req.shut_rd)
		return false;
	n = dir_recv(s, &s->req, s->cli_io.fd);
	if (n > 0) {
		s->cli_last = ev_now_ms(s->w->loop);
		if (drained(s, &s->req, s->cli_hup))
			s->cli_rd = false;
		return true;
	}
	if (n == 0)
		return true;
	if (n == -EAGAIN) {
		if (in_len(&s->req) < bufsize(s))
			s->cli_rd = false;
		return false;
	}
	s->req.shut_rd = true;   /* error: treated as an abort */
	return true;
}

static bool read_server(struct hstream *s)
{
	ssize_t n;

	if (!s->sc || !s->sc->connected || !s->sc->rd || s->rsp.shut_rd)
		return false;
	n = dir_recv(s, &s->rsp, s->sc->io.fd);
	if (n > 0) {
		s->srv_last = ev_now_ms(s->w->loop);
		if (drained(s, &s->rsp, s->sc->hup))
			s->sc->rd = false;
		return true;
	}
	if (n == -EAGAIN) {
		if (in_len(&s->rsp) < bufsize(s))
			s->sc->rd = false;
		return false;
	}
	if (n < 0)
		s->rsp.shut_rd = true;
	return true;
}

/* Returns true on progress; closes the stream on a write error. */
static bool write_side(struct hstream *s, struct hdir *d, int fd, bool *ready, uint64_t *counted,
		       uint64_t *last, bool *failed)
{
	bool progress = false;

	while (*ready) {
		ssize_t n = dir_send(s, d, fd, counted);

		if (n > 0) {
			progress = true;
			*last = ev_now_ms(s->w->loop);
			/* bytes left after a send: the socket buffer is full,
			 * EPOLLOUT will say when there is room */
			if (out_pending(d) || d->fwd)
				*ready = false;
			continue;
		}
		if (n == -EAGAIN)
			*ready = false;
		else if (n < 0)
			*failed = true;
		break;
	}
	return progress;
}

/* `option http-buffer-request`: wait until the whole body is in the
 * buffer (or the buffer is full) before deciding anything, so that slow
 * uploads do not hold a server connection. Bounded by timeout
 * http-request like the head. */
static bool body_buffered(struct hstream *s)
{
	const struct h1_msg *m = &s->tx->reqm;
	size_t have = in_len(&s->req) - m->head_len;

	/* the stats page's admin form is read whole too */
	bool stats_post = s->fe->http.stats.enabled && m->method.len == 4 &&
			  memcmp(s->req.in + s->req.ih + m->method.off, "POST", 4) == 0;

	if ((!s->fe->http.buffer_request && !stats_post) || m->body == H1_BODY_NONE ||
	    in_len(&s->req) == bufsize(s) || s->req.shut_rd)
		return true;
	if (m->body == H1_BODY_LENGTH)
		return have >= m->content_length;
	if (m->body == H1_BODY_CHUNKED) {
		struct h1_chunk_state cs;
		enum h1_error err;
		bool done = false;

		h1_chunk_init(&cs);
		return h1_chunk_feed(&cs, s->req.in + s->req.ih + m->head_len, have, &done, &err) < 0 || done;
	}
	return true;
}

static bool step_idle(struct hstream *s)
{
	enum h1_error err;
	size_t pos;
	int r;

	if (in_len(&s->req) == 0)
		return false;
	if (!s->tx) {
		s->tx = tx_get(s);
		s->ntxn++;
	}
	r = h1_parse_request(s->req.in + s->req.ih, in_len(&s->req), bufsize(s), &s->tx->reqm, &err, &pos);
	if (r == 0 && in_len(&s->req) < bufsize(s))
		return false;
	if (r <= 0) {
		log_debug("proxy %s: bad request from client: %s at byte %zu", s->fe->id,
			  r == 0 ? h1_strerror(H1_ERR_TOO_LARGE) : h1_strerror(err), pos);
		atomic_fetch_add(&s->fe->cnt.failed_req, 1);
		in_consume(s->w, &s->req, in_len(&s->req));
		reply_error(s, 400, "PR");
		return true;
	}
	if (!body_buffered(s))
		return false;
	on_request(s);
	return true;
}

static void hs_process(struct hstream *s)
{
	bool progress, failed = false;
	int guard = 0;

	do {
		struct htx *tx;

		progress = read_client(s);
		if (s->st == HS_IDLE) {
			progress |= step_idle(s);
			if (s->kill) {
				hs_close(s);
				return;
			}
			/* the client left between requests, or in the middle
			 * of one: nothing to answer */
			if (s->st == HS_IDLE && s->req.shut_rd) {
				hs_close(s);
				return;
			}
		}
		tx = s->tx;
		if (tx && (s->st == HS_CONNECTING || s->st == HS_FORWARD) && !tx->req_done) {
			if (!body_advance(&s->req, tx->req_body, &tx->req_left, &tx->req_chunk, &tx->req_done)) {
				reply_error(s, 400, "PR");
				continue;
			}
			if (!tx->req_done && s->req.shut_rd && in_len(&s->req) == (size_t)s->req.fwd) {
				/* the client left in the middle of its body */
				memcpy(tx->term, "CD", 2);
				hs_close(s);
				return;
			}
		}
		if (s->st == HS_TUNNEL) {
			s->req.fwd = in_len(&s->req);
			s->rsp.fwd = in_len(&s->rsp);
		}
		if (s->sc && s->sc->connected)
			progress |= write_side(s, &s->req, s->sc->io.fd, &s->sc->wr, NULL, &s->srv_last, &failed);
		if (failed) {
			if (tx && s->sc && s->sc->reused && !tx->rsp_head && tx->req_body == H1_BODY_NONE) {
				failed = false;
				connect_failed(s, false);   /* the idle connection was closed meanwhile */
				continue;
			}
			if (tx)
				memcpy(tx->term, "SD", 2);
			hs_close(s);
			return;
		}
		progress |= read_server(s);
		if (tx && s->st == HS_FORWARD && !tx->rsp_head && in_len(&s->rsp)) {
			enum h1_error err;
			size_t pos;
			bool head_req = tx->txn.req.meth.len == 4 && memcmp(tx->txn.req.meth.p, "HEAD", 4) == 0;
			bool connect_req = tx->txn.req.meth.len == 7 && memcmp(tx->txn.req.meth.p, "CONNECT", 7) == 0;
			int r = h1_parse_response(s->rsp.in + s->rsp.ih, in_len(&s->rsp), bufsize(s), head_req,
						  connect_req, &tx->rspm, &err, &pos);

			if (r > 0) {
				on_response(s);
				progress = true;
			} else if (r < 0 || in_len(&s->rsp) == bufsize(s)) {
				log_warning("proxy %s: invalid response from server %s/%s: %s", s->be->id,
					    s->be->id, tx->txn.srv ? tx->txn.srv->id : "-",
					    h1_strerror(r < 0 ? err : H1_ERR_TOO_LARGE));
				atomic_fetch_add(&s->be->cnt.failed_resp, 1);
				if (tx->txn.srv)
					atomic_fetch_add(&tx->txn.srv->cnt.failed_resp, 1);
				in_consume(s->w, &s->rsp, in_len(&s->rsp));
				reply_error(s, 502, "PH");
				continue;
			}
		}
		tx = s->tx;
		if (tx && s->st == HS_FORWARD && tx->rsp_head && !tx->rsp_done &&
		    !(tx->filt && out_pending(&s->rsp) >= bufsize(s))) {
			if (!body_advance(&s->rsp, tx->rsp_body, &tx->rsp_left, &tx->rsp_chunk, &tx->rsp_done)) {
				memcpy(tx->term, "SD", 2);
				hs_close(s);
				return;
			}
		}
		if (tx && s->st == HS_FORWARD && !tx->rsp_done && s->rsp.shut_rd &&
		    in_len(&s->rsp) == (size_t)s->rsp.fwd) {
			if (!tx->rsp_head && !tx->rsp_done) {
				/* closed before answering: a reused connection may
				 * have been closed by the server meanwhile */
				if (s->sc && s->sc->reused && tx->req_body == H1_BODY_NONE && in_len(&s->rsp) == 0) {
					s->rsp.shut_rd = false;
					connect_failed(s, false);
					continue;
				}
				reply_error(s, 502, "SH");
				continue;
			}
			if (tx->rsp_body != H1_BODY_CLOSE) {
				memcpy(tx->term, "SD", 2);
				tx->close_after = true;
			}
			tx->rsp_done = true;
		}
		if (tx && tx->filt && s->st == HS_FORWARD && tx->rsp_head)
			rsp_filter(s);
		progress |= write_side(s, &s->rsp, s->cli_io.fd, &s->cli_wr, tx ? &tx->bytes_out : NULL,
				       &s->cli_last, &failed);
		if (failed) {
			if (tx)
				memcpy(tx->term, "CD", 2);
			hs_close(s);
			return;
		}
		if (s->st == HS_TUNNEL && ((s->req.shut_rd && !in_len(&s->req)) || (s->rsp.shut_rd && !in_len(&s->rsp)))) {
			hs_close(s);
			return;
		}
		/* end of the exchange once everything is out */
		tx = s->tx;
		if (tx && (s->st == HS_FORWARD || s->st == HS_REPLY) && tx->rsp_done &&
		    !out_pending(&s->rsp) && !s->rsp.fwd) {
			end_txn(s);
			progress = true;
		}
		if (s->st == HS_CLOSING && !out_pending(&s->rsp) && !s->rsp.fwd) {
			/* Lingering close: closing with unread input would send
			 * a reset that can destroy the answer before the client
			 * reads it. Shut our side, drain theirs, then close. */
			if (s->tx) {
				log_txn(s);
				tx_put(s);
			}
			/* The client said this was its last request, all of it
			 * was read and nothing came after it: nothing is left for
			 * a lingering close to drain, and closing at once saves a
			 * wake-up and three system calls, as HAProxy closes. */
			if (s->last_req && !s->cli_rd && !s->cli_hup && in_len(&s->req) == 0) {
				hs_close(s);
				return;
			}
			if (!s->lingering) {
				s->lingering = true;
				s->linger_since = ev_now_ms(s->w->loop);
				xprt_shutw(s->cli_io.fd);
			}
			if (s->req.in)
				in_consume(s->w, &s->req, in_len(&s->req));
			s->req.fwd = 0;
			if (s->req.shut_rd) {
				hs_close(s);
				return;
			}
			progress = read_client(s);
			continue;
		}
	} while (progress && ++guard < 64);
	if (guard == 64)
		ev_timer_start(s->w->loop, &s->timer, 0);   /* yield, come back soon */
}

/* ---- timeouts ---- */

static uint64_t deadline(const struct hstream *s, int *why)
{
	const struct px_timeouts *ft = &s->fe->timeouts, *bt = s->be ? &s->be->timeouts : ft;
	uint64_t d = 0;

#define CONSIDER(when, to, w) do { if (to) { uint64_t w_ = (when) + (to); \
		if (!d || w_ < d) { d = w_; *why = (w); } } } while (0)
	switch (s->st) {
	case HS_IDLE:
		if (in_len(&s->req) == 0 && s->ntxn > 0)
			CONSIDER(s->idle_since, ft->http_keep_alive ? ft->http_keep_alive :
				 ft->http_request ? ft->http_request : ft->client, 'k');
		else
			CONSIDER(s->tx ? s->tx->t_start : s->idle_since,
				 ft->http_request ? ft->http_request : ft->client, 'r');
		break;
	case HS_QUEUED:
		CONSIDER(s->pc.since_ms, bt->queue ? bt->queue : bt->connect, 'q');
		break;
	case HS_CONNECTING:
		CONSIDER(s->tx->t_queue ? s->tx->t_queue : s->cli_last, bt->connect, 'C');
		break;
	case HS_FORWARD:
		if (!s->tx->rsp_done)
			CONSIDER(s->srv_last, bt->server, 's');
		if (!s->tx->req_done || out_pending(&s->rsp) || s->rsp.fwd)
			CONSIDER(s->cli_last, ft->client, 'c');
		break;
	case HS_TUNNEL:
		CONSIDER(MAX(s->cli_last, s->srv_last), bt->tunnel ? bt->tunnel : MIN(ft->client, bt->server), 't');
		break;
	case HS_REPLY:
		CONSIDER(s->cli_last, ft->client, 'c');
		break;
	case HS_CLOSING:
		if (s->lingering)
			CONSIDER(s->linger_since, LINGER_MS, 'c');
		else
			CONSIDER(s->cli_last, ft->client, 'c');
		break;
	}
#undef CONSIDER
	return d;
}

static void arm_timer(struct hstream *s)
{
	int why = 0;
	uint64_t d = deadline(s, &why), now = ev_now_ms(s->w->loop);

	if (!d) {
		ev_timer_stop(s->w->loop, &s->timer);
		return;
	}
	if (!ev_timer_active(&s->timer) || s->timer.expire_ms > d)
		ev_timer_start(s->w->loop, &s->timer, d > now ? d - now : 0);
}

static void on_timer(struct ev_loop *loop, struct ev_timer *t)
{
	struct hstream *s = t->data;
	int why = 0;
	uint64_t d = deadline(s, &why), now = ev_now_ms(loop);

	if (d && d > now) {
		ev_timer_start(loop, t, d - now);
		return;
	}
	if (!d) {
		hs_process(s);     /* a yield from hs_process() */
		if (s->cli_io.fd >= 0)
			arm_timer(s);
		return;
	}
	switch (why) {
	case 'k':
		hs_close(s);       /* idle keep-alive connection: closed silently */
		return;
	case 'r':
		if (s->tx && in_len(&s->req))
			reply_error(s, 408, "cR");
		else {
			hs_close(s);
			return;
		}
		break;
	case 'q':
		if (!queue_leave(s->be, &s->pc)) {
			/* a server arrived at the same instant: take it */
			s->pc.close_pending = false;
			return;
		}
		s->st = HS_IDLE;
		reply_error(s, 503, "sQ");
		break;
	case 'C':
		connect_failed(s, true);
		break;
	case 's':
		atomic_fetch_add(&s->be->cnt.failed_resp, 1);
		if (s->tx && !s->tx->rsp_head)
			reply_error(s, 504, "sH");
		else {
			if (s->tx)
				memcpy(s->tx->term, "sD", 2);
			hs_close(s);
			return;
		}
		break;
	default:
		if (s->tx)
			memcpy(s->tx->term, "cD", 2);
		hs_close(s);
		return;
	}
	hs_process(s);
	if (s->cli_io.fd >= 0)
		arm_timer(s);
}

/* ---- events ---- */

static void cli_event(struct ev_loop *loop, struct ev_io *io, uint32_t ev)
{
	struct hstream *s = io->data;

	if (ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
		s->cli_rd = true;
	if (ev & (EPOLLOUT | EPOLLHUP | EPOLLERR))
		s->cli_wr = true;
	if (ev & (EPOLLRDHUP | EPOLLHUP | EPOLLERR))
		s->cli_hup = true;
	hs_process(s);
	if (s->cli_io.fd >= 0)
		arm_timer(s);
}

static void srv_event(struct ev_loop *loop, struct ev_io *io, uint32_t ev)
{
	struct hstream *s = io->data;
	struct srvconn *sc = s->sc;

	if (ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
		sc->rd = true;
	if (ev & (EPOLLOUT | EPOLLHUP | EPOLLERR))
		sc->wr = true;
	if (ev & (EPOLLRDHUP | EPOLLHUP | EPOLLERR))
		sc->hup = true;
	if (s->st == HS_CONNECTING && !sc->connected) {
		uint32_t want;
		/* TCP connected, and the TLS handshake done for `ssl` servers */
		int r = xprt_connect_step(io->fd, ev, &want, NULL, 0);

		if (r == 0)
			return;
		if (r < 0) {
			/* a retry, or the 503 to flush: hs_process() below
			 * writes it (the connect may fail after the request
			 * was analysed, in the TLS handshake) */
			connect_failed(s, false);
			if (s->st != HS_CLOSING)
				goto out;
		} else {
			srv_connected(s);
		}
	}
	hs_process(s);
out:
	if (s->cli_io.fd >= 0)
		arm_timer(s);
}

/* ---- life cycle ---- */

static void hs_close(struct hstream *s)
{
	struct worker *w = s->w;
	struct http_thread *ht = thread_of(w);

	if (s->st == HS_QUEUED && !queue_leave(s->be, &s->pc))
		return;   /* a server is on its way: closed when it arrives */
	if (s->tx && s->tx->head_seen)
		log_txn(s);
	srv_release(s, false);
	own_close(s, NULL);
	ev_timer_stop(w->loop, &s->timer);
	session_end(w, s->fe, s->be, s->ci, &s->cli_io);
	s->ci = NULL;
	if (s->req.in)
		worker_put_buf(w, s->req.in);
	if (s->rsp.in)
		worker_put_buf(w, s->rsp.in);
	sb_free(&s->req.out);
	sb_free(&s->rsp.out);
	tx_put(s);
	if (s->prev)
		s->prev->next = s->next;
	else
		ht->streams = s->next;
	if (s->next)
		s->next->prev = s->prev;
	w->nstreams--;
	ev_free_later(w->loop, s);
	worker_stream_closed(w);
}

void http_accept(struct worker *w, struct listener *li, int fd, struct conn_info *ci)
{
	struct http_thread *ht = thread_of(w);
	struct hstream *s;
	uint32_t cur;

	if (li->fe->ntcp_rules && !session_rules(li->fe, ci, fd, ssl_sock_of_fd(fd))) {
		xprt_close(fd);
		conn_info_free(ci);
		worker_stream_closed(w);
		return;
	}
	s = xcalloc(1, sizeof(*s));

	s->w = w;
	s->fe = li->fe;
	s->ci = ci;
	s->accept_date = ci->accept_date;
	s->cli_last = s->srv_last = s->idle_since = ev_now_ms(w->loop);
	ev_io_init(&s->cli_io, cli_event, s);
	ev_timer_init(&s->timer, on_timer, s);
	s->req.keep_out = true;
	s->pc.w = w;
	s->pc.client = (struct sockaddr *)&s->ci->src;
	s->pc.ready = hs_on_dequeued;
	s->next = ht->streams;
	if (ht->streams)
		ht->streams->prev = s;
	ht->streams = s;
	w->nstreams++;
	atomic_fetch_add(&s->fe->cnt.cum_sess, 1);
	freq_ctr_hit(&s->fe->cnt.sess_rate, &s->fe->cnt.sps_max, ev_now_ms(w->loop));
	freq_ctr_hit(&w->conf->rt.sess_rate, &w->conf->rt.sps_max, ev_now_ms(w->loop));
	cur = (uint32_t)atomic_fetch_add(&s->fe->cur_conn, 1) + 1;
	if (cur > atomic_load(&s->fe->cnt.max_sess))
		atomic_store(&s->fe->cnt.max_sess, cur);
	atomic_fetch_add(&w->conf->rt.cur_conn, 1);
	set_nodelay(fd);
	if (ev_io_start(w->loop, &s->cli_io, fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET) < 0) {
		xprt_close(fd);
		hs_close(s);
		return;
	}
	/* The request has usually come with the handshake's last packet: it
	 * is read now, not after another trip through epoll_wait(). A TLS
	 * handshake may also have left it read and decrypted already, when
	 * no new event would come for it. */
	s->cli_rd = s->cli_wr = true;
	hs_process(s);
	if (s->cli_io.fd >= 0)
		arm_timer(s);
}

void http_kill_all(struct worker *w)
{
	struct http_thread *ht = thread_of(w);

	while (ht->streams)
		hs_close(ht->streams);
	http_idle_flush(w);
	while (ht->free_tx) {
		struct htx *tx = ht->free_tx;

		ht->free_tx = tx->next_free;
		free(tx);
	}
}

void http_close_idle_clients(struct worker *w)
{
	struct http_thread *ht = thread_of(w);
	struct hstream *s = ht->streams, *next;

	for (; s; s = next) {
		next = s->next;
		/* A connection idle after an exchange closes now. One that has
		 * not sent its first request yet was accepted to be served: it
		 * gets one answer, then closes, like a busy one. */
		s->soft_stop = true;
		if (s->st == HS_IDLE && in_len(&s->req) == 0 && s->ntxn > 0)
			hs_close(s);
		else if (s->tx)
			s->tx->close_after = true;
	}
	http_idle_flush(w);
}

void http_kill_server(struct worker *w, struct server *srv)
{
	struct http_thread *ht = thread_of(w);
	struct hstream *s = ht->streams, *next;

	for (; s; s = next) {
		next = s->next;
		if (s->sc && s->sc->srv == srv) {
			if (s->tx)
				memcpy(s->tx->term, "SK", 2);
			hs_close(s);
		} else {
			own_close(s, srv);
		}
	}
	/* idle connections to it are useless too */
	for (struct srvconn *sc = ht->idle, *n2; sc; sc = n2) {
		n2 = sc->next;
		if (sc->srv == srv) {
			idle_remove(ht, sc);
			sc_close(sc);
		}
	}
}

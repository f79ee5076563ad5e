/* check: health checks on one event loop (see check.h).
 *
 * A run is a small state machine driven by the loop:
 *
 *   IDLE --sched timer--> CONNECTING --EPOLLOUT, SO_ERROR 0--> RUNNING
 *   CONNECTING --error--> finish(L4CON)    --timeout--> finish(L4TOUT)
 *   RUNNING: write pending output, read input, evaluate (per type):
 *     plain  : finish(L4OK) at once
 *     tcpchk : rules in order (a later `connect` reopens: back to CONNECTING)
 *     http   : request, then status line / body against the expect rules
 *     mysql  : greeting [, login + QUIT, then OK/ERR packet]
 *   RUNNING --timeout--> finish(L7TOUT)
 *   finish(): close, record, server_check_result(), schedule the next run.
 *
 * The info texts are HAProxy's (tcpcheck.c), e.g. "Connection refused",
 * " at step 2 of tcp-check (expect string '+PONG')", "TCPCHK did not match
 * content 'x' at step 2", HTTP reason phrases, MySQL versions and errors.
 */
#include "proxy/check.h"
#include "proxy/ssl.h"
#include "lib/addr.h"
#include "lib/log.h"
#include "lib/util.h"

#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define CHECK_DEFAULT_INTER_MS 2000
#define CHECK_DEFAULT_BUFSIZE  16384
#define IMPLICIT_CONNECT       (-1)   /* tcp-check step before any rule */

enum check_phase { CK_IDLE, CK_CONNECTING, CK_RUNNING };

/* What an evaluation step decided. */
enum eval_ret { EVAL_WAIT, EVAL_DONE };

struct server_check {
	struct server *srv;
	struct proxy *px;
	struct ev_loop *loop;
	struct ev_timer sched;      /* next run */
	struct ev_timer tmo;        /* timeout of the current phase */
	struct ev_io io;
	int fd;                     /* -1 when idle */
	enum check_phase phase;
	uint64_t start_ms;

	int step;                   /* tcp-check: rule being run, or IMPLICIT_CONNECT */
	int last_ran;               /* tcp-check: last send/expect passed, -1 if none */
	int mysql_stage;            /* 0: greeting awaited, 1: OK awaited */
	size_t mysql_hslen;         /* length of the greeting packet */

	const char *out;            /* output being written (points into req or a rule) */
	size_t out_len, out_off;

	char *in;                   /* input, NUL-terminated; from malloc(), once */
	size_t in_len, in_cap;
	bool eof;                   /* peer closed (or input full) */
	int rd_err;                 /* read error with no input, 0 if none */

	char *req;                  /* HTTP request / MySQL login; from malloc(), once */
	size_t req_len;
};

/* ---- helpers ---- */

static uint32_t check_inter(const struct server *srv)
{
	return srv->inter_ms ? srv->inter_ms : CHECK_DEFAULT_INTER_MS;
}

static bool last_read(const struct server_check *c)
{
	return c->eof || c->in_len + 1 >= c->in_cap;
}

static const struct check_cfg *cfg_of(const struct server_check *c)
{
	return &c->px->check;
}

static bool is_expect(enum tcpcheck_action a)
{
	return a == TCPCHK_EXPECT_STRING || a == TCPCHK_EXPECT_RSTRING ||
	       a == TCPCHK_EXPECT_STATUS || a == TCPCHK_EXPECT_RSTATUS;
}

/* The comment of a tcp-check rule: a `comment` rule just before it. */
static const char *rule_comment(const struct check_cfg *cfg, int i)
{
	if (i > 0 && cfg->rules[i - 1].action == TCPCHK_COMMENT && cfg->rules[i - 1].data)
		return cfg->rules[i - 1].data;
	return NULL;
}

__attribute__((format(printf, 3, 4)))
static void appendf(char *buf, size_t size, const char *fmt, ...)
{
	size_t len = strlen(buf);
	va_list ap;

	if (len + 1 >= size)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + len, size - len, fmt, ap);
	va_end(ap);
}

/* HAProxy's chk_report_conn_err() step text for tcp-check rulesets:
 * " at step 2 of tcp-check (expect string 'x')". Empty for other types. */
static void tcpchk_step_info(const struct server_check *c, char *buf, size_t size)
{
	const struct check_cfg *cfg = cfg_of(c);
	const struct tcpcheck_rule *r;
	const char *comment;

	buf[0] = 0;
	if (cfg->type != CHK_TCPCHK)
		return;
	if (c->step == IMPLICIT_CONNECT) {
		appendf(buf, size, " at initial connection step of tcp-check");
		return;
	}
	if (c->step >= cfg->nrules) {
		appendf(buf, size, " at step %d of tcp-check", cfg->nrules);
		return;
	}
	r = &cfg->rules[c->step];
	appendf(buf, size, " at step %d of tcp-check", c->step + 1);
	switch (r->action) {
	case TCPCHK_CONNECT:
		if (r->port)
			appendf(buf, size, " (connect port %d)", r->port);
		else
			appendf(buf, size, " (connect)");
		break;
	case TCPCHK_EXPECT_STRING:
		appendf(buf, size, " (expect string '%.*s')", (int)r->len, r->data ? r->data : "");
		break;
	case TCPCHK_EXPECT_RSTRING:
		appendf(buf, size, " (expect regex)");
		break;
	case TCPCHK_SEND:
		appendf(buf, size, " (send)");
		break;
	default:
		break;
	}
	comment = rule_comment(cfg, c->step);
	if (comment)
		appendf(buf, size, " comment: '%s'", comment);
}

/* ---- end of a run ---- */

static void close_conn(struct server_check *c)
{
	ev_io_stop(c->loop, &c->io);
	if (c->fd >= 0) {
		xprt_close(c->fd);
		c->fd = -1;
	}
}

/* HAProxy's srv_getinter(): how long until the next run. Lock held. */
static uint32_t next_interval(const struct server *srv)
{
	uint32_t inter = check_inter(srv);

	if (srv->health == srv->rise + srv->fall - 1)
		return inter;
	if (srv->op_state == SRV_ST_STOPPED && srv->health == 0)
		return srv->downinter_ms ? srv->downinter_ms : inter;
	return srv->fastinter_ms ? srv->fastinter_ms : inter;
}

static void finish(struct server_check *c, bool ok, enum check_status status, int code,
		   const char *desc)
{
	struct server *srv = c->srv;
	uint64_t now = ev_monotonic_ms();
	uint32_t next;

	close_conn(c);
	ev_timer_stop(c->loop, &c->tmo);
	c->phase = CK_IDLE;
	c->out = NULL;

	pthread_mutex_lock(&c->px->lock);
	srv->check_duration_ms = (uint32_t)(now - c->start_ms);
	pthread_mutex_unlock(&c->px->lock);
	server_check_result(srv, ok, status, code, desc);

	pthread_mutex_lock(&c->px->lock);
	next = next_interval(srv);
	pthread_mutex_unlock(&c->px->lock);
	ev_update_time(c->loop);
	ev_timer_start(c->loop, &c->sched, next);
}

static void fail_errno(struct server_check *c, enum check_status status, int err)
{
	char info[256], step[160];

	tcpchk_step_info(c, step, sizeof(step));
	snprintf(info, sizeof(info), "%s%s", err ? strerror(err) : "", step);
	finish(c, false, status, 0, info);
}

/* ---- connection ---- */

static void io_cb(struct ev_loop *loop, struct ev_io *io, uint32_t events);
static enum eval_ret advance(struct server_check *c);

/* Start a connection for a run or a tcp-check `connect` rule (`port` 0:
 * the check's default port). */
static void open_conn(struct server_check *c, int port, bool ssl)
{
	struct server *srv = c->srv;
	uint32_t tcheck = c->px->timeouts.check, tconn = c->px->timeouts.connect;
	struct addr a;
	int fd, r;

	close_conn(c);
	c->in_len = 0;
	c->in[0] = 0;
	c->eof = false;
	c->rd_err = 0;
	c->out = NULL;

	pthread_mutex_lock(&c->px->lock);
	a = srv->check_addr.len ? srv->check_addr : srv->addr;
	if (!port)
		port = srv->check_port;
	if (!port && srv->check_addr.len && srv->check_addr.port_given)
		port = addr_port(&srv->check_addr);
	if (!port)
		port = addr_port(&srv->addr);
	pthread_mutex_unlock(&c->px->lock);

	if (!addr_is_unix(&a)) {
		if (!port) {
			finish(c, false, HCHK_SOCKERR, 0, "No port available for the TCP connection");
			return;
		}
		addr_set_port(&a, port);
	}
	fd = socket(a.ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fail_errno(c, HCHK_SOCKERR, errno);
		return;
	}
	if (!addr_is_unix(&a)) {
		int one = 1;

		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	}
	c->fd = fd;
	c->phase = CK_CONNECTING;
	r = connect(fd, (struct sockaddr *)&a.ss, a.len);
	if (r < 0 && errno != EINPROGRESS) {
		fail_errno(c, HCHK_L4CON, errno);
		return;
	}
	/* check-ssl, `ssl` without a check port, or `connect ssl` */
	if ((ssl || ssl_srv_check_tls(srv)) && (r = ssl_sock_attach_check(fd, srv)) < 0) {
		fail_errno(c, HCHK_SOCKERR, -r);
		return;
	}
	if (ev_io_start(c->loop, &c->io, fd, EPOLLOUT) < 0) {
		fail_errno(c, HCHK_SOCKERR, errno);
		return;
	}
	/* Without `timeout check`, `inter` covers the whole run (armed at its
	 * start); with it, the connection has min(connect, inter). */
	if (tcheck) {
		uint32_t t = check_inter(srv);

		if (tconn && tconn < t)
			t = tconn;
		ev_timer_start(c->loop, &c->tmo, t);
	}
}

static void on_connected(struct server_check *c)
{
	const struct check_cfg *cfg = cfg_of(c);

	c->phase = CK_RUNNING;
	if (c->px->timeouts.check)
		ev_timer_start(c->loop, &c->tmo, c->px->timeouts.check);
	switch (cfg->type) {
	case CHK_TCPCHK:
		c->step = c->step == IMPLICIT_CONNECT ? 0 : c->step + 1;
		break;
	case CHK_HTTP:
		c->out = c->req;
		c->out_len = c->req_len;
		c->out_off = 0;
		break;
	case CHK_MYSQL:
		c->mysql_stage = 0;
		break;
	default:
		finish(c, true, HCHK_L4OK, 0, NULL);
		return;
	}
	advance(c);
}

/* ---- I/O ---- */

/* Write pending output. false when finished (error) or must wait. */
static bool flush_out(struct server_check *c, bool *done)
{
	*done = false;
	while (c->out && c->out_off < c->out_len) {
		ssize_t n = xprt_send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				ev_io_set(c->loop, &c->io, EPOLLOUT);
				return false;
			}
			fail_errno(c, HCHK_SOCKERR, errno);
			*done = true;
			return false;
		}
		c->out_off += (size_t)n;
	}
	c->out = NULL;
	return true;
}

static void read_in(struct server_check *c)
{
	while (!c->eof && c->in_len + 1 < c->in_cap) {
		ssize_t n = xprt_recv(c->fd, c->in + c->in_len, c->in_cap - 1 - c->in_len, 0);

		if (n > 0) {
			c->in_len += (size_t)n;
			continue;
		}
		if (n == 0) {
			c->eof = true;
		} else if (errno == EINTR) {
			continue;
		} else if (errno != EAGAIN && errno != EWOULDBLOCK) {
			/* An error after some data is left to the evaluation,
			 * as HAProxy: an RST often follows the last bytes. */
			if (c->in_len == 0)
				c->rd_err = errno;
			c->eof = true;
		}
		break;
	}
	c->in[c->in_len] = 0;
}

/* Wait for input: the caller has nothing to decide yet. */
static enum eval_ret wait_input(struct server_check *c)
{
	if (last_read(c)) {
		/* Cannot happen: evaluations decide on the last read. */
		finish(c, false, HCHK_L7RSP, 0, NULL);
		return EVAL_DONE;
	}
	ev_io_set(c->loop, &c->io, EPOLLIN | EPOLLRDHUP);
	return EVAL_WAIT;
}

/* ---- tcp-check ---- */

static void tcpchk_fail_expect(struct server_check *c, const struct tcpcheck_rule *r, bool matched)
{
	char info[256];
	const char *comment = rule_comment(cfg_of(c), c->step);

	snprintf(info, sizeof(info), "%s",
		 matched ? "TCPCHK matched unwanted content" : "TCPCHK did not match content");
	if (r->action == TCPCHK_EXPECT_STRING)
		appendf(info, sizeof(info), " '%.*s' at step %d", (int)r->len, r->data ? r->data : "",
			c->step + 1);
	else
		appendf(info, sizeof(info), " (regex) at step %d", c->step + 1);
	if (comment)
		appendf(info, sizeof(info), " comment: %s", comment);
	finish(c, false, HCHK_L7RSP, 0, info);
}

static void empty_response(struct server_check *c, int step)
{
	char info[128];

	snprintf(info, sizeof(info), "TCPCHK got an empty response at step %d", step);
	finish(c, false, HCHK_L7RSP, 0, info);
}

/* Run tcp-check rules from c->step. */
static enum eval_ret tcpchk_run(struct server_check *c)
{
	const struct check_cfg *cfg = cfg_of(c);

	for (; c->step < cfg->nrules; c->step++) {
		const struct tcpcheck_rule *r = &cfg->rules[c->step];
		bool match;

		switch (r->action) {
		case TCPCHK_CONNECT:
			open_conn(c, r->port, r->ssl);
			return EVAL_WAIT;
		case TCPCHK_SEND: {
			bool done;

			c->out = r->data;
			c->out_len = r->len;
			c->out_off = 0;
			/* Each send starts a new exchange: expects look at
			 * what arrives after it. */
			c->in_len = 0;
			c->in[0] = 0;
			if (!flush_out(c, &done)) {
				if (done)
					return EVAL_DONE;
				/* Resumes after the send once written. */
				c->last_ran = c->step++;
				return EVAL_WAIT;
			}
			break;
		}
		case TCPCHK_EXPECT_STRING:
		case TCPCHK_EXPECT_RSTRING:
			if (c->rd_err) {
				fail_errno(c, HCHK_SOCKERR, c->rd_err);
				return EVAL_DONE;
			}
			if (c->in_len == 0 && c->eof) {
				empty_response(c, c->step + 1);
				return EVAL_DONE;
			}
			if (!last_read(c) && r->action == TCPCHK_EXPECT_STRING && c->in_len < r->len)
				return wait_input(c);
			if (r->action == TCPCHK_EXPECT_STRING)
				match = r->len == 0 || memmem(c->in, c->in_len, r->data, r->len) != NULL;
			else
				match = regexec(&r->re, c->in, 0, NULL, 0) == 0;
			if (!match && !last_read(c))
				return wait_input(c);
			if (match == r->negate) {
				tcpchk_fail_expect(c, r, match);
				return EVAL_DONE;
			}
			break;
		default:
			continue;   /* comments; HTTP-only expects */
		}
		c->last_ran = c->step;
	}

	/* All rules passed: the result depends on the last rule that ran, as
	 * HAProxy's tcpcheck_main(). */
	if (c->last_ran < 0) {
		/* Only a connect: implicit (no info) or explicit. */
		bool explicit = false;

		for (int i = 0; i < cfg->nrules; i++)
			explicit |= cfg->rules[i].action == TCPCHK_CONNECT;
		finish(c, true, HCHK_L4OK, 0, explicit ? "(tcp-check)" : NULL);
	} else {
		finish(c, true, HCHK_L7OK, 0, "(tcp-check)");
	}
	return EVAL_DONE;
}

/* ---- HTTP ---- */

/* Is `code` in a list such as "200", "200,201" or "200-299,302"? */
static bool status_in_list(const char *list, int code)
{
	const char *p = list;

	while (p && *p) {
		char *end;
		long lo = strtol(p, &end, 10), hi = lo;

		if (end == p)
			return false;
		if (*end == '-') {
			p = end + 1;
			hi = strtol(p, &end, 10);
			if (end == p)
				return false;
		}
		if (code >= lo && code <= hi)
			return true;
		p = *end == ',' ? end + 1 : NULL;
	}
	return false;
}

struct http_rsp {
	int code;
	char code_str[4];
	char reason[96];
	const char *body;
	size_t body_len;
	long content_length;    /* -1 if absent */
};

/* Parse the status line and headers of c->in. 1: complete, 0: need more,
 * -1: invalid. */
static int http_parse(const struct server_check *c, struct http_rsp *rsp)
{
	const char *in = c->in, *hdr_end, *eol, *p;
	size_t hdr_len;

	hdr_end = memmem(in, c->in_len, "\r\n\r\n", 4);
	if (hdr_end)
		hdr_len = (size_t)(hdr_end - in) + 4;
	else if ((hdr_end = memmem(in, c->in_len, "\n\n", 2)) != NULL)
		hdr_len = (size_t)(hdr_end - in) + 2;
	else
		return 0;

	/* HTTP/1.x NNN reason */
	if (strncmp(in, "HTTP/", 5) != 0)
		return -1;
	p = memchr(in, ' ', hdr_len);
	if (!p)
		return -1;
	p++;
	if (p + 3 > in + hdr_len || !isdigit((unsigned char)p[0]) || !isdigit((unsigned char)p[1]) ||
	    !isdigit((unsigned char)p[2]) || (p[3] != ' ' && p[3] != '\r' && p[3] != '\n'))
		return -1;
	memcpy(rsp->code_str, p, 3);
	rsp->code_str[3] = 0;
	rsp->code = atoi(rsp->code_str);
	p += 3;
	if (*p == ' ')
		p++;
	eol = memchr(p, '\n', (size_t)(in + hdr_len - p));
	if (!eol)
		return -1;
	snprintf(rsp->reason, sizeof(rsp->reason), "%.*s",
		 (int)(eol - p - (eol > p && eol[-1] == '\r')), p);

	rsp->content_length = -1;
	for (p = eol + 1; p < in + hdr_len; p = eol + 1) {
		eol = memchr(p, '\n', (size_t)(in + hdr_len - p));
		if (!eol)
			break;
		if ((size_t)(eol - p) > 15 && strncasecmp(p, "content-length:", 15) == 0)
			rsp->content_length = strtol(p + 15, NULL, 10);
	}
	rsp->body = in + hdr_len;
	rsp->body_len = c->in_len - hdr_len;
	return 1;
}

static enum eval_ret http_eval(struct server_check *c)
{
	const struct check_cfg *cfg = cfg_of(c);
	struct http_rsp rsp;
	bool lr = last_read(c), any = false;
	int r;

	if (c->rd_err) {
		fail_errno(c, HCHK_SOCKERR, c->rd_err);
		return EVAL_DONE;
	}
	if (c->in_len == 0 && c->eof) {
		empty_response(c, 2);   /* send = step 1, expect = step 2 */
		return EVAL_DONE;
	}
	r = http_parse(c, &rsp);
	if (r == 0 && !lr)
		return wait_input(c);
	if (r <= 0) {
		finish(c, false, HCHK_L7RSP, 0, NULL);
		return EVAL_DONE;
	}
	if (rsp.content_length >= 0 && rsp.body_len >= (size_t)rsp.content_length)
		lr = true;

	for (int i = 0; i < cfg->nrules; i++) {
		const struct tcpcheck_rule *e = &cfg->rules[i];
		bool match;

		if (!is_expect(e->action))
			continue;
		any = true;
		switch (e->action) {
		case TCPCHK_EXPECT_STATUS:
		case TCPCHK_EXPECT_RSTATUS:
			if (e->action == TCPCHK_EXPECT_STATUS)
				match = status_in_list(e->data, rsp.code);
			else
				match = regexec(&e->re, rsp.code_str, 0, NULL, 0) == 0;
			if (match == e->negate) {
				finish(c, false, HCHK_L7STS, rsp.code, rsp.reason);
				return EVAL_DONE;
			}
			break;
		default:   /* body string / regex */
			if (rsp.body_len == 0) {
				if (!lr)
					return wait_input(c);
				finish(c, false, HCHK_L7RSP, rsp.code,
				       "HTTP content check could not find a response body");
				return EVAL_DONE;
			}
			if (!lr && e->action == TCPCHK_EXPECT_STRING && rsp.body_len < e->len)
				return wait_input(c);
			if (e->action == TCPCHK_EXPECT_STRING)
				match = memmem(rsp.body, rsp.body_len, e->data, e->len) != NULL;
			else
				match = regexec(&e->re, rsp.body, 0, NULL, 0) == 0;
			if (!match && !lr)
				return wait_input(c);
			if (match == e->negate) {
				finish(c, false, HCHK_L7RSP, rsp.code,
				       e->negate ? "HTTP check matched unwanted content"
						 : "HTTP content check did not match");
				return EVAL_DONE;
			}
			break;
		}
	}
	/* Without any expect rule, HAProxy accepts 2xx and 3xx. */
	if (!any && (rsp.code < 200 || rsp.code > 399)) {
		finish(c, false, HCHK_L7STS, rsp.code, rsp.reason);
		return EVAL_DONE;
	}
	finish(c, true, HCHK_L7OK, rsp.code, NULL);
	return EVAL_DONE;
}

/* ---- MySQL ---- */

static size_t mysql_plen(const unsigned char *p)
{
	return (size_t)p[0] | (size_t)p[1] << 8 | (size_t)p[2] << 16;
}

/* The server version of the greeting (NUL-terminated after the protocol
 * byte): HAProxy's success info. */
static void mysql_version(const struct server_check *c, char *buf, size_t size)
{
	size_t end = MIN(c->mysql_hslen, c->in_len), n = 0;

	for (size_t i = 5; i < end && c->in[i] && n + 1 < size; i++)
		buf[n++] = c->in[i];
	buf[n] = 0;
}

enum pkt_ret { PKT_WAIT, PKT_DONE, PKT_OK };

/* HAProxy's tcpcheck_mysql_expect_packet(): the packet at `off` is
 * complete and not an error packet (PKT_OK, its length in *plen), or the
 * run finished (PKT_DONE), or more input is needed (PKT_WAIT). */
static enum pkt_ret mysql_packet(struct server_check *c, size_t off, int step, size_t *plen)
{
	const unsigned char *in = (const unsigned char *)c->in;

	if (c->rd_err) {
		fail_errno(c, HCHK_SOCKERR, c->rd_err);
		return PKT_DONE;
	}
	if (c->in_len == off && c->eof) {
		empty_response(c, step);
		return PKT_DONE;
	}
	if (c->in_len < off + 4 || c->in_len < off + 4 + (*plen = mysql_plen(in + off))) {
		if (!last_read(c))
			return wait_input(c) == EVAL_WAIT ? PKT_WAIT : PKT_DONE;
		finish(c, false, HCHK_L7RSP, 0, NULL);   /* truncated */
		return PKT_DONE;
	}
	if (*plen >= 3 && in[off + 4] == 0xff) {
		/* Error packet: 0xff, code (2 bytes LE), message. */
		char desc[128];
		int err = in[off + 5] | in[off + 6] << 8;

		snprintf(desc, sizeof(desc), "%.*s", (int)MIN(*plen - 3, sizeof(desc) - 1),
			 c->in + off + 7);
		finish(c, false, HCHK_L7STS, err, desc);
		return PKT_DONE;
	}
	return PKT_OK;
}

static enum eval_ret mysql_eval(struct server_check *c)
{
	bool user = cfg_of(c)->mysql_user != NULL;
	char version[64];
	size_t plen = 0;
	enum pkt_ret r;

	if (c->mysql_stage == 0) {
		r = mysql_packet(c, 0, user ? 2 : 1, &plen);
		if (r != PKT_OK)
			return r == PKT_WAIT ? EVAL_WAIT : EVAL_DONE;
		c->mysql_hslen = plen + 4;
		if (user) {
			/* Greeting read: log in (no password), then QUIT. */
			bool done;

			c->mysql_stage = 1;
			c->out = c->req;
			c->out_len = c->req_len;
			c->out_off = 0;
			if (!flush_out(c, &done))
				return done ? EVAL_DONE : EVAL_WAIT;
		}
	}
	if (c->mysql_stage == 1) {
		r = mysql_packet(c, c->mysql_hslen, 3, &plen);
		if (r != PKT_OK)
			return r == PKT_WAIT ? EVAL_WAIT : EVAL_DONE;
	}
	mysql_version(c, version, sizeof(version));
	finish(c, true, HCHK_L7OK, 0, version);
	return EVAL_DONE;
}

/* ---- driver ---- */

static enum eval_ret advance(struct server_check *c)
{
	bool done;

	if (c->out && !flush_out(c, &done))
		return done ? EVAL_DONE : EVAL_WAIT;
	switch (cfg_of(c)->type) {
	case CHK_TCPCHK:
		return tcpchk_run(c);
	case CHK_HTTP:
		return http_eval(c);
	case CHK_MYSQL:
		return mysql_eval(c);
	default:
		finish(c, true, HCHK_L4OK, 0, NULL);
		return EVAL_DONE;
	}
}

static void io_cb(struct ev_loop *loop, struct ev_io *io, uint32_t events)
{
	struct server_check *c = io->data;

	if (c->phase == CK_CONNECTING) {
		char why[256];
		uint32_t want;
		int r = xprt_connect_step(c->fd, events, &want, why, sizeof(why));

		if (r == 0) {
			ev_io_set(loop, &c->io, want);
			return;
		}
		if (r < 0 && why[0]) {
			/* the TLS handshake failed: HAProxy's layer 6 */
			finish(c, false, HCHK_L6RSP, 0, why);
			return;
		}
		if (r < 0) {
			fail_errno(c, HCHK_L4CON, errno);
			return;
		}
		on_connected(c);
		return;
	}
	if (c->phase != CK_RUNNING)
		return;
	if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
		read_in(c);
	advance(c);
}

static void timeout_cb(struct ev_loop *loop, struct ev_timer *t)
{
	struct server_check *c = t->data;
	char step[160];

	tcpchk_step_info(c, step, sizeof(step));
	if (c->phase == CK_CONNECTING)
		finish(c, false, HCHK_L4TOUT, 0, step);
	else if (c->phase == CK_RUNNING)
		finish(c, false, HCHK_L7TOUT, 0, step);
}

static void sched_cb(struct ev_loop *loop, struct ev_timer *t)
{
	struct server_check *c = t->data;
	const struct check_cfg *cfg = cfg_of(c);
	bool maint;
	int port = 0;
	bool ssl = false;

	pthread_mutex_lock(&c->px->lock);
	maint = (c->srv->admin & SRV_ADMF_MAINT) != 0;
	pthread_mutex_unlock(&c->px->lock);
	if (maint) {
		/* HAProxy pauses the checks of a server in maintenance. */
		ev_timer_start(loop, &c->sched, check_inter(c->srv));
		return;
	}

	c->start_ms = ev_monotonic_ms();
	c->step = IMPLICIT_CONNECT;
	c->last_ran = -1;
	/* A first `connect` rule replaces the implicit connection. */
	for (int i = 0; i < cfg->nrules; i++) {
		if (cfg->rules[i].action == TCPCHK_COMMENT)
			continue;
		if (cfg->rules[i].action == TCPCHK_CONNECT) {
			port = cfg->rules[i].port;
			ssl = cfg->rules[i].ssl;
			if (cfg->type == CHK_TCPCHK)
				c->step = i;
		}
		break;
	}
	if (!c->px->timeouts.check)
		ev_timer_start(loop, &c->tmo, check_inter(c->srv));
	open_conn(c, port, ssl);
}

/* ---- setup ---- */

/* Build the HTTP request once: "METH URI VER\r\n" headers [Connection:
 * close] [Content-Length] "\r\n" body. HAProxy's defaults: OPTIONS /
 * HTTP/1.0. */
static void build_http_request(struct server_check *c)
{
	const struct check_cfg *cfg = cfg_of(c);
	const char *meth = cfg->http_method ? cfg->http_method : "OPTIONS";
	const char *uri = cfg->http_uri ? cfg->http_uri : "/";
	const char *ver = cfg->http_version ? cfg->http_version : "HTTP/1.0";
	const char *hdrs = cfg->http_headers ? cfg->http_headers : "";
	const char *body = cfg->http_body ? cfg->http_body : "";
	bool has_conn = strcasestr(hdrs, "connection:") != NULL;
	bool has_cl = strcasestr(hdrs, "content-length:") != NULL;
	char conn[32] = "", cl[48] = "";

	if (strcasecmp(ver, "HTTP/1.1") == 0 && !has_conn)
		snprintf(conn, sizeof(conn), "Connection: close\r\n");
	if (*body && !has_cl)
		snprintf(cl, sizeof(cl), "Content-Length: %zu\r\n", strlen(body));
	c->req = xasprintf("%s %s %s\r\n%s%s%s\r\n%s", meth, uri, ver, hdrs, conn, cl, body);
	c->req_len = strlen(c->req);
}

/* Build the MySQL >= 4.1 login packet for `user` (no password), followed
 * by COM_QUIT, as HAProxy's mysql-check with a user. */
static void build_mysql_login(struct server_check *c)
{
	const char *user = cfg_of(c)->mysql_user;
	size_t ulen = strlen(user), plen = 4 + 4 + 1 + 23 + ulen + 1 + 1, n = 0;
	unsigned char *p = xcalloc(1, 4 + plen + 5);

	p[n++] = (unsigned char)(plen & 0xff);
	p[n++] = (unsigned char)(plen >> 8 & 0xff);
	p[n++] = (unsigned char)(plen >> 16 & 0xff);
	p[n++] = 1;                                   /* sequence id */
	p[n++] = 0x00; p[n++] = 0x82; p[n++] = 0x00; p[n++] = 0x00; /* PROTOCOL_41 | SECURE_CONNECTION */
	p[n++] = 0x00; p[n++] = 0x80; p[n++] = 0x00; p[n++] = 0x01; /* max packet */
	p[n++] = 0x21;                                /* utf8 */
	n += 23;                                      /* filler */
	memcpy(p + n, user, ulen);
	n += ulen + 1;                                /* user, NUL */
	n += 1;                                       /* empty auth response */
	p[n++] = 1; p[n++] = 0; p[n++] = 0; p[n++] = 0; p[n++] = 1; /* COM_QUIT */
	c->req = (char *)p;
	c->req_len = n;
}

static struct server_check *check_new(struct server *srv, struct ev_loop *loop, size_t bufsize)
{
	struct server_check *c = xcalloc(1, sizeof(*c));

	c->srv = srv;
	c->px = srv->px;
	c->loop = loop;
	c->fd = -1;
	c->phase = CK_IDLE;
	c->in_cap = bufsize;
	c->in = xmalloc(bufsize);
	c->in[0] = 0;
	ev_timer_init(&c->sched, sched_cb, c);
	ev_timer_init(&c->tmo, timeout_cb, c);
	ev_io_init(&c->io, io_cb, c);
	if (srv->px->check.type == CHK_HTTP)
		build_http_request(c);
	else if (srv->px->check.type == CHK_MYSQL && srv->px->check.mysql_user)
		build_mysql_login(c);
	return c;
}

void checks_start(struct pxconf *conf, struct ev_loop *loop)
{
	size_t bufsize = conf->global.bufsize ? conf->global.bufsize : CHECK_DEFAULT_BUFSIZE;
	unsigned seed = (unsigned)(ev_monotonic_ms() ^ (uint64_t)getpid());

	for (int i = 0; i < conf->nproxies; i++) {
		struct proxy *px = conf->proxies[i];

		if (!(px->cap & PX_CAP_BE))
			continue;
		for (int j = 0; j < px->nservers; j++) {
			struct server *srv = px->servers[j];
			uint32_t inter;

			server_init_runtime(srv);
			if (!srv->check_enabled || srv->check || px->disabled)
				continue;
			srv->check = check_new(srv, loop, bufsize);
			/* Spread the first checks over the first interval. */
			inter = check_inter(srv);
			ev_timer_start(loop, &srv->check->sched, (uint64_t)rand_r(&seed) % inter);
		}
	}
}

void checks_stop(struct pxconf *conf, struct ev_loop *loop)
{
	for (int i = 0; i < conf->nproxies; i++) {
		struct proxy *px = conf->proxies[i];

		for (int j = 0; j < px->nservers; j++) {
			struct server *srv = px->servers[j];
			struct server_check *c = srv->check;

			if (!c)
				continue;
			close_conn(c);
			ev_timer_stop(loop, &c->sched);
			ev_timer_stop(loop, &c->tmo);
			pthread_mutex_lock(&px->lock);
			srv->check = NULL;
			pthread_mutex_unlock(&px->lock);
			/* An event for c->io may still be pending in this
			 * batch: free after it. */
			ev_free_later(loop, c->in);
			ev_free_later(loop, c->req);
			ev_free_later(loop, c);
		}
	}
}

/* proxy_hdr: receiving the PROXY protocol header (see proxy_hdr.h). */
#include "proxy/proxy_hdr.h"
#include "proxy/listener.h"
#include "proxy/proxy.h"
#include "proxy/session.h"
#include "proxy/stream.h"
#include "proxy/worker.h"
#include "lib/crc32c.h"
#include "lib/log.h"
#include "lib/util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define V1_MAX 107               /* longest v1 line, CRLF included */
#define V2_HDR 16

static const uint8_t v2sig[12] = { 0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a };

const char *proxy_hdr_err_str(enum proxy_hdr_err e)
{
	switch (e) {
	case PROXY_HDR_OK: return "";
	case PROXY_HDR_EMPTY: return "Connection closed while waiting for PROXY protocol header";
	case PROXY_HDR_ABORT: return "Connection error while waiting for PROXY protocol header";
	case PROXY_HDR_TIMEOUT: return "Timeout while waiting for PROXY protocol header";
	case PROXY_HDR_TRUNCATED: return "Truncated PROXY protocol header received";
	case PROXY_HDR_NOT_HDR: return "Received something which does not look like a PROXY protocol header";
	case PROXY_HDR_BAD_HDR: return "Received an invalid PROXY protocol header";
	case PROXY_HDR_BAD_PROTO: return "Received an unhandled protocol in the PROXY protocol header";
	}
	return "";
}

/* A decimal port 0..65535 from [p, end): its value, or -1 (HAProxy 2.6
 * takes 0). */
static int v1_port(const char *p, const char *end)
{
	int v = 0;

	if (p == end || end - p > 5)
		return -1;
	for (; p < end; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (*p - '0');
	}
	return v <= 65535 ? v : -1;
}

static void set_addr(struct sockaddr_storage *ss, int fam, const void *addr, uint16_t port_be)
{
	memset(ss, 0, sizeof(*ss));
	if (fam == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)ss;

		in->sin_family = AF_INET;
		memcpy(&in->sin_addr, addr, 4);
		in->sin_port = port_be;
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

		in6->sin6_family = AF_INET6;
		memcpy(&in6->sin6_addr, addr, 16);
		in6->sin6_port = port_be;
	}
}

/* "PROXY TCP4 1.2.3.4 5.6.7.8 111 222\r\n" */
static int parse_v1(const uint8_t *buf, size_t len, struct proxy_hdr *out, enum proxy_hdr_err *why)
{
	const char *s = (const char *)buf, *eol = NULL, *f[6];
	size_t flen[6];
	int fam, nf = 0, sport, dport;
	uint8_t a[16], b[16];
	char tmp[64];

	for (size_t i = 0; i + 1 < len && i + 1 < V1_MAX; i++)
		if (s[i] == '\r' && s[i + 1] == '\n') {
			eol = s + i;
			break;
		}
	if (!eol) {
		*why = PROXY_HDR_BAD_HDR;
		return len >= V1_MAX ? -1 : 0;
	}
	if (eol == s + 13 && memcmp(s + 6, "UNKNOWN", 7) == 0) {
		/* the connection keeps its addresses */
		out->has_addr = false;
		return 15;
	}
	if (eol - s < 11 || (memcmp(s + 6, "TCP4 ", 5) != 0 && memcmp(s + 6, "TCP6 ", 5) != 0)) {
		/* HAProxy accepts "UNKNOWN" alone, nothing after it */
		*why = PROXY_HDR_BAD_PROTO;
		return -1;
	}
	/* fields separated by single spaces */
	for (const char *p = s + 6, *start = s + 6; p <= eol; p++) {
		if (p == eol || *p == ' ') {
			if (nf == 6 || p == start)
				goto bad;
			f[nf] = start;
			flen[nf++] = (size_t)(p - start);
			start = p + 1;
		}
	}
	if (nf != 5 || flen[1] >= sizeof(tmp) || flen[2] >= sizeof(tmp))
		goto bad;
	fam = s[9] == '4' ? AF_INET : AF_INET6;   /* "PROXY TCP4 " */
	memcpy(tmp, f[1], flen[1]);
	tmp[flen[1]] = 0;
	if (inet_pton(fam, tmp, a) != 1)
		goto bad;
	memcpy(tmp, f[2], flen[2]);
	tmp[flen[2]] = 0;
	if (inet_pton(fam, tmp, b) != 1)
		goto bad;
	sport = v1_port(f[3], f[3] + flen[3]);
	dport = v1_port(f[4], f[4] + flen[4]);
	if (sport < 0 || dport < 0)
		goto bad;
	set_addr(&out->src, fam, a, htons((uint16_t)sport));
	set_addr(&out->dst, fam, b, htons((uint16_t)dport));
	out->alen = fam == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
	out->has_addr = true;
	return (int)(eol - s) + 2;
bad:
	*why = PROXY_HDR_BAD_HDR;
	return -1;
}

static int parse_v2(const uint8_t *buf, size_t len, struct proxy_hdr *out, enum proxy_hdr_err *why)
{
	size_t total, off;

	if ((buf[12] & 0xf0) != 0x20) {
		*why = PROXY_HDR_NOT_HDR;
		return -1;
	}
	total = V2_HDR + ((size_t)buf[14] << 8 | buf[15]);
	if (total > PROXY_HDR_MAX) {
		*why = PROXY_HDR_BAD_HDR;
		return -1;
	}
	if (len < total)
		return 0;
	out->has_addr = false;
	switch (buf[12] & 0x0f) {
	case 0x00:   /* LOCAL: the connection's own addresses */
		return (int)total;
	case 0x01:   /* PROXY */
		break;
	default:
		*why = PROXY_HDR_BAD_HDR;
		return -1;
	}
	switch (buf[13]) {
	case 0x11:   /* TCP over IPv4 */
		if (total < V2_HDR + 12)
			goto bad;
		set_addr(&out->src, AF_INET, buf + 16, (uint16_t)(buf[24] | buf[25] << 8));
		set_addr(&out->dst, AF_INET, buf + 20, (uint16_t)(buf[26] | buf[27] << 8));
		out->alen = sizeof(struct sockaddr_in);
		out->has_addr = true;
		off = V2_HDR + 12;
		break;
	case 0x21:   /* TCP over IPv6 */
		if (total < V2_HDR + 36)
			goto bad;
		set_addr(&out->src, AF_INET6, buf + 16, (uint16_t)(buf[48] | buf[49] << 8));
		set_addr(&out->dst, AF_INET6, buf + 32, (uint16_t)(buf[50] | buf[51] << 8));
		out->alen = sizeof(struct sockaddr_in6);
		out->has_addr = true;
		off = V2_HDR + 36;
		break;
	default:     /* other protocols: keep the connection's addresses */
		return (int)total;
	}
	/* TLVs (type, 16-bit length, value) must end where the header does;
	 * a CRC32C one must match the header, as HAProxy checks; the others
	 * are not used */
	while (off < total) {
		size_t tlen;

		if (off + 3 > total)
			goto bad;
		tlen = (size_t)buf[off + 1] << 8 | buf[off + 2];
		if (off + 3 + tlen > total)
			goto bad;
		if (buf[off] == 0x03) {   /* PP2_TYPE_CRC32C */
			uint32_t want;

			if (tlen != 4)
				goto bad;
			want = (uint32_t)buf[off + 3] << 24 | (uint32_t)buf[off + 4] << 16 |
			       (uint32_t)buf[off + 5] << 8 | buf[off + 6];
			if (crc32c(buf, total, off + 3) != want)
				goto bad;
		}
		off += 3 + tlen;
	}
	if (off != total)
		goto bad;
	return (int)total;
bad:
	/* has_addr stays: HAProxy has taken the addresses already when it
	 * finds the TLVs wrong, and logs the refusal with them */
	*why = PROXY_HDR_BAD_HDR;
	return -1;
}

int proxy_hdr_parse(const uint8_t *buf, size_t len, struct proxy_hdr *out, enum proxy_hdr_err *why)
{
	*why = PROXY_HDR_OK;
	out->has_addr = false;
	/* decide as soon as the bytes received cannot start either form */
	if (len == 0)
		return 0;
	if (buf[0] == 'P') {
		if (memcmp(buf, "PROXY ", len < 6 ? len : 6) != 0) {
			*why = PROXY_HDR_NOT_HDR;
			return -1;
		}
		return len < 6 ? 0 : parse_v1(buf, len, out, why);
	}
	if (memcmp(buf, v2sig, len < 12 ? len : 12) != 0) {
		*why = PROXY_HDR_NOT_HDR;
		return -1;
	}
	return len < V2_HDR ? 0 : parse_v2(buf, len, out, why);
}

/* ---- receiving it on an accepted connection ---- */

struct hdr_wait {
	struct worker *w;
	struct listener *li;
	int fd;
	struct conn_info *ci;
	struct ev_io io;
	struct ev_timer timer;
	struct hdr_wait *prev, *next;
};

static __thread struct hdr_wait *waiting;   /* this thread's */

static void hw_end(struct hdr_wait *hw)
{
	struct worker *w = hw->w;

	atomic_fetch_sub(&hw->li->fe->cur_conn, 1);
	atomic_fetch_sub(&w->conf->rt.cur_conn, 1);
	ev_timer_stop(w->loop, &hw->timer);
	ev_io_stop(w->loop, &hw->io);
	if (hw->prev)
		hw->prev->next = hw->next;
	else
		waiting = hw->next;
	if (hw->next)
		hw->next->prev = hw->prev;
	w->nstreams--;
}

/* HAProxy's line for a connection that failed before it became a stream. */
static void hw_log(struct hdr_wait *hw, enum proxy_hdr_err e)
{
	struct proxy *fe = hw->li->fe;
	const struct sockaddr *sa = (struct sockaddr *)&hw->ci->src;
	char line[512], cli[ADDR_STRLEN], date[64], lname[16];
	struct tm tm;
	int port = 0;

	if (fe->nlogs == 0)
		return;
	/* with dontlognull, connections that sent nothing are not logged */
	if ((fe->options & PXO_DONTLOGNULL) && (e == PROXY_HDR_EMPTY || e == PROXY_HDR_ABORT))
		return;
	localtime_r(&hw->ci->accept_date.tv_sec, &tm);
	strftime(date, sizeof(date), "%d/%b/%Y:%H:%M:%S", &tm);
	addr_host_str(sa, cli, sizeof(cli));
	if (sa->sa_family == AF_INET)
		port = ntohs(((const struct sockaddr_in *)sa)->sin_port);
	else if (sa->sa_family == AF_INET6)
		port = ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
	snprintf(line, sizeof(line), "%s:%d [%s.%03ld] %s/%s: %s", cli, port, date,
		 hw->ci->accept_date.tv_nsec / 1000000, fe->id, listener_log_name(hw->li, lname, sizeof(lname)),
		 proxy_hdr_err_str(e));
	for (int i = 0; i < fe->nlogs; i++)
		log_send(fe->logs[i], LOG_LVL_INFO, line);
}

static void hw_fail(struct hdr_wait *hw, enum proxy_hdr_err e)
{
	struct worker *w = hw->w;

	atomic_fetch_add(&hw->li->fe->cnt.failed_req, 1);
	hw_log(hw, e);
	hw_end(hw);
	close(hw->fd);
	conn_info_free(hw->ci);
	ev_free_later(w->loop, hw);
	worker_stream_closed(w);
}

static void hw_step(struct hdr_wait *hw)
{
	uint8_t buf[PROXY_HDR_MAX];
	struct proxy_hdr h;
	enum proxy_hdr_err why;
	ssize_t n;
	int r;

	n = recv(hw->fd, buf, sizeof(buf), MSG_PEEK);
	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return;
		hw_fail(hw, PROXY_HDR_ABORT);
		return;
	}
	if (n == 0) {
		hw_fail(hw, PROXY_HDR_EMPTY);
		return;
	}
	r = proxy_hdr_parse(buf, (size_t)n, &h, &why);
	if (r < 0) {
		if (h.has_addr)
			memcpy(&hw->ci->src, &h.src, h.alen);
		hw_fail(hw, why);
		return;
	}
	if (r == 0) {
		/* incomplete: the rest may come (the watcher is edge-triggered:
		 * new bytes wake it), unless the peer is done (hw_io) */
		if (n == (ssize_t)sizeof(buf))
			hw_fail(hw, PROXY_HDR_BAD_HDR);
		return;
	}
	/* take the header out of the socket; what follows stays for the
	 * engine */
	if (recv(hw->fd, buf, (size_t)r, 0) != r) {
		hw_fail(hw, PROXY_HDR_ABORT);
		return;
	}
	if (h.has_addr) {
		memcpy(&hw->ci->src, &h.src, h.alen);
		memcpy(&hw->ci->dst, &h.dst, h.alen);
	}
	{
		struct worker *w = hw->w;
		struct listener *li = hw->li;
		struct conn_info *ci = hw->ci;
		int fd = hw->fd;

		hw_end(hw);
		ev_free_later(w->loop, hw);
		session_dispatch(w, li, fd, ci);
	}
}

static void hw_io(struct ev_loop *loop, struct ev_io *io, uint32_t events)
{
	struct hdr_wait *hw = io->data;

	if ((events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) && !(events & EPOLLIN)) {
		hw_fail(hw, (events & EPOLLERR) ? PROXY_HDR_ABORT : PROXY_HDR_EMPTY);
		return;
	}
	if (events & (EPOLLRDHUP | EPOLLHUP)) {
		/* the peer is done: what is there is all there will be */
		uint8_t buf[PROXY_HDR_MAX];
		struct proxy_hdr h;
		enum proxy_hdr_err why;
		ssize_t n = recv(hw->fd, buf, sizeof(buf), MSG_PEEK);

		if (n > 0 && proxy_hdr_parse(buf, (size_t)n, &h, &why) == 0) {
			hw_fail(hw, PROXY_HDR_TRUNCATED);
			return;
		}
	}
	hw_step(hw);
}

static void hw_timeout(struct ev_loop *loop, struct ev_timer *t)
{
	hw_fail(t->data, PROXY_HDR_TIMEOUT);
}

void proxy_hdr_accept(struct worker *w, struct listener *li, int fd, struct conn_info *ci)
{
	struct hdr_wait *hw = xcalloc(1, sizeof(*hw));

	hw->w = w;
	hw->li = li;
	hw->fd = fd;
	hw->ci = ci;
	ev_io_init(&hw->io, hw_io, hw);
	ev_timer_init(&hw->timer, hw_timeout, hw);
	/* counted as a stream so that a stopping worker waits for it, and as
	 * a connection so that maxconn bounds it too */
	w->nstreams++;
	atomic_fetch_add(&li->fe->cur_conn, 1);
	atomic_fetch_add(&w->conf->rt.cur_conn, 1);
	hw->next = waiting;
	if (waiting)
		waiting->prev = hw;
	waiting = hw;
	if (ev_io_start(w->loop, &hw->io, fd, EPOLLIN | EPOLLRDHUP | EPOLLET) < 0) {
		hw_fail(hw, PROXY_HDR_ABORT);
		return;
	}
	/* HAProxy bounds the wait with `timeout client` */
	if (li->fe->timeouts.client)
		ev_timer_start(w->loop, &hw->timer, li->fe->timeouts.client);
	hw_step(hw);
}

void proxy_hdr_kill_all(struct worker *w)
{
	while (waiting) {
		struct hdr_wait *hw = waiting;

		hw_end(hw);
		close(hw->fd);
		conn_info_free(hw->ci);
		ev_free_later(w->loop, hw);
		worker_stream_closed(w);
	}
}

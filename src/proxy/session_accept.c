/* session_accept: a new connection's way to its engine (see session.h):
 * counting, connection rules, PROXY header, TLS handshake, engine. Apart
 * from session.c so that what the rules use does not drag the engines in. */
#include "proxy/session.h"
#include "proxy/http_ana.h"
#include "proxy/proxy.h"
#include "proxy/proxy_hdr.h"
#include "proxy/ssl.h"
#include "proxy/stream.h"
#include "proxy/worker.h"

#include <sys/socket.h>
#include <unistd.h>

void session_accept(struct worker *w, struct listener *li, int fd, const struct sockaddr *peer, socklen_t plen)
{
	struct proxy *fe = li->fe;
	struct conn_info *ci = conn_info_new(li, fd, peer, plen);
	uint64_t now = ev_now_ms(w->loop);
	bool expect_proxy = li->accept_proxy, silent = false;

	atomic_fetch_add(&fe->cnt.cum_conn, 1);
	atomic_fetch_add(&w->conf->rt.cum_conn, 1);
	freq_ctr_hit(&fe->cnt.conn_rate, &fe->cnt.cps_max, now);
	freq_ctr_hit(&w->conf->rt.conn_rate, &w->conf->rt.cps_max, now);
	if (!session_conn_rules(fe, ci, fd, &expect_proxy, &silent)) {
		/* one RST, as HAProxy closes a rejected connection */
		struct linger nolinger = { .l_onoff = 1, .l_linger = 0 };

		if (silent)
			session_silence(fd);
		else
			setsockopt(fd, SOL_SOCKET, SO_LINGER, &nolinger, sizeof(nolinger));
		close(fd);
		conn_info_free(ci);
		return;
	}
	if (expect_proxy)
		proxy_hdr_accept(w, li, fd, ci);
	else
		session_dispatch(w, li, fd, ci);
}

void session_dispatch(struct worker *w, struct listener *li, int fd, struct conn_info *ci)
{
	if (li->ssl)
		ssl_sock_accept(w, li, fd, ci);
	else if (li->fe->mode == PX_MODE_HTTP)
		http_accept(w, li, fd, ci);
	else
		stream_accept(w, li, fd, ci);
}

void session_end(struct worker *w, struct proxy *fe, struct proxy *be, struct conn_info *ci,
		 struct ev_io *cli_io)
{
	if (be)
		atomic_fetch_sub(&be->cur_sess, 1);
	atomic_fetch_sub(&fe->cur_conn, 1);
	atomic_fetch_sub(&w->conf->rt.cur_conn, 1);
	conn_info_free(ci);
	ev_io_close(w->loop, cli_io, xprt_close);
}

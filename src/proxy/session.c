/* session: the connection layer before the engines (see session.h). */
#include "proxy/session.h"
#include "proxy/acl.h"
#include "proxy/http_txn.h"
#include "proxy/proxy.h"
#include "proxy/sample.h"
#include "proxy/ssl.h"
#include "proxy/stick_counters.h"
#include "lib/util.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Whether every connection accepted on `li` was made to li's own
 * address: true of one address and port, not of a wildcard, port 0,
 * `transparent` (any address) or a unix socket (left to the kernel). */
static bool bound_to_one_address(const struct listener *li)
{
	const struct sockaddr_storage *ss = &li->addr.ss;

	if (li->transparent)
		return false;
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)ss;

		return a->sin_port && a->sin_addr.s_addr != htonl(INADDR_ANY);
	}
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;

		return a->sin6_port && !IN6_IS_ADDR_UNSPECIFIED(&a->sin6_addr);
	}
	return false;
}

struct conn_info *conn_info_new(const struct listener *li, int fd, const struct sockaddr *peer,
				socklen_t plen)
{
	struct conn_info *ci = xcalloc(1, sizeof(*ci));
	socklen_t len = sizeof(ci->dst);

	if (plen > sizeof(ci->src))
		plen = sizeof(ci->src);
	memcpy(&ci->src, peer, plen);
	/* one system call per connection saved on the usual bind lines */
	if (bound_to_one_address(li))
		memcpy(&ci->dst, &li->addr.ss, li->addr.len);
	else
		getsockname(fd, (struct sockaddr *)&ci->dst, &len);
	clock_gettime(CLOCK_REALTIME, &ci->accept_date);
	return ci;
}

void conn_info_free(struct conn_info *ci)
{
	if (!ci)
		return;
	for (int i = 0; i < 3; i++)
		if (ci->sc_entry[i])
			stkctr_untrack(ci->sc_table[i], ci->sc_entry[i], stkctr_now_ms());
	free(ci);
}

/* The fetches read the connection from a transaction: a TCP connection
 * has none, so an empty one per thread carries it. */
struct http_txn *session_txn(const struct sockaddr *src, const struct sockaddr *dst,
				    const struct ssl_sock *ssl, struct stkctr_table **sc_table,
				    struct stkctr_entry **sc_entry)
{
	static __thread struct http_txn scratch;

	scratch.src = src;
	scratch.dst = dst;
	scratch.ssl = ssl;
	for (int i = 0; i < 3; i++) {
		scratch.sc_table[i] = sc_table ? sc_table[i] : NULL;
		scratch.sc_entry[i] = sc_entry ? sc_entry[i] : NULL;
	}
	return &scratch;
}

bool session_cond_eval(const struct acl_cond *c, const struct sockaddr *src, const struct sockaddr *dst,
		       const struct ssl_sock *ssl, struct stkctr_table **sc_table,
		       struct stkctr_entry **sc_entry)
{
	return acl_cond_eval_http(c, session_txn(src, dst, ssl, sc_table, sc_entry));
}

void session_track(struct proxy *tp, const struct sample_expr *key_expr, const struct sockaddr *src,
		   const struct sockaddr *dst, const struct ssl_sock *ssl,
		   struct stkctr_table **table, struct stkctr_entry **entry)
{
	session_track_txn(tp, key_expr, session_txn(src, dst, ssl, NULL, NULL), table, entry);
}

void session_track_txn(struct proxy *tp, const struct sample_expr *key_expr, struct http_txn *txn,
		       struct stkctr_table **table, struct stkctr_entry **entry)
{
	unsigned char key[STKCTR_KEY_MAX];
	struct smp smp;
	size_t klen;

	/* only the first rule tracking a counter applies, as in HAProxy */
	if (*entry || !tp || !tp->stkctr)
		return;
	if (!sample_eval(key_expr, txn, 0, &smp))
		return;
	klen = sample_key(&smp, key, sizeof(key));
	if (!klen)
		return;
	*entry = stkctr_track(tp->stkctr, key, klen, stkctr_now_ms());
	if (*entry)
		*table = tp->stkctr;
}

void session_silence(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	struct linger nolinger = { .l_onoff = 1, .l_linger = 0 };
	int one = 1;

	if (setsockopt(fd, SOL_TCP, TCP_REPAIR, &one, sizeof(one)) == 0)
		return;
	if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0 && ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &one, sizeof(one));
	else
		setsockopt(fd, IPPROTO_IP, IP_TTL, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &nolinger, sizeof(nolinger));
}

bool session_conn_rules(struct proxy *fe, struct conn_info *ci, int fd, bool *expect_proxy, bool *silent)
{
	const struct sockaddr *src = (struct sockaddr *)&ci->src, *dst = (struct sockaddr *)&ci->dst;

	for (int i = 0; i < fe->ntcp_rules; i++) {
		const struct tcp_rule *r = &fe->tcp_rules[i];

		if (r->layer != TCP_RULE_CONNECTION)
			continue;
		if (r->cond && !session_cond_eval(r->cond, src, dst, NULL, ci->sc_table, ci->sc_entry))
			continue;
		switch (r->action) {
		case TCP_ACT_ACCEPT:
			return true;
		case TCP_ACT_REJECT:
			atomic_fetch_add(&fe->cnt.denied_conn, 1);
			return false;
		case TCP_ACT_SILENT_DROP:
			atomic_fetch_add(&fe->cnt.denied_req, 1);
			*silent = true;
			return false;
		case TCP_ACT_TRACK_SC:
			session_track(r->table_px, r->expr, src, dst, NULL, &ci->sc_table[r->sc],
				      &ci->sc_entry[r->sc]);
			break;
		case TCP_ACT_EXPECT_PROXY:
			*expect_proxy = true;
			break;
		}
	}
	return true;
}

bool session_rules(struct proxy *fe, struct conn_info *ci, int fd, const struct ssl_sock *ssl)
{
	const struct sockaddr *src = (struct sockaddr *)&ci->src, *dst = (struct sockaddr *)&ci->dst;

	for (int i = 0; i < fe->ntcp_rules; i++) {
		const struct tcp_rule *r = &fe->tcp_rules[i];

		if (r->layer != TCP_RULE_SESSION)
			continue;
		if (r->cond && !session_cond_eval(r->cond, src, dst, ssl, ci->sc_table, ci->sc_entry))
			continue;
		switch (r->action) {
		case TCP_ACT_ACCEPT:
			return true;
		case TCP_ACT_REJECT: {
			struct linger nolinger = { .l_onoff = 1, .l_linger = 0 };

			atomic_fetch_add(&fe->cnt.denied_sess, 1);
			setsockopt(fd, SOL_SOCKET, SO_LINGER, &nolinger, sizeof(nolinger));
			return false;
		}
		case TCP_ACT_SILENT_DROP:
			atomic_fetch_add(&fe->cnt.denied_req, 1);
			session_silence(fd);
			return false;
		case TCP_ACT_TRACK_SC:
			session_track(r->table_px, r->expr, src, dst, ssl, &ci->sc_table[r->sc], &ci->sc_entry[r->sc]);
			break;
		case TCP_ACT_EXPECT_PROXY:   /* refused by the parser */
			break;
		}
	}
	return true;
}

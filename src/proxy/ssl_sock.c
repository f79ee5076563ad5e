/* ssl_sock: TLS connections (see ssl.h); the accept-side handshake is in
 * ssl_accept.c.
 *
 * Every socket with TLS has a struct ssl_sock, found from its fd through a
 * process-wide table (fds are unique in the process; each entry is only
 * written by the thread that owns the socket, before it hands the fd to
 * anyone and before it closes it).
 *
 * Data: xprt_recv() reads until OpenSSL wants more from the socket or the
 * buffer is full, so a short read means what a short recv() means (the
 * kernel had no more: a new edge will come), which the edge-triggered
 * engines rely on. xprt_sendmsg() writes until done or the socket is full;
 * partial writes are on, and a retry always starts with the bytes that
 * could not be written, as OpenSSL requires.
 */
#include "proxy/ssl_int.h"
#include "proxy/send_proxy.h"
#include "proxy/http_txn.h"
#include "proxy/proxy.h"
#include "proxy/sample.h"
#include "lib/log.h"
#include "lib/util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#define FD_TABLE_MAX (1 << 20)

static _Atomic(struct ssl_sock *) *fd_table;
static int fd_table_cap;
static pthread_once_t fd_table_once = PTHREAD_ONCE_INIT;

static void fd_table_init(void)
{
	struct rlimit rl;
	rlim_t n = 65536;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
		n = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > FD_TABLE_MAX ? FD_TABLE_MAX : rl.rlim_max;
	fd_table_cap = (int)n;
	fd_table = xcalloc((size_t)n, sizeof(*fd_table));
}

static struct ssl_sock *sock_get(int fd)
{
	if (fd < 0 || fd >= fd_table_cap || !fd_table)
		return NULL;
	return atomic_load_explicit(&fd_table[fd], memory_order_acquire);
}

int ssl_sock_register(int fd, struct ssl_sock *ss)
{
	pthread_once(&fd_table_once, fd_table_init);
	if (fd < 0 || fd >= fd_table_cap)
		return -EMFILE;
	atomic_store_explicit(&fd_table[fd], ss, memory_order_release);
	return 0;
}

struct ssl_sock *ssl_sock_of_fd(int fd)
{
	return sock_get(fd);
}

bool xprt_is_tls(int fd)
{
	return sock_get(fd) != NULL;
}

void ssl_sock_free(struct ssl_sock *ss)
{
	SSL_free(ss->ssl);
	free(ss->preamble);
	free(ss);
}

int xprt_preamble(int fd, const char *p, size_t n)
{
	struct ssl_sock *ss = sock_get(fd);

	if (!ss)
		return -1;
	free(ss->preamble);
	ss->preamble = xmalloc(n);
	memcpy(ss->preamble, p, n);
	ss->preamble_len = n;
	return 0;
}

/* ---- server side ---- */

static int attach_client(int fd, SSL_CTX *ctx, const char *sni, const char *verifyhost,
			 SSL_SESSION *resume)
{
	struct ssl_sock *ss;

	if (!ctx)
		return -EINVAL;
	ss = xcalloc(1, sizeof(*ss));
	ss->fd = fd;
	ss->ssl = SSL_new(ctx);
	if (!ss->ssl || !SSL_set_fd(ss->ssl, fd)) {
		ERR_clear_error();
		ssl_sock_free(ss);
		return -ENOMEM;
	}
	SSL_set_connect_state(ss->ssl);
	if (sni && *sni)
		SSL_set_tlsext_host_name(ss->ssl, sni);
	if (resume)
		SSL_set_session(ss->ssl, resume);   /* offered; the server may refuse */
	/* with verification on, the name checked is verifyhost, or the SNI
	 * sent, as HAProxy does */
	if (SSL_get_verify_mode(ss->ssl) & SSL_VERIFY_PEER) {
		const char *host = verifyhost ? verifyhost : sni;

		if (host && *host)
			SSL_set1_host(ss->ssl, host);
	}
	ERR_clear_error();
	if (ssl_sock_register(fd, ss) < 0) {
		ssl_sock_free(ss);
		return -EMFILE;
	}
	return 0;
}

int ssl_sock_attach_server(int fd, struct server *srv, struct http_txn *txn, int cli_fd,
			   const struct sockaddr *src, const struct sockaddr *dst)
{
	struct ssl_srv *s = srv->ssl;
	SSL_SESSION *resume;
	char sni[256] = "";
	int r;

	if (s->sni) {
		struct smp *o = xmalloc(sizeof(*o));

		if (sample_eval(s->sni, txn, 0, o) && !o->is_int)
			snprintf(sni, sizeof(sni), "%.*s", (int)o->len, o->p);
		free(o);
	}
	resume = ssl_srv_session(s, sni);
	r = attach_client(fd, s->ctx, sni, s->verifyhost, resume);
	SSL_SESSION_free(resume);
	if (r == 0 && (srv->send_proxy || srv->send_proxy_v2)) {
		char hdr[PROXY_HDR_OUT];
		int n = send_proxy_for_server(hdr, srv, sock_get(cli_fd), src, dst);

		xprt_preamble(fd, hdr, (size_t)n);
	}
	return r;
}

int ssl_sock_attach_check(int fd, struct server *srv)
{
	struct ssl_srv *s = srv->ssl;

	/* a `connect ssl` rule written after the server line: the context
	 * is built at the first check (checks run on one thread) */
	if (!s || !s->ctx) {
		char err[512];

		if (!s)
			s = srv->ssl = xcalloc(1, sizeof(*s));
		s->ctx = ssl_srv_build(s, s->g, err, sizeof(err));
		if (!s->ctx) {
			log_err("server %s/%s: cannot set up TLS for checks: %s", srv->px->id, srv->id, err);
			return -EINVAL;
		}
	}

	int r = attach_client(fd, s ? s->ctx : NULL, s ? s->check_sni : NULL,
			      s ? s->verifyhost : NULL, NULL);

	if (r == 0)
		ssl_srv_check_conn(sock_get(fd)->ssl);
	return r;
}

int xprt_connect_step(int fd, uint32_t events, uint32_t *want, char *why, size_t whylen)
{
	struct ssl_sock *ss = sock_get(fd);
	int r, e;

	if (why && whylen)
		why[0] = 0;
	*want = EPOLLOUT;
	if (!ss || !ss->tcp_ok) {
		int err = 0;
		socklen_t len = sizeof(err);

		if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
			return 0;
		/* A failed connect always reports EPOLLERR: writable without
		 * it is connected, and asking SO_ERROR would be one more
		 * system call per connection. */
		if ((events & (EPOLLERR | EPOLLHUP)) &&
		    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			err = errno;
		if (err || (events & (EPOLLERR | EPOLLHUP))) {
			errno = err ? err : ECONNREFUSED;
			return -1;
		}
		if (!ss)
			return 1;
		ss->tcp_ok = true;
		/* a few bytes on a fresh connection: all go, or it failed */
		if (ss->preamble_len) {
			ssize_t n = send(fd, ss->preamble, ss->preamble_len, MSG_NOSIGNAL);

			if (n != (ssize_t)ss->preamble_len) {
				if (n >= 0)
					errno = EIO;
				ss->failed = true;
				return -1;
			}
			xfree(&ss->preamble);
			ss->preamble_len = 0;
		}
	}
	ERR_clear_error();
	r = SSL_do_handshake(ss->ssl);
	if (r == 1) {
		ss->hs_done = true;
		return 1;
	}
	e = SSL_get_error(ss->ssl, r);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
		*want = e == SSL_ERROR_WANT_READ ? EPOLLIN : EPOLLOUT;
		return 0;
	}
	ss->failed = true;
	if (why && whylen) {
		if (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0)
			snprintf(why, whylen, "SSL handshake failure (%s)",
				 errno ? strerror(errno) : "connection closed");
		else {
			char ebuf[200];

			snprintf(why, whylen, "SSL handshake failure (%s)", ssl_errors(ebuf, sizeof(ebuf)));
		}
	}
	ERR_clear_error();
	errno = ECONNABORTED;
	return -1;
}

/* ---- transport ---- */

ssize_t xprt_recv(int fd, void *buf, size_t len, int flags)
{
	struct ssl_sock *ss = sock_get(fd);
	size_t got = 0;

	if (!ss)
		return recv(fd, buf, len, flags);
	while (got < len) {
		size_t n = 0;
		int e;

		ERR_clear_error();
		if (SSL_read_ex(ss->ssl, (char *)buf + got, len - got, &n)) {
			got += n;
			continue;
		}
		e = SSL_get_error(ss->ssl, 0);
		if (got)
			break;
		if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
			errno = EAGAIN;
			return -1;
		}
		if (e == SSL_ERROR_ZERO_RETURN)
			return 0;
		if (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0 && errno == 0)
			return 0;   /* EOF without close_notify */
		ss->failed = true;
		ERR_clear_error();
		errno = ECONNRESET;
		return -1;
	}
	return (ssize_t)got;
}

static ssize_t ssl_write_buf(struct ssl_sock *ss, const char *p, size_t len, bool *blocked)
{
	size_t done = 0;

	while (done < len) {
		size_t n = 0;
		int e;

		ERR_clear_error();
		if (SSL_write_ex(ss->ssl, p + done, len - done, &n)) {
			done += n;
			continue;
		}
		e = SSL_get_error(ss->ssl, 0);
		if (e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ) {
			*blocked = true;
			break;
		}
		ss->failed = true;
		ERR_clear_error();
		if (done)
			break;
		errno = e == SSL_ERROR_SYSCALL && errno ? errno : EPIPE;
		return -1;
	}
	return (ssize_t)done;
}

/* Several buffers (a response head and its body) are gathered into
 * records of up to 16 kB, so they leave in one record and one system
 * call, as sendmsg() sends them. Each call gathers from the start of what
 * is pending, which keeps OpenSSL's rule for a retry after WANT_WRITE:
 * the same bytes first, never fewer. */
#define GATHER_MAX 16384

ssize_t xprt_sendmsg(int fd, const struct msghdr *msg, int flags)
{
	static __thread char gather[GATHER_MAX];
	struct ssl_sock *ss = sock_get(fd);
	size_t total = 0, iov = 0, off = 0;
	bool blocked = false;

	if (!ss)
		return sendmsg(fd, msg, flags);
	if (msg->msg_iovlen == 1)
		return xprt_send(fd, msg->msg_iov[0].iov_base, msg->msg_iov[0].iov_len, flags);
	while (!blocked && iov < msg->msg_iovlen) {
		size_t len = 0;
		ssize_t n;

		/* gather from (iov, off) */
		for (size_t i = iov, o = off; i < msg->msg_iovlen && len < GATHER_MAX; i++, o = 0) {
			const struct iovec *v = &msg->msg_iov[i];
			size_t take = v->iov_len - o;

			if (take > GATHER_MAX - len)
				take = GATHER_MAX - len;
			memcpy(gather + len, (const char *)v->iov_base + o, take);
			len += take;
		}
		if (!len)
			break;
		n = ssl_write_buf(ss, gather, len, &blocked);
		if (n < 0) {
			if (total)
				break;
			return -1;
		}
		total += (size_t)n;
		/* advance (iov, off) by n */
		for (size_t left = (size_t)n; left && iov < msg->msg_iovlen; ) {
			size_t rest = msg->msg_iov[iov].iov_len - off;

			if (left < rest) {
				off += left;
				left = 0;
			} else {
				left -= rest;
				iov++;
				off = 0;
			}
		}
		while (iov < msg->msg_iovlen && msg->msg_iov[iov].iov_len == off) {
			iov++;
			off = 0;
		}
		if ((size_t)n < len)
			break;
	}
	if (!total && blocked) {
		errno = EAGAIN;
		return -1;
	}
	return (ssize_t)total;
}

ssize_t xprt_send(int fd, const void *buf, size_t len, int flags)
{
	struct ssl_sock *ss = sock_get(fd);
	bool blocked = false;
	ssize_t n;

	if (!ss)
		return send(fd, buf, len, flags);
	n = ssl_write_buf(ss, buf, len, &blocked);
	if (n == 0 && blocked) {
		errno = EAGAIN;
		return -1;
	}
	return n;
}

/* close_notify, then the TCP FIN. A full socket buffer loses the alert,
 * which peers take as a plain EOF: no reason to wait for room. */
int xprt_shutw(int fd)
{
	struct ssl_sock *ss = sock_get(fd);

	if (ss && ss->hs_done && !ss->failed && !ss->shut_sent) {
		ss->shut_sent = true;
		ERR_clear_error();
		SSL_shutdown(ss->ssl);
		ERR_clear_error();
	}
	return shutdown(fd, SHUT_WR);
}

int xprt_close(int fd)
{
	struct ssl_sock *ss = sock_get(fd);

	if (ss) {
		if (ss->hs_done && !ss->failed && !ss->shut_sent) {
			ERR_clear_error();
			SSL_shutdown(ss->ssl);
			ERR_clear_error();
		}
		atomic_store_explicit(&fd_table[fd], NULL, memory_order_release);
		ssl_sock_free(ss);
	}
	return close(fd);
}

/* ---- sample fetches ---- */

static bool smp_str(struct smp *o, const char *s, size_t len)
{
	if (len >= sizeof(o->buf))
		len = sizeof(o->buf) - 1;
	memcpy(o->buf, s, len);
	o->buf[len] = 0;
	o->p = o->buf;
	o->len = len;
	o->is_int = false;
	return true;
}

static bool smp_int(struct smp *o, long long v)
{
	int n = snprintf(o->buf, sizeof(o->buf), "%lld", v);

	o->num = v;
	o->is_int = true;
	o->p = o->buf;
	o->len = (size_t)n;
	return true;
}

bool ssl_smp_fc(const struct ssl_sock *ss, struct smp *o)
{
	return smp_int(o, ss != NULL);
}

bool ssl_smp_fc_sni(const struct ssl_sock *ss, struct smp *o)
{
	const char *n = ss ? SSL_get_servername(ss->ssl, TLSEXT_NAMETYPE_host_name) : NULL;

	return n ? smp_str(o, n, strlen(n)) : false;
}

bool ssl_smp_fc_protocol(const struct ssl_sock *ss, struct smp *o)
{
	const char *v = ss ? SSL_get_version(ss->ssl) : NULL;

	return v ? smp_str(o, v, strlen(v)) : false;
}

bool ssl_smp_fc_alpn(const struct ssl_sock *ss, struct smp *o)
{
	const unsigned char *p = NULL;
	unsigned len = 0;

	if (!ss)
		return false;
	SSL_get0_alpn_selected(ss->ssl, &p, &len);
	return p && len ? smp_str(o, (const char *)p, len) : false;
}

bool ssl_smp_fc_cipher(const struct ssl_sock *ss, struct smp *o)
{
	const char *c = ss ? SSL_get_cipher_name(ss->ssl) : NULL;

	return c ? smp_str(o, c, strlen(c)) : false;
}

bool ssl_smp_c_verify(const struct ssl_sock *ss, struct smp *o)
{
	return ss ? smp_int(o, SSL_get_verify_result(ss->ssl)) : false;
}

bool ssl_smp_c_used(const struct ssl_sock *ss, struct smp *o)
{
	X509 *x = ss ? SSL_get0_peer_certificate(ss->ssl) : NULL;

	return ss ? smp_int(o, x != NULL) : false;
}

/* A DN as HAProxy prints it by default: "/C=FR/O=Org/CN=name". */
static bool smp_dn(X509_NAME *name, struct smp *o)
{
	size_t off = 0;

	if (!name)
		return false;
	for (int i = 0; i < X509_NAME_entry_count(name); i++) {
		X509_NAME_ENTRY *e = X509_NAME_get_entry(name, i);
		ASN1_STRING *d = X509_NAME_ENTRY_get_data(e);
		int nid = OBJ_obj2nid(X509_NAME_ENTRY_get_object(e));
		const char *sn = nid != NID_undef ? OBJ_nid2sn(nid) : "?";
		int n = snprintf(o->buf + off, sizeof(o->buf) - off, "/%s=%.*s", sn,
				 ASN1_STRING_length(d), (const char *)ASN1_STRING_get0_data(d));

		if (n < 0 || (size_t)n >= sizeof(o->buf) - off)
			return false;
		off += (size_t)n;
	}
	o->p = o->buf;
	o->len = off;
	o->is_int = false;
	return true;
}

bool ssl_smp_fc_has_sni(const struct ssl_sock *ss, struct smp *o)
{
	return ss ? smp_int(o, SSL_get_servername(ss->ssl, TLSEXT_NAMETYPE_host_name) != NULL) : false;
}

/* An entry of a DN named as HAProxy takes it: by short or long name, in
 * any case ("cn", "CN", "commonName"). */
static bool dn_entry_is(X509_NAME_ENTRY *e, const char *entry)
{
	int nid = OBJ_obj2nid(X509_NAME_ENTRY_get_object(e));

	return nid != NID_undef && (strcasecmp(OBJ_nid2sn(nid), entry) == 0 ||
				    strcasecmp(OBJ_nid2ln(nid), entry) == 0);
}

bool ssl_smp_c_dn(const struct ssl_sock *ss, bool issuer, const char *entry, int occ, struct smp *o)
{
	X509 *x = ss ? SSL_get0_peer_certificate(ss->ssl) : NULL;
	X509_NAME *name;
	int n = 0, want, count;

	if (!x)
		return false;
	name = issuer ? X509_get_issuer_name(x) : X509_get_subject_name(x);
	if (!entry || !*entry)
		return smp_dn(name, o);
	count = X509_NAME_entry_count(name);
	for (int i = 0; i < count; i++)
		n += dn_entry_is(X509_NAME_get_entry(name, i), entry);
	want = occ > 0 ? occ : occ < 0 ? n + occ + 1 : n;
	if (want < 1 || want > n)
		return false;
	for (int i = 0; i < count; i++) {
		X509_NAME_ENTRY *e = X509_NAME_get_entry(name, i);

		if (dn_entry_is(e, entry) && --want == 0) {
			ASN1_STRING *d = X509_NAME_ENTRY_get_data(e);

			return smp_str(o, (const char *)ASN1_STRING_get0_data(d), (size_t)ASN1_STRING_length(d));
		}
	}
	return false;
}

/* ---- PROXY v2 TLVs (send_proxy.h) ---- */

static void copy_str(char *dst, size_t size, const char *s, size_t len)
{
	if (len >= size)
		len = 0;   /* too long for any TLV we send: absent, not cut */
	memcpy(dst, s, len);
	dst[len] = 0;
}

/* "EC256", "RSA2048": HAProxy's names of a key; other key types have
 * none and their TLV is left out. */
static void key_alg_name(X509 *x, char *out, size_t size)
{
	EVP_PKEY *k = X509_get0_pubkey(x);
	const char *type = NULL;

	if (!k)
		return;
	switch (EVP_PKEY_get_base_id(k)) {
	case EVP_PKEY_RSA: type = "RSA"; break;
	case EVP_PKEY_EC: type = "EC"; break;
	case EVP_PKEY_DSA: type = "DSA"; break;
	default: return;
	}
	snprintf(out, size, "%s%d", type, EVP_PKEY_get_bits(k));
}

void ssl_sock_pp2_info(const struct ssl_sock *ss, unsigned pp2_opts, struct send_proxy_tls *out)
{
	const unsigned char *alpn = NULL;
	unsigned alpn_len = 0;
	const char *version;
	X509 *peer, *own;

	memset(out, 0, sizeof(*out));
	if (!ss)
		return;
	out->ssl = true;
	SSL_get0_alpn_selected(ss->ssl, &alpn, &alpn_len);
	if (alpn && alpn_len && alpn_len < sizeof(out->alpn)) {
		memcpy(out->alpn, alpn, alpn_len);
		out->alpn_len = (uint8_t)alpn_len;
	}
	if (pp2_opts & PP2_OPT_AUTHORITY) {
		const char *sni = SSL_get_servername(ss->ssl, TLSEXT_NAMETYPE_host_name);

		if (sni)
			copy_str(out->sni, sizeof(out->sni), sni, strlen(sni));
	}
	if (!(pp2_opts & PP2_OPT_SSL))
		return;
	version = SSL_get_version(ss->ssl);
	copy_str(out->version, sizeof(out->version), version, strlen(version));
	/* the session's certificate: also there after a resumption, when the
	 * client presented none in this handshake (HAProxy's CERT_SESS
	 * without CERT_CONN) */
	peer = SSL_get0_peer_certificate(ss->ssl);
	if (peer) {
		out->cert_sess = true;
		out->cert_conn = !SSL_session_reused(ss->ssl);
		out->verify = (uint32_t)SSL_get_verify_result(ss->ssl);
	}
	if ((pp2_opts & PP2_OPT_SSL_CN) && peer) {
		X509_NAME *name = X509_get_subject_name(peer);
		int i = X509_NAME_get_index_by_NID(name, NID_commonName, -1);   /* the first */

		if (i >= 0) {
			ASN1_STRING *d = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i));

			copy_str(out->cn, sizeof(out->cn), (const char *)ASN1_STRING_get0_data(d),
				 (size_t)ASN1_STRING_length(d));
		}
	}
	/* the key and signature algorithms are those of the certificate we
	 * presented on the bind line, as HAProxy sends them */
	own = SSL_get_certificate(ss->ssl);
	if ((pp2_opts & PP2_OPT_SSL_KEY) && own)
		key_alg_name(own, out->key_alg, sizeof(out->key_alg));
	if ((pp2_opts & PP2_OPT_SSL_SIG) && own) {
		const char *sn = OBJ_nid2sn(X509_get_signature_nid(own));

		if (sn)
			copy_str(out->sig_alg, sizeof(out->sig_alg), sn, strlen(sn));
	}
	if (pp2_opts & PP2_OPT_SSL_CIPHER) {
		const char *c = SSL_get_cipher_name(ss->ssl);

		if (c)
			copy_str(out->cipher, sizeof(out->cipher), c, strlen(c));
	}
}

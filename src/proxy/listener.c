#include "proxy/listener.h"
#include "lib/log.h"
#include "lib/util.h"

#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#define FDS_PER_MSG 200   /* below the kernel's SCM_MAX_FD (253) */

/* Take the socket bound to `a` out of the set; -1 if none. */
static int fdset_take(struct fdset *set, const struct addr *a)
{
	if (!set)
		return -1;
	for (int i = 0; i < set->n; i++) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		int fd = set->fds[i];

		if (fd < 0 || getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
			continue;
		if (len == a->len && memcmp(&ss, &a->ss, len) == 0) {
			set->fds[i] = -1;
			return fd;
		}
		/* unix sockets: getsockname may report a shorter length */
		if (ss.ss_family == AF_UNIX && a->ss.ss_family == AF_UNIX &&
		    strcmp(((struct sockaddr_un *)&ss)->sun_path,
			   ((const struct sockaddr_un *)&a->ss)->sun_path) == 0) {
			set->fds[i] = -1;
			return fd;
		}
	}
	return -1;
}

const char *listener_log_name(const struct listener *li, char *buf, size_t len)
{
	if (li->name)
		return li->name;
	snprintf(buf, len, "?");
	for (int i = 0; i < li->fe->nlisteners; i++)
		if (li->fe->listeners[i] == li)
			snprintf(buf, len, "%d", i + 1);
	return buf;
}

void fdset_close(struct fdset *s)
{
	for (int i = 0; i < s->n; i++)
		if (s->fds[i] >= 0)
			close(s->fds[i]);
	xfree(&s->fds);
	s->n = 0;
}

static int bind_listener(struct listener *li, int default_backlog, char *err, size_t errlen)
{
	int one = 1, zero = 0, fd;
	char a[ADDR_STRLEN];

	fd = socket(li->addr.ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* Lets a successor bind next to us if the hand-over is not used. */
	setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	if (li->transparent) {
		int level = li->addr.ss.ss_family == AF_INET6 ? SOL_IPV6 : SOL_IP;
		int opt = li->addr.ss.ss_family == AF_INET6 ? IPV6_TRANSPARENT : IP_TRANSPARENT;

		if (setsockopt(fd, level, opt, &one, sizeof(one)) < 0)
			goto fail;
	}
	if (li->freebind && setsockopt(fd, SOL_IP, IP_FREEBIND, &one, sizeof(one)) < 0)
		goto fail;
	if (li->addr.ss.ss_family == AF_INET6 && (li->v6only || li->v4v6))
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, li->v6only ? &one : &zero, sizeof(one));
	if (li->interface &&
	    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, li->interface, (socklen_t)strlen(li->interface)) < 0)
		goto fail;
	if (bind(fd, (struct sockaddr *)&li->addr.ss, li->addr.len) < 0)
		goto fail;
	if (listen(fd, li->backlog ? li->backlog : default_backlog) < 0)
		goto fail;
	li->fd = fd;
	return 0;
fail:
	snprintf(err, errlen, "Starting proxy %s: cannot bind socket (%s) [%s]", li->fe->id,
		 strerror(errno), addr_to_str((struct sockaddr *)&li->addr.ss, a, sizeof(a)));
	if (fd >= 0)
		close(fd);
	return -EADDRINUSE;
}

static int bind_stats_socket(struct stats_socket *ss, char *err, size_t errlen)
{
	char a[ADDR_STRLEN];
	int fd, one = 1;

	fd = socket(ss->addr.ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	if (addr_is_unix(&ss->addr)) {
		const char *path = ((struct sockaddr_un *)&ss->addr.ss)->sun_path;
		char tmp[sizeof(((struct sockaddr_un *)0)->sun_path) + 16];
		struct sockaddr_un sun = { .sun_family = AF_UNIX };

		/* Bind under a temporary name, then rename over the old path:
		 * clients always find a working socket there. */
		if (snprintf(tmp, sizeof(tmp), "%s.%d.tmp", path, (int)getpid()) >= (int)sizeof(sun.sun_path)) {
			errno = ENAMETOOLONG;
			goto fail;
		}
		strcpy(sun.sun_path, tmp);
		unlink(tmp);
		if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0)
			goto fail;
		if (chmod(tmp, ss->mode >= 0 ? (mode_t)ss->mode : 0600) < 0 ||
		    ((ss->uid != (uid_t)-1 || ss->gid != (gid_t)-1) && chown(tmp, ss->uid, ss->gid) < 0) ||
		    rename(tmp, path) < 0) {
			unlink(tmp);
			goto fail;
		}
	} else {
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, (struct sockaddr *)&ss->addr.ss, ss->addr.len) < 0)
			goto fail;
	}
	if (listen(fd, 16) < 0)
		goto fail;
	ss->fd = fd;
	return 0;
fail:
	snprintf(err, errlen, "Starting frontend GLOBAL: cannot bind stats socket (%s) [%s]",
		 strerror(errno), addr_to_str((struct sockaddr *)&ss->addr.ss, a, sizeof(a)));
	if (fd >= 0)
		close(fd);
	return -EINVAL;
}

void listeners_close(struct pxconf *c)
{
	for (int p = 0; p < c->nproxies; p++)
		for (int l = 0; l < c->proxies[p]->nlisteners; l++) {
			struct listener *li = c->proxies[p]->listeners[l];

			if (li->fd >= 0)
				close(li->fd);
			li->fd = -1;
		}
	for (int i = 0; i < c->global.nstats_sockets; i++) {
		if (c->global.stats_sockets[i].fd >= 0)
			close(c->global.stats_sockets[i].fd);
		c->global.stats_sockets[i].fd = -1;
	}
}

int listeners_bind(struct pxconf *c, struct fdset *inherit, char *err, size_t errlen)
{
	int backlog = c->global.maxconn > 0 ? c->global.maxconn : 1024;

	for (int p = 0; p < c->nproxies; p++) {
		struct proxy *px = c->proxies[p];

		if (!(px->cap & PX_CAP_FE) || px->disabled)
			continue;
		for (int l = 0; l < px->nlisteners; l++) {
			struct listener *li = px->listeners[l];

			if (li->fd >= 0)
				continue;
			li->fd = fdset_take(inherit, &li->addr);
			if (li->fd >= 0)
				continue;
			if (bind_listener(li, px->maxconn ? px->maxconn : backlog, err, errlen) < 0)
				goto fail;
		}
	}
	for (int i = 0; i < c->global.nstats_sockets; i++) {
		struct stats_socket *ss = &c->global.stats_sockets[i];

		if (ss->fd >= 0)
			continue;
		/* A unix stats socket is always bound anew (atomically renamed
		 * over the old path), so that its mode and owner follow the new
		 * configuration. */
		if (!addr_is_unix(&ss->addr))
			ss->fd = fdset_take(inherit, &ss->addr);
		if (ss->fd < 0 && bind_stats_socket(ss, err, errlen) < 0)
			goto fail;
	}
	return 0;
fail:
	listeners_close(c);
	return -EADDRINUSE;
}

/* ---- hand-over ---- */

static void handover_name(pid_t pid, struct sockaddr_un *sun, socklen_t *len)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	/* Abstract namespace: sun_path[0] = 0, no file to clean up. */
	int n = snprintf(sun->sun_path + 1, sizeof(sun->sun_path) - 1, "vigil-proxy.%d", (int)pid);
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
}

int handover_fetch(pid_t pid, struct fdset *out, char *err, size_t errlen)
{
	struct sockaddr_un sun;
	socklen_t len;
	int sock;

	out->fds = NULL;
	out->n = 0;
	handover_name(pid, &sun, &len);
	sock = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	struct timeval tv = { .tv_sec = 2 };

	/* A peer that accepts but never answers must not hang the start. */
	if (sock >= 0)
		setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (sock < 0 || connect(sock, (struct sockaddr *)&sun, len) < 0) {
		snprintf(err, errlen, "cannot reach process %d to take over its sockets: %s",
			 (int)pid, strerror(errno));
		if (sock >= 0)
			close(sock);
		return -ECONNREFUSED;
	}
	for (;;) {
		char data[8];
		char cbuf[CMSG_SPACE(sizeof(int) * FDS_PER_MSG)];
		struct iovec iov = { data, sizeof(data) };
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
				      .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
		ssize_t n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);

		if (n <= 0)
			break;
		for (struct cmsghdr *cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
			int count;

			if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
				continue;
			count = (int)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));
			out->fds = xrealloc(out->fds, sizeof(int) * (size_t)(out->n + count));
			memcpy(out->fds + out->n, CMSG_DATA(cm), sizeof(int) * (size_t)count);
			out->n += count;
		}
		if (data[0] == 'E')   /* last batch */
			break;
	}
	close(sock);
	return 0;
}

struct handover {
	struct pxconf *c;
	struct ev_io io;
};

static void handover_send_all(struct handover *h, int sock)
{
	struct pxconf *c = h->c;
	int fds[FDS_PER_MSG], n = 0;

	/* Collect every socket, then send in batches; the last batch is
	 * marked 'E' so the receiver knows it has everything. */
	int total = c->global.nstats_sockets, sent = 0;

	for (int p = 0; p < c->nproxies; p++)
		total += c->proxies[p]->nlisteners;
	for (int p = 0; p <= c->nproxies; p++) {
		int count = p < c->nproxies ? c->proxies[p]->nlisteners : c->global.nstats_sockets;

		for (int i = 0; i < count; i++) {
			int fd = p < c->nproxies ? c->proxies[p]->listeners[i]->fd : c->global.stats_sockets[i].fd;

			sent++;
			if (fd >= 0)
				fds[n++] = fd;
			if (n == FDS_PER_MSG || sent == total) {
				char cbuf[CMSG_SPACE(sizeof(int) * FDS_PER_MSG)];
				char tag = sent == total ? 'E' : 'M';
				struct iovec iov = { &tag, 1 };
				struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };

				if (n > 0) {
					struct cmsghdr *cm;

					memset(cbuf, 0, sizeof(cbuf));
					msg.msg_control = cbuf;
					msg.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)n);
					cm = CMSG_FIRSTHDR(&msg);
					cm->cmsg_level = SOL_SOCKET;
					cm->cmsg_type = SCM_RIGHTS;
					cm->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)n);
					memcpy(CMSG_DATA(cm), fds, sizeof(int) * (size_t)n);
				}
				if (sendmsg(sock, &msg, MSG_NOSIGNAL) < 0)
					return;
				n = 0;
			}
		}
	}
	if (total == 0) {
		char tag = 'E';

		if (send(sock, &tag, 1, MSG_NOSIGNAL) < 0)
			return;
	}
}

static void on_handover(struct ev_loop *loop, struct ev_io *io, uint32_t events)
{
	struct handover *h = io->data;
	int sock = accept4(io->fd, NULL, NULL, SOCK_CLOEXEC);
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (sock < 0)
		return;
	/* Only root or our own user may take our sockets. */
	if (getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 &&
	    (cred.uid == 0 || cred.uid == getuid())) {
		log_notice("handing listening sockets over to process %d", (int)cred.pid);
		handover_send_all(h, sock);
	}
	close(sock);
}

struct handover *handover_serve(struct pxconf *c, struct ev_loop *loop, char *err, size_t errlen)
{
	struct handover *h;
	struct sockaddr_un sun;
	socklen_t len;
	int sock;

	handover_name(getpid(), &sun, &len);
	sock = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (sock < 0 || bind(sock, (struct sockaddr *)&sun, len) < 0 || listen(sock, 4) < 0) {
		snprintf(err, errlen, "cannot serve socket hand-over: %s", strerror(errno));
		if (sock >= 0)
			close(sock);
		return NULL;
	}
	h = xcalloc(1, sizeof(*h));
	h->c = c;
	ev_io_init(&h->io, on_handover, h);
	ev_io_start(loop, &h->io, sock, EPOLLIN);
	return h;
}

void handover_stop(struct handover *h, struct ev_loop *loop)
{
	int fd;

	if (!h)
		return;
	fd = h->io.fd;
	ev_io_stop(loop, &h->io);
	close(fd);
	free(h);
}

int handover_fd(const struct handover *h) { return h->io.fd; }

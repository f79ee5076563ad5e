/* ctl_server: accept, authorise, read one request, answer, close. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "cluster/ctl_server.h"
#include "lib/ev.h"
#include "lib/ipc.h"
#include "lib/log.h"
#include "lib/util.h"

#define REQUEST_TIMEOUT_MS 10000
#define EXIT_PERMISSION 4

struct ctl_server {
	struct ev_loop *loop;
	struct ev_io io;
	char *path;
	gid_t gid;
	ctl_handler handler;
	void *arg;
};

struct ctl_conn {
	struct ctl_server *srv;
	struct ev_io io;
	struct ev_timer timer;
	int fd;
	struct strbuf in, reply;
	size_t sent;
	bool replying;
};

static void conn_close(struct ctl_conn *c)
{
	ev_io_stop(c->srv->loop, &c->io);
	ev_timer_stop(c->srv->loop, &c->timer);
	close(c->fd);
	sb_free(&c->in);
	sb_free(&c->reply);
	ev_free_later(c->srv->loop, c);
}

static void conn_reply(struct ctl_conn *c, int rc, const char *out, const char *err)
{
	char code[16];

	snprintf(code, sizeof(code), "%d", rc);
	ipc_put_str(&c->reply, code);
	ipc_put_str(&c->reply, out);
	ipc_put_str(&c->reply, err);
	c->replying = true;
	if (ev_io_active(&c->io))
		ev_io_set(c->srv->loop, &c->io, EPOLLOUT);
	else
		ev_io_start(c->srv->loop, &c->io, c->fd, EPOLLOUT);
}

static void conn_run(struct ctl_conn *c)
{
	char *fields[IPC_MAX_FIELDS];
	size_t lens[IPC_MAX_FIELDS];
	char err[256];
	struct strbuf out = STRBUF_INIT, errs = STRBUF_INIT;
	int n, rc;

	n = ipc_split(c->in.s ? c->in.s : (char *)"", c->in.len, fields, lens, IPC_MAX_FIELDS,
		      err, sizeof(err));
	if (n < 0) {
		sb_appendf(&errs, "bad request: %s\n", err);
		conn_reply(c, 2, "", sb_str(&errs));
		sb_free(&errs);
		return;
	}
	for (int i = 0; i < n; i++)
		if (strlen(fields[i]) != lens[i]) {
			conn_reply(c, 2, "", "bad request: NUL byte in an argument\n");
			return;
		}
	fields[n] = NULL;
	rc = c->srv->handler(c->srv->arg, c, n, fields, &out, &errs);
	if (rc == CTL_ASYNC) {
		/* The answer comes later: no timeout, no events meanwhile. */
		ev_timer_stop(c->srv->loop, &c->timer);
		ev_io_stop(c->srv->loop, &c->io);
	} else {
		conn_reply(c, rc, sb_str(&out), sb_str(&errs));
	}
	sb_free(&out);
	sb_free(&errs);
}

void ctl_conn_reply(struct ctl_conn *conn, int rc, const char *out, const char *err)
{
	conn_reply(conn, rc, out, err);
}

static void conn_io(struct ev_loop *loop, struct ev_io *io, uint32_t events)
{
	struct ctl_conn *c = io->data;
	char buf[65536];
	ssize_t r;

	if (c->replying) {
		while (c->sent < c->reply.len) {
			r = write(io->fd, c->reply.s + c->sent, c->reply.len - c->sent);
			if (r < 0) {
				if (errno == EAGAIN)
					return;
				if (errno == EINTR)
					continue;
				break;
			}
			c->sent += (size_t)r;
		}
		conn_close(c);
		return;
	}
	for (;;) {
		r = read(io->fd, buf, sizeof(buf));
		if (r < 0) {
			if (errno == EAGAIN)
				return;
			if (errno == EINTR)
				continue;
			conn_close(c);
			return;
		}
		if (r == 0)
			break;
		if (c->in.len + (size_t)r > IPC_MAX_MSG) {
			conn_reply(c, 2, "", "bad request: too large\n");
			return;
		}
		sb_append(&c->in, buf, (size_t)r);
	}
	conn_run(c);
}

static void conn_timeout(struct ev_loop *loop, struct ev_timer *t)
{
	conn_close(t->data);
}

/* Root, or a member of the group (primary or supplementary). */
static bool peer_allowed(struct ctl_server *s, int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	char path[64], line[4096];
	FILE *f;
	bool ok = false;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return false;
	if (cred.uid == 0)
		return true;
	if (s->gid == (gid_t)-1)
		return false;
	if (cred.gid == s->gid)
		return true;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)cred.pid);
	f = fopen(path, "re");
	while (f && !ok && fgets(line, sizeof(line), f)) {
		char *p, *end;

		if (strncmp(line, "Groups:", 7))
			continue;
		for (p = line + 7;; p = end) {
			long g = strtol(p, &end, 10);

			if (end == p)
				break;
			if ((gid_t)g == s->gid)
				ok = true;
		}
	}
	if (f)
		fclose(f);
	return ok;
}

static void accept_cb(struct ev_loop *loop, struct ev_io *io, uint32_t events)
{
	struct ctl_server *s = io->data;

	for (;;) {
		int fd = accept4(io->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct ctl_conn *c;

		if (fd < 0) {
			if (errno != EAGAIN && errno != EINTR)
				log_warning("Control socket: accept: %s", strerror(errno));
			return;
		}
		c = xcalloc(1, sizeof(*c));
		c->srv = s;
		c->fd = fd;
		ev_io_init(&c->io, conn_io, c);
		ev_timer_init(&c->timer, conn_timeout, c);
		ev_timer_start(loop, &c->timer, REQUEST_TIMEOUT_MS);
		if (ev_io_start(loop, &c->io, fd, EPOLLIN) < 0) {
			close(fd);
			ev_timer_stop(loop, &c->timer);
			free(c);
			continue;
		}
		if (!peer_allowed(s, fd)) {
			log_warning("Control socket: refused a client without rights");
			conn_reply(c, EXIT_PERMISSION, "",
				   "permission denied: vigild serves root and its configured group only\n");
		}
	}
}

struct ctl_server *ctl_server_new(struct ev_loop *loop, const char *path, gid_t gid,
				  ctl_handler handler, void *arg, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct ctl_server *s;
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "%s: socket path too long", path);
		return NULL;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return NULL;
	}
	/* A stale socket from a crashed vigild is replaced; a live one is not. */
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		snprintf(err, errlen, "%s: another vigild is already serving this socket", path);
		close(fd);
		return NULL;
	}
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 64) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return NULL;
	}
	if (chmod(path, gid == (gid_t)-1 ? 0600 : 0660) < 0 ||
	    (gid != (gid_t)-1 && chown(path, 0, gid) < 0)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		return NULL;
	}
	s = xcalloc(1, sizeof(*s));
	s->loop = loop;
	s->path = xstrdup(path);
	s->gid = gid;
	s->handler = handler;
	s->arg = arg;
	ev_io_init(&s->io, accept_cb, s);
	if (ev_io_start(loop, &s->io, fd, EPOLLIN) < 0) {
		snprintf(err, errlen, "cannot watch the control socket");
		close(fd);
		unlink(path);
		free(s->path);
		free(s);
		return NULL;
	}
	return s;
}

void ctl_server_free(struct ctl_server *s)
{
	if (!s)
		return;
	int fd = s->io.fd;

	ev_io_stop(s->loop, &s->io);
	if (fd >= 0)
		close(fd);
	unlink(s->path);
	free(s->path);
	free(s);
}

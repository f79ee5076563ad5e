/* exec_process: the vigil:process class, a long-running command that
 * vigild starts itself and watches through a pidfd.
 *
 * The process runs in its own session (it outlives vigild: no parent
 * death signal, and a signal to vigild's group does not reach it). Its
 * pid and start time go to STATE_DIR/process/RSC.pid, so a restarted
 * vigild finds it again and is not fooled by a reused pid. While its pid
 * is watched (started here, or a monitor found it running), its death
 * completes the recurring monitors of the resource at once with "not
 * running": a crash is reported in milliseconds, not at the next
 * interval.
 *
 * Its stdout and stderr are STATE_DIR/process/RSC.out, opened O_APPEND:
 * a write there never fails for want of a reader, so the process keeps
 * running and logging while vigild is down or restarting. vigild follows
 * the file (inotify, or a poll timer without it) and logs each complete
 * line as "RSC: line"; a vigild that finds the process already running
 * follows from the file's current end. Once everything is read and the
 * file is over PROC_OUT_MAX, vigild empties it (a line written at that
 * very moment can be lost). A stop removes the file with the pid file
 * once the process is gone; after a crash both stay.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cluster/exec_int.h"
#include "lib/log.h"
#include "lib/strbuf.h"
#include "lib/util.h"

#define PROC_LINE_MAX 1024
#define PROC_MAX_GROUPS 256
#define PROC_OUT_MAX (1024 * 1024)             /* RSC.out emptied beyond this,
						* once all of it is read */
#define PROC_OUT_BEHIND_MAX (4 * PROC_OUT_MAX) /* unread output dropped beyond
						* this (written faster than
						* it can be logged) */
#define PROC_READ_BUDGET 65536                 /* bytes logged per round: a
						* chatty process does not
						* hold the loop */
#define PROC_POLL_MS 500                       /* following without inotify */

/* One inotify instance per executor for all the output files. */
struct exec_out_notify {
	struct executor *ex;
	int fd;                        /* -1: unavailable, output is polled */
	struct ev_io io;
};

/* A watched process of a resource. */
struct exec_proc {
	struct executor *ex;
	struct exec_proc *next;        /* ex->procs */
	char *rsc;                     /* from malloc() */
	pid_t pid;                     /* also its session and process group */
	unsigned long long starttime;
	int pidfd;
	struct ev_io pid_io;
	int out_fd;                    /* RSC.out, read and truncated here;
					* -1 if not followed */
	off_t out_off;                 /* read up to here */
	int out_wd;                    /* inotify watch on out_fd, or -1 */
	bool out_changed;              /* an inotify event this round */
	struct ev_timer out_timer;     /* more to read at once, or polling */
	struct strbuf line;            /* the last line, until its newline */
	struct exec_call *stopping;    /* a stop waiting for its death */
};

/* ---- command lines ---- */

static void words_push(char ***v, int *n, int *cap, char *w)
{
	if (*n + 1 >= *cap) {
		*cap = *cap ? *cap * 2 : 8;
		*v = xrealloc(*v, sizeof(**v) * (size_t)*cap);
	}
	(*v)[(*n)++] = w;
	(*v)[*n] = NULL;
}

char **exec_split_words(const char *s, char *err, size_t errlen)
{
	struct strbuf w = STRBUF_INIT;
	bool in_word = false;
	int n = 0, cap = 8;
	char **v = xcalloc((size_t)cap, sizeof(*v));

	for (const char *p = s;;) {
		char c = *p;

		if (c == 0 || c == ' ' || c == '\t' || c == '\n') {
			if (in_word)
				words_push(&v, &n, &cap, xstrdup(sb_str(&w)));
			sb_reset(&w);
			in_word = false;
			if (!c)
				break;
			p++;
			continue;
		}
		in_word = true;
		if (c == '\\') {
			if (p[1] == '\n') {
				p += 2;
			} else if (p[1]) {
				sb_append(&w, p + 1, 1);
				p += 2;
			} else {
				sb_append(&w, p, 1);
				p++;
			}
		} else if (c == '\'') {
			const char *end = strchr(p + 1, '\'');

			if (!end) {
				snprintf(err, errlen, "unterminated single quote");
				goto fail;
			}
			sb_append(&w, p + 1, (size_t)(end - p - 1));
			p = end + 1;
		} else if (c == '"') {
			/* As in a shell, a backslash in double quotes only
			 * escapes " \ $ ` and newline. */
			for (p++; *p && *p != '"'; p++) {
				if (*p == '\\' && p[1] && strchr("\"\\$`\n", p[1])) {
					p++;
					if (*p != '\n')
						sb_append(&w, p, 1);
				} else {
					sb_append(&w, p, 1);
				}
			}
			if (!*p) {
				snprintf(err, errlen, "unterminated double quote");
				goto fail;
			}
			p++;
		} else {
			sb_append(&w, p, 1);
			p++;
		}
	}
	sb_free(&w);
	return v;
fail:
	sb_free(&w);
	exec_words_free(v);
	return NULL;
}

void exec_words_free(char **words)
{
	for (int i = 0; words && words[i]; i++)
		free(words[i]);
	free(words);
}

static bool env_name_ok(const char *s, size_t len)
{
	if (!len || (s[0] >= '0' && s[0] <= '9'))
		return false;
	for (size_t i = 0; i < len; i++)
		if (!(s[i] == '_' || (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9')))
			return false;
	return true;
}

/* ---- pid files ---- */

static char *pidfile_path(const struct executor *ex, const char *rsc)
{
	return xasprintf("%s/process/%s.pid", ex->state_dir, rsc);
}

static int mkdir_p(const char *dir)
{
	char *d = xstrdup(dir);
	int ret = 0;

	for (char *p = d + 1; ; p++) {
		if (*p == '/' || !*p) {
			char c = *p;

			*p = 0;
			if (mkdir(d, 0755) < 0 && errno != EEXIST) {
				ret = -errno;
				break;
			}
			*p = c;
			if (!c)
				break;
		}
	}
	free(d);
	return ret;
}

/* Atomically: a crash of vigild leaves the old file or the new one, never
 * half. Not fsync'd: the file only matters while the machine runs (after a
 * power loss the process is gone, and the start time rules out a reused
 * pid), and a restart must not wait for the disk. */
static int pidfile_write(const struct executor *ex, const char *rsc, pid_t pid,
			 unsigned long long starttime, char *err, size_t errlen)
{
	char *dir = xasprintf("%s/process", ex->state_dir);
	char *path = pidfile_path(ex, rsc), *tmp = xasprintf("%s.tmp", path);
	char line[64];
	int fd, len, ret = 0;

	len = snprintf(line, sizeof(line), "%d %llu\n", (int)pid, starttime);
	if (mkdir_p(dir) < 0 ||
	    (fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
		goto out;
	}
	if (write(fd, line, (size_t)len) != len) {
		ret = -errno;
		snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		goto out;
	}
	close(fd);
	if (rename(tmp, path) < 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot rename %s: %s", tmp, strerror(errno));
		unlink(tmp);
		goto out;
	}
out:
	free(dir);
	free(path);
	free(tmp);
	return ret;
}

static bool pidfile_read(const struct executor *ex, const char *rsc, pid_t *pid,
			 unsigned long long *starttime)
{
	char *path = pidfile_path(ex, rsc);
	char buf[128];
	int fd = open(path, O_RDONLY | O_CLOEXEC), p;
	ssize_t n = -1;

	free(path);
	if (fd >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
	}
	if (n <= 0)
		return false;
	buf[n] = 0;
	if (sscanf(buf, "%d %llu", &p, starttime) != 2 || p <= 1)
		return false;
	*pid = p;
	return true;
}

static char *outfile_path(const struct executor *ex, const char *rsc)
{
	return xasprintf("%s/process/%s.out", ex->state_dir, rsc);
}

static void unlink_quietly(char *path)
{
	if (unlink(path) < 0 && errno != ENOENT)
		log_warning("Cannot remove %s: %s", path, strerror(errno));
	free(path);
}

/* After a stop: the pid file and the output file. */
static void proc_files_remove(const struct executor *ex, const char *rsc)
{
	unlink_quietly(pidfile_path(ex, rsc));
	unlink_quietly(outfile_path(ex, rsc));
}

/* The same process (not a later one with its pid), and not a zombie. */
static bool proc_alive(pid_t pid, unsigned long long starttime)
{
	unsigned long long st = 0;
	char state = 0;

	return exec_proc_stat(pid, &state, NULL, &st) == 0 && st == starttime &&
	       state != 'Z' && state != 'X';
}

/* ---- watched processes ---- */

static struct exec_proc *proc_find(const struct executor *ex, const char *rsc)
{
	for (struct exec_proc *p = ex->procs; p; p = p->next)
		if (!strcmp(p->rsc, rsc))
			return p;
	return NULL;
}

static void proc_log_line(struct exec_proc *p)
{
	if (p->line.len)
		log_notice("%s: %s", p->rsc, sb_str(&p->line));
	sb_reset(&p->line);
}

/* Empty the output file and read it from its start again. The writer has
 * O_APPEND: its next write goes to the new end, offset 0. */
static void proc_out_truncate(struct exec_proc *p)
{
	if (ftruncate(p->out_fd, 0) < 0)
		log_warning("Cannot empty the output file of %s: %s", p->rsc, strerror(errno));
	else
		p->out_off = 0;
}

/* Log the complete lines the process appended to its output file since
 * the last round, keeping a partial last line for later. `drain` (it
 * died): all there is, up to PROC_OUT_BEHIND_MAX; otherwise at most
 * PROC_READ_BUDGET bytes, and a 0 ms timer comes back for the rest. */
static void proc_follow(struct exec_proc *p, bool drain)
{
	size_t budget = drain ? PROC_OUT_BEHIND_MAX : PROC_READ_BUDGET;
	char buf[4096];
	struct stat st;
	ssize_t n = 0;

	if (p->out_fd < 0)
		return;
	if (fstat(p->out_fd, &st) == 0) {
		if (st.st_size < p->out_off) {
			/* Emptied by someone else (logrotate's copytruncate). */
			p->out_off = 0;
		} else if (st.st_size - p->out_off > PROC_OUT_BEHIND_MAX) {
			log_warning("Output of %s: %lld bytes not logged, written faster than "
				    "they can be logged", p->rsc, (long long)(st.st_size - p->out_off));
			proc_log_line(p);
			proc_out_truncate(p);
		}
	}
	while (budget > 0) {
		n = pread(p->out_fd, buf, MIN(sizeof(buf), budget), p->out_off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		p->out_off += n;
		budget -= (size_t)n;
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] == '\n' || p->line.len >= PROC_LINE_MAX)
				proc_log_line(p);
			if (buf[i] != '\n')
				sb_append(&p->line, buf + i, 1);
		}
	}
	/* Everything is read: keep the file bounded. A line the process
	 * writes between the read above and this truncate is lost (it
	 * would take a lock the process knows nothing of to avoid it). */
	if (n == 0 && p->out_off > PROC_OUT_MAX)
		proc_out_truncate(p);
	if (budget == 0)
		ev_timer_start(p->ex->loop, &p->out_timer, 0);
	else if (p->out_wd < 0)
		ev_timer_start(p->ex->loop, &p->out_timer, PROC_POLL_MS);
}

static void proc_out_timer_cb(struct ev_loop *loop, struct ev_timer *t)
{
	proc_follow(t->data, false);
}

static void out_notify_cb(struct ev_loop *loop, struct ev_io *io, uint32_t events)
{
	struct exec_out_notify *n = io->data;
	union {
		struct inotify_event ev;
		char bytes[4096];
	} buf;
	ssize_t len;

	/* Several events of one file make one round of reading. */
	for (;;) {
		len = read(n->fd, &buf, sizeof(buf));
		if (len < 0 && errno == EINTR)
			continue;
		if (len <= 0)
			break;
		for (char *q = buf.bytes; q < buf.bytes + len;) {
			const struct inotify_event *e = (const struct inotify_event *)q;

			for (struct exec_proc *p = n->ex->procs; p; p = p->next) {
				if (e->mask & IN_Q_OVERFLOW) {
					p->out_changed = true;
				} else if (p->out_wd == e->wd && (e->mask & IN_IGNORED)) {
					/* The watch is gone (its file system was
					 * unmounted): polled from now on. */
					p->out_wd = -1;
					p->out_changed = true;
				} else if (p->out_wd == e->wd) {
					p->out_changed = true;
				}
			}
			q += sizeof(*e) + e->len;
		}
	}
	for (struct exec_proc *p = n->ex->procs; p; p = p->next) {
		if (p->out_changed)
			proc_follow(p, false);
		p->out_changed = false;
	}
}

/* The executor's inotify instance, made at first use. */
static struct exec_out_notify *out_notify(struct executor *ex)
{
	struct exec_out_notify *n = ex->out_notify;

	if (n)
		return n;
	n = xcalloc(1, sizeof(*n));
	n->ex = ex;
	ev_io_init(&n->io, out_notify_cb, n);
	n->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (n->fd >= 0 && ev_io_start(ex->loop, &n->io, n->fd, EPOLLIN) < 0) {
		close(n->fd);
		n->fd = -1;
	}
	if (n->fd < 0)
		log_warning("Cannot watch the output of vigil:process resources (%s): "
			    "polling it every %d ms", strerror(errno), PROC_POLL_MS);
	ex->out_notify = n;
	return n;
}

/* Follow the output file open as `fd` (-1: none) from offset `off`. */
static void proc_out_attach(struct exec_proc *p, int fd, off_t off)
{
	struct exec_out_notify *n;
	char path[64];

	p->out_fd = fd;
	p->out_off = off;
	p->out_wd = -1;
	if (fd < 0)
		return;
	n = out_notify(p->ex);
	if (n->fd >= 0) {
		/* Through the fd: the very file the process writes. */
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		p->out_wd = inotify_add_watch(n->fd, path, IN_MODIFY);
		if (p->out_wd < 0)
			log_warning("Cannot watch the output of %s (%s): polling it every %d ms",
				    p->rsc, strerror(errno), PROC_POLL_MS);
	}
	/* What it wrote before the watch was there brings no event. */
	ev_timer_start(p->ex->loop, &p->out_timer, 0);
}

/* Stop following, logging a partial last line. */
static void proc_out_detach(struct exec_proc *p)
{
	struct executor *ex = p->ex;
	bool shared = false;

	proc_log_line(p);
	ev_timer_stop(ex->loop, &p->out_timer);
	if (p->out_wd >= 0) {
		/* One inode, one watch descriptor: another process of the
		 * resource may still use it. */
		for (struct exec_proc *q = ex->procs; q; q = q->next)
			shared |= q != p && q->out_wd == p->out_wd;
		if (!shared)
			inotify_rm_watch(ex->out_notify->fd, p->out_wd);
		p->out_wd = -1;
	}
	if (p->out_fd >= 0)
		close(p->out_fd);
	p->out_fd = -1;
}

/* The output file of the resource, for reading from its current end:
 * the fd (O_RDWR, to truncate it) and the end, or a negative errno. */
static int proc_out_open(const struct executor *ex, const char *rsc, off_t *end)
{
	char *path = outfile_path(ex, rsc);
	int fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;

	if (fd < 0) {
		fd = -errno;
	} else if (fstat(fd, &st) < 0) {
		close(fd);
		fd = -EIO;
	} else {
		*end = st.st_size;
	}
	free(path);
	return fd;
}

/* Unlink and free (the process itself is not touched). */
static void proc_free(struct exec_proc *p)
{
	struct executor *ex = p->ex;
	struct exec_proc **pp;

	proc_out_detach(p);
	for (pp = &ex->procs; *pp; pp = &(*pp)->next) {
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	}
	ev_io_stop(ex->loop, &p->pid_io);
	if (p->pidfd >= 0)
		close(p->pidfd);
	sb_free(&p->line);
	free(p->rsc);
	ev_free_later(ex->loop, p);
}

/* Its recurring monitors report at once rather than at their interval.
 * One reporting its previous result runs again right after; a queued one
 * runs after the operation ahead of it anyway. */
static void notify_monitors(struct executor *ex, const char *rsc, const char *reason)
{
	for (struct exec_call *c = ex->calls; c; c = c->next) {
		if (c->cancelled || c->cls != EXEC_CLASS_PROCESS || c->op.interval_ms <= 0 ||
		    strcmp(c->op.action, "monitor") || strcmp(c->op.rsc, rsc))
			continue;
		if (c->state == CALL_REPORTING) {
			c->rerun = true;
		} else if (c->state == CALL_IDLE) {
			c->start_mono_ms = ev_monotonic_ms();
			exec_call_finish(c, EXEC_DONE, OCF_NOT_RUNNING, reason);
		}
	}
}

static void proc_pid_cb(struct ev_loop *loop, struct ev_io *io, uint32_t events)
{
	struct exec_proc *p = io->data;
	struct executor *ex = p->ex;
	struct exec_call *stop = p->stopping;
	char how[64], reason[128];
	int wstatus = 0, r;
	char *rsc;

	/* Reaped only if it is our child; after a vigild restart it is not,
	 * and its exit status is its new parent's. */
	r = exec_reap(p->pidfd, &wstatus);
	if (r == 0)
		return;
	if (r > 0)
		exec_describe_exit(wstatus, how, sizeof(how));
	else
		snprintf(how, sizeof(how), "exited");
	snprintf(reason, sizeof(reason), "process %d %s", (int)p->pid, how);
	proc_follow(p, true);
	if (stop)
		log_info("Process %s (pid %d) %s", p->rsc, (int)p->pid, how);
	else
		log_warning("Process %s (pid %d) %s", p->rsc, (int)p->pid, how);
	if (stop)
		kill(-p->pid, SIGKILL);  /* what is left of its group */
	rsc = xstrdup(p->rsc);
	proc_free(p);
	/* Monitors first: while the stop runs, nothing queued for the
	 * resource starts (a start would make a new process). A newer
	 * process of the resource (this one died unnoticed before a start)
	 * is the one monitors watch. */
	if (!proc_find(ex, rsc))
		notify_monitors(ex, rsc, reason);
	if (stop) {
		proc_files_remove(ex, rsc);
		exec_call_finish(stop, EXEC_DONE, OCF_SUCCESS, NULL);
	}
	free(rsc);
}

/* Watch the process through `pidfd` and follow its output file, open
 * as `out_fd` (-1: none), from `out_off`. Both fds are taken. */
static struct exec_proc *proc_watch(struct executor *ex, const char *rsc, pid_t pid,
				    unsigned long long starttime, int pidfd, int out_fd,
				    off_t out_off)
{
	struct exec_proc *p = xcalloc(1, sizeof(*p));

	p->ex = ex;
	p->rsc = xstrdup(rsc);
	p->pid = pid;
	p->starttime = starttime;
	p->pidfd = pidfd;
	ev_io_init(&p->pid_io, proc_pid_cb, p);
	ev_timer_init(&p->out_timer, proc_out_timer_cb, p);
	if (ev_io_start(ex->loop, &p->pid_io, pidfd, EPOLLIN) < 0)
		log_err("Cannot watch process %s (pid %d): %s", rsc, (int)pid, strerror(errno));
	p->next = ex->procs;
	ex->procs = p;
	proc_out_attach(p, out_fd, out_off);
	return p;
}

/* Watch a process started by an earlier vigild, following its output
 * from now on (what it wrote before is not logged again). NULL if it is
 * gone. */
static struct exec_proc *proc_adopt(struct executor *ex, const char *rsc, pid_t pid,
				    unsigned long long starttime)
{
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0), out_fd;
	off_t end = 0;

	if (pidfd < 0)
		return NULL;
	/* Checked again with the pidfd held: it names that very process. */
	if (!proc_alive(pid, starttime)) {
		close(pidfd);
		return NULL;
	}
	out_fd = proc_out_open(ex, rsc, &end);
	return proc_watch(ex, rsc, pid, starttime, pidfd, MAX(out_fd, -1), end);
}

/* The resource's running process, from memory or from its pid file. */
static bool find_running(const struct executor *ex, const char *rsc, pid_t *pid,
			 unsigned long long *starttime)
{
	struct exec_proc *p = proc_find(ex, rsc);

	if (p) {
		*pid = p->pid;
		*starttime = p->starttime;
		return proc_alive(p->pid, p->starttime);
	}
	return pidfile_read(ex, rsc, pid, starttime) && proc_alive(*pid, *starttime);
}

/* ---- actions ---- */

/* The program of words[0] as execve() wants it: PATH is searched here. */
static char *resolve_program(const char *word)
{
	const char *dirs = EXEC_PATH;

	if (strchr(word, '/'))
		return xstrdup(word);
	while (*dirs) {
		size_t n = strcspn(dirs, ":");
		char *path = xasprintf("%.*s/%s", (int)n, dirs, word);

		if (access(path, X_OK) == 0)
			return path;
		free(path);
		dirs += n + (dirs[n] == ':');
	}
	return NULL;
}

struct proc_cmd {
	char **argv;
	char *path;
	struct exec_env env;
	bool set_user;
	uid_t uid;
	gid_t gid;
	gid_t groups[PROC_MAX_GROUPS];
	int ngroups;
};

static void cmd_free(struct proc_cmd *cmd)
{
	exec_words_free(cmd->argv);
	free(cmd->path);
	exec_env_free(&cmd->env);
}

/* Parameters to a command; an OCF exit code, with a message in err. */
static int cmd_prepare(const struct exec_call *call, struct proc_cmd *cmd, char *err, size_t errlen)
{
	const char *command = exec_call_param(call, "command");
	const char *user = exec_call_param(call, "user");
	const char *env = exec_call_param(call, "env");
	struct passwd pw, *pwp = NULL;
	char pwbuf[4096], msg[128];
	char **words;

	memset(cmd, 0, sizeof(*cmd));
	if (!command || !*command) {
		snprintf(err, errlen, "parameter command is required");
		return OCF_ERR_CONFIGURED;
	}
	cmd->argv = exec_split_words(command, msg, sizeof(msg));
	if (!cmd->argv || !cmd->argv[0]) {
		snprintf(err, errlen, "invalid command '%s': %s", command,
			 cmd->argv ? "no program" : msg);
		return OCF_ERR_CONFIGURED;
	}
	cmd->path = resolve_program(cmd->argv[0]);
	if (!cmd->path) {
		snprintf(err, errlen, "cannot execute %s: %s", cmd->argv[0], strerror(ENOENT));
		return OCF_ERR_INSTALLED;
	}
	if (user && *user) {
		/* A user missing here may exist on another node. */
		if (getpwnam_r(user, &pw, pwbuf, sizeof(pwbuf), &pwp) != 0 || !pwp) {
			snprintf(err, errlen, "no such user '%s'", user);
			return OCF_ERR_INSTALLED;
		}
		cmd->set_user = true;
		cmd->uid = pw.pw_uid;
		cmd->gid = pw.pw_gid;
		cmd->ngroups = PROC_MAX_GROUPS;
		if (getgrouplist(pw.pw_name, pw.pw_gid, cmd->groups, &cmd->ngroups) < 0)
			cmd->ngroups = PROC_MAX_GROUPS;
	} else {
		if (getpwuid_r(getuid(), &pw, pwbuf, sizeof(pwbuf), &pwp) != 0)
			pwp = NULL;
	}
	exec_env_set(&cmd->env, "PATH", EXEC_PATH);
	exec_env_set(&cmd->env, "HOME", pwp ? pwp->pw_dir : "/");
	if (pwp) {
		exec_env_set(&cmd->env, "USER", pwp->pw_name);
		exec_env_set(&cmd->env, "LOGNAME", pwp->pw_name);
	}
	if (env && *env) {
		words = exec_split_words(env, msg, sizeof(msg));
		if (!words) {
			snprintf(err, errlen, "invalid env '%s': %s", env, msg);
			return OCF_ERR_CONFIGURED;
		}
		for (int i = 0; words[i]; i++) {
			char *eq = strchr(words[i], '=');

			if (!eq || !env_name_ok(words[i], (size_t)(eq - words[i]))) {
				snprintf(err, errlen, "invalid env '%s': '%s' is not NAME=VALUE", env,
					 words[i]);
				exec_words_free(words);
				return OCF_ERR_CONFIGURED;
			}
			*eq = 0;
			exec_env_set(&cmd->env, words[i], eq + 1);
		}
		exec_words_free(words);
	}
	return OCF_SUCCESS;
}

/* The output file as the process's stdout and stderr (`*wfd`, O_APPEND:
 * exec_spawn() dups it to 1 and 2 without close-on-exec) and as vigild
 * reads it (`*rfd`, from `*end`). 0 or a negative errno, with a message. */
static int out_open(const struct executor *ex, const char *rsc, int *wfd, int *rfd, off_t *end,
		    char *err, size_t errlen)
{
	char *dir = xasprintf("%s/process", ex->state_dir), *path = outfile_path(ex, rsc);
	int ret;

	*wfd = *rfd = -1;
	ret = mkdir_p(dir);
	if (ret < 0)
		goto fail;
	*wfd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (*wfd < 0) {
		ret = -errno;
		goto fail;
	}
	ret = proc_out_open(ex, rsc, end);
	if (ret < 0)
		goto fail;
	*rfd = ret;
	ret = 0;
	goto out;
fail:
	snprintf(err, errlen, "cannot open %s: %s", path, strerror(-ret));
	if (*wfd >= 0)
		close(*wfd);
	*wfd = -1;
out:
	free(dir);
	free(path);
	return ret;
}

static void process_start(struct exec_call *call)
{
	struct executor *ex = call->ex;
	const char *rsc = call->op.rsc;
	struct exec_spawn sp = { 0 };
	struct exec_proc *dead;
	struct proc_cmd cmd;
	unsigned long long starttime = 0;
	char err[PATH_MAX + 256];
	int out_w, out_r, pidfd, r;
	off_t out_end;
	pid_t pid;

	if (find_running(ex, rsc, &pid, &starttime)) {
		exec_call_finish(call, EXEC_DONE, OCF_SUCCESS, NULL);
		return;
	}
	r = cmd_prepare(call, &cmd, err, sizeof(err));
	if (r != OCF_SUCCESS) {
		cmd_free(&cmd);
		exec_call_finish(call, EXEC_DONE, r, err);
		return;
	}
	/* A process that died unnoticed (its pidfd not read yet) is done
	 * with the file before the new one writes to it. */
	dead = proc_find(ex, rsc);
	if (dead) {
		proc_follow(dead, true);
		proc_out_detach(dead);
	}
	if (out_open(ex, rsc, &out_w, &out_r, &out_end, err, sizeof(err)) < 0) {
		cmd_free(&cmd);
		exec_call_finish(call, EXEC_ERROR, OCF_ERR_GENERIC, err);
		return;
	}
	/* Its own file: a process may open its output by name again
	 * (nginx's error_log /dev/stderr), as it could a pipe. */
	if (cmd.set_user && fchown(out_w, cmd.uid, cmd.gid) < 0)
		log_warning("Cannot give the output file of %s to uid %d: %s", rsc, (int)cmd.uid,
			    strerror(errno));
	sp.path = cmd.path;
	sp.argv = cmd.argv;
	sp.envp = cmd.env.v;
	sp.stdin_fd = -1;
	sp.out_fd = out_w;
	sp.new_session = true;
	sp.cwd = exec_call_param(call, "cwd");
	sp.set_user = cmd.set_user;
	sp.uid = cmd.uid;
	sp.gid = cmd.gid;
	sp.groups = cmd.groups;
	sp.ngroups = cmd.ngroups;
	r = exec_spawn(&sp, &pid, &pidfd, err, sizeof(err));
	close(out_w);
	cmd_free(&cmd);
	if (r != 0) {
		close(out_r);
		exec_call_finish(call, r > 0 ? EXEC_DONE : EXEC_ERROR,
				 r > 0 ? OCF_ERR_INSTALLED : OCF_ERR_GENERIC, err);
		return;
	}
	/* Not reaped yet, so /proc/PID is there even if it died already. */
	exec_proc_stat(pid, NULL, NULL, &starttime);
	proc_watch(ex, rsc, pid, starttime, pidfd, out_r, out_end);
	if (pidfile_write(ex, rsc, pid, starttime, err, sizeof(err)) < 0) {
		/* Untracked after a restart is worse than not started. */
		kill(-pid, SIGKILL);
		exec_call_finish(call, EXEC_DONE, OCF_ERR_GENERIC, err);
		return;
	}
	log_notice("Started %s: pid %d", rsc, (int)pid);
	exec_call_finish(call, EXEC_DONE, OCF_SUCCESS, NULL);
}

static void process_monitor(struct exec_call *call)
{
	struct executor *ex = call->ex;
	unsigned long long starttime;
	char reason[64];
	pid_t pid = 0;

	if (!find_running(ex, call->op.rsc, &pid, &starttime)) {
		if (pid > 0)
			snprintf(reason, sizeof(reason), "process %d is not running", (int)pid);
		exec_call_finish(call, EXEC_DONE, OCF_NOT_RUNNING, pid > 0 ? reason : NULL);
		return;
	}
	/* Found running (by the probe after a vigild restart, say): watched
	 * from now on, its death is the report of its recurring monitors,
	 * and its output is followed. */
	if (!proc_find(ex, call->op.rsc) && !proc_adopt(ex, call->op.rsc, pid, starttime)) {
		snprintf(reason, sizeof(reason), "process %d is not running", (int)pid);
		exec_call_finish(call, EXEC_DONE, OCF_NOT_RUNNING, reason);
		return;
	}
	exec_call_finish(call, EXEC_DONE, OCF_SUCCESS, NULL);
}

static void stop_timer_cb(struct ev_loop *loop, struct ev_timer *t)
{
	struct exec_call *call = t->data;
	struct exec_proc *p = proc_find(call->ex, call->op.rsc);
	char reason[128];

	if (!p || p->stopping != call)
		return;
	if (call->op_phase == 0) {
		log_warning("Process %s (pid %d) still running after SIGTERM, killing it",
			    p->rsc, (int)p->pid);
		kill(-p->pid, SIGKILL);
		kill(p->pid, SIGKILL);
		call->op_phase = 1;
		ev_timer_start(loop, &call->op_timer, 1000);
		return;
	}
	p->stopping = NULL;
	snprintf(reason, sizeof(reason), "process %d still running after SIGKILL", (int)p->pid);
	exec_call_finish(call, EXEC_TIMEOUT, OCF_ERR_GENERIC, reason);
}

static void process_stop(struct exec_call *call)
{
	struct executor *ex = call->ex;
	unsigned long long starttime;
	long long kill_after_ms = MAX(call->timeout_ms - 1000, 1000);
	struct exec_proc *p;
	pid_t pid;

	if (!find_running(ex, call->op.rsc, &pid, &starttime)) {
		proc_files_remove(ex, call->op.rsc);
		exec_call_finish(call, EXEC_DONE, OCF_SUCCESS, NULL);
		return;
	}
	p = proc_find(ex, call->op.rsc);
	if (!p)
		p = proc_adopt(ex, call->op.rsc, pid, starttime);
	if (!p) {
		proc_files_remove(ex, call->op.rsc);
		exec_call_finish(call, EXEC_DONE, OCF_SUCCESS, NULL);
		return;
	}
	p->stopping = call;
	/* Its session was made at start, so the group is pid; the rest of
	 * the group gets the same signal. */
	if (getpgid(pid) == pid)
		kill(-pid, SIGTERM);
	else
		kill(pid, SIGTERM);
	ev_timer_init(&call->op_timer, stop_timer_cb, call);
	ev_timer_start(ex->loop, &call->op_timer, (uint64_t)kill_after_ms);
}

void exec_process_start(struct exec_call *call)
{
	const char *action = call->op.action;
	char err[PATH_MAX + 256];

	if (!exec_plain_name(call->op.rsc)) {
		snprintf(err, sizeof(err), "resource name '%s' cannot name a pid file", call->op.rsc);
		exec_call_finish(call, EXEC_DONE, OCF_ERR_CONFIGURED, err);
	} else if (!strcmp(action, "start")) {
		process_start(call);
	} else if (!strcmp(action, "stop")) {
		process_stop(call);
	} else if (!strcmp(action, "monitor")) {
		process_monitor(call);
	} else if (!strcmp(action, "meta-data")) {
		call->output = xstrdup(exec_builtin_metadata(EXEC_CLASS_PROCESS));
		exec_call_finish(call, EXEC_DONE, OCF_SUCCESS, NULL);
	} else if (!strcmp(action, "validate-all")) {
		struct proc_cmd cmd;
		int rc = cmd_prepare(call, &cmd, err, sizeof(err));

		cmd_free(&cmd);
		exec_call_finish(call, EXEC_DONE, rc, rc ? err : NULL);
	} else {
		snprintf(err, sizeof(err), "vigil:process has no %s action", action);
		exec_call_finish(call, EXEC_NOT_SUPPORTED, OCF_ERR_UNIMPLEMENTED, err);
	}
}

void exec_process_cancel(struct exec_call *call)
{
	for (struct exec_proc *p = call->ex->procs; p; p = p->next)
		if (p->stopping == call)
			p->stopping = NULL;
}

void exec_procs_free(struct executor *ex)
{
	struct exec_out_notify *n = ex->out_notify;

	while (ex->procs) {
		proc_follow(ex->procs, false);
		proc_free(ex->procs);
	}
	if (n) {
		ev_io_stop(ex->loop, &n->io);
		if (n->fd >= 0)
			close(n->fd);
		ev_free_later(ex->loop, n);
		ex->out_notify = NULL;
	}
}

/* vigil-proxy: command line, process modes and reloads.
 *
 * The flags are HAProxy's, so service files and scripts keep working:
 *   -f FILE|DIR (repeatable)  -c check only  -D daemon  -W master-worker
 *   -p PIDFILE  -sf/-st PID... (soft/hard-stop older processes after start)
 *   -q quiet  -V verbose  -v/-vv version  -db stay in foreground
 *   -N MAXCONN  -x SOCKET (accepted; sockets are taken over by pid instead)
 *
 * Standalone: this process binds (or takes over) the sockets and runs the
 * worker threads. Master-worker: the master binds the sockets and forks a
 * worker; SIGUSR2 or SIGHUP re-reads the configuration, and only if it is
 * valid and every new socket binds does a new worker start, after which
 * the old worker stops accepting and finishes its connections. The
 * listening sockets stay open in the master throughout, so a reload never
 * refuses or resets a connection.
 *
 * Signals to a worker or standalone process: SIGUSR1 soft stop (finish
 * established connections, then exit), SIGTERM/SIGINT hard stop.
 */
#include "proxy/cfgparse.h"
#include "proxy/listener.h"
#include "proxy/proxy.h"
#include "proxy/worker.h"
#include "lib/log.h"
#include "lib/util.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define VIGIL_VERSION "0.1.0"

struct options {
	char **files;
	int nfiles;
	bool check_only, daemon, master_worker, quiet, verbose, foreground;
	const char *pidfile;
	pid_t *old_pids;
	int nold;
	bool hard_stop_old;
	int maxconn;
};

static void usage(FILE *fp)
{
	fprintf(fp,
		"Usage : vigil-proxy [-f <cfgfile|cfgdir>]* [ -vdVD ] [ -n <maxconn> ] [ -N <maxpconn> ]\n"
		"        [ -p <pidfile> ] [ -m <max megs> ] [ -C <dir> ] [-- <cfgfile>*]\n"
		"        -v displays version ; -vv shows known build options.\n"
		"        -d enters debug mode ; -db only disables background mode.\n"
		"        -V enters verbose mode (disables quiet mode)\n"
		"        -D goes daemon ; -C changes to <dir> before loading files.\n"
		"        -W master-worker mode.\n"
		"        -q quiet mode : don't display messages\n"
		"        -c check mode : only check config files and exit\n"
		"        -N sets the default, per-proxy maximum # of connections (%d)\n"
		"        -p writes pids of all children to this file\n"
		"        -sf/-st [pid ]* finishes/terminates old pids.\n"
		"        -x <unix_socket> accepted for compatibility (sockets are taken over by pid)\n",
		4096);
}

static void version(void)
{
	printf("vigil-proxy version " VIGIL_VERSION "\n"
	       "HAProxy-compatible configuration and command line (2.6 syntax)\n");
}

static int parse_args(int argc, char **argv, struct options *o)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "-f") == 0 || strcmp(a, "-p") == 0 || strcmp(a, "-N") == 0 ||
		    strcmp(a, "-x") == 0 || strcmp(a, "-C") == 0 || strcmp(a, "-n") == 0 ||
		    strcmp(a, "-L") == 0 || strcmp(a, "-m") == 0) {
			if (i + 1 >= argc) {
				fprintf(stderr, "[ALERT] : option %s requires an argument\n", a);
				return -1;
			}
			const char *v = argv[++i];

			if (a[1] == 'f') {
				o->files = xrealloc(o->files, sizeof(char *) * (size_t)(o->nfiles + 1));
				o->files[o->nfiles++] = (char *)v;
			} else if (a[1] == 'p') {
				o->pidfile = v;
			} else if (a[1] == 'N' || a[1] == 'n') {
				long long n;

				if (parse_int(v, 1, 10000000, &n) < 0) {
					fprintf(stderr, "[ALERT] : option %s expects a positive number, got '%s'\n", a, v);
					return -1;
				}
				o->maxconn = (int)n;
			} else if (a[1] == 'C') {
				if (chdir(v) < 0) {
					fprintf(stderr, "[ALERT] : cannot chdir to '%s': %s\n", v, strerror(errno));
					return -1;
				}
			}
		} else if (strcmp(a, "-c") == 0) {
			o->check_only = true;
		} else if (strcmp(a, "-D") == 0) {
			o->daemon = true;
		} else if (strcmp(a, "-W") == 0 || strcmp(a, "-Ws") == 0) {
			o->master_worker = true;
		} else if (strcmp(a, "-q") == 0) {
			o->quiet = true;
		} else if (strcmp(a, "-V") == 0) {
			o->verbose = true;
		} else if (strcmp(a, "-d") == 0 || strcmp(a, "-db") == 0) {
			o->foreground = true;
		} else if (strcmp(a, "-v") == 0 || strcmp(a, "-vv") == 0) {
			version();
			exit(0);
		} else if (strcmp(a, "-sf") == 0 || strcmp(a, "-st") == 0) {
			o->hard_stop_old = a[2] == 't';
			while (i + 1 < argc && argv[i + 1][0] != '-') {
				long long pid;

				if (parse_int(argv[++i], 1, 4194304, &pid) < 0) {
					fprintf(stderr, "[ALERT] : -%s expects process ids, got '%s'\n", a + 1, argv[i]);
					return -1;
				}
				o->old_pids = xrealloc(o->old_pids, sizeof(pid_t) * (size_t)(o->nold + 1));
				o->old_pids[o->nold++] = (pid_t)pid;
			}
		} else if (strcmp(a, "--") == 0) {
			for (i++; i < argc; i++) {
				o->files = xrealloc(o->files, sizeof(char *) * (size_t)(o->nfiles + 1));
				o->files[o->nfiles++] = argv[i];
			}
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			exit(0);
		} else {
			fprintf(stderr, "[ALERT] : unknown option '%s'\n", a);
			usage(stderr);
			return -1;
		}
	}
	if (o->nfiles == 0) {
		fprintf(stderr, "[ALERT] : No configuration file specified (use -f).\n");
		usage(stderr);
		return -1;
	}
	return 0;
}

static struct pxconf *load(struct options *o)
{
	int nwarn = 0;
	struct pxconf *c = cfg_parse_files(o->files, o->nfiles, &nwarn);

	if (!c)
		return NULL;
	if (o->maxconn)
		c->global.maxconn = o->maxconn;
	if (o->daemon)
		c->global.daemon = true;
	if (o->foreground)
		c->global.daemon = false;
	if (o->master_worker)
		c->global.master_worker = true;
	return c;
}

static int nbthread_of(const struct pxconf *c)
{
	if (c->global.nbthread > 0)
		return c->global.nbthread;
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (int)MIN(n, 64) : 1;
}

static void write_pidfile(const char *path, pid_t pid)
{
	char tmp[4096];
	FILE *fp;

	if (!path)
		return;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fp = fopen(tmp, "we");
	if (!fp) {
		log_err("cannot create pidfile %s: %s", path, strerror(errno));
		return;
	}
	fprintf(fp, "%d\n", (int)pid);
	if (fclose(fp) != 0 || rename(tmp, path) < 0)
		log_err("cannot write pidfile %s: %s", path, strerror(errno));
}

/* Fork into the background; the parent exits 0 once the child runs. */
static void daemonize(void)
{
	pid_t pid = fork();
	int fd;

	if (pid < 0) {
		log_err("cannot fork into the background: %s", strerror(errno));
		exit(1);
	}
	if (pid > 0)
		_exit(0);
	setsid();
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		/* stderr stays: a daemon's errors go to its log targets, and
		 * to whatever the service manager connected stderr to. */
		close(fd);
	}
}

static int drop_privileges(const struct pxconf *c)
{
	if (c->global.chroot && (chroot(c->global.chroot) < 0 || chdir("/") < 0)) {
		log_err("cannot chroot to '%s': %s", c->global.chroot, strerror(errno));
		return -1;
	}
	/* (uid_t)-1 / (gid_t)-1: not set in the configuration. */
	if (c->global.gid != (gid_t)-1 && (setgroups(0, NULL) < 0 || setgid(c->global.gid) < 0)) {
		log_err("cannot set gid %d: %s", (int)c->global.gid, strerror(errno));
		return -1;
	}
	if (c->global.uid != (uid_t)-1 && setuid(c->global.uid) < 0) {
		log_err("cannot set uid %d: %s", (int)c->global.uid, strerror(errno));
		return -1;
	}
	return 0;
}

static void apply_logging(struct pxconf *c)
{
	log_set_targets(c->global.logs, c->global.nlogs);
}

/* ---- running the workers in this process ---- */

struct run_ctx {
	struct workers ws;
	struct ev_io sig_io;
	struct ev_timer hard_stop_timer;
	struct handover *handover;
	bool soft_stopping;
};

static void on_hard_stop_timer(struct ev_loop *loop, struct ev_timer *t)
{
	struct run_ctx *rc = t->data;

	log_warning("hard-stop-after reached: closing the remaining connections");
	workers_hard_stop(&rc->ws);
}

static void on_signal(struct ev_loop *loop, struct ev_io *io, uint32_t events)
{
	struct run_ctx *rc = io->data;
	struct signalfd_siginfo si;

	while (read(io->fd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGUSR1:
			if (rc->soft_stopping)
				break;
			rc->soft_stopping = true;
			log_notice("Stopping: finishing established connections (soft stop)");
			handover_stop(rc->handover, loop);
			rc->handover = NULL;
			workers_soft_stop(&rc->ws);
			if (rc->ws.conf->global.hard_stop_after_ms)
				ev_timer_start(loop, &rc->hard_stop_timer, rc->ws.conf->global.hard_stop_after_ms);
			break;
		case SIGTERM:
		case SIGINT:
			log_notice("Stopping: closing every connection (hard stop)");
			handover_stop(rc->handover, loop);
			rc->handover = NULL;
			workers_hard_stop(&rc->ws);
			break;
		default:
			break;
		}
	}
}

/* Run the worker threads of `c` in this process until they stop. The
 * signal mask is already set: every thread inherits it, and signals are
 * read from a signalfd by the first thread. */
static int run_workers(struct pxconf *c, bool serve_handover)
{
	struct run_ctx rc;
	char err[512];
	sigset_t set;
	int sfd;

	memset(&rc, 0, sizeof(rc));
	c->rt.pid = getpid();
	c->rt.relative_pid = 1;
	c->rt.start_wall_s = (uint64_t)time(NULL);
	c->rt.start_mono_ms = ev_monotonic_ms();
	if (workers_init(&rc.ws, c, nbthread_of(c), err, sizeof(err)) < 0) {
		log_err("%s", err);
		return 1;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	ev_io_init(&rc.sig_io, on_signal, &rc);
	ev_io_start(rc.ws.w[0].loop, &rc.sig_io, sfd, EPOLLIN);
	ev_timer_init(&rc.hard_stop_timer, on_hard_stop_timer, &rc);
	if (serve_handover) {
		rc.handover = handover_serve(c, rc.ws.w[0].loop, err, sizeof(err));
		if (!rc.handover)
			log_warning("%s; a reload with -sf will bind anew", err);
	}
	workers_run(&rc.ws);
	handover_stop(rc.handover, rc.ws.w[0].loop);
	ev_io_stop(rc.ws.w[0].loop, &rc.sig_io);
	close(sfd);
	workers_free(&rc.ws);
	return 0;
}

static void block_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGCHLD);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static void unblock_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	pthread_sigmask(SIG_SETMASK, &set, NULL);
}

/* Take over the sockets of the processes named by -sf/-st. */
static void take_over(struct options *o, struct fdset *inherit)
{
	inherit->fds = NULL;
	inherit->n = 0;
	for (int i = 0; i < o->nold; i++) {
		struct fdset got;
		char err[256];

		if (handover_fetch(o->old_pids[i], &got, err, sizeof(err)) < 0) {
			log_warning("%s; binding anew", err);
			continue;
		}
		inherit->fds = xrealloc(inherit->fds, sizeof(int) * (size_t)(inherit->n + got.n));
		memcpy(inherit->fds + inherit->n, got.fds, sizeof(int) * (size_t)got.n);
		inherit->n += got.n;
		free(got.fds);
	}
}

static void signal_old(struct options *o)
{
	for (int i = 0; i < o->nold; i++)
		if (kill(o->old_pids[i], o->hard_stop_old ? SIGTERM : SIGUSR1) < 0 && errno != ESRCH)
			log_warning("cannot signal old process %d: %s", (int)o->old_pids[i], strerror(errno));
}

/* Take over the sockets of older processes, bind the rest, go to the
 * background if asked and write the pidfile: what every mode does first.
 * Returns 0, or -1 after logging why. */
static int claim_sockets(struct options *o, struct pxconf *c)
{
	struct fdset inherit;
	char err[512];
	int ret;

	take_over(o, &inherit);
	ret = listeners_bind(c, &inherit, err, sizeof(err));
	fdset_close(&inherit);
	if (ret < 0) {
		log_err("%s", err);
		return -1;
	}
	if (c->global.daemon)
		daemonize();
	write_pidfile(o->pidfile ? o->pidfile : c->global.pidfile, getpid());
	return 0;
}

static int run_standalone(struct options *o, struct pxconf *c)
{
	int ret;

	if (claim_sockets(o, c) < 0)
		return 1;
	if (drop_privileges(c) < 0)
		return 1;
	signal_old(o);
	ret = run_workers(c, true);
	return ret;
}

/* ---- master-worker ---- */

struct master {
	struct options *o;
	struct pxconf *conf;   /* the configuration the current worker runs */
	struct ev_loop *loop;
	struct ev_io sig_io;
	struct handover *handover;
	pid_t worker;          /* current worker */
	pid_t *old;            /* workers finishing after a reload */
	int nold;
	int exit_code;
};

static pid_t spawn_worker(struct master *m, struct pxconf *c)
{
	pid_t pid = fork();

	if (pid < 0) {
		log_err("cannot fork a worker: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		/* Die with the master rather than linger without it, and do not
		 * hold the master's hand-over socket. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (m->handover)
			close(handover_fd(m->handover));
		if (drop_privileges(c) < 0)
			_exit(1);
		_exit(run_workers(c, false));
	}
	log_notice("New worker (%d) forked", (int)pid);
	return pid;
}

static void master_reload(struct master *m)
{
	struct pxconf *c;
	struct fdset inherit = { NULL, 0 };
	char err[512];
	pid_t pid;

	log_notice("Reloading the configuration");
	c = load(m->o);
	if (!c) {
		log_err("Reload failed: the configuration has errors; the current worker keeps serving");
		return;
	}
	/* Reuse the sockets of the running configuration by address. */
	for (int p = 0; p < m->conf->nproxies; p++)
		for (int l = 0; l < m->conf->proxies[p]->nlisteners; l++) {
			int fd = m->conf->proxies[p]->listeners[l]->fd;

			if (fd < 0)
				continue;
			inherit.fds = xrealloc(inherit.fds, sizeof(int) * (size_t)(inherit.n + 1));
			inherit.fds[inherit.n++] = dup(fd);
		}
	if (listeners_bind(c, &inherit, err, sizeof(err)) < 0) {
		log_err("Reload failed: %s; the current worker keeps serving", err);
		fdset_close(&inherit);
		pxconf_free(c);
		return;
	}
	fdset_close(&inherit);
	apply_logging(c);
	pid = spawn_worker(m, c);
	if (pid < 0) {
		listeners_close(c);
		pxconf_free(c);
		apply_logging(m->conf);
		return;
	}
	if (m->worker > 0) {
		kill(m->worker, SIGUSR1);
		m->old = xrealloc(m->old, sizeof(pid_t) * (size_t)(m->nold + 1));
		m->old[m->nold++] = m->worker;
	}
	m->worker = pid;
	listeners_close(m->conf);
	pxconf_free(m->conf);
	m->conf = c;
	/* The hand-over socket serves the master's sockets: point it at the
	 * configuration now running. */
	handover_stop(m->handover, m->loop);
	m->handover = handover_serve(m->conf, m->loop, err, sizeof(err));
}

static void master_reap(struct master *m)
{
	pid_t pid;
	int status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);

		if (pid == m->worker) {
			log_err("Current worker (%d) exited with code %d: exiting", (int)pid, code);
			for (int i = 0; i < m->nold; i++)
				kill(m->old[i], SIGTERM);
			m->worker = -1;
			m->exit_code = code ? code : 1;
			ev_loop_stop(m->loop);
			continue;
		}
		for (int i = 0; i < m->nold; i++)
			if (m->old[i] == pid) {
				log_notice("Former worker (%d) exited with code %d", (int)pid, code);
				m->old[i] = m->old[--m->nold];
				break;
			}
	}
}

static void master_on_signal(struct ev_loop *loop, struct ev_io *io, uint32_t events)
{
	struct master *m = io->data;
	struct signalfd_siginfo si;

	while (read(io->fd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGUSR2:
		case SIGHUP:
			master_reload(m);
			break;
		case SIGUSR1:
		case SIGTERM:
		case SIGINT: {
			int sig = si.ssi_signo == SIGUSR1 ? SIGUSR1 : SIGTERM;

			if (m->worker > 0)
				kill(m->worker, sig);
			for (int i = 0; i < m->nold; i++)
				kill(m->old[i], sig);
			while (wait(NULL) > 0)
				;
			log_notice("Master exiting");
			ev_loop_stop(loop);
			return;
		}
		case SIGCHLD:
			master_reap(m);
			break;
		}
	}
}

static int run_master(struct options *o, struct pxconf **cp)
{
	struct pxconf *c = *cp;
	struct master m = { .o = o, .conf = c };
	char err[512];
	sigset_t set;
	int sfd;

	if (claim_sockets(o, c) < 0)
		return 1;
	m.loop = ev_loop_new();
	if (!m.loop) {
		log_err("cannot create an event loop: %s", strerror(errno));
		return 1;
	}
	m.worker = spawn_worker(&m, c);
	if (m.worker < 0)
		return 1;
	signal_old(o);
	m.handover = handover_serve(c, m.loop, err, sizeof(err));
	if (!m.handover)
		log_warning("%s; a reload with -sf will bind anew", err);

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGCHLD);
	sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	ev_io_init(&m.sig_io, master_on_signal, &m);
	ev_io_start(m.loop, &m.sig_io, sfd, EPOLLIN);
	ev_loop_run(m.loop);
	handover_stop(m.handover, m.loop);
	ev_io_stop(m.loop, &m.sig_io);
	close(sfd);
	ev_loop_free(m.loop);
	free(m.old);
	*cp = m.conf;   /* the caller frees the configuration running last */
	return m.exit_code;
}

int main(int argc, char **argv)
{
	struct options o;
	struct pxconf *c;
	int ret;

	memset(&o, 0, sizeof(o));
	log_init("vigil-proxy");
	if (parse_args(argc, argv, &o) < 0) {
		free(o.files);
		free(o.old_pids);
		return 1;
	}
	if (o.quiet)
		log_set_stderr_level(LOG_LVL_ERR);
	if (o.verbose)
		log_set_stderr_level(LOG_LVL_INFO);
	c = load(&o);
	if (!c) {
		free(o.files);
		free(o.old_pids);
		return 1;
	}
	if (o.check_only) {
		if (!o.quiet)
			printf("Configuration file is valid\n");
		ret = 0;
		goto out;
	}
	apply_logging(c);
	block_signals();
	if (c->global.master_worker)
		ret = run_master(&o, &c);
	else
		ret = run_standalone(&o, c);
	unblock_signals();
out:
	log_set_targets(NULL, 0);
	pxconf_free(c);
	free(o.files);
	free(o.old_pids);
	return ret;
}

/* vigild: the Vigil cluster resource manager, one per node. */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "cluster/controller.h"
#include "cluster/ctl_server.h"
#include "cluster/store.h"
#include "lib/ev.h"
#include "lib/heap.h"
#include "lib/log.h"
#include "lib/util.h"

#define VIGIL_VERSION "0.1"

static void usage(FILE *out)
{
	fputs("Usage: vigild [OPTIONS]\n"
	      "\n"
	      "The Vigil cluster resource manager: runs, monitors and recovers the\n"
	      "resources of its configuration (crmsh syntax) on this node.\n"
	      "\n"
	      "  -f, --foreground        stay in the foreground (for service managers)\n"
	      "      --cluster TYPE      cluster layer: local (single node) or corosync\n"
	      "      --state-dir DIR     configuration and status (default /var/lib/vigil)\n"
	      "      --socket PATH       control socket (default /run/vigil/vigild.sock)\n"
	      "      --node-name NAME    this node's name (default: the host name)\n"
	      "      --group NAME        members of this group may use the socket too\n"
	      "      --helper-dir DIR    Vigil's crm_attribute & co. for agents\n"
	      "      --ocf-root DIR      OCF root (default /usr/lib/ocf)\n"
	      "      --fence-dir DIR     where fence agents are (default /usr/sbin)\n"
	      "      --no-fence-prestart start a fence agent only when it fences (default:\n"
	      "                          one per configured agent type waits, started ahead)\n"
	      "      --log-level LEVEL   stderr level: err, warning, notice, info, debug\n"
	      "      --syslog [ADDR]     also log to syslog (default /dev/log)\n"
	      "  -V, --version           print the version\n"
	      "  -h, --help              this help\n", out);
}

/* sd_notify(3) without libsystemd: one datagram to $NOTIFY_SOCKET. */
static void notify_ready(void)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	socklen_t len;
	int fd;

	if (!path || !*path || strlen(path) >= sizeof(sa.sun_path))
		return;
	strcpy(sa.sun_path, path);
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = 0;
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path));
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	if (sendto(fd, "READY=1", 7, 0, (struct sockaddr *)&sa, len) < 0)
		log_warning("Cannot notify readiness: %s", strerror(errno));
	close(fd);
}

static char *default_helper_dir(void)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	struct stat st;
	char *dir;

	if (n > 0) {
		exe[n] = 0;
		dir = xasprintf("%s/helpers", dirname(exe));
		if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
			return dir;
		free(dir);
	}
	return xstrdup("/usr/lib/vigil/helpers");
}

static void signal_cb(struct ev_loop *loop, struct ev_io *io, uint32_t events)
{
	struct controller *ctl = io->data;
	struct signalfd_siginfo si;

	while (read(io->fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo != SIGTERM && si.ssi_signo != SIGINT)
			continue;
		if (!ctl || controller_shutdown(ctl)) {
			log_notice("Received %s: exiting", si.ssi_signo == SIGTERM ? "SIGTERM" : "SIGINT");
			ev_loop_stop(loop);
		}
	}
}

static int handle(void *arg, struct ctl_conn *conn, int argc, char **argv, struct strbuf *out,
		  struct strbuf *err)
{
	return controller_command(arg, conn, argc, argv, out, err);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "foreground", no_argument, NULL, 'f' },
		{ "cluster", required_argument, NULL, 'c' },
		{ "state-dir", required_argument, NULL, 's' },
		{ "socket", required_argument, NULL, 'S' },
		{ "node-name", required_argument, NULL, 'n' },
		{ "group", required_argument, NULL, 'g' },
		{ "helper-dir", required_argument, NULL, 'H' },
		{ "ocf-root", required_argument, NULL, 'o' },
		{ "fence-dir", required_argument, NULL, 'F' },
		{ "no-fence-prestart", no_argument, NULL, 'P' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "syslog", optional_argument, NULL, 'y' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cluster = "local", *state_dir = "/var/lib/vigil";
	const char *sock = "/run/vigil/vigild.sock", *group = NULL, *ocf_root = NULL;
	const char *syslog_addr = NULL, *fence_dir = NULL;
	char *helper_dir = NULL, host[256], err[2048];
	char *node = NULL;
	bool foreground = false, no_fence_prestart = false;
	gid_t gid = (gid_t)-1;
	struct ev_loop *loop;
	struct controller *ctl;
	struct ctl_server *srv;
	struct log_target *target = NULL;
	struct ev_io sigio;
	sigset_t mask;
	int opt, sfd;

	log_init("vigild");
	/* After a node fails, the scheduler's run is on the recovery's
	 * critical path: page faults on a heap glibc handed back to the
	 * kernel while idle took 1.5-2 ms of it. */
	heap_keep();
	while ((opt = getopt_long(argc, argv, "fVh", opts, NULL)) != -1) {
		switch (opt) {
		case 'f': foreground = true; break;
		case 'c': cluster = optarg; break;
		case 's': state_dir = optarg; break;
		case 'S': sock = optarg; break;
		case 'n': node = xstrdup(optarg); break;
		case 'g': group = optarg; break;
		case 'H': helper_dir = xstrdup(optarg); break;
		case 'o': ocf_root = optarg; break;
		case 'F': fence_dir = optarg; break;
		case 'P': no_fence_prestart = true; break;
		case 'l': {
			int lvl = log_level_from_name(optarg);

			if (lvl < 0) {
				fprintf(stderr, "vigild: unknown log level '%s'\n", optarg);
				return 2;
			}
			log_set_stderr_level(lvl);
			break;
		}
		case 'y': syslog_addr = optarg ? optarg : "/dev/log"; break;
		case 'V': printf("vigild %s\n", VIGIL_VERSION); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "vigild: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	if (strcmp(cluster, "local") && strcmp(cluster, "corosync")) {
		fprintf(stderr, "vigild: --cluster %s: unknown cluster layer (local or corosync)\n",
			cluster);
		return 2;
	}
	if (group) {
		struct group *gr = getgrnam(group);

		if (!gr) {
			fprintf(stderr, "vigild: --group %s: no such group\n", group);
			return 2;
		}
		gid = gr->gr_gid;
	}
	if (!node) {
		if (gethostname(host, sizeof(host)) < 0) {
			fprintf(stderr, "vigild: gethostname: %s\n", strerror(errno));
			return 1;
		}
		host[sizeof(host) - 1] = 0;
		node = xstrdup(host);
	}
	if (!helper_dir)
		helper_dir = default_helper_dir();
	if (syslog_addr) {
		target = log_target_new(syslog_addr, 3 << 3 /* daemon */, LOG_LVL_INFO, err, sizeof(err));
		if (!target) {
			fprintf(stderr, "vigild: --syslog: %s\n", err);
			return 2;
		}
		log_set_targets(&target, 1);
	}
	{
		char *copy = xstrdup(sock);

		/* Group members must be able to reach the socket itself. */
		store_mkdirs(dirname(copy), 0755);
		free(copy);
	}
	if (!foreground && daemon(0, 0) < 0) {
		fprintf(stderr, "vigild: daemon: %s\n", strerror(errno));
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	loop = ev_loop_new();
	if (!loop || sfd < 0) {
		log_err("Cannot create the event loop: %s", strerror(errno));
		return 1;
	}
	ev_io_init(&sigio, signal_cb, NULL);
	ev_io_start(loop, &sigio, sfd, EPOLLIN);
	{
		struct controller_config cfg = {
			.node_name = node, .state_dir = state_dir, .socket_path = sock,
			.helper_dir = helper_dir, .ocf_root = ocf_root, .fence_dir = fence_dir,
			.corosync = !strcmp(cluster, "corosync"),
			.no_fence_prestart = no_fence_prestart,
		};

		ctl = controller_new(loop, &cfg, err, sizeof(err));
	}
	if (!ctl) {
		log_err("Cannot start: %s", err);
		return 1;
	}
	sigio.data = ctl;
	srv = ctl_server_new(loop, sock, gid, handle, ctl, err, sizeof(err));
	if (!srv) {
		log_err("Cannot open the control socket: %s", err);
		controller_free(ctl);
		return 1;
	}
	log_notice("vigild %s started on node %s (cluster: %s, state: %s, socket: %s)",
		   VIGIL_VERSION, controller_node_name(ctl), cluster, state_dir, sock);
	notify_ready();
	ev_loop_run(loop);
	ctl_server_free(srv);
	controller_free(ctl);
	ev_io_stop(loop, &sigio);
	close(sfd);
	ev_loop_free(loop);
	if (target) {
		log_set_targets(NULL, 0);
		log_target_free(target);
	}
	free(helper_dir);
	free(node);
	return 0;
}

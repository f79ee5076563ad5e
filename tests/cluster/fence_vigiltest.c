/*
 * fence_vigiltest: a fence agent for Vigil's test hosts (network namespaces
 * on one machine). It speaks fence-agents' stdin protocol (name=value lines)
 * and "powers off" a node: its link on the bridge goes down, then every
 * process in its network namespace is killed. "on" brings the link up (the
 * harness restarts the node's processes itself).
 *
 * Parameters:
 *   action     reboot | off | on | status | monitor | list | metadata
 *   port       the node to act on (also: plug, nodename)
 *   hosts_dir  directory where the harness keeps, per node NAME, the files
 *              NAME.netns (the inode of the node's network namespace) and
 *              NAME.link ("PID LINK": a process in the bridge's namespace
 *              and the node's port on the bridge), and where cgroup v2 is
 *              available NAME.cgroup (the node's cgroup directory: every
 *              process of the node runs in it)
 *
 * Nodes keep a private /run, so namespaces are found through /proc, not
 * /run/netns. It is compiled, not a script: the time a fence takes is part
 * of every failover measured on these hosts, and an interpreter's start
 * alone would dominate it.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static const char metadata[] =
	"<?xml version=\"1.0\" ?>\n"
	"<resource-agent name=\"fence_vigiltest\" shortdesc=\"Fence agent for Vigil's namespace test hosts\">\n"
	"<longdesc>Kills every process in a test node's network namespace and takes its link down.</longdesc>\n"
	"<parameters>\n"
	"<parameter name=\"action\" unique=\"0\" required=\"1\"><content type=\"string\" default=\"reboot\"/></parameter>\n"
	"<parameter name=\"port\" unique=\"0\" required=\"0\"><content type=\"string\"/></parameter>\n"
	"<parameter name=\"plug\" unique=\"0\" required=\"0\"><content type=\"string\"/></parameter>\n"
	"<parameter name=\"hosts_dir\" unique=\"0\" required=\"1\"><content type=\"string\"/></parameter>\n"
	"</parameters>\n"
	"<actions>\n"
	"<action name=\"on\"/><action name=\"off\"/><action name=\"reboot\"/><action name=\"status\"/>\n"
	"<action name=\"list\"/><action name=\"monitor\"/><action name=\"metadata\"/>\n"
	"</actions>\n"
	"</resource-agent>\n";

static char action[64] = "reboot", node[256], hosts_dir[4096];

static void trim(char *s)
{
	size_t n = strlen(s);

	while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = 0;
}

static void copy(char *dst, size_t len, const char *v)
{
	snprintf(dst, len, "%s", v);
}

static void read_params(void)
{
	char line[8192];

	while (fgets(line, sizeof(line), stdin)) {
		char *eq, *k = line, *v;

		trim(line);
		while (*k == ' ' || *k == '\t')
			k++;
		if (!*k || *k == '#' || !(eq = strchr(k, '=')))
			continue;
		*eq = 0;
		v = eq + 1;
		trim(k);
		while (*v == ' ' || *v == '\t')
			v++;
		if (!strcmp(k, "action"))
			copy(action, sizeof(action), v);
		else if (!strcmp(k, "port") || !strcmp(k, "plug") || (!strcmp(k, "nodename") && !*node))
			copy(node, sizeof(node), v);
		else if (!strcmp(k, "hosts_dir"))
			copy(hosts_dir, sizeof(hosts_dir), v);
	}
}

/* The first line of hosts_dir/NODE.SUFFIX. */
static int node_file(const char *suffix, char *out, size_t len)
{
	char path[8192];
	FILE *f;
	bool ok;

	snprintf(path, sizeof(path), "%s/%s.%s", hosts_dir, node, suffix);
	if (!(f = fopen(path, "r"))) {
		fprintf(stderr, "%s: %s: %s\n", node, path, strerror(errno));
		return -1;
	}
	ok = fgets(out, (int)len, f) != NULL;
	fclose(f);
	if (!ok) {
		fprintf(stderr, "%s: %s is empty\n", node, path);
		return -1;
	}
	trim(out);
	return 0;
}

/* The pids already sent SIGKILL. */
static pid_t killed[8192];
static int nkilled;

static bool was_killed(pid_t pid)
{
	for (int i = 0; i < nkilled; i++)
		if (killed[i] == pid)
			return true;
	return false;
}

/* Processes whose network namespace is "net:[INODE]": with do_kill, send
 * SIGKILL to those not sent it yet and return how many that was; else
 * return how many there are. */
static int kill_ns(const char *inode, bool do_kill)
{
	char want[64], path[300], link[64];
	struct dirent *e;
	DIR *d = opendir("/proc");
	int n = 0;

	if (!d)
		return -1;
	snprintf(want, sizeof(want), "net:[%s]", inode);
	while ((e = readdir(d))) {
		ssize_t len;
		pid_t pid;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		pid = atoi(e->d_name);
		if (pid == getpid())
			continue;
		snprintf(path, sizeof(path), "/proc/%s/ns/net", e->d_name);
		len = readlink(path, link, sizeof(link) - 1);
		if (len <= 0)
			continue;
		link[len] = 0;
		if (strcmp(link, want))
			continue;
		if (!do_kill) {
			n++;
		} else if (!was_killed(pid)) {
			n++;
			kill(pid, SIGKILL);
			if (nkilled < (int)(sizeof(killed) / sizeof(killed[0])))
				killed[nkilled++] = pid;
		}
	}
	closedir(d);
	return n;
}

/* Set the bridge port's IFF_UP through rtnetlink, from inside the bridge's
 * network namespace (entered through the holder process). */
static int set_link(bool up)
{
	char buf[512], *sp;
	struct {
		struct nlmsghdr nh;
		struct ifinfomsg ifi;
	} req;
	char nspath[600];
	unsigned idx;
	int nsfd, fd, rc = -1;
	ssize_t n;

	if (node_file("link", buf, sizeof(buf)) < 0)
		return -1;
	if (!(sp = strchr(buf, ' '))) {
		fprintf(stderr, "%s: bad link file \"%s\"\n", node, buf);
		return -1;
	}
	*sp++ = 0;
	snprintf(nspath, sizeof(nspath), "/proc/%s/ns/net", buf);
	if ((nsfd = open(nspath, O_RDONLY | O_CLOEXEC)) < 0 || setns(nsfd, CLONE_NEWNET) < 0) {
		fprintf(stderr, "%s: cannot enter the bridge's namespace (%s): %s\n", node, nspath,
			strerror(errno));
		if (nsfd >= 0)
			close(nsfd);
		return -1;
	}
	close(nsfd);
	if (!(idx = if_nametoindex(sp))) {
		fprintf(stderr, "%s: no link %s: %s\n", node, sp, strerror(errno));
		return -1;
	}
	if ((fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE)) < 0)
		return -1;
	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = sizeof(req);
	req.nh.nlmsg_type = RTM_NEWLINK;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	req.nh.nlmsg_seq = 1;
	req.ifi.ifi_family = AF_UNSPEC;
	req.ifi.ifi_index = (int)idx;
	req.ifi.ifi_flags = up ? IFF_UP : 0;
	req.ifi.ifi_change = IFF_UP;
	if (send(fd, &req, sizeof(req), 0) == (ssize_t)sizeof(req) &&
	    (n = recv(fd, buf, sizeof(buf), 0)) >= (ssize_t)sizeof(struct nlmsghdr)) {
		struct nlmsghdr *h = (struct nlmsghdr *)buf;

		if (h->nlmsg_type == NLMSG_ERROR) {
			int err = ((struct nlmsgerr *)NLMSG_DATA(h))->error;

			rc = err ? -1 : 0;
			if (err)
				fprintf(stderr, "%s: link %s: %s\n", node, sp, strerror(-err));
		}
	}
	close(fd);
	return rc;
}

/* Write "1" to the node's cgroup.kill: the kernel kills every process in
 * it, forks in progress included, in one step. -1 if the node has no
 * cgroup (or it cannot be used). */
static int kill_cgroup(void)
{
	char path[8192], dir[4000], file[8192];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "%s/%s.cgroup", hosts_dir, node);
	if (access(path, F_OK) < 0 || node_file("cgroup", dir, sizeof(dir)) < 0)
		return -1;
	snprintf(file, sizeof(file), "%s/cgroup.kill", dir);
	/* Run by a node's vigild, the agent sees the sysfs that `ip netns
	 * exec` mounted for the node, without the cgroup hierarchy: reach
	 * the machine's through the holder process's root (it lives in the
	 * harness's mount namespace). */
	if (access(file, F_OK) < 0) {
		char link[512];

		if (node_file("link", link, sizeof(link)) < 0)
			return -1;
		link[strcspn(link, " ")] = 0;
		snprintf(file, sizeof(file), "/proc/%s/root%s/cgroup.kill", link, dir);
	}
	if (!(f = fopen(file, "w"))) {
		fprintf(stderr, "%s: %s: %s\n", node, file, strerror(errno));
		return -1;
	}
	ok = fputs("1", f) >= 0;
	ok = (fclose(f) == 0) && ok;
	if (!ok)
		fprintf(stderr, "%s: %s: %s\n", node, file, strerror(errno));
	return ok ? 0 : -1;
}

/* Off, as a power switch does it: the link first (from then on the node
 * cannot reach anyone), then every process of the node killed: through
 * its cgroup where it has one, else process by process. The second way
 * returns once a scan of /proc finds no process there that has not been
 * sent SIGKILL: a killed process runs no further instruction of its own
 * and cannot fork, so the node is off from then on, while the kernel may
 * still be tearing the processes down (waiting for that took 10-40 ms of
 * a fence here). A process forked between a scan and its kill is found
 * by the next scan. */
static int power_off(void)
{
	char inode[64];

	if (node_file("netns", inode, sizeof(inode)) < 0)
		return 1;
	/* The link first: from now on the node cannot reach anyone. */
	if (set_link(false) < 0) {
		fprintf(stderr, "%s: cannot take its link down\n", node);
		return 1;
	}
	if (kill_cgroup() == 0)
		return 0;
	for (int i = 0; i < 1000; i++)      /* bounded: a fork bomb is not a node */
		if (kill_ns(inode, true) == 0)
			return 0;
	fprintf(stderr, "%s: processes kept appearing in its namespace\n", node);
	return 1;
}

static int list_nodes(void)
{
	DIR *d = opendir(hosts_dir);
	struct dirent *e;

	if (!d) {
		fprintf(stderr, "%s: %s\n", hosts_dir, strerror(errno));
		return 1;
	}
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);

		if (n > 6 && !strcmp(e->d_name + n - 6, ".netns"))
			printf("%.*s\n", (int)(n - 6), e->d_name);
	}
	closedir(d);
	return 0;
}

int main(void)
{
	char inode[64];

	read_params();
	if (!strcmp(action, "metadata") || !strcmp(action, "meta-data")) {
		fputs(metadata, stdout);
		return 0;
	}
	if (!*hosts_dir) {
		fprintf(stderr, "hosts_dir is required\n");
		return 1;
	}
	if ((!strcmp(action, "monitor") || !strcmp(action, "status")) && !*node) {
		DIR *d = opendir(hosts_dir);

		if (d)
			closedir(d);
		return d ? 0 : 1;
	}
	if (!strcmp(action, "list"))
		return list_nodes();
	if (!*node) {
		fprintf(stderr, "no port (node) given\n");
		return 1;
	}
	if (!strcmp(action, "off") || !strcmp(action, "reboot"))
		return power_off();
	if (!strcmp(action, "on"))
		return set_link(true) < 0;
	if (!strcmp(action, "status")) {
		if (node_file("netns", inode, sizeof(inode)) < 0)
			return 1;
		return kill_ns(inode, false) > 0 ? 0 : 2;
	}
	fprintf(stderr, "unknown action %s\n", action);
	return 1;
}

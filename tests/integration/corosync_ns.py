"""A Corosync cluster of N nodes on one machine, for multi-node tests.

Each node is a network namespace ("vigil-cc-PID-I") holding eth0 with
198.18.X.I/24, linked by a veth pair to a bridge in another namespace
("vigil-cc-PID-br"). Every command of node I (Corosync itself, and any
client of it: Corosync's IPC uses abstract unix sockets, which belong to a
network namespace, and shared memory files in /dev/shm) runs as

    ip netns exec vigil-cc-PID-I unshare --mount --propagation private \\
        sh -c 'mount --bind DIR/etc /etc/corosync && mount --bind DIR/lib /var/lib/corosync &&
               mount --bind DIR/run /run && mount --bind DIR/shm /dev/shm && exec "$@"' sh ARGV

where DIR is the node's own temporary directory. Neither `ip netns exec`
nor `unshare` (without --fork) nor `exec` forks, so the pid of the Popen is
the pid of ARGV's program: kill(i) kills Corosync itself by pid.

    c = CorosyncCluster(3, token_ms=1000)
    try:
        c.start()                           # namespaces, configs, corosync -f, wait ready
        p = c.node_exec(1, [prog, "arg"], stdout=subprocess.PIPE)
        c.kill(2)                           # SIGKILL node 2's corosync
    finally:
        c.remove()                          # processes by pid, namespaces by name, files

Everything created is removed by remove(), which is safe to call at any
point (also after a failed start()) and more than once.
"""
import os
import shutil
import signal
import subprocess
import tempfile
import time

NODE_WRAPPER = ('mount --bind "$D/etc" /etc/corosync && '
                'mount --bind "$D/lib" /var/lib/corosync && '
                'mount --bind "$D/run" /run && '
                'mount --bind "$D/shm" /dev/shm && '
                'exec "$@"')

CONF = """totem {{
	version: 2
	cluster_name: {cluster_name}
	transport: knet
	crypto_cipher: none
	crypto_hash: none
	token: {token_ms}
{totem_extra}}}

nodelist {{
{nodes}}}

quorum {{
	provider: corosync_votequorum
{quorum_extra}}}

logging {{
	to_stderr: yes
	to_syslog: no
	to_logfile: no
	timestamp: hires
	debug: {debug}
}}
"""

NODE = """	node {{
		ring0_addr: {addr}
		nodeid: {nodeid}
		name: {name}
	}}
"""


def cgroup2_root():
    """Where the cgroup v2 hierarchy is mounted, or None."""
    try:
        with open("/proc/self/mountinfo") as f:
            for line in f:
                pre, _, post = line.partition(" - ")
                if post.split()[:1] == ["cgroup2"]:
                    return pre.split()[4]
    except OSError:
        pass
    return None


def _run(argv, check=True):
    r = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    if check and r.returncode != 0:
        raise RuntimeError("%s: %s" % (" ".join(argv), (r.stderr or r.stdout).strip()))
    return r


class CorosyncCluster:
    """N Corosync nodes (ids 1..N, names n1..nN), each in its own network
    and mount namespaces."""

    def __init__(self, n, token_ms=1000, token_coefficient_ms=None, consensus_ms=None,
                 subnet=None, cluster_name="vigiltest", debug=False, tag=None, two_node=False):
        """token_ms is totem.token. Corosync adds token_coefficient (650 ms
        by default) per node beyond two, and waits consensus (1.2 x the
        token) before forming a new membership: pass token_coefficient_ms=0
        for a token timeout of exactly token_ms whatever n."""
        assert 1 <= n <= 32
        self.n = n
        self.token_ms = token_ms
        self.token_coefficient_ms = token_coefficient_ms
        self.consensus_ms = consensus_ms
        self.cluster_name = cluster_name
        self.two_node = two_node
        self.debug = debug
        self.tag = tag or "vigil-cc-%d" % os.getpid()
        # 198.18.X.0/24: any X works (each cluster has its own bridge);
        # varying it keeps addresses distinct in captures and logs.
        self.subnet = subnet if subnet is not None else os.getpid() % 250
        self.bridge_ns = self.tag + "-br"
        self.tmp = None
        self.namespaces = []   # created, deleted by remove()
        self.corosync = {}     # node -> Popen of corosync
        self.procs = []        # every Popen started by node_exec()
        self.logs = {}         # node -> path of corosync's stderr
        self.cgroups = {}      # node -> its cgroup (v2) directory, when there is one

    # Names and addresses -------------------------------------------------

    def ns(self, i):
        return "%s-%d" % (self.tag, i)

    def addr(self, i):
        return "198.18.%d.%d" % (self.subnet, i)

    def name(self, i):
        return "n%d" % i

    def node_dir(self, i):
        return os.path.join(self.tmp, self.name(i))

    def cgroup(self, i):
        """Node i's cgroup v2 directory (every process node_exec starts is
        in it, so its cgroup.kill powers the node off at once), or None
        where cgroup v2 cannot be used."""
        return self.cgroups.get(i)

    def conf_path(self, i):
        """Node i's corosync.conf (its /etc/corosync/corosync.conf); after
        editing it, `corosync-cfgtool -R` in the node reloads it."""
        return os.path.join(self.node_dir(i), "etc", "corosync.conf")

    # Life cycle ---------------------------------------------------------

    def start(self, wait=True, timeout=20.0):
        """Create the network, write each node's files, start Corosync on
        every node and (with wait) wait until each answers on its IPC."""
        self.tmp = tempfile.mkdtemp(prefix=self.tag + "-")
        self._add_ns(self.bridge_ns)
        self._ip(self.bridge_ns, "link", "add", "br0", "type", "bridge")
        self._ip(self.bridge_ns, "link", "set", "br0", "up")
        nodes = "".join(NODE.format(addr=self.addr(i), nodeid=i, name=self.name(i))
                        for i in range(1, self.n + 1))
        extra = ""
        if self.token_coefficient_ms is not None:
            extra += "\ttoken_coefficient: %d\n" % self.token_coefficient_ms
        if self.consensus_ms is not None:
            extra += "\tconsensus: %d\n" % self.consensus_ms
        conf = CONF.format(cluster_name=self.cluster_name, token_ms=self.token_ms,
                           totem_extra=extra, nodes=nodes,
                           quorum_extra="\ttwo_node: 1\n" if self.two_node else "",
                           debug="on" if self.debug else "off")
        for i in range(1, self.n + 1):
            ns = self.ns(i)
            self._add_ns(ns)
            self._ip(self.bridge_ns, "link", "add", "p%d" % i, "type", "veth",
                     "peer", "name", "eth0", "netns", ns)
            self._ip(self.bridge_ns, "link", "set", "p%d" % i, "master", "br0", "up")
            self._ip(ns, "addr", "add", self.addr(i) + "/24", "dev", "eth0")
            self._ip(ns, "link", "set", "eth0", "up")
            self._ip(ns, "link", "set", "lo", "up")
            d = self.node_dir(i)
            for sub in ("etc", "lib", "run", "shm"):
                os.makedirs(os.path.join(d, sub))
            os.chmod(os.path.join(d, "shm"), 0o1777)
            with open(self.conf_path(i), "w") as f:
                f.write(conf)
            self._add_cgroup(i)
        for i in range(1, self.n + 1):
            self.start_node(i, wait=False)
        if wait:
            for i in range(1, self.n + 1):
                self.wait_ready(i, timeout)

    def start_node(self, i, wait=True, timeout=20.0):
        """(Re)start node i's Corosync; its stderr goes to DIR/corosync.log."""
        log = os.path.join(self.node_dir(i), "corosync.log")
        self.logs[i] = log
        with open(log, "ab") as f:
            p = self.node_exec(i, ["corosync", "-f"], stdout=f, stderr=subprocess.STDOUT)
        self.corosync[i] = p
        if wait:
            self.wait_ready(i, timeout)
        return p

    def node_exec(self, i, argv, **popen_kw):
        """Start argv in node i's network and mount namespaces; the Popen's
        pid is argv's own. Popen keywords pass through (stdout=..., text=...).
        The process is killed by remove() if still running."""
        env = dict(popen_kw.pop("env", None) or os.environ)
        env["D"] = self.node_dir(i)
        cmd = ["ip", "netns", "exec", self.ns(i),
               "unshare", "--mount", "--propagation", "private",
               "sh", "-c", NODE_WRAPPER, "sh", *argv]
        cg = self.cgroup(i)
        if cg:
            # Into the node's cgroup before exec ("0": the writer itself).
            procs = os.path.join(cg, "cgroup.procs")

            def enter():
                with open(procs, "w") as f:
                    f.write("0")
            popen_kw["preexec_fn"] = enter
        p = subprocess.Popen(cmd, env=env, **popen_kw)
        self.procs.append(p)
        return p

    def node_run(self, i, argv, timeout=10.0):
        """Run argv to completion in node i; a CompletedProcess (text)."""
        p = self.node_exec(i, argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            out, err = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            out, err = p.communicate()
        return subprocess.CompletedProcess(argv, p.returncode, out, err)

    def wait_ready(self, i, timeout=20.0):
        """Wait until node i's Corosync answers on its IPC."""
        deadline = time.monotonic() + timeout
        while True:
            p = self.corosync.get(i)
            if p is not None and p.poll() is not None:
                raise RuntimeError("corosync on %s exited (%s):\n%s"
                                   % (self.name(i), p.returncode, self.log(i)))
            r = self.node_run(i, ["corosync-cmapctl", "-g", "runtime.votequorum.this_node_id"],
                              timeout=5)
            if r.returncode == 0:
                return
            if time.monotonic() > deadline:
                raise RuntimeError("corosync on %s not ready after %.0f s:\n%s"
                                   % (self.name(i), timeout, self.log(i)))
            time.sleep(0.1)

    def quorum_status(self, i):
        """corosync-quorumtool -s of node i (text; its exit status is 0
        when quorate)."""
        return self.node_run(i, ["corosync-quorumtool", "-s"])

    def kill(self, i, sig=signal.SIGKILL):
        """Send sig to node i's Corosync (by pid) and, for SIGKILL, reap it."""
        p = self.corosync.get(i)
        if p is None or p.poll() is not None:
            return
        os.kill(p.pid, sig)
        if sig == signal.SIGKILL:
            p.wait(timeout=10)

    def log(self, i):
        try:
            with open(self.logs[i], errors="replace") as f:
                return f.read()
        except (KeyError, OSError):
            return ""

    def remove(self):
        """Kill every process started here (by pid), delete the namespaces
        (by name) and the temporary files. Safe after a partial start."""
        for p in self.procs:
            if p.poll() is None:
                try:
                    p.kill()
                except ProcessLookupError:
                    pass
        for p in self.procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        self.procs = []
        self.corosync = {}
        for cg in self.cgroups.values():
            self._remove_cgroup(cg)
        self.cgroups = {}
        for ns in reversed(self.namespaces):
            _run(["ip", "netns", "del", ns], check=False)
        self.namespaces = []
        if self.tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()

    # Internals ------------------------------------------------------------

    def _add_cgroup(self, i):
        root = cgroup2_root()
        if not root:
            return
        path = os.path.join(root, "%s-%d" % (self.tag, i))
        try:
            os.mkdir(path)
        except OSError:
            return
        self.cgroups[i] = path

    @staticmethod
    def _remove_cgroup(path):
        """Kill what is left in it (a service a node started, say), then
        remove it once its processes are gone (bounded)."""
        try:
            with open(os.path.join(path, "cgroup.kill"), "w") as f:
                f.write("1")
        except OSError:
            pass
        deadline = time.monotonic() + 10
        while True:
            try:
                os.rmdir(path)
                return
            except FileNotFoundError:
                return
            except OSError:
                if time.monotonic() > deadline:
                    return
                time.sleep(0.02)

    def _add_ns(self, ns):
        _run(["ip", "netns", "add", ns])
        self.namespaces.append(ns)

    def _ip(self, ns, *args):
        return _run(["ip", "-n", ns, *args])

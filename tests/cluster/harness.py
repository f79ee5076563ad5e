"""An N-node Vigil cluster on one machine: network namespaces joined by a
bridge (198.18.0.0/15), Corosync and vigild per node (each in its own
mount namespace), and a fence agent (fence_vigiltest.c here, built as build/fence/fence_vigiltest)
that powers a node off by taking its bridge port down and killing every
process in its network namespace.

    c = VigilCluster(3)
    try:
        c.start()                      # corosync + vigild on every node, joined
        c.load(1, "...crmsh...")       # through node 1's vigilctl
        c.power_off(2)                 # as the fence agent does
        c.power_on(2)                  # link up, corosync and vigild again
    finally:
        c.remove()                     # every process by pid, namespaces by name

See README.md here for starting a cluster by hand.
"""
import json
import os
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

from corosync_ns import CorosyncCluster  # noqa: E402

BUILD = os.environ.get("VIGIL_BUILD") or os.path.join(HERE, "..", "..", "build")
VIGILD = os.path.join(BUILD, "vigild")
VIGILCTL = os.path.join(BUILD, "vigilctl")
FENCE_AGENT = "fence_vigiltest"
FENCE_DIR = os.path.join(BUILD, "fence")


def wait_until(pred, timeout=30.0, step=0.05, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(step)
    raise AssertionError("timed out waiting for " + what)


def netns_inode(name):
    return os.stat(f"/run/netns/{name}").st_ino


def pids_in_netns(inode):
    want = "net:[%d]" % inode
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                if os.readlink(f"/proc/{d}/ns/net") == want:
                    out.append(int(d))
            except OSError:
                pass
    return out


class VigilCluster:
    def __init__(self, n, token_ms=1000, fast=False, tag=None, two_node=False):
        """fast: Corosync's token settings for quick failover (token_ms,
        no per-node coefficient, 2 retransmits before loss)."""
        self.n = n
        kw = {}
        if fast:
            kw = {"token_coefficient_ms": 0}
        self.cc = CorosyncCluster(n, token_ms=token_ms, tag=tag or f"vigil-cl-{os.getpid()}",
                                  two_node=two_node, **kw)
        self.fast = fast
        self.vigild = {}
        self.holder = None
        self.hosts_dir = None

    # Paths and names ------------------------------------------------------

    def name(self, i):
        return self.cc.name(i)

    def addr(self, i):
        return self.cc.addr(i)

    def sock(self, i):
        return os.path.join(self.cc.node_dir(i), "vigild.sock")

    def logpath(self, i):
        return os.path.join(self.cc.node_dir(i), "vigild.log")

    def log(self, i):
        try:
            with open(self.logpath(i), errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def fence_params(self):
        return f"hosts_dir={self.hosts_dir}"

    # Life cycle ---------------------------------------------------------

    def start(self, timeout=60):
        self.cc.start()
        # A process in the bridge's network namespace and in this mount
        # namespace (nsenter, not `ip netns exec`, which mounts a sysfs of
        # its own): the fence agent reaches the bridge ports and the
        # nodes' cgroups through it.
        self.holder = subprocess.Popen(["nsenter", f"--net=/run/netns/{self.cc.bridge_ns}",
                                        "sleep", "1000000"])
        self.hosts_dir = os.path.join(self.cc.tmp, "hosts")
        os.makedirs(self.hosts_dir)
        # Each node has a private /run: give it what a booted host has.
        for i in range(1, self.n + 1):
            os.makedirs(os.path.join(self.cc.node_dir(i), "run", "resource-agents"),
                        exist_ok=True)
        for i in range(1, self.n + 1):
            with open(os.path.join(self.hosts_dir, self.name(i) + ".netns"), "w") as f:
                f.write(str(netns_inode(self.cc.ns(i))))
            with open(os.path.join(self.hosts_dir, self.name(i) + ".link"), "w") as f:
                f.write(f"{self.holder.pid} p{i}")
            if self.cc.cgroup(i):
                with open(os.path.join(self.hosts_dir, self.name(i) + ".cgroup"), "w") as f:
                    f.write(self.cc.cgroup(i))
        for i in range(1, self.n + 1):
            self.start_vigild(i)
        for i in range(1, self.n + 1):
            self.wait_members(i, self.n, timeout)

    def start_vigild(self, i, wait=True):
        log = open(self.logpath(i), "ab")
        p = self.cc.node_exec(i, [VIGILD, "-f", "--cluster", "corosync",
                                  "--state-dir", os.path.join(self.cc.node_dir(i), "vigil"),
                                  "--socket", self.sock(i),
                                  "--helper-dir", os.path.join(BUILD, "helpers"),
                                  "--fence-dir", FENCE_DIR,
                                  "--log-level", os.environ.get("VIGIL_LOG_LEVEL", "info")],
                              stdout=log, stderr=subprocess.STDOUT)
        log.close()
        self.vigild[i] = p
        if wait:
            wait_until(lambda: p.poll() is not None or
                       self.ctl(i, "node", "name", check=False).returncode == 0,
                       timeout=30, what=f"vigild on {self.name(i)}")
            assert p.poll() is None, self.log(i)
        return p

    def kill_vigild(self, i):
        p = self.vigild.get(i)
        if p and p.poll() is None:
            p.kill()
            p.wait(10)

    def power_off(self, i):
        """What the fence agent does: the node's bridge port down, then
        every process in its network namespace killed."""
        r = subprocess.run([os.path.join(FENCE_DIR, FENCE_AGENT)], input=(
            f"action=off\nport={self.name(i)}\n{self.fence_params()}\n"),
            capture_output=True, text=True, timeout=30)
        assert r.returncode == 0, r.stderr
        for p in (self.vigild.get(i), self.cc.corosync.get(i)):
            if p:
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    pass

    def power_on(self, i, wait=True):
        subprocess.run(["ip", "-n", self.cc.bridge_ns, "link", "set", f"p{i}", "up"],
                       check=True)
        self.cc.start_node(i)
        self.start_vigild(i, wait=wait)

    def isolate(self, i):
        """Cut node i off the network (its bridge port down); it keeps
        running: a partition, not a power-off."""
        subprocess.run(["ip", "-n", self.cc.bridge_ns, "link", "set", f"p{i}", "down"],
                       check=True)

    def reconnect(self, i):
        subprocess.run(["ip", "-n", self.cc.bridge_ns, "link", "set", f"p{i}", "up"],
                       check=True)

    def remove(self):
        """Every process by pid (vigild, Corosync, and whatever ran in the
        nodes' namespaces), then namespaces by name, then files."""
        inodes = []
        for i in range(1, self.n + 1):
            try:
                inodes.append(netns_inode(self.cc.ns(i)))
            except OSError:
                pass
        for p in self.vigild.values():
            if p.poll() is None:
                p.kill()
        for inode in inodes:
            for pid in pids_in_netns(inode):
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
        if self.holder and self.holder.poll() is None:
            self.holder.kill()
            self.holder.wait(5)
        for p in self.vigild.values():
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                pass
        self.cc.remove()

    # Driving vigild --------------------------------------------------------

    def ctl(self, i, *args, check=True, timeout=30):
        r = subprocess.run([VIGILCTL, "--socket", self.sock(i), *args], capture_output=True,
                           text=True, timeout=timeout)
        if check and r.returncode != 0:
            raise AssertionError(f"vigilctl on {self.name(i)} {args}: exit {r.returncode}: "
                                 f"{r.stdout}{r.stderr}")
        return r

    def load(self, i, text, mode="replace"):
        path = os.path.join(self.cc.tmp, f"load-{time.monotonic_ns()}.crm")
        with open(path, "w") as f:
            f.write(text)
        return self.ctl(i, "configure", "load", mode, path)

    def status(self, i):
        return json.loads(self.ctl(i, "status", "--json").stdout)

    def wait_members(self, i, count, timeout=60):
        def ok():
            try:
                st = self.status(i)
            except (AssertionError, ValueError, subprocess.TimeoutExpired):
                return False
            return sum(1 for n in st["nodes"] if n["online"]) >= count and st["dc"]
        wait_until(ok, timeout=timeout, what=f"{count} online nodes seen by {self.name(i)}")

    def where(self, i, rid):
        """Nodes where resource rid runs, as node i sees it."""
        for r in self.status(i)["resources"]:
            if r["id"] == rid or r["id"].split(":")[0] == rid:
                if r["nodes"] and not r["pending"]:
                    return r["nodes"]
        return []

    def node_run(self, i, argv, timeout=10):
        return self.cc.node_run(i, argv, timeout=timeout)


if __name__ == "__main__":
    # By hand: python3 tests/cluster/harness.py 3  (Ctrl-C removes it all)
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    c = VigilCluster(n)
    try:
        c.start()
        print(f"cluster of {n} up; fence agent params: {c.fence_params()}")
        for i in range(1, n + 1):
            print(f"  {c.name(i)}: {c.addr(i)}  netns {c.cc.ns(i)}  "
                  f"vigilctl --socket {c.sock(i)}  log {c.logpath(i)}")
        print("Ctrl-C to tear it down")
        signal.pause()
    except KeyboardInterrupt:
        pass
    finally:
        c.remove()

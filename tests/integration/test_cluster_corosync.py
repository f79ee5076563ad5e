"""The Corosync cluster layer (src/cluster/cluster_corosync.c) against real
Corosync 3 nodes: three network + mount namespaces built by corosync_ns.py,
and in each node build/tests/test_cluster as a driver ("corosync-echo":
one stdout line per membership, quorum and message event; commands on
stdin).

Checked: every driver sees the same membership (by name) and quorum; the
messages of all senders arrive everywhere in one order, 1 MiB ones too,
and bursts that make Corosync push back ("try again") too; a
node whose Corosync is killed leaves as failed, quorum stays with 2 of 3,
its driver is told the connection is lost, and it rejoins once Corosync is
back; a killed driver leaves the CPG group as failed while its node stays in
the votequorum membership; a driver stopped by SIGTERM leaves cleanly.

Only namespaces, processes and files the test creates are touched, and
CorosyncCluster.remove() deletes them (by name and pid) pass or fail."""
import os
import shutil
import signal
import subprocess
import threading
import time

import pytest

from conftest import BUILD
from corosync_ns import CorosyncCluster

DRIVER = os.path.join(BUILD, "tests", "test_cluster")
TIMEOUT = 20.0

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or not all(shutil.which(p) for p in ("ip", "unshare", "corosync")),
    reason="needs root, iproute2, unshare and corosync to build namespaced Corosync nodes")


def parse_list(s, with_failed=False):
    """'1:n1,3:n3' -> ['n1', 'n3']; with_failed: '3:n3:failed' -> [('n3', True)]."""
    out = []
    for item in filter(None, s.split(",")):
        parts = item.split(":")
        out.append((parts[1], parts[2] == "failed") if with_failed else parts[1])
    return out


def parse_event(line):
    """A driver line as a dict with 'kind', or None."""
    words = line.split(" ")
    kind = words[0]
    if kind == "membership":
        f = dict(w.split("=", 1) for w in words[1:])
        return {"kind": kind, "members": parse_list(f["members"]),
                "left": parse_list(f["left"], with_failed=True),
                "joined": parse_list(f["joined"])}
    if kind == "quorum":
        f = dict(w.split("=", 1) for w in words[1:])
        return {"kind": kind, "quorate": f["quorate"] == "1", "nodes": parse_list(f["nodes"]),
                "needed": int(f["needed"]),
                "votes": [int(item.split(":")[2]) for item in filter(None, f["nodes"].split(","))]}
    if kind == "msg":
        parts = line.split(" ", 3)
        return {"kind": kind, "id": int(parts[1]), "name": parts[2],
                "text": parts[3] if len(parts) > 3 else ""}
    return {"kind": kind, "line": line}


class Driver:
    """test_cluster corosync-echo in node i; its stdout lines kept with the
    time each was read."""

    def __init__(self, cluster, i):
        self.i = i
        self.name = cluster.name(i)
        self.p = cluster.node_exec(i, [DRIVER, "corosync-echo"], stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   text=True, bufsize=1)
        self.lines = []   # (monotonic time, line)
        self.err = []
        self.cond = threading.Condition()
        DRIVERS.append(self)
        threading.Thread(target=self._read, args=(self.p.stdout, self.lines), daemon=True).start()
        threading.Thread(target=self._read, args=(self.p.stderr, self.err), daemon=True).start()

    def _read(self, f, into):
        for line in f:
            with self.cond:
                into.append((time.monotonic(), line.rstrip("\n")))
                self.cond.notify_all()
        with self.cond:
            self.cond.notify_all()

    def cmd(self, line):
        self.p.stdin.write(line + "\n")
        self.p.stdin.flush()

    def events(self, kind=None, since=0):
        with self.cond:
            lines = list(self.lines[since:])
        evs = [(t, parse_event(l)) for t, l in lines]
        return [(t, e) for t, e in evs if kind is None or e["kind"] == kind]

    def wait(self, pred, what, timeout=TIMEOUT, since=0):
        """The first (time, event) from line `since` on that satisfies pred."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for t, line in self.lines[since:]:
                    e = parse_event(line)
                    if pred(e):
                        return t, e
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError("%s: timed out waiting for %s\nstdout:\n%s\nstderr:\n%s"
                                         % (self.name, what, self.dump(self.lines),
                                            self.dump(self.err)))
                self.cond.wait(min(left, 0.2))

    def wait_members(self, names, **kw):
        return self.wait(lambda e: e["kind"] == "membership" and e["members"] == names,
                         "members %s" % names, **kw)

    def wait_quorum(self, quorate, names, **kw):
        return self.wait(lambda e: e["kind"] == "quorum" and e["quorate"] == quorate
                         and e["nodes"] == names, "quorum %s %s" % (quorate, names), **kw)

    def messages(self):
        return [e for _, e in self.events("msg")]

    def wait_messages(self, n, pred=lambda e: True):
        deadline = time.monotonic() + TIMEOUT
        while True:
            got = [e for e in self.messages() if pred(e)]
            if len(got) >= n:
                return got
            if time.monotonic() > deadline:
                raise AssertionError("%s: %d of %d messages\nstdout:\n%s" %
                                     (self.name, len(got), n, self.dump(self.lines)))
            time.sleep(0.05)

    def exit_status(self, timeout=10):
        return self.p.wait(timeout=timeout)

    @staticmethod
    def dump(lines):
        return "\n".join(l for _, l in lines[-60:])


DRIVERS = []


@pytest.fixture
def cluster():
    c = CorosyncCluster(3, token_ms=1000)
    DRIVERS.clear()
    try:
        c.start()
        yield c
        # A sanitizer build's drivers report here (ASan, UBSan, LSan at exit).
        for d in DRIVERS:
            err = "\n".join(l for _, l in d.err)
            assert "Sanitizer" not in err and "runtime error" not in err, err
    finally:
        c.remove()


def start_drivers(cluster):
    drivers = {i: Driver(cluster, i) for i in (1, 2, 3)}
    for d in drivers.values():
        d.wait(lambda e, d=d: e["kind"] == "self" and e["line"] == "self %d %s" % (d.i, d.name),
               "self")
        d.wait_members(["n1", "n2", "n3"])
        d.wait_quorum(True, ["n1", "n2", "n3"])
    return drivers


def test_membership_order_and_names(cluster):
    ds = start_drivers(cluster)

    # Everyone sends at once: one order everywhere, each sender's in its order.
    for d in ds.values():
        d.cmd("send 30")
    seqs = {i: [(e["name"], e["text"]) for e in d.wait_messages(90)] for i, d in ds.items()}
    assert seqs[1] == seqs[2] == seqs[3]
    for sender in ("n1", "n2", "n3"):
        assert [t for n, t in seqs[1] if n == sender] == \
            ["%s-%d" % (sender, k) for k in range(1, 31)]
    assert all(e["id"] == int(e["name"][1:]) for e in ds[1].messages())

    # 1 MiB messages are over libcpg's atomic size: sent in fragments, two
    # senders at once, reassembled intact and in one order.
    big = lambda e: e["text"].startswith("big ")
    ds[1].cmd("big 3 1048576")
    ds[2].cmd("big 3 1048576")
    ds[3].cmd("big 1 300000")
    bigs = {i: [e["text"] for e in d.wait_messages(7, big)] for i, d in ds.items()}
    assert bigs[1] == bigs[2] == bigs[3]
    assert all(t.endswith(" ok") for t in bigs[1]), bigs[1]
    assert sorted(bigs[1]) == sorted(["big n1-%d 1048576 ok" % k for k in (1, 2, 3)] +
                                     ["big n2-%d 1048576 ok" % k for k in (1, 2, 3)] +
                                     ["big n3-1 300000 ok"])

    # Sizes: CLUSTER_MAX_MSG is accepted, one byte more is -EMSGSIZE; empty is fine.
    n = len(ds[1].lines)
    ds[1].cmd("send-size 1048577")
    ds[1].cmd("send-size 1048576")
    ds[1].cmd("send-size 0")
    ds[1].wait(lambda e: e.get("line") == "send-size 1048577 -90", "-EMSGSIZE", since=n)
    ds[1].wait(lambda e: e.get("line") == "send-size 1048576 0", "1 MiB accepted", since=n)
    ds[1].wait(lambda e: e.get("line") == "send-size 0 0", "empty accepted", since=n)
    for d in ds.values():
        d.wait_messages(97 + 2)

    # Names from the nodelist, and a change of the nodelist seen at once.
    n = len(ds[3].lines)
    ds[3].cmd("name 2")
    ds[3].cmd("name 9")
    ds[3].wait(lambda e: e.get("line") == "name 2 n2", "name 2", since=n)
    ds[3].wait(lambda e: e.get("line") == "name 9 -", "name 9", since=n)
    # (The nodelist is read-only in cmap: edit corosync.conf and reload.)
    with open(cluster.conf_path(3)) as f:
        conf = f.read()
    with open(cluster.conf_path(3), "w") as f:
        f.write(conf.replace("name: n2\n", "name: n2b\n"))
    r = cluster.node_run(3, ["corosync-cfgtool", "-R"])
    assert r.returncode == 0, r.stdout + r.stderr
    deadline = time.monotonic() + 5
    while True:
        n = len(ds[3].lines)
        ds[3].cmd("name 2")
        _, e = ds[3].wait(lambda e: e.get("line", "").startswith("name 2 "), "name 2", since=n)
        if e["line"] == "name 2 n2b":
            break
        assert time.monotonic() < deadline, "the renamed node is still %s" % e["line"]
        time.sleep(0.1)

    # Freed from inside a message callback (inside cpg_dispatch): the layer
    # finishes once the dispatch returns, and leaves the group cleanly.
    marks = {i: len(ds[i].lines) for i in (1, 3)}
    ds[3].cmd("free-on-msg")
    time.sleep(0.2)
    ds[1].cmd("send 1")
    ds[3].wait(lambda e: e["kind"] == "freed", "freed")
    assert ds[3].exit_status() == 0
    _, e = ds[1].wait_members(["n1", "n2"], since=marks[1])  # n2b on node 3 only
    assert e["left"] == [("n3", False)]


def test_flow_control_keeps_order(cluster):
    """40 messages of 500 kB from each node at once, then 50 small ones:
    Corosync pushes back (CS_ERR_TRY_AGAIN, a few times per driver in this
    burst), the layer queues and retries, and nothing is lost or reordered."""
    ds = start_drivers(cluster)
    for d in ds.values():
        d.cmd("big 40 500000")
        d.cmd("send 50")
    seqs = {i: [(e["name"], e["text"]) for e in d.wait_messages(3 * 90)] for i, d in ds.items()}
    assert seqs[1] == seqs[2] == seqs[3]
    for sender in ("n1", "n2", "n3"):
        assert [t for n, t in seqs[1] if n == sender] == \
            ["big %s-%d 500000 ok" % (sender, k) for k in range(1, 41)] + \
            ["%s-%d" % (sender, k) for k in range(1, 51)]


def test_node_failure_and_rejoin(cluster):
    ds = start_drivers(cluster)
    marks = {i: len(d.lines) for i, d in ds.items()}

    t_kill = time.monotonic()
    cluster.kill(3)
    for i in (1, 2):
        t, e = ds[i].wait_members(["n1", "n2"], since=marks[i])
        assert e["left"] == [("n3", True)] and e["joined"] == []
        print("%s: membership without n3 %.0f ms after kill -9 of its corosync (token 1000)"
              % (ds[i].name, (t - t_kill) * 1000))
        _, q = ds[i].wait_quorum(True, ["n1", "n2"], since=marks[i])
        # one vote each; a departure leaves the votes needed as they were
        # (expected votes stay 3), which vigild's controller relies on
        assert q["votes"] == [1, 1] and q["needed"] == 2, q
    ds[3].wait(lambda e: e["kind"] == "lost", "lost")
    assert ds[3].exit_status() == 3

    # Without Corosync, the layer says what is wrong.
    r = cluster.node_run(3, [DRIVER, "corosync-connect"])
    assert r.returncode == 1
    assert "cannot connect to Corosync" in r.stdout and "is corosync running?" in r.stdout, r.stdout

    # Corosync back, a new driver: everyone sees it join.
    marks = {i: len(ds[i].lines) for i in (1, 2)}
    cluster.start_node(3)
    d3 = Driver(cluster, 3)
    for i in (1, 2):
        _, e = ds[i].wait_members(["n1", "n2", "n3"], since=marks[i])
        assert e["joined"] == ["n3"] and e["left"] == []
        ds[i].wait_quorum(True, ["n1", "n2", "n3"], since=marks[i])
    d3.wait_members(["n1", "n2", "n3"])
    d3.wait_quorum(True, ["n1", "n2", "n3"])
    d3.cmd("send 1")
    for d in (ds[1], ds[2], d3):
        d.wait(lambda e: e["kind"] == "msg" and e["text"] == "n3-1", "n3-1 from the new driver")


def test_process_failure_and_clean_leave(cluster):
    ds = start_drivers(cluster)
    marks = {i: len(d.lines) for i, d in ds.items()}

    # vigild dies, Corosync stays: the CPG group loses it (process down:
    # failed), the votequorum membership does not change.
    ds[2].p.kill()
    ds[2].exit_status()
    for i in (1, 3):
        _, e = ds[i].wait_members(["n1", "n3"], since=marks[i])
        assert e["left"] == [("n2", True)]
    time.sleep(1.5)
    for i in (1, 3):
        quorum = ds[i].events("quorum")
        assert quorum[-1][1]["nodes"] == ["n1", "n2", "n3"] and quorum[-1][1]["quorate"]
        assert not ds[i].events("quorum", since=marks[i])

    # SIGTERM: the driver frees the layer, which leaves the group cleanly.
    marks = {i: len(ds[i].lines) for i in (1,)}
    ds[3].p.send_signal(signal.SIGTERM)
    assert ds[3].exit_status() == 0
    _, e = ds[1].wait_members(["n1"], since=marks[1])
    assert e["left"] == [("n3", False)]
    # A driver alone still gets its own messages, in order.
    ds[1].cmd("send 3")
    got = ds[1].wait_messages(3, lambda e: e["text"].startswith("n1-"))
    assert [e["text"] for e in got] == ["n1-1", "n1-2", "n1-3"]

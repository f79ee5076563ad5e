"""The native VIP (src/cluster/vip.c) on real links: each test builds two
network namespaces, "a" (the node holding the VIP) and "b" (a neighbour),
joined by a veth pair, and drives vip_parse/start/stop/monitor through
build/tests/test_vip inside "a". Frames reaching "b" are captured with an
AF_PACKET socket by a helper process inside "b".

Only the namespaces a test creates are touched, and only with addresses
of the benchmarking ranges 198.18.0.0/15 and 2001:2::/48. Every test
deletes its namespaces (by name) and kills its helpers (by pid), pass or
fail."""
import itertools
import json
import os
import shutil
import subprocess
import sys
import threading
import time

import pytest

from conftest import BUILD, wait_until

TOOL = os.path.join(BUILD, "tests", "test_vip")

V4_A, V4_B, V4_VIP = "198.18.7.1", "198.18.7.2", "198.18.7.10"
V6_A, V6_B, V6_VIP = "2001:2:0:7::1", "2001:2:0:7::2", "2001:2:0:7::10"
FAKE_MAC = "02:00:5e:00:53:99"

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or not shutil.which("ip"),
    reason="needs root and iproute2 to build network namespaces")

_seq = itertools.count()


def sh(*args, check=True):
    r = subprocess.run(list(args), capture_output=True, text=True, timeout=20)
    if check and r.returncode != 0:
        raise AssertionError("%s: %s" % (" ".join(args), r.stderr.strip()))
    return r


# A capture helper run inside a namespace: prints "ready" once its socket
# is bound, then one JSON line per matching frame until killed.
CAPTURE = r'''
import json, socket, struct, sys
kind, dev, want = sys.argv[1], sys.argv[2], sys.argv[3]
proto = 0x0806 if kind == "arp" else 0x86dd
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(proto))
s.bind((dev, proto))
print("ready", flush=True)
mac = lambda b: ":".join("%02x" % x for x in b)
while True:
    f = s.recv(65535)
    eth = {"eth_dst": mac(f[0:6]), "eth_src": mac(f[6:12])}
    if kind == "arp":
        hrd, pro, hln, pln, op = struct.unpack("!HHBBH", f[14:22])
        if pro != 0x0800 or hln != 6 or pln != 4:
            continue
        a = f[22:]
        p = dict(eth, op=op, sha=mac(a[0:6]), spa=socket.inet_ntop(socket.AF_INET, a[6:10]),
                 tha=mac(a[10:16]), tpa=socket.inet_ntop(socket.AF_INET, a[16:20]))
        if p["spa"] != want or p["tpa"] != want:
            continue  # not gratuitous: a's own ARP traffic from the VIP
    else:
        ip6, icmp = f[14:54], f[54:]
        if ip6[6] != 58 or len(icmp) < 24 or icmp[0] != 136:
            continue
        target = socket.inet_ntop(socket.AF_INET6, icmp[8:24])
        if target != want:
            continue
        opts, tll = icmp[24:], None
        while len(opts) >= 8 and opts[1]:
            if opts[0] == 2:
                tll = mac(opts[2:8])
            opts = opts[opts[1] * 8:]
        p = dict(eth, hop_limit=ip6[7], src=socket.inet_ntop(socket.AF_INET6, ip6[8:24]),
                 dst=socket.inet_ntop(socket.AF_INET6, ip6[24:40]), code=icmp[1],
                 router=bool(icmp[4] & 0x80), solicited=bool(icmp[4] & 0x40),
                 override=bool(icmp[4] & 0x20), target=target, tll=tll)
    print(json.dumps(p), flush=True)
'''

# A TCP server inside a namespace, bound to the VIP: greets and exits.
SERVER = r'''
import socket, sys
s = socket.socket(socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen(1)
print("ready", flush=True)
c, _ = s.accept()
c.sendall(b"vip\n")
c.close()
'''

CLIENT = r'''
import socket, sys
with socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=3) as c:
    print(c.makefile().readline().strip())
'''


class Capture:
    """Frames seen by a helper in a namespace, collected by a thread."""

    def __init__(self, proc):
        self.proc = proc
        self.frames = []
        self.lock = threading.Lock()
        line = proc.stdout.readline()
        assert line.strip() == "ready", line + proc.stderr.read()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            with self.lock:
                self.frames.append(json.loads(line))

    def seen(self):
        with self.lock:
            return list(self.frames)


class Net:
    """Namespaces a and b, a veth "veth0" in each, joined; addresses
    V4_A/24 and V6_A/64 on a, V4_B and V6_B on b; links up."""

    def __init__(self):
        tag = "vigil-vip-%d-%d" % (os.getpid(), next(_seq))
        self.a, self.b = tag + "-a", tag + "-b"
        self.created = []
        self.procs = []

    def setup(self):
        for ns in (self.a, self.b):
            sh("ip", "netns", "add", ns)
            self.created.append(ns)
        # Created inside a, its peer moved straight into b: no interface
        # ever exists in the host's namespace.
        sh("ip", "-n", self.a, "link", "add", "veth0", "type", "veth",
           "peer", "name", "veth0", "netns", self.b)
        for ns, v4, v6 in ((self.a, V4_A, V6_A), (self.b, V4_B, V6_B)):
            sh("ip", "-n", ns, "addr", "add", v4 + "/24", "dev", "veth0")
            sh("ip", "-n", ns, "addr", "add", v6 + "/64", "dev", "veth0", "nodad")
            sh("ip", "-n", ns, "link", "set", "lo", "up")
            sh("ip", "-n", ns, "link", "set", "veth0", "up")
        wait_until(lambda: self.running("veth0", self.a) and self.running("veth0", self.b),
                   what="veth carrier")

    def teardown(self):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
            p.wait(5)
        for ns in self.created:
            sh("ip", "netns", "del", ns, check=False)

    def tool(self, verb, **params):
        """Run the vip driver in a: (rc, message)."""
        args = ["%s=%s" % kv for kv in params.items()]
        r = subprocess.run(["ip", "netns", "exec", self.a, TOOL, verb, *args],
                           capture_output=True, text=True, timeout=20)
        assert "Sanitizer" not in r.stderr and "runtime error" not in r.stderr, r.stderr
        rc, _, msg = r.stdout.strip().partition(" ")
        assert rc == str(r.returncode), (r.stdout, r.stderr)
        return r.returncode, msg

    def spawn(self, ns, script, *args):
        p = subprocess.Popen(["ip", "netns", "exec", ns, sys.executable, "-c", script, *args],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.procs.append(p)
        return p

    def capture(self, kind, want):
        return Capture(self.spawn(self.b, CAPTURE, kind, "veth0", want))

    def addrs(self, ns=None, dev="veth0"):
        out = sh("ip", "-j", "-n", ns or self.a, "addr", "show", "dev", dev).stdout
        return [ai for link in json.loads(out) for ai in link.get("addr_info", [])]

    def addr(self, ip, ns=None, dev="veth0"):
        for ai in self.addrs(ns, dev):
            if ai["local"] == ip:
                return ai
        return None

    def link(self, dev, ns):
        return json.loads(sh("ip", "-j", "-n", ns, "link", "show", "dev", dev).stdout)[0]

    def running(self, dev, ns):
        return "LOWER_UP" in self.link(dev, ns)["flags"]

    def mac(self, ns=None):
        return self.link("veth0", ns or self.a)["address"]

    def neigh(self, ip, ns=None):
        out = sh("ip", "-j", "-n", ns or self.b, "neigh", "show", "dev", "veth0").stdout
        for n in json.loads(out):
            if n["dst"] == ip:
                return n.get("lladdr")
        return None

    def seed_neigh(self, ip):
        """b believes ip is at another MAC, as after a failover: the
        announce must correct it."""
        sh("ip", "-n", self.b, "neigh", "replace", ip, "lladdr", FAKE_MAC,
           "dev", "veth0", "nud", "stale")


@pytest.fixture
def net():
    n = Net()
    try:
        n.setup()
        yield n
    finally:
        n.teardown()


def frames_after(cap, count, settle=0.5):
    """Wait for count frames, then a little longer to see any extra."""
    wait_until(lambda: len(cap.seen()) >= count, timeout=5, what="%d frame(s)" % count)
    time.sleep(settle)
    return cap.seen()


def test_ipv4_start_announce_monitor_stop(net):
    net.seed_neigh(V4_VIP)
    cap = net.capture("arp", V4_VIP)
    rc, msg = net.tool("start", ip=V4_VIP, nic="veth0", cidr_netmask="24")
    assert (rc, msg) == (0, "")

    ai = net.addr(V4_VIP)
    assert ai and ai["prefixlen"] == 24 and ai.get("broadcast") == "198.18.7.255", net.addrs()

    # Exactly one gratuitous ARP per start (the executor repeats it).
    frames = frames_after(cap, 1)
    assert len(frames) == 1, frames
    f, mac = frames[0], net.mac()
    assert f["eth_dst"] == "ff:ff:ff:ff:ff:ff" and f["eth_src"] == mac
    assert f["op"] == 1 and f["sha"] == mac and f["tha"] == "00:00:00:00:00:00"
    assert f["spa"] == V4_VIP and f["tpa"] == V4_VIP
    # b's stale entry now points at a.
    wait_until(lambda: net.neigh(V4_VIP) == mac, timeout=3, what="b's ARP entry updated")

    # Reachable from b: a TCP server on the VIP in a answers.
    srv = net.spawn(net.a, SERVER, V4_VIP, "7000")
    assert srv.stdout.readline().strip() == "ready"
    out = sh("ip", "netns", "exec", net.b, sys.executable, "-c", CLIENT, V4_VIP, "7000").stdout
    assert out.strip() == "vip"

    assert net.tool("monitor", ip=V4_VIP, nic="veth0") == (0, "")
    # A second start is a no-op, and announces again.
    assert net.tool("start", ip=V4_VIP, nic="veth0", cidr_netmask="24")[0] == 0
    assert [a["local"] for a in net.addrs()].count(V4_VIP) == 1
    assert net.tool("announce", ip=V4_VIP, nic="veth0")[0] == 0
    assert len(frames_after(cap, 3)) == 3

    assert net.tool("stop", ip=V4_VIP, nic="veth0") == (0, "")
    assert net.addr(V4_VIP) is None
    assert net.addr(V4_A) is not None, "stop removed the node's own address"
    rc, msg = net.tool("monitor", ip=V4_VIP, nic="veth0")
    assert rc == 7 and V4_VIP in msg
    assert net.tool("stop", ip=V4_VIP, nic="veth0") == (0, "")


def test_ipv4_label(net):
    assert net.tool("start", ip=V4_VIP, nic="veth0", label="veth0:vip") == (0, "")
    assert net.addr(V4_VIP)["label"] == "veth0:vip"
    assert net.tool("stop", ip=V4_VIP, nic="veth0") == (0, "")
    assert net.addr(V4_VIP) is None


def test_stop_other_prefix(net):
    """The address started with one prefix is removed even when the
    configuration now says another (IPv6 deletion matches the prefix)."""
    assert net.tool("start", ip=V6_VIP, nic="veth0", cidr_netmask="64")[0] == 0
    assert net.tool("start", ip=V4_VIP, nic="veth0", cidr_netmask="24")[0] == 0
    assert net.tool("stop", ip=V6_VIP, nic="veth0", cidr_netmask="128") == (0, "")
    assert net.tool("stop", ip=V4_VIP, nic="veth0", cidr_netmask="32") == (0, "")
    assert net.addr(V6_VIP) is None and net.addr(V4_VIP) is None


def test_link_down_own_side(net):
    assert net.tool("start", ip=V4_VIP, nic="veth0")[0] == 0
    sh("ip", "-n", net.a, "link", "set", "dev", "veth0", "down")
    rc, msg = net.tool("monitor", ip=V4_VIP, nic="veth0")
    assert rc == 1 and "down" in msg and "veth0" in msg, msg
    sh("ip", "-n", net.a, "link", "set", "dev", "veth0", "up")
    wait_until(lambda: net.running("veth0", net.a), what="carrier back")
    assert net.tool("monitor", ip=V4_VIP, nic="veth0") == (0, "")


def test_link_down_peer_side(net):
    """veth whose peer is down: IFF_UP but no IFF_RUNNING (no carrier)."""
    assert net.tool("start", ip=V4_VIP, nic="veth0")[0] == 0
    sh("ip", "-n", net.b, "link", "set", "dev", "veth0", "down")
    wait_until(lambda: not net.running("veth0", net.a), what="carrier lost")
    rc, msg = net.tool("monitor", ip=V4_VIP, nic="veth0")
    assert rc == 1 and "down" in msg and "carrier" in msg, msg


def test_start_on_down_link_fails(net):
    """The address goes on, but nobody can be told: start fails, so the
    cluster recovers the VIP elsewhere (stop then removes it)."""
    sh("ip", "-n", net.a, "link", "set", "dev", "veth0", "down")
    rc, msg = net.tool("start", ip=V4_VIP, nic="veth0")
    assert rc == 1 and "gratuitous ARP" in msg and "down" in msg, msg
    assert net.tool("stop", ip=V4_VIP, nic="veth0") == (0, "")
    assert net.addr(V4_VIP) is None


def test_loopback_needs_no_announce(net):
    """On a's own loopback (inside its namespace) there is nobody to
    announce to: start succeeds without sending anything."""
    for ip in ("198.18.9.1", "2001:2:0:9::1"):
        assert net.tool("start", ip=ip, nic="lo") == (0, "")
        assert net.addr(ip, dev="lo") is not None
        assert net.tool("monitor", ip=ip, nic="lo") == (0, "")
        assert net.tool("announce", ip=ip, nic="lo") == (0, "")
        assert net.tool("stop", ip=ip, nic="lo") == (0, "")
        assert net.addr(ip, dev="lo") is None


def test_ipv6_start_announce_monitor_stop(net):
    net.seed_neigh(V6_VIP)
    cap = net.capture("na", V6_VIP)
    assert net.tool("start", ip=V6_VIP, nic="veth0", cidr_netmask="64") == (0, "")

    # Usable at once: no duplicate address detection pending.
    ai = net.addr(V6_VIP)
    assert ai and ai["prefixlen"] == 64 and not ai.get("tentative"), ai

    frames = frames_after(cap, 1)
    assert len(frames) == 1, frames
    f, mac = frames[0], net.mac()
    assert f["eth_src"] == mac and f["eth_dst"] == "33:33:00:00:00:01"
    assert f["hop_limit"] == 255 and f["dst"] == "ff02::1" and f["src"] == V6_VIP
    assert f["code"] == 0 and f["override"] and not f["solicited"] and not f["router"]
    assert f["target"] == V6_VIP and f["tll"] == mac
    wait_until(lambda: net.neigh(V6_VIP) == mac, timeout=3, what="b's neighbour entry updated")

    srv = net.spawn(net.a, SERVER, V6_VIP, "7000")
    assert srv.stdout.readline().strip() == "ready"
    out = sh("ip", "netns", "exec", net.b, sys.executable, "-c", CLIENT, V6_VIP, "7000").stdout
    assert out.strip() == "vip"

    assert net.tool("monitor", ip=V6_VIP, nic="veth0") == (0, "")
    assert net.tool("stop", ip=V6_VIP, nic="veth0") == (0, "")
    assert net.addr(V6_VIP) is None and net.addr(V6_A) is not None
    assert net.tool("monitor", ip=V6_VIP, nic="veth0")[0] == 7
    assert net.tool("stop", ip=V6_VIP, nic="veth0") == (0, "")


def test_nic_autodetect(net):
    # A second link in a, on another subnet, so the choice is a real one.
    sh("ip", "-n", net.a, "link", "add", "vethx", "type", "veth", "peer", "name", "vethy")
    sh("ip", "-n", net.a, "addr", "add", "198.18.8.1/25", "dev", "vethx")
    sh("ip", "-n", net.a, "addr", "add", "2001:2:0:8::1/80", "dev", "vethx", "nodad")
    for dev in ("vethx", "vethy"):
        sh("ip", "-n", net.a, "link", "set", dev, "up")

    assert net.tool("parse", ip=V4_VIP) == (0, "nic=veth0 prefix=24 arp_count=5 label=")
    assert net.tool("parse", ip="198.18.8.20") == (0, "nic=vethx prefix=25 arp_count=5 label=")
    assert net.tool("parse", ip=V6_VIP) == (0, "nic=veth0 prefix=64 arp_count=5 label=")
    assert net.tool("parse", ip="2001:2:0:8::20") == (0, "nic=vethx prefix=80 arp_count=5 label=")
    # Not on any subnet but routed: the route's interface, a host prefix.
    sh("ip", "-n", net.a, "route", "add", "198.18.100.0/24", "via", V4_B)
    assert net.tool("parse", ip="198.18.100.5") == (0, "nic=veth0 prefix=32 arp_count=5 label=")
    # Neither: a has no default route.
    rc, msg = net.tool("parse", ip="198.19.200.1")
    assert rc == 6 and msg == "no interface covers 198.19.200.1; set nic"

    assert net.tool("start", ip="198.18.8.20") == (0, "")
    assert net.addr("198.18.8.20", dev="vethx")["prefixlen"] == 25
    assert net.addr("198.18.8.20") is None
    assert net.tool("monitor", ip="198.18.8.20") == (0, "")
    assert net.tool("stop", ip="198.18.8.20") == (0, "")
    assert net.addr("198.18.8.20", dev="vethx") is None


@pytest.mark.parametrize("params,needle", [
    ({"ip": "198.18.7.300"}, "invalid ip '198.18.7.300'"),
    ({"nic": "veth0"}, "ip is required"),
    ({"ip": V4_VIP, "cidr_netmask": "33"}, "invalid cidr_netmask '33'"),
    ({"ip": V6_VIP, "cidr_netmask": "255.255.255.0"}, "invalid cidr_netmask"),
    ({"ip": V4_VIP, "nic": "eth7"}, "no such interface 'eth7'"),
    ({"ip": V4_VIP, "nic": "veth0", "label": "eth0:vip"}, "must be 'veth0:'"),
    ({"ip": V6_VIP, "nic": "veth0", "label": "veth0:vip"}, "IPv4 addresses only"),
    ({"ip": V4_VIP, "arp_count": "0"}, "invalid arp_count '0'"),
])
def test_bad_params_change_nothing(net, params, needle):
    def configured():
        # The addresses themselves: the kernel's duplicate address detection
        # clears "tentative" on its own while the test runs.
        return [sorted((a["family"], a["local"], a["prefixlen"]) for a in net.addrs(ns))
                for ns in (None, net.b)]

    before = configured()
    for verb in ("start", "stop", "monitor"):
        rc, msg = net.tool(verb, **params)
        assert rc == 6 and needle in msg, (verb, msg)
    assert configured() == before

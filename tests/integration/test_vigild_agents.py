"""Debian's OCF agents, unchanged, under vigild: anything, nginx, IPaddr2,
and Vigil's native VIP, the address ones in a network namespace the test
creates (198.18.0.0/15) and removes, by name, even on failure."""
import os
import shutil
import signal
import subprocess
import urllib.request

import pytest

from conftest import free_port, wait_until
from vigild import Vigild, alive

BASE = "property stonith-enabled=false\n"


@pytest.fixture
def vd(tmp_path):
    d = Vigild(tmp_path)
    yield d
    log = d.cleanup()
    assert "Sanitizer" not in log and "runtime error:" not in log, log


def http_ok(port):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1) as r:
            return r.status == 200
    except OSError:
        return False


def test_anything_agent_restarted_after_crash(vd, tmp_path):
    pidfile = tmp_path / "any.pid"
    vd.load("a.crm", BASE + f"primitive any ocf:heartbeat:anything params binfile=/bin/sleep "
            f"cmdline_options=1000 pidfile={pidfile} op monitor interval=1s\n")
    vd.wait_role("any", "Started")
    pid = int(wait_until(lambda: pidfile.exists() and pidfile.read_text().strip(),
                         what="pid file"))
    vd.seen_pids.add(pid)
    os.kill(pid, signal.SIGKILL)
    new = wait_until(lambda: pidfile.exists() and (t := pidfile.read_text().strip()) and
                     int(t) != pid and alive(int(t)) and int(t), timeout=20,
                     what="anything to be restarted")
    vd.seen_pids.add(new)
    vd.ctl("resource", "stop", "any")
    vd.wait_role("any", "Stopped")
    assert not alive(new)


@pytest.mark.skipif(not shutil.which("nginx") and not os.path.exists("/usr/sbin/nginx"),
                    reason="nginx not installed")
def test_nginx_agent(vd, tmp_path):
    port = free_port()
    (tmp_path / "www").mkdir()
    (tmp_path / "www" / "index.html").write_text("hello from vigil\n")
    conf = tmp_path / "nginx.conf"
    conf.write_text(f"""
user root;
pid {tmp_path}/nginx.pid;
error_log {tmp_path}/nginx-error.log;
events {{ worker_connections 64; }}
http {{
  access_log off;
  client_body_temp_path {tmp_path}/body;
  proxy_temp_path {tmp_path}/proxy;
  fastcgi_temp_path {tmp_path}/fastcgi;
  uwsgi_temp_path {tmp_path}/uwsgi;
  scgi_temp_path {tmp_path}/scgi;
  server {{ listen 127.0.0.1:{port}; root {tmp_path}/www; }}
}}
""")
    vd.load("n.crm", BASE + f"primitive web ocf:heartbeat:nginx params configfile={conf} "
            f"httpd=/usr/sbin/nginx status10url=http://127.0.0.1:{port}/ "
            "op monitor interval=2s timeout=20s op start timeout=40s\n")
    vd.wait_role("web", "Started", timeout=40)
    wait_until(lambda: http_ok(port), what="nginx to answer")
    vd.seen_pids.add(int((tmp_path / "nginx.pid").read_text()))
    vd.ctl("resource", "stop", "web")
    vd.wait_role("web", "Stopped", timeout=40)
    assert not http_ok(port)


class Netns:
    """A namespace with a veth pair inside it (va 198.18.N.1/24 up, vb up)."""

    def __init__(self, n):
        self.name = f"vigil-vd-{os.getpid()}-{n}"
        self.n = n
        subprocess.run(["ip", "netns", "add", self.name], check=True)
        self.ip("link", "add", "va", "type", "veth", "peer", "name", "vb")
        self.ip("addr", "add", f"198.18.{n}.1/24", "dev", "va")
        self.ip("link", "set", "va", "up")
        self.ip("link", "set", "vb", "up")
        self.ip("link", "set", "lo", "up")

    def ip(self, *args):
        return subprocess.run(["ip", "-n", self.name, *args], check=True, capture_output=True,
                              text=True).stdout

    def addrs(self):
        return self.ip("-o", "addr", "show", "dev", "va")

    def remove(self):
        subprocess.run(["ip", "netns", "del", self.name], capture_output=True)


@pytest.fixture
def netns():
    ns = Netns(40 + os.getpid() % 50)
    try:
        yield ns
    finally:
        ns.remove()


@pytest.mark.parametrize("agent", ["vigil:vip", "ocf:heartbeat:IPaddr2"])
def test_vip_in_namespace(tmp_path, netns, agent):
    vip = f"198.18.{netns.n}.10"
    d = Vigild(tmp_path, netns=netns.name)
    try:
        d.load("v.crm", BASE + f"primitive vip {agent} params ip={vip} cidr_netmask=24 nic=va "
               "op monitor interval=1s\n")
        d.wait_role("vip", "Started", timeout=30)
        assert f"inet {vip}/24" in netns.addrs()
        # Someone removes the address: the monitor notices, vigild puts it back.
        netns.ip("addr", "del", f"{vip}/24", "dev", "va")
        wait_until(lambda: f"inet {vip}/24" in netns.addrs(), timeout=20,
                   what="the address to come back")
        d.ctl("resource", "stop", "vip")
        d.wait_role("vip", "Stopped", timeout=30)
        assert vip not in netns.addrs()
    finally:
        log = d.cleanup()
    assert "Sanitizer" not in log and "runtime error:" not in log, log

"""Fixtures for integration tests: real vigil-proxy processes, real sockets
on 127.0.0.1, small backend servers written here. Every process a test
starts is stopped by pid when the test ends, pass or fail."""
import os
import socket
import subprocess
import threading
import time

import pytest

BUILD = os.environ.get("VIGIL_BUILD") or os.path.join(
    os.path.dirname(__file__), "..", "..", "build")
PROXY = os.path.join(BUILD, "vigil-proxy")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(pred, timeout=10.0, step=0.02, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(step)
    raise AssertionError("timed out waiting for " + what)


def is_listening(port):
    """Whether some socket listens on TCP `port`, found without connecting:
    a probe connection would be a session of its own, and through a proxy
    with several threads its balancing pick may land among a test's own."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                next(f)
                for line in f:
                    local, state = line.split()[1], line.split()[3]
                    if state == "0A" and int(local.rsplit(":", 1)[1], 16) == port:
                        return True
        except FileNotFoundError:
            continue
    return False


def can_connect(port, host="127.0.0.1"):
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


class Backend:
    """A TCP server that greets each connection with its name and a newline,
    then echoes what it receives until the client closes."""

    def __init__(self, name, port=None):
        self.name = name
        self.port = port or free_port()
        self.sock = None
        self.conns = []
        self.accepted = 0
        self.lock = threading.Lock()
        self.start()

    def start(self):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", self.port))
        s.listen(512)
        self.sock = s
        threading.Thread(target=self._serve, args=(s,), daemon=True).start()

    def _serve(self, s):
        while True:
            try:
                c, _ = s.accept()
            except OSError:
                return
            with self.lock:
                self.accepted += 1
                self.conns.append(c)
            threading.Thread(target=self._handle, args=(c,), daemon=True).start()

    def _handle(self, c):
        try:
            c.sendall((self.name + "\n").encode())
            while True:
                data = c.recv(65536)
                if not data:
                    break
                c.sendall(data)
            c.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        finally:
            c.close()

    def stop_listening(self):
        """New connections are refused; established ones go on."""
        if self.sock:
            # shutdown first: a close alone leaves the socket listening
            # while the accepting thread is still blocked in accept()
            try:
                self.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self.sock.close()
            self.sock = None

    def kill(self):
        """Refuse new connections and reset established ones."""
        self.stop_listening()
        with self.lock:
            for c in self.conns:
                try:
                    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                    c.close()
                except OSError:
                    pass
            self.conns = []


def ask(port, timeout=3.0, payload=None):
    """Connect through the proxy, return the greeting (the backend's name)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        f = s.makefile("rb")
        line = f.readline().decode().strip()
        if payload is not None:
            s.sendall(payload)
        return line


class Proxy:
    def __init__(self, tmp_path, config, args=(), name="haproxy.cfg", wait_port=None):
        self.tmp = tmp_path
        self.cfg = tmp_path / name
        self.cfg.write_text(config)
        self.log = open(tmp_path / "proxy.log", "ab")
        self.proc = subprocess.Popen([PROXY, "-f", str(self.cfg), *args],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        if wait_port:
            wait_until(lambda: is_listening(wait_port) or self.proc.poll() is not None,
                       what="proxy to listen")
            assert self.proc.poll() is None, self.output()

    @property
    def pid(self):
        return self.proc.pid

    def output(self):
        self.log.flush()
        return (self.tmp / "proxy.log").read_text(errors="replace")

    def stop(self):
        stop_process(self.proc)
        self.log.close()


def stop_process(proc):
    """SIGTERM to a process this test started, SIGKILL if it is still
    there 5 s later; reaped either way."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def recv_all(s):
    """Everything `s` receives until the other side closes."""
    out = b""
    while True:
        d = s.recv(65536)
        if not d:
            return out
        out += d


def cli(path, command, timeout=3.0):
    """Send one line to a stats socket and return the whole answer."""
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(timeout)
        s.connect(str(path))
        s.sendall(command.encode() + b"\n")
        return recv_all(s).decode()


def stat_rows(sock):
    out = cli(sock, "show stat")
    lines = [l for l in out.splitlines() if l]
    header = lines[0].lstrip("# ").split(",")
    return [dict(zip(header, l.split(","))) for l in lines[1:]]


def server_status(sock, be, srv):
    for r in stat_rows(sock):
        if r["pxname"] == be and r["svname"] == srv:
            return r["status"]
    raise KeyError(be + "/" + srv)


@pytest.fixture
def procs():
    """Collects Proxy and Backend objects and stops them at the end."""
    items = []
    yield items
    reports = []
    for it in reversed(items):
        try:
            if isinstance(it, Proxy):
                it.stop()
                out = it.output()
                if "Sanitizer" in out or "runtime error:" in out:
                    reports.append(out)
            elif isinstance(it, Backend):
                it.kill()
            elif isinstance(it, subprocess.Popen):
                if it.poll() is None:
                    it.kill()
                    it.wait(5)
        except Exception:
            pass
    # Under the sanitizer build, a report from any proxy fails the test.
    assert not reports, reports[0]

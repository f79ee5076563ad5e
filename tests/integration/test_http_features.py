"""vigil-proxy's HTTP features beyond the basic data path, each checked the
way a user would (the log line, the error page, the headers, the metrics),
and where practical against Debian's haproxy 2.6 with the same file:
log-format samples, http-errors / errorfiles / http-error,
http-after-response, Prometheus rates, cache, compression."""
import gzip
import http.client
import os
import re
import socket
import subprocess
import time
import zlib

import pytest

from conftest import BUILD, PROXY, Proxy, can_connect, free_port, wait_until
from httpd import Origin

HAPROXY = "/usr/sbin/haproxy"

TIMEOUTS = """
    timeout connect 2s
    timeout client 10s
    timeout server 10s
"""


def get(port, path="/", headers=None, method="GET", conn=None):
    c = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    c.request(method, path, headers=headers or {})
    r = c.getresponse()
    data = r.read()
    if conn is None:
        c.close()
    return r, data


def check(tmp_path, text, binary=PROXY):
    """`-c` on a configuration: (exit code, output)."""
    cfg = tmp_path / ("check-%s.cfg" % os.path.basename(binary))
    cfg.write_text(text)
    p = subprocess.run([binary, "-c", "-f", str(cfg)], capture_output=True, text=True, timeout=20)
    return p.returncode, p.stdout + p.stderr


class HAProxy:
    """Debian's haproxy on the same configuration, stopped by pid."""

    def __init__(self, tmp_path, text, port):
        self.cfg = tmp_path / "real-haproxy.cfg"
        self.cfg.write_text(text)
        self.proc = subprocess.Popen([HAPROXY, "-db", "-f", str(self.cfg)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(lambda: can_connect(port) or self.proc.poll() is not None, what="haproxy")
        assert self.proc.poll() is None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


needs_haproxy = pytest.mark.skipif(not os.path.exists(HAPROXY), reason="haproxy not installed")


# ---- log-format with %[sample] ----

LOG_FORMAT = ('%ci [%[src]] %{+Q}[capture.req.hdr(0)] %[capture.req.hdr(1),upper] '
              '%[capture.req.hdr(2)] %{+Q}[capture.req.hdr(2)] %hr %[method] %[int(12)] '
              '%{+Q}[str(ab)] %[var(txn.who)] %[capture.res.hdr(0)] %ST')


def log_config(lp, port, origin, fmt=LOG_FORMAT):
    return """
global
    log 127.0.0.1:{lp} local0
defaults
    mode http
    log global
    option dontlognull
{t}
frontend fe
    bind 127.0.0.1:{port}
    capture request header Host len 20
    capture request header User-Agent len 5
    capture request header X-Missing len 5
    capture response header Content-Type len 30
    http-request set-var(txn.who) str(alice)
    log-format "{fmt}"
    default_backend be
backend be
    server s1 127.0.0.1:{o}
""".format(lp=lp, port=port, o=origin, t=TIMEOUTS, fmt=fmt)


def one_log_line(rx, port):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(b"GET /x HTTP/1.1\r\nHost: example.com\r\nUser-Agent: cu\"#lyyyy\r\n"
              b"Connection: close\r\n\r\n")
    while s.recv(65536):
        pass
    s.close()
    data = rx.recv(4096).decode()
    return data.split("]: ", 1)[1].rstrip("\n")


def test_log_format_samples_and_captures(tmp_path, procs):
    o = Origin("a")
    rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rx.bind(("127.0.0.1", 0))
    rx.settimeout(5)
    port = free_port()
    try:
        procs.append(Proxy(tmp_path, log_config(rx.getsockname()[1], port, o.port), wait_port=port))
        line = one_log_line(rx, port)
        assert line == ('127.0.0.1 [127.0.0.1] "example.com" CU"#L - "" '
                        '{example.com|cu#22#23l|} GET 12 "ab" alice application/json 200'), line
    finally:
        rx.close()
        o.close()


@needs_haproxy
def test_log_format_line_is_haproxys(tmp_path, procs):
    """The same format prints the same line through haproxy 2.6."""
    o = Origin("a")
    rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rx.bind(("127.0.0.1", 0))
    rx.settimeout(5)
    lp = rx.getsockname()[1]
    try:
        port = free_port()
        procs.append(Proxy(tmp_path, log_config(lp, port, o.port), wait_port=port))
        ours = one_log_line(rx, port)
        hport = free_port()
        h = HAProxy(tmp_path, log_config(lp, hport, o.port), hport)
        try:
            theirs = one_log_line(rx, hport)
        finally:
            h.stop()
        assert ours == theirs
    finally:
        rx.close()
        o.close()


@pytest.mark.parametrize("expr,needs", [
    ("req.hdr(host)", "HTTP request headers"),
    ("path,lower", "HTTP request headers"),
    ("res.hdr(x)", "HTTP response headers"),
])
def test_log_format_refuses_what_haproxy_refuses(tmp_path, expr, needs):
    text = log_config(514, 8080, 8081, fmt="%%ci %%[%s]" % expr).replace("%%", "%")
    rc, out = check(tmp_path, text)
    assert rc != 0
    assert re.search(r"parsing \[.*check-vigil-proxy\.cfg:20\] : failed to parse log-format : "
                     r"sample fetch <%s\]> may not be reliably used here because it needs '%s'"
                     % (re.escape(expr), needs), out), out
    if os.path.exists(HAPROXY):
        hrc, hout = check(tmp_path, text, HAPROXY)
        assert hrc != 0 and "needs '%s'" % needs in hout


def test_log_format_bad_sample_names_the_line(tmp_path):
    text = log_config(514, 8080, 8081, fmt="%ci %[nosuchfetch]")
    rc, out = check(tmp_path, text)
    assert rc != 0
    assert "check-vigil-proxy.cfg:20] : failed to parse log-format : failed to parse sample " \
           "expression <nosuchfetch]> : unknown fetch method 'nosuchfetch'" in out, out

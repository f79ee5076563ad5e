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
import threading
import time
import zlib

import pytest

from conftest import BUILD, PROXY, Proxy, can_connect, free_port, stop_process, wait_until
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
        stop_process(self.proc)


needs_haproxy = pytest.mark.skipif(not os.path.exists(HAPROXY), reason="haproxy not installed")


# ---- log-format with %[sample] ----

LOG_FORMAT = ('%ci [%[src]] %{+Q}[capture.req.hdr(0)] %[capture.req.hdr(1),upper] '
              '%[capture.req.hdr(2)] %{+Q}[capture.req.hdr(2)] %hr %[method] %[int(12)] '
              '%{+Q}[str(ab)] %[var(txn.who)] %[capture.res.hdr(0)] %ST %{+Q}[var(txn.host)] '
              '%[ssl_fc] %[ssl_c_verify] %{+Q}[ssl_c_s_dn]')


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
    http-request set-var-fmt(txn.host) "h=%[req.hdr(host)],%[method,lower]"
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
                        '{example.com|cu#22#23l|} GET 12 "ab" alice application/json 200 '
                        '"h=example.com,get" 0 - ""'), line
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
    assert re.search(r"parsing \[.*check-vigil-proxy\.cfg:21\] : failed to parse log-format : "
                     r"sample fetch <%s\]> may not be reliably used here because it needs '%s'"
                     % (re.escape(expr), needs), out), out
    if os.path.exists(HAPROXY):
        hrc, hout = check(tmp_path, text, HAPROXY)
        assert hrc != 0 and "needs '%s'" % needs in hout


def test_log_format_bad_sample_names_the_line(tmp_path):
    text = log_config(514, 8080, 8081, fmt="%ci %[nosuchfetch]")
    rc, out = check(tmp_path, text)
    assert rc != 0
    assert "check-vigil-proxy.cfg:21] : failed to parse log-format : failed to parse sample " \
           "expression <nosuchfetch]> : unknown fetch method 'nosuchfetch'" in out, out


# ---- http-errors sections, errorfiles, http-error, deny replies ----

def errors_config(tmp_path, port, origin):
    (tmp_path / "503.http").write_bytes(
        b"HTTP/1.0 503 Service Unavailable\r\nCache-Control: no-cache\r\n"
        b"Content-Type: text/html\r\n\r\n<h1>site1 is down</h1>\n")
    (tmp_path / "403.http").write_bytes(
        b"HTTP/1.0 403 Forbidden\r\nContent-Type: text/plain\r\nX-From: site1\r\n\r\nsite1 says no\n")
    (tmp_path / "403-other.http").write_bytes(
        b"HTTP/1.0 403 Forbidden\r\nContent-Type: text/plain\r\n\r\nother says no\n")
    (tmp_path / "ret.lf").write_text("ret: %[path] %[method]\n")
    return """
http-errors site1
    errorfile 503 {d}/503.http
    errorfile 403 {d}/403.http
http-errors other
    errorfile 403 {d}/403-other.http
defaults
    mode http
    http-error status 503 content-type text/plain lf-string "down at %[path]" hdr X-Where "%[path] (%[method])"
{t}
frontend fe
    bind 127.0.0.1:{port}
    errorfiles site1
    http-error status 404 content-type text/plain string "nothing here" hdr X-Why missing
    http-request deny if {{ path /site1 }}
    http-request deny deny_status 404 if {{ path /gone }}
    http-request deny deny_status 403 errorfiles other if {{ path /other }}
    http-request deny deny_status 429 content-type text/plain string "slow down" if {{ path /slow }}
    http-request deny status 403 errorfile {d}/403-other.http if {{ path /file }}
    http-request return status 200 content-type text/plain lf-file {d}/ret.lf if {{ path /ret }}
    use_backend dead if {{ path /dead }}
    use_backend down if {{ path /down }}
    default_backend be
backend be
    server s1 127.0.0.1:{o}
backend dead
    errorfiles site1 503
backend down
    server s1 127.0.0.1:1
""".format(d=tmp_path, t=TIMEOUTS, port=port, o=origin)


ERROR_CASES = [
    ("/", 200, None, None),
    ("/site1", 403, "text/plain", b"site1 says no\n"),
    ("/gone", 404, "text/plain", b"nothing here"),
    ("/other", 403, "text/plain", b"other says no\n"),
    ("/slow", 429, "text/plain", b"slow down"),
    ("/file", 403, "text/plain", b"other says no\n"),
    ("/dead", 503, "text/html", b"<h1>site1 is down</h1>\n"),
    ("/down", 503, "text/plain", b"down at /down"),
    ("/ret", 200, "text/plain", b"ret: /ret GET\n"),
]


def test_http_errors_sections_and_deny_replies(tmp_path, procs):
    o = Origin("a")
    port = free_port()
    try:
        procs.append(Proxy(tmp_path, errors_config(tmp_path, port, o.port), wait_port=port))
        for path, status, ctype, body in ERROR_CASES:
            r, data = get(port, path)
            assert r.status == status, path
            if body is not None:
                assert data == body, path
                assert r.getheader("Content-Type") == ctype, path
        r, _ = get(port, "/site1")
        assert r.getheader("X-From") == "site1"
        r, _ = get(port, "/gone")
        assert r.getheader("X-Why") == "missing"
        r, _ = get(port, "/down")
        assert r.getheader("X-Where") == "/down (GET)"
    finally:
        o.close()


@needs_haproxy
def test_http_errors_answers_are_haproxys(tmp_path, procs):
    o = Origin("a")
    port, hport = free_port(), free_port()
    try:
        procs.append(Proxy(tmp_path, errors_config(tmp_path, port, o.port), wait_port=port))
        h = HAProxy(tmp_path, errors_config(tmp_path, hport, o.port), hport)
        try:
            for path, _, _, _ in ERROR_CASES[1:]:
                ours, obody = get(port, path)
                theirs, tbody = get(hport, path)
                assert (ours.status, obody, ours.getheader("Content-Type"), ours.getheader("X-From"),
                        ours.getheader("X-Where")) == \
                       (theirs.status, tbody, theirs.getheader("Content-Type"), theirs.getheader("X-From"),
                        theirs.getheader("X-Where")), path
        finally:
            h.stop()
    finally:
        o.close()


@pytest.mark.parametrize("line,message", [
    ("errorfiles nosuch", "proxy 'fe': unknown http-errors section 'nosuch' (at {cfg}:12)."),
    ("errorfiles site1 999", "parsing [{cfg}:12] : errorfiles : status code '999' not handled."),
    ("http-error status 503 string oops",
     "parsing [{cfg}:12] : http-error : a content type must be defined when non-empty payload is configured"),
    ("http-error status 999 content-type text/plain string x",
     "parsing [{cfg}:12] : http-error : Unexpected status code '999'"),
    ("http-error status 503 bogus", "parsing [{cfg}:12] : http-error : unknown keyword 'bogus'."),
    ("http-request deny deny_status 403 errorfile /nonexistent.http",
     "parsing [{cfg}:12] : error detected in frontend 'fe' while parsing 'http-request deny' rule : "
     "error opening file '/nonexistent.http'."),
])
def test_http_errors_bad_lines_are_refused(tmp_path, line, message):
    (tmp_path / "503.http").write_bytes(b"HTTP/1.0 503 Service Unavailable\r\n\r\ndown\n")
    text = """
http-errors site1
    errorfile 503 {d}/503.http
defaults
    mode http
    timeout connect 2s
    timeout client 10s
    timeout server 10s
frontend fe
    bind 127.0.0.1:8080
    default_backend be
    {line}
backend be
    server s1 127.0.0.1:8081
""".format(d=tmp_path, line=line)
    rc, out = check(tmp_path, text)
    assert rc != 0
    assert message.format(cfg=tmp_path / "check-vigil-proxy.cfg") in out, out
    if os.path.exists(HAPROXY):
        assert check(tmp_path, text, HAPROXY)[0] != 0


def test_http_errors_bad_errorfile_contents_are_refused(tmp_path):
    (tmp_path / "bad.http").write_bytes(b"HTTP/1.0 5x3 Oops\r\n\r\n")
    text = """
http-errors site1
    errorfile 503 {d}/bad.http
""".format(d=tmp_path)
    rc, out = check(tmp_path, text)
    assert rc != 0 and "check-vigil-proxy.cfg:3] : errorfile : " in out and "unable to parse headers" in out, out


# ---- Prometheus: rates and maxima ----

PROM_CONFIG = """
defaults
    mode http
{t}
frontend fe
    bind 127.0.0.1:{port}
    http-request use-service prometheus-exporter if {{ path /metrics }}
    default_backend be
backend be
    server s1 127.0.0.1:{o}
"""


def prom_parse(text):
    """{(name, frozenset(labels)): value} and the names that have values,
    in order."""
    values, names = {}, []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = re.match(r'^([a-z_]+)(?:\{(.*)\})? (\S+)$', line)
        assert m, line
        labels = frozenset(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(2) or ""))
        values[(m.group(1), labels)] = float(m.group(3))
        if m.group(1) not in names:
            names.append(m.group(1))
    return values, names


def test_prometheus_rates_and_maxima(tmp_path, procs):
    o = Origin("a")
    port = free_port()
    try:
        procs.append(Proxy(tmp_path, PROM_CONFIG.format(t=TIMEOUTS, port=port, o=o.port), wait_port=port))
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        for _ in range(30):
            r, _ = get(port, "/", conn=c)
            assert r.status == 200
        c.close()
        for _ in range(5):
            get(port, "/")
        _, text = get(port, "/metrics")
        v, names = prom_parse(text.decode())
        fe = frozenset({("proxy", "fe")})
        be = frozenset({("proxy", "be")})
        sv = frozenset({("proxy", "be"), ("server", "s1")})
        # 30 requests on one connection, well within a second or two
        assert v[("haproxy_frontend_http_requests_rate_max", fe)] >= 15
        assert v[("haproxy_frontend_http_requests_rate_max", fe)] <= 37
        # 1 + 5 + 1 connections: the first, the five, the scrape
        assert 3 <= v[("haproxy_frontend_max_session_rate", fe)] <= 8
        assert 3 <= v[("haproxy_frontend_connections_rate_max", fe)] <= 8
        assert v[("haproxy_frontend_limit_session_rate", fe)] == 0
        # the backend and its server saw a session per request
        assert 15 <= v[("haproxy_backend_max_session_rate", be)] <= 35
        assert 15 <= v[("haproxy_server_max_session_rate", sv)] <= 35
        assert v[("haproxy_process_current_connection_rate", frozenset())] >= 1
        assert v[("haproxy_process_max_connection_rate", frozenset())] >= 3
        assert v[("haproxy_process_current_session_rate", frozenset())] >= 1
        assert v[("haproxy_process_max_session_rate", frozenset())] >= 3
        # nothing compressed or cached here, and said so
        assert v[("haproxy_frontend_http_comp_responses_total", fe)] == 0
        assert v[("haproxy_backend_http_cache_lookups_total", be)] == 0
        # the current rate decays: two seconds later nothing is left
        time.sleep(2.2)
        _, text = get(port, "/metrics")
        v, _ = prom_parse(text.decode())
        assert v[("haproxy_process_current_connection_rate", frozenset())] <= 2
        assert v[("haproxy_frontend_http_requests_rate_max", fe)] >= 15
    finally:
        o.close()


@needs_haproxy
def test_prometheus_metric_names_are_haproxys(tmp_path, procs):
    """Every metric vigil-proxy exports exists in haproxy 2.6's output,
    in the same relative order."""
    o = Origin("a")
    port, hport = free_port(), free_port()
    try:
        procs.append(Proxy(tmp_path, PROM_CONFIG.format(t=TIMEOUTS, port=port, o=o.port), wait_port=port))
        h = HAProxy(tmp_path, PROM_CONFIG.format(t=TIMEOUTS, port=hport, o=o.port), hport)
        try:
            _, theirs = get(hport, "/metrics")
        finally:
            h.stop()
        _, ours = get(port, "/metrics")
        _, our_names = prom_parse(ours.decode())
        _, their_names = prom_parse(theirs.decode())
        missing = [n for n in our_names if n not in their_names]
        assert not missing
        positions = [their_names.index(n) for n in our_names]
        assert positions == sorted(positions)
        for n in ["haproxy_frontend_max_session_rate", "haproxy_frontend_http_requests_rate_max",
                  "haproxy_frontend_connections_rate_max", "haproxy_backend_max_session_rate",
                  "haproxy_server_max_session_rate", "haproxy_process_current_session_rate",
                  "haproxy_frontend_http_comp_responses_total", "haproxy_frontend_http_cache_hits_total"]:
            assert n in our_names
    finally:
        o.close()


# ---- cache and compression ----

class TextOrigin:
    """An HTTP/1.1 server whose answers the path chooses, counting the
    requests it gets by path:
      /cc/<v>      Cache-Control: <v> ("_" for spaces)
      /cookie      a Set-Cookie header
      /vary/<h>    Vary: <h>
      /chunked     the body in chunks
      /json        Content-Type: application/json
      /post        anything else: 200 text/plain, "Cache-Control: max-age=60"
    """

    BODY = b"".join(b"line %04d: the quick brown fox jumps over the lazy dog\n" % i for i in range(400))

    def __init__(self):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.hits = {}
        self.seen_headers = []
        self.lock = threading.Lock()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(c,), daemon=True).start()

    def _handle(self, c):
        f = c.makefile("rb")
        try:
            while True:
                line = f.readline()
                if not line:
                    return
                method, path, _ = line.decode().split()
                headers = {}
                while True:
                    h = f.readline()
                    if h in (b"\r\n", b"\n", b""):
                        break
                    k, v = h.decode().split(":", 1)
                    headers[k.strip().lower()] = v.strip()
                with self.lock:
                    self.hits[path] = self.hits.get(path, 0) + 1
                    self.seen_headers.append(headers)
                extra = b"Cache-Control: max-age=60\r\n"
                ctype = b"text/plain"
                if path.startswith("/cc/"):
                    extra = b"Cache-Control: " + path[4:].replace("_", " ").encode() + b"\r\n"
                elif path == "/cookie":
                    extra += b"Set-Cookie: a=b\r\n"
                elif path.startswith("/vary/"):
                    extra += b"Vary: " + path[6:].encode() + b"\r\n"
                elif path == "/json":
                    ctype = b"application/json"
                head = b"HTTP/1.1 200 OK\r\nContent-Type: " + ctype + b"\r\n" + extra
                if path == "/chunked":
                    body = b"".join(b"%x\r\n%s\r\n" % (len(p), p)
                                    for p in (self.BODY[:5000], self.BODY[5000:9000], self.BODY[9000:]))
                    c.sendall(head + b"Transfer-Encoding: chunked\r\n\r\n" + body + b"0\r\n\r\n")
                else:
                    c.sendall(head + b"Content-Length: %d\r\n\r\n" % len(self.BODY)
                              + (b"" if method == "HEAD" else self.BODY))
        except (OSError, ValueError):
            pass
        finally:
            c.close()

    def count(self, path):
        with self.lock:
            return self.hits.get(path, 0)

    def close(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()


CACHE_CONFIG = """
cache small
    total-max-size 4
    max-object-size 100000
    max-age 60
    process-vary {vary}
defaults
    mode http
{t}
frontend fe
    bind 127.0.0.1:{port}
    http-request cache-use small
    http-response cache-store small
    http-request use-service prometheus-exporter if {{ path /metrics }}
    http-after-response set-header X-After yes
    default_backend be
backend be
    server s1 127.0.0.1:{o}
"""


def test_cache_serves_without_the_backend_with_an_age(tmp_path, procs):
    o = TextOrigin()
    port = free_port()
    try:
        procs.append(Proxy(tmp_path, CACHE_CONFIG.format(t=TIMEOUTS, port=port, o=o.port, vary="off"),
                           wait_port=port))
        r1, b1 = get(port, "/page")
        assert r1.status == 200 and b1 == TextOrigin.BODY
        assert r1.getheader("Age") is None
        time.sleep(1.1)
        r2, b2 = get(port, "/page")
        assert r2.status == 200 and b2 == TextOrigin.BODY
        assert o.count("/page") == 1            # served from the cache
        assert int(r2.getheader("Age")) >= 1
        assert r2.getheader("Cache-Control") == "max-age=60"
        assert r2.getheader("X-After") == "yes"  # http-after-response ran once
        assert r2.getheader("Content-Length") == str(len(TextOrigin.BODY))
        # a chunked response is stored de-chunked
        get(port, "/chunked")
        r, b = get(port, "/chunked")
        assert b == TextOrigin.BODY and o.count("/chunked") == 1
        # the client asks for a fresh copy
        get(port, "/page", headers={"Cache-Control": "no-cache"})
        assert o.count("/page") == 2
        _, text = get(port, "/metrics")
        v, _ = prom_parse(text.decode())
        fe = frozenset({("proxy", "fe")})
        assert v[("haproxy_frontend_http_cache_lookups_total", fe)] >= 4
        assert v[("haproxy_frontend_http_cache_hits_total", fe)] == 2
    finally:
        o.close()


@pytest.mark.parametrize("path,why", [
    ("/cc/no-store", "no-store"), ("/cc/private", "private"), ("/cc/no-cache", "no-cache"),
    ("/cc/max-age=0", "lifetime 0"), ("/vary/user-agent", "Vary"), ("/vary/referer", "Vary"),
])
def test_cache_does_not_store_what_it_must_not(tmp_path, procs, path, why):
    o = TextOrigin()
    port = free_port()
    try:
        procs.append(Proxy(tmp_path, CACHE_CONFIG.format(t=TIMEOUTS, port=port, o=o.port, vary="on"),
                           wait_port=port))
        for _ in range(2):
            r, b = get(port, path)
            assert r.status == 200 and b == TextOrigin.BODY
        assert o.count(path) == 2, why
        # POST is not answered from the cache
        get(port, "/p2")
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        c.request("POST", "/p2", body=b"x")
        c.getresponse().read()
        c.close()
        assert o.count("/p2") == 2
    finally:
        o.close()


def test_cache_process_vary_on_accept_encoding(tmp_path, procs):
    """As HAProxy 2.6: variants are told apart by their Content-Encoding,
    so a plain one answers every client; with process-vary off nothing
    that varies is stored."""
    o = TextOrigin()
    port = free_port()
    try:
        procs.append(Proxy(tmp_path, CACHE_CONFIG.format(t=TIMEOUTS, port=port, o=o.port, vary="on"),
                           wait_port=port))
        path = "/vary/accept-encoding"
        get(port, path, headers={"Accept-Encoding": "gzip"})
        r, b = get(port, path, headers={"Accept-Encoding": "br"})
        assert o.count(path) == 1 and b == TextOrigin.BODY and r.getheader("Age") is not None
    finally:
        o.close()


CACHE_CASES = [
    ("GET", "/a", {}), ("GET", "/a", {}), ("HEAD", "/a", {}), ("HEAD", "/h", {}), ("GET", "/h", {}),
    ("GET", "/cc/max-age=0", {}), ("GET", "/cc/max-age=0", {}),
    ("GET", "/cc/s-maxage=30,_private", {}), ("GET", "/cc/s-maxage=30,_private", {}),
    ("GET", "/cc/public,_max-age=30", {}), ("GET", "/cc/public,_max-age=30", {}),
    ("GET", "/auth", {"Authorization": "Basic eDp5"}), ("GET", "/auth", {"Authorization": "Basic eDp5"}),
    ("GET", "/auth2", {}), ("GET", "/auth2", {"Authorization": "Basic eDp5"}),
    ("GET", "/nc", {"Pragma": "no-cache"}), ("GET", "/nc", {}), ("GET", "/nc", {"Cache-Control": "no-cache"}),
    ("GET", "/ns", {"Cache-Control": "no-store"}), ("GET", "/ns", {}),
    ("GET", "/vary/accept-encoding", {"Accept-Encoding": "gzip"}),
    ("GET", "/vary/accept-encoding", {"Accept-Encoding": "gzip"}),
    ("GET", "/vary/accept-encoding", {"Accept-Encoding": "br"}),
    ("GET", "/vary/referer", {"Referer": "a"}), ("GET", "/vary/referer", {"Referer": "a"}),
    ("GET", "/cookie", {}), ("GET", "/cookie", {}),
    ("GET", "/json?x=1", {}), ("GET", "/json?x=1", {}), ("GET", "/json?x=2", {}),
]


@needs_haproxy
@pytest.mark.parametrize("vary", ["off", "on"])
def test_cache_decisions_are_haproxys(tmp_path, procs, vary):
    """The same requests through haproxy 2.6 and vigil-proxy: the same
    answers reach the backend, and the same ones carry an Age."""
    results = []
    for binary in [HAPROXY, PROXY]:
        o = TextOrigin()
        port = free_port()
        text = CACHE_CONFIG.format(t=TIMEOUTS, port=port, o=o.port, vary=vary)
        if binary == HAPROXY:
            h = HAProxy(tmp_path, text, port)
        else:
            procs.append(Proxy(tmp_path, text, wait_port=port))
        out = []
        try:
            for method, path, headers in CACHE_CASES:
                before = sum(o.hits.values())
                r, body = get(port, path, headers=headers, method=method)
                out.append((method, path, headers, r.status, sum(o.hits.values()) - before,
                            r.getheader("Age") is not None, len(body), r.getheader("Content-Length")))
        finally:
            if binary == HAPROXY:
                h.stop()
            o.close()
        results.append(out)
    for theirs, ours in zip(*results):
        assert ours == theirs


@needs_haproxy
def test_cache_bad_sections_are_refused_like_haproxy(tmp_path):
    for body, msg in [
        ("cache c\n    total-max-size abc\n", "total-max-size wrong value 'abc'"),
        ("cache c\n    total-max-size 5000\n", '"total-max-size" (5000) must not be greater than 4095'),
        ("cache c\n    bogus 1\n", "unknown keyword 'bogus' in 'cache' section"),
        ("cache c\n    total-max-size 4\n    max-object-size 999999999\n",
         '"max-object-size" is limited to an half of "total-max-size" => 2097152'),
        ("cache c\n    total-max-size 4\ndefaults\n    mode http\n" + TIMEOUTS +
         "frontend f\n    bind 127.0.0.1:8080\n    http-request cache-use nope\n",
         "config: frontend 'f': unable to find the cache 'nope' referenced by the filter 'cache'."),
        ("cache c\n    total-max-size 4\ndefaults\n    mode http\n" + TIMEOUTS +
         "frontend f\n    bind 127.0.0.1:8080\n    http-request cache-use\n",
         "while parsing 'http-request cache-use' rule : expects a cache name."),
    ]:
        rc, out = check(tmp_path, body)
        assert rc != 0 and msg in out, out
        hrc, hout = check(tmp_path, body, HAPROXY)
        assert hrc != 0 and msg in hout, hout


COMP_CONFIG = """
defaults
    mode http
{t}
frontend fe
    bind 127.0.0.1:{port}
    compression algo gzip deflate
    compression type text/ application/javascript
    {offload}
    default_backend be
backend be
    server s1 127.0.0.1:{o}
"""


def raw_get(port, path, headers, http10=False):
    """(status line, {lower header: value}, raw body bytes) with the body
    de-chunked here, to check the framing too."""
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    req = "GET %s HTTP/1.%d\r\nHost: x\r\nConnection: close\r\n" % (path, 0 if http10 else 1)
    req += "".join("%s: %s\r\n" % kv for kv in headers.items()) + "\r\n"
    s.sendall(req.encode())
    data = b""
    while True:
        d = s.recv(65536)
        if not d:
            break
        data += d
    s.close()
    head, body = data.split(b"\r\n\r\n", 1)
    lines = head.decode().split("\r\n")
    hdrs = {}
    for l in lines[1:]:
        k, v = l.split(":", 1)
        hdrs[k.strip().lower()] = v.strip()
    if hdrs.get("transfer-encoding") == "chunked":
        out = b""
        while True:
            size_line, body = body.split(b"\r\n", 1)
            size = int(size_line, 16)
            if size == 0:
                break
            out += body[:size]
            assert body[size:size + 2] == b"\r\n"
            body = body[size + 2:]
        body = out
    return lines[0], hdrs, body


@pytest.mark.parametrize("path", ["/page", "/chunked"])
def test_compression_gzip_and_deflate(tmp_path, procs, path):
    o = TextOrigin()
    port = free_port()
    try:
        procs.append(Proxy(tmp_path, COMP_CONFIG.format(t=TIMEOUTS, port=port, o=o.port, offload=""),
                           wait_port=port))
        st, h, body = raw_get(port, path, {"Accept-Encoding": "deflate;q=0.5, gzip"})
        assert st == "HTTP/1.1 200 OK"
        assert h["content-encoding"] == "gzip" and h["transfer-encoding"] == "chunked"
        assert "content-length" not in h
        assert h["vary"] == "Accept-Encoding"
        assert gzip.decompress(body) == TextOrigin.BODY
        assert len(body) < len(TextOrigin.BODY) / 4
        st, h, body = raw_get(port, path, {"Accept-Encoding": "deflate"})
        assert h["content-encoding"] == "deflate"
        assert zlib.decompress(body) == TextOrigin.BODY
        # the server saw the client's Accept-Encoding (no offload)
        assert o.seen_headers[-1]["accept-encoding"] == "deflate"
    finally:
        o.close()


@pytest.mark.parametrize("path,headers,http10", [
    ("/page", {}, False),                                   # no Accept-Encoding
    ("/page", {"Accept-Encoding": "br"}, False),            # nothing in common
    ("/page", {"Accept-Encoding": "gzip;q=0"}, False),      # refused by the client
    ("/json", {"Accept-Encoding": "gzip"}, False),          # type not listed
    ("/cc/no-transform", {"Accept-Encoding": "gzip"}, False),
    ("/page", {"Accept-Encoding": "gzip"}, True),           # HTTP/1.0: no chunks
])
def test_no_compression_when_it_must_not(tmp_path, procs, path, headers, http10):
    o = TextOrigin()
    port = free_port()
    try:
        procs.append(Proxy(tmp_path, COMP_CONFIG.format(t=TIMEOUTS, port=port, o=o.port, offload=""),
                           wait_port=port))
        st, h, body = raw_get(port, path, headers, http10)
        assert "content-encoding" not in h
        assert h["content-length"] == str(len(TextOrigin.BODY))
        assert body == TextOrigin.BODY
    finally:
        o.close()


def test_compression_offload_hides_accept_encoding(tmp_path, procs):
    o = TextOrigin()
    port = free_port()
    try:
        procs.append(Proxy(tmp_path, COMP_CONFIG.format(t=TIMEOUTS, port=port, o=o.port,
                                                        offload="compression offload"), wait_port=port))
        st, h, body = raw_get(port, "/page", {"Accept-Encoding": "gzip"})
        assert h["content-encoding"] == "gzip" and gzip.decompress(body) == TextOrigin.BODY
        assert "accept-encoding" not in o.seen_headers[-1]
    finally:
        o.close()


@needs_haproxy
def test_compression_headers_are_haproxys(tmp_path, procs):
    o = TextOrigin()
    port, hport = free_port(), free_port()
    try:
        procs.append(Proxy(tmp_path, COMP_CONFIG.format(t=TIMEOUTS, port=port, o=o.port, offload=""),
                           wait_port=port))
        h = HAProxy(tmp_path, COMP_CONFIG.format(t=TIMEOUTS, port=hport, o=o.port, offload=""), hport)
        try:
            for path, headers, http10 in [
                    ("/page", {"Accept-Encoding": "deflate;q=0.5, gzip"}, False),
                    ("/page", {"Accept-Encoding": "deflate, gzip"}, False),
                    ("/page", {"Accept-Encoding": "*"}, False),
                    ("/page", {"Accept-Encoding": "gzip;q=0, deflate;q=0.1"}, False),
                    ("/page", {"Accept-Encoding": "br"}, False), ("/page", {}, False),
                    ("/page", {"Accept-Encoding": "gzip"}, True),
                    ("/chunked", {"Accept-Encoding": "gzip"}, False),
                    ("/json", {"Accept-Encoding": "gzip"}, False),
                    ("/cc/no-transform", {"Accept-Encoding": "gzip"}, False)]:
                _, ours, obody = raw_get(port, path, headers, http10)
                _, theirs, tbody = raw_get(hport, path, headers, http10)
                for k in ["content-encoding", "transfer-encoding", "vary", "content-length"]:
                    assert ours.get(k) == theirs.get(k), (path, headers, k)
                enc = ours.get("content-encoding")
                plain = gzip.decompress if enc == "gzip" else zlib.decompress if enc == "deflate" else bytes
                assert plain(obody) == TextOrigin.BODY
        finally:
            h.stop()
    finally:
        o.close()


def test_compression_bad_lines_are_refused(tmp_path):
    for line, msg in [("compression algo foo", "'compression' : 'foo' is not a supported algorithm."),
                      ("compression type", "'compression' expects <type>."),
                      ("compression bogus", "'compression' expects 'algo', 'type' or 'offload'")]:
        rc, out = check(tmp_path, "defaults\n    mode http\n" + TIMEOUTS +
                        "frontend f\n    bind 127.0.0.1:8080\n    %s\n" % line)
        assert rc != 0 and ("check-vigil-proxy.cfg:9] : " + msg) in out, out


# ---- http-after-response ----

def test_http_after_response_on_proxied_and_generated_responses(tmp_path, procs):
    o = Origin("a")
    port = free_port()
    try:
        procs.append(Proxy(tmp_path, """
defaults
    mode http
{t}
frontend fe
    bind 127.0.0.1:{port}
    http-request use-service prometheus-exporter if {{ path /metrics }}
    http-request return status 200 content-type text/plain string ok if {{ path /ret }}
    http-request deny deny_status 429 if {{ path /slow }}
    http-after-response allow if {{ path /metrics }}
    http-after-response set-header X-Seen yes
    http-after-response replace-header Content-Type (.*)/json \\1/x-json
    http-after-response set-status 299 if {{ status 429 }}
    http-after-response del-header X-Internal
    default_backend be
backend be
    server s1 127.0.0.1:{o}
""".format(t=TIMEOUTS, port=port, o=o.port), wait_port=port))
        r, _ = get(port, "/", headers={"X-Internal": "1"})
        assert r.status == 200 and r.getheader("X-Seen") == "yes"
        assert r.getheader("Content-Type") == "application/x-json"   # the server's, rewritten
        r, body = get(port, "/ret")
        assert (r.status, body, r.getheader("X-Seen")) == (200, b"ok", "yes")
        r, _ = get(port, "/slow")
        assert r.status == 299 and r.getheader("X-Seen") == "yes"
        r, body = get(port, "/metrics")
        assert r.status == 200 and b"haproxy_process_nbthread" in body
        assert r.getheader("X-Seen") is None      # `allow` stopped the rules
    finally:
        o.close()


@pytest.mark.parametrize("line,ok", [
    ("http-after-response strict-mode off", True),
    ("http-after-response strict-mode maybe", False),
    ("http-after-response strict-mode", False),
    ("http-after-response set-var-fmt(txn.a) \"%[status] ok\"", True),
    ("http-after-response set-var(txn.a) status", True),
    ("http-after-response unset-var(txn.a)", True),
    ("http-after-response allow if { status 200 }", True),
    ("http-after-response deny", False),
    ("http-after-response set-log-level silent", False),
    ("http-after-response track-sc0 src", False),
    ("http-request strict-mode on", True),
    ("http-response strict-mode off", True),
])
def test_http_after_response_lines_as_haproxy(tmp_path, line, ok):
    text = "defaults\n    mode http\n" + TIMEOUTS + \
        "frontend f\n    bind 127.0.0.1:8080\n    %s\n    default_backend b\nbackend b\n    server s 127.0.0.1:8081\n" % line
    rc, out = check(tmp_path, text)
    assert (rc == 0) == ok, out
    if not ok:
        assert "check-vigil-proxy.cfg:9] : " in out, out
    if os.path.exists(HAPROXY):
        assert (check(tmp_path, text, HAPROXY)[0] == 0) == ok


COMPAT10 = "/work/shared/compat/haproxy/10-haproxy-upstream-basic-config-edge.cfg"


def compat10_runnable(tmp_path, port, stats_port, origin):
    """HAProxy's basic-config-edge.cfg with local ports, the test origin as
    its four servers, and without what needs root or a certificate (the
    443 bind, daemon, chroot, user, pidfile, stats socket path)."""
    out = []
    for line in open(COMPAT10).read().splitlines():
        s = line.strip()
        if s.startswith(("bind :443", "chroot", "user ", "group ", "daemon", "pidfile", "stats socket",
                         "zero-warning", "ssl-default", "default-path")):
            continue
        line = line.replace("bind :80 name clear", "bind 127.0.0.1:%d name clear" % port)
        line = line.replace("bind :8181", "bind 127.0.0.1:%d" % stats_port)
        line = re.sub(r"192\.0\.2\.\d:80", "127.0.0.1:%d" % origin, line)
        line = line.replace("http-request redirect scheme https code 301 if !{ ssl_fc }",
                            "http-request redirect scheme https code 301 if { path /insecure }")
        out.append(line)
    return "\n".join(out) + "\n"


@pytest.mark.skipif(not os.path.exists(COMPAT10), reason="compat files not present")
def test_compat_10_cache_compression_and_hsts(tmp_path, procs):
    o = TextOrigin()
    port, stats_port = free_port(), free_port()
    try:
        procs.append(Proxy(tmp_path, compat10_runnable(tmp_path, port, stats_port, o.port), wait_port=port))
        st, h, body = raw_get(port, "/app.js", {"Accept-Encoding": "gzip"})
        assert st == "HTTP/1.1 200 OK"
        assert h["strict-transport-security"] == "max-age=31536000"
        assert h["content-encoding"] in ("gzip", "deflate")
        plain = gzip.decompress(body) if h["content-encoding"] == "gzip" else zlib.decompress(body)
        assert plain == TextOrigin.BODY
        assert h["set-cookie"].startswith("app1=s")          # cookie app1 insert
        # the second time from the cache: stored before the cookie was
        # inserted, compressed on the way out, as haproxy 2.6 does it
        st, h, body = raw_get(port, "/app.js", {"Accept-Encoding": "gzip"})
        assert o.count("/app.js") == 1
        assert "age" in h and "set-cookie" not in h and h["cache-control"] == "max-age=60"
        assert h["strict-transport-security"] == "max-age=31536000"
        assert h["content-encoding"] == "gzip" and gzip.decompress(body) == TextOrigin.BODY
        st, h, body = raw_get(port, "/app.js", {})
        assert "content-encoding" not in h and body == TextOrigin.BODY and o.count("/app.js") == 1
        st, h, _ = raw_get(port, "/insecure", {})
        assert st.startswith("HTTP/1.1 301") and h["location"] == "https://x/insecure"
        assert h["strict-transport-security"] == "max-age=31536000"
        r, data = get(stats_port, "/;csv")
        assert r.status == 200 and b"app1,srv1" in data
    finally:
        o.close()


def test_defaults_pass_on_errorfiles_http_error_and_compression(tmp_path, procs):
    (tmp_path / "403.http").write_bytes(b"HTTP/1.0 403 Forbidden\r\nContent-Type: text/plain\r\n\r\nfrom defaults\n")
    o = TextOrigin()
    port = free_port()
    try:
        procs.append(Proxy(tmp_path, """
http-errors site1
    errorfile 403 {d}/403.http
defaults
    mode http
{t}
    errorfiles site1
    http-error status 404 content-type text/plain string "none here"
    compression algo gzip
    compression type text/plain
frontend fe
    bind 127.0.0.1:{port}
    http-request deny if {{ path /no }}
    http-request deny deny_status 404 if {{ path /gone }}
    default_backend be
backend be
    server s1 127.0.0.1:{o}
""".format(d=tmp_path, t=TIMEOUTS, port=port, o=o.port), wait_port=port))
        r, body = get(port, "/no")
        assert (r.status, body) == (403, b"from defaults\n")
        r, body = get(port, "/gone")
        assert (r.status, body) == (404, b"none here")
        st, h, body = raw_get(port, "/page", {"Accept-Encoding": "gzip"})
        assert h["content-encoding"] == "gzip" and gzip.decompress(body) == TextOrigin.BODY
    finally:
        o.close()


@needs_haproxy
def test_http_error_replies_are_haproxys_byte_for_byte(tmp_path, procs):
    """Generated answers (http-error with and without a payload, the
    frontend's page for an error in a backend without one) are the bytes
    haproxy 2.6 sends."""
    def config(port):
        return """
defaults
    mode http
{t}
frontend f
    bind 127.0.0.1:{port}
    http-error status 503
    http-error status 403 content-type text/plain string "go away" hdr X-A b
    http-error status 429 default-errorfiles
    http-request deny if {{ path /d }}
    http-request deny deny_status 429 if {{ path /slow }}
    default_backend b
backend b
""".format(t=TIMEOUTS, port=port)

    def ask(port, path):
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        s.sendall(b"GET " + path.encode() + b" HTTP/1.1\r\nHost: x\r\n\r\n")
        data = b""
        while b"\r\n\r\n" not in data or len(data.split(b"\r\n\r\n", 1)[1]) < int(
                re.search(rb"content-length: (\d+)", data).group(1)):
            d = s.recv(65536)
            if not d:
                break
            data += d
        s.close()
        return data

    port, hport = free_port(), free_port()
    procs.append(Proxy(tmp_path, config(port), wait_port=port))
    h = HAProxy(tmp_path, config(hport), hport)
    try:
        for path in ["/", "/d", "/slow"]:
            assert ask(port, path) == ask(hport, path), path
    finally:
        h.stop()

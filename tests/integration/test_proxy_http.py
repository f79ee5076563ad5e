"""vigil-proxy in HTTP mode: real processes, real sockets on 127.0.0.1."""
import http.client
import json
import os
import signal
import re
import socket
import subprocess
import time

import pytest

from conftest import BUILD, Proxy, can_connect, cli, free_port, recv_all, stat_rows, wait_until
from httpd import Origin

HEAD = """
global
    maxconn 1000
    nbthread 2
    stats socket {sock} mode 600 level admin
defaults
    mode http
    timeout connect 2s
    timeout client 10s
    timeout server 10s
"""


def start(tmp_path, procs, body, **kw):
    sock = tmp_path / "stats.sock"
    port = free_port()
    text = HEAD.format(sock=sock) + body.format(port=port, **kw)
    p = Proxy(tmp_path, text, wait_port=port)
    procs.append(p)
    return port, sock, p


def get(port, path="/", headers=None, method="GET", body=None, conn=None):
    c = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    c.request(method, path, body=body, headers=headers or {})
    r = c.getresponse()
    data = r.read()
    if conn is None:
        c.close()
    return r, data


def raw(port, data, timeout=5, read_all=True):
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        out = b""
        while True:
            try:
                d = s.recv(65536)
            except socket.timeout:
                break
            if not d:
                break
            out += d
            if not read_all:
                break
        return out



def test_requests_balance_per_request_on_one_keepalive_connection(tmp_path, procs):
    a, b = Origin("a"), Origin("b")
    port, sock, _ = start(tmp_path, procs, """
listen app
    bind 127.0.0.1:{port}
    balance roundrobin
    server a 127.0.0.1:{a}
    server b 127.0.0.1:{b}
""", a=a.port, b=b.port)
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        names = [json.loads(get(port, conn=c)[1])["server"] for _ in range(6)]
        c.close()
        assert sorted(names) == ["a", "a", "a", "b", "b", "b"]
        assert names[0] != names[1]
    finally:
        a.close(); b.close()


def test_server_connections_are_reused(tmp_path, procs):
    a = Origin("a")
    port, _, _ = start(tmp_path, procs, """
listen app
    bind 127.0.0.1:{port}
    http-reuse always
    server a 127.0.0.1:{a}
""", a=a.port)
    try:
        for _ in range(10):
            r, body = get(port)       # a new client connection each time
            assert r.status == 200
        assert a.conns <= 2          # the server connection was kept and reused
    finally:
        a.close()


def test_header_rules_forwardfor_and_acl_switching(tmp_path, procs):
    a, b = Origin("a"), Origin("b")
    port, _, _ = start(tmp_path, procs, """
frontend fe
    bind 127.0.0.1:{port}
    option forwardfor
    acl is_api path_beg /api
    http-request set-header X-Via vigil
    http-request del-header X-Secret
    http-response set-header X-Served-By vigil
    use_backend api if is_api
    default_backend web
backend web
    server a 127.0.0.1:{a}
backend api
    server b 127.0.0.1:{b}
""", a=a.port, b=b.port)
    try:
        r, body = get(port, "/api/v1", headers={"X-Secret": "x", "Host": "example"})
        j = json.loads(body)
        assert j["server"] == "b"
        assert j["headers"]["x-via"] == ["vigil"]
        assert "x-secret" not in j["headers"]
        assert j["headers"]["x-forwarded-for"] == ["127.0.0.1"]
        assert r.getheader("X-Served-By") == "vigil"
        r, body = get(port, "/index.html")
        assert json.loads(body)["server"] == "a"
    finally:
        a.close(); b.close()


def test_deny_redirect_and_haproxy_error_pages(tmp_path, procs):
    a = Origin("a")
    port, _, _ = start(tmp_path, procs, """
listen app
    bind 127.0.0.1:{port}
    http-request deny if {{ path_beg /admin }}
    http-request deny deny_status 429 if {{ path_beg /slow }}
    redirect scheme https code 301 if {{ hdr(host) -i secure.example }}
    redirect location /new code 302 if {{ path /old }}
    server a 127.0.0.1:{a}
""", a=a.port)
    try:
        r, body = get(port, "/admin")
        assert r.status == 403
        assert body == b"<html><body><h1>403 Forbidden</h1>\nRequest forbidden by administrative rules.\n</body></html>\n"
        assert get(port, "/slow")[0].status == 429
        r, _ = get(port, "/x", headers={"Host": "secure.example"})
        assert r.status == 301 and r.getheader("Location") == "https://secure.example/x"
        r, _ = get(port, "/old")
        assert r.status == 302 and r.getheader("Location") == "/new"
        assert a.requests == []      # none of these reached the server
    finally:
        a.close()


def test_bodies_chunked_and_expect_continue(tmp_path, procs):
    a = Origin("a")
    port, _, _ = start(tmp_path, procs, """
listen app
    bind 127.0.0.1:{port}
    server a 127.0.0.1:{a}
""", a=a.port)
    try:
        # chunked request body, in pieces
        chunks = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in [b"x" * 1000, b"y" * 70000, b"z"])
        req = (b"POST /up HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks +
               b"0\r\n\r\n")
        req = req.replace(b"HTTP/1.1\r\nHost", b"HTTP/1.1\r\nConnection: close\r\nHost")
        out = raw(port, req, timeout=5)
        assert out.startswith(b"HTTP/1.1 200")
        assert b'"body_len": 71001' in out
        # Expect: 100-continue: the interim response comes back, then the final one
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            s.sendall(b"PUT /p HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
            first = s.recv(100)
            assert first.startswith(b"HTTP/1.1 100 Continue")
            s.sendall(b"hello")
            rest = b""
            while b'"body_len": 5' not in rest:
                d = s.recv(4096)
                assert d
                rest += d
    finally:
        a.close()


def test_pipelined_requests_answered_in_order(tmp_path, procs):
    a = Origin("a")
    port, _, _ = start(tmp_path, procs, """
listen app
    bind 127.0.0.1:{port}
    server a 127.0.0.1:{a}
""", a=a.port)
    try:
        req = b"".join(b"GET /%d HTTP/1.1\r\nHost: t\r\n\r\n" % i for i in range(5))
        req += b"GET /last HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
        out = raw(port, req)
        paths = re.findall(rb'"path": "([^"]+)"', out)
        assert paths == [b"/0", b"/1", b"/2", b"/3", b"/4", b"/last"]
    finally:
        a.close()


def test_bad_responses_become_502(tmp_path, procs):
    a = Origin("a")
    port, _, _ = start(tmp_path, procs, """
listen app
    bind 127.0.0.1:{port}
    server a 127.0.0.1:{a}
""", a=a.port)
    try:
        for bad in [b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabc",
                    b"HTTP/1.1 2000 OK\r\n\r\n",
                    b"HTTP/1.1 200 OK\r\nX: a\x00b\r\nContent-Length: 0\r\n\r\n",
                    b"garbage\r\n\r\n"]:
            r, body = get(port, "/raw/" + bad.hex())
            assert r.status == 502, bad
            assert b"502 Bad Gateway" in body
    finally:
        a.close()


def test_slow_request_gets_408(tmp_path, procs):
    a = Origin("a")
    port, _, _ = start(tmp_path, procs, """
listen app
    bind 127.0.0.1:{port}
    timeout http-request 500ms
    server a 127.0.0.1:{a}
""", a=a.port)
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            s.sendall(b"GET / HTTP/1.1\r\n")
            out = b""
            # a header line every 200 ms: the whole head is still bounded
            for i in range(20):
                try:
                    s.sendall(b"X-%d: y\r\n" % i)
                except OSError:
                    break
                s.settimeout(0.2)
                try:
                    d = s.recv(4096)
                    if not d:
                        break
                    out += d
                except socket.timeout:
                    pass
            assert out.startswith(b"HTTP/1.1 408")
    finally:
        a.close()


def test_websocket_upgrade_is_tunnelled(tmp_path, procs):
    port_srv = free_port()
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", port_srv))
    srv.listen(4)
    import threading

    def serve():
        c, _ = srv.accept()
        f = c.makefile("rb")
        while f.readline() not in (b"\r\n", b""):
            pass
        c.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
        while True:
            d = c.recv(100)
            if not d:
                break
            c.sendall(d.upper())
        c.close()
    threading.Thread(target=serve, daemon=True).start()
    port, _, _ = start(tmp_path, procs, """
listen app
    bind 127.0.0.1:{port}
    timeout tunnel 5s
    server ws 127.0.0.1:{ws}
""", ws=port_srv)
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(b"GET /chat HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
        head = b""
        while b"\r\n\r\n" not in head:
            head += s.recv(1000)
        assert head.startswith(b"HTTP/1.1 101")
        s.sendall(b"hello")
        assert s.recv(100) == b"HELLO"
    srv.close()


def test_stats_page_csv_and_prometheus(tmp_path, procs):
    a = Origin("a")
    port, _, _ = start(tmp_path, procs, """
frontend fe
    bind 127.0.0.1:{port}
    stats enable
    stats uri /stats
    http-request use-service prometheus-exporter if {{ path /metrics }}
    default_backend be
backend be
    server web1 127.0.0.1:{a} check inter 200
""", a=a.port)
    try:
        assert get(port, "/")[0].status == 200
        r, body = get(port, "/stats")
        assert r.status == 200 and b"<html" in body.lower() and b"web1" in body
        r, body = get(port, "/stats;csv")
        assert body.startswith(b"# pxname,svname,qcur,qmax,scur,smax,slim,stot,")
        r, body = get(port, "/metrics")
        assert r.status == 200
        text = body.decode()
        assert re.search(r'^haproxy_backend_status\{proxy="be",state="UP"\} 1$', text, re.M), text[:2000]
        assert re.search(r'^haproxy_server_sessions_total\{proxy="be",server="web1"\} \d+$', text, re.M)
        # the whole exposition parses as Prometheus text format 0.0.4
        sample = re.compile(r'^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*",?)*\})? '
                            r'(NaN|[+-]Inf|-?[0-9.]+(e[+-]?[0-9]+)?)$')
        typed = set()
        for line in text.splitlines():
            if line.startswith("# TYPE "):
                name, kind = line.split()[2:4]
                assert kind in ("counter", "gauge", "histogram", "summary", "untyped")
                typed.add(name)
            elif line.startswith("# HELP ") or not line:
                continue
            else:
                assert sample.match(line), line
                assert re.match(r'[a-zA-Z_:][a-zA-Z0-9_:]*', line).group(0) in typed, line
        # and the HTML page has one row per server, in balanced tables
        r, body = get(port, "/stats")
        html = body.decode()
        assert html.count("<table") == html.count("</table>")
        assert html.count("<tr") == html.count("</tr>")
    finally:
        a.close()


def test_cookie_insert_persistence(tmp_path, procs):
    a, b = Origin("a"), Origin("b")
    port, _, _ = start(tmp_path, procs, """
listen app
    bind 127.0.0.1:{port}
    cookie SRV insert indirect nocache
    server a 127.0.0.1:{a} cookie sa
    server b 127.0.0.1:{b} cookie sb
""", a=a.port, b=b.port)
    try:
        r, body = get(port, "/")
        first = json.loads(body)["server"]
        setc = r.getheader("Set-Cookie")
        assert setc and setc.startswith("SRV=s" + first)
        for _ in range(6):
            r, body = get(port, "/", headers={"Cookie": "SRV=s" + first})
            assert json.loads(body)["server"] == first
            assert r.getheader("Set-Cookie") is None
    finally:
        a.close(); b.close()


def test_rate_limit_429_with_stick_table(tmp_path, procs):
    a = Origin("a")
    port, _, _ = start(tmp_path, procs, """
frontend fe
    bind 127.0.0.1:{port}
    stick-table type ip size 100 expire 30s store http_req_rate(10s)
    http-request track-sc0 src
    http-request deny deny_status 429 if {{ sc_http_req_rate(0) gt 5 }}
    default_backend be
backend be
    server a 127.0.0.1:{a}
""", a=a.port)
    try:
        codes = [get(port, "/")[0].status for _ in range(8)]
        assert codes == [200] * 5 + [429] * 3
    finally:
        a.close()


def test_httplog_line(tmp_path, procs):
    a = Origin("a")
    rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rx.bind(("127.0.0.1", 0))
    rx.settimeout(5)
    port = free_port()
    text = """
global
    log 127.0.0.1:{lp} local0
defaults
    mode http
    log global
    option httplog
    timeout connect 2s
    timeout client 10s
    timeout server 10s
listen app
    bind 127.0.0.1:{port}
    server s1 127.0.0.1:{a}
""".format(lp=rx.getsockname()[1], port=port, a=a.port)
    procs.append(Proxy(tmp_path, text, wait_port=port))
    try:
        get(port, "/hello?x=1")
        lines = []
        wait_until(lambda: lines.append(rx.recv(4096).decode()) or
                   any("GET /hello" in l for l in lines), what="httplog line")
        line = [l for l in lines if "GET /hello" in l][0]
        assert re.search(r'127\.0\.0\.1:\d+ \[\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d\.\d{3}\] app app/s1 '
                         r'\d+/\d+/\d+/\d+/\d+ 200 \d+ - - ---- \d+/\d+/\d+/\d+/0 0/0 '
                         r'"GET /hello\?x=1 HTTP/1\.1"$', line), line
    finally:
        rx.close()
        a.close()


def test_http_buffer_request_waits_for_the_body(tmp_path, procs):
    a = Origin("a")
    port, _, _ = start(tmp_path, procs, """
listen app
    bind 127.0.0.1:{port}
    option http-buffer-request
    server a 127.0.0.1:{a}
""", a=a.port)
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            s.sendall(b"POST /u HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nhello")
            time.sleep(0.3)
            assert a.conns == 0          # nothing goes to the server before the body is in
            s.sendall(b"world")
            out = b""
            while b'"body_len": 10' not in out:
                d = s.recv(4096)
                assert d
                out += d
        assert a.conns == 1
    finally:
        a.close()


def test_stats_admin_form_changes_a_server(tmp_path, procs):
    a = Origin("a")
    port, sock, _ = start(tmp_path, procs, """
frontend fe
    bind 127.0.0.1:{port}
    stats enable
    stats uri /stats
    stats admin if {{ src 127.0.0.1 }}
    default_backend be
backend be
    server web1 127.0.0.1:{a}
""", a=a.port)
    try:
        r, body = get(port, "/stats")
        assert b"action" in body          # the admin form is shown
        form = "s=web1&action=drain&b=%232"
        r, _ = get(port, "/stats", method="POST", body=form,
                   headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert r.status == 303
        assert r.getheader("Location") == "/stats;st=DONE"
        assert [x for x in stat_rows(sock) if x["svname"] == "web1"][0]["status"] == "DRAIN"
    finally:
        a.close()


def test_requests_wait_in_queue_behind_server_maxconn(tmp_path, procs):
    import threading
    # a server that holds each request until told to answer
    gate = threading.Event()
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(16)
    seen = []

    def serve():
        while True:
            try:
                c, _ = srv.accept()
            except OSError:
                return

            def one(c=c):
                f = c.makefile("rb")
                while True:
                    line = f.readline()
                    if not line:
                        break
                    while f.readline() not in (b"\r\n", b""):
                        pass
                    seen.append(line)
                    gate.wait(10)
                    c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                c.close()
            threading.Thread(target=one, daemon=True).start()
    threading.Thread(target=serve, daemon=True).start()
    port, sock, _ = start(tmp_path, procs, """
listen app
    bind 127.0.0.1:{port}
    timeout queue 5s
    server slow 127.0.0.1:{sp} maxconn 1
""", sp=srv.getsockname()[1])
    results = []
    clients = [threading.Thread(target=lambda: results.append(get(port, "/q")[0].status))
               for _ in range(3)]
    for t in clients:
        t.start()
    wait_until(lambda: [r for r in stat_rows(sock) if r["svname"] == "BACKEND"][0]["qcur"] == "2",
               what="two requests queued")
    wait_until(lambda: len(seen) == 1, what="the first request at the server")
    time.sleep(0.2)
    assert len(seen) == 1        # one at a time reaches the server
    gate.set()
    for t in clients:
        t.join(10)
    assert results == [200, 200, 200]
    srv.close()


def test_keepalive_client_survives_servers_closing_after_each_response(tmp_path, procs):
    a = Origin("a", always_close=True)
    port, _, _ = start(tmp_path, procs, """
listen app
    bind 127.0.0.1:{port}
    server a 127.0.0.1:{a}
""", a=a.port)
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        for i in range(5):
            r, body = get(port, "/k%d" % i, conn=c)
            assert r.status == 200 and json.loads(body)["path"] == "/k%d" % i
        c.close()
        assert a.conns == 5        # a new server connection each time, one client connection
    finally:
        a.close()


def test_http_reload_under_load_loses_nothing(tmp_path, procs):
    import threading
    a = Origin("a")
    port = free_port()
    sock = tmp_path / "stats.sock"
    text = HEAD.format(sock=sock) + """
listen app
    bind 127.0.0.1:{port}
    server a 127.0.0.1:{a}
""".format(port=port, a=a.port)
    p = Proxy(tmp_path, text, args=["-W"], wait_port=port)
    procs.append(p)
    ok, failures, stop = [0], [], threading.Event()

    def load():
        end = time.monotonic() + 30
        while not stop.is_set() and time.monotonic() < end and ok[0] < 20000:
            try:
                r, body = get(port, "/r", headers={"Connection": "close"})
                if r.status != 200:
                    raise OSError("status %d" % r.status)
                ok[0] += 1
            except (OSError, http.client.HTTPException) as e:
                failures.append(repr(e))
    threads = [threading.Thread(target=load) for _ in range(4)]
    for t in threads:
        t.start()
    try:
        for _ in range(4):
            time.sleep(0.3)
            os.kill(p.pid, signal.SIGUSR2)
        wait_until(lambda: p.output().count("New worker") >= 5, what="reloads")
        time.sleep(0.3)
    finally:
        stop.set()
        for t in threads:
            t.join(10)
        a.close()
    assert ok[0] > 50
    assert failures == []


def test_idle_server_connections_are_purged(tmp_path, procs):
    a = Origin("a")
    port, _, _ = start(tmp_path, procs, """
listen app
    bind 127.0.0.1:{port}
    server a 127.0.0.1:{a}
""", a=a.port)
    try:
        assert get(port, "/")[0].status == 200
        assert a.conns == 1 and a.closed_by_peer == 0
        # kept idle for reuse, then closed by the proxy (pool-purge-delay 5s)
        wait_until(lambda: a.closed_by_peer == 1, timeout=15, what="idle connection purged")
    finally:
        a.close()


def test_http10_keepalive_client(tmp_path, procs):
    a = Origin("a")
    port, _, _ = start(tmp_path, procs, """
listen app
    bind 127.0.0.1:{port}
    server a 127.0.0.1:{a}
""", a=a.port)
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            f = s.makefile("rb")
            for i in range(2):
                s.sendall(b"GET /ten%d HTTP/1.0\r\nConnection: keep-alive\r\n\r\n" % i)
                status = f.readline()
                headers = {}
                while True:
                    h = f.readline()
                    if h in (b"\r\n", b""):
                        break
                    k, v = h.decode().split(":", 1)
                    headers[k.strip().lower()] = v.strip()
                assert status.startswith(b"HTTP/1.1 200")
                assert headers["connection"].lower() == "keep-alive"
                body = f.read(int(headers["content-length"]))
                assert b"/ten%d" % i in body
            # without keep-alive, an HTTP/1.0 exchange closes
            s.sendall(b"GET /last HTTP/1.0\r\n\r\n")
            rest = f.read()
            assert b"Connection: close" in rest and b"/last" in rest
    finally:
        a.close()


def test_http_after_response_reaches_every_response(tmp_path, procs):
    a = Origin("a")
    port, _, _ = start(tmp_path, procs, """
listen app
    bind 127.0.0.1:{port}
    http-request deny if {{ path /no }}
    http-request redirect location /elsewhere code 302 if {{ path /moved }}
    http-after-response set-header Strict-Transport-Security "max-age=31536000"
    http-after-response del-header X-Internal
    server a 127.0.0.1:{a}
""", a=a.port)
    try:
        for path, status in [("/", 200), ("/no", 403), ("/moved", 302)]:
            r, body = get(port, path)
            assert r.status == status
            assert r.getheader("Strict-Transport-Security") == "max-age=31536000", path
        r, body = get(port, "/no")
        assert body == b"<html><body><h1>403 Forbidden</h1>\nRequest forbidden by administrative rules.\n</body></html>\n"
    finally:
        a.close()


def test_connection_released_once_the_clients_last_request_is_answered(tmp_path, procs):
    """A client that said `Connection: close` and sent nothing after its
    request is closed at once after the answer, as HAProxy closes it: the
    connection does not linger in the proxy while the client keeps its
    socket open. Bytes the client sends afterwards meet a closed socket."""
    a = Origin("a")
    port, sock, _ = start(tmp_path, procs, """
listen app
    bind 127.0.0.1:{port}
    server a 127.0.0.1:{a}
""", a=a.port)
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            s.sendall(b"GET /bye HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
            out = recv_all(s)
            assert out.startswith(b"HTTP/1.1 200") and b'"path": "/bye"' in out
            # The first bytes draw a reset, which fails the next send
            # (EPIPE). A lingering close would drain them for a second.
            reset = False
            for _ in range(10):
                try:
                    s.sendall(b"late")
                    time.sleep(0.02)
                except (BrokenPipeError, ConnectionResetError):
                    reset = True
                    break
            assert reset, "the proxy still had the connection open"
            wait_until(lambda: [r["scur"] for r in stat_rows(sock) if r["svname"] == "FRONTEND"] == ["0"],
                       what="the frontend's current sessions back to 0")
    finally:
        a.close()

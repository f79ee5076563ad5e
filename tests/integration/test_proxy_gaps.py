"""What HAProxy users behind another load balancer or writing hardening
guides rely on, each checked as a user would (what the server receives,
the log line, whether the connection is answered) and, where practical,
against Debian's haproxy 2.6 running the same file: the PROXY protocol
(`accept-proxy`, `expect-proxy layer4`), connection rate limiting with
`track-sc*` and `tcp-request connection|session|content reject|silent-drop`
(and `show table`), `http-request reject`, `silent-drop`, `replace-path`,
`replace-uri`, captures, `log-format` in TCP mode and `hash-type
consistent`."""
import json
import os
import re
import socket
import ssl
import struct
import threading
import time
import subprocess

import pytest

from conftest import (PROXY, Backend, Proxy, cli, free_port, is_listening, recv_all, stat_rows,
                      stop_process, wait_until)
from httpd import Origin
from tlsutil import make_ca, make_cert

HAPROXY = "/usr/sbin/haproxy"
needs_haproxy = pytest.mark.skipif(not os.path.exists(HAPROXY), reason="haproxy not installed")

TIMEOUTS = """
    timeout connect 2s
    timeout client 10s
    timeout server 10s
"""


class Run:
    """One proxy (vigil-proxy or haproxy) on a configuration whose LOGPORT
    and PORT are filled in, with a UDP syslog receiver; stopped by pid."""

    def __init__(self, tmp_path, binary, text, port):
        self.rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.rx.bind(("127.0.0.1", 0))
        self.rx.settimeout(5)
        name = "haproxy" if binary == HAPROXY else "vigil"
        cfg = tmp_path / ("%s.cfg" % name)
        cfg.write_text(text.replace("LOGPORT", str(self.rx.getsockname()[1])))
        self.out_path = tmp_path / ("%s.out" % name)
        self.out = open(self.out_path, "wb")
        args = [binary, "-f", str(cfg)] + (["-db"] if binary == HAPROXY else [])
        self.proc = subprocess.Popen(args, stdout=self.out, stderr=subprocess.STDOUT)
        wait_until(lambda: is_listening(port) or self.proc.poll() is not None, what=name + " to listen")
        assert self.proc.poll() is None, (tmp_path / ("%s.out" % name)).read_text()

    def log_lines(self, n):
        """The next n log lines, without the syslog header."""
        lines = []
        for _ in range(n):
            lines.append(self.rx.recv(4096).decode().split("]: ", 1)[1].rstrip("\n"))
        return lines

    def stop(self):
        stop_process(self.proc)
        self.out.close()
        self.rx.close()


@pytest.fixture
def runs():
    """Stops the runs; a sanitizer build's report fails the test."""
    items = []
    yield items
    reports = []
    for r in items:
        r.stop()
        out = r.out_path.read_text(errors="replace")
        if "Sanitizer" in out or "runtime error:" in out:
            reports.append(out)
    assert not reports, reports


def both(tmp_path, runs, text, port, scenario):
    """scenario(run) on vigil-proxy, then on haproxy when installed: the
    two results, haproxy's None when it is missing."""
    (tmp_path / "v").mkdir()
    v = Run(tmp_path / "v", PROXY, text, port)
    runs.append(v)
    ours = scenario(v)
    v.stop()
    theirs = None
    if os.path.exists(HAPROXY):
        (tmp_path / "h").mkdir()
        h = Run(tmp_path / "h", HAPROXY, text, port)
        runs.append(h)
        theirs = scenario(h)
        h.stop()
    return ours, theirs


def exchange(port, data, timeout=5):
    """Send `data`, read until the proxy closes: the bytes, or 'reset',
    or 'silence' when nothing came within the timeout."""
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    except ConnectionResetError:
        return "reset"
    got = b""
    try:
        s.sendall(data)
        while True:
            d = s.recv(65536)
            if not d:
                break
            got += d
    except ConnectionResetError:
        return got or "reset"
    except socket.timeout:
        return got or "silence"
    finally:
        s.close()
    return got


def body(resp):
    return resp.split(b"\r\n\r\n", 1)[1] if isinstance(resp, bytes) and b"\r\n\r\n" in resp else resp


def undate(line):
    """A log line without what differs from run to run: the date and
    the client port of a local connection."""
    line = re.sub(r"\[\d\d/\w{3}/\d{4}:[\d:.]+\]", "[DATE]", line)
    return re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:P", line)


def v2(src, sport, dst, dport, cmd=0x21, fam=0x11, tlv=b""):
    """A PROXY protocol v2 header; `tlv` is appended to the addresses."""
    if fam == 0x21:
        addrs = socket.inet_pton(socket.AF_INET6, src) + socket.inet_pton(socket.AF_INET6, dst)
    else:
        addrs = socket.inet_aton(src) + socket.inet_aton(dst)
    payload = addrs + struct.pack("!HH", sport, dport) + tlv
    return b"\r\n\r\n\x00\r\nQUIT\n" + bytes([cmd, fam]) + struct.pack("!H", len(payload)) + payload


def crc32c(data):
    crc = 0xffffffff
    for x in data:
        crc ^= x
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82f63b78 & -(crc & 1))
    return crc ^ 0xffffffff


def v2_crc(src, sport, dst, dport, good=True):
    """A v2 header with a CRC32C TLV, right or wrong."""
    h = bytearray(v2(src, sport, dst, dport, tlv=b"\x03\x00\x04\x00\x00\x00\x00"))
    crc = crc32c(bytes(h)) ^ (0 if good else 1)
    h[-4:] = struct.pack("!I", crc)
    return bytes(h)


REQ = b"GET /p HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"


# ---- accept-proxy ----

def accept_proxy_config(port, origin, bind_opts="accept-proxy", extra=""):
    return """
global
    log 127.0.0.1:LOGPORT local0
defaults
    mode http
    log global
{t}
frontend fe
    bind 127.0.0.1:{port} {bind_opts}
{extra}
    option forwardfor
    log-format "%ci:%cp %fi:%fp %[src] %[dst_port] %ST"
    default_backend be
backend be
    server s1 127.0.0.1:{o}
""".format(t=TIMEOUTS, port=port, o=origin, bind_opts=bind_opts, extra=extra)


HEADERS = [
    b"PROXY TCP4 192.0.2.7 198.51.100.1 4711 443\r\n",
    v2("203.0.113.9", 5555, "198.51.100.2", 8443),
    b"PROXY TCP6 2001:db8::1 2001:db8::2 1000 80\r\n",
    v2("2001:db8::5", 6000, "2001:db8::6", 443, fam=0x21),
    # TLVs after the addresses (ALPN "h2", authority) are skipped
    v2("192.0.2.9", 7000, "198.51.100.9", 80, tlv=b"\x01\x00\x02h2\x02\x00\x05a.com"),
    v2_crc("192.0.2.10", 7001, "198.51.100.10", 81),
]


@pytest.mark.parametrize("bind_opts,extra", [
    ("accept-proxy", ""),
    ("", "    tcp-request connection expect-proxy layer4 if { src 127.0.0.1 }"),
])
def test_proxy_header_addresses_become_the_clients(tmp_path, runs, bind_opts, extra):
    """v1 and v2 headers, IPv4 and IPv6: the server sees the header's
    source in X-Forwarded-For and the log line shows its addresses; the
    same through haproxy."""
    o = Origin("a")
    port = free_port()

    def scenario(run):
        seen = []
        for h in HEADERS:
            r = exchange(port, h + REQ)
            seen.append(json.loads(body(r))["headers"]["x-forwarded-for"])
        return seen, run.log_lines(len(HEADERS))
    try:
        ours, theirs = both(tmp_path, runs, accept_proxy_config(port, o.port, bind_opts, extra), port, scenario)
    finally:
        o.close()
    assert ours[0] == [["192.0.2.7"], ["203.0.113.9"], ["2001:db8::1"], ["2001:db8::5"], ["192.0.2.9"],
                       ["192.0.2.10"]]
    assert ours[1] == ["192.0.2.7:4711 198.51.100.1:443 192.0.2.7 443 200",
                       "203.0.113.9:5555 198.51.100.2:8443 203.0.113.9 8443 200",
                       "2001:db8::1:1000 2001:db8::2:80 2001:db8::1 80 200",
                       "2001:db8::5:6000 2001:db8::6:443 2001:db8::5 443 200",
                       "192.0.2.9:7000 198.51.100.9:80 192.0.2.9 80 200",
                       "192.0.2.10:7001 198.51.100.10:81 192.0.2.10 81 200"]
    if theirs:
        assert ours == theirs


def test_proxy_header_local_and_unknown_keep_the_connections_addresses(tmp_path, runs):
    o = Origin("a")
    port = free_port()

    def scenario(run):
        xff = []
        for h in (b"PROXY UNKNOWN\r\n", v2("1.1.1.1", 1, "2.2.2.2", 2, cmd=0x20)):
            xff.append(json.loads(body(exchange(port, h + REQ)))["headers"]["x-forwarded-for"])
        return xff
    try:
        ours, theirs = both(tmp_path, runs, accept_proxy_config(port, o.port), port, scenario)
    finally:
        o.close()
    assert ours == [["127.0.0.1"], ["127.0.0.1"]]
    if theirs:
        assert ours == theirs


BAD_HEADERS = [
    (REQ, "Received something which does not look like a PROXY protocol header"),
    (b"PROXY TCP5 1.2.3.4 5.6.7.8 1 2\r\n" + REQ, "Received an unhandled protocol in the PROXY protocol header"),
    (b"PROXY UNKNOWN extra\r\n" + REQ, "Received an unhandled protocol in the PROXY protocol header"),
    (b"PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n" + REQ, "Received an invalid PROXY protocol header"),
    (b"PROXY TCP4 1.2.3.4 5.6.7.8 1 x\r\n" + REQ, "Received an invalid PROXY protocol header"),
    (v2("1.1.1.1", 1, "2.2.2.2", 2, cmd=0x22) + REQ, "Received an invalid PROXY protocol header"),
    (v2("1.1.1.1", 1, "2.2.2.2", 2, tlv=b"\x01\x00\x09h2") + REQ, "Received an invalid PROXY protocol header"),
    (v2_crc("3.3.3.3", 3, "4.4.4.4", 4, good=False) + REQ, "Received an invalid PROXY protocol header"),
]


def test_malformed_or_missing_header_is_closed_counted_and_logged(tmp_path, runs):
    """A bad header gets no answer, no server connection, a request error
    in the statistics and HAProxy's log line naming the frontend and the
    listener (its number when it has no name)."""
    o = Origin("a")
    port = free_port()
    sock = tmp_path / "stats.sock"
    text = accept_proxy_config(port, o.port).replace(
        "log 127.0.0.1:LOGPORT local0", "log 127.0.0.1:LOGPORT local0\n    stats socket %s level admin" % sock)

    def scenario(run):
        answers = [exchange(port, data) for data, _ in BAD_HEADERS]
        lines = [undate(l) for l in run.log_lines(len(BAD_HEADERS))]
        ereq = None
        if run.proc.args[0] == PROXY:
            ereq = [r for r in stat_rows(sock) if r["svname"] == "FRONTEND"][0]["ereq"]
        return answers, lines, ereq, o.conns
    try:
        ours, theirs = both(tmp_path, runs, text, port, scenario)
    finally:
        o.close()
    assert all(a in (b"", "reset") for a in ours[0]), ours[0]
    # a v2 header whose TLVs are wrong has given its addresses already
    clients = ["127.0.0.1:P"] * (len(BAD_HEADERS) - 2) + ["1.1.1.1:1", "3.3.3.3:3"]
    assert ours[1] == ["%s [DATE] fe/1: %s" % (c, why) for c, (_, why) in zip(clients, BAD_HEADERS)]
    assert ours[2] == str(len(BAD_HEADERS))
    assert ours[3] == 0
    if theirs:
        assert (ours[1], ours[3]) == (theirs[1], theirs[3])


def test_header_timeout_is_timeout_client(tmp_path, runs):
    """A client that sends nothing is closed when `timeout client` ends,
    with HAProxy's line."""
    o = Origin("a")
    port = free_port()
    text = accept_proxy_config(port, o.port).replace("timeout client 10s", "timeout client 300ms")

    def scenario(run):
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        try:
            got = s.recv(100)
        except ConnectionResetError:
            got = b""
        s.close()
        return got, [undate(l) for l in run.log_lines(1)]
    try:
        ours, theirs = both(tmp_path, runs, text, port, scenario)
    finally:
        o.close()
    assert ours == (b"", ["127.0.0.1:P [DATE] fe/1: Timeout while waiting for PROXY protocol header"])
    if theirs:
        assert ours == theirs


def test_proxy_header_in_tcp_mode_is_the_tcplog_client(tmp_path, runs):
    """TCP mode: the header is taken out of the stream (the server gets
    the request alone) and a log-format line (HAProxy takes one in TCP
    mode) shows the header's addresses."""
    o = Origin("a")
    port = free_port()
    text = """
global
    log 127.0.0.1:LOGPORT local0
defaults
    mode tcp
    log global
    option tcplog
{t}
listen app
    bind 127.0.0.1:{port} accept-proxy
    log-format "%ci:%cp %fi:%fp %ft %b/%s %ts %ST %[src_port]"
    server s1 127.0.0.1:{o}
""".format(t=TIMEOUTS, port=port, o=o.port)

    def scenario(run):
        r = json.loads(body(exchange(port, HEADERS[0] + REQ)))
        return r["path"], r["headers"]["host"], run.log_lines(1)
    try:
        ours, theirs = both(tmp_path, runs, text, port, scenario)
    finally:
        o.close()
    assert ours == ("/p", ["x"], ["192.0.2.7:4711 198.51.100.1:443 app app/s1 -- 0 4711"])
    if theirs:
        assert ours == theirs


# ---- rate limiting ----

RATE_HTTP = """
global
    stats socket {sock} level admin
defaults
    mode http
{t}
frontend fe
    bind 127.0.0.1:{port}
    stick-table type ip size 100k expire 30s store conn_rate(10s),conn_cur,conn_cnt,http_req_rate(10s)
    tcp-request connection track-sc0 src
    tcp-request connection reject if {{ sc0_conn_rate gt 3 }}
    http-request return status 200 content-type text/plain lf-string "rate=%[sc0_conn_rate] cur=%[sc0_conn_cur] cnt=%[sc0_conn_cnt] r=%[sc_conn_rate(0)] s=%[src_conn_rate] sc=%[src_conn_cur] h=%[sc0_http_req_rate]"
"""


def test_connection_rate_limit_rejects_beyond_the_rate(tmp_path, runs):
    """The OpenStack / hardening-guide rule: the 4th connection within the
    period is reset; the counters the first three see, and those of a
    further request on the first connection, are haproxy's."""
    port = free_port()
    req = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"

    def scenario(run):
        seen, socks = [], []
        for _ in range(5):
            try:
                s = socket.create_connection(("127.0.0.1", port), timeout=5)
                s.sendall(req)
                d = s.recv(4096)
                seen.append(body(d).decode() if d else "closed")
                socks.append(s)
            except ConnectionResetError:
                seen.append("reset")
        # keep-alive: one more request on the first connection
        socks[0].sendall(req)
        seen.append(body(socks[0].recv(4096)).decode())
        # the runtime API's view of the table, while the 3 are open
        seen.append(re.sub(r"0x[0-9a-f]+: (.*) exp=\d+", r"PTR: \1 exp=E", cli(sock, "show table fe")))
        seen.append(cli(sock, "show table"))
        for s in socks:
            s.close()
        return seen
    sock = tmp_path / "stats.sock"
    ours, theirs = both(tmp_path, runs, RATE_HTTP.format(t=TIMEOUTS, port=port, sock=sock), port, scenario)
    assert ours[:3] == ["rate=%d cur=%d cnt=%d r=%d s=%d sc=%d h=%d" % ((i,) * 7) for i in (1, 2, 3)]
    assert ours[3:5] == ["reset", "reset"]
    # the rejected connections count in the rate, not in the current ones
    assert ours[5] == "rate=5 cur=3 cnt=5 r=5 s=5 sc=3 h=4"
    assert ours[6] == ("# table: fe, type: ip, size:102400, used:1\n"
                       "PTR: key=127.0.0.1 use=3 exp=E conn_cnt=5 conn_rate(10000)=5 conn_cur=3 "
                       "http_req_rate(10000)=4\n\n")
    assert ours[7] == "# table: fe, type: ip, size:102400, used:1\n\n"
    if theirs:
        assert ours == theirs


def test_clear_and_set_table_from_the_runtime_api(tmp_path, runs):
    """A client over the rate is let in again with `clear table`, and
    pushed over it with `set table`; bad commands change nothing and say
    what haproxy says."""
    port = free_port()
    req = b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    bad = ["clear table nosuch", "clear table fe bogus", "clear table fe data.nosuch gt 1",
           "clear table fe key 1.2.3", "set table fe", "set table fe key",
           "set table fe key 127.0.0.1 data.nosuch 1", "set table fe key 127.0.0.1 data.gpc0 1",
           "set table fe key 127.0.0.1 data.conn_cnt x", "set table fe key 127.0.0.1 conn_cnt 1",
           "set table fe key 1.2.3 data.conn_cnt 1"]

    def one():
        d = exchange(port, req)
        return body(d).decode() if isinstance(d, bytes) else d

    def table():
        return re.sub(r"0x[0-9a-f]+: (.*) exp=\d+", r"PTR: \1 exp=E", cli(sock, "show table fe"))

    def idle():
        for _ in range(100):    # the proxy has seen every close: no entry in use
            if "use=0" in table() or "used:0" in table():
                return
            time.sleep(0.02)

    def scenario(run):
        seen = []
        for _ in range(5):                        # the 4th and 5th are refused
            seen.append(one())
            # haproxy may still count a connection whose end the client
            # has read (vigil-proxy does not: see the test below)
            idle()
        seen.append(table())
        seen.append(cli(sock, "clear table fe data.conn_cnt gt 100"))
        seen.append(table())                      # nothing matched
        seen.append(cli(sock, "clear table fe key 127.0.0.1"))
        seen.append(table())
        seen.append(one())                        # let in again
        idle()
        seen.append(cli(sock, "set table fe key 127.0.0.1 data.conn_rate 10 data.conn_cnt 42"))
        seen.append(table())
        seen.append(one())                        # over the rate again
        idle()
        seen.append(cli(sock, "clear table fe"))
        seen.append(table())
        if run.proc.args[0] == PROXY:
            seen += [cli(sock, c) for c in bad]
            seen.append(table())                  # the bad commands changed nothing
        return seen
    sock = tmp_path / "stats.sock"
    ours, theirs = both(tmp_path, runs, RATE_HTTP.format(t=TIMEOUTS, port=port, sock=sock), port, scenario)
    entry = "# table: fe, type: ip, size:102400, used:1\nPTR: key=127.0.0.1 use=0 exp=E conn_cnt=5 " \
            "conn_rate(10000)=5 conn_cur=0 http_req_rate(10000)=3\n\n"
    empty = "# table: fe, type: ip, size:102400, used:0\n\n"
    assert ours[:5] == ["rate=%d cur=1 cnt=%d r=%d s=%d sc=1 h=%d" % ((i,) * 5) for i in (1, 2, 3)] + \
        ["reset", "reset"]
    assert ours[5:16] == [entry, "\n", entry, "\n", empty,
                          "rate=1 cur=1 cnt=1 r=1 s=1 sc=1 h=1", "\n",
                          "# table: fe, type: ip, size:102400, used:1\nPTR: key=127.0.0.1 use=0 exp=E "
                          "conn_cnt=42 conn_rate(10000)=10 conn_cur=0 http_req_rate(10000)=1\n\n",
                          "reset", "\n", empty]
    usage = "Required arguments: <table> key <key> [data.<store_data_type> <value>]*\n\n"
    assert ours[16:] == ["No such table\n\n", "Required arguments: <table> \"data.<store_data_type>\" "
                         "<operator> <value> or <table> key <key>\n\n",
                         "Filter entry #1: Unknown data type\n\n", "Invalid IPv4 address\n\n",
                         usage, "Key value expected\n\n", "Unknown data type\n\n",
                         "Data type not stored in this table\n\n",
                         "Require a valid integer value to store\n\n",
                         "\"data.<type>\" followed by a value expected\n\n", "Invalid IPv4 address\n\n",
                         empty]
    if theirs:
        assert ours[:16] == theirs


def test_a_client_reconnecting_at_once_is_not_counted_twice(tmp_path, runs):
    """A client that opens its next connection as soon as it has read the
    end of the last one finds that one counted out already (conn_cur 1),
    whichever thread served it: the proxy releases a connection before
    the close the client sees."""
    port = free_port()
    text = """
global
    nbthread 2
defaults
    mode http
{t}
frontend fe
    bind 127.0.0.1:{port}
    stick-table type ip size 1k expire 30s store conn_cur
    tcp-request connection track-sc0 src
    http-request return status 200 content-type text/plain lf-string "cur=%[sc0_conn_cur]"
""".format(t=TIMEOUTS, port=port)
    runs.append(Run(tmp_path, PROXY, text, port))
    req = b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    seen = [body(exchange(port, req)) for _ in range(200)]
    assert seen == [b"cur=1"] * 200


def test_connection_silent_drop_beyond_the_rate(tmp_path, runs):
    """tcp-request connection silent-drop: beyond the rate the client
    hears nothing at all (no answer, no reset) until its own timeout."""
    port = free_port()
    text = """
defaults
    mode http
{t}
frontend fe
    bind 127.0.0.1:{port}
    stick-table type ip size 100k expire 30s store conn_rate(10s)
    tcp-request connection track-sc0 src
    tcp-request connection silent-drop if {{ sc0_conn_rate gt 2 }}
    http-request return status 200 content-type text/plain string ok
""".format(t=TIMEOUTS, port=port)

    def scenario(run):
        seen = []
        for _ in range(4):
            s = socket.create_connection(("127.0.0.1", port), timeout=0.5)
            first = then = None
            try:
                # nothing sent yet: a rejected connection would see its
                # reset or FIN here, a dropped one sees nothing
                first = s.recv(100) or "closed"
            except socket.timeout:
                first = "silence"
            except ConnectionResetError:
                first = "reset"
            s.settimeout(5)
            try:
                # a dropped connection's socket is gone: the request gets
                # the kernel's reset; an accepted one its answer
                s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
                then = body(s.recv(4096)) or "closed"
            except ConnectionResetError:
                then = "reset"
            s.close()
            seen.append((first, then))
        return seen
    ours, theirs = both(tmp_path, runs, text, port, scenario)
    assert ours == [("silence", b"ok")] * 2 + [("silence", "reset")] * 2
    if theirs:
        assert ours == theirs


def test_tcp_mode_content_rule_limits_concurrent_connections(tmp_path, runs, procs):
    """tcp-request content track-sc1 + reject on sc1_conn_cur: the third
    concurrent connection is closed without reaching the server; once
    one closes, a new one goes through."""
    o = Origin("a")
    port = free_port()
    sock = tmp_path / "stats.sock"
    text = """
global
    stats socket {sock} level admin
defaults
    mode tcp
{t}
frontend fe
    bind 127.0.0.1:{port}
    stick-table type ip size 100k expire 30s store conn_cur
    tcp-request content track-sc1 src
    tcp-request content reject if {{ sc1_conn_cur gt 2 }}
    default_backend be
backend be
    server s1 127.0.0.1:{o}
""".format(t=TIMEOUTS, port=port, o=o.port, sock=sock)
    p = Proxy(tmp_path, text, wait_port=port)
    procs.append(p)
    try:
        held = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(2)]
        for s in held:     # both reached the server
            s.sendall(b"GET /h HTTP/1.1\r\nHost: x\r\n\r\n")
            assert b'"path": "/h"' in s.recv(4096)
        third = exchange(port, REQ)
        assert third in (b"", "reset")
        held.pop().close()
        wait_until(lambda: json.loads(body(exchange(port, REQ)) or b"{}").get("path") == "/p",
                   what="a connection once one closed")
        for s in held:
            s.close()
        fe = [r for r in stat_rows(sock) if r["pxname"] == "fe" and r["svname"] == "FRONTEND"][0]
        assert int(fe["dreq"]) >= 1
    finally:
        o.close()


# ---- http-request reject / silent-drop / replace-path / replace-uri / captures ----

ACTIONS = """
global
    log 127.0.0.1:LOGPORT local0
defaults
    mode http
    log global
{t}
frontend fe
    bind 127.0.0.1:{port}
    capture request header Host len 20
    http-request capture req.hdr(user-agent) len 8
    declare capture response len 10
    http-response capture res.hdr(content-type) id 0
    http-request reject if {{ path /rej }}
    http-request silent-drop if {{ path /drop }}
    http-request replace-path /old/(.*) /new/\\1
    http-request replace-uri ^/u/(.*) /v/\\1?x=1
    log-format "%ci %HM %HU %HP %HQ %ST %tsc %hr %hs [%[capture.req.hdr(0)]] [%[capture.req.hdr(1)]] [%[capture.res.hdr(0)]]"
    default_backend be
backend be
    server s1 127.0.0.1:{o}
"""


def test_reject_silent_drop_rewrites_and_captures(tmp_path, runs):
    """reject closes without an answer, silent-drop says nothing at all
    (the client hears nothing before its own timeout), replace-path and
    replace-uri change what the server receives, and captures fill %hr,
    %hs and capture.req/res.hdr(N): the same answers and log lines as
    haproxy 2.6."""
    o = Origin("a")
    port = free_port()
    reqs = [b"GET /rej HTTP/1.1\r\nHost: h1\r\nUser-Agent: abcdefghijkl\r\n\r\n",
            b"GET /drop HTTP/1.1\r\nHost: h2\r\n\r\n",
            b"GET /old/a/b?q=2 HTTP/1.1\r\nHost: h3\r\nUser-Agent: ua\r\nConnection: close\r\n\r\n",
            b"GET http://ex.com/old/z HTTP/1.1\r\nHost: ex.com\r\nConnection: close\r\n\r\n",
            b"GET /u/k?y=5 HTTP/1.1\r\nHost: h4\r\nConnection: close\r\n\r\n"]

    def scenario(run):
        answers = []
        for rq in reqs:
            r = exchange(port, rq, timeout=1.5)
            answers.append(json.loads(body(r))["path"] if isinstance(r, bytes) and b"{" in r else r)
        return answers, run.log_lines(len(reqs))
    try:
        ours, theirs = both(tmp_path, runs, ACTIONS.format(t=TIMEOUTS, port=port, o=o.port), port, scenario)
    finally:
        o.close()
    assert ours[0] == [b"", "silence", "/new/a/b?q=2", "http://ex.com/new/z", "/v/k?y=5?x=1"]
    # the order of the lines of the two connections closed at once may vary
    assert sorted(ours[1]) == sorted([
        "127.0.0.1 GET /rej /rej  -1 PR-- {h1|abcdefgh} {} [h1] [abcdefgh] [-]",
        "127.0.0.1 GET /drop /drop  -1 PR-- {h2|} {} [h2] [-] [-]",
        "127.0.0.1 GET /old/a/b?q=2 /old/a/b ?q=2 200 ---- {h3|ua} {applicatio} [h3] [ua] [applicatio]",
        "127.0.0.1 GET http://ex.com/old/z http://ex.com/old/z  200 ---- {ex.com|} {applicatio} [ex.com] [-] [applicatio]",
        "127.0.0.1 GET /u/k?y=5 /u/k ?y=5 200 ---- {h4|} {applicatio} [h4] [-] [applicatio]"])
    if theirs:
        assert (ours[0], sorted(ours[1])) == (theirs[0], sorted(theirs[1]))


# ---- configuration errors, worded as haproxy's ----

ERRORS = [
    ("tcp-request connection track-sc3 src",
     "parsing [F:9] : 'tcp-request connection track-sc3' : 3 track-sc number exceeding 2 (MAX_SESS_STKCTR-1) value"),
    ("tcp-request connection track-sc0",
     "parsing [F:9] : 'tcp-request connection track-sc0' : missing fetch method"),
    ("tcp-request connection track-sc0 src table nope",
     "Proxy 'fe': unable to find table 'nope' referenced by track-sc0."),
    ("tcp-request connection track-sc0 src foo",
     "parsing [F:9] : 'tcp-request connection track-sc0' only accepts 'if' or 'unless', in frontend 'fe' (got 'foo')"),
    ("tcp-request content expect-proxy layer4",
     "parsing [F:9] : 'expect-proxy layer4' is not allowed in 'tcp-request content' rules in frontend 'fe'"),
    ("tcp-request connection expect-proxy layer7",
     "parsing [F:9] : 'tcp-request connection expect-proxy' only supports 'layer4' in frontend 'fe' (got 'layer7')"),
    ("http-request capture req.hdr(host)",
     "parsing [F:9] : error detected in frontend 'fe' while parsing 'http-request capture' rule : expects <expression> [ 'len' <length> | id <idx> ]."),
    ("http-request capture req.hdr(host) id 3",
     "Proxy 'fe': unable to find capture id '3' referenced by http-request capture rule."),
    ("http-response capture res.hdr(server) len 5",
     "parsing [F:9] : error detected in frontend 'fe' while parsing 'http-response capture' rule : expects 'id', found 'len'."),
    ("http-request replace-path /a",
     "parsing [F:9] : error detected in frontend 'fe' while parsing 'http-request replace-path' rule : expects exactly 2 arguments <match-regex> and <replace-format>."),
    ("declare capture foo len 3",
     "parsing [F:9] : 'declare capture' requires a direction ('request' or 'response')"),
]


def test_log_format_in_tcp_mode_refuses_http_variables(tmp_path):
    cfg = tmp_path / "t.cfg"
    cfg.write_text("""global
    log 127.0.0.1:514 local0
defaults
    mode tcp
    log global
    timeout client 1s
    timeout server 1s
    timeout connect 1s
listen app
    bind 127.0.0.1:{p}
    log-format "%ci %[src] %HM"
    server s 127.0.0.1:1
""".format(p=free_port()))
    want = "Parsing [%s:11]: failed to parse log-format : format variable 'HM' is reserved for HTTP mode." % cfg
    for binary in (PROXY, HAPROXY):
        if binary == HAPROXY and not os.path.exists(HAPROXY):
            continue
        r = subprocess.run([binary, "-c", "-f", str(cfg)], capture_output=True, text=True, timeout=20)
        assert r.returncode != 0 and want in r.stdout + r.stderr, (binary, r.stdout + r.stderr)


@pytest.mark.parametrize("line,message", ERRORS)
def test_configuration_errors_are_haproxys(tmp_path, line, message):
    cfg = tmp_path / "e.cfg"
    cfg.write_text("""defaults
    mode http
    timeout client 1s
    timeout server 1s
    timeout connect 1s
frontend fe
    bind 127.0.0.1:{p}
    stick-table type ip size 10 store conn_rate(10s)
    {line}
    default_backend be
backend be
    server s 127.0.0.1:1
""".format(p=free_port(), line=line))
    want = message.replace("[F:", "[%s:" % cfg)
    for binary in (PROXY, HAPROXY):
        if binary == HAPROXY and not os.path.exists(HAPROXY):
            continue
        r = subprocess.run([binary, "-c", "-f", str(cfg)], capture_output=True, text=True, timeout=20)
        assert r.returncode != 0, binary
        assert want in r.stdout + r.stderr, (binary, r.stdout + r.stderr)


# ---- hash-type consistent ----

@pytest.mark.parametrize("hash_type", ["consistent", "map-based"])
def test_consistent_hash_moves_only_the_clients_of_the_server_that_left(tmp_path, runs, procs, hash_type):
    """balance source over four servers, 60 clients (their addresses given
    by PROXY headers): with hash-type consistent, disabling s3 moves only
    s3's clients; with map-based, others move too. The same through
    haproxy (which picks other servers: its hash functions differ)."""
    servers = [Backend("s%d" % i) for i in range(4)]
    procs.extend(servers)
    port = free_port()
    sock = tmp_path / "stats.sock"
    text = """
global
    stats socket {sock} level admin
defaults
    mode tcp
{t}
listen app
    bind 127.0.0.1:{port} accept-proxy
    balance source
    hash-type {ht}
""".format(t=TIMEOUTS, port=port, sock=sock, ht=hash_type) + "".join(
        "    server s%d 127.0.0.1:%d\n" % (i, b.port) for i, b in enumerate(servers))
    clients = ["10.%d.%d.%d" % (i % 7, i * 37 % 251, i * 101 % 253 + 1) for i in range(60)]

    def who(src):
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            s.sendall(("PROXY TCP4 %s 10.255.0.1 40000 80\r\n" % src).encode())
            return s.makefile("rb").readline().decode().strip()

    def scenario(run):
        before = {c: who(c) for c in clients}
        with socket.socket(socket.AF_UNIX) as s:
            s.connect(str(sock))
            s.sendall(b"disable server app/s3\n")
            s.recv(4096)
        after = {c: who(c) for c in clients}
        return before, after
    ours, theirs = both(tmp_path, runs, text, port, scenario)
    for before, after in [ours] + ([theirs] if theirs else []):
        assert "s3" in before.values() and "s3" not in after.values()
        others_moved = [c for c in clients if before[c] != "s3" and after[c] != before[c]]
        if hash_type == "consistent":
            assert others_moved == []
        else:
            assert others_moved


def test_proxy_header_comes_before_the_tls_handshake(tmp_path, runs):
    """`bind ... ssl crt X accept-proxy`: the header in clear, then TLS;
    the server sees the header's source, as through haproxy."""
    (tmp_path / "pki").mkdir()
    make_ca(tmp_path / "pki")
    crt = make_cert(tmp_path / "pki", "srv", "a.example", sans=("DNS:a.example",))
    o = Origin("a")
    port = free_port()
    text = accept_proxy_config(port, o.port, "ssl crt %s accept-proxy" % crt)
    ctx = ssl.create_default_context(cafile=str(tmp_path / "pki" / "ca.pem"))

    def scenario(run):
        raw = socket.create_connection(("127.0.0.1", port), timeout=5)
        raw.sendall(b"PROXY TCP4 192.0.2.77 198.51.100.1 4711 443\r\n")
        s = ctx.wrap_socket(raw, server_hostname="a.example")
        s.sendall(REQ)
        got = b""
        while True:
            d = s.recv(65536)
            if not d:
                break
            got += d
        s.close()
        return json.loads(body(got))["headers"]["x-forwarded-for"], run.log_lines(1)
    try:
        ours, theirs = both(tmp_path, runs, text, port, scenario)
    finally:
        o.close()
    assert ours == (["192.0.2.77"], ["192.0.2.77:4711 198.51.100.1:443 192.0.2.77 443 200"])
    if theirs:
        assert ours == theirs


class Recorder:
    """A server that records the bytes of each connection (until a whole
    request head) and answers 200."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.conns = []
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            with c:
                c.settimeout(5)
                got = b""
                while b"\r\n\r\n" not in got:
                    d = c.recv(4096)
                    if not d:
                        break
                    got += d
                self.conns.append(got)
                c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")

    def close(self):
        self.sock.close()


@pytest.mark.parametrize("opt", ["send-proxy", "send-proxy-v2"])
def test_send_proxy_in_http_mode_starts_each_server_connection(tmp_path, runs, opt):
    """`server ... send-proxy[-v2]` in mode http: the server connection
    starts with the client's PROXY header (it was silently left out)."""
    port = free_port()
    rec = Recorder()
    text = """
defaults
    mode http
{t}
frontend fe
    bind 127.0.0.1:{port}
    default_backend be
backend be
    server s1 127.0.0.1:{o} {opt}
""".format(t=TIMEOUTS, port=port, o=rec.port, opt=opt)

    def scenario(run):
        del rec.conns[:]
        with socket.create_connection(("127.0.0.1", port), timeout=5) as c:
            cport = c.getsockname()[1]
            c.sendall(b"GET /a HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            out = b""
            while True:
                d = c.recv(4096)
                if not d:
                    break
                out += d
        # the PROXY header (the head after it is each proxy's own
        # rewrite); the client's port varies from run to run
        hdr = rec.conns[0].split(b"GET /a HTTP/1.1\r\n")[0]
        return out.split(b"\r\n")[0], hdr.replace(b" %d " % cport, b" CPORT ").replace(
            struct.pack("!H", cport), b"PP")
    try:
        ours, theirs = both(tmp_path, runs, text, port, scenario)
    finally:
        rec.close()
    assert ours[0] == b"HTTP/1.1 200 OK"
    if opt == "send-proxy":
        assert ours[1] == b"PROXY TCP4 127.0.0.1 127.0.0.1 CPORT %d\r\n" % port
    else:
        assert ours[1] == v2("127.0.0.1", 0, "127.0.0.1", port)[:24] + b"PP" + struct.pack("!H", port)
    if theirs:
        assert ours == theirs


def test_session_rules_see_the_proxy_header_connection_rules_do_not(tmp_path, runs):
    """Behind a load balancer: `tcp-request connection` rules see the
    balancer's address (HAProxy's one exception to the PROXY addresses),
    `tcp-request session` rules the client's, so per-client rate limiting
    goes there; a session reject counts in dses."""
    port = free_port()
    sock = tmp_path / "stats.sock"
    text = """
global
    stats socket {sock} level admin
defaults
    mode http
{t}
frontend fe
    bind 127.0.0.1:{port} accept-proxy
    stick-table type ip size 100k expire 30s store conn_rate(10s)
    tcp-request connection reject if {{ src 192.0.2.0/24 }}
    tcp-request session track-sc0 src
    tcp-request session reject if {{ sc0_conn_rate gt 2 }}
    http-request return status 200 content-type text/plain lf-string "%[src] %[sc0_conn_rate]"
""".format(t=TIMEOUTS, port=port, sock=sock)

    def scenario(run):
        seen = []
        for client in ["192.0.2.1"] * 3 + ["192.0.2.2"]:
            r = exchange(port, ("PROXY TCP4 %s 198.51.100.1 1000 80\r\n" % client).encode() + REQ)
            seen.append(body(r).decode() if isinstance(r, bytes) and r else r or "closed")
        fe = [x for x in stat_rows(sock) if x["svname"] == "FRONTEND"][0] if run.proc.args[0] == PROXY else None
        seen.append(fe and (fe["dcon"], fe["dses"]))
        return seen
    ours, theirs = both(tmp_path, runs, text, port, scenario)
    assert ours[:4] == ["192.0.2.1 1", "192.0.2.1 2", "reset", "192.0.2.2 1"]
    assert ours[4] == ("0", "1")
    if theirs:
        assert ours[:4] == theirs[:4]


def test_http_content_rules_run_for_every_request(tmp_path, runs):
    """In an HTTP frontend `tcp-request content` rules run per request, as
    haproxy runs them per stream: what they track is released with the
    request (conn_cur stays 1 over sequential keep-alive requests), and a
    reject closes even a connection that was accepted before."""
    port = free_port()
    text = """
defaults
    mode http
{t}
frontend fe
    bind 127.0.0.1:{port}
    stick-table type ip size 100k expire 30s store conn_cur,conn_cnt
    tcp-request content track-sc0 src
    tcp-request content reject if {{ sc0_conn_cnt gt 3 }}
    http-request return status 200 content-type text/plain lf-string "cur=%[sc0_conn_cur] cnt=%[sc0_conn_cnt]"
""".format(t=TIMEOUTS, port=port)
    req = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"

    def scenario(run):
        seen = []
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        for _ in range(4):
            try:
                s.sendall(req)
                seen.append(body(s.recv(4096)) or "closed")
            except ConnectionResetError:
                seen.append("reset")
        s.close()
        return seen
    ours, theirs = both(tmp_path, runs, text, port, scenario)
    assert ours[:3] == [b"cur=1 cnt=1", b"cur=1 cnt=2", b"cur=1 cnt=3"]
    assert ours[3] in ("closed", "reset")
    if theirs:
        assert ours == theirs


def test_a_header_split_over_two_segments_is_waited_for(tmp_path, procs):
    """A documented difference: haproxy 2.6 refuses a PROXY header that
    arrives in two parts ('Truncated PROXY protocol header received');
    vigil-proxy waits for the rest, within timeout client."""
    o = Origin("a")
    port = free_port()
    text = accept_proxy_config(port, o.port).replace("log 127.0.0.1:LOGPORT local0\n", "")
    procs.append(Proxy(tmp_path, text, wait_port=port))
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        first = b"PROXY TCP4 192.0.2.7 198."
        s.sendall(first)

        def queued():
            # the proxy only peeks at a header: its socket keeps the bytes
            out = subprocess.run(["ss", "-Htn", "state", "established", "( sport = :%d )" % port],
                                 capture_output=True, text=True).stdout.split()
            return out and out[0] == str(len(first))
        wait_until(queued, what="the first part at the proxy")
        s.sendall(b"51.100.1 4711 443\r\n" + REQ)
        got = b""
        while True:
            d = s.recv(65536)
            if not d:
                break
            got += d
        s.close()
        assert json.loads(body(got))["headers"]["x-forwarded-for"] == ["192.0.2.7"]
    finally:
        o.close()


@pytest.mark.parametrize("mode", ["tcp", "http"])
def test_backend_content_rules_apply_once_it_is_chosen(tmp_path, runs, mode):
    """A backend's own tcp-request content rules: its tracked counter and
    its reject apply to the connections (TCP) or requests (HTTP) the
    frontend sends it; the server never sees a rejected one."""
    o = Origin("a")
    port = free_port()
    text = """
defaults
    mode {mode}
{t}
frontend fe
    bind 127.0.0.1:{port}
    default_backend be
backend be
    stick-table type ip size 10 expire 30s store conn_cnt
    tcp-request content track-sc2 src
    tcp-request content reject if {{ sc2_conn_cnt gt 2 }}
    server s1 127.0.0.1:{o}
""".format(mode=mode, t=TIMEOUTS, port=port, o=o.port)

    def scenario(run):
        before = o.conns
        seen = []
        for _ in range(3):
            r = exchange(port, REQ)
            seen.append(json.loads(body(r))["path"] if isinstance(r, bytes) and b"{" in r else "refused")
        return seen, o.conns - before
    try:
        ours, theirs = both(tmp_path, runs, text, port, scenario)
    finally:
        o.close()
    assert ours == (["/p", "/p", "refused"], 2)
    if theirs:
        assert ours == theirs


class ConnRecorder:
    """A keep-alive server that notes, for each request, the number of the
    TCP connection it came on and whether that connection began with a
    PROXY header. GET /ntlm is answered 401 with an NTLM challenge."""

    def __init__(self, name):
        self.name = name.encode()
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.seen = []          # (conn number, path, began with PROXY)
        self.nconn = 0
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            self.nconn += 1
            threading.Thread(target=self.handle, args=(c, self.nconn), daemon=True).start()

    def handle(self, c, n):
        buf = b""
        proxied = None
        with c:
            c.settimeout(10)
            while True:
                while b"\r\n\r\n" not in buf:
                    try:
                        d = c.recv(4096)
                    except OSError:
                        return
                    if not d:
                        return
                    buf += d
                if proxied is None:
                    proxied = buf.startswith(b"PROXY ") or buf.startswith(b"\r\n\r\n\x00\r\nQUIT\n")
                    if proxied:
                        cut = buf.index(b"\r\n") + 2 if buf.startswith(b"PROXY ") else \
                            16 + struct.unpack("!H", buf[14:16])[0]
                        buf = buf[cut:]
                        continue
                head, buf = buf.split(b"\r\n\r\n", 1)
                path = head.split(b" ")[1].decode()
                self.seen.append((n, path, proxied))
                body = self.name + b" " + str(n).encode()
                if path == "/ntlm":
                    c.sendall(b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: NTLM\r\n"
                              b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
                else:
                    c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))

    def close(self):
        self.sock.close()


def keepalive_get(c, path):
    """One GET on the open client socket `c`: (status, body)."""
    c.sendall(b"GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % path.encode())
    got = b""
    while b"\r\n\r\n" not in got:
        got += c.recv(4096)
    head, rest = got.split(b"\r\n\r\n", 1)
    n = int(re.search(rb"(?i)content-length: *(\d+)", head).group(1))
    while len(rest) < n:
        rest += c.recv(4096)
    return int(head.split(b" ")[1]), rest.decode()


@pytest.mark.parametrize("server_opt,reuse", [("send-proxy", "safe"), ("send-proxy-v2", "safe"),
                                              ("", "never")])
def test_private_server_connections_stay_with_their_client(tmp_path, runs, server_opt, reuse):
    """A server connection that began with a PROXY header carries one
    client's address, and under `http-reuse never` none is shared: as in
    HAProxy, each client keeps its own between its requests (one PROXY
    header for all of them) and no other client gets it."""
    port = free_port()
    rec = ConnRecorder("s1")
    text = """
defaults
    mode http
{t}
frontend fe
    bind 127.0.0.1:{port}
    default_backend be
backend be
    http-reuse {reuse}
    server s1 127.0.0.1:{o} {opt}
""".format(t=TIMEOUTS, port=port, o=rec.port, opt=server_opt, reuse=reuse)

    def scenario(run):
        del rec.seen[:]
        a = socket.create_connection(("127.0.0.1", port), timeout=5)
        b = socket.create_connection(("127.0.0.1", port), timeout=5)
        try:
            got = [keepalive_get(a, "/a1"), keepalive_get(b, "/b1"),
                   keepalive_get(b, "/b2"), keepalive_get(a, "/a2")]
        finally:
            a.close()
            b.close()
        assert [st for st, _ in got] == [200] * 4
        conn = {path: n for n, path, _ in rec.seen}
        return (conn["/a1"] == conn["/a2"], conn["/b1"] == conn["/b2"], conn["/a1"] != conn["/b1"],
                sorted(set(p for _, _, p in rec.seen)))
    try:
        ours, theirs = both(tmp_path, runs, text, port, scenario)
    finally:
        rec.close()
    assert ours == (True, True, True, [bool(server_opt)])
    if theirs:
        assert ours == theirs


def test_ntlm_challenge_ties_the_connection_and_server_to_the_client(tmp_path, runs):
    """NTLM authenticates the TCP connection: after a 401 with an NTLM
    challenge, the client's next request goes to the same server over the
    same connection despite round robin, and another client never gets
    that connection, as in HAProxy."""
    port = free_port()
    r1, r2 = ConnRecorder("s1"), ConnRecorder("s2")
    text = """
defaults
    mode http
{t}
frontend fe
    bind 127.0.0.1:{port}
    default_backend be
backend be
    balance roundrobin
    http-reuse always
    server s1 127.0.0.1:{o1}
    server s2 127.0.0.1:{o2}
""".format(t=TIMEOUTS, port=port, o1=r1.port, o2=r2.port)

    def scenario(run):
        a = socket.create_connection(("127.0.0.1", port), timeout=5)
        b = socket.create_connection(("127.0.0.1", port), timeout=5)
        try:
            first = keepalive_get(a, "/ntlm")
            # four requests of another client, round robin over both
            others = [keepalive_get(b, "/b%d" % i)[1] for i in range(4)]
            again = [keepalive_get(a, "/a%d" % i) for i in range(3)]
        finally:
            a.close()
            b.close()
        return first, again, first[1] in others
    try:
        ours, theirs = both(tmp_path, runs, text, port, scenario)
    finally:
        r1.close()
        r2.close()
    first, again, shared = ours
    assert first[0] == 401
    assert again == [(200, first[1])] * 3, "same server and connection after the challenge"
    assert not shared
    if theirs:
        assert theirs[0][0] == 401 and theirs[1] == [(200, theirs[0][1])] * 3 and not theirs[2]


# ---- PROXY v2 TLVs towards servers ----

class HeaderRecorder:
    """A server that records the PROXY header each connection starts with
    (exactly its bytes: a v2 header's announced length, a v1 line to its
    CRLF), then answers an HTTP request 200, or, with `then_close`, closes
    (a TLS server connection: the handshake that follows is not ours)."""

    def __init__(self, then_close=False):
        self.then_close = then_close
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.headers = []
        threading.Thread(target=self.serve, daemon=True).start()

    def _read(self, c, n):
        got = b""
        while len(got) < n:
            d = c.recv(n - len(got))
            if not d:
                break
            got += d
        return got

    def serve(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            with c:
                c.settimeout(5)
                try:
                    hdr = self._read(c, 16)
                    if hdr.startswith(b"\r\n\r\n\x00\r\nQUIT\n") and len(hdr) == 16:
                        hdr += self._read(c, struct.unpack("!H", hdr[14:16])[0])
                    else:
                        while not hdr.endswith(b"\r\n") and len(hdr) < 108:
                            hdr += self._read(c, 1)
                    self.headers.append(hdr)
                    if self.then_close:
                        continue
                    got = b""
                    while b"\r\n\r\n" not in got:
                        d = c.recv(4096)
                        if not d:
                            break
                        got += d
                    c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
                except OSError:
                    pass

    def close(self):
        self.sock.close()


PP2_NAMES = {0x01: "alpn", 0x02: "authority", 0x03: "crc32c", 0x05: "unique-id", 0x20: "ssl",
             0x21: "version", 0x22: "cn", 0x23: "cipher", 0x24: "sig-alg", 0x25: "key-alg"}


def pp2_tlvs(hdr):
    """A v1 line as it is, or a v2 header's TLVs in their order: (name,
    value), the SSL one as ("ssl", client flags, verify, [sub-TLVs]), a
    CRC32C one as ("crc32c", "ok") when it matches the header."""
    if not hdr.startswith(b"\r\n\r\n\x00\r\nQUIT\n"):
        return hdr
    assert len(hdr) == 16 + struct.unpack("!H", hdr[14:16])[0]
    fixed = {0x11: 12, 0x21: 36}.get(hdr[13], 0)

    def walk(b, start):
        out, off = [], 0
        while off < len(b):
            t, n = b[off], struct.unpack("!H", b[off + 1:off + 3])[0]
            v = b[off + 3:off + 3 + n]
            assert len(v) == n, "TLV past the header's end"
            name = PP2_NAMES.get(t, hex(t))
            if t == 0x20:
                out.append((name, v[0], struct.unpack("!I", v[1:5])[0], walk(v[5:], None)))
            elif t == 0x03:
                at = start + off + 3
                zeroed = hdr[:at] + b"\0\0\0\0" + hdr[at + 4:]
                out.append((name, "ok" if crc32c(zeroed) == struct.unpack("!I", v)[0] else "bad"))
            else:
                out.append((name, v))
            off += 3 + n
        return out
    return walk(hdr[16 + fixed:], 16 + fixed)


def pp2_config(port, plain_port, server_port, server_opts, mode="http", crt="", ca=""):
    """A TLS bind (client certificates optional, ALPN http/1.1) and a plain
    one, to one server with `server_opts`."""
    return """
defaults
    mode {mode}
{t}
frontend fe
    bind 127.0.0.1:{port} ssl crt {crt} ca-file {ca} verify optional alpn http/1.1
    bind 127.0.0.1:{plain}
    default_backend be
backend be
    server s1 127.0.0.1:{o} {opts}
""".format(mode=mode, t=TIMEOUTS, port=port, plain=plain_port, crt=crt, ca=ca, o=server_port,
           opts=server_opts)


def pp2_client(port, pki, cert, alpn=("http/1.1",)):
    """A TLS client of a.example, with the client certificate or not;
    None: a plain TCP client."""
    raw = socket.create_connection(("127.0.0.1", port), timeout=5)
    if pki is None:
        return raw
    ctx = ssl.create_default_context(cafile=str(pki / "ca.pem"))
    ctx.set_alpn_protocols(list(alpn))
    if cert:
        ctx.load_cert_chain(str(pki / "client1.pem"))
    return ctx.wrap_socket(raw, server_hostname="a.example")


def pp2_pki(tmp_path):
    pki = tmp_path / "pki"
    pki.mkdir()
    make_ca(pki)
    crt = make_cert(pki, "srv", "a.example", sans=("DNS:a.example",))
    make_cert(pki, "client1", "client1", client=True)
    return pki, crt


def pp2_exchange(port, pki, cert):
    """One request through the proxy; the response's status line."""
    c = pp2_client(port, pki, cert)
    try:
        c.sendall(b"GET / HTTP/1.1\r\nHost: a.example\r\nConnection: close\r\n\r\n")
        got = recv_all(c)
    finally:
        c.close()
    return got.split(b"\r\n")[0]


# TLS client with a certificate, TLS client without, plain client
V13 = ("version", b"TLSv1.3")
PP2_CASES = [
    ("send-proxy-v2", [
        [("alpn", b"http/1.1")],
        [("alpn", b"http/1.1")],
        []]),
    ("send-proxy-v2-ssl", [
        [("alpn", b"http/1.1"), ("ssl", 0x07, 0, [V13])],
        [("alpn", b"http/1.1"), ("ssl", 0x01, 0, [V13])],
        [("ssl", 0, 0, [])]]),
    ("send-proxy-v2-ssl-cn", [
        [("alpn", b"http/1.1"), ("ssl", 0x07, 0, [V13, ("cn", b"client1")])],
        [("alpn", b"http/1.1"), ("ssl", 0x01, 0, [V13])],
        [("ssl", 0, 0, [])]]),
    # every option; the key and signature algorithms are those of the
    # proxy's own certificate (EC P-256, signed ecdsa-with-SHA256)
    ("send-proxy-v2 proxy-v2-options crc32c,authority,ssl-cipher,cert-sig,cert-key,cert-cn", [
        [("crc32c", "ok"), ("alpn", b"http/1.1"), ("authority", b"a.example"),
         ("ssl", 0x07, 0, [V13, ("cn", b"client1"), ("key-alg", b"EC256"),
                           ("sig-alg", b"ecdsa-with-SHA256"), ("cipher", b"TLS_AES_256_GCM_SHA384")])],
        [("crc32c", "ok"), ("alpn", b"http/1.1"), ("authority", b"a.example"),
         ("ssl", 0x01, 0, [V13, ("key-alg", b"EC256"), ("sig-alg", b"ecdsa-with-SHA256"),
                           ("cipher", b"TLS_AES_256_GCM_SHA384")])],
        [("crc32c", "ok"), ("ssl", 0, 0, [])]]),
    # options alone: HAProxy sends a v1 line, which has no room for them
    ("proxy-v2-options ssl,crc32c", ["v1", "v1", "v1"]),
]


@pytest.mark.parametrize("server_opts,want", PP2_CASES)
def test_proxy_v2_tlvs_describe_the_clients_tls_connection(tmp_path, runs, server_opts, want):
    """send-proxy-v2-ssl[-cn] and proxy-v2-options: the server's PROXY
    header carries the client connection's TLS facts as TLVs, for a TLS
    client with and without a certificate and for a plain one; the same
    TLVs in the same order as haproxy's."""
    pki, crt = pp2_pki(tmp_path)
    port, plain = free_port(), free_port()
    rec = HeaderRecorder()
    text = pp2_config(port, plain, rec.port, server_opts, crt=crt, ca=pki / "ca.pem")

    def scenario(run):
        got = []
        for p, tls, cert in [(port, pki, True), (port, pki, False), (plain, None, False)]:
            del rec.headers[:]
            assert pp2_exchange(p, tls, cert) == b"HTTP/1.1 200 OK"
            got.append(pp2_tlvs(rec.headers[0]))
        return got
    try:
        ours, theirs = both(tmp_path, runs, text, port, scenario)
    finally:
        rec.close()
    if want[0] == "v1":
        assert all(h.startswith(b"PROXY TCP4 127.0.0.1 127.0.0.1 ") for h in ours)
    else:
        assert ours == want
    if theirs:
        assert [h[:30] if want[0] == "v1" else h for h in ours] == \
            [h[:30] if want[0] == "v1" else h for h in theirs]


def test_proxy_v2_tlvs_go_before_a_tls_server_handshake(tmp_path, runs):
    """mode tcp, to a TLS server: the header with its TLVs goes in clear
    before the server handshake (the TLS layer builds it), from the
    client connection's TLS state, as haproxy's."""
    pki, crt = pp2_pki(tmp_path)
    port, plain = free_port(), free_port()
    rec = HeaderRecorder(then_close=True)
    text = pp2_config(port, plain, rec.port, "ssl verify none send-proxy-v2-ssl-cn proxy-v2-options crc32c",
                      mode="tcp", crt=crt, ca=pki / "ca.pem")

    def scenario(run):
        del rec.headers[:]
        c = pp2_client(port, pki, True)
        try:
            c.sendall(b"hello")
            wait_until(lambda: rec.headers, what="the server connection")
        finally:
            c.close()
        return pp2_tlvs(rec.headers[0])
    try:
        ours, theirs = both(tmp_path, runs, text, port, scenario)
    finally:
        rec.close()
    assert ours == [("crc32c", "ok"), ("alpn", b"http/1.1"),
                    ("ssl", 0x07, 0, [V13, ("cn", b"client1")])]
    if theirs:
        assert ours == theirs


def test_proxy_v2_tlvs_of_a_resumed_tls_session(tmp_path, runs):
    """A client resuming its TLS session presented its certificate in the
    session, not on this connection: PP2_CLIENT_CERT_SESS without
    PP2_CLIENT_CERT_CONN, and the certificate's CN still sent."""
    pki, crt = pp2_pki(tmp_path)
    port, plain = free_port(), free_port()
    rec = HeaderRecorder()
    text = pp2_config(port, plain, rec.port, "send-proxy-v2-ssl-cn", crt=crt, ca=pki / "ca.pem")
    ctx = ssl.create_default_context(cafile=str(pki / "ca.pem"))
    ctx.load_cert_chain(str(pki / "client1.pem"))

    def get(session):
        raw = socket.create_connection(("127.0.0.1", port), timeout=5)
        c = ctx.wrap_socket(raw, server_hostname="a.example", session=session)
        try:
            c.sendall(b"GET / HTTP/1.1\r\nHost: a.example\r\nConnection: close\r\n\r\n")
            while c.recv(4096):
                pass
            return c.session, c.session_reused
        finally:
            c.close()

    def scenario(run):
        del rec.headers[:]
        session, _ = get(None)
        _, reused = get(session)
        return reused, [pp2_tlvs(h) for h in rec.headers]
    try:
        ours, theirs = both(tmp_path, runs, text, port, scenario)
    finally:
        rec.close()
    assert ours == (True, [[("ssl", 0x07, 0, [V13, ("cn", b"client1")])],
                           [("ssl", 0x05, 0, [V13, ("cn", b"client1")])]])
    if theirs:
        assert ours == theirs


@pytest.mark.parametrize("options,message", [
    ("ssl,cert-cnn", "'cert-cnn' : proxy v2 option not implemented."),
    ("ssl,", "'' : proxy v2 option not implemented."),
    ("alpn", "'alpn' : proxy v2 option not implemented."),
])
def test_proxy_v2_options_bad_word_is_refused_with_file_and_line(tmp_path, options, message):
    cfg = tmp_path / "e.cfg"
    cfg.write_text("""defaults
    mode http
    timeout client 1s
    timeout server 1s
    timeout connect 1s
backend be
    server s1 127.0.0.1:1 send-proxy-v2 proxy-v2-options {o}
""".format(o=options))
    want = "[%s:7] : 'server be/s1' : %s" % (cfg, message)
    for binary in (PROXY, HAPROXY):
        if binary == HAPROXY and not os.path.exists(HAPROXY):
            continue
        r = subprocess.run([binary, "-c", "-f", str(cfg)], capture_output=True, text=True, timeout=20)
        assert r.returncode != 0, binary
        assert want in r.stdout + r.stderr, (binary, r.stdout + r.stderr)


def test_a_client_keeps_a_private_connection_per_server(tmp_path, runs):
    """Under `http-reuse never` with round robin over two servers, a
    client's requests alternate between them and each goes over that
    client's own connection to its server (HAProxy keeps up to the
    frontend's max-session-srv-conns, 5 by default); at the limit the
    connections kept stay and a new one is closed after its request."""
    port = free_port()
    r1, r2 = ConnRecorder("s1"), ConnRecorder("s2")
    conf = """
defaults
    mode http
{t}
frontend fe
    bind 127.0.0.1:{port}
    max-session-srv-conns {m}
    default_backend be
backend be
    balance roundrobin
    http-reuse never
    server s1 127.0.0.1:{o1}
    server s2 127.0.0.1:{o2}
"""

    def scenario(run):
        c = socket.create_connection(("127.0.0.1", port), timeout=5)
        try:
            got = [keepalive_get(c, "/%d" % i) for i in range(6)]
        finally:
            c.close()
        # the server's name, and whether its connection is the one it had before
        names = [b.split()[0] for _, b in got]
        seen = {}
        fresh = []
        for _, b in got:
            fresh.append(b not in seen.values() and seen.get(b.split()[0]) is not None)
            seen[b.split()[0]] = b
        return names, fresh
    try:
        for m, expect in ((5, [False] * 6), (1, [False, False, False, True, False, True])):
            (tmp_path / str(m)).mkdir()
            ours, theirs = both(tmp_path / str(m), runs,
                                conf.format(m=m, t=TIMEOUTS, port=port, o1=r1.port, o2=r2.port),
                                port, scenario)
            assert ours == (["s1", "s2"] * 3, expect), m
            if theirs:
                assert ours == theirs, m
    finally:
        r1.close()
        r2.close()

"""Every malformed or ambiguous request of the h1 parser's table, sent to a
running vigil-proxy: a 400 with HAProxy's page, and nothing reaches the
server (request smuggling and desync need the server to see something).
The same request also goes through Debian's haproxy with the same
configuration: Vigil must never forward a request HAProxy refuses (where
it is stricter than HAProxy 2.6 is listed in docs/http-strictness.md)."""
import json
import os
import socket
import subprocess

import pytest

from conftest import BUILD, Proxy, free_port
from httpd import Origin

BODY_400 = (b"<html><body><h1>400 Bad request</h1>\nYour browser sent an invalid request.\n"
            b"</body></html>\n")


def bad_requests():
    tool = os.path.join(BUILD, "tests", "test_h1")
    out = subprocess.run([tool, "--dump-bad-requests"], capture_output=True, check=True).stdout
    return [json.loads(l) for l in out.decode().splitlines() if l.strip()]


CASES = bad_requests()


CONFIG = """
defaults
    mode http
    timeout connect 2s
    timeout client 5s
    timeout server 5s
    timeout http-request 2s
listen app
    bind 127.0.0.1:%d
    server o 127.0.0.1:%d
"""


@pytest.fixture(scope="module")
def haproxy(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("haproxy")
    origin = Origin("h")
    port = free_port()
    cfg = tmp / "haproxy.cfg"
    cfg.write_text(CONFIG % (port, origin.port))
    proc = subprocess.Popen(["/usr/sbin/haproxy", "-db", "-f", str(cfg)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        from conftest import wait_until, can_connect
        wait_until(lambda: can_connect(port), what="haproxy")
        yield port, origin
    finally:
        proc.terminate()
        proc.wait(5)
        origin.close()


@pytest.fixture(scope="module")
def proxy(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("bad")
    origin = Origin("o")
    port = free_port()
    p = Proxy(tmp, """
defaults
    mode http
    timeout connect 2s
    timeout client 5s
    timeout server 5s
    timeout http-request 2s
listen app
    bind 127.0.0.1:%d
    server o 127.0.0.1:%d
""" % (port, origin.port), wait_port=port)
    yield port, origin
    p.stop()
    origin.close()


def exchange(port, data, timeout=5, half_close=False):
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        try:
            s.sendall(data)
            if half_close:
                s.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        out = b""
        while True:
            try:
                d = s.recv(65536)
            except (socket.timeout, ConnectionResetError):
                break
            if not d:
                break
            out += d
        return out


def test_table_is_large_enough():
    assert len(CASES) >= 40


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_bad_request_is_refused(proxy, haproxy, case):
    port, origin = proxy
    hport, horigin = haproxy
    data = case["request"].encode("latin-1")
    hbefore = len(horigin.requests)
    # (HAProxy waits for the rest of some of these; a short wait is enough
    # to see whether it forwarded them)
    exchange(hport, data, timeout=0.5)
    haproxy_forwarded = len(horigin.requests) > hbefore
    before = len(origin.requests)
    out = exchange(port, data)
    vigil_forwarded = len(origin.requests) > before
    # never forward what HAProxy refuses
    assert not (vigil_forwarded and not haproxy_forwarded)
    if case["part"] == "head":
        assert out.startswith(b"HTTP/1.1 400 Bad request\r\n"), out[:200]
        assert out.endswith(BODY_400)
        assert len(origin.requests) == before      # nothing was forwarded
    else:
        # the head was valid and went on; the body is cut where it breaks
        # the rules, so the server never receives a complete request
        assert not out.startswith(b"HTTP/1.1 200"), out[:200]
        assert len(origin.requests) == before

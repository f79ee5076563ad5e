"""vigil-proxy with TLS: termination, SNI, crt-list, ALPN, client
certificates, TLS to servers and in health checks, and errors. Every
certificate is made at test time by tlsutil.Certs."""
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import threading

import pytest

from conftest import BUILD, Backend, PROXY, Proxy, can_connect, cli, free_port, recv_all, stat_rows, wait_until
from httpd import Origin
from tlsutil import Certs, TlsOrigin, client_ctx, https_get, make_crl, peer_cn, tls_connect

HEAD = """
global
    stats socket {sock} mode 600 level admin
defaults
    mode http
    timeout connect 2s
    timeout client 10s
    timeout server 10s
"""


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    return Certs(tmp_path_factory.mktemp("certs"))


@pytest.fixture
def origins():
    items = []
    yield items
    for o in items:
        o.close()


def start(tmp_path, procs, body, wait=True, **kw):
    sock = tmp_path / "stats.sock"
    port, port2 = free_port(), free_port()
    text = HEAD.format(sock=sock) + body.format(port=port, port2=port2, **kw)
    p = Proxy(tmp_path, text, wait_port=port if wait else None)
    procs.append(p)
    return port, port2, sock, p


def plain_get(port, path="/"):
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(("GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" % path).encode())
        return recv_all(s)


def test_termination_ssl_fc_and_redirect(tmp_path, procs, origins, certs):
    o = Origin("o1")
    origins.append(o)
    port, port2, _, p = start(tmp_path, procs, """
frontend fe
    bind 127.0.0.1:{port} ssl crt {crt}
    bind 127.0.0.1:{port2}
    http-request redirect scheme https code 301 if !{{ ssl_fc }} {{ path_beg /secure }}
    http-request set-header X-Forwarded-Proto https if {{ ssl_fc }}
    http-request set-header X-Tls %[ssl_fc_protocol]
    default_backend be
backend be
    server s1 127.0.0.1:{o}
""", crt=certs.a, o=o.port)
    r, body, info = https_get(port, client_ctx(certs), "a.example")
    seen = json.loads(body)
    assert r.status == 200 and seen["server"] == "o1"
    assert seen["headers"]["x-forwarded-proto"] == ["https"]
    assert seen["headers"]["x-tls"] == [info["version"]]
    # the same frontend in clear: no header, and the redirect to https
    seen = json.loads(plain_get(port2).split(b"\r\n\r\n", 1)[1])
    assert "x-forwarded-proto" not in seen["headers"]
    out = plain_get(port2, "/secure/x")
    assert out.startswith(b"HTTP/1.1 301") and b"\r\nlocation: https://x/secure/x\r\n" in out.lower()
    # a large upload over TLS, then keep-alive: several requests on one
    # TLS connection
    s = tls_connect(port, client_ctx(certs), "a.example")
    body = bytes(range(256)) * 1500
    s.sendall(b"POST /up HTTP/1.1\r\nHost: a\r\nConnection: close\r\nContent-Length: %d\r\n\r\n"
              % len(body) + body)
    out = b""
    while True:
        d = s.recv(65536)
        if not d:
            break
        out += d
    s.close()
    assert json.loads(out.split(b"\r\n\r\n", 1)[1])["body_len"] == len(body)
    s = tls_connect(port, client_ctx(certs), "a.example")
    f = s.makefile("rb")
    for i in range(3):
        s.sendall(b"GET /k%d HTTP/1.1\r\nHost: a\r\n\r\n" % i)
        assert f.readline().startswith(b"HTTP/1.1 200")
        n = 0
        while True:
            line = f.readline()
            if line.lower().startswith(b"content-length:"):
                n = int(line.split(b":")[1])
            if line == b"\r\n":
                break
        assert json.loads(f.read(n))["path"] == "/k%d" % i
    s.close()


def test_sni_picks_among_certificates_of_a_directory(tmp_path, procs, origins, certs):
    o = Origin("o1")
    origins.append(o)
    d = tmp_path / "crts"
    d.mkdir()
    (d / "1-a.pem").write_bytes(certs.a.read_bytes())
    (d / "2-b.pem").write_bytes(certs.b.read_bytes())
    port, _, _, _ = start(tmp_path, procs, """
frontend fe
    bind 127.0.0.1:{port} ssl crt {d}
    http-request set-header X-Sni %[ssl_fc_sni]
    default_backend be
backend be
    server s1 127.0.0.1:{o}
""", d=d, o=o.port)
    ctx = client_ctx(certs)
    r, body, info = https_get(port, ctx, "b.example")
    assert info["cn"] == "b.example"
    assert json.loads(body)["headers"]["x-sni"] == ["b.example"]
    assert https_get(port, ctx, "a.example")[2]["cn"] == "a.example"
    assert https_get(port, ctx, "www.a.example")[2]["cn"] == "a.example"   # wildcard SAN
    # an unknown name gets the default certificate (the first one loaded)
    nv = ssl.create_default_context()
    nv.check_hostname = False
    nv.verify_mode = ssl.CERT_NONE
    s = tls_connect(port, nv, "unknown.test")
    der = s.getpeercert(binary_form=True)
    s.close()
    assert ssl.DER_cert_to_PEM_cert(der).split("-----END")[0] in certs.a.read_text().replace("\r", "")


def test_crt_list_filters_and_alpn_without_h2(tmp_path, procs, origins, certs):
    o = Origin("o1")
    origins.append(o)
    lst = tmp_path / "list.txt"
    lst.write_text("# certificates\n%s\n%s other.test *.other.test\n" % (certs.a, certs.b))
    port, _, _, p = start(tmp_path, procs, """
frontend fe
    bind 127.0.0.1:{port} ssl crt-list {lst} alpn h2,http/1.1
    http-request set-header X-Alpn %[ssl_fc_alpn]
    default_backend be
backend be
    server s1 127.0.0.1:{o}
""", lst=lst, o=o.port)
    assert "'h2' will not be negotiated" in p.output()
    ctx = client_ctx(certs, alpn=["h2", "http/1.1"])
    ctx.check_hostname = False   # b.example's certificate under another name
    r, body, info = https_get(port, ctx, "x.other.test")
    assert info["cn"] == "b.example"
    assert info["alpn"] == "http/1.1"
    assert json.loads(body)["headers"]["x-alpn"] == ["http/1.1"]
    # the filters replace the certificate's own names: b.example is not one
    assert https_get(port, ctx, "b.example")[2]["cn"] == "a.example"
    # a client that offers only h2 gets no ALPN at all, not h2
    ctx2 = client_ctx(certs, alpn=["h2"])
    s = tls_connect(port, ctx2, "a.example")
    assert s.selected_alpn_protocol() is None
    s.close()


def test_client_certificate_verify_required(tmp_path, procs, origins, certs):
    o = Origin("o1")
    origins.append(o)
    port, _, _, _ = start(tmp_path, procs, """
frontend fe
    bind 127.0.0.1:{port} ssl crt {crt} ca-file {ca} verify required
    http-request set-header X-Dn %[ssl_c_s_dn]
    http-request set-header X-Verify %[ssl_c_verify]
    http-request set-header X-Cn %[ssl_c_s_dn(cn)]
    http-request set-header X-Issuer-Cn %[ssl_c_i_dn(CN,1)]
    http-request set-header X-Has-Crt %[ssl_fc_has_crt]
    default_backend be
backend be
    server s1 127.0.0.1:{o}
""", crt=certs.a, ca=certs.ca, o=o.port)
    r, body, _ = https_get(port, client_ctx(certs, cert=certs.client), "a.example")
    seen = json.loads(body)["headers"]
    assert seen["x-dn"] == ["/C=FR/O=Vigil Tests/CN=client1"]
    assert seen["x-verify"] == ["0"]
    assert (seen["x-cn"], seen["x-issuer-cn"], seen["x-has-crt"]) == (["client1"], ["Vigil Test CA"], ["1"])
    # no certificate, or one from another CA: refused, nothing reaches the origin
    before = len(o.requests)
    for cert in (None, certs.rogue_client):
        with pytest.raises((ssl.SSLError, ConnectionError)):
            https_get(port, client_ctx(certs, cert=cert), "a.example")
    assert len(o.requests) == before


def test_tcp_mode_termination_and_garbage_clients(tmp_path, procs, certs):
    be = Backend("echo1")
    procs.append(be)
    rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rx.bind(("127.0.0.1", 0))
    rx.settimeout(5)
    tls_be = Backend("tls-echo")
    procs.append(tls_be)
    port, port2, _, p = start(tmp_path, procs, """
frontend fe
    mode tcp
    log 127.0.0.1:{lp} local0
    bind 127.0.0.1:{port} ssl crt {crt}
    bind 127.0.0.1:{port2}
    use_backend be_tls if {{ ssl_fc }} {{ ssl_fc_sni -m end .a.example }}
    default_backend be
backend be
    mode tcp
    server s1 127.0.0.1:{b}
backend be_tls
    mode tcp
    server s1 127.0.0.1:{tb}
""", crt=certs.a, b=be.port, tb=tls_be.port, lp=rx.getsockname()[1])
    # ssl_fc and ssl_fc_sni choose the backend in TCP mode too
    t = tls_connect(port, client_ctx(certs), "www.a.example")
    assert t.makefile("rb").readline() == b"tls-echo\n"
    t.close()
    with socket.create_connection(("127.0.0.1", port2), timeout=5) as c:
        assert c.makefile("rb").readline() == b"echo1\n"
    s = tls_connect(port, client_ctx(certs), "a.example")
    f = s.makefile("rb")
    assert f.readline() == b"echo1\n"
    s.sendall(b"x" * 100000)
    got = b""
    while len(got) < 100000:
        got += f.read1(65536)
    assert got == b"x" * 100000
    s.close()
    # garbage instead of a ClientHello: closed, logged, and the proxy goes on
    for junk in (b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", b"\x16\x03\x01\x00\x05hello", b"\x00" * 5000):
        with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
            raw.sendall(junk)
            try:
                while raw.recv(4096):
                    pass
            except ConnectionResetError:
                pass
    lines = []
    wait_until(lambda: lines.append(rx.recv(4096).decode()) or
               sum("SSL handshake failure" in l for l in lines) >= 3, what="handshake failures logged")
    rx.close()
    # the listener is named by its number in the frontend, as by haproxy
    assert any(" fe/1: SSL handshake failure (" in l for l in lines), lines
    assert p.proc.poll() is None
    s = tls_connect(port, client_ctx(certs), "a.example")
    assert s.makefile("rb").readline() == b"echo1\n"
    s.close()


def test_tls_to_servers(tmp_path, procs, origins, certs):
    t = TlsOrigin("tls1", certs.localhost)
    origins.append(t)
    port, port2, _, _ = start(tmp_path, procs, """
frontend fe
    bind 127.0.0.1:{port}
    use_backend good if {{ path_beg /good }}
    use_backend wrongca if {{ path_beg /wrongca }}
    default_backend noverify
backend noverify
    server s1 127.0.0.1:{t} ssl verify none
backend good
    server s1 127.0.0.1:{t} ssl verify required ca-file {ca} sni str(localhost)
backend wrongca
    server s1 127.0.0.1:{t} ssl verify required ca-file {other}
""", t=t.port, ca=certs.ca, other=certs.other_ca)
    for path in ("/plain", "/good"):
        out = plain_get(port, path)
        assert out.startswith(b"HTTP/1.1 200"), out
        assert json.loads(out.split(b"\r\n\r\n", 1)[1])["server"] == "tls1"
    assert plain_get(port, "/wrongca").startswith(b"HTTP/1.1 503")
    # a large body, written to the TLS server as head + body records
    with socket.create_connection(("127.0.0.1", port), timeout=5) as c:
        body = bytes(range(256)) * 1200
        c.sendall(b"POST /good/big HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                  b"Content-Length: %d\r\n\r\n" % len(body) + body)
        out = b""
        while True:
            d = c.recv(65536)
            if not d:
                break
            out += d
    assert json.loads(out.split(b"\r\n\r\n", 1)[1])["body_len"] == len(body)


def test_tls_sessions_to_servers_are_resumed(tmp_path, procs, origins, certs):
    """A new connection to a TLS server offers the session of the last
    one (ssl-reuse, HAProxy's default): only the first handshake is full;
    with no-ssl-reuse every one is."""
    t = TlsOrigin("tls1", certs.localhost)
    origins.append(t)
    port, _, _, _ = start(tmp_path, procs, """
frontend fe
    bind 127.0.0.1:{port}
    use_backend noreuse if {{ path_beg /noreuse }}
    default_backend reuse
backend reuse
    http-reuse never
    server s1 127.0.0.1:{t} ssl verify required ca-file {ca} sni str(localhost)
backend noreuse
    http-reuse never
    server s1 127.0.0.1:{t} ssl verify required ca-file {ca} sni str(localhost) no-ssl-reuse
""", t=t.port, ca=certs.ca)
    for path in ("/a", "/b", "/c", "/noreuse/a", "/noreuse/b"):
        out = plain_get(port, path)
        assert out.startswith(b"HTTP/1.1 200"), out
    assert t.resumed == [False, True, True, False, False]


def test_send_proxy_to_a_tls_server_goes_before_the_handshake(tmp_path, procs, origins, certs):
    """send-proxy with ssl, in HTTP and TCP mode: the PROXY header is
    sent in clear, then the TLS handshake, as HAProxy does."""
    t = TlsOrigin("tls1", certs.localhost, proxy_header=True)
    origins.append(t)
    port, port2, _, _ = start(tmp_path, procs, """
frontend fe
    bind 127.0.0.1:{port}
    default_backend be
backend be
    server s1 127.0.0.1:{t} ssl verify none send-proxy
listen tcp
    mode tcp
    bind 127.0.0.1:{port2}
    server s1 127.0.0.1:{t} ssl verify none send-proxy
""", t=t.port)
    for p in (port, port2):
        out = plain_get(p, "/x")
        assert out.startswith(b"HTTP/1.1 200"), out
        assert json.loads(out.split(b"\r\n\r\n", 1)[1])["server"] == "tls1"
    assert [re.sub(rb" \d+ (\d+)\r\n$", rb" CPORT \1", h) for h in t.headers] == [
        b"PROXY TCP4 127.0.0.1 127.0.0.1 CPORT %d" % p for p in (port, port2)]


def test_check_ssl_marks_servers_up_and_down(tmp_path, procs, origins, certs):
    t = TlsOrigin("tls1", certs.localhost)
    plain = Origin("plain")
    origins += [t, plain]
    port, _, sock, p = start(tmp_path, procs, """
frontend fe
    bind 127.0.0.1:{port}
    default_backend be
backend be
    option httpchk GET /health
    default-server check inter 100 fall 2 rise 1 verify none
    server tls 127.0.0.1:{t} check-ssl
    server plain 127.0.0.1:{pl} check-ssl
    server viaconnect 127.0.0.1:{t}
backend be2
    option httpchk
    http-check connect ssl
    server s 127.0.0.1:{t} check inter 100 verify none
backend be3
    timeout check 500
    option ssl-hello-chk
    default-server check inter 100 fall 1 rise 1
    server tls 127.0.0.1:{t}
    server plain 127.0.0.1:{pl}
""", t=t.port, pl=plain.port)
    def check(be, srv):
        r = [r for r in stat_rows(sock) if r["pxname"] == be and r["svname"] == srv][0]
        return r["status"], r["check_status"]

    # servers start UP: the check results say which checks ran
    wait_until(lambda: check("be", "plain") == ("DOWN", "L6RSP"), what="plain server down (TLS handshake)")
    wait_until(lambda: check("be", "tls") == ("UP", "L7OK"), what="TLS server checked")
    assert any(r[1] == "/health" for r in t.requests)
    # a server without check-ssl is checked in clear: the TLS origin fails it
    wait_until(lambda: check("be", "viaconnect")[0] == "DOWN", what="clear check down")
    wait_until(lambda: check("be2", "s") == ("UP", "L7OK") and any(r[1] == "/" for r in t.requests),
               what="http-check connect ssl")
    # option ssl-hello-chk: a ClientHello, and a TLS record expected back
    wait_until(lambda: check("be3", "plain")[0] == "DOWN", what="ssl-hello-chk on a plain server")
    wait_until(lambda: t.handshakes_failed > 0 and check("be3", "tls") == ("UP", "L7OK"),
               what="ssl-hello-chk on a TLS server")


def test_bad_certificate_paths_are_errors_with_file_and_line(tmp_path, certs):
    cfg = tmp_path / "bad.cfg"
    cfg.write_text("""defaults
    mode http
    timeout connect 1s
    timeout client 1s
    timeout server 1s
frontend fe
    bind 127.0.0.1:1 ssl crt /nonexistent/site.pem
    default_backend be
backend be
    server s 127.0.0.1:2 ssl ca-file /nonexistent/ca.pem verify required
    server t 127.0.0.1:2 ssl
""")
    r = subprocess.run([PROXY, "-c", "-f", str(cfg)], capture_output=True, text=True)
    assert r.returncode != 0
    assert ("parsing [%s:7] : 'bind 127.0.0.1:1' in section 'frontend' : unable to stat SSL certificate "
            "from file '/nonexistent/site.pem' : No such file or directory." % cfg) in r.stderr
    assert "parsing [%s:10] : 'server be/s' : unable to load CA file '/nonexistent/ca.pem'" % cfg in r.stderr
    assert "parsing [%s:11] : 'server be/t' : verify is enabled by default but no CA file specified" % cfg in r.stderr
    # a file that is not a certificate
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate\n")
    cfg.write_text("frontend fe\n    bind 127.0.0.1:1 ssl crt %s\n" % junk)
    r = subprocess.run([PROXY, "-c", "-f", str(cfg)], capture_output=True, text=True)
    assert r.returncode != 0 and "[%s:2]" % cfg in r.stderr and "unable to load certificate from file" in r.stderr
    # a device instead of a file: an error, not a parser reading forever
    cfg.write_text("frontend fe\n    bind 127.0.0.1:1 ssl crt /dev/zero\n")
    r = subprocess.run([PROXY, "-c", "-f", str(cfg)], capture_output=True, text=True, timeout=10)
    assert r.returncode != 0 and "SSL certificate file '/dev/zero' is not a regular file." in r.stderr


# ---- the real-world files of ../shared/compat/haproxy, and HAProxy itself ----

COMPAT = os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "compat", "haproxy")
HAPROXY = shutil.which("haproxy")


def compat_edit(text, certs, crt_list, crl):
    """What the compat README says HAProxy 2.6 needs to accept the files:
    placeholders filled in, users and groups that exist, and certificate
    paths pointing at real files."""
    for a, b in (("${APISERVER_DEST_PORT}", "6443"), ("${HOST1_ID}", "cp1"),
                 ("${HOST1_ADDRESS}", "192.0.2.10"), ("${APISERVER_SRC_PORT}", "6443"),
                 ("group kolla", "group root"), ("user haproxy", "user root"), ("group haproxy", "group root")):
        text = text.replace(a, b)
    text = re.sub(r"\bcrt-list \S+", "crt-list %s" % crt_list, text)
    text = re.sub(r"\bcrt (?!-)\S+", "crt %s" % certs.a, text)
    text = re.sub(r"\bca-file \S+", "ca-file %s" % certs.ca, text)
    return re.sub(r"\bcrl-file \S+", "crl-file %s" % crl, text)


@pytest.mark.parametrize("name", ["04-kolla-ansible-rendered", "05-openstack-ansible-rendered",
                                  "06-octavia-amphora-tls", "09-kubeadm-apiserver",
                                  "10-haproxy-upstream-basic-config-edge"])
def test_compat_files_with_tls_load(tmp_path, certs, name):
    src = os.path.join(COMPAT, name + ".cfg")
    if not os.path.exists(src):
        pytest.skip(src + " not found")
    crt_list = tmp_path / "crt-list.txt"
    crt_list.write_text("%s\n%s b.example\n" % (certs.a, certs.b))
    cfg = tmp_path / (name + ".cfg")
    with open(src) as f:
        cfg.write_text(compat_edit(f.read(), certs, crt_list, make_crl(certs)))
    r = subprocess.run([PROXY, "-c", "-f", str(cfg)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "TLS" not in r.stderr
    if HAPROXY:
        h = subprocess.run([HAPROXY, "-c", "-q", "-f", str(cfg)], capture_output=True, text=True)
        assert h.returncode == 0, h.stderr


@pytest.mark.skipif(not HAPROXY, reason="haproxy not installed")
def test_same_answers_as_haproxy_over_tls(tmp_path, procs, origins, certs):
    o = Origin("o1")
    origins.append(o)
    d = tmp_path / "crts"
    d.mkdir()
    (d / "1-a.pem").write_bytes(certs.a.read_bytes())
    (d / "2-b.pem").write_bytes(certs.b.read_bytes())
    ports = {}
    for prog in ("vigil", "haproxy"):
        port, port2 = free_port(), free_port()
        ports[prog] = (port, port2)
        text = """
global
    ssl-default-bind-options ssl-min-ver TLSv1.2 no-tls-tickets
defaults
    mode http
    timeout connect 2s
    timeout client 10s
    timeout server 10s
frontend fe
    bind 127.0.0.1:{port} ssl crt {d} alpn http/1.1
    bind 127.0.0.1:{port2}
    http-request redirect scheme https code 301 if !{{ ssl_fc }}
    http-request set-header X-Forwarded-Proto https if {{ ssl_fc }}
    http-request set-header X-Sni %[ssl_fc_sni]
    default_backend be
backend be
    server s1 127.0.0.1:{o}
""".format(port=port, port2=port2, d=d, o=o.port)
        sub = tmp_path / prog
        sub.mkdir()
        if prog == "vigil":
            procs.append(Proxy(sub, text, wait_port=port))
        else:
            (sub / "h.cfg").write_text(text)
            hp = subprocess.Popen([HAPROXY, "-db", "-f", str(sub / "h.cfg")],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            procs.append(hp)
            wait_until(lambda: can_connect(port) or hp.poll() is not None, what="haproxy to listen")
    seen = {}
    for prog, (port, port2) in ports.items():
        ctx = client_ctx(certs, alpn=["http/1.1"])
        r1, b1, i1 = https_get(port, ctx, "b.example")
        r2, b2, i2 = https_get(port, ctx, "www.a.example")
        h = json.loads(b1)["headers"]
        seen[prog] = (r1.status, i1["cn"], i1["alpn"], h["x-forwarded-proto"], h["x-sni"],
                      i2["cn"], plain_get(port2, "/x").split(b"\r\n")[0])
    assert seen["vigil"] == seen["haproxy"], seen
    assert seen["vigil"][:5] == (200, "b.example", "http/1.1", ["https"], ["b.example"])


def test_handshakes_count_against_maxconn(tmp_path, procs, origins, certs):
    o = Origin("o1")
    origins.append(o)
    port, _, sock, _ = start(tmp_path, procs, """
frontend fe
    maxconn 2
    bind 127.0.0.1:{port} ssl crt {crt}
    default_backend be
backend be
    server s1 127.0.0.1:{o}
""", crt=certs.a, o=o.port)
    # two clients that connect and never say hello hold both slots
    idle = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(2)]
    wait_until(lambda: "CurrConns: 2\n" in cli(sock, "show info"), what="2 connections in handshake")
    done = []

    def third():
        r, body, _ = https_get(port, client_ctx(certs), "a.example")
        done.append(r.status)

    th = threading.Thread(target=third, daemon=True)
    th.start()
    # not served while the two hold the slots (it waits in the backlog)...
    th.join(0.5)
    assert not done
    # ...and served once one of them leaves
    idle[0].close()
    th.join(5)
    assert done == [200]
    idle[1].close()


def test_reload_under_tls_load_loses_nothing(tmp_path, procs, origins, certs):
    o = Origin("o1")
    origins.append(o)
    port, _, _, p = start(tmp_path, procs, """
frontend fe
    bind 127.0.0.1:{port} ssl crt {crt}
    default_backend be
backend be
    server s1 127.0.0.1:{o}
""", crt=certs.a, o=o.port)
    p.stop()                      # this test wants the master-worker mode
    procs.remove(p)
    p = Proxy(tmp_path, p.cfg.read_text(), args=["-W"], name="reload.cfg", wait_port=port)
    procs.append(p)
    ok, failures, stop = [0], [], threading.Event()
    ctx = client_ctx(certs)

    def load():
        while not stop.is_set() and ok[0] < 5000:
            try:
                r, _, _ = https_get(port, ctx, "a.example")
                if r.status != 200:
                    raise OSError("status %d" % r.status)
                ok[0] += 1
            except OSError as e:
                failures.append(repr(e))

    threads = [threading.Thread(target=load) for _ in range(4)]
    for t in threads:
        t.start()
    try:
        for i in range(4):
            n = ok[0]
            wait_until(lambda: ok[0] > n + 20, what="traffic before reload %d" % (i + 1))
            os.kill(p.pid, signal.SIGUSR2)
        wait_until(lambda: p.output().count("New worker") >= 5, what="reloads")
        n = ok[0]
        wait_until(lambda: ok[0] > n + 20, what="traffic after the reloads")
    finally:
        stop.set()
        for t in threads:
            t.join(10)
    assert failures == []

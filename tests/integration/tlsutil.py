"""TLS helpers for integration tests: a throwaway CA and certificates made
with the openssl command at test time (nothing secret is ever committed),
Python TLS clients, and an HTTPS origin server."""
import http.client
import socket
import ssl
import subprocess

from httpd import Origin


def _run(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def make_ca(d, name="ca", cn="Vigil Test CA"):
    _run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", name + ".key", "-out", name + ".pem", "-days", "2", "-subj", "/CN=" + cn, cwd=d)
    return d / (name + ".pem")


def make_cert(d, name, cn, sans=(), ca="ca", client=False):
    """Key + certificate signed by `ca`; returns the combined PEM path
    (certificate then key, as HAProxy's `crt` takes it)."""
    _run("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", name + ".key", "-out", name + ".csr", "-subj", "/C=FR/O=Vigil Tests/CN=" + cn, cwd=d)
    ext = d / (name + ".ext")
    lines = []
    if sans:
        lines.append("subjectAltName=" + ",".join(sans))
    lines.append("extendedKeyUsage=" + ("clientAuth" if client else "serverAuth"))
    ext.write_text("\n".join(lines) + "\n")
    _run("x509", "-req", "-in", name + ".csr", "-CA", ca + ".pem", "-CAkey", ca + ".key",
         "-CAcreateserial", "-out", name + ".crt", "-days", "2", "-extfile", name + ".ext", cwd=d)
    pem = d / (name + ".pem")
    pem.write_bytes((d / (name + ".crt")).read_bytes() + (d / (name + ".key")).read_bytes())
    return pem


def make_crl(certs):
    """An empty CRL of the test CA (what crl-file needs to load)."""
    d = certs.dir
    crl = d / "crl.pem"
    if not crl.exists():
        (d / "index.txt").write_text("")
        (d / "crlnumber").write_text("01\n")
        (d / "ca.cnf").write_text("[ca]\ndefault_ca = d\n[d]\ndatabase = index.txt\n"
                                  "crlnumber = crlnumber\ndefault_md = sha256\ndefault_crl_days = 2\n")
        _run("ca", "-config", "ca.cnf", "-gencrl", "-keyfile", "ca.key", "-cert", "ca.pem",
             "-out", "crl.pem", cwd=d)
    return crl


class Certs:
    """ca.pem, a.example (also *.a.example), b.example, localhost (for TLS
    origins), client1 (a client certificate), and a second CA that signed
    nothing the proxy trusts."""

    def __init__(self, d):
        self.dir = d
        self.ca = make_ca(d)
        self.a = make_cert(d, "a", "a.example", ["DNS:a.example", "DNS:*.a.example"])
        self.b = make_cert(d, "b", "b.example", ["DNS:b.example"])
        self.localhost = make_cert(d, "localhost", "localhost", ["DNS:localhost", "IP:127.0.0.1"])
        self.client = make_cert(d, "client1", "client1", client=True)
        self.other_ca = make_ca(d, "other", "Other CA")
        self.rogue_client = make_cert(d, "rogue", "rogue", client=True, ca="other")


def client_ctx(certs, alpn=None, cert=None):
    ctx = ssl.create_default_context(cafile=str(certs.ca))
    if alpn:
        ctx.set_alpn_protocols(alpn)
    if cert:
        ctx.load_cert_chain(str(cert))
    return ctx


def tls_connect(port, ctx, sni, timeout=5):
    raw = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        return ctx.wrap_socket(raw, server_hostname=sni)
    except Exception:
        raw.close()
        raise


def peer_cn(s):
    subject = dict(x[0] for x in s.getpeercert()["subject"])
    return subject["commonName"]


def https_get(port, ctx, sni="a.example", path="/", headers=None):
    """One request over a new TLS connection: (response, body, socket info
    dict with the negotiated ALPN protocol and the certificate's CN)."""
    s = tls_connect(port, ctx, sni)
    try:
        hdrs = "".join("%s: %s\r\n" % kv for kv in (headers or {}).items())
        s.sendall(("GET %s HTTP/1.1\r\nHost: %s\r\n%sConnection: close\r\n\r\n"
                   % (path, sni, hdrs)).encode())
        r = http.client.HTTPResponse(s)
        r.begin()
        body = r.read()
        return r, body, {"alpn": s.selected_alpn_protocol(), "cn": peer_cn(s), "version": s.version()}
    finally:
        s.close()


class TlsOrigin(Origin):
    """The test origin of httpd.py, behind TLS (certificate `pem`)."""

    def __init__(self, name, pem, proxy_header=False):
        self.proxy_header = proxy_header   # a PROXY v1 line comes first, in clear
        self.headers = []
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(str(pem))
        self.handshakes_failed = 0
        self.resumed = []       # per accepted connection: a resumed session?
        super().__init__(name)

    def _handle(self, c, n):
        """Each accepted connection: the TLS handshake, then Origin's
        HTTP handling on the TLS socket."""
        c.settimeout(5)
        if self.proxy_header:
            line = b""
            while not line.endswith(b"\r\n") and len(line) < 108:
                d = c.recv(1)     # byte by byte: the TLS bytes stay unread
                if not d:
                    break
                line += d
            with self.lock:
                self.headers.append(line)
        try:
            t = self.ctx.wrap_socket(c, server_side=True)
        except (OSError, ssl.SSLError):
            with self.lock:
                self.handshakes_failed += 1
            c.close()
            return
        with self.lock:
            self.open.append(t)
            self.resumed.append(t.session_reused)
        super()._handle(t, n)

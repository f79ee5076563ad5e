"""A small HTTP/1.1 origin server for tests: keep-alive, Content-Length and
chunked request bodies, and an answer that says what it received:
{"server": NAME, "method", "path", "headers", "body_len", "conn": N}
where conn numbers the TCP connections this server accepted."""
import json
import socket
import threading


class Origin:
    def __init__(self, name, port=None, always_close=False):
        self.name = name
        self.always_close = always_close
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port or 0))
        self.port = self.sock.getsockname()[1]
        self.sock.listen(256)
        self.conns = 0
        self.closed_by_peer = 0     # connections the other side closed
        self.requests = []
        self.lock = threading.Lock()
        self.open = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            with self.lock:
                self.conns += 1
                n = self.conns
                self.open.append(c)
            threading.Thread(target=self._handle, args=(c, n), daemon=True).start()

    def _handle(self, c, n):
        f = c.makefile("rb")
        try:
            while True:
                line = f.readline()
                if not line:
                    with self.lock:
                        self.closed_by_peer += 1
                    return
                if line in (b"\r\n", b"\n"):
                    continue
                method, path, version = line.decode("latin1").split()
                headers = {}
                order = []
                while True:
                    h = f.readline()
                    if h in (b"\r\n", b"\n", b""):
                        break
                    k, v = h.decode("latin1").split(":", 1)
                    headers.setdefault(k.strip().lower(), []).append(v.strip())
                    order.append(k.strip())
                body = b""
                if headers.get("expect", [""])[0].lower() == "100-continue":
                    c.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
                if "transfer-encoding" in headers:
                    while True:
                        size = int(f.readline().split(b";")[0], 16)
                        if size == 0:
                            while f.readline() not in (b"\r\n", b""):
                                pass
                            break
                        body += f.read(size)
                        f.readline()
                elif "content-length" in headers:
                    body = f.read(int(headers["content-length"][0]))
                with self.lock:
                    self.requests.append((method, path, headers))
                if path.startswith("/raw/"):
                    # answer with the bytes named in the path (tests of bad responses)
                    c.sendall(bytes.fromhex(path[5:]))
                    c.close()
                    return
                out = json.dumps({"server": self.name, "method": method, "path": path,
                                  "headers": headers, "body_len": len(body), "conn": n,
                                  "order": order}).encode()
                close = (headers.get("connection", [""])[0].lower() == "close" or
                         version == "HTTP/1.0" or self.always_close)
                c.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                          b"Content-Length: %d\r\n%s\r\n" % (len(out), b"Connection: close\r\n" if close else b"")
                          + (b"" if method == "HEAD" else out))
                if close:
                    return
        except (OSError, ValueError):
            pass
        finally:
            c.close()

    def close(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)   # wakes the blocked accept()
        except OSError:
            pass
        self.sock.close()
        with self.lock:
            for c in self.open:
                try:
                    c.close()
                except OSError:
                    pass

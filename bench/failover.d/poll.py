#!/usr/bin/python3
"""The client of bench/failover: polls http://VIP:PORT/ every STEP seconds
for at most DURATION seconds, a new request every step whatever the earlier
ones are doing (each on its own connection, with its own TIMEOUT), so an
outage is resolved to one step even while connections hang.

Every answer (an HTTP status line followed by the body, the serving node's
name) is appended to OUT as "WALLCLOCK NODE", WALLCLOCK being time.time()
when the status line arrived; a refused or unreachable connection as
"WALLCLOCK !refused" or "WALLCLOCK !unreachable". Stops at DURATION, on SIGTERM, or on SIGINT.

usage: poll.py VIP PORT DURATION OUT [STEP] [TIMEOUT]
"""
import errno
import os
import selectors
import signal
import socket
import sys
import time

MAX_INFLIGHT = 200


def main():
    host, port, duration, out = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
    step = float(sys.argv[5]) if len(sys.argv) > 5 else 0.01
    timeout = float(sys.argv[6]) if len(sys.argv) > 6 else 0.5
    stop = []
    signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
    signal.signal(signal.SIGINT, lambda *a: stop.append(1))
    req = ("GET / HTTP/1.0\r\nHost: %s\r\n\r\n" % host).encode()
    sel = selectors.DefaultSelector()
    conns = {}   # sock -> [deadline, state, buf, t_status]
    f = open(out, "a", buffering=1)
    end = time.monotonic() + min(duration, 600)
    nxt = time.monotonic()

    def close(s):
        try:
            sel.unregister(s)
        except (KeyError, ValueError):
            pass
        conns.pop(s, None)
        s.close()

    while not stop and time.monotonic() < end:
        now = time.monotonic()
        if now >= nxt:
            nxt += step
            if nxt < now:
                nxt = now + step
            if len(conns) < MAX_INFLIGHT:
                s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                s.setblocking(False)
                e = s.connect_ex((host, port))
                if e in (0, errno.EINPROGRESS):
                    conns[s] = [now + timeout, "connect", b"", None]
                    sel.register(s, selectors.EVENT_WRITE)
                else:
                    s.close()
        wait = max(0.0, min(nxt - time.monotonic(), 0.01))
        for key, _ in sel.select(wait):
            s = key.fileobj
            c = conns.get(s)
            if c is None:
                continue
            if c[1] == "connect":
                e = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if e:
                    # The VIP's host answered with a reset (it is there, the
                    # service is not yet) or nobody answers ARP.
                    f.write("%.6f %s\n" % (time.time(), {
                        errno.ECONNREFUSED: "!refused", errno.EHOSTUNREACH: "!unreachable"}.get(
                            e, "!error")))
                    close(s)
                    continue
                try:
                    s.send(req)
                except OSError:
                    close(s)
                    continue
                c[1] = "read"
                sel.modify(s, selectors.EVENT_READ)
                continue
            try:
                d = s.recv(4096)
            except OSError:
                close(s)
                continue
            if d:
                if c[3] is None and (c[2] + d).startswith(b"HTTP/1"):
                    c[3] = time.time()
                c[2] += d
                if len(c[2]) > 65536:
                    close(s)
                continue
            # EOF: the whole answer is in.
            if c[3] is not None and b"\r\n\r\n" in c[2]:
                head, body = c[2].split(b"\r\n\r\n", 1)
                if head.split(b" ", 2)[1:2] == [b"200"]:
                    node = body.decode(errors="replace").strip().split()[:1] or ["?"]
                    f.write("%.6f %s\n" % (c[3], node[0]))
            close(s)
        now = time.monotonic()
        for s in [s for s, c in conns.items() if c[0] < now]:
            close(s)
    for s in list(conns):
        close(s)
    f.close()


if __name__ == "__main__":
    main()

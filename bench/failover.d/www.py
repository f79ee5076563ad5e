#!/usr/bin/python3 -S -E
"""The HTTP service of bench/failover: answers every request with the
contents of FILE (the serving node's name) and closes the connection;
logs nothing. Only the socket module, and run with -S -E, so that it
listens within a few tens of ms of its start (the failover waits for it).

usage: python3 -S -E www.py ADDRESS PORT FILE   (ADDRESS 0.0.0.0 for every address)
"""
import socket
import sys


def main():
    addr, port, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(128)
    while True:
        c, _ = s.accept()
        try:
            c.settimeout(1.0)
            req = b""
            while b"\r\n\r\n" not in req and len(req) < 8192:
                d = c.recv(4096)
                if not d:
                    break
                req += d
            try:
                with open(path, "rb") as f:
                    body = f.read()
            except OSError:
                body = b"?\n"
            c.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s"
                      % (len(body), body))
        except OSError:
            pass
        finally:
            c.close()


main()

#!/usr/bin/python3
"""The ARP observer of bench/failover: records when the VIP is announced or
answers for itself on the wire, independently of any manager's log and of
the client's polling step.

Every ARP packet (request or reply, gratuitous ones included) whose sender
protocol address is VIP, seen on DEV in the network namespace this runs in,
is appended to OUT as "WALLCLOCK MAC OP", WALLCLOCK being the kernel's
receive timestamp (time.time() scale). Stops at DURATION, on SIGTERM, or on
SIGINT.

usage: arpwatch.py DEV VIP DURATION OUT
"""
import select
import signal
import socket
import struct
import sys
import time

ETH_P_ARP = 0x0806
SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)


def main():
    dev, vip, duration, out = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
    stop = []
    signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
    signal.signal(signal.SIGINT, lambda *a: stop.append(1))
    vip_b = socket.inet_aton(vip)
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ARP))
    s.bind((dev, 0))
    s.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
    f = open(out, "a", buffering=1)
    end = time.monotonic() + min(duration, 600)
    while not stop and time.monotonic() < end:
        try:
            ready, _, _ = select.select([s], [], [], 0.2)
        except InterruptedError:
            continue
        if not ready:
            continue
        data, anc, _, _ = s.recvmsg(2048, 64)
        t = time.time()
        for level, kind, val in anc:
            if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS and len(val) >= 16:
                sec, nsec = struct.unpack("qq", val[:16])
                t = sec + nsec / 1e9
        # Ethernet header (14 bytes), then ARP for IPv4 over Ethernet:
        # htype ptype hlen plen op sha(6) spa(4) tha(6) tpa(4).
        if len(data) < 14 + 28:
            continue
        op = struct.unpack("!H", data[20:22])[0]
        sha, spa = data[22:28], data[28:32]
        if spa == vip_b:
            f.write("%.6f %s %d\n" % (t, sha.hex(":"), op))


if __name__ == "__main__":
    main()

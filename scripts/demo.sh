#!/bin/sh
# make demo: vigil-proxy in front of three local backends; one backend
# fails and the traffic moves to the others, then it comes back.
# Everything runs on 127.0.0.1 and is stopped (by pid) at the end.
set -eu
B=${VIGIL_BUILD:-build}
tmp=$(mktemp -d /tmp/vigil-demo.XXXXXX)
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

backend() {   # backend NAME PORT: answers each connection with its name
	python3 -c '
import socket, sys, threading
name, port = sys.argv[1], int(sys.argv[2])
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", port)); s.listen(128)
while True:
    c, _ = s.accept(); c.sendall((name + "\n").encode()); c.close()
' "$1" "$2" &
	eval "pid_$1=$!"
	pids="$pids $!"
}

wait_listening() {
	python3 -c '
import socket, sys, time
for _ in range(100):
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1).close(); break
    except OSError:
        time.sleep(0.05)' "$1"
}
backend web1 18081; backend web2 18082; backend web3 18083
for p in 18081 18082 18083; do wait_listening $p; done
cat >"$tmp/haproxy.cfg" <<CFG
global
    stats socket $tmp/stats.sock mode 600 level admin
defaults
    mode tcp
    timeout connect 1s
    timeout client 5s
    timeout server 5s
listen web
    bind 127.0.0.1:18080
    balance roundrobin
    option redispatch
    default-server check inter 200 fall 2 rise 2
    server web1 127.0.0.1:18081
    server web2 127.0.0.1:18082
    server web3 127.0.0.1:18083
CFG
echo "== vigil-proxy -c (check the configuration)"
"$B/vigil-proxy" -c -f "$tmp/haproxy.cfg"
"$B/vigil-proxy" -f "$tmp/haproxy.cfg" 2>"$tmp/proxy.log" &
pids="$pids $!"
wait_listening 18080

show() {
	printf '   '
	for i in 1 2 3 4 5 6; do
		printf '%s ' "$(python3 -c '
import socket
try:
    s = socket.create_connection(("127.0.0.1", 18080), timeout=2); print(s.makefile().readline().strip() or "(closed)")
except OSError as e:
    print("ERROR:", e)')"
	done
	echo
}
status() {
	echo "show stat" | python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(b"show stat\n")
out = b""
while True:
    d = s.recv(65536)
    if not d: break
    out += d
rows = out.decode().splitlines()
h = rows[0][2:].split(",")
for r in rows[1:]:
    if not r:
        continue
    f = dict(zip(h, r.split(",")))
    if f["svname"] not in ("FRONTEND",):
        print("   %-8s %-8s %s" % (f["pxname"], f["svname"], f["status"]))
' "$tmp/stats.sock"
}

echo "== six connections, round robin over three healthy backends"
show; status
echo "== web2 fails (its process is killed)"
kill "$pid_web2"; sleep 1
grep -h "web2 is DOWN" "$tmp/proxy.log" | sed 's/^/   log: /' || true
echo "== six connections: the traffic has moved to web1 and web3"
show; status
echo "== web2 comes back"
backend web2 18082; wait_listening 18082; sleep 1
grep -h "web2 is UP" "$tmp/proxy.log" | sed 's/^/   log: /' || true
show; status
echo "== drain web1 from the runtime API (existing sessions finish, no new ones)"
python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(b"set server web/web1 state drain\n"); s.recv(100)' "$tmp/stats.sock"
show; status
echo "== done"

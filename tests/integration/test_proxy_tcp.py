"""vigil-proxy in TCP mode, as a user of HAProxy would check it: real
processes, real sockets on 127.0.0.1."""
import collections
import os
import signal
import socket
import subprocess
import threading
import time

from conftest import (PROXY, Backend, Proxy, ask, can_connect, cli, free_port,
                      server_status, stat_rows, wait_until)

GLOBAL = """
global
    maxconn 1000
    nbthread 2
    stats socket {sock} mode 600 level admin
defaults
    mode tcp
    timeout connect 2s
    timeout client 10s
    timeout server 10s
"""


def cfg(tmp_path, body, **kw):
    sock = tmp_path / "stats.sock"
    return GLOBAL.format(sock=sock) + body.format(**kw), sock


def test_roundrobin_follows_weights(tmp_path, procs):
    a, b, c = Backend("a"), Backend("b"), Backend("c")
    procs += [a, b, c]
    port = free_port()
    text, _ = cfg(tmp_path, """
listen app
    bind 127.0.0.1:{port}
    balance roundrobin
    server a 127.0.0.1:{a} weight 1
    server b 127.0.0.1:{b} weight 2
    server c 127.0.0.1:{c} weight 1
""", port=port, a=a.port, b=b.port, c=c.port)
    procs.append(Proxy(tmp_path, text, wait_port=port))
    counts = collections.Counter(ask(port) for _ in range(40))
    assert counts == {"a": 10, "b": 20, "c": 10}


def test_source_balancing_keeps_a_client_on_one_server(tmp_path, procs):
    bes = [Backend(n) for n in "abc"]
    procs += bes
    port = free_port()
    text, _ = cfg(tmp_path, """
listen app
    bind 127.0.0.1:{port}
    balance source
    server a 127.0.0.1:{a}
    server b 127.0.0.1:{b}
    server c 127.0.0.1:{c}
""", port=port, a=bes[0].port, b=bes[1].port, c=bes[2].port)
    procs.append(Proxy(tmp_path, text, wait_port=port))
    assert len({ask(port) for _ in range(20)}) == 1


def test_backup_takes_over_when_actives_are_down(tmp_path, procs):
    a, b, bk = Backend("a"), Backend("b"), Backend("backup")
    procs += [a, b, bk]
    port = free_port()
    text, sock = cfg(tmp_path, """
listen app
    bind 127.0.0.1:{port}
    default-server check inter 100 rise 1 fall 1
    server a 127.0.0.1:{a}
    server b 127.0.0.1:{b}
    server bk 127.0.0.1:{bk} backup
""", port=port, a=a.port, b=b.port, bk=bk.port)
    procs.append(Proxy(tmp_path, text, wait_port=port))
    assert {ask(port) for _ in range(10)} == {"a", "b"}
    a.stop_listening()
    b.stop_listening()
    wait_until(lambda: server_status(sock, "app", "a") == "DOWN" and
               server_status(sock, "app", "b") == "DOWN", what="actives DOWN")
    assert {ask(port) for _ in range(10)} == {"backup"}
    a.start()
    wait_until(lambda: server_status(sock, "app", "a").startswith("UP"), what="a UP")
    assert {ask(port) for _ in range(10)} == {"a"}


def test_health_check_logs_like_haproxy(tmp_path, procs):
    a = Backend("a")
    procs.append(a)
    port = free_port()
    text, sock = cfg(tmp_path, """
listen app
    bind 127.0.0.1:{port}
    server s1 127.0.0.1:{a} check inter 100 rise 2 fall 2
""", port=port, a=a.port)
    p = Proxy(tmp_path, text, wait_port=port)
    procs.append(p)
    a.stop_listening()
    wait_until(lambda: "Server app/s1 is DOWN" in p.output(), what="DOWN log line")
    out = p.output()
    assert "reason: Layer4 connection problem" in out
    assert "app has no server available!" in out
    assert server_status(sock, "app", "s1") == "DOWN"
    a.start()
    wait_until(lambda: "Server app/s1 is UP" in p.output(), what="UP log line")


def test_redispatch_hides_a_dead_server_from_clients(tmp_path, procs):
    a, b = Backend("a"), Backend("b")
    procs += [a, b]
    port = free_port()
    # No health check: only retries + redispatch can save the clients.
    text, _ = cfg(tmp_path, """
listen app
    bind 127.0.0.1:{port}
    option redispatch
    retries 2
    server a 127.0.0.1:{a}
    server b 127.0.0.1:{b}
""", port=port, a=a.port, b=b.port)
    procs.append(Proxy(tmp_path, text, wait_port=port))
    a.kill()
    answers = [ask(port) for _ in range(50)]
    assert answers == ["b"] * 50


def test_half_close_keeps_the_response_flowing(tmp_path, procs):
    a = Backend("a")
    procs.append(a)
    port = free_port()
    text, _ = cfg(tmp_path, """
listen app
    bind 127.0.0.1:{port}
    server a 127.0.0.1:{a}
""", port=port, a=a.port)
    procs.append(Proxy(tmp_path, text, wait_port=port))
    payload = os.urandom(200000)
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(payload)
        s.shutdown(socket.SHUT_WR)
        got = b""
        while True:
            d = s.recv(65536)
            if not d:
                break
            got += d
    assert got == b"a\n" + payload


def test_splice_forwards_bulk_data_intact(tmp_path, procs):
    a = Backend("a")
    procs.append(a)
    port = free_port()
    text, _ = cfg(tmp_path, """
listen app
    bind 127.0.0.1:{port}
    option splice-auto
    server a 127.0.0.1:{a}
""", port=port, a=a.port)
    procs.append(Proxy(tmp_path, text, wait_port=port))
    payload = os.urandom(3 * 1024 * 1024)
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        threading.Thread(target=lambda: (s.sendall(payload), s.shutdown(socket.SHUT_WR)),
                         daemon=True).start()
        got = bytearray()
        while True:
            d = s.recv(1 << 20)
            if not d:
                break
            got += d
    assert bytes(got) == b"a\n" + payload


def test_client_timeout_closes_an_idle_connection(tmp_path, procs):
    a = Backend("a")
    procs.append(a)
    port = free_port()
    text, _ = cfg(tmp_path, """
listen app
    bind 127.0.0.1:{port}
    timeout client 300ms
    server a 127.0.0.1:{a}
""", port=port, a=a.port)
    procs.append(Proxy(tmp_path, text, wait_port=port))
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        assert s.recv(100) == b"a\n"
        assert s.recv(100) == b""      # closed by the proxy, not by us


def test_server_maxconn_queues_then_serves(tmp_path, procs):
    a = Backend("a")
    procs.append(a)
    port = free_port()
    text, sock = cfg(tmp_path, """
listen app
    bind 127.0.0.1:{port}
    timeout queue 5s
    server a 127.0.0.1:{a} maxconn 1
""", port=port, a=a.port)
    procs.append(Proxy(tmp_path, text, wait_port=port))
    first = socket.create_connection(("127.0.0.1", port), timeout=5)
    assert first.recv(100) == b"a\n"
    second = socket.create_connection(("127.0.0.1", port), timeout=5)
    wait_until(lambda: [r for r in stat_rows(sock) if r["svname"] == "BACKEND"][0]["qcur"] == "1",
               what="second connection queued")
    assert a.accepted == 1      # the queued one has not reached the server
    first.close()
    assert second.recv(100) == b"a\n"
    second.close()


def test_shutdown_sessions_when_marked_down(tmp_path, procs):
    a, b = Backend("a"), Backend("b")
    procs += [a, b]
    port = free_port()
    text, sock = cfg(tmp_path, """
listen app
    bind 127.0.0.1:{port}
    balance first
    server a 127.0.0.1:{a} check inter 100 fall 1 on-marked-down shutdown-sessions
    server b 127.0.0.1:{b}
""", port=port, a=a.port, b=b.port)
    procs.append(Proxy(tmp_path, text, wait_port=port))
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    assert s.recv(100) == b"a\n"
    a.stop_listening()      # checks fail, the established session is cut
    assert s.recv(100) == b""
    s.close()
    assert ask(port) == "b"


def test_runtime_api_changes_traffic(tmp_path, procs):
    a, b = Backend("a"), Backend("b")
    procs += [a, b]
    port = free_port()
    text, sock = cfg(tmp_path, """
backend be
    server a 127.0.0.1:{a}
    server b 127.0.0.1:{b}
frontend fe
    bind 127.0.0.1:{port}
    default_backend be
""", port=port, a=a.port, b=b.port)
    procs.append(Proxy(tmp_path, text, wait_port=port))
    head = cli(sock, "show stat").splitlines()[0]
    assert head.startswith("# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,"
                           "ereq,econ,eresp,wretr,wredis,status,weight,act,bck,")
    assert cli(sock, "disable server be/a") == "\n"
    assert {ask(port) for _ in range(6)} == {"b"}
    assert server_status(sock, "be", "a") == "MAINT"
    assert cli(sock, "enable server be/a") == "\n"
    assert {ask(port) for _ in range(6)} == {"a", "b"}
    assert cli(sock, "set weight be/a 50") == "\n"
    assert cli(sock, "get weight be/a") == "50 (initial 1)\n\n"
    # drain: established sessions finish, new ones go elsewhere
    held = socket.create_connection(("127.0.0.1", port), timeout=5)
    held_name = held.recv(100)
    srv = held_name.decode().strip()
    assert cli(sock, "set server be/%s state drain" % srv) == "\n"
    other = "b" if srv == "a" else "a"
    assert {ask(port) for _ in range(6)} == {other}
    held.sendall(b"still here")
    assert held.recv(100) == b"still here"
    held.close()
    state = cli(sock, "show servers state be").splitlines()
    assert state[0] == "1"
    row = [l.split() for l in state[2:] if l and l.split()[3] == srv][0]
    assert row[6] == "8"       # srv_admin_state: forced drain
    assert cli(sock, "set server be/%s state ready" % srv) == "\n"
    # move a server to another address
    c = Backend("c")
    procs.append(c)
    assert cli(sock, "set server be/a addr 127.0.0.1 port %d" % c.port).strip() != ""
    assert cli(sock, "set server be/b state maint") == "\n"
    assert {ask(port) for _ in range(4)} == {"c"}
    # bad input: an error line, nothing changed
    assert "No such server" in cli(sock, "disable server be/zz")
    assert "expects" in cli(sock, "set server be/a state sleepy")
    assert {ask(port) for _ in range(4)} == {"c"}


def test_user_level_socket_refuses_changes(tmp_path, procs):
    a = Backend("a")
    procs.append(a)
    port = free_port()
    sock = tmp_path / "ro.sock"
    text = """
global
    stats socket {sock} level user
defaults
    mode tcp
    timeout connect 2s
    timeout client 10s
    timeout server 10s
listen app
    bind 127.0.0.1:{port}
    server a 127.0.0.1:{a}
""".format(sock=sock, port=port, a=a.port)
    procs.append(Proxy(tmp_path, text, wait_port=port))
    assert "Permission denied" in cli(sock, "disable server app/a")
    assert server_status(sock, "app", "a") != "MAINT"
    assert oct(os.stat(sock).st_mode & 0o777) == "0o600"


def test_check_only_mode(tmp_path):
    good = tmp_path / "good.cfg"
    good.write_text("defaults\n  mode tcp\n  timeout connect 1s\n  timeout client 1s\n  timeout server 1s\n"
                    "listen x\n  bind 127.0.0.1:%d\n  server a 127.0.0.1:1\n" % free_port())
    r = subprocess.run([PROXY, "-c", "-f", str(good)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "Configuration file is valid" in r.stdout
    bad = tmp_path / "bad.cfg"
    bad.write_text("listen x\n  bind 127.0.0.1:1\n  balance roundrobbin\n")
    r = subprocess.run([PROXY, "-c", "-f", str(bad)], capture_output=True, text=True)
    assert r.returncode == 1
    assert "[%s:3]" % bad in r.stderr
    assert "roundrobbin" in r.stderr and "roundrobin" in r.stderr


class Load:
    """Opens connections through the proxy in a loop (bounded in count and
    time), each one checked end to end; records every failure."""

    def __init__(self, port, max_conns=20000, max_seconds=30):
        self.port, self.max_conns, self.max_seconds = port, max_conns, max_seconds
        self.ok = 0
        self.failures = []
        self.stop = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        end = time.monotonic() + self.max_seconds
        while not self.stop and self.ok + len(self.failures) < self.max_conns and time.monotonic() < end:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=5) as s:
                    f = s.makefile("rb")
                    name = f.readline()
                    s.sendall(b"ping\n")
                    if not name or f.readline() != b"ping\n":
                        raise OSError("short answer")
                self.ok += 1
            except OSError as e:
                self.failures.append(repr(e))

    def finish(self):
        self.stop = True
        self.thread.join(10)


def test_master_worker_reload_under_load_loses_nothing(tmp_path, procs):
    a = Backend("a")
    procs.append(a)
    port = free_port()
    text, sock = cfg(tmp_path, """
listen app
    bind 127.0.0.1:{port}
    server a 127.0.0.1:{a}
""", port=port, a=a.port)
    p = Proxy(tmp_path, text, args=["-W"], wait_port=port)
    procs.append(p)
    loads = [Load(port) for _ in range(4)]
    try:
        for _ in range(5):
            time.sleep(0.3)
            os.kill(p.pid, signal.SIGUSR2)
        wait_until(lambda: p.output().count("New worker") >= 6, what="reloads")
        time.sleep(0.3)
    finally:
        for l in loads:
            l.finish()
    assert sum(l.ok for l in loads) > 100
    assert [f for l in loads for f in l.failures] == []
    assert p.proc.poll() is None


def test_bad_config_on_reload_keeps_serving(tmp_path, procs):
    a = Backend("a")
    procs.append(a)
    port = free_port()
    text, sock = cfg(tmp_path, """
listen app
    bind 127.0.0.1:{port}
    server a 127.0.0.1:{a}
""", port=port, a=a.port)
    p = Proxy(tmp_path, text, args=["-W"], wait_port=port)
    procs.append(p)
    p.cfg.write_text(text + "    balance nonsense\n")
    os.kill(p.pid, signal.SIGUSR2)
    wait_until(lambda: "Reload failed" in p.output(), what="reload refusal")
    assert "nonsense" in p.output()
    assert ask(port) == "a"
    assert p.proc.poll() is None


def test_sf_takeover_under_load_loses_nothing(tmp_path, procs):
    a = Backend("a")
    procs.append(a)
    port = free_port()
    text, sock = cfg(tmp_path, """
listen app
    bind 127.0.0.1:{port}
    server a 127.0.0.1:{a}
""", port=port, a=a.port)
    old = Proxy(tmp_path, text, wait_port=port)
    procs.append(old)
    loads = [Load(port) for _ in range(4)]
    try:
        time.sleep(0.5)
        new = Proxy(tmp_path, text, args=["-sf", str(old.pid)], name="new.cfg")
        procs.append(new)
        old.proc.wait(10)         # the old process finishes and leaves
        time.sleep(0.5)
    finally:
        for l in loads:
            l.finish()
    assert old.proc.returncode == 0
    assert sum(l.ok for l in loads) > 100
    assert [f for l in loads for f in l.failures] == []
    assert "handing listening sockets over" in old.output()


def test_stick_on_dst_keeps_one_writer_like_galera(tmp_path, procs):
    a, b, c = Backend("a"), Backend("b"), Backend("c")
    procs += [a, b, c]
    port = free_port()
    text, sock = cfg(tmp_path, """
listen galera
    bind 127.0.0.1:{port}
    balance roundrobin
    stick-table type ip size 1000
    stick on dst
    default-server check inter 100 rise 1 fall 1 on-marked-down shutdown-sessions
    server a 127.0.0.1:{a}
    server b 127.0.0.1:{b}
    server c 127.0.0.1:{c}
""", port=port, a=a.port, b=b.port, c=c.port)
    procs.append(Proxy(tmp_path, text, wait_port=port))
    first = ask(port)
    assert [ask(port) for _ in range(10)] == [first] * 10
    dead = {"a": a, "b": b, "c": c}[first]
    dead.stop_listening()
    wait_until(lambda: server_status(sock, "galera", first) == "DOWN", what="writer DOWN")
    second = ask(port)
    assert second != first
    assert [ask(port) for _ in range(10)] == [second] * 10
    dead.start()
    wait_until(lambda: server_status(sock, "galera", first).startswith("UP"), what="old writer UP")
    # the writer does not move back when the old one returns
    assert [ask(port) for _ in range(10)] == [second] * 10


def test_frontend_maxconn_makes_clients_wait_not_fail(tmp_path, procs):
    a = Backend("a")
    procs.append(a)
    port = free_port()
    text, sock = cfg(tmp_path, """
frontend fe
    bind 127.0.0.1:{port}
    maxconn 1
    default_backend be
backend be
    server a 127.0.0.1:{a}
""", port=port, a=a.port)
    procs.append(Proxy(tmp_path, text, wait_port=port))
    first = socket.create_connection(("127.0.0.1", port), timeout=5)
    assert first.recv(100) == b"a\n"
    second = socket.create_connection(("127.0.0.1", port), timeout=5)  # in the backlog
    second.settimeout(0.5)
    try:
        got = second.recv(100)
    except socket.timeout:
        got = None
    assert got is None            # not served while the first one holds the slot
    assert a.accepted == 1
    first.close()
    second.settimeout(5)
    assert second.recv(100) == b"a\n"
    second.close()


def test_tcplog_line_and_health_log_sequence(tmp_path, procs):
    a = Backend("a")
    procs.append(a)
    port = free_port()
    rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rx.bind(("127.0.0.1", 0))
    rx.settimeout(5)
    text = """
global
    log 127.0.0.1:{lp} local0
defaults
    mode tcp
    log global
    option tcplog
    timeout connect 2s
    timeout client 10s
    timeout server 10s
listen app
    bind 127.0.0.1:{port}
    option log-health-checks
    server s1 127.0.0.1:{a} check inter 100 rise 2 fall 3
""".format(lp=rx.getsockname()[1], port=port, a=a.port)
    procs.append(Proxy(tmp_path, text, wait_port=port))
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            s.recv(100)
        lines = []
        wait_until(lambda: lines.append(rx.recv(4096).decode()) or
                   any(" app app/s1 " in l and " -- " in l for l in lines), what="tcplog line")
        line = [l for l in lines if " app app/s1 " in l and " -- " in l][-1]
        # <134> is local0.info; then HAProxy's tcplog fields
        assert line.startswith("<134>")
        import re
        assert re.search(r"127\.0\.0\.1:\d+ \[\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d\.\d{3}\] "
                         r"app app/s1 \d+/\d+/\d+ \d+ -- \d+/\d+/\d+/\d+/0 0/0$", line), line
        # once fully up (a first check passed), fall 3: two failed checks keep
        # it UP (3/3 -> 2/3 -> 1/3), the third takes it DOWN
        wait_until(lambda: any("Health check for server app/s1 succeeded" in l for l in lines) or
                   lines.append(rx.recv(4096).decode()), what="first check")
        a.stop_listening()
        wait_until(lambda: lines.append(rx.recv(4096).decode()) or
                   any("is DOWN" in l for l in lines), what="DOWN")
        failed = [l.split("status: ")[1] for l in lines
                  if "Health check for server app/s1 failed" in l]
        assert failed[-3:] == ["2/3 UP.", "1/3 UP.", "0/2 DOWN."], failed
    finally:
        rx.close()


def test_send_proxy_tells_the_server_who_the_client_is(tmp_path, procs):
    port, sport = free_port(), free_port()
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", sport))
    srv.listen(8)
    srv.settimeout(5)
    text, _ = cfg(tmp_path, """
listen app
    bind 127.0.0.1:{port}
    server p 127.0.0.1:{sport} send-proxy
""", port=port, sport=sport)
    procs.append(Proxy(tmp_path, text))
    wait_until(lambda: can_connect(port), what="proxy")
    c, _ = srv.accept()   # the readiness probe
    c.close()
    with socket.create_connection(("127.0.0.1", port), timeout=5) as cl:
        cl.sendall(b"hello")
        c, _ = srv.accept()
        c.settimeout(5)
        data = b""
        while b"hello" not in data:
            data += c.recv(200)
        c.close()
        line = data.split(b"\r\n")[0].decode()
        assert line == "PROXY TCP4 127.0.0.1 127.0.0.1 %d %d" % (cl.getsockname()[1], port)
    srv.close()


def test_ipv6_and_acl_switching(tmp_path, procs):
    a, b = Backend("a"), Backend("b")
    procs += [a, b]
    port = free_port()
    text, _ = cfg(tmp_path, """
frontend fe
    bind 127.0.0.1:{port}
    bind [::1]:{port}
    acl from_v6 src ::1
    use_backend be_b if from_v6
    default_backend be_a
backend be_a
    server a 127.0.0.1:{a}
backend be_b
    server b 127.0.0.1:{b}
""", port=port, a=a.port, b=b.port)
    procs.append(Proxy(tmp_path, text, wait_port=port))
    assert ask(port) == "a"
    with socket.create_connection(("::1", port), timeout=5) as s:
        assert s.makefile("rb").readline() == b"b\n"


def test_tcp_request_reject(tmp_path, procs):
    a = Backend("a")
    procs.append(a)
    port = free_port()
    text, sock = cfg(tmp_path, """
listen app
    bind 127.0.0.1:{port}
    tcp-request connection reject if {{ src 127.0.0.0/8 }}
    server a 127.0.0.1:{a}
""", port=port, a=a.port)
    procs.append(Proxy(tmp_path, text))
    wait_until(lambda: os.path.exists(sock), what="stats socket")
    # closed with a reset, as haproxy closes a rejected connection
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            assert s.recv(100) == b""
    except ConnectionResetError:
        pass
    assert a.accepted == 0


def test_freebind_binds_an_address_not_yet_on_this_node(tmp_path, procs):
    a = Backend("a")
    procs.append(a)
    port = free_port()
    vip = "198.18.255.77"      # not configured on any interface here
    text, sock = cfg(tmp_path, """
listen app
    bind {vip}:{port} freebind
    bind 127.0.0.1:{port}
    server a 127.0.0.1:{a}
""", vip=vip, port=port, a=a.port)
    p = Proxy(tmp_path, text, wait_port=port)
    procs.append(p)
    assert p.proc.poll() is None
    # without freebind the same configuration fails, saying which address
    bad = tmp_path / "bad.cfg"
    bad.write_text(text.replace(" freebind", "").replace(str(sock), str(tmp_path / "s2.sock"))
                   .replace(":%d" % port, ":%d" % free_port()))
    r = subprocess.run([PROXY, "-f", str(bad)], capture_output=True, text=True, timeout=10)
    assert r.returncode != 0
    assert vip in r.stderr and "cannot bind" in r.stderr


def test_daemon_pidfile_and_hard_stop(tmp_path, procs):
    a = Backend("a")
    procs.append(a)
    port = free_port()
    pidfile = tmp_path / "proxy.pid"
    text, sock = cfg(tmp_path, """
listen app
    bind 127.0.0.1:{port}
    server a 127.0.0.1:{a}
""", port=port, a=a.port)
    conf = tmp_path / "d.cfg"
    conf.write_text(text)
    r = subprocess.run([PROXY, "-D", "-p", str(pidfile), "-f", str(conf)], timeout=10)
    assert r.returncode == 0                 # the launcher returns once the daemon runs
    pid = int(wait_until(lambda: pidfile.exists() and pidfile.read_text().strip(), what="pidfile"))
    try:
        assert ask(port) == "a"
        info = cli(sock, "show info")
        assert "Pid: %d" % pid in info
        # -st: a new process takes over and the old one is terminated
        new = Proxy(tmp_path, text, args=["-st", str(pid)], name="new.cfg")
        procs.append(new)
        wait_until(lambda: not os.path.exists("/proc/%d" % pid) or
                   open("/proc/%d/stat" % pid).read().split()[2] == "Z", what="old process gone")
        assert ask(port) == "a"
    finally:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def test_runtime_api_help_info_and_errors(tmp_path, procs):
    a = Backend("a")
    procs.append(a)
    port = free_port()
    text, sock = cfg(tmp_path, """
listen app
    bind 127.0.0.1:{port}
    server a 127.0.0.1:{a}
""", port=port, a=a.port)
    procs.append(Proxy(tmp_path, text, wait_port=port))
    assert "show stat" in cli(sock, "help")
    info = dict(l.split(": ", 1) for l in cli(sock, "show info").splitlines() if ": " in l)
    assert info["Nbthread"] == "2" and info["Maxconn"] == "1000"
    assert cli(sock, "show backend").splitlines()[:2] == ["# name", "app"]
    assert "Unknown command" in cli(sock, "make coffee")
    assert "No such backend" in cli(sock, "set weight nope/a 10")
    assert cli(sock, "get weight app/a") == "1 (initial 1)\n\n"


def test_server_timeout_closes_a_silent_server(tmp_path, procs):
    port = free_port()
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    held = []

    def hold():
        # Accept and say nothing, until the test closes the socket.
        try:
            while True:
                held.append(silent.accept())
        except OSError:
            pass
    threading.Thread(target=hold, daemon=True).start()
    text, _ = cfg(tmp_path, """
listen app
    bind 127.0.0.1:{port}
    timeout server 300ms
    server quiet 127.0.0.1:{sp}
""", port=port, sp=silent.getsockname()[1])
    procs.append(Proxy(tmp_path, text, wait_port=port))
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(b"anyone?")
        assert s.recv(100) == b""       # the proxy gave up on the server
    silent.close()


def test_connect_timeout_then_redispatch(tmp_path, procs):
    b = Backend("b")
    procs.append(b)
    port = free_port()
    # A listener that never accepts, with its backlog full: SYNs are
    # dropped, so connecting to it hangs until `timeout connect`.
    black = socket.socket()
    black.bind(("127.0.0.1", 0))
    black.listen(0)
    fillers = []
    for _ in range(4):
        f = socket.socket()
        f.setblocking(False)
        f.connect_ex(black.getsockname())
        fillers.append(f)
    time.sleep(0.2)
    text, sock = cfg(tmp_path, """
listen app
    bind 127.0.0.1:{port}
    balance first
    timeout connect 200ms
    retries 1
    option redispatch
    server hole 127.0.0.1:{hp}
    server b 127.0.0.1:{b}
""", port=port, hp=black.getsockname()[1], b=b.port)
    procs.append(Proxy(tmp_path, text))
    wait_until(lambda: os.path.exists(sock), what="stats socket")
    assert ask(port) == "b"
    row = [r for r in stat_rows(sock) if r["svname"] == "hole"][0]
    assert int(row["econ"]) >= 1 and int(row["wredis"]) >= 1
    for f in fillers:
        f.close()
    black.close()

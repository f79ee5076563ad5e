"""vigilctl without vigild: --help of every command, usage errors (exit 2),
an unreachable socket (exit 3), local verification; and, against a fake
vigild written here, the exact requests vigilctl sends and how it passes the
replies on (configure edit included)."""
import os
import socket
import stat
import subprocess
import threading

import pytest

BUILD = os.environ.get("VIGIL_BUILD") or os.path.join(
    os.path.dirname(__file__), "..", "..", "build")
VIGILCTL = os.path.join(BUILD, "vigilctl")

CONFIG = """node n1
node n2
primitive vip ocf:heartbeat:IPaddr2 params ip=198.18.0.10 op monitor interval=10s
primitive web ocf:heartbeat:Dummy op monitor interval=10s
colocation web-with-vip inf: web vip
order vip-before-web Mandatory: vip web
"""

VERBS = {
    "configure": ["show", "history", "load", "verify", "edit"],
    "resource": ["start", "stop", "restart", "cleanup", "failcount", "locate", "move",
                 "migrate", "ban", "clear", "unmove", "unmigrate", "unban"],
    "node": ["standby", "online", "maintenance", "ready", "attribute", "list", "name"],
}


def run(*args, env=None, input=None, sock=None):
    e = dict(os.environ)
    e.pop("VIGIL_SOCKET", None)
    if env:
        e.update(env)
    cmd = [VIGILCTL] + (["--socket", str(sock)] if sock else []) + list(args)
    return subprocess.run(cmd, capture_output=True, text=True, env=e, input=input,
                          timeout=20)


def netstrings(data):
    fields = []
    while data:
        n, _, rest = data.partition(b":")
        n = int(n)
        fields.append(rest[:n])
        assert rest[n:n + 1] == b","
        data = rest[n + 1:]
    return fields


def netstring(s):
    b = s.encode() if isinstance(s, str) else s
    return str(len(b)).encode() + b":" + b + b","


class FakeVigild:
    """A unix socket speaking vigild's framing (src/lib/ipc.h). `handler`
    maps a request (list of str) to (code, stdout, stderr); every request
    is kept in `requests`."""

    def __init__(self, path, handler=None):
        self.path = str(path)
        self.handler = handler or (lambda req: (0, "", ""))
        self.requests = []
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.bind(self.path)
        self.sock.listen(16)
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            with c:
                data = b""
                while True:
                    d = c.recv(65536)
                    if not d:
                        break
                    data += d
                req = [f.decode() for f in netstrings(data)]
                self.requests.append(req)
                code, out, err = self.handler(req)
                c.sendall(netstring(str(code)) + netstring(out) + netstring(err))

    def close(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()


@pytest.fixture
def fake(tmp_path):
    daemons = []

    def start(handler=None):
        d = FakeVigild(tmp_path / "vigild.sock", handler)
        daemons.append(d)
        return d
    yield start
    for d in daemons:
        d.close()


# --- help and usage, no daemon ------------------------------------------

def test_top_level_help():
    for flag in ("--help", "-h", "help"):
        p = run(flag)
        assert p.returncode == 0, p.stderr
        assert p.stdout.startswith("Usage: vigilctl")
        for cmd in ("status", "configure", "resource", "node", "history", "simulate"):
            assert "\n  " + cmd in p.stdout
        assert p.stderr == ""


def test_no_command_is_a_usage_error():
    p = run()
    assert p.returncode == 2
    assert "Usage: vigilctl" in p.stderr and p.stdout == ""


def test_unknown_command_suggests():
    p = run("resorce", "start", "a")
    assert p.returncode == 2
    assert "unknown command 'resorce'; did you mean 'resource'?" in p.stderr


@pytest.mark.parametrize("cmd", ["status", "history", "simulate", "configure", "resource",
                                 "node"])
def test_command_help(cmd):
    for flag in ("--help", "-h"):
        p = run(cmd, flag)
        assert p.returncode == 0, p.stderr
        assert p.stdout.startswith("Usage: vigilctl " + cmd), p.stdout
        assert p.stderr == ""


@pytest.mark.parametrize("group,verb", [(g, v) for g, vs in VERBS.items() for v in vs])
def test_verb_help(group, verb, tmp_path):
    # --help wins wherever it is, even after other arguments, and needs no
    # daemon (the socket does not exist)
    for args in ([verb, "--help"], [verb, "-h"], [verb, "x", "--help"]):
        p = run(group, *args, sock=tmp_path / "none")
        assert p.returncode == 0, p.stderr
        assert p.stdout.startswith("Usage: vigilctl %s %s" % (group, verb)), p.stdout
        assert "--help" in p.stdout
        assert p.stderr == ""


def test_help_documents_arguments():
    p = run("node", "attribute", "--help")
    for word in ("NODE", "NAME", "VALUE", "--delete"):
        assert "  " + word in p.stdout
    p = run("configure", "load", "--help")
    for word in ("update", "replace", "FILE"):
        assert "  " + word in p.stdout


@pytest.mark.parametrize("args,msg", [
    (["resource"], "missing command"),
    (["resource", "strat", "a"], "did you mean 'start'?"),
    (["resource", "start"], "missing argument"),
    (["resource", "start", "a", "n1", "extra"], "unexpected argument 'extra'"),
    (["resource", "clear", "a", "n1"], "unexpected argument 'n1'"),
    (["resource", "move", "--force", "a"], "unknown option '--force'"),
    (["node", "attribute", "n1"], "missing argument"),
    (["node", "attribute", "n1", "foo", "3", "--delete"], "either VALUE or --delete"),
    (["node", "standby", "n1", "n2"], "unexpected argument"),
    (["node", "list", "x"], "unexpected argument"),
    (["configure"], "missing command"),
    (["configure", "load", "merge", "f.crm"], "'update' or 'replace'"),
    (["configure", "load", "update"], "missing argument"),
    (["configure", "show", "--version"], "needs a value"),
    (["configure", "show", "--version", "x"], "version number"),
    (["configure", "show", "--verison", "3"], "did you mean '--version'?"),
    (["configure", "verify"], "missing argument"),
    (["configure", "edit", "x"], "unexpected argument"),
    (["status", "--jsn"], "did you mean '--json'?"),
    (["status", "x"], "unexpected argument"),
    (["history", "abc"], "positive number"),
    (["history", "0"], "positive number"),
    (["history", "1", "2"], "unexpected argument"),
    (["status", "--socket", "/x"], "--socket goes before the command"),
    (["--socket"], "--socket needs a path"),
    (["--sock", "x", "status"], "unknown option '--sock'"),
])
def test_usage_errors(args, msg, tmp_path):
    p = run(*args, env={"VIGIL_SOCKET": str(tmp_path / "none")})
    assert p.returncode == 2, (p.stdout, p.stderr)
    assert msg in p.stderr
    assert "Usage: vigilctl" in p.stderr
    assert p.stdout == ""


def test_simulate_needs_one_source():
    p = run("simulate")
    assert p.returncode == 2 and "--live" in p.stderr
    p = run("simulate", "--live", "--cib", "x.xml")
    assert p.returncode == 2


# --- vigild unreachable ---------------------------------------------------

@pytest.mark.parametrize("args", [["status"], ["resource", "stop", "web"],
                                  ["node", "list"], ["configure", "show"],
                                  ["history"], ["simulate", "--live"]])
def test_unreachable_socket(args, tmp_path):
    path = str(tmp_path / "vigild.sock")
    for how in ("option", "env"):
        if how == "option":
            p = run(*args, sock=path)
        else:
            p = run(*args, env={"VIGIL_SOCKET": path})
        assert p.returncode == 3, p.stderr
        assert "cannot reach vigild at " + path in p.stderr
        assert "is vigild running?" in p.stderr
        assert p.stdout == ""


def test_socket_option_beats_environment(tmp_path, fake):
    d = fake()
    p = run("status", sock=d.path, env={"VIGIL_SOCKET": str(tmp_path / "none")})
    assert p.returncode == 0, p.stderr
    assert d.requests == [["status"]]


def test_permission_denied(tmp_path, fake):
    """A user who may not open the socket gets exit status 4."""
    d = fake()
    if os.geteuid() == 0:
        # root connects to any socket: run as nobody, who cannot reach it
        os.chmod(d.path, 0o600)
        nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
        try:
            ok = subprocess.run(nobody + [VIGILCTL, "--help"], capture_output=True).returncode
        except FileNotFoundError:
            ok = -1
        if ok != 0:
            pytest.skip("cannot run vigilctl as nobody (setpriv, or the build directory)")
        cmd = nobody + [VIGILCTL, "--socket", d.path, "status"]
    else:
        os.chmod(d.path, 0)
        cmd = [VIGILCTL, "--socket", d.path, "status"]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=20)
    assert p.returncode == 4, p.stderr
    assert "Permission denied" in p.stderr
    assert d.requests == []


# --- configure verify --local and files, no daemon ----------------------

def test_verify_local_valid(tmp_path):
    f = tmp_path / "cluster.crm"
    f.write_text(CONFIG)
    p = run("configure", "verify", "--local", str(f), sock=tmp_path / "none")
    assert p.returncode == 0, p.stderr
    assert p.stderr == ""


def test_verify_local_errors_name_file_and_line(tmp_path):
    f = tmp_path / "bad.crm"
    f.write_text("node n1\nprimitve a ocf:pacemaker:Dummy\n")
    p = run("configure", "verify", "--local", str(f), sock=tmp_path / "none")
    assert p.returncode == 1
    assert str(f) + ":2:" in p.stderr
    assert "did you mean 'primitive'?" in p.stderr


def test_verify_local_reference_error(tmp_path):
    f = tmp_path / "bad.crm"
    f.write_text("node n1\nprimitive a ocf:heartbeat:Dummy\norder o Mandatory: a nothere\n")
    p = run("configure", "verify", "--local", str(f), sock=tmp_path / "none")
    assert p.returncode == 1
    assert "nothere" in p.stderr


def test_verify_local_stdin(tmp_path):
    p = run("configure", "verify", "--local", "-", input=CONFIG, sock=tmp_path / "none")
    assert p.returncode == 0, p.stderr


@pytest.mark.parametrize("args", [["configure", "load", "update"],
                                  ["configure", "load", "replace"],
                                  ["configure", "verify"],
                                  ["configure", "verify", "--local"]])
def test_unreadable_file_is_an_error_before_the_daemon(args, tmp_path):
    missing = str(tmp_path / "missing.crm")
    p = run(*args, missing, sock=tmp_path / "none")
    assert p.returncode == 1
    assert "cannot read " + missing + ": No such file or directory" in p.stderr


# --- requests, against a fake vigild --------------------------------------

@pytest.mark.parametrize("args,sent", [
    (["status"], ["status"]),
    (["status", "--json"], ["status", "--json"]),
    (["history"], ["history"]),
    (["history", "20", "--json"], ["history", "--json", "20"]),
    (["configure", "show"], ["configure", "show"]),
    (["configure", "show", "--version", "3"], ["configure", "show", "--version", "3"]),
    (["configure", "show", "--version=3"], ["configure", "show", "--version", "3"]),
    (["configure", "history"], ["configure", "history"]),
    (["resource", "start", "web"], ["resource", "start", "web"]),
    (["resource", "stop", "web", "n1"], ["resource", "stop", "web", "n1"]),
    (["resource", "restart", "web"], ["resource", "restart", "web"]),
    (["resource", "cleanup", "web", "n2"], ["resource", "cleanup", "web", "n2"]),
    (["resource", "failcount", "web"], ["resource", "failcount", "web"]),
    (["resource", "locate", "web"], ["resource", "locate", "web"]),
    (["resource", "move", "web", "n2"], ["resource", "move", "web", "n2"]),
    (["resource", "migrate", "web", "n2"], ["resource", "move", "web", "n2"]),
    (["resource", "move", "web"], ["resource", "move", "web"]),
    (["resource", "ban", "web", "n1"], ["resource", "ban", "web", "n1"]),
    (["resource", "clear", "web"], ["resource", "clear", "web"]),
    (["resource", "unmove", "web"], ["resource", "clear", "web"]),
    (["resource", "unmigrate", "web"], ["resource", "clear", "web"]),
    (["resource", "unban", "web"], ["resource", "clear", "web"]),
    (["node", "standby"], ["node", "standby"]),
    (["node", "standby", "n2"], ["node", "standby", "n2"]),
    (["node", "online", "n2"], ["node", "online", "n2"]),
    (["node", "maintenance"], ["node", "maintenance"]),
    (["node", "ready", "n1"], ["node", "ready", "n1"]),
    (["node", "attribute", "n1", "rack"], ["node", "attribute", "n1", "rack"]),
    (["node", "attribute", "n1", "rack", "r2"], ["node", "attribute", "n1", "rack", "r2"]),
    (["node", "attribute", "n1", "pingd", "-INFINITY"],
     ["node", "attribute", "n1", "pingd", "-INFINITY"]),
    (["node", "attribute", "n1", "score", "-5"], ["node", "attribute", "n1", "score", "-5"]),
    (["node", "attribute", "n1", "rack", "--delete"],
     ["node", "attribute", "n1", "rack", "--delete"]),
    (["node", "attribute", "--delete", "n1", "rack"],
     ["node", "attribute", "n1", "rack", "--delete"]),
    (["node", "attribute", "n1", "opt", "--", "--weird"],
     ["node", "attribute", "n1", "opt", "--weird"]),
    (["node", "list"], ["node", "list"]),
    (["node", "name"], ["node", "name"]),
])
def test_requests(args, sent, fake):
    d = fake()
    p = run(*args, sock=d.path)
    assert p.returncode == 0, p.stderr
    assert d.requests == [sent]


def test_reply_is_passed_through(fake):
    d = fake(lambda req: (1, "some output\n", "vigild: unknown resource 'nope'\n"))
    p = run("resource", "stop", "nope", sock=d.path)
    assert p.returncode == 1
    assert p.stdout == "some output\n"
    assert p.stderr == "vigild: unknown resource 'nope'\n"


@pytest.mark.parametrize("code", [0, 1, 2, 4, 5])
def test_reply_code_is_the_exit_status(code, fake):
    d = fake(lambda req: (code, "", ""))
    assert run("status", sock=d.path).returncode == code


def test_load_sends_file_contents(tmp_path, fake):
    d = fake()
    f = tmp_path / "cluster.crm"
    f.write_text(CONFIG)
    p = run("configure", "load", "replace", str(f), sock=d.path)
    assert p.returncode == 0, p.stderr
    assert d.requests == [["configure", "load", "replace", str(f), CONFIG]]
    p = run("configure", "load", "update", "-", input="node n3\n", sock=d.path)
    assert p.returncode == 0, p.stderr
    assert d.requests[1] == ["configure", "load", "update", "(stdin)", "node n3\n"]


def test_verify_sends_file_contents(tmp_path, fake):
    d = fake(lambda req: (1, "", "cluster.crm:3: agent ocf:heartbeat:Nope is not installed\n"))
    f = tmp_path / "cluster.crm"
    f.write_text(CONFIG)
    p = run("configure", "verify", str(f), sock=d.path)
    assert p.returncode == 1
    assert "not installed" in p.stderr
    assert d.requests == [["configure", "verify", str(f), CONFIG]]


def test_verify_local_asks_nothing(tmp_path, fake):
    d = fake()
    f = tmp_path / "cluster.crm"
    f.write_text(CONFIG)
    assert run("configure", "verify", "--local", str(f), sock=d.path).returncode == 0
    assert d.requests == []


def test_simulate_live(tmp_path, fake):
    f = tmp_path / "cluster.crm"
    f.write_text(CONFIG)
    cib = subprocess.run([VIGILCTL, "simulate", "--config", str(f), "--write-cib"],
                         capture_output=True, text=True, check=True).stdout
    d = fake(lambda req: (0, cib, "") if req == ["cib"] else (2, "", "bad request\n"))
    p = run("simulate", "--live", sock=d.path)
    assert p.returncode == 0, p.stderr
    assert d.requests == [["cib"]]
    assert "Transition Summary:" in p.stdout
    assert "Start" in p.stdout and "vip" in p.stdout


def test_simulate_live_bad_cib(fake):
    d = fake(lambda req: (0, "<cib><configuration>", ""))
    p = run("simulate", "--live", sock=d.path)
    assert p.returncode == 1
    assert "(live CIB)" in p.stderr


def test_simulate_live_refused(fake):
    d = fake(lambda req: (4, "", "permission denied\n"))
    p = run("simulate", "--live", sock=d.path)
    assert p.returncode == 4
    assert "permission denied" in p.stderr


# --- configure edit ---------------------------------------------------------

SHOWN = "node n1\nprimitive web ocf:heartbeat:Dummy\n"


def editor(tmp_path, body):
    """An editor script: runs `body` (shell) with the file as $1."""
    path = tmp_path / "editor.sh"
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


class EditDaemon:
    def __init__(self, verify_errors=0):
        self.verify_errors = verify_errors   # how many verifies fail first

    def __call__(self, req):
        if req == ["configure", "show"]:
            return 0, SHOWN, ""
        if req[:2] == ["configure", "verify"]:
            if self.verify_errors:
                self.verify_errors -= 1
                return 1, "", "(edit):3: unknown keyword 'primitve'\n"
            return 0, "", ""
        if req[:3] == ["configure", "load", "replace"]:
            return 0, "configuration version 2 loaded\n", ""
        return 2, "", "unexpected request\n"


def temp_files(tmp_path):
    return sorted(p.name for p in tmp_path.glob("vigil-*.crm"))


def test_edit_applies_verified_change(tmp_path, fake):
    d = fake(EditDaemon())
    ed = editor(tmp_path, 'echo "node n2" >> "$1"')
    p = run("configure", "edit", sock=d.path,
            env={"VISUAL": "", "EDITOR": ed, "TMPDIR": str(tmp_path)})
    assert p.returncode == 0, p.stderr
    edited = SHOWN + "node n2\n"
    assert d.requests == [["configure", "show"],
                          ["configure", "verify", "(edit)", edited],
                          ["configure", "load", "replace", "(edit)", edited]]
    assert "configuration version 2 loaded" in p.stdout
    assert temp_files(tmp_path) == []


def test_edit_visual_beats_editor_and_takes_arguments(tmp_path, fake):
    d = fake(EditDaemon())
    good = editor(tmp_path, 'test "$1" = "--flag" && echo "node n3" >> "$2"')
    p = run("configure", "edit", sock=d.path,
            env={"VISUAL": good + " --flag", "EDITOR": "/bin/false", "TMPDIR": str(tmp_path)})
    assert p.returncode == 0, p.stderr
    assert d.requests[-1][-1] == SHOWN + "node n3\n"


def test_edit_file_has_crm_suffix(tmp_path, fake):
    d = fake(EditDaemon())
    ed = editor(tmp_path, 'case "$1" in *.crm) echo "node n2" >> "$1";; esac')
    p = run("configure", "edit", sock=d.path, env={"EDITOR": ed, "TMPDIR": str(tmp_path)})
    assert p.returncode == 0, p.stderr
    assert len(d.requests) == 3


def test_edit_without_change(tmp_path, fake):
    d = fake(EditDaemon())
    p = run("configure", "edit", sock=d.path,
            env={"VISUAL": "", "EDITOR": "true", "TMPDIR": str(tmp_path)})
    assert p.returncode == 0, p.stderr
    assert p.stdout == "no changes\n"
    assert d.requests == [["configure", "show"]]
    assert temp_files(tmp_path) == []


def test_edit_with_errors_applies_nothing_without_a_terminal(tmp_path, fake):
    d = fake(EditDaemon(verify_errors=1))
    ed = editor(tmp_path, 'echo "primitve x" >> "$1"')
    p = run("configure", "edit", sock=d.path, input="y\n",
            env={"VISUAL": "", "EDITOR": ed, "TMPDIR": str(tmp_path)})
    assert p.returncode == 1
    assert "unknown keyword 'primitve'" in p.stderr
    assert "Edit again" not in p.stderr     # stdin is not a terminal
    assert [r[:2] for r in d.requests] == [["configure", "show"], ["configure", "verify"]]
    kept = temp_files(tmp_path)
    assert len(kept) == 1 and kept[0] in p.stderr
    assert (tmp_path / kept[0]).read_text() == SHOWN + "primitve x\n"


def test_edit_editor_failure_applies_nothing(tmp_path, fake):
    d = fake(EditDaemon())
    ed = editor(tmp_path, 'echo "node n2" >> "$1"; exit 3')
    p = run("configure", "edit", sock=d.path,
            env={"VISUAL": "", "EDITOR": ed, "TMPDIR": str(tmp_path)})
    assert p.returncode == 1
    assert "exited with status 3" in p.stderr
    assert d.requests == [["configure", "show"]]


def test_edit_missing_editor(tmp_path, fake):
    d = fake(EditDaemon())
    p = run("configure", "edit", sock=d.path,
            env={"VISUAL": "", "EDITOR": str(tmp_path / "no-such-editor"),
                 "TMPDIR": str(tmp_path)})
    assert p.returncode == 1
    assert "cannot run" in p.stderr
    assert d.requests == [["configure", "show"]]


def test_edit_refused_show(tmp_path, fake):
    d = fake(lambda req: (4, "", "permission denied\n"))
    p = run("configure", "edit", sock=d.path, env={"EDITOR": "true", "TMPDIR": str(tmp_path)})
    assert p.returncode == 4
    assert "permission denied" in p.stderr
    assert temp_files(tmp_path) == []


def test_edit_again_on_a_terminal(tmp_path, fake):
    """With a terminal on stdin, an edit with errors is offered again; the
    second edit fixes it and is applied."""
    pty = pytest.importorskip("pty")
    d = fake(EditDaemon(verify_errors=1))
    # first run adds a bad line, the second replaces it with a good one
    ed = editor(tmp_path, 'if grep -q primitve "$1"; then sed -i "s/primitve x/node n4/" "$1";'
                ' else echo "primitve x" >> "$1"; fi')
    env = dict(os.environ, VISUAL="", EDITOR=ed, TMPDIR=str(tmp_path))
    env.pop("VIGIL_SOCKET", None)
    master, slave = pty.openpty()
    proc = subprocess.Popen([VIGILCTL, "--socket", d.path, "configure", "edit"],
                            stdin=slave, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=env, text=True)
    os.close(slave)
    os.write(master, b"y\n")
    out, err = proc.communicate(timeout=20)
    os.close(master)
    assert proc.returncode == 0, err
    assert "Edit again? [y/N]" in err
    assert [r[:2] for r in d.requests] == [["configure", "show"], ["configure", "verify"],
                                           ["configure", "verify"], ["configure", "load"]]
    assert d.requests[-1] == ["configure", "load", "replace", "(edit)", SHOWN + "node n4\n"]
    assert temp_files(tmp_path) == []

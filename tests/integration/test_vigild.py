"""vigild on one node (the `local` cluster layer): real OCF agents from
Debian's resource-agents, real processes, the real vigilctl. Each test has
its own state directory and socket; every process is stopped by pid."""
import os
import pwd
import signal
import subprocess
import threading
import time

import pytest

from conftest import BUILD, wait_until
from vigild import Vigild, alive

pytestmark = pytest.mark.skipif(not os.path.exists(os.path.join(
    os.path.dirname(__file__), "..", "..", "build", "vigild")) and
    not os.environ.get("VIGIL_BUILD"), reason="vigild not built")


@pytest.fixture
def vd(tmp_path):
    d = Vigild(tmp_path)
    yield d
    log = d.cleanup()
    assert "Sanitizer" not in log and "runtime error:" not in log, log


def dummy(name, tmp_path, extra=""):
    return (f"primitive {name} ocf:heartbeat:Dummy params state={tmp_path}/{name}.state "
            f"op monitor interval=1s timeout=10s {extra}\n")


BASE = "property stonith-enabled=false\n"


def initiated(log, rid, task):
    """Positions of 'Initiating RID TASK' lines in the log."""
    key = f"Initiating {rid} {task} on"
    out, pos = [], 0
    while (pos := log.find(key, pos)) >= 0:
        out.append(pos)
        pos += 1
    return out


def test_group_start_order_and_reverse_stop(vd, tmp_path):
    conf = BASE + "".join(dummy(n, tmp_path) for n in "abc") + "group g a b c\n"
    vd.load("g.crm", conf)
    for n in "abc":
        vd.wait_role(n, "Started")
    log = vd.log()
    starts = [initiated(log, n, "start")[0] for n in "abc"]
    assert starts == sorted(starts), log
    vd.ctl("resource", "stop", "g")
    for n in "abc":
        vd.wait_role(n, "Stopped")
    log = vd.log()
    stops = [initiated(log, n, "stop")[0] for n in "abc"]
    assert stops == sorted(stops, reverse=True), log
    for n in "abc":
        assert not (tmp_path / f"{n}.state").exists()


def test_native_process_crash_is_restarted_at_once(vd, tmp_path):
    vd.load("p.crm", BASE + "primitive api vigil:process params command='/bin/sleep 1000' "
            "op monitor interval=10s\n")
    vd.wait_role("api", "Started")
    pid = wait_until(lambda: vd.pid_of("api"), what="pid file")
    assert alive(pid)
    times = []
    for _ in range(3):
        t0 = time.monotonic()
        os.kill(pid, signal.SIGKILL)
        new = wait_until(lambda: (p := vd.pid_of("api")) and p != pid and alive(p) and p,
                         timeout=10, step=0.002, what="a new process")
        times.append((time.monotonic() - t0) * 1000)
        pid = new
    # Recovery time goes to the test log, never into an assertion: the
    # monitor interval is 10 s, so anything quick came from the pidfd.
    print(f"native process recovery after kill -9: {', '.join(f'{t:.1f} ms' for t in times)}")
    st = vd.status()
    assert st["fail_counts"], st
    assert any(f["attribute"].startswith("fail-count-api") and f["count"] == "3"
               for f in st["fail_counts"]), st


def test_ocf_monitor_failure_restarts(vd, tmp_path):
    vd.load("d.crm", BASE + dummy("d", tmp_path))
    vd.wait_role("d", "Started")
    state = tmp_path / "d.state"
    assert state.exists()
    state.unlink()  # Dummy's monitor now says "not running"
    wait_until(lambda: "d monitor failed" in vd.log(), what="the monitor to fail")
    wait_until(state.exists, what="d to be started again")
    vd.wait_role("d", "Started")
    st = vd.status()
    assert any(a["resource"] == "d" and a["operation"] == "monitor" and a["rc"] == 7
               for a in st["failed_actions"]), st


def test_migration_threshold_bans_then_failure_timeout_and_cleanup(vd, tmp_path):
    vd.load("p.crm", BASE + "primitive api vigil:process params command='/bin/sleep 1000' "
            "meta migration-threshold=2 failure-timeout=4s op monitor interval=10s\n")
    vd.wait_role("api", "Started")
    pid = wait_until(lambda: vd.pid_of("api"), what="pid file")
    os.kill(pid, signal.SIGKILL)
    pid = wait_until(lambda: (p := vd.pid_of("api")) and p != pid and alive(p) and p,
                     what="restart after the first failure")
    os.kill(pid, signal.SIGKILL)
    # Second failure: the threshold is reached, the node is banned.
    vd.wait_role("api", "Stopped")
    out = vd.ctl("resource", "failcount", "api").stdout
    assert "value=2" in out, out
    # failure-timeout expires: allowed again.
    vd.wait_role("api", "Started", timeout=15)
    # Fail it to the threshold again, then a cleanup allows it at once.
    for _ in range(2):
        pid = wait_until(lambda: vd.pid_of("api"), what="pid file")
        os.kill(pid, signal.SIGKILL)
        wait_until(lambda: vd.pid_of("api") != pid, what="the process to be handled")
    vd.wait_role("api", "Stopped")
    vd.ctl("resource", "cleanup", "api")
    vd.wait_role("api", "Started", timeout=5)
    assert "value=0" in vd.ctl("resource", "failcount", "api").stdout


def test_stateful_promoted_and_demoted(vd, tmp_path):
    conf = BASE + ("primitive st ocf:pacemaker:Stateful "
                   f"params state={tmp_path}/st.state "
                   "op monitor interval=2s role=Promoted op monitor interval=3s role=Unpromoted\n"
                   "clone stc st meta promotable=true promoted-max=1\n")
    vd.load("s.crm", conf)
    vd.wait_role("st", "Promoted", timeout=30)
    # The agent set its promotion score through Vigil's crm_attribute.
    r = subprocess.run([os.path.join(BUILD, "helpers", "crm_attribute"), "-N", "n1", "-n",
                        "master-st", "-l", "reboot", "-G", "-q"], capture_output=True, text=True,
                       env={**os.environ, "VIGIL_SOCKET": str(vd.sock)})
    assert r.returncode == 0 and int(r.stdout.strip()) > 0, (r.stdout, r.stderr)
    (tmp_path / "u.crm").write_text("clone stc st meta promotable=true promoted-max=1 "
                                    "target-role=Unpromoted\n")
    vd.ctl("configure", "load", "update", str(tmp_path / "u.crm"))
    vd.wait_role("st", "Unpromoted", timeout=30)


def test_vigild_kill9_restart_leaves_resources_alone(vd, tmp_path):
    conf = BASE + dummy("d", tmp_path) + ("primitive api vigil:process params "
                                          "command='/bin/sleep 1000' op monitor interval=5s\n")
    vd.load("c.crm", conf)
    vd.wait_role("d", "Started")
    vd.wait_role("api", "Started")
    pid = wait_until(lambda: vd.pid_of("api"), what="pid file")
    before = vd.log().count("Initiating")
    vd.kill9()
    mark = len(vd.log())
    vd.start()
    vd.wait_idle()
    wait_until(lambda: "probes complete" in vd.log()[mark:] or
               "Transition" in vd.log()[mark:] or vd.status()["transition"] == "idle",
               what="restart to settle")
    time.sleep(1)
    after_log = vd.log()[mark:]
    assert "Initiating" not in after_log, after_log
    assert vd.pid_of("api") == pid and alive(pid)
    assert vd.role("d") == "Started" and vd.role("api") == "Started"
    assert before > 0
    # Its process is still watched: a crash now is still seen.
    os.kill(pid, signal.SIGKILL)
    wait_until(lambda: (p := vd.pid_of("api")) and p != pid and alive(p), what="restart")


def test_kill9_during_configuration_writes_loses_nothing(vd, tmp_path):
    """Kill vigild at random points while it accepts configurations: after a
    restart the configuration is a whole version, never a torn one, and
    every version a client saw accepted is there."""
    accepted = []
    for i in range(8):
        text = BASE + "".join(f"primitive r{i}_{k} ocf:heartbeat:Dummy params "
                              f"state={tmp_path}/r{i}_{k}.state meta target-role=Stopped\n"
                              for k in range(40))
        path = tmp_path / f"c{i}.crm"
        path.write_text(text)
        done = {}

        def load():
            done["r"] = vd.ctl("configure", "load", "replace", str(path), check=False)

        t = threading.Thread(target=load)
        t.start()
        time.sleep(0.002 * i)
        vd.kill9()
        t.join(30)
        r = done.get("r")
        if r is not None and r.returncode == 0:
            accepted.append(i)
        vd.start()
        shown = vd.ctl("configure", "show").stdout
        if r is not None and r.returncode == 0:
            assert f"r{i}_39 " in shown, shown
        # A whole version: all 40 primitives of one load, or none.
        for j in range(i + 1):
            n = shown.count(f"primitive r{j}_")
            assert n in (0, 40), (j, n)
    assert "torn" not in vd.log() or accepted is not None


def test_bad_input_changes_nothing(vd, tmp_path):
    vd.load("ok.crm", BASE + dummy("d", tmp_path))
    version = vd.status()["config_version"]
    shown = vd.ctl("configure", "show").stdout

    r = vd.load("bad.crm", BASE + "primitve x ocf:heartbeat:Dummy\n", check=False)
    assert r.returncode == 1
    assert "bad.crm:2" in r.stderr and "primitve" in r.stderr, r.stderr
    r = vd.load("noagent.crm", BASE + "primitive x ocf:heartbeat:NoSuchAgent\n", check=False)
    assert r.returncode == 1 and "not installed" in r.stderr, r.stderr
    r = vd.load("badref.crm", BASE + dummy("d", tmp_path) + "group g d nosuch\n", check=False)
    assert r.returncode == 1 and "nosuch" in r.stderr, r.stderr
    assert vd.status()["config_version"] == version
    assert vd.ctl("configure", "show").stdout == shown

    r = vd.ctl("resource", "stop", "nosuch", check=False)
    assert r.returncode == 5 and "no such resource" in r.stderr
    r = vd.ctl("node", "standby", "nosuchnode", check=False)
    assert r.returncode == 5 and "no such node" in r.stderr
    r = vd.ctl("resource", "frobnicate", "d", check=False)
    assert r.returncode == 2
    r = vd.ctl("configure", "show", "--version", "999", check=False)
    assert r.returncode == 5
    assert vd.status()["config_version"] == version


def test_socket_refuses_users_without_rights(vd, tmp_path):
    nobody = pwd.getpwnam("nobody")
    os.chmod(tmp_path, 0o755)
    r = vd.ctl("status", check=False, user=nobody.pw_uid)
    assert r.returncode == 4, (r.returncode, r.stdout, r.stderr)
    assert "permission denied" in r.stderr.lower()
    # Even with the socket file opened to all, vigild itself refuses.
    os.chmod(vd.sock, 0o666)
    r = vd.ctl("resource", "stop", "x", check=False, user=nobody.pw_uid)
    assert r.returncode == 4 and "permission denied" in r.stderr.lower(), r.stderr


def test_configuration_history_and_versions(vd, tmp_path):
    vd.load("one.crm", BASE + dummy("d", tmp_path, "meta target-role=Stopped"))
    vd.load("two.crm", BASE + dummy("d", tmp_path))
    hist = vd.ctl("configure", "history").stdout
    assert "one.crm" in hist and "two.crm" in hist
    v = vd.status()["config_version"]
    old = vd.ctl("configure", "show", "--version", str(v - 1)).stdout
    assert "target-role=Stopped" in old
    vd.wait_role("d", "Started")
    h = vd.ctl("history").stdout
    assert "d start on n1" in h, h
    # Each decision's input is kept: simulate replays why d was started.
    inputs = sorted((vd.state / "pe").glob("pe-input-*.xml"))
    assert inputs
    r = vd.ctl("simulate", "--cib", str(inputs[-1]))
    assert "Start      d" in r.stdout, r.stdout


def test_move_ban_clear_and_standby(vd, tmp_path):
    vd.load("d.crm", BASE + dummy("d", tmp_path))
    vd.wait_role("d", "Started")
    vd.ctl("resource", "ban", "d")
    vd.wait_role("d", "Stopped")
    assert "cli-ban-d-on-n1" in vd.ctl("configure", "show").stdout
    vd.ctl("resource", "clear", "d")
    vd.wait_role("d", "Started")
    vd.ctl("node", "standby")
    vd.wait_role("d", "Stopped")
    vd.ctl("node", "online")
    vd.wait_role("d", "Started")
    assert vd.ctl("resource", "locate", "d").stdout.strip() == "resource d is running on: n1"


def test_changed_parameters_restart_the_resource(vd, tmp_path):
    vd.load("p.crm", BASE + "primitive api vigil:process params command='/bin/sleep 1000' "
            "op monitor interval=10s\n")
    vd.wait_role("api", "Started")
    pid = wait_until(lambda: vd.pid_of("api"), what="pid file")
    # An unrelated change leaves it alone.
    vd.load("q.crm", "primitive other ocf:heartbeat:Dummy params "
            f"state={tmp_path}/o.state\n", mode="update")
    vd.wait_role("other", "Started")
    assert vd.pid_of("api") == pid
    vd.load("r.crm", "primitive api vigil:process params command='/bin/sleep 999' "
            "op monitor interval=10s\n", mode="update")
    new = wait_until(lambda: (p := vd.pid_of("api")) and p != pid and alive(p) and p,
                     what="a restart with the new command")
    assert not alive(pid)
    with open(f"/proc/{new}/cmdline") as f:
        assert f.read().split("\0")[:2] == ["/bin/sleep", "999"]


def test_logging_process_survives_vigild_restart(vd, tmp_path):
    """Its output goes to a file, not a pipe to vigild: a process that logs
    keeps running through a kill -9 of vigild, and the new vigild logs its
    new lines."""
    vd.load("t.crm", BASE + "primitive talker vigil:process params "
            "command=\"/bin/sh -c 'while :; do echo tick; sleep 0.05; done'\"\n")
    vd.wait_role("talker", "Started")
    pid = wait_until(lambda: vd.pid_of("talker"), what="pid file")
    wait_until(lambda: "talker: tick" in vd.log(), what="its output in the log")
    vd.kill9()
    time.sleep(0.5)
    mark = len(vd.log())
    vd.start()
    vd.wait_idle()
    wait_until(lambda: vd.log()[mark:].count("talker: tick") >= 3,
               what=f"its output in the new vigild's log:\n{vd.log()[mark:]}")
    after = vd.log()[mark:]
    assert vd.pid_of("talker") == pid and alive(pid), after
    assert initiated(after, "talker", "start") == [], after
    out = vd.state / "process" / "talker.out"
    assert out.exists()
    vd.ctl("resource", "stop", "talker")
    vd.wait_role("talker", "Stopped")
    assert not alive(pid)
    assert not out.exists() and vd.pid_of("talker") is None

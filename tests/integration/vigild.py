"""A vigild in the `local` single-node cluster layer, for integration tests:
its own state directory and socket under the test's tmp_path, driven with
the real vigilctl. Processes it starts for vigil:process resources are
found through their pid files and killed by pid when the test ends."""
import json
import os
import signal
import subprocess
import time

from conftest import BUILD, wait_until

VIGILD = os.path.join(BUILD, "vigild")
VIGILCTL = os.path.join(BUILD, "vigilctl")


class Vigild:
    def __init__(self, tmp_path, node="n1", netns=None, args=()):
        self.tmp = tmp_path
        self.node = node
        self.netns = netns
        self.args = list(args)
        self.state = tmp_path / "state"
        self.sock = tmp_path / "vigild.sock"
        self.logpath = tmp_path / "vigild.log"
        self.proc = None
        self.seen_pids = set()
        self.start()

    def command(self):
        cmd = [VIGILD, "-f", "--cluster", "local", "--state-dir", str(self.state),
               "--socket", str(self.sock), "--node-name", self.node,
               "--helper-dir", os.path.join(BUILD, "helpers"), "--log-level", "info",
               *self.args]
        if self.netns:
            cmd = ["ip", "netns", "exec", self.netns] + cmd
        return cmd

    def start(self):
        log = open(self.logpath, "ab")
        self.proc = subprocess.Popen(self.command(), stdout=log, stderr=subprocess.STDOUT)
        log.close()
        wait_until(lambda: self.proc.poll() is not None or
                   self.ctl("node", "name", check=False).returncode == 0,
                   what="vigild to answer")
        assert self.proc.poll() is None, self.log()

    def log(self):
        return self.logpath.read_text(errors="replace")

    def ctl(self, *args, check=True, user=None, timeout=30):
        cmd = [VIGILCTL, "--socket", str(self.sock), *args]
        kw = {}
        if user is not None:
            kw["user"] = user
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)
        if check and r.returncode != 0:
            raise AssertionError(f"{cmd} exited {r.returncode}: {r.stdout}{r.stderr}")
        return r

    def load(self, tmp_name, text, mode="replace", check=True):
        path = self.tmp / tmp_name
        path.write_text(text)
        return self.ctl("configure", "load", mode, str(path), check=check)

    def status(self):
        return json.loads(self.ctl("status", "--json").stdout)

    def rsc(self, rid):
        """A primitive by id; for a clone's primitive, its first instance
        that is not stopped (or the first instance)."""
        found = None
        for r in self.status()["resources"]:
            if r["id"] == rid:
                return r
            if r["id"].split(":")[0] == rid and (found is None or found["role"] == "Stopped"):
                found = r
        if found is None:
            raise KeyError(rid)
        return found

    def role(self, rid):
        return self.rsc(rid)["role"]

    def settled(self, rid, role):
        r = self.rsc(rid)
        return r["role"] == role and not r["pending"]

    def wait_role(self, rid, role, timeout=20):
        wait_until(lambda: self.settled(rid, role), timeout=timeout,
                   what=f"{rid} to be {role}; log:\n{self.log()[-3000:]}")

    def wait_idle(self, timeout=20):
        wait_until(lambda: self.status()["transition"] == "idle", timeout=timeout,
                   what="no transition running")

    def pid_of(self, rid):
        """The pid of a vigil:process resource, from its pid file."""
        try:
            text = (self.state / "process" / f"{rid}.pid").read_text()
        except FileNotFoundError:
            return None
        pid = int(text.split()[0])
        self.seen_pids.add(pid)
        return pid

    def kill9(self):
        self.proc.kill()
        self.proc.wait(10)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)

    def cleanup(self):
        """Stop vigild, then every process its resources left behind."""
        self.stop()
        pdir = self.state / "process"
        if pdir.exists():
            for f in pdir.glob("*.pid"):
                try:
                    self.seen_pids.add(int(f.read_text().split()[0]))
                except (ValueError, IndexError, OSError):
                    pass
        for pid in self.seen_pids:
            try:
                os.killpg(pid, signal.SIGKILL)
            except OSError:
                pass
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        log = self.log() if self.logpath.exists() else ""
        return log


def alive(pid):
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split()[2] != "Z"
    except OSError:
        return False

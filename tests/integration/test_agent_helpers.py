"""The Pacemaker commands agents call (build/helpers/: crm_attribute,
crm_master, crm_node, attrd_updater, crm_resource).

Against a fake vigild (test_vigilctl_cli.FakeVigild): the requests each
option sends and the output and exit codes agents see, Pacemaker's. Against
the real build/vigild (skipped until it is built): attributes set and read
back, promotion scores, the node name."""
import os
import signal
import subprocess
import time

import pytest

from test_vigilctl_cli import FakeVigild

BUILD = os.environ.get("VIGIL_BUILD") or os.path.join(
    os.path.dirname(__file__), "..", "..", "build")
HELPERS = os.path.join(BUILD, "helpers")
VIGILD = os.path.join(BUILD, "vigild")
STATEFUL = "/usr/lib/ocf/resource.d/pacemaker/Stateful"

CRM_EX_UNIMPLEMENT_FEATURE = 3
CRM_EX_USAGE = 64
CRM_EX_UNAVAILABLE = 69
CRM_EX_NOSUCH = 105


def helper(name, *args, sock, env=None):
    e = {k: v for k, v in os.environ.items()
         if k != "OCF_RESOURCE_INSTANCE" and not k.startswith("VIGIL_")}
    e["VIGIL_SOCKET"] = str(sock)
    if env:
        e.update(env)
    return subprocess.run([os.path.join(HELPERS, name), *args], capture_output=True,
                          text=True, env=e, timeout=20)


class Cluster:
    """What the fake vigild knows: nodes, attributes, resource locations."""

    def __init__(self):
        self.attrs = {}   # (node, name, lifetime) -> value
        # the forms a locate reply may take
        self.locations = {"st": "n1 promoted\nn2\n", "web": "",
                          "db": "resource db is running on: n2\n",
                          "ip": "resource ip is NOT running\n",
                          "cl": "resource cl is running on: n1 n2 n3\n"}

    def __call__(self, req):
        if req == ["node", "name"]:
            return 0, "n1\n", ""
        if req == ["node", "list"]:
            return 0, "1 n1 member\n2 n2 member\n3 n3 lost\n", ""
        if req[:2] == ["attribute", "update"] and len(req) == 6:
            node, name, value, lifetime = req[2:]
            self.attrs[(node, name, lifetime)] = value
            return 0, "", ""
        if req[:2] == ["attribute", "query"] and len(req) == 5:
            key = tuple(req[2:])
            if key in self.attrs:
                return 0, self.attrs[key] + "\n", ""
            return 5, "", "No such device or address\n"
        if req[:2] == ["attribute", "delete"] and len(req) == 5:
            self.attrs.pop(tuple(req[2:]), None)
            return 0, "", ""
        if req[:2] == ["resource", "locate"] and len(req) == 3:
            if req[2] in self.locations:
                return 0, self.locations[req[2]], ""
            return 5, "", "unknown resource '%s'\n" % req[2]
        return 2, "", "unexpected request %r\n" % (req,)


@pytest.fixture
def fake(tmp_path):
    cluster = Cluster()
    d = FakeVigild(tmp_path / "vigild.sock", cluster)
    d.cluster = cluster
    yield d
    d.close()


def attr_requests(d):
    return [r for r in d.requests if r[0] == "attribute"]


# --- crm_attribute ------------------------------------------------------------

def test_crm_attribute_update_and_query(fake):
    p = helper("crm_attribute", "-N", "n1", "-n", "foo", "-v", "3", "-l", "reboot", sock=fake.path)
    assert p.returncode == 0, p.stderr
    assert p.stdout == ""
    assert fake.requests == [["attribute", "update", "n1", "foo", "3", "reboot"]]
    p = helper("crm_attribute", "-N", "n1", "-n", "foo", "-G", "-q", "-l", "reboot",
               sock=fake.path)
    assert (p.returncode, p.stdout) == (0, "3\n"), p.stderr
    p = helper("crm_attribute", "--node", "n1", "--name", "foo", "--query",
               "--lifetime", "reboot", sock=fake.path)
    assert p.stdout == "scope=status  name=foo value=3\n"
    assert fake.requests[-1] == ["attribute", "query", "n1", "foo", "reboot"]


def test_crm_attribute_query_is_the_default(fake):
    fake.cluster.attrs[("n2", "rack", "forever")] = "r7"
    p = helper("crm_attribute", "-N", "n2", "-n", "rack", sock=fake.path)
    assert p.returncode == 0, p.stderr
    # -N alone is a permanent node attribute, as in Pacemaker
    assert p.stdout == "scope=nodes  name=rack value=r7\n"


def test_crm_attribute_local_node(fake):
    p = helper("crm_attribute", "-n", "foo", "-v", "1", "-l", "forever", sock=fake.path)
    assert p.returncode == 0, p.stderr
    assert fake.requests == [["node", "name"], ["attribute", "update", "n1", "foo", "1", "forever"]]


def test_crm_attribute_type_status(fake):
    p = helper("crm_attribute", "-t", "status", "-n", "foo", "-v", "2", sock=fake.path)
    assert p.returncode == 0, p.stderr
    assert attr_requests(fake) == [["attribute", "update", "n1", "foo", "2", "reboot"]]


def test_crm_attribute_unset(fake):
    p = helper("crm_attribute", "-N", "n1", "-n", "nope", "-G", "-l", "reboot", sock=fake.path)
    assert p.returncode == CRM_EX_NOSUCH
    assert "Error performing operation: No such device or address" in p.stderr
    assert p.stdout == ""
    p = helper("crm_attribute", "-N", "n1", "-n", "nope", "-G", "-q", "-l", "reboot",
               "-d", "dflt", sock=fake.path)
    assert (p.returncode, p.stdout) == (0, "dflt\n")
    p = helper("crm_attribute", "-N", "n1", "-n", "nope", "-G", "-l", "forever",
               "--default=0", sock=fake.path)
    assert (p.returncode, p.stdout) == (0, "scope=nodes  name=nope value=0\n")


def test_crm_attribute_daemon_error(tmp_path):
    d = FakeVigild(tmp_path / "s", lambda req: (1, "", "state directory is read-only\n"))
    try:
        p = helper("crm_attribute", "-N", "n1", "-n", "foo", "-G", "-l", "reboot", sock=d.path)
        assert p.returncode == 1
        assert p.stderr == "state directory is read-only\n"
    finally:
        d.close()


def test_crm_attribute_delete(fake):
    fake.cluster.attrs[("n1", "foo", "reboot")] = "3"
    p = helper("crm_attribute", "-N", "n1", "-n", "foo", "-D", "-l", "reboot", sock=fake.path)
    assert p.returncode == 0, p.stderr
    assert fake.requests == [["attribute", "delete", "n1", "foo", "reboot"]]
    assert fake.cluster.attrs == {}


@pytest.mark.parametrize("instance", ["st", "st:1", "st:12"])
def test_crm_attribute_promotion(fake, instance):
    env = {"OCF_RESOURCE_INSTANCE": instance}
    p = helper("crm_attribute", "--promotion", "-v", "10", sock=fake.path, env=env)
    assert p.returncode == 0, p.stderr
    assert attr_requests(fake) == [["attribute", "update", "n1", "master-st", "10", "reboot"]]
    p = helper("crm_attribute", "-p", "-G", "-q", sock=fake.path, env=env)
    assert (p.returncode, p.stdout) == (0, "10\n")
    p = helper("crm_attribute", "--promotion", "-D", sock=fake.path, env=env)
    assert p.returncode == 0
    assert attr_requests(fake)[-1] == ["attribute", "delete", "n1", "master-st", "reboot"]


def test_crm_attribute_promotion_of_named_resource(fake):
    p = helper("crm_attribute", "--promotion=db:0", "-N", "n2", "-v", "5", sock=fake.path,
               env={"OCF_RESOURCE_INSTANCE": "st:1"})
    assert p.returncode == 0, p.stderr
    assert fake.requests == [["attribute", "update", "n2", "master-db", "5", "reboot"]]


def test_crm_attribute_promotion_needs_a_resource(fake):
    p = helper("crm_attribute", "-p", "-v", "1", sock=fake.path)
    assert p.returncode == CRM_EX_USAGE
    assert "OCF_RESOURCE_INSTANCE" in p.stderr
    assert fake.requests == []


@pytest.mark.parametrize("args", [
    ["-n", "stonith-enabled", "-G"],                       # a cluster option
    ["--type=crm_config", "--name=no-quorum-policy", "--query"],
    ["-t", "rsc_defaults", "-n", "x", "-v", "1"],
    ["-N", "n1", "-z", "-n", "cpu", "-v", "2"],
    ["-P", "foo.*", "-G", "-l", "reboot"],
])
def test_crm_attribute_unsupported(fake, args):
    p = helper("crm_attribute", *args, sock=fake.path)
    assert p.returncode == CRM_EX_UNIMPLEMENT_FEATURE, p.stderr
    assert "not supported by Vigil" in p.stderr
    assert fake.requests == []


@pytest.mark.parametrize("args", [["--bogus"], ["-n"], ["-l", "sometimes", "-n", "x"],
                                  ["-t", "nowhere", "-n", "x"], ["-l", "reboot"],
                                  ["-n", "x", "-l", "reboot", "extra"]])
def test_crm_attribute_usage_errors(fake, args):
    p = helper("crm_attribute", *args, sock=fake.path)
    assert p.returncode == CRM_EX_USAGE, p.stderr
    assert p.stderr.startswith("crm_attribute: ")
    assert fake.requests == []


# --- crm_master ---------------------------------------------------------------

def test_crm_master(fake):
    env = {"OCF_RESOURCE_INSTANCE": "st:0"}
    p = helper("crm_master", "-v", "100", sock=fake.path, env=env)
    assert p.returncode == 0, p.stderr
    p = helper("crm_master", "-l", "reboot", "-G", "-q", sock=fake.path, env=env)
    assert (p.returncode, p.stdout) == (0, "100\n")
    p = helper("crm_master", "-r", "db", "-N", "n2", "-l", "forever", "-v", "5", sock=fake.path)
    assert p.returncode == 0, p.stderr
    p = helper("crm_master", "-D", sock=fake.path, env=env)
    assert p.returncode == 0, p.stderr
    assert attr_requests(fake) == [
        ["attribute", "update", "n1", "master-st", "100", "reboot"],
        ["attribute", "query", "n1", "master-st", "reboot"],
        ["attribute", "update", "n2", "master-db", "5", "forever"],
        ["attribute", "delete", "n1", "master-st", "reboot"]]


def test_crm_master_needs_a_resource(fake):
    p = helper("crm_master", "-v", "1", sock=fake.path)
    assert p.returncode == CRM_EX_USAGE
    assert "no resource" in p.stderr


# --- attrd_updater ------------------------------------------------------------

def test_attrd_updater(fake):
    p = helper("attrd_updater", "-n", "pingd", "-U", "100", sock=fake.path)
    assert p.returncode == 0, p.stderr
    p = helper("attrd_updater", "-n", "pingd", "-Q", sock=fake.path)
    assert (p.returncode, p.stdout) == (0, 'name="pingd" host="n1" value="100"\n')
    p = helper("attrd_updater", "-n", "pingd", "-Q", "-q", sock=fake.path)
    assert p.stdout == "100\n"
    p = helper("attrd_updater", "-D", "-n", "pingd", "-d", "5s", sock=fake.path)
    assert p.returncode == 0, p.stderr
    assert attr_requests(fake) == [
        ["attribute", "update", "n1", "pingd", "100", "reboot"],
        ["attribute", "query", "n1", "pingd", "reboot"],
        ["attribute", "query", "n1", "pingd", "reboot"],
        ["attribute", "delete", "n1", "pingd", "reboot"]]


@pytest.mark.parametrize("args", [["-B", "7", "-d", "5s"], ["-v", "7", "-d", "5s"],
                                  ["--update=7", "-p"], ["-S", "status", "-U", "7"]])
def test_attrd_updater_update_forms(fake, args):
    # the forms of ping, ifspeed and SysInfo
    p = helper("attrd_updater", "-n", "pingd", *args, sock=fake.path)
    assert p.returncode == 0, p.stderr
    assert attr_requests(fake) == [["attribute", "update", "n1", "pingd", "7", "reboot"]]


def test_attrd_updater_node_and_all(fake):
    p = helper("attrd_updater", "-n", "x", "-U", "1", "-N", "n2", sock=fake.path)
    assert p.returncode == 0, p.stderr
    fake.cluster.attrs[("n1", "x", "reboot")] = "2"
    p = helper("attrd_updater", "-n", "x", "-Q", "-A", sock=fake.path)
    assert p.returncode == 0, p.stderr
    assert p.stdout == 'name="x" host="n1" value="2"\nname="x" host="n2" value="1"\n'


def test_attrd_updater_unset(fake):
    p = helper("attrd_updater", "-n", "nope", "-Q", sock=fake.path)
    assert p.returncode == CRM_EX_NOSUCH
    assert "Could not query value of nope: attribute does not exist" in p.stderr
    p = helper("attrd_updater", "-n", "nope", "-Q", "-A", sock=fake.path)
    assert p.returncode == CRM_EX_NOSUCH


def test_attrd_updater_refresh_and_delay_change_nothing(fake):
    assert helper("attrd_updater", "-R", sock=fake.path).returncode == 0
    assert helper("attrd_updater", "-n", "x", "-Y", "-d", "3s", sock=fake.path).returncode == 0
    assert fake.requests == []


@pytest.mark.parametrize("args", [[], ["-n", "x"], ["-U", "1"], ["-n", "x", "-Q", "--bogus"]])
def test_attrd_updater_usage_errors(fake, args):
    p = helper("attrd_updater", *args, sock=fake.path)
    assert p.returncode == CRM_EX_USAGE, p.stderr


# --- crm_node -----------------------------------------------------------------

@pytest.mark.parametrize("args,out", [
    (["-n"], "n1\n"),
    (["--name"], "n1\n"),
    (["-l"], "1 n1 member\n2 n2 member\n3 n3 lost\n"),
    (["-p"], "n1 n2\n"),
    (["-i"], "1\n"),
    (["-N", "2"], "n2\n"),
])
def test_crm_node(fake, args, out):
    p = helper("crm_node", *args, sock=fake.path)
    assert (p.returncode, p.stdout) == (0, out), p.stderr


def test_crm_node_unknown_id(fake):
    p = helper("crm_node", "-N", "9", sock=fake.path)
    assert p.returncode == CRM_EX_NOSUCH


def test_crm_node_tolerates_other_list_layouts(tmp_path):
    d = FakeVigild(tmp_path / "s", lambda req: (0, "n1 online\nn2 offline\nn3\n", ""))
    try:
        p = helper("crm_node", "-l", sock=d.path)
        assert p.stdout == "1 n1 member\n2 n2 lost\n3 n3 member\n"
        p = helper("crm_node", "-p", sock=d.path)
        assert p.stdout == "n1 n3\n"
    finally:
        d.close()


@pytest.mark.parametrize("args,code", [([], CRM_EX_USAGE), (["--bogus"], CRM_EX_USAGE),
                                       (["-q"], CRM_EX_UNIMPLEMENT_FEATURE),
                                       (["-R", "n3"], CRM_EX_UNIMPLEMENT_FEATURE)])
def test_crm_node_errors(fake, args, code):
    p = helper("crm_node", *args, sock=fake.path)
    assert p.returncode == code, p.stderr
    assert fake.requests == []


# --- crm_resource -------------------------------------------------------------

def test_crm_resource_locate(fake):
    p = helper("crm_resource", "--locate", "-r", "st", sock=fake.path)
    assert p.returncode == 0, p.stderr
    assert p.stdout == ("resource st is running on: n1 Promoted\n"
                        "resource st is running on: n2\n")
    assert fake.requests == [["resource", "locate", "st"]]
    p = helper("crm_resource", "-W", "-r", "db", sock=fake.path)
    assert p.stdout == "resource db is running on: n2\n"
    p = helper("crm_resource", "-W", "-Q", "-r", "st", sock=fake.path)
    assert p.stdout == "n1\nn2\n"
    p = helper("crm_resource", "-W", "-r", "cl", sock=fake.path)
    assert p.stdout == ("resource cl is running on: n1\nresource cl is running on: n2\n"
                        "resource cl is running on: n3\n")


@pytest.mark.parametrize("rsc", ["web", "ip"])
def test_crm_resource_not_running(fake, rsc):
    p = helper("crm_resource", "-W", "-r", rsc, sock=fake.path)
    assert p.returncode == 0
    assert p.stdout == ""
    assert p.stderr == "resource %s is NOT running\n" % rsc


def test_crm_resource_unknown(fake):
    p = helper("crm_resource", "-W", "-r", "nope", sock=fake.path)
    assert p.returncode == CRM_EX_NOSUCH
    assert "nope" in p.stderr


@pytest.mark.parametrize("args", [["-C", "-r", "web"], ["--list"], ["-r", "web"], ["-W"]])
def test_crm_resource_only_locate(fake, args):
    p = helper("crm_resource", *args, sock=fake.path)
    assert p.returncode == CRM_EX_USAGE
    assert fake.requests == []


# --- all helpers --------------------------------------------------------------

@pytest.mark.parametrize("name,args", [
    ("crm_attribute", ["-N", "n1", "-n", "foo", "-G", "-l", "reboot"]),
    ("crm_attribute", ["-p", "-v", "1"]),
    ("crm_master", ["-v", "1"]),
    ("crm_node", ["-n"]),
    ("attrd_updater", ["-n", "x", "-U", "1"]),
    ("crm_resource", ["-W", "-r", "x"]),
])
def test_unreachable(tmp_path, name, args):
    p = helper(name, *args, sock=tmp_path / "none", env={"OCF_RESOURCE_INSTANCE": "st"})
    assert p.returncode == CRM_EX_UNAVAILABLE
    assert p.stderr.startswith(name + ": cannot reach vigild at ")


@pytest.mark.parametrize("name", ["crm_attribute", "crm_master", "crm_node", "attrd_updater",
                                  "crm_resource"])
def test_help(tmp_path, name):
    p = helper(name, "--help", sock=tmp_path / "none")
    assert p.returncode == 0
    assert p.stdout.startswith("Usage: " + name)


def test_vigil_helper_dispatches_on_its_first_argument(fake):
    p = subprocess.run([os.path.join(BUILD, "vigil-helper"), "crm_node", "-n"],
                       capture_output=True, text=True, env={"VIGIL_SOCKET": fake.path})
    assert (p.returncode, p.stdout) == (0, "n1\n"), p.stderr
    p = subprocess.run([os.path.join(BUILD, "vigil-helper")], capture_output=True, text=True)
    assert p.returncode == CRM_EX_USAGE


@pytest.mark.skipif(not os.path.exists(STATEFUL), reason="Pacemaker's Stateful agent not installed")
def test_stateful_agent_sets_its_promotion_score(fake, tmp_path):
    """The real Stateful agent, run as vigild runs agents (HA_SBIN_DIR and
    PATH at the helpers), sets and deletes master-st through them."""
    env = dict(os.environ, OCF_ROOT="/usr/lib/ocf", OCF_RESOURCE_INSTANCE="st:0",
               OCF_RESKEY_state=str(tmp_path / "st.state"), HA_SBIN_DIR=HELPERS,
               PATH=HELPERS + ":" + os.environ.get("PATH", ""), VIGIL_SOCKET=fake.path)
    for action, want in (("start", "5"), ("promote", "10"), ("demote", "5")):
        p = subprocess.run([STATEFUL, action], env=env, capture_output=True, text=True)
        assert p.returncode == 0, p.stdout + p.stderr
        assert fake.cluster.attrs[("n1", "master-st", "reboot")] == want, action
    p = subprocess.run([STATEFUL, "stop"], env=env, capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr
    assert ("n1", "master-st", "reboot") not in fake.cluster.attrs


# --- against the real vigild ----------------------------------------------------

needs_vigild = pytest.mark.skipif(not os.path.exists(VIGILD),
                                  reason="build/vigild is not built yet")


@pytest.fixture
def vigild(tmp_path):
    sock = tmp_path / "s"
    log = open(tmp_path / "vigild.log", "wb")
    proc = subprocess.Popen([VIGILD, "-f", "--cluster", "local", "--state-dir", str(tmp_path),
                             "--socket", str(sock), "--node-name", "n1"],
                            stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 10
    while not sock.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        assert sock.exists(), (tmp_path / "vigild.log").read_text(errors="replace")
        yield sock
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        log.close()


@needs_vigild
def test_vigild_attribute_round_trip(vigild):
    p = helper("crm_attribute", "-N", "n1", "-n", "foo", "-v", "3", "-l", "reboot", sock=vigild)
    assert p.returncode == 0, p.stderr
    p = helper("crm_attribute", "-N", "n1", "-n", "foo", "-G", "-q", "-l", "reboot",
               sock=vigild)
    assert (p.returncode, p.stdout) == (0, "3\n"), p.stderr


@needs_vigild
@pytest.mark.parametrize("how", [["crm_attribute", "-p"], ["crm_master"]])
def test_vigild_promotion_score(vigild, how):
    env = {"OCF_RESOURCE_INSTANCE": "st:1"}
    p = helper(*how, "-v", "10", sock=vigild, env=env)
    assert p.returncode == 0, p.stderr
    p = helper("crm_attribute", "-N", "n1", "-n", "master-st", "-l", "reboot", "-G", "-q",
               sock=vigild)
    assert (p.returncode, p.stdout) == (0, "10\n"), p.stderr


@needs_vigild
def test_vigild_node_name(vigild):
    p = helper("crm_node", "-n", sock=vigild)
    assert (p.returncode, p.stdout) == (0, "n1\n"), p.stderr

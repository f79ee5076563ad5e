"""vigild across nodes: 3-node clusters built by harness.py (namespaces,
Corosync, vigild per node, fence_vigiltest). Each test builds its own
cluster and removes it, processes by pid and namespaces by name, even on
failure."""
import os
import socket
import subprocess
import threading
import time

import pytest

from harness import VigilCluster, wait_until

VIP_PORT = 8080


@pytest.fixture
def cluster():
    c = VigilCluster(3)
    try:
        c.start()
        yield c
    finally:
        logs = [c.log(i) for i in range(1, 4)]
        c.remove()
    for log in logs:
        assert "Sanitizer" not in log and "runtime error:" not in log, log


def base(c, extra="", deadtime="2s"):
    return (f"property stonith-enabled=true\nproperty dc-deadtime={deadtime}\n"
            f"primitive fence stonith:fence_vigiltest params {c.fence_params()} "
            f'pcmk_host_list="n1 n2 n3"\n{extra}')


def service(c, vip, agent="vigil:vip"):
    """A VIP, and an HTTP server on it colocated with and ordered after it."""
    return (f"primitive vip {agent} params ip={vip} cidr_netmask=24 nic=eth0 "
            "op monitor interval=1s\n"
            "primitive web vigil:process params "
            f"command=\"/usr/bin/python3 -m http.server --bind {vip} {VIP_PORT}\" "
            f"cwd={c.cc.tmp} op monitor interval=5s\n"
            "group svc vip web\n")


def answers(c, observer, vip):
    """Node `observer` (its namespace) gets an HTTP answer from the VIP."""
    r = c.node_run(observer, ["/usr/bin/python3", "-c",
                              "import urllib.request,sys;"
                              f"urllib.request.urlopen('http://{vip}:{VIP_PORT}/',timeout=1);"
                              "print('ok')"], timeout=5)
    return r.returncode == 0 and "ok" in r.stdout


def holder(c, observer, rid):
    nodes = c.where(observer, rid)
    return nodes[0] if len(nodes) == 1 else None


def idx(c, name):
    return int(name[1:])


@pytest.mark.parametrize("agent", ["vigil:vip", "ocf:heartbeat:IPaddr2"])
def test_node_loss_fences_then_moves_vip_and_service(cluster, agent):
    c = cluster
    vip = f"{c.addr(1).rsplit('.', 1)[0]}.100"
    # dc-deadtime is for nodes that have not joined since the start: with
    # every node seen, a loss is recovered at once, not after 10 minutes.
    c.load(1, base(c, service(c, vip, agent), deadtime="10min"))
    node = wait_until(lambda: holder(c, 1, "web"), timeout=60, what="web to start")
    src = idx(c, node)
    observer = next(i for i in (1, 2, 3) if i != src)
    wait_until(lambda: answers(c, observer, vip), timeout=30, what="the VIP to answer")
    c.power_off(src)
    # The others fence it, then start the group elsewhere.
    wait_until(lambda: f"Node {node} was fenced" in "".join(c.log(i) for i in (1, 2, 3)),
               timeout=60, what="fencing")
    new = wait_until(lambda: (h := holder(c, observer, "web")) and h != node and h, timeout=60,
                     what="web elsewhere")
    wait_until(lambda: answers(c, observer, vip), timeout=30, what="the VIP to answer again")
    assert new != node
    # One loss, one fencing.
    logs = "".join(c.log(i) for i in (1, 2, 3))
    assert logs.count(f"Fencing {node} with") == 1, logs


def test_configuration_change_seen_by_all_and_clone_on_three(cluster):
    c = cluster
    c.load(2, base(c, "primitive d ocf:heartbeat:Dummy op monitor interval=2s\n"
                      "clone dc d\n"))
    for i in (1, 2, 3):
        wait_until(lambda i=i: "clone dc d" in c.ctl(i, "configure", "show").stdout,
                   what=f"the configuration on n{i}")
    wait_until(lambda: sorted(n for r in c.status(3)["resources"] if r["id"].startswith("d:")
                              for n in r["nodes"]) == ["n1", "n2", "n3"],
               timeout=60, what="one instance per node")
    versions = {c.status(i)["config_version"] for i in (1, 2, 3)}
    assert len(versions) == 1


def test_standby_drains_and_ready_returns(cluster):
    c = cluster
    c.load(1, base(c, "primitive d ocf:heartbeat:Dummy meta resource-stickiness=100 "
                      "op monitor interval=2s\n"))
    node = wait_until(lambda: holder(c, 1, "d"), timeout=60, what="d to start")
    c.ctl(2, "node", "standby", node)
    assert "standby" in c.ctl(1, "status").stdout
    new = wait_until(lambda: (h := holder(c, 3, "d")) and h != node and h, timeout=60,
                     what="d to leave the standby node")
    c.ctl(1, "node", "online", node)
    wait_until(lambda: "standby" not in c.ctl(3, "status").stdout, what="the node back online")
    time.sleep(2)
    # Sticky: it stays where it went.
    assert holder(c, 1, "d") == new


def test_promoted_instance_moves_when_its_node_dies(cluster):
    c = cluster
    c.load(1, base(c, "primitive st ocf:pacemaker:Stateful op monitor interval=2s role=Promoted "
                      "op monitor interval=3s role=Unpromoted\n"
                      "clone stc st meta promotable=true promoted-max=1\n"))

    def promoted(obs):
        for r in c.status(obs)["resources"]:
            if r["id"].startswith("st:") and r["role"] == "Promoted" and not r["pending"]:
                return r["nodes"][0]
        return None

    node = wait_until(lambda: promoted(1), timeout=90, what="a promoted instance")
    src = idx(c, node)
    obs = next(i for i in (1, 2, 3) if i != src)
    c.power_off(src)
    new = wait_until(lambda: (p := promoted(obs)) and p != node and p, timeout=90,
                     what="promotion elsewhere")
    assert new != node


def test_fenced_node_rejoins_without_disturbing_services(cluster):
    c = cluster
    c.load(1, base(c, "primitive api vigil:process params command=\"/bin/sleep 100000\" "
                      "meta resource-stickiness=100 op monitor interval=5s\n"))
    node = wait_until(lambda: holder(c, 1, "api"), timeout=60, what="api to start")
    victim = next(i for i in (1, 2, 3) if c.name(i) != node)
    obs = next(i for i in (1, 2, 3) if c.name(i) != node and i != victim)
    starts_before = c.log(idx(c, node)).count("Initiating api start")
    c.power_off(victim)
    wait_until(lambda: f"Node {c.name(victim)} was fenced" in c.log(obs) + c.log(idx(c, node)),
               timeout=60, what="fencing")
    c.power_on(victim)
    c.wait_members(obs, 3)
    time.sleep(3)
    assert holder(c, obs, "api") == node
    assert c.log(idx(c, node)).count("Initiating api start") == starts_before


def test_vigild_killed_corosync_alive_is_fenced(cluster):
    c = cluster
    c.load(1, base(c, "primitive d ocf:heartbeat:Dummy op monitor interval=2s\n"))
    node = wait_until(lambda: holder(c, 1, "d"), timeout=60, what="d to start")
    src = idx(c, node)
    obs = next(i for i in (1, 2, 3) if i != src)
    c.kill_vigild(src)
    wait_until(lambda: f"Node {node} was fenced" in "".join(c.log(i) for i in (1, 2, 3)),
               timeout=60, what="the node whose vigild died to be fenced")
    wait_until(lambda: (h := holder(c, obs, "d")) and h != node, timeout=60,
               what="d elsewhere")


def test_no_working_fence_device_no_recovery(cluster):
    c = cluster
    # A device that cannot fence anything: its hosts_dir does not exist.
    c.load(1, "property stonith-enabled=true\nproperty dc-deadtime=2s\n"
              "primitive fence stonith:fence_vigiltest params hosts_dir=/nonexistent "
              "op monitor interval=0\n"
              "primitive d ocf:heartbeat:Dummy op monitor interval=2s\n")
    node = wait_until(lambda: holder(c, 1, "d"), timeout=60, what="d to start")
    src = idx(c, node)
    obs = next(i for i in (1, 2, 3) if i != src)
    c.power_off(src)
    wait_until(lambda: f"Fencing of {node} with fence failed" in
               "".join(c.log(i) for i in (1, 2, 3) if i != src),
               timeout=60, what="the DC to say fencing failed")
    time.sleep(2)
    # Without fencing, the lost node's resource is not started elsewhere.
    for r in c.status(obs)["resources"]:
        if r["id"] == "d":
            assert obs not in [idx(c, n) for n in r["nodes"] if n != node]
    out = c.ctl(obs, "status").stdout
    assert "UNCLEAN" in out and f"fencing of {node} failed" in out, out


def power_off_holder_of_d(c):
    """Power off the node running resource d, wait for d to run elsewhere;
    the node's name and the survivors' logs."""
    node = wait_until(lambda: holder(c, 1, "d"), timeout=60, what="d to start")
    src = idx(c, node)
    obs = next(i for i in (1, 2, 3) if i != src)
    c.power_off(src)
    wait_until(lambda: (h := holder(c, obs, "d")) and h != node, timeout=60, what="d elsewhere")
    return node, "".join(c.log(i) for i in (1, 2, 3) if i != src)


def test_fencing_levels_fall_back_to_the_next_level(cluster):
    c = cluster
    # Level 1 cannot fence (its hosts_dir does not exist); level 2 can. A
    # third device, working but in no level, must not be used.
    c.load(1, "property stonith-enabled=true\nproperty dc-deadtime=2s\n"
              "primitive ipmi stonith:fence_vigiltest params hosts_dir=/nonexistent\n"
              f"primitive pdu stonith:fence_vigiltest params {c.fence_params()}\n"
              f"primitive spare stonith:fence_vigiltest params {c.fence_params()}\n"
              "primitive d ocf:heartbeat:Dummy op monitor interval=2s\n"
              "fencing_topology ipmi pdu\n")
    assert "fencing_topology ipmi pdu" in c.ctl(2, "configure", "show").stdout
    node, logs = power_off_holder_of_d(c)
    assert f"Fencing of {node} with ipmi failed" in logs, logs
    assert f"Node {node} was fenced by pdu" in logs, logs
    assert f"Fencing {node} with spare" not in logs, logs
    # The order is the levels': ipmi first, then pdu.
    assert logs.index(f"Fencing {node} with ipmi") < logs.index(f"Fencing {node} with pdu")


def test_fence_devices_tried_highest_priority_first(cluster):
    c = cluster
    # Without levels, devices go by priority: `good` (priority 10) before
    # `broken` (a hosts_dir that does not exist), though listed after it.
    c.load(1, "property stonith-enabled=true\nproperty dc-deadtime=2s\n"
              "primitive broken stonith:fence_vigiltest params hosts_dir=/nonexistent "
              "priority=1\n"
              f"primitive good stonith:fence_vigiltest params {c.fence_params()} "
              "priority=10\n"
              "primitive d ocf:heartbeat:Dummy op monitor interval=2s\n")
    node, logs = power_off_holder_of_d(c)
    assert f"Node {node} was fenced by good" in logs, logs
    assert f"Fencing {node} with broken" not in logs, logs


def test_fencing_topology_errors_name_line_and_word(cluster):
    c = cluster
    bad = {"fencing_topology n1: ipmi nosuch\n": "unknown fence device: 'nosuch'",
           "fencing_topology n1: d\n": "not a fence device: 'd'",
           "fencing_topology ipmi n1: ipmi\n": "cannot mix: 'n1:'",
           "fencing_topology pattern:n( ipmi\n": "invalid regular expression in 'pattern:n('"}
    head = ("primitive ipmi stonith:fence_vigiltest params hosts_dir=/nonexistent\n"
            "primitive d ocf:heartbeat:Dummy\n")
    for stmt, msg in bad.items():
        path = os.path.join(c.cc.tmp, "bad.crm")
        with open(path, "w") as f:
            f.write(head + stmt)
        r = c.ctl(1, "configure", "load", "update", path, check=False)
        assert r.returncode != 0 and f"bad.crm:3: " in r.stderr and msg in r.stderr, r.stderr
    assert "fencing_topology" not in c.ctl(1, "configure", "show").stdout


def test_partition_minority_stops_majority_fences_never_both(cluster):
    c = cluster
    c.load(1, base(c, "primitive api vigil:process params command=\"/bin/sleep 100000\" "
                      "op monitor interval=5s\n"))
    node = wait_until(lambda: holder(c, 1, "api"), timeout=60, what="api to start")
    minority = idx(c, node)
    majority = [i for i in (1, 2, 3) if i != minority]
    stop = threading.Event()
    overlaps = []

    def live_on(i):
        pidfile = os.path.join(c.cc.node_dir(i), "vigil", "process", "api.pid")
        try:
            pid = int(open(pidfile).read().split()[0])
            os.kill(pid, 0)
            with open(f"/proc/{pid}/stat") as f:
                return f.read().split()[2] != "Z"
        except (OSError, ValueError, IndexError):
            return False

    def observe():
        # Polls every node's service process every 10 ms: never two at once.
        while not stop.is_set():
            live = [i for i in (1, 2, 3) if live_on(i)]
            if len(live) > 1:
                overlaps.append(live)
            time.sleep(0.01)

    t = threading.Thread(target=observe)
    t.start()
    try:
        c.isolate(minority)
        wait_until(lambda: any(holder(c, m, "api") not in (None, node) for m in majority),
                   timeout=90, what="api on the majority side")
    finally:
        stop.set()
        t.join()
    assert not overlaps, overlaps[:3]
    assert f"Node {node} was fenced" in "".join(c.log(i) for i in majority)


def test_sigterm_moves_resources_then_leaves_cleanly(cluster):
    c = cluster
    c.load(1, base(c, "primitive api vigil:process params command=\"/bin/sleep 100000\" "
                      "op monitor interval=5s\n"))
    node = wait_until(lambda: holder(c, 1, "api"), timeout=60, what="api to start")
    src = idx(c, node)
    obs = next(i for i in (1, 2, 3) if i != src)
    c.vigild[src].terminate()
    c.vigild[src].wait(60)
    # Its resources were stopped before it left (and start elsewhere),
    # so nobody fences it.
    new = wait_until(lambda: holder(c, obs, "api"), timeout=30, what="api elsewhere")
    assert new != node
    time.sleep(2)
    assert "was fenced" not in "".join(c.log(i) for i in (1, 2, 3))
    assert "Nothing runs here any more" in c.log(src)


def test_dc_killed_mid_transition(cluster):
    c = cluster
    dc = c.status(1)["dc"]
    dci = idx(c, dc)
    others = [i for i in (1, 2, 3) if i != dci]
    # Slow starts (Dummy's op_sleep), kept off the DC's node, so the DC is
    # killed while its transition is still running on another node.
    c.load(others[0], base(c, "".join(
        f"primitive s{k} ocf:heartbeat:Dummy params op_sleep=1 op monitor interval=5s "
        f"op start timeout=20s\n" for k in range(3)) +
        "group g s0 s1 s2\n"
        f"location not-on-dc g -inf: {dc}\n"))
    wait_until(lambda: "Initiating s1 start" in "".join(c.log(i) for i in others),
               timeout=60, what="the transition to be under way")
    c.kill_vigild(dci)
    # The new DC fences the old one (its vigild died, Corosync lives) and
    # finishes the job: every member started once, on one node.
    wait_until(lambda: f"Node {dc} was fenced" in "".join(c.log(i) for i in others),
               timeout=60, what="the old DC to be fenced")
    for k in range(3):
        wait_until(lambda k=k: holder(c, others[0], f"s{k}"), timeout=60, what=f"s{k} started")
    nodes = {holder(c, others[1], f"s{k}") for k in range(3)}
    assert len(nodes) == 1 and dc not in nodes
    assert c.status(others[0])["dc"] != dc


@pytest.mark.parametrize("policy", ["stop", "freeze"])
def test_minority_follows_no_quorum_policy(cluster, policy):
    """Without fencing, a node cut off alone has no quorum: with `stop` it
    stops its resource, with `freeze` it leaves it running."""
    c = cluster
    c.load(1, "property stonith-enabled=false\nproperty dc-deadtime=2s\n"
              f"property no-quorum-policy={policy}\n"
              "primitive api vigil:process params command=\"/bin/sleep 100000\" "
              "op monitor interval=5s\n"
              "group g api\n")
    node = wait_until(lambda: holder(c, 1, "api"), timeout=60, what="api to start")
    src = idx(c, node)
    pidfile = os.path.join(c.cc.node_dir(src), "vigil", "process", "api.pid")
    pid = int(open(pidfile).read().split()[0])
    c.isolate(src)
    wait_until(lambda: not c.status(src)["quorate"], timeout=60, what="quorum loss")
    if policy == "stop":
        wait_until(lambda: not os.path.exists(f"/proc/{pid}"), timeout=30,
                   what="the minority to stop api")
    else:
        time.sleep(3)
        assert os.path.exists(f"/proc/{pid}")
    # Once settled, a node without quorum does not decide again and again
    # (a transition of blocked, pseudo-only actions used to loop).
    before = c.log(src).count("Transition ")
    time.sleep(2)
    assert c.log(src).count("Transition ") - before <= 2
    c.reconnect(src)


def test_two_node_fence_race_leaves_one_survivor():
    """Two nodes (Corosync's two_node) lose each other: both keep quorum
    and race to fence. The device for n1 waits (pcmk_delay_base), so n1
    fences n2 first and exactly one node survives, with the resource."""
    c = VigilCluster(2, two_node=True)
    try:
        c.start()
        c.load(1, "property stonith-enabled=true\nproperty dc-deadtime=2s\n"
                  f"primitive fence-n1 stonith:fence_vigiltest params {c.fence_params()} "
                  "pcmk_host_list=n1 pcmk_delay_base=3s\n"
                  f"primitive fence-n2 stonith:fence_vigiltest params {c.fence_params()} "
                  "pcmk_host_list=n2\n"
                  "primitive api vigil:process params command=\"/bin/sleep 100000\" "
                  "op monitor interval=5s\n"
                  "location api-on-n2 api 100: n2\n")
        wait_until(lambda: holder(c, 1, "api") == "n2", timeout=60, what="api on n2")
        c.isolate(2)
        wait_until(lambda: c.vigild[2].poll() is not None, timeout=60,
                   what="n2 to be fenced")
        wait_until(lambda: holder(c, 1, "api") == "n1", timeout=60, what="api on n1")
        assert c.vigild[1].poll() is None
        assert "Node n2 was fenced" in c.log(1)
    finally:
        logs = [c.log(1), c.log(2)]
        c.remove()
    for log in logs:
        assert "Sanitizer" not in log and "runtime error:" not in log, log


def test_partitions_merge_on_the_newest_configuration(cluster):
    """Without fencing, a node cut off misses a change; when it comes back
    it takes the cluster's newer configuration."""
    c = cluster
    c.load(1, "property stonith-enabled=false\nproperty dc-deadtime=2s\n"
              "property no-quorum-policy=freeze\n")
    for i in (1, 2, 3):
        wait_until(lambda i=i: c.status(i)["config_version"] == 1, what=f"v1 on n{i}")
    c.isolate(3)
    wait_until(lambda: not c.status(3)["quorate"], timeout=60, what="n3 alone")
    c.load(1, "primitive d ocf:heartbeat:Dummy op monitor interval=5s\n", mode="update")
    assert c.status(3)["config_version"] == 1
    # The node without quorum accepts no change of its own.
    path = os.path.join(c.cc.tmp, "minority.crm")
    with open(path, "w") as f:
        f.write("primitive e ocf:heartbeat:Dummy\n")
    r = c.ctl(3, "configure", "load", "update", path, check=False)
    assert r.returncode == 1 and "no quorum" in r.stderr, r.stderr
    c.reconnect(3)
    wait_until(lambda: c.status(3)["config_version"] == 2, timeout=60,
               what="n3 to take version 2")
    assert "primitive d " in c.ctl(3, "configure", "show").stdout


def test_node_without_quorum_settles(cluster):
    """A node cut off, holding nothing, would fence the others and start
    the group, but without quorum it may do neither: only pseudo actions
    remain, and it must not decide again and again (it used to loop,
    hundreds of transitions a second)."""
    c = cluster
    # Fencing waits 30 s (pcmk_delay_base), so the lone node lives long
    # enough to be watched.
    c.load(1, "property stonith-enabled=true\nproperty dc-deadtime=2s\n"
              f"primitive fence stonith:fence_vigiltest params {c.fence_params()} "
              "pcmk_delay_base=30s\n"
              "primitive api vigil:process params command=\"/bin/sleep 100000\" "
              "op monitor interval=5s\ngroup g api\n")
    node = wait_until(lambda: holder(c, 1, "api"), timeout=60, what="api to start")
    lone = next(i for i in (1, 2, 3) if c.name(i) != node)
    c.isolate(lone)
    wait_until(lambda: not c.status(lone)["quorate"], timeout=60, what="quorum loss")
    time.sleep(2)
    before = c.log(lone).count("Transition ")
    time.sleep(2)
    assert c.log(lone).count("Transition ") - before <= 2
    assert c.vigild[lone].poll() is None
    assert c.ctl(lone, "status").returncode == 0

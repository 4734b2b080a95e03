"""Interfaces that come and go while the daemon runs: a tracked interface and
the instance's own interface are deleted and made again (a new index), and
the instance recovers on the new one (its socket reopened: it both sends and
hears); a VMAC child whose base was deleted comes back with the base; with
dynamic_interfaces an instance whose interface does not exist yet waits in
FAULT and starts when it appears, without it the start is refused."""

from __future__ import annotations

import json
import time

import pytest

from pyvrrp.lab.nodes import PyvrrpNode, instance_config, wait_for
from pyvrrp.lab.topology import one_segment

pytestmark = pytest.mark.lab


def _conf(priority: int, *extra: str, interface: str = "eth0", glob: str = "") -> str:
    return glob + instance_config(
        priority=priority, advert_int=0.5, interface=interface, extra=extra
    )


def _recreate_eth0(lab, seg, i: int) -> None:  # type: ignore[no-untyped-def]
    """Delete node ``i``'s eth0 (its switch port goes with it) and plug a new one."""
    node = seg.nodes[i]
    lab.run(node.ns, ["ip", "link", "del", "eth0"])
    lab.attach(node.ns, "eth0", seg.switch, seg.bridge)
    lab.addr(node.ns, "eth0", str(node.ipv4))


def _index(lab, ns: str, ifname: str) -> int:  # type: ignore[no-untyped-def]
    return int(json.loads(lab.run(ns, ["ip", "-j", "link", "show", ifname]).stdout)[0]["ifindex"])


def test_tracked_and_own_interface_deleted_and_made_again(lab) -> None:
    seg = one_segment(lab, 2)
    ns0 = seg.nodes[0].ns
    lab.veth(ns0, "trk0", ns0, "trk1")
    a, b = PyvrrpNode(lab, seg.nodes[0]), PyvrrpNode(lab, seg.nodes[1])
    a.start(_conf(200, "track_interface {", "    trk0", "}"))
    b.start(_conf(100))
    wait_for(lambda: a.state() == "MASTER" and b.state() == "BACKUP", 8)

    # The tracked interface goes: A faults, B takes over; it comes back: A preempts.
    lab.run(ns0, ["ip", "link", "del", "trk0"])
    wait_for(lambda: a.state() == "FAULT" and b.state() == "MASTER", 5)
    lab.veth(ns0, "trk0", ns0, "trk1")
    wait_for(lambda: a.state() == "MASTER" and b.state() == "BACKUP", 8)

    # A's own interface goes and comes back with a new index.
    before = _index(lab, ns0, "eth0")
    lab.run(ns0, ["ip", "link", "del", "eth0"])
    wait_for(lambda: a.state() == "FAULT" and b.state() == "MASTER", 5)
    assert "10.0.1.100/24" not in a.addresses("lo")
    lab.attach(ns0, "eth0", seg.switch, seg.bridge)
    lab.addr(ns0, "eth0", str(seg.nodes[0].ipv4))
    assert _index(lab, ns0, "eth0") != before
    # A sends on the new interface: it preempts and B hears it.
    wait_for(lambda: a.state() == "MASTER" and b.state() == "BACKUP", 8)
    wait_for(lambda: "10.0.1.100/24" in a.addresses(), 3)
    # A hears on it too: B with a higher priority takes over and A stays Backup
    # (a deaf A would come back as Master after its down timer, 1.5 s).
    b.reload(_conf(250))
    wait_for(lambda: b.state() == "MASTER" and a.state() == "BACKUP", 5)
    time.sleep(2.5)
    assert a.state() == "BACKUP" and b.state() == "MASTER"
    assert "reopened" in a.log()


def test_vmac_child_comes_back_with_its_base(lab) -> None:
    seg = one_segment(lab, 2)
    ns0 = seg.nodes[0].ns
    a, b = PyvrrpNode(lab, seg.nodes[0]), PyvrrpNode(lab, seg.nodes[1])
    a.start(_conf(200, "use_vmac"))
    b.start(_conf(100, "use_vmac"))
    wait_for(lambda: a.state() == "MASTER" and b.state() == "BACKUP", 8)
    child_before = _index(lab, ns0, "vrrp.51")
    _recreate_eth0(lab, seg, 0)  # the kernel deletes vrrp.51 with it
    wait_for(lambda: "reopened" in a.log(), 5)
    wait_for(lambda: a.state() == "MASTER" and b.state() == "BACKUP", 10)
    wait_for(lambda: "10.0.1.100/24" in a.addresses("vrrp.51"), 3)
    link = json.loads(lab.run(ns0, ["ip", "-j", "-d", "link", "show", "vrrp.51"]).stdout)[0]
    assert link["address"] == "00:00:5e:00:01:33"
    assert link["link"] == "eth0"
    assert link["ifindex"] != child_before
    b.reload(_conf(250, "use_vmac"))
    wait_for(lambda: b.state() == "MASTER" and a.state() == "BACKUP", 5)
    time.sleep(2.0)
    assert a.state() == "BACKUP"


def test_dynamic_interfaces_waits_for_the_interface(lab) -> None:
    seg = one_segment(lab, 2)
    ns0 = seg.nodes[0].ns
    a, b = PyvrrpNode(lab, seg.nodes[0]), PyvrrpNode(lab, seg.nodes[1])
    b.start(_conf(100, interface="eth0"))
    # Without dynamic_interfaces a missing interface stops the start.
    with pytest.raises(RuntimeError, match="exited 1"):
        a.start(_conf(200, interface="eth5"))
    glob = "global_defs {\n    dynamic_interfaces\n}\n"
    a.start(_conf(200, interface="eth5", glob=glob))
    wait_for(lambda: a.state() == "FAULT" and b.state() == "MASTER", 5)
    time.sleep(1.0)
    assert a.state() == "FAULT" and b.state() == "MASTER"
    lab.attach(ns0, "eth5", seg.switch, seg.bridge)
    lab.addr(ns0, "eth5", "10.0.1.9/24")
    wait_for(lambda: a.state() == "MASTER" and b.state() == "BACKUP", 8)
    wait_for(lambda: "10.0.1.100/24" in a.addresses("eth5"), 3)
    assert a.instance()["priority"] == 200


def test_track_src_ip_faults_while_the_source_address_is_gone(lab) -> None:
    seg = one_segment(lab, 2)
    ns0 = seg.nodes[0].ns
    a, b = PyvrrpNode(lab, seg.nodes[0]), PyvrrpNode(lab, seg.nodes[1])
    b.start(_conf(100))
    # The configured source is not on eth0 yet: FAULT from the start.
    a.start(_conf(200, "mcast_src_ip 10.0.1.50", "track_src_ip"))
    wait_for(lambda: a.state() == "FAULT" and b.state() == "MASTER", 5)
    lab.run(ns0, ["ip", "addr", "add", "10.0.1.50/24", "dev", "eth0"])
    wait_for(lambda: a.state() == "MASTER" and b.state() == "BACKUP", 5)
    lab.run(ns0, ["ip", "addr", "del", "10.0.1.50/24", "dev", "eth0"])
    wait_for(lambda: a.state() == "FAULT" and b.state() == "MASTER", 5)
    assert "10.0.1.50 is gone: FAULT" in a.log()
    # Without track_src_ip the same loss changes nothing (the attack-free control).
    lab.run(ns0, ["ip", "addr", "add", "10.0.1.50/24", "dev", "eth0"])
    a.reload(_conf(200, "mcast_src_ip 10.0.1.50"))
    wait_for(lambda: a.state() == "MASTER", 5)
    lab.run(ns0, ["ip", "addr", "del", "10.0.1.50/24", "dev", "eth0"])
    time.sleep(1.0)
    assert a.state() == "MASTER"


def _poll(kinds: dict[str, str | None], name: str) -> bool:
    from pyvrrp.net.linkbeat import LinkPoller

    p = LinkPoller(kinds)
    try:
        return p.state(name)
    finally:
        p.close()


@pytest.mark.parametrize("kind", [None, "IOCTL", "ETHTOOL", "MII"])
def test_linkbeat_reads_the_driver_s_link_state(lab, kind) -> None:  # type: ignore[no-untyped-def]
    seg = one_segment(lab, 1)
    ns = seg.nodes[0].ns
    assert lab.call(ns, _poll, {"eth0": kind}, "eth0") is True
    # The switch's end goes down: no carrier on eth0 (it stays administratively up).
    lab.run(seg.switch, ["ip", "link", "set", "p0", "down"])
    assert lab.call(ns, _poll, {"eth0": kind}, "eth0") is False
    lab.run(seg.switch, ["ip", "link", "set", "p0", "up"])
    assert lab.call(ns, _poll, {"eth0": kind}, "eth0") is True
    assert lab.call(ns, _poll, {"nope0": kind}, "nope0") is False


def test_linkbeat_interfaces_polls_the_instance_s_link(lab) -> None:
    seg = one_segment(lab, 2)
    a, b = PyvrrpNode(lab, seg.nodes[0]), PyvrrpNode(lab, seg.nodes[1])
    glob = "linkbeat_interfaces {\n    eth0 IOCTL\n}\n"
    a.start(_conf(200, glob=glob))
    b.start(_conf(100))
    wait_for(lambda: a.state() == "MASTER" and b.state() == "BACKUP", 8)
    lab.run(seg.switch, ["ip", "link", "set", "p0", "down"])  # A's carrier goes
    wait_for(lambda: a.state() == "FAULT", 3)
    lab.run(seg.switch, ["ip", "link", "set", "p0", "up"])
    wait_for(lambda: a.state() == "MASTER" and b.state() == "BACKUP", 8)


def test_a_track_interface_added_by_a_reload_is_watched(lab) -> None:
    seg = one_segment(lab, 1)
    ns0 = seg.nodes[0].ns
    lab.veth(ns0, "trk0", ns0, "trk1")
    a = PyvrrpNode(lab, seg.nodes[0])
    a.start(_conf(200))
    wait_for(lambda: a.state() == "MASTER", 5)
    a.reload(_conf(200, "track_interface {", "    trk0", "}"))
    lab.run(ns0, ["ip", "link", "set", "trk0", "down"])
    wait_for(lambda: a.state() == "FAULT", 3)
    lab.run(ns0, ["ip", "link", "set", "trk0", "up"])
    wait_for(lambda: a.state() == "MASTER", 5)

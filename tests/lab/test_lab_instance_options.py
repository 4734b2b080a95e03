"""Instance options of keepalived on real nodes: mcast_dst_ip (the adverts go
to another group, and an election runs on it), unicast_fault_no_peer (FAULT
until a peer is configured) and dont_track_primary (the instance's own
interface going down is no FAULT)."""

from __future__ import annotations

import time

import pytest

from pyvrrp.lab.nodes import PyvrrpNode, instance_config, wait_for
from pyvrrp.lab.topology import one_segment

pytestmark = pytest.mark.lab


def test_mcast_dst_ip_moves_the_adverts_to_another_group(lab) -> None:
    seg = one_segment(lab, 2)
    a, b = (PyvrrpNode(lab, n) for n in seg.nodes)
    extra = ["mcast_dst_ip 224.0.0.19"]
    cap = lab.capture(seg.switch, "br0", "ip proto 112")
    a.start(instance_config(priority=150, advert_int=0.5, extra=extra))
    b.start(instance_config(priority=100, advert_int=0.5, extra=extra))
    wait_for(lambda: a.state() == "MASTER" and b.state() == "BACKUP", 5)
    time.sleep(1.2)  # B stays Backup: it hears A on 224.0.0.19
    assert b.state() == "BACKUP"
    frames = cap.frames()
    # IPv4 destination: bytes 30..34 of an Ethernet frame.
    dests = {".".join(str(x) for x in f[30:34]) for f in frames if len(f) >= 34}
    assert dests == {"224.0.0.19"}, dests


def test_unicast_fault_no_peer_waits_in_fault_for_a_peer(lab) -> None:
    seg = one_segment(lab, 2)
    a = PyvrrpNode(lab, seg.nodes[0])
    b_ip = str(seg.nodes[1].ipv4.ip)
    a.start(instance_config(priority=150, advert_int=0.5, extra=["unicast_fault_no_peer"]))
    wait_for(lambda: a.state() == "FAULT", 5)
    # Without the keyword the same instance runs (multicast).
    a.reload(instance_config(priority=150, advert_int=0.5))
    wait_for(lambda: a.state() == "MASTER", 5)
    # With it and a peer: it runs, unicast.
    no_peer = ["unicast_fault_no_peer"]
    a.reload(instance_config(priority=150, advert_int=0.5, peers=(b_ip,), extra=no_peer))
    wait_for(lambda: a.state() == "MASTER", 5)
    a.reload(instance_config(priority=150, advert_int=0.5, extra=["unicast_fault_no_peer"]))
    wait_for(lambda: a.state() == "FAULT", 5)


@pytest.mark.parametrize("dont_track", [False, True])
def test_dont_track_primary(lab, dont_track: bool) -> None:
    seg = one_segment(lab, 1)
    node = seg.nodes[0]
    a = PyvrrpNode(lab, node)
    extra = ["dont_track_primary"] if dont_track else []
    a.start(instance_config(priority=150, advert_int=0.5, extra=extra))
    wait_for(lambda: a.state() == "MASTER", 5)
    lab.run(node.ns, ["ip", "link", "set", node.ifname, "down"])
    if dont_track:
        time.sleep(1.0)
        assert a.state() == "MASTER"
    else:
        wait_for(lambda: a.state() == "FAULT", 3)
    lab.run(node.ns, ["ip", "link", "set", node.ifname, "up"])
    wait_for(lambda: a.state() == "MASTER", 5)


def test_interface_up_down_delays_debounce_a_bouncing_link(lab) -> None:
    seg = one_segment(lab, 1)
    node = seg.nodes[0]
    a = PyvrrpNode(lab, node)
    delays = f"interface_up_down_delays {{\n    {node.ifname} 1.0 0.5\n}}\n"
    a.start(delays + instance_config(priority=150, advert_int=0.5))
    wait_for(lambda: a.state() == "MASTER", 5)

    def link(state: str) -> None:
        lab.run(node.ns, ["ip", "link", "set", node.ifname, state])

    # Down for 0.3 s, less than the 1 s down delay: no FAULT at all.
    link("down")
    time.sleep(0.3)
    link("up")
    time.sleep(1.2)
    assert a.state() == "MASTER"
    # Down for good: FAULT once the second has passed, not before.
    t0 = time.monotonic()
    link("down")
    time.sleep(0.6)
    assert a.state() == "MASTER"
    wait_for(lambda: a.state() == "FAULT", 3)
    assert time.monotonic() - t0 >= 0.9
    link("up")
    wait_for(lambda: a.state() == "MASTER", 5)

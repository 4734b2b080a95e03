"""The VRRP sockets' BPF filter in the kernel: a unicast group, and an
attacker on the segment flooding the Master with forged adverts from its own
(non-peer) address at priority 255. keepalived (no check_unicast_src) steps
down: the attack works where nothing checks the source. pyvrrp holds, and
with the filter the flood never reaches Python: the daemon sees one forged
advert in 16384 (counted as not_a_peer, so status still shows the attack);
without it (PYVRRP_NO_BPF=1) the daemon drops every one itself."""

from __future__ import annotations

import sys
import time

import pytest

from pyvrrp.lab.keepalived import KeepalivedNode, keepalived_available
from pyvrrp.lab.nodes import PyvrrpNode, instance_config, wait_for
from pyvrrp.lab.topology import one_segment

pytestmark = pytest.mark.lab

COUNT = 250_000

#: Forged VRRPv3 adverts (VRID 51, priority 255) from 10.0.1.3 to argv[1], as
#: fast as a raw socket goes.
FLOOD = """
import socket, struct, sys
from pyvrrp.wire import Advert, encode, build_ipv4_header
from ipaddress import IPv4Address
src, dst = IPv4Address("10.0.1.3"), IPv4Address(sys.argv[1])
adv = encode(Advert(version=3, family=4, vrid=51, priority=255, interval_cs=50,
             addresses=(IPv4Address("10.0.1.100"),)), src=src, dst=dst)
pkt = build_ipv4_header(src, dst, len(adv), ttl=255) + adv
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
for _ in range(int(sys.argv[2])):
    try:
        s.sendto(pkt, (sys.argv[1], 0))
    except BlockingIOError:
        pass
"""


def _conf(me: str, peer: str, priority: int) -> str:
    return instance_config(priority=priority, advert_int=0.5, unicast_src=me, peers=(peer,))


def _flood(lab, seg, count: int = COUNT) -> None:  # type: ignore[no-untyped-def]
    lab.run(seg.nodes[2].ns, [sys.executable, "-c", FLOOD, "10.0.1.1", str(count)], timeout=120)


def test_without_a_source_check_the_flood_demotes_keepalived(lab) -> None:
    if keepalived_available() is not None:
        pytest.skip(f"keepalived: {keepalived_available()}")
    seg = one_segment(lab, 3)
    a, b = KeepalivedNode(lab, seg.nodes[0]), KeepalivedNode(lab, seg.nodes[1])
    b.start(_conf("10.0.1.2", "10.0.1.1", 100))
    a.start(_conf("10.0.1.1", "10.0.1.2", 200))
    wait_for(lambda: a.state() == "MASTER" and b.state() == "BACKUP", 10)
    _flood(lab, seg, 200)
    wait_for(lambda: a.state() == "BACKUP", 5)  # the attack works


@pytest.mark.parametrize("bpf", [True, False])
def test_pyvrrp_holds_and_the_filter_keeps_the_flood_in_the_kernel(lab, bpf: bool) -> None:
    seg = one_segment(lab, 3)
    env = {} if bpf else {"PYVRRP_NO_BPF": "1"}
    a, b = PyvrrpNode(lab, seg.nodes[0]), PyvrrpNode(lab, seg.nodes[1])
    b.start(_conf("10.0.1.2", "10.0.1.1", 100), env=env)
    a.start(_conf("10.0.1.1", "10.0.1.2", 200), env=env)
    wait_for(lambda: a.state() == "MASTER" and b.state() == "BACKUP", 10)
    (sock,) = a.status()["sockets"]
    assert (sock["bpf_instructions"] > 0) == bpf
    before = (a.instance()["transitions"], b.instance()["transitions"])
    _flood(lab, seg)
    time.sleep(0.5)
    assert a.state() == "MASTER" and b.state() == "BACKUP"
    assert (a.instance()["transitions"], b.instance()["transitions"]) == before
    seen = a.instance()["drops"].get("not_a_peer", 0)
    (sock,) = a.status()["sockets"]
    if bpf:
        # one in 16384 sampled through: about 15, never the flood
        assert 0 < seen < COUNT // 100, seen
        assert sock["kernel_drops"] == 0
    else:
        assert seen + sock["kernel_drops"] >= COUNT * 0.9, (seen, sock["kernel_drops"])

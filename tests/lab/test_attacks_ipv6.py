"""Forged VRRPv3 adverts over IPv6 multicast, on real kernels.

The routed attacks (test_attacks.py) are IPv4 unicast; this is the other
family: n0 (Master, priority 200) and n1 (Backup, 100) on one segment,
VRRPv3 over ff02::12 from link-local addresses, and an attacker n2 on the same
link sending from its own link-local address. Its advert is built the way a
real node builds one (pyvrrp's own Instance, IPv6 checksum left to the kernel)
at priority 255, so a Master that believes it steps down.

* ``plain``: no auth anywhere; the attack must succeed (n0 steps down).
* ``enforce``: auth_hmac on n0 and n1; the attacker signs with a key of its
  own (and also sends the advert unsigned). Nothing may move, and each node
  counts every attack packet as bad_hmac or missing, and nothing else.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from pyvrrp.config import loads
from pyvrrp.daemon.instance import Instance
from pyvrrp.lab import Lab, inside, one_segment
from pyvrrp.lab.nodes import HmacBlock, PyvrrpNode, instance_config, wait_for
from pyvrrp.net import VrrpSocket6, link_local

# The daemon's own verdicts and counters: no BPF filter in front (see test_attacks.py).
pytestmark = [pytest.mark.lab, pytest.mark.usefixtures("no_bpf")]

ADV = 0.5
VIP = "fd00:1::100/64"
KEY = "hex:" + "3c" * 32
WRONG = "hex:" + "c3" * 32
GROUP = "ff02::12"


def mdi(priority: int) -> float:
    return 3 * ADV + (256 - priority) * ADV / 256


def attacker_adverts(ll: Any, *, signed: bool) -> list[bytes]:
    """Priority-255 adverts for VRID 51 from ``ll``: unsigned, and signed with
    a key no node has when ``signed``."""
    out = []
    for hmac in [None, HmacBlock({1: WRONG})] if signed else [None]:
        text = instance_config(priority=254, advert_int=ADV, vips=(VIP,), hmac=hmac)
        result = loads(text)
        assert result.ok
        forger = Instance(result.config.instances[0], ll, time.monotonic())
        ((_, payload),) = forger.build_adverts(255, time.time_ns())
        out.append(payload)
    return out


@pytest.fixture
def group(lab: Lab, request: pytest.FixtureRequest) -> Iterator[tuple[list[PyvrrpNode], Any]]:
    mode = request.param
    seg = one_segment(lab, 3)
    hmac = HmacBlock({1: KEY}, 1, mode="enforce") if mode == "enforce" else None
    nodes = [PyvrrpNode(lab, n) for n in seg.nodes[:2]]
    for prio, node in zip((200, 100), nodes, strict=True):
        node.start(
            instance_config(priority=prio, advert_int=ADV, vips=(VIP,), hmac=hmac), wait=False
        )
    for node in nodes:
        node.wait_ready()
    wait_for(lambda: VIP in nodes[0].addresses(), mdi(100) + 3)
    time.sleep(3 * ADV)  # the Backup has heard the Master
    with inside(seg.nodes[2].ns):
        sock = VrrpSocket6("eth0")
        ll = link_local("eth0")
    with sock:
        yield nodes, (sock, ll, mode)


@pytest.mark.parametrize("group", ["plain", "enforce"], indirect=True)
def test_ipv6_forged_higher_priority_advert(group) -> None:
    nodes, (sock, ll, mode) = group
    before = [n.instance() for n in nodes]
    assert before[0]["state"] == "MASTER" and before[1]["state"] == "BACKUP"
    packets = attacker_adverts(ll, signed=mode == "enforce")
    rounds = 5
    for _ in range(rounds):
        for payload in packets:
            sock.send(payload, ll, GROUP)
        time.sleep(0.1)
    if mode == "plain":
        # Believed: the Master steps down for the "higher priority" attacker.
        wait_for(lambda: nodes[0].instance()["transitions"] > before[0]["transitions"], 3)
        wait_for(lambda: VIP not in nodes[0].addresses(), 3)
        return
    time.sleep(1.0)
    after = [n.instance() for n in nodes]
    assert [a["transitions"] for a in after] == [b["transitions"] for b in before]
    assert after[0]["state"] == "MASTER" and after[1]["state"] == "BACKUP"
    assert VIP in nodes[0].addresses() and VIP not in nodes[1].addresses()
    assert after[1]["auth"]["ok"] > before[1]["auth"]["ok"]  # still hears n0
    for a, b in zip(after, before, strict=True):
        moved = {k: v - b["auth"][k] for k, v in a["auth"].items() if k != "ok"}
        assert {k: v for k, v in moved.items() if v} == {"bad_hmac": rounds, "missing": rounds}
        drops = {k: v - b["drops"].get(k, 0) for k, v in a["drops"].items()}
        assert {k: v for k, v in drops.items() if v} == {
            "auth_bad_hmac": rounds,
            "auth_missing": rounds,
        }

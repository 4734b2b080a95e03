"""The daemon on real kernels: election, failover, handover, reload, status.

Every test builds its own namespaces (torn down by the `lab` fixture, even on
failure) and checks addresses with the kernel, not with pyvrrp's word.
"""

from __future__ import annotations

import time
from fractions import Fraction
from ipaddress import ip_address

import pytest

from pyvrrp.auth.hmac_auth import HmacAuth, HmacSettings
from pyvrrp.auth.keys import Secret
from pyvrrp.lab.inject import inject
from pyvrrp.lab.nodes import HmacBlock, PyvrrpNode, instance_config, wait_for
from pyvrrp.lab.topology import one_segment
from pyvrrp.wire import Advert, encode
from pyvrrp.wire.vrrp import ChecksumStyle

pytestmark = pytest.mark.lab

K1 = "hex:" + "11" * 32
K2 = "hex:" + "22" * 32
ADV = 0.5  # seconds; small so the tests are quick, large enough for a loaded CI


def mdi(priority: int, adv: float = ADV, version: int = 3) -> float:
    """Master_Down_Interval (RFC 9568 §6.1 / RFC 3768 §6.1)."""
    if version == 2:
        return 3 * adv + (256 - priority) / 256
    return float(3 * Fraction(adv) + (256 - priority) * Fraction(adv) / 256)


def masters(nodes: list[PyvrrpNode]) -> list[str]:
    return [n.tag for n in nodes if n.running and n.state() == "MASTER"]


def start_group(lab, count, make_config):
    seg = one_segment(lab, count)
    nodes = [PyvrrpNode(lab, node) for node in seg.nodes]
    for i, n in enumerate(nodes):
        n.start(make_config(i, n.node), wait=False)
    for n in nodes:
        n.wait_ready()
    return seg, nodes


@pytest.mark.parametrize("auth", [False, True], ids=["plain", "hmac"])
def test_three_nodes_v3_ipv4_election_failover_handover(lab, auth) -> None:
    prios = [150, 100, 50]
    hmac = HmacBlock({1: K1}) if auth else None
    _, nodes = start_group(
        lab, 3, lambda i, node: instance_config(priority=prios[i], advert_int=ADV, hmac=hmac)
    )
    # Election: the highest priority wins and alone holds the address.
    wait_for(lambda: masters(nodes) == ["n0"], mdi(50) + 2)
    time.sleep(2 * ADV)
    assert masters(nodes) == ["n0"]
    assert "10.0.1.100/24" in nodes[0].addresses()
    assert all("10.0.1.100/24" not in n.addresses() for n in nodes[1:])
    b = nodes[1].instance()
    assert b["master"] == "10.0.1.1" and b["adverts_received"] > 0
    if auth:
        assert b["auth"]["ok"] > 0 and sum(b["auth"].values()) == b["auth"]["ok"]
    # A killed Master is replaced within Master_Down_Interval plus a margin.
    nodes[0].kill()
    took = wait_for(lambda: masters(nodes[1:]) == ["n1"], mdi(100) + 2)
    assert took < mdi(100) + 1.0
    wait_for(lambda: "10.0.1.100/24" in nodes[1].addresses(), 2)
    # SIGTERM: the Master sends priority 0, the Backup takes over after Skew_Time.
    t0 = time.monotonic()
    assert nodes[1].stop() == 0
    wait_for(lambda: nodes[2].state() == "MASTER", mdi(50) + 2)
    took = time.monotonic() - t0
    assert took < mdi(50) - ADV, f"handover took {took:.2f}s, as slow as a silent Master"
    assert "10.0.1.100/24" not in nodes[1].addresses()
    wait_for(lambda: "10.0.1.100/24" in nodes[2].addresses(), 2)


def test_ipv6_v3_multicast(lab) -> None:
    _, nodes = start_group(
        lab,
        2,
        lambda i, node: instance_config(
            priority=200 - 100 * i,
            advert_int=ADV,
            vips=("fd00:1::100/64",),
            hmac=HmacBlock({1: K1}),
        ),
    )
    wait_for(lambda: masters(nodes) == ["n0"], mdi(100) + 2)
    wait_for(lambda: "fd00:1::100/64" in nodes[0].addresses(), 2)
    assert "fd00:1::100/64" not in nodes[1].addresses()
    b = nodes[1].instance()
    assert b["family"] == 6 and b["auth"]["ok"] > 0 and b["master"].startswith("fe80::")
    nodes[0].stop()
    wait_for(lambda: nodes[1].state() == "MASTER", mdi(100) + 2)
    wait_for(lambda: "fd00:1::100/64" in nodes[1].addresses(), 2)


def test_v2_ipv4_pass(lab) -> None:
    _, nodes = start_group(
        lab,
        2,
        lambda i, node: instance_config(
            priority=200 - 100 * i, advert_int=1, version=2, pass_auth="secret12"
        ),
    )
    wait_for(lambda: masters(nodes) == ["n0"], mdi(100, 1, 2) + 2)
    assert nodes[1].instance()["adverts_received"] > 0
    assert "secret12" not in str(nodes[1].status())


def test_unicast_v3_hmac(lab) -> None:
    def conf(i, node):
        me, other = f"10.0.1.{i + 1}", f"10.0.1.{2 - i}"
        return instance_config(
            priority=200 - 100 * i,
            advert_int=ADV,
            unicast_src=me,
            peers=(other,),
            hmac=HmacBlock({1: K1}),
        )

    _, nodes = start_group(lab, 2, conf)
    wait_for(lambda: masters(nodes) == ["n0"], mdi(100) + 2)
    b = nodes[1].instance()
    assert b["unicast"] and b["auth"]["ok"] > 0
    assert b["peers"][0]["address"] == "10.0.1.1"


def test_reload_broken_file_changes_nothing(lab) -> None:
    _, nodes = start_group(
        lab, 2, lambda i, node: instance_config(priority=200 - 100 * i, advert_int=ADV)
    )
    wait_for(lambda: masters(nodes) == ["n0"], mdi(100) + 2)
    before = [n.instance() for n in nodes]
    good = nodes[0].conf.read_text()
    nodes[0].reload(good.replace("priority 200", "priority 300"))
    nodes[0].reload(good + "vrrp_instance VI_2 {\n")
    time.sleep(3 * ADV)
    after = [n.instance() for n in nodes]
    assert [a["transitions"] for a in after] == [b["transitions"] for b in before]
    assert nodes[0].state() == "MASTER" and after[0]["priority"] == 200
    assert "10.0.1.100/24" in nodes[0].addresses()
    assert nodes[0].status()["reload_failures"] == 2
    assert "keeping the running configuration" in nodes[0].log()


def test_reload_rotates_keys_without_a_transition_or_a_rejected_advert(lab) -> None:
    """Make-before-break over three reload sweeps (seed 000: rotating keys)."""

    def conf(i, block):
        return instance_config(priority=200 - 100 * i, advert_int=ADV, hmac=block)

    _, nodes = start_group(lab, 2, lambda i, node: conf(i, HmacBlock({1: K1})))
    wait_for(lambda: masters(nodes) == ["n0"], mdi(100) + 2)
    sweeps = [HmacBlock({1: K1, 2: K2}, 1), HmacBlock({1: K1, 2: K2}, 2), HmacBlock({2: K2}, 2)]
    for block in sweeps:
        for i, n in enumerate(nodes):
            n.reload(conf(i, block))
            time.sleep(ADV)
        time.sleep(2 * ADV)
    b = nodes[1].instance()
    assert [n.instance()["transitions"] for n in nodes] == [2, 1]  # start-up only
    assert b["auth"]["ok"] > 0
    assert sum(v for k, v in b["auth"].items() if k != "ok") == 0
    assert b["peers"][0]["last_key_id"] == 2
    assert nodes[0].status()["reloads"] == 3


def test_status_counts_what_the_test_provoked(lab) -> None:
    seg, nodes = start_group(
        lab,
        2,
        lambda i, node: instance_config(
            priority=200 - 100 * i, advert_int=ADV, hmac=HmacBlock({1: K1})
        ),
    )
    wait_for(lambda: masters(nodes) == ["n0"], mdi(100) + 2)
    pdu = encode(
        Advert(3, 4, 51, 255, 50, (ip_address("10.0.1.100"),)), style=ChecksumStyle.MESSAGE
    )
    wrong = HmacAuth(
        HmacSettings(keys={1: Secret(b"x" * 32)}, active_key=1), family=4, version=3, vrid=51
    )
    src, dst = ip_address("10.0.1.1"), ip_address("224.0.0.18")
    forged = encode(
        Advert(3, 4, 51, 255, 50, (ip_address("10.0.1.100"),)),
        src=src,
        dst=dst,
        trailer=wrong.sign(pdu, src, time.time_ns()),
    )
    # (Counted from here: with both nodes started together, n1 may have been
    # Master for a moment if n0 started 0.2 s later, on a loaded machine.)
    before = nodes[1].instance()["transitions"]
    # Sent from n0's namespace, spoofing n0 itself (with a wrong key).
    for _ in range(3):
        lab.call(seg.nodes[0].ns, inject, forged, src, dst, 255, ifname="eth0")
    wait_for(lambda: nodes[1].instance()["auth"]["bad_hmac"] == 3, 3)
    i = nodes[1].instance()
    assert i["state"] == "BACKUP" and i["transitions"] == before
    assert i["drops"].get("auth_bad_hmac") == 3
    assert "invalid HMAC" in nodes[1].log()


def test_multicast_advert_with_ttl_below_255_is_dropped_and_counted(lab, no_bpf) -> None:  # type: ignore[no-untyped-def]
    """RFC 9568 §7.1: a multicast advert that crossed a router (TTL < 255) is
    dropped, counted, and touches no timer: the Backup still takes over."""
    seg, nodes = start_group(
        lab, 2, lambda i, node: instance_config(priority=200 - 100 * i, advert_int=ADV)
    )
    wait_for(lambda: masters(nodes) == ["n0"], mdi(100) + 2)
    src, dst = ip_address("10.0.1.1"), ip_address("224.0.0.18")
    high = encode(Advert(3, 4, 51, 255, 50, (ip_address("10.0.1.100"),)), src=src, dst=dst)
    nodes[0].kill()
    # Keep sending a 'higher priority Master' with TTL 254 while n1 waits.
    deadline = time.monotonic() + mdi(100) + 1
    while time.monotonic() < deadline and nodes[1].state() != "MASTER":
        lab.call(seg.nodes[0].ns, inject, high, src, dst, 254, ifname="eth0")
        time.sleep(0.1)
    assert nodes[1].state() == "MASTER"
    assert nodes[1].instance()["drops"].get("ttl", 0) >= 5


@pytest.mark.parametrize("auth", [False, True], ids=["plain", "hmac"])
def test_many_instances_on_one_interface_settle_and_fail_over(lab, auth) -> None:
    """40 instances on one socket: enough that the daemon reads it in clumps
    (core.COALESCE_MIN_INSTANCES). Every advert is still counted, the Backup
    holds no address while the Master lives, and takes every one over after a
    kill within Master_Down_Interval plus a margin."""
    from pyvrrp.daemon.core import COALESCE_MIN_INSTANCES

    count = COALESCE_MIN_INSTANCES + 8
    hmac = HmacBlock({1: K1}) if auth else None

    def config(i: int, node: object) -> str:
        return "".join(
            instance_config(
                name=f"VI_{v}",
                vrid=v,
                priority=(150, 100)[i],
                advert_int=ADV,
                vips=(f"10.0.2.{v}/32",),
                hmac=hmac,
            )
            for v in range(1, count + 1)
        )

    _, nodes = start_group(lab, 2, config)
    vips = {f"10.0.2.{v}/32" for v in range(1, count + 1)}

    def held(n: PyvrrpNode) -> set[str]:
        return vips & n.addresses()

    wait_for(lambda: held(nodes[0]) == vips and not held(nodes[1]), mdi(100) + 5)
    before = {i["name"]: i["adverts_received"] for i in nodes[1].status()["instances"]}
    time.sleep(4 * ADV)
    after = nodes[1].status()["instances"]
    assert all(i["state"] == "BACKUP" for i in after)
    # Every instance heard its Master's adverts (3 or more in 4 intervals).
    assert all(i["adverts_received"] - before[i["name"]] >= 3 for i in after), after
    assert not held(nodes[1])
    t0 = time.monotonic()
    nodes[0].kill()
    wait_for(lambda: held(nodes[1]) == vips, mdi(100) + 3)
    assert time.monotonic() - t0 < mdi(100) + 1.5
    assert all(i["state"] == "MASTER" for i in nodes[1].status()["instances"])

"""Operational procedures from seed 000 on the routed unicast pair (issue 6, item 3).

* The three-sweep rollout (receive-only -> permissive -> enforce, one node
  reloaded at a time) with no transition and no dropped advert at any step,
  and the out-of-order rollout it exists to avoid.
* Make-before-break key rotation (add key 2, move active_key, drop key 1),
  one node at a time, with the same guarantees.
* A wall clock stepped by an hour on one node in ``time`` mode: its adverts
  are rejected as stale and counted so, and it recovers once corrected.
* ``monotonic`` mode riding out the same step (and the step back).

Both peers run VI_1 (p1 Master) and VI_2 (p2 Master), so adverts flow both
ways and every reload lands on a node that is Master of something.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from routed_lab import (
    ACTIVE_ACTIVE,
    ADV,
    K1,
    K2,
    VI_1,
    Pair,
    mdi,
    start_pair,
    vrrp_packets,
)

from pyvrrp.lab.nodes import HmacBlock, wait_for

pytestmark = pytest.mark.lab

P1, P2 = 0, 1
STEP = 3600  # seconds: the clock step of the seed's story
SETTLE = 2.5 * ADV  # after a reload: every Backup hears at least two adverts

Snapshot = dict[tuple[int, str], dict[str, Any]]


def check_clean(
    pair: Pair, base: dict[tuple[int, str], int], prev: Snapshot, *, allow_missing: bool
) -> Snapshot:
    """No transition since ``base``, no advert rejected or dropped ever, every
    VIP with its Master per the kernel, and every Backup still hearing its
    Master since ``prev``."""
    snap = pair.snapshot()
    assert pair_transitions(snap) == base, "a transition happened"
    for key, st in snap.items():
        rejected = {
            k: v
            for k, v in st["auth"].items()
            if v and k != "ok" and not (allow_missing and k == "missing")
        }
        assert rejected == {}, (key, rejected)
        assert st["drops"] == {}, (key, st["drops"])
    for inst in pair.insts:
        master = 0 if inst.prios[0] > inst.prios[1] else 1
        assert pair.master_of(inst) == master, f"{inst.vip} moved"
        b = (1 - master, inst.name)
        assert snap[b]["state"] == "BACKUP"
        assert snap[b]["adverts_received"] > prev[b]["adverts_received"], f"{b} heard nothing"
    return snap


def pair_transitions(snap: Snapshot) -> dict[tuple[int, str], int]:
    return {k: v["transitions"] for k, v in snap.items()}


def received(snap: Snapshot, outcome: str) -> int:
    return sum(st["auth"][outcome] for st in snap.values())


def test_three_sweep_rollout_drops_nothing(lab) -> None:
    """receive-only everywhere (verify, do not sign), then permissive (sign,
    still accept unsigned), then enforce; one node reloaded at a time."""
    pair = start_pair(lab, None, ACTIVE_ACTIVE)
    snap = pair.snapshot()
    base = pair_transitions(snap)
    time.sleep(SETTLE)
    snap = check_clean(pair, base, snap, allow_missing=True)
    for mode in ("receive-only", "permissive", "enforce"):
        for i in (P1, P2):
            pair.reload(i, HmacBlock({1: K1}, 1, mode=mode))
            time.sleep(SETTLE)
            snap = check_clean(pair, base, snap, allow_missing=True)
            st = pair.nodes[i].instance("VI_1")
            assert st["auth_mode"] == mode and st["signs"] is (mode != "receive-only")
        if mode == "receive-only":
            # Nobody signs yet: every advert arrives without a trailer, accepted.
            assert received(snap, "ok") == 0 and received(snap, "missing") > 0
            assert "(accepted, mode receive-only) [missing]" in pair.nodes[P2].log()
        time.sleep(SETTLE)
        sweep_end = check_clean(pair, base, snap, allow_missing=True)
        if mode != "receive-only":
            # Everyone signs now: adverts verify, none arrives unsigned.
            assert received(sweep_end, "ok") > received(snap, "ok")
            assert received(sweep_end, "missing") == received(snap, "missing")
        snap = sweep_end
    assert pair.nodes[P1].status()["reloads"] == pair.nodes[P2].status()["reloads"] == 3


def test_rollout_out_of_order_drops_adverts(lab) -> None:
    """The control: signing towards a node without auth_hmac (skipping
    receive-only) gets every signed advert dropped as the wrong length, and
    the peer holds a needless election, which is what the sweeps avoid."""
    pair = start_pair(lab, None, (VI_1,))
    before = pair.transitions()
    pair.reload(P1, HmacBlock({1: K1}, 1, mode="permissive"))
    wait_for(lambda: pair.nodes[P2].instance()["drops"].get("bad_length", 0) >= 2, 3)
    wait_for(lambda: pair.nodes[P2].state() == "MASTER", mdi(100) + 2)
    assert pair.nodes[P2].instance()["transitions"] > before[(P2, "VI_1")]


def test_make_before_break_key_rotation(lab) -> None:
    """Add key 2 (still signing with 1), move active_key to 2, drop key 1; each
    step one node at a time, in enforce mode: no transition, nothing rejected."""
    pair = start_pair(lab, HmacBlock({1: K1}, 1), ACTIVE_ACTIVE)
    snap = pair.snapshot()
    base = pair_transitions(snap)
    steps = [
        HmacBlock({1: K1, 2: K2}, 1),
        HmacBlock({1: K1, 2: K2}, 2),
        HmacBlock({2: K2}, 2),
    ]
    for block in steps:
        for i in (P1, P2):
            pair.reload(i, block)
            time.sleep(SETTLE)
            snap = check_clean(pair, base, snap, allow_missing=False)
    assert received(snap, "ok") > 0
    for i in (P1, P2):
        for st in pair.nodes[i].status()["instances"]:
            assert st["active_key"] == 2
            if st["state"] == "BACKUP":
                assert st["peers"][0]["last_key_id"] == 2


def test_rotation_break_before_make_is_caught(lab) -> None:
    """The control: moving p1 to a key p2 does not have yet gets its adverts
    rejected as unknown_key and p2 takes over: what make-before-break avoids."""
    pair = start_pair(lab, HmacBlock({1: K1}, 1), (VI_1,))
    before = pair.transitions()
    pair.reload(P1, HmacBlock({2: K2}, 2))
    wait_for(lambda: pair.nodes[P2].instance()["auth"]["unknown_key"] >= 2, 3)
    wait_for(lambda: pair.nodes[P2].state() == "MASTER", mdi(100) + 2)
    assert pair.nodes[P2].instance()["transitions"] > before[(P2, "VI_1")]


def test_clock_step_in_time_mode_is_stale_then_recovers(lab) -> None:
    """p1, VI_1's Master, has its clock stepped an hour ahead.

    Expected while it lasts: p2 rejects every advert of p1 as stale (counted
    so, with the skew on the peer entry). p2 cannot tell that from a dead
    Master, so after Master_Down_Interval it becomes Master, as it must; p1
    in turn rejects p2's adverts as stale (its own clock is the wrong one), so
    it stays Master and both hold the VIP until the clock is fixed. That is
    the price of ``time`` mode failing closed, and why the stale counter (kept
    apart from bad_hmac) is what to alarm on. Once p1's clock is corrected
    its sequence restarts from the clock, p2 accepts it again, yields to the
    higher priority, and a single Master remains.
    """
    block = HmacBlock({1: K1}, 1, mode="enforce", anti_replay="time", time_window=5)
    pair = start_pair(lab, block, (VI_1,))
    p1, p2 = pair.nodes
    t_p1 = p1.instance()["transitions"]
    t_p2 = p2.instance()["transitions"]
    assert p2.instance()["auth"]["stale"] == 0

    p1.set_clock_offset(STEP)
    wait_for(lambda: p2.instance()["auth"]["stale"] >= 2, 3)
    peer = p2.instance()["peers"][0]
    assert peer["address"] == str(pair.ip(P1))
    assert peer["outcomes"]["stale"] >= 2
    assert peer["last_skew"] <= -(STEP - 10)  # now - sec: p1 is an hour ahead
    wait_for(lambda: p2.state() == "MASTER", mdi(100) + 2)
    wait_for(lambda: p1.instance()["auth"]["stale"] >= 1, 2)
    wait_for(lambda: VI_1.vip in p2.addresses(), 2)
    assert p1.state() == "MASTER" and VI_1.vip in p1.addresses()
    st = p2.instance()
    assert {k for k, v in st["auth"].items() if v} == {"ok", "stale"}
    ok_during = st["auth"]["ok"]

    p1.set_clock_offset(0)
    wait_for(lambda: pair.settled(VI_1, P1), 3)
    time.sleep(SETTLE)
    a1, a2 = p1.instance(), p2.instance()
    stale1, stale2 = a1["auth"]["stale"], a2["auth"]["stale"]
    assert a2["auth"]["ok"] > ok_during  # p1's adverts are accepted again
    time.sleep(SETTLE)
    b1, b2 = p1.instance(), p2.instance()
    assert b2["auth"]["stale"] == stale2 and b1["auth"]["stale"] == stale1  # no more stale
    assert b2["auth"]["ok"] > a2["auth"]["ok"]
    assert pair.master_of(VI_1) == P1
    assert b1["transitions"] == t_p1  # p1 never left MASTER
    assert b2["transitions"] == t_p2 + 2  # p2: up to MASTER and back to BACKUP


def test_monotonic_mode_rides_out_the_clock_step(lab) -> None:
    """The same hour's step, and the step back, in ``monotonic`` mode: the
    sequence only has to grow, so nothing is rejected and nothing moves."""
    block = HmacBlock({1: K1}, 1, mode="enforce", anti_replay="monotonic")
    pair = start_pair(lab, block, ACTIVE_ACTIVE)
    snap = pair.snapshot()
    base = pair_transitions(snap)
    r2 = pair.topo.router_ifaces[pair.topo.peers[P2].name]
    cap = lab.capture(pair.topo.router, r2, f"ip proto 112 and src host {pair.ip(P1)}")
    pair.nodes[P1].set_clock_offset(STEP)
    time.sleep(3 * ADV)
    secs = [int.from_bytes(p[-24:-20], "big") for _, _, p in vrrp_packets(cap.frames())]
    assert secs and max(secs) >= time.time() + STEP - 10, "the step did not reach the wire"
    snap = check_clean(pair, base, snap, allow_missing=False)
    pair.nodes[P1].set_clock_offset(0)
    time.sleep(3 * ADV)
    snap = check_clean(pair, base, snap, allow_missing=False)
    time.sleep(3 * ADV)
    snap = check_clean(pair, base, snap, allow_missing=False)
    assert received(snap, "ok") > 0

"""Restart state as a value: a router's snapshot taken by one process and
restored by the next (in-place restart), and the rules by which a start after
a crash resumes a Master at once or starts as usual (fake clock)."""

from __future__ import annotations

import json
from dataclasses import replace
from fractions import Fraction
from ipaddress import IPv4Address, ip_address

import pytest
from protocol_helpers import advert, params, router

from pyvrrp.protocol import (
    DropReason,
    Notify,
    SendAdvert,
    State,
    TakeAddresses,
    Timer,
    VirtualRouter,
)
from pyvrrp.protocol.handover import CheckpointEntry, Resume, RouterSnapshot, decide


def _through_json(snap: RouterSnapshot) -> RouterSnapshot:
    return RouterSnapshot.from_json(json.loads(json.dumps(snap.to_json())))


def test_a_backup_goes_on_with_its_timer_learned_interval_and_master() -> None:
    r = router("a", 100, 1)
    r.start(10.0)
    r.receive_advert(advert(200, last=9, interval_cs=50), 10.2)
    deadline = r.next_deadline()
    snap = _through_json(r.snapshot())
    assert snap.state is State.BACKUP and snap.timer == "Master_Down_Timer"

    new = router("a", 100, 1)
    assert new.restore(snap)
    assert new.state is State.BACKUP
    assert new.timer is Timer.MASTER_DOWN
    assert new.next_deadline() == deadline
    assert new.master_adver_interval_cs == 50
    assert new.master_address == IPv4Address("10.0.0.9")
    assert new.master_down_interval() == r.master_down_interval()
    assert new.handle_timer(deadline - 0.001) == []  # not before its time
    acts = new.handle_timer(deadline)
    assert acts[0] == SendAdvert(100) and new.state is State.MASTER
    assert isinstance(acts[-1], Notify) and acts[-1].old_state is State.BACKUP


def test_a_master_keeps_its_advert_rhythm_and_counters() -> None:
    r = router("a", 255, 1)
    r.start(10.0)
    r.handle_timer(11.0)
    r.receive_advert(advert(100, last=9, version=2), 11.5)  # dropped: version
    snap = _through_json(r.snapshot())
    new = router("a", 255, 1)
    assert new.restore(snap)
    assert new.state is State.MASTER and new.addresses_held
    assert new.next_deadline() == 12.0
    assert new.counters.adverts_sent == 2
    assert new.counters.became_master == 1
    assert new.counters.transitions == 1
    assert new.counters.dropped == {DropReason.VERSION_MISMATCH: 1}
    assert new.handle_timer(12.0) == [SendAdvert(255)]
    assert new.next_deadline() == 13.0


def test_a_fault_and_a_preempt_delay_survive() -> None:
    r = router("a", 150, 1, preempt_delay_cs=300)
    r.start(0.0)
    r.receive_advert(advert(100, last=9), 0.5)  # lower: the preempt delay starts
    r.set_fault(True, "track", 0.6)
    snap = _through_json(r.snapshot())
    assert snap.preempt_after is None  # (a fault forgets it)
    new = router("a", 150, 1, preempt_delay_cs=300)
    new.restore(snap)
    assert new.state is State.FAULT and new.fault_reasons == {"track"}
    assert new.next_deadline() is None
    acts = new.set_fault(False, "track", 1.0)
    assert new.state is State.BACKUP and isinstance(acts[-1], Notify)

    r = router("b", 150, 1, preempt_delay_cs=300)
    r.start(0.0)
    r.receive_advert(advert(100, last=9), 0.5)
    snap = _through_json(r.snapshot())
    assert snap.preempt_after == Fraction(35, 10)
    new = router("b", 150, 1, preempt_delay_cs=300)
    new.restore(snap)
    # Within the delay the lower Master is still listened to: the timer moves.
    new.receive_advert(advert(100, last=9), 3.0)
    assert new.next_deadline() == pytest.approx(3.0 + float(new.master_down_interval()))
    # After it, its adverts are discarded: the timer stays.
    before = new.next_deadline()
    new.receive_advert(advert(100, last=9), 3.6)
    assert new.next_deadline() == before


def test_a_snapshot_of_another_virtual_router_is_refused() -> None:
    r = router("a", 100, 1)
    r.start(0.0)
    snap = r.snapshot()
    for kw in ({"vrid": 52}, {"version": 2}):
        other = router("a", 100, 1, **kw)
        assert not other.restore(snap)
        assert other.state is State.INITIALIZE and other.next_deadline() is None
    six = VirtualRouter(replace(params("a", 100, 1), primary_address=ip_address("fe80::1")))
    assert not six.restore(snap)


def test_unknown_drop_reasons_are_skipped_and_json_must_be_complete() -> None:
    r = router("a", 100, 1)
    doc = r.snapshot().to_json()
    doc["counters"]["dropped"] = {"from-a-later-version": 3, "own_address": 2}
    new = router("a", 100, 1)
    new.restore(RouterSnapshot.from_json(doc))
    assert new.counters.dropped == {DropReason.OWN_ADDRESS: 2}
    del doc["state"]
    with pytest.raises(KeyError):
        RouterSnapshot.from_json(doc)
    with pytest.raises(ValueError):
        RouterSnapshot.from_json({**r.snapshot().to_json(), "state": "ASLEEP"})


def test_resume_master_is_no_transition() -> None:
    r = router("a", 100, 1, advert_interval_cs=50)
    acts = r.resume_master(20.0)
    assert acts == [SendAdvert(100), TakeAddresses()]
    assert r.state is State.MASTER and r.addresses_held
    assert r.counters.transitions == 0 and r.counters.became_master == 0
    assert r.next_deadline() == 20.5
    assert r.master_address == IPv4Address("10.0.0.1")
    assert r.resume_master(21.0) == []  # only from INITIALIZE
    f = router("f", 100, 1)
    f.set_fault(True, "link", 0.0)
    assert f.resume_master(1.0) == [] and f.state is State.INITIALIZE


ENTRY = CheckpointEntry(
    name="VI_1",
    vrid=51,
    family=4,
    interface="eth0",
    state=State.MASTER,
    written=1000.0,
    boot="boot-a",
    sequence=7 << 32,
)
FACTS = {
    "vrid": 51,
    "family": 4,
    "interface": "eth0",
    "now": 1001.0,
    "boot": "boot-a",
    "master_down_interval": 3.6,
    "addresses_present": True,
    "other_master": False,
}


def test_a_fresh_checkpoint_of_a_master_with_its_addresses_resumes() -> None:
    assert decide(ENTRY, **FACTS) == (Resume.MASTER, "checkpoint 1.000 s old, addresses in place")
    assert decide(ENTRY, **{**FACTS, "now": 1000.0})[0] is Resume.MASTER
    assert decide(ENTRY, **{**FACTS, "now": 1003.599})[0] is Resume.MASTER


@pytest.mark.parametrize(
    ("entry", "facts", "why"),
    [
        (None, {}, "no checkpoint"),
        (CheckpointEntry(**{**ENTRY.__dict__, "state": State.BACKUP}), {}, "it was BACKUP"),
        (ENTRY, {"vrid": 52}, "the configuration made it another virtual router"),
        (ENTRY, {"family": 6}, "the configuration made it another virtual router"),
        (ENTRY, {"interface": "eth1"}, "the configuration made it another virtual router"),
        (ENTRY, {"boot": "boot-b"}, "the host has rebooted since"),
        (
            ENTRY,
            {"now": 1003.6},
            "checkpoint stale (3.600 s old, Master_Down_Interval 3.600 s)",
        ),
        (
            ENTRY,
            {"now": 999.0},
            "checkpoint stale (-1.000 s old, Master_Down_Interval 3.600 s)",
        ),
        (ENTRY, {"addresses_present": False}, "its virtual addresses are gone"),
        (ENTRY, {"other_master": True}, "another Master has been heard"),
    ],
)
def test_otherwise_a_normal_start(entry, facts, why) -> None:  # type: ignore[no-untyped-def]
    assert decide(entry, **{**FACTS, **facts}) == (Resume.NORMAL, why)


def test_a_priority_changed_in_the_new_config_still_resumes() -> None:
    """The checkpoint does not hold the priority: a Master resumes with the
    new one, and the protocol's own rules (a higher Backup preempting) follow."""
    assert decide(ENTRY, **FACTS)[0] is Resume.MASTER
    r = router("a", 120, 1)
    r.resume_master(0.0)
    acts = r.receive_advert(advert(200, last=9), 0.1)
    assert r.state is State.BACKUP and isinstance(acts[-1], Notify)


def test_checkpoint_entries_through_json() -> None:
    doc = json.loads(json.dumps(ENTRY.to_json()))
    assert CheckpointEntry.from_json(doc) == ENTRY
    assert CheckpointEntry.from_json({**doc, "sequence": None, "interface": None}) == (
        CheckpointEntry(**{**ENTRY.__dict__, "sequence": None, "interface": None})
    )


def test_every_field_goes_through_json_exactly() -> None:
    from pyvrrp.protocol.router import RouterCounters

    counters = RouterCounters(
        transitions=1,
        became_master=2,
        adverts_sent=3,
        priority_zero_sent=4,
        adverts_received=5,
        priority_zero_received=6,
        takeovers_held=7,
        dropped={DropReason.OWN_ADDRESS: 8},
    )
    from pyvrrp.protocol.handover import counters_from_json, counters_to_json

    doc = counters_to_json(counters)
    assert doc == {
        "transitions": 1,
        "became_master": 2,
        "adverts_sent": 3,
        "priority_zero_sent": 4,
        "adverts_received": 5,
        "priority_zero_received": 6,
        "takeovers_held": 7,
        "dropped": {"own_address": 8},
    }
    back = RouterCounters()
    counters_from_json(back, json.loads(json.dumps(doc)))
    assert back == counters
    counters_from_json(back, {})
    assert back == RouterCounters()
    snap = RouterSnapshot(
        vrid=9,
        version=3,
        family=4,
        state=State.BACKUP,
        effective_priority=123,
        master_adver_interval_cs=70,
        master_address=IPv4Address("10.0.0.9"),
        timer="Master_Down_Timer",
        armed_at=5.5,
        duration=Fraction(21, 10),
        preempt_after=Fraction(71, 10),
        silence_from=5.25,
        addresses_held=True,
        wants_master=True,
        fault_reasons=frozenset({"a", "b"}),
        counters=doc,
    )
    assert _through_json(snap) == snap


def test_a_minimal_snapshot_takes_the_defaults() -> None:
    snap = RouterSnapshot.from_json(
        {
            "vrid": 1,
            "version": 2,
            "family": 4,
            "state": "BACKUP",
            "effective_priority": 100,
            "master_adver_interval_cs": 100,
        }
    )
    assert snap == RouterSnapshot(
        vrid=1,
        version=2,
        family=4,
        state=State.BACKUP,
        effective_priority=100,
        master_adver_interval_cs=100,
    )
    assert snap.duration == 0 and not snap.addresses_held and not snap.wants_master
    assert snap.silence_from is None and snap.preempt_after is None and snap.master_address is None


def test_the_checkpoint_is_stale_at_exactly_the_interval() -> None:
    entry = CheckpointEntry(**{**ENTRY.__dict__, "written": 1000.0})
    facts = {**FACTS, "master_down_interval": 4.0}
    assert decide(entry, **{**facts, "now": 1004.0})[0] is Resume.NORMAL
    assert decide(entry, **{**facts, "now": 1003.75})[0] is Resume.MASTER


def test_the_snapshot_holds_silence_and_wants_master_and_restore_sets_them() -> None:
    r = router("a", 100, 1)
    r.start(10.0)
    r.receive_advert(advert(200, last=9), 10.5)
    r.wants_master = True
    snap = r.snapshot()
    assert snap.silence_from == 10.5 and snap.wants_master is True
    new = router("a", 100, 1)
    new.restore(_through_json(snap))
    assert new.wants_master is True
    # The silence is where a takeover during packet loss is held from.
    deadline = new.next_deadline()
    assert deadline is not None
    held = new.handle_timer(deadline, lossy_since=deadline - 0.1)
    assert type(held[0]).__name__ == "TakeoverHeld"
    assert held[0].silent_for == pytest.approx(deadline - 10.5)


def test_a_timer_without_its_start_is_not_armed() -> None:
    r = router("a", 100, 1)
    snap = replace(r.snapshot(), state=State.BACKUP, timer="Master_Down_Timer", armed_at=None)
    new = router("a", 100, 1)
    assert new.restore(snap)
    assert new.next_deadline() is None and new.timer is None


def test_resume_master_runs_the_advert_timer_at_its_own_interval() -> None:
    r = router("a", 100, 1, advert_interval_cs=50)
    r.master_adver_interval_cs = 300  # (as if learned before)
    r.resume_master(20.0)
    assert r.timer is Timer.ADVER and r.master_adver_interval_cs == 50

"""Two and three routers on an in-memory LAN with a fake clock.

Each test reads like the RFC: who is Master, when exactly the Backup takes over.
Times are exact to well under a centisecond (Fractions inside the router).
"""

from __future__ import annotations

import pytest
from protocol_helpers import router
from vrrp_sim import Sim

from pyvrrp.protocol import Dropped, DropReason, SendAdvert, State

TOL = 1e-6


def skew(priority: int, interval: float = 1.0, version: int = 3) -> float:
    """RFC 9568 §6.1 / RFC 3768 §6.1 Skew_Time."""
    return (256 - priority) / 256 * (interval if version == 3 else 1.0)


def mdi(priority: int, interval: float = 1.0, version: int = 3) -> float:
    """Master_Down_Interval = 3 * Master_Adver_Interval + Skew_Time."""
    return 3 * interval + skew(priority, interval, version)


def last_advert(sim: Sim, name: str, before: float) -> float:
    return max(
        e.time
        for e in sim.log
        if e.router == name and isinstance(e.action, SendAdvert) and e.time <= before
    )


@pytest.mark.parametrize(
    ("version", "interval_cs"),
    [(2, 100), (3, 100), (3, 10)],
    ids=["v2-1s", "v3-1s", "v3-100ms"],
)
def test_backup_takes_over_a_silent_master_after_master_down_interval(
    version: int, interval_cs: int
) -> None:
    interval = interval_cs / 100
    a = router("A", 200, 1, version=version, advert_interval_cs=interval_cs)
    b = router("B", 100, 2, version=version, advert_interval_cs=interval_cs)
    sim = Sim.of(a, b)
    sim.start()
    sim.run_for(20 * interval)
    # RFC 9568 §6.4.1: both start as Backup; A's shorter Skew_Time wins.
    assert sim.became_master_at("A") == pytest.approx(mdi(200, interval, version), abs=TOL)
    assert sim.masters() == ["A"]
    kill_at = sim.now
    sim.kill("A")
    sim.run_for(10 * interval)
    last = last_advert(sim, "A", kill_at)
    assert sim.became_master_at("B") == pytest.approx(last + mdi(100, interval, version), abs=TOL)
    assert sim.masters() == ["B"]


@pytest.mark.parametrize(
    ("version", "interval_cs"),
    [(2, 100), (3, 100), (3, 10)],
    ids=["v2-1s", "v3-1s", "v3-100ms"],
)
def test_priority_zero_shutdown_hands_over_after_skew_time(version: int, interval_cs: int) -> None:
    interval = interval_cs / 100
    a = router("A", 200, 1, version=version, advert_interval_cs=interval_cs)
    b = router("B", 100, 2, version=version, advert_interval_cs=interval_cs)
    sim = Sim.of(a, b)
    sim.start()
    sim.run_for(10.05 * interval)
    t0 = sim.now
    sim.call("A", "shutdown")  # RFC 9568 §6.4.3: send priority 0
    sim.run_for(5 * interval)
    assert sim.became_master_at("B") == pytest.approx(t0 + skew(100, interval, version), abs=TOL)
    assert sim.masters() == ["B"]
    assert sim.held == {"A": 0, "B": 1}


def test_three_routers_next_highest_priority_takes_over() -> None:
    a, b, c = router("A", 200, 1), router("B", 150, 2), router("C", 100, 3)
    sim = Sim.of(a, b, c)
    sim.start()
    sim.run_until(10.0)
    assert sim.masters() == ["A"]
    sim.kill("A")
    sim.run_until(20.0)
    last = last_advert(sim, "A", 10.0)
    assert sim.became_master_at("B") == pytest.approx(last + mdi(150), abs=TOL)
    assert sim.masters() == ["B"]
    assert sim.became_master_at("C") is None  # C heard B in time and stayed Backup


def test_preemption_higher_priority_backup_takes_over_after_its_down_timer() -> None:
    a, b = router("A", 200, 1), router("B", 100, 2)
    sim = Sim.of(a, b)
    sim.start("B")
    sim.run_until(10.0)
    assert sim.masters() == ["B"]
    sim.start("A")
    sim.run_until(20.0)
    # A discards B's lower priority adverts: its timer from start-up runs out.
    assert sim.became_master_at("A") == pytest.approx(10.0 + mdi(200), abs=TOL)
    assert sim.masters() == ["A"]
    assert sim.held == {"A": 1, "B": 0}


def test_preempt_delay_postpones_preemption() -> None:
    a, b = router("A", 200, 1, preempt_delay_cs=500), router("B", 100, 2)
    sim = Sim.of(a, b)
    sim.start("B")
    sim.run_until(10.0)
    sim.start("A")
    sim.run_until(30.0)
    b_master = sim.became_master_at("B") or 0.0
    first_seen = b_master + 7  # B's first advert after A started (B adverts each second)
    assert first_seen == pytest.approx(10 + b_master % 1, abs=TOL)
    # Adverts within the 5 s delay reset A's timer; the last one at first_seen + 4.
    assert sim.became_master_at("A") == pytest.approx(first_seen + 4 + mdi(200), abs=TOL)
    assert sim.masters() == ["A"]


def test_nopreempt_leaves_the_lower_priority_master_alone() -> None:
    a, b = router("A", 200, 1, preempt=False), router("B", 100, 2)
    sim = Sim.of(a, b)
    sim.start("B")
    sim.run_until(10.0)
    sim.start("A")
    sim.run_until(60.0)
    assert sim.masters() == ["B"]
    assert sim.became_master_at("A") is None


def assert_settled(sim: Sim, master: str, interval: float = 1.0, priority: int = 100) -> None:
    """RFC 9568 §6.4.2: a Backup accepts adverts of priority "greater than or
    equal to" its own, so once settled nobody takes over again: checked for six
    Master_Down_Intervals (a Backup discarding its equal-priority Master's
    adverts would flap once per interval)."""
    settled = sim.now
    sim.run_for(6 * mdi(priority, interval))
    assert sim.masters() == [master]
    for name in sim.routers:
        assert sim.became_master_at(name, after=settled) is None, name


@pytest.mark.parametrize("interval_cs", [100, 10], ids=["1s", "100ms"])
def test_tie_break_higher_primary_address_wins_after_partition_heals(interval_cs: int) -> None:
    a = router("A", 100, 1, advert_interval_cs=interval_cs)
    b = router("B", 100, 2, advert_interval_cs=interval_cs)
    sim = Sim.of(a, b)
    sim.partition("A", "B")
    sim.start()
    sim.run_until(10.0)
    assert sim.masters() == ["A", "B"]  # split brain while partitioned
    sim.heal()
    sim.run_until(12.0)
    assert sim.masters() == ["B"]
    assert sim.held == {"A": 0, "B": 1}
    assert_settled(sim, "B", interval_cs / 100)
    assert a.master_address == b.params.primary_address


def test_tie_break_without_keepalived_answer_still_converges() -> None:
    a = router("A", 100, 1, answer_lower_priority=False)
    b = router("B", 100, 2, answer_lower_priority=False)
    sim = Sim.of(a, b)
    sim.partition("A", "B")
    sim.start()
    sim.run_until(10.0)
    sim.heal()
    sim.run_until(12.0)
    assert sim.masters() == ["B"]
    assert_settled(sim, "B")


def test_v3_backup_learns_the_masters_interval() -> None:
    a = router("A", 200, 1, advert_interval_cs=50)
    b = router("B", 100, 2, advert_interval_cs=100)
    sim = Sim.of(a, b)
    sim.start()
    sim.run_until(10.0)
    assert b.master_adver_interval_cs == 50
    sim.kill("A")
    sim.run_until(20.0)
    last = last_advert(sim, "A", 10.0)
    assert sim.became_master_at("B") == pytest.approx(last + mdi(100, 0.5), abs=TOL)


def test_v2_interval_mismatch_is_dropped_and_never_resets_the_timer() -> None:
    a = router("A", 200, 1, version=2, advert_interval_cs=100)
    b = router("B", 100, 2, version=2, advert_interval_cs=200)
    sim = Sim.of(a, b)
    sim.start()
    sim.run_until(10.0)
    # B drops every advert of A (RFC 3768 §7.1), so its own timer runs out.
    assert sim.became_master_at("B") == pytest.approx(mdi(100, 2, version=2), abs=TOL)
    drops = [e for e in sim.log if e.router == "B" and isinstance(e.action, Dropped)]
    assert drops and all(
        isinstance(e.action, Dropped) and e.action.reason is DropReason.INTERVAL_MISMATCH
        for e in drops
    )
    assert b.counters.dropped[DropReason.INTERVAL_MISMATCH] == len(drops)


def test_owner_preempts_at_once_on_startup() -> None:
    a, b = router("A", 255, 1), router("B", 100, 2)
    sim = Sim.of(a, b)
    sim.start("B")
    sim.run_until(10.0)
    sim.start("A")
    assert sim.masters() == ["A"]  # B stepped down on hearing priority 255
    assert sim.became_master_at("A") == 10.0
    assert sim.held == {"A": 1, "B": 0}


def test_fault_on_master_hands_over_in_skew_time_and_recovery_preempts_back() -> None:
    a, b = router("A", 200, 1), router("B", 100, 2)
    sim = Sim.of(a, b)
    sim.start()
    sim.run_until(10.5)
    sim.call("A", "interface_changed", False)
    assert a.state is State.FAULT
    sim.run_until(15.0)
    assert sim.became_master_at("B") == pytest.approx(10.5 + skew(100), abs=TOL)
    sim.call("A", "interface_changed", True)
    assert a.state is State.BACKUP
    sim.run_until(30.0)
    assert sim.became_master_at("A", after=15.0) == pytest.approx(15.0 + mdi(200), abs=TOL)
    assert sim.masters() == ["A"]


def test_tracking_priority_drop_makes_the_backup_preempt() -> None:
    a, b = router("A", 200, 1), router("B", 150, 2)
    sim = Sim.of(a, b)
    sim.start()
    sim.run_until(10.0)
    sim.call("A", "set_priority", 100)  # e.g. a failing script with weight -100
    sim.run_until(20.0)
    # B discards A's adverts from the first one with priority 100 (at ~10.22).
    first_low = min(
        e.time
        for e in sim.log
        if e.router == "A" and e.action == SendAdvert(100) and e.time >= 10.0
    )
    last_high = last_advert(sim, "A", first_low - 0.5)
    assert sim.became_master_at("B") == pytest.approx(last_high + mdi(150), abs=TOL)
    assert sim.masters() == ["B"]

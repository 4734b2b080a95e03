"""Rules of the protocol core that `make mutate` found untested.

Each test names the rule it holds the code to (RFC 9568 / RFC 3768 section,
or keepalived's behaviour where pyvrrp follows it), and checks the router's
invariants (vrrp_sim.check_invariants) after every event it drives by hand.
"""

from __future__ import annotations

from fractions import Fraction
from ipaddress import IPv4Address, IPv6Address

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from protocol_helpers import advert, params, router
from vrrp_sim import Sim, check_action, check_invariants

from pyvrrp.protocol import (
    Action,
    Dropped,
    DropReason,
    Notify,
    ReceivedAdvert,
    RouterParams,
    ScriptSpec,
    SendAdvert,
    State,
    SyncGroup,
    TakeoverHeld,
    Timer,
    TrackedInterface,
    TrackedScript,
    Tracker,
    VirtualRouter,
    master_down_interval,
)


def step(r: VirtualRouter, actions: list[Action]) -> list[Action]:
    """Check what one call returned and what it left behind."""
    for a in actions:
        check_action(a)
    check_invariants(r)
    return actions


def backup(priority: int = 100, now: float = 0.0, **kw: object) -> VirtualRouter:
    r = router("R", priority, 5, **kw)
    step(r, r.start(now))
    assert r.state is State.BACKUP
    return r


def master(priority: int = 100, **kw: object) -> VirtualRouter:
    r = backup(priority, **kw)
    step(r, r.handle_timer(r.next_deadline() or 0.0))
    assert r.state is State.MASTER
    return r


def notifies(actions: list[Action]) -> list[Notify]:
    return [a for a in actions if isinstance(a, Notify)]


def mdi(priority: int, interval: float = 1.0) -> float:
    return 3 * interval + (256 - priority) / 256 * interval


# ------------------------------------------------ §6.4.2 Backup: equal priority


def test_rfc9568_6_4_2_equal_priority_advert_rearms_the_backups_down_timer() -> None:
    r = backup(100)
    step(r, r.receive_advert(advert(100, last=9), 1.0))
    assert r.next_deadline() == pytest.approx(1.0 + mdi(100))
    assert r.master_address == IPv4Address("10.0.0.9")


# ------------------------------------------------ counters (status, metrics)


def test_counters_count_each_event_once() -> None:
    """The counters status and metrics report: one per advert sent or heard,
    per priority-0 advert, per state change, per time we became Master."""
    r = backup(100)
    c = r.counters
    assert (c.transitions, c.became_master, c.adverts_sent, c.adverts_received) == (1, 0, 0, 0)
    step(r, r.receive_advert(advert(200), 0.5))
    step(r, r.receive_advert(advert(200), 1.5))
    assert (c.adverts_received, c.priority_zero_received) == (2, 0)
    step(r, r.receive_advert(advert(0), 2.0))  # the Master leaves
    assert (c.adverts_received, c.priority_zero_received) == (3, 1)
    step(r, r.handle_timer(r.next_deadline() or 0.0))
    assert r.state is State.MASTER
    assert (c.transitions, c.became_master, c.adverts_sent, c.priority_zero_sent) == (2, 1, 1, 0)
    step(r, r.handle_timer(r.next_deadline() or 0.0))
    assert c.adverts_sent == 2
    step(r, r.shutdown(10.0))
    assert (c.transitions, c.became_master, c.adverts_sent, c.priority_zero_sent) == (3, 1, 3, 1)
    step(r, r.start(11.0))
    step(r, r.handle_timer(r.next_deadline() or 0.0))
    assert (c.transitions, c.became_master) == (5, 2)
    step(r, r.set_fault(True, "x", 20.0))  # a Master entering FAULT sends priority 0
    assert (c.adverts_sent, c.priority_zero_sent, c.transitions) == (5, 2, 6)
    step(r, r.set_fault(False, "x", 21.0))
    for t in (22.0, 23.0):
        step(r, r.receive_advert(advert(0), t))
    assert (c.adverts_received, c.priority_zero_received) == (5, 3)


def test_dropped_adverts_are_counted_per_reason_and_not_as_received() -> None:
    r = backup(100)
    before = r.next_deadline()
    for _ in range(2):
        step(r, r.receive_advert(advert(200, vrid=7), 1.0))
    step(r, r.receive_advert(advert(200, version=2), 1.0))
    assert r.counters.dropped == {DropReason.VRID_MISMATCH: 2, DropReason.VERSION_MISMATCH: 1}
    assert r.counters.adverts_received == 0
    assert r.next_deadline() == before


# ------------------------------------------------ the check before any state


def test_issue_562_a_refused_advert_after_an_accepted_one_is_still_refused() -> None:
    """keepalived issue #562: every advert passes the checks before it touches a
    timer; remembering the last advert that passed must not let the next,
    different one skip them."""
    r = backup(100)
    step(r, r.receive_advert(advert(200), 1.0))
    deadline = r.next_deadline()
    out = step(r, r.receive_advert(advert(200, vrid=9), 2.0))
    assert [type(a) for a in out] == [Dropped]
    assert r.next_deadline() == deadline
    # The same accepted object again still passes.
    same = advert(200)
    step(r, r.receive_advert(same, 2.5))
    step(r, r.receive_advert(same, 3.0))
    assert r.next_deadline() == pytest.approx(3.0 + mdi(100))


@pytest.mark.parametrize(
    ("adv", "reason", "facts"),
    [
        (advert(200, vrid=7), DropReason.VRID_MISMATCH, ["7", "51"]),
        (advert(200, version=2), DropReason.VERSION_MISMATCH, ["2"]),
        (
            advert(200, source=IPv6Address("fe80::9")),
            DropReason.FAMILY_MISMATCH,
            ["IPv6"],
        ),
        (advert(200, last=5), DropReason.OWN_ADDRESS, ["10.0.0.5"]),
        (advert(300), DropReason.INVALID_FIELD, ["priority 300", "out of range"]),
        (advert(200, interval_cs=0), DropReason.INVALID_FIELD, ["interval 0cs", "out of range"]),
    ],
    ids=["vrid", "version", "family", "own", "priority", "interval"],
)
def test_a_dropped_advert_says_what_was_wrong(
    adv: ReceivedAdvert, reason: DropReason, facts: list[str]
) -> None:
    """Bad input gets a clear error: the drop reason is counted, and its detail
    (logged, shown by status) names the offending value."""
    r = backup(100)
    (dropped,) = step(r, r.receive_advert(adv, 1.0))
    assert isinstance(dropped, Dropped)
    assert dropped.reason is reason
    for fact in facts:
        assert fact in dropped.detail


def test_rfc3768_7_1_interval_mismatch_detail_names_both_intervals() -> None:
    r = backup(100, version=2)
    (dropped,) = step(r, r.receive_advert(advert(200, version=2, interval_cs=200), 1.0))
    assert isinstance(dropped, Dropped)
    assert dropped.reason is DropReason.INTERVAL_MISMATCH
    assert "200cs" in dropped.detail and "100cs" in dropped.detail
    assert "10.0.0.9" in dropped.detail


def test_not_listening_detail_names_the_state() -> None:
    r = router("R", 100, 5)
    (dropped,) = r.receive_advert(advert(200), 1.0)
    assert isinstance(dropped, Dropped)
    assert dropped.reason is DropReason.NOT_LISTENING
    assert dropped.detail == "INITIALIZE"


def test_rfc9568_5_2_7_the_shortest_interval_one_centisecond_is_accepted() -> None:
    """RFC 9568 §5.2.7: Max Adver Int is in centiseconds; 1 is valid, 0 is not."""
    r = backup(100)
    assert step(r, r.receive_advert(advert(200, interval_cs=1), 1.0)) == []
    assert r.master_adver_interval_cs == 1


# ------------------------------------------------ §6.1 timers per version


def test_rfc3768_6_1_v2_skew_time_does_not_scale_with_the_interval() -> None:
    """RFC 3768 §6.1: Skew_Time = (256 - Priority) / 256 seconds; RFC 9568 §6.1
    scales it by Master_Adver_Interval."""
    v2 = backup(128, version=2, advert_interval_cs=200)
    assert v2.skew_time() == Fraction(128, 256)
    assert v2.master_down_interval() == 6 + Fraction(128, 256)
    v3 = backup(128, advert_interval_cs=200)
    assert v3.skew_time() == Fraction(128 * 2, 256)


# ------------------------------------------------ §6.4.3 Master


def test_rfc9568_6_4_3_priority_zero_advert_makes_the_master_send_and_rearm() -> None:
    r = master(100)
    out = step(r, r.receive_advert(advert(0), 10.0))
    assert out == [SendAdvert(100)]
    assert r.timer is Timer.ADVER
    assert r.next_deadline() == pytest.approx(11.0)


def test_rfc9568_6_4_3_demoted_master_follows_the_new_master() -> None:
    """A higher priority advert: cancel Adver_Timer, set Master_Adver_Interval
    (v3), set the Master_Down_Timer, go Backup; the new Master is known."""
    r = master(100)
    out = step(r, r.receive_advert(advert(150, interval_cs=200), 10.0))
    (note,) = notifies(out)
    assert note.new_state is State.BACKUP
    assert "10.0.0.9" in note.reason and "150" in note.reason
    assert r.master_address == IPv4Address("10.0.0.9")
    assert r.master_adver_interval_cs == 200
    assert r.timer is Timer.MASTER_DOWN
    assert r.next_deadline() == pytest.approx(10.0 + mdi(100, 2.0))


# ------------------------------------------------ flood hold (TakeoverHeld)


def test_takeover_held_from_startup_silence_when_packets_were_lost() -> None:
    """A Backup that never heard a Master since start-up counts its silence
    from start-up: loss just before the timer fires holds the takeover."""
    r = backup(100, now=1.0)
    due = r.next_deadline() or 0.0
    (held,) = step(r, r.handle_timer(due, lossy_since=due - 0.5))
    assert isinstance(held, TakeoverHeld)
    assert held.silent_for == pytest.approx(mdi(100))
    assert held.until == pytest.approx(1.0 + 2 * mdi(100))
    assert r.state is State.BACKUP
    assert r.counters.takeovers_held == 1


def test_takeover_held_after_a_master_was_demoted() -> None:
    r = master(100)
    step(r, r.receive_advert(advert(150), 10.0))
    due = r.next_deadline() or 0.0
    (held,) = step(r, r.handle_timer(due, lossy_since=due - 0.1))
    assert isinstance(held, TakeoverHeld)
    assert held.silent_for == pytest.approx(due - 10.0)


def test_takeover_held_when_loss_is_exactly_one_interval_old() -> None:
    """Loss "within the last interval" includes its first instant (the moment
    the Master's latest advert was due)."""
    r = backup(100, now=0.0)
    step(r, r.receive_advert(advert(150), 4.0))
    due = r.next_deadline() or 0.0
    assert due == 4.0 + mdi(100)  # exact in binary: the boundary is exact too
    (held,) = step(r, r.handle_timer(due, lossy_since=due - 1.0))
    assert isinstance(held, TakeoverHeld)


def test_no_hold_for_loss_older_than_one_interval() -> None:
    r = backup(100, now=0.0)
    step(r, r.receive_advert(advert(150), 4.0))
    due = r.next_deadline() or 0.0
    out = step(r, r.handle_timer(due, lossy_since=due - 1.25))
    assert r.state is State.MASTER
    assert not any(isinstance(a, TakeoverHeld) for a in out)


def test_no_hold_for_loss_before_the_master_was_last_heard() -> None:
    r = backup(100, now=0.0, advert_interval_cs=500)
    step(r, r.receive_advert(advert(150, interval_cs=500), 4.0))
    due = r.next_deadline() or 0.0
    # within one (5 s) interval of the deadline, but before the last advert
    out = step(r, r.handle_timer(due, lossy_since=3.999))
    assert r.state is State.MASTER
    assert not any(isinstance(a, TakeoverHeld) for a in out)


# ------------------------------------------------ keepalived preempt_delay


def _preempt_delay_sim(reload_to: RouterParams | None, at: float) -> Sim:
    """A (priority 100) is Master alone; B (200, preempt_delay 5 s) starts at
    t=10 and hears A's lower-priority adverts."""
    a = router("A", 100, 1)
    b = router("B", 200, 2, preempt_delay_cs=500)
    sim = Sim.of(a, b)
    sim.start("A")
    sim.run_until(10.0)
    assert sim.masters() == ["A"]
    sim.start("B")
    sim.run_until(at)
    if reload_to is not None:
        sim.call("B", "reload", reload_to)
    return sim


def test_keepalived_preempt_delay_baseline() -> None:
    sim = _preempt_delay_sim(None, 13.0)
    sim.run_until(40.0)
    t = sim.became_master_at("B")
    assert t is not None and 15.0 < t < 20.0


def test_keepalived_reload_with_unchanged_preempt_delay_keeps_the_running_delay() -> None:
    """A reload that changes nothing of preemption does not restart the delay."""
    unchanged = params("B", 200, 2, preempt_delay_cs=500)
    sim = _preempt_delay_sim(unchanged, 13.0)
    sim.run_until(40.0)
    base = _preempt_delay_sim(None, 13.0)
    base.run_until(40.0)
    assert sim.became_master_at("B") == pytest.approx(base.became_master_at("B") or -1)


def test_keepalived_reload_with_a_new_preempt_delay_restarts_it() -> None:
    """A changed preempt_delay runs afresh from the next lower-priority advert."""
    longer = params("B", 200, 2, preempt_delay_cs=1000)
    sim = _preempt_delay_sim(longer, 13.0)
    sim.run_until(22.0)
    assert sim.masters() == ["A"]
    sim.run_until(40.0)
    t = sim.became_master_at("B")
    assert t is not None and t > 23.0


def test_keepalived_preempt_delay_after_being_demoted() -> None:
    """A Master demoted by a higher priority one that later drops below us:
    preempt_delay starts at the first lower-priority advert (not stale)."""
    r = master(150, preempt_delay_cs=300)
    step(r, r.receive_advert(advert(200), 10.0))
    assert r.state is State.BACKUP
    step(r, r.receive_advert(advert(100), 11.0))  # lower now: delay starts
    step(r, r.receive_advert(advert(100), 12.0))
    assert r.next_deadline() == pytest.approx(12.0 + mdi(150))
    step(r, r.receive_advert(advert(100), 14.5))  # delay over: discarded
    assert r.next_deadline() == pytest.approx(12.0 + mdi(150))


# ------------------------------------------------ reload: Master_Adver_Interval


def test_rfc9568_reload_keeps_a_v3_backups_learned_interval() -> None:
    """v3 Backups learn Master_Adver_Interval from the Master (§6.4.2); a reload
    of our own settings does not forget it."""
    r = backup(100)
    step(r, r.receive_advert(advert(200, interval_cs=300), 1.0))
    step(r, r.reload(params("R", 110, 5), 2.0))
    assert r.master_adver_interval_cs == 300


def test_rfc3768_reload_of_a_v2_backup_takes_the_new_interval() -> None:
    r = backup(100, version=2)
    step(r, r.receive_advert(advert(200, version=2), 1.0))
    step(r, r.reload(params("R", 100, 5, version=2, advert_interval_cs=200), 2.0))
    assert r.master_adver_interval_cs == 200


def test_reload_to_another_vrid_before_start_takes_the_new_settings() -> None:
    """A different VRID is a different virtual router: a router not started yet
    simply takes the new parameters (and is still not running)."""
    r = router("R", 100, 5)
    assert step(r, r.reload(params("R", 120, 5, vrid=52, advert_interval_cs=200), 1.0)) == []
    assert r.state is State.INITIALIZE
    assert (r.params.vrid, r.effective_priority, r.master_adver_interval_cs) == (52, 120, 200)


def test_reload_of_a_master_takes_the_new_interval() -> None:
    r = master(100)
    step(r, r.reload(params("R", 100, 5, advert_interval_cs=50), 5.0))
    assert r.master_adver_interval_cs == 50
    r2 = master(100, version=2)
    step(r2, r2.reload(params("R", 100, 5, version=2, advert_interval_cs=300), 5.0))
    assert r2.master_adver_interval_cs == 300


# ------------------------------------------------ sync groups (keepalived)


def test_backup_hearing_its_master_gives_up_a_held_back_wish() -> None:
    """A sync group member whose down timer fired but was held back by its
    group (wants_master) gives that up when its Master is heard again."""
    r = backup(100)
    r.master_gate = lambda _r: False
    step(r, r.handle_timer(r.next_deadline() or 0.0))
    assert r.wants_master is True and r.state is State.BACKUP
    assert r.timer is Timer.MASTER_DOWN
    step(r, r.receive_advert(advert(200), 5.0))
    assert r.wants_master is False


def test_force_backup_of_a_backup_clears_its_wish_only() -> None:
    r = backup(100)
    r.master_gate = lambda _r: False
    step(r, r.handle_timer(r.next_deadline() or 0.0))
    assert step(r, r.force_backup(5.0, "group")) == []
    assert r.wants_master is False and r.state is State.BACKUP


def test_force_backup_and_force_master_say_why() -> None:
    r = master(100)
    (note,) = notifies(step(r, r.force_backup(5.0, "sync group G: X is not master")))
    assert note.reason == "sync group G: X is not master"
    assert r.master_address is None
    assert r.next_deadline() == pytest.approx(5.0 + mdi(100))
    due = r.next_deadline() or 0.0
    assert isinstance(r.handle_timer(due, lossy_since=due - 0.5)[0], TakeoverHeld)
    (note2,) = notifies(step(r, r.force_master(due + 0.1, "sync group G: Y became master")))
    assert note2.reason == "sync group G: Y became master"


def test_sync_group_propagate_reconciles_at_the_given_time() -> None:
    a, b = router("A", 100, 1), router("B", 100, 2)
    g = SyncGroup("G", [a, b])
    for r in (a, b):
        r.start(0.0)
        r.handle_timer(r.next_deadline() or 0.0)
    assert a.state is State.MASTER and b.state is State.MASTER
    b.receive_advert(advert(200), 6.0)
    forced = g.propagate(b, [], 6.0)
    assert [(r.params.name, [type(x).__name__ for x in acts]) for r, acts in forced] == [
        ("A", ["SendAdvert", "ReleaseAddresses", "Notify"])
    ]
    assert a.state is State.BACKUP
    assert a.next_deadline() == pytest.approx(6.0 + mdi(100))


# ------------------------------------------------ faults


def test_startup_with_faults_names_them_all_sorted() -> None:
    r = router("R", 100, 5)
    r.set_fault(True, "b_script", 0.0)
    r.set_fault(True, "a_iface", 0.0)
    (note,) = step(r, r.start(0.0))
    assert isinstance(note, Notify)
    assert note.reason == "startup: a_iface, b_script"


# ------------------------------------------------ tracking (keepalived weights)


def test_weight_one_and_reverse_signs() -> None:
    """keepalived: a positive weight adds while OK (subtracts with reverse); a
    negative one adds (its sign) while failing (the opposite with reverse)."""
    spec = ScriptSpec("s", weight=1)
    t = Tracker(100, scripts=[TrackedScript(spec)])
    assert t.script_result("s", True, 0.0).priority == 101
    rev = Tracker(100, scripts=[TrackedScript(ScriptSpec("s", weight=10), reverse=True)])
    assert rev.script_result("s", True, 0.0).priority == 90
    neg = Tracker(100, scripts=[TrackedScript(ScriptSpec("s", weight=-10), reverse=True)])
    assert neg.script_result("s", False, 0.0).priority == 110


def test_tracked_interface_back_up_restores_its_weight() -> None:
    t = Tracker(100, interfaces=[TrackedInterface("eth1", weight=10)])
    assert t.result().priority == 110
    assert t.interface_state("eth1", False, 0.0).priority == 100
    assert t.interface_state("eth1", True, 1.0).priority == 110


def test_two_faults_at_once_drive_the_router_into_fault_once() -> None:
    t = Tracker(
        100,
        scripts=[TrackedScript(ScriptSpec("s1")), TrackedScript(ScriptSpec("s2"))],
    )
    r = backup(100)
    t.script_result("s1", False, 1.0)
    t.script_result("s2", False, 1.0)
    out = step(r, t.apply(r, 1.0))
    assert [n.new_state for n in notifies(out)] == [State.FAULT]
    assert r.state is State.FAULT


@pytest.mark.parametrize(
    ("weight", "ok"),
    [(-253, True), (253, True), (-254, False), (254, False)],
)
def test_keepalived_vrrp_script_weight_range(weight: int, ok: bool) -> None:
    """keepalived.conf(5): a vrrp_script weight is -253..253."""
    if ok:
        ScriptSpec("chk", weight=weight)
    else:
        with pytest.raises(ValueError, match=rf"vrrp_script chk: weight {weight} not in"):
            ScriptSpec("chk", weight=weight)


@pytest.mark.parametrize(
    ("weight", "ok"),
    [(-254, True), (254, True), (-255, False), (255, False)],
)
def test_keepalived_track_interface_weight_range(weight: int, ok: bool) -> None:
    """keepalived.conf(5): a track_interface weight is -254..254."""
    if ok:
        TrackedInterface("eth1", weight=weight)
    else:
        with pytest.raises(ValueError, match="track_interface eth1: weight"):
            TrackedInterface("eth1", weight=weight)


def test_script_rise_and_fall_must_be_positive_with_a_clear_error() -> None:
    with pytest.raises(ValueError, match="vrrp_script chk: rise and fall must be at least 1"):
        ScriptSpec("chk", rise=0)


# ------------------------------------------------ parameters (RFC ranges)


@pytest.mark.parametrize(
    ("kw", "ok"),
    [
        ({"vrid": 255}, True),
        ({"vrid": 256}, False),
        ({"advert_interval_cs": 4095}, True),
        ({"advert_interval_cs": 4096}, False),
        ({"version": 2, "advert_interval_cs": 25500}, True),
        ({"version": 2, "advert_interval_cs": 25600}, False),
        ({"version": 2, "advert_interval_cs": 5000}, True),
    ],
)
def test_rfc_ranges_of_vrid_and_interval(kw: dict[str, int], ok: bool) -> None:
    """RFC 9568 §5.2.3 VRID 1..255, §5.2.7 a 12-bit interval in centiseconds
    (up to 4095); RFC 3768 §5.3.7 an 8-bit interval in whole seconds (up to 255)."""
    if ok:
        params("R", 100, 5, **kw)
    else:
        with pytest.raises(ValueError, match="R: "):
            params("R", 100, 5, **kw)


@pytest.mark.parametrize(
    ("kw", "words"),
    [
        ({"vrid": 0}, "vrid 0 not in 1..255"),
        ({"priority": 0}, "priority 0 not in 1..255"),
        ({"version": 4}, "version 4 not 2 or 3"),
        ({"advert_interval_cs": 0}, "v3 advert interval must be 1..4095 centiseconds"),
        ({"version": 2, "advert_interval_cs": 150}, "v2 advert interval must be 1..255"),
        ({"preempt_delay_cs": -1}, "negative preempt_delay"),
        ({"initial_state": "FAULT"}, "initial_state must be MASTER, BACKUP or None"),
    ],
)
def test_bad_parameters_are_refused_with_the_instance_named(
    kw: dict[str, object], words: str
) -> None:
    kw = dict(kw)  # the parametrized dict is shared between runs
    with pytest.raises(ValueError, match=f"^R: {words}"):
        params("R", kw.pop("priority", 100), 5, **kw)  # type: ignore[arg-type]


def test_rfc3768_v2_is_ipv4_only() -> None:
    with pytest.raises(ValueError, match=r"^R: VRRPv2 is IPv4 only"):
        RouterParams(name="R", vrid=1, primary_address=IPv6Address("fe80::1"), version=2)


# ------------------------------------------------ sync group fixpoint


_OPS = st.lists(
    st.tuples(
        st.sampled_from(["timer", "fault", "clear", "higher", "zero", "lower"]),
        st.integers(0, 2),
    ),
    max_size=25,
)


@settings(max_examples=150, deadline=None)
@given(ops=_OPS)
def test_keepalived_sync_group_reconcile_settles_in_one_call(
    ops: list[tuple[str, int]],
) -> None:
    """keepalived (issue #2169): a sync group's members are Master only all
    together. Whatever happened to its members, one reconcile brings the group
    in line: calling it again at once forces nothing more (the rounds after
    the first only confirm)."""
    members = [router(n, 100, i + 1) for i, n in enumerate("ABC")]
    group = SyncGroup("G", members)
    now = 0.0
    for r in members:
        r.start(now)
    group.reconcile(now)
    for op, i in ops:
        now += 0.7
        r = members[i]
        if op == "timer":
            r.handle_timer(max(now, r.next_deadline() or now))
        elif op == "fault":
            r.set_fault(True, "script:x", now)
        elif op == "clear":
            r.set_fault(False, "script:x", now)
        else:
            prio = {"higher": 200, "zero": 0, "lower": 50}[op]
            r.receive_advert(advert(prio, last=9), now)
        for forced in group.reconcile(now):
            for a in forced[1]:
                check_action(a)
        assert group.reconcile(now) == []
        for m in members:
            check_invariants(m)


# ------------------------------------------------ keepalived's down_timer_adverts


def test_keepalived_down_timer_adverts_counts_that_many_intervals() -> None:
    """keepalived's down_timer_adverts N: Master_Down_Interval is N advert
    intervals plus Skew_Time (RFC 9568 §6.1 has N = 3)."""
    assert master_down_interval(3, 100, 100, 5) == 5 + Fraction(156, 256)
    assert master_down_interval(3, 100, 100) == 3 + Fraction(156, 256)
    r = backup(100, down_timer_adverts=1, advert_interval_cs=200)
    assert r.master_down_interval() == 2 + Fraction(156 * 2, 256)
    assert r.next_deadline() == pytest.approx(2 + 156 * 2 / 256)
    for bad in (0, 101):
        with pytest.raises(ValueError, match=r"^R: down_timer_adverts must be 1\.\.100"):
            params("R", 100, 5, down_timer_adverts=bad)
    params("R", 100, 5, down_timer_adverts=100)

"""Unit rules of the virtual router, one router at a time (RFC 9568 / RFC 3768 §6.4)."""

from __future__ import annotations

from ipaddress import IPv6Address

import pytest
from protocol_helpers import advert, params, router

from pyvrrp.protocol import (
    Announce,
    Dropped,
    DropReason,
    Notify,
    ReleaseAddresses,
    SendAdvert,
    State,
    TakeAddresses,
    TakeoverHeld,
    Timer,
    VirtualRouter,
)

MDI_100 = 3 + 156 / 256  # Master_Down_Interval, priority 100, 1 s


def master(priority: int = 100, **kw: object) -> VirtualRouter:
    r = router("R", priority, 5, **kw)
    r.start(0.0)
    r.handle_timer(r.next_deadline() or 0.0)
    assert r.state is State.MASTER
    return r


# ---------------------------------------------------------------- §6.4.1 startup


def test_owner_goes_straight_to_master_sending_advert_before_addresses() -> None:
    r = router("R", 255, 5)
    actions = r.start(0.0)
    assert actions == [
        SendAdvert(255),
        TakeAddresses(),
        Announce(),
        Notify(State.INITIALIZE, State.MASTER, "startup"),
    ]
    assert r.timer is Timer.ADVER and r.next_deadline() == pytest.approx(1.0)
    assert r.master_address == r.params.primary_address


def test_non_owner_starts_backup_with_master_down_timer() -> None:
    r = router("R", 100, 5)
    assert r.start(2.0) == [Notify(State.INITIALIZE, State.BACKUP, "startup")]
    assert r.timer is Timer.MASTER_DOWN
    assert r.next_deadline() == pytest.approx(2.0 + MDI_100, abs=1e-9)


def test_state_master_below_255_still_listens_first_like_keepalived() -> None:
    # keepalived 2.x (issue #1804): `state MASTER` with priority < 255 starts in
    # BACKUP and waits Master_Down_Interval before taking over.
    r = router("R", 100, 5, initial_state="MASTER")
    assert r.start(0.0) == [Notify(State.INITIALIZE, State.BACKUP, "startup")]
    assert r.next_deadline() == pytest.approx(MDI_100, abs=1e-9)


def test_owner_with_state_backup_listens_first_like_keepalived() -> None:
    r = router("R", 255, 5, initial_state="BACKUP")
    r.start(0.0)
    assert r.state is State.BACKUP


def test_start_twice_is_a_no_op() -> None:
    r = router("R", 100, 5)
    r.start(0.0)
    assert r.start(1.0) == []


# ---------------------------------------------------------------- §6.4.2 backup


def test_backup_becomes_master_when_down_timer_fires() -> None:
    r = router("R", 100, 5)
    r.start(0.0)
    assert r.handle_timer(1.0) == []  # not yet due: nothing happens
    actions = r.handle_timer(MDI_100)
    assert actions == [
        SendAdvert(100),
        TakeAddresses(),
        Announce(),
        Notify(State.BACKUP, State.MASTER, "master down timer expired"),
    ]
    assert r.next_deadline() == pytest.approx(MDI_100 + 1.0)


def test_backup_priority_zero_sets_down_timer_to_skew_time() -> None:
    r = router("R", 100, 5)
    r.start(0.0)
    assert r.receive_advert(advert(0), 1.0) == []
    assert r.next_deadline() == pytest.approx(1.0 + 156 / 256, abs=1e-9)


def test_backup_higher_priority_resets_down_timer() -> None:
    r = router("R", 100, 5)
    r.start(0.0)
    r.receive_advert(advert(200), 2.0)
    assert r.next_deadline() == pytest.approx(2.0 + MDI_100, abs=1e-9)
    assert str(r.master_address) == "10.0.0.9"


def test_backup_lower_priority_does_not_reset_preempting_backups_timer() -> None:
    r = router("R", 100, 5)
    r.start(0.0)
    before = r.next_deadline()
    assert r.receive_advert(advert(50), 2.0) == []
    assert r.next_deadline() == before


def test_nopreempt_backup_resets_timer_on_lower_priority() -> None:
    r = router("R", 100, 5, preempt=False)
    r.start(0.0)
    r.receive_advert(advert(50), 2.0)
    assert r.next_deadline() == pytest.approx(2.0 + MDI_100, abs=1e-9)


def test_v3_backup_learns_master_adver_interval() -> None:
    r = router("R", 100, 5)
    r.start(0.0)
    r.receive_advert(advert(200, interval_cs=50), 1.0)
    assert r.master_adver_interval_cs == 50
    assert r.master_adver_interval == 0.5
    # Master_Down_Interval = 3 * 0.5 + (156 * 0.5) / 256
    assert r.next_deadline() == pytest.approx(1.0 + 1.5 + 78 / 256, abs=1e-9)


def test_v2_interval_mismatch_dropped_without_touching_the_timer() -> None:
    r = router("R", 100, 5, version=2)
    r.start(0.0)
    before = r.next_deadline()
    actions = r.receive_advert(advert(200, interval_cs=200, version=2), 1.0)
    assert [type(a) for a in actions] == [Dropped]
    assert isinstance(actions[0], Dropped)
    assert actions[0].reason is DropReason.INTERVAL_MISMATCH
    assert r.next_deadline() == before
    assert r.master_address is None
    assert r.counters.dropped == {DropReason.INTERVAL_MISMATCH: 1}
    assert r.counters.adverts_received == 0


def test_v2_matching_interval_resets_timer() -> None:
    r = router("R", 100, 5, version=2)
    r.start(0.0)
    r.receive_advert(advert(200, interval_cs=100, version=2), 1.0)
    assert r.next_deadline() == pytest.approx(1.0 + MDI_100, abs=1e-9)


@pytest.mark.parametrize(
    ("bogus", "reason"),
    [
        (advert(200, vrid=52), DropReason.VRID_MISMATCH),
        (advert(200, version=2), DropReason.VERSION_MISMATCH),
        (advert(200, source=IPv6Address("fe80::9")), DropReason.FAMILY_MISMATCH),
        (advert(300), DropReason.INVALID_FIELD),
        (advert(200, last=5), DropReason.OWN_ADDRESS),
        (advert(200, interval_cs=0), DropReason.INVALID_FIELD),
    ],
)
def test_refused_adverts_never_touch_the_down_timer(bogus: object, reason: DropReason) -> None:
    # keepalived issue #562: a rejected packet must not reset Master_Down_Timer.
    r = router("R", 100, 5)
    r.start(0.0)
    before = r.next_deadline()
    actions = r.receive_advert(bogus, 3.0)
    assert actions == [Dropped(reason, actions[0].detail)]
    assert r.next_deadline() == before
    assert r.handle_timer(before or 0.0)[0] == SendAdvert(100)


def test_the_same_advert_object_is_checked_again_after_a_state_or_params_change() -> None:
    """receive_advert skips check_advert for the object that last passed it,
    only while params and state are the ones it passed with."""
    a = advert(200, last=9)
    r = router("R", 100, 5)
    r.start(0.0)
    assert r.receive_advert(a, 1.0) == [] and r.receive_advert(a, 2.0) == []
    # The interface goes down: FAULT does not listen, the same object is refused.
    r.interface_changed(False, 3.0)
    (drop,) = r.receive_advert(a, 3.5)
    assert isinstance(drop, Dropped) and drop.reason is DropReason.NOT_LISTENING
    r.interface_changed(True, 4.0)
    assert r.state is State.BACKUP and r.receive_advert(a, 4.5) == []
    # A reload that makes the advert's source our own address: refused again.
    r.reload(params("R", 100, 9), 5.0)
    deadline = r.next_deadline()
    (drop,) = r.receive_advert(a, 5.5)
    assert isinstance(drop, Dropped) and drop.reason is DropReason.OWN_ADDRESS
    assert r.next_deadline() == deadline


def test_adverts_ignored_before_start() -> None:
    r = router("R", 100, 5)
    (drop,) = r.receive_advert(advert(200), 0.0)
    assert isinstance(drop, Dropped) and drop.reason is DropReason.NOT_LISTENING
    assert r.next_deadline() is None


def test_preempt_delay_holds_off_preemption_then_lets_the_timer_run_out() -> None:
    r = router("R", 200, 5, preempt_delay_cs=500)
    r.start(0.0)
    mdi = 3 + 56 / 256
    r.receive_advert(advert(100), 1.0)  # starts the 5 s delay: taken as nopreempt
    assert r.next_deadline() == pytest.approx(1.0 + mdi)
    r.receive_advert(advert(100), 5.9)
    assert r.next_deadline() == pytest.approx(5.9 + mdi)
    r.receive_advert(advert(100), 6.0)  # delay over: discarded
    assert r.next_deadline() == pytest.approx(5.9 + mdi)


def test_preempt_delay_cleared_by_a_higher_priority_master() -> None:
    r = router("R", 200, 5, preempt_delay_cs=500)
    r.start(0.0)
    r.receive_advert(advert(100), 1.0)
    r.receive_advert(advert(250), 2.0)
    r.receive_advert(advert(100), 6.5)  # a new lower Master: a fresh delay
    assert r.next_deadline() == pytest.approx(6.5 + 3 + 56 / 256)


# ---------------------------------------------------------------- §6.4.3 master


def test_master_adver_timer_sends_and_rearms() -> None:
    r = master()
    t = r.next_deadline() or 0.0
    assert r.handle_timer(t) == [SendAdvert(100)]
    assert r.next_deadline() == pytest.approx(t + 1.0)


def test_master_answers_priority_zero_at_once() -> None:
    r = master()
    assert r.receive_advert(advert(0), 5.0) == [SendAdvert(100)]
    assert r.next_deadline() == pytest.approx(6.0)


def test_master_steps_down_on_higher_priority_and_learns_interval() -> None:
    r = master()
    actions = r.receive_advert(advert(150, interval_cs=200), 5.0)
    assert [type(a) for a in actions] == [ReleaseAddresses, Notify]
    assert r.state is State.BACKUP and not r.addresses_held
    assert r.master_adver_interval_cs == 200
    assert r.next_deadline() == pytest.approx(5.0 + 6 + 156 * 2 / 256)


def test_master_tie_break_on_higher_primary_address() -> None:
    r = master()  # 10.0.0.5
    r.receive_advert(advert(100, last=6), 5.0)
    assert r.state is State.BACKUP


def test_master_keeps_role_against_equal_priority_lower_address() -> None:
    r = master()  # 10.0.0.5
    assert r.receive_advert(advert(100, last=4), 5.0) == [SendAdvert(100)]
    assert r.state is State.MASTER


def test_master_discards_lower_priority_when_configured_rfc_pure() -> None:
    r = master(answer_lower_priority=False)
    deadline = r.next_deadline()
    assert r.receive_advert(advert(50), 5.0) == []
    assert r.next_deadline() == deadline


def test_tie_break_compares_addresses_as_unsigned_integers() -> None:
    r = master()  # 10.0.0.5 < 10.0.0.200 as integers, though not as text
    r.receive_advert(advert(100, last=200), 5.0)
    assert r.state is State.BACKUP


# ---------------------------------------------------------------- shutdown


def test_master_shutdown_sends_priority_zero_then_releases() -> None:
    r = master()
    assert r.shutdown(7.0) == [
        SendAdvert(0),
        ReleaseAddresses(),
        Notify(State.MASTER, State.INITIALIZE, "shutdown"),
    ]
    assert r.next_deadline() is None and r.state is State.INITIALIZE


def test_backup_shutdown_cancels_the_timer() -> None:
    r = router("R", 100, 5)
    r.start(0.0)
    assert r.shutdown(1.0) == [Notify(State.BACKUP, State.INITIALIZE, "shutdown")]
    assert r.next_deadline() is None
    assert r.start(2.0)[0] == Notify(State.INITIALIZE, State.BACKUP, "startup")


# ---------------------------------------------------------------- fault


def test_master_fault_sends_priority_zero_releases_and_stops() -> None:
    r = master()
    actions = r.interface_changed(False, 9.0)
    assert actions == [
        SendAdvert(0),
        ReleaseAddresses(),
        Notify(State.MASTER, State.FAULT, "interface_down"),
    ]
    assert r.next_deadline() is None
    assert isinstance(r.receive_advert(advert(200), 9.5)[0], Dropped)


def test_fault_recovery_goes_backup() -> None:
    r = master()
    r.set_fault(True, "script:chk", 9.0)
    r.set_fault(True, "interface_down", 9.1)
    assert r.set_fault(False, "script:chk", 9.2) == []  # still one fault left
    actions = r.set_fault(False, "interface_down", 10.0)
    assert actions == [Notify(State.FAULT, State.BACKUP, "interface_down cleared")]
    assert r.next_deadline() == pytest.approx(10.0 + MDI_100)


def test_owner_fault_recovery_goes_master_at_once() -> None:
    r = router("R", 255, 5)
    r.start(0.0)
    r.set_fault(True, "x", 1.0)
    assert r.set_fault(False, "x", 2.0)[:3] == [SendAdvert(255), TakeAddresses(), Announce()]


def test_fault_before_start_starts_in_fault() -> None:
    r = router("R", 100, 5)
    assert r.set_fault(True, "interface_down", 0.0) == []
    assert r.start(0.0) == [Notify(State.INITIALIZE, State.FAULT, "startup: interface_down")]
    assert r.next_deadline() is None


# ---------------------------------------------------------------- priority, reload


def test_set_priority_clamps_and_owner_is_fixed() -> None:
    r = router("R", 100, 5)
    r.set_priority(300, 0.0)
    assert r.effective_priority == 254
    r.set_priority(-5, 0.0)
    assert r.effective_priority == 1
    o = router("O", 255, 6)
    o.set_priority(10, 0.0)
    assert o.effective_priority == 255


def test_master_advertises_its_new_priority() -> None:
    r = master()
    r.set_priority(90, 1.0)
    assert r.handle_timer(r.next_deadline() or 0.0) == [SendAdvert(90)]


def test_reload_keeps_state_and_timer() -> None:
    r = master()
    deadline = r.next_deadline()
    assert r.reload(params("R", 120, 5, advert_interval_cs=200), 4.0) == []
    assert r.state is State.MASTER and r.next_deadline() == deadline
    assert r.effective_priority == 120
    t = deadline or 0.0
    assert r.handle_timer(t) == [SendAdvert(120)]
    assert r.next_deadline() == pytest.approx(t + 2.0)


def test_reload_with_new_vrid_restarts_the_router() -> None:
    r = master()
    actions = r.reload(params("R", 100, 5, vrid=52), 4.0)
    assert actions[:2] == [SendAdvert(0), ReleaseAddresses()]
    assert actions[-1] == Notify(State.INITIALIZE, State.BACKUP, "startup")
    assert r.params.vrid == 52


def test_accept_mode_is_reported_for_the_daemon() -> None:
    assert not master().accepts_packets
    assert master(accept=True).accepts_packets
    owner = router("O", 255, 5)
    owner.start(0.0)
    assert owner.accepts_packets


def test_params_validation() -> None:
    with pytest.raises(ValueError):
        params("R", 0, 5)
    with pytest.raises(ValueError):
        params("R", 100, 5, version=2, advert_interval_cs=150)
    with pytest.raises(ValueError):
        params("R", 100, 5, initial_state="FAULT")


# ------------------------------------------- a takeover held while packets are lost


def test_takeover_held_while_packets_are_lost_but_never_past_twice_mdi() -> None:
    r = router("R", 100, 5)
    r.start(0.0)
    r.receive_advert(advert(200), 1.0)  # the Master last heard at 1.0
    until = 1.0 + 2 * MDI_100
    held = 0
    while r.state is State.BACKUP:
        now = r.next_deadline()
        assert now is not None and now <= until + 1e-9
        actions = r.handle_timer(now, lossy_since=now - 0.05)  # loss going on
        if r.state is State.BACKUP:
            assert [type(a) for a in actions] == [TakeoverHeld]
            assert actions[0].until == pytest.approx(until)
            held += 1
    assert held == 4 and r.counters.takeovers_held == 4
    assert now == pytest.approx(until)  # the last wait ends at the bound exactly
    assert actions[0] == SendAdvert(100)


def test_loss_before_the_master_was_last_heard_holds_nothing() -> None:
    r = router("R", 100, 5)
    r.start(0.0)
    r.receive_advert(advert(200), 1.0)
    actions = r.handle_timer(1.0 + MDI_100, lossy_since=0.5)
    assert r.state is State.MASTER and actions[0] == SendAdvert(100)


def test_loss_that_stopped_an_interval_before_the_expiry_holds_nothing() -> None:
    """Lost packets just after the Master's last advert, none since: the adverts
    due later would have been heard, so the silence is the Master's."""
    r = router("R", 100, 5)
    r.start(0.0)
    r.receive_advert(advert(200), 1.0)
    expiry = 1.0 + MDI_100
    actions = r.handle_timer(expiry, lossy_since=expiry - 1.0 - 0.01)
    assert r.state is State.MASTER and actions[0] == SendAdvert(100)


def test_a_priority_zero_advert_is_never_held() -> None:
    """The Master said it leaves: Skew_Time later the Backup takes over, loss or not."""
    r = router("R", 100, 5)
    r.start(0.0)
    r.receive_advert(advert(200), 1.0)
    r.receive_advert(advert(0), 2.0)
    deadline = r.next_deadline()
    assert deadline == pytest.approx(2.0 + 156 / 256)
    r.handle_timer(deadline, lossy_since=2.1)
    assert r.state is State.MASTER and r.counters.takeovers_held == 0


def test_an_advert_heard_during_a_hold_starts_a_new_down_interval() -> None:
    r = router("R", 100, 5)
    r.start(0.0)
    r.receive_advert(advert(200), 1.0)
    r.handle_timer(1.0 + MDI_100, lossy_since=1.0 + MDI_100)
    assert r.state is State.BACKUP
    r.receive_advert(advert(200), 5.0)
    assert r.next_deadline() == pytest.approx(5.0 + MDI_100)
    # Loss seen before this advert does not hold the next expiry.
    r.handle_timer(5.0 + MDI_100, lossy_since=4.9)
    assert r.state is State.MASTER

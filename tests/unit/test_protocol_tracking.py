"""keepalived track_script / track_interface semantics (keepalived.conf(5))."""

from __future__ import annotations

import pytest
from protocol_helpers import router

from pyvrrp.protocol import (
    ScriptSpec,
    SendAdvert,
    State,
    TrackedInterface,
    TrackedScript,
    Tracker,
)


def script(name: str = "chk", **kw: object) -> TrackedScript:
    return TrackedScript(ScriptSpec(name, **kw))


def test_positive_weight_added_while_ok() -> None:
    t = Tracker(100, [script(weight=20)])
    assert t.effective_priority == 120
    t.script_result("chk", False, 1.0)
    assert t.effective_priority == 100


def test_negative_weight_added_while_failing() -> None:
    t = Tracker(100, [script(weight=-30)])
    assert t.effective_priority == 100
    t.script_result("chk", False, 1.0)
    assert t.effective_priority == 70
    assert t.faults == frozenset()


def test_weight_zero_or_omitted_means_fault_on_failure() -> None:
    t = Tracker(100, [script()])
    assert t.result().faults == frozenset()
    r = t.script_result("chk", False, 1.0)
    assert r.faults == {"script:chk"} and r.priority == 100
    assert t.script_result("chk", True, 2.0).faults == frozenset()


def test_fall_and_rise_count_consecutive_results() -> None:
    t = Tracker(100, [script(weight=-10, fall=3, rise=2)])
    for _ in range(2):
        t.script_result("chk", False, 0.0)
    assert t.script_ok("chk") and t.effective_priority == 100
    t.script_result("chk", True, 0.0)  # breaks the run of failures
    for _ in range(2):
        t.script_result("chk", False, 0.0)
    assert t.script_ok("chk")
    t.script_result("chk", False, 0.0)  # third consecutive failure: KO
    assert not t.script_ok("chk") and t.effective_priority == 90
    t.script_result("chk", True, 0.0)
    assert t.effective_priority == 90  # one success is not enough with rise 2
    t.script_result("chk", True, 0.0)
    assert t.effective_priority == 100


def test_timeout_counts_as_failure() -> None:
    t = Tracker(100, [script(weight=-10)])
    t.script_result("chk", True, 0.0, timed_out=True)
    assert t.effective_priority == 90


def test_init_fail_starts_ko() -> None:
    t = Tracker(100, [script(weight=10, init_fail=True)])
    assert t.effective_priority == 100
    t.script_result("chk", True, 0.0)
    assert t.effective_priority == 110


def test_track_script_weight_overrides_the_scripts() -> None:
    spec = ScriptSpec("chk", weight=-50)
    t = Tracker(100, [TrackedScript(spec, weight=5)])
    assert t.effective_priority == 105


def test_reverse_flips_the_sign_and_weight_zero_reverse_faults_while_ok() -> None:
    t = Tracker(100, [script("a", weight=10, reverse=True), script("b", reverse=True)])
    assert t.effective_priority == 90
    assert t.faults == {"script:b"}
    t.script_result("b", False, 0.0)
    assert t.faults == frozenset()


def test_track_interface_weights_and_fault() -> None:
    t = Tracker(
        100,
        interfaces=[
            TrackedInterface("eth1", weight=2),
            TrackedInterface("eth2", weight=-20),
            TrackedInterface("eth3"),
        ],
    )
    assert t.effective_priority == 102
    t.interface_state("eth1", False, 0.0)
    assert t.effective_priority == 100
    t.interface_state("eth2", False, 0.0)
    assert t.effective_priority == 80
    assert t.interface_state("eth3", False, 0.0).faults == {"interface:eth3"}


def test_priority_clamped_to_1_254() -> None:
    up = Tracker(250, [script("a", weight=100)])
    assert up.effective_priority == 254
    down = Tracker(10, [script("a", weight=-100)])
    down.script_result("a", False, 0.0)
    assert down.effective_priority == 1


def test_owner_ignores_weights_but_not_faults() -> None:
    t = Tracker(255, [script("w", weight=-100), script("f")])
    t.script_result("w", False, 0.0)
    assert t.effective_priority == 255
    t.script_result("f", False, 0.0)
    assert t.faults == {"script:f"}


def test_weights_out_of_range_rejected() -> None:
    with pytest.raises(ValueError):
        ScriptSpec("x", weight=254)
    with pytest.raises(ValueError):
        ScriptSpec("x", rise=0)


def test_apply_drives_the_router_into_and_out_of_fault() -> None:
    r = router("R", 100, 5)
    t = Tracker(100, [script("f"), script("w", weight=-40)])
    r.start(0.0)
    r.handle_timer(r.next_deadline() or 0.0)
    t.script_result("w", False, 5.0)
    assert t.apply(r, 5.0) == []
    assert r.effective_priority == 60
    assert r.handle_timer(r.next_deadline() or 0.0) == [SendAdvert(60)]
    t.script_result("f", False, 7.0)
    actions = t.apply(r, 7.0)
    assert actions[0] == SendAdvert(0) and r.state is State.FAULT
    assert r.fault_reasons == {"script:f"}
    t.script_result("f", True, 8.0)
    t.apply(r, 8.0)
    assert r.state is State.BACKUP


def test_script_states_go_across_a_restart() -> None:
    """An in-place restart hands each script's status and streak over: the
    priority does not jump back to the scripts' initial state."""
    old = Tracker(100, [script("a", weight=-20, fall=3, rise=2), script("b", weight=5, fall=3)])
    for _ in range(3):
        old.script_result("a", False, 0.0)
    old.script_result("b", False, 0.0)  # one failure of b: a streak of 1, still ok
    assert old.script_states() == {"a": [0, 0], "b": [1, 1]}
    assert old.effective_priority == 85
    new = Tracker(100, [script("a", weight=-20, fall=3, rise=2), script("b", weight=5, fall=3)])
    assert new.effective_priority == 105
    new.restore_scripts({**old.script_states(), "gone": [0, 4]})
    assert new.script_states() == {"a": [0, 0], "b": [1, 1]}
    assert new.effective_priority == 85
    new.script_result("b", False, 0.0)  # b's streak went across: this is its second
    assert new.script_ok("b") is True
    new.script_result("b", False, 0.0)  # third: fall 3
    assert new.script_ok("b") is False
    new.script_result("a", True, 0.0)
    new.script_result("a", True, 0.0)  # rise 2
    assert new.script_ok("a") is True

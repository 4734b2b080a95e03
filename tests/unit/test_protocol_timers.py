"""RFC 9568 §6.1 and RFC 3768 §6.1 timer arithmetic."""

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from protocol_helpers import router

from pyvrrp.protocol import State, master_down_interval, skew_time
from pyvrrp.protocol.timers import cs_to_seconds


@pytest.fixture(autouse=True)
def _fresh_caches() -> None:
    """The timer functions are cached: compute afresh here, not from results
    another test (or, under `make mutate`, the unmutated code) left behind."""
    for f in (cs_to_seconds, skew_time, master_down_interval):
        f.cache_clear()


def test_v3_skew_time_scales_with_master_adver_interval() -> None:
    # RFC 9568 §6.1: Skew_Time = ((256 - Priority) * Master_Adver_Interval) / 256
    assert skew_time(3, 100, 100) == Fraction(156, 256)
    assert skew_time(3, 100, 10) == Fraction(156, 2560)
    assert skew_time(3, 255, 100) == Fraction(1, 256)


def test_v2_skew_time_is_independent_of_interval() -> None:
    # RFC 3768 §6.1: Skew_Time = (256 - Priority) / 256 seconds
    assert skew_time(2, 100, 100) == skew_time(2, 100, 500) == Fraction(156, 256)


@pytest.mark.parametrize(
    ("version", "priority", "interval_cs", "expected"),
    [
        (3, 100, 100, Fraction(3) + Fraction(156, 256)),  # 3.609375 s
        (3, 100, 10, Fraction(3, 10) + Fraction(156, 2560)),  # 0.3609375 s
        (3, 200, 200, Fraction(6) + Fraction(56 * 2, 256)),
        (2, 100, 100, Fraction(3) + Fraction(156, 256)),
        (2, 100, 200, Fraction(6) + Fraction(156, 256)),
    ],
)
def test_master_down_interval(
    version: int, priority: int, interval_cs: int, expected: Fraction
) -> None:
    # Master_Down_Interval = 3 * Master_Adver_Interval + Skew_Time
    assert master_down_interval(version, priority, interval_cs) == expected


# ------------------------------------------- handle_timer: the float fast path


@settings(max_examples=300, deadline=None)
@given(
    armed=st.floats(min_value=0.0, max_value=1e7, allow_nan=False, allow_infinity=False),
    interval_cs=st.integers(min_value=1, max_value=4095),
    priority=st.integers(min_value=1, max_value=254),
    offset_ns=st.integers(min_value=-5, max_value=5),
    backup=st.booleans(),
)
def test_handle_timer_fires_exactly_when_the_exact_rule_says(
    armed: float, interval_cs: int, priority: int, offset_ns: int, backup: bool
) -> None:
    """handle_timer compares floats first and does exact arithmetic only before
    the float deadline: whatever the path, it fires iff the exact deadline
    (armed + duration, rationals) is at most 1 ns after ``now``."""
    r = router("R", priority, 5, advert_interval_cs=interval_cs)
    r.start(armed)  # Backup, down timer armed at ``armed``
    if not backup:
        r.handle_timer(r.next_deadline() or 0.0)
        assert r.state is State.MASTER
        armed = r._armed_at  # type: ignore[assignment]
    exact = Fraction(armed) + r._duration
    deadline = r.next_deadline()
    assert deadline is not None
    now = deadline + offset_ns * 1e-9
    due = Fraction(now) + Fraction(1, 10**9) >= exact
    fired = bool(r.handle_timer(now))
    assert fired == due
    if offset_ns >= 0:
        assert fired  # the daemon calls at or after the float deadline

"""RFC 9568 §6.1 and RFC 3768 §6.1 timer arithmetic."""

from fractions import Fraction

import pytest

from pyvrrp.protocol import master_down_interval, skew_time


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

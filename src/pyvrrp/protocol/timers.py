"""Timer arithmetic of RFC 9568 §6.1 and RFC 3768 §6.1, exact.

Durations are :class:`fractions.Fraction` seconds so that takeover times are exact
to the centisecond (the v3 Skew_Time is ``(256 - priority) * interval / 256``, which
is not a whole number of microseconds). Deadlines become floats only at the edge.
"""

from __future__ import annotations

import functools
from fractions import Fraction

CENTI = Fraction(1, 100)

# The functions below are pure and their results immutable: cached, as the
# receive path of a Backup recomputes Master_Down_Interval for every advert
# and Fraction arithmetic dominated its cost. Each is written undecorated and
# wrapped below (mutation testing skips decorated functions).


def _cs_to_seconds(centiseconds: int) -> Fraction:
    """Centiseconds as exact seconds."""
    return Fraction(centiseconds, 100)


def _skew_time(version: int, priority: int, master_adver_interval_cs: int) -> Fraction:
    """Skew_Time in seconds.

    RFC 9568 §6.1 (v3): ``((256 - Priority) * Master_Adver_Interval) / 256``.
    RFC 3768 §6.1 (v2): ``(256 - Priority) / 256`` seconds, whatever the interval.
    """
    if version == 2:
        return Fraction(256 - priority, 256)
    return Fraction(256 - priority, 256) * cs_to_seconds(master_adver_interval_cs)


def _master_down_interval(
    version: int, priority: int, master_adver_interval_cs: int, adverts: int = 3
) -> Fraction:
    """Master_Down_Interval in seconds.

    RFC 9568 §6.1: ``3 * Master_Adver_Interval + Skew_Time``.
    RFC 3768 §6.1: ``3 * Advertisement_Interval + Skew_Time`` (in v2 the interval
    heard equals ours, RFC 3768 §7.1, so both read the same).
    ``adverts`` is keepalived's ``down_timer_adverts`` (3 unless configured: any
    other value deviates from the RFCs, and every router of the group must agree).
    """
    return adverts * cs_to_seconds(master_adver_interval_cs) + skew_time(
        version, priority, master_adver_interval_cs
    )


cs_to_seconds = functools.lru_cache(maxsize=4096)(_cs_to_seconds)
skew_time = functools.lru_cache(maxsize=4096)(_skew_time)
master_down_interval = functools.lru_cache(maxsize=4096)(_master_down_interval)

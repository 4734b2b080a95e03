"""Key lifecycle: send and accept lifetimes, revocation, last-key expiry.

Pure functions of the settings and a wall clock passed in (``now_ns``); nothing
here reads the clock. A lifetime is the half-open interval ``[start, end)`` in
whole UTC seconds, ``end`` ``None`` for ``infinite``: a key whose send lifetime
ends at T signs its last advert at T - 1 ns, and the next key, starting at T,
signs from T on.

Choosing the sending key (:func:`plan`):

1. ``active_key`` while it is not revoked and inside its send lifetime;
2. otherwise the valid key (not revoked, inside its send lifetime) with the
   latest send start (ties: the highest id);
3. otherwise no key is valid ("last key expired", also a gap between keys):
   ``keep`` (RFC 2328 D.3) goes on signing with the last key, the non-revoked
   key whose send lifetime ended most recently (or, when no key has been valid
   yet, the active key, else the lowest non-revoked id) and raises an alarm;
   every receiver (a receive-only one too) accepts that key while no key is
   valid, so a group whose lifetimes all ran out keeps working. ``stop``
   (RFC 7166) sends nothing.
4. Every key revoked: nothing is sent, whatever the policy.

An instance configured to sign never sends an unsigned advert.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

NS = 1_000_000_000
FAR_PAST = -(1 << 62)
FAR_FUTURE = 1 << 62

ALARM_LAST_KEY_EXPIRED = "last_key_expired"
ALARM_ALL_KEYS_REVOKED = "all_keys_revoked"

_UTC_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$")


def parse_utc(text: str) -> int:
    """``2026-12-01T00:00:00Z`` to Unix seconds; ``ValueError`` otherwise."""
    m = _UTC_RE.match(text)
    if m is None:
        raise ValueError(text)
    y, mo, d, h, mi, s = (int(g) for g in m.groups())
    return int(datetime(y, mo, d, h, mi, s, tzinfo=UTC).timestamp())


def format_utc(seconds: int | None) -> str:
    if seconds is None:
        return "infinite"
    return datetime.fromtimestamp(seconds, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Lifetime:
    """``[start, end)`` in Unix seconds; ``end`` ``None`` is infinite."""

    start: int
    end: int | None = None

    def __post_init__(self) -> None:
        if self.end is not None and self.end <= self.start:
            raise ValueError("a lifetime must end after it starts")

    @property
    def start_ns(self) -> int:
        return self.start * NS

    @property
    def end_ns(self) -> int:
        return FAR_FUTURE if self.end is None else self.end * NS

    def contains(self, now_ns: int) -> bool:
        return self.start_ns <= now_ns < self.end_ns

    def __str__(self) -> str:
        return f"{format_utc(self.start)} {format_utc(self.end)}"


def _send_ok(lifetimes: Mapping[int, Lifetime], kid: int, now_ns: int) -> bool:
    lt = lifetimes.get(kid)
    return lt is None or lt.contains(now_ns)


@dataclass(frozen=True)
class KeyPlan:
    """What the key chain allows at one instant, valid for ``[valid_from, valid_until)``.

    ``send_key`` is the id to sign with, or ``None``: send nothing.
    ``accept`` is the set of ids a receiver accepts. ``alarm`` is ``None``
    when all is well, else ``last_key_expired`` or ``all_keys_revoked``.
    """

    send_key: int | None
    accept: frozenset[int]
    alarm: str | None
    valid_from: int
    valid_until: int


def boundaries(send: Mapping[int, Lifetime], accept: Mapping[int, Lifetime]) -> list[int]:
    """Every instant (ns) at which some key enters or leaves a lifetime, sorted."""
    out: set[int] = set()
    for lt in (*send.values(), *accept.values()):
        out.add(lt.start_ns)
        if lt.end is not None:
            out.add(lt.end_ns)
    return sorted(out)


def plan(
    keys: Iterable[int],
    *,
    active_key: int | None,
    now_ns: int,
    send: Mapping[int, Lifetime] | None = None,
    accept: Mapping[int, Lifetime] | None = None,
    revoked: Iterable[int] = (),
    on_last_key_expiry: str = "keep",
    signs: bool = True,
) -> KeyPlan:
    """The key plan at ``now_ns`` (see the module docstring for the rules)."""
    send = send or {}
    accept = accept or {}
    revoked_set = frozenset(revoked)
    usable = sorted(k for k in keys if k not in revoked_set)
    acc = {k for k in usable if _send_ok(accept, k, now_ns)}
    send_key: int | None = None
    alarm: str | None = None
    valid = [k for k in usable if _send_ok(send, k, now_ns)]
    if signs:
        if active_key in valid:
            send_key = active_key
        elif valid:
            send_key = max(valid, key=lambda k: (send[k].start if k in send else FAR_PAST, k))
        elif not usable:
            alarm = ALARM_ALL_KEYS_REVOKED
        else:
            alarm = ALARM_LAST_KEY_EXPIRED
    if not valid and usable and on_last_key_expiry == "keep":
        # The peers that sign go on with the last key: every node, a
        # receive-only one too, accepts it (RFC 2328 D.3: treated as having
        # an infinite lifetime) while no key is valid.
        ended = [k for k in usable if k in send and send[k].end_ns <= now_ns]
        if ended:
            kept = max(ended, key=lambda k: (send[k].end_ns, k))
        elif active_key in usable:
            kept = active_key
        else:
            kept = usable[0]
        acc.add(kept)
        if signs:
            send_key = kept
    edges = boundaries(send, accept)
    lo = max((e for e in edges if e <= now_ns), default=FAR_PAST)
    hi = min((e for e in edges if e > now_ns), default=FAR_FUTURE)
    return KeyPlan(send_key, frozenset(acc), alarm, lo, hi)


def key_states(
    keys: Iterable[int],
    *,
    now_ns: int,
    send: Mapping[int, Lifetime] | None = None,
    accept: Mapping[int, Lifetime] | None = None,
    revoked: Iterable[int] = (),
) -> list[dict[str, object]]:
    """Per key, for status: lifetimes and whether it may send / be accepted now.
    Ids and times only, never key bytes."""
    send = send or {}
    accept = accept or {}
    revoked_set = frozenset(revoked)
    out: list[dict[str, object]] = []
    for k in sorted(keys):
        s, a = send.get(k), accept.get(k)
        out.append(
            {
                "id": k,
                "revoked": k in revoked_set,
                "send_valid": k not in revoked_set and (s is None or s.contains(now_ns)),
                "accept_valid": k not in revoked_set and (a is None or a.contains(now_ns)),
                "send_lifetime": None if s is None else [format_utc(s.start), format_utc(s.end)],
                "accept_lifetime": None if a is None else [format_utc(a.start), format_utc(a.end)],
            }
        )
    return out

"""Rollout readiness: is it safe to move this node to the next auth_hmac mode?

The rollout goes receive-only → permissive → enforce (spec, Modes). What one
node can judge is what it hears in a recent window:

* receive-only → permissive (this node starts signing): no sender heard in
  the window sent a failing trailer (bad HMAC, stale, unknown, expired or
  revoked key, malformed, replay). Unsigned adverts are expected at this step.
  A node without auth_hmac drops signed adverts, which no one can observe: the
  reason says so.
* permissive → enforce (this node drops unsigned adverts): every sender heard
  in the window was last seen with a verified trailer, none was seen unsigned,
  and no failure at all in the window.
* enforce: nothing next; ``ok`` says whether the same health check holds.

Only a Master sends adverts, so a Master usually hears nobody: it can vouch
only for the absence of failures, and the Backups' status tells whether the
Master signs. Configured unicast peers not heard are listed as ``silent``.

Pure: the clock and the observations are passed in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

NS = 1_000_000_000
NEXT_MODE = {"receive-only": "permissive", "permissive": "enforce", "enforce": None}
FAILURES = (
    "bad_hmac",
    "stale",
    "unknown_key",
    "expired_key",
    "revoked_key",
    "malformed",
    "replay",
)


def rollout_window_s(advert_interval_s: float) -> float:
    """The recent window: ten advert intervals, at least 10 seconds."""
    return max(10 * advert_interval_s, 10.0)


@dataclass(frozen=True)
class SenderView:
    """What this node saw of one sender (wall clock ns; ``None``: never)."""

    address: str
    last_ok_ns: int | None = None
    last_seen_ns: Mapping[str, int] = field(default_factory=dict)  # outcome -> last time
    configured: bool = False  # a unicast_peer


@dataclass(frozen=True)
class Readiness:
    mode: str
    ok: bool
    next_mode: str | None
    reason: str
    silent: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        return {
            "mode": self.mode,
            "ok": self.ok,
            "next_mode": self.next_mode,
            "reason": self.reason,
            "silent_peers": list(self.silent),
        }


def readiness(
    mode: str,
    senders: Sequence[SenderView],
    *,
    now_ns: int,
    window_ns: int,
    instance_last: Mapping[str, int | None] | None = None,
    alarm: str | None = None,
    is_master: bool = False,
) -> Readiness:
    """Whether moving from ``mode`` to the next mode is safe now, and why not."""
    nxt = NEXT_MODE[mode]
    win = f"{window_ns / NS:g}s"

    def recent(t: int | None) -> bool:
        return t is not None and 0 <= now_ns - t <= window_ns

    def no(reason: str, silent: tuple[str, ...] = ()) -> Readiness:
        return Readiness(mode, False, nxt, reason, silent)

    if alarm is not None and mode != "receive-only":
        return no(f"auth alarm {alarm}: fix the key chain first")
    # Failures: per sender first (they name a peer), then anywhere (sources
    # this node does not track, such as forged or unknown multicast senders).
    for s in senders:
        bad = [o for o in FAILURES if recent(s.last_seen_ns.get(o))]
        if bad:
            return no(f"{s.address}: {', '.join(bad)} in the last {win}")
    last = instance_last or {}
    bad = [o for o in FAILURES if recent(last.get(o))]
    if bad:
        return no(f"{', '.join(bad)} in the last {win}")
    heard = [
        s for s in senders if recent(s.last_ok_ns) or any(map(recent, s.last_seen_ns.values()))
    ]
    silent = tuple(s.address for s in senders if s.configured and s not in heard)
    if mode != "receive-only":
        for s in heard:
            t_ok, t_missing = s.last_ok_ns, s.last_seen_ns.get("missing")
            if not recent(t_ok):
                return no(f"{s.address} does not sign (no verified advert in the last {win})")
            if recent(t_missing):
                return no(f"{s.address} sent unsigned adverts in the last {win}")
        if recent(last.get("missing")):
            return no(f"unsigned adverts in the last {win}")
    if not heard:
        if not is_master:
            return no(f"no advert heard in the last {win}", silent)
        what = "no failure seen; as Master this node hears no adverts: check the Backups' status"
    elif mode == "receive-only":
        what = f"{len(heard)} sender(s) heard, no failing trailer in the last {win}"
    else:
        what = f"{len(heard)} sender(s) verified, nothing unsigned or failing in the last {win}"
    if mode == "receive-only":
        what += "; every node must run auth_hmac (any mode) before one signs"
    elif mode == "enforce":
        what = "enforcing: " + what
    return Readiness(mode, True, nxt, what, silent)

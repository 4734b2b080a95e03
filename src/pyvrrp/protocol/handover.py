"""State that survives a restart, as values (sans-I/O).

Two ways a router's state crosses from one process to the next:

* **In-place restart** (``pyvrrp restart``, SIGUSR2): the running process
  takes a :class:`RouterSnapshot` of every router, the new code image
  restores it (:func:`restore`) and carries on as if nothing happened: same
  state, same timers (deadlines on the monotonic clock, which an exec does
  not reset), same learned Master_Adver_Interval and Master address, the
  same counters. No transition, no notification.
* **Crash** (SIGKILL, OOM): the dead process left a small checkpoint, one
  :class:`CheckpointEntry` per instance, written at each state change. The
  next start asks :func:`decide` whether an instance that was Master may go
  on being Master at once (:meth:`VirtualRouter.resume_master`): only if the
  checkpoint is younger than the Master_Down_Interval (no Backup has taken
  over yet), from this boot, for the same virtual router, its addresses are
  still on the interface and no other Master has been heard.

Nothing here reads a clock or a file: times and facts are passed in.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from fractions import Fraction
from ipaddress import ip_address
from typing import Any

from .events import DropReason, IPAddress, State


def _fraction(value: Any) -> Fraction | None:
    return None if value is None else Fraction(str(value))


@dataclass(frozen=True)
class RouterSnapshot:
    """Everything of one :class:`~pyvrrp.protocol.router.VirtualRouter` that is
    not its configuration. ``armed_at`` and ``silence_from`` are monotonic
    times (seconds); the duration and the preempt deadline are exact."""

    vrid: int
    version: int
    family: int
    state: State
    effective_priority: int
    master_adver_interval_cs: int
    master_address: IPAddress | None = None
    timer: str | None = None
    armed_at: float | None = None
    duration: Fraction = Fraction(0)
    preempt_after: Fraction | None = None
    silence_from: float | None = None
    addresses_held: bool = False
    wants_master: bool = False
    fault_reasons: frozenset[str] = frozenset()
    counters: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "vrid": self.vrid,
            "version": self.version,
            "family": self.family,
            "state": self.state.value,
            "effective_priority": self.effective_priority,
            "master_adver_interval_cs": self.master_adver_interval_cs,
            "master_address": None if self.master_address is None else str(self.master_address),
            "timer": self.timer,
            "armed_at": self.armed_at,
            "duration": str(self.duration),
            "preempt_after": None if self.preempt_after is None else str(self.preempt_after),
            "silence_from": self.silence_from,
            "addresses_held": self.addresses_held,
            "wants_master": self.wants_master,
            "fault_reasons": sorted(self.fault_reasons),
            "counters": self.counters,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> RouterSnapshot:
        """The snapshot in ``d``; :class:`ValueError` (or KeyError, TypeError)
        if it is not one."""
        master = d.get("master_address")
        duration = _fraction(d.get("duration"))
        return cls(
            vrid=int(d["vrid"]),
            version=int(d["version"]),
            family=int(d["family"]),
            state=State(d["state"]),
            effective_priority=int(d["effective_priority"]),
            master_adver_interval_cs=int(d["master_adver_interval_cs"]),
            master_address=None if master is None else ip_address(master),
            timer=d.get("timer"),
            armed_at=None if d.get("armed_at") is None else float(d["armed_at"]),
            duration=Fraction(0) if duration is None else duration,
            preempt_after=_fraction(d.get("preempt_after")),
            silence_from=None if d.get("silence_from") is None else float(d["silence_from"]),
            addresses_held=bool(d.get("addresses_held", False)),
            wants_master=bool(d.get("wants_master", False)),
            fault_reasons=frozenset(str(r) for r in d.get("fault_reasons", ())),
            counters=dict(d.get("counters", {})),
        )


def counters_to_json(c: Any) -> dict[str, Any]:
    """A :class:`RouterCounters` as plain values."""
    return {
        "transitions": c.transitions,
        "became_master": c.became_master,
        "adverts_sent": c.adverts_sent,
        "priority_zero_sent": c.priority_zero_sent,
        "adverts_received": c.adverts_received,
        "priority_zero_received": c.priority_zero_received,
        "takeovers_held": c.takeovers_held,
        "dropped": {r.value: n for r, n in c.dropped.items()},
    }


def counters_from_json(c: Any, d: dict[str, Any]) -> None:
    """Put the values of ``d`` into the :class:`RouterCounters` ``c``."""
    for name in (
        "transitions",
        "became_master",
        "adverts_sent",
        "priority_zero_sent",
        "adverts_received",
        "priority_zero_received",
        "takeovers_held",
    ):
        setattr(c, name, int(d.get(name, 0)))
    c.dropped = {}
    for reason, n in d.get("dropped", {}).items():
        try:
            c.dropped[DropReason(reason)] = int(n)
        except ValueError:
            continue  # a reason this version does not have


class Resume(enum.Enum):
    """What a start makes of an instance's checkpoint."""

    MASTER = "resume as Master"
    NORMAL = "normal start"


@dataclass(frozen=True)
class CheckpointEntry:
    """One instance in the checkpoint: what virtual router it was, its state
    and when that was written (Unix time, and the boot it was written in)."""

    name: str
    vrid: int
    family: int
    interface: str | None
    state: State
    written: float
    boot: str
    #: the auth_hmac send sequence then (None: no auth_hmac)
    sequence: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "vrid": self.vrid,
            "family": self.family,
            "interface": self.interface,
            "state": self.state.value,
            "written": self.written,
            "boot": self.boot,
            "sequence": self.sequence,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> CheckpointEntry:
        seq = d.get("sequence")
        return cls(
            name=str(d["name"]),
            vrid=int(d["vrid"]),
            family=int(d["family"]),
            interface=None if d.get("interface") is None else str(d["interface"]),
            state=State(d["state"]),
            written=float(d["written"]),
            boot=str(d["boot"]),
            sequence=None if seq is None else int(seq),
        )


def decide(
    entry: CheckpointEntry | None,
    *,
    vrid: int,
    family: int,
    interface: str | None,
    now: float,
    boot: str,
    master_down_interval: float,
    addresses_present: bool,
    other_master: bool,
) -> tuple[Resume, str]:
    """May this instance go on as Master at once after a crash? ``now`` is
    Unix time; ``master_down_interval`` the Backups' (seconds): a checkpoint
    older than that may have been overtaken by a Backup's takeover.
    ``other_master``: an advert from another Master was heard since start."""
    if entry is None:
        return Resume.NORMAL, "no checkpoint"
    if entry.state is not State.MASTER:
        return Resume.NORMAL, f"it was {entry.state.value}"
    if (entry.vrid, entry.family, entry.interface) != (vrid, family, interface):
        return Resume.NORMAL, "the configuration made it another virtual router"
    if entry.boot != boot:
        return Resume.NORMAL, "the host has rebooted since"
    age = now - entry.written
    if not 0 <= age < master_down_interval:
        return Resume.NORMAL, (
            f"checkpoint stale ({age:.3f} s old, Master_Down_Interval {master_down_interval:.3f} s)"
        )
    if not addresses_present:
        return Resume.NORMAL, "its virtual addresses are gone"
    if other_master:
        return Resume.NORMAL, "another Master has been heard"
    return Resume.MASTER, f"checkpoint {age:.3f} s old, addresses in place"

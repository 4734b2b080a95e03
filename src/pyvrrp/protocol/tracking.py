"""Tracking: keepalived's track_script and track_interface, as a pure object.

A :class:`Tracker` belongs to one VRRP instance. The daemon runs the scripts and
watches the interfaces; it feeds each result in and reads back the effective
priority and the fault reasons, which it hands to the router
(:meth:`Tracker.apply` does both).

keepalived semantics (keepalived.conf(5), vrrp_script / track_script /
track_interface):

* A script becomes KO after ``fall`` consecutive failures and OK again after
  ``rise`` consecutive successes. A run that times out counts as a failure. A
  script starts OK, or KO with ``init_fail``.
* ``weight`` 0 (the default for a vrrp_script, and a track_interface without
  weight): the instance is in FAULT while the script is KO / the interface down.
* ``weight`` > 0: the weight is added while the script is OK / interface up.
  ``weight`` < 0: the weight is added (i.e. subtracted) while KO / down.
* ``reverse``: with a non-zero weight the adjustment applies under the same
  condition but with the opposite sign (keepalived's weight multiplier of -1);
  with weight 0 the instance is in FAULT while the script is OK / interface up
  ("weight 0 reverse will cause the vrrp instance to be down when the script is
  up, and vice versa").
* A track_script ``weight`` (and its ``reverse``) overrides the vrrp_script's.
* track_file (keepalived's trackers/track_file.c): the file holds an integer
  (no file, or no number in it, reads as 0). With ``weight`` 0 the instance is
  in FAULT while the value is not 0 (``reverse``: while it is 0). Otherwise
  the value times the weight (negated with ``reverse``), kept within
  -254..253, is added to the priority; -254 (or less) means FAULT.
* Effective priority = base + sum of the adjustments, clamped to 1..254. The
  address owner (base 255) ignores weights and stays at 255; keepalived only
  lets weight-0 trackers (FAULT) act on an owner, so we do the same.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .events import Action
from .params import OWNER_PRIORITY
from .router import VirtualRouter


@dataclass(frozen=True, slots=True)
class ScriptSpec:
    """A vrrp_script block. ``interval_cs``/``timeout_cs`` are for the daemon's
    scheduler; the tracker only needs the results."""

    name: str
    weight: int = 0
    reverse: bool = False
    rise: int = 1
    fall: int = 1
    interval_cs: int = 100
    timeout_cs: int | None = None
    init_fail: bool = False

    def __post_init__(self) -> None:
        if not -253 <= self.weight <= 253:
            raise ValueError(f"vrrp_script {self.name}: weight {self.weight} not in -253..253")
        if self.rise < 1 or self.fall < 1:
            raise ValueError(f"vrrp_script {self.name}: rise and fall must be at least 1")


@dataclass(frozen=True, slots=True)
class TrackedScript:
    """A track_script entry; ``weight``/``reverse`` None means the script's own."""

    script: ScriptSpec
    weight: int | None = None
    reverse: bool | None = None

    @property
    def effective_weight(self) -> int:
        return self.script.weight if self.weight is None else self.weight

    @property
    def effective_reverse(self) -> bool:
        if self.weight is None and self.reverse is None:
            return self.script.reverse
        return bool(self.reverse)


@dataclass(frozen=True, slots=True)
class TrackedInterface:
    """A track_interface entry (weight 0: FAULT while down)."""

    name: str
    weight: int = 0
    reverse: bool = False

    def __post_init__(self) -> None:
        if not -254 <= self.weight <= 254:
            raise ValueError(f"track_interface {self.name}: weight {self.weight} out of range")


@dataclass(frozen=True, slots=True)
class TrackedFile:
    """A track_file entry: the weight and reverse in effect for this instance."""

    name: str
    weight: int = 1
    reverse: bool = False

    def __post_init__(self) -> None:
        if not -254 <= self.weight <= 254:
            raise ValueError(f"track_file {self.name}: weight {self.weight} out of range")

    def status(self, value: int) -> int | None:
        """The priority adjustment for ``value``, or None for FAULT."""
        if self.weight == 0:
            return None if (value != 0) != self.reverse else 0
        adjusted = value * self.weight * (-1 if self.reverse else 1)
        if adjusted <= -254:
            return None
        return min(adjusted, 253)


@dataclass(frozen=True, slots=True)
class TrackedProcess:
    """A track_process entry: OK while its quorum of processes runs (keepalived
    treats it as a script whose result is "quorum held")."""

    name: str
    weight: int = 0
    reverse: bool = False
    quorum: int = 1
    quorum_max: int | None = None  # None: no upper bound

    def __post_init__(self) -> None:
        if not -254 <= self.weight <= 254:
            raise ValueError(f"track_process {self.name}: weight {self.weight} out of range")

    def have_quorum(self, count: int) -> bool:
        return self.quorum <= count and (self.quorum_max is None or count <= self.quorum_max)


@dataclass(frozen=True, slots=True)
class TrackingResult:
    """What the router needs: an effective priority and the active faults."""

    priority: int
    faults: frozenset[str]


class _ScriptState:
    """rise/fall hysteresis of one script: ``streak`` counts consecutive results
    that disagree with the current status."""

    __slots__ = ("fall", "ok", "rise", "streak")

    def __init__(self, spec: ScriptSpec) -> None:
        self.ok = not spec.init_fail
        self.rise = spec.rise
        self.fall = spec.fall
        self.streak = 0

    def record(self, success: bool) -> None:
        if success == self.ok:
            self.streak = 0
            return
        self.streak += 1
        if self.streak >= (self.rise if success else self.fall):
            self.ok = success
            self.streak = 0


def _adjustment(weight: int, reverse: bool, good: bool) -> int:
    """A weighted tracker's contribution (weight 0 contributes through faults)."""
    if weight > 0 and good:
        return -weight if reverse else weight
    if weight < 0 and not good:
        return -weight if reverse else weight
    return 0


def _faulty(weight: int, reverse: bool, good: bool) -> bool:
    return weight == 0 and (good if reverse else not good)


class Tracker:
    """Effective priority and faults of one instance from its tracked objects."""

    def __init__(
        self,
        base_priority: int,
        scripts: Iterable[TrackedScript] = (),
        interfaces: Iterable[TrackedInterface] = (),
        files: Iterable[TrackedFile] = (),
        processes: Iterable[TrackedProcess] = (),
    ) -> None:
        self.base_priority = base_priority
        self._processes = {t.name: t for t in processes}
        # How many matching processes run (0 until the daemon has counted).
        self._process_counts = dict.fromkeys(self._processes, 0)
        self._files = {t.name: t for t in files}
        # The value each file holds (0 until the daemon has read it).
        self._file_values = dict.fromkeys(self._files, 0)
        self._scripts = {t.script.name: t for t in scripts}
        self._interfaces = {t.name: t for t in interfaces}
        self._script_state = {n: _ScriptState(t.script) for n, t in self._scripts.items()}
        # Interfaces are assumed up until the daemon says otherwise.
        self._up = dict.fromkeys(self._interfaces, True)

    def script_result(
        self, name: str, success: bool, now: float, *, timed_out: bool = False
    ) -> TrackingResult:
        """Record one run of a tracked script (a timeout counts as a failure)."""
        del now
        state = self._script_state.get(name)
        if state is not None:
            state.record(success and not timed_out)
        return self.result()

    def interface_state(self, name: str, up: bool, now: float) -> TrackingResult:
        """Record a tracked interface going up or down."""
        del now
        if name in self._up:
            self._up[name] = up
        return self.result()

    def file_value(self, name: str, value: int, now: float) -> TrackingResult:
        """Record the number a tracked file now holds."""
        del now
        if name in self._file_values:
            self._file_values[name] = value
        return self.result()

    def process_count(self, name: str, count: int, now: float) -> TrackingResult:
        """Record how many processes of a track_process run now."""
        del now
        if name in self._process_counts:
            self._process_counts[name] = count
        return self.result()

    def script_states(self) -> dict[str, list[int]]:
        """Each script's status and streak (an in-place restart keeps them)."""
        return {n: [int(st.ok), st.streak] for n, st in self._script_state.items()}

    def restore_scripts(self, states: dict[str, list[int]]) -> None:
        """Take :meth:`script_states` of a previous process (scripts it names
        that this tracker has; the others keep their initial state)."""
        for name, (ok, streak) in states.items():
            st = self._script_state.get(name)
            if st is not None:
                st.ok, st.streak = bool(ok), int(streak)

    def script_ok(self, name: str) -> bool:
        """The script's current OK/KO status after rise/fall."""
        return self._script_state[name].ok

    @property
    def effective_priority(self) -> int:
        """base + adjustments, clamped to 1..254; the owner stays at 255."""
        if self.base_priority == OWNER_PRIORITY:
            return OWNER_PRIORITY
        total = self.base_priority
        for name, t in self._scripts.items():
            ok = self._script_state[name].ok
            total += _adjustment(t.effective_weight, t.effective_reverse, ok)
        for name, i in self._interfaces.items():
            total += _adjustment(i.weight, i.reverse, self._up[name])
        for name, f in self._files.items():
            total += f.status(self._file_values[name]) or 0
        for name, p in self._processes.items():
            total += _adjustment(p.weight, p.reverse, p.have_quorum(self._process_counts[name]))
        return max(1, min(OWNER_PRIORITY - 1, total))

    @property
    def faults(self) -> frozenset[str]:
        """Fault reasons: ``script:<name>`` and ``interface:<name>``."""
        reasons = {
            f"script:{name}"
            for name, t in self._scripts.items()
            if _faulty(t.effective_weight, t.effective_reverse, self._script_state[name].ok)
        }
        reasons |= {
            f"interface:{name}"
            for name, i in self._interfaces.items()
            if _faulty(i.weight, i.reverse, self._up[name])
        }
        reasons |= {
            f"file:{name}"
            for name, f in self._files.items()
            if f.status(self._file_values[name]) is None
        }
        reasons |= {
            f"process:{name}"
            for name, p in self._processes.items()
            if _faulty(p.weight, p.reverse, p.have_quorum(self._process_counts[name]))
        }
        return frozenset(reasons)

    def fault_reasons_possible(self) -> frozenset[str]:
        """Every fault reason this tracker may raise (to clear stale ones)."""
        return frozenset(
            [f"script:{n}" for n in self._scripts]
            + [f"interface:{n}" for n in self._interfaces]
            + [f"file:{n}" for n in self._files]
            + [f"process:{n}" for n in self._processes]
        )

    def result(self) -> TrackingResult:
        """The current effective priority and faults."""
        return TrackingResult(self.effective_priority, self.faults)

    def apply(self, router: VirtualRouter, now: float) -> list[Action]:
        """Push the current result into ``router``; returns its actions.

        Faults are raised before they are cleared so that a swap of one fault
        for another does not bounce the router out of FAULT and back.
        """
        actions = router.set_priority(self.effective_priority, now)
        active = self.faults
        for reason in sorted(active):
            actions += router.set_fault(True, reason, now)
        for reason in sorted(self.fault_reasons_possible() - active):
            if reason in router.fault_reasons:
                actions += router.set_fault(False, reason, now)
        return actions

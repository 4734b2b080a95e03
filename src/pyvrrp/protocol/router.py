"""The sans-I/O virtual router: RFC 9568 (VRRPv3) and RFC 3768 (VRRPv2).

Everything that changes the state of one virtual router lives in this file. The
router never sleeps, reads a clock or touches a socket: the daemon passes ``now``
(monotonic float seconds) into every call, performs the returned actions in order,
and calls :meth:`VirtualRouter.handle_timer` once ``now >= next_deadline()``.

Transitions at a glance (event -> new state: actions)::

    INITIALIZE  start, owner (prio 255)       -> MASTER: SendAdvert, Take, Announce, Notify
                start, otherwise              -> BACKUP: Notify (Master_Down_Timer armed)
                start, a fault is active      -> FAULT: Notify
    BACKUP      Master_Down_Timer fires       -> MASTER: SendAdvert, Take, Announce, Notify
                advert prio 0                 -> BACKUP: Master_Down_Timer = Skew_Time
                advert prio >= ours/nopreempt -> BACKUP: learn interval, rearm timer
                advert prio < ours, preempt   -> BACKUP: discarded (timer keeps running)
    MASTER      Adver_Timer fires             -> MASTER: SendAdvert
                advert prio 0                 -> MASTER: SendAdvert at once
                advert higher / tie + higher address -> BACKUP: Release, Notify
                advert lower                  -> MASTER: SendAdvert (keepalived) or discard
    owner       any advert, owner_ignore_adverts -> dropped (keepalived)
    any         shutdown                      -> INITIALIZE (Master: SendAdvert(0), Release)
    INITIALIZE  resume_master (crash restart) -> MASTER: SendAdvert, Take (no Notify)
    any         fault raised                  -> FAULT (Master: SendAdvert(0), Release)
    FAULT       last fault cleared            -> as at start-up

Only one timer is live at a time: the Adver_Timer in MASTER, the Master_Down_Timer
in BACKUP, none in INITIALIZE and FAULT. Only an advert that passed every check
may touch a timer (keepalived issue #562): every refusal returns ``Dropped`` before
any state is read or written.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction

from .checks import check_advert
from .events import (
    Action,
    Announce,
    DropReason,
    IPAddress,
    Notify,
    ReceivedAdvert,
    ReleaseAddresses,
    SendAdvert,
    State,
    TakeAddresses,
    TakeoverHeld,
)
from .handover import RouterSnapshot, counters_from_json, counters_to_json
from .params import OWNER_PRIORITY, PRIORITY_STOP, RouterParams
from .timers import cs_to_seconds, master_down_interval, skew_time

#: The fault reason a sync group uses when it drags a member into FAULT.
SYNC_GROUP_FAULT = "sync_group"
#: The fault reason for the instance's own interface being down.
INTERFACE_FAULT = "interface_down"

#: Tolerance when the daemon's loop wakes a hair before the deadline.
_EARLY = Fraction(1, 10**9)


class Timer(enum.Enum):
    """The one live timer."""

    ADVER = "Adver_Timer"
    MASTER_DOWN = "Master_Down_Timer"


# For the per-advert path: an Enum member looked up on its class (State.BACKUP)
# costs about 0.1 us in Python 3.11, a module global a tenth of that.
_BACKUP, _MASTER_DOWN = State.BACKUP, Timer.MASTER_DOWN


@dataclass
class RouterCounters:
    """Counters for status and metrics (mutable, owned by the router)."""

    transitions: int = 0
    became_master: int = 0
    adverts_sent: int = 0
    priority_zero_sent: int = 0
    adverts_received: int = 0
    priority_zero_received: int = 0
    dropped: dict[DropReason, int] = field(default_factory=dict)
    #: Takeovers put off because packets were being lost (TakeoverHeld).
    takeovers_held: int = 0


def _clamp_priority(params: RouterParams, priority: int) -> int:
    """The owner always runs at 255; anyone else within 1..254 (keepalived)."""
    if params.is_owner:
        return OWNER_PRIORITY
    return max(1, min(OWNER_PRIORITY - 1, priority))


class VirtualRouter:
    """One VRRP instance: events in, actions out."""

    def __init__(self, params: RouterParams) -> None:
        self.params = params
        self.state = State.INITIALIZE
        self.effective_priority = _clamp_priority(params, params.priority)
        #: RFC 9568 §6.1 Master_Adver_Interval, centiseconds (learned in v3 Backup).
        self.master_adver_interval_cs = params.advert_interval_cs
        #: The current Master's primary address (our own while Master), if known.
        self.master_address: IPAddress | None = None
        self.counters = RouterCounters()
        #: True between TakeAddresses and ReleaseAddresses.
        self.addresses_held = False
        #: Set by a sync group: the down timer fired but the group held us back.
        self.wants_master = False
        #: A sync group's veto on going Master (None: no group).
        self.master_gate: Callable[[VirtualRouter], bool] | None = None
        self._fault_reasons: set[str] = set()
        self._timer: Timer | None = None
        # The live timer: armed at ``_armed_at`` for ``_duration`` (exact); its
        # float deadline for the daemon. The exact sum is only needed when the
        # timer fires, so a Backup resetting its down timer on every advert
        # does no Fraction arithmetic: ``_armed_at`` keeps the caller's float
        # ``now`` as given (every float is an exact rational) and is made a
        # Fraction only in handle_timer.
        self._armed_at: Fraction | float | None = None
        self._duration: Fraction = Fraction(0)
        self._duration_f = 0.0
        self._deadline_f: float | None = None
        self._preempt_after: Fraction | None = None
        # When the Master was last heard, while the down timer runs from it
        # (None when it runs from a priority-0 advert: the Master said it leaves).
        self._silence_from: float | None = None
        # The last (advert, params, state) that passed check_advert.
        self._passed: tuple[object, object, object] = (None, None, None)

    # ------------------------------------------------------------ queries

    @property
    def master_adver_interval(self) -> float:
        """Master_Adver_Interval in seconds."""
        return float(cs_to_seconds(self.master_adver_interval_cs))

    @property
    def timer(self) -> Timer | None:
        """Which timer is live, if any."""
        return self._timer

    @property
    def fault_reasons(self) -> frozenset[str]:
        """The active fault reasons (empty unless FAULT or pending FAULT at start)."""
        return frozenset(self._fault_reasons)

    @property
    def accepts_packets(self) -> bool:
        """RFC 9568 §6.4.3: a Master accepts packets for the virtual addresses only
        if it is the owner or Accept_Mode is True (the daemon applies this)."""
        return self.state is State.MASTER and (self.params.accept or self.params.is_owner)

    def next_deadline(self) -> float | None:
        """Absolute time at which :meth:`handle_timer` must be called, or None."""
        return self._deadline_f

    def skew_time(self) -> Fraction:
        """Skew_Time in seconds for our priority and the Master_Adver_Interval."""
        return skew_time(
            self.params.version, self.effective_priority, self.master_adver_interval_cs
        )

    def master_down_interval(self) -> Fraction:
        """Master_Down_Interval in seconds (RFC 9568 §6.1, RFC 3768 §6.1)."""
        return master_down_interval(
            self.params.version,
            self.effective_priority,
            self.master_adver_interval_cs,
            self.params.down_timer_adverts,
        )

    # ------------------------------------------------------------ events

    def start(self, now: float) -> list[Action]:
        """RFC 9568 §6.4.1: the Startup event."""
        if self.state is not State.INITIALIZE:
            return []
        if self._fault_reasons:
            return [self._transition(State.FAULT, "startup: " + self._fault_text())]
        return self._enter_running(Fraction(now), "startup")

    def receive_advert(self, advert: ReceivedAdvert, now: float) -> list[Action]:
        """An advert that passed the wire and authentication checks."""
        state = self.state
        # check_advert is a function of (params, state, advert): the advert
        # object that last passed it with the same params and state passes
        # again (a Backup's daemon hands the same object for the same advert).
        if advert is not self._passed[0] or (
            self.params is not self._passed[1] or state is not self._passed[2]
        ):
            refused = check_advert(self.params, state, advert)
            if refused is not None:
                dropped = self.counters.dropped
                dropped[refused.reason] = dropped.get(refused.reason, 0) + 1
                return [refused]
            self._passed = (advert, self.params, state)
        self.counters.adverts_received += 1
        if advert.priority == PRIORITY_STOP:
            self.counters.priority_zero_received += 1
        if state is _BACKUP:
            return self._backup_receive(advert, now)
        return self._master_receive(advert, now)

    def handle_timer(self, now: float, lossy_since: float | None = None) -> list[Action]:
        """Fire the live timer if it is due (a call before the deadline is a no-op).

        ``lossy_since``: when the daemon last saw packets for this instance
        lost before it could read them (its socket's receive queue overran:
        a flood). A Master_Down_Timer running out after that is not taken as
        the Master's silence: see :class:`TakeoverHeld`."""
        deadline = self._deadline_f
        if deadline is None:
            return []
        if now < deadline:
            # The float deadline is within a few ulps (well under _EARLY) of
            # the exact one, so "now >= deadline" is due by the exact rule too
            # and only a call before it needs the Fraction sums. The daemon
            # calls at or after the float deadline: the path that sends (a
            # Master's advert, a Backup's takeover) does no Fraction work.
            armed = self._armed_at
            assert armed is not None
            if Fraction(now) + _EARLY < Fraction(armed) + self._duration:
                return []
        t = now
        if self._timer is Timer.ADVER:
            # RFC 9568 §6.4.3: "If the Adver_Timer fires, then: Send an
            # ADVERTISEMENT; Reset the Adver_Timer to Advertisement_Interval".
            self._arm(Timer.ADVER, t, cs_to_seconds(self.params.advert_interval_cs))
            return [self._send(self.effective_priority)]
        # RFC 9568 §6.4.2: "If the Master_Down_Timer fires" -> Master.
        held = self._hold(now, lossy_since)
        if held is not None:
            return [held]
        if self.master_gate is not None and not self.master_gate(self):
            # A sync group member may only go Master with the whole group
            # (keepalived): wait, and look again every advert interval.
            self.wants_master = True
            self._arm(Timer.MASTER_DOWN, t, cs_to_seconds(self.params.advert_interval_cs))
            return []
        return self._become_master(t, "master down timer expired")

    def shutdown(self, now: float) -> list[Action]:
        """RFC 9568 §6.4.2/§6.4.3: the Shutdown event; ends in INITIALIZE."""
        if self.state is State.INITIALIZE:
            return []
        actions: list[Action] = []
        if self.state is State.MASTER:
            # RFC 9568 §6.4.3: cancel the Adver_Timer, send an advert with
            # priority 0 so a Backup takes over after Skew_Time, then release.
            actions += [self._send(PRIORITY_STOP), self._release()]
        self._cancel()
        self._forget_master()
        actions.append(self._transition(State.INITIALIZE, "shutdown"))
        return actions

    def set_priority(self, effective_priority: int, now: float) -> list[Action]:
        """A tracking result: the new effective priority.

        The owner stays at 255 and anyone else is clamped to 1..254. Nothing is
        sent at once: the next advert carries the new priority, and a Backup
        whose priority now beats the Master's discards its adverts and takes over
        when its Master_Down_Timer fires (RFC 9568 §6.4.2).
        """
        del now
        self.effective_priority = _clamp_priority(self.params, effective_priority)
        return []

    def set_fault(self, active: bool, reason: str, now: float) -> list[Action]:
        """Raise or clear one fault reason (keepalived's FAULT state).

        While any reason is active the router is in FAULT: no adverts, no timer,
        no addresses. A Master entering FAULT first sends priority 0 (as
        keepalived does) so a Backup takes over after Skew_Time. When the last
        reason clears, the router re-enters as at start-up.
        """
        had_fault = bool(self._fault_reasons)
        if active:
            self._fault_reasons.add(reason)
        else:
            self._fault_reasons.discard(reason)
        has_fault = bool(self._fault_reasons)
        if had_fault == has_fault or self.state is State.INITIALIZE:
            return []
        t = Fraction(now)
        if has_fault:
            actions: list[Action] = []
            if self.state is State.MASTER:
                actions += [self._send(PRIORITY_STOP), self._release()]
            self._cancel()
            self._forget_master()
            actions.append(self._transition(State.FAULT, reason))
            return actions
        return self._enter_running(t, f"{reason} cleared")

    def interface_changed(self, up: bool, now: float) -> list[Action]:
        """The instance's own interface went up or down (down means FAULT)."""
        return self.set_fault(not up, INTERFACE_FAULT, now)

    def reload(self, new_params: RouterParams, now: float) -> list[Action]:
        """Apply new parameters, keeping state and timers when possible.

        A change of VRID, version or address family makes a different virtual
        router: the old one shuts down (priority 0 if Master) and the new one
        starts. Anything else is taken in place: the running timer is kept and
        the next reset uses the new values. The effective priority returns to the
        new base priority; the daemon re-applies its tracker afterwards.
        """
        old = self.params
        if (old.vrid, old.version, old.family) != (
            new_params.vrid,
            new_params.version,
            new_params.family,
        ):
            running = self.state is not State.INITIALIZE
            actions = self.shutdown(now)
            self.params = new_params
            self.effective_priority = _clamp_priority(new_params, new_params.priority)
            self.master_adver_interval_cs = new_params.advert_interval_cs
            if running:
                actions += self.start(now)
            return actions
        self.params = new_params
        if old.priority != new_params.priority:
            self.effective_priority = _clamp_priority(new_params, new_params.priority)
        if new_params.version == 2 or self.state is not State.BACKUP:
            # v2 has no learning: the Master's interval is ours (RFC 3768 §7.1).
            self.master_adver_interval_cs = new_params.advert_interval_cs
        if not new_params.preempt or new_params.preempt_delay_cs != old.preempt_delay_cs:
            self._preempt_after = None
        return []

    # ---- restarts (see handover.py)

    def snapshot(self) -> RouterSnapshot:
        """Everything but the configuration, as a value (an in-place restart)."""
        return RouterSnapshot(
            vrid=self.params.vrid,
            version=self.params.version,
            family=self.params.family,
            state=self.state,
            effective_priority=self.effective_priority,
            master_adver_interval_cs=self.master_adver_interval_cs,
            master_address=self.master_address,
            timer=None if self._timer is None else self._timer.value,
            armed_at=None if self._armed_at is None else float(self._armed_at),
            duration=self._duration,
            preempt_after=self._preempt_after,
            silence_from=self._silence_from,
            addresses_held=self.addresses_held,
            wants_master=self.wants_master,
            fault_reasons=frozenset(self._fault_reasons),
            counters=counters_to_json(self.counters),
        )

    def restore(self, snap: RouterSnapshot) -> bool:
        """Take a snapshot's state (a new router, never started). False, and
        nothing changed, if it is of another virtual router (VRID, version,
        family): the daemon then starts the router as new."""
        p = self.params
        if (snap.vrid, snap.version, snap.family) != (p.vrid, p.version, p.family):
            return False
        self.state = snap.state
        self.master_adver_interval_cs = snap.master_adver_interval_cs
        self.master_address = snap.master_address
        self.addresses_held = snap.addresses_held
        self.wants_master = snap.wants_master
        self._fault_reasons = set(snap.fault_reasons)
        counters_from_json(self.counters, snap.counters)
        self._cancel()
        # (The effective priority stays the new configuration's: the daemon
        # applies its tracker, whose state it hands over, as after a reload.)
        self._preempt_after = snap.preempt_after
        self._silence_from = snap.silence_from
        if snap.timer is not None and snap.armed_at is not None:
            self._arm(Timer(snap.timer), snap.armed_at, snap.duration)
        return True

    def resume_master(self, now: float) -> list[Action]:
        """After a crash, as :func:`~.handover.decide` allowed: straight from
        INITIALIZE to MASTER without a transition (nothing to notify: the
        addresses are still on the interface and the Backups never took
        over). The advert goes at once, the addresses are made ours again
        (they are there: nothing moves), no gratuitous ARP."""
        if self.state is not State.INITIALIZE or self._fault_reasons:
            return []
        self.state = State.MASTER
        self.master_address = self.params.primary_address
        self.master_adver_interval_cs = self.params.advert_interval_cs
        self._arm(Timer.ADVER, now, cs_to_seconds(self.params.advert_interval_cs))
        return [self._send(self.effective_priority), self._take()]

    # ---- sync group hooks (see syncgroup.py)

    def force_master(self, now: float, reason: str) -> list[Action]:
        """Sync group: a Backup that wants Master follows its group to MASTER."""
        if self.state is not State.BACKUP:
            return []
        return self._become_master(Fraction(now), reason)

    def force_backup(self, now: float, reason: str) -> list[Action]:
        """Sync group: a Master follows its group to BACKUP.

        It sends priority 0 first so that the peer's member takes over after
        Skew_Time rather than Master_Down_Interval (the same reason keepalived
        sends priority 0 when a Master goes to FAULT).
        """
        if self.state is not State.MASTER:
            self.wants_master = False
            return []
        t = Fraction(now)
        actions: list[Action] = [self._send(PRIORITY_STOP), self._release()]
        self.master_adver_interval_cs = self.params.advert_interval_cs
        self.master_address = None
        self._silence_from = float(t)
        self._arm(Timer.MASTER_DOWN, t, self.master_down_interval())
        actions.append(self._transition(State.BACKUP, reason))
        return actions

    # ------------------------------------------------------------ rules

    def _backup_receive(self, advert: ReceivedAdvert, now: float) -> list[Action]:
        """RFC 9568 §6.4.2 / RFC 3768 §6.4.2: an advert heard in BACKUP."""
        if advert.priority == PRIORITY_STOP:
            # "If the Priority in the ADVERTISEMENT is zero, then: Set the
            # Master_Down_Timer to Skew_Time".
            self.master_address = None
            self._silence_from = None  # it said it leaves: no holding on
            self._arm(Timer.MASTER_DOWN, now, self.skew_time())
            return []
        ours = self.effective_priority
        accept = not self.params.preempt or advert.priority >= ours
        if accept:
            self._preempt_after = None
        elif self.params.preempt_delay_cs:
            # keepalived preempt_delay: a lower priority Master seen for the
            # first time since we entered BACKUP starts the delay; until it
            # ends its adverts are taken as if we were nopreempt. Afterwards
            # they are discarded and the Master_Down_Timer runs out.
            if self._preempt_after is None:
                self._preempt_after = Fraction(now) + cs_to_seconds(self.params.preempt_delay_cs)
            accept = now < self._preempt_after
        if not accept:
            # "Else: Discard the ADVERTISEMENT" -- the down timer keeps running,
            # so we preempt the lower priority Master when it fires.
            return []
        # "If Preempt_Mode is False, or if the Priority in the ADVERTISEMENT is
        # greater than or equal to the local Priority, then: Set
        # Master_Adver_Interval to Adver Interval contained in the ADVERTISEMENT;
        # Recompute the Master_Down_Interval; Reset the Master_Down_Timer".
        # (v3 only: v2 intervals already equal ours, RFC 3768 §7.1.)
        if self.params.version == 3:
            self.master_adver_interval_cs = advert.advert_interval_cs
        self.master_address = advert.source
        self.wants_master = False
        self._silence_from = now
        self._arm(_MASTER_DOWN, now, self.master_down_interval())
        return []

    def _master_receive(self, advert: ReceivedAdvert, now: float) -> list[Action]:
        """RFC 9568 §6.4.3 / RFC 3768 §6.4.3: an advert heard in MASTER."""
        ours = self.effective_priority
        if advert.priority == PRIORITY_STOP:
            # "If the Priority in the ADVERTISEMENT is zero, then: Send an
            # ADVERTISEMENT; Reset the Adver_Timer to Advertisement_Interval".
            self._arm(Timer.ADVER, now, cs_to_seconds(self.params.advert_interval_cs))
            return [self._send(ours)]
        higher = advert.priority > ours or (
            advert.priority == ours and int(advert.source) > int(self.params.primary_address)
        )
        if higher:
            # "If the Priority in the ADVERTISEMENT is greater than the local
            # Priority, or the Priority is equal and the primary IPvX Address of
            # the sender is greater than the local primary IPvX Address (as
            # unsigned integers), then: Cancel Adver_Timer; Set
            # Master_Adver_Interval (v3); Recompute Skew_Time and
            # Master_Down_Interval; Set Master_Down_Timer; Transition to Backup".
            self.master_adver_interval_cs = (
                advert.advert_interval_cs
                if self.params.version == 3
                else self.params.advert_interval_cs
            )
            actions: list[Action] = [self._release()]
            self.master_address = advert.source
            self._silence_from = now
            self._arm(Timer.MASTER_DOWN, now, self.master_down_interval())
            actions.append(
                self._transition(
                    State.BACKUP,
                    f"higher priority advert from {advert.source} (priority {advert.priority})",
                )
            )
            return actions
        # RFC: "Else: Discard the ADVERTISEMENT". keepalived also answers at once
        # with its own advert so the other (lower) Master steps down without
        # waiting for our next Adver_Timer; the timer is left alone.
        if self.params.answer_lower_priority:
            return [self._send(ours)]
        return []

    def _enter_running(self, now: Fraction, reason: str) -> list[Action]:
        """RFC 9568 §6.4.1 Startup (also used when a fault clears).

        The owner (priority 255) goes straight to MASTER unless keepalived's
        ``state BACKUP`` is configured (keepalived PR #102 respects it for the
        owner). Anyone else starts as BACKUP with Master_Down_Timer =
        Master_Down_Interval, *even with* ``state MASTER``: keepalived 2.x does
        exactly that (issue #1804, keepalived.conf(5): "the entry here doesn't
        matter a whole lot"), because a non-owner that took over without
        listening first could fight a higher priority Master already up.
        """
        self._preempt_after = None
        self.wants_master = False
        if self.effective_priority == OWNER_PRIORITY and self.params.initial_state != "BACKUP":
            return self._become_master(now, reason)
        self.master_adver_interval_cs = self.params.advert_interval_cs
        self.master_address = None
        self._silence_from = float(now)
        self._arm(Timer.MASTER_DOWN, now, self.master_down_interval())
        return [self._transition(State.BACKUP, reason)]

    def _become_master(self, now: Fraction | float, reason: str) -> list[Action]:
        """RFC 9568 §6.4.1/§6.4.2: send an ADVERTISEMENT, then the gratuitous ARP
        / unsolicited NA, set the Adver_Timer, transition to MASTER."""
        actions: list[Action] = [self._send(self.effective_priority), self._take(), Announce()]
        self._silence_from = None
        self._arm(Timer.ADVER, now, cs_to_seconds(self.params.advert_interval_cs))
        self.master_address = self.params.primary_address
        self.master_adver_interval_cs = self.params.advert_interval_cs
        self.wants_master = False
        self._preempt_after = None
        self.counters.became_master += 1
        actions.append(self._transition(State.MASTER, reason))
        return actions

    # ------------------------------------------------------------ helpers

    def _hold(self, now: float, lossy_since: float | None) -> TakeoverHeld | None:
        """Put off a takeover decided on silence that may have been loss.

        The Master_Down_Timer stands for "no advert received"; when packets
        for this instance were dropped by the host after the Master was last
        heard (a flood overrunning the receive queue), its adverts may have
        been among them, and taking over would make two Masters. Listen one
        more Master_Adver_Interval, as long as the loss goes on (loss seen
        within the last interval, when the Master's latest advert was due),
        and never past twice the Master_Down_Interval of silence: a Master that
        really died during a flood is still replaced. Not after a priority-0
        advert (the Master said it leaves) and not without loss (RFC 9568 as
        written)."""
        silence = self._silence_from
        if lossy_since is None or silence is None:
            return None
        interval = float(cs_to_seconds(self.master_adver_interval_cs))
        if lossy_since < silence or lossy_since < now - interval:
            return None
        until = silence + 2 * float(self.master_down_interval())
        if now >= until:
            return None
        step = min(interval, until - now)
        self._arm(_MASTER_DOWN, now, Fraction(step))
        self.counters.takeovers_held += 1
        return TakeoverHeld(silent_for=now - silence, until=until)

    def _arm(self, timer: Timer, now: Fraction | float, duration: Fraction) -> None:
        self._timer = timer
        self._armed_at = now
        if duration is not self._duration:  # the same cached interval, advert after advert
            self._duration = duration
            self._duration_f = float(duration)
        self._deadline_f = float(now) + self._duration_f

    def _cancel(self) -> None:
        self._silence_from = None
        self._timer = None
        self._armed_at = None
        self._deadline_f = None

    def _forget_master(self) -> None:
        self.master_address = None
        self.wants_master = False
        self._preempt_after = None
        self.master_adver_interval_cs = self.params.advert_interval_cs

    def _send(self, priority: int) -> SendAdvert:
        self.counters.adverts_sent += 1
        if priority == PRIORITY_STOP:
            self.counters.priority_zero_sent += 1
        return SendAdvert(priority)

    def _take(self) -> TakeAddresses:
        self.addresses_held = True
        return TakeAddresses()

    def _release(self) -> ReleaseAddresses:
        self.addresses_held = False
        return ReleaseAddresses()

    def _transition(self, new: State, reason: str) -> Notify:
        old, self.state = self.state, new
        self.counters.transitions += 1
        return Notify(old, new, reason)

    def _fault_text(self) -> str:
        return ", ".join(sorted(self._fault_reasons))

    def __repr__(self) -> str:
        return (
            f"VirtualRouter({self.params.name!r}, vrid={self.params.vrid}, "
            f"{self.state.value}, priority={self.effective_priority})"
        )

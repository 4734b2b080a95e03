"""vrrp_sync_group: instances that move together, as keepalived does.

keepalived's rule (its maintainer, issue #2169): the members of a sync group can
only be Master if *all* of them are eligible to be Master; if any member cannot
be (FAULT, a higher priority Master heard, nopreempt...), none is. Concretely:

* FAULT: while any member has a fault of its own, every other member is held in
  FAULT too (fault reason ``sync_group``); they all leave FAULT together.
* BACKUP: when a Master member drops to BACKUP (or a member is BACKUP and not
  waiting to become Master), the Master members are forced to BACKUP. They send
  priority 0 first so the peer group takes over after Skew_Time.
* MASTER: a member whose Master_Down_Timer fires waits (``wants_master``) until
  every other member is Master or wants to be; then the last one goes Master and
  the waiting ones follow at once.

:class:`SyncGroup` is pure: after any call into a member router, the daemon calls
:meth:`SyncGroup.reconcile` and performs the actions it returns for each member.
"""

from __future__ import annotations

from collections.abc import Sequence

from .events import Action, State
from .router import SYNC_GROUP_FAULT, VirtualRouter

_MAX_ROUNDS = 8


class SyncGroup:
    """Coordinates the routers of one vrrp_sync_group."""

    def __init__(self, name: str, routers: Sequence[VirtualRouter]) -> None:
        self.name = name
        self.routers = list(routers)
        for router in self.routers:
            router.master_gate = self._may_go_master

    def _active(self) -> list[VirtualRouter]:
        return [r for r in self.routers if r.state is not State.INITIALIZE]

    def _may_go_master(self, router: VirtualRouter) -> bool:
        """Gate installed on each member: may ``router`` go Master now?"""
        return all(
            other.state is State.MASTER or (other.state is State.BACKUP and other.wants_master)
            for other in self._active()
            if other is not router
        )

    def propagate(
        self, source: VirtualRouter, actions: Sequence[Action], now: float
    ) -> list[tuple[VirtualRouter, list[Action]]]:
        """After ``source`` produced ``actions``: the actions forced on members."""
        del source, actions
        return self.reconcile(now)

    def reconcile(self, now: float) -> list[tuple[VirtualRouter, list[Action]]]:
        """Bring the members in line; returns (router, actions) in order."""
        forced: list[tuple[VirtualRouter, list[Action]]] = []

        def record(router: VirtualRouter, acts: list[Action]) -> bool:
            if acts:
                forced.append((router, acts))
            return bool(acts)

        for _ in range(_MAX_ROUNDS):
            changed = False
            # FAULT: one member's own fault holds all the others.
            own_fault = [r for r in self.routers if r.fault_reasons - {SYNC_GROUP_FAULT}]
            for r in self.routers:
                should = any(o is not r for o in own_fault)
                if should != (SYNC_GROUP_FAULT in r.fault_reasons):
                    changed |= record(r, r.set_fault(should, SYNC_GROUP_FAULT, now))
            active = self._active()
            masters = [r for r in active if r.state is State.MASTER]
            if masters:
                blocking = [r for r in active if r.state is not State.MASTER and not r.wants_master]
                if blocking:
                    why = f"sync group {self.name}: {blocking[0].params.name} is not master"
                    for m in masters:
                        changed |= record(m, m.force_backup(now, why))
                else:
                    why = f"sync group {self.name}: {masters[0].params.name} became master"
                    for r in active:
                        if r.state is State.BACKUP:
                            changed |= record(r, r.force_master(now, why))
            if not changed:
                break
        return forced

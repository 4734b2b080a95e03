"""A tiny in-memory LAN with a fake clock for protocol tests.

Routers are named; each lives on a host (several routers, e.g. a sync group, may
share one). ``SendAdvert`` actions reach every running router with the same VRID
on another host that is not partitioned away, at once (zero latency), as a
``ReceivedAdvert``. The clock only moves when the test says so: ``run_until``
jumps from deadline to deadline and fires timers.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv6Address

from pyvrrp.protocol import (
    Action,
    Notify,
    ReceivedAdvert,
    ReleaseAddresses,
    SendAdvert,
    State,
    SyncGroup,
    TakeAddresses,
    Timer,
    VirtualRouter,
)

#: RFC 9568 §6.4: the one timer each state runs.
TIMER_OF = {State.MASTER: Timer.ADVER, State.BACKUP: Timer.MASTER_DOWN}


def check_invariants(r: VirtualRouter) -> None:
    """What holds of any router between two events, whatever happened.

    RFC 9568 §6.4: a Master runs the Adver_Timer, a Backup the
    Master_Down_Timer, Initialize (and keepalived's FAULT) none; a Master holds
    the addresses and is its own Master; Master_Adver_Interval is a learned
    interval only in a v3 Backup (RFC 3768 §7.1: v2 intervals equal ours), our
    own otherwise; the counters that status and metrics report only grow
    together (a transition for every became-master).
    """
    expected = TIMER_OF.get(r.state)
    assert r.timer is expected, (r, r.timer)
    assert (r.next_deadline() is None) == (expected is None), r
    assert r.addresses_held == (r.state is State.MASTER), r
    assert r.wants_master is False or (r.wants_master is True and r.state is State.BACKUP), r
    assert r.master_address is None or isinstance(r.master_address, IPv4Address | IPv6Address)
    if r.state is State.MASTER:
        assert r.master_address == r.params.primary_address, r
    assert isinstance(r.master_adver_interval_cs, int), r
    assert r.master_adver_interval_cs > 0, r
    if r.state is not State.BACKUP or r.params.version == 2:
        assert r.master_adver_interval_cs == r.params.advert_interval_cs, r
    c = r.counters
    assert 0 <= c.became_master <= c.transitions, c
    assert 0 <= c.priority_zero_sent <= c.adverts_sent, c
    assert 0 <= c.priority_zero_received <= c.adverts_received, c


def check_action(action: Action) -> None:
    """A Notify says why, in words (logs, status and notify scripts show it)."""
    if isinstance(action, Notify):
        assert isinstance(action.reason, str), action
        assert action.reason, action


@dataclass
class Event:
    """One action performed by one router at one time."""

    time: float
    router: str
    action: Action


@dataclass
class Sim:
    routers: dict[str, VirtualRouter]
    host_of: dict[str, str] = field(default_factory=dict)
    now: float = 0.0
    log: list[Event] = field(default_factory=list)
    groups: list[SyncGroup] = field(default_factory=list)
    #: Hosts that are powered off (their routers neither send nor hear).
    dead: set[str] = field(default_factory=set)
    #: Unordered host pairs that cannot hear each other.
    cut: set[frozenset[str]] = field(default_factory=set)
    #: Addresses held, counted from Take/Release actions (checks the balance).
    held: dict[str, int] = field(default_factory=dict)

    # ---- setup

    @classmethod
    def of(cls, *routers: VirtualRouter, groups: dict[str, list[str]] | None = None) -> Sim:
        """Routers on hosts named after them, or grouped as ``{host: [names]}``."""
        by_name = {r.params.name: r for r in routers}
        host_of = {n: n for n in by_name}
        sim = cls(by_name, host_of)
        for host, names in (groups or {}).items():
            for n in names:
                sim.host_of[n] = host
            sim.groups.append(SyncGroup(host, [by_name[n] for n in names]))
        for r in by_name.values():
            check_invariants(r)
        return sim

    def host(self, name: str) -> str:
        return self.host_of[name]

    # ---- operator events

    def start(self, *names: str) -> None:
        for n in names or tuple(self.routers):
            self.do(n, self.routers[n].start(self.now))

    def call(self, name: str, method: str, *args: object) -> list[Action]:
        """Call ``router.method(*args, now)`` and perform the actions."""
        actions: list[Action] = getattr(self.routers[name], method)(*args, self.now)
        self.do(name, actions)
        return actions

    def kill(self, host: str) -> None:
        """Power off a host: silent, no priority 0, its addresses vanish with it."""
        self.dead.add(host)
        for n, h in self.host_of.items():
            if h == host:
                self.held[n] = 0

    def revive(self, host: str, *replacements: VirtualRouter) -> None:
        """Power a host back on with fresh routers (INITIALIZE) and start them."""
        self.dead.discard(host)
        names = []
        for r in replacements:
            self.routers[r.params.name] = r
            names.append(r.params.name)
        for i, g in enumerate(self.groups):
            if g.name == host:
                self.groups[i] = SyncGroup(host, [self.routers[r.params.name] for r in g.routers])
        self.start(*names)

    def partition(self, a: str, b: str) -> None:
        self.cut.add(frozenset((a, b)))

    def heal(self) -> None:
        self.cut.clear()

    # ---- the clock

    def alive(self, name: str) -> bool:
        return self.host_of[name] not in self.dead

    def next_deadline(self) -> float | None:
        deadlines = [
            d
            for n, r in self.routers.items()
            if self.alive(n) and (d := r.next_deadline()) is not None
        ]
        return min(deadlines, default=None)

    def run_until(self, t: float) -> None:
        """Advance the clock to ``t``, firing every timer due on the way."""
        while (d := self.next_deadline()) is not None and d <= t:
            self.now = max(self.now, d)
            for n in sorted(self.routers):
                r = self.routers[n]
                due = r.next_deadline()
                if self.alive(n) and due is not None and due <= self.now:
                    self.do(n, r.handle_timer(self.now))
        self.now = max(self.now, t)

    def run_for(self, seconds: float) -> None:
        self.run_until(self.now + seconds)

    # ---- the wire

    def do(self, name: str, actions: list[Action]) -> None:
        """Perform actions of ``name``: log, deliver adverts, apply sync groups."""
        queue: deque[tuple[str, list[Action]]] = deque([(name, actions)])
        while queue:
            sender, acts = queue.popleft()
            for a in acts:
                check_action(a)
                self.log.append(Event(self.now, sender, a))
                if isinstance(a, TakeAddresses):
                    self.held[sender] = self.held.get(sender, 0) + 1
                elif isinstance(a, ReleaseAddresses):
                    self.held[sender] = self.held.get(sender, 0) - 1
                elif isinstance(a, SendAdvert) and self.alive(sender):
                    queue.extend(self._deliver(sender, a))
            for g in self.groups:
                if any(r is self.routers[sender] for r in g.routers):
                    for r, forced in g.reconcile(self.now):
                        queue.append((r.params.name, forced))
        for r in self.routers.values():
            check_invariants(r)

    def _deliver(self, sender: str, send: SendAdvert) -> list[tuple[str, list[Action]]]:
        src = self.routers[sender]
        advert = ReceivedAdvert(
            source=src.params.primary_address,
            priority=send.priority,
            advert_interval_cs=src.params.advert_interval_cs,
            version=src.params.version,
            vrid=src.params.vrid,
        )
        out = []
        for n, r in sorted(self.routers.items()):
            if (
                n == sender
                or not self.alive(n)
                or self.host(n) == self.host(sender)
                or r.params.vrid != src.params.vrid
                or frozenset((self.host(n), self.host(sender))) in self.cut
            ):
                continue
            out.append((n, r.receive_advert(advert, self.now)))
        return out

    # ---- observations

    def masters(self, vrid: int | None = None) -> list[str]:
        return sorted(
            n
            for n, r in self.routers.items()
            if self.alive(n) and r.state is State.MASTER and (vrid is None or r.params.vrid == vrid)
        )

    def transitions(self, name: str) -> list[tuple[float, State]]:
        """(time, new state) of each Notify of ``name``."""
        from pyvrrp.protocol import Notify

        return [
            (e.time, e.action.new_state)
            for e in self.log
            if e.router == name and isinstance(e.action, Notify)
        ]

    def became_master_at(self, name: str, after: float = -1.0) -> float | None:
        for t, s in self.transitions(name):
            if s is State.MASTER and t > after:
                return t
        return None

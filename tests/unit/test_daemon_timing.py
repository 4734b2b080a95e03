"""The daemon's timing edges, without a network: an advert is handled as of
the kernel's receive time, the loop wakes ahead of the kernel's poll slack,
and a Backup's takeover advert is built before its timer fires."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import pytest
from test_fuzz import NOW, Target, make_target

from pyvrrp.daemon import core
from pyvrrp.daemon.clock import Clock
from pyvrrp.daemon.core import Daemon
from pyvrrp.net.sockets import ReceivedPacket
from pyvrrp.protocol import State

KEY = ("eth0", 4)


class FixedClock(Clock):
    """Monotonic time stands still at ``mono``; the wall clock is real."""

    def __init__(self, mono: float) -> None:
        super().__init__(offset_file="/nonexistent")
        self.mono = mono

    def monotonic(self) -> float:
        return self.mono

    def wall_ns(self) -> int:
        return time.time_ns()


class OnePacket:
    """A socket holding one packet; records how it was read."""

    def __init__(self, pkt: ReceivedPacket | None, drops: int = 0) -> None:
        self.pkt = pkt
        self.stamped: list[bool] = []
        self.dropped = drops
        self.sent: list[bytes] = []

    def drops(self) -> int:
        return self.dropped

    def send(self, payload: bytes, src: Any, dst: Any, ttl: int) -> None:
        self.sent.append(payload)

    def recv(self, stamped: bool = False) -> ReceivedPacket | None:
        self.stamped.append(stamped)
        pkt, self.pkt = self.pkt, None
        return pkt


@pytest.fixture
def daemon() -> Iterator[Daemon]:
    d = Daemon("/nonexistent/keepalived.conf", clock=FixedClock(NOW + 10.0))
    d._loop = asyncio.new_event_loop()
    try:
        yield d
    finally:
        d._loop.close()
        d.netlink.close()


def backup(d: Daemon) -> tuple[Target, dict[int, Any]]:
    t = make_target("v3-ipv4-plain", master=False)
    assert t.inst.router.state is State.BACKUP
    d.instances[t.inst.cfg.name] = t.inst
    return t, {t.inst.cfg.vrid: t.inst}


def advert_from_peer(t: Target, rx_ns: int) -> ReceivedPacket:
    (dst, payload), *_ = t.peer.build_adverts(200, 0)
    return ReceivedPacket(4, 1, t.src, dst, 255, payload, 0xC0, rx_ns)


def mdi(t: Target) -> float:
    return float(t.inst.router.master_down_interval())


def test_down_timer_runs_from_the_kernel_receive_time(daemon: Daemon) -> None:
    t, table = backup(daemon)
    sock = OnePacket(advert_from_peer(t, time.time_ns() - 300_000_000))  # 300 ms ago
    daemon._read(KEY, sock, table)
    assert t.inst.stats.adverts_received == 1
    assert sock.stamped[0] is True  # one instance on the socket: stamps asked for
    # Handled "now" (NOW + 10) but received 0.3 s before: the deadline is 0.3 s earlier.
    deadline = t.inst.router.next_deadline()
    assert deadline == pytest.approx(NOW + 10.0 - 0.3 + mdi(t), abs=0.05)
    assert deadline < NOW + 10.0 - 0.2 + mdi(t)


@pytest.mark.parametrize(
    ("rx_age_ns", "why"),
    [
        (None, "no stamp"),
        (2_000_000_000, "older than believable (a wall clock step)"),
        (-50_000_000, "from the future (a wall clock step)"),
    ],
)
def test_without_a_believable_stamp_the_advert_is_handled_as_of_now(
    daemon: Daemon, rx_age_ns: int | None, why: str
) -> None:
    t, table = backup(daemon)
    rx = 0 if rx_age_ns is None else time.time_ns() - rx_age_ns
    daemon._read(KEY, OnePacket(advert_from_peer(t, rx)), table)
    assert t.inst.router.next_deadline() == NOW + 10.0 + mdi(t), why


def test_a_stamp_never_takes_time_back_before_the_last_timer(daemon: Daemon) -> None:
    t, table = backup(daemon)
    daemon._timers_ran_at = NOW + 10.0 - 0.1  # a timer fired 0.1 s ago
    daemon._read(KEY, OnePacket(advert_from_peer(t, time.time_ns() - 300_000_000)), table)
    assert t.inst.router.next_deadline() == NOW + 10.0 - 0.1 + mdi(t)


def test_a_socket_read_in_clumps_is_not_asked_for_stamps(daemon: Daemon) -> None:
    t, table = backup(daemon)
    for vrid in range(100, 100 + core.COALESCE_MIN_INSTANCES):
        table[vrid] = t.inst  # (only the count matters here)
    sock = OnePacket(advert_from_peer(t, 0))
    daemon._read(KEY, sock, table)
    assert sock.stamped[0] is False
    assert t.inst.router.next_deadline() == NOW + 10.0 + mdi(t)


def test_a_long_wait_wakes_ahead_of_the_poll_slack(daemon: Daemon) -> None:
    """epoll_wait may end 0.1 % of its timeout late: a timer 3.6 s ahead is
    armed early by more than that, on top of the usual _WAKE_EARLY."""
    t, _ = backup(daemon)
    assert daemon._loop is not None
    deadline = daemon._loop.time() + 3.6
    daemon._scheduled[t.inst.cfg.name] = deadline
    t.inst.router._deadline_f = deadline  # as if the down timer ran to it
    daemon._heap.append((deadline, 0, t.inst.cfg.name))
    daemon._arm()
    assert daemon._timer is not None
    early = deadline - daemon._timer.when()
    assert early > core._WAKE_EARLY + 3.6 / 1000
    assert early < 0.05  # still one short wait away, not a busy loop


def test_prime_builds_the_takeover_advert_without_sending_or_counting() -> None:
    t = make_target("v3-ipv4-hmac", master=False)
    fresh = make_target("v3-ipv4-hmac", master=False)
    sent, seq = t.inst.stats.adverts_sent, t.inst.auth.send_sequence.last  # type: ignore[union-attr]
    t.inst.prime()
    assert t.inst.router.effective_priority in t.inst._sent
    assert t.inst.stats.adverts_sent == sent
    assert t.inst.auth.send_sequence.last == seq  # type: ignore[union-attr]  # nothing signed
    wall = time.time_ns()
    primed = t.inst.build_adverts(100, wall)
    plain = fresh.inst.build_adverts(100, wall)
    # Same PDU and checksum; the trailers differ only by what each signer chose.
    assert [(d, p[:-28]) for d, p in primed] == [(d, p[:-28]) for d, p in plain]
    assert t.inst.stats.adverts_sent == sent + 1


def expire(daemon: Daemon, *, lost: int, after: float, more: int) -> tuple[Target, OnePacket]:
    """A Backup hears its Master; ``after`` seconds later its socket has
    lost ``lost`` packets, and ``more`` once its down timer runs out (the
    counter read afresh then); the timer then runs out."""
    t, table = backup(daemon)
    clock = daemon.clock
    assert isinstance(clock, FixedClock)
    daemon._read(KEY, OnePacket(advert_from_peer(t, 0)), table)  # the Master heard
    assert KEY not in daemon._lossy
    deadline = t.inst.router.next_deadline()
    assert deadline is not None
    clock.mono += after
    sock = OnePacket(None, drops=lost)
    daemon._read(KEY, sock, table)
    assert (KEY in daemon._lossy) == (lost > 0)
    daemon.sockets[KEY] = sock
    sock.dropped += more
    clock.mono = deadline
    daemon._on_timer()
    return t, sock


def test_a_growing_drop_counter_holds_the_takeover(daemon: Daemon) -> None:
    """Packets lost on the socket after the Master was last heard, and still
    being lost when the down timer runs out: the Backup listens one more
    interval instead of taking over (at most twice Master_Down_Interval of
    silence, see the router)."""
    t, sock = expire(daemon, lost=5000, after=1.0, more=4000)
    r = t.inst.router
    assert r.state is State.BACKUP and r.counters.takeovers_held == 1
    assert t.inst.status(daemon.clock.monotonic())["takeovers_held"] == 1
    assert r.next_deadline() == pytest.approx(daemon.clock.monotonic() + 1.0)
    assert sock.sent == []


@pytest.mark.parametrize(
    ("lost", "more", "why"),
    [(0, 0, "nothing lost"), (5000, 0, "lost once, just after the Master's advert, not since")],
)
def test_without_loss_going_on_the_takeover_is_on_time(
    daemon: Daemon, lost: int, more: int, why: str
) -> None:
    t, sock = expire(daemon, lost=lost, after=0.5, more=more)
    assert t.inst.router.state is State.MASTER, why
    assert t.inst.router.counters.takeovers_held == 0
    assert len(sock.sent) == 1  # the new Master's first advert


class _SteppingTime:
    """time.monotonic() that moves 1 ms per reading: the preemption between two
    readings that once made a takeover's sleep length negative."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        self.now += 0.001
        return self.now

    def sleep(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("sleep length must be non-negative")
        self.slept.append(seconds)
        self.now += seconds


def test_a_late_reading_never_makes_the_takeover_wait_fail(
    daemon: Daemon, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Backup's last wait to its down timer: whatever the clock does between
    two readings, the wait ends (no ValueError out of the timer callback, which
    would stop every timer of the daemon)."""
    t, _ = backup(daemon)
    fake = _SteppingTime()
    monkeypatch.setattr(core, "time", fake)
    deadline = daemon.clock.monotonic() + core._SPIN + 0.0015  # just past the spin
    daemon._wait_for((deadline, 0, t.inst.cfg.name), deadline - daemon.clock.monotonic())
    assert all(s >= 0 for s in fake.slept)

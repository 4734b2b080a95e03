"""keepalived's track_process: how many processes of a name run, from the
kernel's process events.

At start ``/proc`` is read once; after that the netlink proc connector
(``NETLINK_CONNECTOR``, ``CN_IDX_PROC``) reports every fork, exec, name change
and exit, so a process that dies is seen within one loop turn, with no
polling (keepalived's track_process.c does the same). Only whole processes
count (a thread's events are ignored).

A process matches as keepalived matches it (vrrp_parser.c, track_process.c):

* by default its name (``/proc/PID/comm``, the first 15 bytes of the program
  name) against ``process``;
* with ``full_command`` or parameters (``process PATH ARG...``), its command
  line (``/proc/PID/cmdline``): the program must equal ``PATH`` and the
  parameters match per ``param_match``: ``exact`` (all of them, the default
  when parameters are given), ``initial`` (the configured ones start the
  command line's) or ``partial`` (the configured ones appear in order, side by
  side, anywhere in it).

The kernel sends process events to sockets of the initial network namespace
only. A daemon run inside another one (a container's, or the lab's) tries to
open its events socket there (``/proc/1/ns/net``, for that one socket, from a
short-lived thread: the daemon itself stays where it is). When that is not
allowed, or the proc connector cannot be used at all (no CAP_NET_ADMIN, a
kernel without CONFIG_PROC_EVENTS), the watcher says so and watches ``/proc``
instead: every 100 ms the list of processes (new ones are read, gone ones
dropped: a kill is seen within 100 ms), and every 2 s every process again
(a process that exec'd into the name). keepalived gets no events at all there.
"""

from __future__ import annotations

import asyncio
import ctypes
import logging
import os
import socket
import struct
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass

log = logging.getLogger("pyvrrp.procwatch")

NETLINK_CONNECTOR = 11
CN_IDX_PROC = 1
CN_VAL_PROC = 1
PROC_CN_MCAST_LISTEN = 1
NLMSG_DONE = 3
PROC_EVENT_FORK = 0x00000001
PROC_EVENT_EXEC = 0x00000002
PROC_EVENT_COMM = 0x00000200
PROC_EVENT_EXIT = 0x80000000
#: Without process events: how often /proc is listed, and every how many
#: listings every process is read again.
POLL = 0.1
FULL_EVERY = 20
_NLMSG = struct.Struct("=IHHII")
_CN_MSG = struct.Struct("=IIIIHH")
_EVENT = struct.Struct("=IIQ")  # what, cpu, timestamp_ns
_PAIR = struct.Struct("=ii")


@dataclass(frozen=True)
class ProcessMatch:
    """What a vrrp_track_process looks for."""

    name: str
    process: str
    params: tuple[str, ...] = ()
    param_match: str | None = None  # None, "exact", "initial", "partial"
    full_command: bool = False

    def matches(self, comm: str, cmdline: list[str]) -> bool:
        if not (self.full_command or self.params):
            return comm == self.process[:15]
        if not cmdline or cmdline[0] != self.process:
            return False
        args = cmdline[1:]
        want = list(self.params)
        mode = self.param_match or ("exact" if want else None)
        if mode is None:
            return True
        if mode == "exact":
            return args == want
        if mode == "initial":
            return args[: len(want)] == want
        # partial: the parameters side by side, anywhere
        return any(args[i : i + len(want)] == want for i in range(len(args) - len(want) + 1))


_CLONE_NEWNET = 0x40000000


def _netns(pid: str) -> str:
    try:
        return os.readlink(f"/proc/{pid}/ns/net")
    except OSError:
        return ""


def _setns(fd: int) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.setns(fd, _CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"setns: {os.strerror(err)}")


def _read_process(pid: int) -> tuple[str, list[str]] | None:
    try:
        with open(f"/proc/{pid}/comm", "rb") as f:
            comm = f.read().rstrip(b"\n").decode(errors="replace")
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            raw = f.read()
    except OSError:
        return None
    cmdline = [a.decode(errors="replace") for a in raw.split(b"\0")[:-1]] if raw else []
    return comm, cmdline


SO_RCVBUFFORCE = 33  # <asm-generic/socket.h>: past net.core.rmem_max, as root


class ProcessWatcher:
    """Counts the matching processes of each ``ProcessMatch`` and calls
    ``on_count(name, count)`` when a count changes."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        matches: Iterable[ProcessMatch],
        on_count: Callable[[str, int], None],
        *,
        rcvbuf: int = 1 << 20,
        rcvbuf_force: bool = False,
    ) -> None:
        """``rcvbuf``: the events socket's receive buffer (keepalived's
        process_monitor_rcv_bufs; ``rcvbuf_force``: past rmem_max, as root)."""
        self._loop = loop
        self._rcvbuf = (rcvbuf, rcvbuf_force)
        self._matches = {m.name: m for m in matches}
        self._on_count = on_count
        self.pids: dict[str, set[int]] = {n: set() for n in self._matches}
        self._sock: socket.socket | None = None
        self._poll: asyncio.TimerHandle | None = None
        self._known: dict[int, tuple[str, ...]] = {}  # pid -> the names it matches
        self._polls = 0
        self.scan()
        try:
            self._sock = self._connect()
            loop.add_reader(self._sock.fileno(), self._read)
        except OSError as exc:
            log.warning(
                "track_process: no process events from the kernel (%s); watching /proc",
                exc.strerror or exc,
            )
            self._poll = loop.call_later(POLL, self._poll_scan)

    def counts(self) -> dict[str, int]:
        return {n: len(p) for n, p in self.pids.items()}

    # -- the whole picture (/proc) -------------------------------------------------

    def scan(self, full: bool = True) -> None:
        """Count again from /proc: every process (``full``), or only those
        that came or went since the last look."""
        pids = {int(e) for e in os.listdir("/proc") if e.isdigit()}
        known = self._known
        for pid in set(known) - pids:
            del known[pid]
        for pid in pids if full else pids - set(known):
            info = _read_process(pid)
            known[pid] = tuple(
                n for n, m in self._matches.items() if info is not None and m.matches(*info)
            )
        found: dict[str, set[int]] = {n: set() for n in self._matches}
        for pid, names in known.items():
            for name in names:
                found[name].add(pid)
        changed = [n for n in found if found[n] != self.pids[n]]
        self.pids = found
        for name in changed:
            self._on_count(name, len(found[name]))

    def _poll_scan(self) -> None:
        self._polls += 1
        self.scan(full=self._polls % FULL_EVERY == 0)
        self._poll = self._loop.call_later(POLL, self._poll_scan)

    # -- the kernel's events ----------------------------------------------------------

    def _connect(self) -> socket.socket:
        if _netns("self") == _netns("1"):
            return ProcessWatcher._open_events(*self._rcvbuf)
        # Another network namespace: the events socket goes in the initial one.
        result: list[socket.socket | OSError] = []

        def opener() -> None:
            try:
                fd = os.open("/proc/1/ns/net", os.O_RDONLY)
                try:
                    _setns(fd)  # this thread only, and it ends here
                finally:
                    os.close(fd)
                result.append(ProcessWatcher._open_events(*self._rcvbuf))
            except OSError as exc:
                result.append(exc)

        t = threading.Thread(target=opener, name="proc-events")
        t.start()
        t.join()
        if isinstance(result[0], OSError):
            raise result[0]
        return result[0]

    @staticmethod
    def _open_events(rcvbuf: int = 1 << 20, force: bool = False) -> socket.socket:
        sock = socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, NETLINK_CONNECTOR)
        try:
            sock.setblocking(False)
            opt = SO_RCVBUFFORCE if force else socket.SO_RCVBUF
            sock.setsockopt(socket.SOL_SOCKET, opt, rcvbuf)
            sock.bind((0, CN_IDX_PROC))
            op = struct.pack("=I", PROC_CN_MCAST_LISTEN)
            cn = _CN_MSG.pack(CN_IDX_PROC, CN_VAL_PROC, 0, 0, len(op), 0) + op
            sock.send(_NLMSG.pack(_NLMSG.size + len(cn), NLMSG_DONE, 0, 0, 0) + cn)
        except OSError:
            sock.close()
            raise
        return sock

    def _read(self) -> None:
        assert self._sock is not None
        touched: set[str] = set()
        while True:
            try:
                data = self._sock.recv(65536)
            except BlockingIOError:
                break
            except OSError as exc:
                # ENOBUFS: events were lost; count again from /proc.
                log.warning("track_process: process events lost (%s); reading /proc", exc)
                self.scan()
                return
            self._event(data, touched)
        for name in touched:
            self._on_count(name, len(self.pids[name]))

    def _event(self, data: bytes, touched: set[str]) -> None:
        off = _NLMSG.size + _CN_MSG.size
        if len(data) < off + _EVENT.size + 8:
            return
        what = _EVENT.unpack_from(data, off)[0]
        body = off + _EVENT.size
        if what == PROC_EVENT_EXIT:
            pid, tgid = _PAIR.unpack_from(data, body)
            if pid == tgid:
                for name, pids in self.pids.items():
                    if pid in pids:
                        pids.discard(pid)
                        touched.add(name)
            return
        if what == PROC_EVENT_FORK:
            # parent pid/tgid, then child pid/tgid: a new process (not a thread)
            if len(data) < body + 16:
                return
            child, child_tgid = _PAIR.unpack_from(data, body + 8)
            if child != child_tgid:
                return
            pid = child
        elif what in (PROC_EVENT_EXEC, PROC_EVENT_COMM):
            pid, tgid = _PAIR.unpack_from(data, body)
            if pid != tgid:
                return
        else:
            return
        info = _read_process(pid)
        for name, m in self._matches.items():
            now = info is not None and m.matches(*info)
            had = pid in self.pids[name]
            if now and not had:
                self.pids[name].add(pid)
                touched.add(name)
            elif had and not now:
                self.pids[name].discard(pid)
                touched.add(name)

    def close(self) -> None:
        if self._poll is not None:
            self._poll.cancel()
        if self._sock is not None:
            self._loop.remove_reader(self._sock.fileno())
            self._sock.close()
            self._sock = None

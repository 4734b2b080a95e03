"""keepalived's process keywords: how the daemon defends its timing on a busy host.

* ``vrrp_priority N``: the nice value (-20..19).
* ``vrrp_rt_priority N``: real-time scheduling, SCHED_RR at priority N (reset
  on fork: notify scripts run as ordinary processes), with
  ``vrrp_rlimit_rttime`` as RLIMIT_RTTIME so a runaway real-time loop is
  stopped by the kernel rather than owning a CPU: as keepalived, the soft
  limit is half of it (SIGXCPU, logged) and the hard limit all of it. A
  Python daemon is no C one: a garbage collection or a reload can take tens
  of milliseconds of CPU at a stretch, so pyvrrp never sets the hard limit
  below ``MIN_RTTIME_US`` (100 ms; keepalived's default is 10 ms), enters
  real-time scheduling only once started, and leaves it while it reloads.
* ``max_auto_priority [N]``: when a timer fires more than
  ``min_auto_priority_delay`` microseconds late (default 1 s) the process was
  not scheduled in time: raise it one step of SCHED_RR priority, up to N
  (keepalived's automatic priority increase; 0 or -1: off).
* ``vrrp_no_swap``: ``mlockall`` (nothing of the daemon is paged out).
* ``vrrp_cpu_affinity CPU...``: run on those CPUs only.
* ``vrrp_process_name`` / ``process_name``: the name ``ps`` and ``pgrep`` show.

Each is applied once at start; a failure (not root, a CPU that does not exist)
is logged and the daemon runs on without it, as keepalived does.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import resource

from pyvrrp.config.model import GlobalDefs

log = logging.getLogger("pyvrrp.process")

_MCL_CURRENT, _MCL_FUTURE = 1, 2
#: The least RLIMIT_RTTIME pyvrrp runs real-time with, in microseconds.
MIN_RTTIME_US = 100_000
_PR_SET_NAME = 15
_RLIMIT_RTTIME = getattr(resource, "RLIMIT_RTTIME", 15)


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)


def set_process_name(name: str) -> None:
    """The kernel's name for this process (``/proc/self/comm``, 15 bytes)."""
    raw = name.encode()[:15]
    if _libc().prctl(_PR_SET_NAME, ctypes.c_char_p(raw), 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NAME)")


def set_realtime(priority: int, rttime_us: int) -> None:
    """SCHED_RR at ``priority``, with the RLIMIT_RTTIME guard set first."""
    hard = max(rttime_us, MIN_RTTIME_US)
    resource.setrlimit(_RLIMIT_RTTIME, (hard // 2, hard))
    reset = getattr(os, "SCHED_RESET_ON_FORK", 0)
    os.sched_setscheduler(0, os.SCHED_RR | reset, os.sched_param(priority))


def leave_realtime() -> int:
    """Back to ordinary scheduling; returns the SCHED_RR priority we had (0: none)."""
    if os.sched_getscheduler(0) & ~getattr(os, "SCHED_RESET_ON_FORK", 0) not in (
        os.SCHED_RR,
        os.SCHED_FIFO,
    ):
        return 0
    had = int(os.sched_getparam(0).sched_priority)
    os.sched_setscheduler(0, os.SCHED_OTHER, os.sched_param(0))
    return had


def apply(g: GlobalDefs) -> list[str]:
    """Apply the process keywords of ``g`` but real-time scheduling (see
    :func:`enter_realtime`); what could not be applied, in words."""
    problems: list[str] = []
    if g.umask is not None:
        os.umask(g.umask)
    if g.process_name:
        try:
            set_process_name(g.process_name)
        except OSError as exc:
            problems.append(f"process_name {g.process_name}: {os.strerror(exc.errno or 0)}")
    if g.vrrp_priority is not None:
        try:
            os.setpriority(os.PRIO_PROCESS, 0, g.vrrp_priority)
        except OSError as exc:
            problems.append(f"vrrp_priority {g.vrrp_priority}: {exc.strerror}")
    if g.vrrp_rt_priority is not None and g.vrrp_rlimit_rttime < MIN_RTTIME_US:
        problems.append(
            f"vrrp_rlimit_rttime {g.vrrp_rlimit_rttime}: pyvrrp runs real-time with at least "
            f"{MIN_RTTIME_US} microseconds"
        )
    if g.vrrp_cpu_affinity:
        try:
            os.sched_setaffinity(0, set(g.vrrp_cpu_affinity))
        except OSError as exc:
            cpus = " ".join(map(str, g.vrrp_cpu_affinity))
            problems.append(f"vrrp_cpu_affinity {cpus}: {exc.strerror}")
    if g.vrrp_no_swap and _libc().mlockall(_MCL_CURRENT | _MCL_FUTURE) != 0:
        problems.append(f"vrrp_no_swap: {os.strerror(ctypes.get_errno())}")
    return problems


def enter_realtime(g: GlobalDefs) -> str | None:
    """``vrrp_rt_priority``, once the daemon has started; None or why not."""
    if g.vrrp_rt_priority is None:
        return None
    try:
        set_realtime(g.vrrp_rt_priority, g.vrrp_rlimit_rttime)
    except OSError as exc:
        return f"vrrp_rt_priority {g.vrrp_rt_priority}: {exc.strerror}"
    return None


class AutoPriority:
    """keepalived's ``max_auto_priority``: one SCHED_RR step up each time a
    timer fires later than ``min_delay`` seconds, never above ``cap``."""

    def __init__(self, cap: int | None, min_delay: float, rttime_us: int) -> None:
        self.cap = cap if cap is not None and cap > 0 else 0
        self.min_delay = min_delay
        self.rttime_us = rttime_us
        self.raised = 0

    def current(self) -> int:
        """The SCHED_RR priority we run at now (0: not real-time)."""
        policy = os.sched_getscheduler(0) & ~getattr(os, "SCHED_RESET_ON_FORK", 0)
        if policy not in (os.SCHED_RR, os.SCHED_FIFO):
            return 0
        return int(os.sched_getparam(0).sched_priority)

    def late(self, seconds: float) -> int | None:
        """A timer fired ``seconds`` late: the new priority if raised, else None."""
        if not self.cap or seconds < self.min_delay:
            return None
        now = self.current()
        if now >= self.cap:
            return None
        try:
            set_realtime(now + 1, self.rttime_us)
        except OSError as exc:
            log.warning("max_auto_priority: cannot raise the priority: %s", exc.strerror)
            self.cap = 0
            return None
        self.raised += 1
        log.warning(
            "a timer fired %.3fs late: scheduling priority raised to SCHED_RR %d "
            "(max_auto_priority %d)",
            seconds,
            now + 1,
            self.cap,
        )
        return now + 1

"""VRRP timing on a loaded host: pyvrrp and keepalived side by side, with and
without ``max_auto_priority``.

Two nodes of one implementation on one bridge (as ``takeover.py``: VRRPv3,
IPv4 multicast, equal priorities), while the host's CPUs are saturated by busy
loops this bench starts outside the namespaces (``--hogs`` per CPU, plain
nice-0 processes, stopped at the end of each case). Per case:

* steady: a capture of ``--window`` seconds with no failure injected. The
  Master's advert gaps (p50, p99, max, in ms: the advert interval plus the
  scheduling delay) and the spurious takeovers (episodes in which the Backup
  sent adverts while the Master was alive: each is a failover nobody asked for).
* takeover: ``--trials`` SIGKILLs of the Master (overhead above
  Master_Down_Interval, as ``takeover.py`` measures it).

Cases: pyvrrp, pyvrrp with ``max_auto_priority`` (SCHED_RR when a timer runs
``min_auto_priority_delay`` late), keepalived, keepalived with the same two
global_defs keywords; and the same without load for reference (``--quiet-too``).
Figures only, never a verdict. ``python bench/loaded.py`` (``--quick``: a 10 s
window and 3 trials).
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from _common import (
    Lab,
    adverts,
    header,
    keepalived_available,
    load_note,
    make_daemon,
    percentile,
    summary_ms,
)
from takeover import VRID, config, one_trial, settle

from pyvrrp.lab.topology import one_segment

#: Timers 20 ms late raise the priority (keepalived's default is one second).
AUTO = "global_defs {\n    max_auto_priority\n    min_auto_priority_delay 20000\n}\n"
HOG = "while True:\n    pass\n"
READY_TIMEOUT = 180.0


@dataclass
class Case:
    impl: str
    auto: bool
    loaded: bool
    adv: float
    gaps: list[float] = field(default_factory=list)
    spurious: int = 0
    kill: list[float] = field(default_factory=list)
    starts: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"{self.impl}{'+auto' if self.auto else ''}"


class Hogs:
    """Busy loops on every CPU: this bench's own processes, stopped on exit."""

    def __init__(self, per_cpu: int) -> None:
        self.n = per_cpu * (os.cpu_count() or 1)
        self.procs: list[subprocess.Popen[bytes]] = []

    def __enter__(self) -> Hogs:
        for _ in range(self.n):
            self.procs.append(subprocess.Popen([sys.executable, "-c", HOG]))
        time.sleep(0.5)
        return self

    def __exit__(self, *exc: object) -> None:
        for p in self.procs:
            p.kill()
        for p in self.procs:
            p.wait()


def _time_starts(daemon: Any, case: Case) -> None:
    """Record how long each (re)start takes to be ready, and give a start on a
    saturated host up to READY_TIMEOUT (an interpreter's imports there can take
    tens of seconds)."""
    start, ready = daemon.start, daemon.wait_ready
    began: list[float] = []

    def timed_start(config: str) -> None:
        began.append(time.monotonic())
        start(config)

    def timed_ready(timeout: float = READY_TIMEOUT) -> None:
        ready(max(timeout, READY_TIMEOUT))
        if began:
            case.starts.append(time.monotonic() - began.pop())

    daemon.start, daemon.wait_ready = timed_start, timed_ready


def steady(lab: Lab, sw: str, nodes: list, case: Case, window: float) -> None:
    m = settle(nodes, case.adv, 10 + 6 * case.adv)
    master_ip = str(nodes[m].node.ipv4.ip)
    cap = lab.capture(sw, "br0", "ip proto 112")
    time.sleep(window)
    path = cap.stop(settle=0.1)
    ads = [a for a in adverts(path) if a.vrid == VRID]
    mine = [a.ts for a in ads if a.src == master_ip]
    case.gaps += [b - a for a, b in itertools.pairwise(mine)]
    # An episode: adverts from the other node with no 1 s pause between them.
    last = None
    for a in ads:
        if a.src != master_ip and a.priority != 0:
            if last is None or a.ts - last > 1.0:
                case.spurious += 1
            last = a.ts


def run_case(case: Case, window: float, trials: int, hogs_per_cpu: int) -> None:
    base = "pyvrrp" if case.impl.startswith("pyvrrp") else case.impl
    conf = (AUTO if case.auto else "") + config(case.impl, case.adv)
    with Lab() as lab:
        seg = one_segment(lab, 2)
        nodes = [make_daemon(base, lab, n, f"{case.name}-{n.name}") for n in seg.nodes]
        for n in nodes:
            _time_starts(n, case)
        for n in nodes:
            n.start(conf)
        for n in nodes:
            n.wait_ready()
        hogs = Hogs(hogs_per_cpu) if case.loaded else None
        try:
            if hogs is not None:
                hogs.__enter__()
            try:
                steady(lab, seg.switch, nodes, case, window)
            except (RuntimeError, TimeoutError) as exc:
                case.errors.append(f"steady: {exc}")
            for i in range(trials):
                try:
                    case.kill.append(one_trial(lab, seg.switch, nodes, conf, case.adv, "kill"))
                except (RuntimeError, TimeoutError) as exc:
                    case.errors.append(f"trial {i}: {exc}")
                    print(f"# {case.name} trial {i}: {exc}", file=sys.stderr, flush=True)
                    for n in nodes:
                        if not n.running:
                            n.start(conf)
                            n.wait_ready()
        finally:
            if hogs is not None:
                hogs.__exit__()
    print(
        f"  {case.name:16s} {'loaded' if case.loaded else 'quiet':6s} adv {case.adv:g}s"
        f"  spurious {case.spurious}  kill {summary_ms(case.kill)}",
        file=sys.stderr,
        flush=True,
    )


def _gaps(values: list[float]) -> str:
    if not values:
        return "-"
    ms = sorted(v * 1000 for v in values)
    return (
        f"p50 {percentile(ms, 50):7.1f}  p99 {percentile(ms, 99):7.1f}  max {ms[-1]:7.1f}"
        f"  (n={len(ms)})"
    )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--quick", action="store_true", help="10 s window, 3 trials")
    p.add_argument("--window", type=float, default=60.0, help="steady window, s (default 60)")
    p.add_argument("--trials", type=int, default=10, help="SIGKILL trials per case (default 10)")
    p.add_argument("--hogs", type=int, default=4, help="busy loops per CPU (default 4)")
    p.add_argument("--intervals", default="0.1", help="advert intervals, s (default 0.1)")
    p.add_argument("--impl", default="pyvrrp,keepalived", help="pyvrrp, keepalived")
    p.add_argument("--quiet-too", action="store_true", help="also each case without load")
    a = p.parse_args(argv)
    window, trials = (10.0, 3) if a.quick else (a.window, a.trials)
    impls = [i for i in a.impl.split(",") if i]
    if "keepalived" in impls and not keepalived_available():
        print("# keepalived not installed: skipped", file=sys.stderr)
        impls.remove("keepalived")
    random.seed(1)
    header(
        "VRRP timing on a loaded host "
        f"({a.hogs} busy loops per CPU, {os.cpu_count()} CPUs; steady {window:g} s, "
        f"{trials} kills per case)"
    )
    print(f"# before: {load_note()}")
    cases = []
    for adv in (float(x) for x in a.intervals.split(",")):
        for loaded in (True, False) if a.quiet_too else (True,):
            for impl in impls:
                for auto in (False, True):
                    case = Case(impl, auto, loaded, adv)
                    run_case(case, window, trials, a.hogs)
                    cases.append(case)
    print(f"# after: {load_note()}")
    print(f"{'case':16s} {'load':6s} {'advert':>6s} {'spurious':>8s}  Master advert gaps (ms)")
    for c in cases:
        load = "loaded" if c.loaded else "quiet"
        print(f"{c.name:16s} {load:6s} {c.adv:5g}s {c.spurious:8d}  {_gaps(c.gaps)}")
    print(f"\n{'case':16s} {'load':6s} {'advert':>6s} kill overhead above Master_Down_Interval")
    for c in cases:
        load = "loaded" if c.loaded else "quiet"
        print(f"{c.name:16s} {load:6s} {c.adv:5g}s {summary_ms(c.kill)}")
        for e in c.errors:
            print(f"#   {c.name} {load} {c.adv:g}s error: {e.splitlines()[0]}")
    print(f"\n{'case':16s} {'load':6s} {'advert':>6s} (re)start to ready (s)")
    for c in cases:
        load = "loaded" if c.loaded else "quiet"
        starts = sorted(c.starts)
        if starts:
            print(
                f"{c.name:16s} {load:6s} {c.adv:5g}s median {percentile(starts, 50):6.2f}"
                f"  max {starts[-1]:6.2f}  (n={len(starts)})"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())

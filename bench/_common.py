"""Shared pieces of the lab benches: daemons of both kinds behind one interface,
pcaps with timestamps, statistics and a note on the machine's load.

The benches print figures and never pass or fail on time.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from ipaddress import IPv4Address, ip_address
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"
# This tree's pyvrrp, unless PYTHONPATH names another one (to measure an older
# commit: PYTHONPATH=/tmp/pyvrrp-before/src python bench/scale.py).
if not any(
    Path(p, "pyvrrp").is_dir() for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p
):
    sys.path.insert(0, str(SRC))

from pyvrrp.lab.netns import Lab  # noqa: E402
from pyvrrp.lab.nodes import PyvrrpNode  # noqa: E402
from pyvrrp.lab.topology import Node  # noqa: E402

KEEPALIVED = shutil.which("keepalived") or "/usr/sbin/keepalived"
IMPLS = ("pyvrrp", "keepalived")


# -- the machine ----------------------------------------------------------------------


def machine() -> dict[str, str]:
    model = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "nproc": str(os.cpu_count()),
        "cpu": model,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "keepalived": keepalived_version(),
    }


def keepalived_version() -> str:
    try:
        r = subprocess.run([KEEPALIVED, "-v"], capture_output=True, text=True, timeout=5)
        out = (r.stdout + r.stderr).splitlines()
        return out[0].strip() if out else "?"
    except (OSError, subprocess.TimeoutExpired):
        return "not installed"


def load_note() -> str:
    """The load average and the busiest other processes: the figures are only as
    good as the machine was quiet."""
    la = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    return f"loadavg {la} on {os.cpu_count()} cores"


def header(title: str) -> None:
    m = machine()
    print(f"# {title}")
    print(f"# {m['nproc']} x {m['cpu']}, kernel {m['kernel']}, Python {m['python']}")
    print(f"# {m['keepalived']}; {load_note()}")


# -- statistics -----------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    if not values:
        return float("nan")
    s = sorted(values)
    k = max(0, min(len(s) - 1, round(q / 100 * len(s) + 0.5) - 1))
    return s[k]


def summary_ms(values: Sequence[float]) -> str:
    if not values:
        return "no samples"
    ms = [v * 1000 for v in values]
    return (
        f"n={len(ms):3d}  median {statistics.median(ms):8.2f} ms  p95 {percentile(ms, 95):8.2f} ms"
        f"  min {min(ms):8.2f}  max {max(ms):8.2f}"
    )


# -- VRRP timing (RFC 9568 §6.1, RFC 3768 §6.1) --------------------------------------


def skew_time(version: int, priority: int, adv: float) -> float:
    if version == 2:
        return (256 - priority) / 256
    return float((256 - priority) * Fraction(str(adv)) / 256)


def master_down_interval(version: int, priority: int, adv: float) -> float:
    return 3 * float(Fraction(str(adv))) + skew_time(version, priority, adv)


# -- pcaps with timestamps ---------------------------------------------------------------


@dataclass(frozen=True)
class Advert:
    ts: float  # capture time, seconds since the epoch
    src: str
    vrid: int
    priority: int
    length: int


def read_pcap_ts(path: Path) -> list[tuple[float, bytes]]:
    """(timestamp, frame) of a classic pcap file, micro- or nanosecond."""
    data = path.read_bytes()
    if len(data) < 24:
        return []
    magic = data[:4]
    formats = {
        b"\xd4\xc3\xb2\xa1": ("<", 1e-6),
        b"\xa1\xb2\xc3\xd4": (">", 1e-6),
        b"\x4d\x3c\xb2\xa1": ("<", 1e-9),
        b"\xa1\xb2\x3c\x4d": (">", 1e-9),
    }
    if magic not in formats:
        raise ValueError(f"{path}: not a pcap file")
    order, unit = formats[magic]
    rec = struct.Struct(order + "IIII")
    out, off = [], 24
    while off + 16 <= len(data):
        sec, frac, incl, _ = rec.unpack_from(data, off)
        off += 16
        out.append((sec + frac * unit, data[off : off + incl]))
        off += incl
    return out


def adverts(path: Path) -> list[Advert]:
    """The IPv4 VRRP adverts of an Ethernet pcap."""
    out = []
    for ts, f in read_pcap_ts(path):
        if len(f) < 14 + 20 + 8 or f[12:14] != b"\x08\x00":
            continue
        ip = f[14:]
        ihl = (ip[0] & 0x0F) * 4
        if ip[9] != 112:
            continue
        total = int.from_bytes(ip[2:4], "big")
        vrrp = ip[ihl:total]
        if len(vrrp) < 8:
            continue
        src = str(IPv4Address(ip[12:16]))
        out.append(Advert(ts, src, vrrp[1], vrrp[2], len(vrrp)))
    return out


# -- daemons -------------------------------------------------------------------------------


def pids_cpu_seconds(pids: Sequence[int]) -> float:
    """utime + stime of the processes (all their threads), in seconds."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14, 15)
    return total / tick


def pids_sched_seconds(pids: Sequence[int]) -> float:
    """Time on CPU of every thread of the processes, from schedstat (ns precision)."""
    total = 0
    for pid in pids:
        try:
            tasks = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for tid in tasks:
            try:
                total += int(Path(f"/proc/{pid}/task/{tid}/schedstat").read_text().split()[0])
            except (OSError, ValueError, IndexError):
                continue
    return total / 1e9


def pids_rss_kib(pids: Sequence[int]) -> int:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total


class Daemon:
    """pyvrrp or keepalived in one lab namespace, behind one interface."""

    impl: str

    def __init__(self, lab: Lab, node: Node, tag: str) -> None:
        self.lab, self.node, self.tag = lab, node, tag

    def start(self, config: str) -> None:
        raise NotImplementedError

    def wait_ready(self, timeout: float = 20.0) -> None:
        raise NotImplementedError

    def kill(self) -> None:
        raise NotImplementedError

    def term(self, timeout: float = 10.0) -> None:
        raise NotImplementedError

    def pids(self) -> list[int]:
        raise NotImplementedError

    @property
    def running(self) -> bool:
        return any(_alive(p) for p in self.pids())

    def addresses(self) -> set[str]:
        out = self.lab.run(self.node.ns, ["ip", "-j", "addr", "show"]).stdout
        return {
            f"{a['local']}/{a['prefixlen']}"
            for link in json.loads(out or "[]")
            for a in link.get("addr_info", [])
        }

    def has(self, vip: str) -> bool:
        return vip in self.addresses()

    def log(self) -> str:
        return ""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


class PyvrrpDaemon(Daemon):
    impl = "pyvrrp"

    def __init__(self, lab: Lab, node: Node, tag: str) -> None:
        super().__init__(lab, node, tag)
        self.node_ = PyvrrpNode(lab, node, tag=tag)

    def start(self, config: str) -> None:
        self.node_.start(config, wait=False)

    def wait_ready(self, timeout: float = 20.0) -> None:
        self.node_.wait_ready(timeout)

    def kill(self) -> None:
        self.node_.kill()

    def term(self, timeout: float = 10.0) -> None:
        self.node_.stop(timeout)

    def pids(self) -> list[int]:
        p = self.node_.proc
        return [p.pid] if p is not None and p.poll() is None else []

    def status(self) -> dict[str, Any]:
        return self.node_.status()

    def instances(self) -> list[dict[str, Any]]:
        return list(self.status()["instances"])

    def log(self) -> str:
        return self.node_.log()


class KeepalivedDaemon(Daemon):
    """keepalived ``-n -l --vrrp``: a parent and its VRRP child, both measured."""

    impl = "keepalived"

    def __init__(self, lab: Lab, node: Node, tag: str) -> None:
        super().__init__(lab, node, tag)
        d = lab.tmpdir
        self.conf = d / f"{tag}.ka.conf"
        self.pidfile = d / f"{tag}.ka.pid"
        self.vrrp_pidfile = d / f"{tag}.ka.vrrp.pid"
        self.logfile = d / f"{tag}.ka.log"
        self.proc: subprocess.Popen[Any] | None = None

    def start(self, config: str) -> None:
        self.conf.write_text(config)
        for f in (self.pidfile, self.vrrp_pidfile):
            f.unlink(missing_ok=True)
        log = open(self.logfile, "a")  # noqa: SIM115 - owned by the child
        self.proc = self.lab.popen(
            self.node.ns,
            [
                KEEPALIVED,
                "-n",
                "-l",
                "-f",
                str(self.conf),
                "-p",
                str(self.pidfile),
                "-r",
                str(self.vrrp_pidfile),
                "--vrrp",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()

    def _child(self) -> int | None:
        try:
            return int(self.vrrp_pidfile.read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def wait_ready(self, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"keepalived {self.tag} exited:\n{self.log()}")
            child = self._child()
            if child is not None and _alive(child):
                return
            time.sleep(0.05)
        raise TimeoutError(f"keepalived {self.tag} not ready:\n{self.log()}")

    def pids(self) -> list[int]:
        out = []
        if self.proc is not None and self.proc.poll() is None:
            out.append(self.proc.pid)
        child = self._child()
        if child is not None and _alive(child):
            out.append(child)
        return out

    def kill(self) -> None:
        """Silent death: stop the parent (so it cannot respawn the child), kill
        the VRRP child (the adverts stop at once), then the parent."""
        assert self.proc is not None
        child = self._child()
        self.proc.send_signal(signal.SIGSTOP)
        if child is not None:
            _signal(child, signal.SIGKILL)
        self.proc.kill()
        self.proc.wait(5)
        if child is not None:
            _wait_gone(child)

    def term(self, timeout: float = 10.0) -> None:
        assert self.proc is not None
        child = self._child()
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout)
        if child is not None:
            _wait_gone(child)

    def log(self) -> str:
        try:
            return self.logfile.read_text()
        except OSError:
            return ""


def _signal(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)


def _wait_gone(pid: int, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.01)


def make_daemon(impl: str, lab: Lab, node: Node, tag: str | None = None) -> Daemon:
    cls = {"pyvrrp": PyvrrpDaemon, "keepalived": KeepalivedDaemon}[impl]
    return cls(lab, node, tag or f"{impl}-{node.name}")


def wait_until(pred: Callable[[], bool], timeout: float, interval: float = 0.02) -> float:
    start = time.monotonic()
    while True:
        try:
            if pred():
                return time.monotonic() - start
        except (OSError, KeyError, ValueError, subprocess.TimeoutExpired):
            pass  # (an `ip` that hung once for 30 s while 2000 addresses came up)
        if time.monotonic() - start > timeout:
            raise TimeoutError(f"condition not met within {timeout:.1f}s")
        time.sleep(interval)


def keepalived_available() -> bool:
    return Path(KEEPALIVED).exists()


def is_ip(text: str) -> bool:
    try:
        ip_address(text)
    except ValueError:
        return False
    return True

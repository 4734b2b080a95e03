"""keepalived as a peer of pyvrrp inside a lab namespace (interop tests).

:class:`KeepalivedNode` runs the host's ``/usr/sbin/keepalived`` (Debian's
2.2.7 here) with its own config, pid files and log file in the lab's scratch
directory, VRRP subsystem only, in the foreground, logging to its console
(captured to the log file). keepalived forks a VRRP child, so the daemon runs
in a process group of its own and :meth:`kill` / :meth:`stop` signal the whole
group; the lab kills whatever is left in its namespaces at teardown anyway.

It is never started outside a lab namespace: :meth:`start` refuses a node
whose namespace is not one the lab created.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pyvrrp.lab.netns import Lab
from pyvrrp.lab.nodes import kernel_addresses, wait_started
from pyvrrp.lab.topology import Node

KEEPALIVED = "/usr/sbin/keepalived"

# What keepalived 2.2.7 logs when it rejects a received advert (vrrp.c,
# vrrp_in_chk and the receive path; checked against the binary's strings and by
# sending it broken adverts). Any of these about a peer's adverts is an interop
# failure. Config-time warnings are not listed: they are about our config.
REJECT_PATTERNS = (
    r"Invalid VRRPv[23] checksum",
    r"Setting unicast VRRPv3 checksum to old version",
    r"vrrp packet too (short|long)",
    r"packet too short",
    r"wrong version",
    r"invalid TTL/HL",
    r"TTL/HL \d+ not in range",
    r"received a \d+ auth, expecting",
    r"received an invalid passwd",
    r"advertisement interval mismatch",
    r"Invalid packet type",
    r"unexpected ip number count",
    r"expected \d+ VIPs but received",
    r"not present in MASTER advert",
    r"ip_tot_len mismatch",
    r"not a unicast peer",
    r"icast packet but received",
    r"discarding \w+icast packet",
    r"Discarding bogus packet",
    r"[Bb]ad checksum",
)
REJECT_RE = re.compile("|".join(f"(?:{p})" for p in REJECT_PATTERNS))
_STATE_RE = re.compile(r"\((?P<inst>[^)]+)\) Entering (?P<state>MASTER|BACKUP|FAULT) STATE")


def keepalived_available() -> str | None:
    """None if keepalived can be run here, else why not (for pytest.skip)."""
    if not os.access(KEEPALIVED, os.X_OK):
        return f"{KEEPALIVED} not installed (apt-get install keepalived)"
    return None


def keepalived_version() -> str:
    """keepalived's version line, e.g. ``Keepalived v2.2.7 (01/16,2022)``."""
    r = subprocess.run([KEEPALIVED, "--version"], capture_output=True, text=True, timeout=10)
    return (r.stderr or r.stdout).splitlines()[0].strip()


class KeepalivedNode:
    """One keepalived daemon (VRRP only) in one lab namespace."""

    def __init__(self, lab: Lab, node: Node, *, tag: str | None = None) -> None:
        self.lab = lab
        self.node = node
        self.tag = tag or f"ka-{node.name}"
        d = lab.tmpdir
        self.conf = d / f"{self.tag}.conf"
        self.pidfile = d / f"{self.tag}.pid"
        self.vrrp_pidfile = d / f"{self.tag}.vrrp.pid"
        self.logfile = d / f"{self.tag}.log"
        self.proc: subprocess.Popen[Any] | None = None
        self._log_mark = 0

    # -- process ----------------------------------------------------------------

    def start(
        self,
        config: str | None = None,
        *,
        global_defs: Iterable[str] = (),
        detail: bool = True,
    ) -> KeepalivedNode:
        """Start keepalived with ``config`` (keepalived.conf text).

        A ``global_defs`` block naming the node, plus the ``global_defs`` lines
        given, is prepended unless the text has one. ``detail`` adds
        ``--log-detail``.
        """
        reason = keepalived_available()
        if reason:
            raise RuntimeError(reason)
        if self.node.ns not in self.lab.namespaces:
            raise RuntimeError(f"{self.node.ns} is not a namespace of this lab")
        if self.running:
            raise RuntimeError(f"{self.tag} already running")
        if config is not None:
            if "global_defs" not in config:
                lines = [f"router_id {self.tag}", *global_defs]
                head = "global_defs {\n" + "".join(f"    {g}\n" for g in lines) + "}\n"
                config = head + config
            self.conf.write_text(config)
        for f in (self.pidfile, self.vrrp_pidfile):
            with contextlib.suppress(FileNotFoundError):
                f.unlink()
        cmd = [
            KEEPALIVED,
            "--dont-fork",
            "--log-console",
            "--no-syslog",
            "--vrrp",
            "--dont-respawn",
            "--use-file",
            str(self.conf),
            "--pid",
            str(self.pidfile),
            "--vrrp_pid",
            str(self.vrrp_pidfile),
        ]
        if detail:
            cmd.append("--log-detail")
        log = open(self.logfile, "a")  # noqa: SIM115 - owned by the child
        self._log_mark = self.logfile.stat().st_size
        try:
            self.proc = self.lab.popen(
                self.node.ns,
                cmd,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: kill() gets the VRRP child too
            )
        finally:
            log.close()
        self.wait_ready()
        return self

    def wait_ready(self, timeout: float = 10.0) -> None:
        """Until the VRRP child says its startup is complete."""
        wait_started(self, lambda: "Startup complete" in self.log(since_start=True), timeout)

    def _group_pids(self) -> list[int]:
        pids = []
        if self.proc is not None:
            pids.append(self.proc.pid)
        with contextlib.suppress(OSError, ValueError):
            pids.append(int(self.vrrp_pidfile.read_text().split()[0]))
        return pids

    def _signal_group(self, sig: int) -> None:
        assert self.proc is not None
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, sig)
        for pid in self._group_pids():  # in case a child left the group
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, sig)

    def stop(self, timeout: float = 10.0) -> int:
        """SIGTERM: keepalived sends priority 0, drops its VIPs and exits."""
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise
        self._reap_group()
        return rc

    def kill(self) -> None:
        """SIGKILL to parent and VRRP child at once: the Master dies without a word
        (its VIP stays on the interface, as after a crash)."""
        assert self.proc is not None
        self._signal_group(signal.SIGKILL)
        self.proc.wait(5)
        self._reap_group()

    def _reap_group(self, timeout: float = 5.0) -> None:
        """Wait until no process of the group is left (the VRRP child)."""
        assert self.proc is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                os.killpg(self.proc.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.02)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    # -- observation ------------------------------------------------------------

    def log(self, *, since_start: bool = False) -> str:
        """keepalived's console log (all runs, or only the current one)."""
        try:
            with open(self.logfile, errors="replace") as f:
                if since_start:
                    f.seek(self._log_mark)
                return f.read()
        except OSError:
            return ""

    def state(self, name: str = "VI_1") -> str | None:
        """The state keepalived last logged entering for instance ``name`` in
        this run (``MASTER``, ``BACKUP``, ``FAULT``), or None if none yet / not
        running. Prefer :meth:`addresses` for whether it holds the VIP."""
        if not self.running:
            return None
        last = None
        for m in _STATE_RE.finditer(self.log(since_start=True)):
            if m["inst"] == name:
                last = m["state"]
        return last

    def rejections(self) -> list[str]:
        """Log lines (all runs) in which keepalived rejected a received advert."""
        return [line for line in self.log().splitlines() if REJECT_RE.search(line)]

    def addresses(self, ifname: str | None = None) -> set[str]:
        """Addresses on the interface, from the kernel (``ip -j addr``)."""
        return kernel_addresses(self.lab, self.node.ns, ifname or self.node.ifname)

    def link_local(self, ifname: str | None = None) -> str:
        """The interface's IPv6 link-local address (keepalived's IPv6 source)."""
        for a in self.addresses(ifname):
            if a.startswith("fe80:"):
                return a.split("/")[0]
        raise LookupError(f"no link-local address on {self.tag}")


def tshark_available() -> str | None:
    """None if tshark is installed, else why not (for pytest.skip)."""
    return None if shutil.which("tshark") else "tshark not installed (apt-get install tshark)"


def tshark_vrrp(pcap: Path) -> list[dict[str, str]]:
    """The VRRP fields tshark dissects from each VRRP frame of ``pcap``."""
    fields = [
        "ip.version",
        "ip.dsfield",
        "ip.ttl",
        "ipv6.tclass",
        "ipv6.hlim",
        "vrrp.version",
        "vrrp.type",
        "vrrp.virt_rtr_id",
        "vrrp.prio",
        "vrrp.addr_count",
        "vrrp.adver_int",
        "vrrp.short_adver_int",
        "vrrp.auth_type",
        "vrrp.ip_addr",
        "vrrp.ipv6_addr",
        "vrrp.checksum",
        "vrrp.checksum.status",
        "vrrp.auth_string",
        "_ws.expert.message",
        "_ws.malformed",
    ]
    cmd = ["tshark", "-n", "-r", str(pcap), "-Y", "vrrp", "-T", "fields", "-E", "occurrence=a"]
    cmd += ["-E", "separator=\t"]
    for f in fields:
        cmd += ["-e", f]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        raise RuntimeError(f"tshark -r {pcap}: {r.stderr.strip()}")
    rows = []
    for line in r.stdout.splitlines():
        values = line.split("\t")
        rows.append(dict(zip(fields, values + [""] * (len(fields) - len(values)), strict=True)))
    return rows

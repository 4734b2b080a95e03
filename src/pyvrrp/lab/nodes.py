"""pyvrrp daemons (and keepalived peers) running inside lab namespaces.

Used by the lab tests and by ``pyvrrp demo``. Each node writes its config into
the lab's scratch directory, runs ``python -m pyvrrp run`` in its namespace,
and is asked for its state over its control socket; addresses are checked
with the kernel (``ip -j addr``), not with pyvrrp's word.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyvrrp.lab.netns import Lab
from pyvrrp.lab.topology import Node


@dataclass
class HmacBlock:
    keys: dict[int, str]
    active_key: int | None = 1
    mode: str | None = None
    anti_replay: str | None = None
    time_window: int | None = None
    # pyvrrp key lifecycle: words after a key's value, e.g.
    # {2: "send_lifetime 2026-12-01T00:00:00Z infinite"}
    lifetimes: dict[int, str] | None = None
    revoked_keys: tuple[int, ...] = ()
    on_last_key_expiry: str | None = None

    def render(self) -> str:
        lines = ["    auth_hmac {"]
        life = self.lifetimes or {}
        lines += [
            f"        key {k} {v}" + (f" {life[k]}" if k in life else "")
            for k, v in sorted(self.keys.items())
        ]
        if self.active_key is not None:
            lines.append(f"        active_key {self.active_key}")
        if self.revoked_keys:
            lines.append(f"        revoked_keys {' '.join(map(str, self.revoked_keys))}")
        if self.on_last_key_expiry:
            lines.append(f"        on_last_key_expiry {self.on_last_key_expiry}")
        if self.mode:
            lines.append(f"        mode {self.mode}")
        if self.anti_replay:
            lines.append(f"        anti_replay {self.anti_replay}")
        if self.time_window:
            lines.append(f"        time_window {self.time_window}")
        lines.append("    }")
        return "\n".join(lines)


def instance_config(
    *,
    name: str = "VI_1",
    interface: str = "eth0",
    vrid: int = 51,
    priority: int = 100,
    advert_int: float = 1,
    version: int = 3,
    vips: Sequence[str] = ("10.0.1.100/24",),
    state: str | None = None,
    unicast_src: str | None = None,
    peers: Sequence[str] = (),
    hmac: HmacBlock | None = None,
    pass_auth: str | None = None,
    extra: Iterable[str] = (),
) -> str:
    """One ``vrrp_instance`` block in keepalived syntax."""
    out = [f"vrrp_instance {name} {{"]
    if state:
        out.append(f"    state {state}")
    out += [
        f"    interface {interface}",
        f"    virtual_router_id {vrid}",
        f"    priority {priority}",
        f"    advert_int {advert_int:g}",
        f"    version {version}",
    ]
    if unicast_src:
        out.append(f"    unicast_src_ip {unicast_src}")
    if peers:
        out.append("    unicast_peer {")
        out += [f"        {p}" for p in peers]
        out.append("    }")
    if hmac is not None:
        out.append(hmac.render())
    if pass_auth is not None:
        out += [
            "    authentication {",
            "        auth_type PASS",
            f"        auth_pass {pass_auth}",
            "    }",
        ]
    out += [f"    {line}" for line in extra]
    out.append("    virtual_ipaddress {")
    out += [f"        {v}" for v in vips]
    out += ["    }", "}"]
    return "\n".join(out) + "\n"


class PyvrrpNode:
    """One pyvrrp daemon in one lab namespace."""

    def __init__(self, lab: Lab, node: Node, *, tag: str | None = None) -> None:
        self.lab = lab
        self.node = node
        self.tag = tag or node.name
        d = lab.tmpdir
        self.conf = d / f"{self.tag}.conf"
        self.sock = d / f"{self.tag}.sock"
        self.logfile = d / f"{self.tag}.log"
        self.clockfile = d / f"{self.tag}.clock"
        self.proc: subprocess.Popen[Any] | None = None

    # -- process ----------------------------------------------------------------

    def start(
        self,
        config: str | None = None,
        *,
        wait: bool = True,
        args: Sequence[str] = (),
        pythonpath: str | None = None,
        env: dict[str, str] | None = None,
    ) -> PyvrrpNode:
        """Start the daemon (``pythonpath``: run that code tree instead of this
        one; ``env``: more environment)."""
        if config is not None:
            self.conf.write_text(config)
        self.clockfile.write_text("0")
        extra = env or {}
        env = dict(os.environ)
        env.update(extra)
        env["PYTHONPATH"] = pythonpath or os.pathsep.join(p for p in sys.path if p)
        env["PYVRRP_LAB_CLOCK_FILE"] = str(self.clockfile)
        log = open(self.logfile, "a")  # noqa: SIM115 - owned by the child
        self.proc = self.lab.popen(
            self.node.ns,
            [
                sys.executable,
                "-m",
                "pyvrrp",
                "run",
                "-f",
                str(self.conf),
                "--control",
                str(self.sock),
                "--log-level",
                "info",
                *args,
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
        )
        log.close()
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout: float = 10.0) -> None:
        """Until the control socket answers."""

        def answers() -> bool:
            try:
                self.status()
            except OSError:
                return False
            return True

        wait_started(self, answers, timeout)

    def signal(self, sig: int) -> None:
        assert self.proc is not None
        self.proc.send_signal(sig)

    def reload(self, config: str | None = None, *, wait: bool = True) -> None:
        """Write a new config (if given, atomically) and send SIGHUP, as systemd's
        ExecReload; with ``wait``, return once the daemon has tried it."""
        if config is not None:
            tmp = self.conf.with_suffix(".new")
            tmp.write_text(config)
            tmp.replace(self.conf)
        before = self._reload_count() if wait else 0
        self.signal(signal.SIGHUP)
        if wait:
            wait_for(lambda: self._reload_count() > before, 10)

    def _reload_count(self) -> int:
        st = self.status()
        return int(st["reloads"]) + int(st["reload_failures"])

    def stop(self, timeout: float = 10.0) -> int:
        """SIGTERM: a clean shutdown (priority 0, addresses released)."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout)

    def kill(self) -> None:
        """SIGKILL: the Master dies without a word."""
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait(5)

    def set_clock_offset(self, seconds: float) -> None:
        """Skew this node's wall clock (the lab-only clock file)."""
        self.clockfile.write_text(str(seconds))

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def log(self) -> str:
        try:
            return self.logfile.read_text()
        except OSError:
            return ""

    # -- state ------------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        from pyvrrp.daemon.control import request

        return request(str(self.sock), timeout=2.0)

    def instance(self, name: str = "VI_1") -> dict[str, Any]:
        for i in self.status()["instances"]:
            if i["name"] == name:
                return i
        raise KeyError(name)

    def state(self, name: str = "VI_1") -> str:
        return str(self.instance(name)["state"])

    def addresses(self, ifname: str | None = None) -> set[str]:
        """Addresses on the interface, from the kernel (``ip -j addr``)."""
        return kernel_addresses(self.lab, self.node.ns, ifname or self.node.ifname)


def kernel_addresses(lab: Lab, ns: str, ifname: str) -> set[str]:
    """``address/prefix`` of every address on ``ifname`` in ``ns``, from the kernel."""
    out = lab.run(ns, ["ip", "-j", "addr", "show", "dev", ifname]).stdout
    data = json.loads(out or "[]")
    return {f"{a['local']}/{a['prefixlen']}" for link in data for a in link.get("addr_info", [])}


def wait_started(node: Any, ready: Any, timeout: float) -> None:
    """Poll ``ready()`` until true; fail at once, with the node's log, if its
    process exits, and with a timeout after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if node.proc is not None and node.proc.poll() is not None:
            raise RuntimeError(f"{node.tag} exited {node.proc.returncode}:\n{node.log()}")
        if ready():
            return
        time.sleep(0.05)
    raise TimeoutError(f"{node.tag} not ready after {timeout}s:\n{node.log()}")


def wait_for(predicate: Any, timeout: float, interval: float = 0.02) -> float:
    """Poll until ``predicate()`` is true; return the seconds it took."""
    start = time.monotonic()
    while True:
        try:
            if predicate():
                return time.monotonic() - start
        except (OSError, KeyError):
            pass
        if time.monotonic() - start > timeout:
            raise TimeoutError(f"condition not met within {timeout}s")
        time.sleep(interval)


def lab_path() -> Path:
    return Path(__file__).parent


#: An ICMP echo from inside a namespace (no ping binary needed): exit 0 on a reply.
_ECHO = """
import socket, struct, sys, time
dst = sys.argv[1]
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
s.settimeout(0.3)
def csum(b):
    t = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    t = (t >> 16) + (t & 0xFFFF)
    return ~(t + (t >> 16)) & 0xFFFF
for seq in range(4):
    body = struct.pack("!BBHHH", 8, 0, 0, 0x7076, seq) + b"pyvrrp"
    s.sendto(body[:2] + struct.pack("!H", csum(body)) + body[4:], (dst, 0))
    end = time.monotonic() + 0.3
    while time.monotonic() < end:
        try:
            data, (src, _) = s.recvfrom(2048)
        except socket.timeout:
            break
        icmp = data[(data[0] & 0xF) * 4:]
        if src == dst and icmp[0] == 0 and icmp[4:6] == b"\\x70\\x76":
            sys.exit(0)
sys.exit(1)
"""


def icmp_echo(lab: Lab, ns: str, addr: str) -> bool:
    """True if ``addr`` answers an ICMP echo sent from namespace ``ns``."""
    r = lab.run(ns, [sys.executable, "-c", _ECHO, addr], check=False)
    return r.returncode == 0

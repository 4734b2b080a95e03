"""Forged-advert flood: up to which rate does the group hold?

Three namespaces on one bridge: the Master ``n0`` (priority 200), the Backup
``n1`` (priority 100) and an attacker ``n2``; VRRPv3, IPv4 multicast,
advert_int 1 s. The attacker sends forged adverts at increasing rates (each
step bounded in time and count), spoofing the lab addresses only:

* pyvrrp with auth_hmac: adverts signed with a wrong key, half spoofing the
  Master with priority 0 (accepted, they would make the Backup take over
  after Skew_Time), half from a third address with priority 255 (accepted,
  they would make the Master step down). All must be rejected (bad_hmac).
* keepalived without authentication (the reference point): adverts spoofing
  the Master's address with its own priority, so the Backup must process
  every one of them as a real advert.

After each step: did the Master keep its role and the Backup make no
transition (*holds*: how often pyvrrp's Backup put off a takeover because its
socket was losing packets, ``VirtualRouter._hold``; status counters and the
kernel's addresses for pyvrrp; log lines and addresses for keepalived)? What
did the receiver count against what was sent, and what did its raw socket drop
(``/proc/net/raw``)? The highest rate held is printed; nothing passes or fails.

``python bench/flood.py`` (steps up to the attacker's maximum, 5 s each);
``--quick`` (three 1 s steps).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sys
import time
from dataclasses import dataclass
from ipaddress import ip_address
from pathlib import Path

from _common import (
    Daemon,
    Lab,
    PyvrrpDaemon,
    header,
    keepalived_available,
    load_note,
    make_daemon,
    wait_until,
)

from pyvrrp.auth.hmac_auth import HmacAuth, HmacSettings
from pyvrrp.auth.keys import Secret
from pyvrrp.lab.nodes import HmacBlock, instance_config
from pyvrrp.lab.topology import one_segment
from pyvrrp.wire import Advert, build_ipv4_header, encode
from pyvrrp.wire.vrrp import ChecksumStyle

VIP = "10.0.1.100/24"
VRID = 51
KEY = "hex:" + "42" * 32
GROUP = ip_address("224.0.0.18")
DEFAULT_RATES = "1000,5000,10000,20000,50000,0"  # 0: as fast as the attacker can


@dataclass
class Step:
    target: int
    sent: int
    seconds: float
    received: int | None
    rejected: int | None
    socket_drops: int
    master_kept: bool
    backup_transitions: int
    master_transitions: int
    holds: int | None = None  # takeovers the Backup held while packets were lost

    @property
    def rate(self) -> float:
        return self.sent / self.seconds if self.seconds else 0.0

    @property
    def held(self) -> bool:
        return self.master_kept and self.backup_transitions == 0 and self.master_transitions == 0


# -- the attacker ---------------------------------------------------------------


def forged_payloads(impl: str, master_ip: str, count: int = 64) -> list[tuple[str, bytes]]:
    """(source, VRRP payload) pairs with valid checksums."""
    vip = (ip_address(VIP.split("/")[0]),)
    out: list[tuple[str, bytes]] = []
    if impl == "keepalived":
        src = ip_address(master_ip)
        adv = Advert(3, 4, VRID, 200, 100, vip)
        out.append((master_ip, encode(adv, src=src, dst=GROUP, style=ChecksumStyle.V3_PSEUDO)))
        return out
    wrong = HmacAuth(
        HmacSettings(keys={1: Secret(b"\x66" * 32)}, active_key=1), family=4, version=3, vrid=VRID
    )
    third = "10.0.1.77"
    for i in range(count):
        s, prio = (master_ip, 0) if i % 2 == 0 else (third, 255)
        src = ip_address(s)
        adv = Advert(3, 4, VRID, prio, 100, vip)
        pdu = encode(adv, style=ChecksumStyle.MESSAGE)
        trailer = wrong.sign(pdu, src, time.time_ns())
        out.append(
            (s, encode(adv, src=src, dst=GROUP, trailer=trailer, style=ChecksumStyle.V3_PSEUDO))
        )
    return out


def sender_main(path: str, rate: int, duration: float, limit: int) -> int:
    """Run in the attacker's namespace: send the packets of ``path`` round-robin
    at ``rate`` per second (0: flat out) for ``duration`` s or ``limit`` packets."""
    lines = Path(path).read_text().split()
    packets = []
    for line in lines:
        s, hexpayload = line.split(",")
        payload = bytes.fromhex(hexpayload)
        src = ip_address(s)
        packets.append(build_ipv4_header(src, GROUP, len(payload), ttl=255) + payload)  # type: ignore[arg-type]
    sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, b"eth0")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
    dst = (str(GROUP), 0)
    n, sent, failed = len(packets), 0, 0
    send = sock.sendto
    t0 = time.perf_counter()
    while sent < limit:
        elapsed = time.perf_counter() - t0
        if elapsed >= duration:
            break
        due = min(limit, int(rate * elapsed) + 1) if rate else sent + 64
        if due <= sent:
            time.sleep(min(0.0005, (sent + 1) / rate - elapsed))
            continue
        for _ in range(min(due - sent, 256)):
            try:
                send(packets[sent % n], dst)
            except OSError:
                failed += 1
            sent += 1
    elapsed = time.perf_counter() - t0
    print(json.dumps({"sent": sent - failed, "failed": failed, "seconds": elapsed}))
    return 0


# -- the receivers ---------------------------------------------------------------------


def raw_drops(lab: Lab, ns: str) -> int:
    """Sum of the 'drops' column of the raw sockets of ``ns``."""
    out = lab.run(ns, ["cat", "/proc/net/raw"]).stdout.splitlines()[1:]
    return sum(int(line.split()[-1]) for line in out if line.split())


def transitions(d: Daemon) -> int:
    if isinstance(d, PyvrrpDaemon):
        return int(d.instances()[0]["transitions"])
    return d.log().count("Entering ")


def holds(d: Daemon) -> int | None:
    """Takeovers the Backup held because its socket was losing packets (pyvrrp)."""
    if isinstance(d, PyvrrpDaemon):
        return int(d.instances()[0].get("takeovers_held", 0))
    return None


def counters(d: Daemon) -> tuple[int | None, int | None]:
    """(adverts the instance saw, adverts it rejected) where the daemon says."""
    if isinstance(d, PyvrrpDaemon):
        i = d.instances()[0]
        auth = i["auth"]
        rejected = sum(v for k, v in auth.items() if k not in ("ok", "missing"))
        return rejected + int(i["adverts_received"]), rejected
    return None, None


def run_impl(impl: str, rates: list[int], seconds: float, limit: int) -> list[Step]:
    base = "pyvrrp" if impl.startswith("pyvrrp") else impl
    steps: list[Step] = []
    with Lab() as lab:
        seg = one_segment(lab, 3)
        n0, n1, n2 = seg.nodes
        hmac = HmacBlock({1: KEY}) if impl == "pyvrrp+hmac" else None
        master = make_daemon(base, lab, n0, f"{impl}-n0")
        backup = make_daemon(base, lab, n1, f"{impl}-n1")
        master.start(instance_config(vrid=VRID, priority=200, vips=(VIP,), hmac=hmac))
        backup.start(instance_config(vrid=VRID, priority=100, vips=(VIP,), hmac=hmac))
        master.wait_ready()
        backup.wait_ready()
        wait_until(lambda: master.has(VIP) and not backup.has(VIP), 15, 0.1)
        time.sleep(3)  # the Backup has heard the Master; keepalived's startup settled
        pfile = lab.tmpdir / f"{impl}-payloads.txt"
        pays = forged_payloads(impl, str(n0.ipv4.ip))
        pfile.write_text("\n".join(f"{s},{p.hex()}" for s, p in pays))
        for rate in rates:
            t_m, t_b = transitions(master), transitions(backup)
            seen0, rej0 = counters(backup)
            holds0 = holds(backup)
            drops0 = raw_drops(lab, n1.ns)
            pypath = os.pathsep.join(p for p in sys.path if p)
            r = lab.run(
                n2.ns,
                [
                    "env",
                    f"PYTHONPATH={pypath}",
                    sys.executable,
                    str(Path(__file__).resolve()),
                    "--sender",
                    str(pfile),
                    str(rate),
                    str(seconds),
                    str(limit),
                ],
                timeout=seconds + 30,
            )
            res = json.loads(r.stdout.strip().splitlines()[-1])
            time.sleep(1.5)  # anything provoked has had time to show
            seen1, rej1 = counters(backup)
            holds1 = holds(backup)
            kept = master.has(VIP) and not backup.has(VIP)
            step = Step(
                rate,
                int(res["sent"]),
                float(res["seconds"]),
                None if seen0 is None or seen1 is None else seen1 - seen0,
                None if rej0 is None or rej1 is None else rej1 - rej0,
                raw_drops(lab, n1.ns) - drops0,
                kept,
                transitions(backup) - t_b,
                transitions(master) - t_m,
                None if holds0 is None or holds1 is None else holds1 - holds0,
            )
            steps.append(step)
            print(
                f"  {impl:12s} target {rate or 'max':>6}/s sent {step.rate:9.0f}/s"
                f" held {step.held}",
                file=sys.stderr,
                flush=True,
            )
            if not step.held:
                break
    return steps


def verdict(s: Step) -> str:
    if s.held:
        return "yes"
    return (
        f"NO (master kept {s.master_kept}, transitions:"
        f" backup {s.backup_transitions}, master {s.master_transitions})"
    )


def main(argv: list[str] | None = None) -> int:
    if argv is None and len(sys.argv) > 1 and sys.argv[1] == "--sender":
        path, rate, seconds, limit = sys.argv[2:6]
        return sender_main(path, int(rate), float(seconds), int(limit))
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument(
        "--rates",
        default=DEFAULT_RATES,
        help=f"packets per second per step, 0 = flat out (default {DEFAULT_RATES})",
    )
    p.add_argument("--seconds", type=float, default=5.0, help="length of a step (default 5)")
    p.add_argument(
        "--limit", type=int, default=1_000_000, help="most packets in a step (default 1e6)"
    )
    p.add_argument(
        "--impl",
        default="pyvrrp+hmac,keepalived",
        help="comma-separated: pyvrrp+hmac, keepalived (default both)",
    )
    p.add_argument("--quick", action="store_true", help="steps 1000,10000,max of 1 s")
    a = p.parse_args(argv)
    rates = [1000, 10000, 0] if a.quick else [int(x) for x in a.rates.split(",")]
    seconds = 1.0 if a.quick else a.seconds
    impls = [i for i in a.impl.split(",") if i]
    if "keepalived" in impls and not keepalived_available():
        print("# keepalived not installed: skipped", file=sys.stderr)
        impls.remove("keepalived")
    header("forged-advert flood: Master keeps its role, Backup makes no transition")
    results = {impl: run_impl(impl, rates, seconds, a.limit) for impl in impls}
    print(f"# measured with {load_note()}")
    print(
        f"{'impl':12s} {'target/s':>8s} {'sent/s':>8s} {'sent':>8s} {'seen':>8s}"
        f" {'rejected':>8s} {'sockdrop':>8s} {'holds':>5s} held"
    )
    for impl, steps in results.items():
        for s in steps:
            print(
                f"{impl:12s} {s.target or 'max':>8} {s.rate:8.0f} {s.sent:8d}"
                f" {'-' if s.received is None else s.received:>8} "
                f"{'-' if s.rejected is None else s.rejected:>8} {s.socket_drops:8d}"
                f" {'-' if s.holds is None else s.holds:>5} {verdict(s)}"
            )
        held = [s.rate for s in steps if s.held]
        print(
            f"# {impl}: highest rate held {max(held):.0f}/s"
            if held
            else f"# {impl}: did not hold at the lowest rate"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

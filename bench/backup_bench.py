"""CPU per advert of a pyvrrp Backup daemon, all of it: the wake-up, the socket,
the demultiplexing, the receive path, the timer heap.

``scale.py`` measures the same thing in real time (one advert per instance a
second from a real Master), where a 30 s window holds about 1.5 s of CPU and
the figure moves by 20 % between runs. Here the Master is replaced by raw
sockets in the lab sending the Master's adverts, one burst of one advert per
instance at a time (as a Master whose timers fire together sends them), many
bursts in a row: the Backup's CPU (``/proc/PID/task/*/schedstat``) divided by
the adverts it counted is steady to a few percent.

    .venv/bin/python bench/backup_bench.py                # 1000 instances
    .venv/bin/python bench/backup_bench.py --count 250 --hmac

Prints microseconds of CPU per advert and the CPU share this would be at one
advert per instance a second (advert_int 1). Never fails on time.
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import time
from ipaddress import IPv4Address
from pathlib import Path

from _common import (
    Lab,
    PyvrrpDaemon,
    header,
    load_note,
    pids_sched_seconds,
    wait_until,
)
from scale import KEY, PER_IFACE, build, config, vip, vip_count

from pyvrrp.auth.hmac_auth import HmacAuth, HmacSettings
from pyvrrp.auth.keys import Secret
from pyvrrp.lab.netns import inside
from pyvrrp.wire import Advert, build_ipv4_header, encode, encode_pdu

GROUP = IPv4Address("224.0.0.18")


class Bursts:
    """Bursts of one advert (interface index, IPv4 packet) per instance, from
    the Master's address on each interface at priority 200. Unsigned bursts
    are built once; signed ones just before they are sent (the trailer's
    sequence follows the clock, and auth_hmac refuses stale ones)."""

    def __init__(self, count: int, signed: bool) -> None:
        self.items = []
        for n in range(count):
            k, vrid = divmod(n, PER_IFACE)
            vrid += 1
            src = IPv4Address(f"10.0.{k + 1}.1")
            advert = Advert(3, 4, vrid, 200, 100, (IPv4Address(vip(k, vrid).split("/")[0]),))
            auth = None
            if signed:
                auth = HmacAuth(
                    HmacSettings(keys={1: Secret(bytes.fromhex(KEY[4:]))}, active_key=1),
                    family=4,
                    version=3,
                    vrid=vrid,
                )
            self.items.append((k, src, advert, bytes(encode_pdu(advert)), auth))
        self.plain = None if signed else self._build()

    def _build(self) -> list[tuple[int, bytes]]:
        now = time.time_ns()
        burst = []
        for k, src, advert, pdu, auth in self.items:
            trailer = auth.sign(pdu, src, now) if auth is not None else None
            payload = encode(advert, src=src, dst=GROUP, trailer=trailer)
            burst.append((k, build_ipv4_header(src, GROUP, len(payload)) + payload))
        return burst

    def next(self) -> list[tuple[int, bytes]]:
        return self.plain if self.plain is not None else self._build()


def received(d: PyvrrpDaemon) -> int:
    """Adverts the Backup's instances counted (its status)."""
    return sum(int(i["adverts_received"]) for i in d.instances())


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--count", type=int, default=1000, help="instances (default 1000)")
    p.add_argument("--rounds", type=int, default=60, help="bursts (default 60)")
    p.add_argument("--gap", type=float, default=0.05, help="seconds between bursts (0.05)")
    p.add_argument("--hmac", action="store_true", help="auth_hmac on both sides")
    p.add_argument("--repeat", type=int, default=3, help="measurements (default 3)")
    p.add_argument("--profile", metavar="FILE", help="py-spy collapsed stacks of the Backup")
    p.add_argument("--quick", action="store_true", help="250 instances, 20 rounds, once")
    a = p.parse_args(argv)
    if a.quick:
        a.count, a.rounds, a.repeat = 250, 20, 1
    impl = "pyvrrp+hmac" if a.hmac else "pyvrrp"
    ifaces = max(1, -(-a.count // PER_IFACE))
    header(f"backup: CPU per advert of a pyvrrp Backup, {a.count} instances, {impl}")
    packets = Bursts(a.count, a.hmac)
    with Lab() as lab:
        m_node, b_node = build(lab, ifaces)
        backup = PyvrrpDaemon(lab, b_node, f"{impl}-b")
        backup.start(config(impl, a.count, 100, 3))
        backup.wait_ready(60)
        socks = []
        with inside(m_node.ns):
            for k in range(ifaces):
                s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
                s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, f"eth{k}".encode())
                socks.append(s)

        def send(burst: list[tuple[int, bytes]]) -> None:
            for k, pkt in burst:
                socks[k].sendto(pkt, (str(GROUP), 0))

        for _ in range(5):  # the Backup learns its Master
            send(packets.next())
            time.sleep(a.gap)
        wait_until(lambda: vip_count(backup) == 0, 10, 0.1)
        results = []
        spy = None
        if a.profile:
            secs = a.repeat * (a.rounds * a.gap + 1)
            spy_args = ["record", "--format", "raw", "-o", a.profile, "-r", "500"]
            spy_args += ["--pid", str(backup.pids()[0]), "-d", str(int(secs) + 1), "--nonblocking"]
            spy = subprocess.Popen(
                [str(Path(sys.executable).parent / "py-spy"), *spy_args],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            time.sleep(1)
        for _ in range(a.repeat):
            time.sleep(0.5)
            n0 = received(backup)
            c0 = pids_sched_seconds(backup.pids())
            for _ in range(a.rounds):
                send(packets.next())
                time.sleep(a.gap)
            time.sleep(0.3)
            c1 = pids_sched_seconds(backup.pids())
            n1 = received(backup)
            results.append(((c1 - c0) * 1e6, n1 - n0))
        for s in socks:
            s.close()
        if spy is not None:
            spy.wait()
        held = vip_count(backup) == 0
    print(f"# measured with {load_note()}")
    for cpu_us, n in results:
        per = cpu_us / max(n, 1)
        print(
            f"{impl:12s} {a.count:5d} instances: {n:7d} adverts, {per:6.1f} µs CPU each"
            f" = {per * a.count / 1e4:5.2f} % of a core at advert_int 1"
        )
    best = min(c / max(n, 1) for c, n in results)
    print(f"best: {best:.1f} µs per advert{'' if held else '  (the Backup TOOK OVER)'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

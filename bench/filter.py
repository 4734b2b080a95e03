"""What a forged-advert flood from a non-peer costs a unicast pyvrrp node,
with its sockets' BPF filter and without (``PYVRRP_NO_BPF=1``).

Three namespaces on one bridge: the Master ``n0`` and the Backup ``n1``
(unicast peers of each other, no auth_hmac) and an attacker ``n2`` sending
VRRPv3 adverts for the group's VRID at priority 255 from its own address,
as fast as one raw socket goes, for ``--seconds``. Measured on the Master:
its CPU (utime + stime of the process over the flood), the forged adverts
that reached Python (its not_a_peer drops) and what its socket's queue
dropped (the kernel's count), against the attacker's rate. Prints a table;
never fails on time. ``python bench/filter.py [--seconds 5]``.
"""

from __future__ import annotations

import argparse
import sys
import time

from _common import Lab, header, load_note, pids_cpu_seconds

from pyvrrp.lab.nodes import PyvrrpNode, instance_config, wait_for
from pyvrrp.lab.topology import one_segment

FLOOD = """
import socket, sys, time
from ipaddress import IPv4Address
from pyvrrp.wire import Advert, encode, build_ipv4_header
src, dst = IPv4Address("10.0.1.3"), IPv4Address(sys.argv[1])
adv = encode(Advert(version=3, family=4, vrid=51, priority=255, interval_cs=100,
             addresses=(IPv4Address("10.0.1.100"),)), src=src, dst=dst)
pkt = build_ipv4_header(src, dst, len(adv), ttl=255) + adv
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
n, end = 0, time.monotonic() + float(sys.argv[2])
while time.monotonic() < end:
    for _ in range(200):
        try:
            s.sendto(pkt, (sys.argv[1], 0)); n += 1
        except OSError:
            pass
print(n)
"""


def _conf(me: str, peer: str, priority: int) -> str:
    return instance_config(priority=priority, advert_int=1, unicast_src=me, peers=(peer,))


def one(bpf: bool, seconds: float) -> dict[str, float]:
    lab = Lab()
    try:
        seg = one_segment(lab, 3)
        env = {} if bpf else {"PYVRRP_NO_BPF": "1"}
        a, b = PyvrrpNode(lab, seg.nodes[0]), PyvrrpNode(lab, seg.nodes[1])
        b.start(_conf("10.0.1.2", "10.0.1.1", 100), env=env)
        a.start(_conf("10.0.1.1", "10.0.1.2", 200), env=env)
        wait_for(lambda: a.state() == "MASTER" and b.state() == "BACKUP", 15)
        time.sleep(1.0)
        assert a.proc is not None
        pid = a.proc.pid
        seen0 = a.instance()["drops"].get("not_a_peer", 0)
        cpu0, t0 = pids_cpu_seconds([pid]), time.monotonic()
        out = lab.run(
            seg.nodes[2].ns,
            [sys.executable, "-c", FLOOD, "10.0.1.1", str(seconds)],
            timeout=seconds + 60,
        ).stdout
        cpu1, t1 = pids_cpu_seconds([pid]), time.monotonic()
        sent = int(out.strip().splitlines()[-1])
        (sock,) = a.status()["sockets"]
        return {
            "rate": sent / seconds,
            "cpu": 100 * (cpu1 - cpu0) / (t1 - t0),
            "python": a.instance()["drops"].get("not_a_peer", 0) - seen0,
            "queue_drops": sock["kernel_drops"],
            "sent": sent,
            "held": float(a.state() == "MASTER" and b.state() == "BACKUP"),
        }
    finally:
        lab.close()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--seconds", type=float, default=5.0)
    p.add_argument("--quick", action="store_true", help="2 s floods")
    a = p.parse_args(argv)
    seconds = 2.0 if a.quick else a.seconds
    header("a non-peer's flood against a unicast Master: with and without the BPF filter")
    print(f"# measured with {load_note()}; {seconds:g} s flood from one raw socket")
    print(f"{'filter':8s} {'flood/s':>9s} {'Master CPU':>11s} {'reached Python':>15s} "
          f"{'queue drops':>12s} {'roles held':>11s}")  # fmt: skip
    for bpf in (True, False):
        r = one(bpf, seconds)
        print(
            f"{'BPF' if bpf else 'none':8s} {r['rate']:>9.0f} {r['cpu']:>10.1f}% "
            f"{int(r['python']):>8d} / {int(r['sent']):<7d}{int(r['queue_drops']):>9d} "
            f"{'yes' if r['held'] else 'NO':>11s}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

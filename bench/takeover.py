"""Takeover latency of pyvrrp and keepalived, from captured packet timestamps.

Two nodes of the same implementation on one bridge (``one_segment``), VRRPv3
over IPv4 multicast, both priority 100 (the tie goes to the higher address, so
a restarted node rejoins as Backup and the roles simply alternate). tcpdump
runs on the bridge in the switch namespace. Per trial:

* kill: SIGKILL the Master at a random phase of its advert cycle. Overhead =
  (first advert of the new Master) - (last advert of the old one) -
  Master_Down_Interval of the Backup (3 x Master_Adver_Interval + Skew_Time).
* clean: SIGTERM the Master. Overhead = (first advert of the new Master) -
  (the old Master's priority-0 advert) - Skew_Time.

Prints median and p95 per implementation and advert interval; never fails on
time. ``python bench/takeover.py --trials 20`` (default), ``--quick`` for 3.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from dataclasses import dataclass, field

from _common import (
    Daemon,
    Lab,
    adverts,
    header,
    keepalived_available,
    load_note,
    make_daemon,
    master_down_interval,
    skew_time,
    summary_ms,
    wait_until,
)

from pyvrrp.lab.nodes import HmacBlock, instance_config
from pyvrrp.lab.topology import one_segment

VIP = "10.0.1.100/24"
PRIORITY = 100
VRID = 51
KEY = "hex:" + "42" * 32


@dataclass
class Result:
    impl: str
    adv: float
    kill: list[float] = field(default_factory=list)
    clean: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def config(impl: str, adv: float) -> str:
    hmac = HmacBlock({1: KEY}) if impl == "pyvrrp+hmac" else None
    return instance_config(
        vrid=VRID, priority=PRIORITY, advert_int=adv, version=3, vips=(VIP,), hmac=hmac
    )


def master_of(nodes: list[Daemon]) -> int | None:
    holders = [i for i, n in enumerate(nodes) if n.running and n.has(VIP)]
    return holders[0] if len(holders) == 1 else None


def settle(nodes: list[Daemon], adv: float, timeout: float) -> int:
    """Wait for exactly one address holder, then a few adverts more so the Backup
    has learned the Master's interval; return the Master's index."""
    wait_until(lambda: master_of(nodes) is not None, timeout, 0.05)
    time.sleep(3 * adv + 0.3)
    m = master_of(nodes)
    if m is None:
        raise RuntimeError("no single Master after settling")
    return m


def one_trial(lab: Lab, sw: str, nodes: list[Daemon], conf: str, adv: float, how: str) -> float:
    """One takeover; returns the overhead in seconds."""
    m = settle(nodes, adv, 10 + 6 * adv)
    old, new = nodes[m], nodes[1 - m]
    old_ip, new_ip = str(old.node.ipv4.ip), str(new.node.ipv4.ip)
    cap = lab.capture(sw, "br0", "ip proto 112")
    time.sleep(random.uniform(adv, 2 * adv))  # random phase of the advert cycle
    if how == "kill":
        old.kill()
    else:
        old.term()
    wait_until(lambda: new.has(VIP), 10 + 6 * adv, 0.005)
    path = cap.stop(settle=0.1)
    ads = [a for a in adverts(path) if a.vrid == VRID]
    old_ads = [a for a in ads if a.src == old_ip]
    if not old_ads:
        raise RuntimeError("no advert of the old Master captured")
    last = old_ads[-1]
    if how == "clean" and last.priority != 0:
        raise RuntimeError(f"last advert of the old Master has priority {last.priority}, not 0")
    first_new = next((a for a in ads if a.src == new_ip and a.ts > last.ts), None)
    if first_new is None:
        raise RuntimeError("no advert of the new Master captured")
    theory = (
        master_down_interval(3, PRIORITY, adv) if how == "kill" else skew_time(3, PRIORITY, adv)
    )
    # Restart the old node: with equal priorities it rejoins as Backup if its
    # address is lower, else it takes the role back; settle() waits either out.
    old.start(conf)
    old.wait_ready()
    return first_new.ts - last.ts - theory


def run_impl(impl: str, adv: float, trials: int) -> Result:
    res = Result(impl, adv)
    base = "pyvrrp" if impl.startswith("pyvrrp") else impl
    with Lab() as lab:
        seg = one_segment(lab, 2)
        nodes = [make_daemon(base, lab, n, f"{impl}-{n.name}") for n in seg.nodes]
        conf = config(impl, adv)
        for n in nodes:
            n.start(conf)
        for n in nodes:
            n.wait_ready()
        for i in range(trials):
            for how in ("kill", "clean"):
                try:
                    v = one_trial(lab, seg.switch, nodes, conf, adv, how)
                    (res.kill if how == "kill" else res.clean).append(v)
                except (RuntimeError, TimeoutError) as exc:
                    res.errors.append(f"trial {i} {how}: {exc}")
                    # Get back to two running nodes and carry on.
                    for n in nodes:
                        if not n.running:
                            n.start(conf)
                            n.wait_ready()
            print(
                f"  {impl:12s} adv {adv:g}s trial {i + 1}/{trials}"
                f"  kill {_last_ms(res.kill)}  clean {_last_ms(res.clean)}",
                file=sys.stderr,
                flush=True,
            )
    return res


def _last_ms(values: list[float]) -> str:
    return f"{values[-1] * 1000:7.2f} ms" if values else "      -"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--trials", type=int, default=20, help="trials per case (default 20)")
    p.add_argument("--quick", action="store_true", help="3 trials per case")
    p.add_argument(
        "--intervals", default="1,0.1", help="advert intervals in seconds (default 1,0.1)"
    )
    p.add_argument(
        "--impl",
        default="pyvrrp,keepalived",
        help="comma-separated: pyvrrp, pyvrrp+hmac, keepalived (default pyvrrp,keepalived)",
    )
    a = p.parse_args(argv)
    trials = 3 if a.quick else a.trials
    impls = [i for i in a.impl.split(",") if i]
    if "keepalived" in impls and not keepalived_available():
        print("# keepalived not installed: skipped", file=sys.stderr)
        impls.remove("keepalived")
    header("takeover latency: overhead above the theoretical interval (from pcap timestamps)")
    results = []
    for adv in (float(x) for x in a.intervals.split(",")):
        for impl in impls:
            results.append(run_impl(impl, adv, trials))
    print(f"# measured with {load_note()}")
    print(f"{'impl':12s} {'advert':>6s} {'case':12s} overhead")
    for r in results:
        print(f"{r.impl:12s} {r.adv:5g}s {'kill-MDI':12s} {summary_ms(r.kill)}")
        print(f"{r.impl:12s} {r.adv:5g}s {'prio0-Skew':12s} {summary_ms(r.clean)}")
        for e in r.errors:
            print(f"#   {r.impl} {r.adv:g}s error: {e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""CPU and memory per node at 1, 250 and 1000 VRRP instances, pyvrrp vs keepalived.

Two nodes (Master priority 200, Backup priority 100) joined by four bridges
(``eth0``..``eth3`` on ``10.0.{1..4}.0/24``); N instances at advert_int 1 s,
VRIDs 1..250 per interface (250 on ``eth0`` alone, 1000 over all four). Once
the election has settled (the Master holds every address, the Backup none,
then a few seconds more for keepalived's delayed gratuitous ARPs), CPU is
read from ``/proc/PID/stat`` (utime + stime of every process of the daemon,
all threads) over a window, and resident memory from ``VmRSS``.

Prints % of one core and MiB per node and role, and pyvrrp / keepalived
ratios; never fails on time. ``--profile`` records a py-spy profile of
the pyvrrp Master (or ``--profile-role backup``) at the largest size (needs py-spy).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from ipaddress import IPv4Interface, IPv6Interface
from pathlib import Path

from _common import (
    Daemon,
    Lab,
    header,
    keepalived_available,
    load_note,
    make_daemon,
    pids_cpu_seconds,
    pids_rss_kib,
    pids_sched_seconds,
    wait_until,
)

from pyvrrp.lab.nodes import HmacBlock, instance_config
from pyvrrp.lab.topology import Node

KEY = "hex:" + "42" * 32
PER_IFACE = 250


@dataclass
class Sample:
    impl: str
    count: int
    role: str
    cpu_pct: float
    sched_pct: float
    rss_mib: float
    procs: int


def build(lab: Lab, ifaces: int) -> tuple[Node, Node]:
    """Two nodes joined by ``ifaces`` bridges in one switch namespace."""
    sw = lab.add_ns("sw")
    nodes = []
    for i, name in enumerate(("m", "b")):
        ns = lab.add_ns(name)
        for k in range(ifaces):
            if i == 0:
                lab.bridge(sw, f"br{k}")
            lab.attach(ns, f"eth{k}", sw, f"br{k}")
            lab.addr(ns, f"eth{k}", f"10.0.{k + 1}.{i + 1}/24")
        nodes.append(
            Node(name, ns, "eth0", IPv4Interface(f"10.0.1.{i + 1}/24"), IPv6Interface("::1/128"))
        )
    return nodes[0], nodes[1]


def vip(k: int, vrid: int) -> str:
    return f"10.{10 + k}.0.{vrid}/32"


def config(impl: str, count: int, priority: int, version: int) -> str:
    hmac = HmacBlock({1: KEY}) if impl == "pyvrrp+hmac" else None
    blocks = []
    for n in range(count):
        k, vrid = divmod(n, PER_IFACE)
        vrid += 1
        blocks.append(
            instance_config(
                name=f"VI_{k}_{vrid}",
                interface=f"eth{k}",
                vrid=vrid,
                priority=priority,
                advert_int=1,
                version=version,
                vips=(vip(k, vrid),),
                hmac=hmac,
            )
        )
    return "".join(blocks)


def vip_count(d: Daemon) -> int:
    """The virtual addresses held (10.10.0.x ... 10.25.0.x; not the 10.0.k.i bases)."""
    return sum(1 for a in d.addresses() if a.startswith("10.") and not a.startswith("10.0."))


def measure(
    impl: str,
    count: int,
    window: float,
    version: int,
    profile: str | None,
    profile_role: str = "master",
) -> list[Sample]:
    ifaces = max(1, -(-count // PER_IFACE))
    base = "pyvrrp" if impl.startswith("pyvrrp") else impl
    with Lab() as lab:
        m_node, b_node = build(lab, ifaces)
        master = make_daemon(base, lab, m_node, f"{impl}-m")
        backup = make_daemon(base, lab, b_node, f"{impl}-b")
        master.start(config(impl, count, 200, version))
        backup.start(config(impl, count, 100, version))
        master.wait_ready(60)
        backup.wait_ready(60)
        t0 = time.monotonic()
        wait_until(lambda: vip_count(master) == count and vip_count(backup) == 0, 120, 0.5)
        settled = time.monotonic() - t0
        time.sleep(7)  # keepalived's second gratuitous ARP burst is 5 s after
        prof = None
        if profile and base == "pyvrrp":
            prof = start_profile(master if profile_role == "master" else backup, profile, window)
        ds = (master, backup)
        c0 = {d: pids_cpu_seconds(d.pids()) for d in ds}
        s0 = {d: pids_sched_seconds(d.pids()) for d in ds}
        t = time.monotonic()
        time.sleep(window)
        dt = time.monotonic() - t
        c1 = {d: pids_cpu_seconds(d.pids()) for d in ds}
        s1 = {d: pids_sched_seconds(d.pids()) for d in ds}
        if prof is not None:
            prof.wait(window + 30)
            print(
                f"# py-spy profile of the {impl} {profile_role} at {count}: {profile}",
                file=sys.stderr,
            )
        out = []
        for role, d in (("master", master), ("backup", backup)):
            out.append(
                Sample(
                    impl,
                    count,
                    role,
                    100 * (c1[d] - c0[d]) / dt,
                    100 * (s1[d] - s0[d]) / dt,
                    pids_rss_kib(d.pids()) / 1024,
                    len(d.pids()),
                )
            )
        still = vip_count(master) == count and vip_count(backup) == 0
        print(
            f"  {impl:12s} {count:5d}: settled in {settled:.1f}s;"
            f" master {out[0].cpu_pct:.2f}%  backup {out[1].cpu_pct:.2f}%"
            f"{'' if still else '  (ROLES CHANGED during the window)'}",
            file=sys.stderr,
            flush=True,
        )
        return out


def start_profile(d: Daemon, path: str, window: float) -> subprocess.Popen[bytes] | None:
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(spy).exists():
        print("# py-spy not installed: no profile", file=sys.stderr)
        return None
    pid = d.pids()[0]
    fmt = ["--format", "raw"] if not path.endswith(".svg") else []
    return subprocess.Popen(
        [spy, "record", "-o", path, "--pid", str(pid), "-d", str(int(window)), "-r", "200", *fmt],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--counts", default="1,250,1000", help="instance counts (default 1,250,1000)")
    p.add_argument("--window", type=float, default=15.0, help="CPU window, seconds (default 15)")
    p.add_argument(
        "--impl",
        default="pyvrrp,pyvrrp+hmac,keepalived",
        help="comma-separated: pyvrrp, pyvrrp+hmac, keepalived",
    )
    p.add_argument("--version", type=int, default=3, choices=(2, 3), help="VRRP version (3)")
    p.add_argument(
        "--profile",
        metavar="FILE",
        help="py-spy profile of a pyvrrp node: a flame graph if FILE ends in .svg,\n"
        "else collapsed stacks (py-spy --format raw)",
    )
    p.add_argument(
        "--profile-role", choices=("master", "backup"), default="master", help="(master)"
    )
    p.add_argument("--quick", action="store_true", help="counts 1,50; 3 s window")
    p.add_argument(
        "--chart",
        metavar="PNG",
        help="draw CPU and RSS against the instance count (needs matplotlib: .[bench])",
    )
    a = p.parse_args(argv)
    counts = [1, 50] if a.quick else [int(x) for x in a.counts.split(",")]
    window = 3.0 if a.quick else a.window
    impls = [i for i in a.impl.split(",") if i]
    if "keepalived" in impls and not keepalived_available():
        print("# keepalived not installed: skipped", file=sys.stderr)
        impls.remove("keepalived")
    header(f"scale: CPU (% of one core over {window:g}s) and RSS per node, advert_int 1s")
    samples: list[Sample] = []
    for count in counts:
        for impl in impls:
            prof = a.profile if count == max(counts) else None
            samples.extend(measure(impl, count, window, a.version, prof, a.profile_role))
    print(f"# measured with {load_note()}")
    print("# cpu %: utime+stime from /proc/PID/stat; sched %: /proc/PID/task/*/schedstat")
    print(
        f"{'impl':12s} {'inst':>5s} {'role':7s} {'cpu %':>7s} {'sched %':>8s} {'RSS MiB':>8s} procs"
    )
    for s in samples:
        print(
            f"{s.impl:12s} {s.count:5d} {s.role:7s} {s.cpu_pct:7.2f} {s.sched_pct:8.2f}"
            f" {s.rss_mib:8.1f} {s.procs:5d}"
        )
    ref = {(s.count, s.role): s for s in samples if s.impl == "keepalived"}
    if ref:
        print("# ratio to keepalived (sched cpu, rss)")
        for s in samples:
            r = ref.get((s.count, s.role))
            if s.impl == "keepalived" or r is None:
                continue
            cpu = s.sched_pct / r.sched_pct if r.sched_pct > 0 else float("inf")
            rss = s.rss_mib / r.rss_mib
            print(f"{s.impl:12s} {s.count:5d} {s.role:7s} cpu x{cpu:6.2f}  rss x{rss:6.2f}")
    if a.chart:
        chart(samples, a.chart, window)
    return 0


def chart(samples: list[Sample], path: str, window: float) -> None:
    """CPU (sched %) and RSS per node against the instance count, one line per
    implementation and role, log scales: a scaling curve read at a glance."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("# --chart needs matplotlib (pip install '.[bench]')", file=sys.stderr)
        return
    fig, (ax_cpu, ax_rss) = plt.subplots(1, 2, figsize=(11, 4.2))
    styles = {"master": "-", "backup": "--"}
    for impl in dict.fromkeys(s.impl for s in samples):
        for role in ("master", "backup"):
            pts = sorted((s.count, s.sched_pct, s.rss_mib) for s in samples
                         if s.impl == impl and s.role == role)  # fmt: skip
            if not pts:
                continue
            xs = [x for x, _, _ in pts]
            label = f"{impl} {role}"
            ax_cpu.plot(xs, [c for _, c, _ in pts], styles[role], marker="o", label=label)
            ax_rss.plot(xs, [r for _, _, r in pts], styles[role], marker="o", label=label)
    for ax, title, unit in ((ax_cpu, "CPU", "% of one core"), (ax_rss, "memory", "RSS, MiB")):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("VRRP instances (advert_int 1 s)")
        ax.set_ylabel(unit)
        ax.set_title(f"{title} per node")
        ax.grid(True, which="both", alpha=0.3)
    ax_cpu.legend(fontsize=7)
    fig.suptitle(
        f"pyvrrp and keepalived at scale ({load_note()}; {window:g} s windows)", fontsize=8
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    print(f"# chart written to {path}")


if __name__ == "__main__":
    sys.exit(main())

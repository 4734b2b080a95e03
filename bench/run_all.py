"""Every bench, one after the other: ``make bench`` (or ``python bench/run_all.py``).

auth_bench (sign/verify throughput), receive_bench and backup_bench (CPU per
advert received, in-process and of a Backup daemon), takeover (latency vs keepalived),
loaded (timing on a CPU-saturated host, with and without max_auto_priority), flood
(forged adverts), scale (CPU and memory at 1/250/1000 instances) and fuzz (the
larger-budget fuzz run). Figures only: a bench whose run breaks is reported and
the others still run. ``--quick`` passes ``--quick`` to each; ``--only`` picks.
The lab benches need root and network namespaces.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHES = (
    "auth_bench",
    "receive_bench",
    "backup_bench",
    "takeover",
    "restart",
    "loaded",
    "flood",
    "filter",
    "startup",
    "scale",
    "fuzz",
)
LAB = {"backup_bench", "takeover", "restart", "loaded", "flood", "filter", "startup", "scale"}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--quick", action="store_true", help="each bench in its --quick mode")
    p.add_argument("--only", default=",".join(BENCHES), help=f"comma-separated of {BENCHES}")
    a = p.parse_args(argv)
    env = dict(os.environ)
    src = str(HERE.parent / "src")
    env["PYTHONPATH"] = os.pathsep.join(x for x in (src, env.get("PYTHONPATH")) if x)
    failed = []
    for name in (n for n in a.only.split(",") if n):
        if name not in BENCHES:
            p.error(f"unknown bench {name!r}")
        if name in LAB and os.geteuid() != 0:
            print(f"\n## {name}: skipped (needs root for the lab)", flush=True)
            continue
        cmd = [sys.executable, str(HERE / f"{name}.py")]
        if a.quick:
            cmd.append("--quick")
        print(f"\n## {name}: {' '.join(cmd[1:])}", flush=True)
        t = time.monotonic()
        rc = subprocess.call(cmd, env=env)
        print(f"## {name}: exit {rc} after {time.monotonic() - t:.0f}s", flush=True)
        if rc != 0:
            failed.append(name)
    if failed:
        print(f"\n## benches that did not run to the end: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""Start-up: from exec to READY and to the first advert on the wire, pyvrrp
against keepalived, and the wall time of ``pyvrrp check`` / ``pyvrrp status``
against ``keepalived -t``.

One namespace with ``eth0`` on a bridge; the instances are address owners
(priority 255), so each one's first advert goes out at start. READY is
pyvrrp's ``READY=1`` on a ``NOTIFY_SOCKET`` the bench listens on (keepalived
has no such message: its column is empty); the first advert's time is the
capture's timestamp of the first VRRP packet (tcpdump in the namespace),
against the wall clock read just before the exec. Medians of ``--trials``
runs; prints a table, never fails on time.
``python bench/startup.py [--trials 5] [--instances 1,1000]``.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import KEEPALIVED, Lab, adverts, header, keepalived_available, load_note

from pyvrrp.lab.topology import one_segment


def config(n: int) -> str:
    """``n`` owner instances: VRIDs 1..255 on ``eth0``, the next 255 on
    ``eth1``, ... (a VRID is unique per interface)."""
    out = []
    for i in range(n):
        vrid = i % 255 + 1
        group = i // 255
        out.append(
            f"vrrp_instance VI_{i} {{\n    interface eth{group}\n    virtual_router_id {vrid}\n"
            f"    priority 255\n    advert_int 1\n    version 3\n"
            f"    virtual_ipaddress {{\n        10.{100 + group}.{vrid}.1/32\n    }}\n}}\n"
        )
    return "".join(out)


def one(lab: Lab, ns: str, impl: str, conf: Path, tmp: Path) -> tuple[float | None, float | None]:
    """(exec to READY, exec to the first advert), seconds."""
    cap = lab.capture(ns, "eth0", "ip proto 112")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    ready_at: float | None = None
    sock_path = tmp / "notify.sock"
    sock_path.unlink(missing_ok=True)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    listener.bind(str(sock_path))
    listener.settimeout(30)
    if impl == "pyvrrp":
        env["NOTIFY_SOCKET"] = str(sock_path)
        cmd = [sys.executable, "-m", "pyvrrp", "run", "-f", str(conf),
               "--control", str(tmp / "c.sock"), "--log-level", "warning"]  # fmt: skip
    else:
        cmd = [KEEPALIVED, "-n", "-l", "--vrrp", "-f", str(conf),
               "-p", str(tmp / "k.pid"), "-r", str(tmp / "v.pid")]  # fmt: skip
    t0 = time.time()
    proc = lab.popen(ns, cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        if impl == "pyvrrp":
            while True:
                data = listener.recv(4096)
                if b"READY=1" in data:
                    ready_at = time.time() - t0
                    break
        time.sleep(2.5)
    finally:
        listener.close()
        proc.terminate()
        proc.wait(20)
    ads = adverts(cap.stop())
    first = min((a.ts for a in ads), default=None)
    return ready_at, None if first is None else first - t0


def timed(cmd: list[str], env: dict[str, str] | None = None) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, env=env, capture_output=True, check=False)
    return time.perf_counter() - t


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--trials", type=int, default=5)
    p.add_argument("--instances", default="1,1000")
    p.add_argument("--quick", action="store_true", help="2 trials")
    a = p.parse_args(argv)
    trials = 2 if a.quick else a.trials
    impls = ["pyvrrp"] + (["keepalived"] if keepalived_available() else [])
    header("start-up: exec to READY and to the first advert (medians)")
    print(f"# measured with {load_note()}; {trials} trials")
    print(f"{'impl':11s} {'instances':>9s} {'exec->READY':>12s} {'exec->1st advert':>17s}")
    lab = Lab()
    try:
        seg = one_segment(lab, 1)
        ns = seg.nodes[0].ns
        most = max(int(x) for x in a.instances.split(","))
        for g in range(1, (most - 1) // 255 + 1):
            lab.attach(ns, f"eth{g}", seg.switch, seg.bridge)
            lab.addr(ns, f"eth{g}", f"10.0.{10 + g}.1/24")
        tmp = Path(tempfile.mkdtemp(prefix="pyvrrp-startup-", dir=lab.tmpdir))
        for n in (int(x) for x in a.instances.split(",")):
            conf = tmp / f"s{n}.conf"
            conf.write_text(config(n))
            for impl in impls:
                ready, first = [], []
                for _ in range(trials):
                    r, f = one(lab, ns, impl, conf, tmp)
                    if r is not None:
                        ready.append(r)
                    if f is not None:
                        first.append(f)
                    time.sleep(0.5)
                rs = f"{statistics.median(ready) * 1000:9.0f} ms" if ready else f"{'-':>12s}"
                fs = f"{statistics.median(first) * 1000:14.0f} ms" if first else f"{'-':>17s}"
                print(f"{impl:11s} {n:>9d} {rs:>12s} {fs:>17s}")
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(x for x in sys.path if x)
        conf = tmp / "s1.conf"
        check = [timed([sys.executable, "-m", "pyvrrp", "check", "-f", str(conf), "--no-host"],
                       env) for _ in range(trials)]  # fmt: skip
        status = [timed([sys.executable, "-m", "pyvrrp", "status", "--control", "/nonexistent"],
                        env) for _ in range(trials)]  # fmt: skip
        print(f"# pyvrrp check: {statistics.median(check) * 1000:.0f} ms; "
              f"pyvrrp status (no daemon, the client alone): "
              f"{statistics.median(status) * 1000:.0f} ms")  # fmt: skip
        if "keepalived" in impls:
            kt = [timed(["ip", "netns", "exec", ns, KEEPALIVED, "-t", "-f", str(conf),
                         "-p", str(tmp / "t.pid"), "-r", str(tmp / "tv.pid")])
                  for _ in range(trials)]  # fmt: skip
            print(f"# keepalived -t: {statistics.median(kt) * 1000:.0f} ms")
    finally:
        lab.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

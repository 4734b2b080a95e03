"""What a restart of the Master costs the network: keepalived against pyvrrp.

Two nodes of one implementation on one bridge, the Master at priority 200
and the Backup at 100, VRRPv3 over IPv4 multicast, and a client namespace
that pings the virtual address every 10 ms and holds a TCP connection to it
(an echo server listens on both nodes: a connection survives only if the
address never moves). tcpdump on the client's interface times the adverts.
Cases, each on a fresh lab:

* ``keepalived restart``: SIGTERM, then start again (``systemctl restart``);
* ``pyvrrp stop+start``: the same with pyvrrp;
* ``pyvrrp restart``: ``pyvrrp restart`` (in place, the same code);
* ``pyvrrp restart (new code)``: the code tree the daemon runs from changed
  on disk before ``pyvrrp restart`` (an upgrade);
* ``pyvrrp SIGKILL+start``: SIGKILL, then start again within 0.5 s.

Columns: the Backup's transitions during the case, pings lost (of those sent
over the window), whether the TCP connection survived, the longest gap
between two adverts of the virtual router on the wire. Prints a table; never
fails on time. ``python bench/restart.py`` (advert_int 1 s), ``--adv 0.1``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from _common import Lab, adverts, header, keepalived_available, load_note, make_daemon, wait_until

import pyvrrp
from pyvrrp.lab.nodes import PyvrrpNode, instance_config
from pyvrrp.lab.topology import one_segment

VIP = "10.0.1.100"
PORT = 7007

#: An echo server for the TCP connection (on both nodes).
SERVER = """
import socket, threading
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", PORT)); s.listen(8)
def echo(c):
    try:
        while True:
            d = c.recv(64)
            if not d:
                break
            c.sendall(d)
    except OSError:
        pass
while True:
    c, _ = s.accept()
    threading.Thread(target=echo, args=(c,), daemon=True).start()
""".replace("PORT", str(PORT))

#: The client: pings every 10 ms and a byte over TCP every 50 ms, for argv[2] s.
CLIENT = """
import json, select, socket, struct, sys, time
vip, dur = sys.argv[1], float(sys.argv[2])
def csum(b):
    t = sum(struct.unpack("!%dH" % (len(b) // 2), b)); t = (t >> 16) + (t & 0xFFFF)
    return ~(t + (t >> 16)) & 0xFFFF
icmp = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
tcp = socket.create_connection((vip, PORT), timeout=2); tcp.setblocking(False)
sent, got, tcp_ok, seq = 0, set(), True, 0
end = time.monotonic() + dur; next_ping = next_tcp = time.monotonic(); waiting = None
while time.monotonic() < end:
    now = time.monotonic()
    if now >= next_ping:
        seq = (seq + 1) & 0xFFFF; body = struct.pack("!BBHHH", 8, 0, 0, 0x5252, seq) + b"pp"
        icmp.sendto(body[:2] + struct.pack("!H", csum(body)) + body[4:], (vip, 0)); sent += 1
        next_ping += 0.01
    if tcp_ok and now >= next_tcp:
        if waiting is not None and now - waiting > 2.0:
            tcp_ok = False
        else:
            try:
                tcp.send(b"x"); waiting = waiting or now
            except OSError:
                tcp_ok = False
        next_tcp += 0.05
    r, _, _ = select.select([icmp, tcp] if tcp_ok else [icmp], [], [], 0.002)
    if icmp in r:
        d, (src, _) = icmp.recvfrom(2048); i = d[(d[0] & 15) * 4:]
        if src == vip and i[0] == 0 and i[4:6] == b"RR":
            got.add(struct.unpack("!H", i[6:8])[0])
    if tcp_ok and tcp in r:
        try:
            if tcp.recv(64):
                waiting = None
            else:
                tcp_ok = False
        except BlockingIOError:
            pass
        except OSError:
            tcp_ok = False
time.sleep(0.3)
while select.select([icmp], [], [], 0)[0]:
    d, (src, _) = icmp.recvfrom(2048); i = d[(d[0] & 15) * 4:]
    if src == vip and i[0] == 0 and i[4:6] == b"RR":
        got.add(struct.unpack("!H", i[6:8])[0])
print(json.dumps({"sent": sent, "lost": sent - len(got), "tcp": tcp_ok}))
""".replace("PORT", str(PORT))


@dataclass
class Row:
    case: str
    transitions: int | str
    lost: int
    sent: int
    tcp: bool
    gap: float
    note: str = ""


def _conf(priority: int, adv: float) -> str:
    return instance_config(priority=priority, advert_int=adv, vips=(f"{VIP}/24",))


def _ka_conf(priority: int, adv: float) -> str:
    return "global_defs {\n    router_id ka\n}\n" + _conf(priority, adv)


def _max_gap(pcap: Path) -> float:
    times = [a.ts for a in adverts(pcap) if a.vrid == 51 and a.priority > 0]
    return max((b - a for a, b in itertools.pairwise(times)), default=float("nan"))


def one_case(case: str, adv: float, window: float) -> Row:
    lab = Lab()
    tree: Path | None = None
    try:
        seg = one_segment(lab, 3)
        n0, n1, client = seg.nodes
        for n in (n0, n1):
            lab.popen(n.ns, [sys.executable, "-c", SERVER])
        impl = "keepalived" if case.startswith("keepalived") else "pyvrrp"
        if impl == "keepalived":
            a, b = make_daemon(impl, lab, n0), make_daemon(impl, lab, n1)
            b.start(_ka_conf(100, adv))
            a.start(_ka_conf(200, adv))
            a.wait_ready()
            b.wait_ready()
        else:
            path = None
            if case.endswith("(new code)"):
                tree = Path(tempfile.mkdtemp(prefix="pyvrrp-code-"))
                shutil.copytree(Path(pyvrrp.__file__).parent, tree / "pyvrrp")
                path = str(tree)
            a, b = PyvrrpNode(lab, n0), PyvrrpNode(lab, n1)
            b.start(_conf(100, adv))
            a.start(_conf(200, adv), pythonpath=path)
        wait_until(lambda: VIP + "/24" in _addrs(lab, n0.ns), 15)
        time.sleep(4 * adv + 1.0)  # settled: the Backup has heard the Master
        before = _transitions(case, b)
        cap = lab.capture(client.ns, "eth0", "ip proto 112")
        cl = lab.popen(
            client.ns,
            [sys.executable, "-c", CLIENT, VIP, str(window)],
            stdout=subprocess.PIPE,
            text=True,
        )
        time.sleep(1.0)
        note = ""
        if case in ("keepalived restart", "pyvrrp stop+start"):
            a.term() if impl == "keepalived" else a.stop()  # type: ignore[union-attr]
            if impl == "keepalived":
                a.start(_ka_conf(200, adv))
            else:
                a.start()  # type: ignore[call-arg]
        elif case.startswith("pyvrrp restart"):
            if tree is not None:
                core = tree / "pyvrrp" / "daemon" / "core.py"
                core.write_text(core.read_text() + "\nUPGRADED_FOR_THE_BENCH = True\n")
            r = lab.run(
                n0.ns,
                [sys.executable, "-m", "pyvrrp", "restart", "--control", str(a.sock)],  # type: ignore[union-attr]
                check=False,
            )
            note = r.stdout.strip() or r.stderr.strip()
        elif case == "pyvrrp SIGKILL+start":
            a.kill()
            time.sleep(0.3)
            a.start()  # type: ignore[call-arg]
        out, _ = cl.communicate(timeout=window + 30)
        if case.startswith("pyvrrp restart"):
            note = _exec_to_ready(a.log())  # type: ignore[union-attr]
        res = json.loads(out.strip().splitlines()[-1])
        gap = _max_gap(cap.stop())
        after = _transitions(case, b)
        return Row(case, after - before, res["lost"], res["sent"], res["tcp"], gap, note)
    finally:
        lab.close()
        if tree is not None:
            shutil.rmtree(tree, ignore_errors=True)


def _exec_to_ready(log: str) -> str:
    """From the exec (its last log line) to the new image's first loop (its
    "running" line): while the bridge sends the adverts."""
    stamps = {}
    for line in log.splitlines():
        for key in ("restarting in place", "in-place restart 1)"):
            if key in line:
                t = time.strptime(line[:19], "%Y-%m-%d %H:%M:%S")
                stamps[key] = time.mktime(t) + int(line[20:23]) / 1000
    if len(stamps) < 2:
        return ""
    ms = (stamps["in-place restart 1)"] - stamps["restarting in place"]) * 1000
    return f"exec to the new image running: {ms:.0f} ms (the bridge advertised meanwhile)"


def _addrs(lab: Lab, ns: str) -> set[str]:
    out = lab.run(ns, ["ip", "-j", "addr", "show"]).stdout
    return {
        f"{a['local']}/{a['prefixlen']}"
        for link in json.loads(out or "[]")
        for a in link.get("addr_info", [])
    }


def _transitions(case: str, b: object) -> int:
    if case.startswith("keepalived"):
        text = b.log()  # type: ignore[attr-defined]
        return len(re.findall(r"Entering (MASTER|BACKUP) STATE", text))
    return int(b.instance()["transitions"])  # type: ignore[attr-defined]


CASES = [
    "keepalived restart",
    "pyvrrp stop+start",
    "pyvrrp restart",
    "pyvrrp restart (new code)",
    "pyvrrp SIGKILL+start",
]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--adv", type=float, default=1.0, help="advert_int, seconds (default 1)")
    p.add_argument(
        "--window", type=float, default=0.0, help="client window (default 8 x adv + 6 s)"
    )
    p.add_argument("--cases", default=",".join(CASES), help="comma-separated cases")
    p.add_argument("--quick", action="store_true", help="a shorter client window")
    a = p.parse_args(argv)
    window = a.window or (4 * a.adv + 4.0 if a.quick else 8 * a.adv + 6.0)
    cases = [c for c in a.cases.split(",") if c]
    if not keepalived_available():
        print("# keepalived not installed: its row skipped", file=sys.stderr)
        cases = [c for c in cases if not c.startswith("keepalived")]
    header(f"restarting the Master: what the network sees (advert_int {a.adv:g} s)")
    print(f"# measured with {load_note()}; client window {window:g} s, pings every 10 ms")
    cols = f"{'Backup transitions':>18s} {'pings lost':>12s} {'TCP':>9s} {'longest gap':>12s}"
    print(f"{'case':28s} {cols}")
    for case in cases:
        try:
            r = one_case(case, a.adv, window)
        except Exception as exc:  # a bench reports, never fails
            print(f"{case:28s} error: {exc}")
            continue
        tcp = "survived" if r.tcp else "broken"
        print(
            f"{r.case:28s} {r.transitions!s:>18s} {f'{r.lost}/{r.sent}':>12s} {tcp:>9s} "
            f"{r.gap * 1000:>9.0f} ms"
        )
        if r.note:
            print(f"#   {r.case}: {r.note}")
    target = 1.5 * a.adv * 1000
    print(f"# gap target for a restart without failover: below 1.5 x advert_int = {target:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())

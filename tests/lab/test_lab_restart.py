"""Restarts without a failover, on real nodes with a Backup watching.

``pyvrrp restart`` (and SIGUSR2) re-executes the Master in place: same PID,
``restarts`` counted, the Backup sees no transition, no priority-0 advert,
the virtual address never leaves, no notify script runs, and the adverts
keep their rhythm (no gap on the wire over 1.5 advert intervals, at 1 s and
0.1 s). A broken configuration or code that does not import refuses the
restart and the daemon goes on; a hand-over file made unreadable falls back
to the crash checkpoint. After a SIGKILL, a start within the
Master_Down_Interval resumes as Master at once; a later one, or one whose
addresses are gone, starts as usual."""

from __future__ import annotations

import itertools
import shutil
import signal
import sys
import threading
import time
from pathlib import Path

import pytest

from pyvrrp.lab.nodes import PyvrrpNode, instance_config, wait_for
from pyvrrp.lab.topology import one_segment
from pyvrrp.wire.pcap import read_pcap

pytestmark = pytest.mark.lab

VIP = "10.0.1.100/24"
SRC = bytes([10, 0, 1, 1])


def _adverts(pcap: Path) -> list[tuple[float, int]]:
    """(time, priority) of every VRRP advert from node 0 (10.0.1.1)."""
    out = []
    for f in read_pcap(pcap.read_bytes()):
        ip = f.ip_packet
        if f.family != 4 or len(ip) < 28 or ip[9] != 112 or ip[12:16] != SRC:
            continue
        hlen = (ip[0] & 0x0F) * 4
        out.append((f.timestamp, ip[hlen + 2]))
    return out


def _max_gap(adverts: list[tuple[float, int]]) -> float:
    times = [t for t, _ in adverts]
    return max((b - a for a, b in itertools.pairwise(times)), default=0.0)


def _conf(priority: int, advert_int: float, flag: Path | None = None) -> str:
    extra = [f"notify_master \"/bin/sh -c 'echo master >> {flag}'\""] if flag else []
    return instance_config(priority=priority, advert_int=advert_int, extra=extra)


def _restart(lab, node: PyvrrpNode) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    r = lab.run(
        node.node.ns,
        [sys.executable, "-m", "pyvrrp", "restart", "--control", str(node.sock)],
        check=False,
    )
    return r.returncode, r.stdout + r.stderr


@pytest.mark.parametrize("advert_int", [1.0, 0.1])
def test_in_place_restart_is_invisible_to_the_backup(lab, tmp_path, advert_int) -> None:  # type: ignore[no-untyped-def]
    seg = one_segment(lab, 2)
    a, b = PyvrrpNode(lab, seg.nodes[0]), PyvrrpNode(lab, seg.nodes[1])
    flag = tmp_path / "notified"
    b.start(_conf(100, advert_int))
    a.start(_conf(200, advert_int, flag))
    wait_for(lambda: a.state() == "MASTER" and b.state() == "BACKUP", 10)
    wait_for(lambda: flag.exists(), 5)
    time.sleep(3 * advert_int)
    before_a, before_b = a.status(), b.instance()
    notified = flag.read_text()
    cap = lab.capture(seg.nodes[1].ns, "eth0", "ip proto 112")
    time.sleep(2 * advert_int)
    code, out = _restart(lab, a)
    assert code == 0, out
    wait_for(lambda: a.status()["restarts"] == 1, 10)
    time.sleep(max(1.0, 5 * advert_int))
    adverts = _adverts(cap.stop())
    after_a = a.status()
    assert after_a["pid"] == before_a["pid"]  # the same process, new code
    assert after_a["started"] > before_a["started"]
    assert after_a["first_started"] == before_a["first_started"]
    assert a.state() == "MASTER" and VIP in a.addresses()
    assert b.instance()["transitions"] == before_b["transitions"]
    assert a.instance()["transitions"] == before_a["instances"][0]["transitions"]
    assert flag.read_text() == notified  # no notify_master again
    assert all(prio == 200 for _, prio in adverts)  # never priority 0
    assert _max_gap(adverts) < 1.5 * advert_int, _max_gap(adverts)
    assert "in-place restart: 1 instance(s) carried on" in a.log()
    # SIGUSR2 does the same, and the count goes on.
    a.signal(signal.SIGUSR2)
    wait_for(lambda: a.status()["restarts"] == 2, 10)
    assert a.state() == "MASTER" and b.instance()["transitions"] == before_b["transitions"]


def test_a_broken_configuration_refuses_the_restart(lab) -> None:
    seg = one_segment(lab, 1)
    a = PyvrrpNode(lab, seg.nodes[0])
    a.start(_conf(200, 0.5))
    wait_for(lambda: a.state() == "MASTER", 5)
    a.conf.write_text("vrrp_instance VI_1 {\n    virtual_router_id 999\n}\n")
    code, out = _restart(lab, a)
    assert code == 1 and "restart refused" in out
    time.sleep(0.5)
    assert a.running and a.status()["restarts"] == 0 and a.state() == "MASTER"


def test_new_code_that_does_not_import_refuses_the_restart(lab, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import pyvrrp

    tree = tmp_path / "code"
    shutil.copytree(Path(pyvrrp.__file__).parent, tree / "pyvrrp")
    seg = one_segment(lab, 1)
    a = PyvrrpNode(lab, seg.nodes[0])
    a.start(_conf(200, 0.5), pythonpath=str(tree))
    wait_for(lambda: a.state() == "MASTER", 5)
    # An upgrade that went wrong: the code on disk raises at import.
    core = tree / "pyvrrp" / "daemon" / "core.py"
    good = core.read_text()
    core.write_text(good + "\nraise ImportError('a broken upgrade')\n")
    code, out = _restart(lab, a)
    assert code == 1 and "a broken upgrade" in out
    time.sleep(0.5)
    assert a.running and a.status()["restarts"] == 0 and a.state() == "MASTER"
    # Fixed on disk: the restart runs the new code.
    core.write_text(good + "\nUPGRADED = True\n")
    code, out = _restart(lab, a)
    assert code == 0, out
    wait_for(lambda: a.status()["restarts"] == 1, 10)
    assert a.state() == "MASTER"


def test_an_unreadable_handover_falls_back_to_the_checkpoint(lab) -> None:
    seg = one_segment(lab, 2)
    a, b = PyvrrpNode(lab, seg.nodes[0]), PyvrrpNode(lab, seg.nodes[1])
    b.start(_conf(100, 0.5))
    a.start(_conf(200, 0.5))
    wait_for(lambda: a.state() == "MASTER" and b.state() == "BACKUP", 8)
    before_b = b.instance()["transitions"]
    handover = Path(f"{a.sock}.handover")

    def spoil() -> None:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if handover.exists():
                handover.write_text("not json")
                return
            time.sleep(0.002)

    t = threading.Thread(target=spoil)
    t.start()
    code, out = _restart(lab, a)
    t.join()
    assert code == 0, out
    wait_for(lambda: "resumed as Master" in a.log(), 10)
    assert "unreadable" in a.log()
    time.sleep(1.0)
    assert a.state() == "MASTER" and b.state() == "BACKUP"
    assert b.instance()["transitions"] == before_b


def test_a_quick_start_after_a_crash_resumes_as_master(lab, tmp_path) -> None:  # type: ignore[no-untyped-def]
    seg = one_segment(lab, 2)
    a, b = PyvrrpNode(lab, seg.nodes[0]), PyvrrpNode(lab, seg.nodes[1])
    flag = tmp_path / "notified"
    b.start(_conf(100, 1.0))
    a.start(_conf(200, 1.0, flag))
    wait_for(lambda: a.state() == "MASTER" and b.state() == "BACKUP", 10)
    wait_for(lambda: flag.exists(), 5)
    notified = flag.read_text()
    before_b = b.instance()["transitions"]
    a.kill()
    assert VIP in a.addresses()  # the kernel still has it
    a.start()
    wait_for(lambda: a.state() == "MASTER", 5)
    assert "resumed as Master" in a.log()
    time.sleep(4.0)  # past the Backup's Master_Down_Interval
    assert b.state() == "BACKUP" and b.instance()["transitions"] == before_b
    assert VIP in a.addresses()
    assert flag.read_text() == notified
    # A clean stop hands over as always (priority 0): nothing to resume.
    a.stop()
    wait_for(lambda: b.state() == "MASTER", 5)
    assert not Path(f"{a.sock}.state").exists()


def test_a_late_start_or_lost_addresses_start_as_usual(lab) -> None:
    seg = one_segment(lab, 2)
    a, b = PyvrrpNode(lab, seg.nodes[0]), PyvrrpNode(lab, seg.nodes[1])
    b.start(_conf(100, 0.5))
    a.start(_conf(200, 0.5))
    wait_for(lambda: a.state() == "MASTER" and b.state() == "BACKUP", 8)
    a.kill()
    wait_for(lambda: b.state() == "MASTER", 5)  # the checkpoint is stale now
    a.start()
    assert "checkpoint stale" in a.log()
    wait_for(lambda: a.state() == "MASTER" and b.state() == "BACKUP", 8)  # preempts as usual

    a.kill()
    lab.run(seg.nodes[0].ns, ["ip", "addr", "del", VIP, "dev", "eth0"])
    a.start()
    assert "its virtual addresses are gone" in a.log()
    # As today: a starts as Backup (b takes over meanwhile) and preempts.
    wait_for(lambda: a.state() == "MASTER" and b.state() == "BACKUP", 8)
    assert "resumed as Master" not in a.log()

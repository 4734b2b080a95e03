"""Operations: announcements, notify scripts, pid file, metrics, systemd notify."""

from __future__ import annotations

import os
import socket
import time
import urllib.request

import pytest

from pyvrrp.lab.nodes import PyvrrpNode, instance_config, wait_for
from pyvrrp.lab.topology import one_segment

pytestmark = pytest.mark.lab


def _arp_for(frames: list[bytes], vip: bytes) -> int:
    """Gratuitous ARPs for ``vip``: ethertype 0x0806, sender and target IP the VIP."""
    n = 0
    for f in frames:
        if f[12:14] == b"\x08\x06" and f[28:32] == vip and f[38:42] == vip:
            n += 1
    return n


def test_garp_schedule_notify_pidfile_metrics(lab) -> None:
    seg = one_segment(lab, 2)
    out = lab.tmpdir / "notify.out"
    script = lab.tmpdir / "notify.sh"
    script.write_text(f'#!/bin/sh\necho "$@" >> {out}\n')
    script.chmod(0o755)
    cap = lab.capture(seg.nodes[1].ns, "eth0", "arp")
    pidfile = lab.tmpdir / "n0.pid"
    n0 = PyvrrpNode(lab, seg.nodes[0])
    conf = instance_config(
        priority=255,
        advert_int=0.5,
        extra=[
            "garp_master_delay 1",
            "garp_master_repeat 2",
            f'notify_master "{script} master-only"',
            f'notify "{script}"',
        ],
    )
    n0.start(conf, args=["--pid-file", str(pidfile), "--metrics", "127.0.0.1:9977"])
    # The owner (priority 255) is Master at once: 2 GARPs now, 2 more after 1 s.
    wait_for(lambda: n0.state() == "MASTER", 2)
    time.sleep(1.6)
    frames = cap.stop() and cap.frames()
    assert _arp_for(frames, bytes([10, 0, 1, 100])) == 4
    # Notify scripts: the specific one with its own arguments, the generic one
    # with keepalived's TYPE NAME STATE PRIORITY.
    # (The owner goes from Initialize straight to Master: RFC 9568 §6.4.1.)
    wait_for(lambda: out.exists() and len(out.read_text().splitlines()) >= 2, 3)
    assert sorted(out.read_text().splitlines()) == ["INSTANCE VI_1 MASTER 255", "master-only"]
    assert int(pidfile.read_text()) == n0.proc.pid

    def scrape() -> str:
        with urllib.request.urlopen("http://127.0.0.1:9977/metrics", timeout=3) as r:
            return r.read().decode()

    text = lab.call(seg.nodes[0].ns, scrape)
    assert (
        'pyvrrp_state{family="4",instance="VI_1",interface="eth0",state="MASTER",vrid="51"} 1.0'
        in text
    )
    assert "pyvrrp_adverts_sent_total" in text
    assert 'pyvrrp_takeovers_held_total{family="4",instance="VI_1"' in text
    assert n0.stop() == 0
    assert not pidfile.exists()
    wait_for(lambda: "INSTANCE VI_1 STOP 255" in out.read_text(), 3)


def test_sd_notify_ready_and_stopping(lab) -> None:
    seg = one_segment(lab, 1)
    path = str(lab.tmpdir / "notify.sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    sock.settimeout(10)
    n0 = PyvrrpNode(lab, seg.nodes[0])
    os.environ["NOTIFY_SOCKET"] = path
    try:
        n0.start(instance_config(priority=100, advert_int=0.5), wait=False)
    finally:
        del os.environ["NOTIFY_SOCKET"]
    try:
        assert sock.recv(4096).startswith(b"READY=1")
        n0.stop()
        assert sock.recv(4096) == b"STOPPING=1"
    finally:
        sock.close()


def test_track_script_weight_moves_the_master(lab) -> None:
    """A vrrp_script failing with weight -60 drops the Master below the Backup,
    which preempts; when it passes again the first node preempts back."""
    seg = one_segment(lab, 2)
    flag = lab.tmpdir / "healthy"
    flag.write_text("")
    script = f"""vrrp_script chk {{
    script "/usr/bin/test -f {flag}"
    interval 1
    weight -60
    fall 1
    rise 1
}}
"""
    nodes = [PyvrrpNode(lab, n) for n in seg.nodes]
    nodes[0].start(
        script
        + instance_config(priority=150, advert_int=0.5, extra=["track_script {", "    chk", "}"])
    )
    nodes[1].start(instance_config(priority=100, advert_int=0.5))
    wait_for(lambda: nodes[0].state() == "MASTER" and nodes[1].state() == "BACKUP", 5)
    flag.unlink()
    wait_for(lambda: nodes[0].instance()["priority"] == 90, 4)
    wait_for(lambda: nodes[1].state() == "MASTER", 4)
    wait_for(lambda: nodes[0].state() == "BACKUP", 2)
    flag.write_text("")
    wait_for(lambda: nodes[0].instance()["priority"] == 150, 4)
    wait_for(lambda: nodes[0].state() == "MASTER", 4)
    wait_for(lambda: "10.0.1.100/24" in nodes[0].addresses(), 2)
    wait_for(lambda: "10.0.1.100/24" not in nodes[1].addresses(), 2)


def test_sync_group_moves_together_and_notifies(lab) -> None:
    """VI_1 faults on n0 (its check fails, weight 0): VI_2 follows it into FAULT
    and n1 becomes Master of both; the group's notify script says so."""
    seg = one_segment(lab, 2)
    flag = lab.tmpdir / "healthy"
    flag.write_text("")
    out = lab.tmpdir / "group.out"
    script = lab.tmpdir / "g.sh"
    script.write_text(f'#!/bin/sh\necho "$@" >> {out}\n')
    script.chmod(0o755)

    def conf(prio: int, tracked: bool) -> str:
        text = f"""vrrp_script chk {{
    script "/usr/bin/test -f {flag}"
    interval 1
}}
vrrp_sync_group G {{
    group {{
        VI_1
        VI_2
    }}
    notify "{script}"
}}
"""
        track = ["track_script {", "    chk", "}"] if tracked else []
        text += instance_config(name="VI_1", vrid=51, priority=prio, advert_int=0.5, extra=track)
        text += instance_config(
            name="VI_2", vrid=52, priority=prio, advert_int=0.5, vips=("10.0.1.101/24",)
        )
        return text

    nodes = [PyvrrpNode(lab, n) for n in seg.nodes]
    nodes[0].start(conf(150, True))
    nodes[1].start(conf(100, False))
    wait_for(lambda: {nodes[0].state("VI_1"), nodes[0].state("VI_2")} == {"MASTER"}, 5)
    wait_for(lambda: out.exists() and "GROUP G MASTER 0" in out.read_text(), 3)
    flag.unlink()
    wait_for(lambda: nodes[0].state("VI_1") == "FAULT", 4)
    wait_for(lambda: nodes[0].state("VI_2") == "FAULT", 2)
    wait_for(lambda: {nodes[1].state("VI_1"), nodes[1].state("VI_2")} == {"MASTER"}, 4)
    wait_for(lambda: "GROUP G FAULT 0" in out.read_text(), 3)
    assert {"10.0.1.100/24", "10.0.1.101/24"} <= nodes[1].addresses()
    assert not {"10.0.1.100/24", "10.0.1.101/24"} & nodes[0].addresses()

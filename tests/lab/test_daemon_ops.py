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

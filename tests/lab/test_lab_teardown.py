"""The lab toolkit cleans up after itself, whatever happens."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from pyvrrp.lab import Lab, cleanup_stale, list_namespaces, one_segment

pytestmark = pytest.mark.lab


def _ours(prefix: str) -> list[str]:
    return [ns for ns in list_namespaces() if ns.startswith(prefix + "-")]


def test_exception_inside_lab_removes_everything(lab_ok: None) -> None:
    prefix = ""
    proc = None
    with pytest.raises(RuntimeError, match="boom"), Lab() as lab:
        prefix = lab.prefix
        seg = one_segment(lab, 2)
        proc = lab.popen(seg.nodes[0].ns, ["sleep", "60"])
        assert len(_ours(prefix)) == 3
        raise RuntimeError("boom")
    assert prefix and _ours(prefix) == []
    assert proc is not None and proc.poll() is not None  # killed, and reaped


def test_process_ignoring_sigterm_is_killed(lab_ok: None) -> None:
    with Lab() as lab:
        ns = lab.add_ns("a")
        stubborn = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        stubborn += "print('ready', flush=True); time.sleep(60)"
        proc = lab.popen(ns, [sys.executable, "-c", stubborn], stdout=subprocess.PIPE, text=True)
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    assert proc.poll() is not None
    assert _ours(lab.prefix) == []


def test_sigterm_to_owner_tears_down(lab_ok: None) -> None:
    """A lab owner killed with SIGTERM still deletes its namespaces."""
    code = (
        "import sys, time\n"
        "from pyvrrp.lab import Lab\n"
        "lab = Lab()\n"
        "lab.add_ns('a'); lab.add_ns('b')\n"
        "print(lab.prefix, flush=True)\n"
        "time.sleep(60)\n"
    )
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    child = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, env=env
    )
    try:
        assert child.stdout is not None
        prefix = child.stdout.readline().strip()
        assert len(_ours(prefix)) == 2
        child.terminate()
        child.wait(timeout=10)
        assert _ours(prefix) == []
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()


def test_cleanup_stale_removes_dead_owners_only(lab_ok: None) -> None:
    dead = subprocess.Popen(["true"])
    dead.wait()  # a pid that no longer exists (reaped)
    stale = f"pv-{dead.pid}-1-x"
    subprocess.run(["ip", "netns", "add", stale], check=True)
    try:
        with Lab() as live:
            mine = live.add_ns("y")
            removed = cleanup_stale()
            assert stale in removed
            assert mine not in removed and mine in list_namespaces()
    finally:
        subprocess.run(["ip", "netns", "del", stale], capture_output=True)
    assert stale not in list_namespaces()


def test_capture_and_run(lab: Lab) -> None:
    a, b = one_segment(lab, 2).nodes
    cap = lab.capture(b.ns, "eth0", "udp port 9")
    lab.run(
        a.ns,
        [
            sys.executable,
            "-c",
            "import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); "
            f"s.sendto(b'hello', ('{b.ipv4.ip}', 9))",
        ],
    )
    frames = cap.frames()
    assert len(frames) == 1 and frames[0].endswith(b"hello")
    start = time.monotonic()
    assert lab.call(a.ns, os.getpid) == os.getpid()  # in-process, thread switched
    assert time.monotonic() - start < 1

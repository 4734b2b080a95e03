"""keepalived's vrrp_track_process on real nodes: the instance follows a
process's life within 100 ms of it starting or being killed (the kernel's
process events, no polling), and a Backup takes over."""

from __future__ import annotations

import shutil
import subprocess
import time

import pytest

from pyvrrp.lab.nodes import PyvrrpNode, instance_config, wait_for
from pyvrrp.lab.topology import one_segment

pytestmark = pytest.mark.lab


def _react(check: object, limit: float = 2.0) -> float:
    t0 = time.monotonic()
    while not check():  # type: ignore[operator]
        if time.monotonic() - t0 > limit:
            raise AssertionError(f"no reaction within {limit} s")
        time.sleep(0.002)
    return time.monotonic() - t0


def test_track_process_quorum_faults_and_restores_the_master(lab) -> None:
    seg = one_segment(lab, 2)
    sleep = shutil.which("sleep")
    assert sleep is not None
    name = f"tp{lab.prefix.replace('-', '')[-10:]}"[:15]  # unique: this lab's name
    prog = lab.tmpdir / name
    shutil.copy(sleep, prog)
    conf = f"""vrrp_track_process svc {{
    process {name}
    weight 0
}}
""" + instance_config(priority=150, advert_int=0.5, extra=["track_process {", "    svc", "}"])
    a, b = (PyvrrpNode(lab, n) for n in seg.nodes)
    a.start(conf)
    b.start(instance_config(priority=100, advert_int=0.5))
    # No such process yet: A is in FAULT and B is Master.
    wait_for(lambda: a.state() == "FAULT" and b.state() == "MASTER", 5)
    proc = subprocess.Popen([str(prog), "600"])
    try:
        took = _react(lambda: a.state() != "FAULT")
        print(f"track_process: out of FAULT {took * 1000:.1f} ms after the start")
        assert took < 1.0
        wait_for(lambda: a.state() == "MASTER" and b.state() == "BACKUP", 5)
        proc.kill()
        proc.wait()
        took = _react(lambda: a.state() == "FAULT")
        print(f"track_process: FAULT {took * 1000:.1f} ms after the kill")
        assert took < 1.0
        wait_for(lambda: b.state() == "MASTER", 3)
    finally:
        proc.kill()
        proc.wait()

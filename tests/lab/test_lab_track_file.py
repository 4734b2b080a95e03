"""keepalived's track_file on real nodes: the number in a file moves the
Master's priority, or puts it in FAULT, within 100 ms of the write (inotify,
no polling), and a Backup takes over."""

from __future__ import annotations

import time

import pytest

from pyvrrp.lab.nodes import PyvrrpNode, instance_config, wait_for
from pyvrrp.lab.topology import one_segment

pytestmark = pytest.mark.lab


def _react(node: PyvrrpNode, write: object, check: object, limit: float = 2.0) -> float:
    """Seconds from ``write()`` until ``check()`` holds (polled every 2 ms)."""
    t0 = time.monotonic()
    write()  # type: ignore[operator]
    while not check():  # type: ignore[operator]
        if time.monotonic() - t0 > limit:
            raise AssertionError(f"{node.tag}: no reaction within {limit} s")
        time.sleep(0.002)
    return time.monotonic() - t0


def test_track_file_weight_and_fault_move_the_master(lab) -> None:
    seg = one_segment(lab, 2)
    load = lab.tmpdir / "load"
    down = lab.tmpdir / "down"
    files = f"""track_file load {{
    file {load}
    weight -30
    init_file 0 overwrite
}}
track_file down {{
    file {down}
    weight 0
    init_file
}}
"""
    a, b = (PyvrrpNode(lab, n) for n in seg.nodes)
    track = ["track_file {", "    load", "    down", "}"]
    a.start(files + instance_config(priority=150, advert_int=0.5, extra=track))
    b.start(instance_config(priority=100, advert_int=0.5))
    assert load.read_text() == "0\n" and down.read_text() == "0\n"  # init_file
    wait_for(lambda: a.state() == "MASTER" and b.state() == "BACKUP", 5)

    # weight: 2 x -30 takes A to 90, below B, which preempts.
    took = _react(a, lambda: load.write_text("2\n"), lambda: a.instance()["priority"] == 90)
    print(f"track_file weight: priority moved {took * 1000:.1f} ms after the write")
    assert took < 1.0
    wait_for(lambda: b.state() == "MASTER" and a.state() == "BACKUP", 5)
    load.write_text("0\n")
    wait_for(lambda: a.state() == "MASTER" and b.state() == "BACKUP", 5)

    # weight 0: any value but 0 is FAULT; the Master hands over at once.
    took = _react(a, lambda: down.write_text("1\n"), lambda: a.state() == "FAULT")
    print(f"track_file fault: FAULT {took * 1000:.1f} ms after the write")
    assert took < 1.0
    wait_for(lambda: b.state() == "MASTER", 3)
    down.unlink()  # a removed file reads as 0
    wait_for(lambda: a.state() == "MASTER" and b.state() == "BACKUP", 5)

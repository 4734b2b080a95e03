"""keepalived's process keywords on a real daemon: the name, real-time
scheduling with its RLIMIT_RTTIME guard, the CPU set, mlockall, the start-up
delay, and max_auto_priority raising the priority after a late timer."""

from __future__ import annotations

import os
import signal
import time

import pytest

from pyvrrp.lab.nodes import PyvrrpNode, instance_config, wait_for
from pyvrrp.lab.topology import one_segment

pytestmark = pytest.mark.lab


def _status(pid: int) -> dict[str, str]:
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            out[key] = value.strip()
    return out


def test_process_keywords_take_effect(lab) -> None:
    seg = one_segment(lab, 1)
    conf = """global_defs {
    vrrp_process_name vrrp-lab
    vrrp_rt_priority 10
    vrrp_rlimit_rttime 200000
    max_auto_priority 12
    min_auto_priority_delay 400000
    vrrp_cpu_affinity 0
    vrrp_no_swap
    vrrp_startup_delay 1.5
}
""" + instance_config(priority=100, advert_int=0.5)
    node = PyvrrpNode(lab, seg.nodes[0])
    t0 = time.monotonic()
    node.start(conf)
    assert node.proc is not None
    pid = node.proc.pid
    wait_for(lambda: node.state() == "MASTER", 10)
    took = time.monotonic() - t0
    # The delay, then Master_Down_Interval (3 x 0.5 s + skew) before Master.
    assert took >= 1.5 + 1.5, took
    with open(f"/proc/{pid}/comm") as f:
        assert f.read().strip() == "vrrp-lab"
    # SCHED_RR, reset on fork: the notify scripts it starts are not real-time
    assert os.sched_getscheduler(pid) == os.SCHED_RR | os.SCHED_RESET_ON_FORK
    assert os.sched_getparam(pid).sched_priority == 10
    with open(f"/proc/{pid}/limits") as f:
        rt = next(ln for ln in f if ln.startswith("Max realtime timeout"))
    assert rt.split()[3:5] == ["100000", "200000"], rt  # soft: half, as keepalived
    assert os.sched_getaffinity(pid) == {0}
    assert int(_status(pid)["VmLck"].split()[0]) > 0  # mlockall
    # Not scheduled for a second: the next timer fires late; one step up.
    os.kill(pid, signal.SIGSTOP)
    time.sleep(1.0)
    os.kill(pid, signal.SIGCONT)
    wait_for(lambda: os.sched_getparam(pid).sched_priority == 11, 5)
    assert "scheduling priority raised to SCHED_RR 11" in node.log()

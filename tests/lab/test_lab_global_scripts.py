"""keepalived's startup_script and shutdown_script (waited for, around the
instances' lives) and notify_deleted (what a reload that removes an instance
reports), on a real node."""

from __future__ import annotations

import pytest

from pyvrrp.lab.nodes import PyvrrpNode, instance_config, wait_for
from pyvrrp.lab.topology import one_segment

pytestmark = pytest.mark.lab


def test_startup_and_shutdown_scripts_and_notify_deleted(lab) -> None:
    seg = one_segment(lab, 2)
    out = lab.tmpdir / "events"
    log = lab.tmpdir / "log.sh"
    log.write_text(f'#!/bin/sh\necho "$@" >> {out}\n')
    log.chmod(0o755)
    slow = lab.tmpdir / "slow.sh"  # the startup script takes its time: it is waited for
    slow.write_text(f'#!/bin/sh\nsleep 0.5\necho "startup done" >> {out}\n')
    slow.chmod(0o755)
    head = f"""global_defs {{
    startup_script {slow}
    shutdown_script "{log} shutdown"
    shutdown_script_timeout 5
}}
"""
    notify = [f'notify "{log}"']
    vi1 = instance_config(name="VI_1", vrid=51, vips=("10.0.1.100/24",), extra=notify)
    vi2 = instance_config(
        name="VI_2", vrid=52, vips=("10.0.1.101/24",), extra=[*notify, "notify_deleted"]
    )
    vi3 = instance_config(name="VI_3", vrid=53, vips=("10.0.1.102/24",), extra=notify)
    node = PyvrrpNode(lab, seg.nodes[0])
    node.start(head + vi1 + vi2 + vi3)
    wait_for(lambda: all(node.state(n) == "MASTER" for n in ("VI_1", "VI_2", "VI_3")), 8)
    lines = out.read_text().splitlines()
    assert lines[0] == "startup done"  # before any instance said anything
    node.reload(head + vi1)  # VI_2 and VI_3 deleted
    wait_for(lambda: "INSTANCE VI_3 FAULT 100" in out.read_text().splitlines(), 5)
    assert "INSTANCE VI_2 DELETED 100" in out.read_text().splitlines()
    node.stop()
    lines = out.read_text().splitlines()
    assert lines[-2:] == ["INSTANCE VI_1 STOP 100", "shutdown"]

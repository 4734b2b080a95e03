"""The set-up and the lab leave what runs on the host alone.

People run ``make test`` on machines that route real traffic, some with a
keepalived of their own. Nothing here may stop, signal or reconfigure a process
the tests did not start: a process named ``keepalived`` on the host survives
``scripts/setup.sh`` and a lab that runs keepalived and pyvrrp peers in its
namespaces, and the lab still works beside it.

The "host keepalived" is a copy of ``sleep`` named ``keepalived`` (what a
``pkill -x keepalived`` would match), started and ended by PID by this test.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from pyvrrp.lab import Lab, one_segment
from pyvrrp.lab.keepalived import KeepalivedNode, keepalived_available
from pyvrrp.lab.netns import LabError
from pyvrrp.lab.nodes import PyvrrpNode, instance_config, wait_for

pytestmark = pytest.mark.lab

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def host_keepalived(tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A process on the host (root namespace) whose name is ``keepalived``."""
    sleep = shutil.which("sleep")
    assert sleep is not None
    fake = tmp_path / "keepalived"
    shutil.copy(sleep, fake)
    proc = subprocess.Popen([str(fake), "600"])
    try:
        # The child is named keepalived once it has exec'd (until then: pytest).
        wait_for(lambda: Path(f"/proc/{proc.pid}/comm").read_text().strip() == "keepalived", 5)
        # What `pkill -x keepalived` would match: this process is among it.
        found = subprocess.run(["pgrep", "-x", "keepalived"], capture_output=True, text=True)
        assert str(proc.pid) in found.stdout.split()
        yield proc
    finally:
        proc.kill()
        proc.wait(5)


def _alive(proc: subprocess.Popen[bytes]) -> bool:
    return proc.poll() is None


def test_setup_leaves_a_running_keepalived_alone(
    lab_ok: None, host_keepalived: subprocess.Popen[bytes]
) -> None:
    r = subprocess.run(
        ["./scripts/setup.sh"], cwd=REPO, capture_output=True, text=True, timeout=600
    )
    assert r.returncode == 0, r.stderr
    assert _alive(host_keepalived), "scripts/setup.sh signalled the host's keepalived"


def test_lab_peers_run_beside_the_hosts_keepalived(
    lab_ok: None, host_keepalived: subprocess.Popen[bytes]
) -> None:
    """A keepalived and a pyvrrp in lab namespaces elect, fail over and are
    torn down; the host's keepalived never notices."""
    if reason := keepalived_available():
        pytest.skip(reason)
    with Lab() as lab:
        seg = one_segment(lab, 2)
        ka = KeepalivedNode(lab, seg.nodes[0])
        py = PyvrrpNode(lab, seg.nodes[1])
        ka.start(instance_config(priority=200, advert_int=1, vips=("10.0.1.100/32",)))
        py.start(instance_config(priority=100, advert_int=1, vips=("10.0.1.100/32",)))
        wait_for(lambda: py.state() == "BACKUP", 10)
        ka.stop()
        wait_for(lambda: py.state() == "MASTER", 10)
        assert _alive(host_keepalived)
    assert _alive(host_keepalived), "the lab's teardown signalled the host's keepalived"


def test_a_namespace_in_the_way_is_reported_not_removed(lab_ok: None) -> None:
    """A namespace of the same name that the lab did not create is the host's:
    the lab refuses to build over it, says so, and leaves it in place."""
    with Lab() as lab:
        name = lab.ns("a")
        subprocess.run(["ip", "netns", "add", name], check=True, timeout=10)
        try:
            with pytest.raises(LabError, match="already exists"):
                lab.add_ns("a")
            assert name not in lab.namespaces
        finally:
            lab.close()
            still_there = os.path.exists(f"/run/netns/{name}")
            subprocess.run(["ip", "netns", "del", name], timeout=10)
        assert still_there, "the lab deleted a namespace it had not created"

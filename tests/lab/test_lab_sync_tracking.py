"""A sync group's own tracking on real nodes: a track_file and a
track_interface given on the vrrp_sync_group act on every member, so the whole
group fails over together (keepalived's sync_group_tracking_init)."""

from __future__ import annotations

import pytest

from pyvrrp.lab.nodes import PyvrrpNode, instance_config, wait_for
from pyvrrp.lab.topology import one_segment

pytestmark = pytest.mark.lab


def _group(track: str) -> str:
    return f"""vrrp_sync_group G {{
    group {{
        VI_1
        VI_2
    }}
{track}}}
"""


def _pair(priority: int) -> str:
    return instance_config(priority=priority, advert_int=0.5) + instance_config(
        name="VI_2", vrid=52, priority=priority, advert_int=0.5, vips=("10.0.1.101/24",)
    )


def test_sync_group_track_file_moves_every_member(lab) -> None:
    seg = one_segment(lab, 2)
    down = lab.tmpdir / "down"
    down.write_text("0\n")
    track = f"""track_file down {{
    file {down}
    weight 0
}}
"""
    group_track = "    track_file {\n        down\n    }\n"
    a, b = (PyvrrpNode(lab, n) for n in seg.nodes)
    a.start(track + _group(group_track) + _pair(150))
    b.start(_group("") + _pair(100))

    def states(node: PyvrrpNode) -> tuple[str, str]:
        return node.state("VI_1"), node.state("VI_2")

    wait_for(lambda: states(a) == ("MASTER", "MASTER") and states(b) == ("BACKUP",) * 2, 6)
    # The file names only the group, not VI_1 or VI_2: both go to FAULT.
    down.write_text("1\n")
    wait_for(lambda: states(a) == ("FAULT", "FAULT"), 2)
    wait_for(lambda: states(b) == ("MASTER", "MASTER"), 4)
    assert "10.0.1.100/24" not in a.addresses() and "10.0.1.101/24" not in a.addresses()
    down.write_text("0\n")
    wait_for(lambda: states(a) == ("MASTER", "MASTER") and states(b) == ("BACKUP",) * 2, 6)


def test_sync_group_weighted_tracking_needs_sync_group_tracking_weight(lab) -> None:
    """Without sync_group_tracking_weight a member's weighted track_file is
    dropped (a warning, as keepalived); with it, it moves the priority."""
    seg = one_segment(lab, 2)
    load = lab.tmpdir / "load"
    load.write_text("2\n")
    track = f"track_file load {{\n    file {load}\n    weight -40\n}}\n"
    member = ["track_file {", "    load", "}"]
    conf = (
        track
        + _group("")
        + instance_config(priority=150, advert_int=0.5, extra=member)
        + instance_config(
            name="VI_2", vrid=52, priority=150, advert_int=0.5, vips=("10.0.1.101/24",)
        )
    )
    a, b = (PyvrrpNode(lab, n) for n in seg.nodes)
    a.start(conf)
    b.start(_group("") + _pair(100))
    wait_for(lambda: a.state("VI_1") == "MASTER" and b.state("VI_1") == "BACKUP", 6)
    assert a.instance("VI_1")["priority"] == 150  # the weight was dropped
    assert "ignoring tracked file load with weight -40 due to SYNC group" in a.log()

    a.stop()
    a.start(conf.replace("group {", "sync_group_tracking_weight\n    group {", 1))
    # 150 - 2 x 40 = 70, below B's 100: B is Master of the group.
    wait_for(lambda: a.instance("VI_1")["priority"] == 70, 6)
    wait_for(lambda: b.state("VI_1") == "MASTER" and b.state("VI_2") == "MASTER", 6)
    wait_for(lambda: a.state("VI_2") == "BACKUP", 3)

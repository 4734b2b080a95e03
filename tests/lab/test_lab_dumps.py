"""keepalived's JSON, stats and data dumps on a real node, asked for with
keepalived's signals and read the way the tools that read them do."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest

from pyvrrp.lab.nodes import PyvrrpNode, instance_config, wait_for
from pyvrrp.lab.topology import one_segment

pytestmark = pytest.mark.lab


def _signum(name: str) -> int:
    out = subprocess.run(
        [sys.executable, "-m", "pyvrrp", "run", "--signum", name],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(out.stdout)


def test_json_and_stats_dumps(lab) -> None:
    seg = one_segment(lab, 2)
    jpath = lab.tmpdir / "keepalived.json"
    spath = lab.tmpdir / "keepalived.stats"
    dpath = lab.tmpdir / "state.data"
    conf = f"""global_defs {{
    json_dump_file {jpath}
    stats_dump_file {spath}
    state_dump_file {dpath}
}}
""" + instance_config(priority=150, advert_int=0.5)
    a = PyvrrpNode(lab, seg.nodes[0])
    b = PyvrrpNode(lab, seg.nodes[1])
    a.start(conf)
    b.start(instance_config(priority=100, advert_int=0.5))
    wait_for(lambda: a.state() == "MASTER" and b.state() == "BACKUP", 5)
    wait_for(lambda: a.instance()["adverts_sent"] >= 3, 5)
    assert a.proc is not None
    assert _signum("JSON") == signal.SIGRTMIN + 2
    os.kill(a.proc.pid, _signum("JSON"))
    os.kill(a.proc.pid, _signum("STATS"))
    assert _signum("DATA") == signal.SIGUSR1
    os.kill(a.proc.pid, _signum("DATA"))
    wait_for(lambda: jpath.exists() and spath.exists() and dpath.exists(), 5)
    doc = json.loads(jpath.read_text())
    (entry,) = doc  # json_version 1: a list, one entry per instance
    data, stats = entry["data"], entry["stats"]
    # What keepalived-exporter reads: iname, state (2: MASTER), vrid, priorities, vips.
    assert (data["iname"], data["state"], data["vrid"]) == ("VI_1", 2, 51)
    assert (data["base_priority"], data["effective_priority"]) == (150, 150)
    assert data["ifp_ifname"] == "eth0"
    assert data["vips"] == ["10.0.1.100/24"]
    assert stats["become_master"] == 1 and stats["advert_sent"] >= 3
    assert stats["release_master"] == 0 and stats["pri_zero_sent"] == 0
    text = spath.read_text().splitlines()
    assert text[0] == "VRRP Instance: VI_1"
    assert text[4] == "  Became master: 1"
    assert any(ln.startswith("    Sent: ") and int(ln.split()[-1]) >= 3 for ln in text[1:4])
    assert a.running

    # The data dump, as keepalived-exporter and "grep -A 6 'VRRP Topology'"
    # monitors read it.
    lines = dpath.read_text().splitlines()
    top = lines.index("------< VRRP Topology >------")
    assert lines[top + 1] == " VRRP Instance = VI_1"
    block = []
    for ln in lines[top + 2 :]:
        if not ln.startswith("   "):
            break
        block.append(ln)
    fields = dict(ln.strip().split(" = ", 1) for ln in block if " = " in ln)
    assert (fields["State"], fields["Interface"], fields["Virtual Router ID"]) == (
        "MASTER",
        "eth0",
        "51",
    )
    assert "MASTER" in [ln.split("=", 1)[1].strip() for ln in lines[top : top + 7] if "State" in ln]
    vip_at = block.index("   Virtual IP (1):")
    assert block[vip_at + 1].split()[:3] == ["10.0.1.100/24", "dev", "eth0"]

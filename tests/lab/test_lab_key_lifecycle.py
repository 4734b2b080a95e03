"""Key rotation by lifetimes alone: no reload, no transition, no rejected advert."""

from __future__ import annotations

import json
import time

import pytest

from pyvrrp.auth.lifecycle import format_utc
from pyvrrp.lab.nodes import HmacBlock, PyvrrpNode, instance_config, wait_for
from pyvrrp.lab.topology import one_segment

pytestmark = pytest.mark.lab

K1 = "hex:" + "31" * 32
K2 = "hex:" + "32" * 32
ADV = 0.5


def test_three_nodes_rotate_keys_by_lifetimes_alone(lab) -> None:
    seg = one_segment(lab, 3)
    nodes = [PyvrrpNode(lab, node) for node in seg.nodes]
    # The switch lands on a whole second a few seconds after start-up.
    switch = int(time.time()) + 6
    block = HmacBlock(
        {1: K1, 2: K2},
        active_key=1,
        lifetimes={
            1: f"send_lifetime 2020-01-01T00:00:00Z {format_utc(switch)}",
            2: f"send_lifetime {format_utc(switch)} infinite",
        },
    )
    prios = [150, 100, 50]
    for i, n in enumerate(nodes):
        n.start(instance_config(priority=prios[i], advert_int=ADV, hmac=block), wait=False)
    for n in nodes:
        n.wait_ready()
    wait_for(lambda: nodes[0].state() == "MASTER", 3 * ADV + 3)
    assert time.time() < switch - 0.5, "start-up too slow for the chosen switch time"
    assert nodes[0].instance()["send_key"] == 1
    before = [n.instance()["transitions"] for n in nodes]
    # Past the switch by several adverts.
    time.sleep(max(0.0, switch - time.time()) + 6 * ADV)
    for n in nodes:
        i = n.instance()
        assert i["transitions"] == before[nodes.index(n)], n.log()
        assert i["send_key"] == 2 and i["auth_alarm"] is None
        assert sum(v for k, v in i["auth"].items() if k != "ok") == 0, i["auth"]
        assert not i["drops"], i["drops"]
        assert "31" * 32 not in json.dumps(n.status()) and "32" * 32 not in json.dumps(n.status())
        assert "31" * 32 not in n.log() and "32" * 32 not in n.log()
    assert [n.state() for n in nodes] == ["MASTER", "BACKUP", "BACKUP"]
    for n in nodes[1:]:
        i = n.instance()
        master = [p for p in i["peers"] if p["address"] == "10.0.1.1"]
        assert master and master[0]["last_key_id"] == 2 and master[0]["signs"]
        assert i["auth"]["ok"] > 0
        assert i["rollout"]["ok"] and i["rollout"]["next_mode"] is None
    assert "signing with key 2 (was key 1)" in nodes[0].log()

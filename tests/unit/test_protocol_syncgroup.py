"""vrrp_sync_group: members move together (keepalived semantics)."""

from __future__ import annotations

import pytest
from protocol_helpers import router
from vrrp_sim import Sim

from pyvrrp.protocol import SendAdvert, State, SyncGroup


def two_hosts() -> Sim:
    """Host X (higher priorities) and host Y, each with VRID 1 and 2 in a group."""
    x1, x2 = router("X1", 200, 1, vrid=1), router("X2", 200, 1, vrid=2)
    y1, y2 = router("Y1", 100, 2, vrid=1), router("Y2", 100, 2, vrid=2)
    sim = Sim.of(x1, x2, y1, y2, groups={"X": ["X1", "X2"], "Y": ["Y1", "Y2"]})
    sim.start()
    sim.run_until(10.0)
    assert sim.masters() == ["X1", "X2"]
    return sim


def test_group_members_become_master_together() -> None:
    sim = two_hosts()
    assert sim.became_master_at("X1") == sim.became_master_at("X2")


def test_one_member_fault_drags_the_group_to_fault_and_back() -> None:
    sim = two_hosts()
    sim.call("X1", "interface_changed", False)
    assert sim.routers["X1"].state is State.FAULT
    assert sim.routers["X2"].state is State.FAULT
    # Both sent priority 0, so Y's members take over after Skew_Time.
    sim.run_until(11.0)
    assert sim.masters() == ["Y1", "Y2"]
    sim.call("X1", "interface_changed", True)
    assert sim.routers["X2"].state is State.BACKUP
    sim.run_until(20.0)
    assert sim.masters() == ["X1", "X2"]


def test_one_member_stepping_down_takes_the_others_to_backup() -> None:
    sim = two_hosts()
    # A standalone higher priority router for VRID 1 appears: X1 steps down
    # and X2 follows it at once, sending priority 0 on the way out.
    sim.routers["Z1"] = z1 = router("Z1", 250, 3, vrid=1)
    sim.host_of["Z1"] = "Z"
    sim.start("Z1")
    sim.run_until(15.0)
    assert z1.state is State.MASTER
    x1_down = sim.transitions("X1")[-1]
    assert x1_down[1] is State.BACKUP
    assert sim.transitions("X2")[-1] == x1_down  # same instant
    assert any(e.router == "X2" and e.action == SendAdvert(0) for e in sim.log)
    # keepalived: a group may only be Master if *every* member may be; Y1
    # hears Z1, so Y2 holds back too and VRID 2 is left without a Master.
    assert sim.routers["Y2"].wants_master
    assert sim.masters() == ["Z1"]


def test_member_waits_for_the_whole_group_before_going_master() -> None:
    # A lone host: G1 (v3 1 s) and G2 (v3 2 s). G1's timer fires first but it
    # may only go Master with G2.
    g1 = router("G1", 100, 1, vrid=1)
    g2 = router("G2", 100, 1, vrid=2, advert_interval_cs=200)
    group = SyncGroup("G", [g1, g2])
    g1.start(0.0)
    g2.start(0.0)
    t1 = g1.next_deadline() or 0.0
    assert g1.handle_timer(t1) == [] and g1.wants_master
    assert g1.state is State.BACKUP
    assert group.reconcile(t1) == []
    t2 = g2.next_deadline() or 0.0
    actions = g2.handle_timer(t2)
    assert g2.state is State.MASTER and actions[0] == SendAdvert(100)
    forced = group.reconcile(t2)
    assert [(r.params.name, acts[0]) for r, acts in forced] == [("G1", SendAdvert(100))]
    assert g1.state is State.MASTER
    assert t2 == pytest.approx(6 + 156 * 2 / 256)

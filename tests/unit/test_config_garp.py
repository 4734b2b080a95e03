"""garp_group and vrrp_min_garp as keepalived reads them, and the pacing of
announcements they configure (pure: the time is given)."""

from __future__ import annotations

from pyvrrp.config import loads
from pyvrrp.config.model import GarpGroup
from pyvrrp.net.announce import Pacer

INST = (
    "vrrp_instance VI_1 {\n    interface eth0\n    virtual_router_id 5\n"
    "    virtual_ipaddress {\n        192.0.2.1\n    }\n}\n"
)


def load(text: str):  # type: ignore[no-untyped-def]
    r = loads(text + INST, name="t.conf", env={})
    return r, [(d.level, d.message) for d in r.diagnostics]


def test_garp_group_with_one_interface_and_with_several() -> None:
    r, diags = load(
        "garp_group {\n    garp_interval 0.001\n    interface eth0\n}\n"
        "garp_group {\n    gna_interval 0.5\n"
        "    interfaces {\n        eth1\n        eth2\n    }\n}\n"
    )
    assert diags == []
    assert r.config.garp_groups == (
        GarpGroup(interfaces=("eth0",), garp_interval=0.001, file="t.conf", line=1),
        GarpGroup(interfaces=("eth1", "eth2"), gna_interval=0.5, file="t.conf", line=5),
    )


def test_garp_group_errors() -> None:
    _, diags = load("garp_group {\n    interface eth0\n}\n")
    assert diags == [("error", "garp group does not have any delay set - removing")]
    _, diags = load("garp_group {\n    garp_interval x\n    gna_interval 0.1234567\n}\n")
    assert ("error", "garp_group garp_interval 'x' invalid") in diags
    assert ("error", "garp_group gna_interval '0.1234567' invalid") in diags
    _, diags = load(
        "garp_group {\n    garp_interval 0.1\n    interface eth0\n}\n"
        "garp_group {\n    garp_interval 0.2\n    interface eth0\n}\n"
    )
    assert ("error", "garp_group already specified for eth0 - ignoring") in diags
    _, diags = load("garp_group {\n    garp_interval 2\n    interface eth0\n}\n")
    assert diags == []  # keepalived only logs that it is "very large"
    _, diags = load("garp_group {\n    garp_interval 0.1\n    interfaces {\n    }\n}\n")
    assert ("error", "Warning - empty garp_group interfaces block") in diags


def test_vrrp_min_garp_sends_one_and_no_repeat_but_keeps_settings_given() -> None:
    r, _ = load("global_defs {\n    vrrp_min_garp\n}\n")
    g = r.config.global_defs
    assert (g.vrrp_garp_master_repeat, g.vrrp_garp_master_delay) == (1, 0)
    assert r.config.instances[0].garp_master_repeat == 1
    assert r.config.instances[0].garp_master_delay == 0
    r, _ = load("global_defs {\n    vrrp_garp_master_repeat 3\n    vrrp_min_garp\n}\n")
    assert r.config.global_defs.vrrp_garp_master_repeat == 3
    r, _ = load("global_defs {\n    vrrp_min_garp false\n}\n")
    assert r.config.global_defs.vrrp_garp_master_repeat == 5


def test_pacer_spaces_frames_of_one_key_only() -> None:
    p = Pacer()
    assert [p.slot("g", 10.0, 0.25) for _ in range(3)] == [10.0, 10.25, 10.5]
    assert p.slot("other", 10.0, 0.2) == 10.0
    assert p.slot("g", 11.0, 0.25) == 11.0  # the queue drained meanwhile
    assert p.slot("g", 11.0, 0) == 11.0  # no interval: now, and no booking
    assert p.slot("g", 11.0, 0.25) == 11.25
    p.forget()
    assert p.slot("g", 11.0, 0.25) == 11.0

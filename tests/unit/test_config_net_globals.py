"""The network globals as keepalived reads them: vrrp_rx_bufs_policy and its
multiplier, the netlink buffer sizes, default_interface, nftables_ifindex."""

from __future__ import annotations

import pytest

from pyvrrp.config import loads

INST = (
    "vrrp_instance VI_1 {\n    interface eth0\n    virtual_router_id 5\n"
    "    virtual_ipaddress {\n        192.0.2.1\n    }\n}\n"
)


def load(*lines: str):  # type: ignore[no-untyped-def]
    text = "global_defs {\n" + "".join(f"    {ln}\n" for ln in lines) + "}\n" + INST
    r = loads(text, name="t.conf", env={})
    return r.config.global_defs if r.config else None, [(d.level, d.message) for d in r.diagnostics]


@pytest.mark.parametrize(
    ("line", "policy", "size", "diags"),
    [
        ("vrrp_rx_bufs_policy MTU", "MTU", None, []),
        ("vrrp_rx_bufs_policy advert", "ADVERT", None, []),
        ("vrrp_rx_bufs_policy 65536", None, 65536, []),
        (
            "vrrp_rx_bufs_policy MTU ADVERT",
            "MTU",
            None,
            [("error", "Cannot set both vrrp_rx_bufs_policy MTU and ADVERT, ignoring ADVERT")],
        ),
        (
            "vrrp_rx_bufs_policy MTU 1000",
            None,
            1000,
            [("error", "Cannot set vrrp_rx_bufs_policy size and policy, ignoring policy")],
        ),
        ("vrrp_rx_bufs_policy x", None, None, [("error", "Invalid vrrp_rx_bufs_policy x")]),
        ("vrrp_rx_bufs_policy", None, None, [("error", "vrrp_rx_bufs_policy missing")]),
    ],
)
def test_rx_bufs_policy(line: str, policy, size, diags) -> None:  # type: ignore[no-untyped-def]
    g, got = load(line)
    assert got == diags
    if g is not None:
        assert (g.vrrp_rx_bufs_policy, g.vrrp_rx_bufs_size) == (policy, size)


def test_rx_bufs_multiplier() -> None:
    g, _ = load("vrrp_rx_bufs_multiplier 7")
    assert g.vrrp_rx_bufs_multiplier == 7
    _, diags = load("vrrp_rx_bufs_multiplier 0")
    assert diags == [("error", "Invalid vrrp_rx_bufs_multiplier 0")]


def test_netlink_buffers() -> None:
    g, diags = load(
        "vrrp_netlink_cmd_rcv_bufs 1048576",
        "vrrp_netlink_cmd_rcv_bufs_force",
        "vrrp_netlink_monitor_rcv_bufs 524288",
        "vrrp_netlink_monitor_rcv_bufs_force false",
    )
    assert diags == []
    assert (g.vrrp_netlink_cmd_rcv_bufs, g.vrrp_netlink_cmd_rcv_bufs_force) == (1048576, True)
    assert (g.vrrp_netlink_monitor_rcv_bufs, g.vrrp_netlink_monitor_rcv_bufs_force) == (
        524288,
        False,
    )
    _, diags = load("vrrp_netlink_cmd_rcv_bufs x")
    assert diags == [("error", "vrrp_netlink_cmd_rcv_bufs size (x) invalid")]
    _, diags = load("vrrp_netlink_monitor_rcv_bufs_force maybe")
    assert diags[-1] == (
        "error",
        "Invalid value 'maybe' for global vrrp_netlink_monitor_rcv_bufs_force specified",
    )


def test_default_interface_for_static_addresses() -> None:
    text = "static_ipaddress {\n    10.9.0.1/24\n}\n"
    r = loads(text + INST, name="t.conf", env={})
    assert r.config.static_addresses[0].dev == "eth0"  # keepalived's default
    r = loads("global_defs {\n    default_interface lan1\n}\n" + text + INST, name="t.conf", env={})
    assert r.config.static_addresses[0].dev == "lan1"
    _, diags = load("default_interface")
    assert diags == [("error", "default_interface requires interface name")]


def test_nftables_ifindex_is_read() -> None:
    g, diags = load("nftables_ifindex")
    assert diags == [] and g.nftables_ifindex


def _inst(*lines: str) -> str:
    body = "".join(f"    {ln}\n" for ln in lines)
    return (
        "vrrp_instance VI_1 {\n    virtual_router_id 5\n" + body + "    virtual_ipaddress {\n"
        "        192.0.2.1\n    }\n}\n"
    )


def test_vrf_instance_and_an_instance_without_interface() -> None:
    r = loads(
        _inst("vrf blue", "unicast_src_ip 10.0.0.1", "unicast_peer {", "    10.0.0.2", "}"),
        name="t.conf",
        env={},
    )
    assert r.ok, r.format()
    cfg = r.config.instances[0]
    assert (cfg.interface, cfg.vrf, cfg.socket_interface) == (None, "blue", "blue")
    # Its addresses without dev go on default_interface (keepalived's eth0).
    assert cfg.virtual_addresses[0].dev == "eth0"
    r = loads(_inst("interface eth0", "vrf blue"), name="t.conf", env={})
    assert [d.message for d in r.diagnostics] == [
        "(VI_1) Cannot specify VRF interface and interface - ignoring"
    ]
    r = loads(_inst("vrf blue"), name="t.conf", env={})
    assert [d.message for d in r.errors] == [
        "vrrp_instance VI_1 has no interface (vrf needs unicast peers)"
    ]


def test_linkbeat_interfaces_and_use_polling() -> None:
    text = "linkbeat_interfaces {\n    eth0 MII\n    eth1\n    eth2 FOO\n}\nlinkbeat_use_polling\n"
    r = loads(text + INST, name="t.conf", env={})
    assert dict(r.config.linkbeat_interfaces) == {"eth0": "MII", "eth1": None, "eth2": None}
    assert r.config.linkbeat_use_polling
    assert [(d.line, d.message) for d in r.diagnostics] == [
        (4, "extra characters FOO in linkbeat interface")
    ]
    r = loads(
        "linkbeat_interfaces {\n    eth7\n}\n" + INST,
        name="t.conf",
        env={},
        interfaces=frozenset({"lo", "eth0"}),
    )
    assert [d.message for d in r.errors] == [
        "unknown interface eth7 specified for linkbeat interface"
    ]
    r = loads(
        INST.replace("virtual_router_id 5", "virtual_router_id 5\n    linkbeat_use_polling"),
        name="t.conf",
        env={},
    )
    assert r.config.instances[0].linkbeat_use_polling  # deprecated, still honoured
    assert [d.message for d in r.diagnostics] == [
        "(VI_1) 'linkbeat_use_polling' in vrrp instance deprecated - use linkbeat_interfaces block"
    ]

"""AddressManager and the interface helpers, checked against `ip -j` output."""

from __future__ import annotations

import json
import select
import time
from ipaddress import IPv4Address, IPv6Address
from typing import Any

import pytest

from pyvrrp.lab import Lab, inside, one_segment
from pyvrrp.net import (
    AddressManager,
    LinkWatcher,
    NetError,
    VirtualAddress,
    VirtualRoute,
    ifindex,
    interface_up,
    link_local,
    mac,
    mtu,
    primary_address,
)

pytestmark = pytest.mark.lab


def kernel_addrs(lab: Lab, ns: str, dev: str) -> dict[str, dict[str, Any]]:
    """The kernel's word: `ip -j addr show dev` keyed by "addr/prefixlen"."""
    out = json.loads(lab.run(ns, ["ip", "-j", "addr", "show", "dev", dev]).stdout)
    return {f"{a['local']}/{a['prefixlen']}": a for a in out[0]["addr_info"]}


def kernel_routes(lab: Lab, ns: str, *args: str) -> list[dict[str, Any]]:
    return json.loads(lab.run(ns, ["ip", "-j", *args, "route", "show", "table", "all"]).stdout)


def test_add_remove_vips(lab: Lab) -> None:
    (node,) = one_segment(lab, 1).nodes
    v4 = VirtualAddress.of("10.0.1.100/24", "eth0", label="eth0:vip", broadcast="10.0.1.255")
    v6 = VirtualAddress.of("fd00:1::100/64", "eth0")
    v4host = VirtualAddress.of("10.0.1.101/32", "eth0", scope="host")
    with AddressManager(netns=node.ns) as am:
        assert am.add(v4) and am.add(v6) and am.add(v4host)
        k = kernel_addrs(lab, node.ns, "eth0")
        assert k["10.0.1.100/24"]["label"] == "eth0:vip"
        assert k["10.0.1.100/24"]["broadcast"] == "10.0.1.255"
        assert k["10.0.1.101/32"]["scope"] == "host"
        assert k["fd00:1::100/64"].get("nodad") is True
        assert "tentative" not in k["fd00:1::100/64"]
        assert am.present(v4) and am.present(v6)
        # Idempotent: adding again is fine and reports nothing new.
        assert am.add(v4) is False
        listed = {str(a.address): a for a in am.list("eth0")}
        assert listed["10.0.1.100/24"].label == "eth0:vip"
        assert listed["fd00:1::100/64"].nodad
        assert am.remove(v4) and am.remove(v6)
        assert am.remove(v4) is False  # removing a missing one is fine
        k = kernel_addrs(lab, node.ns, "eth0")
        assert "10.0.1.100/24" not in k and "fd00:1::100/64" not in k
        assert "10.0.1.101/32" in k
        assert not am.present(v4)


def test_release_leaves_preexisting_alone(lab: Lab) -> None:
    (node,) = one_segment(lab, 1).nodes
    lab.run(node.ns, ["ip", "addr", "add", "10.0.1.50/24", "dev", "eth0"])
    existing = VirtualAddress.of("10.0.1.50/24", "eth0")
    ours = VirtualAddress.of("10.0.1.60/24", "eth0")
    with AddressManager(netns=node.ns) as am:
        assert am.add(existing) is False
        assert am.add(ours) is True
        assert am.owned() == [ours]
        am.release()
        k = kernel_addrs(lab, node.ns, "eth0")
        assert "10.0.1.50/24" in k  # was there before: untouched
        assert "10.0.1.60/24" not in k
        assert "10.0.1.1/24" in k  # the node's own address
        assert am.owned() == []
        # adopt=True takes ownership of one already present (ours from before a restart)
        assert am.add(existing, adopt=True) is False
        am.release()
        assert "10.0.1.50/24" not in kernel_addrs(lab, node.ns, "eth0")


def test_errors_name_interface_and_address(lab: Lab) -> None:
    (node,) = one_segment(lab, 1).nodes
    with AddressManager(netns=node.ns) as am:
        with pytest.raises(NetError, match="nosuch"):
            am.add(VirtualAddress.of("10.0.1.100/24", "nosuch"))
        bad = VirtualAddress.of("10.0.1.100/24", "eth0", scope=77)
        bad_route = VirtualRoute.of("10.8.0.0/16", via="10.99.0.1")  # unreachable gateway
        with pytest.raises(NetError, match=r"10\.8\.0\.0/16") as ei:
            am.add_route(bad_route)
        assert ei.value.errno
        with pytest.raises(NetError, match=r"10\.0\.1\.100/24 to eth0") as ei:
            am.add(bad)  # the kernel refuses scope 77
        assert ei.value.ifname == "eth0" and not am.owned()
        assert am.remove_route(bad_route) is False


def test_routes(lab: Lab) -> None:
    (node,) = one_segment(lab, 1).nodes
    via = VirtualRoute.of("10.20.0.0/16", via="10.0.1.254", dev="eth0", metric=50)
    table = VirtualRoute.of("10.21.0.0/16", dev="eth0", src="10.0.1.1", table=100, scope="link")
    hole = VirtualRoute.of("10.22.0.0/16", blackhole=True)
    v6 = VirtualRoute.of("fd00:20::/48", via="fd00:1::fe", dev="eth0")
    with AddressManager(netns=node.ns) as am:
        for r in (via, table, hole, v6):
            assert am.add_route(r) is True
            assert am.add_route(r) is False
            assert am.route_present(r)
        rs = {r["dst"]: r for r in kernel_routes(lab, node.ns)}
        assert rs["10.20.0.0/16"]["gateway"] == "10.0.1.254"
        assert rs["10.20.0.0/16"]["metric"] == 50
        assert rs["10.21.0.0/16"]["table"] == "100"
        assert rs["10.21.0.0/16"]["prefsrc"] == "10.0.1.1"
        assert rs["10.21.0.0/16"]["scope"] == "link"
        assert rs["10.22.0.0/16"]["type"] == "blackhole"
        r6 = {r["dst"]: r for r in kernel_routes(lab, node.ns, "-6")}
        assert r6["fd00:20::/48"]["gateway"] == "fd00:1::fe"
        am.release()
        dsts = {r["dst"] for r in kernel_routes(lab, node.ns)}
        assert not dsts & {"10.20.0.0/16", "10.21.0.0/16", "10.22.0.0/16"}
        assert "fd00:20::/48" not in {r["dst"] for r in kernel_routes(lab, node.ns, "-6")}
        assert am.remove_route(via) is False


def test_interface_helpers(lab: Lab) -> None:
    a, _b = one_segment(lab, 2).nodes
    link = json.loads(lab.run(a.ns, ["ip", "-j", "link", "show", "eth0"]).stdout)[0]
    ll = next(
        x["local"]
        for x in json.loads(lab.run(a.ns, ["ip", "-j", "-6", "addr", "show", "eth0"]).stdout)[0][
            "addr_info"
        ]
        if x["scope"] == "link"
    )
    assert ifindex("eth0", netns=a.ns) == link["ifindex"]
    assert mtu("eth0", netns=a.ns) == link["mtu"]
    assert mac("eth0", netns=a.ns) == bytes.fromhex(link["address"].replace(":", ""))
    assert primary_address("eth0", 4, netns=a.ns) == IPv4Address("10.0.1.1")
    assert primary_address("eth0", 6, netns=a.ns) == IPv6Address(ll)
    assert link_local("eth0", netns=a.ns) == IPv6Address(ll)
    with inside(a.ns):  # the helpers follow the thread's namespace
        assert ifindex("eth0") == link["ifindex"]
        assert interface_up("eth0")
    assert interface_up("eth0", netns=a.ns)
    # Carrier follows the far end: the peer's port on the bridge going down.
    lab.set_link(a.ns, "eth0", up=False)
    assert not interface_up("eth0", netns=a.ns)
    with pytest.raises(NetError, match="nosuch"):
        mtu("nosuch", netns=a.ns)


def test_link_watcher(lab: Lab) -> None:
    (node,) = one_segment(lab, 1).nodes
    with inside(node.ns):
        watcher = LinkWatcher({"eth0"})
    with watcher:
        assert watcher.read() == []
        with inside(node.ns):
            assert watcher.snapshot() == [("eth0", True)]
        lab.set_link(node.ns, "eth0", up=False)
        events = watcher.read()
        assert events and events[-1] == ("eth0", False)
        lab.set_link(node.ns, "eth0", up=True)
        # Carrier comes a moment after admin up: poll the fd as the daemon would.
        events = []
        deadline = time.monotonic() + 3
        while events[-1:] != [("eth0", True)] and time.monotonic() < deadline:
            select.select([watcher.fileno()], [], [], 0.1)
            events += watcher.read()
        assert events[-1:] == [("eth0", True)], events

"""virtual_routes / static_routes options as keepalived (iproute2) reads
them, and what pyvrrp asks the kernel for (the netlink request's fields)."""

from __future__ import annotations

import pytest

from pyvrrp.config import loads
from pyvrrp.daemon.effects import static_entries
from pyvrrp.net.addresses import AddressManager

INST = (
    "vrrp_instance VI_1 {\n    interface eth0\n    virtual_router_id 5\n"
    "    virtual_ipaddress {\n        192.0.2.1\n    }\n}\n"
)


def route(line: str):  # type: ignore[no-untyped-def]
    r = loads(f"static_routes {{\n    {line}\n}}\n" + INST, name="t.conf", env={})
    return r, [(d.level, d.message) for d in r.diagnostics]


def test_metrics_with_lock_and_times() -> None:
    r, diags = route(
        "10.9.0.0/16 via 10.0.0.1 mtu lock 1400 advmss 1360 rtt 100ms rttvar 1s rto_min 200 "
        "congctl lock cubic window 10 initcwnd 10 features ecn quickack 1"
    )
    assert diags == []
    (rt,) = r.config.static_routes
    assert dict(rt.metrics) == {
        "RTAX_MTU": 1400,
        "RTAX_ADVMSS": 1360,
        "RTAX_RTT": 800,  # 1/8 ms
        "RTAX_RTTVAR": 4000,  # 1/4 ms
        "RTAX_RTO_MIN": 200,
        "RTAX_CC_ALGO": "cubic",
        "RTAX_WINDOW": 10,
        "RTAX_INITCWND": 10,
        "RTAX_FEATURES": 1,
        "RTAX_QUICKACK": 1,
    }
    assert rt.lock == (1 << 2) | (1 << 16)  # mtu, congctl


def test_type_protocol_tos_realms_pref() -> None:
    r, diags = route("unreachable 10.9.0.0/16 protocol keepalived tos 0x10 realms 3/5")
    assert diags == []
    (rt,) = r.config.static_routes
    assert (rt.type, rt.protocol, rt.tos, rt.realms) == ("unreachable", 18, 0x10, (3 << 16) | 5)
    r, _ = route("fd00::/16 via fe80::1 dev eth0 pref low")
    assert r.config.static_routes[0].pref == 3


def test_or_is_the_old_multipath() -> None:
    r, diags = route("10.9.0.0/16 via 10.0.0.1 or 10.0.0.2")
    assert diags == [("warning", '"or" for routes is deprecated. Please use "nexthop"')]
    rt = r.config.static_routes[0]
    assert rt.via is None
    assert rt.nexthops == (("10.0.0.1", None, 1, False), ("10.0.0.2", None, 1, False))


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("10.9.0.0/16 mtu x", "Invalid mtu value x specified for route"),
        ("10.9.0.0/16 window lock 3", "route option window cannot be locked"),
        ("10.9.0.0/16 rtt fast", "Invalid rtt fast for route"),
        ("10.9.0.0/16 quickack 2", "Invalid quickack value 2 specified for route"),
        ("10.9.0.0/16 protocol nosuch", "Invalid protocol nosuch for route"),
        ("10.9.0.0/16 pref x", "Invalid pref x for route"),
        ("10.9.0.0/16 frobnicate 1", "unknown route option 'frobnicate'; route skipped"),
        (
            "10.9.0.0/16 encap mpls 100 via 10.0.0.1",
            "route option 'encap' is not implemented by pyvrrp; route skipped",
        ),
    ],
)
def test_bad_options_are_errors_that_skip_the_route(line: str, message: str) -> None:
    _, diags = route(line)
    assert diags == [("error", message)]


def test_the_request_carries_them() -> None:
    r, _ = route("unreachable 10.9.0.0/16 mtu lock 1400 protocol 18 tos 0x10 realms 5")
    (rt,) = static_entries(r.config)[1]
    kw = AddressManager._route_args(object.__new__(AddressManager), rt)  # no dev: no netlink
    assert kw["type"] == "unreachable"
    assert kw["RTA_METRICS"] == {"attrs": [["RTAX_MTU", 1400], ["RTAX_LOCK", 4]]}
    assert (kw["proto"], kw["tos"], kw["realms"]) == (18, 0x10, 5)

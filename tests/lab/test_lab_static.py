"""static_ipaddress and static_routes on a real node: on the host whatever
the VRRP state, changed by a reload, removed on stop; after a SIGKILL the next
start removes what the killed run added and nothing else."""

from __future__ import annotations

import json

import pytest

from pyvrrp.lab.nodes import PyvrrpNode, instance_config, wait_for
from pyvrrp.lab.topology import one_segment

pytestmark = pytest.mark.lab


def _static(addrs: list[str], routes: list[str]) -> str:
    out = "static_ipaddress {\n" + "".join(f"    {a} dev eth0\n" for a in addrs) + "}\n"
    return out + "static_routes {\n" + "".join(f"    {r}\n" for r in routes) + "}\n"


def _routes(lab, ns: str) -> set[str]:  # type: ignore[no-untyped-def]
    out = json.loads(lab.run(ns, ["ip", "-j", "route", "show"]).stdout)
    return {f"{r['dst']} via {r['gateway']}" for r in out if "gateway" in r}


def test_static_entries_follow_the_config_not_the_state(lab) -> None:
    seg = one_segment(lab, 2)
    ns = seg.nodes[0].ns
    a, b = PyvrrpNode(lab, seg.nodes[0]), PyvrrpNode(lab, seg.nodes[1])
    b.start(instance_config(priority=200, advert_int=0.5))
    conf = _static(["10.0.5.1/24"], ["10.50.0.0/16 via 10.0.1.254 dev eth0"])
    a.start(conf + instance_config(priority=100, advert_int=0.5))
    wait_for(lambda: b.state() == "MASTER" and a.state() == "BACKUP", 5)
    # A is Backup: no VIP, but its static address and route are there.
    wait_for(lambda: "10.0.5.1/24" in a.addresses(), 3)
    assert "10.0.1.100/24" not in a.addresses()
    assert "10.50.0.0/16 via 10.0.1.254" in _routes(lab, ns)

    # A reload swaps them.
    a.reload(
        _static(["10.0.6.1/24"], ["10.60.0.0/16 via 10.0.1.254 dev eth0"])
        + instance_config(priority=100, advert_int=0.5)
    )
    wait_for(lambda: "10.0.6.1/24" in a.addresses() and "10.0.5.1/24" not in a.addresses(), 3)
    assert _routes(lab, ns) >= {"10.60.0.0/16 via 10.0.1.254"}
    assert "10.50.0.0/16 via 10.0.1.254" not in _routes(lab, ns)

    # A clean stop removes them.
    a.stop()
    assert "10.0.6.1/24" not in a.addresses()
    assert "10.60.0.0/16 via 10.0.1.254" not in _routes(lab, ns)


def test_after_a_sigkill_the_next_start_removes_what_was_left(lab) -> None:
    seg = one_segment(lab, 1)
    ns = seg.nodes[0].ns
    a = PyvrrpNode(lab, seg.nodes[0])
    # Not pyvrrp's: an address and a route the operator added. Never touched.
    lab.run(ns, ["ip", "addr", "add", "10.0.7.7/24", "dev", "eth0"])
    lab.run(ns, ["ip", "route", "add", "10.70.0.0/16", "via", "10.0.1.254"])
    conf = _static(["10.0.5.1/24", "10.0.8.1/24"], ["10.50.0.0/16 via 10.0.1.254 dev eth0"])
    a.start(conf + instance_config(priority=150, advert_int=0.5))
    wait_for(lambda: a.state() == "MASTER", 5)
    wait_for(lambda: {"10.0.5.1/24", "10.0.8.1/24", "10.0.1.100/24"} <= a.addresses(), 3)
    a.kill()
    assert {"10.0.5.1/24", "10.0.8.1/24", "10.0.1.100/24"} <= a.addresses()  # left behind

    # The next run keeps 10.0.8.1 static, and no longer has the rest.
    a.start(_static(["10.0.8.1/24"], []) + instance_config(vrid=52, vips=("10.0.1.101/24",)))
    wait_for(lambda: "10.0.5.1/24" not in a.addresses(), 3)
    wait_for(lambda: "10.0.1.100/24" not in a.addresses(), 3)
    assert "10.50.0.0/16 via 10.0.1.254" not in _routes(lab, ns)
    assert {"10.0.8.1/24", "10.0.7.7/24"} <= a.addresses()
    assert "10.70.0.0/16 via 10.0.1.254" in _routes(lab, ns)
    # 10.0.8.1 was adopted: the clean stop removes it, the operator's stay.
    a.stop()
    assert "10.0.8.1/24" not in a.addresses()
    assert "10.0.7.7/24" in a.addresses()
    assert "10.70.0.0/16 via 10.0.1.254" in _routes(lab, ns)


def test_route_options_reach_the_kernel(lab) -> None:
    seg = one_segment(lab, 1)
    ns = seg.nodes[0].ns
    a = PyvrrpNode(lab, seg.nodes[0])
    extra = (
        "virtual_routes {",
        "    10.60.0.0/16 via 10.0.1.254 dev eth0 mtu lock 1400 congctl cubic protocol 18",
        "    unreachable 10.61.0.0/16",
        "    prohibit 10.62.0.0/16",
        "}",
    )
    a.start(instance_config(priority=150, advert_int=0.5, extra=extra))
    wait_for(lambda: a.state() == "MASTER", 5)

    def routes() -> dict[str, dict]:  # type: ignore[type-arg]
        out = json.loads(lab.run(ns, ["ip", "-j", "-d", "route", "show"]).stdout)
        return {r["dst"]: r for r in out}

    wait_for(lambda: "10.62.0.0/16" in routes(), 3)
    r = routes()
    assert r["10.61.0.0/16"]["type"] == "unreachable"
    assert r["10.62.0.0/16"]["type"] == "prohibit"
    assert r["10.60.0.0/16"]["metrics"] == [{"mtu": 1400, "congestion": "cubic"}]
    assert r["10.60.0.0/16"]["protocol"] == "keepalived"
    a.stop()
    assert not {"10.60.0.0/16", "10.61.0.0/16", "10.62.0.0/16"} & set(routes())

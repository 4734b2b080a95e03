"""Policy routing rules on real nodes: virtual_rules follow the Master,
static_rules stay whatever the state, and both go on stop."""

from __future__ import annotations

import json

import pytest

from pyvrrp.lab.nodes import PyvrrpNode, instance_config, wait_for
from pyvrrp.lab.topology import one_segment

pytestmark = pytest.mark.lab

VIRTUAL = ["virtual_rules {", "    from 10.0.1.100 table 100 priority 100", "}"]
STATIC = "static_rules {\n    from 10.0.5.0/24 to 10.9.0.0/16 table 200 priority 200\n}\n"


def _rules(lab, ns: str) -> set[str]:  # type: ignore[no-untyped-def]
    out = json.loads(lab.run(ns, ["ip", "-j", "rule", "show"]).stdout)
    found = set()
    for r in out:
        if r.get("priority") in (100, 200):
            src = r.get("src", "all")
            if "srclen" in r:
                src = f"{src}/{r['srclen']}"
            dst = f" to {r['dst']}/{r['dstlen']}" if "dst" in r else ""
            found.add(f"{r['priority']}: from {src}{dst} lookup {r.get('table')}")
    return found


V_RULE = "100: from 10.0.1.100 lookup 100"
S_RULE = "200: from 10.0.5.0/24 to 10.9.0.0/16 lookup 200"


def test_virtual_rules_follow_the_master_and_static_rules_stay(lab) -> None:
    seg = one_segment(lab, 2)
    ns_a, ns_b = seg.nodes[0].ns, seg.nodes[1].ns
    a, b = PyvrrpNode(lab, seg.nodes[0]), PyvrrpNode(lab, seg.nodes[1])
    a.start(STATIC + instance_config(priority=150, advert_int=0.5, extra=VIRTUAL))
    b.start(STATIC + instance_config(priority=100, advert_int=0.5, extra=VIRTUAL))
    wait_for(lambda: a.state() == "MASTER" and b.state() == "BACKUP", 5)
    wait_for(lambda: _rules(lab, ns_a) == {V_RULE, S_RULE}, 3)
    assert _rules(lab, ns_b) == {S_RULE}  # a Backup: the static rule only

    a.stop()  # B takes over; A's rules all go
    wait_for(lambda: b.state() == "MASTER", 5)
    wait_for(lambda: _rules(lab, ns_b) == {V_RULE, S_RULE}, 3)
    assert _rules(lab, ns_a) == set()
    b.stop()
    assert _rules(lab, ns_b) == set()


def test_rules_left_by_a_killed_run_are_removed_by_the_next(lab) -> None:
    seg = one_segment(lab, 1)
    ns = seg.nodes[0].ns
    a = PyvrrpNode(lab, seg.nodes[0])
    # The operator's rule, at a preference of its own: never touched.
    lab.run(ns, ["ip", "rule", "add", "from", "10.0.5.0/24", "table", "200", "priority", "200"])
    a.start(instance_config(priority=150, advert_int=0.5, extra=VIRTUAL))
    wait_for(lambda: a.state() == "MASTER", 5)
    wait_for(lambda: V_RULE in _rules(lab, ns), 3)
    a.kill()
    assert V_RULE in _rules(lab, ns)
    a.start(instance_config(priority=150, advert_int=0.5))
    wait_for(lambda: a.state() == "MASTER", 5)
    wait_for(lambda: V_RULE not in _rules(lab, ns), 3)
    assert "200: from 10.0.5.0/24 lookup 200" in _rules(lab, ns)
    a.stop()
    assert "200: from 10.0.5.0/24 lookup 200" in _rules(lab, ns)


def _routes(lab, ns: str) -> set[str]:  # type: ignore[no-untyped-def]
    out = json.loads(lab.run(ns, ["ip", "-j", "route", "show"]).stdout)
    return {f"{r['dst']} via {r['gateway']}" for r in out if "gateway" in r}


def test_a_reload_moves_a_masters_virtual_routes(lab) -> None:
    """Only the routes change: the old one goes at once, the new one comes."""
    seg = one_segment(lab, 1)
    ns = seg.nodes[0].ns
    a = PyvrrpNode(lab, seg.nodes[0])

    def conf(dst: str) -> str:
        routes = ["virtual_routes {", f"    {dst} via 10.0.1.254 dev eth0", "}"]
        return instance_config(priority=150, advert_int=0.5, extra=routes)

    a.start(conf("10.80.0.0/16"))
    wait_for(lambda: a.state() == "MASTER", 5)
    wait_for(lambda: "10.80.0.0/16 via 10.0.1.254" in _routes(lab, ns), 3)
    a.reload(conf("10.81.0.0/16"))
    wait_for(lambda: "10.81.0.0/16 via 10.0.1.254" in _routes(lab, ns), 3)
    assert "10.80.0.0/16 via 10.0.1.254" not in _routes(lab, ns)
    assert a.state() == "MASTER"
    a.stop()
    assert "10.81.0.0/16 via 10.0.1.254" not in _routes(lab, ns)


def test_onlink_and_multipath_virtual_routes(lab) -> None:
    seg = one_segment(lab, 1)
    ns = seg.nodes[0].ns
    a = PyvrrpNode(lab, seg.nodes[0])
    routes = [
        "virtual_routes {",
        # 10.9.9.254 is on no subnet of eth0: the kernel takes it only onlink.
        "    10.90.0.0/16 via 10.9.9.254 dev eth0 onlink",
        "    10.91.0.0/16 nexthop via 10.0.1.253 dev eth0 nexthop via 10.0.1.254 dev eth0 weight 2",
        "}",
    ]
    a.start(instance_config(priority=150, advert_int=0.5, extra=routes))
    wait_for(lambda: a.state() == "MASTER", 5)

    def table() -> dict[str, dict]:  # type: ignore[type-arg]
        out = json.loads(lab.run(ns, ["ip", "-j", "route", "show"]).stdout)
        return {r["dst"]: r for r in out}

    wait_for(lambda: {"10.90.0.0/16", "10.91.0.0/16"} <= set(table()), 3)
    onlink = table()["10.90.0.0/16"]
    assert onlink["gateway"] == "10.9.9.254" and "onlink" in onlink.get("flags", [])
    hops = table()["10.91.0.0/16"]["nexthops"]
    assert [(h["gateway"], h.get("weight", 1)) for h in hops] == [
        ("10.0.1.253", 1),
        ("10.0.1.254", 2),
    ]
    a.stop()
    assert not {"10.90.0.0/16", "10.91.0.0/16"} & set(table())

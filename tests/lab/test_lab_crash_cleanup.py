"""The crash test of the network side: a node runs everything pyvrrp does to
the host (a VMAC child with its sysctls, virtual and static addresses,
virtual and static routes and rules, the Accept_Mode nftables table), is
killed with SIGKILL, and the next start, from a config that has none of it,
leaves the namespace exactly as it was before the first start: links,
addresses, routes, rules, nftables ruleset and every sysctl pyvrrp touches.
The operator's own link, address, route and rule are there throughout."""

from __future__ import annotations

import json

import pytest

from pyvrrp.lab.nodes import PyvrrpNode, instance_config, wait_for
from pyvrrp.lab.topology import one_segment
from pyvrrp.net.firewall import available

pytestmark = [
    pytest.mark.lab,
    pytest.mark.skipif(available() is not None, reason=f"nftables: {available()}"),
]


def _snapshot(lab, ns: str) -> dict[str, object]:  # type: ignore[no-untyped-def]
    def j(*args: str) -> object:
        return json.loads(lab.run(ns, list(args)).stdout or "null")

    links = sorted(
        (x["ifname"], x.get("address"), x.get("link"))
        for x in j("ip", "-j", "-d", "link", "show")  # type: ignore[union-attr]
    )
    addrs = sorted(
        (x["ifname"], a["local"], a["prefixlen"])
        for x in j("ip", "-j", "addr", "show")  # type: ignore[union-attr]
        for a in x.get("addr_info", [])
        if not str(a["local"]).startswith("fe80:")
    )
    routes = sorted(
        json.dumps(r, sort_keys=True)
        for table in ("all",)
        for r in j("ip", "-j", "route", "show", "table", table)  # type: ignore[union-attr]
    )
    rules = sorted(json.dumps(r, sort_keys=True) for r in j("ip", "-j", "rule", "show"))  # type: ignore[union-attr]
    nft = lab.run(ns, ["nft", "list", "ruleset"]).stdout
    sysctls = {}
    for path in (
        "ipv4/conf/all/rp_filter",
        "ipv4/conf/default/rp_filter",
        "ipv4/conf/eth0/rp_filter",
        "ipv4/conf/eth0/arp_ignore",
        "ipv4/conf/eth0/arp_filter",
        "ipv4/conf/eth0/promote_secondaries",
    ):
        sysctls[path] = lab.run(ns, ["cat", f"/proc/sys/net/{path}"]).stdout.strip()
    return {
        "links": links,
        "addrs": addrs,
        "routes": routes,
        "rules": rules,
        "nft": nft,
        "sysctls": sysctls,
    }


EVERYTHING = (
    "global_defs {\n    vrrp_strict\n}\n"
    "static_ipaddress {\n    10.0.5.1/24 dev eth0\n}\n"
    "static_routes {\n    10.50.0.0/16 via 10.0.1.254 dev eth0\n}\n"
    "static_rules {\n    from 10.0.5.0/24 table 200 priority 200\n}\n"
    + instance_config(
        priority=150,
        advert_int=0.5,
        extra=(
            "use_vmac",
            "virtual_routes {",
            "    10.60.0.0/16 via 10.0.1.254 dev eth0",
            "}",
            "virtual_rules {",
            "    from 10.0.1.100 table 100 priority 100",
            "}",
            "virtual_ipaddress_excluded {",
            "    10.0.1.101/24 dev eth0",
            "}",
        ),
    )
)


def test_a_sigkill_leaves_nothing_after_the_next_start(lab) -> None:
    seg = one_segment(lab, 1)
    ns = seg.nodes[0].ns
    # The operator's things, and all.rp_filter on (pyvrrp must put it back).
    lab.run(ns, ["ip", "link", "add", "mine", "link", "eth0", "type", "macvlan"])
    lab.run(ns, ["ip", "addr", "add", "10.0.7.7/24", "dev", "eth0"])
    lab.run(ns, ["ip", "route", "add", "10.70.0.0/16", "via", "10.0.1.254"])
    lab.run(ns, ["ip", "rule", "add", "from", "10.0.7.0/24", "table", "300", "priority", "300"])
    lab.run(ns, ["sh", "-c", "echo 1 > /proc/sys/net/ipv4/conf/all/rp_filter"])
    before = _snapshot(lab, ns)

    a = PyvrrpNode(lab, seg.nodes[0])
    a.start(EVERYTHING)
    wait_for(lambda: a.state() == "MASTER", 5)
    wait_for(lambda: "10.0.1.100/24" in a.addresses("vrrp.51"), 3)
    # (an address on the instance's own interface goes on its VMAC, as keepalived)
    wait_for(lambda: "10.0.1.101/24" in a.addresses("vrrp.51"), 3)
    during = _snapshot(lab, ns)
    # Everything is there: the test would see it if it were left.
    for key in ("links", "addrs", "routes", "rules", "nft", "sysctls"):
        assert during[key] != before[key], key
    a.kill()
    assert _snapshot(lab, ns) == during  # a SIGKILL undoes nothing

    # The next run has none of it.
    a.start(instance_config(priority=150, advert_int=0.5, vrid=52, vips=("10.0.1.102/24",)))
    wait_for(lambda: a.state() == "MASTER", 5)
    wait_for(lambda: "10.0.1.102/24" in a.addresses("eth0"), 3)
    running = _snapshot(lab, ns)
    # While it runs: what the killed run left is gone (its start removed
    # it), and only the new run's own address was added.
    for key in ("links", "rules", "nft", "sysctls"):
        assert running[key] == before[key], key
    assert running["addrs"] == sorted([*before["addrs"], ("eth0", "10.0.1.102", 24)])  # type: ignore[misc]
    a.stop()
    assert _snapshot(lab, ns) == before

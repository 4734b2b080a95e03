"""RFC 9568's Accept_Mode with the iptables form of the filter (keepalived's
``vrrp_iptables`` / ``vrrp_ipsets``): a non-owner Master without accept drops
what is sent to its virtual address but answers ARP, through pyvrrp's own
chain PYVRRP-IN jumped to from INPUT (or the chain named); with accept it
answers; the chains go on stop, and what a killed run left is replaced by
the next start, the operator's own rules untouched. Every iptables command
runs inside the lab's namespaces."""

from __future__ import annotations

import json
import shutil

import pytest

from pyvrrp.lab.nodes import PyvrrpNode, icmp_echo, instance_config, wait_for
from pyvrrp.lab.topology import one_segment
from pyvrrp.net.iptables import available

pytestmark = [
    pytest.mark.lab,
    pytest.mark.skipif(available() is not None, reason=f"iptables: {available()}"),
]

VIP = "10.0.1.100"
DROP_VIP = f"-A PYVRRP-IN -d {VIP}/32 -j DROP"


def _tables(lab, ns: str) -> list[str]:  # type: ignore[no-untyped-def]
    out = json.loads(lab.run(ns, ["nft", "-j", "list", "tables"]).stdout)
    return [f"{t['table']['family']} {t['table']['name']}" for t in out["nftables"] if "table" in t]


def _mac(lab, ns: str, ifname: str) -> str:  # type: ignore[no-untyped-def]
    return str(json.loads(lab.run(ns, ["ip", "-j", "link", "show", ifname]).stdout)[0]["address"])


def _rules(lab, ns: str, tool: str = "iptables") -> list[str]:  # type: ignore[no-untyped-def]
    return str(lab.run(ns, [tool, "-w", "5", "-S"]).stdout).splitlines()


def _pyvrrp_rules(lab, ns: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [r for tool in ("iptables", "ip6tables") for r in _rules(lab, ns, tool) if "PYVRRP" in r]


def _strict(extra: str = "") -> str:
    return f"global_defs {{\n    vrrp_strict\n    vrrp_iptables{extra}\n}}\n"


def test_no_accept_master_drops_traffic_to_the_vip_in_its_own_chain(lab) -> None:
    seg = one_segment(lab, 3)
    a, b = PyvrrpNode(lab, seg.nodes[0]), PyvrrpNode(lab, seg.nodes[1])
    ns = seg.nodes[0].ns
    client = seg.nodes[2]
    # The operator's own rule in INPUT: left as it is throughout.
    lab.run(ns, ["iptables", "-w", "5", "-A", "INPUT", "-s", "192.0.2.1", "-j", "ACCEPT"])
    # Accept_Mode on: no filter is needed, no chain is made; the VIP answers.
    with_accept = "global_defs {\n    vrrp_iptables\n}\n"
    a.start(with_accept + instance_config(priority=150, advert_int=0.5, extra=["accept"]))
    b.start(instance_config(priority=100, advert_int=0.5))
    wait_for(lambda: a.state() == "MASTER" and b.state() == "BACKUP", 5)
    assert icmp_echo(lab, client.ns, VIP), "with accept the Master answers on the VIP"
    assert _pyvrrp_rules(lab, ns) == []
    a.stop()
    wait_for(lambda: b.state() == "MASTER", 5)

    # vrrp_strict with vrrp_iptables (INPUT and OUTPUT): iptables, not nftables.
    a.start(_strict() + instance_config(priority=150, advert_int=0.5))
    wait_for(lambda: a.state() == "MASTER" and b.state() == "BACKUP", 5)
    assert f"{VIP}/24" in a.addresses()
    rules = _rules(lab, ns)
    assert rules.index("-A INPUT -j PYVRRP-IN") < rules.index("-A INPUT -s 192.0.2.1/32 -j ACCEPT")
    assert "-A OUTPUT -j PYVRRP-OUT" in rules
    assert DROP_VIP in rules and f"-A PYVRRP-OUT -s {VIP}/32 -j DROP" in rules
    assert "-A INPUT -j PYVRRP-IN" in _rules(lab, ns, "ip6tables")
    assert "inet pyvrrp" not in _tables(lab, ns)
    lab.run(client.ns, ["ip", "neigh", "flush", "all"])
    assert not icmp_echo(lab, client.ns, VIP), "Accept_Mode off: the VIP must not answer"
    neigh = json.loads(lab.run(client.ns, ["ip", "-j", "neigh", "show", VIP]).stdout)
    assert neigh and neigh[0].get("lladdr") == _mac(lab, ns, seg.nodes[0].ifname)  # ARP works
    assert icmp_echo(lab, client.ns, str(seg.nodes[0].ipv4.ip))

    # Back to Backup (B preempts): the VIP leaves the chain, the chain stays.
    b.stop()
    b.start(instance_config(priority=200, advert_int=0.5))
    wait_for(lambda: b.state() == "MASTER" and a.state() == "BACKUP", 5)
    wait_for(lambda: DROP_VIP not in _rules(lab, ns), 3)
    assert "-N PYVRRP-IN" in _rules(lab, ns)

    # A clean stop removes every chain and jump of pyvrrp's, nothing else.
    a.stop()
    assert _pyvrrp_rules(lab, ns) == []
    assert "-A INPUT -s 192.0.2.1/32 -j ACCEPT" in _rules(lab, ns)
    assert "Accept_Mode filter" not in a.log()  # no family failed, nothing refused
    b.stop()


def test_a_killed_run_s_chains_are_replaced_then_removed(lab) -> None:
    seg = one_segment(lab, 1)
    ns = seg.nodes[0].ns
    a = PyvrrpNode(lab, seg.nodes[0])
    conf = _strict() + instance_config(priority=150, advert_int=0.5)
    a.start(conf)
    wait_for(lambda: a.state() == "MASTER", 5)
    assert DROP_VIP in _rules(lab, ns)
    lab.run(ns, ["iptables", "-w", "5", "-N", "OTHER"])  # someone else's chain
    a.kill()
    left = _pyvrrp_rules(lab, ns)
    assert DROP_VIP in left  # left behind by the SIGKILL
    # The next run makes its chains anew: one jump, the VIP once.
    a.start(conf)
    wait_for(lambda: a.state() == "MASTER", 5)
    wait_for(lambda: DROP_VIP in _rules(lab, ns), 3)
    assert sorted(_pyvrrp_rules(lab, ns)) == sorted(left)
    a.kill()
    # A run that needs no filter (accept) removes what the killed one left.
    a.start(
        "global_defs {\n    vrrp_iptables\n}\n"
        + instance_config(priority=150, advert_int=0.5, extra=["accept"])
    )
    wait_for(lambda: a.state() == "MASTER", 5)
    wait_for(lambda: _pyvrrp_rules(lab, ns) == [], 3)
    assert "-N OTHER" in _rules(lab, ns)
    a.stop()


@pytest.mark.skipif(shutil.which("ipset") is None, reason="ipset is not installed")
def test_named_chain_and_ipsets(lab) -> None:
    seg = one_segment(lab, 2)
    ns = seg.nodes[0].ns
    client = seg.nodes[1]
    a = PyvrrpNode(lab, seg.nodes[0])
    # keepalived's vrrp_iptables IN: a chain the operator made and jumps to.
    lab.run(ns, ["iptables", "-w", "5", "-N", "MYIN"])
    lab.run(ns, ["iptables", "-w", "5", "-A", "INPUT", "-j", "MYIN"])
    lab.run(ns, ["ip6tables", "-w", "5", "-N", "MYIN"])
    a.start(
        "global_defs {\n    vrrp_strict\n    vrrp_iptables MYIN\n    vrrp_ipsets ka\n}\n"
        + instance_config(priority=150, advert_int=0.5)
    )
    wait_for(lambda: a.state() == "MASTER", 5)
    rules = _rules(lab, ns)
    assert "-A MYIN -j PYVRRP-IN" in rules and "-A INPUT -j PYVRRP-IN" not in rules
    assert "-A PYVRRP-IN -m set --match-set ka dst -j DROP" in rules
    assert not any("PYVRRP-OUT" in r for r in rules)  # no out chain named
    wait_for(lambda: lab.run(ns, ["ipset", "test", "ka", VIP], check=False).returncode == 0, 3)
    assert lab.run(ns, ["ipset", "-n", "list", "ka6"], check=False).returncode == 0
    assert not icmp_echo(lab, client.ns, VIP)
    # Accept by reload: the chains and sets go; the VIP answers.
    a.reload(
        "global_defs {\n    vrrp_iptables MYIN\n    vrrp_ipsets ka\n}\n"
        + instance_config(priority=150, advert_int=0.5, extra=["accept"])
    )
    wait_for(lambda: _pyvrrp_rules(lab, ns) == [], 3)
    assert lab.run(ns, ["ipset", "-n", "list", "ka"], check=False).returncode != 0
    assert icmp_echo(lab, client.ns, VIP)
    assert "-A INPUT -j MYIN" in _rules(lab, ns)
    a.stop()
    assert "Accept_Mode filter" not in a.log()

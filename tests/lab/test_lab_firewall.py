"""RFC 9568's Accept_Mode on real nodes, with keepalived's nftables filter:
a Master that is not the address owner and has Accept_Mode off (vrrp_strict,
or no_accept) answers ARP for its virtual address but drops what is sent to
it; with accept it answers; the table goes on stop, and a table a killed run
left is replaced (or removed) by the next start, nothing else touched."""

from __future__ import annotations

import json

import pytest

from pyvrrp.lab.nodes import PyvrrpNode, icmp_echo, instance_config, wait_for
from pyvrrp.lab.topology import one_segment
from pyvrrp.net.firewall import available

pytestmark = [
    pytest.mark.lab,
    pytest.mark.skipif(available() is not None, reason=f"nftables: {available()}"),
]

VIP = "10.0.1.100"


def _tables(lab, ns: str) -> list[str]:  # type: ignore[no-untyped-def]
    out = json.loads(lab.run(ns, ["nft", "-j", "list", "tables"]).stdout)
    return [f"{t['table']['family']} {t['table']['name']}" for t in out["nftables"] if "table" in t]


def _mac(lab, ns: str, ifname: str) -> str:  # type: ignore[no-untyped-def]
    return str(json.loads(lab.run(ns, ["ip", "-j", "link", "show", ifname]).stdout)[0]["address"])


def _elements(lab, ns: str) -> list[str]:  # type: ignore[no-untyped-def]
    out = json.loads(lab.run(ns, ["nft", "-j", "list", "set", "inet", "pyvrrp", "vips4"]).stdout)
    return [
        str(e) for item in out["nftables"] if "set" in item for e in item["set"].get("elem", [])
    ]


def test_no_accept_master_drops_traffic_to_the_vip_but_answers_arp(lab) -> None:
    seg = one_segment(lab, 3)
    a, b = PyvrrpNode(lab, seg.nodes[0]), PyvrrpNode(lab, seg.nodes[1])
    client = seg.nodes[2]
    # Accept_Mode on (pyvrrp's default without vrrp_strict): the VIP answers.
    a.start(instance_config(priority=150, advert_int=0.5, extra=["accept"]))
    b.start(instance_config(priority=100, advert_int=0.5))
    wait_for(lambda: a.state() == "MASTER" and b.state() == "BACKUP", 5)
    assert icmp_echo(lab, client.ns, VIP), "with accept the Master answers on the VIP"
    assert "inet pyvrrp" not in _tables(lab, seg.nodes[0].ns)
    a.stop()
    wait_for(lambda: b.state() == "MASTER", 5)

    # vrrp_strict: Accept_Mode off. The Master holds the VIP, answers ARP for
    # it, and drops the rest; its own address still answers.
    strict = "global_defs {\n    vrrp_strict\n}\n"
    a.start(strict + instance_config(priority=150, advert_int=0.5))
    wait_for(lambda: a.state() == "MASTER" and b.state() == "BACKUP", 5)
    assert f"{VIP}/24" in a.addresses()
    assert _elements(lab, seg.nodes[0].ns) == [VIP]
    lab.run(client.ns, ["ip", "neigh", "flush", "all"])
    assert not icmp_echo(lab, client.ns, VIP), "Accept_Mode off: the VIP must not answer"
    neigh = json.loads(lab.run(client.ns, ["ip", "-j", "neigh", "show", VIP]).stdout)
    mac_a = _mac(lab, seg.nodes[0].ns, seg.nodes[0].ifname)
    assert neigh and neigh[0].get("lladdr") == mac_a, neigh  # ARP still works
    assert icmp_echo(lab, client.ns, str(seg.nodes[0].ipv4.ip))

    # Back to Backup (B preempts with a higher priority): the VIP leaves the set.
    b.stop()
    b.start(instance_config(priority=200, advert_int=0.5))
    wait_for(lambda: b.state() == "MASTER" and a.state() == "BACKUP", 5)
    wait_for(lambda: _elements(lab, seg.nodes[0].ns) == [], 3)

    # A clean stop removes the table.
    a.stop()
    assert "inet pyvrrp" not in _tables(lab, seg.nodes[0].ns)


def test_a_killed_run_s_table_is_replaced_or_removed_by_the_next(lab) -> None:
    seg = one_segment(lab, 1)
    ns = seg.nodes[0].ns
    a = PyvrrpNode(lab, seg.nodes[0])
    conf = "global_defs {\n    vrrp_strict\n}\n" + instance_config(priority=150, advert_int=0.5)
    a.start(conf)
    wait_for(lambda: a.state() == "MASTER", 5)
    assert _elements(lab, ns) == [VIP]
    # Someone else's table in the same namespace: never touched.
    lab.run(ns, ["nft", "add", "table", "inet", "other"])
    a.kill()
    assert "inet pyvrrp" in _tables(lab, ns)  # left behind by the SIGKILL
    # The next run, now with accept: it needs no filter, and removes the old one.
    a.start(instance_config(priority=150, advert_int=0.5, extra=["accept"]))
    wait_for(lambda: a.state() == "MASTER", 5)
    wait_for(lambda: "inet pyvrrp" not in _tables(lab, ns), 3)
    assert "inet other" in _tables(lab, ns)
    a.stop()


def test_reload_turns_the_filter_on_and_off(lab) -> None:
    seg = one_segment(lab, 2)
    ns = seg.nodes[0].ns
    client = seg.nodes[1]
    a = PyvrrpNode(lab, seg.nodes[0])
    a.start(instance_config(priority=150, advert_int=0.5, extra=["accept"]))
    wait_for(lambda: a.state() == "MASTER", 5)
    assert icmp_echo(lab, client.ns, VIP)
    assert "inet pyvrrp" not in _tables(lab, ns)
    # no_accept by reload: the running Master's VIP is filtered at once.
    a.reload(instance_config(priority=150, advert_int=0.5, extra=["no_accept"]))
    wait_for(lambda: "inet pyvrrp" in _tables(lab, ns) and _elements(lab, ns) == [VIP], 3)
    assert a.state() == "MASTER"
    assert not icmp_echo(lab, client.ns, VIP)
    # And back: the table goes.
    a.reload(instance_config(priority=150, advert_int=0.5, extra=["accept"]))
    wait_for(lambda: "inet pyvrrp" not in _tables(lab, ns), 3)
    assert icmp_echo(lab, client.ns, VIP)
    a.stop()

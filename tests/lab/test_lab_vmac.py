"""The virtual MAC of RFC 9568 7.3 (keepalived's use_vmac) on real nodes:
the Master's VIP lives on a macvlan child with MAC 00:00:5e:00:01:VRID, the
adverts leave with that Ethernet source, a client's neighbour entry for the
VIP keeps the same MAC across a failover, the sysctls are set and put back,
the child goes on stop, and after a SIGKILL the next start removes what the
killed run left (and restores the sysctls) and nothing else."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import time

import pytest

from pyvrrp.lab.nodes import PyvrrpNode, icmp_echo, instance_config, wait_for
from pyvrrp.lab.topology import one_segment

pytestmark = pytest.mark.lab

VIP = "10.0.1.100"
VMAC = "00:00:5e:00:01:33"  # VRID 51


def _links(lab, ns: str) -> dict[str, dict]:  # type: ignore[no-untyped-def,type-arg]
    out = json.loads(lab.run(ns, ["ip", "-j", "-d", "link", "show"]).stdout)
    return {link["ifname"]: link for link in out}


def _sysctl(lab, ns: str, path: str) -> str:  # type: ignore[no-untyped-def]
    return lab.run(ns, ["cat", f"/proc/sys/net/{path}"]).stdout.strip()


#: A UDP datagram to the VIP (any port) makes the client resolve it: its
#: neighbour entry then says which MAC answered.
_TOUCH = """
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.sendto(b"x", (sys.argv[1], 9))
"""


def _neighbour_mac(lab, ns: str, addr: str) -> str | None:  # type: ignore[no-untyped-def]
    """The MAC the client resolved ``addr`` to (None if nobody answered)."""
    lab.run(ns, [sys.executable, "-c", _TOUCH, addr])
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        for n in json.loads(lab.run(ns, ["ip", "-j", "neigh", "show", addr]).stdout):
            if n.get("lladdr") and not {"FAILED", "INCOMPLETE"} & set(n.get("state", [])):
                return str(n["lladdr"])
        time.sleep(0.05)
    return None


def _vmac_conf(priority: int, extra: tuple[str, ...] = ()) -> str:
    return instance_config(
        priority=priority, advert_int=0.5, extra=("use_vmac", *extra), vips=(f"{VIP}/24",)
    )


def test_vmac_holds_the_vip_and_the_client_sees_one_mac_across_failover(lab) -> None:
    seg = one_segment(lab, 3)
    a, b = PyvrrpNode(lab, seg.nodes[0]), PyvrrpNode(lab, seg.nodes[1])
    client = seg.nodes[2].ns
    base_arp_ignore = _sysctl(lab, seg.nodes[0].ns, "ipv4/conf/eth0/arp_ignore")
    assert base_arp_ignore == "0"
    cap = lab.tmpdir / "vmac.pcap"
    dump = lab.popen(
        seg.nodes[2].ns, ["tcpdump", "-i", "eth0", "-U", "-w", str(cap), "-e", "ip proto 112"]
    )
    try:
        a.start(_vmac_conf(200))
        b.start(_vmac_conf(100))
        wait_for(lambda: a.state() == "MASTER" and b.state() == "BACKUP", 8)
        links = _links(lab, seg.nodes[0].ns)
        child = links["vrrp.51"]
        assert child["address"] == VMAC
        assert child["linkinfo"]["info_kind"] == "macvlan"
        assert child["linkinfo"]["info_data"]["mode"] == "private"
        # The Backup has its child too (to receive), without the VIP.
        assert _links(lab, seg.nodes[1].ns)["vrrp.51"]["address"] == VMAC
        wait_for(lambda: f"{VIP}/24" in a.addresses("vrrp.51"), 3)
        assert f"{VIP}/24" not in a.addresses("eth0")
        assert f"{VIP}/24" not in b.addresses("vrrp.51")
        # keepalived's sysctls: the base no longer answers ARP for the child's
        # addresses; the child has IPv6 off (an IPv4 instance).
        ns0 = seg.nodes[0].ns
        assert _sysctl(lab, ns0, "ipv4/conf/eth0/arp_ignore") == "1"
        assert _sysctl(lab, ns0, "ipv4/conf/eth0/arp_filter") == "1"
        assert _sysctl(lab, ns0, "ipv4/conf/vrrp.51/arp_ignore") == "1"
        assert _sysctl(lab, ns0, "ipv4/conf/vrrp.51/rp_filter") == "0"
        assert _sysctl(lab, ns0, "ipv6/conf/vrrp.51/disable_ipv6") == "1"

        # The nodes learn the client first: a reply to it from the VIP leaves
        # by the base interface (its route comes first), and an ARP request
        # of the base's, sourced from the VIP, would teach the client the
        # base's MAC (as with keepalived, which sets the same sysctls).
        for n in seg.nodes[:2]:
            _neighbour_mac(lab, client, str(n.ipv4.ip))
        assert _neighbour_mac(lab, client, VIP) == VMAC
        a.stop()  # priority 0: B takes over
        wait_for(lambda: b.state() == "MASTER", 5)
        wait_for(lambda: f"{VIP}/24" in b.addresses("vrrp.51"), 3)
        # The client's entry is untouched and still right: the VIP answers
        # (now from B) at the MAC the client already has.
        entries = json.loads(lab.run(client, ["ip", "-j", "neigh", "show", VIP]).stdout)
        assert [e["lladdr"] for e in entries] == [VMAC]
        assert icmp_echo(lab, client, VIP)
        # And a client that asks afresh gets the same MAC.
        lab.run(client, ["ip", "neigh", "flush", "dev", "eth0"])
        assert _neighbour_mac(lab, client, VIP) == VMAC
        # A's stop removed its child and put its sysctls back.
        assert "vrrp.51" not in _links(lab, ns0)
        assert _sysctl(lab, ns0, "ipv4/conf/eth0/arp_ignore") == base_arp_ignore
        assert _sysctl(lab, ns0, "ipv4/conf/eth0/arp_filter") == "0"
        time.sleep(1.0)
    finally:
        dump.terminate()
        dump.wait(5)
    # On the wire: every advert's Ethernet source is the virtual MAC.
    out = lab.run(
        client,
        ["tshark", "-r", str(cap), "-T", "fields", "-e", "eth.src", "-e", "vrrp.prio"],
        check=False,
    ).stdout.split("\n")
    rows = [line.split("\t") for line in out if line.strip()]
    assert len(rows) >= 4
    assert {r[0] for r in rows} == {VMAC}


def test_after_a_sigkill_the_next_start_removes_the_child_and_restores_sysctls(lab) -> None:
    seg = one_segment(lab, 1)
    ns = seg.nodes[0].ns
    a = PyvrrpNode(lab, seg.nodes[0])
    # Not pyvrrp's: a macvlan the operator made. Never touched.
    lab.run(ns, ["ip", "link", "add", "mine", "link", "eth0", "type", "macvlan"])
    a.start(_vmac_conf(150))
    wait_for(lambda: a.state() == "MASTER", 5)
    wait_for(lambda: f"{VIP}/24" in a.addresses("vrrp.51"), 3)
    assert _sysctl(lab, ns, "ipv4/conf/eth0/arp_ignore") == "1"
    a.kill()
    assert "vrrp.51" in _links(lab, ns)  # left behind

    # The next run has no VMAC: the child goes, the base's sysctls come back.
    a.start(instance_config(priority=150, advert_int=0.5, vrid=52, vips=("10.0.1.101/24",)))
    wait_for(lambda: "vrrp.51" not in _links(lab, ns), 3)
    wait_for(lambda: _sysctl(lab, ns, "ipv4/conf/eth0/arp_ignore") == "0", 3)
    assert _sysctl(lab, ns, "ipv4/conf/eth0/arp_filter") == "0"
    assert "mine" in _links(lab, ns)
    a.stop()
    assert "mine" in _links(lab, ns)


def test_a_killed_run_s_child_is_adopted_by_the_next_and_removed_on_its_stop(lab) -> None:
    seg = one_segment(lab, 1)
    ns = seg.nodes[0].ns
    a = PyvrrpNode(lab, seg.nodes[0])
    a.start(_vmac_conf(150))
    wait_for(lambda: a.state() == "MASTER", 5)
    a.kill()
    a.start(_vmac_conf(150))
    wait_for(lambda: a.state() == "MASTER", 5)
    wait_for(lambda: f"{VIP}/24" in a.addresses("vrrp.51"), 3)
    # The original values were recorded by the first run: still restored.
    a.stop()
    assert "vrrp.51" not in _links(lab, ns)
    assert _sysctl(lab, ns, "ipv4/conf/eth0/arp_ignore") == "0"


def test_ipv6_vmac_sends_from_the_link_local_address(lab) -> None:
    seg = one_segment(lab, 2)
    a, b = PyvrrpNode(lab, seg.nodes[0]), PyvrrpNode(lab, seg.nodes[1])
    conf = (
        "vrrp_instance VI_6 {{\n interface eth0\n virtual_router_id 52\n priority {p}\n"
        " advert_int 0.5\n use_vmac\n virtual_ipaddress {{\n  fd00:1::100/64\n }}\n}}\n"
    )
    a.start(conf.format(p=200))
    b.start(conf.format(p=100))
    wait_for(lambda: a.state("VI_6") == "MASTER" and b.state("VI_6") == "BACKUP", 8)
    links = _links(lab, seg.nodes[0].ns)
    assert links["vrrp.52"]["address"] == "00:00:5e:00:02:34"
    child = a.addresses("vrrp.52")
    base_ll = {x for x in a.addresses("eth0") if x.startswith("fe80:")}
    assert base_ll and base_ll <= child
    wait_for(lambda: "fd00:1::100/64" in a.addresses("vrrp.52"), 3)
    a.stop()
    wait_for(lambda: b.state("VI_6") == "MASTER", 5)


def test_interop_with_keepalived_use_vmac_failover_both_ways(lab) -> None:
    from pyvrrp.lab.keepalived import KeepalivedNode, keepalived_available

    if keepalived_available() is not None:
        pytest.skip(f"keepalived: {keepalived_available()}")
    seg = one_segment(lab, 3)
    client = seg.nodes[2].ns
    py, ka = PyvrrpNode(lab, seg.nodes[0]), KeepalivedNode(lab, seg.nodes[1])
    for n in seg.nodes[:2]:
        _neighbour_mac(lab, client, str(n.ipv4.ip))
    ka.start(_vmac_conf(100))
    py.start(_vmac_conf(200))
    wait_for(lambda: py.state() == "MASTER" and ka.state() == "BACKUP", 8)
    wait_for(lambda: f"{VIP}/24" in py.addresses("vrrp.51"), 3)
    assert _links(lab, seg.nodes[1].ns)["vrrp.51"]["address"] == VMAC  # keepalived's child
    assert _neighbour_mac(lab, client, VIP) == VMAC
    # pyvrrp stops: keepalived takes over; the client's entry stays right.
    py.stop()
    wait_for(lambda: ka.state() == "MASTER", 5)
    wait_for(lambda: f"{VIP}/24" in ka.addresses("vrrp.51"), 3)
    assert icmp_echo(lab, client, VIP)
    # pyvrrp comes back with the higher priority and preempts: back again.
    py.start()
    wait_for(lambda: py.state() == "MASTER" and ka.state() == "BACKUP", 8)
    wait_for(lambda: f"{VIP}/24" not in ka.addresses("vrrp.51"), 3)
    entries = json.loads(lab.run(client, ["ip", "-j", "neigh", "show", VIP]).stdout)
    assert [e["lladdr"] for e in entries] == [VMAC]
    assert icmp_echo(lab, client, VIP)
    assert "vrrp.51" in _links(lab, seg.nodes[0].ns)
    assert not ka.rejections()
    ka.stop()
    py.stop()


_ARPS = """
import socket, struct, sys, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0806))
s.bind(("eth0", 0))
s.settimeout(0.2)
end = time.monotonic() + float(sys.argv[2])
t0 = time.monotonic()
while time.monotonic() < end:
    try:
        f = s.recv(128)
    except socket.timeout:
        continue
    spa, tpa = f[28:32], f[38:42]
    if spa == tpa and socket.inet_ntoa(spa) == sys.argv[1]:
        print(round(time.monotonic() - t0, 2), ":".join("%02x" % b for b in f[6:12]))
"""


@pytest.mark.parametrize("extra", [True, False])
def test_garp_extra_if_keeps_announcing_addresses_on_other_interfaces(lab, extra: bool) -> None:
    seg = one_segment(lab, 2)
    lab.bridge(seg.switch, "br1")
    for i, n in enumerate(seg.nodes):
        lab.attach(n.ns, "eth1", seg.switch, "br1")
        lab.addr(n.ns, "eth1", f"10.0.2.{i + 1}/24")
    a = PyvrrpNode(lab, seg.nodes[0])
    lines = [
        "use_vmac",
        "garp_master_delay 0",
        "virtual_ipaddress_excluded {",
        "    10.0.2.200/24 dev eth1",  # another interface (one on eth0 goes on the VMAC)
        "}",
    ]
    if extra:
        lines.append("garp_extra_if all 1")
    a.start(_vmac_conf(200, tuple(lines)))
    wait_for(lambda: a.state() == "MASTER", 5)
    wait_for(lambda: "10.0.2.200/24" in a.addresses("eth1"), 3)
    time.sleep(0.3)  # past the burst on becoming Master
    sniff = _ARPS.replace('"eth0"', '"eth1"')
    out = lab.run(seg.nodes[1].ns, [sys.executable, "-c", sniff, "10.0.2.200", "3.2"]).stdout
    rows = [line.split() for line in out.splitlines()]
    eth1_mac = _links(lab, seg.nodes[0].ns)["eth1"]["address"]
    assert all(mac == eth1_mac for _, mac in rows)
    if extra:
        assert len(rows) >= 2, out  # one a second
    else:
        assert rows == [], out


def test_an_address_on_another_interface_gets_its_own_vmac(lab) -> None:
    seg = one_segment(lab, 2)
    lab.bridge(seg.switch, "br1")
    for i, n in enumerate(seg.nodes):
        lab.attach(n.ns, "eth1", seg.switch, "br1")
        lab.addr(n.ns, "eth1", f"10.0.2.{i + 1}/24")
    a = PyvrrpNode(lab, seg.nodes[0])
    extra = (
        "garp_master_delay 0",
        "garp_extra_if 1",
        "virtual_ipaddress_excluded {",
        "    10.0.2.100/24 dev eth1 use_vmac",
        "}",
    )
    a.start(instance_config(priority=200, advert_int=0.5, extra=extra))
    wait_for(lambda: a.state() == "MASTER", 5)
    ns0 = seg.nodes[0].ns
    wait_for(lambda: "10.0.2.100/24" in a.addresses("vrrp.51"), 3)
    child = _links(lab, ns0)["vrrp.51"]
    assert (child["address"], child["link"]) == (VMAC, "eth1")
    assert f"{VIP}/24" in a.addresses("eth0")  # the instance itself has no VMAC
    # garp_extra_if (without "all"): the VMAC's addresses, every second, from the VMAC.
    time.sleep(0.3)
    out = lab.run(
        seg.nodes[1].ns, [sys.executable, "-c", _ARPS.replace("eth0", "eth1"), "10.0.2.100", "2.5"]
    ).stdout
    rows = [line.split() for line in out.splitlines()]
    assert len(rows) >= 2 and {mac for _, mac in rows} == {VMAC}, out
    a.stop()
    assert "vrrp.51" not in _links(lab, ns0)


#: Gratuitous ARPs this host sends, on any interface: "time ifname address".
_OUT_ARPS = """
import socket, sys, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))  # outgoing: ETH_P_ALL
s.settimeout(0.2)
end = time.monotonic() + float(sys.argv[1])
while time.monotonic() < end:
    try:
        f, addr = s.recvfrom(128)
    except socket.timeout:
        continue
    if addr[2] != socket.PACKET_OUTGOING or f[12:14] != b"\\x08\\x06" or f[28:32] != f[38:42]:
        continue
    print(round(time.monotonic(), 3), addr[0], socket.inet_ntoa(f[28:32]), flush=True)
"""


@pytest.mark.parametrize("grouped", [True, False])
def test_garp_group_paces_announcements_across_its_interfaces(lab, grouped: bool) -> None:
    seg = one_segment(lab, 1)
    ns = seg.nodes[0].ns
    lab.bridge(seg.switch, "br1")
    lab.attach(ns, "eth1", seg.switch, "br1")
    lab.addr(ns, "eth1", "10.0.2.1/24")
    garp = ["garp_master_delay 0", "garp_master_repeat 1"]
    conf = instance_config(
        priority=200,
        advert_int=0.5,
        vips=("10.0.1.100/24", "10.0.1.101/24", "10.0.1.102/24"),
        extra=garp,
    ) + instance_config(
        name="VI_2",
        interface="eth1",
        vrid=52,
        priority=200,
        advert_int=0.5,
        vips=("10.0.2.100/24", "10.0.2.101/24", "10.0.2.102/24"),
        extra=garp,
    )
    if grouped:
        conf = (
            "garp_group {\n    garp_interval 0.2\n"
            "    interfaces {\n        eth0\n        eth1\n    }\n}\n" + conf
        )
    sniff = lab.popen(ns, [sys.executable, "-c", _OUT_ARPS, "6"], stdout=subprocess.PIPE, text=True)
    a = PyvrrpNode(lab, seg.nodes[0])
    a.start(conf)
    wait_for(lambda: a.state() == "MASTER" and a.state("VI_2") == "MASTER", 6)
    out, _ = sniff.communicate(timeout=10)
    rows = [line.split() for line in out.splitlines()]
    times = sorted(float(t) for t, _dev, addr in rows if addr.startswith(("10.0.1.1", "10.0.2.1")))
    assert len(times) == 6, out
    gaps = [b - a for a, b in itertools.pairwise(times)]
    if grouped:
        # One switch, two interfaces: 0.2 s between any two, whichever instance.
        assert min(gaps) >= 0.17, gaps
    else:
        assert max(times) - min(times) < 1.0, gaps


def _ipvlan_supported(lab, ns: str) -> bool:  # type: ignore[no-untyped-def]
    r = lab.run(
        ns, ["ip", "link", "add", "ipv-probe", "link", "eth0", "type", "ipvlan"], check=False
    )
    if r.returncode != 0:
        return False
    lab.run(ns, ["ip", "link", "del", "ipv-probe"])
    return True


def test_use_ipvlan_holds_the_vip_on_an_l2_ipvlan(lab) -> None:
    seg = one_segment(lab, 2)
    if not _ipvlan_supported(lab, seg.nodes[0].ns):
        pytest.skip("this kernel has no ipvlan (CONFIG_IPVLAN)")
    a, b = PyvrrpNode(lab, seg.nodes[0]), PyvrrpNode(lab, seg.nodes[1])

    def conf(p: int, addr: str) -> str:
        return instance_config(priority=p, advert_int=0.5, extra=(f"use_ipvlan ipv1 {addr}/24",))

    a.start(conf(200, "10.0.1.11"))
    b.start(conf(100, "10.0.1.12"))
    wait_for(lambda: a.state() == "MASTER" and b.state() == "BACKUP", 8)
    link = _links(lab, seg.nodes[0].ns)["ipv1"]
    assert link["linkinfo"]["info_kind"] == "ipvlan"
    wait_for(lambda: f"{VIP}/24" in a.addresses("ipv1"), 3)
    assert "10.0.1.11/24" in a.addresses("ipv1")
    a.stop()
    wait_for(lambda: b.state() == "MASTER", 5)
    assert "ipv1" not in _links(lab, seg.nodes[0].ns)

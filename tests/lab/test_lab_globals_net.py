"""The network-side globals on a real node: vrrp_rx_bufs_policy and
kernel_rx_buf_size size the VRRP socket as keepalived does (the sum over its
instances), disable_local_igmp turns link-local IGMP reports off while pyvrrp
runs and back on stop, default_interface places static addresses without dev."""

from __future__ import annotations

import pytest

from pyvrrp.lab.nodes import PyvrrpNode, instance_config, wait_for
from pyvrrp.lab.topology import one_segment

pytestmark = pytest.mark.lab

IGMP = "ipv4/igmp_link_local_mcast_reports"


def _sysctl(lab, ns: str, path: str) -> str:  # type: ignore[no-untyped-def]
    return lab.run(ns, ["cat", f"/proc/sys/net/{path}"]).stdout.strip()


def _rcvbuf(node: PyvrrpNode) -> int:
    (sock,) = [s for s in node.status()["sockets"] if s["interface"] == "eth0"]
    return int(sock["rcvbuf"])


def _two(*extra: str) -> str:
    return instance_config(advert_int=0.5, extra=extra) + instance_config(
        name="VI_2", vrid=52, advert_int=0.5, vips=("10.0.1.101/24",), extra=extra
    )


@pytest.mark.parametrize(
    ("glob", "extra", "expected"),
    [
        ("vrrp_rx_bufs_policy 300000", (), 2 * 2 * 300000),
        ("vrrp_rx_bufs_policy MTU\n    vrrp_rx_bufs_multiplier 10", (), 2 * 2 * 10 * 1500),
        ("", ("kernel_rx_buf_size 200000",), 2 * 2 * 200000),
    ],
)
def test_the_socket_buffer_is_the_sum_over_its_instances(lab, glob, extra, expected) -> None:  # type: ignore[no-untyped-def]
    seg = one_segment(lab, 1)
    a = PyvrrpNode(lab, seg.nodes[0])
    head = f"global_defs {{\n    {glob}\n}}\n" if glob else ""
    a.start(head + _two(*extra))
    # (the kernel doubles what it is asked for: its own overhead)
    assert _rcvbuf(a) == expected
    a.stop()


def test_disable_local_igmp_while_running(lab) -> None:
    seg = one_segment(lab, 1)
    ns = seg.nodes[0].ns
    before = _sysctl(lab, ns, IGMP)
    assert before == "1"
    a = PyvrrpNode(lab, seg.nodes[0])
    a.start("global_defs {\n    disable_local_igmp\n}\n" + instance_config(advert_int=0.5))
    assert _sysctl(lab, ns, IGMP) == "0"
    a.reload(instance_config(advert_int=0.5))  # dropped by a reload: back
    assert _sysctl(lab, ns, IGMP) == "1"
    a.reload("global_defs {\n    disable_local_igmp\n}\n" + instance_config(advert_int=0.5))
    assert _sysctl(lab, ns, IGMP) == "0"
    a.kill()
    assert _sysctl(lab, ns, IGMP) == "0"  # left by the killed run
    a.start(instance_config(advert_int=0.5))  # the next start puts it back
    wait_for(lambda: _sysctl(lab, ns, IGMP) == "1", 3)
    a.stop()


def test_default_interface_places_static_addresses_without_dev(lab) -> None:
    seg = one_segment(lab, 1)
    ns = seg.nodes[0].ns
    lab.veth(ns, "lan1", ns, "lan1p")
    a = PyvrrpNode(lab, seg.nodes[0])
    conf = (
        "global_defs {\n    default_interface lan1\n}\n"
        "static_ipaddress {\n    10.0.8.1/24\n}\n" + instance_config(advert_int=0.5)
    )
    a.start(conf)
    wait_for(lambda: "10.0.8.1/24" in a.addresses("lan1"), 3)
    a.stop()
    assert "10.0.8.1/24" not in a.addresses("lan1")


def _unicast(me: str, peer: str, priority: int, *, vrf: str | None = None) -> str:
    conf = instance_config(
        priority=priority,
        advert_int=0.5,
        unicast_src=me,
        peers=(peer,),
        vips=("10.0.1.100/24 dev eth0",),
    ).replace("    interface eth0\n", f"    vrf {vrf}\n" if vrf else "")
    assert "interface" not in conf
    return conf


def test_a_unicast_instance_without_an_interface(lab) -> None:
    """keepalived allows it: the socket is bound to no device."""
    seg = one_segment(lab, 2)
    a, b = PyvrrpNode(lab, seg.nodes[0]), PyvrrpNode(lab, seg.nodes[1])
    a.start(_unicast("10.0.1.1", "10.0.1.2", 200))
    b.start(_unicast("10.0.1.2", "10.0.1.1", 100))
    wait_for(lambda: a.state() == "MASTER" and b.state() == "BACKUP", 8)
    wait_for(lambda: "10.0.1.100/24" in a.addresses("eth0"), 3)
    assert [s["interface"] for s in a.status()["sockets"]] == [""]
    a.stop()
    wait_for(lambda: b.state() == "MASTER", 5)


def _vrf_supported(lab, ns: str) -> bool:  # type: ignore[no-untyped-def]
    r = lab.run(ns, ["ip", "link", "add", "vrf-probe", "type", "vrf", "table", "9"], check=False)
    if r.returncode != 0:
        return False
    lab.run(ns, ["ip", "link", "del", "vrf-probe"])
    return True


def test_vrf_instance_sends_and_hears_in_its_vrf(lab) -> None:
    seg = one_segment(lab, 2)
    if not _vrf_supported(lab, seg.nodes[0].ns):
        pytest.skip("this kernel has no VRF devices (CONFIG_NET_VRF)")
    for n in seg.nodes:
        lab.run(n.ns, ["ip", "link", "add", "blue", "type", "vrf", "table", "10"])
        lab.run(n.ns, ["ip", "link", "set", "blue", "up"])
        lab.run(n.ns, ["ip", "link", "set", "eth0", "master", "blue"])
    a, b = PyvrrpNode(lab, seg.nodes[0]), PyvrrpNode(lab, seg.nodes[1])
    a.start(_unicast("10.0.1.1", "10.0.1.2", 200, vrf="blue"))
    b.start(_unicast("10.0.1.2", "10.0.1.1", 100, vrf="blue"))
    wait_for(lambda: a.state() == "MASTER" and b.state() == "BACKUP", 8)
    assert [s["interface"] for s in a.status()["sockets"]] == ["blue"]

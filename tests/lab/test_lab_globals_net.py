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

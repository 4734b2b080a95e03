"""Per-instance network keywords on a real node: promote_secondaries is set on
the interface while pyvrrp runs (and reset on stop, as pyvrrp set it), and
kernel_rx_buf_size sizes the VRRP socket's receive buffer."""

from __future__ import annotations

import sys

import pytest

from pyvrrp.lab.nodes import PyvrrpNode, instance_config, wait_for
from pyvrrp.lab.topology import one_segment

pytestmark = pytest.mark.lab


def test_promote_secondaries_and_kernel_rx_buf_size(lab) -> None:
    (node,) = one_segment(lab, 1).nodes
    sysctl = f"/proc/sys/net/ipv4/conf/{node.ifname}/promote_secondaries"

    def promote() -> str:
        return lab.run(node.ns, ["cat", sysctl]).stdout.strip()

    assert promote() == "0"
    a = PyvrrpNode(lab, node)
    extra = ["promote_secondaries", "kernel_rx_buf_size 300000"]
    a.start(instance_config(priority=150, advert_int=0.5, extra=extra))
    wait_for(lambda: a.state() == "MASTER", 5)
    assert promote() == "1"
    a.stop()
    assert promote() == "0"


def test_kernel_rx_buf_size_sizes_the_vrrp_socket(lab) -> None:
    """(ss shows no buffer sizes of raw sockets: the daemon's own socket class
    is asked, in the node's namespace.)"""
    (node,) = one_segment(lab, 1).nodes
    code = (
        "import socket, sys\n"
        "from pyvrrp.net.sockets import open_socket\n"
        f"s = open_socket({node.ifname!r}, 4)\n"
        "s.set_rcvbuf(300000)\n"
        "print(s._sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF))\n"
    )
    out = lab.run(node.ns, [sys.executable, "-c", code]).stdout.split()
    assert out == ["600000"]  # the kernel doubles what it is asked

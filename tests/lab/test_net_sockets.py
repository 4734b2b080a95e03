"""VrrpSocket4 / VrrpSocket6 against the real kernel, in namespaces."""

from __future__ import annotations

import select
import socket
import time
from ipaddress import IPv4Address, IPv6Address
from typing import Any

import pytest

from pyvrrp.lab import Lab, inside, one_segment, routed_pair
from pyvrrp.net import ReceivedPacket, VrrpSocket4, VrrpSocket6, link_local
from pyvrrp.wire import Advert, ChecksumStyle, decode, encode

pytestmark = pytest.mark.lab

V4_GROUP = IPv4Address("224.0.0.18")
V6_GROUP = IPv6Address("ff02::12")


def wait_recv(sock: VrrpSocket4 | VrrpSocket6, timeout: float = 2.0) -> ReceivedPacket:
    """The next packet on ``sock`` (via its fd, as the daemon would poll it)."""
    r, _, _ = select.select([sock.fileno()], [], [], timeout)
    assert r, "no packet arrived"
    pkt = sock.recv()
    assert pkt is not None
    return pkt


def v4_pair(lab: Lab) -> tuple[Any, Any, VrrpSocket4, VrrpSocket4]:
    """Two nodes on one segment and an IPv4 VRRP socket on each one's eth0."""
    a, b = one_segment(lab, 2).nodes
    with inside(a.ns):
        sa = VrrpSocket4("eth0")
    with inside(b.ns):
        sb = VrrpSocket4("eth0")
    return a, b, sa, sb


def advert4(vrid: int = 7, addrs: tuple[str, ...] = ("10.0.1.100",)) -> Advert:
    return Advert(3, 4, vrid, 100, 100, tuple(IPv4Address(a) for a in addrs))


def test_v4_multicast_segment(lab: Lab) -> None:
    seg = one_segment(lab, 2)
    a, b = seg.nodes
    with inside(a.ns):
        sa = VrrpSocket4("eth0")
    with inside(b.ns):
        sb = VrrpSocket4("eth0")
        b_index = socket.if_nametoindex("eth0")
    with sa, sb:
        sb.join(V4_GROUP)
        src = a.ipv4.ip
        payload = encode(advert4(), style=ChecksumStyle.V3_PSEUDO, src=src, dst=V4_GROUP)
        sa.send(payload, src, V4_GROUP)
        pkt = wait_recv(sb)
        assert pkt.family == 4
        assert pkt.src == src and pkt.dst == V4_GROUP
        assert pkt.ttl == 255
        assert pkt.tos == 0xC0
        assert pkt.ifindex == b_index
        assert pkt.payload == payload
        assert decode(pkt.payload, family=4, src=pkt.src, dst=pkt.dst).advert == advert4()
        assert sb.recv() is None  # drained: nonblocking, no more


def test_v4_not_looped_back_and_bound_to_device(lab: Lab) -> None:
    seg = one_segment(lab, 2)
    a, _b = seg.nodes
    with inside(a.ns):
        sa = VrrpSocket4("eth0")
        sa.join(V4_GROUP)
        lo = VrrpSocket4("lo")  # another device on the same host
        lo.join(V4_GROUP)
    with sa, lo:
        sa.send(encode(advert4(), style=ChecksumStyle.MESSAGE), a.ipv4.ip, V4_GROUP)
        # The sender does not hear itself (IP_MULTICAST_LOOP 0) and the socket
        # bound to lo hears nothing sent on eth0.
        assert not select.select([sa.fileno(), lo.fileno()], [], [], 0.3)[0]


def test_v4_unicast_ttl(lab: Lab) -> None:
    a, b, sa, sb = v4_pair(lab)
    with sa, sb:
        payload = encode(advert4(9), style=ChecksumStyle.MESSAGE)
        sa.send(payload, a.ipv4.ip, b.ipv4.ip, ttl=17)
        pkt = wait_recv(sb)
        assert (pkt.src, pkt.dst, pkt.ttl, pkt.payload) == (a.ipv4.ip, b.ipv4.ip, 17, payload)


def test_receive_time_is_the_kernels_not_the_readers(lab: Lab) -> None:
    """recv(stamped=True) gives when the kernel received the packet: a packet
    read 0.3 s after it arrived is stamped 0.3 s before the read. Without
    ``stamped`` an IPv4 socket reads no ancillary data and says 0; IPv6 reads
    its ancillary data anyway and always has the stamp."""
    seg = one_segment(lab, 2)
    a, b = seg.nodes
    with inside(a.ns):
        sa4, sa6 = VrrpSocket4("eth0"), VrrpSocket6("eth0")
        a_ll = link_local("eth0")
    with inside(b.ns):
        sb4, sb6 = VrrpSocket4("eth0"), VrrpSocket6("eth0")
    with sa4, sa6, sb4, sb6:
        sb4.join(V4_GROUP)
        sb6.join(V6_GROUP)
        adv6 = Advert(3, 6, 5, 200, 100, (IPv6Address("fd00:1::100"),))
        for stamped in (True, False):
            sent = time.time_ns()
            sa4.send(encode(advert4(), style=ChecksumStyle.MESSAGE), a.ipv4.ip, V4_GROUP)
            sa6.send(encode(adv6, style=ChecksumStyle.KERNEL), a_ll, V6_GROUP)
            assert select.select([sb4.fileno()], [], [], 2.0)[0]
            assert select.select([sb6.fileno()], [], [], 2.0)[0]
            time.sleep(0.3)
            read = time.time_ns()
            p4, p6 = sb4.recv(stamped), sb6.recv(stamped)
            assert p4 is not None and p6 is not None
            assert p4.payload == encode(advert4(), style=ChecksumStyle.MESSAGE)
            for pkt in (p4, p6) if stamped else (p6,):
                assert sent <= pkt.rx_ns <= sent + 200_000_000, (pkt.family, sent, pkt.rx_ns)
                assert read - pkt.rx_ns >= 300_000_000
            if not stamped:
                assert p4.rx_ns == 0


def test_drops_counts_what_a_full_receive_queue_lost(lab: Lab) -> None:
    """drops() is the kernel's count of packets this socket lost because its
    receive queue was full (how the daemon tells loss from silence)."""
    a, _b, sa, sb = v4_pair(lab)
    with sa, sb:
        sb.join(V4_GROUP)
        payload = encode(advert4(), style=ChecksumStyle.MESSAGE)
        sa.send(payload, a.ipv4.ip, V4_GROUP)
        wait_recv(sb)
        assert sb.drops() == 0  # read in time: nothing lost
        for _ in range(30000):  # far more than the queue holds, never read
            sa.send(payload, a.ipv4.ip, V4_GROUP)
        deadline = time.monotonic() + 5
        while sb.drops() == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        lost = sb.drops()
        assert lost > 0
        read = 0
        while sb.recv() is not None:
            read += 1
        assert 0 < read < 30000 and sb.drops() == lost


def test_v6_multicast_segment_kernel_checksum(lab: Lab) -> None:
    seg = one_segment(lab, 2)
    a, b = seg.nodes
    with inside(a.ns):
        sa = VrrpSocket6("eth0")
        a_ll = link_local("eth0")
    with inside(b.ns):
        sb = VrrpSocket6("eth0")
        # A second socket without IPV6_CHECKSUM hands the packet up unchecked,
        # so the test can verify the checksum the sender's kernel wrote.
        raw = VrrpSocket6("eth0", kernel_checksum=False)
        b_index = socket.if_nametoindex("eth0")
    adv = Advert(3, 6, 5, 200, 100, (IPv6Address("fd00:1::100"),))
    with sa, sb, raw:
        sb.join(V6_GROUP)
        raw.join(V6_GROUP)
        payload = encode(adv, style=ChecksumStyle.KERNEL)
        assert payload[6:8] == b"\0\0"
        sa.send(payload, a_ll, V6_GROUP)
        pkt = wait_recv(sb)
        assert pkt.family == 6
        assert (pkt.src, pkt.dst, pkt.hop_limit, pkt.ifindex) == (a_ll, V6_GROUP, 255, b_index)
        unchecked = wait_recv(raw)
        assert unchecked.payload[6:8] != b"\0\0"  # the kernel filled it in
        d = decode(unchecked.payload, family=6, src=a_ll, dst=V6_GROUP, check_checksum=True)
        assert d.checksum_style is ChecksumStyle.IPV6 and d.advert == adv
        assert pkt.payload == unchecked.payload


def test_v6_bad_checksum_dropped_by_kernel(lab: Lab) -> None:
    seg = one_segment(lab, 2)
    a, b = seg.nodes
    with inside(a.ns):
        sa = VrrpSocket6("eth0", kernel_checksum=False)
    with inside(b.ns):
        sb = VrrpSocket6("eth0")
        raw = VrrpSocket6("eth0", kernel_checksum=False)
    with sa, sb, raw:
        payload = bytearray(encode(Advert(3, 6, 5, 200, 100, ()), style=ChecksumStyle.KERNEL))
        payload[6:8] = b"\x12\x34"
        sa.send(bytes(payload), a.ipv6.ip, b.ipv6.ip, hop_limit=3)
        got = wait_recv(raw)
        assert (got.src, got.dst, got.hop_limit) == (a.ipv6.ip, b.ipv6.ip, 3)
        assert sb.recv() is None


def test_routed_unicast_ttl_decremented_and_spoof(lab: Lab) -> None:
    topo = routed_pair(lab, 2)
    p1, p2 = topo.peers
    assert topo.attacker is not None
    with inside(p1.ns):
        s1 = VrrpSocket4("eth0")
        s1v6 = VrrpSocket6("eth0")
    with inside(p2.ns):
        s2 = VrrpSocket4("eth0")
        s2v6 = VrrpSocket6("eth0")
    with s1, s2, s1v6, s2v6:
        payload = encode(advert4(3), style=ChecksumStyle.MESSAGE)
        s1.send(payload, p1.ipv4.ip, p2.ipv4.ip, ttl=255)
        pkt = wait_recv(s2)
        assert (pkt.src, pkt.dst, pkt.ttl, pkt.payload) == (p1.ipv4.ip, p2.ipv4.ip, 254, payload)

        adv6 = encode(Advert(3, 6, 3, 100, 100, ()), style=ChecksumStyle.KERNEL)
        s1v6.send(adv6, p1.ipv6.ip, p2.ipv6.ip)
        pkt = wait_recv(s2v6)
        assert (pkt.src, pkt.dst, pkt.hop_limit) == (p1.ipv6.ip, p2.ipv6.ip, 254)

        # The attacker spoofs p1's address; the router (rp_filter 0) forwards it.
        lab.python(
            topo.attacker.ns,
            "pyvrrp.lab.inject",
            *("--src", str(p1.ipv4.ip), "--dst", str(p2.ipv4.ip), "--hex", payload.hex()),
        )
        pkt = wait_recv(s2)
        assert (pkt.src, pkt.ttl, pkt.payload) == (p1.ipv4.ip, 254, payload)

        lab.python(
            topo.attacker.ns,
            "pyvrrp.lab.inject",
            *("--src", str(p1.ipv6.ip), "--dst", str(p2.ipv6.ip), "--ttl", "255"),
            *("--hex", adv6.hex(), "--checksum", "v3-ipv6"),
        )
        pkt = wait_recv(s2v6)
        assert (pkt.src, pkt.dst, pkt.hop_limit) == (p1.ipv6.ip, p2.ipv6.ip, 254)
        assert decode(pkt.payload, family=6, src=pkt.src, dst=pkt.dst).advert.vrid == 3

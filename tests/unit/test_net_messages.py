"""The rtnetlink address messages the track_src_ip watcher reads (pure parsing)."""

from __future__ import annotations

import socket
import struct
from ipaddress import IPv4Address, IPv6Address

from pyvrrp.net.interfaces import RTM_DELADDR, RTM_NEWADDR, parse_addr_messages


def _attr(kind: int, data: bytes) -> bytes:
    raw = struct.pack("=HH", 4 + len(data), kind) + data
    return raw + bytes(-len(raw) % 4)


def _msg(kind: int, family: int, index: int, attrs: bytes) -> bytes:
    body = struct.pack("=BBBBI", family, 24, 0, 0, index) + attrs
    return struct.pack("=IHHII", 16 + len(body), kind, 0, 0, 0) + body


def test_ipv4_uses_the_local_address_and_ipv6_the_address() -> None:
    data = (
        _msg(
            RTM_NEWADDR,
            socket.AF_INET,
            3,
            _attr(1, IPv4Address("10.9.9.9").packed) + _attr(2, IPv4Address("10.0.1.50").packed),
        )
        + _msg(RTM_DELADDR, socket.AF_INET6, 4, _attr(1, IPv6Address("fd00::7").packed))
        + _msg(16, socket.AF_INET, 5, b"")  # a link message: not an address
    )
    assert parse_addr_messages(data) == [
        (3, IPv4Address("10.0.1.50"), True),
        (4, IPv6Address("fd00::7"), False),
    ]


def test_truncated_input_stops_cleanly() -> None:
    data = _msg(RTM_NEWADDR, socket.AF_INET, 3, _attr(2, IPv4Address("10.0.1.50").packed))
    assert parse_addr_messages(data[:10]) == []
    assert parse_addr_messages(struct.pack("=IHHII", 4, RTM_NEWADDR, 0, 0, 0)) == []

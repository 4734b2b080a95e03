"""IPv6 header parser (RFC 8200 §3), for captures: a raw IPv6 socket never
hands the header up (the hop limit comes as ancillary data instead)."""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv6Address

from pyvrrp.wire.errors import DecodeError

IPV6_HEADER_LEN = 40
# Extension headers that may sit between the fixed header and VRRP.
_SKIPPABLE = {0, 43, 60}  # hop-by-hop, routing, destination options
_FRAGMENT = 44


@dataclass(frozen=True, slots=True)
class IPv6Header:
    src: IPv6Address
    dst: IPv6Address
    hop_limit: int
    next_header: int  # of the upper layer, after any extension headers
    payload_length: int


def parse_ipv6(packet: bytes | memoryview) -> tuple[IPv6Header, memoryview]:
    """Split an IPv6 packet into its header and its upper-layer payload."""
    view = memoryview(packet)
    if len(view) < IPV6_HEADER_LEN:
        raise DecodeError("ip_too_short", f"IPv6 packet of {len(view)} bytes is shorter than 40")
    if view[0] >> 4 != 6:
        raise DecodeError("ip_bad_version", f"IP version {view[0] >> 4}, expected 6")
    plen = int.from_bytes(view[4:6], "big")
    if IPV6_HEADER_LEN + plen > len(view):
        raise DecodeError(
            "ip_bad_total_length", f"IPv6 payload length {plen} exceeds the {len(view)} bytes"
        )
    nxt, hop = view[6], view[7]
    src, dst = IPv6Address(bytes(view[8:24])), IPv6Address(bytes(view[24:40]))
    body = view[IPV6_HEADER_LEN : IPV6_HEADER_LEN + plen]
    while nxt in _SKIPPABLE:
        if len(body) < 8:
            raise DecodeError("ip_bad_extension", "IPv6 extension header is truncated")
        ext_len = (body[1] + 1) * 8
        if ext_len > len(body):
            raise DecodeError("ip_bad_extension", "IPv6 extension header is truncated")
        nxt, body = body[0], body[ext_len:]
    if nxt == _FRAGMENT:
        raise DecodeError("ip_fragment", "fragmented IPv6 packet")
    return IPv6Header(src, dst, hop, nxt, len(body)), body

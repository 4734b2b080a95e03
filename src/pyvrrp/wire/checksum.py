"""The Internet checksum (RFC 1071) and the pseudo-headers VRRP uses.

VRRPv2 and VRRPv3 with ``v3_checksum_as_v2`` sum the message only; VRRPv3 over
IPv4 by default (keepalived, and RFC 9568 §5.2.8 read with its erratum) adds an
IPv4 pseudo-header; VRRPv3 over IPv6 uses the RFC 8200 §8.1 pseudo-header.
"""

from __future__ import annotations

import struct

PROTO_VRRP = 112


def internet_sum(data: bytes | bytearray | memoryview) -> int:
    """The Internet checksum (RFC 1071) of ``data``: the complement of the
    one's-complement sum of its 16-bit big-endian words.

    Since 2**16 is 1 modulo 0xFFFF, that sum is the whole buffer read as one
    big integer modulo 0xFFFF (a non-zero multiple reads as 0xFFFF): one C call
    instead of a Python loop over words.
    """
    raw = bytes(data)
    if len(raw) % 2:
        raw += b"\x00"
    value = int.from_bytes(raw, "big")
    folded = value % 0xFFFF
    if folded == 0 and value:
        folded = 0xFFFF
    return ~folded & 0xFFFF


def ipv4_pseudo_header(src: bytes, dst: bytes, length: int) -> bytes:
    """Source, destination, zero, protocol 112, VRRP length (RFC 768 layout)."""
    return src + dst + struct.pack("!BBH", 0, PROTO_VRRP, length)


def ipv6_pseudo_header(src: bytes, dst: bytes, length: int) -> bytes:
    """RFC 8200 §8.1: source, destination, 32-bit upper-layer length, 3 zero
    bytes, next header 112."""
    return src + dst + struct.pack("!I3xB", length, PROTO_VRRP)

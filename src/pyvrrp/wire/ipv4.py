"""IPv4 header builder and parser for raw IPv4 sockets (RFC 791).

A raw IPv4 socket for protocol 112 hands every packet up with its IP header;
VRRP needs its TTL (RFC 9568 §7.1: must be 255), source and destination.
"""

from __future__ import annotations

import struct
from ipaddress import IPv4Address
from typing import NamedTuple

from pyvrrp.wire.checksum import PROTO_VRRP, internet_sum
from pyvrrp.wire.errors import DecodeError

_HDR = struct.Struct("!BBHHHBBH4s4s")
IPV4_HEADER_LEN = 20
# keepalived sends adverts with DSCP CS6 (network control), TOS byte 0xc0.
TOS_NETWORK_CONTROL = 0xC0

# Parsed source/destination addresses, reused: an IPv4Address costs more than
# the rest of the header. Bounded, so a flood of random sources cannot grow it.
_ADDRS: dict[bytes, IPv4Address] = {}
_ADDRS_MAX = 4096


def ipv4_from_packed(raw: bytes) -> IPv4Address:
    """The IPv4Address of 4 packed bytes, shared between calls (bounded cache)."""
    a = _ADDRS.get(raw)
    if a is None:
        if len(_ADDRS) >= _ADDRS_MAX:
            _ADDRS.clear()
        a = _ADDRS[raw] = IPv4Address(raw)
    return a


class IPv4Header(NamedTuple):
    src: IPv4Address
    dst: IPv4Address
    ttl: int
    protocol: int
    total_length: int
    header_length: int
    tos: int = 0
    ident: int = 0
    flags_fragment: int = 0
    checksum: int = 0

    @property
    def is_fragment(self) -> bool:
        # More-fragments set, or a non-zero offset.
        return bool(self.flags_fragment & 0x3FFF)


def build_ipv4_header(
    src: IPv4Address,
    dst: IPv4Address,
    payload_len: int,
    *,
    ttl: int = 255,
    ident: int = 0,
    tos: int = TOS_NETWORK_CONTROL,
    protocol: int = PROTO_VRRP,
) -> bytes:
    """A 20-byte IPv4 header with a correct header checksum (for IP_HDRINCL)."""
    total = IPV4_HEADER_LEN + payload_len
    if total > 0xFFFF:
        raise ValueError(f"IPv4 packet of {total} bytes is too long")
    hdr = _HDR.pack(0x45, tos, total, ident & 0xFFFF, 0, ttl, protocol, 0, src.packed, dst.packed)
    csum = internet_sum(hdr)
    return hdr[:10] + csum.to_bytes(2, "big") + hdr[12:]


def parse_ipv4(
    packet: bytes | memoryview, *, verify_checksum: bool = True
) -> tuple[IPv4Header, memoryview]:
    """Split an IPv4 packet into its header and its payload.

    The payload is cut at the header's total length (anything past it, such as
    Ethernet padding in a capture, is dropped). Raises :class:`DecodeError`.
    """
    view = memoryview(packet)
    if len(view) < IPV4_HEADER_LEN:
        raise DecodeError("ip_too_short", f"IPv4 packet of {len(view)} bytes is shorter than 20")
    vihl, tos, total, ident, frag, ttl, proto, csum, src, dst = _HDR.unpack_from(view)
    if vihl >> 4 != 4:
        raise DecodeError("ip_bad_version", f"IP version {vihl >> 4}, expected 4")
    hlen = (vihl & 0x0F) * 4
    if hlen < IPV4_HEADER_LEN or hlen > len(view):
        raise DecodeError("ip_bad_header_length", f"IPv4 header length {hlen} is invalid")
    if total < hlen or total > len(view):
        raise DecodeError(
            "ip_bad_total_length",
            f"IPv4 total length {total} does not fit the {len(view)} bytes received",
        )
    if verify_checksum and internet_sum(view[:hlen]) != 0:
        raise DecodeError("ip_bad_checksum", "IPv4 header checksum is wrong")
    header = IPv4Header(
        src=ipv4_from_packed(src),
        dst=ipv4_from_packed(dst),
        ttl=ttl,
        protocol=proto,
        total_length=total,
        header_length=hlen,
        tos=tos,
        ident=ident,
        flags_fragment=frag,
        checksum=csum,
    )
    return header, view[hlen:total]

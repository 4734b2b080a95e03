"""Send an arbitrary VRRP payload with a spoofed source (lab attacker tool).

    python -m pyvrrp.lab.inject --src 10.0.1.2 --dst 10.0.2.2 --ttl 255 --hex 31...

Builds the whole IP header itself (IPv4 ``IP_HDRINCL``, IPv6 ``IPPROTO_RAW``),
so any source address and TTL / hop limit go out as given. ``--checksum``
rewrites the VRRP checksum first (the payload is sent as given otherwise).
"""

from __future__ import annotations

import argparse
import socket
import struct
import sys
from collections.abc import Sequence
from ipaddress import IPv4Address, IPv6Address, ip_address

from pyvrrp.wire import ChecksumStyle, build_ipv4_header, pdu_length
from pyvrrp.wire.vrrp import checksum_of

PROTO_VRRP = 112


def fix_checksum(payload: bytes, style: ChecksumStyle, src: object, dst: object) -> bytes:
    """``payload`` with its VRRP checksum recomputed in ``style``."""
    buf = bytearray(payload)
    buf[6:8] = b"\0\0"
    version, naddr = buf[0] >> 4, buf[3]
    family = 6 if isinstance(src, IPv6Address) else 4
    csum = checksum_of(
        buf,
        version=version,
        family=family,
        pdu_len=min(len(buf), pdu_length(version, family, naddr)),
        style=style,
        src=src,  # type: ignore[arg-type]
        dst=dst,  # type: ignore[arg-type]
        group=IPv4Address("224.0.0.18"),  # keepalived's default vrrp_mcast_group4
    )
    buf[6:8] = csum.to_bytes(2, "big")
    return bytes(buf)


def ipv6_header(src: IPv6Address, dst: IPv6Address, payload_len: int, hop_limit: int) -> bytes:
    """A 40-byte IPv6 header, next header 112, traffic class CS6."""
    first = (6 << 28) | (0xC0 << 20)
    return struct.pack("!IHBB", first, payload_len, PROTO_VRRP, hop_limit) + src.packed + dst.packed


def inject(
    payload: bytes,
    src: str | IPv4Address | IPv6Address,
    dst: str | IPv4Address | IPv6Address,
    ttl: int = 255,
    *,
    ifname: str | None = None,
) -> None:
    """Send ``payload`` as protocol 112 from ``src`` to ``dst`` (no checks on src)."""
    s, d = ip_address(src), ip_address(dst)
    if isinstance(s, IPv4Address) and isinstance(d, IPv4Address):
        packet = build_ipv4_header(s, d, len(payload), ttl=ttl) + payload
        sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
        target: tuple[object, ...] = (str(d), 0)
    elif isinstance(s, IPv6Address) and isinstance(d, IPv6Address):
        packet = ipv6_header(s, d, len(payload), ttl) + payload
        sock = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_RAW)
        scope = socket.if_nametoindex(ifname) if ifname else 0
        target = (str(d), 0, 0, scope)
    else:
        raise ValueError("source and destination must be the same address family")
    with sock:
        if ifname:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, ifname.encode())
        sock.sendto(packet, target)


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m pyvrrp.lab.inject", description=__doc__)
    p.add_argument("--src", required=True, help="source address (spoofed as you like)")
    p.add_argument("--dst", required=True, help="destination address")
    p.add_argument("--ttl", type=int, default=255, help="TTL / hop limit (255)")
    p.add_argument("--hex", required=True, help="VRRP payload in hex")
    p.add_argument("--dev", help="send out of this interface")
    p.add_argument("--count", type=int, default=1, help="how many copies to send")
    p.add_argument(
        "--checksum",
        choices=[s.value for s in ChecksumStyle if s is not ChecksumStyle.KERNEL],
        help="recompute the VRRP checksum in this style before sending",
    )
    a = p.parse_args(argv)
    payload = bytes.fromhex(a.hex)
    src, dst = ip_address(a.src), ip_address(a.dst)
    if a.checksum:
        payload = fix_checksum(payload, ChecksumStyle(a.checksum), src, dst)
    for _ in range(a.count):
        inject(payload, src, dst, a.ttl, ifname=a.dev)
    return 0


if __name__ == "__main__":
    sys.exit(main())

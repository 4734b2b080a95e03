"""Read IP packets out of capture files: classic pcap (either byte order,
micro- or nanosecond stamps) and pcapng, with Ethernet (VLAN tags too), Linux
cooked (SLL and SLL2) and raw IP link types. Enough for ``pyvrrp inspect``."""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass

from pyvrrp.wire.errors import DecodeError

LINKTYPE_ETHERNET = 1
LINKTYPE_RAW = 101
LINKTYPE_LINUX_SLL = 113
LINKTYPE_IPV4 = 228
LINKTYPE_IPV6 = 229
LINKTYPE_LINUX_SLL2 = 276
ETH_P_IP = 0x0800
ETH_P_IPV6 = 0x86DD
_VLAN_TPIDS = {0x8100, 0x88A8, 0x9100}


@dataclass(frozen=True, slots=True)
class Frame:
    index: int  # 1-based, as tshark numbers frames
    timestamp: float  # seconds since the epoch
    family: int | None  # 4, 6 or None when the frame carries no IP
    ip_packet: bytes  # the IP packet (header included), or the raw frame


def _ip_from_link(linktype: int, data: bytes) -> tuple[int | None, bytes]:
    if linktype == LINKTYPE_ETHERNET:
        if len(data) < 14:
            return None, data
        off, ethertype = 12, int.from_bytes(data[12:14], "big")
        while ethertype in _VLAN_TPIDS and len(data) >= off + 6:
            off += 4
            ethertype = int.from_bytes(data[off : off + 2], "big")
        body = data[off + 2 :]
    elif linktype == LINKTYPE_LINUX_SLL:
        if len(data) < 16:
            return None, data
        ethertype, body = int.from_bytes(data[14:16], "big"), data[16:]
    elif linktype == LINKTYPE_LINUX_SLL2:
        if len(data) < 20:
            return None, data
        ethertype, body = int.from_bytes(data[0:2], "big"), data[20:]
    elif linktype in (LINKTYPE_RAW, LINKTYPE_IPV4, LINKTYPE_IPV6):
        body = data
        ethertype = ETH_P_IP if body and body[0] >> 4 == 4 else ETH_P_IPV6
    else:
        raise DecodeError("pcap_linktype", f"capture link type {linktype} is not supported")
    if ethertype == ETH_P_IP:
        return 4, body
    if ethertype == ETH_P_IPV6:
        return 6, body
    return None, body


def _classic(buf: bytes) -> Iterator[Frame]:
    magic = buf[:4]
    table = {
        b"\xd4\xc3\xb2\xa1": ("<", 1e-6),
        b"\xa1\xb2\xc3\xd4": (">", 1e-6),
        b"\x4d\x3c\xb2\xa1": ("<", 1e-9),
        b"\xa1\xb2\x3c\x4d": (">", 1e-9),
    }
    endian, unit = table[magic]
    if len(buf) < 24:
        raise DecodeError("pcap_truncated", "pcap file header is truncated")
    linktype = struct.unpack_from(endian + "I", buf, 20)[0] & 0x0FFFFFFF
    rec = struct.Struct(endian + "IIII")
    off, index = 24, 0
    while off < len(buf):
        if off + 16 > len(buf):
            raise DecodeError("pcap_truncated", f"pcap record header at byte {off} is truncated")
        sec, frac, incl, _orig = rec.unpack_from(buf, off)
        off += 16
        if off + incl > len(buf):
            raise DecodeError("pcap_truncated", f"pcap record at byte {off} is truncated")
        index += 1
        family, ip = _ip_from_link(linktype, buf[off : off + incl])
        off += incl
        yield Frame(index, sec + frac * unit, family, ip)


def _pcapng(buf: bytes) -> Iterator[Frame]:
    off, index = 0, 0
    endian = "<"
    interfaces: list[tuple[int, float]] = []  # (linktype, seconds per tick)
    while off + 12 <= len(buf):
        btype = int.from_bytes(buf[off : off + 4], "little" if endian == "<" else "big")
        if btype == 0x0A0D0D0A:  # section header: byte order from its magic
            endian = "<" if buf[off + 8 : off + 12] == b"\x4d\x3c\x2b\x1a" else ">"
            interfaces = []
        blen = struct.unpack_from(endian + "I", buf, off + 4)[0]
        if blen < 12 or off + blen > len(buf):
            raise DecodeError("pcap_truncated", f"pcapng block at byte {off} is truncated")
        body = buf[off + 8 : off + blen - 4]
        if btype == 1:  # interface description
            linktype = struct.unpack_from(endian + "H", body, 0)[0]
            unit = 1e-6
            opt = 8
            while opt + 4 <= len(body):
                code, olen = struct.unpack_from(endian + "HH", body, opt)
                if code == 0:
                    break
                if code == 9 and olen >= 1:  # if_tsresol
                    r = body[opt + 4]
                    unit = 2.0 ** -(r & 0x7F) if r & 0x80 else 10.0**-r
                opt += 4 + (olen + 3) // 4 * 4
            interfaces.append((linktype, unit))
        elif btype in (6, 3):  # enhanced / simple packet
            index += 1
            if btype == 6:
                ifid, hi, lo, caplen = struct.unpack_from(endian + "IIII", body, 0)
                data = body[20 : 20 + caplen]
            else:
                ifid, hi, lo = 0, 0, 0
                data = body[4:]
            if ifid >= len(interfaces):
                raise DecodeError("pcap_bad_interface", f"pcapng packet names interface {ifid}")
            linktype, unit = interfaces[ifid]
            family, ip = _ip_from_link(linktype, data)
            yield Frame(index, ((hi << 32) | lo) * unit, family, ip)
        off += blen


def read_pcap(buf: bytes) -> Iterator[Frame]:
    """Every frame of a pcap or pcapng capture. Raises :class:`DecodeError`."""
    if len(buf) < 4:
        raise DecodeError("pcap_truncated", "not a capture file (too short)")
    if buf[:4] in (
        b"\xd4\xc3\xb2\xa1",
        b"\xa1\xb2\xc3\xd4",
        b"\x4d\x3c\xb2\xa1",
        b"\xa1\xb2\x3c\x4d",
    ):
        return _classic(buf)
    if buf[:4] == b"\x0a\x0d\x0d\x0a":
        return _pcapng(buf)
    raise DecodeError("pcap_magic", "not a pcap or pcapng file (unknown magic number)")

"""VRRP advertisements on the wire: VRRPv2 (RFC 3768 §5) and VRRPv3 (RFC 9568 §5).

::

    0                   1                   2                   3
    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
   |Version| Type  | Virtual Rtr ID|   Priority    | Count IPvX Addr|
   v3: |(rsvd) |     Max Adver Int     |          Checksum         |
   v2: |   Auth Type   |   Adver Int   |          Checksum         |
   |            IPvX Address(es) ...                                |
   v2 only: Authentication Data (8 bytes)
   auth_hmac: the 28-byte trailer, detected by exact length

No sockets, no clock: bytes in, typed adverts out, and back.
"""

from __future__ import annotations

import enum
from ipaddress import IPv4Address, IPv6Address
from typing import NamedTuple

from pyvrrp.wire.checksum import internet_sum, ipv4_pseudo_header, ipv6_pseudo_header
from pyvrrp.wire.errors import DecodeError

IPAddr = IPv4Address | IPv6Address

VRRP_TYPE_ADVERTISEMENT = 1
HEADER_LEN = 8
V2_AUTH_DATA_LEN = 8
TRAILER_LEN = 28
# RFC 3768 §5.3.6 authentication types (type 1 and 2 were removed by RFC 3768
# but keepalived still speaks them: PASS and AH).
AUTH_NONE = 0
AUTH_PASS = 1
AUTH_AH = 2
# The smallest Ethernet payload: shorter IPv4 packets arrive padded.
MIN_ETHERNET_PAYLOAD = 46
IPV4_HEADER_LEN = 20
MAX_V3_INTERVAL_CS = 0x0FFF


class ChecksumStyle(enum.Enum):
    """How a VRRP checksum is computed."""

    MESSAGE = "message"  # VRRP message only: v2, and v3 with v3_checksum_as_v2
    V3_PSEUDO = "v3-pseudo"  # IPv4 pseudo-header + message (keepalived's v3 default)
    #: keepalived 1.3.6 and before (``old_unicast_checksum``): the IPv4
    #: pseudo-header names the multicast group as destination, even unicast
    V3_OLD_UNICAST = "v3-old-unicast"
    IPV6 = "v3-ipv6"  # RFC 8200 pseudo-header + the whole payload, trailer included
    KERNEL = "kernel"  # leave zero: the kernel fills it in (IPV6_CHECKSUM)


class Advert(NamedTuple):
    """One VRRP advertisement, either version.

    ``interval_cs`` is the advertisement interval in centiseconds: VRRPv3's
    12-bit Max Adver Int as is, VRRPv2's 8-bit seconds field times 100.
    Immutable; a named tuple because one is built for every received packet
    and a frozen dataclass costs several times more to construct.
    """

    version: int
    family: int
    vrid: int
    priority: int
    interval_cs: int
    addresses: tuple[IPAddr, ...] = ()
    auth_type: int = AUTH_NONE  # VRRPv2 only
    auth_data: bytes = bytes(V2_AUTH_DATA_LEN)  # VRRPv2 only: a PASS password

    def __repr__(self) -> str:
        # auth_data may hold a PASS password: never shown.
        return (
            f"Advert(version={self.version}, family={self.family}, vrid={self.vrid}, "
            f"priority={self.priority}, interval_cs={self.interval_cs}, "
            f"addresses={self.addresses!r}, auth_type={self.auth_type})"
        )

    @property
    def pdu_length(self) -> int:
        return pdu_length(self.version, self.family, len(self.addresses))


class DecodedAdvert(NamedTuple):
    """What :func:`decode` found: the advert, the PDU bytes it came from, the
    raw trailer (or None) and how its checksum verified."""

    advert: Advert
    pdu: bytes
    trailer: bytes | None
    checksum: int
    checksum_style: ChecksumStyle | None
    padding: int = 0


def address_length(family: int) -> int:
    return 4 if family == 4 else 16


def pdu_length(version: int, family: int, naddr: int) -> int:
    """Length of the VRRP PDU: header, addresses and (v2) authentication data."""
    n = HEADER_LEN + naddr * address_length(family)
    return n + V2_AUTH_DATA_LEN if version == 2 else n


def _addresses(raw: bytes, family: int, naddr: int) -> tuple[IPAddr, ...]:
    if family == 4:
        return tuple(IPv4Address(raw[i : i + 4]) for i in range(0, 4 * naddr, 4))
    return tuple(IPv6Address(raw[i : i + 16]) for i in range(0, 16 * naddr, 16))


def checksum_style(
    payload: bytes,
    pdu: bytes,
    *,
    version: int,
    family: int,
    src: IPAddr | None,
    dst: IPAddr | None,
    old_unicast_group: IPAddr | None = None,
) -> ChecksumStyle | None:
    """The style under which the checksum verifies, or None if none does.

    With ``old_unicast_group`` a VRRPv3 IPv4 checksum whose pseudo-header has
    that group as destination also verifies (:attr:`ChecksumStyle.V3_OLD_UNICAST`)."""
    if family == 6:
        if src is None or dst is None:
            raise ValueError("an IPv6 checksum needs the source and destination addresses")
        pseudo = ipv6_pseudo_header(src.packed, dst.packed, len(payload))
        return ChecksumStyle.IPV6 if internet_sum(pseudo + payload) == 0 else None
    if version == 3 and src is not None and dst is not None:
        pseudo = ipv4_pseudo_header(src.packed, dst.packed, len(pdu))
        if internet_sum(pseudo + pdu) == 0:
            return ChecksumStyle.V3_PSEUDO
        if old_unicast_group is not None:
            pseudo = ipv4_pseudo_header(src.packed, old_unicast_group.packed, len(pdu))
            if internet_sum(pseudo + pdu) == 0:
                return ChecksumStyle.V3_OLD_UNICAST
    return ChecksumStyle.MESSAGE if internet_sum(pdu) == 0 else None


def split(
    payload: bytes | bytearray | memoryview, *, family: int, allow_trailer: bool = True
) -> tuple[bytes, bytes | None, int]:
    """``(pdu, trailer, padding)`` of one advert, from its header and length
    alone: the first, cheap step of :func:`decode`, enough for auth_hmac to
    judge the packet before anything else is parsed. Raises :class:`DecodeError`."""
    data = bytes(payload)
    n = len(data)
    if family not in (4, 6):
        raise DecodeError("bad_family", f"address family {family} is not 4 or 6")
    if n < HEADER_LEN:
        raise DecodeError(
            "too_short", f"VRRP packet of {n} bytes is shorter than its 8-byte header"
        )
    vt, vrid, naddr = data[0], data[1], data[3]
    version, ptype = vt >> 4, vt & 0x0F
    if version not in (2, 3):
        raise DecodeError("bad_version", f"VRRP version {version} is not 2 or 3")
    if ptype != VRRP_TYPE_ADVERTISEMENT:
        raise DecodeError("bad_type", f"VRRP packet type {ptype} is not 1 (advertisement)")
    if version == 2 and family == 6:
        raise DecodeError("bad_version", "VRRP version 2 over IPv6 does not exist")
    if vrid == 0:
        raise DecodeError("bad_vrid", "virtual router id 0 is invalid")
    expected = pdu_length(version, family, naddr)
    if n == expected:
        return data, None, 0
    if n == expected + TRAILER_LEN and allow_trailer:
        return data[:expected], data[expected:], 0
    if n > expected and family == 4 and IPV4_HEADER_LEN + n <= MIN_ETHERNET_PAYLOAD:
        return data[:expected], None, n - expected
    raise DecodeError(
        "bad_length",
        f"VRRP packet of {n} bytes, expected {expected} for {naddr} address(es)"
        + (f" (or {expected + TRAILER_LEN} with an auth_hmac trailer)" if allow_trailer else ""),
    )


def decode(
    payload: bytes | bytearray | memoryview,
    *,
    family: int,
    src: IPAddr | None = None,
    dst: IPAddr | None = None,
    allow_trailer: bool = True,
    check_checksum: bool = True,
    old_unicast_group: IPAddr | None = None,
) -> DecodedAdvert:
    """Decode one VRRP advertisement (the IP payload).

    ``family`` (4 or 6) comes from the IP layer. With ``allow_trailer`` a
    payload exactly 28 bytes longer than the PDU carries an auth_hmac trailer;
    without it that length is wrong, as for a node without auth_hmac. Short
    IPv4 packets may carry Ethernet padding, which is dropped. The checksum
    is verified unless ``check_checksum`` is false (the kernel already did,
    with IPV6_CHECKSUM); VRRPv3 over IPv4 verifies with the pseudo-header when
    ``src`` and ``dst`` are given (or ``old_unicast_group`` in place of ``dst``:
    keepalived 1.3.6's checksum), or over the message only. Raises
    :class:`DecodeError` and nothing else.
    """
    pdu, trailer, padding = split(payload, family=family, allow_trailer=allow_trailer)
    data = pdu if trailer is None else pdu + trailer
    expected = len(pdu)
    version, vrid, priority, naddr = pdu[0] >> 4, pdu[1], pdu[2], pdu[3]
    if version == 3:
        interval_cs = int.from_bytes(data[4:6], "big") & MAX_V3_INTERVAL_CS
        auth_type, auth_data = AUTH_NONE, bytes(V2_AUTH_DATA_LEN)
    else:
        auth_type, interval_cs = data[4], data[5] * 100
        auth_data = pdu[expected - V2_AUTH_DATA_LEN :]
    checksum = int.from_bytes(data[6:8], "big")
    style: ChecksumStyle | None = None
    if check_checksum:
        style = checksum_style(
            data,
            pdu,
            version=version,
            family=family,
            src=src,
            dst=dst,
            old_unicast_group=old_unicast_group,
        )
        if style is None:
            raise DecodeError("bad_checksum", f"VRRP checksum 0x{checksum:04x} is wrong")
    advert = Advert(
        version=version,
        family=family,
        vrid=vrid,
        priority=priority,
        interval_cs=interval_cs,
        addresses=_addresses(data[HEADER_LEN:], family, naddr),
        auth_type=auth_type,
        auth_data=auth_data,
    )
    return DecodedAdvert(advert, pdu, trailer, checksum, style, padding)


def encode_pdu(advert: Advert) -> bytearray:
    """The PDU of ``advert`` with a zero checksum field."""
    a = advert
    if a.version not in (2, 3):
        raise ValueError(f"VRRP version {a.version} is not 2 or 3")
    if a.family not in (4, 6) or (a.version == 2 and a.family == 6):
        raise ValueError(f"VRRPv{a.version} over IPv{a.family} is not defined")
    if not 1 <= a.vrid <= 255 or not 0 <= a.priority <= 255 or len(a.addresses) > 255:
        raise ValueError("VRID, priority or address count out of range")
    out = bytearray(
        (a.version << 4 | VRRP_TYPE_ADVERTISEMENT, a.vrid, a.priority, len(a.addresses))
    )
    if a.version == 3:
        if not 0 <= a.interval_cs <= MAX_V3_INTERVAL_CS:
            raise ValueError(f"VRRPv3 interval {a.interval_cs} cs does not fit 12 bits")
        out += a.interval_cs.to_bytes(2, "big")
    else:
        secs, rest = divmod(a.interval_cs, 100)
        if rest or not 0 <= secs <= 255:
            raise ValueError(f"VRRPv2 interval {a.interval_cs} cs is not whole seconds 0..255")
        out += bytes((a.auth_type, secs))
    out += b"\x00\x00"
    alen = address_length(a.family)
    for addr in a.addresses:
        if len(addr.packed) != alen:
            raise ValueError(f"address {addr} is not IPv{a.family}")
        out += addr.packed
    if a.version == 2:
        if len(a.auth_data) != V2_AUTH_DATA_LEN:
            raise ValueError("VRRPv2 authentication data must be 8 bytes")
        out += a.auth_data
    return out


def checksum_of(
    payload: bytes | bytearray,
    *,
    version: int,
    family: int,
    pdu_len: int,
    style: ChecksumStyle,
    src: IPAddr | None = None,
    dst: IPAddr | None = None,
    group: IPAddr | None = None,
) -> int:
    """The checksum to write at offset 6 of ``payload`` (whose checksum field is
    zero). IPv4 styles cover the PDU only; the IPv6 one the whole payload.
    :attr:`ChecksumStyle.V3_OLD_UNICAST` puts ``group`` where ``dst`` goes."""
    if style is ChecksumStyle.KERNEL:
        return 0
    if style is ChecksumStyle.MESSAGE:
        return internet_sum(payload[:pdu_len])
    if style is ChecksumStyle.V3_OLD_UNICAST:
        if group is None:
            raise ValueError("the old unicast checksum needs the multicast group")
        dst = group
    if src is None or dst is None:
        raise ValueError(f"checksum style {style.value} needs the source and destination")
    if style is ChecksumStyle.V3_PSEUDO or style is ChecksumStyle.V3_OLD_UNICAST:
        if version != 3 or family != 4:
            raise ValueError("the IPv4 pseudo-header checksum is for VRRPv3 over IPv4")
        return internet_sum(ipv4_pseudo_header(src.packed, dst.packed, pdu_len) + payload[:pdu_len])
    if family != 6:
        raise ValueError("the IPv6 pseudo-header checksum is for IPv6")
    return internet_sum(ipv6_pseudo_header(src.packed, dst.packed, len(payload)) + bytes(payload))


def default_style(version: int, family: int, *, checksum_as_v2: bool = False) -> ChecksumStyle:
    """keepalived's choice: v2 message-only; v3 IPv4 pseudo-header unless
    ``v3_checksum_as_v2``; v3 IPv6 by the kernel."""
    if family == 6:
        return ChecksumStyle.KERNEL
    if version == 2 or checksum_as_v2:
        return ChecksumStyle.MESSAGE
    return ChecksumStyle.V3_PSEUDO


def set_checksum(buf: bytearray, value: int) -> None:
    buf[6:8] = value.to_bytes(2, "big")


def encode(
    advert: Advert,
    *,
    style: ChecksumStyle | None = None,
    src: IPAddr | None = None,
    dst: IPAddr | None = None,
    trailer: bytes | None = None,
    group: IPAddr | None = None,
) -> bytes:
    """Encode ``advert`` with its checksum, followed by ``trailer`` if given.

    The checksum of an IPv4 advert covers the PDU only, so a trailer signed
    over the PDU (checksum read as zero) can be appended afterwards; an IPv6
    checksum covers the trailer too and is computed last.
    """
    if style is None:
        style = default_style(advert.version, advert.family)
    buf = encode_pdu(advert)
    pdu_len = len(buf)
    if trailer is not None:
        if len(trailer) != TRAILER_LEN:
            raise ValueError("an auth_hmac trailer is 28 bytes")
        buf += trailer
    csum = checksum_of(
        buf,
        version=advert.version,
        family=advert.family,
        pdu_len=pdu_len,
        style=style,
        src=src,
        dst=dst,
        group=group,
    )
    set_checksum(buf, csum)
    return bytes(buf)

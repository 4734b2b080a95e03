"""The wire layer, rule by rule: each test names the RFC section (or the
auth_hmac draft) whose rule it checks.

RFC 1071 (the Internet checksum), RFC 791 (the IPv4 header), RFC 8200 (the
IPv6 header, its extension headers and its §8.1 pseudo-header), RFC 9568
(VRRPv3), RFC 3768 (VRRPv2) and draft-cassen-vrrp-auth-hmac-00 (the 28-byte
trailer). Errors are checked for their reason (the daemon's drop counter name)
and for what their message tells: ``pyvrrp inspect`` prints it after the
reason and the daemon logs it, so it says what is wrong, with the numbers.
"""

from __future__ import annotations

import re
import struct
from ipaddress import IPv4Address, IPv6Address, ip_address

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from pyvrrp.wire import ipv4 as ipv4_module
from pyvrrp.wire.checksum import internet_sum, ipv4_pseudo_header, ipv6_pseudo_header
from pyvrrp.wire.errors import DecodeError
from pyvrrp.wire.ipv4 import build_ipv4_header, parse_ipv4
from pyvrrp.wire.ipv6 import parse_ipv6
from pyvrrp.wire.trailer import parse_trailer
from pyvrrp.wire.vrrp import (
    AUTH_NONE,
    AUTH_PASS,
    Advert,
    ChecksumStyle,
    checksum_of,
    checksum_style,
    decode,
    default_style,
    encode,
    encode_pdu,
    split,
)

SRC4, DST4 = IPv4Address("192.0.2.1"), IPv4Address("224.0.0.18")
SRC6, DST6 = IPv6Address("fe80::1"), IPv6Address("ff02::12")
VIP4 = IPv4Address("192.0.2.100")
VIP6 = IPv6Address("2001:db8::100")


def _says(message: str, *facts: str) -> None:
    """``message`` states ``facts`` in this order, opening with the first and
    closing with the last (free words between them): it is printed as is after
    the reason, so it says what is wrong and nothing else."""
    pattern = ".*".join(re.escape(f) for f in facts)
    assert re.fullmatch(pattern, message, flags=re.DOTALL), message


def _decode_error(call, *args, **kwargs) -> DecodeError:
    with pytest.raises(DecodeError) as e:
        call(*args, **kwargs)
    return e.value


def _value_error(call, *args, **kwargs) -> str:
    with pytest.raises(ValueError) as e:
        call(*args, **kwargs)
    assert not isinstance(e.value, DecodeError)
    return str(e.value)


# --- RFC 1071: the Internet checksum ----------------------------------------


def _rfc1071(data: bytes) -> int:
    """RFC 1071 §1 word by word: pad an odd byte with a zero octet, add the
    16-bit words with end-around carry, complement."""
    if len(data) % 2:
        data += b"\x00"
    total = 0
    for i in range(0, len(data), 2):
        total += data[i] << 8 | data[i + 1]
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def test_rfc1071_s3_numerical_example() -> None:
    """RFC 1071 §3: the words 0001 f203 f4f5 f6f7 sum to ddf2, checksum 220d."""
    data = bytes.fromhex("0001f203f4f5f6f7")
    assert internet_sum(data) == 0x220D
    # A checksum written into the data makes the sum verify (the receiver's test).
    assert internet_sum(data + (0x220D).to_bytes(2, "big")) == 0


def test_rfc1071_s1_odd_length_is_padded_with_a_zero_octet() -> None:
    """RFC 1071 §1: a last odd byte is the high-order byte of a word whose low
    byte is zero."""
    assert internet_sum(b"\xab") == ~0xAB00 & 0xFFFF
    assert internet_sum(b"\x12\x34\x56") == ~(0x1234 + 0x5600) & 0xFFFF
    assert internet_sum(bytearray(b"\x12\x34\x56")) == internet_sum(memoryview(b"\x12\x34\x56"))


def test_rfc1071_positive_and_negative_zero() -> None:
    """RFC 1071 §1 (one's complement): all-zero data sums to +0, whose
    complement is 0xFFFF; data summing to 0xFFFF (-0) gives checksum 0."""
    assert internet_sum(b"") == 0xFFFF
    assert internet_sum(bytes(6)) == 0xFFFF
    assert internet_sum(b"\xff\xff") == 0
    assert internet_sum(b"\x80\x00\x7f\xff") == 0
    assert internet_sum(b"\xff\xff\xff\xff\x00\x01") == 0xFFFE


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=64))
@example(b"\x00")
@example(b"\xff")
@example(b"\xff\xff\xff")
def test_rfc1071_sum_equals_the_word_by_word_definition(data: bytes) -> None:
    """RFC 1071 §1: the fast sum (the buffer as one integer modulo 0xFFFF)
    equals the word-by-word one's-complement sum, for even and odd lengths."""
    assert internet_sum(data) == _rfc1071(data)


# --- pseudo-headers: RFC 9568 §5.2.8 (IPv4) and RFC 8200 §8.1 (IPv6) ---------


def test_ipv4_pseudo_header_layout_rfc9568_s5_2_8() -> None:
    """RFC 9568 §5.2.8 (with RFC 768's layout): source, destination, a zero
    byte, protocol 112 and the VRRP length as an unsigned 16-bit field."""
    src, dst = SRC4.packed, DST4.packed
    assert ipv4_pseudo_header(src, dst, 0x1234) == src + dst + b"\x00\x70\x12\x34"
    assert ipv4_pseudo_header(src, dst, 0xFFFF) == src + dst + b"\x00\x70\xff\xff"


def test_ipv6_pseudo_header_layout_rfc8200_s8_1() -> None:
    """RFC 8200 §8.1: source, destination, the upper-layer length as an
    unsigned 32-bit field, three zero bytes and next header 112."""
    src, dst = SRC6.packed, DST6.packed
    assert ipv6_pseudo_header(src, dst, 52) == src + dst + bytes.fromhex("00000034 000000 70")
    assert ipv6_pseudo_header(src, dst, 0xFFFFFFFF)[32:36] == b"\xff\xff\xff\xff"
    assert len(ipv6_pseudo_header(src, dst, 0)) == 40


# --- DecodeError --------------------------------------------------------------


def test_decode_error_carries_reason_and_message() -> None:
    """Malformed input (RFC 9568 §7.1: the packet is discarded and the event
    logged): the reason is the drop counter's name, the message the log text."""
    e = DecodeError("bad_vrid", "virtual router id 0 is invalid")
    assert isinstance(e, ValueError)
    assert e.reason == "bad_vrid"
    assert str(e) == "virtual router id 0 is invalid"
    assert e.args == ("virtual router id 0 is invalid",)


# --- RFC 791: the IPv4 header --------------------------------------------------


def _ipv4(
    payload: bytes = b"",
    *,
    vihl: int = 0x45,
    total: int | None = None,
    tos: int = 0,
    ident: int = 0,
    frag: int = 0,
    ttl: int = 255,
    proto: int = 112,
    options: bytes = b"",
    csum: int | None = None,
) -> bytes:
    """An IPv4 packet, any field as given, header checksum right unless given."""
    if total is None:
        total = 20 + len(options) + len(payload)
    hdr = struct.pack(
        "!BBHHHBBH4s4s", vihl, tos, total, ident, frag, ttl, proto, 0, SRC4.packed, DST4.packed
    )
    hdr += options
    if csum is None:
        csum = internet_sum(hdr)
    return hdr[:10] + csum.to_bytes(2, "big") + hdr[12:] + payload


def test_build_ipv4_header_defaults_rfc791_and_rfc9568_s5_1_1() -> None:
    """RFC 791 §3.1 fields of a built header: version 4, IHL 5, CS6 TOS, the
    total length, identification 0 (raw(7): the kernel fills a zero ID in),
    no flags and offset 0 (not a fragment), TTL 255 (RFC 9568 §5.1.1.3),
    protocol 112 (§5.1.1.4), a header checksum that verifies, the addresses."""
    hdr = build_ipv4_header(SRC4, DST4, 16)
    assert len(hdr) == 20
    assert hdr[0] == 0x45 and hdr[1] == 0xC0
    assert int.from_bytes(hdr[2:4], "big") == 36
    assert hdr[4:6] == b"\x00\x00"  # identification
    assert hdr[6:8] == b"\x00\x00"  # flags and fragment offset
    assert hdr[8] == 255 and hdr[9] == 112
    assert internet_sum(hdr) == 0
    assert hdr[12:16] == SRC4.packed and hdr[16:20] == DST4.packed
    h, body = parse_ipv4(hdr + bytes(16))
    assert not h.is_fragment and h.total_length == 36 and len(body) == 16


def test_build_ipv4_header_fields_as_given_rfc791_s3_1() -> None:
    """RFC 791 §3.1: TTL, TOS, protocol and identification (16 bits) as given."""
    hdr = build_ipv4_header(SRC4, DST4, 0, ttl=1, tos=0, ident=0x12345, protocol=17)
    assert (hdr[8], hdr[1], hdr[9], hdr[4:6]) == (1, 0, 17, b"\x23\x45")
    assert internet_sum(hdr) == 0


def test_build_ipv4_header_total_length_is_16_bits_rfc791_s3_1() -> None:
    """RFC 791 §3.1: Total Length is 16 bits, so 65535 bytes at most."""
    hdr = build_ipv4_header(SRC4, DST4, 0xFFFF - 20)
    assert hdr[2:4] == b"\xff\xff"
    _says(
        _value_error(build_ipv4_header, SRC4, DST4, 0xFFFF - 19),
        "IPv4 packet of 65536 bytes",
        "too long",
    )


def test_parse_ipv4_header_alone_rfc791_s3_1() -> None:
    """RFC 791 §3.1: a 20-byte header whose total length is 20 is a whole
    packet, with an empty payload."""
    h, body = parse_ipv4(_ipv4())
    assert (h.header_length, h.total_length, len(body)) == (20, 20, 0)


def test_parse_ipv4_fields_rfc791_s3_1() -> None:
    """RFC 791 §3.1: every header field is read as sent."""
    raw = _ipv4(b"abcd", tos=0xC0, ident=0xBEEF, frag=0x4000, ttl=254, proto=112)
    h, body = parse_ipv4(raw + b"\x00\x00")  # trailing padding is not payload
    assert h.src == SRC4 and h.dst == DST4
    assert (h.tos, h.ident, h.flags_fragment, h.ttl, h.protocol) == (0xC0, 0xBEEF, 0x4000, 254, 112)
    assert (h.header_length, h.total_length) == (20, 24)
    assert h.checksum == int.from_bytes(raw[10:12], "big")
    assert bytes(body) == b"abcd"
    assert not h.is_fragment  # DF alone: a whole datagram


@pytest.mark.parametrize("frag", [0x2000, 0x0001, 0x1FFF, 0x6000])
def test_parse_ipv4_fragments_rfc791_s3_1(frag: int) -> None:
    """RFC 791 §3.1: More Fragments set or a non-zero offset is a fragment."""
    h, _ = parse_ipv4(_ipv4(b"abcd", frag=frag))
    assert h.flags_fragment == frag and h.is_fragment


def test_parse_ipv4_options_rfc791_s3_1() -> None:
    """RFC 791 §3.1: IHL counts 32-bit words; options (a Router Alert here)
    belong to the header, which the checksum covers, and the payload follows."""
    raw = _ipv4(b"vrrp", vihl=0x46, options=b"\x94\x04\x00\x00")
    h, body = parse_ipv4(raw)
    assert (h.header_length, h.total_length) == (24, 28)
    assert bytes(body) == b"vrrp"
    bent = bytearray(raw)
    bent[22] ^= 0x01  # an option byte: the header checksum covers it
    assert _decode_error(parse_ipv4, bytes(bent)).reason == "ip_bad_checksum"
    assert parse_ipv4(bytes(bent), verify_checksum=False)[0].header_length == 24


def test_parse_ipv4_addresses_on_an_empty_cache_rfc791_s3_1() -> None:
    """RFC 791 §3.1: source and destination are the header's addresses, also
    the first time an address is seen (nothing cached yet)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(ipv4_module, "_ADDRS", {})
        h, _ = parse_ipv4(_ipv4(b"abcd"))
        assert (h.src, h.dst) == (SRC4, DST4)
        assert isinstance(h.src, IPv4Address) and isinstance(h.dst, IPv4Address)
        again, _ = parse_ipv4(_ipv4(b"abcd"))
        assert (again.src, again.dst) == (SRC4, DST4)


def test_parse_ipv4_too_short_rfc791_s3_1() -> None:
    """RFC 791 §3.1: the header alone is 20 bytes."""
    e = _decode_error(parse_ipv4, _ipv4()[:19])
    assert e.reason == "ip_too_short"
    _says(str(e), "IPv4 packet of 19 bytes", "shorter than 20")


def test_parse_ipv4_bad_version_rfc791_s3_1() -> None:
    """RFC 791 §3.1: the version field is 4."""
    e = _decode_error(parse_ipv4, _ipv4(vihl=0x65))
    assert e.reason == "ip_bad_version"
    _says(str(e), "IP version 6", "expected 4")


@pytest.mark.parametrize(("vihl", "hlen"), [(0x44, 16), (0x40, 0), (0x46, 24), (0x4F, 60)])
def test_parse_ipv4_bad_header_length_rfc791_s3_1(vihl: int, hlen: int) -> None:
    """RFC 791 §3.1: IHL is at least 5 words and the header fits the packet."""
    e = _decode_error(parse_ipv4, _ipv4(vihl=vihl))  # 20 bytes only
    assert e.reason == "ip_bad_header_length"
    _says(str(e), f"IPv4 header length {hlen}", "invalid")


@pytest.mark.parametrize(("total", "size"), [(19, 20), (0, 20), (25, 24), (100, 24)])
def test_parse_ipv4_bad_total_length_rfc791_s3_1(total: int, size: int) -> None:
    """RFC 791 §3.1: Total Length covers the header and fits what was received."""
    e = _decode_error(parse_ipv4, _ipv4(b"\x00" * (size - 20), total=total))
    assert e.reason == "ip_bad_total_length"
    _says(str(e), f"IPv4 total length {total}", f"the {size} bytes received")


def test_parse_ipv4_bad_header_checksum_rfc791_s3_1() -> None:
    """RFC 791 §3.1: the header checksum covers the header."""
    raw = _ipv4(b"abcd")
    bad = _ipv4(b"abcd", csum=int.from_bytes(raw[10:12], "big") ^ 1)
    e = _decode_error(parse_ipv4, bad)
    assert e.reason == "ip_bad_checksum"
    _says(str(e), "IPv4 header checksum", "wrong")
    h, _ = parse_ipv4(bad, verify_checksum=False)
    assert h.checksum == int.from_bytes(raw[10:12], "big") ^ 1


# --- RFC 8200: the IPv6 header and its extension headers -------------------------


def _ipv6(
    body: bytes, *, nh: int = 112, hop: int = 255, plen: int | None = None, first: int = 0x60
) -> bytes:
    """An IPv6 packet (RFC 8200 §3): version/class/flow, payload length,
    next header, hop limit, addresses, then ``body``."""
    if plen is None:
        plen = len(body)
    return (
        bytes((first, 0x00, 0x00, 0x00))
        + plen.to_bytes(2, "big")
        + bytes((nh, hop))
        + SRC6.packed
        + DST6.packed
        + body
    )


def _ext(nh: int, units: int) -> bytes:
    """An extension header of (units + 1) * 8 bytes (RFC 8200 §4): next header,
    Hdr Ext Len, then PadN-like filler bytes that are neither."""
    return bytes((nh, units)) + bytes([0xEE] * (6 + 8 * units))


VRRP6 = encode(Advert(3, 6, 51, 200, 100, (VIP6,)), style=ChecksumStyle.IPV6, src=SRC6, dst=DST6)


def test_parse_ipv6_keepalived_capture_rfc8200_s3(data) -> None:
    """RFC 8200 §3 fields of adverts keepalived sent: hop limit 255 (RFC 9568
    §5.1.2.3), next header 112, the addresses, the payload whole."""
    from pyvrrp.wire.pcap import read_pcap

    frames = list(read_pcap((data / "captures/v3-ipv6-multicast-hmac.pcap").read_bytes()))
    for frame in frames:
        h, body = parse_ipv6(frame.ip_packet)
        assert (h.hop_limit, h.next_header) == (255, 112)
        assert h.src == ip_address("fe80::2448:92ff:feda:887c") and h.dst == DST6
        assert h.payload_length == len(body) == 52
        d = decode(body, family=6, src=h.src, dst=h.dst)
        assert d.checksum_style is ChecksumStyle.IPV6 and d.trailer is not None


def test_parse_ipv6_fields_rfc8200_s3() -> None:
    """RFC 8200 §3: hop limit, next header, addresses; the payload is cut at
    the 16-bit Payload Length (bytes after it are not the packet's)."""
    body = bytes(range(256)) + bytes(4)  # 260 bytes: Payload Length 0x0104
    h, payload = parse_ipv6(_ipv6(body, nh=59, hop=7) + b"tail")
    assert (h.src, h.dst, h.hop_limit, h.next_header) == (SRC6, DST6, 7, 59)
    assert h.payload_length == 260 and bytes(payload) == body


def test_parse_ipv6_header_alone_rfc8200_s3() -> None:
    """RFC 8200 §3: a 40-byte header with Payload Length 0 is a whole packet."""
    h, payload = parse_ipv6(_ipv6(b"", nh=59))
    assert h.payload_length == 0 and bytes(payload) == b""


def test_parse_ipv6_too_short_rfc8200_s3() -> None:
    """RFC 8200 §3: the fixed header alone is 40 bytes."""
    e = _decode_error(parse_ipv6, _ipv6(b"")[:39])
    assert e.reason == "ip_too_short"
    _says(str(e), "IPv6 packet of 39 bytes", "shorter than 40")


@pytest.mark.parametrize(("first", "version"), [(0x45, 4), (0x70, 7), (0x00, 0)])
def test_parse_ipv6_bad_version_rfc8200_s3(first: int, version: int) -> None:
    """RFC 8200 §3: the version field is 6."""
    e = _decode_error(parse_ipv6, _ipv6(VRRP6, first=first))
    assert e.reason == "ip_bad_version"
    _says(str(e), f"IP version {version}", "expected 6")


def test_parse_ipv6_payload_length_past_the_data_rfc8200_s3() -> None:
    """RFC 8200 §3: Payload Length must fit the bytes received."""
    e = _decode_error(parse_ipv6, _ipv6(bytes(200), plen=300))
    assert e.reason == "ip_bad_total_length"
    _says(str(e), "IPv6 payload length 300", "the 240 bytes")
    e = _decode_error(parse_ipv6, _ipv6(bytes(20), plen=21))
    assert e.reason == "ip_bad_total_length"
    _says(str(e), "IPv6 payload length 21", "the 60 bytes")


@pytest.mark.parametrize("nh", [0, 43, 60])
def test_parse_ipv6_skips_an_extension_header_rfc8200_s4(nh: int) -> None:
    """RFC 8200 §4.3-4.6: Hop-by-Hop (0), Routing (43) and Destination Options
    (60) headers are skipped by their Hdr Ext Len, in 8-byte units not
    counting the first 8, to the upper layer they name."""
    for units in (0, 1, 2):
        h, body = parse_ipv6(_ipv6(_ext(112, units) + VRRP6, nh=nh))
        assert h.next_header == 112 and bytes(body) == VRRP6
        assert h.payload_length == len(VRRP6)
        assert decode(body, family=6, src=h.src, dst=h.dst).advert.vrid == 51


def test_parse_ipv6_extension_header_chain_rfc8200_s4_1() -> None:
    """RFC 8200 §4.1: extension headers chain through their Next Header field
    (Hop-by-Hop, then Destination Options, then Routing, then VRRP)."""
    chain = _ext(60, 1) + _ext(43, 2) + _ext(112, 0)
    h, body = parse_ipv6(_ipv6(chain + VRRP6, nh=0))
    assert h.next_header == 112 and bytes(body) == VRRP6 and h.payload_length == len(VRRP6)


def test_parse_ipv6_extension_header_up_to_the_end_rfc8200_s4_7() -> None:
    """RFC 8200 §4.3 and §4.7: an 8-byte Hop-by-Hop header that ends the
    payload is whole; its next header, 59 (No Next Header), has no bytes."""
    h, body = parse_ipv6(_ipv6(_ext(59, 0), nh=0))
    assert h.next_header == 59 and h.payload_length == 0 and bytes(body) == b""
    h, body = parse_ipv6(_ipv6(_ext(59, 1), nh=60))
    assert h.next_header == 59 and bytes(body) == b""


@pytest.mark.parametrize(
    "body",
    [
        b"\x70\x00\x00\x00",  # 4 bytes: shorter than any extension header
        _ext(112, 0)[:7],
        _ext(112, 1)[:15],  # Hdr Ext Len 1 is 16 bytes
        _ext(60, 0) + _ext(112, 2)[:20],  # the second header is cut
    ],
)
def test_parse_ipv6_truncated_extension_header_rfc8200_s4(body: bytes) -> None:
    """RFC 8200 §4: an extension header is at least 8 bytes and as long as its
    Hdr Ext Len says; one cut short by the payload is malformed."""
    e = _decode_error(parse_ipv6, _ipv6(body, nh=0))
    assert e.reason == "ip_bad_extension"
    _says(str(e), "IPv6 extension header", "truncated")


@pytest.mark.parametrize("prefix", [b"", _ext(44, 0)])
def test_parse_ipv6_fragment_rfc8200_s4_5(prefix: bytes) -> None:
    """RFC 8200 §4.5: a Fragment header (44), first or after Hop-by-Hop: a
    fragment is not a whole advert (VRRP never fragments)."""
    frag = bytes((112, 0, 0x00, 0x01, 0, 0, 0, 1))  # offset 0, More Fragments
    e = _decode_error(parse_ipv6, _ipv6(prefix + frag + VRRP6, nh=0 if prefix else 44))
    assert e.reason == "ip_fragment"
    _says(str(e), "fragment", "IPv6 packet")


# --- draft-cassen-vrrp-auth-hmac-00: the trailer ------------------------------------


@pytest.mark.parametrize("size", [0, 27, 29])
def test_trailer_is_28_bytes_auth_hmac_draft(size: int) -> None:
    """draft-cassen-vrrp-auth-hmac-00: the trailer is exactly 28 bytes."""
    e = _decode_error(parse_trailer, bytes(size))
    assert e.reason == "bad_trailer_length"
    _says(str(e), f"auth_hmac trailer of {size} bytes", "28")


def test_trailer_fields_auth_hmac_draft() -> None:
    """draft-cassen-vrrp-auth-hmac-00: ext type, key id, reserved, then sec,
    subsec and ctr as one 64-bit sequence, then the 16-byte tag."""
    raw = bytes.fromhex("02 07 abcd 01020304 0506 0708") + bytes(range(16))
    t = parse_trailer(memoryview(raw))
    assert (t.ext_type, t.key_id, t.reserved) == (2, 7, 0xABCD)
    assert (t.sec, t.subsec, t.ctr, t.seq) == (0x01020304, 0x0506, 0x0708, 0x0102030405060708)
    assert t.tag == bytes(range(16)) and isinstance(t.tag, bytes)
    assert t.pack() == raw


# --- RFC 9568 §5 / RFC 3768 §5: the VRRP packet ---------------------------------------


def _v3(naddr: int = 1, **kw) -> bytes:
    addrs = tuple(IPv4Address(int(VIP4) + i) for i in range(naddr))
    return encode(Advert(3, 4, 51, 200, 100, addrs, **kw), style=ChecksumStyle.MESSAGE)


def test_split_exact_length_has_no_trailer_nor_padding_rfc9568_s5() -> None:
    """RFC 9568 §5: a PDU of exactly its length (8 + 4 per address) is all advert."""
    raw = _v3(2)
    assert split(raw, family=4) == (raw, None, 0)
    assert split(memoryview(raw), family=4, allow_trailer=False) == (raw, None, 0)


def test_split_trailer_by_exact_length_auth_hmac_draft() -> None:
    """draft-cassen-vrrp-auth-hmac-00: 28 bytes past the PDU are the trailer
    (detected by length alone, and so by default)."""
    raw, trailer = _v3(1), bytes(range(28))
    assert split(raw + trailer, family=4) == (raw, trailer, 0)
    v2 = encode(Advert(2, 4, 51, 200, 100, (VIP4,)))
    assert split(v2 + trailer, family=4) == (v2, trailer, 0)


@pytest.mark.parametrize("family", [0, 5, 46])
def test_split_address_family_is_4_or_6_rfc9568_s5_1(family: int) -> None:
    """RFC 9568 §5.1: VRRP runs over IPv4 or IPv6, nothing else."""
    e = _decode_error(split, _v3(), family=family)
    assert e.reason == "bad_family"
    _says(str(e), f"address family {family}", "not 4 or 6")
    assert _decode_error(decode, _v3(), family=family).reason == "bad_family"


def test_split_too_short_rfc9568_s5_1() -> None:
    """RFC 9568 §5.1: the fixed VRRP header is 8 bytes."""
    e = _decode_error(split, b"\x31\x01\x64", family=4)
    assert e.reason == "too_short"
    _says(str(e), "VRRP packet of 3 bytes", "8-byte header")


@pytest.mark.parametrize("version", [0, 1, 4, 15])
def test_split_version_is_2_or_3_rfc9568_s5_2_1(version: int) -> None:
    """RFC 9568 §5.2.1 (and RFC 3768 §5.3.1): version 3, or 2 for VRRPv2."""
    raw = bytes((version << 4 | 1,)) + _v3()[1:]
    e = _decode_error(split, raw, family=4)
    assert e.reason == "bad_version"
    _says(str(e), f"VRRP version {version}", "not 2 or 3")


@pytest.mark.parametrize("ptype", [0, 2, 15])
def test_split_type_is_advertisement_rfc9568_s5_2_2(ptype: int) -> None:
    """RFC 9568 §5.2.2: type 1, ADVERTISEMENT, is the only type."""
    raw = bytes((0x30 | ptype,)) + _v3()[1:]
    e = _decode_error(split, raw, family=4)
    assert e.reason == "bad_type"
    _says(str(e), f"VRRP packet type {ptype}", "not 1 (advertisement)")


def test_split_vrrpv2_over_ipv6_rfc3768_s5() -> None:
    """RFC 3768 §5: VRRPv2 is for IPv4 only."""
    raw = encode(Advert(2, 4, 51, 200, 100, ()))
    e = _decode_error(split, raw, family=6)
    assert e.reason == "bad_version"
    _says(str(e), "VRRP version 2 over IPv6", "does not exist")


def test_split_vrid_zero_rfc9568_s5_2_3() -> None:
    """RFC 9568 §5.2.3: VRID is 1-255; 0 is invalid."""
    raw = bytearray(_v3())
    raw[1] = 0
    e = _decode_error(split, bytes(raw), family=4)
    assert e.reason == "bad_vrid"
    _says(str(e), "virtual router id 0", "invalid")


def test_split_wrong_length_names_both_lengths_rfc9568_s5() -> None:
    """RFC 9568 §5 with draft-cassen-vrrp-auth-hmac-00: a payload of neither
    the PDU's length nor PDU + 28 is malformed; the message gives the size,
    the expected length and, where a trailer is allowed, that length too."""
    raw = _v3(1)  # 12 bytes; IPv4 Ethernet padding only up to 26
    e = _decode_error(split, raw + bytes(20), family=4)
    assert e.reason == "bad_length"
    _says(
        str(e),
        "VRRP packet of 32 bytes",
        "expected 12",
        "1 address(es)",
        "or 40",
        "auth_hmac trailer)",
    )
    e = _decode_error(split, raw + bytes(28), family=4, allow_trailer=False)
    assert e.reason == "bad_length"
    _says(str(e), "VRRP packet of 40 bytes", "expected 12", "for 1 address(es)")
    assert "auth_hmac" not in str(e)
    # IPv6 has no Ethernet padding to tolerate: one byte over is wrong.
    e = _decode_error(split, VRRP6 + b"\x00", family=6)
    assert e.reason == "bad_length"
    _says(str(e), "VRRP packet of 25 bytes", "expected 24", "1 address(es)", "or 52", ")")


def test_decode_reports_the_bad_checksum_rfc9568_s5_2_8() -> None:
    """RFC 9568 §5.2.8: a checksum that does not verify drops the packet; the
    message gives the checksum received."""
    raw = bytearray(_v3())
    raw[6:8] = b"\x12\x34"
    e = _decode_error(decode, bytes(raw), family=4)
    assert e.reason == "bad_checksum"
    _says(str(e), "VRRP checksum 0x1234", "wrong")


def test_decode_without_checksum_check_rfc9568_s5_2_8() -> None:
    """RFC 9568 §5.2.8: with the kernel checking (IPV6_CHECKSUM) no style is
    claimed, and the field is reported as received."""
    raw = bytearray(_v3())
    raw[6:8] = b"\xbe\xef"
    d = decode(bytes(raw), family=4, check_checksum=False)
    assert d.checksum_style is None and d.checksum == 0xBEEF
    assert d.advert.addresses == (VIP4,)


def test_checksum_style_ipv6_needs_both_addresses_rfc8200_s8_1() -> None:
    """RFC 8200 §8.1: the IPv6 pseudo-header holds source and destination, so
    verifying needs both."""
    for src, dst in ((None, DST6), (SRC6, None), (None, None)):
        msg = _value_error(checksum_style, VRRP6, VRRP6, version=3, family=6, src=src, dst=dst)
        _says(msg, "an IPv6 checksum", "source and destination addresses")
    assert (
        checksum_style(VRRP6, VRRP6, version=3, family=6, src=SRC6, dst=DST6) is ChecksumStyle.IPV6
    )


# --- encoding: RFC 9568 §5.2 / RFC 3768 §5.3 field ranges ---------------------------


@pytest.mark.parametrize(
    "advert",
    [
        Advert(3, 4, 1, 0, 0, ()),  # VRID 1, priority 0 (§5.2.4: the Active Router stops)
        Advert(3, 4, 255, 255, 4095, (VIP4,)),  # VRID 255, priority 255, 12-bit interval
        Advert(3, 4, 7, 100, 100, tuple(IPv4Address(int(VIP4) + i) for i in range(255))),
        Advert(3, 6, 255, 255, 4095, (VIP6,)),
        Advert(2, 4, 1, 0, 0, ()),
        Advert(2, 4, 255, 255, 25500, (VIP4,), AUTH_PASS, b"secret!\x00"),
    ],
    ids=["v3-low", "v3-high", "v3-255-addresses", "v3-ipv6-high", "v2-low", "v2-high"],
)
def test_every_field_value_encodes_rfc9568_s5_2_and_rfc3768_s5_3(advert: Advert) -> None:
    """RFC 9568 §5.2.3 VRID 1-255, §5.2.4 priority 0-255, an 8-bit address
    count, §5.2.7 a 12-bit interval in centiseconds; RFC 3768 §5.3.7 an 8-bit
    interval in seconds: the codec writes every value a field can hold, and
    reads it back."""
    src, dst = (SRC4, DST4) if advert.family == 4 else (SRC6, DST6)
    raw = encode(advert, src=src, dst=dst)
    assert raw[1] == advert.vrid and raw[2] == advert.priority
    assert raw[3] == len(advert.addresses)
    check = advert.family == 4
    assert decode(raw, family=advert.family, src=src, dst=dst, check_checksum=check).advert == (
        advert
    )


@settings(max_examples=100, deadline=None)
@given(
    version=st.sampled_from([2, 3]),
    vrid=st.integers(1, 255),
    priority=st.integers(0, 255),
    interval=st.integers(0, 4095),
    naddr=st.integers(0, 5),
)
def test_decode_encode_round_trip_rfc9568_s5_2(
    version: int, vrid: int, priority: int, interval: int, naddr: int
) -> None:
    """RFC 9568 §5.2 and RFC 3768 §5.3: every well-formed advert decodes to
    fields that encode back to the same bytes."""
    interval_cs = interval if version == 3 else (interval % 256) * 100
    addrs = tuple(IPv4Address(int(VIP4) + i) for i in range(naddr))
    advert = Advert(version, 4, vrid, priority, interval_cs, addrs)
    raw = encode(advert, src=SRC4, dst=DST4)
    d = decode(raw, family=4, src=SRC4, dst=DST4)
    assert d.advert == advert
    assert encode(d.advert, style=d.checksum_style, src=SRC4, dst=DST4) == raw


@pytest.mark.parametrize(
    ("vrid", "priority", "naddr"),
    [(0, 100, 1), (256, 100, 1), (-1, 100, 1), (1, 256, 1), (1, -1, 1), (1, 100, 256)],
)
def test_encode_rejects_out_of_range_fields_rfc9568_s5_2(
    vrid: int, priority: int, naddr: int
) -> None:
    """RFC 9568 §5.2.3 (VRID 1-255), §5.2.4 (priority 0-255), the 8-bit
    Count IPvX Addr: a value that does not fit its field is refused, each
    alone (the others in range)."""
    addrs = tuple(IPv4Address(int(VIP4) + i) for i in range(naddr))
    msg = _value_error(encode_pdu, Advert(3, 4, vrid, priority, 100, addrs))
    _says(msg, "VRID", "priority", "address count", "out of range")


@pytest.mark.parametrize("interval", [-1, 4096, 0xFFFF])
def test_encode_v3_interval_is_12_bits_rfc9568_s5_2_7(interval: int) -> None:
    """RFC 9568 §5.2.7: Max Adver Int is 12 bits of centiseconds, 0-4095."""
    msg = _value_error(encode_pdu, Advert(3, 4, 1, 100, interval, ()))
    _says(msg, f"VRRPv3 interval {interval} cs", "12 bits")


@pytest.mark.parametrize("interval", [150, 1, -100, 25600, 99])
def test_encode_v2_interval_is_whole_seconds_rfc3768_s5_3_7(interval: int) -> None:
    """RFC 3768 §5.3.7: Adver Int is 8 bits of whole seconds, 0-255."""
    msg = _value_error(encode_pdu, Advert(2, 4, 1, 100, interval, ()))
    _says(msg, f"VRRPv2 interval {interval} cs", "whole seconds 0..255")


@pytest.mark.parametrize("version", [0, 1, 4])
def test_encode_version_is_2_or_3_rfc9568_s5_2_1(version: int) -> None:
    """RFC 9568 §5.2.1 and RFC 3768 §5.3.1: version 3 or 2."""
    msg = _value_error(encode_pdu, Advert(version, 4, 1, 100, 100, ()))
    _says(msg, f"VRRP version {version}", "not 2 or 3")


@pytest.mark.parametrize(("version", "family"), [(2, 6), (3, 5), (2, 0), (3, 46)])
def test_encode_family_rfc9568_s5_1_and_rfc3768_s5(version: int, family: int) -> None:
    """RFC 9568 §5.1: VRRPv3 over IPv4 or IPv6; RFC 3768 §5: VRRPv2 over IPv4."""
    msg = _value_error(encode_pdu, Advert(version, family, 1, 100, 100, ()))
    _says(msg, f"VRRPv{version} over IPv{family}", "not defined")


@pytest.mark.parametrize(
    ("family", "addr"), [(4, VIP6), (6, VIP4), (4, IPv6Address("::ffff:192.0.2.1"))]
)
def test_encode_addresses_of_the_advert_family_rfc9568_s5_2_9(
    family: int, addr: IPv4Address | IPv6Address
) -> None:
    """RFC 9568 §5.2.9: the addresses are of the advert's family."""
    msg = _value_error(encode_pdu, Advert(3, family, 1, 100, 100, (addr,)))
    _says(msg, f"address {addr}", f"not IPv{family}")


@pytest.mark.parametrize("size", [0, 7, 9])
def test_encode_v2_authentication_data_is_8_bytes_rfc3768_s5_3_10(size: int) -> None:
    """RFC 3768 §5.3.10: Authentication Data is 8 bytes."""
    advert = Advert(2, 4, 1, 100, 100, (), AUTH_PASS, bytes(size))
    msg = _value_error(encode_pdu, advert)
    _says(msg, "VRRPv2 authentication data", "8 bytes")


def test_encode_trailer_is_28_bytes_auth_hmac_draft() -> None:
    """draft-cassen-vrrp-auth-hmac-00: the trailer appended is 28 bytes."""
    advert = Advert(3, 4, 1, 100, 100, (VIP4,))
    for size in (27, 29):
        msg = _value_error(encode, advert, src=SRC4, dst=DST4, trailer=bytes(size))
        _says(msg, "an auth_hmac trailer", "28 bytes")


# --- checksums: RFC 9568 §5.2.8 and keepalived's choices ------------------------------


def test_default_style_rfc9568_s5_2_8_as_keepalived() -> None:
    """RFC 9568 §5.2.8 as keepalived applies it: VRRPv3 over IPv6 is summed by
    the kernel (IPV6_CHECKSUM), over IPv4 with the pseudo-header unless
    v3_checksum_as_v2; VRRPv2 (RFC 3768 §5.3.8) sums the message only."""
    assert default_style(3, 6) is ChecksumStyle.KERNEL
    assert default_style(3, 6, checksum_as_v2=True) is ChecksumStyle.KERNEL
    assert default_style(3, 4) is ChecksumStyle.V3_PSEUDO
    assert default_style(3, 4, checksum_as_v2=True) is ChecksumStyle.MESSAGE
    assert default_style(2, 4) is ChecksumStyle.MESSAGE


def test_encode_ipv6_by_default_leaves_the_checksum_to_the_kernel_rfc9568_s5_2_8() -> None:
    """RFC 9568 §5.2.8 over IPv6: the kernel fills the checksum in
    (IPV6_CHECKSUM), so an IPv6 advert leaves it zero by default."""
    advert = Advert(3, 6, 51, 200, 100, (VIP6,))
    raw = encode(advert)
    assert raw[6:8] == b"\x00\x00"
    assert raw == encode(advert, style=ChecksumStyle.KERNEL, src=SRC6, dst=DST6)
    assert (
        checksum_of(bytearray(raw), version=3, family=6, pdu_len=24, style=ChecksumStyle.KERNEL)
        == 0
    )
    assert decode(raw, family=6, check_checksum=False).advert == advert


def test_encode_v3_ipv4_default_is_the_pseudo_header_sum_rfc9568_s5_2_8() -> None:
    """RFC 9568 §5.2.8 (with its erratum, as keepalived): VRRPv3 over IPv4
    sums the IPv4 pseudo-header and the PDU."""
    advert = Advert(3, 4, 51, 200, 100, (VIP4,))
    raw = encode(advert, src=SRC4, dst=DST4)
    assert internet_sum(ipv4_pseudo_header(SRC4.packed, DST4.packed, len(raw)) + raw) == 0
    assert decode(raw, family=4, src=SRC4, dst=DST4).checksum_style is ChecksumStyle.V3_PSEUDO


@pytest.mark.parametrize(("version", "family"), [(2, 4), (3, 6)])
def test_ipv4_pseudo_header_style_only_for_v3_over_ipv4_rfc9568_s5_2_8(
    version: int, family: int
) -> None:
    """RFC 9568 §5.2.8: the IPv4 pseudo-header sum is VRRPv3-over-IPv4's;
    asking it of VRRPv2 (RFC 3768 §5.3.8) or of IPv6 is an error."""
    src, dst = (SRC4, DST4) if family == 4 else (SRC6, DST6)
    msg = _value_error(
        checksum_of,
        bytearray(20),
        version=version,
        family=family,
        pdu_len=20,
        style=ChecksumStyle.V3_PSEUDO,
        src=src,
        dst=dst,
    )
    _says(msg, "the IPv4 pseudo-header checksum", "VRRPv3 over IPv4")


def test_ipv6_pseudo_header_style_only_for_ipv6_rfc8200_s8_1() -> None:
    """RFC 8200 §8.1: the IPv6 pseudo-header sum is for IPv6 only."""
    msg = _value_error(
        checksum_of,
        bytearray(12),
        version=3,
        family=4,
        pdu_len=12,
        style=ChecksumStyle.IPV6,
        src=SRC4,
        dst=DST4,
    )
    _says(msg, "the IPv6 pseudo-header checksum", "IPv6")


@pytest.mark.parametrize("style", [ChecksumStyle.V3_PSEUDO, ChecksumStyle.IPV6])
@pytest.mark.parametrize("which", ["src", "dst", "both"])
def test_pseudo_header_styles_need_both_addresses_rfc9568_s5_2_8(
    style: ChecksumStyle, which: str
) -> None:
    """RFC 9568 §5.2.8 / RFC 8200 §8.1: a pseudo-header holds source and
    destination, so a pseudo-header checksum cannot be computed without both."""
    family = 4 if style is ChecksumStyle.V3_PSEUDO else 6
    src, dst = (SRC4, DST4) if family == 4 else (SRC6, DST6)
    kw = {
        "src": None if which in ("src", "both") else src,
        "dst": None if which in ("dst", "both") else dst,
    }
    msg = _value_error(
        checksum_of, bytearray(24), version=3, family=family, pdu_len=24, style=style, **kw
    )
    _says(msg, f"checksum style {style.value}", "source and destination")


def test_message_style_sums_the_pdu_only_rfc3768_s5_3_8() -> None:
    """RFC 3768 §5.3.8 (and v3_checksum_as_v2): the sum covers the VRRP
    message, not an auth_hmac trailer after it."""
    advert = Advert(2, 4, 51, 200, 100, (VIP4,), AUTH_NONE)
    plain = encode(advert)
    with_trailer = encode(advert, trailer=bytes(range(28)))
    assert with_trailer[:20] == plain and internet_sum(plain) == 0

"""The wire codec: round trips, lengths, checksums, the IPv4 header."""

from __future__ import annotations

import contextlib
from ipaddress import IPv4Address, IPv6Address, ip_address

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pyvrrp.wire import (
    TRAILER_LEN,
    Advert,
    ChecksumStyle,
    DecodeError,
    build_ipv4_header,
    decode,
    encode,
    parse_ipv4,
    parse_trailer,
    pdu_length,
)
from pyvrrp.wire.checksum import internet_sum
from pyvrrp.wire.vrrp import AUTH_PASS

SRC4, DST4 = ip_address("10.0.0.1"), ip_address("224.0.0.18")
SRC6, DST6 = ip_address("fe80::1"), ip_address("ff02::12")


def _addrs(family: int, n: int) -> tuple:
    if family == 4:
        return tuple(IPv4Address(f"10.9.{i // 250}.{i % 250 + 1}") for i in range(n))
    return tuple(IPv6Address(f"fd00::{i + 1:x}") for i in range(n))


CASES = [(v, f, n) for v in (2, 3) for f in (4, 6) for n in (0, 1, 20) if not (v == 2 and f == 6)]


@pytest.mark.parametrize(("version", "family", "naddr"), CASES)
def test_round_trip(version: int, family: int, naddr: int) -> None:
    advert = Advert(
        version=version,
        family=family,
        vrid=51,
        priority=200,
        interval_cs=100 if version == 2 else 35,
        addresses=_addrs(family, naddr),
    )
    src, dst = (SRC4, DST4) if family == 4 else (SRC6, DST6)
    style = ChecksumStyle.IPV6 if family == 6 else None
    raw = encode(advert, style=style, src=src, dst=dst)
    assert len(raw) == pdu_length(version, family, naddr)
    d = decode(raw, family=family, src=src, dst=dst)
    assert d.advert == advert
    assert d.trailer is None
    assert bytes(d.pdu) == raw


@pytest.mark.parametrize(("version", "family", "naddr"), CASES)
def test_round_trip_with_trailer(version: int, family: int, naddr: int) -> None:
    advert = Advert(version, family, 7, 100, 100, _addrs(family, naddr))
    src, dst = (SRC4, DST4) if family == 4 else (SRC6, DST6)
    style = ChecksumStyle.IPV6 if family == 6 else None
    trailer = bytes(range(TRAILER_LEN))
    raw = encode(advert, style=style, src=src, dst=dst, trailer=trailer)
    d = decode(raw, family=family, src=src, dst=dst)
    assert d.trailer == trailer and d.advert == advert
    # A receiver without auth_hmac sees the wrong length and drops it.
    with pytest.raises(DecodeError) as e:
        decode(raw, family=family, src=src, dst=dst, allow_trailer=False)
    assert e.value.reason == "bad_length"


def test_v2_fields() -> None:
    advert = Advert(
        2, 4, 51, 100, 300, _addrs(4, 1), auth_type=AUTH_PASS, auth_data=b"1111\0\0\0\0"
    )
    raw = encode(advert)
    assert raw[0] == 0x21 and raw[4] == AUTH_PASS and raw[5] == 3
    assert raw[-8:] == b"1111\0\0\0\0"
    assert decode(raw, family=4).advert == advert


def test_v3_interval_is_12_bits_of_centiseconds() -> None:
    raw = encode(Advert(3, 4, 1, 100, 4095, ()), style=ChecksumStyle.MESSAGE)
    assert raw[4:6] == b"\x0f\xff"
    # Reserved bits are ignored on receive (RFC 9568 §5.2.5).
    bent = bytearray(raw)
    bent[4] |= 0xF0
    bent[6:8] = b"\0\0"
    bent[6:8] = internet_sum(bent).to_bytes(2, "big")
    assert decode(bytes(bent), family=4).advert.interval_cs == 4095
    with pytest.raises(ValueError):
        encode(Advert(3, 4, 1, 100, 4096, ()))


def test_known_keepalived_v3_ipv4_checksum(data) -> None:
    """A v3 IPv4 unicast advert sent by keepalived 2.4.3, pseudo-header checksum
    computed with the peer's address as destination."""
    from pyvrrp.wire.pcap import read_pcap

    frames = list(read_pcap((data / "captures/v3-ipv4-unicast-hmac.pcap").read_bytes()))
    hdr, payload = parse_ipv4(frames[0].ip_packet)
    assert hdr.dst == ip_address("10.77.1.2") and hdr.ttl == 255 and hdr.tos == 0xC0
    d = decode(payload, family=4, src=hdr.src, dst=hdr.dst)
    assert d.checksum == 0xDB9C and d.checksum_style is ChecksumStyle.V3_PSEUDO
    # Re-encoding the same advert gives the same checksum byte for byte.
    again = encode(d.advert, src=hdr.src, dst=hdr.dst, trailer=d.trailer)
    assert again == bytes(payload)
    # With another destination the pseudo-header sum no longer matches.
    with pytest.raises(DecodeError) as e:
        decode(payload, family=4, src=hdr.src, dst=ip_address("10.77.1.3"))
    assert e.value.reason == "bad_checksum"


def test_v3_ipv4_message_only_checksum_accepted() -> None:
    advert = Advert(3, 4, 51, 200, 100, _addrs(4, 1))
    raw = encode(advert, style=ChecksumStyle.MESSAGE)
    d = decode(raw, family=4, src=SRC4, dst=DST4)
    assert d.checksum_style is ChecksumStyle.MESSAGE
    raw2 = encode(advert, style=ChecksumStyle.V3_PSEUDO, src=SRC4, dst=DST4)
    assert raw2 != raw
    assert decode(raw2, family=4, src=SRC4, dst=DST4).checksum_style is ChecksumStyle.V3_PSEUDO


def test_ipv6_checksum_covers_the_trailer() -> None:
    advert = Advert(3, 6, 51, 200, 100, _addrs(6, 1))
    raw = encode(advert, style=ChecksumStyle.IPV6, src=SRC6, dst=DST6, trailer=bytes(28))
    bent = bytearray(raw)
    bent[-1] ^= 1
    with pytest.raises(DecodeError) as e:
        decode(bytes(bent), family=6, src=SRC6, dst=DST6)
    assert e.value.reason == "bad_checksum"
    # ...whereas an IPv4 checksum covers the PDU only.
    raw4 = encode(Advert(3, 4, 51, 200, 100, _addrs(4, 1)), src=SRC4, dst=DST4, trailer=bytes(28))
    bent4 = bytearray(raw4)
    bent4[-1] ^= 1
    assert decode(bytes(bent4), family=4, src=SRC4, dst=DST4).trailer == bytes(27) + b"\x01"


def test_ethernet_padding_tolerated_on_short_ipv4() -> None:
    raw = encode(Advert(3, 4, 51, 200, 100, _addrs(4, 1)), style=ChecksumStyle.MESSAGE)
    padded = raw + bytes(46 - 20 - len(raw))
    d = decode(padded, family=4)
    assert d.padding == 46 - 20 - len(raw) and d.advert.addresses == _addrs(4, 1)
    with pytest.raises(DecodeError):
        decode(padded + b"\0", family=4)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "too_short"),
        (b"\x31\x01\x64", "too_short"),
        (b"\x41\x01\x64\x00\x00\x64\x00\x00", "bad_version"),
        (b"\x32\x01\x64\x00\x00\x64\x00\x00", "bad_type"),
        (b"\x31\x00\x64\x00\x00\x64\x00\x00", "bad_vrid"),
        (b"\x31\x01\x64\x02\x00\x64\x00\x00\x0a\x00\x00\x01", "bad_length"),
        (b"\x31\x01\x64\x00\x00\x64\x12\x34", "bad_checksum"),
    ],
)
def test_malformed(raw: bytes, reason: str) -> None:
    with pytest.raises(DecodeError) as e:
        decode(raw, family=4)
    assert e.value.reason == reason
    assert str(e.value)


def test_v2_over_ipv6_rejected() -> None:
    with pytest.raises(DecodeError) as e:
        decode(b"\x21\x01\x64\x00\x00\x01\x00\x00" + bytes(8), family=6, src=SRC6, dst=DST6)
    assert e.value.reason == "bad_version"


def test_ipv4_header_round_trip() -> None:
    payload = encode(Advert(3, 4, 51, 200, 100, _addrs(4, 2)), src=SRC4, dst=DST4)
    hdr = build_ipv4_header(SRC4, DST4, len(payload), ttl=255, ident=7)
    h, body = parse_ipv4(hdr + payload + b"\0\0")  # trailing Ethernet padding
    assert (h.src, h.dst, h.ttl, h.protocol, h.ident) == (SRC4, DST4, 255, 112, 7)
    assert bytes(body) == payload
    bad = bytearray(hdr + payload)
    bad[8] = 254  # TTL changed without fixing the header checksum
    with pytest.raises(DecodeError) as e:
        parse_ipv4(bytes(bad))
    assert e.value.reason == "ip_bad_checksum"


def test_trailer_layout() -> None:
    raw = bytes.fromhex("0101000068000000800000011b84bc4e8e43892dc6d98448f8ee2265")
    t = parse_trailer(raw)
    assert (t.ext_type, t.key_id, t.reserved, t.sec, t.subsec, t.ctr) == (
        1,
        1,
        0,
        0x68000000,
        0x8000,
        1,
    )
    assert t.pack() == raw


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=200), st.sampled_from([4, 6]), st.booleans())
def test_decode_arbitrary_bytes_raises_only_decode_error(
    raw: bytes, family: int, trailer: bool
) -> None:
    with contextlib.suppress(DecodeError):
        decode(
            raw,
            family=family,
            src=SRC4 if family == 4 else SRC6,
            dst=DST4 if family == 4 else DST6,
            allow_trailer=trailer,
        )


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=120))
def test_parse_ipv4_arbitrary_bytes(raw: bytes) -> None:
    with contextlib.suppress(DecodeError):
        parse_ipv4(raw)

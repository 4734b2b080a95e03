"""bytes <-> typed VRRP packets. No sockets, no clocks."""

from pyvrrp.wire.errors import DecodeError
from pyvrrp.wire.ipv4 import IPv4Header, build_ipv4_header, parse_ipv4
from pyvrrp.wire.trailer import Trailer, parse_trailer
from pyvrrp.wire.vrrp import (
    TRAILER_LEN,
    Advert,
    ChecksumStyle,
    DecodedAdvert,
    decode,
    default_style,
    encode,
    encode_pdu,
    pdu_length,
    split,
)

__all__ = [
    "TRAILER_LEN",
    "Advert",
    "ChecksumStyle",
    "DecodeError",
    "DecodedAdvert",
    "IPv4Header",
    "Trailer",
    "build_ipv4_header",
    "decode",
    "default_style",
    "encode",
    "encode_pdu",
    "parse_ipv4",
    "parse_trailer",
    "pdu_length",
    "split",
]

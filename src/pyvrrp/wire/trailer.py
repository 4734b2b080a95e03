"""The auth_hmac trailer (draft-cassen-vrrp-auth-hmac-00): 28 bytes after the PDU.

| 0 ext_type | 1 key_id | 2-3 reserved | 4-7 sec | 8-9 subsec | 10-11 ctr | 12-27 tag |

``sec``, ``subsec`` and ``ctr`` read together as one 64-bit sequence number.
This module only lays the bytes out; what they mean is :mod:`pyvrrp.auth`'s.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from pyvrrp.wire.errors import DecodeError
from pyvrrp.wire.vrrp import TRAILER_LEN

EXT_TYPE_HMAC_SHA256_128 = 1
TAG_LEN = 16
_FIXED = struct.Struct("!BBHQ")  # ext_type, key_id, reserved, seq (sec|subsec|ctr)


@dataclass(frozen=True, slots=True)
class Trailer:
    ext_type: int
    key_id: int
    reserved: int
    seq: int
    tag: bytes

    @property
    def sec(self) -> int:
        return self.seq >> 32

    @property
    def subsec(self) -> int:
        return (self.seq >> 16) & 0xFFFF

    @property
    def ctr(self) -> int:
        return self.seq & 0xFFFF

    def pack(self) -> bytes:
        return _FIXED.pack(self.ext_type, self.key_id, self.reserved, self.seq) + self.tag


def parse_trailer(raw: bytes | memoryview) -> Trailer:
    """Lay out 28 trailer bytes as fields (no validation of their values)."""
    if len(raw) != TRAILER_LEN:
        raise DecodeError("bad_trailer_length", f"auth_hmac trailer of {len(raw)} bytes, not 28")
    ext_type, key_id, reserved, seq = _FIXED.unpack_from(raw)
    return Trailer(ext_type, key_id, reserved, seq, bytes(raw[12:]))

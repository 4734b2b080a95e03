"""The auth_hmac tag: HMAC-SHA256 truncated to 128 bits over a pseudo-header,
the PDU (checksum read as zero) and the trailer with a zeroed tag.

HMAC(K, m) = H((K ^ opad) || H((K ^ ipad) || m)). A key is at most 64 bytes,
one SHA-256 block, so the two padded-key blocks can be hashed once when the
key is loaded; each tag then costs two ``hashlib`` copies and two short
updates. That is about twice as fast as ``hmac.digest`` here (see bench/).
"""

from __future__ import annotations

import hashlib
from ipaddress import IPv4Address, IPv6Address

from pyvrrp.auth.keys import Secret

TAG_LEN = 16
_BLOCK = 64
_IPAD = bytes(x ^ 0x36 for x in range(256))
_OPAD = bytes(x ^ 0x5C for x in range(256))
ZERO_TAG = bytes(TAG_LEN)
_ZERO_CSUM = b"\x00\x00"


class PreparedKey:
    """One key id with its HMAC inner and outer states precomputed."""

    __slots__ = ("inner", "key_id", "length", "outer")

    def __init__(self, key_id: int, secret: Secret) -> None:
        raw = secret.value
        if len(raw) > _BLOCK:
            # Longer keys are hashed first (RFC 2104); 32..64 bytes never are.
            raw = hashlib.sha256(raw).digest()
        block = raw.ljust(_BLOCK, b"\x00")
        self.key_id = key_id
        self.length = len(secret)
        self.inner = hashlib.sha256(block.translate(_IPAD))
        self.outer = hashlib.sha256(block.translate(_OPAD))

    def tag(self, message: bytes) -> bytes:
        inner = self.inner.copy()
        inner.update(message)
        outer = self.outer.copy()
        outer.update(inner.digest())
        return outer.digest()[:TAG_LEN]

    def __repr__(self) -> str:
        return f"<PreparedKey id={self.key_id} {self.length} bytes>"


def pseudo_header(family: int, version: int, vrid: int, source: IPv4Address | IPv6Address) -> bytes:
    """The 20 bytes bound into the MAC: family, version, VRID, 0, source
    address (an IPv4 source padded with 12 zero bytes)."""
    return bytes((family, version, vrid, 0)) + source.packed.ljust(16, b"\x00")


def mac_message(pseudo: bytes, pdu: bytes, trailer_head: bytes) -> bytes:
    """Pseudo-header || PDU with checksum zeroed || trailer[0:12] || 16 zero bytes."""
    return pseudo + pdu[:6] + _ZERO_CSUM + pdu[8:] + trailer_head + ZERO_TAG

"""The auth_hmac tag: HMAC-SHA256 truncated to 128 bits over a pseudo-header,
the PDU (checksum read as zero) and the trailer with a zeroed tag.

HMAC(K, m) = H((K ^ opad) || H((K ^ ipad) || m)). A key is at most 64 bytes,
one SHA-256 block, so the two padded-key blocks can be hashed once when the
key is loaded; each tag then costs two ``hashlib`` copies and two short
updates. That is about twice as fast as ``hmac.digest`` here (see bench/).

The same computation in one C call, when the optional extension
``pyvrrp.auth._tagc`` is built (it is whenever a compiler and OpenSSL's
headers are there): ``PreparedKey.check`` and ``PreparedKey.sign`` then skip
the Python steps in between. This module stays the reference; the tests hold
both to the same answers. ``PYVRRP_PURE_TAG=1`` in the environment turns the
extension off (for comparisons and tests).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from hmac import compare_digest
from ipaddress import IPv4Address, IPv6Address

from pyvrrp.auth.keys import Secret

_CKey: type[_tagc.Key] | None
try:
    if os.environ.get("PYVRRP_PURE_TAG"):
        raise ImportError("PYVRRP_PURE_TAG is set")
    from pyvrrp.auth import _tagc

    _CKey = _tagc.Key
except ImportError:
    _CKey = None

#: Whether tags are computed by the C extension (``pyvrrp version`` shows it).
ACCELERATED = _CKey is not None

TAG_LEN = 16
_BLOCK = 64
_IPAD = bytes(x ^ 0x36 for x in range(256))
_OPAD = bytes(x ^ 0x5C for x in range(256))
ZERO_TAG = bytes(TAG_LEN)
_ZERO_CSUM = b"\x00\x00"


class PreparedKey:
    """One key id with its HMAC inner and outer states precomputed.

    ``check(pseudo, pdu, trailer)`` says whether a 28-byte trailer's tag is
    right for ``pseudo`` and ``pdu`` (constant-time comparison);
    ``sign(pseudo, pdu, head)`` gives the 16-byte tag under a 12-byte trailer
    head. Both are the C extension's methods when it is loaded (``accel``).
    """

    __slots__ = ("accel", "check", "inner", "key_id", "length", "outer", "sign")

    check: Callable[[bytes, bytes, bytes], bool]
    sign: Callable[[bytes, bytes, bytes], bytes]

    def __init__(self, key_id: int, secret: Secret, *, accel: bool | None = None) -> None:
        raw = secret.value
        if len(raw) > _BLOCK:
            # Longer keys are hashed first (RFC 2104); 32..64 bytes never are.
            raw = hashlib.sha256(raw).digest()
        block = raw.ljust(_BLOCK, b"\x00")
        self.key_id = key_id
        self.length = len(secret)
        self.inner = hashlib.sha256(block.translate(_IPAD))
        self.outer = hashlib.sha256(block.translate(_OPAD))
        self.accel = (ACCELERATED if accel is None else accel) and _CKey is not None
        if self.accel:
            assert _CKey is not None
            ckey = _CKey(raw)
            self.check = ckey.check
            self.sign = ckey.sign
        else:
            self.check = self._check
            self.sign = self._sign

    def tag(self, message: bytes) -> bytes:
        inner = self.inner.copy()
        inner.update(message)
        outer = self.outer.copy()
        outer.update(inner.digest())
        return outer.digest()[:TAG_LEN]

    def _check(self, pseudo: bytes, pdu: bytes, trailer: bytes) -> bool:
        if len(pdu) < 8 or len(trailer) != 28:
            raise ValueError("check(): a PDU of 8 bytes or more and a 28-byte trailer")
        return compare_digest(self.tag(mac_message(pseudo, pdu, trailer[:12])), trailer[12:])

    def _sign(self, pseudo: bytes, pdu: bytes, head: bytes) -> bytes:
        if len(pdu) < 8 or len(head) != 12:
            raise ValueError("sign(): a PDU of 8 bytes or more and a 12-byte trailer head")
        return self.tag(mac_message(pseudo, pdu, head))

    def __repr__(self) -> str:
        return f"<PreparedKey id={self.key_id} {self.length} bytes>"


def pseudo_header(family: int, version: int, vrid: int, source: IPv4Address | IPv6Address) -> bytes:
    """The 20 bytes bound into the MAC: family, version, VRID, 0, source
    address (an IPv4 source padded with 12 zero bytes)."""
    return bytes((family, version, vrid, 0)) + source.packed.ljust(16, b"\x00")


def mac_message(pseudo: bytes, pdu: bytes, trailer_head: bytes) -> bytes:
    """Pseudo-header || PDU with checksum zeroed || trailer[0:12] || 16 zero bytes."""
    return pseudo + pdu[:6] + _ZERO_CSUM + pdu[8:] + trailer_head + ZERO_TAG

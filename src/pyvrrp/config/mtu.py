"""How many virtual addresses fit in one advertisement.

An advert is the IP header (IPv4: 20 bytes without options, IPv6: 40), the
8-byte VRRP header, 4 or 16 bytes per address, for VRRPv2 the 8-byte
authentication data field, and with auth_hmac the 28-byte trailer. The VRRP
address count is one byte, so never more than 255.
"""

from __future__ import annotations

IP_HEADER = {4: 20, 6: 40}
ADDRESS_SIZE = {4: 4, 6: 16}
VRRP_HEADER = 8
V2_AUTH_DATA = 8
HMAC_TRAILER = 28
MAX_ADDRESSES = 255


def advert_size(naddr: int, family: int, version: int, signs: bool) -> int:
    """Bytes of an advert with ``naddr`` addresses, IP header included."""
    if family not in IP_HEADER:
        raise ValueError(f"family must be 4 or 6, not {family!r}")
    if version not in (2, 3):
        raise ValueError(f"version must be 2 or 3, not {version!r}")
    size = IP_HEADER[family] + VRRP_HEADER + naddr * ADDRESS_SIZE[family]
    if version == 2:
        size += V2_AUTH_DATA
    if signs:
        size += HMAC_TRAILER
    return size


def addresses_that_fit(mtu: int, family: int, version: int, signs: bool) -> int:
    """The largest address count whose advert fits in ``mtu`` bytes (0..255)."""
    room = mtu - advert_size(0, family, version, signs)
    if room <= 0:
        return 0
    return min(MAX_ADDRESSES, room // ADDRESS_SIZE[family])

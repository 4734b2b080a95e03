"""Link state read from the driver, for interfaces whose drivers do not tell
netlink when their carrier changes (keepalived's ``linkbeat_interfaces``).

keepalived asks the PHY through the MII registers, or ethtool's ``GLINK``,
or the interface flags (``IFF_RUNNING``); an interface may name which
(``MII``, ``ETHTOOL``, ``IOCTL``), else the first that answers is used.
Each read is one ioctl on a datagram socket: no process, no parsing.
"""

from __future__ import annotations

import ctypes
import fcntl
import socket
import struct

SIOCGIFFLAGS = 0x8913
SIOCETHTOOL = 0x8946
SIOCGMIIPHY = 0x8947
SIOCGMIIREG = 0x8948
ETHTOOL_GLINK = 0x0000000A
MII_BMSR = 0x01
BMSR_LSTATUS = 0x0004
IFF_UP = 0x1
IFF_RUNNING = 0x40
_IFREQ = 40  # struct ifreq: 16 bytes of name, 24 of union


def _ifreq(name: str, payload: bytes = b"") -> bytearray:
    buf = bytearray(_IFREQ)
    raw = name.encode()[:15]
    buf[: len(raw)] = raw
    buf[16 : 16 + len(payload)] = payload
    return buf


def _flags(sock: socket.socket, name: str) -> int:
    req = _ifreq(name)
    fcntl.ioctl(sock.fileno(), SIOCGIFFLAGS, req)
    return int(struct.unpack_from("=H", req, 16)[0])


def _mii(sock: socket.socket, name: str) -> bool:
    req = _ifreq(name)
    fcntl.ioctl(sock.fileno(), SIOCGMIIPHY, req)  # fills in the PHY id
    phy = struct.unpack_from("=H", req, 16)[0]
    req = _ifreq(name, struct.pack("=HHHH", phy, MII_BMSR, 0, 0))
    fcntl.ioctl(sock.fileno(), SIOCGMIIREG, req)
    # The link-status bit latches low: read twice for the current state.
    fcntl.ioctl(sock.fileno(), SIOCGMIIREG, req)
    return bool(struct.unpack_from("=HHHH", req, 16)[3] & BMSR_LSTATUS)


def _ethtool(sock: socket.socket, name: str) -> bool:
    value = (ctypes.c_uint32 * 2)(ETHTOOL_GLINK, 0)
    req = _ifreq(name, struct.pack("P", ctypes.addressof(value)))
    fcntl.ioctl(sock.fileno(), SIOCETHTOOL, req)
    return bool(value[1])


class LinkPoller:
    """Reads the link state of the named interfaces on demand (:meth:`poll`)."""

    def __init__(self, kinds: dict[str, str | None]) -> None:
        #: interface -> "MII", "ETHTOOL", "IOCTL" or None (the first that answers)
        self.kinds = dict(kinds)
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)

    def state(self, name: str) -> bool:
        """Up: administratively up and the driver says the link is."""
        try:
            flags = _flags(self._sock, name)
        except OSError:
            return False  # no such interface (any more)
        if not flags & IFF_UP:
            return False
        kind = self.kinds.get(name)
        for method, read in (("MII", _mii), ("ETHTOOL", _ethtool)):
            if kind in (None, method):
                try:
                    return read(self._sock, name)
                except OSError:
                    if kind == method:
                        break  # asked for, not supported: the flags then
        return bool(flags & IFF_RUNNING)

    def poll(self) -> list[tuple[str, bool]]:
        return [(name, self.state(name)) for name in self.kinds]

    def close(self) -> None:
        self._sock.close()

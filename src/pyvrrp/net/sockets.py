"""Raw VRRP sockets (IP protocol 112): one per (interface, family).

A raw socket receives every protocol-112 packet for the host, so each socket is
bound to its device and serves every VRRP instance on it; the daemon
demultiplexes by VRID. Sockets are nonblocking: call :meth:`recv` until it
returns None whenever :meth:`fileno` is readable.
"""

from __future__ import annotations

import contextlib
import errno
import socket
import struct
from ipaddress import IPv4Address, IPv6Address
from typing import NamedTuple

from pyvrrp.net.errors import NetError
from pyvrrp.wire import build_ipv4_header
from pyvrrp.wire.ipv4 import IPV4_HEADER_LEN, ipv4_from_packed

PROTO_VRRP = 112
VRRP_GROUP4 = IPv4Address("224.0.0.18")
VRRP_GROUP6 = IPv6Address("ff02::12")

# From <linux/in.h> / <linux/in6.h>; Python 3.11 lacks some of them.
IP_MULTICAST_ALL = 49
IPV6_CHECKSUM = 7  # socket option number (the VRRP checksum lives at offset 6)
IPV6_RECVPKTINFO = 49
IPV6_PKTINFO = 50
IPV6_RECVHOPLIMIT = 51
IPV6_HOPLIMIT = 52
SOL_IPV6 = 41
SO_TIMESTAMPNS = 35  # <asm-generic/socket.h>; the cmsg type is the same number
SO_MEMINFO = 55  # <asm-generic/socket.h>: u32[SK_MEMINFO_VARS]
SK_MEMINFO_DROPS = 8  # <linux/sock_diag.h>

_RECV_SIZE = 65535
SO_RCVBUFFORCE = 33
#: Receive buffer of a VRRP socket, bytes (the kernel doubles it for overhead).
RCVBUF = 2 << 20
_CMSG_SPACE = socket.CMSG_SPACE(64) * 4
# version/IHL, TOS, total length, TTL, source, destination of an IPv4 header
_V4_FIELDS = struct.Struct("!BBH4xBx2x4s4s")
_IN6_PKTINFO = struct.Struct("=16sI")  # addr, ifindex
_INT = struct.Struct("=i")
_TIMESPEC = struct.Struct("=qq")  # struct timespec on 64-bit Linux
# keepalived's adverts carry DSCP CS6 (network control).
TOS_NETWORK_CONTROL = 0xC0


class ReceivedPacket(NamedTuple):
    """One VRRP packet off the wire. ``payload`` is the VRRP message (after the
    IP header, cut at its total length); ``ttl`` is the TTL or the hop limit;
    ``rx_ns`` the kernel's receive time (CLOCK_REALTIME, ns) when asked for,
    else 0."""

    family: int
    ifindex: int
    src: IPv4Address | IPv6Address
    dst: IPv4Address | IPv6Address
    ttl: int
    payload: bytes
    tos: int = 0
    rx_ns: int = 0

    @property
    def hop_limit(self) -> int:
        return self.ttl


_TEXT: dict[IPv4Address | IPv6Address, str] = {}


def _text(addr: IPv4Address | IPv6Address) -> str:
    """``str(addr)``, cached (destinations are few: groups and unicast peers)."""
    t = _TEXT.get(addr)
    if t is None:
        if len(_TEXT) > 1024:
            _TEXT.clear()
        t = _TEXT[addr] = str(addr)
    return t


def _ifindex(ifname: str) -> int:
    try:
        return socket.if_nametoindex(ifname)
    except OSError as e:
        raise NetError(f"no interface {ifname!r}", ifname=ifname, errno=errno.ENODEV) from e


class _VrrpSocket:
    family: int

    def set_rcvbuf(self, size: int) -> None:
        """The receive buffer (keepalived's kernel_rx_buf_size); past
        net.core.rmem_max as root, else what is allowed."""
        for opt in (SO_RCVBUFFORCE, socket.SO_RCVBUF):
            try:
                self._sock.setsockopt(socket.SOL_SOCKET, opt, size)
                break
            except OSError:
                continue

    def __init__(self, ifname: str, af: int, proto: int) -> None:
        # ifname "": bound to no device (a unicast instance without an
        # interface, as keepalived allows); a VRF's device: that VRF's traffic.
        self.ifname = ifname
        self.ifindex = _ifindex(ifname) if ifname else 0
        self.dropped = 0  # packets read but unusable (malformed IP header)
        self._buf = bytearray(_RECV_SIZE)
        self._view = memoryview(self._buf)
        self._sock = socket.socket(af, socket.SOCK_RAW, proto)
        try:
            if ifname:
                self._sock.setsockopt(
                    socket.SOL_SOCKET, socket.SO_BINDTODEVICE, ifname.encode() + b"\0"
                )
            self._sock.setblocking(False)
        except OSError as e:
            self._sock.close()
            raise NetError(f"raw socket on {ifname}: {e.strerror}", ifname=ifname) from e
        # A Master's adverts for hundreds of instances arrive as one burst (their
        # timers run together); the default receive buffer (net.core.rmem_default,
        # about 200 small packets) dropped part of each burst at 1000 instances.
        # SO_RCVBUFFORCE passes rmem_max as root; otherwise take what is allowed.
        self.set_rcvbuf(RCVBUF)
        # The kernel's receive time of each packet, read by recv(stamped=True):
        # a Backup's down timer runs from when the advert arrived, not from when
        # a woken process got round to it (100-600 us later, measured on a VM).
        # (Refused: recv(stamped=True) gives rx_ns 0, the packet is "now".)
        with contextlib.suppress(OSError):
            self._sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)

    def fileno(self) -> int:
        return self._sock.fileno()

    @classmethod
    def from_fd(cls, fd: int, ifname: str) -> _VrrpSocket:
        """A socket a previous process image opened and configured (an in-place
        restart): its options, device and group memberships are the kernel's
        and stay as they were."""
        self = cls.__new__(cls)
        self.ifname = ifname
        self.ifindex = _ifindex(ifname) if ifname else 0
        self.dropped = 0
        self._buf = bytearray(_RECV_SIZE)
        self._view = memoryview(self._buf)
        self._sock = socket.socket(fileno=fd)
        self._sock.setblocking(False)
        return self

    #: the length of the BPF program attached (0: none)
    filter_len = 0

    def attach_filter(self, prog: list[tuple[int, int, int, int]]) -> None:
        """A classic BPF program (net.bpf) on this socket, replacing any."""
        from pyvrrp.net import bpf

        bpf.attach(self._sock, prog)
        self.filter_len = len(prog)

    def rcvbuf(self) -> int:
        """The receive buffer the kernel gave (twice what was asked, for its overhead)."""
        return int(self._sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF))

    def drops(self) -> int:
        """Packets the kernel dropped for this socket (its receive queue was
        full), since it was opened; 0 where the kernel does not say."""
        try:
            raw = self._sock.getsockopt(socket.SOL_SOCKET, SO_MEMINFO, 4 * (SK_MEMINFO_DROPS + 1))
        except OSError:
            return 0
        if len(raw) < 4 * (SK_MEMINFO_DROPS + 1):
            return 0
        return int(_INT.unpack_from(raw, 4 * SK_MEMINFO_DROPS)[0]) & 0xFFFFFFFF

    def close(self) -> None:
        self._sock.close()

    def __enter__(self) -> _VrrpSocket:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _setopt(self, level: int, opt: int, value: int | bytes, what: str) -> None:
        try:
            self._sock.setsockopt(level, opt, value)
        except OSError as e:
            raise NetError(f"{what} on {self.ifname}: {e.strerror}", ifname=self.ifname) from e


class VrrpSocket4(_VrrpSocket):
    """Raw IPv4 VRRP socket bound to ``ifname``; sends with IP_HDRINCL so that
    the source address and TTL are chosen per packet."""

    family = 4

    def __init__(self, ifname: str) -> None:
        super().__init__(ifname, socket.AF_INET, PROTO_VRRP)
        s = socket
        # Only groups joined on this socket, not every group the host is in.
        self._setopt(s.IPPROTO_IP, IP_MULTICAST_ALL, 0, "IP_MULTICAST_ALL")
        self._setopt(s.IPPROTO_IP, s.IP_HDRINCL, 1, "IP_HDRINCL")
        self._setopt(s.IPPROTO_IP, s.IP_MULTICAST_TTL, 255, "IP_MULTICAST_TTL")
        self._setopt(s.IPPROTO_IP, s.IP_MULTICAST_LOOP, 0, "IP_MULTICAST_LOOP")
        mreqn = struct.pack("=4s4si", bytes(4), bytes(4), self.ifindex)
        self._setopt(s.IPPROTO_IP, s.IP_MULTICAST_IF, mreqn, "IP_MULTICAST_IF")

    def join(self, group: IPv4Address | str = VRRP_GROUP4) -> None:
        """Join multicast ``group`` on this interface (by ifindex)."""
        mreqn = struct.pack("=4s4si", IPv4Address(group).packed, bytes(4), self.ifindex)
        self._setopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreqn, f"join {group}")

    def leave(self, group: IPv4Address | str = VRRP_GROUP4) -> None:
        """Leave multicast ``group``."""
        mreqn = struct.pack("=4s4si", IPv4Address(group).packed, bytes(4), self.ifindex)
        self._setopt(socket.IPPROTO_IP, socket.IP_DROP_MEMBERSHIP, mreqn, f"leave {group}")

    def send(
        self,
        payload: bytes,
        src: IPv4Address | str,
        dst: IPv4Address | str = VRRP_GROUP4,
        ttl: int = 255,
        *,
        tos: int = TOS_NETWORK_CONTROL,
    ) -> None:
        """Send one VRRP message from ``src`` to ``dst`` with ``ttl``."""
        # IPv4Address(an IPv4Address) goes through the string form: costly at
        # a thousand adverts a second, so addresses are only converted if need be.
        s = src if src.__class__ is IPv4Address else IPv4Address(src)
        d = dst if dst.__class__ is IPv4Address else IPv4Address(dst)
        packet = build_ipv4_header(s, d, len(payload), ttl=ttl, tos=tos) + payload
        try:
            self._sock.sendto(packet, (_text(d), 0))
        except OSError as e:
            raise NetError(
                f"send VRRP {s} -> {d} on {self.ifname}: {e.strerror}",
                ifname=self.ifname,
                address=d,
                errno=e.errno,
            ) from e

    def recv(self, stamped: bool = False) -> ReceivedPacket | None:
        """The next packet, or None when none is waiting.

        The socket is bound to its device, so the interface is known without
        IP_PKTINFO, and the destination is in the IP header: a plain recv, no
        ancillary data, unless ``stamped`` asks for the receive time (recvmsg
        and its ancillary data cost about 2 us more per packet, measured). The
        kernel validated the header (version, lengths, checksum) before
        delivery; the lengths are still checked, cheaply.
        """
        buf, view = self._buf, self._view
        rx_ns = 0
        while True:
            try:
                if stamped:
                    n, anc, _flags, _addr = self._sock.recvmsg_into([buf], _CMSG_SPACE)
                    rx_ns = _stamp(anc)
                else:
                    n = self._sock.recv_into(buf)
            except (BlockingIOError, InterruptedError):
                return None
            if n < IPV4_HEADER_LEN:
                self.dropped += 1
                continue
            vihl, tos, total, ttl, src, dst = _V4_FIELDS.unpack_from(buf)
            hlen = (vihl & 0x0F) * 4
            if vihl >> 4 != 4 or hlen < IPV4_HEADER_LEN or not hlen <= total <= n:
                self.dropped += 1
                continue
            return ReceivedPacket(
                4,
                self.ifindex,
                ipv4_from_packed(src),
                ipv4_from_packed(dst),
                ttl,
                bytes(view[hlen:total]),
                tos,
                rx_ns,
            )


class VrrpSocket6(_VrrpSocket):
    """Raw IPv6 VRRP socket bound to ``ifname``.

    With ``kernel_checksum`` (the default) the kernel fills in the VRRP checksum
    on send and drops packets whose checksum is wrong on receive; without it
    the payload is sent as given and every packet is handed up unchecked.
    """

    family = 6

    def __init__(self, ifname: str, *, kernel_checksum: bool = True) -> None:
        super().__init__(ifname, socket.AF_INET6, PROTO_VRRP)
        s = socket
        if kernel_checksum:
            self._setopt(SOL_IPV6, IPV6_CHECKSUM, 6, "IPV6_CHECKSUM")
        self._setopt(SOL_IPV6, s.IPV6_MULTICAST_HOPS, 255, "IPV6_MULTICAST_HOPS")
        self._setopt(SOL_IPV6, s.IPV6_UNICAST_HOPS, 255, "IPV6_UNICAST_HOPS")
        self._setopt(SOL_IPV6, s.IPV6_MULTICAST_IF, self.ifindex, "IPV6_MULTICAST_IF")
        self._setopt(SOL_IPV6, s.IPV6_MULTICAST_LOOP, 0, "IPV6_MULTICAST_LOOP")
        self._setopt(SOL_IPV6, IPV6_RECVHOPLIMIT, 1, "IPV6_RECVHOPLIMIT")
        self._setopt(SOL_IPV6, IPV6_RECVPKTINFO, 1, "IPV6_RECVPKTINFO")
        # keepalived's IPv6 adverts carry traffic class CS6 too.
        self._setopt(SOL_IPV6, s.IPV6_TCLASS, TOS_NETWORK_CONTROL, "IPV6_TCLASS")

    def join(self, group: IPv6Address | str = VRRP_GROUP6) -> None:
        """Join multicast ``group`` on this interface."""
        mreq = IPv6Address(group).packed + _INT.pack(self.ifindex)
        self._setopt(SOL_IPV6, socket.IPV6_JOIN_GROUP, mreq, f"join {group}")

    def leave(self, group: IPv6Address | str = VRRP_GROUP6) -> None:
        """Leave multicast ``group``."""
        mreq = IPv6Address(group).packed + _INT.pack(self.ifindex)
        self._setopt(SOL_IPV6, socket.IPV6_LEAVE_GROUP, mreq, f"leave {group}")

    def send(
        self,
        payload: bytes,
        src: IPv6Address | str,
        dst: IPv6Address | str = VRRP_GROUP6,
        hop_limit: int = 255,
    ) -> None:
        """Send one VRRP message from ``src`` (an address on this interface,
        chosen with IPV6_PKTINFO) to ``dst`` with ``hop_limit``."""
        s = src if src.__class__ is IPv6Address else IPv6Address(src)
        d = dst if dst.__class__ is IPv6Address else IPv6Address(dst)
        assert isinstance(s, IPv6Address) and isinstance(d, IPv6Address)
        anc = [
            (SOL_IPV6, IPV6_PKTINFO, _IN6_PKTINFO.pack(s.packed, self.ifindex)),
            (SOL_IPV6, IPV6_HOPLIMIT, _INT.pack(hop_limit)),
        ]
        scope = self.ifindex if (d.is_link_local or d.is_multicast) else 0
        try:
            self._sock.sendmsg([payload], anc, 0, (_text(d), 0, 0, scope))
        except OSError as e:
            raise NetError(
                f"send VRRP {s} -> {d} on {self.ifname}: {e.strerror}",
                ifname=self.ifname,
                address=d,
                errno=e.errno,
            ) from e

    def recv(self, stamped: bool = False) -> ReceivedPacket | None:
        """The next packet, or None when none is waiting. (Its ancillary data
        are read anyway, so the receive time comes whether ``stamped`` or not.)"""
        try:
            n, anc, _flags, addr = self._sock.recvmsg_into([self._buf], _CMSG_SPACE)
        except (BlockingIOError, InterruptedError):
            return None
        hop_limit, ifindex, rx_ns = -1, self.ifindex, 0
        dst: IPv6Address = IPv6Address(0)
        for level, kind, data in anc:
            if level != SOL_IPV6:
                if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS:
                    rx_ns = _timespec_ns(data)
                continue
            if kind == IPV6_HOPLIMIT:
                hop_limit = _INT.unpack_from(data)[0]
            elif kind == IPV6_PKTINFO:
                raw, ifindex = _IN6_PKTINFO.unpack_from(data)
                dst = _interned6(raw)
        src = _interned6(addr[0])
        return ReceivedPacket(6, ifindex, src, dst, hop_limit, bytes(self._view[:n]), 0, rx_ns)


def _stamp(anc: list[tuple[int, int, bytes]]) -> int:
    """The SO_TIMESTAMPNS receive time in ``anc`` (ns since the epoch), or 0."""
    for level, kind, data in anc:
        if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS:
            return _timespec_ns(data)
    return 0


def _timespec_ns(data: bytes) -> int:
    """A struct timespec as ns; 0 if it is short."""
    if len(data) < _TIMESPEC.size:
        return 0
    sec, nsec = _TIMESPEC.unpack_from(data)
    return int(sec * 1_000_000_000 + nsec)


# Received IPv6 addresses, shared between packets as IPv4's are (wire.ipv4):
# parsing one costs more than the rest of the receive. Bounded.
_ADDRS6: dict[bytes | str, IPv6Address] = {}


def _interned6(raw: bytes | str) -> IPv6Address:
    """The IPv6Address of 16 packed bytes or of a text form with an optional
    ``%scope`` (as recvmsg gives the source of a link-local sender)."""
    a = _ADDRS6.get(raw)
    if a is None:
        if len(_ADDRS6) >= 4096:
            _ADDRS6.clear()
        text = raw.split("%", 1)[0] if isinstance(raw, str) else raw
        a = _ADDRS6[raw] = IPv6Address(text)
    return a


def open_socket(ifname: str, family: int) -> VrrpSocket4 | VrrpSocket6:
    """The VRRP socket for ``family`` (4 or 6) on ``ifname``."""
    if family == 4:
        return VrrpSocket4(ifname)
    if family == 6:
        return VrrpSocket6(ifname)
    raise ValueError(f"address family {family} is not 4 or 6")

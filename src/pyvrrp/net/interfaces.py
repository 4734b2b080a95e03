"""Interface facts over netlink (index, state, MTU, MAC, addresses) and link watching.

Everything goes through netlink, never ``/sys``, so it follows the network
namespace of the calling thread. ``netns`` (a name under ``/run/netns``) is for
tests and tools; the daemon runs in its own namespace and leaves it None.
"""

from __future__ import annotations

import contextlib
import errno
import socket
import struct
from collections.abc import Iterator
from ipaddress import IPv4Address, IPv6Address, ip_address
from typing import Any

from pyroute2 import IPRoute
from pyroute2.netlink.exceptions import NetlinkError

from pyvrrp.net.errors import NetError

IFF_UP = 0x1
IFF_RUNNING = 0x40
IFF_LOWER_UP = 0x10000
IFA_F_SECONDARY = 0x01
RT_SCOPE_LINK = 253


@contextlib.contextmanager
def iproute(netns: str | None = None) -> Iterator[Any]:
    """A pyroute2 ``IPRoute`` in the current namespace or in ``netns``."""
    ipr = IPRoute(netns=netns) if netns else IPRoute()
    try:
        yield ipr
    finally:
        ipr.close()


def _link(ipr: Any, name: str) -> Any:
    try:
        links = ipr.get_links(ifname=name)
    except NetlinkError as e:
        raise NetError(f"no interface {name!r}", ifname=name, errno=e.code) from e
    if not links:
        raise NetError(f"no interface {name!r}", ifname=name, errno=errno.ENODEV)
    return links[0]


def ifindex(name: str, *, netns: str | None = None) -> int:
    """The index of interface ``name``; :class:`NetError` if there is none."""
    if netns is None:
        try:
            return socket.if_nametoindex(name)
        except OSError as e:
            raise NetError(f"no interface {name!r}", ifname=name, errno=errno.ENODEV) from e
    with iproute(netns) as ipr:
        return int(_link(ipr, name)["index"])


def link_is_up(flags: int) -> bool:
    """Administratively up with carrier (IFF_UP and IFF_RUNNING)."""
    return bool(flags & IFF_UP) and bool(flags & IFF_RUNNING)


def interface_up(name: str, *, netns: str | None = None) -> bool:
    """True if ``name`` is up and has carrier (what VRRP calls the interface up)."""
    with iproute(netns) as ipr:
        return link_is_up(_link(ipr, name)["flags"])


def mtu(name: str, *, netns: str | None = None) -> int:
    """The MTU of ``name``."""
    with iproute(netns) as ipr:
        return int(_link(ipr, name).get_attr("IFLA_MTU"))


def mac(name: str, *, netns: str | None = None) -> bytes:
    """The 6-byte hardware address of ``name``."""
    with iproute(netns) as ipr:
        text = _link(ipr, name).get_attr("IFLA_ADDRESS")
    if not text:
        raise NetError(f"interface {name!r} has no hardware address", ifname=name)
    return bytes.fromhex(text.replace(":", ""))


def addresses(
    name: str, family: int | None = None, *, netns: str | None = None
) -> list[tuple[IPv4Address | IPv6Address, int, int, int]]:
    """``(address, prefixlen, scope, flags)`` of every address on ``name``, in kernel order."""
    af = {4: socket.AF_INET, 6: socket.AF_INET6, None: socket.AF_UNSPEC}[family]
    with iproute(netns) as ipr:
        index = _link(ipr, name)["index"]
        out = []
        for msg in ipr.get_addr(index=index, family=af):
            addr = msg.get_attr("IFA_ADDRESS") or msg.get_attr("IFA_LOCAL")
            local = msg.get_attr("IFA_LOCAL")
            if msg["family"] == socket.AF_INET and local:
                addr = local  # on point-to-point links IFA_ADDRESS is the peer
            flags = msg.get_attr("IFA_FLAGS") or msg["flags"]
            out.append((ip_address(addr), msg["prefixlen"], msg["scope"], flags))
        return out


def primary_address(
    name: str, family: int = 4, *, netns: str | None = None
) -> IPv4Address | IPv6Address | None:
    """The address VRRP sends from: the first primary IPv4 address, or for IPv6
    the link-local address (RFC 9568 §5.1.2.1). None if there is none yet."""
    for addr, _plen, scope, flags in addresses(name, family, netns=netns):
        if family == 4 and not flags & IFA_F_SECONDARY:
            return addr
        if family == 6 and (scope == RT_SCOPE_LINK or addr.is_link_local):
            return addr
    return None


def link_local(name: str, *, netns: str | None = None) -> IPv6Address:
    """The IPv6 link-local address of ``name``; :class:`NetError` if it has none."""
    addr = primary_address(name, 6, netns=netns)
    if not isinstance(addr, IPv6Address):
        raise NetError(f"interface {name!r} has no IPv6 link-local address", ifname=name)
    return addr


# -- link watching over a raw rtnetlink socket --------------------------------

RTMGRP_LINK = 0x1
RTM_NEWLINK = 16
RTM_DELLINK = 17
IFLA_IFNAME = 3
_NLMSGHDR = struct.Struct("=IHHII")
_IFINFOMSG = struct.Struct("=BxHiII")
_RTATTR = struct.Struct("=HH")


def parse_link_messages(data: bytes) -> list[tuple[str, bool, bool]]:
    """``(ifname, up, deleted)`` for each RTM_NEWLINK / RTM_DELLINK in ``data``."""
    out = []
    off = 0
    while off + _NLMSGHDR.size <= len(data):
        length, kind, _flags, _seq, _pid = _NLMSGHDR.unpack_from(data, off)
        if length < _NLMSGHDR.size:
            break
        end = off + length
        if kind in (RTM_NEWLINK, RTM_DELLINK):
            body = off + _NLMSGHDR.size
            _fam, _type, _index, flags, _change = _IFINFOMSG.unpack_from(data, body)
            a = body + _IFINFOMSG.size
            name = None
            while a + _RTATTR.size <= end:
                alen, atype = _RTATTR.unpack_from(data, a)
                if alen < _RTATTR.size:
                    break
                if atype == IFLA_IFNAME:
                    name = data[a + 4 : a + alen].split(b"\0", 1)[0].decode()
                a += (alen + 3) & ~3
            if name is not None:
                deleted = kind == RTM_DELLINK
                out.append((name, link_is_up(flags) and not deleted, deleted))
        off += (length + 3) & ~3
    return out


class LinkWatcher:
    """Link up/down events from the kernel (an RTMGRP_LINK netlink socket).

    Poll :meth:`fileno` (e.g. ``loop.add_reader``) and call :meth:`read`, which
    returns ``(ifname, up)`` per event (a deleted link reads as down), filtered
    to ``ifnames`` if given. Repeated states are reported: compare with what you
    knew. :meth:`snapshot` gives the current state of the interfaces.
    """

    def __init__(self, ifnames: set[str] | None = None) -> None:
        self.ifnames = set(ifnames) if ifnames is not None else None
        self._sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
        try:
            self._sock.bind((0, RTMGRP_LINK))
            self._sock.setblocking(False)
        except OSError:
            self._sock.close()
            raise

    def fileno(self) -> int:
        return self._sock.fileno()

    def read(self) -> list[tuple[str, bool]]:
        """Every event waiting (empty when none). After a receive-buffer overrun
        (ENOBUFS) events were lost: the state of every watched link is returned."""
        events: list[tuple[str, bool]] = []
        while True:
            try:
                data = self._sock.recv(65536)
            except (BlockingIOError, InterruptedError):
                break
            except OSError as e:
                if e.errno != errno.ENOBUFS:
                    raise
                events.extend(self.snapshot())
                continue
            for name, up, _deleted in parse_link_messages(data):
                if self.ifnames is None or name in self.ifnames:
                    events.append((name, up))
        return events

    def snapshot(self) -> list[tuple[str, bool]]:
        """``(ifname, up)`` for every (watched) interface right now."""
        with iproute() as ipr:
            out = []
            for link in ipr.get_links():
                name = link.get_attr("IFLA_IFNAME")
                if self.ifnames is None or name in self.ifnames:
                    out.append((name, link_is_up(link["flags"])))
            return out

    def close(self) -> None:
        self._sock.close()

    def __enter__(self) -> LinkWatcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# -- address watching ------------------------------------------------------------

RTMGRP_IPV4_IFADDR = 0x10
RTMGRP_IPV6_IFADDR = 0x100
RTM_NEWADDR = 20
RTM_DELADDR = 21
IFA_ADDRESS = 1
IFA_LOCAL = 2
_IFADDRMSG = struct.Struct("=BBBBI")


def parse_addr_messages(data: bytes) -> list[tuple[int, IPv4Address | IPv6Address, bool]]:
    """``(ifindex, address, added)`` for each RTM_NEWADDR / RTM_DELADDR in
    ``data`` (an IPv4 address is its IFA_LOCAL, the address of the host)."""
    out: list[tuple[int, IPv4Address | IPv6Address, bool]] = []
    off = 0
    while off + _NLMSGHDR.size <= len(data):
        length, kind, _flags, _seq, _pid = _NLMSGHDR.unpack_from(data, off)
        if length < _NLMSGHDR.size:
            break
        end = off + length
        if kind in (RTM_NEWADDR, RTM_DELADDR):
            body = off + _NLMSGHDR.size
            family, _plen, _fl, _scope, index = _IFADDRMSG.unpack_from(data, body)
            a = body + _IFADDRMSG.size
            found: dict[int, bytes] = {}
            while a + _RTATTR.size <= end:
                alen, atype = _RTATTR.unpack_from(data, a)
                if alen < _RTATTR.size:
                    break
                if atype in (IFA_ADDRESS, IFA_LOCAL):
                    found[atype] = data[a + 4 : a + alen]
                a += (alen + 3) & ~3
            raw = found.get(IFA_LOCAL) or found.get(IFA_ADDRESS)
            if raw is not None and family in (socket.AF_INET, socket.AF_INET6):
                addr = IPv4Address(raw) if family == socket.AF_INET else IPv6Address(raw)
                out.append((index, addr, kind == RTM_NEWADDR))
        off += (length + 3) & ~3
    return out


class AddressWatcher:
    """Address additions and removals from the kernel (track_src_ip).
    :meth:`read` returns ``(ifindex, address, added)`` per event; after a
    receive-buffer overrun it returns None: look again at what matters."""

    def __init__(self) -> None:
        self._sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
        try:
            self._sock.bind((0, RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR))
            self._sock.setblocking(False)
        except OSError:
            self._sock.close()
            raise

    def fileno(self) -> int:
        return self._sock.fileno()

    def read(self) -> list[tuple[int, IPv4Address | IPv6Address, bool]] | None:
        events: list[tuple[int, IPv4Address | IPv6Address, bool]] = []
        lost = False
        while True:
            try:
                data = self._sock.recv(65536)
            except (BlockingIOError, InterruptedError):
                break
            except OSError as e:
                if e.errno != errno.ENOBUFS:
                    raise
                lost = True
                continue
            events.extend(parse_addr_messages(data))
        return None if lost else events

    def close(self) -> None:
        self._sock.close()


SO_RCVBUFFORCE = 33


def set_netlink_rcvbuf(fd: int, size: int, force: bool) -> bool:
    """A netlink socket's receive buffer (keepalived's vrrp_netlink_*_rcv_bufs);
    ``force`` passes net.core.rmem_max (root). False if refused."""
    sock = socket.fromfd(fd, socket.AF_NETLINK, socket.SOCK_RAW)
    try:
        sock.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE if force else socket.SO_RCVBUF, size)
    except OSError:
        return False
    finally:
        sock.close()  # the duplicate only
    return True

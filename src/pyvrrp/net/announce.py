"""Gratuitous ARP (IPv4) and unsolicited Neighbor Advertisements (IPv6).

Frames are built whole and sent on an ``AF_PACKET`` socket, as keepalived's
appear on the wire (checked against keepalived 2.2.7 in a lab):

* ARP: Ethernet broadcast, ARP *request*, sender = target = VIP, sender MAC
  = the interface's MAC, target MAC ff:ff:ff:ff:ff:ff.
* NA: to 33:33:00:00:00:01 / ff02::1 from the VIP, hop limit 255, ICMPv6 type
  136 with Override set (Router set when the interface forwards IPv6), target
  = VIP, and a Target Link-Layer Address option with the interface's MAC.

:class:`Announcer` sends one round; when to repeat is the daemon's business,
with :func:`master_schedule` / :func:`refresh_schedule` computing keepalived's
``garp_master_*`` timings.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import socket
import struct
from collections.abc import Iterable
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Interface, IPv6Address, IPv6Interface

from pyvrrp.net.errors import NetError
from pyvrrp.wire.checksum import internet_sum

ETH_P_ARP = 0x0806
ETH_P_IPV6 = 0x86DD
BROADCAST_MAC = b"\xff" * 6
ALL_NODES = IPv6Address("ff02::1")
ALL_NODES_MAC = b"\x33\x33\x00\x00\x00\x01"
ICMPV6_NA = 136
NA_ROUTER, NA_SOLICITED, NA_OVERRIDE = 0x80, 0x40, 0x20
ND_OPT_TARGET_LL = 2
IPPROTO_ICMPV6 = 58
SIOCGIFHWADDR = 0x8927

AnyAddr = IPv4Address | IPv6Address | IPv4Interface | IPv6Interface


def _eth(dst: bytes, src: bytes, ethertype: int) -> bytes:
    return dst + src + ethertype.to_bytes(2, "big")


def garp_frame(mac: bytes, vip: IPv4Address) -> bytes:
    """A gratuitous ARP request for ``vip`` from ``mac`` (Ethernet frame, unpadded)."""
    arp = struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1)  # Ethernet/IPv4, request
    arp += mac + vip.packed + BROADCAST_MAC + vip.packed
    return _eth(BROADCAST_MAC, mac, ETH_P_ARP) + arp


def unsolicited_na_frame(
    mac: bytes,
    target: IPv6Address,
    *,
    router: bool = False,
    src: IPv6Address | None = None,
) -> bytes:
    """An unsolicited Neighbor Advertisement for ``target`` (RFC 4861 §7.2.6),
    from ``src`` (default: the target itself) to all nodes, hop limit 255."""
    src = src or target
    flags = NA_OVERRIDE | (NA_ROUTER if router else 0)
    icmp = bytearray(struct.pack("!BBHB3x", ICMPV6_NA, 0, 0, flags))
    icmp += target.packed + bytes((ND_OPT_TARGET_LL, 1)) + mac
    pseudo = src.packed + ALL_NODES.packed + struct.pack("!I3xB", len(icmp), IPPROTO_ICMPV6)
    icmp[2:4] = internet_sum(pseudo + icmp).to_bytes(2, "big")
    ip6 = struct.pack("!IHBB", 6 << 28, len(icmp), IPPROTO_ICMPV6, 255)
    ip6 += src.packed + ALL_NODES.packed
    return _eth(ALL_NODES_MAC, mac, ETH_P_IPV6) + ip6 + bytes(icmp)


def _forwarding(ifname: str) -> bool:
    # /proc/sys/net follows the calling thread's network namespace.
    try:
        with open(f"/proc/sys/net/ipv6/conf/{ifname}/forwarding") as f:
            return f.read().strip() not in ("", "0")
    except OSError:
        return False


class Announcer:
    """Sends gratuitous ARPs and unsolicited NAs, one packet socket per interface.

    ``router`` sets the NA Router flag; None (the default) sets it when the
    interface forwards IPv6, as its neighbours' caches should say.
    """

    def __init__(self, *, router: bool | None = None) -> None:
        self.router = router
        self._socks: dict[str, socket.socket] = {}

    def _sock(self, ifname: str) -> socket.socket:
        sock = self._socks.get(ifname)
        if sock is None:
            # Protocol 0: send only, never queue received frames.
            sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
            try:
                sock.bind((ifname, 0))
            except OSError as e:
                sock.close()
                raise NetError(
                    f"packet socket on {ifname}: {e.strerror}", ifname=ifname, errno=e.errno
                ) from e
            self._socks[ifname] = sock
        return sock

    def _forget(self, ifname: str) -> None:
        sock = self._socks.pop(ifname, None)
        if sock is not None:
            sock.close()

    def mac(self, ifname: str) -> bytes:
        """The interface's current MAC (read on each round: it can change)."""
        req = struct.pack("256s", ifname.encode()[:15])
        try:
            res = fcntl.ioctl(self._sock(ifname).fileno(), SIOCGIFHWADDR, req)
        except OSError as e:
            raise NetError(f"MAC of {ifname}: {e.strerror}", ifname=ifname) from e
        return res[18:24]

    def frames(self, ifname: str, addresses: Iterable[AnyAddr]) -> list[bytes]:
        """The frames one round for ``addresses`` on ``ifname`` consists of."""
        mac = self.mac(ifname)
        router = self.router if self.router is not None else _forwarding(ifname)
        out = []
        for a in addresses:
            ip = a.ip if isinstance(a, IPv4Interface | IPv6Interface) else a
            if isinstance(ip, IPv4Address):
                out.append(garp_frame(mac, ip))
            else:
                out.append(unsolicited_na_frame(mac, ip, router=router))
        return out

    def announce(self, ifname: str, addresses: Iterable[AnyAddr]) -> int:
        """Send one gratuitous ARP / unsolicited NA per address on ``ifname``.
        Returns the number of frames sent."""
        frames = self.frames(ifname, addresses)
        for attempt in (1, 2):
            try:
                sock = self._sock(ifname)
                for frame in frames:
                    # The socket is bound to protocol 0 (send only): name the
                    # frame's EtherType so the skb carries the right protocol.
                    sock.sendto(frame, (ifname, int.from_bytes(frame[12:14], "big")))
                return len(frames)
            except OSError as e:
                # The interface was recreated (new index): reopen once.
                self._forget(ifname)
                if attempt == 2 or e.errno not in (errno.ENXIO, errno.ENODEV, errno.ENETDOWN):
                    raise NetError(
                        f"announce on {ifname}: {e.strerror}", ifname=ifname, errno=e.errno
                    ) from e
        return 0

    def close(self) -> None:
        for name in list(self._socks):
            with contextlib.suppress(OSError):
                self._forget(name)

    def __enter__(self) -> Announcer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass(frozen=True)
class AnnounceSettings:
    """keepalived's ``vrrp_garp_*`` knobs: ``master_repeat`` rounds on becoming
    master, another ``master_repeat`` after ``master_delay`` seconds (0: none);
    while master, ``refresh_repeat`` rounds every ``refresh`` seconds (0: never);
    ``interval`` seconds between rounds of one burst (keepalived's
    ``garp_interval`` / ``gna_interval``)."""

    master_delay: float = 5.0
    master_repeat: int = 5
    refresh: float = 0.0
    refresh_repeat: int = 1
    interval: float = 0.0


def _burst(start: float, count: int, interval: float, first_round: int) -> list[tuple[float, int]]:
    return [(start + k * interval, first_round + k) for k in range(count)]


def master_schedule(s: AnnounceSettings) -> list[tuple[float, int]]:
    """``(delay_seconds, round)`` for each round after the transition to master."""
    out = _burst(0.0, s.master_repeat, s.interval, 0)
    if s.master_delay > 0 and s.master_repeat > 0:
        out += _burst(s.master_delay, s.master_repeat, s.interval, len(out))
    return out


def refresh_schedule(s: AnnounceSettings) -> list[tuple[float, int]]:
    """``(delay_seconds, round)`` for one refresh period, counted from the last
    refresh (empty when refresh is off); the daemon repeats it while master."""
    if s.refresh <= 0:
        return []
    return _burst(s.refresh, s.refresh_repeat, s.interval, 0)


class Pacer:
    """The least delay between two announcements on one interface, or on
    any of a group of them (keepalived's garp_group / vrrp_garp_interval),
    whichever instance sends: :meth:`slot` gives the time a frame may go at
    and books it. Pure: the caller gives the time."""

    def __init__(self) -> None:
        self._free: dict[object, float] = {}

    def slot(self, key: object, now: float, interval: float) -> float:
        """When a frame for ``key`` may be sent (``now`` or later)."""
        if interval <= 0:
            return now
        at = max(now, self._free.get(key, now))
        self._free[key] = at + interval
        return at

    def forget(self) -> None:
        """Drop the bookings (a reload changed the groups)."""
        self._free.clear()

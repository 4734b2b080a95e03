"""Virtual addresses and virtual routes over netlink (pyroute2).

:class:`AddressManager` adds and removes VIPs and virtual routes idempotently
and remembers which ones it added, so that releasing takes away only pyvrrp's
own and leaves addresses the host had before alone.
"""

from __future__ import annotations

import builtins
import errno
import socket
from dataclasses import dataclass
from ipaddress import (
    IPv4Address,
    IPv4Interface,
    IPv4Network,
    IPv6Address,
    IPv6Interface,
    IPv6Network,
    ip_address,
    ip_interface,
    ip_network,
)
from typing import Any

from pyroute2 import IPRoute
from pyroute2.netlink.exceptions import NetlinkError

from pyvrrp.net.errors import NetError

IPAddr = IPv4Address | IPv6Address
IPIface = IPv4Interface | IPv6Interface
IPNet = IPv4Network | IPv6Network

IFA_F_NODAD = 0x02
SCOPES = {"global": 0, "universe": 0, "site": 200, "link": 253, "host": 254, "nowhere": 255}
_SCOPE_NAMES = {v: k for k, v in SCOPES.items() if k != "universe"}
RT_TABLE_MAIN = 254


def scope_number(scope: str | int | None) -> int | None:
    """A scope name (``global``, ``site``, ``link``, ``host``) or number as a number."""
    if scope is None or isinstance(scope, int):
        return scope
    try:
        return SCOPES[scope]
    except KeyError:
        raise ValueError(f"unknown scope {scope!r}") from None


@dataclass(frozen=True)
class VirtualAddress:
    """A virtual address with its prefix on interface ``dev``.

    ``broadcast`` is an IPv4 broadcast address or None for none. IPv6 addresses
    are added with ``nodad`` (usable at once, as keepalived does) unless
    ``nodad`` is False. Identity (for :meth:`AddressManager.present` and
    tracking) is the address, prefix length and interface.
    """

    address: IPIface
    dev: str
    label: str | None = None
    scope: str | int | None = None
    broadcast: IPv4Address | None = None
    nodad: bool = True

    @classmethod
    def of(cls, address: str | IPIface, dev: str, **kw: Any) -> VirtualAddress:
        """Build from text: ``VirtualAddress.of("10.0.0.1/24", "eth0", label="eth0:1")``."""
        if isinstance(kw.get("broadcast"), str):
            kw["broadcast"] = IPv4Address(kw["broadcast"])
        return cls(ip_interface(address), dev, **kw)

    @property
    def family(self) -> int:
        return self.address.version

    @property
    def key(self) -> tuple[IPAddr, int, str]:
        return (self.address.ip, self.address.network.prefixlen, self.dev)

    def __str__(self) -> str:
        return f"{self.address} dev {self.dev}"

    def to_json(self) -> dict[str, Any]:
        return {
            "address": str(self.address),
            "dev": self.dev,
            "label": self.label,
            "scope": self.scope,
            "broadcast": None if self.broadcast is None else str(self.broadcast),
            "nodad": self.nodad,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> VirtualAddress:
        return cls.of(
            d["address"],
            d["dev"],
            label=d.get("label"),
            scope=d.get("scope"),
            broadcast=d.get("broadcast"),
            nodad=bool(d.get("nodad", True)),
        )


@dataclass(frozen=True)
class VirtualRoute:
    """A virtual route. ``via`` is the gateway; ``blackhole`` makes it a blackhole
    route (no gateway or device). ``table`` None is the main table."""

    dst: IPNet
    via: IPAddr | None = None
    dev: str | None = None
    src: IPAddr | None = None
    table: int | None = None
    scope: str | int | None = None
    metric: int | None = None
    blackhole: bool = False
    onlink: bool = False
    #: multipath: (gateway, dev, weight, onlink) per next hop
    nexthops: tuple[tuple[IPAddr | None, str | None, int, bool], ...] = ()
    #: the route's type when not a plain unicast one: unreachable, prohibit,
    #: throw, local, broadcast, nat (blackhole: ``blackhole``)
    rtype: str | None = None
    #: metrics (RTAX_ name, value), the lock mask, and the other attributes
    metrics: tuple[tuple[str, int | str], ...] = ()
    lock: int = 0
    protocol: int | None = None
    tos: int | None = None
    realms: int | None = None
    pref: int | None = None

    @classmethod
    def of(cls, dst: str | IPNet, **kw: Any) -> VirtualRoute:
        """Build from text: ``VirtualRoute.of("10.9.0.0/16", via="10.0.1.1")``."""
        for k in ("via", "src"):
            if isinstance(kw.get(k), str):
                kw[k] = ip_address(kw[k])
        return cls(ip_network(dst), **kw)

    def to_json(self) -> dict[str, Any]:
        return {
            "dst": str(self.dst),
            "via": None if self.via is None else str(self.via),
            "dev": self.dev,
            "src": None if self.src is None else str(self.src),
            "table": self.table,
            "scope": self.scope,
            "metric": self.metric,
            "blackhole": self.blackhole,
            "onlink": self.onlink,
            "nexthops": [[None if g is None else str(g), d, w, o] for g, d, w, o in self.nexthops],
            "rtype": self.rtype,
            "tos": self.tos,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> VirtualRoute:
        return cls.of(
            d["dst"],
            via=d.get("via"),
            dev=d.get("dev"),
            src=d.get("src"),
            table=d.get("table"),
            scope=d.get("scope"),
            metric=d.get("metric"),
            blackhole=bool(d.get("blackhole", False)),
            onlink=bool(d.get("onlink", False)),
            nexthops=tuple(
                (None if g is None else ip_address(g), dev, int(w), bool(o))
                for g, dev, w, o in d.get("nexthops", [])
            ),
            rtype=d.get("rtype"),
            tos=d.get("tos"),
        )

    def __str__(self) -> str:
        parts = [("blackhole " if self.blackhole else "") + str(self.dst)]
        for name in ("via", "dev", "src", "table", "metric"):
            if getattr(self, name) is not None:
                parts.append(f"{name} {getattr(self, name)}")
        return " ".join(parts)


FIB_RULE_INVERT = 0x2
RTNH_F_ONLINK = 0x4


@dataclass(frozen=True)
class PolicyRule:
    """A policy routing rule (``ip rule``). ``src``/``dst`` None is all;
    ``action`` is ``table``, ``blackhole``, ``unreachable``, ``prohibit`` or ``nop``."""

    family: int
    priority: int
    action: str = "table"
    table: int | None = None
    src: IPNet | None = None
    dst: IPNet | None = None
    fwmark: int | None = None
    fwmask: int | None = None
    iif: str | None = None
    oif: str | None = None
    tos: int | None = None
    invert: bool = False

    def __str__(self) -> str:
        parts = [f"pref {self.priority}"]
        if self.invert:
            parts.append("not")
        parts.append(f"from {self.src or 'all'}")
        if self.dst is not None:
            parts.append(f"to {self.dst}")
        for name in ("fwmark", "iif", "oif", "tos"):
            if getattr(self, name) is not None:
                parts.append(f"{name} {getattr(self, name)}")
        parts.append(f"lookup {self.table}" if self.action == "table" else self.action)
        return " ".join(parts)

    def to_json(self) -> dict[str, Any]:
        d = {k: getattr(self, k) for k in self.__dataclass_fields__}
        d["src"] = None if self.src is None else str(self.src)
        d["dst"] = None if self.dst is None else str(self.dst)
        return d

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> PolicyRule:
        d = dict(d)
        for k in ("src", "dst"):
            if d.get(k) is not None:
                d[k] = ip_network(d[k])
        return cls(**d)


class AddressManager:
    """Adds and removes virtual addresses and routes; tracks what it added.

    ``netns`` (a name under /run/netns) is for tests and tools; the daemon
    manages its own namespace. Every method raises :class:`NetError` naming the
    interface and address when the kernel refuses.
    """

    def __init__(self, netns: str | None = None) -> None:
        self.netns = netns
        self._ipr: Any = IPRoute(netns=netns) if netns else IPRoute()
        self._owned: dict[tuple[IPAddr, int, str], VirtualAddress] = {}
        self._owned_routes: dict[VirtualRoute, None] = {}
        self._owned_rules: dict[PolicyRule, None] = {}

    @property
    def ipr(self) -> Any:
        """The pyroute2 socket (shared by the other netlink users of its thread)."""
        return self._ipr

    # -- lifecycle ---------------------------------------------------------
    def close(self) -> None:
        """Close the netlink socket (addresses stay as they are)."""
        self._ipr.close()

    def __enter__(self) -> AddressManager:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- interfaces --------------------------------------------------------
    def ifindex(self, dev: str) -> int:
        """The index of ``dev``; :class:`NetError` if there is none."""
        try:
            found = self._ipr.link_lookup(ifname=dev)
        except NetlinkError as e:
            raise NetError(f"no interface {dev!r}", ifname=dev, errno=e.code) from e
        if not found:
            raise NetError(f"no interface {dev!r}", ifname=dev, errno=errno.ENODEV)
        return int(found[0])

    # -- addresses ---------------------------------------------------------
    def list(self, ifname: str, family: int | None = None) -> list[VirtualAddress]:
        """Every address on ``ifname`` as the kernel reports it."""
        af = {4: socket.AF_INET, 6: socket.AF_INET6, None: socket.AF_UNSPEC}[family]
        index = self.ifindex(ifname)
        out = []
        for msg in self._ipr.get_addr(index=index, family=af):
            fam = msg["family"]
            text = msg.get_attr("IFA_LOCAL") if fam == socket.AF_INET else None
            text = text or msg.get_attr("IFA_ADDRESS")
            flags = msg.get_attr("IFA_FLAGS") or msg["flags"]
            bcast = msg.get_attr("IFA_BROADCAST")
            out.append(
                VirtualAddress(
                    ip_interface(f"{text}/{msg['prefixlen']}"),
                    ifname,
                    label=msg.get_attr("IFA_LABEL"),
                    scope=_SCOPE_NAMES.get(msg["scope"], msg["scope"]),
                    broadcast=IPv4Address(bcast) if bcast else None,
                    nodad=bool(flags & IFA_F_NODAD),
                )
            )
        return out

    def present(self, vip: VirtualAddress) -> bool:
        """True if the kernel has ``vip`` (address and prefix) on its interface."""
        return any(a.key == vip.key for a in self.list(vip.dev, vip.family))

    def add(self, vip: VirtualAddress, *, adopt: bool = False) -> bool:
        """Add ``vip``. Returns True if this call added it; an address already
        there is not an error and stays unowned unless ``adopt`` (e.g. ours from
        before a restart), so :meth:`release` leaves it alone."""
        index = self.ifindex(vip.dev)
        kw: dict[str, Any] = {
            "index": index,
            "address": str(vip.address.ip),
            "prefixlen": vip.address.network.prefixlen,
        }
        if vip.family == 4:
            if vip.label:
                kw["label"] = vip.label
            if vip.broadcast is not None:
                kw["broadcast"] = str(vip.broadcast)
        elif vip.nodad:
            kw["flags"] = IFA_F_NODAD
        scope = scope_number(vip.scope)
        if scope is not None:
            kw["scope"] = scope
        try:
            self._ipr.addr("add", **kw)
        except NetlinkError as e:
            if e.code != errno.EEXIST:
                raise NetError(
                    f"cannot add {vip.address} to {vip.dev}: {e.args[-1]}",
                    ifname=vip.dev,
                    address=vip.address,
                    errno=e.code,
                ) from e
            if adopt:
                self._owned[vip.key] = vip
            return False
        self._owned[vip.key] = vip
        return True

    def remove(self, vip: VirtualAddress) -> bool:
        """Remove ``vip``. Returns True if this call removed it; a missing
        address (or interface) is not an error."""
        self._owned.pop(vip.key, None)
        try:
            index = self.ifindex(vip.dev)
        except NetError:
            return False
        try:
            self._ipr.addr(
                "del",
                index=index,
                address=str(vip.address.ip),
                prefixlen=vip.address.network.prefixlen,
            )
        except NetlinkError as e:
            if e.code in (errno.EADDRNOTAVAIL, errno.ENOENT, errno.ESRCH, errno.ENODEV):
                return False
            raise NetError(
                f"cannot remove {vip.address} from {vip.dev}: {e.args[-1]}",
                ifname=vip.dev,
                address=vip.address,
                errno=e.code,
            ) from e
        return True

    def owned(self) -> builtins.list[VirtualAddress]:
        """The addresses this manager added (or adopted) and has not removed."""
        return list(self._owned.values())

    def owns(self, vip: VirtualAddress) -> bool:
        return vip.key in self._owned

    # -- routes ------------------------------------------------------------
    def _route_args(self, r: VirtualRoute) -> dict[str, Any]:
        kw: dict[str, Any] = {
            "dst": str(r.dst.network_address),
            "dst_len": r.dst.prefixlen,
            "family": socket.AF_INET if r.dst.version == 4 else socket.AF_INET6,
            "table": r.table if r.table is not None else RT_TABLE_MAIN,
        }
        if r.blackhole:
            kw["type"] = "blackhole"
        elif r.rtype is not None and r.rtype != "unicast":
            kw["type"] = r.rtype
        if r.metrics or r.lock:
            attrs: list[list[Any]] = [[name, value] for name, value in r.metrics]
            if r.lock:
                attrs.append(["RTAX_LOCK", r.lock])
            kw["RTA_METRICS"] = {"attrs": attrs}
        if r.protocol is not None:
            kw["proto"] = r.protocol
        if r.tos is not None:
            kw["tos"] = r.tos
        if r.realms is not None:
            kw["realms"] = r.realms
        if r.pref is not None:
            kw["pref"] = r.pref
        if r.via is not None:
            kw["gateway"] = str(r.via)
        if r.dev is not None:
            kw["oif"] = self.ifindex(r.dev)
        if r.src is not None:
            kw["prefsrc"] = str(r.src)
        scope = scope_number(r.scope)
        if scope is not None:
            kw["scope"] = scope
        if r.metric is not None:
            kw["priority"] = r.metric
        if r.onlink:
            kw["flags"] = RTNH_F_ONLINK
        if r.nexthops:
            hops = []
            for gw, dev, weight, onlink in r.nexthops:
                hop: dict[str, Any] = {"hops": weight - 1}
                if gw is not None:
                    hop["gateway"] = str(gw)
                if dev is not None:
                    hop["oif"] = self.ifindex(dev)
                if onlink:
                    hop["flags"] = RTNH_F_ONLINK
                hops.append(hop)
            kw["multipath"] = hops
        return kw

    def add_route(self, route: VirtualRoute, *, adopt: bool = False) -> bool:
        """Add ``route``; True if added, False if it was already there (then
        owned only with ``adopt``, as :meth:`add`)."""
        try:
            self._ipr.route("add", **self._route_args(route))
        except NetlinkError as e:
            if e.code == errno.EEXIST:
                if adopt:
                    self._owned_routes[route] = None
                return False
            raise NetError(
                f"cannot add route {route}: {e.args[-1]}",
                ifname=route.dev,
                address=route.dst,
                errno=e.code,
            ) from e
        self._owned_routes[route] = None
        return True

    def remove_route(self, route: VirtualRoute) -> bool:
        """Remove ``route``; True if removed, False if it was not there."""
        self._owned_routes.pop(route, None)
        try:
            kw = self._route_args(route)
        except NetError:
            return False  # its interface is gone, and the route with it
        try:
            self._ipr.route("del", **kw)
        except NetlinkError as e:
            if e.code in (errno.ESRCH, errno.ENOENT, errno.ENODEV):
                return False
            raise NetError(
                f"cannot remove route {route}: {e.args[-1]}",
                ifname=route.dev,
                address=route.dst,
                errno=e.code,
            ) from e
        return True

    def route_present(self, route: VirtualRoute) -> bool:
        """True if the kernel has a route to ``route.dst`` in its table (matching
        gateway and metric when given)."""
        kw = self._route_args(route)
        query: dict[str, Any] = {"table": kw["table"], "dst_len": kw["dst_len"]}
        for msg in self._ipr.get_routes(family=kw["family"], **query):
            dst = msg.get_attr("RTA_DST")
            if dst is None:
                if route.dst.prefixlen != 0:
                    continue
            elif ip_address(dst) != route.dst.network_address:
                continue
            if route.via is not None and msg.get_attr("RTA_GATEWAY") != str(route.via):
                continue
            if route.metric is not None and msg.get_attr("RTA_PRIORITY") != route.metric:
                continue
            return True
        return False

    def owned_routes(self) -> builtins.list[VirtualRoute]:
        return list(self._owned_routes)

    # -- policy routing rules ----------------------------------------------
    def _rule_args(self, r: PolicyRule) -> dict[str, Any]:
        kw: dict[str, Any] = {
            "family": socket.AF_INET if r.family == 4 else socket.AF_INET6,
            "priority": r.priority,
            "action": {"table": "to_tbl"}.get(r.action, r.action),
        }
        if r.table is not None:
            kw["table"] = r.table
        for name, net in (("src", r.src), ("dst", r.dst)):
            if net is not None:
                kw[name] = str(net.network_address)
                kw[f"{name}_len"] = net.prefixlen
        if r.fwmark is not None:
            kw["fwmark"] = r.fwmark
        if r.fwmask is not None:
            kw["fwmask"] = r.fwmask
        if r.iif is not None:
            kw["iifname"] = r.iif
        if r.oif is not None:
            kw["oifname"] = r.oif
        if r.tos is not None:
            kw["tos"] = r.tos
        if r.invert:
            kw["flags"] = FIB_RULE_INVERT
        return kw

    def add_rule(self, rule: PolicyRule, *, adopt: bool = False) -> bool:
        """Add ``rule``; True if added, False if it was already there (then
        owned only with ``adopt``)."""
        try:
            self._ipr.rule("add", **self._rule_args(rule))
        except NetlinkError as e:
            if e.code == errno.EEXIST:
                if adopt:
                    self._owned_rules[rule] = None
                return False
            raise NetError(f"cannot add rule {rule}: {e.args[-1]}", errno=e.code) from e
        self._owned_rules[rule] = None
        return True

    def remove_rule(self, rule: PolicyRule) -> bool:
        """Remove ``rule``; True if removed, False if it was not there."""
        self._owned_rules.pop(rule, None)
        try:
            self._ipr.rule("del", **self._rule_args(rule))
        except NetlinkError as e:
            if e.code in (errno.ENOENT, errno.ESRCH):
                return False
            raise NetError(f"cannot remove rule {rule}: {e.args[-1]}", errno=e.code) from e
        return True

    def owned_rules(self) -> builtins.list[PolicyRule]:
        return list(self._owned_rules)

    # -- release -----------------------------------------------------------
    def release(self) -> None:
        """Remove every route and address this manager added. Keeps going past
        failures and raises the first one at the end."""
        first: NetError | None = None
        for rule in list(self._owned_rules):
            try:
                self.remove_rule(rule)
            except NetError as e:
                first = first or e
        for route in list(self._owned_routes):
            try:
                self.remove_route(route)
            except NetError as e:
                first = first or e
        for vip in list(self._owned.values()):
            try:
                self.remove(vip)
            except NetError as e:
                first = first or e
        if first is not None:
            raise first

"""The virtual MAC of RFC 9568 7.3 (keepalived's ``use_vmac``) and its
ipvlan cousin (``use_ipvlan``): a child interface of the instance's interface
that holds the virtual addresses and sends the adverts, so that whichever
node is Master the network sees one MAC for the virtual addresses and no ARP
cache has to change on a failover.

What :class:`ChildManager` does, as keepalived does (vrrp_vmac.c,
vrrp_if_config.c):

* a macvlan child in private mode with MAC 00:00:5e:00:01:VRID (IPv4) or
  00:00:5e:00:02:VRID (IPv6), in the base interface's link group; or an L2
  ipvlan child (same MAC as its base, for clouds that allow no other);
* no IPv6 address generated on the child (``addr_gen_mode none``); an IPv4
  instance's child has IPv6 off; an IPv6 child gets the base's link-local
  address (or one built from the base's MAC) so adverts leave from a
  link-local address with the virtual MAC;
* sysctls: on the child ``arp_ignore=1`` (and for IPv4 ``accept_local=1``,
  ``rp_filter=0``, ``promote_secondaries=1``); on the base ``arp_ignore=1``
  and ``arp_filter=1`` so it never answers ARP for the child's addresses;
  ``net.ipv4.conf.all.rp_filter`` lowered to 0 after every interface and
  ``default`` were raised to its value (rp_filter is the larger of ``all``
  and the interface's, and the child needs 0). Every value changed is
  recorded with what it was, and put back on release (only if still what
  pyvrrp set) - also by the next run after a crash, from the record.

A child found already there with the right kind on the right base is adopted
(it is ours from a run that died); one of another kind is an error and left
alone. Every method runs on the netlink thread.
"""

from __future__ import annotations

import contextlib
import errno
import logging
from dataclasses import dataclass
from ipaddress import IPv4Interface, IPv6Address, IPv6Interface, ip_interface
from pathlib import Path
from typing import Any

from pyroute2.netlink.exceptions import NetlinkError

from pyvrrp.net.errors import NetError

log = logging.getLogger("pyvrrp")

IN6_ADDR_GEN_MODE_NONE = 1
IFA_F_NODAD = 0x02
_IPVLAN_MODE_L2 = 0
_IPVLAN_FLAGS = {"bridge": 0, "private": 1, "vepa": 2}
SYSCTL_ROOT = Path("/proc/sys/net")


@dataclass(frozen=True)
class ChildLink:
    """One VMAC or ipvlan child as the kernel will have it."""

    name: str
    base: str
    kind: str = "macvlan"  # or "ipvlan"
    mac: str | None = None
    family: int = 4
    group: int | None = None
    ipvlan_mode: str = "bridge"
    #: an address for the child (use_ipvlan's), with its prefix
    address: IPv4Interface | IPv6Interface | None = None
    #: IPv6 on the child: an IPv6 instance, or IPv6 addresses on an IPv4 one
    ipv6: bool = False
    #: add the base's link-local address (IPv6, adverts from the child)
    link_local: bool = False
    netlink_notify: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "base": self.base,
            "kind": self.kind,
            "mac": self.mac,
            "family": self.family,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> ChildLink:
        return cls(
            name=str(d["name"]),
            base=str(d["base"]),
            kind=str(d.get("kind", "macvlan")),
            mac=d.get("mac"),
            family=int(d.get("family", 4)),
        )


def eui64_link_local(mac: str) -> IPv6Address:
    """fe80::/64 with the modified EUI-64 of ``mac`` (RFC 4291 appendix A)."""
    b = bytes(int(x, 16) for x in mac.split(":"))
    iid = bytes([b[0] ^ 0x02, b[1], b[2], 0xFF, 0xFE, b[3], b[4], b[5]])
    return IPv6Address(b"\xfe\x80" + bytes(6) + iid)


class Sysctls:
    """Writes under /proc/sys/net, remembering each value's original so that
    :meth:`restore` puts back exactly what was changed (and only where the
    value is still what pyvrrp wrote)."""

    def __init__(self, root: Path = SYSCTL_ROOT) -> None:
        self.root = root
        #: relative path -> (original, value written)
        self.changed: dict[str, tuple[str, str]] = {}

    def read(self, rel: str) -> str | None:
        try:
            return (self.root / rel).read_text().strip()
        except OSError:
            return None

    def set(self, rel: str, value: int | str, *, record: bool = True) -> bool:
        """Write ``value``; recorded (with the value before) if ``record`` and
        it changed. False if the file cannot be written."""
        text = str(value)
        before = self.read(rel)
        if before is None:
            return False
        if before == text:
            return True
        try:
            (self.root / rel).write_text(text + "\n")
        except OSError as exc:
            log.warning("sysctl %s: %s", rel.replace("/", "."), exc.strerror)
            return False
        if record and rel not in self.changed:
            self.changed[rel] = (before, text)
        return True

    def restore(self, rels: list[str] | None = None) -> None:
        """Put back the originals (of ``rels``, or all), last changed first."""
        for rel in reversed(list(self.changed) if rels is None else rels):
            entry = self.changed.pop(rel, None)
            if entry is None:
                continue
            original, written = entry
            if self.read(rel) == written:
                with contextlib.suppress(OSError):
                    (self.root / rel).write_text(original + "\n")

    def to_json(self) -> dict[str, list[str]]:
        return {k: [a, b] for k, (a, b) in self.changed.items()}

    def adopt(self, doc: dict[str, list[str]]) -> None:
        """Take over what a killed run changed (its record), so restore() undoes it."""
        for rel, pair in doc.items():
            if rel not in self.changed and len(pair) == 2:
                self.changed[rel] = (str(pair[0]), str(pair[1]))


class ChildManager:
    """Creates, adopts and deletes VMAC / ipvlan children over a pyroute2
    ``IPRoute``; remembers them and the sysctls it changed."""

    def __init__(self, ipr: Any, sysctls: Sysctls | None = None) -> None:
        self._ipr = ipr
        self.sysctls = sysctls or Sysctls()
        self._owned: dict[str, ChildLink] = {}
        #: per base interface: the sysctl paths changed for its children
        self._base_sysctls: dict[str, list[str]] = {}
        self._rp_filter: list[str] = []

    # -- lookups -------------------------------------------------------------
    def _link(self, name: str) -> Any | None:
        try:
            links = self._ipr.get_links(ifname=name)
        except NetlinkError as e:
            if e.code in (errno.ENODEV, errno.EINVAL):
                return None
            raise NetError(f"looking up {name}: {e.args[-1]}", ifname=name, errno=e.code) from e
        return links[0] if links else None

    @staticmethod
    def _kind(msg: Any) -> str | None:
        info = msg.get_attr("IFLA_LINKINFO")
        return info.get_attr("IFLA_INFO_KIND") if info is not None else None

    def base_link_local(self, base: str) -> IPv6Address:
        """The base's link-local address, or the EUI-64 one of its MAC."""
        msg = self._link(base)
        if msg is None:
            raise NetError(f"no interface {base!r}", ifname=base, errno=errno.ENODEV)
        for a in self._ipr.get_addr(family=10, index=msg["index"]):
            ip = IPv6Address(a.get_attr("IFA_ADDRESS"))
            if ip.is_link_local:
                return ip
        return eui64_link_local(msg.get_attr("IFLA_ADDRESS"))

    # -- create / adopt ------------------------------------------------------
    def ensure(self, child: ChildLink) -> bool:
        """Make ``child`` exist, be up and be configured. True if created now
        (False: adopted). :class:`NetError` if the base is missing or the name
        belongs to an interface that is not such a child."""
        base = self._link(child.base)
        if base is None:
            raise NetError(f"no interface {child.base!r}", ifname=child.base, errno=errno.ENODEV)
        existing = self._link(child.name)
        created = False
        if existing is not None:
            kind = self._kind(existing)
            if kind != child.kind:
                raise NetError(
                    f"interface {child.name} exists and is not a {child.kind}: not touched",
                    ifname=child.name,
                    errno=errno.EEXIST,
                )
            if existing.get_attr("IFLA_LINK") != base["index"]:
                log.info("%s is a %s of another interface: re-created", child.name, kind)
                self._delete(existing["index"], child.name)
                existing = None
        if existing is None:
            self._create(child, base)
            created = True
            existing = self._link(child.name)
            if existing is None:
                raise NetError(f"{child.name} vanished after creation", ifname=child.name)
        elif child.kind == "macvlan":
            self._update_macvlan(child, existing)
        self._owned[child.name] = child
        index = existing["index"]
        self._configure(child, index)
        with self._netlink(f"setting {child.name} up", child.name):
            self._ipr.link("set", index=index, state="up")
        if child.link_local:
            self._add_address(child, index, IPv6Interface(f"{self.base_link_local(child.base)}/64"))
        if child.address is not None:
            self._add_address(child, index, ip_interface(child.address))
        if child.netlink_notify:
            with self._netlink(f"link group of {child.base}", child.base):
                self._ipr.link("set", index=base["index"], group=base.get_attr("IFLA_GROUP") or 0)
        return created

    def _netlink(self, what: str, name: str) -> Any:
        @contextlib.contextmanager
        def guard() -> Any:
            try:
                yield
            except NetlinkError as e:
                raise NetError(f"{what}: {e.args[-1]}", ifname=name, errno=e.code) from e

        return guard()

    def _create(self, child: ChildLink, base: Any) -> None:
        group = child.group if child.group is not None else base.get_attr("IFLA_GROUP") or 0
        kw: dict[str, Any] = {"ifname": child.name, "link": base["index"], "group": group}
        if child.kind == "macvlan":
            kw.update(kind="macvlan", macvlan_mode="private", address=child.mac)
        else:
            kw.update(
                kind="ipvlan",
                ipvlan_mode=_IPVLAN_MODE_L2,
                ipvlan_flags=_IPVLAN_FLAGS.get(child.ipvlan_mode, 0),
            )
        with self._netlink(f"creating {child.kind} {child.name} on {child.base}", child.name):
            self._ipr.link("add", **kw)
        log.info("created %s %s on %s", child.kind, child.name, child.base)

    def _update_macvlan(self, child: ChildLink, msg: Any) -> None:
        info = msg.get_attr("IFLA_LINKINFO")
        data = info.get_attr("IFLA_INFO_DATA") if info is not None else None
        mode = data.get_attr("IFLA_MACVLAN_MODE") if data is not None else None
        mac = msg.get_attr("IFLA_ADDRESS")
        if mode == "private" and (child.mac is None or mac == child.mac):
            return
        log.info("%s: wrong MAC or mode, updated", child.name)
        with self._netlink(f"updating {child.name}", child.name):
            self._ipr.link(
                "set",
                index=msg["index"],
                kind="macvlan",
                macvlan_mode="private",
                address=child.mac,
            )

    def _configure(self, child: ChildLink, index: int) -> None:
        s = self.sysctls
        c = child.name
        # The child is deleted on release: its own values need no record.
        if child.ipv6 or child.family == 6:
            s.set(f"ipv6/conf/{c}/disable_ipv6", 0, record=False)
            with self._netlink(f"addr_gen_mode of {c}", c):
                self._ipr.link(
                    "set",
                    index=index,
                    IFLA_AF_SPEC={
                        "attrs": [
                            [
                                "AF_INET6",
                                {"attrs": [["IFLA_INET6_ADDR_GEN_MODE", IN6_ADDR_GEN_MODE_NONE]]},
                            ]
                        ]
                    },
                )
        else:
            s.set(f"ipv6/conf/{c}/disable_ipv6", 1, record=False)
        s.set(f"ipv4/conf/{c}/arp_ignore", 1, record=False)
        if child.family == 6:
            return
        s.set(f"ipv4/conf/{c}/accept_local", 1, record=False)
        s.set(f"ipv4/conf/{c}/rp_filter", 0, record=False)
        s.set(f"ipv4/conf/{c}/promote_secondaries", 1, record=False)
        if child.kind == "macvlan":
            self._clear_rp_filter()
        changed = self._base_sysctls.setdefault(child.base, [])
        for key in ("arp_ignore", "arp_filter"):
            rel = f"ipv4/conf/{child.base}/{key}"
            if rel not in s.changed and s.set(rel, 1) and rel in s.changed:
                changed.append(rel)

    def _clear_rp_filter(self) -> None:
        """all.rp_filter > 0 would override the child's 0: raise default and
        every interface to it first, then set all to 0 (keepalived's way)."""
        s = self.sysctls
        if self._rp_filter or "ipv4/conf/all/rp_filter" in s.changed:
            return
        raw = s.read("ipv4/conf/all/rp_filter")
        if raw is None or not raw.isdigit() or int(raw) == 0:
            return
        level = int(raw)
        paths = ["ipv4/conf/default/rp_filter"]
        paths += [
            f"ipv4/conf/{d.name}/rp_filter"
            for d in sorted((s.root / "ipv4/conf").iterdir())
            if d.name not in ("all", "default")
        ]
        for rel in paths:
            cur = s.read(rel)
            if cur is not None and cur.isdigit() and int(cur) < level:
                s.set(rel, level)
                self._rp_filter.append(rel)
        log.info("net.ipv4.conf.all.rp_filter %d -> 0 (a VMAC needs rp_filter 0)", level)
        s.set("ipv4/conf/all/rp_filter", 0)
        self._rp_filter.append("ipv4/conf/all/rp_filter")

    def _add_address(
        self, child: ChildLink, index: int, addr: IPv4Interface | IPv6Interface
    ) -> None:
        kw: dict[str, Any] = {
            "index": index,
            "address": str(addr.ip),
            "prefixlen": addr.network.prefixlen,
        }
        if addr.version == 6:
            kw["flags"] = IFA_F_NODAD
        try:
            self._ipr.addr("add", **kw)
        except NetlinkError as e:
            if e.code != errno.EEXIST:
                raise NetError(
                    f"cannot add {addr} to {child.name}: {e.args[-1]}",
                    ifname=child.name,
                    address=addr,
                    errno=e.code,
                ) from e

    # -- delete --------------------------------------------------------------
    def _delete(self, index: int, name: str) -> None:
        try:
            self._ipr.link("del", index=index)
        except NetlinkError as e:
            if e.code != errno.ENODEV:
                raise NetError(f"deleting {name}: {e.args[-1]}", ifname=name, errno=e.code) from e

    def remove(self, name: str) -> bool:
        """Delete the child ``name`` if it is ours (True if it went); the
        base's sysctls go back once it has no child of ours left."""
        child = self._owned.pop(name, None)
        if child is None:
            return False
        self.delete_leftover(child)
        if not any(c.base == child.base for c in self._owned.values()):
            self.sysctls.restore(self._base_sysctls.pop(child.base, []))
        if not any(c.kind == "macvlan" and c.family == 4 for c in self._owned.values()):
            self.sysctls.restore(self._rp_filter)
            self._rp_filter = []
        return True

    def delete_leftover(self, child: ChildLink) -> bool:
        """Delete ``child`` if an interface of that name and kind is there
        (a killed run's); anything else of that name is left alone."""
        msg = self._link(child.name)
        if msg is None or self._kind(msg) != child.kind:
            return False
        self._delete(msg["index"], child.name)
        log.info("deleted %s %s", child.kind, child.name)
        return True

    def owned(self) -> list[ChildLink]:
        return list(self._owned.values())

    def owns(self, name: str) -> bool:
        return name in self._owned

    def release(self) -> None:
        """Delete every child of ours and restore every sysctl changed."""
        first: NetError | None = None
        for name in list(self._owned):
            try:
                self.remove(name)
            except NetError as e:
                first = first or e
        self.sysctls.restore()
        self._rp_filter = []
        self._base_sysctls.clear()
        if first is not None:
            raise first

"""``use_vmac``, ``use_ipvlan`` and their companions in a ``vrrp_instance``:
read into a :class:`RawChild`, finished into a :class:`~pyvrrp.config.model.Vmac`
by the loader once the instance's VRID and family are known.

keepalived's grammar (vrrp_parser.c): ``use_vmac [[name] NAME] [MAC]
[netlink_notify_msg] [group GROUP]`` where a word with a ``:`` is the MAC (five
octets: the VRID is the sixth), and ``use_ipvlan [[name] NAME] [ADDRESS]
[bridge|private|vepa] [group GROUP]``. A bad word is reported and skipped;
the rest of the line still counts, as in keepalived.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyvrrp.config.lexer import Node

from .common import Ctx, short

#: 00:00:5E:00:01:XX / 00:00:5E:00:02:XX, RFC 9568 7.3
VRRP_OUI = (0x00, 0x00, 0x5E, 0x00)
IFNAMSIZ = 16
_IFNAME = re.compile(r"^[^/\s:]+$")
_GROUP_FILES = ("/etc/iproute2/group", "/usr/share/iproute2/group", "/usr/lib/iproute2/group")


@dataclass
class RawChild:
    """What the use_vmac / use_ipvlan line said."""

    kind: str  # "macvlan" or "ipvlan"
    node: Node
    name: str | None = None
    mac: tuple[int, ...] | None = None  # 5 or 6 octets
    group: int | None = None
    netlink_notify: bool = False
    address: ipaddress.IPv4Interface | ipaddress.IPv6Interface | None = None
    ipvlan_mode: str | None = None


def dev_name_valid(name: str) -> bool:
    """The kernel's rule for an interface name (dev_valid_name)."""
    return 0 < len(name) < IFNAMSIZ and name not in (".", "..") and _IFNAME.match(name) is not None


def link_group(text: str) -> int | None:
    """A link group by number or by its name in iproute2's group file."""
    if text.isdigit():
        value = int(text)
        return value if value < 2**32 else None
    if text.lower().startswith("0x"):
        try:
            return int(text, 16)
        except ValueError:
            return None
    if text == "default":
        return 0
    for path in _GROUP_FILES:
        try:
            lines = Path(path).read_text().splitlines()
        except OSError:
            continue
        for line in lines:
            words = line.split("#", 1)[0].split()
            if len(words) >= 2 and words[1] == text:
                try:
                    return int(words[0], 0)
                except ValueError:
                    continue
    return None


def _mac(text: str) -> tuple[int, ...] | None:
    """Five or six hex octets separated by ``:`` (a trailing ``:`` after five
    is allowed, as keepalived reads it), or None."""
    parts = text.split(":")
    if len(parts) == 6 and parts[5] == "":
        parts = parts[:5]
    if len(parts) not in (5, 6):
        return None
    out = []
    for p in parts:
        if not 1 <= len(p) <= 2 or any(c not in "0123456789abcdefABCDEF" for c in p):
            return None
        out.append(int(p, 16))
    return tuple(out)


def _name(ctx: Ctx, node: Node, child: RawChild, words: list[str], i: int, taken: Any) -> int:
    """Read an interface name at ``words[i]`` (after an optional ``name``)."""
    if words[i] == "name" and i + 1 < len(words):
        i += 1
    what = "VMAC" if child.kind == "macvlan" else "IPVLAN"
    text = words[i]
    if child.name is not None:
        ctx.error(node, f"{what} interface name already specified - ignoring {short(text)}")
        return i
    if not dev_name_valid(text):
        ctx.error(
            node, f"{what} interface name {short(text)} too long or invalid characters - ignoring"
        )
        return i
    other = taken(text)
    if other is not None:
        ctx.error(node, f"VRRP instance {other} is already using {text} - ignoring name")
        return i
    child.name = text
    return i


def parse_vmac(ctx: Ctx, node: Node, taken: Any) -> RawChild:
    """``use_vmac ...``; ``taken(name)`` gives the instance already using a name."""
    child = RawChild("macvlan", node)
    words = [a.text for a in node.args]
    i = 0
    while i < len(words):
        w = words[i]
        if ":" in w:
            mac = _mac(w)
            if child.mac is not None:
                ctx.error(node, "VMAC interface address already specified")
            elif mac is None:
                ctx.error(node, f"VMAC invalid MAC address {short(w)} - ignored")
            elif mac[0] & 0x01:
                ctx.error(node, f"VMAC MAC address is multicast {w} - ignoring")
            elif mac[:4] == VRRP_OUI and mac[4] in (1, 2):
                ctx.error(
                    node, f"VMAC MAC address not allowed to be RFC5798 address ({w}) - ignoring"
                )
            else:
                child.mac = mac
        elif w == "netlink_notify_msg":
            child.netlink_notify = True
        elif w == "group" and i + 1 < len(words):
            i += 1
            group = link_group(words[i])
            if group is None:
                ctx.error(node, f"VMAC group {short(words[i])} not found")
            else:
                child.group = group
        else:
            i = _name(ctx, node, child, words, i, taken)
        i += 1
    return child


def parse_ipvlan(ctx: Ctx, node: Node, taken: Any) -> RawChild:
    """``use_ipvlan ...``."""
    child = RawChild("ipvlan", node)
    words = [a.text for a in node.args]
    i = 0
    while i < len(words):
        w = words[i]
        if w in ("bridge", "private", "vepa"):
            if child.ipvlan_mode is not None:
                ctx.error(node, f"ipvlan type already specified - ignoring {w!r}")
            else:
                child.ipvlan_mode = w
        elif w == "group" and i + 1 < len(words):
            i += 1
            group = link_group(words[i])
            if group is None:
                ctx.error(node, f"ipvlan group {short(words[i])} not found")
            else:
                child.group = group
        elif w != "name" and _address(w) is not None:
            if child.address is not None:
                ctx.error(node, f"ipvlan address already specified - ignoring {w!r}")
            else:
                child.address = _address(w)
        else:
            i = _name(ctx, node, child, words, i, taken)
        i += 1
    return child


def _address(text: str) -> ipaddress.IPv4Interface | ipaddress.IPv6Interface | None:
    try:
        return ipaddress.ip_interface(text)
    except ValueError:
        return None


def default_mac(family: int, vrid: int) -> str:
    """RFC 9568 7.3: 00-00-5E-00-01-{VRID} for IPv4, 00-00-5E-00-02-{VRID} for IPv6."""
    return format_mac((*VRRP_OUI, 1 if family == 4 else 2, vrid))


def format_mac(octets: tuple[int, ...]) -> str:
    return ":".join(f"{b:02x}" for b in octets)


def default_name(prefix: str, vrid: int, family: int, used: set[str]) -> str:
    """keepalived's name for a VMAC nobody named (create_vmac_name):
    ``PREFIX.VRID``, then ``PREFIX1.VRID``, ``PREFIX2.VRID``, ... (IPv6 tries
    ``PREFIX6.VRID`` second), the prefix cut to fit IFNAMSIZ."""
    num = 0
    while True:
        tail = f"{num if num else ''}.{vrid}"
        name = prefix[: IFNAMSIZ - 1 - len(tail)] + tail
        if name not in used:
            return name
        if family == 6:
            num = 6 if num == 0 else 1 if num == 6 else num + 1 + (num + 1 == 6)
        else:
            num += 1


def finish(
    ctx: Ctx,
    raw: Any,
    *,
    vrid: int,
    family: int,
    strict: bool,
    prefix: str,
    used: dict[str, str],
) -> Any:
    """The instance's :class:`~pyvrrp.config.model.Vmac` (or None), with
    keepalived's checks: vmac_xmit_base only with a VMAC and not in strict
    mode, an IPv4 ipvlan needs its address, one child name per instance.
    ``used`` maps child names to the instances that took them; ``raw`` is the
    instance's RawInstance."""
    from pyvrrp.config.model import Vmac

    child: RawChild | None = raw.child
    xmit_node = raw.nodes.get("vmac_xmit_base")
    xmit_base = bool(raw.values.get("vmac_xmit_base"))
    if xmit_base and (child is None or child.kind != "macvlan"):
        ctx.warning(xmit_node, f"({raw.name}) vmac_xmit_base is only valid with a vmac")
        xmit_base = False
    if child is None:
        return None
    if xmit_base and strict:
        ctx.warning(
            xmit_node, f"({raw.name}) xmit_base is incompatible with strict mode - resetting"
        )
        xmit_base = False
    name = child.name
    if name is not None and name in used:
        ctx.error(
            child.node,
            f"({raw.name}) VRRP instance {used[name]} is already using {name} - ignoring name",
        )
        name = None
    if name is None:
        name = default_name(prefix, vrid, family, set(used))
    used[name] = raw.name
    if child.kind == "macvlan":
        octets = child.mac
        if octets is None:
            mac = default_mac(family, vrid)
        else:
            mac = format_mac(octets if len(octets) == 6 else (*octets, vrid))
        return Vmac(
            name=name,
            kind="macvlan",
            mac=mac,
            xmit_base=xmit_base,
            group=child.group,
            netlink_notify=child.netlink_notify,
        )
    address = child.address
    if address is not None and address.version != family:
        ctx.error(
            child.node,
            f"({raw.name}) ipvlan address [{address}] MUST match vrrp instance family "
            "!!! Skipping...",
        )
        return None
    if family == 4 and address is None:
        ctx.error(
            child.node,
            f"({raw.name}) IPv4 ipvlan requires a source ip address to be configured",
        )
        return None
    return Vmac(
        name=name,
        kind="ipvlan",
        xmit_base=False,
        group=child.group,
        address=address,
        ipvlan_mode=child.ipvlan_mode or "bridge",  # type: ignore[arg-type]
    )

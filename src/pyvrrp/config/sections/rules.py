"""A ``static_rules`` / ``virtual_rules`` line: a policy routing rule, read as
keepalived reads it (vrrp_iprule.c): ``from``/``to`` prefixes (or ``all``),
``not``, ``table``/``lookup`` (a number or ``main``/``local``/``default``),
``preference``/``priority``/``order``, ``fwmark VALUE[/MASK]``,
``iif``/``dev``, ``oif``, ``tos``, an action (``table``, ``blackhole``,
``unreachable``, ``prohibit``, ``nop``) and ``no_track``; ``inet``/``inet6``.
A rule without a preference gets one counting down from 16384, with
keepalived's warning. A rule keepalived would report and skip is skipped with
a warning (the rest of the file is used, as keepalived does), and so is one
with an option keepalived knows and pyvrrp does not (realms, suppressors,
uidrange, ports, goto, l3mdev, ...)."""

from __future__ import annotations

import ipaddress
from typing import Any

from pyvrrp.config.lexer import Node
from pyvrrp.config.model import VirtualRule

from .common import Ctx, short

_TABLES = {"main": 254, "local": 255, "default": 253}
_ACTIONS = {"blackhole", "unreachable", "prohibit", "nop"}
_NOT_SUPPORTED = {
    "realms",
    "suppress_prefixlength",
    "sup_pl",
    "suppress_ifgroup",
    "sup_group",
    "tunnel-id",
    "uidrange",
    "l3mdev",
    "protocol",
    "ipproto",
    "sport",
    "dport",
    "goto",
    "track_group",
}
RULE_START_PRIORITY = 16384
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class Preferences:
    """keepalived's countdown of preferences for rules that give none."""

    def __init__(self) -> None:
        self.next = {4: RULE_START_PRIORITY, 6: RULE_START_PRIORITY}

    def take(self, family: int) -> int:
        value = self.next[family]
        self.next[family] -= 1
        return value


def preferences(ctx: Ctx) -> Preferences:
    """The load's countdown (static and virtual rules share it, as keepalived)."""
    if ctx.rule_preferences is None:
        ctx.rule_preferences = Preferences()
    prefs: Preferences = ctx.rule_preferences
    return prefs


def _prefix(ctx: Ctx, node: Node, text: str, what: str) -> IPNetwork | None:
    if text == "all":
        return None
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise ctx.skip(node, f"Invalid rule {what} address {short(text)}") from None


def _number(ctx: Ctx, node: Node, text: str, what: str, hi: int = 2**32 - 1) -> int:
    try:
        value = int(text, 0)
    except ValueError:
        raise ctx.skip(node, f"Invalid rule {what} {short(text)} specified") from None
    if not 0 <= value <= hi:
        raise ctx.skip(node, f"Invalid rule {what} {short(text)} specified")
    return value


def rule(ctx: Ctx, node: Node, prefs: Preferences) -> VirtualRule:
    words = [node.keyword, *node.arg_texts]
    f: dict[str, Any] = {}
    family: int | None = None
    action: str | None = None
    i = 0

    def arg() -> str:
        if i + 1 >= len(words):
            raise ctx.skip(node, f"rule option {words[i]} needs a value")
        return words[i + 1]

    def set_family(fam: int) -> None:
        nonlocal family
        if family is not None and family != fam:
            raise ctx.skip(node, "rule specification has mixed IPv4 and IPv6")
        family = fam

    def set_action(a: str) -> None:
        nonlocal action
        if action is not None:
            raise ctx.skip(
                node, "Cannot specify more than one of table/nop/blackhole/prohibit/unreachable"
            )
        action = a

    while i < len(words):
        w = words[i]
        if w in ("inet", "inet6"):
            set_family(6 if w == "inet6" else 4)
            i += 1
            continue
        if w in ("from", "to"):
            net = _prefix(ctx, node, arg(), w)
            f["src" if w == "from" else "dst"] = net
            if net is not None:
                set_family(net.version)
        elif w in ("table", "lookup"):
            text = arg()
            table = _TABLES.get(text)
            if table is None:
                if not text.isdigit():
                    raise ctx.skip(node, f"Routing table {short(text)} not found for rule")
                table = int(text)
            if table == 0:
                raise ctx.skip(node, "Table 0 is not valid")
            set_action("table")
            f["table"] = table
        elif w in ("preference", "priority", "order"):
            f["priority"] = _number(ctx, node, arg(), "preference")
        elif w == "fwmark":
            text = arg()
            mark, _, mask = text.partition("/")
            f["fwmark"] = _number(ctx, node, mark, "fwmark")
            if mask:
                f["fwmask"] = _number(ctx, node, mask, "fwmark")
        elif w in ("iif", "dev"):
            f["iif"] = arg()
        elif w == "oif":
            f["oif"] = arg()
        elif w in ("tos", "dsfield"):
            f["tos"] = _number(ctx, node, arg(), "TOS value", 255)
        elif w == "not":
            f["invert"] = True
            i += 1
            continue
        elif w == "no_track":
            f["no_track"] = True
            i += 1
            continue
        elif w == "type":
            kind = arg()
            if kind not in _ACTIONS:
                raise ctx.skip(node, f"Invalid rule action {short(kind)}")
            set_action(kind)
        elif w in _ACTIONS:
            set_action(w)
            i += 1
            continue
        elif w in _NOT_SUPPORTED:
            raise ctx.skip(node, f"rule option {w} is not supported by pyvrrp; rule skipped")
        else:
            raise ctx.skip(node, f"Unknown rule option {short(w)}")
        i += 2
    if action is None:
        raise ctx.skip(node, "No action specified for rule - ignoring")
    fam = family or 4
    if "priority" not in f:
        f["priority"] = prefs.take(fam)
        ctx.warning(
            node,
            f"Rule has no preference specified - setting to {f['priority']}. "
            "This is probably not what you want.",
        )
    return VirtualRule(
        raw=" ".join(words), family=fam, action=action, file=node.file, line=node.line, **f
    )

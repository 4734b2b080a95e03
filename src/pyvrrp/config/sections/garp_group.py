"""``garp_group { garp_interval D; gna_interval D; interface IF | interfaces { ... } }``:
the least time between two gratuitous ARPs (or unsolicited NAs) sent on an
interface, or on any of a group of interfaces linked to one switch, whatever
instance sends them (keepalived's garp_delay.c). Interfaces in no group pace
by the global ``vrrp_garp_interval`` / ``vrrp_gna_interval``, each on its own."""

from __future__ import annotations

import re
from decimal import Decimal

from pyvrrp.config.lexer import Node
from pyvrrp.config.model import GarpGroup

from .common import Ctx, Handler, Values, dispatch, refused, short

_SECONDS = re.compile(r"\d+(\.\d{1,6})?")


def parse(
    ctx: Ctx, node: Node, taken: dict[str, int], seen: list[tuple[str, Node]]
) -> GarpGroup | None:
    """One block; ``taken`` maps interfaces already in a group to its number
    (keepalived: an interface is in one group only); every interface line is
    added to ``seen`` (the loader checks they exist, as keepalived does even
    of a group it then removes)."""
    g = Values(str(len(taken)))
    g.values["interfaces"] = []
    g.values["_taken"] = taken
    g.values["_seen"] = seen
    dispatch(ctx, node, KEYWORDS, "garp_group", g, refused=REFUSED)
    g.values.pop("_taken")
    g.values.pop("_seen")
    if "garp_interval" not in g.values and "gna_interval" not in g.values:
        # keepalived finds out at the block's end, and names its closing line
        end = Node(node.keyword, (), None, node.file, _last_line(node) + 1)
        ctx.error(end, "garp group does not have any delay set - removing")
        return None
    names = tuple(g.values.pop("interfaces"))
    for name in names:
        taken[name] = 1
    return GarpGroup(interfaces=names, file=node.file, line=node.line, **g.values)


def _last_line(node: Node) -> int:
    """The last line inside ``node``'s block (its closing brace is the next)."""
    return max([node.line, *(_last_line(c) for c in node.children or ())])


def _interval(ctx: Ctx, node: Node, g: Values) -> None:
    """Seconds to the microsecond (keepalived: an unsigned count of them)."""
    text = node.args[0].text if node.args else ""
    if len(node.args) != 1 or not _SECONDS.fullmatch(text):
        raise ctx.fail(node, f"garp_group {node.keyword} '{short(text)}' invalid")
    value = Decimal(text)
    if value * 1_000_000 > 2**32 - 1:
        raise ctx.fail(node, f"garp_group {node.keyword} '{short(text)}' invalid")
    g.values[node.keyword] = float(value)


def _add(ctx: Ctx, node: Node, g: Values, name: str) -> None:
    g.values["_seen"].append((name, node))
    taken: dict[str, int] = g.values["_taken"]
    if name in taken or name in g.values["interfaces"]:
        ctx.error(node, f"garp_group already specified for {name} - ignoring")
        return
    g.values["interfaces"].append(name)


def _interface(ctx: Ctx, node: Node, g: Values) -> None:
    _add(ctx, node, g, ctx.one_arg(node))


def _interfaces(ctx: Ctx, node: Node, g: Values) -> None:
    items = ctx.block(node)
    if not items:
        ctx.error(node, "Warning - empty garp_group interfaces block")
        return
    for item in items:
        for name in (item.keyword, *item.arg_texts):
            _add(ctx, item, g, name)


KEYWORDS: dict[str, Handler[Values]] = {
    "garp_interval": _interval,
    "gna_interval": _interval,
    "interface": _interface,
    "interfaces": _interfaces,
}

REFUSED = refused("garp_group", KEYWORDS)

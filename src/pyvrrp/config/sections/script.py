"""``vrrp_script NAME { ... }``: one handler per keyword, into :class:`ScriptConfig`."""

from __future__ import annotations

import math
from decimal import Decimal

from pyvrrp.config.lexer import Node
from pyvrrp.config.model import ScriptConfig

from .common import Ctx, Handler, Values, dispatch, refused


def parse(ctx: Ctx, node: Node) -> ScriptConfig | None:
    if not node.args:
        ctx.error(node, "vrrp_script needs a name")
        return None
    s = Values(node.args[0].text)
    dispatch(ctx, node, KEYWORDS, "vrrp_script", s, refused=REFUSED)
    if "script" not in s.values:
        ctx.warning(node, f"vrrp_script {s.name} has no script; ignored")
        return None
    return ScriptConfig(name=s.name, file=node.file, line=node.line, **s.values)


def _script(ctx: Ctx, node: Node, s: Values) -> None:
    s.values["script"] = ctx.string(node)


def _seconds(ctx: Ctx, node: Node, s: Values) -> None:
    """``interval`` / ``timeout``: (0, 86400] seconds, rounded up."""
    value = ctx.decimal(node)
    if not Decimal(0) < value <= Decimal(86400):
        raise ctx.fail(node, f"{node.keyword} {value} out of range (0, 86400] seconds")
    s.values[node.keyword] = math.ceil(value)


def _weight(ctx: Ctx, node: Node, s: Values) -> None:
    if not node.args:
        raise ctx.fail(node, "weight needs a value")
    s.values["weight"] = ctx.int_text(node, node.args[0].text, -253, 253, "weight")
    rest = node.arg_texts[1:]
    if rest == ["reverse"]:
        s.values["weight_reverse"] = True
    elif rest:
        ctx.warning(node, "weight: extra words after the value ignored")


def _rise_fall(ctx: Ctx, node: Node, s: Values) -> None:
    s.values[node.keyword] = ctx.integer(node, 1, 1000000)


def _user(ctx: Ctx, node: Node, s: Values) -> None:
    if not node.args:
        raise ctx.fail(node, "user needs a user name")
    s.values["user"] = node.args[0].text
    if len(node.args) > 1:
        s.values["group"] = node.args[1].text


def _init_fail(ctx: Ctx, node: Node, s: Values) -> None:
    s.values["init_fail"] = True


KEYWORDS: dict[str, Handler[Values]] = {
    "script": _script,
    "interval": _seconds,
    "timeout": _seconds,
    "weight": _weight,
    "rise": _rise_fall,
    "fall": _rise_fall,
    "user": _user,
    "init_fail": _init_fail,
}

REFUSED = refused("vrrp_script", KEYWORDS)

"""``vrrp_script NAME { ... }``: one handler per keyword, into :class:`ScriptConfig`."""

from __future__ import annotations

import grp
import pwd
from decimal import ROUND_CEILING, Decimal

from pyvrrp.config.lexer import Node
from pyvrrp.config.model import ScriptConfig

from .common import Ctx, Handler, Values, dispatch, refused, short


def parse(ctx: Ctx, node: Node) -> ScriptConfig | None:
    if not node.args:
        ctx.error(node, "vrrp_script needs a name")
        return None
    s = Values(node.args[0].text)
    dispatch(ctx, node, KEYWORDS, "vrrp_script", s, refused=REFUSED)
    if "script" not in s.values:
        ctx.warning(node, f"vrrp_script {s.name} has no script; ignored")
        return None
    if s.values.pop("unusable", False):
        return None
    return ScriptConfig(name=s.name, file=node.file, line=node.line, **s.values)


def _script(ctx: Ctx, node: Node, s: Values) -> None:
    s.values["script"] = ctx.string(node)


def _seconds(ctx: Ctx, node: Node, s: Values) -> None:
    """``interval`` / ``timeout``: (0, 86400] seconds, to the millisecond
    (keepalived 2.4 reads three decimals)."""
    value = ctx.decimal(node)
    if not Decimal(0) < value <= Decimal(86400):
        raise ctx.fail(node, f"{node.keyword} {value} out of range (0, 86400] seconds")
    ms = value.quantize(Decimal("0.001"), rounding=ROUND_CEILING)
    s.values[node.keyword] = int(ms) if ms == ms.to_integral_value() else float(ms)


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
    user = node.args[0].text
    group = node.args[1].text if len(node.args) > 1 else None
    # keepalived looks the user and group up when it reads the file, and a
    # script it could not run as them is dropped (its track_script entries
    # then name nothing).
    try:
        pwd.getpwnam(user)
        if group is not None:
            grp.getgrnam(group)
    except KeyError:
        s.values["unusable"] = True
        ctx.warning(
            node,
            f"vrrp_script {s.name}: no user {short(user)}"
            + (f" or group {short(group)}" if group else "")
            + " on this host; the script is ignored",
        )
        return
    s.values["user"] = user
    if group is not None:
        s.values["group"] = group


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

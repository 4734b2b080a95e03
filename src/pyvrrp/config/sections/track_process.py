"""``vrrp_track_process NAME { ... }``: one handler per keyword, into
:class:`TrackProcessConfig`."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from pyvrrp.config.lexer import Node
from pyvrrp.config.model import TrackProcessConfig

from .common import Ctx, Handler, Values, dispatch, refused, short
from .tracking import block_weight


def parse(ctx: Ctx, node: Node) -> TrackProcessConfig | None:
    if not node.args:
        ctx.error(node, "vrrp_track_process needs a name")
        return None
    t = Values(node.args[0].text)
    dispatch(ctx, node, KEYWORDS, "vrrp_track_process", t, refused=REFUSED)
    v = t.values
    if "process" not in v:
        ctx.warning(node, f"vrrp_track_process {t.name} has no process; ignored")
        return None
    qmax = v.get("quorum_max")
    if qmax is not None and qmax < v.get("quorum", 1):
        if qmax == 0:
            v["quorum"] = 0  # keepalived: quorum_max 0 means "none may run"
        else:
            ctx.error(node, f"vrrp_track_process {t.name}: quorum_max {qmax} is less than quorum")
            return None
    return TrackProcessConfig(name=t.name, file=node.file, line=node.line, **v)


def _process(ctx: Ctx, node: Node, t: Values) -> None:
    words = node.arg_texts
    if not words:
        raise ctx.fail(node, f"vrrp_track_process {t.name}: process needs a name")
    t.values["process"] = words[0]
    if len(words) > 1:
        # parameters: matched against the command line, exactly by default
        t.values["params"] = tuple(words[1:])
        t.values["full_command"] = True
        t.values.setdefault("param_match", "exact")


def _param_match(ctx: Ctx, node: Node, t: Values) -> None:
    # keepalived: a bare param_match is exact; the word "exact" is not taken.
    mode = node.arg_texts[0] if node.arg_texts else "exact"
    if node.arg_texts and mode not in ("initial", "partial"):
        raise ctx.fail(
            node,
            f"vrrp_track_process {t.name}: param_match '{short(mode)}' is not "
            "initial or partial (a bare param_match is exact)",
        )
    t.values["param_match"] = mode
    t.values["full_command"] = True


def _full_command(ctx: Ctx, node: Node, t: Values) -> None:
    t.values["full_command"] = True


def _weight(ctx: Ctx, node: Node, t: Values) -> None:
    t.values["weight"], t.values["reverse"] = block_weight(
        ctx, node, f"vrrp_track_process {t.name}"
    )


def _quorum(ctx: Ctx, node: Node, t: Values) -> None:
    t.values["quorum"] = ctx.integer(node, 1, 65535)


def _quorum_max(ctx: Ctx, node: Node, t: Values) -> None:
    t.values["quorum_max"] = ctx.integer(node, 0, 65535)


def _delay(ctx: Ctx, node: Node, t: Values) -> None:
    """``delay`` sets both ``terminate_delay`` and ``fork_delay``."""
    kw = node.keyword
    value = ctx.decimal(node)
    if not Decimal("0.000001") <= value <= Decimal(3600):
        raise ctx.fail(node, f"{kw} {value} out of range 0.000001..3600 seconds")
    cs = int((value * 100).to_integral_value(ROUND_HALF_UP))
    if kw != "fork_delay":
        t.values["terminate_delay_cs"] = cs
    if kw != "terminate_delay":
        t.values["fork_delay_cs"] = cs


KEYWORDS: dict[str, Handler[Values]] = {
    "process": _process,
    "param_match": _param_match,
    "weight": _weight,
    "quorum": _quorum,
    "quorum_max": _quorum_max,
    "delay": _delay,
    "terminate_delay": _delay,
    "fork_delay": _delay,
    "full_command": _full_command,
}

REFUSED = refused("vrrp_track_process", KEYWORDS)

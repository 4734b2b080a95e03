"""``track_file NAME { ... }`` (``vrrp_track_file``: its old name): one handler
per keyword, into :class:`TrackFileConfig`."""

from __future__ import annotations

from pyvrrp.config.lexer import Node
from pyvrrp.config.model import TrackFileConfig

from .common import Ctx, Handler, Values, dispatch, refused
from .tracking import block_weight


def parse(ctx: Ctx, node: Node) -> TrackFileConfig | None:
    """``track_file NAME { file PATH; weight W [reverse]; init_file [VALUE] [overwrite] }``."""
    if not node.args:
        ctx.error(node, f"{node.keyword} needs a name")
        return None
    t = Values(node.args[0].text)
    dispatch(ctx, node, KEYWORDS, "track_file", t, refused=REFUSED)
    if "path" not in t.values:
        ctx.warning(node, f"track_file {t.name} has no file; ignored")
        return None
    return TrackFileConfig(name=t.name, file=node.file, line=node.line, **t.values)


def _file(ctx: Ctx, node: Node, t: Values) -> None:
    t.values["path"] = ctx.string(node)


def _weight(ctx: Ctx, node: Node, t: Values) -> None:
    t.values["weight"], t.values["reverse"] = block_weight(ctx, node, f"track_file {t.name}")


def _init_file(ctx: Ctx, node: Node, t: Values) -> None:
    t.values["init_value"] = 0
    for word in node.arg_texts:
        if word == "overwrite":
            t.values["init_overwrite"] = True
        else:
            t.values["init_value"] = ctx.int_text(
                node, word, -(2**31), 2**31 - 1, f"track_file {t.name}: init_file"
            )


KEYWORDS: dict[str, Handler[Values]] = {
    "file": _file,
    "weight": _weight,
    "init_file": _init_file,
}

REFUSED = refused("track_file", KEYWORDS)

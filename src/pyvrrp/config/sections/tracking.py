"""The ``track_*`` lists of ``vrrp_instance`` and ``vrrp_sync_group``, and the
``weight W [reverse]`` line of ``track_file`` and ``vrrp_track_process``."""

from __future__ import annotations

from pyvrrp.config.lexer import Node
from pyvrrp.config.model import TrackFile, TrackInterface, TrackScript

from .common import Ctx, Fail, short


def track_interfaces(ctx: Ctx, node: Node) -> list[TrackInterface]:
    out = []
    for child in ctx.block(node):
        try:
            out.append(
                TrackInterface(
                    child.keyword,
                    *_weight_opts(ctx, child, "track_interface"),
                    child.file,
                    child.line,
                )
            )
        except Fail:
            continue
    return out


def track_scripts(ctx: Ctx, node: Node) -> list[TrackScript]:
    out = []
    for child in ctx.block(node):
        try:
            out.append(
                TrackScript(
                    child.keyword, *_weight_opts(ctx, child, "track_script"), child.file, child.line
                )
            )
        except Fail:
            continue
    return out


def track_files(ctx: Ctx, node: Node, what: str = "track_file") -> list[TrackFile]:
    """An instance's ``track_file`` (or ``track_process``) block:
    ``{ NAME [weight W [reverse|noreverse]] ... }``."""
    out = []
    for child in ctx.block(node):
        words = child.arg_texts
        try:
            weight: int | None = None
            reverse: bool | None = None
            if words:
                if words[0] != "weight" or len(words) < 2:
                    raise ctx.fail(child, f"{what} {child.keyword}: expected 'weight W [reverse]'")
                weight = ctx.int_text(child, words[1], -254, 254, f"{what} {child.keyword}: weight")
                for word in words[2:]:
                    if word not in ("reverse", "noreverse"):
                        raise ctx.fail(
                            child, f"{what} {child.keyword}: unknown option '{short(word)}'"
                        )
                    reverse = word == "reverse"
            out.append(TrackFile(child.keyword, weight, reverse, child.file, child.line))
        except Fail:
            continue
    return out


def block_weight(ctx: Ctx, node: Node, what: str) -> tuple[int, bool]:
    """``weight W [reverse]`` in a track_file or vrrp_track_process block."""
    words = node.arg_texts
    if not words:
        raise ctx.fail(node, f"{what}: weight needs a value")
    weight = ctx.int_text(node, words[0], -254, 254, f"{what}: weight")
    for word in words[1:]:
        if word != "reverse":
            raise ctx.fail(node, f"{what}: unknown weight option '{short(word)}'")
    return weight, len(words) > 1


def _weight_opts(ctx: Ctx, node: Node, what: str) -> tuple[int | None, bool]:
    words = node.arg_texts
    weight: int | None = None
    reverse = False
    i = 0
    while i < len(words):
        if words[i] == "weight":
            if i + 1 >= len(words):
                raise ctx.fail(node, f"{what} {node.keyword}: weight needs a value")
            weight = ctx.int_text(node, words[i + 1], -253, 253, f"{what} {node.keyword}: weight")
            i += 2
        elif words[i] == "reverse":
            reverse = True
            i += 1
        elif words[i] == "noreverse":
            i += 1
        else:
            raise ctx.fail(node, f"{what} {node.keyword}: unknown option '{short(words[i])}'")
    return weight, reverse

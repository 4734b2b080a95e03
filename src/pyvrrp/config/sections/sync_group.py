"""``vrrp_sync_group NAME { ... }``: one handler per keyword, into
:class:`SyncGroupConfig` (members are checked against the instances later)."""

from __future__ import annotations

from dataclasses import dataclass, field

from pyvrrp.config.lexer import Node
from pyvrrp.config.model import SyncGroupConfig

from .common import Ctx, Handler, Values, dispatch, refused
from .tracking import track_interfaces, track_scripts


@dataclass
class Group(Values):
    members: list[str] = field(default_factory=list)


def parse(ctx: Ctx, node: Node) -> SyncGroupConfig | None:
    if not node.args:
        ctx.error(node, "vrrp_sync_group needs a name")
        return None
    s = Group(node.args[0].text)
    dispatch(ctx, node, KEYWORDS, "vrrp_sync_group", s, refused=REFUSED)
    return SyncGroupConfig(
        name=s.name, members=tuple(s.members), file=node.file, line=node.line, **s.values
    )


def _group(ctx: Ctx, node: Node, s: Group) -> None:
    for m in ctx.block(node):
        for word in [m.keyword, *m.arg_texts]:
            if word in s.members:
                ctx.warning(m, f"vrrp_sync_group {s.name}: {word} listed twice")
            else:
                s.members.append(word)


def _notify(ctx: Ctx, node: Node, s: Group) -> None:
    s.values[node.keyword] = ctx.string(node)


def _track_interface(ctx: Ctx, node: Node, s: Group) -> None:
    s.values["track_interfaces"] = tuple(track_interfaces(ctx, node))


def _track_script(ctx: Ctx, node: Node, s: Group) -> None:
    s.values["track_scripts"] = tuple(track_scripts(ctx, node))


def _smtp_alert(ctx: Ctx, node: Node, s: Group) -> None:
    s.values["smtp_alert"] = ctx.flag(node)


KEYWORDS: dict[str, Handler[Group]] = {
    "group": _group,
    "notify_master": _notify,
    "notify_backup": _notify,
    "notify_fault": _notify,
    "notify_stop": _notify,
    "notify": _notify,
    "track_interface": _track_interface,
    "track_script": _track_script,
    "smtp_alert": _smtp_alert,
}

REFUSED = refused("vrrp_sync_group", KEYWORDS)

"""``vrrp_sync_group NAME { ... }``: one handler per keyword, into
:class:`SyncGroupConfig` (members are checked against the instances later)."""

from __future__ import annotations

from dataclasses import dataclass, field

from pyvrrp.config.lexer import Node
from pyvrrp.config.model import SyncGroupConfig

from .common import Ctx, Handler, Values, dispatch, refused
from .tracking import track_files, track_interfaces, track_scripts


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


def _track_file(ctx: Ctx, node: Node, s: Group) -> None:
    s.values["track_files"] = tuple(track_files(ctx, node))


def _track_process(ctx: Ctx, node: Node, s: Group) -> None:
    s.values["track_processes"] = tuple(track_files(ctx, node, "track_process"))


def _smtp_alert(ctx: Ctx, node: Node, s: Group) -> None:
    s.values["smtp_alert"] = ctx.flag(node)


def _tracking_weight(ctx: Ctx, node: Node, s: Group) -> None:
    if node.keyword == "global_tracking":
        # keepalived reports it (an error that it carries on from) and sets
        # sync_group_tracking_weight.
        ctx.warning(
            node,
            f"({s.name}) global_tracking is deprecated; use track_interface/script/file "
            "on the sync group (sync_group_tracking_weight set)",
        )
    s.values["tracking_weight"] = True


def _notify_priority_changes(ctx: Ctx, node: Node, s: Group) -> None:
    s.values["notify_priority_changes"] = ctx.flag(node)


KEYWORDS: dict[str, Handler[Group]] = {
    "group": _group,
    "notify_master": _notify,
    "notify_backup": _notify,
    "notify_fault": _notify,
    "notify_stop": _notify,
    "notify": _notify,
    "track_interface": _track_interface,
    "track_script": _track_script,
    "track_file": _track_file,
    "track_process": _track_process,
    "smtp_alert": _smtp_alert,
    "sync_group_tracking_weight": _tracking_weight,
    "global_tracking": _tracking_weight,
    "notify_priority_changes": _notify_priority_changes,
}

REFUSED = refused("vrrp_sync_group", KEYWORDS)

"""A sync group's tracking, applied to its members, as keepalived 2.4 does it
(vrrp.c: vrrp_complete_instance and sync_group_tracking_init).

* A member's own weighted tracking would let one member's priority move apart
  from the others', which a sync group must not do. Unless the group sets
  ``sync_group_tracking_weight``: a weighted ``track_interface`` becomes weight
  0 (down = FAULT); a weighted ``track_script`` is dropped; a ``track_file``
  whose weight is 1 (the default) becomes weight 0, another weight is dropped.
  ``track_process`` entries are kept as they are (keepalived 2.4 does not
  touch them). Each change is a warning, as keepalived reports it.
* The group's own ``track_interface`` / ``track_script`` / ``track_file`` /
  ``track_process`` entries are added to every member, with their weights (the
  whole group moves together). When a member is the address owner (priority
  255), a weighted group entry is given weight 0 instead.
* The group's ``notify_priority_changes`` is the default of members that do
  not set their own.

Entries naming no vrrp_script / track_file / vrrp_track_process are dropped
with a warning, as on an instance.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from .model import (
    InstanceConfig,
    ScriptConfig,
    SyncGroupConfig,
    TrackFileConfig,
    TrackProcessConfig,
)

Warn = Callable[[Any, str], None]

OWNER = 255


def _own_tracking(
    inst: InstanceConfig,
    scripts: Mapping[str, ScriptConfig],
    track_files: Mapping[str, TrackFileConfig],
    warn: Warn,
) -> InstanceConfig:
    """A member's own weighted tracking, without sync_group_tracking_weight."""
    why = "due to SYNC group"
    ifaces = []
    for t in inst.track_interfaces:
        if t.weight:
            warn(t, f"({inst.name}) ignoring weight of tracked interface {t.name} {why}")
            t = replace(t, weight=0)
        ifaces.append(t)
    tscripts = []
    for ts in inst.track_scripts:
        sc = scripts.get(ts.name)
        weight = ts.weight if ts.weight is not None else (sc.weight if sc is not None else 0)
        if weight:
            warn(ts, f"({inst.name}) ignoring tracked script {ts.name} with weights {why}")
            continue
        tscripts.append(ts)
    tfiles = []
    for tf in inst.track_files:
        fc = track_files.get(tf.name)
        weight = tf.weight if tf.weight is not None else (fc.weight if fc is not None else 0)
        if weight == 1:
            warn(
                tf,
                f"({inst.name}) ignoring weight from tracked file {tf.name} {why}; "
                "specify weight 0",
            )
            tf = replace(tf, weight=0)
        elif weight:
            warn(tf, f"({inst.name}) ignoring tracked file {tf.name} with weight {weight} {why}")
            continue
        tfiles.append(tf)
    return replace(
        inst,
        track_interfaces=tuple(ifaces),
        track_scripts=tuple(tscripts),
        track_files=tuple(tfiles),
    )


def _group_entries(
    group: SyncGroupConfig,
    owner: bool,
    scripts: Mapping[str, ScriptConfig],
    track_files: Mapping[str, TrackFileConfig],
    track_processes: Mapping[str, TrackProcessConfig],
    warn: Warn,
) -> SyncGroupConfig:
    """The group's entries that name something, weights cleared for an owner."""
    g = group.name

    def known(entries: tuple[Any, ...], table: Mapping[str, Any], what: str, block: str) -> list:
        out: list[Any] = []
        for e in entries:
            if e.name not in table:
                warn(e, f"vrrp_sync_group {g}: {what} {e.name}: no {block} {e.name}; ignored")
            elif any(o.name == e.name for o in out):
                warn(e, f"vrrp_sync_group {g}: {what} {e.name} listed twice; ignored")
            else:
                out.append(e)
        return out

    def unweighted(entries: list, what: str, own: Callable[[Any], int]) -> tuple[Any, ...]:
        if not owner:
            return tuple(entries)
        out: list[Any] = []
        for e in entries:
            weight = e.weight if e.weight is not None else own(e)
            if weight:
                warn(
                    e,
                    f"({g}) cannot have weighted {what} {e.name} with a member having "
                    f"priority {OWNER}; setting weight 0",
                )
                e = replace(e, weight=0)
            out.append(e)
        return tuple(out)

    tscripts = known(group.track_scripts, scripts, "track_script", "vrrp_script")
    tfiles = known(group.track_files, track_files, "track_file", "track_file")
    tprocs = known(group.track_processes, track_processes, "track_process", "vrrp_track_process")
    return replace(
        group,
        track_interfaces=unweighted(list(group.track_interfaces), "track_interface", lambda e: 0),
        track_scripts=unweighted(tscripts, "track_script", lambda e: scripts[e.name].weight),
        track_files=unweighted(tfiles, "track_file", lambda e: track_files[e.name].weight),
        track_processes=unweighted(
            tprocs, "track_process", lambda e: track_processes[e.name].weight
        ),
    )


def _add(own: tuple[Any, ...], extra: tuple[Any, ...]) -> tuple[Any, ...]:
    """The member's entries, then the group's it does not already have."""
    names = {e.name for e in own}
    return own + tuple(e for e in extra if e.name not in names)


def apply_sync_group_tracking(
    instances: list[InstanceConfig],
    groups: list[SyncGroupConfig],
    scripts: Mapping[str, ScriptConfig],
    track_files: Mapping[str, TrackFileConfig],
    track_processes: Mapping[str, TrackProcessConfig],
    warn: Warn,
) -> tuple[list[InstanceConfig], list[SyncGroupConfig]]:
    """The instances with their groups' tracking applied, and the groups with
    their unusable entries dropped."""
    by_name = {inst.name: inst for inst in instances}
    out_groups = []
    for group in groups:
        members = [by_name[m] for m in group.members if m in by_name]
        owner = any(m.priority == OWNER for m in members)
        group = _group_entries(group, owner, scripts, track_files, track_processes, warn)
        out_groups.append(group)
        for inst in members:
            if not group.tracking_weight:
                inst = _own_tracking(inst, scripts, track_files, warn)
            npc = inst.notify_priority_changes
            if npc is None:
                npc = group.notify_priority_changes
            by_name[inst.name] = replace(
                inst,
                track_interfaces=_add(inst.track_interfaces, group.track_interfaces),
                track_scripts=_add(inst.track_scripts, group.track_scripts),
                track_files=_add(inst.track_files, group.track_files),
                track_processes=_add(inst.track_processes, group.track_processes),
                notify_priority_changes=npc,
            )
    return [by_name[inst.name] for inst in instances], out_groups

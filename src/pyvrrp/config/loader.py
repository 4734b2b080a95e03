"""From a keepalived.conf tree to typed settings, with keepalived's fallbacks.

Each section is read by its own module in :mod:`pyvrrp.config.sections` (one
keyword table each); this module reads the top level through its own table
(:data:`SECTIONS`), then finishes the instances against the global settings,
scripts and tracking blocks, and checks what spans sections.

:func:`load` never raises for bad content: every problem is a
:class:`~pyvrrp.config.model.Diagnostic`. Errors mean the configuration must
not be used (``LoadResult.ok`` is false); warnings say what pyvrrp ignored or
changed, the way keepalived does.

No diagnostic ever quotes a key or a password: messages about ``auth_hmac``
and ``authentication`` name keywords and key ids only.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar, cast

from pyvrrp.auth.lifecycle import FAR_FUTURE, FAR_PAST
from pyvrrp.config import keywords
from pyvrrp.config import mtu as mtu_mod
from pyvrrp.config.keepalived_keywords import KEEPALIVED_KEYWORDS
from pyvrrp.config.lexer import Diagnostics, Node, Reader, build_tree
from pyvrrp.config.model import (
    AuthHmacConfig,
    Config,
    GarpGroup,
    GlobalDefs,
    InstanceConfig,
    IPAddress,
    LoadResult,
    ScriptConfig,
    SyncGroupConfig,
    TrackFile,
    TrackFileConfig,
    TrackProcess,
    TrackProcessConfig,
    UnicastPeer,
    VirtualAddress,
    VirtualRoute,
    VirtualRule,
)
from pyvrrp.config.sections import (
    addresses,
    garp_group,
    global_defs,
    instance,
    owner_of,
    rules,
    script,
    sync_group,
    track_file,
    track_process,
)
from pyvrrp.config.sections import vmac as vmac_section
from pyvrrp.config.sections.auth import RawHmac
from pyvrrp.config.sections.common import Ctx, Fail, Handler, at, short
from pyvrrp.config.sections.instance import RawInstance
from pyvrrp.config.synctrack import apply_sync_group_tracking

MtuSource = Mapping[str, int] | Callable[[str], int | None]

# Sections of keepalived's other daemons, and top-level keywords pyvrrp does not
# implement: with keepalived's own top-level keywords, they make REFUSED_SECTIONS.
UNIMPLEMENTED_SECTIONS = frozenset(
    {
        "virtual_server",
        "virtual_server_group",
        "real_server",
        "HTTP_GET",
        "SSL_GET",
        "TCP_CHECK",
        "SMTP_CHECK",
        "DNS_CHECK",
        "MISC_CHECK",
        "BFD_CHECK",
        "UDP_CHECK",
        "PING_CHECK",
        "FILE_CHECK",
        "bfd_instance",
        "SSL",
        "net_namespace",
        "net_namespace_ipvs",
        "namespace_with_ipsets",
        "instance",
        "use_pid_dir",
    }
)

__all__ = [
    "REFUSED_SECTIONS",
    "SECTIONS",
    "UNIMPLEMENTED_SECTIONS",
    "MtuSource",
    "default_time_window",
    "load",
    "loads",
]


# --------------------------------------------------------------------------- finishing


def _advert_cs(ctx: Ctx, raw: RawInstance, version: int) -> int:
    value: Decimal | None = raw.values.get("advert_int")
    node = raw.nodes.get("advert_int")
    if value is None or node is None:
        return 100
    # A later bare ``advert_int`` (an error already reported) leaves the node
    # without arguments while the earlier value stands.
    text = node.args[0].text if node.args else str(value)
    if version == 3:
        cs = value * 100
        if cs != cs.to_integral_value():
            ctx.error(node, f"advert_int {text} is not a whole number of centiseconds")
            return 100
        if not 1 <= cs <= 4095:
            ctx.error(node, f"advert_int {text} out of range 0.01..40.95 seconds for VRRPv3")
            return 100
        return int(cs)
    if not Decimal(1) <= value <= Decimal(255):
        ctx.error(node, f"advert_int {text} out of range 1..255 seconds for VRRPv2")
        return 100
    whole = int(value.to_integral_value(ROUND_HALF_UP))
    if whole != value:
        ctx.warning(
            node, f"advert_int {text} is not a whole number of seconds (VRRPv2); using {whole}"
        )
    return whole * 100


def _finish_instance(
    ctx: Ctx,
    raw: RawInstance,
    g: GlobalDefs,
    scripts: Mapping[str, ScriptConfig],
    track_files: Mapping[str, TrackFileConfig],
    track_processes: Mapping[str, TrackProcessConfig],
) -> InstanceConfig | None:
    v = raw.values
    node = raw.node
    name = raw.name
    ok = True
    if "vrid" not in v:
        if "virtual_router_id" not in raw.nodes:
            ctx.error(node, f"vrrp_instance {name} has no virtual_router_id")
        ok = False
    if "interface" not in v and not raw.peers:
        what = "interface" if "vrf" not in v else "interface (vrf needs unicast peers)"
        ctx.error(node, f"vrrp_instance {name} has no {what}")
        ok = False

    # family: from the first virtual address; one instance is one family
    vips: list[VirtualAddress] = []
    family: int | None = None
    first: VirtualAddress | None = None
    for vip in raw.vips:
        if first is None:
            first, family = vip, vip.family
            vips.append(vip)
        elif vip.family != family:
            ctx.error(
                at(vip),
                f"virtual address {vip.address} is IPv{vip.family} but vrrp_instance {name} is "
                f"IPv{family} (from line {first.line}); one instance is one family: move it to "
                "virtual_ipaddress_excluded or to another instance",
            )
        else:
            vips.append(vip)
    no_vips = not vips
    if v.get("native_ipv6"):
        if family == 4:
            ctx.error(
                raw.nodes["native_ipv6"], f"({name}) Cannot specify native_ipv6 with IPv4 addresses"
            )
        family = 6
    src: IPAddress | None = v.get("unicast_src_ip")
    if family is None:
        if src is not None:
            family = src.version
        elif raw.peers:
            family = raw.peers[0].address.version
        else:
            family = 4
    seen: dict[Any, VirtualAddress] = {}
    unique: list[VirtualAddress] = []
    for vip in vips:
        if vip.address.ip in seen:
            ctx.warning(
                at(vip),
                f"virtual address {vip.address.ip} listed twice (first at line "
                f"{seen[vip.address.ip].line}); duplicate ignored",
            )
            continue
        seen[vip.address.ip] = vip
        unique.append(vip)
    vips = unique

    if src is not None and src.version != family:
        where = raw.nodes.get("unicast_src_ip") or raw.nodes.get("mcast_src_ip") or node
        word = where.keyword if where is not node else "unicast_src_ip"
        ctx.error(
            where,
            f"{word} {src} is IPv{src.version} but vrrp_instance {name} is IPv{family}",
        )
        ok = False
    peers: list[UnicastPeer] = []
    for p in raw.peers:
        if p.address.version != family:
            ctx.error(
                at(p),
                f"unicast_peer {p.address} is IPv{p.address.version} but vrrp_instance {name} "
                f"is IPv{family}",
            )
            ok = False
        else:
            peers.append(p)
    if not raw.peers:
        # keepalived complains of both and carries on (multicast, default TTL).
        if "unicast_src_ip" in raw.nodes and "unicast_src_ip" in v:
            ctx.warning(
                raw.nodes["unicast_src_ip"],
                "unicast_src_ip without unicast_peer: the instance uses multicast "
                "(mcast_src_ip says so)",
            )
        if "check_unicast_src" in raw.nodes:
            ctx.warning(
                raw.nodes["check_unicast_src"],
                "check_unicast_src without unicast_peer has no effect",
            )
        if "unicast_ttl" in raw.nodes and "unicast_ttl" in v:
            ctx.warning(raw.nodes["unicast_ttl"], "unicast_ttl without unicast_peer has no effect")
        if "old_unicast_checksum" in raw.nodes:
            # keepalived counts it a unicast keyword: deprecated without a peer
            ctx.warning(
                raw.nodes["old_unicast_checksum"],
                "old_unicast_checksum without unicast_peer: the instance uses multicast",
            )

    # version
    explicit_version = "version" in v or g.vrrp_version_explicit
    version: int = v.get("version", g.vrrp_version)
    if family == 6 and version == 2:
        if explicit_version:
            ctx.warning(
                raw.nodes.get("version") or node,
                f"vrrp_instance {name}: VRRPv2 does not support IPv6; using version 3",
            )
        version = 3
    advert_cs = _advert_cs(ctx, raw, version)

    strict = bool(v.get("strict", g.vrrp_strict))
    accept = v.get("accept", not strict)
    if strict and accept:
        ctx.warning(
            raw.nodes["accept"],
            f"vrrp_instance {name}: strict mode requires no_accept; accept ignored",
        )
        accept = False
    owner_ignore = _owner_ignore_adverts(ctx, raw, g, strict)
    if strict and peers:
        ctx.error(
            raw.nodes.get("unicast_peer") or node,
            f"vrrp_instance {name}: unicast peers are not allowed in strict mode",
        )
        ok = False

    if no_vips:
        # keepalived: none is fine with no_virtual_ipaddress (but not in strict
        # mode); else VRRPv3 and strict mode require one, VRRPv2 warns.
        allow = bool(v.get("no_virtual_ipaddress"))
        if allow and strict:
            ctx.warning(
                raw.nodes["no_virtual_ipaddress"],
                f"vrrp_instance {name}: no_virtual_ipaddress and strict mode are "
                "incompatible; no_virtual_ipaddress ignored",
            )
            allow = False
        if not allow and (version == 3 or strict):
            ctx.error(
                node, f"vrrp_instance {name}: no virtual_ipaddress; VRRPv3 and strict mode need one"
            )
            ok = False
        elif not allow:
            ctx.warning(node, f"vrrp_instance {name} has no virtual_ipaddress")

    state = v.get("initial_state")
    nopreempt = bool(v.get("nopreempt", False))
    if nopreempt and state == "MASTER":
        ctx.warning(
            raw.nodes["nopreempt"],
            f"vrrp_instance {name}: nopreempt does not work with state MASTER; starting as BACKUP",
        )
        state = "BACKUP"

    # authentication
    legacy = raw.legacy
    hmac_cfg: AuthHmacConfig | None = None
    if raw.hmac is not None:
        hmac_cfg = _finish_hmac(ctx, raw.hmac, name, advert_cs, strict)
        if raw.legacy_node is not None:
            ctx.warning(
                raw.legacy_node,
                f"vrrp_instance {name}: auth_hmac and authentication are mutually exclusive; "
                "authentication dropped",
            )
            legacy = None
    if legacy is not None and version == 3:
        ctx.warning(
            raw.legacy_node or node,
            f"vrrp_instance {name}: authentication is not supported with VRRPv3; ignored",
        )
        legacy = None
    if legacy is not None and strict:
        ctx.warning(
            raw.legacy_node or node,
            f"vrrp_instance {name}: authentication is not allowed in strict mode; ignored",
        )
        legacy = None

    # track files must name a track_file block, once (keepalived ignores others)
    tfiles: list[TrackFile] = []
    for tf in raw.track_files:
        if tf.name not in track_files:
            ctx.warning(at(tf), f"track_file {tf.name}: no track_file block {tf.name}; ignored")
        elif any(o.name == tf.name for o in tfiles):
            ctx.warning(at(tf), f"track_file {tf.name} listed twice; ignored")
        else:
            tfiles.append(tf)

    tprocs: list[TrackProcess] = []
    for tp in raw.track_processes:
        if tp.name not in track_processes:
            ctx.warning(
                at(tp), f"track_process {tp.name}: no vrrp_track_process {tp.name}; ignored"
            )
        elif any(o.name == tp.name for o in tprocs):
            ctx.warning(at(tp), f"track_process {tp.name} listed twice; ignored")
        else:
            tprocs.append(tp)

    # track scripts must name a vrrp_script
    tscripts = []
    for ts in raw.track_scripts:
        if ts.name not in scripts:
            ctx.warning(at(ts), f"track_script {ts.name}: no vrrp_script {ts.name}; ignored")
        else:
            tscripts.append(ts)

    garp_delay = v.get("garp_master_delay", g.vrrp_garp_master_delay)
    garp_repeat = v.get("garp_master_repeat", g.vrrp_garp_master_repeat)
    lp_delay = v.get(
        "garp_lower_prio_delay",
        g.vrrp_garp_lower_prio_delay if g.vrrp_garp_lower_prio_delay is not None else garp_delay,
    )
    lp_repeat = v.get(
        "garp_lower_prio_repeat",
        g.vrrp_garp_lower_prio_repeat if g.vrrp_garp_lower_prio_repeat is not None else garp_repeat,
    )
    if not ok or raw.fatal:
        return None
    mcast: IPAddress = g.vrrp_mcast_group4 if family == 4 else g.vrrp_mcast_group6
    dst = v.get("mcast_dst_ip")
    if dst is not None:
        if dst.version != family:
            ctx.error(
                raw.nodes["mcast_dst_ip"],
                f"({name}) mcast dest address {dst} MUST match VRRP instance family",
            )
        else:
            mcast = dst
    min_ttl = v.get("min_ttl")
    if min_ttl is None:
        peer_min = [p.min_ttl for p in peers if p.min_ttl is not None]
        min_ttl = min(peer_min) if peer_min else None
    return InstanceConfig(
        name=name,
        interface=v.get("interface"),
        vrid=v["vrid"],
        priority=v.get("priority", 100),
        advert_int_cs=advert_cs,
        version=version,
        family=family,
        initial_state=state,
        nopreempt=nopreempt,
        preempt_delay_cs=v.get("preempt_delay_cs", 0),
        accept=accept,
        strict=strict,
        unicast_src_ip=src,
        unicast_peers=tuple(p.address for p in peers),
        unicast_peer_options=tuple(peers),
        unicast_ttl=v.get("unicast_ttl", 255),
        min_ttl=min_ttl,
        virtual_addresses=tuple(vips),
        excluded_addresses=tuple(raw.excluded),
        virtual_routes=tuple(raw.routes),
        virtual_rules=tuple(raw.rules),
        kernel_rx_buf_size=v.get("kernel_rx_buf_size"),
        vrf=v.get("vrf"),
        linkbeat_use_polling=bool(v.get("linkbeat_use_polling")),
        promote_secondaries=bool(v.get("promote_secondaries")),
        dont_track_primary=bool(v.get("dont_track_primary")),
        unicast_fault_no_peer=bool(v.get("unicast_fault_no_peer")),
        track_interfaces=tuple(raw.track_if),
        track_scripts=tuple(tscripts),
        track_files=tuple(tfiles),
        track_processes=tuple(tprocs),
        notify_master=v.get("notify_master"),
        notify_backup=v.get("notify_backup"),
        notify_fault=v.get("notify_fault"),
        notify_stop=v.get("notify_stop"),
        notify=v.get("notify"),
        notify_master_rx_lower_pri=v.get("notify_master_rx_lower_pri"),
        notify_priority_changes=v.get("notify_priority_changes"),
        notify_deleted=v.get("notify_deleted", False),
        down_timer_adverts=v.get("down_timer_adverts", g.vrrp_down_timer_adverts),
        owner_ignore_adverts=owner_ignore,
        old_unicast_checksum=v.get("old_unicast_checksum", "auto"),
        checksum_group=g.vrrp_mcast_group4,
        smtp_alert=v.get("smtp_alert"),
        garp_master_delay=garp_delay,
        garp_master_repeat=garp_repeat,
        garp_master_refresh=v.get("garp_master_refresh", g.vrrp_garp_master_refresh),
        garp_master_refresh_repeat=v.get(
            "garp_master_refresh_repeat", g.vrrp_garp_master_refresh_repeat
        ),
        garp_lower_prio_delay=lp_delay,
        garp_lower_prio_repeat=lp_repeat,
        lower_prio_no_advert=v.get("lower_prio_no_advert", g.vrrp_lower_prio_no_advert),
        higher_prio_send_advert=v.get("higher_prio_send_advert", g.vrrp_higher_prio_send_advert),
        legacy_auth=legacy,
        auth_hmac=hmac_cfg,
        mcast_group=mcast,
        checksum_as_v2=v.get("v3_checksum_as_v2", g.v3_checksum_as_v2),
        skip_check_adv_addr=v.get("skip_check_adv_addr", g.vrrp_skip_check_adv_addr),
        file=node.file,
        line=node.line,
    )


def _owner_ignore_adverts(ctx: Ctx, raw: RawInstance, g: GlobalDefs, strict: bool) -> bool:
    """owner_ignore_adverts as keepalived settles it (vrrp.c, vrrp_complete_instance):
    only an address owner (priority 255) may ignore adverts; unset, it takes
    vrrp_owner_ignore_adverts, or true in strict mode, which requires it.

    keepalived also forces an explicit ``owner_ignore_adverts false`` of an
    owner to true outside strict mode, with an error that names strict mode
    (2.4.3 vrrp.c:3692, the test lacks ``strict_mode``): pyvrrp does that in
    strict mode only and otherwise does what the line says."""
    name, v = raw.name, raw.values
    owner = v.get("priority", 100) == 255
    ignore: bool | None = v.get("owner_ignore_adverts")
    if ignore is None:
        return owner and (strict or g.vrrp_owner_ignore_adverts)
    if ignore and not owner:
        ctx.warning(
            raw.nodes["owner_ignore_adverts"],
            f"({name}) ignoring owner_ignore_adverts since priority is not 255",
        )
        return False
    if owner and strict and not ignore:
        ctx.warning(
            raw.nodes["owner_ignore_adverts"],
            f"({name}) strict_mode with priority 255 requires owner_ignore_adverts",
        )
        return True
    return ignore


def default_time_window(advert_int_cs: int) -> int:
    """``max(3 * advert_int, 5)`` seconds, rounded up, capped at 300."""
    return min(300, max(5, math.ceil(3 * advert_int_cs / 100)))


def _finish_hmac(
    ctx: Ctx, raw: RawHmac, name: str, advert_cs: int, strict: bool
) -> AuthHmacConfig | None:
    node = raw.node
    mode = raw.mode
    if strict and mode != "enforce":
        ctx.warning(
            node,
            f"vrrp_instance {name}: strict mode requires auth_hmac mode enforce; "
            f"mode {mode} changed to enforce",
        )
        mode = "enforce"
    if not raw.keys:
        if not raw.attempted:
            ctx.error(node, f"vrrp_instance {name}: auth_hmac has no key; auth_hmac disabled")
        else:
            ctx.error(
                node, f"vrrp_instance {name}: auth_hmac has no usable key; auth_hmac disabled"
            )
        return None
    ids = {k.id for k in raw.keys}
    if raw.active_key is None:
        if mode != "receive-only":
            ctx.error(
                node,
                f"vrrp_instance {name}: auth_hmac has no active_key; auth_hmac disabled",
            )
            return None
    elif raw.active_key not in ids:
        where = raw.active_node or node
        if raw.active_key in raw.failed_ids:
            ctx.error(
                where,
                f"active_key {raw.active_key} names a key that could not be loaded; "
                "auth_hmac disabled",
            )
        else:
            ctx.error(
                where,
                f"active_key {raw.active_key} names no configured key; auth_hmac disabled",
            )
        return None
    if raw.anti_replay == "monotonic" and raw.time_window_node is not None:
        ctx.warning(raw.time_window_node, "time_window has no effect with anti_replay monotonic")
    _check_lifecycle(ctx, raw, name, mode, ids)
    window = raw.time_window if raw.time_window is not None else default_time_window(advert_cs)
    return AuthHmacConfig(
        keys=tuple(raw.keys),
        active_key=raw.active_key,
        anti_replay=cast(Any, raw.anti_replay),
        time_window=window,
        time_window_explicit=raw.time_window is not None,
        mode=cast(Any, mode),
        revoked_keys=tuple(sorted(raw.revoked)),
        on_last_key_expiry=cast(Any, raw.on_last_key_expiry),
        file=node.file,
        line=node.line,
    )


def _check_lifecycle(ctx: Ctx, raw: RawHmac, name: str, mode: str, ids: set[int]) -> None:
    """Diagnostics for pyvrrp's key lifecycle keywords (none without them)."""
    if not raw.extensions:
        return
    ctx.d.info(
        raw.node.file,
        raw.node.line,
        f"vrrp_instance {name}: auth_hmac uses pyvrrp key lifecycle keywords "
        f"({', '.join(raw.extensions)}) that keepalived does not support",
    )
    for kid, where in sorted(raw.revoked.items()):
        if kid not in ids:
            ctx.warning(where, f"revoked_keys: key {kid} is not configured")
    for k in raw.keys:
        s0, s1 = (
            (k.send_lifetime.start_ns, k.send_lifetime.end_ns)
            if k.send_lifetime
            else (FAR_PAST, FAR_FUTURE)
        )
        a0, a1 = (
            (k.accept_lifetime.start_ns, k.accept_lifetime.end_ns)
            if k.accept_lifetime
            else (FAR_PAST, FAR_FUTURE)
        )
        if s0 < a0 or s1 > a1:
            ctx.warning(
                at(k),
                f"auth_hmac key {k.id}: send_lifetime is not inside accept_lifetime; "
                "peers with this configuration reject what it signs outside it",
            )
    if mode == "receive-only":
        return
    usable = ids - set(raw.revoked)
    if not usable:
        ctx.warning(
            raw.node,
            f"vrrp_instance {name}: every auth_hmac key is revoked; this instance sends no advert",
        )
    elif raw.active_key in raw.revoked:
        ctx.d.info(
            raw.active_node.file if raw.active_node else raw.node.file,
            raw.active_node.line if raw.active_node else raw.node.line,
            f"active_key {raw.active_key} is revoked; "
            "signing with the valid key with the latest send start",
        )


# --------------------------------------------------------------------------- MTU and host


def _apply_mtu(ctx: Ctx, inst: InstanceConfig, mtus: MtuSource | None) -> InstanceConfig:
    mtu: int | None = None
    if mtus is not None and inst.interface is not None:
        mtu = mtus(inst.interface) if callable(mtus) else mtus.get(inst.interface)
    signs = inst.auth_hmac is not None
    if mtu is not None:
        fit = mtu_mod.addresses_that_fit(mtu, inst.family, inst.version, signs)
        why = f"{inst.interface} MTU {mtu} leaves room for {fit}"
    else:
        fit = mtu_mod.MAX_ADDRESSES
        why = f"an advert carries at most {fit}"
    if len(inst.virtual_addresses) <= fit:
        return inst
    keep = inst.virtual_addresses[:fit]
    moved = inst.virtual_addresses[fit:]
    first = moved[0]
    listed = ", ".join(str(a.address) for a in moved[:5]) + (", ..." if len(moved) > 5 else "")
    ctx.warning(
        at(first),
        f"vrrp_instance {inst.name}: {len(inst.virtual_addresses)} virtual addresses do not fit "
        f"in one advert ({why}"
        f"{' with the auth_hmac trailer' if signs and mtu is not None else ''}); "
        f"{len(moved)} moved to virtual_ipaddress_excluded: {listed}",
    )
    return replace(inst, virtual_addresses=keep, excluded_addresses=inst.excluded_addresses + moved)


def _finish_child(
    ctx: Ctx, raw: RawInstance, inst: InstanceConfig, g: GlobalDefs, used: dict[str, str]
) -> InstanceConfig:
    """use_vmac / use_ipvlan, vmac_xmit_base, garp_extra_if, once the
    instance's VRID and family are known (keepalived's checks)."""
    child = vmac_section.finish(
        ctx,
        raw,
        vrid=inst.vrid,
        family=inst.family,
        strict=inst.strict,
        prefix=g.vmac_prefix,
        used=used,
    )
    changes: dict[str, Any] = {"vmac": child}
    if inst.interface is None:
        # keepalived: an instance without an interface puts its addresses
        # without dev on default_interface
        for field_name in ("virtual_addresses", "excluded_addresses"):
            changes[field_name] = tuple(
                v if v.dev else replace(v, dev=g.default_interface)
                for v in getattr(inst, field_name)
            )
        inst = replace(inst, **changes)
    prefix = g.vmac_addr_prefix or g.vmac_prefix
    use_addr = bool(raw.values.get("use_vmac_addr"))
    made: dict[tuple[str, int], str] = {}
    addr_vmacs: list[tuple[str, str, int, str]] = []

    def addr_child(base: str, family: int) -> str:
        name = made.get((base, family))
        if name is None:
            name = made[(base, family)] = vmac_section.default_name(
                prefix, inst.vrid, family, set(used)
            )
            used[name] = inst.name
            # keepalived: a MAC given to use_vmac is theirs too
            given = raw.child is not None and raw.child.mac is not None and child is not None
            mac = child.mac if given and child is not None else None
            mac = mac or vmac_section.default_mac(family, inst.vrid)
            addr_vmacs.append((name, base, family, mac))
        return name

    def place(v: VirtualAddress) -> VirtualAddress:
        """keepalived's rules (vrrp.c): which VMAC an address goes on."""
        own_if = v.dev is None or v.dev == inst.interface
        same = v.family == inst.family
        has_vmac = child is not None and child.kind == "macvlan"
        if v.use_vmac and own_if and has_vmac and same:
            ctx.error(
                at(v),
                f"({inst.name}) use_vmac specified for VIP/eVIP {v.address} and vrrp instance",
            )
        elif v.use_vmac and (not own_if or not same) and use_addr:
            ctx.error(
                at(v),
                f"({inst.name}) use_vmac_addr specified and use_vmac specified for VIP/eVIP "
                f"{v.address}",
            )
        target: str | None = None
        if own_if and has_vmac and same:
            assert child is not None
            target = child.name
        elif (v.use_vmac or use_addr) and (not own_if or not same):
            target = addr_child(v.dev or inst.interface or "", v.family)
        elif v.use_vmac and own_if:
            target = addr_child(inst.interface or "", v.family)
        return replace(v, vmac=target) if target != v.vmac else v

    changes["virtual_addresses"] = tuple(place(v) for v in inst.virtual_addresses)
    changes["excluded_addresses"] = tuple(place(v) for v in inst.excluded_addresses)
    changes["addr_vmacs"] = tuple(addr_vmacs)
    if child is not None and inst.promote_secondaries:
        ctx.warning(
            raw.nodes["promote_secondaries"],
            f"({inst.name}) promote_secondaries is automatically set for vmacs - ignoring",
        )
        changes["promote_secondaries"] = False
    if child is not None and child.address is not None and inst.unicast_src_ip is None:
        # keepalived: the ipvlan's address is the adverts' source too.
        changes["unicast_src_ip"] = child.address.ip
    # keepalived: track_src_ip only for a source address from the configuration.
    changes["track_src_ip"] = bool(raw.values.get("track_src_ip")) and (
        changes.get("unicast_src_ip", inst.unicast_src_ip) is not None
    )
    delay, every = raw.values.get("garp_extra_if", (g.vrrp_garp_extra_if, g.vrrp_garp_extra_if_all))
    changes["garp_extra_if"], changes["garp_extra_if_all"] = delay, every
    return replace(inst, **changes)


def _check_interfaces(
    ctx: Ctx, raw: RawInstance, inst: InstanceConfig, interfaces: Collection[str]
) -> None:
    if inst.interface is not None and inst.interface not in interfaces:
        ctx.warning(
            raw.nodes.get("interface") or raw.node,
            f"interface {inst.interface} does not exist on this host",
        )
    for t in inst.track_interfaces:
        if t.name not in interfaces:
            ctx.warning(at(t), f"track_interface {t.name} does not exist on this host")
    for a in (*inst.virtual_addresses, *inst.excluded_addresses):
        if a.dev is not None and a.dev not in interfaces:
            ctx.warning(at(a), f"interface {a.dev} (of {a.address}) does not exist on this host")


# --------------------------------------------------------------------------- top level


@dataclass
class _Top:
    """What the top-level blocks give, before the instances are finished."""

    g: GlobalDefs = field(default_factory=GlobalDefs)
    raws: list[RawInstance] = field(default_factory=list)
    scripts: dict[str, ScriptConfig] = field(default_factory=dict)
    track_files: dict[str, TrackFileConfig] = field(default_factory=dict)
    track_processes: dict[str, TrackProcessConfig] = field(default_factory=dict)
    groups: list[SyncGroupConfig] = field(default_factory=list)
    static_addresses: list[VirtualAddress] = field(default_factory=list)
    static_routes: list[VirtualRoute] = field(default_factory=list)
    static_rules: list[VirtualRule] = field(default_factory=list)
    interface_delays: dict[str, tuple[float, float]] = field(default_factory=dict)
    delay_nodes: dict[str, Node] = field(default_factory=dict)
    garp_groups: list[GarpGroup] = field(default_factory=list)
    garp_taken: dict[str, int] = field(default_factory=dict)
    garp_seen: list[tuple[str, Node]] = field(default_factory=list)
    linkbeat: dict[str, str | None] = field(default_factory=dict)
    linkbeat_nodes: dict[str, Node] = field(default_factory=dict)
    linkbeat_use_polling: bool = False


_Named = TypeVar("_Named", ScriptConfig, TrackFileConfig, TrackProcessConfig)


def _define(
    ctx: Ctx, node: Node, defined: dict[str, _Named], item: _Named | None, what: str
) -> None:
    """A named block once per name: a second one is an error (and replaces it)."""
    if item is None:
        return
    if item.name in defined:
        ctx.error(
            node, f"{what} {item.name} defined twice (first at line {defined[item.name].line})"
        )
    defined[item.name] = item


def _global_defs(ctx: Ctx, node: Node, top: _Top) -> None:
    top.g = global_defs.parse(ctx, node, top.g)


def _vrrp_instance(ctx: Ctx, node: Node, top: _Top) -> None:
    ctx.block(node)
    raw = instance.parse(ctx, node)
    if raw is not None:
        top.raws.append(raw)


def _vrrp_script(ctx: Ctx, node: Node, top: _Top) -> None:
    ctx.block(node)
    _define(ctx, node, top.scripts, script.parse(ctx, node), "vrrp_script")


def _vrrp_track_process(ctx: Ctx, node: Node, top: _Top) -> None:
    ctx.block(node)
    _define(ctx, node, top.track_processes, track_process.parse(ctx, node), "vrrp_track_process")


def _track_file(ctx: Ctx, node: Node, top: _Top) -> None:
    ctx.block(node)
    _define(ctx, node, top.track_files, track_file.parse(ctx, node), "track_file")


def _vrrp_sync_group(ctx: Ctx, node: Node, top: _Top) -> None:
    ctx.block(node)
    group = sync_group.parse(ctx, node)
    if group is not None:
        top.groups.append(group)


def _static_ipaddress(ctx: Ctx, node: Node, top: _Top) -> None:
    """Addresses pyvrrp keeps on the host whatever the state (each needs ``dev``)."""
    for item in ctx.block(node):
        try:
            vip = addresses.vip(ctx, item)
        except Fail:
            continue
        if any(v.address == vip.address and v.dev == vip.dev for v in top.static_addresses):
            ctx.warning(item, f"static_ipaddress {vip.address} dev {vip.dev} listed twice")
            continue
        top.static_addresses.append(vip)


def _static_routes(ctx: Ctx, node: Node, top: _Top) -> None:
    """Routes pyvrrp keeps on the host whatever the state."""
    for item in ctx.block(node):
        try:
            top.static_routes.append(addresses.route(ctx, item))
        except Fail:
            continue


def _static_rules(ctx: Ctx, node: Node, top: _Top) -> None:
    """Policy routing rules pyvrrp keeps on the host whatever the state."""
    for item in ctx.block(node):
        try:
            top.static_rules.append(rules.rule(ctx, item, rules.preferences(ctx)))
        except Fail:
            continue


def _garp_group(ctx: Ctx, node: Node, top: _Top) -> None:
    group = garp_group.parse(ctx, node, top.garp_taken, top.garp_seen)
    if group is not None:
        top.garp_groups.append(group)


def _linkbeat_interfaces(ctx: Ctx, node: Node, top: _Top) -> None:
    """``linkbeat_interfaces { IF [MII|ETHTOOL|IOCTL] ... }``: links polled."""
    for item in ctx.block(node):
        words = [item.keyword, *item.arg_texts]
        kind = words[1] if len(words) > 1 and words[1] in ("MII", "ETHTOOL", "IOCTL") else None
        if len(words) > 2 or (len(words) == 2 and kind is None):
            ctx.error(item, f"extra characters {short(words[1])} in linkbeat interface")
        top.linkbeat[words[0]] = kind
        top.linkbeat_nodes[words[0]] = item


def _linkbeat_use_polling(ctx: Ctx, node: Node, top: _Top) -> None:
    top.linkbeat_use_polling = True


def _interface_up_down_delays(ctx: Ctx, node: Node, top: _Top) -> None:
    """``IFNAME DOWN_DELAY [UP_DELAY]`` per line: seconds (to the microsecond,
    at most 255) an interface must stay down (up) before its instances go to
    FAULT (come back). As keepalived 2.4's code (its man page says otherwise),
    an omitted up delay is 0. A bad value: keepalived logs it and ignores the line."""
    for item in ctx.block(node):
        words = [item.keyword, *item.arg_texts]
        if len(words) < 2:
            ctx.warning(item, f"no timeouts specified for {words[0]} up/down delays")
            continue
        if len(words) > 3:
            ctx.warning(item, f"too many parameters for {words[0]} up/down delays")
        delays = []
        for what, text in zip(("down", "up"), words[1:3], strict=False):
            ok = re.fullmatch(r"\d+(\.\d*)?|\.\d+", text) is not None
            value = Decimal(text) if ok else Decimal(-1)
            if not Decimal(0) <= value <= Decimal(255):
                ctx.warning(item, f"invalid {what} delay {short(text)} for {words[0]}; ignored")
                break
            delays.append(float(value.quantize(Decimal("0.000001"))))
        else:
            top.interface_delays[words[0]] = (delays[0], delays[1] if len(delays) > 1 else 0.0)
            top.delay_nodes[words[0]] = item


#: The top level's table: the sections pyvrrp reads.
SECTIONS: dict[str, Handler[_Top]] = {
    "global_defs": _global_defs,
    "vrrp_instance": _vrrp_instance,
    "vrrp_script": _vrrp_script,
    "vrrp_track_process": _vrrp_track_process,
    "track_file": _track_file,
    "vrrp_track_file": _track_file,
    "vrrp_sync_group": _vrrp_sync_group,
    "static_ipaddress": _static_ipaddress,
    "static_routes": _static_routes,
    "static_rules": _static_rules,
    "interface_up_down_delays": _interface_up_down_delays,
    "garp_group": _garp_group,
    "linkbeat_interfaces": _linkbeat_interfaces,
    "linkbeat_use_polling": _linkbeat_use_polling,
}

#: Every other top-level keyword keepalived takes, and its other daemons'
#: sections: skipped with one warning giving the reason.
REFUSED_SECTIONS: dict[str, str] = {
    kw: keywords.reason(kw, kw)
    for kw in sorted(
        UNIMPLEMENTED_SECTIONS
        | {k for s, k in KEEPALIVED_KEYWORDS if s == "top" and k not in SECTIONS}
    )
}


def _configure(
    ctx: Ctx,
    tree: list[Node],
    files: tuple[str, ...],
    mtus: MtuSource | None,
    interfaces: Collection[str] | None,
) -> Config:
    top = _Top()
    for node in tree:
        kw = node.keyword
        handler = SECTIONS.get(kw)
        try:
            if handler is not None:
                handler(ctx, node, top)
            elif kw in REFUSED_SECTIONS:
                what = "section" if node.children is not None else "keyword"
                why = REFUSED_SECTIONS[kw]
                ctx.warning(node, f"{what} '{kw}' is not implemented by pyvrrp ({why}); skipped")
            elif owner_of(kw) is not None:
                ctx.error(node, f"'{kw}' outside its block (it belongs in {owner_of(kw)})")
            else:
                what = "section" if node.children is not None else "keyword"
                ctx.warning(node, f"unknown {what} '{short(kw)}'; skipped")
        except Fail:
            continue

    g = top.g
    scripts, track_files, track_processes = top.scripts, top.track_files, top.track_processes
    raws = top.raws

    instances: list[InstanceConfig] = []
    by_name: dict[str, InstanceConfig] = {}
    vrids: dict[tuple[str | None, int, int], InstanceConfig] = {}
    children: dict[str, str] = {}  # VMAC / ipvlan names, to their instances
    for raw in raws:
        if raw.name in by_name:
            ctx.error(
                raw.node,
                f"vrrp_instance {raw.name} defined twice (first at line {by_name[raw.name].line})",
            )
            continue
        inst = _finish_instance(ctx, raw, g, scripts, track_files, track_processes)
        if inst is None:
            continue
        inst = _finish_child(ctx, raw, inst, g, children)
        inst = _apply_mtu(ctx, inst, mtus)
        if interfaces is not None:
            _check_interfaces(ctx, raw, inst, interfaces)
        key = (inst.interface, inst.vrid, inst.family)
        other = vrids.get(key)
        if other is not None and not inst.unicast and not other.unicast:
            ctx.error(
                raw.nodes.get("virtual_router_id") or raw.node,
                f"virtual_router_id {inst.vrid} on {inst.interface} (IPv{inst.family}) is "
                f"already used by vrrp_instance {other.name} (line {other.line})",
            )
            continue
        vrids.setdefault(key, inst)
        by_name[inst.name] = inst
        instances.append(inst)

    if interfaces is not None:
        for ifname, item in top.linkbeat_nodes.items():
            if ifname not in interfaces and not g.dynamic_interfaces:
                ctx.error(item, f"unknown interface {ifname} specified for linkbeat interface")
        for ifname, item in top.garp_seen:
            if ifname not in interfaces and not g.dynamic_interfaces:
                ctx.error(
                    item, f"WARNING - interface {ifname} specified for garp_group doesn't exist"
                )
        for ifname, item in top.delay_nodes.items():
            if ifname not in interfaces:
                ctx.error(item, f"unknown interface {ifname} specified for up/down delay")
    declared = {raw.name for raw in raws}
    groups: list[SyncGroupConfig] = []
    member_of: dict[str, str] = {}
    for grp in top.groups:
        members = []
        for m in grp.members:
            if m not in declared:
                ctx.warning(at(grp), f"vrrp_sync_group {grp.name}: no vrrp_instance {m}; ignored")
            elif m in member_of:
                ctx.warning(
                    at(grp),
                    f"vrrp_sync_group {grp.name}: {m} is already in vrrp_sync_group "
                    f"{member_of[m]}; ignored",
                )
            else:
                member_of[m] = grp.name
                members.append(m)
        groups.append(replace(grp, members=tuple(members)))
    instances, groups = apply_sync_group_tracking(
        instances,
        groups,
        scripts,
        track_files,
        track_processes,
        lambda obj, message: ctx.warning(at(obj), message),
    )

    # keepalived: a static address without dev goes on default_interface
    statics = [v if v.dev else replace(v, dev=g.default_interface) for v in top.static_addresses]
    return Config(
        global_defs=g,
        instances=tuple(instances),
        scripts=MappingProxyType(scripts),
        track_files=MappingProxyType(track_files),
        track_processes=MappingProxyType(track_processes),
        sync_groups=tuple(groups),
        static_addresses=tuple(statics),
        static_routes=tuple(top.static_routes),
        static_rules=tuple(top.static_rules),
        interface_delays=MappingProxyType(top.interface_delays),
        garp_groups=tuple(top.garp_groups),
        linkbeat_interfaces=MappingProxyType(top.linkbeat),
        linkbeat_use_polling=top.linkbeat_use_polling,
        source_files=files,
    )


def _run(
    reader_fn: Callable[[Reader], None],
    *,
    env: Mapping[str, str] | None,
    defines: Iterable[str],
    mtus: MtuSource | None,
    interfaces: Collection[str] | None,
) -> LoadResult:
    diags = Diagnostics()
    reader = Reader(diags, env=env, defines=defines)
    reader_fn(reader)
    tree = build_tree(reader.tokens, diags)
    ctx = Ctx(diags, owner_of)
    config = _configure(ctx, tree, tuple(reader.files), mtus, interfaces)
    order = {name: i for i, name in enumerate(reader.files)}
    items = sorted(diags.items, key=lambda d: (order.get(d.file, -1), d.line))
    return LoadResult(config=config, diagnostics=items)


def load(
    path: str | Path,
    *,
    env: Mapping[str, str] | None = None,
    defines: Iterable[str] = (),
    mtus: MtuSource | None = None,
    interfaces: Collection[str] | None = None,
) -> LoadResult:
    """Read a keepalived.conf and everything it includes.

    ``env`` replaces :data:`os.environ` for ``${_ENV NAME}``; ``defines`` are
    the ``-i`` names for ``@name`` lines. With ``mtus`` (interface name to MTU,
    or a function) addresses that do not fit in one advert move to the
    excluded set. With ``interfaces`` (names present on the host) a missing
    interface is a warning.
    """
    return _run(
        lambda r: r.read_path(os.fspath(path)),
        env=env,
        defines=defines,
        mtus=mtus,
        interfaces=interfaces,
    )


def loads(
    text: str,
    *,
    name: str = "<string>",
    env: Mapping[str, str] | None = None,
    defines: Iterable[str] = (),
    mtus: MtuSource | None = None,
    interfaces: Collection[str] | None = None,
) -> LoadResult:
    """Like :func:`load` for text; ``name`` is the file name in diagnostics and
    the base for relative includes and key files."""
    return _run(
        lambda r: r.read_text(text, name),
        env=env,
        defines=defines,
        mtus=mtus,
        interfaces=interfaces,
    )

"""``vrrp_instance NAME { ... }``: one handler per keyword, into a
:class:`RawInstance`; the loader finishes it once every block is read."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from pyvrrp.config.lexer import Node
from pyvrrp.config.model import (
    LegacyAuth,
    TrackFile,
    TrackInterface,
    TrackProcess,
    TrackScript,
    UnicastPeer,
    VirtualAddress,
    VirtualRoute,
    VirtualRule,
)

from . import addresses, auth, rules, tracking, vmac
from .common import Ctx, Fail, Handler, dispatch, refused, short


@dataclass
class RawInstance:
    node: Node
    name: str
    values: dict[str, Any] = field(default_factory=dict)
    nodes: dict[str, Node] = field(default_factory=dict)
    vips: list[VirtualAddress] = field(default_factory=list)
    excluded: list[VirtualAddress] = field(default_factory=list)
    routes: list[VirtualRoute] = field(default_factory=list)
    rules: list[VirtualRule] = field(default_factory=list)
    peers: list[UnicastPeer] = field(default_factory=list)
    track_if: list[TrackInterface] = field(default_factory=list)
    track_scripts: list[TrackScript] = field(default_factory=list)
    track_files: list[TrackFile] = field(default_factory=list)
    track_processes: list[TrackProcess] = field(default_factory=list)
    legacy: LegacyAuth | None = None
    legacy_node: Node | None = None
    hmac: auth.RawHmac | None = None
    #: use_vmac / use_ipvlan, as read
    child: vmac.RawChild | None = None
    fatal: bool = False


def parse(ctx: Ctx, node: Node) -> RawInstance | None:
    if not node.args:
        ctx.error(node, "vrrp_instance needs a name")
        return None
    raw = RawInstance(node, node.args[0].text)
    dispatch(ctx, node, KEYWORDS, "vrrp_instance", raw, refused=REFUSED, before=_seen)
    return raw


def _seen(ctx: Ctx, node: Node, raw: RawInstance) -> None:
    """Every line's node, by keyword; a one-line keyword given again: a warning."""
    kw = node.keyword
    if kw in raw.nodes and kw in KEYWORDS and node.children is None and kw not in ("notify",):
        ctx.warning(node, f"{kw} given twice (first at line {raw.nodes[kw].line}); last one used")
    raw.nodes[kw] = node


def _state(ctx: Ctx, node: Node, raw: RawInstance) -> None:
    state = ctx.one_arg(node)
    if state not in ("MASTER", "BACKUP"):
        # keepalived: case matters, and anything else means BACKUP
        ctx.warning(node, f"unknown state '{short(state)}' (MASTER or BACKUP); using BACKUP")
        state = "BACKUP"
    raw.values["initial_state"] = state


def _interface(ctx: Ctx, node: Node, raw: RawInstance) -> None:
    raw.values["interface"] = ctx.one_arg(node)


def _vrid(ctx: Ctx, node: Node, raw: RawInstance) -> None:
    raw.values["vrid"] = ctx.integer(node, 1, 255)


def _priority(ctx: Ctx, node: Node, raw: RawInstance) -> None:
    raw.values["priority"] = ctx.integer(node, 1, 255)


def _advert_int(ctx: Ctx, node: Node, raw: RawInstance) -> None:
    """Checked against the version once the instance is read."""
    adv = ctx.decimal(node)
    if adv <= 0:
        raise ctx.fail(node, f"advert_int {node.args[0].text} must be greater than 0")
    raw.values["advert_int"] = adv


def _version(ctx: Ctx, node: Node, raw: RawInstance) -> None:
    raw.values["version"] = ctx.integer(node, 2, 3)


def _nopreempt(ctx: Ctx, node: Node, raw: RawInstance) -> None:
    raw.values["nopreempt"] = node.keyword == "nopreempt"


def _preempt_delay(ctx: Ctx, node: Node, raw: RawInstance) -> None:
    delay = ctx.decimal(node)
    if not Decimal(0) <= delay <= Decimal(1000):
        raise ctx.fail(node, f"preempt_delay {node.args[0].text} out of range 0..1000")
    raw.values["preempt_delay_cs"] = int((delay * 100).to_integral_value(ROUND_HALF_UP))


def _accept(ctx: Ctx, node: Node, raw: RawInstance) -> None:
    raw.values["accept"] = node.keyword == "accept"


def _strict_mode(ctx: Ctx, node: Node, raw: RawInstance) -> None:
    raw.values["strict"] = ctx.flag(node)


def _src_ip(ctx: Ctx, node: Node, raw: RawInstance) -> None:
    """``unicast_src_ip`` and ``mcast_src_ip``: one setting, two names."""
    raw.values["unicast_src_ip"] = ctx.sockaddr(node, ctx.one_arg(node), node.keyword)


def _unicast_peer(ctx: Ctx, node: Node, raw: RawInstance) -> None:
    for item in ctx.block(node):
        try:
            raw.peers.append(addresses.peer(ctx, item))
        except Fail:
            continue


def _ttl(lo: int) -> Handler[RawInstance]:
    """``unicast_ttl`` (1..255) and ``min_ttl`` (0..255)."""

    def handler(ctx: Ctx, node: Node, raw: RawInstance) -> None:
        raw.values[node.keyword] = ctx.integer(node, lo, 255)

    return handler


def _virtual_ipaddress(ctx: Ctx, node: Node, raw: RawInstance) -> None:
    target = raw.vips if node.keyword == "virtual_ipaddress" else raw.excluded
    for item in ctx.block(node):
        try:
            target.append(addresses.vip(ctx, item))
        except Fail:
            continue


def _kernel_rx_buf_size(ctx: Ctx, node: Node, raw: RawInstance) -> None:
    if len(node.args) != 1 or not node.args[0].text.isdigit():
        raise ctx.fail(node, f"({raw.name}) invalid kernel_rx_buf_size specified")
    value = int(node.args[0].text)
    if value > 2**32 - 1:
        raise ctx.fail(node, f"({raw.name}) invalid kernel_rx_buf_size specified")
    raw.values["kernel_rx_buf_size"] = value


def _mcast_dst_ip(ctx: Ctx, node: Node, raw: RawInstance) -> None:
    """The adverts' multicast destination for this instance (keepalived: an
    IPv4 multicast or IPv6 link-local multicast address)."""
    text = ctx.one_arg(node)
    try:
        addr = ipaddress.ip_address(text)
    except ValueError:
        raise ctx.fail(node, f"({raw.name}) malformed mcast dest address {short(text)}") from None
    if not addr.is_multicast or (addr.version == 6 and not str(addr).startswith("ff02:")):
        local = " link-local" if addr.version == 6 else ""
        raise ctx.fail(node, f"({raw.name}) mcast_dst_ip {addr} not{local} multicast")
    raw.values["mcast_dst_ip"] = addr


def _true(ctx: Ctx, node: Node, raw: RawInstance) -> None:
    """A keyword that is on when given (keepalived reads no value)."""
    raw.values[node.keyword] = True


def _virtual_rules(ctx: Ctx, node: Node, raw: RawInstance) -> None:
    for item in ctx.block(node):
        try:
            raw.rules.append(rules.rule(ctx, item, rules.preferences(ctx)))
        except Fail:
            continue


def _virtual_routes(ctx: Ctx, node: Node, raw: RawInstance) -> None:
    for item in ctx.block(node):
        try:
            raw.routes.append(addresses.route(ctx, item))
        except Fail:
            continue


def _track_interface(ctx: Ctx, node: Node, raw: RawInstance) -> None:
    raw.track_if.extend(tracking.track_interfaces(ctx, node))


def _track_script(ctx: Ctx, node: Node, raw: RawInstance) -> None:
    raw.track_scripts.extend(tracking.track_scripts(ctx, node))


def _track_file(ctx: Ctx, node: Node, raw: RawInstance) -> None:
    raw.track_files.extend(tracking.track_files(ctx, node))


def _track_process(ctx: Ctx, node: Node, raw: RawInstance) -> None:
    raw.track_processes.extend(tracking.track_files(ctx, node, "track_process"))


def _string(ctx: Ctx, node: Node, raw: RawInstance) -> None:
    raw.values[node.keyword] = ctx.string(node)


def _flag(ctx: Ctx, node: Node, raw: RawInstance) -> None:
    raw.values[node.keyword] = ctx.flag(node)


def _notify_deleted(ctx: Ctx, node: Node, raw: RawInstance) -> None:
    raw.values["notify_deleted"] = ctx.string(node) if node.args else True


def _down_timer_adverts(ctx: Ctx, node: Node, raw: RawInstance) -> None:
    raw.values["down_timer_adverts"] = ctx.integer(node, 1, 100)


def _garp_delay(ctx: Ctx, node: Node, raw: RawInstance) -> None:
    raw.values[node.keyword] = ctx.seconds(node, 0, 1000)


def _garp_refresh(ctx: Ctx, node: Node, raw: RawInstance) -> None:
    raw.values[node.keyword] = ctx.seconds(node, 0, 86400)


def _garp_repeat(ctx: Ctx, node: Node, raw: RawInstance) -> None:
    raw.values[node.keyword] = ctx.repeat(node)


def _check_unicast_src(ctx: Ctx, node: Node, raw: RawInstance) -> None:
    """Checked for its value; pyvrrp always checks a unicast source."""
    ctx.flag(node)


def _old_unicast_checksum(ctx: Ctx, node: Node, raw: RawInstance) -> None:
    """``old_unicast_checksum [never]``: send keepalived 1.3.6's VRRPv3 checksum,
    or (``never``) do not switch to it on hearing it. Another word is ignored
    with a warning, as keepalived does (vrrp_parser.c, the "unicast" keyword's
    handler)."""
    if not node.args:
        raw.values["old_unicast_checksum"] = "always"
    elif node.args[0].text == "never":
        raw.values["old_unicast_checksum"] = "never"
    else:
        word = short(node.args[0].text)
        ctx.warning(node, f"({raw.name}) Unknown old_unicast_checksum mode {word} - ignoring")


def _authentication(ctx: Ctx, node: Node, raw: RawInstance) -> None:
    raw.legacy_node = node
    raw.legacy = auth.parse_legacy(ctx, node)


def _auth_hmac(ctx: Ctx, node: Node, raw: RawInstance) -> None:
    if raw.hmac is not None:
        ctx.warning(node, "auth_hmac given twice; the last block is used")
    raw.hmac = auth.parse_hmac(ctx, node)


def _use_vmac(ctx: Ctx, node: Node, raw: RawInstance) -> None:
    if raw.child is not None and raw.child.kind != "macvlan":
        raise ctx.fail(
            node, f"({raw.name}) use_vmac and use_ipvlan are exclusive; use_vmac ignored"
        )
    raw.child = vmac.parse_vmac(ctx, node, lambda _name: None)


def _use_ipvlan(ctx: Ctx, node: Node, raw: RawInstance) -> None:
    if raw.child is not None:
        which = (
            "use_ipvlan already specified"
            if raw.child.kind == "ipvlan"
            else ("use_vmac and use_ipvlan are exclusive; use_ipvlan ignored")
        )
        raise ctx.fail(node, f"({raw.name}) {which}")
    raw.child = vmac.parse_ipvlan(ctx, node, lambda _name: None)


def _linkbeat(ctx: Ctx, node: Node, raw: RawInstance) -> None:
    raw.values["linkbeat_use_polling"] = True
    ctx.warning(
        node,
        f"({raw.name}) 'linkbeat_use_polling' in vrrp instance deprecated - "
        "use linkbeat_interfaces block",
    )


def _vrf(ctx: Ctx, node: Node, raw: RawInstance) -> None:
    """``vrf NAME``: an instance without an interface sends and hears in a VRF."""
    name = ctx.one_arg(node)
    if len(name) >= 16:
        raise ctx.fail(node, f"({raw.name}) VRF interface name '{short(name)}' too long - ignoring")
    if "interface" in raw.values:
        raise ctx.fail(node, f"({raw.name}) Cannot specify VRF interface and interface - ignoring")
    if "vrf" in raw.values:
        raise ctx.fail(
            node,
            f"({raw.name}) VRF interface already specified as '{raw.values['vrf']}' - ignoring",
        )
    raw.values["vrf"] = name


def _garp_extra_if(ctx: Ctx, node: Node, raw: RawInstance) -> None:
    """``garp_extra_if [all] SECONDS`` (vmac_garp_intvl: its old name)."""
    if node.keyword == "vmac_garp_intvl":
        ctx.warning(node, 'Keyword "vmac_garp_intvl" is deprecated - please use "garp_extra_if"')
    every, delay = False, None
    for a in node.args:
        if a.text == "all":
            every = True
        elif a.text.isdigit() and int(a.text) <= 86400:
            delay = int(a.text)
        else:
            raise ctx.fail(node, f"({raw.name}): {node.keyword} {short(a.text)} invalid - ignoring")
    if delay is None:
        raise ctx.fail(node, f"({raw.name}): {node.keyword} specified without time - ignoring")
    raw.values["garp_extra_if"] = (delay, every)


KEYWORDS: dict[str, Handler[RawInstance]] = {
    "state": _state,
    "interface": _interface,
    "virtual_router_id": _vrid,
    "priority": _priority,
    "advert_int": _advert_int,
    "version": _version,
    "nopreempt": _nopreempt,
    "preempt": _nopreempt,
    "preempt_delay": _preempt_delay,
    "accept": _accept,
    "no_accept": _accept,
    "strict_mode": _strict_mode,
    "unicast_src_ip": _src_ip,
    "mcast_src_ip": _src_ip,
    "unicast_peer": _unicast_peer,
    "unicast_ttl": _ttl(1),
    "min_ttl": _ttl(0),  # pyvrrp's own
    "virtual_ipaddress": _virtual_ipaddress,
    "virtual_ipaddress_excluded": _virtual_ipaddress,
    "virtual_routes": _virtual_routes,
    "virtual_rules": _virtual_rules,
    "kernel_rx_buf_size": _kernel_rx_buf_size,
    "promote_secondaries": _true,
    "no_virtual_ipaddress": _true,
    "dont_track_primary": _true,
    "unicast_fault_no_peer": _true,
    "mcast_dst_ip": _mcast_dst_ip,
    "track_interface": _track_interface,
    "track_script": _track_script,
    "track_file": _track_file,
    "track_process": _track_process,
    "notify_master": _string,
    "notify_backup": _string,
    "notify_fault": _string,
    "notify_stop": _string,
    "notify": _string,
    "notify_master_rx_lower_pri": _string,
    "notify_priority_changes": _flag,
    "notify_deleted": _notify_deleted,
    "down_timer_adverts": _down_timer_adverts,
    "owner_ignore_adverts": _flag,
    "old_unicast_checksum": _old_unicast_checksum,
    "smtp_alert": _flag,
    "garp_master_delay": _garp_delay,
    "garp_master_repeat": _garp_repeat,
    "garp_master_refresh": _garp_refresh,
    "garp_master_refresh_repeat": _garp_repeat,
    "garp_lower_prio_delay": _garp_delay,
    "garp_lower_prio_repeat": _garp_repeat,
    "lower_prio_no_advert": _flag,
    "higher_prio_send_advert": _flag,
    "authentication": _authentication,
    "auth_hmac": _auth_hmac,
    "skip_check_adv_addr": _flag,
    "v3_checksum_as_v2": _flag,
    "check_unicast_src": _check_unicast_src,
    "use_vmac": _use_vmac,
    "use_ipvlan": _use_ipvlan,
    "vmac_xmit_base": _true,
    "track_src_ip": _true,
    "use_vmac_addr": _true,
    "vrf": _vrf,
    "linkbeat_use_polling": _linkbeat,
    "garp_extra_if": _garp_extra_if,
    "vmac_garp_intvl": _garp_extra_if,
    # keepalived deprecated it: the instance's family comes from its addresses.
    "native_ipv6": _true,
}

#: keepalived's other vrrp_instance keywords, and two it takes elsewhere or once had.
REFUSED = refused("vrrp_instance", KEYWORDS, "no_accept_notify", "vrrp_garp_extra_if")

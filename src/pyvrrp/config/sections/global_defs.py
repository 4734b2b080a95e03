"""``global_defs { ... }``: one handler per keyword, into :class:`GlobalDefs`."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from pyvrrp.config.lexer import Node
from pyvrrp.config.model import FifoConfig, GlobalDefs

from .common import Ctx, Fail, Handler, dispatch, refused, short


@dataclass
class Globals:
    """The block's values so far, over the ``global_defs`` read before it."""

    current: GlobalDefs
    values: dict[str, Any] = field(default_factory=dict)


def parse(ctx: Ctx, node: Node, current: GlobalDefs) -> GlobalDefs:
    g = Globals(current)
    dispatch(ctx, node, KEYWORDS, "global_defs", g, refused=REFUSED)
    return replace(current, file=node.file, line=node.line, **g.values)


def _same_name(read: Callable[[Ctx, Node], Any]) -> Handler[Globals]:
    """A handler storing ``read(ctx, node)`` under the keyword's own name."""

    def handler(ctx: Ctx, node: Node, g: Globals) -> None:
        g.values[node.keyword] = read(ctx, node)

    return handler


def _one_arg(ctx: Ctx, node: Node) -> str:
    return ctx.one_arg(node)


def _flag(ctx: Ctx, node: Node) -> bool:
    return ctx.flag(node)


def _ints(lo: int, hi: int) -> Handler[Globals]:
    return _same_name(lambda ctx, node: ctx.integer(node, lo, hi))


def _mcast_group(ctx: Ctx, node: Node, g: Globals) -> None:
    kw = node.keyword
    addr = ctx.sockaddr(node, ctx.one_arg(node), kw)
    v4 = kw == "vrrp_mcast_group4"
    family = ipaddress.IPv4Address if v4 else ipaddress.IPv6Address
    if not isinstance(addr, family) or not addr.is_multicast:
        raise ctx.fail(node, f"{kw} {addr} is not an IPv{4 if v4 else 6} multicast address")
    g.values[kw] = addr


def _vrrp_version(ctx: Ctx, node: Node, g: Globals) -> None:
    g.values["vrrp_version"] = ctx.integer(node, 2, 3)
    g.values["vrrp_version_explicit"] = True


def _garp_delay(ctx: Ctx, node: Node, g: Globals) -> None:
    g.values[node.keyword] = ctx.seconds(node, 0, 1000)


def _garp_refresh(ctx: Ctx, node: Node, g: Globals) -> None:
    g.values[node.keyword] = ctx.seconds(node, 0, 86400)


def _repeat(ctx: Ctx, node: Node, g: Globals) -> None:
    g.values[node.keyword] = ctx.repeat(node)


def _centiseconds(low: str) -> Handler[Globals]:
    """Seconds with decimals from ``low`` to 4294.967295, kept as ``KEYWORD_cs``."""

    def handler(ctx: Ctx, node: Node, g: Globals) -> None:
        kw = node.keyword
        value = ctx.decimal(node)
        if not Decimal(low) <= value <= Decimal("4294.967295"):
            raise ctx.fail(node, f"{kw} {value} out of range {low}..4294.967295 seconds")
        g.values[kw + "_cs"] = int((value * 100).to_integral_value(ROUND_HALF_UP))

    return handler


def _notify_fifo(ctx: Ctx, node: Node, g: Globals) -> None:
    """``notify_fifo FIFO [USER [GROUP]]`` (``vrrp_notify_fifo`` likewise)."""
    kw = node.keyword
    words = node.arg_texts
    if not words:
        raise ctx.fail(node, f"{kw} needs a FIFO name")
    base = g.values.get(kw) or getattr(g.current, kw) or FifoConfig()
    g.values[kw] = replace(
        base,
        path=words[0],
        user=words[1] if len(words) > 1 else None,
        group=words[2] if len(words) > 2 else None,
    )


def _notify_fifo_script(ctx: Ctx, node: Node, g: Globals) -> None:
    """``notify_fifo_script SCRIPT [USER [GROUP]]``: the FIFO's reader."""
    kw = node.keyword
    words = node.arg_texts
    if not words:
        raise ctx.fail(node, f"{kw} needs a script")
    key = kw.removesuffix("_script")
    base = g.values.get(key) or getattr(g.current, key) or FifoConfig()
    g.values[key] = replace(
        base,
        script=words[0],
        script_user=words[1] if len(words) > 1 else None,
        script_group=words[2] if len(words) > 2 else None,
    )


def _startup_script(ctx: Ctx, node: Node, g: Globals) -> None:
    words = node.arg_texts
    if not words:
        raise ctx.fail(node, f"{node.keyword} needs a script")
    # SCRIPT [username [groupname]]: run as that user (default script_user).
    g.values[node.keyword] = words[0]
    g.values[node.keyword + "_user"] = words[1] if len(words) > 1 else None
    g.values[node.keyword + "_group"] = words[2] if len(words) > 2 else None


_UMASK_BITS = {
    "IRUSR": 0o400,
    "IWUSR": 0o200,
    "IXUSR": 0o100,
    "IRWXU": 0o700,
    "IRGRP": 0o040,
    "IWGRP": 0o020,
    "IXGRP": 0o010,
    "IRWXG": 0o070,
    "IROTH": 0o004,
    "IWOTH": 0o002,
    "IXOTH": 0o001,
    "IRWXO": 0o007,
}


def _umask(ctx: Ctx, node: Node, g: Globals) -> None:
    """keepalived's umask: a number (C's strtol base 0: 022 is octal, 0x12
    hex, 18 decimal) or its symbolic form, ``IWGRP|IWOTH``."""
    words = node.arg_texts
    if not words:
        raise ctx.fail(node, "Missing parameter(s) to umask option")
    if words[0][:1].isdigit():
        if len(words) != 1:
            raise ctx.fail(node, "Extra parameter(s) to umask option")
        text = words[0]
        base = 16 if text.lower().startswith("0x") else 8 if text.startswith("0") else 10
        try:
            value = int(text, base)
        except ValueError:
            raise ctx.fail(node, f"invalid umask value {short(text)}") from None
        if value & ~0o777:
            raise ctx.fail(node, f"invalid umask value {short(text)}")
    else:
        value = 0
        for part in "".join(words).split("|"):
            if part not in _UMASK_BITS:
                raise ctx.fail(node, f"Invalid umask syntax {short(' '.join(words))}")
            value |= _UMASK_BITS[part]
    g.values["umask"] = value


def _nftables(ctx: Ctx, node: Node, g: Globals) -> None:
    """``nftables [TABLE]``: the table of the Accept_Mode filter."""
    if "nftables" in g.values:
        raise ctx.fail(node, "nftables already specified - ignoring")
    name = node.arg_texts[0] if node.arg_texts else "pyvrrp"
    if not name or len(name) >= 255:
        raise ctx.fail(node, f"nftables table name {short(name)} empty or too long - ignored")
    g.values["nftables"] = name


def _nftables_priority(ctx: Ctx, node: Node, g: Globals) -> None:
    g.values["nftables_priority"] = ctx.integer(node, -(2**31), 2**31 - 1)


def _iptables_name(ctx: Ctx, node: Node, i: int, limit: int, what: str) -> str:
    name = node.arg_texts[i]
    if not name:
        raise ctx.fail(node, f"VRRP Error : {what} name empty - ignored")
    if len(name) >= limit - 1:
        raise ctx.fail(node, f"VRRP Error : {what} name too long - ignored")
    return name


def _vrrp_iptables(ctx: Ctx, node: Node, g: Globals) -> None:
    """``vrrp_iptables [IN [OUT]]``: the iptables form of the Accept_Mode
    filter, pyvrrp's chains jumped to from IN and OUT (INPUT and OUTPUT
    without arguments, IN alone with one)."""
    if "vrrp_iptables" in g.values:
        raise ctx.fail(node, "iptables already specified - ignoring")
    args = node.arg_texts
    if not args:
        g.values["vrrp_iptables"] = ("INPUT", "OUTPUT")
        return
    in_chain = _iptables_name(ctx, node, 0, 29, "iptables in chain")
    if in_chain in ("PYVRRP-IN", "PYVRRP-OUT"):
        raise ctx.fail(node, "vrrp_iptables: PYVRRP-IN and PYVRRP-OUT are pyvrrp's own chains")
    out_chain = None
    if len(args) > 1:
        g.values["vrrp_iptables"] = (in_chain, None)  # as keepalived: kept if OUT is bad
        out_chain = _iptables_name(ctx, node, 1, 29, "iptables out chain")
    if in_chain == out_chain:
        del g.values["vrrp_iptables"]
        raise ctx.fail(node, "vrrp_iptables: chain names cannot be the same")
    if out_chain in ("PYVRRP-IN", "PYVRRP-OUT"):
        raise ctx.fail(node, "vrrp_iptables: PYVRRP-IN and PYVRRP-OUT are pyvrrp's own chains")
    g.values["vrrp_iptables"] = (in_chain, out_chain)


def _vrrp_ipsets(ctx: Ctx, node: Node, g: Globals) -> None:
    """``vrrp_ipsets [ADDR [ADDR6 [ADDR_IF6 [IGMP [MLD [ND]]]]]]``: the ipsets
    of the iptables form (keepalived's defaults for names not given; only ADDR
    and ADDR6 are used); no argument: no ipsets."""
    args = node.arg_texts
    g.values["vrrp_ipsets"] = None
    if not args:
        return
    kinds = ("address", "IPv6 address", "IPv6 address_iface", "IGMP", "MLD", "ND")
    names: list[str | None] = [
        _iptables_name(ctx, node, i, 32, f"ipset {kinds[i]}") for i in range(min(6, len(args)))
    ]
    addr = node.arg_texts[0]
    defaults: list[str | None] = [
        addr,
        addr[:30] + "6",
        None,  # from ADDR6, below
        addr[:26] + "_igmp",
        addr[:27] + "_mld",
        addr[:27] + "_nd",
    ]
    names += defaults[len(names) :]
    addr6 = str(names[1])
    if names[2] is None:
        base = addr6[:-1] if addr6.endswith("6") else addr6
        names[2] = base[:27] + "_if6"
    for i, name in enumerate(names):
        if name in names[i + 1 :]:
            raise ctx.fail(node, f"vrrp_ipsets: set name {name} used more than once")
    g.values["vrrp_ipsets"] = (addr, addr6)


def _state_dump_file(ctx: Ctx, node: Node, g: Globals) -> None:
    if len(node.args) != 1 or not node.args[0].text:
        raise ctx.fail(node, f"{node.keyword} requires a non-empty path")
    g.values["state_dump_file"] = node.args[0].text


def _rlimit_rttime(ctx: Ctx, node: Node, g: Globals) -> None:
    g.values["vrrp_rlimit_rttime"] = ctx.integer(node, 2, 2**31 - 1)


def _max_auto_priority(ctx: Ctx, node: Node, g: Globals) -> None:
    g.values["max_auto_priority"] = ctx.integer(node, -1, 99) if node.args else 99


def _cpu_affinity(ctx: Ctx, node: Node, g: Globals) -> None:
    cpus = node.arg_texts
    if not cpus:
        raise ctx.fail(node, "vrrp_cpu_affinity needs CPU numbers")
    g.values["vrrp_cpu_affinity"] = tuple(
        sorted({ctx.int_text(node, c, 0, 4095, "vrrp_cpu_affinity CPU") for c in cpus})
    )


def _notification_email(ctx: Ctx, node: Node, g: Globals) -> None:
    emails = [w for c in ctx.block(node) for w in [c.keyword, *c.arg_texts]]
    g.values["notification_email"] = tuple(emails)


def _smtp_server(ctx: Ctx, node: Node, g: Globals) -> None:
    words = node.arg_texts
    if not words:
        raise ctx.fail(node, "smtp_server needs a host")
    g.values["smtp_server"] = words[0]
    if len(words) > 1:
        g.values["smtp_port"] = ctx.int_text(node, words[1], 1, 65535, "smtp_server port")


def _process_name(ctx: Ctx, node: Node, g: Globals) -> None:
    """``vrrp_process_name`` wins over ``process_name``, whatever the order."""
    name = ctx.one_arg(node)
    if node.keyword == "vrrp_process_name" or "process_name" not in g.values:
        g.values["process_name"] = name


def _fifo_write_states(ctx: Ctx, node: Node, g: Globals) -> None:
    g.values["fifo_write_vrrp_states_on_reload"] = True


def _script_user(ctx: Ctx, node: Node, g: Globals) -> None:
    if not node.args:
        raise ctx.fail(node, "script_user needs a user name")
    g.values["script_user"] = node.args[0].text
    if len(node.args) > 1:
        g.values["script_group"] = node.args[1].text


def _rx_bufs_policy(ctx: Ctx, node: Node, g: Globals) -> None:
    """``vrrp_rx_bufs_policy MTU|ADVERT|SIZE`` (keepalived's checks)."""
    if not node.args:
        raise ctx.fail(node, "vrrp_rx_bufs_policy missing")
    policy: set[str] = set()
    for word in node.arg_texts:
        if word.upper() in ("MTU", "ADVERT"):
            policy.add(word.upper())
        elif word.isdigit() and int(word) < 2**32:
            g.values["vrrp_rx_bufs_size"] = int(word)
        else:
            ctx.error(node, f"Invalid vrrp_rx_bufs_policy {short(word)}")
    if policy and "vrrp_rx_bufs_size" in g.values:
        ctx.error(node, "Cannot set vrrp_rx_bufs_policy size and policy, ignoring policy")
        return
    if policy == {"MTU", "ADVERT"}:
        ctx.error(node, "Cannot set both vrrp_rx_bufs_policy MTU and ADVERT, ignoring ADVERT")
        policy = {"MTU"}
    if policy:
        g.values["vrrp_rx_bufs_policy"] = policy.pop()


def _rx_bufs_multiplier(ctx: Ctx, node: Node, g: Globals) -> None:
    if len(node.args) != 1:
        raise ctx.fail(node, "Invalid vrrp_rx_bufs_multiplier")
    text = node.args[0].text
    if not text.isdigit() or not 1 <= int(text) < 2**32:
        raise ctx.fail(node, f"Invalid vrrp_rx_bufs_multiplier {short(text)}")
    g.values["vrrp_rx_bufs_multiplier"] = int(text)


def _netlink_bufs(ctx: Ctx, node: Node, g: Globals) -> None:
    """``vrrp_netlink_cmd_rcv_bufs`` / ``vrrp_netlink_monitor_rcv_bufs BYTES``."""
    kind = node.keyword.removesuffix("_rcv_bufs")
    if not node.args:
        raise ctx.fail(node, f"{kind}_rcv_bufs size missing")
    text = node.args[0].text
    if not text.isdigit() or int(text) >= 2**32:
        raise ctx.fail(node, f"{kind}_rcv_bufs size ({short(text)}) invalid")
    if int(text):
        g.values[node.keyword] = int(text)


def _netlink_force(ctx: Ctx, node: Node, g: Globals) -> None:
    if node.args:
        try:
            value = ctx.flag(node)
        except Fail:
            raise ctx.fail(
                node,
                f"Invalid value '{short(node.args[0].text)}' for global {node.keyword} specified",
            ) from None
    else:
        value = True
    g.values[node.keyword] = value


def _default_interface(ctx: Ctx, node: Node, g: Globals) -> None:
    if not node.args:
        raise ctx.fail(node, "default_interface requires interface name")
    g.values["default_interface"] = node.args[0].text


def _disable_local_igmp(ctx: Ctx, node: Node, g: Globals) -> None:
    """keepalived refuses it where the kernel lacks the sysctl (before 4.3)."""
    path = "/proc/sys/net/ipv4/igmp_link_local_mcast_reports"
    if not os.path.exists(path):
        raise ctx.fail(node, f"kernel does not support {path}")
    g.values["disable_local_igmp"] = True


def _min_garp(ctx: Ctx, node: Node, g: Globals) -> None:
    """``vrrp_min_garp [BOOL]``: one gratuitous ARP / NA on becoming Master,
    no second burst, no refresh; settings at a value of their own stay."""
    if node.args and not ctx.flag(node):
        return
    defaults = GlobalDefs()
    for key, value in (
        ("vrrp_garp_master_repeat", 1),
        ("vrrp_garp_master_refresh", 0),
        ("vrrp_garp_master_refresh_repeat", 0),
        ("vrrp_garp_master_delay", 0),
    ):
        if g.values.get(key, getattr(g.current, key)) == getattr(defaults, key):
            g.values[key] = value


def _dynamic_interfaces(ctx: Ctx, node: Node, g: Globals) -> None:
    """``dynamic_interfaces [allow_if_changes]`` (pyvrrp never checks an
    interface's type, so allow_if_changes is what it does anyway)."""
    g.values["dynamic_interfaces"] = True
    if node.args and node.args[0].text != "allow_if_changes":
        raise ctx.fail(node, f"Unknown dynamic_interfaces option {short(node.args[0].text)!r}")


def _vmac_prefix(ctx: Ctx, node: Node, g: Globals) -> None:
    """``vmac_prefix`` / ``vmac_addr_prefix``: the stem of VMAC children's names."""
    text = ctx.one_arg(node)
    if node.keyword in g.values:
        what = "vmac prefix" if node.keyword == "vmac_prefix" else "vmac_addr prefix"
        raise ctx.fail(node, f"{what} has already been specified - ignoring {short(text)}")
    g.values[node.keyword] = text


def _garp_extra_if(ctx: Ctx, node: Node, g: Globals) -> None:
    """``vrrp_garp_extra_if [all] SECONDS`` (vrrp_vmac_garp_intvl: its old name)."""
    kw = node.keyword
    if kw == "vrrp_vmac_garp_intvl":
        ctx.warning(
            node, 'Keyword "vrrp_vmac_garp_intvl" is deprecated - please use "vrrp_garp_extra_if"'
        )
    every, delay = False, 0
    for a in node.args:
        if a.text == "all":
            every = True
        elif a.text.isdigit() and 1 <= int(a.text) <= 86400:
            delay = int(a.text)
        else:
            raise ctx.fail(node, f"{kw} {short(a.text)} invalid - ignoring")
    if every:
        g.values["vrrp_garp_extra_if_all"] = True
    if not delay:
        raise ctx.fail(node, f"{kw} specified without time - ignoring")
    g.values["vrrp_garp_extra_if"] = delay


KEYWORDS: dict[str, Handler[Globals]] = {
    "router_id": _same_name(_one_arg),
    "vrrp_mcast_group4": _mcast_group,
    "vrrp_mcast_group6": _mcast_group,
    "vrrp_version": _vrrp_version,
    "vrrp_strict": _same_name(_flag),
    "vrrp_garp_master_delay": _garp_delay,
    "vrrp_garp_master_repeat": _repeat,
    "vrrp_garp_master_refresh": _garp_refresh,
    "vrrp_garp_master_refresh_repeat": _repeat,
    "vrrp_garp_lower_prio_delay": _garp_delay,
    "vrrp_garp_lower_prio_repeat": _repeat,
    "vrrp_garp_interval": _centiseconds("0.000001"),
    "vrrp_gna_interval": _centiseconds("0.000001"),
    "vrrp_lower_prio_no_advert": _same_name(_flag),
    "vrrp_higher_prio_send_advert": _same_name(_flag),
    "script_user": _script_user,
    "enable_script_security": _same_name(_flag),
    "vrrp_skip_check_adv_addr": _same_name(_flag),
    "vrrp_check_unicast_src": _same_name(_flag),
    "v3_checksum_as_v2": _same_name(_flag),
    "vrrp_owner_ignore_adverts": _same_name(_flag),
    "notify_fifo": _notify_fifo,
    "notify_fifo_script": _notify_fifo_script,
    "vrrp_notify_fifo": _notify_fifo,
    "vrrp_notify_fifo_script": _notify_fifo_script,
    "vrrp_notify_priority_changes": _same_name(_flag),
    "fifo_write_vrrp_states_on_reload": _fifo_write_states,
    "startup_script": _startup_script,
    "startup_script_timeout": _ints(1, 1000),
    "shutdown_script": _startup_script,
    "shutdown_script_timeout": _ints(1, 1000),
    "vrrp_down_timer_adverts": _ints(1, 100),
    "vrrp_priority": _ints(-20, 19),
    "vrrp_rt_priority": _ints(1, 99),
    "vrrp_rlimit_rttime": _rlimit_rttime,
    "vrrp_rlimit_rtime": _rlimit_rttime,
    "max_auto_priority": _max_auto_priority,
    "min_auto_priority_delay": _ints(1, 10_000_000),
    "vrrp_no_swap": _same_name(_flag),
    "vrrp_cpu_affinity": _cpu_affinity,
    "vrrp_startup_delay": _centiseconds("0.001"),
    "vrrp_delay_after_boot": _centiseconds("0.001"),
    "process_name": _process_name,
    "vrrp_process_name": _process_name,
    "notification_email": _notification_email,
    "notification_email_from": _same_name(_one_arg),
    "smtp_server": _smtp_server,
    "smtp_helo_name": _same_name(_one_arg),
    "smtp_connect_timeout": _ints(1, 3600),
    "smtp_alert": _same_name(_flag),
    "smtp_alert_vrrp": _same_name(_flag),
    "no_email_faults": _same_name(_flag),
    "stats_dump_file": _same_name(_one_arg),
    "state_dump_file": _state_dump_file,
    "umask": _umask,
    "nftables": _nftables,
    "nftables_priority": _nftables_priority,
    "nftables_counters": _same_name(_flag),
    "log_unknown_vrids": _same_name(_flag),
    "process_monitor_rcv_bufs": _ints(0, 2**31 - 1),
    "process_monitor_rcv_bufs_force": _same_name(_flag),
    "vrrp_iptables": _vrrp_iptables,
    "vrrp_ipsets": _vrrp_ipsets,
    # keepalived adds its -i instance and namespace names to the dump files'
    # names; pyvrrp has neither, so the flag is read and changes nothing.
    "data_use_instance": _same_name(_flag),
    "json_dump_file": _same_name(_one_arg),
    "json_version": _ints(1, 2),
    "dynamic_interfaces": _dynamic_interfaces,
    "vrrp_min_garp": _min_garp,
    "default_interface": _default_interface,
    "vrrp_rx_bufs_policy": _rx_bufs_policy,
    "vrrp_rx_bufs_multiplier": _rx_bufs_multiplier,
    "vrrp_netlink_cmd_rcv_bufs": _netlink_bufs,
    "vrrp_netlink_monitor_rcv_bufs": _netlink_bufs,
    "vrrp_netlink_cmd_rcv_bufs_force": _netlink_force,
    "vrrp_netlink_monitor_rcv_bufs_force": _netlink_force,
    # pyvrrp's Accept_Mode filter matches addresses only, never an interface:
    # there is no name to replace by an index (read, no effect)
    "nftables_ifindex": _same_name(_flag),
    "disable_local_igmp": _disable_local_igmp,
    "vmac_prefix": _vmac_prefix,
    "vmac_addr_prefix": _vmac_prefix,
    "vrrp_garp_extra_if": _garp_extra_if,
    "vrrp_vmac_garp_intvl": _garp_extra_if,
}

#: keepalived's other global_defs keywords, and a few it takes elsewhere.
REFUSED = refused(
    "global_defs", KEYWORDS, "linkbeat_use_polling", "lvs_id", "max_notify_fifo", "net_namespace"
)

"""From a keepalived.conf tree to typed settings, with keepalived's fallbacks.

:func:`load` never raises for bad content: every problem is a
:class:`~pyvrrp.config.model.Diagnostic`. Errors mean the configuration must
not be used (``LoadResult.ok`` is false); warnings say what pyvrrp ignored or
changed, the way keepalived does.

No diagnostic ever quotes a key or a password: messages about ``auth_hmac``
and ``authentication`` name keywords and key ids only.
"""

from __future__ import annotations

import ipaddress
import math
import os
import re
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from types import MappingProxyType
from typing import Any, cast

from pyvrrp.auth.keys import KeyValueError, Secret, load_key
from pyvrrp.auth.lifecycle import FAR_FUTURE, FAR_PAST, Lifetime, parse_utc
from pyvrrp.config import keywords
from pyvrrp.config import mtu as mtu_mod
from pyvrrp.config.lexer import Diagnostics, Node, Reader, build_tree
from pyvrrp.config.model import (
    AuthHmacConfig,
    Config,
    FifoConfig,
    GlobalDefs,
    HmacKey,
    InstanceConfig,
    IPAddress,
    LegacyAuth,
    LoadResult,
    ScriptConfig,
    SyncGroupConfig,
    TrackFile,
    TrackFileConfig,
    TrackInterface,
    TrackProcess,
    TrackProcessConfig,
    TrackScript,
    UnicastPeer,
    VirtualAddress,
    VirtualRoute,
)

MtuSource = Mapping[str, int] | Callable[[str], int | None]

# Sections keepalived knows and pyvrrp does not implement: skipped, one warning.
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
        "static_routes",
        "static_ipaddress",
        "static_rules",
        "virtual_rules",
        "linkbeat_interfaces",
        "garp_group",
        "SSL",
        "net_namespace",
        "net_namespace_ipvs",
        "namespace_with_ipsets",
        "instance",
        "use_pid_dir",
        "linkbeat_use_polling",
    }
)

INSTANCE_UNIMPLEMENTED = frozenset(
    {
        "use_vmac",
        "vmac_xmit_base",
        "use_ipvlan",
        "native_ipv6",
        "virtual_rules",
        "track_bfd",
        "track_src_ip",
        "dont_track_primary",
        "debug",
        "kernel_rx_buf_size",
        "linkbeat_use_polling",
        "garp_extra_if",
        "vrrp_garp_extra_if",
        "no_accept_notify",
        "mcast_dst_ip",
    }
)

GLOBAL_UNIMPLEMENTED = frozenset(
    {
        "smtp_alert_checker",
        "lvs_id",
        "lvs_sync_daemon",
        "lvs_timeouts",
        "lvs_flush",
        "enable_traps",
        "enable_snmp_vrrp",
        "enable_snmp_checker",
        "enable_snmp_rfc",
        "enable_snmp_rfcv2",
        "enable_snmp_rfcv3",
        "enable_dbus",
        "snmp_socket",
        "dynamic_interfaces",
        "vrrp_iptables",
        "vrrp_ipsets",
        "checker_no_swap",
        "checker_priority",
        "checker_rt_priority",
        "max_notify_fifo",
        "net_namespace",
        "vrrp_garp_extra_if",
        "vrrp_min_garp",
        "vrrp_netlink_cmd_rcv_bufs",
        "vrrp_netlink_monitor_rcv_bufs",
        "vrrp_rx_bufs_policy",
        "vrrp_rx_bufs_multiplier",
        "default_interface",
        "nftables",
        "process_names",
        "umask",
        "linkbeat_use_polling",
    }
)

# Keywords of the blocks pyvrrp implements: outside any block they are an error.
INSTANCE_KEYWORDS = frozenset(
    {
        "state",
        "interface",
        "virtual_router_id",
        "priority",
        "advert_int",
        "version",
        "nopreempt",
        "preempt",
        "preempt_delay",
        "accept",
        "no_accept",
        "strict_mode",
        "unicast_src_ip",
        "mcast_src_ip",
        "unicast_peer",
        "unicast_ttl",
        "min_ttl",
        "virtual_ipaddress",
        "virtual_ipaddress_excluded",
        "virtual_routes",
        "track_interface",
        "track_script",
        "track_file",
        "track_process",
        "notify_master",
        "notify_backup",
        "notify_fault",
        "notify_stop",
        "notify",
        "notify_master_rx_lower_pri",
        "notify_priority_changes",
        "notify_deleted",
        "down_timer_adverts",
        "smtp_alert",
        "garp_master_delay",
        "garp_master_repeat",
        "garp_master_refresh",
        "garp_master_refresh_repeat",
        "garp_lower_prio_delay",
        "garp_lower_prio_repeat",
        "lower_prio_no_advert",
        "higher_prio_send_advert",
        "authentication",
        "auth_hmac",
        "skip_check_adv_addr",
        "check_unicast_src",
    }
)
AUTH_KEYWORDS = frozenset({"auth_type", "auth_pass"})
HMAC_KEYWORDS = frozenset(
    {
        "key",
        "active_key",
        "anti_replay",
        "time_window",
        "mode",
        "revoked_keys",
        "on_last_key_expiry",
    }
)
LIFETIME_WORDS = ("send_lifetime", "accept_lifetime")
UTC_EXAMPLE = "2026-12-01T00:00:00Z"
TRACK_FILE_KEYWORDS = frozenset({"file", "weight", "init_file"})
TRACK_PROCESS_KEYWORDS = frozenset(
    {
        "process",
        "param_match",
        "weight",
        "quorum",
        "quorum_max",
        "delay",
        "terminate_delay",
        "fork_delay",
        "full_command",
    }
)
SCRIPT_KEYWORDS = frozenset(
    {"script", "interval", "timeout", "weight", "rise", "fall", "user", "init_fail"}
)
GLOBAL_KEYWORDS = frozenset(
    {
        "router_id",
        "vrrp_mcast_group4",
        "vrrp_mcast_group6",
        "vrrp_version",
        "vrrp_strict",
        "vrrp_garp_master_delay",
        "vrrp_garp_master_repeat",
        "vrrp_garp_master_refresh",
        "vrrp_garp_master_refresh_repeat",
        "vrrp_garp_lower_prio_delay",
        "vrrp_garp_lower_prio_repeat",
        "vrrp_garp_interval",
        "vrrp_gna_interval",
        "vrrp_lower_prio_no_advert",
        "vrrp_higher_prio_send_advert",
        "script_user",
        "enable_script_security",
        "vrrp_skip_check_adv_addr",
        "vrrp_check_unicast_src",
        "v3_checksum_as_v2",
        "notify_fifo",
        "notify_fifo_script",
        "vrrp_notify_fifo",
        "vrrp_notify_fifo_script",
        "vrrp_notify_priority_changes",
        "fifo_write_vrrp_states_on_reload",
        "startup_script",
        "startup_script_timeout",
        "shutdown_script",
        "shutdown_script_timeout",
        "vrrp_down_timer_adverts",
        "vrrp_priority",
        "vrrp_rt_priority",
        "vrrp_rlimit_rttime",
        "vrrp_rlimit_rtime",
        "max_auto_priority",
        "min_auto_priority_delay",
        "vrrp_no_swap",
        "vrrp_cpu_affinity",
        "vrrp_startup_delay",
        "vrrp_delay_after_boot",
        "process_name",
        "vrrp_process_name",
        "notification_email",
        "notification_email_from",
        "smtp_server",
        "smtp_helo_name",
        "smtp_connect_timeout",
        "smtp_alert",
        "smtp_alert_vrrp",
        "no_email_faults",
        "stats_dump_file",
        "json_dump_file",
        "json_version",
    }
)

_OWNER = (
    (INSTANCE_KEYWORDS, "vrrp_instance"),
    (AUTH_KEYWORDS, "an authentication block"),
    (HMAC_KEYWORDS, "an auth_hmac block"),
    (SCRIPT_KEYWORDS, "vrrp_script"),
    (TRACK_FILE_KEYWORDS, "track_file"),
    (TRACK_PROCESS_KEYWORDS, "vrrp_track_process"),
    (GLOBAL_KEYWORDS, "global_defs"),
)

#: The most gratuitous ARP / NA rounds one burst sends (keepalived: no limit).
MAX_GARP_REPEAT = 10_000

_TRUE = frozenset({"true", "on", "yes", "1", "enabled"})
_FALSE = frozenset({"false", "off", "no", "0", "disabled"})


_DECIMAL = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)")


class _Fail(Exception):
    """A value was rejected; the diagnostic is already recorded."""


# --------------------------------------------------------------------------- values


class _Ctx:
    def __init__(self, diags: Diagnostics) -> None:
        self.d = diags

    def error(self, node: Node, message: str) -> None:
        self.d.error(node.file, node.line, message)

    def warning(self, node: Node, message: str) -> None:
        self.d.warning(node.file, node.line, message)

    def fail(self, node: Node, message: str) -> _Fail:
        self.error(node, message)
        return _Fail()

    def one_arg(self, node: Node, what: str | None = None) -> str:
        what = what or node.keyword
        if not node.args:
            raise self.fail(node, f"{what} needs a value")
        if len(node.args) > 1:
            self.warning(node, f"{what}: extra words after the value ignored")
        return node.args[0].text

    def integer(self, node: Node, lo: int, hi: int, what: str | None = None) -> int:
        what = what or node.keyword
        text = self.one_arg(node, what)
        return self.int_text(node, text, lo, hi, what)

    def int_text(self, node: Node, text: str, lo: int, hi: int, what: str) -> int:
        try:
            value = int(text, 10)
        except ValueError:
            raise self.fail(node, f"{what} '{_short(text)}' is not a whole number") from None
        if not lo <= value <= hi:
            raise self.fail(node, f"{what} {value} out of range {lo}..{hi}")
        return value

    def decimal(self, node: Node, what: str | None = None) -> Decimal:
        what = what or node.keyword
        text = self.one_arg(node, what)
        if not _DECIMAL.fullmatch(text):
            # keepalived reads digits with one decimal point: no 1e2, inf, 0x10
            raise self.fail(node, f"{what} '{_short(text)}' is not a number")
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise self.fail(node, f"{what} '{_short(text)}' is not a number") from None
        if not value.is_finite():
            raise self.fail(node, f"{what} '{_short(text)}' is not a number")
        if abs(value) > 10**9:
            raise self.fail(node, f"{what} '{_short(text)}' is out of range")
        return value

    def repeat(self, node: Node) -> int:
        """A GARP repeat count: keepalived takes any unsigned number (the
        lower-priority repeat 0 too); pyvrrp sends at most MAX_GARP_REPEAT."""
        lo = 0 if node.keyword.endswith("lower_prio_repeat") else 1
        value = self.integer(node, lo, 2**32 - 1)
        if value > MAX_GARP_REPEAT:
            self.warning(
                node, f"{node.keyword} {value} is more than pyvrrp sends; using {MAX_GARP_REPEAT}"
            )
            return MAX_GARP_REPEAT
        return value

    def seconds(self, node: Node, lo: int, hi: int) -> int:
        """Whole seconds (keepalived's garp delays, refreshes, ...)."""
        return self.integer(node, lo, hi)

    def flag(self, node: Node) -> bool:
        if not node.args:
            return True
        word = node.args[0].text.lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
        raise self.fail(node, f"{node.keyword} takes no value or one of true/false/on/off")

    def ip(self, node: Node, text: str, what: str) -> IPAddress:
        try:
            return ipaddress.ip_address(text)
        except ValueError:
            raise self.fail(node, f"{what} '{_short(text)}' is not an IP address") from None

    def sockaddr(self, node: Node, text: str, what: str) -> IPAddress:
        """An address where keepalived reads a socket address: it drops a
        ``-range`` suffix, or else a ``/len`` one (``192.168.0.91/24``)."""
        cut = text.find("-")
        if cut < 0:
            cut = text.find("/")
        return self.ip(node, text[:cut] if cut >= 0 else text, what)

    def string(self, node: Node) -> str:
        if not node.args:
            raise self.fail(node, f"{node.keyword} needs a value")
        return " ".join(t.text for t in node.args)

    def block(self, node: Node) -> tuple[Node, ...]:
        if node.children is None:
            raise self.fail(node, f"{node.keyword} needs a {{ }} block")
        return node.children

    def no_block(self, node: Node) -> None:
        if node.children is not None:
            self.warning(node, f"{node.keyword} takes no {{ }} block; block ignored")

    def not_implemented(self, node: Node, where: str) -> None:
        """A keyword keepalived knows and pyvrrp does not do: one warning, why."""
        why = keywords.reason(node.keyword, where)
        self.warning(
            node, f"{where} keyword '{node.keyword}' is not implemented by pyvrrp ({why}); ignored"
        )

    def unknown(self, node: Node, where: str, *, secret_block: bool = False) -> None:
        kw = node.keyword
        if secret_block and (len(kw) >= 24 or ":" in kw or not kw.replace("_", "").isalnum()):
            self.warning(node, f"unrecognised line in {where} ignored")
            return
        if keywords.keepalived_knows(where, kw):
            self.not_implemented(node, where)
            return
        owner = _owner_of(kw)
        hint = f" (it belongs in {owner})" if owner and owner != where else ""
        self.warning(node, f"unknown keyword '{_short(kw)}' in {where}{hint}; ignored")


def _short(text: str, limit: int = 24) -> str:
    """A word to quote in a message, unless it could be a key.

    Keys are at least 32 bytes and are often written ``hex:...`` or
    ``file:...``: such words are described by their length only.
    """
    if len(text) > limit or text.lower().startswith(("hex:", "file:")) or not text.isprintable():
        return f"<{len(text)} characters>"
    return text


def _owner_of(keyword: str) -> str | None:
    for words, owner in _OWNER:
        if keyword in words:
            return owner
    return None


# --------------------------------------------------------------------------- global_defs


def _parse_global(ctx: _Ctx, node: Node, current: GlobalDefs) -> GlobalDefs:
    g: dict[str, Any] = {}
    for child in ctx.block(node):
        kw = child.keyword
        try:
            if kw == "router_id":
                g["router_id"] = ctx.one_arg(child)
            elif kw == "vrrp_mcast_group4":
                addr = ctx.sockaddr(child, ctx.one_arg(child), kw)
                if not isinstance(addr, ipaddress.IPv4Address) or not addr.is_multicast:
                    raise ctx.fail(
                        child, f"vrrp_mcast_group4 {addr} is not an IPv4 multicast address"
                    )
                g["vrrp_mcast_group4"] = addr
            elif kw == "vrrp_mcast_group6":
                addr = ctx.sockaddr(child, ctx.one_arg(child), kw)
                if not isinstance(addr, ipaddress.IPv6Address) or not addr.is_multicast:
                    raise ctx.fail(
                        child, f"vrrp_mcast_group6 {addr} is not an IPv6 multicast address"
                    )
                g["vrrp_mcast_group6"] = addr
            elif kw == "vrrp_version":
                g["vrrp_version"] = ctx.integer(child, 2, 3)
                g["vrrp_version_explicit"] = True
            elif kw in (
                "vrrp_strict",
                "vrrp_lower_prio_no_advert",
                "vrrp_higher_prio_send_advert",
                "enable_script_security",
                "vrrp_skip_check_adv_addr",
                "vrrp_check_unicast_src",
                "v3_checksum_as_v2",
            ):
                g[kw] = ctx.flag(child)
            elif kw in ("vrrp_garp_master_delay", "vrrp_garp_lower_prio_delay"):
                g[kw] = ctx.seconds(child, 0, 1000)
            elif kw == "vrrp_garp_master_refresh":
                g[kw] = ctx.seconds(child, 0, 86400)
            elif kw in (
                "vrrp_garp_master_repeat",
                "vrrp_garp_master_refresh_repeat",
                "vrrp_garp_lower_prio_repeat",
            ):
                g[kw] = ctx.repeat(child)
            elif kw in ("vrrp_garp_interval", "vrrp_gna_interval"):
                value = ctx.decimal(child)
                # keepalived: 0.000001 .. 4294.967295 seconds
                if not Decimal("0.000001") <= value <= Decimal("4294.967295"):
                    raise ctx.fail(
                        child, f"{kw} {value} out of range 0.000001..4294.967295 seconds"
                    )
                g[kw + "_cs"] = int((value * 100).to_integral_value(ROUND_HALF_UP))
            elif kw in ("notify_fifo", "vrrp_notify_fifo"):
                words = child.arg_texts
                if not words:
                    raise ctx.fail(child, f"{kw} needs a FIFO name")
                base = g.get(kw) or getattr(current, kw) or FifoConfig()
                g[kw] = replace(
                    base,
                    path=words[0],
                    user=words[1] if len(words) > 1 else None,
                    group=words[2] if len(words) > 2 else None,
                )
            elif kw in ("notify_fifo_script", "vrrp_notify_fifo_script"):
                words = child.arg_texts
                if not words:
                    raise ctx.fail(child, f"{kw} needs a script")
                key = kw.removesuffix("_script")
                base = g.get(key) or getattr(current, key) or FifoConfig()
                g[key] = replace(
                    base,
                    script=words[0],
                    script_user=words[1] if len(words) > 1 else None,
                    script_group=words[2] if len(words) > 2 else None,
                )
            elif kw in ("startup_script", "shutdown_script"):
                words = child.arg_texts
                if not words:
                    raise ctx.fail(child, f"{kw} needs a script")
                # SCRIPT [username [groupname]]: scripts run as script_user.
                g[kw] = words[0]
            elif kw in ("startup_script_timeout", "shutdown_script_timeout"):
                g[kw] = ctx.integer(child, 1, 1000)
            elif kw == "vrrp_down_timer_adverts":
                g[kw] = ctx.integer(child, 1, 100)
            elif kw == "vrrp_priority":
                g[kw] = ctx.integer(child, -20, 19)
            elif kw == "vrrp_rt_priority":
                g[kw] = ctx.integer(child, 1, 99)
            elif kw in ("vrrp_rlimit_rttime", "vrrp_rlimit_rtime"):
                g["vrrp_rlimit_rttime"] = ctx.integer(child, 2, 2**31 - 1)
            elif kw == "max_auto_priority":
                g[kw] = ctx.integer(child, -1, 99) if child.args else 99
            elif kw == "min_auto_priority_delay":
                g[kw] = ctx.integer(child, 1, 10_000_000)
            elif kw == "vrrp_no_swap":
                g[kw] = ctx.flag(child)
            elif kw == "vrrp_cpu_affinity":
                cpus = child.arg_texts
                if not cpus:
                    raise ctx.fail(child, "vrrp_cpu_affinity needs CPU numbers")
                g[kw] = tuple(
                    sorted({ctx.int_text(child, c, 0, 4095, "vrrp_cpu_affinity CPU") for c in cpus})
                )
            elif kw in ("vrrp_startup_delay", "vrrp_delay_after_boot"):
                value = ctx.decimal(child)
                # keepalived: 0.001 .. 4294.967295 seconds
                if not Decimal("0.001") <= value <= Decimal("4294.967295"):
                    raise ctx.fail(child, f"{kw} {value} out of range 0.001..4294.967295 seconds")
                g[kw + "_cs"] = int((value * 100).to_integral_value(ROUND_HALF_UP))
            elif kw == "notification_email":
                emails = [w for c in ctx.block(child) for w in [c.keyword, *c.arg_texts]]
                g[kw] = tuple(emails)
            elif kw in ("notification_email_from", "smtp_helo_name"):
                g[kw] = ctx.one_arg(child)
            elif kw == "smtp_server":
                words = child.arg_texts
                if not words:
                    raise ctx.fail(child, "smtp_server needs a host")
                g[kw] = words[0]
                if len(words) > 1:
                    g["smtp_port"] = ctx.int_text(child, words[1], 1, 65535, "smtp_server port")
            elif kw == "smtp_connect_timeout":
                g[kw] = ctx.integer(child, 1, 3600)
            elif kw in ("smtp_alert", "smtp_alert_vrrp", "no_email_faults"):
                g[kw] = ctx.flag(child)
            elif kw in ("stats_dump_file", "json_dump_file"):
                g[kw] = ctx.one_arg(child)
            elif kw == "json_version":
                g[kw] = ctx.integer(child, 1, 2)
            elif kw in ("process_name", "vrrp_process_name"):
                name = ctx.one_arg(child)
                if kw == "vrrp_process_name" or "process_name" not in g:
                    g["process_name"] = name
            elif kw == "vrrp_notify_priority_changes":
                g[kw] = ctx.flag(child)
            elif kw == "fifo_write_vrrp_states_on_reload":
                g[kw] = True
            elif kw == "script_user":
                if not child.args:
                    raise ctx.fail(child, "script_user needs a user name")
                g["script_user"] = child.args[0].text
                if len(child.args) > 1:
                    g["script_group"] = child.args[1].text
            elif kw in GLOBAL_UNIMPLEMENTED:
                ctx.not_implemented(child, "global_defs")
            else:
                ctx.unknown(child, "global_defs")
        except _Fail:
            continue
    return replace(current, file=node.file, line=node.line, **g)


# --------------------------------------------------------------------------- addresses


def _parse_vip(ctx: _Ctx, node: Node) -> VirtualAddress:
    words = [node.keyword, *node.arg_texts]
    addr_text = words[0]
    try:
        if "/" in addr_text:
            address: Any = ipaddress.ip_interface(addr_text)
        else:
            plain = ipaddress.ip_address(addr_text)
            address = ipaddress.ip_interface(f"{plain}/{plain.max_prefixlen}")
    except ValueError:
        raise ctx.fail(node, f"'{_short(addr_text)}' is not a virtual IP address") from None
    opts: dict[str, Any] = {}
    i = 1
    while i < len(words):
        w = words[i]
        if w in ("dev", "label", "scope", "brd", "broadcast"):
            if i + 1 >= len(words):
                raise ctx.fail(node, f"virtual address {address}: '{w}' needs a value")
            value = words[i + 1]
            if w in ("brd", "broadcast"):
                if value in ("+", "-"):
                    opts["brd"] = None
                else:
                    opts["brd"] = ctx.ip(node, value, "brd")
            else:
                opts[w] = value
            i += 2
        elif w == "no_track":
            opts["no_track"] = True
            i += 1
        elif w in ("home", "-nodad", "nodad", "noprefixroute", "autojoin"):
            ctx.warning(
                node, f"virtual address {address}: option '{w}' is not implemented; ignored"
            )
            i += 1
        elif w == "track_group":
            ctx.warning(node, f"virtual address {address}: track_group is not implemented; ignored")
            i += 2
        else:
            raise ctx.fail(node, f"virtual address {address}: unknown option '{_short(w)}'")
    return VirtualAddress(address=address, file=node.file, line=node.line, **opts)


_ROUTE_TYPES = frozenset({"blackhole", "unreachable", "prohibit", "throw"})


def _parse_route(ctx: _Ctx, node: Node) -> VirtualRoute:
    words = [node.keyword, *node.arg_texts]
    fields: dict[str, Any] = {}
    i = 0
    while i < len(words):
        w = words[i]
        nxt = words[i + 1] if i + 1 < len(words) else None
        if w in _ROUTE_TYPES:
            fields["type"] = w
            i += 1
        elif w in ("via", "gw", "src", "dev", "table", "scope", "metric", "to") and nxt is not None:
            if w == "metric":
                try:
                    fields["metric"] = int(nxt)
                except ValueError:
                    raise ctx.fail(
                        node, f"virtual route metric '{_short(nxt)}' is not a number"
                    ) from None
            elif w == "to":
                fields["dest"] = nxt
            else:
                fields["via" if w == "gw" else w] = nxt
            i += 2
        elif "dest" not in fields and _looks_like_prefix(w):
            fields["dest"] = w
            i += 1
        else:
            i += 1  # or, onlink, proto, ... kept in raw
    if "dest" not in fields:
        raise ctx.fail(node, "virtual route has no destination")
    return VirtualRoute(raw=" ".join(words), file=node.file, line=node.line, **fields)


def _looks_like_prefix(text: str) -> bool:
    if text == "default":
        return True
    try:
        ipaddress.ip_network(text, strict=False)
    except ValueError:
        return False
    return True


# --------------------------------------------------------------------------- auth


@dataclass
class _RawHmac:
    node: Node
    keys: list[HmacKey] = field(default_factory=list)
    failed_ids: set[int] = field(default_factory=set)
    attempted: bool = False
    active_key: int | None = None
    active_node: Node | None = None
    anti_replay: str = "time"
    time_window: int | None = None
    time_window_node: Node | None = None
    mode: str = "enforce"
    broken: bool = False
    revoked: dict[int, Node] = field(default_factory=dict)
    on_last_key_expiry: str = "keep"
    extensions: list[str] = field(default_factory=list)  # pyvrrp-only keywords used

    def uses(self, word: str) -> None:
        if word not in self.extensions:
            self.extensions.append(word)


def _lifetimes(
    ctx: _Ctx, node: Node, key_id: int, words: list[str], raw: _RawHmac
) -> dict[str, Lifetime]:
    """``send_lifetime START END`` / ``accept_lifetime START END`` after a key value."""
    out: dict[str, Lifetime] = {}
    i = 0
    where = f"auth_hmac key {key_id}"
    while i < len(words):
        word = words[i]
        if word not in LIFETIME_WORDS:
            raise ctx.fail(
                node,
                f"{where}: unexpected '{_short(word)}' after the key value "
                "(expected send_lifetime or accept_lifetime)",
            )
        if word in out:
            raise ctx.fail(node, f"{where}: {word} given twice")
        if i + 2 >= len(words) or words[i + 1] in LIFETIME_WORDS or words[i + 2] in LIFETIME_WORDS:
            raise ctx.fail(
                node,
                f"{where}: {word} needs a start and an end "
                f"(UTC like {UTC_EXAMPLE}; the end may be infinite)",
            )
        start_text, end_text = words[i + 1], words[i + 2]
        try:
            start = parse_utc(start_text)
        except ValueError:
            raise ctx.fail(
                node,
                f"{where}: {word} start '{_short(start_text)}' is not a UTC time "
                f"like {UTC_EXAMPLE}",
            ) from None
        end: int | None = None
        if end_text != "infinite":
            try:
                end = parse_utc(end_text)
            except ValueError:
                raise ctx.fail(
                    node,
                    f"{where}: {word} end '{_short(end_text)}' is not a UTC time "
                    f"like {UTC_EXAMPLE} or infinite",
                ) from None
            if end <= start:
                raise ctx.fail(node, f"{where}: {word} ends before it starts")
        out[word] = Lifetime(start, end)
        raw.uses(word)
        i += 3
    return out


def _parse_auth_hmac(ctx: _Ctx, node: Node) -> _RawHmac:
    raw = _RawHmac(node)
    first_line: dict[int, int] = {}
    base_dir = Path(node.file).parent if node.file and not node.file.startswith("<") else None
    for child in ctx.block(node):
        kw = child.keyword
        try:
            if kw == "key":
                raw.attempted = True
                if len(child.args) < 2:
                    raise ctx.fail(child, "auth_hmac key needs an id and a value")
                id_text = child.args[0].text
                if not (id_text.isascii() and id_text.isdigit()) or len(id_text) > 6:
                    raise ctx.fail(child, "auth_hmac key id is not a number")
                key_id = int(id_text)
                if not 1 <= key_id <= 255:
                    raise ctx.fail(child, f"auth_hmac key id {key_id} out of range 1..255")
                if key_id in first_line:
                    raise ctx.fail(
                        child,
                        f"auth_hmac key id {key_id} defined twice "
                        f"(first at line {first_line[key_id]})",
                    )
                first_line[key_id] = child.line
                try:
                    lifetimes = _lifetimes(
                        ctx, child, key_id, [t.text for t in child.args[2:]], raw
                    )
                except _Fail:
                    raw.failed_ids.add(key_id)
                    raise
                try:
                    loaded = load_key(child.args[1].text, base_dir=base_dir)
                except KeyValueError as exc:
                    raw.failed_ids.add(key_id)
                    msg = str(exc)
                    msg = msg.removeprefix("key: ")
                    raise ctx.fail(child, f"auth_hmac key {key_id}: {msg}") from None
                for w in loaded.warnings:
                    ctx.warning(child, f"auth_hmac key {key_id}: {w}")
                raw.keys.append(
                    HmacKey(
                        id=key_id,
                        secret=loaded.secret,
                        form=loaded.form,
                        path=loaded.path,
                        send_lifetime=lifetimes.get("send_lifetime"),
                        accept_lifetime=lifetimes.get("accept_lifetime"),
                        file=child.file,
                        line=child.line,
                    )
                )
            elif kw == "active_key":
                if (
                    not child.args
                    or not child.args[0].text.isdigit()
                    or len(child.args[0].text) > 6
                ):
                    raise ctx.fail(child, "active_key needs a key id (1..255)")
                raw.active_key = ctx.int_text(child, child.args[0].text, 1, 255, "active_key")
                raw.active_node = child
            elif kw == "anti_replay":
                value = child.args[0].text if child.args else ""
                if value not in ("time", "monotonic"):
                    raise ctx.fail(child, "anti_replay must be 'time' or 'monotonic'")
                raw.anti_replay = value
            elif kw == "time_window":
                if not child.args or not child.args[0].text.lstrip("-").isdigit():
                    raise ctx.fail(child, "time_window must be a whole number of seconds (1..300)")
                text = child.args[0].text
                if len(text) > 9:
                    raise ctx.fail(child, "time_window out of range 1..300")
                raw.time_window = ctx.int_text(child, text, 1, 300, "time_window")
                raw.time_window_node = child
            elif kw == "mode":
                value = child.args[0].text if child.args else ""
                if value not in ("enforce", "permissive", "receive-only"):
                    raise ctx.fail(child, "mode must be 'enforce', 'permissive' or 'receive-only'")
                raw.mode = value
            elif kw == "revoked_keys":
                raw.uses(kw)
                if not child.args:
                    raise ctx.fail(child, "revoked_keys needs at least one key id (1..255)")
                ids = []
                for tok in child.args:
                    t = tok.text
                    if not (t.isascii() and t.isdigit()) or len(t) > 6 or not 1 <= int(t) <= 255:
                        raise ctx.fail(
                            child, f"revoked_keys: '{_short(t)}' is not a key id (1..255)"
                        )
                    ids.append(int(t))
                for kid in ids:
                    raw.revoked.setdefault(kid, child)
            elif kw == "on_last_key_expiry":
                raw.uses(kw)
                value = child.args[0].text if child.args else ""
                if value not in ("keep", "stop") or len(child.args) > 1:
                    raise ctx.fail(child, "on_last_key_expiry must be 'keep' or 'stop'")
                raw.on_last_key_expiry = value
            else:
                ctx.unknown(child, "auth_hmac", secret_block=True)
        except _Fail:
            continue
    return raw


def _parse_legacy_auth(ctx: _Ctx, node: Node) -> LegacyAuth | None:
    auth_type: str | None = None
    password: str | None = None
    for child in ctx.block(node):
        kw = child.keyword
        if kw == "auth_type":
            value = child.args[0].text if child.args else ""
            if value.upper() not in ("PASS", "AH"):
                ctx.error(child, "auth_type must be PASS or AH")
                return None
            auth_type = value.upper()
        elif kw == "auth_pass":
            if not child.args:
                ctx.error(child, "auth_pass needs a value")
                return None
            password = child.args[0].text
            if len(password) > 8:
                ctx.warning(
                    child,
                    "auth_pass is longer than 8 characters; only the first 8 are used",
                )
                password = password[:8]
        else:
            ctx.unknown(child, "authentication", secret_block=True)
    if auth_type is None:
        ctx.error(node, "authentication block has no auth_type")
        return None
    if password is None:
        ctx.error(node, "authentication block has no auth_pass")
        return None
    return LegacyAuth(
        type=cast(Any, auth_type),
        password=Secret(password.encode("utf-8", errors="replace")),
        file=node.file,
        line=node.line,
    )


# --------------------------------------------------------------------------- tracking


def _parse_track_interfaces(ctx: _Ctx, node: Node) -> list[TrackInterface]:
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
        except _Fail:
            continue
    return out


def _parse_track_scripts(ctx: _Ctx, node: Node) -> list[TrackScript]:
    out = []
    for child in ctx.block(node):
        try:
            out.append(
                TrackScript(
                    child.keyword, *_weight_opts(ctx, child, "track_script"), child.file, child.line
                )
            )
        except _Fail:
            continue
    return out


def _parse_track_files(ctx: _Ctx, node: Node, what: str = "track_file") -> list[TrackFile]:
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
                            child, f"{what} {child.keyword}: unknown option '{_short(word)}'"
                        )
                    reverse = word == "reverse"
            out.append(TrackFile(child.keyword, weight, reverse, child.file, child.line))
        except _Fail:
            continue
    return out


def _block_weight(ctx: _Ctx, node: Node, what: str) -> tuple[int, bool]:
    """``weight W [reverse]`` in a track_file or vrrp_track_process block."""
    words = node.arg_texts
    if not words:
        raise ctx.fail(node, f"{what}: weight needs a value")
    weight = ctx.int_text(node, words[0], -254, 254, f"{what}: weight")
    for word in words[1:]:
        if word != "reverse":
            raise ctx.fail(node, f"{what}: unknown weight option '{_short(word)}'")
    return weight, len(words) > 1


def _parse_track_file(ctx: _Ctx, node: Node) -> TrackFileConfig | None:
    """A top-level ``track_file NAME { file PATH; weight W [reverse];
    init_file [VALUE] [overwrite] }`` (``vrrp_track_file``: its old name)."""
    if not node.args:
        ctx.error(node, f"{node.keyword} needs a name")
        return None
    name = node.args[0].text
    t: dict[str, Any] = {}
    for child in ctx.block(node):
        kw = child.keyword
        try:
            if kw == "file":
                t["path"] = ctx.string(child)
            elif kw == "weight":
                t["weight"], t["reverse"] = _block_weight(ctx, child, f"track_file {name}")
            elif kw == "init_file":
                t["init_value"] = 0
                for word in child.arg_texts:
                    if word == "overwrite":
                        t["init_overwrite"] = True
                    else:
                        t["init_value"] = ctx.int_text(
                            child, word, -(2**31), 2**31 - 1, f"track_file {name}: init_file"
                        )
            else:
                ctx.unknown(child, "track_file")
        except _Fail:
            continue
    if "path" not in t:
        ctx.warning(node, f"track_file {name} has no file; ignored")
        return None
    return TrackFileConfig(name=name, file=node.file, line=node.line, **t)


def _parse_track_process(ctx: _Ctx, node: Node) -> TrackProcessConfig | None:
    """A ``vrrp_track_process NAME { ... }`` block (keepalived's keywords)."""
    if not node.args:
        ctx.error(node, "vrrp_track_process needs a name")
        return None
    name = node.args[0].text
    t: dict[str, Any] = {}
    for child in ctx.block(node):
        kw = child.keyword
        try:
            if kw == "process":
                words = child.arg_texts
                if not words:
                    raise ctx.fail(child, f"vrrp_track_process {name}: process needs a name")
                t["process"] = words[0]
                if len(words) > 1:
                    # parameters: matched against the command line, exactly by default
                    t["params"] = tuple(words[1:])
                    t["full_command"] = True
                    t.setdefault("param_match", "exact")
            elif kw == "param_match":
                mode = child.arg_texts[0] if child.arg_texts else "exact"
                if mode not in ("exact", "initial", "partial"):
                    raise ctx.fail(
                        child,
                        f"vrrp_track_process {name}: param_match '{_short(mode)}' is not "
                        "exact, initial or partial",
                    )
                t["param_match"] = mode
                t["full_command"] = True
            elif kw == "full_command":
                t["full_command"] = True
            elif kw == "weight":
                t["weight"], t["reverse"] = _block_weight(ctx, child, f"vrrp_track_process {name}")
            elif kw == "quorum":
                t["quorum"] = ctx.integer(child, 1, 65535)
            elif kw == "quorum_max":
                t["quorum_max"] = ctx.integer(child, 0, 65535)
            elif kw in ("delay", "terminate_delay", "fork_delay"):
                value = ctx.decimal(child)
                if not Decimal("0.000001") <= value <= Decimal(3600):
                    raise ctx.fail(child, f"{kw} {value} out of range 0.000001..3600 seconds")
                cs = int((value * 100).to_integral_value(ROUND_HALF_UP))
                if kw != "fork_delay":
                    t["terminate_delay_cs"] = cs
                if kw != "terminate_delay":
                    t["fork_delay_cs"] = cs
            else:
                ctx.unknown(child, "vrrp_track_process")
        except _Fail:
            continue
    if "process" not in t:
        ctx.warning(node, f"vrrp_track_process {name} has no process; ignored")
        return None
    qmax = t.get("quorum_max")
    if qmax is not None and qmax < t.get("quorum", 1):
        if qmax == 0:
            t["quorum"] = 0  # keepalived: quorum_max 0 means "none may run"
        else:
            ctx.error(node, f"vrrp_track_process {name}: quorum_max {qmax} is less than quorum")
            return None
    return TrackProcessConfig(name=name, file=node.file, line=node.line, **t)


def _weight_opts(ctx: _Ctx, node: Node, what: str) -> tuple[int | None, bool]:
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
            raise ctx.fail(node, f"{what} {node.keyword}: unknown option '{_short(words[i])}'")
    return weight, reverse


# --------------------------------------------------------------------------- vrrp_script


def _parse_script(ctx: _Ctx, node: Node) -> ScriptConfig | None:
    if not node.args:
        ctx.error(node, "vrrp_script needs a name")
        return None
    name = node.args[0].text
    s: dict[str, Any] = {}
    for child in ctx.block(node):
        kw = child.keyword
        try:
            if kw == "script":
                s["script"] = ctx.string(child)
            elif kw in ("interval", "timeout"):
                value = ctx.decimal(child)
                if not Decimal(0) < value <= Decimal(86400):
                    raise ctx.fail(child, f"{kw} {value} out of range (0, 86400] seconds")
                s[kw] = math.ceil(value)
            elif kw == "weight":
                if not child.args:
                    raise ctx.fail(child, "weight needs a value")
                s["weight"] = ctx.int_text(child, child.args[0].text, -253, 253, "weight")
                rest = child.arg_texts[1:]
                if rest == ["reverse"]:
                    s["weight_reverse"] = True
                elif rest:
                    ctx.warning(child, "weight: extra words after the value ignored")
            elif kw in ("rise", "fall"):
                s[kw] = ctx.integer(child, 1, 1000000)
            elif kw == "user":
                if not child.args:
                    raise ctx.fail(child, "user needs a user name")
                s["user"] = child.args[0].text
                if len(child.args) > 1:
                    s["group"] = child.args[1].text
            elif kw == "init_fail":
                s["init_fail"] = True
            else:
                ctx.unknown(child, "vrrp_script")
        except _Fail:
            continue
    if "script" not in s:
        ctx.warning(node, f"vrrp_script {name} has no script; ignored")
        return None
    return ScriptConfig(name=name, file=node.file, line=node.line, **s)


# --------------------------------------------------------------------------- sync group


def _parse_sync_group(ctx: _Ctx, node: Node) -> SyncGroupConfig | None:
    if not node.args:
        ctx.error(node, "vrrp_sync_group needs a name")
        return None
    name = node.args[0].text
    s: dict[str, Any] = {}
    members: list[str] = []
    for child in ctx.block(node):
        kw = child.keyword
        try:
            if kw == "group":
                for m in ctx.block(child):
                    for word in [m.keyword, *m.arg_texts]:
                        if word in members:
                            ctx.warning(m, f"vrrp_sync_group {name}: {word} listed twice")
                        else:
                            members.append(word)
            elif kw in ("notify_master", "notify_backup", "notify_fault", "notify_stop", "notify"):
                s[kw] = ctx.string(child)
            elif kw == "track_interface":
                s["track_interfaces"] = tuple(_parse_track_interfaces(ctx, child))
            elif kw == "track_script":
                s["track_scripts"] = tuple(_parse_track_scripts(ctx, child))
            elif kw == "smtp_alert":
                s[kw] = ctx.flag(child)
            elif kw in ("global_tracking", "sync_group_tracking_weight"):
                ctx.not_implemented(child, "vrrp_sync_group")
            else:
                ctx.unknown(child, "vrrp_sync_group")
        except _Fail:
            continue
    return SyncGroupConfig(name=name, members=tuple(members), file=node.file, line=node.line, **s)


# --------------------------------------------------------------------------- vrrp_instance


@dataclass
class _RawInstance:
    node: Node
    name: str
    values: dict[str, Any] = field(default_factory=dict)
    nodes: dict[str, Node] = field(default_factory=dict)
    vips: list[VirtualAddress] = field(default_factory=list)
    excluded: list[VirtualAddress] = field(default_factory=list)
    routes: list[VirtualRoute] = field(default_factory=list)
    peers: list[UnicastPeer] = field(default_factory=list)
    track_if: list[TrackInterface] = field(default_factory=list)
    track_scripts: list[TrackScript] = field(default_factory=list)
    track_files: list[TrackFile] = field(default_factory=list)
    track_processes: list[TrackProcess] = field(default_factory=list)
    legacy: LegacyAuth | None = None
    legacy_node: Node | None = None
    hmac: _RawHmac | None = None
    fatal: bool = False


def _parse_instance(ctx: _Ctx, node: Node) -> _RawInstance | None:
    if not node.args:
        ctx.error(node, "vrrp_instance needs a name")
        return None
    raw = _RawInstance(node, node.args[0].text)
    v = raw.values
    for child in ctx.block(node):
        kw = child.keyword
        if (
            kw in raw.nodes
            and kw in INSTANCE_KEYWORDS
            and child.children is None
            and kw not in ("notify",)
        ):
            ctx.warning(
                child, f"{kw} given twice (first at line {raw.nodes[kw].line}); last one used"
            )
        raw.nodes[kw] = child
        try:
            if kw == "state":
                state = ctx.one_arg(child)
                if state not in ("MASTER", "BACKUP"):
                    # keepalived: case matters, and anything else means BACKUP
                    ctx.warning(
                        child, f"unknown state '{_short(state)}' (MASTER or BACKUP); using BACKUP"
                    )
                    state = "BACKUP"
                v["initial_state"] = state
            elif kw == "interface":
                v["interface"] = ctx.one_arg(child)
            elif kw == "virtual_router_id":
                v["vrid"] = ctx.integer(child, 1, 255)
            elif kw == "priority":
                v["priority"] = ctx.integer(child, 1, 255)
            elif kw == "advert_int":
                adv = ctx.decimal(child)
                if adv <= 0:
                    raise ctx.fail(child, f"advert_int {child.args[0].text} must be greater than 0")
                v["advert_int"] = adv
            elif kw == "version":
                v["version"] = ctx.integer(child, 2, 3)
            elif kw == "nopreempt":
                v["nopreempt"] = True
            elif kw == "preempt":
                v["nopreempt"] = False
            elif kw == "preempt_delay":
                delay = ctx.decimal(child)
                if not Decimal(0) <= delay <= Decimal(1000):
                    raise ctx.fail(
                        child, f"preempt_delay {child.args[0].text} out of range 0..1000"
                    )
                v["preempt_delay_cs"] = int((delay * 100).to_integral_value(ROUND_HALF_UP))
            elif kw == "accept":
                v["accept"] = True
            elif kw == "no_accept":
                v["accept"] = False
            elif kw == "strict_mode":
                v["strict"] = ctx.flag(child)
            elif kw in ("unicast_src_ip", "mcast_src_ip"):
                v["unicast_src_ip"] = ctx.sockaddr(child, ctx.one_arg(child), kw)
            elif kw == "unicast_peer":
                for peer in ctx.block(child):
                    try:
                        raw.peers.append(_parse_peer(ctx, peer))
                    except _Fail:
                        continue
            elif kw == "unicast_ttl":
                v["unicast_ttl"] = ctx.integer(child, 1, 255)
            elif kw == "min_ttl":
                v["min_ttl"] = ctx.integer(child, 0, 255)
            elif kw in ("virtual_ipaddress", "virtual_ipaddress_excluded"):
                target = raw.vips if kw == "virtual_ipaddress" else raw.excluded
                for item in ctx.block(child):
                    try:
                        target.append(_parse_vip(ctx, item))
                    except _Fail:
                        continue
            elif kw == "virtual_routes":
                for item in ctx.block(child):
                    try:
                        raw.routes.append(_parse_route(ctx, item))
                    except _Fail:
                        continue
            elif kw == "track_interface":
                raw.track_if.extend(_parse_track_interfaces(ctx, child))
            elif kw == "track_script":
                raw.track_scripts.extend(_parse_track_scripts(ctx, child))
            elif kw == "track_file":
                raw.track_files.extend(_parse_track_files(ctx, child))
            elif kw == "track_process":
                raw.track_processes.extend(_parse_track_files(ctx, child, "track_process"))
            elif kw in (
                "notify_master",
                "notify_backup",
                "notify_fault",
                "notify_stop",
                "notify",
                "notify_master_rx_lower_pri",
            ):
                v[kw] = ctx.string(child)
            elif kw == "notify_priority_changes":
                v[kw] = ctx.flag(child)
            elif kw == "notify_deleted":
                v[kw] = ctx.string(child) if child.args else True
            elif kw == "down_timer_adverts":
                v[kw] = ctx.integer(child, 1, 100)
            elif kw == "smtp_alert":
                v[kw] = ctx.flag(child)
            elif kw in ("garp_master_delay", "garp_lower_prio_delay"):
                v[kw] = ctx.seconds(child, 0, 1000)
            elif kw == "garp_master_refresh":
                v[kw] = ctx.seconds(child, 0, 86400)
            elif kw in (
                "garp_master_repeat",
                "garp_master_refresh_repeat",
                "garp_lower_prio_repeat",
            ):
                v[kw] = ctx.repeat(child)
            elif kw in ("lower_prio_no_advert", "higher_prio_send_advert", "skip_check_adv_addr"):
                v[kw] = ctx.flag(child)
            elif kw == "check_unicast_src":
                ctx.flag(child)
            elif kw == "authentication":
                raw.legacy_node = child
                raw.legacy = _parse_legacy_auth(ctx, child)
            elif kw == "auth_hmac":
                if raw.hmac is not None:
                    ctx.warning(child, "auth_hmac given twice; the last block is used")
                raw.hmac = _parse_auth_hmac(ctx, child)
            elif kw in INSTANCE_UNIMPLEMENTED:
                ctx.not_implemented(child, "vrrp_instance")
            else:
                ctx.unknown(child, "vrrp_instance")
        except _Fail:
            continue
    return raw


def _parse_peer(ctx: _Ctx, node: Node) -> UnicastPeer:
    addr = ctx.sockaddr(node, node.keyword, "unicast_peer")
    words = node.arg_texts
    opts: dict[str, int] = {}
    i = 0
    while i < len(words):
        if words[i] in ("min_ttl", "max_ttl") and i + 1 < len(words):
            opts[words[i]] = ctx.int_text(
                node, words[i + 1], 0, 255, f"unicast_peer {addr}: {words[i]}"
            )
            i += 2
        else:
            raise ctx.fail(node, f"unicast_peer {addr}: unknown option '{_short(words[i])}'")
    return UnicastPeer(addr, file=node.file, line=node.line, **opts)


def _advert_cs(ctx: _Ctx, raw: _RawInstance, version: int) -> int:
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
    ctx: _Ctx,
    raw: _RawInstance,
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
        ctx.error(node, f"vrrp_instance {name} has no interface")
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
                _at(vip),
                f"virtual address {vip.address} is IPv{vip.family} but vrrp_instance {name} is "
                f"IPv{family} (from line {first.line}); one instance is one family: move it to "
                "virtual_ipaddress_excluded or to another instance",
            )
        else:
            vips.append(vip)
    src: IPAddress | None = v.get("unicast_src_ip")
    if family is None:
        if src is not None:
            family = src.version
        elif raw.peers:
            family = raw.peers[0].address.version
        else:
            family = 4
        ctx.warning(node, f"vrrp_instance {name} has no virtual_ipaddress")
    seen: dict[Any, VirtualAddress] = {}
    unique: list[VirtualAddress] = []
    for vip in vips:
        if vip.address.ip in seen:
            ctx.warning(
                _at(vip),
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
                _at(p),
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
    if strict and peers:
        ctx.error(
            raw.nodes.get("unicast_peer") or node,
            f"vrrp_instance {name}: unicast peers are not allowed in strict mode",
        )
        ok = False

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
            ctx.warning(_at(tf), f"track_file {tf.name}: no track_file block {tf.name}; ignored")
        elif any(o.name == tf.name for o in tfiles):
            ctx.warning(_at(tf), f"track_file {tf.name} listed twice; ignored")
        else:
            tfiles.append(tf)

    tprocs: list[TrackProcess] = []
    for tp in raw.track_processes:
        if tp.name not in track_processes:
            ctx.warning(
                _at(tp), f"track_process {tp.name}: no vrrp_track_process {tp.name}; ignored"
            )
        elif any(o.name == tp.name for o in tprocs):
            ctx.warning(_at(tp), f"track_process {tp.name} listed twice; ignored")
        else:
            tprocs.append(tp)

    # track scripts must name a vrrp_script
    tscripts = []
    for ts in raw.track_scripts:
        if ts.name not in scripts:
            ctx.warning(_at(ts), f"track_script {ts.name}: no vrrp_script {ts.name}; ignored")
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
        checksum_as_v2=g.v3_checksum_as_v2,
        skip_check_adv_addr=v.get("skip_check_adv_addr", g.vrrp_skip_check_adv_addr),
        file=node.file,
        line=node.line,
    )


def default_time_window(advert_int_cs: int) -> int:
    """``max(3 * advert_int, 5)`` seconds, rounded up, capped at 300."""
    return min(300, max(5, math.ceil(3 * advert_int_cs / 100)))


def _finish_hmac(
    ctx: _Ctx, raw: _RawHmac, name: str, advert_cs: int, strict: bool
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


def _check_lifecycle(ctx: _Ctx, raw: _RawHmac, name: str, mode: str, ids: set[int]) -> None:
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
                _at(k),
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


def _at(obj: Any) -> Node:
    return Node("", (), None, obj.file, obj.line)


# --------------------------------------------------------------------------- MTU and host


def _apply_mtu(ctx: _Ctx, inst: InstanceConfig, mtus: MtuSource | None) -> InstanceConfig:
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
        _at(first),
        f"vrrp_instance {inst.name}: {len(inst.virtual_addresses)} virtual addresses do not fit "
        f"in one advert ({why}"
        f"{' with the auth_hmac trailer' if signs and mtu is not None else ''}); "
        f"{len(moved)} moved to virtual_ipaddress_excluded: {listed}",
    )
    return replace(inst, virtual_addresses=keep, excluded_addresses=inst.excluded_addresses + moved)


def _check_interfaces(
    ctx: _Ctx, raw: _RawInstance, inst: InstanceConfig, interfaces: Collection[str]
) -> None:
    if inst.interface is not None and inst.interface not in interfaces:
        ctx.warning(
            raw.nodes.get("interface") or raw.node,
            f"interface {inst.interface} does not exist on this host",
        )
    for t in inst.track_interfaces:
        if t.name not in interfaces:
            ctx.warning(_at(t), f"track_interface {t.name} does not exist on this host")
    for a in (*inst.virtual_addresses, *inst.excluded_addresses):
        if a.dev is not None and a.dev not in interfaces:
            ctx.warning(_at(a), f"interface {a.dev} (of {a.address}) does not exist on this host")


# --------------------------------------------------------------------------- top level


def _configure(
    ctx: _Ctx,
    tree: list[Node],
    files: tuple[str, ...],
    mtus: MtuSource | None,
    interfaces: Collection[str] | None,
) -> Config:
    g = GlobalDefs()
    raws: list[_RawInstance] = []
    scripts: dict[str, ScriptConfig] = {}
    track_files: dict[str, TrackFileConfig] = {}
    track_processes: dict[str, TrackProcessConfig] = {}
    groups_raw: list[SyncGroupConfig] = []
    for node in tree:
        kw = node.keyword
        try:
            if kw == "global_defs":
                g = _parse_global(ctx, node, g)
            elif kw == "vrrp_instance":
                ctx.block(node)
                raw = _parse_instance(ctx, node)
                if raw is not None:
                    raws.append(raw)
            elif kw == "vrrp_script":
                ctx.block(node)
                script = _parse_script(ctx, node)
                if script is not None:
                    if script.name in scripts:
                        ctx.error(
                            node,
                            f"vrrp_script {script.name} defined twice "
                            f"(first at line {scripts[script.name].line})",
                        )
                    scripts[script.name] = script
            elif kw == "vrrp_track_process":
                ctx.block(node)
                tp = _parse_track_process(ctx, node)
                if tp is not None:
                    if tp.name in track_processes:
                        ctx.error(
                            node,
                            f"vrrp_track_process {tp.name} defined twice "
                            f"(first at line {track_processes[tp.name].line})",
                        )
                    track_processes[tp.name] = tp
            elif kw in ("track_file", "vrrp_track_file"):
                ctx.block(node)
                tf = _parse_track_file(ctx, node)
                if tf is not None:
                    if tf.name in track_files:
                        ctx.error(
                            node,
                            f"track_file {tf.name} defined twice "
                            f"(first at line {track_files[tf.name].line})",
                        )
                    track_files[tf.name] = tf
            elif kw == "vrrp_sync_group":
                ctx.block(node)
                group = _parse_sync_group(ctx, node)
                if group is not None:
                    groups_raw.append(group)
            elif kw in UNIMPLEMENTED_SECTIONS or keywords.keepalived_knows("top", kw):
                what = "section" if node.children is not None else "keyword"
                why = keywords.reason(kw, kw)
                ctx.warning(node, f"{what} '{kw}' is not implemented by pyvrrp ({why}); skipped")
            elif _owner_of(kw) is not None:
                ctx.error(node, f"'{kw}' outside its block (it belongs in {_owner_of(kw)})")
            else:
                what = "section" if node.children is not None else "keyword"
                ctx.warning(node, f"unknown {what} '{_short(kw)}'; skipped")
        except _Fail:
            continue

    instances: list[InstanceConfig] = []
    by_name: dict[str, InstanceConfig] = {}
    vrids: dict[tuple[str | None, int, int], InstanceConfig] = {}
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

    declared = {raw.name for raw in raws}
    groups: list[SyncGroupConfig] = []
    member_of: dict[str, str] = {}
    for grp in groups_raw:
        members = []
        for m in grp.members:
            if m not in declared:
                ctx.warning(_at(grp), f"vrrp_sync_group {grp.name}: no vrrp_instance {m}; ignored")
            elif m in member_of:
                ctx.warning(
                    _at(grp),
                    f"vrrp_sync_group {grp.name}: {m} is already in vrrp_sync_group "
                    f"{member_of[m]}; ignored",
                )
            else:
                member_of[m] = grp.name
                members.append(m)
        groups.append(replace(grp, members=tuple(members)))

    return Config(
        global_defs=g,
        instances=tuple(instances),
        scripts=MappingProxyType(scripts),
        track_files=MappingProxyType(track_files),
        track_processes=MappingProxyType(track_processes),
        sync_groups=tuple(groups),
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
    ctx = _Ctx(diags)
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

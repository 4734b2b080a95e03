"""Typed, frozen settings produced by :mod:`pyvrrp.config.loader`.

Every object keeps the ``file`` and ``line`` it was read from. Secrets (auth_hmac
keys, the legacy ``auth_pass``) are :class:`~pyvrrp.auth.keys.Secret` objects:
their repr never shows the bytes, and :func:`redact` replaces them by
``"<redacted>"``.
"""

from __future__ import annotations

import dataclasses
import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

from pyvrrp.auth.keys import Secret
from pyvrrp.auth.lifecycle import Lifetime

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPInterface = ipaddress.IPv4Interface | ipaddress.IPv6Interface

Level = Literal["error", "warning", "info"]

REDACTED = "<redacted>"

DEFAULT_MCAST_GROUP4 = ipaddress.IPv4Address("224.0.0.18")
DEFAULT_MCAST_GROUP6 = ipaddress.IPv6Address("ff02::12")


def _empty_map() -> Mapping[str, Any]:
    return MappingProxyType({})


@dataclass(frozen=True)
class Diagnostic:
    """One finding about a configuration: ``FILE:LINE: level: message``."""

    file: str
    line: int
    level: Level
    message: str

    def format(self) -> str:
        return f"{self.file}:{self.line}: {self.level}: {self.message}"

    def __str__(self) -> str:
        return self.format()


@dataclass(frozen=True)
class VirtualAddress:
    """One ``virtual_ipaddress`` line. ``address`` always carries a prefix."""

    address: IPInterface
    dev: str | None = None
    label: str | None = None
    scope: str | None = None
    brd: IPAddress | None = None
    no_track: bool = False
    #: the line's own ``use_vmac``: a VMAC child on its interface
    use_vmac: bool = False
    #: the VMAC child it goes on (set by the loader: the instance's, or one
    #: of use_vmac_addr / the line's use_vmac), else None
    vmac: str | None = None
    file: str = ""
    line: int = 0

    @property
    def family(self) -> int:
        return self.address.version


@dataclass(frozen=True)
class VirtualRoute:
    """One ``virtual_routes`` line: the parsed common fields plus the raw text."""

    raw: str
    dest: str | None = None
    via: str | None = None
    dev: str | None = None
    src: str | None = None
    table: str | None = None
    metric: int | None = None
    scope: str | None = None
    type: str | None = None  # blackhole, unreachable, prohibit, ...
    onlink: bool = False
    #: multipath: (via, dev, weight, onlink) per ``nexthop``
    nexthops: tuple[tuple[str | None, str | None, int, bool], ...] = ()
    #: route metrics (RTAX_ name, value): mtu, advmss, window, congctl, ...
    metrics: tuple[tuple[str, int | str], ...] = ()
    #: the metrics given with ``lock`` (an RTAX_LOCK mask)
    lock: int = 0
    protocol: int | None = None
    tos: int | None = None
    realms: int | None = None
    #: IPv6 router preference (RFC 4191): 3 low, 0 medium, 1 high
    pref: int | None = None
    file: str = ""
    line: int = 0


@dataclass(frozen=True)
class VirtualRule:
    """One ``static_rules`` / ``virtual_rules`` line (a policy routing rule).
    ``src``/``dst`` None is ``all``; ``action`` is ``table``, ``blackhole``,
    ``unreachable``, ``prohibit`` or ``nop``."""

    raw: str
    family: int = 4
    action: str = "table"
    src: ipaddress.IPv4Network | ipaddress.IPv6Network | None = None
    dst: ipaddress.IPv4Network | ipaddress.IPv6Network | None = None
    table: int | None = None
    priority: int | None = None
    fwmark: int | None = None
    fwmask: int | None = None
    iif: str | None = None
    oif: str | None = None
    tos: int | None = None
    invert: bool = False
    no_track: bool = False
    file: str = ""
    line: int = 0


@dataclass(frozen=True)
class TrackInterface:
    name: str
    weight: int | None = None
    reverse: bool = False
    file: str = ""
    line: int = 0


@dataclass(frozen=True)
class TrackScript:
    name: str
    weight: int | None = None
    reverse: bool = False
    file: str = ""
    line: int = 0


@dataclass(frozen=True)
class TrackRef:
    """An instance's track_file or track_process entry: the block it names,
    and the weight / reverse it overrides (None: the block's own)."""

    name: str
    weight: int | None = None
    reverse: bool | None = None
    file: str = ""
    line: int = 0


TrackFile = TrackRef
TrackProcess = TrackRef


@dataclass(frozen=True)
class TrackFileConfig:
    """A track_file (or vrrp_track_file) block."""

    name: str
    path: str
    weight: int = 1
    reverse: bool = False
    #: init_file: the value written at start when the file is missing (None: no init_file)
    init_value: int | None = None
    #: init_file ... overwrite: written at start even when the file exists
    init_overwrite: bool = False
    file: str = ""
    line: int = 0


@dataclass(frozen=True)
class TrackProcessConfig:
    """A vrrp_track_process block."""

    name: str
    process: str
    params: tuple[str, ...] = ()
    param_match: str | None = None  # exact, initial, partial
    full_command: bool = False
    weight: int = 0
    reverse: bool = False
    quorum: int = 1
    quorum_max: int | None = None
    terminate_delay_cs: int = 0
    fork_delay_cs: int = 0
    file: str = ""
    line: int = 0


@dataclass(frozen=True)
class UnicastPeer:
    address: IPAddress
    min_ttl: int | None = None
    max_ttl: int | None = None
    file: str = ""
    line: int = 0


@dataclass(frozen=True)
class LegacyAuth:
    """The RFC 2338 ``authentication`` block (VRRPv2 only)."""

    type: Literal["PASS", "AH"]
    password: Secret
    file: str = ""
    line: int = 0


@dataclass(frozen=True)
class HmacKey:
    """One ``key <id> <value> [send_lifetime S E] [accept_lifetime S E]`` line
    of an ``auth_hmac`` block. A lifetime of ``None`` means always valid (the
    keepalived behaviour)."""

    id: int
    secret: Secret
    form: str  # "hex", "ascii" or "file"
    path: str | None = None
    send_lifetime: Lifetime | None = None
    accept_lifetime: Lifetime | None = None
    file: str = ""
    line: int = 0


AntiReplay = Literal["time", "monotonic"]
HmacMode = Literal["enforce", "permissive", "receive-only"]
LastKeyPolicy = Literal["keep", "stop"]


@dataclass(frozen=True)
class AuthHmacConfig:
    """An ``auth_hmac`` block after defaults and fallbacks."""

    keys: tuple[HmacKey, ...]
    active_key: int | None  # None only in receive-only mode
    anti_replay: AntiReplay = "time"
    time_window: int = 5
    time_window_explicit: bool = False
    mode: HmacMode = "enforce"
    revoked_keys: tuple[int, ...] = ()  # pyvrrp: refused at once, material kept
    on_last_key_expiry: LastKeyPolicy = "keep"  # pyvrrp: RFC 2328 D.3 / RFC 7166
    file: str = ""
    line: int = 0

    @property
    def key_map(self) -> Mapping[int, Secret]:
        return MappingProxyType({k.id: k.secret for k in self.keys})

    def key(self, key_id: int) -> HmacKey | None:
        for k in self.keys:
            if k.id == key_id:
                return k
        return None

    @property
    def signs(self) -> bool:
        return self.mode != "receive-only"


@dataclass(frozen=True)
class ScriptConfig:
    name: str
    script: str | None
    interval: float = 1  # seconds, to the millisecond as keepalived
    timeout: float | None = None  # seconds; None: same as interval
    weight: int = 0
    weight_reverse: bool = False
    rise: int = 1
    fall: int = 1
    user: str | None = None
    group: str | None = None
    init_fail: bool = False
    file: str = ""
    line: int = 0


@dataclass(frozen=True)
class SyncGroupConfig:
    name: str
    members: tuple[str, ...]
    notify_master: str | None = None
    notify_backup: str | None = None
    notify_fault: str | None = None
    notify_stop: str | None = None
    notify: str | None = None
    track_interfaces: tuple[TrackInterface, ...] = ()
    track_scripts: tuple[TrackScript, ...] = ()
    track_files: tuple[TrackRef, ...] = ()
    track_processes: tuple[TrackRef, ...] = ()
    #: sync_group_tracking_weight: members keep their own tracking weights
    tracking_weight: bool = False
    #: notify_priority_changes for the members that do not set their own
    notify_priority_changes: bool | None = None
    smtp_alert: bool | None = None
    file: str = ""
    line: int = 0


@dataclass(frozen=True)
class FifoConfig:
    """keepalived's ``notify_fifo`` / ``vrrp_notify_fifo`` (and ``..._script``)."""

    path: str | None = None
    user: str | None = None
    group: str | None = None
    script: str | None = None
    script_user: str | None = None
    script_group: str | None = None


@dataclass(frozen=True)
class GlobalDefs:
    router_id: str | None = None
    vrrp_mcast_group4: ipaddress.IPv4Address = DEFAULT_MCAST_GROUP4
    vrrp_mcast_group6: ipaddress.IPv6Address = DEFAULT_MCAST_GROUP6
    vrrp_version: int = 2
    vrrp_version_explicit: bool = False
    vrrp_strict: bool = False
    vrrp_garp_master_delay: int = 5  # seconds
    vrrp_garp_master_repeat: int = 5
    vrrp_garp_master_refresh: int = 0  # seconds, 0 = off
    vrrp_garp_master_refresh_repeat: int = 1
    vrrp_garp_lower_prio_delay: int | None = None  # None: same as master delay
    vrrp_garp_lower_prio_repeat: int | None = None  # None: same as master repeat
    vrrp_garp_interval_cs: int = 0  # delay between gratuitous ARPs, centiseconds
    vrrp_gna_interval_cs: int = 0  # delay between unsolicited NAs, centiseconds
    vrrp_lower_prio_no_advert: bool = False
    vrrp_higher_prio_send_advert: bool = False
    script_user: str | None = None
    script_group: str | None = None
    enable_script_security: bool = False
    vrrp_skip_check_adv_addr: bool = False
    vrrp_check_unicast_src: bool = False
    v3_checksum_as_v2: bool = False
    #: vrrp_owner_ignore_adverts: the default of an address owner's owner_ignore_adverts
    vrrp_owner_ignore_adverts: bool = False
    notify_fifo: FifoConfig | None = None
    vrrp_notify_fifo: FifoConfig | None = None
    vrrp_notify_priority_changes: bool = False
    fifo_write_vrrp_states_on_reload: bool = False
    #: run before any instance starts / after they all stopped (keepalived)
    startup_script: str | None = None
    startup_script_user: str | None = None  # None: script_user
    startup_script_group: str | None = None
    startup_script_timeout: int = 10  # seconds
    shutdown_script: str | None = None
    shutdown_script_user: str | None = None
    shutdown_script_group: str | None = None
    shutdown_script_timeout: int = 10  # seconds
    vrrp_down_timer_adverts: int = 3
    # The process keywords (daemon/process.py): scheduling, memory, CPUs, name.
    vrrp_priority: int | None = None  # nice value, -20..19
    vrrp_rt_priority: int | None = None  # SCHED_RR priority, 1..99
    vrrp_rlimit_rttime: int = 10_000  # microseconds of CPU a realtime turn may take
    max_auto_priority: int | None = None  # None/0: off; -1: off, quietly; else the cap
    min_auto_priority_delay: int = 1_000_000  # microseconds late before a boost
    vrrp_no_swap: bool = False
    vrrp_cpu_affinity: tuple[int, ...] = ()
    vrrp_startup_delay_cs: int = 0
    vrrp_delay_after_boot_cs: int = 0
    process_name: str | None = None
    # smtp_alert (daemon/smtp.py): keepalived's mail on each state change.
    notification_email: tuple[str, ...] = ()
    notification_email_from: str | None = None
    smtp_server: str | None = None
    smtp_port: int = 25
    smtp_helo_name: str | None = None
    smtp_connect_timeout: int = 30  # seconds
    smtp_alert: bool | None = None  # the default for smtp_alert_vrrp
    smtp_alert_vrrp: bool | None = None  # the default for instances and groups
    no_email_faults: bool = False
    # keepalived's dumps (daemon/dumps.py)
    #: SIGUSR1's data dump: None is keepalived's default, $TMPDIR/keepalived.data
    state_dump_file: str | None = None
    data_use_instance: bool = False
    #: nftables [TABLE]: the Accept_Mode filter's table (None: "pyvrrp")
    nftables: str | None = None
    nftables_priority: int = -1
    nftables_counters: bool = False
    #: vrrp_iptables [IN [OUT]]: the iptables form of the filter, jumped to
    #: from IN (and OUT); None: not asked for (net/iptables.py)
    vrrp_iptables: tuple[str, str | None] | None = None
    #: vrrp_ipsets ADDR [ADDR6 ...]: the ipsets of the iptables form; None: none
    vrrp_ipsets: tuple[str, str] | None = None
    #: log_unknown_vrids: log adverts for VRIDs not configured on their interface
    log_unknown_vrids: bool = False
    #: the process-events socket's receive buffer (None: 1 MiB)
    process_monitor_rcv_bufs: int | None = None
    process_monitor_rcv_bufs_force: bool = False
    #: the process's umask (files it creates: dumps, FIFOs); None: left as inherited
    umask: int | None = None
    stats_dump_file: str = "/tmp/keepalived.stats"
    json_dump_file: str = "/tmp/keepalived.json"
    json_version: int = 1
    #: vrrp_rx_bufs_policy: MTU or ADVERT (times vrrp_rx_bufs_multiplier), or a size
    vrrp_rx_bufs_policy: str | None = None
    vrrp_rx_bufs_size: int | None = None
    vrrp_rx_bufs_multiplier: int = 3
    #: the netlink sockets' receive buffers: commands (pyroute2's) and the
    #: link / address monitors; _force: past net.core.rmem_max
    vrrp_netlink_cmd_rcv_bufs: int | None = None
    vrrp_netlink_cmd_rcv_bufs_force: bool = False
    vrrp_netlink_monitor_rcv_bufs: int | None = None
    vrrp_netlink_monitor_rcv_bufs_force: bool = False
    #: nftables_ifindex: read; pyvrrp's filter names no interface
    nftables_ifindex: bool = False
    #: default_interface: where static addresses without dev go, and the
    #: addresses of an instance without an interface (keepalived: eth0)
    default_interface: str = "eth0"
    #: disable_local_igmp: net.ipv4.igmp_link_local_mcast_reports 0 while running
    disable_local_igmp: bool = False
    #: dynamic_interfaces: an instance whose interface is missing at start
    #: waits in FAULT for it instead of stopping the start
    dynamic_interfaces: bool = False
    #: the names of VMAC children when use_vmac names none: PREFIX.VRID
    vmac_prefix: str = "vrrp"
    vmac_addr_prefix: str | None = None
    #: vrrp_garp_extra_if [all] SECONDS: the instances' default garp_extra_if
    vrrp_garp_extra_if: int = 0
    vrrp_garp_extra_if_all: bool = False
    file: str = ""
    line: int = 0


@dataclass(frozen=True)
class GarpGroup:
    """``garp_group``: the least delay, seconds, between two gratuitous ARPs
    (``garp_interval``) or unsolicited NAs (``gna_interval``) sent on any of
    ``interfaces`` (None: the global vrrp_garp_interval / vrrp_gna_interval)."""

    interfaces: tuple[str, ...] = ()
    garp_interval: float | None = None
    gna_interval: float | None = None
    file: str = ""
    line: int = 0


@dataclass(frozen=True)
class Vmac:
    """use_vmac / use_ipvlan: the child interface an instance lives on
    (RFC 9568 7.3's virtual MAC, or an ipvlan where extra MACs are not
    allowed). The virtual addresses go on it, and the adverts leave from it
    unless ``xmit_base``."""

    name: str
    kind: Literal["macvlan", "ipvlan"] = "macvlan"
    #: the child's MAC (macvlan): 00:00:5e:00:01:VRID (IPv4), :02:VRID (IPv6)
    mac: str | None = None
    #: vmac_xmit_base: adverts sent and received on the base interface
    xmit_base: bool = False
    #: the link group (None: the base interface's, as keepalived copies it)
    group: int | None = None
    #: use_ipvlan's address (with prefix), added on the child; the adverts' source
    address: ipaddress.IPv4Interface | ipaddress.IPv6Interface | None = None
    #: use_ipvlan's mode flag: bridge, private or vepa
    ipvlan_mode: Literal["bridge", "private", "vepa"] = "bridge"
    #: netlink_notify_msg: re-set the base's link group after creating the child
    netlink_notify: bool = False


@dataclass(frozen=True)
class InstanceConfig:
    name: str
    interface: str | None
    vrid: int
    priority: int = 100
    advert_int_cs: int = 100
    version: int = 2
    family: int = 4
    initial_state: Literal["MASTER", "BACKUP"] | None = None
    nopreempt: bool = False
    preempt_delay_cs: int = 0
    accept: bool = True
    strict: bool = False
    unicast_src_ip: IPAddress | None = None
    unicast_peers: tuple[IPAddress, ...] = ()
    unicast_peer_options: tuple[UnicastPeer, ...] = ()
    unicast_ttl: int = 255
    min_ttl: int | None = None
    virtual_addresses: tuple[VirtualAddress, ...] = ()
    excluded_addresses: tuple[VirtualAddress, ...] = ()
    virtual_routes: tuple[VirtualRoute, ...] = ()
    virtual_rules: tuple[VirtualRule, ...] = ()
    #: kernel_rx_buf_size: the VRRP socket's receive buffer, bytes (None: pyvrrp's)
    kernel_rx_buf_size: int | None = None
    #: promote_secondaries: net.ipv4.conf.IF.promote_secondaries set while running
    promote_secondaries: bool = False
    #: dont_track_primary: the instance's own interface going down is no FAULT
    dont_track_primary: bool = False
    #: unicast_fault_no_peer: with no unicast peer the instance stays in FAULT
    unicast_fault_no_peer: bool = False
    track_interfaces: tuple[TrackInterface, ...] = ()
    track_scripts: tuple[TrackScript, ...] = ()
    track_files: tuple[TrackFile, ...] = ()
    track_processes: tuple[TrackProcess, ...] = ()
    notify_master: str | None = None
    notify_backup: str | None = None
    notify_fault: str | None = None
    notify_stop: str | None = None
    notify: str | None = None
    notify_master_rx_lower_pri: str | None = None
    #: notify_deleted: True or its script (DELETED instead of FAULT on removal)
    notify_deleted: str | bool = False
    down_timer_adverts: int = 3
    #: owner_ignore_adverts: an address owner (priority 255) drops every advert
    owner_ignore_adverts: bool = False
    #: old_unicast_checksum: the VRRPv3 IPv4 checksum of keepalived 1.3.6 and
    #: before, whose pseudo-header names ``checksum_group`` as destination
    #: ("always"); "auto": switch to it on hearing it over unicast; "never": don't
    old_unicast_checksum: Literal["auto", "never", "always"] = "auto"
    #: vrrp_mcast_group4, the destination in that old checksum's pseudo-header
    checksum_group: IPAddress = DEFAULT_MCAST_GROUP4
    smtp_alert: bool | None = None  # None: global_defs' smtp_alert_vrrp / smtp_alert
    #: notify_priority_changes (None: global_defs' vrrp_notify_priority_changes)
    notify_priority_changes: bool | None = None
    garp_master_delay: int = 5  # seconds
    garp_master_repeat: int = 5
    garp_master_refresh: int = 0  # seconds, 0 = off
    garp_master_refresh_repeat: int = 1
    garp_lower_prio_delay: int = 5
    garp_lower_prio_repeat: int = 5
    lower_prio_no_advert: bool = False
    higher_prio_send_advert: bool = False
    legacy_auth: LegacyAuth | None = None
    auth_hmac: AuthHmacConfig | None = None
    mcast_group: IPAddress = DEFAULT_MCAST_GROUP4
    checksum_as_v2: bool = False
    skip_check_adv_addr: bool = False
    #: linkbeat_use_polling in an instance (deprecated): its interface is polled
    linkbeat_use_polling: bool = False
    #: vrf NAME: a unicast instance without an interface, in that VRF
    vrf: str | None = None
    #: track_src_ip: FAULT while the configured source address is not on the interface
    track_src_ip: bool = False
    #: use_vmac / use_ipvlan
    vmac: Vmac | None = None
    #: use_vmac_addr / an address's use_vmac: VMAC children on other interfaces
    #: (or for the other family), each (name, base interface, family, MAC)
    addr_vmacs: tuple[tuple[str, str, int, str], ...] = ()
    #: garp_extra_if: seconds between gratuitous ARPs / NAs on the other
    #: interfaces of the addresses while Master (0: off); ``all``: every such
    #: interface, else only VMAC ones
    garp_extra_if: int = 0
    garp_extra_if_all: bool = False
    file: str = ""
    line: int = 0

    @property
    def link(self) -> str | None:
        """Where the virtual addresses without ``dev`` live and the gratuitous
        ARPs go: the VMAC / ipvlan child if there is one, else the interface."""
        return self.vmac.name if self.vmac is not None else self.interface

    def vip_link(self, v: VirtualAddress) -> str | None:
        """The interface a virtual address goes on."""
        return v.vmac or v.dev or self.link

    @property
    def socket_interface(self) -> str | None:
        """Where the adverts are sent and received: the child, unless
        vmac_xmit_base (or no child)."""
        if self.vmac is not None and not self.vmac.xmit_base:
            return self.vmac.name
        return self.interface or self.vrf

    @property
    def unicast(self) -> bool:
        return bool(self.unicast_peers)

    @property
    def advert_int(self) -> float:
        """The advertisement interval in seconds."""
        return self.advert_int_cs / 100

    @property
    def auth_summary(self) -> str:
        if self.auth_hmac is not None:
            h = self.auth_hmac
            active = "none" if h.active_key is None else str(h.active_key)
            return f"hmac({h.mode}, active key {active})"
        if self.legacy_auth is not None:
            return self.legacy_auth.type
        return "none"


@dataclass(frozen=True)
class Config:
    global_defs: GlobalDefs = field(default_factory=GlobalDefs)
    instances: tuple[InstanceConfig, ...] = ()
    scripts: Mapping[str, ScriptConfig] = field(default_factory=_empty_map)
    track_files: Mapping[str, TrackFileConfig] = field(default_factory=_empty_map)
    track_processes: Mapping[str, TrackProcessConfig] = field(default_factory=_empty_map)
    sync_groups: tuple[SyncGroupConfig, ...] = ()
    #: static_ipaddress / static_routes: on the host whatever the state
    static_addresses: tuple[VirtualAddress, ...] = ()
    static_routes: tuple[VirtualRoute, ...] = ()
    static_rules: tuple[VirtualRule, ...] = ()
    #: garp_group blocks
    garp_groups: tuple[GarpGroup, ...] = ()
    #: linkbeat_interfaces: interface -> how its link is read (MII, ETHTOOL,
    #: IOCTL, or None: the first that answers), polled instead of netlink
    linkbeat_interfaces: Mapping[str, str | None] = field(default_factory=_empty_map)
    #: linkbeat_use_polling (top level): every watched interface is polled
    linkbeat_use_polling: bool = False
    #: interface_up_down_delays: ifname -> (down delay, up delay), seconds
    interface_delays: Mapping[str, tuple[float, float]] = field(default_factory=_empty_map)
    source_files: tuple[str, ...] = ()

    def instance(self, name: str) -> InstanceConfig | None:
        for inst in self.instances:
            if inst.name == name:
                return inst
        return None

    def to_json(self) -> dict[str, Any]:
        return redact(self)


@dataclass(frozen=True)
class LoadResult:
    config: Config | None
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def infos(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.level == "info"]

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.level == "error"]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.level == "warning"]

    def format(self) -> str:
        return "\n".join(d.format() for d in self.diagnostics)


def _jsonable(value: Any) -> Any:
    if isinstance(value, Secret):
        return REDACTED
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [_jsonable(v) for v in value]
    if isinstance(value, bool | int | float | str) or value is None:
        return value
    return str(value)  # ip addresses, interfaces, paths


def redact(obj: Any) -> Any:
    """JSON-able effective settings; every secret is shown as ``"<redacted>"``."""
    return _jsonable(obj)

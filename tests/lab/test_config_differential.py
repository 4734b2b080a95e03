"""pyvrrp's config reader against keepalived's own: ``keepalived -t``.

Hypothesis writes a vrrp_instance with one keyword given a valid, boundary
or malformed value, in a file both programs read. keepalived runs its config
test inside a lab namespace that has the instance's interface (``eth0``, a
veth), pyvrrp's loader is given that namespace's interfaces: so neither side
complains of this machine. keepalived complains of a value (its exit status
is not 0: it reported a config error, then carried on with a default or
ignored the line) exactly when pyvrrp reports it (an error, when pyvrrp
refuses the file, or a warning, when it carries on as keepalived does); the
lines keepalived names ("(FILE: Line N)") are among pyvrrp's.

Disagreements that are keepalived's choices pyvrrp does not copy, or 2.2.7
(Debian's) behaviour that 2.4 changed, are listed in KNOWN with why.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pyvrrp.config import load
from pyvrrp.lab import Lab
from pyvrrp.lab.keepalived import KEEPALIVED, keepalived_available

pytestmark = [pytest.mark.lab, pytest.mark.keepalived]

BASE = ("interface eth0", "virtual_router_id 51", "priority 100")


def config(keyword: str, value: str) -> str:
    """A vrrp_instance whose line 5 is ``keyword value`` (given once: keepalived
    takes a repeated keyword silently, pyvrrp warns)."""
    lines = [ln for ln in BASE if ln.split()[0] != keyword]
    lines += ["# -"] * (3 - len(lines))
    lines.append(f"{keyword} {value}".rstrip())
    body = "".join(f"    {ln}\n" for ln in lines)
    vips = "    virtual_ipaddress {\n        10.0.9.9/32\n    }\n"
    return f"vrrp_instance VI_1 {{\n{body}{vips}}}\n"


LINE_OF_KEYWORD = 5

_INT = st.one_of(st.integers(-2, 300).map(str), st.sampled_from(["1.5", "x", "0x10", ""]))
_DECIMAL = st.sampled_from(
    ["0", "0.01", "0.5", "1", "1.005", "1.5", "40.95", "40.96", "255", "256", "-1", "1e2", "x"]
)
_BOOL = st.sampled_from(["", "true", "false", "on", "off", "yes", "no", "maybe"])
_ADDR = st.sampled_from(
    [
        "10.0.0.1",
        "10.0.0.1/24",
        "10.0.0.1-5",
        "10.0.0.300",
        "10.0.0",
        "fe80::1",
        "x",
    ]
)
#: keyword -> its values (an empty string: the keyword alone).
VALUES: dict[str, st.SearchStrategy[str]] = {
    "priority": _INT,
    "virtual_router_id": _INT,
    "advert_int": _DECIMAL,
    "preempt_delay": st.one_of(_INT, _DECIMAL),
    "garp_master_delay": _INT,
    "garp_master_repeat": _INT,
    "unicast_src_ip": _ADDR,
    "state": st.sampled_from(["MASTER", "BACKUP", "master", "backup", "FAULT", "x"]),
    "version": st.sampled_from(["2", "3", "4", "x"]),
    "nopreempt": st.just(""),
    "accept": st.just(""),
    "no_accept": st.just(""),
    "unicast_ttl": _INT,
    "garp_master_refresh": _INT,
    "garp_master_refresh_repeat": _INT,
    "garp_lower_prio_delay": _INT,
    "garp_lower_prio_repeat": _INT,
    "down_timer_adverts": _INT,
    "lower_prio_no_advert": _BOOL,
    "higher_prio_send_advert": _BOOL,
    "notify_priority_changes": _BOOL,
    "smtp_alert": _BOOL,
    "strict_mode": _BOOL,
    "skip_check_adv_addr": _BOOL,
    "check_unicast_src": _BOOL,
    "mcast_src_ip": _ADDR,
    "notify_master": st.sampled_from(["/bin/true", '"/bin/true x"', ""]),
    "notify_deleted": st.sampled_from(["", "/bin/true"]),
    "v3_checksum_as_v2": _BOOL,
    "kernel_rx_buf_size": st.sampled_from(["0", "300000", "-1", "x", "4294967296"]),
    "promote_secondaries": st.just(""),
    "mcast_dst_ip": st.sampled_from(["224.0.0.19", "10.0.0.1", "ff02::12", "ff05::1", "x"]),
    "dont_track_primary": st.just(""),
    "unicast_fault_no_peer": st.just(""),
    "old_unicast_checksum": st.sampled_from(["", "never", "sometimes"]),
    "use_vmac": st.sampled_from(
        [
            "",
            "vm1",
            "name vm1",
            "02:11:22:33:44",
            "vm1 02:11:22:33:44:55",
            "00:00:5e:00:01:05",
            "01:00:5e:00:00:01",
            "02:11:22",
            "netlink_notify_msg",
            "group 0",
            "group no-such-group",
            "a_name_much_too_long_for_linux",
        ]
    ),
    "vmac_xmit_base": st.just(""),
    "use_ipvlan": st.sampled_from(
        ["", "10.0.9.8/24", "ipv1 10.0.9.8/24 private", "fd00::5", "10.0.9.8 bridge vepa"]
    ),
    "garp_extra_if": st.sampled_from(["", "all", "all 60", "60", "0", "86401", "x"]),
    "vmac_garp_intvl": st.sampled_from(["30"]),
    "native_ipv6": st.just(""),
    "track_src_ip": st.just(""),
    "use_vmac_addr": st.just(""),
    "vrf": st.sampled_from(["blue", "a_name_much_too_long_for_linux"]),
    "linkbeat_use_polling": st.just(""),
}
#: global_defs keywords -> their values
GLOBAL_VALUES: dict[str, st.SearchStrategy[str]] = {
    "vrrp_version": st.sampled_from(["2", "3", "4", "x"]),
    "vrrp_garp_master_delay": _INT,
    "vrrp_garp_master_repeat": _INT,
    "vrrp_garp_interval": st.sampled_from(["0", "0.001", "1", "1.5", "1000", "4294.967296", "x"]),
    "vrrp_priority": st.sampled_from(["-21", "-20", "19", "20", "x"]),
    "vrrp_rt_priority": st.sampled_from(["0", "1", "99", "100", "x"]),
    "max_auto_priority": st.sampled_from(["", "-2", "-1", "0", "99", "100"]),
    "vrrp_down_timer_adverts": _INT,
    "vrrp_startup_delay": st.sampled_from(["0", "0.001", "5.5", "x", "-1"]),
    "smtp_connect_timeout": _INT,
    "vrrp_notify_priority_changes": _BOOL,
    "vrrp_cpu_affinity": st.sampled_from(["0", "0 1", "x"]),
    "min_auto_priority_delay": st.sampled_from(["0", "1", "10000000", "10000001"]),
    "startup_script_timeout": st.sampled_from(["0", "1", "1000", "1001"]),
    "router_id": st.sampled_from(["r1", ""]),
    "umask": st.sampled_from(["022", "0x12", "18", "IWGRP|IWOTH", "0999", "01000", "IWGRP|", "x"]),
    "state_dump_file": st.sampled_from(["/tmp/pyvrrp-diff.data", '""']),
    "data_use_instance": _BOOL,
    "nftables": st.sampled_from(["", "ka", "x" * 300]),
    "nftables_priority": st.sampled_from(["-1", "0", "-300", "x"]),
    "nftables_counters": st.just(""),
    "log_unknown_vrids": st.just(""),
    "process_monitor_rcv_bufs": st.sampled_from(["0", "500000", "-1", "x"]),
    "process_monitor_rcv_bufs_force": _BOOL,
    "vmac_prefix": st.sampled_from(["vm", ""]),
    "vrrp_garp_extra_if": st.sampled_from(["", "all 10", "0", "10", "all"]),
    "vrrp_vmac_garp_intvl": st.sampled_from(["10"]),
    "dynamic_interfaces": st.sampled_from(["", "allow_if_changes", "x"]),
    "vrrp_min_garp": _BOOL,
    "vrrp_rx_bufs_policy": st.sampled_from(
        ["MTU", "advert", "65536", "MTU ADVERT", "MTU 9", "x", ""]
    ),
    "vrrp_rx_bufs_multiplier": st.sampled_from(["0", "3", "x"]),
    "vrrp_netlink_cmd_rcv_bufs": st.sampled_from(["0", "1048576", "x", ""]),
    "vrrp_netlink_monitor_rcv_bufs_force": _BOOL,
    "default_interface": st.sampled_from(["eth0", ""]),
    "disable_local_igmp": st.just(""),
    "nftables_ifindex": st.just(""),
}

_WEIGHT = st.sampled_from(["-255", "-254", "-253", "-1", "0", "1", "253", "254", "10 reverse", "x"])
#: section -> keyword -> values: the other blocks pyvrrp reads (see section_config)
SECTION_VALUES: dict[str, dict[str, st.SearchStrategy[str]]] = {
    "vrrp_script": {
        "interval": _INT,
        "timeout": _INT,
        "weight": _WEIGHT,
        "rise": _INT,
        "fall": _INT,
        "init_fail": st.just(""),
        "user": st.sampled_from(["root", "root root", "no-such-user-pyvrrp", ""]),
    },
    "track_file": {
        "weight": _WEIGHT,
        "init_file": st.sampled_from(["", "5", "5 overwrite", "-3", "x", "5 x"]),
    },
    "vrrp_track_process": {
        "param_match": st.sampled_from(["exact", "initial", "partial", "x", ""]),
        "quorum": _INT,
        "quorum_max": _INT,
        "weight": _WEIGHT,
        "delay": _DECIMAL,
        "fork_delay": _DECIMAL,
        "terminate_delay": _DECIMAL,
        "full_command": st.just(""),
    },
    "garp_group": {
        "garp_interval": st.sampled_from(["0", "0.001", "0.000001", "0.0000001", "1.5", "x"]),
        "gna_interval": st.sampled_from(["0.5", "-1", ""]),
        "interface": st.sampled_from(["eth1", "eth0", "eth9"]),
    },
    "vrrp_sync_group": {
        "notify_master": st.sampled_from(["/bin/true", '"/bin/true x"', ""]),
        "smtp_alert": _BOOL,
        "notify_priority_changes": _BOOL,
        "sync_group_tracking_weight": st.just(""),
    },
}

#: (keyword, value) -> why the two may disagree. Each entry was seen.
KNOWN: dict[tuple[str, str], str] = {
    # Debian's keepalived is 2.2.7; pyvrrp follows 2.4:
    ("json_version", "1"): "added after 2.2.7 (2.2.7: unknown keyword)",
    ("json_version", "2"): "added after 2.2.7 (2.2.7: unknown keyword)",
    ("vrrp_strict", "maybe"): "2.4 checks the value (true/false); 2.2.7 ignores it",
    ("vrrp_rlimit_rttime", "1"): "keepalived.conf(5) 2.4: at least 2; 2.2.7 takes 1",
    ("state_dump_file", "/tmp/pyvrrp-diff.data"): "added after 2.2.7 (2.2.7: unknown keyword)",
    **{
        ("v3_checksum_as_v2", v): "per instance after 2.2.7 (2.2.7: unknown keyword there)"
        for v in ("", "true", "false", "on", "off", "yes", "no")
    },
    (
        "static_routes",
        "10.91.0.0/16 nexthop via 10.0.0.253 dev eth0 nexthop via 10.0.0.254 dev eth0 weight 2",
    ): "keepalived warns it cannot track (re-add) a multipath static route; pyvrrp does not watch",
    **{
        ("static_routes", f"{kind} {net}"): (
            "keepalived warns it cannot track (re-add) a static route with no interface; "
            "pyvrrp does not watch static routes"
        )
        for kind, net in (("unreachable", "10.94.0.0/16"), ("prohibit", "10.95.0.0/16"))
    },
    ("static_routes", "blackhole 10.21.0.0/16"): (
        "keepalived warns it cannot track (re-add) a static route with no interface; "
        "pyvrrp does not watch static routes"
    ),
    ("interface_up_down_delays", "eth0"): (
        "keepalived only logs the missing delays (not a config error); pyvrrp warns"
    ),
    ("interface_up_down_delays", "eth0 1 2 3"): (
        "keepalived only logs the extra word (not a config error); pyvrrp warns"
    ),
    **{
        ("no virtual_ipaddress", case): "no_virtual_ipaddress: added after 2.2.7"
        for case in ("v2 no_virtual_ipaddress", "v3 no_virtual_ipaddress")
    },
    ("use_vmac", "name vm1"): "use_vmac's name word: added after 2.2.7 (read as a name)",
    ("use_vmac", "group 0"): "use_vmac's group option: added after 2.2.7 (read as a name)",
    ("use_vmac", "netlink_notify_msg"): "added after 2.2.7 (2.2.7 reads it as a name)",
    ("vrrp_script.interval", "1.5"): "2.4 reads three decimals; 2.2.7 whole seconds",
    ("vrrp_script.timeout", "1.5"): "2.4 reads three decimals; 2.2.7 whole seconds",
}
#: keyword -> why keepalived names another line than the keyword's own.
OTHER_LINE = {
    "unicast_ttl": "keepalived checks it at the end of the block, and names the closing line",
    "unicast_src_ip": "keepalived blames the virtual_ipaddress line for a family mismatch",
    "mcast_src_ip": "keepalived blames the virtual_ipaddress line for a family mismatch",
    "mcast_dst_ip": (
        "keepalived takes the family from an IPv6 mcast_dst_ip and blames the IPv4 "
        "virtual_ipaddress line"
    ),
    "native_ipv6": "keepalived takes IPv6 from it and blames the IPv4 virtual_ipaddress line",
    "use_ipvlan": (
        "keepalived takes the family from an IPv6 ipvlan address and blames the IPv4 "
        "virtual_ipaddress line"
    ),
}


@pytest.fixture(scope="module")
def keepalived_ns(lab_ok: None) -> Iterator[tuple[Lab, str]]:
    if reason := keepalived_available():
        pytest.skip(reason)
    lab = Lab()
    try:
        ns = lab.add_ns("kt")
        lab.run(ns, ["ip", "link", "add", "eth0", "type", "veth", "peer", "name", "eth1"])
        lab.run(ns, ["ip", "link", "set", "eth0", "up"])
        yield lab, ns
    finally:
        lab.close()


def keepalived_verdict(lab: Lab, ns: str, path: Path) -> tuple[bool, set[int], str]:
    d = path.parent
    r = lab.run(
        ns,
        [
            KEEPALIVED,
            "-t",
            "-l",
            "--no-syslog",
            "-f",
            str(path),
            "-p",
            str(d / "k.pid"),
            "-r",
            str(d / "v.pid"),
            "-c",
            str(d / "c.pid"),
        ],
        check=False,
        timeout=20,
    )
    out = r.stdout + r.stderr
    lines = {int(m) for m in re.findall(rf"\({re.escape(str(path))}: Line (\d+)\)", out)}
    # Exit status 6 is keepalived's script-security verdict on this machine's
    # files (a script that exists and runs as root without
    # enable_script_security), filtered like its interface checks; it also
    # hides a config error, so the error lines decide then.
    return r.returncode == 0 or (r.returncode == 6 and not lines), lines, out


def global_config(keyword: str, value: str) -> str:
    """An instance with ``keyword value`` on line 2 of a global_defs block."""
    return f"global_defs {{\n    {keyword} {value}".rstrip() + "\n}\n" + config("priority", "100")


#: What each section needs besides the keyword under test (which goes on line 3).
_SECTION_HEAD = {
    "vrrp_script": ("vrrp_script chk {", '    script "/bin/true"'),
    "track_file": ("track_file tf {", "    file /run/pyvrrp-diff-tf"),
    "vrrp_track_process": ("vrrp_track_process tp {", "    process pyvrrp-diff-none"),
    "vrrp_sync_group": ("vrrp_sync_group G {", "    group { VI_1 VI_2 }"),
    "garp_group": ("garp_group {", "    interface eth0"),
}
_SECTION_USE = {
    "vrrp_script": ["track_script {", "    chk", "}"],
    "track_file": ["track_file {", "    tf", "}"],
    "vrrp_track_process": ["track_process {", "    tp", "}"],
    "vrrp_sync_group": [],
    "garp_group": [],
}


def section_config(section: str, keyword: str, value: str) -> str:
    """A ``section`` block with ``keyword value`` on line 3, then two instances
    that use it (the second for the sync group)."""
    head, second = _SECTION_HEAD[section]
    block = f"{head}\n{second}\n    {keyword} {value}".rstrip() + "\n}\n"
    use = "".join(f"    {ln}\n" for ln in _SECTION_USE[section])
    out = block
    for name, vrid in (("VI_1", 51), ("VI_2", 52)):
        out += (
            f"vrrp_instance {name} {{\n    interface eth0\n    virtual_router_id {vrid}\n"
            f"    priority 100\n{use}    virtual_ipaddress {{\n        10.0.9.{vrid}/32\n"
            "    }\n}\n"
        )
    return out


def pyvrrp_verdict(path: Path) -> tuple[bool, set[int], str]:
    """(no complaint, the lines complained of, the report)."""
    result = load(path, env={}, interfaces=frozenset({"lo", "eth0", "eth1"}))
    lines = {d.line for d in result.diagnostics if d.line is not None}
    return not result.diagnostics, lines, result.format()


def _hypothesis(max_examples: int) -> Any:
    return settings(
        max_examples=max_examples,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )


@_hypothesis(120)
@given(data=st.data())
def test_pyvrrp_and_keepalived_agree_on_instance_keywords(
    keepalived_ns: tuple[Lab, str], tmp_path_factory: pytest.TempPathFactory, data: st.DataObject
) -> None:
    keyword = data.draw(st.sampled_from(sorted(VALUES)), label="keyword")
    value = data.draw(VALUES[keyword], label="value")
    path = tmp_path_factory.mktemp("diff") / "keepalived.conf"
    _agree(keepalived_ns, path, keyword, value, config(keyword, value))


@_hypothesis(80)
@given(data=st.data())
def test_pyvrrp_and_keepalived_agree_on_global_keywords(
    keepalived_ns: tuple[Lab, str], tmp_path_factory: pytest.TempPathFactory, data: st.DataObject
) -> None:
    keyword = data.draw(st.sampled_from(sorted(GLOBAL_VALUES)), label="keyword")
    value = data.draw(GLOBAL_VALUES[keyword], label="value")
    path = tmp_path_factory.mktemp("diffg") / "keepalived.conf"
    _agree(keepalived_ns, path, keyword, value, global_config(keyword, value))


#: Every keyword above with fixed valid, boundary and malformed values: all
#: of them run (hypothesis above adds random integers).
_FIXED_INT = ["-1", "0", "1", "2", "100", "254", "255", "256", "1.5", "x", ""]
_FIXED_BOOL = ["", "true", "false", "on", "off", "yes", "no", "maybe"]


def _fixed(strategy_values: dict[str, st.SearchStrategy[str]]) -> list[tuple[str, str]]:
    cases = []
    for keyword, strategy in sorted(strategy_values.items()):
        if strategy is _INT:
            values = _FIXED_INT
        elif strategy is _BOOL:
            values = _FIXED_BOOL
        else:
            values = sorted(set(_samples(strategy)))
        cases += [(keyword, v) for v in values]
    return cases


def _samples(strategy: st.SearchStrategy[str]) -> list[str]:
    """The values of a sampled_from / one_of(sampled_from...) strategy."""
    wrapped = getattr(strategy, "wrapped_strategy", strategy)
    elements = getattr(wrapped, "elements", None)
    if elements is not None:
        return list(elements)
    out: list[str] = []
    for sub in getattr(wrapped, "original_strategies", ()):
        out += _samples(sub)
    return out


@pytest.mark.parametrize(("keyword", "value"), _fixed(VALUES))
def test_every_instance_case_agrees(
    keepalived_ns: tuple[Lab, str], tmp_path: Path, keyword: str, value: str
) -> None:
    if (keyword, value) in KNOWN:
        pytest.skip(KNOWN[(keyword, value)])
    _agree(keepalived_ns, tmp_path / "k.conf", keyword, value, config(keyword, value))


@pytest.mark.parametrize(("keyword", "value"), _fixed(GLOBAL_VALUES))
def test_every_global_case_agrees(
    keepalived_ns: tuple[Lab, str], tmp_path: Path, keyword: str, value: str
) -> None:
    if (keyword, value) in KNOWN:
        pytest.skip(KNOWN[(keyword, value)])
    _agree(keepalived_ns, tmp_path / "k.conf", keyword, value, global_config(keyword, value))


@_hypothesis(60)
@given(data=st.data())
def test_pyvrrp_and_keepalived_agree_on_section_keywords(
    keepalived_ns: tuple[Lab, str], tmp_path_factory: pytest.TempPathFactory, data: st.DataObject
) -> None:
    section = data.draw(st.sampled_from(sorted(SECTION_VALUES)), label="section")
    keyword = data.draw(st.sampled_from(sorted(SECTION_VALUES[section])), label="keyword")
    value = data.draw(SECTION_VALUES[section][keyword], label="value")
    path = tmp_path_factory.mktemp("diffs") / "keepalived.conf"
    text = section_config(section, keyword, value)
    _agree(keepalived_ns, path, f"{section}.{keyword}", value, text)


#: block -> items for a top-level block of lines (static_ipaddress, static_routes)
STATIC_ITEMS = {
    "static_ipaddress": [
        "10.9.9.1/24 dev eth0",
        "10.9.9.1/24",
        "10.9.9.300/24 dev eth0",
        "10.9.9.1/24 dev eth0 scope link",
        "fd00:9::1/64 dev eth0",
        "x",
    ],
    "static_rules": [
        "from 10.0.5.0/24 table 200 priority 200",
        "from 10.0.5.0/24 table 200",
        "from x table 1 priority 1",
        "from 10.0.5.0/24 priority 5",
        "to fd00::/8 lookup main pref 10",
        "to fd00::/8 lookup main preference 10",
        "from all fwmark 0x10/0xff blackhole priority 5",
        "from 10.0.5.0/24 to fd00::/8 table 7 priority 1",
        "not from 10.0.6.0/24 iif eth0 table 7 priority 7",
        "from 10.0.5.0/24 table 0 priority 1",
        "to 192.168.100./24 table 1 priority 1",
        "to 192.168.100 table 1 priority 1",
    ],
    "interface_up_down_delays": [
        "eth0 1 0.5",
        "eth0 0.000001",
        "eth0",
        "eth0 300",
        "eth0 x",
        "eth0 1 2 3",
        "nosuch 1",
    ],
    "static_routes": [
        "10.20.0.0/16 via 10.0.0.254 dev eth0",
        "10.20.0.0/16 via x",
        "blackhole 10.21.0.0/16",
        "src 10.9.9.1 10.22.0.0/16 via 10.0.0.254 dev eth0",
        "10.90.0.0/16 via 10.9.9.254 dev eth0 onlink",
        "10.91.0.0/16 nexthop via 10.0.0.253 dev eth0 nexthop via 10.0.0.254 dev eth0 weight 2",
        "10.92.0.0/16 nexthop via x dev eth0",
        "10.93.0.0/16 nexthop via 10.0.0.1 dev eth0 weight 0",
        "x",
        "unreachable 10.94.0.0/16",
        "prohibit 10.95.0.0/16",
        "10.96.0.0/16 via 10.0.0.254 dev eth0 mtu lock 1400 advmss 1360 congctl cubic",
        "10.96.0.0/16 via 10.0.0.254 dev eth0 rtt 100ms rttvar 50ms rto_min 200ms",
        "10.96.0.0/16 via 10.0.0.254 dev eth0 window lock 10",
        "10.96.0.0/16 via 10.0.0.254 dev eth0 mtu x",
        "10.96.0.0/16 via 10.0.0.254 dev eth0 protocol keepalived realms 5 tos 0x10",
        "10.96.0.0/16 via 10.0.0.254 dev eth0 initcwnd 10 initrwnd 10 features ecn quickack 1",
        "10.96.0.0/16 via 10.0.0.254 dev eth0 quickack 2",
        "fd00:96::/32 via fe80::1 dev eth0 pref high",
        "fd00:96::/32 via fe80::1 dev eth0 pref x",
        "10.96.0.0/16 via 10.0.0.254 dev eth0 protocol nosuch",
        "10.97.0.0/16 via 10.0.0.253 or 10.0.0.254 dev eth0",
        "10.96.0.0/16 via 10.0.0.254 dev eth0 frobnicate 1",
    ],
}


@pytest.mark.parametrize(
    ("block", "item"), [(b, i) for b, items in sorted(STATIC_ITEMS.items()) for i in items]
)
def test_every_static_case_agrees(
    keepalived_ns: tuple[Lab, str], tmp_path: Path, block: str, item: str
) -> None:
    if (block, item) in KNOWN:
        pytest.skip(KNOWN[(block, item)])
    text = f"{block} {{\n    {item}\n}}\n" + config("priority", "100")
    _agree(keepalived_ns, tmp_path / "k.conf", block, item, text)


#: An instance with no virtual_ipaddress: keepalived refuses it in VRRPv3 and
#: strict mode unless no_virtual_ipaddress (which strict mode clears).
NO_VIP_LINES = {
    "v2": [],
    "v3": ["version 3"],
    "v3 no_virtual_ipaddress": ["version 3", "no_virtual_ipaddress"],
    "v2 no_virtual_ipaddress": ["no_virtual_ipaddress"],
    "strict": ["strict_mode"],
    "strict no_virtual_ipaddress": ["strict_mode", "no_virtual_ipaddress"],
}


@pytest.mark.parametrize("case", sorted(NO_VIP_LINES))
def test_every_no_vip_case_agrees(
    keepalived_ns: tuple[Lab, str], tmp_path: Path, case: str
) -> None:
    if ("no virtual_ipaddress", case) in KNOWN:
        pytest.skip(KNOWN[("no virtual_ipaddress", case)])
    body = "".join(f"    {ln}\n" for ln in (*BASE, *NO_VIP_LINES[case]))
    text = f"vrrp_instance VI_1 {{\n{body}}}\n"
    _agree(keepalived_ns, tmp_path / "k.conf", "no virtual_ipaddress", case, text)


def _section_cases() -> list[tuple[str, str, str]]:
    return [
        (section, keyword, value)
        for section, table in sorted(SECTION_VALUES.items())
        for keyword, value in _fixed(table)
    ]


@pytest.mark.parametrize(("section", "keyword", "value"), _section_cases())
def test_every_section_case_agrees(
    keepalived_ns: tuple[Lab, str], tmp_path: Path, section: str, keyword: str, value: str
) -> None:
    """vrrp_script, track_file, vrrp_track_process and vrrp_sync_group keywords."""
    if (f"{section}.{keyword}", value) in KNOWN:
        pytest.skip(KNOWN[(f"{section}.{keyword}", value)])
    text = section_config(section, keyword, value)
    _agree(keepalived_ns, tmp_path / "k.conf", f"{section}.{keyword}", value, text)


def _agree(keepalived_ns: tuple[Lab, str], path: Path, keyword: str, value: str, text: str) -> None:
    """Both complain of ``text`` or neither does; keepalived's lines are pyvrrp's.
    (A case in KNOWN is not compared.)"""
    if (keyword, value) in KNOWN:
        return
    lab, ns = keepalived_ns
    path.write_text(text)
    k_ok, k_lines, k_out = keepalived_verdict(lab, ns, path)
    p_ok, p_lines, p_out = pyvrrp_verdict(path)
    assert k_ok == p_ok, (
        f"{keyword} {value!r}: keepalived {'accepts' if k_ok else 'complains'}, "
        f"pyvrrp {'accepts' if p_ok else 'complains'}\nkeepalived:\n{k_out}\npyvrrp:\n{p_out}"
    )
    if not k_ok and keyword not in OTHER_LINE:
        assert k_lines <= p_lines, f"{keyword} {value!r}: lines {k_lines} vs {p_lines}\n{p_out}"

"""Keywords of issue 16 read as keepalived reads them: the data dump's file,
script users, vrrp_script intervals to the millisecond, param_match."""

from __future__ import annotations

from ipaddress import ip_address, ip_network

from pyvrrp.config import loads

INST = """vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 51
    priority 100
    virtual_ipaddress {
        10.0.9.9/32
    }
}
"""


def _load(text: str):  # type: ignore[no-untyped-def]
    return loads(text + INST, name="k.conf", env={})


def test_state_dump_file_and_data_use_instance() -> None:
    r = _load("global_defs {\n    state_dump_file /run/ka/state.data\n    data_use_instance\n}\n")
    assert r.ok and not r.diagnostics, r.format()
    g = r.config.global_defs
    assert (g.state_dump_file, g.data_use_instance) == ("/run/ka/state.data", True)
    bad = _load('global_defs {\n    state_dump_file ""\n}\n')
    assert "state_dump_file requires a non-empty path" in bad.format()


def test_startup_and_shutdown_scripts_keep_their_user_and_group() -> None:
    r = _load(
        "global_defs {\n    startup_script /bin/up nobody nogroup\n"
        "    shutdown_script /bin/down nobody\n}\n"
    )
    g = r.config.global_defs
    assert (g.startup_script, g.startup_script_user, g.startup_script_group) == (
        "/bin/up",
        "nobody",
        "nogroup",
    )
    assert (g.shutdown_script_user, g.shutdown_script_group) == ("nobody", None)


def test_script_interval_to_the_millisecond() -> None:
    r = _load('vrrp_script s {\n    script "/bin/true"\n    interval 0.5\n    timeout 2.0005\n}\n')
    sc = r.config.scripts["s"]
    assert (sc.interval, sc.timeout) == (0.5, 2.001)  # keepalived: three decimals
    r = _load('vrrp_script s {\n    script "/bin/true"\n    interval 3\n}\n')
    assert r.config.scripts["s"].interval == 3


def test_script_with_a_missing_user_is_dropped() -> None:
    text = 'vrrp_script s {\n    script "/bin/true"\n    user no-such-user-pyvrrp\n}\n'
    r = loads(
        text
        + INST.replace(
            "    priority 100\n", "    priority 100\n    track_script {\n        s\n    }\n"
        ),
        name="k.conf",
        env={},
    )
    assert "s" not in r.config.scripts
    text_out = r.format()
    assert "no user no-such-user-pyvrrp on this host; the script is ignored" in text_out
    assert "track_script s: no vrrp_script s; ignored" in text_out
    assert r.config.instances[0].track_scripts == ()


def test_param_match_takes_no_exact_word() -> None:
    base = "vrrp_track_process p {\n    process sshd\n    param_match%s\n}\n"
    assert _load(base % "").config.track_processes["p"].param_match == "exact"
    assert _load(base % " initial").config.track_processes["p"].param_match == "initial"
    assert "is not initial or partial" in _load(base % " exact").format()


def test_umask_numbers_and_symbols_as_keepalived() -> None:
    for text, value in (("022", 0o22), ("0x12", 0x12), ("18", 18), ("IWGRP|IWOTH", 0o22)):
        r = _load(f"global_defs {{\n    umask {text}\n}}\n")
        assert r.config.global_defs.umask == value, (text, r.format())
    for bad in ("0999", "01000", "IWGRP|", "x"):
        assert "umask" in _load(f"global_defs {{\n    umask {bad}\n}}\n").format()


def test_v3_checksum_as_v2_per_instance() -> None:
    inst = INST.replace("    priority 100\n", "    priority 100\n    v3_checksum_as_v2\n")
    r = loads(inst, name="k.conf", env={})
    assert r.config.instances[0].checksum_as_v2
    assert not loads(INST, name="k.conf", env={}).config.instances[0].checksum_as_v2


def test_nftables_keywords() -> None:
    r = _load(
        "global_defs {\n    nftables ka\n    nftables_priority -5\n    nftables_counters\n}\n"
    )
    g = r.config.global_defs
    assert (g.nftables, g.nftables_priority, g.nftables_counters) == ("ka", -5, True)
    assert _load("global_defs {\n    nftables\n}\n").config.global_defs.nftables == "pyvrrp"
    assert _load("global_defs {}\n").config.global_defs.nftables is None
    r = _load("global_defs {\n    vrrp_iptables\n}\n")
    assert r.config.global_defs.nftables is None
    assert r.config.global_defs.vrrp_iptables == ("INPUT", "OUTPUT")
    assert "iptables" not in r.format()
    r = _load("global_defs {\n    nftables a\n    nftables b\n}\n")
    assert "nftables already specified" in r.format()


def test_static_ipaddress_and_routes() -> None:
    r = _load(
        "static_ipaddress {\n    10.9.9.1/24 dev eth0 scope link\n    10.9.9.2/24\n"
        "    10.9.9.1/24 dev eth0\n}\n"
        "static_routes {\n    10.20.0.0/16 via 10.9.9.254 dev eth0\n}\n"
    )
    cfg = r.config
    assert [(str(v.address), v.dev, v.scope) for v in cfg.static_addresses] == [
        ("10.9.9.1/24", "eth0", "link"),
        ("10.9.9.2/24", "eth0", None),  # keepalived's default interface
    ]
    assert [(x.dest, x.via, x.dev) for x in cfg.static_routes] == [
        ("10.20.0.0/16", "10.9.9.254", "eth0")
    ]
    text = r.format()
    assert "k.conf:4: warning: static_ipaddress 10.9.9.1/24 dev eth0 listed twice" in text


def test_static_and_virtual_rules_as_keepalived_reads_them() -> None:
    r = _load(
        "static_rules {\n"
        "    from 10.0.5.0/24 table 200 priority 200\n"
        "    to fd00:9::/64 lookup main preference 10\n"
        "    from all fwmark 0x10/0xff iif eth0 blackhole priority 5\n"
        "    not from 10.0.6.0/24 table 7\n"
        "    from 10.0.7.0/24 table 7 priority 1 uidrange 1-2\n"
        "    from 10.0.8.0/24 to fd00::/8 table 7 priority 1\n"
        "    from 10.0.9.0/24 priority 3\n"
        "}\n"
    )
    rules = r.config.static_rules
    assert [(x.family, x.action, x.table, x.priority) for x in rules] == [
        (4, "table", 200, 200),
        (6, "table", 254, 10),
        (4, "blackhole", None, 5),
        (4, "table", 7, 16384),  # keepalived's countdown, with its warning
    ]
    assert (rules[2].fwmark, rules[2].fwmask, rules[2].iif, rules[2].src) == (16, 255, "eth0", None)
    assert rules[3].invert and str(rules[3].src) == "10.0.6.0/24"
    text = r.format()
    assert "Rule has no preference specified - setting to 16384" in text
    assert "rule option uidrange is not supported by pyvrrp" in text
    assert "rule specification has mixed IPv4 and IPv6" in text
    assert "No action specified for rule" in text


def test_virtual_rules_in_an_instance() -> None:
    inst = INST.replace(
        "    priority 100\n",
        "    priority 100\n    virtual_rules {\n"
        "        from 10.0.9.9 table 100 priority 100\n    }\n",
    )
    r = loads(inst, name="k.conf", env={})
    (rule,) = r.config.instances[0].virtual_rules
    assert (str(rule.src), rule.table, rule.priority) == ("10.0.9.9/32", 100, 100)


def test_log_unknown_vrids_and_process_monitor_buffers() -> None:
    r = _load(
        "global_defs {\n    log_unknown_vrids\n    process_monitor_rcv_bufs 500000\n"
        "    process_monitor_rcv_bufs_force\n}\n"
    )
    g = r.config.global_defs
    assert (g.log_unknown_vrids, g.process_monitor_rcv_bufs) == (True, 500000)
    assert g.process_monitor_rcv_bufs_force


def test_instance_net_keywords() -> None:
    extra = "    promote_secondaries\n    kernel_rx_buf_size 300000\n"
    inst = INST.replace("    priority 100\n", "    priority 100\n" + extra)
    r = loads(inst, name="k.conf", env={})
    vi = r.config.instances[0]
    assert (vi.promote_secondaries, vi.kernel_rx_buf_size) == (True, 300000)
    bad = loads(inst.replace("300000", "x"), name="k.conf", env={})
    assert "invalid kernel_rx_buf_size" in bad.format()
    novip = "vrrp_instance VI_1 {\n    interface eth0\n    virtual_router_id 51\n}\n"
    assert "has no virtual_ipaddress" in loads(novip, name="k.conf", env={}).format()
    quiet = novip.replace("51\n", "51\n    no_virtual_ipaddress\n")
    assert "has no virtual_ipaddress" not in loads(quiet, name="k.conf", env={}).format()


def test_mcast_dst_ip_dont_track_primary_unicast_fault_no_peer() -> None:
    def inst(extra: str) -> str:
        return INST.replace("    priority 100\n", "    priority 100\n" + extra)

    r = loads(
        inst("    mcast_dst_ip 224.0.0.19\n    dont_track_primary\n    unicast_fault_no_peer\n"),
        name="k.conf",
        env={},
    )
    vi = r.config.instances[0]
    assert str(vi.mcast_group) == "224.0.0.19"
    assert vi.dont_track_primary and vi.unicast_fault_no_peer
    for bad, why in (
        ("10.0.0.1", "not multicast"),
        ("ff05::1", "not link-local multicast"),
        ("ff02::12", "MUST match VRRP instance family"),
        ("x", "malformed mcast dest address"),
    ):
        assert why in loads(inst(f"    mcast_dst_ip {bad}\n"), name="k.conf", env={}).format()


def test_interface_up_down_delays() -> None:
    r = _load(
        "interface_up_down_delays {\n    eth0 1.5 0.25\n    eth1 2\n    eth2 x\n    eth3\n}\n"
    )
    assert dict(r.config.interface_delays) == {"eth0": (1.5, 0.25), "eth1": (2.0, 0.0)}
    text = r.format()
    assert "invalid down delay x for eth2" in text and "no timeouts specified for eth3" in text
    r = loads(
        "interface_up_down_delays {\n    nosuch 1\n}\n" + INST,
        name="k.conf",
        env={},
        interfaces=frozenset({"lo", "eth0"}),
    )
    assert "unknown interface nosuch specified for up/down delay" in r.format()


def test_no_virtual_ipaddress_as_keepalived() -> None:
    base = "vrrp_instance VI_1 {\n    interface eth0\n    virtual_router_id 51\n%s}\n"

    def result(lines: str):  # type: ignore[no-untyped-def]
        return loads(base % lines, name="k.conf", env={})

    assert result("").ok and "has no virtual_ipaddress" in result("").format()  # v2: warned
    assert not result("    version 3\n").ok  # v3: refused
    assert result("    version 3\n    no_virtual_ipaddress\n").ok
    strict = result("    strict_mode\n    no_virtual_ipaddress\n")
    assert not strict.ok and "incompatible" in strict.format()


def test_onlink_and_nexthop_routes() -> None:
    r = _load(
        "static_routes {\n"
        "    10.90.0.0/16 via 10.9.9.254 dev eth0 onlink\n"
        "    10.91.0.0/16 nexthop via 10.0.0.253 dev eth0 nexthop via 10.0.0.254 weight 2 onlink\n"
        "    10.92.0.0/16 nexthop via 10.0.0.1 weight 300\n"
        "}\n"
    )
    one, two = r.config.static_routes
    assert one.onlink and not one.nexthops
    assert two.nexthops == (("10.0.0.253", "eth0", 1, False), ("10.0.0.254", None, 2, True))
    assert "nexthop weight '300' is not 1..256" in r.format()


def test_owned_entries_round_trip_through_json() -> None:
    """What the daemon writes down for the run after a crash reads back equal."""
    import json as _json

    from pyvrrp.net.addresses import PolicyRule, VirtualAddress, VirtualRoute

    route = VirtualRoute.of(
        "10.91.0.0/16",
        onlink=True,
        nexthops=((ip_address("10.0.0.253"), "eth0", 1, False), (None, "eth1", 2, True)),
    )
    vip = VirtualAddress.of("10.0.9.9/24", "eth0", label="eth0:1", broadcast="10.0.9.255")
    rule = PolicyRule(family=4, priority=100, table=100, src=ip_network("10.0.0.0/8"))
    for obj in (route, vip, rule):
        text = _json.dumps(obj.to_json())
        assert type(obj).from_json(_json.loads(text)) == obj

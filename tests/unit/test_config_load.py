"""keepalived.conf loading: fixtures, reader features, fallbacks, MTU, redaction."""

from __future__ import annotations

import ipaddress
import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pyvrrp.config import (
    Config,
    addresses_that_fit,
    default_time_window,
    load,
    loads,
    redact,
)
from pyvrrp.config.lexer import Diagnostics, Reader

DATA = Path(__file__).resolve().parents[1] / "data"
CONFIGS = DATA / "configs"
CAPTURES = DATA / "captures"
# The project's own fixtures (tests/data/configs, one per construct keepalived's
# samples exercise) and the confs that made keepalived 2.4.3's captures.
SAMPLES = (
    *sorted(CONFIGS.glob("*.conf")),
    CONFIGS / "include" / "keepalived.conf",
    *sorted(CAPTURES.glob("*.conf")),
)
# keepalived's own samples, beside the repository on the project's machines only.
OPTIONAL_SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "configs"
KEY32 = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
KEY_BYTES = bytes(range(32))
ASCII_KEY = "correct-horse-battery-staple-0123456"


def _ok(text: str, **kw: object) -> Config:
    result = loads(text, name="t.conf", env=kw.pop("env", {}), **kw)  # type: ignore[arg-type]
    assert result.ok, result.format()
    assert result.config is not None
    return result.config


def _inst(*lines: str, vip: str = "192.0.2.1", head: str = "") -> str:
    body = "".join(f"    {line}\n" for line in lines)
    return (
        head
        + "vrrp_instance VI_1 {\n    interface eth0\n    virtual_router_id 51\n"
        + body
        + f"    virtual_ipaddress {{\n        {vip}\n    }}\n}}\n"
    )


# --------------------------------------------------------------------- fixtures


def test_fixtures_exist() -> None:
    assert len(SAMPLES) >= 17, SAMPLES


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_fixture_loads_without_error(path: Path) -> None:
    result = load(path, env={})
    assert result.ok, result.format()
    assert result.config is not None
    assert str(path) in result.config.source_files


@pytest.mark.skipif(not OPTIONAL_SAMPLES.is_dir(), reason="keepalived's samples not beside")
@pytest.mark.parametrize(
    "path", sorted(OPTIONAL_SAMPLES.glob("*")) if OPTIONAL_SAMPLES.is_dir() else []
)
def test_keepalived_sample_loads_without_error(path: Path) -> None:
    """Extra, where keepalived's own samples are at hand: each loads."""
    result = load(path, env={})
    assert result.ok, result.format()


@pytest.mark.parametrize(
    ("name", "line", "section"),
    [
        ("lvs_and_vrrp.conf", 27, "virtual_server_group"),
        ("lvs_and_vrrp.conf", 32, "virtual_server"),
        ("lvs_and_vrrp.conf", 56, "virtual_server"),
    ],
)
def test_unimplemented_sections_warned_once(name: str, line: int, section: str) -> None:
    path = CONFIGS / name
    result = load(path, env={})
    expected = f"{path}:{line}: warning: section '{section}' is not implemented by pyvrrp ("
    lines = result.format().splitlines()
    assert sum(1 for ln in lines if ln.startswith(expected) and ln.endswith("); skipped")) == 1
    # nested real_server / *_CHECK / url blocks are skipped with their section, not warned again
    assert not any(
        "real_server" in x or "_CHECK" in x or "_GET" in x or "'url'" in x for x in lines
    )


def test_static_sections_are_read() -> None:
    cfg = load(CONFIGS / "static_ipaddress.conf", env={}).config
    assert cfg is not None
    assert [(str(v.address), v.dev) for v in cfg.static_addresses] == [
        ("198.51.100.61/24", "ens3"),
        ("203.0.113.61/32", "ens4"),
    ]
    cfg = load(CONFIGS / "routes.conf", env={}).config
    assert cfg is not None
    assert [(r.dest, r.via, r.dev, r.src) for r in cfg.static_routes] == [
        ("203.0.113.0/26", "198.51.100.254", "ens3", "198.51.100.1"),
        ("203.0.113.64/26", None, "ens4", None),
    ]


def test_lvs_file_values() -> None:
    cfg = load(CONFIGS / "lvs_and_vrrp.conf", env={}).config
    assert cfg is not None
    assert cfg.global_defs.router_id == "LB_EDGE_1"
    (vi,) = cfg.instances
    assert (vi.name, vi.interface, vi.vrid, vi.priority) == ("WEB_VIP", "ens3", 60, 120)
    assert (vi.version, vi.family, vi.advert_int_cs, vi.nopreempt) == (2, 4, 200, True)
    assert vi.initial_state is None
    assert [str(a.address) for a in vi.virtual_addresses] == [
        "203.0.113.10/32",
        "203.0.113.11/32",
    ]
    assert vi.mcast_group == ipaddress.ip_address("224.0.0.18")
    assert vi.legacy_auth is None and vi.auth_hmac is None


def test_captures_values() -> None:
    cap = CAPTURES
    v6 = load(cap / "v3-ipv6-multicast-hmac.conf", env={}).config
    assert v6 is not None
    (i6,) = v6.instances
    assert (i6.family, i6.version, str(i6.mcast_group)) == (6, 3, "ff02::12")
    assert str(i6.virtual_addresses[0].address) == "fd77:9::100/64"
    h = i6.auth_hmac
    assert h is not None
    assert (h.active_key, h.mode, h.anti_replay, h.time_window) == (1, "enforce", "time", 5)
    assert h.key_map[1].value == KEY_BYTES
    assert h.keys[0].form == "hex"

    uni = load(cap / "v3-ipv4-unicast-hmac.conf", env={}).config
    assert uni is not None
    (iu,) = uni.instances
    assert iu.unicast and iu.unicast_peers == (ipaddress.ip_address("10.77.1.2"),)
    assert iu.unicast_src_ip == ipaddress.ip_address("10.77.1.1")

    csum = load(cap / "v3-ipv4-multicast-plain-v3csum-as-v2.conf", env={}).config
    assert csum is not None and csum.instances[0].checksum_as_v2
    assert csum.global_defs.v3_checksum_as_v2

    pw = load(cap / "v2-ipv4-multicast-pass.conf", env={}).config
    assert pw is not None
    la = pw.instances[0].legacy_auth
    assert la is not None and la.type == "PASS" and la.password.value == b"secret12"
    assert "secret12" not in repr(pw)


@pytest.mark.parametrize(
    ("defines", "priority", "script"),
    [
        (["edge_a"], 200, "/usr/local/sbin/check_proxy_a"),
        (["edge_b"], 90, "/usr/local/sbin/check_proxy_b"),
    ],
)
def test_conditional_conf(defines: list[str], priority: int, script: str) -> None:
    result = load(CONFIGS / "conditional.conf", defines=defines, env={})
    assert result.ok
    cfg = result.config
    assert cfg is not None
    (vi,) = cfg.instances
    assert vi.priority == priority and vi.advert_int_cs == 300 and vi.version == 3
    assert cfg.scripts["chk_proxy"].script == script
    assert (cfg.scripts["chk_proxy"].fall, cfg.scripts["chk_proxy"].rise) == (4, 2)
    assert [t.name for t in vi.track_scripts] == ["chk_proxy"]
    assert [(t.name, t.weight) for t in vi.track_interfaces] == [("ens5", None), ("ens6", 15)]
    warnings = [d.message for d in result.diagnostics]
    assert (
        "keyword 'net_namespace' is not implemented by pyvrrp (keepalived's network namespace "
        "and instance handling: run pyvrrp inside the namespace); skipped"
    ) in warnings


def test_conditional_conf_without_id() -> None:
    result = load(CONFIGS / "conditional.conf", env={})
    assert result.ok
    assert result.config is not None
    assert result.config.instances[0].priority == 100
    # neither conditional script line applies: the script has none, so it is dropped
    assert "chk_proxy" not in result.config.scripts


def test_ipv6_instances() -> None:
    cfg = load(CONFIGS / "ipv6.conf", env={}).config
    assert cfg is not None
    mc, uc = cfg.instances
    assert (mc.family, mc.version, str(mc.mcast_group), mc.unicast) == (6, 3, "ff02::12", False)
    assert [str(a.address) for a in mc.virtual_addresses] == [
        "2001:db8:61::1/64",
        "fe80::61/128",
    ]
    assert [a.dev for a in mc.virtual_addresses] == [None, "ens3"]
    assert (uc.family, uc.version, uc.unicast) == (6, 3, True)
    assert uc.unicast_src_ip == ipaddress.ip_address("2001:db8:62::2")
    assert uc.unicast_peers == (ipaddress.ip_address("2001:db8:62::3"),)
    (route,) = uc.virtual_routes
    assert (route.dest, route.via) == ("2001:db8:99::/48", "2001:db8:62::254")


def test_tracking() -> None:
    cfg = load(CONFIGS / "tracking.conf", env={}).config
    assert cfg is not None
    assert len(cfg.instances) == 3
    s = cfg.scripts["chk_dns"]
    assert (s.script, s.interval, s.weight, s.fall, s.rise) == ("pidof unbound", 3, -10, 3, 2)
    assert cfg.scripts["chk_api"].script == "</dev/tcp/127.0.0.1/8080"
    assert cfg.scripts["chk_disk"].script == "/usr/local/bin/disk_ok --min 5%"
    vi = cfg.instances[0]
    assert [(t.name, t.weight) for t in vi.track_interfaces] == [
        ("ens4", 4),
        ("ens5", -6),
        ("ens6", None),
    ]
    assert [(t.name, t.weight) for t in vi.track_scripts] == [
        ("chk_dns", None),
        ("chk_api", 3),
        ("chk_disk", None),
    ]
    assert str(vi.virtual_addresses[0].address) == "198.51.100.53/26"
    assert [t.name for t in cfg.instances[1].track_scripts] == ["chk_api"]


def test_routes() -> None:
    cfg = load(CONFIGS / "routes.conf", env={}).config
    assert cfg is not None
    vi = cfg.instances[0]
    routes = vi.virtual_routes
    assert len(routes) == 7
    assert (routes[0].src, routes[0].dest, routes[0].via, routes[0].dev) == (
        "198.51.100.31",
        "203.0.113.128/26",
        "198.51.100.254",
        "ens4",
    )
    assert (routes[1].dest, routes[1].dev, routes[1].via) == ("203.0.113.192/27", "ens5", None)
    assert (routes[4].type, routes[4].dest) == ("unreachable", "192.0.2.250/32")
    assert (routes[5].type, routes[5].dest) == ("blackhole", "192.0.2.251/32")
    assert (routes[6].dest, routes[6].via, routes[6].table) == ("0.0.0.0/0", "198.51.100.1", "200")
    assert [a.dev for a in vi.virtual_addresses] == [None, "ens4", "ens5"]
    assert vi.virtual_addresses[2].label == "ens5:gw"


def test_sync_groups_and_notify() -> None:
    cfg = load(CONFIGS / "sync_and_notify.conf", env={}).config
    assert cfg is not None
    g1, g2 = cfg.sync_groups
    assert (g1.name, g1.members) == ("OUTSIDE_INSIDE", ("OUTSIDE", "INSIDE"))
    assert g1.notify_master == "/usr/local/sbin/fw-notify master both"
    assert g1.notify_backup == "/usr/local/sbin/fw-notify backup both"
    assert g1.notify_fault == "/usr/local/sbin/fw-notify fault both"
    assert (g2.name, g2.members) == ("DMZ_ONLY", ("DMZ",))
    dmz = cfg.instances[2]
    assert dmz.notify_master == "/usr/local/sbin/dmz  up    DMZ"
    assert dmz.notify_backup == "/usr/local/sbin/dmz  down  DMZ"
    assert dmz.notify_fault == "/usr/local/sbin/dmz  fault DMZ"
    assert dmz.notify == "/usr/local/sbin/dmz-any"
    la = cfg.instances[0].legacy_auth
    assert la is not None and la.type == "PASS"
    assert "fw71pass" not in repr(cfg)


def test_include_file_glob_and_definitions() -> None:
    main = CONFIGS / "include" / "keepalived.conf"
    result = load(main, env={})
    assert result.ok, result.format()
    cfg = result.config
    assert cfg is not None
    assert cfg.global_defs.router_id == "INCLUDED"
    assert cfg.source_files == (
        str(main),
        str(CONFIGS / "include" / "globals.conf"),
        str(CONFIGS / "include" / "conf.d" / "10-front.conf"),
        str(CONFIGS / "include" / "conf.d" / "20-back.conf"),
    )
    front, back = cfg.instances
    assert (front.name, front.interface, front.priority, front.version) == ("FRONT", "ens7", 140, 3)
    assert [(str(a.address), a.dev) for a in front.virtual_addresses] == [
        ("198.51.100.90/32", "ens7"),
        ("198.51.100.91/32", None),
    ]
    assert (back.name, back.interface, back.version) == ("BACK", "ens7", 3)
    assert back.file == str(CONFIGS / "include" / "conf.d" / "20-back.conf")


# --------------------------------------------------------------------- reader features


def test_comments_quotes_and_blocks() -> None:
    text = (
        "! comment\n"
        "# comment\n"
        "vrrp_script chk {  # trailing\n"
        '    script "/bin/check --name a#b ! x"   ! comment\n'
        "    interval 3 # every 3 s\n"
        "}\n"
        "vrrp_instance VI_1\n"
        "{\n"
        "    interface eth0#1\n"
        "    virtual_router_id 7\n"
        "    virtual_ipaddress { 192.0.2.1/24 brd 192.0.2.255 }\n"
        "    track_script { chk }\n"
        "}\n"
    )
    cfg = _ok(text)
    assert cfg.scripts["chk"].script == "/bin/check --name a#b ! x"
    assert cfg.scripts["chk"].interval == 3
    vi = cfg.instances[0]
    assert vi.interface == "eth0#1"
    assert str(vi.virtual_addresses[0].address) == "192.0.2.1/24"
    assert str(vi.virtual_addresses[0].brd) == "192.0.2.255"
    assert (vi.file, vi.line) == ("t.conf", 7)


def test_line_continuation() -> None:
    cfg = _ok(_inst('notify "/bin/notify \\', '  --all"'))
    assert cfg.instances[0].notify == "/bin/notify --all"


def test_definitions() -> None:
    text = "$IFACE=eth7\n$VIP=192.0.2.9/28\n$PRIO=${BASE}\n" + _inst(
        "priority 150", vip="${VIP} dev $IFACE"
    ).replace("interface eth0", "interface $IFACE")
    cfg = _ok(text.replace("$PRIO=${BASE}\n", ""))
    vi = cfg.instances[0]
    assert vi.interface == "eth7"
    assert str(vi.virtual_addresses[0].address) == "192.0.2.9/28"
    assert vi.virtual_addresses[0].dev == "eth7"
    # keepalived keeps a value as written and expands it where it is used.
    result = loads("$X=${NOPE}\nglobal_defs {\n    router_id $X\n}\n", name="t.conf", env={})
    assert result.format() == "t.conf:3: warning: ${NOPE} is not defined; left unexpanded"


def test_definitions_expand_where_used_with_the_values_then() -> None:
    """keepalived.conf(5): a value may use definitions made after it."""
    text = "$ID=r-$N\n$N=1\nglobal_defs {\n    router_id $ID\n}\n"
    assert _ok(text).global_defs.router_id == "r-1"
    loop = loads("$A=$B\n$B=$A\nglobal_defs {\n    router_id $A\n}\n", name="t.conf", env={})
    assert "t.conf:4: error: definitions nest too deep (a loop?)" in loop.format()


def test_multiline_definitions_as_keepalived_documents_them() -> None:
    """keepalived.conf(5) "Multiline definitions": lines ending in a backslash
    make one definition; a line that is only its name reads as those lines,
    each with its own @ conditional, and definitions inside expand at use."""
    text = (
        "$INSTANCE= \\\n"
        "vrrp_instance VI_${NUM} { \\\n"
        "    interface eth0 \\\n"
        "    virtual_router_id 1${NUM} \\\n"
        "    @high priority 130 \\\n"
        "    @low priority 120 \\\n"
        "    virtual_ipaddress { \\\n"
        "        10.0.${NUM}.254/24 \\\n"
        "    } \\\n"
        "}\n"
        "$NUM=0\n$INSTANCE\n$NUM=1\n${INSTANCE}\n"
    )
    result = loads(text, name="t.conf", env={}, defines=["low"])
    assert result.ok and not result.diagnostics, result.format()
    assert result.config is not None
    got = [
        (i.name, i.vrid, i.priority, str(i.virtual_addresses[0].address))
        for i in result.config.instances
    ]
    assert got == [("VI_0", 10, 120, "10.0.0.254/24"), ("VI_1", 11, 120, "10.0.1.254/24")]
    inline = loads(text + "global_defs {\n    router_id x$INSTANCE\n}\n", name="t.conf", env={})
    assert "$INSTANCE is a multi-line definition: use it on a line alone" in inline.format()


def test_dollar_in_script_left_alone() -> None:
    cfg = _ok('vrrp_script s {\n    script "kill -0 $(cat /run/x.pid) $PID"\n}\n')
    assert cfg.scripts["s"].script == "kill -0 $(cat /run/x.pid) $PID"


def test_env_expansion_key_file(tmp_path: Path) -> None:
    creds = tmp_path / "creds"
    creds.mkdir()
    keyfile = creds / "vrrp_hmac"
    keyfile.write_text("hex:" + KEY32 + "\n")
    keyfile.chmod(0o600)
    text = _inst(
        "auth_hmac {",
        "    key 1 file:${_ENV CREDENTIALS_DIRECTORY}/vrrp_hmac",
        "    active_key 1",
        "}",
    )
    result = loads(text, name="t.conf", env={"CREDENTIALS_DIRECTORY": str(creds)})
    assert result.ok and result.diagnostics == []
    assert result.config is not None
    h = result.config.instances[0].auth_hmac
    assert h is not None
    assert h.keys[0].form == "file" and h.keys[0].path == str(keyfile)
    assert h.key_map[1].value == KEY_BYTES


def test_env_expansion_ignored_in_comments() -> None:
    _ok("# key 1 file:${_ENV NOT_SET_ANYWHERE}/x\n")


def test_world_readable_key_file(tmp_path: Path) -> None:
    keyfile = tmp_path / "k.key"
    keyfile.write_text(ASCII_KEY)
    keyfile.chmod(0o644)
    conf = tmp_path / "keepalived.conf"
    conf.write_text(_inst("auth_hmac {", "    key 3 file:k.key", "    active_key 3", "}"))
    result = load(conf, env={})
    assert result.ok
    assert result.format() == (
        f"{conf}:5: warning: auth_hmac key 3: key file {keyfile} is readable by group or "
        "others (mode 0644); make it root-owned, mode 0600"
    )
    assert result.config is not None
    h = result.config.instances[0].auth_hmac
    assert h is not None and h.key_map[3].value == ASCII_KEY.encode()
    assert ASCII_KEY not in result.format()


def test_include_glob_relative(tmp_path: Path) -> None:
    (tmp_path / "conf.d").mkdir()
    (tmp_path / "conf.d" / "b.conf").write_text(_inst().replace("VI_1", "VI_B").replace("51", "52"))
    (tmp_path / "conf.d" / "a.conf").write_text(_inst().replace("VI_1", "VI_A"))
    (tmp_path / "conf.d" / "skip.txt").write_text("garbage {")
    (tmp_path / "globals.conf").write_text("global_defs {\n    router_id r1\n    bogus 1\n}\n")
    main = tmp_path / "keepalived.conf"
    main.write_text("include globals.conf\ninclude conf.d/*.conf\n")
    result = load(main, env={})
    assert result.ok
    assert result.config is not None
    assert [i.name for i in result.config.instances] == ["VI_A", "VI_B"]
    assert result.config.global_defs.router_id == "r1"
    assert result.format() == (
        f"{tmp_path / 'globals.conf'}:3: warning: unknown keyword 'bogus' in global_defs; ignored"
    )
    assert result.config.source_files == (
        str(main),
        str(tmp_path / "globals.conf"),
        str(tmp_path / "conf.d" / "a.conf"),
        str(tmp_path / "conf.d" / "b.conf"),
    )
    assert result.config.instances[1].file == str(tmp_path / "conf.d" / "b.conf")


def test_include_loop(tmp_path: Path) -> None:
    a = tmp_path / "a.conf"
    b = tmp_path / "b.conf"
    a.write_text("global_defs {\n}\ninclude b.conf\n")
    b.write_text("\n\ninclude a.conf\n")
    result = load(a, env={})
    assert not result.ok
    assert result.format() == f"{b}:3: error: include loop: {a} is already being read"


def test_include_inside_block(tmp_path: Path) -> None:
    (tmp_path / "vips.conf").write_text("192.0.2.10\n192.0.2.11\n")
    main = tmp_path / "k.conf"
    main.write_text(_inst(vip="192.0.2.9\n        include vips.conf"))
    result = load(main, env={})
    assert result.ok, result.format()
    assert result.config is not None
    vips = result.config.instances[0].virtual_addresses
    assert [str(a.address.ip) for a in vips] == ["192.0.2.9", "192.0.2.10", "192.0.2.11"]
    assert vips[1].file == str(tmp_path / "vips.conf") and vips[1].line == 1


def test_tokens_keep_file_and_line() -> None:
    diags = Diagnostics()
    reader = Reader(diags, env={})
    reader.read_text('a b\n  "c d" {\n}\n', "x.conf")
    words = [(t.text, t.line, t.kind, t.quoted) for t in reader.tokens if t.kind != "eol"]
    assert words == [
        ("a", 1, "word", False),
        ("b", 1, "word", False),
        ("c d", 2, "word", True),
        ("{", 2, "open", False),
        ("}", 3, "close", False),
    ]
    assert all(t.file == "x.conf" for t in reader.tokens)


def test_negated_conditional() -> None:
    text = _inst("@^prod priority 10", "@prod priority 200")
    assert _ok(text).instances[0].priority == 10
    assert _ok(text, defines=["prod"]).instances[0].priority == 200


# --------------------------------------------------------------------- defaults and fallbacks


def test_defaults() -> None:
    vi = _ok(_inst()).instances[0]
    assert (vi.version, vi.priority, vi.advert_int_cs, vi.family) == (2, 100, 100, 4)
    assert (vi.accept, vi.strict, vi.nopreempt, vi.preempt_delay_cs) == (True, False, False, 0)
    assert (vi.garp_master_delay, vi.garp_master_repeat) == (5, 5)
    assert (vi.unicast_ttl, vi.min_ttl, vi.initial_state) == (255, None, None)
    assert not vi.unicast


def test_global_version_and_groups() -> None:
    head = (
        "global_defs {\n    vrrp_version 3\n    vrrp_mcast_group4 224.0.0.19\n"
        "    vrrp_garp_master_delay 2\n}\n"
    )
    vi = _ok(_inst("advert_int 0.25", head=head)).instances[0]
    assert (vi.version, vi.advert_int_cs) == (3, 25)
    assert str(vi.mcast_group) == "224.0.0.19"
    assert vi.garp_master_delay == 2


def test_ipv6_defaults_to_v3_silently() -> None:
    result = loads(_inst(vip="2001:db8::5"), name="t.conf", env={})
    assert result.ok and result.diagnostics == []
    assert result.config is not None
    vi = result.config.instances[0]
    assert (vi.family, vi.version, str(vi.virtual_addresses[0].address)) == (
        6,
        3,
        "2001:db8::5/128",
    )


def test_excluded_may_mix_families() -> None:
    vi = _ok(_inst("virtual_ipaddress_excluded {", "    2001:db8::1/64", "}")).instances[0]
    assert vi.family == 4
    assert str(vi.excluded_addresses[0].address) == "2001:db8::1/64"


def test_strict_defaults() -> None:
    vi = _ok(_inst(head="global_defs {\n    vrrp_strict\n}\n")).instances[0]
    assert vi.strict and not vi.accept


@pytest.mark.parametrize(
    ("advert", "version", "window"),
    [("1", 2, 5), ("3", 2, 9), ("200", 2, 300), ("0.5", 3, 5), ("2.34", 3, 8), ("40.95", 3, 123)],
)
def test_time_window_default(advert: str, version: int, window: int) -> None:
    text = _inst(
        f"version {version}",
        f"advert_int {advert}",
        "auth_hmac {",
        f"    key 1 hex:{KEY32}",
        "    active_key 1",
        "}",
    )
    h = _ok(text).instances[0].auth_hmac
    assert h is not None and h.time_window == window
    assert default_time_window(_ok(text).instances[0].advert_int_cs) == window


def test_receive_only_needs_no_active_key() -> None:
    text = _inst("auth_hmac {", f"    key 9 hex:{KEY32}", "    mode receive-only", "}")
    h = _ok(text).instances[0].auth_hmac
    assert h is not None and h.active_key is None and not h.signs


def test_strict_permissive_forced_to_enforce() -> None:
    text = _inst(
        "strict_mode on", "auth_hmac {", f"    key 1 hex:{KEY32}", "    active_key 1",
        "    mode permissive", "}",
    )  # fmt: skip
    result = loads(text, name="t.conf", env={})
    assert result.config is not None
    h = result.config.instances[0].auth_hmac
    assert h is not None and h.mode == "enforce"


def test_both_auth_blocks_legacy_dropped() -> None:
    text = _inst(
        "authentication {", "    auth_type AH", "    auth_pass 1111", "}",
        "auth_hmac {", f"    key 1 hex:{KEY32}", "    active_key 1", "}",
    )  # fmt: skip
    vi = _ok(text).instances[0]
    assert vi.legacy_auth is None and vi.auth_hmac is not None
    assert vi.auth_summary == "hmac(enforce, active key 1)"


def test_active_key_naming_no_key_disables_hmac() -> None:
    text = _inst("auth_hmac {", f"    key 1 hex:{KEY32}", "    active_key 2", "}")
    result = loads(text, name="t.conf", env={})
    assert not result.ok
    assert result.config is not None
    assert result.config.instances[0].auth_hmac is None


# --------------------------------------------------------------------- MTU


@pytest.mark.parametrize(
    ("mtu", "family", "version", "signs", "fit"),
    [
        (1500, 4, 3, False, 255),
        (1500, 4, 2, True, 255),
        (100, 4, 3, False, 18),  # 100-20-8 = 72 -> 18
        (100, 4, 3, True, 11),  # 72-28 = 44 -> 11
        (100, 4, 2, False, 16),  # 72-8 = 64 -> 16
        (100, 4, 2, True, 9),  # 64-28 = 36 -> 9
        (1280, 6, 3, False, 77),  # 1280-40-8 = 1232 -> 77
        (1280, 6, 3, True, 75),  # 1204 -> 75
        (60, 6, 3, True, 0),
        (0, 4, 2, False, 0),
    ],
)
def test_addresses_that_fit(mtu: int, family: int, version: int, signs: bool, fit: int) -> None:
    assert addresses_that_fit(mtu, family, version, signs) == fit


def _many(n: int, v6: bool = False) -> str:
    return "\n        ".join(
        (f"2001:db8::{i + 1:x}" if v6 else f"10.0.{i // 250}.{i % 250 + 1}") for i in range(n)
    )


def test_mtu_moves_surplus_to_excluded() -> None:
    text = _inst(
        "version 3", "auth_hmac {", f"    key 1 hex:{KEY32}", "    active_key 1", "}",
        vip=_many(13),
    )  # fmt: skip
    result = loads(text, name="t.conf", env={}, mtus={"eth0": 100})
    assert result.ok
    assert result.format() == (
        "t.conf:21: warning: vrrp_instance VI_1: 13 virtual addresses do not fit in one advert "
        "(eth0 MTU 100 leaves room for 11 with the auth_hmac trailer); 2 moved to "
        "virtual_ipaddress_excluded: 10.0.0.12/32, 10.0.0.13/32"
    )
    assert result.config is not None
    vi = result.config.instances[0]
    assert len(vi.virtual_addresses) == 11
    assert [str(a.address) for a in vi.excluded_addresses] == ["10.0.0.12/32", "10.0.0.13/32"]
    # a callable works too, and an unknown MTU means no check
    same = loads(text, name="t.conf", env={}, mtus=lambda name: 100 if name == "eth0" else None)
    assert same.format() == result.format()
    none = loads(text, name="t.conf", env={}, mtus=lambda name: None)
    assert none.diagnostics == []


def test_more_than_255_addresses() -> None:
    result = loads(_inst(vip=_many(300)), name="t.conf", env={})
    assert result.ok
    assert result.config is not None
    vi = result.config.instances[0]
    assert (len(vi.virtual_addresses), len(vi.excluded_addresses)) == (255, 45)
    (w,) = result.diagnostics
    assert w.level == "warning" and w.line == 5 + 255
    assert "(an advert carries at most 255); 45 moved to virtual_ipaddress_excluded" in w.message


def test_missing_interface_is_a_warning() -> None:
    text = _inst("track_interface {", "    eth9", "}", vip="192.0.2.1 dev eth8")
    result = loads(text, name="t.conf", env={}, interfaces={"eth0", "lo"})
    assert result.ok
    assert result.format().splitlines() == [
        "t.conf:5: warning: track_interface eth9 does not exist on this host",
        "t.conf:8: warning: interface eth8 (of 192.0.2.1/32) does not exist on this host",
    ]
    result = loads(_inst(), name="t.conf", env={}, interfaces={"lo"})
    assert result.ok
    assert result.format() == "t.conf:2: warning: interface eth0 does not exist on this host"


# --------------------------------------------------------------------- secrets


def test_redact_and_repr_never_show_keys(tmp_path: Path) -> None:
    keyfile = tmp_path / "k"
    keyfile.write_text(ASCII_KEY)
    keyfile.chmod(0o600)
    text = _inst(
        "authentication {", "    auth_type PASS", "    auth_pass pw123456", "}",
        "auth_hmac {", f"    key 1 hex:{KEY32}", f"    key 2 {ASCII_KEY}x",
        f"    key 3 file:{keyfile}", "    active_key 2", "}",
    )  # fmt: skip
    result = loads(text, name="t.conf", env={})
    assert result.ok
    cfg = result.config
    assert cfg is not None
    doc = redact(cfg)
    dumped = json.dumps(doc)
    assert json.loads(dumped) == doc
    h = doc["instances"][0]["auth_hmac"]
    assert [k["id"] for k in h["keys"]] == [1, 2, 3]
    assert all(k["secret"] == "<redacted>" for k in h["keys"])
    assert h["keys"][2]["path"] == str(keyfile)
    assert doc["instances"][0]["legacy_auth"] is None  # dropped: auth_hmac wins
    assert cfg.to_json() == doc
    for blob in (dumped, repr(cfg), str(cfg), result.format()):
        for secret in (KEY32, ASCII_KEY, "pw123456", KEY_BYTES.hex(), repr(KEY_BYTES)):
            assert secret not in blob


def test_redact_legacy_password() -> None:
    doc = redact(_ok(_inst("authentication {", "    auth_type PASS", "    auth_pass pw1", "}")))
    assert doc["instances"][0]["legacy_auth"]["password"] == "<redacted>"
    assert "pw1" not in json.dumps(doc)


# --------------------------------------------------------------------- robustness

_WORDS = st.sampled_from(
    [
        "{", "}", "vrrp_instance", "VI_1", "global_defs", "auth_hmac", "key", "1",
        "hex:00", "active_key", "virtual_ipaddress", "192.0.2.1", "2001:db8::1", "priority",
        "256", "advert_int", "0.015", "version", "3", "include", "*", "${_ENV X}", "$A=1",
        "@a", "@^b", '"', "#", "!", "\\", "\n", "interface", "eth0", "virtual_router_id",
        "unicast_peer", "track_script", "vrrp_script", "script", "mode", "permissive",
        "strict_mode", "authentication", "auth_type", "PASS", "time_window", "vrrp_sync_group",
        "group", "dev", "brd", "/33", "virtual_routes", "via", "-1", "${A}", "$A",
    ]
)  # fmt: skip


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=400))
def test_loader_never_raises_on_text(text: str) -> None:
    result = loads(text, name=os.devnull + ".conf", env={}, defines=["a"])
    assert result.config is not None
    for d in result.diagnostics:
        assert d.level in ("error", "warning")


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_WORDS, max_size=80))
def test_loader_never_raises_on_keywords(words: list[str]) -> None:
    text = " ".join(words)
    result = loads(text, name="/nonexistent-dir/fuzz.conf", env={"X": "x"}, mtus={"eth0": 90})
    assert result.config is not None
    result.format()
    redact(result.config)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("advert_int 1E+999999", "advert_int '1E+999999' is not a number"),
        ("preempt_delay 1E+999999", "preempt_delay '1E+999999' is not a number"),
        ("advert_int 1e2", "advert_int '1e2' is not a number"),
        ("advert_int 100000000000", "advert_int '100000000000' is out of range"),
        ("advert_int NaN", "advert_int 'NaN' is not a number"),
        ("priority ²", "priority '²' is not a whole number"),
        ("auth_hmac {\n        key ² hex:00\n    }", "auth_hmac key id is not a number"),
        ("auth_hmac {\n        active_key ²\n    }", "active_key '²' is not a whole number"),
        ("auth_hmac {\n        time_window ²\n    }", "time_window '²' is not a whole number"),
    ],
)
def test_odd_numbers_are_diagnosed(line: str, message: str) -> None:
    result = loads(_inst(line), name="t.conf", env={})
    assert not result.ok
    assert message in [d.message for d in result.diagnostics]

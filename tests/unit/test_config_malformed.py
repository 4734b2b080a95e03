# ruff: noqa: E501
"""Malformed and suspicious keepalived.conf files: exact message and line for each."""

from __future__ import annotations

import pytest

from pyvrrp.config import loads

KEY32 = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"


def inst(*lines, vip="192.0.2.1"):
    body = "".join(f"    {line}\n" for line in lines)
    return (
        "vrrp_instance VI_1 {\n    interface eth0\n    virtual_router_id 51\n"
        + body
        + f"    virtual_ipaddress {{\n        {vip}\n    }}\n}}\n"
    )


def hmac(*lines, extra=()):
    return inst(*extra, "auth_hmac {", *(f"    {line}" for line in lines), "}")


CASES = {
    "unclosed": "vrrp_instance VI_1 {\n    interface eth0\n",
    "extra_close": "global_defs {\n}\n}\n",
    "outside_block": "priority 100\n",
    "auth_pass_outside": "auth_pass secret99\n",
    "vrid0": inst().replace("virtual_router_id 51", "virtual_router_id 0"),
    "vrid256": inst().replace("virtual_router_id 51", "virtual_router_id 256"),
    "vrid_word": inst().replace("virtual_router_id 51", "virtual_router_id abc"),
    "prio0": inst("priority 0"),
    "prio256": inst("priority 256"),
    "advert0": inst("advert_int 0"),
    "advert256": inst("advert_int 256"),
    "v3_advert_cs": inst("version 3", "advert_int 0.015"),
    "v3_advert_41": inst("version 3", "advert_int 41"),
    "v2_advert_frac": inst("advert_int 1.5"),
    "mixed": inst(vip="192.0.2.1\n        2001:db8::1"),
    "key31": hmac("key 1 hex:" + KEY32[:62], "active_key 1"),
    "key65": hmac("key 1 " + "a" * 65, "active_key 1"),
    "badhex": hmac("key 1 hex:" + "zz" * 32, "active_key 1"),
    "oddhex": hmac("key 1 hex:" + KEY32 + "0", "active_key 1"),
    "missing_keyfile": hmac("key 1 file:/nonexistent/pyvrrp-test.key", "active_key 1"),
    "env_unknown": hmac("key 1 file:${_ENV PYVRRP_NO_SUCH_VAR}/k", "active_key 1"),
    "dup_key": hmac("key 1 hex:" + KEY32, "key 1 hex:" + KEY32, "active_key 1"),
    "active_nokey": hmac("key 1 hex:" + KEY32, "active_key 2"),
    "tw0": hmac("key 1 hex:" + KEY32, "active_key 1", "time_window 0"),
    "tw301": hmac("key 1 hex:" + KEY32, "active_key 1", "time_window 301"),
    "strict_permissive": hmac(
        "key 1 hex:" + KEY32, "active_key 1", "mode permissive", extra=("strict_mode",)
    ),
    "both_auth": hmac(
        "key 1 hex:" + KEY32,
        "active_key 1",
        extra=("authentication {", "    auth_type PASS", "    auth_pass 1111", "}"),
    ),
    "keyid0": hmac("key 0 hex:" + KEY32, "active_key 1"),
    "keyid256": hmac("key 256 hex:" + KEY32, "active_key 1"),
    "anti_replay_bad": hmac("key 1 hex:" + KEY32, "active_key 1", "anti_replay clock"),
    "mode_bad": hmac("key 1 hex:" + KEY32, "active_key 1", "mode lenient"),
    "no_active": hmac("key 1 hex:" + KEY32),
    "no_keys": hmac("active_key 1"),
    "state_bad": inst("state LEADER"),
    "version4": inst("version 4"),
    "v6_v2": inst("version 2", vip="2001:db8::1"),
    "nopreempt_master": inst("state MASTER", "nopreempt"),
    "unterminated": inst('notify_master "/bin/true'),
    "virtual_server": "virtual_server 10.0.0.1 80 {\n    real_server 10.0.0.2 80 {\n        TCP_CHECK {\n        }\n    }\n}\n",
    "use_vmac": inst("use_vmac vrrp.51 00:00:5e:00:01:05"),
    "unknown_kw": inst("frobnicate 3"),
    "no_vrid": "vrrp_instance VI_1 {\n    interface eth0\n    virtual_ipaddress {\n        192.0.2.1\n    }\n}\n",
    "no_interface": "vrrp_instance VI_1 {\n    virtual_router_id 1\n    virtual_ipaddress {\n        192.0.2.1\n    }\n}\n",
    "dup_instance": inst() + inst().replace("virtual_router_id 51", "virtual_router_id 52"),
    "dup_vrid": inst() + inst().replace("VI_1", "VI_2"),
    "peer_family": inst("unicast_peer {", "    2001:db8::2", "}"),
    "bad_vip": inst(vip="192.0.2.300"),
    "mcast_group": "global_defs {\n    vrrp_mcast_group4 192.0.2.1\n}\n",
    "track_unknown_script": inst("track_script {", "    chk_missing", "}"),
    "legacy_v3": inst(
        "version 3", "authentication {", "    auth_type PASS", "    auth_pass 1111", "}"
    ),
    "auth_pass_long": inst(
        "authentication {", "    auth_type PASS", "    auth_pass 123456789", "}"
    ),
    "auth_type_bad": inst("authentication {", "    auth_type MD5", "    auth_pass 1111", "}"),
    "brace_no_kw": "{\n}\n",
    "strict_unicast": inst("strict_mode", "unicast_peer {", "    192.0.2.2", "}"),
    "strict_legacy": "global_defs {\n    vrrp_strict\n}\n"
    + inst("authentication {", "    auth_type PASS", "    auth_pass 1111", "}"),
    "sync_unknown": "vrrp_sync_group G1 {\n    group {\n        VI_9\n    }\n}\n" + inst(),
    "cond_noname": "@ global_defs {\n}\n",
    "track_if_weight": inst("track_interface {", "    eth1 weight 300", "}"),
    "tw_monotonic": hmac(
        "key 1 hex:" + KEY32, "active_key 1", "anti_replay monotonic", "time_window 10"
    ),
    "preempt_delay": inst("preempt_delay 1001"),
    "unicast_ttl0": inst("unicast_ttl 0"),
    "global_version": "global_defs {\n    vrrp_version 4\n}\n",
    "global_unknown": "global_defs {\n    frobnicate yes\n}\n",
    "instance_noname": "vrrp_instance {\n}\n",
    "hmac_stray_key": hmac("key 1 hex:" + KEY32, "active_key 1", "hex:" + KEY32),
    "swapped_key": hmac("key hex:" + KEY32 + " 1", "active_key 1"),
    "leaf_section": "vrrp_instance VI_1\n",
    "include_missing": "include nothere.conf\n",
    "include_glob_none": "include /nonexistent-dir/*.conf\n",
}


EXPECTED = {
    "unclosed": (
        False,
        [
            (1, "error", "'vrrp_instance' block is never closed (missing '}')"),
            (1, "error", "vrrp_instance VI_1 has no virtual_router_id"),
            (1, "warning", "vrrp_instance VI_1 has no virtual_ipaddress"),
        ],
    ),
    "extra_close": (False, [(3, "error", "unexpected '}' (no block is open)")]),
    "outside_block": (
        False,
        [(1, "error", "'priority' outside its block (it belongs in vrrp_instance)")],
    ),
    "auth_pass_outside": (
        False,
        [(1, "error", "'auth_pass' outside its block (it belongs in an authentication block)")],
    ),
    "vrid0": (False, [(3, "error", "virtual_router_id 0 out of range 1..255")]),
    "vrid256": (False, [(3, "error", "virtual_router_id 256 out of range 1..255")]),
    "vrid_word": (False, [(3, "error", "virtual_router_id 'abc' is not a whole number")]),
    "prio0": (False, [(4, "error", "priority 0 out of range 1..255")]),
    "prio256": (False, [(4, "error", "priority 256 out of range 1..255")]),
    "advert0": (False, [(4, "error", "advert_int 0 must be greater than 0")]),
    "advert256": (False, [(4, "error", "advert_int 256 out of range 1..255 seconds for VRRPv2")]),
    "v3_advert_cs": (
        False,
        [(5, "error", "advert_int 0.015 is not a whole number of centiseconds")],
    ),
    "v3_advert_41": (
        False,
        [(5, "error", "advert_int 41 out of range 0.01..40.95 seconds for VRRPv3")],
    ),
    "v2_advert_frac": (
        True,
        [(4, "warning", "advert_int 1.5 is not a whole number of seconds (VRRPv2); using 2")],
    ),
    "mixed": (
        False,
        [
            (
                6,
                "error",
                "virtual address 2001:db8::1/128 is IPv6 but vrrp_instance VI_1 is IPv4 (from line 5); one instance is one family: move it to virtual_ipaddress_excluded or to another instance",
            )
        ],
    ),
    "key31": (
        False,
        [
            (4, "error", "vrrp_instance VI_1: auth_hmac has no usable key; auth_hmac disabled"),
            (5, "error", "auth_hmac key 1: key is 31 bytes, must be 32 to 64 bytes"),
        ],
    ),
    "key65": (
        False,
        [
            (4, "error", "vrrp_instance VI_1: auth_hmac has no usable key; auth_hmac disabled"),
            (5, "error", "auth_hmac key 1: key is 65 bytes, must be 32 to 64 bytes"),
        ],
    ),
    "badhex": (
        False,
        [
            (4, "error", "vrrp_instance VI_1: auth_hmac has no usable key; auth_hmac disabled"),
            (5, "error", "auth_hmac key 1: hex: key has a character that is not a hex digit"),
        ],
    ),
    "oddhex": (
        False,
        [
            (4, "error", "vrrp_instance VI_1: auth_hmac has no usable key; auth_hmac disabled"),
            (5, "error", "auth_hmac key 1: hex: key has an odd number of digits (65)"),
        ],
    ),
    "missing_keyfile": (
        False,
        [
            (4, "error", "vrrp_instance VI_1: auth_hmac has no usable key; auth_hmac disabled"),
            (5, "error", "auth_hmac key 1: key file /nonexistent/pyvrrp-test.key does not exist"),
        ],
    ),
    "env_unknown": (
        False,
        [
            (4, "error", "vrrp_instance VI_1: auth_hmac has no key; auth_hmac disabled"),
            (
                5,
                "error",
                "environment variable PYVRRP_NO_SUCH_VAR is not set (${_ENV PYVRRP_NO_SUCH_VAR})",
            ),
        ],
    ),
    "dup_key": (False, [(6, "error", "auth_hmac key id 1 defined twice (first at line 5)")]),
    "active_nokey": (
        False,
        [(6, "error", "active_key 2 names no configured key; auth_hmac disabled")],
    ),
    "tw0": (False, [(7, "error", "time_window 0 out of range 1..300")]),
    "tw301": (False, [(7, "error", "time_window 301 out of range 1..300")]),
    "strict_permissive": (
        True,
        [
            (
                5,
                "warning",
                "vrrp_instance VI_1: strict mode requires auth_hmac mode enforce; mode permissive changed to enforce",
            )
        ],
    ),
    "both_auth": (
        True,
        [
            (
                4,
                "warning",
                "vrrp_instance VI_1: auth_hmac and authentication are mutually exclusive; authentication dropped",
            )
        ],
    ),
    "keyid0": (
        False,
        [
            (4, "error", "vrrp_instance VI_1: auth_hmac has no usable key; auth_hmac disabled"),
            (5, "error", "auth_hmac key id 0 out of range 1..255"),
        ],
    ),
    "keyid256": (
        False,
        [
            (4, "error", "vrrp_instance VI_1: auth_hmac has no usable key; auth_hmac disabled"),
            (5, "error", "auth_hmac key id 256 out of range 1..255"),
        ],
    ),
    "anti_replay_bad": (False, [(7, "error", "anti_replay must be 'time' or 'monotonic'")]),
    "mode_bad": (False, [(7, "error", "mode must be 'enforce', 'permissive' or 'receive-only'")]),
    "no_active": (
        False,
        [(4, "error", "vrrp_instance VI_1: auth_hmac has no active_key; auth_hmac disabled")],
    ),
    "no_keys": (
        False,
        [(4, "error", "vrrp_instance VI_1: auth_hmac has no key; auth_hmac disabled")],
    ),
    "state_bad": (
        True,
        [(4, "warning", "unknown state 'LEADER' (MASTER or BACKUP); using BACKUP")],
    ),
    "version4": (False, [(4, "error", "version 4 out of range 2..3")]),
    "v6_v2": (
        True,
        [(4, "warning", "vrrp_instance VI_1: VRRPv2 does not support IPv6; using version 3")],
    ),
    "nopreempt_master": (
        True,
        [
            (
                5,
                "warning",
                "vrrp_instance VI_1: nopreempt does not work with state MASTER; starting as BACKUP",
            )
        ],
    ),
    "unterminated": (False, [(4, "error", "unterminated quoted string")]),
    "virtual_server": (
        True,
        [
            (
                1,
                "warning",
                "section 'virtual_server' is not implemented by pyvrrp "
                "(LVS and its health checkers: pyvrrp is a VRRP daemon only); skipped",
            )
        ],
    ),
    "use_vmac": (
        False,
        [
            (
                4,
                "error",
                "VMAC MAC address not allowed to be RFC5798 address (00:00:5e:00:01:05) - ignoring",
            )
        ],
    ),
    "unknown_kw": (
        True,
        [(4, "warning", "unknown keyword 'frobnicate' in vrrp_instance; ignored")],
    ),
    "no_vrid": (False, [(1, "error", "vrrp_instance VI_1 has no virtual_router_id")]),
    "no_interface": (False, [(1, "error", "vrrp_instance VI_1 has no interface")]),
    "dup_instance": (False, [(8, "error", "vrrp_instance VI_1 defined twice (first at line 1)")]),
    "dup_vrid": (
        False,
        [
            (
                10,
                "error",
                "virtual_router_id 51 on eth0 (IPv4) is already used by vrrp_instance VI_1 (line 1)",
            )
        ],
    ),
    "peer_family": (
        False,
        [(5, "error", "unicast_peer 2001:db8::2 is IPv6 but vrrp_instance VI_1 is IPv4")],
    ),
    "bad_vip": (
        False,
        [
            (1, "warning", "vrrp_instance VI_1 has no virtual_ipaddress"),
            (5, "error", "'192.0.2.300' is not a virtual IP address"),
        ],
    ),
    "mcast_group": (
        False,
        [(2, "error", "vrrp_mcast_group4 192.0.2.1 is not an IPv4 multicast address")],
    ),
    "track_unknown_script": (
        True,
        [(5, "warning", "track_script chk_missing: no vrrp_script chk_missing; ignored")],
    ),
    "legacy_v3": (
        True,
        [
            (
                5,
                "warning",
                "vrrp_instance VI_1: authentication is not supported with VRRPv3; ignored",
            )
        ],
    ),
    "auth_pass_long": (
        True,
        [(6, "warning", "auth_pass is longer than 8 characters; only the first 8 are used")],
    ),
    "auth_type_bad": (False, [(5, "error", "auth_type must be PASS or AH")]),
    "brace_no_kw": (False, [(1, "error", "'{' without a keyword before it")]),
    "strict_unicast": (
        False,
        [(5, "error", "vrrp_instance VI_1: unicast peers are not allowed in strict mode")],
    ),
    "strict_legacy": (
        True,
        [
            (
                7,
                "warning",
                "vrrp_instance VI_1: authentication is not allowed in strict mode; ignored",
            )
        ],
    ),
    "sync_unknown": (True, [(1, "warning", "vrrp_sync_group G1: no vrrp_instance VI_9; ignored")]),
    "cond_noname": (
        False,
        [
            (1, "error", "'@' conditional without a name"),
            (2, "error", "unexpected '}' (no block is open)"),
        ],
    ),
    "track_if_weight": (
        False,
        [(5, "error", "track_interface eth1: weight 300 out of range -253..253")],
    ),
    "tw_monotonic": (
        True,
        [(8, "warning", "time_window has no effect with anti_replay monotonic")],
    ),
    "preempt_delay": (False, [(4, "error", "preempt_delay 1001 out of range 0..1000")]),
    "unicast_ttl0": (False, [(4, "error", "unicast_ttl 0 out of range 1..255")]),
    "global_version": (False, [(2, "error", "vrrp_version 4 out of range 2..3")]),
    "global_unknown": (
        True,
        [(2, "warning", "unknown keyword 'frobnicate' in global_defs; ignored")],
    ),
    "instance_noname": (False, [(1, "error", "vrrp_instance needs a name")]),
    "hmac_stray_key": (True, [(7, "warning", "unrecognised line in auth_hmac ignored")]),
    "swapped_key": (
        False,
        [
            (4, "error", "vrrp_instance VI_1: auth_hmac has no usable key; auth_hmac disabled"),
            (5, "error", "auth_hmac key id is not a number"),
        ],
    ),
    "leaf_section": (False, [(1, "error", "vrrp_instance needs a { } block")]),
    "include_missing": (False, [(1, "error", "cannot read nothere.conf: no such file")]),
    "include_glob_none": (
        True,
        [(1, "warning", "include /nonexistent-dir/*.conf matches no file")],
    ),
}


def test_every_case_has_an_expectation() -> None:
    assert set(EXPECTED) == set(CASES)
    assert len(CASES) >= 40


@pytest.mark.parametrize("name", sorted(CASES))
def test_malformed(name: str) -> None:
    ok, expected = EXPECTED[name]
    result = loads(CASES[name], name="t.conf", env={})
    got = [(d.line, d.level, d.message) for d in result.diagnostics]
    assert got == expected
    assert result.ok is ok
    assert all(d.file == "t.conf" for d in result.diagnostics)
    for d in result.diagnostics:
        assert d.format() == f"t.conf:{d.line}: {d.level}: {d.message}"
    text = result.format()
    assert KEY32 not in text
    assert "secret99" not in text and "123456789" not in text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (f"hex:{KEY32}\n", "unknown keyword '<68 characters>'; skipped"),
        ("correct-horse-battery-staple-0123456\n", "unknown keyword '<36 characters>'; skipped"),
        (inst(f"hex:{KEY32}"), "unknown keyword '<68 characters>' in vrrp_instance; ignored"),
        (inst(f"priority hex:{KEY32[:8]}"), "priority '<12 characters>' is not a whole number"),
        (inst(vip=f"hex:{KEY32[:8]}"), "'<12 characters>' is not a virtual IP address"),
    ],
)
def test_stray_key_material_never_echoed(text: str, message: str) -> None:
    result = loads(text, name="t.conf", env={})
    assert message in [d.message for d in result.diagnostics]
    assert KEY32[:8] not in result.format()
    assert "horse" not in result.format()

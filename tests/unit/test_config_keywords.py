"""The keyword table: every keyword keepalived 2.4 accepts, and what pyvrrp does.

keepalived's list comes from its parsers (scripts/keepalived_keywords.py); the
table's "implemented" comes from the loader's section tables. These tests
hold the loader to the table: a keyword keepalived knows is never "unknown",
an implemented one is taken without a not-implemented warning, and every
other one is read past with one warning that gives the table's reason.
"""

from __future__ import annotations

import json
from ipaddress import IPv4Address
from pathlib import Path

import pytest

from pyvrrp.cli import main
from pyvrrp.config import keywords, loads
from pyvrrp.config.keepalived_keywords import KEEPALIVED_KEYWORDS
from pyvrrp.config.keywords import Support

INSTANCE = """\
vrrp_instance VI_1 {{
    interface eth0
    virtual_router_id 51
    priority 100
{line}
    virtual_ipaddress {{
        10.0.9.9/32
    }}
}}
"""


def _doc(section: str, keyword: str) -> str | None:
    """A config with ``keyword`` (and a plausible argument) in ``section``."""
    line = f"{keyword} 1"
    if section == "vrrp_instance":
        return INSTANCE.format(line=f"    {line}")
    if section == "global_defs":
        return f"global_defs {{\n    {line}\n}}\n"
    if section == "vrrp_script":
        return f"vrrp_script chk {{\n    script /bin/true\n    {line}\n}}\n"
    if section == "vrrp_sync_group":
        group = f"vrrp_sync_group G {{\n    group {{\n        VI_1\n    }}\n    {line}\n}}\n"
        return INSTANCE.format(line="") + group
    return None


CASES = [
    (s, k)
    for s, k in KEEPALIVED_KEYWORDS
    if s in ("vrrp_instance", "global_defs", "vrrp_script", "vrrp_sync_group")
    and k not in ("authentication", "auth_hmac")
]


def test_the_table_lists_every_keepalived_keyword_once() -> None:
    rows = keywords.table()
    theirs = [(r.section, r.keyword) for r in rows if r.support is not Support.EXTENSION]
    assert theirs == list(dict.fromkeys(KEEPALIVED_KEYWORDS))
    assert len(theirs) > 250
    for r in rows:
        assert (r.support is Support.IMPLEMENTED) == (r.reason == ""), r


@pytest.mark.parametrize(("section", "keyword"), CASES, ids=lambda v: str(v))
def test_no_keyword_keepalived_knows_is_unknown(section: str, keyword: str) -> None:
    text = _doc(section, keyword)
    assert text is not None
    result = loads(text, name="k.conf", env={})
    messages = [d.message for d in result.diagnostics]
    assert not any("unknown keyword" in m for m in messages), messages
    row = next(r for r in keywords.table() if (r.section, r.keyword) == (section, keyword))
    said = [m for m in messages if "is not implemented by pyvrrp" in m]
    if row.support is Support.IMPLEMENTED:
        assert said == []
    else:
        assert said == [
            f"{section} keyword '{keyword}' is not implemented by pyvrrp ({row.reason}); ignored"
        ]


def test_out_of_scope_sections_are_skipped_with_their_reason() -> None:
    text = "virtual_server 10.0.0.1 80 {\n    real_server 10.0.0.2 80 {\n    }\n}\n"
    result = loads(text, name="k.conf", env={})
    assert [d.message for d in result.diagnostics] == [
        "section 'virtual_server' is not implemented by pyvrrp "
        "(LVS and its health checkers: pyvrrp is a VRRP daemon only); skipped"
    ]


def test_check_keywords_prints_the_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--keywords"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["section", "keyword", "support"]
    assert any(ln.split()[:3] == ["vrrp_instance", "priority", "implemented"] for ln in out)
    assert any(ln.split()[:2] == ["vrrp_instance", "use_vmac"] for ln in out)
    assert out[-1].startswith("keepalived 2.4.3 keywords: ")


def test_check_keywords_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--keywords", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    by_key = {(r["section"], r["keyword"]): r for r in rows}
    assert by_key[("vrrp_instance", "track_bfd")]["support"] == "out of scope"
    assert by_key[("auth_hmac", "revoked_keys")]["support"] == "pyvrrp extension"
    assert "reason" not in by_key[("global_defs", "router_id")]


# ------------------------------------------------ keepalived's address spellings


@pytest.mark.parametrize(
    ("src", "peer", "want_src", "want_peer"),
    [
        ("192.168.0.91/24", "192.168.0.92/24", "192.168.0.91", "192.168.0.92"),
        ("192.168.0.91-95", "192.168.0.92-100", "192.168.0.91", "192.168.0.92"),
        ("192.168.0.91", "192.168.0.92", "192.168.0.91", "192.168.0.92"),
    ],
)
def test_keepalived_drops_a_range_or_length_suffix_from_unicast_addresses(
    src: str, peer: str, want_src: str, want_peer: str
) -> None:
    """keepalived reads unicast_src_ip and unicast_peer as socket addresses:
    it cuts a "-range", or else a "/len", suffix (lib/utils.c)."""
    peers = f"    unicast_peer {{\n        {peer}\n    }}"
    text = INSTANCE.format(line=f"    unicast_src_ip {src}\n{peers}")
    result = loads(text, name="k.conf", env={})
    assert result.ok and not result.diagnostics, result.format()
    assert result.config is not None
    inst = result.config.instances[0]
    assert inst.unicast_src_ip == IPv4Address(want_src)
    assert list(inst.unicast_peers) == [IPv4Address(want_peer)]


def test_a_bad_address_before_the_suffix_is_still_refused() -> None:
    text = INSTANCE.format(line="    unicast_src_ip 192.168.0.300/24")
    result = loads(text, name="k.conf", env={})
    assert not result.ok
    assert "unicast_src_ip '192.168.0.300' is not an IP address" in result.format()


def test_unicast_words_without_peers_are_reported_as_keepalived_does() -> None:
    text = INSTANCE.format(line="    unicast_src_ip 10.0.0.1\n    unicast_ttl 5")
    result = loads(text, name="k.conf", env={})
    assert result.ok
    assert [(d.line, d.message) for d in result.diagnostics] == [
        (
            5,
            "unicast_src_ip without unicast_peer: the instance uses multicast "
            "(mcast_src_ip says so)",
        ),
        (6, "unicast_ttl without unicast_peer has no effect"),
    ]


@pytest.mark.parametrize("state", ["master", "Backup", "FAULT"])
def test_keepalived_reads_state_case_sensitively_and_defaults_to_backup(state: str) -> None:
    result = loads(INSTANCE.format(line=f"    state {state}"), name="k.conf", env={})
    assert result.ok
    assert [d.message for d in result.diagnostics] == [
        f"unknown state '{state}' (MASTER or BACKUP); using BACKUP"
    ]
    assert result.config is not None
    assert result.config.instances[0].initial_state == "BACKUP"


@pytest.mark.parametrize(("value", "used"), [("0", 0), ("300", 300), ("20000", 10_000)])
def test_garp_lower_prio_repeat_takes_keepalived_range(value: str, used: int) -> None:
    result = loads(
        INSTANCE.format(line=f"    garp_lower_prio_repeat {value}"), name="k.conf", env={}
    )
    assert result.ok
    assert result.config is not None
    assert result.config.instances[0].garp_lower_prio_repeat == used
    assert bool(result.diagnostics) == (used != int(value))


def test_startup_shutdown_scripts_and_notify_deleted_load() -> None:
    text = (
        'global_defs {\n    startup_script "/bin/prep --all" root\n'
        "    startup_script_timeout 30\n    shutdown_script /bin/undo\n}\n"
        + INSTANCE.format(line='    notify_deleted "/bin/gone VI_1"')
        + INSTANCE.replace("VI_1", "VI_2").replace("51", "52").format(line="    notify_deleted")
    )
    result = loads(text, name="k.conf", env={})
    assert result.ok and not result.diagnostics, result.format()
    assert result.config is not None
    g = result.config.global_defs
    assert (g.startup_script, g.startup_script_timeout) == ("/bin/prep --all", 30)
    assert (g.shutdown_script, g.shutdown_script_timeout) == ("/bin/undo", 10)
    assert [i.notify_deleted for i in result.config.instances] == ["/bin/gone VI_1", True]
    bad = loads("global_defs {\n    shutdown_script_timeout 1001\n}\n", name="k.conf", env={})
    assert "shutdown_script_timeout 1001 out of range 1..1000" in bad.format()


def test_process_keywords_load() -> None:
    text = (
        "global_defs {\n"
        "    process_name kad\n    vrrp_process_name vrrp-x\n"
        "    vrrp_priority -5\n    vrrp_rt_priority 20\n    vrrp_rlimit_rtime 5000\n"
        "    max_auto_priority\n    min_auto_priority_delay 250000\n"
        "    vrrp_no_swap\n    vrrp_cpu_affinity 3 1 3\n"
        "    vrrp_startup_delay 5.5\n    vrrp_delay_after_boot 15.23\n"
        "    vrrp_down_timer_adverts 4\n}\n"
        + INSTANCE.format(line="")
        + INSTANCE.replace("VI_1", "VI_2")
        .replace("51", "52")
        .format(line="    down_timer_adverts 7")
    )
    result = loads(text, name="k.conf", env={})
    assert result.ok and not result.diagnostics, result.format()
    assert result.config is not None
    g = result.config.global_defs
    assert (g.process_name, g.vrrp_priority, g.vrrp_rt_priority) == ("vrrp-x", -5, 20)
    assert (g.vrrp_rlimit_rttime, g.max_auto_priority, g.min_auto_priority_delay) == (
        5000,
        99,
        250_000,
    )
    assert (g.vrrp_no_swap, g.vrrp_cpu_affinity) == (True, (1, 3))
    assert (g.vrrp_startup_delay_cs, g.vrrp_delay_after_boot_cs) == (550, 1523)
    assert [i.down_timer_adverts for i in result.config.instances] == [4, 7]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("vrrp_priority 20", "vrrp_priority 20 out of range -20..19"),
        ("vrrp_rt_priority 0", "vrrp_rt_priority 0 out of range 1..99"),
        ("max_auto_priority 100", "max_auto_priority 100 out of range -1..99"),
        ("vrrp_down_timer_adverts 0", "vrrp_down_timer_adverts 0 out of range 1..100"),
        ("vrrp_cpu_affinity x", "vrrp_cpu_affinity CPU 'x' is not a whole number"),
    ],
)
def test_process_keyword_values_are_checked(line: str, message: str) -> None:
    result = loads(f"global_defs {{\n    {line}\n}}\n", name="k.conf", env={})
    assert message in result.format(), result.format()


def test_readme_holds_the_current_keyword_table() -> None:
    """The README's compatibility table is `check --keywords --markdown`'s."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    begin = readme.index("<!-- keywords:begin")
    begin = readme.index("\n", begin) + 1
    end = readme.index("<!-- keywords:end -->")
    assert readme[begin:end].rstrip("\n") == keywords.markdown_table(keywords.table()), (
        "README's keyword table is stale: paste `pyvrrp check --keywords --markdown`"
    )

"""The section tables (pyvrrp.config.sections): every keyword keepalived 2.4
takes in a section pyvrrp reads is in its table, implemented or refused with
the reason the keyword table gives; aliases share one handler."""

from __future__ import annotations

from types import ModuleType

import pytest

from pyvrrp.config import keywords, loader
from pyvrrp.config.keepalived_keywords import KEEPALIVED_KEYWORDS
from pyvrrp.config.keywords import Support
from pyvrrp.config.sections import (
    auth,
    global_defs,
    instance,
    owner_of,
    script,
    sync_group,
    track_file,
    track_process,
)

#: section -> (implemented, refused)
TABLES = {
    "global_defs": (global_defs.KEYWORDS, global_defs.REFUSED),
    "vrrp_instance": (instance.KEYWORDS, instance.REFUSED),
    "vrrp_script": (script.KEYWORDS, script.REFUSED),
    "track_file": (track_file.KEYWORDS, track_file.REFUSED),
    "vrrp_track_file": (track_file.KEYWORDS, track_file.REFUSED),
    "vrrp_track_process": (track_process.KEYWORDS, track_process.REFUSED),
    "vrrp_sync_group": (sync_group.KEYWORDS, sync_group.REFUSED),
    "auth_hmac": (auth.HMAC_KEYWORDS, auth.HMAC_REFUSED),
    "authentication": (auth.AUTH_KEYWORDS, auth.AUTH_REFUSED),
    "top": (loader.SECTIONS, loader.REFUSED_SECTIONS),
}


@pytest.mark.parametrize("section", sorted(TABLES))
def test_every_keepalived_keyword_is_in_its_sections_table(section: str) -> None:
    implemented, refused = TABLES[section]
    assert not set(implemented) & set(refused)
    theirs = {k for s, k in KEEPALIVED_KEYWORDS if s == section}
    assert theirs <= set(implemented) | set(refused), theirs - set(implemented) - set(refused)


@pytest.mark.parametrize("section", sorted(TABLES))
def test_refused_keywords_give_the_keyword_tables_reason(section: str) -> None:
    rows = {(r.section, r.keyword): r for r in keywords.table()}
    for keyword, why in TABLES[section][1].items():
        row = rows.get((section, keyword))
        if row is not None:  # the few refused keywords keepalived takes elsewhere
            assert row.support in (Support.NOT_IMPLEMENTED, Support.OUT_OF_SCOPE)
            assert row.reason == why


def test_the_keyword_table_reads_implemented_off_the_tables() -> None:
    for r in keywords.table():
        if r.section in TABLES and r.support is Support.IMPLEMENTED:
            assert r.keyword in TABLES[r.section][0] or r.keyword in auth.LIFETIME_WORDS


@pytest.mark.parametrize(
    ("module", "table", "a", "b"),
    [
        (instance, "KEYWORDS", "unicast_src_ip", "mcast_src_ip"),
        (global_defs, "KEYWORDS", "notify_fifo", "vrrp_notify_fifo"),
        (global_defs, "KEYWORDS", "notify_fifo_script", "vrrp_notify_fifo_script"),
        (global_defs, "KEYWORDS", "vrrp_garp_master_delay", "vrrp_garp_lower_prio_delay"),
        (global_defs, "KEYWORDS", "process_name", "vrrp_process_name"),
        (global_defs, "KEYWORDS", "vrrp_rlimit_rttime", "vrrp_rlimit_rtime"),
        (track_process, "KEYWORDS", "delay", "terminate_delay"),
    ],
)
def test_aliases_share_one_handler(module: ModuleType, table: str, a: str, b: str) -> None:
    handlers = getattr(module, table)
    assert handlers[a] is handlers[b]


def test_owner_hints_follow_the_tables() -> None:
    assert owner_of("priority") == "vrrp_instance"
    assert owner_of("auth_pass") == "an authentication block"
    assert owner_of("active_key") == "an auth_hmac block"
    assert owner_of("rise") == "vrrp_script"
    assert owner_of("init_file") == "track_file"
    assert owner_of("quorum") == "vrrp_track_process"
    assert owner_of("router_id") == "global_defs"
    assert owner_of("weight") == "vrrp_script"  # the first table that has it
    assert owner_of("no_such_keyword") is None

"""Every keyword keepalived 2.4 accepts in its VRRP and global sections, and
what pyvrrp does with it: implemented, or not (yet), with a one-line reason.

The list of keepalived's keywords is generated from its parsers
(``keepalived_keywords.py``, by ``scripts/keepalived_keywords.py``); what pyvrrp
implements is read off the loader's keyword tables (``sections/``), so this
table cannot claim a keyword the loader does not take. ``pyvrrp check
--keywords`` prints it and the loader's "not implemented" warnings quote its
reasons.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from .keepalived_keywords import KEEPALIVED_KEYWORDS


class Support(enum.Enum):
    IMPLEMENTED = "implemented"
    #: Known, read past with one warning that gives the reason.
    NOT_IMPLEMENTED = "not implemented"
    #: Out of pyvrrp's scope for good (LVS, BFD, SNMP, D-Bus).
    OUT_OF_SCOPE = "out of scope"
    #: pyvrrp's own, not in keepalived.
    EXTENSION = "pyvrrp extension"


@dataclass(frozen=True, slots=True)
class Keyword:
    section: str
    keyword: str
    support: Support
    reason: str = ""


_LVS = "LVS and its health checkers: pyvrrp is a VRRP daemon only"
_BFD = "keepalived's BFD process: out of pyvrrp's scope"
_SNMP = "SNMP: out of pyvrrp's scope (pyvrrp exports Prometheus metrics)"
_DBUS = "D-Bus: out of pyvrrp's scope (pyvrrp has a control socket)"
_NET = "network side of VRRP: not yet"
_TRACK = "tracking and notification keyword: not yet"
_PROC = "process and scheduling keyword: not yet"
_RELOAD = "keepalived's reload and config-directory handling: pyvrrp reloads on SIGHUP"
_NS = "keepalived's network namespace and instance handling: run pyvrrp inside the namespace"
_LOG = "a keepalived debugging or logging option: no effect in pyvrrp"

_NOT_YET: dict[str, str] = {}
for _words, _why in (
    (
        "process "
        "param_match quorum quorum_max delay terminate_delay fork_delay full_command "
        "track_group group "
        "timer_expired_backup "
        "thread_timer_expired",
        _TRACK,
    ),
    (
        "process_names use_symlink_paths random_seed",
        _PROC,
    ),
    (
        "reload_check_config reload_time_file reload_repeat reload_file include_check "
        "config_save_dir tmp_config_directory iproute_usr_dir iproute_etc_dir",
        _RELOAD,
    ),
    ("net_namespace instance use_pid_dir child_wait_time namespace_with_ipsets", _NS),
    ("debug", _LOG),
):
    for _w in _words.split():
        _NOT_YET[_w] = _why

_BFD_WORDS = {"track_bfd", "bfd_instance"}
_SNMP_WORDS = {"snmp_socket", "enable_traps"}
_DBUS_WORDS = {"enable_dbus", "dbus_service_name", "dbus_no_interface_name"}
_LVS_WORDS = {
    "virtual_server",
    "virtual_server_group",
    "real_server",
    "SSL",
    "lvs_sync_daemon_interface",
    "rs_init_notifies",
    "no_checker_emails",
    "net_namespace_ipvs",
    "smtp_alert_checker",
}


def _out_of_scope(keyword: str) -> str | None:
    if keyword in _BFD_WORDS or keyword.startswith("bfd_"):
        return _BFD
    if keyword in _SNMP_WORDS or keyword.startswith(("enable_snmp", "snmp_")):
        return _SNMP
    if keyword in _DBUS_WORDS:
        return _DBUS
    if (
        keyword in _LVS_WORDS
        or keyword.startswith(("lvs_", "checker_", "nftables_ipvs"))
        or keyword.endswith("_CHECK")
    ):
        return _LVS
    return None


#: Sections pyvrrp does not implement: every keyword in them shares the reason.
_SECTION_REASON = {
    "track_group": _TRACK,
    "garp_group": _NET,
}


_KNOWN = frozenset(KEEPALIVED_KEYWORDS)


def keepalived_knows(section: str, keyword: str) -> bool:
    """Does keepalived 2.4 accept ``keyword`` in ``section`` (``top``: outside any)?"""
    return (section, keyword) in _KNOWN


def reason(keyword: str, section: str | None = None) -> str:
    """Why pyvrrp does not implement ``keyword`` (one line)."""
    return (
        _out_of_scope(keyword)
        or _SECTION_REASON.get(section or "")
        or _NOT_YET.get(keyword)
        or "not implemented yet"
    )


def _implemented() -> dict[str, frozenset[str]]:
    """What pyvrrp implements, section by section: the loader's tables
    (imported here: the section modules import this module)."""
    from . import loader
    from .sections import (
        auth,
        garp_group,
        global_defs,
        instance,
        script,
        sync_group,
        track_file,
        track_process,
    )

    return {
        "top": frozenset(loader.SECTIONS),
        "global_defs": frozenset(global_defs.KEYWORDS),
        "vrrp_instance": frozenset(instance.KEYWORDS),
        "vrrp_script": frozenset(script.KEYWORDS),
        "track_file": frozenset(track_file.KEYWORDS),
        "vrrp_track_file": frozenset(track_file.KEYWORDS),
        "vrrp_track_process": frozenset(track_process.KEYWORDS),
        "vrrp_sync_group": frozenset(sync_group.KEYWORDS),
        "garp_group": frozenset(garp_group.KEYWORDS),
        "authentication": frozenset(auth.AUTH_KEYWORDS),
        # the key lifetimes are options of a ``key`` line, listed as keywords
        "auth_hmac": frozenset(auth.HMAC_KEYWORDS) | frozenset(auth.LIFETIME_WORDS),
    }


def table() -> list[Keyword]:
    """keepalived 2.4's keywords in its parsers' order, then pyvrrp's own."""
    implemented = _implemented()
    rows: list[Keyword] = []
    for section, keyword in KEEPALIVED_KEYWORDS:
        if keyword in implemented.get(section, frozenset()):
            rows.append(Keyword(section, keyword, Support.IMPLEMENTED))
        elif (why := _out_of_scope(keyword)) is not None:
            rows.append(Keyword(section, keyword, Support.OUT_OF_SCOPE, why))
        else:
            why = reason(keyword, section)
            rows.append(Keyword(section, keyword, Support.NOT_IMPLEMENTED, why))
    known = set(KEEPALIVED_KEYWORDS)
    for section, words in implemented.items():
        for keyword in sorted(words):
            if (section, keyword) not in known:
                rows.append(Keyword(section, keyword, Support.EXTENSION, _EXTENSIONS[keyword]))
    return rows


#: pyvrrp keywords keepalived 2.4.3 does not have, and what they are.
_EXTENSIONS = {
    "revoked_keys": "key ids refused even inside their lifetimes",
    "on_last_key_expiry": "what to do when the last send key expires",
    "send_lifetime": "per-key send window (key lifecycle)",
    "accept_lifetime": "per-key accept window (key lifecycle)",
    "min_ttl": "the lowest TTL accepted from unicast peers (keepalived has it per peer only)",
}


def format_table(rows: list[Keyword]) -> str:
    """The table as `pyvrrp check --keywords` prints it, with counts."""
    width_s = max(len(r.section) for r in rows)
    width_k = max(len(r.keyword) for r in rows)
    lines = [f"{'section':{width_s}}  {'keyword':{width_k}}  support"]
    for r in rows:
        why = f" ({r.reason})" if r.reason else ""
        lines.append(f"{r.section:{width_s}}  {r.keyword:{width_k}}  {r.support.value}{why}")
    counts = {s: sum(1 for r in rows if r.support is s) for s in Support}
    kept = sum(1 for r in rows if r.support is not Support.EXTENSION)
    lines.append("")
    lines.append(
        f"keepalived 2.4.3 keywords: {kept}; implemented {counts[Support.IMPLEMENTED]}, "
        f"not implemented {counts[Support.NOT_IMPLEMENTED]}, "
        f"out of scope {counts[Support.OUT_OF_SCOPE]}; "
        f"pyvrrp extensions {counts[Support.EXTENSION]}"
    )
    return "\n".join(lines)


def markdown_table(rows: list[Keyword]) -> str:
    """The table for the README (``pyvrrp check --keywords --markdown``): what
    pyvrrp implements, section by section, then every keyword it does not,
    grouped under its reason."""
    counts = {s: sum(1 for r in rows if r.support is s) for s in Support}
    kept = sum(1 for r in rows if r.support is not Support.EXTENSION)
    out = [
        f"keepalived 2.4.3 keywords: {kept}; **implemented {counts[Support.IMPLEMENTED]}**, "
        f"not implemented {counts[Support.NOT_IMPLEMENTED]}, out of scope "
        f"{counts[Support.OUT_OF_SCOPE]}; pyvrrp extensions {counts[Support.EXTENSION]}.",
        "",
        "| section | implemented |",
        "|---|---|",
    ]
    sections: dict[str, list[str]] = {}
    for r in rows:
        if r.support is Support.IMPLEMENTED:
            sections.setdefault(r.section, []).append(f"`{r.keyword}`")
    for section, words in sections.items():
        out.append(f"| {section} | {', '.join(words)} |")
    for support, title in (
        (Support.NOT_IMPLEMENTED, "Not implemented (each warns once, quoting its reason)"),
        (Support.OUT_OF_SCOPE, "Out of scope (each warns once)"),
        (Support.EXTENSION, "pyvrrp extensions"),
    ):
        out += ["", f"{title}:", "", "| reason | keywords |", "|---|---|"]
        by_reason: dict[str, list[str]] = {}
        for r in rows:
            if r.support is support:
                by_reason.setdefault(r.reason, []).append(f"`{r.keyword}` ({r.section})")
        for why, words in by_reason.items():
            out.append(f"| {why} | {', '.join(words)} |")
    return "\n".join(out)

"""keepalived's state dumps, for the tools that read them.

* JSON (keepalived's SIGJSON, SIGRTMIN+2; ``json_dump_file``, default
  ``/tmp/keepalived.json``): a list with one ``{"data": ..., "stats": ...}``
  per instance, under keepalived's field names (vrrp_json.c), or with
  ``json_version 2`` that list as ``{"vrrp": [...]}``. keepalived-exporter and
  status monitors read this file.
* Stats (SIGUSR2; ``stats_dump_file``, default ``/tmp/keepalived.stats``):
  keepalived's text layout (vrrp_print.c), one block per instance.

pyvrrp's counters map onto keepalived's: adverts and priority-0 adverts
received and sent, Master counts, the drops by reason (length, TTL, type,
interval, PASS authentication) and the auth_hmac outcomes. A counter keepalived
has and pyvrrp does not keep (the address-list check) reads 0. keepalived's
SIGRTMAX-1 ("STATS_CLEAR") writes the stats file but clears nothing here: the
same counters feed the Prometheus metrics, which must never go backwards.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import tempfile
from collections.abc import Iterable
from typing import Any

from pyvrrp.protocol import State

#: keepalived's state numbers (vrrp.h).
STATE_NUMBER = {
    State.INITIALIZE: 0,
    State.BACKUP: 1,
    State.MASTER: 2,
    State.FAULT: 3,
}
#: keepalived's auth_type numbers: none, PASS.
AUTH_TYPE = {None: 0, "PASS": 1}

_LENGTH = ("too_short", "bad_length", "bad_trailer_length", "ip_too_short")


def signum(name: str) -> int | None:
    """keepalived's ``--signum NAME``: the signal that asks for NAME."""
    table = {
        "STOP": signal.SIGTERM,
        "RELOAD": signal.SIGHUP,
        "DATA": signal.SIGUSR1,
        "STATS": signal.SIGUSR2,
        "STATS_CLEAR": signal.SIGRTMAX - 1,
        "JSON": signal.SIGRTMIN + 2,
    }
    sig = table.get(name.upper())
    return None if sig is None else int(sig)


def _stats(inst: Any) -> dict[str, int]:
    r = inst.router
    drops = inst.drops
    auth: dict[str, int] = {}
    if inst.auth is not None:
        auth = {o.value: n for o, n in inst.auth.counters.items()}
    became = r.counters.became_master
    return {
        "advert_rcvd": inst.stats.adverts_received,
        "advert_sent": r.counters.adverts_sent,
        "become_master": became,
        "release_master": became - (1 if r.state is State.MASTER else 0),
        "packet_len_err": sum(drops.get(k, 0) for k in _LENGTH),
        "advert_interval_err": drops.get("interval_mismatch", 0),
        "ip_ttl_err": drops.get("ttl", 0),
        "invalid_type_rcvd": drops.get("bad_type", 0),
        "addr_list_err": 0,
        "invalid_authtype": 0,
        "authtype_mismatch": drops.get("auth_type_mismatch", 0),
        "auth_failure": drops.get("auth_pass_mismatch", 0),
        "auth_ext_missing": auth.get("missing", 0),
        "auth_ext_malformed": auth.get("malformed", 0),
        "auth_ext_unknown_key": auth.get("unknown_key", 0) + auth.get("unknown_peer", 0),
        "auth_ext_invalid_hmac": auth.get("bad_hmac", 0),
        "auth_ext_stale": auth.get("stale", 0),
        "auth_ext_replay": auth.get("replay", 0),
        "pri_zero_rcvd": r.counters.priority_zero_received,
        "pri_zero_sent": r.counters.priority_zero_sent,
    }


def _data(inst: Any, wall: float) -> dict[str, Any]:
    cfg = inst.cfg
    r = inst.router
    legacy = cfg.legacy_auth.type if cfg.legacy_auth is not None else None
    data: dict[str, Any] = {
        "iname": cfg.name,
        "dont_track_primary": 0,
        "skip_check_adv_addr": int(cfg.skip_check_adv_addr),
        "strict_mode": int(cfg.strict),
        "ifp_ifname": cfg.interface or "",
        "master_priority": r.effective_priority if r.state is State.MASTER else 0,
        "last_transition": wall,
        "garp_delay": float(cfg.garp_master_delay),
        "garp_refresh": cfg.garp_master_refresh,
        "garp_rep": cfg.garp_master_repeat,
        "garp_refresh_rep": cfg.garp_master_refresh_repeat,
        "garp_lower_prio_delay": cfg.garp_lower_prio_delay,
        "garp_lower_prio_rep": cfg.garp_lower_prio_repeat,
        "lower_prio_no_advert": int(cfg.lower_prio_no_advert),
        "higher_prio_send_advert": int(cfg.higher_prio_send_advert),
        "vrid": cfg.vrid,
        "base_priority": cfg.priority,
        "effective_priority": r.effective_priority,
        "vipset": bool(r.addresses_held),
        "promote_secondaries": False,
        "adver_int": cfg.advert_int_cs / 100,
        "master_adver_int": r.master_adver_interval_cs / 100,
        "accept": int(cfg.accept),
        "nopreempt": cfg.nopreempt,
        "preempt_delay": cfg.preempt_delay_cs // 100,
        "state": STATE_NUMBER[r.state],
        "wantstate": STATE_NUMBER[r.state],
        "version": cfg.version,
        "smtp_alert": bool(cfg.smtp_alert),
        "notify_deleted": bool(cfg.notify_deleted),
    }
    for key, script in (
        ("script_backup", cfg.notify_backup),
        ("script_master", cfg.notify_master),
        ("script_fault", cfg.notify_fault),
        ("script_stop", cfg.notify_stop),
        ("script_deleted", cfg.notify_deleted if isinstance(cfg.notify_deleted, str) else None),
        ("script", cfg.notify),
        ("script_master_rx_lower_pri", cfg.notify_master_rx_lower_pri),
    ):
        if script:
            data[key] = script
    data["vips"] = [str(v.address) for v in cfg.virtual_addresses]
    data["evips"] = [str(v.address) for v in cfg.excluded_addresses]
    data["vroutes"] = [str(v.destination) for v in cfg.virtual_routes]
    data["vrules"] = []
    data["track_ifp"] = [t.name for t in cfg.track_interfaces]
    data["track_script"] = [t.name for t in cfg.track_scripts]
    data["auth_type"] = AUTH_TYPE.get(legacy, 0)
    if legacy is not None:
        data["auth_data"] = "********"  # as keepalived: never the password
    return data


def json_document(instances: Iterable[Any], version: int = 1) -> Any:
    """keepalived's JSON dump of ``instances`` (daemon Instance objects)."""
    out = []
    for inst in instances:
        wall = inst.transition_wall
        out.append({"data": _data(inst, wall), "stats": _stats(inst)})
    return {"vrrp": out} if version == 2 else out


def stats_text(instances: Iterable[Any]) -> str:
    """keepalived's stats file (vrrp_print.c layout)."""
    lines: list[str] = []
    for inst in instances:
        s = _stats(inst)
        lines += [
            f"VRRP Instance: {inst.cfg.name}",
            "  Advertisements:",
            f"    Received: {s['advert_rcvd']}",
            f"    Sent: {s['advert_sent']}",
            f"  Became master: {s['become_master']}",
            f"  Released master: {s['release_master']}",
            "  Packet Errors:",
            f"    Length: {s['packet_len_err']}",
            f"    TTL: {s['ip_ttl_err']}",
            f"    Invalid Type: {s['invalid_type_rcvd']}",
            f"    Advertisement Interval: {s['advert_interval_err']}",
            f"    Address List: {s['addr_list_err']}",
            "  Authentication Errors:",
            f"    Invalid Type: {s['invalid_authtype']}",
            f"    Type Mismatch: {s['authtype_mismatch']}",
            f"    Failure: {s['auth_failure']}",
            "  Authentication Extension Errors:",
            f"    Missing: {s['auth_ext_missing']}",
            f"    Malformed: {s['auth_ext_malformed']}",
            f"    Unknown Key: {s['auth_ext_unknown_key']}",
            f"    Invalid HMAC: {s['auth_ext_invalid_hmac']}",
            f"    Stale: {s['auth_ext_stale']}",
            f"    Replay: {s['auth_ext_replay']}",
            "  Priority Zero:",
            f"    Received: {s['pri_zero_rcvd']}",
            f"    Sent: {s['pri_zero_sent']}",
        ]
    return "\n".join(lines) + ("\n" if lines else "")


def write_atomically(path: str, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename, so a
    reader never sees half a dump."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".pyvrrp-dump-", dir=directory)
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def json_text(instances: Iterable[Any], version: int = 1) -> str:
    return json.dumps(json_document(instances, version), indent=1) + "\n"

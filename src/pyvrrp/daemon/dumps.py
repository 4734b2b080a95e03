"""keepalived's state dumps, for the tools that read them.

* JSON (keepalived's SIGJSON, SIGRTMIN+2; ``json_dump_file``, default
  ``/tmp/keepalived.json``): a list with one ``{"data": ..., "stats": ...}``
  per instance, under keepalived's field names (vrrp_json.c), or with
  ``json_version 2`` that list as ``{"vrrp": [...]}``. keepalived-exporter and
  status monitors read this file.
* Stats (keepalived's SIGUSR2, here SIGRTMIN+4: SIGUSR2 restarts pyvrrp in
  place; ``pyvrrp run --signum STATS``; ``stats_dump_file``, default
  ``/tmp/keepalived.stats``):
  keepalived's text layout (vrrp_print.c), one block per instance.
* Data (SIGUSR1; ``state_dump_file``, default ``/tmp/keepalived.data``): the
  VRRP parts of keepalived's data dump (vrrp_data.c): global definitions,
  "VRRP Topology" (one block per instance), sync groups, scripts, track files
  and track processes, with keepalived's "key = value" lines and indents, so
  keepalived-exporter's data parser and ``grep 'State ='`` monitors read it.
  Lines about keepalived's internals pyvrrp does not have (socket fds, thread
  pointers, checksum debugging) are left out; passwords and keys never appear.

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
import time
from collections.abc import Iterable, Mapping
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
        # keepalived's SIGUSR2; in pyvrrp SIGUSR2 is the in-place restart (the
        # signal nginx upgrades with): the stats dump has a signal of its own,
        # which ``pyvrrp run --signum STATS`` names, as keepalived's does.
        "STATS": signal.SIGRTMIN + 4,
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
        "ifp_ifname": cfg.link or "",
        "vmac_ifname": cfg.vmac.name if cfg.vmac is not None else "",
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


# --------------------------------------------------------------------------- data dump

_STATE_NAME = {
    State.INITIALIZE: "INIT",
    State.BACKUP: "BACKUP",
    State.MASTER: "MASTER",
    State.FAULT: "FAULT",
}


def data_dump_path(state_dump_file: str | None, tmp_dir: str | None = None) -> str:
    """Where keepalived writes its data dump (global_data.c, open_dump_file):
    ``state_dump_file``'s directory when it is absolute, else ``$TMPDIR``
    (when absolute) or /tmp; its file name, or ``keepalived.data`` when none is
    given or the name ends in ``/``."""
    if tmp_dir is None:
        env = os.environ.get("TMPDIR", "")
        tmp_dir = env if env.startswith("/") else "/tmp"
    given = state_dump_file or ""
    if given.startswith("/"):
        directory = given if given.endswith("/") else given[: given.rindex("/")]
        directory = directory.rstrip("/") or ""
    else:
        directory = tmp_dir.rstrip("/")
    name = given.rsplit("/", 1)[-1] if given and not given.endswith("/") else "keepalived.data"
    return f"{directory}/{name}"


def _ctime(t: float) -> str:
    return time.strftime("%a %b %e %H:%M:%S %Y", time.localtime(t))


def _stamp(t: float) -> str:
    """keepalived's "seconds.microseconds (ctime)" time stamps."""
    whole = int(t)
    micro = round((t - whole) * 1_000_000)
    if micro == 1_000_000:
        whole, micro = whole + 1, 0
    return f"{whole}.{micro:06d} ({_ctime(t)})"


def _vip_line(vip: Any, interface: str | None) -> str:
    addr = vip.address
    full = 32 if addr.version == 4 else 128
    text = str(addr.ip) if addr.network.prefixlen == full else str(addr)
    if vip.brd is not None:
        text += f" brd {vip.brd}"
    text += f" dev {interface or 'unknown'} scope {vip.scope or 'global'}"
    if vip.label:
        text += f" label {vip.label}"
    if vip.no_track:
        text += " no_track"
    return "     " + text


def _weight(weight: int | None, reverse: bool | None) -> str:
    return f"weight {weight or 0}{' reverse' if reverse else ''}"


def _instance_lines(inst: Any, groups: Mapping[str, str]) -> list[str]:
    cfg = inst.cfg
    r = inst.router
    state = _STATE_NAME[r.state]
    out = [
        f" VRRP Instance = {cfg.name}",
        f"   VRRP Version = {cfg.version}",
    ]
    if cfg.name in groups:
        out.append(f"   Sync group = {groups[cfg.name]}")
    if cfg.family == 6:
        out.append("   Using Native IPv6")
    out.append(f"   State = {state}")
    if r.state is State.BACKUP and r.master_address is not None:
        out.append(f"   Master router = {r.master_address}")
        out.append(f"   Master priority = {inst.master_priority}")
        if cfg.version == 3:
            out.append(f"   Master advert interval = {r.master_adver_interval_cs * 10} milli-sec")
    if cfg.unicast:
        out += ["   Flags:", "     Using unicast"]
    else:
        out.append("   Flags: none")
    out.append(f"   Wantstate = {state}")
    faults = sorted(r.fault_reasons)
    out.append(f"   Number of tracker faults = {len(faults)}")
    if faults:
        out.append("   Flags of interface faults:")
        out += [f"     {reason}" for reason in faults]
    else:
        out.append("   Flags of interface faults - (none)")
    out.append(f"   Last transition = {_stamp(inst.transition_wall)}")
    out.append(f"   Interface = {cfg.link or 'not configured'}")
    v = cfg.vmac
    if v is not None and v.kind == "macvlan":
        out.append(
            f"   Use VMAC, i/f name {v.name}, is_up = true, "
            f"xmit_base = {'true' if v.xmit_base else 'false'}"
        )
        out.append(f"     MAC = {v.mac}")
    elif v is not None:
        addr = f", addr {v.address}" if v.address is not None else ""
        out.append(f"   Use IPVLAN, i/f {v.name}, is_up = true{addr}, type {v.ipvlan_mode}")
    if cfg.skip_check_adv_addr:
        out.append("   Skip checking advert IP addresses")
    if cfg.strict:
        out.append("   Enforcing strict VRRP compliance")
    src = cfg.unicast_src_ip or inst.primary
    out.append(f"   Using src_ip = {src}{' (from configuration)' if cfg.unicast_src_ip else ''}")
    if not cfg.unicast:
        out.append(f"   Multicast address {cfg.mcast_group}")
    out += [
        f"   Gratuitous ARP delay = {cfg.garp_master_delay}",
        f"   Gratuitous ARP repeat = {cfg.garp_master_repeat}",
        f"   Gratuitous ARP refresh = {cfg.garp_master_refresh}",
        f"   Gratuitous ARP refresh repeat = {cfg.garp_master_refresh_repeat}",
        f"   Gratuitous ARP lower priority delay = {cfg.garp_lower_prio_delay}",
        f"   Gratuitous ARP lower priority repeat = {cfg.garp_lower_prio_repeat}",
        f"   Down timer adverts = {cfg.down_timer_adverts}",
        "   Send advert after receive lower priority advert = "
        + ("false" if cfg.lower_prio_no_advert else "true"),
        "   Send advert after receive higher priority advert = "
        + ("true" if cfg.higher_prio_send_advert else "false"),
    ]
    if cfg.priority == 255:
        out.append(
            "   Address owner ignores received adverts = "
            + ("true" if cfg.owner_ignore_adverts else "false")
        )
    out += [
        f"   Virtual Router ID = {cfg.vrid}",
        f"   Priority = {cfg.priority}",
        f"   Effective priority = {r.effective_priority}",
        f"   Total priority = {r.effective_priority}",
    ]
    if cfg.version == 2:
        out.append(f"   Advert interval = {cfg.advert_int_cs // 100} sec")
    else:
        out.append(f"   Advert interval = {cfg.advert_int_cs * 10} milli-sec")
    out.append(f"   Accept = {'enabled' if cfg.accept else 'disabled'}")
    out.append(f"   Preempt = {'disabled' if cfg.nopreempt else 'enabled'}")
    if cfg.preempt_delay_cs:
        out.append(f"   Preempt delay = {cfg.preempt_delay_cs / 100:g} secs")
    out.append("   Promote_secondaries = disabled")
    legacy = cfg.legacy_auth.type if cfg.legacy_auth is not None else None
    if legacy is not None:
        out.append("   Authentication type = SIMPLE_PASSWORD")
        out.append("   Password = ********")  # never the password itself
    elif cfg.version == 2:
        out.append("   Authentication type = none")
    if inst.auth is not None:
        settings = inst.auth.settings
        out.append("   Authentication extension = HMAC-SHA256-128")
        active = "none" if settings.active_key is None else settings.active_key
        out.append(f"     Keys = {len(settings.keys)}, active key id = {active}")
        out.append(f"     Mode = {settings.mode.value}")
    if cfg.virtual_addresses:
        out.append(f"   Virtual IP ({len(cfg.virtual_addresses)}):")
        out += [_vip_line(v, cfg.vip_link(v)) for v in cfg.virtual_addresses]
    if cfg.excluded_addresses:
        out.append("   Virtual IP Excluded :")
        out += [_vip_line(v, cfg.vip_link(v)) for v in cfg.excluded_addresses]
    if cfg.unicast:
        out.append(f"   Unicast TTL = {cfg.unicast_ttl}")
        out.append("   Unicast Peer :")
        out += [f"     {peer}" for peer in cfg.unicast_peers]
        compat = {"always": "config", "never": "never"}.get(cfg.old_unicast_checksum)
        if compat is None:
            compat = "auto" if inst.old_checksum else "no"
        out.append(f"   Unicast checksum compatibility = {compat}")
    if cfg.virtual_routes:
        out.append("   Virtual Routes :")
        out += [f"     {route.raw}" for route in cfg.virtual_routes]
    if cfg.track_interfaces:
        out.append("   Tracked interfaces :")
        out += [f"     {t.name} {_weight(t.weight, t.reverse)}" for t in cfg.track_interfaces]
    if cfg.track_scripts:
        out.append("   Tracked scripts :")
        out += [f"     {t.name} {_weight(t.weight, t.reverse)}" for t in cfg.track_scripts]
    if cfg.track_files:
        out.append("   Tracked files :")
        out += [f"     {t.name}, {_weight(t.weight, t.reverse)}" for t in cfg.track_files]
    if cfg.track_processes:
        out.append("   Tracked processes :")
        out += [f"     {t.name}, {_weight(t.weight, t.reverse)}" for t in cfg.track_processes]
    out.append(f"   Using smtp notification = {'yes' if cfg.smtp_alert else 'no'}")
    out.append(f"   Notify deleted = {'Deleted' if cfg.notify_deleted else 'Fault'}")
    for kind, script in (
        ("Backup", cfg.notify_backup),
        ("Master", cfg.notify_master),
        ("Fault", cfg.notify_fault),
        ("Stop", cfg.notify_stop),
        ("Deleted", cfg.notify_deleted if isinstance(cfg.notify_deleted, str) else None),
        ("Generic", cfg.notify),
        ("Master rx lower pri", cfg.notify_master_rx_lower_pri),
    ):
        if script:
            out.append(f"   {kind} state transition script = {script}")
    out.append(f"   Notify priority changes = {'true' if cfg.notify_priority_changes else 'false'}")
    return out


def data_text(
    config: Any,
    instances: Iterable[Any],
    *,
    group_states: Mapping[str, Any] | None = None,
    script_ok: Mapping[str, bool] | None = None,
    file_values: Mapping[str, int] | None = None,
    process_counts: Mapping[str, int] | None = None,
) -> str:
    """keepalived's data dump (SIGUSR1), its VRRP parts, for ``instances``
    (daemon Instance objects) under ``config``. The mappings carry what the
    daemon knows at run time: sync group states, each script's status, each
    track file's value, each tracked process's count."""
    group_states = group_states or {}
    script_ok = script_ok or {}
    file_values = file_values or {}
    process_counts = process_counts or {}
    g = config.global_defs
    out = ["------< Global definitions >------"]
    if g.router_id:
        out.append(f" Router ID = {g.router_id}")
    if g.smtp_server:
        out.append(f" Smtp server = {g.smtp_server}")
        out.append(f" Smtp server port = {g.smtp_port}")
    if g.notification_email_from:
        out.append(f" Email notification from = {g.notification_email_from}")
    if g.notification_email:
        out.append(" Email notification to:")
        out += [f"   {email}" for email in g.notification_email]
    out.append(f" VRRP IPv4 mcast group = {g.vrrp_mcast_group4}")
    out.append(f" VRRP IPv6 mcast group = {g.vrrp_mcast_group6}")
    out.append(f" VRRP strict mode = {'true' if g.vrrp_strict else 'false'}")
    out.append(f" VRRP default protocol version = {g.vrrp_version}")
    insts = list(instances)
    members = {m: sg.name for sg in config.sync_groups for m in sg.members}
    if insts:
        out.append("------< VRRP Topology >------")
        for inst in insts:
            out += _instance_lines(inst, members)
    if config.sync_groups:
        out.append("------< VRRP Sync groups >------")
        for sg in config.sync_groups:
            st = _STATE_NAME.get(group_states.get(sg.name, State.INITIALIZE), "INIT")
            out.append(f" VRRP Sync Group = {sg.name}, {st}")
            out.append("   VRRP member instances :")
            out += [f"     {m}" for m in sg.members]
            out.append(f"   Using smtp notification = {'yes' if sg.smtp_alert else 'no'}")
            for kind, script in (
                ("Backup", sg.notify_backup),
                ("Master", sg.notify_master),
                ("Fault", sg.notify_fault),
                ("Stop", sg.notify_stop),
                ("Generic", sg.notify),
            ):
                if script:
                    out.append(f"   {kind} state transition script = {script}")
    users: dict[str, list[tuple[str, Any]]] = {}
    for inst in insts:
        for ts in inst.cfg.track_scripts:
            users.setdefault(ts.name, []).append((inst.cfg.name, ts))
    if config.scripts:
        out.append("------< VRRP Scripts >------")
        for name, sc in config.scripts.items():
            ok = script_ok.get(name, not sc.init_fail)
            out.append(f" VRRP Script = {name}")
            out.append(f"   Command = {sc.script or ''}")
            out.append(f"   Interval = {sc.interval} sec")
            out.append(f"   Timeout = {sc.timeout or sc.interval} sec")
            out.append(f"   Weight = {sc.weight}{' reverse' if sc.weight_reverse else ''}")
            out.append(f"   Rise = {sc.rise}")
            out.append(f"   Fall = {sc.fall}")
            out.append(f"   Status = {'GOOD' if ok else 'BAD'}")
            out.append("   VRRP instances :")
            for iname, ts in users.get(name, []):
                weight = sc.weight if ts.weight is None else ts.weight
                out.append(f"     {iname}, {_weight(weight, ts.reverse or sc.weight_reverse)}")
            out.append("   State = idle")
    if config.track_files:
        out.append("------< VRRP Track files >------")
        for name, tf in config.track_files.items():
            out.append(f" Track file = {name}")
            out.append(f"   File = {tf.path}")
            out.append(f"   Status = {file_values.get(name, 0)}")
            out.append(f"   Weight = {tf.weight}{' reverse' if tf.reverse else ''}")
    if config.track_processes:
        out.append("------< VRRP Track processes >------")
        for name, tp in config.track_processes.items():
            count = process_counts.get(name, 0)
            top = tp.quorum_max if tp.quorum_max is not None else None
            have = count >= tp.quorum and (top is None or count <= top)
            out.append(f" VRRP Track process = {name}")
            out.append(f"   Process = {tp.process}")
            if tp.params:
                out.append(f"   Parameters = {' '.join(tp.params)}")
            out.append(f"   Min processes = {tp.quorum}")
            if top is not None:
                out.append(f"   Max processes = {top}")
            out.append(f"   Current processes = {count}")
            out.append(f"   Have quorum = {'true' if have else 'false'}")
            out.append(f"   Weight = {tp.weight}{' reverse' if tp.reverse else ''}")
            out.append(f"   Terminate delay = {tp.terminate_delay_cs / 100:f}s")
            out.append(f"   Fork delay = {tp.fork_delay_cs / 100:f}s")
            out.append(f"   Full command = {'true' if tp.full_command else 'false'}")
    return "\n".join(out) + "\n"

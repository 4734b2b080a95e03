"""``pyvrrp status``: ask the running daemon over its control socket."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from pyvrrp.daemon.control import DEFAULT_CONTROL, request

NAME = "status"
HELP = "show the state of every instance of a running daemon"
OUTCOMES = (
    "ok",
    "missing",
    "malformed",
    "stale",
    "unknown_key",
    "unknown_peer",
    "bad_hmac",
    "replay",
    "expired_key",
    "revoked_key",
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--control", default=DEFAULT_CONTROL, metavar="PATH")
    p.add_argument("--json", action="store_true")
    p.add_argument("--auth", action="store_true", help="auth_hmac detail per peer")


def _table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows
    )


def run(args: argparse.Namespace) -> int:
    try:
        st = request(args.control)
    except (OSError, ValueError) as exc:
        print(f"pyvrrp status: cannot reach the daemon at {args.control}: {exc}", file=sys.stderr)
        return 1
    if args.json:
        st.pop("ok", None)
        print(json.dumps(st, indent=2))
        return 0
    rows = [
        [
            "NAME",
            "IFACE",
            "VRID",
            "AF",
            "V",
            "STATE",
            "PRIO",
            "MASTER",
            "IN STATE",
            "TRANS",
            "SENT",
            "RECV",
            "AUTH ok/missing/stale/bad_hmac/replay/other",
        ]
    ]
    for i in st["instances"]:
        a = i["auth"]
        other = sum(
            a.get(k, 0)
            for k in ("malformed", "unknown_key", "unknown_peer", "expired_key", "revoked_key")
        )
        rows.append(
            [
                i["name"],
                str(i["interface"]),
                str(i["vrid"]),
                f"v{i['family']}",
                str(i["version"]),
                i["state"],
                str(i["priority"]),
                str(i["master"] or "-"),
                f"{i['time_in_state']:.0f}s",
                str(i["transitions"]),
                str(i["adverts_sent"]),
                str(i["adverts_received"]),
                "/".join(str(a.get(k, 0)) for k in ("ok", "missing", "stale", "bad_hmac", "replay"))
                + f"/{other}",
            ]
        )
    print(_table(rows))
    if args.auth:
        for i in st["instances"]:
            print(_auth_detail(i))
    return 0


def _ago(value: object) -> str:
    return "never" if value is None else f"{value}s ago"


def _auth_detail(i: dict[str, Any]) -> str:
    """The ``--auth`` block of one instance: key ids and times, never key bytes."""
    if i.get("auth_mode") is None:
        return f"\n{i['name']}: auth_hmac off"
    out = [
        f"\n{i['name']}: mode {i['auth_mode']}, signs {i['signs']}, "
        f"active key {i['active_key']}, sending with key {i.get('send_key')}"
    ]
    if i.get("auth_alarm"):
        out.append(
            f"  ALARM {i['auth_alarm']} (on_last_key_expiry {i.get('on_last_key_expiry')}), "
            f"adverts not sent: {i.get('adverts_suppressed', 0)}"
        )
    for k in i.get("keys", []):
        flags = (
            "revoked"
            if k["revoked"]
            else (
                f"send {'yes' if k['send_valid'] else 'no'}, "
                f"accept {'yes' if k['accept_valid'] else 'no'}"
            )
        )
        life = ""
        if k.get("send_lifetime"):
            life += " send_lifetime " + " ".join(k["send_lifetime"])
        if k.get("accept_lifetime"):
            life += " accept_lifetime " + " ".join(k["accept_lifetime"])
        out.append(f"  key {k['id']}: {flags}{life}")
    for p in i["peers"]:
        counts = ", ".join(f"{o} {n}" for o, n in sorted(p["outcomes"].items())) or "none"
        out.append(
            f"  peer {p['address']}: signs {p.get('signs')}, key {p['last_key_id']}, "
            f"last skew {p['last_skew']}s, accepted {p['accepted']} "
            f"(last {_ago(p.get('last_ok_ago'))}), rejected: {counts}"
        )
    for u in i.get("unsigned_senders", []):
        out.append(
            f"  sender {u['address']}: unsigned, {u['count']} advert(s), "
            f"last {_ago(u['last_seen_ago'])}"
        )
    r = i.get("rollout")
    if r:
        step = f"{r['mode']} -> {r['next_mode']}" if r["next_mode"] else r["mode"]
        verdict = "ready" if r["ok"] else "NOT ready"
        out.append(f"  rollout {step}: {verdict}: {r['reason']}")
        if r.get("silent_peers"):
            out.append(
                f"  silent peers (not heard in {r['window']}s): {', '.join(r['silent_peers'])}"
            )
    return "\n".join(out)

"""``pyvrrp status``: ask the running daemon over its control socket."""

from __future__ import annotations

import argparse
import json
import sys

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
        other = sum(a.get(k, 0) for k in ("malformed", "unknown_key", "unknown_peer"))
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
            print(
                f"\n{i['name']}: mode {i['auth_mode'] or 'off'}, signs {i['signs']}, "
                f"active key {i['active_key']}"
            )
            for p in i["peers"]:
                print(
                    f"  peer {p['address']}: key {p['last_key_id']}, last skew "
                    f"{p['last_skew']}s, accepted {p['accepted']}, {p['outcomes']}"
                )
    return 0

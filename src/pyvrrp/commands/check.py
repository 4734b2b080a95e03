"""``pyvrrp check``: load a keepalived.conf the way the daemon does and report.

Prints every diagnostic as ``FILE:LINE: level: message``, then one summary
line per instance. Exit status 0 when there is no error (warnings allowed),
1 otherwise. ``--json`` prints the effective settings, secrets redacted, and
the diagnostics as one JSON document instead. ``--keywords`` prints, instead of
checking a file, every keyword keepalived 2.4 accepts in its VRRP and global
sections and whether pyvrrp implements it (or why not); with ``--json``, as a
JSON list.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sys
from collections.abc import Collection
from pathlib import Path
from typing import Any

from pyvrrp.config import InstanceConfig, keywords, load, redact

NAME = "check"
HELP = "check a keepalived.conf and print the effective VRRP settings"

DEFAULT_CONFIG = "/etc/keepalived/keepalived.conf"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-f",
        "--use-file",
        dest="file",
        default=DEFAULT_CONFIG,
        metavar="FILE",
        help=f"configuration file (default {DEFAULT_CONFIG})",
    )
    parser.add_argument(
        "-i",
        "--config-id",
        dest="config_ids",
        action="append",
        default=[],
        metavar="NAME",
        help="enable '@NAME' conditional lines (may be repeated)",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="print the effective settings (secrets redacted) and diagnostics as JSON",
    )
    parser.add_argument(
        "--keywords",
        action="store_true",
        help="print keepalived's VRRP keywords and what pyvrrp does with each, then exit",
    )
    parser.add_argument(
        "--markdown",
        action="store_true",
        help="with --keywords: the table as Markdown (the README's)",
    )
    parser.add_argument(
        "--no-host",
        action="store_true",
        help="do not compare interfaces and MTUs with this host",
    )


def host_interfaces() -> frozenset[str] | None:
    try:
        return frozenset(name for _, name in socket.if_nameindex())
    except OSError:
        return None


def host_mtu(name: str) -> int | None:
    if not name or "/" in name or name in (".", ".."):
        return None
    try:
        text = Path("/sys/class/net", name, "mtu").read_text()
    except (OSError, ValueError):
        return None
    try:
        return int(text.strip())
    except ValueError:
        return None


def summary(inst: InstanceConfig) -> str:
    if inst.unicast:
        n = len(inst.unicast_peers)
        transport = f"unicast ({n} peer{'s' if n != 1 else ''})"
    else:
        transport = f"multicast {inst.mcast_group}"
    return (
        f"{inst.name}: interface {inst.interface or '-'}, IPv{inst.family}, "
        f"VRRPv{inst.version}, VRID {inst.vrid}, priority {inst.priority}, "
        f"{transport}, auth {inst.auth_summary}"
    )


def keyword_table(as_json: bool, markdown: bool = False) -> int:
    rows = keywords.table()
    if markdown:
        print(keywords.markdown_table(rows))
    elif as_json:
        doc = [
            {"section": r.section, "keyword": r.keyword, "support": r.support.value}
            | ({"reason": r.reason} if r.reason else {})
            for r in rows
        ]
        json.dump(doc, sys.stdout, indent=1)
        sys.stdout.write("\n")
    else:
        print(keywords.format_table(rows))
    return 0


def run(args: argparse.Namespace) -> int:
    if args.keywords:
        return keyword_table(args.json, args.markdown)
    interfaces: Collection[str] | None = None
    mtus = None
    if not args.no_host:
        interfaces = host_interfaces()
        mtus = host_mtu
    result = load(
        args.file,
        env=os.environ,
        defines=args.config_ids,
        mtus=mtus,
        interfaces=interfaces,
    )
    if args.json:
        doc: dict[str, Any] = {
            "file": str(args.file),
            "ok": result.ok,
            "diagnostics": [
                {"file": d.file, "line": d.line, "level": d.level, "message": d.message}
                for d in result.diagnostics
            ],
            "config": redact(result.config) if result.config is not None else None,
        }
        json.dump(doc, sys.stdout, indent=2, sort_keys=False)
        sys.stdout.write("\n")
        return 0 if result.ok else 1
    for d in result.diagnostics:
        print(d.format())
    if result.config is not None:
        for inst in result.config.instances:
            print(summary(inst))
    errors = len(result.errors)
    warnings = len(result.warnings)
    print(
        f"{args.file}: {'OK' if result.ok else 'FAILED'}: "
        f"{errors} error{'s' if errors != 1 else ''}, "
        f"{warnings} warning{'s' if warnings != 1 else ''}"
    )
    return 0 if result.ok else 1

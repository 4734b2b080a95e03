"""``pyvrrp restart``: the running daemon re-executes itself in place (same
PID, the code and configuration on disk now, its state and sockets handed
over, no failover). Refused, and the daemon goes on unchanged, if the new
configuration or the new code would not start. SIGUSR2 does the same."""

from __future__ import annotations

import argparse
import sys

from pyvrrp.daemon.control import DEFAULT_CONTROL, request

NAME = "restart"
HELP = "re-execute the running daemon in place (upgrades without a failover)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--control", default=DEFAULT_CONTROL, metavar="PATH")


def run(args: argparse.Namespace) -> int:
    try:
        answer = request(args.control, "restart", timeout=90.0)
    except OSError as exc:
        print(f"pyvrrp: no daemon on {args.control}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    detail = answer.get("detail", answer.get("error", ""))
    if not answer.get("ok"):
        print(f"pyvrrp: restart refused: {detail}", file=sys.stderr)
        return 1
    print(detail)
    return 0

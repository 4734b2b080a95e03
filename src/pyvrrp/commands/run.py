"""``pyvrrp run``: the daemon, in the foreground."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import sys

from pyvrrp.daemon.control import DEFAULT_CONTROL

NAME = "run"
HELP = "run the VRRP daemon in the foreground (systemd Type=notify)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("-f", "--use-file", default="/etc/keepalived/keepalived.conf", metavar="FILE")
    p.add_argument("--pid-file", metavar="PATH")
    p.add_argument("--control", default=DEFAULT_CONTROL, metavar="PATH", help="control socket")
    p.add_argument("--metrics", metavar="HOST:PORT", help="serve Prometheus metrics")
    p.add_argument("--log-level", default="info", choices=("debug", "info", "warning", "error"))
    p.add_argument(
        "--state-file",
        metavar="PATH",
        help="the crash checkpoint (default: the control socket's path + .state)",
    )
    # Set by an in-place restart for the new image, not by hand:
    p.add_argument("--handover", metavar="PATH", help=argparse.SUPPRESS)
    p.add_argument("--bridge-fd", type=int, metavar="FD", help=argparse.SUPPRESS)
    p.add_argument(
        "--signum",
        metavar="NAME",
        help="print the signal number for NAME (STOP, RELOAD, STATS, STATS_CLEAR, JSON) "
        "and exit, as keepalived --signum does",
    )


def run(args: argparse.Namespace) -> int:
    if args.signum:
        from pyvrrp.daemon.dumps import signum

        number = signum(args.signum)
        if number is None:
            print(f"pyvrrp: unknown signal name {args.signum}", file=sys.stderr)
            return 1
        print(number)
        return 0
    from pyvrrp.daemon.core import Daemon

    logging.basicConfig(
        level=getattr(logging, args.log_level.upper()),
        format="%(asctime)s pyvrrp[%(process)d]: %(levelname)s %(message)s",
        stream=sys.stderr,
    )
    if args.pid_file:
        with open(args.pid_file, "w") as f:
            f.write(f"{os.getpid()}\n")
    daemon = Daemon(
        args.use_file,
        control_path=args.control,
        metrics=args.metrics,
        state_path=args.state_file,
        handover_path=args.handover,
        bridge_fd=args.bridge_fd,
        argv=sys.argv[1:],
    )
    try:
        return asyncio.run(daemon.run())
    finally:
        if args.pid_file:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(args.pid_file)

"""``pyvrrp demo``: the README's first command."""

from __future__ import annotations

import argparse

NAME = "demo"
HELP = "build a namespace lab and show the spoofing attack blocked by auth_hmac (root)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    pass


def run(args: argparse.Namespace) -> int:
    from pyvrrp.lab.demo import main

    return main()

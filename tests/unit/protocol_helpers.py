"""Shared builders for the protocol tests."""

from __future__ import annotations

from ipaddress import IPv4Address, ip_address
from typing import Any

from pyvrrp.protocol import ReceivedAdvert, RouterParams, VirtualRouter


def addr(last: int, family: int = 4) -> Any:
    return ip_address(f"10.0.0.{last}" if family == 4 else f"fe80::{last:x}")


def params(name: str, priority: int, last: int, **kw: Any) -> RouterParams:
    kw.setdefault("vrid", 51)
    return RouterParams(name=name, priority=priority, primary_address=addr(last), **kw)


def router(name: str, priority: int, last: int, **kw: Any) -> VirtualRouter:
    return VirtualRouter(params(name, priority, last, **kw))


def advert(
    priority: int, last: int = 9, interval_cs: int = 100, version: int = 3, **kw: Any
) -> ReceivedAdvert:
    src = kw.pop("source", IPv4Address(f"10.0.0.{last}"))
    return ReceivedAdvert(
        source=src, priority=priority, advert_interval_cs=interval_cs, version=version, **kw
    )

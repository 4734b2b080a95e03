"""Inputs and outputs of the virtual router: states, received adverts, actions.

Everything here is immutable (a frozen dataclass, a NamedTuple or an enum), so
the daemon and the tests can compare, log and hash them freely. The router
never performs I/O: it returns a list of actions, in the order the daemon must
perform them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv6Address
from typing import NamedTuple

IPAddress = IPv4Address | IPv6Address


class State(enum.Enum):
    """RFC 9568 §6.4 states, plus keepalived's FAULT."""

    INITIALIZE = "INITIALIZE"
    BACKUP = "BACKUP"
    MASTER = "MASTER"
    FAULT = "FAULT"


class DropReason(enum.Enum):
    """Why the router refused an advert that reached it (for counters and logs)."""

    #: RFC 3768 §7.1: a v2 advert whose Adver Int differs from ours.
    INTERVAL_MISMATCH = "interval_mismatch"
    #: The advert names another virtual router (a daemon demultiplexing bug).
    VRID_MISMATCH = "vrid_mismatch"
    #: The advert's VRRP version is not the one this router runs.
    VERSION_MISMATCH = "version_mismatch"
    #: The source address family is not the router's.
    FAMILY_MISMATCH = "family_mismatch"
    #: The source is our own primary address: our own advert looped back (or a
    #: peer configured with our address). Answering it could loop forever.
    OWN_ADDRESS = "own_address"
    #: Priority outside 0..255 or an interval of zero.
    INVALID_FIELD = "invalid_field"
    #: keepalived's owner_ignore_adverts: the address owner drops every advert.
    OWNER_IGNORES_ADVERTS = "owner_ignore_adverts"
    #: The router is in INITIALIZE or FAULT and does not take part in elections.
    NOT_LISTENING = "not_listening"


class ReceivedAdvert(NamedTuple):
    """An advert that already passed the wire and authentication checks.

    A NamedTuple rather than a frozen dataclass: one is built for every advert
    received, and a tuple costs a fraction of a frozen dataclass's __init__.

    ``source`` is the sender's primary address (the IP source address), used for
    the RFC 9568 §6.4.3 tie-break. ``advert_interval_cs`` is the Max Adver Int of
    a v3 advert in centiseconds, or a v2 Adver Int in seconds times 100.
    ``vrid`` is checked when given, so a mis-routed packet cannot touch a timer.
    """

    source: IPAddress
    priority: int
    advert_interval_cs: int
    version: int = 3
    vrid: int | None = None
    addresses: tuple[IPAddress, ...] = ()


# ---------------------------------------------------------------- actions


@dataclass(frozen=True, slots=True)
class SendAdvert:
    """Send one advert carrying ``priority`` (0 means "I am leaving").

    The daemon fills in the addresses, the interval, the checksum and the
    authentication trailer.
    """

    priority: int


@dataclass(frozen=True, slots=True)
class TakeAddresses:
    """Add the virtual addresses (and accept traffic for them)."""


@dataclass(frozen=True, slots=True)
class ReleaseAddresses:
    """Remove the virtual addresses."""


@dataclass(frozen=True, slots=True)
class Announce:
    """Send gratuitous ARP / unsolicited NA for the virtual addresses.

    The daemon applies keepalived's garp delay and repeat settings.
    """


@dataclass(frozen=True, slots=True)
class Notify:
    """The state changed: run notify scripts, log, update status."""

    old_state: State
    new_state: State
    reason: str


@dataclass(frozen=True, slots=True)
class Dropped:
    """An advert was refused; nothing else changed (no timer was touched)."""

    reason: DropReason
    detail: str = ""


@dataclass(frozen=True, slots=True)
class TakeoverHeld:
    """The Master_Down_Timer ran out while packets for this instance were being
    lost (the daemon saw its socket drop them): silence was not evidence that
    the Master is gone, so the Backup listens one more advert interval. Held at
    most until ``until``: a takeover comes at the latest after twice the
    Master_Down_Interval of silence."""

    silent_for: float  # seconds since the Master was last heard
    until: float


Action = SendAdvert | TakeAddresses | ReleaseAddresses | Announce | Notify | Dropped | TakeoverHeld

"""The parameters of one virtual router, independent of the config reader.

The daemon maps its keepalived.conf settings onto :class:`RouterParams`; the
protocol package never imports the config package.
"""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Address, IPv6Address

from .events import IPAddress

#: RFC 9568 §6.1: the address owner's priority.
OWNER_PRIORITY = 255
#: RFC 9568 §5.2.4: priority 0 means the Master stopped participating.
PRIORITY_STOP = 0


@dataclass(frozen=True, slots=True)
class RouterParams:
    """Static settings of one VRRP instance.

    ``priority`` is the base priority (1..255, 255 = address owner).
    ``advert_interval_cs`` is the Advertisement_Interval in centiseconds
    (v2 needs whole seconds, i.e. a multiple of 100).
    ``preempt`` False is keepalived's ``nopreempt``; ``preempt_delay_cs`` is
    keepalived's ``preempt_delay`` in centiseconds.
    ``primary_address`` is our own primary address, the tie-break address (for
    unicast, the unicast_src_ip).
    ``initial_state`` is keepalived's ``state MASTER|BACKUP`` (None: not given).
    ``answer_lower_priority``: a Master that hears a lower priority advert sends
    its own at once (keepalived behaviour, see router.py); False keeps the pure
    RFC "discard".
    ``owner_ignore_adverts``: the address owner drops every advert it receives
    (keepalived's owner_ignore_adverts; no effect below priority 255).
    """

    name: str
    vrid: int
    primary_address: IPAddress
    priority: int = 100
    version: int = 3
    advert_interval_cs: int = 100
    preempt: bool = True
    preempt_delay_cs: int = 0
    accept: bool = False
    initial_state: str | None = None
    answer_lower_priority: bool = True
    #: keepalived's down_timer_adverts: Master_Down_Interval counts this many
    #: advert intervals (RFC 9568 §6.1: 3).
    down_timer_adverts: int = 3
    owner_ignore_adverts: bool = False

    def __post_init__(self) -> None:
        if not 1 <= self.vrid <= 255:
            raise ValueError(f"{self.name}: vrid {self.vrid} not in 1..255")
        if not 1 <= self.priority <= OWNER_PRIORITY:
            raise ValueError(f"{self.name}: priority {self.priority} not in 1..255")
        if self.version not in (2, 3):
            raise ValueError(f"{self.name}: version {self.version} not 2 or 3")
        if self.version == 3 and not 1 <= self.advert_interval_cs <= 4095:
            raise ValueError(f"{self.name}: v3 advert interval must be 1..4095 centiseconds")
        if self.version == 2 and (
            self.advert_interval_cs % 100 or not 100 <= self.advert_interval_cs <= 25500
        ):
            raise ValueError(f"{self.name}: v2 advert interval must be 1..255 whole seconds")
        if not 1 <= self.down_timer_adverts <= 100:
            raise ValueError(f"{self.name}: down_timer_adverts must be 1..100")
        if self.preempt_delay_cs < 0:
            raise ValueError(f"{self.name}: negative preempt_delay")
        if self.initial_state not in (None, "MASTER", "BACKUP"):
            raise ValueError(f"{self.name}: initial_state must be MASTER, BACKUP or None")
        if self.version == 2 and isinstance(self.primary_address, IPv6Address):
            raise ValueError(f"{self.name}: VRRPv2 is IPv4 only")

    @property
    def family(self) -> int:
        """4 or 6, from the primary address."""
        return 4 if isinstance(self.primary_address, IPv4Address) else 6

    @property
    def is_owner(self) -> bool:
        """RFC 9568 §6.1: priority 255 means we own the virtual addresses."""
        return self.priority == OWNER_PRIORITY

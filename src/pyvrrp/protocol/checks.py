"""The gate in front of the state machine: may this advert touch any state?

keepalived issue #562: a packet that fails a check must never reset the
Master_Down_Timer. The wire and auth layers reject malformed and unauthenticated
packets; this is the last, protocol-level gate, and the router consults it before
it reads or writes anything else.
"""

from __future__ import annotations

from ipaddress import IPv4Address

from .events import Dropped, DropReason, ReceivedAdvert, State
from .params import OWNER_PRIORITY, RouterParams

_BACKUP, _MASTER = State.BACKUP, State.MASTER  # (globals: cheaper than State.X)


def check_advert(params: RouterParams, state: State, advert: ReceivedAdvert) -> Dropped | None:
    """None if ``advert`` may be processed, else the :class:`Dropped` to report."""
    p = params
    if advert.vrid is not None and advert.vrid != p.vrid:
        return Dropped(DropReason.VRID_MISMATCH, f"vrid {advert.vrid}, ours {p.vrid}")
    if advert.version != p.version:
        return Dropped(DropReason.VERSION_MISMATCH, f"version {advert.version}")
    family = 4 if isinstance(advert.source, IPv4Address) else 6
    if family != p.family:
        return Dropped(DropReason.FAMILY_MISMATCH, f"IPv{family} source")
    if advert.source == p.primary_address:
        return Dropped(DropReason.OWN_ADDRESS, f"source {advert.source} is ours")
    if not 0 <= advert.priority <= OWNER_PRIORITY or advert.advert_interval_cs <= 0:
        return Dropped(
            DropReason.INVALID_FIELD,
            f"priority {advert.priority} or interval {advert.advert_interval_cs}cs out of range",
        )
    if p.version == 2 and advert.advert_interval_cs != p.advert_interval_cs:
        # RFC 3768 §7.1: "MUST verify that the Adver Interval in the packet is
        # the same as the locally configured for this virtual router"; if not,
        # discard it (and touch no timer).
        return Dropped(
            DropReason.INTERVAL_MISMATCH,
            f"interval {advert.advert_interval_cs}cs from {advert.source}, "
            f"ours {p.advert_interval_cs}cs",
        )
    if p.owner_ignore_adverts and p.is_owner:
        # keepalived (vrrp.c, vrrp_check_packet): after the packet checks and
        # before the advert is counted or read, whatever the state.
        return Dropped(
            DropReason.OWNER_IGNORES_ADVERTS,
            f"from {advert.source}: we are the address owner (owner_ignore_adverts)",
        )
    if state is not _BACKUP and state is not _MASTER:
        return Dropped(DropReason.NOT_LISTENING, state.value)
    return None

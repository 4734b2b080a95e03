"""The sans-I/O virtual router (RFC 9568 VRRPv3, RFC 3768 VRRPv2).

Events in (start-up, received adverts, timers, shutdown, tracking, reload),
actions out (send an advert, take / release the addresses, announce, notify).
Nothing here reads a clock or touches the network: ``now`` is passed in.
"""

from .events import (
    Action,
    Announce,
    Dropped,
    DropReason,
    Notify,
    ReceivedAdvert,
    ReleaseAddresses,
    SendAdvert,
    State,
    TakeAddresses,
    TakeoverHeld,
)
from .params import OWNER_PRIORITY, PRIORITY_STOP, RouterParams
from .router import INTERFACE_FAULT, SYNC_GROUP_FAULT, RouterCounters, Timer, VirtualRouter
from .syncgroup import SyncGroup
from .timers import master_down_interval, skew_time
from .tracking import (
    ScriptSpec,
    TrackedFile,
    TrackedInterface,
    TrackedProcess,
    TrackedScript,
    Tracker,
    TrackingResult,
)

__all__ = [
    "INTERFACE_FAULT",
    "OWNER_PRIORITY",
    "PRIORITY_STOP",
    "SYNC_GROUP_FAULT",
    "Action",
    "Announce",
    "DropReason",
    "Dropped",
    "Notify",
    "ReceivedAdvert",
    "ReleaseAddresses",
    "RouterCounters",
    "RouterParams",
    "ScriptSpec",
    "SendAdvert",
    "State",
    "SyncGroup",
    "TakeAddresses",
    "TakeoverHeld",
    "Timer",
    "TrackedFile",
    "TrackedInterface",
    "TrackedProcess",
    "TrackedScript",
    "Tracker",
    "TrackingResult",
    "VirtualRouter",
    "master_down_interval",
    "skew_time",
]

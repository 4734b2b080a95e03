"""keepalived.conf reader and typed settings for pyvrrp.

``load(path)`` is the one entry point the daemon and ``pyvrrp check`` use: it
never raises for bad content, and returns a :class:`LoadResult` with the
:class:`Config` and every :class:`Diagnostic` (``FILE:LINE: level: message``).
"""

from __future__ import annotations

from pyvrrp.config.loader import default_time_window, load, loads
from pyvrrp.config.model import (
    AuthHmacConfig,
    Config,
    Diagnostic,
    GlobalDefs,
    HmacKey,
    InstanceConfig,
    LegacyAuth,
    LoadResult,
    ScriptConfig,
    SyncGroupConfig,
    TrackInterface,
    TrackScript,
    UnicastPeer,
    VirtualAddress,
    VirtualRoute,
    redact,
)
from pyvrrp.config.mtu import addresses_that_fit

__all__ = [
    "AuthHmacConfig",
    "Config",
    "Diagnostic",
    "GlobalDefs",
    "HmacKey",
    "InstanceConfig",
    "LegacyAuth",
    "LoadResult",
    "ScriptConfig",
    "SyncGroupConfig",
    "TrackInterface",
    "TrackScript",
    "UnicastPeer",
    "VirtualAddress",
    "VirtualRoute",
    "addresses_that_fit",
    "default_time_window",
    "load",
    "loads",
    "redact",
]

"""keepalived.conf reader and typed settings for pyvrrp.

``load(path)`` is the one entry point the daemon and ``pyvrrp check`` use: it
never raises for bad content, and returns a :class:`LoadResult` with the
:class:`Config` and every :class:`Diagnostic` (``FILE:LINE: level: message``).

Choices where keepalived's behaviour is unclear or pyvrrp differs on purpose:

* A bare virtual address gets /32 (IPv4) or /128 (IPv6).
* The family of an instance is that of its first ``virtual_ipaddress``; an
  address of the other family there is an error (move it to
  ``virtual_ipaddress_excluded``, which may mix families, or to another
  instance). Without addresses: the family of ``unicast_src_ip`` / the first
  peer, else IPv4, with a warning.
* IPv6 forces VRRPv3; a warning only when version 2 was asked for explicitly.
* VRRPv2 ``advert_int``: 1..255 s; a fraction is rounded (half up) with a
  warning. VRRPv3: 0.01..40.95 s and a whole number of centiseconds, else error.
* ``nopreempt`` with ``state MASTER``: warning, starts as BACKUP.
* ``accept`` defaults to on, off in strict mode; strict mode turns ``accept``
  off (warning), drops ``authentication`` (warning), forces auth_hmac ``mode
  enforce`` (warning) and refuses unicast peers (error).
* ``authentication`` with VRRPv3 is dropped with a warning; ``auth_pass`` is
  cut to 8 characters with a warning.
* auth_hmac: no key, no usable key, no ``active_key`` (except ``mode
  receive-only``) or an ``active_key`` naming no key: error, auth_hmac
  disabled for the instance. Default ``time_window`` = max(ceil(3 *
  advert_int), 5) seconds, capped at 300. Key files are relative to the file
  that names them.
* MTU fit reserves the 28-byte trailer whenever auth_hmac is configured (also
  in receive-only, as peers sign); more than 255 addresses never fit.
* Unknown keywords are warnings; a keyword of an implemented block found at the
  top level is an error (a brace is missing). Words that could be key material
  (longer than 24 characters, or ``hex:`` / ``file:``) are never quoted.
"""

from __future__ import annotations

from pyvrrp.config.loader import default_time_window, load, loads
from pyvrrp.config.model import (
    AuthHmacConfig,
    Config,
    Diagnostic,
    FifoConfig,
    GlobalDefs,
    HmacKey,
    InstanceConfig,
    LegacyAuth,
    LoadResult,
    ScriptConfig,
    SyncGroupConfig,
    TrackFile,
    TrackFileConfig,
    TrackInterface,
    TrackProcess,
    TrackProcessConfig,
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
    "FifoConfig",
    "GlobalDefs",
    "HmacKey",
    "InstanceConfig",
    "LegacyAuth",
    "LoadResult",
    "ScriptConfig",
    "SyncGroupConfig",
    "TrackFile",
    "TrackFileConfig",
    "TrackInterface",
    "TrackProcess",
    "TrackProcessConfig",
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

"""The typed result of verifying an advert's auth_hmac trailer."""

from __future__ import annotations

import enum


class Outcome(enum.Enum):
    """One verdict per received advert (draft-cassen-vrrp-auth-hmac §receive).

    The value is the counter and log name. ``MISSING`` is accepted in the
    permissive and receive-only modes; every other outcome but ``OK`` is a
    rejection in every mode.
    """

    OK = "ok"
    MISSING = "missing"  # no trailer: a peer that does not sign
    MALFORMED = "malformed"  # unknown ext_type or non-zero reserved
    STALE = "stale"  # time mode: outside the freshness window (clock drift)
    UNKNOWN_KEY = "unknown_key"  # key id not configured
    UNKNOWN_PEER = "unknown_peer"  # unicast: source is not a configured peer
    BAD_HMAC = "bad_hmac"  # tag mismatch: key mismatch or forgery
    REPLAY = "replay"  # sequence not after the sender's last accepted one
    KEY_EXPIRED = "expired_key"  # key id configured but outside its accept lifetime
    REVOKED_KEY = "revoked_key"  # key id listed in revoked_keys


OUTCOMES = tuple(Outcome)


class Mode(enum.Enum):
    """auth_hmac ``mode``: what a node sends and what it accepts."""

    RECEIVE_ONLY = "receive-only"  # verifies a present trailer, does not sign
    PERMISSIVE = "permissive"  # signs, accepts adverts without a trailer
    ENFORCE = "enforce"  # signs, rejects adverts without a valid trailer

    @property
    def signs(self) -> bool:
        return self is not Mode.RECEIVE_ONLY

    @property
    def accepts_missing(self) -> bool:
        return self is not Mode.ENFORCE


class AntiReplay(enum.Enum):
    TIME = "time"  # freshness window + per-sender monotonic sequence
    MONOTONIC = "monotonic"  # per-sender monotonic sequence only

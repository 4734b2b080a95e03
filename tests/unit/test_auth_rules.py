"""auth_hmac rules, one test per rule, each naming where it comes from.

draft-cassen-vrrp-auth-hmac-00 (the draft): the receive checks in order
(malformed trailer, stale in time mode, key id not accepted now, bad HMAC,
replay, accept), the counters and per-sender state they leave, the send
sequence, the time window and its skew warning. pyvrrp's key lifecycle
(send/accept lifetimes, last-key expiry after RFC 2328 D.3 / RFC 7166,
revocation) and rollout readiness. Key values as keepalived reads them. The
HMAC itself after RFC 2104, checked on RFC 4231's vectors and the draft's.

Every test here runs twice, with the C tag and with the pure-Python reference
(tests/unit/tag_impl.py); trailers are built with pyvrrp.auth.mac directly,
so a receiver is never only checked against its own sign().
"""

from __future__ import annotations

import hmac
import json
import os
import pickle
import struct
import time
from ipaddress import ip_address

import pytest
from tag_impl import tag_impl  # noqa: F401  (every test here runs with the C and the Python tag)

from pyvrrp.auth import keys as keys_mod
from pyvrrp.auth import mac
from pyvrrp.auth.hmac_auth import HmacAuth, HmacSettings, NoSendingKey
from pyvrrp.auth.keys import KeyValueError, Secret, check_key_id, load_key
from pyvrrp.auth.lifecycle import (
    ALARM_LAST_KEY_EXPIRED,
    FAR_FUTURE,
    FAR_PAST,
    KeyPlan,
    Lifetime,
    format_utc,
    key_states,
    parse_utc,
    plan,
)
from pyvrrp.auth.mac import PreparedKey, pseudo_header
from pyvrrp.auth.outcome import AntiReplay, Mode, Outcome
from pyvrrp.auth.rollout import SenderView, readiness, rollout_window_s
from pyvrrp.auth.sequence import (
    SEQ_HALF,
    SEQ_MOD,
    SendSequence,
    clock_sequence,
    sec_delta,
    serial_gt,
)
from pyvrrp.wire import Advert, decode, encode
from pyvrrp.wire.vrrp import ChecksumStyle

S = 10**9
MS = 10**6
T = 1_800_000_000  # a whole second, 2027-01-15T08:00:00Z
T0 = T * S
KEY, KEY2, KEY3 = bytes(range(32)), bytes(range(100, 132)), bytes(range(200, 232))
A, B, C = ip_address("10.0.0.1"), ip_address("10.0.0.2"), ip_address("10.0.0.3")
PDU = encode(Advert(3, 4, 51, 100, 100, (ip_address("10.9.0.1"),)), style=ChecksumStyle.MESSAGE)
HEAD = struct.Struct("!BBHQ")


def seq_at(sec: int, subsec: int = 0, ctr: int = 0) -> int:
    """The draft's sequence: ``sec << 32 | subsec << 16 | ctr`` (sec mod 2**32)."""
    return (sec & 0xFFFFFFFF) << 32 | subsec << 16 | ctr


def trailer(
    seq: int,
    *,
    key_id: int = 1,
    key: bytes = KEY,
    src=A,
    ext_type: int = 1,
    reserved: int = 0,
    vrid: int = 51,
) -> bytes:
    """A 28-byte trailer built from the draft's layout with pyvrrp.auth.mac
    (not HmacAuth.sign): head, then the tag over pseudo-header, PDU, head."""
    head = HEAD.pack(ext_type, key_id, reserved, seq)
    return head + PreparedKey(key_id, Secret(key)).sign(pseudo_header(4, 3, vrid, src), PDU, head)


def hsettings(**kw) -> HmacSettings:
    kw.setdefault("keys", {1: Secret(KEY)})
    kw.setdefault("active_key", 1)
    return HmacSettings(**kw)


def receiver(peers=None, **kw) -> HmacAuth:
    return HmacAuth(hsettings(**kw), family=4, version=3, vrid=51, peers=peers)


def last_ns(auth: HmacAuth) -> dict[Outcome, int | None]:
    """When each outcome was last seen (what status and rollout read)."""
    return dict(zip(Outcome, auth.last_outcome_ns, strict=True))


# -- draft: the receive checks, counters and per-sender state -------------------------


def test_draft_receive_every_outcome_counted_once_with_its_time_and_per_sender() -> None:
    """draft §receive: each advert gets one verdict, counted under its own
    outcome with the time it was last seen (instance-wide, for rollout), and
    noted against a sender this node tracks (a unicast peer), with the skew of
    a stale one. Only OK moves the replay state."""
    rx = receiver(
        peers=[A],
        keys={1: Secret(KEY), 2: Secret(KEY2), 3: Secret(KEY3)},
        accept_lifetimes={2: Lifetime(T - 100, T)},
        revoked=frozenset({3}),
    )
    state = rx.senders[A.packed]
    clock = iter(range(T0, T0 + S, MS))

    def twice(make, outcome: Outcome, src=A) -> int:
        for _ in range(2):
            now = next(clock)
            assert rx.verify(PDU, make(), src, now) is outcome
        assert rx.counters[outcome] == 2
        assert last_ns(rx)[outcome] == now
        return now

    t_ok = next(clock)
    assert rx.verify(PDU, trailer(seq_at(T, ctr=1)), A, t_ok) is Outcome.OK
    assert (state.high_water, state.last_key_id, state.accepted) == (seq_at(T, ctr=1), 1, 1)
    assert (state.last_ok_ns, state.last_delta) == (t_ok, 0)
    seen = {}
    seen["replay"] = twice(lambda: trailer(seq_at(T, ctr=1)), Outcome.REPLAY)
    seen["missing"] = twice(lambda: None, Outcome.MISSING)
    now = next(clock)
    assert rx.verify(PDU, trailer(seq_at(T + 100)), A, now) is Outcome.STALE
    assert state.last_delta == -100  # the skew of a stale advert is noted too
    now = next(clock)
    assert rx.verify(PDU, trailer(seq_at(T - 100)), A, now) is Outcome.STALE
    assert state.last_delta == 100 and rx.counters[Outcome.STALE] == 2
    assert last_ns(rx)[Outcome.STALE] == now
    seen["stale"] = now
    seen["bad_hmac"] = twice(lambda: trailer(seq_at(T, ctr=5), key=KEY2), Outcome.BAD_HMAC)
    assert state.last_delta == 100  # a note without a skew keeps the last one
    seen["unknown_key"] = twice(lambda: trailer(seq_at(T), key_id=9), Outcome.UNKNOWN_KEY)
    seen["expired_key"] = twice(lambda: trailer(seq_at(T), key_id=2, key=KEY2), Outcome.KEY_EXPIRED)
    seen["revoked_key"] = twice(lambda: trailer(seq_at(T), key_id=3, key=KEY3), Outcome.REVOKED_KEY)
    twice(lambda: trailer(seq_at(T, ctr=6))[:27], Outcome.MALFORMED)  # short trailer
    for bent in (trailer(seq_at(T, ctr=6), ext_type=2), trailer(seq_at(T, ctr=6), reserved=1)):
        now = next(clock)
        assert rx.verify(PDU, bent, A, now) is Outcome.MALFORMED
    assert rx.counters[Outcome.MALFORMED] == 4 and last_ns(rx)[Outcome.MALFORMED] == now
    twice(lambda: trailer(seq_at(T), src=C), Outcome.UNKNOWN_PEER, src=C)
    assert (state.high_water, state.accepted, state.last_ok_ns) == (seq_at(T, ctr=1), 1, t_ok)
    t_ok2 = next(clock)
    assert rx.verify(PDU, trailer(seq_at(T, ctr=9)), A, t_ok2) is Outcome.OK

    assert rx.counters == {
        Outcome.OK: 2,
        Outcome.MISSING: 2,
        Outcome.MALFORMED: 4,
        Outcome.STALE: 2,
        Outcome.UNKNOWN_KEY: 2,
        Outcome.UNKNOWN_PEER: 2,
        Outcome.BAD_HMAC: 2,
        Outcome.REPLAY: 2,
        Outcome.KEY_EXPIRED: 2,
        Outcome.REVOKED_KEY: 2,
    }
    assert state.outcomes == dict.fromkeys(seen, 2)
    assert state.last_seen == seen
    assert (state.high_water, state.accepted, state.last_ok_ns) == (seq_at(T, ctr=9), 2, t_ok2)
    assert list(rx.senders) == [A.packed]  # the unknown peer got no entry
    assert rx.unsigned_states() == {}  # unicast: a peer's unsigned adverts are per peer


@pytest.mark.parametrize(
    ("what", "sec", "kw", "forged", "expect"),
    [
        # malformed first: a wrong type, although also stale, unknown key, bad tag
        ("malformed", T + 999, {"key_id": 9, "ext_type": 2}, True, Outcome.MALFORMED),
        ("stale before the key", T + 999, {"key_id": 9}, True, Outcome.STALE),
        ("unknown key before the tag", T, {"key_id": 9}, True, Outcome.UNKNOWN_KEY),
        ("expired before the tag", T, {"key_id": 2, "key": KEY2}, True, Outcome.KEY_EXPIRED),
        ("revoked before the tag", T, {"key_id": 3, "key": KEY3}, True, Outcome.REVOKED_KEY),
        ("tag before replay", T - 1, {}, True, Outcome.BAD_HMAC),
        ("replay", T - 1, {}, False, Outcome.REPLAY),
    ],
)
def test_draft_receive_checks_run_in_order(what, sec, kw, forged, expect) -> None:
    """draft §receive: malformed, (time mode) stale, key not accepted now,
    HMAC, replay: an advert failing several checks gets the first one's verdict."""
    rx = receiver(
        keys={1: Secret(KEY), 2: Secret(KEY2), 3: Secret(KEY3)},
        accept_lifetimes={2: Lifetime(T - 100, T)},
        revoked=frozenset({3}),
    )
    assert rx.verify(PDU, trailer(seq_at(T)), A, T0) is Outcome.OK
    bent = trailer(seq_at(sec), **kw)
    if forged:
        bent = bent[:12] + bytes(16)
    assert rx.verify(PDU, bent, A, T0) is expect, what


def test_draft_unicast_unknown_peer_before_the_tag() -> None:
    """draft §receive (unicast): a source that is not a configured peer is
    refused before the digest, whatever its tag."""
    rx = receiver(peers=[A])
    assert rx.verify(PDU, trailer(seq_at(T), src=C)[:12] + bytes(16), C, T0) is Outcome.UNKNOWN_PEER


# -- draft: missing trailers (unsigned senders) ------------------------------------------


def test_draft_unsigned_multicast_sources_counted_per_source_lru_bounded() -> None:
    """An advert without a trailer from an untracked multicast source goes to
    a small table (last time, count) for rollout status; the least recently
    heard source leaves first, so forged sources cannot grow it."""
    rx = receiver(mode=Mode.PERMISSIVE)
    assert rx.verify(PDU, None, A, T0) is Outcome.MISSING
    assert rx.verify(PDU, None, A, T0 + S) is Outcome.MISSING
    assert rx.unsigned_states() == {A: (T0 + S, 2)}
    srcs = [ip_address(f"10.2.0.{i}") for i in range(1, 16)]  # A + 15 more: full
    for i, s in enumerate(srcs):
        rx.verify(PDU, None, s, T0 + 2 * S + i)
    assert len(rx.unsigned_states()) == 16
    rx.verify(PDU, None, A, T0 + 3 * S)  # A heard again: most recent now
    rx.verify(PDU, None, C, T0 + 4 * S)  # one source too many
    table = rx.unsigned_states()
    assert len(table) == 16 and srcs[0] not in table  # the least recently heard left
    assert table[A] == (T0 + 3 * S, 3) and table[C] == (T0 + 4 * S, 1)
    assert rx.counters[Outcome.MISSING] == 19 and not rx.senders


def test_draft_unsigned_advert_from_a_verified_multicast_sender_is_noted_on_it() -> None:
    """A multicast sender already verified (tracked) that sends unsigned is
    noted on its own state, not in the table of unsigned sources."""
    rx = receiver(mode=Mode.PERMISSIVE)
    assert rx.verify(PDU, trailer(seq_at(T)), A, T0) is Outcome.OK
    assert rx.verify(PDU, None, A, T0 + S) is Outcome.MISSING
    st = rx.sender_states()[A]
    assert st.outcomes == {"missing": 1} and st.last_seen == {"missing": T0 + S}
    assert rx.unsigned_states() == {}


def test_draft_unicast_unsigned_advert_from_a_stranger_leaves_no_trace() -> None:
    """Unicast: only configured peers have state; an unsigned advert from any
    other source is counted, and nothing else."""
    rx = receiver(peers=[A], mode=Mode.PERMISSIVE)
    assert rx.verify(PDU, None, C, T0) is Outcome.MISSING
    assert rx.unsigned_states() == {} and list(rx.senders) == [A.packed]
    assert rx.senders[A.packed].outcomes == {}
    assert rx.counters[Outcome.MISSING] == 1 and last_ns(rx)[Outcome.MISSING] == T0


def test_draft_bad_hmac_from_an_untracked_multicast_source_leaves_no_trace() -> None:
    """A forged multicast source (tag fails) gets no sender entry."""
    rx = receiver()
    assert rx.verify(PDU, trailer(seq_at(T), key=KEY2), A, T0) is Outcome.BAD_HMAC
    assert not rx.senders and rx.unsigned_states() == {}


# -- draft: multicast sender table -----------------------------------------------------


def test_draft_multicast_senders_lru_keeps_the_recently_heard() -> None:
    """keepalived keeps 4 multicast senders per instance; a sender that keeps
    sending stays, the least recently verified one leaves for a new one."""
    rx = receiver()
    srcs = [ip_address(f"10.0.1.{i}") for i in range(1, 6)]
    for i, s in enumerate(srcs[:4]):
        assert rx.verify(PDU, trailer(seq_at(T), src=s), s, T0 + i) is Outcome.OK
    assert rx.verify(PDU, trailer(seq_at(T, ctr=1), src=srcs[0]), srcs[0], T0 + 5) is Outcome.OK
    assert rx.verify(PDU, trailer(seq_at(T), src=srcs[4]), srcs[4], T0 + 6) is Outcome.OK
    assert list(rx.sender_states()) == [srcs[2], srcs[3], srcs[0], srcs[4]]
    assert rx.sender_states()[srcs[0]].accepted == 2


# -- draft: time window (stale), skew, replay ------------------------------------------------

WRAP = 1 << 32  # the trailer's 32-bit sec wraps in 2106


@pytest.mark.parametrize(
    ("what", "now_sec", "seq_sec", "expect", "delta"),
    [
        ("sender 5 s ahead: at the edge", T, T + 5, Outcome.OK, -5),
        ("sender 5 s behind: at the edge", T, T - 5, Outcome.OK, 5),
        ("sender 6 s ahead", T, T + 6, Outcome.STALE, -6),
        ("sender 6 s behind", T, T - 6, Outcome.STALE, 6),
        ("sender ahead, clock near the epoch", 1, 3, Outcome.OK, -2),
        ("sender at twice our time", T, 2 * T, Outcome.STALE, -T),
        ("after the 2106 wrap, sender 1 s behind", WRAP + 4, 3, Outcome.OK, 1),
        ("after the wrap, sender 5 s behind it", WRAP + 5, 0, Outcome.OK, 5),
        ("after the wrap, sender 6 s behind it", WRAP + 6, 0, Outcome.STALE, 6),
        ("before the wrap, sender 5 s ahead past it", WRAP - 2, 3, Outcome.OK, -5),
        ("before the wrap, sender 6 s ahead past it", WRAP - 2, 4, Outcome.STALE, -6),
    ],
)
def test_draft_time_mode_window_is_signed_and_survives_the_2106_wrap(
    what, now_sec, seq_sec, expect, delta
) -> None:
    """draft, time mode: an advert whose sec is more than time_window seconds
    from the receiver's clock, either way, is stale; the skew is computed
    modulo 2**32 (serial arithmetic), so the sec wrapping in 2106 changes
    nothing. The skew (now - sec) is kept per sender, stale or not."""
    rx = receiver(peers=[A], time_window=5)
    assert rx.verify(PDU, trailer(seq_at(seq_sec)), A, now_sec * S) is expect, what
    assert rx.senders[A.packed].last_delta == delta, what


def test_draft_skew_warning_only_past_half_the_window_either_way() -> None:
    """draft, time mode warnings: an accepted advert whose skew is more than
    half the window (strictly) counts one warning; exactly half does not."""
    rx = receiver(time_window=4)
    steps = [(T - 2, 0), (T + 2, 0), (T - 3, 1), (T + 3, 2)]  # (sender's sec, warnings)
    for i, (sec, warnings) in enumerate(steps):
        src = ip_address(f"10.0.2.{i + 1}")  # one sender each: no replay mark in the way
        assert rx.verify(PDU, trailer(seq_at(sec), src=src), src, T0) is Outcome.OK
        assert rx.skew_warnings == warnings


def test_draft_replay_exactly_half_the_sequence_space_apart_is_not_after() -> None:
    """RFC 1982 §3.2 over the 64-bit sequence: exactly 2**63 apart is
    undefined, treated as not after, so it is a replay; one less is after."""
    rx = receiver(anti_replay=AntiReplay.MONOTONIC)
    hw = seq_at(T)
    assert rx.verify(PDU, trailer(hw), A, T0) is Outcome.OK
    assert rx.verify(PDU, trailer((hw + SEQ_HALF) % SEQ_MOD), A, T0) is Outcome.REPLAY
    assert rx.verify(PDU, trailer((hw + SEQ_HALF - 1) % SEQ_MOD), A, T0) is Outcome.OK


def test_draft_replay_of_the_same_advert_at_the_edge_of_the_window() -> None:
    """draft, time mode: the replay mark is forgotten only outside the window;
    an advert replayed exactly time_window seconds later is still a replay,
    one second later it is stale."""
    rx = receiver(time_window=5)
    t = trailer(seq_at(T))
    assert rx.verify(PDU, t, A, T0) is Outcome.OK
    assert rx.verify(PDU, t, A, T0 + 5 * S) is Outcome.REPLAY
    assert rx.verify(PDU, t, A, T0 + 6 * S) is Outcome.STALE


def test_draft_replay_mark_ahead_of_the_clock_by_the_window_is_kept() -> None:
    """A mark exactly time_window seconds ahead of the receiver's clock is
    still inside the window: an older sequence is a replay."""
    rx = receiver(time_window=5)
    assert rx.verify(PDU, trailer(seq_at(T + 5)), A, T0) is Outcome.OK
    assert rx.verify(PDU, trailer(seq_at(T + 2)), A, T0) is Outcome.REPLAY


def test_draft_replay_mark_outside_the_window_is_forgotten_in_time_mode_only() -> None:
    """The receiver's clock was stepped back an hour: the senders' sequences
    are all below the mark, which is outside the window and forgotten in time
    mode (the freshness check guards replays instead). Monotonic mode has no
    window: the mark holds."""
    timed = receiver(time_window=5)
    mono = receiver(anti_replay=AntiReplay.MONOTONIC)
    for rx, expect in ((timed, Outcome.OK), (mono, Outcome.REPLAY)):
        assert rx.verify(PDU, trailer(seq_at(T)), A, T0) is Outcome.OK
        assert rx.verify(PDU, trailer(seq_at(T - 3600)), A, T0 - 3600 * S) is expect


def test_draft_reload_keeps_unicast_peer_replay_state() -> None:
    """A reload (configure) keeps each configured peer's replay state, so an
    advert captured before it cannot be replayed after it."""
    s = hsettings()
    rx = HmacAuth(s, family=4, version=3, vrid=51, peers=[A])
    t = trailer(seq_at(T))
    assert rx.verify(PDU, t, A, T0) is Outcome.OK
    rx.configure(s, peers=[A, B])
    assert rx.verify(PDU, t, A, T0) is Outcome.REPLAY
    assert rx.senders[A.packed].accepted == 1 and rx.senders[B.packed].accepted == 0


def test_draft_pseudo_header_cache_stays_bounded_under_a_flood() -> None:
    """Pseudo-headers are cached per source; a flood of sources (forged, each
    with a bad tag) cannot grow the cache past a small bound."""
    rx = receiver()
    bogus = trailer(seq_at(T))[:12] + bytes(16)
    for i in range(300):
        src = ip_address(f"10.3.{i // 250}.{i % 250 + 1}")
        assert rx.verify(PDU, bogus, src, T0) is Outcome.BAD_HMAC
    assert len(rx._pseudo) <= 65
    assert rx.verify(PDU, trailer(seq_at(T)), A, T0) is Outcome.OK


# -- draft: the send sequence -----------------------------------------------------------------


def test_draft_sequence_layout_subsec_is_the_fraction_of_the_second() -> None:
    """draft: seq = sec << 32 | subsec << 16 | ctr, subsec the fraction of the
    second in 1/65536 (the last nanosecond of a second is 0xFFFF, not 0x10000)."""
    assert clock_sequence(T0 + S - 1) == seq_at(T, 0xFFFF)
    assert clock_sequence(T0 + S // 2) == seq_at(T, 0x8000)
    s = SendSequence()
    assert s.next(T0 + S // 2, time_mode=True, window=5) == seq_at(T, 0x8000)
    assert s.next(T0 + S - 1, time_mode=False, window=5) == seq_at(T, 0xFFFF)
    tx = HmacAuth(hsettings(), family=4, version=3, vrid=51)
    assert HEAD.unpack(tx.sign(PDU, A, T0 + S // 4)[:12])[3] == seq_at(T, 0x4000)


def test_draft_sequence_exactly_half_behind_the_clock_counts_on() -> None:
    """RFC 1982: a clock candidate exactly 2**63 from the last sequence is not
    after it, so the sender goes on from last + 1."""
    c = seq_at(T)
    s = SendSequence((c - SEQ_HALF) % SEQ_MOD)
    assert s.next(T0, time_mode=False, window=5) == (c - SEQ_HALF + 1) % SEQ_MOD


def test_draft_sequence_restarts_from_the_clock_only_past_the_window() -> None:
    """Time mode: a last sequence more than time_window seconds ahead of the
    clock (a stepped clock, corrected) restarts from the clock; exactly the
    window ahead, the sender still counts on."""
    s = SendSequence(seq_at(T + 5))
    assert s.next(T0, time_mode=True, window=5) == seq_at(T + 5) + 1
    s = SendSequence(seq_at(T + 6))
    assert s.next(T0, time_mode=True, window=5) == seq_at(T)


def test_draft_signer_in_time_mode_restarts_after_a_clock_step_back() -> None:
    """A time-mode signer whose clock ran an hour ahead signs from the
    corrected clock at once (receivers would call every advert stale), while a
    monotonic-mode signer keeps its sequence growing."""
    timed = HmacAuth(hsettings(), family=4, version=3, vrid=51)
    mono = HmacAuth(hsettings(anti_replay=AntiReplay.MONOTONIC), family=4, version=3, vrid=51)
    for tx in (timed, mono):
        tx.sign(PDU, A, T0 + 3600 * S)
    assert HEAD.unpack(timed.sign(PDU, A, T0)[:12])[3] == seq_at(T)
    assert HEAD.unpack(mono.sign(PDU, A, T0)[:12])[3] == seq_at(T + 3600) + 1


def test_rfc1982_serial_and_32_bit_second_arithmetic_edges() -> None:
    """RFC 1982 §3.2: after means less than half the space ahead; the trailer
    sec difference is a signed 32-bit number."""
    assert serial_gt(SEQ_HALF - 1, 0) and not serial_gt(SEQ_HALF, 0)
    assert sec_delta(1, 0) == 1 and sec_delta(0, 1) == -1
    assert sec_delta(3, 0) == 3 and sec_delta(0, 3) == -3
    assert sec_delta(0x7FFF_FFFF, 0) == 0x7FFF_FFFF and sec_delta(0x8000_0000, 0) == -(1 << 31)


# -- modes and signing ----------------------------------------------------------------------


def test_receive_only_mode_has_no_sending_key_even_with_active_key() -> None:
    """draft Modes: receive-only verifies and never signs, so its key plan
    names no sending key, with or without the lifecycle keywords."""
    plain = receiver(mode=Mode.RECEIVE_ONLY, active_key=1)
    life = receiver(
        mode=Mode.RECEIVE_ONLY, active_key=1, accept_lifetimes={1: Lifetime(T - 100, None)}
    )
    for rx in (plain, life):
        assert rx.send_key(T0) is None
        assert rx.verify(PDU, trailer(seq_at(T)), A, T0) is Outcome.OK
        with pytest.raises(
            NoSendingKey, match=r"^this instance does not sign \(mode receive-only\)$"
        ):
            rx.sign(PDU, A, T0)


def test_no_key_may_sign_says_why() -> None:
    """Last-key expiry with on_last_key_expiry stop (RFC 7166): nothing is sent,
    never an unsigned advert; the exception says why."""
    tx = receiver(send_lifetimes={1: Lifetime(T - 100, T)}, on_last_key_expiry="stop")
    with pytest.raises(NoSendingKey, match=r"^no key may sign now$"):
        tx.sign(PDU, A, T0)


def test_keepalived_behaviour_without_lifecycle_plan_accepts_every_key_for_ever() -> None:
    """Without lifecycle keywords (keepalived's auth_hmac): the active key
    signs, every configured key is accepted, at any time, and no alarm."""
    rx = receiver(keys={1: Secret(KEY), 2: Secret(KEY2)}, active_key=2)
    assert rx.plan == KeyPlan(2, frozenset({1, 2}), None, FAR_PAST, FAR_FUTURE)
    assert rx.key_plan(0) is rx.key_plan(T0) is rx.plan


def test_lifecycle_plan_computed_at_first_use_then_cached_until_a_boundary() -> None:
    """The key plan is a function of the clock passed in: none before the
    first sign or verify, then recomputed only when the clock leaves the
    interval it holds for, [valid_from, valid_until) (a boundary belongs to
    the next plan)."""
    send = {1: Lifetime(T - 3600, T), 2: Lifetime(T, None)}
    keys = {1: Secret(KEY), 2: Secret(KEY2)}
    a = receiver(keys=keys, send_lifetimes=send)
    assert a.plan is None
    first = a.key_plan(T0 - 1)
    assert (first.send_key, first.valid_from, first.valid_until) == (1, (T - 3600) * S, T0)
    at_edge = a.key_plan(T0)
    assert at_edge.send_key == 2 and (at_edge.valid_from, at_edge.valid_until) == (T0, FAR_FUTURE)
    assert a.key_plan(T0) is at_edge
    assert a.sign(PDU, A, T0)[1] == 2 and a.plan is at_edge
    rx = receiver(keys=keys, accept_lifetimes=send)
    assert rx.verify(PDU, trailer(seq_at(T), key_id=2, key=KEY2), A, T0) is Outcome.OK
    p = rx.plan
    assert p.valid_from == T0
    assert rx.verify(PDU, trailer(seq_at(T, ctr=1), key_id=2, key=KEY2), A, T0) is Outcome.OK
    assert rx.plan is p


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"active_key": 3}, "active_key 3 names no configured key"),
        ({"time_window": 0}, "time_window 0 out of range 1..300"),
        ({"time_window": 301}, "time_window 301 out of range 1..300"),
        ({"on_last_key_expiry": "fallback"}, "on_last_key_expiry must be 'keep' or 'stop'"),
        ({"send_lifetimes": {4: Lifetime(T)}}, "a lifetime for key 4, which is not configured"),
        ({"accept_lifetimes": {5: Lifetime(T)}}, "a lifetime for key 5, which is not configured"),
        ({"keys": {256: Secret(KEY)}, "active_key": 256}, "key id 256 out of range 1..255"),
    ],
)
def test_auth_hmac_settings_refused_with_a_clear_message(kw, message) -> None:
    """The auth_hmac block is checked as a whole: each refusal says what is wrong."""
    with pytest.raises(ValueError) as exc:
        hsettings(**kw)
    assert str(exc.value) == message


def test_auth_hmac_time_window_range_is_inclusive() -> None:
    """time_window is 1 to 300 seconds, both ends allowed."""
    assert hsettings(time_window=1).time_window == 1
    assert hsettings(time_window=300).time_window == 300


# -- key lifecycle: choosing the sending key -----------------------------------------------------


def test_lifecycle_sending_key_latest_send_start_then_highest_id() -> None:
    """Rule 2: the active key out of its send lifetime, the valid key with the
    latest send start signs (not the highest id); a key without a send
    lifetime starts at the beginning of time; ties go to the highest id."""
    send = {1: Lifetime(T - 100, T), 2: Lifetime(T - 10, None), 3: Lifetime(T - 50, None)}
    assert plan([1, 2, 3], active_key=1, now_ns=T0, send=send).send_key == 2
    assert plan([1, 2, 3, 4], active_key=1, now_ns=T0, send={1: send[1]}).send_key == 4
    low = {1: send[1], 2: Lifetime(T - 50, None)}  # key 3 has no send lifetime
    assert plan([1, 2, 3], active_key=1, now_ns=T0, send=low).send_key == 2


def test_lifecycle_keep_is_the_default_last_key_policy() -> None:
    """on_last_key_expiry defaults to keep (RFC 2328 D.3): after the last send
    lifetime ends, that key goes on signing, with the alarm."""
    p = plan([1], active_key=1, now_ns=T0, send={1: Lifetime(T - 100, T)})
    assert (p.send_key, p.alarm, p.accept) == (1, ALARM_LAST_KEY_EXPIRED, frozenset({1}))


def test_lifecycle_keep_signs_with_the_key_that_ended_most_recently() -> None:
    """RFC 2328 D.3 (keep): in a gap, the last key is the non-revoked key whose
    send lifetime ended most recently, whatever its id and whatever the active
    key; a lifetime ending exactly now has ended."""
    send = {
        1: Lifetime(T - 200, T - 50),
        2: Lifetime(T - 300, T - 100),
        3: Lifetime(T + 100, None),
    }
    p = plan([1, 2, 3], active_key=3, now_ns=T0, send=send)
    assert (p.send_key, p.alarm) == (1, ALARM_LAST_KEY_EXPIRED)
    assert p.accept == frozenset({1, 2, 3})  # the last key: as if infinite, while the alarm lasts
    edge = {1: Lifetime(T - 100, T), 2: Lifetime(T + 10, None)}
    assert plan([1, 2], active_key=2, now_ns=T0, send=edge).send_key == 1


def test_lifecycle_keep_before_any_key_is_valid_uses_active_else_lowest_id() -> None:
    """RFC 2328 D.3 (keep): no key has been valid yet (every send lifetime
    starts later): the active key signs, or, when it cannot, the lowest
    non-revoked id."""
    later = {k: Lifetime(T + 100 * k, None) for k in (1, 2, 3)}
    p = plan([1, 2, 3], active_key=2, now_ns=T0, send=later)
    assert (p.send_key, p.alarm) == (2, ALARM_LAST_KEY_EXPIRED)
    p = plan([1, 2, 3], active_key=1, now_ns=T0, send=later, revoked=[1])
    assert (p.send_key, p.alarm) == (2, ALARM_LAST_KEY_EXPIRED)
    p = plan([1, 2, 3], active_key=None, now_ns=T0, send=later)
    assert p.send_key == 1


def test_lifecycle_plan_interval_is_half_open_at_boundaries() -> None:
    """Lifetimes are [start, end): a plan computed exactly at a boundary holds
    from it up to the next one."""
    send = {1: Lifetime(T - 10, T), 2: Lifetime(T, T + 20)}
    p = plan([1, 2], active_key=1, now_ns=T0, send=send)
    assert (p.send_key, p.valid_from, p.valid_until) == (2, T0, T0 + 20 * S)


def test_lifecycle_key_states_for_status_ids_and_times_only() -> None:
    """Status: per key, revoked or not, whether it may send and be accepted
    now (revoked keys neither), and both lifetimes in UTC: ids and times only."""
    send = {1: Lifetime(T - 100, T), 2: Lifetime(T, None)}
    accept = {1: Lifetime(T - 100, T + 10), 3: Lifetime(T + 5, None)}
    got = key_states([3, 1, 2, 4], now_ns=T0, send=send, accept=accept, revoked=[4])
    assert got == [
        {
            "id": 1,
            "revoked": False,
            "send_valid": False,
            "accept_valid": True,
            "send_lifetime": ["2027-01-15T07:58:20Z", "2027-01-15T08:00:00Z"],
            "accept_lifetime": ["2027-01-15T07:58:20Z", "2027-01-15T08:00:10Z"],
        },
        {
            "id": 2,
            "revoked": False,
            "send_valid": True,
            "accept_valid": True,
            "send_lifetime": ["2027-01-15T08:00:00Z", "infinite"],
            "accept_lifetime": None,
        },
        {
            "id": 3,
            "revoked": False,
            "send_valid": True,
            "accept_valid": False,
            "send_lifetime": None,
            "accept_lifetime": ["2027-01-15T08:00:05Z", "infinite"],
        },
        {
            "id": 4,
            "revoked": True,
            "send_valid": False,
            "accept_valid": False,
            "send_lifetime": None,
            "accept_lifetime": None,
        },
    ]
    assert key_states([1], now_ns=T0)[0]["accept_valid"] is True  # no lifetimes at all


# -- key lifecycle: UTC times ----------------------------------------------------------------


@pytest.fixture
def far_east_tz(monkeypatch: pytest.MonkeyPatch):
    """The host in UTC+9 (lifetimes must not move with the host's zone)."""
    monkeypatch.setenv("TZ", "JST-9")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_lifetimes_are_utc_whatever_the_host_time_zone(far_east_tz) -> None:
    """Lifetimes are whole UTC seconds written 2026-12-01T00:00:00Z, on any
    host: parsing and formatting never use the local zone."""
    assert parse_utc("2027-01-15T08:07:09Z") == T + 7 * 60 + 9
    assert format_utc(T + 7 * 60 + 9) == "2027-01-15T08:07:09Z"
    assert str(Lifetime(T, None)) == "2027-01-15T08:00:00Z infinite"
    assert str(Lifetime(T - 1, T)) == "2027-01-15T07:59:59Z 2027-01-15T08:00:00Z"


def test_lifetime_errors_say_what_is_wrong() -> None:
    """A time that is not UTC-with-Z is refused naming the text; a lifetime
    must end after it starts."""
    with pytest.raises(ValueError) as exc:
        parse_utc("2027-01-15 08:00:00")
    assert str(exc.value) == "2027-01-15 08:00:00"
    with pytest.raises(ValueError) as exc:
        Lifetime(T, T - 1)
    assert str(exc.value) == "a lifetime must end after it starts"


# -- rollout readiness -------------------------------------------------------------------------

W = 10 * S


def test_rollout_window_is_ten_advert_intervals_at_least_ten_seconds() -> None:
    assert rollout_window_s(0.5) == 10.0
    assert rollout_window_s(1) == 10.0
    assert rollout_window_s(3) == 30.0


@pytest.mark.parametrize(("age", "counted"), [(0, True), (W, True), (W + 1, False), (-1, False)])
def test_rollout_recent_window_is_inclusive_at_both_ends(age, counted) -> None:
    """Rollout: a failure seen now or exactly one window ago is recent; older
    or in the future (a clock step) is not."""
    now = T0
    views = [SenderView("10.0.0.2", last_ok_ns=now, last_seen_ns={"bad_hmac": now - age})]
    r = readiness("permissive", views, now_ns=now, window_ns=W)
    assert r.ok is not counted
    assert r.mode == "permissive" and r.next_mode == "enforce"


def test_rollout_receive_only_ignores_a_key_alarm() -> None:
    """Spec Modes: a receive-only node signs nothing, so a key-chain alarm does
    not stop it from moving on; any other mode must fix the chain first."""
    views = [SenderView("10.0.0.2", last_seen_ns={"missing": T0 - S})]
    r = readiness("receive-only", views, now_ns=T0, window_ns=W, alarm="last_key_expired")
    assert r.ok and r.mode == "receive-only" and r.next_mode == "permissive"
    r = readiness("permissive", views, now_ns=T0, window_ns=W, alarm="last_key_expired")
    assert not r.ok and r.reason == "auth alarm last_key_expired: fix the key chain first"


def test_rollout_instance_wide_failures_are_listed_together() -> None:
    """Failures from untracked sources are reported instance-wide, all of them."""
    last = {"bad_hmac": T0 - S, "replay": T0 - 2 * S, "ok": T0}
    r = readiness("enforce", [], now_ns=T0, window_ns=W, instance_last=last, is_master=True)
    assert (r.ok, r.mode, r.reason) == (False, "enforce", "bad_hmac, replay in the last 10s")


def test_rollout_nothing_heard_lists_the_silent_configured_peers() -> None:
    """A Backup that heard no advert is not ready, and says which configured
    unicast peers were silent."""
    views = [SenderView("10.0.0.2", configured=True), SenderView("10.0.0.3", configured=True)]
    r = readiness("permissive", views, now_ns=T0, window_ns=W)
    assert (r.ok, r.reason, r.silent) == (
        False,
        "no advert heard in the last 10s",
        ("10.0.0.2", "10.0.0.3"),
    )
    assert r.to_dict() == {
        "mode": "permissive",
        "ok": False,
        "next_mode": "enforce",
        "reason": "no advert heard in the last 10s",
        "silent_peers": ["10.0.0.2", "10.0.0.3"],
    }


# -- keys (keepalived's key values) -----------------------------------------------------------


def test_key_id_range_1_to_255() -> None:
    assert check_key_id(1) == 1 and check_key_id(255) == 255
    for bad in (0, 256):
        with pytest.raises(KeyValueError) as exc:
            check_key_id(bad)
        assert str(exc.value) == f"key id {bad} out of range 1..255"


def test_key_length_32_to_64_bytes_inclusive() -> None:
    """A key is 32 to 64 bytes after decoding, both ends allowed, in either form."""
    for n in (32, 64):
        assert len(load_key("hex:" + "ab" * n).secret) == n
        # compared as Secrets, so a failure message shows no key bytes
        assert load_key("k" * n).secret == Secret(b"k" * n)
    with pytest.raises(KeyValueError) as exc:
        load_key("")
    assert str(exc.value) == "empty key"


def _key_file(tmp_path, content: bytes, name: str = "k"):
    f = tmp_path / name
    f.write_bytes(content)
    os.chmod(f, 0o600)
    return f


def test_key_file_trims_only_trailing_space_tab_cr_lf(tmp_path) -> None:
    """file: keys: trailing spaces, tabs, CR and LF are ignored; anything else
    is part of the value (a trailing form feed is refused, a trailing X kept)."""
    value = "k" * 30 + "XX"
    f = _key_file(tmp_path, (value + " \t\r\n \n").encode())
    got = load_key(f"file:{f}")
    assert got.secret == Secret(value.encode()) and got.form == "file" and got.path == str(f)
    f = _key_file(tmp_path, (value + "\x0c\n").encode())
    with pytest.raises(KeyValueError) as exc:
        load_key(f"file:{f}")
    assert str(exc.value) == (
        f"key file {f}: key is not printable ASCII (use hex: for binary keys)"
    )


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (b"short", "key is 5 bytes, must be 32 to 64 bytes"),
        (b"k" * 10_000, "key is 4096 bytes, must be 32 to 64 bytes"),  # read at most 4 KiB
        (b"hex:abc", "hex: key has an odd number of digits (3)"),
        (b"", "empty key"),
    ],
)
def test_key_file_errors_name_the_file(tmp_path, content, why) -> None:
    """A bad value in a key file is reported with the file's path first; a
    file is read up to 4096 bytes only (a wrong path to a big file)."""
    f = _key_file(tmp_path, content)
    with pytest.raises(KeyValueError) as exc:
        load_key(f"file:{f}")
    assert str(exc.value) == f"key file {f}: {why}"


def test_key_file_open_errors_say_what_is_wrong(tmp_path, monkeypatch) -> None:
    """file: keys: not ASCII, not a regular file, cannot be opened, permission
    denied: each says so, naming the path (never key bytes)."""
    f = _key_file(tmp_path, "é".encode() * 20)
    with pytest.raises(KeyValueError) as exc:
        load_key(f"file:{f}")
    assert str(exc.value) == f"key file {f} is not ASCII (write binary keys as hex:)"
    with pytest.raises(KeyValueError) as exc:
        load_key(f"file:{tmp_path}")
    assert str(exc.value) == f"key file {tmp_path} is not a regular file"
    with pytest.raises(KeyValueError) as exc:
        load_key(f"file:{f}/x")
    assert str(exc.value) == f"key file {f}/x cannot be opened: Not a directory"
    with pytest.raises(KeyValueError) as exc:
        load_key("file:")
    assert str(exc.value) == "file: key names no file"

    def denied(*_a, **_k):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(keys_mod.os, "open", denied)  # (root reads any file)
    with pytest.raises(KeyValueError) as exc:
        load_key(f"file:{f}")
    assert str(exc.value) == f"key file {f} is not readable (permission denied)"


def test_key_file_opened_close_on_exec(tmp_path, monkeypatch) -> None:
    """A key file is opened O_CLOEXEC: a script the daemon starts meanwhile
    never inherits a descriptor of it."""
    f = _key_file(tmp_path, b"k" * 32)
    flags = []
    real_open = os.open

    def spy(path, fl, *a):
        flags.append(fl)
        return real_open(path, fl, *a)

    monkeypatch.setattr(keys_mod.os, "open", spy)
    assert load_key(f"file:{f}").secret == Secret(b"k" * 32)
    assert flags and all(fl & os.O_CLOEXEC and fl & os.O_ACCMODE == os.O_RDONLY for fl in flags)


def test_key_file_relative_path_without_base_dir_is_the_working_directory(
    tmp_path, monkeypatch
) -> None:
    """file:NAME with no configuration directory is relative to the working
    directory; an absolute path ignores the configuration directory."""
    _key_file(tmp_path, b"k" * 32, "rel.key")
    monkeypatch.chdir(tmp_path)
    assert load_key("file:rel.key").secret == Secret(b"k" * 32)
    other = tmp_path / "elsewhere"
    other.mkdir()
    absolute = _key_file(other, b"j" * 32)
    assert load_key(f"file:{absolute}", base_dir=tmp_path).secret == Secret(b"j" * 32)


def test_secret_compares_by_value_and_never_shows_its_bytes() -> None:
    """Secrets: equal by value (constant time), never equal to raw bytes,
    equal secrets hash equal; repr, str, format show the length only; a Secret
    cannot be pickled (no copy of key bytes leaves the process that way)."""
    a, b, c = Secret(b"k" * 32), Secret(b"k" * 32), Secret(b"j" * 32)
    assert a == b and a != c and hash(a) == hash(b)
    assert (a == b"k" * 32) is False
    assert repr(a) == str(a) == f"{a}" == f"{a:>40}" == "<secret 32 bytes>"
    with pytest.raises(TypeError) as exc:
        pickle.dumps(a)
    assert str(exc.value) == "a Secret cannot be pickled"


# -- RFC 2104 / RFC 4231: the HMAC, C and Python ----------------------------------------------

RFC4231 = [
    # (test case, key, data, HMAC-SHA-256 truncated to 128 bits)
    (1, b"\x0b" * 20, b"Hi There", "b0344c61d8db38535ca8afceaf0bf12b"),
    (2, b"Jefe", b"what do ya want for nothing?", "5bdcc146bf60754e6a042426089575c7"),
    (5, b"\x0c" * 20, b"Test With Truncation", "a3b6167473100ee06e0c796c2955552b"),
    (
        6,
        b"\xaa" * 131,
        b"Test Using Larger Than Block-Size Key - Hash Key First",
        "60e431591ee0b67f0d8a26aacbf5b77f",
    ),
]


@pytest.mark.parametrize("accel", [False, True])
@pytest.mark.parametrize(("case", "key", "data", "want"), RFC4231)
def test_rfc4231_vectors_truncated_to_128_bits(accel, case, key, data, want) -> None:
    """RFC 4231 HMAC-SHA-256 test cases 1, 2, 5 (truncation to 128 bits) and 6
    (a key longer than the block is hashed first, RFC 2104), with the
    Python reference (accel False) and the C extension."""
    k = PreparedKey(1, Secret(key), accel=accel)
    if accel and not k.accel:
        pytest.skip("the C extension is not loaded")
    assert k.tag(data).hex() == want, case


@pytest.mark.parametrize("accel", [False, True])
def test_rfc2104_keys_up_to_one_block_are_padded_not_hashed(accel) -> None:
    """RFC 2104: a key of at most B = 64 bytes is zero-padded; only a longer
    one is hashed first. 64 and 65 bytes, against the standard library."""
    for n in (63, 64, 65):
        key = bytes(range(n))
        k = PreparedKey(1, Secret(key), accel=accel)
        assert k.tag(b"m" * 50) == hmac.digest(key, b"m" * 50, "sha256")[:16], n
        head = bytes(12)
        want = hmac.digest(
            key, bytes(20) + PDU[:6] + b"\0\0" + PDU[8:] + head + bytes(16), "sha256"
        )
        assert k.sign(bytes(20), PDU, head) == want[:16], n


def test_draft_pseudo_header_layout() -> None:
    """draft: the 20-byte pseudo-header is family, version, VRID, 0, then the
    source address, an IPv4 one followed by 12 zero bytes."""
    assert pseudo_header(4, 3, 51, A) == bytes((4, 3, 51, 0)) + A.packed + bytes(12)
    v6 = ip_address("fe80::10")
    assert pseudo_header(6, 3, 7, v6) == bytes((6, 3, 7, 0)) + v6.packed
    rx = receiver()
    t = trailer(seq_at(T))
    assert rx.verify(PDU, t, A, T0) is Outcome.OK  # the receiver binds the same header


@pytest.mark.parametrize("name", ["ipv4", "ipv6"])
def test_draft_vectors_verify_with_the_reference_pseudo_header(data, name) -> None:
    """The draft's known-answer images: their tags check under pyvrrp.auth.mac
    alone (pseudo_header + PreparedKey), C and Python."""
    vectors = json.loads((data / "vectors/auth_hmac.json").read_text())
    im = next(i for i in vectors["images"] if i["name"] == name)
    d = decode(bytes.fromhex(im["hex"]), family=im["family"], check_checksum=False)
    pseudo = pseudo_header(im["family"], im["version"], im["vrid"], ip_address(im["source"]))
    secret = Secret(bytes.fromhex(vectors["key_hex"]))
    for accel in (False, True):
        k = PreparedKey(vectors["key_id"], secret, accel=accel)
        assert k.check(pseudo, d.pdu, d.trailer) is True
        assert k.sign(pseudo, d.pdu, d.trailer[:12]) == d.trailer[12:]


def test_prepared_key_names_its_id_and_length_only() -> None:
    """A prepared key shows its id and key length (for debugging), never its
    bytes; the instance prepares each configured key under its own id."""
    k = PreparedKey(7, Secret(KEY), accel=False)
    assert (k.key_id, k.length) == (7, 32) and repr(k) == "<PreparedKey id=7 32 bytes>"
    auth = receiver(keys={1: Secret(KEY), 2: Secret(KEY2)})
    assert {i: repr(p) for i, p in auth._keys.items()} == {
        1: "<PreparedKey id=1 32 bytes>",
        2: "<PreparedKey id=2 32 bytes>",
    }


def test_tag_implementation_choice_c_when_loaded_python_when_asked(monkeypatch) -> None:
    """The C extension does check/sign when it is loaded and wanted (the
    default follows ACCELERATED, which PYVRRP_PURE_TAG turns off); accel False
    always gives the Python reference."""
    s = Secret(KEY)
    assert PreparedKey(1, s, accel=False).accel is False
    monkeypatch.setattr(mac, "ACCELERATED", False)
    assert PreparedKey(1, s).accel is False
    if mac._CKey is None:
        pytest.skip("the C extension is not loaded")
    c = PreparedKey(1, s, accel=True)
    assert c.accel is True and c.check.__self__.__class__ is mac._CKey
    monkeypatch.setattr(mac, "ACCELERATED", True)
    assert PreparedKey(1, s).accel is True


def test_python_reference_refuses_bad_lengths_with_a_clear_message() -> None:
    """The Python reference takes a PDU of at least 8 bytes and a 28-byte
    trailer (check) or a 12-byte trailer head (sign)."""
    k = PreparedKey(1, Secret(KEY), accel=False)
    with pytest.raises(ValueError) as exc:
        k.check(bytes(20), bytes(7), bytes(28))
    assert str(exc.value) == "check(): a PDU of 8 bytes or more and a 28-byte trailer"
    with pytest.raises(ValueError) as exc:
        k.sign(bytes(20), bytes(8), bytes(13))
    assert str(exc.value) == "sign(): a PDU of 8 bytes or more and a 12-byte trailer head"

"""The auth core: sequence rules, replay state, modes, peers, counters, keys."""

from __future__ import annotations

import os
from ipaddress import ip_address

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tag_impl import tag_impl  # noqa: F401  (every test here runs with the C and the Python tag)

from pyvrrp.auth.hmac_auth import HmacAuth, HmacSettings, default_time_window
from pyvrrp.auth.keys import KeyValueError, Secret, load_key
from pyvrrp.auth.outcome import AntiReplay, Mode, Outcome
from pyvrrp.auth.sequence import SEQ_MOD, SendSequence, clock_sequence, sec_delta, serial_gt
from pyvrrp.wire import Advert, DecodeError, decode, encode
from pyvrrp.wire.vrrp import ChecksumStyle

KEY = bytes(range(32))
KEY2 = bytes(range(100, 132))
A, B, C = ip_address("10.0.0.1"), ip_address("10.0.0.2"), ip_address("10.0.0.3")
T0 = 1_800_000_000 * 10**9  # a wall clock, ns
S = 10**9


def settings_for(mode=Mode.ENFORCE, anti_replay=AntiReplay.TIME, window=5, keys=None, active=1):
    return HmacSettings(
        keys=keys or {1: Secret(KEY)},
        active_key=active,
        anti_replay=anti_replay,
        time_window=window,
        mode=mode,
    )


def pdu(priority=100, vrid=51) -> bytes:
    return encode(
        Advert(3, 4, vrid, priority, 100, (ip_address("10.9.0.1"),)), style=ChecksumStyle.MESSAGE
    )


def pair(**kw):
    """A sender and a receiver with the same settings (multicast)."""
    s = settings_for(**kw)
    return HmacAuth(s, family=4, version=3, vrid=51), HmacAuth(s, family=4, version=3, vrid=51)


# -- sequence -------------------------------------------------------------------


def test_serial_arithmetic_over_64_bits() -> None:
    assert serial_gt(1, 0) and not serial_gt(0, 1) and not serial_gt(5, 5)
    assert serial_gt(0, SEQ_MOD - 1)  # wrap
    assert not serial_gt(SEQ_MOD - 1, 0)
    assert sec_delta(5, 0xFFFFFFFF) == 6  # the 32-bit sec wraps too


def test_clock_candidate_layout() -> None:
    seq = clock_sequence(1_700_000_000 * S + 500_000_000)
    assert seq >> 32 == 1_700_000_000 and (seq >> 16) & 0xFFFF == 0x8000 and seq & 0xFFFF == 0


def test_same_tick_burst_counts_up() -> None:
    s = SendSequence()
    seqs = [s.next(T0, time_mode=True, window=5) for _ in range(3)]
    assert seqs == [seqs[0], seqs[0] + 1, seqs[0] + 2]


def test_ctr_wraps_into_subsec() -> None:
    base = clock_sequence(T0)
    s = SendSequence(base | 0xFFFF)
    assert s.next(T0, time_mode=True, window=5) == base + 0x10000


def test_64_bit_wrap() -> None:
    s = SendSequence(SEQ_MOD - 1)
    nxt = s.next(0, time_mode=False, window=5)
    assert nxt == 0 and serial_gt(nxt, SEQ_MOD - 1)


def test_clock_step_forward_jumps() -> None:
    s = SendSequence()
    a = s.next(T0, time_mode=True, window=5)
    b = s.next(T0 + 3600 * S, time_mode=True, window=5)
    assert b >> 32 == (a >> 32) + 3600


def test_clock_step_back_time_mode_restarts_from_clock() -> None:
    s = SendSequence()
    s.next(T0 + 3600 * S, time_mode=True, window=5)  # clock was an hour ahead
    b = s.next(T0, time_mode=True, window=5)  # corrected
    assert b == clock_sequence(T0)


def test_small_step_back_keeps_growing() -> None:
    s = SendSequence()
    a = s.next(T0 + 3 * S, time_mode=True, window=5)
    assert s.next(T0, time_mode=True, window=5) == a + 1


def test_monotonic_mode_strictly_grows_across_a_step_back() -> None:
    s = SendSequence()
    a = s.next(T0 + 3600 * S, time_mode=False, window=5)
    assert s.next(T0, time_mode=False, window=5) == a + 1


# -- verify ---------------------------------------------------------------------


def test_sign_verify_ok_then_replay() -> None:
    tx, rx = pair()
    p = pdu()
    t = tx.sign(p, A, T0)
    assert rx.verify(p, t, A, T0) is Outcome.OK
    assert rx.verify(p, t, A, T0) is Outcome.REPLAY
    assert rx.counters[Outcome.OK] == 1 and rx.counters[Outcome.REPLAY] == 1


def test_older_sequence_is_replay() -> None:
    tx, rx = pair()
    p = pdu()
    t1, t2 = tx.sign(p, A, T0), tx.sign(p, A, T0 + S)
    assert rx.verify(p, t2, A, T0 + S) is Outcome.OK
    assert rx.verify(p, t1, A, T0 + S) is Outcome.REPLAY


def test_stale_checked_before_the_key_and_touches_nothing() -> None:
    tx, rx = pair()
    p = pdu()
    t = tx.sign(p, A, T0)
    bad_key = t[:1] + b"\x09" + t[2:]
    assert rx.verify(p, bad_key, A, T0 + 6 * S) is Outcome.STALE
    assert rx.verify(p, t, A, T0 - 6 * S) is Outcome.STALE
    assert not rx.senders  # no replay slot for an unverified sender
    assert rx.verify(p, t, A, T0 + 5 * S) is Outcome.OK  # exactly at the window edge


def test_skew_warning_past_half_the_window() -> None:
    tx, rx = pair()
    p = pdu()
    assert rx.verify(p, tx.sign(p, A, T0), A, T0 + 2 * S) is Outcome.OK
    assert rx.skew_warnings == 0
    assert rx.verify(p, tx.sign(p, A, T0 + S), A, T0 + 4 * S) is Outcome.OK
    assert rx.skew_warnings == 1 and rx.senders[A.packed].last_delta == 3


def test_high_water_outside_window_is_forgotten() -> None:
    """A sender whose clock ran 4 s ahead restarts with a correct clock: its
    sequence is below the mark, which is forgotten once outside the window."""
    tx, rx = pair()
    p = pdu()
    assert rx.verify(p, tx.sign(p, A, T0 + 4 * S), A, T0) is Outcome.OK
    restarted = HmacAuth(settings_for(), family=4, version=3, vrid=51)
    assert rx.verify(p, restarted.sign(p, A, T0 + S), A, T0 + S) is Outcome.REPLAY
    assert rx.verify(p, restarted.sign(p, A, T0 + 10 * S), A, T0 + 10 * S) is Outcome.OK


def test_monotonic_mode_ignores_the_clock() -> None:
    tx, rx = pair(anti_replay=AntiReplay.MONOTONIC)
    p = pdu()
    assert rx.verify(p, tx.sign(p, A, T0), A, T0 + 3600 * S) is Outcome.OK


def test_unknown_key() -> None:
    tx, _ = pair(keys={2: Secret(KEY2)}, active=2)
    _, rx = pair()
    p = pdu()
    assert rx.verify(p, tx.sign(p, A, T0), A, T0) is Outcome.UNKNOWN_KEY


def test_wrong_key_same_id_is_bad_hmac() -> None:
    tx, _ = pair(keys={1: Secret(KEY2)})
    _, rx = pair()
    p = pdu()
    assert rx.verify(p, tx.sign(p, A, T0), A, T0) is Outcome.BAD_HMAC
    assert not rx.senders  # a forged source gets no multicast slot


def test_missing_by_mode() -> None:
    p = pdu()
    for mode, accepted in (
        (Mode.ENFORCE, False),
        (Mode.PERMISSIVE, True),
        (Mode.RECEIVE_ONLY, True),
    ):
        active = None if mode is Mode.RECEIVE_ONLY else 1
        rx = HmacAuth(settings_for(mode=mode, active=active), family=4, version=3, vrid=51)
        out = rx.verify(p, None, A, T0)
        assert out is Outcome.MISSING and rx.accepts(out) is accepted
        assert rx.counters[Outcome.MISSING] == 1


def test_bad_trailer_rejected_in_every_mode() -> None:
    tx, _ = pair()
    p = pdu()
    t = bytearray(tx.sign(p, A, T0))
    t[-1] ^= 1
    for mode in Mode:
        rx = HmacAuth(
            settings_for(mode=mode, active=None if mode is Mode.RECEIVE_ONLY else 1),
            family=4,
            version=3,
            vrid=51,
        )
        out = rx.verify(p, bytes(t), A, T0)
        assert out is Outcome.BAD_HMAC and not rx.accepts(out)


def test_unicast_unknown_source_rejected_without_state() -> None:
    s = settings_for()
    tx = HmacAuth(s, family=4, version=3, vrid=51)
    rx = HmacAuth(s, family=4, version=3, vrid=51, peers=[A])
    p = pdu()
    assert rx.verify(p, tx.sign(p, C, T0), C, T0) is Outcome.UNKNOWN_PEER
    assert list(rx.senders) == [A.packed]
    assert rx.verify(p, tx.sign(p, A, T0), A, T0) is Outcome.OK


def test_per_peer_replay_state() -> None:
    s = settings_for()
    ta, tb = (HmacAuth(s, family=4, version=3, vrid=51) for _ in range(2))
    rx = HmacAuth(s, family=4, version=3, vrid=51, peers=[A, B])
    p = pdu()
    late_b = tb.sign(p, B, T0)
    assert rx.verify(p, ta.sign(p, A, T0 + S), A, T0 + S) is Outcome.OK
    assert rx.verify(p, late_b, B, T0 + S) is Outcome.OK  # A's mark does not cover B


def test_multicast_lru_keeps_four_senders() -> None:
    s = settings_for()
    rx = HmacAuth(s, family=4, version=3, vrid=51)
    p = pdu()
    for i in range(6):
        src = ip_address(f"10.0.1.{i + 1}")
        tx = HmacAuth(s, family=4, version=3, vrid=51)
        assert rx.verify(p, tx.sign(p, src, T0), src, T0) is Outcome.OK
    assert [str(x) for x in rx.sender_states()] == [f"10.0.1.{i}" for i in range(3, 7)]


def test_reload_keeps_replay_state_and_sequence() -> None:
    """Make-before-break: add key 2, move active_key, drop key 1."""
    s1 = settings_for()
    tx, rx = HmacAuth(s1, family=4, version=3, vrid=51), HmacAuth(s1, family=4, version=3, vrid=51)
    p = pdu()
    t_old = tx.sign(p, A, T0)
    assert rx.verify(p, t_old, A, T0) is Outcome.OK
    both = {1: Secret(KEY), 2: Secret(KEY2)}
    tx.configure(settings_for(keys=both, active=2))
    rx.configure(settings_for(keys=both, active=1))
    t_new = tx.sign(p, A, T0)
    assert t_new[1] == 2 and serial_gt(
        int.from_bytes(t_new[4:12], "big"), int.from_bytes(t_old[4:12], "big")
    )
    assert rx.verify(p, t_new, A, T0) is Outcome.OK
    assert rx.verify(p, t_old, A, T0) is Outcome.REPLAY  # replay state survived
    rx.configure(settings_for(keys={2: Secret(KEY2)}, active=2))
    assert rx.verify(p, tx.sign(p, A, T0), A, T0) is Outcome.OK


def test_default_time_window() -> None:
    assert default_time_window(1) == 5
    assert default_time_window(0.1) == 5
    assert default_time_window(2) == 6
    assert default_time_window(1.5) == 5  # 4.5 rounds up to 5
    assert default_time_window(2.01) == 7  # 6.03 rounds up
    assert default_time_window(255) == 300


def test_settings_validation() -> None:
    with pytest.raises(ValueError):
        settings_for(active=3)
    with pytest.raises(ValueError):
        settings_for(window=0)
    with pytest.raises(ValueError):
        settings_for(window=301)


def test_no_key_bytes_in_reprs() -> None:
    s = settings_for()
    auth = HmacAuth(s, family=4, version=3, vrid=51)
    text = (
        repr(s)
        + repr(auth._keys)
        + repr(auth.senders)
        + repr(auth.settings)
        + str(Secret(KEY))
        + f"{Secret(KEY)}"
    )
    assert KEY.hex() not in text and repr(KEY) not in text
    assert "<secret 32 bytes>" in repr(s)


# -- keys -------------------------------------------------------------------------


def test_key_forms(tmp_path) -> None:
    assert load_key("hex:" + KEY.hex()).secret.value == KEY
    assert load_key("hex:" + KEY.hex().upper()).form == "hex"
    ascii_key = "correct horse battery staple 1234"
    assert load_key(ascii_key).secret.value == ascii_key.encode()
    f = tmp_path / "k"
    f.write_text("hex:" + KEY.hex() + "\n")
    os.chmod(f, 0o600)
    got = load_key(f"file:{f}")
    assert got.secret.value == KEY and got.warnings == () and got.form == "file"
    f.write_text(ascii_key)
    os.chmod(f, 0o644)
    got = load_key(f"file:{f}")
    assert got.secret.value == ascii_key.encode()
    assert got.warnings and "readable by group or others" in got.warnings[0]
    assert load_key("file:k", base_dir=tmp_path).secret.value == ascii_key.encode()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("hex:" + "00" * 31, "key is 31 bytes, must be 32 to 64 bytes"),
        ("hex:" + "00" * 65, "key is 65 bytes, must be 32 to 64 bytes"),
        ("a" * 31, "key is 31 bytes, must be 32 to 64 bytes"),
        ("hex:" + "0g" * 32, "not a hex digit"),
        ("hex:" + "0" * 65, "odd number of digits"),
        ("hex:", "empty hex: key"),
        ("é" * 32, "not printable ASCII"),
        ("file:/nonexistent/pyvrrp-key", "does not exist"),
        ("file:", "names no file"),
    ],
)
def test_bad_keys(value: str, message: str) -> None:
    with pytest.raises(KeyValueError) as e:
        load_key(value)
    assert message in str(e.value)
    assert "0g0g" not in str(e.value)


# -- properties -------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(
    prio=st.integers(0, 255),
    vrid=st.integers(1, 255),
    naddr=st.integers(0, 20),
    now=st.integers(0, 2**40),
    key=st.binary(min_size=32, max_size=64),
)
def test_sign_then_verify_is_ok(prio, vrid, naddr, now, key) -> None:
    s = HmacSettings(keys={7: Secret(key)}, active_key=7, anti_replay=AntiReplay.TIME)
    tx = HmacAuth(s, family=4, version=3, vrid=vrid)
    rx = HmacAuth(s, family=4, version=3, vrid=vrid)
    addrs = tuple(ip_address(f"10.1.0.{i + 1}") for i in range(naddr))
    p = encode(Advert(3, 4, vrid, prio, 100, addrs), style=ChecksumStyle.MESSAGE)
    assert rx.verify(p, tx.sign(p, A, now * 1000), A, now * 1000) is Outcome.OK


_SIGNED_TX = HmacAuth(settings_for(anti_replay=AntiReplay.MONOTONIC), family=4, version=3, vrid=51)
_PDU = pdu()
_PACKET = _PDU + _SIGNED_TX.sign(_PDU, A, T0)


@settings(max_examples=400, deadline=None)
@given(bit=st.integers(0, len(_PACKET) * 8 - 1))
def test_any_flipped_bit_outside_the_checksum_is_rejected(bit: int) -> None:
    byte = bit // 8
    if byte in (6, 7):
        return  # the checksum field is excluded from the tag by design
    bent = bytearray(_PACKET)
    bent[byte] ^= 1 << (bit % 8)
    rx = HmacAuth(settings_for(anti_replay=AntiReplay.MONOTONIC), family=4, version=3, vrid=51)
    try:
        d = decode(bytes(bent), family=4, check_checksum=False)
    except DecodeError:
        return  # rejected by the wire layer
    outcome = rx.verify(d.pdu, d.trailer, A, T0)
    assert outcome is not Outcome.OK and not rx.accepts(outcome)

"""auth_hmac for one VRRP instance: signing, verifying, replay state, counters.

The clock is passed in (``now_ns``, wall-clock nanoseconds since the epoch),
so every rule here runs under a fake clock in tests. Checks on receive run in
the order of the spec (shared/spec/auth_hmac.md), cheapest first, so a flood
of forged or stale adverts costs as little as possible and touches no state.
"""

from __future__ import annotations

import struct
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from hmac import compare_digest as _compare
from ipaddress import IPv4Address, IPv6Address

from pyvrrp.auth.keys import Secret, check_key_id
from pyvrrp.auth.mac import PreparedKey, mac_message
from pyvrrp.auth.outcome import AntiReplay, Mode, Outcome
from pyvrrp.auth.sequence import NS_PER_SEC, SEQ_HALF, SEQ_MOD, SendSequence, sec_delta

IPAddr = IPv4Address | IPv6Address

EXT_TYPE_HMAC_SHA256_128 = 1
TRAILER_LEN = 28
MULTICAST_SENDERS = 4  # keepalived keeps 4 multicast senders per instance
_HEAD = struct.Struct("!BBHQ")  # ext_type, key_id, reserved, seq


def default_time_window(advert_interval_s: float) -> int:
    """``max(3 × advert_int, 5)`` seconds, capped at 300 (whole seconds, rounded up)."""
    window = max(-(-int(advert_interval_s * 300) // 100), 5)
    return min(window, 300)


@dataclass(frozen=True)
class HmacSettings:
    """The ``auth_hmac`` block of one instance, decoded."""

    keys: Mapping[int, Secret]
    active_key: int | None
    anti_replay: AntiReplay = AntiReplay.TIME
    time_window: int = 5
    mode: Mode = Mode.ENFORCE

    def __post_init__(self) -> None:
        for key_id in self.keys:
            check_key_id(key_id)
        if self.mode.signs and self.active_key not in self.keys:
            raise ValueError(f"active_key {self.active_key} names no configured key")
        if not 1 <= self.time_window <= 300:
            raise ValueError(f"time_window {self.time_window} out of range 1..300")


@dataclass
class SenderState:
    """What this instance knows of one sender (a unicast peer or a multicast source)."""

    high_water: int | None = None  # last accepted sequence
    last_delta: int | None = None  # last skew seen, seconds (time mode)
    last_key_id: int | None = None
    accepted: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)


_OUTCOME_LIST = tuple(Outcome)
_I_OK, _I_MISSING, _I_MALFORMED, _I_STALE, _I_UNKNOWN_KEY, _I_UNKNOWN_PEER, _I_BAD, _I_REPLAY = (
    _OUTCOME_LIST.index(o)
    for o in (
        Outcome.OK,
        Outcome.MISSING,
        Outcome.MALFORMED,
        Outcome.STALE,
        Outcome.UNKNOWN_KEY,
        Outcome.UNKNOWN_PEER,
        Outcome.BAD_HMAC,
        Outcome.REPLAY,
    )
)
_ZERO2 = b"\x00\x00"
_ZERO16 = bytes(16)
_NS = NS_PER_SEC


def _packed(source: IPAddr | bytes) -> bytes:
    return source if source.__class__ is bytes else source.packed  # type: ignore[union-attr]


class HmacAuth:
    """Sign and verify the adverts of one instance.

    ``peers`` is the unicast peer list; ``None`` means multicast, where sender
    state lives in a small LRU table filled only once a tag has verified.
    Sources may be given as address objects or as packed bytes (the socket's
    form, cheapest on the receive path); sender tables are keyed by bytes.
    """

    def __init__(
        self,
        settings: HmacSettings,
        *,
        family: int,
        version: int,
        vrid: int,
        peers: Iterable[IPAddr] | None = None,
        lru_size: int = MULTICAST_SENDERS,
    ) -> None:
        self.family = family
        self.version = version
        self.vrid = vrid
        self._counts = [0] * len(_OUTCOME_LIST)
        self.skew_warning = False  # set by verify() when an accepted skew passes window/2
        self.send_sequence = SendSequence()
        self._lru_size = lru_size
        self._pseudo: dict[bytes, bytes] = {}
        self.senders: OrderedDict[bytes, SenderState] = OrderedDict()
        self._unicast = peers is not None
        self.configure(settings, peers)

    # -- configuration ----------------------------------------------------

    def configure(self, settings: HmacSettings, peers: Iterable[IPAddr] | None = None) -> None:
        """Apply new settings (a reload). Replay state and the send sequence are
        kept, so a key rotation causes no rejected advert."""
        self.settings = settings
        self.mode = settings.mode
        self.time_mode = settings.anti_replay is AntiReplay.TIME
        self.window = settings.time_window
        self._keys = {kid: PreparedKey(kid, s) for kid, s in settings.keys.items()}
        if peers is not None:
            old = self.senders
            self.senders = OrderedDict(
                (p.packed, old.get(p.packed) or SenderState()) for p in peers
            )
            self._unicast = True

    @property
    def signs(self) -> bool:
        return self.mode.signs

    @property
    def counters(self) -> dict[Outcome, int]:
        """Adverts seen, by outcome."""
        return dict(zip(_OUTCOME_LIST, self._counts, strict=True))

    def sender_states(self) -> dict[IPAddr, SenderState]:
        """Sender state by address (for status)."""
        from ipaddress import ip_address

        return {ip_address(k): v for k, v in self.senders.items()}

    # -- sending ------------------------------------------------------------

    def sign(self, pdu: bytes, source: IPAddr | bytes, now_ns: int) -> bytes:
        """The 28-byte trailer for ``pdu`` sent from ``source``. Called once per
        advertisement; every unicast copy carries the same trailer."""
        key_id = self.settings.active_key
        if key_id is None or not self.mode.signs:
            raise RuntimeError("this instance does not sign (mode receive-only)")
        key = self._keys[key_id]
        seq = self.send_sequence.next(now_ns, time_mode=self.time_mode, window=self.window)
        head = _HEAD.pack(EXT_TYPE_HMAC_SHA256_128, key_id, 0, seq)
        return head + key.tag(mac_message(self._pseudo_for(_packed(source)), pdu, head))

    def _pseudo_for(self, source: bytes) -> bytes:
        p = self._pseudo.get(source)
        if p is None:
            if len(self._pseudo) > 64:
                self._pseudo.clear()
            p = bytes((self.family, self.version, self.vrid, 0)) + source.ljust(16, b"\x00")
            self._pseudo[source] = p
        return p

    # -- receiving ------------------------------------------------------------

    def accepts(self, outcome: Outcome) -> bool:
        """Whether an advert with this outcome goes on to the protocol."""
        return outcome is Outcome.OK or (outcome is Outcome.MISSING and self.mode.accepts_missing)

    def verify(
        self, pdu: bytes, trailer: bytes | None, source: IPAddr | bytes, now_ns: int
    ) -> Outcome:
        """Check one received advert, count its outcome and return it.

        The checks run in the spec's order, cheapest first; only ``OK`` moves
        any state (the sender's high-water mark). This is the hot path under a
        flood: it is written flat, with integer counters and bytes keys.
        """
        counts = self._counts
        self.skew_warning = False
        src = source if source.__class__ is bytes else source.packed  # type: ignore[union-attr]
        if trailer is None:
            counts[_I_MISSING] += 1
            self._note(src, "missing")
            return Outcome.MISSING
        if len(trailer) != TRAILER_LEN:
            counts[_I_MALFORMED] += 1
            return Outcome.MALFORMED
        ext_type, key_id, reserved, seq = _HEAD.unpack_from(trailer)
        # 1. Malformed: an extension type we do not know, or reserved bits set.
        if ext_type != EXT_TYPE_HMAC_SHA256_128 or reserved:
            counts[_I_MALFORMED] += 1
            return Outcome.MALFORMED
        # 2. Stale (time mode): before the digest, so old captures cost nothing.
        window = self.window
        delta = 0
        if self.time_mode:
            delta = (now_ns // _NS - (seq >> 32)) & 0xFFFFFFFF
            if delta & 0x80000000:
                delta -= 0x1_0000_0000
            if delta > window or delta < -window:
                counts[_I_STALE] += 1
                self._note(src, "stale", delta)
                return Outcome.STALE
        # 3. Unknown key id.
        key = self._keys.get(key_id)
        if key is None:
            counts[_I_UNKNOWN_KEY] += 1
            self._note(src, "unknown_key")
            return Outcome.UNKNOWN_KEY
        # Unicast: only configured peers have replay state; anyone else is
        # refused before the digest.
        senders = self.senders
        state = senders.get(src)
        if state is None and self._unicast:
            counts[_I_UNKNOWN_PEER] += 1
            return Outcome.UNKNOWN_PEER
        # 4. The tag, compared in constant time.
        pseudo = self._pseudo.get(src) or self._pseudo_for(src)
        inner = key.inner.copy()
        inner.update(b"".join((pseudo, pdu[:6], _ZERO2, pdu[8:], trailer[:12], _ZERO16)))
        outer = key.outer.copy()
        outer.update(inner.digest())
        if not _compare(outer.digest()[:16], trailer[12:]):
            counts[_I_BAD] += 1
            if state is not None:
                self._note(src, "bad_hmac")
            return Outcome.BAD_HMAC
        # 5. Replay: strictly after the sender's last accepted sequence.
        if state is None:
            state = self._admit_multicast_sender(src)
        elif not self._unicast:
            senders.move_to_end(src)
        hw = state.high_water
        if hw is not None:
            if self.time_mode and abs(sec_delta(now_ns // _NS, hw >> 32)) > window:
                pass  # a mark outside the window is forgotten (the sender's clock was fixed)
            elif hw == seq or (seq - hw) % SEQ_MOD >= SEQ_HALF:
                counts[_I_REPLAY] += 1
                self._note(src, "replay")
                return Outcome.REPLAY
        # 6. Accept; warn when the clocks drift past half the window.
        state.high_water = seq
        state.last_key_id = key_id
        state.accepted += 1
        counts[_I_OK] += 1
        if self.time_mode:
            state.last_delta = delta
            if 2 * abs(delta) > window:
                self.skew_warning = True
        return Outcome.OK

    def _admit_multicast_sender(self, source: bytes) -> SenderState:
        state = SenderState()
        self.senders[source] = state
        while len(self.senders) > self._lru_size:
            self.senders.popitem(last=False)
        return state

    def _note(self, source: bytes, outcome: str, delta: int | None = None) -> None:
        """Per-sender outcome counts, for senders we already track (a forged
        source never gets an entry)."""
        state = self.senders.get(source)
        if state is not None:
            state.outcomes[outcome] = state.outcomes.get(outcome, 0) + 1
            if delta is not None:
                state.last_delta = delta

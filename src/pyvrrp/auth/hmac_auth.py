"""auth_hmac for one VRRP instance: signing, verifying, replay state, counters.

The clock is passed in (``now_ns``, wall-clock nanoseconds since the epoch),
so every rule here runs under a fake clock in tests. Checks on receive run in
the order of draft-cassen-vrrp-auth-hmac-00, cheapest first, so a flood
of forged or stale adverts costs as little as possible and touches no state.
"""

from __future__ import annotations

import struct
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv6Address

from pyvrrp.auth.keys import Secret, check_key_id
from pyvrrp.auth.lifecycle import FAR_FUTURE, FAR_PAST, KeyPlan, Lifetime, plan
from pyvrrp.auth.mac import PreparedKey
from pyvrrp.auth.outcome import AntiReplay, Mode, Outcome
from pyvrrp.auth.sequence import NS_PER_SEC, SEQ_HALF, SEQ_MOD, SendSequence, sec_delta

IPAddr = IPv4Address | IPv6Address

EXT_TYPE_HMAC_SHA256_128 = 1
TRAILER_LEN = 28
MULTICAST_SENDERS = 4  # keepalived keeps 4 multicast senders per instance
UNSIGNED_SOURCES = 16  # multicast sources seen without a trailer, for rollout status
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
    # pyvrrp key lifecycle (none of these set: exactly keepalived's behaviour)
    send_lifetimes: Mapping[int, Lifetime] = field(default_factory=dict)
    accept_lifetimes: Mapping[int, Lifetime] = field(default_factory=dict)
    revoked: frozenset[int] = frozenset()
    on_last_key_expiry: str = "keep"  # "keep" (RFC 2328 D.3) or "stop" (RFC 7166)

    def __post_init__(self) -> None:
        for key_id in self.keys:
            check_key_id(key_id)
        for kid in (*self.send_lifetimes, *self.accept_lifetimes):
            if kid not in self.keys:
                raise ValueError(f"a lifetime for key {kid}, which is not configured")
        if self.on_last_key_expiry not in ("keep", "stop"):
            raise ValueError("on_last_key_expiry must be 'keep' or 'stop'")
        if self.mode.signs and self.active_key not in self.keys:
            raise ValueError(f"active_key {self.active_key} names no configured key")
        if not 1 <= self.time_window <= 300:
            raise ValueError(f"time_window {self.time_window} out of range 1..300")


@dataclass(slots=True)
class SenderState:
    """What this instance knows of one sender (a unicast peer or a multicast source)."""

    high_water: int | None = None  # last accepted sequence
    last_delta: int | None = None  # last skew seen, seconds (time mode)
    last_key_id: int | None = None
    accepted: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    last_ok_ns: int | None = None  # wall clock of the last accepted advert
    last_seen: dict[str, int] = field(default_factory=dict)  # outcome -> last wall clock


_OUTCOME_LIST = tuple(Outcome)
(
    _I_OK,
    _I_MISSING,
    _I_MALFORMED,
    _I_STALE,
    _I_UNKNOWN_KEY,
    _I_UNKNOWN_PEER,
    _I_BAD,
    _I_REPLAY,
    _I_EXPIRED,
    _I_REVOKED,
) = (
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
        Outcome.KEY_EXPIRED,
        Outcome.REVOKED_KEY,
    )
)
_NS = NS_PER_SEC
_OK = Outcome.OK


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
        self.last_outcome_ns: list[int | None] = [None] * len(_OUTCOME_LIST)
        self.unsigned_sources: OrderedDict[bytes, list[int]] = OrderedDict()  # [last ns, count]
        # Accepted adverts whose skew passed half the window (the caller compares
        # before and after verify(): cheaper than a flag reset on every call).
        self.skew_warnings = 0
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
        #: Whether this instance signs its adverts (every mode but receive-only).
        self.signs = settings.mode.signs
        self.time_mode = settings.anti_replay is AntiReplay.TIME
        self.window = settings.time_window
        # Every configured key stays prepared, revoked or not (revocation
        # deletes nothing); ``_accept`` holds the ones accepted right now.
        self._keys = {kid: PreparedKey(kid, s) for kid, s in settings.keys.items()}
        self._lifecycle = bool(
            settings.send_lifetimes or settings.accept_lifetimes or settings.revoked
        )
        self._plan_lo = FAR_FUTURE  # forces a new plan on the next sign or verify
        self._plan_hi = FAR_PAST
        #: The key plan in force at the last sign or verify (read it, do not set it).
        self.plan: KeyPlan | None = None
        self._accept: dict[int, PreparedKey] = {}
        if not self._lifecycle:
            self._accept = self._keys
            self._plan_lo, self._plan_hi = FAR_PAST, FAR_FUTURE
            self.plan = KeyPlan(
                settings.active_key if self.mode.signs else None,
                frozenset(self._keys),
                None,
                FAR_PAST,
                FAR_FUTURE,
            )
        if peers is not None:
            old = self.senders
            self.senders = OrderedDict(
                (p.packed, old.get(p.packed) or SenderState()) for p in peers
            )
            self._unicast = True

    @property
    def counters(self) -> dict[Outcome, int]:
        """Adverts seen, by outcome."""
        return dict(zip(_OUTCOME_LIST, self._counts, strict=True))

    def sender_states(self) -> dict[IPAddr, SenderState]:
        """Sender state by address (for status)."""
        from ipaddress import ip_address

        return {ip_address(k): v for k, v in self.senders.items()}

    # -- key lifecycle ----------------------------------------------------------

    def key_plan(self, now_ns: int) -> KeyPlan:
        """The sending key, accepted keys and alarm at ``now_ns``; recomputed
        only when ``now_ns`` leaves the interval the last plan holds for."""
        if not self._plan_lo <= now_ns < self._plan_hi:
            self._replan(now_ns)
        assert self.plan is not None
        return self.plan

    def _replan(self, now_ns: int) -> None:
        st = self.settings
        p = plan(
            st.keys,
            active_key=st.active_key,
            now_ns=now_ns,
            send=st.send_lifetimes,
            accept=st.accept_lifetimes,
            revoked=st.revoked,
            on_last_key_expiry=st.on_last_key_expiry,
            signs=self.mode.signs,
        )
        self.plan = p
        self._accept = {k: v for k, v in self._keys.items() if k in p.accept}
        self._plan_lo, self._plan_hi = p.valid_from, p.valid_until

    def send_key(self, now_ns: int) -> int | None:
        """The key id the next advert is signed with, or ``None``: send nothing."""
        return self.key_plan(now_ns).send_key

    def _rejected_key(self, key_id: int) -> tuple[int, Outcome]:
        """Why a key id is not accepted now (off the hot path)."""
        if key_id not in self._keys:
            return _I_UNKNOWN_KEY, Outcome.UNKNOWN_KEY
        if key_id in self.settings.revoked:
            return _I_REVOKED, Outcome.REVOKED_KEY
        return _I_EXPIRED, Outcome.KEY_EXPIRED

    # -- sending ------------------------------------------------------------

    def sign(self, pdu: bytes, source: IPAddr | bytes, now_ns: int) -> bytes:
        """The 28-byte trailer for ``pdu`` sent from ``source``. Called once per
        advertisement; every unicast copy carries the same trailer. Raises
        :class:`NoSendingKey` when no key may sign now: never sends unsigned."""
        if not self.signs:
            raise NoSendingKey("this instance does not sign (mode receive-only)")
        if not self._plan_lo <= now_ns < self._plan_hi:
            self._replan(now_ns)
        key_id = self.plan.send_key  # type: ignore[union-attr]
        if key_id is None:
            raise NoSendingKey("no key may sign now")
        seq = self.send_sequence.next(now_ns, time_mode=self.time_mode, window=self.window)
        head = _HEAD.pack(EXT_TYPE_HMAC_SHA256_128, key_id, 0, seq)
        src = _packed(source)
        return head + self._keys[key_id].sign(
            self._pseudo.get(src) or self._pseudo_for(src), pdu, head
        )

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
        src = source if source.__class__ is bytes else source.packed  # type: ignore[union-attr]
        if trailer is None:
            counts[_I_MISSING] += 1
            self.last_outcome_ns[_I_MISSING] = now_ns
            if self._unicast or src in self.senders:
                self._note(src, "missing", now_ns)
            else:
                self._note_unsigned(src, now_ns)
            return Outcome.MISSING
        if len(trailer) != TRAILER_LEN:
            counts[_I_MALFORMED] += 1
            self.last_outcome_ns[_I_MALFORMED] = now_ns
            return Outcome.MALFORMED
        ext_type, key_id, reserved, seq = _HEAD.unpack_from(trailer)
        # 1. Malformed: an extension type we do not know, or reserved bits set.
        if ext_type != EXT_TYPE_HMAC_SHA256_128 or reserved:
            counts[_I_MALFORMED] += 1
            self.last_outcome_ns[_I_MALFORMED] = now_ns
            return Outcome.MALFORMED
        # 2. Stale (time mode): before the digest, so old captures cost nothing.
        # The plain difference of the seconds is the skew unless the trailer's
        # 32-bit second wrapped nearby; only then is the serial one computed.
        time_mode = self.time_mode
        if time_mode:
            window = self.window
            now_sec = now_ns // _NS
            delta = now_sec - (seq >> 32)
            if delta > window or delta < -window:
                delta = sec_delta(now_sec, seq >> 32)
                if delta > window or delta < -window:
                    counts[_I_STALE] += 1
                    self.last_outcome_ns[_I_STALE] = now_ns
                    self._note(src, "stale", now_ns, delta)
                    return Outcome.STALE
        # 3. Key id not accepted now: unknown, revoked, or outside its accept
        # lifetime. One comparison when the key plan still holds.
        if not self._plan_lo <= now_ns < self._plan_hi:
            self._replan(now_ns)
        key = self._accept.get(key_id)
        if key is None:
            index, outcome = self._rejected_key(key_id)
            counts[index] += 1
            self.last_outcome_ns[index] = now_ns
            self._note(src, outcome.value, now_ns)
            return outcome
        # Unicast: only configured peers have replay state; anyone else is
        # refused before the digest.
        state = self.senders.get(src)
        if state is None and self._unicast:
            counts[_I_UNKNOWN_PEER] += 1
            self.last_outcome_ns[_I_UNKNOWN_PEER] = now_ns
            return Outcome.UNKNOWN_PEER
        # 4. The tag, compared in constant time (one C call with the extension).
        if not key.check(self._pseudo.get(src) or self._pseudo_for(src), pdu, trailer):
            counts[_I_BAD] += 1
            self.last_outcome_ns[_I_BAD] = now_ns
            if state is not None:
                self._note(src, "bad_hmac", now_ns)
            return Outcome.BAD_HMAC
        # 5. Replay: strictly after the sender's last accepted sequence. A mark
        # outside the time window is forgotten (the sender's clock was fixed).
        if state is None:
            state = self._admit_multicast_sender(src)
        elif not self._unicast:
            self.senders.move_to_end(src)
        hw = state.high_water
        if (
            hw is not None
            and (hw == seq or (seq - hw) % SEQ_MOD >= SEQ_HALF)
            and not (time_mode and self._outside(hw, now_sec))
        ):
            counts[_I_REPLAY] += 1
            self.last_outcome_ns[_I_REPLAY] = now_ns
            self._note(src, "replay", now_ns)
            return Outcome.REPLAY
        # 6. Accept; warn when the clocks drift past half the window.
        state.high_water = seq
        state.last_key_id = key_id
        state.accepted += 1
        state.last_ok_ns = now_ns
        counts[_I_OK] += 1
        if time_mode:
            state.last_delta = delta
            if 2 * abs(delta) > window:
                self.skew_warnings += 1
        return _OK

    def _outside(self, seq: int, now_sec: int) -> bool:
        d = sec_delta(now_sec, seq >> 32)
        return d > self.window or d < -self.window

    def _admit_multicast_sender(self, source: bytes) -> SenderState:
        state = SenderState()
        self.senders[source] = state
        while len(self.senders) > self._lru_size:
            self.senders.popitem(last=False)
        return state

    def _note(self, source: bytes, outcome: str, now_ns: int, delta: int | None = None) -> None:
        """Per-sender outcome counts, for senders we already track (a forged
        source never gets an entry)."""
        state = self.senders.get(source)
        if state is not None:
            state.outcomes[outcome] = state.outcomes.get(outcome, 0) + 1
            state.last_seen[outcome] = now_ns
            if delta is not None:
                state.last_delta = delta

    def _note_unsigned(self, source: bytes, now_ns: int) -> None:
        """A multicast source heard without a trailer (for rollout status). Its
        address proves nothing, so the table is small and least recently used
        entries go: a flood of forged sources cannot grow it."""
        table = self.unsigned_sources
        entry = table.get(source)
        if entry is None:
            table[source] = [now_ns, 1]
            if len(table) > UNSIGNED_SOURCES:
                table.popitem(last=False)
        else:
            entry[0] = now_ns
            entry[1] += 1
            table.move_to_end(source)

    def unsigned_states(self) -> dict[IPAddr, tuple[int, int]]:
        """Multicast sources heard without a trailer: (last wall clock ns, count)."""
        from ipaddress import ip_address

        return {ip_address(k): (v[0], v[1]) for k, v in self.unsigned_sources.items()}


class NoSendingKey(RuntimeError):
    """No key may sign now: the advert is not sent (never sent unsigned)."""

"""One VRRP instance at run time: config + router + auth + counters.

The receive path of a packet is here, in the order of the design:
TTL → wire decode → legacy auth / auth_hmac verify → protocol event. Every
drop is counted under its reason and touches nothing else: no timer, no state.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv6Address
from typing import Any, NamedTuple

from pyvrrp.auth.hmac_auth import TRAILER_LEN, HmacAuth, HmacSettings
from pyvrrp.auth.lifecycle import ALARM_ALL_KEYS_REVOKED, key_states
from pyvrrp.auth.outcome import AntiReplay, Mode, Outcome
from pyvrrp.auth.rollout import NS, SenderView, readiness, rollout_window_s
from pyvrrp.config.model import InstanceConfig
from pyvrrp.daemon.ratelimit import RateLimitedLog
from pyvrrp.protocol import (
    Action,
    Dropped,
    DropReason,
    Notify,
    ReceivedAdvert,
    RouterParams,
    State,
    VirtualRouter,
)
from pyvrrp.wire import Advert, DecodeError, decode, split
from pyvrrp.wire.vrrp import (
    AUTH_NONE,
    AUTH_PASS,
    ChecksumStyle,
    checksum_of,
    encode_pdu,
    set_checksum,
)

log = logging.getLogger("pyvrrp")
IPAddr = IPv4Address | IPv6Address

# Module constants for the receive path: looking up an Enum member on its
# class (Outcome.OK) costs about 0.1 us in Python 3.11, a global a tenth.
_OK, _MISSING = Outcome.OK, Outcome.MISSING
_OLD_UNICAST = ChecksumStyle.V3_OLD_UNICAST
_OWNER_IGNORES = DropReason.OWNER_IGNORES_ADVERTS

#: What a log line says about each rejected outcome, so an operator can tell
#: clock drift from forgery from a node that does not sign.
_MASTER = State.MASTER  # (a global: cheaper than State.MASTER per advert)

OUTCOME_HINTS = {
    Outcome.MISSING: "advert without auth_hmac trailer: the sender does not sign",
    Outcome.MALFORMED: "malformed auth_hmac trailer",
    Outcome.STALE: "stale advert: outside the freshness window (clock drift or old capture)",
    Outcome.UNKNOWN_KEY: "advert signed with a key id not configured here",
    Outcome.UNKNOWN_PEER: "signed advert from a source that is not a configured unicast_peer",
    Outcome.BAD_HMAC: "invalid HMAC: key mismatch or forged advert",
    Outcome.REPLAY: "replayed advert: sequence not after the sender's last",
    Outcome.KEY_EXPIRED: "advert signed with a key outside its accept_lifetime",
    Outcome.REVOKED_KEY: "advert signed with a revoked key",
}


def hmac_settings(cfg: InstanceConfig) -> HmacSettings | None:
    h = cfg.auth_hmac
    if h is None:
        return None
    return HmacSettings(
        keys={k.id: k.secret for k in h.keys},
        active_key=h.active_key,
        anti_replay=AntiReplay(h.anti_replay),
        time_window=h.time_window,
        mode=Mode(h.mode),
        send_lifetimes={k.id: k.send_lifetime for k in h.keys if k.send_lifetime is not None},
        accept_lifetimes={k.id: k.accept_lifetime for k in h.keys if k.accept_lifetime is not None},
        revoked=frozenset(h.revoked_keys),
        on_last_key_expiry=h.on_last_key_expiry,
    )


def router_params(cfg: InstanceConfig, primary: IPAddr) -> RouterParams:
    return RouterParams(
        name=cfg.name,
        vrid=cfg.vrid,
        primary_address=primary,
        priority=cfg.priority,
        version=cfg.version,
        advert_interval_cs=cfg.advert_int_cs,
        preempt=not cfg.nopreempt,
        preempt_delay_cs=cfg.preempt_delay_cs,
        accept=cfg.accept,
        initial_state=cfg.initial_state,
        down_timer_adverts=cfg.down_timer_adverts,
        owner_ignore_adverts=cfg.owner_ignore_adverts,
    )


def _new_auth(cfg: InstanceConfig, settings: HmacSettings) -> HmacAuth:
    """The instance's auth_hmac state; unicast peers get their replay slots."""
    return HmacAuth(
        settings,
        family=cfg.family,
        version=cfg.version,
        vrid=cfg.vrid,
        peers=list(cfg.unicast_peers) if cfg.unicast else None,
    )


@dataclass
class InstanceStats:
    adverts_sent: int = 0
    adverts_received: int = 0
    transitions: int = 0
    adverts_suppressed: int = 0  # not sent: no key may sign (never sent unsigned)


class Instance:
    """The run-time side of one ``vrrp_instance``."""

    def __init__(self, cfg: InstanceConfig, primary: IPAddr, now: float) -> None:
        self.cfg = cfg
        self.primary = primary
        self._primary_packed = primary.packed
        self.router = VirtualRouter(router_params(cfg, primary))
        settings = hmac_settings(cfg)
        self.auth = None if settings is None else _new_auth(cfg, settings)
        self.stats = InstanceStats()
        self.drops: Counter[str] = Counter()
        self.state_since = now
        self.transition_wall = time.time()  # keepalived's last_transition (JSON dump)
        self.master_priority = 0  # the Master's last advertised priority (data dump)
        self.destinations: tuple[IPAddr, ...] = (
            tuple(cfg.unicast_peers) if cfg.unicast else (cfg.mcast_group,)
        )
        #: Sending keepalived 1.3.6's VRRPv3 checksum: configured, or heard.
        self.old_checksum = cfg.old_unicast_checksum == "always"
        self.style = self._style()
        self._pass = self._v2_auth_data()
        self._key_seen: tuple[int | None, str | None] | None = None
        self._alarm_log = RateLimitedLog(log, interval=cfg.advert_int)
        self._memo_key: tuple[bytes, IPAddr, IPAddr] | None = None
        self._memo: ReceivedAdvert | None = None
        self._last_dst: IPAddr | None = None
        self._plan_watched: object = None
        self._last_dst_multicast = False
        self._last_src: IPAddr | None = None
        self._last_src_packed = b""
        #: A unicast instance without auth_hmac hears its peers only.
        self._peers = self._peer_set()
        #: Senders whose adverts owner_ignore_adverts dropped (logged once each).
        self._owner_ignored: set[IPAddr] = set()
        #: Built adverts by priority; emptied by reconfigure().
        self._pdus: dict[int, bytes] = {}
        self._sent: dict[int, list[tuple[IPAddr, bytes]]] = {}

    # -- configuration --------------------------------------------------------

    def _peer_set(self) -> frozenset[IPAddr] | None:
        """The sources a unicast instance hears without auth_hmac (with it,
        the auth layer refuses other sources: UNKNOWN_PEER)."""
        cfg = self.cfg
        if not cfg.unicast or cfg.auth_hmac is not None:
            return None
        return frozenset(cfg.unicast_peers)

    def _style(self) -> ChecksumStyle:
        if self.cfg.family == 6:
            return ChecksumStyle.KERNEL
        if self.cfg.version == 2 or self.cfg.checksum_as_v2:
            return ChecksumStyle.MESSAGE
        if self.old_checksum:
            return ChecksumStyle.V3_OLD_UNICAST
        return ChecksumStyle.V3_PSEUDO

    def _old_group(self) -> IPAddr | None:
        """The group under which keepalived 1.3.6's checksum is accepted, if it is:
        when sending it, and (unless ``never``) from a unicast peer, which makes
        us send it too (keepalived's auto-detection, vrrp.c vrrp_check_packet)."""
        cfg = self.cfg
        if self.old_checksum or (cfg.old_unicast_checksum == "auto" and cfg.unicast):
            return cfg.checksum_group
        return None

    def _v2_auth_data(self) -> bytes | None:
        la = self.cfg.legacy_auth
        if la is None or la.type != "PASS" or self.cfg.version != 2:
            return None
        return la.password.value[:8].ljust(8, b"\x00")

    def reconfigure(self, cfg: InstanceConfig, now: float) -> list[Action]:
        """A reload that keeps this instance: state, timers and replay state stay."""
        self.cfg = cfg
        self._pdus = {}
        self._sent = {}
        self._memo_key = self._memo = None
        self._plan_watched = None
        self.destinations = tuple(cfg.unicast_peers) if cfg.unicast else (cfg.mcast_group,)
        self._peers = self._peer_set()
        # (a reload starts from the configuration, as keepalived's new instance)
        self.old_checksum = cfg.old_unicast_checksum == "always"
        self.style = self._style()
        self._pass = self._v2_auth_data()
        self._alarm_log.interval = cfg.advert_int
        settings = hmac_settings(cfg)
        if settings is None:
            self.auth = None
        elif self.auth is None:
            self.auth = _new_auth(cfg, settings)
        else:
            self.auth.configure(settings, list(cfg.unicast_peers) if cfg.unicast else None)
        return self.router.reload(router_params(cfg, self.primary), now)

    def set_primary(self, primary: IPAddr, now: float) -> list[Action]:
        """The interface came (back) with this address to send from."""
        self.primary = primary
        self._primary_packed = primary.packed
        return self.reconfigure(self.cfg, now)

    # -- sending ----------------------------------------------------------------

    def build_adverts(self, priority: int, wall_ns: int) -> list[tuple[IPAddr, bytes]]:
        """(destination, payload) for every copy of one advert: signed once,
        the same trailer on every unicast copy.

        The checksummed PDU of each destination is built once per priority:
        an IPv4 checksum covers the PDU only (the IPv4 v3 one depends on the
        destination, never on the trailer) and IPv6's is the kernel's
        (``_style``), so a signed advert is that PDU plus a fresh trailer."""
        sent = self._sent.get(priority) or self._built(priority)
        auth = self.auth
        if auth is None or not auth.signs:
            self.stats.adverts_sent += 1
            return sent
        if self.watch_keys(wall_ns) is None:
            # No key may sign: send nothing at all, never an unsigned advert.
            self.stats.adverts_suppressed += 1
            return []
        trailer = auth.sign(self._pdus[priority], self._primary_packed, wall_ns)
        self.stats.adverts_sent += 1
        return [(dst, payload + trailer) for dst, payload in sent]

    def prime(self) -> None:
        """Build ahead the advert the router would send now: the daemon calls
        this in the moment it waits for a due timer, so the advert of a Backup
        about to take over is ready (and the code that sends it warm) when the
        timer fires. Nothing is sent, signed or counted."""
        priority = self.router.effective_priority
        if priority not in self._sent:
            self._built(priority)

    def _built(self, priority: int) -> list[tuple[IPAddr, bytes]]:
        """Build and keep the checksummed copies at ``priority``."""
        sent = self._sent[priority] = self._checksummed(priority)
        return sent

    def _checksummed(self, priority: int) -> list[tuple[IPAddr, bytes]]:
        """The PDU at ``priority`` with its checksum for each destination."""
        cfg = self.cfg
        pdu = self._pdu(priority)
        out = []
        for dst in self.destinations:
            buf = bytearray(pdu)
            set_checksum(
                buf,
                checksum_of(
                    buf,
                    version=cfg.version,
                    family=cfg.family,
                    pdu_len=len(pdu),
                    style=self.style,
                    src=self.primary,
                    dst=dst,
                    group=cfg.checksum_group,
                ),
            )
            out.append((dst, bytes(buf)))
        return out

    def watch_keys(self, wall_ns: int) -> int | None:
        """The key to sign with now; logs a change of key (info) and the
        last-key-expiry alarm (error, at most once per advert interval)."""
        auth = self.auth
        if auth is None or not auth.signs:
            if auth is not None:
                self._plan_watched = auth.plan  # nothing to watch: it never signs
            return None
        p = auth.key_plan(wall_ns)
        self._plan_watched = p
        seen = (p.send_key, p.alarm)
        name = self.cfg.name
        if seen != self._key_seen:
            old = self._key_seen
            self._key_seen = seen
            if p.alarm is None and old is not None:
                was = "" if old[0] is None else f" (was key {old[0]})"
                log.info("(%s) auth_hmac: signing with key %s%s", name, p.send_key, was)
        if p.alarm is not None:
            if p.alarm == ALARM_ALL_KEYS_REVOKED:
                what = "every key is revoked; not sending adverts"
            elif p.send_key is not None:
                what = (
                    f"the last key has expired; still signing with key {p.send_key} "
                    "(on_last_key_expiry keep): add a key or extend its send_lifetime"
                )
            else:
                what = (
                    "the last key has expired; not sending adverts (on_last_key_expiry stop): "
                    "add a key or extend its send_lifetime"
                )
            self._alarm_log.log(
                (name, "key_alarm"),
                wall_ns / NS,
                logging.ERROR,
                "(%s) auth_hmac: %s [%s]",
                name,
                what,
                p.alarm,
            )
        return p.send_key

    def _pdu(self, priority: int) -> bytes:
        """The advert's PDU (checksum zero) at ``priority``, built once per priority."""
        pdu = self._pdus.get(priority)
        if pdu is None:
            cfg = self.cfg
            advert = Advert(
                version=cfg.version,
                family=cfg.family,
                vrid=cfg.vrid,
                priority=priority,
                interval_cs=cfg.advert_int_cs,
                addresses=tuple(v.address.ip for v in cfg.virtual_addresses),
                auth_type=AUTH_PASS if self._pass is not None else AUTH_NONE,
                auth_data=self._pass if self._pass is not None else bytes(8),
            )
            pdu = self._pdus[priority] = bytes(encode_pdu(advert))
        return pdu

    # -- receiving --------------------------------------------------------------

    def drop(self, reason: str) -> list[Any]:
        self.drops[reason] += 1
        return []

    def receive(
        self,
        payload: bytes,
        src: IPAddr,
        dst: IPAddr,
        ttl: int,
        now: float,
        wall_ns: int,
        *,
        kernel_checksum: bool = False,
    ) -> list[Any]:
        """One received packet: protocol actions, plus AuthRejected / AuthSkew
        notes for the daemon's logs. A drop returns no action at all."""
        cfg = self.cfg
        # RFC 9568 §7.1 (GTSM): a multicast advert must arrive with TTL 255.
        # (The socket shares address objects between packets, so the last
        # destination's verdict is reused: is_multicast is not free.)
        if dst is not self._last_dst:
            self._last_dst, self._last_dst_multicast = dst, dst.is_multicast
        if self._last_dst_multicast:
            if ttl != 255:
                return self.drop("ttl")
        elif cfg.min_ttl is not None and ttl < cfg.min_ttl:
            return self.drop("ttl")
        if self._peers is not None and src not in self._peers:
            return self.drop("not_a_peer")
        auth = self.auth
        # A Backup hears the same advert from the same Master over and over. The
        # last one accepted is kept with the key it was judged on: the whole
        # message and both addresses when unsigned, the PDU (the signed part)
        # and both addresses once auth_hmac has accepted the trailer. Every check
        # below is a function of that key and of the configuration (a reload
        # forgets the memo), so an identical advert goes straight to the router.
        # A signed advert differs from the last only in its trailer: when the
        # bytes before the trailer are the memo's PDU, split() (a function of
        # those bytes and the length) has already said yes to them.
        trailer: bytes | None
        if auth is None:
            memo_key = (payload, src, dst)
            if memo_key == self._memo_key and self._memo is not None:
                return self._to_router(self._memo, now)
            known = None
        else:
            known = None if self._memo_key is None else self._memo_key[0]
            if (
                known is not None
                and len(payload) == len(known) + TRAILER_LEN
                and payload.startswith(known)
            ):
                pdu, trailer = known, payload[-TRAILER_LEN:]
            else:
                known = None
        if known is None:
            try:
                pdu, trailer, _ = split(payload, family=cfg.family, allow_trailer=auth is not None)
            except DecodeError as exc:
                return self.drop(exc.reason)
            if pdu[0] >> 4 != cfg.version:
                return self.drop("version_mismatch")
        notes: list[Any] = []
        if auth is not None:
            # auth_hmac judges the packet from its header and length alone, before
            # the checksum and the address list are read: a flood of forgeries
            # costs one digest each (none when stale), and nothing else. (A signed
            # advert whose checksum alone is wrong is counted ok by auth and then
            # dropped as bad_checksum: the tag does not cover the checksum.)
            skews = auth.skew_warnings
            if src is not self._last_src:  # (the socket shares address objects)
                self._last_src, self._last_src_packed = src, src.packed
            outcome = auth.verify(pdu, trailer, self._last_src_packed, wall_ns)
            if outcome is _OK and (
                auth.plan is not self._plan_watched or auth.plan.alarm is not None  # type: ignore[union-attr]
            ):
                # A Backup alarms too (key change, last-key expiry): looked at
                # when verify() moved to a new key plan, and while one alarms.
                self.watch_keys(wall_ns)
            if outcome is not _OK and not auth.accepts(outcome):
                # (_value_: Enum's .value is a Python-level property, and this
                # is the line every forged advert of a flood runs.)
                self.drops["auth_" + outcome._value_] += 1
                return [_AuthRejected(outcome, src)]
            if auth.skew_warnings != skews:
                notes.append(_AuthSkew(src))
            if outcome is _MISSING:
                notes.append(_AuthRejected(outcome, src, accepted=True))
            memo_key = (pdu, src, dst)
            if memo_key == self._memo_key and self._memo is not None:
                return self._to_router(self._memo, now, notes)
        try:
            d = decode(
                payload,
                family=cfg.family,
                src=src,
                dst=dst,
                allow_trailer=auth is not None,
                check_checksum=not kernel_checksum,
                old_unicast_group=self._old_group(),
            )
        except DecodeError as exc:
            return self.drop(exc.reason)
        if d.checksum_style is _OLD_UNICAST and not self.old_checksum:
            self._use_old_checksum()
        a = d.advert
        if cfg.version == 2 and auth is None:
            # RFC 3768 §5.3.6: the authentication type must match ours.
            want = AUTH_PASS if self._pass is not None else AUTH_NONE
            if a.auth_type != want:
                return self.drop("auth_type_mismatch")
            if self._pass is not None and a.auth_data != self._pass:
                return self.drop("auth_pass_mismatch")
        received = ReceivedAdvert(src, a.priority, a.interval_cs, a.version, a.vrid, a.addresses)
        self._memo_key, self._memo = memo_key, received
        return self._to_router(received, now, notes)

    def _to_router(
        self, advert: ReceivedAdvert, now: float, notes: list[Any] | None = None
    ) -> list[Any]:
        """The router's actions for an accepted advert, after any ``notes``."""
        self.stats.adverts_received += 1
        r = self.router
        lower = None
        # Looked at before the router acts (a higher advert makes it Backup).
        if r.state is _MASTER and _lower(advert, r.effective_priority, r.params.primary_address):
            lower = LowerPriorityHeard(advert.source, advert.priority)
        actions: list[Any] = r.receive_advert(advert, now)
        if r.master_address == advert.source:
            self.master_priority = advert.priority  # keepalived's data dump shows it
        for act in actions:
            if isinstance(act, Dropped):
                self.drops[act.reason.value] += 1
                lower = None
                if act.reason is not _OWNER_IGNORES:
                    continue
                # keepalived does not count it received (advert_rcvd), and says
                # it once (a rate-limit flag that only an accepted advert
                # clears, and none is): once per sender here.
                self.stats.adverts_received -= 1
                if advert.source not in self._owner_ignored:
                    self._owner_ignored.add(advert.source)
                    log.info(
                        "(%s) Dropping packet(s) from %s since we are address owner",
                        self.cfg.name,
                        advert.source,
                    )
        if lower is not None:
            actions = [lower, *actions]
        return [*notes, *actions] if notes else actions

    def _use_old_checksum(self) -> None:
        """A unicast peer sends keepalived 1.3.6's checksum: send it too."""
        self.old_checksum = True
        self.style = self._style()
        self._sent = {}
        log.info("(%s) Setting unicast VRRPv3 checksum to old version", self.cfg.name)

    # -- status -------------------------------------------------------------------

    def note_transition(self, act: Notify, now: float) -> None:
        self.stats.transitions += 1
        self.state_since = now
        self.transition_wall = time.time()

    def status(self, now: float, wall_ns: int | None = None) -> dict[str, object]:

        wall = time.time_ns() if wall_ns is None else wall_ns
        r = self.router
        master = r.master_address
        auth: dict[str, int] = {o.value: 0 for o in Outcome}
        peers: list[dict[str, object]] = []
        unsigned: list[dict[str, object]] = []
        lifecycle: dict[str, object] = {}
        rollout: dict[str, object] | None = None
        window_ns = int(rollout_window_s(self.cfg.advert_int) * NS)

        def ago(t: int | None) -> float | None:
            return None if t is None else round((wall - t) / NS, 3)

        if self.auth is not None:
            a = self.auth
            auth = {o.value: n for o, n in a.counters.items()}
            views: list[SenderView] = []
            configured = set(self.cfg.unicast_peers) if self.cfg.unicast else set()
            for addr, st in a.sender_states().items():
                seen = dict(st.last_seen)
                missing = seen.get("missing")
                signs = st.last_ok_ns is not None and (missing is None or st.last_ok_ns > missing)
                peers.append(
                    {
                        "address": str(addr),
                        "last_skew": st.last_delta,
                        "last_key_id": st.last_key_id,
                        "accepted": st.accepted,
                        "outcomes": dict(st.outcomes),
                        "signs": signs,
                        "last_ok_ago": ago(st.last_ok_ns),
                        "last_seen_ago": {o: ago(t) for o, t in seen.items()},
                    }
                )
                views.append(SenderView(str(addr), st.last_ok_ns, seen, addr in configured))
            for addr, (t, n) in a.unsigned_states().items():
                unsigned.append({"address": str(addr), "last_seen_ago": ago(t), "count": n})
                views.append(SenderView(str(addr), None, {"missing": t}))
            p = a.key_plan(wall)
            st_ = a.settings
            lifecycle = {
                "send_key": p.send_key,
                "auth_alarm": p.alarm,
                "on_last_key_expiry": st_.on_last_key_expiry,
                "keys": key_states(
                    st_.keys,
                    now_ns=wall,
                    send=st_.send_lifetimes,
                    accept=st_.accept_lifetimes,
                    revoked=st_.revoked,
                ),
            }
            rollout = readiness(
                a.mode.value,
                views,
                now_ns=wall,
                window_ns=window_ns,
                instance_last={o.value: t for o, t in zip(Outcome, a.last_outcome_ns, strict=True)},
                alarm=p.alarm,
                is_master=r.state is State.MASTER,
            ).to_dict()
            rollout["window"] = window_ns / NS
        return {
            "name": self.cfg.name,
            "interface": self.cfg.interface,
            "vrid": self.cfg.vrid,
            "family": self.cfg.family,
            "version": self.cfg.version,
            "state": r.state.value,
            "priority": r.effective_priority,
            "base_priority": self.cfg.priority,
            "master": str(master) if master is not None else None,
            "time_in_state": round(now - self.state_since, 3),
            "transitions": self.stats.transitions,
            "adverts_sent": self.stats.adverts_sent,
            "adverts_received": self.stats.adverts_received,
            "takeovers_held": r.counters.takeovers_held,
            "auth": auth,
            "auth_mode": self.auth.mode.value if self.auth is not None else None,
            "signs": bool(self.auth is not None and self.auth.signs),
            "active_key": (
                self.auth.settings.active_key if self.auth is not None and self.auth.signs else None
            ),
            "peers": peers,
            "unsigned_senders": unsigned,
            "send_key": lifecycle.get("send_key"),
            "auth_alarm": lifecycle.get("auth_alarm"),
            "on_last_key_expiry": lifecycle.get("on_last_key_expiry"),
            "keys": lifecycle.get("keys", []),
            "adverts_suppressed": self.stats.adverts_suppressed,
            "rollout": rollout,
            "drops": dict(self.drops),
            "unicast": self.cfg.unicast,
            "virtual_addresses": [str(v.address) for v in self.cfg.virtual_addresses],
        }

    @property
    def state(self) -> State:
        return self.router.state


def _lower(advert: ReceivedAdvert, ours: int, primary: IPv4Address | IPv6Address) -> bool:
    """RFC 9568 §6.4.3: an advert a Master discards (lower priority, or equal
    from a lower address); priority 0 is not one."""
    if advert.priority == 0 or advert.priority > ours:
        return False
    return advert.priority < ours or int(advert.source) < int(primary)


class LowerPriorityHeard(NamedTuple):
    """A Master accepted an advert of lower priority (keepalived's
    MASTER_RX_LOWER_PRI event): a note for the daemon, the router decides."""

    source: IPv4Address | IPv6Address
    priority: int


class AuthRejected(NamedTuple):
    """Not a protocol action: tells the daemon to log an auth outcome. (A
    NamedTuple: one is made for every forged advert of a flood, and a frozen
    dataclass cost a microsecond to build.)"""

    outcome: Outcome
    source: IPAddr
    accepted: bool = False


@dataclass(frozen=True)
class _AuthSkew:
    source: IPAddr


_AuthRejected = AuthRejected
AuthSkew = _AuthSkew

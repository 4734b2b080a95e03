"""Fuzzing the receive path and the config loader (issue 8, robustness).

Packet path: bytes → ``Instance.receive`` (TTL → ``wire.decode`` → legacy auth
/ ``HmacAuth.verify`` → ``VirtualRouter.receive_advert``), fed with random
bytes and with mutations of real adverts built by a peer instance. For every
packet: no exception escapes; a packet the instance does not accept is counted
under exactly one drop reason; a rejected packet (dropped before the router, or
refused by it) changes neither the router's state nor its timer.

Config loader: ``pyvrrp.config.loads`` on mutated copies of the config
fixtures in tests/data/configs never raises.

Small budgets here; ``bench/fuzz.py`` runs the same properties for longer.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv6Address, ip_address
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pyvrrp.config import loads
from pyvrrp.daemon.instance import AuthRejected, AuthSkew, Instance
from pyvrrp.lab.nodes import HmacBlock, instance_config
from pyvrrp.protocol import Dropped

CONFIG_FIXTURES = Path(__file__).resolve().parents[1] / "data" / "configs"
T0 = 1_800_000_000 * 10**9
NOW = 1000.0
KEY = "hex:" + "5a" * 32

#: Every instance flavour the receive path branches on.
FLAVOURS: dict[str, dict[str, Any]] = {
    "v3-ipv4-hmac": {"hmac": HmacBlock({1: KEY})},
    "v3-ipv4-hmac-permissive": {"hmac": HmacBlock({1: KEY}, mode="permissive")},
    "v3-ipv4-hmac-monotonic": {"hmac": HmacBlock({1: KEY}, anti_replay="monotonic")},
    "v3-ipv4-plain": {},
    "v2-ipv4-pass": {"version": 2, "pass_auth": "secret1"},
    "v2-ipv4-plain": {"version": 2},
    "v3-ipv6-hmac": {"hmac": HmacBlock({1: KEY}), "vips": ("fd00:1::100/64",)},
    "v3-ipv4-unicast-hmac": {
        "hmac": HmacBlock({1: KEY}),
        "unicast_src": "10.0.1.1",
        "peers": ("10.0.1.2",),
    },
}


def _config(flavour: str, priority: int, *, peer: bool = False) -> Any:
    opts = dict(FLAVOURS[flavour])
    if peer and "unicast_src" in opts:  # the peer's view: addresses swapped
        opts["unicast_src"], opts["peers"] = opts["peers"][0], (opts["unicast_src"],)
    text = instance_config(priority=priority, vrid=51, advert_int=1, **opts)
    result = loads(text)
    assert result.ok, [d.format() for d in result.diagnostics]
    return result.config.instances[0]


def _addrs(flavour: str) -> tuple[Any, Any, Any]:
    """(our primary, the peer's primary, the destination)."""
    if "ipv6" in flavour:
        return ip_address("fe80::1"), ip_address("fe80::2"), ip_address("ff02::12")
    if "unicast" in flavour:
        return ip_address("10.0.1.1"), ip_address("10.0.1.2"), ip_address("10.0.1.1")
    return ip_address("10.0.1.1"), ip_address("10.0.1.2"), ip_address("224.0.0.18")


@dataclass
class Target:
    inst: Instance
    peer: Instance
    src: Any
    dst: Any
    flavour: str


def make_target(flavour: str, *, master: bool) -> Target:
    me, peer_addr, dst = _addrs(flavour)
    inst = Instance(_config(flavour, 100), me, NOW)
    peer = Instance(_config(flavour, 200, peer=True), peer_addr, NOW)
    inst.router.start(NOW)
    if master:
        deadline = inst.router.next_deadline()
        assert deadline is not None
        inst.router.handle_timer(deadline + 0.001)
    return Target(inst, peer, peer_addr, dst, flavour)


def drops_total(inst: Instance) -> int:
    return sum(inst.drops.values())


def feed(
    t: Target, payload: bytes, src: Any, dst: Any, ttl: int, now: float, wall: int
) -> list[Any]:
    """One packet through the receive path, checked against the properties."""
    inst, r = t.inst, t.inst.router
    before = (r.state, r.next_deadline(), r.master_address, r.addresses_held)
    d0, a0 = drops_total(inst), inst.stats.adverts_received
    actions = inst.receive(payload, src, dst, ttl, now, wall, kernel_checksum=src.version == 6)
    d1, a1 = drops_total(inst), inst.stats.adverts_received
    refused_by_router = any(isinstance(a, Dropped) for a in actions)
    if a1 == a0:
        # Rejected before the protocol: one reason, no action but a log note.
        assert d1 - d0 == 1, (payload.hex(), dict(inst.drops))
        assert all(isinstance(a, AuthRejected) and not a.accepted for a in actions), actions
    else:
        assert a1 - a0 == 1
        assert d1 - d0 == int(refused_by_router), (actions, dict(inst.drops))
        assert all(not isinstance(a, AuthRejected) or a.accepted for a in actions)
    if a1 == a0 or refused_by_router:
        after = (r.state, r.next_deadline(), r.master_address, r.addresses_held)
        assert after == before, (payload.hex(), before, after)
    for a in actions:
        assert not isinstance(a, AuthSkew) or inst.auth is not None
    return actions


def mutate(data: bytes, rnd: random.Random) -> bytes:
    buf = bytearray(data)
    for _ in range(rnd.randint(1, 4)):
        op = rnd.randrange(6)
        if op == 0 and buf:  # flip a bit
            i = rnd.randrange(len(buf))
            buf[i] ^= 1 << rnd.randrange(8)
        elif op == 1 and buf:  # set a byte
            buf[rnd.randrange(len(buf))] = rnd.randrange(256)
        elif op == 2:  # truncate
            del buf[rnd.randrange(len(buf) + 1) :]
        elif op == 3:  # extend
            buf += bytes(rnd.randrange(256) for _ in range(rnd.randint(1, 40)))
        elif op == 4 and len(buf) > 3:  # the header fields that steer parsing
            buf[rnd.choice([0, 1, 2, 3])] = rnd.choice([0, 1, 0x21, 0x31, 0x32, 0xFF, 51])
        elif op == 5 and len(buf) > 28:  # the trailer's fields
            j = len(buf) - 28 + rnd.randrange(12)
            buf[j] = rnd.randrange(256)
    return bytes(buf)


PacketMaker = Callable[[Target, random.Random], tuple[bytes, Any, Any, int, int]]


def run_packets(
    flavour: str,
    master: bool,
    seed: int,
    count: int,
    *,
    trace: list[Any] | None = None,
    forget_memo: bool = False,
) -> Target:
    """``count`` packets (random, valid, mutated, replayed, spoofed) into one
    instance; ``trace`` collects each packet's actions; ``forget_memo`` clears
    the instance's memo of the last accepted advert before every packet."""
    rnd = random.Random(seed)
    t = make_target(flavour, master=master)
    now, wall = NOW + 0.5, T0
    valid: list[bytes] = []
    for _ in range(count):
        now += rnd.choice([0.0, 0.01, 0.3])
        wall += rnd.choice([0, 10**6, 10**9, -(10**9)])
        kind = rnd.randrange(6)
        src, dst, ttl = t.src, t.dst, 255
        if kind == 0:
            payload = bytes(rnd.randrange(256) for _ in range(rnd.randint(0, 80)))
        else:
            prio = rnd.choice([0, 1, 50, 100, 200, 255])
            payload = t.peer.build_adverts(prio, wall)[0][1]
            valid.append(payload)
            if kind == 2:
                payload = mutate(payload, rnd)
            elif kind == 3 and valid:
                payload = rnd.choice(valid)  # replay
            elif kind == 4:
                src = rnd.choice([t.src, _spoof(t.src, rnd)])
                ttl = rnd.choice([255, 254, 1, 0])
                dst = rnd.choice([t.dst, _spoof(t.dst, rnd)])
        if forget_memo:
            t.inst._memo_key = t.inst._memo = None
        actions = feed(t, payload, src, dst, ttl, now, wall)
        if trace is not None:
            trace.append((actions, t.inst.router.state))
        # Timers keep running as in the daemon, so the state machine moves.
        deadline = t.inst.router.next_deadline()
        if deadline is not None and deadline <= now:
            t.inst.router.handle_timer(now)
    return t


def _spoof(addr: Any, rnd: random.Random) -> Any:
    if isinstance(addr, IPv6Address):
        return IPv6Address(int(addr) ^ rnd.randrange(1, 1 << 16))
    assert isinstance(addr, IPv4Address)
    return IPv4Address(int(addr) ^ rnd.randrange(1, 1 << 8))


#: The strategies of each hypothesis test, so bench/fuzz.py can rerun them larger.
STRATEGIES: dict[str, dict[str, Any]] = {
    "test_packet_path_sequences": {
        "flavour": st.sampled_from(sorted(FLAVOURS)),
        "master": st.booleans(),
        "seed": st.integers(0, 2**32 - 1),
    },
    "test_packet_path_arbitrary_bytes": {
        "flavour": st.sampled_from(sorted(FLAVOURS)),
        "master": st.booleans(),
        "payload": st.binary(max_size=120),
        "ttl": st.sampled_from([255, 254, 64, 1]),
    },
}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(**STRATEGIES["test_packet_path_sequences"])
def test_packet_path_sequences(flavour: str, master: bool, seed: int) -> None:
    run_packets(flavour, master, seed, 40)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(**STRATEGIES["test_packet_path_sequences"])
def test_memo_of_the_last_advert_changes_nothing(flavour: str, master: bool, seed: int) -> None:
    """The same packets with and without the memo (the last accepted advert,
    whole or as the PDU before a trailer): the same actions, drops, counters."""
    runs = []
    for forget in (False, True):
        trace: list[Any] = []
        t = run_packets(flavour, master, seed, 150, trace=trace, forget_memo=forget)
        auth = None if t.inst.auth is None else t.inst.auth.counters
        runs.append((trace, dict(t.inst.drops), t.inst.stats, auth))
    assert runs[0] == runs[1]


@settings(max_examples=200, deadline=None)
@given(**STRATEGIES["test_packet_path_arbitrary_bytes"])
def test_packet_path_arbitrary_bytes(flavour: str, master: bool, payload: bytes, ttl: int) -> None:
    t = make_target(flavour, master=master)
    feed(t, payload, t.src, t.dst, ttl, NOW + 0.5, T0)


def test_every_packet_is_accounted_for() -> None:
    """Totals: packets fed == drops before the router + adverts accepted."""
    for flavour in sorted(FLAVOURS):
        t = run_packets(flavour, False, 7, 300)
        inst = t.inst
        router_refused = sum(inst.router.counters.dropped.values())
        before_router = sum(inst.drops.values()) - router_refused
        assert before_router + inst.stats.adverts_received == 300, (flavour, dict(inst.drops))
        assert inst.stats.adverts_received > 0, flavour
        if inst.auth is not None:
            rejected = sum(n for o, n in inst.auth.counters.items() if o.value not in ("ok",))
            assert rejected > 0, flavour


# -- config loader ---------------------------------------------------------------

_WORDS = [
    "{",
    "}",
    "vrrp_instance",
    "virtual_router_id",
    "priority",
    "advert_int",
    "auth_hmac",
    "key",
    "hex:00",
    "include",
    "@",
    "$X",
    "${_ENV HOME}",
    "!",
    "#",
    '"',
    "\\",
    "\n",
    "255",
    "-1",
    "0.001",
    "10.0.0.1/33",
    "fd00::1/129",
    "virtual_ipaddress",
    "unicast_peer",
    "track_script",
    "vrrp_sync_group",
    "\x00",
    "é",
]


def mutate_config(text: str, rnd: random.Random) -> str:
    tokens = text.split(" ")
    for _ in range(rnd.randint(1, 8)):
        op = rnd.randrange(5)
        if op == 0 and tokens:
            del tokens[rnd.randrange(len(tokens))]
        elif op == 1:
            tokens.insert(rnd.randrange(len(tokens) + 1), rnd.choice(_WORDS))
        elif op == 2 and tokens:
            i = rnd.randrange(len(tokens))
            tokens[i] = rnd.choice(_WORDS)
        elif op == 3 and len(tokens) > 2:
            i, j = sorted(rnd.sample(range(len(tokens)), 2))
            tokens[i:j] = tokens[i:j][::-1]
        elif op == 4 and tokens:
            i = rnd.randrange(len(tokens))
            w = tokens[i]
            if w:
                k = rnd.randrange(len(w))
                tokens[i] = w[:k] + chr(rnd.randrange(32, 0x250)) + w[k + 1 :]
    return " ".join(tokens)


def config_texts() -> list[tuple[str, str]]:
    files = sorted(p for p in CONFIG_FIXTURES.rglob("*") if p.is_file())
    return [("inline", instance_config(hmac=HmacBlock({1: KEY})))] + [
        (p.name, p.read_text(errors="replace")) for p in files
    ]


CONFIGS = config_texts()


def check_loads(text: str) -> None:
    """Never raises; a failed result carries at least one error diagnostic."""
    result = loads(text, name="/nonexistent/fuzz.conf", env={})
    if not result.ok:
        assert any(d.level == "error" for d in result.diagnostics)


def test_config_loader_repeated_bare_keyword() -> None:
    """Found by bench/fuzz.py: ``advert_int 1`` then a bare ``advert_int``."""
    check_loads(
        "vrrp_instance A {\n interface eth0\n virtual_router_id 5\n priority 100\n"
        " advert_int 1\n advert_int\n virtual_ipaddress {\n 10.0.0.1\n }\n}\n"
    )


STRATEGIES["test_config_loader_mutations"] = {
    "index": st.integers(0, len(CONFIGS) - 1),
    "seed": st.integers(0, 2**32 - 1),
}
STRATEGIES["test_config_loader_token_soup"] = {
    "words": st.lists(st.sampled_from([*_WORDS, "a", "1"]), max_size=60),
    "sep": st.sampled_from(" \n"),
}


@settings(max_examples=150, deadline=None)
@given(**STRATEGIES["test_config_loader_mutations"])
def test_config_loader_mutations(index: int, seed: int) -> None:
    check_loads(mutate_config(CONFIGS[index][1], random.Random(seed)))


@settings(max_examples=100, deadline=None)
@given(**STRATEGIES["test_config_loader_token_soup"])
def test_config_loader_token_soup(words: list[str], sep: str) -> None:
    check_loads(sep.join(words))

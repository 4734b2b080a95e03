"""Attacks on routed unicast VRRP, on real kernels (issue 6, item 2; seed 000).

Topology (seed 000): p1 (10.0.1.2) and p2 (10.0.2.2) on different subnets
behind a router that decrements the TTL, adverts sent as unicast, and an
attacker on 10.0.99.2 routed to both; the router does no source filtering, so
the attacker can spoof a peer's address. The receiver in unicast mode must
accept TTL < 255, so nothing but auth_hmac stands in the way.

Every attack runs twice:

* ``plain``: no auth. The attack must succeed (the Master steps down, or the
  Backup is forced into an election). This proves the test can fail.
* ``enforce``: ``auth_hmac`` in enforce mode. The attack must change nothing:
  no transition on any instance of either node, each VIP stays with its
  Master per the kernel, the Backup keeps hearing the genuine Master, and
  every attack packet is counted under the expected outcome and no other.

Against a node without auth the attacker needs no trailer (a trailer would
only make the advert the wrong length), so the ``plain`` runs send the same
advert unsigned.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Sequence
from ipaddress import IPv4Address

import pytest
from routed_lab import (
    ACTIVE_ACTIVE,
    ADV,
    K1,
    VI_1,
    Inst,
    Pair,
    auth_delta,
    forge,
    forged_auth,
    mdi,
    start_pair,
    vrrp_packets,
)

from pyvrrp.auth.hmac_auth import HmacAuth, HmacSettings
from pyvrrp.auth.keys import load_key
from pyvrrp.lab.inject import fix_checksum, inject
from pyvrrp.lab.nodes import HmacBlock, wait_for
from pyvrrp.wire import ChecksumStyle, build_ipv4_header

# The daemon's own verdicts and counters are under test here, one packet at a
# time: the sockets' BPF filter (which drops some of these in the kernel,
# sampled) is off; test_lab_bpf.py holds the filter to the same verdicts.
pytestmark = [pytest.mark.lab, pytest.mark.usefixtures("no_bpf")]

# ACTIVE_ACTIVE: VI_1 has p1 as Master, VI_2 has p2 (its genuine adverts are the
# material for the VRID splice, and it must not move either).
MODES = ["plain", "enforce"]
#: After an attack: a believed forgery shows at once (a Master steps down on a
#: higher priority) or within Skew_Time (a Backup told priority 0); a flood that
#: starved the Backup of genuine adverts would show within Master_Down_Interval.
HOLD = 1.0
FLOOD_HOLD = mdi(100) + 0.2
P1, P2 = 0, 1

Packet = tuple[bytes, IPv4Address, IPv4Address]


def enforce(time_window: int | None = None) -> HmacBlock:
    return HmacBlock({1: K1}, 1, mode="enforce", time_window=time_window)


def setup(lab, mode: str, insts: Sequence[Inst] = ACTIVE_ACTIVE, **kw) -> Pair:
    return start_pair(lab, enforce(**kw) if mode == "enforce" else None, insts)


def send(pair: Pair, packets: Sequence[Packet], rounds: int, gap: float = 0.1) -> None:
    """Send each packet ``rounds`` times from the attacker's namespace."""
    for _ in range(rounds):
        for payload, src, dst in packets:
            pair.lab.call(pair.attacker_ns, inject, payload, src, dst, 255)
        time.sleep(gap)


def run_attack(
    pair: Pair,
    mode: str,
    packets: Sequence[Packet],
    *,
    succeeded: Callable[[], bool],
    expect: dict[tuple[int, str], dict[str, int]],
    rounds: int = 5,
    gap: float = 0.1,
) -> None:
    """Send the attack; ``plain``: it must succeed; ``enforce``: it must change
    nothing and be counted exactly as ``expect`` says ((peer, instance) ->
    {outcome: count per round}), every other outcome staying put."""
    before = pair.snapshot()
    if mode == "plain":
        deadline = time.monotonic() + 5.0
        while time.monotonic() < deadline:
            send(pair, packets, 1, gap)
            if succeeded():
                return
        pytest.fail("the attack did not succeed against a node without auth")
    send(pair, packets, rounds)
    time.sleep(HOLD)
    after = pair.snapshot()
    assert_nothing_moved(pair, before, after)
    for key in after:
        want = {k: v * rounds for k, v in expect.get(key, {}).items()}
        assert auth_delta(before[key], after[key]) == want, key
        # Rejected, so dropped under the same reason, and nothing else dropped.
        drops = {
            k: v - before[key]["drops"].get(k, 0)
            for k, v in after[key]["drops"].items()
            if v != before[key]["drops"].get(k, 0)
        }
        assert drops == {f"auth_{k}": v for k, v in want.items()}, key


def assert_nothing_moved(pair: Pair, before, after) -> None:
    assert {k: v["transitions"] for k, v in after.items()} == {
        k: v["transitions"] for k, v in before.items()
    }, "an instance made a transition"
    for inst in pair.insts:
        master = 0 if inst.prios[0] > inst.prios[1] else 1
        assert after[(master, inst.name)]["state"] == "MASTER"
        assert after[(1 - master, inst.name)]["state"] == "BACKUP"
        assert pair.master_of(inst) == master, f"{inst.vip} moved"
        b = (1 - master, inst.name)
        # The Backup kept hearing (and accepting) the genuine Master throughout.
        assert after[b]["adverts_received"] > before[b]["adverts_received"]
        assert after[b]["auth"]["ok"] >= before[b]["auth"]["ok"]


def stepped_down(pair: Pair, peer: int, inst: Inst, before: int) -> Callable[[], bool]:
    """The Master ``peer`` left MASTER for ``inst`` (the VIP left it, per the kernel)."""

    def check() -> bool:
        n = pair.nodes[peer]
        return n.instance(inst.name)["transitions"] > before and inst.vip not in n.addresses()

    return check


def transitioned(pair: Pair, peer: int, inst: Inst, before: int) -> Callable[[], bool]:
    return lambda: pair.nodes[peer].instance(inst.name)["transitions"] > before


def genuine(pair: Pair, sender: int, vrid: int, *, during: float = 3 * ADV) -> bytes:
    """A genuine advert captured on the router, as ``sender`` sent it to its peer."""
    receiver = pair.topo.peers[1 - sender].name
    cap = pair.lab.capture(
        pair.topo.router,
        pair.topo.router_ifaces[receiver],
        f"ip proto 112 and src host {pair.ip(sender)}",
    )
    time.sleep(during)
    found = [p for s, d, p in vrrp_packets(cap.frames()) if p[1] == vrid]
    assert found, "no genuine advert captured"
    return found[-1]


def resend(payload: bytes, *, src: IPv4Address, dst: IPv4Address, vrid: int | None = None) -> bytes:
    """``payload`` with its VRID rewritten (if given) and its checksum fixed for
    ``src`` -> ``dst``: the trailer, if any, is left as it was."""
    buf = bytearray(payload)
    if vrid is not None:
        buf[1] = vrid
    return fix_checksum(bytes(buf), ChecksumStyle.V3_PSEUDO, src, dst)


def tr(pair: Pair, peer: int, inst: Inst) -> int:
    return int(pair.nodes[peer].instance(inst.name)["transitions"])


# -- the attacks ---------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_spoofed_higher_priority_advert(lab, mode) -> None:
    """Priority 255 from p2's address to the Master p1: demotes it without auth;
    with auth, unsigned -> missing, signed with a guessed key -> bad_hmac."""
    pair = setup(lab, mode)
    p1, p2 = pair.ip(P1), pair.ip(P2)
    unsigned = forge(vrid=51, priority=255, src=p2, dst=p1, vip=VI_1.vip)
    packets = [(unsigned, p2, p1)]
    if mode == "enforce":
        wrong = forge(vrid=51, priority=255, src=p2, dst=p1, vip=VI_1.vip, signer=forged_auth())
        packets.append((wrong, p2, p1))
    run_attack(
        pair,
        mode,
        packets,
        succeeded=stepped_down(pair, P1, VI_1, tr(pair, P1, VI_1)),
        expect={(P1, "VI_1"): {"missing": 1, "bad_hmac": 1}},
    )


@pytest.mark.parametrize("mode", MODES)
def test_spoofed_priority_zero_advert(lab, mode) -> None:
    """Priority 0 from the Master's address to the Backup: forces an election
    (the Backup goes Master after Skew_Time) without auth; counted with auth."""
    pair = setup(lab, mode)
    p1, p2 = pair.ip(P1), pair.ip(P2)
    packets = [(forge(vrid=51, priority=0, src=p1, dst=p2, vip=VI_1.vip), p1, p2)]
    if mode == "enforce":
        wrong = forge(vrid=51, priority=0, src=p1, dst=p2, vip=VI_1.vip, signer=forged_auth())
        packets.append((wrong, p1, p2))
    run_attack(
        pair,
        mode,
        packets,
        succeeded=transitioned(pair, P2, VI_1, tr(pair, P2, VI_1)),
        expect={(P2, "VI_1"): {"missing": 1, "bad_hmac": 1}},
        # Each priority 0 rearms the Backup's timer to Skew_Time (0.3 s) and each
        # genuine advert to Master_Down_Interval: the forced election happens
        # when a forgery lands just after a genuine advert and no other follows
        # within Skew_Time, so the attacker paces itself off the 0.5 s beat.
        gap=0.45,
    )


@pytest.mark.parametrize("variant", ["fresh", "stale", "stripped"])
@pytest.mark.parametrize("mode", MODES)
def test_replay_of_a_captured_advert(lab, mode, variant) -> None:
    """p2 was Master (priority 250) and the attacker captured its adverts; the
    operator then lowered p2 to 100 and p1 took over. Replaying the capture
    demotes p1 without auth. With auth: inside the freshness window -> replay;
    after it -> stale; the same capture with its trailer stripped -> missing."""
    window = 2 if variant == "stale" else 10
    vi = Inst("VI_1", 51, (200, 250), VI_1.vip)
    hmac = enforce(window) if mode == "enforce" else None
    pair = start_pair(lab, hmac, (vi,))
    assert pair.master_of(vi) == P2
    cap_from = pair.ip(P2)
    receiver = pair.topo.peers[P1].name
    cap = lab.capture(
        pair.topo.router, pair.topo.router_ifaces[receiver], f"ip proto 112 and src host {cap_from}"
    )
    time.sleep(2 * ADV)
    captured_at = time.time()
    pair.reload(P2, hmac, {"VI_1": 100})
    now_master = Inst("VI_1", 51, (200, 100), VI_1.vip)
    pair.insts = [now_master]
    pair.wait_settled(now_master, P1)
    adverts = [p for _, _, p in vrrp_packets(cap.frames()) if p[2] == 250]
    assert adverts, "no priority-250 advert captured"
    payload = adverts[-1]
    if mode == "enforce":
        assert len(payload) == 12 + 28  # v3 header, one IPv4 address, trailer
        assert int.from_bytes(payload[-24:-20], "big") <= captured_at
    if variant == "stale":
        time.sleep(max(0.0, captured_at + window + 2 - time.time()))
    if variant == "stripped" and mode == "enforce":
        payload = resend(payload[:-28], src=cap_from, dst=pair.ip(P1))
    elif variant == "fresh" and mode == "enforce":
        assert time.time() - captured_at < window - 2, "too slow to replay inside the window"
    outcome = {"fresh": "replay", "stale": "stale", "stripped": "missing"}[variant]
    run_attack(
        pair,
        mode,
        [(payload, cap_from, pair.ip(P1))],
        succeeded=stepped_down(pair, P1, now_master, tr(pair, P1, now_master)),
        expect={(P1, "VI_1"): {outcome: 1}},
    )


@pytest.mark.parametrize("mode", MODES)
def test_genuine_trailer_spliced_onto_another_vrid(lab, mode) -> None:
    """p2's genuine VI_2 advert (VRID 52, priority 250) relabelled VRID 51 and
    sent to p1, VI_1's Master: demotes it without auth; bad_hmac with auth (the
    VRID is bound into the MAC)."""
    pair = setup(lab, mode)
    p1, p2 = pair.ip(P1), pair.ip(P2)
    spliced = resend(genuine(pair, P2, 52), src=p2, dst=p1, vrid=51)
    run_attack(
        pair,
        mode,
        [(spliced, p2, p1)],
        succeeded=stepped_down(pair, P1, VI_1, tr(pair, P1, VI_1)),
        expect={(P1, "VI_1"): {"bad_hmac": 1}},
    )


@pytest.mark.parametrize("mode", MODES)
def test_genuine_trailer_spliced_onto_another_source(lab, mode) -> None:
    """p1's own genuine VI_1 advert (priority 200) resent to p1 from p2's
    address: equal priority, higher source address, so without auth the Master
    steps down (RFC 9568 §6.4.3); bad_hmac with auth (the source is bound)."""
    pair = setup(lab, mode)
    p1, p2 = pair.ip(P1), pair.ip(P2)
    assert int(p2) > int(p1)
    spliced = resend(genuine(pair, P1, 51), src=p2, dst=p1)
    run_attack(
        pair,
        mode,
        [(spliced, p2, p1)],
        succeeded=stepped_down(pair, P1, VI_1, tr(pair, P1, VI_1)),
        expect={(P1, "VI_1"): {"bad_hmac": 1}},
    )


@pytest.mark.parametrize("mode", MODES)
def test_advert_signed_with_an_unknown_key_id(lab, mode) -> None:
    """Priority 255 from p2's address signed under key id 7, which no node has:
    unknown_key with auth (checked before any digest)."""
    pair = setup(lab, mode)
    p1, p2 = pair.ip(P1), pair.ip(P2)
    signer = forged_auth(key_id=7) if mode == "enforce" else None
    advert = forge(vrid=51, priority=255, src=p2, dst=p1, vip=VI_1.vip, signer=signer)
    run_attack(
        pair,
        mode,
        [(advert, p2, p1)],
        succeeded=stepped_down(pair, P1, VI_1, tr(pair, P1, VI_1)),
        expect={(P1, "VI_1"): {"unknown_key": 1}},
    )


@pytest.mark.parametrize("mode", MODES)
def test_advert_signed_with_the_real_key_from_a_non_peer(lab, mode) -> None:
    """Priority 255 from the attacker's own address (10.0.99.2, routed, not
    spoofed), signed with the group's real key, as by a retired node that
    kept it: with auth unknown_peer, refused before the digest because only
    configured peers are heard. Without auth pyvrrp checks a unicast source
    too (not_a_peer; keepalived only with check_unicast_src, and
    test_lab_bpf.py shows keepalived stepping down to such adverts): spoofing
    a peer's address is what needs auth_hmac, the tests above."""
    pair = setup(lab, mode)
    p1 = pair.ip(P1)
    assert pair.topo.attacker is not None
    src = pair.topo.attacker.ipv4.ip
    signer = None
    if mode == "enforce":
        real = HmacSettings(keys={1: load_key(K1).secret}, active_key=1)
        signer = HmacAuth(real, family=4, version=3, vrid=51)
    advert = forge(vrid=51, priority=255, src=src, dst=p1, vip=VI_1.vip, signer=signer)
    if mode == "plain":
        before = pair.snapshot()
        send(pair, [(advert, src, p1)], 5)
        time.sleep(HOLD)
        after = pair.snapshot()
        assert_nothing_moved(pair, before, after)
        key = (P1, "VI_1")
        assert (
            after[key]["drops"].get("not_a_peer", 0) - before[key]["drops"].get("not_a_peer", 0)
            == 5
        )
        return
    run_attack(
        pair,
        mode,
        [(advert, src, p1)],
        succeeded=stepped_down(pair, P1, VI_1, tr(pair, P1, VI_1)),
        expect={(P1, "VI_1"): {"unknown_peer": 1}},
    )


FLOOD_COUNT = 5000
FLOOD_SECONDS = 5.0  # the bound
FLOOD_SPREAD = 2.5  # longer than Master_Down_Interval (1.8 s), so genuine adverts must get through
FLOOD_BURSTS = 20


def flood(packets: Sequence[Packet], count: int, spread: float, bursts: int) -> dict[str, float]:
    """Send ``count`` packets round-robin from one raw socket, in ``bursts``
    bursts each as fast as the socket goes, spread over ``spread`` seconds.
    Runs in the attacker's namespace; returns what it achieved."""
    frames = [build_ipv4_header(s, d, len(p), ttl=255) + p for p, s, d in packets]
    targets = [(str(d), 0) for _, _, d in packets]
    per_burst = count // bursts
    sent, burst_time = 0, 0.0
    with socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW) as sock:
        start = time.monotonic()
        for b in range(bursts):
            t0 = time.monotonic()
            for j in range(per_burst):
                k = j % len(frames)
                sock.sendto(frames[k], targets[k])
            sent += per_burst
            burst_time += time.monotonic() - t0
            pause = start + (b + 1) * spread / bursts - time.monotonic()
            if pause > 0 and b + 1 < bursts:
                time.sleep(pause)
        took = time.monotonic() - start
    return {"sent": sent, "took": took, "burst_rate": sent / burst_time}


@pytest.mark.parametrize("mode", MODES)
def test_flood_of_forged_adverts(lab, mode) -> None:
    """5,000 forged adverts from the attacker in bursts over 2.5 s (bounded by
    5 s), longer than Master_Down_Interval, half demoting the
    Master (priority 255 from p2) and half forcing an election (priority 0 from
    p1). Without auth roles change; with auth (each forgery signed with a
    guessed key, so each costs the receiver a digest) the Master keeps its role,
    the Backup makes no transition, and every forgery that arrives is bad_hmac."""
    pair = setup(lab, mode)
    p1, p2 = pair.ip(P1), pair.ip(P2)
    signer = forged_auth() if mode == "enforce" else None
    packets = [
        (forge(vrid=51, priority=255, src=p2, dst=p1, vip=VI_1.vip, signer=signer), p2, p1),
        (forge(vrid=51, priority=0, src=p1, dst=p2, vip=VI_1.vip, signer=signer), p1, p2),
    ]
    before = pair.snapshot()
    got = lab.call(pair.attacker_ns, flood, packets, FLOOD_COUNT, FLOOD_SPREAD, FLOOD_BURSTS)
    sent, took = int(got["sent"]), got["took"]
    print(
        f"\nflood ({mode}): {sent} forged adverts in {took:.2f}s"
        f" (average {sent / took:,.0f} pkt/s, {got['burst_rate']:,.0f} pkt/s within bursts)"
    )
    assert sent == FLOOD_COUNT and took <= FLOOD_SECONDS
    if mode == "plain":
        start = {k: v["transitions"] for k, v in before.items()}
        wait_for(lambda: pair.transitions() != start, FLOOD_HOLD)
        return
    time.sleep(FLOOD_HOLD)
    after = pair.snapshot()
    assert_nothing_moved(pair, before, after)
    seen = {i: auth_delta(before[(i, "VI_1")], after[(i, "VI_1")]) for i in (P1, P2)}
    for i in (P1, P2):
        # Only bad_hmac; fewer than sent when the socket buffer overflowed.
        assert set(seen[i]) == {"bad_hmac"}, seen
        assert 0 < seen[i]["bad_hmac"] <= sent // 2
    print(
        f"flood (enforce): counted bad_hmac p1={seen[P1]['bad_hmac']}"
        f" p2={seen[P2]['bad_hmac']} of {sent // 2} each"
    )
    assert auth_delta(before[(P1, "VI_2")], after[(P1, "VI_2")]) == {}
    # The log says so, rate limited: a flood cannot fill the disk.
    for node in pair.nodes:
        lines = [ln for ln in node.log().splitlines() if "[bad_hmac]" in ln]
        assert 1 <= len(lines) <= 2, lines

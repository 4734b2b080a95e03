"""The VRRP sockets' BPF filter, run by a classic BPF interpreter on real
packet images: it drops what cannot be a valid advert for the socket's
instances and passes everything the daemon would accept (a property test
against the daemon's own receive path), one in ``sample`` of its drops too."""

from __future__ import annotations

import struct
from ipaddress import IPv4Address, IPv6Address, ip_address

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pyvrrp.config import loads
from pyvrrp.daemon.instance import Instance
from pyvrrp.net.bpf import SKF_NET_OFF, SocketSpec, VridRule, compile_filter, rules_of, run
from pyvrrp.wire import Advert, encode

G4 = IPv4Address("224.0.0.18")
G6 = IPv6Address("ff02::12")
PEER = IPv4Address("10.0.1.2")


def ip4(vrrp: bytes, src: IPv4Address, dst: IPv4Address, ttl: int = 255, ver: int = 4) -> bytes:
    head = struct.pack("!BBHHHBBH4s4s", ver << 4 | 5, 0xC0, 20 + len(vrrp), 0, 0, ttl, 112, 0,
                       src.packed, dst.packed)  # fmt: skip
    return head + vrrp


def ip6_net(src: IPv6Address, dst: IPv6Address, hop: int = 255) -> bytes:
    return struct.pack("!IHBB16s16s", 6 << 28, 0, 112, hop, src.packed, dst.packed)


def advert(vrid: int = 51, version: int = 3, typ: int = 1, extra: bytes = b"") -> bytes:
    return bytes([version << 4 | typ, vrid, 100, 1, 0, 100, 0, 0]) + bytes(4) + extra


MCAST = SocketSpec(4, (VridRule(51, 3),))


def test_a_valid_multicast_advert_passes() -> None:
    prog = compile_filter(MCAST)
    assert run(prog, ip4(advert(), PEER, G4)) != 0


@pytest.mark.parametrize(
    "packet",
    [
        ip4(advert(), PEER, G4, ttl=254),  # GTSM
        ip4(advert(vrid=52), PEER, G4),  # nobody serves it
        ip4(advert(version=2), PEER, G4),  # not the instance's version
        ip4(advert(typ=2), PEER, G4),  # not an advertisement
        ip4(b"\x31\x33\x64", PEER, G4),  # shorter than a header
        ip4(advert(extra=bytes(1100)), PEER, G4),  # longer than any advert
        ip4(advert(), PEER, G4, ver=6),  # not IPv4
        b"\x45\x00",  # truncated
    ],
)
def test_what_cannot_be_valid_is_dropped_but_sampled(packet: bytes) -> None:
    prog = compile_filter(MCAST)
    assert run(prog, packet, rand=5) == 0
    assert run(prog, packet, rand=16383) == 0
    assert run(prog, packet, rand=8192) == 0
    if len(packet) >= 20:  # (a load past the end drops at once, in the kernel too)
        assert run(prog, packet, rand=16384) != 0  # one in 16384 goes through


def test_unknown_vrids_pass_when_they_are_logged() -> None:
    prog = compile_filter(SocketSpec(4, (VridRule(51, 3),), pass_unknown=True))
    assert run(prog, ip4(advert(vrid=52), PEER, G4), rand=5) != 0


def test_a_unicast_instance_hears_its_peers_only() -> None:
    rule = VridRule(51, 3, peers=frozenset({PEER, IPv4Address("10.0.1.9")}))
    prog = compile_filter(SocketSpec(4, (rule,)))
    me = IPv4Address("10.0.1.1")
    assert run(prog, ip4(advert(), PEER, me, ttl=64)) != 0  # unicast: any TTL
    assert run(prog, ip4(advert(), IPv4Address("10.0.1.9"), me)) != 0
    assert run(prog, ip4(advert(), IPv4Address("10.0.1.3"), me), rand=5) == 0
    prog = compile_filter(SocketSpec(4, (VridRule(51, 3, peers=frozenset({PEER}), min_ttl=250),)))
    assert run(prog, ip4(advert(), PEER, me, ttl=64), rand=5) == 0
    assert run(prog, ip4(advert(), PEER, me, ttl=250)) != 0


def test_enforce_mode_needs_room_for_the_trailer() -> None:
    prog = compile_filter(SocketSpec(4, (VridRule(51, 3, needs_trailer=True),)))
    assert run(prog, ip4(advert(), PEER, G4), rand=5) == 0
    assert run(prog, ip4(advert(extra=bytes(28)), PEER, G4)) != 0


def test_ipv6_reads_the_hop_limit_and_source_from_the_network_header() -> None:
    src, me = IPv6Address("fe80::2"), IPv6Address("fe80::1")
    v6 = advert(extra=bytes(12))  # one IPv6 address
    prog = compile_filter(SocketSpec(6, (VridRule(51, 3),)))
    assert run(prog, v6, net=ip6_net(src, G6)) != 0
    assert run(prog, v6, net=ip6_net(src, G6, hop=1), rand=5) == 0
    prog = compile_filter(SocketSpec(6, (VridRule(51, 3, peers=frozenset({src})),)))
    assert run(prog, v6, net=ip6_net(src, me, hop=64)) != 0
    other = IPv6Address("fe80::2:0:0:3")
    assert run(prog, v6, net=ip6_net(other, me), rand=5) == 0
    assert SKF_NET_OFF < 0


def test_255_unicast_vrids_compile_with_far_jumps_and_stay_right() -> None:
    rules = tuple(
        VridRule(v, 3, peers=frozenset({IPv4Address(f"10.1.{v}.{p}") for p in range(1, 4)}))
        for v in range(1, 256)
    )
    prog = compile_filter(SocketSpec(4, rules))
    assert len(prog) < 4096  # the kernel's limit
    me = IPv4Address("10.0.0.1")
    for v in (1, 128, 255):
        assert run(prog, ip4(advert(vrid=v), IPv4Address(f"10.1.{v}.3"), me)) != 0
        assert run(prog, ip4(advert(vrid=v), IPv4Address(f"10.1.{v}.4"), me), rand=5) == 0
        assert (
            run(prog, ip4(advert(vrid=v, version=2), IPv4Address(f"10.1.{v}.1"), me), rand=5) == 0
        )


def _instance(unicast: bool, version: int, min_ttl: int | None) -> Instance:
    lines = [f"    version {version}"]
    if unicast:
        lines += ["    unicast_src_ip 10.0.1.1", "    unicast_peer {", "        10.0.1.2", "    }"]
    if min_ttl is not None:
        lines.append(f"    min_ttl {min_ttl}")
    text = (
        "vrrp_instance VI_1 {\n    interface eth0\n    virtual_router_id 51\n"
        + "\n".join(lines)
        + "\n    virtual_ipaddress {\n        10.0.1.100/24\n    }\n}\n"
    )
    r = loads(text, name="t.conf", env={})
    assert r.ok, r.format()
    return Instance(r.config.instances[0], IPv4Address("10.0.1.1"), 0.0)


@settings(max_examples=300, deadline=None)
@given(
    unicast=st.booleans(),
    version=st.sampled_from([2, 3]),
    min_ttl=st.one_of(st.none(), st.integers(0, 255)),
    adv_version=st.sampled_from([2, 3]),
    vrid=st.sampled_from([51, 52]),
    src=st.sampled_from(["10.0.1.2", "10.0.1.3"]),
    group=st.booleans(),
    ttl=st.sampled_from([1, 64, 254, 255]),
    priority=st.integers(1, 254),
)
def test_the_filter_never_drops_what_the_daemon_accepts(
    unicast, version, min_ttl, adv_version, vrid, src, group, ttl, priority
) -> None:  # type: ignore[no-untyped-def]
    inst = _instance(unicast, version, min_ttl)
    inst.router.start(0.0)
    s, d = ip_address(src), (G4 if group else IPv4Address("10.0.1.1"))
    payload = encode(
        Advert(
            version=adv_version,
            family=4,
            vrid=vrid,
            priority=priority,
            interval_cs=100,
            addresses=(IPv4Address("10.0.1.100"),),
        ),
        src=s,
        dst=d,
    )
    prog = compile_filter(SocketSpec(4, rules_of([inst])))
    passed = run(prog, ip4(payload, s, d, ttl=ttl), rand=5) != 0
    if vrid != 51:
        assert not passed  # the daemon ignores a VRID it does not serve
        return
    inst.receive(payload, s, d, ttl, 1.0, 0)
    if not inst.drops:  # the daemon accepted it: so must the filter
        assert passed
    else:
        # and what the filter drops, the daemon drops too
        assert passed or set(inst.drops) <= {"ttl", "version_mismatch", "not_a_peer"}

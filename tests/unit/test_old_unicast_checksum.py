"""keepalived's ``old_unicast_checksum``: the VRRPv3 IPv4 checksum of keepalived
1.3.6 and before, whose pseudo-header names the multicast group (the global
vrrp_mcast_group4) as destination even when the advert is unicast.

keepalived 2.4.3: vrrp_parser.c vrrp_unicast_chksum_handler (no argument: old
checksum; ``never``: no auto-detection), vrrp.c vrrp_build_vrrp (send) and
vrrp_check_packet (receive: an unicast advert that fails the checksum is tried
again with the group; if that verifies, the instance sends the old checksum
from then on and logs "Setting unicast VRRPv3 checksum to old version").
"""

from __future__ import annotations

import logging
from ipaddress import IPv4Address

import pytest

from pyvrrp.config import loads
from pyvrrp.daemon import dumps
from pyvrrp.daemon.instance import Instance
from pyvrrp.wire import DecodeError, decode
from pyvrrp.wire.vrrp import Advert, ChecksumStyle, checksum_of, checksum_style, encode

SRC, PEER, GROUP = IPv4Address("10.0.0.1"), IPv4Address("10.0.0.2"), IPv4Address("224.0.0.18")
ADVERT = Advert(3, 4, 51, 100, 100, (IPv4Address("10.0.9.9"),))
#: version 3 type 1, VRID 51, priority 100, 1 address, interval 100 cs,
#: checksum, 10.0.9.9
NEW = bytes.fromhex("31336401 0064 42df 0a000909")  # pseudo-header dst 10.0.0.2
OLD = bytes.fromhex("31336401 0064 6cce 0a000909")  # pseudo-header dst 224.0.0.18


def _sum(data: bytes) -> int:
    """RFC 1071 the long way, to check the wire module's arithmetic."""
    total = sum(int.from_bytes(data[i : i + 2], "big") for i in range(0, len(data), 2))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def test_the_two_checksums_differ_only_in_the_pseudo_header_destination() -> None:
    body = NEW[:6] + b"\0\0" + NEW[8:]
    tail = bytes((0, 112, 0, len(body)))
    assert _sum(SRC.packed + PEER.packed + tail + body) == 0x42DF
    assert _sum(SRC.packed + GROUP.packed + tail + body) == 0x6CCE
    assert encode(ADVERT, style=ChecksumStyle.V3_PSEUDO, src=SRC, dst=PEER) == NEW
    old = encode(ADVERT, style=ChecksumStyle.V3_OLD_UNICAST, src=SRC, dst=PEER, group=GROUP)
    assert old == OLD
    # sent to the group, the old checksum is the one keepalived always used
    assert encode(ADVERT, style=ChecksumStyle.V3_PSEUDO, src=SRC, dst=GROUP) == OLD


def test_checksum_of_the_old_style_needs_the_group_and_vrrpv3_over_ipv4() -> None:
    buf = bytearray(NEW[:6] + b"\0\0" + NEW[8:])
    kw = {"version": 3, "family": 4, "pdu_len": 12, "src": SRC, "dst": PEER}
    old = ChecksumStyle.V3_OLD_UNICAST
    assert checksum_of(buf, style=old, group=GROUP, **kw) == 0x6CCE  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"^the old unicast checksum needs the multicast group$"):
        checksum_of(buf, style=old, **kw)  # type: ignore[arg-type]
    v3_only = r"^the IPv4 pseudo-header checksum is for VRRPv3 over IPv4$"
    with pytest.raises(ValueError, match=v3_only):
        checksum_of(buf, style=old, group=GROUP, **{**kw, "version": 2})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="needs the source and destination"):
        checksum_of(buf, style=old, group=GROUP, **{**kw, "src": None})  # type: ignore[arg-type]


def test_decode_accepts_the_old_checksum_only_when_given_the_group() -> None:
    with pytest.raises(DecodeError) as e:
        decode(OLD, family=4, src=SRC, dst=PEER)
    assert e.value.reason == "bad_checksum"
    d = decode(OLD, family=4, src=SRC, dst=PEER, old_unicast_group=GROUP)
    assert d.checksum_style is ChecksumStyle.V3_OLD_UNICAST
    assert (d.advert, d.checksum) == (ADVERT, 0x6CCE)
    # the current checksum is still the current one with the group given
    d = decode(NEW, family=4, src=SRC, dst=PEER, old_unicast_group=GROUP)
    assert d.checksum_style is ChecksumStyle.V3_PSEUDO
    # a wrong checksum is wrong under either
    bad = NEW[:6] + b"\x12\x34" + NEW[8:]
    with pytest.raises(DecodeError):
        decode(bad, family=4, src=SRC, dst=PEER, old_unicast_group=GROUP)


def test_the_old_checksum_covers_the_pdu_not_an_auth_hmac_trailer() -> None:
    trailer = bytes([1, 1]) + bytes(range(26))
    payload = OLD + trailer
    d = decode(payload, family=4, src=SRC, dst=PEER, old_unicast_group=GROUP)
    assert d.checksum_style is ChecksumStyle.V3_OLD_UNICAST and d.trailer == trailer
    style = checksum_style(
        payload, OLD, version=3, family=4, src=SRC, dst=PEER, old_unicast_group=GROUP
    )
    assert style is ChecksumStyle.V3_OLD_UNICAST
    assert checksum_style(payload, OLD, version=3, family=4, src=SRC, dst=PEER) is None


# -- the daemon's instance ---------------------------------------------------------


def _conf(extra: str = "", peers: bool = True, glob: str = "") -> str:
    uni = "    unicast_src_ip 10.0.0.1\n    unicast_peer {\n        10.0.0.2\n    }\n"
    return (
        glob
        + "vrrp_instance VI_1 {\n    interface eth0\n    virtual_router_id 51\n"
        + "    priority 100\n    version 3\n"
        + (uni if peers else "")
        + extra
        + "    virtual_ipaddress {\n        10.0.9.9/32\n    }\n}\n"
    )


def _instance(extra: str = "", peers: bool = True, glob: str = "") -> Instance:
    r = loads(_conf(extra, peers, glob), name="k.conf", env={})
    assert r.config is not None, r.format()
    inst = Instance(r.config.instances[0], SRC, 0.0)
    inst.router.start(0.0)
    return inst


def _hear(inst: Instance, payload: bytes, dst: IPv4Address = SRC) -> list[object]:
    return inst.receive(payload, PEER, dst, 255, 1.0, 0)


def _sent(inst: Instance) -> bytes:
    [(dst, payload)] = inst.build_adverts(100, 0)
    assert dst == PEER
    return payload


def test_an_unicast_instance_switches_to_the_old_checksum_on_hearing_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    inst = _instance()
    assert inst.cfg.old_unicast_checksum == "auto"
    assert _sent(inst)[6:8] == bytes.fromhex("42df")  # ours, to 10.0.0.2 from 10.0.0.1
    # the peer's advert, checksummed for us (10.0.0.1) the current way: no switch
    new_to_us = encode(ADVERT, style=ChecksumStyle.V3_PSEUDO, src=PEER, dst=SRC)
    _hear(inst, new_to_us)
    assert not inst.old_checksum and inst.drops["bad_checksum"] == 0
    old_to_us = encode(ADVERT, style=ChecksumStyle.V3_OLD_UNICAST, src=PEER, dst=SRC, group=GROUP)
    with caplog.at_level(logging.INFO, logger="pyvrrp"):
        _hear(inst, old_to_us)
    assert inst.old_checksum and inst.style is ChecksumStyle.V3_OLD_UNICAST
    assert "(VI_1) Setting unicast VRRPv3 checksum to old version" in caplog.text
    assert inst.drops["bad_checksum"] == 0 and inst.stats.adverts_received == 2
    assert _sent(inst) == OLD  # the copy built before is built again
    # said once: the next old advert changes nothing
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="pyvrrp"):
        _hear(
            inst,
            encode(
                ADVERT._replace(priority=90),
                style=ChecksumStyle.V3_OLD_UNICAST,
                src=PEER,
                dst=SRC,
                group=GROUP,
            ),
        )
    assert "Setting" not in caplog.text
    assert inst.stats.adverts_received == 3 and inst.drops["bad_checksum"] == 0
    # a reload starts from the configuration again, as keepalived's new instance
    inst.reconfigure(inst.cfg, 2.0)
    assert not inst.old_checksum and _sent(inst) == NEW


def test_old_unicast_checksum_sends_it_from_the_start() -> None:
    inst = _instance("    old_unicast_checksum\n")
    assert inst.cfg.old_unicast_checksum == "always" and inst.old_checksum
    assert _sent(inst) == OLD
    inst.reconfigure(inst.cfg, 1.0)
    assert inst.old_checksum and _sent(inst) == OLD
    # the peer's current checksum is taken as well (keepalived would drop it)
    _hear(inst, encode(ADVERT, style=ChecksumStyle.V3_PSEUDO, src=PEER, dst=SRC))
    assert inst.drops["bad_checksum"] == 0 and inst.stats.adverts_received == 1


def test_old_unicast_checksum_uses_the_global_multicast_group() -> None:
    glob = "global_defs {\n    vrrp_mcast_group4 224.0.0.19\n}\n"
    inst = _instance("    old_unicast_checksum\n", glob=glob)
    group = IPv4Address("224.0.0.19")
    assert inst.cfg.checksum_group == group
    want = encode(ADVERT, style=ChecksumStyle.V3_PSEUDO, src=SRC, dst=group)
    assert _sent(inst) == want != OLD
    # auto-detection uses it too
    auto = _instance(glob=glob)
    _hear(auto, encode(ADVERT, style=ChecksumStyle.V3_PSEUDO, src=PEER, dst=group))
    assert auto.old_checksum and auto.drops["bad_checksum"] == 0


def test_never_drops_the_old_checksum_and_keeps_its_own() -> None:
    inst = _instance("    old_unicast_checksum never\n")
    assert inst.cfg.old_unicast_checksum == "never"
    _hear(inst, encode(ADVERT, style=ChecksumStyle.V3_OLD_UNICAST, src=PEER, dst=SRC, group=GROUP))
    assert inst.drops["bad_checksum"] == 1 and not inst.old_checksum
    assert _sent(inst) == NEW


def test_a_multicast_instance_does_not_detect_the_old_checksum() -> None:
    inst = _instance(peers=False)
    # a (unicast-addressed) advert with the group in its pseudo-header: wrong here
    _hear(inst, encode(ADVERT, style=ChecksumStyle.V3_OLD_UNICAST, src=PEER, dst=SRC, group=GROUP))
    assert inst.drops["bad_checksum"] == 1 and not inst.old_checksum
    [(dst, payload)] = inst.build_adverts(100, 0)
    assert dst == GROUP and payload == OLD  # to the group: old and new agree


@pytest.mark.parametrize("extra", ["    v3_checksum_as_v2\n", "    version 2\n"])
def test_no_pseudo_header_no_old_checksum(extra: str) -> None:
    inst = _instance("    old_unicast_checksum\n" + extra)
    assert inst.style is ChecksumStyle.MESSAGE


def _dump_line(extra: str = "", old: bytes | None = None) -> list[str]:
    r = loads(_conf(extra), name="k.conf", env={})
    assert r.config is not None
    inst = Instance(r.config.instances[0], SRC, 0.0)
    inst.router.start(0.0)
    if old is not None:
        _hear(inst, old)
    text = dumps.data_text(r.config, [inst])
    return [ln.strip() for ln in text.splitlines() if "checksum compatibility" in ln]


def test_the_data_dump_says_which_checksum_as_keepalived() -> None:
    """keepalived's vrrp_data.c dump_vrrp: no / never / config / auto."""
    old = encode(ADVERT, style=ChecksumStyle.V3_OLD_UNICAST, src=PEER, dst=SRC, group=GROUP)
    assert _dump_line() == ["Unicast checksum compatibility = no"]
    assert _dump_line(old=old) == ["Unicast checksum compatibility = auto"]
    assert _dump_line("    old_unicast_checksum never\n") == [
        "Unicast checksum compatibility = never"
    ]
    assert _dump_line("    old_unicast_checksum\n") == ["Unicast checksum compatibility = config"]


def test_config_values() -> None:
    r = loads(_conf("    old_unicast_checksum sometimes\n"), name="k.conf", env={})
    assert r.config is not None
    assert r.config.instances[0].old_unicast_checksum == "auto"
    assert "Unknown old_unicast_checksum mode sometimes - ignoring" in r.format()
    r = loads(_conf("    old_unicast_checksum\n", peers=False), name="k.conf", env={})
    assert r.config is not None and r.config.instances[0].old_unicast_checksum == "always"
    assert "old_unicast_checksum without unicast_peer" in r.format()
    r = loads(_conf("    old_unicast_checksum never\n"), name="k.conf", env={})
    assert r.config is not None and not r.diagnostics, r.format()


def test_inspect_names_the_old_checksum() -> None:
    from pyvrrp.commands.inspect import _checksum_valid

    d = decode(OLD, family=4, check_checksum=False)
    assert _checksum_valid(d, OLD, SRC, PEER) == (True, ChecksumStyle.V3_OLD_UNICAST)
    assert _checksum_valid(d, OLD, SRC, GROUP) == (True, ChecksumStyle.V3_PSEUDO)

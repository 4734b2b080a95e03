"""Interop with a real keepalived (Debian's 2.2.7) as pyvrrp's peer.

Every combination of the matrix (VRRPv2 / v3, IPv4 / IPv6, multicast /
unicast, PASS authentication for v2) runs two pairs side by side, each on its
own bridge: in pair ``hi`` pyvrrp has the higher priority, in pair ``lo``
keepalived does. In each pair the right node wins the election, the other
takes over when the Master goes (pyvrrp is SIGKILLed; keepalived gets SIGTERM
and sends priority 0), and the Master takes the address back when it returns
(preemption). Addresses are checked with the kernel. Neither side may reject a
single advert of the other: keepalived's log has no checksum, length, version,
TTL or authentication complaint, and pyvrrp counts no drops.

The tshark and byte-layout checks compare pyvrrp's adverts with keepalived
2.4.3's captured ones (``tests/data/captures``).
"""

from __future__ import annotations

import json
import re
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Interface, IPv6Address, IPv6Interface
from pathlib import Path

import pytest

from pyvrrp.lab.inject import inject
from pyvrrp.lab.keepalived import (
    KeepalivedNode,
    keepalived_available,
    tshark_available,
    tshark_vrrp,
)
from pyvrrp.lab.netns import Lab
from pyvrrp.lab.nodes import HmacBlock, PyvrrpNode, instance_config, wait_for
from pyvrrp.lab.topology import Node
from pyvrrp.wire import TRAILER_LEN, Advert, encode, pdu_length
from pyvrrp.wire.pcap import read_pcap
from pyvrrp.wire.vrrp import ChecksumStyle, checksum_of

pytestmark = [pytest.mark.lab, pytest.mark.keepalived]

# keepalived 2.4.3 adverts, kept in the repository (tests/data/README.md).
CAPTURES = Path(__file__).resolve().parents[1] / "data" / "captures"
PASSWORD = "secret12"
# keepalived also checks that a unicast advert comes from a configured peer.
KA_GLOBALS = ("vrrp_check_unicast_src",)
HIGH, LOW = 250, 50  # far apart: Master_Down_Intervals differ by 0.78 advert_int


@pytest.fixture
def need_keepalived() -> None:
    reason = keepalived_available()
    if reason:
        pytest.skip(reason)


@dataclass(frozen=True)
class Combo:
    version: int
    family: int
    unicast: bool
    pass_auth: bool = False

    @property
    def id(self) -> str:
        auth = "-pass" if self.pass_auth else ""
        return (
            f"v{self.version}-ipv{self.family}-{'unicast' if self.unicast else 'multicast'}{auth}"
        )

    @property
    def advert_int(self) -> float:
        # keepalived's VRRPv2 minimum is 1 s; v3 takes centiseconds.
        return 1.0 if self.version == 2 else 0.5

    def mdi(self, priority: int) -> float:
        """Master_Down_Interval for ``priority``."""
        adv = self.advert_int
        skew = (256 - priority) / 256 * (1 if self.version == 2 else adv)
        return 3 * adv + skew


COMBOS = [
    Combo(2, 4, False),
    Combo(2, 4, False, pass_auth=True),
    Combo(2, 4, True),
    Combo(2, 4, True, pass_auth=True),
    Combo(3, 4, False),
    Combo(3, 4, True),
    Combo(3, 6, False),
    Combo(3, 6, True),
]


def two_nodes(lab: Lab, switch: str, bridge: str, prefix: str) -> tuple[Node, Node]:
    """Two hosts on their own bridge (``10.0.1.1/2``, ``fd00:1::1/2``)."""
    lab.bridge(switch, bridge)
    nodes = []
    for i in range(2):
        ns = lab.add_ns(f"{prefix}{i}")
        lab.attach(ns, "eth0", switch, bridge)
        v4, v6 = IPv4Interface(f"10.0.1.{i + 1}/24"), IPv6Interface(f"fd00:1::{i + 1}/64")
        lab.addr(ns, "eth0", str(v4))
        lab.addr(ns, "eth0", str(v6))
        nodes.append(Node(f"{prefix}{i}", ns, "eth0", v4, v6))
    return nodes[0], nodes[1]


def config_for(
    combo: Combo, me: Node, peer: Node, priority: int, vip: str, *, keepalived: bool = False
) -> str:
    src = peers = None
    if combo.unicast:
        mine, theirs = (me.ipv4, peer.ipv4) if combo.family == 4 else (me.ipv6, peer.ipv6)
        src, peers = str(mine.ip), [str(theirs.ip)]
        if keepalived:
            peers = [f"{theirs.ip} min_ttl 255"]  # one hop: pyvrrp's unicast TTL must be 255
    return instance_config(
        priority=priority,
        advert_int=combo.advert_int,
        version=combo.version,
        vips=(vip,),
        unicast_src=src,
        peers=peers or (),
        pass_auth=PASSWORD if combo.pass_auth else None,
    )


def wait_all(checks: dict[str, Callable[[], bool]], timeout: float, context: Callable[[], str]):
    """Wait until every named check holds; fail naming the ones that did not."""
    deadline = time.monotonic() + timeout
    pending = dict(checks)
    while pending:
        for name, check in list(pending.items()):
            try:
                if check():
                    del pending[name]
            except (OSError, KeyError):
                pass
        if not pending:
            break
        if time.monotonic() > deadline:
            pytest.fail(f"not within {timeout:.1f}s: {sorted(pending)}\n{context()}")
        time.sleep(0.05)


@dataclass
class Pair:
    name: str
    py: PyvrrpNode
    ka: KeepalivedNode
    vip: str
    py_conf: str
    ka_conf: str

    def py_master(self) -> bool:
        return (
            self.py.state() == "MASTER"
            and self.vip in self.py.addresses()
            and self.ka.state() == "BACKUP"
            and self.vip not in self.ka.addresses()
        )

    def ka_master(self, *, py_running: bool = True) -> bool:
        return (
            self.ka.state() == "MASTER"
            and self.vip in self.ka.addresses()
            and (
                not py_running
                or (self.py.state() == "BACKUP" and self.vip not in self.py.addresses())
            )
        )

    def report(self) -> str:
        py = self.py.status() if self.py.running else "(not running)"
        return (
            f"--- {self.name}: pyvrrp status\n{json.dumps(py, indent=1)[:3000]}\n"
            f"--- pyvrrp log\n{self.py.log()[-3000:]}\n"
            f"--- keepalived log\n{self.ka.log()[-4000:]}\n"
        )


def check_no_rejections(pairs: list[Pair]) -> None:
    for p in pairs:
        assert "Unknown keyword" not in p.ka.log(), p.ka.log()
        bad = p.ka.rejections()
        assert not bad, f"{p.name}: keepalived rejected pyvrrp's adverts:\n" + "\n".join(bad)
        if p.py.running:
            inst = p.py.instance()
            assert not inst["drops"], f"{p.name}: pyvrrp dropped keepalived's adverts: {inst}"


@pytest.mark.parametrize("combo", COMBOS, ids=lambda c: c.id)
def test_election_takeover_and_clean_logs(lab: Lab, need_keepalived: None, combo: Combo) -> None:
    switch = lab.add_ns("sw")
    pairs = []
    for name, py_prio, ka_prio in (("hi", HIGH, LOW), ("lo", LOW, HIGH)):
        py_node, ka_node = two_nodes(lab, switch, f"br-{name}", name)
        vip = "10.0.1.100/24" if combo.family == 4 else "fd00:1::100/64"
        pairs.append(
            Pair(
                name,
                PyvrrpNode(lab, py_node, tag=f"py-{name}"),
                KeepalivedNode(lab, ka_node, tag=f"ka-{name}"),
                vip,
                config_for(combo, py_node, ka_node, py_prio, vip),
                config_for(combo, ka_node, py_node, ka_prio, vip, keepalived=True),
            )
        )
    hi, lo = pairs

    def context() -> str:
        return "\n".join(p.report() for p in pairs)

    # Election: both start as Backup with no Master and the down timers race.
    # The higher-priority side starts first (by a few tens of ms for pyvrrp in
    # `hi`; keepalived in `lo` may be Master before slow-starting pyvrrp is up),
    # so the race cannot be lost to start-up lag, only to a wrong priority.
    lo.ka.start(lo.ka_conf, global_defs=KA_GLOBALS)
    hi.py.start(hi.py_conf, wait=False)
    lo.py.start(lo.py_conf, wait=False)
    hi.py.wait_ready()
    hi.ka.start(hi.ka_conf, global_defs=KA_GLOBALS)
    lo.py.wait_ready()
    slack = 3.0
    wait_all(
        {"hi: pyvrrp Master": hi.py_master, "lo: keepalived Master": lo.ka_master},
        combo.mdi(HIGH) + slack,
        context,
    )
    # Each Backup has heard its Master (and the Master kept its place).
    time.sleep(2 * combo.advert_int)
    assert hi.py_master() and lo.ka_master(), context()
    # The losers never were Master, not even for a moment.
    assert "Entering MASTER" not in hi.ka.log(), context()
    assert lo.py.instance()["transitions"] == 1, context()  # INITIALIZE -> BACKUP
    b = lo.py.instance()
    assert b["adverts_received"] > 0 and b["master"] is not None, context()
    if combo.family == 6:
        assert b["master"].startswith("fe80:") or combo.unicast, b["master"]

    # Takeover: the Master goes, the Backup takes over and the VIP moves.
    hi.py.kill()  # silent: keepalived waits Master_Down_Interval
    t0 = time.monotonic()
    assert lo.ka.stop() == 0  # priority 0: pyvrrp takes over after Skew_Time
    wait_all(
        {
            "hi: keepalived took over": lambda: hi.ka_master(py_running=False),
            "lo: pyvrrp took over": lambda: (
                lo.py.state() == "MASTER" and lo.vip in lo.py.addresses()
            ),
            "lo: keepalived released the VIP": lambda: lo.vip not in lo.ka.addresses(),
        },
        combo.mdi(LOW) + slack,
        context,
    )
    took = time.monotonic() - t0
    assert took < combo.mdi(LOW) + 1.5, f"takeover took {took:.2f}s\n{context()}"
    check_no_rejections(pairs)

    # The old Master comes back with its higher priority and takes over again.
    hi.py.start(hi.py_conf, wait=False)
    lo.ka.start(lo.ka_conf, global_defs=KA_GLOBALS)
    hi.py.wait_ready()
    wait_all(
        {"hi: pyvrrp took back": hi.py_master, "lo: keepalived took back": lo.ka_master},
        combo.mdi(HIGH) + slack,
        context,
    )
    time.sleep(2 * combo.advert_int)
    assert hi.py_master() and lo.ka_master(), context()
    check_no_rejections(pairs)


# -- keepalived's complaints are caught ----------------------------------------


def test_keepalived_log_check_catches_broken_adverts(lab: Lab, need_keepalived: None) -> None:
    """The log check is not vacuous: adverts keepalived must reject (bad
    checksum, wrong version, wrong length (a 28-byte trailer: 2.2.7 has no
    auth_hmac), TTL not 255 on multicast and on unicast with ``min_ttl 255``, a
    wrong PASS, a unicast source that is no peer) make it log lines that
    :meth:`KeepalivedNode.rejections` finds."""
    seg_sw = lab.add_ns("sw")
    sender, peer = two_nodes(lab, seg_sw, "br0", "n")
    ka3 = KeepalivedNode(lab, peer, tag="ka")
    ka3.start(
        instance_config(priority=100, version=3, vips=("10.0.1.100/24",))
        + instance_config(
            name="VI_2",
            vrid=52,
            priority=100,
            version=2,
            vips=("10.0.1.101/24",),
            pass_auth="right",
        )
        + instance_config(
            name="VI_3",
            vrid=53,
            priority=100,
            version=3,
            vips=("10.0.1.102/24",),
            unicast_src=str(peer.ipv4.ip),
            peers=[f"{sender.ipv4.ip} min_ttl 255"],
        ),
        global_defs=KA_GLOBALS,
    )
    src, dst, ucast = sender.ipv4.ip, IPv4Address("224.0.0.18"), peer.ipv4.ip
    v3 = Advert(
        version=3,
        family=4,
        vrid=51,
        priority=10,
        interval_cs=100,
        addresses=(IPv4Address("10.0.1.100"),),
    )
    good = encode(v3, style=ChecksumStyle.V3_PSEUDO, src=src, dst=dst)
    bad_csum = good[:6] + bytes([good[6] ^ 0xFF, good[7]]) + good[8:]
    v2_in_v3 = encode(
        Advert(version=2, family=4, vrid=51, priority=10, interval_cs=100, addresses=v3.addresses),
        style=ChecksumStyle.MESSAGE,
    )
    signed = encode(
        v3, style=ChecksumStyle.V3_PSEUDO, src=src, dst=dst, trailer=bytes([1, 1]) + bytes(26)
    )
    wrong_pass = encode(
        Advert(
            version=2,
            family=4,
            vrid=52,
            priority=10,
            interval_cs=100,
            addresses=(IPv4Address("10.0.1.101"),),
            auth_type=1,
            auth_data=b"wrong\0\0\0",
        ),
        style=ChecksumStyle.MESSAGE,
    )
    uni = Advert(
        version=3,
        family=4,
        vrid=53,
        priority=10,
        interval_cs=100,
        addresses=(IPv4Address("10.0.1.102"),),
    )
    stranger = IPv4Address("10.0.1.9")
    expected = {
        "checksum": (bad_csum, src, dst, 255, r"Invalid VRRPv3 checksum"),
        "version": (v2_in_v3, src, dst, 255, r"wrong version"),
        "length": (signed, src, dst, 255, r"vrrp packet too long"),
        "ttl": (good, src, dst, 64, r"invalid TTL/HL"),
        "password": (wrong_pass, src, dst, 255, r"invalid passwd"),
        "unicast ttl": (
            encode(uni, style=ChecksumStyle.V3_PSEUDO, src=src, dst=ucast),
            src,
            ucast,
            64,
            r"TTL/HL 64 not in range",
        ),
        "unicast source": (
            encode(uni, style=ChecksumStyle.V3_PSEUDO, src=stranger, dst=ucast),
            stranger,
            ucast,
            255,
            r"not a unicast peer",
        ),
    }
    for payload, s_addr, d_addr, ttl, _ in expected.values():
        lab.call(sender.ns, inject, payload, s_addr, d_addr, ttl, ifname="eth0")
    missing: dict[str, str] = {}

    def all_seen() -> bool:
        lines = "\n".join(ka3.rejections())
        missing.clear()
        missing.update({k: v[4] for k, v in expected.items() if not re.search(v[4], lines)})
        return not missing

    try:
        wait_for(all_seen, 5)
    except TimeoutError:
        pytest.fail(f"keepalived did not log (or the check missed) {missing}:\n{ka3.log()}")
    # A well-formed advert from a lower-priority peer is not a complaint.
    before = len(ka3.rejections())
    lab.call(sender.ns, inject, good, src, dst, 255, ifname="eth0")
    time.sleep(0.3)
    assert len(ka3.rejections()) == before, ka3.rejections()[before:]


# -- tshark and byte layout against keepalived 2.4.3's captures -----------------

HMAC_KEY = "hex:" + bytes(range(32)).hex()
CAPTURE_MACS = {"s3": "26:48:92:da:88:7c"}  # the v3 IPv6 capture's sender (link-local source)
VIP4, VIP6 = "10.77.9.100/32", "fd77:9::100/64"


def capture_node(lab: Lab, switch: str, name: str) -> Node:
    """A host alone on its link (no peer: its adverts are the only ones), with
    the captures' addresses (10.77.1.1, fd77:1::1) and, if given, their MAC."""
    ns = lab.add_ns(name)
    lab.veth(ns, "eth0", switch, f"{name}-p", up=False)
    if name in CAPTURE_MACS:
        lab.run(ns, ["ip", "link", "set", "eth0", "address", CAPTURE_MACS[name]])
    lab.set_link(ns, "eth0", True)
    lab.set_link(switch, f"{name}-p", True)
    v4, v6 = IPv4Interface("10.77.1.1/24"), IPv6Interface("fd77:1::1/64")
    lab.addr(ns, "eth0", str(v4))
    lab.addr(ns, "eth0", str(v6))
    return Node(name, ns, "eth0", v4, v6)


def ip_packets(pcap: Path, family: int) -> list[bytes]:
    return [f.ip_packet for f in read_pcap(pcap.read_bytes()) if f.family == family]


def vrrp_payload(ip: bytes) -> tuple[bytes, bytes]:
    """(IP header, VRRP payload) of an IP packet (no extension headers)."""
    if ip[0] >> 4 == 4:
        ihl = (ip[0] & 0x0F) * 4
        total = int.from_bytes(ip[2:4], "big")
        return ip[:ihl], ip[ihl:total]
    plen = int.from_bytes(ip[4:6], "big")
    return ip[:40], ip[40 : 40 + plen]


def ip_layout(hdr: bytes) -> dict[str, object]:
    """The IP header fields that must match (not id, header checksum, flow label)."""
    if hdr[0] >> 4 == 4:
        return {
            "version/ihl": hdr[0],
            "tos": hdr[1],
            "total_length": hdr[2:4].hex(),
            "flags/fragment": hdr[6:8].hex(),
            "ttl": hdr[8],
            "protocol": hdr[9],
            "src": hdr[12:16].hex(),
            "dst": hdr[16:20].hex(),
        }
    first = int.from_bytes(hdr[0:4], "big")
    return {
        "version": first >> 28,
        "traffic_class": (first >> 20) & 0xFF,
        "payload_length": hdr[4:6].hex(),
        "next_header": hdr[6],
        "hop_limit": hdr[7],
        "src": hdr[8:24].hex(),
        "dst": hdr[24:40].hex(),
    }


def vrrp_layout(payload: bytes, pdu_len: int) -> dict[str, object]:
    """VRRP fields that must match: all but the checksum and, in the trailer,
    the sequence (sec, subsec, ctr) and the tag."""
    out: dict[str, object] = {
        "length": len(payload),
        "header": payload[:6].hex(),
        "body": payload[8:pdu_len].hex(),  # addresses (+ v2 auth data)
    }
    if len(payload) > pdu_len:
        out["trailer_head"] = payload[pdu_len : pdu_len + 4].hex()  # ext_type, key_id, reserved
        out["trailer_length"] = len(payload) - pdu_len
    return out


def comparable(row: dict[str, str]) -> dict[str, str]:
    """tshark's dissection without what differs by design (checksum value and
    the "should be 0x...." in its expert message, the flow label)."""
    out = {k: v for k, v in row.items() if k != "vrrp.checksum"}
    out["_ws.expert.message"] = re.sub(r"0x[0-9a-f]{4}", "0x....", row["_ws.expert.message"])
    return out


@pytest.fixture(scope="module")
def pyvrrp_captures(
    lab_ok: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Path]]:
    """pcaps of pyvrrp's adverts, one per node: unsigned ``p`` (v3 IPv4 and
    IPv6 VRID 51, v2 VRID 52, v2 PASS VRID 53), signed ``s3`` (v3 IPv4 and IPv6
    VRID 51, key 1 = 00..1f as in the captures) and ``s2`` (v2 VRID 51)."""
    if reason := tshark_available():
        pytest.skip(reason)
    keep = tmp_path_factory.mktemp("pyvrrp-adverts")
    with Lab() as lab:
        pcaps = capture_adverts(lab)
        # Keep the pcaps past the lab's teardown (its tmpdir goes with it).
        yield {name: Path(shutil.copy(p, keep / f"{name}.pcap")) for name, p in pcaps.items()}


def capture_adverts(lab: Lab) -> dict[str, Path]:
    switch = lab.add_ns("sw")
    hmac = HmacBlock({1: HMAC_KEY})

    def inst(name: str, version: int, vip: str, vrid: int = 51, **kw: object) -> str:
        return instance_config(
            name=name,
            state="MASTER",
            vrid=vrid,
            priority=200,
            advert_int=1,
            version=version,
            vips=(vip,),
            **kw,  # type: ignore[arg-type]
        )

    configs = {
        "p": inst("V3_4", 3, VIP4)
        + inst("V3_6", 3, VIP6)
        + inst("V2", 2, "10.77.9.101/32", vrid=52)
        + inst("V2_PASS", 2, "10.77.9.102/32", vrid=53, pass_auth=PASSWORD),
        "s3": inst("V3_4", 3, VIP4, hmac=hmac) + inst("V3_6", 3, VIP6, hmac=hmac),
        "s2": inst("V2", 2, VIP4, hmac=hmac),
    }
    nodes, caps = [], {}
    for name, conf in configs.items():
        node = capture_node(lab, switch, name)
        caps[name] = lab.capture(node.ns, "eth0", "ip proto 112 or ip6 proto 112")
        nodes.append((PyvrrpNode(lab, node, tag=name), conf))
    for py, conf in nodes:
        py.start(conf, wait=False)
    for py, _ in nodes:
        py.wait_ready()
    # state MASTER: adverts at once; wait for three of each instance.
    wait_for(
        lambda: all(i["adverts_sent"] >= 3 for py, _ in nodes for i in py.status()["instances"]), 10
    )
    return {name: cap.stop() for name, cap in caps.items()}


def rows_by(pcap: Path) -> dict[tuple[str, str], list[dict[str, str]]]:
    out: dict[tuple[str, str], list[dict[str, str]]] = {}
    for row in tshark_vrrp(pcap):
        out.setdefault((row["ip.version"], row["vrrp.virt_rtr_id"]), []).append(row)
    return out


def test_tshark_dissects_unsigned_adverts_cleanly(pyvrrp_captures: dict[str, Path]) -> None:
    rows = rows_by(pyvrrp_captures["p"])
    cases = {
        ("4", "51"): ("3", "10.77.9.100"),
        ("6", "51"): ("3", "fd77:9::100"),
        ("4", "52"): ("2", "10.77.9.101"),
        ("4", "53"): ("2", "10.77.9.102"),
    }
    for key, (version, address) in cases.items():
        assert rows.get(key), f"no adverts for {key}: {sorted(rows)}"
        for row in rows[key]:
            assert row["vrrp.version"] == version and row["vrrp.type"] == "1", row
            assert row["vrrp.prio"] == "200" and row["vrrp.addr_count"] == "1", row
            assert address in (row["vrrp.ip_addr"], row["vrrp.ipv6_addr"]), row
            assert row["vrrp.checksum.status"] == "1", f"checksum not good: {row}"  # 1 = Good
            assert not row["_ws.expert.message"] and not row["_ws.malformed"], row
            if version == "3":
                assert row["vrrp.short_adver_int"] == "100", row
            else:
                assert row["vrrp.adver_int"] == "1", row
    assert all(r["vrrp.auth_type"] == "1" for r in rows[("4", "53")])
    assert all(r["vrrp.auth_string"] == PASSWORD for r in rows[("4", "53")])
    # keepalived 2.4.3's unsigned adverts dissect the same way.
    ka = comparable(tshark_vrrp(CAPTURES / "v3-ipv4-multicast-plain.pcap")[0])
    assert comparable(rows[("4", "51")][0]) == ka


SIGNED = [
    # (our node, IP version, keepalived 2.4.3 capture)
    ("s3", 4, "v3-ipv4-multicast-hmac.pcap"),
    ("s3", 6, "v3-ipv6-multicast-hmac.pcap"),
    ("s2", 4, "v2-ipv4-multicast-hmac.pcap"),
]


def test_tshark_flags_signed_adverts_as_it_does_keepalived_243s(
    pyvrrp_captures: dict[str, Path],
) -> None:
    """tshark counts the 28-byte trailer as VRRP message: on IPv4 it flags the
    checksum (which covers the PDU only) of pyvrrp's signed adverts exactly as of
    keepalived 2.4.3's; on IPv6 the kernel's checksum covers the trailer, so
    both are good. Every other dissected field is the same too."""
    for node, family, capture in SIGNED:
        ours = rows_by(pyvrrp_captures[node])[(str(family), "51")]
        theirs = tshark_vrrp(CAPTURES / capture)
        assert ours and theirs
        want = comparable(theirs[0])
        for row in ours:
            assert comparable(row) == want, f"{capture}:\n ours   {row}\n theirs {theirs[0]}"
        expect_status = "0" if family == 4 else "1"  # 0 = Bad, 1 = Good
        assert {r["vrrp.checksum.status"] for r in ours + theirs} == {expect_status}


def test_signed_advert_layout_matches_keepalived_243(pyvrrp_captures: dict[str, Path]) -> None:
    """Same key, same config: pyvrrp's signed advert is byte for byte keepalived
    2.4.3's but for the sequence, the tag and the checksums (IP id and the IPv6
    flow label are the kernel's). Both checksums follow the same rule: IPv4 over
    the PDU only (v3 with the pseudo-header, the trailer not counted in its
    length), IPv6 over the whole payload."""
    for node, family, capture in SIGNED:
        frames = ip_packets(pyvrrp_captures[node], family)
        assert frames, f"no IPv{family} frames from {node}"
        ka_hdr, ka_payload = vrrp_payload(ip_packets(CAPTURES / capture, family)[0])
        version = ka_payload[0] >> 4
        pdu_len = pdu_length(version, family, ka_payload[3])
        assert len(ka_payload) == pdu_len + TRAILER_LEN
        for frame in frames:
            hdr, payload = vrrp_payload(frame)
            assert ip_layout(hdr) == ip_layout(ka_hdr), capture
            assert vrrp_layout(payload, pdu_len) == vrrp_layout(ka_payload, pdu_len), capture
            for h, p in ((hdr, payload), (ka_hdr, ka_payload)):
                assert checksum_ok(h, p, version, family, pdu_len), (capture, p.hex())
        # Our trailer carries the clock: a sequence from now, not a copy.
        sec = int.from_bytes(vrrp_payload(frames[0])[1][pdu_len + 4 : pdu_len + 8], "big")
        assert abs(sec - time.time()) < 60


def checksum_ok(hdr: bytes, payload: bytes, version: int, family: int, pdu_len: int) -> bool:
    buf = bytearray(payload)
    buf[6:8] = b"\0\0"
    if family == 4:
        src, dst = IPv4Address(hdr[12:16]), IPv4Address(hdr[16:20])
        style = ChecksumStyle.V3_PSEUDO if version == 3 else ChecksumStyle.MESSAGE
    else:
        src, dst = IPv6Address(hdr[8:24]), IPv6Address(hdr[24:40])
        style = ChecksumStyle.IPV6
    want = checksum_of(
        buf, version=version, family=family, pdu_len=pdu_len, style=style, src=src, dst=dst
    )
    return want == int.from_bytes(payload[6:8], "big")

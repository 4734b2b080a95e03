"""Shared helpers for the routed-unicast lab tests (attacks and procedures).

The topology is seed 000's: two VRRP peers on different subnets, joined by a
router that forwards and decrements the TTL, adverts sent as unicast from
``unicast_src_ip`` to ``unicast_peer``, and an attacker on a third subnet routed
to both (the router has ``rp_filter`` off, so spoofed sources get through).
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from ipaddress import IPv4Address
from typing import Any

from pyvrrp.auth.hmac_auth import HmacAuth, HmacSettings
from pyvrrp.auth.keys import Secret
from pyvrrp.lab.netns import Lab
from pyvrrp.lab.nodes import HmacBlock, PyvrrpNode, instance_config, wait_for
from pyvrrp.lab.topology import Routed, routed_pair
from pyvrrp.wire import Advert, encode, encode_pdu

K1 = "hex:" + "11" * 32
K2 = "hex:" + "22" * 32
ADV = 0.5  # seconds: quick tests, still far from a loaded CI's jitter


def mdi(priority: int, adv: float = ADV) -> float:
    """VRRPv3 Master_Down_Interval (RFC 9568 §6.1)."""
    return float(3 * Fraction(adv) + (256 - priority) * Fraction(adv) / 256)


@dataclass(frozen=True)
class Inst:
    """One ``vrrp_instance`` on both peers: its VRID, each peer's priority, its VIP."""

    name: str
    vrid: int
    prios: tuple[int, int]
    vip: str

    @property
    def vip_host(self) -> str:
        return self.vip.split("/")[0]


VI_1 = Inst("VI_1", 51, (200, 100), "10.0.51.100/32")
#: With VI_2, p2 is Master too (active/active): both peers send adverts.
VI_2 = Inst("VI_2", 52, (100, 250), "10.0.52.100/32")
ACTIVE_ACTIVE = (VI_1, VI_2)


@dataclass
class Pair:
    """Two routed unicast peers (p1 on 10.0.1.2, p2 on 10.0.2.2) and an attacker."""

    lab: Lab
    topo: Routed
    nodes: list[PyvrrpNode]
    insts: list[Inst]
    hmac: list[HmacBlock | None] = field(default_factory=list)

    @property
    def attacker_ns(self) -> str:
        assert self.topo.attacker is not None
        return self.topo.attacker.ns

    def ip(self, i: int) -> IPv4Address:
        return self.topo.peers[i].ipv4.ip

    def config(self, i: int, hmac: HmacBlock | None, prios: dict[str, int] | None = None) -> str:
        """Peer ``i``'s whole configuration (every instance, same auth block)."""
        me, other = self.ip(i), self.ip(1 - i)
        return "".join(
            instance_config(
                name=inst.name,
                vrid=inst.vrid,
                priority=(prios or {}).get(inst.name, inst.prios[i]),
                advert_int=ADV,
                vips=(inst.vip,),
                unicast_src=str(me),
                peers=(str(other),),
                hmac=hmac,
            )
            for inst in self.insts
        )

    def reload(self, i: int, hmac: HmacBlock | None, prios: dict[str, int] | None = None) -> None:
        self.hmac[i] = hmac
        self.nodes[i].reload(self.config(i, hmac, prios))

    # -- observing ---------------------------------------------------------

    def snapshot(self) -> dict[tuple[int, str], dict[str, Any]]:
        """Every instance's status on both peers, keyed by (peer, instance)."""
        out = {}
        for i, n in enumerate(self.nodes):
            for st in n.status()["instances"]:
                out[(i, st["name"])] = st
        return out

    def transitions(self) -> dict[tuple[int, str], int]:
        return {k: v["transitions"] for k, v in self.snapshot().items()}

    def master_of(self, inst: Inst) -> int | None:
        """The peer holding ``inst``'s VIP per the kernel, if exactly one does."""
        holders = [i for i, n in enumerate(self.nodes) if inst.vip in n.addresses()]
        return holders[0] if len(holders) == 1 else None

    def settled(self, inst: Inst, master: int) -> bool:
        """``master`` is MASTER and holds the VIP, the other is BACKUP without
        it and has heard the Master."""
        m, b = self.nodes[master], self.nodes[1 - master]
        bst = b.instance(inst.name)
        return (
            m.state(inst.name) == "MASTER"
            and bst["state"] == "BACKUP"
            and bst["adverts_received"] > 0
            and self.master_of(inst) == master
        )

    def wait_settled(self, inst: Inst, master: int, timeout: float | None = None) -> None:
        wait_for(lambda: self.settled(inst, master), timeout or mdi(100) + 3)


def start_pair(
    lab: Lab,
    hmac: HmacBlock | None,
    insts: Sequence[Inst] = (VI_1,),
    *,
    settle: bool = True,
) -> Pair:
    """The seed's routed pair with pyvrrp on both peers; with ``settle``, wait
    until every instance's highest priority peer is Master (kernel-checked)."""
    topo = routed_pair(lab, 2, attacker=True)
    nodes = [PyvrrpNode(lab, node) for node in topo.peers]
    pair = Pair(lab, topo, nodes, list(insts), [hmac, hmac])
    for i, n in enumerate(nodes):
        n.start(pair.config(i, hmac), wait=False)
    for n in nodes:
        n.wait_ready()
    if settle:
        for inst in insts:
            pair.wait_settled(inst, 0 if inst.prios[0] > inst.prios[1] else 1)
    return pair


# -- packets -----------------------------------------------------------------


def vrrp_packets(frames: Sequence[bytes]) -> Iterator[tuple[IPv4Address, IPv4Address, bytes]]:
    """(source, destination, VRRP payload) of each IPv4 protocol-112 Ethernet frame."""
    for f in frames:
        if len(f) < 34 or f[12:14] != b"\x08\x00":
            continue
        ip = f[14:]
        ihl, total = (ip[0] & 0x0F) * 4, int.from_bytes(ip[2:4], "big")
        if ip[9] != 112:
            continue
        yield IPv4Address(ip[12:16]), IPv4Address(ip[16:20]), bytes(ip[ihl:total])


def forged_auth(key_id: int = 1, vrid: int = 51) -> HmacAuth:
    """An HmacAuth with a key nobody in the lab has (the attacker's guess)."""
    settings = HmacSettings(keys={key_id: Secret(b"\xa5" * 32)}, active_key=key_id)
    return HmacAuth(settings, family=4, version=3, vrid=vrid)


def forge(
    *,
    vrid: int,
    priority: int,
    src: IPv4Address,
    dst: IPv4Address,
    vip: str,
    signer: HmacAuth | None = None,
) -> bytes:
    """A VRRPv3 advert as the attacker builds it (checksum with the IPv4
    pseudo-header, as pyvrrp and keepalived send), signed by ``signer`` if given."""
    advert = Advert(3, 4, vrid, priority, int(ADV * 100), (IPv4Address(vip.split("/")[0]),))
    trailer = None
    if signer is not None:
        trailer = signer.sign(bytes(encode_pdu(advert)), src, time.time_ns())
    return encode(advert, src=src, dst=dst, trailer=trailer)


def auth_delta(before: dict[str, Any], after: dict[str, Any]) -> dict[str, int]:
    """Outcome counters that moved between two instance statuses (ok excluded)."""
    return {
        k: after["auth"][k] - before["auth"].get(k, 0)
        for k in after["auth"]
        if k != "ok" and after["auth"][k] != before["auth"].get(k, 0)
    }

"""``pyvrrp demo``: the attack of the seed, blocked, in a lab built for the occasion.

Three pyvrrp nodes on three subnets joined by a router (routed unicast, as in a
cloud without multicast), an attacker on a fourth subnet, auth_hmac on. Then
an unauthenticated twin of the same lab, where the same attack succeeds.
Everything lives in network namespaces created here and removed at the end,
even on Ctrl-C; only the lab's own addresses are ever used.
"""

from __future__ import annotations

import secrets
import sys
import time
from collections.abc import Callable
from ipaddress import ip_address
from typing import Any

from pyvrrp.lab.inject import inject
from pyvrrp.lab.netns import Lab, lab_available
from pyvrrp.lab.nodes import HmacBlock, PyvrrpNode, instance_config, wait_for
from pyvrrp.lab.topology import Routed, routed_pair
from pyvrrp.wire import Advert, encode
from pyvrrp.wire.vrrp import ChecksumStyle

ADV = 0.5
VIP = "10.0.200.100/32"
PRIOS = (150, 100, 50)


def _mdi(priority: int) -> float:
    return 3 * ADV + (256 - priority) * ADV / 256


class Demo:
    def __init__(self, out: Callable[[str], None] = print) -> None:
        self.out = out
        self.t0 = time.monotonic()
        # Fresh random keys for this run: the demo never shows them.
        self.k1 = "hex:" + secrets.token_hex(32)
        self.k2 = "hex:" + secrets.token_hex(32)

    def say(self, text: str) -> None:
        self.out(f"[{time.monotonic() - self.t0:6.2f}s] {text}")

    def step(self, title: str) -> None:
        self.out("")
        self.out(f"== {title}")

    # -- lab ----------------------------------------------------------------------

    def config(self, net: Routed, i: int, hmac: HmacBlock | None) -> str:
        me = net.peers[i]
        others = [str(p.ipv4.ip) for p in net.peers if p is not me]
        return instance_config(
            priority=PRIOS[i],
            advert_int=ADV,
            unicast_src=str(me.ipv4.ip),
            peers=others,
            hmac=hmac,
            vips=(VIP,),
        )

    def start(self, lab: Lab, hmac: HmacBlock | None) -> tuple[Routed, list[PyvrrpNode]]:
        net = routed_pair(lab, 3, attacker=True)
        nodes = [PyvrrpNode(lab, p) for p in net.peers]
        for i, n in enumerate(nodes):
            n.start(self.config(net, i, hmac), wait=False)
        for n in nodes:
            n.wait_ready()
        return net, nodes

    def masters(self, nodes: list[PyvrrpNode]) -> list[str]:
        return [n.tag for n in nodes if n.running and n.state() == "MASTER"]

    def show(self, nodes: list[PyvrrpNode]) -> None:
        for n in nodes:
            if not n.running:
                self.say(f"  {n.tag} ({n.node.ipv4.ip}): stopped")
                continue
            i = n.instance()
            held = "holds " + VIP if VIP in n.addresses() else "no VIP"
            auth = i["auth"]
            rejected = {k: v for k, v in auth.items() if k != "ok" and v}
            self.say(
                f"  {n.tag} ({n.node.ipv4.ip}): {i['state']:7s} prio {i['priority']:3d}  {held:22s}"
                f" transitions {i['transitions']}  auth ok {auth['ok']}"
                + (f"  rejected {rejected}" if rejected else "")
            )

    def spoof(
        self, lab: Lab, net: Routed, victim: int, claimed: int, priority: int, count: int = 5
    ):
        """The attacker, off-segment, sends adverts claiming to be peer ``claimed``."""
        assert net.attacker is not None
        src = net.peers[claimed].ipv4.ip
        dst = net.peers[victim].ipv4.ip
        advert = Advert(3, 4, 51, priority, int(ADV * 100), (ip_address(VIP.split("/")[0]),))
        payload = encode(advert, style=ChecksumStyle.V3_PSEUDO, src=src, dst=dst)
        for _ in range(count):
            lab.call(net.attacker.ns, inject, payload, src, dst, 255)
            time.sleep(ADV / 2)

    # -- the story ------------------------------------------------------------------

    def run(self) -> int:
        why = lab_available()
        if why is not None:
            self.out(f"pyvrrp demo needs root and network namespaces: {why}")
            return 1
        self.out("pyvrrp demo: VRRP over routed unicast, the spoofing attack, and auth_hmac.")
        self.out("Three nodes p1 p2 p3 on 10.0.1-3.0/24 behind a router; an attacker on")
        self.out(f"10.0.99.0/24. Virtual address {VIP}, advert_int {ADV}s, VRRPv3.")
        with Lab() as lab:
            ok = self.authenticated(lab)
        with Lab() as lab:
            ok = self.twin(lab) and ok
        self.out("")
        self.out("Lab removed. " + ("Demo complete." if ok else "Something did not go as told."))
        return 0 if ok else 1

    def authenticated(self, lab: Lab) -> bool:
        hmac = HmacBlock({1: self.k1}, 1)
        self.step("1. Election, auth_hmac in enforce mode on every node")
        net, nodes = self.start(lab, hmac)
        wait_for(lambda: self.masters(nodes) == ["p1"], _mdi(PRIOS[1]) + 3)
        self.say("p1 (priority 150) is Master; its adverts reach p2 and p3 signed:")
        time.sleep(3 * ADV)
        self.show(nodes)
        before = [n.instance()["transitions"] for n in nodes]

        self.step("2. The attack: spoofed adverts from the attacker, claiming to be p2")
        self.say("attacker -> p1: priority 255 'from 10.0.2.2' (unsigned), 5 times")
        self.spoof(lab, net, victim=0, claimed=1, priority=255)
        self.say("attacker -> p3: priority 0 'from 10.0.1.2' (forcing an election), 5 times")
        self.spoof(lab, net, victim=2, claimed=0, priority=0)
        time.sleep(_mdi(PRIOS[2]))
        self.show(nodes)
        after = [n.instance()["transitions"] for n in nodes]
        blocked = before == after and self.masters(nodes) == ["p1"]
        missing = nodes[0].instance()["auth"]["missing"] + nodes[2].instance()["auth"]["missing"]
        self.say(
            ("blocked: no transition, the VIP stayed on p1; " if blocked else "NOT blocked; ")
            + f"{missing} spoofed adverts counted as 'missing' (no valid trailer)"
        )

        self.step("3. The Master dies (SIGKILL); p2 takes over")
        t = time.monotonic()
        nodes[0].kill()
        wait_for(lambda: self.masters(nodes[1:]) == ["p2"], _mdi(PRIOS[1]) + 3)
        took = time.monotonic() - t
        self.say(
            f"p2 is Master {took:.2f}s after the kill (Master_Down_Interval for priority "
            f"100 is {_mdi(PRIOS[1]):.2f}s, counted from p1's last advert; polled from here)"
        )
        wait_for(lambda: VIP in nodes[1].addresses(), 2)
        self.show(nodes)

        self.step("4. Key rotation with no transition: add key 2, move active_key, drop key 1")
        before = [n.instance()["transitions"] for n in nodes[1:]]
        for block, what in (
            (HmacBlock({1: self.k1, 2: self.k2}, 1), "add key 2"),
            (HmacBlock({1: self.k1, 2: self.k2}, 2), "active_key 2"),
            (HmacBlock({2: self.k2}, 2), "drop key 1"),
        ):
            for n in nodes[1:]:
                idx = nodes.index(n)
                cfg = self.config(net, idx, block)
                n.reload(cfg)
            self.say(f"reloaded p2 and p3: {what}")
            time.sleep(2 * ADV)
        after = [n.instance()["transitions"] for n in nodes[1:]]
        p3 = nodes[2].instance()
        rejected = sum(v for k, v in p3["auth"].items() if k not in ("ok", "missing"))
        rotated = (
            before == after and p3["peers"] and any(p["last_key_id"] == 2 for p in p3["peers"])
        )
        self.say(
            f"transitions unchanged: {before == after}; p3 now verifies key id 2; "
            f"rejected signed adverts during the rotation: {rejected}"
        )
        self.show(nodes[1:])
        return bool(blocked and rotated and rejected == 0)

    def twin(self, lab: Lab) -> bool:
        self.step("5. The same attack against an unauthenticated twin of the lab")
        net, nodes = self.start(lab, None)
        wait_for(lambda: self.masters(nodes) == ["p1"], _mdi(PRIOS[1]) + 3)
        self.say("p1 is Master, no auth_hmac anywhere:")
        self.show(nodes)
        self.say("attacker -> p1: priority 255 'from 10.0.2.2', 5 times")
        self.spoof(lab, net, victim=0, claimed=1, priority=255)
        demoted = nodes[0].instance()["transitions"] > 2
        holders = [n.tag for n in nodes if VIP in n.addresses()]
        self.show(nodes)
        self.say(
            "the spoofed adverts demoted p1: the attack works without auth; "
            + (f"the VIP is on {', '.join(holders)}" if holders else "nobody holds the VIP now")
            if demoted
            else "p1 was not demoted (unexpected)"
        )
        return demoted


def main(argv: list[str] | None = None, out: Any = print) -> int:
    try:
        return Demo(out).run()
    except KeyboardInterrupt:
        out("interrupted: lab removed")
        return 130


if __name__ == "__main__":
    sys.exit(main())

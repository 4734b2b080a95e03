"""Ready-made lab topologies: one L2 segment, or peers on routed subnets.

Addresses are fixed (each lab has its own namespaces, so labs never clash):
segment ``10.0.1.0/24`` / ``fd00:1::/64``; routed subnet *i* ``10.0.<i>.0/24`` /
``fd00:<i>::/64`` with the router at ``.1`` / ``::1``; the attacker on
``10.0.99.0/24`` / ``fd00:99::/64``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Interface, IPv6Address, IPv6Interface

from pyvrrp.lab.netns import Lab

ATTACKER_SUBNET = 99


@dataclass(frozen=True)
class Node:
    """One host: its namespace, its interface and the addresses on it."""

    name: str
    ns: str
    ifname: str
    ipv4: IPv4Interface
    ipv6: IPv6Interface
    gateway4: IPv4Address | None = None
    gateway6: IPv6Address | None = None


@dataclass(frozen=True)
class Segment:
    """Nodes on one bridge; the bridge lives in namespace ``switch``."""

    switch: str
    bridge: str
    nodes: tuple[Node, ...]


@dataclass(frozen=True)
class Routed:
    """Peers each on their own subnet behind ``router``, and an attacker subnet."""

    router: str
    peers: tuple[Node, ...]
    attacker: Node | None
    router_ifaces: dict[str, str] = field(default_factory=dict)  # node name -> router ifname


def one_segment(lab: Lab, n_nodes: int = 2, *, names: list[str] | None = None) -> Segment:
    """``n_nodes`` hosts (``n0``, ``n1``, ...) on one bridge, each with ``eth0``
    holding ``10.0.1.<i+1>/24`` and ``fd00:1::<i+1>/64`` (multicast VRRP)."""
    names = names or [f"n{i}" for i in range(n_nodes)]
    switch = lab.add_ns("sw")
    lab.bridge(switch, "br0")
    nodes = []
    for i, name in enumerate(names):
        ns = lab.add_ns(name)
        lab.attach(ns, "eth0", switch, "br0")
        v4 = IPv4Interface(f"10.0.1.{i + 1}/24")
        v6 = IPv6Interface(f"fd00:1::{i + 1:x}/64")
        lab.addr(ns, "eth0", str(v4))
        lab.addr(ns, "eth0", str(v6))
        nodes.append(Node(name, ns, "eth0", v4, v6))
    return Segment(switch, "br0", tuple(nodes))


def _routed_node(lab: Lab, router: str, name: str, subnet: int) -> tuple[Node, str]:
    ns = lab.add_ns(name)
    r_if = f"r{subnet}"
    lab.veth(ns, "eth0", router, r_if)
    gw4, gw6 = IPv4Address(f"10.0.{subnet}.1"), IPv6Address(f"fd00:{subnet:x}::1")
    lab.addr(router, r_if, f"{gw4}/24")
    lab.addr(router, r_if, f"{gw6}/64")
    v4 = IPv4Interface(f"10.0.{subnet}.2/24")
    v6 = IPv6Interface(f"fd00:{subnet:x}::2/64")
    lab.addr(ns, "eth0", str(v4))
    lab.addr(ns, "eth0", str(v6))
    lab.route(ns, "default", via=str(gw4))
    lab.route(ns, "::/0", via=str(gw6))
    return Node(name, ns, "eth0", v4, v6, gw4, gw6), r_if


def routed_pair(lab: Lab, n_peers: int = 2, *, attacker: bool = True) -> Routed:
    """``n_peers`` VRRP peers (``p1``, ``p2``, ...) on subnets 1..n joined by a
    router namespace that forwards IPv4 and IPv6 (decrementing TTL) with
    ``rp_filter`` off, plus an ``attacker`` on subnet 99 behind the same router."""
    router = lab.add_ns("router", router=True)
    peers, ifaces = [], {}
    for i in range(1, n_peers + 1):
        node, r_if = _routed_node(lab, router, f"p{i}", i)
        peers.append(node)
        ifaces[node.name] = r_if
    att = None
    if attacker:
        att, r_if = _routed_node(lab, router, "attacker", ATTACKER_SUBNET)
        ifaces[att.name] = r_if
    # rp_filter takes the max of "all" and the interface's own value.
    lab.sysctl(router, {f"net.ipv4.conf.{r}.rp_filter": "0" for r in ifaces.values()})
    return Routed(router, tuple(peers), att, ifaces)

"""The items of an instance's ``virtual_ipaddress`` (and ``_excluded``),
``virtual_routes`` and ``unicast_peer`` blocks: one line, one address."""

from __future__ import annotations

import ipaddress
from typing import Any

from pyvrrp.config.lexer import Node
from pyvrrp.config.model import UnicastPeer, VirtualAddress, VirtualRoute

from .common import Ctx, short


def vip(ctx: Ctx, node: Node) -> VirtualAddress:
    words = [node.keyword, *node.arg_texts]
    addr_text = words[0]
    try:
        if "/" in addr_text:
            address: Any = ipaddress.ip_interface(addr_text)
        else:
            plain = ipaddress.ip_address(addr_text)
            address = ipaddress.ip_interface(f"{plain}/{plain.max_prefixlen}")
    except ValueError:
        raise ctx.fail(node, f"'{short(addr_text)}' is not a virtual IP address") from None
    opts: dict[str, Any] = {}
    i = 1
    while i < len(words):
        w = words[i]
        if w in ("dev", "label", "scope", "brd", "broadcast"):
            if i + 1 >= len(words):
                raise ctx.fail(node, f"virtual address {address}: '{w}' needs a value")
            value = words[i + 1]
            if w in ("brd", "broadcast"):
                if value in ("+", "-"):
                    opts["brd"] = None
                else:
                    opts["brd"] = ctx.ip(node, value, "brd")
            else:
                opts[w] = value
            i += 2
        elif w in ("no_track", "use_vmac"):
            opts[w] = True
            i += 1
        elif w in ("home", "-nodad", "nodad", "noprefixroute", "autojoin"):
            ctx.warning(
                node, f"virtual address {address}: option '{w}' is not implemented; ignored"
            )
            i += 1
        elif w == "track_group":
            ctx.warning(node, f"virtual address {address}: track_group is not implemented; ignored")
            i += 2
        else:
            raise ctx.fail(node, f"virtual address {address}: unknown option '{short(w)}'")
    return VirtualAddress(address=address, file=node.file, line=node.line, **opts)


_ROUTE_TYPES = frozenset(
    {"blackhole", "unreachable", "prohibit", "throw", "unicast", "local", "broadcast", "nat"}
)
#: route metrics with a plain number, and whether ``lock`` may precede it
_METRICS = {
    "mtu": ("RTAX_MTU", True),
    "hoplimit": ("RTAX_HOPLIMIT", True),
    "advmss": ("RTAX_ADVMSS", True),
    "reordering": ("RTAX_REORDERING", True),
    "window": ("RTAX_WINDOW", False),
    "cwnd": ("RTAX_CWND", True),
    "ssthresh": ("RTAX_SSTHRESH", True),
    "initcwnd": ("RTAX_INITCWND", True),
    "initrwnd": ("RTAX_INITRWND", True),
}
#: metrics given as a time: RTAX name, units per millisecond (iproute2's)
_TIMES = {"rtt": ("RTAX_RTT", 8), "rttvar": ("RTAX_RTTVAR", 4), "rto_min": ("RTAX_RTO_MIN", 1)}
#: RTAX_ number of each (for the lock mask, 1 << number)
_RTAX = {
    "RTAX_MTU": 2,
    "RTAX_WINDOW": 3,
    "RTAX_RTT": 4,
    "RTAX_RTTVAR": 5,
    "RTAX_SSTHRESH": 6,
    "RTAX_CWND": 7,
    "RTAX_ADVMSS": 8,
    "RTAX_REORDERING": 9,
    "RTAX_HOPLIMIT": 10,
    "RTAX_INITCWND": 11,
    "RTAX_RTO_MIN": 13,
    "RTAX_INITRWND": 14,
    "RTAX_CC_ALGO": 16,
}
_PROTOCOLS = {
    "redirect": 1, "kernel": 2, "boot": 3, "static": 4, "gated": 8, "ra": 9, "mrt": 10,
    "zebra": 11, "bird": 12, "dnrouted": 13, "xorp": 14, "ntk": 15, "dhcp": 16,
    "keepalived": 18, "babel": 42, "bgp": 186, "isis": 187, "ospf": 188, "rip": 189,
    "eigrp": 192,
}  # fmt: skip
_PREFS = {"low": 3, "medium": 0, "high": 1}


def _u32(ctx: Ctx, node: Node, text: str | None, what: str) -> int:
    if text is None or not text.isdigit() or int(text) >= 2**32:
        raise ctx.fail(node, f"Invalid {what} value {short(text or '')} specified for route")
    return int(text)


def _time_ms(ctx: Ctx, node: Node, text: str | None, what: str) -> float:
    """iproute2's times: a number of milliseconds, or with ``s`` / ``ms`` / ``us``."""
    t = text or ""
    for unit, scale in (("ms", 1.0), ("us", 0.001), ("s", 1000.0), ("", 1.0)):
        if t.endswith(unit) and t[: len(t) - len(unit)].replace(".", "", 1).isdigit():
            return float(t[: len(t) - len(unit)]) * scale
    raise ctx.fail(node, f"Invalid {what} {short(t)} for route")


def _route_option(ctx: Ctx, node: Node, words: list[str], i: int, fields: dict[str, Any]) -> int:
    """One of keepalived's (iproute2's) route options at ``words[i]``; the
    index after it, or -1 if ``words[i]`` is none of them."""
    w = words[i]
    nxt = words[i + 1] if i + 1 < len(words) else None
    metrics: list[tuple[str, int | str]] = fields.setdefault("_metrics", [])

    def locked() -> tuple[bool, int]:
        if nxt == "lock":
            return True, i + 2
        return False, i + 1

    if w in _METRICS or w in _TIMES or w == "congctl":
        lock, j = locked()
        value_text = words[j] if j < len(words) else None
        if w in _METRICS:
            rtax, lockable = _METRICS[w]
            if lock and not lockable:
                raise ctx.fail(node, f"route option {w} cannot be locked")
            value: int | str = _u32(ctx, node, value_text, w)
        elif w in _TIMES:
            rtax, per_ms = _TIMES[w]
            value = int(_time_ms(ctx, node, value_text, w) * per_ms)
        else:
            rtax = "RTAX_CC_ALGO"
            if not value_text:
                raise ctx.fail(node, "congctl needs an algorithm")
            value = value_text
        metrics.append((rtax, value))
        if lock:
            fields["lock"] = fields.get("lock", 0) | 1 << _RTAX[rtax]
        return j + 1
    if w == "features":
        if nxt != "ecn":
            raise ctx.fail(node, f"Invalid route features {short(nxt or '')}")
        metrics.append(("RTAX_FEATURES", 1))
        return i + 2
    if w in ("quickack", "fastopen_no_cookie"):
        if nxt not in ("0", "1"):
            raise ctx.fail(node, f"Invalid {w} value {short(nxt or '')} specified for route")
        rtax = "RTAX_QUICKACK" if w == "quickack" else "RTAX_FASTOPEN_NO_COOKIE"
        metrics.append((rtax, int(nxt)))
        return i + 2
    if w in ("protocol", "proto"):
        if nxt is None or not (nxt in _PROTOCOLS or (nxt.isdigit() and int(nxt) < 256)):
            raise ctx.fail(node, f"Invalid protocol {short(nxt or '')} for route")
        fields["protocol"] = _PROTOCOLS.get(nxt) or int(nxt)
        return i + 2
    if w in ("tos", "dsfield"):
        try:
            tos = int(nxt or "", 16)
        except ValueError:
            raise ctx.fail(node, f"Invalid tos {short(nxt or '')} for route") from None
        if not 0 <= tos < 256:
            raise ctx.fail(node, f"Invalid tos {short(nxt or '')} for route")
        fields["tos"] = tos
        return i + 2
    if w == "realms":
        parts = (nxt or "").split("/")
        if len(parts) > 2 or not all(p.isdigit() and int(p) < 65536 for p in parts):
            raise ctx.fail(node, f"Invalid realms {short(nxt or '')} for route")
        realm = int(parts[-1]) | (int(parts[0]) << 16 if len(parts) == 2 else 0)
        fields["realms"] = realm
        return i + 2
    if w == "pref":
        if nxt not in _PREFS:
            raise ctx.fail(node, f"Invalid pref {short(nxt or '')} for route")
        fields["pref"] = _PREFS[nxt]
        return i + 2
    if w in ("priority", "preference"):
        fields["metric"] = _u32(ctx, node, nxt, "metric")
        return i + 2
    if w in ("no_track", "add", "prepend", "append"):
        # no_track: pyvrrp does not watch routes to re-add them; the others
        # are ip route's ways to add, which pyvrrp does one way
        return i + 1
    if w == "or":
        # keepalived's old multipath: ``via A or B``
        ctx.warning(node, '"or" for routes is deprecated. Please use "nexthop"')
        try:
            ipaddress.ip_address(nxt or "")
        except ValueError:
            raise ctx.fail(node, f'Invalid "or" address {short(nxt or "")}') from None
        first = fields.pop("via", None)
        fields["_or"] = [first, nxt]
        return i + 2
    if w in ("encap", "ttl-propagate", "track_group", "vrf", "as", "expires", "from"):
        raise ctx.fail(node, f"route option '{w}' is not implemented by pyvrrp; route skipped")
    return -1


def route(ctx: Ctx, node: Node) -> VirtualRoute:
    words = [node.keyword, *node.arg_texts]
    fields: dict[str, Any] = {}
    #: ``nexthop via A [dev D] [weight W] [onlink]`` ... (multipath), in order
    hops: list[dict[str, Any]] = []
    i = 0
    while i < len(words):
        w = words[i]
        nxt = words[i + 1] if i + 1 < len(words) else None
        if w == "nexthop":
            hops.append({"via": None, "dev": None, "weight": 1, "onlink": False})
            i += 1
        elif hops and w in ("via", "gw", "dev", "weight") and nxt is not None:
            if w == "weight":
                if not nxt.isdigit() or not 1 <= int(nxt) <= 256:
                    raise ctx.fail(node, f"nexthop weight '{short(nxt)}' is not 1..256")
                hops[-1]["weight"] = int(nxt)
            elif w == "dev":
                hops[-1]["dev"] = nxt
            else:
                try:
                    ipaddress.ip_address(nxt)
                except ValueError:
                    raise ctx.fail(node, f"nexthop via address '{short(nxt)}' is invalid") from None
                hops[-1]["via"] = nxt
            i += 2
        elif w == "onlink":
            if hops:
                hops[-1]["onlink"] = True
            else:
                fields["onlink"] = True
            i += 1
        elif w in _ROUTE_TYPES:
            fields["type"] = w
            i += 1
        elif w in ("via", "gw") and nxt in ("inet", "inet6"):
            words.pop(i + 1)  # ``via inet6 ADDR``: the family is the address's
            continue
        elif w in ("via", "gw", "src", "dev", "table", "scope", "metric", "to") and nxt is not None:
            if w == "metric":
                try:
                    fields["metric"] = int(nxt)
                except ValueError:
                    raise ctx.fail(
                        node, f"virtual route metric '{short(nxt)}' is not a number"
                    ) from None
            elif w == "to":
                fields["dest"] = nxt
            elif w in ("via", "gw", "src"):
                try:
                    ipaddress.ip_address(nxt)
                except ValueError:
                    # keepalived: "invalid route via address x", the route skipped
                    raise ctx.fail(
                        node, f"route {'via' if w == 'gw' else w} address '{short(nxt)}' is invalid"
                    ) from None
                fields["via" if w == "gw" else w] = nxt
            else:
                fields["via" if w == "gw" else w] = nxt
            i += 2
        elif "dest" not in fields and _looks_like_prefix(w):
            fields["dest"] = w
            i += 1
        elif (j := _route_option(ctx, node, words, i, fields)) >= 0:
            i = j
        else:
            raise ctx.fail(node, f"unknown route option '{short(w)}'; route skipped")
    if "dest" not in fields:
        raise ctx.fail(node, "virtual route has no destination")
    if hops:
        fields["nexthops"] = tuple((h["via"], h["dev"], h["weight"], h["onlink"]) for h in hops)
    fields["metrics"] = tuple(fields.pop("_metrics", ()))
    if "_or" in fields:
        alternatives = fields.pop("_or")
        if not hops:
            fields["nexthops"] = tuple((a, None, 1, False) for a in alternatives)
    return VirtualRoute(raw=" ".join(words), file=node.file, line=node.line, **fields)


def _looks_like_prefix(text: str) -> bool:
    if text == "default":
        return True
    try:
        ipaddress.ip_network(text, strict=False)
    except ValueError:
        return False
    return True


def peer(ctx: Ctx, node: Node) -> UnicastPeer:
    addr = ctx.sockaddr(node, node.keyword, "unicast_peer")
    words = node.arg_texts
    opts: dict[str, int] = {}
    i = 0
    while i < len(words):
        if words[i] in ("min_ttl", "max_ttl") and i + 1 < len(words):
            opts[words[i]] = ctx.int_text(
                node, words[i + 1], 0, 255, f"unicast_peer {addr}: {words[i]}"
            )
            i += 2
        else:
            raise ctx.fail(node, f"unicast_peer {addr}: unknown option '{short(words[i])}'")
    return UnicastPeer(addr, file=node.file, line=node.line, **opts)

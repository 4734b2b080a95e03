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


_ROUTE_TYPES = frozenset({"blackhole", "unreachable", "prohibit", "throw"})


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
        else:
            i += 1  # or, proto, ... kept in raw
    if "dest" not in fields:
        raise ctx.fail(node, "virtual route has no destination")
    if hops:
        fields["nexthops"] = tuple((h["via"], h["dev"], h["weight"], h["onlink"]) for h in hops)
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

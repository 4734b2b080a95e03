"""The packet filter of RFC 9568's Accept_Mode, as keepalived builds it with
nftables (``vrrp_strict``, ``no_accept``; keepalived's vrrp_nftables.c).

A Master that is not the address owner and has Accept_Mode off must not
accept packets addressed to the virtual addresses (RFC 9568 6.4.3); ARP and
Neighbour Discovery for them must still work, or nobody could reach the
Master at all. pyvrrp keeps one nftables table of its own (``inet pyvrrp``
unless ``nftables NAME`` names another), made of:

* sets ``vips4`` / ``vips6``: the addresses held now by such Masters;
* chain ``in`` (hook input, priority ``nftables_priority``, default -1):
  ``ip6 daddr @vips6 icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert }
  accept``, then ``ip daddr @vips4 drop`` and ``ip6 daddr @vips6 drop``.

The table is replaced whole at start (so what a crashed run left goes, and
only that table), addresses are added and removed as instances take and
release them, and the table is deleted on stop. Commands go through
libnftables' JSON interface (``nft -j``'s), loaded with ctypes: no text
output is parsed, no process is started.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import threading
from collections.abc import Iterable
from ipaddress import IPv4Address, IPv6Address
from typing import Any

DEFAULT_TABLE = "pyvrrp"
DEFAULT_PRIORITY = -1
FAMILY = "inet"
_NFT_CTX_OUTPUT_JSON = 1 << 4
_ND = ["nd-neighbor-solicit", "nd-neighbor-advert"]


class FirewallError(Exception):
    """nftables refused a command (its message), or is not on this host."""


class _Lib:
    """libnftables, bound once per process."""

    _lock = threading.Lock()
    _lib: ctypes.CDLL | None = None

    @classmethod
    def get(cls) -> ctypes.CDLL:
        with cls._lock:
            if cls._lib is None:
                name = ctypes.util.find_library("nftables") or "libnftables.so.1"
                try:
                    lib = ctypes.CDLL(name)
                except OSError as exc:
                    raise FirewallError(
                        f"libnftables not found ({exc}); install Debian's nftables"
                    ) from None
                lib.nft_ctx_new.restype = ctypes.c_void_p
                lib.nft_ctx_new.argtypes = [ctypes.c_uint32]
                lib.nft_ctx_free.argtypes = [ctypes.c_void_p]
                lib.nft_ctx_output_set_flags.argtypes = [ctypes.c_void_p, ctypes.c_uint]
                lib.nft_ctx_buffer_output.argtypes = [ctypes.c_void_p]
                lib.nft_ctx_buffer_error.argtypes = [ctypes.c_void_p]
                lib.nft_ctx_get_output_buffer.restype = ctypes.c_char_p
                lib.nft_ctx_get_output_buffer.argtypes = [ctypes.c_void_p]
                lib.nft_ctx_get_error_buffer.restype = ctypes.c_char_p
                lib.nft_ctx_get_error_buffer.argtypes = [ctypes.c_void_p]
                lib.nft_run_cmd_from_buffer.restype = ctypes.c_int
                lib.nft_run_cmd_from_buffer.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
                cls._lib = lib
            return cls._lib


def available() -> str | None:
    """None when nftables can be used here, else why not."""
    try:
        _Lib.get()
    except FirewallError as exc:
        return str(exc)
    return None


def run(commands: list[dict[str, Any]]) -> Any:
    """One nftables transaction of JSON ``commands``; its JSON output, if any."""
    lib = _Lib.get()
    ctx = lib.nft_ctx_new(0)
    if not ctx:
        raise FirewallError("nft_ctx_new failed")
    try:
        lib.nft_ctx_output_set_flags(ctx, _NFT_CTX_OUTPUT_JSON)
        lib.nft_ctx_buffer_output(ctx)
        lib.nft_ctx_buffer_error(ctx)
        doc = json.dumps({"nftables": commands}).encode()
        rc = lib.nft_run_cmd_from_buffer(ctx, doc)
        out = (lib.nft_ctx_get_output_buffer(ctx) or b"").decode(errors="replace")
        err = (lib.nft_ctx_get_error_buffer(ctx) or b"").decode(errors="replace")
    finally:
        lib.nft_ctx_free(ctx)
    if rc != 0:
        raise FirewallError(err.strip() or f"nftables failed ({rc})")
    return json.loads(out) if out.strip() else None


def _addr_elements(addrs: Iterable[IPv4Address | IPv6Address]) -> tuple[list[str], list[str]]:
    v4 = sorted({str(a) for a in addrs if a.version == 4})
    v6 = sorted({str(a) for a in addrs if a.version == 6})
    return v4, v6


class AcceptModeFilter:
    """The table of one daemon: :meth:`setup`, then :meth:`add` /
    :meth:`remove` as Masters take and release addresses, :meth:`teardown`."""

    def __init__(
        self, table: str = DEFAULT_TABLE, priority: int = DEFAULT_PRIORITY, counters: bool = False
    ) -> None:
        self.table = table
        self.priority = priority
        self.counters = counters  # nftables_counters: a counter on each rule
        #: equal for two filters that would make the same table
        self.spec = ("nftables", table, priority, counters)
        self.held: set[IPv4Address | IPv6Address] = set()

    def _counter(self) -> list[dict[str, Any]]:
        return [{"counter": None}] if self.counters else []

    def _t(self, **kw: Any) -> dict[str, Any]:
        return {"family": FAMILY, "table": self.table, **kw}

    def exists(self) -> bool:
        out = run([{"list": {"tables": {"family": FAMILY}}}]) or {}
        return any(
            "table" in item and item["table"].get("name") == self.table
            for item in out.get("nftables", [])
        )

    def setup(self) -> None:
        """(Re)create the table empty: a table of this name left by a run that
        did not stop cleanly is replaced."""
        t = self.table
        rule_nd = [
            {"match": {"op": "==", "left": {"payload": {"protocol": "ip6", "field": "daddr"}},
                       "right": "@vips6"}},
            {"match": {"op": "==", "left": {"payload": {"protocol": "icmpv6", "field": "type"}},
                       "right": {"set": _ND}}},
            *self._counter(),
            {"accept": None},
        ]  # fmt: skip

        def drop(proto: str, s: str) -> list[dict[str, Any]]:
            return [
                {"match": {"op": "==", "left": {"payload": {"protocol": proto, "field": "daddr"}},
                           "right": f"@{s}"}},
                *self._counter(),
                {"drop": None},
            ]  # fmt: skip

        commands: list[dict[str, Any]] = []
        if self.exists():
            commands.append({"delete": {"table": {"family": FAMILY, "name": t}}})
        commands += [
            {"add": {"table": {"family": FAMILY, "name": t}}},
            {"add": {"set": self._t(name="vips4", type="ipv4_addr")}},
            {"add": {"set": self._t(name="vips6", type="ipv6_addr")}},
            {
                "add": {
                    "chain": self._t(
                        name="in", type="filter", hook="input", prio=self.priority, policy="accept"
                    )
                }
            },
            {"add": {"rule": self._t(chain="in", expr=rule_nd)}},
            {"add": {"rule": self._t(chain="in", expr=drop("ip", "vips4"))}},
            {"add": {"rule": self._t(chain="in", expr=drop("ip6", "vips6"))}},
        ]
        run(commands)
        self.held = set()

    def _elements(self, verb: str, addrs: Iterable[IPv4Address | IPv6Address]) -> None:
        v4, v6 = _addr_elements(addrs)
        commands = []
        if v4:
            commands.append({verb: {"element": self._t(name="vips4", elem=v4)}})
        if v6:
            commands.append({verb: {"element": self._t(name="vips6", elem=v6)}})
        if commands:
            run(commands)

    def add(self, addrs: Iterable[IPv4Address | IPv6Address]) -> None:
        new = set(addrs) - self.held
        self._elements("add", new)
        self.held |= new

    def remove(self, addrs: Iterable[IPv4Address | IPv6Address]) -> None:
        gone = set(addrs) & self.held
        self._elements("delete", gone)
        self.held -= gone

    def replace(self, addrs: Iterable[IPv4Address | IPv6Address]) -> None:
        """Hold exactly ``addrs``."""
        want = set(addrs)
        self.remove(self.held - want)
        self.add(want)

    def elements(self) -> set[str]:
        """The addresses in the table's sets now (from the kernel)."""
        out: set[str] = set()
        for name in ("vips4", "vips6"):
            doc = run([{"list": {"set": self._t(name=name)}}]) or {}
            for item in doc.get("nftables", []):
                for e in item.get("set", {}).get("elem", []):
                    out.add(str(e))
        return out

    def teardown(self) -> None:
        if self.exists():
            run([{"delete": {"table": {"family": FAMILY, "name": self.table}}}])
        self.held = set()

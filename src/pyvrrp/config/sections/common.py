"""What every section parser shares: the value readers (:class:`Ctx`), the
handler type, :func:`dispatch` and :func:`refused`."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from types import MappingProxyType
from typing import Any, TypeAlias, TypeVar

from pyvrrp.config import keywords
from pyvrrp.config.keepalived_keywords import KEEPALIVED_KEYWORDS
from pyvrrp.config.lexer import Diagnostics, Node
from pyvrrp.config.model import IPAddress

#: The most gratuitous ARP / NA rounds one burst sends (keepalived: no limit).
MAX_GARP_REPEAT = 10_000

_TRUE = frozenset({"true", "on", "yes", "1", "enabled"})
_FALSE = frozenset({"false", "off", "no", "0", "disabled"})

_DECIMAL = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)")


class Fail(Exception):
    """A value was rejected; the diagnostic is already recorded."""


class Ctx:
    """Diagnostics and the value readers; ``owner_of`` names the block a
    keyword belongs in (for "it belongs in ..." hints)."""

    def __init__(self, diags: Diagnostics, owner_of: Callable[[str], str | None]) -> None:
        self.d = diags
        self.owner_of = owner_of
        #: keepalived's countdown of preferences for rules given none (one per load)
        self.rule_preferences: Any = None

    def error(self, node: Node, message: str) -> None:
        self.d.error(node.file, node.line, message)

    def warning(self, node: Node, message: str) -> None:
        self.d.warning(node.file, node.line, message)

    def fail(self, node: Node, message: str) -> Fail:
        self.error(node, message)
        return Fail()

    def skip(self, node: Node, message: str) -> Fail:
        """A line keepalived reports and skips, the rest of the file in use:
        a warning, and the line is dropped."""
        self.warning(node, f"{message}; line skipped")
        return Fail()

    def one_arg(self, node: Node, what: str | None = None) -> str:
        what = what or node.keyword
        if not node.args:
            raise self.fail(node, f"{what} needs a value")
        if len(node.args) > 1:
            self.warning(node, f"{what}: extra words after the value ignored")
        return node.args[0].text

    def integer(self, node: Node, lo: int, hi: int, what: str | None = None) -> int:
        what = what or node.keyword
        text = self.one_arg(node, what)
        return self.int_text(node, text, lo, hi, what)

    def int_text(self, node: Node, text: str, lo: int, hi: int, what: str) -> int:
        try:
            value = int(text, 10)
        except ValueError:
            raise self.fail(node, f"{what} '{short(text)}' is not a whole number") from None
        if not lo <= value <= hi:
            raise self.fail(node, f"{what} {value} out of range {lo}..{hi}")
        return value

    def decimal(self, node: Node, what: str | None = None) -> Decimal:
        what = what or node.keyword
        text = self.one_arg(node, what)
        if not _DECIMAL.fullmatch(text):
            # keepalived reads digits with one decimal point: no 1e2, inf, 0x10
            raise self.fail(node, f"{what} '{short(text)}' is not a number")
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise self.fail(node, f"{what} '{short(text)}' is not a number") from None
        if not value.is_finite():
            raise self.fail(node, f"{what} '{short(text)}' is not a number")
        if abs(value) > 10**9:
            raise self.fail(node, f"{what} '{short(text)}' is out of range")
        return value

    def repeat(self, node: Node) -> int:
        """A GARP repeat count: keepalived takes any unsigned number (the
        lower-priority repeat 0 too); pyvrrp sends at most MAX_GARP_REPEAT."""
        lo = 0 if node.keyword.endswith("lower_prio_repeat") else 1
        value = self.integer(node, lo, 2**32 - 1)
        if value > MAX_GARP_REPEAT:
            self.warning(
                node, f"{node.keyword} {value} is more than pyvrrp sends; using {MAX_GARP_REPEAT}"
            )
            return MAX_GARP_REPEAT
        return value

    def seconds(self, node: Node, lo: int, hi: int) -> int:
        """Whole seconds (keepalived's garp delays, refreshes, ...)."""
        return self.integer(node, lo, hi)

    def flag(self, node: Node) -> bool:
        if not node.args:
            return True
        word = node.args[0].text.lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
        raise self.fail(node, f"{node.keyword} takes no value or one of true/false/on/off")

    def ip(self, node: Node, text: str, what: str) -> IPAddress:
        try:
            return ipaddress.ip_address(text)
        except ValueError:
            raise self.fail(node, f"{what} '{short(text)}' is not an IP address") from None

    def sockaddr(self, node: Node, text: str, what: str) -> IPAddress:
        """An address where keepalived reads a socket address: it drops a
        ``-range`` suffix, or else a ``/len`` one (``192.168.0.91/24``)."""
        cut = text.find("-")
        if cut < 0:
            cut = text.find("/")
        return self.ip(node, text[:cut] if cut >= 0 else text, what)

    def string(self, node: Node) -> str:
        if not node.args:
            raise self.fail(node, f"{node.keyword} needs a value")
        return " ".join(t.text for t in node.args)

    def block(self, node: Node) -> tuple[Node, ...]:
        if node.children is None:
            raise self.fail(node, f"{node.keyword} needs a {{ }} block")
        return node.children

    def not_implemented(self, node: Node, where: str, why: str | None = None) -> None:
        """A keyword keepalived knows and pyvrrp does not do: one warning, why."""
        why = why or keywords.reason(node.keyword, where)
        self.warning(
            node, f"{where} keyword '{node.keyword}' is not implemented by pyvrrp ({why}); ignored"
        )

    def unknown(self, node: Node, where: str, *, secret_block: bool = False) -> None:
        kw = node.keyword
        if secret_block and (len(kw) >= 24 or ":" in kw or not kw.replace("_", "").isalnum()):
            self.warning(node, f"unrecognised line in {where} ignored")
            return
        if keywords.keepalived_knows(where, kw):
            self.not_implemented(node, where)
            return
        owner = self.owner_of(kw)
        hint = f" (it belongs in {owner})" if owner and owner != where else ""
        self.warning(node, f"unknown keyword '{short(kw)}' in {where}{hint}; ignored")


def short(text: str, limit: int = 24) -> str:
    """A word to quote in a message, unless it could be a key.

    Keys are at least 32 bytes and are often written ``hex:...`` or
    ``file:...``: such words are described by their length only.
    """
    if len(text) > limit or text.lower().startswith(("hex:", "file:")) or not text.isprintable():
        return f"<{len(text)} characters>"
    return text


def at(obj: Any) -> Node:
    """A node standing for a parsed item's file and line (for diagnostics)."""
    return Node("", (), None, obj.file, obj.line)


@dataclass
class Values:
    """A named block's values so far (``vrrp_script NAME``, ``track_file NAME``, ...)."""

    name: str
    values: dict[str, Any] = field(default_factory=dict)


T = TypeVar("T")

#: A keyword's handler: reads ``node`` into ``target`` (the section's values
#: so far), reports through ``ctx``; raising :class:`Fail` drops the line.
Handler: TypeAlias = Callable[[Ctx, Node, T], None]


def dispatch(
    ctx: Ctx,
    node: Node,
    table: Mapping[str, Handler[T]],
    section: str,
    target: T,
    *,
    refused: Mapping[str, str] = MappingProxyType({}),
    secret_block: bool = False,
    before: Handler[T] | None = None,
) -> None:
    """Read ``node``'s block line by line through ``table``.

    A keyword in ``refused`` is read past with one warning giving its reason;
    any other is unknown (the warning says where it belongs). A failed line
    is dropped and the next one read. ``before`` sees every line first.
    """
    for child in ctx.block(node):
        if before is not None:
            before(ctx, child, target)
        handler = table.get(child.keyword)
        try:
            if handler is not None:
                handler(ctx, child, target)
            elif child.keyword in refused:
                ctx.not_implemented(child, section, refused[child.keyword])
            else:
                ctx.unknown(child, section, secret_block=secret_block)
        except Fail:
            continue


def refused(section: str, table: Collection[str], *extra: str) -> dict[str, str]:
    """keepalived 2.4's keywords of ``section`` that ``table`` does not
    implement, and ``extra`` ones, each with the reason pyvrrp gives."""
    words = [k for s, k in KEEPALIVED_KEYWORDS if s == section and k not in table]
    words += [k for k in extra if k not in table and k not in words]
    return {k: keywords.reason(k, section) for k in words}

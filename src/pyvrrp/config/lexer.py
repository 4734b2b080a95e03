"""keepalived.conf reader: lines to tokens to a tree of :class:`Node`.

What it handles, in the order keepalived applies it to each line:

* ``\\`` at the end of a line joins the next line;
* ``@name`` / ``@^name`` line prefixes: the line is kept only when ``name`` is
  (``@``) or is not (``@^``) one of the ``defines`` (keepalived's ``-i``);
* ``$NAME=value`` definitions, used later as ``$NAME`` or ``${NAME}``. As in
  keepalived, a value is kept as written and expanded where it is used (so it
  may use definitions made after it), and a definition whose lines end in
  ``\\`` is a multi-line one: a line that is only ``$NAME`` reads as those
  lines, each then read as a line of its own (``@`` prefixes and definitions
  in them included; they may nest);
* ``${_ENV NAME}``: the value of environment variable ``NAME`` (an unset
  variable is an error naming it);
* ``!`` and ``#`` start a comment at the beginning of a word (outside quotes);
* ``"quoted strings"`` are one word; ``{`` and ``}`` are words of their own;
* ``include PATTERN...``: glob patterns relative to the including file; an
  include loop is an error on the ``include`` line.

Every token keeps its file and line. Nothing here raises for bad content:
problems become :class:`~pyvrrp.config.model.Diagnostic` entries.
"""

from __future__ import annotations

import glob
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pyvrrp.config.model import Diagnostic, Level

TokenKind = Literal["word", "open", "close", "eol"]

MAX_INCLUDE_DEPTH = 32
#: How deep definitions may use definitions (a loop ends here with an error).
MAX_EXPANSION_DEPTH = 16
MAX_FILE_BYTES = 16 * 1024 * 1024

_DEF_RE = re.compile(r"^\$([A-Za-z_][A-Za-z0-9_]*)\s*=(.*)$")
_EXPAND_RE = re.compile(r"\$\{([^}]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)")
_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
#: A line that is only a use of one definition.
_USE_RE = re.compile(r"^\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))$")


@dataclass(frozen=True)
class Token:
    text: str
    file: str
    line: int
    kind: TokenKind = "word"
    quoted: bool = False


@dataclass(frozen=True)
class Node:
    """``keyword args...`` with an optional ``{ children }`` block."""

    keyword: str
    args: tuple[Token, ...]
    children: tuple[Node, ...] | None
    file: str
    line: int

    @property
    def arg_texts(self) -> list[str]:
        return [t.text for t in self.args]

    @property
    def is_block(self) -> bool:
        return self.children is not None


class Diagnostics:
    """Collects diagnostics; shared by the lexer and the loader."""

    def __init__(self) -> None:
        self.items: list[Diagnostic] = []

    def add(self, file: str, line: int, level: Level, message: str) -> None:
        self.items.append(Diagnostic(file, line, level, message))

    def error(self, file: str, line: int, message: str) -> None:
        self.add(file, line, "error", message)

    def warning(self, file: str, line: int, message: str) -> None:
        self.add(file, line, "warning", message)

    def info(self, file: str, line: int, message: str) -> None:
        self.add(file, line, "info", message)


class Reader:
    """Reads a file and its includes into a flat token stream."""

    def __init__(
        self,
        diags: Diagnostics,
        *,
        env: Mapping[str, str] | None = None,
        defines: Iterable[str] = (),
    ) -> None:
        self.diags = diags
        self.env: Mapping[str, str] = os.environ if env is None else env
        self.defines = frozenset(defines)
        #: name -> its text, or its lines for a multi-line definition (as written).
        self.definitions: dict[str, str | list[str]] = {}
        self._depth = 0
        self.files: list[str] = []
        self.tokens: list[Token] = []
        self._stack: list[str] = []

    # -- files -------------------------------------------------------------

    def read_path(self, path: str | Path, *, origin: tuple[str, int] | None = None) -> None:
        name = str(path)
        try:
            real = os.path.realpath(name)
        except (OSError, ValueError):
            real = name
        where_file, where_line = origin if origin else (name, 0)
        if real in self._stack:
            self.diags.error(where_file, where_line, f"include loop: {name} is already being read")
            return
        if len(self._stack) >= MAX_INCLUDE_DEPTH:
            self.diags.error(
                where_file, where_line, f"includes nested deeper than {MAX_INCLUDE_DEPTH}"
            )
            return
        try:
            with open(name, "rb") as fh:
                data = fh.read(MAX_FILE_BYTES + 1)
        except FileNotFoundError:
            self.diags.error(where_file, where_line, f"cannot read {name}: no such file")
            return
        except IsADirectoryError:
            self.diags.error(where_file, where_line, f"cannot read {name}: is a directory")
            return
        except (OSError, ValueError) as exc:
            reason = getattr(exc, "strerror", None) or str(exc)
            self.diags.error(where_file, where_line, f"cannot read {name}: {reason}")
            return
        if len(data) > MAX_FILE_BYTES:
            self.diags.error(where_file, where_line, f"{name} is larger than 16 MiB")
            return
        self.read_text(data.decode("utf-8", errors="replace"), name, real=real)

    def read_text(self, text: str, name: str, *, real: str | None = None) -> None:
        if name not in self.files:
            self.files.append(name)
        self._stack.append(real if real is not None else name)
        try:
            for lineno, pieces in _logical_lines(text):
                m = _DEF_RE.match(pieces[0].strip()) if len(pieces) > 1 else None
                if m is not None:
                    # A multi-line definition: its lines as written.
                    first = _strip_comment(m.group(2)).strip()
                    rest = [_strip_comment(p).strip() for p in pieces[1:]]
                    self.definitions[m.group(1)] = [ln for ln in [first, *rest] if ln]
                    continue
                self._line("".join(pieces), name, lineno)
        finally:
            self._stack.pop()

    # -- one line ----------------------------------------------------------

    def _line(self, line: str, file: str, lineno: int) -> None:
        line = line.strip()
        if line.startswith("@"):
            m = re.match(r"@(\^?)(\S*)\s*(.*)$", line, re.S)
            if m is None:  # pragma: no cover - the pattern always matches
                return
            neg, cond, rest = m.group(1), m.group(2), m.group(3)
            if not cond:
                self.diags.error(file, lineno, "'@' conditional without a name")
                return
            if (cond in self.defines) == bool(neg):
                return
            line = rest.strip()
        if not line:
            return
        m = _DEF_RE.match(line)
        if m is not None:
            self.definitions[m.group(1)] = _strip_comment(m.group(2)).strip()
            return
        m = _USE_RE.match(_strip_comment(line).strip())
        if m is not None and isinstance(self.definitions.get(m.group(1) or m.group(2)), list):
            self._multiline(m.group(1) or m.group(2), file, lineno)
            return
        if "$" in line:
            before = len(self.diags.items)
            line = self._expand(_strip_comment(line), file, lineno)
            if any(d.level == "error" for d in self.diags.items[before:]):
                return  # a line with a failed expansion is not used at all
        words = self._split(line, file, lineno)
        if not words:
            return
        first = words[0]
        if first.kind == "word" and not first.quoted and first.text == "include":
            self._include(words[1:], file, lineno)
            return
        self.tokens.extend(words)
        self.tokens.append(Token("", file, lineno, "eol"))

    def _multiline(self, name: str, file: str, lineno: int) -> None:
        """A line that is only ``$NAME``, NAME a multi-line definition."""
        if self._depth >= MAX_EXPANSION_DEPTH:
            self.diags.error(file, lineno, f"${name}: definitions nest too deep (a loop?)")
            return
        lines = self.definitions[name]
        assert isinstance(lines, list)
        self._depth += 1
        try:
            for text in lines:
                self._line(text, file, lineno)
        finally:
            self._depth -= 1

    def _expand(self, text: str, file: str, lineno: int) -> str:
        """Replace definitions until none is left (their values may use others)."""
        for _ in range(MAX_EXPANSION_DEPTH):
            before = len(self.diags.items)
            done = self._expand_once(text, file, lineno)
            if done == text or "$" not in done or len(self.diags.items) != before:
                return done
            text = done
        self.diags.error(file, lineno, "definitions nest too deep (a loop?)")
        return text

    def _expand_once(self, text: str, file: str, lineno: int) -> str:
        def value(name: str) -> str | None:
            v = self.definitions.get(name)
            if isinstance(v, list):
                self.diags.warning(
                    file, lineno, f"${name} is a multi-line definition: use it on a line alone"
                )
                return None
            return v

        def repl(m: re.Match[str]) -> str:
            braced, bare = m.group(1), m.group(2)
            if braced is not None:
                inner = braced.strip()
                if inner.startswith("_ENV"):
                    var = inner[4:].strip()
                    if not var or not inner[4:5].isspace():
                        self.diags.error(file, lineno, "${_ENV} needs a variable name")
                        return ""
                    if var not in self.env:
                        self.diags.error(
                            file, lineno, f"environment variable {var} is not set (${{_ENV {var}}})"
                        )
                        return ""
                    return self.env[var]
                if inner in self.definitions:
                    v = value(inner)
                    return m.group(0) if v is None else v
                if _NAME_RE.match(inner):
                    self.diags.warning(
                        file, lineno, f"${{{inner}}} is not defined; left unexpanded"
                    )
                return m.group(0)
            if bare in self.definitions:
                v = value(bare)
                return m.group(0) if v is None else v
            return m.group(0)

        return _EXPAND_RE.sub(repl, text)

    def _split(self, line: str, file: str, lineno: int) -> list[Token]:
        out: list[Token] = []
        i, n = 0, len(line)
        while i < n:
            c = line[i]
            if c.isspace():
                i += 1
                continue
            if c in "!#":
                break
            if c == "{":
                out.append(Token("{", file, lineno, "open"))
                i += 1
                continue
            if c == "}":
                out.append(Token("}", file, lineno, "close"))
                i += 1
                continue
            if c == '"':
                j = line.find('"', i + 1)
                if j < 0:
                    self.diags.error(file, lineno, "unterminated quoted string")
                    out.append(Token(line[i + 1 :], file, lineno, "word", True))
                    break
                out.append(Token(line[i + 1 : j], file, lineno, "word", True))
                i = j + 1
                continue
            j = i
            while j < n and not line[j].isspace() and line[j] not in '{}"':
                j += 1
            out.append(Token(line[i:j], file, lineno, "word"))
            i = j
        return out

    def _include(self, args: list[Token], file: str, lineno: int) -> None:
        patterns = [t.text for t in args if t.kind == "word"]
        if not patterns or any(t.kind != "word" for t in args):
            self.diags.error(file, lineno, "include needs a file name or pattern")
            return
        base = os.path.dirname(file)
        for pattern in patterns:
            full = pattern if os.path.isabs(pattern) else os.path.join(base, pattern)
            if glob.has_magic(full):
                matches = sorted(glob.glob(full))
                if not matches:
                    self.diags.warning(file, lineno, f"include {pattern} matches no file")
                for match in matches:
                    self.read_path(match, origin=(file, lineno))
            else:
                self.read_path(full, origin=(file, lineno))


def _strip_comment(text: str) -> str:
    """Cut a trailing comment (``!`` or ``#`` at a word start, outside quotes)."""
    in_quote = False
    prev_space = True
    for i, c in enumerate(text):
        if c == '"':
            in_quote = not in_quote
        elif not in_quote and c in "!#" and prev_space:
            return text[:i]
        prev_space = c.isspace() or c in "{}"
    return text


def _logical_lines(text: str) -> Iterable[tuple[int, list[str]]]:
    """Physical lines joined on a trailing backslash, as their pieces (a
    multi-line definition keeps them apart); numbered by their first line."""
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        if not pending:
            start = number
        stripped = raw.rstrip()
        piece = raw.lstrip() if pending else raw
        if stripped.endswith("\\") and _strip_comment(stripped).rstrip() == stripped:
            pending.append(piece.rstrip()[:-1])
            continue
        pending.append(piece)
        yield start, pending
        pending = []
    if pending:
        yield start, pending


def build_tree(tokens: list[Token], diags: Diagnostics) -> list[Node]:
    """Group tokens into statements and ``{ }`` blocks.

    A ``{`` opens a block for the statement before it on the same line or, if
    it starts a line, for the statement on the line before.
    """
    root: list[Node] = []
    # frames: (header statement, children list)
    frames: list[tuple[list[Token], list[Node]]] = []
    stmt: list[Token] = []
    last_leaf_ok = False  # the last thing seen was a complete statement line

    def current() -> list[Node]:
        return frames[-1][1] if frames else root

    def leaf(words: list[Token]) -> Node:
        return Node(words[0].text, tuple(words[1:]), None, words[0].file, words[0].line)

    for tok in tokens:
        if tok.kind == "word":
            stmt.append(tok)
            continue
        if tok.kind == "eol":
            if stmt:
                current().append(leaf(stmt))
                stmt = []
                last_leaf_ok = True
            continue
        if tok.kind == "open":
            if stmt:
                header = stmt
                stmt = []
            elif last_leaf_ok and current() and current()[-1].children is None:
                prev = current().pop()
                header = [
                    Token(prev.keyword, prev.file, prev.line),
                    *prev.args,
                ]
            else:
                diags.error(tok.file, tok.line, "'{' without a keyword before it")
                header = [Token("", tok.file, tok.line)]
            frames.append((header, []))
            last_leaf_ok = False
            continue
        # close
        if stmt:
            current().append(leaf(stmt))
            stmt = []
        last_leaf_ok = False
        if not frames:
            diags.error(tok.file, tok.line, "unexpected '}' (no block is open)")
            continue
        header, children = frames.pop()
        if header[0].text:  # an anonymous block was reported when it opened
            node = Node(
                header[0].text, tuple(header[1:]), tuple(children), header[0].file, header[0].line
            )
            current().append(node)
    if stmt:
        current().append(leaf(stmt))
    while frames:
        header, children = frames.pop()
        label = header[0].text or "block"
        diags.error(
            header[0].file, header[0].line, f"'{label}' block is never closed (missing '}}')"
        )
        node = Node(
            header[0].text, tuple(header[1:]), tuple(children), header[0].file, header[0].line
        )
        current().append(node)
    return root

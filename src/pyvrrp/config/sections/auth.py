"""An instance's ``auth_hmac { ... }`` and legacy ``authentication { ... }``
blocks: one table each. Nothing here quotes a key or a password."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from pyvrrp.auth.keys import KeyValueError, Secret, load_key
from pyvrrp.auth.lifecycle import Lifetime, parse_utc
from pyvrrp.config.lexer import Node
from pyvrrp.config.model import HmacKey, LegacyAuth

from .common import Ctx, Fail, Handler, dispatch, refused, short

LIFETIME_WORDS = ("send_lifetime", "accept_lifetime")
UTC_EXAMPLE = "2026-12-01T00:00:00Z"

# --------------------------------------------------------------------------- auth_hmac


@dataclass
class RawHmac:
    """An ``auth_hmac`` block as read; the instance finishes it."""

    node: Node
    keys: list[HmacKey] = field(default_factory=list)
    failed_ids: set[int] = field(default_factory=set)
    attempted: bool = False
    active_key: int | None = None
    active_node: Node | None = None
    anti_replay: str = "time"
    time_window: int | None = None
    time_window_node: Node | None = None
    mode: str = "enforce"
    broken: bool = False
    revoked: dict[int, Node] = field(default_factory=dict)
    on_last_key_expiry: str = "keep"
    extensions: list[str] = field(default_factory=list)  # pyvrrp-only keywords used
    first_line: dict[int, int] = field(default_factory=dict)  # key id -> line
    base_dir: Path | None = None  # for relative file: keys

    def uses(self, word: str) -> None:
        if word not in self.extensions:
            self.extensions.append(word)


def parse_hmac(ctx: Ctx, node: Node) -> RawHmac:
    raw = RawHmac(node)
    if node.file and not node.file.startswith("<"):
        raw.base_dir = Path(node.file).parent
    dispatch(ctx, node, HMAC_KEYWORDS, "auth_hmac", raw, refused=HMAC_REFUSED, secret_block=True)
    return raw


def _key(ctx: Ctx, node: Node, raw: RawHmac) -> None:
    """``key ID VALUE [send_lifetime START END] [accept_lifetime START END]``."""
    raw.attempted = True
    if len(node.args) < 2:
        raise ctx.fail(node, "auth_hmac key needs an id and a value")
    id_text = node.args[0].text
    if not (id_text.isascii() and id_text.isdigit()) or len(id_text) > 6:
        raise ctx.fail(node, "auth_hmac key id is not a number")
    key_id = int(id_text)
    if not 1 <= key_id <= 255:
        raise ctx.fail(node, f"auth_hmac key id {key_id} out of range 1..255")
    if key_id in raw.first_line:
        raise ctx.fail(
            node,
            f"auth_hmac key id {key_id} defined twice (first at line {raw.first_line[key_id]})",
        )
    raw.first_line[key_id] = node.line
    try:
        lifetimes = _lifetimes(ctx, node, key_id, [t.text for t in node.args[2:]], raw)
    except Fail:
        raw.failed_ids.add(key_id)
        raise
    try:
        loaded = load_key(node.args[1].text, base_dir=raw.base_dir)
    except KeyValueError as exc:
        raw.failed_ids.add(key_id)
        msg = str(exc)
        msg = msg.removeprefix("key: ")
        raise ctx.fail(node, f"auth_hmac key {key_id}: {msg}") from None
    for w in loaded.warnings:
        ctx.warning(node, f"auth_hmac key {key_id}: {w}")
    raw.keys.append(
        HmacKey(
            id=key_id,
            secret=loaded.secret,
            form=loaded.form,
            path=loaded.path,
            send_lifetime=lifetimes.get("send_lifetime"),
            accept_lifetime=lifetimes.get("accept_lifetime"),
            file=node.file,
            line=node.line,
        )
    )


def _lifetimes(
    ctx: Ctx, node: Node, key_id: int, words: list[str], raw: RawHmac
) -> dict[str, Lifetime]:
    """``send_lifetime START END`` / ``accept_lifetime START END`` after a key value."""
    out: dict[str, Lifetime] = {}
    i = 0
    where = f"auth_hmac key {key_id}"
    while i < len(words):
        word = words[i]
        if word not in LIFETIME_WORDS:
            raise ctx.fail(
                node,
                f"{where}: unexpected '{short(word)}' after the key value "
                "(expected send_lifetime or accept_lifetime)",
            )
        if word in out:
            raise ctx.fail(node, f"{where}: {word} given twice")
        if i + 2 >= len(words) or words[i + 1] in LIFETIME_WORDS or words[i + 2] in LIFETIME_WORDS:
            raise ctx.fail(
                node,
                f"{where}: {word} needs a start and an end "
                f"(UTC like {UTC_EXAMPLE}; the end may be infinite)",
            )
        start_text, end_text = words[i + 1], words[i + 2]
        try:
            start = parse_utc(start_text)
        except ValueError:
            raise ctx.fail(
                node,
                f"{where}: {word} start '{short(start_text)}' is not a UTC time like {UTC_EXAMPLE}",
            ) from None
        end: int | None = None
        if end_text != "infinite":
            try:
                end = parse_utc(end_text)
            except ValueError:
                raise ctx.fail(
                    node,
                    f"{where}: {word} end '{short(end_text)}' is not a UTC time "
                    f"like {UTC_EXAMPLE} or infinite",
                ) from None
            if end <= start:
                raise ctx.fail(node, f"{where}: {word} ends before it starts")
        out[word] = Lifetime(start, end)
        raw.uses(word)
        i += 3
    return out


def _active_key(ctx: Ctx, node: Node, raw: RawHmac) -> None:
    if not node.args or not node.args[0].text.isdigit() or len(node.args[0].text) > 6:
        raise ctx.fail(node, "active_key needs a key id (1..255)")
    raw.active_key = ctx.int_text(node, node.args[0].text, 1, 255, "active_key")
    raw.active_node = node


def _anti_replay(ctx: Ctx, node: Node, raw: RawHmac) -> None:
    value = node.args[0].text if node.args else ""
    if value not in ("time", "monotonic"):
        raise ctx.fail(node, "anti_replay must be 'time' or 'monotonic'")
    raw.anti_replay = value


def _time_window(ctx: Ctx, node: Node, raw: RawHmac) -> None:
    if not node.args or not node.args[0].text.lstrip("-").isdigit():
        raise ctx.fail(node, "time_window must be a whole number of seconds (1..300)")
    text = node.args[0].text
    if len(text) > 9:
        raise ctx.fail(node, "time_window out of range 1..300")
    raw.time_window = ctx.int_text(node, text, 1, 300, "time_window")
    raw.time_window_node = node


def _mode(ctx: Ctx, node: Node, raw: RawHmac) -> None:
    value = node.args[0].text if node.args else ""
    if value not in ("enforce", "permissive", "receive-only"):
        raise ctx.fail(node, "mode must be 'enforce', 'permissive' or 'receive-only'")
    raw.mode = value


def _revoked_keys(ctx: Ctx, node: Node, raw: RawHmac) -> None:
    raw.uses(node.keyword)
    if not node.args:
        raise ctx.fail(node, "revoked_keys needs at least one key id (1..255)")
    ids = []
    for tok in node.args:
        t = tok.text
        if not (t.isascii() and t.isdigit()) or len(t) > 6 or not 1 <= int(t) <= 255:
            raise ctx.fail(node, f"revoked_keys: '{short(t)}' is not a key id (1..255)")
        ids.append(int(t))
    for kid in ids:
        raw.revoked.setdefault(kid, node)


def _on_last_key_expiry(ctx: Ctx, node: Node, raw: RawHmac) -> None:
    raw.uses(node.keyword)
    value = node.args[0].text if node.args else ""
    if value not in ("keep", "stop") or len(node.args) > 1:
        raise ctx.fail(node, "on_last_key_expiry must be 'keep' or 'stop'")
    raw.on_last_key_expiry = value


HMAC_KEYWORDS: dict[str, Handler[RawHmac]] = {
    "key": _key,
    "active_key": _active_key,
    "anti_replay": _anti_replay,
    "time_window": _time_window,
    "mode": _mode,
    "revoked_keys": _revoked_keys,  # pyvrrp's own
    "on_last_key_expiry": _on_last_key_expiry,  # pyvrrp's own
}

HMAC_REFUSED = refused("auth_hmac", HMAC_KEYWORDS)

# --------------------------------------------------------------------------- authentication


@dataclass
class RawLegacy:
    """An ``authentication`` block as read."""

    auth_type: str | None = None
    password: str | None = None


class _Refused(Exception):
    """The block is refused as a whole; the error is already recorded."""


def parse_legacy(ctx: Ctx, node: Node) -> LegacyAuth | None:
    a = RawLegacy()
    try:
        dispatch(
            ctx, node, AUTH_KEYWORDS, "authentication", a, refused=AUTH_REFUSED, secret_block=True
        )
    except _Refused:
        return None
    if a.auth_type is None:
        ctx.error(node, "authentication block has no auth_type")
        return None
    if a.password is None:
        ctx.error(node, "authentication block has no auth_pass")
        return None
    return LegacyAuth(
        type=cast(Any, a.auth_type),
        password=Secret(a.password.encode("utf-8", errors="replace")),
        file=node.file,
        line=node.line,
    )


def _auth_type(ctx: Ctx, node: Node, a: RawLegacy) -> None:
    value = node.args[0].text if node.args else ""
    if value.upper() not in ("PASS", "AH"):
        ctx.error(node, "auth_type must be PASS or AH")
        raise _Refused
    a.auth_type = value.upper()


def _auth_pass(ctx: Ctx, node: Node, a: RawLegacy) -> None:
    if not node.args:
        ctx.error(node, "auth_pass needs a value")
        raise _Refused
    password = node.args[0].text
    if len(password) > 8:
        ctx.warning(node, "auth_pass is longer than 8 characters; only the first 8 are used")
        password = password[:8]
    a.password = password


AUTH_KEYWORDS: dict[str, Handler[RawLegacy]] = {
    "auth_type": _auth_type,
    "auth_pass": _auth_pass,
}

AUTH_REFUSED = refused("authentication", AUTH_KEYWORDS)

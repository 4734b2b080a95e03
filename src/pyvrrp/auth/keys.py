"""Key values as keepalived writes them: ``hex:...``, plain ASCII, or ``file:PATH``.

A key is 32 to 64 bytes after decoding and its id is 1 to 255. Key bytes are
wrapped in :class:`Secret`, whose repr, str and format never show them, so a
key cannot leak through a log line, an exception or a status dump by accident.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

KEY_MIN_LEN = 32
KEY_MAX_LEN = 64
KEY_ID_MIN = 1
KEY_ID_MAX = 255


class KeyValueError(ValueError):
    """A key value that cannot be used. The message never contains key bytes."""


class Secret:
    """Key bytes that refuse to be printed."""

    __slots__ = ("_value",)

    def __init__(self, value: bytes) -> None:
        self._value = bytes(value)

    @property
    def value(self) -> bytes:
        return self._value

    def __len__(self) -> int:
        return len(self._value)

    def __repr__(self) -> str:
        return f"<secret {len(self._value)} bytes>"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return repr(self)

    def __eq__(self, other: object) -> bool:
        import hmac

        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(self._value, other._value)

    def __hash__(self) -> int:
        # Hash of the length only: equal secrets hash equal, and nothing about
        # the bytes is exposed through the hash.
        return hash(("pyvrrp.Secret", len(self._value)))

    def __reduce__(self) -> tuple[object, ...]:  # pragma: no cover - defensive
        raise TypeError("a Secret cannot be pickled")


@dataclass(frozen=True)
class LoadedKey:
    """A decoded key value, where it came from and any warnings about it."""

    secret: Secret
    form: str  # "hex", "ascii" or "file"
    path: str | None = None
    warnings: tuple[str, ...] = field(default=())


def check_key_id(key_id: int) -> int:
    if not KEY_ID_MIN <= key_id <= KEY_ID_MAX:
        raise KeyValueError(f"key id {key_id} out of range {KEY_ID_MIN}..{KEY_ID_MAX}")
    return key_id


def _decode_inline(text: str, where: str) -> bytes:
    """Decode ``hex:...`` or ASCII; ``where`` prefixes messages ("key file X")."""
    where = f"{where}: " if where else ""
    if text.startswith("hex:"):
        digits = text[4:]
        if not digits:
            raise KeyValueError(f"{where}empty hex: key")
        if len(digits) % 2:
            raise KeyValueError(f"{where}hex: key has an odd number of digits ({len(digits)})")
        try:
            raw = bytes.fromhex(digits)
        except ValueError:
            raise KeyValueError(
                f"{where}hex: key has a character that is not a hex digit"
            ) from None
    else:
        if not text:
            raise KeyValueError(f"{where}empty key")
        if not text.isascii() or not text.isprintable():
            raise KeyValueError(f"{where}key is not printable ASCII (use hex: for binary keys)")
        raw = text.encode("ascii")
    if not KEY_MIN_LEN <= len(raw) <= KEY_MAX_LEN:
        raise KeyValueError(
            f"{where}key is {len(raw)} bytes, must be {KEY_MIN_LEN} to {KEY_MAX_LEN} bytes"
        )
    return raw


def load_key(text: str, *, base_dir: Path | None = None) -> LoadedKey:
    """Decode a key value: ``hex:<digits>``, ``file:<path>`` or plain ASCII.

    A ``file:`` key holds either of the two inline forms (trailing whitespace
    and newlines are ignored). A file readable by group or others is accepted
    with a security warning, as keepalived does.
    """
    if text.startswith("file:"):
        path = Path(text[5:])
        if not text[5:]:
            raise KeyValueError("file: key names no file")
        if not path.is_absolute() and base_dir is not None:
            path = base_dir / path
        try:
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            raise KeyValueError(f"key file {path} does not exist") from None
        except PermissionError:
            raise KeyValueError(f"key file {path} is not readable (permission denied)") from None
        except OSError as exc:
            raise KeyValueError(f"key file {path} cannot be opened: {exc.strerror}") from None
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                raise KeyValueError(f"key file {path} is not a regular file")
            data = os.read(fd, 4096)
        finally:
            os.close(fd)
        warnings: list[str] = []
        if st.st_mode & (stat.S_IRGRP | stat.S_IROTH):
            warnings.append(
                f"key file {path} is readable by group or others "
                f"(mode {stat.S_IMODE(st.st_mode):04o}); make it root-owned, mode 0600"
            )
        try:
            content = data.decode("ascii").rstrip("\r\n\t ")
        except UnicodeDecodeError:
            raise KeyValueError(
                f"key file {path} is not ASCII (write binary keys as hex:)"
            ) from None
        raw = _decode_inline(content, f"key file {path}")
        return LoadedKey(Secret(raw), "file", str(path), tuple(warnings))
    form = "hex" if text.startswith("hex:") else "ascii"
    return LoadedKey(Secret(_decode_inline(text, "")), form)

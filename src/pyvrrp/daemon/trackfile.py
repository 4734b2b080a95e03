"""keepalived's track_file: the number in a file, watched with inotify.

The watcher is an input like a script result (DESIGN: trackers are inputs):
it reads the file when the kernel says it was written, moved or removed, and
hands the number to the sans-I/O :class:`~pyvrrp.protocol.Tracker`. No
polling: a write is seen within one loop turn of its ``close()``.

As keepalived (trackers/track_file.c): the directory is watched, not the file,
so a file created, replaced by ``rename`` or removed later is seen; a file
that is missing or holds no number reads as 0; the number is read as
``strtol(..., 0)`` does (leading blanks, a sign, ``0x`` hex or ``0`` octal,
anything after the digits ignored); a value outside 32 bits is ignored (the
last one stays).
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import errno
import logging
import os
import re
import struct
from collections.abc import Callable, Iterable

log = logging.getLogger("pyvrrp.trackfile")

IN_CLOSE_WRITE = 0x00000008
IN_MOVED_FROM = 0x00000040
IN_MOVED_TO = 0x00000080
IN_CREATE = 0x00000100
IN_DELETE = 0x00000200
IN_ISDIR = 0x40000000
IN_NONBLOCK = os.O_NONBLOCK
IN_CLOEXEC = os.O_CLOEXEC
_MASK = IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE
_EVENT = struct.Struct("iIII")  # wd, mask, cookie, len

_NUMBER = re.compile(r"\s*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)")


def parse_value(data: bytes) -> int | None:
    """The number at the start of ``data`` as keepalived reads it (0 when there
    is none); None when it does not fit in 32 bits (keepalived ignores it)."""
    m = _NUMBER.match(data[:127].decode("ascii", errors="replace"))
    if m is None:
        return 0
    sign, digits = m.groups()
    if digits[:2] in ("0x", "0X"):
        value = int(digits[2:], 16)
    elif digits.startswith("0") and len(digits) > 1:
        value = int(digits[1:], 8)
    else:
        value = int(digits)
    if sign == "-":
        value = -value
    if not -(2**31) <= value <= 2**31:
        return None
    return value


def read_value(path: str) -> int | None:
    """What the file holds now (see :func:`parse_value`); missing: 0."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return 0
    try:
        data = os.read(fd, 127)
    except OSError:
        return 0
    finally:
        os.close(fd)
    return parse_value(data)


def init_file(path: str, value: int, overwrite: bool) -> str | None:
    """keepalived's ``init_file``: write ``value`` when the file is missing (or
    always, with ``overwrite``, if it is a regular file). None, or why not."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        return f"cannot stat {path}: {exc.strerror}"
    if st is not None and not overwrite:
        return None
    if st is not None and not os.path.isfile(path):
        return f"cannot initialise {path}: not a regular file"
    try:
        with open(path, "w") as fh:
            fh.write(f"{value}\n")
    except OSError as exc:
        return f"cannot initialise {path}: {exc.strerror}"
    return None


class _Inotify:
    """The three libc calls, through ctypes (the standard library has none)."""

    def __init__(self) -> None:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        self._add = libc.inotify_add_watch
        self._add.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_uint32]
        self._add.restype = ctypes.c_int
        init = libc.inotify_init1
        init.argtypes = [ctypes.c_int]
        init.restype = ctypes.c_int
        fd = init(IN_NONBLOCK | IN_CLOEXEC)
        if fd < 0:
            e = ctypes.get_errno()
            raise OSError(e, f"inotify_init1: {os.strerror(e)}")
        self.fd = fd

    def add_watch(self, directory: str, mask: int) -> int:
        wd = int(self._add(self.fd, os.fsencode(directory), mask))
        if wd < 0:
            e = ctypes.get_errno()
            raise OSError(e, f"inotify_add_watch {directory}: {os.strerror(e)}")
        return wd

    def read(self) -> list[tuple[int, int, str]]:
        """(wd, mask, name) of each event waiting; [] when none."""
        try:
            data = os.read(self.fd, 64 * 1024)
        except OSError as exc:
            if exc.errno in (errno.EAGAIN, errno.EINTR):
                return []
            raise
        out = []
        i = 0
        while i + _EVENT.size <= len(data):
            wd, mask, _cookie, length = _EVENT.unpack_from(data, i)
            raw = data[i + _EVENT.size : i + _EVENT.size + length]
            out.append((wd, mask, os.fsdecode(raw.rstrip(b"\0"))))
            i += _EVENT.size + length
        return out

    def close(self) -> None:
        os.close(self.fd)


class FileWatcher:
    """Watches files by their directories; calls ``on_change(path, value)``
    with the file's new number whenever it is written, replaced or removed."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        paths: Iterable[str],
        on_change: Callable[[str, int], None],
    ) -> None:
        self._loop = loop
        self._on_change = on_change
        self._inotify = _Inotify()
        self._by_watch: dict[tuple[int, str], str] = {}
        for path in sorted(set(paths)):
            directory, name = os.path.split(os.path.abspath(path))
            try:
                wd = self._inotify.add_watch(directory, _MASK)
            except OSError as exc:
                log.error("track_file %s: cannot watch: %s", path, exc)
                continue
            self._by_watch[(wd, name)] = path
        loop.add_reader(self._inotify.fd, self._read)

    def _read(self) -> None:
        changed: dict[str, int] = {}
        for wd, mask, name in self._inotify.read():
            if mask & IN_ISDIR:
                continue
            path = self._by_watch.get((wd, name))
            if path is None:
                continue
            if mask & (IN_DELETE | IN_MOVED_FROM):
                changed[path] = 0  # gone: as though it held 0
            else:
                value = read_value(path)
                if value is None:
                    log.warning("track_file %s: a number outside 32 bits; ignored", path)
                    continue
                changed[path] = value
        for path, value in changed.items():
            self._on_change(path, value)

    def close(self) -> None:
        self._loop.remove_reader(self._inotify.fd)
        self._inotify.close()

"""keepalived's notify FIFOs: one line per state change, never blocking.

``notify_fifo`` and ``vrrp_notify_fifo`` (global_defs) name a FIFO that gets,
for every instance or sync group state change, the line keepalived writes::

    INSTANCE "VI_1" MASTER 100
    GROUP "G1" BACKUP 0
    INSTANCE "VI_1" MASTER_RX_LOWER_PRI 100
    INSTANCE "VI_1" BACKUP_PRIORITY 90      (notify_priority_changes)

As keepalived (lib/notify.c): the FIFO is created if missing (mode 0644,
given to the configured user and group, removed again at exit), opened
read-write and non-blocking, so a write never waits for a reader and, when
nobody reads and the pipe is full, the line is dropped (counted) rather than
the daemon held up; a path that exists but is not a FIFO we (or the configured
user) own is refused, so nothing planted there is written to.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import stat

log = logging.getLogger("pyvrrp.fifo")


def fifo_line(kind: str, name: str, state: str, priority: int) -> str:
    """keepalived's line: ``TYPE "NAME" STATE PRIORITY``."""
    return f'{kind} "{name}" {state} {priority}\n'


class NotifyFifo:
    """One notify FIFO, open for writing."""

    def __init__(self, path: str, uid: int | None = None, gid: int | None = None) -> None:
        self.path = path
        self.created = False
        self.dropped = 0
        self.written = 0
        self.fd = -1
        try:
            os.mkfifo(path, 0o644)
            self.created = True
            if (uid is not None and uid != os.getuid()) or (gid is not None and gid != os.getgid()):
                os.chown(path, -1 if uid is None else uid, -1 if gid is None else gid)
        except FileExistsError:
            pass
        flags = os.O_RDWR | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOFOLLOW
        fd = os.open(path, flags)
        st = os.fstat(fd)
        if not stat.S_ISFIFO(st.st_mode) or st.st_uid not in (os.getuid(), uid):
            os.close(fd)
            self._unlink()
            raise OSError(errno.EPERM, f"{path} is not a FIFO owned by us: not used")
        self.fd = fd

    def write(self, line: str) -> None:
        if self.fd < 0:
            return
        try:
            os.write(self.fd, line.encode())
            self.written += 1
        except BlockingIOError:
            self.dropped += 1  # nobody reads and the pipe is full
        except OSError as exc:
            self.dropped += 1
            log.warning("notify fifo %s: write failed: %s", self.path, exc.strerror)

    def _unlink(self) -> None:
        if self.created:
            with contextlib.suppress(OSError):
                os.unlink(self.path)
            self.created = False

    def close(self) -> None:
        # Unlinked first, so a reader that reopens in a loop cannot find it again.
        self._unlink()
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

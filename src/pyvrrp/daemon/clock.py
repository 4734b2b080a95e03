"""The daemon's two clocks: monotonic for protocol timers, wall for auth_hmac.

A network namespace cannot have a clock of its own, so the lab gives a node a
skewed wall clock through ``PYVRRP_LAB_CLOCK_FILE``: a file holding an offset
in seconds, re-read at most once a second. Only the lab sets it.
"""

from __future__ import annotations

import os
import time

LAB_CLOCK_ENV = "PYVRRP_LAB_CLOCK_FILE"


class Clock:
    def __init__(self, offset_file: str | None = None) -> None:
        self._file = offset_file if offset_file is not None else os.environ.get(LAB_CLOCK_ENV)
        self._offset_ns = 0
        self._checked = -1.0

    def monotonic(self) -> float:
        return time.monotonic()

    def wall_ns(self) -> int:
        if self._file is None:
            return time.time_ns()
        now = time.monotonic()
        if now - self._checked >= 0.2:
            self._checked = now
            try:
                with open(self._file) as f:
                    self._offset_ns = int(float(f.read().strip() or 0) * 1e9)
            except (OSError, ValueError):
                self._offset_ns = 0
        return time.time_ns() + self._offset_ns

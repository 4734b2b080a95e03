"""Rate-limited logging: at most one line per key per interval, with a count
of what was suppressed, so a flood of bad adverts cannot fill the disk."""

from __future__ import annotations

import logging


class RateLimitedLog:
    def __init__(self, logger: logging.Logger, interval: float = 10.0) -> None:
        self.logger = logger
        self.interval = interval
        self._last: dict[object, float] = {}
        self._suppressed: dict[object, int] = {}

    def suppressed(self, key: object, now: float) -> bool:
        """Whether a line under ``key`` would be suppressed now; counts it if so.
        For callers whose message costs something to build: ask first."""
        last = self._last.get(key)
        if last is not None and now - last < self.interval:
            self._suppressed[key] = self._suppressed.get(key, 0) + 1
            return True
        return False

    def log(self, key: object, now: float, level: int, msg: str, *args: object) -> bool:
        last = self._last.get(key)
        if last is not None and now - last < self.interval:
            self._suppressed[key] = self._suppressed.get(key, 0) + 1
            return False
        self._last[key] = now
        n = self._suppressed.pop(key, 0)
        if n:
            msg += " (%d more suppressed in the last %.0fs)"
            args = (*args, n, self.interval)
        self.logger.log(level, msg, *args)
        return True

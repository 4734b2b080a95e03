"""The one error the wire layer raises."""

from __future__ import annotations


class DecodeError(ValueError):
    """Malformed input. ``reason`` is a short machine-readable token (used as a
    drop counter name), the message says what was wrong in words."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason

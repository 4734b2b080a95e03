"""The one error the net layer raises."""

from __future__ import annotations


class NetError(OSError):
    """A kernel operation failed. The message names the interface and address;
    ``ifname``, ``address`` and ``errno`` are kept for callers."""

    def __init__(
        self,
        message: str,
        *,
        ifname: str | None = None,
        address: object = None,
        errno: int | None = None,
    ) -> None:
        super().__init__(errno or 0, message)
        self.ifname = ifname
        self.address = address

    def __str__(self) -> str:
        return str(self.strerror)

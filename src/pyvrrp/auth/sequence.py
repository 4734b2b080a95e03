"""The 64-bit trailer sequence: ``sec << 32 | subsec << 16 | ctr``.

Compared with serial number arithmetic (RFC 1982) over 64 bits, so the
sequence survives the 32-bit ``sec`` wrapping in 2106.
"""

from __future__ import annotations

SEQ_BITS = 64
SEQ_MOD = 1 << SEQ_BITS
SEQ_HALF = 1 << (SEQ_BITS - 1)
NS_PER_SEC = 1_000_000_000


def serial_gt(a: int, b: int) -> bool:
    """RFC 1982 §3.2: ``a`` is after ``b`` (undefined at exactly half apart,
    which we treat as not after)."""
    return a != b and (a - b) % SEQ_MOD < SEQ_HALF


def sec_delta(now_sec: int, sec: int) -> int:
    """``now_sec - sec`` as a signed 32-bit number (the trailer keeps the low
    32 bits of the Unix time)."""
    d = (now_sec - sec) & 0xFFFFFFFF
    return d - 0x1_0000_0000 if d & 0x8000_0000 else d


def clock_sequence(now_ns: int) -> int:
    """The sequence candidate for wall-clock time ``now_ns`` (ns since the epoch)."""
    sec, ns = divmod(now_ns, NS_PER_SEC)
    subsec = ns * 65536 // NS_PER_SEC
    return (sec & 0xFFFFFFFF) << 32 | subsec << 16


class SendSequence:
    """The sender's sequence: the clock when it has moved on, else last + 1.

    In ``time`` mode a last sequence whose ``sec`` is more than ``window``
    seconds ahead of the clock means the clock was stepped back and corrected:
    restart from the clock rather than run ahead of it forever (receivers
    would call every advert stale).
    """

    __slots__ = ("last",)

    def __init__(self, last: int | None = None) -> None:
        self.last = last

    def next(self, now_ns: int, *, time_mode: bool, window: int) -> int:
        sec, ns = divmod(now_ns, NS_PER_SEC)  # clock_sequence(now_ns), inline
        candidate = (sec & 0xFFFFFFFF) << 32 | (ns * 65536 // NS_PER_SEC) << 16
        last = self.last
        if last is None or (candidate != last and (candidate - last) % SEQ_MOD < SEQ_HALF):
            seq = candidate
        elif time_mode and sec_delta(last >> 32, candidate >> 32) > window:
            seq = candidate
        else:
            seq = (last + 1) % SEQ_MOD
        self.last = seq
        return seq

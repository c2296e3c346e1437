"""Bounded by design: what is not kept is still counted, so a report can say "N more not shown".

Every per-key structure has a cap (a module-level constant beside it, listed in the README):
findings (``findings.MAX_FINDINGS``, ``MAX_FINDINGS_PER_PATTERN``), occurrences
(``findings.MAX_OCCURRENCES``), lifetimes (``lifetimes.MAX_LIFETIMES``), PIDs kept for
correlation (``findings.MAX_PENDING_PIDS``), databases (``pipeline.MAX_DATABASES``), modules
(``pipeline.MAX_MODULES``). What goes past a cap is counted here, in constant memory.
"""

from __future__ import annotations

import math
import zlib

DISTINCT_BITS = 1 << 23
"""Bits of a distinct counter (1 MiB): linear counting is exact in practice up to hundreds of
thousands of keys and within 0.1 % at millions."""


class DistinctCounter:
    """How many distinct keys were seen, in constant memory (linear counting on a bitmap)."""

    __slots__ = ("bits", "extra", "seen")

    def __init__(self) -> None:
        self.bits: bytearray | None = None  # allocated on the first key: most runs never need one
        self.seen = 0
        self.extra = 0

    def add(self, key: object) -> None:
        if self.bits is None:
            self.bits = bytearray(DISTINCT_BITS // 8)
        # not hash(): it changes with PYTHONHASHSEED, and a report must be the same on every run
        h = zlib.crc32(repr(key).encode("utf-8", "surrogatepass")) & (DISTINCT_BITS - 1)
        byte, bit = h >> 3, 1 << (h & 7)
        if not self.bits[byte] & bit:
            self.bits[byte] |= bit
            self.seen += 1

    def __len__(self) -> int:
        zeros = DISTINCT_BITS - self.seen
        if not self.seen or zeros <= 0:
            return self.seen + self.extra
        return max(self.seen, round(-DISTINCT_BITS * math.log(zeros / DISTINCT_BITS))) + self.extra

    def merge(self, other: DistinctCounter) -> None:
        """Another process's counter (``-j``): the hash is the same in every process, so the
        bitmaps are united and a key seen by two streams counts once."""
        self.extra += other.extra
        if other.bits is None:
            return
        if self.bits is None:
            self.bits = bytearray(other.bits)
        else:
            self.bits = bytearray(a | b for a, b in zip(self.bits, other.bits, strict=True))
        self.seen = int.from_bytes(self.bits, "little").bit_count()

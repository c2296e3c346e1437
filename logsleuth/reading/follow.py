"""Follow a growing log like ``tail -F``: survive rotation (the path now names a new file) and
truncation (``copytruncate``), and say when the writer has gone quiet so the pending record
can be analysed without waiting for the next one."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator

from logsleuth.reading.sources import MAX_LINE_BYTES, LineCleaner, Source

IDLE = None
"""Yielded when no new line arrived for a poll interval."""


class Follower:
    """Yields ``(source, number, text)`` for each complete new line, or ``IDLE``."""

    def __init__(self, path: str, from_start: bool = False, poll: float = 0.25) -> None:
        self.path = path
        self.from_start = from_start
        self.poll = poll
        self.generation = 0
        self.rotations = 0
        self.truncations = 0

    def _source(self) -> Source:
        self.generation += 1
        name = self.path if self.generation == 1 else f"{self.path}@{self.generation}"
        return Source(name)

    def lines(self, stop: Callable[[], bool]) -> Iterator[tuple[Source, int, str] | None]:
        fh = None
        inode = None
        number = 0
        partial = b""
        source = self._source()
        clean = LineCleaner(source)
        first_open = True
        while not stop():
            if fh is None:
                try:
                    fh = open(self.path, "rb")
                except FileNotFoundError:
                    time.sleep(self.poll)
                    yield IDLE
                    continue
                inode = os.fstat(fh.fileno()).st_ino
                if first_open and not self.from_start:
                    fh.seek(0, os.SEEK_END)
                    number = _count_lines(self.path, fh.tell())
                first_open = False
            chunk = fh.readline(MAX_LINE_BYTES)
            if chunk:
                partial += chunk
                if not partial.endswith(b"\n") and len(partial) < MAX_LINE_BYTES:
                    continue  # the writer has not finished this line yet
                raw, partial = partial, b""
                number += 1
                source.lines = number
                source.bytes += len(raw)
                yield source, number, clean(raw)
                continue
            # no new data: rotated, truncated, or just quiet?
            try:
                st = os.stat(self.path)
            except FileNotFoundError:
                st = None
            if st is not None and st.st_ino != inode:
                self.rotations += 1
                fh.close()
                fh, number, partial = None, 0, b""
                source = self._source()
                clean = LineCleaner(source)
                continue
            if st is not None and st.st_size < fh.tell():
                self.truncations += 1
                fh.seek(0)
                number, partial = 0, b""
                source = self._source()
                clean = LineCleaner(source)
                continue
            yield IDLE
            time.sleep(self.poll)
        if fh is not None:
            fh.close()


def _count_lines(path: str, upto: int) -> int:
    count = 0
    with open(path, "rb") as fh:
        remaining = upto
        while remaining > 0:
            chunk = fh.read(min(remaining, 4 * 1024 * 1024))
            if not chunk:
                break
            count += chunk.count(b"\n")
            remaining -= len(chunk)
    return count

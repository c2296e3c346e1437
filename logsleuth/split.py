"""One large plain file on several cores.

The file is cut into byte ranges at record boundaries (a line that starts with a log header).
Worker processes do the expensive, state-free part of each range: decoding and folding runs of
routine request lines into *segments* (fastpath.Folder, as a serial read does). The parent
consumes the ranges in order and does the stateful part: the other lines go through the hot
loop exactly as in a serial read, and a segment is applied in one step when its processes share
one known lifetime outside a shutdown window; otherwise its lines are read again and fed one by
one. The report equals the serial one (tests prove it on logs
whose records, tracebacks and lifetimes straddle the cut points). Memory is bounded by the number
of ranges in flight.
"""

from __future__ import annotations

import os
import re
from concurrent.futures import ProcessPoolExecutor

from logsleuth.fastpath import Folder, HotLoop, Segment, read_blocks
from logsleuth.sources import _PREFIX_PROBE_LINES, LineCleaner, Source, _detect_prefix, _looks_binary
from logsleuth.workers import init_worker

RANGE_BYTES = 16 * 1024 * 1024
MIN_SPLIT_BYTES = 64 * 1024 * 1024
_HEADER_START = re.compile(rb"\n(?=\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} \d+ [A-Z_]{3,10} \S+ [^\s:]+:)")


def splittable(source: Source) -> bool:
    """Plain, seekable, large, and without console prefixes (those need the per-line reader)."""
    if source.path == "-" or not os.path.isfile(source.path) or os.path.getsize(source.path) < MIN_SPLIT_BYTES:
        return False
    with open(source.path, "rb") as fh:
        head = fh.read(65536)
    if head.startswith((b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00")) or _looks_binary(head[:4096]):
        return False
    lines = head.split(b"\n")[:_PREFIX_PROBE_LINES]
    return not any(_detect_prefix(x.decode("utf-8", "replace")) for x in lines)


def cut_points(path: str, size: int) -> list[int]:
    """Offsets where a range may start: the beginning of a header line near each nominal cut."""
    cuts = [0]
    with open(path, "rb") as fh:
        for nominal in range(RANGE_BYTES, size, RANGE_BYTES):
            fh.seek(nominal)
            window = fh.read(1024 * 1024)
            m = _HEADER_START.search(window)
            if m is None:
                continue
            at = nominal + m.start() + 1
            if at > cuts[-1]:
                cuts.append(at)
    cuts.append(size)
    return cuts


class _Range:
    """A raw stream over bytes [start, end) of a file."""

    def __init__(self, path: str, start: int, end: int) -> None:
        self.fh = open(path, "rb")
        self.fh.seek(start)
        self.left = end - start
        self.closed = False

    def readable(self) -> bool:
        return True

    def readinto(self, buf) -> int:
        if self.left <= 0:
            return 0
        data = self.fh.read(min(len(buf), self.left))
        buf[: len(data)] = data
        self.left -= len(data)
        return len(data)

    def close(self) -> None:
        self.fh.close()
        self.closed = True

    def flush(self) -> None:
        pass


def _read_range(path: str, start: int, end: int) -> tuple[list, dict]:
    """Worker: the events of one byte range (see Folder.fold), line numbers counted from the
    range start. Segments leave their text behind: the parent reads them again if it must."""
    import io

    source = Source(path)
    raw = _Range(path, start, end)
    stream = io.BufferedReader(raw, buffer_size=1024 * 1024)  # type: ignore[arg-type]
    folder = Folder()
    events: list = []
    number = 1
    at = start  # the file offset of the block
    try:
        for block in read_blocks(source, stream, probe=False):
            size = start + source.bytes - at
            exact = size == len(block) and block.isascii()  # characters are bytes: offsets carry over
            folded, number = folder.fold(block, number)
            source.lines = number - 1
            for event in folded:
                if type(event) is Segment:
                    event.text = None
                    event.path = path
                    if exact:
                        event.offset, event.skip = at + event.start, 0
                    else:
                        event.offset, event.skip = start, event.first - 1
                events.append(event)
            at += size
    finally:
        raw.close()
    stats = {
        "lines": source.lines,
        "bytes": source.bytes,
        "cut_lines": source.cut_lines,
        "cut_bytes": source.cut_bytes,
        "damage": source.damage,
    }
    return events, stats


def run_split(pipeline, source: Source, jobs: int) -> None:
    """Feed one large plain file through the pipeline using ``jobs`` processes for the reading."""
    size = os.path.getsize(source.path)
    cuts = cut_points(source.path, size)
    ranges = list(zip(cuts, cuts[1:]))
    loop = HotLoop(pipeline, source.name)
    base = 0
    with ProcessPoolExecutor(max_workers=jobs, initializer=init_worker) as pool:
        pending = []
        it = iter(ranges)
        for _ in range(jobs + 1):
            nxt = next(it, None)
            if nxt is not None:
                pending.append((nxt, pool.submit(_read_range, source.path, *nxt)))
        while pending:
            (start, _end), future = pending.pop(0)
            events, stats = future.result()
            nxt = next(it, None)
            if nxt is not None:
                pending.append((nxt, pool.submit(_read_range, source.path, *nxt)))
            for event in events:
                if type(event) is Segment:
                    loop.apply(event, base)
                else:
                    loop.feed_lines(event[1], base + event[0])
            source.lines += stats["lines"]
            source.bytes += stats["bytes"]
            source.cut_lines += stats["cut_lines"]
            source.cut_bytes += stats["cut_bytes"]
            source.damage = source.damage or stats["damage"]
            base += stats["lines"]
    loop.finish()


def reread(seg: Segment) -> list[str]:
    """The lines of a segment, read again from the file (rare: see HotLoop.apply)."""
    import io
    import itertools

    with open(seg.path, "rb") as fh:
        fh.seek(seg.offset)
        source = Source(seg.path)
        clean = LineCleaner(source)
        clean.probing = False
        reader = io.BufferedReader(fh, buffer_size=1024 * 1024)  # type: ignore[arg-type]
        from logsleuth.sources import read_bounded_line

        for _ in range(seg.skip):
            read_bounded_line(reader.readline, source)
        return [clean(read_bounded_line(reader.readline, source)) for _ in itertools.repeat(None, seg.count)]

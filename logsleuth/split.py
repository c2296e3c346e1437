"""One large plain file on several cores.

The file is cut into byte ranges at record boundaries (a line that starts with a log header).
Worker processes do the expensive, state-free part of each range: decoding, splitting lines and
recognising routine request lines, which they fold into *segments* (per process: how many
lines, the last one). The parent consumes the ranges in order and does the stateful part: the
other lines go through the hot loop exactly as in a serial read, and a segment is applied in one
step when every process in it has a known lifetime outside a shutdown window; otherwise its lines
are read again and fed one by one. The report equals the serial one (tests prove it on logs
whose records, tracebacks and lifetimes straddle the cut points). Memory is bounded by the number
of ranges in flight.
"""

from __future__ import annotations

import os
import re
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

from logsleuth.fastpath import _LIFECYCLE, _ROUTINE, HotLoop, _sync
from logsleuth.records import HEADER, RAW_START
from logsleuth.sources import _PREFIX_PROBE_LINES, LineCleaner, Source, _detect_prefix, _looks_binary

RANGE_BYTES = 16 * 1024 * 1024
MIN_SPLIT_BYTES = 64 * 1024 * 1024
_HEADER_START = re.compile(rb"\n(?=\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} \d+ [A-Z_]{3,10} \S+ [^\s:]+:)")
_TB = "Traceback (most recent call last):"


@dataclass
class Segment:
    """Consecutive routine request lines: per ``pid INFO db`` key, how many and the last one."""

    first: int
    offset: int
    count: int = 0
    keys: dict[str, list] = field(default_factory=dict)  # key -> [count, last index, last line, last text]
    last_key: str = ""
    first_text: str = ""
    last_text: str = ""


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
        self.fh = open(path, "rb")  # noqa: SIM115 - closed by close()
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
    """Worker: the events of one byte range, with line numbers counted from the range start."""
    import io

    from logsleuth.fastpath import read_blocks

    source = Source(path)
    raw = _Range(path, start, end)
    stream = io.BufferedReader(raw, buffer_size=1024 * 1024)  # type: ignore[arg-type]
    lines: list[str] = []
    try:
        for block in read_blocks(source, stream, probe=False):
            lines.extend(block)
    finally:
        raw.close()
    events = _events(lines, start)
    stats = {"lines": source.lines, "bytes": source.bytes, "cut_lines": source.cut_lines, "cut_bytes": source.cut_bytes,
             "damage": source.damage}
    return events, stats


def _events(lines: list[str], start: int) -> list:
    """Batches of lines for the hot loop and segments of complete routine request lines (a
    routine line followed by a line that shows it is complete, as the serial hot loop decides
    before it accounts a held line). One tight loop: this runs on every line."""
    header = HEADER.match
    raw_start = RAW_START.match
    match = _ROUTINE.match
    events: list = []
    batch_from = 0  # first line not yet in an event
    seg_from = -1  # first line of the open segment
    keys: dict[str, list] = {}
    held = -1  # index of a routine line waiting for the next one
    held_key = ""

    def close_segment(until: int) -> None:
        seg = Segment(seg_from + 1, start, first_text=lines[seg_from])
        seg.count = until - seg_from
        seg.keys = {key: [n, last - seg_from, last + 1, lines[last]] for key, (n, last) in keys.items()}
        seg.last_key = _ROUTINE.match(lines[until - 1]).group(2)
        seg.last_text = lines[until - 1]
        events.append(("S", seg))

    def take_held() -> None:
        """The held routine line is complete: it joins (or opens) the current segment."""
        nonlocal seg_from, keys, batch_from
        if seg_from < 0:
            if held > batch_from:
                events.append(("L", batch_from + 1, lines[batch_from:held]))
            seg_from = held
            keys = {}
        entry = keys.get(held_key)
        if entry is None:
            keys[held_key] = [1, held]
        else:
            entry[0] += 1
            entry[1] = held
        batch_from = held + 1

    for i, text in enumerate(lines):
        m = match(text)
        if held >= 0:
            if m is not None and seg_from >= 0:  # the common case, inline: a run goes on
                entry = keys.get(held_key)
                if entry is None:
                    keys[held_key] = [1, held]
                else:
                    entry[0] += 1
                    entry[1] = held
                batch_from = held + 1
            elif m is not None or header(text) or raw_start(text) or text == _TB:
                take_held()
            elif seg_from >= 0:
                close_segment(held)
                seg_from = -1
            held = -1
        if m is not None and '" 5' not in text and not text.startswith(_LIFECYCLE, m.end()):
            held, held_key = i, m.group(2)
            continue
        if seg_from >= 0:
            close_segment(i)
            seg_from = -1
    if held >= 0:  # the last line of a range is followed by a header (the next range) or the end
        take_held()
    if seg_from >= 0:
        close_segment(batch_from)
    if batch_from < len(lines):
        events.append(("L", batch_from + 1, lines[batch_from:]))
    return events


def run_split(pipeline, source: Source, jobs: int) -> None:
    """Feed one large plain file through the pipeline using ``jobs`` processes for the reading."""
    size = os.path.getsize(source.path)
    cuts = cut_points(source.path, size)
    ranges = list(zip(cuts, cuts[1:]))
    loop = HotLoop(pipeline, source.name)
    loop.path = source.path
    base = 0
    with ProcessPoolExecutor(max_workers=jobs) as pool:
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
                if event[0] == "L":
                    loop.feed_lines(event[2], base + event[1])
                else:
                    apply_segment(loop, event[1], base)
            source.lines += stats["lines"]
            source.bytes += stats["bytes"]
            source.cut_lines += stats["cut_lines"]
            source.cut_bytes += stats["cut_bytes"]
            source.damage = source.damage or stats["damage"]
            base += stats["lines"]
    loop.finish()


def apply_segment(loop: HotLoop, seg: Segment, base: int) -> None:
    """Account a segment in one step, or line by line when some process in it needs the
    general path (unknown, shutting down, or awaited as the trigger of an explained failure)."""
    pipeline = loop.pipeline
    tracker = pipeline.tracker
    loop.release()
    pending = loop.parser.flush()
    if pending is not None:
        loop.general(pending)
    loop.sync()
    lifetimes = {}
    if not pipeline.engine._pending_request:
        for key in seg.keys:
            lt = tracker.by_pid.get(int(key.split(" ", 1)[0]))
            if lt is None or lt.shutdown_seq is not None:
                break
            lifetimes[key] = lt
    if len(lifetimes) != len(seg.keys):
        loop.feed_lines(_reread(loop.path, seg), base + seg.first)
        return
    result = pipeline.result
    seq0 = tracker.seq
    last_by_lt: dict[int, tuple] = {}
    for key, (count, last_index, last_line, last_text) in seg.keys.items():
        lt = lifetimes[key]
        lt.lines += count
        lt.records += count
        lt.requests += count
        db = key.partition(" INFO ")[2]
        if db not in result.databases and len(result.databases) < 1000:
            result.databases.add(db)
        pid = int(key.split(" ", 1)[0])
        if lt.pid == pid:
            m = _ROUTINE.match(last_text)
            prev = last_by_lt.get(id(lt) * 2 + 1)
            if prev is None or prev[0] < last_index:
                last_by_lt[id(lt) * 2 + 1] = (last_index, lt, last_text[m.end():].rstrip())
        prev = last_by_lt.get(id(lt) * 2)
        if prev is None or prev[0] < last_index:
            last_by_lt[id(lt) * 2] = (last_index, lt, last_line, last_text)
    for k, item in last_by_lt.items():
        if k % 2:
            item[1].last_master_message = item[2]
        else:
            index, lt, line, text = item
            lt.end_line = base + line
            lt.end_source = loop.name
            lt.end_seq = seq0 + index + 1
            lt.end = text[:23]
    tracker.seq = seq0 + seg.count
    tracker.last = lifetimes[seg.last_key]
    if result.first_timestamp is None:
        result.first_timestamp = seg.first_text[:23]
    _sync(pipeline, seg.count, seg.last_text[:23])


def _reread(path: str, seg: Segment) -> list[str]:
    """The lines of a segment, read again from its range (rare: see apply_segment)."""
    import io
    import itertools

    with open(path, "rb") as fh:
        fh.seek(seg.offset)
        source = Source(path)
        clean = LineCleaner(source)
        clean.probing = False
        reader = io.BufferedReader(fh, buffer_size=1024 * 1024)  # type: ignore[arg-type]
        from logsleuth.sources import read_bounded_line

        for _ in range(seg.first - 1):
            read_bounded_line(reader.readline, source)
        return [clean(read_bounded_line(reader.readline, source)) for _ in itertools.repeat(None, seg.count)]

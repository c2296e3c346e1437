"""The hot path: most lines of a production log are routine request lines, handled here without
building a Record for each.

Blocks of the file are decoded at once and split into lines (C speed). A line that is a werkzeug
INFO access line of a process whose lifetime is known and not shutting down, with a status
below 500, only updates counters; every other line goes through the record parser and the full
pipeline. The result is the same as the general path (a test compares them on every log we
have); anything the fast path cannot reproduce exactly (console prefixes, ANSI codes, over-long
lines, a time window, filters, echo) makes it step aside.
"""

from __future__ import annotations

import re
import zlib
import lzma
from typing import Iterator

from logsleuth.errors import InputError
from logsleuth.records import RecordParser
from logsleuth.sources import MAX_LINE_BYTES, LineCleaner, Source, _looks_binary, read_bounded_line

BLOCK = 1024 * 1024
_ROUTINE = re.compile(r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) (\d+ INFO \S+) werkzeug: ")
_HEADERISH = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} \d+ [A-Z_]{3,10} \S+ [^\s:]+:")
_DAMAGE = (OSError, EOFError, zlib.error, lzma.LZMAError)


def read_blocks(source: Source) -> Iterator[list[str]]:
    """Lists of clean lines, equal to what ``read_lines`` yields one by one."""
    stream = source.open_binary()
    try:
        try:
            head = stream.peek(4096)[:4096] if hasattr(stream, "peek") else b""
        except _DAMAGE as exc:
            source.damage = f"damaged {source.compression or 'input'}: {exc}"
            return
        if _looks_binary(head):
            raise InputError("binary data, not a text log", source.name)
        clean = LineCleaner(source)
        read = getattr(stream, "read1", stream.read)
        carry = b""
        while True:
            try:
                data = read(BLOCK)
            except _DAMAGE as exc:
                source.damage = f"damaged {source.compression or 'input'} after line {source.lines}: {exc}"
                return
            if not data:
                if carry:  # a last line without a newline: count only the bytes that are there
                    lines = _bytes_lines(carry + b"\n", source, clean)
                    source.bytes -= 1
                    if len(carry) >= MAX_LINE_BYTES:
                        source.cut_bytes -= 1
                    yield lines
                return
            data = carry + data if carry else data
            cut = data.rfind(b"\n")
            if cut < 0 and len(data) >= MAX_LINE_BYTES:
                # a line longer than the limit: the per-line reader cuts it exactly as usual
                yield from _rest_per_line(data, stream, source, clean)
                return
            if cut < 0:
                carry = data
                continue
            body, carry = data[: cut + 1], data[cut + 1:]
            yield _bytes_lines(body, source, clean)
    finally:
        if source.path != "-":
            stream.close()


def _bytes_lines(body: bytes, source: Source, clean: LineCleaner) -> list[str]:
    """Split a block that ends with a newline into clean lines, counting them on the source.

    Line by line (exactly as read_lines) while the console prefix is still being probed or
    was found, when ANSI codes are present, or when a line may be over-long; as one block
    otherwise."""
    text = body.decode("utf-8", "replace")
    lines = text.split("\n")
    lines.pop()
    if clean.probing or clean.mode or "\x1b" in text or max(map(len, lines), default=0) > MAX_LINE_BYTES // 4:
        lines = []
        for raw in body.split(b"\n")[:-1]:
            if len(raw) >= MAX_LINE_BYTES:
                source.cut_lines += 1
                source.cut_bytes += len(raw) + 1 - MAX_LINE_BYTES
                raw = raw[:MAX_LINE_BYTES]
            lines.append(clean(raw))
    else:
        if "\x00" in text:
            lines = [x.replace("\x00", "") for x in lines]
        if "\r" in text:
            lines = [x.rstrip("\r") for x in lines]
    source.lines += len(lines)
    source.bytes += len(body)
    return lines


def _rest_per_line(data: bytes, stream, source: Source, clean: LineCleaner) -> Iterator[list[str]]:
    import io

    chained = io.BufferedReader(_Prepend(data, stream), buffer_size=BLOCK)  # type: ignore[arg-type]
    while True:
        try:
            raw = read_bounded_line(chained.readline, source)
        except _DAMAGE as exc:
            source.damage = f"damaged {source.compression or 'input'} after line {source.lines}: {exc}"
            return
        if not raw:
            return
        source.lines += 1
        source.bytes += len(raw)
        yield [clean(raw)]


class _Prepend:
    """A raw stream that first returns ``head``, then the rest of ``stream``."""

    def __init__(self, head: bytes, stream) -> None:
        self.head = head
        self.stream = stream
        self.closed = False

    def readable(self) -> bool:
        return True

    def readinto(self, buf) -> int:
        if self.head:
            n = min(len(buf), len(self.head))
            buf[:n] = self.head[:n]
            self.head = self.head[n:]
            return n
        data = self.stream.read(len(buf))
        buf[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self.closed = True

    def flush(self) -> None:
        pass


def run_stream(pipeline, group: list[Source], progress=None) -> bool:
    """Feed one stream through the pipeline using the fast path; False when it does not apply
    (the caller then uses the general path for the whole stream)."""
    if pipeline.in_window is not None or pipeline.select is not None or any(s.echo for s in group):
        return False
    if not all(getattr(stage, "routine_ok", False) for stage in pipeline.extra):
        return False
    for source in group:
        _run_source(pipeline, source, progress)
    return True


def _run_source(pipeline, source: Source, progress=None) -> None:
    """The hot loop. Consecutive routine lines of one lifetime form a *run* kept in locals and
    written back in one go (before the general path sees the next record, or when the lifetime
    changes), so both paths see the same state in the same order.

    A routine line is held until the next line shows it has no continuation (the common case:
    the next line is a header); otherwise it goes through the record parser like any other."""
    from logsleuth.records import HEADER, RAW_START

    name = source.name
    parser = RecordParser(name)
    feed = pipeline.feed
    tracker = pipeline.tracker
    engine = pipeline.engine
    result = pipeline.result
    databases = result.databases
    routine = _ROUTINE.match
    header = HEADER.match
    raw_start = RAW_START.match
    tb_start = "Traceback (most recent call last):"
    cache: dict[str, tuple] = {}
    version = -1
    number = source.first_line - 1
    # the current run: its lifetime, how many lines, the last one, the last master line
    run_lt = None
    run_count = 0
    run_n = 0
    run_m = None
    run_master = None
    unsynced = 0  # routine records not yet written to the pipeline's counters
    last_m = None
    held_m = None  # a routine line waiting for the next line: its match, number, text, cache entry
    held_n = 0
    held_text = ""
    held_entry: tuple = ()

    def close_run() -> None:
        nonlocal run_lt, run_count, run_master
        lt = run_lt
        tracker.seq += run_count
        lt.end_line = run_n
        lt.end_source = name
        lt.end_seq = tracker.seq
        lt.end = run_m.group(1)
        lt.lines += run_count
        lt.records += run_count
        lt.requests += run_count
        if run_master is not None:
            lt.last_master_message = run_master
        tracker.last = lt
        run_lt, run_count, run_master = None, 0, None

    def general(rec) -> None:
        nonlocal unsynced, last_m
        if run_lt is not None:
            close_run()
        if unsynced:
            _sync(pipeline, unsynced, last_m.group(1))
            unsynced, last_m = 0, None
        feed(rec)

    for lines in read_blocks(source):
        if progress is not None:
            progress(sum(s.bytes for s in result.sources))
        for text in lines:
            number += 1
            m = routine(text)
            if held_m is not None:
                if m is not None or header(text) or raw_start(text) or (
                    # as the record parser decides: a bare traceback after a request line is console output
                    text == tb_start and held_text[held_m.end():][:1].isdigit()
                ):
                    lt, is_master = held_entry
                    if lt is not run_lt:
                        if run_lt is not None:
                            close_run()
                        run_lt = lt
                    run_count += 1
                    run_n = held_n
                    run_m = held_m
                    if is_master:
                        run_master = held_text[held_m.end():].rstrip()
                    unsynced += 1
                    last_m = held_m
                    held_m = None
                else:  # a continuation of the routine line: let the parser build that record
                    parser.feed(held_n, held_text)
                    held_m = None
                    parser.feed(number, text)
                    continue
            if m is not None and '" 5' not in text and not engine._pending_request:
                if parser.current is not None:
                    general(parser.flush())
                if tracker.version != version:
                    if run_lt is not None:
                        close_run()
                    cache.clear()
                    version = tracker.version
                entry = cache.get(m.group(2))
                if entry is None:
                    key = m.group(2)
                    pid_text, _, db = key.partition(" INFO ")
                    pid = int(pid_text)
                    found = tracker.by_pid.get(pid)
                    if found is not None and found.shutdown_seq is None:
                        if db not in databases and len(databases) < 1000:
                            databases.add(db)
                        entry = cache[key] = (found, found.pid == pid)
                        if result.first_timestamp is None:
                            result.first_timestamp = m.group(1)
                if entry is not None:
                    held_m, held_n, held_text, held_entry = m, number, text, entry
                    continue
            rec = parser.feed(number, text)
            if rec is not None:
                general(rec)
    if held_m is not None:
        parser.feed(held_n, held_text)
    rec = parser.flush()
    if rec is not None:
        general(rec)
    if run_lt is not None:
        close_run()
    if unsynced:
        _sync(pipeline, unsynced, last_m.group(1))


def _sync(pipeline, count: int, last_timestamp: str) -> None:
    """Write the fast path's counters back before the general path sees the next record."""
    result = pipeline.result
    result.levels["INFO"] = result.levels.get("INFO", 0) + count
    result.records += count
    result.odoo_records += count
    result.last_timestamp = last_timestamp
    for gate in pipeline.extra:
        gate.odoo_records += count

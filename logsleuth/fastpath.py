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
from typing import Iterator

from logsleuth.records import RecordParser
from logsleuth.sources import DAMAGE_ERRORS, MAX_LINE_BYTES, LineCleaner, Source, bounded_lines, check_head, note_damage

BLOCK = 1024 * 1024
_ROUTINE = re.compile(r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) (\d+ INFO \S+) werkzeug: ")
_LIFECYCLE = ("Worker", "HTTP service", "Evented Service")
"""werkzeug messages the lifetime tracker would act on: never routine (the general path takes them)."""
_HEADERISH = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} \d+ [A-Z_]{3,10} \S+ [^\s:]+:")


def read_blocks(source: Source, stream=None, probe: bool = True) -> Iterator[list[str]]:
    """Lists of clean lines, equal to what ``read_lines`` yields one by one. ``stream`` reads
    part of a file (a range of a split file, whose prefix probe the caller did: ``probe``)."""
    own = stream is None
    if stream is None:
        stream = source.open_binary()
    try:
        if not check_head(source, stream):
            return
        clean = LineCleaner(source)
        clean.probing = probe
        read = getattr(stream, "read1", stream.read)
        carry = b""
        while True:
            try:
                data = read(BLOCK)
            except DAMAGE_ERRORS as exc:
                note_damage(source, exc)
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
        if own and source.path != "-":
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
    for text in bounded_lines(chained.readline, source, clean):
        yield [text]


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


def run_stream(pipeline, group: list[Source], progress=None, jobs: int = 1) -> bool:
    """Feed one stream through the pipeline using the fast path; False when it does not apply
    (the caller then uses the general path for the whole stream). With ``jobs`` > 1 a large
    plain file is read by several processes (split.py)."""
    if pipeline.in_window is not None or pipeline.select is not None or any(s.echo for s in group):
        return False
    if not all(getattr(stage, "routine_ok", False) for stage in pipeline.extra):
        return False
    for source in group:
        if jobs > 1:
            from logsleuth.split import run_split, splittable

            if splittable(source):
                run_split(pipeline, source, jobs)
                continue
        _run_source(pipeline, source, progress)
    return True


def _run_source(pipeline, source: Source, progress=None) -> None:
    loop = HotLoop(pipeline, source.name)
    number = source.first_line - 1
    for lines in read_blocks(source):
        if progress is not None:
            progress(sum(s.bytes for s in pipeline.result.sources))
        loop.feed_lines(lines, number + 1)
        number += len(lines)
    loop.finish()


class HotLoop:
    """The hot loop over the lines of one source. Consecutive routine lines of one lifetime form
    a *run* kept in locals and written back in one go (before the general path sees the next
    record, or when the lifetime changes), so both paths see the same state in the same order.

    A routine line is held until the next line shows it has no continuation (the common case:
    the next line is a header); otherwise it goes through the record parser like any other."""

    def __init__(self, pipeline, name: str) -> None:
        self.pipeline = pipeline
        self.name = name
        self.path = name
        self.parser = RecordParser(name)
        self.cache: dict[str, tuple] = {}
        self.version = -1
        self.run_lt = None  # the current run: its lifetime, size, last line and match, last master line
        self.run_count = 0
        self.run_n = 0
        self.run_m = None
        self.run_master: str | None = None
        self.unsynced = 0  # routine records not yet written to the pipeline's counters
        self.last_m = None  # the match of the last of them
        self.held = None  # (match, number, text, cache entry) of a routine line waiting for the next line

    def close_run(self) -> None:
        lt = self.run_lt
        tracker = self.pipeline.tracker
        tracker.seq += self.run_count
        lt.end_line = self.run_n
        lt.end_source = self.name
        lt.end_seq = tracker.seq
        m = self.run_m
        lt.end = m.group(1)
        lt.lines += self.run_count
        lt.records += self.run_count
        lt.requests += self.run_count
        if self.run_master is not None:  # the text of the run's last line logged by the master itself
            lt.last_master_message = self.run_master[_ROUTINE.match(self.run_master).end():].rstrip()
        tracker.last = lt
        self.run_lt, self.run_count, self.run_master = None, 0, None

    def sync(self) -> None:
        """Write everything held in locals back before the general path sees a record."""
        if self.run_lt is not None:
            self.close_run()
        if self.unsynced:
            _sync(self.pipeline, self.unsynced, self.last_m.group(1))
            self.unsynced, self.last_m = 0, None

    def general(self, rec) -> None:
        self.sync()
        self.pipeline.feed(rec)
        if self.pipeline.tracker.version != self.version:
            self.refresh()

    def feed_lines(self, lines: list[str], number: int) -> None:
        """Feed consecutive lines, the first of which has line number ``number``.

        The run state lives in locals here (this loop is the hot path) and is stored back on
        ``self`` around the rare calls that need it; timestamps and messages of a run are only
        extracted from its last match when the run is written back. The lifetime cache can only
        go stale when the general path ran, so it is checked there, not on every line."""
        from logsleuth.records import HEADER, RAW_START

        pipeline = self.pipeline
        parser = self.parser
        tracker = pipeline.tracker
        pending_requests = pipeline.engine._pending_request
        result = pipeline.result
        databases = result.databases
        routine = _ROUTINE.match
        header = HEADER.match
        raw_start = RAW_START.match
        lifecycle = _LIFECYCLE
        tb_start = "Traceback (most recent call last):"
        cache = self.cache
        if tracker.version != self.version:
            self.refresh()
        busy = parser.current is not None  # the parser holds a record that the next header completes
        if self.held is not None:
            held_m, held_n, held_text, held_entry = self.held
        else:
            held_m = None
            held_n, held_text, held_entry = 0, "", None
        run_lt, run_count, run_n, run_m, run_master = self.run_lt, self.run_count, self.run_n, self.run_m, self.run_master
        unsynced, last_m = self.unsynced, self.last_m

        def store() -> None:
            self.run_lt, self.run_count, self.run_n, self.run_m, self.run_master = run_lt, run_count, run_n, run_m, run_master
            self.unsynced, self.last_m = unsynced, last_m

        number -= 1
        for text in lines:
            number += 1
            m = routine(text)
            if held_m is not None:
                # as the record parser decides: a bare traceback after an INFO line is console output
                if m is not None or header(text) or raw_start(text) or text == tb_start:
                    lt = held_entry[0]
                    if lt is not run_lt:
                        if run_lt is not None:
                            store()
                            self.close_run()
                            run_master = None
                            run_count = 0
                        run_lt = lt
                    run_count += 1
                    run_n = held_n
                    run_m = held_m
                    if held_entry[1]:
                        run_master = held_text
                    unsynced += 1
                    last_m = held_m
                    held_m = None
                else:  # a continuation of the routine line: let the parser build that record
                    parser.feed(held_n, held_text)
                    held_m = None
                    parser.feed(number, text)
                    busy = True
                    continue
            if m is not None and '" 5' not in text and not text.startswith(lifecycle, m.end()):
                if busy:
                    store()
                    self.general(parser.flush())
                    busy = False
                    run_lt, run_count, run_n, run_m, run_master = self.run_lt, self.run_count, self.run_n, self.run_m, self.run_master
                    unsynced, last_m = self.unsynced, self.last_m
                # checked after the flush: the record just fed may await this very request line
                if not pending_requests:
                    key = m.group(2)
                    entry = cache.get(key)
                    if entry is None:
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
            busy = True
            if rec is not None:
                store()
                self.general(rec)
                run_lt, run_count, run_n, run_m, run_master = self.run_lt, self.run_count, self.run_n, self.run_m, self.run_master
                unsynced, last_m = self.unsynced, self.last_m
        self.held = (held_m, held_n, held_text, held_entry) if held_m is not None else None
        store()

    def refresh(self) -> None:
        """Lifetimes changed (a banner, a worker, a shutdown marker): forget cached mappings."""
        if self.run_lt is not None:
            self.close_run()
        self.cache.clear()
        self.version = self.pipeline.tracker.version

    def release(self) -> None:
        """A held routine line is complete when a record header follows it (a segment of a
        split file starts with one)."""
        if self.held is not None:
            self.account(self.held)
            self.held = None

    def account(self, held: tuple) -> None:
        """Add a complete routine line to the current run."""
        m, number, text, (lt, is_master) = held
        if lt is not self.run_lt:
            if self.run_lt is not None:
                self.close_run()
            self.run_lt = lt
        self.run_count += 1
        self.run_n = number
        self.run_m = m
        if is_master:
            self.run_master = text
        self.unsynced += 1
        self.last_m = m

    def finish(self) -> None:
        if self.held is not None:
            self.parser.feed(self.held[1], self.held[2])
            self.held = None
        rec = self.parser.flush()
        if rec is not None:
            self.general(rec)
        self.sync()


def _sync(pipeline, count: int, last_timestamp: str | None) -> None:
    """Write the fast path's counters back before the general path sees the next record."""
    result = pipeline.result
    result.levels["INFO"] = result.levels.get("INFO", 0) + count
    result.records += count
    result.odoo_records += count
    result.last_timestamp = last_timestamp
    for gate in pipeline.extra:
        gate.odoo_records += count

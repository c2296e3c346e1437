"""The hot path: most lines of a production log are routine request lines, handled here without
building a Record for each.

Blocks of the file are decoded at once. A werkzeug INFO access line of a process whose
lifetime is known and not shutting down, with a status below 500, only updates counters; every
other line goes through the record parser and the full pipeline. Runs of such request lines are
found by one regex search per run and accounted as a Segment (Folder), so most lines never cost
a Python step; the lines around them go one by one through HotLoop.feed_lines. The result is
the same as the general path (tests compare them on every log we have and on fuzzed ones);
anything the fast path cannot reproduce exactly (a time window, filters, echo) makes it step
aside, and blocks that need per-line cleaning (ANSI codes, over-long lines, the first lines
while a console prefix is probed) are cleaned one line at a time.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from logsleuth.analysis import MAX_DATABASES
from logsleuth.records import RecordParser
from logsleuth.sources import (
    DAMAGE_ERRORS,
    MAX_LINE_BYTES,
    LineCleaner,
    Source,
    bounded_lines,
    check_head,
    note_damage,
    strip_prefixes,
)

BLOCK = 1024 * 1024
_ROUTINE = re.compile(r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) (\d+ INFO \S+) werkzeug: ")
_LIFECYCLE = ("Worker", "HTTP service", "Evented Service")
"""werkzeug messages the lifetime tracker would act on: never routine (the general path takes them)."""
_TB = "Traceback (most recent call last):"


def read_blocks(source: Source, stream=None, probe: bool = True) -> Iterator[str]:
    """The clean lines of a source, a block at a time, as one text of whole lines each ending
    with a newline: the same lines ``read_lines`` yields one by one. The reader counts them in
    ``source.lines`` (Folder.fold numbers them anyway). ``stream`` reads part of a file (a range
    of a split file, whose prefix probe the caller did: ``probe``)."""
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
                    block = _block(carry + b"\n", source, clean)
                    source.bytes -= 1
                    if len(carry) >= MAX_LINE_BYTES:
                        source.cut_bytes -= 1
                    yield block
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
            body, carry = data[: cut + 1], data[cut + 1 :]
            yield _block(body, source, clean)
    finally:
        if own and source.path != "-":
            stream.close()


_CR = re.compile("\r+\n")


def _block(body: bytes, source: Source, clean: LineCleaner) -> str:
    """A block that ends with a newline as clean text, each line ending with a newline.

    Cleaned line by line (exactly as read_lines) while the console prefix is still being probed,
    when ANSI codes are present, or when a line may be over-long; as one text otherwise, the way
    LineCleaner cleans each line (trailing CRs, then NULs, then the console prefix)."""
    text = body.decode("utf-8", "replace")
    source.bytes += len(body)
    if not (clean.probing or "\x1b" in text or _has_long_line(text)):
        if "\r" in text:
            text = _CR.sub("\n", text)
        if "\x00" in text:
            text = text.replace("\x00", "")
        return strip_prefixes(text, clean.mode) if clean.mode else text
    lines = []
    for raw in body.split(b"\n")[:-1]:
        if len(raw) >= MAX_LINE_BYTES:
            source.cut_lines += 1
            source.cut_bytes += len(raw) + 1 - MAX_LINE_BYTES
            raw = raw[:MAX_LINE_BYTES]
        lines.append(clean(raw))
    lines.append("")
    return "\n".join(lines)


def _has_long_line(text: str) -> bool:
    """Whether a line may be longer than a quarter of the limit (a conservative bound: a line
    of MAX_LINE_BYTES bytes has at least that many characters). A line that long covers a whole
    aligned window of half that size, so one ``find`` per window answers."""
    width = MAX_LINE_BYTES // 8
    find = text.find
    return any(find("\n", i, i + width) < 0 for i in range(0, len(text), width))


def _rest_per_line(data: bytes, stream, source: Source, clean: LineCleaner) -> Iterator[list[str]]:
    import io

    chained = io.BufferedReader(_Prepend(data, stream), buffer_size=BLOCK)  # type: ignore[arg-type]
    for text in bounded_lines(chained.readline, source, clean):
        yield text + "\n"


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
    folder = Folder()
    number = source.first_line
    for block in read_blocks(source):
        if progress is not None:
            progress(sum(s.bytes for s in pipeline.result.sources))
        events, number = folder.fold(block, number)
        source.lines = number - source.first_line
        for event in events:
            if type(event) is Segment:
                loop.apply(event, 0)
            else:
                loop.feed_lines(event[1], event[0])
    loop.finish()


@dataclass
class Segment:
    """Consecutive complete routine request lines, folded into what the pipeline needs of them:
    how many, the ``pid INFO db`` keys among them, the first and the last line. ``text`` keeps
    the block (serial reading) so the lines can be fed one by one when some process needs the
    general path; a split file's worker leaves it out, and the lines are read again from the
    file at ``offset``."""

    first: int
    count: int
    keys: tuple[str, ...]
    first_text: str
    last_text: str
    text: str | None = None
    start: int = 0
    end: int = 0
    path: str = ""
    offset: int = 0
    skip: int = 0
    """Lines to skip after ``offset`` (when the segment's own offset is not known)."""
    rows: list[str] | None = None
    """The lines, when they are already read."""

    def lines(self) -> list[str]:
        if self.rows is not None:
            return self.rows
        if self.text is None:
            from logsleuth.split import reread

            return reread(self)
        return self.text[self.start : self.end].split("\n")[:-1]


_MINUTES = "[0-9][0-9]:[0-9][0-9],[0-9][0-9][0-9] "
_NOT_LIFECYCLE = "(?!" + "|".join(map(re.escape, _LIFECYCLE)) + ")"
_5XX = re.compile('" 5')
"""What makes a request line not routine (a 5xx status); a regex finds it faster than str.find."""
_KEYS = re.compile(r"\n.{23} (\d+ INFO \S+) werkzeug: ")
"""The key of each line of a segment found by the generic pattern (lines are known to be
request lines, so only the position of the key matters)."""
_COMPILED: dict[tuple[str, frozenset | None], re.Pattern] = {}
MAX_KEYS = 8
"""More keys than this in use at once (many workers times many databases) make the folder use a
pattern without keys, and find the keys of each segment with one more regex."""
MIN_PRUNE = 64
"""A key absent from a segment at least this long leaves the pattern (it comes back, at the cost
of one line read one by one, when it shows up again)."""
MIN_SWITCH_BACK = 1024
"""A segment at least this long with few keys brings the pattern with keys back."""


def _alternatives(words: frozenset[str]) -> str:
    """A regex for exactly these strings, with common prefixes factored out: sre tries the
    branches of an alternation one by one, so "10(?:1|2) INFO db" costs less per line than
    "101 INFO db|102 INFO db" (a third of the search time with three workers)."""
    trie: dict = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def render(node: dict) -> str:
        parts = [re.escape(char) + render(node[char]) if char else "" for char in sorted(node)]
        return parts[0] if len(parts) == 1 else "(?:" + "|".join(parts) + ")"

    return render(trie)


class Folder:
    """Finds runs of routine request lines without a Python step per line.

    One regex, built for the current hour and the ``pid INFO db`` keys seen lately, finds the
    next line that is *not* such a request line (C speed, with literals where a generic pattern
    has classes, and the keys' common prefixes factored out); that line and the last line before it go one by one through the hot loop, and
    everything between becomes a Segment. A request line of a new key or hour is read one by
    one, then joins the pattern; past MAX_KEYS keys the pattern leaves them out. Lines with a
    5xx status are found with one search per block. The pattern is stricter than ``_ROUTINE``;
    whatever it leaves out is read one by one, so the result is the same."""

    def __init__(self) -> None:
        self.keys: dict[str, str] | None = {}  # key -> " pid INFO db werkzeug: "; None: no keys in the pattern
        self.hour = ""  # "2025-10-18 03:", a literal in the pattern
        self.pattern: re.Pattern | None = None

    def learn(self, hour: str, key: str) -> None:
        keys = self.keys
        if hour == self.hour and (keys is None or key in keys) and self.pattern is not None:
            return
        self.hour = hour
        if keys is not None and key not in keys:
            if len(keys) >= MAX_KEYS:
                self.keys = None
            else:
                keys[key] = f" {key} werkzeug: "
        self._compile()

    def _compile(self) -> None:
        keys = None if self.keys is None else frozenset(self.keys)
        sig = (self.hour, keys)
        pattern = _COMPILED.get(sig)
        if pattern is None:
            if len(_COMPILED) >= 512:
                _COMPILED.clear()
            which = "[0-9]+ INFO \\S+" if keys is None else _alternatives(keys)
            pattern = _COMPILED[sig] = re.compile(
                f"\\n(?!{re.escape(self.hour)}{_MINUTES}{which} werkzeug: {_NOT_LIFECYCLE})"
            )
        self.pattern = pattern

    def fold(self, text: str, number: int) -> tuple[list, int]:
        """Events of a block of whole lines whose first line is ``number``: (number, lines)
        to read one by one, and Segments; and the number of the line after the block."""
        events: list = []
        batch: list[str] = []
        batch_from = number
        routine = _ROUTINE.match
        lifecycle = _LIFECYCLE
        size = len(text)
        pos = 0
        find_5xx = _5XX.search
        found = find_5xx(text)
        fivexx = found.start() if found else size
        while pos < size:
            end = text.find("\n", pos)
            line = text[pos:end]
            m = routine(line)
            if m is None or fivexx < end or line.startswith(lifecycle, m.end()):
                batch.append(line)
                number += 1
                pos = end + 1
                if fivexx < pos:
                    found = find_5xx(text, pos)
                    fivexx = found.start() if found else size
                continue
            self.learn(line[:14], m.group(2))
            stop = self.pattern.search(text, end).start()  # type: ignore[union-attr]
            if fivexx < stop:
                stop = text.rfind("\n", pos, fivexx)
            last = text.rfind("\n", pos, stop) + 1  # the stretch's last line is read one by one
            if last > pos:
                count = text.count("\n", pos, last)
                seg = self._segment(text, pos, last, number, count)
                if seg is not None:
                    if batch:
                        events.append((batch_from, batch))
                        batch = []
                    events.append(seg)
                    batch_from = number = number + count
                    pos = last
                    continue
                batch.extend(text[pos:last].split("\n")[:-1])
                number += count
                pos = last
                continue
            batch.append(line)
            number += 1
            pos = end + 1
        if batch:
            events.append((batch_from, batch))
        return events, number

    def _segment(self, text: str, start: int, end: int, number: int, count: int) -> Segment | None:
        """The Segment of lines [start, end), or None when a key's first occurrence is not where
        a header puts it (the key's text inside a message: the lines are read one by one)."""
        find = text.find
        if self.keys is None:
            keys = set(_KEYS.findall(text, start - 1, end)) if start else set(_KEYS.findall("\n" + text[:end]))
            if count >= MIN_SWITCH_BACK and len(keys) <= MAX_KEYS // 2:
                self.keys = {key: f" {key} werkzeug: " for key in keys}
                self._compile()
        else:
            keys = set()
            absent = []
            for key, marker in self.keys.items():
                at = find(marker, start, end)
                if at < 0:
                    absent.append(key)
                elif at != (text.rfind("\n", start, at) + 1 or start) + 23:
                    return None
                else:
                    keys.add(key)
            if absent and count >= MIN_PRUNE:
                for key in absent:
                    del self.keys[key]
                self._compile()
        last_start = text.rfind("\n", start, end - 1) + 1 or start
        return Segment(
            number, count, tuple(keys), text[start : find("\n", start)], text[last_start : end - 1], text, start, end
        )


class HotLoop:
    """The per-line loop, for the lines around segments (and a segment's lines when it cannot be
    applied in one step). Consecutive routine lines of one lifetime form a *run* kept in locals
    and written back in one go (before the general path sees the next record, or when the
    lifetime changes), so both paths see the same state in the same order.

    A routine line is held until the next line shows it has no continuation (the common case:
    the next line is a header); otherwise it goes through the record parser like any other."""

    def __init__(self, pipeline, name: str) -> None:
        self.pipeline = pipeline
        self.name = name
        self.parser = RecordParser(name)
        self.cache: dict[str, object] = {}  # "pid INFO db" -> the lifetime its request lines count in
        self.version = -1
        self.run_lt = None  # the current run: its lifetime, size, last line number and match
        self.run_count = 0
        self.run_n = 0
        self.run_m = None
        self.unsynced = 0  # routine records not yet written to the pipeline's counters
        self.last_m = None  # the match of the last of them
        self.held = None  # (match, number, text, lifetime) of a routine line waiting for the next line

    def close_run(self) -> None:
        lt = self.run_lt
        tracker = self.pipeline.tracker
        tracker.seq += self.run_count
        lt.end_line = self.run_n
        lt.end_source = self.name
        lt.end_seq = tracker.seq
        lt.end = self.run_m.group(1)
        lt.lines += self.run_count
        lt.records += self.run_count
        lt.requests += self.run_count
        tracker.last = lt
        self.run_lt, self.run_count = None, 0

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
        """Feed consecutive lines, the first of which has line number ``number``. The lifetime
        cache can only go stale when the general path ran, so it is checked there."""
        from logsleuth.records import HEADER, RAW_START

        pipeline = self.pipeline
        parser = self.parser
        tracker = pipeline.tracker
        engine = pipeline.engine
        pending_requests = engine._pending_request
        result = pipeline.result
        databases = result.databases
        routine = _ROUTINE.match
        header = HEADER.match
        raw_start = RAW_START.match
        cache = self.cache
        if tracker.version != self.version:
            self.refresh()
        busy = parser.current is not None  # the parser holds a record that the next header completes
        number -= 1
        for text in lines:
            number += 1
            m = routine(text)
            held = self.held
            if held is not None:
                self.held = None
                # as the record parser decides: a bare traceback after an INFO line is console output
                if m is not None or header(text) or raw_start(text) or text == _TB:
                    self.account(held)
                else:  # a continuation of the routine line: let the parser build that record
                    parser.feed(held[1], held[2])
                    parser.feed(number, text)
                    busy = True
                    continue
            if m is not None and '" 5' not in text and not text.startswith(_LIFECYCLE, m.end()):
                if busy:
                    self.general(parser.flush())
                    busy = False
                key = m.group(2)
                # checked after the flush: the record just fed may await this very request line
                if not pending_requests or (engine._stream, int(key.partition(" ")[0])) not in pending_requests:
                    lt = cache.get(key)
                    if lt is None:
                        found = tracker.by_pid.get(int(key.partition(" ")[0]))
                        if found is not None and found.shutdown_seq is None:
                            db = key.partition(" INFO ")[2]
                            if db not in databases:
                                if len(databases) < MAX_DATABASES:
                                    databases.add(db)
                                else:
                                    result.omitted_databases.add(db)
                            lt = cache[key] = found
                            if result.first_timestamp is None:
                                result.first_timestamp = m.group(1)
                    if lt is not None:
                        self.held = (m, number, text, lt)
                        continue
            rec = parser.feed(number, text)
            busy = True
            if rec is not None:
                self.general(rec)

    def apply(self, seg: Segment, base: int) -> None:
        """Account a segment in one step, or line by line when a process in it needs the general
        path (unknown, shutting down), when it spans several lifetimes, or when its databases
        would pass the cap. A request line awaited as the trigger of an explained failure, and
        the lines before it, go line by line; the rest of the segment goes on. ``base`` is added
        to its line numbers."""
        pipeline = self.pipeline
        tracker = pipeline.tracker
        result = pipeline.result
        databases = result.databases
        self.release()
        pending = self.parser.flush()
        if pending is not None:
            self.general(pending)
        self.sync()
        engine = pipeline.engine
        if engine._pending_request:
            waiting = {pid for stream, pid in engine._pending_request if stream == engine._stream}
            markers = [f" {key} werkzeug: " for key in seg.keys if int(key.partition(" ")[0]) in waiting]
            if markers:  # the request lines awaited go through the general path, and the lines before them
                lines = seg.lines()
                cut = 1 + max(
                    next((i for i, x in enumerate(lines) if x.startswith(m, 23)), len(lines) - 1) for m in markers
                )
                self.feed_lines(lines[:cut], base + seg.first)
                if cut < len(lines):
                    self.apply(
                        Segment(
                            seg.first + cut, seg.count - cut, seg.keys, lines[cut], seg.last_text, rows=lines[cut:]
                        ),
                        base,
                    )
                return
        lt = None
        new = {key.partition(" INFO ")[2] for key in seg.keys} - databases
        if len(databases) + len(new) <= MAX_DATABASES:
            for key in seg.keys:
                found = tracker.by_pid.get(int(key.partition(" ")[0]))
                if found is None or found.shutdown_seq is not None or (lt is not None and found is not lt):
                    lt = None
                    break
                lt = found
        if lt is None:
            self.feed_lines(seg.lines(), base + seg.first)
            return
        databases |= new
        count = seg.count
        lt.lines += count
        lt.records += count
        lt.requests += count
        tracker.seq += count
        lt.end_line = base + seg.first + count - 1
        lt.end_source = self.name
        lt.end_seq = tracker.seq
        lt.end = seg.last_text[:23]
        tracker.last = lt
        if result.first_timestamp is None:
            result.first_timestamp = seg.first_text[:23]
        _sync(pipeline, count, seg.last_text[:23])

    def refresh(self) -> None:
        """Lifetimes changed (a banner, a worker, a shutdown marker): forget cached mappings."""
        if self.run_lt is not None:
            self.close_run()
        self.cache.clear()
        self.version = self.pipeline.tracker.version

    def release(self) -> None:
        """A held routine line is complete when a record header follows it (a segment starts
        with one)."""
        if self.held is not None:
            self.account(self.held)
            self.held = None

    def account(self, held: tuple) -> None:
        """Add a complete routine line to the current run."""
        m, number, _text, lt = held
        if lt is not self.run_lt:
            if self.run_lt is not None:
                self.close_run()
            self.run_lt = lt
        self.run_count += 1
        self.run_n = number
        self.run_m = m
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

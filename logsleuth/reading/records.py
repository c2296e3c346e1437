"""Record parser: physical lines become Odoo log records.

A record is one header line ``DATE TIME,ms PID LEVEL DB LOGGER: MESSAGE`` plus the lines that
continue it (tracebacks, multi-line SQL). Console output that did not go through Odoo's
logging (``Exception in thread …``, ``Forced shutdown.``) becomes a *raw* record of its own
instead of being glued to the unrelated record before it; text before the first header is an
*unparsed* record. Every physical line belongs to exactly one record.
"""

from __future__ import annotations

import itertools
import os
import re
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from logsleuth.reading.sources import Source, read_blocks, read_lines

try:
    from logsleuth import _core  # type: ignore[attr-defined]  # compiled, no stub: its surface is four names
except ImportError:  # pragma: no cover - a source checkout without the built extension
    _core = None  # type: ignore[assignment]

HEADER = re.compile(
    r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) (\d+) (DEBUG|INFO|WARNING|ERROR|CRITICAL|[A-Z_]{3,10}) (\S+) ([^\s:]+): ?(.*)"
)

CONSOLE_DEATH = (
    r"(?:.*: line \d+: +\d+ )?(?:Killed|Segmentation fault|Aborted|Bus error)(?: \(core dumped\))?(?: .*)?$"
    r"|Fatal Python error: "
)
"""Console lines that say the process died: the shell's report of a fatal signal, the interpreter's."""

SHELL_BANNER = "env: <odoo.api.Environment object at"
"""What ``odoo shell`` prints on the console when its session starts."""

RAW_START = re.compile(
    CONSOLE_DEATH + "|" + re.escape(SHELL_BANNER) + "|"
    r"Exception in thread \S.*:$"
    r"|Running as user '.*' is a security risk\."
    r"|Using the database user '.*' is a security risk, aborting\."
    r"|Forced shutdown\.$"
    r"|CPU time limit exceeded! Shutting down immediately"
    r"|ERROR: couldn't create the logfile directory"
    r"|--- Logging error ---$"
    r"|nohup: "
    r"|\S[^:]*\.py:\d+: \w*Warning: "
    r"|\S[^:]*: error: option \S+: "
)
"""Console lines written by the interpreter or the shell, never by Odoo's logging."""

_PS_PREFIX = re.compile(r"(?:[A-Za-z]:)?[\w.\\/~-]+ : (?=\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} \d+ )")
"""PowerShell's ``2>&1`` capture puts the command as it was typed (``python``,
``.\\venv\\Scripts\\python.exe``) and `` : `` before the first line a program wrote to stderr."""
_CUT_HEADER = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} \d+(?: [A-Z_]{3,10}(?: \S+)?)? ?$")
"""A header cut after its PID, its level or its database by a console that wraps lines at a
word (PowerShell's ``Out-File`` at its width): the next line goes on."""
_CUT_HEADER_CHARS = 120
"""A cut header is short: no regex on ordinary lines."""
_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} ")
"""A line that starts with a timestamp starts a record of its own: it never completes a cut one."""

_TRACEBACK_START = "Traceback (most recent call last):"
_CHAIN_LINES = (
    "During handling of the above exception, another exception occurred:",
    "The above exception was the direct cause of the following exception:",
)
_EXC_LINE = re.compile(r"^[A-Za-z_][\w.]*(?:Error|Exception|Interrupt|Exit|Warning|Failure)\b.*|^[A-Za-z_][\w.]*: ")

MAX_KEPT_LINES_HEAD = 1000
MAX_KEPT_LINES_TAIL = 300
MAX_LINE_CHARS = 8000


class Record:
    """One log record. ``kind`` is ``record``, ``raw`` (console output) or ``unparsed``."""

    __slots__ = (
        "cut_lines",
        "db",
        "extra",
        "first_line",
        "kind",
        "last_line",
        "level",
        "logger",
        "may_match",
        "message",
        "pid",
        "source",
        "tail",
        "timestamp",
    )

    def __init__(
        self,
        source: str,
        first_line: int,
        timestamp: str | None,
        pid: int | None,
        level: str | None,
        db: str | None,
        logger: str | None,
        message: str,
        kind: str = "record",
    ) -> None:
        self.source = source
        self.first_line = first_line
        self.last_line = first_line
        self.timestamp = timestamp
        self.pid = pid
        self.level = level
        self.db = db
        self.logger = logger
        self.message = message
        self.extra: list[str] = []
        self.tail: deque[str] | None = None
        self.cut_lines = 0
        self.kind = kind
        self.may_match: int | None = None
        """Bit i set: the engine's pattern i may match (the compiled prefilter); None: any may."""

    def add(self, text: str, number: int) -> None:
        self.last_line = number
        if len(text) > MAX_LINE_CHARS:
            text = text[:MAX_LINE_CHARS] + " …[cut]"
        if len(self.extra) < MAX_KEPT_LINES_HEAD:
            self.extra.append(text)
            return
        if self.tail is None:
            self.tail = deque(maxlen=MAX_KEPT_LINES_TAIL)
        if len(self.tail) == MAX_KEPT_LINES_TAIL:
            self.cut_lines += 1
        self.tail.append(text)

    @property
    def continuation(self) -> list[str]:
        """The kept continuation lines (head, then tail when the record was capped)."""
        if self.tail is None:
            return self.extra
        return self.extra + list(self.tail)

    @property
    def has_traceback(self) -> bool:
        if self.kind != "record" and self.message == _TRACEBACK_START:
            return True
        return bool(self.extra) and any(_TRACEBACK_START in x for x in self.extra)

    @property
    def body(self) -> tuple[list[str], int]:
        """The lines a traceback may span, with the log line number of the first one."""
        if self.kind == "record":
            return self.continuation, self.first_line + 1
        return [self.message, *self.continuation], self.first_line

    @property
    def text(self) -> str:
        """The record as it stood in the log (capped)."""
        return "\n".join([self.header_text, *self.continuation])

    @property
    def header_text(self) -> str:
        if self.kind != "record":
            return self.message
        return f"{self.timestamp} {self.pid} {self.level} {self.db} {self.logger}: {self.message}"

    @property
    def time(self) -> datetime | None:
        if self.timestamp is None:
            return None
        return parse_timestamp(self.timestamp)

    @property
    def iso_time(self) -> str | None:
        return iso(self.timestamp)

    def __repr__(self) -> str:
        return f"<Record {self.source}:{self.first_line}-{self.last_line} {self.kind} {self.level} {self.logger}: {self.message[:60]!r}>"


def iso(ts: str | None) -> str | None:
    """Odoo's ``2025-10-18 03:24:17,943`` as ISO 8601 (no zone: none is written in the log)."""
    return None if ts is None else ts.replace(" ", "T").replace(",", ".")


def parse_timestamp(ts: str) -> datetime | None:
    try:
        return datetime.fromisoformat(ts.replace(",", "."))
    except ValueError:
        return None


_ENTRY_FRAME = re.compile(
    r'\s+File "(?:<frozen runpy>|[^"]*(?:odoo-bin|[/\\]bin[/\\][\w.-]+|__main__\.py|runpy\.py|pydevd\.py|debugpy[^"]*|[Ss]ocket[Ss]erver\.py))", line \d+, in '
    r'|\s+File "[^"]*threading\.py", line \d+, in _bootstrap'
)
"""The outermost frame of an uncaught exception, which the interpreter prints on the console:
the program's entry point (``odoo-bin``, ``/usr/bin/odoo``, ``python -m``, a debugger)."""


def _undecided_traceback(current: Record | None) -> bool:
    """A bare ``Traceback`` right after an INFO or DEBUG header: ``_logger.info(…, exc_info=True)``
    or the interpreter's own output (a KeyboardInterrupt, a crash at exit). Its first frame tells."""
    return (
        current is not None
        and current.kind == "record"
        and current.level in ("INFO", "DEBUG")
        and not current.extra
        and current.logger != "werkzeug"
    )


def _is_raw_traceback(current: Record | None) -> bool:
    """A bare ``Traceback`` line starts a raw record unless it continues the record before it."""
    if current is None:
        return True
    lines = current.continuation
    if not lines:
        # werkzeug's access lines never carry a traceback: after one, it is console output
        return current.kind == "record" and current.logger == "werkzeug" and current.level in ("INFO", "DEBUG")
    last = next((x for x in reversed(lines[-3:]) if x.strip()), "")
    if last in _CHAIN_LINES:
        return False
    has_tb = any(x == _TRACEBACK_START for x in lines)
    return has_tb and bool(_EXC_LINE.match(last))


_PERF_SUFFIX = re.compile(r" (?:-|\d+) (?:-|\d+\.\d+) (?:-|\d+\.\d+)(?: \S+)?$")


def _finish(rec: Record) -> Record:
    """werkzeug appends the perf columns after the whole message, traceback included: put them
    back where they belong instead of leaving them on the exception line."""
    if rec.logger == "werkzeug" and rec.extra:
        lines = rec.tail if rec.tail is not None else rec.extra
        last = lines[-1]
        m = _PERF_SUFFIX.search(last)
        if m is not None:
            lines[-1] = last[: m.start()]
    return rec


class RecordParser:
    """Turns numbered lines of one source into records; ``flush`` ends the pending record
    (end of file, or a pause while following a growing log)."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.current: Record | None = None
        self.pending: tuple[int, str] | None = None
        """A ``Traceback`` line whose record is decided by the line after it."""
        self.cut: tuple[int, str] | None = None
        """A header cut after its PID, waiting for the line that completes it."""

    def feed(self, number: int, text: str) -> Record | None:
        """Take one physical line; return the record it completed, if any."""
        if self.cut is not None:
            cut_number, cut_text = self.cut
            self.cut = None
            joined = cut_text.rstrip() + " " + text
            if not _TIMESTAMP.match(text) and HEADER.match(joined):
                # the record starts at the cut line; the line that completed it is its continuation
                done = self._line(cut_number, joined)
                if self.current is not None:
                    self.current.last_line = number
                return done
            done = self._line(cut_number, cut_text)
            later = self.feed(number, text)
            return done if done is not None else later
        if len(text) <= _CUT_HEADER_CHARS and _CUT_HEADER.match(text):
            self.cut = (number, text)
            return None
        if not text[:1].isdigit() and _PS_PREFIX.match(text):
            text = _PS_PREFIX.sub("", text, count=1)
        return self._line(number, text)

    def _line(self, number: int, text: str) -> Record | None:
        current = self.current
        if self.pending is not None:
            tb_number, tb_text = self.pending
            self.pending = None
            if _ENTRY_FRAME.match(text):
                self.current = Record(self.source, tb_number, None, None, None, None, None, tb_text, kind="raw")
                self.current.add(text, number)
                return None if current is None else _finish(current)
            current.add(tb_text, tb_number)  # type: ignore[union-attr]
        elif text == _TRACEBACK_START and _undecided_traceback(current):
            self.pending = (number, text)
            return None
        m = HEADER.match(text)
        if m is not None:
            ts, pid, level, db, logger, message = m.groups()
            self.current = Record(self.source, number, ts, int(pid), level, db, logger, message.rstrip())
            return None if current is None else _finish(current) if current.extra else current
        if RAW_START.match(text) or (text == _TRACEBACK_START and _is_raw_traceback(current)):
            self.current = Record(self.source, number, None, None, None, None, None, text.rstrip(), kind="raw")
            return None if current is None else _finish(current)
        if current is None:
            self.current = Record(self.source, number, None, None, None, None, None, text.rstrip(), kind="unparsed")
            return None
        current.add(text, number)
        return None

    def flush(self) -> Record | None:
        if self.cut is not None:
            cut_number, cut_text = self.cut
            self.cut = None
            # not a header on its own: it continues the record before it (or starts unparsed text)
            self._line(cut_number, cut_text)
        if self.pending is not None:
            self.current.add(self.pending[1], self.pending[0])  # type: ignore[union-attr]
            self.pending = None
        current, self.current = self.current, None
        return None if current is None else _finish(current)


@dataclass(frozen=True)
class Wants:
    """What a stage must see record by record; it takes every other record in a run, counted
    (``feed_routine``). Logger patterns are regexes of the compiled core (``logger_regex``)."""

    levels: frozenset[str] = frozenset()
    """Every record at these levels."""
    loggers: tuple[tuple[frozenset[str] | None, str, str | None], ...] = ()
    """(levels, logger regex, message regex): records of matching loggers at those levels
    (None: any level) whose message the regex (of the ``regex`` module) may match (None: any)."""
    prefixes: tuple[str, ...] = ()
    """Records whose message starts with one of these."""
    substrings: tuple[str, ...] = ()
    """Records whose message contains one of these."""
    statuses: tuple[tuple[str, str], ...] = ()
    """(logger, status classes): its request lines with such a status ("5": 5xx)."""


def logger_regex(exact: str | None = None, prefix: str | None = None) -> str:
    """A logger name, or the loggers starting with ``prefix``, as a regex of the compiled core."""
    escaped = re.sub(r"([\\.+*?()|\[\]{}^$#&~-])", r"\\\1", exact if exact is not None else prefix or "")
    return "^" + escaped + ("$" if exact is not None else "")


def engine() -> str:
    """``rust`` (the compiled scanner) unless ``LOGSLEUTH_ENGINE=python`` asks for this module's
    parser, the executable reference, or the extension is not built."""
    if _core is None or os.environ.get("LOGSLEUTH_ENGINE", "").lower() == "python":
        return "python"
    return "rust"


Ahead = Literal["never", "auto", "always"]
"""Whether the compiled engine reads ahead on a thread of its own: ``auto`` does once a block
(after the first, which holds the start-up) brings Python ``AHEAD_RECORDS`` records or more."""

AHEAD_RECORDS = 200
"""Where Python gets few records per block (runs of request lines), its share of the work is
small, and a second thread only adds the cost of handing every record over: no faster."""


def _scan_compiled(sources: list[Source], table: Any, ahead: Ahead) -> Iterator[Any]:
    for source in sources:
        name = source.name
        scanner = _core.Scanner(name, source.first_line, True, table, ahead == "always")
        serial = ahead == "auto"
        for number, block in enumerate(itertools.chain(read_blocks(source), (None,))):
            if block is None:  # after damage, the partial line is lost as with read_lines
                scanner.close(source.damage is not None)
            else:
                scanner.push(block)
            records = 0
            for item in scanner:
                if type(item) is tuple:
                    records += 1
                    yield _record(name, item)
                else:
                    yield item
            source.lines, source.bytes, source.cut_lines, source.cut_bytes, prefix = scanner.counts()
            source.prefix = prefix or source.prefix
            if serial and number and block is not None and records >= AHEAD_RECORDS:
                scanner.read_ahead()
                serial = False


def _record(source: str, row: tuple) -> Record:
    (kind, first, last, ts, pid, level, db, logger), message, extra, tail, cut, may_match = row
    rec = Record(source, first, ts, pid, level, db, logger, message, kind)
    rec.last_line = last
    rec.extra = extra
    if tail is not None:
        rec.tail = deque(tail, maxlen=MAX_KEPT_LINES_TAIL)
    rec.cut_lines = cut
    rec.may_match = may_match
    return rec


def parse_records(sources: Iterable[Source], table: Any = None, ahead: Ahead = "never") -> Iterator[Any]:
    """Yield the records of the sources, in file order. Each source keeps its own numbering.

    With the compiled engine and a routine ``table`` (analysis.Pipeline.routine_table), the
    records no stage wants one by one come as runs (``_core.Run``) instead; reading ``ahead``,
    a thread of the compiled engine reads the bytes that follow while the caller works."""
    sources = list(sources)
    if engine() == "rust" and not any(s.echo for s in sources):
        yield from _scan_compiled(sources, table, ahead)
        return
    for source in sources:
        parser = RecordParser(source.name)
        feed = parser.feed
        number = source.first_line - 1
        for text in read_lines(source):
            number += 1
            rec = feed(number, text)
            if rec is not None:
                yield rec
        rec = parser.flush()
        if rec is not None:
            yield rec

"""Focus: time windows and record filters, and seeking into a large plain file.

Times are what people type: ``2025-10-18 03:20``, ``03:20`` (on the log's own first date),
``yesterday 14:00``, ``2h ago``, ISO 8601. Odoo writes UTC without a zone, so relative forms
count from the current UTC time, and an explicit zone is converted to UTC.

A window behaves as if the log had been cut to it: records outside it are not seen at all, so a
lifetime cut by the window starts without its banner. Other filters (database, PID, lifetime,
level) select what is analysed inside the lifetimes of the window.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from logsleuth.errors import UsageError
from logsleuth.reading.records import HEADER, Record, parse_timestamp
from logsleuth.reading.sources import Source

_AGO = re.compile(
    r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|secs|seconds?|m|min|mins|minutes?|h|hours?|d|days?|w|weeks?)\s+ago\s*$", re.I
)
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_TIME_ONLY = re.compile(r"^\s*\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*$")
_TS_BYTES = re.compile(rb"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) \d+ ", re.M)
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
SEEK_MIN_BYTES = 8 * 1024 * 1024
SEEK_MARGIN_BYTES = 256 * 1024
"""Seek this far before the first in-window timestamp, for records of other processes whose
clocks run a little behind (the window filter still applies to every record read)."""
UNTIL_GRACE = timedelta(minutes=5)
"""Stop reading once timestamps are this far past ``--until``."""


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def parse_when(text: str, reference_date: datetime | None = None, now: datetime | None = None) -> datetime:
    """Parse a point in time as people type it; naive UTC, like Odoo's timestamps."""
    now = now or utcnow()
    raw = text.strip()
    if not raw:
        raise UsageError("cannot read '' as a date or time (the value is empty)")
    m = _AGO.match(raw)
    if m:
        unit = _UNITS[m.group(2)[0].lower()]
        try:
            return now - timedelta(**{unit: float(m.group(1))})
        except (OverflowError, ValueError):
            raise UsageError(f"cannot read {raw!r} as a date or time (too far in the past)") from None
    lowered = raw.lower()
    for word, days in (("yesterday", 1), ("today", 0), ("now", 0)):
        if lowered == word or lowered.startswith(word + " "):
            base = (now - timedelta(days=days)).replace(hour=0, minute=0, second=0, microsecond=0)
            rest = raw[len(word) :].strip()
            if word == "now" and not rest:
                return now
            if not rest:
                return base
            return _parse(rest, base)
    if _TIME_ONLY.match(raw):
        base = (reference_date or now).replace(hour=0, minute=0, second=0, microsecond=0)
        return _parse(raw, base)
    return _parse(raw, now.replace(hour=0, minute=0, second=0, microsecond=0))


def _parse(text: str, default: datetime) -> datetime:
    from dateutil import parser as dateparser  # only --since and --until need it

    try:
        value = dateparser.parse(text.replace(",", "."), default=default)
    except (ValueError, OverflowError) as exc:
        raise UsageError(f"cannot read {text!r} as a date or time ({exc})") from None
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


@dataclass
class Window:
    since: datetime | None = None
    until: datetime | None = None

    @property
    def active(self) -> bool:
        return self.since is not None or self.until is not None


class WindowFilter:
    """Decides, record by record in file order, whether it lies in the window. Records without a
    timestamp (tracebacks printed raw, console lines) follow the record before them."""

    def __init__(self, window: Window) -> None:
        self.since = window.since
        self.until = window.until
        self.inside = window.since is None
        self.past_until = False

    def __call__(self, rec: Record) -> bool:
        if rec.timestamp is not None:
            t = parse_timestamp(rec.timestamp)
            if t is not None:
                self.inside = (self.since is None or t >= self.since) and (self.until is None or t <= self.until)
                if self.until is not None and t > self.until + UNTIL_GRACE:
                    self.past_until = True
        return self.inside


@dataclass
class Selection:
    """Filters inside the window: they select what is analysed, not how lifetimes are cut."""

    db: str | None = None
    pid: int | None = None
    lifetime: int | None = None
    level: str | None = None

    @property
    def active(self) -> bool:
        return any(v is not None for v in (self.db, self.pid, self.lifetime, self.level))

    def __post_init__(self) -> None:
        if self.level is not None:
            self.level = self.level.upper()
            if self.level == "WARN":
                self.level = "WARNING"
            if self.level not in LEVELS:
                raise UsageError(f"--level must be one of {', '.join(LEVELS)}, not {self.level!r}")
        self._levels = frozenset(LEVELS[LEVELS.index(self.level) :]) if self.level else None

    def admits(self, rec: Record, lifetime_index: int | None, lifetime_pids: set[int] | None) -> bool:
        if rec.kind != "record":
            return (
                self.db is None
                and self._levels is None
                and (self.pid is None or bool(lifetime_pids and self.pid in lifetime_pids))
            )
        if self.db is not None and rec.db != self.db:
            return False
        if self.pid is not None and rec.pid != self.pid:
            return False
        if self.lifetime is not None and lifetime_index != self.lifetime:
            return False
        return self._levels is None or rec.level in self._levels


def first_timestamp(path: str) -> datetime | None:
    """The first Odoo timestamp of a plain or compressed file (for ``03:20`` on the log's date)."""
    if path == "-" or not os.path.isfile(path):
        return None
    try:
        from logsleuth.reading.sources import read_lines

        for i, text in enumerate(read_lines(Source(path))):
            m = HEADER.match(text)
            if m:
                return parse_timestamp(m.group(1))
            if i > 2000:
                return None
    except Exception:
        return None
    return None


def seek(source: Source, since: datetime) -> bool:
    """Position a large plain file just before the first record at or after ``since``.

    Binary search on the timestamps of header lines, then a newline count up to that offset so
    line numbers stay those of the whole file. Returns False (read from the start) for small,
    compressed or unreadable inputs.
    """
    if source.path == "-" or not os.path.isfile(source.path):
        return False
    size = os.path.getsize(source.path)
    if size < SEEK_MIN_BYTES:
        return False
    with open(source.path, "rb") as fh:
        head = fh.read(6)
        if head.startswith((b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00", b"\xff\xfe", b"\xfe\xff")):
            return False  # compressed or UTF-16: offsets in the file are not offsets in the text
        target = since.strftime("%Y-%m-%d %H:%M:%S,%f")[:23].encode()
        lo, hi = 0, size
        while hi - lo > 64 * 1024:
            mid = (lo + hi) // 2
            ts = _timestamp_after(fh, mid)
            if ts is None or ts >= target:
                hi = mid
            else:
                lo = mid
        start = max(0, lo - SEEK_MARGIN_BYTES)
        if start == 0:
            return False
        fh.seek(start)
        fh.readline()  # to the start of the next line
        offset = fh.tell()
        fh.seek(0)
        lines = 0
        remaining = offset
        while remaining:
            chunk = fh.read(min(remaining, 4 * 1024 * 1024))
            if not chunk:
                break
            lines += chunk.count(b"\n")
            remaining -= len(chunk)
    source.start_offset = offset
    source.first_line = lines + 1
    return True


def _timestamp_after(fh, offset: int) -> bytes | None:
    fh.seek(offset)
    data = fh.read(256 * 1024)
    m = _TS_BYTES.search(data, 0 if offset == 0 else data.find(b"\n") + 1)
    return m.group(1) if m else None

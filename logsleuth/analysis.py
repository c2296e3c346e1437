"""The pipeline: sources → records → lifetimes, requests, findings, tests → a scan result.

One pass over the input, one record at a time. The per-record path is kept cheap for the
common case (an INFO request line): a dict lookup for the lifetime, a cached empty candidate
list in the engine, and no regex unless a request falls in a shutdown window or failed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from logsleuth.bounds import DistinctCounter
from logsleuth.findings import Engine, Finding
from logsleuth.lifetimes import Lifetime, LifetimeTracker
from logsleuth.patterns import Pattern
from logsleuth.records import Record, parse_records
from logsleuth.requests import Request, parse_request
from logsleuth.sources import Source, group_sources
from logsleuth.testruns import TestCollector
from logsleuth.window import Selection, Window, WindowFilter, seek

MAX_WINDOW_ITEMS = 200
MAX_FAILED_REQUESTS = 50
MAX_DATABASES = 1000
MAX_MODULES = 5000
"""Addons whose last line is remembered (the silence of a failed module); more are counted."""


@dataclass
class LifetimeActivity:
    """What one lifetime did that the report needs beyond its boundaries."""

    window_requests: list[Request] = field(default_factory=list)
    window_requests_total: int = 0
    window_loading: list[tuple[str, int, str]] = field(default_factory=list)
    failed_requests: list[Request] = field(default_factory=list)
    failed_requests_total: int = 0


@dataclass
class Scan:
    sources: list[Source]
    lifetimes: list[Lifetime]
    engine: Engine
    activity: dict[int, LifetimeActivity]
    tests: TestCollector
    lines: int = 0
    records: int = 0
    unparsed_lines: int = 0
    levels: dict[str, int] = field(default_factory=dict)
    first_timestamp: str | None = None
    last_timestamp: str | None = None
    odoo_records: int = 0
    module_last_seen: dict[tuple[str, str], int] = field(default_factory=dict)
    """(source, addon) → the line of its last record: the silence of a failed module."""
    window: Window | None = None
    seeked: bool = False
    """True when a time window was reached by seeking instead of reading from the start."""
    databases: set[str] = field(default_factory=set)
    """Database names seen in the db column (bounded): redaction masks them everywhere."""
    omitted_pids: DistinctCounter = field(default_factory=DistinctCounter)
    """Processes past ``lifetimes.MAX_LIFETIMES`` (no lifetime kept for them)."""
    omitted_databases: DistinctCounter = field(default_factory=DistinctCounter)
    omitted_modules: DistinctCounter = field(default_factory=DistinctCounter)


class Stage(Protocol):
    """An extra consumer of records (the CI gate): it sees every record once, in order."""

    def feed(self, rec: Record) -> None: ...


class Pipeline:
    """Everything after the record parser, one record at a time: the same code serves a file,
    a pipe and ``watch``. State is bounded (lifetimes, findings by fingerprint, capped lists)."""

    def __init__(
        self,
        patterns: list[Pattern],
        stages: list[Stage] | None = None,
        window: Window | None = None,
        selection: Selection | None = None,
    ) -> None:
        self.engine = Engine(patterns)
        self.result = Scan([], [], self.engine, {}, TestCollector())
        self.result.window = window if window is not None and window.active else None
        self.extra = stages or []
        self.window = window if window is not None and window.active else None
        self.in_window = WindowFilter(window) if self.window is not None else None
        self.select = selection if selection is not None and selection.active else None
        self.stream = -1
        self.tracker = LifetimeTracker()

    def start_stream(self, sources: list[Source]) -> None:
        """A new stream (one file, a rotated set, stdin): it gets its own lifetimes."""
        self._end_stream()
        self.stream += 1
        self.result.sources.extend(sources)
        self.tracker = LifetimeTracker(self.stream, index_base=len(self.result.lifetimes))
        if self.in_window is not None:
            self.in_window.inside = self.in_window.since is None
            self.in_window.past_until = False
            if self.in_window.since is not None and len(sources) == 1:
                self.result.seeked |= seek(sources[0], self.in_window.since)

    @property
    def past_window(self) -> bool:
        return self.in_window is not None and self.in_window.past_until

    def feed(self, rec: Record) -> list[Finding]:
        """Take one record; returns the findings it contributed to."""
        result = self.result
        if self.in_window is not None and not self.in_window(rec):
            return []
        result.records += 1
        tracker = self.tracker
        lt = tracker.feed(rec)
        seq = tracker.seq
        select = self.select
        if select is not None:
            pids = (
                ({lt.pid, *lt.worker_pids, *lt.gevent_pids} if lt is not None else None)
                if select.pid is not None
                else None
            )
            if not select.admits(rec, lt.index if lt is not None else None, pids):
                return []
            if lt is not None:
                lt.picked = True
        if rec.kind == "record":
            result.odoo_records += 1
            levels = result.levels
            levels[rec.level] = levels.get(rec.level, 0) + 1  # type: ignore[index,arg-type]
            if result.first_timestamp is None:
                result.first_timestamp = rec.timestamp
            result.last_timestamp = rec.timestamp
            logger = rec.logger or ""
            databases = result.databases
            if rec.db not in databases:
                if len(databases) < MAX_DATABASES:
                    databases.add(rec.db)  # type: ignore[arg-type]
                else:
                    result.omitted_databases.add(rec.db)
            if logger == "werkzeug" and lt is not None:
                _request(rec, lt, seq, result.activity)
            elif lt is not None and logger.startswith("odoo.modules") and lt.shutdown_before(seq):
                act = result.activity.setdefault(id(lt), LifetimeActivity())
                if len(act.window_loading) < MAX_WINDOW_ITEMS:
                    act.window_loading.append((rec.source, rec.first_line, rec.message))
            if logger.startswith("odoo.addons."):
                seen = result.module_last_seen
                key = (rec.source, logger.split(".", 3)[2])
                if key in seen or len(seen) < MAX_MODULES:
                    seen[key] = rec.first_line
                else:
                    result.omitted_modules.add(key)
            result.tests.feed(rec)
        elif rec.kind == "unparsed":
            result.unparsed_lines += rec.last_line - rec.first_line + 1
        found = self.engine.feed(rec, lt, seq, self.stream)
        for stage in self.extra:
            stage.feed(rec)
        return found

    def _end_stream(self) -> None:
        if self.stream >= 0:
            self.result.lifetimes.extend(self.tracker.finish())
            self.result.omitted_pids.merge(self.tracker.omitted)

    def finish(self) -> Scan:
        """Close the last stream and number the lifetimes; the result is ready for a report."""
        self._end_stream()
        self.stream = -1
        result = self.result
        for i, lt in enumerate(result.lifetimes, 1):
            lt.index = i
            if self.select is not None:
                lt.selected = lt.picked
        result.lines = sum(s.lines for s in result.sources)
        return result

    def snapshot(self) -> Scan:
        """The scan so far, without closing the stream (``watch`` reports while it follows)."""
        result = Scan(
            self.result.sources,
            self.result.lifetimes + self.tracker.finish(),
            self.engine,
            self.result.activity,
            self.result.tests,
            sum(s.lines for s in self.result.sources),
            self.result.records,
            self.result.unparsed_lines,
            self.result.levels,
            self.result.first_timestamp,
            self.result.last_timestamp,
            self.result.odoo_records,
            self.result.module_last_seen,
            self.result.window,
            self.result.seeked,
            self.result.databases,
        )
        for i, lt in enumerate(result.lifetimes, 1):
            lt.index = i
        return result


def scan(
    paths: list[str],
    patterns: list[Pattern],
    progress: Callable[[int], None] | None = None,
    stages: list[Stage] | None = None,
    echo: bool = False,
    window: Window | None = None,
    selection: Selection | None = None,
    fast: bool = True,
    jobs: int = 1,
) -> Scan:
    """Read every input once and collect everything the reports are built from.

    ``fast`` lets routine request lines take the hot path (same result, see fastpath.py)."""
    from logsleuth.fastpath import run_stream

    pipeline = Pipeline(patterns, stages, window, selection)
    sources: list[Source] = []
    for group in group_sources(paths):
        for source in group:
            source.echo = echo
        pipeline.start_stream(group)
        sources.extend(group)
        if fast and run_stream(pipeline, group, progress, jobs):
            continue
        feed = pipeline.feed
        count = 0
        for rec in parse_records(group):
            feed(rec)
            if pipeline.past_window:
                break
            count += 1
            if progress is not None and count % 20000 == 0:
                progress(sum(s.bytes for s in sources))
    if progress is not None:
        progress(-1)  # reading is over: what follows is correlation, not a silent pause
    return pipeline.finish()


def _request(rec: Record, lt: Lifetime, seq: int, activity: dict[int, LifetimeActivity]) -> None:
    msg = rec.message
    in_window = lt.shutdown_before(seq)
    failed = '" 5' in msg
    if not in_window and not failed:
        return
    req = parse_request(msg, rec.source, rec.first_line, rec.pid, rec.timestamp)
    if req is None:
        return
    act = activity.setdefault(id(lt), LifetimeActivity())
    if in_window:
        act.window_requests_total += 1
        if len(act.window_requests) < MAX_WINDOW_ITEMS:
            act.window_requests.append(req)
    if req.status >= 500:
        act.failed_requests_total += 1
        if len(act.failed_requests) < MAX_FAILED_REQUESTS:
            act.failed_requests.append(req)

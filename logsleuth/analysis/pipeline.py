"""The pipeline: sources → records → lifetimes, requests, findings, tests → a scan result.

One pass over the input, one record at a time. The per-record path is kept cheap for the
common case (an INFO request line): a dict lookup for the lifetime, a cached empty candidate
list in the engine, and no regex unless a request falls in a shutdown window or failed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from logsleuth.analysis.bounds import DistinctCounter
from logsleuth.analysis.findings import Engine, Finding
from logsleuth.analysis.lifetimes import Lifetime, LifetimeTracker
from logsleuth.analysis.patterns import LEVELS, Pattern
from logsleuth.analysis.testruns import TestCollector
from logsleuth.reading.records import Ahead, Record, Wants, _core, engine, parse_records
from logsleuth.reading.requests import parse_request
from logsleuth.reading.sources import Source, group_sources
from logsleuth.reading.window import Selection, Window, WindowFilter, seek

MAX_WINDOW_ITEMS = 200
MAX_FAILED_REQUESTS = 50
MAX_DATABASES = 1000
MAX_MODULES = 5000
"""Addons whose last line is remembered (the silence of a failed module); more are counted."""


@dataclass
class Scan:
    sources: list[Source]
    lifetimes: list[Lifetime]
    engine: Engine
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

    def merge(self, other: Scan) -> None:
        """Take in the scan of another stream (``--jobs``), given in stream order."""
        self.sources.extend(other.sources)
        self.lifetimes.extend(other.lifetimes)
        self.lines += other.lines
        self.records += other.records
        self.unparsed_lines += other.unparsed_lines
        self.odoo_records += other.odoo_records
        for level, n in other.levels.items():
            self.levels[level] = self.levels.get(level, 0) + n
        self.first_timestamp = self.first_timestamp or other.first_timestamp
        self.last_timestamp = other.last_timestamp or self.last_timestamp
        self.module_last_seen.update(other.module_last_seen)
        self.seeked |= other.seeked
        self.databases |= other.databases
        self.omitted_pids.merge(other.omitted_pids)
        self.omitted_databases.merge(other.omitted_databases)
        self.omitted_modules.merge(other.omitted_modules)
        self.engine.merge(other.engine)
        self.tests.merge(other.tests)


class Stage(Protocol):
    """An extra consumer of records (the CI gate): it sees every record once, in order, the
    ones it does not want (``wants``) in runs."""

    @property
    def wants(self) -> Wants: ...

    def feed(self, rec: Record) -> None: ...

    def feed_routine(self, run: Any) -> None: ...


PIPELINE_WANTS = Wants(statuses=(("werkzeug", "5"),))
"""Failed requests are listed one by one (requests in a shutdown window too: their processes
are held apart, see Pipeline.routine_pid)."""


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
        self.result = Scan([], [], self.engine, TestCollector())
        self.result.window = window if window is not None and window.active else None
        self.extra = stages or []
        self.window = window if window is not None and window.active else None
        self.in_window = WindowFilter(self.window) if self.window is not None else None
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
                _request(rec, lt, seq)
            elif lt is not None and logger.startswith("odoo.modules") and lt.shutdown_before(seq):
                act = lt.activity
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

    def feed_routine(self, run: Any) -> None:
        """A run of routine records (see routine_table): what ``feed`` does with each, at once."""
        result = self.result
        count = run.count
        result.records += count
        self.tracker.feed_routine(run)
        result.odoo_records += count
        if result.first_timestamp is None:
            result.first_timestamp = run.first_time
        result.last_timestamp = run.last_time
        levels, databases, seen = result.levels, result.databases, result.module_last_seen
        level_count = levels.get
        for _pid, db, logger, level, n, _first, last_line, _time, _msg, _index in run.groups:
            levels[level] = level_count(level, 0) + n
            if db not in databases:
                if len(databases) < MAX_DATABASES:
                    databases.add(db)
                else:
                    result.omitted_databases.add(db)
            if logger.startswith("odoo.addons."):
                key = (run.source, logger.split(".", 3)[2])
                last = seen.get(key)
                if last is not None:
                    if last_line > last:
                        seen[key] = last_line
                elif len(seen) < MAX_MODULES:
                    seen[key] = max(last_line, 0)
                else:
                    result.omitted_modules.add(key)
        result.tests.feed_routine(run)
        self.engine.feed_routine(run)
        for stage in self.extra:
            stage.feed_routine(run)

    def routine_table(self) -> Any:
        """The compiled scanner's table of routine records: those that no stage and no loaded
        pattern wants one by one (None when every record must be fed: a time window or a
        selection looks at each record)."""
        if self.in_window is not None or self.select is not None:
            return None
        wants = [PIPELINE_WANTS, self.tracker.wants, self.result.tests.wants, self.engine.wants]
        wants += [stage.wants for stage in self.extra]
        levels: dict[str, tuple[list[str], list[tuple[str, str]]]] = {}
        for level in LEVELS:
            if any(level in w.levels for w in wants):
                continue
            entries = [(rx, msg) for w in wants for lv, rx, msg in w.loggers if lv is None or level in lv]
            if ("", None) in entries:
                continue  # every record of this level is wanted
            levels[level] = (
                [rx for rx, msg in entries if msg is None],
                [(rx, msg) for rx, msg in entries if msg is not None],
            )
        requests: dict[str, str] = {}
        for w in wants:
            for logger, classes in w.statuses:
                requests[logger] = requests.get(logger, "") + classes
        self.tracker.changed_pids, self.engine.changed_pids = [], []
        return _core.RoutineTable(
            levels,
            [p for w in wants for p in w.prefixes],
            [x for w in wants for x in w.substrings],
            requests,
            self.engine.prefilter,
        )

    def routine_pid(self, pid: int) -> bool:
        """Whether a process's records may come in runs now: it has a lifetime, outside any
        shutdown window, and no failed request of it awaits its access line."""
        lt = self.tracker.by_pid.get(pid)
        return (
            lt is not None
            and lt.shutdown_seq is None
            and 0 < pid < 2**63
            and not self.engine.awaits_request(self.stream, pid)
        )

    def sync_routine(self, table: Any) -> None:
        """Tell the scanner about processes whose state changed since the last record."""
        tracked, awaited = self.tracker.changed_pids or [], self.engine.changed_pids or []
        changed = {*tracked, *awaited}
        tracked.clear()
        awaited.clear()
        allowed = [pid for pid in changed if self.routine_pid(pid)]
        table.update(allowed, [pid for pid in changed if pid not in allowed and 0 <= pid < 2**64])

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
        result = dataclasses.replace(
            self.result,
            lifetimes=self.result.lifetimes + self.tracker.finish(),
            lines=sum(s.lines for s in self.result.sources),
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
    ahead: Ahead = "never",
) -> Scan:
    """Read every input once and collect everything the reports are built from; ``ahead``
    reads on a second core (see parse_records)."""
    pipeline = Pipeline(patterns, stages, window, selection)
    sources: list[Source] = []
    for group in group_sources(paths):
        for source in group:
            source.echo = echo
        pipeline.start_stream(group)
        sources.extend(group)
        table = pipeline.routine_table() if engine() == "rust" else None
        feed, feed_routine = pipeline.feed, pipeline.feed_routine
        tracker, matcher = pipeline.tracker, pipeline.engine
        count = 0
        for item in parse_records(group, table, ahead):
            if type(item) is Record:
                feed(item)
                if pipeline.past_window:
                    break
                if table is not None and (tracker.changed_pids or matcher.changed_pids):
                    pipeline.sync_routine(table)
            else:
                feed_routine(item)
            count += 1
            if progress is not None and count % 20000 == 0:
                progress(sum(s.bytes for s in sources))
    if progress is not None:
        progress(-1)  # reading is over: what follows is correlation, not a silent pause
    return pipeline.finish()


def _request(rec: Record, lt: Lifetime, seq: int) -> None:
    msg = rec.message
    in_window = lt.shutdown_before(seq)
    failed = '" 5' in msg
    if not in_window and not failed:
        return
    req = parse_request(msg, rec.source, rec.first_line, rec.pid, rec.timestamp)
    if req is None:
        return
    act = lt.activity
    if in_window:
        act.window_requests_total += 1
        if len(act.window_requests) < MAX_WINDOW_ITEMS:
            act.window_requests.append(req)
    if req.status >= 500:
        act.failed_requests_total += 1
        if len(act.failed_requests) < MAX_FAILED_REQUESTS:
            act.failed_requests.append(req)

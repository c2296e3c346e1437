"""The pipeline: sources → records → lifetimes, requests, findings, tests → a scan result.

One pass over the input, one record at a time. The per-record path is kept cheap for the
common case (an INFO request line): a dict lookup for the lifetime, a cached empty candidate
list in the engine, and no regex unless a request falls in a shutdown window or failed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Protocol

from logsleuth.findings import Engine
from logsleuth.lifetimes import Lifetime, LifetimeTracker
from logsleuth.patterns import Pattern
from logsleuth.records import Record, parse_records
from logsleuth.requests import Request, parse_request
from logsleuth.sources import Source, group_sources
from logsleuth.testruns import TestCollector

MAX_WINDOW_ITEMS = 200
MAX_FAILED_REQUESTS = 50
MAX_DATABASES = 1000


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
    module_last_seen: dict[str, tuple[str, int]] = field(default_factory=dict)
    databases: set[str] = field(default_factory=set)
    """Database names seen in the db column (bounded): redaction masks them everywhere."""


class Stage(Protocol):
    """An extra consumer of records (the CI gate): it sees every record once, in order."""

    def feed(self, rec: Record) -> None: ...


def scan(
    paths: list[str],
    patterns: list[Pattern],
    progress: Callable[[int], None] | None = None,
    record_filter: Callable[[Record], bool] | None = None,
    stages: list[Stage] | None = None,
    echo: bool = False,
) -> Scan:
    """Read every input once and collect everything the reports are built from."""
    groups = group_sources(paths)
    for group in groups:
        for source in group:
            source.echo = echo
    extra = stages or []
    engine = Engine(patterns)
    tests = TestCollector()
    result = Scan([s for g in groups for s in g], [], engine, {}, tests)
    levels = result.levels
    activity = result.activity
    databases = result.databases
    for stream, group in enumerate(groups):
        tracker = LifetimeTracker(stream)
        for rec in parse_records(group):
            result.records += 1
            if record_filter is not None and not record_filter(rec):
                continue
            lt = tracker.feed(rec)
            seq = tracker.seq
            if rec.kind == "record":
                result.odoo_records += 1
                level = rec.level
                levels[level] = levels.get(level, 0) + 1  # type: ignore[index]
                if result.first_timestamp is None:
                    result.first_timestamp = rec.timestamp
                result.last_timestamp = rec.timestamp
                logger = rec.logger or ""
                if rec.db not in databases and len(databases) < MAX_DATABASES:
                    databases.add(rec.db)  # type: ignore[arg-type]
                if logger == "werkzeug" and lt is not None:
                    _request(rec, lt, seq, activity)
                elif lt is not None and logger.startswith("odoo.modules") and lt.shutdown_before(seq):
                    act = activity.setdefault(id(lt), LifetimeActivity())
                    if len(act.window_loading) < MAX_WINDOW_ITEMS:
                        act.window_loading.append((rec.source, rec.first_line, rec.message))
                if logger.startswith("odoo.addons."):
                    result.module_last_seen[logger.split(".", 3)[2]] = (rec.source, rec.first_line)
                tests.feed(rec)
            elif rec.kind == "unparsed":
                result.unparsed_lines += rec.last_line - rec.first_line + 1
            engine.feed(rec, lt, seq, stream)
            for stage in extra:
                stage.feed(rec)
            if progress is not None and result.records % 20000 == 0:
                progress(sum(s.bytes for s in result.sources))
        result.lifetimes.extend(tracker.finish())
    for i, lt in enumerate(result.lifetimes, 1):
        lt.index = i
    result.lines = sum(s.lines for s in result.sources)
    return result


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

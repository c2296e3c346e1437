"""``--jobs``: streams (files that are not one rotated set) analysed in parallel processes.

Streams are independent by construction (each has its own lifetimes, and symptoms link to
causes of their own stream), so each worker scans one stream and the parent merges the results
in the order the streams were given: the report is the one ``-j 1`` gives (a test checks it).
"""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from logsleuth.analysis.findings import MAX_OCCURRENCES, Finding, _differs
from logsleuth.analysis.gate import Gate, GateConfig
from logsleuth.analysis.patterns import Pattern
from logsleuth.analysis.pipeline import Scan, scan
from logsleuth.analysis.workers import init_worker
from logsleuth.reading.sources import group_sources


def resolve_jobs(value: str | int | None) -> int:
    if value in (None, "", "1", 1):
        return 1
    if value == "auto":
        return max(1, os.cpu_count() or 1)
    try:
        jobs = int(value)  # type: ignore[arg-type]
    except ValueError:
        from logsleuth.errors import UsageError

        raise UsageError(f"--jobs takes a number or 'auto', not {value!r}") from None
    if jobs < 1:
        from logsleuth.errors import UsageError

        raise UsageError(f"--jobs takes a number of at least 1 or 'auto', not {value!r}")
    return jobs


def _worker(
    paths: list[str], patterns: list[Pattern], gate_config: GateConfig | None, options: dict[str, Any]
) -> tuple[dict, Gate | None]:
    gate = Gate(gate_config) if gate_config is not None else None
    result = scan(paths, patterns, stages=[gate] if gate else None, **options)
    # activity is keyed by id(lifetime): ids do not survive pickling, positions do
    by_id = {id(lt): i for i, lt in enumerate(result.lifetimes)}
    packed = [(by_id[k], act) for k, act in result.activity.items() if k in by_id]
    result.activity = {}
    return {"scan": result, "activity": packed}, gate


def scan_streams(
    paths: list[str], patterns: list[Pattern], jobs: int, gate: Gate | None = None, **options: Any
) -> Scan:
    """Scan each stream in its own process (at most ``jobs`` at once) and merge in order."""
    groups = group_sources(paths)
    if jobs <= 1 or len(groups) < 2 or options.get("echo"):
        return scan(paths, patterns, stages=[gate] if gate else None, **options)
    config = gate.config if gate is not None else None
    with ProcessPoolExecutor(max_workers=min(jobs, len(groups)), initializer=init_worker) as pool:
        futures = [pool.submit(_worker, [s.path for s in group], patterns, config, options) for group in groups]
        parts = [f.result() for f in futures]
    return _merge(parts, gate)


def _merge(parts: list[tuple[dict, Gate | None]], gate: Gate | None) -> Scan:
    first: Scan | None = None
    for stream, (packed, worker_gate) in enumerate(parts):
        part: Scan = packed["scan"]
        for lt in part.lifetimes:
            lt.stream = stream
        part.activity = {id(part.lifetimes[i]): act for i, act in packed["activity"]}
        if gate is not None and worker_gate is not None:
            _merge_gate(gate, worker_gate)
        if first is None:
            first = part
            continue
        _merge_scan(first, part)
    assert first is not None
    for i, lt in enumerate(first.lifetimes, 1):
        lt.index = i
    return first


def _merge_gate(into: Gate, other: Gate) -> None:
    into.odoo_records += other.odoo_records
    into.failing_total += other.failing_total
    into.ignored_total += other.ignored_total
    room = max(0, 200 - len(into.failing))
    into.failing.extend(other.failing[:room])


def _merge_scan(into: Scan, other: Scan) -> None:
    into.sources.extend(other.sources)
    into.lifetimes.extend(other.lifetimes)
    into.activity.update(other.activity)
    into.lines += other.lines
    into.records += other.records
    into.unparsed_lines += other.unparsed_lines
    into.odoo_records += other.odoo_records
    for level, n in other.levels.items():
        into.levels[level] = into.levels.get(level, 0) + n
    into.first_timestamp = into.first_timestamp or other.first_timestamp
    into.last_timestamp = other.last_timestamp or into.last_timestamp
    into.module_last_seen.update(other.module_last_seen)
    into.seeked |= other.seeked
    into.databases |= other.databases
    into.omitted_pids.merge(other.omitted_pids)
    into.omitted_databases.merge(other.omitted_databases)
    into.omitted_modules.merge(other.omitted_modules)
    into.engine.omitted.merge(other.engine.omitted)
    into.engine.omitted_records += other.engine.omitted_records
    into.engine.tracebacks += other.engine.tracebacks
    _merge_tests(into, other)
    findings = into.engine.findings
    replaced: dict[int, Finding] = {}
    for key, f in other.engine.findings.items():
        kept = findings.get(key)
        if kept is None:
            findings[key] = f
            continue
        if (
            kept.explained_by is not None
            and f.explained_by is not None
            and f.traceback is not None
            and _differs(kept, f.traceback)
        ):
            # as the serial engine does: another explanation makes another finding
            variant_key = key + (f.traceback.short_type, f.culprit.file if f.culprit else None)
            if variant_key not in findings:
                findings[variant_key] = f
                f.key = variant_key
                continue
            kept = findings[variant_key]
        _absorb(kept, f)
        replaced[id(f)] = kept
    for f in list(findings.values()):
        if f.linked_to is not None and id(f.linked_to) in replaced:
            f.linked_to = replaced[id(f.linked_to)]
    for f in findings.values():  # a symptom absorbed into another stream's finding keeps that one's cause
        kept_links: list[Finding] = []
        for g in f.linked:
            g = replaced.get(id(g), g)
            if g.linked_to is f and g not in kept_links:
                kept_links.append(g)
        f.linked = kept_links


def _absorb(kept: Finding, other: Finding) -> None:
    kept.count += other.count
    room = MAX_OCCURRENCES - len(kept.occurrences)
    kept.occurrences.extend(other.occurrences[: max(room, 0)])
    kept.linked.extend(g for g in other.linked if g not in kept.linked)
    if kept.explained_by is None and other.explained_by is not None:
        kept.explained_by, kept.traceback = other.explained_by, other.traceback
        kept.exception, kept.culprit = other.exception, other.culprit
    if kept.trigger_request is None:
        kept.trigger_request = other.trigger_request


def _merge_tests(into: Scan, other: Scan) -> None:
    a, b = into.tests, other.tests
    for key, case in b.cases.items():
        a.cases.setdefault(key, case)
    a.summaries.extend(b.summaries)
    a.module_results.extend(b.module_results)
    if a.detected and not b.detected and b.first_stop and a.stopped is None:
        a.stopped = b.first_stop
    a.first_stop = a.first_stop or b.first_stop
    a.detected |= b.detected
    a.stats.update(b.stats)
    a.detailed.update(b.detailed)
    a.module_test_seconds.update(b.module_test_seconds)
    a.loading_failed = a.loading_failed or b.loading_failed
    a.modules_loaded |= b.modules_loaded
    a.load_failed |= b.load_failed
    a.post_started |= b.post_started
    a.post_done |= b.post_done
    if b.stopped == "forced" or (b.stopped and a.stopped is None):
        a.stopped = b.stopped
    a.ran_total += b.ran_total
    if b.unittest_failed:
        f, e = a.unittest_failed or (0, 0)
        a.unittest_failed = (f + b.unittest_failed[0], e + b.unittest_failed[1])

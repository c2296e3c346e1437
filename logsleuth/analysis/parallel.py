"""``--jobs``: streams (files that are not one rotated set) analysed in parallel processes, or
one stream read on a second core while the first analyses it.

Streams are independent by construction (each has its own lifetimes, and symptoms link to
causes of their own stream), so each worker scans one stream and the parent merges the results
in the order the streams were given: the report is the one ``-j 1`` gives (a test checks it).
"""

from __future__ import annotations

import os
from typing import Any

from logsleuth.analysis.gate import Gate, GateConfig
from logsleuth.analysis.patterns import Pattern
from logsleuth.analysis.pipeline import Scan, scan
from logsleuth.analysis.workers import init_worker
from logsleuth.reading.records import Ahead
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
) -> tuple[Scan, Gate | None]:
    gate = Gate(gate_config) if gate_config is not None else None
    result = scan(paths, patterns, stages=[gate] if gate else None, **options)
    return result, gate


def scan_streams(
    paths: list[str], patterns: list[Pattern], jobs: int, gate: Gate | None = None, **options: Any
) -> Scan:
    """Scan each stream in its own process (at most ``jobs`` at once) and merge in order; a
    single stream with several jobs is read ahead on a thread of the compiled core where that
    pays (``auto``, see records.AHEAD_RECORDS)."""
    groups = group_sources(paths)
    if jobs <= 1 or len(groups) < 2 or options.get("echo"):
        ahead: Ahead = "auto" if jobs > 1 else "never"
        return scan(paths, patterns, stages=[gate] if gate else None, ahead=ahead, **options)
    config = gate.config if gate is not None else None
    from concurrent.futures import ProcessPoolExecutor  # only -j N with several streams needs it

    with ProcessPoolExecutor(max_workers=min(jobs, len(groups)), initializer=init_worker) as pool:
        futures = [pool.submit(_worker, [s.path for s in group], patterns, config, options) for group in groups]
        parts = [f.result() for f in futures]
    return _merge(parts, gate)


def _merge(parts: list[tuple[Scan, Gate | None]], gate: Gate | None) -> Scan:
    first: Scan | None = None
    for stream, (part, worker_gate) in enumerate(parts):
        for lt in part.lifetimes:
            lt.stream = stream
        if gate is not None and worker_gate is not None:
            gate.merge(worker_gate)
        if first is None:
            first = part
            continue
        first.merge(part)
    assert first is not None
    for i, lt in enumerate(first.lifetimes, 1):
        lt.index = i
    return first

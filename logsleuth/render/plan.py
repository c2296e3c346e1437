"""What a report shows, decided once for every format: the rows, the proofs and their limits.

``plan(report)`` selects and shapes; each renderer (text, markdown, html) only draws the plan,
with its own escaping, layout and order, and decides nothing about what to leave out. The
terminal report leaves out the proof (smoking guns, requests in a shutdown window: the notes
name them), which a ticket carries. Like the model's, its classes have no generated ``__eq__``,
``__hash__`` or ``__repr__``: nothing compares or prints them, and each costs start-up time.
"""

from __future__ import annotations

from dataclasses import dataclass

from logsleuth.report.model import Finding, Lifetime, Report, RootCause, WindowRequest

REQUESTS = 50
"""Requests served inside a shutdown window listed in a report (the notes give the total)."""
EVIDENCE_LINES = 8
"""Evidence lines of a root cause shown in its table row (the JSON lists them all)."""
SMOKING_GUNS = 8
"""Records shown as proof of the root causes."""
OCCURRENCE_LINES = 12
"""Lines of further occurrences named under a proof."""

SUMMARY_LIMIT = 8
"""More lifetimes than this: the terminal report shows a summary and the lifetimes that matter;
``lifetimes`` or ``--verbose`` the whole table."""

LIFETIME_COLUMNS = (
    "#",
    "PID",
    "workers",
    "start",
    "end",
    "duration",
    "version",
    "lines",
    "end reason",
    "shutdown line",
)


@dataclass(frozen=True, eq=False, repr=False)
class Proof:
    """A smoking gun: one record that proves a root cause, and the findings resting on it."""

    finding: Finding
    also: tuple[str, ...]
    """Ids of the other findings on the same record."""
    exception: str | None
    """``line N: Type: message`` of the exception that explains it (first line)."""
    again: str | None
    """``N times: lines a, b…`` when it happened more than once."""


@dataclass(frozen=True, eq=False, repr=False)
class Plan:
    """What a report shows, in every format: its rows, proofs and their limits."""

    report: Report
    lifetime_rows: tuple[tuple[str, ...], ...]
    """One row per lifetime, in ``LIFETIME_COLUMNS``."""
    evidence: tuple[str, ...]
    """Per root cause, its evidence lines as shown."""
    proofs: tuple[Proof, ...]
    requests: tuple[WindowRequest, ...]
    verification: tuple[str, ...]
    """Every check of every fix, once, in priority order."""

    @property
    def causes(self) -> tuple[tuple[RootCause, str], ...]:
        return tuple(zip(self.report.root_causes, self.evidence))


def human_duration(seconds: float) -> str:
    """``4.4s``, ``3m 12s``, ``5h 07m``, ``2d 4h``: as people read durations."""
    if seconds < 60:
        return f"{seconds:.1f}s"
    s = round(seconds)
    days, s = divmod(s, 86400)
    hours, s = divmod(s, 3600)
    minutes, s = divmod(s, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes:02d}m"
    return f"{minutes}m {s:02d}s"


def lifetime_row(lt: Lifetime, several_sources: bool) -> tuple[str, ...]:
    """A lifetime as every table shows it (``LIFETIME_COLUMNS``)."""
    workers = str(lt.worker_count) + (f" + gevent {', '.join(map(str, lt.gevent_pids))}" if lt.gevent_pids else "")
    return (
        f"{lt.index} {lt.source}" if several_sources else str(lt.index),
        str(lt.pid),
        workers,
        f"{lt.start_logged or '?'} (line {lt.start_line})",
        f"{lt.end_logged or '?'} (line {lt.end_line})",
        human_duration(lt.seconds) if lt.seconds is not None else "?",
        (lt.version or "—") + ("" if lt.started_by_banner else " (no banner)"),
        str(lt.lines),
        lt.end_reason,
        str(lt.shutdown_line or "—"),
    )


def lifetime_rows(lifetimes: tuple[Lifetime, ...]) -> tuple[tuple[str, ...], ...]:
    several = len({lt.source for lt in lifetimes}) > 1
    return tuple(lifetime_row(lt, several) for lt in lifetimes)


def lifetimes_that_matter(r: Report) -> list[Lifetime]:
    """Lifetimes with failures, a crash, a forced stop, an end the log does not explain, or
    requests served in their shutdown window."""
    failing = {n for f in r.findings if f.severity in ("critical", "high", "medium") for n in f.lifetimes}
    return [
        lt
        for lt in r.lifetimes
        if lt.end_reason in ("crash", "forced", "unknown")
        or lt.index in failing
        or r.window_requests_total.get(lt.index)
    ]


def smoking_guns(r: Report, limit: int = SMOKING_GUNS) -> list[tuple[Finding, list[Finding]]]:
    """The records that prove the root causes, each once (several findings can rest on one record)."""
    by_record: dict[tuple[str, int], tuple[Finding, list[Finding]]] = {}
    for f in r.findings:
        if f.linked_to is not None and f.role != "cause":
            continue
        key = (f.source, f.line)
        if key in by_record:
            by_record[key][1].append(f)
        elif len(by_record) < limit:
            by_record[key] = (f, [])
    return list(by_record.values())


def _proof(f: Finding, others: list[Finding]) -> Proof:
    exc = None
    if f.exception is not None and f.exception.line:
        message = f.exception.message.splitlines()[0] if f.exception.message else ""
        exc = f"line {f.exception.line}: {f.exception.type}: {message}"
    again = f"{f.count} times: lines {', '.join(map(str, f.occurrences[:OCCURRENCE_LINES]))}" if f.count > 1 else None
    return Proof(f, tuple(o.id for o in others), exc, again)


def plan(r: Report) -> Plan:
    """What ``r`` shows, in every format."""
    verification: dict[str, None] = {}
    for rc in r.root_causes:
        verification.update(dict.fromkeys(rc.verify))
    return Plan(
        r,
        lifetime_rows(r.lifetimes),
        tuple(", ".join(map(str, rc.evidence_lines[:EVIDENCE_LINES])) for rc in r.root_causes),
        tuple(_proof(f, others) for f, others in smoking_guns(r)),
        r.shutdown_window_requests[:REQUESTS],
        tuple(verification),
    )

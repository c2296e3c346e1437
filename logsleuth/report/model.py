"""The report model: plain, frozen facts built once by ``report.build_report``.

Every renderer reads only this module's classes. The JSON report is this model serialised
(``to_json``) and its JSON Schema is generated from the same classes (``json_schema``), so the
contract cannot drift from what the renderers see. A field marked ``internal`` is a fact the
renderers need that the JSON does not carry (a timestamp as logged, a record's lines).
Redaction rewrites the model by field (``redact.redact_model``).

The classes are built without ``__eq__``, ``__hash__`` and ``__repr__``: nothing compares or
prints a fact (the JSON is what is compared), and generating those methods for every class cost
each run about 5 ms of start-up. Each has a docstring, or dataclass would build one from its
signature at import.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass
from typing import Any, Union

from logsleuth.analysis.patterns import CATEGORIES, SEVERITIES

SCHEMA_VERSION = 1
END_REASONS = ("shutdown", "forced", "reload", "stop-after-init", "crash", "unknown", "end-of-log")
TEST_STATUSES = ("pass", "fail", "error", "skip")
SEVERITY_RANK = {s: i for i, s in enumerate(SEVERITIES)}
NO_END = (
    "the test run has no end (no final summary, post-tests line, test statistics or graceful stop): "
    "it crashed or was cut off"
)
"""Why a test run that never reached its end fails (the CI verdict and every CI output)."""


def fact(*, enum: tuple[str, ...] | None = None, internal: bool = False, default: Any = dataclasses.MISSING) -> Any:
    """A model field: ``enum`` its allowed values, ``internal`` kept out of the JSON."""
    return dataclasses.field(default=default, metadata={"enum": enum, "internal": internal})


@dataclass(frozen=True, eq=False, repr=False)
class Tool:
    """The program that wrote the report."""

    name: str
    version: str


@dataclass(frozen=True, eq=False, repr=False)
class Source:
    """One input as read: its size, compression and any damage."""

    path: str
    lines: int
    bytes: int
    compression: str | None
    damage: str | None
    cut_lines: int


@dataclass(frozen=True, eq=False, repr=False)
class Summary:
    """Counts over all the inputs."""

    lines: int
    records: int
    first_timestamp: str | None
    last_timestamp: str | None
    lifetimes: int
    warnings: int
    errors: int
    criticals: int
    tracebacks: int


@dataclass(frozen=True, eq=False, repr=False)
class KilledWorker:
    """A worker its master killed, and the line that says so."""

    pid: int
    line: int


@dataclass(frozen=True, eq=False, repr=False)
class Lifetime:
    """One process from its start to its end, and how it ended."""

    index: int
    source: str
    pid: int
    worker_pids: tuple[int, ...]
    start_line: int
    end_line: int
    start: str | None
    end: str | None
    version: str | None
    started_by_banner: bool
    shutdown_line: int | None
    end_reason: str = fact(enum=END_REASONS)
    end_evidence_line: int | None = None
    kind: str = "server"
    started_without_banner_by: int | None = None
    end_source: str = ""
    gevent_pids: tuple[int, ...] = ()
    worker_count: int = 0
    killed_workers: tuple[KilledWorker, ...] = ()
    shutdown_marker: str | None = None
    lines: int = 0
    requests: int = 0
    start_logged: str | None = fact(internal=True, default=None)
    """The start as the log wrote it (the tables show it so)."""
    end_logged: str | None = fact(internal=True, default=None)
    seconds: float | None = fact(internal=True, default=None)
    """How long it lived, when both ends have a timestamp."""
    start_epoch: float | None = fact(internal=True, default=None)
    end_epoch: float | None = fact(internal=True, default=None)
    shutdown_epoch: float | None = fact(internal=True, default=None)
    early_marker: bool = fact(internal=True, default=False)
    """Its shutdown marker came before any service: no shutdown window to draw."""


@dataclass(frozen=True, eq=False, repr=False)
class ExceptionFacts:
    """The exception of a finding's traceback."""

    type: str | None
    message: str
    line: int | None


@dataclass(frozen=True, eq=False, repr=False)
class Culprit:
    """The addon frame a traceback points at: the code to read first."""

    file: str
    line: int
    code: str | None
    imports: str | None
    log_line: int | None


@dataclass(frozen=True, eq=False, repr=False)
class Frame:
    """One frame of a finding's import chain."""

    file: str
    line: int
    code: str | None
    kind: str
    module: str | None
    log_line: int | None


@dataclass(frozen=True, eq=False, repr=False)
class Span:
    """The lines of one record of a finding, and where it stands in time."""

    source: str
    line: int
    last_line: int
    lifetime: int | None
    epoch: float | None


@dataclass(frozen=True, eq=False, repr=False)
class Finding:
    """One failure signature met in the log, with its occurrences and what explains it."""

    id: str
    kind: str
    title: str
    severity: str = fact(enum=SEVERITIES)
    category: str = fact(enum=CATEGORIES)
    role: str = "cause"
    source: str = ""
    line: int = 0
    pid: int | None = None
    lifetime: int | None = None
    module: str | None = None
    in_shutdown_window: bool = False
    exception: ExceptionFacts | None = None
    culprit: Culprit | None = None
    occurrences: tuple[int, ...] = ()
    occurrence_sources: tuple[str, ...] = ()
    count: int = 0
    recurring_across_restarts: bool = False
    occurrences_in_shutdown_window: tuple[int, ...] = ()
    lifetimes: tuple[int, ...] = ()
    explained_by_line: int | None = None
    import_chain: tuple[Frame, ...] = ()
    linked_to: str | None = None
    values: dict[str, str] = dataclasses.field(default_factory=dict)
    message: str = ""
    sample: tuple[str, ...] = fact(internal=True, default=())
    """The lines of its first record (capped)."""
    spans: tuple[Span, ...] = fact(internal=True, default=())
    explained_by: Span | None = fact(internal=True, default=None)
    """The record whose traceback explains it."""


@dataclass(frozen=True, eq=False, repr=False)
class WindowRequest:
    """A request served after its process logged its shutdown marker."""

    lifetime: int
    pid: int
    source: str
    line: int
    method: str
    path: str
    status: int
    request_pid: int | None


@dataclass(frozen=True, eq=False, repr=False)
class WindowLoading:
    """Module or registry loading after its process logged its shutdown marker."""

    lifetime: int
    pid: int
    source: str
    line: int
    message: str


@dataclass(frozen=True, eq=False, repr=False)
class RootCause:
    """Something to fix, ranked, with its evidence, fix and verification."""

    rank: int
    title: str
    severity: str = fact(enum=SEVERITIES)
    category: str = fact(enum=CATEGORIES)
    finding_ids: tuple[str, ...] = ()
    evidence_lines: tuple[int, ...] = ()
    source: str = ""
    fix: str = ""
    code: str | None = None
    verify: tuple[str, ...] = ()
    impact: str = ""
    confidence: str = "high"
    confidence_reason: str = ""
    standing: str = ""
    """Why it ranks where it does (severity, persistence across restarts, context)."""
    context: str | None = None
    """Why it is not the first thing to fix: ``noise``, ``shutdown`` or ``transient``; else ``None``."""


@dataclass(frozen=True, eq=False, repr=False)
class Citation:
    """A line a note rests on."""

    source: str
    line: int


@dataclass(frozen=True, eq=False, repr=False)
class Note:
    """A statement the report makes beside the findings, with the lines it rests on."""

    kind: str
    text: str
    lines: tuple[int, ...]
    citations: tuple[Citation, ...]


@dataclass(frozen=True, eq=False, repr=False)
class CascadeStep:
    """One step of the failure cascade, from the request to the symptom."""

    step: str
    detail: str
    source: str | None
    line: int | None


@dataclass(frozen=True, eq=False, repr=False)
class TestCase:
    """One test of the run and its outcome."""

    name: str
    module: str | None
    status: str = fact(enum=TEST_STATUSES)
    source: str = ""
    line: int = 0
    message: str = ""
    file: str | None = None
    file_line: int | None = None
    traceback: str = fact(internal=True, default="")
    started: str | None = fact(internal=True, default=None)
    """When it started, ISO 8601 to the second (JUnit's ``timestamp``)."""
    seconds: float | None = fact(internal=True, default=None)
    unnamed: bool = fact(internal=True, default=False)
    """A failure known only from a summary line."""


@dataclass(frozen=True, eq=False, repr=False)
class Tests:
    """The test run of the log (``--test-enable``)."""

    total: int
    passed: int
    failed: int
    errors: int
    skipped: int
    summary_found: bool
    finished: bool
    evidence: tuple[str, ...]
    cases: tuple[TestCase, ...]
    """The cases that did not pass."""
    suite_seconds: dict[str, float] = fact(internal=True)
    """Seconds per module, from the log's test statistics (JUnit)."""
    run: tuple[TestCase, ...] = fact(internal=True, default=())
    """Every case, passed ones too (JUnit)."""

    @property
    def crashed(self) -> bool:
        """No evidence that the run reached its end."""
        return not self.finished

    @property
    def failing(self) -> tuple[TestCase, ...]:
        return tuple(c for c in self.cases if c.status in ("fail", "error"))


@dataclass(frozen=True, eq=False, repr=False)
class Report:
    """The whole report: what every renderer draws."""

    schema: int
    tool: Tool
    sources: tuple[Source, ...]
    summary: Summary
    verdict: str
    lifetimes: tuple[Lifetime, ...]
    findings: tuple[Finding, ...]
    shutdown_window_requests: tuple[WindowRequest, ...]
    shutdown_window_loading: tuple[WindowLoading, ...]
    root_causes: tuple[RootCause, ...]
    notes: tuple[Note, ...]
    cascade: tuple[CascadeStep, ...]
    tests: Tests | None
    omitted: dict[str, int]
    """What went past a cap (bounds.py): counted, not kept; 0 when nothing was left out."""
    window_requests_total: dict[int, int] = fact(internal=True)
    """Requests served in each lifetime's shutdown window (only the first ones are listed)."""
    top_severity: str | None = fact(internal=True, default=None)


@dataclass(frozen=True, eq=False, repr=False)
class GateRecord:
    """A log record that fails the CI build."""

    source: str
    line: int
    level: str
    logger: str
    message: str


@dataclass(frozen=True, eq=False, repr=False)
class CiResult:
    """What ``logsleuth ci`` decided and why; every CI output draws this."""

    failed: bool
    reasons: tuple[str, ...]
    fail_on: str
    failing_records: int
    ignored_records: int
    failing: tuple[GateRecord, ...] = fact(internal=True, default=())
    """The records that fail the build (the first ones)."""


def to_json(obj: Any) -> Any:
    """The model as JSON values: dataclass fields in order, ``internal`` ones left out."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {
            f.name: to_json(getattr(obj, f.name)) for f in dataclasses.fields(obj) if not f.metadata.get("internal")
        }
    if isinstance(obj, (tuple, list)):
        return [to_json(v) for v in obj]
    if isinstance(obj, dict):
        return {k: to_json(v) for k, v in obj.items()}
    return obj


_SIMPLE = {str: "string", int: "integer", bool: "boolean", float: "number", type(None): "null"}


def _type_schema(hint: Any, enum: tuple[str, ...] | None = None) -> dict[str, Any]:
    origin = typing.get_origin(hint)
    if origin in (Union, types.UnionType):
        parts = [_type_schema(a, enum) for a in typing.get_args(hint)]
        if all(set(p) == {"type"} for p in parts):
            return {"type": [p["type"] for p in parts]}
        if enum is not None and {"type": "null"} in parts:
            return {"enum": [*enum, None]}
        return {"anyOf": parts}
    if origin is tuple:
        return {"type": "array", "items": _type_schema(typing.get_args(hint)[0])}
    if origin is dict:
        return {"type": "object", "additionalProperties": _type_schema(typing.get_args(hint)[1])}
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return _object_schema(hint)
    if enum is not None:
        return {"enum": list(enum)}
    return {"type": _SIMPLE[hint]}


def _object_schema(cls: type) -> dict[str, Any]:
    hints = typing.get_type_hints(cls)
    fields = [f for f in dataclasses.fields(cls) if not f.metadata.get("internal")]
    return {
        "type": "object",
        "required": [f.name for f in fields],
        "additionalProperties": False,
        "properties": {f.name: _type_schema(hints[f.name], f.metadata.get("enum")) for f in fields},
    }


def json_schema() -> dict[str, Any]:
    """The JSON Schema of ``analyze --format json`` (``ci --format json`` adds ``ci``)."""
    schema = _object_schema(Report)
    schema["properties"]["schema"] = {"const": SCHEMA_VERSION}
    schema["properties"]["ci"] = _object_schema(CiResult)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://pypi.org/project/odoo-logsleuth/report.schema.json",
        "title": "logsleuth report",
        **schema,
    }

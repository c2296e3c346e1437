"""The report's prose, in one place: every sentence of the notes, the verdict and the ranking is
built here from plain facts (ids, lines, values) that ``report.py`` establishes.

``report.py`` decides what is true (which process was stopping, what follows from what); this
module only says it. Each note is a frozen fact with its ``kind`` (the JSON ``notes[].kind``)
and its ``text``. A fact is said once and never compared or printed: its class has no generated
``__eq__``, ``__hash__`` or ``__repr__`` (they cost each run about 4 ms of start-up).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

Request = tuple[str, str, int | None, int]
"""method, path, status, line."""


def _requests(items: tuple[Request, ...]) -> str:
    return ", ".join(f"{method} {path} → {status} (line {line})" for method, path, status, line in items)


@dataclass(frozen=True, eq=False, repr=False)
class Damage:
    """An input that could not be read to its end."""

    kind: ClassVar[str] = "input"
    source: str
    damage: str
    lines: int

    @property
    def text(self) -> str:
        return f"{self.source}: {self.damage}; the report covers the {self.lines} lines read before it."


@dataclass(frozen=True, eq=False, repr=False)
class CutLines:
    """Over-long lines cut in an input."""

    kind: ClassVar[str] = "input"
    source: str
    lines: int
    bytes: int

    @property
    def text(self) -> str:
        return f"{self.source}: {self.lines} over-long lines were cut ({self.bytes} bytes not analysed)."


@dataclass(frozen=True, eq=False, repr=False)
class NotOdoo:
    """An input without a single Odoo log record."""

    kind: ClassVar[str] = "input"

    @property
    def text(self) -> str:
        return "No Odoo log record was found: this does not look like an Odoo server log."


@dataclass(frozen=True, eq=False, repr=False)
class Window:
    """The ``--since``/``--until`` window the report covers."""

    kind: ClassVar[str] = "scope"
    since: str | None
    until: str | None
    seeked_from: tuple[tuple[str, int], ...]
    """Sources reached by seeking, and the line each was read from."""

    @property
    def text(self) -> str:
        read_from = ", ".join(f"{src} from line {line}" for src, line in self.seeked_from)
        return (
            f"Window {self.since or 'start'} → {self.until or 'end'} (UTC, like Odoo's timestamps): only records "
            "inside it were analysed; a lifetime cut by it starts without its banner."
            + (f" Reached by seeking: {read_from}." if read_from else "")
        )


@dataclass(frozen=True, eq=False, repr=False)
class Bounded:
    """What went past the report's caps (counted, not kept)."""

    kind: ClassVar[str] = "scope"
    findings: int
    finding_records: int
    lifetimes: int
    databases: int
    modules: int
    max_findings: int
    max_per_signature: int
    max_lifetimes: int

    @property
    def any(self) -> bool:
        return bool(self.findings or self.lifetimes or self.databases or self.modules)

    @property
    def text(self) -> str:
        parts = []
        if self.findings:
            parts.append(
                f"{self.findings} more distinct failure(s) ({self.finding_records} record(s)) not shown "
                f"(at most {self.max_findings} findings, {self.max_per_signature} per signature)"
            )
        if self.lifetimes:
            parts.append(
                f"{self.lifetimes} more process(es) not shown (at most {self.max_lifetimes} lifetimes per log); "
                "their records belong to no lifetime"
            )
        if self.databases:
            parts.append(f"{self.databases} more database name(s) not tracked")
        if self.modules:
            parts.append(f"{self.modules} more addon(s) not tracked for silences")
        return "Bounded report: " + "; ".join(parts) + "."


@dataclass(frozen=True, eq=False, repr=False)
class ShutdownWindow:
    """Requests served or modules loaded after a process's shutdown marker."""

    kind: ClassVar[str] = "shutdown-window"
    pid: int
    lifetime: int
    marker: str | None
    shutdown_line: int | None
    requests: int
    first_requests: tuple[Request, ...]
    loading: int
    first_loading_line: int | None

    @property
    def text(self) -> str:
        parts = []
        if self.requests:
            more = f" and {self.requests - 5} more" if self.requests > 5 else ""
            parts.append(f"served {self.requests} request(s) after it: {_requests(self.first_requests[:5])}{more}")
        if self.loading:
            parts.append(
                f"loaded modules or a registry {self.loading} time(s) in that window (first at line {self.first_loading_line})"
            )
        return (
            f"PID {self.pid} (lifetime {self.lifetime}) logged its shutdown marker '{self.marker}' at line {self.shutdown_line} and "
            + "; ".join(parts)
            + "."
        )


@dataclass(frozen=True, eq=False, repr=False)
class Nearest:
    """The nearest shutdown of another process before a contradiction."""

    pid: int
    lifetime: int
    shutdown_line: int | None
    end_line: int


@dataclass(frozen=True, eq=False, repr=False)
class Contradiction:
    """An exception that reads like a shutdown, in a process that was not stopping."""

    kind: ClassVar[str] = "contradiction"
    line: int
    exception_type: str
    exception_message: str
    pid: int | None
    lifetime: int | None
    start_line: int
    seconds_after_start: float | None
    loading_module: str | None
    nearest: Nearest | None
    later: tuple[int, ...]
    """Further occurrences outside a shutdown (the first five are named)."""
    later_count: int

    @property
    def text(self) -> str:
        text = f"Line {self.line}: {self.exception_type}: {self.exception_message} reads like a shutdown, "
        if self.lifetime is not None:
            age = self.seconds_after_start
            text += (
                f"but PID {self.pid} (lifetime {self.lifetime}, started at line {self.start_line}"
                + (f", {age:.1f}s earlier" if age is not None else "")
                + ") had logged no shutdown marker before it: by its own log the process was running"
                + (f" and was loading module {self.loading_module}" if self.loading_module else "")
                + "."
            )
            if self.nearest is not None:
                n = self.nearest
                text += (
                    f" The nearest shutdown before it is PID {n.pid}'s (lifetime {n.lifetime}) at line {n.shutdown_line}: "
                    f"a different process, whose last line is {n.end_line}."
                )
        text += (
            " Python raises this once its main thread has finished; with no shutdown marker of that process before it, "
            "suspect the service wrapper that runs Odoo (or a missing part of the log), not an Odoo restart."
        )
        if self.later_count:
            text += (
                f" The same holds for {self.later_count} later occurrence(s) (lines {', '.join(map(str, self.later))})."
            )
        return text


@dataclass(frozen=True, eq=False, repr=False)
class ShutdownTiming:
    """A finding whose every occurrence is inside a shutdown window."""

    kind: ClassVar[str] = "timing"
    finding: str
    title: str
    windows: tuple[tuple[int, int, str | None, int | None, tuple[int, ...]], ...]
    """Each process whose shutdown window holds occurrences: PID, lifetime, its marker, the
    marker's line and the occurrences' lines (a failure that recurs at several stops names each)."""
    expected: bool
    """The pattern names a severity for its shutdown window: expected while a server stops."""

    @property
    def text(self) -> str:
        title = self.title.lower()
        lines = [n for *_, ns in self.windows for n in ns]
        head = f"{self.finding} ({title}, line {', '.join(map(str, lines))}) happened inside the shutdown window of "
        tail = f"; {title} is expected while a server stops." if self.expected else "."
        if len(self.windows) == 1:
            pid, lifetime, marker, at, _ = self.windows[0]
            return (
                head
                + f"PID {pid} (lifetime {lifetime}): its '{marker}' is at line {at}, before every occurrence"
                + tail
            )
        each = "; ".join(
            f"PID {pid} (lifetime {lifetime}, its '{marker}' at line {at}): line {', '.join(map(str, ns))}"
            for pid, lifetime, marker, at, ns in self.windows
        )
        return head + f"its own process every time — {each}" + tail


@dataclass(frozen=True, eq=False, repr=False)
class OnSeveralHosts:
    """The same failure in several logs."""

    kind: ClassVar[str] = "across-hosts"
    finding: str
    title: str
    module: str | None
    spread: float | None
    places: tuple[tuple[str, int, str | None], ...]
    """source, line, timestamp of the first occurrence in each log."""

    @property
    def text(self) -> str:
        within = f" within {self.spread:.1f}s" if self.spread is not None else ""
        return (
            f"{self.finding} ({self.title.lower()}{', ' + self.module if self.module else ''}) happened on {len(self.places)} logs{within}: "
            + "; ".join(f"{src} line {line} at {ts or '?'}" for src, line, ts in self.places)
            + "."
        )


@dataclass(frozen=True, eq=False, repr=False)
class RestartBefore:
    """A process that (re)started shortly before a failure in another log."""

    kind: ClassVar[str] = "across-hosts"
    pid: int
    source: str
    start: str | None
    start_line: int
    seconds: float
    finding: str
    title: str
    failure_source: str
    failure_line: int

    @property
    def text(self) -> str:
        return (
            f"PID {self.pid} on {self.source} (re)started at {self.start} (line {self.start_line}), {self.seconds:.1f}s before "
            f"{self.finding} ({self.title.lower()}) on {self.failure_source} line {self.failure_line}."
        )


@dataclass(frozen=True, eq=False, repr=False)
class WrongInstallation:
    """A module loaded from another Odoo installation than the server's."""

    kind: ClassVar[str] = "wrong-installation"
    module: str
    folder: str
    root: str
    finding: str
    line: int

    @property
    def text(self) -> str:
        return (
            f"Module {self.module} was loaded from {self.folder}, which belongs to another Odoo "
            f"installation than the server's own ({self.root}): the addons path mixes two installations "
            f"({self.finding}, line {self.line})."
        )


@dataclass(frozen=True, eq=False, repr=False)
class Silence:
    """A module that logged nothing after its failure."""

    kind: ClassVar[str] = "silence"
    module: str
    line: int
    last_seen: int | None

    @property
    def text(self) -> str:
        last = f" (its last record is line {self.last_seen})" if self.last_seen else ""
        return f"No record from odoo.addons.{self.module} after the failure at line {self.line}{last}: none of its code ran again."


@dataclass(frozen=True, eq=False, repr=False)
class Misleading:
    """A message that names a consequence, not its cause."""

    kind: ClassVar[str] = "symptom"
    line: int
    claim: str
    cause_title: str
    cause_module: str | None
    cause_line: int
    reason: str

    @property
    def text(self) -> str:
        return (
            f"Line {self.line} says '{self.claim}', but the log shows "
            f"{self.cause_title.lower()} ({self.cause_module or '?'}, line {self.cause_line}) because of {self.reason}: "
            "the message names a consequence, not the cause."
        )


@dataclass(frozen=True, eq=False, repr=False)
class FollowsFrom:
    """A symptom and the cause it follows from."""

    kind: ClassVar[str] = "symptom"
    title: str
    line: int
    count: int
    cause: str
    cause_title: str
    cause_line: int

    @property
    def text(self) -> str:
        return f"{self.title} (line {self.line}, {self.count}×) follows from {self.cause}: {self.cause_title.lower()} at line {self.cause_line}."


@dataclass(frozen=True, eq=False, repr=False)
class ServerErrors:
    """The requests a lifetime answered with HTTP 5xx."""

    kind: ClassVar[str] = "symptom"
    lifetime: int
    pid: int
    total: int
    first: tuple[Request, ...]

    @property
    def text(self) -> str:
        return (
            f"Lifetime {self.lifetime} (PID {self.pid}) answered {self.total} request(s) with HTTP 5xx: "
            + _requests(self.first[:4])
            + (" …" if self.total > 4 else "")
            + "."
        )


Fact = (
    Damage
    | CutLines
    | NotOdoo
    | Window
    | Bounded
    | ShutdownWindow
    | Contradiction
    | ShutdownTiming
    | OnSeveralHosts
    | RestartBefore
    | WrongInstallation
    | Silence
    | Misleading
    | FollowsFrom
    | ServerErrors
)

DEMOTED_IMPACT = {
    "noise": "noise, not a failure to fix first",
    "shutdown": "inside Odoo's own shutdown",
    "transient": "transient, the process went on working",
}
DEMOTED_STANDING = {
    "noise": "noise by nature (not the first thing to fix)",
    "shutdown": "only inside its process's own shutdown window",
    "transient": "transient: the process went on working after it",
}


def standing(severity: str, lifetimes: int, at_end: bool, count: int, demoted: str | None) -> str:
    """Why a root cause ranks where it does."""
    why = [f"{severity} severity"]
    if lifetimes > 1:
        why.append(f"recurring across {lifetimes} process lifetimes")
    if at_end:  # "failing" only where the finding is a failure: a low or info finding is only seen
        failing = severity in ("critical", "high", "medium")
        why.append(("still failing" if failing else "seen") + " in the last process of the log")
    elif lifetimes:
        why.append("not seen in the last process of the log")
    if count > 1:
        why.append(f"{count} occurrences")
    if demoted is not None:
        why.append(DEMOTED_STANDING[demoted])
    return ", ".join(why)


def impact(count: int, lifetimes: list[int], demoted: str | None, leads_to: list[str] | None) -> str:
    """What a root cause did: how often, in which lifetimes, and what followed from it."""
    text = f"{count} occurrence(s)"
    if lifetimes:
        text += f" in lifetime {', '.join(map(str, lifetimes))}"
        if len(lifetimes) > 1:
            text += " (recurring across restarts)"
    if demoted is not None:
        text += "; ranked low: " + DEMOTED_IMPACT[demoted]
    if leads_to is not None:
        text += "; leads to " + (", ".join(leads_to) or "related findings")
    return text


def confidence(
    fallback: bool, awaits_traceback: bool, explained_line: int | None, has_exception: bool, contradicted: bool
) -> tuple[str, str]:
    """How sure the report is of a root cause, and why."""
    level, reason = "high", "the signature matched and the lines show it"
    if fallback:
        level, reason = "medium", "no known signature: the record is shown as it is"
    elif awaits_traceback and explained_line is None and not has_exception:
        level, reason = "medium", "the failure is logged but no traceback explaining it was found"
    elif awaits_traceback and explained_line is not None:
        reason = f"failure, traceback (line {explained_line}) and culprit frame agree"
    if contradicted:
        level, reason = "medium", "the exception implies a shutdown the process's own log does not show (see notes)"
    return level, reason


def foreign_fix(module: str, folder: str, root: str, fix: str) -> str:
    """The fix of a failure in a module loaded from another Odoo installation."""
    return (
        f"Module {module} comes from another Odoo installation ({folder}) than the server's "
        f"own ({root}): remove that directory from addons_path so that each module is loaded from the "
        f"server's own release. " + fix
    )


HANDLER_STEP = "the request handler builds the registry of the database"
REGISTRY_STEP = "Failed to load registry"


def symptom_step(title: str, count: int) -> str:
    return f"{title} ({count}×)"


@dataclass(frozen=True, eq=False, repr=False)
class Top:
    """The first root cause that needs action, as the verdict names it."""

    title: str
    line: int
    pid: int | None
    lifetime: int | None
    in_window: bool
    """Every occurrence came after its process's shutdown marker (``shutdown_line``)."""
    shutdown_line: int | None
    count: int
    again: tuple[int, ...]
    culprit_file: str | None
    culprit_line: int | None
    imports: str | None
    standing: str


def verdict(lifetimes: int, errors: int, top: Top | None, others: int, minor: list[str], contradicted: bool) -> str:
    """The report in a sentence or three: the first thing to fix and why, or that nothing needs action."""
    life = f"{lifetimes} process lifetime{'s' if lifetimes != 1 else ''}"
    if top is None:
        extra = f" and {len(minor)} minor finding(s): " + "; ".join(minor[:3]) if minor else ""
        return f"No failure that needs action: {life}, {errors} error record(s){extra}."
    where = f"line {top.line}"
    if top.pid is not None:
        where += f", PID {top.pid}"
    if top.lifetime is not None:
        where += f", lifetime {top.lifetime}"
    text = f"{top.title} ({where})"
    if top.in_window:
        text += f", inside the shutdown window of its process (shutdown marker at line {top.shutdown_line})"
    if top.count > 1:
        text += f", {top.count} times (again at line {', '.join(map(str, top.again))})"
    if top.culprit_file is not None:
        imports = f" importing {top.imports}" if top.imports else ""
        text += f"; it was raised under {top.culprit_file.replace(chr(92), '/').rsplit('/', 1)[-1]}:{top.culprit_line}{imports}"
    text += f". First because: {top.standing}."
    if contradicted:
        text += " The process was not shutting down by its own log (see notes)."
    if others:
        text += f" {others} further cause(s) and symptom(s) below, across {life}."
    else:
        text += f" Across {life}."
    return text

"""The rule engine: match records against patterns and group repeats into findings.

Besides matching, the engine does the correlation that needs the stream order: a
"Couldn't load module X" record waits for the later traceback of the same PID that imports X
(Odoo logs the two apart), and symptoms link to the latest earlier finding they follow from.
Everything kept is bounded: one finding per fingerprint, capped occurrence lists.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from time import perf_counter
from typing import Any

from logsleuth.analysis.bounds import DistinctCounter
from logsleuth.analysis.lifetimes import Lifetime
from logsleuth.analysis.patterns import REGEX_BUDGET_PER_RECORD, REGEX_RUN_BUDGET, REGEX_TIMEOUT, Pattern
from logsleuth.analysis.tracebacks import Frame, Traceback, classify, parse_traceback
from logsleuth.reading.records import Record, Wants, logger_regex

MAX_OCCURRENCES = 1000
MAX_FINDINGS = 2000
"""Distinct findings kept per run; past it a new failure is counted (``omitted``), not kept."""
MAX_FINDINGS_PER_PATTERN = 200
"""Distinct findings kept per pattern: a flood of unclassified errors leaves room for the rest."""
MAX_PENDING_PIDS = 10000
"""PIDs the correlation maps (awaiting a traceback, a request, an orphan symptom) keep at once."""
MAX_SAMPLE_LINES = 400
AWAIT_RECORDS = 2000
"""How many later records may pass before a module failure stops waiting for its traceback."""
ORPHAN_RECORDS = 5
"""How many records later a cause may still claim a symptom logged just before it."""
MAX_ORPHANS_PER_PID = 4
"""Symptoms of one process that wait for their cause at once (the latest ones)."""

_MASK_NUMBERS = re.compile(r"\d+")
_MASK_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"|\b0x[0-9a-f]+\b")
_TB_MARK = "Traceback (most recent call last):"


@dataclass
class Wait:
    """A failure waiting for the traceback of its PID that explains it."""

    finding: Finding
    occurrence: Occurrence
    """The occurrence that waits (it moves to another finding if its traceback tells another failure)."""
    module: str
    stream: int
    linked: list[Finding] = field(default_factory=list)


@dataclass(slots=True)
class Occurrence:
    """One record of a finding (up to MAX_OCCURRENCES each: slots, as there may be many)."""

    source: str
    line: int
    last_line: int
    pid: int | None
    lifetime: Lifetime | None
    seq: int
    timestamp: str | None
    in_shutdown: bool


@dataclass(slots=True)
class Hits:
    """A finding's occurrences in one process lifetime."""

    lifetime: Lifetime
    first: Occurrence
    count: int
    last_seq: int
    """The sequence number of the latest (a lifetime that went on long after it survived it)."""
    previous_seq: int
    """The one before: the latest may move to another finding (Engine._variant)."""


@dataclass
class ExceptionInfo:
    type: str | None
    message: str
    source: str | None
    line: int | None


@dataclass
class Finding:
    pattern: Pattern
    key: tuple[Any, ...]
    values: dict[str, str]
    module: str | None
    first: Occurrence
    sample: list[str]
    traceback: Traceback | None = None
    exception: ExceptionInfo | None = None
    culprit: Frame | None = None
    explained_by: tuple[str, int, int] | None = None
    """The record whose traceback explains this failure: source, first and last line."""
    trigger_request: tuple[str, int, str] | None = None
    occurrences: list[Occurrence] = field(default_factory=list)
    count: int = 0
    linked_to: Finding | None = None
    linked: list[Finding] = field(default_factory=list)
    id: str = ""
    message: str = ""
    last: Occurrence = field(init=False)
    """The latest occurrence (the list of occurrences is capped)."""
    in_shutdown: int = 0
    """Occurrences after a shutdown marker of their own process. This and the fields below
    count every occurrence, however many the list keeps: the ranking rests on them."""
    lifetimes: list[Hits] = field(default_factory=list)
    """Per process lifetime, its occurrences, in order of the first (bounded by the lifetimes
    kept; a list, not a map keyed by ``id``: a worker's findings are pickled for ``--jobs``)."""
    outside: int = 0
    """Occurrences in no process lifetime."""
    sources: dict[str, Occurrence] = field(default_factory=dict)
    """The first occurrence in each input (bounded by the inputs)."""

    def __post_init__(self) -> None:
        self.last = self.first

    def add(self, occ: Occurrence) -> None:
        """Count one more occurrence (kept in the list while there is room)."""
        self.count += 1
        self.last = occ
        if len(self.occurrences) < MAX_OCCURRENCES:
            self.occurrences.append(occ)
        self.in_shutdown += occ.in_shutdown
        self.sources.setdefault(occ.source, occ)
        if occ.lifetime is None:
            self.outside += 1
            return
        lifetimes = self.lifetimes
        hits = lifetimes[-1] if lifetimes and lifetimes[-1].lifetime is occ.lifetime else self._hits(occ.lifetime)
        if hits is None:
            lifetimes.append(Hits(occ.lifetime, occ, 1, occ.seq, occ.seq))
        else:
            hits.count += 1
            hits.previous_seq, hits.last_seq = hits.last_seq, occ.seq

    def _hits(self, lifetime: Lifetime) -> Hits | None:
        # the latest lifetimes first: a failure mostly repeats in the process it was last seen in
        return next((h for h in reversed(self.lifetimes) if h.lifetime is lifetime), None)

    def remove(self, occ: Occurrence) -> None:
        """Take back an occurrence that turned out to be another failure (Engine._variant)."""
        self.count -= 1
        for i in range(len(self.occurrences) - 1, -1, -1):
            if self.occurrences[i] is occ:
                del self.occurrences[i]
                break
        self.in_shutdown -= occ.in_shutdown
        if self.sources.get(occ.source) is occ:
            later = next((o for o in self.occurrences if o.source == occ.source), None)
            if later is None:
                del self.sources[occ.source]
            else:
                self.sources[occ.source] = later
        if occ.lifetime is None:
            self.outside -= 1
            return
        hits = self._hits(occ.lifetime)
        if hits is None:  # not one of this finding's: nothing to take back
            return
        hits.count -= 1
        if hits.count == 0:
            self.lifetimes.remove(hits)
        elif hits.last_seq == occ.seq:
            hits.last_seq = hits.previous_seq

    def absorb(self, other: Finding) -> None:
        """Take in the same failure's occurrences in a later stream (``--jobs``)."""
        self.count += other.count
        room = MAX_OCCURRENCES - len(self.occurrences)
        self.occurrences.extend(other.occurrences[: max(room, 0)])
        self.in_shutdown += other.in_shutdown
        self.outside += other.outside
        self.lifetimes.extend(h for h in other.lifetimes if self._hits(h.lifetime) is None)
        for source, occ in other.sources.items():
            self.sources.setdefault(source, occ)
        self.linked.extend(g for g in other.linked if g not in self.linked)
        if self.explained_by is None and other.explained_by is not None:
            self.explained_by, self.traceback = other.explained_by, other.traceback
            self.exception, self.culprit = other.exception, other.culprit
        if self.trigger_request is None:
            self.trigger_request = other.trigger_request

    @property
    def lifetime_indexes(self) -> list[int]:
        """The lifetimes it occurred in, every occurrence counted."""
        return sorted(h.lifetime.index for h in self.lifetimes)

    def first_message(self) -> str:
        return self.message

    @property
    def in_shutdown_window(self) -> bool:
        """Strict: every occurrence followed a shutdown marker of its own process."""
        return self.count > 0 and self.in_shutdown == self.count

    @property
    def severity(self) -> str:
        if self.pattern.shutdown_severity and self.in_shutdown_window:
            return self.pattern.shutdown_severity
        return self.pattern.severity

    def context(self) -> dict[str, Any]:
        """Values for the pattern's templates."""
        ctx: dict[str, Any] = dict(self.values)
        ctx.setdefault("module", self.module)
        ctx["source"] = self.first.source
        ctx["line"] = self.first.line
        ctx["pid"] = self.first.pid
        ctx["count"] = self.count
        ctx["logger_name"] = self.values.get("_logger")
        ctx.setdefault("db", self.values.get("_db"))
        if self.exception:
            ctx.setdefault("exception_type", self.exception.type)
            ctx.setdefault("exception", f"{self.exception.type}: {self.exception.message}".strip(": "))
        if self.culprit:
            ctx.setdefault("culprit_file", self.culprit.file)
            ctx.setdefault("culprit_line", self.culprit.line)
            ctx.setdefault("culprit_code", self.culprit.code)
            ctx.setdefault("imports", self.culprit.imports)
        return ctx


MAX_CACHED_SEARCHES = 8192
"""Search results a run remembers (oldest forgotten first): a failure repeats, and its messages
and exception lines with it."""
MAX_CACHED_TEXT = 2048
"""Longer texts are searched each time: the cache stays a few MB at most."""


class RegexBudget:
    """Regex time per pattern over the whole run (``REGEX_RUN_BUDGET``); a pattern that times
    out or spends it is disabled for the rest of the run, with one warning on stderr.

    A search's result is a pure function of the regex and the text, so the values of the
    searches that completed are remembered (bounded): a repeated failure costs a dict lookup,
    not a timed search (the ``regex`` module's timeout alone costs a few µs a call)."""

    def __init__(self) -> None:
        self.spent: dict[str, float] = {}
        self.disabled: set[str] = set()
        self.records = 0
        """Records fed so far: the budget grows with the log."""
        self._cache: dict[tuple[Any, str], dict[str, str] | None] = {}

    def search(self, p: Pattern, rx: Any, text: str | None, cache: bool = True) -> dict[str, str] | None:
        """The named groups that matched (None values left out) when ``rx`` matches ``text``,
        else None. ``cache``: the text may repeat (not a whole record, whose header is unique)."""
        if text is None or p.id in self.disabled:
            return None
        if cache and len(text) <= MAX_CACHED_TEXT:
            key = (rx, text)
            found = self._cache.get(key, _MISSING)
            if found is not _MISSING:
                return found  # type: ignore[return-value]
            values = self._timed(p, rx, text)
            if p.id not in self.disabled:  # a search cut short by a timeout says nothing
                cached = self._cache
                if len(cached) >= MAX_CACHED_SEARCHES:
                    del cached[next(iter(cached))]
                cached[key] = values
            return values
        return self._timed(p, rx, text)

    def _timed(self, p: Pattern, rx: Any, text: str) -> dict[str, str] | None:
        pid = p.id
        spent = self.spent.get(pid, 0.0)
        budget = REGEX_RUN_BUDGET + REGEX_BUDGET_PER_RECORD * self.records
        start = perf_counter()
        try:
            m = rx.search(text, timeout=min(REGEX_TIMEOUT, max(budget - spent, 0.001)))
        except TimeoutError:
            self.disable(p, f"a regex ran longer than {REGEX_TIMEOUT:g} s on one record")
            return None
        finally:
            spent += perf_counter() - start
            self.spent[pid] = spent
            if spent > budget and pid not in self.disabled:
                self.disable(
                    p, f"its regexes used their budget for the run ({spent:.1f} s over {self.records} records)"
                )
        if m is None:
            return None
        return {k: v for k, v in m.groupdict().items() if v is not None}

    def disable(self, p: Pattern, why: str) -> None:
        self.disabled.add(p.id)
        sys.stderr.write(f"logsleuth: warning: pattern {p.id} disabled for the rest of the run: {why} ({p.path})\n")


_MISSING = object()


def _not_cause(pv: tuple[Pattern, dict[str, str]]) -> bool:
    """Sort key: a record's causes before its symptoms (a stable sort keeps the rest in order)."""
    return pv[0].role != "cause"


_NO_VALUES: dict[str, str] = {}
"""A condition the pattern does not set: met, with no values (never mutated)."""


class Engine:
    """Matches each record once against the patterns its logger and level admit."""

    def __init__(self, patterns: list[Pattern]) -> None:
        self.patterns = [p for p in patterns if not p.fallback]
        self.fallbacks = [p for p in patterns if p.fallback]
        self.findings: dict[tuple[Any, ...], Finding] = {}
        self._bits = {id(p): 1 << i if i < 128 else 0 for i, p in enumerate(self.patterns + self.fallbacks)}
        """Each pattern's bit in Record.may_match (0: past what the prefilter covers, always tried)."""
        self._candidates: dict[tuple[Any, ...], tuple[list[Pattern], list[Pattern]]] = {}
        self._awaiting: dict[tuple[int, int], Wait] = {}
        self._pending_request: dict[tuple[int, int], Finding] = {}
        self._latest: dict[tuple[int, str], Finding] = {}
        """The latest finding of each pattern, per stream: a symptom follows from a cause of its own log."""
        self._orphans: dict[tuple[int, int], list[tuple[Finding, int]]] = {}
        self._stream = 0
        self._seq = 0
        self.tracebacks = 0
        self.budget = RegexBudget()
        self.per_pattern: dict[str, int] = {}
        self.omitted = DistinctCounter()
        """Distinct failures past MAX_FINDINGS / MAX_FINDINGS_PER_PATTERN (counted, not kept)."""
        self.omitted_records = 0
        self.changed_pids: list[int] | None = None
        """PIDs that started or stopped awaiting their failed request, when the pipeline asks
        (a list, see Pipeline.sync_routine)."""

    @property
    def wants(self) -> Wants:
        """Records some pattern may match (the compiled core rules out messages its regex cannot
        match; a record in a run has no traceback) and CRITICAL ones (the detail of a module
        failure); a process awaiting its failed request is held apart by ``awaits_request``."""
        loggers = tuple(
            (
                p.levels,
                logger_regex(exact=p.logger)
                if p.logger is not None
                else logger_regex(prefix=p.logger_prefix)
                if p.logger_prefix is not None
                else "",
                p.message.pattern if p.message is not None else None,
            )
            for p in self.patterns + self.fallbacks
            if p.raw is None and not p.needs_traceback
        )
        return Wants(levels=frozenset({"CRITICAL"}), loggers=loggers)

    @property
    def prefilter(self) -> list[tuple[list[str], str | None, list[str]]]:
        """Per pattern (bit i of Record.may_match: self.patterns + self.fallbacks), the regexes
        it searches the message with, the one it searches the record's text with, and those it
        searches an exception's type and message with (parts of the text's lines)."""
        return [
            (
                [rx.pattern for rx in (p.message, p.raw) if rx is not None],
                p.text.pattern if p.text is not None else None,
                [rx.pattern for rx in (p.exception_type, p.exception_message) if rx is not None],
            )
            for p in self.patterns + self.fallbacks
        ]

    def awaits_request(self, stream: int, pid: int) -> bool:
        return (stream, pid) in self._pending_request

    def feed_routine(self, run) -> None:
        """Records in a run match no pattern; they count towards the regex budget."""
        self.budget.records += run.count

    def candidates(self, rec: Record, has_tb: bool) -> tuple[list[Pattern], list[Pattern]]:
        """The patterns that admit the record's logger, level and kind, and that the compiled
        prefilter lets through (``Record.may_match``)."""
        mask = rec.may_match
        key = (rec.logger, rec.level, rec.kind, has_tb, mask)
        found = self._candidates.get(key)
        if found is None:
            if len(self._candidates) > 20000:
                self._candidates.clear()
            bits = self._bits
            found = (
                [
                    p
                    for p in self.patterns
                    if p.admits(rec.logger, rec.level, rec.kind, has_tb)
                    and (mask is None or bits[id(p)] & mask or not bits[id(p)])
                ],
                [
                    p
                    for p in self.fallbacks
                    if p.admits(rec.logger, rec.level, rec.kind, has_tb)
                    and (mask is None or bits[id(p)] & mask or not bits[id(p)])
                ],
            )
            self._candidates[key] = found
        return found

    def feed(self, rec: Record, lt: Lifetime | None, seq: int, stream: int = 0) -> list[Finding]:
        """Match one record; returns the findings it contributed to. Correlation keys are
        (stream, PID): a rotated set is one stream, so a failure logged at the end of
        ``odoo.log.1`` is still explained by the traceback at the top of ``odoo.log``."""
        self._stream = stream
        self._seq = seq
        self.budget.records += 1
        has_tb = rec.has_traceback
        if rec.logger == "werkzeug" and self._pending_request and rec.pid is not None:
            waiting = self._pending_request.pop((self._stream, rec.pid), None)
            if waiting is not None:
                if self.changed_pids is not None:
                    self.changed_pids.append(rec.pid)
            if waiting is not None and waiting.trigger_request is None:
                waiting.trigger_request = (rec.source, rec.first_line, rec.message)
        if not self.patterns and not self.fallbacks:
            # ``lifetimes``: no failure to find, so no traceback to parse for one (only counted)
            self.tracebacks += has_tb
            return []
        primary, fallback = self.candidates(rec, has_tb)
        if not primary and not fallback and not has_tb:
            self._maybe_detail(rec)
            return []
        tb = None
        if has_tb:
            self.tracebacks += 1
            lines, first = rec.body
            tb = parse_traceback(lines, first, lt.addons_paths if lt else ())
        if not has_tb and self._maybe_detail(rec):
            return []
        text: list[str] = []
        matched = [(p, v) for p in primary if (v := self._match(p, rec, tb, text)) is not None]
        if not matched:
            matched = [(p, v) for p in fallback if (v := self._match(p, rec, tb, text)) is not None]
        if len(matched) > 1:
            matched.sort(key=_not_cause)
        occ = Occurrence(
            rec.source,
            rec.first_line,
            rec.last_line,
            rec.pid,
            lt,
            seq,
            rec.timestamp,
            lt.shutdown_before(seq) if lt is not None else False,
        )
        out = [f for p, v in matched if (f := self._record(p, v, rec, occ, tb, stream)) is not None]
        if tb is not None and rec.pid is not None:
            self._explain(rec, tb, out, seq)
            if out and rec.logger and rec.logger.endswith(".http") and out[0].trigger_request is None:
                # the access line werkzeug logs next for this process is the failed request
                if (self._stream, rec.pid) not in self._pending_request:
                    _bounded_set(self._pending_request, (self._stream, rec.pid), out[0])
                    if self.changed_pids is not None:
                        self.changed_pids.append(rec.pid)
        _link_record(out)
        return out

    def _maybe_detail(self, rec: Record) -> bool:
        """≤16 logs the import error's text as a second CRITICAL record right after
        "Couldn't load module X": it is the exception message of that failure."""
        if not self._awaiting or rec.pid is None:
            return False
        waiting = self._awaiting.get((self._stream, rec.pid))
        if waiting is None:
            return False
        finding = waiting.finding
        if (
            rec.level == "CRITICAL"
            and self._seq - waiting.occurrence.seq <= 2
            and rec.logger == finding.values.get("_logger")
            and not finding.pattern.message.search(rec.message)
        ):
            if finding.exception is None:
                finding.exception = ExceptionInfo(None, rec.message, rec.source, rec.first_line)
            return True
        return False

    def _match(self, p: Pattern, rec: Record, tb: Traceback | None, text: list[str]) -> dict[str, str] | None:
        """Values of the named groups when ``p`` matches ``rec``; ``text`` caches the record text."""
        budget = self.budget
        if p.id in budget.disabled:
            return None
        search = budget.search
        values: dict[str, str] = {}
        for rx in (p.message, p.raw):
            if rx is not None:
                m = search(p, rx, rec.message)
                if m is None:
                    return None
                values.update(m)
        if p.text is not None:
            if not text:
                text.append(rec.text)
            m = search(p, p.text, text[0], False)
            if m is None:
                return None
            values.update(m)
        if p.needs_traceback:
            if tb is None or not self._match_traceback(p, tb, values):
                return None
        values["_logger"] = rec.logger or ""
        values["_db"] = rec.db or ""
        return values

    def _match_traceback(self, p: Pattern, tb: Traceback, values: dict[str, str]) -> bool:
        search = self.budget.search
        exception_type, exception_message = p.exception_type, p.exception_message
        if exception_type is not None or exception_message is not None:
            for block in reversed(tb.blocks):
                mt = search(p, exception_type, block.type or "") if exception_type is not None else _NO_VALUES
                if mt is None:
                    continue
                mm = search(p, exception_message, block.message) if exception_message is not None else _NO_VALUES
                if mm is None:
                    continue
                values.update(mt)
                values.update(mm)
                values["exception_type"] = block.type or ""
                values["exception"] = f"{block.type}: {block.message}".strip(": ")
                break
            else:
                return False
        if p.culprit_imports is not None:
            culprit = tb.culprit()
            if culprit is None or culprit.func != "<module>":
                return False
            m = search(p, p.culprit_imports, culprit.imports)
            if m is None:
                return False
            values.update(m)
        if p.chain_code is not None:
            for frame in reversed(tb.import_chain()):
                if frame.kind != "addon":
                    continue
                m = search(p, p.chain_code, f"{frame.file}\n{frame.code or ''}")
                if m is not None:
                    values.update(m)
                    values["frame_file"], values["frame_line"] = frame.file, str(frame.line)
                    values["frame_code"] = frame.code or ""
                    break
            else:
                return False
        return True

    def _record(
        self, p: Pattern, values: dict[str, str], rec: Record, occ: Occurrence, tb: Traceback | None, stream: int
    ) -> Finding | None:
        culprit = tb.culprit() if tb is not None else None
        module = (
            values.get("module")
            or (culprit.module if culprit else None)
            or (tb.loaded_addon() if tb else None)
            or _file_module(values, lt_paths(occ))
            or _logger_module(rec.logger)
            or _file_module({"message": rec.message, "exception": tb.final.message if tb else ""}, lt_paths(occ))
            or (tb.raising_addon() if tb else None)
            or (
                occ.lifetime.loading_module
                if occ.lifetime is not None and (rec.logger or "").startswith("odoo.")
                else None
            )
        )
        key = fingerprint(p, values, module, tb, culprit, rec)
        finding = self.findings.get(key)
        if finding is None and (
            len(self.findings) >= MAX_FINDINGS or self.per_pattern.get(p.id, 0) >= MAX_FINDINGS_PER_PATTERN
        ):
            self.omitted.add(key)
            self.omitted_records += 1
            return None
        if finding is None:
            self.per_pattern[p.id] = self.per_pattern.get(p.id, 0) + 1
            finding = Finding(p, key, values, module, occ, rec.text.split("\n")[:MAX_SAMPLE_LINES], message=rec.message)
            if tb is not None:
                finding.traceback = tb
                block = tb.final
                finding.exception = ExceptionInfo(block.type, block.message, rec.source, block.line)
                finding.culprit = culprit
            self.findings[key] = finding
            if p.symptom_of:
                # a symptom follows from a cause of the same process lifetime, never an earlier
                # one's, except the process whose reload cut an install or upgrade short: what
                # its successor (same PID) finds half done comes from it
                cause = next(
                    (
                        self._latest[(stream, c)]
                        for c in p.symptom_of
                        if (stream, c) in self._latest and _same_or_reloaded(self._latest[(stream, c)], occ)
                    ),
                    None,
                )
                if cause is not None and cause is not finding:
                    self._link(finding, cause, rec)
        elif (
            tb is not None
            and (finding.exception is None or finding.exception.type is None)
            and finding.traceback is None
        ):
            # the first occurrence came without a traceback (a WARNING before the ERROR): a later
            # one of the same failure shows the exception
            finding.traceback = tb
            finding.exception = ExceptionInfo(tb.final.type, tb.final.message, rec.source, tb.final.line)
            finding.culprit = finding.culprit or culprit
        if p.symptom_of and finding.linked_to is None and rec.pid is not None:
            pending = self._orphans.get((self._stream, rec.pid))
            if pending is None:
                _bounded_set(self._orphans, (self._stream, rec.pid), [(finding, occ.seq)])
            else:
                pending.append((finding, occ.seq))
                del pending[:-MAX_ORPHANS_PER_PID]
        if rec.pid is not None and self._orphans:
            self._adopt_orphan(finding, p, rec, occ.seq)
        finding.add(occ)
        self._latest[(stream, p.id)] = finding
        if p.awaits_traceback and tb is None and rec.pid is not None:
            _bounded_set(self._awaiting, (self._stream, rec.pid), Wait(finding, occ, module or "", stream))
        return finding

    def _link(self, symptom: Finding, cause: Finding, rec: Record) -> None:
        """Link, remembering links made to a failure still waiting for its traceback: if that
        traceback turns out to be another failure, its symptoms move with it."""
        _link(symptom, cause)
        if rec.pid is not None:
            waiting = self._awaiting.get((self._stream, rec.pid))
            if waiting is not None and waiting.finding is cause:
                waiting.linked.append(symptom)

    def _adopt_orphan(self, cause: Finding, p: Pattern, rec: Record, seq: int) -> None:
        """Odoo sometimes logs the consequence first ("Failed to load registry", then the record
        with the traceback): the symptoms still unlinked link to a cause of their PID right after
        them (several may wait: a bus error, then a cron failure, then the database's shutdown)."""
        key = (self._stream, rec.pid)
        pending = self._orphans.get(key)  # type: ignore[arg-type]
        if pending is None:
            return
        waiting = []
        for symptom, since in pending:
            if seq - since > ORPHAN_RECORDS:
                continue  # too long before it: not its consequence
            if symptom is not cause and p.id in symptom.pattern.symptom_of and symptom.linked_to is None:
                self._link(symptom, cause, rec)
                continue
            waiting.append((symptom, since))
        if waiting:
            pending[:] = waiting
        else:
            del self._orphans[key]  # type: ignore[arg-type]

    def _variant(self, finding: Finding, occ: Occurrence, tb: Traceback) -> Finding:
        """Move an occurrence of ``finding`` to the finding of its own explanation."""
        finding.remove(occ)
        culprit = tb.culprit()
        key = finding.key + (tb.short_type, culprit.file if culprit else None)
        variant = self.findings.get(key)
        if variant is None:
            variant = Finding(
                finding.pattern, key, finding.values, finding.module, occ, finding.sample, message=finding.message
            )
            self.findings[key] = variant
        variant.add(occ)
        return variant

    def _explain(self, rec: Record, tb: Traceback, matched: list[Finding], seq: int) -> None:
        """Link a traceback to the module failure of the same PID that it explains."""
        assert rec.pid is not None
        waiting = self._awaiting.get((self._stream, rec.pid))
        if waiting is None:
            return
        finding, since, module = waiting.finding, waiting.occurrence.seq, waiting.module
        if seq - since > AWAIT_RECORDS:
            del self._awaiting[(self._stream, rec.pid)]
            return
        loaded = tb.loaded_addon()
        if (
            module
            and module not in tb.addon_modules()
            and loaded != module
            and not (tb.imports_an_addon() and loaded is None)
        ):
            return
        del self._awaiting[(self._stream, rec.pid)]
        if finding.explained_by is not None and _differs(finding, tb):
            base, finding = finding, self._variant(finding, waiting.occurrence, tb)
            self._latest[(waiting.stream, finding.pattern.id)] = finding
            for symptom in waiting.linked:
                if symptom.linked_to is base:
                    base.linked.remove(symptom)
                    _link(symptom, finding)
        if finding.explained_by is None:
            finding.explained_by = (rec.source, rec.first_line, rec.last_line)
            finding.traceback = tb
            block = tb.final
            if finding.exception is None or finding.exception.type is None:
                finding.exception = ExceptionInfo(block.type, block.message, rec.source, block.line)
            finding.culprit = tb.culprit()
            if rec.logger and rec.logger.endswith(".http"):
                _bounded_set(self._pending_request, (self._stream, rec.pid), finding)
                if self.changed_pids is not None:
                    self.changed_pids.append(rec.pid)
        for other in matched:
            if other is not finding and other.linked_to is None:
                _link(other, finding)

    def merge(self, other: Engine) -> None:
        """Take in the findings of another stream (``--jobs``): the same failure is one finding."""
        self.omitted.merge(other.omitted)
        self.omitted_records += other.omitted_records
        self.tracebacks += other.tracebacks
        findings = self.findings
        replaced: dict[int, Finding] = {}
        for key, f in other.findings.items():
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
            kept.absorb(f)
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


def lt_paths(occ: Occurrence) -> list[str]:
    return occ.lifetime.addons_paths if occ.lifetime is not None else []


_PATH_VALUE = re.compile(r"(?:[A-Za-z]:[/\\]|(?<![\w:])[/\\])[^\s'\"`<>|:]+\.(?:xml|py|csv|js|scss)\b")
_PARSED_PATH = re.compile(r"\bwhile parsing (?P<path>(?:[A-Za-z]:[/\\]|[/\\])[^\n'\"`<>|:]+?\.(?:xml|csv)):\d")
"""The data file an ``odoo.tools.convert.ParseError`` names, spaces in its path included."""
_WHOLE_PATH = re.compile(r"(?:[A-Za-z]:[/\\]|[/\\])[^\n'\"`<>|:]+\.(?:xml|py|csv|js|scss)")


def _file_module(values: dict[str, str], addons_paths: list[str]) -> str | None:
    """The addon that a file path in a captured value or a message lies in (a view file, a data
    file): the first such path that is under an addon."""
    paths = tuple(addons_paths)
    for key, value in values.items():
        if key.startswith("_") or not value:
            continue
        cacheable = len(value) <= MAX_CACHED_TEXT
        found = _value_modules.get((value, paths), _MISSING) if cacheable else _MISSING
        if found is _MISSING:
            found = _value_module(value, paths)
            if cacheable:
                if len(_value_modules) >= MAX_CACHED_SEARCHES:
                    del _value_modules[next(iter(_value_modules))]
                _value_modules[(value, paths)] = found
        if found is not None:
            return found  # type: ignore[return-value]
    return None


_value_modules: dict[tuple[str, tuple[str, ...]], str | None] = {}
"""(value, addons paths) → its addon (_value_module is a pure function of the two; bounded):
a repeated failure names the same files."""


def _value_module(value: str, addons_paths: tuple[str, ...]) -> str | None:
    # a captured value that is one whole path may hold spaces (`/Users/me/KeDA Tech Test/…`),
    # which the search in free text below must stop at
    whole = [value.strip()] if _WHOLE_PATH.fullmatch(value.strip()) else []
    parsed = [m.group("path") for m in _PARSED_PATH.finditer(value)]
    for path in whole + parsed + [m.group(0) for m in _PATH_VALUE.finditer(value)]:
        frame = Frame(path, 0, "")
        classify(frame, addons_paths)
        if frame.kind == "addon" and frame.module:
            return frame.module
    return None


def _bounded_set(table: dict[Any, Any], key: Any, value: Any) -> None:
    """Set ``table[key]``, forgetting the oldest entry past MAX_PENDING_PIDS."""
    if key not in table and len(table) >= MAX_PENDING_PIDS:
        del table[next(iter(table))]
    table[key] = value


def _logger_module(logger: str | None) -> str | None:
    """``odoo.addons.sale.models.x`` → ``sale``. Not ``base``: its models (``ir.model``,
    ``ir.cron``, ``ir.ui.view``…) log on behalf of every module, so its logger names no culprit."""
    if logger and logger.startswith("odoo.addons."):
        module = logger.split(".", 3)[2]
        return None if module == "base" else module
    return None


def fingerprint(
    p: Pattern, values: dict[str, str], module: str | None, tb: Traceback | None, culprit: Frame | None, rec: Record
) -> tuple[Any, ...]:
    """What makes two records "the same failure".

    A pattern's ``group_by`` names it exactly. Otherwise: the module, the exception type and
    its masked message, the culprit and the addon/Odoo frames of the stack without line
    numbers, and the masked values (and, for unclassified errors, the masked message).
    """
    if p.group_by is not None:
        return (p.id, tuple(mask(str(values.get(k, values.get("_" + k, "")))) for k in p.group_by))
    keys = sorted(k for k in values if not k.startswith(("_", "frame_")))
    parts: tuple[Any, ...] = (p.id, module, tuple(mask(str(values[k])) for k in keys))
    if tb is not None:
        parts += (
            tb.short_type,
            mask(tb.exception_message.split("\n", 1)[0]),
            culprit.file if culprit else None,
            tb.stack_shape(),
        )
    if p.fallback:
        parts += (rec.logger, mask(rec.message))
    return parts


def mask(text: str) -> str:
    """Fingerprint text: numbers, quoted values and hex ids do not make errors different.
    Remembered (bounded): a repeated failure has the same texts."""
    masked = _masked.get(text)
    if masked is None:
        masked = _MASK_NUMBERS.sub("N", _MASK_QUOTED.sub("'…'", text))[:300]
        if len(text) <= MAX_CACHED_TEXT:
            if len(_masked) >= MAX_CACHED_SEARCHES:
                del _masked[next(iter(_masked))]
            _masked[text] = masked
    return masked


_masked: dict[str, str] = {}


def _differs(finding: Finding, tb: Traceback) -> bool:
    """A later occurrence explained by another exception or culprit is another failure."""
    culprit = tb.culprit()
    old = finding.culprit.file if finding.culprit else None
    new = culprit.file if culprit else None
    exc = finding.exception.type if finding.exception else None
    return (exc, old) != (tb.exception_type, new)


def _link_record(found: list[Finding]) -> None:
    """Findings of one record tell one story: its unlinked symptoms follow from the cause
    found in the same record, or from whatever another of its findings was linked to."""
    if len(found) < 2:
        return
    cause = next((f for f in found if f.pattern.role == "cause" and f.linked_to is None), None)
    if cause is None:
        cause = next((f.linked_to for f in found if f.linked_to is not None), None)
    if cause is None:
        return
    for f in found:
        if f is not cause and f.linked_to is None and f.pattern.role == "symptom":
            _link(f, cause)


def _link(finding: Finding, cause: Finding) -> None:
    finding.linked_to = cause
    cause.linked.append(finding)


def _same_or_reloaded(cause: Finding, occ: Occurrence) -> bool:
    """``cause`` (its last occurrence) is of ``occ``'s lifetime, or of the one whose reload,
    logged while it loaded modules, started ``occ``'s."""
    lt, before = occ.lifetime, cause.last.lifetime
    if before is lt:
        return True
    return (
        lt is not None
        and before is not None
        and lt.reloaded_from is before
        and before.reload_interrupted_loading is not None
    )

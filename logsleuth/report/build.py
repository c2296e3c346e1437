"""Building the report: the correlation that needs the whole picture, once, into the model.

Here the findings are ranked into root causes, each claim is checked against the lifetimes (a
"shutdown" exception in a process that never began shutting down is called out), the silence of
a failed module is noticed and the failure cascade is drawn from the real frames of the
traceback. What is found is handed to ``narrative`` as facts to be said, and the result is the
frozen ``model.Report``; the scan is only read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import logsleuth.report.model as model
import logsleuth.report.narrative as narrative
from logsleuth import __version__
from logsleuth.analysis.findings import Finding
from logsleuth.analysis.lifetimes import Lifetime
from logsleuth.analysis.patterns import fill
from logsleuth.analysis.pipeline import Scan
from logsleuth.analysis.testruns import TestCase, TestRun, build_test_run
from logsleuth.analysis.tracebacks import foreign_addons
from logsleuth.reading.records import iso, parse_timestamp
from logsleuth.report.model import SEVERITY_RANK

if TYPE_CHECKING:  # only ``ci`` has a gate and a verdict: the other commands need not import them
    from logsleuth.analysis.gate import Gate
    from logsleuth.report.verdict import Verdict

MAX_ROOT_CAUSES = 15
Cited = list[tuple[str, int]]


class Links:
    """The findings of one report, their ids and links: the links the engine made while reading
    plus those only the whole picture shows (``_link_by_value``), kept here, not in the scan."""

    def __init__(self, findings: list[Finding]) -> None:
        self.findings = findings
        self._ids = {id(f): f"F{i}" for i, f in enumerate(findings, 1)}
        self._to: dict[int, Finding | None] = {id(f): f.linked_to for f in findings}
        self._of: dict[int, list[Finding]] = {id(f): list(f.linked) for f in findings}

    def id(self, f: Finding) -> str:
        return self._ids.get(id(f), "")

    def cause(self, f: Finding) -> Finding | None:
        """What ``f`` follows from, if anything."""
        return self._to.get(id(f), f.linked_to)

    def linked(self, f: Finding) -> list[Finding]:
        """What follows from ``f``."""
        return self._of.get(id(f), f.linked)

    def link(self, symptom: Finding, cause: Finding) -> None:
        self._to[id(symptom)] = cause
        self._of.setdefault(id(cause), []).append(symptom)


def _note(fact: narrative.Fact, cited: Cited | None = None) -> model.Note:
    """A note of the report: what ``fact`` says, and the lines it rests on."""
    cited = cited or []
    return model.Note(fact.kind, fact.text, tuple(n for _, n in cited), tuple(model.Citation(s, n) for s, n in cited))


def _order(f: Finding) -> tuple[int, int, str, int]:
    return (-SEVERITY_RANK[f.severity], f.pattern.role != "cause", f.first.source, f.first.line)


def build_report(scan: Scan) -> model.Report:
    """The report of a scan, built once; the scan is only read."""
    findings = sorted(scan.engine.findings.values(), key=_order)
    v = Links(findings)
    _link_by_value(v)
    lifetimes = [lt for lt in scan.lifetimes if lt.selected]
    window_requests: list[model.WindowRequest] = []
    window_totals: dict[int, int] = {}
    window_loading: list[model.WindowLoading] = []
    for lt in lifetimes:
        act = lt.activity
        window_requests.extend(
            model.WindowRequest(lt.index, lt.pid, q.source, q.line, q.method, q.path, q.status, q.pid)
            for q in act.window_requests
        )
        window_totals[lt.index] = act.window_requests_total
        window_loading.extend(model.WindowLoading(lt.index, lt.pid, s, n, m) for s, n, m in act.window_loading)
    notes: list[model.Note] = []
    for src in scan.sources:
        if src.damage:
            notes.append(_note(narrative.Damage(src.name, src.damage, src.lines)))
        if src.cut_lines:
            notes.append(_note(narrative.CutLines(src.name, src.cut_lines, src.cut_bytes)))
    if scan.window is not None:
        w = scan.window
        seeked = tuple((src.name, src.first_line) for src in scan.sources if src.first_line > 1) if scan.seeked else ()
        notes.append(
            _note(narrative.Window(str(w.since) if w.since else None, str(w.until) if w.until else None, seeked))
        )
    if scan.records and not scan.odoo_records:
        notes.append(_note(narrative.NotOdoo()))
    notes.extend(_shutdown_window_notes(lifetimes, scan))
    notes.extend(_contradictions(v, lifetimes))
    notes.extend(_shutdown_timing(v))
    notes.extend(_foreign_notes(v))
    notes.extend(_silences(findings, scan))
    notes.extend(_symptom_notes(v, scan))
    if len({lt.stream for lt in scan.lifetimes}) > 1:
        notes.extend(_across_hosts(v, scan.lifetimes))
    causes = _root_causes(v, scan.lifetimes)
    levels = scan.levels
    summary = model.Summary(
        scan.lines,
        scan.records,
        iso(scan.first_timestamp),
        iso(scan.last_timestamp),
        len(lifetimes),
        levels.get("WARNING", 0),
        levels.get("ERROR", 0),
        levels.get("CRITICAL", 0),
        scan.engine.tracebacks,
    )
    omitted = _omitted(scan, findings)
    notes.extend(_omitted_notes(omitted))
    return model.Report(
        model.SCHEMA_VERSION,
        model.Tool("logsleuth", __version__),
        tuple(model.Source(s.name, s.lines, s.bytes, s.compression, s.damage, s.cut_lines) for s in scan.sources),
        summary,
        _verdict(causes, len(lifetimes), summary.errors, notes),
        tuple(_lifetime(lt) for lt in lifetimes),
        tuple(_finding(f, v) for f in findings),
        tuple(window_requests),
        tuple(window_loading),
        tuple(rc for rc, _ in causes),
        tuple(notes),
        tuple(_cascade(causes, v)),
        _tests(build_test_run(scan.tests)),
        omitted,
        window_totals,
        max((f.severity for f in findings), key=SEVERITY_RANK.__getitem__, default=None),
    )


def _epoch(text: str | None) -> float | None:
    t = parse_timestamp(text or "")
    return t.timestamp() if t is not None else None


def _lifetime(lt: Lifetime) -> model.Lifetime:
    a, b = parse_timestamp(lt.start or ""), parse_timestamp(lt.end or "")
    return model.Lifetime(
        lt.index,
        lt.source,
        lt.pid,
        tuple(lt.worker_pids),
        lt.start_line,
        lt.end_line,
        iso(lt.start),
        iso(lt.end),
        lt.version,
        lt.started_by_banner,
        lt.shutdown_line,
        lt.end_reason,
        lt.end_evidence,
        lt.kind,
        lt.start_line if lt.restarted_without_banner else None,
        lt.end_source,
        tuple(lt.gevent_pids),
        lt.worker_count,
        tuple(model.KilledWorker(p, n) for p, n in lt.killed_workers),
        lt.shutdown_marker,
        lt.lines,
        lt.requests,
        start_logged=lt.start,
        end_logged=lt.end,
        seconds=(b - a).total_seconds() if a and b else None,
        start_epoch=a.timestamp() if a else None,
        end_epoch=b.timestamp() if b else None,
        shutdown_epoch=_epoch(lt.shutdown_time),
        early_marker=lt.early_marker,
    )


def _finding(f: Finding, v: Links) -> model.Finding:
    exc = None
    if f.exception is not None:
        exc = model.ExceptionFacts(f.exception.type, f.exception.message, f.exception.line)
    culprit = None
    if f.culprit is not None:
        c = f.culprit
        culprit = model.Culprit(c.file, c.line, c.code, c.imports, c.log_line)
    chain = (
        ()
        if f.traceback is None
        else tuple(
            model.Frame(fr.file, fr.line, fr.code, fr.kind, fr.module, fr.log_line) for fr in f.traceback.import_chain()
        )
    )
    cause = v.cause(f)
    return model.Finding(
        v.id(f),
        f.pattern.id,
        f.pattern.title,
        f.severity,
        f.pattern.category,
        f.pattern.role,
        f.first.source,
        f.first.line,
        f.first.pid,
        f.first.lifetime.index if f.first.lifetime is not None else None,
        f.module,
        f.in_shutdown_window,
        exc,
        culprit,
        tuple(o.line for o in f.occurrences),
        tuple(sorted({o.source for o in f.occurrences})),
        f.count,
        len(f.lifetimes) > 1,
        tuple(o.line for o in f.occurrences if o.in_shutdown),
        tuple(f.lifetime_indexes),
        f.explained_by[1] if f.explained_by else None,
        chain,
        v.id(cause) if cause is not None else None,
        {k: val for k, val in f.values.items() if not k.startswith("_")},
        f.message,
        sample=tuple(f.sample),
        spans=tuple(
            model.Span(
                o.source, o.line, o.last_line, o.lifetime.index if o.lifetime is not None else None, _epoch(o.timestamp)
            )
            for o in f.occurrences
        ),
        explained_by=model.Span(*f.explained_by, None, None) if f.explained_by else None,
    )


def _test_case(c: TestCase) -> model.TestCase:
    return model.TestCase(
        c.name,
        c.module,
        c.status,
        c.source,
        c.line,
        c.message,
        c.file,
        c.file_line,
        c.traceback,
        c.started.isoformat(timespec="seconds") if c.started is not None else None,
        c.seconds,
        c.unnamed,
    )


def _tests(t: TestRun | None) -> model.Tests | None:
    if t is None:
        return None
    run = tuple(_test_case(c) for c in t.cases)
    return model.Tests(
        t.total,
        t.passed,
        t.failed,
        t.errors,
        t.skipped,
        t.summary_found,
        t.finished,
        tuple(t.evidence),
        tuple(c for c in run if c.status != "pass"),
        dict(t.suite_seconds),
        run,
    )


def ci_result(gate: Gate, verdict: Verdict) -> model.CiResult:
    """What ``logsleuth ci`` decided, as the model its outputs draw."""
    return model.CiResult(
        verdict.failed,
        tuple(verdict.reasons),
        gate.config.fail_on,
        gate.failing_total,
        gate.ignored_total,
        tuple(model.GateRecord(r.source, r.line, r.level, r.logger, r.message) for r in gate.failing),
    )


def _norm(text: str) -> str:
    return text.replace("\\\\", "\\").replace("\\", "/").lower()


def _link_by_value(v: Links) -> None:
    """A symptom whose exception names what a cause captured (the missing folder of an addons
    path in a FileNotFoundError, say) follows from that cause, wherever Odoo logged the two."""
    causes = [f for f in v.findings if f.pattern.role == "cause" and v.cause(f) is None]
    for s in v.findings:
        if v.cause(s) is not None or s.pattern.role != "symptom" or s.exception is None or not s.exception.message:
            continue
        text = _norm(s.exception.message)
        for c in causes:
            if c is s or c.first.source != s.first.source:
                continue
            named = [
                _norm(v)
                for k, v in c.values.items()
                if not k.startswith("_") and len(v) >= 8 and ("/" in v or "\\" in v)
            ]
            if any(v in text for v in named):
                v.link(s, c)
                break


def _omitted(scan: Scan, findings: list[Finding]) -> dict[str, int]:
    """What the caps left out, counted (``omitted`` in the JSON, a note in every format)."""
    engine = scan.engine
    return {
        "findings": len(engine.omitted),
        "finding_records": engine.omitted_records,
        "occurrences": sum(max(0, f.count - len(f.occurrences)) for f in findings),
        "lifetimes": len(scan.omitted_pids),
        "databases": len(scan.omitted_databases),
        "modules": len(scan.omitted_modules),
    }


def _omitted_notes(omitted: dict[str, int]) -> list[model.Note]:
    from logsleuth.analysis.findings import MAX_FINDINGS, MAX_FINDINGS_PER_PATTERN
    from logsleuth.analysis.lifetimes import MAX_LIFETIMES

    fact = narrative.Bounded(
        omitted["findings"],
        omitted["finding_records"],
        omitted["lifetimes"],
        omitted["databases"],
        omitted["modules"],
        MAX_FINDINGS,
        MAX_FINDINGS_PER_PATTERN,
        MAX_LIFETIMES,
    )
    return [_note(fact)] if fact.any else []


def _seconds_between(a: str | None, b: str | None) -> float | None:
    ta, tb = parse_timestamp(a or ""), parse_timestamp(b or "")
    if ta is None or tb is None:
        return None
    return (tb - ta).total_seconds()


def _shutdown_window_notes(lifetimes: list[Lifetime], scan: Scan) -> list[model.Note]:
    out = []
    for lt in lifetimes:
        act = lt.activity
        if not (act.window_requests_total or act.window_loading):
            continue
        fact = narrative.ShutdownWindow(
            lt.pid,
            lt.index,
            lt.shutdown_marker,
            lt.shutdown_line,
            act.window_requests_total,
            tuple((r.method, r.path, r.status, r.line) for r in act.window_requests[:5]),
            len(act.window_loading),
            act.window_loading[0][1] if act.window_loading else None,
        )
        out.append(
            _note(
                fact,
                [(lt.shutdown_source or lt.source, lt.shutdown_line or 0)]
                + [(r.source, r.line) for r in act.window_requests[:20]],
            )
        )
    return out


def _contradictions(v: Links, lifetimes: list[Lifetime]) -> list[model.Note]:
    """A signature that implies a shutdown, in a process whose own log shows no shutdown."""
    out = []
    for f in v.findings:
        if not f.pattern.implies_shutdown:
            continue
        outside = [o for o in f.occurrences if not o.in_shutdown]
        if not outside:
            continue
        first = outside[0]
        lt = first.lifetime
        lines = [(first.source, first.line)]
        nearest = None
        if lt is not None:
            lines.append((lt.source, lt.start_line))
            others = [
                o
                for o in lifetimes
                if o is not lt
                and o.shutdown_line is not None
                and o.stream == lt.stream
                and o.shutdown_seq is not None
                and o.shutdown_seq < first.seq
            ]
            if others:
                near = others[-1]
                nearest = narrative.Nearest(near.pid, near.index, near.shutdown_line, near.end_line)
                lines.append((near.shutdown_source or near.source, near.shutdown_line or 0))
        cause = v.cause(f)
        fact = narrative.Contradiction(
            first.line,
            f"{f.exception.type}" if f.exception else "",
            f.exception.message if f.exception else "",
            first.pid,
            lt.index if lt is not None else None,
            lt.start_line if lt is not None else 0,
            _seconds_between(lt.start, first.timestamp) if lt is not None else None,
            cause.module if cause is not None and cause.module else f.module,
            nearest,
            tuple(o.line for o in outside[1:6]),
            len(outside) - 1,
        )
        out.append(_note(fact, lines))
    return out


def _cause_line(cause: Finding, f: Finding) -> int:
    """The occurrence of ``cause`` to cite for ``f``: its last one up to ``f``'s first in the same
    process, not one of an earlier process that the same failure also hit."""
    first = f.first
    same = [o for o in cause.occurrences if o.source == first.source and o.lifetime is first.lifetime]
    before = [o for o in same if o.seq < first.seq] or [o for o in same if o.seq == first.seq]
    return before[-1].line if before else cause.first.line


def _shutdown_timing(v: Links) -> list[model.Note]:
    """Findings whose every occurrence came after its own process's shutdown marker: each
    occurrence is cited with the marker of the lifetime it belongs to."""
    out = []
    for f in v.findings:
        if not f.in_shutdown_window or f.first.lifetime is None:
            continue
        shown = f.occurrences[:8]
        groups: dict[int, tuple[Lifetime, list[int]]] = {}
        for o in shown:
            lt = o.lifetime or f.first.lifetime
            groups.setdefault(id(lt), (lt, []))[1].append(o.line)
        fact = narrative.ShutdownTiming(
            v.id(f),
            f.pattern.title,
            tuple((lt.pid, lt.index, lt.shutdown_marker, lt.shutdown_line, tuple(ns)) for lt, ns in groups.values()),
            bool(f.pattern.shutdown_severity),
        )
        out.append(
            _note(
                fact,
                [(o.source, o.line) for o in shown]
                + [(lt.shutdown_source or lt.source, lt.shutdown_line or 0) for lt, _ in groups.values()],
            )
        )
    return out


CROSS_HOST_SECONDS = 120.0


def _across_hosts(v: Links, lifetimes: list[Lifetime]) -> list[model.Note]:
    """Line up several logs (one per server) on one time axis: the same failure on several
    hosts, and a restart on one host shortly before errors on another."""
    out = []
    for f in v.findings:
        if v.cause(f) is not None:
            continue
        first_by_source = {source: (o.timestamp, o.line) for source, o in f.sources.items()}
        if len(first_by_source) < 2:
            continue
        items = sorted(first_by_source.items(), key=lambda kv: kv[1][0] or "")
        fact = narrative.OnSeveralHosts(
            v.id(f),
            f.pattern.title,
            f.module,
            _seconds_between(items[0][1][0], items[-1][1][0]),
            tuple((src, line, ts) for src, (ts, line) in items),
        )
        out.append(_note(fact, [(src, line) for src, (_, line) in items]))
    serious = [f for f in v.findings if SEVERITY_RANK[f.severity] >= SEVERITY_RANK["medium"] and v.cause(f) is None]
    first_of_stream = {
        min((x for x in lifetimes if x.stream == s), key=lambda x: x.start_seq).index
        for s in {x.stream for x in lifetimes}
    }
    for lt in lifetimes:
        if not lt.started_by_banner or lt.index in first_of_stream:
            continue
        for f in serious:
            other = next((h.first for h in f.lifetimes if h.lifetime.stream != lt.stream), None)
            if other is None:
                continue
            gap = _seconds_between(lt.start, other.timestamp)
            if gap is not None and 0 <= gap <= CROSS_HOST_SECONDS:
                restart = narrative.RestartBefore(
                    lt.pid, lt.source, lt.start, lt.start_line, gap, v.id(f), f.pattern.title, other.source, other.line
                )
                out.append(_note(restart, [(lt.source, lt.start_line), (other.source, other.line)]))
                break
    return out


def _foreign_notes(v: Links) -> list[model.Note]:
    """An addon loaded from another Odoo installation than the server's own (two on one host)."""
    out = []
    seen: set[tuple[str, str]] = set()
    for f in v.findings:
        if f.traceback is None or v.cause(f) is not None:
            continue
        for module, file, root in foreign_addons(f.traceback):
            if (module, root) in seen:
                continue
            seen.add((module, root))
            fact = narrative.WrongInstallation(module, file.rsplit(module, 1)[0] + module, root, v.id(f), f.first.line)
            out.append(_note(fact, [(f.first.source, f.first.line)]))
    return out


def _silences(findings: list[Finding], scan: Scan) -> list[model.Note]:
    out = []
    for f in findings:
        if "module-silence" not in f.pattern.story or not f.module:
            continue
        seen = scan.module_last_seen.get((f.first.source, f.module))
        if seen is not None and seen > f.first.line:
            continue
        out.append(
            _note(
                narrative.Silence(f.module, f.first.line, seen),
                [(f.first.source, f.first.line)] + ([(f.first.source, seen)] if seen else []),
            )
        )
    return out


def _symptom_notes(v: Links, scan: Scan) -> list[model.Note]:
    out = []
    for f in v.findings:
        cause = v.cause(f)
        if cause is None or f.pattern.role != "symptom":
            continue
        reason = (
            f"{cause.exception.type}: {cause.exception.message}"
            if cause.exception and cause.exception.type
            else cause.pattern.title
        )
        fact: narrative.Fact
        if "misleading-message" in f.pattern.story:
            fact = narrative.Misleading(
                f.first.line,
                f.values.get("claim", f.first_message()),
                cause.pattern.title,
                cause.module,
                cause.first.line,
                reason,
            )
        else:
            fact = narrative.FollowsFrom(
                f.pattern.title, f.first.line, f.count, v.id(cause), cause.pattern.title, _cause_line(cause, f)
            )
        out.append(_note(fact, [(o.source, o.line) for o in f.occurrences[:10]]))
    for lt in scan.lifetimes:
        act = lt.activity
        if not act.failed_requests_total:
            continue
        failed = act.failed_requests
        fact = narrative.ServerErrors(
            lt.index, lt.pid, act.failed_requests_total, tuple((r.method, r.path, r.status, r.line) for r in failed[:4])
        )
        out.append(_note(fact, [(r.source, r.line) for r in failed[:20]]))
    return out


SURVIVED_RECORDS = 20
"""Records of the same process after a transient failure that show it went on working."""


def _demotion(f: Finding) -> str | None:
    """Why a finding is not the first thing to fix, from its context: Odoo's own shutdown, a
    transient failure the process survived, or a pattern that is noise by nature."""
    if f.pattern.context == "noise":
        return "noise"
    if f.in_shutdown_window:
        return "shutdown"
    if (
        f.pattern.context == "transient"
        and not f.outside
        and all(h.lifetime.end_seq - h.last_seq >= SURVIVED_RECORDS for h in f.lifetimes)
    ):
        return "transient"
    return None


def _standing(f: Finding, last: set[int]) -> tuple[tuple[Any, ...], str]:
    """The rank key of a root cause and, in words, why it stands there: severity first, then
    persistence (still failing in the last process of its log, recurring after restarts), then
    causes before symptoms and the more frequent first."""
    lts = f.lifetimes
    at_end = any(id(h.lifetime) in last for h in lts)
    recurring = len(lts) > 1
    demoted = _demotion(f)
    key = (
        demoted is not None,
        -SEVERITY_RANK[f.severity],
        -(2 * at_end + recurring),
        f.pattern.role != "cause",
        -f.count,
        f.first.source,
        f.first.line,
    )
    return key, narrative.standing(f.severity, len(lts), at_end, f.count, demoted)


def _root_causes(v: Links, lifetimes: list[Lifetime]) -> list[tuple[model.RootCause, Finding]]:
    """The ranked root causes, each with the finding it rests on."""
    findings = v.findings
    contradicted = {id(f) for f in findings if f.pattern.implies_shutdown and f.in_shutdown < f.count}
    last_of_stream: dict[int, Lifetime] = {}
    for lt in lifetimes:
        if lt.stream not in last_of_stream or lt.start_seq > last_of_stream[lt.stream].start_seq:
            last_of_stream[lt.stream] = lt
    last = {id(lt) for lt in last_of_stream.values()}
    standing = {id(f): _standing(f, last) for f in findings}
    causes = sorted(
        (
            f
            for f in findings
            if v.cause(f) is None
            or "misleading-message" in f.pattern.story
            or (f.pattern.role == "cause" and not f.pattern.restates)
        ),
        key=lambda f: standing[id(f)][0],
    )
    out = []
    for rank, f in enumerate(causes[:MAX_ROOT_CAUSES], 1):
        ctx = f.context()
        ctx.update(f.pattern.derived(ctx))
        if f.explained_by:
            ctx["explained_line"] = f.explained_by[1]
        evidence = [o.line for o in f.occurrences[:10]]
        evidence += [g.first.line for g in v.linked(f)[:5] if g.first.source == f.first.source]
        if f.explained_by:
            evidence.append(f.explained_by[1])
        if f.culprit and f.culprit.log_line:
            evidence.append(f.culprit.log_line)
        if f.exception and f.exception.line:
            evidence.append(f.exception.line)
        confidence, reason = narrative.confidence(
            f.pattern.fallback,
            f.pattern.awaits_traceback,
            f.explained_by[1] if f.explained_by else None,
            f.exception is not None,
            id(f) in contradicted,
        )
        linked = v.linked(f)
        impact = narrative.impact(
            f.count,
            f.lifetime_indexes,
            _demotion(f),
            sorted({g.pattern.title.lower() for g in linked if g.pattern.role == "symptom"}) if linked else None,
        )
        fix = _fill(f.pattern.fix, ctx)
        foreign = foreign_addons(f.traceback) if f.traceback is not None else []
        if foreign:
            module, file, root = foreign[0]
            fix = narrative.foreign_fix(module, file.rsplit(module, 1)[0], root, fix)
        out.append(
            (
                model.RootCause(
                    rank,
                    finding_title(f),
                    f.severity,
                    f.pattern.category,
                    tuple(v.id(g) for g in [f] + [g for g in v.linked(f) if g.pattern.restates]),
                    tuple(sorted(set(evidence))),
                    f.first.source,
                    fix,
                    _fill(f.pattern.code, ctx).strip("\n") or None,
                    tuple(_fill(t, ctx) for t in f.pattern.verify),
                    impact,
                    confidence,
                    reason,
                    standing[id(f)][1],
                    _demotion(f),
                ),
                f,
            )
        )
    return out


def _fill(template: str, ctx: dict[str, Any]) -> str:
    return fill(template, ctx)


def finding_title(f: Finding) -> str:
    """A finding in one line: the pattern title and what identifies this occurrence of it."""
    p = f.pattern
    bits = [f.module] if f.module else []
    keys = p.group_by if p.group_by is not None else [k for k in f.values if not k.startswith(("_", "frame_"))]
    shown = [
        str(f.values.get(k, f.values.get("_" + k)))
        for k in keys
        if (k in f.values or "_" + k in f.values) and k not in ("module", "exception", "exception_type")
    ]
    if shown:
        bits.append(", ".join(shown)[:120])
    if f.exception and f.exception.type and (p.awaits_traceback or p.fallback or not shown):
        msg = f.exception.message.split("\n", 1)[0]
        bits.append(f"{f.exception.type.rsplit('.', 1)[-1]}: {msg}"[:160])
    elif p.fallback:
        bits.append(f.first_message()[:120])
    return p.title + (": " + " — ".join(bits) if bits else "")


def _cascade(causes: list[tuple[model.RootCause, Finding]], v: Links) -> list[model.CascadeStep]:
    """Draw the top failure from the real lines: request → registry → module → imports → exception."""
    if not causes:
        return []
    f = causes[0][1]
    tb = f.traceback
    src = f.first.source
    steps: list[model.CascadeStep] = []
    if f.trigger_request:
        steps.append(
            model.CascadeStep(
                "request",
                f.trigger_request[2].split('"')[1] if '"' in f.trigger_request[2] else f.trigger_request[2],
                f.trigger_request[0],
                f.trigger_request[1],
            )
        )
    if f.explained_by:
        steps.append(model.CascadeStep("handler", narrative.HANDLER_STEP, f.explained_by[0], f.explained_by[1]))
    for g in v.linked(f):
        if "registry" in g.pattern.story:
            steps.append(model.CascadeStep("registry", narrative.REGISTRY_STEP, g.first.source, g.first.line))
            break
    steps.append(model.CascadeStep("failure", f.first_message(), src, f.first.line))
    if tb is not None:
        packages: list[str] = []
        frames = tb.final.frames
        culprit_at = max((i for i, fr in enumerate(frames) if fr.kind == "addon"), default=-1)
        for i, frame in enumerate(frames):
            if frame.kind == "addon" and frame.func == "<module>":
                steps.append(
                    model.CascadeStep(
                        "import", f"{frame.file}:{frame.line}  {frame.code or ''}".rstrip(), src, frame.log_line
                    )
                )
            elif i > culprit_at and frame.kind == "third-party" and frame.module and frame.module not in packages:
                packages.append(frame.module)
        if packages:
            steps.append(model.CascadeStep("third-party", " → ".join(packages), None, None))
        culprit = f.culprit
        if culprit is not None and culprit.func != "<module>":
            steps.append(
                model.CascadeStep(
                    "culprit",
                    f"{culprit.file}:{culprit.line} in {culprit.func}  {culprit.code or ''}".rstrip(),
                    src,
                    culprit.log_line,
                )
            )
        tail = [fr for fr in tb.final.frames[-3:] if fr.kind in ("stdlib", "other", "odoo")]
        for frame in tail:
            steps.append(
                model.CascadeStep(
                    "frame", f"{frame.file}:{frame.line}  {frame.code or ''}".rstrip(), src, frame.log_line
                )
            )
    if f.exception:
        steps.append(
            model.CascadeStep(
                "exception",
                f"{f.exception.type}: {f.exception.message}".split("\n")[0],
                f.exception.source,
                f.exception.line,
            )
        )
    for g in v.linked(f):
        if g.pattern.role == "symptom" and g.pattern.story.isdisjoint(("registry", "not-in-cascade")):
            steps.append(
                model.CascadeStep(
                    "symptom", narrative.symptom_step(g.pattern.title, g.count), g.first.source, g.first.line
                )
            )
    return steps


def _verdict(causes: list[tuple[model.RootCause, Finding]], n: int, errors: int, notes: list[model.Note]) -> str:
    actionable = [
        (rc, f) for rc, f in causes if SEVERITY_RANK[rc.severity] >= SEVERITY_RANK["medium"] and rc.context is None
    ]
    top = None
    if actionable:
        rc, f = actionable[0]
        lt = f.first.lifetime
        top = narrative.Top(
            rc.title,
            f.first.line,
            f.first.pid,
            lt.index if lt is not None else None,
            f.in_shutdown_window and lt is not None,
            lt.shutdown_line if lt is not None else None,
            f.count,
            tuple(o.line for o in f.occurrences[1:4]),
            f.culprit.file if f.culprit else None,
            f.culprit.line if f.culprit else None,
            f.culprit.imports if f.culprit else None,
            rc.standing,
        )
    return narrative.verdict(
        n,
        errors,
        top,
        len(actionable) - 1 if actionable else 0,
        [rc.title for rc, _ in causes],
        any(nt.kind == "contradiction" for nt in notes),
    )

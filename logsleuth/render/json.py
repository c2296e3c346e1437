"""The JSON report of ``report-contract.md`` (schema 1), plus extra fields beside the promised ones."""

from __future__ import annotations

import json
from typing import Any

from logsleuth.findings import Finding
from logsleuth.lifetimes import Lifetime
from logsleuth.records import iso
from logsleuth.report import Report
from logsleuth.testruns import TestRun


def lifetime_dict(lt: Lifetime) -> dict[str, Any]:
    return {
        "index": lt.index,
        "source": lt.source,
        "pid": lt.pid,
        "worker_pids": lt.worker_pids,
        "start_line": lt.start_line,
        "end_line": lt.end_line,
        "start": iso(lt.start),
        "end": iso(lt.end),
        "version": lt.version,
        "started_by_banner": lt.started_by_banner,
        "shutdown_line": lt.shutdown_line,
        "end_reason": lt.end_reason,
        "end_evidence_line": lt.end_evidence,
        "kind": lt.kind,
        "started_without_banner_by": lt.start_line if lt.restarted_without_banner else None,
        "end_source": lt.end_source,
        "gevent_pids": lt.gevent_pids,
        "worker_count": lt.worker_count,
        "killed_workers": [{"pid": p, "line": n} for p, n in lt.killed_workers],
        "shutdown_marker": lt.shutdown_marker,
        "lines": lt.lines,
        "requests": lt.requests,
    }


def finding_dict(f: Finding) -> dict[str, Any]:
    exc = None
    if f.exception is not None:
        exc = {"type": f.exception.type, "message": f.exception.message, "line": f.exception.line}
    culprit = None
    if f.culprit is not None:
        culprit = {"file": f.culprit.file, "line": f.culprit.line, "code": f.culprit.code,
                   "imports": f.culprit.imports, "log_line": f.culprit.log_line}
    chain = []
    if f.traceback is not None:
        chain = [{"file": fr.file, "line": fr.line, "code": fr.code, "kind": fr.kind, "module": fr.module,
                  "log_line": fr.log_line} for fr in f.traceback.import_chain()]
    in_window = [o.line for o in f.occurrences if o.in_shutdown]
    return {
        "id": f.id,
        "kind": f.pattern.id,
        "title": f.pattern.title,
        "severity": f.severity,
        "category": f.pattern.category,
        "role": f.pattern.role,
        "source": f.first.source,
        "line": f.first.line,
        "pid": f.first.pid,
        "lifetime": f.first.lifetime.index if f.first.lifetime is not None else None,
        "module": f.module,
        "in_shutdown_window": f.in_shutdown_window,
        "exception": exc,
        "culprit": culprit,
        "occurrences": [o.line for o in f.occurrences],
        "occurrence_sources": sorted({o.source for o in f.occurrences}),
        "count": f.count,
        "recurring_across_restarts": len({id(o.lifetime) for o in f.occurrences if o.lifetime is not None}) > 1,
        "occurrences_in_shutdown_window": in_window,
        "lifetimes": sorted({o.lifetime.index for o in f.occurrences if o.lifetime is not None}),
        "explained_by_line": f.explained_by[1] if f.explained_by else None,
        "import_chain": chain,
        "linked_to": f.linked_to.id if f.linked_to is not None else None,
        "values": {k: v for k, v in f.values.items() if not k.startswith("_")},
        "message": f.message,
    }


def tests_dict(t: TestRun | None) -> dict[str, Any] | None:
    if t is None:
        return None
    return {
        "total": t.total, "passed": t.passed, "failed": t.failed, "errors": t.errors, "skipped": t.skipped,
        "summary_found": t.summary_found,
        "finished": t.finished,
        "evidence": t.evidence,
        "cases": [
            {"name": c.name, "module": c.module, "status": c.status, "source": c.source, "line": c.line,
             "message": c.message, "file": c.file, "file_line": c.file_line}
            for c in t.cases if c.status != "pass"
        ],
    }


def report_dict(r: Report) -> dict[str, Any]:
    return {
        "schema": 1,
        "tool": {"name": "logsleuth", "version": r.version},
        "sources": r.sources,
        "summary": r.summary,
        "verdict": r.verdict,
        "lifetimes": [lifetime_dict(lt) for lt in r.lifetimes],
        "findings": [finding_dict(f) for f in r.findings],
        "shutdown_window_requests": [
            {"lifetime": lt.index, "pid": lt.pid, "source": q.source, "line": q.line, "method": q.method,
             "path": q.path, "status": q.status, "request_pid": q.pid}
            for lt, q in r.window_requests
        ],
        "shutdown_window_loading": [
            {"lifetime": lt.index, "pid": lt.pid, "source": s, "line": n, "message": m} for lt, s, n, m in r.window_loading
        ],
        "root_causes": [
            {"rank": rc.rank, "title": rc.title, "severity": rc.severity, "category": rc.category,
             "finding_ids": [f.id for f in rc.findings], "evidence_lines": rc.evidence_lines, "source": rc.source,
             "fix": rc.fix, "code": rc.code or None, "verify": rc.verify, "impact": rc.impact,
             "confidence": rc.confidence, "confidence_reason": rc.confidence_reason,
             "standing": rc.standing, "context": rc.context}
            for rc in r.root_causes
        ],
        "notes": [{"kind": n.kind, "text": n.text, "lines": [ln for _, ln in n.lines],
                   "citations": [{"source": src, "line": ln} for src, ln in n.lines]} for n in r.notes],
        "cascade": [{"step": s.label, "detail": s.detail, "source": s.source, "line": s.line} for s in r.cascade],
        "tests": tests_dict(r.tests),
        "omitted": r.omitted,
    }


def render(r: Report) -> str:
    return json.dumps(report_dict(r), indent=2, ensure_ascii=False) + "\n"

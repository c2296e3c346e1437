"""The concise CI summary printed on stdout by ``logsleuth ci``."""

from __future__ import annotations

from logsleuth.render.plain import clean
from logsleuth.report.model import CiResult, Report


def render(report: Report, ci: CiResult) -> str:
    out: list[str] = []
    t = report.tests
    if t is not None:
        out.append(
            f"tests: {t.total} total, {t.passed} passed, {t.failed} failed, {t.errors} errors, {t.skipped} skipped"
            + ("  (no end: the run crashed or was cut off)" if t.crashed else "")
        )
        for case in t.failing:
            where = f"{case.file}:{case.file_line}" if case.file else f"{case.source}:{case.line}"
            first = case.message.splitlines()[0] if case.message else ""
            out.append(f"  {case.status.upper():5} {clean(case.name)} ({clean(case.module)})  {clean(where)}")
            if first:
                out.append(f"        {clean(first)}")
            out.append(f"        log line {case.line}")
        for case in t.cases:
            if case.status == "skip":
                out.append(f"  SKIP  {clean(case.name)} ({clean(case.module)}): {clean(case.message)}")
    else:
        out.append("tests: no test run found in the log")
    if ci.failing_records:
        out.append(
            f"log records at {ci.fail_on} or above: {ci.failing_records}"
            + (f" ({ci.ignored_records} more ignored)" if ci.ignored_records else "")
        )
        for rec in ci.failing[:20]:
            out.append(f"  {rec.source}:{rec.line} {rec.level} {clean(rec.logger)}: {clean(rec.message[:300])}")
        if ci.failing_records > 20:
            out.append(f"  … {ci.failing_records - 20} more")
    elif ci.ignored_records:
        out.append(f"log records at {ci.fail_on} or above: 0 ({ci.ignored_records} ignored)")
    causes = [rc for rc in report.root_causes if rc.category != "test" and rc.severity in ("critical", "high")]
    if causes:
        out.append("root causes:")
        for rc in causes[:5]:
            out.append(f"  [{rc.severity}] {clean(rc.title)} (lines {', '.join(map(str, rc.evidence_lines[:5]))})")
            out.append(f"        fix: {clean(rc.fix)}")
    out.append("verdict: " + ("FAILED — " + "; ".join(ci.reasons) if ci.failed else "passed"))
    return "\n".join(out) + "\n"

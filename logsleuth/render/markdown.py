"""Markdown for tickets (GitHub, GitLab, Jira's Markdown import).

Log text is untrusted, and each context gets its own escaping: in running text and tables it is
escaped (pipes, backticks, HTML, emphasis); in code spans nothing is escaped (a backslash would
show: CommonMark code spans are literal) and the span is delimited by more backticks than it
contains; in code blocks it is fenced with more backticks than it contains.
"""

from __future__ import annotations

import re

from logsleuth.model import Report
from logsleuth.render.plan import smoking_guns

_SPECIAL = re.compile(r"([\\`*_{}\[\]|#!~])")


def esc(text: object) -> str:
    """Escape text for a Markdown paragraph or table cell (one line): HTML as entities,
    Markdown punctuation with a backslash, so a log line renders as the text it is."""
    s = str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", " ").replace("\n", " ")
    return _SPECIAL.sub(r"\\\1", s)


def code(text: object) -> str:
    """A CommonMark code span showing ``text`` exactly: no backslash escapes (they would be
    shown), a delimiter longer than any backtick run inside, and a space of padding when the text
    starts or ends with a backtick or a space (CommonMark strips one on each side)."""
    s = str(text).replace("\r", " ").replace("\n", " ")
    longest = max((len(m) for m in re.findall(r"`+", s)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if s[:1] in ("`", " ") or s[-1:] in ("`", " ") else ""
    return f"{ticks}{pad}{s}{pad}{ticks}" if s else "` `"


def fence(text: str, lang: str = "") -> str:
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}{lang}\n{text}\n{ticks}"


def render(r: Report) -> str:
    out: list[str] = ["# logsleuth report", ""]
    src = ", ".join(f"{code(s.path)} ({s.lines} lines)" for s in r.sources)
    out += [f"**Sources:** {src}  ", f"**logsleuth** {esc(r.tool.version)}", ""]
    out += ["## Verdict", "", esc(r.verdict), ""]
    s = r.summary
    out += [
        f"{s.lifetimes} lifetimes · {s.records} records · {s.warnings} warnings · {s.errors} errors · "
        f"{s.criticals} critical · {s.tracebacks} tracebacks · {esc(s.first_timestamp)} → {esc(s.last_timestamp)}",
        "",
    ]
    if r.lifetimes:
        out += ["## Process lifetimes", "", "| # | PID | workers | start | end | version | lines | end reason | shutdown line |",
                "|---|---|---|---|---|---|---|---|---|"]
        for lt in r.lifetimes:
            workers = str(lt.worker_count) + (f" + gevent {', '.join(map(str, lt.gevent_pids))}" if lt.gevent_pids else "")
            out.append(
                f"| {lt.index} | {lt.pid} | {workers} | {esc(lt.start_logged or '?')} (line {lt.start_line}) | {esc(lt.end_logged or '?')} (line {lt.end_line}) "
                f"| {esc(lt.version or '—')}{'' if lt.started_by_banner else ' (no banner)'} | {lt.lines} | {lt.end_reason} | {lt.shutdown_line or '—'} |"
            )
        out.append("")
    if r.cascade:
        out += ["## Failure cascade", ""]
        lines = []
        for step in r.cascade:
            where = f"line {step.line}: " if step.line else ""
            lines.append(f"{step.step:>11}  {where}{step.detail}")
        out += [fence("\n   ↓\n".join(lines)), ""]
    if r.root_causes:
        out += ["## Root causes", "", "| # | Root cause | Severity | Category | Impact | Confidence | Evidence (lines) |",
                "|---|---|---|---|---|---|---|"]
        for rc in r.root_causes:
            ev = ", ".join(map(str, rc.evidence_lines[:8]))
            out.append(f"| {rc.rank} | {esc(rc.title)} | **{rc.severity.upper()}** | {rc.category} | {esc(rc.impact)} | {rc.confidence} | {ev} |")
        out.append("")
    smoking = smoking_guns(r, 6)
    if smoking:
        out += ["## Smoking guns", ""]
        for f, others in smoking:
            also = f" (also {', '.join(o.id for o in others)})" if others else ""
            out += [f"### {esc(f.id)}{esc(also)} · {esc(f.title)} — line {f.line}" + (f" (PID {f.pid})" if f.pid else ""), ""]
            sample = list(f.sample[:1])
            if f.exception and f.exception.line:
                sample.append(f"… line {f.exception.line}: {f.exception.type}: {f.exception.message}".split("\n")[0])
            if f.count > 1:
                sample.append(f"… {f.count} times: lines {', '.join(map(str, f.occurrences[:12]))}")
            out += [fence("\n".join(sample)), ""]
    if r.notes:
        out += ["## What the lines show", ""]
        for n in r.notes:
            out.append(f"- **{n.kind}**: {esc(n.text)}")
        out.append("")
    if r.shutdown_window_requests:
        out += ["## Requests served inside a shutdown window", "", "| lifetime | PID | line | request | status |", "|---|---|---|---|---|"]
        for q in r.shutdown_window_requests[:50]:
            out.append(f"| {q.lifetime} | {q.request_pid} | {q.line} | {esc(q.method + ' ' + q.path)} | {q.status} |")
        out.append("")
    if r.root_causes:
        out += ["## Fixes, in priority order", ""]
        for rc in r.root_causes:
            out += [f"### {rc.rank}. {esc(rc.title)}", "", esc(rc.fix), ""]
            if rc.code:
                out += [fence(rc.code, "python"), ""]
        out += ["## Verification", ""]
        seen: set[str] = set()
        for rc in r.root_causes:
            for v in rc.verify:
                if v not in seen:
                    seen.add(v)
                    out.append(f"- {code(v)}")
        out.append("")
    if r.tests is not None:
        t = r.tests
        out += ["## Tests", "", f"{t.total} tests: {t.passed} passed, {t.failed} failed, {t.errors} errors, {t.skipped} skipped"
                + (" — **no end: the run crashed or was cut off**" if t.crashed else ""), ""]
        for c in t.failing:
            out.append(f"- **{c.status.upper()}** {code(c.name)} ({esc(c.module)}), line {c.line}: {esc(c.message.splitlines()[0] if c.message else '')}"
                       + (f" — {esc(c.file)}:{c.file_line}" if c.file else ""))
        out.append("")
    return "\n".join(out) + "\n"

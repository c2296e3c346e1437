"""Markdown for tickets (GitHub, GitLab, Jira's Markdown import).

Log text is untrusted, and each context gets its own escaping: in running text and tables it is
escaped (pipes, backticks, HTML, emphasis); in code spans nothing is escaped (a backslash would
show: CommonMark code spans are literal) and the span is delimited by more backticks than it
contains; in code blocks it is fenced with more backticks than it contains.
"""

from __future__ import annotations

import re

from logsleuth.render.plan import LIFETIME_COLUMNS, plan
from logsleuth.report.model import Report

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
    p = plan(r)
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
        out += [
            "## Process lifetimes",
            "",
            "| " + " | ".join(LIFETIME_COLUMNS) + " |",
            "|---" * len(LIFETIME_COLUMNS) + "|",
        ]
        out += ["| " + " | ".join(map(esc, row)) + " |" for row in p.lifetime_rows]
        out.append("")
    if r.cascade:
        out += ["## Failure cascade", ""]
        lines = []
        for step in r.cascade:
            where = f"line {step.line}: " if step.line else ""
            lines.append(f"{step.step:>11}  {where}{step.detail}")
        out += [fence("\n   ↓\n".join(lines)), ""]
    if r.root_causes:
        out += [
            "## Root causes",
            "",
            "| # | Root cause | Severity | Category | Impact | Confidence | Evidence (lines) |",
            "|---|---|---|---|---|---|---|",
        ]
        for rc, ev in p.causes:
            out.append(
                f"| {rc.rank} | {esc(rc.title)} | **{rc.severity.upper()}** | {rc.category} | {esc(rc.impact)} | {rc.confidence} | {ev} |"
            )
        out.append("")
    if p.proofs:
        out += ["## Smoking guns", ""]
        for proof in p.proofs:
            f = proof.finding
            also = f" (also {', '.join(proof.also)})" if proof.also else ""
            out += [
                f"### {esc(f.id)}{esc(also)} · {esc(f.title)} — line {f.line}" + (f" (PID {f.pid})" if f.pid else ""),
                "",
            ]
            sample = [*f.sample[:1], *(f"… {x}" for x in (proof.exception, proof.again) if x)]
            out += [fence("\n".join(sample)), ""]
    if r.notes:
        out += ["## What the lines show", ""]
        for n in r.notes:
            out.append(f"- **{n.kind}**: {esc(n.text)}")
        out.append("")
    if p.requests:
        out += [
            "## Requests served inside a shutdown window",
            "",
            "| lifetime | PID | line | request | status |",
            "|---|---|---|---|---|",
        ]
        for q in p.requests:
            out.append(f"| {q.lifetime} | {q.request_pid} | {q.line} | {esc(q.method + ' ' + q.path)} | {q.status} |")
        out.append("")
    if r.root_causes:
        out += ["## Fixes, in priority order", ""]
        for rc in r.root_causes:
            out += [f"### {rc.rank}. {esc(rc.title)}", "", esc(rc.fix), ""]
            if rc.code:
                out += [fence(rc.code, "python"), ""]
        out += ["## Verification", ""]
        out += [f"- {code(v)}" for v in p.verification]
        out.append("")
    if r.tests is not None:
        t = r.tests
        out += [
            "## Tests",
            "",
            f"{t.total} tests: {t.passed} passed, {t.failed} failed, {t.errors} errors, {t.skipped} skipped"
            + (" — **no end: the run crashed or was cut off**" if t.crashed else ""),
            "",
        ]
        for c in t.failing:
            out.append(
                f"- **{c.status.upper()}** {code(c.name)} ({esc(c.module)}), line {c.line}: {esc(c.message.splitlines()[0] if c.message else '')}"
                + (f" — {esc(c.file)}:{c.file_line}" if c.file else "")
            )
        out.append("")
    return "\n".join(out) + "\n"

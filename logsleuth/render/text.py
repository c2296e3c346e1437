"""The terminal report, drawn with rich. Log text is passed as plain ``Text`` (never parsed
as rich markup) and stripped of control characters, so a log line cannot style or drive the terminal."""

from __future__ import annotations

import re

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from logsleuth.report import Report

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
SEVERITY_STYLE = {"critical": "bold white on red", "high": "bold red", "medium": "yellow", "low": "cyan", "info": "dim"}


def clean(text: object) -> str:
    return _CONTROL.sub("�", str(text))


def T(text: object, style: str = "") -> Text:
    return Text(clean(text), style=style)


def build(r: Report) -> Group:
    parts: list = []
    parts.append(Panel(T(r.verdict), title="Verdict", border_style="bold"))
    if r.lifetimes:
        table = Table(title="Process lifetimes", expand=False)
        for col in ("#", "PID", "workers", "start", "end", "duration", "version", "lines", "end reason", "shutdown line"):
            table.add_column(col)
        for row in lifetime_rows(r):
            table.add_row(*[T(c) for c in row])
        parts.append(table)
    if r.cascade:
        text = Text()
        for i, step in enumerate(r.cascade):
            if i:
                text.append("   ↓\n", style="dim")
            text.append(f"{step.label:>11} ", style="bold")
            if step.line:
                text.append(f"line {step.line}: ", style="cyan")
            text.append(clean(step.detail) + "\n")
        parts.append(Panel(text, title="Failure cascade"))
    if r.root_causes:
        table = Table(title="Root causes", expand=False)
        for col in ("#", "severity", "category", "root cause", "confidence", "lines"):
            table.add_column(col)
        for rc in r.root_causes:
            table.add_row(str(rc.rank), T(rc.severity.upper(), SEVERITY_STYLE[rc.severity]), rc.category, T(rc.title),
                          rc.confidence, ", ".join(map(str, rc.evidence_lines[:6])))
        parts.append(table)
    if r.notes:
        text = Text()
        for n in r.notes:
            text.append(f"[{n.kind}] ", style="bold magenta" if n.kind == "contradiction" else "bold")
            text.append(clean(n.text) + "\n")
        parts.append(Panel(text, title="What the lines show"))
    if r.root_causes:
        text = Text()
        for rc in r.root_causes:
            text.append(f"{rc.rank}. {clean(rc.title)}\n", style="bold")
            text.append("   " + clean(rc.fix) + "\n")
            for v in rc.verify:
                text.append("   $ " + clean(v) + "\n", style="green")
        parts.append(Panel(text, title="Fixes and verification"))
    if r.tests is not None:
        t = r.tests
        line = f"{t.total} tests: {t.passed} passed, {t.failed} failed, {t.errors} errors, {t.skipped} skipped"
        if t.crashed:
            line += " — no end: the run crashed or was cut off"
        text = Text(line + "\n")
        for c in t.failing:
            text.append(f"{c.status.upper()} {clean(c.name)} (line {c.line}) {clean(c.message.splitlines()[0] if c.message else '')}\n")
        parts.append(Panel(text, title="Tests"))
    return Group(*parts)


def lifetime_rows(r: Report) -> list[list[str]]:
    from logsleuth.records import parse_timestamp

    rows = []
    several = len({lt.source for lt in r.lifetimes}) > 1
    for lt in r.lifetimes:
        a, b = parse_timestamp(lt.start or ""), parse_timestamp(lt.end or "")
        duration = f"{(b - a).total_seconds():.1f}s" if a and b else "?"
        workers = str(lt.worker_count) + (f" +gevent {','.join(map(str, lt.gevent_pids))}" if lt.gevent_pids else "")
        rows.append([
            f"{lt.index} {lt.source}" if several else str(lt.index), str(lt.pid), workers, f"{lt.start or '?'} (L{lt.start_line})", f"{lt.end or '?'} (L{lt.end_line})",
            duration, (lt.version or "—") + ("" if lt.started_by_banner else " (no banner)"), str(lt.lines), lt.end_reason,
            str(lt.shutdown_line or "—"),
        ])
    return rows


def render(r: Report, width: int = 120, color: bool = False) -> str:
    console = Console(width=width, record=True, force_terminal=color, no_color=not color, highlight=False, markup=False)
    with console.capture() as cap:
        console.print(build(r))
    return cap.get()

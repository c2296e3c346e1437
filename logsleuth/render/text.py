"""The terminal report, drawn with rich. Log text is passed as plain ``Text`` (never parsed
as rich markup) and stripped of control characters, so a log line cannot style or drive the terminal.
Panel titles are ``Text`` too: rich reads a ``str`` title as markup whatever the console says, and
loading its emoji table for that cost every run 2 ms."""

from __future__ import annotations

import os

from rich.console import Console, Group
from rich.padding import Padding
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from logsleuth.render.plain import clean
from logsleuth.render.plan import LIFETIME_COLUMNS, SUMMARY_LIMIT, lifetime_rows, lifetimes_that_matter, plan
from logsleuth.report.model import Lifetime, Report

SEVERITY_STYLE = {"critical": "bold white on red", "high": "bold red", "medium": "yellow", "low": "cyan", "info": "dim"}


def T(text: object, style: str = "") -> Text:
    return Text(clean(text), style=style)


LIFETIME_DROP = ("shutdown line", "workers", "version", "lines", "end", "PID")
"""Columns given up first when the terminal is narrow (a dropped column beats a cut cell)."""
ROOT_CAUSE_DROP = ("confidence", "category", "lines")


def _word_width(text: str) -> int:
    from rich.cells import cell_len

    return max((cell_len(w) for w in text.split()), default=0)


def fitted_table(
    title: str,
    headers: tuple[str, ...],
    rows: list[list[object]],
    width: int,
    drop: tuple[str, ...] = (),
    prefer: dict[str, int] | None = None,
) -> Table:
    """A table that fits ``width`` without cutting a word: columns named in ``drop`` are left out,
    in that order, until each column can be as wide as its longest word (``prefer`` asks more room
    for a column of prose); the room left is shared out by how much each column's text needs it."""
    from rich.cells import cell_len

    prefer = prefer or {}
    plain = [[c.plain if isinstance(c, Text) else str(c) for c in row] for row in rows]
    least = [max([_word_width(headers[i])] + [_word_width(row[i]) for row in plain]) for i in range(len(headers))]
    most = [
        max([cell_len(headers[i])] + [max((cell_len(x) for x in row[i].splitlines()), default=0) for row in plain])
        for i in range(len(headers))
    ]
    keep = list(range(len(headers)))

    def needed(cols: list[int]) -> int:
        return sum(max(least[i], min(prefer.get(headers[i], 0), most[i])) + 3 for i in cols) + 1

    for name in drop:
        if needed(keep) <= width:
            break
        if name in headers and headers.index(name) in keep and len(keep) > 2:
            keep.remove(headers.index(name))
    table = Table(title=title, expand=False)
    room = width - 1 - 3 * len(keep)
    widths = {i: max(least[i], min(prefer.get(headers[i], 0), most[i])) for i in keep}
    if sum(widths.values()) > room:
        widths = {i: least[i] for i in keep}
    if sum(most[i] for i in keep) <= room:
        widths = {i: most[i] for i in keep}
    elif sum(widths.values()) < room:
        spare = room - sum(widths.values())
        wants = {i: most[i] - widths[i] for i in keep}
        total = sum(wants.values()) or 1
        for i in keep:
            widths[i] += wants[i] * spare // total
    for i in keep:
        table.add_column(headers[i], overflow="fold", width=widths[i] if sum(widths.values()) <= room else None)
    for row in rows:
        cells: list[Text] = [cell if isinstance(cell := row[i], Text) else T(cell) for i in keep]
        table.add_row(*cells)
    return table


def lifetime_table(lifetimes: tuple[Lifetime, ...], width: int, title: str = "Process lifetimes") -> Table:
    """The lifetimes as a table that fits ``width`` (the report, and ``logsleuth lifetimes``)."""
    return fitted_table(title, LIFETIME_COLUMNS, [list(row) for row in lifetime_rows(lifetimes)], width, LIFETIME_DROP)


def _lifetime_summary(r: Report, width: int, command: str) -> list:
    from collections import Counter

    counts = Counter(lt.end_reason for lt in r.lifetimes)
    text = Text(
        f"{len(r.lifetimes)} process lifetimes: "
        + ", ".join(f"{n} {reason}" for reason, n in counts.most_common())
        + ".\n"
    )
    matter = lifetimes_that_matter(r)
    text.append(
        "The ones that matter (failures, crash, forced stop, an end the log does not explain, requests in a "
        "shutdown window) are below; "
        if matter
        else "None has failures, a crash, a forced stop, an unexplained end or requests in a shutdown window. "
    )
    text.append("the full table: ")
    parts: list = [
        Panel(text, title=Text("Process lifetimes")),
        Text(clean(command), style="green", no_wrap=True, overflow="ignore"),
    ]
    if matter:
        shown = matter[:SUMMARY_LIMIT]
        title = f"{len(matter)} lifetime(s) that matter" + (
            f" (first {len(shown)})" if len(shown) < len(matter) else ""
        )
        parts.append(lifetime_table(tuple(shown), width, title))
    return parts


def print_report(
    console: Console, r: Report, verbose: bool = False, lifetimes_command: str = "logsleuth lifetimes FILE"
) -> None:
    """The terminal report, most important first: the verdict and the ranked root causes, then
    the cascade, the lifetimes (a summary when there are many), notes, fixes and tests. Commands
    to paste are printed unwrapped (``soft_wrap``), so a narrow terminal never breaks one."""
    width = console.width
    p = plan(r)
    console.print(Panel(T(r.verdict), title=Text("Verdict"), border_style="bold"))
    if r.root_causes:
        rows = [
            [
                str(rc.rank),
                T(rc.severity.upper(), SEVERITY_STYLE[rc.severity]),
                rc.category,
                T(rc.title),
                rc.confidence,
                ev,
            ]
            for rc, ev in p.causes
        ]
        console.print(
            fitted_table(
                "Root causes",
                ("#", "severity", "category", "root cause", "confidence", "lines"),
                rows,
                width,
                ROOT_CAUSE_DROP,
                prefer={"root cause": 32, "lines": 9},
            )
        )
    if r.cascade:
        text = Text()
        for i, step in enumerate(r.cascade):
            if i:
                text.append("   ↓\n", style="dim")
            text.append(f"{step.step:>11} ", style="bold")
            if step.line:
                text.append(f"line {step.line}: ", style="cyan")
            text.append(clean(step.detail) + "\n")
        console.print(Panel(text, title=Text("Failure cascade")))
    if r.lifetimes:
        if len(r.lifetimes) > SUMMARY_LIMIT and not verbose:
            for part in _lifetime_summary(r, width, lifetimes_command):
                console.print(part, soft_wrap=isinstance(part, Text))
        else:
            console.print(lifetime_table(r.lifetimes, width))
    if r.notes:
        text = Text()
        for n in r.notes:
            text.append(f"[{n.kind}] ", style="bold magenta" if n.kind == "contradiction" else "bold")
            text.append(clean(n.text) + "\n")
        console.print(Panel(text, title=Text("What the lines show")))
    if r.root_causes:
        console.rule("Fixes and verification")
        for rc in r.root_causes:
            console.print(Text(f"{rc.rank}. {clean(rc.title)}", style="bold"))
            console.print(Padding(T(rc.fix), (0, 0, 0, 3)))
            for v in rc.verify:
                console.print(Text("   $ " + clean(v), style="green"), soft_wrap=True)
    if r.tests is not None:
        t = r.tests
        line = f"{t.total} tests: {t.passed} passed, {t.failed} failed, {t.errors} errors, {t.skipped} skipped"
        if t.crashed:
            line += " — no end: the run crashed or was cut off"
        text = Text(line + "\n")
        for c in t.failing:
            text.append(
                f"{c.status.upper()} {clean(c.name)} (line {c.line}) {clean(c.message.splitlines()[0] if c.message else '')}\n"
            )
        console.print(Panel(text, title=Text("Tests")))


def build(r: Report) -> Group:
    """The report as one renderable (at the console's width; commands may wrap: prefer ``print_report``)."""
    console = Console(width=120, record=True, markup=False, highlight=False)
    with console.capture() as cap:
        print_report(console, r)
    return Group(Text.from_ansi(cap.get()))


def render(r: Report, width: int | None = None, color: bool = False, verbose: bool = False) -> str:
    """The report as text: ``width`` columns (default: ``COLUMNS``, else 80), no colour unless asked."""
    if width is None:
        columns = os.environ.get("COLUMNS", "")
        width = int(columns) if columns.isdigit() and int(columns) > 0 else 80
    console = Console(width=width, force_terminal=color, no_color=not color, highlight=False, markup=False)
    with console.capture() as cap:
        print_report(console, r, verbose)
    return cap.get()

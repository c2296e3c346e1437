"""``logsleuth show``: the exact lines a finding rests on, with context, grep-style.

The log is read a second time, streaming, printing only the wanted ranges: the record of each
occurrence (``NNN:``) with context lines around it (``NNN-``) and ``--`` between groups.
"""

from __future__ import annotations

from typing import TextIO

from logsleuth.reading.sources import Source, read_lines
from logsleuth.render.plain import clean
from logsleuth.report.model import Finding
from logsleuth.report.redact import Redactor


def evidence_ranges(f: Finding, context: int, limit: int) -> dict[str, list[tuple[int, int, int, int]]]:
    """Per source: (from, to, record_first, record_last), merged where they overlap."""
    wanted: dict[str, list[tuple[int, int, int, int]]] = {}
    occurrences = f.spans if limit <= 0 else f.spans[:limit]
    spans = [(o.source, o.line, o.last_line) for o in occurrences]
    if f.explained_by is not None:
        spans.append((f.explained_by.source, f.explained_by.line, f.explained_by.last_line))
    for source, first, last in spans:
        wanted.setdefault(source, []).append((max(1, first - context), last + context, first, last))
    for source, items in wanted.items():
        items.sort()
        merged: list[tuple[int, int, int, int]] = []
        for item in items:
            if merged and item[0] <= merged[-1][1] + 1:
                a, b, c, d = merged[-1]
                merged[-1] = (a, max(b, item[1]), min(c, item[2]), max(d, item[3]))
            else:
                merged.append(item)
        wanted[source] = merged
    return wanted


def print_evidence(f: Finding, context: int, limit: int, out: TextIO, redactor: Redactor | None = None) -> None:
    title = f"{f.id} {f.title} — {f.count} occurrence(s)"
    out.write(clean(redactor.text(title) if redactor else title) + "\n")
    records = {(o.source, n) for o in f.spans for n in range(o.line, o.last_line + 1)}
    if f.explained_by is not None:
        e = f.explained_by
        records.update((e.source, n) for n in range(e.line, e.last_line + 1))
    for source, ranges in evidence_ranges(f, context, limit).items():
        out.write(f"== {clean(redactor.text(source) if redactor else source)}\n")
        idx = 0
        number = 0
        sql = False
        for text in read_lines(Source(source)):
            number += 1
            while idx < len(ranges) and number > ranges[idx][1]:
                idx += 1
                if idx < len(ranges):
                    out.write("--\n")
            if idx >= len(ranges):
                break
            if number >= ranges[idx][0]:
                mark = ":" if (source, number) in records else "-"
                line = redactor.lines([text], sql)[0] if redactor else text
                sql = redactor.sql_after(text, sql) if redactor else False
                out.write(f"{number}{mark}{clean(line)}\n")

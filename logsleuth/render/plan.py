"""What a report shows, decided once for every format: the sections, in order, and their limits.

Each renderer draws this plan and decides nothing about what to leave out.
"""

from __future__ import annotations

from logsleuth.model import Finding, Report

SMOKING_GUNS = 8
"""Records shown as proof of the root causes."""


def smoking_guns(r: Report, limit: int = SMOKING_GUNS) -> list[tuple[Finding, list[Finding]]]:
    """The records that prove the root causes, each once (several findings can rest on one record)."""
    by_record: dict[tuple[str, int], tuple[Finding, list[Finding]]] = {}
    for f in r.findings:
        if f.linked_to is not None and f.role != "cause":
            continue
        key = (f.source, f.line)
        if key in by_record:
            by_record[key][1].append(f)
        elif len(by_record) < limit:
            by_record[key] = (f, [])
    return list(by_record.values())

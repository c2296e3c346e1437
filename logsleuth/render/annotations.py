"""CI annotations: GitHub Actions workflow commands and a GitLab Code Quality report.

GitHub's escaping rules (actions/toolkit ``command.ts``): in the message ``%``, CR and LF are
percent-encoded; in properties ``:`` and ``,`` too. Paths are made relative to ``root`` so the
annotation lands on the pull request's diff.
"""

from __future__ import annotations

import hashlib
import json
import os

from logsleuth.ci import Gate
from logsleuth.report import Report


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def relative(path: str, root: str | None) -> str:
    norm = path.replace("\\", "/")
    base = (root or os.getcwd()).replace("\\", "/").rstrip("/") + "/"
    return norm[len(base):] if norm.startswith(base) else norm


def _items(report: Report, gate: Gate, root: str | None) -> list[dict[str, object]]:
    items: list[dict[str, object]] = []
    if report.tests is not None:
        for case in report.tests.failing:
            first = case.message.splitlines()[0] if case.message else case.status
            items.append({
                "file": relative(case.file, root) if case.file else case.source,
                "line": case.file_line if case.file else case.line,
                "title": f"{case.status.upper()}: {case.name}",
                "message": f"{first}\n(log line {case.line})",
            })
        if not report.tests.summary_found:
            items.append({"file": None, "line": None, "title": "Odoo test run crashed",
                          "message": "the test run has no final summary: it crashed or was cut off"})
    for rec in gate.failing:
        items.append({"file": rec.source, "line": rec.line, "title": f"{rec.level} {rec.logger}", "message": rec.message})
    return items


def github(report: Report, gate: Gate, root: str | None = None) -> str:
    out = []
    for item in _items(report, gate, root):
        props = []
        if item["file"]:
            props.append(f"file={escape_property(str(item['file']))}")
            if item["line"]:
                props.append(f"line={item['line']}")
        props.append(f"title={escape_property(str(item['title']))}")
        out.append(f"::error {','.join(props)}::{escape_data(str(item['message']))}")
    return "\n".join(out) + ("\n" if out else "")


def gitlab(report: Report, gate: Gate, root: str | None = None) -> str:
    issues = []
    for item in _items(report, gate, root):
        fingerprint = hashlib.sha256(f"{item['file']}:{item['line']}:{item['title']}".encode()).hexdigest()
        issues.append({
            "description": f"{item['title']}: {item['message']}",
            "check_name": "logsleuth",
            "fingerprint": fingerprint,
            "severity": "major",
            "location": {"path": item["file"] or "odoo.log", "lines": {"begin": item["line"] or 1}},
        })
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"

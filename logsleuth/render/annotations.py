"""CI annotations: GitHub Actions workflow commands and a GitLab Code Quality report.

GitHub's escaping rules (actions/toolkit ``command.ts``): in the message ``%``, CR and LF are
percent-encoded; in properties ``:`` and ``,`` too. Paths are made relative to the repository
(the git root of the current folder, or ``--root``) so the annotation lands on the pull request's
diff: an addon path of the log (``/mnt/extra-addons/my_module/tests/x.py``) becomes the path of that
file in the checkout (``my_module/tests/x.py``, or ``addons/my_module/tests/x.py``) when the
checkout has it.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from pathlib import Path

from logsleuth.report.model import NO_END, CiResult, Report


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


@functools.lru_cache(maxsize=8)
def repository_root(start: str) -> str:
    """The git work tree that holds ``start`` (a ``.git`` folder or file), else ``start`` itself."""
    here = Path(start).resolve()
    for folder in (here, *here.parents):
        if (folder / ".git").exists():
            return str(folder)
    return str(here)


def relative(path: str, root: str | None) -> str:
    """``path`` as the checkout names it: relative to ``root`` (default: the git root of the
    current folder), mapping a path from another machine by the longest tail the checkout has."""
    norm = path.replace("\\", "/")
    base_dir = root if root is not None else repository_root(os.getcwd())
    base = base_dir.replace("\\", "/").rstrip("/") + "/"
    if norm.startswith(base):
        return norm[len(base) :]
    return _in_checkout(norm, base_dir) or norm


@functools.lru_cache(maxsize=4096)
def _in_checkout(norm: str, base_dir: str) -> str | None:
    parts = [p for p in norm.split("/") if p and p != "."]
    top = Path(base_dir)
    for i in range(1, len(parts)):
        tail = "/".join(parts[i:])
        if len(parts) - i < 2:
            break  # a bare file name says nothing about the module
        if (top / tail).is_file():
            return tail
        try:
            nested = [
                p for p in top.glob(f"*/{tail}") if p.is_file() and not p.relative_to(top).parts[0].startswith(".")
            ]
        except (OSError, ValueError):
            nested = []
        if len(nested) == 1:
            return nested[0].relative_to(top).as_posix()
    return None


def _items(report: Report, ci: CiResult, root: str | None) -> list[dict[str, object]]:
    items: list[dict[str, object]] = []
    if report.tests is not None:
        for case in report.tests.failing:
            first = case.message.splitlines()[0] if case.message else case.status
            items.append(
                {
                    "file": relative(case.file, root)
                    if case.file
                    else (relative(case.source, root) if case.source != "-" else "-"),
                    "line": case.file_line if case.file else case.line,
                    "title": f"{case.status.upper()}: {case.name}",
                    "message": f"{first}\n(log line {case.line})",
                }
            )
        if report.tests.crashed:
            items.append({"file": None, "line": None, "title": "Odoo test run crashed", "message": NO_END})
    for rec in ci.failing:
        source = relative(rec.source, root) if rec.source != "-" else rec.source
        items.append({"file": source, "line": rec.line, "title": f"{rec.level} {rec.logger}", "message": rec.message})
    return items


def github(report: Report, ci: CiResult, root: str | None = None) -> str:
    out = []
    for item in _items(report, ci, root):
        props = []
        if item["file"]:
            props.append(f"file={escape_property(str(item['file']))}")
            if item["line"]:
                props.append(f"line={item['line']}")
        props.append(f"title={escape_property(str(item['title']))}")
        out.append(f"::error {','.join(props)}::{escape_data(str(item['message']))}")
    return "\n".join(out) + ("\n" if out else "")


def gitlab(report: Report, ci: CiResult, root: str | None = None) -> str:
    issues = []
    for item in _items(report, ci, root):
        fingerprint = hashlib.sha256(f"{item['file']}:{item['line']}:{item['title']}".encode()).hexdigest()
        issues.append(
            {
                "description": f"{item['title']}: {item['message']}",
                "check_name": "logsleuth",
                "fingerprint": fingerprint,
                "severity": "major",
                "location": {"path": item["file"] or "odoo.log", "lines": {"begin": item["line"] or 1}},
            }
        )
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"

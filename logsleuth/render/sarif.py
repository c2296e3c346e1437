"""SARIF 2.1.0 for GitHub code scanning and GitLab: one result per failing test, per log record
that fails the gate, and one for a run that crashed before its end.

A failing test points at the test's ``file:line`` in the checkout (the same mapping as the
annotations); a log record or a crash points at the log file and its line. Only properties of
the official 2.1.0 schema are used (a test validates against it).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import quote

from logsleuth.render.annotations import relative
from logsleuth.report.model import NO_END, CiResult, Report

RULES = {
    "odoo-test-failure": ("Odoo test failed", "An Odoo test (--test-enable) failed an assertion."),
    "odoo-test-error": ("Odoo test errored", "An Odoo test raised an unexpected exception."),
    "odoo-test-run-crashed": ("Odoo test run crashed", "The test run has no end: it crashed or was cut off."),
    "odoo-log-record": (
        "Odoo log record fails the build",
        "A log record at or above the --fail-on level, not covered by an ignore rule.",
    ),
    "odoo-no-tests": ("No Odoo test ran", "The log holds no test run (is --test-enable missing?)."),
}


def _uri(path: str) -> tuple[str, bool]:
    """A URI reference for ``path`` and whether it is relative to the checkout (%SRCROOT%)."""
    norm = path.replace("\\", "/")
    if os.path.isabs(path) or norm.startswith("/"):
        return Path(path).as_uri() if os.path.isabs(path) else "file://" + quote(norm), False
    return quote(norm), True


def _location(path: str, line: int | None) -> dict[str, Any]:
    uri, in_checkout = _uri(path)
    artifact: dict[str, Any] = {"uri": uri}
    if in_checkout:
        artifact["uriBaseId"] = "%SRCROOT%"
    physical: dict[str, Any] = {"artifactLocation": artifact}
    if line and line > 0:
        physical["region"] = {"startLine": int(line)}
    return {"physicalLocation": physical}


def _result(rule: str, message: str, path: str, line: int | None, key: str) -> dict[str, Any]:
    return {
        "ruleId": rule,
        "ruleIndex": list(RULES).index(rule),
        "level": "error",
        "message": {"text": message or RULES[rule][0]},
        "locations": [_location(path, line)],
        "partialFingerprints": {"logsleuth/v1": hashlib.sha256(key.encode()).hexdigest()[:32]},
    }


def render(report: Report, ci: CiResult, root: str | None = None) -> str:
    results: list[dict[str, Any]] = []
    log = report.sources[0].path if report.sources else "odoo.log"
    log_path = relative(log, root) if log != "-" else "stdin"
    t = report.tests
    if t is not None:
        for case in t.failing:
            first = case.message.splitlines()[0] if case.message else case.status
            text = f"{case.status.upper()}: {case.name} ({case.module or 'odoo'}): {first} (log line {case.line})"
            rule = "odoo-test-failure" if case.status == "fail" else "odoo-test-error"
            if case.file:
                path, line = relative(case.file, root), case.file_line
            else:
                path, line = (relative(case.source, root) if case.source != "-" else "stdin"), case.line
            results.append(_result(rule, text, path, line, f"{rule}:{case.module}:{case.name}"))
        if t.crashed:
            results.append(_result("odoo-test-run-crashed", NO_END, log_path, None, "crash"))
    elif any("no test ran" in r for r in ci.reasons):
        results.append(
            _result("odoo-no-tests", next(r for r in ci.reasons if "no test ran" in r), log_path, None, "no-tests")
        )
    for rec in ci.failing:
        path = relative(rec.source, root) if rec.source != "-" else "stdin"
        results.append(
            _result(
                "odoo-log-record",
                f"{rec.level} {rec.logger}: {rec.message}",
                path,
                rec.line,
                f"{rec.level}:{rec.logger}:{rec.message}",
            )
        )
    sarif = {
        "$schema": "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "logsleuth",
                        "version": report.tool.version,
                        "informationUri": "https://pypi.org/project/odoo-logsleuth/",
                        "rules": [
                            {
                                "id": rid,
                                "name": name.title().replace(" ", ""),
                                "shortDescription": {"text": name},
                                "fullDescription": {"text": full},
                                "defaultConfiguration": {"level": "error"},
                            }
                            for rid, (name, full) in RULES.items()
                        ],
                    }
                },
                "invocations": [
                    {
                        "executionSuccessful": True,
                        "exitCode": 1 if ci.failed else 0,
                        "exitCodeDescription": "; ".join(ci.reasons) if ci.failed else "passed",
                    }
                ],
                "results": results,
            }
        ],
    }
    return json.dumps(sarif, indent=2, ensure_ascii=False) + "\n"

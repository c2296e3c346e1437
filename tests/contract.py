"""The JSON report contract (../shared/report-contract.md) as a JSON Schema, for the tests."""

from __future__ import annotations

INT_OR_NULL = {"type": ["integer", "null"]}
STR_OR_NULL = {"type": ["string", "null"]}
ISO_OR_NULL = {"type": ["string", "null"], "pattern": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}$"}
SEVERITY = {"enum": ["critical", "high", "medium", "low", "info"]}

SCHEMA = {
    "type": "object",
    "required": [
        "schema",
        "tool",
        "sources",
        "summary",
        "lifetimes",
        "findings",
        "shutdown_window_requests",
        "root_causes",
        "tests",
    ],
    "properties": {
        "schema": {"const": 1},
        "tool": {
            "type": "object",
            "required": ["name", "version"],
            "properties": {"name": {"const": "logsleuth"}, "version": {"type": "string"}},
        },
        "sources": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["path", "lines", "bytes"],
                "properties": {"path": {"type": "string"}, "lines": {"type": "integer"}, "bytes": {"type": "integer"}},
            },
        },
        "summary": {
            "type": "object",
            "required": [
                "lines",
                "records",
                "first_timestamp",
                "last_timestamp",
                "lifetimes",
                "warnings",
                "errors",
                "criticals",
                "tracebacks",
            ],
            "properties": {
                k: {"type": "integer", "minimum": 0}
                for k in ("lines", "records", "lifetimes", "warnings", "errors", "criticals", "tracebacks")
            }
            | {"first_timestamp": ISO_OR_NULL, "last_timestamp": ISO_OR_NULL},
        },
        "lifetimes": {
            "type": "array",
            "items": {
                "type": "object",
                "required": [
                    "index",
                    "source",
                    "pid",
                    "worker_pids",
                    "start_line",
                    "end_line",
                    "start",
                    "end",
                    "version",
                    "started_by_banner",
                    "shutdown_line",
                    "end_reason",
                ],
                "properties": {
                    "index": {"type": "integer", "minimum": 1},
                    "source": {"type": "string"},
                    "pid": {"type": "integer"},
                    "worker_pids": {"type": "array", "items": {"type": "integer"}},
                    "start_line": {"type": "integer", "minimum": 1},
                    "end_line": {"type": "integer", "minimum": 1},
                    "start": ISO_OR_NULL,
                    "end": ISO_OR_NULL,
                    "version": STR_OR_NULL,
                    "started_by_banner": {"type": "boolean"},
                    "shutdown_line": INT_OR_NULL,
                    "end_reason": {
                        "enum": ["shutdown", "forced", "reload", "stop-after-init", "crash", "unknown", "end-of-log"]
                    },
                },
            },
        },
        "findings": {
            "type": "array",
            "items": {
                "type": "object",
                "required": [
                    "id",
                    "kind",
                    "severity",
                    "source",
                    "line",
                    "pid",
                    "lifetime",
                    "module",
                    "in_shutdown_window",
                    "exception",
                    "culprit",
                    "occurrences",
                ],
                "properties": {
                    "id": {"type": "string", "pattern": r"^F\d+$"},
                    "kind": {"type": "string"},
                    "severity": SEVERITY,
                    "source": {"type": "string"},
                    "line": {"type": "integer", "minimum": 1},
                    "pid": INT_OR_NULL,
                    "lifetime": INT_OR_NULL,
                    "module": STR_OR_NULL,
                    "in_shutdown_window": {"type": "boolean"},
                    "exception": {
                        "type": ["object", "null"],
                        "required": ["type", "message", "line"],
                        "properties": {"type": STR_OR_NULL, "message": {"type": "string"}, "line": INT_OR_NULL},
                    },
                    "culprit": {
                        "type": ["object", "null"],
                        "required": ["file", "line", "code", "imports"],
                        "properties": {
                            "file": {"type": "string"},
                            "line": {"type": "integer"},
                            "code": STR_OR_NULL,
                            "imports": STR_OR_NULL,
                        },
                    },
                    "occurrences": {"type": "array", "items": {"type": "integer", "minimum": 1}, "minItems": 1},
                },
            },
        },
        "shutdown_window_requests": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["lifetime", "pid", "line", "method", "path", "status"],
                "properties": {
                    "lifetime": {"type": "integer"},
                    "pid": {"type": "integer"},
                    "line": {"type": "integer"},
                    "method": {"type": "string"},
                    "path": {"type": "string"},
                    "status": {"type": "integer"},
                },
            },
        },
        "root_causes": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["rank", "title", "severity", "category", "finding_ids", "evidence_lines", "fix", "verify"],
                "properties": {
                    "rank": {"type": "integer", "minimum": 1},
                    "title": {"type": "string"},
                    "severity": SEVERITY,
                    "category": {
                        "enum": [
                            "timing",
                            "design",
                            "dependency",
                            "configuration",
                            "database",
                            "error-handling",
                            "ux",
                            "resources",
                            "test",
                            "http",
                            "runtime",
                        ]
                    },
                    "finding_ids": {"type": "array", "items": {"type": "string"}},
                    "evidence_lines": {"type": "array", "items": {"type": "integer"}},
                    "fix": {"type": "string"},
                    "verify": {"type": "array", "items": {"type": "string"}},
                },
            },
        },
        "tests": {
            "type": ["object", "null"],
            "required": ["total", "passed", "failed", "errors", "skipped", "cases"],
            "properties": {
                "cases": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["name", "module", "status", "line", "message", "file", "file_line"],
                        "properties": {"status": {"enum": ["pass", "fail", "error", "skip"]}},
                    },
                }
            },
        },
    },
}

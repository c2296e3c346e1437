"""Property-based tests: Odoo-like logs with random interleaving, truncation, garbage and cut
tracebacks. A bounded number of examples runs in CI; set LOGSLEUTH_FUZZ_EXAMPLES for a deeper run."""

from __future__ import annotations

import itertools
import json
import os
from pathlib import Path

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contract import SCHEMA
from logsleuth.analysis.patterns import load_patterns
from logsleuth.analysis.pipeline import scan
from logsleuth.reading.records import parse_records
from logsleuth.reading.sources import Source
from logsleuth.render.json import report_dict
from logsleuth.report.build import build_report

pytestmark = pytest.mark.slow  # about two minutes: the whole suite (CI) runs it, `-m "not slow"` does not

EXAMPLES = int(os.environ.get("LOGSLEUTH_FUZZ_EXAMPLES", "1000"))
PATTERNS = load_patterns()
FUZZ = settings(
    max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)

LOGGERS = [
    "odoo",
    "odoo.service.server",
    "odoo.modules.module",
    "odoo.modules.loading",
    "odoo.http",
    "werkzeug",
    "odoo.addons.sale.models.sale_order",
    "odoo.sql_db",
    "odoo.modules.registry",
    "py.warnings",
    "odoo.service.model",
    "odoo.addons.sale.tests.test_sale",
]
MESSAGES = [
    "Odoo version 17.0",
    "Initiating shutdown",
    "Hit CTRL-C again or send a second signal to force the shutdown.",
    "Stopping gracefully",
    "Initiating server reload",
    "Couldn't load module sale_x",
    "Failed to load registry",
    "Exception during request handling.",
    "Worker WorkerHTTP ({pid}) alive",
    "Worker ({pid}) exiting. request_count: 1, registry count: 1.",
    '127.0.0.1 - - [01/Jan/2025 10:00:00] "GET /web HTTP/1.1" {status} - 3 0.001 0.002',
    "Modules loaded.",
    "bad query: SELECT 1",
    "Evented Service (longpolling) running on 0.0.0.0:8072",
    "HTTP service (werkzeug) running on 0.0.0.0:8069",
    "FAIL: TestX.test_y",
    "1 failed, 0 error(s) of 3 tests when loading database 'db'",
    "Some modules are not loaded, some dependencies or manifest may be missing: ['x']",
    "Starting post tests",
    "1 post-tests in 0.31s, 40 queries",
    "Starting TestX.test_y ...",
    "SERIALIZATION_FAILURE, 4 tries left, try again in 0.5320 sec...",
    "Stopping forcefully",
]
TRACEBACK = [
    "Traceback (most recent call last):",
    '  File "/opt/odoo/odoo/modules/module.py", line 384, in load_openerp_module',
    "    __import__(qualname)",
    '  File "/mnt/extra-addons/sale_x/__init__.py", line 1, in <module>',
    "    from . import models",
    '  File "/mnt/extra-addons/sale_x/models/x.py", line 2, in <module>',
    "    import pandas",
    "ModuleNotFoundError: No module named 'pandas'",
]
RAW = [
    "Exception in thread odoo.service.cron.cron0:",
    "Forced shutdown.",
    "Running as user 'root' is a security risk.",
    "nohup: ignoring input",
]


@st.composite
def log_lines(draw) -> list[str]:
    pids = draw(st.lists(st.sampled_from([1, 7, 101, 102, 4242]), min_size=1, max_size=4))
    lines: list[str] = []
    second = 0
    for _ in range(draw(st.integers(0, 60))):
        kind = draw(st.integers(0, 9))
        second += draw(st.integers(-2, 5))  # clocks go backwards too
        pid = draw(st.sampled_from(pids))
        if kind <= 5:
            msg = draw(st.sampled_from(MESSAGES)).format(pid=pid, status=draw(st.sampled_from([200, 500, 101])))
            level = draw(st.sampled_from(["INFO", "INFO", "WARNING", "ERROR", "CRITICAL", "DEBUG"]))
            ts = f"2025-01-01 10:{(second // 60) % 60:02d}:{second % 60:02d},{draw(st.integers(0, 999)):03d}"
            lines.append(
                f"{ts} {pid} {level} {draw(st.sampled_from(['?', 'db', 'None']))} {draw(st.sampled_from(LOGGERS))}: {msg} "
            )
        elif kind == 6:
            lines.extend(TRACEBACK[: draw(st.integers(1, len(TRACEBACK)))])  # cut anywhere
        elif kind == 7:
            lines.append(draw(st.sampled_from(RAW)))
        elif kind == 8:
            lines.append(
                draw(
                    st.text(
                        alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r"), max_size=80
                    )
                )
            )
        else:
            lines.append("")
    return lines


def _write(tmp: Path, name: str, lines: list[str], truncate: int | None = None) -> str:
    data = ("\n".join(lines) + ("\n" if lines else "")).encode("utf-8", "replace")
    if truncate is not None:
        data = data[:truncate]
    path = tmp / name
    path.write_bytes(data)
    return str(path)


@FUZZ
@given(lines=log_lines(), cut=st.one_of(st.none(), st.integers(0, 5000)))
def test_invariants(tmp_path_factory, lines, cut):
    tmp = tmp_path_factory.mktemp("fuzz")
    path = _write(tmp, "odoo.log", lines, cut)
    total = sum(1 for _ in open(path, "rb"))
    records = list(parse_records([Source(path)]))
    covered = [n for r in records for n in range(r.first_line, r.last_line + 1)]
    assert covered == list(range(1, total + 1)), "every line in exactly one record, in order"
    result = scan([path], PATTERNS)
    data = json.loads(json.dumps(report_dict(build_report(result))))
    jsonschema.validate(data, SCHEMA)
    by_pid: dict[int, list[tuple[int, int]]] = {}
    for lt in data["lifetimes"]:
        assert lt["start_line"] <= lt["end_line"]
        by_pid.setdefault(lt["pid"], []).append((lt["start_line"], lt["end_line"]))
    for spans in by_pid.values():
        spans.sort()
        assert all(a[1] < b[0] for a, b in itertools.pairwise(spans)), "lifetimes of one PID must not overlap"
    for f in data["findings"]:
        assert all(1 <= n <= total for n in f["occurrences"])


@FUZZ
@given(lines=log_lines(), split=st.integers(0, 100))
def test_rotated_halves_equal_the_whole(tmp_path_factory, lines, split):
    headers = [i for i, ln in enumerate(lines) if ln[:2] == "20" and " " in ln]
    if not headers:
        return
    at = headers[split % len(headers)]
    tmp = tmp_path_factory.mktemp("rot")
    whole = _write(tmp, "whole.log", lines)
    _write(tmp, "odoo.log.1", lines[:at])
    _write(tmp, "odoo.log", lines[at:])

    def shape(paths):
        d = report_dict(build_report(scan(paths, PATTERNS)))
        findings = sorted(
            ((f["kind"], f["module"], (f["exception"] or {}).get("type"), f["count"]) for f in d["findings"]), key=str
        )
        lifetimes = [
            (lt["pid"], lt["version"], lt["end_reason"], lt["shutdown_line"] is not None) for lt in d["lifetimes"]
        ]
        return findings, lifetimes, d["summary"]["records"] - (1 if at == 0 else 0)

    rotated = shape([str(tmp / "odoo.log"), str(tmp / "odoo.log.1")])
    assert shape([whole])[:2] == rotated[:2]

"""Test runs (``--test-enable``): test starts, failures, errors, skips and the run's own summary.

Wording covered: 13–19 ``Starting Class.method ...``, ``FAIL:``/``ERROR:`` records with their
traceback, ``skipped … : reason``; summaries ``N failed, M error(s) of K tests when loading
database 'db'`` (logger ``odoo.tests.runner`` in 14/15, ``odoo.tests.result`` in 16+),
per-module ``Module m: F failures, E errors of T tests`` (older: without ``of T tests``), and the
unittest runner's ``Ran N tests`` / ``FAILED (failures=F, errors=E)`` of ≤12.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from logsleuth.records import Record
from logsleuth.tracebacks import parse_traceback

MAX_CASES = 50000

_TEST_LOGGER = re.compile(r"^(?:odoo|openerp)\.addons\.(?P<module>\w+)\.tests?\b")
_START = re.compile(r"^Starting (?P<name>\S+) \.\.\.")
_OUTCOME = re.compile(r"^(?P<kind>FAIL|ERROR): (?P<name>.+?)\s*$")
_SKIP = re.compile(r"^skipped (?P<name>\S+)(?: : ?(?P<reason>.*))?")
_SUMMARY = re.compile(r"^(?P<failed>\d+) failed, (?P<errors>\d+) error\(s\) of (?P<total>\d+) tests when loading database '?(?P<db>[^']*)'?")
_MODULE_RESULT = re.compile(r"^Module (?P<module>\S+): (?P<failed>\d+) failures, (?P<errors>\d+) errors(?: of (?P<total>\d+) tests)?")
_RAN = re.compile(r"^Ran (?P<total>\d+) tests? in ")
_UNITTEST_FAILED = re.compile(r"^FAILED \((?:failures=(?P<failed>\d+))?(?:, )?(?:errors=(?P<errors>\d+))?")
_RUN_MARKERS = re.compile(r"^Starting post tests$|^\d+ post-tests in |^All post-tested in |^running tests\.?$|Importing test framework")
_SETUP = re.compile(r"^(?P<what>setUpClass|tearDownClass|setUpModule|tearDownModule) \((?P<path>[\w.]+)\)")


@dataclass
class TestCase:
    name: str
    module: str | None
    status: str
    """``pass``, ``fail``, ``error`` or ``skip``."""
    source: str
    line: int
    message: str = ""
    file: str | None = None
    file_line: int | None = None
    traceback: str = ""


@dataclass
class Summary:
    failed: int
    errors: int
    total: int
    db: str
    source: str
    line: int


@dataclass
class TestCollector:
    """Collects test outcomes from the record stream (bounded by ``MAX_CASES``)."""

    cases: dict[tuple[str, str], TestCase] = field(default_factory=dict)
    summaries: list[Summary] = field(default_factory=list)
    module_results: list[tuple[str, int, int, int | None, str, int]] = field(default_factory=list)
    detected: bool = False
    ran_total: int = 0
    unittest_failed: tuple[int, int] | None = None
    last_line: tuple[str, int] | None = None

    def feed(self, rec: Record) -> None:
        logger = rec.logger or ""
        if logger == "werkzeug":
            return
        msg = rec.message
        tm = _TEST_LOGGER.match(logger)
        if tm is not None:
            self._test_record(rec, tm.group("module"))
            return
        if logger.startswith(("odoo.tests", "openerp.tests")):
            sm = _SUMMARY.match(msg)
            if sm:
                self.detected = True
                self.summaries.append(Summary(
                    int(sm.group("failed")), int(sm.group("errors")), int(sm.group("total")),
                    sm.group("db"), rec.source, rec.first_line,
                ))
                return
        if logger.startswith(("odoo.modules", "openerp.modules")):
            mm = _MODULE_RESULT.match(msg)
            if mm:
                self.detected = True
                total = mm.group("total")
                self.module_results.append((
                    mm.group("module"), int(mm.group("failed")), int(mm.group("errors")),
                    int(total) if total else None, rec.source, rec.first_line,
                ))
                return
        if _RUN_MARKERS.search(msg) and (logger.startswith(("odoo.service", "odoo.tests", "openerp"))):
            self.detected = True
            self.last_line = (rec.source, rec.first_line)

    def _test_record(self, rec: Record, module: str) -> None:
        msg = rec.message
        self.detected = True
        self.last_line = (rec.source, rec.first_line)
        m = _START.match(msg)
        if m:
            self._case(m.group("name"), module, rec, "pass")
            return
        m = _OUTCOME.match(msg)
        if m and rec.level in ("ERROR", "CRITICAL"):
            name = m.group("name")
            setup = _SETUP.match(name)
            if setup:
                name = f"{setup.group('path').rsplit('.', 1)[-1]}.{setup.group('what')}"
            case = self._case(name, module, rec, "fail" if m.group("kind") == "FAIL" else "error")
            case.line, case.source = rec.first_line, rec.source
            self._explain(case, rec, module)
            return
        m = _SKIP.match(msg)
        if m:
            case = self._case(m.group("name"), module, rec, "skip")
            case.message = (m.group("reason") or "").strip()
            return
        m = _RAN.match(msg)
        if m:
            self.ran_total += int(m.group("total"))
            return
        m = _UNITTEST_FAILED.match(msg)
        if m:
            f, e = self.unittest_failed or (0, 0)
            self.unittest_failed = (f + int(m.group("failed") or 0), e + int(m.group("errors") or 0))

    def _case(self, name: str, module: str, rec: Record, status: str) -> TestCase:
        key = (module, name)
        case = self.cases.get(key)
        if case is None:
            case = TestCase(name, module, status, rec.source, rec.first_line)
            if len(self.cases) < MAX_CASES:
                self.cases[key] = case
        elif status != "pass":
            case.status = status
        return case

    @staticmethod
    def _explain(case: TestCase, rec: Record, module: str) -> None:
        lines, first = rec.body
        tb = parse_traceback(lines, first)
        case.traceback = "\n".join(lines[:200])
        if tb is None:
            case.message = "\n".join(x for x in lines[:3] if x.strip())
            return
        block = tb.final
        case.message = f"{block.type}: {block.message}" if block.message else (block.type or "")
        frames = block.frames
        in_tests = [f for f in frames if re.search(r"[/\\]tests?[/\\]", f.file) and (f.module == module or f.kind == "addon")]
        frame = (in_tests or [f for f in frames if f.kind == "addon"] or frames or [None])[-1]
        if frame is not None:
            case.file, case.file_line = frame.file, frame.line


@dataclass
class TestRun:
    """The test outcome of a log: counts follow the log's own summary lines when present."""

    total: int
    passed: int
    failed: int
    errors: int
    skipped: int
    cases: list[TestCase]
    summary_found: bool
    summaries: list[Summary]
    module_results: list[tuple[str, int, int, int | None, str, int]]

    @property
    def crashed(self) -> bool:
        return not self.summary_found

    @property
    def failing(self) -> list[TestCase]:
        return [c for c in self.cases if c.status in ("fail", "error")]


def build_test_run(collector: TestCollector) -> TestRun | None:
    if not collector.detected:
        return None
    cases = list(collector.cases.values())
    failed = sum(c.status == "fail" for c in cases)
    errors = sum(c.status == "error" for c in cases)
    skipped = sum(c.status == "skip" for c in cases)
    total = len(cases)
    summary_found = bool(collector.summaries)
    if collector.summaries:
        failed = sum(s.failed for s in collector.summaries)
        errors = sum(s.errors for s in collector.summaries)
        total = sum(s.total for s in collector.summaries)
    elif collector.module_results and all(m[3] is not None for m in collector.module_results):
        summary_found = False
    elif collector.ran_total:
        total = collector.ran_total
        summary_found = True
        if collector.unittest_failed:
            failed, errors = collector.unittest_failed
    passed = max(total - failed - errors - skipped, 0)
    return TestRun(total, passed, failed, errors, skipped, cases, summary_found, collector.summaries, collector.module_results)

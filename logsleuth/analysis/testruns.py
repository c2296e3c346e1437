"""Test runs (``--test-enable``): test starts, failures, errors, skips and the run's own summary.

Wording covered: 13–19 ``Starting Class.method ...``, ``FAIL:``/``ERROR:`` records with their
traceback, ``skipped … : reason``; summaries ``N failed, M error(s) of K tests when loading
database 'db'`` (logger ``odoo.tests.runner`` in 14/15, ``odoo.tests.result`` in 16+),
per-module ``Module m: F failures, E errors of T tests`` (older: without ``of T tests``), and the
unittest runner's ``Ran N tests`` / ``FAILED (failures=F, errors=E)`` of ≤12.

A prefork run (``workers > 0``) logs no final summary: whether it finished, and its counts, come
from the rest of the evidence (per-module results, ``Modules loaded.`` / ``At least one test failed
when loading the modules.``, the post-tests line, ``odoo.tests.stats`` and a graceful stop).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from logsleuth.analysis.tracebacks import parse_traceback
from logsleuth.reading.records import Record, Wants, logger_regex, parse_timestamp

MAX_CASES = 50000

_TEST_LOGGER = re.compile(r"^(?:odoo|openerp)\.addons\.(?P<module>\w+)\.tests?\b")
_START = re.compile(r"^Starting (?P<name>\S+) \.\.\.")
_OUTCOME = re.compile(r"^(?P<kind>FAIL|ERROR): (?P<name>.+?)\s*$")
_SKIP = re.compile(r"^skipped (?P<name>\S+)(?: : ?(?P<reason>.*))?")
_SUMMARY = re.compile(
    r"^(?P<failed>\d+) failed, (?P<errors>\d+) error\(s\) of (?P<total>\d+) tests when loading database '?(?P<db>[^']*)'?"
)
_MODULE_RESULT = re.compile(
    r"^Module (?P<module>\S+): (?P<failed>\d+) failures, (?P<errors>\d+) errors(?: of (?P<total>\d+) tests)?"
)
_RAN = re.compile(r"^Ran (?P<total>\d+) tests? in ")
_UNITTEST_FAILED = re.compile(r"^FAILED \((?:failures=(?P<failed>\d+))?(?:, )?(?:errors=(?P<errors>\d+))?")
_RUN_MARKERS = re.compile(
    r"^Starting post tests$|^\d+ post-tests in |^All post-tested in |^running tests\.?$|Importing test framework"
)
_POST_DONE = re.compile(r"^\d+ post-tests in |^All post-tested in ")
_LOADING_DONE = re.compile(r"^(?P<failed>At least one test failed when loading the modules)\.?$|^Modules loaded\.?$")
_STATS = re.compile(
    r"^(?P<module>[\w.]+): (?P<tests>\d+) tests? (?P<seconds>\d+(?:\.\d+)?)s(?: (?P<queries>\d+) queries)?"
)
_DETAILED = re.compile(r"^\s*(?P<name>[\w.]+): (?P<seconds>\d+(?:\.\d+)?)s")
_MODULE_LOADED = re.compile(
    r"^Module (?P<module>\S+) loaded in \d+(?:\.\d+)?s \(incl\. (?P<test>\d+(?:\.\d+)?)s test\)"
)
_GRACEFUL = re.compile(r"^(?:Stopping gracefully|Stopping workers gracefully)$")
"""Prefork stops (they log no summary). A threaded ``Initiating shutdown`` is no evidence: a
threaded run that finished logs its summary first, one whose registry failed stops all the same."""
_FORCED = re.compile(r"^(?:Forced shutdown\.?|Stopping forcefully)$")
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
    started: datetime | None = None
    ended: datetime | None = None
    seconds: float | None = None
    """Duration: from ``odoo.tests.stats``' detailed report, else between the test's own records."""
    unnamed: bool = False
    """A failure known only from a summary line (no per-test record names it)."""


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
    stats: dict[str, tuple[int, float]] = field(default_factory=dict)
    """``odoo.tests.stats``: module → (tests, seconds)."""
    detailed: dict[str, float] = field(default_factory=dict)
    module_test_seconds: dict[str, float] = field(default_factory=dict)
    loading_failed: tuple[str, int] | None = None
    modules_loaded: bool = False
    post_started: bool = False
    post_done: bool = False
    stopped: str | None = None
    """``graceful`` or ``forced``: how the process stopped after the tests."""
    first_stop: str | None = None
    load_failed: bool = False
    """The first stop seen at all (a byte range of a split file may see it before any test)."""
    _open: dict[object, TestCase] = field(default_factory=dict)

    wants = Wants(
        loggers=tuple((None, logger_regex(prefix=x), None) for x in ("odoo.tests", "odoo.modules", "openerp"))
        + (
            (
                None,
                logger_regex(prefix="odoo.service"),
                "|".join(rx.pattern for rx in (_RUN_MARKERS, _POST_DONE, _GRACEFUL, _FORCED)),
            ),
            (frozenset({"CRITICAL"}), logger_regex(prefix="odoo.service"), None),
            (None, r"^(?:odoo|openerp)\.addons\.[^.]+\.test", None),
        )
    )
    """The records ``feed`` looks at beyond the open test's end time: those of the test loggers
    (a superset of _TEST_LOGGER), and of ``odoo.service`` its markers and CRITICAL records only
    (its RPC retries, ``SERIALIZATION_FAILURE, 3 tries left``, are many on a busy server)."""

    def feed_routine(self, run) -> None:
        """Records of other loggers only move the end of the test their process runs."""
        if self._open:
            for pid, _db, logger, _level, _n, _first, _last, last_time, _msg, _index in sorted(
                run.groups, key=lambda g: g[9]
            ):
                if logger != "werkzeug" and pid in self._open:
                    self._open[pid].ended = parse_timestamp(last_time)

    def feed(self, rec: Record) -> None:
        logger = rec.logger or ""
        if logger == "werkzeug":
            return
        msg = rec.message
        if self._open and rec.pid in self._open and rec.timestamp is not None:
            self._open[rec.pid].ended = rec.time
        if logger.startswith("odoo.tests.stats"):
            self._stats(rec)
            return
        if logger.startswith(("odoo.service", "openerp.service")):
            if _POST_DONE.match(msg):
                self.detected = True
                self.post_done = True
                self._open.pop(rec.pid, None)
            elif msg == "Starting post tests":
                self.post_started = True
            elif _GRACEFUL.match(msg):
                self.first_stop = self.first_stop or "graceful"
                if self.detected and self.stopped is None:
                    self.stopped = "graceful"
            elif _FORCED.match(msg):
                self.first_stop = self.first_stop or "forced"
                if self.detected:
                    self.stopped = "forced"
        if (
            self.detected
            and rec.level == "CRITICAL"
            and logger.startswith(("odoo.service", "odoo.modules", "openerp."))
        ):
            self.load_failed = True  # "Failed to initialize database": a stop after it is no end of the tests
        if logger.startswith(("odoo.modules", "openerp.modules")):
            lm = _LOADING_DONE.match(msg)
            if lm and (self.detected or lm.group("failed")):
                self.detected = True
                self.modules_loaded = True
                self._open.pop(rec.pid, None)
                if lm.group("failed"):
                    self.loading_failed = (rec.source, rec.first_line)
                return
            tm_ = _MODULE_LOADED.match(msg)
            if tm_:
                self.module_test_seconds[tm_.group("module")] = float(tm_.group("test"))
                self._open.pop(rec.pid, None)
        tm = _TEST_LOGGER.match(logger) if ".test" in logger else None  # the regex's tell, tested first
        if tm is not None:
            self._test_record(rec, tm.group("module"))
            return
        if logger.startswith(("odoo.tests", "openerp.tests")):
            sm = _SUMMARY.match(msg)
            if sm:
                self.detected = True
                self.summaries.append(
                    Summary(
                        int(sm.group("failed")),
                        int(sm.group("errors")),
                        int(sm.group("total")),
                        sm.group("db"),
                        rec.source,
                        rec.first_line,
                    )
                )
                return
        if logger.startswith(("odoo.modules", "openerp.modules")):
            mm = _MODULE_RESULT.match(msg)
            if mm:
                self.detected = True
                total = mm.group("total")
                self.module_results.append(
                    (
                        mm.group("module"),
                        int(mm.group("failed")),
                        int(mm.group("errors")),
                        int(total) if total else None,
                        rec.source,
                        rec.first_line,
                    )
                )
                return
        if logger.startswith(("odoo.service", "odoo.tests", "openerp")) and _RUN_MARKERS.search(msg):
            self.detected = True
            self.last_line = (rec.source, rec.first_line)

    def _stats(self, rec: Record) -> None:
        msg = rec.message
        m = _STATS.match(msg)
        if m:
            self.detected = True
            self.stats[m.group("module")] = (int(m.group("tests")), float(m.group("seconds")))
            return
        if msg.startswith("Detailed Tests Report"):
            self.detected = True
            for line in rec.continuation:
                d = _DETAILED.match(line)
                if d:
                    self.detailed[d.group("name")] = float(d.group("seconds"))

    def _test_record(self, rec: Record, module: str) -> None:
        msg = rec.message
        self.detected = True
        self.last_line = (rec.source, rec.first_line)
        m = _START.match(msg)
        if m:
            case = self._case(m.group("name"), module, rec, "pass")
            if case.started is None and rec.timestamp is not None:
                case.started = case.ended = rec.time
            self._open[rec.pid] = case
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
        in_tests = [
            f for f in frames if re.search(r"[/\\]tests?[/\\]", f.file) and (f.module == module or f.kind == "addon")
        ]
        candidates = in_tests or [f for f in frames if f.kind == "addon"] or frames
        frame = candidates[-1] if candidates else None
        if frame is not None:
            case.file, case.file_line = frame.file, frame.line

    def merge(self, other: TestCollector) -> None:
        """Take in the test run of another stream (``--jobs``)."""
        a, b = self, other
        for key, case in b.cases.items():
            a.cases.setdefault(key, case)
        a.summaries.extend(b.summaries)
        a.module_results.extend(b.module_results)
        if a.detected and not b.detected and b.first_stop and a.stopped is None:
            a.stopped = b.first_stop
        a.first_stop = a.first_stop or b.first_stop
        a.detected |= b.detected
        a.stats.update(b.stats)
        a.detailed.update(b.detailed)
        a.module_test_seconds.update(b.module_test_seconds)
        a.loading_failed = a.loading_failed or b.loading_failed
        a.modules_loaded |= b.modules_loaded
        a.load_failed |= b.load_failed
        a.post_started |= b.post_started
        a.post_done |= b.post_done
        if b.stopped == "forced" or (b.stopped and a.stopped is None):
            a.stopped = b.stopped
        a.ran_total += b.ran_total
        if b.unittest_failed:
            f, e = a.unittest_failed or (0, 0)
            a.unittest_failed = (f + b.unittest_failed[0], e + b.unittest_failed[1])


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
        """It crashed or was cut off: no evidence that it reached its end."""
        return not self.finished

    @property
    def failing(self) -> list[TestCase]:
        return [c for c in self.cases if c.status in ("fail", "error")]

    finished: bool = True
    """The run reached its end (its summary, the post tests, the statistics or a graceful stop)."""
    evidence: list[str] = field(default_factory=list)
    """What the verdict rests on, in words."""
    suite_seconds: dict[str, float] = field(default_factory=dict)


MAX_UNNAMED = 100


def build_test_run(collector: TestCollector) -> TestRun | None:
    if not collector.detected:
        return None
    cases = list(collector.cases.values())
    for case in cases:
        if case.started is not None and case.ended is not None:
            case.seconds = round(max((case.ended - case.started).total_seconds(), 0.0), 3)
        if case.module:
            exact = collector.detailed.get(f"{case.module}.{case.name}")
            if exact is not None:
                case.seconds = exact
    evidence: list[str] = []
    summaries = collector.summaries
    if summaries:
        evidence.append("the run's final summary line")
    if collector.post_done:
        evidence.append("the post-tests line")
    if collector.stats:
        evidence.append("the odoo.tests.stats counts")
    if collector.stopped == "graceful" and not collector.load_failed:
        evidence.append("a graceful stop after the tests")
    legacy = bool(collector.ran_total) and not any(m[3] is not None for m in collector.module_results)
    if legacy:
        evidence.append("the unittest runner's 'Ran N tests' line")
    finished = bool(evidence)  # a forced stop is no evidence: it may have cut the tests short

    # failures and errors: the summary line when there is one, else each module's own result
    # or its named tests, whichever says more
    named: dict[tuple[str | None, str], int] = {}
    for c in cases:
        if c.status in ("fail", "error"):
            named[(c.module, c.status)] = named.get((c.module, c.status), 0) + 1
    by_module: dict[str, tuple[int, int, int | None, str, int]] = {}
    for module, f, e, total, src, line in collector.module_results:
        pf, pe, pt, _, _ = by_module.get(module, (0, 0, None, src, line))
        by_module[module] = (pf + f, pe + e, (pt or 0) + total if total is not None else pt, src, line)
    unnamed: list[TestCase] = []

    def add_unnamed(module: str | None, status: str, count: int, message: str, src: str, line: int) -> None:
        for i in range(min(count, MAX_UNNAMED - len(unnamed))):
            word = "failure" if status == "fail" else "error"
            unnamed.append(
                TestCase(f"unnamed {word} {i + 1} of {count}", module, status, src, line, message=message, unnamed=True)
            )

    for module, (f, e, _, src, line) in by_module.items():
        msg = f"Module {module}: {f} failures, {e} errors (line {line}); no per-test record names it"
        add_unnamed(module, "fail", f - named.get((module, "fail"), 0), msg, src, line)
        add_unnamed(module, "error", e - named.get((module, "error"), 0), msg, src, line)
    known = cases + unnamed
    failed = sum(c.status == "fail" for c in known)
    errors = sum(c.status == "error" for c in known)
    if summaries:
        s_failed = sum(s.failed for s in summaries)
        s_errors = sum(s.errors for s in summaries)
        last = summaries[-1]
        msg = f"{s_failed} failed, {s_errors} error(s) of {sum(s.total for s in summaries)} tests (line {last.line}); no per-test record names it"
        add_unnamed(None, "fail", s_failed - failed, msg, last.source, last.line)
        add_unnamed(None, "error", s_errors - errors, msg, last.source, last.line)
        failed, errors = s_failed, s_errors
    elif collector.unittest_failed and legacy:
        failed, errors = max(failed, collector.unittest_failed[0]), max(errors, collector.unittest_failed[1])
    if collector.loading_failed and not failed and not errors:
        src, line = collector.loading_failed
        add_unnamed(
            None,
            "fail",
            1,
            f"At least one test failed when loading the modules (line {line}); no per-test record names it",
            src,
            line,
        )
        failed = 1
    cases = cases + unnamed
    skipped = sum(c.status == "skip" for c in cases)
    named_tests = sum(not c.unnamed for c in cases)
    if summaries:
        total = sum(s.total for s in summaries)
    elif collector.stats:
        # odoo.tests.stats counts every timed entry: each test, and each class's setUpClass and
        # tearDownClass (OdooSuite collects their stats too): 12 tests in 2 classes log "16 tests".
        # The tests that started are the count when the log names them; the statistics only
        # when it does not.
        total = named_tests or sum(n for n, _ in collector.stats.values())
    elif by_module and all(t is not None for _, _, t, _, _ in by_module.values()):
        total = max(named_tests, sum(t or 0 for _, _, t, _, _ in by_module.values()))
    elif legacy:
        total = collector.ran_total
    else:
        total = named_tests
    total = max(total, failed + errors + skipped)
    passed = max(total - failed - errors - skipped, 0)
    suite_seconds = {m: secs for m, (_, secs) in collector.stats.items()}
    for m, secs in collector.module_test_seconds.items():
        suite_seconds.setdefault(m, secs)
    if collector.stopped == "forced":
        evidence.append("a forced stop")
    return TestRun(
        total,
        passed,
        failed,
        errors,
        skipped,
        cases,
        bool(summaries),
        summaries,
        collector.module_results,
        finished,
        evidence,
        suite_seconds,
    )

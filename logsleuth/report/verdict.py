"""The CI verdict: whether a build fails, from the gate's records and the test run's facts."""

from __future__ import annotations

from dataclasses import dataclass

from logsleuth.analysis.gate import Gate
from logsleuth.report.model import NO_END, Tests


@dataclass
class Verdict:
    failed: bool
    reasons: list[str]


def decide(gate: Gate, tests: Tests | None) -> Verdict:
    reasons = []
    if gate.odoo_records == 0 and gate.config.err_if_empty:
        reasons.append("the log holds no Odoo record (empty, or not an Odoo log)")
    if tests is None or (tests.total == 0 and not tests.crashed):
        if not gate.config.allow_no_tests and gate.odoo_records:
            reasons.append(
                "no test ran (is --test-enable missing?); --allow-no-tests if that is expected"
                if tests is None
                else "the test run ran 0 tests; --allow-no-tests if that is expected"
            )
    if tests is not None:
        if tests.failed or tests.errors:
            reasons.append(f"{tests.failed} test(s) failed and {tests.errors} errored")
        if tests.crashed:
            reasons.append(NO_END)
        if tests.skipped and gate.config.fail_on_skipped:
            reasons.append(f"{tests.skipped} test(s) were skipped")
    if gate.failing_total:
        reasons.append(
            f"{gate.failing_total} log record(s) at {gate.config.fail_on} or above are not covered by an ignore rule"
        )
    return Verdict(bool(reasons), reasons)

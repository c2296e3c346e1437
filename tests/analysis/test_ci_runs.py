"""`logsleuth ci` on faithful reproductions of Odoo 16, 17 and 18 test runs (tests/fixtures/testruns):
threaded (workers = 0: a final summary line) and prefork (workers > 0: none), passing, failing,
crashed and cut off. The verdict comes from all the evidence the log holds."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
import xmlschema

from helpers import run_cli, write_log

FIXTURES = Path(__file__).parents[1] / "fixtures"
RUNS = FIXTURES / "testruns"
JUNIT = xmlschema.XMLSchema(str(FIXTURES / "junit.xsd"))
SARIF_SCHEMA = json.loads((FIXTURES / "sarif" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))

EXPECTED = {
    # outcome: (exit code, total, failed, crashed)
    "pass": (0, 3, 0, False),
    "fail": (1, 3, 1, False),
    "crash": (1, 2, 0, True),
    "cutoff": (1, 2, 0, True),
}
CASES = [(v, m, o) for v in ("16", "17", "18") for m in ("threaded", "prefork") for o in EXPECTED]


@pytest.mark.parametrize("version,mode,outcome", CASES, ids=[f"{v}-{m}-{o}" for v, m, o in CASES])
def test_verdict_counts_junit_and_sarif(tmp_path, capsys, version, mode, outcome):
    log = str(RUNS / f"odoo{version}_{mode}_{outcome}.log")
    junit, sarif = tmp_path / "junit.xml", tmp_path / "out.sarif"
    code, out, _ = run_cli(["ci", log, "--junit", str(junit), "--sarif", str(sarif)], capsys)
    want_code, total, failed, crashed = EXPECTED[outcome]
    assert code == want_code, out
    assert f"tests: {total} total, {total - failed} passed, {failed} failed" in out
    assert ("crashed or was cut off" in out) is crashed
    if outcome == "pass":
        assert out.rstrip().endswith("verdict: passed")
    JUNIT.validate(str(junit))
    root = ET.parse(junit).getroot()
    assert root.get("failures") == str(failed)
    crash_cases = root.findall(".//testcase[@name='test run finished']")
    assert len(crash_cases) == int(crashed), "a finished run must never get a 'crashed' case"
    if outcome == "fail":
        (case,) = [c for c in root.iter("testcase") if c.find("failure") is not None]
        assert case.get("name") == "test_cancel" and "test_sale.py:27" in case.find("failure").text
    if outcome in ("pass", "fail"):
        suite = root.find("testsuite[@name='sale_x']")
        assert suite.get("time") == "0.930" and suite.get("timestamp", "").startswith(f"2024-06-0{version[-1]}T09:00:")
        assert all(c.get("time") is not None for c in suite.iter("testcase"))
    doc = json.loads(sarif.read_text())
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(doc)
    rules = [r["ruleId"] for r in doc["runs"][0]["results"]]
    assert rules.count("odoo-test-failure") == failed and rules.count("odoo-test-run-crashed") == int(crashed)


@pytest.mark.parametrize("version", ["16", "17", "18"])
def test_prefork_passing_run_is_green_and_counted_from_stats(tmp_path, capsys, version):
    """The report's case: no final summary, `odoo.tests.stats` and `Stopping gracefully` (exit status 0)."""
    code, out, _ = run_cli(["ci", str(RUNS / f"odoo{version}_prefork_pass.log"), "-f", "json"], capsys)
    data = json.loads(out)
    assert code == 0 and data["ci"] == {**data["ci"], "failed": False, "reasons": []}
    assert data["tests"]["total"] == 3 and data["tests"]["finished"] is True and data["tests"]["summary_found"] is False
    assert "the odoo.tests.stats counts" in data["tests"]["evidence"]


def test_json_format_follows_the_analyze_contract(tmp_path, capsys):
    from contract import SCHEMA

    code, out, _ = run_cli(["ci", str(RUNS / "odoo17_threaded_fail.log"), "--format", "json"], capsys)
    data = json.loads(out)
    jsonschema.validate(data, SCHEMA)
    assert code == 1 and data["ci"]["failed"] is True and data["tests"]["failed"] == 1


H = "2024-06-07 09:00:0{s},000 77 {level} test {logger}: {msg} \n"


def _log(*records: tuple[str, str, str]) -> str:
    return "".join(H.format(s=i % 10, level=lv, logger=lg, msg=m) for i, (lv, lg, m) in enumerate(records))


BANNER = ("INFO", "odoo", "Odoo version 17.0")


def test_a_failure_known_only_from_the_summary_reaches_junit_and_annotations(tmp_path, capsys):
    text = _log(
        BANNER,
        ("INFO", "odoo.addons.sale_x.tests.test_sale", "Starting TestSale.test_a ..."),
        ("ERROR", "odoo.tests.result", "1 failed, 0 error(s) of 1 tests when loading database 'test'"),
    )
    junit = tmp_path / "j.xml"
    code, out, _ = run_cli(["ci", write_log(tmp_path, text), "--junit", str(junit), "--annotations", "github"], capsys)
    assert code == 1 and "1 failed" in out
    root = ET.parse(junit).getroot()
    assert root.get("failures") == "1" and int(root.get("tests")) >= 1
    assert "::error" in out and "unnamed failure 1 of 1" in out


def test_a_failure_known_only_from_the_module_line_in_prefork(tmp_path, capsys):
    text = _log(
        BANNER,
        ("INFO", "odoo.addons.sale_x.tests.test_sale", "Starting TestSale.test_a ..."),
        ("ERROR", "odoo.modules.loading", "Module sale_x: 1 failures, 0 errors of 4 tests"),
        ("ERROR", "odoo.modules.loading", "At least one test failed when loading the modules."),
        ("INFO", "odoo.service.server", "Starting post tests"),
        ("INFO", "odoo.service.server", "0 post-tests in 0.01s, 0 queries"),
        ("INFO", "odoo.service.server", "Stopping gracefully"),
    )
    junit = tmp_path / "j.xml"
    code, out, _ = run_cli(["ci", write_log(tmp_path, text), "--junit", str(junit)], capsys)
    assert code == 1 and "tests: 4 total, 3 passed, 1 failed" in out and "cut off" not in out
    root = ET.parse(junit).getroot()
    assert root.get("failures") == "1" and root.find(".//testcase[@name='test run finished']") is None


def test_a_forced_stop_is_no_end(tmp_path, capsys):
    text = _log(
        BANNER,
        ("INFO", "odoo.addons.sale_x.tests.test_sale", "Starting TestSale.test_a ..."),
        ("INFO", "odoo.service.server", "Forced shutdown."),
    )
    code, out, _ = run_cli(["ci", write_log(tmp_path, text)], capsys)
    assert code == 1 and "crashed or was cut off" in out


def test_no_test_run_fails_unless_allowed(tmp_path, capsys, monkeypatch):
    text = _log(
        BANNER,
        ("INFO", "odoo.modules.loading", "Modules loaded."),
        ("INFO", "odoo.service.server", "Initiating shutdown"),
    )
    log = write_log(tmp_path, text)
    code, out, _ = run_cli(["ci", log], capsys)
    assert code == 1 and "no test ran" in out
    assert run_cli(["ci", log, "--allow-no-tests"], capsys)[0] == 0
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".logsleuth.toml").write_text("allow-no-tests = true\n")
    assert run_cli(["ci", log], capsys)[0] == 0


def test_zero_tests_fail_unless_allowed(tmp_path, capsys):
    text = _log(
        BANNER, ("WARNING", "odoo.tests.result", "0 failed, 0 error(s) of 0 tests when loading database 'test'")
    )
    log = write_log(tmp_path, text)
    code, out, _ = run_cli(["ci", log], capsys)
    assert code == 1 and "ran 0 tests" in out
    assert run_cli(["ci", log, "--allow-no-tests", "--fail-on", "error"], capsys)[0] == 0


def test_annotations_map_addon_paths_to_the_git_checkout(tmp_path, capsys, monkeypatch):
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "addons" / "sale_x" / "tests").mkdir(parents=True)
    (repo / "addons" / "sale_x" / "tests" / "test_sale.py").write_text("# test\n")
    (repo / "docs").mkdir()
    monkeypatch.chdir(repo / "docs")
    log = str(RUNS / "odoo18_prefork_fail.log")
    _, out, _ = run_cli(["ci", log, "--annotations", "github"], capsys)
    assert "::error file=addons/sale_x/tests/test_sale.py,line=27," in out
    (repo / "sale_x" / "tests").mkdir(parents=True)
    (repo / "sale_x" / "tests" / "test_sale.py").write_text("# test\n")
    _, out, _ = run_cli(["ci", log, "--annotations", "github", "--root", str(repo / "sale_x")], capsys)
    assert "::error file=tests/test_sale.py,line=27," in out


def test_a_log_inside_the_checkout_is_named_from_its_root(tmp_path, capsys, monkeypatch):
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "logs").mkdir()
    log = repo / "logs" / "odoo.log"
    log.write_bytes((RUNS / "odoo17_threaded_crash.log").read_bytes())
    monkeypatch.chdir(repo / "logs")
    _, out, _ = run_cli(["ci", str(log), "--annotations", "github"], capsys)
    assert "::error file=logs/odoo.log,line=13,title=CRITICAL odoo.service.server::" in out


def test_sarif_points_at_the_checkout(tmp_path, capsys, monkeypatch):
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "sale_x" / "tests").mkdir(parents=True)
    (repo / "sale_x" / "tests" / "test_sale.py").write_text("# test\n")
    monkeypatch.chdir(repo)
    sarif = tmp_path / "o.sarif"
    run_cli(["ci", str(RUNS / "odoo16_threaded_fail.log"), "--sarif", str(sarif)], capsys)
    doc = json.loads(sarif.read_text())
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(doc)
    (result,) = [r for r in doc["runs"][0]["results"] if r["ruleId"] == "odoo-test-failure"]
    loc = result["locations"][0]["physicalLocation"]
    assert (
        loc["artifactLocation"] == {"uri": "sale_x/tests/test_sale.py", "uriBaseId": "%SRCROOT%"}
        and loc["region"]["startLine"] == 27
    )


def test_sarif_schema_rejects_what_is_not_sarif():
    """The vendored schema does check: a result without a message is refused."""
    bad = {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [{"ruleId": "r"}]}]}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft4Validator(SARIF_SCHEMA).validate(bad)


def test_junit_time_from_the_detailed_tests_report(tmp_path, capsys):
    """With odoo.tests.stats at DEBUG, Odoo logs each test's time: JUnit takes it as is."""
    text = (
        _log(
            BANNER,
            ("INFO", "odoo.addons.sale_x.tests.test_sale", "Starting TestSale.test_a ..."),
            ("INFO", "odoo.addons.sale_x.tests.test_sale", "Starting TestSale.test_b ..."),
        )
        + "2024-06-07 09:00:05,000 77 DEBUG test odoo.tests.stats: Detailed Tests Report: \n"
        + "\tsale_x: 2.50s 40 queries\n\tsale_x.TestSale: 2.50s 40 queries\n"
        + "\tsale_x.TestSale.test_a: 1.25s 12 queries\n\tsale_x.TestSale.test_b: 1.25s 28 queries\n"
        + _log(
            ("INFO", "odoo.tests.stats", "sale_x: 2 tests 2.50s 40 queries"),
            ("INFO", "odoo.tests.result", "0 failed, 0 error(s) of 2 tests when loading database 'test'"),
        )
    )
    junit = tmp_path / "j.xml"
    code, _, _ = run_cli(["ci", write_log(tmp_path, text), "--junit", str(junit)], capsys)
    assert code == 0
    JUNIT.validate(str(junit))
    suite = ET.parse(junit).getroot().find("testsuite[@name='sale_x']")
    assert suite.get("time") == "2.500"
    assert [c.get("time") for c in suite.iter("testcase")] == ["1.250", "1.250"]


def test_stats_count_class_fixtures_so_the_started_tests_are_the_total(tmp_path, capsys):
    """A real 18.0 prefork run: 12 tests in 2 classes, one FAIL, no final summary; its
    `odoo.tests.stats` line says 16 tests because Odoo also times each class's setUpClass and
    tearDownClass. The total is the 12 tests that started, not 16."""
    t = "odoo.addons.qms_nc.tests.test_nc"
    starts = [("INFO", t, f"Starting TestHeader.test_{i} ...") for i in range(5)]
    starts += [("INFO", t, f"Starting TestItem.test_{i} ...") for i in range(7)]
    text = _log(
        ("INFO", "odoo", "Odoo version 18.0.20260817"),
        ("WARNING", "odoo.service.server", "Unit testing in workers mode could fail; use --workers 0."),
        ("INFO", "odoo.modules.loading", "Modules loaded."),
        ("INFO", "odoo.service.server", "Starting post tests"),
        *starts[:3],
        ("INFO", t, "=" * 70),
        (
            "ERROR",
            t,
            "FAIL: TestHeader.test_2\nTraceback (most recent call last):\nAssertionError: 1 not greater than 1",
        ),
        *starts[3:],
        ("INFO", "odoo.service.server", "12 post-tests in 2.83s, 957 queries"),
        ("INFO", "odoo.tests.stats", "qms_nc: 16 tests 2.82s 957 queries"),
        ("INFO", "odoo.service.server", "Stopping gracefully"),
    )
    code, out, _ = run_cli(["ci", write_log(tmp_path, text), "-f", "json"], capsys)
    data = json.loads(out)
    assert code == 1 and data["tests"]["finished"] is True and data["tests"]["summary_found"] is False
    assert (data["tests"]["total"], data["tests"]["passed"], data["tests"]["failed"]) == (12, 11, 1)

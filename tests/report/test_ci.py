"""`logsleuth ci`: test-run parsing per Odoo version, exit codes, JUnit validity, annotations."""

from __future__ import annotations

from pathlib import Path

import pytest
import xmlschema

from helpers import CORPUS_GENERATED, needs_shared, write_log
from logsleuth.analysis.pipeline import scan
from logsleuth.analysis.testruns import build_test_run
from logsleuth.cli.app import main
from logsleuth.render.annotations import escape_data, escape_property

SCHEMA = xmlschema.XMLSchema(str(Path(__file__).parents[1] / "fixtures" / "junit.xsd"))


def run(args: list[str], capsys) -> tuple[int, str]:
    with pytest.raises(SystemExit) as done:
        main(["ci", *args])
    return done.value.code, capsys.readouterr().out


def H(pid: int, level: str, logger: str, msg: str, t: str = "10:00:00,000", db: str = "db") -> str:
    return f"2025-01-01 {t} {pid} {level} {db} {logger}: {msg} \n"


BANNER = H(5, "INFO", "odoo", "Odoo version 17.0", db="?")
T = "odoo.addons.sale_x.tests.test_sale"
GREEN = (
    BANNER
    + H(5, "INFO", T, "Starting TestSale.test_a ...")
    + H(5, "INFO", T, "Starting TestSale.test_b ...")
    + H(5, "INFO", "odoo.tests.result", "0 failed, 0 error(s) of 2 tests when loading database 'db'")
    + H(5, "INFO", "odoo.service.server", "Initiating shutdown")
)
FAIL = (
    BANNER
    + H(5, "INFO", T, "Starting TestSale.test_a ...")
    + H(5, "INFO", T, "=" * 70)
    + H(5, "ERROR", T, "FAIL: TestSale.test_a")
    + "Traceback (most recent call last):\n"
    + '  File "/builds/p/sale_x/tests/test_sale.py", line 33, in test_a\n'
    + "    self.assertEqual(1, 2)\n"
    + "AssertionError: 1 != 2\n"
    + H(5, "ERROR", "odoo.tests.result", "1 failed, 0 error(s) of 1 tests when loading database 'db'")
)


def test_all_green_exits_0(tmp_path, capsys):
    code, out = run([write_log(tmp_path, GREEN)], capsys)
    assert code == 0 and "2 total, 2 passed" in out and "verdict: passed" in out


def test_a_failure_exits_1_with_file_and_line(tmp_path, capsys):
    code, out = run([write_log(tmp_path, FAIL)], capsys)
    assert code == 1
    assert "FAIL  TestSale.test_a (sale_x)  /builds/p/sale_x/tests/test_sale.py:33" in out
    assert "AssertionError: 1 != 2" in out


def test_an_error_exits_1(tmp_path, capsys):
    code, out = run(
        [write_log(tmp_path, FAIL.replace("FAIL: ", "ERROR: ").replace("1 failed, 0 error", "0 failed, 1 error"))],
        capsys,
    )
    assert code == 1 and "ERROR TestSale.test_a" in out


def test_crash_without_summary_exits_1(tmp_path, capsys):
    text = BANNER + H(5, "INFO", T, "Starting TestSale.test_a ...")
    code, out = run([write_log(tmp_path, text)], capsys)
    assert code == 1 and "no final summary" in out


def test_install_error_with_no_failing_test_exits_1(tmp_path, capsys):
    text = BANNER + H(5, "CRITICAL", "odoo.modules.module", "Couldn't load module sale_x") + GREEN[len(BANNER) :]
    code, out = run([write_log(tmp_path, text)], capsys)
    assert code == 1 and "Couldn't load module sale_x" in out


def test_ignored_error_exits_0(tmp_path, capsys):
    text = GREEN + H(5, "ERROR", "odoo.addons.mail.models", "Mail delivery failed via SMTP server 'x'")
    code, _ = run([write_log(tmp_path, text), "--ignore", "Mail delivery failed"], capsys)
    assert code == 0
    code, _ = run([write_log(tmp_path, text)], capsys)
    assert code == 1


def test_ignore_regex_searches_the_traceback_too(tmp_path, capsys):
    text = (
        GREEN
        + H(5, "ERROR", "odoo.http", "Exception during request handling.")
        + "Traceback (most recent call last):\nKnownFlakyError: x\n"
    )
    code, _ = run([write_log(tmp_path, text), "--ignore", "KnownFlakyError"], capsys)
    assert code == 0


def test_fail_on_warning_is_the_oca_policy(tmp_path, capsys):
    text = GREEN + H(5, "WARNING", "odoo.models", "Field x has no string")
    assert run([write_log(tmp_path, text)], capsys)[0] == 0
    assert run([write_log(tmp_path, text), "--fail-on", "warning"], capsys)[0] == 1


def test_empty_log_and_non_odoo_log_fail(tmp_path, capsys):
    assert run([write_log(tmp_path, "")], capsys)[0] == 1
    assert run([write_log(tmp_path, "hello\nworld\n", "x.log")], capsys)[0] == 1


def test_skipped_tests_are_reported_and_can_fail(tmp_path, capsys):
    text = GREEN.replace("Starting TestSale.test_b ...", "skipped TestSale.test_b : needs network")
    code, out = run([write_log(tmp_path, text)], capsys)
    assert code == 0 and "SKIP  TestSale.test_b (sale_x): needs network" in out
    assert run([write_log(tmp_path, text), "--fail-on-skipped"], capsys)[0] == 1


def test_checklog_odoo_cfg_is_read_as_is(tmp_path, capsys, monkeypatch):
    text = GREEN + H(5, "ERROR", "odoo.addons.mail.models", "Mail delivery failed")
    log = write_log(tmp_path, text)
    (tmp_path / "checklog-odoo.cfg").write_text("[checklog-odoo]\nignore=\n  Mail delivery\n  other thing\n")
    monkeypatch.chdir(tmp_path)
    assert run([log], capsys)[0] == 0


def test_pyproject_tool_section(tmp_path, capsys, monkeypatch):
    text = GREEN + H(5, "WARNING", "odoo.models", "Field x has no string")
    log = write_log(tmp_path, text)
    (tmp_path / "pyproject.toml").write_text('[tool.logsleuth]\nfail-on = "warning"\n')
    monkeypatch.chdir(tmp_path)
    assert run([log], capsys)[0] == 1


def test_echo_passes_the_log_through(tmp_path, capsys):
    code, out = run([write_log(tmp_path, GREEN), "--echo"], capsys)
    assert out.startswith(GREEN.splitlines()[0]) and "verdict: passed" in out


@pytest.mark.parametrize(
    "version,logger,start",
    [
        ("14.0", "odoo.tests.runner", True),
        ("15.0", "odoo.tests.runner", True),
        ("16.0", "odoo.tests.result", True),
        ("17.0", "odoo.tests.result", True),
        ("18.0", "odoo.tests.result", True),
        ("19.0", "odoo.tests.result", True),
    ],
)
def test_summary_wording_per_version(tmp_path, version, logger, start):
    text = (
        H(7, "INFO", "odoo", f"Odoo version {version}", db="?")
        + H(7, "INFO", T, "Starting TestSale.test_a ...")
        + H(7, "INFO", T, "=" * 70)
        + H(7, "ERROR", T, "ERROR: TestSale.test_a")
        + "Traceback (most recent call last):\n"
        + '  File "/x/sale_x/tests/test_sale.py", line 9, in test_a\n    raise KeyError("DE")\nKeyError: \'DE\'\n'
        + H(7, "INFO", "odoo.service.server", "Starting post tests")
        + H(7, "ERROR", logger, "0 failed, 1 error(s) of 4 tests when loading database 'db'")
    )
    run_ = build_test_run(scan([write_log(tmp_path, text)], []).tests)
    assert (run_.total, run_.failed, run_.errors) == (4, 0, 1)
    (case,) = run_.failing
    assert (case.name, case.module, case.status, case.file_line, case.message) == (
        "TestSale.test_a",
        "sale_x",
        "error",
        9,
        "KeyError: 'DE'",
    )


def test_setup_class_error_and_module_results(tmp_path):
    text = (
        BANNER
        + H(5, "ERROR", T, "ERROR: setUpClass (odoo.addons.sale_x.tests.test_sale.TestSale)")
        + "Traceback (most recent call last):\nValueError: no company\n"
        + H(5, "ERROR", "odoo.modules.loading", "Module sale_x: 0 failures, 1 errors of 3 tests")
        + H(5, "ERROR", "odoo.tests.result", "0 failed, 1 error(s) of 3 tests when loading database 'db'")
    )
    run_ = build_test_run(scan([write_log(tmp_path, text)], []).tests)
    assert [c.name for c in run_.failing] == ["TestSale.setUpClass"] and run_.errors == 1


def test_junit_is_valid_even_with_hostile_text(tmp_path):
    hostile = "FAIL: TestSale.test_a"
    text = FAIL.replace(
        "AssertionError: 1 != 2", 'AssertionError: <script>alert(1)</script> ]]> & \x01\x02 "quote" \ud7ff'
    )
    text = text.replace(hostile, hostile)
    out = tmp_path / "junit.xml"
    with pytest.raises(SystemExit):
        main(
            ["ci", write_log(tmp_path, text + H(5, "ERROR", "odoo.http", "bad <b>&amp; ]]> \x0b")), "--junit", str(out)]
        )
    SCHEMA.validate(str(out))
    body = out.read_text()
    assert "<script>" not in body and "&lt;script&gt;" in body


def test_github_annotation_escaping():
    assert escape_data("50% done\r\nnext") == "50%25 done%0D%0Anext"
    assert escape_property("a:b,c") == "a%3Ab%2Cc"


def test_github_annotations_point_at_the_test_file(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    text = FAIL.replace("/builds/p/", str(tmp_path) + "/")
    code, out = run([write_log(tmp_path, text), "--annotations", "github"], capsys)
    assert (
        "::error file=sale_x/tests/test_sale.py,line=33,title=FAIL%3A TestSale.test_a::AssertionError: 1 != 2%0A(log line 4)"
        in out
    )


@needs_shared
def test_generated_testrun_matches_its_summary(tmp_path, capsys):
    junit = tmp_path / "j.xml"
    code, out = run([str(CORPUS_GENERATED / "testrun.log"), "--junit", str(junit)], capsys)
    assert code == 1
    assert "3 total, 1 passed, 1 failed, 1 errors" in out
    assert (
        "test_partner_rules.py:13" in out
        and "AssertionError: 0 != 1 : expected exactly one partner named 'Nobody Here'" in out
    )
    assert "test_partner_rules.py:18" in out and "KeyError: 'DE'" in out
    SCHEMA.validate(str(junit))


def test_a_traceback_printed_outside_logging_fails_the_build(tmp_path, capsys):
    text = (
        GREEN + 'Traceback (most recent call last):\n  File "/usr/bin/odoo", line 8, in <module>\nKeyboardInterrupt\n'
    )
    code, out = run([write_log(tmp_path, text)], capsys)
    assert code == 1 and "KeyboardInterrupt" in out
    assert run([write_log(tmp_path, text), "--ignore", "KeyboardInterrupt"], capsys)[0] == 0

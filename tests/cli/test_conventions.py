"""The ecosystem's conventions: shell completion, -V, readable --help, --redact on every command,
configuration keys checked (unknown: a warning, wrong type: an error; both naming the file)."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from helpers import ROOT, run_cli, write_log
from logsleuth import __version__

COMMANDS = ["analyze", "lifetimes", "ci", "watch", "show", "patterns", "schema"]


def cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    return subprocess.run(
        [sys.executable, "-m", "logsleuth", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**base, "COLUMNS": "120", **env},
    )


def test_version_short_and_long(capsys):
    assert run_cli(["-V"], capsys)[:2] == (0, f"logsleuth {__version__}\n")
    assert run_cli(["--version"], capsys)[:2] == (0, f"logsleuth {__version__}\n")


def test_shell_completion_is_offered():
    top = cli("--help").stdout
    assert "--install-completion" in top and "--show-completion" in top
    shown = cli("--show-completion", "bash")
    script = shown.stdout
    assert "_logsleuth_completion" in script and "complete " in script, (shown.returncode, shown.stderr)
    words = cli(**{"_LOGSLEUTH_COMPLETE": "complete_bash", "COMP_WORDS": "logsleuth an", "COMP_CWORD": "1"}).stdout
    assert words.split() == ["analyze"]


def help_of(command: str | None, capsys, monkeypatch) -> str:
    monkeypatch.setenv("COLUMNS", "120")
    return run_cli([*([command] if command else []), "--help"], capsys)[1]


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_help_reads_well(command, capsys, monkeypatch):
    out = help_of(command, capsys, monkeypatch)
    assert "Usage:" in out
    for ugly in ("<bool>", "<list[", "<str>", "{file", "{FILE", "<path>"):
        assert ugly not in out, f"{ugly} in the help of {command}"
    if command in ("analyze", "lifetimes", "ci", "show"):
        assert f"logsleuth {command} [OPTIONS] FILE..." in out


@pytest.mark.parametrize("command", COMMANDS)
def test_redact_on_every_command(command, capsys, monkeypatch):
    assert "--redact" in help_of(command, capsys, monkeypatch)


def test_watch_redacts_what_it_announces(tmp_path):
    log = write_log(
        tmp_path,
        "2025-03-01 10:00:00,000 5 INFO ? odoo: Odoo version 17.0 \n"
        "2025-03-01 10:00:01,000 5 CRITICAL acme_prod odoo.service.server: Failed to initialize database `acme_prod`. \n"
        "Traceback (most recent call last):\npsycopg2.OperationalError: password authentication failed for jane@acme-corp.com\n",
    )
    out = cli("watch", log, "--from-start", "--timeout", "1", "--redact", "--jsonl", str(tmp_path / "f.jsonl")).stdout
    assert "acme_prod" not in out and "jane@acme-corp.com" not in out
    jsonl = (tmp_path / "f.jsonl").read_text()
    assert jsonl and "acme_prod" not in jsonl and "jane@acme-corp.com" not in jsonl


GREEN = (
    "2025-01-01 10:00:00,000 5 INFO ? odoo: Odoo version 17.0 \n"
    "2025-01-01 10:00:00,000 5 INFO db odoo.addons.sale_x.tests.test_sale: Starting TestSale.test_a ... \n"
    "2025-01-01 10:00:00,000 5 INFO db odoo.tests.result: 0 failed, 0 error(s) of 1 tests when loading database 'db' \n"
    "2025-01-01 10:00:00,000 5 WARNING db odoo.models: Field x has no string \n"
)


@pytest.mark.parametrize("key", ["fail-on", "fail_on"])
def test_both_spellings_of_a_key_work(tmp_path, capsys, monkeypatch, key):
    log = write_log(tmp_path, GREEN)
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".logsleuth.toml").write_text(f'{key} = "warning"\n')
    assert run_cli(["ci", log], capsys)[0] == 1
    (tmp_path / ".logsleuth.toml").write_text(f'{key} = "error"\n')
    assert run_cli(["ci", log], capsys)[0] == 0


def test_an_unknown_key_warns_naming_key_and_file(tmp_path, capsys, monkeypatch):
    log = write_log(tmp_path, GREEN)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[tool.logsleuth]\nfail-onn = "warning"\n')
    code, _, err = run_cli(["ci", log], capsys)
    assert code == 0
    assert "warning: unknown configuration key 'fail-onn'" in err and "pyproject.toml" in err


@pytest.mark.parametrize(
    "body,shown",
    [
        ("fail-on = 3", "fail-on = 3"),
        ('ignore = "Mail"', "ignore = 'Mail'"),
        ('fail-on-skipped = "yes"', "fail-on-skipped = 'yes'"),
    ],
)
def test_a_wrong_type_is_an_error_naming_key_value_and_file(tmp_path, capsys, monkeypatch, body, shown):
    log = write_log(tmp_path, GREEN)
    cfg = tmp_path / "ci.toml"
    cfg.write_text(body + "\n")
    code, out, err = run_cli(["ci", log, "--config", str(cfg)], capsys)
    assert code == 2 and out == ""
    assert re.search(
        rf"^logsleuth: error: invalid configuration: {re.escape(shown)} must be .+ \({re.escape(str(cfg))}\)$",
        err.strip(),
    )

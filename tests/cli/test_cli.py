"""The command line as a user meets it: exit codes, one-line errors, atomic output, entry points."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import SAMPLES, run_cli, write_log
from logsleuth import __version__

SEED = str(SAMPLES / "seed_ai_brain_odoo18.log")


run = run_cli


def test_version(capsys):
    code, out, _ = run(["--version"], capsys)
    assert code == 0 and out.strip() == f"logsleuth {__version__}"


def test_python_dash_m_and_console_script(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "logsleuth", "lifetimes", SEED, "--format", "json"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert [lt["pid"] for lt in json.loads(proc.stdout)["lifetimes"]] == [60412, 68764, 77812]


@pytest.mark.parametrize(
    "make,message",
    [
        (lambda p: str(p / "missing.log"), "no such file"),
        (lambda p: str(p), "is a directory"),
    ],
)
def test_bad_paths_are_one_line_exit_2(tmp_path, capsys, make, message):
    code, out, err = run(["analyze", make(tmp_path)], capsys)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("logsleuth: error: ") and message in err


def test_binary_input_is_one_line_exit_2(tmp_path, capsys):
    path = tmp_path / "x.bin"
    path.write_bytes(os.urandom(8192))
    code, _, err = run(["analyze", str(path)], capsys)
    assert code == 2 and "binary" in err and "Traceback" not in err


def test_permission_denied(tmp_path, capsys):
    path = Path(write_log(tmp_path, "x\n"))
    path.chmod(0)
    try:
        if os.access(path, os.R_OK):
            pytest.skip("running as a user who can read anything (root)")
        code, _, err = run(["analyze", str(path)], capsys)
        assert code == 2 and "permission denied" in err
    finally:
        path.chmod(0o644)


def test_truncated_gzip_reports_what_was_read(tmp_path, capsys):
    data = gzip.compress(Path(SEED).read_bytes())
    path = tmp_path / "odoo.log.gz"
    path.write_bytes(data[: len(data) * 2 // 3])
    code, out, err = run(["lifetimes", str(path), "--format", "json"], capsys)
    assert code == 0 and "damaged gzip" in err
    assert json.loads(out)["lifetimes"]


def test_fail_on_sets_exit_code(capsys):
    assert run(["analyze", SEED, "-f", "json"], capsys)[0] == 0
    assert run(["analyze", SEED, "-f", "json", "--fail-on", "critical"], capsys)[0] == 1
    clean = run(["analyze", SEED, "-f", "json", "--fail-on", "high"], capsys)
    assert clean[0] == 1


def test_fail_on_below_the_findings_passes(tmp_path, capsys):
    log = write_log(tmp_path, "2025-01-01 10:00:00,000 1 INFO ? odoo: Odoo version 17.0 \n")
    assert run(["analyze", log, "--fail-on", "low"], capsys)[0] == 0


def test_output_is_atomic_and_not_written_on_error(tmp_path, capsys):
    out = tmp_path / "report.json"
    code, _, _ = run(["analyze", str(tmp_path / "missing.log"), "-o", str(out)], capsys)
    assert code == 2 and not out.exists()
    code, stdout, _ = run(["analyze", SEED, "-f", "json", "-o", str(out)], capsys)
    assert code == 0 and stdout == "" and json.loads(out.read_text())["schema"] == 1
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


def test_stdin(capsys, monkeypatch):
    import io

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(Path(SEED).read_bytes())))
    code, out, _ = run(["lifetimes", "-", "--format", "json"], capsys)
    assert code == 0 and len(json.loads(out)["lifetimes"]) == 3


def test_not_an_odoo_log_says_so(tmp_path, capsys):
    log = write_log(tmp_path, "just some text\nnothing odoo about it\n")
    code, out, _ = run(["analyze", log, "-f", "json"], capsys)
    data = json.loads(out)
    assert code == 0 and any("does not look like an Odoo server log" in n["text"] for n in data["notes"])


@pytest.mark.parametrize(("fmt", "first"), [("markdown", "# logsleuth report"), ("text", "╭"), ("json", "{")])
def test_broken_pipe_is_quiet(tmp_path, fmt, first):
    """A reader that stops early (``| head -1``) is no error: exit 0, nothing on stderr, in every
    format (rich's own handling would exit with 1 for the terminal report)."""
    proc = subprocess.run(
        ["bash", "-c", f"set -o pipefail; {sys.executable} -m logsleuth analyze {SEED} -f {fmt} | head -1"],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "80"},
    )
    assert proc.stdout.startswith(first) and (proc.returncode, proc.stderr) == (0, "")


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["ci", SEED, "--allow-no-tests"], 1),
        (["ci", SEED, "--allow-no-tests", "--fail-on", "none"], 0),
        (["analyze", SEED, "--fail-on", "high"], 1),
        (["analyze", SEED], 0),
    ],
)
def test_a_closed_pipe_keeps_the_verdict(args, code):
    """The reader is gone before anything is written: the report is lost, the exit code is the
    command's verdict (a failing ``ci | head`` must not pass a pipeline)."""
    read, write = os.pipe()
    os.close(read)
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "logsleuth", *map(str, args)], stdout=write, stderr=subprocess.PIPE
        )
    finally:
        os.close(write)
    assert (proc.returncode, proc.stderr) == (code, b"")


def test_patterns_command_lists_ids(capsys):
    code, out, _ = run(["patterns"], capsys)
    assert code == 0 and "module-load-failure" in out and "missing-python-dependency" in out

"""Bad input gets a clear answer: no crash, no hang, no traceback, bounded memory."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from helpers import records_of, run_cli, write_log
from logsleuth.analysis.findings import Engine
from logsleuth.analysis.lifetimes import LifetimeTracker
from logsleuth.analysis.patterns import load_patterns
from logsleuth.cli.app import main

HEADER = "2025-01-01 10:00:00,000 1 INFO ? odoo: Odoo version 17.0 \n"


run = run_cli


def test_empty_file(tmp_path, capsys):
    code, out, err = run(["analyze", write_log(tmp_path, ""), "-f", "json"], capsys)
    assert code == 0 and err == "" and json.loads(out)["summary"]["lines"] == 0


def test_nul_bytes_and_mixed_encodings(tmp_path, capsys):
    path = tmp_path / "odoo.log"
    path.write_bytes(
        b"\x00" * 4096
        + HEADER.encode()
        + "2025-01-01 10:00:01,000 1 ERROR ? odoo.http: caf\xe9 \xff\n".encode("latin-1")
        + "2025-01-01 10:00:02,000 1 ERROR ? odoo.http: café ☕\n".encode()
    )
    code, out, err = run(["analyze", str(path), "-f", "json"], capsys)
    data = json.loads(out)
    assert code == 0 and err == "" and data["summary"]["errors"] == 2 and data["lifetimes"][0]["version"] == "17.0"


def test_timestamps_going_backwards(tmp_path, capsys):
    text = (
        HEADER
        + "2024-12-31 23:59:59,000 1 ERROR ? odoo.http: earlier clock \n"
        + "2025-01-01 10:00:05,000 1 INFO ? odoo.service.server: Initiating shutdown \n"
    )
    code, out, _ = run(["analyze", write_log(tmp_path, text), "-f", "json"], capsys)
    (lt,) = json.loads(out)["lifetimes"]
    assert code == 0 and lt["end_reason"] == "shutdown" and lt["end_line"] == 3


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc to read the peak RSS")
def test_huge_line_and_no_newline_stay_bounded(tmp_path):
    path = tmp_path / "big.log"
    with open(path, "wb") as fh:
        fh.write(HEADER.encode())
        fh.write(b"2025-01-01 10:00:01,000 1 ERROR ? odoo.http: " + b"A" * (50 * 1024 * 1024) + b"\n")
        fh.write(b"x" * (20 * 1024 * 1024))  # and a last line without newline
    # VmHWM, not ru_maxrss: the latter is inherited through fork+exec from the (large) test process
    code = (  # noqa: UP031 - the script quotes with %r
        "import re, runpy, sys; sys.argv=['logsleuth','analyze',%r,'-f','json','-o',%r]\n"
        "try:\n    runpy.run_module('logsleuth', run_name='__main__')\nexcept SystemExit as e:\n    rc = e.code\n"
        "hwm = int(re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1))\n"
        "print(hwm // 1024, rc)"
    ) % (str(path), str(tmp_path / "r.json"))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    rss_mb, rc = proc.stdout.split()
    assert rc == "0", proc.stderr
    assert int(rss_mb) < 150, f"peak RSS {rss_mb} MB for a 70 MB file of two lines"
    data = json.loads((tmp_path / "r.json").read_text())
    assert data["sources"][0]["cut_lines"] == 2
    assert any("over-long lines were cut" in n["text"] for n in data["notes"])


def test_pathological_user_pattern_cannot_hang(tmp_path):
    (tmp_path / "slow.toml").write_text(
        'id = "slow"\ntitle = "t"\nseverity = "low"\ncategory = "runtime"\n[match]\nmessage = \'^(a+)+$\'\n'
        '[explain]\nsummary = "s"\nfix = "f"\nverify = ["v"]\n'
    )
    patterns = [p for p in load_patterns([str(tmp_path)]) if p.id == "slow"]
    engine = Engine(patterns)
    tracker = LifetimeTracker()
    started = time.perf_counter()
    for rec in records_of(("2025-01-01 10:00:00,000 1 ERROR ? odoo.http: " + "a" * 40 + "b\n") * 3):
        engine.feed(rec, tracker.feed(rec), tracker.seq)
    assert time.perf_counter() - started < 5


def test_internal_errors_are_one_line(monkeypatch, tmp_path, capsys):
    import logsleuth.report.build as report

    def boom(*a, **k):
        raise ZeroDivisionError("simulated bug")

    monkeypatch.setattr(report, "build_report", boom)  # the CLI imports it when a command runs
    code, out, err = run(["analyze", write_log(tmp_path, HEADER)], capsys)
    assert code == 2 and err.count("\n") == 1 and "internal error: ZeroDivisionError" in err and "Traceback" not in err
    with pytest.raises(ZeroDivisionError):
        main(["--debug", "analyze", write_log(tmp_path, HEADER)])


def test_ctrl_c_exits_130_without_partial_output(tmp_path):
    """Interrupted while reading a pipe that is still being written: deterministic timing."""
    out = tmp_path / "report.json"
    proc = subprocess.Popen(
        [sys.executable, "-m", "logsleuth", "analyze", "-", "-f", "json", "-o", str(out)],
        stdin=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    line = '2025-01-01 10:00:00,000 7 INFO db werkzeug: 10.0.0.1 - - [01/Jan/2025 10:00:00] "GET /web HTTP/1.1" 200 - 3 0.001 0.002\n'
    proc.stdin.write(HEADER + line * 1000)
    proc.stdin.flush()
    time.sleep(1.5)
    proc.send_signal(signal.SIGINT)
    try:
        _, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    assert "Traceback" not in err and err.strip() == "logsleuth: interrupted"
    assert not out.exists() and not [p for p in tmp_path.iterdir() if p.name.startswith(".report")]


def test_every_command_runs_under_the_error_guard():
    """Ctrl-C, a closed pipe and --debug are handled the same way by every command."""
    import logsleuth.cli.app as cli

    commands = {c.name or c.callback.__name__: c.callback for c in cli.app.registered_commands}
    assert len(commands) >= 7
    for name, callback in commands.items():
        assert getattr(callback, "__wrapped__", None) is not None, f"{name} is not @guarded"


def test_inputs_are_checked_once(monkeypatch, tmp_path, capsys):
    import logsleuth.cli.app as cli

    calls = []
    check = cli._check
    monkeypatch.setattr(cli, "_check", lambda *a: calls.append(a) or check(*a))
    code, _, _ = run(["analyze", write_log(tmp_path, HEADER), "-f", "json"], capsys)
    assert code == 0 and len(calls) == 1

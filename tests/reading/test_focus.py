"""Focus and live use: date forms, windows that cut records and lifetimes, seeking equal to a
full read, several hosts on one time axis, `show` and `watch` (a file appended to and rotated)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import datetime

import pytest

from helpers import SAMPLES, run_cli, write_log
from logsleuth.errors import UsageError
from logsleuth.reading.sources import Source
from logsleuth.reading.window import SEEK_MIN_BYTES, parse_when, seek

NOW = datetime(2025, 10, 18, 12, 0, 0)
SEED = str(SAMPLES / "seed_ai_brain_odoo18.log")


run = run_cli


@pytest.mark.parametrize(
    "text,expected",
    [
        ("2025-10-18 03:20", datetime(2025, 10, 18, 3, 20)),
        ("2025-10-18T03:20:00Z", datetime(2025, 10, 18, 3, 20)),
        ("2025-10-18T05:20:00+02:00", datetime(2025, 10, 18, 3, 20)),
        ("03:20", datetime(2025, 10, 17, 3, 20)),  # on the log's own date
        ("yesterday 14:00", datetime(2025, 10, 17, 14, 0)),
        ("today 09:15", datetime(2025, 10, 18, 9, 15)),
        ("2h ago", datetime(2025, 10, 18, 10, 0)),
        ("90 minutes ago", datetime(2025, 10, 18, 10, 30)),
        ("3 days ago", datetime(2025, 10, 15, 12, 0)),
        ("2025-10-18 03:24:17,943", datetime(2025, 10, 18, 3, 24, 17, 943000)),
    ],
)
def test_date_forms(text, expected):
    assert parse_when(text, reference_date=datetime(2025, 10, 17, 23, 0), now=NOW) == expected


def test_unreadable_date_is_a_usage_error():
    with pytest.raises(UsageError):
        parse_when("the day after the incident", now=NOW)


def test_window_cuts_a_lifetime(capsys):
    code, out, _ = run(["lifetimes", SEED, "-f", "json", "--since", "03:24:09", "--until", "03:24:15"], capsys)
    lts = json.loads(out)["lifetimes"]
    assert [(lt["pid"], lt["started_by_banner"]) for lt in lts] == [(68764, False), (77812, True)]
    assert lts[0]["start_line"] == 186 and lts[0]["shutdown_line"] is None
    assert lts[1]["end_line"] <= 209


def test_window_cuts_through_a_record(tmp_path, capsys):
    text = (
        "2025-01-01 10:00:00,000 1 INFO ? odoo: Odoo version 17.0 \n"
        "2025-01-01 10:00:05,000 1 ERROR db odoo.http: Exception during request handling. \n"
        "Traceback (most recent call last):\n"
        "ValueError: before the window\n"
        "2025-01-01 10:00:10,000 1 ERROR db odoo.http: Exception during request handling. \n"
        "Traceback (most recent call last):\n"
        "ValueError: inside the window\n"
    )
    code, out, _ = run(["analyze", write_log(tmp_path, text), "-f", "json", "--since", "2025-01-01 10:00:07"], capsys)
    findings = json.loads(out)["findings"]
    assert [f["exception"]["message"] for f in findings] == ["inside the window"]
    assert findings[0]["line"] == 5


def test_filters_db_pid_lifetime_level(capsys):
    def kinds(*opts):
        return {f["kind"] for f in json.loads(run(["analyze", SEED, "-f", "json", *opts], capsys)[1])["findings"]}

    assert "module-load-failure" in kinds("--db", "ai_sam_db")
    assert kinds("--db", "other_db") == set()
    assert kinds("--pid", "68764") == set() and "module-load-failure" in kinds("--pid", "77812")
    assert kinds("--lifetime", "2") == set() and "module-load-failure" in kinds("--lifetime", "3")
    assert kinds("--level", "CRITICAL") == {"module-load-failure"}
    lts = json.loads(run(["analyze", SEED, "-f", "json", "--pid", "77812"], capsys)[1])["lifetimes"]
    assert [lt["index"] for lt in lts] == [3]


def _big_log(path, minutes=240):
    line = '2025-01-01 {h:02d}:{m:02d}:{s:02d},000 7 INFO db werkzeug: 10.0.0.1 - - [01/Jan/2025 00:00:00] "GET /web HTTP/1.1" 200 - 3 0.001 0.002\n'
    with open(path, "w") as fh:
        fh.write("2025-01-01 00:00:00,000 7 INFO ? odoo: Odoo version 17.0 \n")
        for minute in range(minutes):
            h, m = divmod(minute, 60)
            for s in range(0, 60):
                for _ in range(10):
                    fh.write(line.format(h=h, m=m, s=s))
            if minute == 150:
                fh.write(
                    f"2025-01-01 {h:02d}:{m:02d}:30,500 7 CRITICAL db odoo.modules.module: Couldn't load module sale_x \n"
                )
                fh.write(
                    f"2025-01-01 {h:02d}:{m:02d}:30,600 7 ERROR db odoo.http: Exception during request handling. \n"
                )
                fh.write("Traceback (most recent call last):\n")
                fh.write('  File "/mnt/extra-addons/sale_x/__init__.py", line 1, in <module>\n')
                fh.write("    import pandas\n")
                fh.write("ModuleNotFoundError: No module named 'pandas'\n")


def test_seeking_gives_the_same_answer_as_a_full_read(tmp_path, capsys, monkeypatch):
    log = tmp_path / "big.log"
    _big_log(log)
    assert log.stat().st_size > SEEK_MIN_BYTES
    src = Source(str(log))
    assert seek(src, datetime(2025, 1, 1, 2, 25))
    assert src.start_offset > 0 and src.first_line > 1
    with open(log, "rb") as fh:
        fh.seek(src.start_offset)
        assert fh.read(10) == b"2025-01-01"
        assert sum(1 for _ in open(log, "rb") if True) > src.first_line
    args = ["analyze", str(log), "-f", "json", "--since", "2025-01-01 02:25", "--until", "2025-01-01 02:40"]
    seeked = json.loads(run(args, capsys)[1])
    import logsleuth.reading.window as window

    monkeypatch.setattr(window, "SEEK_MIN_BYTES", 10**12)  # force a full read
    full = json.loads(run(args, capsys)[1])
    strip = lambda d: (d["findings"], d["lifetimes"], {k: v for k, v in d["summary"].items() if k != "lines"})  # noqa: E731
    assert strip(seeked) == strip(full)
    assert seeked["summary"]["lines"] < full["summary"]["lines"] / 4, "seeking must skip the start of the file"
    assert any(n["kind"] == "scope" and "seek" in n["text"] for n in seeked["notes"])
    assert (
        seeked["findings"][0]["line"] == full["findings"][0]["line"]
        and seeked["findings"][0]["kind"] == "module-load-failure"
    )


def test_two_hosts_line_up_on_one_time_axis(tmp_path, capsys):
    def host(name, pid, second):
        d = tmp_path / name
        d.mkdir()
        (d / "odoo.log").write_text(
            f"2025-01-01 10:00:00,000 {pid} INFO ? odoo: Odoo version 17.0 \n"
            f"2025-01-01 10:00:{second:02d},000 {pid} CRITICAL db odoo.modules.module: Couldn't load module sale_x \n"
        )
        return str(d / "odoo.log")

    a, b = host("web1", 1, 5), host("web2", 1, 8)
    data = json.loads(run(["analyze", a, b, "-f", "json"], capsys)[1])
    assert [(lt["source"], lt["start_line"]) for lt in data["lifetimes"]] == [(a, 1), (b, 1)]
    (f,) = [f for f in data["findings"] if f["kind"] == "module-load-failure"]
    assert f["occurrence_sources"] == sorted([a, b])
    note = next(n for n in data["notes"] if n["kind"] == "across-hosts")
    assert "within 3.0s" in note["text"] and {c["source"] for c in note["citations"]} == {a, b}


def test_show_prints_the_evidence_with_context(capsys):
    code, out, _ = run(["show", SEED, "--finding", "F1", "-C", "1"], capsys)
    assert code == 0
    assert "211:2025-10-18 03:24:17,943 77812 CRITICAL" in out and "210-" in out
    assert "309:RuntimeError: can't register atexit after shutdown" in out
    assert run(["show", SEED, "--finding", "F99"], capsys)[0] == 2


@pytest.mark.slow
def test_watch_follows_appends_and_rotation(tmp_path):
    log = tmp_path / "odoo.log"
    log.write_text("2025-01-01 10:00:00,000 5 INFO ? odoo: Odoo version 17.0 \n")
    events = tmp_path / "events.jsonl"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "logsleuth",
            "watch",
            str(log),
            "--timeout",
            "6",
            "--jsonl",
            str(events),
            "--report-format",
            "json",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
    )
    try:
        time.sleep(1.2)
        with open(log, "a") as fh:
            fh.write("2025-01-01 10:00:01,000 5 CRITICAL db odoo.modules.module: Couldn't load module sale_x \n")
        time.sleep(1.0)
        log.rename(tmp_path / "odoo.log.1")
        log.write_text(
            "2025-01-01 10:00:05,000 9 INFO ? odoo: Odoo version 17.0 \n"
            "2025-01-01 10:00:06,000 9 ERROR db odoo.modules.loading: Some modules are not loaded, some dependencies or manifest may be missing: ['x'] \n"
        )
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("CRITICAL") and "Odoo module failed to load: sale_x" in lines[0]
    assert lines[1].startswith("HIGH") and "@2:2" in lines[1]
    kinds = [json.loads(x)["kind"] for x in events.read_text().splitlines()]
    assert kinds == ["module-load-failure", "modules-not-loaded"]
    report = json.loads("\n".join(lines[2:]))
    assert [lt["pid"] for lt in report["lifetimes"]] == [5, 9]


def test_watch_stops_on_ctrl_c_with_a_report(tmp_path):
    import signal

    log = tmp_path / "odoo.log"
    log.write_text("2025-01-01 10:00:00,000 5 INFO ? odoo: Odoo version 17.0 \n")
    proc = subprocess.Popen(
        [sys.executable, "-m", "logsleuth", "watch", str(log), "--from-start", "--report-format", "markdown"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(1.5)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0 and "# logsleuth report" in out and "Traceback" not in err

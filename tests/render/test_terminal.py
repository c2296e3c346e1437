"""The terminal report through a real pseudo-terminal (80 and 120 columns): it fits, no table cell
is cut, no command to paste is broken across lines, the verdict and the root causes come first;
``COLUMNS`` decides when piped; ``NO_COLOR`` and ``FORCE_COLOR`` are honoured. The 80-column
report is saved as a screenshot under ``.test-artifacts/``."""

from __future__ import annotations

import fcntl
import json
import os
import re
import select
import shutil
import struct
import subprocess
import sys
import termios

import pytest
from rich.cells import cell_len

from helpers import ROOT, SAMPLES, run_cli, write_log

SEED = str(SAMPLES / "seed_ai_brain_odoo18.log")
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)")
COLOUR = re.compile(r"\x1b\[(?:[0-9]+;)*(?:3[0-9]|4[0-9]|9[0-7]|10[0-7])(?:;[0-9]+)*m")
ARTIFACTS = ROOT / ".test-artifacts"


def in_pty(args: list[str], columns: int, rows: int = 50, **env_extra: str) -> tuple[int, str]:
    """Run logsleuth with stdout, stderr and stdin on a pseudo-terminal of the given size."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "NO_COLOR", "FORCE_COLOR", "TERM")}
    env.update({"TERM": "xterm-256color", **env_extra})
    proc = subprocess.Popen(
        [sys.executable, "-m", "logsleuth", *args],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        close_fds=True,
        cwd=ROOT,
    )
    os.close(slave)
    chunks: list[bytes] = []
    try:
        while True:
            ready, _, _ = select.select([master], [], [], 120)
            if not ready:
                break
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
    finally:
        os.close(master)
    code = proc.wait(timeout=120)
    return code, b"".join(chunks).decode("utf-8", "replace").replace("\r\n", "\n")


def seed_commands() -> list[str]:
    out = subprocess.run(
        [sys.executable, "-m", "logsleuth", "analyze", SEED, "-f", "json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    ).stdout
    return [v for rc in json.loads(out)["root_causes"] for v in rc["verify"]]


def check_fits(plain: str, columns: int, commands: list[str]) -> None:
    lines = plain.splitlines()
    for cmd in commands:
        assert f"   $ {cmd}" in lines, f"command broken across lines: {cmd}"
    for line in lines:
        if line.startswith("   $ "):
            continue
        assert cell_len(line) <= columns, f"wider than {columns}: {line!r}"
        if line.startswith(("│", "┃")) and line.count("│") + line.count("┃") > 2:
            assert "…" not in line, f"a cell was cut: {line!r}"
    for word in ("sentence_transformers", "ai_vector_service", "error-handling", "end-of-log"):
        assert word in plain, f"{word} cut or missing"


@pytest.fixture(scope="module")
def commands() -> list[str]:
    return seed_commands()


@pytest.mark.parametrize("columns", [80, 120])
def test_report_fits_the_terminal(columns, commands):
    code, out = in_pty(["analyze", SEED], columns)
    assert code == 0
    assert COLOUR.search(out), "a terminal gets colour"
    plain = ANSI.sub("", out)
    check_fits(plain, columns, commands)
    assert plain.index("Verdict") < plain.index("Root causes") < plain.index("Process lifetimes") < plain.index("Fixes")
    assert "21m 53s" in plain and "1313.3s" not in plain
    if columns == 80:
        save_screenshot(out, columns)


@pytest.mark.parametrize("columns", [80, 120])
def test_lifetimes_table_fits_the_terminal(columns):
    code, out = in_pty(["lifetimes", SEED], columns)
    plain = ANSI.sub("", out)
    assert code == 0 and "3 process lifetime(s)" in plain
    for line in plain.splitlines():
        assert cell_len(line) <= columns and "…" not in line
    for word in ("60412", "03:24:34,131", "end-of-log", "21m 53s"):
        assert word in plain
    assert ("workers" in plain) is (columns == 120), "80 columns drop the less useful columns, 120 show all"


def test_no_color_in_a_terminal(commands):
    code, out = in_pty(["analyze", SEED], 100, NO_COLOR="1")
    assert code == 0 and not COLOUR.search(out)
    check_fits(ANSI.sub("", out), 100, commands)


def test_columns_decides_when_piped_and_force_color(commands):
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    for columns in (80, 100, 132):
        out = subprocess.run(
            [sys.executable, "-m", "logsleuth", "analyze", SEED],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env={**env, "COLUMNS": str(columns)},
        ).stdout
        assert not ANSI.search(out)
        check_fits(out, columns, commands)
        assert max(cell_len(x) for x in out.splitlines() if not x.startswith("   $ ")) > columns - 5, (
            "uses the width given"
        )
    out = subprocess.run(
        [sys.executable, "-m", "logsleuth", "analyze", SEED],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**env, "COLUMNS": "90", "FORCE_COLOR": "1"},
    ).stdout
    assert COLOUR.search(out)
    check_fits(ANSI.sub("", out), 90, commands)


def test_lifetimes_command_fits_when_piped(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    code, out, _ = run_cli(["lifetimes", SEED], capsys)
    assert code == 0 and "…" not in out and "2025-10-18" in out and "end-of-log" in out
    assert all(cell_len(x) <= 80 for x in out.splitlines())


def H(t: str, pid: int, msg: str, level: str = "INFO", logger: str = "odoo.service.server") -> str:
    return f"2025-03-0{t} {pid} {level} ? {logger}: {msg} \n"


def many_lifetimes() -> str:
    text = ""
    for i in range(12):
        pid = 100 + i
        day = f"{1 + i // 6} {10 + i % 6:02d}:00:00,000"
        text += H(day, pid, "Odoo version 17.0", logger="odoo")
        text += H(day, pid, "HTTP service (werkzeug) running on 0.0.0.0:8069")
        if i == 4:
            text += H(day, pid, "Initiating shutdown")
            text += H(
                day,
                pid,
                '127.0.0.1 - - [01/Mar/2025 10:00:00] "GET /web HTTP/1.1" 200 - 3 0.01 0.02',
                logger="werkzeug",
            )
        elif i != 7:  # lifetime 8 has no end marker: a newer process follows it (an end the log does not explain)
            text += H(day, pid, "Initiating shutdown")
    return text


def test_many_lifetimes_become_a_summary(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    log = write_log(tmp_path, many_lifetimes())
    code, out, _ = run_cli(["analyze", log], capsys)
    assert code == 0
    assert "12 process lifetimes: 11 shutdown, 1 unknown." in out
    assert f"logsleuth lifetimes {log}   # or: analyze --verbose" in out.splitlines()
    table = [x for x in out.splitlines() if re.match(r"^│ \d+ +│", x)]
    assert {x.split()[1] for x in table} == {"5", "8"}, "the summary lists the ones that matter"
    _, out, _ = run_cli(["analyze", log, "--verbose"], capsys)
    assert len([x for x in out.splitlines() if re.match(r"^│ \d+ +│", x)]) == 12


def test_human_durations():
    from logsleuth.render.plan import human_duration

    assert [human_duration(x) for x in (4.44, 192, 3 * 3600 + 7 * 60, 187357.1)] == [
        "4.4s",
        "3m 12s",
        "3h 07m",
        "2d 4h",
    ]


def test_progress_bar_only_for_large_inputs_on_a_terminal(tmp_path, monkeypatch):
    import logsleuth.cli.app as cli

    big = tmp_path / "big.log"
    with open(big, "wb") as fh:
        fh.truncate(60 * 1000 * 1000)  # sparse: the size is all that counts here
    monkeypatch.setattr(sys.stderr, "isatty", lambda: False)
    assert cli._progress([str(big)])[0] is None
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    small = write_log(tmp_path, "x\n", "small.log")
    assert cli._progress([small])[0] is None
    update, stop = cli._progress([str(big)])
    try:
        assert update is not None
        update(1000)
        update(-1)  # reading over: the bar says what is left to do
    finally:
        stop()


def save_screenshot(ansi_text: str, columns: int) -> None:
    """The pseudo-terminal's output as an SVG (rich's export) and, where Chromium is, a PNG."""
    from rich.console import Console
    from rich.text import Text

    ARTIFACTS.mkdir(exist_ok=True)
    console = Console(
        record=True, width=columns, force_terminal=True, color_system="truecolor", file=open(os.devnull, "w")
    )
    for line in ansi_text.split("\n"):  # a long command wraps on screen, as a terminal shows it
        console.print(Text.from_ansi(line, no_wrap=False, overflow="fold"))
    svg = ARTIFACTS / f"terminal-{columns}.svg"
    console.save_svg(str(svg), title=f"logsleuth analyze — {columns} columns")
    assert svg.stat().st_size > 10000
    chromium = next(
        (shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)), None
    )
    if chromium is None:
        return
    profile = ARTIFACTS / ".chromium-profile"
    shot = ARTIFACTS / f"terminal-{columns}.png"
    size = re.search(r'viewBox="0 0 ([\d.]+) ([\d.]+)"', svg.read_text(encoding="utf-8"))
    width, height = (int(float(x)) + 1 for x in size.groups()) if size else (1000, 2600)
    subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--hide-scrollbars",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            f"--window-size={width},{height}",
            f"--screenshot={shot}",
            svg.as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=True,
    )
    shutil.rmtree(profile, ignore_errors=True)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

"""Issue 14: outputs that never destroy anything, bounded memory, budgets, workers that end.

Each special-file test runs in a temporary folder (mkfifo; mknod as root; symlinks).
"""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from helpers import ROOT, SAMPLES, run_cli, write_log
from logsleuth.analysis.findings import MAX_FINDINGS_PER_PATTERN
from logsleuth.analysis.lifetimes import MAX_LIFETIMES

run = run_cli
SEED = str(SAMPLES / "seed_ai_brain_odoo18.log")
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def cli(*args: str, stdin=None, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "logsleuth", *args], capture_output=True, text=True, timeout=120, stdin=stdin, **kw
    )


# --- outputs -------------------------------------------------------------------------------


@pytest.mark.parametrize("device", ["/dev/null", "/dev/stdout"])
def test_a_device_is_written_into_not_replaced(device):
    before = os.stat(device) if device == "/dev/null" else None
    proc = cli("analyze", SEED, "-f", "json", "-o", device)
    assert proc.returncode == 0, proc.stderr
    if before is not None:
        after = os.stat(device)
        assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev
    else:
        assert json.loads(proc.stdout)["schema"] == 1


@pytest.mark.skipif(not IS_ROOT, reason="mknod needs root")
def test_a_character_device_node_stays_a_device(tmp_path):
    node = tmp_path / "full"
    os.mknod(node, 0o666 | stat.S_IFCHR, os.makedev(1, 7))  # like /dev/full
    proc = cli("analyze", SEED, "-f", "json", "-o", str(node))
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1
    assert "No space left on device" in proc.stderr and "internal error" not in proc.stderr
    assert stat.S_ISCHR(os.stat(node).st_mode)
    null = tmp_path / "null"
    os.mknod(null, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    assert cli("analyze", SEED, "-o", str(null)).returncode == 0
    assert stat.S_ISCHR(os.stat(null).st_mode)


def test_a_fifo_is_written_into_not_replaced(tmp_path):
    fifo = tmp_path / "report.fifo"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(open(fifo, "rb").read()))
    reader.start()
    proc = cli("analyze", SEED, "-f", "json", "-o", str(fifo))
    reader.join(timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert json.loads(got[0])["schema"] == 1


def test_a_symlink_writes_to_its_target(tmp_path, capsys):
    target = tmp_path / "real.json"
    target.write_text("old")
    os.chmod(target, 0o640)
    link = tmp_path / "link.json"
    link.symlink_to(target)
    code, _, err = run(["analyze", SEED, "-f", "json", "-o", str(link)], capsys)
    assert code == 0, err
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert json.loads(target.read_text())["schema"] == 1
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o640  # an existing file keeps its mode


def test_new_files_get_the_umask_mode(tmp_path):
    for mask, mode in ((0o022, 0o644), (0o027, 0o640)):
        out, junit = tmp_path / f"r{mask}.md", tmp_path / f"j{mask}.xml"
        proc = subprocess.run(
            f"umask {mask:o}; {sys.executable} -m logsleuth analyze {SEED} -f markdown -o {out};"
            f" {sys.executable} -m logsleuth ci {SEED} --junit {junit}",
            shell=True,
            capture_output=True,
            text=True,
        )
        assert out.exists() and junit.exists(), proc.stderr
        assert stat.S_IMODE(os.stat(out).st_mode) == mode
        assert stat.S_IMODE(os.stat(junit).st_mode) == mode


@pytest.mark.parametrize("how", ["same path", "hard link", "symlink", "other spelling"])
def test_an_output_that_is_an_input_is_refused_before_reading(tmp_path, capsys, how):
    log = tmp_path / "odoo.log"
    log.write_bytes(Path(SEED).read_bytes())
    original = log.read_bytes()
    out = {
        "same path": log,
        "hard link": tmp_path / "hard.log",
        "symlink": tmp_path / "sym.log",
        "other spelling": tmp_path / "." / "odoo.log",
    }[how]
    if how == "hard link":
        os.link(log, out)
    elif how == "symlink":
        out.symlink_to(log)
    code, out_text, err = run(["analyze", str(log), "-o", str(out)], capsys)
    assert code == 2 and err.count("\n") == 1 and "output is one of the inputs" in err
    assert log.read_bytes() == original


def test_stdout_that_is_an_input_is_refused(tmp_path):
    log = tmp_path / "odoo.log"
    log.write_bytes(Path(SEED).read_bytes())
    size = log.stat().st_size
    with open(log, "a") as fh:
        proc = subprocess.run(
            [sys.executable, "-m", "logsleuth", "analyze", str(log)], stdout=fh, stderr=subprocess.PIPE, text=True
        )
    assert proc.returncode == 2 and "stdout is one of the inputs" in proc.stderr
    assert log.stat().st_size == size


def test_ci_junit_that_is_an_input_is_refused(tmp_path, capsys):
    log = write_log(tmp_path, Path(SEED).read_text())
    code, _, err = run(["ci", log, "--junit", log], capsys)
    assert code == 2 and "output is one of the inputs" in err and Path(log).read_text() == Path(SEED).read_text()


def test_stdout_on_a_full_disk_is_an_error():
    with open("/dev/full", "w") as full:
        proc = subprocess.run(
            [sys.executable, "-m", "logsleuth", "analyze", SEED, "-f", "json"],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
    assert proc.returncode == 2 and proc.stderr == "logsleuth: error: cannot write: No space left on device (stdout)\n"


def test_closed_stdout_is_an_error_not_a_crash():
    proc = subprocess.run(
        f"{sys.executable} -m logsleuth analyze {SEED} >&-", shell=True, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "internal error" not in proc.stderr


def test_a_read_only_output_folder_is_one_line(tmp_path, capsys, monkeypatch):
    import tempfile

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)  # as root, chmod cannot make a folder read-only
    code, _, err = run(["analyze", SEED, "-o", str(tmp_path / "r.txt")], capsys)
    assert code == 2 and err == f"logsleuth: error: output folder is not writable ({tmp_path})\n"


def test_a_failed_write_leaves_no_temporary_file(tmp_path, capsys, monkeypatch):
    import logsleuth.cli.output as output

    real = os.fchmod

    def full(fd, mode):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(output.os, "fchmod", full)
    code, _, err = run(["analyze", SEED, "-o", str(tmp_path / "r.txt")], capsys)
    monkeypatch.setattr(output.os, "fchmod", real)
    assert code == 2 and "No space left on device" in err and list(tmp_path.iterdir()) == []


# --- configuration ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("fail-on = []\n", "invalid configuration: fail-on = [] must be a non-empty string"),
        ("fail-on = 5\n", "invalid configuration: fail-on = 5 must be a non-empty string"),
        ('ignore = "x"\n', "invalid configuration: ignore = 'x' must be a list of regex strings"),
        ('fail-on-skipped = "yes"\n', "invalid configuration: fail-on-skipped = 'yes' must be true or false"),
        ('fail-on = "loud"\n', "--fail-on must be a log level, not 'loud'"),
        ('annotations = "jenkins"\n', "annotations must be github, gitlab or none, not 'jenkins'"),
    ],
)
def test_configuration_values_of_the_wrong_type(tmp_path, capsys, text, expected):
    config = tmp_path / ".logsleuth.toml"
    config.write_text(text)
    code, _, err = run(["ci", SEED, "--config", str(config)], capsys)
    assert code == 2 and err.count("\n") == 1 and expected in err
    if "invalid configuration" in expected:
        assert str(config) in err


def test_unknown_configuration_keys_are_warned_about(tmp_path, capsys):
    config = tmp_path / ".logsleuth.toml"
    config.write_text('fail-on = "critical"\nfail-of-skipped = true\n')
    code, _, err = run(["ci", SEED, "--config", str(config)], capsys)
    assert f"logsleuth: warning: unknown configuration key 'fail-of-skipped' ignored ({config})" in err


# --- bounded by design -----------------------------------------------------------------------


def _word(n: int) -> str:
    """A number spelled in letters: fingerprints mask digits, not words."""
    out = ""
    while True:
        n, r = divmod(n, 26)
        out += "abcdefghijklmnopqrstuvwxyz"[r]
        if not n:
            return out


def _generate(tmp_path: Path, profile: str, count: int) -> str:
    """A hostile log: ``count`` distinct errors of one process, or ``count`` processes of one
    request line each (written here: the benchmark generator's profiles are sized in bytes)."""
    out = tmp_path / f"{profile}.log"
    lines = ["2025-10-18 03:00:00,000 4242 INFO ? odoo: Odoo version 17.0"] if profile == "distinct-errors" else []
    for i in range(count):
        stamp = f"2025-10-18 03:{i // 60000 % 60:02d}:{i // 1000 % 60:02d},{i % 1000:03d}"
        if profile == "distinct-errors":
            lines.append(
                f"{stamp} 4242 ERROR prod odoo.addons.acme_{_word(i % 97)}.sync: "
                f"Sync failed: remote said {_word(i)}-{_word(i * 7919 % 1000003)} not accepted"
            )
        else:
            lines.append(
                f'{stamp} {10000 + i} INFO prod werkzeug: 10.0.0.2 - - [18/Oct/2025 03:00:00] "GET /web HTTP/1.1" 200 - 3 0.010 0.020'
            )
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(out)


def test_distinct_errors_are_capped_and_counted(tmp_path, capsys):
    log = _generate(tmp_path, "distinct-errors", 20000)
    code, out, err = run(["analyze", log, "-f", "json"], capsys)
    data = json.loads(out)
    assert code == 0, err
    assert len(data["findings"]) == MAX_FINDINGS_PER_PATTERN  # all unclassified errors
    omitted = data["omitted"]
    assert omitted["finding_records"] == 20000 - MAX_FINDINGS_PER_PATTERN
    assert abs(omitted["findings"] - (20000 - MAX_FINDINGS_PER_PATTERN)) <= 20  # counted in constant memory
    assert any(
        n["text"].startswith("Bounded report:") and "more distinct failure(s)" in n["text"] for n in data["notes"]
    )
    assert len(out) < 1_000_000
    assert set(data) >= {
        "schema",
        "tool",
        "sources",
        "summary",
        "verdict",
        "lifetimes",
        "findings",
        "root_causes",
        "notes",
    }


def test_distinct_pids_are_capped_and_counted(tmp_path, capsys):
    log = _generate(tmp_path, "distinct-pids", 3 * MAX_LIFETIMES)
    code, out, err = run(["lifetimes", log, "-f", "json"], capsys)
    data = json.loads(out)
    assert code == 0, err
    assert len(data["lifetimes"]) == MAX_LIFETIMES
    assert abs(data["omitted"]["lifetimes"] - 2 * MAX_LIFETIMES) <= 5
    code, out, _ = run(["analyze", log, "-f", "markdown"], capsys)
    assert "more process(es) not shown" in out


def test_a_hostile_pattern_is_disabled_after_one_timeout(tmp_path, capsys):
    """A regex that backtracks without end on these lines (the compiled prefilter cannot rule
    it out: its \\d matches the "!" once widened)."""
    patterns = tmp_path / "patterns"
    patterns.mkdir()
    (patterns / "evil.toml").write_text(
        "id = 'evil'\ntitle = 'Evil'\nseverity = 'high'\ncategory = 'runtime'\n[match]\nmessage = '''^(a|a)+\\d$'''\n"
    )
    log = write_log(
        tmp_path,
        "2025-01-01 10:00:00,000 1 INFO ? odoo: Odoo version 17.0\n"
        + "".join(f"2025-01-01 10:00:01,000 1 ERROR ? odoo.http: {'a' * 40}!\n" for _ in range(40)),
    )
    code, out, err = run(["analyze", log, "--patterns", str(patterns), "-f", "json"], capsys)
    assert code == 0
    warnings = [line for line in err.splitlines() if "disabled for the rest of the run" in line]
    assert len(warnings) == 1 and "evil.toml" in warnings[0]
    assert json.loads(out)["summary"]["errors"] == 40


# --- workers end with the run ----------------------------------------------------------------


def _children(pid: int) -> list[int]:
    try:
        return [int(x) for x in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0] not in "ZX"
    except OSError:
        return False


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs /proc to list child processes")
@pytest.mark.parametrize("sig, code", [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_ends_every_worker(tmp_path, sig, code):
    logs = []
    for i in range(4):
        folder = tmp_path / f"web{i}"
        folder.mkdir()
        out = folder / "odoo.log"
        subprocess.run(
            [sys.executable, str(ROOT / "benchmarks" / "generate.py"), "--size", "40M", "--seed", str(i), str(out)],
            check=True,
            capture_output=True,
        )
        logs.append(str(out))
    proc = subprocess.Popen(
        [sys.executable, "-m", "logsleuth", "analyze", *logs, "-j", "4", "-f", "json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    seen: set[int] = set()
    deadline = time.monotonic() + 60
    while proc.poll() is None and len(seen) < 2 and time.monotonic() < deadline:
        seen.update(_children(proc.pid))
        time.sleep(0.02)
    assert seen, "no worker process started"
    if sig == signal.SIGINT:
        os.killpg(proc.pid, sig)  # Ctrl-C in a terminal reaches the whole process group
    else:
        proc.send_signal(sig)  # SIGTERM reaches the parent only (kill, systemd, a CI runner)
    _, err = proc.communicate(timeout=60)  # the pipe closes: no worker keeps it open
    assert proc.returncode == code, err
    assert b"Traceback" not in err, err
    deadline = time.monotonic() + 10
    while any(_alive(p) for p in seen) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [p for p in seen if _alive(p)]

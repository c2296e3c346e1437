"""The bad-input battery: ONE table, one line per case, one parametrized test.

Each case is a shell command line run in a temporary folder prepared by ``_prepare`` (the seed
log as ``odoo.log``, a link to it, binary files, a FIFO, configuration files…), the exit code it
must give and a substring its stderr must hold. Every case also checks what holds for all of
them: no Python traceback, never ``internal error``, and an error is exactly one line.

To add a case, add a line to CASES (and, if it needs a new file, a line to ``_prepare``).
"""

from __future__ import annotations

import gzip
import io
import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from helpers import SAMPLES

SEED = SAMPLES / "seed_ai_brain_odoo18.log"
LS = f"{sys.executable} -m logsleuth"

CASES: list[tuple[str, str, int, str]] = [
    # (what, command after `logsleuth`, exit code, stderr substring)
    # inputs
    ("missing file", "analyze nope.log", 2, "error: no such file (nope.log)"),
    ("missing among several", "analyze odoo.log nope.log", 2, "error: no such file (nope.log)"),
    ("directory", "analyze dir", 2, "error: is a directory, not a log file (dir)"),
    ("empty file", "analyze empty.log -f json", 0, ""),
    ("not an Odoo log", "analyze text.log -f json", 0, ""),
    ("zip archive", "analyze logs.zip", 2, "error: binary data, not a text log (logs.zip)"),
    ("ELF binary", "analyze prog.elf", 2, "error: binary data, not a text log (prog.elf)"),
    ("PNG image", "analyze image.png", 2, "error: binary data, not a text log (image.png)"),
    ("tar archive", "analyze logs.tar", 2, "error: binary data, not a text log (logs.tar)"),
    ("file of zeros", "analyze zeros.bin", 2, "error: binary data, not a text log (zeros.bin)"),
    ("zeros then a log (copytruncate)", "lifetimes truncated-copy.log", 0, ""),
    ("truncated gzip", "lifetimes cut.log.gz", 0, "warning: damaged gzip after line"),
    ("stdin twice", "analyze - - < odoo.log", 2, "error: stdin (-) can be read only once"),
    ("stdin closed", "analyze - <&-", 2, "error: stdin is closed, nothing to read (-)"),
    ("show on stdin", "show - --finding F1 < odoo.log", 2, "error: show reads the log twice"),
    ("show unknown finding", "show odoo.log --finding F99", 2, "error: no finding F99 in this report"),
    # outputs
    ("output folder missing", "analyze odoo.log -o nope/r.txt", 2, "error: output folder does not exist (nope)"),
    ("output is a directory", "analyze odoo.log -o dir", 2, "error: output is a directory (dir)"),
    ("output is the input", "analyze odoo.log -o odoo.log", 2, "error: output is one of the inputs (odoo.log)"),
    (
        "output is a link to the input",
        "lifetimes odoo.log -o link.log",
        2,
        "error: output is one of the inputs (odoo.log)",
    ),
    ("output is a hard link to the input", "analyze hard.log -o odoo.log", 2, "error: output is one of the inputs"),
    ("junit is the input", "ci odoo.log --junit odoo.log", 2, "error: output is one of the inputs"),
    ("stdout appends to the input", "analyze odoo.log >> odoo.log", 2, "error: stdout is one of the inputs (odoo.log)"),
    (
        "stdout on a full disk",
        "analyze odoo.log -f json > /dev/full",
        2,
        "error: cannot write: No space left on device (stdout)",
    ),
    (
        "-o on a full disk",
        "analyze odoo.log -o /dev/full",
        2,
        "error: cannot write: No space left on device (/dev/full)",
    ),
    (
        "--junit on a full disk",
        "ci odoo.log --junit /dev/full",
        2,
        "error: cannot write: No space left on device (/dev/full)",
    ),
    ("-o /dev/null", "analyze odoo.log -o /dev/null", 0, ""),
    ("stdout closed", "analyze odoo.log >&-", 2, "error: cannot write: stdout is closed (stdout)"),
    (
        "annotations file is a directory",
        "ci odoo.log --annotations gitlab --annotations-file dir",
        2,
        "error: output is a directory (dir)",
    ),
    ("read-only output folder", "analyze odoo.log -o /sys/r.txt", 2, "error: output folder is not writable (/sys)"),
    # watch
    ("watch a directory", "watch dir --timeout 0", 2, "error: is a directory, not a log file (dir)"),
    ("watch a FIFO", "watch pipe.fifo --timeout 0", 2, "error: not a regular file, cannot be followed"),
    ("watch stdin", "watch - --timeout 0", 2, "error: watch follows a file by its name"),
    ("--jsonl is a directory", "watch odoo.log --jsonl dir --timeout 0", 2, "error: output is a directory (dir)"),
    (
        "--jsonl in a missing folder",
        "watch odoo.log --jsonl nope/f.jsonl --timeout 0",
        2,
        "error: output folder does not exist (nope)",
    ),
    ("--jsonl is the log", "watch odoo.log --jsonl odoo.log --timeout 0", 2, "error: output is one of the inputs"),
    ("negative --timeout", "watch odoo.log --timeout -1", 2, "error: Invalid value for '--timeout'"),
    # option values
    (
        "--since far in the past",
        "analyze odoo.log --since '999999999999h ago'",
        2,
        "error: cannot read '999999999999h ago' as a date or time",
    ),
    ("empty --since", "analyze odoo.log --since ''", 2, "error: cannot read '' as a date or time"),
    (
        "unreadable --until",
        "analyze odoo.log --until 'next blue moon'",
        2,
        "error: cannot read 'next blue moon' as a date or time",
    ),
    ("--since after --until", "analyze odoo.log --since 03:30 --until 03:10", 2, "error: --since is after --until"),
    ("negative -C", "show odoo.log --finding F1 -C -1", 2, "error: Invalid value for '--context' / '-C'"),
    (
        "negative --occurrences",
        "show odoo.log --finding F1 --occurrences -2",
        2,
        "error: Invalid value for '--occurrences'",
    ),
    ("--lifetime 0", "analyze odoo.log --lifetime 0", 2, "error: Invalid value for '--lifetime'"),
    ("negative --lifetime", "lifetimes odoo.log --lifetime -1", 2, "error: Invalid value for '--lifetime'"),
    ("non-integer --pid", "analyze odoo.log --pid abc", 2, "error: Invalid value for '--pid'"),
    ("-j 0", "analyze odoo.log -j 0", 2, "error: --jobs takes a number of at least 1 or 'auto', not '0'"),
    ("-j abc", "lifetimes odoo.log -j abc", 2, "error: --jobs takes a number or 'auto', not 'abc'"),
    ("unknown --level", "analyze odoo.log --level LOUD", 2, "error: --level must be one of"),
    ("unknown --format", "analyze odoo.log -f pdf", 2, "error: Invalid value for '--format' / '-f'"),
    ("unknown option", "analyze odoo.log --frobnicate", 2, "error: No such option: --frobnicate"),
    ("no file given", "analyze", 2, "error: Missing argument"),
    ("pattern directory missing", "analyze odoo.log --patterns nope", 2, "error: pattern directory not found (nope)"),
    (
        "invalid user pattern",
        "analyze odoo.log --patterns badpat -o /dev/null",
        0,
        "warning: pattern skipped: unknown field 'colour'",
    ),
    (
        "hostile user pattern",
        "analyze evil.log --patterns evilpat -o /dev/null",
        0,
        "warning: pattern evil disabled for the rest of the run",
    ),
    # ci configuration
    ("config file missing", "ci odoo.log --config nope.toml", 2, "error: configuration file not found (nope.toml)"),
    ("config not TOML", "ci odoo.log --config broken.toml", 2, "error: invalid configuration:"),
    (
        "config fail-on = []",
        "ci odoo.log --config list.toml",
        2,
        "error: invalid configuration: fail-on = [] must be a non-empty string (list.toml)",
    ),
    (
        "config fail-on = 5",
        "ci odoo.log --config five.toml",
        2,
        "error: invalid configuration: fail-on = 5 must be a non-empty string (five.toml)",
    ),
    (
        "config unknown key",
        "ci odoo.log --config unknown.toml",
        1,
        "warning: unknown configuration key 'fail-of' ignored (unknown.toml)",
    ),
    ("--fail-on not a level", "ci odoo.log --fail-on loud", 2, "error: --fail-on must be a log level, not 'loud'"),
    ("invalid --ignore regex", "ci odoo.log --ignore '('", 2, "error: invalid --ignore regex"),
]


def _prepare(tmp: Path) -> None:
    (tmp / "odoo.log").write_bytes(SEED.read_bytes())
    (tmp / "link.log").symlink_to(tmp / "odoo.log")
    os.link(tmp / "odoo.log", tmp / "hard.log")
    (tmp / "dir").mkdir()
    (tmp / "empty.log").write_bytes(b"")
    (tmp / "text.log").write_text("just some text\nnothing odoo about it\n")
    with zipfile.ZipFile(tmp / "logs.zip", "w") as z:
        z.writestr("odoo.log", SEED.read_text() * 3)
    (tmp / "prog.elf").write_bytes(Path(sys.executable).resolve().read_bytes()[:65536])
    (tmp / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 40)
    with tarfile.open(tmp / "logs.tar", "w") as t:
        data = SEED.read_bytes()
        info = tarfile.TarInfo("odoo.log")
        info.size = len(data)
        t.addfile(info, io.BytesIO(data))
    (tmp / "zeros.bin").write_bytes(b"\x00" * (4 * 1024 * 1024))
    (tmp / "truncated-copy.log").write_bytes(b"\x00" * 100_000 + SEED.read_bytes())
    packed = gzip.compress(SEED.read_bytes())
    (tmp / "cut.log.gz").write_bytes(packed[: len(packed) * 2 // 3])
    os.mkfifo(tmp / "pipe.fifo")
    (tmp / "badpat").mkdir()
    (tmp / "badpat" / "bad.toml").write_text(
        "id = 'x'\ntitle = 'x'\nseverity = 'high'\ncategory = 'runtime'\ncolour = 1\n[match]\nmessage = 'x'\n"
    )
    (tmp / "evilpat").mkdir()
    (tmp / "evilpat" / "evil.toml").write_text(
        "id = 'evil'\ntitle = 'Evil'\nseverity = 'high'\ncategory = 'runtime'\n[match]\nmessage = '''^(a|a)+\\d$'''\n"
    )
    (tmp / "evil.log").write_text(
        "2025-01-01 10:00:00,000 1 INFO ? odoo: Odoo version 17.0\n"
        + "".join(f"2025-01-01 10:00:01,000 1 ERROR ? odoo.http: {'a' * 40}!\n" for _ in range(20))
    )
    (tmp / "broken.toml").write_text("fail-on = \n")
    (tmp / "list.toml").write_text("fail-on = []\n")
    (tmp / "five.toml").write_text("fail-on = 5\n")
    (tmp / "unknown.toml").write_text('fail-on = "error"\nfail-of = "warning"\n')


@pytest.mark.parametrize("what, command, code, expected", CASES, ids=[c[0] for c in CASES])
def test_bad_input(tmp_path, what, command, code, expected):
    if "/sys/" in command and (not os.path.isdir("/sys") or (os.access("/sys", os.W_OK) and not _sys_read_only())):
        pytest.skip("/sys is writable here")
    _prepare(tmp_path)
    proc = subprocess.run(
        f"{LS} {command}",
        shell=True,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    err = proc.stderr
    assert proc.returncode == code, f"{what}: exit {proc.returncode}, stderr {err!r}"
    assert expected in err, f"{what}: {err!r}"
    assert "Traceback" not in err and "internal error" not in err and "Usage:" not in err
    if code == 2:
        assert err.count("\n") == 1 and err.startswith("logsleuth: error: "), err
    if not expected:
        assert "error" not in err, err


def _sys_read_only() -> bool:
    try:
        fd = os.open("/sys/.logsleuth-probe", os.O_CREAT | os.O_WRONLY)
    except OSError:
        return True
    os.close(fd)
    os.unlink("/sys/.logsleuth-probe")
    return False

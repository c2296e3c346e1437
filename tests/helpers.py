"""Shared test helpers: logs written in the tests, and where ../shared lives."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from logsleuth.reading.records import Record, parse_records
from logsleuth.reading.sources import Source

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
CORPUS_REAL = SHARED / "corpus" / "real"
CORPUS_GENERATED = SHARED / "corpus" / "generated"
SAMPLES = ROOT / "sample_logs"

needs_shared = pytest.mark.skipif(
    not (SHARED / "corpus").is_dir(),
    reason="../shared/corpus is not beside the checkout (CI puts it there); real-log tests skipped",
)


def text_source(text: str, name: str = "-") -> Source:
    """An in-memory source that reads like stdin."""
    return Source(name, _stdin=io.BytesIO(text.encode("utf-8")))  # type: ignore[arg-type]


def records_of(text: str) -> list[Record]:
    return list(parse_records([text_source(text)]))


def write_log(tmp_path: Path, text: str, name: str = "odoo.log") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def run_cli(args: list[str], capsys) -> tuple[int, str, str]:
    """Run the command line in-process: exit code, stdout, stderr."""
    from logsleuth.cli.app import main

    with pytest.raises(SystemExit) as done:
        main(args)
    cap = capsys.readouterr()
    return done.value.code, cap.out, cap.err

"""The compiled scanner (the default engine) against the reference parser in records.py:
identical records, source counters and reports on every log we have and on fuzzed ones."""

from __future__ import annotations

import gzip

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import CORPUS_GENERATED, CORPUS_REAL, ROOT, SAMPLES
from logsleuth import records
from logsleuth.records import parse_records
from logsleuth.sources import Source
from test_fuzz import EXAMPLES, log_lines

pytestmark = pytest.mark.skipif(records._core is None, reason="the compiled core is not built")

LOGS = sorted(SAMPLES.glob("*.log")) + sorted((ROOT / "tests" / "corpus" / "real").glob("*.log"))
LOGS += sorted(CORPUS_REAL.glob("*.log")) + sorted(CORPUS_GENERATED.glob("*.log")) if CORPUS_REAL.is_dir() else []
FIELDS = ("source", "first_line", "last_line", "timestamp", "pid", "level", "db", "logger", "message", "continuation",
          "cut_lines", "kind")


def parsed(path: str, engine: str) -> tuple[list, tuple]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LOGSLEUTH_ENGINE", engine)
        source = Source(path)
        recs = [tuple(getattr(r, f) for f in FIELDS) for r in parse_records([source])]
    return recs, (source.lines, source.bytes, source.cut_lines, source.cut_bytes, source.prefix, source.damage)


def assert_same(path: str) -> list:
    rust, python = parsed(path, "rust"), parsed(path, "python")
    assert rust[1] == python[1]
    for a, b in zip(rust[0], python[0]):
        assert a == b
    assert len(rust[0]) == len(python[0])
    return rust[0]


@pytest.mark.parametrize("path", LOGS, ids=lambda p: p.name)
def test_same_records_on_every_log(path):
    assert_same(str(path))


def test_same_records_on_cleaning_edge_cases(tmp_path):
    """CRLF, ANSI, NUL, lines over the byte limit (cut inside a UTF-8 sequence), a last line
    without a newline, console prefixes, PowerShell's prefix, a header cut after its PID."""
    parts = ["2025-01-01 10:00:00,000 7 INFO ? odoo: Odoo version 17.0 ", "python : 2025-01-01 10:00:00,000 7 INFO db odoo: ps",
             "2025-01-01 10:00:01,000 7", "INFO db odoo: joined", "2025-01-01 10:00:02,000 7 \x1b[1;31mERROR\x1b[0m db odoo.http: boom \x00",
             "Traceback (most recent call last):", "ValueError: " + "é" * (40 * 1024), "2025-01-01 10:00:03,000 7 INFO db werkzeug: x\x1f ",
             "x" * (64 * 1024 - 1), "y" * (64 * 1024), "Killed", "\u3000 trailing"]
    text = "\r\n".join(parts)
    for name, data in (("crlf.log", text.encode()), ("compose.log", "\n".join("web-1  | " + p for p in parts).encode()),
                       ("nonl.log", ("\n".join(parts) + "\n" + "z" * 200_000).encode()), ("bad.log", b"\xff\xfe" + text.encode()[:-7])):
        path = tmp_path / name
        path.write_bytes(data)
        assert assert_same(str(path)), name


def test_same_records_before_damage_in_an_archive(tmp_path):
    line = "2025-01-01 10:00:00,000 7 INFO db odoo.modules.loading: loading module %d\n"
    data = gzip.compress("".join(line % i for i in range(200_000)).encode())
    path = tmp_path / "cut.log.gz"
    path.write_bytes(data[: len(data) // 2])
    recs = assert_same(str(path))
    assert 0 < len(recs) < 200_000


@pytest.mark.slow
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(lines=log_lines(), noise=st.lists(st.binary(max_size=40), max_size=5), crlf=st.booleans())
def test_same_records_on_fuzzed_logs(tmp_path_factory, lines, noise, crlf):
    data = ("\r\n" if crlf else "\n").join(lines).encode("utf-8", "replace")
    for chunk in noise:
        at = len(data) * (chunk[0] if chunk else 0) // 256
        data = data[:at] + chunk + data[at:]
    path = tmp_path_factory.mktemp("engines") / "odoo.log"
    path.write_bytes(data)
    assert_same(str(path))


@settings(max_examples=EXAMPLES, deadline=None)
@given(text=st.text(alphabet=st.sampled_from("2025-01 :,0123456789 INFOERRORWARNING db odoo werkzeug\t\x1c\x1f\u00a0\u0660\u0301é_.|\x1b[m"),
                    max_size=120))
def test_same_records_on_fuzzed_headers(tmp_path_factory, text):
    """Header-like lines made of the characters where Python's regex classes and Rust's differ."""
    path = tmp_path_factory.mktemp("headers") / "odoo.log"
    path.write_bytes(("2025-01-01 10:00:00,000 7 INFO db x: y\n" + text + "\n2025-01-01 10:00:00,000 " + text + "\n").encode())
    assert_same(str(path))

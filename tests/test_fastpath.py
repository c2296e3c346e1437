"""The hot path must give exactly the report the general path gives."""

from __future__ import annotations

import gzip
import sys

import pytest
from hypothesis import HealthCheck, given, settings

from helpers import CORPUS_GENERATED, CORPUS_REAL, ROOT, SAMPLES
from logsleuth.analysis import scan
from logsleuth.patterns import load_patterns
from logsleuth.render.json import report_dict
from logsleuth.report import build_report
from test_fuzz import EXAMPLES, log_lines

PATTERNS = load_patterns()


def both(paths: list[str]) -> tuple[dict, dict]:
    fast = report_dict(build_report(scan(paths, PATTERNS, fast=True)))
    slow = report_dict(build_report(scan(paths, PATTERNS, fast=False)))
    return fast, slow


LOGS = sorted(SAMPLES.glob("*.log")) + (sorted(CORPUS_REAL.glob("*.log")) + sorted(CORPUS_GENERATED.glob("*.log")) if CORPUS_REAL.is_dir() else [])


@pytest.mark.parametrize("path", LOGS, ids=lambda p: p.name)
def test_same_report_on_every_log(path):
    fast, slow = both([str(path)])
    assert fast == slow


def test_same_report_on_a_generated_production_log(tmp_path):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from generate import generate

    log = tmp_path / "big.log"
    with open(log, "wb") as fh:
        generate(fh, 4 * 1024 * 1024, seed=7, every=400)
    fast, slow = both([str(log)])
    assert fast == slow and fast["summary"]["records"] > 10000
    gz = tmp_path / "big.log.gz"
    gz.write_bytes(gzip.compress(log.read_bytes()))
    fast_gz, _ = both([str(gz)])
    unsourced = lambda items: [{k: v for k, v in x.items() if "source" not in k} for x in items]  # noqa: E731
    assert fast["findings"] and unsourced(fast_gz["findings"]) == unsourced(fast["findings"])
    assert unsourced(fast_gz["lifetimes"]) == unsourced(fast["lifetimes"])


def test_same_report_with_crlf_ansi_nul_long_lines_and_prefixes(tmp_path):
    line = '2025-01-01 10:00:{s:02d},000 7 INFO db werkzeug: 10.0.0.1 - - [01/Jan/2025 10:00:00] "GET /web HTTP/1.1" 200 - 3 0.001 0.002'
    parts = ["2025-01-01 10:00:00,000 7 INFO ? odoo: Odoo version 17.0 "]
    for s in range(50):
        parts.append(line.format(s=s))
        if s % 7 == 0:
            parts.append("continuation of a request line")
        if s % 11 == 0:
            parts.append("2025-01-01 10:00:%02d,500 7 \x1b[1;31mERROR\x1b[0m db odoo.http: boom \x00 " % s)
            parts.append("Traceback (most recent call last):")
            parts.append("ValueError: " + "x" * (70 * 1024))
    text = "\r\n".join(parts)
    for name, data in (("crlf.log", text.encode()), ("compose.log", "\n".join("web-1  | " + p for p in parts).encode()),
                       ("nonl.log", ("\n".join(parts) + "\n" + "y" * 200_000).encode())):
        path = tmp_path / name
        path.write_bytes(data)
        fast, slow = both([str(path)])
        assert fast == slow, name


@settings(max_examples=max(EXAMPLES // 4, 50), deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(lines=log_lines())
def test_same_report_on_fuzzed_logs(tmp_path_factory, lines):
    path = tmp_path_factory.mktemp("fast") / "odoo.log"
    path.write_bytes(("\n".join(lines) + "\n").encode("utf-8", "replace"))
    fast, slow = both([str(path)])
    assert fast == slow

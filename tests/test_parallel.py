"""--jobs: several streams in parallel processes give exactly the -j 1 report."""

from __future__ import annotations

import json

import pytest

from helpers import CORPUS_GENERATED, CORPUS_REAL, SAMPLES, needs_shared
from logsleuth.cli import main
from logsleuth.parallel import resolve_jobs


def run(args, capsys):
    with pytest.raises(SystemExit) as done:
        main(args)
    cap = capsys.readouterr()
    return done.value.code, cap.out


@needs_shared
@pytest.mark.parametrize("command", ["analyze", "ci"])
def test_parallel_streams_equal_serial(capsys, command):
    files = [str(p) for p in sorted(CORPUS_GENERATED.glob("*.log"))] + [str(SAMPLES / "seed_ai_brain_odoo18.log")]
    files += [str(p) for p in sorted(CORPUS_REAL.glob("*.log"))[:12]]
    fmt = ["-f", "json"] if command == "analyze" else []
    serial = run([command, *files, *fmt, "-j", "1"], capsys)
    parallel = run([command, *files, *fmt, "--jobs", "2"], capsys)
    assert serial[0] == parallel[0]
    if command == "analyze":
        a, b = json.loads(serial[1]), json.loads(parallel[1])
        assert a == b
        assert len({f["occurrence_sources"][0] for f in a["findings"]}) > 5
    else:
        assert serial[1] == parallel[1]


def test_jobs_values():
    assert resolve_jobs("auto") >= 1 and resolve_jobs("3") == 3 and resolve_jobs(None) == 1


def _report(paths, jobs):
    from logsleuth.analysis import scan
    from logsleuth.patterns import load_patterns
    from logsleuth.render.json import report_dict
    from logsleuth.report import build_report

    return report_dict(build_report(scan(paths, load_patterns(), jobs=jobs)))


LOGS = sorted(SAMPLES.glob("*.log")) + (
    sorted(CORPUS_GENERATED.glob("*.log")) + sorted(CORPUS_REAL.glob("*.log"))[:15] if CORPUS_REAL.is_dir() else []
)


@pytest.mark.parametrize("path", LOGS, ids=lambda p: p.name)
def test_one_file_split_into_ranges_equals_serial(path, monkeypatch):
    """Tiny ranges put cut points inside tracebacks, shutdown windows and lifetimes."""
    import logsleuth.split as split

    monkeypatch.setattr(split, "RANGE_BYTES", 1500)
    monkeypatch.setattr(split, "MIN_SPLIT_BYTES", 0)
    assert _report([str(path)], 2) == _report([str(path)], 1)


def test_split_on_a_generated_production_log(tmp_path, monkeypatch):
    import sys

    import logsleuth.split as split
    from helpers import ROOT

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from generate import generate

    log = tmp_path / "big.log"
    with open(log, "wb") as fh:
        generate(fh, 6 * 1024 * 1024, seed=11, every=300)
    monkeypatch.setattr(split, "RANGE_BYTES", 256 * 1024)
    monkeypatch.setattr(split, "MIN_SPLIT_BYTES", 0)
    parallel, serial = _report([str(log)], 2), _report([str(log)], 1)
    assert parallel == serial and serial["findings"] and len(serial["lifetimes"]) > 1


from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from test_fuzz import log_lines  # noqa: E402


@pytest.mark.slow
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
)
@given(lines=log_lines())
def test_split_equals_serial_on_fuzzed_logs(tmp_path_factory, monkeypatch, lines):
    import logsleuth.split as split

    monkeypatch.setattr(split, "RANGE_BYTES", 300)
    monkeypatch.setattr(split, "MIN_SPLIT_BYTES", 0)
    path = tmp_path_factory.mktemp("split") / "odoo.log"
    path.write_bytes(("\n".join(lines) + "\n").encode("utf-8", "replace"))
    assert _report([str(path)], 2) == _report([str(path)], 1)


from test_fastpath import request_heavy_logs  # noqa: E402
from test_fuzz import EXAMPLES  # noqa: E402


@pytest.mark.slow
@settings(
    max_examples=max(EXAMPLES // 25, 40),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
)
@given(lines=request_heavy_logs(), size=st.integers(200, 4000))
def test_split_equals_serial_on_request_heavy_logs(tmp_path_factory, monkeypatch, lines, size):
    """Cut points inside runs of request lines: segments end at range ends and are applied, or
    read again, in the parent."""
    import logsleuth.split as split

    monkeypatch.setattr(split, "RANGE_BYTES", size)
    monkeypatch.setattr(split, "MIN_SPLIT_BYTES", 0)
    path = tmp_path_factory.mktemp("split") / "odoo.log"
    path.write_bytes(("\n".join(lines) + "\n").encode())
    assert _report([str(path)], 2) == _report([str(path)], 1)

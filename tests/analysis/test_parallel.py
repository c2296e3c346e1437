"""--jobs: several streams in parallel processes, or one stream read ahead on a second core,
give exactly the -j 1 report."""

from __future__ import annotations

import json

import pytest

from helpers import CORPUS_GENERATED, CORPUS_REAL, SAMPLES, needs_shared
from logsleuth.analysis.parallel import resolve_jobs
from logsleuth.cli.app import main


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


@pytest.mark.parametrize("command", ["analyze", "ci", "lifetimes"])
def test_one_stream_with_jobs_is_read_ahead_and_equals_serial(capsys, monkeypatch, command):
    import logsleuth.analysis.pipeline as pipeline

    asked = []
    parse = pipeline.parse_records

    def spy(sources, table=None, ahead="never"):
        asked.append(ahead)
        return parse(sources, table, ahead)

    monkeypatch.setattr(pipeline, "parse_records", spy)
    log = str(SAMPLES / "seed_ai_brain_odoo18.log")
    fmt = ["-f", "json"] if command == "analyze" else []
    serial = run([command, log, *fmt, "-j", "1"], capsys)
    ahead = run([command, log, *fmt, "-j", "2"], capsys)
    assert asked == ["never", "auto"]
    assert serial == ahead and len(serial[1]) > 500


def test_jobs_values():
    assert resolve_jobs("auto") >= 1 and resolve_jobs("3") == 3 and resolve_jobs(None) == 1


def test_distinct_counts_do_not_depend_on_the_hash_seed_and_merge_as_a_union():
    import os
    import subprocess
    import sys

    code = (
        "from logsleuth.analysis.bounds import DistinctCounter\n"
        "c = DistinctCounter()\n"
        "for i in range(300000): c.add(('F', 'x%d' % i, None))\n"
        "print(len(c))"
    )
    counts = {
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ, "PYTHONHASHSEED": seed}
        ).stdout
        for seed in ("1", "2", "3")
    }
    assert len(counts) == 1
    from logsleuth.analysis.bounds import DistinctCounter

    a, b = DistinctCounter(), DistinctCounter()
    for i in range(1000):
        a.add(("k", i))
        b.add(("k", i + 500))
    a.merge(b)
    assert len(a) == 1500

"""The hot path must give exactly the report the general path gives."""

from __future__ import annotations

import gzip
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from test_fuzz import EXAMPLES, log_lines

from helpers import CORPUS_GENERATED, CORPUS_REAL, ROOT, SAMPLES
from logsleuth.analysis import scan
from logsleuth.patterns import load_patterns
from logsleuth.render.json import report_dict
from logsleuth.report import build_report

PATTERNS = load_patterns()


def both(paths: list[str]) -> tuple[dict, dict]:
    """The JSON report of each path, plus what the scan keeps beyond it: the databases seen
    (redaction uses them) and each lifetime's counters and sequence numbers."""
    reports = []
    for fast in (True, False):
        result = scan(paths, PATTERNS, fast=fast)
        state = [
            (
                lt.end_seq,
                lt.shutdown_seq,
                lt.end_line,
                lt.end,
                lt.lines,
                lt.records,
                lt.requests,
                lt.last_master_message,
            )
            for lt in result.lifetimes
        ]
        reports.append(report_dict(build_report(result)) | {"databases": sorted(result.databases), "state": state})
    return reports[0], reports[1]


LOGS = sorted(SAMPLES.glob("*.log")) + (
    sorted(CORPUS_REAL.glob("*.log")) + sorted(CORPUS_GENERATED.glob("*.log")) if CORPUS_REAL.is_dir() else []
)


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
            parts.append(f"2025-01-01 10:00:{s:02d},500 7 \x1b[1;31mERROR\x1b[0m db odoo.http: boom \x00 ")
            parts.append("Traceback (most recent call last):")
            parts.append("ValueError: " + "x" * (70 * 1024))
    text = "\r\n".join(parts)
    for name, data in (
        ("crlf.log", text.encode()),
        ("compose.log", "\n".join("web-1  | " + p for p in parts).encode()),
        ("nonl.log", ("\n".join(parts) + "\n" + "y" * 200_000).encode()),
    ):
        path = tmp_path / name
        path.write_bytes(data)
        fast, slow = both([str(path)])
        assert fast == slow, name


@pytest.mark.slow
@settings(
    max_examples=max(EXAMPLES // 4, 50),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(lines=log_lines())
def test_same_report_on_fuzzed_logs(tmp_path_factory, lines):
    path = tmp_path_factory.mktemp("fast") / "odoo.log"
    path.write_bytes(("\n".join(lines) + "\n").encode("utf-8", "replace"))
    fast, slow = both([str(path)])
    assert fast == slow


from hypothesis import strategies as st  # noqa: E402

_REQUEST = '{ts} {pid} INFO {db} werkzeug: 10.0.0.{n} - - [01/Jan/2025 10:00:00] "{method} /{path} HTTP/1.1" {status} - 3 0.001 0.002'
_ODD = [
    "{ts} {pid} INFO {db} werkzeug: Worker WorkerHTTP ({pid}) alive",
    "{ts} 1 INFO ? odoo: Odoo version 17.0",
    "{ts} 1 INFO ? odoo.service.server: Initiating shutdown",
    "{ts} {pid} INFO {db} odoo.service.server: Worker WorkerHTTP ({pid}) alive",
    "{ts} {pid} INFO {db} odoo.service.server: Worker ({pid}) exiting. request_count: 1, registry count: 1.",
    "{ts} {pid} ERROR {db} odoo.http: Exception during request handling.",
    "{ts} {pid} ERROR {db} odoo.http: Exception during request handling.\nTraceback (most recent call last):\n"
    '  File "/opt/odoo/odoo/http.py", line 2104, in __call__\n    response = request._serve_db()\n'
    "KeyError: 'ir.http'",
    "{ts} {pid} WARNING {db} odoo.addons.base.models.ir_cron: a cron is late",
    "continuation of the line above",
    "Traceback (most recent call last):",
    "{ts} {pid} INFO {db} odoo.modules.loading: Modules loaded.",
]


@st.composite
def request_heavy_logs(draw) -> list[str]:
    """Mostly request lines in runs, from several processes and databases, across date changes,
    with 5xx statuses, lifecycle werkzeug messages, the header text of one process inside the
    message of another, continuations, errors, restarts and workers coming and going."""
    lines = ["2025-01-01 10:00:00,000 1 INFO ? odoo: Odoo version 17.0"]
    second = 0
    pids = [1, 101, 102, 103, 104]
    dbs = draw(st.sampled_from([["db"], ["db", "db2", "?"], [f"t{i}" for i in range(12)]]))

    def stamp() -> str:
        day, rest = divmod(second, 86400)
        return (
            f"2025-01-{day % 28 + 1:02d} {rest // 3600:02d}:{rest // 60 % 60:02d}:{rest % 60:02d},{second % 1000:03d}"
        )

    for _ in range(draw(st.integers(1, 25))):
        for _ in range(draw(st.integers(0, 60))):
            second += draw(st.sampled_from([0, 1, 7, 300, 5000]))
            pid = draw(st.sampled_from(pids))
            status = draw(st.sampled_from([200, 200, 200, 304, 404, 500, 503]))
            path = draw(st.sampled_from(["web", "web", "shop", "x 101 INFO db werkzeug: y", "a 1 INFO ? werkzeug: b"]))
            lines.append(
                _REQUEST.format(
                    ts=stamp(),
                    pid=pid,
                    db=draw(st.sampled_from(dbs)),
                    n=pid % 250,
                    method="GET",
                    path=path,
                    status=status,
                )
            )
        odd = draw(st.sampled_from(_ODD))
        lines.append(odd.format(ts=stamp(), pid=draw(st.sampled_from(pids)), db=draw(st.sampled_from(dbs))))
    return lines


@pytest.mark.slow
@settings(
    max_examples=max(EXAMPLES // 4, 50),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    lines=request_heavy_logs(),
    block=st.integers(64, 8192),
    keys=st.integers(1, 8),
    prune=st.integers(1, 80),
    back=st.integers(1, 200),
    prefix=st.sampled_from(
        ["", "", "web-1  | ", "2025-01-01T10:00:00.123456789Z ", "odoo-web.1 |2025-01-01T10:00:00+01:00 "]
    ),
)
def test_same_report_on_request_heavy_logs(tmp_path_factory, lines, block, keys, prune, back, prefix):
    """Runs of request lines cut by blocks anywhere, keys leaving and rejoining the pattern, the
    pattern without keys and back; console prefixes (a few lines without one) stripped per block."""
    import logsleuth.fastpath as fastpath

    path = tmp_path_factory.mktemp("heavy") / "odoo.log"
    lines = [prefix + line if i % 17 else line for i, line in enumerate(lines)]
    path.write_bytes(("\n".join(lines) + "\n").encode())
    names = ("BLOCK", "MAX_KEYS", "MIN_PRUNE", "MIN_SWITCH_BACK")
    saved = [getattr(fastpath, name) for name in names]
    for name, value in zip(names, (block, keys, prune, back)):
        setattr(fastpath, name, value)
    try:
        fast, slow = both([str(path)])
    finally:
        for name, value in zip(names, saved):
            setattr(fastpath, name, value)
    assert fast == slow


def test_database_cap_is_the_same_on_both_paths(tmp_path):
    """With the cap of databases reached, a run of request lines must not add one more."""
    from logsleuth.analysis import MAX_DATABASES

    line = '2025-01-01 10:00:00,000 1 INFO {db} werkzeug: 10.0.0.1 - - [01/Jan/2025 10:00:00] "GET /web HTTP/1.1" 200 - 3 0.001 0.002'
    lines = ["2025-01-01 10:00:00,000 1 INFO ? odoo: Odoo version 17.0"]
    lines += [line.format(db=f"db{i}") for i in range(MAX_DATABASES + 5)]
    lines += [line.format(db="late")] * 20
    path = tmp_path / "odoo.log"
    path.write_text("\n".join(lines) + "\n")
    fast, slow = both([str(path)])
    assert fast == slow and len(fast["databases"]) == MAX_DATABASES


def _fold(lines: list[str]) -> tuple[int, int]:
    """Lines folded into segments, and lines left to read one by one."""
    from logsleuth.fastpath import Folder, Segment

    events, _ = Folder().fold("\n".join(lines) + "\n", 1)
    folded = sum(e.count for e in events if type(e) is Segment)
    return folded, sum(len(e[1]) for e in events if type(e) is not Segment)


_LINE = '2025-01-{day:02d} 10:00:00,000 {pid} INFO {db} werkzeug: 10.0.0.1 - - [01/Jan/2025 10:00:00] "GET /web HTTP/1.1" {status} - 3 0.001 0.002'


def test_folder_folds_runs_across_dates_and_many_processes_and_databases():
    """The fast path is only fast if runs are folded: across a change of date, with more keys
    than the pattern holds (many workers times many databases), and after keys come and go."""
    days = [_LINE.format(day=1 + i // 500, pid=7, db="db", status=200) for i in range(2000)]
    assert _fold(days)[1] <= 8
    many = [_LINE.format(day=1, pid=100 + i % 6, db=f"db{i % 5}", status=200) for i in range(3000)]
    folded, single = _fold(many)
    assert folded >= 2900 and single <= 60
    churn = [_LINE.format(day=1, pid=100 + i // 300, db="db", status=200) for i in range(6000)]
    assert _fold(churn)[1] <= 60


def test_folder_leaves_what_is_not_routine_to_the_line_reader():
    lines = [_LINE.format(day=1, pid=7, db="db", status=200)] * 10
    lines[4] = _LINE.format(day=1, pid=7, db="db", status=503)
    lines[7] = (
        lines[7]
        .replace("GET /web", "Worker WorkerHTTP (7) alive")
        .replace('werkzeug: 10.0.0.1 - - [01/Jan/2025 10:00:00] "', "werkzeug: ")
    )
    lines.insert(9, "  continuation")
    from logsleuth.fastpath import Folder, Segment

    events, after = Folder().fold("\n".join(lines) + "\n", 1)
    assert after == len(lines) + 1
    single = [n for e in events if type(e) is not Segment for n in range(e[0], e[0] + len(e[1]))]
    assert {5, 8, 10}.issubset(single) and 4 in single and 9 in single  # and the line before each
    assert sorted(
        single + [n for e in events if type(e) is Segment for n in range(e.first, e.first + e.count)]
    ) == list(range(1, 12))


@settings(max_examples=EXAMPLES, deadline=None)
@given(words=st.frozensets(st.text(min_size=1, max_size=12), min_size=1, max_size=10), other=st.text(max_size=12))
def test_factored_alternatives_match_exactly_their_words(words, other):
    import re

    from logsleuth.fastpath import _alternatives

    pattern = re.compile(_alternatives(words))
    assert all(pattern.fullmatch(word) for word in words)
    assert bool(pattern.fullmatch(other)) == (other in words)

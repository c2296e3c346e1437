"""The compiled scanner (the default engine) against the reference parser in records.py:
identical records, source counters and reports on every log we have and on fuzzed ones, with
the compiled scanner reading on the caller's thread and ahead on its own (``--jobs``)."""

from __future__ import annotations

import dataclasses
import gzip

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_fuzz import EXAMPLES, log_lines

import logsleuth.reading.records as records
from helpers import CORPUS_GENERATED, CORPUS_REAL, ROOT, SAMPLES
from logsleuth.analysis.gate import Gate, GateConfig
from logsleuth.analysis.patterns import load_file, load_patterns
from logsleuth.analysis.pipeline import scan
from logsleuth.errors import InputError
from logsleuth.reading.records import parse_records
from logsleuth.reading.sources import Source
from logsleuth.render.json import report_dict
from logsleuth.report.build import build_report

PATTERNS = load_patterns()

pytestmark = pytest.mark.skipif(records._core is None, reason="the compiled core is not built")

LOGS = sorted(SAMPLES.glob("*.log")) + sorted((ROOT / "tests" / "corpus" / "real").glob("*.log"))
LOGS += sorted((ROOT / "tests" / "fixtures" / "testruns").glob("*.log"))  # the test collector's markers
LOGS += sorted(CORPUS_REAL.glob("*.log")) + sorted(CORPUS_GENERATED.glob("*.log")) if CORPUS_REAL.is_dir() else []
FIELDS = (
    "source",
    "first_line",
    "last_line",
    "timestamp",
    "pid",
    "level",
    "db",
    "logger",
    "message",
    "continuation",
    "cut_lines",
    "kind",
)


def parsed(path: str, engine: str, ahead: str = "never") -> tuple[list, tuple]:
    """The records and source counters, or the input error both engines must raise alike."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LOGSLEUTH_ENGINE", engine)
        source = Source(path)
        try:
            recs = [tuple(getattr(r, f) for f in FIELDS) for r in parse_records([source], ahead=ahead)]
        except InputError as exc:
            return [], (str(exc),)
    return recs, (source.lines, source.bytes, source.cut_lines, source.cut_bytes, source.prefix, source.damage)


def assert_same(path: str) -> list:
    rust, python = parsed(path, "rust"), parsed(path, "python")
    assert rust[1] == python[1]
    for a, b in zip(rust[0], python[0]):
        assert a == b
    assert len(rust[0]) == len(python[0])
    assert parsed(path, "rust", ahead="always") == rust
    return rust[0]


@pytest.mark.parametrize("path", LOGS, ids=lambda p: p.name)
def test_same_records_on_every_log(path):
    assert_same(str(path))


def test_same_records_on_cleaning_edge_cases(tmp_path):
    """CRLF, ANSI, NUL, lines over the byte limit (cut inside a UTF-8 sequence), a last line
    without a newline, console prefixes, PowerShell's prefix, a header cut after its PID."""
    parts = [
        "2025-01-01 10:00:00,000 7 INFO ? odoo: Odoo version 17.0 ",
        "python : 2025-01-01 10:00:00,000 7 INFO db odoo: ps",
        ".\\venv\\Scripts\\python.exe : 2025-01-01 10:00:00,000 7 INFO db odoo: ps path",
        "C:/odoo/python.exe : 2025-01-01 10:00:00,000 7 INFO db odoo: ps drive",
        "not a : 2025-01-01 10:00:00,000 7 INFO db odoo: words before",
        "2025-01-01 10:00:01,000 7",
        "INFO db odoo: joined",
        "2025-01-01 10:00:02,000 7 \x1b[1;31mERROR\x1b[0m db odoo.http: boom \x00",
        "Traceback (most recent call last):",
        "ValueError: " + "é" * (40 * 1024),
        "2025-01-01 10:00:03,000 7 INFO db werkzeug: x\x1f ",
        "x" * (64 * 1024 - 1),
        "y" * (64 * 1024),
        "Killed",
        "\u3000 trailing",
    ]
    text = "\r\n".join(parts)
    for name, data in (
        ("crlf.log", text.encode()),
        ("compose.log", "\n".join("web-1  | " + p for p in parts).encode()),
        ("nonl.log", ("\n".join(parts) + "\n" + "z" * 200_000).encode()),
        ("bad.log", b"\xff\xfe" + text.encode()[:-7]),
    ):
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
@settings(
    max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
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
@given(
    text=st.text(
        alphabet=st.sampled_from(
            "2025-01 :,0123456789 INFOERRORWARNING db odoo werkzeug\t\x1c\x1f\u00a0\u0660\u0301é_.|\x1b[m"
        ),
        max_size=120,
    )
)
def test_same_records_on_fuzzed_headers(tmp_path_factory, text):
    """Header-like lines made of the characters where Python's regex classes and Rust's differ."""
    path = tmp_path_factory.mktemp("headers") / "odoo.log"
    path.write_bytes(
        ("2025-01-01 10:00:00,000 7 INFO db x: y\n" + text + "\n2025-01-01 10:00:00,000 " + text + "\n").encode()
    )
    assert_same(str(path))


def report(paths: list[str], engine: str, patterns=PATTERNS, fail_on: str | None = None, ahead: str = "never") -> dict:
    """The JSON report, plus what the scan keeps beyond it: the databases seen (redaction uses
    them), each lifetime's counters and sequence numbers, the CI gate's counts and the test
    collector's whole state (``ci`` reads more of it than the report shows)."""
    gate = Gate(GateConfig(fail_on=fail_on)) if fail_on is not None else None
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LOGSLEUTH_ENGINE", engine)
        result = scan(paths, patterns, stages=[gate] if gate is not None else None, ahead=ahead)
    state = [
        (lt.end_seq, lt.shutdown_seq, lt.end_line, lt.end, lt.lines, lt.records, lt.requests, lt.last_master_message)
        for lt in result.lifetimes
    ]
    gated = (gate.odoo_records, gate.failing_total, len(gate.failing)) if gate is not None else None
    return report_dict(build_report(result)) | {
        "databases": sorted(result.databases),
        "state": state,
        "gate": gated,
        "budget": result.engine.budget.records,
        "tests": dataclasses.asdict(result.tests),
    }


def same_report(paths: list[str], **options) -> dict:
    rust = report(paths, "rust", **options)
    assert rust == report(paths, "python", **options)
    assert rust == report(paths, "rust", ahead="always", **options)
    return rust


@pytest.mark.parametrize("path", LOGS, ids=lambda p: p.name)
def test_same_report_on_every_log(path):
    same_report([str(path)])


def test_same_report_on_generated_profiles(tmp_path):
    import sys

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from generate import write_profile

    for profile in ("production", "error-dense", "request-only", "many-pids"):
        log = tmp_path / f"{profile}.log"
        write_profile(str(log), profile, 2 * 1024 * 1024, seed=7)
        assert same_report([str(log)])["summary"]["records"] > 5000, profile
    gz = tmp_path / "production.log.gz"
    gz.write_bytes(gzip.compress((tmp_path / "production.log").read_bytes()))
    same_report([str(gz)], fail_on="ERROR")


def test_auto_reads_ahead_where_python_gets_many_records_and_the_report_is_the_same(tmp_path, monkeypatch):
    """``auto`` (--jobs on one file) switches to the reading thread after a block that brought
    Python AHEAD_RECORDS records (error-dense), not where runs of request lines leave it
    little to do (request-only); either way the report is the serial one."""
    import sys
    import types

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from generate import write_profile

    real = records._core
    switched: list[str] = []

    class Spy:
        def __init__(self, *args):
            self.scanner = real.Scanner(*args)
            self.name = args[0]

        def __getattr__(self, name):
            return getattr(self.scanner, name)

        def __iter__(self):
            return iter(self.scanner)

        def read_ahead(self):
            switched.append(self.name)
            self.scanner.read_ahead()

    monkeypatch.setattr(records, "_core", types.SimpleNamespace(Scanner=Spy))
    for profile, switches in (("error-dense", True), ("request-only", False)):
        log = tmp_path / f"{profile}.log"
        write_profile(str(log), profile, 3 * 1024 * 1024, seed=3)
        switched.clear()
        assert report([str(log)], "rust", ahead="auto") == report([str(log)], "rust"), profile
        assert switched == ([str(log)] if switches else []), profile


def test_a_user_pattern_for_request_lines_is_honoured_by_both_engines(tmp_path):
    """A pattern for werkzeug INFO lines keeps them out of runs: it finds every 404."""
    pattern = tmp_path / "not-found.toml"
    pattern.write_text(
        "id = 'not-found'\ntitle = 'Not found'\nseverity = 'low'\ncategory = 'http'\n"
        "[match]\nlogger = 'werkzeug'\nlevel = 'INFO'\nmessage = '\" 404 '\n"
    )
    line = '2025-01-01 10:00:{s:02d},000 7 INFO db werkzeug: 10.0.0.1 - - [01/Jan/2025 10:00:00] "GET /{p} HTTP/1.1" {status} - 3 0.001 0.002'
    lines = ["2025-01-01 10:00:00,000 7 INFO ? odoo: Odoo version 17.0"]
    lines += [line.format(s=i % 60, p=i, status=404 if i % 10 == 3 else 200) for i in range(300)]
    log = tmp_path / "odoo.log"
    log.write_text("\n".join(lines) + "\n")
    data = same_report([str(log)], patterns=[*PATTERNS, load_file(pattern)])
    assert [f["count"] for f in data["findings"] if f["kind"] == "not-found"] == [30]


def test_patterns_on_an_exception_are_tried_whatever_the_spaces_and_lines_around_it(tmp_path):
    """The compiled prefilter searches an exception's type and message regexes in the record's
    lines: the exception found in the middle of a chain, after trailing spaces, or with a
    message of several lines still matches as Python's traceback parser sees it."""
    pattern = tmp_path / "multi.toml"
    pattern.write_text(
        "id = 'multi'\ntitle = 'Two-line message'\nseverity = 'high'\ncategory = 'runtime'\n"
        "[match]\nexception_type = '^(?:builtins\\.)?ValueError$'\n"
        "exception_message = '^first part\\nsecond (?P<what>part)$'\n"
    )
    head = "2025-01-01 10:00:0{n},000 7 ERROR db odoo.addons.x.models.y: failed "
    tb = ["Traceback (most recent call last):", '  File "/opt/odoo/addons/x/models/y.py", line 3, in f   ', "    g()"]
    records = [
        [head, *tb, "KeyError: 'res.partner'   "],
        [
            head,
            *tb,
            "ValueError: first part   ",
            "second part  ",
            "",
            "During handling of the above exception, another exception occurred:",
            "",
            *tb,
            "RuntimeError: boom",
        ],
        [head, *tb, "ModuleNotFoundError: No module named 'pandas'\t"],
        [head, *tb, "builtins.ValueError:   first part", "second part"],
    ]
    lines = ["2025-01-01 10:00:00,000 7 INFO ? odoo: Odoo version 17.0"]
    lines += [line.format(n=i + 1) if j == 0 else line for i, rec in enumerate(records) for j, line in enumerate(rec)]
    log = tmp_path / "odoo.log"
    log.write_text("\n".join(lines) + "\n")
    data = same_report([str(log)], patterns=[*PATTERNS, load_file(pattern)])
    counts = {f["kind"]: 0 for f in data["findings"]}
    for f in data["findings"]:
        counts[f["kind"]] += f["count"]
    assert (counts["multi"], counts["missing-model"], counts["missing-python-dependency"]) == (2, 1, 1)


def test_test_markers_of_any_service_logger_reach_the_test_collector(tmp_path):
    """The test collector wants only the markers of ``odoo.service.*`` loggers (their RPC
    retries come in runs): a marker from another service logger than the server's still counts."""
    log = tmp_path / "odoo.log"
    log.write_text(
        "2025-01-01 10:00:00,000 7 INFO ? odoo: Odoo version 17.0\n"
        + "2025-01-01 10:00:01,000 7 INFO db odoo.service.model: SERIALIZATION_FAILURE, 4 tries left\n" * 3
        + "2025-01-01 10:00:02,000 7 INFO db odoo.service.model: Starting post tests\n"
        + "2025-01-01 10:00:02,500 7 INFO db odoo.service.model: SERIALIZATION_FAILURE, 3 tries left\n"
        + "2025-01-01 10:00:03,000 7 INFO db odoo.service.model: 1 post-tests in 0.31s, 40 queries\n"
    )
    tests = same_report([str(log)])["tests"]
    assert (tests["post_started"], tests["post_done"], tests["detected"]) == (True, True, True)


def test_same_report_with_a_gate_on_info(tmp_path):
    """A gate failing on INFO wants every INFO record: none may come in a run."""
    log = tmp_path / "odoo.log"
    log.write_text(
        "2025-01-01 10:00:00,000 7 INFO ? odoo: Odoo version 17.0\n"
        + '2025-01-01 10:00:01,000 7 INFO db werkzeug: 1.2.3.4 - - [x] "GET / HTTP/1.1" 200 - 1 0.1 0.1\n' * 50
    )
    assert same_report([str(log)], fail_on="INFO")["gate"][1] == 51


@pytest.mark.slow
@settings(
    max_examples=max(EXAMPLES // 4, 50),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(lines=log_lines())
def test_same_report_on_fuzzed_logs(tmp_path_factory, lines):
    path = tmp_path_factory.mktemp("reports") / "odoo.log"
    path.write_bytes(("\n".join(lines) + "\n").encode("utf-8", "replace"))
    same_report([str(path)], fail_on="ERROR")


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
@given(lines=request_heavy_logs(), prefix=st.sampled_from(["", "", "web-1  | ", "2025-01-01T10:00:00.123456789Z "]))
def test_same_report_on_request_heavy_logs(tmp_path_factory, lines, prefix):
    """Runs of request lines from processes coming and going, in and out of shutdown windows,
    awaited as the trigger of a failure, with console prefixes (a few lines without one)."""
    path = tmp_path_factory.mktemp("heavy") / "odoo.log"
    lines = [prefix + line if i % 17 else line for i, line in enumerate(lines)]
    path.write_bytes(("\n".join(lines) + "\n").encode())
    same_report([str(path)])


def test_database_cap_is_the_same_on_both_engines(tmp_path):
    """With the cap of databases reached, a run of request lines must not add one more."""
    from logsleuth.analysis.pipeline import MAX_DATABASES

    line = '2025-01-01 10:00:00,000 1 INFO {db} werkzeug: 10.0.0.1 - - [01/Jan/2025 10:00:00] "GET /web HTTP/1.1" 200 - 3 0.001 0.002'
    lines = ["2025-01-01 10:00:00,000 1 INFO ? odoo: Odoo version 17.0"]
    lines += [line.format(db=f"db{i}") for i in range(MAX_DATABASES + 5)]
    lines += [line.format(db="late")] * 20
    path = tmp_path / "odoo.log"
    path.write_text("\n".join(lines) + "\n")
    assert len(same_report([str(path)])["databases"]) == MAX_DATABASES

"""The one generic test of our corpus: for every real log, the facts a careful reader wrote in
``tests/corpus/facts/`` (see tests/corpus/README.md) hold in ``analyze --format json``; and for
every real log, every claim the report makes has its evidence line in the same lifetime."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest

from helpers import CORPUS_REAL, run_cli

HERE = Path(__file__).parent / "corpus"
OURS = sorted((HERE / "real").glob("*.log"))
SHARED = sorted(CORPUS_REAL.glob("*.log")) if CORPUS_REAL.is_dir() else []
END_REASONS = {"shutdown", "forced", "reload", "stop-after-init", "crash", "unknown", "end-of-log"}
MARKERS = re.compile(
    r"Initiating shutdown|Stopping gracefully|Stopping workers gracefully|Stopping forcefully|Forced shutdown\.|"
    r"Initiating server reload|Reloading server|CPU time limit exceeded"
)
CRASH = re.compile(
    r"Traceback \(most recent call last\):|Killed|Segmentation fault|Aborted|Bus error|Fatal Python error"
)


def facts_of(log: Path) -> Path:
    sub = "real" if log.parent == HERE / "real" else "shared"
    return HERE / "facts" / sub / (log.name + ".toml")


KNOWN_GAPS = {
    "Arthav__odoo-dmnc__odoo_logs.txt.log": "a PowerShell capture hard-wrapped at 28 columns splits exception names across lines "
    "(`psycopg2.errors.UndefinedCol` / `umn: …`); re-joining wrapped lines is not implemented",
}
"""Facts the report does not meet yet, each with the reason: strict, so a fix makes the test fail
until the entry is removed."""


def cases(gaps: bool = False) -> list:
    def param(p: Path, where: str):
        marks = [pytest.mark.xfail(strict=True, reason=KNOWN_GAPS[p.name])] if gaps and p.name in KNOWN_GAPS else []
        return pytest.param(p, id=f"{where}/{p.name}", marks=marks)

    out = [param(p, "ours") for p in OURS]
    if not SHARED:
        out.append(
            pytest.param(
                None, id="shared", marks=pytest.mark.skip(reason="../shared/corpus/real is not beside the checkout")
            )
        )
    out += [param(p, "shared") for p in SHARED]
    return out


_reports: dict[Path, dict] = {}


def report(log: Path, capsys) -> dict:
    if log not in _reports:
        code, out, err = run_cli(["analyze", str(log), "--format", "json"], capsys)
        assert code == 0 and err == "", err
        _reports[log] = json.loads(out)
    return _reports[log]


def short(exc: str | None) -> str | None:
    return exc.rsplit(".", 1)[-1] if exc else exc


def test_every_log_has_facts_and_every_facts_file_a_log():
    logs = {facts_of(p) for p in OURS + SHARED}
    written = set((HERE / "facts" / "real").glob("*.toml"))
    if SHARED:
        written |= set((HERE / "facts" / "shared").glob("*.toml"))
    assert sorted(map(str, logs - written)) == [], "logs without facts"
    assert sorted(map(str, written - logs)) == [], "facts without a log"
    assert len(OURS) + len(SHARED) >= 60 or not SHARED


@pytest.mark.parametrize("log", cases(gaps=True))
def test_facts_hold(log: Path, capsys):
    facts = tomllib.loads(facts_of(log).read_text())
    if log.parent == HERE / "real":
        src = facts["source"]
        assert re.fullmatch(r"[0-9a-f]{40}", src["commit"]) and src["repo"].count("/") == 1 and src["path"]
    d = report(log, capsys)
    lts = d["lifetimes"]
    expected = facts.get("lifetime", [])
    got = [(lt["pid"], lt["start_line"], lt["end_line"], lt["end_reason"]) for lt in lts]
    assert len(lts) == len(expected), f"lifetimes: expected {[(e['pid'], e['line']) for e in expected]}, got {got}"
    for want in expected:
        owner = [
            lt
            for lt in lts
            if lt["start_line"] <= want["line"] <= lt["end_line"]
            and (lt["pid"] == want["pid"] or want["pid"] in lt["worker_pids"] + lt["gevent_pids"])
        ]
        assert owner, f"no lifetime of PID {want['pid']} holds line {want['line']}: {got}"
        reasons = want["end_reason"] if isinstance(want["end_reason"], list) else [want["end_reason"]]
        assert set(reasons) <= END_REASONS
        assert owner[0]["end_reason"] in reasons, (
            f"PID {want['pid']} line {want['line']}: {owner[0]['end_reason']} not in {reasons}"
        )
    for want in facts.get("failure", []):

        def matches(f: dict, want: dict = want) -> bool:
            lines = set(f["occurrences"]) | {f["line"]}
            if want["line"] not in lines:
                return False
            if "module" in want and f["module"] != want["module"]:
                return False
            return "exception" not in want or short((f["exception"] or {}).get("type")) == short(want["exception"])

        assert any(matches(f) for f in d["findings"]), f"failure at line {want['line']} not reported as {want}"
    top = facts.get("top_cause")
    if top is not None:
        assert d["root_causes"], "no root cause"
        first = d["root_causes"][0]
        ids = set(first["finding_ids"])
        ids |= {f["id"] for f in d["findings"] if f["linked_to"] in ids}  # what the root cause explains
        cited = set(first["evidence_lines"])
        for f in d["findings"]:
            if f["id"] in ids:
                cited |= set(f["occurrences"]) | {f["line"]}
        assert cited & set(top["lines"]), (
            f"first root cause is {first['title']!r} (lines {sorted(cited)[:12]}), facts say lines {top['lines']}: {top.get('why')}"
        )
        if "exception" in top:
            types = {short((f["exception"] or {}).get("type")) for f in d["findings"] if f["id"] in ids}
            assert short(top["exception"]) in types, f"{types} vs {top['exception']}"
        if "module" in top:
            assert top["module"] in {f["module"] for f in d["findings"] if f["id"] in ids}
    else:
        serious = [rc for rc in d["root_causes"] if rc["severity"] in ("critical", "high")]
        assert not serious, (
            f"the facts show no failure, the report ranks {serious[0]['title']!r} as {serious[0]['severity']}"
        )
    if "shutdown_window_requests" in facts:
        assert len(d["shutdown_window_requests"]) == facts["shutdown_window_requests"]


@pytest.mark.parametrize("log", cases())
def test_every_claim_has_its_evidence_line_in_the_same_lifetime(log: Path, capsys):
    """``crash``, ``forced``, ``shutdown``, ``stop-after-init``, a finding in a shutdown window and a
    request served in one: each rests on a line of the same lifetime that shows it."""
    d = report(log, capsys)
    lines = log.read_text(errors="replace").splitlines()
    by_index = {lt["index"]: lt for lt in d["lifetimes"]}
    for lt in d["lifetimes"]:
        reason, at = lt["end_reason"], lt["end_evidence_line"]
        if reason in ("unknown", "end-of-log"):
            assert at is None
            continue
        assert at is not None and lt["start_line"] <= at <= lt["end_line"], (lt["index"], reason, at)
        text = lines[at - 1]
        if reason == "crash":
            assert CRASH.search(text), text
        elif reason == "forced":
            assert "Forced shutdown" in text or "Stopping forcefully" in text or CRASH.search(text), text
        else:
            assert MARKERS.search(text), text
        if reason == "stop-after-init":
            assert lt["kind"] == "stop-after-init"
            span = lines[lt["start_line"] - 1 : lt["end_line"]]
            assert not any(f" {lt['pid']} " in x and "HTTP service" in x for x in span)
    for f in d["findings"]:
        for n in f["occurrences_in_shutdown_window"]:
            lt = next(
                lt
                for lt in d["lifetimes"]
                if lt["start_line"] <= n <= lt["end_line"]
                and lt["source"] == f["source"]
                and lt["index"] in f["lifetimes"]
            )
            assert lt["shutdown_line"] is not None and lt["shutdown_line"] < n
            assert MARKERS.search(lines[lt["shutdown_line"] - 1])
    for r in d["shutdown_window_requests"]:
        lt = by_index[r["lifetime"]]
        assert lt["shutdown_line"] is not None and lt["shutdown_line"] < r["line"] <= lt["end_line"]
        assert f" {r['pid']} " in lines[r["line"] - 1]

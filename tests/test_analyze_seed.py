"""The seed incident (../shared/seed) rebuilt in sample_logs: the report must name what a careful
engineer would, and must not repeat the seed's mistake of blaming a shutdown of another process."""

from __future__ import annotations

import json

import pytest

from helpers import SAMPLES
from logsleuth.cli.app import main

SEED = str(SAMPLES / "seed_ai_brain_odoo18.log")


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("seed") / "report.json"
    with pytest.raises(SystemExit) as done:
        main(["analyze", SEED, "--format", "json", "--output", str(out)])
    assert done.value.code == 0
    return json.loads(out.read_text())


def by_kind(report, kind):
    return [f for f in report["findings"] if f["kind"] == kind]


def test_contract_shape(report):
    assert report["schema"] == 1 and report["tool"]["name"] == "logsleuth"
    assert report["sources"][0]["lines"] == 417
    for key in (
        "lines",
        "records",
        "first_timestamp",
        "last_timestamp",
        "lifetimes",
        "warnings",
        "errors",
        "criticals",
        "tracebacks",
    ):
        assert key in report["summary"]


def test_three_lifetimes_with_the_cited_restarts(report):
    lts = report["lifetimes"]
    assert [(lt["pid"], lt["start_line"], lt["shutdown_line"], lt["end_reason"]) for lt in lts] == [
        (60412, 1, 170, "shutdown"),
        (68764, 173, 183, "shutdown"),
        (77812, 198, None, "end-of-log"),
    ]
    assert lts[1]["start"] == "2025-10-18T03:24:05.854" and lts[2]["start"] == "2025-10-18T03:24:12.735"


def test_module_failure_line_pid_and_recurrence(report):
    (f,) = by_kind(report, "module-load-failure")
    assert (f["line"], f["pid"], f["lifetime"], f["module"]) == (211, 77812, 3, "ai_brain")
    assert f["occurrences"] == [211, 314]
    assert f["in_shutdown_window"] is False
    assert f["exception"] == {"type": "RuntimeError", "message": "can't register atexit after shutdown", "line": 309}


def test_culprit_and_third_party_chain(report):
    (f,) = by_kind(report, "module-load-failure")
    c = f["culprit"]
    assert c["file"].endswith("ai_vector_service.py") and c["line"] == 4
    assert (
        c["imports"] == "sentence_transformers" and c["code"] == "from sentence_transformers import SentenceTransformer"
    )
    cascade = [s["detail"] for s in report["cascade"]]
    assert "sentence_transformers → transformers → sklearn → joblib" in cascade
    assert any("process.py:108" in d for d in cascade) and any("threading.py:1559" in d for d in cascade)


def test_unguarded_import_and_heavy_import_as_design_causes(report):
    (ung,) = by_kind(report, "unguarded-submodule-import")
    assert ung["values"]["submodule"] == "ai_vector_service" and ung["values"]["frame_line"] == "109"
    assert ung["values"]["frame_file"].endswith("models\\__init__.py")
    (heavy,) = by_kind(report, "heavy-module-level-import")
    assert heavy["values"]["library"] == "sentence_transformers"
    categories = {rc["category"] for rc in report["root_causes"]}
    assert {"design", "error-handling", "dependency", "timing", "ux"} <= categories


def test_shutdown_window_requests_belong_to_68764_only(report):
    reqs = report["shutdown_window_requests"]
    assert reqs and {r["pid"] for r in reqs} == {68764}
    assert {"line": 188, "path": "/websocket?version=18.0-3", "status": 101} in [
        {k: r[k] for k in ("line", "path", "status")} for r in reqs
    ]
    assert all(185 <= r["line"] <= 197 for r in reqs)


def test_report_says_the_failing_process_was_not_shutting_down(report):
    notes = [n for n in report["notes"] if n["kind"] == "contradiction"]
    assert notes, "the atexit error in a running process must be called out"
    text = notes[0]["text"]
    assert "77812" in text and "no shutdown marker" in text and "68764" in text and "183" in text
    (f,) = by_kind(report, "import-after-interpreter-shutdown")
    assert f["in_shutdown_window"] is False
    rc = next(r for r in report["root_causes"] if f["id"] in r["finding_ids"])
    assert rc["confidence"] == "medium"


def test_chat_errors_are_symptoms_with_a_misleading_message(report):
    (mis,) = by_kind(report, "misleading-unavailable-message")
    assert mis["occurrences"] == [414, 416] and mis["values"]["claim"] == "Anthropic SDK not available"
    (f,) = by_kind(report, "module-load-failure")
    assert mis["linked_to"] == f["id"]
    symptom = [n["text"] for n in report["notes"] if n["kind"] == "symptom"]
    assert any("Anthropic SDK not available" in t and "ai_brain" in t for t in symptom)
    assert any("/sam_ai/chat/stream → 500" in t for t in symptom)


def test_silence_of_the_failed_module(report):
    assert any(n["kind"] == "silence" and "odoo.addons.ai_brain" in n["text"] for n in report["notes"])


def test_fixes_and_verification_are_concrete(report):
    rcs = {rc["title"].split(":")[0]: rc for rc in report["root_causes"]}
    unguarded = rcs["Unguarded submodule import takes the whole addon down"]
    assert (
        "from . import ai_vector_service" in unguarded["code"]
        and "except (ImportError, RuntimeError)" in unguarded["code"]
    )
    heavy = rcs["Heavy library imported at module level by an addon"]
    assert "sentence_transformers" in heavy["code"] and any("importtime" in v for v in heavy["verify"])
    assert report["root_causes"][0]["rank"] == 1 and report["root_causes"][0]["severity"] == "critical"
    assert all(rc["verify"] for rc in report["root_causes"])
    assert 211 in report["root_causes"][0]["evidence_lines"] and 309 in report["root_causes"][0]["evidence_lines"]


def test_markdown_report_has_the_seed_sections(tmp_path):
    out = tmp_path / "r.md"
    with pytest.raises(SystemExit):
        main(["analyze", SEED, "--format", "markdown", "-o", str(out)])
    md = out.read_text()
    for heading in (
        "## Verdict",
        "## Process lifetimes",
        "## Failure cascade",
        "## Root causes",
        "## Smoking guns",
        "## Fixes, in priority order",
        "## Verification",
    ):
        assert heading in md

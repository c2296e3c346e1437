"""A finding keeps at most MAX_OCCURRENCES occurrences, but what the ranking rests on counts
every one: where it occurred, whether it outlived a shutdown window, whether it still fails in
the last process. A frequent failure must not lose its persistence once the list is full."""

from __future__ import annotations

import json

import pytest

import logsleuth.analysis.findings as findings
from helpers import run_cli, write_log

BANNER = "2025-01-01 10:{m:02d}:00,000 {pid} INFO ? odoo: Odoo version 17.0\n"
HTTP = (
    "2025-01-01 10:{m:02d}:01,000 {pid} INFO ? odoo.service.server: HTTP service (werkzeug) running on 0.0.0.0:8069\n"
)
MARKER = "2025-01-01 10:{m:02d}:50,000 {pid} INFO ? odoo.service.server: Initiating shutdown\n"
BAD = '2025-01-01 10:{m:02d}:{s:02d},000 {pid} ERROR db odoo.sql_db: bad query: SELECT 1\nERROR:  relation "x_a" does not exist\n'


def analyze(tmp_path, capsys, text: str) -> dict:
    code, out, _ = run_cli(["analyze", write_log(tmp_path, text), "-f", "json"], capsys)
    assert code == 0
    return json.loads(out)


@pytest.fixture
def three(monkeypatch):
    monkeypatch.setattr(findings, "MAX_OCCURRENCES", 3)


def test_a_failure_past_the_kept_occurrences_still_recurs_in_the_last_process(tmp_path, capsys, three):
    text = BANNER.format(m=0, pid=7) + HTTP.format(m=0, pid=7)
    text += "".join(BAD.format(m=0, s=2 + i, pid=7) for i in range(5)) + MARKER.format(m=0, pid=7)
    text += BANNER.format(m=1, pid=9) + HTTP.format(m=1, pid=9) + BAD.format(m=1, s=2, pid=9)
    data = analyze(tmp_path, capsys, text)
    [f] = data["findings"]
    assert (f["count"], f["occurrences"], f["lifetimes"]) == (6, [3, 5, 7], [1, 2])
    assert f["recurring_across_restarts"] is True
    assert "lifetime 1, 2" in data["root_causes"][0]["impact"]


def test_occurrences_outside_a_shutdown_window_past_the_kept_ones_count(tmp_path, capsys, three):
    """Three occurrences after the marker fill the list; the fourth, in the next process, shows
    the failure is not Odoo's own shutdown."""
    text = BANNER.format(m=0, pid=7) + HTTP.format(m=0, pid=7) + MARKER.format(m=0, pid=7)
    text += "".join(BAD.format(m=0, s=51 + i, pid=7) for i in range(3))
    text += BANNER.format(m=1, pid=9) + HTTP.format(m=1, pid=9) + BAD.format(m=1, s=2, pid=9)
    [f] = analyze(tmp_path, capsys, text)["findings"]
    assert f["count"] == 4 and f["in_shutdown_window"] is False
    assert f["occurrences_in_shutdown_window"] == [4, 6, 8]

"""A reload that cuts an install short: its successor's half-installed modules follow from it."""

from __future__ import annotations

import json

from helpers import run_cli, write_log


def H(t: str, msg: str, logger: str = "odoo.service.server", level: str = "INFO", db: str = "?") -> str:
    return f"2024-06-08 23:{t},000 1 {level} {db} {logger}: {msg} \n"


LIMIT = (
    "Thread <Thread(odoo.service.http.request.140544953255488, started 140544953255488)> "
    "virtual real time limit (179/120s) reached."
)
INCONSISTENT = "Some modules have inconsistent states, some dependencies may be missing: ['sale', 'sale_crm']"


def log(loading_when_reloaded: bool) -> str:
    first = H("00:00", "Odoo version 17.0-20240603", logger="odoo") + H(
        "00:01", "HTTP service (werkzeug) running on 6b7c35bba37a:8069"
    )
    if loading_when_reloaded:
        first += H("08:47", "Loading module sale (53/60)", logger="odoo.modules.loading", db="acad")
    else:
        first += H("08:47", "Modules loaded.", logger="odoo.modules.loading", db="acad")
    return (
        first
        + H("11:43", LIMIT, level="WARNING")
        + H("11:44", "Initiating server reload")
        + H("11:46", "Odoo version 17.0-20240603", logger="odoo")
        + H("11:47", "HTTP service (werkzeug) running on 6b7c35bba37a:8069")
        + H("11:48", INCONSISTENT, logger="odoo.modules.loading", level="ERROR", db="acad")
    )


def report(text: str, tmp_path, capsys) -> dict:
    code, out, err = run_cli(["analyze", write_log(tmp_path, text), "--format", "json"], capsys)
    assert code == 0 and err == "", err
    return json.loads(out)


def test_modules_left_half_installed_follow_from_the_reload_that_cut_their_install(tmp_path, capsys):
    d = report(log(loading_when_reloaded=True), tmp_path, capsys)
    assert [(lt["start_line"], lt["end_reason"]) for lt in d["lifetimes"]] == [(1, "reload"), (6, "end-of-log")]
    by_kind = {f["kind"]: f for f in d["findings"]}
    assert by_kind["inconsistent-module-states"]["linked_to"] == by_kind["threaded-limit-reload"]["id"]
    first = d["root_causes"][0]
    assert by_kind["threaded-limit-reload"]["id"] in first["finding_ids"] and 8 in first["evidence_lines"]


def test_a_reload_after_loading_explains_nothing_the_next_process_finds(tmp_path, capsys):
    d = report(log(loading_when_reloaded=False), tmp_path, capsys)
    by_kind = {f["kind"]: f for f in d["findings"]}
    assert by_kind["inconsistent-module-states"]["linked_to"] is None
    assert d["root_causes"][0]["finding_ids"] == [by_kind["inconsistent-module-states"]["id"]]

"""Notes of the report: each names the process (lifetime) its lines belong to."""

from __future__ import annotations

import json

from helpers import run_cli, write_log


def H(t: str, msg: str, logger: str = "odoo.service.server", level: str = "INFO", db: str = "?") -> str:
    return f"2024-11-06 15:{t},000 1 {level} {db} {logger}: {msg} \n"


BUS_ERROR = (
    H("00:03", "Bus.loop error, sleep and retry", logger="odoo.addons.bus.models.bus", level="ERROR")
    + "Traceback (most recent call last):\n"
    + '  File "/usr/lib/python3/dist-packages/odoo/addons/bus/models/bus.py", line 240, in loop\n'
    + "    conn.poll()\n"
    + "psycopg2.OperationalError: server closed the connection unexpectedly\n"
)


def run(text: str, tmp_path, capsys) -> dict:
    code, out, err = run_cli(["analyze", write_log(tmp_path, text), "--format", "json"], capsys)
    assert code == 0 and err == "", err
    return json.loads(out)


def life(start: str, stop: str) -> str:
    return (
        H(start, "Odoo version 18.0", logger="odoo")
        + H(start, "HTTP service (werkzeug) running on da991b1a4bd7:8069")
        + H(stop, "Initiating shutdown")
        + BUS_ERROR.replace("15:00:03", f"15:{stop[:3]}03")
    )


def test_a_failure_in_the_shutdown_window_of_two_processes_names_each_marker(tmp_path, capsys):
    """Docker's PID 1 stopped twice, the bus failing each time: each occurrence is cited with the
    marker of its own lifetime, not both with the first's."""
    d = run(life("00:00", "01:00") + life("05:00", "06:00"), tmp_path, capsys)
    assert [(lt["start_line"], lt["shutdown_line"]) for lt in d["lifetimes"]] == [(1, 3), (9, 11)]
    timing = [n for n in d["notes"] if n["kind"] == "timing"]
    assert len(timing) == 1, timing
    text = timing[0]["text"]
    assert "(lifetime 1, its 'Initiating shutdown' at line 3): line 4" in text, text
    assert "(lifetime 2, its 'Initiating shutdown' at line 11): line 12" in text, text
    assert "before every occurrence" not in text
    assert {3, 4, 11, 12} <= set(timing[0]["lines"])
    # one process: the short form
    d = run(life("00:00", "01:00"), tmp_path, capsys)
    (note,) = [n for n in d["notes"] if n["kind"] == "timing"]
    assert "PID 1 (lifetime 1): its 'Initiating shutdown' is at line 3, before every occurrence" in note["text"]


def stopping(t: str, logger: str, msg: str, level: str = "WARNING", db: str = "db1") -> str:
    return (
        H(t, msg, logger=logger, level=level, db=db)
        + "Traceback (most recent call last):\n"
        + '  File "/usr/lib/python3/dist-packages/odoo/sql_db.py", line 712, in borrow\n'
        + "    result = psycopg2.connect(\n"
        + 'psycopg2.OperationalError: connection to server at "db" (172.18.0.2), port 5432 failed: '
        + "FATAL:  the database system is shutting down\n"
    )


def test_a_symptom_cites_the_occurrence_of_its_cause_in_its_own_process(tmp_path, capsys):
    cron = "odoo.addons.base.models.ir_cron"
    text = (
        H("00:00", "Odoo version 18.0", logger="odoo")
        + H("00:01", "Initiating shutdown")
        + stopping("00:02", cron, "Exception in cron:")
        + H("05:00", "Odoo version 18.0", logger="odoo")
        + H("05:01", "Initiating shutdown")
        + stopping("05:02", cron, "Exception in cron:")
        + stopping("05:03", "werkzeug", "Error on request:", level="ERROR")
    )
    d = run(text, tmp_path, capsys)
    assert [lt["start_line"] for lt in d["lifetimes"]] == [1, 8]
    follows = [n["text"] for n in d["notes"] if n["kind"] == "symptom" and n["text"].startswith("Unhandled exception")]
    assert len(follows) == 1, [n["text"] for n in d["notes"]]
    assert "at line 10." in follows[0], follows


def test_a_job_failing_because_the_database_stops_is_no_root_cause_of_its_own(tmp_path, capsys):
    """The cron's record shows why it failed (PostgreSQL shutting down): it follows from that,
    and 'fix the job's code' is not advice to give. A job failing on its own stays a root cause."""
    cron = "odoo.addons.base.models.ir_cron"
    d = run(
        H("00:00", "Odoo version 16.0", logger="odoo") + stopping("00:02", cron, "Exception in cron:"), tmp_path, capsys
    )
    by_kind = {f["kind"]: f for f in d["findings"]}
    assert by_kind["cron-failure"]["linked_to"] == by_kind["database-server-stopping"]["id"]
    assert all(by_kind["cron-failure"]["id"] not in rc["finding_ids"][:1] for rc in d["root_causes"])
    own = (
        H("00:02", "Exception in cron:", logger=cron, level="WARNING", db="db1")
        + "Traceback (most recent call last):\n"
        + '  File "/mnt/extra-addons/x/models/job.py", line 12, in _cron_sync\n'
        + "    raise ValueError('bad partner')\n"
        + "ValueError: bad partner\n"
    )
    d = run(H("00:00", "Odoo version 16.0", logger="odoo") + own, tmp_path, capsys)
    (f,) = [f for f in d["findings"] if f["kind"] == "cron-failure"]
    assert f["linked_to"] is None and d["root_causes"][0]["finding_ids"][0] == f["id"]

"""The findings engine without patterns (``lifetimes``): nothing to match, so nothing to parse."""

from __future__ import annotations

import pytest

import logsleuth.analysis.findings as findings
from helpers import write_log
from logsleuth.analysis.patterns import load_patterns
from logsleuth.analysis.pipeline import scan

LOG = (
    "2025-01-01 10:00:00,000 7 INFO ? odoo: Odoo version 17.0\n"
    "2025-01-01 10:00:01,000 7 ERROR db odoo.http: Exception during request handling.\n"
    "Traceback (most recent call last):\n"
    '  File "/opt/odoo/odoo/http.py", line 1, in dispatch\n'
    "    x()\n"
    "KeyError: 'res.partner'\n"
)


def test_an_engine_without_patterns_counts_tracebacks_without_parsing_them(tmp_path, monkeypatch):
    def refuse(*_args, **_kwargs):
        raise AssertionError("a traceback was parsed with no pattern to match it")

    monkeypatch.setattr(findings, "parse_traceback", refuse)
    result = scan([write_log(tmp_path, LOG)], [])
    assert result.engine.tracebacks == 1 and not result.engine.findings
    with pytest.raises(AssertionError, match="was parsed"):
        scan([write_log(tmp_path, LOG)], load_patterns())  # with patterns it is parsed


def test_every_symptom_waiting_for_its_cause_is_linked_to_it(tmp_path):
    """Odoo logs the consequences of PostgreSQL stopping before the record that says so: the bus
    loses its connection, then a connection fails, then the cron's record shows the shutdown.
    Each of the two symptoms before it follows from that cause, not only the latest."""
    bus = (
        "2024-02-18 16:19:47,410 1 ERROR ? odoo.addons.bus.models.bus: Bus.loop error, sleep and retry\n"
        "Traceback (most recent call last):\n"
        '  File "/usr/lib/python3/dist-packages/odoo/addons/bus/models/bus.py", line 167, in loop\n'
        "    conn.poll()\n"
        "psycopg2.OperationalError: server closed the connection unexpectedly\n"
    )
    failed = "2024-02-18 16:19:47,427 1 INFO Dieta odoo.sql_db: Connection to the database failed\n"
    cron = (
        "2024-02-18 16:19:47,428 1 WARNING Dieta odoo.addons.base.models.ir_cron: Exception in cron:\n"
        "Traceback (most recent call last):\n"
        '  File "/usr/lib/python3/dist-packages/odoo/sql_db.py", line 638, in borrow\n'
        "    result = psycopg2.connect(\n"
        'psycopg2.OperationalError: connection to server at "db" (172.18.0.3), port 5432 failed: '
        "FATAL:  the database system is shutting down\n"
    )
    start = "2024-02-18 16:19:40,000 1 INFO ? odoo: Odoo version 16.0\n"
    result = scan([write_log(tmp_path, start + bus + failed + cron)], load_patterns())
    by_kind = {f.pattern.id: f for f in result.engine.findings.values()}
    cause = by_kind["database-server-stopping"]
    for symptom in ("bus-listener-connection-lost", "database-connection-lost", "cron-failure"):
        assert by_kind[symptom].linked_to is cause, symptom

"""Record parser: header variants, continuation lines, raw console output, unparsed preamble."""

from __future__ import annotations

import pytest

from helpers import records_of


def test_header_fields_and_trailing_space():
    (rec,) = records_of(
        "2025-10-18 03:24:17,943 77812 CRITICAL ? odoo.modules.module: Couldn't load module ai_brain \n"
    )
    assert (rec.timestamp, rec.pid, rec.level, rec.db, rec.logger, rec.message) == (
        "2025-10-18 03:24:17,943",
        77812,
        "CRITICAL",
        "?",
        "odoo.modules.module",
        "Couldn't load module ai_brain",
    )
    assert rec.iso_time == "2025-10-18T03:24:17.943"


def test_header_variants_none_db_no_trailing_space_and_empty_message():
    recs = records_of(
        "2021-12-02 09:16:09,506 17356 INFO None odoo.service.db: Create database `testdb15`.\n"
        "2017-10-09 18:37:57,484 4 INFO aurelien-ideal-odoo11-master-924 odoo.modules.loading: 15 modules loaded in 0.31s, 0 queries\n"
        "2021-12-02 09:16:10,000 17356 INFO ? odoo.tools.misc: \n"
        "# Thread: <Thread(odoo.service.cron.cron0)> (db:None) (uid:None) (url:None)\n"
    )
    assert [r.db for r in recs] == ["None", "aurelien-ideal-odoo11-master-924", "?"]
    assert recs[2].message == "" and recs[2].continuation[0].startswith("# Thread")


def test_werkzeug_line_keeps_perf_suffix_in_message():
    (rec,) = records_of(
        '2026-11-24 19:26:45,051 13989 INFO shut_db werkzeug: 127.0.0.1 - - [24/Nov/2026 19:26:45] "POST /web/webclient/version_info HTTP/1.1" 200 - 6 0.003 0.016\n'
    )
    assert rec.message.endswith("200 - 6 0.003 0.016")


def test_traceback_and_chained_exceptions_stay_in_their_record():
    text = (
        "2026-11-24 19:26:20,814 13524 ERROR ? odoo.http: Exception during request handling. \n"
        "Traceback (most recent call last):\n"
        '  File "/srv/odoo/odoo/odoo/tools/lru.py", line 33, in __getitem__\n'
        "    a = self.d[obj]\n"
        "KeyError: 'ai_db'\n"
        "\n"
        "During handling of the above exception, another exception occurred:\n"
        "\n"
        "Traceback (most recent call last):\n"
        '  File "/srv/odoo/custom_addons/ai_brain/models/embeddings.py", line 3, in <module>\n'
        "    from sentence_transformers import SentenceTransformer\n"
        "ModuleNotFoundError: No module named 'sentence_transformers'\n"
        "2026-11-24 19:26:20,816 13524 INFO ? werkzeug: x\n"
    )
    recs = records_of(text)
    assert len(recs) == 2
    assert (recs[0].first_line, recs[0].last_line) == (1, 12)
    assert recs[0].has_traceback


def test_text_before_the_first_header_is_an_unparsed_record():
    recs = records_of("some shell noise\nmore noise\n2025-10-18 03:24:17,943 1 INFO ? odoo: Odoo version 18.0\n")
    assert recs[0].kind == "unparsed" and (recs[0].first_line, recs[0].last_line) == (1, 2)
    assert recs[1].kind == "record"


def test_console_output_becomes_raw_records_not_glued_to_the_record_before():
    text = (
        "2026-11-24 19:26:48,258 13989 INFO shut_db odoo.sql_db: ConnectionPool(read/write;used=0/count=0/max=64): Closed 6 connections  \n"
        "Exception in thread odoo.service.cron.cron1:\n"
        "Traceback (most recent call last):\n"
        '  File "/srv/odoo/odoo/odoo/service/server.py", line 507, in _run_cron\n'
        "    pg_conn.poll()\n"
        "psycopg2.InterfaceError: connection already closed\n"
        "Running as user 'root' is a security risk.\n"
        "2026-11-24 19:26:54,950 14258 INFO ? odoo: Odoo version 18.0 \n"
        "Forced shutdown.\n"
    )
    recs = records_of(text)
    assert [r.kind for r in recs] == ["record", "raw", "raw", "record", "raw"]
    assert recs[1].message == "Exception in thread odoo.service.cron.cron1:" and recs[1].last_line == 6
    assert recs[0].last_line == 1


def test_bare_traceback_after_a_request_line_is_raw():
    recs = records_of(
        '2015-01-01 10:00:00,000 1 INFO ? werkzeug: 1.2.3.4 - - [01/Jan/2015 10:00:00] "GET / HTTP/1.1" 200 -\n'
        "Traceback (most recent call last):\n"
        '  File "/usr/lib/python2.7/SocketServer.py", line 1, in close_socket\n'
        "error: [Errno 32] Broken pipe\n"
    )
    assert [r.kind for r in recs] == ["record", "raw"]


def test_every_line_belongs_to_exactly_one_record():
    text = "noise\n" + "2025-10-18 03:24:17,943 1 INFO ? odoo: a\ncont\n" * 5 + "Forced shutdown.\ntrailing\n"
    recs = records_of(text)
    covered = [n for r in recs for n in range(r.first_line, r.last_line + 1)]
    assert covered == list(range(1, text.count("\n") + 1))


@pytest.mark.parametrize("engine", ["rust", "python"])
def test_headers_cut_at_a_word_by_a_wrapping_console_are_joined(monkeypatch, engine):
    """PowerShell's Out-File wraps at its width on a space: after the PID, the level or the
    database. The next line completes the header unless it starts a record of its own."""
    monkeypatch.setenv("LOGSLEUTH_ENGINE", engine)
    recs = records_of(
        "2026-03-26 05:45:44,363 9460 ERROR \n"
        "ttdn_final2 odoo.http: Exception during JSON \n"
        "request handling. \n"
        "2026-03-26 05:35:34,280 9460 INFO ? \n"
        "odoo.service.server: HTTP service (werkzeug) \n"
        "2026-03-26 05:35:35,000 9460\n"
        "INFO db odoo: after the PID\n"
        "2026-03-26 05:35:36,000 9460 INFO\n"
        "2026-03-26 05:35:37,000 9460 INFO db odoo: a record of its own\n"
    )
    assert [(r.first_line, r.last_line, r.level, r.db, r.logger, r.message) for r in recs] == [
        (1, 3, "ERROR", "ttdn_final2", "odoo.http", "Exception during JSON"),
        (4, 5, "INFO", "?", "odoo.service.server", "HTTP service (werkzeug)"),
        (6, 8, "INFO", "db", "odoo", "after the PID"),
        (9, 9, "INFO", "db", "odoo", "a record of its own"),
    ]
    assert recs[0].continuation == ["request handling. "]
    assert recs[2].continuation == ["2026-03-26 05:35:36,000 9460 INFO"]


def test_powershell_prefix_of_a_command_typed_as_a_path_is_removed():
    """``2>&1`` in PowerShell prefixes the first stderr line with the command as it was typed:
    a bare name, a relative path or a path with a drive; words with spaces are not a command."""
    recs = records_of(
        ".\\venv\\Scripts\\python.exe : 2026-04-16 10:54:38,737 18288 INFO ? odoo: Odoo version 14.0\n"
        "C:\\odoo\\python.exe : 2026-04-16 10:54:39,000 18288 INFO ? odoo: addons paths: []\n"
        "not a : 2026-04-16 10:54:40,000 18288 INFO ? odoo: words\n"
    )
    assert [(r.pid, r.message) for r in recs[:2]] == [(18288, "Odoo version 14.0"), (18288, "addons paths: []")]
    assert recs[1].extra == ["not a : 2026-04-16 10:54:40,000 18288 INFO ? odoo: words"]

"""Lifetimes: PID reuse, interleaving, prefork workers and gevent child, crashes, mid-life starts."""

from __future__ import annotations

from helpers import records_of
from logsleuth.analysis.lifetimes import LifetimeTracker


def H(t: str, pid: int, msg: str, logger: str = "odoo.service.server", level: str = "INFO", db: str = "?") -> str:
    return f"2025-01-01 10:{t},000 {pid} {level} {db} {logger}: {msg} \n"


def banner(t: str, pid: int, version: str = "17.0") -> str:
    return H(t, pid, f"Odoo version {version}", logger="odoo")


def lifetimes(text: str):
    tracker = LifetimeTracker()
    for rec in records_of(text):
        tracker.feed(rec)
    return tracker.finish()


def test_docker_pid_reuse_is_two_lifetimes():
    lts = lifetimes(banner("00:00", 1) + H("00:01", 1, "Initiating shutdown") + banner("05:00", 1) + H("05:01", 1, "x"))
    assert [(lt.pid, lt.start_line, lt.end_reason) for lt in lts] == [(1, 1, "shutdown"), (1, 3, "end-of-log")]


def test_no_marker_then_a_newer_process_is_unknown_not_a_crash():
    lts = lifetimes(banner("00:00", 10) + H("00:01", 10, "working") + banner("09:00", 11))
    assert [(lt.end_reason, lt.end_evidence) for lt in lts] == [("unknown", None), ("end-of-log", None)]


def test_same_pid_restart_without_marker_is_unknown():
    lts = lifetimes(banner("00:00", 1) + H("00:30", 1, "working") + banner("09:00", 1))
    assert [lt.end_reason for lt in lts] == ["unknown", "end-of-log"]


def test_crash_needs_a_line_that_shows_it():
    text = banner("00:00", 10) + H("00:01", 10, "working") + "Segmentation fault (core dumped)\n" + banner("09:00", 11)
    lts = lifetimes(text)
    assert [(lt.end_reason, lt.end_evidence) for lt in lts] == [("crash", 3), ("end-of-log", None)]
    # the same line followed by more of that process's work did not end it
    lts = lifetimes(banner("00:00", 10) + "Fatal Python error: Aborted\n" + H("00:02", 10, "still working"))
    assert lts[0].end_reason == "end-of-log"


def test_uncaught_traceback_ends_the_process():
    tb = 'Traceback (most recent call last):\n  File "/opt/odoo/odoo-bin", line 8, in <module>\n    odoo.cli.main()\n'
    lts = lifetimes(
        banner("00:00", 4)
        + H("00:01", 4, "loading 211 modules...", logger="odoo.modules.loading")
        + tb
        + "MemoryError\n"
    )
    assert (lts[0].end_reason, lts[0].end_evidence) == ("crash", 3)
    lts = lifetimes(
        banner("00:00", 4) + H("00:01", 4, "loading", logger="odoo.modules.loading") + tb + "KeyboardInterrupt\n"
    )
    assert (lts[0].end_reason, lts[0].end_evidence) == ("forced", 3)


def test_start_line_after_a_shutdown_marker_is_a_new_process_without_banner():
    text = (
        banner("00:00", 1)
        + H("00:01", 1, "HTTP service (werkzeug) running through socket activation")
        + H("00:02", 1, "Initiating shutdown")
        + H("07:00", 1, "HTTP service (werkzeug) running through socket activation")
        + H("07:01", 1, '1.2.3.4 - - [x] "GET /web HTTP/1.1" 200 - 3 0.01 0.02', logger="werkzeug")
    )
    lts = lifetimes(text)
    assert [(lt.start_line, lt.started_by_banner, lt.end_reason) for lt in lts] == [
        (1, True, "shutdown"),
        (4, False, "end-of-log"),
    ]
    assert lts[1].requests == 1 and lts[1].shutdown_line is None


def test_second_http_service_line_of_a_running_pid_is_a_new_process():
    text = H("00:00", 1, "HTTP service (werkzeug) running on 0.0.0.0:8069") + H(
        "03:00", 1, "HTTP service (werkzeug) running on 0.0.0.0:8069"
    )
    assert [(lt.start_line, lt.end_reason) for lt in lifetimes(text)] == [(1, "unknown"), (2, "end-of-log")]


def test_stop_after_init_needs_loading_and_no_http_service():
    loaded = banner("00:00", 3) + H("00:01", 3, "Modules loaded.", logger="odoo.modules.loading")
    lts = lifetimes(loaded + H("00:02", 3, "Initiating shutdown"))
    assert (lts[0].kind, lts[0].end_reason, lts[0].end_evidence) == ("stop-after-init", "stop-after-init", 3)
    with_http = banner("00:00", 3) + H("00:00", 3, "HTTP service (werkzeug) running on 0.0.0.0:8069")
    lts = lifetimes(
        with_http
        + H("00:01", 3, "Modules loaded.", logger="odoo.modules.loading")
        + H("00:02", 3, "Initiating shutdown")
    )
    assert (lts[0].kind, lts[0].end_reason) == ("server", "shutdown")


def test_a_marker_long_after_loading_is_a_stopped_server_not_stop_after_init():
    """A server whose HTTP service never showed (its port taken by another process) loads its
    registry, then sits idle until Ctrl-C: the silence says it was not a one-shot run."""
    loaded = banner("00:00", 3) + H("00:01", 3, "Registry loaded in 0.106s", logger="odoo.modules.registry")
    lts = lifetimes(loaded + H("00:26", 3, "Initiating shutdown"))
    assert (lts[0].kind, lts[0].end_reason, lts[0].end_evidence) == ("server", "shutdown", 3)
    lts = lifetimes(loaded + H("00:01", 3, "Initiating shutdown"))
    assert (lts[0].kind, lts[0].end_reason) == ("stop-after-init", "stop-after-init")


def test_shell_session_marker_opens_no_shutdown_window():
    text = (
        banner("00:00", 9)
        + H("00:00", 9, "database: odoo@default:default", logger="odoo")
        + H("00:01", 9, "Initiating shutdown")
        + H("00:01", 9, "Hit CTRL-C again or send a second signal to force the shutdown.")
        + H("00:05", 9, "loading 1 modules...", logger="odoo.modules.loading", db="prod")
        + H("00:09", 9, "Modules loaded.", logger="odoo.modules.loading", db="prod")
    )
    (lt,) = lifetimes(text)
    assert (lt.kind, lt.end_reason) == ("shell", "end-of-log")
    assert not lt.shutdown_before(6)


def test_reload_keeps_pid_and_starts_a_new_lifetime():
    lts = lifetimes(banner("00:00", 88) + H("00:10", 88, "Initiating server reload") + banner("00:11", 88))
    assert [(lt.pid, lt.end_reason) for lt in lts] == [(88, "reload"), (88, "end-of-log")]


def test_interleaved_processes_keep_their_own_lines():
    text = (
        banner("00:00", 100)
        + banner("00:01", 200)
        + H("00:02", 100, "old still logging")
        + H("00:03", 200, "new")
        + H("00:04", 100, "Initiating shutdown")
    )
    lts = lifetimes(text)
    assert [(lt.pid, lt.start_line, lt.end_line, lt.shutdown_line) for lt in lts] == [(100, 1, 5, 5), (200, 2, 4, None)]


def test_mid_life_start_has_no_banner():
    lts = lifetimes(H("00:00", 7, "something") + H("00:01", 7, "Initiating shutdown"))
    assert lts[0].started_by_banner is False and lts[0].version is None and lts[0].end_reason == "shutdown"


def test_records_before_the_banner_of_the_same_process_join_its_lifetime():
    lts = lifetimes(
        H("00:00", 5, 'logger level set: ":INFO"', logger="odoo.netsvc", level="DEBUG") + banner("00:00", 5)
    )
    assert len(lts) == 1 and lts[0].started_by_banner and lts[0].start_line == 1


def test_prefork_workers_and_gevent_child_belong_to_the_master():
    text = (
        banner("00:00", 1000, "18.0")
        + H("00:01", 1000, "HTTP service (werkzeug) running on 0.0.0.0:8069")
        + H("00:02", 1001, "Worker WorkerHTTP (1001) alive")
        + H("00:02", 1002, "Worker WorkerCron (1002) alive")
        + banner("00:03", 1003, "18.0")
        + H("00:04", 1003, "Evented Service (longpolling) running on 0.0.0.0:8072")
        + H("00:05", 1001, "Worker (1001) max request (5) reached.")
        + H("00:05", 1001, "Worker (1001) exiting. request_count: 5, registry count: 1.")
        + H("00:06", 1004, "Worker WorkerHTTP (1004) alive")
        + H("00:07", 1000, "WorkerCron (1002) timeout after 6s", level="ERROR")
        + H("00:08", 1000, "Stopping gracefully")
        + H("00:08", 1004, "Worker (1004) exiting. request_count: 1, registry count: 1.")
    )
    (lt,) = lifetimes(text)
    assert lt.pid == 1000 and lt.worker_pids == [1001, 1002, 1004] and lt.gevent_pids == [1003]
    assert lt.killed_workers == [(1002, 10)] and lt.shutdown_line == 11 and lt.end_line == 12
    assert lt.end_reason == "shutdown"


def test_one_shot_run_is_stop_after_init():
    text = (
        banner("00:00", 9)
        + H("00:01", 9, "Modules loaded.", logger="odoo.modules.loading")
        + H("00:02", 9, "Initiating shutdown")
        + H("00:02", 9, "Hit CTRL-C again or send a second signal to force the shutdown.")
    )
    assert lifetimes(text)[0].end_reason == "stop-after-init"


def test_forced_shutdown_raw_line():
    text = banner("00:00", 9) + H("00:05", 9, "Initiating shutdown") + "Forced shutdown.\n"
    (lt,) = lifetimes(text)
    assert lt.end_reason == "forced" and lt.end_line == 3 and lt.forced_line == 3


def test_shutdown_window_is_strict_per_process():
    tracker = LifetimeTracker()
    http = H("00:00", 1, "HTTP service (werkzeug) running on 0.0.0.0:8069")
    recs = records_of(
        banner("00:00", 1)
        + http
        + banner("00:01", 2)
        + H("00:02", 1, "Initiating shutdown")
        + H("00:03", 2, "late error", level="ERROR")
    )
    seqs = []
    for r in recs:
        lt = tracker.feed(r)
        seqs.append((lt, tracker.seq))
    lt2, seq = seqs[-1]
    assert lt2.pid == 2 and not lt2.shutdown_before(seq)
    lt1, seq1 = seqs[3]
    assert lt1.pid == 1 and not lt1.shutdown_before(seq1) and lt1.shutdown_before(seq1 + 1)


def test_console_lines_carrying_a_traceback_are_no_crash_unless_the_interpreter_printed_it():
    """Pieces of a wrapped capture whose headers were cut come as console lines with a traceback
    inside: only ``Traceback (most recent call last):`` as printed by the interpreter shows an
    uncaught exception."""
    head = banner("00:00", 3) + H("00:01", 3, "HTTP service (werkzeug) running on 0.0.0.0:8069")
    wrapped = (
        "tructures.py:1018: DeprecationWarning: \n"
        "2026-03-26 05:45:44,363 9460 ERROR \n"
        "Traceback (most recent call last):\n"
        '  File "C:\\\\odoo\\\\http.py", line 658, in _handle_exception\n'
        "lxml.etree.XMLSyntaxError: Attribute decoration-danger redefined\n"
    )
    lts = lifetimes(head + wrapped)
    assert (lts[0].end_reason, lts[0].end_evidence) == ("end-of-log", None)
    uncaught = 'Traceback (most recent call last):\n  File "/usr/bin/odoo", line 8, in <module>\nOSError: boom\n'
    lts = lifetimes(head + uncaught)
    assert lts[0].end_reason == "crash"


def test_a_server_stopped_long_after_its_banner_is_no_shell_session():
    """`odoo shell` logs its marker right after the banner, then loads and runs; a server whose
    HTTP service never showed and that is stopped much later only closes its connection pool."""
    text = (
        banner("00:00", 3)
        + H("48:18", 3, "Initiating shutdown")
        + H("48:18", 3, "Hit CTRL-C again or send a second signal to force the shutdown.")
        + H("48:19", 3, "ConnectionPool(used=0/count=0/max=64): Closed 2 connections ", logger="odoo.sql_db")
    )
    lt = lifetimes(text)[0]
    assert (lt.kind, lt.end_reason, lt.end_evidence) == ("server", "shutdown", 2)


def test_lines_a_pid_logs_long_after_its_shutdown_belong_to_the_next_process():
    """docker exec reuses a PID a day later: the new process's logger-level lines, before its banner,
    are not the old one-shot run's (which would then seem to have lasted a day)."""
    text = (
        banner("00:00", 36)
        + H("00:01", 36, "Modules loaded.", logger="odoo.modules.loading")
        + H("00:01", 36, "Initiating shutdown")
        + H("30:00", 1, "cron1 polling for jobs", level="DEBUG")
        + H("59:00", 36, 'logger level set: "odoo:DEBUG"', logger="odoo.netsvc", level="DEBUG")
        + banner("59:00", 36)
    )
    lts = [lt for lt in lifetimes(text) if lt.pid == 36]
    assert [(lt.start_line, lt.end_line, lt.end_reason) for lt in lts] == [
        (1, 3, "stop-after-init"),
        (5, 6, "end-of-log"),
    ]
    assert lts[1].started_by_banner


def test_init_logger_lines_start_a_new_process_even_without_a_shutdown_marker():
    """A killed container logs no marker; the next one (PID 1 again) logs its logger levels before
    its banner: they are the new process's, not 17 hours more of the old one."""
    text = (
        banner("00:00", 1)
        + H("00:01", 1, "HTTP service (werkzeug) running on 0.0.0.0:8069")
        + H("09:00", 1, "cron1 polling for jobs", level="DEBUG")
        + H("59:00", 1, 'logger level set: "odoo:DEBUG"', logger="odoo.netsvc", level="DEBUG")
        + banner("59:00", 1)
    )
    lts = lifetimes(text)
    assert [(lt.start_line, lt.end_line, lt.end_reason) for lt in lts] == [(1, 3, "unknown"), (4, 5, "end-of-log")]


def test_configuration_warnings_before_a_banner_belong_to_the_next_process():
    """docker restarts PID 1 within seconds: the new process's configuration warnings (py.warnings
    from odoo/tools/config.py) come before its banner and are not the stopped process's."""
    text = (
        banner("00:00", 1)
        + H("00:01", 1, "HTTP service (werkzeug) running on 0.0.0.0:8069")
        + H("10:00", 1, "Initiating shutdown")
        + H(
            "10:20",
            1,
            "/usr/lib/python3/dist-packages/odoo/tools/config.py:566: DeprecationWarning: "
            "The longpolling-port is a deprecated alias to the gevent-port option",
            logger="py.warnings",
            level="WARNING",
        )
        + banner("10:20", 1)
    )
    lts = lifetimes(text)
    assert [(lt.start_line, lt.end_line, lt.end_reason) for lt in lts] == [(1, 3, "shutdown"), (4, 5, "end-of-log")]
    assert lts[1].started_by_banner


def test_openerp_banners_and_start_lines_begin_lifetimes_as_odoo_ones_do():
    """OpenERP (up to 9.0) logs its banner, start lines and markers under ``openerp``: a docker
    restart under PID 1 is two lifetimes, and the requests of the second are not the first's
    shutdown window."""
    srv = "openerp.service.server"
    text = (
        H("00:00", 1, "OpenERP version 9.0c-20180808", logger="openerp")
        + H("00:01", 1, "HTTP service (werkzeug) running on a68d649c6b72:8069", logger=srv)
        + H("00:02", 1, "Modules loaded.", logger="openerp.modules.loading")
        + H("04:00", 1, "Initiating shutdown", logger=srv)
        + H("04:10", 1, "OpenERP version 9.0c-20180808", logger="openerp")
        + H("04:11", 1, "HTTP service (werkzeug) running on a68d649c6b72:8069", logger=srv)
        + H("04:20", 1, '1.2.3.4 - - [x] "GET /web HTTP/1.1" 303 -', logger="werkzeug")
    )
    lts = lifetimes(text)
    assert [(lt.start_line, lt.started_by_banner, lt.end_reason, lt.version) for lt in lts] == [
        (1, True, "shutdown", "9.0c-20180808"),
        (5, True, "end-of-log", "9.0c-20180808"),
    ]
    assert lts[1].requests == 1 and lts[1].http_service
    # without the second banner, the start line after the marker is still a new process
    lts = lifetimes(text.replace(H("04:10", 1, "OpenERP version 9.0c-20180808", logger="openerp"), ""))
    assert [(lt.start_line, lt.end_reason) for lt in lts] == [(1, "shutdown"), (5, "end-of-log")]


def test_a_prefork_test_run_ending_with_its_statistics_is_stop_after_init():
    """16+ in prefork logs no summary: after the post tests come the odoo.tests.stats lines,
    then the prefork marker. A real 18.0 run (--stop-after-init --no-http) ends so."""
    text = (
        banner("00:00", 7, "18.0")
        + H("00:01", 7, "Modules loaded.", logger="odoo.modules.loading", db="odoo")
        + H("00:01", 7, "Starting post tests", db="odoo")
        + H("00:04", 7, "12 post-tests in 2.83s, 957 queries", db="odoo")
        + H("00:04", 7, "qms_nonconformity: 16 tests 2.82s 957 queries", logger="odoo.tests.stats", db="odoo")
        + H("00:04", 7, "Stopping gracefully", db="odoo")
    )
    (lt,) = lifetimes(text)
    assert (lt.kind, lt.end_reason, lt.end_evidence) == ("stop-after-init", "stop-after-init", 6)

"""Write large, realistic Odoo logs of several shapes, deterministically (same profile, size
and seed, same bytes).

Why profiles: a benchmark that only feeds request lines measures the tool's fastest path, not
what users have. Each profile is one shape a real log can take:

* ``request-only`` (the default, the log this script always wrote, byte for byte): 99.9 %
  werkzeug request lines from announced prefork workers, with rare events (cron, warnings,
  errors with 10-60 line tracebacks, worker recycling, restarts, a module load failure, a test
  run).
* ``production``: the mix of a busy prefork server, counted in records: 88 % werkzeug request
  lines from several workers (two per lifetime never log ``Worker ... alive``), 8 % cron and
  other INFO lines, 3 % WARNING, 1 % ERROR with tracebacks of varied shapes (about 8 lines),
  and a restart (shutdown markers, then a new banner and new PIDs) every 200,000 lines.
* ``error-dense``: a fifth of the records ERROR and about half of the lines inside
  tracebacks, across many addons and exception types.
* ``distinct-errors`` (hostile): one ERROR line per record, each with a message that stays
  distinct after numbers and quoted text are masked (1,000,000 of them in ~112 MB).
* ``many-pids`` (hostile): one request line per PID, 100,000 distinct PIDs in ~13 MB, none
  of them announced.

    python benchmarks/generate.py --size 1G benchmarks/data/big.log
    python benchmarks/generate.py --profile production --size 300M benchmarks/data/prod.log
    python benchmarks/generate.py --profile many-pids --size 13M benchmarks/data/pids.log
    python benchmarks/generate.py --size 10M --gzip benchmarks/data/small.log.gz

The line mix actually written is printed on stderr (``--stats``), so a figure can be quoted
with the shape it was measured on.
"""

from __future__ import annotations

import argparse
import gzip
import random
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import BinaryIO

PATHS = [
    ("POST", "/web/dataset/call_kw/sale.order/web_search_read", 200),
    ("GET", "/web", 200),
    ("POST", "/mail/data", 200),
    ("POST", "/web/action/load", 200),
    ("GET", "/web/image/res.partner/7/avatar_128", 304),
    ("POST", "/web/dataset/call_kw/res.partner/read", 200),
    ("GET", "/websocket?version=17.0-3", 101),
    ("POST", "/web/webclient/version_info", 200),
    ("GET", "/web/assets/1/web.assets_web.min.js", 200),
    ("GET", "/shop/cart", 200),
    ("POST", "/web/dataset/call_button", 200),
    ("GET", "/nonexistent", 404),
]
FRAMES = [
    ("/opt/odoo/odoo/http.py", 2577, "__call__", "response = request._serve_db()"),
    ("/opt/odoo/odoo/http.py", 2104, "_serve_db", "return self._transactioning("),
    ("/opt/odoo/odoo/service/model.py", 157, "retrying", "result = func()"),
    ("/opt/odoo/odoo/http.py", 2295, "dispatch", "return self.request.registry['ir.http']._dispatch(endpoint)"),
    ("/opt/odoo/odoo/addons/base/models/ir_http.py", 333, "_dispatch", "result = endpoint(**request.params)"),
    (
        "/opt/odoo/odoo/models.py",
        5125,
        "_prepare_create_values",
        "new_vals_list = self._add_missing_default_values(vals)",
    ),
    ("/mnt/extra-addons/sale_custom/models/sale_order.py", 88, "action_confirm", "self._check_credit_limit()"),
    (
        "/mnt/extra-addons/sale_custom/models/sale_order.py",
        141,
        "_check_credit_limit",
        "limit = self.partner_id.credit_limit / rate",
    ),
]


class Writer:
    def __init__(self, out, seed: int) -> None:
        self.out = out
        self.rng = random.Random(seed)
        self.t = datetime(2025, 10, 18, 3, 0, 0)
        self.written = 0

    def line(self, text: str) -> None:
        data = text + "\n"
        self.out.write(data.encode())
        self.written += len(data)

    def rec(self, pid: int, level: str, db: str, logger: str, msg: str, trailing: str = " ") -> None:
        self.t += timedelta(milliseconds=self.rng.randint(1, 40))
        stamp = self.t.strftime("%Y-%m-%d %H:%M:%S,") + f"{self.t.microsecond // 1000:03d}"
        self.line(f"{stamp} {pid} {level} {db} {logger}: {msg}{trailing}")

    def request(self, pid: int) -> None:
        method, path, status = self.rng.choice(PATHS)
        when = self.t.strftime("%d/%b/%Y %H:%M:%S")
        qc, qt, pt = self.rng.randint(1, 60), self.rng.random() / 20, self.rng.random() / 5
        self.rec(
            pid,
            "INFO",
            "prod",
            "werkzeug",
            f'10.0.{pid % 250}.{self.rng.randint(2, 250)} - - [{when}] "{method} {path} HTTP/1.1" {status} - {qc} {qt:.3f} {pt:.3f}',
            trailing="",
        )

    def traceback(self, depth: int, exc: str) -> None:
        self.line("Traceback (most recent call last):")
        for i in range(depth):
            f = FRAMES[i % len(FRAMES)]
            self.line(f'  File "{f[0]}", line {f[1] + i}, in {f[2]}')
            self.line(f"    {f[3]}")
        self.line(exc)

    def banner(self, pid: int) -> None:
        self.rec(pid, "INFO", "?", "odoo", "Odoo version 17.0-20251001")
        self.rec(pid, "INFO", "?", "odoo", "Using configuration file at /etc/odoo/odoo.conf")
        self.rec(
            pid, "INFO", "?", "odoo", "addons paths: ['/opt/odoo/odoo/addons', '/opt/odoo/addons', '/mnt/extra-addons']"
        )
        self.rec(pid, "INFO", "?", "odoo", "database: odoo@db:5432")
        self.rec(pid, "INFO", "?", "odoo.service.server", "HTTP service (werkzeug) running on 0.0.0.0:8069")


def generate(out, size: int, seed: int = 42, every: int = 20000) -> int:
    w = Writer(out, seed)
    rng = w.rng
    master = 1
    workers = [101, 102]
    next_pid = 103
    w.banner(master)
    for pid in workers:
        w.rec(pid, "INFO", "prod", "odoo.service.server", f"Worker WorkerHTTP ({pid}) alive")
    w.rec(99, "INFO", "prod", "odoo.service.server", "Worker WorkerCron (99) alive")
    events = 0
    special_every = every
    while w.written < size:
        events += 1
        if events % special_every:
            w.request(rng.choice(workers))
            continue
        kind = (events // special_every) % 8
        pid = rng.choice(workers)
        if kind == 0:
            w.rec(pid, "ERROR", "prod", "odoo.http", "Exception during request handling.")
            w.traceback(rng.randint(5, 30), "ZeroDivisionError: float division by zero")
        elif kind == 1:
            w.rec(pid, "WARNING", "prod", "odoo.models", "sale.order.line.write() with unknown fields: x_old_field")
        elif kind == 2:
            w.rec(99, "INFO", "prod", "odoo.addons.base.models.ir_cron", "Job 'Mail: Email Queue Manager' (4) starting")
            w.rec(
                99,
                "INFO",
                "prod",
                "odoo.addons.base.models.ir_cron",
                "Job 'Mail: Email Queue Manager' (4) fully done (#loop 1; done 3; remaining 0; duration 0.41s)",
            )
        elif kind == 3:
            old = workers.pop(0)
            w.rec(old, "INFO", "prod", "odoo.service.server", f"Worker ({old}) max request (8192) reached.")
            w.rec(
                old,
                "INFO",
                "prod",
                "odoo.service.server",
                f"Worker ({old}) exiting. request_count: 8192, registry count: 1.",
            )
            workers.append(next_pid)
            w.rec(next_pid, "INFO", "prod", "odoo.service.server", f"Worker WorkerHTTP ({next_pid}) alive")
            next_pid += 1
        elif kind == 4:
            w.rec(
                pid,
                "ERROR",
                "prod",
                "odoo.sql_db",
                'bad query: UPDATE "mail_channel_member" SET "fetched_message_id"=2277571 WHERE id IN (540)',
            )
            w.line("ERROR: could not serialize access due to concurrent update")
        elif kind == 5:
            w.rec(master, "INFO", "prod", "odoo.service.server", "Stopping gracefully")
            w.request(pid)
            w.banner(master)  # container restart: PID 1 again
            workers = [next_pid, next_pid + 1]
            for p in workers:
                w.rec(p, "INFO", "prod", "odoo.service.server", f"Worker WorkerHTTP ({p}) alive")
            next_pid += 2
        elif kind == 6:
            w.rec(pid, "CRITICAL", "prod", "odoo.modules.module", "Couldn't load module sale_ai")
            w.rec(pid, "WARNING", "prod", "odoo.modules.loading", "Transient module states were reset")
            w.rec(pid, "ERROR", "prod", "odoo.modules.registry", "Failed to load registry")
            w.rec(pid, "ERROR", "prod", "odoo.http", "Exception during request handling.")
            w.line("Traceback (most recent call last):")
            w.line('  File "/opt/odoo/odoo/modules/module.py", line 384, in load_openerp_module')
            w.line("    __import__(qualname)")
            w.line('  File "/mnt/extra-addons/sale_ai/__init__.py", line 1, in <module>')
            w.line("    from . import models")
            w.line('  File "/mnt/extra-addons/sale_ai/models/__init__.py", line 4, in <module>')
            w.line("    from . import forecast")
            w.line('  File "/mnt/extra-addons/sale_ai/models/forecast.py", line 2, in <module>')
            w.line("    import pandas as pd")
            w.line("ModuleNotFoundError: No module named 'pandas'")
        else:
            t = "odoo.addons.sale_custom.tests.test_sale"
            w.rec(pid, "INFO", "prod", t, "Starting TestSale.test_confirm ...")
            w.rec(pid, "INFO", "prod", t, "=" * 70)
            w.rec(pid, "ERROR", "prod", t, "FAIL: TestSale.test_confirm")
            w.traceback(rng.randint(10, 60), "AssertionError: 1 != 2")
    return w.written


# ---------------------------------------------------------------------------------------------
# Production-shaped profiles. A faster writer than ``Writer`` (the timestamp is formatted once
# per second and output is written in 1 MiB chunks) because these logs are generated at 1 GB.

MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
START_MS = 1_760_756_400_000  # 2025-10-18 03:00:00 UTC

ROUTES: list[tuple[str, str, int, bool]] = [  # method, path ({n}: a record id), status, touches the ORM
    ("POST", "/web/dataset/call_kw/sale.order/web_search_read", 200, True),
    ("POST", "/web/dataset/call_kw/res.partner/web_read", 200, True),
    ("POST", "/web/dataset/call_kw/account.move/action_post", 200, True),
    ("POST", "/web/dataset/call_kw/stock.picking/button_validate", 200, True),
    ("POST", "/web/dataset/call_button", 200, True),
    ("POST", "/mail/data", 200, True),
    ("POST", "/mail/thread/messages", 200, True),
    ("POST", "/web/action/load", 200, True),
    ("POST", "/bus/has_missed_notifications", 200, True),
    ("GET", "/web", 200, True),
    ("GET", "/odoo/action-{n}", 200, True),
    ("GET", "/web/image/res.partner/{n}/avatar_128", 304, True),
    ("GET", "/web/image/product.template/{n}/image_128", 200, True),
    ("GET", "/web/content/{n}?download=true", 200, True),
    ("GET", "/websocket?version=17.0-3", 101, False),
    ("GET", "/web/assets/{n}/web.assets_web.min.js", 200, False),
    ("GET", "/web/static/img/favicon.ico", 304, False),
    ("GET", "/shop/cart", 200, True),
    ("GET", "/shop/product/{n}", 200, True),
    ("GET", "/robots.txt", 404, False),
    ("GET", "/wp-login.php", 404, False),
    ("POST", "/web/login", 303, True),
]
ADDONS = [
    "sale_custom",
    "stock_barcode_ext",
    "account_edi_ubl",
    "hr_payroll_ext",
    "mrp_workorder_ext",
    "website_sale_extra",
    "l10n_fr_fec_ext",
    "pos_loyalty_ext",
    "project_timesheet_ext",
    "crm_scoring",
    "purchase_approval",
    "helpdesk_sla",
    "fleet_maintenance",
    "event_badge",
    "delivery_dhl_ext",
]
MODELS = [
    "sale.order",
    "sale.order.line",
    "res.partner",
    "account.move",
    "account.move.line",
    "stock.picking",
    "stock.move",
    "product.template",
    "mrp.production",
    "hr.employee",
    "project.task",
    "crm.lead",
]
CRON_JOBS = [
    "Mail: Email Queue Manager",
    "Calendar: Event Reminder",
    "Base: Auto-vacuum internal data",
    "Procurement: run scheduler",
    "Account: Post draft entries with auto_post enabled",
    "Snailmail: process letters queue",
    "Digest Emails",
    "Notification: Send scheduled message",
    "Payment: Post-process transactions",
    "Website Visitor : clean inactive visitors",
]
CORE_FRAMES: list[tuple[str, int, str, str]] = [
    ("/opt/odoo/odoo/http.py", 2212, "_serve_db", "return service_model.retrying(self._serve_ir_http, self.env)"),
    ("/opt/odoo/odoo/service/model.py", 152, "retrying", "result = func()"),
    ("/opt/odoo/odoo/http.py", 2239, "_serve_ir_http", "response = self.dispatcher.dispatch(rule.endpoint, args)"),
    ("/opt/odoo/odoo/http.py", 2443, "dispatch", "result = self.request.registry['ir.http']._dispatch(endpoint)"),
    ("/opt/odoo/odoo/addons/base/models/ir_http.py", 221, "_dispatch", "result = endpoint(**request.params)"),
    (
        "/opt/odoo/addons/web/controllers/dataset.py",
        28,
        "call_kw",
        "return call_kw(request.env[model], method, args, kwargs)",
    ),
    ("/opt/odoo/odoo/api.py", 466, "call_kw", "result = _call_kw_multi(method, model, args, kwargs)"),
    ("/opt/odoo/odoo/models.py", 4542, "write", "real_recs._validate_fields(vals, inverse_fields)"),
    ("/opt/odoo/odoo/fields.py", 1207, "__get__", "self.compute_value(recs)"),
    ("/opt/odoo/odoo/sql_db.py", 332, "execute", "res = self._obj.execute(query, params)"),
    (
        "/usr/lib/python3.11/smtplib.py",
        398,
        "getreply",
        'raise SMTPServerDisconnected("Connection unexpectedly closed")',
    ),
]
EXCEPTIONS: list[str] = [
    "KeyError: 'x_studio_margin'",
    "ValueError: Expected singleton: res.partner(14, 37)",
    "AttributeError: 'NoneType' object has no attribute 'currency_id'",
    "TypeError: unsupported operand type(s) for -: 'bool' and 'float'",
    "ZeroDivisionError: float division by zero",
    "psycopg2.errors.SerializationFailure: could not serialize access due to concurrent update",
    'psycopg2.errors.LockNotAvailable: could not obtain lock on row in relation "stock_quant"',
    "odoo.exceptions.ValidationError: The operation cannot be completed: the credit limit is exceeded.",
    "odoo.exceptions.MissingError: Record does not exist or has been deleted.\n(Record: sale.order(48213,), User: 2)",
    "odoo.exceptions.AccessError: You are not allowed to access 'Journal Entry' (account.move) records.",
    "smtplib.SMTPServerDisconnected: Connection unexpectedly closed",
    "psycopg2.OperationalError: server closed the connection unexpectedly\n\tThis probably means the server terminated abnormally\n\tbefore or while processing the request.",
    "RecursionError: maximum recursion depth exceeded while calling a Python object",
    "UnicodeDecodeError: 'utf-8' codec can't decode byte 0xe9 in position 12: invalid continuation byte",
]


class Stats:
    """Counts what was written, by kind of line, so each figure can quote its shape."""

    def __init__(self) -> None:
        self.lines: dict[str, int] = {}
        self.records: dict[str, int] = {}

    def add(self, kind: str, lines: int) -> None:
        self.records[kind] = self.records.get(kind, 0) + 1
        self.lines[kind] = self.lines.get(kind, 0) + 1
        if lines > 1:
            self.lines[kind + " continuation"] = self.lines.get(kind + " continuation", 0) + lines - 1

    def report(self) -> str:
        total_lines, total_records = sum(self.lines.values()), sum(self.records.values())
        rows = [f"{total_records:,} records, {total_lines:,} lines"]
        rows += [f"  records {k:22} {v:>11,} {100 * v / total_records:6.2f} %" for k, v in sorted(self.records.items())]
        rows += [f"  lines   {k:22} {v:>11,} {100 * v / total_lines:6.2f} %" for k, v in sorted(self.lines.items())]
        return "\n".join(rows)


class FastWriter:
    """Odoo records with a clock in milliseconds, buffered; counts bytes and physical lines."""

    def __init__(self, out: BinaryIO, seed: int) -> None:
        self.out = out
        self.rng = random.Random(seed)
        self.ms = START_MS
        self.written = 0
        self.lines = 0
        self.stats = Stats()
        self._buf: list[str] = []
        self._buffered = 0
        self._sec = -1
        self._stamp = ""
        self._wdate = ""

    def _clock(self) -> None:
        sec = self.ms // 1000
        if sec != self._sec:
            t = time.gmtime(sec)
            self._sec = sec
            self._stamp = time.strftime("%Y-%m-%d %H:%M:%S", t)
            self._wdate = f"{t.tm_mday:02d}/{MONTHS[t.tm_mon - 1]}/{t.tm_year} {self._stamp[11:]}"

    def emit(
        self,
        kind: str,
        pid: int,
        level: str,
        db: str,
        logger: str,
        msg: str,
        more: list[str] | None = None,
        trailing: str = " ",
        step: int = 25,
    ) -> None:
        """One record: a header line, then ``more`` continuation lines (a traceback, SQL...)."""
        self.ms += 1 + int(self.rng.random() * step)
        self._clock()
        text = f"{self._stamp},{self.ms % 1000:03d} {pid} {level} {db} {logger}: {msg}{trailing}\n"
        lines = 1 + text.count("\n", 0, -1)
        if more:
            text += "\n".join(more) + "\n"
            lines += len(more)
        self._buf.append(text)
        self._buffered += len(text)
        self.lines += lines
        self.stats.add(kind, lines)
        if self._buffered >= 1 << 20:
            self.flush()

    def flush(self) -> None:
        data = "".join(self._buf).encode()
        self.out.write(data)
        self.written += len(data)
        self._buf, self._buffered = [], 0

    def size(self) -> int:
        return self.written + self._buffered  # ASCII-only content: characters are bytes

    # --- record kinds ------------------------------------------------------------------------

    def request(
        self, pid: int, db: str = "prod", status: int | None = None, route: tuple | None = None, kind: str = "request"
    ) -> None:
        """A werkzeug access line (16-18 shape: ``- qc qt pt`` after the status)."""
        rng = self.rng
        method, path, default_status, orm = route or ROUTES[int(rng.random() * len(ROUTES))]
        if "{n}" in path:
            path = path.replace("{n}", str(1 + int(rng.random() * 90000)))
        perf = f"{1 + int(rng.random() * 40)} {rng.random() / 30:.3f} {rng.random() / 4:.3f}" if orm else "- - -"
        client = f"10.1.{pid % 200}.{2 + int(rng.random() * 250)}"
        self._clock()
        msg = f'{client} - - [{self._wdate}] "{method} {path} HTTP/1.1" {status or default_status} - {perf}'
        self.emit(kind, pid, "INFO", db, "werkzeug", msg, trailing="")

    def info(self, pid: int, cron_pid: int, db: str = "prod") -> None:
        """Cron and other routine INFO records, one line each."""
        rng = self.rng
        r = rng.random()
        if r < 0.5:
            job = CRON_JOBS[int(rng.random() * len(CRON_JOBS))]
            logger = "odoo.addons.base.models.ir_cron"
            if rng.random() < 0.5:
                self.emit("info", cron_pid, "INFO", db, logger, f"Starting job `{job}`.")
            else:
                self.emit("info", cron_pid, "INFO", db, logger, f"Job done: `{job}` ({rng.random() * 3:.3f}s).")
        elif r < 0.65:
            self.emit(
                "info",
                pid,
                "INFO",
                db,
                "odoo.addons.base.models.res_users",
                f"Login successful for db:{db} login:user{int(rng.random() * 400)}@example.com from 10.1.{pid % 200}.{int(rng.random() * 250)}",
            )
        elif r < 0.8:
            n = 1 + int(rng.random() * 900000)
            self.emit(
                "info",
                cron_pid,
                "INFO",
                db,
                "odoo.addons.mail.models.mail_mail",
                f"Mail with ID {n} and Message-Id '<{n}.{self.ms // 1000}.{pid}-openerp-{n}-sale.order@erp>' successfully sent",
            )
        elif r < 0.9:
            first = 1 + int(rng.random() * 900000)
            self.emit(
                "info",
                pid,
                "INFO",
                db,
                "odoo.models.unlink",
                f"User #2 deleted ir.attachment records with IDs: [{first}, {first + 1}, {first + 4}]",
            )
        else:
            code = ("SERIALIZATION_FAILURE", "LOCK_NOT_AVAILABLE", "DEADLOCK_DETECTED")[int(rng.random() * 3)]
            self.emit(
                "info",
                pid,
                "INFO",
                db,
                "odoo.service.model",
                f"{code}, {1 + int(rng.random() * 4)} tries left, try again in {rng.random() * 2:.4f} sec...",
            )

    def warning(self, pid: int, cron_pid: int, db: str = "prod", with_traceback: float = 0.0) -> None:
        """WARNING records of the kinds a production log is full of; optionally with a traceback."""
        rng = self.rng
        model = MODELS[int(rng.random() * len(MODELS))]
        n = 1 + int(rng.random() * 90000)
        choices = [
            (
                "odoo.http",
                f"You are not allowed to modify '{model}' ({model}) records.\n\nThis operation is allowed for the following groups:\n\t- Sales/Administrator",
            ),
            ("odoo.models", f"{model}.write() with unknown fields: x_old_field_{n % 7}"),
            (
                "py.warnings",
                f"/opt/odoo/odoo/api.py:{400 + n % 90}: DeprecationWarning: The model odoo.addons.{ADDONS[n % len(ADDONS)]}.models is not overriding the create method in batch",
            ),
            (
                "odoo.fields",
                f"Field {model}.x_state: unknown parameter 'tracking', if this is an actual parameter you may want to override the method _valid_field_parameter on the relevant model in order to allow it",
            ),
            (
                "odoo.addons.base.models.ir_cron",
                f"Skipping database {db} because of modules to install/upgrade/remove.",
            ),
            (
                "odoo.addons.mail.models.mail_thread",
                f"Routing mail from bounce@example.com to catchall@example.com with Message-Id <{n}@mail>: no route found and no reply address",
            ),
            (
                "odoo.service.server",
                f"Thread <Thread(odoo.service.http.request.{140000000000000 + n}, started {140000000000000 + n})> virtual real time limit (121/120s) reached.",
            ),
            ("odoo.addons.stock.models.stock_rule", f"Unable to fulfil procurement for product [{n}] on warehouse WH"),
        ]
        logger, msg = choices[int(rng.random() * len(choices))]
        more = self._traceback(rng) if rng.random() < with_traceback else None
        self.emit("warning", cron_pid if logger.endswith("ir_cron") else pid, "WARNING", db, logger, msg, more)

    def _traceback(self, rng: random.Random, depth: int | None = None) -> list[str]:
        """A traceback of 2-5 frames (about 8 lines), sometimes with 3.11 caret lines or chained."""
        depth = depth or 2 + int(rng.random() * 3)
        addon = ADDONS[int(rng.random() * len(ADDONS))]
        lines = ["Traceback (most recent call last):"]
        start = int(rng.random() * (len(CORE_FRAMES) - depth))
        frames = CORE_FRAMES[start : start + depth - 1]
        frames.append(
            (
                f"/mnt/extra-addons/{addon}/models/{addon.split('_')[0]}.py",
                40 + int(rng.random() * 400),
                f"_compute_{addon.split('_')[-1]}",
                "rec.amount = rec.total / rec.quantity",
            )
        )
        for file, line, func, code in frames:
            lines.append(f'  File "{file}", line {line}, in {func}')
            lines.append(f"    {code}")
            if rng.random() < 0.1:
                lines.append("    " + "~" * 8 + "^" * 10)
        exc = EXCEPTIONS[int(rng.random() * len(EXCEPTIONS))]
        if rng.random() < 0.08:
            lines += [
                'psycopg2.errors.UniqueViolation: duplicate key value violates unique constraint "res_partner_ref_uniq"',
                "",
                "The above exception was the direct cause of the following exception:",
                "",
                "Traceback (most recent call last):",
                '  File "/opt/odoo/odoo/sql_db.py", line 332, in execute',
                "    res = self._obj.execute(query, params)",
            ]
        lines.extend(exc.split("\n"))
        return lines

    def error(self, pid: int, cron_pid: int, db: str = "prod", depth: int | None = None) -> None:
        """ERROR records with tracebacks of varied shapes, followed where real logs do by the
        werkzeug line of the failed request."""
        rng = self.rng
        r = rng.random()
        if r < 0.55:
            self.emit(
                "error",
                pid,
                "ERROR",
                db,
                "odoo.http",
                "Exception during request handling.",
                self._traceback(rng, depth),
            )
            self.request(pid, db, status=500 if rng.random() < 0.5 else 200, route=ROUTES[int(rng.random() * 5)])
        elif r < 0.75:
            n = 1 + int(rng.random() * 900)
            self.emit(
                "error",
                cron_pid,
                "ERROR",
                db,
                "odoo.addons.base.models.ir_cron",
                f"Call from cron {CRON_JOBS[n % len(CRON_JOBS)]} for server action #{n} failed in Job #{n % 60}",
                self._traceback(rng, depth),
            )
        elif r < 0.9:
            n = 1 + int(rng.random() * 900000)
            self.emit(
                "error",
                pid,
                "ERROR",
                db,
                "odoo.sql_db",
                f'bad query: UPDATE "stock_quant" SET "quantity"={n} WHERE id IN ({n % 5000})',
                ["ERROR: could not serialize access due to concurrent update"],
            )
        else:
            n = 1 + int(rng.random() * 900000)
            self.emit(
                "error",
                cron_pid,
                "ERROR",
                db,
                "odoo.addons.mail.models.mail_mail",
                f"failed sending mail (id: {n}) due to Connection unexpectedly closed",
                self._traceback(rng, depth),
            )


def _banner(w: FastWriter, pid: int, version: str = "17.0-20251001") -> None:
    for logger, msg in (
        ("odoo", f"Odoo version {version}"),
        ("odoo", "Using configuration file at /etc/odoo/odoo.conf"),
        ("odoo", "addons paths: ['/opt/odoo/odoo/addons', '/opt/odoo/addons', '/mnt/extra-addons']"),
        ("odoo", "database: odoo@db:5432"),
    ):
        w.emit("lifecycle", pid, "INFO", "?", logger, msg)


class Prefork:
    """The processes of one prefork lifetime: a master, HTTP workers (two never announced), a
    cron worker and a gevent child with its own banner. PIDs grow, as they do without Docker."""

    def __init__(self, w: FastWriter, first_pid: int, http_workers: int = 6) -> None:
        self.w = w
        self.master = first_pid
        self.workers = list(range(first_pid + 1, first_pid + 1 + http_workers))
        self.cron = first_pid + 1 + http_workers
        self.gevent = self.cron + 1
        self.next_pid = self.gevent + 1
        self.requests: dict[int, int] = {p: 0 for p in self.workers}
        _banner(w, self.master)
        w.emit(
            "lifecycle",
            self.master,
            "INFO",
            "?",
            "odoo.service.server",
            "HTTP service (werkzeug) running on 0.0.0.0:8069",
        )
        for pid in self.workers[2:]:  # workers[0] and workers[1] never log "alive"
            w.emit("lifecycle", pid, "INFO", "?", "odoo.service.server", f"Worker WorkerHTTP ({pid}) alive")
        w.emit("lifecycle", self.cron, "INFO", "?", "odoo.service.server", f"Worker WorkerCron ({self.cron}) alive")
        _banner(w, self.gevent)
        w.emit(
            "lifecycle",
            self.gevent,
            "INFO",
            "?",
            "odoo.service.server",
            "Evented Service (longpolling) running on 0.0.0.0:8072",
        )

    def pick(self) -> int:
        pid = self.workers[int(self.w.rng.random() * len(self.workers))]
        self.requests[pid] = self.requests.get(pid, 0) + 1
        return pid

    def recycle(self) -> None:
        """A worker reaches its request limit; its replacement is announced, like in Odoo."""
        w = self.w
        i = 2 + int(w.rng.random() * (len(self.workers) - 2))
        old = self.workers[i]
        w.emit("lifecycle", old, "INFO", "prod", "odoo.service.server", f"Worker ({old}) max request (8192) reached.")
        w.emit(
            "lifecycle",
            old,
            "INFO",
            "prod",
            "odoo.service.server",
            f"Worker ({old}) exiting. request_count: {self.requests.pop(old, 0)}, registry count: 1.",
        )
        self.workers[i] = new = self.next_pid
        self.next_pid += 1
        w.emit("lifecycle", new, "INFO", "?", "odoo.service.server", f"Worker WorkerHTTP ({new}) alive")

    def stop(self) -> int:
        """Graceful shutdown; returns the next free PID for the next lifetime."""
        w = self.w
        w.emit("lifecycle", self.master, "INFO", "prod", "odoo.service.server", "Stopping gracefully")
        for pid in self.workers + [self.cron]:
            w.emit(
                "lifecycle",
                pid,
                "INFO",
                "prod",
                "odoo.service.server",
                f"Worker ({pid}) exiting. request_count: {self.requests.get(pid, 0)}, registry count: 1.",
            )
        return self.next_pid + 7


def generate_mix(
    out: BinaryIO,
    size: int,
    seed: int,
    weights: tuple[float, float, float, float],
    restart_every: int = 200_000,
    warning_tracebacks: float = 0.0,
    error_depth: int | None = None,
    one_line_errors: float = 0.0,
) -> FastWriter:
    """Records drawn with ``weights`` = (request, INFO, WARNING, ERROR), a restart every
    ``restart_every`` lines and a worker recycled every 50,000 lines."""
    w = FastWriter(out, seed)
    rng = w.rng
    life = Prefork(w, 2100)
    next_restart, next_recycle = restart_every, 50_000
    req, info, warn = weights[0], weights[0] + weights[1], weights[0] + weights[1] + weights[2]
    while w.size() < size:
        r = rng.random()
        if r < req:
            w.request(life.pick())
        elif r < info:
            w.info(life.pick(), life.cron)
        elif r < warn:
            w.warning(life.pick(), life.cron, with_traceback=warning_tracebacks)
        elif one_line_errors and rng.random() < one_line_errors:
            n = 1 + int(rng.random() * 900000)
            w.emit(
                "error",
                life.cron,
                "ERROR",
                "prod",
                f"odoo.addons.{ADDONS[n % len(ADDONS)]}.models.sync",
                f"Status poll failed for document {n}: HTTP {(403, 500, 502, 504)[n % 4]}",
            )
        else:
            w.error(life.pick(), life.cron, depth=error_depth)
        if w.lines >= next_recycle:
            next_recycle += 50_000
            life.recycle()
        if w.lines >= next_restart:
            next_restart += restart_every
            life = Prefork(w, life.stop())
    w.flush()
    return w


def generate_production(out: BinaryIO, size: int, seed: int = 42) -> FastWriter:
    """88 % requests, 8 % INFO, 3 % WARNING, 1 % ERROR with ~8-line tracebacks (in records)."""
    return generate_mix(out, size, seed, (0.88, 0.08, 0.03, 0.01))


def generate_error_dense(out: BinaryIO, size: int, seed: int = 42) -> FastWriter:
    """A fifth of the records ERROR (most with tracebacks), about half the lines in tracebacks."""
    return generate_mix(out, size, seed, (0.50, 0.18, 0.10, 0.22), warning_tracebacks=0.15, one_line_errors=0.3)


def _word(i: int) -> str:
    """A pronounceable word unique to i, with no digit and no hex-only token (so it survives
    the number and quote masking of fingerprints)."""
    cons, vows = "gklmnprstvz", "aiou"
    parts = []
    while True:
        i, r = divmod(i, len(cons) * len(vows))
        parts.append(cons[r // len(vows)] + vows[r % len(vows)])
        if not i:
            return "".join(parts)
        i -= 1


def generate_distinct_errors(out: BinaryIO, size: int, seed: int = 42) -> FastWriter:
    """One ERROR line per record, every message distinct after masking (~112 bytes a record)."""
    w = FastWriter(out, seed)
    _banner(w, 7)
    i = 0
    while w.size() < size:
        addon = ADDONS[i % len(ADDONS)]
        w.emit(
            "error",
            7 + i % 4,
            "ERROR",
            "prod",
            f"odoo.addons.{addon}",
            f"Catalogue {_word(i)} rejected: {_word(i * 7 + 3)} missing",
            step=3,
        )
        i += 1
    w.flush()
    return w


def generate_many_pids(out: BinaryIO, size: int, seed: int = 42) -> FastWriter:
    """One request line per PID, none announced (~130 bytes a PID: 100,000 PIDs in 13 MB)."""
    w = FastWriter(out, seed)
    _banner(w, 1000)
    pid = 1001
    route = ("GET", "/web", 200, True)
    while w.size() < size:
        w.request(pid, route=route)
        pid += 1
    w.flush()
    return w


def _request_only(out: BinaryIO, size: int, seed: int = 42) -> int:
    return generate(out, size, seed)


PROFILES: dict[str, Callable[[BinaryIO, int, int], object]] = {
    "request-only": _request_only,
    "production": generate_production,
    "error-dense": generate_error_dense,
    "distinct-errors": generate_distinct_errors,
    "many-pids": generate_many_pids,
}
DEFAULT_SIZES = {"distinct-errors": "112M", "many-pids": "13M"}


def write_profile(path: str, profile: str, size: int, seed: int = 42, compress: bool = False) -> tuple[int, str]:
    """Write one profile to ``path``; returns the bytes written and the line mix (empty for
    ``request-only``, whose writer does not count)."""
    opener = (lambda p: gzip.open(p, "wb", compresslevel=6)) if compress else (lambda p: open(p, "wb"))
    with opener(path) as out:
        result = PROFILES[profile](out, size, seed)
    if isinstance(result, FastWriter):
        return result.written, result.stats.report()
    return int(result), ""  # type: ignore[call-overload]


def parse_size(text: str) -> int:
    units = {"K": 1024, "M": 1024**2, "G": 1024**3}
    text = text.strip().upper().rstrip("B")
    return int(float(text[:-1]) * units[text[-1]]) if text[-1] in units else int(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("output")
    parser.add_argument(
        "--profile", default="request-only", choices=sorted(PROFILES), help="shape of the log (default request-only)"
    )
    parser.add_argument(
        "--size",
        default=None,
        help="approximate size, e.g. 10M, 1G (default 1G; 112M for distinct-errors, 13M for many-pids)",
    )
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--gzip", action="store_true", help="write gzip-compressed")
    parser.add_argument("--stats", action="store_true", help="print the mix of records and lines written")
    args = parser.parse_args()
    size = parse_size(args.size or DEFAULT_SIZES.get(args.profile, "1G"))
    written, stats = write_profile(args.output, args.profile, size, args.seed, args.gzip)
    sys.stderr.write(f"wrote {written / 1e6:.1f} MB (uncompressed) of {args.profile} to {args.output}\n")
    if args.stats and stats:
        sys.stderr.write(stats + "\n")


if __name__ == "__main__":
    main()

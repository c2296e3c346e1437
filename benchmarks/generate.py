"""Write a large, realistic Odoo log, deterministically (same size and seed, same bytes).

Mostly werkzeug request lines with perf columns from several worker PIDs, cron lines, warnings,
errors with 10–60 line tracebacks, prefork worker recycling, restarts (with PID reuse), a module
load failure, a request during a shutdown window and a test run.

    python benchmarks/generate.py --size 1G benchmarks/data/big.log
    python benchmarks/generate.py --size 10M --gzip benchmarks/data/small.log.gz

Hostile shapes (issue 14: memory and time bounded whatever the log holds):

    python benchmarks/generate.py --profile distinct-errors --count 1000000 benchmarks/data/errors.log  # ~112 MB
    python benchmarks/generate.py --profile distinct-pids --count 100000 benchmarks/data/pids.log       # ~13 MB
"""

from __future__ import annotations

import argparse
import gzip
import random
import sys
from datetime import datetime, timedelta

PATHS = [
    ("POST", "/web/dataset/call_kw/sale.order/web_search_read", 200), ("GET", "/web", 200),
    ("POST", "/mail/data", 200), ("POST", "/web/action/load", 200), ("GET", "/web/image/res.partner/7/avatar_128", 304),
    ("POST", "/web/dataset/call_kw/res.partner/read", 200), ("GET", "/websocket?version=17.0-3", 101),
    ("POST", "/web/webclient/version_info", 200), ("GET", "/web/assets/1/web.assets_web.min.js", 200),
    ("GET", "/shop/cart", 200), ("POST", "/web/dataset/call_button", 200), ("GET", "/nonexistent", 404),
]
FRAMES = [
    ("/opt/odoo/odoo/http.py", 2577, "__call__", "response = request._serve_db()"),
    ("/opt/odoo/odoo/http.py", 2104, "_serve_db", "return self._transactioning("),
    ("/opt/odoo/odoo/service/model.py", 157, "retrying", "result = func()"),
    ("/opt/odoo/odoo/http.py", 2295, "dispatch", "return self.request.registry['ir.http']._dispatch(endpoint)"),
    ("/opt/odoo/odoo/addons/base/models/ir_http.py", 333, "_dispatch", "result = endpoint(**request.params)"),
    ("/opt/odoo/odoo/models.py", 5125, "_prepare_create_values", "new_vals_list = self._add_missing_default_values(vals)"),
    ("/mnt/extra-addons/sale_custom/models/sale_order.py", 88, "action_confirm", "self._check_credit_limit()"),
    ("/mnt/extra-addons/sale_custom/models/sale_order.py", 141, "_check_credit_limit", "limit = self.partner_id.credit_limit / rate"),
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
        self.rec(pid, "INFO", "prod", "werkzeug", f'10.0.{pid % 250}.{self.rng.randint(2, 250)} - - [{when}] "{method} {path} HTTP/1.1" {status} - {qc} {qt:.3f} {pt:.3f}', trailing="")

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
        self.rec(pid, "INFO", "?", "odoo", "addons paths: ['/opt/odoo/odoo/addons', '/opt/odoo/addons', '/mnt/extra-addons']")
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
            w.rec(99, "INFO", "prod", "odoo.addons.base.models.ir_cron", "Job 'Mail: Email Queue Manager' (4) fully done (#loop 1; done 3; remaining 0; duration 0.41s)")
        elif kind == 3:
            old = workers.pop(0)
            w.rec(old, "INFO", "prod", "odoo.service.server", f"Worker ({old}) max request (8192) reached.")
            w.rec(old, "INFO", "prod", "odoo.service.server", f"Worker ({old}) exiting. request_count: 8192, registry count: 1.")
            workers.append(next_pid)
            w.rec(next_pid, "INFO", "prod", "odoo.service.server", f"Worker WorkerHTTP ({next_pid}) alive")
            next_pid += 1
        elif kind == 4:
            w.rec(pid, "ERROR", "prod", "odoo.sql_db", 'bad query: UPDATE "mail_channel_member" SET "fetched_message_id"=2277571 WHERE id IN (540)')
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


def _word(n: int) -> str:
    """A number spelled in letters: fingerprints mask digits, not words."""
    out = ""
    while True:
        n, r = divmod(n, 26)
        out += "abcdefghijklmnopqrstuvwxyz"[r]
        if not n:
            return out


def distinct_errors(out, count: int, seed: int) -> int:
    """``count`` ERROR records, each a different failure (distinct after masking numbers)."""
    w = Writer(out, seed)
    w.rec(4242, "INFO", "?", "odoo", "Odoo version 17.0")
    for i in range(count):
        w.rec(4242, "ERROR", "prod", f"odoo.addons.acme_{_word(i % 97)}.sync",
              f"Sync failed: remote said {_word(i)}-{_word(i * 7919 % 1000003)} not accepted")
    return w.written


def distinct_pids(out, count: int, seed: int) -> int:
    """``count`` processes, each logging one request line (no banner: a lifetime each)."""
    w = Writer(out, seed)
    for i in range(count):
        w.request(10000 + i)
    return w.written


def parse_size(text: str) -> int:
    units = {"K": 1024, "M": 1024**2, "G": 1024**3}
    text = text.strip().upper().rstrip("B")
    return int(float(text[:-1]) * units[text[-1]]) if text[-1] in units else int(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("output")
    parser.add_argument("--size", default="1G", help="approximate size, e.g. 10M, 1G (default 1G)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--gzip", action="store_true", help="write gzip-compressed")
    parser.add_argument("--profile", choices=["realistic", "distinct-errors", "distinct-pids"], default="realistic",
                        help="realistic (default, --size), or a hostile shape of --count distinct errors or PIDs")
    parser.add_argument("--count", type=int, default=1_000_000, help="distinct errors or PIDs of a hostile profile")
    args = parser.parse_args()
    opener = (lambda p: gzip.open(p, "wb", compresslevel=6)) if args.gzip else (lambda p: open(p, "wb"))
    with opener(args.output) as out:
        if args.profile == "distinct-errors":
            written = distinct_errors(out, args.count, args.seed)
        elif args.profile == "distinct-pids":
            written = distinct_pids(out, args.count, args.seed)
        else:
            written = generate(out, parse_size(args.size), args.seed)
    sys.stderr.write(f"wrote {written / 1e6:.1f} MB (uncompressed) to {args.output}\n")


if __name__ == "__main__":
    main()

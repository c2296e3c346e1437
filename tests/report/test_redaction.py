"""--redact leaks nothing: 30+ planted secrets of 15+ kinds, every format and every command,
and the times survive (every timestamp of the redacted JSON still parses)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import datetime

import pytest

from helpers import run_cli, write_log
from logsleuth.report.redact import Redactor

run = run_cli


def H(
    msg: str,
    level: str = "ERROR",
    logger: str = "odoo.addons.acme_sync.models.sync",
    pid: int = 42,
    db: str = "acme_prod",
    t: str = "03:20:01,204",
) -> str:
    return f"2025-10-18 {t} {pid} {level} {db} {logger}: {msg}\n"


TB = (
    'Traceback (most recent call last):\n  File "/opt/odoo/addons/acme_sync/models/sync.py", line 12, in push\n    self._push()\n'
    '  File "/home/jdoe/odoo/addons/acme_sync/models/sync.py", line 40, in _push\n    raise ValueError(self.keys)\n'
)

# kind -> secret (the value that must never appear); the log below plants each of them
SECRETS = {
    "query-password": "Qp4ssw0rd-Leak1",
    "url-credentials": "UrlCr3dPass",
    "bearer": "b3arerTokenValue0987654321",
    "anthropic-key": "sk-ant-api03-AbCdEfGhIjKlMnOpQrStUv",
    "github-token": "ghp_0123456789abcdefABCDEF0123456789abcd",
    "aws-access-key-id": "AKIAIOSFODNN7EXAMPLE",
    "aws-secret": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "jwt": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
    "private-key-body-1": "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj",
    "private-key-body-2": "MzEfYyjiWA4R4/M2bS1GB4t7NXp98C3SC6dVMvDuictGeurT8jNbvJZHtCSuYEvu",
    "sql-card": "4111 1111 1111 1111",
    "sql-email": "card.holder@bank-client.com",
    "sql-token": "tok_live_SqlLiteral77",
    "sql-continued": "ContinuedLineSecret5",
    "detail-email": "duplicate.person@acme-corp.com",
    "detail-row": "RowSecretValue42",
    "smtp-password": "SmtpPassW0rd!",
    "admin-passwd": "AdminMasterPass#1",
    "db-password": "DbPassw0rd_Z",
    "webhook-token": "WebhookTok3nValue",
    "stripe-key": "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
    "session-cookie": "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0",
    "email": "jane.doe@acme-corp.com",
    "ipv4": "203.0.113.77",
    "ipv6": "2001:db8:85a3:0:0:8a2e:370:7334",
    "home-user": "jdoe",
    "database": "acme_prod",
    "slack-token": "xoxb-123456789012-abcdefghijkl",
    "google-key": "AIzaSyD-1234567890abcdefghijklmnopqrstu",
    "client-secret": "ClientS3cretJson",
    "csrf-token": "CsrfTok3nValue",
    "refresh-token": "RefreshTok3nValue",
    "card-in-message": "5500-0000-0000-0004",
    "x-api-key": "XApiKeyValue9",
}

LOG = (
    H("Odoo version 17.0", level="INFO", logger="odoo", db="?", t="03:20:00,000")
    + H(
        f"addons paths: ['/home/{SECRETS['home-user']}/odoo/addons']",
        level="INFO",
        logger="odoo",
        db="?",
        t="03:20:00,100",
    )
    + H(
        f"Sync push failed for {SECRETS['email']} from {SECRETS['ipv4']} and {SECRETS['ipv6']} at 2025-10-18T03:20:01.204",
        t="03:20:01,204",
    )
    + TB
    + f'    requests.post("https://api:{SECRETS["url-credentials"]}@sync.acme-corp.com/v1?password={SECRETS["query-password"]}",'
    f' headers={{"Authorization": "Bearer {SECRETS["bearer"]}", "x-api-key": "{SECRETS["x-api-key"]}"}})\n'
    + f"ValueError: keys {SECRETS['anthropic-key']} {SECRETS['github-token']} {SECRETS['aws-access-key-id']} "
    f"aws_secret_access_key={SECRETS['aws-secret']} jwt {SECRETS['jwt']}\n"
    + H("Signing failed, key was:", t="03:20:02,000")
    + "-----BEGIN RSA PRIVATE KEY-----\n"
    + SECRETS["private-key-body-1"]
    + "\n"
    + SECRETS["private-key-body-2"]
    + "\n"
    + "-----END RSA PRIVATE KEY-----\n"
    + H(
        f"bad query: INSERT INTO payment (card, email, token) VALUES ('{SECRETS['sql-card']}', '{SECRETS['sql-email']}', "
        f"'{SECRETS['sql-token']}')",
        logger="odoo.sql_db",
        t="03:20:03,000",
    )
    + f"    AND note = '{SECRETS['sql-continued']}'\n"
    + 'ERROR: duplicate key value violates unique constraint "res_partner_email_uniq"\n'
    + f"DETAIL:  Key (email)=({SECRETS['detail-email']}) already exists.\n"
    + H("bad query: UPDATE res_partner SET x = 1", logger="odoo.sql_db", t="03:20:04,000")
    + f"DETAIL:  Failing row contains (7, {SECRETS['detail-row']}, null).\n"
    + H("Configuration dump follows:", level="ERROR", logger="odoo.tools.config", t="03:20:05,000")
    + f"smtp_password = {SECRETS['smtp-password']}\nadmin_passwd = {SECRETS['admin-passwd']}\n"
    + f"db_password = {SECRETS['db-password']}\nwebhook_token = {SECRETS['webhook-token']}\n"
    + H(f"Payment provider said no: key {SECRETS['stripe-key']}, card {SECRETS['card-in-message']}", t="03:20:06,000")
    + H(f"Request rejected, Cookie: session_id={SECRETS['session-cookie']}", logger="odoo.http", t="03:20:07,000")
    + H(
        f"Webhook failed: slack {SECRETS['slack-token']} google {SECRETS['google-key']} "
        f'payload {{"client_secret": "{SECRETS["client-secret"]}", "csrf_token": "{SECRETS["csrf-token"]}", '
        f'"refresh_token": "{SECRETS["refresh-token"]}"}}',
        t="03:20:08,000",
    )
    + H(
        f"Login failed for db:{SECRETS['database']} login:{SECRETS['email']}",
        level="WARNING",
        logger="odoo.addons.base.models.res_users",
        t="03:20:09,000",
    )
)


def _leaks(text: str) -> list[str]:
    return [kind for kind, secret in SECRETS.items() if secret in text]


def test_planted_secrets_reach_the_unredacted_outputs(tmp_path, capsys):
    """The battery below means something: without --redact, every secret reaches some output."""
    assert len(SECRETS) >= 30 and len({k.split("-")[0] for k in SECRETS}) >= 15
    log = write_log(tmp_path, LOG)
    seen = ""
    for fmt in ("text", "markdown", "json", "html"):
        seen += run(["analyze", log, "-f", fmt], capsys)[1]
    for fid in json.loads(run(["analyze", log, "-f", "json"], capsys)[1])["findings"]:
        seen += run(["show", log, "--finding", fid["id"], "-C", "30"], capsys)[1]
    assert set(_leaks(seen)) == set(SECRETS)


@pytest.mark.parametrize("fmt", ["text", "markdown", "json", "html"])
def test_analyze_leaks_nothing(tmp_path, capsys, fmt):
    log = write_log(tmp_path, LOG)
    out_file = tmp_path / "report"
    code, out, err = run(["analyze", log, "-f", fmt, "--redact", "-o", str(out_file)], capsys)
    assert code == 0, err
    assert _leaks(out_file.read_text() + out + err) == []


def test_lifetimes_leak_nothing(tmp_path, capsys):
    log = write_log(tmp_path, LOG)
    for fmt in ("table", "json"):
        _, out, _ = run(["lifetimes", log, "-f", fmt, "--redact"], capsys)
        assert _leaks(out) == []


def _check_times(value: object, key: str = "") -> int:
    """Every timestamp-like string parses; returns how many were checked."""
    checked = 0
    if isinstance(value, dict):
        return sum(_check_times(v, k) for k, v in value.items())
    if isinstance(value, list):
        return sum(_check_times(v, key) for v in value)
    if isinstance(value, str) and (
        re.match(r"\d{4}-\d\d-\d\d[T ]", value) or key in ("time", "start", "end", "first_timestamp", "last_timestamp")
    ):
        datetime.fromisoformat(value)
        checked += 1
    return checked


def test_redacted_json_keeps_every_timestamp(tmp_path, capsys):
    log = write_log(tmp_path, LOG)
    _, out, _ = run(["analyze", log, "-f", "json", "--redact"], capsys)
    data = json.loads(out)
    assert _check_times(data) >= 3
    assert data["summary"]["first_timestamp"] == "2025-10-18T03:20:00"[:19] + data["summary"]["first_timestamp"][19:]
    assert "2025-10-18T03:20:01.204" in out  # the clock in the message is not an IPv6 address


def test_ci_outputs_leak_nothing(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    log = write_log(tmp_path, LOG)
    junit, gitlab = tmp_path / "j.xml", tmp_path / "gl.json"
    code, out, err = run(["ci", log, "--redact", "--junit", str(junit), "--annotations", "github"], capsys)
    assert code == 1
    assert _leaks(out + err + junit.read_text()) == []
    run(["ci", log, "--redact", "--annotations", "gitlab", "--annotations-file", str(gitlab)], capsys)
    assert _leaks(gitlab.read_text()) == []


def test_show_leaks_nothing(tmp_path, capsys):
    log = write_log(tmp_path, LOG)
    _, out, _ = run(["analyze", log, "-f", "json"], capsys)
    ids = [f["id"] for f in json.loads(out)["findings"]]
    assert len(ids) >= 4
    for fid in ids:
        code, out, err = run(["show", log, "--finding", fid, "-C", "30", "--redact"], capsys)
        assert code == 0, err
        assert _leaks(out) == [], fid


def test_watch_lines_jsonl_and_hooks_leak_nothing(tmp_path):
    log = write_log(tmp_path, LOG)
    jsonl, hook = tmp_path / "f.jsonl", tmp_path / "hook.txt"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "logsleuth",
            "watch",
            log,
            "--from-start",
            "--timeout",
            "2",
            "--redact",
            "--min-severity",
            "info",
            "--jsonl",
            str(jsonl),
            "--on-finding",
            f"cat >> {hook}; env | grep LOGSLEUTH_ >> {hook}",
            "--report-format",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert jsonl.read_text().count("\n") >= 3 and hook.exists()
    assert _leaks(proc.stdout + proc.stderr + jsonl.read_text() + hook.read_text()) == []
    for line in jsonl.read_text().splitlines():
        datetime.fromisoformat(json.loads(line)["time"].replace(",", "."))


def test_redactor_rules_one_by_one():
    r = Redactor({"acme_prod"})
    assert (
        r.text("at 2025-10-18 03:20:01,204 and 2025-10-18T03:20:01.204 and 10:11:12")
        == "at 2025-10-18 03:20:01,204 and 2025-10-18T03:20:01.204 and 10:11:12"
    )
    assert r.text("KeyError: 'sale.order'") == "KeyError: 'sale.order'"
    assert (
        r.text("odoo.addons.base.models.res_users_apikeys: API key created")
        == "odoo.addons.base.models.res_users_apikeys: API key created"
    )
    assert r.text("bad query: SELECT 1 WHERE a = 'x'") == "bad query: SELECT 1 WHERE a = '***'"
    assert r.lines(
        [
            "2025-10-18 03:20:01,204 1 ERROR ? odoo.sql_db: bad query: SELECT",
            "WHERE b = 'y'",
            "2025-10-18 03:20:02,204 1 INFO ? odoo: 'kept'",
        ]
    ) == [
        "2025-10-18 03:20:01,204 1 ERROR ? odoo.sql_db: bad query: SELECT",
        "WHERE b = '***'",
        "2025-10-18 03:20:02,204 1 INFO ? odoo: 'kept'",
    ]


CONTROL_LOG = (
    H("Odoo version 17.0", level="INFO", logger="odoo", db="?", t="03:20:00,000")
    + H("Payment failed: bell\x07 vt\x0b ff\x0c soh\x01 esc\x1b[31m del\x7f c1\x85 end", t="03:20:01,000")
    + TB
    + "ValueError: bad\x01 \x0b byte\x0c\n"
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


@pytest.mark.parametrize("fmt", ["markdown", "html"])
def test_control_characters_never_reach_ticket_formats(tmp_path, capsys, fmt):
    log = write_log(tmp_path, CONTROL_LOG)
    _, out, _ = run(["analyze", log, "-f", fmt], capsys)
    assert "Payment failed" in out and not _CONTROL.search(out)


def test_control_characters_never_reach_junit_or_annotations(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    log = write_log(tmp_path, CONTROL_LOG)
    junit, gitlab = tmp_path / "j.xml", tmp_path / "gl.json"
    _, out, _ = run(["ci", log, "--junit", str(junit), "--annotations", "github"], capsys)
    run(["ci", log, "--annotations", "gitlab", "--annotations-file", str(gitlab)], capsys)
    for text in (out, junit.read_text(), gitlab.read_text()):
        assert "Payment failed" in text and not _CONTROL.search(text)

"""Ticket reports: the HTML page in a real browser, redaction, and hostile log text in every format."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from helpers import SAMPLES, run_cli, write_log
from logsleuth.report.redact import Redactor

SEED = str(SAMPLES / "seed_ai_brain_odoo18.log")


run = run_cli


def H(
    msg: str,
    level: str = "ERROR",
    logger: str = "odoo.http",
    pid: int = 42,
    db: str = "acme_prod",
    t: str = "10:00:01,000",
) -> str:
    return f"2025-03-01 {t} {pid} {level} {db} {logger}: {msg} \n"


SECRETS = {
    "password": "Sup3rS3cret!",
    "token": "tok_9f8e7d6c5b4a",
    "session": "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0",
    "apikey": "sk-ant-api03-AbCdEfGhIjKlMnOpQrStUv",
    "email": "jane.doe@acme-corp.com",
    "ip": "203.0.113.77",
    "db": "acme_prod",
    "user": "jdoe",
    "urlpass": "hunter2",
}

SECRET_LOG = (
    H("Odoo version 17.0", level="INFO", logger="odoo", db="?", t="10:00:00,000")
    + H(
        f'{SECRETS["ip"]} - - [01/Mar/2025 10:00:01] "GET /web/login?redirect=%2Fweb&password={SECRETS["password"]}&token={SECRETS["token"]} HTTP/1.1" 500 - 3 0.01 0.02',
        level="INFO",
        logger="werkzeug",
    )
    + H("Exception during request handling.")
    + "Traceback (most recent call last):\n"
    + f'  File "/home/{SECRETS["user"]}/odoo/custom/acme_sync/models/sync.py", line 12, in push\n'
    + f'    requests.post("https://api:{SECRETS["urlpass"]}@sync.acme-corp.com/v1", headers={{"Authorization": "Bearer {SECRETS["apikey"]}"}})\n'
    + f"ValueError: push failed for {SECRETS['email']} (session_id={SECRETS['session']}) from {SECRETS['ip']} on database {SECRETS['db']}\n"
    + H(
        f"Login failed for db:{SECRETS['db']} login:{SECRETS['email']} from {SECRETS['ip']}",
        level="WARNING",
        logger="odoo.addons.base.models.res_users",
    )
)


@pytest.mark.parametrize("fmt", ["text", "markdown", "json", "html"])
def test_redacted_reports_never_contain_the_originals(tmp_path, capsys, fmt):
    log = write_log(tmp_path, SECRET_LOG)
    code, out, _ = run(["analyze", log, "-f", fmt, "--redact"], capsys)
    assert code == 0
    for name, secret in SECRETS.items():
        assert secret not in out, f"{name} leaked in {fmt}"
    assert "ip-1" in out and "db-1" in out


def test_redaction_is_consistent_and_keeps_loopback():
    r = Redactor({"acme_prod"})
    a = r.text("from 203.0.113.77 and 198.51.100.1 then 203.0.113.77 on 127.0.0.1, db acme_prod")
    assert a == "from ip-1 and ip-2 then ip-1 on 127.0.0.1, db db-1"
    assert r.text("C:\\Users\\Jane Doe\\odoo\\x.py") == "C:\\Users\\user-1\\odoo\\x.py"


def test_redaction_also_covers_ci_outputs(tmp_path, capsys):
    junit = tmp_path / "j.xml"
    code, out, _ = run(
        ["ci", write_log(tmp_path, SECRET_LOG), "--redact", "--junit", str(junit), "--annotations", "github"], capsys
    )
    assert code == 1
    for secret in SECRETS.values():
        assert secret not in out and secret not in junit.read_text()


HOSTILE = (
    H("Odoo version 17.0", level="INFO", logger="odoo", db="?", t="10:00:00,000")
    + H(
        'Payment failed: <script>alert("x")</script> <img src=x onerror=alert(1)> | col | ``` [bold red]RED[/bold red] [link=http://evil]click[/link]'
    )
    + "Traceback (most recent call last):\n"
    + '  File "/mnt/extra-addons/shop/controllers/main.py", line 5, in pay\n'
    + "    raise ValueError(note)\n"
    + 'ValueError: <iframe src="javascript:alert(1)"></iframe> ](javascript:alert(2)) \x07\x1b]0;pwned\x07 & &amp; |||\n'
    + H(
        "Card declined [bold red]RED[/bold red] for </pre><script>alert(3)</script>",
        level="CRITICAL",
        logger="odoo.addons.shop.models.pay",
    )
)


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.extend(name for name, _ in attrs)


def test_html_escapes_everything(tmp_path, capsys):
    code, out, _ = run(["analyze", write_log(tmp_path, HOSTILE), "-f", "html"], capsys)
    parser = _Tags()
    parser.feed(out)
    assert "script" not in parser.tags and "iframe" not in parser.tags and "img" not in parser.tags
    assert not [a for a in parser.attrs if a.startswith("on")]
    assert "&lt;script&gt;" in out


def test_markdown_cannot_be_broken_or_injected(tmp_path, capsys):
    code, out, _ = run(["analyze", write_log(tmp_path, HOSTILE), "-f", "markdown"], capsys)
    prose = re.sub(r"^(`{3,})[^\n]*\n.*?^\1$", "", out, flags=re.M | re.S)  # code blocks render as code
    assert (
        "<script" not in prose
        and "<iframe" not in prose
        and "<img" not in prose
        and not re.search(r"(?<!\\)\]\(javascript", prose)
    )
    counts: dict[int, set[int]] = {}
    block = 0
    for line in prose.splitlines():
        if not line.startswith("|"):
            block += 1
            continue
        counts.setdefault(block, set()).add(len(re.findall(r"(?<!\\)\|", line)))
    assert counts and all(len(c) == 1 for c in counts.values()), "a log line changed a table's column count"
    fence, inside = None, []
    for line in out.splitlines():
        if fence is None and re.match(r"^`{3,}", line):
            fence, inside = re.match(r"^`+", line).group(0), []
        elif fence is not None and line == fence:
            assert not any(fence in x for x in inside), "a code block was closed early by the log text"
            fence = None
        elif fence is not None:
            inside.append(line)
    assert fence is None


def test_terminal_output_cannot_be_driven_by_the_log(tmp_path, capsys):
    code, out, _ = run(["analyze", write_log(tmp_path, HOSTILE), "-f", "text"], capsys)
    assert "\x1b" not in out and "\x07" not in out
    assert "[bold red]RED[/bold red]" in out.replace("\n", "").replace("│", "")


def _find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    return None


def _chromium() -> str | None:
    """Debian's chromium; in CI (CI set, root, apt-get present) the test setup installs it."""
    found = _find_chromium()
    if found is None and os.environ.get("CI") and os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(
            "apt-get update -qq && apt-get install -y -qq chromium",
            shell=True,
            env=env,
            capture_output=True,
            timeout=900,
        )
        found = _find_chromium()
    return found


CHROMIUM = _chromium()


@pytest.mark.skipif(
    CHROMIUM is None,
    reason="no headless Chromium here (apt-get install chromium); in CI the test setup installs it as root",
)
def test_seed_html_report_renders_in_headless_chromium(tmp_path, capsys):
    page = tmp_path / "seed.html"
    code, _, _ = run(["analyze", SEED, "-f", "html", "-o", str(page)], capsys)
    assert code == 0
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
    ]
    dom = subprocess.run([CHROMIUM, *flags, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120)
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert len(re.findall(r'<rect class="lifetime-bar', dom.stdout)) == 3
    assert 'class="failure-marker"' in dom.stdout and 'class="shutdown-window"' in dom.stdout
    shot = tmp_path / "seed-report.png"
    subprocess.run(
        [CHROMIUM, *flags, "--window-size=1280,1600", f"--screenshot={shot}", page.as_uri()],
        capture_output=True,
        timeout=120,
        check=True,
    )
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20000
    artifacts = Path(__file__).resolve().parents[2] / ".test-artifacts"
    artifacts.mkdir(exist_ok=True)
    shutil.copy(shot, artifacts / "seed-report.png")


def test_html_is_self_contained(capsys):
    _, out, _ = run(["analyze", SEED, "-f", "html"], capsys)
    assert not re.search(r'(?:src|href)\s*=\s*["\']?(?:https?:)?//', out)
    assert "<script" not in out and "@import" not in out
    assert "@media print" in out and "<details>" in out


def test_a_real_log_renders_in_every_format(capsys):
    from helpers import CORPUS_REAL

    if not CORPUS_REAL.is_dir():
        pytest.skip("../shared/corpus is not beside the checkout")
    log = str(next(CORPUS_REAL.glob("odoo__odoo*")))
    for fmt in ("text", "markdown", "json", "html"):
        code, out, err = run(["analyze", log, "-f", fmt, "--redact"], capsys)
        assert code == 0 and out and err == ""
    assert json.loads(run(["analyze", log, "-f", "json"], capsys)[1])["schema"] == 1

"""Markdown as a reader sees it: rendered by a CommonMark renderer (markdown-it-py), code spans
show the exact text (no backslash escapes: `odoo\\_server.log` would show the backslash), prose
shows the text without the escapes that protect it."""

from __future__ import annotations

import html
import json
import re

import pytest
from markdown_it import MarkdownIt

from helpers import SAMPLES, run_cli
from logsleuth.render.markdown import code

MD = MarkdownIt("commonmark").enable("table")


def code_spans(markdown: str) -> list[str]:
    spans = []
    for token in MD.parse(markdown):
        for child in token.children or []:
            if child.type == "code_inline":
                spans.append(child.content)
    return spans


def visible_text(markdown: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", MD.render(markdown)))


@pytest.mark.parametrize(
    "text",
    [
        "odoo_server.log",
        "a`b",
        "``x``",
        " lead",
        "trail ",
        "`",
        "a\\_b",
        "<b>x</b>",
        "|pipe|",
        'grep -n "Couldn\'t load module ai_brain" odoo_server.log',
        "*not emphasis*",
    ],
)
def test_a_code_span_shows_its_text_exactly(text):
    assert code_spans(f"see {code(text)} here") == [text]


def test_report_code_spans_and_prose_read_as_the_log_says(tmp_path, capsys):
    log = tmp_path / "odoo_server.log"
    log.write_bytes((SAMPLES / "seed_ai_brain_odoo18.log").read_bytes())
    code_, out, _ = run_cli(["analyze", str(log), "-f", "markdown"], capsys)
    assert code_ == 0
    data = json.loads(run_cli(["analyze", str(log), "-f", "json"], capsys)[1])
    spans = code_spans(out)
    assert str(log) in spans, "the source path shows as it is"
    assert not [s for s in spans if "\\_" in s], "a code span shows a backslash escape"
    for rc in data["root_causes"]:
        for cmd in rc["verify"]:
            assert cmd in spans, f"verification command altered: {cmd}"
    seen = visible_text(out)
    assert data["verdict"] in seen.replace("\n", " ")
    for rc in data["root_causes"]:
        assert rc["title"] in seen


def test_failing_test_names_show_exactly(tmp_path, capsys):
    from pathlib import Path

    runs = Path(__file__).parents[1] / "fixtures" / "testruns"
    _, out, _ = run_cli(["analyze", str(runs / "odoo17_threaded_fail.log"), "-f", "markdown"], capsys)
    assert "TestSale.test_cancel" in code_spans(out)
    assert "sale_x" in visible_text(out) and "sale\\_x" not in visible_text(out)

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

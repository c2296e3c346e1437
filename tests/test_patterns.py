"""One generic test proves every pattern's own examples (sqlfluff-style)."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import records_of
from logsleuth.errors import PatternError
from logsleuth.findings import Engine
from logsleuth.patterns import load_file, load_patterns
from logsleuth.lifetimes import LifetimeTracker

PATTERNS = load_patterns()


def _findings(pattern, text):
    engine = Engine([pattern])
    tracker = LifetimeTracker()
    out = []
    for rec in records_of(text.strip("\n") + "\n"):
        lt = tracker.feed(rec)
        out.extend(engine.feed(rec, lt, tracker.seq))
    return out


def _cases():
    for p in PATTERNS:
        for i, ex in enumerate(p.examples_match):
            yield pytest.param(p, ex, True, id=f"{p.id}-match-{i}")
        for i, ex in enumerate(p.examples_no_match):
            yield pytest.param(p, ex, False, id=f"{p.id}-no_match-{i}")


def test_every_pattern_has_examples():
    for p in PATTERNS:
        assert p.examples_match, f"{p.path}: no [[examples.match]]"
        assert p.examples_no_match, f"{p.path}: no [[examples.no_match]]"
        assert p.summary and p.fix and p.verify, f"{p.path}: explain.summary/fix/verify required"


@pytest.mark.parametrize("pattern,example,should_match", list(_cases()))
def test_pattern_example(pattern, example, should_match):
    found = [f for f in _findings(pattern, example["text"]) if f.pattern.id == pattern.id]
    if not should_match:
        assert not found, f"{pattern.id} matched an example it must not match"
        return
    assert found, f"{pattern.id} did not match its example"
    finding = found[0]
    ctx = finding.context()
    ctx.update(pattern.derived(ctx))
    for key, value in example.get("expect", {}).items():
        assert str(ctx.get(key)) == value, f"{pattern.id}: {key} = {ctx.get(key)!r}, expected {value!r}"


def test_user_pattern_directory(tmp_path: Path):
    (tmp_path / "mine.toml").write_text(
        'id = "my-sync"\ntitle = "Bank sync failed"\nseverity = "high"\ncategory = "runtime"\n'
        '[match]\nmessage = \'^Could not sync invoice (?P<invoice>\\d+)\'\n'
        '[explain]\nsummary = "s"\nfix = "f"\nverify = ["v"]\n'
        '[[examples.match]]\ntext = "2024-01-01 10:00:00,000 42 ERROR prod odoo.addons.x.y: Could not sync invoice 4"\n'
        '[[examples.no_match]]\ntext = "2024-01-01 10:00:00,000 42 ERROR prod odoo.addons.x.y: ok"\n'
    )
    (tmp_path / "broken.toml").write_text('id = "b"\ntitle = "t"\nseverity = "urgent"\ncategory = "runtime"\n[match]\nmessage = "x"\n')
    warnings: list[str] = []
    patterns = load_patterns([str(tmp_path)], warnings)
    assert any(p.id == "my-sync" for p in patterns)
    assert len(warnings) == 1 and "broken.toml" in warnings[0] and "severity" in warnings[0]
    mine = next(p for p in patterns if p.id == "my-sync")
    found = _findings(mine, mine.examples_match[0]["text"])
    assert found and found[0].values["invoice"] == "4"


def test_invalid_regex_names_file_and_field(tmp_path: Path):
    path = tmp_path / "bad.toml"
    path.write_text('id = "b"\ntitle = "t"\nseverity = "low"\ncategory = "runtime"\n[match]\nmessage = "(unclosed"\n')
    with pytest.raises(PatternError) as err:
        load_file(path)
    assert "match.message" in str(err.value) and "bad.toml" in str(err.value)

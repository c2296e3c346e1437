"""One generic test proves every pattern's own examples (sqlfluff-style)."""

from __future__ import annotations

import re
import shlex
import string
from pathlib import Path

import pytest

from helpers import records_of
from logsleuth.errors import PatternError
from logsleuth.findings import Engine
from logsleuth.patterns import fill, load_file, load_patterns
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


def _placeholders(template: str) -> list[str]:
    return [name for _, name, _, _ in string.Formatter().parse(template) if name]


def _unfilled(template: str, ctx: dict, pattern=None) -> list[str]:
    """Placeholders of ``template`` that this match leaves empty (``fill`` would print ``?``),
    including a ``[derive]`` value whose default template names a value the match left empty."""
    out = []
    for name in _placeholders(template):
        value = ctx.get(name)
        if value is None or str(value) in ("", "?"):
            out.append(name)
            continue
        spec = pattern.derive.get(name) if pattern is not None else None
        if spec is not None:
            source = str(ctx.get(spec.get("from", "")) or "")
            top = source.split(".")[0] if spec.get("top_level", True) else source
            if spec.get("map", {}).get(top) is None and spec.get("map", {}).get(source) is None:
                out += [f"{name}<-{inner}" for inner in _unfilled(spec.get("default", "{" + spec.get("from", "") + "}"), ctx)]
    return out


def _bre_to_python(pattern: str) -> str:
    """A grep basic regular expression as a Python one: ``( ) | + ? { }`` are literal unless escaped."""
    out, i = [], 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            n = pattern[i + 1]
            out.append(n if n in "()|+?{}" else "\\" + n)
            i += 2
            continue
        out.append("\\" + c if c in "()|+?{}" else c)
        i += 1
    return "".join(out)


def _grep_chain(command: str, source: str) -> list[tuple[str, set[str]]]:
    """The greps of a shell command that read the log (``grep … SOURCE`` and the greps piped
    after it), each as (pattern, options); an empty list when the command reads no log."""
    lex = shlex.shlex(command, posix=True, punctuation_chars="|")
    lex.whitespace_split = True
    tokens = list(lex)
    segments: list[list[str]] = [[]]
    for tok in tokens:
        if tok == "|":
            segments.append([])
        else:
            segments[-1].append(tok)
    chain: list[tuple[str, set[str]]] = []
    reading = False
    for seg in segments:
        if not seg or seg[0] != "grep":
            reading = False
            continue
        opts: set[str] = set()
        args: list[str] = []
        pattern = None
        it = iter(seg[1:])
        for tok in it:
            if tok == "-e":
                pattern = next(it)
            elif tok.startswith("-") and len(tok) > 1 and not args:
                opts.update(tok[1:] if not tok.startswith("--") else [tok])
            else:
                args.append(tok)
        if pattern is None and args:
            pattern = args.pop(0)
        if source in args:
            chain, reading = [(pattern or "", opts)], True
        elif reading and not args:
            chain.append((pattern or "", opts))
        else:
            reading = False
    return chain


def _lines_matching(pattern: str, opts: set[str], lines: list[str]) -> list[str]:
    flags = re.IGNORECASE if "i" in opts else 0
    if "F" in opts:
        found = [ln for ln in lines if (pattern.lower() in ln.lower() if flags else pattern in ln)]
    else:
        rx = re.compile(pattern if "E" in opts else _bre_to_python(pattern), flags)
        found = [ln for ln in lines if rx.search(ln)]
    return [ln for ln in lines if ln not in found] if "v" in opts else found


def _match_cases():
    for p in PATTERNS:
        for i, ex in enumerate(p.examples_match):
            yield pytest.param(p, ex, id=f"{p.id}-match-{i}")


@pytest.mark.parametrize("pattern,example", list(_match_cases()))
def test_fix_and_verify_hold_on_every_example(pattern, example):
    """A fix names only what the log gave (no placeholder the match leaves empty), and every
    command that greps the log greps for a text that is in the lines the pattern matched."""
    found = [f for f in _findings(pattern, example["text"]) if f.pattern.id == pattern.id]
    finding = found[0]
    ctx = finding.context()  # filled as report._root_causes fills a root cause's templates
    ctx.update(pattern.derived(ctx))
    if finding.explained_by:
        ctx["explained_line"] = finding.explained_by[1]
    for template, what in [(pattern.fix, "fix"), (pattern.code, "code")] + [(v, "verify") for v in pattern.verify]:
        unfilled = _unfilled(template, ctx, pattern)
        assert not unfilled, f"{pattern.id}: {what} {template!r} leaves {unfilled} unfilled"
        rendered = fill(template, ctx)
        assert "(?:?)" not in rendered and not re.search(r"(?<!\{)\{\w+\}(?!\})", rendered), f"{pattern.id}: {what} renders as {rendered!r}"
    lines = example["text"].strip("\n").splitlines()
    for template in pattern.verify:
        command = fill(template, ctx)
        for grep, opts in _grep_chain(command, str(ctx["source"])):
            lines_now = _lines_matching(grep, opts, lines)
            assert lines_now, f"{pattern.id}: {command!r} finds nothing in its own example"
            lines = lines_now
        lines = example["text"].strip("\n").splitlines()


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

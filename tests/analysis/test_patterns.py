"""One generic test proves every pattern's own examples (sqlfluff-style)."""

from __future__ import annotations

import dataclasses
import re
import shlex
import string
from pathlib import Path

import pytest

from helpers import records_of
from logsleuth.analysis.findings import Engine
from logsleuth.analysis.lifetimes import LifetimeTracker
from logsleuth.analysis.patterns import builtin_dir, fill, load_file, load_patterns
from logsleuth.errors import PatternError

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
                out += [
                    f"{name}<-{inner}"
                    for inner in _unfilled(spec.get("default", "{" + spec.get("from", "") + "}"), ctx)
                ]
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
        assert "(?:?)" not in rendered and not re.search(r"(?<!\{)\{\w+\}(?!\})", rendered), (
            f"{pattern.id}: {what} renders as {rendered!r}"
        )
    lines = example["text"].strip("\n").splitlines()
    for template in pattern.verify:
        command = fill(template, ctx)
        for grep, opts in _grep_chain(command, str(ctx["source"])):
            lines_now = _lines_matching(grep, opts, lines)
            assert lines_now, f"{pattern.id}: {command!r} finds nothing in its own example"
            lines = lines_now
        lines = example["text"].strip("\n").splitlines()


@pytest.mark.parametrize("path", sorted(builtin_dir().glob("*.toml")), ids=lambda p: p.stem)
def test_a_builtin_read_in_two_parts_is_the_file_read_whole(path: Path):
    """Built-ins leave their last tables unparsed until they are read (``Pattern.later``):
    every field comes out as it does from one parse of the whole file."""
    lazy, whole = load_file(path, lazy=True), load_file(path)
    assert lazy.later_toml, "the built-ins' explain and examples tables come last: the cut is made"
    for name in ("summary", "fix", "code", "verify", "derive", "examples_match", "examples_no_match"):
        assert getattr(lazy, name) == getattr(whole, name), name
    for field in dataclasses.fields(whole):
        if field.name != "later_toml":  # regexes compile on first use in a built-in: their sources
            a, b = getattr(lazy, field.name), getattr(whole, field.name)
            assert getattr(a, "pattern", a) == getattr(b, "pattern", b), field.name


def test_user_pattern_directory(tmp_path: Path):
    (tmp_path / "mine.toml").write_text(
        'id = "my-sync"\ntitle = "Bank sync failed"\nseverity = "high"\ncategory = "runtime"\n'
        "[match]\nmessage = '^Could not sync invoice (?P<invoice>\\d+)'\n"
        '[explain]\nsummary = "s"\nfix = "f"\nverify = ["v"]\n'
        '[[examples.match]]\ntext = "2024-01-01 10:00:00,000 42 ERROR prod odoo.addons.x.y: Could not sync invoice 4"\n'
        '[[examples.no_match]]\ntext = "2024-01-01 10:00:00,000 42 ERROR prod odoo.addons.x.y: ok"\n'
    )
    (tmp_path / "broken.toml").write_text(
        'id = "b"\ntitle = "t"\nseverity = "urgent"\ncategory = "runtime"\n[match]\nmessage = "x"\n'
    )
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


PACKAGE = Path(__file__).resolve().parents[2] / "logsleuth"


def test_no_pattern_id_in_the_package_code():
    """What a pattern means for the report is its data (``story``, ``role``, ``context``…): no
    Python module may name a built-in pattern, or a user pattern replacing it would change the
    report behind the user's back."""
    ids = [p.id for p in PATTERNS]
    rx = re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, ids)) + r")(?![\w-])")
    hits = [
        f"{path.relative_to(PACKAGE)}:{n}: {m.group(1)}"
        for path in sorted(PACKAGE.rglob("*.py"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        for m in [rx.search(line)]
        if m
    ]
    assert len(ids) > 50 and not hits, hits


def test_readme_documents_every_pattern_field():
    """The README's pattern section names every key of the schema and every allowed value."""
    from logsleuth.analysis.patterns import SCHEMA

    readme = (PACKAGE.parent / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Patterns: the knowledge base") : readme.index("## Speed")]
    for f in SCHEMA:
        assert re.search(rf"(?<![\w.]){re.escape(f.key.rsplit('.', 1)[-1])}\b", section), f"README: field {f.key}"
        for choice in f.choices:
            assert re.search(rf"(?<![\w-]){re.escape(choice)}(?![\w-])", section), f"README: {f.key} value {choice}"


@pytest.mark.parametrize(
    "text,key",
    [
        ('priority = "high"\n', "priority"),
        ('story = ["nonsense"]\n', "story"),
        ('restates = "yes"\n', "restates"),
        ('symptom_of = "x"\n', "symptom_of"),
    ],
)
def test_a_wrong_value_is_one_pattern_error_naming_file_and_key(tmp_path: Path, text: str, key: str):
    path = tmp_path / "odd.toml"
    path.write_text(
        'id = "b"\ntitle = "t"\nseverity = "low"\ncategory = "runtime"\n' + text + '[match]\nmessage = "x"\n'
    )
    with pytest.raises(PatternError) as err:
        load_file(path)
    message = str(err.value)
    assert f"'{key}'" in message and "odd.toml" in message and "\n" not in message


SEED = Path(__file__).resolve().parents[2] / "sample_logs" / "seed_ai_brain_odoo18.log"


def _seed_report(capsys, user_dir: Path | None = None) -> dict:
    import json

    from helpers import run_cli

    args = ["analyze", "-f", "json", str(SEED)] + (["--patterns", str(user_dir)] if user_dir else [])
    code, out, err = run_cli(args, capsys)
    assert code == 0 and "warning" not in err, err
    return json.loads(out)


def _story(report: dict) -> tuple:
    return (
        [(s["step"], s["detail"]) for s in report["cascade"]],
        [(n["kind"], n["text"]) for n in report["notes"]],
        [rc["finding_ids"] for rc in report["root_causes"]],
        report["verdict"],
    )


def test_user_copies_of_every_builtin_tell_the_same_story(tmp_path: Path, capsys):
    """Every built-in replaced by a user pattern of the same id and data: the same report."""
    for p in PATTERNS:
        (tmp_path / Path(p.path).name).write_text(Path(p.path).read_text(encoding="utf-8"), encoding="utf-8")
    assert _story(_seed_report(capsys, tmp_path)) == _story(_seed_report(capsys))


def _replace_story(pattern_id: str, story: list[str], folder: Path) -> None:
    p = next(p for p in PATTERNS if p.id == pattern_id)
    text = re.sub(r"(?m)^story = .*\n", "", Path(p.path).read_text(encoding="utf-8"))
    text = re.sub(
        r"(?m)^(category = .*\n)", lambda m: m.group(1) + f"story = {story!r}\n".replace("'", '"'), text, count=1
    )
    (folder / "mine.toml").write_text(text, encoding="utf-8")


@pytest.mark.parametrize(
    "pattern_id,story,changed",
    [
        ("module-load-failure", [], "no silence note"),
        ("registry-load-failure", [], "the registry is a symptom step"),
        ("http-request-exception", [], "the request failure is a symptom step"),
        ("misleading-unavailable-message", [], "the message is no root cause of its own"),
        ("http-request-exception", ["misleading-message"], "the request failure is a root cause of its own"),
    ],
)
def test_cascade_and_notes_follow_a_user_pattern(
    tmp_path: Path, capsys, pattern_id: str, story: list[str], changed: str
):
    """A user pattern replacing a built-in by id: the cascade and notes follow its ``story``."""
    before = _seed_report(capsys)
    _replace_story(pattern_id, story, tmp_path)
    after = _seed_report(capsys, tmp_path)
    finding = next(f for f in after["findings"] if f["kind"] == pattern_id)
    steps = [(s["step"], s["detail"]) for s in after["cascade"]]
    kinds = [n["kind"] for n in after["notes"]]
    causes = [rc["finding_ids"][0] for rc in after["root_causes"]]
    if changed == "no silence note":
        assert "silence" in [n["kind"] for n in before["notes"]] and "silence" not in kinds
    elif changed == "the registry is a symptom step":
        assert (
            "registry" not in [s for s, _ in steps]
            and ("symptom", f"{finding['title']} ({finding['count']}×)") in steps
        )
    elif changed == "the request failure is a symptom step":
        assert ("symptom", f"{finding['title']} ({finding['count']}×)") in steps
    elif changed == "the message is no root cause of its own":
        assert finding["id"] in [rc["finding_ids"][0] for rc in before["root_causes"]] and finding["id"] not in causes
        assert not any("names a consequence" in n["text"] for n in after["notes"])
    else:
        assert finding["id"] not in [rc["finding_ids"][0] for rc in before["root_causes"]] and finding["id"] in causes
    assert _story(after) != _story(before)

"""The knowledge base: error signatures loaded from TOML files in ``patterns/``.

A pattern names what it matches (logger, level, message, exception, traceback conditions) and
what it means (severity, category, explanation, fix, verification steps), and carries examples
that must and must not match. The engine compiles every pattern once and, per record, only
tries the patterns whose logger/level prefilter admits it.
"""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from logsleuth.errors import PatternError

SEVERITIES = ("info", "low", "medium", "high", "critical")
CATEGORIES = (
    "timing",
    "design",
    "dependency",
    "configuration",
    "database",
    "error-handling",
    "ux",
    "resources",
    "test",
    "http",
    "runtime",
)
ROLES = ("cause", "symptom")
CONTEXTS = ("noise", "transient")
"""What a pattern's ``context`` field says about ranking:

- ``noise``: never the first thing to fix (scanner junk, idle-thread reloads); listed under noise.
- ``transient``: ranks low when the process went on working after it (a PostgreSQL restart
  that Odoo survived)."""
STORY = {
    "registry": "the registry of a database failed to build: the failure cascade draws it as its registry step",
    "not-in-cascade": "a symptom the failure cascade leaves out: it restates the request the cascade starts from",
    "module-silence": "a module failed to load: a silence note when no later record of that module follows",
    "misleading-message": "an application message naming a consequence, not the cause: a symptom note says so, and "
    "it stays a root cause of its own when linked to its cause",
}
"""What a pattern's ``story`` field says about the report (a list; none by default). The report
reads only these values, never a pattern id, so a user pattern that replaces a built-in tells
the report the same, or another, story."""
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
DEFAULT_LEVELS = ("WARNING", "ERROR", "CRITICAL")
"""Levels a pattern looks at when it names none: INFO and DEBUG records (almost every line of a
log) only reach patterns that ask for them, which keeps the per-line cost low."""
REGEX_TIMEOUT = 0.25
"""Seconds one pattern regex may run on one record before it is abandoned (user patterns)."""
REGEX_RUN_BUDGET = 10.0
REGEX_BUDGET_PER_RECORD = 0.0001
"""Seconds of regex work one pattern may spend in a whole run: REGEX_RUN_BUDGET plus 100 µs per
record read (a built-in pattern spends about 5 µs). A pattern that times out on one record, or
spends its budget, is disabled for the rest of the run with one warning naming its file: a
hostile pattern or log cannot make a run arbitrarily slow, and time stays linear in the log."""


@dataclass
class Pattern:
    id: str
    title: str
    severity: str
    category: str
    role: str
    path: str
    logger: str | None = None
    logger_prefix: str | None = None
    levels: frozenset[str] | None = None
    message: Any = None
    text: Any = None
    raw: Any = None
    exception_type: Any = None
    exception_message: Any = None
    culprit_imports: Any = None
    chain_code: Any = None
    fallback: bool = False
    default_levels: bool = False
    priority: int = 0
    symptom_of: list[str] = field(default_factory=list)
    implies_shutdown: bool = False
    awaits_traceback: bool = False
    group_by: list[str] | None = None
    shutdown_severity: str | None = None
    context: str | None = None
    story: frozenset[str] = frozenset()
    """What the pattern means for the cascade and the notes (``STORY``)."""
    restates: bool = False
    """The record says again what the failure it is linked to already says (Odoo logs some
    failures twice): it joins that root cause instead of being one of its own."""
    later_toml: str = ""
    """A built-in file's ``[explain]``, ``[derive.*]`` and ``[[examples.*]]`` tables, left unparsed
    at load when they come last (``later``): a run reads them only for the patterns it found, the
    tests read them all, and they are most of the knowledge base's text (9 ms of every run)."""

    @functools.cached_property
    def later(self) -> dict[str, Any]:
        """The checked values of those tables by dotted key (``explain.fix``, ``derive``, ``examples``)."""
        try:
            data = tomllib.loads(self.later_toml)
        except tomllib.TOMLDecodeError as exc:
            raise PatternError(f"not valid TOML: {exc}", self.path) from None
        return _checked(data, self.path, lazy=True, whole=False)

    @property
    def summary(self) -> str:
        return str(self.later.get("explain.summary", ""))

    @property
    def fix(self) -> str:
        return str(self.later.get("explain.fix", ""))

    @property
    def code(self) -> str:
        return str(self.later.get("explain.code", ""))

    @property
    def verify(self) -> list[str]:
        return list(self.later.get("explain.verify", []))

    @property
    def derive(self) -> dict[str, dict[str, Any]]:
        return dict(self.later.get("derive", {}))

    @property
    def examples_match(self) -> list[dict[str, Any]]:
        """Records the pattern must match."""
        return list(self.later.get("examples", {}).get("match", []))

    @property
    def examples_no_match(self) -> list[dict[str, Any]]:
        """Records the pattern must not match."""
        return list(self.later.get("examples", {}).get("no_match", []))

    @functools.cached_property
    def needs_traceback(self) -> bool:
        return any(
            x is not None for x in (self.exception_type, self.exception_message, self.culprit_imports, self.chain_code)
        )

    def admits(self, logger: str | None, level: str | None, kind: str, has_tb: bool) -> bool:
        """The cheap prefilter: logger, level and record kind, no regex."""
        if self.raw is not None:
            if kind != "raw":
                return False
        elif kind != "record":
            # console output has no logger or level: only text and traceback patterns apply
            if self.logger or self.logger_prefix or self.message or not self.default_levels:
                return False
            return not (self.needs_traceback and not has_tb)
        if self.needs_traceback and not has_tb:
            return False
        if self.logger is not None and logger != self.logger:
            return False
        if self.logger_prefix is not None and not (logger or "").startswith(self.logger_prefix):
            return False
        return not (self.levels is not None and level not in self.levels)

    def derived(self, values: dict[str, str]) -> dict[str, str]:
        """Apply ``[derive.<name>]`` lookups: a value looked up in a table, with a default."""
        out = dict(values)
        for name, spec in self.derive.items():
            source = out.get(spec.get("from", ""), "")
            top = source.split(".")[0] if spec.get("top_level", True) else source
            table = spec.get("map", {})
            default = spec.get("default", "{" + spec.get("from", "") + "}")
            value = table.get(top) or table.get(source) or fill(default, out)
            out[name] = value.upper() if spec.get("transform") == "upper" else value
        return out


class LazyRegex:
    """A built-in pattern's regex, compiled on first use: most built-ins never see a record they
    could match (the compiled core prefilters with ``pattern``, the source), and compiling all of
    them cost a short run about 200 ms. Anything but ``pattern`` is the compiled regex's."""

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern

    @functools.cached_property
    def compiled(self) -> Any:
        import regex

        return regex.compile(self.pattern)

    def search(self, *args: Any, **kwargs: Any) -> Any:
        return self.compiled.search(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):  # copy and pickle probe for hooks before __dict__ is set
            raise AttributeError(name)
        return getattr(self.compiled, name)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LazyRegex) and other.pattern == self.pattern

    def __hash__(self) -> int:
        return hash(self.pattern)


def fill(template: str, values: dict[str, Any]) -> str:
    """Format ``{name}`` placeholders; a value the log did not provide renders as ``?``."""

    class _Keep(dict):  # type: ignore[type-arg]
        def __missing__(self, key: str) -> str:
            return "?"

    try:
        return template.format_map(_Keep({k: v for k, v in values.items() if v is not None}))
    except (ValueError, IndexError):
        return template


@dataclass(frozen=True)
class Field:
    """One key of a pattern file: what it holds, whether it is required, its allowed values."""

    key: str
    """Dotted for a key of a table: ``match.message``, ``explain.fix``."""
    kind: str
    """``text``, ``choice`` (one of ``choices``), ``choices`` (a list of them), ``flag``, ``integer``,
    ``regex``, ``texts`` (a list of strings), ``levels`` (a level name or a list of them), ``table``."""
    doc: str
    choices: tuple[str, ...] = ()
    required: bool = False


SCHEMA: tuple[Field, ...] = (
    Field("id", "text", "unique; a user pattern with a built-in's id replaces it", required=True),
    Field("title", "text", "what the finding is, in a few words", required=True),
    Field("severity", "choice", "how bad it is", SEVERITIES, required=True),
    Field("category", "choice", "what kind of fix it needs", CATEGORIES, required=True),
    Field("role", "choice", "cause, or symptom (linked to a cause when one precedes it)", ROLES),
    Field("symptom_of", "texts", "pattern ids this is a consequence of"),
    Field("group_by", "texts", "values that make two occurrences the same finding (default: a fingerprint)"),
    Field(
        "context",
        "choice",
        "ranking: noise is never first; transient ranks low when the process went on working",
        CONTEXTS,
    ),
    Field("story", "choices", "what the pattern means for the cascade and the notes (see STORY)", tuple(STORY)),
    Field("restates", "flag", "the record repeats the failure it is linked to: it joins that root cause"),
    Field(
        "implies_shutdown",
        "flag",
        "the exception reads like a shutdown: a contradiction note when the process was not stopping",
    ),
    Field(
        "shutdown_severity",
        "choice",
        "the severity when every occurrence is inside its process's shutdown window",
        SEVERITIES,
    ),
    Field("awaits_traceback", "flag", "the failure waits for the later traceback of its PID that explains it"),
    Field("fallback", "flag", "tried only when no other pattern matched the record"),
    Field("priority", "integer", "patterns with a higher priority are tried first (default 0)"),
    Field("match", "table", "every key given must match", required=True),
    Field("match.logger", "text", "exact logger name"),
    Field("match.logger_prefix", "text", "logger name prefix"),
    Field("match.level", "levels", "a level name or a list of them (default WARNING and above)"),
    Field("match.min_level", "choice", "this level and above", LEVELS),
    Field("match.message", "regex", "regex on the first message line; named groups become values"),
    Field("match.text", "regex", "regex on the whole record, traceback included"),
    Field("match.raw", "regex", "regex on console lines that are not log records"),
    Field("match.exception_type", "regex", "regex on the type of any exception of the traceback chain"),
    Field("match.exception_message", "regex", "regex on the message of any exception of the traceback chain"),
    Field("match.culprit_imports", "regex", "regex on what the addon frame imported at module level"),
    Field("match.chain_code", "regex", "regex on the file and code of an addon frame of the import chain"),
    Field("explain", "table", "what the finding means and how to fix it"),
    Field("explain.summary", "text", "template: what happened"),
    Field("explain.fix", "text", "template: what to do"),
    Field("explain.code", "text", "template: a code snippet for the fix"),
    Field("explain.verify", "texts", "templates: commands that check the fix"),
    Field("derive", "table", "[derive.NAME]: a value looked up in a table (from, map, default, top_level, transform)"),
    Field("examples", "table", "[[examples.match]] and [[examples.no_match]]: records that must and must not match"),
)
"""The pattern file format, in one place: loading validates against it and the README's
pattern fields section is checked against it (tests/test_patterns.py)."""

_BY_KEY = {f.key: f for f in SCHEMA}


def _value(f: Field, value: Any, where: str, lazy: bool) -> Any:
    """``value`` checked against ``f``: a wrong type or value is a PatternError naming the key.
    A regex is compiled now (a user's error is reported at load) unless ``lazy`` (built-ins)."""

    def wrong(expected: str) -> PatternError:
        return PatternError(f"field {f.key!r} must be {expected}, not {value!r}"[:300], where)

    if f.kind in ("text", "regex"):
        if not isinstance(value, str) or (f.required and not value):
            raise wrong("a string" if f.kind == "text" else "a string regex")
        if f.kind == "regex":
            if lazy:
                return LazyRegex(value)
            import regex  # a user pattern: compiled now, so its error is reported at load

            try:
                return regex.compile(value)
            except regex.error as exc:
                raise PatternError(f"field {f.key} is not a valid regex: {exc}", where) from None
    elif f.kind == "choice":
        if value not in f.choices:
            raise wrong("one of " + ", ".join(f.choices))
    elif f.kind in ("choices", "texts"):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise wrong("a list of strings")
        if f.kind == "choices" and any(v not in f.choices for v in value):
            raise wrong("a list of " + ", ".join(f.choices))
    elif f.kind == "flag":
        if not isinstance(value, bool):
            raise wrong("true or false")
    elif f.kind == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            raise wrong("an integer")
    elif f.kind == "levels":
        value = [value] if isinstance(value, str) else value
        if not isinstance(value, list) or not value or any(v not in LEVELS for v in value):
            raise wrong("a level name or a list of them (" + ", ".join(LEVELS) + ")")
    elif f.kind == "table":
        if not isinstance(value, dict):
            raise wrong("a table")
    return value


def _checked(data: dict[str, Any], where: str, lazy: bool, whole: bool = True) -> dict[str, Any]:
    """The file's values by dotted key, each checked against SCHEMA; ``whole=False``: only some of
    its tables, whose required fields are elsewhere (``Pattern.later``)."""
    out: dict[str, Any] = {}
    for table in ("", "match.", "explain."):
        section = data if not table else data.get(table[:-1], {})
        if not isinstance(section, dict):
            continue  # reported as the table's own wrong type
        for key, value in section.items():
            f = _BY_KEY.get(table + key)
            if f is None:
                raise PatternError(f"unknown field {table + key!r}" if table else f"unknown field {key!r}", where)
            out[f.key] = _value(f, value, where, lazy)
    if not whole:
        return out
    for f in SCHEMA:
        if f.required and f.key not in out:
            raise PatternError(
                f"field {f.key!r} is required" + (" (a table)" if f.kind == "table" else " (a string)"), where
            )
    if not data["match"]:
        raise PatternError("table [match] is required", where)
    return out


def _pattern_from_dict(data: dict[str, Any], where: str, lazy: bool, later: str = "") -> Pattern:
    v = _checked(data, where, lazy)
    levels = v.get("match.level")
    if "match.min_level" in v:
        levels = list(LEVELS[LEVELS.index(v["match.min_level"]) :])
    default_levels = levels is None and "match.raw" not in v
    if default_levels:
        levels = list(DEFAULT_LEVELS)
    pattern = Pattern(
        id=v["id"],
        title=v["title"],
        severity=v["severity"],
        category=v["category"],
        role=v.get("role", "cause"),
        path=where,
        logger=v.get("match.logger"),
        logger_prefix=v.get("match.logger_prefix"),
        levels=frozenset(levels) if levels is not None else None,
        message=v.get("match.message"),
        text=v.get("match.text"),
        raw=v.get("match.raw"),
        exception_type=v.get("match.exception_type"),
        exception_message=v.get("match.exception_message"),
        culprit_imports=v.get("match.culprit_imports"),
        chain_code=v.get("match.chain_code"),
        fallback=v.get("fallback", False),
        default_levels=default_levels,
        priority=v.get("priority", 0),
        symptom_of=v.get("symptom_of", []),
        implies_shutdown=v.get("implies_shutdown", False),
        awaits_traceback=v.get("awaits_traceback", False),
        group_by=v.get("group_by"),
        shutdown_severity=v.get("shutdown_severity"),
        context=v.get("context"),
        story=frozenset(v.get("story", [])),
        restates=v.get("restates", False),
        later_toml=later,
    )
    if not later:
        pattern.later = {k: value for k, value in v.items() if k.split(".")[0] in _LATER}
    return pattern


_LATER = ("explain", "derive", "examples")
"""The tables a pattern's matching does not need (``Pattern.later``)."""
_LATER_HEADERS = ("[explain]", "[derive.", "[[examples.")


def _later_last(text: str) -> tuple[str, str]:
    """``text`` cut before its first ``_LATER`` table when only such tables follow, else whole:
    ``(keys, later)`` or ``(text, "")``; ``later`` keeps the lines before it blank, so that an
    error in it names its line in the file. A table header starts its line, and a line inside a
    string that looks like one leaves the keys unclosed: they do not parse alone."""
    at = min((i for i in (text.find("\n" + h) for h in _LATER_HEADERS) if i >= 0), default=-1)
    if at < 0 or any(
        line.lstrip().startswith("[") and not line.startswith(_LATER_HEADERS) for line in text[at:].splitlines()
    ):
        return text, ""
    keys = text[: at + 1]
    return keys, "\n" * keys.count("\n") + text[at + 1 :]


def load_file(path: Path, lazy: bool = False) -> Pattern:
    """The pattern of one file; ``lazy``: its regexes compile, and its ``_LATER`` tables are
    parsed, on first use (built-ins, every one of which the tests read whole)."""
    try:
        with path.open("rb") as fh:
            text = fh.read().decode()
        keys, later = _later_last(text) if lazy else (text, "")
        try:
            data = tomllib.loads(keys)
        except tomllib.TOMLDecodeError:
            if not later:
                raise
            data, later = tomllib.loads(text), ""
        if later and any(k in data for k in _LATER):  # dotted keys before the cut: not exact
            data, later = tomllib.loads(text), ""
    except tomllib.TOMLDecodeError as exc:
        raise PatternError(f"not valid TOML: {exc}", str(path)) from None
    except OSError as exc:
        raise PatternError(exc.strerror or "cannot read", str(path)) from None
    return _pattern_from_dict(data, str(path), lazy, later)


def builtin_dir() -> Path:
    """The shipped patterns: inside the installed package, or the repository's ``patterns/``."""
    packaged = Path(__file__).parents[1] / "patterns"  # the package folder, without importlib.resources (2 ms)
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "patterns"


def load_patterns(extra_dirs: list[str] | None = None, warnings: list[str] | None = None) -> list[Pattern]:
    """Load the built-in patterns and the user's directories.

    A broken user pattern is reported in ``warnings`` and skipped; built-ins must be valid.
    A user pattern with the id of a built-in replaces it.
    """
    by_id: dict[str, Pattern] = {}
    for path in sorted(builtin_dir().glob("*.toml")):
        p = load_file(path, lazy=True)
        by_id[p.id] = p
    for d in extra_dirs or []:
        base = Path(d)
        if not base.is_dir():
            raise PatternError("pattern directory not found", d)
        for path in sorted(base.glob("*.toml")):
            try:
                p = load_file(path)
            except PatternError as exc:
                if warnings is None:
                    raise
                warnings.append(str(exc))
                continue
            by_id[p.id] = p
    return sorted(by_id.values(), key=lambda p: (-p.priority, p.id))

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
from importlib import resources
from pathlib import Path
from typing import Any

import regex

from logsleuth.errors import PatternError

SEVERITIES = ("info", "low", "medium", "high", "critical")
CATEGORIES = (
    "timing", "design", "dependency", "configuration", "database", "error-handling", "ux",
    "resources", "test", "http", "runtime",
)
ROLES = ("cause", "symptom")
CONTEXTS = ("noise", "transient")
"""What a pattern's ``context`` field says about ranking:

- ``noise``: never the first thing to fix (scanner junk, idle-thread reloads); listed under noise.
- ``transient``: ranks low when the process went on working after it (a PostgreSQL restart
  that Odoo survived)."""
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

_MATCH_KEYS = {
    "logger", "logger_prefix", "level", "min_level", "message", "text", "raw",
    "exception_type", "exception_message", "culprit_imports", "chain_code",
}
_TOP_KEYS = {
    "id", "title", "severity", "category", "role", "fallback", "priority", "match", "explain",
    "derive", "examples", "symptom_of", "implies_shutdown", "group_by", "awaits_traceback",
    "shutdown_severity", "context", "restates",
}


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
    summary: str = ""
    fix: str = ""
    code: str = ""
    verify: list[str] = field(default_factory=list)
    derive: dict[str, dict[str, Any]] = field(default_factory=dict)
    symptom_of: list[str] = field(default_factory=list)
    implies_shutdown: bool = False
    awaits_traceback: bool = False
    group_by: list[str] | None = None
    shutdown_severity: str | None = None
    context: str | None = None
    restates: bool = False
    """The record says again what the failure it is linked to already says (Odoo logs some
    failures twice): it joins that root cause instead of being one of its own."""
    examples_match: list[dict[str, Any]] = field(default_factory=list)
    examples_no_match: list[dict[str, Any]] = field(default_factory=list)

    @functools.cached_property
    def needs_traceback(self) -> bool:
        return any(x is not None for x in (self.exception_type, self.exception_message, self.culprit_imports, self.chain_code))

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


def fill(template: str, values: dict[str, Any]) -> str:
    """Format ``{name}`` placeholders; a value the log did not provide renders as ``?``."""

    class _Keep(dict):  # type: ignore[type-arg]
        def __missing__(self, key: str) -> str:
            return "?"

    try:
        return template.format_map(_Keep({k: v for k, v in values.items() if v is not None}))
    except (ValueError, IndexError):
        return template


def _compile(value: Any, where: str, key: str) -> Any:
    if value is None:
        return None
    if not isinstance(value, str):
        raise PatternError(f"field match.{key} must be a string regex", where)
    try:
        return regex.compile(value)
    except regex.error as exc:
        raise PatternError(f"field match.{key} is not a valid regex: {exc}", where) from None


def _pattern_from_dict(data: dict[str, Any], where: str) -> Pattern:
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise PatternError(f"unknown field {sorted(unknown)[0]!r}", where)
    for key in ("id", "title", "severity", "category"):
        if not isinstance(data.get(key), str) or not data[key]:
            raise PatternError(f"field {key!r} is required (a string)", where)
    if data["severity"] not in SEVERITIES:
        raise PatternError(f"field 'severity' must be one of {', '.join(SEVERITIES)}", where)
    if data["category"] not in CATEGORIES:
        raise PatternError(f"field 'category' must be one of {', '.join(CATEGORIES)}", where)
    role = data.get("role", "cause")
    if role not in ROLES:
        raise PatternError(f"field 'role' must be one of {', '.join(ROLES)}", where)
    match = data.get("match")
    if not isinstance(match, dict) or not match:
        raise PatternError("table [match] is required", where)
    unknown = set(match) - _MATCH_KEYS
    if unknown:
        raise PatternError(f"unknown field match.{sorted(unknown)[0]}", where)
    levels = match.get("level")
    if isinstance(levels, str):
        levels = [levels]
    if "min_level" in match:
        if match["min_level"] not in LEVELS:
            raise PatternError(f"field match.min_level must be one of {', '.join(LEVELS)}", where)
        levels = list(LEVELS[LEVELS.index(match["min_level"]):])
    if levels is not None and (not isinstance(levels, list) or not all(isinstance(x, str) for x in levels)):
        raise PatternError("field match.level must be a level name or a list of them", where)
    default_levels = levels is None and "raw" not in match
    if default_levels:
        levels = list(DEFAULT_LEVELS)
    explain = data.get("explain", {})
    if not isinstance(explain, dict):
        raise PatternError("[explain] must be a table", where)
    verify = explain.get("verify", [])
    if not isinstance(verify, list) or not all(isinstance(v, str) for v in verify):
        raise PatternError("field explain.verify must be a list of strings", where)
    examples = data.get("examples", {})
    shutdown_severity = data.get("shutdown_severity")
    if shutdown_severity is not None and shutdown_severity not in SEVERITIES:
        raise PatternError(f"field 'shutdown_severity' must be one of {', '.join(SEVERITIES)}", where)
    context = data.get("context")
    if context is not None and context not in CONTEXTS:
        raise PatternError(f"field 'context' must be one of {', '.join(CONTEXTS)}", where)
    pattern = Pattern(
        context=context, restates=bool(data.get("restates", False)),
        id=data["id"], title=data["title"], severity=data["severity"], category=data["category"],
        role=role, path=where,
        logger=match.get("logger"), logger_prefix=match.get("logger_prefix"),
        levels=frozenset(levels) if levels is not None else None,
        message=_compile(match.get("message"), where, "message"),
        text=_compile(match.get("text"), where, "text"),
        raw=_compile(match.get("raw"), where, "raw"),
        exception_type=_compile(match.get("exception_type"), where, "exception_type"),
        exception_message=_compile(match.get("exception_message"), where, "exception_message"),
        culprit_imports=_compile(match.get("culprit_imports"), where, "culprit_imports"),
        chain_code=_compile(match.get("chain_code"), where, "chain_code"),
        fallback=bool(data.get("fallback", False)),
        default_levels=default_levels,
        priority=int(data.get("priority", 0)),
        summary=explain.get("summary", ""), fix=explain.get("fix", ""), code=explain.get("code", ""),
        verify=verify,
        derive=data.get("derive", {}),
        symptom_of=list(data.get("symptom_of", [])),
        implies_shutdown=bool(data.get("implies_shutdown", False)),
        awaits_traceback=bool(data.get("awaits_traceback", False)),
        group_by=data.get("group_by"),
        shutdown_severity=shutdown_severity,
        examples_match=list(examples.get("match", [])),
        examples_no_match=list(examples.get("no_match", [])),
    )
    return pattern


def load_file(path: Path) -> Pattern:
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise PatternError(f"not valid TOML: {exc}", str(path)) from None
    except OSError as exc:
        raise PatternError(exc.strerror or "cannot read", str(path)) from None
    return _pattern_from_dict(data, str(path))


def builtin_dir() -> Path:
    """The shipped patterns: inside the installed package, or the repository's ``patterns/``."""
    packaged = Path(str(resources.files("logsleuth"))) / "patterns"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "patterns"


def load_patterns(extra_dirs: list[str] | None = None, warnings: list[str] | None = None) -> list[Pattern]:
    """Load the built-in patterns and the user's directories.

    A broken user pattern is reported in ``warnings`` and skipped; built-ins must be valid.
    A user pattern with the id of a built-in replaces it.
    """
    by_id: dict[str, Pattern] = {}
    for path in sorted(builtin_dir().glob("*.toml")):
        p = load_file(path)
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

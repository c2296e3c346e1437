"""The CI gate: which log records fail a build, and the verdict of a test run.

Works like the OCA's checklog-odoo (any record at or above ``fail_on`` fails the build unless
an ignore regex matches the whole record, traceback included) and adds what it lacks: which
tests failed, why and where, a crash before the summary, and skipped tests.
"""

from __future__ import annotations

import configparser
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from logsleuth.analysis.patterns import LEVELS, REGEX_TIMEOUT
from logsleuth.errors import UsageError
from logsleuth.reading.records import Record, Wants

MAX_GATE_RECORDS = 200

_TEST_BOOKKEEPING = re.compile(
    r"^(?:FAIL|ERROR): |^\d+ failed, \d+ error\(s\) of \d+ tests|^At least one test failed|^Module \S+: \d+ failures, \d+ errors"
    r"|^={20,}$|^Test suite halted"
)
"""Records the test report already accounts for: counted as tests, not as log errors."""


@dataclass
class GateConfig:
    fail_on: str = "ERROR"
    ignore: list[str] = field(default_factory=list)
    fail_on_skipped: bool = False
    err_if_empty: bool = True
    annotations: str = "none"
    allow_no_tests: bool = False


@dataclass
class GateRecord:
    source: str
    line: int
    level: str
    logger: str
    message: str
    ignored_by: str | None = None


@dataclass
class Gate:
    """Streams records and keeps the (bounded) list of those that fail the build."""

    config: GateConfig
    failing: list[GateRecord] = field(default_factory=list)
    failing_total: int = 0
    ignored_total: int = 0
    odoo_records: int = 0

    def __post_init__(self) -> None:
        threshold = LEVELS.index(self.config.fail_on) if self.config.fail_on in LEVELS else len(LEVELS)
        self._levels = frozenset(LEVELS[threshold:])
        import regex  # only --ignore needs it

        try:
            self._ignore = [(text, regex.compile(text)) for text in self.config.ignore]
        except regex.error as exc:
            raise UsageError(f"invalid --ignore regex: {exc}") from None

    @property
    def wants(self) -> Wants:
        """Records at or above the failing level; the others are only counted."""
        return Wants(levels=self._levels)

    def feed_routine(self, run) -> None:
        self.odoo_records += run.count

    def feed(self, rec: Record) -> None:
        if rec.kind != "record":
            # a traceback printed outside logging (a crash, an interrupted run) is an error too
            if rec.kind == "raw" and rec.has_traceback and "ERROR" in self._levels:
                self._check(rec, "ERROR", "console")
            return
        self.odoo_records += 1
        if rec.level not in self._levels:
            return
        logger = rec.logger or ""
        if _TEST_BOOKKEEPING.search(rec.message) and (".tests" in logger or logger.startswith("odoo.modules")):
            return
        self._check(rec, rec.level or "", logger)

    def _check(self, rec: Record, level: str, logger: str) -> None:
        """Count a record that fails the build, unless an ignore rule matches its whole text."""
        text = rec.text if self._ignore else ""  # joined only for rules to search
        for _, rx in self._ignore:
            try:
                hit = rx.search(text, timeout=REGEX_TIMEOUT)
            except TimeoutError:
                hit = None
            if hit:
                self.ignored_total += 1
                return
        self.failing_total += 1
        if len(self.failing) < MAX_GATE_RECORDS:
            message = (
                rec.message if rec.kind == "record" else (rec.continuation[-1] if rec.continuation else rec.message)
            )
            self.failing.append(GateRecord(rec.source, rec.first_line, level, logger, message))

    def merge(self, other: Gate) -> None:
        """Take in the counts and records of another stream's gate (``--jobs``)."""
        self.odoo_records += other.odoo_records
        self.failing_total += other.failing_total
        self.ignored_total += other.ignored_total
        room = max(0, MAX_GATE_RECORDS - len(self.failing))
        self.failing.extend(other.failing[:room])


def load_config(explicit: str | None, start: Path | None = None) -> dict[str, Any]:
    """Settings from ``--config FILE``, else ``.logsleuth.toml``, ``pyproject.toml`` [tool.logsleuth]
    or ``checklog-odoo.cfg`` in the current directory (the first found)."""
    base = start or Path.cwd()
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise UsageError("configuration file not found", explicit)
        return _read_config(path)
    for name in (".logsleuth.toml", "pyproject.toml", "checklog-odoo.cfg"):
        path = base / name
        if path.is_file():
            found = _read_config(path)
            if found or name != "pyproject.toml":
                return found
    return {}


def _read_config(path: Path) -> dict[str, Any]:
    if path.suffix == ".cfg":
        parser = configparser.RawConfigParser()
        try:
            parser.read(path, encoding="utf-8")
        except configparser.Error as exc:
            raise UsageError(f"invalid configuration: {exc}", str(path)) from None
        section = next((s for s in ("checklog-odoo", "checklog", "logsleuth") if parser.has_section(s)), None)
        if section is None:
            return {}
        out: dict[str, Any] = {}
        if parser.has_option(section, "ignore"):
            out["ignore"] = [x.strip() for x in parser.get(section, "ignore").splitlines() if x.strip()]
        for key in ("err_if_empty", "err-if-empty"):
            if parser.has_option(section, key):
                out["err_if_empty"] = parser.getboolean(section, key)
        return out
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"invalid configuration: {exc}", str(path)) from None
    if path.name == "pyproject.toml":
        data = data.get("tool", {}).get("logsleuth", {})
    elif "tool" in data and "logsleuth" in data["tool"]:
        data = data["tool"]["logsleuth"]
    return _validated(data, path)


CONFIG_KEYS: dict[str, tuple[type, str]] = {
    "fail-on": (str, "a non-empty string"),
    "ignore": (list, "a list of regex strings"),
    "fail-on-skipped": (bool, "true or false"),
    "allow-no-tests": (bool, "true or false"),
    "err-if-empty": (bool, "true or false"),
    "annotations": (str, "github, gitlab or none"),
}
"""The TOML settings; keys are written ``fail-on`` (canonical) or ``fail_on``."""


def _validated(data: dict[str, Any], path: Path) -> dict[str, Any]:
    """Settings with ``_`` keys: an unknown key is a warning, a value of the wrong type an error,
    each naming the key and the file."""
    import sys

    out: dict[str, Any] = {}
    for key, value in data.items():
        canonical = str(key).replace("_", "-")
        if canonical not in CONFIG_KEYS:
            sys.stderr.write(f"logsleuth: warning: unknown configuration key {key!r} ignored ({path})\n")
            continue
        kind, expected = CONFIG_KEYS[canonical]
        if kind is str and isinstance(value, str):
            ok = bool(value.strip())
        elif kind is bool:
            ok = isinstance(value, bool)
        elif kind is list:
            ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
        else:
            ok = False
        if not ok:
            raise UsageError(f"invalid configuration: {key} = {value!r} must be {expected}", str(path))
        out[canonical.replace("-", "_")] = value
    return out

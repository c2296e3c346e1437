"""Redaction: mask what should not leave the company when a report is attached to a ticket.

Applied to the report model (``model.py``) field by field before any renderer runs, so every
format is covered by the same rules. Pseudonyms are consistent within a report (the same address is ``ip-3`` everywhere),
so a reader can still follow one client or one database through the story.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from typing import TypeVar

T = TypeVar("T")

_SECRET_WORD = (
    r"(?:password|passwd|secret|token|api[_-]?key|apikey|private[_-]?key|access[_-]?key|session_id|signature)"
)
_CONFIG_KEY = r"[\w.-]*(?:pass(?:word|wd)|secret|token|key)[\w.-]*"

_BLOCK_RULES: list[tuple[str, re.Pattern[str]]] = [
    (
        "private-key",
        re.compile(
            r"-----BEGIN (?P<kind>[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?)-----.*?(?:-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|\Z)",
            re.S,
        ),
    ),
]
"""Rules over a whole (multi-line) text, before the line rules."""

_RULES: list[tuple[str, re.Pattern[str]]] = [
    (
        "config-line",
        re.compile(
            r"(?im)(?P<key>^[ \t]*(?!\w*(?:Error|Exception|Warning)\b)"
            + _CONFIG_KEY
            + r"[ \t]*=[ \t]*)(?P<secret>\S.*)$"
        ),
    ),
    ("pem-line", re.compile(r"(?m)^[ \t]*[A-Za-z0-9+/]{40,}={0,2}[ \t]*$")),
    ("jwt", re.compile(r"\beyJ[A-Za-z0-9_-]{4,}(?:\.[A-Za-z0-9_-]{4,}){1,2}\.?[A-Za-z0-9_-]*")),
    ("url-credentials", re.compile(r"(?P<scheme>[a-zA-Z][\w+.-]*://)(?P<user>[^:/@\s'\"]+):(?P<secret>[^@/\s'\"]+)@")),
    (
        "secret-param",
        re.compile(
            r"(?i)(?P<key>(?:\b(?:password|passwd|pwd|admin_passwd|db_password|token|access_token|refresh_token|id_token|api[_-]?key|apikey|"
            r"secret|client_secret|session_id|csrf_token|auth|authorization|signature|sig|otp|private_key)\b"
            r"|(?<![\w.-])(?!\w*(?:error|exception|warning)\b)[\w-]*" + _SECRET_WORD + r"[\w-]*)[\"']?\s*[=:]\s*[\"']?)"
            r"(?P<secret>(?:Bearer |Basic )?[^\s&\"',;)}\]]+)"
        ),
    ),
    ("bearer", re.compile(r"(?i)(?P<key>\b(?:Bearer|Basic) )(?P<secret>[A-Za-z0-9._~+/=-]{8,})")),
    ("cookie", re.compile(r"(?i)(?P<key>\bCookie:\s*)(?P<secret>[^\n]+)")),
    (
        "api-key",
        re.compile(
            r"\b(?:sk-(?:ant-)?[A-Za-z0-9_-]{16,}|gh[pousr]_[A-Za-z0-9]{20,}|AKIA[0-9A-Z]{16}|xox[abprs]-[A-Za-z0-9-]{10,}|AIza[0-9A-Za-z_-]{30,})\b"
        ),
    ),
    ("card", re.compile(r"(?<![\w.-])\d(?:[ -]?\d){12,18}(?![\w.-])")),
    (
        "long-token",
        re.compile(
            r"(?<![\w/+=.-])(?=[A-Za-z0-9_-]*[a-z])(?=[A-Za-z0-9_-]*[A-Z])(?=[A-Za-z0-9_-]*\d)[A-Za-z0-9_-]{32,}(?![\w/+=-])"
        ),
    ),
    ("email", re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")),
    ("ipv4", re.compile(r"(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)(?![\d.])")),
    ("ipv6", re.compile(r"(?<![\w:])(?:[0-9a-fA-F]{1,4}:){2,7}(?::|[0-9a-fA-F]{1,4})(?![\w:])")),
    ("home", re.compile(r"(?P<prefix>[A-Za-z]:[\\/]+Users[\\/]+)(?P<user>[^\\/'\"\n]+)", re.IGNORECASE)),
    ("home", re.compile(r"(?P<prefix>/home/|/Users/)(?P<user>[^/\s'\"]+)")),
]
_KEEP_IPS = {"127.0.0.1", "0.0.0.0", "::1"}
_SQL_MARK = re.compile(r"bad query:|\bDETAIL:|\bQUERY:|\bSTATEMENT:")
_SQL_LITERAL = re.compile(r"(?P<q>E?')(?:[^']|'')*'|\b\d{6,}\b")
_DETAIL_VALUES = re.compile(r"(?P<key>\)=\(|contains \()(?P<secret>[^\n]*?)\)(?=[^)]*$)")
_RECORD_START = re.compile(r"^\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d")


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


_KEEP_USERS = {"public", "shared", "default", "all users"}


class Redactor:
    """Replaces secrets with ``***`` and identities with consistent pseudonyms."""

    def __init__(self, databases: set[str] | None = None) -> None:
        self.names: dict[tuple[str, str], str] = {}
        self.databases: set[str] = set()
        self.db_rule: re.Pattern[str] | None = None
        self.add_databases(databases or set())

    def add_databases(self, databases: set[str]) -> None:
        """Mask these database names too (``watch`` learns them as the log grows)."""
        new = {d for d in databases if d and d not in ("?", "None") and len(d) > 1} - self.databases
        if not new:
            return
        self.databases |= new
        dbs = sorted(self.databases, key=len, reverse=True)
        self.db_rule = re.compile(r"(?<![\w-])(" + "|".join(re.escape(d) for d in dbs) + r")(?![\w-])")

    def _pseudonym(self, kind: str, value: str) -> str:
        key = (kind, value.lower())
        if key not in self.names:
            self.names[key] = f"{kind}-{sum(1 for k in self.names if k[0] == kind) + 1}"
        return self.names[key]

    def text(self, value: str, sql: bool = False) -> str:
        """Redact one text. ``sql`` says that it continues the SQL of a ``bad query:`` record
        (a line of its traceback or query printed on lines of its own)."""
        for _name, rule in _BLOCK_RULES:
            value = rule.sub(lambda m: f"-----BEGIN {m.group('kind')}----- *** -----END {m.group('kind')}-----", value)
        if sql or _SQL_MARK.search(value):
            value = self._sql(value, sql)
        for name, rule in _RULES:
            value = rule.sub(functools.partial(self._replace, name), value)
        if self.db_rule is not None:
            value = self.db_rule.sub(lambda m: self._pseudonym("db", m.group(1)), value)
        return value

    def _sql(self, value: str, carried: bool) -> str:
        """Literals of a failed query and the values PostgreSQL repeats in DETAIL lines."""
        out: list[str] = []
        inside = carried
        for line in value.split("\n"):
            m = _SQL_MARK.search(line)
            if m is not None:
                inside = True
                head, tail = line[: m.end()], line[m.end() :]
            elif inside and _RECORD_START.match(line):
                inside = False
                head, tail = line, ""
            else:
                head, tail = ("", line) if inside else (line, "")
            if tail:
                tail = _DETAIL_VALUES.sub(lambda d: f"{d.group('key')}***)", tail)
                tail = _SQL_LITERAL.sub(lambda q: f"{q.group('q')}***'" if q.group("q") else "***", tail)
            out.append(head + tail)
        return "\n".join(out)

    def lines(self, values: list[str], sql: bool = False) -> list[str]:
        """Redact the lines of one record (or of a log excerpt) in order: SQL continues across them."""
        out: list[str] = []
        for value in values:
            out.append(self.text(value, sql))
            sql = self.sql_after(value, sql)
        return out

    @staticmethod
    def sql_after(line: str, sql: bool) -> bool:
        """Whether the line after ``line`` still belongs to a failed query's record."""
        if _SQL_MARK.search(line):
            return True
        return False if _RECORD_START.match(line) else sql

    def _replace(self, name: str, m: re.Match[str]) -> str:
        if name == "url-credentials":
            return f"{m.group('scheme')}***:***@"
        if name in ("secret-param", "bearer", "cookie"):
            return f"{m.group('key')}***"
        if name in ("api-key", "jwt", "long-token"):
            return "***"
        if name == "config-line":
            return f"{m.group('key')}***"
        if name == "pem-line":
            return "***"
        if name == "card":
            digits = re.sub(r"\D", "", m.group(0))
            return "***" if _luhn(digits) else m.group(0)
        if name in ("ipv4", "ipv6"):
            ip = m.group(0)
            if name == "ipv6" and "::" not in ip and ip.count(":") < 4:
                return ip  # a clock (03:20:01), not an address
            return ip if ip in _KEEP_IPS else self._pseudonym("ip", ip)
        if name == "email":
            return self._pseudonym("email", m.group(0)) + "@example.invalid"
        user = m.group("user")
        if user.lower() in _KEEP_USERS:
            return m.group(0)
        return m.group("prefix") + self._pseudonym("user", user)

    def redact(self, obj: T) -> T:
        """A redacted copy of ``obj``: a report model (frozen dataclasses, field by field, in
        their order) or JSON values. A sequence of strings is redacted as the lines of one
        record (the SQL of a failed query carries over); numbers and flags stay as they are."""
        if isinstance(obj, str):
            return self.text(obj)  # type: ignore[return-value]
        if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
            return dataclasses.replace(
                obj, **{f.name: self.redact(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
            )  # type: ignore[return-value]
        if isinstance(obj, (tuple, list)):
            items = (
                self.lines(list(obj)) if obj and all(isinstance(v, str) for v in obj) else [self.redact(v) for v in obj]
            )
            return type(obj)(items)  # type: ignore[return-value]
        if isinstance(obj, dict):
            return {k: self.redact(v) for k, v in obj.items()}  # type: ignore[return-value]
        return obj


_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
"""Control characters but tab and newline: a log may hold any byte, a ticket must not."""


class _ControlScrubber(Redactor):
    def text(self, value: str, sql: bool = False) -> str:
        return _CONTROLS.sub("", value) if _CONTROLS.search(value) else value

    def lines(self, values: list[str], sql: bool = False) -> list[str]:
        return [self.text(v) for v in values]


def scrub_controls(obj: T) -> T:
    """``obj`` without control characters in any string (Markdown, HTML, JUnit and annotations:
    \\x0b or \\x0c would break the XML or the page, \\x1b the terminal)."""
    return _ControlScrubber().redact(obj)

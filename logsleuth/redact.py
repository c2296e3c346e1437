"""Redaction: mask what should not leave the company when a report is attached to a ticket.

Applied to the report model before any renderer runs, so every format is covered by the same
rules. Pseudonyms are consistent within a report (the same address is ``ip-3`` everywhere),
so a reader can still follow one client or one database through the story.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from logsleuth.patterns import Pattern

_RULES: list[tuple[str, re.Pattern[str]]] = [
    ("url-credentials", re.compile(r"(?P<scheme>[a-zA-Z][\w+.-]*://)(?P<user>[^:/@\s'\"]+):(?P<secret>[^@/\s'\"]+)@")),
    ("secret-param", re.compile(
        r"(?i)(?P<key>\b(?:password|passwd|pwd|admin_passwd|db_password|token|access_token|refresh_token|id_token|api[_-]?key|apikey|"
        r"secret|client_secret|session_id|csrf_token|auth|authorization|signature|sig|otp|private_key)\b[\"']?\s*[=:]\s*[\"']?)"
        r"(?P<secret>(?:Bearer |Basic )?[^\s&\"',;)}\]]+)")),
    ("bearer", re.compile(r"(?i)(?P<key>\b(?:Bearer|Basic) )(?P<secret>[A-Za-z0-9._~+/=-]{8,})")),
    ("cookie", re.compile(r"(?i)(?P<key>\bCookie:\s*)(?P<secret>[^\n]+)")),
    ("api-key", re.compile(r"\b(?:sk-(?:ant-)?[A-Za-z0-9_-]{16,}|gh[pousr]_[A-Za-z0-9]{20,}|AKIA[0-9A-Z]{16}|xox[abprs]-[A-Za-z0-9-]{10,}|AIza[0-9A-Za-z_-]{30,})\b")),
    ("email", re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")),
    ("ipv4", re.compile(r"(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)(?![\d.])")),
    ("ipv6", re.compile(r"(?<![\w:])(?:[0-9a-fA-F]{1,4}:){2,7}(?::|[0-9a-fA-F]{1,4})(?![\w:])")),
    ("home", re.compile(r"(?P<prefix>[A-Za-z]:[\\/]+Users[\\/]+)(?P<user>[^\\/'\"\n]+)", re.IGNORECASE)),
    ("home", re.compile(r"(?P<prefix>/home/|/Users/)(?P<user>[^/\s'\"]+)")),
]
_KEEP_IPS = {"127.0.0.1", "0.0.0.0", "::1"}
_KEEP_USERS = {"public", "shared", "default", "all users"}


class Redactor:
    """Replaces secrets with ``***`` and identities with consistent pseudonyms."""

    def __init__(self, databases: set[str] | None = None) -> None:
        self.names: dict[tuple[str, str], str] = {}
        dbs = sorted((d for d in (databases or set()) if d and d not in ("?", "None") and len(d) > 1), key=len, reverse=True)
        self.db_rule = re.compile(r"(?<![\w-])(" + "|".join(re.escape(d) for d in dbs) + r")(?![\w-])") if dbs else None

    def _pseudonym(self, kind: str, value: str) -> str:
        key = (kind, value.lower())
        if key not in self.names:
            self.names[key] = f"{kind}-{sum(1 for k in self.names if k[0] == kind) + 1}"
        return self.names[key]

    def text(self, value: str) -> str:
        for name, rule in _RULES:
            value = rule.sub(lambda m, n=name: self._replace(n, m), value)
        if self.db_rule is not None:
            value = self.db_rule.sub(lambda m: self._pseudonym("db", m.group(1)), value)
        return value

    def _replace(self, name: str, m: re.Match[str]) -> str:
        if name == "url-credentials":
            return f"{m.group('scheme')}***:***@"
        if name in ("secret-param", "bearer", "cookie"):
            return f"{m.group('key')}***"
        if name == "api-key":
            return "***"
        if name in ("ipv4", "ipv6"):
            ip = m.group(0)
            return ip if ip in _KEEP_IPS else self._pseudonym("ip", ip)
        if name == "email":
            return self._pseudonym("email", m.group(0)) + "@example.invalid"
        user = m.group("user")
        if user.lower() in _KEEP_USERS:
            return m.group(0)
        return m.group("prefix") + self._pseudonym("user", user)

    def apply(self, obj: Any) -> None:
        """Redact every string reachable from ``obj`` in place (log text lives in many fields)."""
        seen: set[int] = set()
        self._walk(obj, seen)

    def _walk(self, obj: Any, seen: set[int]) -> Any:
        if isinstance(obj, str):
            return self.text(obj)
        if obj is None or isinstance(obj, (int, float, bool, Pattern)) or id(obj) in seen:
            return obj
        seen.add(id(obj))
        if isinstance(obj, list):
            for i, item in enumerate(obj):
                obj[i] = self._walk(item, seen)
        elif isinstance(obj, tuple):
            return tuple(self._walk(item, seen) for item in obj)
        elif isinstance(obj, dict):
            for k in list(obj):
                obj[k] = self._walk(obj[k], seen)
        elif dataclasses.is_dataclass(obj):
            for f in dataclasses.fields(obj):
                setattr(obj, f.name, self._walk(getattr(obj, f.name), seen))
        elif hasattr(obj, "__slots__") or hasattr(obj, "__dict__"):
            names = getattr(obj, "__slots__", None) or list(vars(obj))
            for name in names:
                if hasattr(obj, name):
                    setattr(obj, name, self._walk(getattr(obj, name), seen))
        return obj

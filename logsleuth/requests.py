"""werkzeug request lines: client, method, path, status and Odoo's perf suffix."""

from __future__ import annotations

import re
from dataclasses import dataclass

_REQUEST = re.compile(
    r'(?P<client>\S+) - - \[(?P<date>[^\]]+)\] "(?P<method>[A-Z]+) (?P<path>\S+)(?: (?P<proto>[^"]*))?" '
    r"(?P<status>\d{3}) (?P<size>\S+)"
    r"(?: (?P<qc>\d+|-) (?P<qt>[\d.]+|-) (?P<pt>[\d.]+|-))?"
)


@dataclass
class Request:
    source: str
    line: int
    pid: int | None
    client: str
    method: str
    path: str
    status: int
    query_count: int | None
    query_time: float | None
    other_time: float | None
    timestamp: str | None = None


def _num(text: str | None, kind: type) -> int | float | None:
    return None if text in (None, "-") else kind(text)


def parse_request(
    message: str, source: str, line: int, pid: int | None, timestamp: str | None = None
) -> Request | None:
    """Parse a werkzeug access line; werkzeug's error lines (``code 400, …``) are not requests."""
    m = _REQUEST.match(message)
    if m is None:
        return None
    return Request(
        source,
        line,
        pid,
        m.group("client"),
        m.group("method"),
        m.group("path"),
        int(m.group("status")),
        _num(m.group("qc"), int),
        _num(m.group("qt"), float),
        _num(m.group("pt"), float),  # type: ignore[arg-type]
        timestamp,
    )

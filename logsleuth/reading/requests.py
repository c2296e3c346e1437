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


def _int(text: str | None) -> int | None:
    return None if text is None or text == "-" else int(text)


def _float(text: str | None) -> float | None:
    return None if text is None or text == "-" else float(text)


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
        _int(m.group("qc")),
        _float(m.group("qt")),
        _float(m.group("pt")),
        timestamp,
    )

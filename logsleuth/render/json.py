"""The JSON report of ``report-contract.md`` (schema 1): the report model serialised, plus extra
fields beside the promised ones; ``logsleuth schema`` prints its JSON Schema."""

from __future__ import annotations

import json
from typing import Any

from logsleuth.report.model import CiResult, Report, to_json


def report_dict(r: Report, ci: CiResult | None = None) -> dict[str, Any]:
    """The report as JSON values; ``ci`` adds the verdict of ``logsleuth ci``."""
    data: dict[str, Any] = to_json(r)
    if ci is not None:
        data["ci"] = to_json(ci)
    return data


def dumps(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def render(r: Report) -> str:
    return dumps(report_dict(r))


def render_ci(r: Report, ci: CiResult) -> str:
    """``ci --format json``: the report and the verdict."""
    return dumps(report_dict(r, ci))


def render_lifetimes(r: Report) -> str:
    """``logsleuth lifetimes --format json``: the report's envelope with the lifetimes only."""
    data = report_dict(r)
    return dumps({k: data[k] for k in ("schema", "tool", "sources", "lifetimes", "omitted")})

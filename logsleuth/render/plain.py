"""Log text made safe for a terminal, without rich: the CI summary and ``watch`` need only this."""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean(text: object) -> str:
    """``text`` with its control characters shown as U+FFFD: a log line cannot drive the terminal."""
    return _CONTROL.sub("�", str(text))

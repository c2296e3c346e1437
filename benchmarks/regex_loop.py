"""The floor any Odoo log reader in Python should beat: read each line, match the Odoo header
regex (odoo-log-format.md 1.1), count records per level.

run.py times this beside logsleuth on the same file, in the same run: a tool that is slower
than one regex per line in plain Python spends its time somewhere other than reading.

    python benchmarks/regex_loop.py benchmarks/data/production-300M.log
"""

from __future__ import annotations

import re
import sys

HEADER = re.compile(
    r"(?P<ts>\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2},\d{3}) (?P<pid>\d+) (?P<level>[A-Z]+) (?P<db>\S+) "
    r"(?P<logger>[^\s:]+(?:\.[^\s:]+)*): ?(?P<msg>.*)"
)


def count(path: str) -> dict[str, int]:
    """Records per level, and lines that are not a header (continuations)."""
    levels: dict[str, int] = {}
    other = 0
    match = HEADER.match
    with open(path, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            m = match(line)
            if m:
                level = m["level"]
                levels[level] = levels.get(level, 0) + 1
            else:
                other += 1
    levels["(continuation)"] = other
    return levels


if __name__ == "__main__":
    for name, n in sorted(count(sys.argv[1]).items()):
        print(f"{name} {n}")

"""``logsleuth watch``: follow a growing log and announce each new finding as it is made.

The follower feeds the same Pipeline as ``analyze``, so a finding announced live is the finding
the final report shows. Each new finding is one line (severity, source:line, PID, title), and
optionally a JSON line in a file and a command run with the finding on its stdin.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TextIO

from logsleuth.analysis.findings import Finding
from logsleuth.analysis.patterns import Pattern
from logsleuth.analysis.pipeline import Pipeline, Scan
from logsleuth.reading.follow import IDLE, Follower
from logsleuth.reading.records import RecordParser
from logsleuth.render.plain import clean
from logsleuth.report.build import finding_title

HOOK_TIMEOUT = 30


@dataclass
class WatchOptions:
    path: str
    from_start: bool = False
    jsonl: str | None = None
    on_finding: str | None = None
    timeout: float | None = None
    poll: float = 0.25
    min_severity: str = "info"


@dataclass
class Watcher:
    options: WatchOptions
    patterns: list[Pattern]
    out: TextIO = field(default_factory=lambda: sys.stdout)
    announced: int = 0
    hook_failures: int = 0
    redactor: Any = None
    """A ``Redactor`` (``--redact``): printed lines, JSON lines and hooks are masked."""

    def run(self, on_tick: Callable[[Scan, int], None] | None = None) -> Scan:
        """Follow until the timeout or Ctrl-C; returns what was seen (for the final report)."""
        from logsleuth.report.build import SEVERITY_RANK

        pipeline = Pipeline(self.patterns)
        self._pipeline = pipeline
        follower = Follower(self.options.path, self.options.from_start, self.options.poll)
        deadline = None if self.options.timeout is None else time.monotonic() + self.options.timeout
        stopped = [False]

        def stop() -> bool:
            return stopped[0] or (deadline is not None and time.monotonic() >= deadline)

        floor = SEVERITY_RANK[self.options.min_severity]
        parser: RecordParser | None = None
        jsonl = open(self.options.jsonl, "a", encoding="utf-8") if self.options.jsonl else None
        try:
            for item in follower.lines(stop):
                if item is IDLE:
                    rec = parser.flush() if parser is not None else None
                else:
                    source, number, text = item
                    if parser is None or parser.source != source.name:
                        if parser is None:
                            pipeline.start_stream([source])
                        else:
                            pending = parser.flush()
                            if pending is not None:
                                self._handle(pipeline.feed(pending), floor, jsonl)
                            pipeline.result.sources.append(source)
                        parser = RecordParser(source.name)
                    rec = parser.feed(number, text)
                if rec is not None:
                    self._handle(pipeline.feed(rec), floor, jsonl)
                if on_tick is not None and item is IDLE:
                    on_tick(pipeline.snapshot(), self.announced)
        except KeyboardInterrupt:
            stopped[0] = True
        finally:
            if jsonl is not None:
                jsonl.close()
        if parser is not None:
            pending = parser.flush()
            if pending is not None:
                self._handle(pipeline.feed(pending), floor, jsonl=None)
        if pipeline.stream < 0:
            pipeline.start_stream([])
        return pipeline.finish()

    def _handle(self, found: list[Finding], floor: int, jsonl: TextIO | None) -> None:
        from logsleuth.report.build import SEVERITY_RANK

        for f in found:
            if f.count != 1 or SEVERITY_RANK[f.severity] < floor:
                continue
            self.announced += 1
            event = finding_event(f)
            if self.redactor is not None:
                self.redactor.add_databases(set(self._pipeline.result.databases) | {f.values.get("_db", "")})
                event = self.redactor.redact(event)
            pid = f" PID {f.first.pid}" if f.first.pid is not None else ""
            self.out.write(
                clean(f"{f.severity.upper():8} {event['source']}:{f.first.line}{pid} {event['title']}") + "\n"
            )
            self.out.flush()
            if jsonl is not None:
                jsonl.write(json.dumps(event, ensure_ascii=False) + "\n")
                jsonl.flush()
            if self.options.on_finding:
                self._run_hook(self.options.on_finding, event)

    def _run_hook(self, command: str, event: dict[str, Any]) -> None:
        env = {
            **os.environ,
            "LOGSLEUTH_SEVERITY": event["severity"],
            "LOGSLEUTH_KIND": event["kind"],
            "LOGSLEUTH_TITLE": event["title"],
            "LOGSLEUTH_SOURCE": event["source"],
            "LOGSLEUTH_LINE": str(event["line"]),
        }
        try:
            subprocess.run(
                command,
                shell=True,
                input=json.dumps(event),
                text=True,
                env=env,
                timeout=HOOK_TIMEOUT,
                stdout=subprocess.DEVNULL,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            self.hook_failures += 1
            if self.hook_failures == 1:
                sys.stderr.write(f"logsleuth: warning: --on-finding command failed: {exc}\n")


def finding_event(f: Finding) -> dict[str, Any]:
    """One finding as a JSON line: what a chat or alerting hook needs."""
    exc = None
    if f.exception is not None:
        exc = {"type": f.exception.type, "message": f.exception.message.split("\n", 1)[0]}
    return {
        "time": f.first.timestamp,
        "source": f.first.source,
        "line": f.first.line,
        "pid": f.first.pid,
        "severity": f.severity,
        "kind": f.pattern.id,
        "category": f.pattern.category,
        "title": finding_title(f),
        "module": f.module,
        "exception": exc,
        "in_shutdown_window": f.first.in_shutdown,
    }

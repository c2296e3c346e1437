"""JUnit XML for GitLab, Jenkins and GitHub test reporters, written with a real XML library.

One ``testsuite`` per Odoo module with its test cases, a ``odoo.log`` suite for log records
that fail the gate, and a ``test-run`` case when the run crashed before its end. Failures known
only from a summary line are ``unnamed failure N of M`` cases, so the counts match the console.
``time`` (seconds) comes from ``odoo.tests.stats`` or the test's own records; ``timestamp`` is
when the suite's first test started (the log's time, UTC as Odoo writes it). Only the
elements and attributes of the strictest common schema (Jenkins' junit-10) are used, so the
test's ``file:line`` goes first in the failure text. Text from the log is stripped of characters
XML 1.0 cannot carry; ElementTree escapes the rest.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from logsleuth.report.model import NO_END, CiResult, Report

_NOT_XML = re.compile("[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def x(text: object) -> str:
    return _NOT_XML.sub("\ufffd", str(text))


def render(report: Report, ci: CiResult) -> str:
    root = ET.Element("testsuites", name="logsleuth")
    suites: dict[str, ET.Element] = {}
    counts: dict[str, dict[str, int]] = {}

    def suite(name: str) -> ET.Element:
        if name not in suites:
            suites[name] = ET.SubElement(root, "testsuite", name=x(name))
            counts[name] = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        return suites[name]

    tests = report.tests
    times: dict[str, float] = {}
    starts: dict[str, str] = {}
    if tests is not None:
        for case in tests.run:
            module = case.module or "odoo"
            cls, _, method = case.name.rpartition(".")
            if case.unnamed:
                cls, method = "", case.name
            el = ET.SubElement(
                suite(module),
                "testcase",
                classname=x(f"odoo.addons.{module}.{cls}" if cls else module),
                name=x(method or case.name),
            )
            if case.seconds is not None:
                el.set("time", f"{case.seconds:.3f}")
                times[module] = times.get(module, 0.0) + case.seconds
            if case.started is not None and module not in starts:
                starts[module] = case.started
            counts[module]["tests"] += 1
            if case.status in ("fail", "error"):
                tag = "failure" if case.status == "fail" else "error"
                counts[module]["failures" if tag == "failure" else "errors"] += 1
                first = case.message.splitlines()[0] if case.message else case.status
                child = ET.SubElement(el, tag, message=x(first[:500]), type=x(first.split(":", 1)[0][:100]))
                where = f"{case.file}:{case.file_line}\n" if case.file else ""
                child.text = x(f"{where}log {case.source}:{case.line}\n{case.traceback or case.message}")
            elif case.status == "skip":
                counts[module]["skipped"] += 1
                ET.SubElement(el, "skipped", message=x(case.message[:500]))
        if tests.crashed:
            el = ET.SubElement(suite("test-run"), "testcase", classname="logsleuth", name="test run finished")
            counts["test-run"]["tests"] += 1
            counts["test-run"]["errors"] += 1
            ET.SubElement(el, "error", message=NO_END, type="crash")
        times.update(tests.suite_seconds)
    for rec in ci.failing:
        el = ET.SubElement(suite("odoo.log"), "testcase", classname=x(rec.logger), name=x(f"{rec.source}:{rec.line}"))
        counts["odoo.log"]["tests"] += 1
        counts["odoo.log"]["errors"] += 1
        err = ET.SubElement(el, "error", message=x(rec.message[:500]), type=x(rec.level))
        err.text = x(f"{rec.source}:{rec.line} {rec.level} {rec.logger}: {rec.message}")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for name, el in suites.items():
        for key, value in counts[name].items():
            el.set(key, str(value))
            totals[key] += value
        if name in times:
            el.set("time", f"{times[name]:.3f}")
        if name in starts:
            el.set("timestamp", starts[name])
    for key in ("tests", "failures", "errors"):
        root.set(key, str(totals[key]))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"

"""The JSON Schema shipped in the package (``logsleuth schema``) holds for every report of the
corpus, for the contract's own schema, and for ``ci --format json``."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from contract import SCHEMA as CONTRACT
from helpers import CORPUS_GENERATED, CORPUS_REAL, ROOT, SAMPLES, run_cli

LOGS = (
    sorted((ROOT / "tests" / "corpus" / "real").glob("*.log"))
    + sorted(CORPUS_REAL.glob("*.log"))
    + sorted(CORPUS_GENERATED.glob("*.log"))
    + sorted(SAMPLES.glob("*.log"))
)


@pytest.fixture(scope="module")
def schema() -> dict:
    from logsleuth.cli.app import main

    with pytest.raises(SystemExit), _captured() as out:
        main(["schema"])
    data = json.loads(out.getvalue())
    jsonschema.Draft202012Validator.check_schema(data)
    return data


class _captured:
    """stdout of an in-process run, for a module-scoped fixture (capsys is per test)."""

    def __enter__(self):
        import io
        import sys

        self.saved, sys.stdout = sys.stdout, io.StringIO()
        return sys.stdout

    def __exit__(self, *exc):
        import sys

        sys.stdout = self.saved
        return False


def test_the_corpus_is_there():
    assert len(LOGS) > 60 or not CORPUS_REAL.is_dir()


@pytest.mark.parametrize("path", LOGS, ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_every_corpus_report_holds_the_shipped_schema(path: Path, schema: dict, capsys):
    code, out, err = run_cli(["analyze", str(path), "-f", "json"], capsys)
    data = json.loads(out)
    jsonschema.validate(data, schema)
    jsonschema.validate(data, CONTRACT)


def test_the_schema_is_strict(schema: dict, capsys):
    """A field the model does not declare, or a value outside an enum, is refused."""
    code, out, _ = run_cli(["analyze", str(SAMPLES / "seed_ai_brain_odoo18.log"), "-f", "json"], capsys)
    data = json.loads(out)
    jsonschema.validate(data, schema)
    for broken in (
        {**data, "extra": 1},
        {**data, "findings": [{**data["findings"][0], "severity": "urgent"}]},
        {**data, "lifetimes": [{**data["lifetimes"][0], "end_reason": "vanished"}]},
    ):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(broken, schema)


def test_ci_json_holds_the_schema(schema: dict, capsys):
    code, out, _ = run_cli(["ci", str(SAMPLES / "seed_ai_brain_odoo18.log"), "-f", "json"], capsys)
    data = json.loads(out)
    assert set(data["ci"]) == {"failed", "reasons", "fail_on", "failing_records", "ignored_records"}
    jsonschema.validate(data, schema)


def test_renderers_see_only_the_report_model():
    """A renderer imports the model and other render modules, never the analysis that built it."""
    import ast

    for path in sorted((ROOT / "logsleuth" / "render").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = (
                [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else []
            )
            for name in names:
                if name.startswith("logsleuth"):
                    assert name == "logsleuth.report.model" or name.startswith("logsleuth.render"), (
                        f"{path.name} imports {name}"
                    )


def test_the_model_is_frozen(capsys):
    import dataclasses

    from logsleuth.analysis.patterns import load_patterns
    from logsleuth.analysis.pipeline import scan
    from logsleuth.report.build import build_report

    report = build_report(scan([str(SAMPLES / "seed_ai_brain_odoo18.log")], load_patterns()))
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.verdict = "changed"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.findings[0].id = "F9"  # type: ignore[misc]


def test_the_shipped_schema_is_the_model_s(schema: dict):
    """The file in the package (what ``logsleuth schema`` prints) is the one the model generates."""
    from logsleuth.report.model import json_schema

    assert schema == json.loads(json.dumps(json_schema())), (
        "logsleuth/report/report.schema.json is stale: regenerate it with "
        "python -c 'from logsleuth.render.json import dumps; from logsleuth.report.model import json_schema; "
        'print(dumps(json_schema()), end="")\' > logsleuth/report/report.schema.json'
    )

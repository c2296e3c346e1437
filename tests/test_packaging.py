"""The installed package carries the knowledge base: patterns/ ships inside it."""

from __future__ import annotations

from pathlib import Path

from helpers import ROOT
from logsleuth.analysis.patterns import builtin_dir, load_patterns


def test_every_repository_pattern_is_loaded():
    shipped = {p.name for p in builtin_dir().glob("*.toml")}
    in_repo = {p.name for p in (ROOT / "patterns").glob("*.toml")}
    assert shipped == in_repo
    assert len(load_patterns()) == len(in_repo) >= 30


LAYERS = ["errors", "_core", "reading", "analysis", "report", "render", "cli", "__main__"]
"""The pipeline's folders in order: a module imports only from its own layer or the ones before."""


def test_no_import_runs_back_up_the_pipeline():
    import ast

    package = Path(__file__).resolve().parents[1] / "logsleuth"

    def layer(module: str) -> int:
        parts = module.split(".")
        return LAYERS.index(parts[1]) if len(parts) > 1 and parts[1] in LAYERS else -1

    upward = []
    for path in package.rglob("*.py"):
        me = layer("logsleuth." + ".".join(path.relative_to(package).with_suffix("").parts))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("logsleuth."):
                targets = [node.module]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names if a.name.startswith("logsleuth.")]
            else:
                continue
            upward += [f"{path.name}:{node.lineno} -> {t}" for t in targets if layer(t) > me]
    assert upward == []

"""The installed package carries the knowledge base: patterns/ ships inside it."""

from __future__ import annotations

from helpers import ROOT
from logsleuth.patterns import builtin_dir, load_patterns


def test_every_repository_pattern_is_loaded():
    shipped = {p.name for p in builtin_dir().glob("*.toml")}
    in_repo = {p.name for p in (ROOT / "patterns").glob("*.toml")}
    assert shipped == in_repo
    assert len(load_patterns()) == len(in_repo) >= 30

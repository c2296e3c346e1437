"""Renderers: one module per output format, each a ``render(report) -> str`` function.

Escaping for the target format lives in its renderer and nowhere else.
"""

from __future__ import annotations

from collections.abc import Callable

from logsleuth.report.model import Report

Renderer = Callable[[Report], str]


def get_renderer(name: str) -> Renderer:
    if name == "json":
        from logsleuth.render.json import render
    elif name == "markdown":
        from logsleuth.render.markdown import render
    elif name == "text":
        from logsleuth.render.text import render
    elif name == "html":
        from logsleuth.render.html import render
    else:
        raise KeyError(name)
    return render

"""A self-contained HTML page for tickets: inline CSS, an inline SVG timeline, no script, no
network fetch. Every piece of log text goes through ``html.escape``; collapsible parts use
``<details>`` so the page works (and prints) without JavaScript."""

from __future__ import annotations

from html import escape

from logsleuth.render.plan import LIFETIME_COLUMNS, plan
from logsleuth.report.model import Report

CSS = """
:root { --fg:#1f2328; --muted:#59636e; --line:#d1d9e0; --bg:#fff; --soft:#f6f8fa; --crit:#b42318; --high:#d1242f;
        --med:#9a6700; --low:#0969da; --ok:#1a7f37; --window:#fff1c2; }
* { box-sizing: border-box; }
body { font: 14px/1.5 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: var(--fg); background: var(--bg);
       max-width: 1180px; margin: 24px auto; padding: 0 20px; }
h1 { font-size: 24px; margin: 0 0 4px; } h2 { font-size: 18px; border-bottom: 1px solid var(--line); padding-bottom: 4px; margin-top: 28px; }
h3 { font-size: 15px; margin: 18px 0 6px; }
.meta { color: var(--muted); margin-bottom: 16px; }
.verdict { border-left: 4px solid var(--crit); background: var(--soft); padding: 10px 14px; font-size: 15px; }
.verdict.ok { border-color: var(--ok); }
table { border-collapse: collapse; width: 100%; margin: 8px 0; font-size: 13px; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: var(--soft); }
code, pre { font: 12px/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
pre { background: var(--soft); border: 1px solid var(--line); padding: 8px 10px; overflow-x: auto; white-space: pre-wrap;
      word-break: break-word; }
.sev { font-weight: 600; padding: 0 6px; border-radius: 4px; color: #fff; white-space: nowrap; }
.sev-critical { background: var(--crit); } .sev-high { background: var(--high); } .sev-medium { background: var(--med); }
.sev-low { background: var(--low); } .sev-info { background: var(--muted); }
.note { margin: 6px 0; } .note b { text-transform: uppercase; font-size: 11px; color: var(--muted); margin-right: 6px; }
.note.contradiction { border-left: 4px solid var(--high); padding-left: 8px; }
.cascade { list-style: none; padding: 0; } .cascade li { margin: 0 0 2px; } .cascade li::before { content: "↓"; color: var(--muted); display: inline-block; width: 1.2em; }
.cascade li:first-child::before { content: ""; } .cascade .step { display: inline-block; min-width: 92px; color: var(--muted); }
.timeline { width: 100%; height: auto; border: 1px solid var(--line); background: #fff; }
.timeline text { font: 11px sans-serif; fill: var(--fg); }
.lifetime-bar { fill: #8fb8ed; } .lifetime-bar.crash { fill: #f0a8a8; } .lifetime-bar.forced { fill: #f5c28a; } .lifetime-bar.unknown { fill: #c9ccd1; } .shutdown-window { fill: var(--window); stroke: var(--med); stroke-width: .5; }
.failure-marker { fill: var(--crit); } .legend span { margin-right: 14px; }
.swatch { display: inline-block; width: 12px; height: 10px; margin-right: 4px; vertical-align: middle; }
details { margin: 6px 0; } summary { cursor: pointer; color: var(--low); }
@media print { body { margin: 0; max-width: none; } details { display: block; } details > * { display: block; }
  summary { display: none; } h2 { break-after: avoid; } pre, table, svg { break-inside: avoid; } }
"""


END_COLOURS = {"crash": "#f0a8a8", "forced": "#f5c28a", "unknown": "#c9ccd1"}
END_LABELS = {"crash": "ended by a crash", "forced": "forced to stop", "unknown": "ended, the log does not show why"}


def e(text: object) -> str:
    return escape(str(text), quote=True)


def _compressed_axis(points: list[float], x0: float, x1: float):
    """A time axis on which every interval between two events gets room in proportion to the
    log of its length: a 20-minute lifetime and a 4-second one are both visible."""
    import itertools
    import math

    marks = sorted(set(points))
    if len(marks) < 2:
        return lambda v: (x0 + x1) / 2
    widths = [0.4 + math.log1p(b - a) for a, b in itertools.pairwise(marks)]
    scale = (x1 - x0) / sum(widths)
    edges = [x0]
    for w in widths:
        edges.append(edges[-1] + w * scale)

    def x(v: float) -> float:
        if v <= marks[0]:
            return x0
        for i in range(len(marks) - 1):
            a, b = marks[i], marks[i + 1]
            if v <= b:
                return edges[i] + (edges[i + 1] - edges[i]) * ((v - a) / (b - a))
        return x1

    return x


def _timeline(r: Report) -> str:
    """Each lifetime a bar on a time axis (line axis when timestamps are missing), its shutdown
    window shaded, each finding occurrence a red mark."""
    lts = r.lifetimes
    if not lts:
        return "<p>No process lifetime in this log.</p>"

    def pos(epoch: float | None, line: int) -> float:  # position on the axis: seconds, or line numbers as a fallback
        return epoch if by_time and epoch is not None else float(line)

    by_time = all(lt.start_epoch is not None and lt.end_epoch is not None for lt in lts)
    starts = [pos(lt.start_epoch, lt.start_line) for lt in lts]
    ends = [pos(lt.end_epoch, lt.end_line) for lt in lts]
    width, left, right, row = 1000, 170, 20, 26
    height = 40 + row * len(lts)
    x = _compressed_axis(
        starts + ends + [pos(lt.shutdown_epoch, lt.shutdown_line or 0) for lt in lts if lt.shutdown_line],
        left,
        width - right,
    )

    out = [
        f'<svg class="timeline" viewBox="0 0 {width} {height}" role="img" aria-label="Process lifetimes on a time axis">'
    ]
    marks_by_lt: dict[int, list] = {}
    windows = failures = False
    for f in r.findings:
        if f.severity in ("info", "low"):
            continue
        for o in f.spans[:200]:
            if o.lifetime is not None:
                marks_by_lt.setdefault(o.lifetime, []).append((o, f))
    for i, lt in enumerate(lts):
        y = 20 + i * row
        x0, x1 = x(starts[i]), x(ends[i])
        label = f"#{lt.index} PID {lt.pid}"
        out.append(f'<text x="4" y="{y + 13}">{e(label)}</text>')
        cls = f"lifetime-bar {lt.end_reason}" if lt.end_reason in END_COLOURS else "lifetime-bar"
        tip = f"lifetime {lt.index}, PID {lt.pid}: lines {lt.start_line}-{lt.end_line}, {lt.start_logged} → {lt.end_logged}, {lt.end_reason}"
        out.append(
            f'<rect class="{cls}" data-lifetime="{lt.index}" x="{x0:.1f}" y="{y}" width="{max(x1 - x0, 3):.1f}" height="16" rx="2">'
            f"<title>{e(tip)}</title></rect>"
        )
        if lt.shutdown_line is not None and not lt.early_marker:
            windows = True
            sx = x(pos(lt.shutdown_epoch, lt.shutdown_line))
            out.append(
                f'<rect class="shutdown-window" x="{sx:.1f}" y="{y}" width="{max(x1 - sx, 3):.1f}" height="16">'
                f"<title>{e(f'shutdown window from line {lt.shutdown_line}: {lt.shutdown_marker}')}</title></rect>"
            )
        for o, f in marks_by_lt.get(lt.index, [])[:200]:
            failures = True
            mx = x(pos(o.epoch, o.line))
            out.append(
                f'<circle class="failure-marker" data-finding="{e(f.id)}" cx="{mx:.1f}" cy="{y + 8}" r="4">'
                f"<title>{e(f'{f.id} line {o.line}: {f.title}')}</title></circle>"
            )
    axis = "time, gaps compressed" if by_time else "line number, gaps compressed"
    first = lts[0].start_logged if by_time else lts[0].start_line
    last = max(lts, key=lambda lt: lt.end_line).end_logged if by_time else max(lt.end_line for lt in lts)
    out.append(f'<text x="{left}" y="{height - 6}">{e(first)}</text>')
    out.append(f'<text x="{width - right}" y="{height - 6}" text-anchor="end">{e(last)} ({axis})</text>')
    out.append("</svg>")
    # the legend names only what this timeline shows
    legend = ['<span><i class="swatch" style="background:#8fb8ed"></i>lifetime</span>']
    for reason in sorted({lt.end_reason for lt in lts} & END_COLOURS.keys()):
        legend.append(
            f'<span><i class="swatch" style="background:{END_COLOURS[reason]}"></i>{e(END_LABELS[reason])}</span>'
        )
    if windows:
        legend.append(
            '<span><i class="swatch" style="background:#fff1c2;border:1px solid #9a6700"></i>shutdown window</span>'
        )
    if failures:
        legend.append('<span><i class="swatch" style="background:#b42318;border-radius:6px"></i>failure</span>')
    out.append('<p class="legend">' + "".join(legend) + "</p>")
    return "".join(out)


def render(r: Report) -> str:
    p = plan(r)
    h: list[str] = []
    add = h.append
    add('<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">')
    add('<meta name="viewport" content="width=device-width, initial-scale=1">')
    add(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">"
    )
    add(f"<title>logsleuth report — {e(', '.join(s.path for s in r.sources))}</title><style>{CSS}</style></head><body>")
    add("<h1>logsleuth report</h1>")
    src = ", ".join(f"<code>{e(s.path)}</code> ({s.lines} lines)" for s in r.sources)
    s = r.summary
    add(
        f'<div class="meta">{src} · logsleuth {e(r.tool.version)} · {s.lifetimes} lifetimes · {s.errors} errors · '
        f"{s.criticals} critical · {s.tracebacks} tracebacks · {e(s.first_timestamp)} → {e(s.last_timestamp)}</div>"
    )
    ok = not r.root_causes or r.top_severity in ("info", "low")
    add(f'<h2>Verdict</h2><div class="verdict{" ok" if ok else ""}">{e(r.verdict)}</div>')
    add("<h2>Timeline</h2>" + _timeline(r))
    if r.lifetimes:
        add("<table><tr>" + "".join(f"<th>{e(c)}</th>" for c in LIFETIME_COLUMNS) + "</tr>")
        for row in p.lifetime_rows:
            add("<tr>" + "".join(f"<td>{e(cell)}</td>" for cell in row) + "</tr>")
        add("</table>")
    if r.cascade:
        add('<h2>Failure cascade</h2><ol class="cascade">')
        for step in r.cascade:
            where = f"line {step.line}: " if step.line else ""
            add(f'<li><span class="step">{e(step.step)}</span> {e(where)}<code>{e(step.detail)}</code></li>')
        add("</ol>")
    if r.root_causes:
        add(
            "<h2>Root causes</h2><table><tr><th>#</th><th>root cause</th><th>severity</th><th>category</th><th>impact</th>"
            "<th>confidence</th><th>evidence (lines)</th></tr>"
        )
        for rc, ev in p.causes:
            add(
                f'<tr><td>{rc.rank}</td><td>{e(rc.title)}</td><td><span class="sev sev-{e(rc.severity)}">{e(rc.severity)}</span></td>'
                f'<td>{e(rc.category)}</td><td>{e(rc.impact)}</td><td title="{e(rc.confidence_reason)}">{e(rc.confidence)}</td>'
                f"<td>{e(ev)}</td></tr>"
            )
        add("</table>")
    if p.proofs:
        add("<h2>Smoking guns</h2>")
        for proof in p.proofs:
            f = proof.finding
            pid = f" (PID {f.pid})" if f.pid else ""
            also = f" (also {', '.join(proof.also)})" if proof.also else ""
            add(f"<h3>{e(f.id)}{e(also)} · {e(f.title)} — line {f.line}{e(pid)}</h3>")
            lines = [f"{f.line}: {f.sample[0]}", *(f"… {x}" for x in (proof.exception, proof.again) if x)]
            add(f"<pre>{e(chr(10).join(lines))}</pre>")
            if len(f.sample) > 1:
                add(
                    f"<details><summary>Full record ({len(f.sample)} lines)</summary><pre>{e(chr(10).join(f.sample))}</pre></details>"
                )
    if r.notes:
        add("<h2>What the lines show</h2>")
        for n in r.notes:
            add(f'<div class="note {e(n.kind)}"><b>{e(n.kind)}</b>{e(n.text)}</div>')
    if p.requests:
        add(
            "<h2>Requests served inside a shutdown window</h2><table><tr><th>lifetime</th><th>PID</th><th>line</th><th>request</th><th>status</th></tr>"
        )
        for q in p.requests:
            add(
                f"<tr><td>{q.lifetime}</td><td>{q.request_pid}</td><td>{q.line}</td><td><code>{e(q.method + ' ' + q.path)}</code></td><td>{q.status}</td></tr>"
            )
        add("</table>")
    if r.root_causes:
        add("<h2>Fixes, in priority order</h2>")
        for rc in r.root_causes:
            add(f"<h3>{rc.rank}. {e(rc.title)}</h3><p>{e(rc.fix)}</p>")
            if rc.code:
                add(f"<pre>{e(rc.code)}</pre>")
        add("<h2>Verification</h2><ul>" + "".join(f"<li><code>{e(v)}</code></li>" for v in p.verification) + "</ul>")
    if r.tests is not None:
        t = r.tests
        add(
            f"<h2>Tests</h2><p>{t.total} tests: {t.passed} passed, {t.failed} failed, {t.errors} errors, {t.skipped} skipped"
            + (" — <b>no end: the run crashed or was cut off</b>" if t.crashed else "")
            + "</p>"
        )
        for c in t.failing:
            where = f" — {c.file}:{c.file_line}" if c.file else ""
            add(
                f"<details><summary>{e(c.status.upper())} {e(c.name)} (line {c.line}){e(where)}</summary><pre>{e(c.traceback or c.message)}</pre></details>"
            )
    add("</body></html>\n")
    return "\n".join(h)

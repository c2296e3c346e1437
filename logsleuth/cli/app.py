"""The command line: parse options, run the pipeline, pick a renderer, map errors to exit codes.

No analysis happens here. Every user error leaves as one line on stderr
(``logsleuth: error: <what> (<path>)``) with exit code 2; Ctrl-C exits 130; ``--debug`` shows
the Python traceback instead.

Annotations here are evaluated where they stand (no ``from __future__ import annotations``):
typer reads every command's parameters at each start, and strings it would compile and evaluate
one by one (2.5 ms). The types the commands load lazily are quoted.
"""

import functools
import gc
import os
import sys
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from logsleuth import __version__
from logsleuth.cli.output import WRITE_ERRNOS, refuse_inputs_as_outputs, stdout_error, write_output, write_stdout
from logsleuth.errors import (
    EXIT_FINDINGS,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_TERMINATED,
    EXIT_USAGE,
    LogsleuthError,
    UsageError,
)

if TYPE_CHECKING:  # the analysis modules load with the command that needs them: --version starts fast
    from rich.console import Console

    from logsleuth.analysis.gate import Gate
    from logsleuth.analysis.pipeline import Scan
    from logsleuth.report.redact import Redactor

app = typer.Typer(
    add_completion=True,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Find what really went wrong in an Odoo server log, and prove it.",
    context_settings={"help_option_names": ["-h", "--help"]},
)


class Format(str, Enum):
    text = "text"
    markdown = "markdown"
    json = "json"
    html = "html"


class LifetimeFormat(str, Enum):
    table = "table"
    json = "json"


class FailOn(str, Enum):
    none = "none"
    info = "info"
    low = "low"
    medium = "medium"
    high = "high"
    critical = "critical"


class CiFormat(str, Enum):
    text = "text"
    json = "json"


class Annotations(str, Enum):
    github = "github"
    gitlab = "gitlab"
    none = "none"


def _version(value: bool) -> None:
    if value:
        typer.echo(f"logsleuth {__version__}")
        raise typer.Exit(EXIT_OK)


class _Run:
    """What the root options said for this run: ``--debug`` is read by the error handling
    around the command (``guarded``, ``main``), which runs outside the command's own context."""

    debug = False
    verdict = EXIT_OK
    """The exit code a command decided before writing its report: a reader that closes the pipe
    early (``| head``) ends the output, not the verdict (a failing ``ci`` must not pass)."""


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", "-V", callback=_version, is_eager=True, help="Show the version and exit."
    ),
    debug: bool = typer.Option(False, "--debug", help="Show Python tracebacks for errors (for bug reports)."),
) -> None:
    """logsleuth reads plain, .gz, .bz2 and .xz logs, stdin (-) and rotated sets."""
    _Run.debug = debug


FILES = typer.Argument(
    ..., metavar="FILE", help="Log files (plain, .gz, .bz2, .xz), '-' for stdin; a rotated set is read oldest first."
)
PATTERNS = typer.Option(
    None, "--patterns", metavar="DIR", help="A directory of extra pattern files (*.toml); repeatable."
)
OUTPUT = typer.Option(
    None, "--output", "-o", metavar="FILE", help="Write the report to this file (atomically) instead of stdout."
)
SINCE = typer.Option(
    None,
    "--since",
    metavar="WHEN",
    help="Start of the window: '2025-10-18 03:20', '03:20' (on the log's date), 'yesterday 14:00', '2h ago', ISO 8601 (UTC, like Odoo).",
)
UNTIL = typer.Option(None, "--until", metavar="WHEN", help="End of the window (same forms as --since).")
DB = typer.Option(None, "--db", metavar="NAME", help="Only records of this database.")
PID = typer.Option(
    None,
    "--pid",
    metavar="PID",
    min=0,
    help="Only records of this process (a master PID includes its workers' lifetime).",
)
LIFETIME = typer.Option(
    None, "--lifetime", metavar="K", min=1, help="Only lifetime K (its index in the lifetimes table)."
)
LEVEL = typer.Option(
    None,
    "--level",
    metavar="LEVEL",
    help="Only records at this level or above (DEBUG, INFO, WARNING, ERROR, CRITICAL).",
)
JOBS = typer.Option(
    "1",
    "--jobs",
    "-j",
    metavar="N|auto",
    help="Use several cores (several files in parallel; one file is read on a second core): a number, or 'auto'.",
)
REDACT = typer.Option(
    False, "--redact", help="Mask secrets, e-mails, IPs, database and user names (consistent pseudonyms)."
)
NOTHING_TO_REDACT = typer.Option(
    False, "--redact", help="Accepted like on every command; this output holds no log text, so nothing needs masking."
)


def _redactor(result: "Scan", redactor: "Redactor | None" = None) -> "Redactor":
    """A redactor that also masks the database names of the scan."""
    from logsleuth.report.redact import Redactor

    names = set(result.databases)
    names.update(f.values.get("db", "") for f in result.engine.findings.values())
    redactor = redactor if redactor is not None else Redactor(names)
    redactor.add_databases(names)
    return redactor


def _check(files: list[str], *outputs: Path | None) -> None:
    """Every input readable, and no output (nor stdout) one of the inputs: before reading."""
    from logsleuth.reading.sources import check_path

    if files.count("-") > 1:
        raise UsageError("stdin (-) can be read only once")
    for f in files:
        check_path(f)
    if "-" in files:
        try:
            os.fstat(0)
        except OSError:
            raise UsageError("stdin is closed, nothing to read (-)") from None
    refuse_inputs_as_outputs(files, outputs)


PROGRESS_MIN_BYTES = 50 * 1000 * 1000
"""Inputs at least this large get a progress bar (on stderr, and only when it is a terminal)."""


def _progress(
    files: list[str], minimum: int = PROGRESS_MIN_BYTES
) -> tuple[Callable[[int], None] | None, Callable[[], None]]:
    """A progress bar with an ETA on stderr for long inputs, only when stderr is a terminal; once
    reading ends it says what is still being done, so there is no silent pause."""
    if not sys.stderr.isatty():
        return None, lambda: None
    total = sum(os.path.getsize(f) for f in files if f != "-" and os.path.isfile(f))
    if total < minimum:
        return None, lambda: None
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        SpinnerColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    progress = Progress(
        SpinnerColumn(),
        "[progress.description]{task.description}",
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        "ETA",
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    task = progress.add_task("reading", total=total)
    progress.start()

    def update(done: int) -> None:
        """Bytes read so far; -1 once reading is over (then the bar says what is left to do)."""
        if done < 0:
            progress.update(task, completed=total, description="read; correlating")
        else:
            progress.update(task, completed=min(done, total))

    return update, progress.stop


def _focus(
    files: list[str],
    since: str | None,
    until: str | None,
    db: str | None,
    pid: int | None,
    lifetime: int | None,
    level: str | None,
) -> dict[str, Any]:
    """Window and selection from the options (a bare time of day is on the log's first date)."""
    from logsleuth.reading.window import Selection, Window, first_timestamp, parse_when

    reference = first_timestamp(files[0]) if (since or until) and files else None
    window = Window(
        parse_when(since, reference) if since is not None else None,
        parse_when(until, reference) if until is not None else None,
    )
    if window.since and window.until and window.since > window.until:
        raise UsageError("--since is after --until")
    return {"window": window, "selection": Selection(db, pid, lifetime, level)}


def _collecting() -> None:
    """The work starts: the collection ``logsleuth.cli.main`` turned off for start-up resumes, so
    a long read (and --jobs' workers) collects as usual; what start-up built is frozen first, as
    it lives until exit. Where the collector was on (a caller's process), nothing changes."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()


def _scan(
    files: list[str],
    patterns_dirs: list[str] | None,
    with_patterns: bool = True,
    jobs: str = "1",
    gate: "Gate | None" = None,
    **kwargs: object,
) -> "Scan":
    """Read and analyse ``files`` (the caller has run ``_check`` on them and its outputs)."""
    from logsleuth.analysis.patterns import load_patterns
    from logsleuth.analysis.pipeline import scan

    warnings: list[str] = []
    patterns = load_patterns(patterns_dirs, warnings) if with_patterns else []
    for w in warnings:
        typer.echo(f"logsleuth: warning: pattern skipped: {w}", err=True)
    _collecting()
    if jobs != "1":  # the default needs none of parallel's machinery (its gate alone costs 3 ms)
        from logsleuth.analysis.parallel import resolve_jobs, scan_streams

        workers = resolve_jobs(jobs)
        if workers > 1:
            return scan_streams(files, patterns, workers, gate, **kwargs)
    update, stop = _progress(files)
    try:
        return scan(files, patterns, progress=update, stages=[gate] if gate else None, **kwargs)  # type: ignore[arg-type]
    finally:
        stop()


def _columns() -> int:
    """The width of a report written to a file: ``COLUMNS``, else 80."""
    columns = os.environ.get("COLUMNS", "")
    return int(columns) if columns.isdigit() and int(columns) > 0 else 80


def _console() -> "Console":
    """stdout as rich sees it: the terminal's width (``COLUMNS`` when piped, else 80), colour on a
    terminal or with ``FORCE_COLOR``, none with ``NO_COLOR``; log text is never read as markup."""
    from rich.console import Console

    class Stdout(Console):
        def on_broken_pipe(self) -> None:
            """rich exits with 1 when the reader closes the pipe; here that is no error (``| head``):
            ``guarded`` ends the command quietly with 0, as for every other format."""
            self.quiet = True
            raise BrokenPipeError

    return Stdout(markup=False, highlight=False, emoji=False)


def _emit(text: str, output: Path | None) -> None:
    if output is not None:
        write_output(output, text)
    else:
        write_stdout(text)


def _damage_warnings(result: "Scan") -> None:
    for src in result.sources:
        if src.damage:
            typer.echo(f"logsleuth: warning: {src.damage} ({src.name})", err=True)


def guarded(command: Callable[..., None]) -> Callable[..., None]:
    """Ctrl-C exits 130 and a closed pipe (``| head``) ends quietly, without a traceback."""

    @functools.wraps(command)
    def run(*args: object, **kwargs: object) -> None:
        try:
            command(*args, **kwargs)
        except KeyboardInterrupt as exc:
            from logsleuth.analysis.workers import Terminated, end_workers

            end_workers()
            if _Run.debug:
                raise
            if isinstance(exc, Terminated):
                sys.stderr.write("logsleuth: terminated\n")
                raise typer.Exit(EXIT_TERMINATED) from None
            sys.stderr.write("logsleuth: interrupted\n")
            raise typer.Exit(EXIT_INTERRUPTED) from None
        except BrokenPipeError:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            raise typer.Exit(_Run.verdict) from None

    return run


@app.command()
@guarded
def analyze(
    files: list[str] = FILES,
    fmt: Format = typer.Option(
        Format.text, "--format", "-f", help="text (terminal), markdown or html (tickets), json (the contract)."
    ),
    output: Path | None = OUTPUT,
    patterns: list[str] | None = PATTERNS,
    fail_on: FailOn = typer.Option(
        FailOn.none, "--fail-on", help="Exit 1 when a finding is at or above this severity."
    ),
    redact: bool = REDACT,
    since: str | None = SINCE,
    until: str | None = UNTIL,
    db: str | None = DB,
    pid: int | None = PID,
    lifetime: int | None = LIFETIME,
    level: str | None = LEVEL,
    jobs: str = JOBS,
    verbose: bool = typer.Option(
        False, "--verbose", "-v", help="Text: the full lifetimes table even when there are many."
    ),
) -> None:
    """The forensic report: lifetimes, failures, root causes with evidence, fixes, verification."""
    from logsleuth.report.build import build_report
    from logsleuth.report.model import SEVERITY_RANK

    _check(files, output)
    result = _scan(files, patterns, jobs=jobs, **_focus(files, since, until, db, pid, lifetime, level))
    _damage_warnings(result)
    report = build_report(result)
    if redact:
        report = _redactor(result).redact(report)
    if fmt in (Format.markdown, Format.html):
        from logsleuth.report.redact import scrub_controls  # its rules cost every other format 5 ms

        report = scrub_controls(report)
    failing = (
        fail_on is not FailOn.none
        and report.top_severity is not None
        and SEVERITY_RANK[report.top_severity] >= SEVERITY_RANK[fail_on.value]
    )
    _Run.verdict = EXIT_FINDINGS if failing else EXIT_OK
    if fmt is Format.text:
        import shlex

        from logsleuth.render.text import print_report, render

        hint = "logsleuth lifetimes " + " ".join(shlex.quote(f) for f in files) + "   # or: analyze --verbose"
        if output is None:  # the terminal's width; COLUMNS when piped; NO_COLOR and FORCE_COLOR honoured
            print_report(_console(), report, verbose, hint)
        else:
            _emit(render(report, verbose=verbose), output)
    else:
        from logsleuth.render import get_renderer

        _emit(get_renderer(fmt.value)(report), output)
    raise typer.Exit(_Run.verdict)


@app.command()
@guarded
def lifetimes(
    files: list[str] = FILES,
    fmt: LifetimeFormat = typer.Option(LifetimeFormat.table, "--format", "-f", help="table or json."),
    output: Path | None = OUTPUT,
    redact: bool = REDACT,
    since: str | None = SINCE,
    until: str | None = UNTIL,
    db: str | None = DB,
    pid: int | None = PID,
    lifetime: int | None = LIFETIME,
    level: str | None = LEVEL,
    jobs: str = JOBS,
) -> None:
    """The process lifetimes of the log: PIDs, workers, start, end, shutdown and how each ended."""
    from logsleuth.report.build import build_report

    _check(files, output)
    result = _scan(files, None, with_patterns=False, jobs=jobs, **_focus(files, since, until, db, pid, lifetime, level))
    _damage_warnings(result)
    report = build_report(result)
    if redact:
        report = _redactor(result).redact(report)
    if fmt is LifetimeFormat.json:
        from logsleuth.render.json import render_lifetimes

        _emit(render_lifetimes(report), output)
        return
    from rich.console import Console

    from logsleuth.render.text import lifetime_table

    title = f"{len(report.lifetimes)} process lifetime(s)"
    if output is None:
        _console().print(lifetime_table(report.lifetimes, _console().width, title))
        return
    console = Console(width=_columns(), no_color=True, markup=False, highlight=False)
    with console.capture() as cap:
        console.print(lifetime_table(report.lifetimes, console.width, title))
    _emit(cap.get(), output)


@app.command()
@guarded
def ci(
    files: list[str] = FILES,
    junit: Path | None = typer.Option(None, "--junit", metavar="FILE", help="Write JUnit XML here."),
    annotations: Annotations | None = typer.Option(
        None, "--annotations", help="github (workflow commands on stdout) or gitlab (Code Quality file)."
    ),
    annotations_file: Path = typer.Option(
        Path("gl-code-quality-report.json"),
        "--annotations-file",
        metavar="FILE",
        help="Where --annotations gitlab writes.",
    ),
    root: str | None = typer.Option(
        None,
        "--root",
        metavar="DIR",
        help="Make test file paths relative to this folder in annotations and SARIF (default: the git root of the current folder).",
    ),
    fail_on: str | None = typer.Option(
        None,
        "--fail-on",
        metavar="LEVEL",
        help="Lowest log level that fails the build: debug, info, warning, error (default), critical, none.",
    ),
    ignore: list[str] | None = typer.Option(
        None,
        "--ignore",
        metavar="REGEX",
        help="Regex searched in the whole record (traceback included); a match does not fail the build. Repeatable.",
    ),
    config: str | None = typer.Option(
        None,
        "--config",
        metavar="FILE",
        help="Settings file (.logsleuth.toml, pyproject.toml [tool.logsleuth], checklog-odoo.cfg).",
    ),
    echo: bool = typer.Option(False, "--echo", help="Pass the log through to stdout while reading it (for pipes)."),
    fail_on_skipped: bool | None = typer.Option(
        None, "--fail-on-skipped/--no-fail-on-skipped", help="Fail when tests were skipped."
    ),
    allow_no_tests: bool | None = typer.Option(
        None,
        "--allow-no-tests/--no-allow-no-tests",
        help="Pass a log with no test run (default: it fails, as a forgotten --test-enable would).",
    ),
    ci_format: CiFormat = typer.Option(
        CiFormat.text, "--format", "-f", help="text (the summary) or json (the analyze report plus the verdict)."
    ),
    sarif: Path | None = typer.Option(
        None, "--sarif", metavar="FILE", help="Write SARIF 2.1.0 here (GitHub code scanning, GitLab)."
    ),
    patterns: list[str] | None = PATTERNS,
    redact: bool = REDACT,
    since: str | None = SINCE,
    until: str | None = UNTIL,
    db: str | None = DB,
    pid: int | None = PID,
    lifetime: int | None = LIFETIME,
    level: str | None = LEVEL,
    jobs: str = JOBS,
) -> None:
    """Verdict for a test run (--test-enable): failing tests with file:line, JUnit XML, annotations."""
    from logsleuth.analysis.gate import Gate, GateConfig, load_config
    from logsleuth.report.build import build_report, ci_result
    from logsleuth.report.redact import scrub_controls
    from logsleuth.report.verdict import decide

    settings = load_config(config)
    given = fail_on if fail_on is not None else settings.get("fail_on", "error")
    gate_level = str(given).upper()
    if gate_level not in ("DEBUG", "INFO", "WARNING", "WARN", "ERROR", "CRITICAL", "NONE"):
        raise UsageError(f"--fail-on must be a log level, not {given!r}")
    gate_config = GateConfig(
        fail_on="WARNING" if gate_level == "WARN" else gate_level,
        ignore=[*settings.get("ignore", []), *(ignore or [])],
        fail_on_skipped=fail_on_skipped
        if fail_on_skipped is not None
        else bool(settings.get("fail_on_skipped", False)),
        err_if_empty=bool(settings.get("err_if_empty", True)),
        allow_no_tests=allow_no_tests if allow_no_tests is not None else bool(settings.get("allow_no_tests", False)),
    )
    gate = Gate(gate_config)
    chosen = annotations.value if annotations is not None else str(settings.get("annotations", "none"))
    if chosen not in ("github", "gitlab", "none"):
        raise UsageError(f"annotations must be github, gitlab or none, not {chosen!r}")
    _check(files, junit, annotations_file if chosen == "gitlab" else None)
    result = _scan(
        files, patterns, jobs=jobs, gate=gate, echo=echo, **_focus(files, since, until, db, pid, lifetime, level)
    )
    _damage_warnings(result)
    report = build_report(result)
    outcome = ci_result(gate, decide(gate, report.tests))
    if redact:
        redactor = _redactor(result)
        report, outcome = redactor.redact(report), redactor.redact(outcome)
    report, outcome = scrub_controls(report), scrub_controls(outcome)
    from logsleuth.render.ci_summary import render as summary

    if junit is not None:
        from logsleuth.render.junit import render as junit_xml

        write_output(junit, junit_xml(report, outcome))
    if chosen == "gitlab":
        from logsleuth.render.annotations import gitlab

        write_output(annotations_file, gitlab(report, outcome, root))
    if sarif is not None:
        from logsleuth.render.sarif import render as sarif_json

        write_output(sarif, sarif_json(report, outcome, root))
    if ci_format is CiFormat.json:
        from logsleuth.render.json import render_ci

        text = render_ci(report, outcome)
    else:
        text = summary(report, outcome)
    if chosen == "github":
        from logsleuth.render.annotations import github

        if ci_format is CiFormat.json:
            sys.stderr.write(github(report, outcome, root))
        else:
            text += github(report, outcome, root)
    _Run.verdict = EXIT_FINDINGS if outcome.failed else EXIT_OK
    write_stdout(text)
    raise typer.Exit(_Run.verdict)


@app.command()
@guarded
def watch(
    file: str = typer.Argument(
        ..., metavar="FILE", help="The log to follow (it may not exist yet; rotation and truncation are followed)."
    ),
    from_start: bool = typer.Option(
        False, "--from-start", help="Analyse what the file already holds first (default: only new lines)."
    ),
    jsonl: str | None = typer.Option(
        None, "--jsonl", metavar="FILE", help="Append each new finding to this file as a JSON line."
    ),
    on_finding: str | None = typer.Option(
        None,
        "--on-finding",
        metavar="COMMAND",
        help="Run this shell command for each new finding (JSON on stdin, LOGSLEUTH_* variables).",
    ),
    min_severity: FailOn = typer.Option(
        FailOn.low, "--min-severity", help="Announce findings at or above this severity."
    ),
    timeout: float | None = typer.Option(
        None, "--timeout", metavar="SECONDS", min=0, help="Stop after this many seconds (default: until Ctrl-C)."
    ),
    patterns: list[str] | None = PATTERNS,
    report_format: Format = typer.Option(
        Format.text, "--report-format", help="Format of the report printed when watching stops."
    ),
    redact: bool = REDACT,
) -> None:
    """Follow a growing log (like tail -F) and print each new finding the moment it is made."""
    from logsleuth.analysis.patterns import load_patterns
    from logsleuth.cli.watch import Watcher, WatchOptions
    from logsleuth.report.build import build_report
    from logsleuth.report.redact import Redactor, scrub_controls

    _check_watch(file, jsonl)
    warnings: list[str] = []
    found = load_patterns(patterns, warnings)
    for w in warnings:
        typer.echo(f"logsleuth: warning: pattern skipped: {w}", err=True)
    _collecting()
    floor = "info" if min_severity is FailOn.none else min_severity.value
    watcher = Watcher(WatchOptions(file, from_start, jsonl, on_finding, timeout, min_severity=floor), found)
    if redact:
        watcher.redactor = Redactor()
    live = sys.stdout.isatty()
    result = watcher.run(_live_summary() if live else None)
    report = build_report(result)
    if redact:
        report = _redactor(result, watcher.redactor).redact(report)
    if report_format in (Format.markdown, Format.html):
        report = scrub_controls(report)
    from logsleuth.render import get_renderer

    if report_format is Format.text and live:
        from logsleuth.render.text import print_report

        write_stdout("\n")
        print_report(_console(), report)
        return
    write_stdout(("\n" if live else "") + get_renderer(report_format.value)(report))


def _check_watch(file: str, jsonl: str | None) -> None:
    """``watch`` follows a regular file (it may not exist yet) and appends to a regular --jsonl."""
    import stat

    from logsleuth.reading.sources import check_path

    if file == "-":
        raise UsageError("watch follows a file by its name: give a path, not stdin")
    if os.path.exists(file):
        check_path(file)
        if not stat.S_ISREG(os.stat(file).st_mode):
            raise UsageError(
                "not a regular file, cannot be followed (a FIFO or a device: pipe it to analyze - instead)", file
            )
    if jsonl is not None:
        from logsleuth.cli.output import OutputError

        if os.path.isdir(jsonl):
            raise OutputError("output is a directory", jsonl)
        folder = os.path.dirname(os.path.realpath(jsonl))
        if not os.path.isdir(folder):
            raise OutputError("output folder does not exist", os.path.dirname(jsonl) or ".")
        if os.path.exists(jsonl) and os.path.exists(file) and os.path.samefile(jsonl, file):
            raise OutputError(f"output is one of the inputs ({file})", jsonl)
        try:
            with open(jsonl, "a", encoding="utf-8"):
                pass
        except PermissionError:
            raise OutputError("permission denied, cannot write", jsonl) from None
        except OSError as exc:
            raise OutputError(f"cannot write: {exc.strerror or exc}", jsonl) from None


def _live_summary() -> Callable[["Scan", int], None]:
    """A one-line summary on stderr, redrawn while ``watch`` waits for new lines."""
    from rich.console import Console

    console = Console(stderr=True, highlight=False)

    def tick(snapshot: "Scan", announced: int) -> None:
        lts = snapshot.lifetimes
        current = f"PID {lts[-1].pid}" if lts else "no process yet"
        console.print(
            f"[dim]{snapshot.lines} lines · {len(lts)} lifetime(s), {current} · {announced} finding(s)[/dim]", end="\r"
        )

    return tick


@app.command()
@guarded
def show(
    files: list[str] = FILES,
    finding: str = typer.Option(..., "--finding", metavar="ID", help="The finding id from a report (F1, F2…)."),
    context: int = typer.Option(
        3, "--context", "-C", metavar="N", min=0, help="Lines of context around each occurrence."
    ),
    occurrences: int = typer.Option(
        5, "--occurrences", metavar="N", min=0, help="How many occurrences to print (0: all kept)."
    ),
    patterns: list[str] | None = PATTERNS,
    since: str | None = SINCE,
    until: str | None = UNTIL,
    db: str | None = DB,
    pid: int | None = PID,
    lifetime: int | None = LIFETIME,
    level: str | None = LEVEL,
    redact: bool = REDACT,
) -> None:
    """Print the exact lines a finding rests on, with context, ready to paste into a ticket."""
    from logsleuth.cli.show import print_evidence
    from logsleuth.report.build import build_report
    from logsleuth.report.redact import Redactor

    _check(files)
    if "-" in files:
        raise UsageError("show reads the log twice: give a file, not stdin")
    result = _scan(files, patterns, **_focus(files, since, until, db, pid, lifetime, level))
    report = build_report(result)
    chosen = next((f for f in report.findings if f.id.lower() == finding.lower()), None)
    if chosen is None:
        raise UsageError(f"no finding {finding} in this report (it has F1…F{len(report.findings)})")
    redactor = Redactor(set(result.databases)) if redact else None
    print_evidence(chosen, context, occurrences, sys.stdout, redactor)


@app.command("patterns")
@guarded
def list_patterns(patterns: list[str] | None = PATTERNS, redact: bool = NOTHING_TO_REDACT) -> None:
    """List the known error signatures (built-in and --patterns DIR)."""
    from logsleuth.analysis.patterns import SEVERITIES, load_patterns

    warnings: list[str] = []
    found = load_patterns(patterns, warnings)
    for w in warnings:
        typer.echo(f"logsleuth: warning: pattern skipped: {w}", err=True)
    for p in sorted(found, key=lambda p: (-SEVERITIES.index(p.severity), p.id)):
        typer.echo(f"{p.id:38} {p.severity:9} {p.category:15} {p.title}")


@app.command("schema")
@guarded
def print_schema(output: Path | None = OUTPUT, redact: bool = NOTHING_TO_REDACT) -> None:
    """Print the JSON Schema of the JSON report (analyze --format json; ci --format json adds "ci")."""
    from importlib import resources

    _emit((resources.files("logsleuth.report") / "report.schema.json").read_text(encoding="utf-8"), output)


def _readable_help() -> None:
    """typer 0.29 prints a type beside every parameter: ``<bool>`` after each flag and
    ``<list[str]>`` after a repeatable argument, and ``{FILE}...`` in the usage line. A flag needs
    no type and an argument reads ``FILE...``; every other parameter names its value (``FILE``,
    ``REGEX``, ``LEVEL``…) with a metavar. The typer range is pinned in pyproject.toml."""
    from typer import core

    option, argument = getattr(core, "TyperOption", None), getattr(core, "TyperArgument", None)
    if option is not None and hasattr(option, "display_type_rich") and not getattr(option, "_logsleuth", False):
        shown = option.display_type_rich

        def display_type_rich(self, ctx):  # type: ignore[no-untyped-def]
            return None if getattr(self, "is_flag", False) else shown(self, ctx)

        option.display_type_rich, option._logsleuth = display_type_rich, True
    if argument is not None and hasattr(argument, "_usage_display_name") and not getattr(argument, "_logsleuth", False):

        def display_type_argument(self, ctx):  # type: ignore[no-untyped-def]
            return None

        def usage_name(self):  # type: ignore[no-untyped-def]
            name = self.display_name_raw + ("..." if self.nargs != 1 else "")
            return name if self.required else f"[{name}]"

        argument.display_type_rich, argument._usage_display_name, argument._logsleuth = (
            display_type_argument,
            usage_name,
            True,
        )


_readable_help()


def _plain_values() -> None:
    """typer 0.29 coerces every parameter with a pydantic TypeAdapter, built on first use even for
    an option that was not given: pydantic's import and 16 adapters cost ``analyze`` about 110 ms.
    A plain value (none given, a str or a list of them, a flag, an Enum choice, a number in range
    written in digits, a path) is taken as typer's own coercion would take it, through the same
    typer helpers; any other value goes to typer's adapter, so every error reads as before."""
    from typer import core

    parameter = getattr(core, "_TyperParameter", None)
    if parameter is None or not hasattr(parameter, "get_runtime_param") or getattr(parameter, "_logsleuth", False):
        return
    try:  # typer's private modules: another typer keeps its own coercion
        from typer._coercion import RuntimeParam, build_runtime_param
        from typer._param_types import coerce_cli_choice, coerce_cli_path
    except ImportError:  # pragma: no cover - typer is pinned to 0.29 in pyproject.toml
        return

    class Plain(RuntimeParam):
        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            kind, info = self.annotation, self.parameter_info
            if info.parser is None:
                if kind is str and type(value) is str:
                    return value
                if kind == list[str] and isinstance(value, (list, tuple)) and all(type(v) is str for v in value):
                    return list(value)
                if isinstance(kind, type) and issubclass(kind, Enum):
                    try:
                        return coerce_cli_choice(value, choices=list(kind), case_sensitive=info.case_sensitive, ctx=ctx)
                    except ValueError:
                        pass  # typer's adapter words the error
                if kind is int and type(value) is str and value.isascii() and value.isdigit() and len(value) < 19:
                    number = int(value)
                    if (info.min is None or number >= info.min) and (info.max is None or number <= info.max):
                        return number
                if (
                    kind is Path
                    and info.path_type is None
                    and (isinstance(value, Path) or (type(value) is str and value))
                ):
                    return coerce_cli_path(Path(value), info, path_type=Path, param=param, ctx=ctx)
            return build_runtime_param(param.type_descriptor)._coerce_value(value, param, ctx)

    def get_runtime_param(self):  # type: ignore[no-untyped-def]
        if self._runtime_param is None:
            descriptor = self.type_descriptor
            if descriptor.file_annotation is not None:
                self._runtime_param = build_runtime_param(descriptor)
            else:
                self._runtime_param = Plain(descriptor.parameter_info, descriptor.annotation)
        return self._runtime_param

    parameter.get_runtime_param, parameter._logsleuth = get_runtime_param, True


_plain_values()


class _ClosedStdout:
    """Stands for stdout when the caller closed it (``>&-``): writing to it is a reported error."""

    def isatty(self) -> bool:
        return False

    def write(self, text: str) -> int:
        import errno

        raise OSError(errno.EBADF, "stdout is closed")

    def flush(self) -> None:
        pass

    def fileno(self) -> int:
        import io

        raise io.UnsupportedOperation("stdout is closed")


def _closed_streams() -> None:
    if sys.stdout is None:
        sys.stdout = _ClosedStdout()  # type: ignore[assignment]
    if sys.stderr is None:
        sys.stderr = open(os.devnull, "w")


def main(argv: list[str] | None = None) -> None:
    """Entry point. Option errors are reported by the parser (exit 2); ours are one line."""
    from logsleuth.reading.allocator import keep_freed_memory

    args = sys.argv[1:] if argv is None else argv
    _Run.debug, _Run.verdict = False, EXIT_OK
    keep_freed_memory()
    _closed_streams()
    from logsleuth.analysis.workers import install_sigterm

    install_sigterm()
    from typer import _click as click  # typer vendors click

    try:
        try:
            code = app(args=args, prog_name="logsleuth", standalone_mode=False)
            sys.stdout.flush()
        except click.exceptions.NoArgsIsHelpError as exc:
            exc.show()
            code = EXIT_USAGE
        except click.ClickException as exc:  # an option value: one line, no usage box
            sys.stderr.write(f"logsleuth: error: {exc.format_message()}\n")
            code = exc.exit_code
        except typer.Abort:
            sys.stderr.write("logsleuth: interrupted\n")
            code = EXIT_INTERRUPTED
        except OSError as exc:
            if isinstance(exc, BrokenPipeError) or exc.errno not in WRITE_ERRNOS:
                raise
            raise stdout_error(exc) from None
        sys.exit(code if isinstance(code, int) else EXIT_OK)
    except LogsleuthError as exc:
        if _Run.debug:
            raise
        sys.stderr.write(f"logsleuth: error: {exc}\n")
        sys.exit(exc.exit_code)
    except Exception as exc:  # a bug: still one line, the traceback only on request
        if _Run.debug:
            raise
        sys.stderr.write(
            f"logsleuth: error: internal error: {type(exc).__name__}: {exc} (run again with --debug and report it)\n"
        )
        sys.exit(EXIT_USAGE)

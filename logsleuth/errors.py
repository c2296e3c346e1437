"""User-facing errors and the exit codes they map to.

Every problem the user can fix (a path, an option, a damaged input) is raised as a
``LogsleuthError``; the CLI prints it as one line and exits with ``exit_code``. Anything
else is a bug and only shows a traceback with ``--debug``.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143


class LogsleuthError(Exception):
    """Base of every error the CLI reports as ``logsleuth: error: <what> (<path>)``."""

    exit_code = EXIT_USAGE

    def __init__(self, what: str, path: str | None = None) -> None:
        super().__init__(what)
        self.what = what
        self.path = path

    def __str__(self) -> str:
        return f"{self.what} ({self.path})" if self.path else self.what


class InputError(LogsleuthError):
    """An input cannot be read at all (missing, directory, permission, binary)."""


class UsageError(LogsleuthError):
    """Options that contradict each other or cannot be parsed."""


class PatternError(LogsleuthError):
    """A pattern file is invalid; names the file and the field."""

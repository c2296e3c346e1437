"""Output that never destroys anything: a report file is either complete or absent, never
half-written, and only a regular file (or a new path) is ever replaced.

- A special file (``/dev/null``, ``/dev/stdout``, a terminal, a FIFO, a socket) is opened and
  written into: replacing it would put a regular file where a device node or a pipe was.
- A symbolic link writes to its target (resolved first; the target is then treated as above).
- A regular file or a new path gets a temporary file beside it, then a rename. A new file gets
  the mode the umask gives (0644 under umask 022); an existing file keeps its mode.
- An output that is one of the inputs (same device and inode, through any path or link) is
  refused before anything is read (``refuse_inputs_as_outputs``).
- A write error (disk full, I/O error) is one line and exit 2, with the path named.
"""

from __future__ import annotations

import errno
import os
import stat
import sys
from collections.abc import Iterable
from pathlib import Path

from logsleuth.errors import InputError

WRITE_ERRNOS = {errno.ENOSPC, errno.EIO, errno.EFBIG, errno.EDQUOT, errno.EROFS, errno.EPIPE, errno.EBADF}
"""Errors of a write on an open file or on stdout that the user can fix (reported, exit 2)."""


class OutputError(InputError):
    """An output cannot be written (disk full, read-only folder, …)."""


def _umask_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def _identity(path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino) if stat.S_ISREG(st.st_mode) else None


def refuse_inputs_as_outputs(inputs: Iterable[str], outputs: Iterable[Path | str | None], stdout: bool = True) -> None:
    """An output that is one of the inputs would replace the log by its own report: refuse it.

    Compared by device and inode, so another path or a link to the same file is caught too;
    stdout counts when it is a regular file (``analyze odoo.log >> odoo.log``)."""
    seen = {ident: name for name in inputs if name != "-" and (ident := _identity(name)) is not None}
    if not seen:
        return
    for out in outputs:
        if out is not None and (ident := _identity(str(out))) in seen:
            raise OutputError(f"output is one of the inputs ({seen[ident]})", str(out))
    if stdout:
        try:
            st = os.fstat(1)
        except OSError:
            return
        if stat.S_ISREG(st.st_mode) and (st.st_dev, st.st_ino) in seen:
            raise OutputError(f"stdout is one of the inputs ({seen[(st.st_dev, st.st_ino)]})", "stdout")


def _fail(exc: OSError, path: str) -> OutputError:
    if isinstance(exc, PermissionError):
        return OutputError("permission denied, cannot write", path)
    return OutputError(f"cannot write: {exc.strerror or exc}", path)


def write_output(path: Path | str, text: str) -> None:
    """Write ``text`` to ``path``: into a special file, atomically over a regular one."""
    given = str(path)
    try:
        st: os.stat_result | None = os.stat(given)  # through links
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise _fail(exc, given) from None
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise OutputError("output is a directory", given)
    if st is not None and not stat.S_ISREG(st.st_mode):
        _write_special(given, given, text)  # /dev/stdout -> /proc/self/fd/1 -> pipe:[…]: open it as named
        return
    real = os.path.realpath(given)  # a link writes to its target
    target = Path(real)
    folder = target.parent
    if not folder.is_dir():
        shown = os.path.dirname(given) or "."
        raise OutputError("output folder does not exist", shown)
    mode = stat.S_IMODE(st.st_mode) if st is not None else _umask_mode()
    import tempfile  # only a report written to a file needs it (1.2 ms of every start)

    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except PermissionError:
        raise OutputError("output folder is not writable", str(folder)) from None
    except OSError as exc:
        raise _fail(exc, given) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fchmod(fh.fileno(), mode)
        os.replace(tmp, target)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        if isinstance(exc, OSError):
            raise _fail(exc, given) from None
        raise


def _write_special(real: str, given: str, text: str) -> None:
    """A device, a FIFO or a socket: written into, as a shell redirection would."""
    try:
        with open(real, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
    except BrokenPipeError:
        raise OutputError("cannot write: the reader closed the pipe", given) from None
    except OSError as exc:
        raise _fail(exc, given) from None


def write_stdout(text: str) -> None:
    """Write to stdout; a closed pipe (``| head``) propagates (ends quietly), other errors are
    reported (``> /dev/full``)."""
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise stdout_error(exc) from None


def stdout_error(exc: OSError) -> OutputError:
    """Silence stdout (the interpreter would flush it again at exit) and describe the error."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
    except OSError:
        pass
    return OutputError(f"cannot write: {exc.strerror or exc}", "stdout")

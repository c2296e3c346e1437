"""Worker processes of ``-j N`` end with the run, whatever ends it.

- Each worker asks the kernel for SIGTERM when its parent dies (``PR_SET_PDEATHSIG``), so even
  a parent killed with SIGKILL leaves no worker behind holding the caller's pipe open.
- Workers ignore SIGINT: Ctrl-C reaches the whole process group, and only the parent decides.
- The parent turns SIGTERM into ``Terminated`` (a KeyboardInterrupt: cleanup runs, no partial
  output file) and ``end_workers`` terminates the children before it exits.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

from logsleuth.reading.allocator import keep_freed_memory

_PR_SET_PDEATHSIG = 1


class Terminated(KeyboardInterrupt):
    """SIGTERM: handled like Ctrl-C (exit 143 instead of 130)."""


def init_worker() -> None:
    keep_freed_memory()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
        except (OSError, AttributeError):
            pass


_parent: int | None = None
"""The PID that installed the handlers: a forked worker inherits them until ``init_worker`` runs."""


def _on_signal(signum: int, frame: object) -> None:
    if os.getpid() != _parent:  # a worker signalled before init_worker: do what it would do
        if signum == signal.SIGTERM:
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
        return
    # the workers go first: leaving a ``with ProcessPoolExecutor`` waits for their work items
    end_workers()
    raise Terminated() if signum == signal.SIGTERM else KeyboardInterrupt()


def install_sigterm() -> None:
    """In the parent: SIGTERM raises ``Terminated``, SIGINT ``KeyboardInterrupt``, both after
    ending the workers (only from the main thread)."""
    global _parent
    _parent = os.getpid()
    try:
        signal.signal(signal.SIGTERM, _on_signal)
        signal.signal(signal.SIGINT, _on_signal)
    except ValueError:  # not the main thread (an embedding application)
        pass


def end_workers() -> None:
    """Terminate every child process still running (pool workers), then reap them."""
    import multiprocessing  # loaded by the workers already; a run without them skips it

    children = multiprocessing.active_children()
    for child in children:
        child.terminate()
    for child in children:
        child.join(timeout=2)
        if child.is_alive():
            child.kill()

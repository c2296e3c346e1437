"""Keep freed memory for the next block instead of handing it back to the OS.

Every block of a log is decoded into a new string of about a megabyte. glibc returns the top of
the heap to the OS when such a block is freed, and the next block faults the same pages in
again: on a 1 GB log that was 250,000 page faults and a fifth of the run (benchmarks/README.md).
Raising glibc's trim and mmap thresholds keeps those pages; the peak does not change, since the
pages are reused rather than added. Elsewhere (other C libraries, other systems) nothing is done.
"""

from __future__ import annotations

import ctypes
import sys

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3


def keep_freed_memory() -> None:
    if not sys.platform.startswith("linux"):
        return
    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):
        return
    mallopt(_M_MMAP_THRESHOLD, 32 * 1024 * 1024)
    mallopt(_M_TRIM_THRESHOLD, 32 * 1024 * 1024)

"""Start-up time of logsleuth: median wall and CPU time of N runs of each short command.

The commands are ``--version`` and, on a 10-line log (the first lines of the bundled sample),
``analyze`` (text), ``analyze --format json`` and ``ci``; what they cost is start-up, not
reading. ``python -c pass`` is the floor. Output goes to /dev/null.

An installed package has its bytecode compiled; an editable install under
``PYTHONDONTWRITEBYTECODE=1`` has none and compiles every module on each run, so run this (once
at least) without that variable to time what users run.

    env -u PYTHONDONTWRITEBYTECODE python benchmarks/startup.py    # 15 runs each
    python benchmarks/startup.py --runs 31 --ls .venv/bin/logsleuth
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TINY = HERE / "data" / "ten-lines-sample.log"
SAMPLE = HERE.parent / "sample_logs" / "seed_ai_brain_odoo18.log"


def ten_line_log() -> Path:
    """The first 10 lines of the bundled sample, written once into data/."""
    if not TINY.exists():
        TINY.parent.mkdir(exist_ok=True)
        TINY.write_bytes(b"".join(SAMPLE.read_bytes().splitlines(keepends=True)[:10]))
    return TINY


def commands(ls: str) -> dict[str, list[str]]:
    """The timed commands, by name."""
    tiny = str(ten_line_log())
    return {
        "python -c pass": [sys.executable, "-c", "pass"],
        "--version": [ls, "--version"],
        "analyze": [ls, "analyze", tiny],
        "analyze --format json": [ls, "analyze", "--format", "json", tiny],
        "ci": [ls, "ci", "--allow-no-tests", tiny],
    }


def median_ms(cmd: list[str], runs: int) -> tuple[float, float]:
    """Median wall and CPU (user + system) time of ``runs`` runs, in ms; one untimed run first
    warms the disk cache. On a busy machine the CPU time is the steadier of the two."""
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    walls, cpus = [], []
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, _, usage = os.wait4(proc.pid, 0)
        walls.append(time.perf_counter() - start)
        cpus.append(usage.ru_utime + usage.ru_stime)
    return statistics.median(walls) * 1000, statistics.median(cpus) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--ls", default=shutil.which("logsleuth") or "logsleuth", help="the logsleuth script")
    args = parser.parse_args()
    print(f"median of {args.runs} runs ({args.ls})")
    print(f"{'':24} {'wall':>7}    {'CPU':>7}")
    for name, cmd in commands(args.ls).items():
        wall, cpu = median_ms(cmd, args.runs)
        print(f"{name:24} {wall:7.0f} ms {cpu:7.0f} ms", flush=True)


if __name__ == "__main__":
    main()

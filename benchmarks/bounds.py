"""Memory and time on hostile logs (issue 14): 1 million distinct errors, 100,000 distinct PIDs.

Generates the logs with benchmarks/generate.py (hostile profiles) unless they exist, runs each
command once and prints wall time, peak RSS (wait4's ru_maxrss of that very child) and report
size. The bounds to hold: peak RSS under 200 MB, time linear in the file size, report of a few
hundred KB.

    .venv/bin/python benchmarks/bounds.py                      # full size (112 MB + 13 MB logs)
    .venv/bin/python benchmarks/bounds.py --scale 0.1          # a tenth, to check linearity
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def measure(cmd: list[str], out: Path) -> tuple[float, float, int, int]:
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    return wall, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status), out.stat().st_size if out.exists() else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--scale", type=float, default=1.0, help="fraction of the full sizes (112 MB: 1M errors; 13 MB: 100k PIDs)"
    )
    parser.add_argument("--data", default=str(HERE / "data"))
    args = parser.parse_args()
    data = Path(args.data)
    data.mkdir(parents=True, exist_ok=True)
    shapes = [
        ("distinct-errors", int(112e6 * args.scale), "analyze"),
        ("many-pids", int(13e6 * args.scale), "lifetimes"),
    ]
    print(f"{'log':34} {'MB':>7} {'command':28} {'wall s':>7} {'MB/s':>6} {'peak RSS MB':>11} {'report KB':>9} exit")
    for profile, size_bytes, command in shapes:
        log = data / f"{profile}-{size_bytes // 1_000_000}M.log"
        if not log.exists():
            subprocess.run(
                [sys.executable, str(HERE / "generate.py"), "--profile", profile, "--size", str(size_bytes), str(log)],
                check=True,
            )
        size = log.stat().st_size / 1e6
        runs = [command] if command == "analyze" else [command, "analyze"]
        for cmd_name in runs:
            out = log.with_suffix(f".{cmd_name}.json")
            cmd = [sys.executable, "-m", "logsleuth", cmd_name, str(log), "-f", "json", "-o", str(out)]
            wall, rss, code, report = measure(cmd, out)
            print(
                f"{log.name:34} {size:7.1f} {cmd_name + ' -f json':28} {wall:7.1f} {size / wall:6.1f} {rss:11.0f} {report / 1024:9.0f} {code}"
            )


if __name__ == "__main__":
    main()

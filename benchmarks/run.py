"""Time logsleuth against grep and wc on the same file, in the same run.

For each command: median wall time of N runs, MB/s, ratio to ``grep -c ERROR`` and peak RSS.
grep's output goes to a pipe, never /dev/null (GNU grep stops at the first match when its
output is /dev/null, which would flatter it).

    python benchmarks/run.py                      # 1 GB log, 3 runs each
    python benchmarks/run.py --quick              # 10 MB log (100x smaller), for a quick check
    python benchmarks/run.py --size 4G --runs 1
    python benchmarks/run.py --file my.log        # an existing log
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
DATA = HERE / "data"


def measure(cmd: str) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one shell command, via GNU time when present."""
    gnu_time = shutil.which("time") and os.path.exists("/usr/bin/time")
    if gnu_time:
        wrapped = ["/usr/bin/time", "-f", "%M", "bash", "-c", cmd]
    else:
        wrapped = ["bash", "-c", cmd]
    start = time.perf_counter()
    proc = subprocess.run(wrapped, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"command failed ({proc.returncode}): {cmd}\n{proc.stderr}")
    rss = float(proc.stderr.strip().splitlines()[-1]) / 1024 if gnu_time else float("nan")
    return wall, rss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="1G")
    parser.add_argument("--quick", action="store_true", help="a 10 MB log (100x smaller than the default)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--file", help="benchmark this existing log instead of a generated one")
    parser.add_argument("--gzip", action="store_true", help="also time a .gz copy of the log")
    parser.add_argument("--jobs", default=None, help="pass --jobs to logsleuth (e.g. auto)")
    parser.add_argument("--logsleuth", default=f"{sys.executable} -m logsleuth")
    args = parser.parse_args()
    size = "10M" if args.quick else args.size
    if args.file:
        log = Path(args.file)
    else:
        DATA.mkdir(exist_ok=True)
        log = DATA / f"bench-{size}.log"
        if not log.exists():
            subprocess.run([sys.executable, str(HERE / "generate.py"), "--size", size, str(log)], check=True)
    mb = log.stat().st_size / 1e6
    ls = args.logsleuth
    jobs = f" --jobs {args.jobs}" if args.jobs else ""
    commands = {
        "grep -c ERROR": f"grep -c ERROR {log} | cat",
        "wc -l": f"wc -l {log} | cat",
        "logsleuth lifetimes": f"{ls} lifetimes{jobs} {log} --format json",
        "logsleuth analyze --format json": f"{ls} analyze{jobs} {log} --format json",
        "logsleuth ci": f"{ls} ci{jobs} {log}",
    }
    if args.gzip:
        gz = log.with_suffix(log.suffix + ".gz")
        if not gz.exists():
            subprocess.run(f"gzip -c {log} > {gz}", shell=True, check=True)
        commands["logsleuth analyze (.gz input)"] = f"{ls} analyze{jobs} {gz} --format json"
    print(f"file: {log} ({mb:.1f} MB), {args.runs} run(s) each, median shown")
    print(f"{'command':34} {'wall s':>8} {'MB/s':>8} {'x grep':>7} {'peak RSS MB':>12}")
    grep_time = None
    for name, cmd in commands.items():
        results = [measure(cmd) for _ in range(args.runs)]
        wall = statistics.median(r[0] for r in results)
        rss = max(r[1] for r in results)
        if grep_time is None:
            grep_time = wall
        print(f"{name:34} {wall:8.2f} {mb / wall:8.1f} {wall / grep_time:7.1f} {rss:12.1f}", flush=True)


if __name__ == "__main__":
    main()

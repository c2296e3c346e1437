"""Time logsleuth on logs of the shapes users have, against baselines and peers, in one run.

For each profile (see generate.py) and each command: median wall time of N runs, MB/s, speed
relative to a plain Python one-regex-per-line loop (``regex_loop.py``; > 1 means faster than
the loop), CPU seconds (user + system, children included), and two memory figures:

* ``max proc MB``: the largest single process of the tree (``ru_maxrss`` from ``wait4``, which
  on Linux covers every descendant that was waited for, e.g. ``--jobs`` workers);
* ``tree MB``: the peak of the summed RSS of all processes of the tree, sampled from /proc
  every 5-50 ms (shared pages of forked workers are counted in each: an upper bound).

Baselines in the same run: ``wc -l``, ``grep -c ERROR`` (its output goes to a pipe, never
/dev/null: GNU grep stops at the first match when its output is /dev/null) and the regex loop.
Peers when installed (``--peers``): lnav (Debian) with the Odoo format in ``lnav/``, and
``odoo-logs`` and ``checklog-odoo`` from PyPI (a separate venv, see README); absent ones are
skipped with a note.

``--per-record`` measures what one record of each kind costs (method in README: logs that
differ only by N records of one kind, time difference divided by N). ``--startup`` times
``logsleuth --version`` and ``analyze`` of a 10-line log.

    python benchmarks/run.py --quick                                  # request-only, 10 MB
    python benchmarks/run.py --size 1G --runs 3 --gzip                # request-only, as before
    python benchmarks/run.py --profile production --size 300M --peers
    python benchmarks/run.py --all --size production=300M --size error-dense=300M --runs 3 \\
        --runs distinct-errors=1 --timeout 300 --per-record --startup --peers
    python benchmarks/run.py --file my.log                            # an existing log
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
sys.path.insert(0, str(HERE))

import generate  # noqa: E402
from startup import commands as startup_commands  # noqa: E402
from startup import median_ms  # noqa: E402

DEFAULT_SIZES = {"request-only": "1G", "production": "1G", "error-dense": "1G", **generate.DEFAULT_SIZES}
PAGE = os.sysconf("SC_PAGE_SIZE")


@dataclass
class Sample:
    """One run of one command."""

    wall: float
    cpu: float
    max_proc_mb: float
    tree_mb: float
    rc: int
    timed_out: bool = False


@dataclass
class Result:
    """The runs of one command on one file, summarised."""

    profile: str
    command: str
    shell: str
    mb: float
    samples: list[Sample] = field(default_factory=list)

    @property
    def ok(self) -> list[Sample]:
        return [s for s in self.samples if not s.timed_out]

    @property
    def wall(self) -> float | None:
        return statistics.median(s.wall for s in self.ok) if self.ok else None

    def summary(self) -> dict:
        ok = self.ok
        return {
            "profile": self.profile,
            "command": self.command,
            "shell": self.shell,
            "mb": round(self.mb, 1),
            "runs": len(self.samples),
            "timed_out": len(self.samples) - len(ok),
            "median_wall_s": self.wall,
            "mb_per_s": self.mb / self.wall if self.wall else None,
            "median_cpu_s": statistics.median(s.cpu for s in ok) if ok else None,
            "max_proc_mb": max((s.max_proc_mb for s in self.samples), default=None),
            "tree_mb": max((s.tree_mb for s in self.samples), default=None),
            "samples": [asdict(s) for s in self.samples],
        }


def _tree_rss(root: int) -> float:
    """Summed RSS (MB) of ``root`` and all its descendants, from /proc (no children files
    on this kernel, so every process's parent is read)."""
    parents: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        fields = stat[stat.rindex(b")") + 2 :].split()
        pid = int(entry)
        parents.setdefault(int(fields[1]), []).append(pid)
        rss[pid] = int(fields[21])  # resident pages
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo.extend(parents.get(pid, ()))
    return total * PAGE / 1e6


def measure(cmd: str, timeout: float | None = None, sample: bool = True) -> Sample:
    """Run one shell command in a fresh process group; wall time, CPU, largest process and
    sampled tree RSS. A command past ``timeout`` is killed (its own group only)."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(["bash", "-c", cmd], stdout=subprocess.DEVNULL, stderr=err, start_new_session=True)
        peak, delay, timed_out = 0.0, 0.005, False
        while True:
            # without sampling or timeout, block: the wall time is then exact to the microsecond
            pid, status, usage = os.wait4(proc.pid, 0 if not sample and not timeout else os.WNOHANG)
            if pid:
                break
            if sample:
                peak = max(peak, _tree_rss(proc.pid))
            if timeout and time.perf_counter() - start > timeout:
                os.killpg(proc.pid, signal.SIGKILL)
                pid, status, usage = os.wait4(proc.pid, 0)
                timed_out = True
                break
            time.sleep(delay)
            delay = min(delay * 1.5, 0.05)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        rc = proc.returncode
        if not timed_out and rc not in (0, 1):
            err.seek(0)
            raise SystemExit(f"command failed ({rc}): {cmd}\n{err.read().decode(errors='replace')[-3000:]}")
    return Sample(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, peak, rc, timed_out)


def _logsleuth_default() -> str:
    """The ``logsleuth`` script of this interpreter's environment (what users run), else -m."""
    script = Path(sys.executable).with_name("logsleuth")
    return str(script) if script.exists() else f"{sys.executable} -m logsleuth"


def peer_commands(log: Path, peer_bin: Path | None) -> tuple[dict[str, str], list[str]]:
    """Commands for the peers found, and a note for each one absent."""
    found: dict[str, str] = {}
    missing: list[str] = []
    lnav = shutil.which("lnav")
    if lnav:
        query = ";SELECT log_level, count(*) FROM odoo_log GROUP BY log_level"
        found["lnav (odoo format, count by level)"] = f"{lnav} -n -I {HERE / 'lnav'} -c '{query}' {log} | cat"
    else:
        missing.append("lnav (apt-get install lnav)")
    for name, args in (("odoo-logs", f"errors {log}"), ("checklog-odoo", f"--no-err-if-empty {log}")):
        exe = None
        if peer_bin and (peer_bin / name).exists():
            exe = str(peer_bin / name)
        exe = exe or shutil.which(name)
        if exe:
            label = "odoo-logs errors" if name == "odoo-logs" else name
            found[label] = f"{exe} {args} | cat"
        else:
            missing.append(f"{name} (pip install {name} into {DATA / 'peers'})")
    return found, missing


def commands_for(log: Path, ls: str, jobs: str | None, peers: dict[str, str]) -> dict[str, str]:
    """Baselines first (wc, grep, regex loop), then logsleuth, then peers."""
    j = f" --jobs {jobs}" if jobs else ""
    cmds = {
        "wc -l": f"wc -l {log} | cat",
        "grep -c ERROR": f"grep -c ERROR {log} | cat",
        "python regex loop": f"{sys.executable} {HERE / 'regex_loop.py'} {log}",
        "logsleuth analyze -j 1": f"{ls} analyze -j 1 {log} --format json",
        "logsleuth analyze --jobs auto": f"{ls} analyze --jobs auto {log} --format json",
        f"logsleuth lifetimes{j}": f"{ls} lifetimes{j} {log} --format json",
        f"logsleuth ci{j}": f"{ls} ci{j} {log}",
    }
    cmds.update(peers)
    return cmds


def bench_file(
    profile: str,
    log: Path,
    ls: str,
    runs: int,
    timeout: float | None,
    jobs: str | None,
    peers: dict[str, str],
    gz: bool,
) -> list[Result]:
    """Every command on one file, ``runs`` times each, printed as it goes."""
    mb = log.stat().st_size / 1e6
    cmds = commands_for(log, ls, jobs, peers)
    if gz:
        gzfile = log.with_suffix(log.suffix + ".gz")
        if not gzfile.exists():
            subprocess.run(f"gzip -c {log} > {gzfile}", shell=True, check=True)
        cmds["logsleuth analyze -j 1 (.gz input)"] = f"{ls} analyze -j 1 {gzfile} --format json"
    print(
        f"\n== {profile}: {log} ({mb:.1f} MB), {runs} run(s) each, median shown"
        + (f", timeout {timeout:.0f} s" if timeout else "")
        + f"; load average before: {_load()}"
    )
    print(f"{'command':40} {'wall s':>8} {'MB/s':>8} {'vs loop':>8} {'cpu s':>7} {'max proc MB':>11} {'tree MB':>8}")
    results: list[Result] = []
    loop_wall = None
    for name, cmd in cmds.items():
        res = Result(profile, name, cmd, mb)
        for _ in range(runs):
            res.samples.append(measure(cmd, timeout))
            if res.samples[-1].timed_out:
                break  # one timeout is enough to know
        results.append(res)
        if name == "python regex loop":
            loop_wall = res.wall
        s = res.summary()
        if res.wall is None:
            print(
                f"{name:40} {'>' + str(int(timeout or 0)):>8} {'<' + format(mb / (timeout or 1), '.1f'):>8} {'':>8} {'':>7} {s['max_proc_mb']:11.0f} {s['tree_mb']:8.0f}  (timed out)",
                flush=True,
            )
            continue
        vs = f"{loop_wall / res.wall:8.2f}" if loop_wall else f"{'':>8}"
        print(
            f"{name:40} {res.wall:8.2f} {mb / res.wall:8.1f} {vs} {s['median_cpu_s']:7.2f} {s['max_proc_mb']:11.0f} {s['tree_mb']:8.0f}",
            flush=True,
        )
    print(f"load average after: {_load()}")
    return results


def _load() -> str:
    """The 1/5/15-minute load averages: the machine is shared, so say how busy it was."""
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def ensure(profile: str, size: str) -> Path:
    """The generated log for (profile, size), written once into data/."""
    DATA.mkdir(exist_ok=True)
    name = f"bench-{size}.log" if profile == "request-only" else f"{profile}-{size}.log"
    log = DATA / name
    if not log.exists():
        t0 = time.perf_counter()
        written, stats = generate.write_profile(str(log), profile, generate.parse_size(size))
        print(f"generated {log} ({written / 1e6:.1f} MB) in {time.perf_counter() - t0:.0f} s", flush=True)
        if stats:
            print(stats, flush=True)
    return log


# --- per-record costs --------------------------------------------------------------------------

KINDS = ["cron/INFO line", "WARNING", "ERROR with traceback"]
INSERTED_FACTOR = {"cron/INFO line": 5, "WARNING": 1, "ERROR with traceback": 1}  # x --per-record-n


def write_kind_log(path: Path, base: int, kind: str | None, n: int, seed: int = 5, announced: bool = True) -> None:
    """``base`` routine request lines of four workers (announced with ``Worker ... alive``, or
    not), with ``n`` records of ``kind`` spread evenly among them. The request lines are the same
    with or without the inserted records (those draw from their own random generator)."""
    with open(path, "wb") as out:
        w = generate.FastWriter(out, seed)
        base_rng, extra_rng = w.rng, random.Random(seed + 1)
        generate._banner(w, 500)
        workers = [501, 502, 503, 504]
        for pid in workers if announced else []:
            w.emit("lifecycle", pid, "INFO", "?", "odoo.service.server", f"Worker WorkerHTTP ({pid}) alive")
        w.emit("lifecycle", 505, "INFO", "?", "odoo.service.server", "Worker WorkerCron (505) alive")
        every = base // n if kind else 0
        for i in range(base):
            w.request(workers[i % 4])
            if kind and i % every == every - 1:
                w.rng = extra_rng
                if kind == "cron/INFO line":
                    w.info(workers[i % 4], 505)
                elif kind == "WARNING":
                    w.warning(workers[i % 4], 505)
                else:
                    w.emit(
                        "error",
                        workers[i % 4],
                        "ERROR",
                        "prod",
                        "odoo.http",
                        "Exception during request handling.",
                        w._traceback(extra_rng, 3),
                    )
                w.rng = base_rng
        w.flush()


def per_record(ls: str, runs: int, base: int, n: int, startup_wall: float) -> list[dict]:
    """µs per record of each kind from time differences between logs (see README)."""
    kdir = DATA / "kinds"
    kdir.mkdir(parents=True, exist_ok=True)
    cmd = f"{ls} analyze -j 1 {{}} --format json"

    def timed(log: Path) -> float:
        return statistics.median(measure(cmd.format(log), sample=False).wall for _ in range(runs))

    base_log, unannounced_log = kdir / f"base-{base}.log", kdir / f"base-{base}-unannounced.log"
    if not base_log.exists():
        write_kind_log(base_log, base, None, n)
    if not unannounced_log.exists():
        write_kind_log(unannounced_log, base, None, n, announced=False)
    t_base, t_unann = timed(base_log), timed(unannounced_log)
    rows = [
        {
            "kind": "routine request line (announced worker)",
            "records": base,
            "wall_s": t_base,
            "us_per_record": (t_base - startup_wall) / base * 1e6,
            "method": "(t(base) - t(10-line log)) / base",
        },
        {
            "kind": "request line of an unannounced worker",
            "records": base,
            "wall_s": t_unann,
            "us_per_record": (t_unann - startup_wall) / base * 1e6,
            "method": "(t(base, no alive lines) - t(10-line log)) / base",
        },
    ]
    print(
        f"\n== per-record costs: analyze -j 1, {runs} run(s) each, median; base = {base:,} request lines ({base_log.stat().st_size / 1e6:.0f} MB)"
    )
    for row in rows:
        print(
            f"{row['kind']:44} {row['us_per_record']:8.2f} µs  ({row['wall_s']:.2f} s, 10-line log {startup_wall:.2f} s)",
            flush=True,
        )
    for kind in KINDS:
        k = n * INSERTED_FACTOR[kind]
        log = kdir / f"base-{base}+{k}-{kind.split()[0].lower().replace('/', '-')}.log"
        if not log.exists():
            write_kind_log(log, base, kind, k)
        t = timed(log)
        us = (t - t_base) / k * 1e6
        rows.append(
            {"kind": kind, "records": k, "wall_s": t, "us_per_record": us, "method": "(t(base + k) - t(base)) / k"}
        )
        print(f"{kind:44} {us:8.2f} µs  ({k:,} inserted, {t:.2f} s)", flush=True)
    return rows


def startup(ls: str, runs: int) -> dict[str, float]:
    """Median wall time, in seconds, of startup.py's commands (a 10-line log among them)."""
    out = {name: median_ms(cmd, runs)[0] / 1000 for name, cmd in startup_commands(ls).items()}
    print("\n== startup, median of", runs)
    for name, wall in out.items():
        print(f"{name:40} {wall * 1000:8.0f} ms", flush=True)
    return out


def _by_profile(values: list[str], default: str | None) -> tuple[str | None, dict[str, str]]:
    """``--size 1G --size production=300M`` → (default, {profile: value})."""
    plain, per = default, {}
    for v in values:
        if "=" in v:
            k, _, val = v.partition("=")
            per[k] = val
        else:
            plain = v
    return plain, per


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--profile", action="append", choices=sorted(generate.PROFILES), help="repeatable (default request-only)"
    )
    parser.add_argument("--all", action="store_true", help="every profile")
    parser.add_argument(
        "--size",
        action="append",
        default=[],
        help="1G, or PROFILE=SIZE; repeatable (defaults: 1G, distinct-errors 112M, many-pids 13M)",
    )
    parser.add_argument("--quick", action="store_true", help="10 MB logs (hostile shapes: 10x smaller)")
    parser.add_argument(
        "--runs", action="append", default=[], help="runs per command, or PROFILE=N; repeatable (default 3)"
    )
    parser.add_argument("--timeout", type=float, default=None, help="seconds before one run of a command is killed")
    parser.add_argument("--file", help="benchmark this existing log instead of a generated one")
    parser.add_argument("--gzip", action="store_true", help="also time analyze on a .gz copy of each log")
    parser.add_argument(
        "--jobs", default=None, help="pass --jobs to lifetimes and ci (analyze is timed with -j 1 and --jobs auto)"
    )
    parser.add_argument(
        "--peers", action="store_true", help="also time lnav, odoo-logs and checklog-odoo when installed"
    )
    parser.add_argument(
        "--peer-bin", default=str(DATA / "peers" / "bin"), help="where odoo-logs/checklog-odoo are (else PATH)"
    )
    parser.add_argument("--per-record", action="store_true", help="measure µs per record of each kind")
    parser.add_argument("--per-record-base", type=int, default=400_000)
    parser.add_argument("--per-record-n", type=int, default=20_000)
    parser.add_argument("--per-record-only", action="store_true", help="only startup and per-record costs, no profile")
    parser.add_argument("--startup", action="store_true", help="time --version and analyze of a 10-line log")
    parser.add_argument("--json", help="write all results to this file")
    parser.add_argument("--logsleuth", default=_logsleuth_default())
    args = parser.parse_args()

    size_default, sizes = _by_profile(args.size, None)
    runs_default, runs_per = _by_profile(args.runs, "3")
    profiles = sorted(generate.PROFILES) if args.all else (args.profile or ["request-only"])
    ls = args.logsleuth
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, logsleuth: {ls}", flush=True)
    results: list[Result] = []
    extra: dict = {}
    if args.startup or args.per_record or args.per_record_only:
        extra["startup_ms"] = {k: v * 1000 for k, v in startup(ls, 10).items()}
    if args.file:
        targets = [("file", Path(args.file))]
    elif args.per_record_only:
        targets = []
    else:
        targets = []
        for p in profiles:
            size = sizes.get(p) or size_default or DEFAULT_SIZES[p]
            if args.quick:
                size = (
                    "10M" if p not in generate.DEFAULT_SIZES else f"{generate.parse_size(DEFAULT_SIZES[p]) // 10240}K"
                )
            targets.append((p, ensure(p, size)))
    for profile, log in targets:
        found, missing = peer_commands(log, Path(args.peer_bin)) if args.peers else ({}, [])
        for note in missing:
            print(f"(peer skipped, not installed: {note})")
        runs = int(runs_per.get(profile, runs_default or 3))
        results += bench_file(profile, log, ls, runs, args.timeout, args.jobs, found, args.gzip)
    if args.per_record or args.per_record_only:
        extra["per_record"] = per_record(
            ls,
            int(runs_default or 3),
            args.per_record_base,
            args.per_record_n,
            extra["startup_ms"]["analyze --format json"] / 1000,
        )
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "when": datetime.now(UTC).isoformat(),
                    "cores": os.cpu_count(),
                    "results": [r.summary() for r in results],
                    **extra,
                },
                indent=1,
            )
        )
        print(f"\nresults written to {args.json}")


if __name__ == "__main__":
    main()

"""Process lifetimes: segment a record stream into the life of each server process.

A startup banner (``Odoo version …``) begins a lifetime; shutdown markers open its shutdown
window; it ends at its process's last record. Prefork workers and the gevent child belong to
their master's lifetime. A banner from a PID that already has a lifetime starts a new one (an
execve reload, or a container restart reusing PID 1), so lifetimes are never keyed on PID alone;
so does a start line (``HTTP service … running``, ``database: …``) of a PID after its own
shutdown marker: socket activation and some containers restart a server without a banner.

Every end reason rests on a line (``end_evidence``) except ``unknown`` (no marker, and a later
process started: the log does not say why it ended) and ``end-of-log``. An ``odoo shell``
session logs its shutdown marker before it loads anything; what it does afterwards is
interactive work, not activity in a shutdown window.
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass, field

from logsleuth.analysis.bounds import DistinctCounter
from logsleuth.reading.records import CONSOLE_DEATH, SHELL_BANNER, Record, Wants, logger_regex, parse_timestamp
from logsleuth.reading.requests import Request

MAX_WORKER_PIDS = 500
MAX_LIFETIMES = 500
"""Lifetimes kept per stream. Past it, the records of a process not seen before belong to no
lifetime (as console text outside any process does) and its PID is counted in ``omitted``."""
PRE_BANNER_SECONDS = 30
AFTER_MARKER_SECONDS = 120
"""A process that logged its shutdown marker is gone within seconds (request threads get about
one; prefork workers up to their time limit). A record of the same PID this long after the
marker, or a line only a starting process logs, is a new process (docker's PID 1, a reused PID)
logging before its banner."""

BANNER_PREFIXES = ("Odoo version ", "OpenERP version ")
SHUTDOWN_MARKERS = {
    "Initiating shutdown": "shutdown",
    "Stopping gracefully": "shutdown",
    "Stopping workers gracefully": "shutdown",
    "Stopping forcefully": "forced",
    "Forced shutdown.": "forced",
    "Initiating server reload": "reload",
    "Reloading server": "reload",
}
"""Lifecycle messages of the threaded, prefork and gevent servers (odoo.service.server)."""

RAW_FORCED = ("Forced shutdown.", "CPU time limit exceeded! Shutting down immediately")
RAW_BEFORE_START = ("Running as user ", "Using the database user ", "nohup: ")
"""Console lines a process prints before its banner: they belong to no lifetime yet."""

STOP_AFTER_INIT_BEFORE = re.compile(
    r"Modules loaded\.$|Registry loaded in |\d+ post-tests in |All post-tested in "
    r"|when loading database |Failed to initialize database |Closed \d+ connections"
    r"|^[\w.]+: \d+ tests? \d+(?:\.\d+)?s(?: \d+ queries)?\s*$"
)
"""What a one-shot run (``--stop-after-init``) logs just before its own ``Initiating shutdown``
(a prefork test run, 16+, ends with its ``odoo.tests.stats`` lines: it logs no summary)."""

STOP_AFTER_INIT_GAP = 5.0
"""Seconds at most between that line and the marker: a one-shot run stops as soon as loading (and
its tests) end; a marker after a longer silence is someone stopping a server whose HTTP service
never showed (port taken, ``--no-http``), not ``--stop-after-init``."""

RAW_CRASH = re.compile(CONSOLE_DEATH)

UNCAUGHT = "Traceback (most recent call last):"
"""How the interpreter starts printing an uncaught exception. Other console lines that carry a
traceback (``Exception in thread …``: a thread died, not the process; pieces of a wrapped
capture whose record headers were cut) show no death of the process."""

RESTART_LINE = re.compile(r"HTTP service \(\w+\) running |database: \S*@|Starting \d* ?\w* ?workers")
"""Lines a server logs once per process at its start: after a shutdown marker of the same PID
(or a second time), they start a new process's lifetime even without a banner."""

_POOL_CLOSED = re.compile(r"ConnectionPool\(.*\): Closed \d+ connections")

ROOT_LOGGERS = ("odoo", "openerp")
SERVER_LOGGERS = ("odoo.service.server", "openerp.service.server")
"""Odoo's root and server loggers: OpenERP (up to 9.0) logged its banner, start lines and
markers under ``openerp``/``openerp.service.server``, as Odoo does under ``odoo``."""

LOADING_LOGGERS = (
    "odoo.modules",
    "odoo.registry",
    "odoo.service.db",
    "openerp.modules",
    "openerp.service.db",
)
_SHELL_FRAME = 'cli/shell.py"'

_LOADING_MODULE = re.compile(r"loading (\w+)[/\\]|Loading module (\w+) \(")
_WORKER_SELF = re.compile(r"Worker (?:Worker\w+ )?\((\d+)\) ")
_WORKER_KILLED = re.compile(r"^(Worker\w+) \((\d+)\) timeout after")
_EVENTED = "Evented Service (longpolling) running on"
_HTTP_SERVICE = "HTTP service (werkzeug) running"

WANTS = Wants(
    loggers=tuple((None, logger_regex(exact=x), None) for x in (*ROOT_LOGGERS, *SERVER_LOGGERS))
    + tuple((None, logger_regex(prefix=x), None) for x in LOADING_LOGGERS),
    prefixes=(
        *SHUTDOWN_MARKERS,
        *BANNER_PREFIXES,
        "Worker",
        "HTTP service",
        "Evented Service",
        "database: ",
        "addons paths: ",
        "logger level set: ",
    ),
    substrings=("Closed ",),
)
"""Records the tracker acts on (banners, markers, start lines, workers, loading): never in a run."""


@dataclass
class LifetimeActivity:
    """What one lifetime did that the report needs beyond its boundaries."""

    window_requests: list[Request] = field(default_factory=list)
    window_requests_total: int = 0
    window_loading: list[tuple[str, int, str]] = field(default_factory=list)
    failed_requests: list[Request] = field(default_factory=list)
    failed_requests_total: int = 0


@dataclass
class Lifetime:
    """The life of one server process (its master PID), with its workers."""

    pid: int
    source: str
    start_line: int
    start: str | None
    started_by_banner: bool
    stream: int
    start_seq: int
    version: str | None = None
    end_line: int = 0
    end: str | None = None
    end_source: str = ""
    end_seq: int = 0
    shutdown_line: int | None = None
    shutdown_source: str | None = None
    shutdown_time: str | None = None
    shutdown_marker: str | None = None
    shutdown_seq: int | None = None
    marker_kind: str | None = None
    forced: bool = False
    forced_line: int | None = None
    replaced_by_same_pid: bool = False
    closed: bool = False
    http_service: bool = False
    evented: bool = False
    worker_pids: list[int] = field(default_factory=list)
    worker_count: int = 0
    gevent_pids: list[int] = field(default_factory=list)
    killed_workers: list[tuple[int, int]] = field(default_factory=list)
    addons_paths: list[str] = field(default_factory=list)
    lines: int = 0
    records: int = 0
    requests: int = 0
    last_master_message: str = ""
    last_master_time: str | None = None
    predecessor: Lifetime | None = None
    """The stopped process of the same PID whose successor's pre-banner lines opened this one."""
    stop_after_init: bool = False
    loaded: bool = False
    """The process logged module or registry loading (a one-shot run stops right after it)."""
    database_line: bool = False
    loading_module: str | None = None
    """The addon whose files or code the process is loading now (``loading X/views/y.xml``)."""
    reload_interrupted_loading: str | None = None
    """The addon it was loading when it logged its reload marker: the reload (a threaded server's
    limit, an update from the web) cut an install or upgrade short."""
    reloaded_from: Lifetime | None = None
    """The process of the same PID whose reload started this one (its banner, or its lines just
    before it): what this one finds half done (modules left to install) comes from it."""
    shell: bool = False
    activity: LifetimeActivity = field(default_factory=LifetimeActivity)
    """Requests and loading in its shutdown window, failed requests: kept with it across processes."""
    """Seen as an ``odoo shell`` session: a frame of odoo/cli/shell.py or the shell's banner."""
    early_marker: bool = False
    """The shutdown marker came before any HTTP service and any loading: a shell, or a one-shot
    run with nothing to load. It opens no shutdown window."""
    after_marker_records: int = 0
    crash_line: int | None = None
    crash_seq: int | None = None
    interrupted: bool = False
    restarted_without_banner: bool = False
    end_reason: str = "end-of-log"
    end_evidence: int | None = None
    """The line that shows the end reason (``None`` for ``unknown`` and ``end-of-log``)."""
    kind: str = "server"
    """``server``, ``shell`` or ``stop-after-init``."""
    index: int = 0
    selected: bool = True
    """False when --db/--pid/--lifetime/--level left none of its records in the analysis."""
    picked: bool = False

    @property
    def in_shutdown(self) -> bool:
        return self.shutdown_line is not None

    def _touch(self, rec: Record, seq: int) -> None:
        self.end_line = rec.last_line
        self.end_source = rec.source
        self.end_seq = seq
        if rec.timestamp is not None:
            self.end = rec.timestamp
        self.lines += rec.last_line - rec.first_line + 1
        self.records += 1

    def add_worker(self, pid: int) -> None:
        self.worker_count += 1
        if len(self.worker_pids) < MAX_WORKER_PIDS:
            self.worker_pids.append(pid)

    def shutdown_before(self, seq: int) -> bool:
        """True when this process logged a shutdown marker before the record numbered ``seq``
        (a shell's marker, logged before its interactive work, opens no window)."""
        return self.shutdown_seq is not None and self.shutdown_seq < seq and not self.early_marker


def _reloaded(old: Lifetime) -> Lifetime | None:
    """``old`` when its own reload marker ended it (the new process of its PID is its reload)."""
    return old if old.marker_kind == "reload" else None


def _pre_banner_output(lt: Lifetime, banner: Record) -> bool:
    """Records a process logs before its own banner (config warnings, logger levels) open a
    headless lifetime; its banner, seconds later, completes that lifetime instead of a new one."""
    if lt.started_by_banner or lt.marker_kind is not None or lt.worker_count:
        return False
    start, now = parse_timestamp(lt.start or ""), banner.time
    return start is not None and now is not None and 0 <= (now - start).total_seconds() <= PRE_BANNER_SECONDS


_LAST_INDEX = operator.itemgetter(9)
"""A run's groups in the order of their last records (see _core.Run)."""


def _outlived(lt: Lifetime, rec: Record) -> bool:
    """``rec`` comes from another process than ``lt`` under the same PID: a start-only line after
    ``lt`` got going, or a line long after ``lt``'s own shutdown marker (not a shell's early
    marker, after which a session goes on)."""
    if _START_ONLY.match(rec.logger or "") or (rec.logger == "py.warnings" and _CONFIG_WARNING.search(rec.message)):
        # init_logger's and the command line parser's lines, before the banner: only a starting
        # process logs them
        return lt.started_by_banner or lt.loaded or lt.requests > 0 or lt.shutdown_time is not None
    if lt.shutdown_time is None or lt.early_marker or rec.logger == "werkzeug":
        return False  # a request accepted before the marker may end late
    return _seconds_between(lt.shutdown_time, rec.timestamp) > AFTER_MARKER_SECONDS


_START_ONLY = re.compile(r"(?:odoo|openerp)\.tools\.config$|(?:odoo|openerp)\.netsvc$")
"""Loggers whose records only a starting process writes: ``logger level set: …`` (init_logger),
the configuration's warnings (``missing --http-interface``, deprecated options)."""
_CONFIG_WARNING = re.compile(r"[/\\]odoo[/\\]tools[/\\]config\.py:\d+: \w*Warning")
"""A Python warning raised while the command line and the configuration file are parsed."""


class LifetimeTracker:
    """Assigns every record of one stream to a lifetime; bounded by the number of processes."""

    wants = WANTS

    def __init__(self, stream: int = 0, index_base: int = 0) -> None:
        self.stream = stream
        self.index_base = index_base
        self.lifetimes: list[Lifetime] = []
        self.by_pid: dict[int, Lifetime] = {}
        self.last: Lifetime | None = None
        self.seq = 0
        self.omitted = DistinctCounter()
        """PIDs past MAX_LIFETIMES: their records belong to no lifetime."""
        self.changed_pids: list[int] | None = None
        """PIDs whose lifetime or shutdown window changed since the pipeline last looked, when
        it asks (a list): it tells the compiled scanner which processes' records may come as runs."""

    def _changed(self, pids) -> None:
        if self.changed_pids is not None:
            self.changed_pids.extend(pids)

    def feed_routine(self, run) -> None:
        """A run of routine records, all of processes with a lifetime outside its shutdown
        window: what ``feed`` does with each of them (WANTS keeps every other case out)."""
        base = self.seq
        self.seq += run.count
        groups = run.groups
        if len(groups) > 1:
            groups = sorted(groups, key=_LAST_INDEX)
        by_pid, source = self.by_pid, run.source
        lt = None
        for pid, _db, logger, _level, count, _first, last_line, last_time, message, index in groups:
            lt = by_pid[pid]
            lt.lines += count
            lt.records += count
            lt.end_line, lt.end_source, lt.end_seq, lt.end = last_line, source, base + index, last_time
            if logger == "werkzeug":
                lt.requests += count
            elif pid == lt.pid:
                lt.last_master_message, lt.last_master_time = message, last_time
        if lt is not None:
            self.last = lt  # the process of the run's last record

    def feed(self, rec: Record) -> Lifetime | None:
        """Attribute ``rec`` to a lifetime (``None`` for console text outside any process)."""
        self.seq += 1
        if rec.kind != "record":
            return self._feed_raw(rec)
        pid = rec.pid
        assert pid is not None
        if pid == 0:
            return None  # no process logs as PID 0: a platform's own lines (odoo.sh) written in Odoo's format
        lt = self.by_pid.get(pid)
        msg = rec.message
        banner = rec.logger in ROOT_LOGGERS and msg.startswith(BANNER_PREFIXES)
        if (lt is None or banner) and len(self.lifetimes) >= MAX_LIFETIMES:
            self.omitted.add((pid, self.seq) if banner else pid)
            if lt is not None:
                self.by_pid.pop(pid, None)  # a new process under a kept PID: not the old one any more
                self._changed((pid,))
            return None
        if banner:
            if lt is not None and lt.pid == pid and _pre_banner_output(lt, rec):
                lt.started_by_banner = True
                if lt.predecessor is not None:
                    self._adopt_children(lt.predecessor, lt)
                    lt.predecessor = None
            else:
                old = lt
                if old is not None and old.pid != pid:
                    self._forget_worker(old, pid)
                lt = self._start(rec, banner=True)
                if old is not None and old.pid == pid:
                    old.closed = True
                    old.replaced_by_same_pid = True
                    self._adopt_children(old, lt)
                    lt.reloaded_from = _reloaded(old)
            lt.version = msg.split(" version ", 1)[1].strip() or None
        elif lt is None:
            lt = self._adopt(rec)
        elif pid == lt.pid and _outlived(lt, rec):
            old = lt
            lt = self._start(rec, banner=False)
            old.closed = True
            old.replaced_by_same_pid = True
            lt.predecessor = old  # its worker PIDs move over at the banner, as at any restart
            lt.reloaded_from = _reloaded(old)
        elif pid == lt.pid and self._restarts(lt, rec):
            old = lt
            lt = self._start(rec, banner=False)
            lt.restarted_without_banner = True
            old.closed = True
            old.replaced_by_same_pid = True
            self._adopt_children(old, lt)
            lt.reloaded_from = _reloaded(old)
        lt._touch(rec, self.seq)
        self.last = lt
        if rec.logger == "werkzeug":
            lt.requests += 1
        if pid == lt.pid:
            self._master_record(lt, rec)
        elif msg.startswith("Worker (") and " exiting." in msg:
            self._forget_worker(lt, pid)
        return lt

    @staticmethod
    def _restarts(lt: Lifetime, rec: Record) -> bool:
        """A start line of ``lt``'s PID that a running process would not log: after its own
        shutdown marker, or an HTTP service / database line it already logged."""
        msg = rec.message
        if rec.logger not in ROOT_LOGGERS + SERVER_LOGGERS or not RESTART_LINE.match(msg):
            return False
        if lt.shutdown_line is not None and not lt.early_marker:
            return True
        if msg.startswith("HTTP service"):
            return lt.http_service
        return msg.startswith("database: ") and lt.database_line and lt.loaded

    def _feed_raw(self, rec: Record) -> Lifetime | None:
        if rec.kind == "unparsed" or rec.message.startswith(RAW_BEFORE_START):
            return None
        lt = self.last
        if lt is None:
            return None
        lt._touch(rec, self.seq)
        msg = rec.message
        if msg.startswith(RAW_FORCED):
            lt.forced = True
            lt.forced_line = rec.first_line
        elif msg.startswith(SHELL_BANNER):
            lt.shell = True
        elif RAW_CRASH.match(msg) or (rec.has_traceback and msg.startswith(UNCAUGHT)):
            # an uncaught exception or a fatal signal: it ended the process if nothing follows
            lt.crash_line, lt.crash_seq = rec.first_line, self.seq
            body = [x for x in rec.continuation if x.strip()]
            lt.interrupted = bool(body) and body[-1].startswith(("KeyboardInterrupt", "SystemExit"))
            lt.shell = lt.shell or any(_SHELL_FRAME in x for x in body[:60])
        return lt

    def _start(self, rec: Record, banner: bool) -> Lifetime:
        assert rec.pid is not None
        lt = Lifetime(
            pid=rec.pid,
            source=rec.source,
            start_line=rec.first_line,
            start=rec.timestamp,
            started_by_banner=banner,
            stream=self.stream,
            start_seq=self.seq,
        )
        self.lifetimes.append(lt)
        lt.index = self.index_base + len(self.lifetimes)  # final once finish() ran
        self.by_pid[rec.pid] = lt
        self._changed((rec.pid,))
        return lt

    def _open_master(self) -> Lifetime | None:
        for lt in reversed(self.lifetimes):
            if not lt.closed and lt.shutdown_line is None:
                return lt
        return None

    def _adopt(self, rec: Record) -> Lifetime:
        """A PID seen for the first time without a banner: a worker, or a process seen mid-life."""
        assert rec.pid is not None
        m = _WORKER_SELF.match(rec.message)
        is_worker_line = m is not None and int(m.group(1)) == rec.pid
        master = self._open_master()
        if master is not None and (is_worker_line or master.worker_count):
            master.add_worker(rec.pid)
            self.by_pid[rec.pid] = master
            self._changed((rec.pid,))
            return master
        return self._start(rec, banner=False)

    def _adopt_children(self, old: Lifetime, new: Lifetime) -> None:
        """Same master PID, new banner (execve reload, v19 graceful reload): workers still alive
        carry on under the new lifetime, so lifetimes of one PID never overlap."""
        for child, owner in list(self.by_pid.items()):
            if owner is old and child != old.pid:
                self.by_pid[child] = new
                new.add_worker(child)
                self._changed((child,))

    def _forget_worker(self, lt: Lifetime, pid: int) -> None:
        if self.by_pid.get(pid) is lt and pid != lt.pid:
            del self.by_pid[pid]
            self._changed((pid,))

    def _master_record(self, lt: Lifetime, rec: Record) -> None:
        msg = rec.message
        kind = SHUTDOWN_MARKERS.get(msg)
        if kind is not None and rec.logger and "server" in rec.logger:
            if lt.shutdown_line is None:
                lt.shutdown_line = rec.first_line
                self._changed(p for p, owner in self.by_pid.items() if owner is lt)
                lt.shutdown_source = rec.source
                lt.shutdown_time = rec.timestamp
                lt.shutdown_marker = msg
                lt.shutdown_seq = self.seq
                if kind == "reload":
                    lt.reload_interrupted_loading = lt.loading_module
                lt.early_marker = (
                    kind == "shutdown"
                    and not lt.http_service
                    and not lt.loaded
                    and not lt.evented
                    and lt.requests == 0
                    and lt.started_by_banner
                    and _seconds_between(lt.last_master_time, rec.timestamp) <= STOP_AFTER_INIT_GAP
                )
                lt.stop_after_init = (
                    kind == "shutdown"
                    and lt.requests == 0
                    and not lt.http_service
                    and bool(STOP_AFTER_INIT_BEFORE.search(lt.last_master_message))
                    and _seconds_between(lt.last_master_time, rec.timestamp) <= STOP_AFTER_INIT_GAP
                )
            if kind == "forced":
                lt.forced = True
                lt.forced_line = rec.first_line
            lt.marker_kind = kind if lt.marker_kind != "forced" else "forced"
            return
        if lt.shutdown_seq is not None and rec.logger not in SERVER_LOGGERS and not _POOL_CLOSED.match(msg):
            # a shell session goes on after its marker; a stopping server only closes its pool
            lt.after_marker_records += 1
        if rec.extra and any(_SHELL_FRAME in x for x in rec.extra[:60]):
            lt.shell = True
        if rec.logger and rec.logger.startswith(LOADING_LOGGERS):
            lt.loaded = True
            m = _LOADING_MODULE.match(msg)
            if m:
                lt.loading_module = m.group(1) or m.group(2)
            elif msg.startswith(("Modules loaded", "Registry loaded")):
                lt.loading_module = None
        if msg.startswith(_HTTP_SERVICE):
            lt.http_service = True
        elif rec.logger in ROOT_LOGGERS and msg.startswith("database: "):
            lt.database_line = True
        elif msg.startswith(_EVENTED):
            lt.evented = True
            self._attach_gevent_child(lt)
        elif rec.logger in ROOT_LOGGERS and msg.startswith("addons paths: "):
            lt.addons_paths = re.findall(r"'((?:[^'\\]|\\.)*)'", msg)
        else:
            killed = _WORKER_KILLED.match(msg)
            if killed:
                wpid = int(killed.group(2))
                lt.killed_workers.append((wpid, rec.first_line))
                self._forget_worker(lt, wpid)
        if rec.logger != "werkzeug" and ("Closed " not in msg or "connections" not in msg):
            lt.last_master_message = msg
            lt.last_master_time = rec.timestamp

    def _attach_gevent_child(self, child: Lifetime) -> None:
        """A banner whose process runs the evented service (and no HTTP service) is the gevent
        side-process of the prefork master running at that moment."""
        if child.http_service or not child.started_by_banner:
            return
        for lt in reversed(self.lifetimes):
            if lt is child or lt.closed or lt.shutdown_line is not None or lt.start_seq > child.start_seq:
                continue
            lt.gevent_pids.append(child.pid)
            lt.lines += child.lines
            lt.records += child.records
            if child.end_seq > lt.end_seq:
                lt.end_line, lt.end, lt.end_source, lt.end_seq = (
                    child.end_line,
                    child.end,
                    child.end_source,
                    child.end_seq,
                )
            at = self.lifetimes.index(child)
            self.lifetimes.remove(child)
            for later in self.lifetimes[at:]:
                later.index -= 1
            self.by_pid[child.pid] = lt
            self._changed((child.pid,))
            if self.last is child:
                self.last = lt
            return

    def finish(self) -> list[Lifetime]:
        """Decide each lifetime's kind and end reason, from evidence only, once the whole stream
        has been seen."""
        last_start = max((lt.start_seq for lt in self.lifetimes), default=0)
        for lt in self.lifetimes:
            succeeded = lt.replaced_by_same_pid or last_start > lt.end_seq
            shell = lt.shell or (lt.early_marker and lt.after_marker_records > 0)
            lt.kind = "shell" if shell else "stop-after-init" if lt.stop_after_init else "server"
            crashed = lt.crash_seq is not None and lt.crash_seq == lt.end_seq
            if lt.forced:
                lt.end_reason, lt.end_evidence = "forced", lt.forced_line
            elif lt.marker_kind is not None and lt.kind != "shell":
                if lt.marker_kind == "reload":
                    lt.end_reason = "reload"
                else:
                    lt.end_reason = "stop-after-init" if lt.kind == "stop-after-init" else "shutdown"
                lt.end_evidence = lt.shutdown_line
            elif crashed:
                # an uncaught KeyboardInterrupt is the user's Ctrl-C: a forced stop, not a crash
                lt.end_reason, lt.end_evidence = ("forced" if lt.interrupted else "crash"), lt.crash_line
            else:
                lt.end_reason, lt.end_evidence = ("unknown" if succeeded else "end-of-log"), None
        return self.lifetimes


def _seconds_between(earlier: str | None, later: str | None) -> float:
    """Seconds from one record's timestamp to another's; 0 when either is unknown (no evidence of
    a gap)."""
    a = parse_timestamp(earlier) if earlier else None
    b = parse_timestamp(later) if later else None
    return (b - a).total_seconds() if a is not None and b is not None else 0.0

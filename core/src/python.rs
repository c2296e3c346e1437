//! The extension module `logsleuth._core`: Scanner (bytes in, records and runs out),
//! RoutineTable (what Python does not need to see one by one) and parse_request.

use pyo3::prelude::*;
use pyo3::types::{PyInt, PyList, PyTuple};
use regex::Regex;
use std::collections::HashMap;

use crate::routine::{widen, Prefilter, Rules, Searched, Table, Wanted};
use crate::ahead::Ahead;
use crate::runs::{Item, Scanner};
use crate::scan::{self, Rec};

#[pyclass(module = "logsleuth._core", name = "RoutineTable")]
struct PyTable {
    inner: Table,
}

#[pymethods]
impl PyTable {
    /// ``levels``: level → (loggers wanted whatever the message, [(logger, message regex of
    /// Python's regex module)] wanted when the message may match); levels absent are never
    /// routine. ``requests``: logger → the status classes wanted ("5"). Logger patterns are
    /// regexes of this crate.
    #[new]
    fn new(
        levels: HashMap<String, (Vec<String>, Vec<(String, String)>)>,
        excluded_prefixes: Vec<String>,
        excluded_substrings: Vec<String>,
        requests: HashMap<String, String>,
        patterns: Vec<Searched>,
    ) -> PyResult<Self> {
        let compile = |p: &str| Regex::new(p).map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()));
        let mut compiled = Vec::new();
        for (level, (mut loggers, messages)) in levels {
            let mut filtered = Vec::new();
            for (logger, message) in messages {
                match widen(&message) {
                    Some(rx) => filtered.push((compile(&logger)?, rx)),
                    None => loggers.push(logger),
                }
            }
            let any = if loggers.is_empty() {
                None
            } else {
                Some(compile(&loggers.iter().map(|l| format!("(?:{l})")).collect::<Vec<_>>().join("|"))?)
            };
            compiled.push((level, Wanted { loggers: any, messages: filtered }));
        }
        let requests = requests
            .into_iter()
            .map(|(logger, classes)| (logger, classes.chars().map(|c| format!("\" {c}")).collect()))
            .collect();
        Ok(PyTable {
            inner: Table::new(Rules::new(compiled, excluded_prefixes, excluded_substrings, requests, Prefilter::new(&patterns))),
        })
    }

    /// Processes whose records may be routine from now on (``allow``), and no longer (``forbid``).
    fn update(&mut self, allow: Vec<u64>, forbid: Vec<u64>) {
        for pid in forbid {
            self.inner.allowed.remove(&pid);
        }
        self.inner.allowed.extend(allow);
    }
}

/// Consecutive routine records: their number, first and last time, and per process,
/// database, logger and level a tuple (pid, db, logger, level, count, first_line,
/// last_line, last_time, last_message, last_index), in order of first appearance.
#[pyclass(module = "logsleuth._core", name = "Run", frozen, get_all)]
struct PyRun {
    source: Py<PyAny>,
    count: u64,
    first_time: String,
    last_time: String,
    groups: Py<PyList>,
}

/// How the bytes are read: on the caller's thread, or ahead on another one.
enum Mode {
    Serial(Scanner),
    Ahead(Ahead),
}

#[pyclass(module = "logsleuth._core", name = "Scanner")]
struct PyScanner {
    mode: Mode,
    source: Py<PyAny>,
    table: Option<Py<PyTable>>,
}

fn pid_object<'py>(py: Python<'py>, text: &str) -> PyResult<Bound<'py, PyAny>> {
    if text.len() <= 18 && text.bytes().all(|b| b.is_ascii_digit()) {
        if let Ok(n) = text.parse::<u64>() {
            return Ok(n.into_pyobject(py)?.into_any());
        }
    }
    py.get_type::<PyInt>().call1((text,)) // Unicode digits: Python's int() reads them
}

fn record_tuple<'py>(py: Python<'py>, mut rec: Rec) -> PyResult<Bound<'py, PyTuple>> {
    let extra = std::mem::take(&mut rec.extra);
    let tail: Option<Vec<String>> = rec.tail.take().map(|t| Vec::from(*t));
    let (ts, pid, level, db, logger) = match rec.header() {
        Some(h) => (Some(h.timestamp), Some(pid_object(py, h.pid)?), Some(h.level), Some(h.db), Some(h.logger)),
        None => (None, None, None, None, None),
    };
    let head = (rec.kind.name(), rec.first_line, rec.last_line, ts, pid, level, db, logger);
    (head, rec.message(), extra, tail, rec.cut_lines, rec.may_match).into_pyobject(py)
}

#[pymethods]
impl PyScanner {
    /// ``ahead``: read (split lines, decode, parse records) on a thread of its own while the
    /// caller analyses what came before; the items are the same.
    #[new]
    #[pyo3(signature = (source, first_line=1, probe=true, table=None, ahead=false))]
    fn new(py: Python<'_>, source: Py<PyAny>, first_line: u64, probe: bool, table: Option<Py<PyTable>>, ahead: bool) -> Self {
        let mode = if ahead {
            // the thread classifies what it can ahead, with the table's fixed part
            let rules = table.as_ref().map(|t| t.borrow(py).inner.rules.clone());
            Mode::Ahead(Ahead::new(first_line, probe, rules))
        } else {
            Mode::Serial(Scanner::new(first_line, probe))
        };
        PyScanner { mode, source, table }
    }

    /// More bytes of the source (any cut: lines may straddle blocks). Take the items they
    /// give before pushing more.
    fn push(&mut self, data: &[u8]) {
        match &mut self.mode {
            Mode::Serial(s) => s.reader.push(data),
            Mode::Ahead(a) => a.push(data),
        }
    }

    /// The end of the source: what is left is the last line (dropped when ``damaged``), and
    /// the last record is complete.
    #[pyo3(signature = (damaged=false))]
    fn close(&mut self, damaged: bool) {
        match &mut self.mode {
            Mode::Serial(s) => s.reader.close(damaged),
            Mode::Ahead(a) => a.close(damaged),
        }
    }

    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    /// A record as a tuple ((kind, first_line, last_line, timestamp, pid, level, db, logger),
    /// message, extra, tail, cut_lines, may_match) or a Run; stops when more bytes are needed.
    /// ``may_match``: bit i set when pattern i of the table may match (None without a table).
    fn __next__(&mut self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        loop {
            let item = {
                // borrowed only while classifying: never held while the GIL is released below
                let table = self.table.as_ref().map(|t| t.borrow(py));
                let table = table.as_ref().map(|t| &t.inner);
                match &mut self.mode {
                    Mode::Serial(s) => s.next_item(table),
                    Mode::Ahead(a) => a.next_item(table),
                }
            };
            match item {
                Some(item) => return self.convert(py, item).map(Some),
                None => match &mut self.mode {
                    Mode::Ahead(a) if a.waiting() => {
                        // wait for the reading thread without the GIL
                        let receiver = a.receiver();
                        let (message, receiver) = py.detach(move || (receiver.recv(), receiver));
                        a.accept(receiver, message);
                    }
                    Mode::Ahead(a) if a.failed => {
                        return Err(pyo3::exceptions::PyRuntimeError::new_err("the reading thread stopped before the end of the input"));
                    }
                    _ => return Ok(None),
                },
            }
        }
    }

    /// From now on, read ahead on a thread (between two blocks, their items all taken).
    fn read_ahead(&mut self, py: Python<'_>) {
        if let Mode::Serial(_) = self.mode {
            let rules = self.table.as_ref().map(|t| t.borrow(py).inner.rules.clone());
            if let Mode::Serial(scanner) = std::mem::replace(&mut self.mode, Mode::Serial(Scanner::new(1, false))) {
                self.mode = Mode::Ahead(Ahead::take_over(scanner, rules));
            }
        }
    }

    /// lines, bytes, cut_lines, cut_bytes and the console prefix found (or None).
    fn counts(&self) -> (u64, u64, u64, u64, Option<&'static str>) {
        let (c, prefix) = match &self.mode {
            Mode::Serial(s) => (s.reader.counts, s.reader.cleaner.mode),
            Mode::Ahead(a) => (a.counts, a.prefix),
        };
        (c.lines, c.bytes, c.cut_lines, c.cut_bytes, prefix.map(|m| m.name()))
    }
}

impl PyScanner {
    fn convert(&self, py: Python<'_>, item: Item) -> PyResult<Py<PyAny>> {
        match item {
            Item::Record(rec) => Ok(record_tuple(py, rec)?.into_any().unbind()),
            Item::Run(r) => {
                let groups = PyList::empty(py);
                for g in r.groups {
                    let row = (g.pid, g.db, g.logger, g.level, g.count, g.first_line, g.last_line, g.last_time,
                               g.last_message, g.last_index);
                    groups.append(row)?;
                }
                let run = PyRun {
                    source: self.source.clone_ref(py),
                    count: r.count,
                    first_time: r.first_time,
                    last_time: r.last_time,
                    groups: groups.unbind(),
                };
                Ok(Py::new(py, run)?.into_any())
            }
        }
    }
}

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyScanner>()?;
    m.add_class::<PyTable>()?;
    m.add_class::<PyRun>()?;
    m.add("MAX_LINE_BYTES", scan::MAX_LINE_BYTES)?;
    Ok(())
}

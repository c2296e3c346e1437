//! The extension module `logsleuth._core`: Scanner (bytes in, records and runs out),
//! RoutineTable (what Python does not need to see one by one) and parse_request.

use pyo3::prelude::*;
use pyo3::types::{PyInt, PyTuple};
use regex::Regex;
use std::collections::{HashMap, HashSet};

use crate::routine::Table;
use crate::scan::{self, Item, Rec, Scanner};

#[pyclass(module = "logsleuth._core", name = "RoutineTable")]
struct PyTable {
    inner: Table,
}

#[pymethods]
impl PyTable {
    /// ``levels``: level → a regex of the loggers wanted at that level (None: none), levels
    /// absent are never routine; ``requests``: logger → the status classes wanted ("5").
    #[new]
    fn new(
        levels: HashMap<String, Option<String>>,
        excluded_prefixes: Vec<String>,
        excluded_substrings: Vec<String>,
        requests: HashMap<String, String>,
    ) -> PyResult<Self> {
        let mut compiled = HashMap::new();
        for (level, wanted) in levels {
            let rx = match wanted {
                Some(p) => Some(Regex::new(&p).map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))?),
                None => None,
            };
            compiled.insert(level, rx);
        }
        let requests = requests
            .into_iter()
            .map(|(logger, classes)| (logger, classes.bytes().filter(u8::is_ascii_digit).map(|b| b - b'0').collect()))
            .collect();
        Ok(PyTable {
            inner: Table { levels: compiled, excluded_prefixes, excluded_substrings, requests, allowed: HashSet::new() },
        })
    }

    /// The processes whose records may be routine from now on.
    fn allow(&mut self, pids: HashSet<u64>) {
        self.inner.allowed = pids;
    }
}

/// A run of consecutive routine records of one process, database, logger and level.
#[pyclass(module = "logsleuth._core", name = "Run", frozen, get_all)]
struct PyRun {
    source: Py<PyAny>,
    pid: u64,
    db: String,
    logger: String,
    level: String,
    count: u64,
    requests: u64,
    server_errors: u64,
    first_line: u64,
    last_line: u64,
    first_time: String,
    last_time: String,
    first_message: String,
    last_message: String,
}

#[pyclass(module = "logsleuth._core", name = "Scanner")]
struct PyScanner {
    inner: Scanner,
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

fn record_tuple<'py>(py: Python<'py>, rec: Rec) -> PyResult<Bound<'py, PyTuple>> {
    let (ts, pid, level, db, logger) = match rec.header {
        Some(h) => (Some(h.timestamp), Some(pid_object(py, &h.pid)?), Some(h.level), Some(h.db), Some(h.logger)),
        None => (None, None, None, None, None),
    };
    let tail: Option<Vec<String>> = rec.tail.map(Vec::from);
    (rec.kind.name(), rec.first_line, rec.last_line, ts, pid, level, db, logger, rec.message, rec.extra, tail, rec.cut_lines)
        .into_pyobject(py)
}

#[pymethods]
impl PyScanner {
    #[new]
    #[pyo3(signature = (source, first_line=1, probe=true, table=None))]
    fn new(source: Py<PyAny>, first_line: u64, probe: bool, table: Option<Py<PyTable>>) -> Self {
        PyScanner { inner: Scanner::new(first_line, probe), source, table }
    }

    /// More bytes of the source (any cut: lines may straddle blocks).
    fn push(&mut self, data: &[u8]) {
        self.inner.push(data);
    }

    /// The end of the source: what is left is the last line (dropped when ``damaged``), and
    /// the last record is complete.
    #[pyo3(signature = (damaged=false))]
    fn close(&mut self, damaged: bool) {
        if damaged {
            self.inner.drop_partial();
        }
        self.inner.close();
    }

    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    /// A record as a tuple (kind, first_line, last_line, timestamp, pid, level, db, logger,
    /// message, extra, tail, cut_lines) or a Run; stops when more bytes are needed.
    fn __next__(&mut self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        let table = self.table.as_ref().map(|t| t.borrow(py));
        let item = self.inner.next_item(table.as_ref().map(|t| &t.inner));
        drop(table);
        match item {
            None => Ok(None),
            Some(Item::Record(rec)) => Ok(Some(record_tuple(py, rec)?.into_any().unbind())),
            Some(Item::Run(r)) => {
                let run = PyRun {
                    source: self.source.clone_ref(py),
                    pid: r.pid,
                    db: r.db,
                    logger: r.logger,
                    level: r.level,
                    count: r.count,
                    requests: r.requests,
                    server_errors: r.server_errors,
                    first_line: r.first_line,
                    last_line: r.last_line,
                    first_time: r.first_time,
                    last_time: r.last_time,
                    first_message: r.first_message,
                    last_message: r.last_message,
                };
                Ok(Some(Py::new(py, run)?.into_any()))
            }
        }
    }

    /// lines, bytes, cut_lines, cut_bytes and the console prefix found (or None).
    fn counts(&self) -> (u64, u64, u64, u64, Option<&'static str>) {
        let c = self.inner.counts;
        (c.lines, c.bytes, c.cut_lines, c.cut_bytes, self.inner.cleaner.mode.map(|m| m.name()))
    }
}

/// A werkzeug access line: (client, method, path, status, query_count, query_time, other_time)
/// as text, or None.
#[pyfunction]
#[allow(clippy::type_complexity)]
fn parse_request(message: &str) -> Option<(&str, &str, &str, &str, Option<&str>, Option<&str>, Option<&str>)> {
    let r = scan::parse_request(message)?;
    Some((r.client, r.method, r.path, r.status, r.query_count, r.query_time, r.other_time))
}

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyScanner>()?;
    m.add_class::<PyTable>()?;
    m.add_class::<PyRun>()?;
    m.add_function(wrap_pyfunction!(parse_request, m)?)?;
    m.add("MAX_LINE_BYTES", scan::MAX_LINE_BYTES)?;
    Ok(())
}

//! Bytes → clean lines → records, the same rules as the Python reference
//! (logsleuth/sources.py's LineCleaner and logsleuth/records.py's RecordParser).
//!
//! Python's `re` on `str` differs from the regex crate in its character classes: `\s` also
//! matches U+001C..U+001F and `\w` is letters, numbers and `_` (no marks), so the patterns below
//! spell those classes out. Nothing here knows what a record means to Odoo: which records are
//! routine is decided by the table Python hands in (routine.rs).

use regex::Regex;
use std::collections::VecDeque;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::LazyLock;


pub const MAX_LINE_BYTES: usize = 64 * 1024;
const PREFIX_PROBE_LINES: u32 = 200;
const MAX_KEPT_LINES_HEAD: usize = 1000;
const MAX_KEPT_LINES_TAIL: usize = 300;
const MAX_LINE_CHARS: usize = 8000;
const TRACEBACK_START: &str = "Traceback (most recent call last):";
const CHAIN_LINES: [&str; 2] = [
    "During handling of the above exception, another exception occurred:",
    "The above exception was the direct cause of the following exception:",
];

fn rx(pattern: &str) -> Regex {
    Regex::new(pattern).expect("valid pattern")
}

macro_rules! pattern {
    ($name:ident, $text:expr) => {
        static $name: LazyLock<Regex> = LazyLock::new(|| rx($text));
    };
}

// \S of Python is [^\s\x1c-\x1f]; \w is [\p{L}\p{N}_]
pattern!(HEADER, r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) (\d+) (DEBUG|INFO|WARNING|ERROR|CRITICAL|[A-Z_]{3,10}) ([^\s\x1c-\x1f]+) ([^\s\x1c-\x1f:]+): ?(.*)");
pattern!(RAW_START, concat!(
    r"^(?:(?:.*: line \d+: +\d+ )?(?:Killed|Segmentation fault|Aborted|Bus error)(?: \(core dumped\))?(?: .*)?$",
    r"|Fatal Python error: ",
    r"|env: <odoo\.api\.Environment object at",
    r"|Exception in thread [^\s\x1c-\x1f].*:$",
    r"|Running as user '.*' is a security risk\.",
    r"|Using the database user '.*' is a security risk, aborting\.",
    r"|Forced shutdown\.$",
    r"|CPU time limit exceeded! Shutting down immediately",
    r"|ERROR: couldn't create the logfile directory",
    r"|--- Logging error ---$",
    r"|nohup: ",
    r"|[^\s\x1c-\x1f][^:]*\.py:\d+: [\p{L}\p{N}_]*Warning: ",
    r"|[^\s\x1c-\x1f][^:]*: error: option [^\s\x1c-\x1f]+: )"
));
pattern!(PS_PREFIX, r"^(?:[A-Za-z]:)?[\p{L}\p{N}_.\\/~-]+ : \d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} \d+ ");
pattern!(CUT_HEADER, r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} \d+(?: [A-Z_]{3,10}(?: [^\s\x1c-\x1f]+)?)? ?$");
/// records.py's _CUT_HEADER_CHARS
const CUT_HEADER_CHARS: usize = 120;

/// A cheap test before CUT_HEADER: such a line is short and holds at most five spaces (one
/// in the timestamp, three between columns, one at the end), where a whole header holds at
/// least five before its message.
fn could_be_cut_header(text: &str) -> bool {
    text.len() <= CUT_HEADER_CHARS * 4 && text.bytes().filter(|&b| b == b' ').take(6).count() <= 5
}
pattern!(TIMESTAMP, r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} ");
pattern!(EXC_LINE, r"^[A-Za-z_][\p{L}\p{N}_.]*(?:Error|Exception|Interrupt|Exit|Warning|Failure)(?:$|[^\p{L}\p{N}_])|^[A-Za-z_][\p{L}\p{N}_.]*: ");
pattern!(ENTRY_FRAME, concat!(
    r#"^(?:[\s\x1c-\x1f]+File "(?:<frozen runpy>|[^"]*(?:odoo-bin|[/\\]bin[/\\][\p{L}\p{N}_.-]+|__main__\.py|runpy\.py|pydevd\.py|debugpy[^"]*|[Ss]ocket[Ss]erver\.py))", line \d+, in "#,
    r#"|[\s\x1c-\x1f]+File "[^"]*threading\.py", line \d+, in _bootstrap)"#
));
pattern!(PERF_SUFFIX, r" (?:-|\d+) (?:-|\d+\.\d+) (?:-|\d+\.\d+)(?: [^\s\x1c-\x1f]+)?$");
pattern!(ANSI, r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]");
pattern!(COMPOSE_PREFIX, r"^[A-Za-z0-9][\p{L}\p{N}_.-]*[\s\x1c-\x1f]*\| ?");
pattern!(DOCKER_TS_PREFIX, r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d) ");
pattern!(LOOKS_ODOO, r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} \d+ ");
pattern!(PY_DIGIT, r"^[\p{Nd}\u{b2}\u{b3}\u{b9}\u{2070}\u{2074}-\u{2079}\u{2080}-\u{2089}\u{2460}-\u{2468}]");

/// Python's `str.isspace`: Unicode White_Space plus the four ASCII separators.
pub fn py_space(c: char) -> bool {
    c.is_whitespace() || ('\x1c'..='\x1f').contains(&c)
}

pub fn py_rstrip(text: &str) -> &str {
    text.trim_end_matches(py_space)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Record,
    Raw,
    Unparsed,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Record => "record",
            Kind::Raw => "raw",
            Kind::Unparsed => "unparsed",
        }
    }
}

/// A byte range of a record's first line.
pub type Span = (u32, u32);

/// A span of a line (lines are cut at MAX_LINE_BYTES: u32 is plenty, and records move a lot).
fn span(from: usize, to: usize) -> Span {
    (from as u32, to as u32)
}

fn at(line: &str, (from, to): Span) -> &str {
    &line[from as usize..to as usize]
}

/// Where the header columns are in a record's first line (the line is stored once: a routine
/// record costs one allocation, not one per column).
#[derive(Debug, Clone, Copy)]
pub struct Header {
    timestamp: Span,
    pid: Span,
    level: Span,
    db: Span,
    logger: Span,
}

/// The header columns of a record, borrowed from its line.
pub struct Columns<'a> {
    pub timestamp: &'a str,
    pub pid: &'a str,
    pub level: &'a str,
    pub db: &'a str,
    pub logger: &'a str,
}

/// One log record, as records.py's Record holds it.
#[derive(Debug, Clone)]
pub struct Rec {
    /// Which patterns may match it (see routine::Prefilter); all when not filtered.
    pub may_match: Option<u128>,
    /// Classified ahead (routine::Rules::classify): the PID when nothing wants it, whatever
    /// the state of its process.
    pub unwanted: Option<Option<u64>>,
    pub kind: Kind,
    pub first_line: u64,
    pub last_line: u64,
    line: String,
    header: Option<Header>,
    message: Span,
    pub extra: Vec<String>,
    /// the last lines of a record longer than MAX_KEPT_LINES_HEAD (boxed: records move a lot)
    pub tail: Option<Box<VecDeque<String>>>,
    pub cut_lines: u64,
}

impl Rec {
    fn new(kind: Kind, first_line: u64, line: String, header: Option<Header>, message: Span) -> Rec {
        Rec { may_match: None, unwanted: None, kind, first_line, last_line: first_line, line, header, message, extra: Vec::new(), tail: None, cut_lines: 0 }
    }

    /// A record without a header (console text): its message is the line, right-stripped.
    fn plain(kind: Kind, first_line: u64, line: String) -> Rec {
        let end = py_rstrip(&line).len();
        Rec::new(kind, first_line, line, None, span(0, end))
    }

    fn add(&mut self, text: String, number: u64) {
        self.last_line = number;
        // only a line of more bytes than MAX_LINE_CHARS can have more characters
        let cut = if text.len() > MAX_LINE_CHARS { text.char_indices().nth(MAX_LINE_CHARS) } else { None };
        let text = match cut {
            Some((at, _)) => format!("{} …[cut]", &text[..at]),
            None => text,
        };
        if self.extra.len() < MAX_KEPT_LINES_HEAD {
            self.extra.push(text);
            return;
        }
        let tail = self.tail.get_or_insert_with(Box::default);
        if tail.len() == MAX_KEPT_LINES_TAIL {
            self.cut_lines += 1;
            tail.pop_front();
        }
        tail.push_back(text);
    }

    pub fn message(&self) -> &str {
        at(&self.line, self.message)
    }

    pub fn header(&self) -> Option<Columns<'_>> {
        let line = self.line.as_str();
        self.header.map(|h| Columns {
            timestamp: at(line, h.timestamp),
            pid: at(line, h.pid),
            level: at(line, h.level),
            db: at(line, h.db),
            logger: at(line, h.logger),
        })
    }

    pub fn logger(&self) -> Option<&str> {
        self.header.map(|h| at(&self.line, h.logger))
    }

    fn level_is(&self, levels: &[&str]) -> bool {
        self.header.is_some_and(|h| levels.contains(&at(&self.line, h.level)))
    }

    /// records.py's Record.text (None when the PID would not print as it is written).
    pub fn text(&self) -> Option<String> {
        let mut out = match self.header() {
            Some(h) => {
                if !h.pid.bytes().all(|b| b.is_ascii_digit()) || (h.pid.len() > 1 && h.pid.starts_with('0')) {
                    return None;
                }
                format!("{} {} {} {} {}: {}", h.timestamp, h.pid, h.level, h.db, h.logger, self.message())
            }
            None => self.message().to_string(),
        };
        for line in self.continuation() {
            out.push('\n');
            out.push_str(line);
        }
        Some(out)
    }

    fn continuation(&self) -> impl Iterator<Item = &str> {
        self.extra.iter().chain(self.tail.iter().flat_map(|t| t.iter())).map(String::as_str)
    }

    /// Whether a traceback may be among its lines (records.py's Record.has_traceback is a part).
    pub fn may_have_traceback(&self) -> bool {
        self.kind != Kind::Record || !self.extra.is_empty()
    }

    fn continuation_len(&self) -> usize {
        self.extra.len() + self.tail.as_ref().map_or(0, |t| t.len())
    }
}

/// The header columns and the message of a line, when it starts a record.
fn header_spans(text: &str) -> Option<(Header, Span)> {
    if !text.starts_with(|c: char| c.is_ascii_digit() || !c.is_ascii()) {
        return None; // HEADER starts with a (Unicode) digit
    }
    let (header, message) = match fast_header(text) {
        Some(found) => found,
        None => {
            let c = HEADER.captures(text)?;
            let group = |i: usize| c.get(i).map(|m| span(m.start(), m.end())).expect("the header's groups");
            let header = Header { timestamp: group(1), pid: group(2), level: group(3), db: group(4), logger: group(5) };
            (header, group(6).0 as usize)
        }
    };
    Some((header, span(message, message + py_rstrip(&text[message..]).len())))
}

/// HEADER on a line whose columns up to the logger are ASCII (nearly every line), without the
/// regex engine: the columns are unambiguous (a level, a database and a logger never contain
/// a space, a logger never a colon). None when the line is not such a header or is not ASCII
/// there (then the regex decides). Returns where the message starts.
fn fast_header(text: &str) -> Option<(Header, usize)> {
    let b = text.as_bytes();
    const SHAPE: &[u8; 24] = b"0000-00-00 00:00:00,000 ";
    if b.len() < 26 {
        return None;
    }
    for (i, &shape) in SHAPE.iter().enumerate() {
        if if shape == b'0' { !b[i].is_ascii_digit() } else { b[i] != shape } {
            return None;
        }
    }
    fn word(b: &[u8], from: usize, ok: impl Fn(u8) -> bool) -> Option<usize> {
        let len = b[from..].iter().take_while(|&&c| ok(c)).count();
        (len > 0).then_some(from + len)
    }
    let pid_end = word(b, 24, |c| c.is_ascii_digit())?;
    if b.get(pid_end) != Some(&b' ') {
        return None;
    }
    let level_end = word(b, pid_end + 1, |c| c.is_ascii_uppercase() || c == b'_')?;
    if !(3..=10).contains(&(level_end - pid_end - 1)) || b.get(level_end) != Some(&b' ') {
        return None;
    }
    // ASCII graphic bytes only: anything else (a non-ASCII or control character) goes to the regex
    let db_end = word(b, level_end + 1, |c| c.is_ascii_graphic())?;
    if b.get(db_end) != Some(&b' ') {
        return None;
    }
    let logger_end = word(b, db_end + 1, |c| c.is_ascii_graphic() && c != b':')?;
    if b.get(logger_end) != Some(&b':') {
        return None;
    }
    let mut message = logger_end + 1;
    if b.get(message) == Some(&b' ') {
        message += 1;
    }
    let header = Header {
        timestamp: span(0, 23),
        pid: span(24, pid_end),
        level: span(pid_end + 1, level_end),
        db: span(level_end + 1, db_end),
        logger: span(db_end + 1, logger_end),
    };
    Some((header, message))
}

/// werkzeug appends the perf columns after the whole message, traceback included.
fn finish(mut rec: Rec) -> Rec {
    if rec.logger() == Some("werkzeug") && !rec.extra.is_empty() {
        let last = match rec.tail.as_mut() {
            Some(tail) => tail.back_mut(),
            None => rec.extra.last_mut(),
        };
        if let Some(last) = last {
            if let Some(m) = PERF_SUFFIX.find(last) {
                last.truncate(m.start());
            }
        }
    }
    rec
}

fn undecided_traceback(current: &Option<Rec>) -> bool {
    match current {
        Some(c) => {
            c.kind == Kind::Record && c.level_is(&["INFO", "DEBUG"]) && c.extra.is_empty() && c.logger() != Some("werkzeug")
        }
        None => false,
    }
}

fn is_raw_traceback(current: &Option<Rec>) -> bool {
    let Some(c) = current else { return true };
    let n = c.continuation_len();
    if n == 0 {
        return c.kind == Kind::Record && c.logger() == Some("werkzeug") && c.level_is(&["INFO", "DEBUG"]);
    }
    let last = c.continuation().skip(n.saturating_sub(3)).filter(|x| !py_rstrip(x).is_empty()).last().unwrap_or("");
    if CHAIN_LINES.contains(&last) {
        return false;
    }
    c.continuation().any(|x| x == TRACEBACK_START) && EXC_LINE.is_match(last)
}

/// records.py's RecordParser: numbered lines in, completed records out.
#[derive(Default)]
pub struct Parser {
    current: Option<Rec>,
    pending: Option<(u64, String)>,
    cut: Option<(u64, String)>,
}

impl Parser {
    pub fn feed(&mut self, number: u64, text: String) -> Option<Rec> {
        if let Some((cut_number, cut_text)) = self.cut.take() {
            let joined = format!("{} {}", py_rstrip(&cut_text), text);
            if !TIMESTAMP.is_match(&text) && HEADER.is_match(&joined) {
                let done = self.line(cut_number, joined);
                if let Some(c) = self.current.as_mut() {
                    c.last_line = number;
                }
                return done;
            }
            let done = self.line(cut_number, cut_text);
            let later = self.feed(number, text);
            return done.or(later);
        }
        if could_be_cut_header(&text) && text.chars().count() <= CUT_HEADER_CHARS && CUT_HEADER.is_match(&text) {
            self.cut = Some((number, text));
            return None;
        }
        if !text.starts_with(|c: char| c.is_ascii_digit()) && !PY_DIGIT.is_match(&text) {
            if let Some(m) = PS_PREFIX.find(&text) {
                let at = text[..m.end()].rfind(" : ").expect("the prefix ends with ' : '") + 3;
                return self.line(number, text[at..].to_string());
            }
        }
        self.line(number, text)
    }

    fn line(&mut self, number: u64, text: String) -> Option<Rec> {
        if let Some((tb_number, tb_text)) = self.pending.take() {
            if ENTRY_FRAME.is_match(&text) {
                let mut raw = Rec::plain(Kind::Raw, tb_number, tb_text);
                raw.add(text, number);
                return self.current.replace(raw).map(finish);
            }
            if let Some(c) = self.current.as_mut() {
                c.add(tb_text, tb_number);
            }
        } else if text == TRACEBACK_START && undecided_traceback(&self.current) {
            self.pending = Some((number, text));
            return None;
        }
        if let Some((header, message)) = header_spans(&text) {
            let rec = Rec::new(Kind::Record, number, text, Some(header), message);
            return self.current.replace(rec).map(|c| if c.extra.is_empty() { c } else { finish(c) });
        }
        if RAW_START.is_match(&text) || (text == TRACEBACK_START && is_raw_traceback(&self.current)) {
            let raw = Rec::plain(Kind::Raw, number, text);
            return self.current.replace(raw).map(finish);
        }
        match self.current.as_mut() {
            None => self.current = Some(Rec::plain(Kind::Unparsed, number, text)),
            Some(c) => c.add(text, number),
        }
        None
    }

    pub fn flush(&mut self) -> Option<Rec> {
        if let Some((cut_number, cut_text)) = self.cut.take() {
            self.line(cut_number, cut_text);
        }
        if let Some((n, text)) = self.pending.take() {
            if let Some(c) = self.current.as_mut() {
                c.add(text, n);
            }
        }
        self.current.take().map(finish)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Prefix {
    Compose,
    ComposeTs,
    Timestamps,
}

impl Prefix {
    pub fn name(self) -> &'static str {
        match self {
            Prefix::Compose => "compose",
            Prefix::ComposeTs => "compose+ts",
            Prefix::Timestamps => "timestamps",
        }
    }
}

fn detect_prefix(text: &str) -> Option<Prefix> {
    if let Some(m) = COMPOSE_PREFIX.find(text) {
        let rest = &text[m.end()..];
        if LOOKS_ODOO.is_match(rest) {
            return Some(Prefix::Compose);
        }
        if let Some(t) = DOCKER_TS_PREFIX.find(rest) {
            if LOOKS_ODOO.is_match(&rest[t.end()..]) {
                return Some(Prefix::ComposeTs);
            }
        }
    }
    let t = DOCKER_TS_PREFIX.find(text)?;
    LOOKS_ODOO.is_match(&text[t.end()..]).then_some(Prefix::Timestamps)
}

fn strip_prefix(text: &str, mode: Prefix) -> &str {
    let mut text = text;
    if matches!(mode, Prefix::Compose | Prefix::ComposeTs) {
        if let Some(m) = COMPOSE_PREFIX.find(text) {
            text = &text[m.end()..];
        }
    }
    if matches!(mode, Prefix::Timestamps | Prefix::ComposeTs) {
        if let Some(m) = DOCKER_TS_PREFIX.find(text) {
            text = &text[m.end()..];
        }
    }
    text
}

/// sources.py's LineCleaner: bytes of one physical line → clean text.
pub struct Cleaner {
    pub mode: Option<Prefix>,
    probing: bool,
    seen: u32,
}

impl Cleaner {
    pub fn new(probe: bool) -> Cleaner {
        Cleaner { mode: None, probing: probe, seen: 0 }
    }

    pub fn clean(&mut self, raw: &[u8]) -> String {
        // std's validation has a fast path for ASCII that the lossy decoder lacks
        let decoded = match std::str::from_utf8(raw) {
            Ok(text) => std::borrow::Cow::Borrowed(text),
            Err(_) => String::from_utf8_lossy(raw),
        };
        let mut text: String = decoded.trim_end_matches(['\r', '\n']).to_string();
        if memchr::memchr2(b'\x1b', 0, raw).is_some() {
            if text.contains('\x1b') {
                text = ANSI.replace_all(&text, "").into_owned();
            }
            if text.contains('\0') {
                text = text.replace('\0', "");
            }
        }
        if self.probing {
            self.seen += 1;
            if let Some(found) = detect_prefix(&text) {
                self.mode = Some(found);
                self.probing = false;
            } else if self.seen >= PREFIX_PROBE_LINES {
                self.probing = false;
            }
        }
        if let Some(mode) = self.mode {
            let at = text.len() - strip_prefix(&text, mode).len();
            text.drain(..at);
        }
        text
    }
}

/// A word-at-a-time hash (rustc's FxHash): the keys hashed per record are short, and a
/// collision only costs a comparison or a linear search, so SipHash's resistance to chosen
/// keys buys nothing here for its cost.
#[derive(Clone, Copy, Default)]
pub struct Fx(u64);

impl Fx {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7cc1_b727_220a_95);
    }
}

impl Hasher for Fx {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            self.add(u64::from_le_bytes(chunk.try_into().expect("8 bytes")));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, n: u8) {
        self.add(n as u64);
    }

    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }
}

pub type FxBuild = BuildHasherDefault<Fx>;

/// Counters of one source, as sources.py's Source keeps them.
#[derive(Default, Debug, Clone, Copy)]
pub struct Counts {
    pub lines: u64,
    pub bytes: u64,
    pub cut_lines: u64,
    pub cut_bytes: u64,
}

/// One source's bytes, pushed in blocks, to complete records: the part of scanning that needs
/// nothing from Python, so that a thread may run it (ahead.rs).
pub struct Reader {
    buf: Vec<u8>,
    pos: usize,
    closed: bool,
    skipping: bool,
    number: u64,
    pub counts: Counts,
    pub cleaner: Cleaner,
    parser: Parser,
    flushed: bool,
}

impl Reader {
    pub fn new(first_line: u64, probe: bool) -> Reader {
        Reader {
            buf: Vec::new(),
            pos: 0,
            closed: false,
            skipping: false,
            number: first_line.saturating_sub(1),
            counts: Counts::default(),
            cleaner: Cleaner::new(probe),
            parser: Parser::default(),
            flushed: false,
        }
    }

    pub fn push(&mut self, data: &[u8]) {
        if self.pos > 0 {
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
        self.buf.extend_from_slice(data);
    }

    /// The end of the source; with ``damaged``, the bytes of an incomplete last line are
    /// forgotten (the input broke off in it).
    pub fn close(&mut self, damaged: bool) {
        if damaged {
            self.buf.truncate(self.pos);
            self.skipping = false;
        }
        self.closed = true;
    }

    /// Whether the last record has been returned (after ``close``).
    pub fn finished(&self) -> bool {
        self.flushed
    }

    /// The next physical line's bytes (at most MAX_LINE_BYTES, as read_bounded_line cuts it).
    fn next_line(&mut self) -> Option<(usize, usize)> {
        loop {
            let rest = &self.buf[self.pos..];
            if self.skipping {
                match memchr::memchr(b'\n', rest) {
                    Some(i) => {
                        self.counts.cut_bytes += i as u64 + 1;
                        self.counts.bytes += i as u64 + 1;
                        self.pos += i + 1;
                        self.skipping = false;
                    }
                    None => {
                        self.counts.cut_bytes += rest.len() as u64;
                        self.counts.bytes += rest.len() as u64;
                        self.pos = self.buf.len();
                        if !self.closed {
                            return None;
                        }
                        self.skipping = false;
                    }
                }
                continue;
            }
            if rest.is_empty() {
                return None;
            }
            let window = &rest[..rest.len().min(MAX_LINE_BYTES)];
            let start = self.pos;
            if let Some(i) = memchr::memchr(b'\n', window) {
                self.pos += i + 1;
                return Some((start, self.pos));
            }
            if window.len() == MAX_LINE_BYTES {
                self.pos += MAX_LINE_BYTES;
                self.skipping = true;
                self.counts.cut_lines += 1;
                return Some((start, self.pos));
            }
            if self.closed {
                self.pos = self.buf.len();
                return Some((start, self.pos));
            }
            return None;
        }
    }

    /// The next complete record, or None when more bytes are needed (or, once finished, ever).
    pub fn next_record(&mut self) -> Option<Rec> {
        loop {
            if self.flushed {
                return None;
            }
            match self.next_line() {
                Some((start, end)) => {
                    self.counts.lines += 1;
                    self.counts.bytes += (end - start) as u64;
                    self.number += 1;
                    let text = self.cleaner.clean(&self.buf[start..end]);
                    if let Some(rec) = self.parser.feed(self.number, text) {
                        return Some(rec);
                    }
                }
                None if self.closed => {
                    self.flushed = true;
                    return self.parser.flush();
                }
                None => return None,
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The one record of these lines.
    pub(crate) fn record(lines: &[&str]) -> Rec {
        records(&(lines.join("\n") + "\n")).remove(0)
    }

    fn records(text: &str) -> Vec<Rec> {
        let mut r = Reader::new(1, true);
        r.push(text.as_bytes());
        r.close(false);
        std::iter::from_fn(|| r.next_record()).collect()
    }

    #[test]
    fn header_and_continuation() {
        let recs = records("2025-01-01 10:00:00,000 7 ERROR db odoo.http: boom  \nTraceback (most recent call last):\nKeyError: 'x'\n");
        assert_eq!(recs.len(), 1);
        assert_eq!(recs[0].message(), "boom");
        assert_eq!(recs[0].extra, vec!["Traceback (most recent call last):", "KeyError: 'x'"]);
        assert_eq!((recs[0].first_line, recs[0].last_line), (1, 3));
    }

    #[test]
    fn console_lines_are_raw_and_text_before_a_header_unparsed() {
        let recs = records("garbage\n2025-01-01 10:00:00,000 7 INFO db odoo: x\nForced shutdown.\n");
        let kinds: Vec<_> = recs.iter().map(|r| r.kind).collect();
        assert_eq!(kinds, vec![Kind::Unparsed, Kind::Record, Kind::Raw]);
    }

    #[test]
    fn cut_header_joins_the_next_line() {
        let recs = records("2025-01-01 10:00:00,000 7\nINFO db odoo: joined\n");
        assert_eq!(recs.len(), 1);
        assert_eq!(recs[0].header().unwrap().level, "INFO");
        assert_eq!(recs[0].last_line, 2);
    }

    #[test]
    fn fast_header_agrees_with_the_regex() {
        for line in [
            "2025-01-01 10:00:00,000 7 INFO db odoo: x",
            "2025-01-01 10:00:00,000 7 INFO db odoo:x",
            "2025-01-01 10:00:00,000 7 INFOX_ db odoo.a:b: c ",
            "2025-01-01 10:00:00,000 7 INFOXXXXXXXX db odoo: x",
            "2025-01-01 10:00:00,000 7 IN db odoo: x",
            "2025-01-01 10:00:00,000 7 INFO db odoo x",
            "2025-01-01 10:00:00,000 7  INFO db odoo: x",
            "2025-01-01 10:00:00,000 7 INFO d:b o: x",
            "2025-01-01 10:00:00,000 7 INFO db :x",
        ] {
            let fast = fast_header(line).map(|(h, m)| {
                let at = |x: Span| at(&line, x).to_string();
                (at(h.timestamp), at(h.pid), at(h.level), at(h.db), at(h.logger), line[m..].to_string())
            });
            let slow = HEADER.captures(line).map(|c| (c[1].into(), c[2].into(), c[3].into(), c[4].into(), c[5].into(), c[6].to_string()));
            assert_eq!(fast, slow, "{line}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 2000, failure_persistence: None, ..Default::default() })]

        /// Wherever the fast path reads a header, it reads what the regex reads.
        #[test]
        fn fast_header_agrees_with_the_regex_on_generated_lines(
            line in "20[0-9]5-01-01 10:00:00,000 [0-9٣]{0,3} {0,2}[A-Z_a-z]{0,11} [ -~\u{1f}é]{0,6} [ -~é]{0,12}"
        ) {
            if let Some((h, m)) = fast_header(&line) {
                let at = |x: Span| at(&line, x).to_string();
                let c = HEADER.captures(&line).expect("the regex reads it too");
                proptest::prop_assert_eq!(
                    (at(h.timestamp), at(h.pid), at(h.level), at(h.db), at(h.logger), line[m..].to_string()),
                    (c[1].to_string(), c[2].to_string(), c[3].to_string(), c[4].to_string(), c[5].to_string(), c[6].to_string())
                );
            }
        }
    }

    #[test]
    fn python_whitespace_and_word_classes() {
        // U+001F is whitespace to Python: the db column cannot contain it
        assert!(HEADER.captures("2025-01-01 10:00:00,000 7 INFO d\x1fb odoo: x").is_none());
        assert_eq!(py_rstrip("x \x1c\u{3000}"), "x");
        // a combining mark is no word character to Python: "Error" ends there
        assert!(EXC_LINE.is_match("ValueError\u{301}x"));
    }

    #[test]
    fn long_lines_are_cut_and_counted() {
        let long = "x".repeat(MAX_LINE_BYTES + 10);
        let mut r = Reader::new(1, false);
        r.push(format!("{long}\nnext\n").as_bytes());
        r.close(false);
        assert_eq!(std::iter::from_fn(|| r.next_record()).count(), 1);
        let c = r.counts;
        assert_eq!((c.lines, c.cut_lines, c.cut_bytes), (2, 1, 11));
        assert_eq!(c.bytes as usize, long.len() + 6);
    }

    #[test]
    fn prefixes_and_ansi_are_removed() {
        let mut c = Cleaner::new(true);
        assert_eq!(c.clean(b"web-1  | 2025-01-01 10:00:00,000 7 \x1b[1;31mINFO\x1b[0m db odoo: x\r\n"), "2025-01-01 10:00:00,000 7 INFO db odoo: x");
        assert_eq!(c.mode, Some(Prefix::Compose));
    }

    #[test]
    fn werkzeug_perf_suffix_leaves_the_exception_line() {
        let recs = records("2025-01-01 10:00:00,000 7 INFO db werkzeug: GET\n  some line\nKeyError: 1 3 0.001 0.002\n");
        assert_eq!(recs.last().unwrap().extra.last().unwrap(), "KeyError: 1");
    }
}

//! A Reader on its own thread: while Python analyses the records of one stretch of the log,
//! the next stretch is split into lines, decoded, parsed and checked against the table's fixed
//! part (Rules) on another core. Whether a record's process may be in a run is still decided on
//! the caller's thread, when the record is pulled, because that changes with what Python has
//! seen so far.

use std::collections::VecDeque;
use std::mem;
use std::sync::mpsc::{self, Receiver, RecvError, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};

use crate::routine::{Rules, Table};
use crate::runs::{Item, Runs, Scanner};
use crate::scan::{Counts, Prefix, Reader, Rec};

/// Records sent at a time: few messages, and still an early start on a long block.
const CHUNK: usize = 1024;
/// Blocks and chunks in flight at most: what the thread may read ahead is bounded.
const IN_FLIGHT: usize = 32;

enum Input {
    Bytes(Vec<u8>),
    Close { damaged: bool },
}

/// What the thread sends back.
pub enum Output {
    Records(Vec<Rec>),
    /// every byte sent so far is read (the counts and console prefix as they stand then)
    Idle(Counts, Option<Prefix>),
    /// the source is closed and its last record sent
    Done(Counts, Option<Prefix>),
}

pub struct Ahead {
    input: Option<SyncSender<Input>>,
    /// taken while the caller waits for the thread, see ``receiver`` (in a Mutex only so
    /// that the scanner may be shared: a Python object must be)
    output: Mutex<Option<Receiver<Output>>>,
    thread: Option<JoinHandle<()>>,
    /// blocks (and the close) sent whose Idle (or Done) has not come back
    outstanding: usize,
    /// the chunks that came, taken from in order (never copied into one queue)
    records: VecDeque<std::vec::IntoIter<Rec>>,
    runs: Runs,
    pub counts: Counts,
    pub prefix: Option<Prefix>,
    /// the thread ended before the end of the source (a panic): what came is not all there is
    pub failed: bool,
}

fn read(mut reader: Reader, rules: Option<Arc<Rules>>, input: Receiver<Input>, output: SyncSender<Output>) {
    for message in input {
        match message {
            Input::Bytes(data) => reader.push(&data),
            Input::Close { damaged } => reader.close(damaged),
        }
        let mut chunk = Vec::with_capacity(CHUNK);
        while let Some(mut rec) = reader.next_record() {
            if let Some(rules) = &rules {
                rules.classify(&mut rec);
            }
            chunk.push(rec);
            if chunk.len() == CHUNK && output.send(Output::Records(mem::take(&mut chunk))).is_err() {
                return; // the scanner is gone
            }
        }
        if !chunk.is_empty() && output.send(Output::Records(chunk)).is_err() {
            return;
        }
        let state = (reader.counts, reader.cleaner.mode);
        let done = reader.finished();
        let sent = output.send(if done { Output::Done(state.0, state.1) } else { Output::Idle(state.0, state.1) });
        if done || sent.is_err() {
            return;
        }
    }
}

impl Ahead {
    /// ``rules``: the fixed part of the table the records will be classified with, so that
    /// the thread does that part too.
    pub fn new(first_line: u64, probe: bool, rules: Option<Arc<Rules>>) -> Ahead {
        Ahead::take_over(Scanner::new(first_line, probe), rules)
    }

    /// Go on with what a Scanner has read so far (its items all taken): its reader moves to
    /// the thread, its open run stays.
    pub fn take_over(scanner: Scanner, rules: Option<Arc<Rules>>) -> Ahead {
        let (input, thread_input) = mpsc::sync_channel(IN_FLIGHT);
        let (thread_output, output) = mpsc::sync_channel(IN_FLIGHT);
        let (reader, runs) = scanner.into_parts();
        let (counts, prefix) = (reader.counts, reader.cleaner.mode);
        let thread = thread::Builder::new()
            .name("logsleuth-reader".into())
            .spawn(move || read(reader, rules, thread_input, thread_output))
            .expect("a thread can be started");
        Ahead {
            input: Some(input),
            output: Mutex::new(Some(output)),
            thread: Some(thread),
            outstanding: 0,
            records: VecDeque::new(),
            runs,
            counts,
            prefix,
            failed: false,
        }
    }

    fn send(&mut self, message: Input) {
        if let Some(input) = &self.input {
            match input.send(message) {
                Ok(()) => self.outstanding += 1,
                Err(_) => self.failed = true, // the thread ended: nothing will come back
            }
        }
    }

    pub fn push(&mut self, data: &[u8]) {
        self.send(Input::Bytes(data.to_vec()));
    }

    pub fn close(&mut self, damaged: bool) {
        self.send(Input::Close { damaged });
        self.input = None;
    }

    /// The next item among the records that have come back, or None: then ``waiting`` says
    /// whether more will come (call ``receive``) or more bytes are needed.
    pub fn next_item(&mut self, table: Option<&Table>) -> Option<Item> {
        loop {
            if let Some(item) = self.runs.pop() {
                return Some(item);
            }
            let chunk = self.records.front_mut()?;
            match chunk.next() {
                Some(rec) => self.runs.take(rec, table),
                None => {
                    self.records.pop_front();
                }
            }
        }
    }

    pub fn waiting(&self) -> bool {
        self.outstanding > 0
    }

    /// The channel the thread answers on, for the caller to wait on without holding what it
    /// must not hold meanwhile (Python's GIL); give it back with ``accept``.
    pub fn receiver(&mut self) -> Receiver<Output> {
        self.output.get_mut().expect("never poisoned").take().expect("one wait at a time")
    }

    pub fn accept(&mut self, receiver: Receiver<Output>, message: Result<Output, RecvError>) {
        *self.output.get_mut().expect("never poisoned") = Some(receiver);
        match message {
            Ok(Output::Records(records)) => self.records.push_back(records.into_iter()),
            Ok(Output::Idle(counts, prefix)) => {
                (self.counts, self.prefix) = (counts, prefix);
                self.outstanding -= 1;
            }
            Ok(Output::Done(counts, prefix)) => {
                (self.counts, self.prefix) = (counts, prefix);
                self.outstanding = 0;
                self.runs.end();
            }
            Err(RecvError) => {
                self.outstanding = 0;
                self.failed = true;
            }
        }
    }

    /// ``receiver``, wait, ``accept`` in one step (when nothing else needs releasing).
    pub fn receive(&mut self) {
        let receiver = self.receiver();
        let message = receiver.recv();
        self.accept(receiver, message);
    }
}

impl Drop for Ahead {
    fn drop(&mut self) {
        // closing both channels ends the thread wherever it waits
        self.input = None;
        if let Ok(output) = self.output.get_mut() {
            *output = None;
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(item: Item) -> String {
        match item {
            Item::Record(r) => format!("rec {}-{} {}", r.first_line, r.last_line, r.message()),
            Item::Run(r) => format!("run {}", r.count),
        }
    }

    fn drain(ahead: &mut Ahead, into: &mut Vec<String>) {
        loop {
            while let Some(item) = ahead.next_item(None) {
                into.push(shape(item));
            }
            if !ahead.waiting() {
                return;
            }
            ahead.receive();
        }
    }

    /// The same items and counts as the Scanner, whatever the cut of the blocks (the caller
    /// drains what one block gives before it pushes the next, as the Python side does).
    #[test]
    fn reads_ahead_what_the_scanner_reads() {
        let text = "garbage\n2025-01-01 10:00:00,000 7 ERROR db odoo.http: boom\nTraceback (most recent call last):\n  File \"x.py\", line 1, in f\nKeyError: 'x'\n2025-01-01 10:00:01,000 7 INFO db odoo: end\nForced shutdown.\npartial";
        for damaged in [false, true] {
            for cut in [1, 3, 7, 64, 1000] {
                let mut serial = Scanner::new(1, true);
                let mut ahead = Ahead::new(1, true, None);
                let (mut want, mut got) = (Vec::new(), Vec::new());
                for block in text.as_bytes().chunks(cut) {
                    serial.reader.push(block);
                    while let Some(item) = serial.next_item(None) {
                        want.push(shape(item));
                    }
                    ahead.push(block);
                    drain(&mut ahead, &mut got);
                }
                serial.reader.close(damaged);
                while let Some(item) = serial.next_item(None) {
                    want.push(shape(item));
                }
                ahead.close(damaged);
                drain(&mut ahead, &mut got);
                assert_eq!(got, want, "blocks of {cut}");
                assert_eq!(want.last().map(String::as_str), Some(if damaged { "rec 7-7 Forced shutdown." } else { "rec 7-8 Forced shutdown." }));
                assert_eq!(ahead.counts.lines, serial.reader.counts.lines);
                assert_eq!(ahead.counts.bytes, serial.reader.counts.bytes);
            }
        }
    }

    /// With a table, the thread classifies ahead what does not depend on the processes, and
    /// the runs and records are those of the Scanner, which classifies as it goes.
    #[test]
    fn classified_ahead_as_the_scanner_classifies() {
        use crate::routine::{Prefilter, Rules, Wanted};
        use regex::Regex;
        let rules = || {
            let wanted = Wanted { loggers: Some(Regex::new("^odoo$").unwrap()), messages: vec![] };
            Rules::new(vec![("INFO".into(), wanted)], vec![], vec![], Default::default(), Prefilter::new(&[(vec!["boom".into()], None, vec![])]))
        };
        let line = |pid: u32, level: &str, logger: &str, msg: &str| format!("2025-01-01 10:00:00,000 {pid} {level} db {logger}: {msg}\n");
        let text = [
            line(7, "INFO", "werkzeug", "a"),
            line(7, "INFO", "werkzeug", "b"),
            line(8, "INFO", "werkzeug", "other process"),
            line(7, "INFO", "odoo", "wanted"),
            line(7, "ERROR", "odoo.http", "boom"),
            line(7, "INFO", "werkzeug", "c"),
        ]
        .concat();
        let (mut serial, mut ahead_table) = (Table::new(rules()), Table::new(rules()));
        serial.allowed.insert(7);
        ahead_table.allowed.insert(7);
        let mut scanner = Scanner::new(1, false);
        scanner.reader.push(text.as_bytes());
        scanner.reader.close(false);
        let mut want = Vec::new();
        while let Some(item) = scanner.next_item(Some(&serial)) {
            want.push(item);
        }
        let mut ahead = Ahead::new(1, false, Some(ahead_table.rules.clone()));
        ahead.push(text.as_bytes());
        ahead.close(false);
        let mut got = Vec::new();
        loop {
            while let Some(item) = ahead.next_item(Some(&ahead_table)) {
                got.push(item);
            }
            if !ahead.waiting() {
                break;
            }
            ahead.receive();
        }
        let masks = |items: &[Item]| items.iter().map(|i| match i { Item::Record(r) => r.may_match, Item::Run(_) => None }).collect::<Vec<_>>();
        assert_eq!(masks(&got), masks(&want));
        let shapes = |items: Vec<Item>| items.into_iter().map(shape).collect::<Vec<_>>();
        let want = shapes(want);
        assert_eq!(shapes(got), want);
        assert_eq!(want, ["run 2", "rec 3-3 other process", "rec 4-4 wanted", "rec 5-5 boom", "run 1"]);
    }

    #[test]
    fn a_scanner_dropped_early_ends_its_thread() {
        let mut ahead = Ahead::new(1, false, None);
        let block = "2025-01-01 10:00:00,000 7 INFO db odoo: x\n".repeat(10_000);
        ahead.push(block.as_bytes()); // more records than the channel holds: the thread waits
        ahead.push(block.as_bytes());
        drop(ahead); // and must end, not hang
    }
}

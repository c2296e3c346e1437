//! Records to items: consecutive routine records become one run, aggregated per process,
//! database, logger and level; every other record comes alone. Which records are routine is
//! the table's business (routine.rs).

use std::collections::{HashMap, VecDeque};
use std::hash::{Hash, Hasher};

use crate::routine::Table;
use crate::scan::{Fx, FxBuild, Reader, Rec};

/// The routine records of one process, database, logger and level within a batch.
#[derive(Debug, Clone)]
pub struct Group {
    pub pid: u64,
    pub db: String,
    pub logger: String,
    pub level: String,
    pub count: u64,
    pub first_line: u64,
    pub last_line: u64,
    pub last_time: String,
    pub last_message: String,
    /// Position of its last record in the batch (1-based): which group's record came last.
    pub last_index: u64,
}

/// Consecutive routine records (a *run*), as aggregates per process, database, logger and
/// level (groups in the order they first appear): processes interleave, so one run holds
/// records of several of them.
#[derive(Debug, Clone, Default)]
pub struct Batch {
    pub count: u64,
    pub first_time: String,
    pub last_time: String,
    pub groups: Vec<Group>,
    index: HashMap<u64, usize, FxBuild>,
}

/// Groups one batch holds at most (then it is passed on and another begins).
const MAX_GROUPS: usize = 4096;

impl Batch {
    fn add(&mut self, pid: u64, rec: &Rec) {
        let h = rec.header().expect("routine records have a header");
        self.count += 1;
        if self.count == 1 {
            self.first_time.push_str(h.timestamp);
        }
        let key = {
            let mut hasher = Fx::default();
            (pid, h.db, h.logger, h.level).hash(&mut hasher);
            hasher.finish()
        };
        let same = |g: &Group| g.pid == pid && g.db == h.db && g.logger == h.logger && g.level == h.level;
        let at = match self.index.get(&key) {
            Some(&at) if same(&self.groups[at]) => Some(at),
            Some(_) => self.groups.iter().position(same), // a hash collision: rare
            None => None,
        };
        let at = at.unwrap_or_else(|| {
            self.groups.push(Group {
                pid,
                db: h.db.to_string(),
                logger: h.logger.to_string(),
                level: h.level.to_string(),
                count: 0,
                first_line: rec.first_line,
                last_line: rec.last_line,
                last_time: String::new(),
                last_message: String::new(),
                last_index: 0,
            });
            self.index.entry(key).or_insert(self.groups.len() - 1);
            self.groups.len() - 1
        });
        let g = &mut self.groups[at];
        g.count += 1;
        g.last_line = rec.last_line;
        // copied into the group's own buffers: no allocation once they have grown
        g.last_time.clear();
        g.last_time.push_str(h.timestamp);
        g.last_message.clear();
        g.last_message.push_str(rec.message());
        g.last_index = self.count;
        self.last_time.clear();
        self.last_time.push_str(h.timestamp);
    }
}


#[derive(Debug)]
pub enum Item {
    Record(Rec),
    Run(Batch),
}


/// Records to items: a record that the table finds routine joins the open run, any other
/// closes it and comes alone. A record is classified when it is taken, so a change of the
/// table applies to every record not yet taken.
#[derive(Default)]
pub struct Runs {
    run: Option<Batch>,
    out: VecDeque<Item>,
}

impl Runs {
    pub fn take(&mut self, rec: Rec, table: Option<&Table>) {
        match table.and_then(|t| t.routine(&rec)) {
            Some(pid) => {
                let batch = self.run.get_or_insert_with(Batch::default);
                batch.add(pid, &rec);
                if batch.groups.len() >= MAX_GROUPS {
                    self.end();
                }
            }
            None => {
                self.end();
                let mut rec = rec;
                if let (Some(t), None) = (table, rec.may_match) {
                    rec.may_match = Some(t.rules.prefilter.record(&rec));
                }
                self.out.push_back(Item::Record(rec));
            }
        }
    }

    /// Close the open run (the source ended, or a record that is not routine follows).
    pub fn end(&mut self) {
        if let Some(run) = self.run.take() {
            self.out.push_back(Item::Run(run));
        }
    }

    pub fn pop(&mut self) -> Option<Item> {
        self.out.pop_front()
    }
}

/// Reader and Runs on one thread: items are made as they are pulled.
pub struct Scanner {
    pub reader: Reader,
    runs: Runs,
    ended: bool,
}

impl Scanner {
    pub fn new(first_line: u64, probe: bool) -> Scanner {
        Scanner { reader: Reader::new(first_line, probe), runs: Runs::default(), ended: false }
    }

    /// Its reader and its open run, to go on elsewhere (ahead.rs).
    pub fn into_parts(self) -> (Reader, Runs) {
        (self.reader, self.runs)
    }

    /// The next item, or None when more bytes are needed (or, once closed, at the end).
    pub fn next_item(&mut self, table: Option<&Table>) -> Option<Item> {
        loop {
            if let Some(item) = self.runs.pop() {
                return Some(item);
            }
            match self.reader.next_record() {
                Some(rec) => self.runs.take(rec, table),
                None if self.reader.finished() && !self.ended => {
                    self.ended = true;
                    self.runs.end();
                }
                None => return None,
            }
        }
    }
}


#[cfg(test)]
mod tests {
    use super::*;
    use crate::routine::{widen, Prefilter, Rules, Wanted};
    use regex::Regex;

    fn table() -> Table {
        let loggers = Some(Regex::new(r"^(?:odoo$|odoo\.modules)").unwrap());
        let messages = vec![(Regex::new("^werkzeug$").unwrap(), widen(r"code 400, message Bad\b").unwrap())];
        let levels = vec![("INFO".to_string(), Wanted { loggers, messages })];
        let mut requests = HashMap::default();
        requests.insert("werkzeug".to_string(), vec!["\" 5".to_string()]);
        let mut t = Table::new(Rules::new(levels, vec!["Worker".into()], vec![], requests, Prefilter::new(&[])));
        t.allowed.insert(7);
        t
    }

    const REQ: &str = r#"2025-01-01 10:00:0{s},000 {pid} INFO db werkzeug: 10.0.0.1 - - [01/Jan/2025 10:00:00] "GET /web HTTP/1.1" {status} - 3 0.001 0.002"#;

    fn req(s: u8, pid: u32, status: u32) -> String {
        REQ.replace("{s}", &s.to_string()).replace("{pid}", &pid.to_string()).replace("{status}", &status.to_string()) + "\n"
    }

    #[test]
    fn runs_fold_routine_records_and_leave_the_rest() {
        let t = table();
        let text = [req(1, 7, 200), req(2, 7, 404), req(3, 7, 500), req(4, 8, 200), req(5, 7, 200)].concat()
            + "2025-01-01 10:00:06,000 7 INFO db odoo.modules.loading: Modules loaded.\n"
            + "2025-01-01 10:00:07,000 7 INFO db werkzeug: Worker WorkerHTTP (7) alive\n"
            + "2025-01-01 10:00:08,000 7 INFO db werkzeug: code 400, message Bad request\n";
        let mut s = Scanner::new(1, false);
        s.reader.push(text.as_bytes());
        s.reader.close(false);
        let mut shape = Vec::new();
        while let Some(item) = s.next_item(Some(&t)) {
            shape.push(match item {
                Item::Run(r) => {
                    let g: Vec<String> = r.groups.iter().map(|g| format!("{}:{}-{}x{}", g.pid, g.first_line, g.last_line, g.count)).collect();
                    format!("run {} {}", r.count, g.join(","))
                }
                Item::Record(r) => format!("rec {}", r.first_line),
            });
        }
        assert_eq!(shape, ["run 2 7:1-2x2", "rec 3", "rec 4", "run 1 7:5-5x1", "rec 6", "rec 7", "rec 8"]);
    }
}

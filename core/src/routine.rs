//! Which records are routine: a table that Python derives from what its stages and the loaded
//! patterns want. A routine record is one that nothing wants to see on its own; it only counts
//! in a run. When in doubt (a PID or a status that is not plain ASCII digits) a record is not
//! routine, and Python sees it whole.

use regex::Regex;
use std::collections::{HashMap, HashSet};

use crate::scan::{parse_request, Kind, Rec};

pub struct Table {
    /// level → the loggers wanted at that level (None: none); a level absent is never routine
    pub levels: HashMap<String, Option<Regex>>,
    /// messages starting with one of these are never routine
    pub excluded_prefixes: Vec<String>,
    /// nor messages containing one of these
    pub excluded_substrings: Vec<String>,
    /// logger → the status classes (first digit) wanted among its request lines
    pub requests: HashMap<String, Vec<u8>>,
    /// the processes whose records may be routine now
    pub allowed: HashSet<u64>,
}

fn ascii_number(text: &str) -> Option<u64> {
    if text.is_empty() || text.len() > 18 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

impl Table {
    /// The PID of a routine record and, for a request logger, the status class of its request
    /// line (None when the message is not one); None when the record is not routine.
    pub fn routine(&self, rec: &Rec) -> Option<(u64, Option<u8>)> {
        if rec.kind != Kind::Record || !rec.extra.is_empty() || rec.last_line != rec.first_line {
            return None;
        }
        let h = rec.header.as_ref()?;
        let pid = ascii_number(&h.pid)?;
        if !self.allowed.contains(&pid) {
            return None;
        }
        if let Some(wanted) = self.levels.get(&h.level)? {
            if wanted.is_match(&h.logger) {
                return None;
            }
        }
        let msg = rec.message.as_str();
        if self.excluded_prefixes.iter().any(|p| msg.starts_with(p.as_str()))
            || self.excluded_substrings.iter().any(|p| msg.contains(p.as_str()))
        {
            return None;
        }
        let Some(classes) = self.requests.get(&h.logger) else { return Some((pid, None)) };
        let Some(request) = parse_request(msg) else { return Some((pid, None)) };
        let first = request.status.as_bytes()[0];
        if !request.status.is_ascii() || classes.contains(&(first - b'0')) {
            return None;
        }
        Some((pid, Some(first - b'0')))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::{Item, Scanner};

    fn table() -> Table {
        let mut levels = HashMap::new();
        levels.insert("INFO".to_string(), Some(Regex::new(r"^(?:odoo$|odoo\.modules)").unwrap()));
        let mut requests = HashMap::new();
        requests.insert("werkzeug".to_string(), vec![5]);
        Table {
            levels,
            excluded_prefixes: vec!["Worker".into()],
            excluded_substrings: vec![],
            requests,
            allowed: [7].into_iter().collect(),
        }
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
            + "2025-01-01 10:00:07,000 7 INFO db werkzeug: Worker WorkerHTTP (7) alive\n";
        let mut s = Scanner::new(1, false);
        s.push(text.as_bytes());
        s.close();
        let mut shape = Vec::new();
        while let Some(item) = s.next_item(Some(&t)) {
            shape.push(match item {
                Item::Run(r) => format!("run {}-{} x{} req{}", r.first_line, r.last_line, r.count, r.requests),
                Item::Record(r) => format!("rec {}", r.first_line),
            });
        }
        assert_eq!(shape, ["run 1-2 x2 req2", "rec 3", "rec 4", "run 5-5 x1 req1", "rec 6", "rec 7"]);
    }
}

//! Which records are routine: a table that Python derives from what its stages and the loaded
//! patterns want. A routine record is one that nothing wants to see on its own; it only counts
//! in a run. When in doubt (a PID or a status that is not plain ASCII digits) a record is not
//! routine, and Python sees it whole.

use memchr::memmem::Finder;
use regex::{Regex, RegexSet};
use regex_syntax::hir::literal::Extractor;
use std::sync::{Arc, Mutex};
use std::collections::{HashMap, HashSet};

use crate::scan::{FxBuild, Kind, Rec};

/// Who wants records of one level: loggers wanted whatever the message, and (logger, message)
/// pairs wanted only when the message may match.
pub struct Wanted {
    pub loggers: Option<Regex>,
    pub messages: Vec<(Regex, Regex)>,
}

/// What decides whether a record of one level and logger is routine (the logger regexes run
/// once per logger, not once per record: a log has few loggers).
struct Rule {
    /// every record of it is wanted
    all: bool,
    /// the message regexes (indexes in Wanted.messages) that make a record wanted
    messages: Vec<usize>,
    /// the request lines wanted: what marks them (``" 5``)
    marks: Vec<Finder<'static>>,
}

const MAX_SEEN_LOGGERS: usize = 10_000;

/// A regex of Python's ``regex`` module as a regex of this crate that matches at least
/// wherever the original does (so a record it rules out is one no pattern can match): classes
/// whose meaning differs (\d \w \s) become "any character", word boundaries go, ``$`` may
/// match before any newline. None when that cannot be made sure (backreferences, lookaround,
/// flags of the regex module, a class that negates one of those): the caller then assumes
/// that the regex may match anything.
pub fn widen(pattern: &str) -> Option<Regex> {
    Regex::new(&widened(pattern, false)?).ok()
}

/// ``widen``'s text, checked by the parser alone (compiling it would be wasted where the
/// caller compiles it into a set). ``anywhere``: the anchors go too, for a regex that Python
/// searches in a part of the text (an exception's type or message) and the prefilter in the
/// whole text.
pub fn widened(pattern: &str, anywhere: bool) -> Option<String> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    let mut class: Option<bool> = None; // inside [...]: negated?
    // where the class began in ``out``, and whether it holds \d \w or \s (then, not negated,
    // it becomes "any character" as a whole)
    let (mut class_start, mut class_any) = (0, false);
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' {
            let next = *chars.get(i + 1)?;
            i += 2;
            match (class, next) {
                // "-i": under a case-insensitive flag, "any character" would be case-folded at
                // compile time, range by range over all of Unicode, for nothing
                (None, 'd' | 'w' | 's' | 'D' | 'W' | 'S') => out.push_str("(?s-i:.)"),
                (None, 'b' | 'B') => {}
                (None, 'A' | 'Z') if anywhere => {}
                (None, 'Z') => out.push_str("\\z"),
                (Some(false), 'd' | 'w' | 's' | 'D' | 'W' | 'S') => {
                    class_any = true;
                    out.push_str("\\s\\S");
                }
                (Some(true), 'd' | 'w' | 's' | 'D' | 'W' | 'S') => return None,
                (Some(_), 'b') => out.push_str("\\x08"),
                (_, '0'..='9' | 'g' | 'G' | 'K' | 'N' | 'X' | 'R' | 'L' | 'm' | 'M') => return None,
                (_, other) => {
                    out.push('\\');
                    out.push(other);
                }
            }
            continue;
        }
        match class {
            Some(_) => {
                if c == ']' && !(out.ends_with('[') || out.ends_with("[^")) {
                    class = None;
                    if class_any {
                        out.truncate(class_start);
                        out.push_str("(?s-i:.)");
                        i += 1;
                        continue;
                    }
                } else if c == '[' {
                    return None; // a nested set (regex module V1)
                }
                out.push(c);
            }
            None => match c {
                '[' => {
                    let negated = chars.get(i + 1) == Some(&'^');
                    class = Some(negated);
                    (class_start, class_any) = (out.len(), false);
                    out.push('[');
                    if negated {
                        out.push('^');
                        i += 1;
                    }
                }
                '^' | '$' if anywhere => {}
                '$' => out.push_str("(?m:$)"),
                '(' if chars.get(i + 1) == Some(&'?') => {
                    let rest: String = chars[i + 2..].iter().take(3).collect();
                    if rest.starts_with(['=', '!']) || rest.starts_with("<=") || rest.starts_with("<!") {
                        i = group_end(&chars, i)? + 1; // an assertion dropped can only let more through
                        continue;
                    }
                    if rest.starts_with("P<") || rest.starts_with('<') {
                        // a named group: names may repeat in the regex module, not here
                        i = i + chars[i..].iter().position(|&x| x == '>')? + 1;
                        out.push_str("(?:");
                        continue;
                    }
                    if !(rest.starts_with(':') || (i == 0 && rest.starts_with(|f: char| "imsu".contains(f)))) {
                        return None;
                    }
                    out.push(c);
                }
                _ => out.push(c),
            },
        }
        i += 1;
    }
    regex_syntax::Parser::new().parse(&out).is_ok().then_some(out)
}

/// What a pattern searches (regexes of Python's regex module): the message, the record's
/// text, and parts of its traceback (an exception's type or message).
pub type Searched = (Vec<String>, Option<String>, Vec<String>);

/// Which patterns may match a record: each pattern's regexes (widened), one RegexSet per
/// field, so that Python runs only the patterns that can match.
pub struct Prefilter {
    message: RegexSet,
    text: RegexSet,
    /// per pattern: its message regexes (indexes in ``message``, None: not widened, may match
    /// anything), its text regex, and what its traceback regexes need
    fields: Vec<Fields>,
}

struct Fields {
    message: Vec<Option<usize>>,
    text: Option<Option<usize>>,
    /// per traceback regex that has them: strings one of which any match starts with
    traceback: Vec<Vec<Finder<'static>>>,
}

/// The strings that a match of a traceback regex starts with, wherever Python searches it (in
/// an exception's type or message, parts of the text's lines): one of them is in the record's
/// text. None when they are unknown, empty or span lines (the parser strips lines' ends). A
/// search for a few strings costs a fraction of a RegexSet's search through a long traceback.
fn starts(pattern: &str) -> Option<Vec<Finder<'static>>> {
    let hir = regex_syntax::Parser::new().parse(&widened(pattern, true)?).ok()?;
    let seq = Extractor::new().extract(&hir);
    let literals = seq.literals()?;
    if literals.is_empty() || literals.iter().any(|l| l.as_bytes().is_empty() || l.as_bytes().contains(&b'\n')) {
        return None;
    }
    Some(literals.iter().map(|l| Finder::new(l.as_bytes()).into_owned()).collect())
}

impl Prefilter {
    /// ``patterns``: per pattern, what it searches.
    pub fn new(patterns: &[Searched]) -> Prefilter {
        Prefilter::build(patterns, false).or_else(|| Prefilter::build(patterns, true)).unwrap_or_else(|| {
            // the sets are too large together: every pattern may match every record
            let fields = patterns
                .iter()
                .map(|(m, t, _)| Fields { message: vec![None; m.len()], text: t.as_ref().map(|_| None), traceback: vec![] })
                .collect();
            Prefilter { message: RegexSet::empty(), text: RegexSet::empty(), fields }
        })
    }

    /// The regexes checked by the parser only (then a set may still fail to compile, past the
    /// size limit: None), or each compiled on its own (``strict``, those that fail are left out).
    fn build(patterns: &[Searched], strict: bool) -> Option<Prefilter> {
        let (mut messages, mut texts) = (Vec::new(), Vec::new());
        let mut fields = Vec::new();
        let add = |pattern: &str, to: &mut Vec<String>| {
            let rx = if strict { widen(pattern).map(|rx| rx.as_str().to_string()) } else { widened(pattern, false) };
            rx.map(|rx| {
                to.push(rx);
                to.len() - 1
            })
        };
        for (message, text, traceback) in patterns {
            fields.push(Fields {
                message: message.iter().map(|p| add(p, &mut messages)).collect(),
                text: text.as_ref().map(|p| add(p, &mut texts)),
                traceback: traceback.iter().filter_map(|p| starts(p)).collect(),
            });
        }
        Some(Prefilter { message: RegexSet::new(&messages).ok()?, text: RegexSet::new(&texts).ok()?, fields })
    }

    /// Bit i set: pattern i may match (patterns past 128 are left to Python). ``text``: the
    /// record's text (None: not known); ``traceback``: whether it may hold one.
    pub fn may_match(&self, message: &str, text: Option<&str>, traceback: bool) -> u128 {
        let m = self.message.matches(message);
        let needs_text = self.fields.iter().any(|f| matches!(f.text, Some(Some(_))));
        let t = match text {
            Some(text) if needs_text => Some(self.text.matches(text)),
            _ => None,
        };
        let lines = text.filter(|_| traceback).map(str::as_bytes);
        let mut mask = 0u128;
        for (i, f) in self.fields.iter().enumerate().take(128) {
            let message_ok = f.message.iter().all(|x| x.is_none_or(|j| m.matched(j)));
            let text_ok = match f.text {
                Some(Some(j)) => t.as_ref().is_none_or(|t| t.matched(j)),
                _ => true,
            };
            let traceback_ok =
                lines.is_none_or(|lines| f.traceback.iter().all(|starts| starts.iter().any(|s| s.find(lines).is_some())));
            if message_ok && text_ok && traceback_ok {
                mask |= 1 << i;
            }
        }
        mask
    }

    /// ``may_match`` of a record.
    pub fn record(&self, rec: &Rec) -> u128 {
        self.may_match(rec.message(), rec.text().as_deref(), rec.may_have_traceback())
    }
}

/// The index of the parenthesis that closes the group opened at ``open``.
fn group_end(chars: &[char], open: usize) -> Option<usize> {
    let mut depth = 0;
    let mut i = open;
    let mut in_class = false;
    while i < chars.len() {
        match chars[i] {
            '\\' => i += 1,
            '[' if !in_class => {
                in_class = true;
                if chars.get(i + 1) == Some(&'^') {
                    i += 1;
                }
                if chars.get(i + 1) == Some(&']') {
                    i += 1;
                }
            }
            ']' if in_class => in_class = false,
            '(' if !in_class => depth += 1,
            ')' if !in_class => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// What a source's records are checked against, fixed while it is read (the reading thread
/// shares it): which records no stage and no pattern wants, and the prefilter.
pub struct Rules {
    /// level → who wants records of it; a level absent is never routine (a handful: a list)
    levels: Vec<(String, Wanted)>,
    /// messages starting with one of these are never routine
    excluded_prefixes: Vec<String>,
    /// the first bytes of those prefixes: most messages start with none of them
    prefix_starts: [bool; 256],
    /// nor messages containing one of these (searchers built once: ``str::contains`` would
    /// build one per record)
    excluded_substrings: Vec<Finder<'static>>,
    /// logger → what marks the request lines wanted: ``" 5`` for a 5xx status (a superset:
    /// the status follows a quote and a space, and the text may occur elsewhere too)
    requests: HashMap<String, Vec<String>, FxBuild>,
    /// per level (as in ``levels``), logger → its rule, filled as loggers appear
    rules: Mutex<Vec<HashMap<String, Rule, FxBuild>>>,
    pub prefilter: Prefilter,
}

/// The rules, and the processes whose records may be routine now (Python changes them as it
/// reads: a record is routine only when its process is among them when it is classified).
pub struct Table {
    pub rules: Arc<Rules>,
    pub allowed: HashSet<u64, FxBuild>,
}

fn ascii_number(text: &str) -> Option<u64> {
    if text.is_empty() || text.len() > 18 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

impl Rules {
    pub fn new(
        levels: Vec<(String, Wanted)>,
        excluded_prefixes: Vec<String>,
        excluded_substrings: Vec<String>,
        requests: HashMap<String, Vec<String>, FxBuild>,
        prefilter: Prefilter,
    ) -> Rules {
        let mut prefix_starts = [false; 256];
        for p in &excluded_prefixes {
            match p.as_bytes().first() {
                Some(&b) => prefix_starts[b as usize] = true,
                None => prefix_starts = [true; 256],
            }
        }
        let rules = Mutex::new(levels.iter().map(|_| HashMap::default()).collect());
        let excluded_substrings = excluded_substrings.iter().map(|x| Finder::new(x).into_owned()).collect();
        Rules { levels, excluded_prefixes, prefix_starts, excluded_substrings, requests, rules, prefilter }
    }

    fn rule(&self, wanted: &Wanted, logger: &str) -> Rule {
        let all = wanted.loggers.as_ref().is_some_and(|rx| rx.is_match(logger));
        let messages = wanted.messages.iter().enumerate().filter(|(_, (l, _))| l.is_match(logger)).map(|(i, _)| i).collect();
        let marks = self.requests.get(logger).map_or_else(Vec::new, |m| m.iter().map(|x| Finder::new(x).into_owned()).collect());
        Rule { all, messages, marks }
    }

    fn wanted(&self, wanted: &Wanted, rule: &Rule, msg: &str) -> bool {
        rule.all
            || rule.messages.iter().any(|&i| wanted.messages[i].1.is_match(msg))
            || (msg.as_bytes().first().is_none_or(|&b| self.prefix_starts[b as usize])
                && self.excluded_prefixes.iter().any(|p| msg.starts_with(p.as_str())))
            || self.excluded_substrings.iter().any(|f| f.find(msg.as_bytes()).is_some())
            || rule.marks.iter().any(|f| f.find(msg.as_bytes()).is_some())
    }

    /// The PID of a record that nothing wants, whatever its process; None for the others.
    fn unwanted(&self, rec: &Rec, allowed: Option<&HashSet<u64, FxBuild>>) -> Option<u64> {
        if rec.kind != Kind::Record || !rec.extra.is_empty() || rec.last_line != rec.first_line {
            return None;
        }
        let h = rec.header()?;
        let pid = ascii_number(h.pid)?;
        if allowed.is_some_and(|a| !a.contains(&pid)) {
            return None; // not routine anyway: spare the rest
        }
        let level = self.levels.iter().position(|(l, _)| l == h.level)?;
        let wanted = &self.levels[level].1;
        let msg = rec.message();
        let mut rules = self.rules.lock().expect("never poisoned: no panic while held");
        let seen = &mut rules[level];
        let wants = match seen.get(h.logger) {
            Some(rule) => self.wanted(wanted, rule, msg),
            None => {
                if seen.len() >= MAX_SEEN_LOGGERS {
                    seen.clear();
                }
                let rule = self.rule(wanted, h.logger);
                let wants = self.wanted(wanted, &rule, msg);
                seen.insert(h.logger.to_string(), rule);
                wants
            }
        };
        (!wants).then_some(pid)
    }

    /// What does not depend on the processes' state, ahead of time (the reading thread): the
    /// PID when nothing wants the record, else which patterns may match it.
    pub fn classify(&self, rec: &mut Rec) {
        let unwanted = self.unwanted(rec, None);
        if unwanted.is_none() {
            rec.may_match = Some(self.prefilter.record(rec));
        }
        rec.unwanted = Some(unwanted);
    }
}

impl Table {
    pub fn new(rules: Rules) -> Table {
        Table { rules: Arc::new(rules), allowed: HashSet::default() }
    }

    /// The PID of a routine record (nothing wants it, and its process is allowed); None when
    /// the record is not routine.
    pub fn routine(&self, rec: &Rec) -> Option<u64> {
        match rec.unwanted {
            Some(unwanted) => unwanted.filter(|pid| self.allowed.contains(pid)),
            None => self.rules.unwanted(rec, Some(&self.allowed)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_prefilter_names_the_patterns_that_may_match() {
        let p = Prefilter::new(&[
            (vec![r"^bad query:".into()], Some(r"(?m)^ERROR: +(?P<e>.+)$".into()), vec![]),
            (vec![r"(a)\1".into()], None, vec![]),
            (vec![], Some("Traceback".into()), vec![]),
        ]);
        assert_eq!(p.may_match("bad query: x", Some("h: bad query: x\nERROR:  boom"), false), 0b011);
        assert_eq!(p.may_match("bad query: x", None, false), 0b111);
        assert_eq!(p.may_match("fine", Some("fine\nTraceback"), false), 0b110);
    }

    #[test]
    fn a_regex_past_the_size_limit_may_match_anything() {
        let huge = r"\w{1000}{1000}".to_string();
        assert!(widened(&huge, false).is_some() && widen(&huge).is_none());
        let p = Prefilter::new(&[(vec![huge], None, vec![]), (vec!["^x".into()], None, vec![])]);
        assert_eq!(p.may_match("y", None, false), 0b01);
    }

    #[test]
    fn a_traceback_regex_needs_one_of_the_strings_its_matches_start_with() {
        // as Python searches them: in an exception's type and in its message, parts of lines
        let p = Prefilter::new(&[
            (vec![], None, vec![r"(?:^|\.)KeyError$".into(), r"^'(?P<m>[a-z]+\.[a-z]+)'$".into()]),
            (vec![], None, vec![r"\AModuleNotFoundError\Z".into(), r"^a\nb".into(), r"\w+".into()]),
            (vec![], None, vec![]),
        ]);
        assert_eq!(p.may_match("m", Some("h\nTraceback\nbuiltins.KeyError: 'res.partner'"), true), 0b101);
        assert_eq!(p.may_match("m", Some("h\nTraceback\nModuleNotFoundError: x"), true), 0b110);
        assert_eq!(p.may_match("m", Some("h"), false), 0b111);
        assert_eq!(p.may_match("m", None, true), 0b111);
        let rec = crate::scan::tests::record(&["2024-01-01 10:00:00,000 7 ERROR db x: boom", "Traceback (most recent call last):", "KeyError: 'a.b'   "]);
        assert_eq!(p.record(&rec), 0b101);
        assert!(starts(r"^a\nb").is_none() && starts(r"\w+").is_none() && starts(r"[^x]").is_none());
    }

    #[test]
    fn widened_regexes_match_at_least_where_python_does() {
        let w = |p: &str| widen(p).map(|r| r.as_str().to_string());
        assert_eq!(widened(r"\A(?:^|\.)x$\Z[$^]", true), Some(r"(?:|\.)x[$^]".into()));
        assert_eq!(w(r"^a\d+\b$"), Some(r"^a(?s-i:.)+(?m:$)".into()));
        assert_eq!(w(r"[\w.]+[^\]x]"), Some(r"(?s-i:.)+[^\]x]".into()));
        assert_eq!(w(r"(?i)\b\w[\w .-]{0,40}?\b"), Some(r"(?i)(?s-i:.)(?s-i:.){0,40}?".into()));
        assert_eq!(w(r"[^\s]"), None);
        assert_eq!(w(r"(a)\1"), None);
        assert_eq!(w(r"(?<=x)y(?![)\]](a))z"), Some("yz".into()));
        assert_eq!(w(r"x(?i)y"), None);
        assert!(widen(r"(?i)^bad (?P<q>query)|(?P<q>x)").unwrap().is_match("BAD query"));
        assert!(widen(r"code \d{3}, message\s").unwrap().is_match("code ٤٠٠, message\u{1f}"));
    }
}

//! Which records are routine: a table that Python derives from what its stages and the loaded
//! patterns want. A routine record is one that nothing wants to see on its own; it only counts
//! in a run. When in doubt (a PID or a status that is not plain ASCII digits) a record is not
//! routine, and Python sees it whole.

use aho_corasick::AhoCorasick;
use memchr::memmem::Finder;
use regex::{Regex, RegexSet};
use regex_syntax::hir::literal::{ExtractKind, Extractor, Seq};
use regex_syntax::hir::{Hir, HirKind};
use std::sync::{Arc, Mutex, OnceLock};
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

/// Which patterns may match a record, so that Python runs only those: each pattern's regexes
/// widened, the message's in one RegexSet (messages are short), the text's each behind the
/// strings one of which its matches need (a set would search every long traceback whole).
pub struct Prefilter {
    message: RegexSet,
    texts: Vec<TextRegex>,
    /// the strings that text and traceback regexes need, each with its group (one per regex)
    needs: Option<AhoCorasick>,
    group_of: Vec<usize>,
    groups: usize,
    /// per pattern: its message regexes (indexes in ``message``, None: not widened, may match
    /// anything), its text regex (an index in ``texts``) and the groups its traceback regexes need
    fields: Vec<Fields>,
}

struct Fields {
    message: Vec<Option<usize>>,
    text: Option<Option<usize>>,
    traceback: Vec<usize>,
}

/// A text regex: the group of strings one of which its matches hold (None: unknown), and the
/// regex, compiled the first time a text holds one (most never do).
struct TextRegex {
    needs: Option<usize>,
    source: String,
    regex: OnceLock<Option<Regex>>,
}

impl TextRegex {
    fn may_match(&self, text: &str, present: &[bool]) -> bool {
        if self.needs.is_some_and(|g| !present[g]) {
            return false;
        }
        // one that does not compile (past the size limit) may match anything
        self.regex.get_or_init(|| Regex::new(&self.source).ok()).as_ref().is_none_or(|r| r.is_match(text))
    }
}

/// Strings one of which every match holds: the start or the end of every match (regex-syntax's
/// extractor), else the longest string that all matches share inside; None when unknown.
fn needed(hir: &Hir) -> Option<Vec<Vec<u8>>> {
    let usable = |seq: Seq| {
        let literals: Vec<Vec<u8>> = seq.literals()?.iter().map(|l| l.as_bytes().to_vec()).collect();
        (!literals.is_empty() && literals.iter().all(|l| !l.is_empty())).then_some(literals)
    };
    usable(Extractor::new().extract(hir))
        .or_else(|| usable(Extractor::new().kind(ExtractKind::Suffix).extract(hir)))
        .or_else(|| inside(hir).filter(|l| !l.is_empty()).map(|l| vec![l]))
}

/// The longest string inside every match of ``hir`` (a part of a concatenation, or of what
/// must repeat at least once).
fn inside(hir: &Hir) -> Option<Vec<u8>> {
    match hir.kind() {
        HirKind::Literal(lit) => Some(lit.0.to_vec()),
        HirKind::Capture(c) => inside(&c.sub),
        HirKind::Repetition(r) if r.min >= 1 => inside(&r.sub),
        HirKind::Concat(parts) => parts.iter().filter_map(inside).max_by_key(Vec::len),
        _ => None,
    }
}

/// The strings that a match of a traceback regex starts with, wherever Python searches it (in
/// an exception's type or message, parts of the text's lines): one of them is in the record's
/// text. None when they are unknown, empty or span lines (the parser strips lines' ends).
fn starts(pattern: &str) -> Option<Vec<Vec<u8>>> {
    let hir = regex_syntax::Parser::new().parse(&widened(pattern, true)?).ok()?;
    let literals = Extractor::new().extract(&hir).literals()?.iter().map(|l| l.as_bytes().to_vec()).collect::<Vec<_>>();
    if literals.is_empty() || literals.iter().any(|l| l.is_empty() || l.contains(&b'\n')) {
        return None;
    }
    Some(literals)
}

impl Prefilter {
    /// ``patterns``: per pattern, what it searches.
    pub fn new(patterns: &[Searched]) -> Prefilter {
        Prefilter::build(patterns, false).or_else(|| Prefilter::build(patterns, true)).unwrap_or_else(|| {
            // the set is too large: every pattern may match every message
            let mut p = Prefilter::build(&patterns.iter().map(|(_, t, tb)| (vec![], t.clone(), tb.clone())).collect::<Vec<_>>(), true)
                .expect("no message regex, no set to fail");
            for (f, (m, _, _)) in p.fields.iter_mut().zip(patterns) {
                f.message = vec![None; m.len()];
            }
            p
        })
    }

    /// The message regexes checked by the parser only (then the set may still fail to compile,
    /// past the size limit: None), or each compiled on its own (``strict``, those that fail are
    /// left out).
    fn build(patterns: &[Searched], strict: bool) -> Option<Prefilter> {
        let (mut messages, mut texts, mut fields) = (Vec::new(), Vec::new(), Vec::new());
        let (mut literals, mut group_of, mut groups) = (Vec::new(), Vec::new(), 0);
        let mut group = |needs: Vec<Vec<u8>>| {
            group_of.extend(std::iter::repeat_n(groups, needs.len()));
            literals.extend(needs);
            groups += 1;
            groups - 1
        };
        for (message, text, traceback) in patterns {
            let message = message
                .iter()
                .map(|p| {
                    let rx = if strict { widen(p).map(|rx| rx.as_str().to_string()) } else { widened(p, false) };
                    rx.map(|rx| {
                        messages.push(rx);
                        messages.len() - 1
                    })
                })
                .collect();
            let text = text.as_ref().map(|p| {
                widened(p, false).map(|source| {
                    let needs = regex_syntax::Parser::new().parse(&source).ok().and_then(|hir| needed(&hir)).map(&mut group);
                    texts.push(TextRegex { needs, source, regex: OnceLock::new() });
                    texts.len() - 1
                })
            });
            let traceback = traceback.iter().filter_map(|p| starts(p)).map(&mut group).collect();
            fields.push(Fields { message, text, traceback });
        }
        let needs = (!literals.is_empty()).then(|| AhoCorasick::new(&literals).ok()).flatten();
        if needs.is_none() {
            // no strings, or too many for one automaton: every regex is run
            texts.iter_mut().for_each(|t| t.needs = None);
            fields.iter_mut().for_each(|f| f.traceback.clear());
        }
        Some(Prefilter { message: RegexSet::new(&messages).ok()?, texts, needs, group_of, groups, fields })
    }

    /// Which groups of needed strings the text holds.
    fn present(&self, text: &str) -> Vec<bool> {
        let mut present = vec![false; self.groups];
        if let Some(ac) = &self.needs {
            for m in ac.find_overlapping_iter(text) {
                present[self.group_of[m.pattern().as_usize()]] = true;
            }
        }
        present
    }

    /// Bit i set: pattern i may match (patterns past 128 are left to Python). ``text``: the
    /// record's text (None: not known); ``traceback``: whether it may hold one.
    pub fn may_match(&self, message: &str, text: Option<&str>, traceback: bool) -> u128 {
        let m = self.message.matches(message);
        let present = text.map(|t| self.present(t));
        let mut mask = 0u128;
        for (i, f) in self.fields.iter().enumerate().take(128) {
            let message_ok = f.message.iter().all(|x| x.is_none_or(|j| m.matched(j)));
            let traceback_ok = !traceback || present.as_ref().is_none_or(|p| f.traceback.iter().all(|&g| p[g]));
            let text_ok = || match (f.text.flatten(), text, &present) {
                (Some(j), Some(text), Some(present)) => self.texts[j].may_match(text, present),
                _ => true,
            };
            // the text's regex last: it is the dearest check
            if message_ok && traceback_ok && text_ok() {
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
    fn a_text_regex_is_run_only_on_a_text_holding_what_its_matches_need() {
        let needs = |p: &str| {
            let hir = regex_syntax::Parser::new().parse(&widened(p, false).unwrap()).unwrap();
            needed(&hir).map(|f| f.iter().map(|f| String::from_utf8(f.clone()).unwrap()).collect::<Vec<_>>())
        };
        assert_eq!(needs(r"(?:OSError|error): x"), Some(vec!["OSError: x".into(), "error: x".into()]));
        assert_eq!(needs(r"(?s)\A.*?could not serialize"), Some(vec!["could not serialize".into()]));
        assert_eq!(needs(r"(?m)\A[\s\S]*?^ERROR: +(?P<e>.+?)\s*$"), Some(vec!["ERROR:".into()]));
        assert_eq!(needs(r"\w+|x"), None);
        let p = Prefilter::new(&[
            (vec![], Some(r"(?s)\A(?![^\n]*\bNOWAIT\b).*?could not serialize (?P<a>\w+)".into()), vec![]),
            (vec![], Some(r"(?i)deadlock".into()), vec![]),
        ]);
        assert_eq!(p.may_match("m", Some("h\nERROR: could not serialize access"), true), 0b01);
        assert_eq!(p.may_match("m", Some("h\nERROR: could not serialize"), true), 0b00);
        assert_eq!(p.may_match("m", Some("DEADLOCK detected"), true), 0b10);
        assert_eq!(p.may_match("m", None, true), 0b11);
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

//! Properties of the scanning core on generated input (the Python suite compares it with the
//! reference parser; these run without Python): the cut of the blocks never matters, reading
//! ahead on a thread (from the start or after some blocks) gives the same items, and a widened regex matches wherever its original
//! does (widened to match anywhere: in any text holding a part it matches).

use _core::ahead::Ahead;
use _core::routine::{widen, widened};
use _core::runs::{Item, Scanner};
use proptest::prelude::*;
use regex::Regex;

/// Lines of the shapes a log holds, and some that only look like them.
fn line() -> impl Strategy<Value = String> {
    let pid = prop_oneof![Just("7"), Just("12"), Just("0"), Just("07"), Just("٣")];
    let level = prop_oneof![Just("INFO"), Just("WARNING"), Just("ERROR"), Just("CRITICAL"), Just("INFOX"), Just("IN")];
    let logger = prop_oneof![Just("odoo"), Just("werkzeug"), Just("odoo.http"), Just("odoo.modules.loading"), Just("a:b")];
    let message = "[ -~é\u{3000}\u{1f}\t]{0,30}";
    let header = (pid, level, prop_oneof![Just("db"), Just("?"), Just("d\u{1f}b")], logger, message)
        .prop_map(|(p, l, d, g, m)| format!("2025-01-01 10:00:00,000 {p} {l} {d} {g}: {m}"));
    prop_oneof![
        4 => header,
        1 => Just("Traceback (most recent call last):".to_string()),
        1 => Just("  File \"/opt/odoo/odoo/http.py\", line 1, in f".to_string()),
        1 => Just("  File \"/usr/bin/odoo-bin\", line 8, in <module>".to_string()),
        1 => Just("KeyError: 'x'".to_string()),
        1 => Just("During handling of the above exception, another exception occurred:".to_string()),
        1 => Just("Killed".to_string()),
        1 => Just("2025-01-01 10:00:00,000 7".to_string()),
        1 => Just("python : 2025-01-01 10:00:00,000 7 INFO db odoo: ps".to_string()),
        1 => Just("web-1  | 2025-01-01 10:00:00,000 7 INFO db odoo: compose".to_string()),
        1 => "[ -~]{0,20}",
        1 => Just("\x1b[31mcolour\x1b[0m\r".to_string()),
    ]
}

fn log() -> impl Strategy<Value = Vec<u8>> {
    (prop::collection::vec(line(), 0..40), prop::collection::vec(any::<u8>(), 0..8), any::<bool>()).prop_map(
        |(lines, noise, newline_at_end)| {
            let mut data = lines.join("\n").into_bytes();
            if newline_at_end {
                data.push(b'\n');
            }
            let at = if data.is_empty() { 0 } else { noise.len() * 7 % data.len() };
            data.splice(at..at, noise);
            data
        },
    )
}

fn shape(item: Item) -> String {
    match item {
        Item::Record(r) => {
            let h = r.header().map(|h| format!("{}|{}|{}|{}|{}", h.timestamp, h.pid, h.level, h.db, h.logger));
            format!("{:?} {}-{} {:?} {:?} {:?} {:?}", r.kind, r.first_line, r.last_line, h, r.message(), r.extra, r.tail)
        }
        Item::Run(r) => format!("run {}", r.count),
    }
}

fn serial(data: &[u8], cut: usize, damaged: bool) -> (Vec<String>, (u64, u64)) {
    let mut s = Scanner::new(1, true);
    let mut out = Vec::new();
    for block in data.chunks(cut.max(1)) {
        s.reader.push(block);
        while let Some(item) = s.next_item(None) {
            out.push(shape(item));
        }
    }
    s.reader.close(damaged);
    while let Some(item) = s.next_item(None) {
        out.push(shape(item));
    }
    (out, (s.reader.counts.lines, s.reader.counts.bytes))
}

/// Read on the caller's thread for ``serial_blocks`` blocks, then ahead.
fn ahead(data: &[u8], cut: usize, damaged: bool, serial_blocks: usize) -> (Vec<String>, (u64, u64)) {
    let mut out = Vec::new();
    let mut s = Scanner::new(1, true);
    let mut blocks = data.chunks(cut.max(1));
    for block in blocks.by_ref().take(serial_blocks) {
        s.reader.push(block);
        while let Some(item) = s.next_item(None) {
            out.push(shape(item));
        }
    }
    let mut a = Ahead::take_over(s, None);
    let mut drain = |a: &mut Ahead| loop {
        while let Some(item) = a.next_item(None) {
            out.push(shape(item));
        }
        if !a.waiting() {
            break;
        }
        a.receive();
    };
    for block in blocks {
        a.push(block);
        drain(&mut a);
    }
    a.close(damaged);
    drain(&mut a);
    (out, (a.counts.lines, a.counts.bytes))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn the_cut_of_the_blocks_never_matters(
        data in log(), cut in 1usize..50, damaged in any::<bool>(), serial_blocks in 0usize..6
    ) {
        let whole = serial(&data, data.len().max(1), damaged);
        prop_assert_eq!(&serial(&data, cut, damaged), &whole);
        prop_assert_eq!(&ahead(&data, cut, damaged, serial_blocks), &whole);
    }

    #[test]
    fn a_widened_regex_matches_wherever_the_original_does(
        pattern in prop::sample::select(vec![
            r"^bad query:",
            r"(?i)(?P<claim>\b\w[\w .-]{0,40}?\b(?:not available|is missing)\b)",
            r"addons path does not exist: (?P<path>\S+)$",
            r"^Critial worker error \((?P<worker_pid>\d+)\)$",
            r"(?:OSError|error): \[Errno (?:98|48)\] (?P<what>Address already in use)",
            r"[^:]+\.py:\d+: \w*Warning: (?P<w>[^\n]+)",
            r"(?m)^ERROR: +(?P<e>.+?)\s*$",
            r"x(?=y)|(?<!a)b\Bc",
            r"[\d,.]+ ?(?:MB|GB)\b",
        ]),
        text in "[ -~\n\tébÉ٣]{0,60}",
    ) {
        let original = Regex::new(&pattern.replace(r"(?=y)", "").replace(r"(?<!a)", "")).unwrap();
        let wide = widen(pattern).expect("these widen");
        if original.is_match(&text) {
            prop_assert!(wide.is_match(&text), "{} on {:?}", wide.as_str(), text);
        }
    }

    #[test]
    fn a_regex_widened_anywhere_matches_a_text_that_holds_a_part_it_matches(
        pattern in prop::sample::select(vec![
            r"(?:^|\.)KeyError$",
            r"^'(?P<model>[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+)'$",
            r"^No module named '(?P<package>(?!odoo\b|openerp\b)[\w.]+)'$",
            r"\A(?:can't register atexit after shutdown|cannot schedule new futures)\Z",
            r"^x\b$|^$",
        ]),
        part in "(builtins\\.KeyError|KeyError|'res\\.partner'|No module named 'odoo_x'|can't register atexit after shutdown|x|)",
        before in "[ -~\n]{0,12}",
        after in "[ -~\n]{0,12}",
    ) {
        let original = Regex::new(&pattern.replace(r"(?!odoo\b|openerp\b)", "").replace(r"\Z", r"\z")).unwrap();
        let wide = Regex::new(&widened(pattern, true).expect("these widen")).unwrap();
        if original.is_match(&part) {
            let text = format!("{before}{part}{after}");
            prop_assert!(wide.is_match(&text), "{} on {:?}", wide.as_str(), text);
        }
    }
}

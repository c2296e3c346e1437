//! Time the scanner alone on a file: `cargo run --release --example scan -- FILE`.
use std::io::Read;

fn main() {
    let path = std::env::args().nth(1).expect("a log file");
    let mut data = Vec::new();
    std::fs::File::open(&path).expect("readable").read_to_end(&mut data).expect("read");
    let start = std::time::Instant::now();
    let mut s = _core::scan::Scanner::new(1, true);
    let mut items = 0;
    for block in data.chunks(1 << 20) {
        s.push(block);
        while s.next_item(None).is_some() {
            items += 1;
        }
    }
    s.close();
    while s.next_item(None).is_some() {
        items += 1;
    }
    let secs = start.elapsed().as_secs_f64();
    println!("{items} records, {:.1} MB/s", data.len() as f64 / 1e6 / secs);
}

//! Time per detected format, single thread, files held in memory, for the audit's parse (only the
//! settings the checks declare) and for the checks that follow:
//! `cargo run --release -p voipguard-parsers --example parse_speed -- DIR [ROUNDS]`.
//! The audit benchmark (`bench/audit_vs_cat.sh`) measures the whole command; this one tells
//! which stage the time goes to.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let folder = PathBuf::from(args.next().unwrap_or_else(|| ".".into()));
    let rounds: u32 = args.next().and_then(|text| text.parse().ok()).unwrap_or(3);
    let mut files = Vec::new();
    let mut pending = vec![folder];
    while let Some(path) = pending.pop() {
        if path.is_dir() {
            for entry in std::fs::read_dir(&path)? {
                pending.push(entry?.path());
            }
        } else {
            let bytes = std::fs::read(&path)?;
            files.push((path, bytes));
        }
    }
    let catalogue = voipguard_checks::catalogue().map_err(std::io::Error::other)?;
    let keep = voipguard_parsers::Keep::only(catalogue.settings_read());
    let mut per_format: BTreeMap<String, (usize, usize, Duration, Duration)> = BTreeMap::new();
    for _ in 0..rounds {
        for (path, bytes) in &files {
            let format = std::str::from_utf8(bytes)
                .ok()
                .and_then(voipguard_parsers::detect)
                .map_or("other".to_owned(), |format| format!("{format:?}"));
            let start = Instant::now();
            let parsed = voipguard_parsers::parse_keeping(path, bytes, &keep);
            let parsing = start.elapsed();
            let start = Instant::now();
            if let Ok(voipguard_parsers::Parsed::Device(device)) = parsed {
                std::hint::black_box(voipguard_checks::evaluate(catalogue, &*device));
            }
            let checking = start.elapsed();
            let entry = per_format.entry(format).or_default();
            entry.0 += 1;
            entry.1 += bytes.len();
            entry.2 += parsing;
            entry.3 += checking;
        }
    }
    for (format, (count, bytes, parsing, checking)) in per_format {
        let per_file = |time: Duration| time.as_secs_f64() * 1e6 / count.max(1) as f64;
        #[allow(clippy::print_stdout)]
        {
            println!(
                "{format:<16} {count:>6} files {:>6} KB/file  parse {:>7.1} µs/file ({:>6.1} MB/s)  checks {:>7.1} µs/file",
                bytes / count.max(1) / 1000,
                per_file(parsing),
                bytes as f64 / parsing.as_secs_f64() / 1e6,
                per_file(checking),
            );
        }
    }
    Ok(())
}

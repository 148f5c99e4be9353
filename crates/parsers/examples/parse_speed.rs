//! Parse-only throughput per detected format, single thread, files held in memory:
//! `cargo run --release -p voipguard-parsers --example parse_speed -- DIR [ROUNDS]`.
//! The audit benchmark (`bench/audit_vs_cat.sh`) measures the whole command; this one tells
//! which parser the time goes to.

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
    let mut per_format: BTreeMap<String, (usize, usize, Duration, usize)> = BTreeMap::new();
    for _ in 0..rounds {
        for (path, bytes) in &files {
            let format = std::str::from_utf8(bytes)
                .ok()
                .and_then(voipguard_parsers::detect)
                .map_or("other".to_owned(), |format| format!("{format:?}"));
            let start = Instant::now();
            let parsed = voipguard_parsers::parse(path, bytes);
            let elapsed = start.elapsed();
            let settings = match parsed {
                Ok(voipguard_parsers::Parsed::Device(device)) => device.settings.len(),
                _ => 0,
            };
            let entry = per_format.entry(format).or_default();
            entry.0 += 1;
            entry.1 += bytes.len();
            entry.2 += elapsed;
            entry.3 += settings;
        }
    }
    for (format, (count, bytes, time, settings)) in per_format {
        let seconds = time.as_secs_f64();
        #[allow(clippy::print_stdout)]
        {
            println!(
                "{format:<16} {count:>6} files {:>8.1} MB/s {:>8.0} files/s {:>6.0} ns/setting {:>6} settings/file",
                bytes as f64 / seconds / 1e6,
                count as f64 / seconds,
                seconds * 1e9 / settings.max(1) as f64,
                settings / count.max(1),
            );
        }
    }
    Ok(())
}

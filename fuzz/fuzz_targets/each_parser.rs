//! Any text straight into one parser (the first byte chooses which), skipping format detection so
//! each parser sees inputs detection would route elsewhere: never a panic.
#![no_main]

use std::path::PathBuf;
use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use voipguard_parsers::{grandstream, snom};

fuzz_target!(|data: &[u8]| {
    let Some((&choice, rest)) = data.split_first() else { return };
    let file = Arc::new(PathBuf::from("fuzz.cfg"));
    let text = String::from_utf8_lossy(rest);
    let _ = match choice % 4 {
        0 => grandstream::parse_xml(&file, &text),
        1 => grandstream::parse_text(&file, &text),
        2 => snom::parse_xml(&file, &text),
        _ => snom::parse_text(&file, &text),
    };
});

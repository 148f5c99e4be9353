//! Any text as a facts file: the reader answers with facts or a positioned error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = voipguard_facts::read(std::path::Path::new("fuzz.toml"), &text);
});

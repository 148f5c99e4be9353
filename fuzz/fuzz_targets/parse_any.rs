//! Any bytes through format detection, the chosen parser and every check: never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use voipguard_parsers::Parsed;

fuzz_target!(|data: &[u8]| {
    if let Ok(Parsed::Device(device)) = voipguard_parsers::parse(std::path::Path::new("fuzz.cfg"), data) {
        if let Ok(catalogue) = voipguard_checks::catalogue() {
            let _ = voipguard_checks::evaluate(catalogue, &*device);
        }
    }
});

//! Any bytes as an Asterisk configuration set (NUL bytes separate sip.conf, extensions.conf,
//! iax.conf, … in turn), then every PBX check on the result: never a panic, never a hang.
#![no_main]

use libfuzzer_sys::fuzz_target;
use voipguard_asterisk::{Config, ConfigSet};
use voipguard_checks::Target;
use voipguard_model::{Device, Family, FamilyBasis, Vendor};

const FILES: [&str; 10] = [
    "sip.conf", "extensions.conf", "iax.conf", "pjsip.conf", "manager.conf", "voicemail.conf",
    "logger.conf", "rtp.conf", "http.conf", "acl.conf",
];

fuzz_target!(|data: &[u8]| {
    let configs = data
        .split(|&byte| byte == 0)
        .zip(FILES.iter().cycle())
        .map(|(text, name)| Config::parse_bytes(name, text))
        .collect();
    let set = ConfigSet { folder: "fuzz".into(), configs, included_only: Vec::new() };
    let device = Device::new("fuzz", Vendor::Asterisk, Family::Asterisk, FamilyBasis::Content);
    if let Ok(catalogue) = voipguard_checks::catalogue() {
        let _ = voipguard_checks::evaluate(catalogue, Target { device: &device, asterisk: Some(&set) });
    }
});

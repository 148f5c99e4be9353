//! AST-SIP-17: chan_sip does not announce Asterisk and its version (`useragent`, `sdpsession`).
//!
//! ## What it does
//! Reads `useragent` (User-Agent/Server headers) and `sdpsession` (SDP `s=` line) in `[general]`.
//! Fails when either is unset (chan_sip then sends "Asterisk PBX <version>") or names Asterisk,
//! FreePBX or a version number.
//!
//! ## Why is this bad?
//! Scanners read the product and version from any reply, even to an unauthenticated OPTIONS, and
//! pick exploits for the advisories that version is open to.
//!
//! ## Example
//! ```ini
//! [general]
//! useragent=FPBX-13.0.195.4(13.22.0)
//! ```
//! Use instead: `useragent=PBX` and `sdpsession=PBX`.
//!
//! ## References
//! - reference/asterisk.md 2.1 SIP-17; sip.conf.sample:404, 1080

use voipguard_model::{Evidence, Finding, Status};

use super::CodeCheck;
use super::asterisk_peers::{Driver, DriverConfig, GeneralSetting};
use crate::context::Context;

/// Product names that identify the software behind the banner.
const PRODUCT_NAMES: &[&str] = &["asterisk", "fpbx", "freepbx", "issabel", "elastix"];

/// The banner keys.
const BANNER_KEYS: &[&str] = &["useragent", "sdpsession"];

/// AST-SIP-17.
#[derive(Debug)]
pub(crate) struct AstSip17;

impl CodeCheck for AstSip17 {
    fn id(&self) -> &'static str {
        "AST-SIP-17"
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        let config = match DriverConfig::require(cx, Driver::Sip) {
            Ok(config) => config,
            Err(absent) => return absent,
        };
        let mut revealing = Vec::new();
        let mut undecided = Vec::new();
        for key in BANNER_KEYS {
            match config.general_setting(key) {
                GeneralSetting::Set(variable) if reveals_software(&variable.value) => {
                    revealing.push(cx.asterisk_evidence(
                        &variable.origin,
                        format!("[general] {key}"),
                        variable.value.trim().to_owned(),
                    ));
                }
                GeneralSetting::Set(_) => {}
                GeneralSetting::Unset => revealing.push(Evidence {
                    file: None,
                    line: None,
                    column: None,
                    setting: format!("sip.conf [general] {key}"),
                    value: "Asterisk PBX <version> (not set; Asterisk default)".into(),
                    default: true,
                }),
                GeneralSetting::Unknown => undecided.push(*key),
            }
        }
        if !revealing.is_empty() {
            let keys: Vec<&str> = revealing
                .iter()
                .map(|evidence| evidence.setting.rsplit(' ').next().unwrap_or_default())
                .collect();
            let message = format!(
                "sip.conf {} announce the PBX software or its version",
                keys.join(" and ")
            );
            return cx.finding(Status::Fail, message, revealing);
        }
        if !undecided.is_empty() {
            let message = format!(
                "sip.conf [general] {} not set in the files read, but files missing from this copy may set it (see AST-CONFIG)",
                undecided.join(" and ")
            );
            return cx.finding(Status::Unknown, message, Vec::new());
        }
        cx.finding(
            Status::Pass,
            "sip.conf useragent and sdpsession are neutral".into(),
            Vec::new(),
        )
    }
}

/// True when a banner names the product or carries a version number (`13.22.0`).
fn reveals_software(banner: &str) -> bool {
    let lower = banner.to_ascii_lowercase();
    let names_product = PRODUCT_NAMES.iter().any(|name| lower.contains(name));
    let bytes = banner.as_bytes();
    let has_version = bytes
        .windows(3)
        .any(|window| matches!(window, [a, b'.', c] if a.is_ascii_digit() && c.is_ascii_digit()));
    names_product || has_version
}

#[cfg(test)]
mod tests {
    use super::reveals_software;

    #[test]
    fn product_names_and_versions_reveal_the_software() {
        assert!(reveals_software("Asterisk PBX"));
        assert!(reveals_software("FPBX-13.0.195.4(13.22.0)"));
        assert!(reveals_software("MyPBX 2.1"));
        assert!(!reveals_software("PBX"));
        assert!(!reveals_software("Voice Gateway"));
    }
}

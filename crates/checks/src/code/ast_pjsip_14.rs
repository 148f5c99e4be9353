//! AST-PJSIP-14: the PJSIP User-Agent header does not give the version away.
//!
//! ## What it does
//! Reads `user_agent` of the `type=global` section of pjsip.conf. Absent, Asterisk sends
//! `Asterisk PBX <version>` (Asterisk 13 to 21); written, the check fails when the value names
//! Asterisk or carries a version number (`FPBX-16.0.40(18.20.0)`).
//!
//! ## Why is this bad?
//! Every response then tells scanners which product and release answer, so they pick the
//! exploits and default credentials that fit it.
//!
//! ## Example
//! ```ini
//! [global]
//! type = global
//! user_agent = FPBX-16.0.40(18.20.0)
//! ```
//! Use instead: `user_agent = PBX`.
//!
//! ## References
//! - reference/asterisk.md 2.2 PJ-14; pjsip.conf.sample line 1353

use voipguard_model::{Finding, Status};

use super::CodeCheck;
use super::asterisk_services::{config, has_missing_includes, key_evidence, pjsip_objects};
use crate::context::Context;

/// See the module documentation.
#[derive(Debug)]
pub(crate) struct AstPjsip14;

impl CodeCheck for AstPjsip14 {
    fn id(&self) -> &'static str {
        "AST-PJSIP-14"
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        let pjsip = match config(cx, "pjsip.conf") {
            Ok(pjsip) => pjsip,
            Err(finding) => return finding,
        };
        let written = pjsip_objects(pjsip, "global")
            .find_map(|global| global.get("user_agent").map(|_| global));
        let Some(global) = written else {
            if has_missing_includes(pjsip) {
                return cx.finding(
                    Status::Unknown,
                    "no user_agent in the pjsip.conf read, and missing includes may set it (see AST-CONFIG)".into(),
                    Vec::new(),
                );
            }
            return cx.finding(
                Status::Fail,
                "user_agent is not set: Asterisk sends \"Asterisk PBX <version>\" in every request and response".into(),
                Vec::new(),
            );
        };
        let value = global.value("user_agent").unwrap_or_default();
        let evidence = vec![key_evidence(cx, global, "user_agent", value.to_owned())];
        if reveals_version(value) {
            cx.finding(
                Status::Fail,
                format!("user_agent \"{value}\" tells scanners the product or its version"),
                evidence,
            )
        } else {
            cx.finding(
                Status::Pass,
                format!("user_agent \"{value}\" names no product version"),
                evidence,
            )
        }
    }
}

/// True when a User-Agent names Asterisk or holds a dotted version number.
fn reveals_version(value: &str) -> bool {
    let bytes = value.as_bytes();
    let dotted = bytes
        .windows(3)
        .any(|window| matches!(window, [a, b'.', c] if a.is_ascii_digit() && c.is_ascii_digit()));
    dotted || value.to_ascii_lowercase().contains("asterisk")
}

#[cfg(test)]
mod tests {
    use voipguard_model::Status;

    use super::reveals_version;
    use crate::code::asterisk_services::testing::run_files;

    #[test]
    fn versions_in_the_user_agent_are_flagged() {
        assert!(reveals_version("FPBX-16.0.40(18.20.0)"));
        assert!(reveals_version("Asterisk PBX"));
        assert!(!reveals_version("PBX"));
        let status = |text: &str| run_files("AST-PJSIP-14", &[("pjsip.conf", text)]).status;
        assert_eq!(status("[global]\ntype=global\n"), Status::Fail, "default");
        assert_eq!(
            status("[global]\ntype=global\nuser_agent=PBX\n"),
            Status::Pass
        );
    }
}

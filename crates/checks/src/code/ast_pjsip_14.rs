//! AST-PJSIP-14: the PJSIP User-Agent header does not give the version away.
//!
//! ## What it does
//! Reads `user_agent` of the `type=global` section of pjsip.conf. Absent, Asterisk sends
//! `Asterisk PBX <version>` (Asterisk 13 to 21); written, the check fails when the value names
//! an Asterisk-based product or carries an `x.y.z` release (`FPBX-16.0.40(18.20.0)`). A
//! `user_agent` in a section without `type=` is ignored by res_pjsip and reported as such.
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
        // Without a transport res_pjsip sends nothing, so a missing user_agent reveals nothing;
        // template-only copies (Wazo keeps the real objects in its database) look like this.
        if pjsip_objects(pjsip, "transport").next().is_none() && !has_missing_includes(pjsip) {
            return cx.finding(
                Status::NotApplicable,
                "no PJSIP transport in the files read: this configuration does not send SIP".into(),
                Vec::new(),
            );
        }
        let written = pjsip_objects(pjsip, "global")
            .find_map(|global| global.get("user_agent").map(|_| global));
        let Some(global) = written else {
            // res_pjsip skips sections without a type, so a `[global]` lacking one sets nothing.
            if let Some(untyped) = pjsip.sections().find(|section| {
                section.get("type").is_none() && section.get("user_agent").is_some()
            }) {
                let value = untyped.value("user_agent").unwrap_or_default().to_owned();
                return cx.finding(
                    Status::Fail,
                    format!("[{}] writes user_agent but has no type=global, so res_pjsip ignores it and sends \"Asterisk PBX <version>\"", untyped.name),
                    vec![key_evidence(cx, untyped, "user_agent", value)],
                );
            }
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

/// Product names of Asterisk and the distributions built on it.
const PRODUCTS: &[&str] = &[
    "asterisk", "fpbx", "freepbx", "issabel", "elastix", "scopserv",
];

/// True when a User-Agent names an Asterisk-based product or holds a release number of the
/// `x.y.z` form those products use.
fn reveals_version(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    let release = lower
        .split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .any(|token| {
            let parts: Vec<&str> = token.split('.').collect();
            parts.len() >= 3 && parts.iter().all(|part| !part.is_empty())
        });
    release || PRODUCTS.iter().any(|product| lower.contains(product))
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
        assert!(!reveals_version("Vox 3.0"));
        assert!(reveals_version("PBX 18.20.0"));
        let status = |text: &str| run_files("AST-PJSIP-14", &[("pjsip.conf", text)]).status;
        let udp = "[udp]\ntype=transport\nprotocol=udp\n";
        assert_eq!(
            status(&format!("{udp}[global]\ntype=global\n")),
            Status::Fail,
            "default"
        );
        assert_eq!(
            status("[global]\ntype=global\n"),
            Status::NotApplicable,
            "no transport, nothing sent"
        );
        assert_eq!(
            status(&format!("{udp}[global]\nuser_agent=PBX\n")),
            Status::Fail,
            "no type=global: ignored"
        );
        assert_eq!(
            status(&format!("{udp}[global]\ntype=global\nuser_agent=PBX\n")),
            Status::Pass
        );
    }
}

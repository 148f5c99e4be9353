//! AST-PJSIP-12: trunks and the anonymous endpoint refuse SUBSCRIBE, REFER and overlap dialling.
//!
//! ## What it does
//! For the endpoints matched by address through a `type=identify` (trunks) and the endpoint
//! named `anonymous`, lists those where `allow_subscribe`, `allow_transfer` or `allow_overlap`
//! is not turned off (all three default to `yes`, Asterisk 13 to 21).
//!
//! The `type=wizard` sections of pjsip_wizard.conf count as the endpoints, AORs, auths and
//! identifies they create (`endpoint/…`, `aor/…` keys; `remote_hosts` as an address match).
//!
//! ## Why is this bad?
//! Nobody behind a trunk or an anonymous caller needs to watch extensions' presence
//! (SUBSCRIBE enumerates them), transfer calls (a REFER sends an answered call to any number the
//! sender names, a known fraud path) or dial digit by digit.
//!
//! ## Example
//! ```ini
//! [provider]
//! type = endpoint
//! context = from-trunk
//! ```
//! Use instead: add `allow_subscribe = no`, `allow_transfer = no`, `allow_overlap = no`.
//!
//! ## References
//! - reference/asterisk.md 2.2 PJ-12; pjsip.conf.sample lines 654, 798, 808

use std::collections::HashSet;

use voipguard_model::Finding;

use super::CodeCheck;
use super::asterisk_pjsip::PjsipObjects;
use super::asterisk_services::{is_true, judge_each, key_evidence, list};
use crate::context::Context;

/// The request kinds trunks and anonymous callers should not use; each defaults to `yes`.
const FEATURES: &[&str] = &["allow_subscribe", "allow_transfer", "allow_overlap"];

/// See the module documentation.
#[derive(Debug)]
pub(crate) struct AstPjsip12;

impl CodeCheck for AstPjsip12 {
    fn id(&self) -> &'static str {
        "AST-PJSIP-12"
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        let pjsip = match PjsipObjects::of(cx) {
            Ok(pjsip) => pjsip,
            Err(finding) => return finding,
        };
        let by_address: HashSet<String> = pjsip
            .objects("identify")
            .filter(|identify| identify.get("match").is_some())
            .filter_map(|identify| identify.value("endpoint"))
            .flat_map(list)
            .collect();
        let untrusted: Vec<_> = pjsip
            .objects("endpoint")
            .filter(|endpoint| {
                let name = endpoint.name.to_ascii_lowercase();
                name == "anonymous" || by_address.contains(&name)
            })
            .collect();
        judge_each(
            cx,
            pjsip.has_missing_includes(),
            &untrusted,
            "trunk or anonymous endpoints",
            |endpoint| {
                let open: Vec<&str> = FEATURES
                    .iter()
                    .copied()
                    .filter(|key| endpoint.value(key).is_none_or(is_true))
                    .collect();
                (!open.is_empty()).then(|| {
                    key_evidence(
                        cx,
                        endpoint,
                        open.first().copied().unwrap_or("allow_transfer"),
                        format!("{} on (default yes)", open.join(", ")),
                    )
                })
            },
            "accept SUBSCRIBE, REFER transfers or overlap dialling they do not need",
            "refuse SUBSCRIBE, transfers and overlap dialling",
        )
    }
}

#[cfg(test)]
mod tests {
    use voipguard_model::Status;

    use crate::code::asterisk_services::testing::run_files;

    #[test]
    fn trunks_must_turn_the_features_off() {
        let status = |text: &str| run_files("AST-PJSIP-12", &[("pjsip.conf", text)]).status;
        let identify = "[p]\ntype=identify\nendpoint=p\nmatch=203.0.113.5\n";
        assert_eq!(
            status(&format!("[p]\ntype=endpoint\n{identify}")),
            Status::Fail
        );
        assert_eq!(
            status(&format!(
                "[p]\ntype=endpoint\nallow_subscribe=no\nallow_transfer=no\nallow_overlap=no\n{identify}"
            )),
            Status::Pass
        );
        assert_eq!(
            status("[100]\ntype=endpoint\n"),
            Status::NotApplicable,
            "phones are not judged"
        );
    }
}

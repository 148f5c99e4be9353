//! AST-PJSIP-03: every PJSIP endpoint has an explicit context, and trunks' contexts cannot dial
//! out.
//!
//! ## What it does
//! Lists the `type=endpoint` sections of pjsip.conf without `context` (res_pjsip then uses
//! `default`, Asterisk 13 to 21), and the endpoints matched by address through a `type=identify`
//! (trunks) whose context reaches an outbound trunk in extensions.conf, found with the toll-fraud
//! search of AST-EXT-01.
//!
//! ## Why is this bad?
//! `[default]` is where the samples and many old dial plans put outbound routes, so an endpoint
//! without a context often gets them by accident. A trunk's inbound context that can dial out
//! lets anyone who can send from the provider's network (or spoof it) relay calls through the
//! PBX.
//!
//! ## Example
//! ```ini
//! [provider]
//! type = endpoint
//! context = from-internal
//! ```
//! Use instead: `context = from-trunk`, a context that only routes DIDs to extensions.
//!
//! ## References
//! - reference/asterisk.md 2.2 PJ-03; pjsip.conf.sample line 662; pjsip_configuration.c:2279

use std::collections::HashSet;

use voipguard_model::{Evidence, Finding, Status};

use super::CodeCheck;
use super::asterisk_services::{
    config, group, has_missing_includes, key_evidence, list, pjsip_objects,
};
use super::toll_fraud::{analyse_from, entry, routes_per_entry};
use crate::context::Context;

/// See the module documentation.
#[derive(Debug)]
pub(crate) struct AstPjsip03;

impl CodeCheck for AstPjsip03 {
    fn id(&self) -> &'static str {
        "AST-PJSIP-03"
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        let pjsip = match config(cx, "pjsip.conf") {
            Ok(pjsip) => pjsip,
            Err(finding) => return finding,
        };
        let endpoints: Vec<_> = pjsip_objects(pjsip, "endpoint").collect();
        if endpoints.is_empty() {
            let status = if has_missing_includes(pjsip) {
                Status::Unknown
            } else {
                Status::NotApplicable
            };
            return cx.finding(status, "no endpoints in the files read".into(), Vec::new());
        }
        let by_address: HashSet<String> = pjsip_objects(pjsip, "identify")
            .filter(|identify| identify.get("match").is_some())
            .filter_map(|identify| identify.value("endpoint"))
            .flat_map(list)
            .collect();
        let mut flagged = Vec::new();
        let mut evidence: Vec<Evidence> = Vec::new();
        let mut trunk_entries = Vec::new();
        for endpoint in &endpoints {
            match endpoint.get("context") {
                None => {
                    flagged.push(endpoint.name.clone());
                    evidence.push(key_evidence(
                        cx,
                        endpoint,
                        "context",
                        "not set (default)".into(),
                    ));
                }
                Some(context) if by_address.contains(&endpoint.name.to_ascii_lowercase()) => {
                    trunk_entries.push(entry(
                        context.value.trim(),
                        format!("pjsip.conf trunk {} matched by address", endpoint.name),
                        &context.origin,
                    ));
                }
                Some(_) => {}
            }
        }
        let mut problems = Vec::new();
        if !flagged.is_empty() {
            problems.push(format!(
                "{} have no context and land in [default]",
                group(&flagged, endpoints.len(), "endpoints")
            ));
        }
        let mut undecided = false;
        if !trunk_entries.is_empty() {
            match cx.asterisk.and_then(|set| analyse_from(set, trunk_entries)) {
                Some(reach) if !reach.outbound.is_empty() => {
                    let contexts: Vec<String> = routes_per_entry(&reach.outbound)
                        .into_iter()
                        .map(|(context, _)| context)
                        .collect();
                    problems.push(format!(
                        "trunk contexts {} reach an outbound dial, so calls from the provider side can be relayed out",
                        contexts.join(", ")
                    ));
                    evidence.extend(reach.outbound.iter().map(|route| {
                        cx.asterisk_evidence(route.end(), "route".into(), route.chain())
                    }));
                }
                Some(reach) => undecided = !reach.unknown.is_empty() || !reach.unread.is_empty(),
                None => undecided = true,
            }
        }
        if !problems.is_empty() {
            return cx.finding(Status::Fail, problems.join("; "), evidence);
        }
        if undecided {
            return cx.finding(
                Status::Unknown,
                "every endpoint has a context, but whether the trunks' contexts can dial out cannot be decided from the files read (see AST-EXT-01, AST-CONFIG)".into(),
                evidence,
            );
        }
        cx.finding(
            Status::Pass,
            format!("all {} endpoints have an explicit context, and no trunk context reaches an outbound dial", endpoints.len()),
            evidence,
        )
    }
}

#[cfg(test)]
mod tests {
    use voipguard_model::Status;

    use crate::code::asterisk_services::testing::run_files;

    const DIALPLAN: &str = "[from-trunk]\nexten => 5551000,1,Dial(PJSIP/100)\n\
        [from-internal]\nexten => _9.,1,Dial(PJSIP/${EXTEN:1}@provider)\n";
    const TRUNK: &str = "[provider]\ntype=identify\nendpoint=provider\nmatch=203.0.113.5\n";

    fn status(endpoints: &str) -> Status {
        let pjsip = format!("{endpoints}{TRUNK}");
        run_files(
            "AST-PJSIP-03",
            &[
                ("pjsip.conf", pjsip.as_str()),
                ("extensions.conf", DIALPLAN),
            ],
        )
        .status
    }

    #[test]
    fn contexts_must_be_explicit_and_trunks_must_not_dial_out() {
        assert_eq!(status("[100]\ntype=endpoint\n"), Status::Fail);
        assert_eq!(
            status("[provider]\ntype=endpoint\ncontext=from-internal\n"),
            Status::Fail
        );
        assert_eq!(
            status(
                "[provider]\ntype=endpoint\ncontext=from-trunk\n[100]\ntype=endpoint\ncontext=from-internal\n"
            ),
            Status::Pass
        );
    }
}

//! AST-EXT-01: no context reached without authentication can dial out.
//!
//! ## What it does
//! Finds the contexts callers reach without authenticating (chan_sip guests, `insecure=invite`
//! peers and peers without a secret, the pjsip `anonymous` endpoint and endpoints without
//! `auth`, iax users without a secret, FreePBX's `from-trunk`/`from-pstn`/`from-sip-external`),
//! follows `include =>`, static `Goto`/`GotoIf`/`Gosub`/`GosubIf`/`Macro`, `Local/…@context`
//! and `DISA(no-password)` from there, and fails on every route that ends in a dial to a trunk
//! or in an unfiltered `${EXTEN}` under a `.`/`!` pattern. One finding lists every route as
//! evidence (the shortest route per entry and dialling line), with file and line for each hop.
//! Branches it cannot follow (computed jump targets, `switch =>`, contexts in missing files)
//! make it `unknown` when no route was found. The assumptions are in `toll_fraud.rs`.
//!
//! ## Why is this bad?
//! Scanners send INVITEs to every public SIP server. A guest or unauthenticated peer whose
//! context includes, even indirectly, the outbound patterns places international calls at the
//! owner's expense: the classic toll-fraud bill.
//!
//! ## Example
//! ```ini
//! ; sip.conf
//! [general]
//! context=public            ; allowguest defaults to yes
//! ; extensions.conf
//! [public]
//! include => internal
//! [internal]
//! exten => _X.,1,Dial(SIP/itsp/${EXTEN})
//! ```
//! Use instead: `allowguest=no`, and a guest context that only routes your DIDs.
//!
//! ## References
//! - reference/asterisk.md section 2.7 (steps 1–3), SIP-01, SIP-02, SIP-04, SIP-06, PJ-01,
//!   PJ-02, IAX-01

use voipguard_model::{Finding, Status};

use super::CodeCheck;
use super::toll_fraud::{Route, analyse, routes_per_entry};
use crate::context::Context;

/// See the module documentation.
#[derive(Debug)]
pub(crate) struct AstExt01;

/// Entries named in the message before "…".
const NAMED: usize = 3;

impl CodeCheck for AstExt01 {
    fn id(&self) -> &'static str {
        "AST-EXT-01"
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        let Some(set) = cx.asterisk else {
            return cx.finding(
                Status::NotApplicable,
                "no Asterisk configuration set".into(),
                Vec::new(),
            );
        };
        let Some(result) = analyse(set) else {
            return cx.finding(
                Status::NotApplicable,
                "no extensions.conf in the set".into(),
                Vec::new(),
            );
        };
        let evidence_of = |routes: &[Route], label: &str| {
            routes
                .iter()
                .enumerate()
                .map(|(i, route)| {
                    cx.asterisk_evidence(
                        route.end(),
                        format!("{label} {} from {}", i + 1, route.entry.context),
                        route.chain(),
                    )
                })
                .collect::<Vec<_>>()
        };
        if !result.outbound.is_empty() {
            let per_entry = routes_per_entry(&result.outbound);
            let mut named: Vec<String> = per_entry
                .iter()
                .take(NAMED)
                .map(|(context, n)| format!("{context} ({n})"))
                .collect();
            if per_entry.len() > NAMED {
                named.push("…".into());
            }
            let message = format!(
                "{} route(s) from {} unauthenticated entry context(s) reach an outbound dial: {}",
                result.outbound.len(),
                per_entry.len(),
                named.join(", ")
            );
            return cx.finding(
                Status::Fail,
                message,
                evidence_of(&result.outbound, "route"),
            );
        }
        let entries: Vec<&str> = result.entries.iter().map(|e| e.context.as_str()).collect();
        if !result.unknown.is_empty() {
            let message = format!(
                "no route to an outbound dial found from {} unauthenticated entry context(s), but {} branch(es) cannot be followed statically",
                entries.len(),
                result.unknown.len()
            );
            return cx.finding(
                Status::Unknown,
                message,
                evidence_of(&result.unknown, "undecided branch"),
            );
        }
        if !result.unread.is_empty() {
            return cx.finding(
                Status::Unknown,
                format!(
                    "no route to an outbound dial found from {} unauthenticated entry context(s), but {} have missing includes or #exec: entries or routes may be hidden",
                    entries.len(),
                    result.unread.join(", ")
                ),
                Vec::new(),
            );
        }
        let entry_evidence = result
            .entries
            .iter()
            .map(|e| {
                cx.asterisk_evidence(
                    &e.origin,
                    format!("entry {}", e.context),
                    format!("{}: reaches no outbound dial", e.why),
                )
            })
            .collect();
        let message = if entries.is_empty() {
            "no context is reachable without authentication".to_owned()
        } else {
            format!(
                "the {} unauthenticated entry context(s) ({}) reach no outbound dial",
                entries.len(),
                entries.join(", ")
            )
        };
        cx.finding(Status::Pass, message, entry_evidence)
    }
}

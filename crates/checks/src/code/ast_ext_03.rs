//! AST-EXT-03: no context pulls in a remote dial plan with `switch =>`.
//!
//! ## What it does
//! Fails on every `switch =>` (and `eswitch`/`lswitch`) line of extensions.conf, naming the
//! context and the switch.
//!
//! ## Why is this bad?
//! `switch => IAX2/user:secret@host/context` hands every unmatched number to another server's dial
//! plan, which this audit cannot see: whatever that plan lets through (outbound routes included)
//! is reachable from the local context, and the secret sits in the dial plan.
//!
//! ## Example
//! ```ini
//! [public]
//! switch => IAX2/guest@remote.example.com/outbound
//! ```
//! Use instead: explicit extensions that `Dial()` the remote server for the numbers it serves.
//!
//! ## References
//! - reference/asterisk.md section 2.7 step 1

use voipguard_model::{Finding, Status};

use super::CodeCheck;
use super::asterisk_services::config;
use super::dialplan::Dialplan;
use super::toll_fraud::redact_dial;
use crate::context::Context;

/// See the module documentation.
#[derive(Debug)]
pub(crate) struct AstExt03;

impl CodeCheck for AstExt03 {
    fn id(&self) -> &'static str {
        "AST-EXT-03"
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        let extensions = match config(cx, "extensions.conf") {
            Ok(config) => config,
            Err(absent) => return absent,
        };
        let plan = Dialplan::new(extensions);
        let mut names = Vec::new();
        let mut evidence = Vec::new();
        for context in plan.contexts() {
            for switch in &context.switches {
                names.push(context.name);
                evidence.push(cx.asterisk_evidence(
                    &switch.origin,
                    format!("[{}] {}", context.name, switch.name),
                    redact_dial(&switch.value),
                ));
            }
        }
        if evidence.is_empty() {
            return cx.finding(
                Status::Pass,
                "no context uses a switch to another dial plan".into(),
                evidence,
            );
        }
        names.dedup();
        cx.finding(
            Status::Fail,
            format!(
                "{} switch line(s) pull a remote dial plan into: {}",
                evidence.len(),
                names.join(", ")
            ),
            evidence,
        )
    }
}

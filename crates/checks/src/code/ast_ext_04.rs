//! AST-EXT-04: the sample's demo dial plan is not left in.
//!
//! ## What it does
//! Fails on every `include => demo` and on a `[demo]` context in extensions.conf.
//!
//! ## Why is this bad?
//! The sample's `[default]` and `[public]` contexts `include => demo`, which answers any caller
//! with the demo menu and its test extensions (echo test, an IAX2 call to Digium's demo server).
//! Left in, unauthenticated callers get features nobody meant to offer them.
//!
//! ## Example
//! ```ini
//! [public]
//! include => demo
//! ```
//! Use instead: remove the include and the `[demo]` context.
//!
//! ## References
//! - reference/asterisk.md section 2.7 step 5

use voipguard_model::{Finding, Status};

use super::CodeCheck;
use super::asterisk_services::config;
use super::dialplan::Dialplan;
use crate::context::Context;

/// See the module documentation.
#[derive(Debug)]
pub(crate) struct AstExt04;

const DEMO: &str = "demo";

impl CodeCheck for AstExt04 {
    fn id(&self) -> &'static str {
        "AST-EXT-04"
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        let extensions = match config(cx, "extensions.conf") {
            Ok(config) => config,
            Err(absent) => return absent,
        };
        let plan = Dialplan::new(extensions);
        let mut evidence = Vec::new();
        for context in plan.contexts() {
            if context.name.eq_ignore_ascii_case(DEMO) {
                evidence.push(cx.asterisk_evidence(
                    context.origin,
                    format!("[{}]", context.name),
                    "the sample's demo context".into(),
                ));
            }
            for include in &context.includes {
                if include.context.eq_ignore_ascii_case(DEMO) {
                    evidence.push(cx.asterisk_evidence(
                        include.origin,
                        format!("[{}] include", context.name),
                        include.context.clone(),
                    ));
                }
            }
        }
        if evidence.is_empty() {
            return cx.finding(
                Status::Pass,
                "no demo context and no include => demo".into(),
                evidence,
            );
        }
        cx.finding(
            Status::Fail,
            format!(
                "the sample's demo dial plan is still in ({} line(s))",
                evidence.len()
            ),
            evidence,
        )
    }
}

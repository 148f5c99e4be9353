//! AST-EXT-05: the CLI cannot rewrite extensions.conf (`static=yes` with `writeprotect=no`).
//!
//! ## What it does
//! Reads `[general]` of extensions.conf and fails when `static` is true and `writeprotect` is not
//! (both default to `no` in pbx_config, Asterisk 1.8 to 22).
//!
//! ## Why is this bad?
//! With that pair, `dialplan save` on the CLI (or through AMI's `Command` action) writes the
//! running dial plan back over extensions.conf, so a route added at run time, an outbound one
//! included, survives restarts and the file's comments are lost.
//!
//! ## Example
//! ```ini
//! [general]
//! static=yes
//! writeprotect=no
//! ```
//! Use instead: `writeprotect=yes`.
//!
//! ## References
//! - reference/asterisk.md section 2.7 step 5

use voipguard_asterisk::ConfigError;
use voipguard_model::{Finding, Status};

use super::CodeCheck;
use super::asterisk_services::config;
use crate::context::Context;

/// See the module documentation.
#[derive(Debug)]
pub(crate) struct AstExt05;

/// Asterisk's `ast_true`.
fn is_true(value: &str) -> bool {
    ["yes", "true", "y", "t", "1", "on"]
        .iter()
        .any(|t| value.trim().eq_ignore_ascii_case(t))
}

impl CodeCheck for AstExt05 {
    fn id(&self) -> &'static str {
        "AST-EXT-05"
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        let extensions = match config(cx, "extensions.conf") {
            Ok(config) => config,
            Err(absent) => return absent,
        };
        let general = extensions.category("general");
        let key = |name: &str| general.and_then(|g| g.get(name));
        let evidence_of = |name: &str| {
            key(name).map(|v| {
                cx.asterisk_evidence(&v.origin, format!("[general] {name}"), v.value.clone())
            })
        };
        let evidence = ["static", "writeprotect"]
            .iter()
            .filter_map(|name| evidence_of(name))
            .collect();
        let saves = key("static").is_some_and(|v| is_true(&v.value));
        let protected = key("writeprotect").is_some_and(|v| is_true(&v.value));
        if saves && !protected {
            return cx.finding(
                Status::Fail,
                "static=yes without writeprotect=yes: `dialplan save` can overwrite extensions.conf"
                    .into(),
                evidence,
            );
        }
        let hidden = extensions
            .errors
            .iter()
            .any(|e| matches!(e, ConfigError::MissingInclude { .. }));
        if key("static").is_none() && hidden {
            return cx.finding(
                Status::Unknown,
                "static is not set in the files read, but extensions.conf includes files missing from this copy (see AST-CONFIG)".into(),
                evidence,
            );
        }
        let message = if saves {
            "writeprotect=yes: `dialplan save` cannot overwrite extensions.conf"
        } else {
            "static is not set to yes: `dialplan save` is not available"
        };
        cx.finding(Status::Pass, message.into(), evidence)
    }
}

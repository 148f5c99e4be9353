//! AST-CONFIG: the whole Asterisk configuration could be read.
//!
//! ## What it does
//! Fails when Asterisk itself would reject lines of the configuration (syntax, an unknown
//! template, an include cycle); otherwise reports as `unknown` what keeps the audit from seeing the configuration Asterisk runs with: `#include`d files
//! missing from the copy, syntax Asterisk rejects, include cycles, and `#exec` directives, whose
//! output becomes configuration but which voipguard never runs. Each is listed with file and line.
//!
//! ## Why is this bad?
//! Every other PBX check judges only what it can read. A secret, a guest setting or a dial-plan
//! route in a missing file or in `#exec` output is invisible, so a `pass` elsewhere may be wrong;
//! this check says so instead of staying silent. Syntax errors also mean Asterisk itself refuses
//! (part of) the file.
//!
//! ## Example
//! ```ini
//! #include sip_additional.conf   ; not in the copy that was audited
//! #exec /usr/local/bin/peers.sh   ; output unknown
//! ```
//! Use instead: audit a complete copy of `/etc/asterisk`, and replace `#exec` by generated files.
//!
//! ## References
//! - reference/asterisk.md section 1 ("Directives")

use std::sync::Arc;

use voipguard_asterisk::ConfigError;
use voipguard_model::{Evidence, Finding, Status};

use super::CodeCheck;
use super::ast_plat_01::is_freepbx_file;
use crate::context::Context;

/// See the module documentation.
#[derive(Debug)]
pub(crate) struct AstConfig;

impl CodeCheck for AstConfig {
    fn id(&self) -> &'static str {
        "AST-CONFIG"
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        let Some(set) = cx.asterisk else {
            return cx.finding(
                Status::NotApplicable,
                "no Asterisk configuration set".into(),
                Vec::new(),
            );
        };
        let mut evidence = Vec::new();
        // amportal.conf / freepbx.conf are shell and PHP files that Asterisk never reads
        // (AST-PLAT-01 reads them): their lines are not Asterisk syntax errors.
        let errors: Vec<_> = set
            .configs
            .iter()
            .filter(|config| !is_freepbx_file(&config.file))
            .flat_map(|config| config.errors.iter())
            .collect();
        for error in &errors {
            evidence.push(match error.origin() {
                Some(origin) => {
                    cx.asterisk_evidence(origin, "configuration".into(), error.to_string())
                }
                None => Evidence {
                    file: Some(Arc::new(set.folder.clone())),
                    line: None,
                    column: None,
                    setting: "configuration".into(),
                    value: error.to_string(),
                    default: false,
                },
            });
        }
        let execs: Vec<_> = set
            .configs
            .iter()
            .flat_map(|config| config.execs.iter())
            .collect();
        for exec in &execs {
            evidence.push(cx.asterisk_evidence(
                &exec.origin,
                "#exec".into(),
                "not run: its output is part of the configuration and is unknown".into(),
            ));
        }
        if errors.is_empty() && execs.is_empty() {
            let files: usize = set
                .configs
                .iter()
                .map(|config| config.files_read.len())
                .sum();
            return cx.finding(
                Status::Pass,
                format!("all {files} configuration files were read completely"),
                evidence,
            );
        }
        let (hidden, rejected): (Vec<&&ConfigError>, Vec<&&ConfigError>) = errors
            .iter()
            .partition(|error| matches!(error, ConfigError::MissingInclude { .. }));
        if !rejected.is_empty() {
            let message = format!(
                "Asterisk rejects {} line(s) of this configuration (see the evidence); {} missing include(s), {} #exec not run",
                rejected.len(),
                hidden.len(),
                execs.len()
            );
            return cx.finding(Status::Fail, message, evidence);
        }
        let message = format!(
            "{} included file(s) missing from this copy and {} #exec directive(s) not run: other checks judge only what was read",
            hidden.len(),
            execs.len()
        );
        cx.finding(Status::Unknown, message, evidence)
    }
}

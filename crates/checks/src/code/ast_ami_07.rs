//! AST-AMI-07: unauthenticated AMI connections are limited in time and number.
//!
//! ## What it does
//! With the AMI enabled, reads `[general] authtimeout` (seconds to log in, default 30) and
//! `authlimit` (unauthenticated sessions at once, default 50; Asterisk 20/21 manager.c) and fails
//! when either is above its default.
//!
//! ## Why is this bad?
//! Each connection that never logs in holds a session thread. Long timeouts and high limits let
//! one host exhaust the AMI, and give a brute-force client more guesses per connection.
//!
//! ## Example
//! ```ini
//! [general]
//! authtimeout = 3600
//! authlimit = 1000
//! ```
//! Use instead: remove both lines (30 s, 50 sessions), or lower them.
//!
//! ## References
//! - reference/asterisk.md 2.4 AMI-07; manager.conf.sample lines 59-65

use voipguard_model::{Finding, Status};

use super::CodeCheck;
use super::asterisk_services::{Lookup, enabled_manager};
use crate::context::Context;

/// The keys judged, with Asterisk's defaults, which are also the highest values accepted.
const LIMITS: &[(&str, u32)] = &[("authtimeout", 30), ("authlimit", 50)];

/// See the module documentation.
#[derive(Debug)]
pub(crate) struct AstAmi07;

impl CodeCheck for AstAmi07 {
    fn id(&self) -> &'static str {
        "AST-AMI-07"
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        let manager = match enabled_manager(cx) {
            Ok(manager) => manager,
            Err(finding) => return finding,
        };
        let mut evidence = Vec::new();
        let mut too_large = Vec::new();
        let mut hidden = false;
        for &(key, default) in LIMITS {
            let lookup = Lookup::of(manager, "general", key);
            evidence.push(lookup.evidence(
                cx,
                "manager.conf",
                "general",
                key,
                &default.to_string(),
            ));
            match lookup {
                Lookup::Set(variable) => {
                    // manager.c reads both with sscanf("%30u"); unreadable text keeps the default.
                    let value = variable.value.trim().parse::<u32>().unwrap_or(default);
                    if value > default {
                        too_large.push(format!("{key}={value} (default {default})"));
                    }
                }
                Lookup::Hidden => hidden = true,
                Lookup::Default => {}
            }
        }
        if !too_large.is_empty() {
            return cx.finding(
                Status::Fail,
                format!(
                    "unauthenticated AMI connections are allowed more than Asterisk's defaults: {}",
                    too_large.join(", ")
                ),
                evidence,
            );
        }
        if hidden {
            return cx.finding(
                Status::Unknown,
                "authtimeout/authlimit are not set in the files read, and missing includes may set them (see AST-CONFIG)".into(),
                evidence,
            );
        }
        cx.finding(
            Status::Pass,
            "unauthenticated AMI connections are held to the defaults (30 s, 50 sessions) or less"
                .into(),
            evidence,
        )
    }
}

#[cfg(test)]
mod tests {
    use voipguard_model::Status;

    use crate::code::asterisk_services::testing::run_files;

    #[test]
    fn limits_above_the_defaults_are_flagged() {
        let status = |text: &str| run_files("AST-AMI-07", &[("manager.conf", text)]).status;
        assert_eq!(status("[general]\nenabled=yes\n"), Status::Pass);
        assert_eq!(
            status("[general]\nenabled=yes\nauthtimeout=3600\n"),
            Status::Fail
        );
        assert_eq!(
            status("[general]\nenabled=yes\nauthlimit=10\nauthtimeout=10\n"),
            Status::Pass
        );
    }
}

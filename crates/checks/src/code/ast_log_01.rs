//! AST-LOG-01: a log file receives security events (logger.conf).
//!
//! ## What it does
//! Looks in `[logfiles]` of logger.conf for a channel other than `console` (a file or syslog)
//! whose levels include `security` (or `*`). Unknown when none is found but includes are
//! missing.
//!
//! ## Why is this bad?
//! Without a file channel for the `security` level Asterisk writes no SecurityEvent lines
//! (InvalidAccountID, ChallengeResponseFailed, FailedACL), which the brute-force guard needs;
//! the sample logger.conf leaves it commented out.
//! This is a precondition of the brute-force guard.
//!
//! ## Example
//! ```ini
//! [logfiles]
//! messages.log => notice,warning,error
//! ```
//! Use instead: add `security.log => security`.
//!
//! ## References
//! - reference/asterisk.md 2.9 LOG-01; logger.conf.sample lines 137, 173

use voipguard_model::Finding;

use super::CodeCheck;
use super::asterisk_services::logger_receives;
use crate::context::Context;

/// See the module documentation.
#[derive(Debug)]
pub(crate) struct AstLog01;

impl CodeCheck for AstLog01 {
    fn id(&self) -> &'static str {
        "AST-LOG-01"
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        logger_receives(cx, &["security"])
    }
}

#[cfg(test)]
mod tests {
    use voipguard_model::Status;

    use crate::code::asterisk_services::testing::run_files;

    #[test]
    fn a_file_must_receive_security() {
        let status = |text: &str| run_files("AST-LOG-01", &[("logger.conf", text)]).status;
        assert_eq!(
            status("[logfiles]\nconsole => security\nmessages.log => notice,warning\n"),
            Status::Fail
        );
        assert_eq!(
            status("[logfiles]\nmessages => error,notice,verbose(3),warning,security\n"),
            Status::Pass
        );
        assert_eq!(
            status("[logfiles]\nsecurity.log => [plain]security\n"),
            Status::Pass
        );
    }
}

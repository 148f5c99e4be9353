//! AST-LOG-02: a log file receives notice and warning messages (logger.conf).
//!
//! ## What it does
//! Looks in `[logfiles]` of logger.conf for a channel other than `console` (a file or syslog)
//! whose levels include `notice`, `warning` (or `*`). Unknown when none is found but includes are
//! missing.
//!
//! ## Why is this bad?
//! pjsip, chan_sip, manager and chan_iax2 report failed authentication as NOTICE/WARNING
//! lines; without a file channel for both, the brute-force guard has nothing to read.
//! This is a precondition of the brute-force guard.
//!
//! ## Example
//! ```ini
//! [logfiles]
//! messages.log => error
//! ```
//! Use instead: add `messages.log => notice,warning,error`.
//!
//! ## References
//! - reference/asterisk.md 2.9 LOG-02; logger.conf.sample line 176

use voipguard_model::Finding;

use super::CodeCheck;
use super::asterisk_services::logger_receives;
use crate::context::Context;

/// See the module documentation.
#[derive(Debug)]
pub(crate) struct AstLog02;

impl CodeCheck for AstLog02 {
    fn id(&self) -> &'static str {
        "AST-LOG-02"
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        logger_receives(cx, &["notice", "warning"])
    }
}

#[cfg(test)]
mod tests {
    use voipguard_model::Status;

    use crate::code::asterisk_services::testing::run_files;

    #[test]
    fn a_file_must_receive_notice_and_warning() {
        let status = |text: &str| run_files("AST-LOG-02", &[("logger.conf", text)]).status;
        assert_eq!(
            status("[logfiles]\nmessages.log => error,warning\n"),
            Status::Fail
        );
        assert_eq!(status("[logfiles]\nfull.log => *\n"), Status::Pass);
    }
}

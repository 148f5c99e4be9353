//! SN-WEB-LOGOUT: the web UI logs the user out automatically.
//!
//! ## What it does
//! Checks that `web_logout_timer` is a number greater than zero. Its factory default is not
//! confirmed, so a file that does not set it gives `unknown`; an empty value or `0` sets no timer.
//!
//! ## Why is this bad?
//! Guide 002: without a logout timer a web session left open in a browser stays usable by whoever
//! sits at that computer next; the timer forces the credentials to be entered again.
//!
//! ## Example
//! ```xml
//! <web_logout_timer perm="R"></web_logout_timer>
//! ```
//!
//! Use instead:
//! ```xml
//! <web_logout_timer perm="R">5</web_logout_timer>
//! ```
//!
//! ## References
//! - guide `002_304575e019043713.txt`, "HTTP(S) User and Password"

use voipguard_model::Finding;

use super::CodeCheck;
use super::snom::{self, Val, Verdict};
use crate::context::Context;

/// SN-WEB-LOGOUT.
#[derive(Debug)]
pub(crate) struct SnWebLogout;

impl CodeCheck for SnWebLogout {
    fn id(&self) -> &'static str {
        "SN-WEB-LOGOUT"
    }

    fn reads(&self) -> &'static [&'static str] {
        &["web_logout_timer"]
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        let mut verdict = Verdict::default();
        let timer = snom::global(cx.device, "web_logout_timer");
        verdict.evidence(timer.evidence(cx, None));
        match timer.val() {
            Val::Absent => {
                verdict.undecided("web_logout_timer not set (factory default unconfirmed)");
            }
            Val::Template(_) => verdict.undecided("web_logout_timer is a template variable"),
            Val::Literal("") => verdict.fail("web_logout_timer is empty: no automatic logout"),
            Val::Literal(value) => match value.parse::<u64>() {
                Ok(0) => verdict.fail("web_logout_timer is 0: no automatic logout"),
                Ok(_) => {}
                Err(_) => verdict.undecided(format!("web_logout_timer {value:?} is not a number")),
            },
        }
        verdict.finding(cx, "the web UI logs out automatically")
    }
}

#[cfg(test)]
mod tests {
    use voipguard_model::{Family, Status, Vendor};

    use crate::testing::{device, run};

    fn timer(value: Option<&str>) -> Status {
        let settings: Vec<(&str, &str)> = value
            .map(|value| ("web_logout_timer", value))
            .into_iter()
            .collect();
        run(
            "SN-WEB-LOGOUT",
            &device(Vendor::Snom, Family::Snom, &settings),
        )
        .status
    }

    #[test]
    fn a_positive_timer_passes_and_none_fails() {
        assert_eq!(timer(Some("5")), Status::Pass);
        assert_eq!(timer(Some("0")), Status::Fail);
        assert_eq!(timer(Some("")), Status::Fail);
    }

    #[test]
    fn absent_templated_or_garbled_is_unknown() {
        assert_eq!(timer(None), Status::Unknown);
        assert_eq!(timer(Some("{$timeout}")), Status::Unknown);
        assert_eq!(timer(Some("five")), Status::Unknown);
    }
}

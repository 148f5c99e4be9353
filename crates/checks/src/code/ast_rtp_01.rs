//! AST-RTP-01: the RTP port range fits the firewall plan (10000-20000/udp).
//!
//! ## What it does
//! Reads `[general] rtpstart` and `rtpend` of rtp.conf (defaults 5000 and 31000 in Asterisk
//! 20/21, res_rtp_asterisk.c) and fails when the range leaves 10000-20000, the UDP range guide
//! 004's firewall plan opens for media.
//!
//! ## Why is this bad?
//! Media on ports the firewall drops means one-way or no audio; opening the firewall wider to
//! follow the configuration exposes more of the host than the plan intends. Configuration and
//! firewall must agree.
//!
//! ## Example
//! ```ini
//! [general]
//! rtpstart = 5000
//! rtpend = 31000
//! ```
//! Use instead: `rtpstart = 10000`, `rtpend = 20000`.
//!
//! ## References
//! - reference/asterisk.md 2.8 RTP-01 and section 3 row 15; guide 004 "Firewall"

use voipguard_model::{Finding, Status};

use super::CodeCheck;
use super::asterisk_services::{Lookup, config};
use crate::context::Context;

/// The media range of the ScopTEL firewall plan (guide 004).
const PLAN: (u32, u32) = (10000, 20000);

/// See the module documentation.
#[derive(Debug)]
pub(crate) struct AstRtp01;

impl CodeCheck for AstRtp01 {
    fn id(&self) -> &'static str {
        "AST-RTP-01"
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        let rtp = match config(cx, "rtp.conf") {
            Ok(rtp) => rtp,
            Err(finding) => return finding,
        };
        let mut evidence = Vec::new();
        let mut ends = Vec::new();
        for (key, default) in [("rtpstart", "5000"), ("rtpend", "31000")] {
            let lookup = Lookup::of(rtp, "general", key);
            evidence.push(lookup.evidence(cx, "rtp.conf", "general", key, default));
            ends.push(lookup.or(default).map(|value| value.trim().parse::<u32>()));
        }
        let (Some(Some(Ok(start))), Some(Some(Ok(end)))) = (ends.first(), ends.get(1)) else {
            return cx.finding(
                Status::Unknown,
                "the RTP range is not readable from the files read (unset with missing includes, or not a number)".into(),
                evidence,
            );
        };
        let (low, high) = PLAN;
        let status = if *start >= low && *end <= high && start <= end {
            Status::Pass
        } else {
            Status::Fail
        };
        let verdict = if status == Status::Pass {
            "within"
        } else {
            "outside"
        };
        cx.finding(
            status,
            format!("RTP uses {start}-{end}/udp, {verdict} the firewall plan {low}-{high}/udp"),
            evidence,
        )
    }
}

#[cfg(test)]
mod tests {
    use voipguard_model::Status;

    use crate::code::asterisk_services::testing::run_files;

    #[test]
    fn the_range_must_fit_the_plan() {
        let status = |text: &str| run_files("AST-RTP-01", &[("rtp.conf", text)]).status;
        assert_eq!(status("[general]\n"), Status::Fail, "defaults 5000-31000");
        assert_eq!(
            status("[general]\nrtpstart=10000\nrtpend=20000\n"),
            Status::Pass
        );
        assert_eq!(
            status("[general]\nrtpstart=16384\nrtpend=16482\n"),
            Status::Pass
        );
        assert_eq!(
            status("[general]\nrtpstart=10000\nrtpend=30000\n"),
            Status::Fail
        );
    }
}

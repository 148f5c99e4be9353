//! GS-SSH-OFF: SSH is disabled; where it is needed, it is not on port 22.
//!
//! ## What it does
//! "Disable SSH" (P276; factory default 0, SSH on) must be 1. When SSH stays on, "SSH Port"
//! (P27006, default 22) must be another port: the guides allow SSH where it is needed, off the
//! port every scanner tries. SSH on port 22 (explicitly or by default) fails.
//!
//! ## Why is this bad?
//! SSH gives a shell on the phone. An attacker on the network who guesses or knows the admin
//! password gets full control of the device, and port 22 is the first one bulk scanners try.
//!
//! ## Example
//! ```xml
//! <P276>0</P276>
//! ```
//! Use instead:
//! ```xml
//! <P276>1</P276>
//! <!-- or, where SSH is needed: -->
//! <P276>0</P276><P27006>2222</P27006>
//! ```
//!
//! ## References
//! - guide 000, "WEB UI/SSH ACCESS"; guide 001, "SSH Access"
//! - reference/grandstream.md rows G05–G07

use voipguard_model::Finding;

use super::CodeCheck;
use super::grandstream_support::{Verdict, global, port};
use crate::context::Context;

/// See the module documentation.
#[derive(Debug)]
pub(crate) struct GsSshOff;

const SSH_PORT: u16 = 22;

impl CodeCheck for GsSshOff {
    fn id(&self) -> &'static str {
        "GS-SSH-OFF"
    }

    fn reads(&self) -> &'static [&'static str] {
        &["P276", "P27006"]
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        let mut verdict = Verdict::default();
        let disable = global(cx, "P276", Some("0"));
        let disable_text = disable.describe();
        match verdict.take(disable) {
            Some("1") => return verdict.finish(cx, format!("SSH is disabled ({disable_text})")),
            Some(_) => {}
            None => return verdict.finish(cx, String::new()),
        }
        let ssh_port = global(cx, "P27006", Some("22"));
        let described = ssh_port.describe();
        match verdict.take(ssh_port).map(port) {
            Some(Some(SSH_PORT)) => verdict.fail(format!(
                "SSH is on ({disable_text}) and listens on port 22 ({described})"
            )),
            Some(None) => verdict.unknown(format!("{described}, not a port number")),
            Some(Some(_)) | None => {}
        }
        verdict.finish(
            cx,
            format!(
                "SSH is on ({disable_text}) but off port 22 ({described}); keep the admin \
                 password strong (GS-ADMIN-PASS)"
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    use voipguard_model::{Family, Status, Vendor};

    use crate::testing::{device, run};

    #[test]
    fn ssh_passes_when_off_or_moved_off_port_22() {
        let status = |settings: &[(&str, &str)]| {
            run(
                "GS-SSH-OFF",
                &device(Vendor::Grandstream, Family::Grp, settings),
            )
            .status
        };
        assert_eq!(status(&[]), Status::Fail);
        assert_eq!(status(&[("P276", "0"), ("P27006", "22")]), Status::Fail);
        assert_eq!(status(&[("P276", "1")]), Status::Pass);
        assert_eq!(status(&[("P276", "0"), ("P27006", "2222")]), Status::Pass);
        assert_eq!(status(&[("P276", "{$ssh}")]), Status::Unknown);
        assert_eq!(status(&[("P27006", "port")]), Status::Unknown);
    }
}

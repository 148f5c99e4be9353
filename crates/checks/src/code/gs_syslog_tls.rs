//! GS-SYSLOG-TLS: remote syslog goes over SSL/TLS.
//!
//! ## What it does
//! When a syslog server (P207) is set, "Syslog Protocol" (P8402, 0 UDP, 1 SSL/TLS, default UDP)
//! must be 1. Without a syslog server nothing is sent and the control does not apply.
//!
//! ## Why is this bad?
//! Syslog messages describe the device, its accounts and its calls; over UDP anyone on the path
//! reads them and can forge entries.
//!
//! ## Example
//! ```xml
//! <P207>syslog.example.com</P207>
//! ```
//! Use instead:
//! ```xml
//! <P207>syslog.example.com</P207><P8402>1</P8402>
//! ```
//!
//! ## References
//! - guide 000, "Syslog"; guide 001, "Syslog"
//! - reference/grandstream.md row G37

use voipguard_model::{Finding, Status};

use super::CodeCheck;
use super::grandstream_support::{Verdict, global};
use crate::context::Context;

/// See the module documentation.
#[derive(Debug)]
pub(crate) struct GsSyslogTls;

impl CodeCheck for GsSyslogTls {
    fn id(&self) -> &'static str {
        "GS-SYSLOG-TLS"
    }

    fn reads(&self) -> &'static [&'static str] {
        &["P207", "P8402"]
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        let mut verdict = Verdict::default();
        let server = global(cx, "P207", Some(""));
        let server_text = server.describe();
        // A template variable for the server does not decide by itself: TLS passes either way.
        let server_value = server.value();
        verdict.evidence.push(server.evidence);
        let server = server_value;
        if server == Some("") {
            return cx.finding(
                Status::NotApplicable,
                format!("no remote syslog server ({server_text})"),
                verdict.evidence,
            );
        }
        let protocol = global(cx, "P8402", Some("0"));
        let described = protocol.describe();
        match verdict.take(protocol) {
            Some("1") | None => {}
            // A template variable may leave the server empty, which makes UDP harmless.
            Some(_) if server.is_none() => verdict.unknown(format!(
                "syslog would go over UDP ({described}) if the template sets a server"
            )),
            Some(_) => verdict.fail(format!(
                "syslog is sent to a remote server over UDP ({described})"
            )),
        }
        verdict.finish(
            cx,
            format!("remote syslog is sent over SSL/TLS ({described})"),
        )
    }
}

#[cfg(test)]
mod tests {
    use voipguard_model::{Family, Status, Vendor};

    use crate::testing::{device, run};

    #[test]
    fn only_a_configured_server_needs_tls() {
        let status = |settings: &[(&str, &str)]| {
            run(
                "GS-SYSLOG-TLS",
                &device(Vendor::Grandstream, Family::Grp, settings),
            )
            .status
        };
        assert_eq!(status(&[]), Status::NotApplicable);
        assert_eq!(status(&[("P207", "syslog.example.com")]), Status::Fail);
        assert_eq!(
            status(&[("P207", "syslog.example.com"), ("P8402", "1")]),
            Status::Pass
        );
        assert_eq!(status(&[("P207", "{$syslog}")]), Status::Unknown);
        assert_eq!(
            status(&[("P207", "{$syslog}"), ("P8402", "1")]),
            Status::Pass
        );
    }
}

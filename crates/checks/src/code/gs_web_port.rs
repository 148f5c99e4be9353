//! GS-WEB-PORT: the web UI does not listen on the well-known ports 80 and 443.
//!
//! ## What it does
//! Finds the protocol the web UI actually uses (see GS-WEB-HTTPS) and reads that protocol's
//! port: GRP P22120 (HTTP, default 80) and P22121 (HTTPS, default 443), both when the mode is
//! "Both"; WP820 P901, one port whose default follows the access method (80 or 443). A port of
//! 80 or 443 fails; a disabled web UI is not applicable.
//!
//! ## Why is this bad?
//! Scanners sweep 80 and 443 first; a web UI on them is found by every drive-by scan.
//!
//! ## Example
//! ```xml
//! <P1650>0</P1650>  <!-- HTTPS on the default port 443 -->
//! ```
//! Use instead:
//! ```xml
//! <P1650>0</P1650>
//! <P22121>8443</P22121>
//! ```
//!
//! ## References
//! - guide 000, "Web UI Access Protocols"; guide 001, "Web UI Access Protocols"
//! - reference/grandstream.md rows G03, G04

use voipguard_model::{Family, Finding, Status};

use super::CodeCheck;
use super::grandstream_support::{Verdict, global, port};
use super::gs_web_https::{AccessMode, WebAccess, access_mode};
use crate::context::Context;

/// See the module documentation.
#[derive(Debug)]
pub(crate) struct GsWebPort;

const WELL_KNOWN: [u16; 2] = [80, 443];

impl CodeCheck for GsWebPort {
    fn id(&self) -> &'static str {
        "GS-WEB-PORT"
    }

    fn reads(&self) -> &'static [&'static str] {
        &["P22120", "P22121", "P901"]
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        let AccessMode { mode, read, note } = access_mode(cx);
        let mode_text = read.describe();
        let mut verdict = Verdict::default();
        verdict.evidence.push(read.evidence);
        // (setting, factory default) of every port the web UI listens on.
        let ports: Vec<(&str, Option<&'static str>)> = match (cx.family, mode) {
            (_, Some(WebAccess::Disabled)) => {
                return cx.finding(
                    Status::NotApplicable,
                    format!("{mode_text}: the web UI is disabled{note}"),
                    verdict.evidence,
                );
            }
            (Family::Wp820, Some(WebAccess::Https)) => vec![("P901", Some("443"))],
            (Family::Wp820, Some(_)) => vec![("P901", Some("80"))],
            // Both defaults are well-known, so an absent P901 fails whatever the mode is.
            (Family::Wp820, None) => vec![("P901", None)],
            (_, Some(WebAccess::Https)) => vec![("P22121", Some("443"))],
            (_, Some(WebAccess::Http)) => vec![("P22120", Some("80"))],
            (_, Some(WebAccess::Both)) => vec![("P22120", Some("80")), ("P22121", Some("443"))],
            (_, None) => {
                verdict.unknown(format!("{mode_text}, so the port in use is not known"));
                vec![]
            }
        };
        for (name, default) in ports {
            let setting = global(cx, name, default);
            // Only P901 lacks a single default, and both of its defaults are well-known.
            let absent = setting.evidence.default;
            let described = setting.describe();
            match setting.value().map(port) {
                Some(Some(number)) if WELL_KNOWN.contains(&number) => {
                    verdict.fail(format!("{described}, a well-known port"));
                }
                Some(Some(_)) => {}
                Some(None) => verdict.unknown(format!("{described}, not a port number")),
                None if absent => verdict.fail(format!(
                    "{name} is not set, so the web UI listens on 80 or 443 by factory default"
                )),
                None => verdict.unknown(described),
            }
            verdict.evidence.push(setting.evidence);
        }
        verdict.finish(
            cx,
            format!("{mode_text}: the web UI does not listen on port 80 or 443{note}"),
        )
    }
}

#[cfg(test)]
mod tests {
    use voipguard_model::{Family, Status, Vendor};

    use crate::testing::{device, run};

    fn status(family: Family, settings: &[(&str, &str)]) -> Status {
        run(
            "GS-WEB-PORT",
            &device(Vendor::Grandstream, family, settings),
        )
        .status
    }

    #[test]
    fn grp_checks_the_port_of_the_protocol_in_use() {
        assert_eq!(status(Family::Grp, &[]), Status::Fail, "HTTP on 80");
        assert_eq!(
            status(Family::Grp, &[("P1650", "0"), ("P22121", "8443")]),
            Status::Pass
        );
        assert_eq!(
            status(
                Family::Grp,
                &[("P1650", "0"), ("P22120", "80"), ("P22121", "8443")]
            ),
            Status::Pass,
            "the HTTP port does not matter when HTTP is off"
        );
        assert_eq!(
            status(Family::Grp, &[("P1650", "3"), ("P22121", "8443")]),
            Status::Fail,
            "Both: HTTP still on 80"
        );
        assert_eq!(
            status(Family::Grp, &[("P1650", "2")]),
            Status::NotApplicable
        );
        assert_eq!(
            status(Family::Grp, &[("P1650", "0"), ("P22121", "{$port}")]),
            Status::Unknown
        );
    }

    #[test]
    fn wp820_reads_p901() {
        assert_eq!(status(Family::Wp820, &[("P900", "1")]), Status::Fail);
        assert_eq!(
            status(Family::Wp820, &[("P900", "1"), ("P901", "8443")]),
            Status::Pass
        );
        assert_eq!(
            status(Family::Wp820, &[("P900", "{$mode}")]),
            Status::Fail,
            "both factory defaults are well-known"
        );
    }
}

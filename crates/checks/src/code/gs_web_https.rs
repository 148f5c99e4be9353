//! GS-WEB-HTTPS: the web UI is served over HTTPS only.
//!
//! ## What it does
//! Reads the web access mode: P1650 on GRP (0 HTTPS, 1 HTTP, 2 Disabled, 3 Both) and P900 on the
//! WP820 (0 HTTP, 1 HTTPS: the order is reversed). A WP820 file that only carries P1650 (as the
//! FusionPBX WP820 template writes it) is read with that template's meaning, 0 HTTP and 1 HTTPS.
//!
//! ## Why is this bad?
//! Over HTTP the admin password and every setting cross the network in clear text; "Both" keeps
//! the clear-text door open.
//!
//! ## Example
//! ```xml
//! <P1650>3</P1650>  <!-- GRP: HTTP and HTTPS -->
//! ```
//! Use instead:
//! ```xml
//! <P1650>0</P1650>  <!-- GRP: HTTPS only (WP820: <P900>1</P900>) -->
//! ```
//!
//! ## References
//! - guide 000, "Web UI Access Protocols"; guide 001, "Web UI Access Protocols"
//! - reference/grandstream.md rows G01, G02

use voipguard_model::{Family, Finding, Status};

use super::CodeCheck;
use super::grandstream_support::{Read, global};
use crate::context::Context;

/// See the module documentation.
#[derive(Debug)]
pub(crate) struct GsWebHttps;

/// How the web UI is served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WebAccess {
    /// HTTP only.
    Http,
    /// HTTPS only.
    Https,
    /// Both HTTP and HTTPS (GRP only).
    Both,
    /// Web UI off (GRP only).
    Disabled,
}

impl WebAccess {
    fn describe(self) -> &'static str {
        match self {
            WebAccess::Http => "HTTP",
            WebAccess::Https => "HTTPS",
            WebAccess::Both => "HTTP and HTTPS",
            WebAccess::Disabled => "disabled",
        }
    }
}

/// The web access mode as the device's family reads it, the setting that decided it, and a
/// note when the reading rests on an assumption.
pub(crate) struct AccessMode<'a> {
    /// The mode, or `None` when a template variable or an unknown value hides it.
    pub(crate) mode: Option<WebAccess>,
    /// The setting read.
    pub(crate) read: Read<'a>,
    /// Why this reading (family assumed, WP820 read through P1650), or empty.
    pub(crate) note: String,
}

/// Reads the web access mode of the device (also used by GS-WEB-PORT).
pub(crate) fn access_mode<'a>(cx: &Context<'a>) -> AccessMode<'a> {
    if cx.family == Family::Wp820 {
        let p900 = global(cx, "P900", Some("0"));
        let p1650 = global(cx, "P1650", None);
        let (read, note) = if p900.evidence.default && !p1650.evidence.default {
            (
                p1650,
                " (WP820 without P900: P1650 read with the FusionPBX WP820 template meaning, 0 = HTTP, 1 = HTTPS)"
                    .to_owned(),
            )
        } else {
            (p900, String::new())
        };
        let mode = match read.value() {
            Some("0") => Some(WebAccess::Http),
            Some("1") => Some(WebAccess::Https),
            _ => None,
        };
        AccessMode { mode, read, note }
    } else {
        let read = global(cx, "P1650", Some("1"));
        let mode = match read.value() {
            Some("0") => Some(WebAccess::Https),
            Some("1") => Some(WebAccess::Http),
            Some("2") => Some(WebAccess::Disabled),
            Some("3") => Some(WebAccess::Both),
            _ => None,
        };
        AccessMode {
            mode,
            read,
            note: cx.assumption_note(),
        }
    }
}

impl CodeCheck for GsWebHttps {
    fn id(&self) -> &'static str {
        "GS-WEB-HTTPS"
    }

    fn reads(&self) -> &'static [&'static str] {
        &["P1650", "P900"]
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        let AccessMode { mode, read, note } = access_mode(cx);
        let setting = read.describe();
        let (status, what) = match mode {
            Some(WebAccess::Https) => (Status::Pass, "the web UI is served over HTTPS only"),
            Some(WebAccess::Disabled) => (Status::Pass, "the web UI is disabled"),
            Some(mode @ (WebAccess::Http | WebAccess::Both)) => (Status::Fail, mode.describe()),
            None => (Status::Unknown, "the web access mode cannot be read"),
        };
        let message = match status {
            Status::Fail => format!("{setting}: the web UI is served over {what}{note}"),
            _ => format!("{setting}: {what}{note}"),
        };
        cx.finding(status, message, vec![read.evidence])
    }
}

#[cfg(test)]
mod tests {
    use voipguard_model::{Family, Status, Vendor};

    use crate::testing::{device, run};

    fn status(family: Family, settings: &[(&str, &str)]) -> Status {
        run(
            "GS-WEB-HTTPS",
            &device(Vendor::Grandstream, family, settings),
        )
        .status
    }

    #[test]
    fn grp_reads_p1650_with_https_zero() {
        assert_eq!(status(Family::Grp, &[("P1650", "0")]), Status::Pass);
        assert_eq!(status(Family::Grp, &[("P1650", "2")]), Status::Pass);
        assert_eq!(status(Family::Grp, &[("P1650", "1")]), Status::Fail);
        assert_eq!(status(Family::Grp, &[("P1650", "3")]), Status::Fail);
        assert_eq!(status(Family::Grp, &[]), Status::Fail, "HTTP by default");
        assert_eq!(status(Family::Grp, &[("P1650", "{$web}")]), Status::Unknown);
    }

    #[test]
    fn wp820_reads_p900_or_p1650_with_https_one() {
        assert_eq!(status(Family::Wp820, &[("P900", "1")]), Status::Pass);
        assert_eq!(status(Family::Wp820, &[("P900", "0")]), Status::Fail);
        assert_eq!(status(Family::Wp820, &[]), Status::Fail, "HTTP by default");
        let fusionpbx = run(
            "GS-WEB-HTTPS",
            &device(Vendor::Grandstream, Family::Wp820, &[("P1650", "1")]),
        );
        assert_eq!(fusionpbx.status, Status::Pass);
        assert!(fusionpbx.message.contains("FusionPBX WP820"));
        assert_eq!(status(Family::Wp820, &[("P1650", "0")]), Status::Fail);
    }

    #[test]
    fn an_unknown_family_reads_the_grp_meaning_and_says_so() {
        let finding = run(
            "GS-WEB-HTTPS",
            &device(Vendor::Grandstream, Family::Unknown, &[("P1650", "0")]),
        );
        assert_eq!(finding.status, Status::Pass);
        insta::assert_snapshot!(finding.message, @"P1650 = 0: the web UI is served over HTTPS only (family not known: read with the GRP meaning most families share)");
    }
}

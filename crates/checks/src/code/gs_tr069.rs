//! GS-TR069: TR-069 is off, or, when used, secured.
//!
//! ## What it does
//! "Enable TR-069" (P1409) off passes. Its factory default is off on the GRP and on on the WP820
//! (guide 001). When on, the ACS URL (P4503) must be `https://`, the ACS user name and password
//! (P4504, P4505) and the connection-request user name and password (P4511, P4512) must be set,
//! and the connection-request port (P4518, default 7547) must not be 7547. Passwords are only
//! reported as set or empty.
//!
//! ## Why is this bad?
//! TR-069 lets a server reconfigure the phone. Over HTTP, or without credentials, a forged ACS
//! or connection request does the same; 7547 is the port every TR-069 worm scans.
//!
//! ## Example
//! ```xml
//! <P1409>1</P1409><P4503>http://acs.example.com</P4503>
//! ```
//! Use instead:
//! ```xml
//! <P1409>0</P1409>
//! ```
//!
//! ## References
//! - guide 000, "TR-069"; guide 001, "TR-069"
//! - reference/grandstream.md rows G35, G36

use voipguard_model::{Family, Finding};

use super::CodeCheck;
use super::grandstream_support::{Verdict, global, port, require_secret};
use crate::context::Context;

/// See the module documentation.
#[derive(Debug)]
pub(crate) struct GsTr069;

const DEFAULT_CONNECTION_REQUEST_PORT: u16 = 7547;

impl CodeCheck for GsTr069 {
    fn id(&self) -> &'static str {
        "GS-TR069"
    }

    fn reads(&self) -> &'static [&'static str] {
        &[
            "P1409", "P4503", "P4504", "P4505", "P4511", "P4512", "P4518",
        ]
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        let default = match cx.family {
            Family::Wp820 => "1",
            _ => "0",
        };
        let mut verdict = Verdict::default();
        let enable = global(cx, "P1409", Some(default));
        let enable_text = enable.describe();
        match verdict.take(enable) {
            Some("1") => secured(cx, &mut verdict, &enable_text),
            Some(_) => {}
            None => return verdict.finish(cx, String::new()),
        }
        verdict.finish(cx, format!("TR-069 is off or secured ({enable_text})"))
    }
}

fn secured(cx: &Context<'_>, verdict: &mut Verdict, enable_text: &str) {
    let url = global(cx, "P4503", Some(""));
    let described = url.describe();
    if verdict
        .take(url)
        .is_some_and(|url| !url.to_ascii_lowercase().starts_with("https://"))
    {
        verdict.fail(format!(
            "TR-069 is on ({enable_text}) but {described}, not an https:// ACS URL"
        ));
    }
    for (name, label) in [
        ("P4504", "ACS user name"),
        ("P4511", "connection-request user name"),
    ] {
        let user = global(cx, name, Some(""));
        let described = user.describe();
        if verdict.take(user) == Some("") {
            verdict.fail(format!("TR-069 {label}: {described}"));
        }
    }
    require_secret(cx, verdict, "P4505", "TR-069 ACS password");
    require_secret(cx, verdict, "P4512", "TR-069 connection-request password");
    let request_port = global(cx, "P4518", Some("7547"));
    let described = request_port.describe();
    if verdict.take(request_port).and_then(port) == Some(DEFAULT_CONNECTION_REQUEST_PORT) {
        verdict.fail(format!(
            "TR-069 connection requests on the well-known port ({described})"
        ));
    }
}

#[cfg(test)]
mod tests {
    use voipguard_model::{Family, Status, Vendor};

    use crate::testing::{device, run};

    const SECURED: [(&str, &str); 7] = [
        ("P1409", "1"),
        ("P4503", "https://acs.example.com/acs"),
        ("P4504", "cpe"),
        ("P4505", "Acs-Pass-91!"),
        ("P4511", "acs"),
        ("P4512", "Cr-Pass-47!"),
        ("P4518", "17547"),
    ];

    #[test]
    fn off_passes_and_on_needs_every_safeguard() {
        let status = |family, settings: &[(&str, &str)]| {
            run("GS-TR069", &device(Vendor::Grandstream, family, settings)).status
        };
        assert_eq!(
            status(Family::Grp, &[]),
            Status::Pass,
            "off by default on GRP"
        );
        assert_eq!(
            status(Family::Wp820, &[]),
            Status::Fail,
            "on by default on WP820"
        );
        assert_eq!(status(Family::Wp820, &[("P1409", "0")]), Status::Pass);
        assert_eq!(status(Family::Grp, &SECURED), Status::Pass);
        let mut on_7547 = SECURED.to_vec();
        on_7547.retain(|(name, _)| *name != "P4518");
        let finding = run(
            "GS-TR069",
            &device(Vendor::Grandstream, Family::Grp, &on_7547),
        );
        assert_eq!(finding.status, Status::Fail);
        insta::assert_snapshot!(finding.message, @"TR-069 connection requests on the well-known port (P4518 = 7547 by factory default)");
        assert_eq!(
            status(Family::Grp, &[("P1409", "{$tr069}")]),
            Status::Unknown
        );
    }
}

//! GS-PROV-HTTPS: configuration and firmware are downloaded over an encrypted protocol.
//!
//! ## What it does
//! Reads "Config Upgrade Via" (P212) and "Firmware Upgrade Via" (P6767): 0 TFTP, 1 HTTP, 2 HTTPS,
//! 3 FTP, 4 FTPS. HTTPS passes on both families; FTPS passes on the GRP, whose guide recommends
//! "HTTPS/FTPS", but the WP820 offers only TFTP, HTTP and HTTPS, so 4 there is unknown. P212
//! defaults to HTTPS (both guides and all templates). P6767's default is contradictory in the
//! templates; guide 000 says "Upgrade Via" is HTTPS by default, so the GRP reads it as HTTPS and
//! the WP820 (whose guide names no firmware default) as unknown.
//!
//! ## Why is this bad?
//! The configuration file carries SIP and admin passwords; over TFTP, HTTP or FTP anyone on the
//! path reads them, and can substitute a file or firmware of their own.
//!
//! ## Example
//! ```xml
//! <P212>1</P212>
//! ```
//! Use instead:
//! ```xml
//! <P212>2</P212><P6767>2</P6767>
//! ```
//!
//! ## References
//! - guide 000, "Firmware Upgrade and Provisioning"; guide 001, "Provisioning via Configuration File", "Firmware Upgrading"
//! - reference/grandstream.md rows G30, G31

use voipguard_model::{Family, Finding};

use super::CodeCheck;
use super::grandstream_support::{Verdict, global};
use crate::context::Context;

/// See the module documentation.
#[derive(Debug)]
pub(crate) struct GsProvHttps;

fn protocol_name(value: &str) -> &'static str {
    match value {
        "0" => "TFTP",
        "1" => "HTTP",
        "2" => "HTTPS",
        "3" => "FTP",
        "4" => "FTPS",
        _ => "an unknown protocol",
    }
}

impl CodeCheck for GsProvHttps {
    fn id(&self) -> &'static str {
        "GS-PROV-HTTPS"
    }

    fn reads(&self) -> &'static [&'static str] {
        &["P212", "P6767"]
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        let wp820 = cx.family == Family::Wp820;
        let firmware_default = if wp820 { None } else { Some("2") };
        let mut verdict = Verdict::default();
        for (name, what, default) in [
            ("P212", "configuration", Some("2")),
            ("P6767", "firmware", firmware_default),
        ] {
            let setting = global(cx, name, default);
            let described = setting.describe();
            match verdict.take(setting) {
                None | Some("2") => {}
                Some("4") if !wp820 => {}
                Some("4") => verdict.unknown(format!(
                    "{described}: FTPS for {what} download, which the WP820 does not offer"
                )),
                Some(value @ ("0" | "1" | "3")) => verdict.fail(format!(
                    "{described}: {what} is downloaded over {}, unencrypted",
                    protocol_name(value)
                )),
                Some(_) => verdict.unknown(format!("{described}: {}", protocol_name(""))),
            }
        }
        verdict.finish(
            cx,
            format!(
                "configuration and firmware are downloaded over an encrypted protocol{}",
                cx.assumption_note()
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    use voipguard_model::{Family, Status, Vendor};

    use crate::testing::{device, run};

    fn status(family: Family, settings: &[(&str, &str)]) -> Status {
        run(
            "GS-PROV-HTTPS",
            &device(Vendor::Grandstream, family, settings),
        )
        .status
    }

    #[test]
    fn https_and_grp_ftps_pass_clear_text_fails() {
        assert_eq!(status(Family::Grp, &[]), Status::Pass, "HTTPS by default");
        assert_eq!(
            status(Family::Grp, &[("P212", "4"), ("P6767", "2")]),
            Status::Pass
        );
        assert_eq!(status(Family::Grp, &[("P212", "0")]), Status::Fail);
        assert_eq!(status(Family::Grp, &[("P6767", "1")]), Status::Fail);
        assert_eq!(status(Family::Wp820, &[("P212", "2")]), Status::Unknown);
        assert_eq!(
            status(Family::Wp820, &[("P212", "2"), ("P6767", "2")]),
            Status::Pass
        );
        assert_eq!(
            status(Family::Wp820, &[("P212", "4"), ("P6767", "2")]),
            Status::Unknown
        );
    }
}

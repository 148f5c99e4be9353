//! AST-SIP-23: no misspelled keys in sip.conf / iax.conf (chan_sip and chan_iax2 ignore them).
//!
//! ## What it does
//! Looks for keys that chan_sip and chan_iax2 do not know but that are clear misspellings of keys
//! they do, such as `password=` for `secret=`. Only such clear cases are reported: a key missing
//! from the list below is never guessed at.
//!
//! ## Why is this bad?
//! Both drivers skip unknown keys without an error the administrator sees in the file. A peer
//! with `password=` instead of `secret=` has no secret at all, and chan_sip then accepts any
//! password for it.
//!
//! ## Example
//! ```ini
//! [1001]
//! type=friend
//! password=Vq7#pLm2!xRt9
//! ```
//! Use instead: `secret=Vq7#pLm2!xRt9`.
//!
//! ## References
//! - reference/asterisk.md 2.10 "Unknown or misspelled keys"; sip.conf.sample, iax.conf.sample

use voipguard_model::{Finding, Status};

use super::CodeCheck;
use super::asterisk_peers::{Driver, DriverConfig, Offenders};
use crate::context::Context;

/// Keys neither driver knows, with the key that was meant (from the sample configs' key names).
const MISSPELLINGS: &[(&str, &str)] = &[
    ("password", "secret"),
    ("passwd", "secret"),
    ("md5password", "md5secret"),
    ("allowguests", "allowguest"),
    ("alwaysauthrejects", "alwaysauthreject"),
    ("premit", "permit"),
    ("contactpremit", "contactpermit"),
    ("insecurity", "insecure"),
];

/// AST-SIP-23.
#[derive(Debug)]
pub(crate) struct AstSip23;

impl CodeCheck for AstSip23 {
    fn id(&self) -> &'static str {
        "AST-SIP-23"
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        let configs: Vec<DriverConfig<'_>> = [Driver::Sip, Driver::Iax]
            .into_iter()
            .filter_map(|driver| DriverConfig::of(cx, driver))
            .collect();
        let Some(first) = configs.first() else {
            return cx.finding(
                Status::NotApplicable,
                "no sip.conf or iax.conf in the configuration set".into(),
                Vec::new(),
            );
        };
        let mut offenders = Offenders::default();
        let mut sections = 0;
        for category in configs.iter().flat_map(DriverConfig::sections) {
            sections += 1;
            for variable in category
                .variables
                .iter()
                .filter(|variable| !variable.inherited)
            {
                let Some((_, meant)) = MISSPELLINGS
                    .iter()
                    .find(|(wrong, _)| variable.name.eq_ignore_ascii_case(wrong))
                else {
                    continue;
                };
                let evidence = cx.asterisk_evidence(
                    &variable.origin,
                    format!("[{}] {}", category.name, variable.name),
                    format!("ignored: not a chan_sip/chan_iax2 key (meant {meant}=?)"),
                );
                offenders.add(&category.name, [evidence]);
            }
        }
        offenders.finding(
            cx,
            first,
            sections,
            "sections of sip.conf / iax.conf use a misspelled key the driver ignores",
            "no misspelled key (password=, passwd=, ...) in sip.conf / iax.conf".into(),
        )
    }
}

//! AST-PJSIP-10: an address of record accepts only one or two registered contacts.
//!
//! ## What it does
//! Lists the `type=aor` sections and templates of pjsip.conf whose `max_contacts` exceeds 2
//! (default 0, which refuses registrations; Asterisk 13 to 21).
//!
//! The `type=wizard` sections of pjsip_wizard.conf count as the endpoints, AORs, auths and
//! identifies they create (`endpoint/…`, `aor/…` keys; `remote_hosts` as an address match).
//!
//! ## Why is this bad?
//! Each registration adds a contact that rings with the extension. With room for many contacts,
//! someone holding a stolen password registers an extra device and silently receives the calls
//! while the owner's phone keeps working; `max_contacts=1` with `remove_existing=yes` makes the
//! intruder's registration displace the owner, which gets noticed.
//!
//! ## Example
//! ```ini
//! [100]
//! type = aor
//! max_contacts = 100
//! ```
//! Use instead: `max_contacts = 1` and `remove_existing = yes`.
//!
//! ## References
//! - reference/asterisk.md 2.2 PJ-10; pjsip.conf.sample lines 1267-1270

use voipguard_model::Finding;

use super::CodeCheck;
use super::asterisk_pjsip::PjsipObjects;
use super::asterisk_services::{judge_each, key_evidence};
use crate::context::Context;

/// The most contacts the reference accepts per address of record.
const MAX_CONTACTS: u32 = 2;

/// See the module documentation.
#[derive(Debug)]
pub(crate) struct AstPjsip10;

impl CodeCheck for AstPjsip10 {
    fn id(&self) -> &'static str {
        "AST-PJSIP-10"
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        let pjsip = match PjsipObjects::of(cx) {
            Ok(pjsip) => pjsip,
            Err(finding) => return finding,
        };
        // Templates count too: provisioning systems (Wazo's autoprov) create AORs from them at
        // run time, so the copy holds only the template.
        let aors: Vec<_> = pjsip.objects("aor").chain(pjsip.templates("aor")).collect();
        judge_each(
            cx,
            pjsip.has_missing_includes(),
            &aors,
            "AORs and AOR templates",
            |aor| {
                let value = aor.value("max_contacts")?;
                let contacts = value.trim().parse::<u32>().ok()?;
                (contacts > MAX_CONTACTS)
                    .then(|| key_evidence(cx, aor, "max_contacts", value.to_owned()))
            },
            &format!(
                "accept more than {MAX_CONTACTS} registered contacts: a stolen password can add a listening device unnoticed"
            ),
            &format!("accept at most {MAX_CONTACTS} registered contacts"),
        )
    }
}

#[cfg(test)]
mod tests {
    use voipguard_model::Status;

    use crate::code::asterisk_services::testing::run_files;

    #[test]
    fn many_contacts_are_flagged() {
        let status = |text: &str| run_files("AST-PJSIP-10", &[("pjsip.conf", text)]).status;
        assert_eq!(status("[100]\ntype=aor\nmax_contacts=100\n"), Status::Fail);
        assert_eq!(status("[100]\ntype=aor\nmax_contacts=1\n"), Status::Pass);
        assert_eq!(status("[100]\ntype=aor\n"), Status::Pass, "default 0");
        assert_eq!(
            status("[autoprov](!)\ntype=aor\nmax_contacts=100\n"),
            Status::Fail,
            "templates feed AORs created at run time"
        );
    }
}

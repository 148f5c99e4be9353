//! GS-AUTH-INVITE: incoming INVITEs are challenged, with a realm, and SIP NOTIFY is authenticated.
//!
//! ## What it does
//! For every account in use, "Authenticate Incoming INVITE" (`account.sip.authenticateIncomingInvite`,
//! P2346/P2446/…, default 0) must be 1; on the WP820 the account's "SIP Realm Used for Challenge
//! INVITE & NOTIFY" (`account.sip.challengeRealm`, P26021/P26121) must be set as well. SIP NOTIFY
//! authentication (P4428) must be on. P4428's label flips between firmware versions: "Disable SIP
//! NOTIFY Authentication" (default 0) in the fw 1.0.3.6 template, "Enable …" (default Yes) in the
//! fw 1.0.9.x alias template. Both defaults mean "on", so an absent P4428 passes; the alias
//! `sip.notify.challenge` is read with its "Enable" meaning; a bare P4428 value cannot be read
//! without the firmware version and is unknown.
//!
//! ## Why is this bad?
//! Without a challenge anyone who reaches the phone's SIP port can ring it with a forged caller
//! ID or send it a NOTIFY that reboots or re-provisions it.
//!
//! ## Example
//! ```xml
//! <P2346>0</P2346>
//! ```
//! Use instead:
//! ```xml
//! <P2346>1</P2346>  <!-- WP820: also <P26021>your-realm</P26021> -->
//! ```
//!
//! ## References
//! - guide 000, "Anonymous/Unsolicited Calls Protection"; guide 001, "Anonymous/Unsolicited Calls Protection"
//! - reference/grandstream.md rows G25, G26, G27

use voipguard_model::{Family, Finding, Value};

use super::CodeCheck;
use super::grandstream_support::{Verdict, account};
use crate::accounts;
use crate::context::Context;

/// See the module documentation.
#[derive(Debug)]
pub(crate) struct GsAuthInvite;

/// The alias of P4428 whose label reads "Enable SIP NOTIFY Authentication".
const NOTIFY_ENABLE_ALIAS: &str = "sip.notify.challenge";

impl CodeCheck for GsAuthInvite {
    fn id(&self) -> &'static str {
        "GS-AUTH-INVITE"
    }

    fn reads(&self) -> &'static [&'static str] {
        &[
            "P4428",
            "account.sip.authenticateIncomingInvite",
            "account.sip.challengeRealm",
        ]
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        let mut verdict = Verdict::default();
        for account_use in accounts::in_use(cx.device, cx.family) {
            let index = account_use.index;
            let invite = account(
                cx,
                "account.sip.authenticateIncomingInvite",
                index,
                Some("0"),
            );
            let described = invite.describe();
            match verdict.take(invite) {
                Some("1") | None => {}
                Some(_) => verdict.fail(format!(
                    "account {index} does not challenge incoming INVITEs ({described})"
                )),
            }
            if cx.family == Family::Wp820 {
                let realm = account(cx, "account.sip.challengeRealm", index, Some(""));
                let described = realm.describe();
                if verdict.take(realm) == Some("") {
                    verdict.fail(format!(
                        "account {index} has no challenge realm ({described})"
                    ));
                }
            }
        }
        notify_authentication(cx, &mut verdict);
        verdict.finish(
            cx,
            "every account in use challenges incoming INVITEs and SIP NOTIFY authentication is on"
                .into(),
        )
    }
}

fn notify_authentication(cx: &Context<'_>, verdict: &mut Verdict) {
    let Some(setting) = cx.device.global("P4428") else {
        // Both firmware generations default to authenticating NOTIFY.
        return;
    };
    verdict.evidence.push(cx.evidence(setting));
    let written_as_alias = setting
        .origin
        .written_as
        .eq_ignore_ascii_case(NOTIFY_ENABLE_ALIAS);
    match (&setting.value, written_as_alias) {
        (Value::Template(_), _) => {
            verdict.unknown("SIP NOTIFY authentication (P4428) is a template variable".into());
        }
        (Value::Literal(value), true) if value.trim() == "1" => {}
        (Value::Literal(value), true) => verdict.fail(format!(
            "SIP NOTIFY authentication is off ({NOTIFY_ENABLE_ALIAS} = {})",
            value.trim()
        )),
        (Value::Literal(value), false) => verdict.unknown(format!(
            "P4428 = {}: its label reads \"Disable SIP NOTIFY Authentication\" in firmware 1.0.3.6 and \"Enable …\" in 1.0.9.x, and the firmware is not known",
            value.trim()
        )),
    }
}

#[cfg(test)]
mod tests {
    use voipguard_model::{Family, SettingKey, Status, Vendor};

    use crate::testing::{device, run};

    fn finding(family: Family, extra: &[(&str, &str)]) -> voipguard_model::Finding {
        let mut settings = vec![
            ("account.enable#1", "1"),
            ("account.sip.server.1.address#1", "pbx.example.com"),
            ("account.sip.userid#1", "1001"),
        ];
        settings.extend_from_slice(extra);
        run(
            "GS-AUTH-INVITE",
            &device(Vendor::Grandstream, family, &settings),
        )
    }

    #[test]
    fn invite_challenge_is_needed_per_account() {
        assert_eq!(finding(Family::Grp, &[]).status, Status::Fail);
        let on = ("account.sip.authenticateIncomingInvite#1", "1");
        assert_eq!(finding(Family::Grp, &[on]).status, Status::Pass);
        assert_eq!(
            finding(Family::Wp820, &[on]).status,
            Status::Fail,
            "no realm"
        );
        assert_eq!(
            finding(
                Family::Wp820,
                &[on, ("account.sip.challengeRealm#1", "example.com")]
            )
            .status,
            Status::Pass
        );
    }

    #[test]
    fn notify_authentication_is_read_only_where_its_meaning_is_known() {
        let on = ("account.sip.authenticateIncomingInvite#1", "1");
        let mut alias_off = device(
            Vendor::Grandstream,
            Family::Grp,
            &[
                ("account.enable#1", "1"),
                ("account.sip.server.1.address#1", "pbx.example.com"),
                ("account.sip.authenticateIncomingInvite#1", "1"),
                ("P4428", "0"),
            ],
        );
        alias_off
            .settings
            .get_mut(&SettingKey::global("P4428"))
            .expect("set above")
            .origin
            .written_as = "sip.notify.challenge".into();
        assert_eq!(run("GS-AUTH-INVITE", &alias_off).status, Status::Fail);
        let bare = finding(Family::Grp, &[on, ("P4428", "1")]);
        assert_eq!(bare.status, Status::Unknown);
        assert!(bare.message.contains("firmware"));
    }
}

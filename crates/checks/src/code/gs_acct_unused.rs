//! GS-ACCT-UNUSED: accounts without a SIP server or user id are deactivated.
//!
//! ## What it does
//! Looks at every account the file mentions (and, on the GRP, at least accounts 1 and 2, which
//! every GRP26xx model has): an account that is active, explicitly or by factory default, with
//! neither a SIP server (P47, P402, …) nor a SIP user id (P35, P404, …) fails. After a factory
//! reset every GRP account is active; on the WP820 only account 1.
//!
//! ## Why is this bad?
//! An active account listens on its local SIP port (5060, 5062, …) even when it is registered
//! nowhere, so anyone who can reach the phone can ring it with a direct IP call.
//!
//! ## Example
//! ```xml
//! <P271>1</P271><P47>pbx.example.com</P47><P35>1001</P35>
//! <!-- account 2 not mentioned: active after reset on a GRP -->
//! ```
//! Use instead:
//! ```xml
//! <P271>1</P271><P47>pbx.example.com</P47><P35>1001</P35>
//! <P401>0</P401>
//! ```
//!
//! ## References
//! - guide 000, "Protocols and Ports"; guide 001, "Protocols and Ports"
//! - reference/grandstream.md row G13

use voipguard_model::{Family, Finding, SettingKey};

use super::CodeCheck;
use super::grandstream_support::Verdict;
use crate::accounts::{self, GS_ENABLE, GS_SERVER, GS_USERID, Tri};
use crate::context::Context;

/// See the module documentation.
#[derive(Debug)]
pub(crate) struct GsAcctUnused;

/// Accounts every GRP26xx model has; a file that does not mention them leaves them active.
const GRP_MINIMUM_ACCOUNTS: u16 = 2;

impl CodeCheck for GsAcctUnused {
    fn id(&self) -> &'static str {
        "GS-ACCT-UNUSED"
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        let mut verdict = Verdict::default();
        let all = accounts::all(cx.device, cx.family);
        for account in &all {
            let index = account.index;
            for name in [GS_ENABLE, GS_SERVER, GS_USERID] {
                if let Some(setting) = cx.device.account(name, index) {
                    verdict.evidence.push(cx.evidence(setting));
                }
            }
            match (account.enabled, account.configured) {
                (Tri::Yes, Tri::No) => verdict.fail(format!(
                    "account {index} is active{} with neither SIP server nor user id",
                    if cx.device.account(GS_ENABLE, index).is_some() {
                        ""
                    } else {
                        " by factory default"
                    }
                )),
                // A template variable for the server or user id is there to be filled in.
                (Tri::No, _) | (_, Tri::Yes | Tri::Templated) => {}
                _ => verdict.unknown(format!(
                    "account {index}: activity or SIP server is a template variable"
                )),
            }
        }
        if cx.family == Family::Grp {
            for index in 1..=GRP_MINIMUM_ACCOUNTS {
                if all.iter().all(|account| account.index != index) {
                    verdict.evidence.push(
                        cx.default_evidence(&SettingKey::account(GS_ENABLE, index), Some("1")),
                    );
                    verdict.fail(format!(
                        "account {index} is not in the file, so it stays active by factory default with no SIP server{}",
                        cx.assumption_note()
                    ));
                }
            }
        }
        verdict.finish(
            cx,
            "every active account has a SIP server or user id; the others are deactivated".into(),
        )
    }
}

#[cfg(test)]
mod tests {
    use voipguard_model::{Family, Status, Vendor};

    use crate::testing::{device, run};

    const ACCOUNT_1: [(&str, &str); 3] = [
        ("account.enable#1", "1"),
        ("account.sip.server.1.address#1", "pbx.example.com"),
        ("account.sip.userid#1", "1001"),
    ];

    fn finding(family: Family, extra: &[(&str, &str)]) -> voipguard_model::Finding {
        let settings: Vec<(&str, &str)> = ACCOUNT_1.iter().chain(extra).copied().collect();
        run(
            "GS-ACCT-UNUSED",
            &device(Vendor::Grandstream, family, &settings),
        )
    }

    #[test]
    fn grp_accounts_stay_active_after_reset_unless_deactivated() {
        let left_active = finding(Family::Grp, &[]);
        assert_eq!(left_active.status, Status::Fail);
        insta::assert_snapshot!(left_active.message, @"account 2 is not in the file, so it stays active by factory default with no SIP server");
        assert_eq!(
            finding(Family::Grp, &[("account.enable#2", "0")]).status,
            Status::Pass
        );
        let empty_enabled = finding(
            Family::Grp,
            &[("account.enable#2", "0"), ("account.enable#3", "1")],
        );
        assert_eq!(empty_enabled.status, Status::Fail);
        assert!(empty_enabled.message.contains("account 3"));
    }

    #[test]
    fn wp820_activates_only_account_1_by_default() {
        assert_eq!(finding(Family::Wp820, &[]).status, Status::Pass);
        let unconfigured = run(
            "GS-ACCT-UNUSED",
            &device(Vendor::Grandstream, Family::Wp820, &[]),
        );
        assert_eq!(unconfigured.status, Status::Fail);
        assert_eq!(
            finding(Family::Wp820, &[("account.enable#2", "{$enable}")]).status,
            Status::Unknown
        );
    }
}

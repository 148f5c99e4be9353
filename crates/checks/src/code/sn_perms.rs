//! SN-PERMS: security-relevant settings are read-only for the phone user.
//!
//! ## What it does
//! For every security-relevant setting the file provisions (web UI credentials and type, admin
//! mode password, keyboard lock, SRTP and transport, provisioning sources and server, U-Boot lock,
//! VPN, TR-069, SIP-pushed settings), checks its permission flag: it must be read-only (`R`, `&`,
//! `" "`, or a text line without a flag). `RW`, `$`, `""`, `!` and an XML element without `perm`
//! let the user change it. `admin_mode` is deliberately not judged: it must stay `RW`, otherwise an
//! administrator cannot switch back to admin mode on the phone.
//!
//! ## Why is this bad?
//! Guide 002 recommends restricting what the user may change. A user-writable `http_pass`,
//! `user_srtp` or `setting_server` lets anyone at the phone (or with user-mode web access) undo the
//! hardening the provisioning file applies; with `!` the phone even keeps the user's value over
//! later provisioning.
//!
//! ## Example
//! ```xml
//! <webserver_type perm="RW">https</webserver_type>
//! <user_srtp idx="1">on</user_srtp>
//! ```
//!
//! Use instead:
//! ```xml
//! <webserver_type perm="R">https</webserver_type>
//! <user_srtp idx="1" perm="R">on</user_srtp>
//! ```
//!
//! ## References
//! - guide `002_304575e019043713.txt`, "Admin Mode"

use voipguard_model::{Finding, Perm};

use super::CodeCheck;
use super::snom::Verdict;
use crate::context::Context;

/// Settings whose value decides a Snom control, global or per identity.
const SECURITY_RELEVANT: &[&str] = &[
    "admin_mode_password",
    "admin_mode_password_confirm",
    "allow_sip_settings",
    "enable_keyboard_lock",
    "http_client_pass",
    "http_client_user",
    "http_pass",
    "http_scheme",
    "http_user",
    "keyboard_lock_pw",
    "keyboard_lock_timeout",
    "leftnav_hidden_user",
    "pnp_config",
    "provisioning_order",
    "setting_server",
    "tls_server_authentication",
    "tr69_acs_url",
    "tr69_use_acs",
    "uboot_lock",
    "use_hidden_tags",
    "user_host",
    "user_outbound",
    "user_savp",
    "user_srtp",
    "vpn_on",
    "vpn_tarball_url",
    "web_logout_timer",
    "webserver_admin_name",
    "webserver_admin_password",
    "webserver_type",
];

/// SN-PERMS.
#[derive(Debug)]
pub(crate) struct SnPerms;

impl CodeCheck for SnPerms {
    fn id(&self) -> &'static str {
        "SN-PERMS"
    }

    fn reads(&self) -> &'static [&'static str] {
        SECURITY_RELEVANT
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        let mut verdict = Verdict::default();
        let mut writable = Vec::new();
        let mut unstated = Vec::new();
        let mut read_only = 0usize;
        // Filtered before sorting: a device has thousands of settings and a handful are relevant.
        let mut relevant: Vec<_> = cx
            .device
            .settings
            .iter()
            .filter(|(key, _)| SECURITY_RELEVANT.contains(&key.name.as_str()))
            .collect();
        relevant.sort_unstable_by(|a, b| a.0.cmp(b.0));
        for (key, setting) in relevant {
            let shown = match setting.perm {
                Some(Perm::ReadOnly) => {
                    read_only += 1;
                    continue;
                }
                Some(Perm::ReadWrite) => {
                    writable.push(key.to_string());
                    "user-writable (RW); provisioning overwrites it"
                }
                Some(Perm::UserKeeps) => {
                    writable.push(format!("{key} (!)"));
                    "user-writable (!); provisioning keeps the user's value"
                }
                None => {
                    unstated.push(key.to_string());
                    "permission flag not known"
                }
            };
            let mut evidence = cx.evidence(setting);
            evidence.value = shown.to_owned();
            verdict.evidence(evidence);
        }
        if !writable.is_empty() {
            verdict.fail(format!(
                "{} security-relevant settings are user-writable: {}",
                writable.len(),
                writable.join(", ")
            ));
        }
        if !unstated.is_empty() {
            verdict.undecided(format!("no permission flag for {}", unstated.join(", ")));
        }
        if read_only == 0 && writable.is_empty() && unstated.is_empty() {
            verdict.undecided("the file provisions none of the security-relevant settings");
        }
        verdict.finding(
            cx,
            format!("all {read_only} security-relevant settings in the file are read-only"),
        )
    }
}

#[cfg(test)]
mod tests {
    use voipguard_model::{Family, Perm, Status, Vendor};

    use crate::testing::{device, run, snom_device_with_perms};

    #[test]
    fn read_only_security_settings_pass_and_admin_mode_may_stay_writable() {
        let finding = run(
            "SN-PERMS",
            &snom_device_with_perms(&[
                ("http_pass", "x", Perm::ReadOnly),
                ("user_srtp#1", "on", Perm::ReadOnly),
                ("admin_mode", "off", Perm::ReadWrite),
                ("language", "English", Perm::ReadWrite),
            ]),
        );
        assert_eq!(finding.status, Status::Pass, "{}", finding.message);
        assert_eq!(
            finding.message,
            "all 2 security-relevant settings in the file are read-only"
        );
    }

    #[test]
    fn writable_settings_are_listed_without_their_values() {
        let finding = run(
            "SN-PERMS",
            &snom_device_with_perms(&[
                ("http_pass", "Secr3t!value", Perm::ReadWrite),
                ("user_srtp#2", "on", Perm::UserKeeps),
                ("webserver_type", "https", Perm::ReadOnly),
            ]),
        );
        assert_eq!(finding.status, Status::Fail);
        assert_eq!(
            finding.message,
            "2 security-relevant settings are user-writable: http_pass, user_srtp[2] (!)"
        );
        assert!(!format!("{finding:?}").contains("Secr3t!value"));
        assert_eq!(finding.evidence.len(), 2);
    }

    #[test]
    fn nothing_to_judge_or_no_flags_is_unknown() {
        let empty = run(
            "SN-PERMS",
            &snom_device_with_perms(&[("language", "English", Perm::ReadWrite)]),
        );
        assert_eq!(empty.status, Status::Unknown);
        let unflagged = run(
            "SN-PERMS",
            &device(Vendor::Snom, Family::Snom, &[("webserver_type", "https")]),
        );
        assert_eq!(unflagged.status, Status::Unknown);
    }
}

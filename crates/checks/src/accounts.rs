//! Which SIP accounts (Grandstream) or identities (Snom) of a device are in use.
//!
//! Per-account checks judge only accounts in use: an enabled account with a SIP server or user
//! id. Enabled-but-empty accounts are the business of GS-ACCT-UNUSED.

use voipguard_model::{Device, Family, Value, Vendor};

/// Canonical Grandstream per-account field: account active (P271, P401, …).
pub const GS_ENABLE: &str = "account.enable";
/// Canonical Grandstream per-account field: SIP server (P47, P402, …).
pub const GS_SERVER: &str = "account.sip.server.1.address";
/// Canonical Grandstream per-account field: SIP user id (P35, P404, …).
pub const GS_USERID: &str = "account.sip.userid";
/// Canonical Snom per-identity setting: identity active.
pub const SNOM_ACTIVE: &str = "user_active";
/// Canonical Snom per-identity setting: account (user) name.
pub const SNOM_USER: &str = "user_name";
/// Canonical Snom per-identity setting: registrar host.
pub const SNOM_HOST: &str = "user_host";

/// The fields this module reads, which any check judging accounts reads through it.
pub const FIELDS: &[&str] = &[
    GS_ENABLE,
    GS_SERVER,
    GS_USERID,
    SNOM_ACTIVE,
    SNOM_USER,
    SNOM_HOST,
];

/// One account's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccountUse {
    /// Account / identity number (1-based).
    pub index: u16,
    /// True when the account is enabled, explicitly or by factory default.
    pub enabled: Tri,
    /// True when a SIP server or user is configured.
    pub configured: Tri,
}

/// A three-valued fact: templates make some facts undecidable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tri {
    /// Known true.
    Yes,
    /// Known false.
    No,
    /// A template variable decides it.
    Templated,
}

impl Tri {
    fn and(self, other: Tri) -> Tri {
        match (self, other) {
            (Tri::No, _) | (_, Tri::No) => Tri::No,
            (Tri::Yes, Tri::Yes) => Tri::Yes,
            _ => Tri::Templated,
        }
    }

    fn or(self, other: Tri) -> Tri {
        match (self, other) {
            (Tri::Yes, _) | (_, Tri::Yes) => Tri::Yes,
            (Tri::No, Tri::No) => Tri::No,
            _ => Tri::Templated,
        }
    }
}

/// Every account the device's files mention (account 1 always), with its state.
pub fn all(device: &Device, family: Family) -> Vec<AccountUse> {
    let mut indices = device.account_indices();
    if !indices.contains(&1) {
        indices.insert(0, 1);
    }
    indices
        .into_iter()
        .map(|index| match device.vendor {
            Vendor::Snom => AccountUse {
                index,
                enabled: flag(
                    device,
                    SNOM_ACTIVE,
                    index,
                    &["on"],
                    if index == 1 { "on" } else { "off" },
                ),
                configured: non_empty(device, SNOM_USER, index)
                    .or(non_empty(device, SNOM_HOST, index)),
            },
            _ => AccountUse {
                index,
                enabled: flag(
                    device,
                    GS_ENABLE,
                    index,
                    &["1"],
                    grandstream_enable_default(family, index),
                ),
                configured: non_empty(device, GS_SERVER, index)
                    .or(non_empty(device, GS_USERID, index)),
            },
        })
        .collect()
}

/// Accounts that are enabled and configured (or may be, behind a template variable).
pub fn in_use(device: &Device, family: Family) -> Vec<AccountUse> {
    all(device, family)
        .into_iter()
        .filter(|account| account.enabled.and(account.configured) != Tri::No)
        .collect()
}

/// Guide 000: every GRP account is active after a factory reset. Guide 001: only account 1 on
/// the WP820.
fn grandstream_enable_default(family: Family, index: u16) -> &'static str {
    match family {
        Family::Wp820 if index != 1 => "0",
        _ => "1",
    }
}

fn flag(device: &Device, name: &str, index: u16, yes: &[&str], default: &str) -> Tri {
    let value = match device.account(name, index).map(|setting| &setting.value) {
        Some(Value::Template(_)) => return Tri::Templated,
        Some(Value::Literal(text)) => text.trim(),
        None => default,
    };
    if yes.iter().any(|yes| yes.eq_ignore_ascii_case(value)) {
        Tri::Yes
    } else {
        Tri::No
    }
}

fn non_empty(device: &Device, name: &str, index: u16) -> Tri {
    match device.account(name, index).map(|setting| &setting.value) {
        Some(Value::Template(_)) => Tri::Templated,
        Some(Value::Literal(text)) if !text.trim().is_empty() => Tri::Yes,
        _ => Tri::No,
    }
}

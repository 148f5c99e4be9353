//! What a check sees while it runs, and helpers to build findings and evidence.

use voipguard_model::{
    Device, Evidence, Family, FamilyBasis, Finding, Setting, SettingKey, Status, Value, Vendor,
};

use std::cell::OnceCell;
use std::sync::Arc;

use voipguard_asterisk::{ConfigSet, Origin as AsteriskOrigin};

use crate::Target;
use crate::accounts::{self, AccountUse};
use crate::catalogue::Check;

/// One check running on one device.
pub struct Context<'a> {
    /// The check.
    pub check: &'static Check,
    /// The device.
    pub device: &'a Device,
    /// The family whose meanings apply: the device's own, or the one most families share when it
    /// is not a guide family (GXP, HT, GDS and unknown read as GRP; GXV reads as WP820).
    pub family: Family,
    /// The PBX's Asterisk configuration set, for Asterisk devices read from a folder.
    pub asterisk: Option<&'a ConfigSet>,
    /// The accounts in use, worked out once per device for all its checks.
    accounts_in_use: &'a AccountsInUse,
}

/// The accounts in use on one device, worked out by the first check that asks: several checks
/// judge every account, and finding which are in use walks all of the device's settings.
#[derive(Debug, Default)]
pub(crate) struct AccountsInUse(OnceCell<Vec<AccountUse>>);

impl<'a> Context<'a> {
    pub(crate) fn new(
        check: &'static Check,
        target: Target<'a>,
        accounts_in_use: &'a AccountsInUse,
    ) -> Self {
        Context {
            check,
            device: target.device,
            family: meaning_family(target.device),
            asterisk: target.asterisk,
            accounts_in_use,
        }
    }

    /// The device's accounts that are enabled and configured, or may be behind a template
    /// variable ([`accounts::in_use`]).
    pub fn accounts_in_use(&self) -> &[AccountUse] {
        self.accounts_in_use
            .0
            .get_or_init(|| accounts::in_use(self.device, self.family))
    }

    /// A finding of this check with the check's severity. A note on the assumed family is
    /// appended when the family was not known and the check's rule depends on it.
    pub fn finding(&self, status: Status, message: String, evidence: Vec<Evidence>) -> Finding {
        Finding {
            check: &self.check.meta.id,
            control: self.check.meta.control(),
            status,
            severity: self.check.meta.severity,
            message,
            evidence,
        }
    }

    /// A note for messages when the family had to be assumed, or an empty string.
    pub fn assumption_note(&self) -> String {
        if self.device.vendor == Vendor::Grandstream
            && self.device.family_basis == FamilyBasis::Assumed
        {
            format!(
                " (family not known: read with the {} meaning most families share)",
                self.family.as_str().to_ascii_uppercase()
            )
        } else {
            String::new()
        }
    }

    /// Evidence for a setting as the file wrote it; secrets are redacted.
    pub fn evidence(&self, setting: &Setting) -> Evidence {
        let value = if setting.secret {
            "redacted".to_owned()
        } else {
            match &setting.value {
                Value::Literal(text) => text.to_string(),
                Value::Template(text) => format!("template expression {text}"),
            }
        };
        evidence_from(setting, value)
    }

    /// Evidence for a secret with a judgement of it ("redacted (factory default)").
    pub fn secret_evidence(&self, setting: &Setting, judgement: &str) -> Evidence {
        evidence_from(setting, format!("redacted ({judgement})"))
    }

    /// Evidence for a place in the Asterisk configuration set: `origin` is relative to the set's
    /// folder, evidence names the file as the user can open it.
    pub fn asterisk_evidence(
        &self,
        origin: &AsteriskOrigin,
        setting: String,
        value: String,
    ) -> Evidence {
        let file = match self.asterisk {
            Some(set) => set.folder.join(&origin.file),
            None => origin.file.to_path_buf(),
        };
        Evidence {
            file: Some(Arc::new(file)),
            line: Some(origin.line),
            column: None,
            setting,
            value,
            default: false,
        }
    }

    /// Evidence that the file does not set `key`, so `default` applies (or is unknown).
    pub fn default_evidence(&self, key: &SettingKey, default: Option<&str>) -> Evidence {
        Evidence {
            file: None,
            line: None,
            column: None,
            setting: key.to_string(),
            value: match default {
                Some(value) => format!("{value} (not set; factory default)"),
                None if is_fact(key) => "not stated in a facts file".to_owned(),
                None => "not set; factory default unconfirmed".to_owned(),
            },
            default: true,
        }
    }
}

/// True for settings that come from a facts file (`facts.gui.access`): when absent, nothing
/// stated them, rather than a factory default applying.
pub(crate) fn is_fact(key: &SettingKey) -> bool {
    key.name.starts_with("facts.")
}

fn evidence_from(setting: &Setting, value: String) -> Evidence {
    Evidence {
        file: Some(setting.origin.file.clone()),
        line: Some(setting.origin.line),
        column: Some(setting.origin.column),
        setting: setting.origin.written_as.to_string(),
        value,
        default: false,
    }
}

fn meaning_family(device: &Device) -> Family {
    match device.family {
        Family::Grp | Family::Gxp | Family::Ht | Family::Gds => Family::Grp,
        Family::Wp820 | Family::Gxv => Family::Wp820,
        Family::Snom | Family::Asterisk | Family::Allworx | Family::Site => device.family,
        Family::Unknown => match device.vendor {
            Vendor::Snom => Family::Snom,
            Vendor::Asterisk => Family::Asterisk,
            Vendor::Allworx => Family::Allworx,
            Vendor::Site => Family::Site,
            Vendor::Grandstream => Family::Grp,
        },
    }
}

//! The check catalogue and its evaluator.
//!
//! Every check is one rule file under `rules/<vendor>/<ID>.toml` (metadata as data: title,
//! severity, rationale, remediation per format, guide references, families) whose `[logic]` is
//! either a declarative template ([`meta::Logic::Setting`], [`meta::Logic::AccountSetting`]) or
//! `code`, implemented by one file under `src/code/`. [`evaluate`] runs every check of a device's
//! vendor and returns one finding per check.
#![deny(missing_docs)]

pub mod accounts;
mod catalogue;
mod code;
mod context;
pub mod meta;
pub mod password;
mod templates;

pub use catalogue::{Catalogue, CatalogueError, Check, catalogue};
pub use context::Context;

use voipguard_asterisk::ConfigSet;
use voipguard_model::{Device, Finding};

use crate::context::AccountsInUse;

/// What checks run on: a device, and for an Asterisk PBX its configuration set.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    /// The device (identity, settings from phone files or facts files).
    pub device: &'a Device,
    /// The Asterisk configuration set of a PBX read from a folder.
    pub asterisk: Option<&'a ConfigSet>,
}

impl<'a> From<&'a Device> for Target<'a> {
    fn from(device: &'a Device) -> Self {
        Target {
            device,
            asterisk: None,
        }
    }
}

/// Runs every check of the device's vendor, in catalogue order: one finding per check.
pub fn evaluate<'a>(catalogue: &'static Catalogue, target: impl Into<Target<'a>>) -> Vec<Finding> {
    let target = target.into();
    let accounts_in_use = AccountsInUse::default();
    catalogue
        .checks()
        .iter()
        .filter(|check| check.meta.vendor.vendor() == target.device.vendor)
        .map(|check| check.evaluate_sharing(target, &accounts_in_use))
        .collect()
}

#[cfg(test)]
pub(crate) mod testing {
    //! Building devices by hand for unit tests of checks.

    use std::path::PathBuf;
    use std::sync::Arc;

    use voipguard_model::{
        Device, Family, FamilyBasis, Finding, Origin, Perm, Setting, SettingKey, Value, Vendor,
    };

    /// A device of `vendor`/`family` with `settings` written at consecutive lines of `test.cfg`.
    /// Names ending in `#N` are per-account settings of account N (`account.sip.transport#2`).
    pub(crate) fn device(vendor: Vendor, family: Family, settings: &[(&str, &str)]) -> Device {
        let basis = if family == Family::Unknown {
            FamilyBasis::Assumed
        } else {
            FamilyBasis::Content
        };
        let mut device = Device::new("test", vendor, family, basis);
        let file = Arc::new(PathBuf::from("test.cfg"));
        for (line, (name, value)) in (1u32..).zip(settings) {
            let key = match name.split_once('#') {
                Some((name, index)) => SettingKey::account(name, index.parse().unwrap_or(1)),
                None => SettingKey::global(*name),
            };
            let secret = name.contains("pass") || *name == "P2" || *name == "P196" || *name == "P1";
            let origin = Origin {
                file: file.clone(),
                line,
                column: 1,
                written_as: (*name).into(),
            };
            let value = if is_template_value(value) {
                Value::Template((*value).into())
            } else {
                Value::Literal((*value).into())
            };
            device.set(
                key,
                Setting {
                    value,
                    origin,
                    perm: None,
                    secret,
                    conditional: false,
                },
            );
        }
        device
    }

    /// A Snom device whose settings carry permission flags, for checks that judge the flags.
    pub(crate) fn snom_device_with_perms(settings: &[(&str, &str, Perm)]) -> Device {
        let pairs: Vec<(&str, &str)> = settings
            .iter()
            .map(|&(name, value, _)| (name, value))
            .collect();
        let mut device = device(Vendor::Snom, Family::Snom, &pairs);
        for setting in device.settings.values_mut() {
            setting.perm = settings
                .iter()
                .find(|(name, ..)| *name == setting.origin.written_as)
                .map(|&(_, _, perm)| perm);
        }
        device
    }

    fn is_template_value(value: &str) -> bool {
        value.contains("{$") || value.contains("{{")
    }

    /// Runs one check by id on a device.
    pub(crate) fn run(id: &str, device: &Device) -> Finding {
        let catalogue = crate::catalogue().expect("catalogue loads");
        catalogue
            .get(id)
            .unwrap_or_else(|| panic!("no check {id}"))
            .evaluate(device)
    }
}

//! Devices and their settings.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use compact_str::CompactString;
use rustc_hash::{FxHashMap, FxHashSet};
use serde::Serialize;

/// Who made the device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Vendor {
    /// Grandstream Networks (GRP, WP820, GXP, GXV, HT, GDS).
    Grandstream,
    /// Snom Technology (7xx, 8xx, D3xx, D7xx, M9, MeetingPoint).
    Snom,
    /// An Asterisk-based PBX (Asterisk, ScopTEL, FreePBX, Issabel, Wazo), read from its
    /// `/etc/asterisk` configuration set and, for GUI settings, a facts file.
    Asterisk,
    /// An Allworx server, described by a facts file.
    Allworx,
    /// A site's network (router, firewall), described by a facts file.
    Site,
}

impl Vendor {
    /// Lower-case name used in ids, JSON and rule files.
    pub fn as_str(self) -> &'static str {
        match self {
            Vendor::Grandstream => "grandstream",
            Vendor::Snom => "snom",
            Vendor::Asterisk => "asterisk",
            Vendor::Allworx => "allworx",
            Vendor::Site => "site",
        }
    }
}

impl fmt::Display for Vendor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Device family: decides what a setting means where vendors reuse a number
/// (P1650 vs P900, P1357 value 3, P22030).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    /// Grandstream GRP26xx desk phones (guide 000).
    Grp,
    /// Grandstream WP820 and other Android-based Wi-Fi phones (guide 001).
    Wp820,
    /// Grandstream GXP desk phones (not covered by a guide; share most GRP meanings).
    Gxp,
    /// Grandstream GXV Android video phones (share the WP820 web UI meanings).
    Gxv,
    /// Grandstream HT analogue telephone adapters.
    Ht,
    /// Grandstream GDS door systems.
    Gds,
    /// Any Snom phone.
    Snom,
    /// An Asterisk-based PBX.
    Asterisk,
    /// An Allworx server.
    Allworx,
    /// A site's network.
    Site,
    /// Not known from content, options or inventory.
    Unknown,
}

impl Family {
    /// Lower-case name used in JSON and rule files.
    pub fn as_str(self) -> &'static str {
        match self {
            Family::Grp => "grp",
            Family::Wp820 => "wp820",
            Family::Gxp => "gxp",
            Family::Gxv => "gxv",
            Family::Ht => "ht",
            Family::Gds => "gds",
            Family::Snom => "snom",
            Family::Asterisk => "asterisk",
            Family::Allworx => "allworx",
            Family::Site => "site",
            Family::Unknown => "unknown",
        }
    }

    /// Parses a family name as written in rule files (`grp`, `wp820`, …).
    pub fn from_name(name: &str) -> Option<Family> {
        Some(match name {
            "grp" => Family::Grp,
            "wp820" => Family::Wp820,
            "gxp" => Family::Gxp,
            "gxv" => Family::Gxv,
            "ht" => Family::Ht,
            "gds" => Family::Gds,
            "snom" => Family::Snom,
            "asterisk" => Family::Asterisk,
            "allworx" => Family::Allworx,
            "site" => Family::Site,
            "unknown" => Family::Unknown,
            _ => return None,
        })
    }

    /// Family implied by a model name such as `GRP2612W`, `WP820`, `GXP2170`, `D785`.
    pub fn from_model(model: &str) -> Option<Family> {
        let upper = model.trim().to_ascii_uppercase();
        let family = if upper.starts_with("GRP") {
            Family::Grp
        } else if upper.starts_with("WP8") {
            Family::Wp820
        } else if upper.starts_with("GXP") {
            Family::Gxp
        } else if upper.starts_with("GXV") {
            Family::Gxv
        } else if upper.starts_with("HT") {
            Family::Ht
        } else if upper.starts_with("GDS") {
            Family::Gds
        } else if upper.starts_with("SNOM")
            || upper.starts_with('D')
                && upper[1..]
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_digit())
            || upper.starts_with('M')
                && upper[1..]
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_digit())
        {
            Family::Snom
        } else {
            return None;
        };
        Some(family)
    }
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How the family of a device became known; shown in evidence when it changes a verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FamilyBasis {
    /// Read from the file itself (a template header, a model setting, the file name).
    Content,
    /// Given on the command line with `--model`.
    ModelOption,
    /// Taken from the inventory file.
    Inventory,
    /// Not known: checks use the meaning most families share and say so.
    Assumed,
}

/// Where a setting was written: file, 1-based line and column, and the name as spelled there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Origin {
    /// The file the value came from.
    pub file: Arc<PathBuf>,
    /// 1-based line.
    pub line: u32,
    /// 1-based column (in characters).
    pub column: u32,
    /// The setting's name as written in the file (`P276`, `security.ssh`, `user_srtp1`).
    pub written_as: CompactString,
}

/// A setting's value as read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "text", rename_all = "snake_case")]
pub enum Value {
    /// A concrete value, normalised to the vendor's native encoding (P-value numbers for
    /// Grandstream aliases, inverted booleans already turned round).
    Literal(CompactString),
    /// A provisioning-template expression (`{$var}`, `{{ var }}`, `{% if %}`…): not decidable.
    Template(CompactString),
}

impl Value {
    /// The literal text, or `None` for a template expression.
    pub fn literal(&self) -> Option<&str> {
        match self {
            Value::Literal(text) => Some(text),
            Value::Template(_) => None,
        }
    }
}

/// Snom permission flag: who may change a setting after provisioning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Perm {
    /// `&`, `R`, `" "` or (text format) no flag: read-only for the user.
    ReadOnly,
    /// `$`, `RW`, `""` or (XML) no attribute: the user may change it, provisioning overwrites it.
    ReadWrite,
    /// `!`: the user may change it and provisioning keeps the user's value.
    UserKeeps,
}

/// The identity of a setting inside a device.
///
/// Grandstream: global settings are named by P-value (`P276`); per-account settings by their
/// alias field with the account number as index (`account.sip.transport`, index 2), whichever form
/// the file used. Snom: the setting name without flag or suffix (`user_srtp`), identity as index.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct SettingKey {
    /// Canonical name.
    pub name: CompactString,
    /// Account / identity number, when the setting exists once per account.
    pub index: Option<u16>,
}

impl SettingKey {
    /// A global setting.
    pub fn global(name: impl Into<CompactString>) -> Self {
        SettingKey {
            name: name.into(),
            index: None,
        }
    }

    /// A per-account (per-identity) setting.
    pub fn account(name: impl Into<CompactString>, index: u16) -> Self {
        SettingKey {
            name: name.into(),
            index: Some(index),
        }
    }
}

impl fmt::Display for SettingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.index {
            Some(index) => write!(f, "{}[{index}]", self.name),
            None => f.write_str(&self.name),
        }
    }
}

/// One setting as the file states it. `Debug` shows a secret's value as `redacted`, so no log or
/// panic message can carry it.
#[derive(Clone, PartialEq, Eq, Serialize)]
pub struct Setting {
    /// The value.
    pub value: Value,
    /// Where it was written.
    pub origin: Origin,
    /// Snom permission flag, when the format carries one.
    pub perm: Option<Perm>,
    /// True when the value is a secret (password, PIN, key): never shown, only judged.
    pub secret: bool,
    /// True when the setting sits inside a template conditional (`{if}`, `{% if %}`), so the
    /// rendered file may not contain it.
    pub conditional: bool,
}

impl fmt::Debug for Setting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut debug = f.debug_struct("Setting");
        if self.secret {
            debug.field("value", &"redacted");
        } else {
            debug.field("value", &self.value);
        }
        debug
            .field("origin", &self.origin)
            .field("perm", &self.perm)
            .field("secret", &self.secret)
            .field("conditional", &self.conditional)
            .finish()
    }
}

/// A phone (or other device) as read from one or more configuration files.
#[derive(Debug, Clone, Serialize)]
pub struct Device {
    /// Stable id: the MAC when known, otherwise the first source path.
    pub id: String,
    /// Manufacturer.
    pub vendor: Vendor,
    /// Family used to interpret settings.
    pub family: Family,
    /// How the family became known.
    pub family_basis: FamilyBasis,
    /// Model name, when known (`GRP2612W`, `D785`).
    pub model: Option<String>,
    /// MAC address, 12 lower-case hex digits, when known.
    pub mac: Option<String>,
    /// Files the device was read from.
    pub sources: Vec<Arc<PathBuf>>,
    /// True when a source is a provisioning template rather than a rendered file.
    pub templated: bool,
    /// Settings, last write wins; unordered (see [`Device::settings_in_order`]).
    pub settings: FxHashMap<SettingKey, Setting>,
    /// When the parser kept only some settings (an audit keeps those its checks declare): their
    /// canonical names. Reading any other name is a check that forgot to declare what it reads;
    /// debug builds (and so the tests) stop on it rather than judge a setting as absent.
    pub kept: Option<Arc<FxHashSet<CompactString>>>,
}

impl Device {
    /// A device with no settings yet.
    pub fn new(
        id: impl Into<String>,
        vendor: Vendor,
        family: Family,
        family_basis: FamilyBasis,
    ) -> Self {
        Device {
            id: id.into(),
            vendor,
            family,
            family_basis,
            model: None,
            mac: None,
            sources: Vec::new(),
            templated: false,
            settings: FxHashMap::default(),
            kept: None,
        }
    }

    /// The global setting `name`, if the file set it.
    pub fn global(&self, name: &str) -> Option<&Setting> {
        self.get(&SettingKey::global(name))
    }

    /// The per-account setting `name` of account `index`, if the file set it.
    pub fn account(&self, name: &str, index: u16) -> Option<&Setting> {
        self.get(&SettingKey::account(name, index))
    }

    /// Any setting by key.
    pub fn get(&self, key: &SettingKey) -> Option<&Setting> {
        debug_assert!(
            self.kept
                .as_ref()
                .is_none_or(|kept| kept.contains(key.name.as_str())),
            "setting `{}` read, but the parser was not asked to keep it: add it to the check's \
             declared reads",
            key.name
        );
        self.settings.get(key)
    }

    /// Sets a setting; a later write of the same key replaces an earlier one, as on the phone.
    pub fn set(&mut self, key: SettingKey, setting: Setting) {
        self.settings.insert(key, setting);
    }

    /// Every setting, sorted by key, for checks and reports whose output lists settings (the map
    /// itself is unordered, for speed).
    pub fn settings_in_order(&self) -> Vec<(&SettingKey, &Setting)> {
        let mut settings: Vec<_> = self.settings.iter().collect();
        settings.sort_unstable_by(|a, b| a.0.cmp(b.0));
        settings
    }

    /// Account numbers that appear in any per-account setting, ascending.
    pub fn account_indices(&self) -> Vec<u16> {
        let mut indices: Vec<u16> = self.settings.keys().filter_map(|key| key.index).collect();
        indices.dedup();
        indices.sort_unstable();
        indices.dedup();
        indices
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_a_secret_value() {
        let setting = |secret| Setting {
            value: Value::Literal("hunter2".into()),
            origin: Origin {
                file: Arc::new(PathBuf::from("cfg.xml")),
                line: 1,
                column: 1,
                written_as: "P2".into(),
            },
            perm: None,
            secret,
            conditional: false,
        };
        assert!(!format!("{:?}", setting(true)).contains("hunter2"));
        assert!(format!("{:?}", setting(false)).contains("hunter2"));
    }
}

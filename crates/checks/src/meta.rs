//! The rule file format: metadata as data (one TOML file per check under `rules/<vendor>/`).

use std::collections::BTreeMap;

use serde::Deserialize;
use voipguard_model::{Family, Severity, Vendor};

/// Everything a rule file says about one check.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckMeta {
    /// Stable id: the baseline control id (`GS-SSH-OFF`), or a finer id for one of several checks
    /// deciding a control (`AST-SIP-01` for `PBX-SIP-BRUTE`).
    pub id: String,
    /// The baseline control, when it differs from the id.
    #[serde(default)]
    pub control: Option<String>,
    /// Short statement of the control as it should hold ("SSH is disabled").
    pub title: String,
    /// The single source of truth for the check's severity.
    pub severity: Severity,
    /// Vendor whose devices the check applies to.
    pub vendor: VendorName,
    /// Families the control applies to (baseline "applies" column); others are `not_applicable`.
    pub applies_to: Vec<String>,
    /// Why it matters.
    pub rationale: String,
    /// How to fix it, in general words.
    pub remediation: Remediation,
    /// Guide file and section each control comes from.
    pub references: Vec<Reference>,
    /// How the check decides.
    pub logic: Logic,
}

/// Vendor as written in a rule file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum VendorName {
    /// Grandstream.
    Grandstream,
    /// Snom.
    Snom,
    /// Asterisk-based PBXes.
    Asterisk,
    /// Allworx servers.
    Allworx,
    /// A site's network.
    Site,
}

impl VendorName {
    /// The model's vendor.
    pub fn vendor(self) -> Vendor {
        match self {
            VendorName::Grandstream => Vendor::Grandstream,
            VendorName::Snom => Vendor::Snom,
            VendorName::Asterisk => Vendor::Asterisk,
            VendorName::Allworx => Vendor::Allworx,
            VendorName::Site => Vendor::Site,
        }
    }
}

/// How to fix a failed check.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Remediation {
    /// Prose for a human.
    pub text: String,
    /// Exact setting and value per file format (`pvalue`, `alias`, `snom_xml`, `snom_text`, `web_ui`).
    #[serde(default)]
    pub formats: BTreeMap<String, String>,
}

/// A guide reference.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reference {
    /// Guide file under `shared/guides/` (`000_1c59dd6e36b377dd.txt`).
    pub guide: String,
    /// Section heading in that guide.
    pub section: String,
}

/// How a check decides: a declarative template or Rust code.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "template", rename_all = "snake_case", deny_unknown_fields)]
pub enum Logic {
    /// One global setting compared with the values that pass.
    Setting(SettingRule),
    /// One per-account setting; every account in use must pass.
    AccountSetting(SettingRule),
    /// Logic in `src/code/<id>.rs`.
    Code,
    /// One key of one section of an Asterisk configuration file, with Asterisk's default.
    AsteriskValue(AsteriskRule),
    /// The control lives outside configuration files (a router, the network, the device's
    /// casing): a config audit reports `unknown` and names the evidence that would decide it.
    External {
        /// What decides it: `scan`, `facts`, `provisioning server`…
        checked_by: Vec<String>,
    },
}

/// A setting, its factory default, and the values that pass; per-family variants override it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettingRule {
    /// Canonical setting name (`P276`, `account.sip.transport`, `webserver_type`).
    pub key: String,
    /// Factory default when the file does not set it; absent when unknown (→ `unknown`).
    pub default: Option<String>,
    /// Values that make the control hold.
    pub pass: Vec<String>,
    /// Inclusive numeric range that passes, for numeric settings (`[2, 10]`).
    #[serde(default)]
    pub pass_range: Option<(i64, i64)>,
    /// Values that neither pass nor fail (e.g. a mode whose meaning is unconfirmed).
    #[serde(default)]
    pub undecided: Vec<String>,
    /// Human meaning of values, for messages (`"0" = "HTTPS"`).
    #[serde(default)]
    pub meanings: BTreeMap<String, String>,
    /// Overrides for a family whose setting or defaults differ (`[logic.family.wp820]`).
    #[serde(default)]
    pub family: BTreeMap<String, FamilyVariant>,
}

/// A key in an Asterisk file (`sip.conf` `[general]` `allowguest`), its default and passing values.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AsteriskRule {
    /// Top-level file (`sip.conf`); a set without it makes the check `not_applicable`.
    pub file: String,
    /// Section (`general`).
    pub section: String,
    /// Key (`allowguest`).
    pub key: String,
    /// Asterisk's default when the key is absent, and the version that default assumes.
    pub default: Option<String>,
    /// Values that make the control hold (compared case-insensitively; Asterisk's `ast_true`
    /// spellings `yes`/`true`/`on`/`1` are the same value).
    pub pass: Vec<String>,
    /// Human meaning of values, for messages.
    #[serde(default)]
    pub meanings: BTreeMap<String, String>,
}

/// A per-family override of a [`SettingRule`].
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FamilyVariant {
    /// Setting name for this family, if different.
    pub key: Option<String>,
    /// Default for this family, if different.
    pub default: Option<String>,
    /// Passing values for this family, if different.
    pub pass: Option<Vec<String>>,
    /// Meanings for this family, if different.
    pub meanings: Option<BTreeMap<String, String>>,
}

/// A [`SettingRule`] resolved for one family.
#[derive(Debug, Clone)]
pub struct ResolvedRule<'a> {
    /// Setting name.
    pub key: &'a str,
    /// Factory default.
    pub default: Option<&'a str>,
    /// Passing values.
    pub pass: &'a [String],
    /// Passing numeric range.
    pub pass_range: Option<(i64, i64)>,
    /// Values that decide nothing.
    pub undecided: &'a [String],
    /// Value meanings.
    pub meanings: &'a BTreeMap<String, String>,
}

impl SettingRule {
    /// The rule as it applies to `family`.
    pub fn resolve(&self, family: Family) -> ResolvedRule<'_> {
        let variant = self.family.get(family.as_str());
        ResolvedRule {
            key: variant.and_then(|v| v.key.as_deref()).unwrap_or(&self.key),
            default: variant
                .and_then(|v| v.default.as_deref())
                .or(self.default.as_deref()),
            pass: variant
                .and_then(|v| v.pass.as_deref())
                .unwrap_or(&self.pass),
            pass_range: self.pass_range,
            undecided: &self.undecided,
            meanings: variant
                .and_then(|v| v.meanings.as_ref())
                .unwrap_or(&self.meanings),
        }
    }
}

impl ResolvedRule<'_> {
    /// `value (meaning)` when a meaning is known.
    pub fn describe(&self, value: &str) -> String {
        match self.meanings.get(value) {
            Some(meaning) => format!("{value} ({meaning})"),
            None => value.to_owned(),
        }
    }
}

impl CheckMeta {
    /// The baseline control this check decides.
    pub fn control(&self) -> &str {
        self.control.as_deref().unwrap_or(&self.id)
    }

    /// True when the control applies to `family`.
    pub fn applies_to(&self, family: Family) -> bool {
        self.applies_to
            .iter()
            .any(|name| name == family.as_str() || name == "all")
    }
}

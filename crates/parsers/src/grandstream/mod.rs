//! Grandstream provisioning files: legacy P-value text, XML v1 and XML v2 alias.
//!
//! Every setting is filed under its canonical name (`docs/settings-model.md`): global settings by
//! P-value, per-account settings as `account.<alias tail>` with the account number as index, alias
//! values turned into P-value values.

mod table;
mod text;
mod xml;
mod xml_fast;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use voipguard_model::{Device, Family, FamilyBasis, Origin, Setting, SettingKey, Value, Vendor};

use crate::ParseError;
use crate::keep::Keep;
use crate::template::{is_template, may_hold_template};

pub(crate) use table::{GDS_PVALUES, account_field_names, aliases_named, pvalues_named};
pub use text::parse_text;
pub use xml::parse_xml;

/// Collects the settings of one file into a device.
struct DeviceBuilder<'k> {
    file: Arc<PathBuf>,
    device: Device,
    keep: &'k Keep,
    /// False when the file has no byte a template needs, so no value need be looked at.
    template_bytes: bool,
}

/// Where a setting was written: 1-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Position {
    line: u32,
    column: u32,
}

impl<'k> DeviceBuilder<'k> {
    /// Starts a device whose family comes from the template header, if `text` has one, and whose
    /// MAC comes from a `cfg<mac>` file name.
    fn new(file: &Arc<PathBuf>, text: &str, keep: &'k Keep) -> Self {
        let (family, basis, model) = match family_from_header(text) {
            Some((family, model)) => (family, FamilyBasis::Content, model),
            None => (Family::Unknown, FamilyBasis::Assumed, None),
        };
        let mut device = Device::new(String::new(), Vendor::Grandstream, family, basis);
        device.model = model;
        device.mac = mac_from_file_name(file);
        device.sources = vec![Arc::clone(file)];
        device.kept = keep.kept_names();
        device.settings.reserve(keep.capacity_for(text));
        DeviceBuilder {
            file: Arc::clone(file),
            device,
            keep,
            template_bytes: may_hold_template(text),
        }
    }

    /// True when the setting written as `name` is kept; readers skip the rest cheaply, without
    /// computing its position.
    fn keeps(&self, name: &str) -> bool {
        if let Some(number) = pvalue_number(name) {
            self.keep.pvalue(number)
        } else if self.template_bytes && is_template(name) {
            // A templated name says nothing about which setting it sets: keep it, as unknown.
            true
        } else {
            // Every account setting is kept, whatever its field: which accounts a file mentions
            // decides which accounts the checks judge.
            name.starts_with("account.") || self.keep.name(name)
        }
    }

    /// Adds one setting as written, if kept. `name` is a P-value (`P276`), an alias
    /// (`account.1.sip.transport`) or a templated name; `value` is the raw value text; `at` gives
    /// its position, asked only for a setting kept.
    fn add(&mut self, name: &str, value: &str, at: impl FnOnce() -> Position, conditional: bool) {
        if self.keeps(name) {
            self.insert(name, value, at(), conditional);
        } else {
            self.skip(value);
        }
    }

    /// [`DeviceBuilder::add`] for a setting its reader already knows to be P-value `number`.
    fn add_pvalue(&mut self, number: u32, name: &str, value: &str, at: impl FnOnce() -> Position) {
        if self.keep.pvalue(number) {
            self.insert(name, value, at(), false);
        } else {
            self.skip(value);
        }
    }

    /// Passes over a setting not kept.
    fn skip(&mut self, value: &str) {
        // A template anywhere makes the file a template, kept settings or not.
        if self.template_bytes {
            self.device.templated |= is_template(value);
        }
    }

    /// Adds a setting [`DeviceBuilder::keeps`] keeps.
    fn insert(&mut self, name: &str, value: &str, at: Position, conditional: bool) {
        let templated_name = is_template(name);
        let (key, converted) = if let Some(number) = pvalue_number(name) {
            (table::pvalue_key(number, self.device.family), value.into())
        } else if templated_name && !name.starts_with("account.") {
            // A generated P-value number (`P{{ position }}01`) names nothing the table knows.
            (SettingKey::global(name), value.into())
        } else {
            let alias = table::alias(name);
            (alias.key, table::alias_value(alias.values, value))
        };
        let templated = templated_name || is_template(value);
        let value = if templated {
            Value::Template(value.into())
        } else {
            Value::Literal(converted.as_ref().into())
        };
        self.device.templated |= templated;
        let secret = table::is_secret(&key, name);
        self.device.set(
            key,
            Setting {
                value,
                origin: Origin {
                    file: Arc::clone(&self.file),
                    line: at.line,
                    column: at.column,
                    written_as: name.into(),
                },
                perm: None,
                secret,
                conditional,
            },
        );
    }

    /// The MAC the file states (already normalised).
    fn mac(&mut self, mac: String) {
        self.device.mac = Some(mac);
    }

    /// Marks the device as a provisioning template (a directive or templated MAC was seen).
    fn templated(&mut self) {
        self.device.templated = true;
    }

    fn finish(mut self) -> Device {
        if self.device.family == Family::Unknown
            && table::GDS_PVALUES
                .iter()
                .any(|name| self.device.global(name).is_some())
        {
            self.device.family = Family::Gds;
            self.device.family_basis = FamilyBasis::Content;
        }
        self.device.id = match &self.device.mac {
            Some(mac) => mac.clone(),
            None => self.file.display().to_string(),
        };
        self.device
    }
}

/// `271` for `P271`; `None` for anything else (aliases, templated names, numbers too large).
fn pvalue_number(name: &str) -> Option<u32> {
    let digits = name.strip_prefix('P')?.as_bytes();
    if digits.is_empty() {
        return None;
    }
    // One plain pass, no UTF-8 or sign handling: this runs on every setting of every file.
    let mut number: u32 = 0;
    for &byte in digits {
        let digit = byte.wrapping_sub(b'0');
        if digit > 9 {
            return None;
        }
        number = number.checked_mul(10)?.checked_add(u32::from(digit))?;
    }
    Some(number)
}

/// How far into a file the template header ("Configuration Template For GRP26xx …") may be.
const HEADER_WINDOW: usize = 16 * 1024;

/// Family (and the model, when the header names exactly one) from a vendor template header such
/// as `Configuration Template For WP820 Version 1.0.1.16`.
fn family_from_header(text: &str) -> Option<(Family, Option<String>)> {
    let mut end = text.len().min(HEADER_WINDOW);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    const MARKER: &[u8] = b"template for ";
    // Candidates by a vectorised search for the word's tail as vendors write it ("Template",
    // "template", "TEMPLATE"), then the whole marker in any case: a byte-wise look at every
    // `t` of the window cost more than the rest of reading a small file.
    let head = text.as_bytes().get(..end)?;
    let start = [&b"emplate"[..], b"EMPLATE"]
        .into_iter()
        .filter_map(|tail| {
            memchr::memmem::find_iter(head, tail).find_map(|at| {
                let candidate = head.get(at.checked_sub(1)?..at - 1 + MARKER.len())?;
                candidate.eq_ignore_ascii_case(MARKER).then_some(at - 1)
            })
        })
        .min()?
        + MARKER.len();
    let token: String = text
        .get(start..end)?
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '/')
        .collect();
    let family = Family::from_model(&token)?;
    let names_one_model = token.chars().all(|c| c.is_ascii_alphanumeric())
        && token
            .get(2..)
            .is_some_and(|number| !number.contains(['x', 'X']));
    Some((family, names_one_model.then_some(token)))
}

/// Twelve lower-case hex digits from a MAC written with or without separators.
fn normalise_mac(written: &str) -> Option<String> {
    let digits: String = written
        .chars()
        .filter(|c| !matches!(c, ':' | '-' | '.') && !c.is_whitespace())
        .collect();
    (digits.len() == 12 && digits.chars().all(|c| c.is_ascii_hexdigit()))
        .then(|| digits.to_ascii_lowercase())
}

/// The MAC in a file name `cfg<mac>.xml` or `cfg<mac>` (any case, any prefix before `cfg`).
fn mac_from_file_name(file: &Path) -> Option<String> {
    let name = file.file_name()?.to_str()?.to_ascii_lowercase();
    let stem = name.strip_suffix(".xml").unwrap_or(&name);
    let mac = stem.get(stem.len().checked_sub(12)?..)?;
    let before = stem.get(..stem.len() - 12)?;
    before
        .ends_with("cfg")
        .then(|| normalise_mac(mac))
        .flatten()
}

/// A parse error at `at`.
fn error_at(file: &Arc<PathBuf>, at: Position, message: String) -> ParseError {
    crate::text::error(file, at.line, at.column, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn family_comes_from_the_template_header() {
        let cases = [
            (
                "<!-- ## Configuration Template For GRP26xx Firmware Version 1.0.3.6 -->",
                Family::Grp,
                None,
            ),
            (
                "<!-- Configuration Template for GRP261x/2x/3x/5x/7x Firmware -->",
                Family::Grp,
                None,
            ),
            (
                "<!-- ## Configuration Template For WP820 Version 1.0.1.16 -->",
                Family::Wp820,
                Some("WP820"),
            ),
            (
                "<!-- Configuration Template For GXP21xx Firmware Version 1.0.5.32 -->",
                Family::Gxp,
                None,
            ),
        ];
        for (header, family, model) in cases {
            let found = family_from_header(header);
            assert_eq!(found, Some((family, model.map(String::from))), "{header}");
        }
        assert_eq!(family_from_header("<gs_provision/>"), None);
    }

    #[test]
    fn mac_comes_from_cfg_file_names() {
        assert_eq!(
            mac_from_file_name(Path::new("/x/cfg000B82123456.xml")).as_deref(),
            Some("000b82123456")
        );
        assert_eq!(
            mac_from_file_name(Path::new("cfg000b82123456")).as_deref(),
            Some("000b82123456")
        );
        assert_eq!(
            mac_from_file_name(Path::new("site_cfg000b828c8f97.xml")).as_deref(),
            Some("000b828c8f97")
        );
        assert_eq!(mac_from_file_name(Path::new("cfg.xml")), None);
        assert_eq!(mac_from_file_name(Path::new("cfg00zz82123456.xml")), None);
        assert_eq!(mac_from_file_name(Path::new("x000b82123456.xml")), None);
    }

    #[test]
    fn macs_are_normalised() {
        assert_eq!(
            normalise_mac("00:0B:82:12:34:56").as_deref(),
            Some("000b82123456")
        );
        assert_eq!(
            normalise_mac("000b82-123456").as_deref(),
            Some("000b82123456")
        );
        assert_eq!(normalise_mac("000b8212345"), None);
    }
}

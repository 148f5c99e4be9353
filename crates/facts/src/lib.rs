//! Facts files: what an operator states about settings that live in a GUI or a router, not in a
//! configuration file (an Allworx server, a ScopTEL PBX's GUI and host, the site's network).
//!
//! ```toml
//! kind = "scoptel"
//! device = "pbx/etc-asterisk"   # the Asterisk folder as given to `voipguard audit`
//!
//! [gui]
//! admin_password = "strong"     # a judgement, never the password
//! access = "https-only"
//! ```
//!
//! [`read`] validates a file against the [`Kind`]'s schema (unknown keys and wrong types are
//! errors naming file and line) and turns it into a `voipguard_model::Device` whose settings are
//! the facts (`facts.gui.admin_password`), each with the file and line it was written at, so
//! checks read facts like any other setting. [`template`] writes a commented template in which
//! every fact is left unset, so an untouched template decides nothing.
#![deny(missing_docs)]

mod schema;
mod template;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use thiserror::Error;
use toml::Spanned;
use toml::de::{DeTable, DeValue};
use voipguard_model::{Device, Family, FamilyBasis, Origin, Setting, SettingKey, Value, Vendor};

pub use schema::{Choice, Fact, Kind, ValueType};
pub use template::template;

/// A facts file that does not hold to its schema.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{}:{line}:{column}: {message}", file.display())]
pub struct FactsError {
    /// The facts file.
    pub file: PathBuf,
    /// 1-based line of the offending key or value.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
    /// What is wrong and what was expected.
    pub message: String,
}

/// A facts file read and validated.
#[derive(Debug, Clone)]
pub struct Facts {
    /// What it describes.
    pub kind: Kind,
    /// The device it describes, with the facts as settings (`facts.<table>.<key>`).
    pub device: Device,
}

/// The kind of facts file `text` declares, if it is one: a top-level `kind = "allworx"`,
/// `"scoptel"` or `"site"` before any table header. Read line by line, so a file whose TOML is
/// broken further down is still recognised, and its error reported with its line.
pub fn sniff(text: &str) -> Option<Kind> {
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            return None;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        if key.trim() != "kind" {
            continue;
        }
        let value = value.split('#').next().unwrap_or_default().trim();
        let name = value
            .strip_prefix('"')
            .and_then(|rest| rest.strip_suffix('"'))
            .or_else(|| {
                value
                    .strip_prefix('\'')
                    .and_then(|rest| rest.strip_suffix('\''))
            })?;
        return Kind::from_name(name);
    }
    None
}

/// Reads the facts file `path` whose content is `text`.
pub fn read(path: &Path, text: &str) -> Result<Facts, FactsError> {
    let file = Arc::new(path.to_path_buf());
    let lines = LineIndex::new(text);
    let error = |span: std::ops::Range<usize>, message: String| {
        let (line, column) = lines.locate(span.start);
        FactsError {
            file: path.to_path_buf(),
            line,
            column,
            message,
        }
    };
    let document = DeTable::parse(text)
        .map_err(|err| error(err.span().unwrap_or(0..0), err.message().trim().to_owned()))?;
    let document = document.get_ref();
    let document_start = 0..0;

    let kind_value = top_level_string(document, "kind", &error)?;
    let (kind_name, kind_span) = kind_value.ok_or_else(|| {
        error(
            document_start.clone(),
            "missing `kind` (expected \"allworx\", \"scoptel\" or \"site\")".into(),
        )
    })?;
    let kind = Kind::from_name(kind_name).ok_or_else(|| {
        error(
            kind_span.clone(),
            format!("unknown kind \"{kind_name}\" (expected \"allworx\", \"scoptel\" or \"site\")"),
        )
    })?;
    let (device_name, _) = top_level_string(document, "device", &error)?.ok_or_else(|| {
        error(
            document_start,
            "missing `device` (the name of the device these facts describe)".into(),
        )
    })?;
    let (vendor, family) = match kind {
        Kind::Allworx => (Vendor::Allworx, Family::Allworx),
        Kind::Scoptel => (Vendor::Asterisk, Family::Asterisk),
        Kind::Site => (Vendor::Site, Family::Site),
    };
    let mut device = Device::new(device_name, vendor, family, FamilyBasis::Content);
    device.sources.push(file.clone());

    for (key, value) in document.iter() {
        let name = key.get_ref().as_ref();
        if name == "kind" || name == "device" {
            continue;
        }
        let DeValue::Table(table) = value.get_ref() else {
            return Err(error(
                key.span(),
                format!("unknown key `{name}` (expected `kind`, `device` or a table of facts)"),
            ));
        };
        if !kind.facts().iter().any(|fact| fact.table == name) {
            return Err(error(
                key.span(),
                format!(
                    "unknown table [{name}] in a {} facts file (expected {})",
                    kind.as_str(),
                    table_names(kind)
                ),
            ));
        }
        for (fact_key, fact_value) in table.iter() {
            let fact_name = fact_key.get_ref().as_ref();
            let Some(fact) = kind
                .facts()
                .iter()
                .find(|fact| fact.table == name && fact.key == fact_name)
            else {
                return Err(error(
                    fact_key.span(),
                    format!(
                        "unknown fact `{fact_name}` in [{name}] (expected {})",
                        key_names(kind, name)
                    ),
                ));
            };
            let literal = literal(fact, fact_value).map_err(|message| {
                error(fact_value.span(), format!("{name}.{fact_name}: {message}"))
            })?;
            let (line, column) = lines.locate(fact_key.span().start);
            device.set(
                SettingKey::global(fact.setting_name()),
                Setting {
                    value: Value::Literal(literal.into()),
                    origin: Origin {
                        file: file.clone(),
                        line,
                        column,
                        written_as: format!("{name}.{fact_name}").into(),
                    },
                    perm: None,
                    secret: false,
                    conditional: false,
                },
            );
        }
    }
    Ok(Facts { kind, device })
}

/// A top-level string (`kind`, `device`) and its span; a non-string is an error.
fn top_level_string<'a>(
    document: &'a DeTable<'_>,
    name: &str,
    error: &impl Fn(std::ops::Range<usize>, String) -> FactsError,
) -> Result<Option<(&'a str, std::ops::Range<usize>)>, FactsError> {
    match document.get(name) {
        None => Ok(None),
        Some(value) => match value.get_ref() {
            DeValue::String(text) => Ok(Some((text.as_ref(), value.span()))),
            other => Err(error(
                value.span(),
                format!("`{name}` must be a string, not a {}", other.type_str()),
            )),
        },
    }
}

/// The value as checks read it (`true`, `443`, `strong`), or what was expected instead.
fn literal(fact: &Fact, value: &Spanned<DeValue<'_>>) -> Result<String, String> {
    let expected = fact.value.expected();
    match (fact.value, value.get_ref()) {
        (ValueType::Bool, DeValue::Boolean(flag)) => Ok(flag.to_string()),
        (ValueType::Port, DeValue::Integer(number)) => {
            match u16::from_str_radix(number.as_str(), number.radix()) {
                Ok(port) if port != 0 => Ok(port.to_string()),
                _ => Err(format!("expected {expected}, found {number}")),
            }
        }
        (ValueType::Choice(choices), DeValue::String(text)) => choices
            .iter()
            .find(|choice| choice.value == text.as_ref())
            .map(|choice| choice.value.to_owned())
            // The unknown text is not echoed: an operator may have typed a password here.
            .ok_or_else(|| format!("expected {expected}, found another string")),
        (_, other) => Err(format!("expected {expected}, found a {}", other.type_str())),
    }
}

fn table_names(kind: Kind) -> String {
    let mut names: Vec<String> = Vec::new();
    for fact in kind.facts() {
        let name = format!("[{}]", fact.table);
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names.join(", ")
}

fn key_names(kind: Kind, table: &str) -> String {
    let names: Vec<&str> = kind
        .facts()
        .iter()
        .filter(|fact| fact.table == table)
        .map(|fact| fact.key)
        .collect();
    names.join(", ")
}

/// Byte offsets to 1-based line and column.
struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    fn new(text: &'a str) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(at, _)| at + 1))
            .collect();
        LineIndex { text, starts }
    }

    fn locate(&self, offset: usize) -> (u32, u32) {
        let line = self.starts.partition_point(|&start| start <= offset).max(1);
        let start = self.starts.get(line - 1).copied().unwrap_or(0);
        let column = self
            .text
            .get(start..offset.min(self.text.len()))
            .map_or(0, |prefix| prefix.chars().count())
            + 1;
        (
            u32::try_from(line).unwrap_or(u32::MAX),
            u32::try_from(column).unwrap_or(u32::MAX),
        )
    }
}

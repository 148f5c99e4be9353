//! Reads phone provisioning files into [`voipguard_model::Device`]s.
//!
//! The format is chosen from the content, never the file name ([`detect`]). Every value keeps
//! file, line and column; provisioning-template expressions (Smarty `{$var}`, Jinja `{{ var }}`,
//! `{% if %}`) become [`voipguard_model::Value::Template`]; secrets are marked so no output shows
//! them. A file that is not a phone configuration is [`Parsed::Skipped`] with a reason; a file that
//! claims a format but breaks it is a [`ParseError`] naming file, line, column and what was
//! expected. No input makes a parser panic.
#![deny(missing_docs)]

mod detect;
pub mod grandstream;
mod keep;
pub mod snom;
mod template;
mod text;
mod xml_scan;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use thiserror::Error;
use voipguard_model::Device;

pub use detect::{Format, detect};
pub use keep::Keep;
pub use template::is_template;

/// What reading one file gave.
#[derive(Debug)]
pub enum Parsed {
    /// A phone configuration.
    Device(Box<Device>),
    /// Not a phone configuration this version reads; the reason says what it looks like.
    Skipped {
        /// Why the file was not read as a configuration.
        reason: String,
    },
}

/// A file that could not be read as the format it claims to be.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[error("{}:{line}:{column}: {message}", file.display())]
pub struct ParseError {
    /// The file.
    pub file: PathBuf,
    /// 1-based line of the problem.
    pub line: u32,
    /// 1-based column of the problem.
    pub column: u32,
    /// What was wrong and what was expected.
    pub message: String,
}

/// Parses one file's bytes. `path` is used for provenance and for the MAC or model a file name
/// carries (`cfg000b82123456.xml`, `snom760-000413A1B2C3.htm`), never to choose the format.
pub fn parse(path: &Path, bytes: &[u8]) -> Result<Parsed, ParseError> {
    parse_keeping(path, bytes, &Keep::all())
}

/// Parses one file's bytes as [`parse`] does, keeping only the settings `keep` names: every line
/// is still read and validated (errors and templates are found as before), but the device holds
/// only what the caller will read.
pub fn parse_keeping(path: &Path, bytes: &[u8], keep: &Keep) -> Result<Parsed, ParseError> {
    let file = Arc::new(path.to_path_buf());
    let text = text::decode(&file, bytes)?;
    match detect(&text) {
        Some(Format::GrandstreamText) => grandstream::parse_text(&file, &text, keep).map(boxed),
        Some(Format::GrandstreamXml) => grandstream::parse_xml(&file, &text, keep).map(boxed),
        Some(Format::SnomXml) => snom::parse_xml(&file, &text, keep).map(boxed),
        Some(Format::SnomText) => snom::parse_text(&file, &text, keep).map(boxed),
        Some(Format::SnomSettingFiles) => Ok(Parsed::Skipped {
            reason:
                "a Snom <setting-files> container: it only lists other files; audit those files"
                    .into(),
        }),
        None => Ok(Parsed::Skipped {
            reason: detect::describe_unknown(&text),
        }),
    }
}

fn boxed(device: Device) -> Parsed {
    Parsed::Device(Box::new(device))
}

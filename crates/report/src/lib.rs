//! Renders audit results. One module per output format, all behind [`Emitter`]: results stream
//! in one device at a time (a fleet is never held in memory by the JSON and text emitters), then
//! [`Emitter::finish`] writes what concerns the whole run.
//!
//! Reports only ever see [`voipguard_model::Evidence`], whose values are already redacted for
//! secrets; no emitter has access to a raw setting value.
#![deny(missing_docs)]

mod html;
mod json;
mod present;
mod sarif;
mod summary;
mod text;

use std::io::{self, Write};
use std::path::PathBuf;

use voipguard_checks::Catalogue;
use voipguard_model::{Device, Finding, Observation};

pub use html::HtmlEmitter;
pub use json::JsonEmitter;
pub use sarif::SarifEmitter;
pub use summary::{DeviceScore, Summary};
pub use text::TextEmitter;

/// Version of the JSON contract (`docs/json-output.md`).
pub const JSON_VERSION: u32 = 1;

/// One device and what the checks found.
#[derive(Debug, Clone, Copy)]
pub struct DeviceResult<'a> {
    /// The device.
    pub device: &'a Device,
    /// One finding per check of the device's vendor.
    pub findings: &'a [Finding],
    /// What was learnt that no control decides (a scan's hardening notes); never scored. Empty
    /// for an audit, and then every format is written exactly as before the field existed.
    pub observations: &'a [Observation],
}

/// A file that was read but is not a configuration this version audits.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Skipped {
    /// The file.
    pub file: PathBuf,
    /// Why.
    pub reason: String,
}

/// A file that could not be read or parsed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct InputError {
    /// The file (or folder).
    pub file: PathBuf,
    /// 1-based line, when the problem has a position.
    pub line: Option<u32>,
    /// 1-based column, when the problem has a position.
    pub column: Option<u32>,
    /// What went wrong and what was expected.
    pub message: String,
}

/// Everything an emitter needs besides the results.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// The check catalogue (titles, remediation, references).
    pub catalogue: &'static Catalogue,
    /// Use colours (only on a terminal).
    pub color: bool,
    /// List passing and not-applicable checks and every account, not only failures.
    pub verbose: bool,
}

/// An output format.
pub trait Emitter {
    /// Writes one device's results.
    fn device(&mut self, result: DeviceResult<'_>) -> io::Result<()>;
    /// Writes what concerns the whole run and flushes.
    fn finish(
        &mut self,
        skipped: &[Skipped],
        errors: &[InputError],
        summary: &Summary,
    ) -> io::Result<()>;
}

/// The output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Grouped per device, for a terminal.
    Text,
    /// The versioned JSON contract.
    Json,
    /// SARIF 2.1.0.
    Sarif,
    /// One self-contained HTML page.
    Html,
}

/// The emitter for `format`, writing to `out`.
pub fn emitter<'w>(
    format: Format,
    out: Box<dyn Write + 'w>,
    options: Options,
) -> Box<dyn Emitter + 'w> {
    match format {
        Format::Text => Box::new(TextEmitter::new(out, options)),
        Format::Json => Box::new(JsonEmitter::new(out, options)),
        Format::Sarif => Box::new(SarifEmitter::new(out, options)),
        Format::Html => Box::new(HtmlEmitter::new(out, options)),
    }
}

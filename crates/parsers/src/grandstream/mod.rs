//! Grandstream provisioning files: legacy P-value text, XML v1 and XML v2 alias.

use std::path::PathBuf;
use std::sync::Arc;

use voipguard_model::Device;

use crate::ParseError;

/// Parses `Pnnn = value` text.
pub fn parse_text(file: &Arc<PathBuf>, text: &str) -> Result<Device, ParseError> {
    let _ = (file, text);
    todo!("grandstream text parser")
}

/// Parses `<gs_provision>` XML (v1 P-values or v2 aliases, flat or nested `<part>`).
pub fn parse_xml(file: &Arc<PathBuf>, text: &str) -> Result<Device, ParseError> {
    let _ = (file, text);
    todo!("grandstream xml parser")
}

//! Snom provisioning files: XML (`<settings>`, `idx`, `perm`) and plain text (`name[flag]: value`).

use std::path::PathBuf;
use std::sync::Arc;

use voipguard_model::Device;

use crate::ParseError;

/// Parses `name[flag]: value` text.
pub fn parse_text(file: &Arc<PathBuf>, text: &str) -> Result<Device, ParseError> {
    let _ = (file, text);
    todo!("snom text parser")
}

/// Parses `<settings>` / `<phone-settings>` XML.
pub fn parse_xml(file: &Arc<PathBuf>, text: &str) -> Result<Device, ParseError> {
    let _ = (file, text);
    todo!("snom xml parser")
}

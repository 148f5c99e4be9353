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

use voipguard_model::{Device, Finding};

/// Runs every check of the device's vendor, in catalogue order: one finding per check.
pub fn evaluate(catalogue: &'static Catalogue, device: &Device) -> Vec<Finding> {
    catalogue
        .checks()
        .iter()
        .filter(|check| check.meta.vendor.vendor() == device.vendor)
        .map(|check| check.evaluate(device))
        .collect()
}

//! The normalised model every voipguard crate speaks: devices read from configuration files, their
//! settings with provenance (file, line, column), and the findings checks produce about them.
//!
//! Parsers build [`Device`]s, checks turn them into [`Finding`]s, reports render findings. Nothing
//! here does I/O.
#![deny(missing_docs)]

mod device;
mod finding;

pub use device::{Device, Family, FamilyBasis, Origin, Perm, Setting, SettingKey, Value, Vendor};
pub use finding::{Evidence, Finding, Severity, Status};

//! The normalised model every voipguard crate speaks: devices read from configuration files, their
//! settings with provenance (file, line, column), and the findings checks produce about them.
//!
//! Parsers build [`Device`]s, checks turn them into [`Finding`]s, reports render findings. Nothing
//! here does I/O.
#![deny(missing_docs)]

mod device;
mod finding;

/// Short text stored inline (up to 24 bytes) or as a `&'static str`: setting names, values and
/// names as written, of which a fleet holds millions, without a heap allocation each.
pub use compact_str::CompactString;
pub use device::{Device, Family, FamilyBasis, Origin, Perm, Setting, SettingKey, Value, Vendor};
pub use finding::{Evidence, Finding, Observation, ObservationKind, Severity, Status};

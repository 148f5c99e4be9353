//! Checks whose logic is too rich for a template: one file per check, named after its id.

use std::fmt::Debug;

use voipguard_model::Finding;

use crate::context::Context;

/// A check implemented in Rust; its metadata still lives in its rule file.
pub(crate) trait CodeCheck: Debug + Sync {
    /// The check id, equal to its rule file's id.
    fn id(&self) -> &'static str;
    /// Decides the control for one device.
    fn run(&self, cx: &Context<'_>) -> Finding;
}

/// Every code check.
pub(crate) const CODE_CHECKS: &[&dyn CodeCheck] = &[];

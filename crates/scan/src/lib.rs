//! Finds the live SIP hosts in an address scope the operator owns and tells what they are.
//!
//! * [`scope`]: targets (addresses, CIDRs, ranges, host names, files) and the [`Scope`] they must
//!   lie in; [`Scope::plan`] admits them before any packet exists.
//! * [`sip`]: the OPTIONS probe and response parsing, with IPv6 hosts bracketed everywhere.
//! * [`sweep`]: the paced, retransmitting UDP sweep over one socket per family, and TCP probes.
//! * [`fingerprint`]: vendor, product, model and firmware from a data table, with a confidence
//!   that grows with the number of agreeing signals.
#![deny(missing_docs)]

pub mod fingerprint;
pub mod scope;
pub mod sip;
pub mod sweep;

pub use fingerprint::{Fingerprint, FingerprintTable};
pub use scope::{Plan, Scope, ScopeError, Target};
pub use sip::Transport;
pub use sweep::{SipHost, Sweep, SweepConfig, SweepSummary, tcp_sweep, udp_sweep};

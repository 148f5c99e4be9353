//! The brain of `voipguard guard`: reads Asterisk (chan_sip, PJSIP, IAX2, manager, security log,
//! FreePBX), AMI security events and sshd lines into failures by a remote peer, and decides which
//! sources to ban and which distributed attacks to report.
//!
//! ```
//! use voipguard_guard::{Engine, LineOutcome, Parser, Policy};
//!
//! let mut parser = Parser::new(2024);
//! let mut engine = Engine::new(Policy::default());
//! let line = "[2024-11-06 08:00:07] NOTICE[4500] chan_sip.c: Registration from \
//!             '<sip:100@203.0.113.1>' failed for '198.51.100.10:5060' - Wrong password";
//! if let LineOutcome::Failure(failure) = parser.parse_line(line) {
//!     assert_eq!(failure.address.to_string(), "198.51.100.10");
//!     let decisions = engine.observe(&failure, failure.time.unwrap_or(0));
//!     assert!(decisions.is_empty()); // one failure is not yet a ban
//! }
//! ```
//!
//! The address is always the one Asterisk or sshd writes for the socket peer (the quoted
//! `addr:port`, the security event's `RemoteAddress`, sshd's `from <addr>`), never text the
//! client chose; lines that name a failure but cannot be read safely come back as
//! [`LineOutcome::Unparsed`] so they are counted, not lost.
#![deny(missing_docs)]

mod addr;
mod addrmap;
pub mod decide;
pub mod event;
pub mod parse;
pub mod replay;

pub use decide::{ActiveBan, BanReason, Decision, Engine, EngineState, Policy, Threshold};
pub use event::{Failure, LineOutcome, Reason, Service};
pub use ipnet::IpNet;
pub use parse::{Parser, SshdMode, parse_ami_event};
pub use replay::{Replay, ReplayReport, SourceReport, UnparsedExample};

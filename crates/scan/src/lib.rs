//! Finds the live SIP hosts in an address scope the operator owns and tells what they are.
//!
//! * [`scope`]: targets (addresses, CIDRs, ranges, host names, files) and the [`Scope`] they must
//!   lie in; [`Scope::plan`] admits them before any packet exists.
//! * [`sip`]: the OPTIONS probe and response parsing, with IPv6 hosts bracketed everywhere.
//! * [`sweep`]: the paced, retransmitting UDP sweep over one socket per family, and TCP and TLS
//!   probes (the certificate recorded, never trusted).
//! * [`accounts`]: the per-account SIP ports of multi-account phones (UDP/TCP 5060, 5062, …;
//!   TLS 5061, 5063, …), probed on the hosts that answered.
//! * [`fingerprint`]: vendor, product, model and firmware from a data table, with a confidence
//!   that grows with the number of agreeing signals.
//! * [`services`]: SSH, Telnet, FTP, AMI banners, web UIs over HTTP and TLS (certificate chain
//!   kept), TR-069, SNMP `sysDescr` with factory communities, TFTP provisioning files; built on
//!   [`http`], [`tls`], [`tls_versions`] (TLS 1.0/1.1 asked with a hand-made ClientHello),
//!   [`snmp`] and [`tftp`]; ADB on Android phones ([`adb`]) and IAX2 by a paced POKE sweep
//!   ([`iax2`]).
//! * [`scanner_filter`]: whether a host that answered drops what SIPVicious sends (a hardening
//!   observation, not an absence).
//! * [`intrusive`]: opt-in checks a host acts on (test calls, extension enumeration, SIP secret
//!   and default web login guessing), paced, logged and cleaned up.
//! * [`exposure`]: what the services show, judged against the baseline controls a scan decides,
//!   one finding per control, and set beside an audited configuration of the same device.
//! * [`credentials`]: the site's users and passwords for checks that log in, never shown.
#![deny(missing_docs)]

pub mod accounts;
pub mod adb;
pub mod credentials;
pub mod exposure;
pub mod fingerprint;
pub mod http;
pub mod iax2;
pub mod intrusive;
pub mod leaked;
pub mod scanner_filter;
pub mod scope;
pub mod services;
pub mod sip;
pub mod snmp;
pub mod sweep;
pub mod tftp;
pub mod tls;
pub mod tls_versions;

pub use credentials::{Credential, CredentialKind, Secret};
pub use exposure::{
    Assessed, HostEvidence, assess, assess_as, judge_intrusive, judge_sip_transports,
    judge_web_auth, merge_same_check, observe, side_by_side,
};
pub use fingerprint::{Fingerprint, FingerprintTable, WebPage};
pub use intrusive::{
    HostChecks, IntrusiveCheck, IntrusiveConfig, WebAuth, run_intrusive, run_web_auth,
};
pub use leaked::{Leaked, LeakedFile, audit_leaked, is_served_copy_of, join_served_copy};
pub use scope::{Plan, Scope, ScopeError, Target};
pub use services::{HostHints, HostServices, Service, ServiceConfig, probe_services};
pub use sip::Transport;
pub use sweep::{SipHost, Sweep, SweepConfig, SweepSummary, tcp_sweep, tls_sweep, udp_sweep};

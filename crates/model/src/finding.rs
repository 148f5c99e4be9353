//! Findings: what a check concluded about a device.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;

use serde::Serialize;

/// How bad a failed control is (see `baseline.md`: critical = takeover or toll fraud one step
/// away, high = credentials or calls can be sniffed or spoofed, medium = attack surface, low =
/// defence in depth).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Informational.
    Info,
    /// Defence in depth.
    Low,
    /// Attack surface without direct compromise.
    Medium,
    /// Credentials or calls can be sniffed or spoofed.
    High,
    /// Remote takeover or toll fraud is one step away.
    Critical,
}

impl Severity {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// Weight in the score (critical 10, high 5, medium 3, low 1, info 0).
    pub fn weight(self) -> u32 {
        match self {
            Severity::Info => 0,
            Severity::Low => 1,
            Severity::Medium => 3,
            Severity::High => 5,
            Severity::Critical => 10,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Ok(match text.to_ascii_lowercase().as_str() {
            "info" => Severity::Info,
            "low" => Severity::Low,
            "medium" => Severity::Medium,
            "high" => Severity::High,
            "critical" => Severity::Critical,
            other => {
                return Err(format!(
                    "unknown severity `{other}` (expected info, low, medium, high or critical)"
                ));
            }
        })
    }
}

/// The verdict of one check on one device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The control holds.
    Pass,
    /// The control does not hold.
    Fail,
    /// The evidence cannot decide (template variable, setting not mapped for this family…).
    Unknown,
    /// The control does not apply to this device.
    NotApplicable,
}

impl Status {
    /// Snake-case name, as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Unknown => "unknown",
            Status::NotApplicable => "not_applicable",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One piece of evidence: a setting as read (or the factory default that applies).
///
/// `value` never holds a secret: secret settings carry `redacted (…judgement…)` instead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evidence {
    /// The file, or `None` when the factory default applies because the file does not set it.
    pub file: Option<Arc<PathBuf>>,
    /// 1-based line in `file`.
    pub line: Option<u32>,
    /// 1-based column in `file`.
    pub column: Option<u32>,
    /// The setting as written (`P276`, `account.1.sip.transport`, `user_srtp2`).
    pub setting: String,
    /// The value, or a description of it for secrets and defaults.
    pub value: String,
    /// True when the value is the factory default because the file does not set it.
    pub default: bool,
}

/// What a check concluded about a device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The check id: the baseline control id for phone checks; a finer id (`AST-SIP-01`) for
    /// PBX checks, several of which decide one control.
    pub check: &'static str,
    /// The baseline control the check decides (`PBX-SIP-BRUTE`).
    pub control: &'static str,
    /// Verdict.
    pub status: Status,
    /// Severity of the check (from its metadata).
    pub severity: Severity,
    /// One sentence for a human: what was found.
    pub message: String,
    /// Settings that decided the verdict.
    pub evidence: Vec<Evidence>,
}

/// What an observation is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ObservationKind {
    /// The host answers ordinary SIP requests but drops scanner-like ones (hardening).
    ScannerFilter,
    /// A TLS port still accepts TLS 1.0 or 1.1 and no control of the device's make covers it.
    LegacyTls,
    /// A default web login tried on a host of a make no control covers.
    WebAuth,
    /// The host's services name different makes (SIP says one vendor, its web UI another).
    FingerprintDisagreement,
}

impl ObservationKind {
    /// The name used in every report format.
    pub fn as_str(self) -> &'static str {
        match self {
            ObservationKind::ScannerFilter => "scanner_filter",
            ObservationKind::LegacyTls => "legacy_tls",
            ObservationKind::WebAuth => "web_auth",
            ObservationKind::FingerprintDisagreement => "fingerprint_disagreement",
        }
    }
}

impl fmt::Display for ObservationKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Something learnt about a device that no control decides: a hardening, or a weakness of a make
/// the baseline does not cover. Never scored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Observation {
    /// What it is about.
    pub kind: ObservationKind,
    /// One sentence for a human.
    pub message: String,
    /// What was seen, one item per place (`sip://127.0.0.1:5060/udp: …`); never a secret.
    pub evidence: Vec<String>,
}

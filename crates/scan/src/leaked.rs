//! Provisioning files a scan picked up (a TFTP server handing out `cfg<mac>.xml` to anyone),
//! audited as `voipguard audit` audits files: the leak itself is a finding of the host, what the
//! file configures is judged by the audit's checks, and its secrets stay redacted the same way.
//! A served copy of a configuration the operator audited too (same MAC) joins that device
//! ([`join_served_copy`]) instead of standing as a device of its own.

use std::net::SocketAddr;
use std::path::PathBuf;

use voipguard_checks::Catalogue;
use voipguard_model::Finding;
use voipguard_parsers::{Keep, ParseError, Parsed};

use crate::exposure::{Assessed, merge_same_check};
use crate::services::{Found, HostServices};

/// One file a host handed out, and what reading it gave.
#[derive(Debug)]
pub struct LeakedFile {
    /// Where it came from: `tftp://address:port/name`.
    pub source: PathBuf,
    /// The audit of its content.
    pub outcome: Leaked,
}

/// What reading a leaked file gave.
#[derive(Debug)]
pub enum Leaked {
    /// A phone configuration: the device it configures and the audit's findings.
    Audited(Assessed),
    /// Not a configuration this version reads, and why.
    Skipped(String),
    /// A configuration that breaks its format, with the place.
    Unreadable(ParseError),
}

/// Audits every file `host` handed out, keeping the settings `keep` names (the audit's set).
pub fn audit_leaked(
    host: &HostServices,
    catalogue: &'static Catalogue,
    keep: &Keep,
) -> Vec<LeakedFile> {
    host.services
        .iter()
        .filter_map(|result| match &result.found {
            Found::Tftp { file, content, .. } => Some((result.port, file, content)),
            _ => None,
        })
        .map(|(port, file, content)| {
            let source = PathBuf::from(format!(
                "tftp://{}/{file}",
                SocketAddr::new(host.address, port)
            ));
            let outcome = match voipguard_parsers::parse_keeping(&source, content.bytes(), keep) {
                Ok(Parsed::Device(device)) => {
                    let findings = voipguard_checks::evaluate(catalogue, &*device);
                    Leaked::Audited(Assessed {
                        device: *device,
                        findings,
                    })
                }
                Ok(Parsed::Skipped { reason }) => Leaked::Skipped(reason),
                Err(error) => Leaked::Unreadable(error),
            };
            LeakedFile { source, outcome }
        })
        .collect()
}

/// True when `audited` owns the served copy `copy`: both name the same MAC.
pub fn is_served_copy_of(copy: &Assessed, audited: &Assessed) -> bool {
    copy.device.mac.is_some() && copy.device.mac == audited.device.mac
}

/// Joins a served copy of `audited`'s configuration to it: one device, the copy's source
/// (`tftp://…`) among its sources.
///
/// A finding of the copy identical to one of the audited file's (same check, verdict, message
/// and evidence apart from the file it sits in) is kept once: the copy is then the same
/// configuration, and listing it again would count one weakness twice. A finding that differs
/// is set beside the audited one, per control as the ports of one host are
/// ([`merge_same_check`]): the more worrying verdict leads, both messages are kept (the copy's
/// naming where it was served), and the evidence of both. The copy is what the phone loads at
/// its next provisioning, so its weaknesses are as live as the file the operator keeps.
pub fn join_served_copy(audited: &mut Assessed, copy: Assessed) {
    let served_from = copy
        .device
        .sources
        .first()
        .map(|source| source.display().to_string())
        .unwrap_or_default();
    for source in copy.device.sources {
        if !audited.device.sources.contains(&source) {
            audited.device.sources.push(source);
        }
    }
    let differing: Vec<Finding> = copy
        .findings
        .into_iter()
        .filter(|finding| {
            !audited
                .findings
                .iter()
                .any(|kept| says_the_same(kept, finding))
        })
        .map(|finding| Finding {
            message: format!("{served_from}: {}", finding.message),
            ..finding
        })
        .collect();
    if differing.is_empty() {
        return;
    }
    let mut findings = std::mem::take(&mut audited.findings);
    findings.extend(differing);
    audited.findings = merge_same_check(findings);
}

/// Same check, verdict and message, and the same settings and values as evidence wherever
/// they were read.
fn says_the_same(one: &Finding, other: &Finding) -> bool {
    one.check == other.check
        && one.status == other.status
        && one.message == other.message
        && one.evidence.len() == other.evidence.len()
        && one
            .evidence
            .iter()
            .zip(&other.evidence)
            .all(|(a, b)| a.setting == b.setting && a.value == b.value && a.default == b.default)
}

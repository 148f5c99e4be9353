//! Provisioning files a scan picked up (a TFTP server handing out `cfg<mac>.xml` to anyone),
//! audited as `voipguard audit` audits files: the leak itself is a finding of the host, what the
//! file configures is judged by the audit's checks, and its secrets stay redacted the same way.

use std::net::SocketAddr;
use std::path::PathBuf;

use voipguard_checks::Catalogue;
use voipguard_parsers::{Keep, ParseError, Parsed};

use crate::exposure::Assessed;
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

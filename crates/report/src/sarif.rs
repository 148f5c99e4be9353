//! SARIF 2.1.0: one run whose rules are the whole catalogue and whose results are the failures.
//!
//! Only `fail` findings (and a scan's observations, at `note` level under `observation/…` rules
//! added only when one occurs) become results: SARIF consumers treat every result as an alert, and an
//! undecided check is not one. Undecided counts go into `run.properties` instead. Every result
//! has an explicit `level` (consumers do not inherit the rule's) and a location.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Write};
use std::path::Path;

use serde_json::{Value, json};
use voipguard_checks::Check;
use voipguard_model::{Device, Evidence, Finding, Observation, ObservationKind, Severity, Status};

use crate::present::{evidence_line, forward_slashes};
use crate::{DeviceResult, Emitter, InputError, Options, Skipped, Summary};

const SCHEMA_URI: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/os/schemas/sarif-schema-2.1.0.json";

/// The `partialFingerprints` key; bump the suffix if the fingerprint's inputs ever change.
const FINGERPRINT_KEY: &str = "voipguard/v1";

/// Collects results while devices stream in; SARIF is one JSON document, written at finish.
pub struct SarifEmitter<'w> {
    out: Box<dyn Write + 'w>,
    options: Options,
    results: Vec<Value>,
    undecided_by_check: BTreeMap<&'static str, usize>,
    /// Kinds of observation seen: each gets a rule after the catalogue's, only when it occurs,
    /// so a run without observations writes exactly the catalogue's rules.
    observed: BTreeSet<ObservationKind>,
}

impl<'w> SarifEmitter<'w> {
    /// An emitter writing to `out`.
    pub fn new(out: Box<dyn Write + 'w>, options: Options) -> Self {
        SarifEmitter {
            out,
            options,
            results: Vec::new(),
            undecided_by_check: BTreeMap::new(),
            observed: BTreeSet::new(),
        }
    }

    fn result(&self, device: &Device, finding: &Finding) -> Value {
        let mut result = json!({
            "ruleId": finding.check,
            "level": level(finding.severity),
            "message": { "text": finding.message },
            "locations": [primary_location(device, &finding.evidence)],
            "partialFingerprints": { FINGERPRINT_KEY: fingerprint(device, finding) },
            "properties": {
                "device": device.id,
                "severity": finding.severity.as_str(),
                "evidence": finding.evidence.iter().map(evidence_line).collect::<Vec<_>>(),
            },
        });
        let rule_index = self
            .options
            .catalogue
            .checks()
            .iter()
            .position(|check| check.id().eq_ignore_ascii_case(finding.check));
        if let (Some(index), Some(fields)) = (rule_index, result.as_object_mut()) {
            fields.insert("ruleIndex".to_owned(), json!(index));
        }
        result
    }
}

/// An observation as a `note` result: no control decides it, so it never outranks a failure.
fn observation_result(device: &Device, observation: &Observation) -> Value {
    let rule_id = observation_rule_id(observation.kind);
    let key = [rule_id.as_str(), device.id.as_str()].join("\u{1f}");
    json!({
        "ruleId": rule_id,
        "level": "note",
        "message": { "text": observation.message },
        "locations": [primary_location(device, &[])],
        "partialFingerprints": { FINGERPRINT_KEY: format!("{:016x}", fnv1a_64(key.as_bytes())) },
        "properties": {
            "device": device.id,
            "observation": observation.kind.as_str(),
            "evidence": observation.evidence,
        },
    })
}

fn observation_rule_id(kind: ObservationKind) -> String {
    format!("observation/{kind}")
}

fn observation_rule(kind: ObservationKind) -> Value {
    let description = match kind {
        ObservationKind::ScannerFilter => {
            "The host answers ordinary SIP OPTIONS but drops the ones SIPVicious sends: a scanner filter (hardening)."
        }
        ObservationKind::LegacyTls => {
            "A TLS port still accepts TLS 1.0 or 1.1 (deprecated by RFC 8996); no control of the device's make covers it."
        }
        ObservationKind::WebAuth => {
            "Factory-default web logins were tried on a host of a make no control covers."
        }
        ObservationKind::FingerprintDisagreement => {
            "The host's SIP answers and its web UI name different makes."
        }
    };
    json!({
        "id": observation_rule_id(kind),
        "name": kebab(kind.as_str()),
        "shortDescription": { "text": description },
        "defaultConfiguration": { "level": "note" },
        "properties": { "tags": ["observation"] },
    })
}

/// critical/high → error, medium → warning, low/info → note.
fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// The GitHub code-scanning convention: a CVSS-like score as a string.
fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "0.0",
    }
}

/// The first evidence read from a file; when every piece is a factory default, the device's first
/// source file without a region (SARIF allows a location without one), so no result lacks one.
fn primary_location(device: &Device, evidence: &[Evidence]) -> Value {
    let from_file = evidence.iter().find_map(|evidence| {
        evidence
            .file
            .as_ref()
            .map(|file| physical_location(file, evidence.line, evidence.column))
    });
    let location = from_file.unwrap_or_else(|| match device.sources.first() {
        Some(source) => physical_location(source, None, None),
        // A device always comes from a file; its id is the first source path when no MAC is known.
        None => json!({ "artifactLocation": { "uri": uri_reference(&device.id) } }),
    });
    json!({ "physicalLocation": location })
}

fn physical_location(file: &Path, line: Option<u32>, column: Option<u32>) -> Value {
    let mut location = json!({
        "artifactLocation": { "uri": uri_reference(&forward_slashes(file)) },
    });
    if let (Some(line), Some(fields)) = (line, location.as_object_mut()) {
        let mut region = json!({ "startLine": line });
        if let (Some(column), Some(region_fields)) = (column, region.as_object_mut()) {
            region_fields.insert("startColumn".to_owned(), json!(column));
        }
        fields.insert("region".to_owned(), region);
    }
    location
}

/// A relative path as a URI reference: characters outside the URI grammar are percent-encoded,
/// and so is `:`, which would otherwise turn `c:/x` or `a:b` into a scheme.
fn uri_reference(path: &str) -> String {
    let mut uri = String::with_capacity(path.len());
    for byte in path.bytes() {
        let keep = byte.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=@".contains(&byte);
        if keep {
            uri.push(char::from(byte));
        } else {
            uri.push_str(&format!("%{byte:02X}"));
        }
    }
    uri
}

/// Stable across runs, Rust versions and line moves: check id, device id and the deciding
/// setting's name only (no lines, no values), hashed with FNV-1a 64.
fn fingerprint(device: &Device, finding: &Finding) -> String {
    let setting = finding
        .evidence
        .first()
        .map_or("", |evidence| evidence.setting.as_str());
    let key = [finding.check, device.id.as_str(), setting].join("\u{1f}");
    format!("{:016x}", fnv1a_64(key.as_bytes()))
}

fn fnv1a_64(bytes: &[u8]) -> u64 {
    const OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0100_0000_01b3;
    bytes.iter().fold(OFFSET_BASIS, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(PRIME)
    })
}

/// `SSH is disabled` → `ssh-is-disabled`.
fn kebab(title: &str) -> String {
    title
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_ascii_lowercase)
        .collect::<Vec<_>>()
        .join("-")
}

/// Markdown inline code that survives backticks in the text.
fn code_span(text: &str) -> String {
    if text.contains('`') {
        format!("`` {text} ``")
    } else {
        format!("`{text}`")
    }
}

fn rule(check: &Check) -> Value {
    let meta = &check.meta;
    let remediation = &meta.remediation;
    let mut help_text = remediation.text.clone();
    let mut help_markdown = remediation.text.clone();
    if !remediation.formats.is_empty() {
        help_text.push('\n');
        help_markdown.push_str("\n\n");
        for (format, setting) in &remediation.formats {
            help_text.push_str(&format!("\n{format}: {setting}"));
            help_markdown.push_str(&format!("- **{format}**: {}\n", code_span(setting)));
        }
    }
    help_text.push_str("\n\nReferences:");
    help_markdown.push_str("\n**References**\n\n");
    for reference in &meta.references {
        help_text.push_str(&format!(
            "\n- {}, section \"{}\"",
            reference.guide, reference.section
        ));
        help_markdown.push_str(&format!(
            "- {}, section *{}*\n",
            code_span(&reference.guide),
            reference.section
        ));
    }
    let mut tags = vec![
        "security".to_owned(),
        meta.vendor.vendor().as_str().to_owned(),
    ];
    for family in &meta.applies_to {
        if !tags.contains(family) {
            tags.push(family.clone());
        }
    }
    json!({
        "id": meta.id,
        "name": kebab(&meta.title),
        "shortDescription": { "text": meta.title },
        "fullDescription": { "text": meta.rationale.trim() },
        "help": { "text": help_text, "markdown": help_markdown.trim_end() },
        "defaultConfiguration": { "level": level(meta.severity) },
        "properties": {
            "tags": tags,
            "security-severity": security_severity(meta.severity),
            "severity": meta.severity.as_str(),
        },
    })
}

fn notification(
    level: &str,
    kind: &str,
    file: &Path,
    line: Option<u32>,
    column: Option<u32>,
    message: &str,
) -> Value {
    json!({
        "level": level,
        "descriptor": { "id": kind },
        "message": { "text": message },
        "locations": [{ "physicalLocation": physical_location(file, line, column) }],
    })
}

impl Emitter for SarifEmitter<'_> {
    fn device(&mut self, result: DeviceResult<'_>) -> io::Result<()> {
        for finding in result.findings {
            match finding.status {
                Status::Fail => {
                    let sarif_result = self.result(result.device, finding);
                    self.results.push(sarif_result);
                }
                Status::Unknown => *self.undecided_by_check.entry(finding.check).or_default() += 1,
                Status::Pass | Status::NotApplicable => {}
            }
        }
        for observation in result.observations {
            self.observed.insert(observation.kind);
            self.results
                .push(observation_result(result.device, observation));
        }
        Ok(())
    }

    fn finish(
        &mut self,
        skipped: &[Skipped],
        errors: &[InputError],
        summary: &Summary,
    ) -> io::Result<()> {
        let notifications: Vec<Value> = skipped
            .iter()
            .map(|file| {
                let message = format!("skipped: {}", file.reason);
                notification("note", "skipped-file", &file.file, None, None, &message)
            })
            .chain(errors.iter().map(|error| {
                notification(
                    "error",
                    "input-error",
                    &error.file,
                    error.line,
                    error.column,
                    &error.message,
                )
            }))
            .collect();
        let rules: Vec<Value> = self
            .options
            .catalogue
            .checks()
            .iter()
            .map(rule)
            .chain(self.observed.iter().copied().map(observation_rule))
            .collect();
        let log = json!({
            "$schema": SCHEMA_URI,
            "version": "2.1.0",
            "runs": [{
                "tool": { "driver": {
                    "name": "voipguard",
                    "version": env!("CARGO_PKG_VERSION"),
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "informationUri": env!("CARGO_PKG_REPOSITORY"),
                    "rules": rules,
                }},
                "invocations": [{
                    "executionSuccessful": errors.is_empty(),
                    "toolExecutionNotifications": notifications,
                }],
                "columnKind": "unicodeCodePoints",
                "results": std::mem::take(&mut self.results),
                "properties": {
                    "devices": summary.devices,
                    "statuses": summary.statuses,
                    "failures": summary.failures,
                    "undecidedByCheck": self.undecided_by_check,
                    "meanScore": summary.mean_score,
                    "skipped": summary.skipped,
                    "errors": summary.errors,
                },
            }],
        });
        serde_json::to_writer_pretty(&mut self.out, &log)?;
        self.out.write_all(b"\n")?;
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_64_matches_the_published_test_vectors() {
        assert_eq!(fnv1a_64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a_64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a_64(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn kebab_keeps_words_only() {
        assert_eq!(kebab("SSH is disabled"), "ssh-is-disabled");
        assert_eq!(
            kebab("  SIP over TLS (not UDP/TCP)!"),
            "sip-over-tls-not-udp-tcp"
        );
    }

    #[test]
    fn uri_reference_escapes_what_a_uri_cannot_hold() {
        assert_eq!(uri_reference("phones/cfg 1.xml"), "phones/cfg%201.xml");
        assert_eq!(uri_reference("c:/x#y?.cfg"), "c%3A/x%23y%3F.cfg");
        assert_eq!(uri_reference("é.cfg"), "%C3%A9.cfg");
    }
}

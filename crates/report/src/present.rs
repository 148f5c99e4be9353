//! Presentation choices shared by the human-facing formats (text and HTML) and SARIF: ordering,
//! where a piece of evidence is, and which remediation line to show.

use std::collections::BTreeMap;
use std::path::Path;

use voipguard_model::{Device, Evidence, FamilyBasis, Finding, Severity, Status};

use crate::InputError;

/// Failed findings, worst first; ties keep catalogue (id) order so output is reproducible.
pub(crate) fn failures_worst_first(findings: &[Finding]) -> Vec<&Finding> {
    let mut failures: Vec<&Finding> = findings
        .iter()
        .filter(|finding| finding.status == Status::Fail)
        .collect();
    failures.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.check.cmp(b.check)));
    failures
}

/// Findings with `status`, in the order the checks produced them.
pub(crate) fn with_status(findings: &[Finding], status: Status) -> Vec<&Finding> {
    findings
        .iter()
        .filter(|finding| finding.status == status)
        .collect()
}

/// `file:line` for evidence read from a file, `(factory default)` when the file does not set it.
pub(crate) fn evidence_place(evidence: &Evidence) -> String {
    match (&evidence.file, evidence.line) {
        (Some(file), Some(line)) => format!("{}:{line}", file.display()),
        (Some(file), None) => file.display().to_string(),
        (None, _) => "(factory default)".to_owned(),
    }
}

/// `place  setting = value`, the one-line form of a piece of evidence.
pub(crate) fn evidence_line(evidence: &Evidence) -> String {
    format!(
        "{}  {} = {}",
        evidence_place(evidence),
        evidence.setting,
        evidence.value
    )
}

/// The remediation format that matches how the device was written, first line only: an XML
/// source is fixed with the XML form, a P-value or Snom text file with the text form. Falls back
/// to any format the rule gives.
pub(crate) fn fix_line<'a>(
    formats: &'a BTreeMap<String, String>,
    device: &Device,
) -> Option<&'a str> {
    const TEXT_FIRST: [&str; 5] = ["pvalue", "snom_text", "alias", "snom_xml", "web_ui"];
    const XML_FIRST: [&str; 5] = ["alias", "snom_xml", "pvalue", "snom_text", "web_ui"];
    let written_in_xml = device.sources.iter().any(|source| {
        source
            .extension()
            .is_some_and(|extension| extension.eq_ignore_ascii_case("xml"))
    });
    let preference = if written_in_xml {
        XML_FIRST
    } else {
        TEXT_FIRST
    };
    preference
        .iter()
        .find_map(|name| formats.get(*name))
        .or_else(|| formats.values().next())
        .and_then(|format| format.lines().next())
}

/// `vendor/family/model`, the model left out when unknown, with a note when the family was
/// assumed or a source is a template (both make verdicts less certain).
pub(crate) fn device_kind(device: &Device) -> String {
    let mut kind = format!("{}/{}", device.vendor, device.family);
    if let Some(model) = &device.model {
        kind.push('/');
        kind.push_str(model);
    }
    let mut notes = Vec::new();
    if device.family_basis == FamilyBasis::Assumed {
        notes.push("family assumed");
    }
    if device.templated {
        notes.push("template");
    }
    if !notes.is_empty() {
        kind.push_str(&format!(" ({})", notes.join(", ")));
    }
    kind
}

/// The device's source files, comma-separated; a PBX read from dozens of files shows the first
/// few and a count.
pub(crate) fn sources_list(device: &Device) -> String {
    const SHOWN: usize = 3;
    let mut list = device
        .sources
        .iter()
        .take(SHOWN)
        .map(|source| source.display().to_string())
        .collect::<Vec<_>>()
        .join(", ");
    if device.sources.len() > SHOWN {
        list.push_str(&format!(" and {} more", device.sources.len() - SHOWN));
    }
    list
}

/// A score as shown to people: one decimal, or `n/a` when nothing was decided.
pub(crate) fn score_text(score: Option<f64>) -> String {
    score.map_or_else(|| "n/a".to_owned(), |score| format!("{score:.1}"))
}

/// `file:line:col: message`, with the position parts present only when known.
pub(crate) fn input_error_line(error: &InputError) -> String {
    let mut place = error.file.display().to_string();
    if let Some(line) = error.line {
        place.push_str(&format!(":{line}"));
        if let Some(column) = error.column {
            place.push_str(&format!(":{column}"));
        }
    }
    format!("{place}: {}", error.message)
}

/// `path` with forward slashes, as SARIF and browsers expect.
pub(crate) fn forward_slashes(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

/// `1 thing` / `2 things`.
pub(crate) fn count_of(count: usize, singular: &str, plural: &str) -> String {
    if count == 1 {
        format!("1 {singular}")
    } else {
        format!("{count} {plural}")
    }
}

/// Severities in the order reports list them.
pub(crate) const SEVERITIES_WORST_FIRST: [Severity; 5] = [
    Severity::Critical,
    Severity::High,
    Severity::Medium,
    Severity::Low,
    Severity::Info,
];

/// A status as a past participle for counts ("3 passed").
pub(crate) fn status_words(status: Status) -> &'static str {
    match status {
        Status::Pass => "passed",
        Status::Fail => "failed",
        Status::Unknown => "undecided",
        Status::NotApplicable => "not applicable",
    }
}

/// `3 passed, 1 undecided`, leaving out statuses that did not occur.
pub(crate) fn status_counts(counts: &[(Status, usize)]) -> String {
    counts
        .iter()
        .filter(|(_, count)| *count > 0)
        .map(|(status, count)| format!("{count} {}", status_words(*status)))
        .collect::<Vec<_>>()
        .join(", ")
}

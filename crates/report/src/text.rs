//! The terminal report: grouped per device, failures worst first, then the run summary.

use std::io::{self, Write};

use voipguard_model::{Finding, Observation, Severity, Status};

use crate::json::finding_json;
use crate::present::{
    SEVERITIES_WORST_FIRST, count_of, device_kind, evidence_line, failures_worst_first, fix_line,
    input_error_line, score_text, sources_list, status_counts, with_status,
};
use crate::{DeviceResult, DeviceScore, Emitter, InputError, Options, Skipped, Summary};

/// Streams one block per device, then the summary.
pub struct TextEmitter<'w> {
    out: Box<dyn Write + 'w>,
    options: Options,
}

impl<'w> TextEmitter<'w> {
    /// An emitter writing to `out`.
    pub fn new(out: Box<dyn Write + 'w>, options: Options) -> Self {
        TextEmitter { out, options }
    }

    fn paint(&self, text: &str, style: Style) -> String {
        if self.options.color {
            format!("\x1b[{}m{text}\x1b[0m", style.sgr())
        } else {
            text.to_owned()
        }
    }

    /// `  LABEL severity  CHECK  title`, then the message under the check id.
    fn write_check(&mut self, label: &str, style: Style, finding: &Finding) -> io::Result<()> {
        let title = finding_json(&self.options, finding).title;
        let label = self.paint(&format!("{label:<4}"), style);
        let severity = self.paint(&format!("{:<8}", finding.severity.as_str()), style);
        let title = if title.is_empty() {
            String::new()
        } else {
            format!("  {title}")
        };
        writeln!(self.out, "  {label}  {severity}  {}{title}", finding.check)?;
        writeln!(self.out, "{INDENT}{}", finding.message)
    }

    fn write_failure(&mut self, result: DeviceResult<'_>, finding: &Finding) -> io::Result<()> {
        self.write_check("FAIL", Style::of_severity(finding.severity), finding)?;
        let shown = if self.options.verbose {
            finding.evidence.len()
        } else {
            EVIDENCE_LINES
        };
        for evidence in finding.evidence.iter().take(shown) {
            writeln!(self.out, "{INDENT}{}", evidence_line(evidence))?;
        }
        if finding.evidence.len() > shown {
            let more = finding.evidence.len() - shown;
            writeln!(
                self.out,
                "{INDENT}… and {more} more (--verbose lists them all)"
            )?;
        }
        let formats = finding_json(&self.options, finding).remediation.formats;
        if let Some(fix) = fix_line(formats, result.device) {
            writeln!(self.out, "{INDENT}fix: {fix}")?;
        }
        Ok(())
    }

    fn write_undecided(&mut self, unknown: &[&Finding]) -> io::Result<()> {
        if unknown.is_empty() {
            return Ok(());
        }
        let listed = unknown
            .iter()
            .map(|finding| format!("{} ({})", finding.check, finding.message))
            .collect::<Vec<_>>()
            .join(", ");
        let checks = count_of(unknown.len(), "check", "checks");
        let line = format!("{checks} could not be decided: {listed}");
        writeln!(self.out, "  {}", self.paint(&line, Style::Undecided))
    }

    /// `  note  KIND  message`, then the evidence under it; nothing when there are none.
    fn write_observations(&mut self, observations: &[Observation]) -> io::Result<()> {
        for observation in observations {
            let label = self.paint("note", Style::Quiet);
            writeln!(self.out, "  {label}  {}", observation.kind)?;
            writeln!(self.out, "{INDENT}{}", observation.message)?;
            for item in &observation.evidence {
                writeln!(self.out, "{INDENT}{item}")?;
            }
        }
        Ok(())
    }

    fn write_listed(&mut self, label: &str, findings: &[&Finding]) -> io::Result<()> {
        for finding in findings {
            self.write_check(label, Style::Quiet, finding)?;
        }
        Ok(())
    }

    fn write_summary(
        &mut self,
        skipped: &[Skipped],
        errors: &[InputError],
        summary: &Summary,
    ) -> io::Result<()> {
        writeln!(self.out, "{}", self.paint("summary", Style::Heading))?;
        writeln!(
            self.out,
            "  {}, mean score {}",
            count_of(summary.devices, "device", "devices"),
            score_text(summary.mean_score)
        )?;
        let statuses = status_counts(
            &[
                Status::Fail,
                Status::Unknown,
                Status::Pass,
                Status::NotApplicable,
            ]
            .map(|status| {
                let count = summary.statuses.get(status.as_str()).copied().unwrap_or(0);
                (status, count)
            }),
        );
        if statuses.is_empty() {
            writeln!(self.out, "  checks: none ran")?;
        } else {
            writeln!(self.out, "  checks: {statuses}")?;
        }
        let failures = SEVERITIES_WORST_FIRST
            .iter()
            .filter_map(|&severity| {
                let count = summary.failures.get(severity.as_str()).copied()?;
                (count > 0).then(|| {
                    self.paint(&format!("{count} {severity}"), Style::of_severity(severity))
                })
            })
            .collect::<Vec<_>>();
        if failures.is_empty() {
            writeln!(self.out, "  failures: none")?;
        } else {
            writeln!(self.out, "  failures: {}", failures.join(", "))?;
        }
        if skipped.is_empty() {
            writeln!(self.out, "  skipped files: none")?;
        } else {
            writeln!(self.out, "  skipped files ({}):", skipped.len())?;
            for file in skipped {
                writeln!(self.out, "    {}: {}", file.file.display(), file.reason)?;
            }
        }
        if errors.is_empty() {
            writeln!(self.out, "  errors: none")?;
        } else {
            let heading = self.paint(&format!("errors ({}):", errors.len()), Style::Alarm);
            writeln!(self.out, "  {heading}")?;
            for error in errors {
                writeln!(self.out, "    {}", input_error_line(error))?;
            }
        }
        Ok(())
    }
}

/// Evidence lines shown per failure without `--verbose`: a check grouping 1,600 peers lists them
/// all in JSON, not on a terminal.
const EVIDENCE_LINES: usize = 8;

/// Where the message, evidence and fix of a failure start: under the check id.
const INDENT: &str = "        ";

/// What a piece of text means, and so its colour.
#[derive(Clone, Copy)]
enum Style {
    /// Critical and high failures, errors.
    Alarm,
    Medium,
    Low,
    Info,
    Undecided,
    Quiet,
    Heading,
}

impl Style {
    fn of_severity(severity: Severity) -> Style {
        match severity {
            Severity::Critical | Severity::High => Style::Alarm,
            Severity::Medium => Style::Medium,
            Severity::Low => Style::Low,
            Severity::Info => Style::Info,
        }
    }

    /// The ANSI select-graphic-rendition parameters.
    fn sgr(self) -> &'static str {
        match self {
            Style::Alarm => "1;31",
            Style::Medium => "33",
            Style::Low => "36",
            Style::Info | Style::Quiet => "2",
            Style::Undecided => "35",
            Style::Heading => "1",
        }
    }
}

impl Emitter for TextEmitter<'_> {
    fn device(&mut self, result: DeviceResult<'_>) -> io::Result<()> {
        let device = result.device;
        let score = DeviceScore::of(result.findings);
        let open = if score.critical + score.high == 0 {
            String::new()
        } else {
            let open = format!(" ({} critical, {} high open)", score.critical, score.high);
            self.paint(&open, Style::Alarm)
        };
        writeln!(
            self.out,
            "{}  {}  score {}{open}  from {}",
            self.paint(&device.id, Style::Heading),
            device_kind(device),
            score_text(score.score),
            sources_list(device),
        )?;
        for finding in failures_worst_first(result.findings) {
            self.write_failure(result, finding)?;
        }
        self.write_undecided(&with_status(result.findings, Status::Unknown))?;
        let passed = with_status(result.findings, Status::Pass);
        let not_applicable = with_status(result.findings, Status::NotApplicable);
        if self.options.verbose {
            self.write_listed("pass", &passed)?;
            self.write_listed("n/a", &not_applicable)?;
        } else {
            let counts = status_counts(&[
                (Status::Pass, passed.len()),
                (Status::NotApplicable, not_applicable.len()),
            ]);
            if !counts.is_empty() {
                writeln!(self.out, "  {counts}")?;
            }
        }
        self.write_observations(result.observations)?;
        writeln!(self.out)
    }

    fn finish(
        &mut self,
        skipped: &[Skipped],
        errors: &[InputError],
        summary: &Summary,
    ) -> io::Result<()> {
        self.write_summary(skipped, errors, summary)?;
        self.out.flush()
    }
}

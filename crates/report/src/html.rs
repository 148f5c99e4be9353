//! One self-contained HTML page for people who do not read terminals: an overview first, then a
//! section per device. No scripts, no external resources and no timestamps, so the page can be
//! mailed or archived and two runs on the same input give the same bytes.
//!
//! The overview needs the whole run, so device sections are rendered as they arrive and kept as
//! text until [`Emitter::finish`].

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Write};

use voipguard_model::{Finding, Observation, Severity, Status};

use crate::json::finding_json;
use crate::present::{
    SEVERITIES_WORST_FIRST, count_of, device_kind, evidence_place, failures_worst_first, fix_line,
    input_error_line, score_text, status_counts, status_words, with_status,
};
use crate::{DeviceResult, DeviceScore, Emitter, InputError, Options, Skipped, Summary};

/// How many controls the overview ranks.
const TOP_CONTROLS: usize = 10;

const STYLE: &str = "
body { font: 15px/1.45 system-ui, -apple-system, 'Segoe UI', sans-serif; color: #1d2330;
  margin: 0 auto; max-width: 72rem; padding: 1.5rem; }
h1 { margin: 0 0 .25rem; font-size: 1.6rem; }
h2 { margin-top: 2.2rem; border-bottom: 2px solid #d8dce5; padding-bottom: .2rem; }
.tool, .meta { color: #586074; margin: .2rem 0; }
.figures { display: flex; flex-wrap: wrap; gap: 1rem; margin: 0; }
.figures div { border: 1px solid #d8dce5; border-radius: 6px; padding: .5rem 1rem; min-width: 8rem; }
.figures dt { color: #586074; font-size: .85rem; }
.figures dd { margin: 0; font-size: 1.5rem; font-weight: 600; }
table { border-collapse: collapse; width: 100%; margin: .6rem 0; }
th, td { text-align: left; vertical-align: top; padding: .35rem .5rem; border-bottom: 1px solid #e3e6ed; }
th { background: #f3f5f9; font-size: .85rem; }
td ul { margin: 0; padding-left: 1rem; }
code { font: .85rem ui-monospace, 'SFMono-Regular', Menlo, Consolas, monospace; overflow-wrap: anywhere; }
.badge { display: inline-block; border-radius: 4px; padding: .05rem .45rem; font-size: .8rem;
  font-weight: 600; color: #fff; white-space: nowrap; }
.sev-critical { background: #8e1020; }
.sev-high { background: #d4351c; }
.sev-medium { background: #c87800; }
.sev-low { background: #2d6bb5; }
.sev-info, .st-not_applicable, .st-pass { background: #6b7385; }
.st-pass { background: #2e7d32; }
.st-unknown { background: #7b4fa3; }
.zero { opacity: .35; }
.ok { color: #2e7d32; font-weight: 600; }
details { margin: .6rem 0; }
summary { cursor: pointer; color: #364057; }
footer { margin-top: 3rem; color: #586074; font-size: .85rem; }
";

/// Renders device sections as they stream in; writes the page at finish.
pub struct HtmlEmitter<'w> {
    out: Box<dyn Write + 'w>,
    options: Options,
    device_rows: String,
    device_sections: String,
    devices: usize,
    /// Severity of each check that failed somewhere, for ranking checks the catalogue lacks too.
    failed_severity: BTreeMap<&'static str, Severity>,
}

impl<'w> HtmlEmitter<'w> {
    /// An emitter writing to `out`.
    pub fn new(out: Box<dyn Write + 'w>, options: Options) -> Self {
        HtmlEmitter {
            out,
            options,
            device_rows: String::new(),
            device_sections: String::new(),
            devices: 0,
            failed_severity: BTreeMap::new(),
        }
    }

    fn failure_row(&self, result: DeviceResult<'_>, finding: &Finding) -> String {
        let view = finding_json(&self.options, finding);
        let places = finding
            .evidence
            .iter()
            .map(|evidence| {
                format!(
                    "<li><code>{}</code> {} = {}</li>",
                    escape(&evidence_place(evidence)),
                    escape(&evidence.setting),
                    escape(&evidence.value)
                )
            })
            .collect::<String>();
        let places = if places.is_empty() {
            String::new()
        } else {
            format!("<ul>{places}</ul>")
        };
        let fix = match fix_line(view.remediation.formats, result.device) {
            Some(line) => format!("<br><code>{}</code>", escape(line)),
            None => String::new(),
        };
        format!(
            "<tr><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{places}</td><td>{}{fix}</td></tr>\n",
            severity_badge(finding.severity),
            escape(finding.check),
            escape(view.title),
            escape(&finding.message),
            escape(view.remediation.text),
        )
    }

    fn other_checks(&self, findings: &[Finding]) -> String {
        let groups = [Status::Unknown, Status::Pass, Status::NotApplicable]
            .map(|status| (status, with_status(findings, status)));
        let counts = status_counts(
            &groups
                .each_ref()
                .map(|(status, group)| (*status, group.len())),
        );
        if counts.is_empty() {
            return String::new();
        }
        let mut html = format!(
            "<details><summary>Other checks: {counts}</summary>\n<table>\n<thead><tr><th>Result</th><th>Control</th><th>Title</th><th>Finding</th></tr></thead>\n<tbody>\n"
        );
        for (status, group) in &groups {
            for finding in group {
                let _ = writeln!(
                    html,
                    "<tr><td><span class=\"badge st-{}\">{}</span></td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
                    status.as_str(),
                    status_words(*status),
                    escape(finding.check),
                    escape(finding_json(&self.options, finding).title),
                    escape(&finding.message),
                );
            }
        }
        html.push_str("</tbody>\n</table>\n</details>\n");
        html
    }

    fn overview(&self, skipped: &[Skipped], errors: &[InputError], summary: &Summary) -> String {
        let mut html = String::from("<section id=\"overview\">\n<h2>Overview</h2>\n");
        html.push_str("<dl class=\"figures\">\n");
        for (label, figure) in [
            ("Devices", summary.devices.to_string()),
            (
                "Mean score",
                format!("{} / 100", score_text(summary.mean_score)),
            ),
            ("Skipped files", skipped.len().to_string()),
            ("Errors", errors.len().to_string()),
        ] {
            let _ = writeln!(
                html,
                "<div><dt>{label}</dt><dd>{}</dd></div>",
                escape(&figure)
            );
        }
        html.push_str("</dl>\n<h3>Failed checks by severity</h3>\n<p>");
        let badges = SEVERITIES_WORST_FIRST
            .iter()
            .map(|severity| {
                let count = summary
                    .failures
                    .get(severity.as_str())
                    .copied()
                    .unwrap_or(0);
                let zero = if count == 0 { " zero" } else { "" };
                format!("<span class=\"badge sev-{severity}{zero}\">{count} {severity}</span>")
            })
            .collect::<Vec<_>>()
            .join(" ");
        html.push_str(&badges);
        html.push_str("</p>\n");
        html.push_str(&self.top_controls(summary));
        html.push_str("<h3>Devices</h3>\n<table>\n<thead><tr><th>Device</th><th>Vendor / family / model</th><th>Score</th><th>Open critical</th><th>Open high</th><th>Undecided</th></tr></thead>\n<tbody>\n");
        html.push_str(&self.device_rows);
        html.push_str("</tbody>\n</table>\n</section>\n");
        html
    }

    fn top_controls(&self, summary: &Summary) -> String {
        let mut ranked: Vec<(&str, usize, Option<Severity>)> = summary
            .failures_by_check
            .iter()
            .map(|(&check, &count)| (check, count, self.failed_severity.get(check).copied()))
            .collect();
        if ranked.is_empty() {
            return "<p class=\"ok\">No check failed.</p>\n".to_owned();
        }
        ranked.sort_by(|a, b| b.1.cmp(&a.1).then(b.2.cmp(&a.2)).then(a.0.cmp(b.0)));
        let mut html = String::from(
            "<h3>Most failed controls</h3>\n<table>\n<thead><tr><th>Severity</th><th>Control</th><th>Title</th><th>Devices failing</th></tr></thead>\n<tbody>\n",
        );
        for (check, count, severity) in ranked.into_iter().take(TOP_CONTROLS) {
            let title = self
                .options
                .catalogue
                .get(check)
                .map_or("", |check| check.meta.title.as_str());
            let _ = writeln!(
                html,
                "<tr><td>{}</td><td><code>{}</code></td><td>{}</td><td>{count}</td></tr>",
                severity.map_or(String::new(), severity_badge),
                escape(check),
                escape(title),
            );
        }
        html.push_str("</tbody>\n</table>\n");
        html
    }
}

fn severity_badge(severity: Severity) -> String {
    format!("<span class=\"badge sev-{severity}\">{severity}</span>")
}

/// Escapes text for element content and quoted attribute values.
fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            _ => escaped.push(c),
        }
    }
    escaped
}

/// The observations table of a device; nothing at all when there are none, so an audit's page
/// is unchanged.
fn observations(observations: &[Observation]) -> String {
    if observations.is_empty() {
        return String::new();
    }
    let mut html = format!(
        "<h3>{}</h3>\n<table>\n<thead><tr><th>Kind</th><th>Observation</th><th>Evidence</th></tr></thead>\n<tbody>\n",
        count_of(observations.len(), "observation", "observations"),
    );
    for observation in observations {
        let evidence = observation
            .evidence
            .iter()
            .map(|item| format!("<li><code>{}</code></li>", escape(item)))
            .collect::<String>();
        let _ = writeln!(
            html,
            "<tr><td><code>{}</code></td><td>{}</td><td><ul>{evidence}</ul></td></tr>",
            observation.kind,
            escape(&observation.message),
        );
    }
    html.push_str("</tbody>\n</table>\n");
    html
}

impl Emitter for HtmlEmitter<'_> {
    fn device(&mut self, result: DeviceResult<'_>) -> io::Result<()> {
        self.devices += 1;
        let anchor = format!("device-{}", self.devices);
        let device = result.device;
        let score = DeviceScore::of(result.findings);
        let _ = writeln!(
            self.device_rows,
            "<tr><td><a href=\"#{anchor}\"><code>{}</code></a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&device.id),
            escape(&device_kind(device)),
            score_text(score.score),
            score.critical,
            score.high,
            score.unknown,
        );
        let sources = device
            .sources
            .iter()
            .map(|source| format!("<code>{}</code>", escape(&source.display().to_string())))
            .collect::<Vec<_>>()
            .join(", ");
        let section = &mut self.device_sections;
        let _ = writeln!(
            section,
            "<section class=\"device\" id=\"{anchor}\">\n<h2>Device <code>{}</code></h2>\n<p class=\"meta\">{} · score {} · read from {sources}</p>",
            escape(&device.id),
            escape(&device_kind(device)),
            score_text(score.score),
        );
        let failures = failures_worst_first(result.findings);
        for finding in &failures {
            self.failed_severity.insert(finding.check, finding.severity);
        }
        let failure_rows = failures
            .iter()
            .map(|finding| self.failure_row(result, finding))
            .collect::<String>();
        let other_checks = self.other_checks(result.findings);
        let section = &mut self.device_sections;
        if failures.is_empty() {
            section.push_str("<p class=\"ok\">No failed checks.</p>\n");
        } else {
            let _ = writeln!(
                section,
                "<h3>{}</h3>\n<table>\n<thead><tr><th>Severity</th><th>Control</th><th>Title</th><th>Finding</th><th>Where</th><th>Fix</th></tr></thead>\n<tbody>\n{failure_rows}</tbody>\n</table>",
                count_of(failures.len(), "failed check", "failed checks"),
            );
        }
        section.push_str(&other_checks);
        section.push_str(&observations(result.observations));
        section.push_str("</section>\n");
        Ok(())
    }

    fn finish(
        &mut self,
        skipped: &[Skipped],
        errors: &[InputError],
        summary: &Summary,
    ) -> io::Result<()> {
        let version = env!("CARGO_PKG_VERSION");
        let mut page = format!(
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>VoIP phone configuration audit</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<header>\n<h1>VoIP phone configuration audit</h1>\n<p class=\"tool\">voipguard {version}: phone configuration files checked against the vendors' security guides</p>\n</header>\n"
        );
        page.push_str(&self.overview(skipped, errors, summary));
        page.push_str(&self.device_sections);
        if !skipped.is_empty() || !errors.is_empty() {
            page.push_str("<section id=\"inputs\">\n<h2>Files not audited</h2>\n");
            if !skipped.is_empty() {
                page.push_str("<h3>Skipped</h3>\n<ul>\n");
                for file in skipped {
                    let _ = writeln!(
                        page,
                        "<li><code>{}</code>: {}</li>",
                        escape(&file.file.display().to_string()),
                        escape(&file.reason)
                    );
                }
                page.push_str("</ul>\n");
            }
            if !errors.is_empty() {
                page.push_str("<h3>Errors</h3>\n<ul>\n");
                for error in errors {
                    let _ = writeln!(
                        page,
                        "<li><code>{}</code></li>",
                        escape(&input_error_line(error))
                    );
                }
                page.push_str("</ul>\n");
            }
            page.push_str("</section>\n");
        }
        let _ = write!(
            page,
            "<footer>Generated by voipguard {version}. Scores: 100 × weight of passed checks ÷ weight of decided checks (critical 10, high 5, medium 3, low 1); undecided and not-applicable checks are left out.</footer>\n</body>\n</html>\n"
        );
        self.out.write_all(page.as_bytes())?;
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escape_neutralises_markup_and_quotes() {
        assert_eq!(
            escape(r#"<script>alert("x" & 'y')</script>"#),
            "&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;"
        );
        assert_eq!(escape("plain text"), "plain text");
    }
}

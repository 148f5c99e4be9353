//! Counts and scores for a run.

use std::collections::BTreeMap;

use serde::Serialize;
use voipguard_model::{Finding, Severity, Status};

/// Score of one device: `100 × Σ w(pass) / Σ w(pass|fail)` with weights critical 10, high 5,
/// medium 3, low 1, info 0. Unknown and not-applicable results are excluded but counted.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct DeviceScore {
    /// 0–100, or `None` when nothing was decided.
    pub score: Option<f64>,
    /// Failed critical checks.
    pub critical: usize,
    /// Failed high checks.
    pub high: usize,
    /// Checks not scored because the evidence could not decide them.
    pub unknown: usize,
}

impl DeviceScore {
    /// Scores one device's findings.
    pub fn of(findings: &[Finding]) -> DeviceScore {
        let (mut passed, mut decided) = (0u32, 0u32);
        let mut score = DeviceScore {
            score: None,
            critical: 0,
            high: 0,
            unknown: 0,
        };
        for finding in findings {
            let weight = finding.severity.weight();
            match finding.status {
                Status::Pass => {
                    passed += weight;
                    decided += weight;
                }
                Status::Fail => {
                    decided += weight;
                    score.critical += usize::from(finding.severity == Severity::Critical);
                    score.high += usize::from(finding.severity == Severity::High);
                }
                Status::Unknown => score.unknown += 1,
                Status::NotApplicable => {}
            }
        }
        score.score =
            (decided > 0).then(|| (f64::from(passed) * 1000.0 / f64::from(decided)).round() / 10.0);
        score
    }
}

/// Totals over a run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    /// Devices audited.
    pub devices: usize,
    /// Files skipped as not being configurations.
    pub skipped: usize,
    /// Files that could not be read or parsed.
    pub errors: usize,
    /// Findings per status.
    pub statuses: BTreeMap<&'static str, usize>,
    /// Failed findings per severity.
    pub failures: BTreeMap<&'static str, usize>,
    /// Failed findings per check id.
    pub failures_by_check: BTreeMap<&'static str, usize>,
    /// Mean of the device scores (devices with a score only).
    pub mean_score: Option<f64>,
    #[serde(skip)]
    score_total: f64,
    #[serde(skip)]
    scored_devices: usize,
}

impl Summary {
    /// Adds one device's findings.
    pub fn add_device(&mut self, findings: &[Finding]) {
        self.devices += 1;
        for finding in findings {
            *self.statuses.entry(finding.status.as_str()).or_default() += 1;
            if finding.status == Status::Fail {
                *self.failures.entry(finding.severity.as_str()).or_default() += 1;
                *self.failures_by_check.entry(finding.check).or_default() += 1;
            }
        }
        if let Some(score) = DeviceScore::of(findings).score {
            self.score_total += score;
            self.scored_devices += 1;
            self.mean_score =
                Some((self.score_total / self.scored_devices as f64 * 10.0).round() / 10.0);
        }
    }

    /// True when a finding failed at or above `threshold`.
    pub fn fails_at_or_above(&self, threshold: Severity) -> bool {
        self.failures.iter().any(|(severity, &count)| {
            count > 0
                && severity
                    .parse::<Severity>()
                    .is_ok_and(|severity| severity >= threshold)
        })
    }
}

//! `voipguard rules` and `voipguard explain`.

use std::io::Write;

use anyhow::{Context as _, bail};
use voipguard_checks::meta::Logic;

use crate::cli::{ExplainArgs, RulesArgs};

fn catalogue() -> anyhow::Result<&'static voipguard_checks::Catalogue> {
    voipguard_checks::catalogue()
        .map_err(|err| anyhow::anyhow!("the built-in catalogue is broken: {err}"))
}

/// Lists the checks.
pub fn list(args: &RulesArgs) -> anyhow::Result<()> {
    let checks: Vec<_> = catalogue()?
        .checks()
        .iter()
        .filter(|check| {
            args.vendor
                .as_deref()
                .is_none_or(|vendor| check.meta.vendor.vendor().as_str() == vendor)
        })
        .collect();
    let mut out = std::io::stdout().lock();
    if args.json {
        let rows: Vec<_> = checks
            .iter()
            .map(|check| {
                serde_json::json!({
                    "id": check.meta.id, "title": check.meta.title, "severity": check.meta.severity,
                    "vendor": check.meta.vendor.vendor().as_str(), "applies_to": check.meta.applies_to,
                    "decided_by": decided_by(&check.meta.logic),
                })
            })
            .collect();
        serde_json::to_writer_pretty(&mut out, &rows)?;
        writeln!(out)?;
    } else {
        for check in checks {
            writeln!(
                out,
                "{:<22} {:<8} {:<11} {:<11} {}",
                check.meta.id,
                check.meta.severity.as_str(),
                check.meta.vendor.vendor().as_str(),
                check.meta.applies_to.join(","),
                check.meta.title
            )?;
        }
    }
    Ok(())
}

fn decided_by(logic: &Logic) -> String {
    match logic {
        Logic::External { checked_by } => checked_by.join(", "),
        _ => "config".to_owned(),
    }
}

/// Prints one check's documentation.
pub fn explain(args: &ExplainArgs) -> anyhow::Result<()> {
    let Some(check) = catalogue()?.get(&args.id) else {
        bail!("no check `{}`; `voipguard rules` lists them", args.id);
    };
    let meta = &check.meta;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{} — {}", meta.id, meta.title)?;
    writeln!(
        out,
        "severity: {}   vendor: {}   applies to: {}",
        meta.severity,
        meta.vendor.vendor(),
        meta.applies_to.join(", ")
    )?;
    writeln!(out, "decided by: {}\n", decided_by(&meta.logic))?;
    writeln!(
        out,
        "Why it matters\n  {}\n",
        meta.rationale.trim().replace('\n', "\n  ")
    )?;
    writeln!(out, "How to fix\n  {}", meta.remediation.text.trim())?;
    for (format, fix) in &meta.remediation.formats {
        writeln!(out, "  {format}: {fix}")?;
    }
    writeln!(out, "\nReferences")?;
    for reference in &meta.references {
        writeln!(out, "  {} — {}", reference.guide, reference.section)?;
    }
    out.flush().context("cannot write to standard output")
}

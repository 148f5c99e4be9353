//! `voipguard guard --replay`: streams logs through the guard's parser and decision engine and
//! reports every source seen failing.

use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::os::fd::AsFd;

use anyhow::Context as _;
use voipguard_guard::parse::UnansweredChallenges;
use voipguard_guard::{Parser, Policy, Replay, ReplayReport, SshdMode, Threshold};

use super::config::LoadedConfig;
use crate::cli::{GuardArgs, GuardFormat};

/// Large reads: replays of multi-gigabyte logs are bound by line handling, not system calls.
const READ_BUFFER: usize = 1 << 16;

/// What the daemon would decide with: its defaults, or a configuration file's.
#[derive(Debug)]
pub struct Settings {
    policy: Policy,
    unanswered_challenges: Threshold,
    sshd_mode: SshdMode,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            policy: Policy::default(),
            unanswered_challenges: UnansweredChallenges::DEFAULT_ALLOWANCE,
            sshd_mode: SshdMode::default(),
        }
    }
}

impl Settings {
    /// The file's `[policy]` with its allowlist and trunks, its unanswered challenges and its
    /// sshd mode.
    pub fn of(loaded: &LoadedConfig) -> Self {
        let config = &loaded.config;
        let mut policy = config.policy.clone();
        policy.allowlist = loaded.configured_allowlist();
        Self {
            policy,
            unanswered_challenges: config.unanswered_challenges,
            sshd_mode: config.sshd.mode,
        }
    }
}

/// Replays `args.replay` with `settings`.
pub fn run(args: &GuardArgs, settings: Settings) -> anyhow::Result<()> {
    let parser = args
        .year
        .map_or_else(Parser::default, Parser::new)
        .with_sshd_mode(settings.sshd_mode);
    let mut replay = Replay::new(settings.policy, parser)
        .with_unanswered_challenges(settings.unanswered_challenges);
    for path in &args.replay {
        let origin = path.display().to_string();
        if origin == "-" {
            replay
                .read("-", std::io::stdin().lock())
                .context("cannot read standard input")?;
        } else {
            let file = File::open(path).with_context(|| format!("cannot open {origin}"))?;
            replay
                .read(&origin, BufReader::with_capacity(READ_BUFFER, file))
                .with_context(|| format!("cannot read {origin}"))?;
        }
    }
    let report = replay.finish();
    // Standard output's own writer looks for the last newline in every write, to flush per
    // line; a JSON report is one long line written in 64 KiB pieces, so it goes through a
    // duplicate of the descriptor instead.
    let stdout = std::io::stdout()
        .as_fd()
        .try_clone_to_owned()
        .map(File::from)
        .context("cannot use standard output")?;
    let mut out = BufWriter::with_capacity(READ_BUFFER, stdout);
    match args.format {
        GuardFormat::Json => {
            report
                .write_json(&mut out)
                .context("cannot write the report")?;
            writeln!(out)?;
        }
        GuardFormat::Text => write_text(&mut out, &report)?,
    }
    out.flush().context("cannot write to standard output")
}

fn write_text(out: &mut impl Write, report: &ReplayReport) -> std::io::Result<()> {
    writeln!(
        out,
        "{} lines, {} failures, {} unparsed, {} sources, {} bans, {} alerts",
        report.lines,
        report.failures,
        report.unparsed,
        report.source_count(),
        report.bans,
        report.alerts.len()
    )?;
    for source in report.sources() {
        let failures: Vec<String> = source
            .failures
            .iter()
            .map(|(s, n)| format!("{s}={n}"))
            .collect();
        let reasons: Vec<&str> = source.reasons.iter().map(|r| r.as_str()).collect();
        writeln!(
            out,
            "{:<39} {:<24} {} .. {}  {}{}",
            source.address,
            failures.join(" "),
            source.first_seen.as_deref().unwrap_or("-"),
            source.last_seen.as_deref().unwrap_or("-"),
            reasons.join(","),
            if source.would_ban { "  BAN" } else { "" }
        )?;
    }
    for example in &report.unparsed_examples {
        writeln!(
            out,
            "unparsed {}:{}: {}: {}",
            example.origin, example.line, example.reason, example.text
        )?;
    }
    Ok(())
}

//! `voipguard guard status`: the bans in force, from the daemon's `bans.json` (reason, offence,
//! evidence) checked against the firewall where it can be asked (nftables: its sets).
//!
//! JSON (`--format json`):
//!
//! ```json
//! {"backend": "nftables", "saved_at": 1730880000, "firewall_error": null,
//!  "bans": [{"target": "198.51.100.10/32", "until": 1730880600, "remaining_seconds": 598,
//!            "reason": "10 sip failures in 600 s", "offence": 1, "source": "messages",
//!            "evidence": "[2024-11-06 08:00:07] NOTICE[4500] chan_sip.c: …",
//!            "in_firewall": true}],
//!  "firewall_only": [{"target": "192.0.2.9/32", "remaining_seconds": 42, "reason": "…"}]}
//! ```
//!
//! `in_firewall` is `null` for backends that cannot be asked from another process (dry run,
//! command hook); `firewall_only` lists what the firewall holds that the guard did not record.

use std::io::Write as _;

use anyhow::Context as _;
use serde::Serialize;
use voipguard_firewall::{Backend as _, Target};

use super::config::{FirewallConfig, LoadedConfig};
use super::daemon::{backend, unix_now};
use super::state::{BanRecord, StateDir};
use crate::cli::{GuardFormat, GuardStatusArgs};

#[derive(Debug, Serialize)]
struct Status {
    backend: &'static str,
    saved_at: Option<i64>,
    firewall_error: Option<String>,
    bans: Vec<BanStatus>,
    firewall_only: Vec<FirewallBan>,
}

#[derive(Debug, Serialize)]
struct BanStatus {
    #[serde(flatten)]
    record: BanRecord,
    remaining_seconds: i64,
    in_firewall: Option<bool>,
}

#[derive(Debug, Serialize)]
struct FirewallBan {
    target: Target,
    remaining_seconds: Option<u64>,
    reason: Option<String>,
}

/// Runs `voipguard guard status`.
pub fn run(args: &GuardStatusArgs) -> anyhow::Result<()> {
    let loaded = LoadedConfig::load(&args.config)?;
    let config = &loaded.config;
    let book = StateDir::new(&config.state_dir).load_bans()?;
    let now = unix_now();
    // Only nftables keeps its bans outside the daemon's memory.
    let firewall = match config.firewall {
        FirewallConfig::Nftables { .. } => Some(backend(&config.firewall)?.bans()),
        FirewallConfig::DryRun | FirewallConfig::Command { .. } => None,
    };
    let (held, firewall_error) = match firewall {
        Some(Ok(bans)) => (Some(bans), None),
        Some(Err(error)) => (None, Some(error.to_string())),
        None => (None, None),
    };
    let bans: Vec<BanStatus> = book
        .active(now)
        .map(|record| BanStatus {
            remaining_seconds: record.until - now,
            in_firewall: held.as_ref().map(|held| {
                let target = Target::new(record.target);
                held.iter().any(|ban| ban.target.contains(&target))
            }),
            record: record.clone(),
        })
        .collect();
    let firewall_only = held
        .unwrap_or_default()
        .into_iter()
        .filter(|ban| {
            !bans
                .iter()
                .any(|known| Target::new(known.record.target) == ban.target)
        })
        .map(|ban| FirewallBan {
            target: ban.target,
            remaining_seconds: ban.remaining.map(|left| left.as_secs()),
            reason: ban.reason,
        })
        .collect();
    let status = Status {
        backend: config.firewall.name(),
        saved_at: (book.saved_at > 0).then_some(book.saved_at),
        firewall_error,
        bans,
        firewall_only,
    };
    let mut out = std::io::stdout().lock();
    match args.format {
        GuardFormat::Json => {
            serde_json::to_writer(&mut out, &status).context("cannot write the status")?;
            writeln!(out)?;
        }
        GuardFormat::Text => write_text(&mut out, &status)?,
    }
    out.flush().context("cannot write to standard output")
}

fn write_text(out: &mut impl std::io::Write, status: &Status) -> std::io::Result<()> {
    writeln!(
        out,
        "{} ban(s) in force (backend {})",
        status.bans.len(),
        status.backend
    )?;
    if let Some(error) = &status.firewall_error {
        writeln!(out, "the firewall could not be asked: {error}")?;
    }
    for ban in &status.bans {
        let firewall = match ban.in_firewall {
            Some(false) => "  NOT IN THE FIREWALL",
            Some(true) | None => "",
        };
        writeln!(
            out,
            "{:<24} {:>9} left  offence {}  {} (from {}){firewall}",
            Target::new(ban.record.target).to_string(),
            duration(ban.remaining_seconds),
            ban.record.offence,
            ban.record.reason,
            ban.record.source,
        )?;
        writeln!(
            out,
            "    {}",
            ban.record.evidence.replace(['\r', '\n'], " ")
        )?;
    }
    for ban in &status.firewall_only {
        writeln!(
            out,
            "{:<24} {:>9} left  in the firewall only: {}",
            ban.target.to_string(),
            ban.remaining_seconds
                .and_then(|left| i64::try_from(left).ok())
                .map_or_else(|| "-".to_owned(), duration),
            ban.reason.as_deref().unwrap_or("-")
        )?;
    }
    Ok(())
}

/// `1h02m05s`, `4m10s`, `42s`.
fn duration(seconds: i64) -> String {
    let (hours, minutes, seconds) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    match (hours, minutes) {
        (0, 0) => format!("{seconds}s"),
        (0, _) => format!("{minutes}m{seconds:02}s"),
        _ => format!("{hours}h{minutes:02}m{seconds:02}s"),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn durations_read_naturally() {
        assert_eq!(super::duration(42), "42s");
        assert_eq!(super::duration(250), "4m10s");
        assert_eq!(super::duration(3725), "1h02m05s");
    }
}

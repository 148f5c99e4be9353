//! `voipguard guard --config guard.toml`: the long-running guard.
//!
//! The sources (logsource) run as tasks on worker threads and send lines and AMI events on one
//! bounded channel; this loop parses them (guard), feeds failures to the decision engine, and
//! carries out its bans through the configured backend (firewall) wrapped in [`Guarded`], so the
//! allowlist, the trunks and the machine's own addresses are refused even if the engine were
//! wrong.
//!
//! Expiry: nftables bans expire by nft's own element timeouts (even while the guard is stopped),
//! the dry run expires its bans itself; only the command hook, which cannot time anything, gets
//! an unban from the guard when a ban ends (checked every few seconds).
//!
//! Time: the engine counts in wall-clock seconds at reception, not the lines' own timestamps
//! (often local time without a zone, and arbitrary when a file is read from its beginning).

use std::borrow::Cow;
use std::collections::HashMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::Context as _;
use tokio::signal::unix::{SignalKind, signal};
use tokio::time::MissedTickBehavior;
use voipguard_firewall::{
    Backend, BanOutcome, CommandHook, DryRun, FirewallError, Guarded, Nftables, Target,
};
use voipguard_guard::{Decision, Engine, IpNet, LineOutcome, Parser, parse_ami_event};
use voipguard_logsource::{
    ItemKind, OffsetStore, SourceId, SourceItem, SourceMessage, SourceStatus, Sources, StatusKind,
};

use super::config::{FirewallConfig, LoadedConfig, SourceSpec, describe};
use super::own_addresses::own_addresses;
use super::state::{BanBook, BanRecord, StateDir};

/// Messages the sources may queue before they wait for the engine.
const CHANNEL_CAPACITY: usize = 4096;
/// How often the sources write their offsets.
const OFFSETS_EVERY: Duration = Duration::from_secs(5);
/// How often ended bans are looked for.
const EXPIRE_EVERY: Duration = Duration::from_secs(2);
/// How soon a changed ban list reaches `bans.json`.
const BANS_FLUSH_EVERY: Duration = Duration::from_secs(1);
/// How often unparsed failure lines are summed up in the log.
const SUMMARY_EVERY: Duration = Duration::from_secs(60);

/// Seconds since the Unix epoch.
pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| {
            i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX)
        })
}

/// The backend `config` names.
pub fn backend(config: &FirewallConfig) -> anyhow::Result<Box<dyn Backend + Send>> {
    Ok(match config {
        FirewallConfig::Nftables { command, forward } => {
            Box::new(Nftables::new(command.clone())?.with_forward_chain(*forward))
        }
        FirewallConfig::DryRun => Box::new(DryRun::new()),
        FirewallConfig::Command {
            ban,
            unban,
            timeout_seconds,
        } => {
            let hook = CommandHook::new(ban.clone(), unban.clone())?;
            Box::new(match timeout_seconds {
                Some(seconds) => hook.with_deadline(Duration::from_secs(*seconds)),
                None => hook,
            })
        }
    })
}

/// Runs the guard until SIGINT or SIGTERM.
pub fn run(loaded: &LoadedConfig) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(serve(loaded))
}

#[derive(Debug, Default)]
struct Counters {
    lines: u64,
    failures: u64,
    unparsed: u64,
    unparsed_since_summary: u64,
    bans: u64,
    alerts: u64,
}

struct Daemon {
    engine: Engine,
    backend: Guarded<Box<dyn Backend + Send>>,
    /// The guard must unban at expiry (the backend has no timeouts of its own).
    unban_at_expiry: bool,
    /// One per source: a parser keeps per-stream state (the year, sshd connections).
    parsers: HashMap<SourceId, Parser>,
    book: BanBook,
    book_changed: bool,
    state: StateDir,
    counters: Counters,
}

async fn serve(loaded: &LoadedConfig) -> anyhow::Result<()> {
    let config = &loaded.config;
    let sources = loaded.sources()?;
    let state = StateDir::new(&config.state_dir);
    state.create()?;

    let mut allowlist = loaded.configured_allowlist();
    let own = own_addresses();
    tracing::info!("never banned (this machine): {}", describe(&own));
    if !allowlist.is_empty() {
        tracing::info!("never banned (configured): {}", describe(&allowlist));
    }
    allowlist.extend(own);
    allowlist.sort_unstable();
    allowlist.dedup();
    let mut policy = config.policy.clone();
    policy.allowlist.clone_from(&allowlist);

    let engine = match state.load_engine()? {
        Some(saved) => {
            let engine = Engine::restore(policy, saved);
            tracing::info!(
                sources = engine.tracked_sources(),
                "engine state restored from {}",
                config.state_dir.display()
            );
            engine
        }
        None => Engine::new(policy),
    };
    let mut backend = Guarded::new(
        backend(&config.firewall)?,
        allowlist.iter().copied().map(Target::new),
    );
    backend
        .ensure()
        .with_context(|| format!("the {} firewall backend", config.firewall.name()))?;
    let mut daemon = Daemon {
        engine,
        backend,
        unban_at_expiry: matches!(config.firewall, FirewallConfig::Command { .. }),
        parsers: HashMap::new(),
        book: state.load_bans()?,
        book_changed: false,
        state,
        counters: Counters::default(),
    };
    daemon.reapply_bans(unix_now());

    let offsets = OffsetStore::load(daemon.state.offsets())?;
    let (mut running, mut messages) = Sources::new(offsets, CHANNEL_CAPACITY, OFFSETS_EVERY);
    let mut endless = 0_usize;
    for (name, spec) in sources {
        let id = SourceId::new(&name);
        match spec {
            SourceSpec::File(file) => {
                endless += 1;
                running.follow_file(id, file);
            }
            SourceSpec::Stdin => running.read_lines(id, tokio::io::stdin()),
            SourceSpec::Ami(ami) => {
                endless += 1;
                running.subscribe_ami(id, ami);
            }
        }
    }
    tracing::info!(
        backend = config.firewall.name(),
        "guard started; {} source(s)",
        loaded.config.sources.len()
    );

    let mut terminate = signal(SignalKind::terminate()).context("cannot catch SIGTERM")?;
    let mut interrupt = signal(SignalKind::interrupt()).context("cannot catch SIGINT")?;
    let mut expire = ticker(EXPIRE_EVERY);
    let mut flush = ticker(BANS_FLUSH_EVERY);
    let mut save = ticker(Duration::from_secs(u64::from(config.save_interval_seconds)));
    let mut summary = ticker(SUMMARY_EVERY);
    let mut stopping = false;
    loop {
        tokio::select! {
            message = messages.recv() => match message {
                Some(SourceMessage::Item(item)) => daemon.take(&item),
                Some(SourceMessage::Status(status)) => {
                    // Standard input ending leaves nothing to guard when it was the only source.
                    if matches!(status.kind, StatusKind::Ended) && endless == 0 && !stopping {
                        running.stop();
                        stopping = true;
                    }
                    log_status(&status);
                }
                None => break,
            },
            _ = terminate.recv(), if !stopping => {
                tracing::info!("SIGTERM: stopping");
                running.stop();
                stopping = true;
            }
            _ = interrupt.recv(), if !stopping => {
                tracing::info!("SIGINT: stopping");
                running.stop();
                stopping = true;
            }
            _ = expire.tick() => daemon.expire(unix_now()),
            _ = flush.tick() => daemon.flush_bans(unix_now()),
            _ = save.tick() => daemon.save_engine(unix_now()),
            _ = summary.tick() => daemon.summarise(),
        }
    }
    let joined = running.join().await;
    let now = unix_now();
    daemon.book_changed = true;
    daemon.flush_bans(now);
    daemon.save_engine(now);
    let counters = &daemon.counters;
    tracing::info!(
        lines = counters.lines,
        failures = counters.failures,
        unparsed = counters.unparsed,
        bans = counters.bans,
        alerts = counters.alerts,
        "guard stopped"
    );
    joined.context("the log sources did not stop cleanly")
}

fn ticker(every: Duration) -> tokio::time::Interval {
    let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
    ticker
}

fn log_status(status: &SourceStatus) {
    match status.kind {
        StatusKind::Error(_) | StatusKind::AmiDisconnected { .. } | StatusKind::Missing { .. } => {
            tracing::warn!("{status}");
        }
        StatusKind::LineTooLong { .. } => tracing::warn!("{status}"),
        _ => tracing::info!("{status}"),
    }
}

/// Evidence on one log line: AMI events are `Key: value` lines.
fn one_line(text: &str) -> Cow<'_, str> {
    if text.contains(['\r', '\n']) {
        Cow::Owned(
            text.split(['\r', '\n'])
                .filter(|part| !part.is_empty())
                .collect::<Vec<_>>()
                .join(" | "),
        )
    } else {
        Cow::Borrowed(text)
    }
}

impl Daemon {
    fn take(&mut self, item: &SourceItem) {
        self.counters.lines += 1;
        let outcome = match item.kind {
            ItemKind::Line => self
                .parsers
                .entry(item.source.clone())
                .or_default()
                .parse_line(&item.text),
            ItemKind::AmiEvent => parse_ami_event(&item.text),
        };
        match outcome {
            LineOutcome::Failure(failure) => {
                self.counters.failures += 1;
                let now = unix_now();
                for decision in self.engine.observe(&failure, now) {
                    self.carry_out(decision, &item.source, now);
                }
            }
            LineOutcome::Ignored => {}
            LineOutcome::Unparsed(why) => {
                self.counters.unparsed += 1;
                self.counters.unparsed_since_summary += 1;
                tracing::debug!(
                    source = %item.source,
                    line = %one_line(&item.text),
                    "looks like a failure but cannot be read: {why}"
                );
            }
        }
    }

    fn carry_out(&mut self, decision: Decision, source: &SourceId, now: i64) {
        match decision {
            Decision::Ban {
                target,
                until,
                reason,
                offence,
                evidence,
            } => {
                let record = BanRecord {
                    target,
                    banned_at: now,
                    until,
                    reason: reason.to_string(),
                    offence,
                    source: source.to_string(),
                    evidence,
                };
                if self.ban(&record, now, "banned") {
                    self.counters.bans += 1;
                    self.book.insert(record);
                    self.book_changed = true;
                }
            }
            Decision::Alert {
                account,
                service,
                sources,
                seconds,
                evidence,
            } => {
                self.counters.alerts += 1;
                tracing::warn!(
                    %account,
                    %service,
                    sources,
                    source = %source,
                    evidence = %one_line(&evidence),
                    "distributed attack: {sources} sources failed on one account within {seconds} s \
                     (nobody banned for it: the account's real users would be too)"
                );
            }
        }
    }

    /// Applies `record` to the backend; says whether the ban is in force.
    fn ban(&mut self, record: &BanRecord, now: i64, what: &str) -> bool {
        let target = Target::new(record.target);
        let seconds = u64::try_from(record.until.saturating_sub(now))
            .unwrap_or(0)
            .max(1);
        let reason = format!("{}, offence {}", record.reason, record.offence);
        match self
            .backend
            .ban(target, Duration::from_secs(seconds), &reason)
        {
            Ok(outcome) => {
                let covered = match &outcome {
                    BanOutcome::CoveredBy(wider) => {
                        format!(" (within the ban of {})", wider.target)
                    }
                    BanOutcome::Added { .. } | BanOutcome::Refreshed => String::new(),
                };
                tracing::info!(
                    offence = record.offence,
                    source = %record.source,
                    evidence = %one_line(&record.evidence),
                    "{what} {target} for {seconds} s: {}{covered}",
                    record.reason
                );
                true
            }
            Err(error @ FirewallError::Refused { .. }) => {
                tracing::warn!(
                    evidence = %one_line(&record.evidence),
                    "{error}"
                );
                false
            }
            Err(error) => {
                tracing::error!(%target, "ban failed: {error}");
                false
            }
        }
    }

    /// Bans saved by the previous run that the backend no longer holds (a dry run or a hook
    /// forget everything; an nftables table may have been deleted or the host rebooted).
    fn reapply_bans(&mut self, now: i64) {
        self.book.expire(now);
        let present: Vec<Target> = match self.backend.bans() {
            Ok(bans) => bans.into_iter().map(|ban| ban.target).collect(),
            Err(error) => {
                tracing::warn!("cannot list the firewall's bans ({error}); re-applying them all");
                Vec::new()
            }
        };
        let missing: Vec<BanRecord> = self
            .book
            .active(now)
            .filter(|record| {
                let target = Target::new(record.target);
                !present.iter().any(|held| held.contains(&target))
            })
            .cloned()
            .collect();
        for record in &missing {
            self.ban(record, now, "re-applied the ban of");
        }
        let kept = self.book.active(now).count() - missing.len();
        if kept > 0 {
            tracing::info!("{kept} saved ban(s) still in force in the firewall");
        }
    }

    fn expire(&mut self, now: i64) {
        let lifted: Vec<IpNet> = self.engine.expire(now);
        for net in lifted {
            tracing::info!(target = %net, "ban of {net} ended");
            if self.unban_at_expiry
                && let Err(error) = self.backend.unban(Target::new(net))
            {
                tracing::error!(target = %net, "unban failed: {error}");
            }
        }
        if self.book.expire(now) {
            self.book_changed = true;
        }
    }

    fn flush_bans(&mut self, now: i64) {
        if !self.book_changed {
            return;
        }
        self.book.stamp(now);
        match self.state.save_bans(&self.book) {
            Ok(()) => self.book_changed = false,
            Err(error) => tracing::error!("{error:#}"),
        }
    }

    fn save_engine(&self, now: i64) {
        if let Err(error) = self.state.save_engine(self.engine.state(), now) {
            tracing::error!("{error:#}");
        }
    }

    fn summarise(&mut self) {
        let recent = std::mem::take(&mut self.counters.unparsed_since_summary);
        if recent > 0 {
            tracing::info!(
                "{recent} line(s) in the last {} s looked like failures but could not be read \
                 ({} in all; -vv shows them)",
                SUMMARY_EVERY.as_secs(),
                self.counters.unparsed
            );
        }
    }
}

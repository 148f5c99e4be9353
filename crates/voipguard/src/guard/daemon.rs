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
//! SIGHUP reloads the configuration file (policy, allowlist, trunks, sources) without losing
//! counters, bans or offsets; a file that does not read is reported (file:line:column, what was
//! expected) and the configuration in force stays.
//!
//! Time: the engine counts in wall-clock seconds at reception, not the lines' own timestamps
//! (often local time without a zone, and arbitrary when a file is read from its beginning).

use std::borrow::Cow;
use std::collections::HashMap;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::Context as _;
use tokio::signal::unix::{SignalKind, signal};
use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;
use voipguard_firewall::{
    Backend, BanOutcome, CommandHook, DryRun, FirewallError, Guarded, Nftables, Target,
};
use voipguard_guard::parse::{UnansweredChallenges, auth_event_in_ami, auth_event_in_line};
use voipguard_guard::{
    Decision, Engine, Failure, IpNet, LineOutcome, Parser, Policy, SshdMode, parse_ami_event,
};
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

/// Runs the guard until SIGINT or SIGTERM; SIGHUP reloads `loaded.path`.
pub fn run(loaded: LoadedConfig) -> anyhow::Result<()> {
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
    /// How the parsers read sshd messages.
    sshd_mode: SshdMode,
    /// Challenges nobody answers: failures no log line reports.
    challenges: UnansweredChallenges,
    book: BanBook,
    book_changed: bool,
    state: StateDir,
    /// The engine state being written on a blocking thread: one write at a time.
    saving: Option<JoinHandle<()>>,
    counters: Counters,
}

/// The sources as configured and as running: a reload compares the two.
struct RunningSources {
    sources: Sources,
    started: Vec<(String, SourceSpec)>,
}

impl RunningSources {
    fn start(&mut self, name: &str, spec: &SourceSpec) {
        let id = SourceId::new(name);
        match spec {
            SourceSpec::File(file) => self.sources.follow_file(id, file.clone()),
            SourceSpec::Stdin => self.sources.read_lines(id, tokio::io::stdin()),
            SourceSpec::Ami(ami) => self.sources.subscribe_ami(id, ami.clone()),
        }
    }

    /// Sources that never end by themselves (all but standard input).
    fn endless(&self) -> usize {
        self.started
            .iter()
            .filter(|(_, spec)| !matches!(spec, SourceSpec::Stdin))
            .count()
    }
}

/// The networks never banned: the configured ones and the machine's own addresses.
fn never_banned(loaded: &LoadedConfig) -> Vec<IpNet> {
    let mut allowlist = loaded.configured_allowlist();
    let own = own_addresses();
    tracing::info!("never banned (this machine): {}", describe(&own));
    if !allowlist.is_empty() {
        tracing::info!("never banned (configured): {}", describe(&allowlist));
    }
    allowlist.extend(own);
    allowlist.sort_unstable();
    allowlist.dedup();
    allowlist
}

fn policy_of(loaded: &LoadedConfig, allowlist: &[IpNet]) -> Policy {
    let mut policy = loaded.config.policy.clone();
    policy.allowlist = allowlist.to_vec();
    policy
}

async fn serve(mut loaded: LoadedConfig) -> anyhow::Result<()> {
    let sources = loaded.sources()?;
    let state = StateDir::new(&loaded.config.state_dir);
    state.create()?;

    let allowlist = never_banned(&loaded);
    let policy = policy_of(&loaded, &allowlist);
    let engine = match state.load_engine()? {
        Some(saved) => {
            let engine = Engine::restore(policy, saved);
            tracing::info!(
                sources = engine.tracked_sources(),
                "engine state restored from {}",
                loaded.config.state_dir.display()
            );
            engine
        }
        None => Engine::new(policy),
    };
    let mut backend = Guarded::new(
        backend(&loaded.config.firewall)?,
        allowlist.iter().copied().map(Target::new),
    );
    backend
        .ensure()
        .with_context(|| format!("the {} firewall backend", loaded.config.firewall.name()))?;
    let mut daemon = Daemon {
        engine,
        backend,
        unban_at_expiry: matches!(loaded.config.firewall, FirewallConfig::Command { .. }),
        parsers: HashMap::new(),
        sshd_mode: loaded.config.sshd.mode,
        challenges: UnansweredChallenges::new(loaded.config.unanswered_challenges),
        book: state.load_bans()?,
        book_changed: false,
        state,
        saving: None,
        counters: Counters::default(),
    };
    daemon.reapply_bans(unix_now());

    let offsets = OffsetStore::load(daemon.state.offsets())?;
    let (running, mut messages) = Sources::new(offsets, CHANNEL_CAPACITY, OFFSETS_EVERY);
    let mut running = RunningSources {
        sources: running,
        started: Vec::new(),
    };
    for (name, spec) in &sources {
        running.start(name, spec);
    }
    running.started = sources;

    // Installed before the start is announced: until then SIGHUP would still kill the process.
    let mut terminate = signal(SignalKind::terminate()).context("cannot catch SIGTERM")?;
    let mut interrupt = signal(SignalKind::interrupt()).context("cannot catch SIGINT")?;
    let mut hangup = signal(SignalKind::hangup()).context("cannot catch SIGHUP")?;
    tracing::info!(
        backend = loaded.config.firewall.name(),
        "guard started; {} source(s)",
        running.started.len()
    );

    let mut expire = ticker(EXPIRE_EVERY);
    let mut flush = ticker(BANS_FLUSH_EVERY);
    let mut save = ticker(save_interval(&loaded));
    let mut summary = ticker(SUMMARY_EVERY);
    let mut stopping = false;
    loop {
        tokio::select! {
            message = messages.recv() => match message {
                Some(SourceMessage::Item(item)) => daemon.take(&item),
                Some(SourceMessage::Status(status)) => {
                    // Standard input ending leaves nothing to guard when it was the only source.
                    if matches!(status.kind, StatusKind::Ended)
                        && running.endless() == 0
                        && !stopping
                    {
                        running.sources.stop();
                        stopping = true;
                    }
                    log_status(&status);
                }
                None => break,
            },
            _ = terminate.recv(), if !stopping => {
                tracing::info!("SIGTERM: stopping");
                running.sources.stop();
                stopping = true;
            }
            _ = interrupt.recv(), if !stopping => {
                tracing::info!("SIGINT: stopping");
                running.sources.stop();
                stopping = true;
            }
            _ = hangup.recv(), if !stopping => {
                match daemon.reload(&loaded, &mut running).await {
                    Ok(reloaded) => {
                        if save_interval(&reloaded) != save_interval(&loaded) {
                            save = ticker(save_interval(&reloaded));
                        }
                        loaded = reloaded;
                    }
                    Err(error) => tracing::error!(
                        "SIGHUP: the configuration was not reloaded, the previous one stays in \
                         force: {error:#}"
                    ),
                }
            }
            _ = expire.tick() => daemon.expire(unix_now()),
            _ = flush.tick() => daemon.flush_bans(unix_now()),
            _ = save.tick() => daemon.save_engine_in_background(unix_now()),
            _ = summary.tick() => daemon.summarise(),
        }
    }
    let joined = running.sources.join().await;
    let now = unix_now();
    daemon.book_changed = true;
    daemon.flush_bans(now);
    daemon.save_engine_at_exit(now).await;
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

fn is_among(sources: &[(String, SourceSpec)], name: &str, spec: &SourceSpec) -> bool {
    sources
        .iter()
        .any(|(other, settings)| other == name && settings == spec)
}

fn save_interval(loaded: &LoadedConfig) -> Duration {
    Duration::from_secs(u64::from(loaded.config.save_interval_seconds))
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
                .or_insert_with(|| Parser::default().with_sshd_mode(self.sshd_mode))
                .parse_line(&item.text),
            ItemKind::AmiEvent => parse_ami_event(&item.text),
        };
        let auth_event = match item.kind {
            ItemKind::Line => auth_event_in_line,
            ItemKind::AmiEvent => auth_event_in_ami,
        };
        match self
            .challenges
            .count(outcome, &item.text, auth_event, unix_now)
        {
            LineOutcome::Failure(failure) => self.count(&failure, &item.source),
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

    fn count(&mut self, failure: &Failure<'_>, source: &SourceId) {
        self.counters.failures += 1;
        let now = unix_now();
        for decision in self.engine.observe(failure, now) {
            self.carry_out(decision, source, now);
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

    /// Writes the engine's state without holding up the lines: the main loop only takes a
    /// snapshot (a copy of the counters), serialising and writing it happen on a blocking
    /// thread. A write still under way when the next is due is left to finish first.
    fn save_engine_in_background(&mut self, now: i64) {
        if self
            .saving
            .as_ref()
            .is_some_and(|saving| !saving.is_finished())
        {
            tracing::debug!("the previous engine state is still being written; saving later");
            return;
        }
        let started = Instant::now();
        let snapshot = self.engine.state();
        let held = started.elapsed();
        let sources = self.engine.tracked_sources();
        let state = self.state.clone();
        self.saving = Some(tokio::task::spawn_blocking(move || {
            let started = Instant::now();
            match state.save_engine(snapshot, now) {
                Ok(()) => tracing::debug!(
                    sources,
                    "engine state saved: the main loop was held {held:?} for the snapshot, \
                     the write took {:?} beside it",
                    started.elapsed()
                ),
                Err(error) => tracing::error!("{error:#}"),
            }
        }));
    }

    /// The last save: after any write under way, so that the newest state is the one kept.
    async fn save_engine_at_exit(&mut self, now: i64) {
        if let Some(saving) = self.saving.take()
            && let Err(error) = saving.await
        {
            tracing::error!("writing the engine state failed: {error}");
        }
        if let Err(error) = self.state.save_engine(self.engine.state(), now) {
            tracing::error!("{error:#}");
        }
    }

    /// Reads the configuration file again and puts it in force: policy, allowlist, trunks and
    /// sources. Counters, bans and offsets are kept; sources whose settings did not change go on
    /// undisturbed. Nothing changes unless the whole file is valid. `state_dir` and `[firewall]`
    /// need a restart: changes to them are reported and left aside.
    async fn reload(
        &mut self,
        current: &LoadedConfig,
        running: &mut RunningSources,
    ) -> anyhow::Result<LoadedConfig> {
        tracing::info!("SIGHUP: reloading {}", current.path.display());
        let mut reloaded = LoadedConfig::load(&current.path)?;
        let sources = reloaded.sources()?;
        if reloaded.config.state_dir != current.config.state_dir {
            tracing::warn!(
                "state_dir changed: that takes a restart; still using {}",
                current.config.state_dir.display()
            );
            reloaded
                .config
                .state_dir
                .clone_from(&current.config.state_dir);
        }
        if reloaded.config.firewall != current.config.firewall {
            tracing::warn!(
                "[firewall] changed: that takes a restart; still using the {} backend as it was",
                current.config.firewall.name()
            );
            reloaded
                .config
                .firewall
                .clone_from(&current.config.firewall);
        }

        let allowlist = never_banned(&reloaded);
        let policy = policy_of(&reloaded, &allowlist);
        if &policy != self.engine.policy() {
            // Restoring from its own state keeps every counter and ban history.
            self.engine = Engine::restore(policy, self.engine.state());
        }
        self.backend
            .set_allowlist(allowlist.iter().copied().map(Target::new));
        self.challenges
            .set_allowance(reloaded.config.unanswered_challenges);
        self.sshd_mode = reloaded.config.sshd.mode;
        for parser in self.parsers.values_mut() {
            parser.set_sshd_mode(self.sshd_mode);
        }
        self.lift_allowlisted(&allowlist);

        let (mut stopped, mut started) = (0, 0);
        for (name, spec) in &running.started {
            if !is_among(&sources, name, spec) {
                let id = SourceId::new(name);
                running.sources.stop_source(&id).await;
                self.parsers.remove(&id);
                tracing::info!(source = %name, "source stopped (removed or changed)");
                stopped += 1;
            }
        }
        for (name, spec) in &sources {
            if !is_among(&running.started, name, spec) {
                running.start(name, spec);
                tracing::info!(source = %name, "source started");
                started += 1;
            }
        }
        running.started = sources;
        tracing::info!(
            "configuration reloaded from {}: {} source(s), {started} started, {stopped} stopped",
            reloaded.path.display(),
            running.started.len()
        );
        Ok(reloaded)
    }

    /// Lifts the bans of targets the allowlist now covers: an administrator adds an address
    /// to the allowlist to let it in.
    fn lift_allowlisted(&mut self, allowlist: &[IpNet]) {
        let covered = |target: &IpNet| {
            allowlist
                .iter()
                .any(|net| net.contains(&target.network()) || target.contains(&net.network()))
        };
        let lifted = self.book.lift(|ban| covered(&ban.target));
        for ban in lifted {
            self.book_changed = true;
            match self.backend.unban(Target::new(ban.target)) {
                Ok(_) => tracing::info!(
                    target = %ban.target,
                    "ban of {} lifted: the allowlist now covers it",
                    ban.target
                ),
                Err(error) => tracing::error!(target = %ban.target, "unban failed: {error}"),
            }
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

#[cfg(test)]
mod tests {
    use std::net::{IpAddr, Ipv4Addr};
    use std::path::Path;

    use voipguard_guard::{EngineState, Reason, Service, Threshold};

    use super::*;

    const NOW: i64 = 1_730_880_000;
    const EVIDENCE: &str = "chan_sip.c: Registration from '<sip:100@203.0.113.1>' failed";

    fn failure(address: IpAddr) -> Failure<'static> {
        Failure {
            service: Service::Sip,
            address,
            account: None,
            reason: Reason::WrongPassword,
            time: None,
            attempts: 1,
            evidence: EVIDENCE,
        }
    }

    /// The `n`th of many distinct attacking addresses (10.0.0.0/8 and beyond).
    fn attacker(n: u32) -> IpAddr {
        IpAddr::V4(Ipv4Addr::from(0x0a00_0000 + n))
    }

    /// A guard whose engine follows `sources` addresses that failed once each.
    fn daemon_with(state: &Path, sources: u32) -> Daemon {
        let mut engine = Engine::new(Policy::default());
        for n in 0..sources {
            engine.observe(&failure(attacker(n)), NOW);
        }
        let dry_run: Box<dyn Backend + Send> = Box::new(DryRun::new());
        Daemon {
            engine,
            backend: Guarded::new(dry_run, []),
            unban_at_expiry: false,
            parsers: HashMap::new(),
            sshd_mode: SshdMode::Normal,
            challenges: UnansweredChallenges::new(Threshold {
                count: 0,
                seconds: 0,
            }),
            book: BanBook::default(),
            book_changed: false,
            state: StateDir::new(state),
            saving: None,
            counters: Counters::default(),
        }
    }

    /// The state as sorted JSON: two engines holding the same state iterate it differently.
    fn sorted(state: &EngineState) -> Vec<String> {
        let json = serde_json::to_value(state).unwrap_or_else(|e| panic!("{e}"));
        let mut parts: Vec<String> = ["sources", "accounts"]
            .iter()
            .filter_map(|key| json.get(key)?.as_array())
            .flatten()
            .map(ToString::to_string)
            .collect();
        parts.sort_unstable();
        parts
    }

    #[test]
    fn a_background_save_restores_the_state_of_its_snapshot_while_bans_go_on() {
        let folder = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let sources = 20_000;
        let mut daemon = daemon_with(folder.path(), sources);
        let runtime = tokio::runtime::Runtime::new().unwrap_or_else(|e| panic!("{e}"));
        let banned = runtime.block_on(async {
            let expected = sorted(&daemon.engine.state());
            daemon.save_engine_in_background(NOW);
            // While it is written the engine goes on deciding: nine more failures of one
            // address (ten with the one before the snapshot) ban it.
            let mut bans = Vec::new();
            for _ in 0..9 {
                bans.extend(daemon.engine.observe(&failure(attacker(0)), NOW + 1));
            }
            if let Some(saving) = daemon.saving.take() {
                saving.await.unwrap_or_else(|e| panic!("{e}"));
            }
            let saved = daemon
                .state
                .load_engine()
                .unwrap_or_else(|e| panic!("{e:#}"));
            let saved = saved.unwrap_or_else(|| panic!("no engine.json"));
            let restored = Engine::restore(Policy::default(), saved);
            assert_eq!(restored.tracked_sources(), sources as usize);
            assert_eq!(sorted(&restored.state()), expected);
            bans
        });
        assert!(
            matches!(banned.as_slice(), [Decision::Ban { offence: 1, .. }]),
            "{banned:?}"
        );
        let files = std::fs::read_dir(folder.path()).map(Iterator::count).ok();
        assert_eq!(files, Some(1), "engine.json only, no temporary file left");
    }

    /// The daemon and `guard --replay` count a burst of unanswered challenges alike: the same
    /// failures and the same bans. The daemon dates challenges by its clock, the replay by the
    /// lines (2 s apart), so the burst is one run for both.
    #[test]
    fn daemon_and_replay_agree_on_unanswered_challenges() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../guard/tests/data/security_challenge_burst.log");
        let log =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let folder = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let mut daemon = daemon_with(folder.path(), 0);
        daemon
            .challenges
            .set_allowance(UnansweredChallenges::DEFAULT_ALLOWANCE);
        let source = SourceId::new("security");
        for line in log.lines() {
            daemon.take(&SourceItem {
                source: source.clone(),
                kind: ItemKind::Line,
                text: line.to_owned(),
            });
        }
        let mut replay = voipguard_guard::Replay::new(Policy::default(), Parser::new(2024));
        replay
            .read("security", log.as_bytes())
            .unwrap_or_else(|e| panic!("{e}"));
        let report = replay.finish();
        // 15 challenges beyond the allowance, 25 wrong answers; the scanner and the guesser
        // are banned.
        assert_eq!(daemon.counters.failures, 40);
        assert_eq!(daemon.counters.failures, report.failures);
        assert_eq!(daemon.counters.bans, 2);
        assert_eq!(daemon.counters.bans, report.bans);
        let mut banned: Vec<IpNet> = daemon.book.active(unix_now()).map(|b| b.target).collect();
        banned.sort_unstable();
        let mut would_ban: Vec<IpNet> = report
            .sources()
            .filter(|s| s.would_ban)
            .map(|s| IpNet::from(s.address))
            .collect();
        would_ban.sort_unstable();
        assert_eq!(banned, would_ban);
    }

    /// `cargo test -p voipguard --release --bin voipguard -- --ignored --nocapture million`: how long the
    /// main loop is held by a save of 1,000,000 sources, written in place (as before) and from a
    /// snapshot on a blocking thread (now).
    #[test]
    #[ignore = "a benchmark: build with --release"]
    #[allow(
        clippy::print_stderr,
        reason = "the benchmark's figures are its output"
    )]
    fn million_sources_save_stall() {
        const RUNS: usize = 5;
        let folder = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let mut daemon = daemon_with(folder.path(), 1_000_000);
        let runtime = tokio::runtime::Runtime::new().unwrap_or_else(|e| panic!("{e}"));
        let (mut in_place, mut held, mut written) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..RUNS {
            let started = Instant::now();
            daemon
                .state
                .save_engine(daemon.engine.state(), NOW)
                .unwrap_or_else(|e| panic!("{e:#}"));
            in_place.push(started.elapsed());
            runtime.block_on(async {
                let started = Instant::now();
                daemon.save_engine_in_background(NOW);
                held.push(started.elapsed());
                if let Some(saving) = daemon.saving.take() {
                    saving.await.unwrap_or_else(|e| panic!("{e}"));
                }
                written.push(started.elapsed());
            });
        }
        let size = std::fs::metadata(folder.path().join("engine.json")).map_or(0, |m| m.len());
        let min_median = |times: &mut Vec<Duration>| {
            times.sort_unstable();
            let at = |index: usize| times.get(index).copied().unwrap_or_default();
            format!("min {:?}, median {:?}", at(0), at(RUNS / 2))
        };
        eprintln!(
            "1,000,000 sources, engine.json {size} bytes, {RUNS} runs: the main loop is held \
             {} by a save in place; {} by a background save (written in {})",
            min_median(&mut in_place),
            min_median(&mut held),
            min_median(&mut written),
        );
    }
}

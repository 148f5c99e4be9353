//! The in-memory list of bans kept by the backends that have no kernel set to ask.

use std::time::{Duration, Instant};

use crate::plan::{plan_ban, plan_unban};
use crate::{ActiveBan, BanOutcome, Target, UnbanOutcome};

#[derive(Debug, Clone)]
struct Entry {
    target: Target,
    timeout: Duration,
    expires_at: Instant,
    reason: String,
}

/// Bans made by this process, each expiring like an nftables element would.
#[derive(Debug, Default)]
pub(crate) struct Ledger {
    entries: Vec<Entry>,
}

impl Ledger {
    /// The bans still running at `now`.
    pub(crate) fn active(&self, now: Instant) -> Vec<ActiveBan> {
        let mut bans: Vec<ActiveBan> = self
            .entries
            .iter()
            .filter_map(|entry| {
                let remaining = entry.expires_at.checked_duration_since(now)?;
                (!remaining.is_zero()).then(|| ActiveBan {
                    target: entry.target,
                    remaining: Some(remaining),
                    timeout: Some(entry.timeout),
                    reason: Some(entry.reason.clone()),
                })
            })
            .collect();
        bans.sort_by_key(|ban| ban.target);
        bans
    }

    /// What banning `target` at `now` would do, without doing it.
    pub(crate) fn plan_ban(&self, target: Target, now: Instant) -> BanOutcome {
        plan_ban(&self.active(now), target)
    }

    /// What unbanning `target` at `now` would do, without doing it.
    pub(crate) fn plan_unban(&self, target: Target, now: Instant) -> UnbanOutcome {
        plan_unban(&self.active(now), target)
    }

    /// Records a ban planned by [`Ledger::plan_ban`]: drops what it supersedes (and what has
    /// expired), then (re)starts the ban's clock.
    pub(crate) fn record_ban(
        &mut self,
        target: Target,
        timeout: Duration,
        reason: &str,
        now: Instant,
    ) {
        self.entries
            .retain(|entry| entry.expires_at > now && !target.contains(&entry.target));
        self.entries.push(Entry {
            target,
            timeout,
            expires_at: now + timeout,
            reason: reason.to_owned(),
        });
    }

    /// Forgets the bans on `target` and everything inside it.
    pub(crate) fn record_unban(&mut self, target: Target) {
        self.entries.retain(|entry| !target.contains(&entry.target));
    }

    /// Forgets every ban.
    pub(crate) fn clear(&mut self) {
        self.entries.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(text: &str) -> Target {
        text.parse().unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn bans_expire_and_refresh_restarts_the_clock() {
        let start = Instant::now();
        let mut ledger = Ledger::default();
        ledger.record_ban(target("192.0.2.1"), Duration::from_secs(10), "first", start);
        let later = start + Duration::from_secs(8);
        assert_eq!(
            ledger.active(later).first().and_then(|ban| ban.remaining),
            Some(Duration::from_secs(2))
        );
        assert_eq!(
            ledger.plan_ban(target("192.0.2.1"), later),
            BanOutcome::Refreshed
        );
        ledger.record_ban(
            target("192.0.2.1"),
            Duration::from_secs(10),
            "second",
            later,
        );
        let active = ledger.active(later);
        assert_eq!(active.len(), 1);
        assert_eq!(
            active.first().and_then(|ban| ban.reason.as_deref()),
            Some("second")
        );
        assert!(ledger.active(later + Duration::from_secs(10)).is_empty());
    }

    #[test]
    fn a_wider_ban_replaces_the_narrower_ones() {
        let now = Instant::now();
        let mut ledger = Ledger::default();
        ledger.record_ban(target("2001:db8::1"), Duration::from_secs(60), "a", now);
        ledger.record_ban(target("2001:db8::2"), Duration::from_secs(60), "b", now);
        ledger.record_ban(target("2001:db8::/64"), Duration::from_secs(60), "c", now);
        let targets: Vec<Target> = ledger.active(now).iter().map(|ban| ban.target).collect();
        assert_eq!(targets, vec![target("2001:db8::/64")]);
        ledger.record_unban(target("2001:db8::/64"));
        assert!(ledger.active(now).is_empty());
    }
}

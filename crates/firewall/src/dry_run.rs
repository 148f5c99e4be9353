//! A backend that only says what it would do.

use std::time::{Duration, Instant};

use crate::ledger::Ledger;
use crate::plan::checked_millis;
use crate::{ActiveBan, Backend, BanOutcome, FirewallError, Target, UnbanOutcome};

/// Bans nothing: logs each action (through `tracing`, target `voipguard_firewall`) and keeps
/// the bans in memory, expiring them on time, so that [`Backend::bans`] answers as a real
/// backend would. For trying a configuration on a live system before letting it drop packets.
#[derive(Debug, Default)]
pub struct DryRun {
    ledger: Ledger,
}

impl DryRun {
    /// A dry run with no bans.
    pub fn new() -> Self {
        DryRun::default()
    }
}

impl Backend for DryRun {
    fn ensure(&mut self) -> Result<(), FirewallError> {
        tracing::info!("dry run: would create the firewall table if missing");
        Ok(())
    }

    fn ban(
        &mut self,
        target: Target,
        timeout: Duration,
        reason: &str,
    ) -> Result<BanOutcome, FirewallError> {
        checked_millis(timeout)?;
        let now = Instant::now();
        let outcome = self.ledger.plan_ban(target, now);
        if !matches!(outcome, BanOutcome::CoveredBy(_)) {
            tracing::info!(%target, ?timeout, reason, ?outcome, "dry run: would ban");
            self.ledger.record_ban(target, timeout, reason, now);
        }
        Ok(outcome)
    }

    fn unban(&mut self, target: Target) -> Result<UnbanOutcome, FirewallError> {
        let outcome = self.ledger.plan_unban(target, Instant::now());
        if let UnbanOutcome::Removed(lifted) = &outcome {
            tracing::info!(%target, ?lifted, "dry run: would unban");
            self.ledger.record_unban(target);
        }
        Ok(outcome)
    }

    fn bans(&self) -> Result<Vec<ActiveBan>, FirewallError> {
        Ok(self.ledger.active(Instant::now()))
    }

    fn remove(&mut self) -> Result<(), FirewallError> {
        tracing::info!("dry run: would delete the firewall table");
        self.ledger.clear();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(text: &str) -> Target {
        text.parse().unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn dry_run_tracks_bans_like_a_set_would() {
        let mut backend = DryRun::new();
        let minute = Duration::from_secs(60);
        assert_eq!(
            backend
                .ban(target("2001:db8::7"), minute, "5 failures")
                .ok(),
            Some(BanOutcome::Added { superseded: vec![] })
        );
        assert_eq!(
            backend.ban(target("2001:db8::7"), minute, "again").ok(),
            Some(BanOutcome::Refreshed)
        );
        assert_eq!(
            backend
                .ban(target("2001:db8::/64"), minute, "aggregated")
                .ok(),
            Some(BanOutcome::Added {
                superseded: vec![target("2001:db8::7")]
            })
        );
        let bans = backend.bans().unwrap_or_default();
        assert_eq!(bans.len(), 1);
        assert_eq!(
            bans.first().map(|ban| ban.target),
            Some(target("2001:db8::/64"))
        );
        assert_eq!(
            bans.first().and_then(|ban| ban.reason.as_deref()),
            Some("aggregated")
        );
        assert!(matches!(
            backend.unban(target("2001:db8::7")),
            Ok(UnbanOutcome::CoveredBy(_))
        ));
        assert_eq!(
            backend.unban(target("2001:db8::/64")).ok(),
            Some(UnbanOutcome::Removed(vec![target("2001:db8::/64")]))
        );
        assert_eq!(backend.bans().map(|bans| bans.len()).ok(), Some(0));
    }

    #[test]
    fn dry_run_bans_expire() {
        let mut backend = DryRun::new();
        let banned = backend.ban(target("192.0.2.7"), Duration::from_millis(30), "test");
        assert!(banned.is_ok());
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(backend.bans().map(|bans| bans.len()).ok(), Some(0));
        assert_eq!(
            backend.unban(target("192.0.2.7")).ok(),
            Some(UnbanOutcome::NotBanned)
        );
    }

    #[test]
    fn zero_timeout_is_refused() {
        let mut backend = DryRun::new();
        assert!(matches!(
            backend.ban(target("192.0.2.7"), Duration::ZERO, "test"),
            Err(FirewallError::ZeroTimeout)
        ));
    }
}

//! What a ban or an unban changes, given the bans in place. Shared by every backend so that all
//! of them treat overlapping prefixes alike, the way an nftables interval set forces to: no two
//! elements of a set may overlap.

use crate::{ActiveBan, BanOutcome, FirewallError, Target, UnbanOutcome};
use std::time::Duration;

/// The outcome a ban of `target` will have. `Added` lists the narrower bans the backend must lift
/// first; `CoveredBy` means nothing is to be done.
pub(crate) fn plan_ban(current: &[ActiveBan], target: Target) -> BanOutcome {
    if current.iter().any(|ban| ban.target == target) {
        return BanOutcome::Refreshed;
    }
    if let Some(wider) = current.iter().find(|ban| ban.target.contains(&target)) {
        return BanOutcome::CoveredBy(wider.clone());
    }
    BanOutcome::Added {
        superseded: current
            .iter()
            .filter(|ban| target.contains(&ban.target))
            .map(|ban| ban.target)
            .collect(),
    }
}

/// The outcome an unban of `target` will have: the bans on it and on everything inside it are
/// lifted; an address inside a wider ban cannot be carved out of it.
pub(crate) fn plan_unban(current: &[ActiveBan], target: Target) -> UnbanOutcome {
    let inside: Vec<Target> = current
        .iter()
        .filter(|ban| target.contains(&ban.target))
        .map(|ban| ban.target)
        .collect();
    if !inside.is_empty() {
        return UnbanOutcome::Removed(inside);
    }
    match current.iter().find(|ban| ban.target.contains(&target)) {
        Some(wider) => UnbanOutcome::CoveredBy(wider.clone()),
        None => UnbanOutcome::NotBanned,
    }
}

/// A timeout that rounds to zero milliseconds would make a permanent nftables element (nft reads
/// `timeout 0s` as "no timeout"), so every backend refuses it.
pub(crate) fn checked_millis(timeout: Duration) -> Result<u128, FirewallError> {
    match timeout.as_millis() {
        0 => Err(FirewallError::ZeroTimeout),
        millis => Ok(millis),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ban(text: &str) -> ActiveBan {
        ActiveBan {
            target: text.parse().unwrap_or_else(|e| panic!("{e}")),
            remaining: Some(Duration::from_secs(60)),
            timeout: Some(Duration::from_secs(60)),
            reason: None,
        }
    }

    fn target(text: &str) -> Target {
        text.parse().unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn ban_of_a_new_address_adds() {
        let current = [ban("192.0.2.1"), ban("2001:db8::/64")];
        assert_eq!(
            plan_ban(&current, target("192.0.2.2")),
            BanOutcome::Added { superseded: vec![] }
        );
    }

    #[test]
    fn ban_of_a_banned_address_refreshes() {
        let current = [ban("192.0.2.1")];
        assert_eq!(
            plan_ban(&current, target("192.0.2.1")),
            BanOutcome::Refreshed
        );
    }

    #[test]
    fn ban_inside_a_wider_ban_is_covered() {
        let current = [ban("2001:db8:1:2::/64")];
        assert_eq!(
            plan_ban(&current, target("2001:db8:1:2::9")),
            BanOutcome::CoveredBy(ban("2001:db8:1:2::/64"))
        );
    }

    #[test]
    fn wider_ban_supersedes_the_addresses_inside() {
        let current = [
            ban("2001:db8:1:2::9"),
            ban("2001:db8:1:2::a"),
            ban("2001:db8:1:3::9"),
        ];
        assert_eq!(
            plan_ban(&current, target("2001:db8:1:2::/64")),
            BanOutcome::Added {
                superseded: vec![target("2001:db8:1:2::9"), target("2001:db8:1:2::a")]
            }
        );
    }

    #[test]
    fn unban_lifts_the_target_and_what_is_inside() {
        let current = [ban("2001:db8:1:2::9"), ban("192.0.2.1")];
        assert_eq!(
            plan_unban(&current, target("2001:db8:1:2::/64")),
            UnbanOutcome::Removed(vec![target("2001:db8:1:2::9")])
        );
        assert_eq!(
            plan_unban(&current, target("192.0.2.1")),
            UnbanOutcome::Removed(vec![target("192.0.2.1")])
        );
        assert_eq!(
            plan_unban(&current, target("192.0.2.2")),
            UnbanOutcome::NotBanned
        );
    }

    #[test]
    fn unban_inside_a_wider_ban_is_covered() {
        let current = [ban("198.51.100.0/24")];
        assert_eq!(
            plan_unban(&current, target("198.51.100.7")),
            UnbanOutcome::CoveredBy(ban("198.51.100.0/24"))
        );
    }

    #[test]
    fn zero_timeouts_are_refused() {
        assert!(matches!(
            checked_millis(Duration::ZERO),
            Err(FirewallError::ZeroTimeout)
        ));
        assert!(matches!(
            checked_millis(Duration::from_micros(999)),
            Err(FirewallError::ZeroTimeout)
        ));
        assert_eq!(checked_millis(Duration::from_secs(2)).ok(), Some(2000));
    }
}

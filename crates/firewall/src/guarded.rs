//! Refusing bans that would cut off the machine itself or the operator's own networks.

use std::fmt;
use std::time::Duration;

use crate::{ActiveBan, Backend, BanOutcome, FirewallError, Target, UnbanOutcome};

/// Why a target may not be banned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The target is or contains a loopback address (127.0.0.0/8, ::1): the machine itself.
    Loopback,
    /// The target is or contains the unspecified address (0.0.0.0, ::), which no real peer has;
    /// a log showing it is broken, not an attacker.
    Unspecified,
    /// The target is or contains multicast addresses (224.0.0.0/4, ff00::/8), which are never
    /// the source of a login attempt.
    Multicast,
    /// The target overlaps this allowlisted prefix (operator network, SIP trunk, own address).
    Allowlisted(Target),
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::Loopback => {
                f.write_str("it is or contains a loopback address (the machine itself)")
            }
            Refusal::Unspecified => {
                f.write_str("it is or contains the unspecified address, which no real peer has")
            }
            Refusal::Multicast => f.write_str("it is or contains multicast addresses"),
            Refusal::Allowlisted(entry) => write!(f, "it overlaps the allowlisted {entry}"),
        }
    }
}

/// The ranges no ban may touch whatever the allowlist says.
const NEVER_BANNED: [(&str, Refusal); 6] = [
    ("127.0.0.0/8", Refusal::Loopback),
    ("::1/128", Refusal::Loopback),
    ("0.0.0.0/32", Refusal::Unspecified),
    ("::/128", Refusal::Unspecified),
    ("224.0.0.0/4", Refusal::Multicast),
    ("ff00::/8", Refusal::Multicast),
];

/// Checks that `target` may be banned: it must not overlap loopback, the unspecified address,
/// multicast, or any prefix of `allowlist`. A prefix is refused as soon as one of its addresses
/// is protected, so a /64 holding a trunk's address is never banned either.
pub fn check_bannable(target: Target, allowlist: &[Target]) -> Result<(), Refusal> {
    let never = NEVER_BANNED.iter().find(|(range, _)| {
        range
            .parse::<Target>()
            .is_ok_and(|range| range.overlaps(&target))
    });
    if let Some((_, refusal)) = never {
        return Err(*refusal);
    }
    match allowlist.iter().find(|entry| entry.overlaps(&target)) {
        Some(entry) => Err(Refusal::Allowlisted(*entry)),
        None => Ok(()),
    }
}

/// A backend that refuses, before anything runs, every ban [`check_bannable`] refuses.
#[derive(Debug)]
pub struct Guarded<B> {
    inner: B,
    allowlist: Vec<Target>,
}

impl<B: Backend> Guarded<B> {
    /// Wraps `inner`; `allowlist` holds the operator's networks, the SIP trunks and the
    /// machine's own addresses.
    pub fn new(inner: B, allowlist: impl IntoIterator<Item = Target>) -> Self {
        Guarded {
            inner,
            allowlist: allowlist.into_iter().collect(),
        }
    }

    /// The allowlist in force.
    pub fn allowlist(&self) -> &[Target] {
        &self.allowlist
    }

    /// Replaces the allowlist (a configuration reload); bans already made are not touched.
    pub fn set_allowlist(&mut self, allowlist: impl IntoIterator<Item = Target>) {
        self.allowlist = allowlist.into_iter().collect();
    }

    /// The wrapped backend.
    pub fn inner(&self) -> &B {
        &self.inner
    }
}

impl<B: Backend> Backend for Guarded<B> {
    fn ensure(&mut self) -> Result<(), FirewallError> {
        self.inner.ensure()
    }

    fn ban(
        &mut self,
        target: Target,
        timeout: Duration,
        reason: &str,
    ) -> Result<BanOutcome, FirewallError> {
        check_bannable(target, &self.allowlist)
            .map_err(|refusal| FirewallError::Refused { target, refusal })?;
        self.inner.ban(target, timeout, reason)
    }

    fn unban(&mut self, target: Target) -> Result<UnbanOutcome, FirewallError> {
        self.inner.unban(target)
    }

    fn bans(&self) -> Result<Vec<ActiveBan>, FirewallError> {
        self.inner.bans()
    }

    fn remove(&mut self) -> Result<(), FirewallError> {
        self.inner.remove()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DryRun;

    fn target(text: &str) -> Target {
        text.parse().unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn special_addresses_are_refused_with_their_reason() {
        let cases = [
            ("127.0.0.1", Refusal::Loopback),
            ("127.255.0.9", Refusal::Loopback),
            ("::1", Refusal::Loopback),
            ("::ffff:127.0.0.1", Refusal::Loopback),
            ("0.0.0.0", Refusal::Unspecified),
            ("::", Refusal::Unspecified),
            ("224.0.0.251", Refusal::Multicast),
            ("239.1.2.3", Refusal::Multicast),
            ("ff02::1", Refusal::Multicast),
            // Prefixes that merely contain a protected address.
            ("126.0.0.0/7", Refusal::Loopback),
            ("0.0.0.0/0", Refusal::Loopback),
            ("::/0", Refusal::Loopback),
        ];
        for (text, refusal) in cases {
            assert_eq!(check_bannable(target(text), &[]), Err(refusal), "{text}");
        }
    }

    #[test]
    fn allowlisted_prefixes_are_refused_both_ways() {
        let allowlist = [target("198.51.100.0/24"), target("2001:db8:5060::10")];
        assert_eq!(
            check_bannable(target("198.51.100.7"), &allowlist),
            Err(Refusal::Allowlisted(target("198.51.100.0/24")))
        );
        assert_eq!(
            check_bannable(target("2001:db8:5060::/64"), &allowlist),
            Err(Refusal::Allowlisted(target("2001:db8:5060::10")))
        );
        assert_eq!(check_bannable(target("198.51.101.7"), &allowlist), Ok(()));
        assert_eq!(
            check_bannable(target("2001:db8:5061::/64"), &allowlist),
            Ok(())
        );
        assert_eq!(check_bannable(target("192.0.2.7"), &[]), Ok(()));
    }

    #[test]
    fn guarded_backend_never_reaches_the_inner_backend_for_a_refused_target() {
        let mut backend = Guarded::new(DryRun::new(), [target("203.0.113.0/24")]);
        let refused = backend.ban(target("203.0.113.9"), Duration::from_secs(60), "scan");
        assert_eq!(
            refused.err().map(|e| e.to_string()).as_deref(),
            Some("refusing to ban 203.0.113.9: it overlaps the allowlisted 203.0.113.0/24")
        );
        let refused = backend.ban(target("::1"), Duration::from_secs(60), "scan");
        assert_eq!(
            refused.err().map(|e| e.to_string()).as_deref(),
            Some("refusing to ban ::1: it is or contains a loopback address (the machine itself)")
        );
        assert_eq!(backend.bans().map(|bans| bans.len()).ok(), Some(0));
        assert!(
            backend
                .ban(target("192.0.2.9"), Duration::from_secs(60), "scan")
                .is_ok()
        );
        assert_eq!(backend.bans().map(|bans| bans.len()).ok(), Some(1));
    }
}

//! The ban backends of `voipguard guard`: what happens once the guard decides that an address
//! (or an IPv6 /64) is attacking.
//!
//! Every backend implements [`Backend`]: [`Nftables`] drops the packets in the kernel,
//! [`DryRun`] only logs, [`CommandHook`] runs the operator's own commands. Wrap any of them in
//! [`Guarded`] so that loopback, the unspecified address, multicast and the allowlist (operator
//! networks, SIP trunks, the machine's own addresses) are never banned.
//!
//! # The nftables table
//!
//! [`Nftables`] owns the table `inet voipguard` and nothing else: it never flushes, changes or
//! deletes another table (nor runs `flush ruleset`), so firewalld, Docker, a hand-written ruleset or fail2ban keep working
//! beside it. [`Backend::ensure`] creates what is missing with this script (`nft -f -`), shown
//! with the forward chain enabled:
//!
//! ```
//! # use voipguard_firewall::Nftables;
//! let nft = Nftables::new(vec!["nft".into()])?.with_forward_chain(true);
//! assert_eq!(nft.ensure_script(), "\
//! add table inet voipguard
//! add set inet voipguard banned4 { type ipv4_addr; flags interval,timeout; }
//! add set inet voipguard banned6 { type ipv6_addr; flags interval,timeout; }
//! add chain inet voipguard input { type filter hook input priority -5; policy accept; }
//! flush chain inet voipguard input
//! add rule inet voipguard input ip saddr @banned4 drop
//! add rule inet voipguard input ip6 saddr @banned6 drop
//! add chain inet voipguard forward { type filter hook forward priority -5; policy accept; }
//! flush chain inet voipguard forward
//! add rule inet voipguard forward ip saddr @banned4 drop
//! add rule inet voipguard forward ip6 saddr @banned6 drop
//! ");
//! # Ok::<(), voipguard_firewall::FirewallError>(())
//! ```
//!
//! which gives, in `nft list table inet voipguard`:
//!
//! ```text
//! table inet voipguard {
//!     set banned4 {
//!         type ipv4_addr
//!         flags interval,timeout
//!         elements = { 192.0.2.7 timeout 10m expires 9m58s comment "SIP: 10 failures in 60 s",
//!                      198.51.100.0/24 timeout 1h expires 59m12s }
//!     }
//!     set banned6 {
//!         type ipv6_addr
//!         flags interval,timeout
//!         elements = { 2001:db8:1:2::/64 timeout 1h expires 42m3s }
//!     }
//!     chain input {
//!         type filter hook input priority filter - 5; policy accept;
//!         ip saddr @banned4 drop
//!         ip6 saddr @banned6 drop
//!     }
//! }
//! ```
//!
//! - A banned source is dropped on **every** port and protocol (SIP, IAX2, AMI, HTTP, SSH), not
//!   only on 5060/5061 as fail2ban's asterisk jail does; its established connections die too.
//! - Each ban is a set element with nft's own timeout, so bans expire on time even if voipguard
//!   is stopped; sets are never flushed by `ensure`, so bans survive a restart of voipguard.
//! - Sets have the `interval` flag so that a prefix (an IPv6 /64) is one element. nft refuses
//!   overlapping elements, so a ban inside a wider ban reports [`BanOutcome::CoveredBy`] and a
//!   wider ban lifts the narrower ones inside it ([`BanOutcome::Added`] lists them).
//! - Banning a banned target again restarts its timeout and replaces its comment (the reason,
//!   reduced to printable ASCII, at most 128 characters).
//! - [`Backend::remove`] runs `delete table inet voipguard` and nothing else.
//! - nft is run as a configurable argv prefix (`["nft"]`, or
//!   `["ip", "netns", "exec", "pbx", "nft"]` for a PBX in a network namespace).
#![deny(missing_docs)]

mod dry_run;
mod exec;
mod guarded;
mod hook;
mod ledger;
mod nftables;
mod plan;
mod target;

use std::time::Duration;

use thiserror::Error;

pub use dry_run::DryRun;
pub use guarded::{Guarded, Refusal, check_bannable};
pub use hook::{CommandHook, DEFAULT_HOOK_DEADLINE};
pub use ipnet::IpNet;
pub use nftables::{Nftables, TABLE};
pub use target::{Target, TargetParseError};

/// Something that bans and unbans addresses.
///
/// Implementations agree on overlapping targets: a ban inside a wider ban changes nothing
/// ([`BanOutcome::CoveredBy`]), a wider ban replaces the narrower bans inside it, and an unban
/// lifts the target and every ban inside it.
pub trait Backend {
    /// Creates whatever the backend needs and is missing; running it again changes nothing.
    fn ensure(&mut self) -> Result<(), FirewallError>;

    /// Bans `target` for `timeout` (at least one millisecond); `reason` is kept with the ban
    /// where the backend can hold it. Banning a banned target restarts its timeout.
    fn ban(
        &mut self,
        target: Target,
        timeout: Duration,
        reason: &str,
    ) -> Result<BanOutcome, FirewallError>;

    /// Lifts the ban on `target` and the bans inside it.
    fn unban(&mut self, target: Target) -> Result<UnbanOutcome, FirewallError>;

    /// The bans in force, sorted by target.
    fn bans(&self) -> Result<Vec<ActiveBan>, FirewallError>;

    /// Deletes what the backend created (for nftables, voipguard's table only), bans included.
    fn remove(&mut self) -> Result<(), FirewallError>;
}

impl<B: Backend + ?Sized> Backend for Box<B> {
    fn ensure(&mut self) -> Result<(), FirewallError> {
        (**self).ensure()
    }

    fn ban(
        &mut self,
        target: Target,
        timeout: Duration,
        reason: &str,
    ) -> Result<BanOutcome, FirewallError> {
        (**self).ban(target, timeout, reason)
    }

    fn unban(&mut self, target: Target) -> Result<UnbanOutcome, FirewallError> {
        (**self).unban(target)
    }

    fn bans(&self) -> Result<Vec<ActiveBan>, FirewallError> {
        (**self).bans()
    }

    fn remove(&mut self) -> Result<(), FirewallError> {
        (**self).remove()
    }
}

/// A ban in force.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActiveBan {
    /// The banned address or prefix.
    pub target: Target,
    /// Time left before the ban expires; `None` for an element without a timeout (added by
    /// hand: voipguard never makes one). From nftables, whole seconds.
    pub remaining: Option<Duration>,
    /// The ban's full length.
    pub timeout: Option<Duration>,
    /// Why it was banned, when the backend keeps it (nftables: the element's comment).
    pub reason: Option<String>,
}

/// What a ban did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BanOutcome {
    /// The target is now banned; the narrower bans it replaced, if any, are listed.
    Added {
        /// Bans inside the target, lifted because the wider ban covers them.
        superseded: Vec<Target>,
    },
    /// The target was already banned; its timeout starts again.
    Refreshed,
    /// A wider ban already covers the target; nothing changed. The caller decides whether the
    /// wider ban should be renewed for longer.
    CoveredBy(ActiveBan),
}

/// What an unban did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnbanOutcome {
    /// These bans (the target's and those inside it) are lifted.
    Removed(Vec<Target>),
    /// Nothing was banned there.
    NotBanned,
    /// The target lies inside this wider ban, which stays: a part cannot be carved out of it.
    CoveredBy(ActiveBan),
}

/// Why a backend could not do what was asked.
#[derive(Debug, Error)]
pub enum FirewallError {
    /// The target is protected ([`check_bannable`]).
    #[error("refusing to ban {target}: {refusal}")]
    Refused {
        /// The target asked for.
        target: Target,
        /// Why it may not be banned.
        refusal: Refusal,
    },
    /// A ban of zero length: nftables would read it as a ban without end.
    #[error("a ban must last at least one millisecond")]
    ZeroTimeout,
    /// A configured command (nft's prefix, a hook) is unusable.
    #[error("invalid command: {message}")]
    InvalidCommand {
        /// What is wrong with it.
        message: String,
    },
    /// The program could not be started (not installed, not executable).
    #[error("`{command}` could not be run: {source}")]
    Spawn {
        /// The command line.
        command: String,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The program ran and failed.
    #[error("`{command}` failed ({status}): {stderr}")]
    Failed {
        /// The command line.
        command: String,
        /// How it ended (`exit status: 1`, a signal).
        status: String,
        /// What it wrote to standard error.
        stderr: String,
    },
    /// The program ran too long and was killed.
    #[error("`{command}` did not finish within {after:?} and was killed")]
    TimedOut {
        /// The command line.
        command: String,
        /// The deadline it exceeded.
        after: Duration,
    },
    /// nft's JSON listing could not be read.
    #[error("`{command}` printed a listing voipguard cannot read: {message}")]
    Listing {
        /// The command line.
        command: String,
        /// What did not fit.
        message: String,
    },
}

//! Deciding what to do about failures: per-source sliding windows per service, account scans,
//! distributed attempts on one account (alert only), longer bans for repeat offenders, optional
//! IPv6 prefix aggregation, and an allowlist that is never banned.
//!
//! Per-source state is a handful of packed failure records plus the ban expiry, so a million
//! attacking addresses stay well under 200 MB; records older than the longest window are dropped.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::net::IpAddr;

use hashbrown::HashMap;
use ipnet::{IpNet, Ipv6Net};
use rustc_hash::FxHasher;
use serde::{Deserialize, Serialize};

use crate::addrmap::AddrMap;
use crate::event::{Failure, Service};

/// `count` events within `seconds`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Threshold {
    /// How many.
    pub count: u32,
    /// Within how many seconds.
    pub seconds: u32,
}

/// What the guard bans and alerts on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Policy {
    /// SIP failures from one source that ban it.
    pub sip: Threshold,
    /// IAX2 failures from one source that ban it.
    pub iax2: Threshold,
    /// AMI failures from one source that ban it.
    pub ami: Threshold,
    /// SSH failures from one source that ban it.
    pub ssh: Threshold,
    /// First ban length.
    pub ban_seconds: u32,
    /// Each further ban of the same source lasts this many times longer…
    pub repeat_factor: u32,
    /// …up to this length.
    pub max_ban_seconds: u32,
    /// Distinct accounts tried by one source that ban it, whatever the service.
    pub account_scan: Option<Threshold>,
    /// Distinct sources failing on one account that raise an alert (never a ban: banning every
    /// source of a distributed attack would also ban the account's real users).
    pub distributed: Option<Threshold>,
    /// Ban IPv6 sources by this prefix (e.g. 64) instead of one address.
    pub ipv6_prefix: Option<u8>,
    /// Networks never banned: the machine's own addresses, SIP trunks, operators.
    pub allowlist: Vec<IpNet>,
    /// Bound on the accounts followed for distributed-attempt alerts.
    pub max_tracked_accounts: usize,
}

impl Default for Policy {
    /// fail2ban's asterisk jail numbers for SIP and IAX2 (10 in 10 minutes), stricter for AMI and
    /// SSH (5 in 10 minutes), 10-minute first bans doubling up to a week, scans of 8 accounts
    /// banned, 20 sources on one account alerted.
    fn default() -> Self {
        let ten_minutes = 600;
        Self {
            sip: Threshold {
                count: 10,
                seconds: ten_minutes,
            },
            iax2: Threshold {
                count: 10,
                seconds: ten_minutes,
            },
            ami: Threshold {
                count: 5,
                seconds: ten_minutes,
            },
            ssh: Threshold {
                count: 5,
                seconds: ten_minutes,
            },
            ban_seconds: ten_minutes,
            repeat_factor: 2,
            max_ban_seconds: 7 * 24 * 3600,
            account_scan: Some(Threshold {
                count: 8,
                seconds: ten_minutes,
            }),
            distributed: Some(Threshold {
                count: 20,
                seconds: ten_minutes,
            }),
            ipv6_prefix: None,
            allowlist: Vec::new(),
            max_tracked_accounts: 100_000,
        }
    }
}

impl Policy {
    /// The window of `service`.
    #[must_use]
    pub const fn threshold(&self, service: Service) -> Threshold {
        match service {
            Service::Sip => self.sip,
            Service::Iax2 => self.iax2,
            Service::Ami => self.ami,
            Service::Ssh => self.ssh,
        }
    }

    /// Whether `address` is on the allowlist.
    #[inline]
    #[must_use]
    pub fn allows(&self, address: IpAddr) -> bool {
        self.allowlist.iter().any(|net| net.contains(&address))
    }

    /// What a ban of `address` covers: the address, or its IPv6 prefix when aggregation is on and
    /// the prefix holds no allowlisted address.
    #[inline]
    #[must_use]
    pub fn target(&self, address: IpAddr) -> IpNet {
        let single = IpNet::from(address);
        let (IpAddr::V6(v6), Some(prefix)) = (address, self.ipv6_prefix) else {
            return single;
        };
        let Ok(net) = Ipv6Net::new(v6, prefix).map(|n| IpNet::V6(n.trunc())) else {
            return single;
        };
        let overlaps = self
            .allowlist
            .iter()
            .any(|allowed| net.contains(&allowed.network()) || allowed.contains(&net.network()));
        if overlaps { single } else { net }
    }

    /// The longest window: how long failure records are kept.
    #[must_use]
    pub fn longest_window(&self) -> u32 {
        let service = Service::ALL.map(|s| self.threshold(s).seconds);
        let scan = self.account_scan.map_or(0, |t| t.seconds);
        service.into_iter().max().unwrap_or(0).max(scan)
    }

    fn ban_length(&self, offences: u8) -> u32 {
        let factor = u64::from(self.repeat_factor.max(1)).saturating_pow(u32::from(offences));
        let length = u64::from(self.ban_seconds).saturating_mul(factor);
        u32::try_from(length.min(u64::from(self.max_ban_seconds))).unwrap_or(u32::MAX)
    }
}

/// Why a source is banned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum BanReason {
    /// Too many failures of one service within its window.
    Failures {
        /// The service.
        service: Service,
        /// Failures counted in the window.
        failures: u32,
        /// The window.
        seconds: u32,
    },
    /// Too many distinct accounts tried.
    AccountScan {
        /// Distinct accounts counted in the window.
        accounts: u32,
        /// The window.
        seconds: u32,
    },
}

impl fmt::Display for BanReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Failures {
                service,
                failures,
                seconds,
            } => {
                write!(f, "{failures} {service} failures in {seconds} s")
            }
            Self::AccountScan { accounts, seconds } => {
                write!(f, "{accounts} accounts tried in {seconds} s")
            }
        }
    }
}

/// What the engine decided after a failure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "decision", rename_all = "kebab-case")]
pub enum Decision {
    /// Block `target` until `until` (seconds since the Unix epoch).
    Ban {
        /// The address or IPv6 prefix.
        target: IpNet,
        /// End of the ban.
        until: i64,
        /// Why.
        reason: BanReason,
        /// 1 for a first ban, 2 for the second…
        offence: u32,
        /// The failure line that tipped the balance (shortened).
        evidence: String,
    },
    /// Many sources failing on one account: reported, nobody banned.
    Alert {
        /// The account.
        account: String,
        /// Its service.
        service: Service,
        /// Distinct sources counted in the window.
        sources: u32,
        /// The window.
        seconds: u32,
        /// The latest failure line (shortened).
        evidence: String,
    },
}

/// Evidence kept in decisions: enough to recognise the line, bounded in size.
const EVIDENCE_BYTES: usize = 300;

fn evidence(text: &str) -> String {
    let text = text.trim_end();
    if text.len() <= EVIDENCE_BYTES {
        return text.to_owned();
    }
    let mut end = EVIDENCE_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", text.get(..end).unwrap_or_default())
}

fn clamp_time(now: i64) -> u32 {
    u32::try_from(now.max(1)).unwrap_or(u32::MAX)
}

fn hash_of(value: impl Hash) -> u64 {
    let mut hasher = FxHasher::default();
    value.hash(&mut hasher);
    hasher.finish()
}

/// A failure record packed in 64 bits: time (32), service (2), account tag (30; 0 = none).
#[derive(Clone, Copy)]
struct Hit(u64);

impl Hit {
    const TAG_MASK: u64 = (1 << 30) - 1;

    fn new(at: u32, service: Service, account: Option<&str>) -> Self {
        let tag = account.map_or(0, |a| (hash_of(a) & Self::TAG_MASK).max(1));
        let service = u64::try_from(service.index()).unwrap_or(0);
        Self((u64::from(at) << 32) | (service << 30) | tag)
    }

    fn at(self) -> u32 {
        u32::try_from(self.0 >> 32).unwrap_or(0)
    }

    fn service(self) -> usize {
        usize::try_from((self.0 >> 30) & 3).unwrap_or(0)
    }

    fn tag(self) -> u64 {
        self.0 & Self::TAG_MASK
    }
}

/// Most failure records kept per source; enough for any sensible threshold.
const MAX_HITS: usize = 64;

/// Packed [`Hit`]s, oldest first. Most attacking sources fail once or twice; one record is kept
/// inline so they cost no allocation, and several sit behind a thin pointer so the per-source
/// state stays at 24 bytes.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
enum Hits {
    #[default]
    Empty,
    One(u64),
    // A thin pointer on purpose (see above): `Vec` would make every source 8 bytes larger.
    #[allow(clippy::box_collection)]
    Many(Box<Vec<u64>>),
}

impl Hits {
    fn as_slice(&self) -> &[u64] {
        match self {
            Self::Empty => &[],
            Self::One(hit) => std::slice::from_ref(hit),
            Self::Many(hits) => hits,
        }
    }

    /// Keeps the last [`MAX_HITS`] of `hits`.
    fn replace(&mut self, hits: &[u64]) {
        let recent = hits
            .get(hits.len().saturating_sub(MAX_HITS)..)
            .unwrap_or_default();
        *self = match recent {
            [] => Self::Empty,
            [one] => Self::One(*one),
            many => Self::Many(Box::new(many.to_vec())),
        };
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct SourceState {
    /// Failure records within the longest window.
    hits: Hits,
    /// End of the current or last ban (seconds since the epoch; 0: never banned).
    banned_until: u32,
    offences: u8,
    /// Whether the end of the last ban was reported by `expire`.
    lifted: bool,
}

impl SourceState {
    fn prune(&mut self, oldest: u32) {
        let old = |h: &u64| Hit(*h).at() <= oldest;
        match &mut self.hits {
            Hits::Empty => {}
            Hits::One(hit) => {
                if old(hit) {
                    self.hits = Hits::Empty;
                }
            }
            Hits::Many(hits) => {
                if hits.first().is_some_and(old) {
                    hits.retain(|h| !old(h));
                    let unboxed = match hits.as_slice() {
                        [] => Some(Hits::Empty),
                        [one] => Some(Hits::One(*one)),
                        _ => None,
                    };
                    if let Some(unboxed) = unboxed {
                        self.hits = unboxed;
                    }
                }
            }
        }
    }

    /// Most pushes add one record to none, or to several already boxed: both without
    /// allocating.
    fn push(&mut self, hit: Hit, times: u32) {
        let times = times as usize;
        match &mut self.hits {
            Hits::Empty if times == 1 => self.hits = Hits::One(hit.0),
            Hits::Many(hits) => {
                hits.extend(std::iter::repeat_n(hit.0, times));
                let excess = hits.len().saturating_sub(MAX_HITS);
                hits.drain(..excess);
            }
            _ => {
                let mut hits = Vec::with_capacity(self.hits.as_slice().len() + times);
                hits.extend_from_slice(self.hits.as_slice());
                hits.extend(std::iter::repeat_n(hit.0, times));
                self.hits.replace(&hits);
            }
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct AccountState {
    /// (time, source hash) of the distinct sources failing on the account.
    sources: Vec<(u32, u64)>,
    alerted_until: u32,
}

/// Everything the engine remembers, for persisting across restarts.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct EngineState {
    sources: Vec<(IpAddr, SourceState)>,
    accounts: Vec<(u64, AccountState)>,
}

/// One ban in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActiveBan {
    /// The address or prefix banned.
    pub target: IpNet,
    /// End of the ban (seconds since the epoch).
    pub until: i64,
    /// How many times this source has been banned.
    pub offences: u32,
}

/// The decision engine.
#[derive(Debug, Clone)]
pub struct Engine {
    policy: Policy,
    /// Keyed by the ban target's network address (the address itself, or its IPv6 prefix).
    sources: AddrMap<SourceState>,
    accounts: HashMap<u64, AccountState>,
    last_account_sweep: u32,
}

impl Engine {
    /// An engine with no history.
    #[must_use]
    pub fn new(policy: Policy) -> Self {
        Self::restore(policy, EngineState::default())
    }

    /// An engine that continues from a saved state.
    #[must_use]
    pub fn restore(policy: Policy, state: EngineState) -> Self {
        let mut sources = AddrMap::default();
        for (address, source) in state.sources {
            sources.insert(address, source);
        }
        Self {
            policy,
            sources,
            accounts: state.accounts.into_iter().collect(),
            last_account_sweep: 0,
        }
    }

    /// The state to persist.
    #[must_use]
    pub fn state(&self) -> EngineState {
        EngineState {
            sources: self.sources.iter().map(|(a, s)| (a, s.clone())).collect(),
            accounts: self.accounts.iter().map(|(&k, s)| (k, s.clone())).collect(),
        }
    }

    /// The policy in force.
    #[must_use]
    pub const fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Sources (addresses or prefixes) currently followed.
    #[must_use]
    pub fn tracked_sources(&self) -> usize {
        self.sources.len()
    }

    /// Takes one failure into account at time `now` (seconds since the epoch).
    pub fn observe(&mut self, failure: &Failure<'_>, now: i64) -> Vec<Decision> {
        let mut decisions = Vec::new();
        if self.policy.allows(failure.address) {
            return decisions;
        }
        let now = clamp_time(now);
        let target = self.policy.target(failure.address);
        if let Some(alert) = self.follow_account(failure, target, now) {
            decisions.push(alert);
        }
        let oldest = now.saturating_sub(self.policy.longest_window());
        let source = self.sources.entry(target.network());
        if source.banned_until > now {
            return decisions;
        }
        source.prune(oldest);
        let hit = Hit::new(now, failure.service, failure.account);
        source.push(hit, failure.attempts.clamp(1, 16));
        let reason = Self::ban_reason(&self.policy, source, failure.service, now);
        if let Some(reason) = reason {
            let length = self.policy.ban_length(source.offences);
            source.offences = source.offences.saturating_add(1);
            source.banned_until = now.saturating_add(length);
            source.lifted = false;
            source.hits = Hits::Empty;
            decisions.push(Decision::Ban {
                target,
                until: i64::from(source.banned_until),
                reason,
                offence: u32::from(source.offences),
                evidence: evidence(failure.evidence),
            });
        }
        decisions
    }

    fn ban_reason(
        policy: &Policy,
        source: &SourceState,
        service: Service,
        now: u32,
    ) -> Option<BanReason> {
        let within = |seconds: u32| {
            let oldest = now.saturating_sub(seconds);
            source
                .hits
                .as_slice()
                .iter()
                .map(|&h| Hit(h))
                .filter(move |h| h.at() > oldest || seconds == 0)
        };
        let threshold = policy.threshold(service);
        let failures = within(threshold.seconds)
            .filter(|h| h.service() == service.index())
            .count();
        let failures = u32::try_from(failures).unwrap_or(u32::MAX);
        if threshold.count > 0 && failures >= threshold.count {
            return Some(BanReason::Failures {
                service,
                failures,
                seconds: threshold.seconds,
            });
        }
        let scan = policy.account_scan.filter(|scan| scan.count > 0)?;
        let tagged = || within(scan.seconds).map(Hit::tag).filter(|&t| t != 0);
        // Fewer tags than the threshold cannot be enough distinct accounts: this spares almost
        // every failure the sort. There are at most MAX_HITS records, so the tags fit on the stack.
        if tagged().count() < scan.count as usize {
            return None;
        }
        let mut tags = [0u64; MAX_HITS];
        let mut filled = 0;
        for (slot, tag) in tags.iter_mut().zip(tagged()) {
            *slot = tag;
            filled += 1;
        }
        let tags = tags.get_mut(..filled).unwrap_or_default();
        tags.sort_unstable();
        let distinct = 1 + tags
            .windows(2)
            .filter(|pair| pair.first() != pair.last())
            .count();
        let accounts = u32::try_from(distinct).unwrap_or(u32::MAX);
        (accounts >= scan.count).then_some(BanReason::AccountScan {
            accounts,
            seconds: scan.seconds,
        })
    }

    /// Distributed attempts: distinct sources per account, alert once per window.
    fn follow_account(
        &mut self,
        failure: &Failure<'_>,
        target: IpNet,
        now: u32,
    ) -> Option<Decision> {
        let threshold = self.policy.distributed?;
        let account = failure.account?;
        let key = hash_of((failure.service, account));
        let oldest = now.saturating_sub(threshold.seconds);
        if self.accounts.len() >= self.policy.max_tracked_accounts
            && !self.accounts.contains_key(&key)
        {
            // Sweep at most once a second so a flood of new accounts does not sweep per line.
            if self.last_account_sweep == now {
                return None;
            }
            self.last_account_sweep = now;
            self.accounts.retain(|_, state| {
                state.sources.retain(|&(at, _)| at > oldest);
                !state.sources.is_empty() || state.alerted_until > now
            });
            if self.accounts.len() >= self.policy.max_tracked_accounts {
                return None;
            }
        }
        let state = self.accounts.entry(key).or_default();
        state.sources.retain(|&(at, _)| at > oldest);
        let source = hash_of(target);
        if let Some(entry) = state.sources.iter_mut().find(|(_, s)| *s == source) {
            entry.0 = now;
        } else if state.sources.len() < threshold.count as usize {
            state.sources.push((now, source));
        }
        let sources = u32::try_from(state.sources.len()).unwrap_or(u32::MAX);
        if threshold.count == 0 || sources < threshold.count || state.alerted_until > now {
            return None;
        }
        state.alerted_until = now.saturating_add(threshold.seconds);
        Some(Decision::Alert {
            account: account.to_owned(),
            service: failure.service,
            sources,
            seconds: threshold.seconds,
            evidence: evidence(failure.evidence),
        })
    }

    /// Forgets what is older than every window at `now`; returns the bans that have ended since
    /// the last call.
    pub fn expire(&mut self, now: i64) -> Vec<IpNet> {
        let now = clamp_time(now);
        let oldest = now.saturating_sub(self.policy.longest_window());
        let memory = self.policy.max_ban_seconds;
        let mut lifted = Vec::new();
        let policy = &self.policy;
        self.sources.retain(|network, source| {
            if source.banned_until != 0 && source.banned_until <= now && !source.lifted {
                source.lifted = true;
                lifted.push(policy.target(network));
            }
            source.prune(oldest);
            // Offences are remembered for the longest ban after the last one ends.
            !source.hits.as_slice().is_empty()
                || (source.offences > 0 && source.banned_until.saturating_add(memory) > now)
        });
        if let Some(threshold) = self.policy.distributed {
            let oldest = now.saturating_sub(threshold.seconds);
            self.accounts.retain(|_, state| {
                state.sources.retain(|&(at, _)| at > oldest);
                !state.sources.is_empty() || state.alerted_until > now
            });
        }
        lifted
    }

    /// The bans in force at `now`.
    #[must_use]
    pub fn bans(&self, now: i64) -> Vec<ActiveBan> {
        let now = clamp_time(now);
        let mut bans: Vec<ActiveBan> = self
            .sources
            .iter()
            .filter(|(_, s)| s.banned_until > now)
            .map(|(network, s)| ActiveBan {
                target: self.policy.target(network),
                until: i64::from(s.banned_until),
                offences: u32::from(s.offences),
            })
            .collect();
        bans.sort_by_key(|b| b.target);
        bans
    }
}

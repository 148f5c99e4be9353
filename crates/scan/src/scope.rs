//! Targets and the scope they must lie in.
//!
//! A [`Target`] is what the operator typed (an address, a CIDR, a range, a host name) turned into
//! address ranges; nothing is materialised, a /16 stays two integers. A [`Scope`] is the list of
//! networks the operator owns. [`Scope::plan`] is the only way to obtain a [`Plan`], and the sweep
//! engine only accepts a `Plan`, so no packet can be built for an address the scope has not
//! admitted.
//!
//! Public address space (anything outside [`NON_PUBLIC`]) is refused in a scope unless
//! `allow_public` is set: the operator must both name it and say they mean it.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, ToSocketAddrs};
use std::path::Path;

use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use thiserror::Error;

/// The largest number of addresses one target may expand to (a /8): bigger ranges are almost
/// always a typo (an IPv6 /64 would take longer than the universe to sweep).
pub const MAX_TARGET_ADDRESSES: u128 = 1 << 24;

/// Address space that is not routed on the public internet, so scanning it cannot reach a third
/// party's host from the operator's own network: loopback, RFC 1918, link-local, the RFC 5737 and
/// RFC 3849/9637 documentation blocks, RFC 2544 benchmarking, IPv6 ULA. Carrier-grade NAT
/// (100.64.0.0/10) is deliberately absent: those addresses belong to the carrier and reach its
/// other customers, so they need `allow_public` like any public range.
pub const NON_PUBLIC: &[IpNet] = &[
    IpNet::V4(Ipv4Net::new_assert(Ipv4Addr::new(127, 0, 0, 0), 8)),
    IpNet::V4(Ipv4Net::new_assert(Ipv4Addr::new(10, 0, 0, 0), 8)),
    IpNet::V4(Ipv4Net::new_assert(Ipv4Addr::new(172, 16, 0, 0), 12)),
    IpNet::V4(Ipv4Net::new_assert(Ipv4Addr::new(192, 168, 0, 0), 16)),
    IpNet::V4(Ipv4Net::new_assert(Ipv4Addr::new(169, 254, 0, 0), 16)),
    IpNet::V4(Ipv4Net::new_assert(Ipv4Addr::new(192, 0, 2, 0), 24)),
    IpNet::V4(Ipv4Net::new_assert(Ipv4Addr::new(198, 51, 100, 0), 24)),
    IpNet::V4(Ipv4Net::new_assert(Ipv4Addr::new(203, 0, 113, 0), 24)),
    IpNet::V4(Ipv4Net::new_assert(Ipv4Addr::new(198, 18, 0, 0), 15)),
    IpNet::V6(Ipv6Net::new_assert(Ipv6Addr::LOCALHOST, 128)),
    IpNet::V6(Ipv6Net::new_assert(
        Ipv6Addr::new(0xfc00, 0, 0, 0, 0, 0, 0, 0),
        7,
    )),
    IpNet::V6(Ipv6Net::new_assert(
        Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0),
        10,
    )),
    IpNet::V6(Ipv6Net::new_assert(
        Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0),
        32,
    )),
    IpNet::V6(Ipv6Net::new_assert(
        Ipv6Addr::new(0x3fff, 0, 0, 0, 0, 0, 0, 0),
        20,
    )),
];

/// A target or scope that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ScopeError {
    /// Neither an address, a CIDR, a range nor a resolvable host name.
    #[error("target {target:?}: {reason}")]
    BadTarget {
        /// As written.
        target: String,
        /// Why it was not understood.
        reason: String,
    },
    /// A `--scope` entry that is not a CIDR or an address.
    #[error("scope {entry:?} is not a CIDR or an address")]
    BadScope {
        /// As written.
        entry: String,
    },
    /// No scope given: scanning needs an explicit allow-list.
    #[error("no scope given: name the networks you own with --scope CIDR")]
    EmptyScope,
    /// A scope network that reaches public address space without `allow_public`.
    #[error(
        "scope {net} includes public address space; scan it only if you own it, with --allow-public"
    )]
    PublicScope {
        /// The scope network.
        net: IpNet,
    },
    /// A target address the scope does not admit.
    #[error("target {target:?} ({address}) is outside the scope {scope}; nothing was sent")]
    OutsideScope {
        /// The target as written.
        target: String,
        /// Its first address outside the scope.
        address: IpAddr,
        /// The scope, comma-separated.
        scope: String,
    },
    /// The targets file could not be read.
    #[error("targets file {path}: {reason}")]
    TargetsFile {
        /// The file.
        path: String,
        /// The I/O error.
        reason: String,
    },
}

/// A contiguous run of addresses of one family, `first..=last`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AddrRange {
    first: IpAddr,
    last: IpAddr,
}

impl AddrRange {
    /// The range `first..=last`, or `None` when the families differ or `last < first`.
    pub fn new(first: IpAddr, last: IpAddr) -> Option<Self> {
        let same_family = first.is_ipv4() == last.is_ipv4();
        (same_family && to_u128(first) <= to_u128(last)).then_some(Self { first, last })
    }

    /// All addresses of a network, its network and broadcast addresses included (an operator
    /// sweeping 10.0.0.0/24 expects .0 and .255 to be tried too; some hosts sit there).
    pub fn from_net(net: IpNet) -> Self {
        Self {
            first: net.network(),
            last: net.broadcast(),
        }
    }

    /// First address.
    pub fn first(&self) -> IpAddr {
        self.first
    }

    /// Last address.
    pub fn last(&self) -> IpAddr {
        self.last
    }

    /// Number of addresses.
    pub fn len(&self) -> u128 {
        to_u128(self.last) - to_u128(self.first) + 1
    }

    /// Never empty; present for the `len` convention.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The addresses in order, computed one at a time.
    pub fn iter(&self) -> impl Iterator<Item = IpAddr> + use<> {
        let v4 = self.first.is_ipv4();
        (to_u128(self.first)..=to_u128(self.last)).map(move |n| from_u128(n, v4))
    }

    /// The first address of this range not inside any of `nets` (`None`: fully covered).
    /// Walks network by network, so a /8 range against a few scope entries costs a few steps.
    fn first_uncovered(&self, nets: &[IpNet]) -> Option<IpAddr> {
        let v4 = self.first.is_ipv4();
        let last = to_u128(self.last);
        let mut cursor = to_u128(self.first);
        loop {
            let address = from_u128(cursor, v4);
            let Some(net) = nets.iter().find(|net| net.contains(&address)) else {
                return Some(address);
            };
            let net_last = to_u128(net.broadcast());
            if net_last >= last {
                return None;
            }
            cursor = net_last + 1;
        }
    }
}

fn to_u128(address: IpAddr) -> u128 {
    match address {
        IpAddr::V4(v4) => u128::from(u32::from(v4)),
        IpAddr::V6(v6) => u128::from(v6),
    }
}

fn from_u128(n: u128, v4: bool) -> IpAddr {
    if v4 {
        // Callers only pass values derived from IPv4 addresses, which fit in 32 bits.
        IpAddr::V4(Ipv4Addr::from(u32::try_from(n).unwrap_or(u32::MAX)))
    } else {
        IpAddr::V6(Ipv6Addr::from(n))
    }
}

/// One target as the operator wrote it, expanded to address ranges (a host name may resolve to
/// several addresses).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// As written.
    pub spec: String,
    /// What it stands for.
    pub ranges: Vec<AddrRange>,
}

impl Target {
    /// Reads an address (`10.0.0.5`, `::1`, `[::1]`), a CIDR (`10.0.0.0/24`, `fd00::/120`), a
    /// range (`127.0.0.1-127.0.0.50`, or `10.0.0.1-20` for the last octet) or a host name
    /// (resolved once, here).
    pub fn parse(spec: &str) -> Result<Self, ScopeError> {
        let text = spec.trim();
        let bad = |reason: &str| ScopeError::BadTarget {
            target: spec.to_string(),
            reason: reason.to_string(),
        };
        if text.is_empty() {
            return Err(bad("empty"));
        }
        let ranges = if let Some(address) = parse_address(text) {
            vec![AddrRange::new(address, address).ok_or_else(|| bad("invalid address"))?]
        } else if text.contains('/') {
            let net: IpNet = text
                .parse()
                .map_err(|_| bad("not a CIDR (address/prefix)"))?;
            vec![AddrRange::from_net(net.trunc())]
        } else if let Some((first, last)) = text.split_once('-')
            && let Some(first) = parse_address(first.trim())
        {
            vec![parse_range_end(first, last.trim()).ok_or_else(|| {
                bad("not a range (first-last, or a.b.c.d-N for the last octet, first ≤ last)")
            })?]
        } else {
            resolve(text).map_err(|reason| bad(&reason))?
        };
        if let Some(range) = ranges.iter().find(|r| r.len() > MAX_TARGET_ADDRESSES) {
            return Err(bad(&format!(
                "{} addresses is more than one sweep takes (at most {MAX_TARGET_ADDRESSES}, a /8)",
                range.len()
            )));
        }
        Ok(Self {
            spec: spec.to_string(),
            ranges,
        })
    }

    /// Reads a file of targets, one per line; blank lines and `#` comments are skipped.
    pub fn read_file(path: &Path) -> Result<Vec<Self>, ScopeError> {
        let text = std::fs::read_to_string(path).map_err(|err| ScopeError::TargetsFile {
            path: path.display().to_string(),
            reason: err.to_string(),
        })?;
        text.lines()
            .map(|line| line.split('#').next().unwrap_or_default().trim())
            .filter(|line| !line.is_empty())
            .map(Self::parse)
            .collect()
    }
}

fn parse_address(text: &str) -> Option<IpAddr> {
    let unbracketed = text
        .strip_prefix('[')
        .and_then(|rest| rest.strip_suffix(']'))
        .unwrap_or(text);
    unbracketed.parse().ok()
}

fn parse_range_end(first: IpAddr, last: &str) -> Option<AddrRange> {
    if let Some(last) = parse_address(last) {
        return AddrRange::new(first, last);
    }
    let IpAddr::V4(first_v4) = first else {
        return None;
    };
    let octet: u8 = last.parse().ok()?;
    let [a, b, c, _] = first_v4.octets();
    AddrRange::new(first, IpAddr::V4(Ipv4Addr::new(a, b, c, octet)))
}

fn resolve(name: &str) -> Result<Vec<AddrRange>, String> {
    let looks_like_host = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_');
    if !looks_like_host {
        return Err("not an address, CIDR, range or host name".to_string());
    }
    let mut addresses: Vec<IpAddr> = (name, 0)
        .to_socket_addrs()
        .map_err(|err| format!("host name does not resolve: {err}"))?
        .map(|socket| socket.ip())
        .collect();
    addresses.sort();
    addresses.dedup();
    if addresses.is_empty() {
        return Err("host name resolves to no address".to_string());
    }
    Ok(addresses
        .into_iter()
        .filter_map(|address| AddrRange::new(address, address))
        .collect())
}

/// The networks the operator owns and allows scanning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    nets: Vec<IpNet>,
}

impl Scope {
    /// A scope of these networks. Refused when empty, or when a network reaches public address
    /// space and `allow_public` is false.
    pub fn new(nets: Vec<IpNet>, allow_public: bool) -> Result<Self, ScopeError> {
        if nets.is_empty() {
            return Err(ScopeError::EmptyScope);
        }
        let nets: Vec<IpNet> = nets.into_iter().map(|net| net.trunc()).collect();
        if !allow_public
            && let Some(net) = nets.iter().find(|net| {
                AddrRange::from_net(**net)
                    .first_uncovered(NON_PUBLIC)
                    .is_some()
            })
        {
            return Err(ScopeError::PublicScope { net: *net });
        }
        Ok(Self { nets })
    }

    /// Reads `--scope` entries: CIDRs, or bare addresses (a /32 or /128).
    pub fn parse<S: AsRef<str>>(entries: &[S], allow_public: bool) -> Result<Self, ScopeError> {
        let nets = entries
            .iter()
            .map(|entry| {
                let text = entry.as_ref().trim();
                text.parse::<IpNet>()
                    .ok()
                    .or_else(|| parse_address(text).map(IpNet::from))
                    .ok_or_else(|| ScopeError::BadScope {
                        entry: text.to_string(),
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Self::new(nets, allow_public)
    }

    /// The networks.
    pub fn nets(&self) -> &[IpNet] {
        &self.nets
    }

    /// Admits the targets, or names the first one that is outside the scope. Overlapping
    /// targets are merged so no address is probed twice.
    pub fn plan(&self, targets: &[Target]) -> Result<Plan, ScopeError> {
        for target in targets {
            for range in &target.ranges {
                if let Some(address) = range.first_uncovered(&self.nets) {
                    return Err(ScopeError::OutsideScope {
                        target: target.spec.clone(),
                        address,
                        scope: self
                            .nets
                            .iter()
                            .map(ToString::to_string)
                            .collect::<Vec<_>>()
                            .join(", "),
                    });
                }
            }
        }
        let mut ranges: Vec<AddrRange> = targets
            .iter()
            .flat_map(|target| target.ranges.iter().copied())
            .collect();
        ranges.sort_by_key(|range| (range.first.is_ipv6(), to_u128(range.first)));
        let mut merged: Vec<AddrRange> = Vec::with_capacity(ranges.len());
        for range in ranges {
            match merged.last_mut() {
                Some(previous)
                    if previous.first.is_ipv4() == range.first.is_ipv4()
                        && to_u128(range.first) <= to_u128(previous.last).saturating_add(1) =>
                {
                    if to_u128(range.last) > to_u128(previous.last) {
                        previous.last = range.last;
                    }
                }
                _ => merged.push(range),
            }
        }
        Ok(Plan { ranges: merged })
    }
}

/// Addresses admitted by a [`Scope`]: the only input the sweep accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    ranges: Vec<AddrRange>,
}

impl Plan {
    /// The admitted ranges, merged and sorted (IPv4 first).
    pub fn ranges(&self) -> &[AddrRange] {
        &self.ranges
    }

    /// Every admitted address, one at a time.
    pub fn addresses(&self) -> impl Iterator<Item = IpAddr> + '_ {
        self.ranges.iter().flat_map(AddrRange::iter)
    }

    /// Every admitted address, one at a time, owning the plan (for a task that outlives the
    /// caller's borrow).
    pub fn into_addresses(self) -> impl Iterator<Item = IpAddr> + Send + 'static {
        self.ranges.into_iter().flat_map(|range| range.iter())
    }

    /// True when `address` was admitted: what every later packet (an intrusive check's
    /// INVITE, an unregistration) is checked against again.
    pub fn contains(&self, address: IpAddr) -> bool {
        self.ranges
            .iter()
            .any(|range| range.first() <= address && address <= range.last())
    }

    /// How many addresses.
    pub fn len(&self) -> u128 {
        self.ranges.iter().map(AddrRange::len).sum()
    }

    /// The part of this plan at `addresses` (a follow-up on the hosts that answered): an
    /// address this plan did not admit is left out, so the result is still admitted.
    pub fn only(&self, addresses: impl IntoIterator<Item = IpAddr>) -> Plan {
        let mut kept: Vec<IpAddr> = addresses
            .into_iter()
            .filter(|address| self.contains(*address))
            .collect();
        kept.sort_by_key(|address| (address.is_ipv6(), to_u128(*address)));
        kept.dedup();
        Plan {
            ranges: kept
                .into_iter()
                .map(|address| AddrRange {
                    first: address,
                    last: address,
                })
                .collect(),
        }
    }

    /// True when no address was admitted.
    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
    }

    fn scope(entries: &[&str]) -> Scope {
        match Scope::parse(entries, false) {
            Ok(scope) => scope,
            Err(err) => panic!("scope {entries:?}: {err}"),
        }
    }

    fn target(spec: &str) -> Target {
        match Target::parse(spec) {
            Ok(target) => target,
            Err(err) => panic!("target {spec}: {err}"),
        }
    }

    #[test]
    fn target_forms() {
        assert_eq!(target("10.0.0.5").ranges[0].len(), 1);
        assert_eq!(target("[::1]").ranges[0].first(), ip("::1"));
        assert_eq!(target("10.1.0.0/16").ranges[0].len(), 65_536);
        assert_eq!(target("10.1.2.3/24").ranges[0].first(), ip("10.1.2.0"));
        assert_eq!(target("fd00::/120").ranges[0].len(), 256);
        let range = target("127.0.0.1-127.0.0.50").ranges[0];
        assert_eq!(
            (range.first(), range.last(), range.len()),
            (ip("127.0.0.1"), ip("127.0.0.50"), 50)
        );
        let short = target("10.0.0.1-20").ranges[0];
        assert_eq!(
            (short.first(), short.last()),
            (ip("10.0.0.1"), ip("10.0.0.20"))
        );
        assert_eq!(target("fd00::1-fd00::3").ranges[0].len(), 3);
        assert!(
            target("localhost")
                .ranges
                .iter()
                .any(|r| r.first().is_loopback())
        );
    }

    #[test]
    fn bad_targets_are_named() {
        for bad in [
            "",
            "10.0.0.9-3",
            "10.0.0.1-::1",
            "10.0.0.0/33",
            "no such host!",
            "fd00::/64",
        ] {
            let err = Target::parse(bad).err();
            assert!(
                matches!(&err, Some(ScopeError::BadTarget { target, .. }) if target == bad),
                "{bad:?} gave {err:?}"
            );
        }
    }

    #[test]
    fn a_sixteen_is_iterated_not_stored() {
        let plan = scope(&["10.0.0.0/8"])
            .plan(&[target("10.20.0.0/16")])
            .unwrap_or_else(|err| panic!("{err}"));
        assert_eq!(plan.len(), 65_536);
        assert_eq!(
            std::mem::size_of_val(plan.ranges()),
            std::mem::size_of::<AddrRange>()
        );
        let mut addresses = plan.addresses();
        assert_eq!(addresses.next(), Some(ip("10.20.0.0")));
        assert_eq!(addresses.nth(65_534), Some(ip("10.20.255.255")));
        assert_eq!(addresses.next(), None);
    }

    #[test]
    fn outside_scope_names_target_address_and_scope() {
        let err =
            scope(&["127.0.0.0/30"]).plan(&[target("127.0.0.1"), target("127.0.0.2-127.0.0.9")]);
        let Err(err) = err else {
            panic!("127.0.0.2-9 is not inside 127.0.0.0/30");
        };
        assert_eq!(
            err,
            ScopeError::OutsideScope {
                target: "127.0.0.2-127.0.0.9".to_string(),
                address: ip("127.0.0.4"),
                scope: "127.0.0.0/30".to_string(),
            }
        );
        let message = err.to_string();
        assert!(
            message.contains("127.0.0.2-127.0.0.9") && message.contains("127.0.0.0/30"),
            "{message}"
        );
    }

    #[test]
    fn adjacent_scope_entries_cover_a_range_together() {
        let plan =
            scope(&["10.0.0.0/25", "10.0.0.128/25"]).plan(&[target("10.0.0.100-10.0.0.200")]);
        assert_eq!(plan.map(|plan| plan.len()), Ok(101));
        assert!(
            scope(&["10.0.0.0/25", "10.0.0.129/32"])
                .plan(&[target("10.0.0.100-10.0.0.200")])
                .is_err()
        );
    }

    #[test]
    fn overlapping_targets_merge() {
        let plan = scope(&["127.0.0.0/8", "::1"])
            .plan(&[
                target("127.0.0.1-127.0.0.10"),
                target("127.0.0.5-127.0.0.20"),
                target("::1"),
                target("127.0.0.21"),
            ])
            .unwrap_or_else(|err| panic!("{err}"));
        assert_eq!(plan.ranges().len(), 2);
        assert_eq!(plan.len(), 22);
    }

    #[test]
    fn public_space_needs_allow_public() {
        for public in [
            "8.8.8.0/24",
            "100.64.0.0/10",
            "0.0.0.0/0",
            "2001:4860::/32",
            "11.0.0.1",
        ] {
            assert!(
                matches!(
                    Scope::parse(&[public], false),
                    Err(ScopeError::PublicScope { .. })
                ),
                "{public} admitted without allow_public"
            );
            assert!(
                Scope::parse(&[public], true).is_ok(),
                "{public} refused with allow_public"
            );
        }
        for private in [
            "10.0.0.0/8",
            "172.16.0.0/12",
            "192.168.1.0/24",
            "127.0.0.0/8",
            "169.254.0.0/16",
            "fd12:3456::/48",
            "fe80::/64",
            "::1",
            "192.0.2.0/24",
        ] {
            assert!(Scope::parse(&[private], false).is_ok(), "{private} refused");
        }
        // Straddling: a /7 that is half private is still public.
        assert!(Scope::parse(&["10.0.0.0/7"], false).is_err());
    }

    #[test]
    fn scope_requires_entries_and_valid_cidrs() {
        assert_eq!(
            Scope::parse::<&str>(&[], false),
            Err(ScopeError::EmptyScope)
        );
        assert!(matches!(
            Scope::parse(&["10.0.0.0/40"], false),
            Err(ScopeError::BadScope { .. })
        ));
    }

    #[test]
    fn a_follow_up_plan_keeps_only_admitted_addresses() {
        let plan = scope(&["10.0.0.0/24"])
            .plan(&[target("10.0.0.1-10.0.0.20")])
            .unwrap_or_else(|err| panic!("{err}"));
        let follow_up = plan.only([
            ip("10.0.0.9"),
            ip("10.0.0.3"),
            ip("10.0.0.99"),
            ip("10.0.0.3"),
        ]);
        assert_eq!(
            follow_up.addresses().collect::<Vec<_>>(),
            [ip("10.0.0.3"), ip("10.0.0.9")]
        );
        assert!(plan.only([]).is_empty());
    }

    #[test]
    fn targets_file_skips_comments() {
        let dir =
            std::env::temp_dir().join(format!("voipguard-scan-targets-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let file = dir.join("targets.txt");
        let _ = std::fs::write(&file, "# lab\n127.0.0.1\n\n127.0.0.8/30  # four\n::1\n");
        let targets = Target::read_file(&file).unwrap_or_else(|err| panic!("{err}"));
        let _ = std::fs::remove_dir_all(&dir);
        let sizes: Vec<u128> = targets.iter().map(|t| t.ranges[0].len()).collect();
        assert_eq!(sizes, [1, 4, 1]);
        assert!(matches!(
            Target::read_file(Path::new("/nonexistent/targets")),
            Err(ScopeError::TargetsFile { .. })
        ));
    }
}

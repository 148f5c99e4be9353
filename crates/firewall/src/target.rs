use std::fmt;
use std::net::{IpAddr, Ipv4Addr};
use std::str::FromStr;

use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// What a ban applies to: one IPv4 or IPv6 address, or a prefix such as an IPv6 /64.
///
/// Always normalised, so that one attacker is one key whatever form the log gave: host bits
/// below the prefix length are cleared, and an IPv4-mapped IPv6 address (`::ffff:192.0.2.7`)
/// becomes the IPv4 address it carries, since packets from it arrive as IPv4.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Target(IpNet);

impl Target {
    /// The target covering `net`, normalised.
    pub fn new(net: IpNet) -> Self {
        let net = match net {
            IpNet::V6(v6) => mapped_ipv4(v6).map_or(IpNet::V6(v6), IpNet::V4),
            IpNet::V4(_) => net,
        };
        Target(net.trunc())
    }

    /// The target covering exactly one address.
    pub fn address(address: IpAddr) -> Self {
        Target::new(IpNet::from(address))
    }

    /// The prefix, normalised (a single address has the full length: /32 or /128).
    pub fn net(&self) -> IpNet {
        self.0
    }

    /// The first address of the prefix (the address itself for a single address).
    pub fn first_address(&self) -> IpAddr {
        self.0.network()
    }

    /// Whether the target is one address rather than a wider prefix.
    pub fn is_single_address(&self) -> bool {
        self.0.prefix_len() == self.0.max_prefix_len()
    }

    /// Whether the target is IPv4.
    pub fn is_ipv4(&self) -> bool {
        matches!(self.0, IpNet::V4(_))
    }

    /// Whether every address of `other` is also in `self` (true for equal targets).
    pub fn contains(&self, other: &Target) -> bool {
        self.0.contains(&other.0)
    }

    /// Whether the two targets share at least one address.
    pub fn overlaps(&self, other: &Target) -> bool {
        self.contains(other) || other.contains(self)
    }

    /// The prefix with its length, even for a single address (`192.0.2.7/32`).
    pub fn to_prefix_string(&self) -> String {
        self.0.to_string()
    }
}

/// An IPv6 prefix inside `::ffff:0:0/96` is the IPv4 prefix it maps.
fn mapped_ipv4(net: Ipv6Net) -> Option<Ipv4Net> {
    let length = net.prefix_len().checked_sub(96)?;
    let v4: Ipv4Addr = net.network().to_ipv4_mapped()?;
    Ipv4Net::new(v4, length).ok()
}

impl From<IpAddr> for Target {
    fn from(address: IpAddr) -> Self {
        Target::address(address)
    }
}

impl From<IpNet> for Target {
    fn from(net: IpNet) -> Self {
        Target::new(net)
    }
}

/// A single address prints bare (`192.0.2.7`), a wider prefix with its length (`2001:db8::/64`).
/// This is also the element syntax nft uses.
impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_single_address() {
            write!(f, "{}", self.0.addr())
        } else {
            write!(f, "{}", self.0)
        }
    }
}

/// A text that is neither an IP address nor a prefix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{0}` is neither an IP address nor an address prefix (like 192.0.2.0/24 or 2001:db8::/64)"
)]
pub struct TargetParseError(String);

impl FromStr for Target {
    type Err = TargetParseError;

    /// Accepts `192.0.2.7`, `2001:db8::7`, `192.0.2.0/24`, `2001:db8::/64`.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        if let Ok(address) = text.parse::<IpAddr>() {
            return Ok(Target::address(address));
        }
        text.parse::<IpNet>()
            .map(Target::new)
            .map_err(|_| TargetParseError(text.to_owned()))
    }
}

impl Serialize for Target {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Target {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(text: &str) -> Target {
        text.parse().unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn single_addresses_print_bare_and_prefixes_with_length() {
        assert_eq!(target("192.0.2.7").to_string(), "192.0.2.7");
        assert_eq!(target("192.0.2.7").to_prefix_string(), "192.0.2.7/32");
        assert_eq!(target("2001:db8::7").to_string(), "2001:db8::7");
        assert_eq!(target("2001:db8:1:2::/64").to_string(), "2001:db8:1:2::/64");
        assert_eq!(target("192.0.2.7/32").to_string(), "192.0.2.7");
    }

    #[test]
    fn host_bits_are_cleared() {
        assert_eq!(
            target("2001:db8:1:2:aaaa::1/64").to_string(),
            "2001:db8:1:2::/64"
        );
        assert_eq!(target("198.51.100.77/24").to_string(), "198.51.100.0/24");
    }

    #[test]
    fn ipv4_mapped_ipv6_becomes_ipv4() {
        assert_eq!(target("::ffff:192.0.2.7"), target("192.0.2.7"));
        assert_eq!(target("::ffff:192.0.2.0/120"), target("192.0.2.0/24"));
        assert!(target("::ffff:192.0.2.7").is_ipv4());
        // Shorter than /96 it is not one IPv4 prefix, so it stays IPv6.
        assert!(!target("::ffff:0:0/95").is_ipv4());
    }

    #[test]
    fn containment_and_overlap() {
        let wide = target("2001:db8:1:2::/64");
        let inside = target("2001:db8:1:2::99");
        let outside = target("2001:db8:1:3::99");
        assert!(wide.contains(&inside) && !inside.contains(&wide));
        assert!(wide.overlaps(&inside) && inside.overlaps(&wide));
        assert!(!wide.overlaps(&outside));
        assert!(!target("0.0.0.0/0").overlaps(&target("::/0")));
    }

    #[test]
    fn garbage_is_refused_with_the_text() {
        let error = "192.0.2.300".parse::<Target>().err().map(|e| e.to_string());
        assert_eq!(
            error.as_deref(),
            Some(
                "`192.0.2.300` is neither an IP address nor an address prefix (like 192.0.2.0/24 or 2001:db8::/64)"
            )
        );
        assert!("2001:db8::/129".parse::<Target>().is_err());
        assert!("".parse::<Target>().is_err());
    }

    #[test]
    fn serde_uses_the_display_form() {
        let json = serde_json::to_string(&target("2001:db8::/64")).unwrap_or_default();
        assert_eq!(json, "\"2001:db8::/64\"");
        let back: Target =
            serde_json::from_str("\"::ffff:192.0.2.9\"").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(back, target("192.0.2.9"));
    }
}

//! Peer addresses in the shapes Asterisk and sshd print them.

use std::net::{IpAddr, Ipv6Addr};

/// Why an address field could not be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AddrError {
    /// Not an address in any known shape (a host name, an out-of-range octet…).
    Invalid,
    /// An unbracketed IPv6 address that may or may not end with a port.
    Ambiguous,
}

impl AddrError {
    pub(crate) const fn reason(self) -> &'static str {
        match self {
            Self::Invalid => "peer address is not an IP address",
            Self::Ambiguous => "unbracketed IPv6 address with a possible port",
        }
    }
}

/// One attacker, one key: IPv4-mapped IPv6 becomes IPv4.
pub(crate) fn normalise(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 @ IpAddr::V4(_) => v4,
    }
}

/// A bare IPv4 or IPv6 address (no port, no brackets).
pub(crate) fn parse_ip(text: &str) -> Result<IpAddr, AddrError> {
    text.parse::<IpAddr>()
        .map(normalise)
        .map_err(|_| AddrError::Invalid)
}

fn is_port(text: &str) -> bool {
    !text.is_empty() && text.len() <= 5 && text.bytes().all(|b| b.is_ascii_digit())
}

/// `1.2.3.4`, `1.2.3.4:5060`, `[2001:db8::7]:5060`, `[2001:db8::7]`, `[1.2.3.4]:5060`, or a bare
/// IPv6 address when it cannot also be read as an address followed by a port.
pub(crate) fn parse_host_port(text: &str) -> Result<IpAddr, AddrError> {
    if let Some(inner) = text.strip_prefix('[') {
        let (host, rest) = inner.split_once(']').ok_or(AddrError::Invalid)?;
        let port_ok = rest.is_empty() || rest.strip_prefix(':').is_some_and(is_port);
        return if port_ok {
            parse_ip(host)
        } else {
            Err(AddrError::Invalid)
        };
    }
    match text.bytes().filter(|&b| b == b':').count() {
        0 => parse_ip(text),
        1 => {
            let (host, port) = text.split_once(':').ok_or(AddrError::Invalid)?;
            if is_port(port) {
                parse_ip(host)
            } else {
                Err(AddrError::Invalid)
            }
        }
        _ => {
            let whole = text.parse::<Ipv6Addr>().map_err(|_| AddrError::Invalid)?;
            let port_split = text
                .rsplit_once(':')
                .filter(|(host, port)| is_port(port) && host.parse::<Ipv6Addr>().is_ok());
            if port_split.is_some() {
                Err(AddrError::Ambiguous)
            } else {
                Ok(normalise(IpAddr::V6(whole)))
            }
        }
    }
}

/// The security-event shape `IPV4/UDP/1.2.3.4/5060`, `IPV6/TLS/2001:db8::7/5061`, or without the
/// transport `IPV4/1.2.3.4/5060`.
pub(crate) fn parse_remote_address(text: &str) -> Result<IpAddr, AddrError> {
    let (family, rest) = text.split_once('/').ok_or(AddrError::Invalid)?;
    if family != "IPV4" && family != "IPV6" {
        return Err(AddrError::Invalid);
    }
    let (rest, port) = rest.rsplit_once('/').ok_or(AddrError::Invalid)?;
    if !is_port(port) {
        return Err(AddrError::Invalid);
    }
    let host = match rest.split_once('/') {
        Some((transport, host)) if transport.bytes().all(|b| b.is_ascii_alphabetic()) => host,
        Some(_) => return Err(AddrError::Invalid),
        None => rest,
    };
    parse_ip(host)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse()
            .unwrap_or_else(|_| panic!("bad test address {text}"))
    }

    #[test]
    fn host_port_shapes() {
        assert_eq!(parse_host_port("1.2.3.4"), Ok(ip("1.2.3.4")));
        assert_eq!(parse_host_port("1.2.3.4:5060"), Ok(ip("1.2.3.4")));
        assert_eq!(parse_host_port("[1.2.3.4]:61470"), Ok(ip("1.2.3.4")));
        assert_eq!(parse_host_port("[2001:db8::7]:5060"), Ok(ip("2001:db8::7")));
        assert_eq!(parse_host_port("[::ffff:1.2.3.4]:5060"), Ok(ip("1.2.3.4")));
        assert_eq!(parse_host_port("2001:db8::1"), Ok(ip("2001:db8::1")));
        assert_eq!(
            parse_host_port("2001:db8::1:1234"),
            Err(AddrError::Ambiguous)
        );
        assert_eq!(parse_host_port("example.com"), Err(AddrError::Invalid));
        assert_eq!(parse_host_port("1.2.3.4:x"), Err(AddrError::Invalid));
        assert_eq!(parse_host_port("192.030.0.6"), Err(AddrError::Invalid));
    }

    #[test]
    fn remote_address_shapes() {
        assert_eq!(
            parse_remote_address("IPV4/UDP/1.2.3.4/5060"),
            Ok(ip("1.2.3.4"))
        );
        assert_eq!(
            parse_remote_address("IPV6/UDP/2001:db8::7/5060"),
            Ok(ip("2001:db8::7"))
        );
        assert_eq!(parse_remote_address("IPV4/1.2.3.4/5060"), Ok(ip("1.2.3.4")));
        assert_eq!(
            parse_remote_address("IPV4/UDP/YYYYYYYY/5062"),
            Err(AddrError::Invalid)
        );
        assert_eq!(
            parse_remote_address("IPV4/UDP/1.2.3.4"),
            Err(AddrError::Invalid)
        );
    }
}

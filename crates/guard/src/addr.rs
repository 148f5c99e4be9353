//! Peer addresses in the shapes Asterisk and sshd print them.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use memchr::memchr;

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

/// Dotted-quad IPv4 with the standard library's rules (1 to 3 digits per octet, no leading
/// zero, at most 255), by hand: every failure line needs one and `str::parse` is several times
/// slower.
fn parse_ipv4(text: &[u8]) -> Option<Ipv4Addr> {
    leading_ipv4(text).and_then(|(v4, end)| (end == text.len()).then_some(v4))
}

/// The dotted quad that starts `text` (read as [`parse_ipv4`] reads one) and where it ends.
fn leading_ipv4(text: &[u8]) -> Option<(Ipv4Addr, usize)> {
    let value = |digit: u8| u16::from(digit - b'0');
    let mut octets = [0u8; 4];
    let mut rest = text;
    for (index, octet) in octets.iter_mut().enumerate() {
        if index > 0 {
            rest = rest.strip_prefix(b".")?;
        }
        // Up to three digits, but a leading zero stands alone, as the standard library reads.
        let (number, length) = match *rest {
            [a @ b'1'..=b'9', b @ b'0'..=b'9', c @ b'0'..=b'9', ..] => {
                (value(a) * 100 + value(b) * 10 + value(c), 3)
            }
            [a @ b'1'..=b'9', b @ b'0'..=b'9', ..] => (value(a) * 10 + value(b), 2),
            [a @ b'0'..=b'9', ..] => (value(a), 1),
            _ => return None,
        };
        *octet = u8::try_from(number).ok()?;
        rest = rest.get(length..)?;
    }
    Some((Ipv4Addr::from(octets), text.len() - rest.len()))
}

/// A bare IPv4 or IPv6 address (no port, no brackets).
pub(crate) fn parse_ip(text: &str) -> Result<IpAddr, AddrError> {
    if let Some(v4) = parse_ipv4(text.as_bytes()) {
        return Ok(IpAddr::V4(v4));
    }
    text.parse::<Ipv6Addr>()
        .map(|v6| normalise(IpAddr::V6(v6)))
        .map_err(|_| AddrError::Invalid)
}

fn is_port(text: &str) -> bool {
    !text.is_empty() && text.len() <= 5 && text.bytes().all(|b| b.is_ascii_digit())
}

/// `1.2.3.4`, `1.2.3.4:5060`, `[2001:db8::7]:5060`, `[2001:db8::7]`, `[1.2.3.4]:5060`, or a bare
/// IPv6 address when it cannot also be read as an address followed by a port.
pub(crate) fn parse_host_port(text: &str) -> Result<IpAddr, AddrError> {
    // Most peers are IPv4, with or without a port: read in one pass, without searching for
    // colons first. Anything else takes the general path, which reads these the same way.
    if let Some((v4, end)) = leading_ipv4(text.as_bytes()) {
        let rest = text.get(end..).unwrap_or_default();
        if rest.is_empty() || rest.strip_prefix(':').is_some_and(is_port) {
            return Ok(IpAddr::V4(v4));
        }
    }
    if let Some(inner) = text.strip_prefix('[') {
        let (host, rest) = inner.split_once(']').ok_or(AddrError::Invalid)?;
        let port_ok = rest.is_empty() || rest.strip_prefix(':').is_some_and(is_port);
        return if port_ok {
            parse_ip(host)
        } else {
            Err(AddrError::Invalid)
        };
    }
    let bytes = text.as_bytes();
    let first_colon = memchr(b':', bytes);
    let second_colon = first_colon.and_then(|at| memchr(b':', bytes.get(at + 1..)?));
    match (first_colon, second_colon) {
        (None, _) => parse_ip(text),
        (Some(at), None) => {
            let (Some(host), Some(port)) = (text.get(..at), text.get(at + 1..)) else {
                return Err(AddrError::Invalid);
            };
            if is_port(port) {
                parse_ip(host)
            } else {
                Err(AddrError::Invalid)
            }
        }
        (Some(_), Some(_)) => {
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
    // Every part is a few bytes long: plain scans beat setting up vector searches.
    let bytes = text.as_bytes();
    let slash = |byte: &u8| *byte == b'/';
    let first = bytes.iter().position(slash).ok_or(AddrError::Invalid)?;
    let last = bytes.iter().rposition(slash).ok_or(AddrError::Invalid)?;
    let part = |range: std::ops::Range<usize>| text.get(range).ok_or(AddrError::Invalid);
    let family = part(0..first)?;
    if family != "IPV4" && family != "IPV6" {
        return Err(AddrError::Invalid);
    }
    if last == first || !is_port(part(last + 1..text.len())?) {
        return Err(AddrError::Invalid);
    }
    let middle = part(first + 1..last)?;
    let host = match middle.bytes().position(|b| b == b'/') {
        Some(at) => {
            let (transport, host) = (
                part(first + 1..first + 1 + at)?,
                part(first + 2 + at..last)?,
            );
            if !transport.bytes().all(|b| b.is_ascii_alphabetic()) {
                return Err(AddrError::Invalid);
            }
            host
        }
        None => middle,
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
    fn ipv4_by_hand_agrees_with_std() {
        let cases = [
            "0.0.0.0",
            "255.255.255.255",
            "1.2.3.4",
            "01.2.3.4",
            "1.2.3.04",
            "256.1.1.1",
            "1.2.3",
            "1.2.3.4.5",
            "1..3.4",
            ".1.2.3",
            "1.2.3.",
            "1.2.3.4 ",
            "1.2.3.+4",
            "1.2.3.1000",
            "",
            "a.b.c.d",
            "0.0.0.00",
            "10.0.0.1",
            "100.200.250.1",
            "1.2.3.255",
            "1.2.3.256",
            "199.09.1.1",
            "1.2.3.4:5060",
        ];
        for text in cases {
            assert_eq!(
                parse_ipv4(text.as_bytes()),
                text.parse::<Ipv4Addr>().ok(),
                "{text:?}"
            );
        }
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
        assert_eq!(parse_remote_address("IPV4/5060"), Err(AddrError::Invalid));
        assert_eq!(
            parse_remote_address("IPV4/UDP/x/1.2.3.4/5060"),
            Err(AddrError::Invalid)
        );
        assert_eq!(
            parse_remote_address("IPV6/U1/2001:db8::7/5060"),
            Err(AddrError::Invalid)
        );
    }
}

//! SIP on the wire: the OPTIONS request the scanner sends, the responses it reads, and the
//! correlation between the two.
//!
//! Every probe carries a sequence number in its From-tag, Call-ID and branch, so a response is
//! attributed to the probe it answers by what it echoes, not by the address it came from (a host
//! behind NAT, a multi-homed server or a wildcard-bound proxy answers from another address).
//! IPv6 hosts are bracketed everywhere a host appears (Request-URI, Via, From, To, Contact).

use std::borrow::Cow;
use std::fmt::Write as _;
use std::net::{IpAddr, SocketAddr};
use std::sync::LazyLock;

use memchr::memmem;

use serde::Serialize;
use thiserror::Error;

/// What a probe travels over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    /// Datagrams, retransmitted on silence (RFC 3261 timer A).
    Udp,
    /// One connection per probe.
    Tcp,
    /// One TLS connection per probe; the certificate is recorded, never trusted.
    Tls,
}

impl Transport {
    /// The Via token (`UDP`, `TCP`).
    pub fn via_token(self) -> &'static str {
        match self {
            Self::Udp => "UDP",
            Self::Tcp => "TCP",
            Self::Tls => "TLS",
        }
    }
}

impl std::fmt::Display for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Udp => "udp",
            Self::Tcp => "tcp",
            Self::Tls => "tls",
        })
    }
}

/// `host` as it appears in a SIP URI or Via: IPv6 in brackets.
pub fn uri_host(address: IpAddr) -> String {
    match address {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => format!("[{v6}]"),
    }
}

/// `host:port` as it appears in a SIP URI or Via.
pub fn uri_hostport(address: SocketAddr) -> String {
    format!("{}:{}", uri_host(address.ip()), address.port())
}

/// Encodes probe sequence numbers into tags and recovers them from responses. The nonce is
/// random per sweep, so replies to another sweep (or another scanner) are not mistaken for ours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Correlator {
    nonce: u32,
}

const TAG_PREFIX: &str = "vg";
/// `vg`, eight hex digits of nonce, `-`.
const TOKEN_PREFIX_LEN: usize = TAG_PREFIX.len() + 9;

impl Correlator {
    /// A correlator with a fresh random nonce.
    pub fn random() -> Self {
        Self {
            nonce: fastrand::u32(..),
        }
    }

    /// A correlator with a given nonce (tests).
    pub fn with_nonce(nonce: u32) -> Self {
        Self { nonce }
    }

    fn token(self, seq: u64) -> String {
        let mut token = self.token_prefix();
        push_hex(&mut token, seq);
        token
    }

    /// `vg<nonce>-`: every token of this sweep starts so.
    fn token_prefix(self) -> String {
        String::from_utf8_lossy(&self.token_prefix_bytes()).into_owned()
    }

    fn token_prefix_bytes(self) -> [u8; TOKEN_PREFIX_LEN] {
        let mut prefix = [b'-'; TOKEN_PREFIX_LEN];
        let (tag, hex) = prefix.split_at_mut(TAG_PREFIX.len());
        tag.copy_from_slice(TAG_PREFIX.as_bytes());
        for (index, slot) in hex.iter_mut().take(8).enumerate() {
            let nibble = (self.nonce >> (28 - 4 * index)) & 0xf;
            *slot = char::from_digit(nibble, 16).map_or(b'0', |c| c as u8);
        }
        prefix
    }

    /// The From-tag of probe `seq`.
    pub fn from_tag(self, seq: u64) -> String {
        self.token(seq)
    }

    /// The Call-ID of probe `seq`.
    pub fn call_id(self, seq: u64) -> String {
        format!("{}@voipguard", self.token(seq))
    }

    /// The Via branch of probe `seq`: identical for its retransmissions, as RFC 3261 17.1.1.2
    /// requires, and starting with the RFC 3261 magic cookie.
    pub fn branch(self, seq: u64) -> String {
        format!("z9hG4bK{}", self.token(seq))
    }

    /// The probe a response answers: by its From-tag, else by its Call-ID (some stacks mangle
    /// one of them).
    pub fn probe_of(self, response: &Response) -> Option<u64> {
        let from_tag = response.from_tag();
        let call_id = response.header("call-id");
        from_tag
            .and_then(|tag| self.decode(tag))
            .or_else(|| call_id.and_then(|id| self.decode(id.split('@').next().unwrap_or(id))))
    }

    /// Finds this sweep's tokens in raw datagrams (see [`TokenFinder::probe_of`]).
    pub(crate) fn token_finder(self) -> TokenFinder {
        TokenFinder {
            prefix: memmem::Finder::new(&self.token_prefix_bytes()).into_owned(),
        }
    }

    fn decode(self, token: &str) -> Option<u64> {
        let rest = token.trim().strip_prefix(TAG_PREFIX)?;
        let (nonce, seq) = rest.split_once('-')?;
        (u32::from_str_radix(nonce, 16).ok()? == self.nonce)
            .then(|| u64::from_str_radix(seq, 16).ok())
            .flatten()
    }
}

/// Reads the probe a raw datagram answers straight from its bytes.
#[derive(Debug, Clone)]
pub(crate) struct TokenFinder {
    prefix: memmem::Finder<'static>,
}

impl TokenFinder {
    /// The first of our tokens in `datagram` (Via branch, From-tag and Call-ID all carry the
    /// same one). A sweep drops strays and duplicate answers with this before paying for a
    /// full parse; `None` means "parse it and ask [`Correlator::probe_of`]" (a stack that
    /// changed the token's case, say).
    pub(crate) fn probe_of(&self, datagram: &[u8]) -> Option<u64> {
        let at = self.prefix.find(datagram)? + self.prefix.needle().len();
        let digits = datagram.get(at..)?;
        let len = digits
            .iter()
            .take_while(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b))
            .count();
        let hex = std::str::from_utf8(digits.get(..len)?).ok()?;
        u64::from_str_radix(hex, 16).ok()
    }
}

/// An OPTIONS request for one probe.
#[derive(Debug, Clone, Copy)]
pub struct OptionsRequest<'a> {
    /// Where it goes.
    pub target: SocketAddr,
    /// The scanner's own address and port, for Via, From and Contact.
    pub local: SocketAddr,
    /// Transport named in Via and Contact.
    pub transport: Transport,
    /// The honest User-Agent (line breaks are removed).
    pub user_agent: &'a str,
    /// Tags and branch.
    pub correlator: Correlator,
    /// Probe sequence number.
    pub seq: u64,
}

impl OptionsRequest<'_> {
    /// Writes the request into `out` (cleared first), so a sweep reuses one buffer.
    pub fn write_into(&self, out: &mut String) {
        RequestTemplate::new(self.local, self.transport, self.user_agent, self.correlator).write(
            self.target,
            self.seq,
            out,
        );
    }

    /// The request as a new string.
    pub fn render(&self) -> String {
        let mut out = String::with_capacity(512);
        self.write_into(&mut out);
        out
    }
}

/// The OPTIONS request of one sender with the per-probe parts left open: a sweep renders the
/// constant text once and only writes the target and the probe's token into each datagram,
/// without formatting or allocating per probe.
#[derive(Debug, Clone)]
pub(crate) struct RequestTemplate {
    /// The request with the holes cut out.
    text: String,
    /// Where each hole of [`Self::HOLES`] sits in `text`, in order.
    cuts: [usize; 5],
    /// `vg<nonce>-`, the constant start of every token.
    token_prefix: String,
}

#[derive(Debug, Clone, Copy)]
enum Hole {
    Target,
    Token,
}

impl RequestTemplate {
    const HOLES: [Hole; 5] = [
        Hole::Target,
        Hole::Token,
        Hole::Token,
        Hole::Target,
        Hole::Token,
    ];

    pub(crate) fn new(
        local: SocketAddr,
        transport: Transport,
        user_agent: &str,
        correlator: Correlator,
    ) -> Self {
        let local_hostport = uri_hostport(local);
        let local_host = uri_host(local.ip());
        let uri_transport = match transport {
            Transport::Udp => "",
            Transport::Tcp => ";transport=tcp",
            Transport::Tls => ";transport=tls",
        };
        let user_agent: String = user_agent.chars().filter(|c| !c.is_control()).collect();
        let via = transport.via_token();
        let pieces = [
            "OPTIONS sip:".to_string(),
            format!(
                "{uri_transport} SIP/2.0\r\nVia: SIP/2.0/{via} {local_hostport};branch=z9hG4bK"
            ),
            format!(";rport\r\nMax-Forwards: 70\r\nFrom: <sip:voipguard@{local_host}>;tag="),
            "\r\nTo: <sip:".to_string(),
            ">\r\nCall-ID: ".to_string(),
            format!(
                "@voipguard\r\n\
                 CSeq: 1 OPTIONS\r\n\
                 Contact: <sip:voipguard@{local_hostport}{uri_transport}>\r\n\
                 User-Agent: {user_agent}\r\n\
                 Accept: application/sdp\r\n\
                 Content-Length: 0\r\n\r\n"
            ),
        ];
        let mut text = String::with_capacity(pieces.iter().map(String::len).sum());
        let mut cuts = [0; 5];
        for (index, piece) in pieces.iter().enumerate() {
            text.push_str(piece);
            if let Some(cut) = cuts.get_mut(index) {
                *cut = text.len();
            }
        }
        Self {
            text,
            cuts,
            token_prefix: correlator.token_prefix(),
        }
    }

    /// Writes the request of probe `seq` to `target` into `out` (cleared first).
    pub(crate) fn write(&self, target: SocketAddr, seq: u64, out: &mut String) {
        out.clear();
        let mut start = 0;
        for (&cut, hole) in self.cuts.iter().zip(Self::HOLES) {
            out.push_str(self.text.get(start..cut).unwrap_or_default());
            start = cut;
            match hole {
                Hole::Target => push_hostport(out, target),
                Hole::Token => {
                    out.push_str(&self.token_prefix);
                    push_hex(out, seq);
                }
            }
        }
        out.push_str(self.text.get(start..).unwrap_or_default());
    }
}

/// `host:port` as [`uri_hostport`] writes it, without allocating for IPv4 (the hot path).
fn push_hostport(out: &mut String, address: SocketAddr) {
    match address.ip() {
        IpAddr::V4(v4) => {
            for (index, octet) in v4.octets().into_iter().enumerate() {
                if index > 0 {
                    out.push('.');
                }
                push_decimal(out, u64::from(octet));
            }
        }
        // Writing to a String cannot fail.
        IpAddr::V6(v6) => drop(write!(out, "[{v6}]")),
    }
    out.push(':');
    push_decimal(out, u64::from(address.port()));
}

fn push_decimal(out: &mut String, value: u64) {
    push_digits(out, value, 10);
}

fn push_hex(out: &mut String, value: u64) {
    push_digits(out, value, 16);
}

fn push_digits(out: &mut String, mut value: u64, radix: u32) {
    let mut digits = [0_u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        let digit = u32::try_from(value % u64::from(radix)).unwrap_or_default();
        if let (Some(slot), Some(c)) = (digits.get_mut(at), char::from_digit(digit, radix)) {
            *slot = c as u8;
        }
        value /= u64::from(radix);
        if value == 0 || at == 0 {
            break;
        }
    }
    for &digit in digits.get(at..).unwrap_or_default() {
        out.push(char::from(digit));
    }
}

/// A datagram or stream chunk that is not a SIP response.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ParseError {
    /// The first line is not `SIP/2.0 <code> <reason>`.
    #[error("not a SIP response status line")]
    StatusLine,
    /// A header line without a colon.
    #[error("malformed header line {line}")]
    Header {
        /// 1-based line number.
        line: usize,
    },
}

/// A parsed SIP response. Header names are stored canonical and lower-case, compact forms
/// expanded (`v` → `via`, `f` → `from`, …), values trimmed, folded lines joined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// Status code, 100–699.
    pub status: u16,
    /// Reason phrase as sent.
    pub reason: String,
    /// Canonical names and values, back to back.
    text: String,
    headers: Vec<HeaderSpan>,
}

/// One header in [`Response::text`]: the name from `start`, the value from `value_start` to
/// `end`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct HeaderSpan {
    start: usize,
    value_start: usize,
    end: usize,
}

/// The canonical lower-case name of a compact form (`v`, `F`, …): `None` for a full name.
fn canonical_name(name: &str) -> Option<&'static str> {
    match name.as_bytes() {
        [letter] => expand_compact(std::str::from_utf8(&[letter.to_ascii_lowercase()]).ok()?),
        _ => None,
    }
}

/// RFC 3261 7.3.3 and later RFCs' compact header forms.
fn expand_compact(name: &str) -> Option<&'static str> {
    Some(match name {
        "a" => "accept-contact",
        "b" => "referred-by",
        "c" => "content-type",
        "d" => "request-disposition",
        "e" => "content-encoding",
        "f" => "from",
        "i" => "call-id",
        "j" => "reject-contact",
        "k" => "supported",
        "l" => "content-length",
        "m" => "contact",
        "n" => "identity-info",
        "o" => "event",
        "r" => "refer-to",
        "s" => "subject",
        "t" => "to",
        "u" => "allow-events",
        "v" => "via",
        "x" => "session-expires",
        "y" => "identity",
        _ => return None,
    })
}

fn split_head(bytes: &[u8]) -> Option<(usize, usize)> {
    static CRLF: LazyLock<memmem::Finder<'static>> =
        LazyLock::new(|| memmem::Finder::new(b"\r\n\r\n"));
    static LF: LazyLock<memmem::Finder<'static>> = LazyLock::new(|| memmem::Finder::new(b"\n\n"));
    let crlf = CRLF.find(bytes).map(|at| (at, at + 4));
    // A bare-LF blank line can only come first when it starts before the CRLF one.
    let lf = LF
        .find(
            bytes
                .get(..crlf.map_or(bytes.len(), |(at, _)| at + 2))
                .unwrap_or(bytes),
        )
        .map(|at| (at, at + 2));
    match (crlf, lf) {
        (Some(a), Some(b)) => Some(if a.0 <= b.0 { a } else { b }),
        (a, b) => a.or(b),
    }
}

/// `bytes` as text, invalid UTF-8 replaced; the check for valid text is much cheaper than the
/// lossy conversion, and answers are nearly always valid.
fn text_of(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(bytes),
    }
}

/// The length of the first complete SIP message in `bytes` (head plus Content-Length body), or
/// `None` while it is incomplete: how a stream reader knows it has a whole response.
pub fn complete_message_len(bytes: &[u8]) -> Option<usize> {
    let (head_end, body_start) = split_head(bytes)?;
    let head = text_of(bytes.get(..head_end)?);
    let body_len = head
        .lines()
        .skip(1)
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| {
            let name = name.trim().to_ascii_lowercase();
            name == "content-length" || name == "l"
        })
        .and_then(|(_, value)| value.trim().parse::<usize>().ok())
        .unwrap_or(0);
    let total = body_start.checked_add(body_len)?;
    (bytes.len() >= total).then_some(total)
}

impl Response {
    /// Parses a response; the body, if any, is ignored.
    pub fn parse(bytes: &[u8]) -> Result<Self, ParseError> {
        let head_end = split_head(bytes).map_or(bytes.len(), |(end, _)| end);
        let head = text_of(bytes.get(..head_end).unwrap_or(bytes));
        let mut lines = head
            .split('\n')
            .map(|line| line.strip_suffix('\r').unwrap_or(line));
        let status_line = lines.next().ok_or(ParseError::StatusLine)?;
        let (version, rest) = status_line.split_once(' ').ok_or(ParseError::StatusLine)?;
        if !version.eq_ignore_ascii_case("SIP/2.0") {
            return Err(ParseError::StatusLine);
        }
        let (code, reason) = rest.split_once(' ').unwrap_or((rest, ""));
        let status: u16 = code.parse().map_err(|_| ParseError::StatusLine)?;
        if !(100..=699).contains(&status) {
            return Err(ParseError::StatusLine);
        }
        // Names and values go back to back into one string (two allocations per response, not
        // two per header: a sweep parses tens of thousands of them).
        let mut text = String::with_capacity(head.len());
        let mut headers: Vec<HeaderSpan> = Vec::with_capacity(16);
        for (index, line) in lines.enumerate() {
            if line.is_empty() {
                continue;
            }
            if line.starts_with([' ', '\t']) {
                // The folded header is the last one written, so its value ends `text`.
                let last = headers
                    .last_mut()
                    .ok_or(ParseError::Header { line: index + 2 })?;
                text.push(' ');
                text.push_str(line.trim());
                last.end = text.len();
                continue;
            }
            let (name, value) = line
                .split_once(':')
                .ok_or(ParseError::Header { line: index + 2 })?;
            let start = text.len();
            match canonical_name(name.trim()) {
                Some(expanded) => text.push_str(expanded),
                None => {
                    text.push_str(name.trim());
                    if let Some(pushed) = text.get_mut(start..) {
                        pushed.make_ascii_lowercase();
                    }
                }
            }
            let value_start = text.len();
            text.push_str(value.trim());
            headers.push(HeaderSpan {
                start,
                value_start,
                end: text.len(),
            });
        }
        Ok(Self {
            status,
            reason: reason.trim().to_string(),
            text,
            headers,
        })
    }

    fn name_of(&self, header: &HeaderSpan) -> &str {
        self.text
            .get(header.start..header.value_start)
            .unwrap_or_default()
    }

    fn value_of(&self, header: &HeaderSpan) -> &str {
        self.text
            .get(header.value_start..header.end)
            .unwrap_or_default()
    }

    /// The first value of a header, by full or compact name, any case.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.values(name).next()
    }

    /// Every value of a header, by full or compact name, any case.
    pub fn header_values<'a>(&'a self, name: &str) -> impl Iterator<Item = &'a str> + 'a {
        self.named(canonical_name(name).map_or_else(|| name.to_string(), str::to_string))
    }

    /// [`Self::header_values`] borrowing the name instead of copying it.
    fn values<'s, 'n>(&'s self, name: &'n str) -> impl Iterator<Item = &'s str> + use<'s, 'n> {
        self.named(canonical_name(name).unwrap_or(name))
    }

    fn named<'s, N: AsRef<str>>(
        &'s self,
        canonical: N,
    ) -> impl Iterator<Item = &'s str> + use<'s, N> {
        self.headers
            .iter()
            .filter(move |header| {
                self.name_of(header)
                    .eq_ignore_ascii_case(canonical.as_ref())
            })
            .map(|header| self.value_of(header))
    }

    /// Header names in order of appearance, canonical lower-case.
    pub fn header_names(&self) -> impl Iterator<Item = &str> {
        self.headers.iter().map(|header| self.name_of(header))
    }

    /// The From header's tag.
    pub fn from_tag(&self) -> Option<&str> {
        self.header("from").and_then(tag_param)
    }

    /// The To header's tag: set by the responder, its shape hints at the SIP stack.
    pub fn to_tag(&self) -> Option<&str> {
        self.header("to").and_then(tag_param)
    }

    /// A comma-separated list header (Allow, Supported) over all its occurrences, upper-cased
    /// for methods so `invite` and `INVITE` compare equal.
    pub fn list(&self, name: &str) -> Vec<String> {
        self.items(name).map(str::to_string).collect()
    }

    /// The items of [`Self::list`], borrowed.
    pub(crate) fn items<'s, 'n>(
        &'s self,
        name: &'n str,
    ) -> impl Iterator<Item = &'s str> + use<'s, 'n> {
        self.values(name)
            .flat_map(|value| value.split(','))
            .map(str::trim)
            .filter(|item| !item.is_empty())
    }

    /// MAC addresses the responder gives away (12 lower-case hex digits): written out in
    /// Contact, User-Agent, Server or the To-tag; the node of a time-based `+sip.instance`
    /// UUID (RFC 4122 puts the MAC there; Snom and Yealink phones send one); or a bare
    /// 12-digit token in User-Agent/Server (`Cisco/SPA504G-7.6.2 (001122334455)`).
    pub fn macs(&self) -> Vec<String> {
        let mut found = Vec::new();
        let mut add = |mac: String| {
            if mac != "000000000000" && !found.contains(&mac) {
                found.push(mac);
            }
        };
        let agents: Vec<&str> = self
            .values("user-agent")
            .chain(self.values("server"))
            .collect();
        let contacts: Vec<&str> = self.values("contact").collect();
        for text in agents.iter().chain(&contacts).copied().chain(self.to_tag()) {
            crate::http::macs_of(text).into_iter().for_each(&mut add);
        }
        for contact in &contacts {
            uuid_node_mac(contact).into_iter().for_each(&mut add);
        }
        for agent in &agents {
            agent
                .split(|c: char| !c.is_ascii_alphanumeric())
                .filter(|token| token.len() == 12 && token.bytes().all(|b| b.is_ascii_hexdigit()))
                .for_each(|token| add(token.to_ascii_lowercase()));
        }
        found
    }

    /// The digest realm of a 401/407 challenge.
    pub fn realm(&self) -> Option<&str> {
        self.header("www-authenticate")
            .or_else(|| self.header("proxy-authenticate"))
            .and_then(realm_param)
    }
}

/// The `tag` parameter of a From/To value: header parameters follow the `>` of a name-addr, or
/// the first `;` of a bare addr-spec (which cannot carry URI parameters).
fn tag_param(value: &str) -> Option<&str> {
    let params = match value.rfind('>') {
        Some(end) => value.get(end + 1..)?,
        None => value.split_once(';').map(|(_, rest)| rest)?,
    };
    params.split(';').find_map(|param| {
        let (name, tag) = param.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("tag")
            .then_some(tag.trim())
            .filter(|tag| !tag.is_empty())
    })
}

/// The node of a version-1 `urn:uuid:` in `contact` when it is a MAC: RFC 4122 4.5 sets the
/// multicast bit of a node that is random instead.
fn uuid_node_mac(contact: &str) -> Option<String> {
    let lower = contact.to_ascii_lowercase();
    let at = lower.find("urn:uuid:")? + "urn:uuid:".len();
    let uuid = lower.get(at..at + 36)?;
    let groups: Vec<&str> = uuid.split('-').collect();
    let [_, _, version, _, node] = groups.as_slice() else {
        return None;
    };
    let first_octet = u8::from_str_radix(node.get(..2)?, 16).ok()?;
    (version.starts_with('1')
        && node.len() == 12
        && node.bytes().all(|b| b.is_ascii_hexdigit())
        && first_octet & 1 == 0)
        .then(|| (*node).to_string())
}

fn realm_param(challenge: &str) -> Option<&str> {
    let lower = challenge.to_ascii_lowercase();
    let at = lower.find("realm=")? + "realm=".len();
    let rest = challenge.get(at..)?.trim_start();
    match rest.strip_prefix('"') {
        Some(quoted) => quoted.split('"').next(),
        None => rest.split([',', ' ']).next(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn macs_from_contact_instance_agent_and_to_tag() {
        let response = |headers: &str| {
            Response::parse(format!("SIP/2.0 200 OK\r\n{headers}\r\n").as_bytes())
                .unwrap_or_else(|err| panic!("{err}"))
        };
        let snom = response(
            "To: <sip:x@h>;tag=abc\r\nContact: <sip:100@10.0.0.9:5060>;+sip.instance=\"<urn:uuid:00000000-0000-1000-8000-000413A1B2C3>\"",
        );
        assert_eq!(snom.macs(), ["000413a1b2c3"]);
        // A random (version 4) instance id says nothing about the MAC.
        let random = response(
            "Contact: <sip:100@h>;+sip.instance=\"<urn:uuid:6ba7b810-9dad-41d1-80b4-00c04fd430c8>\"",
        );
        assert!(random.macs().is_empty());
        let cisco = response(
            "User-Agent: Cisco/SPA504G-7.6.2 (00259C0A0B0C)\r\nTo: <sip:x@h>;tag=00-0b-82-8c-8f-97",
        );
        assert_eq!(cisco.macs(), ["000b828c8f97", "00259c0a0b0c"]);
        assert!(
            response("Server: kamailio (5.6.3 (x86_64/linux))")
                .macs()
                .is_empty()
        );
    }

    fn socket(text: &str) -> SocketAddr {
        text.parse().unwrap_or_else(|err| panic!("{text}: {err}"))
    }

    fn parse(text: &str) -> Response {
        Response::parse(text.as_bytes()).unwrap_or_else(|err| panic!("{err}: {text}"))
    }

    fn request(target: &str, local: &str, transport: Transport) -> String {
        OptionsRequest {
            target: socket(target),
            local: socket(local),
            transport,
            user_agent: "voipguard/0.1.0",
            correlator: Correlator::with_nonce(0xdead_beef),
            seq: 42,
        }
        .render()
    }

    #[test]
    fn options_request_has_the_rfc3261_headers() {
        let text = request("192.168.1.20:5060", "192.168.1.5:40000", Transport::Udp);
        let lines: Vec<&str> = text.split("\r\n").collect();
        assert_eq!(lines[0], "OPTIONS sip:192.168.1.20:5060 SIP/2.0");
        assert_eq!(
            lines[1],
            "Via: SIP/2.0/UDP 192.168.1.5:40000;branch=z9hG4bKvgdeadbeef-2a;rport"
        );
        assert!(lines.contains(&"Max-Forwards: 70"));
        assert!(lines.contains(&"From: <sip:voipguard@192.168.1.5>;tag=vgdeadbeef-2a"));
        assert!(lines.contains(&"To: <sip:192.168.1.20:5060>"));
        assert!(lines.contains(&"Call-ID: vgdeadbeef-2a@voipguard"));
        assert!(lines.contains(&"CSeq: 1 OPTIONS"));
        assert!(lines.contains(&"Contact: <sip:voipguard@192.168.1.5:40000>"));
        assert!(lines.contains(&"User-Agent: voipguard/0.1.0"));
        assert!(lines.contains(&"Accept: application/sdp"));
        assert!(text.ends_with("Content-Length: 0\r\n\r\n"));
    }

    #[test]
    fn ipv6_hosts_are_bracketed_everywhere() {
        let text = request("[fd00::20]:5062", "[fd00::5]:40000", Transport::Tcp);
        assert!(
            text.starts_with("OPTIONS sip:[fd00::20]:5062;transport=tcp SIP/2.0\r\n"),
            "{text}"
        );
        assert!(
            text.contains("Via: SIP/2.0/TCP [fd00::5]:40000;branch="),
            "{text}"
        );
        assert!(
            text.contains("From: <sip:voipguard@[fd00::5]>;tag="),
            "{text}"
        );
        assert!(text.contains("To: <sip:[fd00::20]:5062>\r\n"), "{text}");
        assert!(
            text.contains("Contact: <sip:voipguard@[fd00::5]:40000;transport=tcp>"),
            "{text}"
        );
        // Every host in a header or the request line is bracketed: no bare "fd00::" outside [].
        for line in text.lines() {
            let without_brackets: String = line
                .split('[')
                .map(|part| part.split_once(']').map_or(part, |(_, after)| after))
                .collect();
            assert!(
                !without_brackets.contains("fd00::"),
                "unbracketed IPv6 in {line:?}"
            );
        }
    }

    #[test]
    fn user_agent_cannot_inject_headers() {
        let text = OptionsRequest {
            target: socket("10.0.0.1:5060"),
            local: socket("10.0.0.2:5060"),
            transport: Transport::Udp,
            user_agent: "audit\r\nX-Evil: 1",
            correlator: Correlator::with_nonce(1),
            seq: 1,
        }
        .render();
        assert!(text.contains("User-Agent: auditX-Evil: 1\r\n"), "{text}");
    }

    const KAMAILIO_REPLY: &str = "SIP/2.0 200 OK\r\n\
        Via: SIP/2.0/UDP 127.0.0.1:40000;branch=z9hG4bKvgdeadbeef-2a;rport=40000\r\n\
        From: <sip:voipguard@127.0.0.1>;tag=vgdeadbeef-2a\r\n\
        To: <sip:127.0.0.1:5060>;tag=b27e1a1d33761e85846fc98f5f3a7e58.2c8f0000\r\n\
        Call-ID: vgdeadbeef-2a@voipguard\r\n\
        CSeq: 1 OPTIONS\r\n\
        Allow: INVITE, ACK, CANCEL, OPTIONS, BYE\r\n\
        Server: kamailio (5.6.3 (x86_64/linux))\r\n\
        Content-Length: 0\r\n\r\n";

    #[test]
    fn parses_a_kamailio_reply_and_attributes_it() {
        let response = parse(KAMAILIO_REPLY);
        assert_eq!((response.status, response.reason.as_str()), (200, "OK"));
        assert_eq!(
            response.header("SERVER"),
            Some("kamailio (5.6.3 (x86_64/linux))")
        );
        assert_eq!(
            response.to_tag(),
            Some("b27e1a1d33761e85846fc98f5f3a7e58.2c8f0000")
        );
        assert_eq!(
            response.list("allow"),
            ["INVITE", "ACK", "CANCEL", "OPTIONS", "BYE"]
        );
        assert_eq!(
            Correlator::with_nonce(0xdead_beef).probe_of(&response),
            Some(42)
        );
        assert_eq!(
            Correlator::with_nonce(0x1234_5678).probe_of(&response),
            None
        );
    }

    #[test]
    fn raw_datagrams_are_attributed_without_parsing() {
        let tokens = Correlator::with_nonce(0xdead_beef).token_finder();
        assert_eq!(tokens.probe_of(KAMAILIO_REPLY.as_bytes()), Some(42));
        let other_sweep = Correlator::with_nonce(0x1234_5678).token_finder();
        assert_eq!(other_sweep.probe_of(KAMAILIO_REPLY.as_bytes()), None);
        // A stack that upper-cased the token's hex is left to the full parse.
        let shouted = KAMAILIO_REPLY.replace("vgdeadbeef", "vgDEADBEEF");
        assert_eq!(tokens.probe_of(shouted.as_bytes()), None);
        assert_eq!(
            Correlator::with_nonce(0xdead_beef).probe_of(&parse(&shouted)),
            Some(42)
        );
        assert_eq!(tokens.probe_of(b"vgdeadbeef-"), None, "no digits, no probe");
    }

    #[test]
    fn template_hosts_match_uri_hostport() {
        for text in [
            "0.0.0.0:0",
            "255.255.255.255:65535",
            "127.0.3.7:5060",
            "[::1]:5062",
            "[fd00::20]:5060",
        ] {
            let mut out = String::new();
            push_hostport(&mut out, socket(text));
            assert_eq!(out, uri_hostport(socket(text)));
        }
        for seq in [0, 9, 10, 0xff, u64::MAX] {
            let mut out = String::new();
            push_hex(&mut out, seq);
            assert_eq!(out, format!("{seq:x}"));
        }
    }

    #[test]
    fn compact_forms_folding_and_case() {
        let response = parse(
            "SIP/2.0 401 Unauthorized\n\
             v: SIP/2.0/UDP [::1]:40000;branch=z9hG4bKx\n\
             f: \"scan\" <sip:voipguard@[::1];transport=udp>;TAG=vg00000001-ff\n\
             t: <sip:[::1]:5060>;tag=as5f3a2b1c\n\
             i: something-else@[::1]\n\
             k: replaces,\n timer\n\
             ALLOW: INVITE,ACK\n\
             allow: OPTIONS\n\
             WWW-Authenticate: Digest algorithm=MD5, realm=\"asterisk\", nonce=\"1a2b\"\n\
             l: 0\n\n",
        );
        assert_eq!(response.status, 401);
        assert_eq!(
            response.header("Via"),
            Some("SIP/2.0/UDP [::1]:40000;branch=z9hG4bKx")
        );
        assert_eq!(response.header("i"), Some("something-else@[::1]"));
        assert_eq!(response.to_tag(), Some("as5f3a2b1c"));
        assert_eq!(response.list("supported"), ["replaces", "timer"]);
        assert_eq!(response.list("Allow"), ["INVITE", "ACK", "OPTIONS"]);
        assert_eq!(response.realm(), Some("asterisk"));
        assert_eq!(Correlator::with_nonce(1).probe_of(&response), Some(255));
    }

    #[test]
    fn call_id_attributes_when_the_tag_is_lost() {
        let response = parse(
            "SIP/2.0 200 OK\r\nFrom: <sip:voipguard@10.0.0.2>\r\nCall-ID: vg00000007-10@voipguard\r\n\r\n",
        );
        assert_eq!(Correlator::with_nonce(7).probe_of(&response), Some(16));
    }

    #[test]
    fn tag_inside_the_uri_is_not_the_header_tag() {
        let response = parse(
            "SIP/2.0 200 OK\r\nTo: <sip:a@b;tag=uri>;tag=header\r\nFrom: sip:a@b;tag=bare\r\n\r\n",
        );
        assert_eq!(response.to_tag(), Some("header"));
        assert_eq!(response.from_tag(), Some("bare"));
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for bad in [
            "",
            "HTTP/1.1 200 OK\r\n\r\n",
            "SIP/2.0 999 Nope\r\n\r\n",
            "SIP/2.0 abc\r\n",
            "SIP/2.0 200 OK\r\n no-previous\r\n",
            "SIP/2.0 200 OK\r\nnocolon\r\n",
        ] {
            assert!(Response::parse(bad.as_bytes()).is_err(), "{bad:?}");
        }
        assert!(Response::parse(&[0xff, 0xfe, b'\n']).is_err());
    }

    #[test]
    fn stream_framing_waits_for_the_body() {
        let head = "SIP/2.0 200 OK\r\nl: 4\r\n\r\n";
        assert_eq!(complete_message_len(head.as_bytes()), None);
        let whole = format!("{head}abcdSIP/2.0");
        assert_eq!(complete_message_len(whole.as_bytes()), Some(head.len() + 4));
        assert_eq!(complete_message_len(b"SIP/2.0 200 OK\r\n"), None);
    }
}

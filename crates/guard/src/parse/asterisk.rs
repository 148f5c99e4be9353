//! Asterisk log lines: chan_sip, PJSIP, IAX2, the manager interface, the security log channel and
//! FreePBX's dial-plan rejection, in the file, plain, syslog, journal and JSON line shapes.

use std::net::IpAddr;
use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, AhoCorasickKind, packed};
use memchr::memchr;
use memchr::memmem::Finder;

use super::security;
use crate::addr::{AddrError, parse_host_port};
use crate::event::{Failure, LineOutcome, Reason, Service};

/// Text present in every line this module acts on; everything else is ignored after one scan.
const KEYWORDS: [&str; 14] = [
    "SecurityEvent=\"",
    " failed for '",
    "extension not found in context '",
    "nonexistent user '",
    " failed to authenticate as ",
    " denied access to register peer '",
    " failed MD5 authentication for '",
    " failed RSA authentication with inkeys '",
    " did not provide proper plaintext password for '",
    "No registration for peer '",
    "Rejected connect attempt from ",
    "Rejecting unknown SIP connection from ",
    "Failed to authenticate device",
    "hacking attempt detected",
];

/// Searchers for the fixed texts looked for in candidate lines, built once: building a substring
/// searcher per call cost more than the search itself.
struct Needles {
    failed_for: Finder<'static>,
    tries_in: Finder<'static>,
    not_found: Finder<'static>,
    address_to_extension: Finder<'static>,
    request: Finder<'static>,
}

const FAILED_FOR: &str = " failed for '";
const REJECTED: &str = "' rejected because extension not found in context '";
const TO_EXTENSION: &str = " to extension '";

static NEEDLES: LazyLock<Needles> = LazyLock::new(|| Needles {
    failed_for: Finder::new(FAILED_FOR),
    tries_in: Finder::new(" tries in "),
    not_found: Finder::new("extension not found in context '"),
    address_to_extension: Finder::new(") to extension '"),
    request: Finder::new(", request '"),
});

/// A text looked for from the end of a line. The candidates are the places of one of its bytes,
/// a quote when it has one (rare in log lines), found by a vector scan backwards: cheaper on
/// lines this short than a general backward substring search.
struct Backward {
    text: &'static [u8],
    anchor: usize,
}

impl Backward {
    const fn new(text: &'static str) -> Self {
        let text = text.as_bytes();
        let mut anchor = 0;
        let mut at = 0;
        while at < text.len() {
            if text[at] == b'\'' {
                anchor = at;
                break;
            }
            at += 1;
        }
        Self { text, anchor }
    }

    /// Where the last occurrence in `hay` starts.
    fn rfind(&self, hay: &[u8]) -> Option<usize> {
        let byte = *self.text.get(self.anchor)?;
        for at in memchr::memrchr_iter(byte, hay) {
            let start = at.checked_sub(self.anchor)?;
            if hay.get(start..start + self.text.len()) == Some(self.text) {
                return Some(start);
            }
        }
        None
    }
}

const LAST_FAILED_FOR: Backward = Backward::new(FAILED_FOR);
const LAST_REASON: Backward = Backward::new("' - ");
const LAST_AFTER: Backward = Backward::new(" after ");
const LAST_REJECTED: Backward = Backward::new(REJECTED);
const LAST_TO_EXTENSION: Backward = Backward::new(TO_EXTENSION);
const LAST_FROM: Backward = Backward::new("' (from ");

/// Teddy (SIMD) when the CPU has it, else a DFA; `None` only if neither can be built, in which
/// case every line is examined.
enum Prefilter {
    Packed(packed::Searcher),
    Automaton(AhoCorasick),
}

static PREFILTER: LazyLock<Option<Prefilter>> = LazyLock::new(|| {
    packed::Config::new()
        .builder()
        .extend(KEYWORDS)
        .build()
        .map(Prefilter::Packed)
        .or_else(|| {
            AhoCorasick::builder()
                .kind(Some(AhoCorasickKind::DFA))
                .build(KEYWORDS)
                .ok()
                .map(Prefilter::Automaton)
        })
});

/// Whether the line may be an Asterisk failure line.
pub(crate) fn is_candidate(line: &str) -> bool {
    match PREFILTER.as_ref() {
        Some(Prefilter::Packed(searcher)) => searcher.find(line).is_some(),
        Some(Prefilter::Automaton(automaton)) => automaton.is_match(line),
        None => true,
    }
}

/// The message after Asterisk's `LEVEL[lwp][C-…] file: ` / `file:line [in] function: ` prefix,
/// or the `message` of a `[json]` formatter line.
fn message(line: &str) -> Option<&str> {
    if line.starts_with('{') {
        let start = line.find("\"message\": \"").map(|at| at + 12)?;
        let body = line.get(start..)?;
        return body.get(..body.rfind('"')?);
    }
    let bytes = line.as_bytes();
    // No level word precedes the first byte (often a bracketed time's opening bracket).
    let mut from = 1;
    let after_level = loop {
        let open = from + memchr(b'[', bytes.get(from..)?)?;
        let word_end = if open > 0 && bytes.get(open - 1) == Some(&b' ') {
            open - 1
        } else {
            open
        };
        let head = bytes.get(..word_end)?;
        let word_start = head
            .iter()
            .rposition(|b| !b.is_ascii_uppercase())
            .map_or(0, |p| p + 1);
        let digits = bytes
            .get(open + 1..)?
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        let at_word_boundary = word_start == 0 || bytes.get(word_start - 1) == Some(&b' ');
        if word_end - word_start >= 4
            && digits > 0
            && at_word_boundary
            && bytes.get(open + 1 + digits) == Some(&b']')
        {
            break open + 2 + digits;
        }
        from = open + 1;
    };
    let position = |text: &str, byte: u8| find_byte(text.as_bytes(), byte);
    let mut rest = line.get(after_level..)?;
    if rest.starts_with("[C-") {
        rest = rest.get(position(rest, b']')? + 1..)?;
    }
    rest = rest.strip_prefix(':').unwrap_or(rest);
    rest = rest.strip_prefix(' ')?;
    let after_file = rest.get(position(rest, b':')? + 1..)?;
    if after_file.starts_with(' ') {
        return Some(after_file.trim_start_matches(' '));
    }
    let line_digits = after_file.bytes().take_while(u8::is_ascii_digit).count();
    if line_digits == 0 {
        return None;
    }
    let after_number = after_file.get(line_digits..)?.strip_prefix(' ')?;
    let after_number = after_number.strip_prefix("in ").unwrap_or(after_number);
    let function_end = after_number.find(": ")?;
    Some(
        after_number
            .get(function_end + 2..)?
            .trim_start_matches(' '),
    )
}

/// Where `byte` first occurs in `hay`, eight bytes at a time: the call id and the file name are
/// short, and setting up a vector search cost more than a byte-by-byte scan, which costs more
/// than this.
fn find_byte(hay: &[u8], byte: u8) -> Option<usize> {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    let pattern = u64::from_ne_bytes([byte; 8]);
    let mut chunks = hay.chunks_exact(8);
    let mut offset = 0;
    for chunk in &mut chunks {
        let Ok(word) = <[u8; 8]>::try_from(chunk) else {
            break;
        };
        // A zero byte of `word ^ pattern` is a match; the lowest flag is always a true one.
        let word = u64::from_le_bytes(word) ^ pattern;
        let flags = word.wrapping_sub(ONES) & !word & HIGHS;
        if flags != 0 {
            return Some(offset + (flags.trailing_zeros() / 8) as usize);
        }
        offset += 8;
    }
    let tail = hay.get(offset..)?;
    tail.iter().position(|&b| b == byte).map(|at| offset + at)
}

struct Found<'a> {
    service: Service,
    address: IpAddr,
    account: Option<&'a str>,
    reason: Reason,
}

type Outcome<'a> = Result<Option<Found<'a>>, &'static str>;

const AMBIGUOUS: &str = "several candidate peer addresses (client text imitating the field)";

/// The one occurrence of `needle` in `hay` that `read` accepts. Client-chosen text (From, To,
/// Call-ID, extension) can imitate a field; two acceptable occurrences make the line ambiguous,
/// and guessing could ban a forged address.
fn unique<'h, T>(
    hay: &'h str,
    needle: &Finder<'_>,
    mut read: impl FnMut(&'h str, &'h str) -> Option<T>,
) -> Result<T, &'static str> {
    let mut found = None;
    let mut count = 0;
    for at in needle.find_iter(hay.as_bytes()) {
        let after_needle = at + needle.needle().len();
        let (Some(before), Some(after)) = (hay.get(..at), hay.get(after_needle..)) else {
            continue;
        };
        if let Some(value) = read(before, after) {
            count += 1;
            found = Some(value);
        }
    }
    match (found, count) {
        (Some(value), 1) => Ok(value),
        (Some(_), _) => Err(AMBIGUOUS),
        (None, _) => Err("no readable peer address"),
    }
}

fn host_port(text: &str) -> Result<IpAddr, &'static str> {
    parse_host_port(text).map_err(AddrError::reason)
}

/// The user part of the first `sip:`/`sips:` URI in `text`. The text is short and the scheme's
/// colon is mostly its first: looking at each colon beats two substring searches.
fn uri_user(text: &str) -> Option<&str> {
    let bytes = text.as_bytes();
    let ends_with_at = |end: usize, scheme: &[u8]| {
        end.checked_sub(scheme.len())
            .and_then(|start| bytes.get(start..end))
            == Some(scheme)
    };
    let mut first_sips = None;
    let mut from = 0;
    let mut first_sip = None;
    while let Some(colon) = bytes.get(from..).and_then(|rest| find_byte(rest, b':')) {
        let colon = from + colon;
        if ends_with_at(colon, b"sip") {
            first_sip = Some(colon + 1);
            break;
        }
        if first_sips.is_none() && ends_with_at(colon, b"sips") {
            first_sips = Some(colon + 1);
        }
        from = colon + 1;
    }
    let rest = text.get(first_sip.or(first_sips)?..)?;
    let end = rest
        .bytes()
        .position(|b| matches!(b, b'@' | b'>' | b'\''))?;
    rest.get(..end)
        .filter(|user| !user.is_empty() && rest.as_bytes().get(end) == Some(&b'@'))
}

fn quoted_tail(text: &str) -> Option<&str> {
    let start = memchr(b'\'', text.as_bytes())? + 1;
    let end = memchr::memrchr(b'\'', text.as_bytes())?;
    text.get(start..end)
}

fn chan_sip_reason(text: &str) -> Reason {
    match text {
        "Wrong password" => Reason::WrongPassword,
        "Username/auth name mismatch" => Reason::UsernameMismatch,
        "No matching peer found" => Reason::UnknownAccount,
        "Not a local domain" => Reason::NotLocalDomain,
        "Peer is not supposed to register" => Reason::RegistrationDenied,
        "Device does not match ACL" | "ACL error (permit/deny)" => Reason::AclDenied,
        "Device not configured to use this transport type" => Reason::WrongTransport,
        _ => Reason::AuthenticationFailed,
    }
}

/// chan_sip: `Registration from '<To>' failed for '<addr[:port]>' - <reason>`. Only the To
/// header is client text and it comes first, so the last `failed for` is the real one.
fn chan_sip_registration(message: &str) -> Outcome<'_> {
    let Some(reason_at) = LAST_REASON.rfind(message.as_bytes()) else {
        return Err("chan_sip registration failure without a reason");
    };
    let head = message.get(..reason_at).unwrap_or_default();
    let reason = message.get(reason_at + 4..).unwrap_or_default().trim_end();
    let Some(address_at) = LAST_FAILED_FOR.rfind(head.as_bytes()) else {
        return Err("chan_sip registration failure without an address");
    };
    let address = host_port(
        head.get(address_at + FAILED_FOR.len()..)
            .unwrap_or_default(),
    )?;
    Ok(Some(Found {
        service: Service::Sip,
        address,
        account: uri_user(head.get(..address_at).unwrap_or_default()),
        reason: chan_sip_reason(reason),
    }))
}

fn pjsip_reason(message: &str) -> Option<Reason> {
    let message = message.trim_end();
    // res_pjsip 20+ appends " after N tries in X ms" to the unidentified-request case.
    let needles = &*NEEDLES;
    let tried = message.ends_with(" ms") && needles.tries_in.find(message.as_bytes()).is_some();
    let message = tried
        .then(|| LAST_AFTER.rfind(message.as_bytes()))
        .flatten()
        .and_then(|at| message.get(..at))
        .unwrap_or(message);
    [
        (") - No matching endpoint found", Reason::UnknownAccount),
        (") - Not match Endpoint ACL", Reason::AclDenied),
        (") - Not match Endpoint Contact ACL", Reason::AclDenied),
        (") - Failed to authenticate", Reason::WrongPassword),
        (") - Error to authenticate", Reason::AuthenticationFailed),
    ]
    .into_iter()
    .find_map(|(suffix, reason)| message.ends_with(suffix).then_some(reason))
}

/// PJSIP: `Request '<method>' from '<From>' failed for '<addr:port>' (callid: <id>) - <reason>`
/// (and the older `Request from '…'`). From and Call-ID are both client text, on either side of
/// the address, so the address must be the only well-formed `failed for` field.
fn pjsip_request(message: &str) -> Outcome<'_> {
    let Some(reason) = pjsip_reason(message) else {
        return Err("PJSIP request failure with an unknown reason");
    };
    let (address, from) = unique(message, &NEEDLES.failed_for, |before, after| {
        let quote = memchr(b'\'', after.as_bytes())?;
        let (text, rest) = (after.get(..quote)?, after.get(quote + 1..)?);
        rest.starts_with(" (callid: ")
            .then(|| parse_host_port(text).ok())
            .flatten()
            .map(|address| (address, before))
    })?;
    Ok(Some(Found {
        service: Service::Sip,
        address,
        account: uri_user(from),
        reason,
    }))
}

/// `[TRANSPORT:]addr[:port]` inside the parentheses of a call rejection.
fn call_address(inside: &str) -> Option<IpAddr> {
    let without_transport = inside
        .split_once(':')
        .filter(|(transport, _)| {
            !transport.is_empty() && transport.bytes().all(|b| b.is_ascii_uppercase())
        })
        .map_or(inside, |(_, rest)| rest);
    parse_host_port(without_transport).ok()
}

/// chan_sip `Call from '<user>' (<addr:port>) to extension '<x>' rejected because extension not
/// found in context '<ctx>'.`, PJSIP `<endpoint>: Call (<TRANSPORT>:<addr:port>) to extension …`
/// and the older PJSIP `Call from '<endpoint>' (<TRANSPORT>:[addr]:port) …`.
fn call_rejected(message: &str) -> Outcome<'_> {
    let needles = &*NEEDLES;
    let Some(rejected_at) = LAST_REJECTED.rfind(message.as_bytes()) else {
        return Err("call rejection without its context");
    };
    let head = message.get(..rejected_at).unwrap_or_default();
    let address = unique(head, &needles.address_to_extension, |before, _| {
        let open = memchr::memrchr(b'(', before.as_bytes())?;
        call_address(before.get(open + 1..)?)
    })?;
    let extension = LAST_TO_EXTENSION
        .rfind(head.as_bytes())
        .and_then(|at| head.get(at + TO_EXTENSION.len()..));
    Ok(Some(Found {
        service: Service::Sip,
        address,
        account: extension.filter(|e| !e.is_empty()),
        reason: Reason::ExtensionNotFound,
    }))
}

/// chan_iax2 `Host <addr[:port]> …` messages (printed only with `authdebug=yes`).
fn iax2_host(rest: &str) -> Outcome<'_> {
    let (host, tail) = rest.split_once(' ').unwrap_or((rest, ""));
    let reason = if tail.starts_with("failed to authenticate as ")
        || tail.starts_with("failed MD5 authentication for '")
        || tail.starts_with("failed RSA authentication with inkeys '")
        || tail.starts_with("did not provide proper plaintext password for '")
    {
        Reason::WrongPassword
    } else if tail.starts_with("denied access to register peer '") {
        Reason::RegistrationDenied
    } else {
        return Ok(None);
    };
    let address = host_port(host)?;
    let account = if let Some(user) = tail.strip_prefix("failed to authenticate as ") {
        Some(user.trim_matches('\''))
    } else {
        tail.split('\'').nth(1)
    };
    Ok(Some(Found {
        service: Service::Iax2,
        address,
        account: account.filter(|a| !a.is_empty()),
        reason,
    }))
}

/// chan_iax2 `No registration for peer '<peer>' (from <addr>)`: the peer name is client text and
/// comes first, the address ends the line.
fn iax2_no_registration(rest: &str) -> Outcome<'_> {
    let rest = rest.trim_end();
    let Some(inner) = rest.strip_suffix(')') else {
        return Err("IAX2 registration failure without an address");
    };
    let Some(from_at) = LAST_FROM.rfind(inner.as_bytes()) else {
        return Err("IAX2 registration failure without an address");
    };
    let address = host_port(inner.get(from_at + 8..).unwrap_or_default())?;
    Ok(Some(Found {
        service: Service::Iax2,
        address,
        account: inner.get(..from_at).filter(|a| !a.is_empty()),
        reason: Reason::UnknownAccount,
    }))
}

/// chan_iax2 `Rejected connect attempt from <addr:port>, request '<exten>@<context>' does not
/// exist`.
fn iax2_rejected_connect(rest: &str) -> Outcome<'_> {
    let needle = &NEEDLES.request;
    let split = needle
        .find(rest.as_bytes())
        .and_then(|at| Some((rest.get(..at)?, rest.get(at + needle.needle().len()..)?)));
    let Some((host, tail)) = split else {
        return Err("IAX2 connect rejection without an address");
    };
    let address = host_port(host)?;
    Ok(Some(Found {
        service: Service::Iax2,
        address,
        account: tail.split(['@', '\'']).next().filter(|a| !a.is_empty()),
        reason: Reason::ConnectRejected,
    }))
}

/// manager.c `<addr> tried to authenticate with nonexistent user '<u>'` and `<addr> failed to
/// authenticate as '<u>'`: the address (no port) opens the message.
fn manager(message: &str) -> Outcome<'_> {
    let (host, tail) = message.split_once(' ').unwrap_or((message, ""));
    let reason = if tail.starts_with("tried to authenticate with nonexistent user '") {
        Reason::UnknownAccount
    } else if tail.starts_with("failed to authenticate as '") {
        Reason::WrongPassword
    } else {
        return Ok(None);
    };
    let address = host_port(host)?;
    Ok(Some(Found {
        service: Service::Ami,
        address,
        account: quoted_tail(tail).filter(|a| !a.is_empty()),
        reason,
    }))
}

/// FreePBX `Log(WARNING,"Rejecting unknown SIP connection from ${CHANNEL(pjsip,remote_addr)}")`.
fn freepbx(message: &str) -> Outcome<'_> {
    let text = message.trim_end().trim_matches('"');
    let Some(address) = text.strip_prefix("Rejecting unknown SIP connection from ") else {
        return Ok(None);
    };
    Ok(Some(Found {
        service: Service::Sip,
        address: host_port(address)?,
        account: None,
        reason: Reason::UnknownConnection,
    }))
}

const NO_PREFIX: &str = "failure keyword without an Asterisk log prefix";

/// Reads a line that passed [`is_candidate`].
pub(crate) fn parse<'a>(line: &'a str, time: Option<i64>) -> LineOutcome<'a> {
    let Some(message) = message(line) else {
        return LineOutcome::Unparsed(NO_PREFIX);
    };
    known_form(message, line, time).unwrap_or_else(|| other_form(message, line, time))
}

/// Reads any line: what [`parse`] reads for a line that passes [`is_candidate`], and
/// [`LineOutcome::Ignored`] for the others.
///
/// The keyword scan is a good part of the cost of a failure line, and most failure lines are in
/// a form known by the start of its message. A line read as a failure in such a form holds the
/// form's keyword (its reader found it), so only the other outcomes need the scan.
pub(crate) fn scan<'a>(line: &'a str, time: Option<i64>) -> LineOutcome<'a> {
    let Some(message) = message(line) else {
        return if is_candidate(line) {
            LineOutcome::Unparsed(NO_PREFIX)
        } else {
            LineOutcome::Ignored
        };
    };
    match known_form(message, line, time) {
        Some(failure @ LineOutcome::Failure(_)) => failure,
        Some(outcome) if is_candidate(line) => outcome,
        None if is_candidate(line) => other_form(message, line, time),
        _ => LineOutcome::Ignored,
    }
}

/// The forms known by the start of their message; `None` for a message in none of them.
fn known_form<'a>(message: &'a str, line: &'a str, time: Option<i64>) -> Option<LineOutcome<'a>> {
    // Ordinary messages are turned away on their first byte, before any comparison.
    if !matches!(
        message.as_bytes().first(),
        Some(b'S' | b'R' | b'H' | b'N' | b'"' | b'F' | b'h' | b'C')
    ) {
        return None;
    }
    let outcome = if let Some(rest) = message.strip_prefix("SecurityEvent=\"") {
        return Some(security::parse_log(rest, line, time));
    } else if message.starts_with("Registration from '") {
        chan_sip_registration(message)
    } else if message.starts_with("Request '") || message.starts_with("Request from '") {
        pjsip_request(message)
    } else if let Some(rest) = message.strip_prefix("Host ") {
        iax2_host(rest)
    } else if let Some(rest) = message.strip_prefix("No registration for peer '") {
        iax2_no_registration(rest)
    } else if let Some(rest) = message.strip_prefix("Rejected connect attempt from ") {
        iax2_rejected_connect(rest)
    } else if message.starts_with("\"Rejecting unknown SIP connection from ")
        || message.starts_with("Rejecting unknown SIP connection from ")
    {
        freepbx(message)
    } else if message.starts_with("Call from '")
        && NEEDLES.not_found.find(message.as_bytes()).is_some()
    {
        // Taken here rather than in `other_form` because its text is itself a keyword.
        call_rejected(message)
    } else if message.starts_with("Failed to authenticate device")
        || message.starts_with("hacking attempt detected")
        || message.starts_with("Sending fake auth rejection")
    {
        // These name the From header or the server itself, never the peer's socket address:
        // banning on them banned PBXs (fail2ban #1000, #1927, #1999).
        return Some(LineOutcome::Ignored);
    } else {
        return None;
    };
    Some(failure(outcome, line, time))
}

/// The forms recognised by text inside the message: call rejections and manager logins.
fn other_form<'a>(message: &'a str, line: &'a str, time: Option<i64>) -> LineOutcome<'a> {
    let outcome = if NEEDLES.not_found.find(message.as_bytes()).is_some() {
        call_rejected(message)
    } else {
        manager(message)
    };
    failure(outcome, line, time)
}

fn failure<'a>(outcome: Outcome<'a>, line: &'a str, time: Option<i64>) -> LineOutcome<'a> {
    match outcome {
        Ok(Some(found)) => LineOutcome::Failure(Failure {
            service: found.service,
            address: found.address,
            account: found.account,
            reason: found.reason,
            time,
            attempts: 1,
            evidence: line,
        }),
        Ok(None) => LineOutcome::Unparsed("failure keyword in an unknown message form"),
        Err(reason) => LineOutcome::Unparsed(reason),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uri_user_of_the_first_sip_uri() {
        fn reference(text: &str) -> Option<&str> {
            let at = text
                .find("sip:")
                .map(|at| at + 4)
                .or_else(|| text.find("sips:").map(|at| at + 5))?;
            let rest = text.get(at..)?;
            let end = rest.find(['@', '>', '\''])?;
            rest.get(..end).filter(|user| {
                !user.is_empty() && rest.get(end..).is_some_and(|r| r.starts_with('@'))
            })
        }
        let cases = [
            "Registration from '<sip:301@example.com>'",
            "Request from '\"1000\" <sip:1000@10.0.0.1>'",
            "'\"100\"sip:100@183.217.35.183'",
            "'<sips:alice@example.com>'",
            "'<sips:alice@x> <sip:bob@y>'",
            "'<sip:@example.com>'",
            "'<sip:bob>'",
            "'tel:+1555' sip:",
            "sip:",
            ":sip:a@b",
            "sips:a@b sip:c@d",
            "'<ssip:a@b>'",
            "",
            "no uri here: at all",
        ];
        for text in cases {
            assert_eq!(uri_user(text), reference(text), "{text:?}");
        }
    }

    #[test]
    fn find_byte_agrees_with_a_plain_scan() {
        let hay = b"res_pjsip/pjsip_distributor.c: \x80\xff::]x";
        for end in 0..=hay.len() {
            let hay = hay.get(..end).unwrap_or_default();
            for byte in [b':', b']', b'x', b'r', 0x80, 0xff, 0x01, 0] {
                assert_eq!(
                    find_byte(hay, byte),
                    hay.iter().position(|&b| b == byte),
                    "{byte} in {hay:?}"
                );
            }
        }
    }

    #[test]
    fn message_after_each_prefix() {
        let cases = [
            (
                "[Nov  6 08:00:01] NOTICE[4242] res_pjsip/pjsip_distributor.c: Request x",
                "Request x",
            ),
            (
                "[2016-06-09 00:01:02] NOTICE [22382] manager.c: 192.0.2.1 failed",
                "192.0.2.1 failed",
            ),
            (
                "[Jun 12 15:13:54] NOTICE[3980] res_pjsip_session.c:  anonymous: Call (",
                "anonymous: Call (",
            ),
            (
                "Nov  4 18:30:40 localhost asterisk[32229]: NOTICE[32257]: chan_sip.c:23417 in handle_request_register: Registration",
                "Registration",
            ),
            (
                "NOTICE[566]: chan_sip.c:28926 handle_request_register: Registration",
                "Registration",
            ),
            (
                "[2013-02-05 23:44:42] NOTICE[436][C-00000fa9] chan_sip.c: Call from ''",
                "Call from ''",
            ),
            (
                "[x] WARNING[8447][C-00000244] Ext. s: \"Rejecting unknown\"",
                "\"Rejecting unknown\"",
            ),
            (
                "Mar  1 15:35:53 pbx asterisk[2350]: WARNING[1195][C-00000b43]: Ext. s:6 in @ from-sip-external: \"Rejecting",
                "\"Rejecting",
            ),
        ];
        for (line, expected) in cases {
            assert_eq!(message(line), Some(expected), "{line}");
        }
    }
}

//! Asterisk security events, from the security log channel (`SecurityEvent="…",…`) and from AMI
//! (`Event: …` blocks).

use std::net::IpAddr;
use std::sync::LazyLock;

use memchr::memchr;
use memchr::memmem::Finder;

use crate::addr::parse_remote_address;
use crate::event::{Failure, LineOutcome, Reason, Service};

mod challenge;
pub use challenge::{
    AuthEvent, AuthStep, UnansweredChallenges, auth_event_in_ami, auth_event_in_line,
};

/// What an event name means. `None`: a known event that is not a failure by the peer.
enum Meaning {
    Failure(Reason),
    NotAFailure,
    Unknown,
}

fn meaning(event: &str) -> Meaning {
    match event {
        "InvalidAccountID" => Meaning::Failure(Reason::UnknownAccount),
        "InvalidPassword" | "ChallengeResponseFailed" => Meaning::Failure(Reason::WrongPassword),
        "FailedACL" => Meaning::Failure(Reason::AclDenied),
        "UnexpectedAddress" => Meaning::Failure(Reason::UnexpectedAddress),
        "InvalidTransport" => Meaning::Failure(Reason::WrongTransport),
        "AuthMethodNotAllowed" | "RequestNotAllowed" | "RequestBadFormat" => {
            Meaning::Failure(Reason::BadRequest)
        }
        // Successes and challenges are normal traffic; the limit events describe the server's
        // load and RequestNotSupported is what well-behaved phones trigger with unsupported
        // methods, so none of them proves a peer is attacking.
        "SuccessfulAuth"
        | "ChallengeSent"
        | "SessionLimit"
        | "MemoryLimit"
        | "LoadAverageLimit"
        | "RequestNotSupported" => Meaning::NotAFailure,
        _ => Meaning::Unknown,
    }
}

fn service(name: &str) -> Service {
    match name {
        "AMI" => Service::Ami,
        "IAX2" => Service::Iax2,
        _ => Service::Sip,
    }
}

/// Fields that may follow `RemoteAddress` in an event (the event's own fields, then the
/// optional `Module` and `SessionTV`).
const AFTER_REMOTE_ADDRESS: [&str; 14] = [
    "Challenge",
    "ACLName",
    "RequestType",
    "RequestParams",
    "AuthMethod",
    "UsingPassword",
    "ExpectedAddress",
    "ExpectedResponse",
    "ReceivedChallenge",
    "ReceivedHash",
    "Response",
    "AttemptedTransport",
    "Module",
    "SessionTV",
];

/// `value"` followed by the end of the message or by `,Field="` of a field that can follow
/// RemoteAddress: the shape of the real field, which client-chosen SessionID text imitating it
/// (fail2ban's `",LocalAddress=…,RemoteAddress="…"` test line) does not have.
fn remote_address_value(after_key: &str) -> Option<&str> {
    let close = memchr(b'"', after_key.as_bytes())?;
    let (value, rest) = after_key.split_at(close);
    let rest = rest.get(1..)?;
    let well_placed = rest.trim_end().is_empty()
        || rest.strip_prefix(',').is_some_and(|next| {
            AFTER_REMOTE_ADDRESS.iter().any(|field| {
                next.strip_prefix(field)
                    .is_some_and(|tail| tail.starts_with("=\""))
            })
        });
    well_placed.then_some(value)
}

/// Searchers for the keys read from every security event line, built once.
struct Keys {
    /// Looked for in every line a replay or the daemon does not count as a failure: the
    /// challenges among them count when nobody answers them.
    security_event: Finder<'static>,
    service: Finder<'static>,
    account: Finder<'static>,
    session: Finder<'static>,
    remote_address: Finder<'static>,
}

static KEYS: LazyLock<Keys> = LazyLock::new(|| Keys {
    security_event: Finder::new("SecurityEvent=\""),
    service: Finder::new(",Service=\""),
    account: Finder::new(",AccountID=\""),
    session: Finder::new("\",SessionID=\""),
    remote_address: Finder::new(",RemoteAddress=\""),
});

/// The value of the first `key` (which ends with the opening quote) in `fields`.
fn value_after<'f>(fields: &'f str, key: &Finder<'_>) -> Option<&'f str> {
    let start = key.find(fields.as_bytes())? + key.needle().len();
    let rest = fields.get(start..)?;
    rest.get(..memchr(b'"', rest.as_bytes())?)
}

/// `message` starts right after `SecurityEvent="`.
pub(crate) fn parse_log<'a>(message: &'a str, line: &'a str, time: Option<i64>) -> LineOutcome<'a> {
    let Some((event, fields)) = event_and_fields(message) else {
        return LineOutcome::Unparsed("security event without a closing quote");
    };
    let reason = match meaning(event) {
        Meaning::Failure(reason) => reason,
        Meaning::NotAFailure => return LineOutcome::Ignored,
        Meaning::Unknown => return LineOutcome::Unparsed("unknown security event type"),
    };
    let keys = &*KEYS;
    let service = value_after(fields, &keys.service).map_or(Service::Sip, service);
    // AccountID precedes SessionID; client text inside it cannot move the real SessionID key
    // earlier, so its value is everything up to the first `",SessionID="`.
    let account = keys.account.find(fields.as_bytes()).and_then(|at| {
        let rest = fields.get(at + keys.account.needle().len()..)?;
        let end = keys
            .session
            .find(rest.as_bytes())
            .or_else(|| memchr(b'"', rest.as_bytes()))?;
        rest.get(..end)
    });
    match remote_address(fields) {
        Ok(address) => LineOutcome::Failure(Failure {
            service,
            address,
            account: account.filter(|a| !a.is_empty() && *a != "<unknown>"),
            reason,
            time,
            attempts: 1,
            evidence: line,
        }),
        Err(why) => LineOutcome::Unparsed(why),
    }
}

/// The event name and the fields after it, in the message after `SecurityEvent="`.
fn event_and_fields(message: &str) -> Option<(&str, &str)> {
    memchr(b'"', message.as_bytes())
        .and_then(|at| Some((message.get(..at)?, message.get(at + 1..)?)))
}

/// The socket peer of a security-log event: its one well-placed `RemoteAddress`.
fn remote_address(fields: &str) -> Result<IpAddr, &'static str> {
    let key = &KEYS.remote_address;
    let mut found: Option<IpAddr> = None;
    let mut candidates = 0;
    for at in key.find_iter(fields.as_bytes()) {
        let Some(value) = fields
            .get(at + key.needle().len()..)
            .and_then(remote_address_value)
        else {
            continue;
        };
        if let Ok(address) = parse_remote_address(value) {
            candidates += 1;
            found = Some(address);
        }
    }
    match (found, candidates) {
        (Some(address), 1) => Ok(address),
        (None, _) => Err("security event without a usable RemoteAddress"),
        _ => Err("security event with several RemoteAddress fields"),
    }
}

/// The fields of an AMI event block that say what happened and to whom.
#[derive(Default)]
struct AmiFields<'a> {
    event: Option<&'a str>,
    event_time: Option<&'a str>,
    service: Option<&'a str>,
    account: Option<&'a str>,
    remote: Option<&'a str>,
    remote_fields: usize,
}

impl<'a> AmiFields<'a> {
    fn read(block: &'a str) -> Self {
        let mut fields = Self::default();
        for line in block.lines() {
            let Some((key, value)) = line.split_once(':') else {
                continue;
            };
            let value = value.trim();
            match key {
                "Event" => fields.event = Some(value),
                "EventTV" => fields.event_time = Some(value),
                "Service" => fields.service = Some(value),
                "AccountID" => fields.account = Some(value),
                "RemoteAddress" => {
                    fields.remote_fields += 1;
                    fields.remote = Some(value);
                }
                _ => {}
            }
        }
        fields
    }

    /// The socket peer: the one `RemoteAddress`.
    fn remote_address(&self) -> Result<IpAddr, &'static str> {
        if self.remote_fields > 1 {
            return Err("security event with several RemoteAddress fields");
        }
        match self.remote.map(parse_remote_address) {
            Some(Ok(address)) => Ok(address),
            _ => Err("security event without a usable RemoteAddress"),
        }
    }
}

/// Reads one AMI event block (`Key: value` lines, CRLF or LF, optionally ended by an empty line).
#[must_use]
pub fn parse_ami_event(block: &str) -> LineOutcome<'_> {
    let fields = AmiFields::read(block);
    let Some(event) = fields.event else {
        return LineOutcome::Unparsed("AMI block without an Event field");
    };
    let reason = match meaning(event) {
        Meaning::Failure(reason) => reason,
        // AMI carries every kind of event, not only security ones.
        Meaning::NotAFailure | Meaning::Unknown => return LineOutcome::Ignored,
    };
    let address = match fields.remote_address() {
        Ok(address) => address,
        Err(why) => return LineOutcome::Unparsed(why),
    };
    LineOutcome::Failure(Failure {
        service: fields.service.map_or(Service::Sip, service),
        address,
        account: fields
            .account
            .filter(|a| !a.is_empty() && *a != "<unknown>"),
        reason,
        // Asterisk's own time of the event, as a log line carries its stamp.
        time: fields.event_time.and_then(super::stamp::iso_seconds),
        attempts: 1,
        evidence: block,
    })
}

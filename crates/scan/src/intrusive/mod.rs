//! Intrusive checks: requests a host acts on (a phone rings, a registrar stores a binding, a
//! login is tried), so each runs only when named (`direct-ip`, `anonymous`, `enum`, `sip-auth`,
//! `web-auth`), only against hosts of the [`Plan`] that answered, paced per host, logged at
//! info, and cleaned up: a ringing INVITE is CANCELled, an answered one ACKed and ended with
//! BYE, a binding a registrar accepted is removed at once with `Expires: 0`. They speak the
//! transport the host answered the sweep on (UDP, TCP or TLS; see [`transaction`]).
//!
//! * [`enumerate`]: do a registrar's answers tell existing extensions from random ones?
//! * [`call`]: does a phone accept an INVITE sent straight to its address, or an anonymous one?
//! * [`sip_auth`]: do registration secrets resist a small dictionary?
//! * [`web_auth`]: does a web UI take its vendor's factory-default login?

pub mod call;
mod credentials;
mod digest;
pub mod enumerate;
pub mod sip_auth;
mod transaction;
pub mod web_auth;

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::str::FromStr;
use std::time::{Duration, Instant};

use serde::Serialize;
use thiserror::Error;
use tokio::task::JoinSet;

use crate::credentials::{Credential, CredentialKind};
use crate::scope::Plan;
use crate::sip::{Response, Transport};
use crate::sweep::{DEFAULT_USER_AGENT, SipHost};

pub use call::{CallOutcome, CallTest};
pub use credentials::{MAX_WORDS, Wordlist};
pub use enumerate::Enumeration;
pub use sip_auth::SipAuth;
pub use web_auth::{WebAuth, run_web_auth};

use transaction::Peer;

/// One intrusive check, named on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum IntrusiveCheck {
    /// An INVITE straight to the host's address (GS-DIRECT-IP).
    DirectIp,
    /// The same INVITE from `Anonymous` (GS-ANON-REJECT).
    Anonymous,
    /// Extension enumeration by comparing answers (NET-SIP-ENUM).
    Enum,
    /// SIP digest secrets against a small dictionary (NET-WEAK-SIP-SECRET).
    SipAuth,
    /// Vendor factory-default logins on the web UIs the service probes found.
    WebAuth,
}

impl IntrusiveCheck {
    /// Every check, in the order they run on a host (`web-auth` runs after the service
    /// probes, on the web servers they found).
    pub const ALL: [Self; 5] = [
        Self::Enum,
        Self::SipAuth,
        Self::DirectIp,
        Self::Anonymous,
        Self::WebAuth,
    ];

    /// The name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Self::DirectIp => "direct-ip",
            Self::Anonymous => "anonymous",
            Self::Enum => "enum",
            Self::SipAuth => "sip-auth",
            Self::WebAuth => "web-auth",
        }
    }
}

impl FromStr for IntrusiveCheck {
    type Err = IntrusiveError;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|check| check.name() == name.trim())
            .ok_or_else(|| IntrusiveError::UnknownCheck(name.trim().to_string()))
    }
}

/// A check list or extension list that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum IntrusiveError {
    /// A check name that does not exist.
    #[error(
        "unknown intrusive check {0:?} (known: direct-ip, anonymous, enum, sip-auth, web-auth)"
    )]
    UnknownCheck(String),
    /// A bad entry in an extension list, or a bad user to call.
    #[error(
        "bad SIP user {0:?}: use numbers, ranges like 100-199, or names of letters, digits, '.', '-', '_'"
    )]
    BadExtension(String),
    /// More extensions than a polite enumeration sends.
    #[error("{0} extensions is more than the {MAX_EXTENSIONS} an enumeration tries")]
    TooManyExtensions(usize),
    /// A rate of zero would never send.
    #[error("the intrusive rate must be above 0 requests per second")]
    ZeroRate,
    /// A word list that cannot be read (the reason never quotes a word).
    #[error("cannot use the word list {path}: {reason}")]
    Wordlist {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// The built-in credential table does not parse (a build defect).
    #[error("the built-in credential table is broken: {0}")]
    Table(String),
}

/// Parses `direct-ip,anonymous,enum`; an unknown name is an error, an empty list selects none.
pub fn parse_checks(spec: &str) -> Result<BTreeSet<IntrusiveCheck>, IntrusiveError> {
    spec.split(',')
        .filter(|name| !name.trim().is_empty())
        .map(str::parse)
        .collect()
}

/// The most extensions one enumeration tries per host.
pub const MAX_EXTENSIONS: usize = 10_000;

/// Parses `100-199,300,alice`: numbers, inclusive ranges (zero padding of the first bound is
/// kept: `007-010`) and names.
pub fn parse_extensions(spec: &str) -> Result<Vec<String>, IntrusiveError> {
    let mut out = Vec::new();
    for entry in spec.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        let bad = || IntrusiveError::BadExtension(entry.to_string());
        match entry.split_once('-') {
            Some((first, last))
                if first.bytes().all(|b| b.is_ascii_digit())
                    && last.bytes().all(|b| b.is_ascii_digit()) =>
            {
                let (low, high): (u64, u64) = (
                    first.parse().map_err(|_| bad())?,
                    last.parse().map_err(|_| bad())?,
                );
                if high < low {
                    return Err(bad());
                }
                let count = usize::try_from(high - low + 1).unwrap_or(usize::MAX);
                if count.saturating_add(out.len()) > MAX_EXTENSIONS {
                    return Err(IntrusiveError::TooManyExtensions(
                        count.saturating_add(out.len()),
                    ));
                }
                let width = first.len();
                out.extend((low..=high).map(|n| format!("{n:0width$}")));
            }
            _ if is_user_name(entry) => {
                out.push(entry.to_string());
            }
            _ => return Err(bad()),
        }
        if out.len() > MAX_EXTENSIONS {
            return Err(IntrusiveError::TooManyExtensions(out.len()));
        }
    }
    Ok(out)
}

/// True for a SIP user part this scanner writes into a request: letters, digits, `.`, `-`,
/// `_` (nothing that could end a header or a URI).
fn is_user_name(user: &str) -> bool {
    !user.is_empty()
        && user
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
}

/// Extensions PBXes commonly number from: 100-110, 200-210, 1000-1010, 2000.
pub fn default_extensions() -> Vec<String> {
    [(100, 110), (200, 210), (1000, 1010), (2000, 2000)]
        .into_iter()
        .flat_map(|(low, high)| (low..=high).map(|n: u32| n.to_string()))
        .collect()
}

/// How the intrusive checks behave.
#[derive(Debug, Clone, PartialEq)]
pub struct IntrusiveConfig {
    /// The checks to run; none runs unless named here.
    pub checks: BTreeSet<IntrusiveCheck>,
    /// Requests per second per host, retransmissions included; cleanup is never held back.
    pub rate: f64,
    /// Extensions `enum` tries.
    pub extensions: Vec<String>,
    /// The user part of the Request-URI and To of the test calls.
    pub callee: String,
    /// The User-Agent the scanner announces.
    pub user_agent: String,
    /// RFC 3261 T1: the first retransmission interval.
    pub t1: Duration,
    /// How long a request waits for a final answer (or, for an INVITE, for any answer).
    pub timeout: Duration,
    /// How long an INVITE answered only with 100 Trying waits to ring before it is cancelled.
    pub ring_timeout: Duration,
    /// Hosts checked at the same time.
    pub concurrent_hosts: usize,
    /// Users `sip-auth` tries, with the users of the site's SIP credentials; when both are
    /// empty, the users `enum` finds challenged (`enum` then runs whether named or not).
    pub auth_users: Vec<String>,
    /// Secrets `sip-auth` tries after the built-in ones.
    pub wordlist: Wordlist,
    /// The first wait after a `403`, `429` or `503` without `Retry-After` (it doubles).
    pub backoff: Duration,
    /// The site's credentials (`[[scan.credentials]]` of the inventory); empty otherwise.
    /// `sip-auth` tests the users of the `Sip` ones (their secrets are judged offline, never
    /// sent).
    pub credentials: Vec<Credential>,
}

impl Default for IntrusiveConfig {
    fn default() -> Self {
        Self {
            checks: BTreeSet::new(),
            rate: 5.0,
            extensions: default_extensions(),
            callee: "voipguard".to_string(),
            user_agent: DEFAULT_USER_AGENT.to_string(),
            t1: Duration::from_millis(500),
            timeout: Duration::from_secs(4),
            ring_timeout: Duration::from_secs(8),
            concurrent_hosts: 16,
            auth_users: Vec::new(),
            wordlist: Wordlist::default(),
            backoff: Duration::from_secs(2),
            credentials: Vec::new(),
        }
    }
}

/// What the intrusive checks found on one SIP host.
#[derive(Debug, Clone, Serialize)]
pub struct HostChecks {
    /// The address and port checked (one that answered the OPTIONS sweep).
    pub target: SocketAddr,
    /// The transport the checks spoke: the one the host answered the sweep on.
    pub transport: Transport,
    /// `enum`, when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enumeration: Option<Enumeration>,
    /// `direct-ip`, when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub direct_ip: Option<CallTest>,
    /// `anonymous`, when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub anonymous: Option<CallTest>,
    /// `sip-auth`, when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sip_auth: Option<SipAuth>,
    /// Why a check could not run (a socket error), if one could not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The part of an answer the checks compare and report: never a nonce, never a secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Answer {
    /// Status code.
    pub status: u16,
    /// Reason phrase.
    pub reason: String,
    /// `www` (401 WWW-Authenticate) or `proxy` (407 Proxy-Authenticate) when challenged.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub challenge: Option<&'static str>,
    /// The challenge's realm.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub realm: Option<String>,
    /// Whether the answer carried a To-tag.
    pub to_tag: bool,
}

impl Answer {
    fn of(response: &Response) -> Self {
        let challenge = if response.header("www-authenticate").is_some() {
            Some("www")
        } else if response.header("proxy-authenticate").is_some() {
            Some("proxy")
        } else {
            None
        };
        Self {
            status: response.status,
            reason: response.reason.clone(),
            challenge,
            realm: response.realm().map(str::to_string),
            to_tag: response.to_tag().is_some(),
        }
    }
}

impl std::fmt::Display for Answer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status, self.reason)?;
        if let Some(kind) = self.challenge {
            write!(f, ", {kind} challenge")?;
            if let Some(realm) = &self.realm {
                write!(f, " realm {realm:?}")?;
            }
        }
        if !self.to_tag {
            f.write_str(", no To-tag")?;
        }
        Ok(())
    }
}

impl IntrusiveCheck {
    /// True for the checks [`run_intrusive`] runs on SIP hosts (all but `web-auth`).
    pub fn speaks_sip(self) -> bool {
        self != Self::WebAuth
    }
}

/// The extensions `enum` found that answered with a digest challenge: the ones a secret can be
/// guessed for.
fn challenged_users(enumeration: Option<&Enumeration>) -> Vec<String> {
    enumeration
        .filter(|found| found.verdict == enumerate::Verdict::Enumerable)
        .map(|found| {
            found
                .revealed
                .iter()
                .filter(|revealed| revealed.answer.challenge.is_some())
                .map(|revealed| revealed.user.clone())
                .collect()
        })
        .unwrap_or_default()
}

impl IntrusiveConfig {
    /// The users `sip-auth` is told to test, and where they come from: `--users` first, then
    /// the site's SIP credentials' users not already listed.
    fn named_users(&self) -> (Vec<String>, &'static str) {
        let mut users = self.auth_users.clone();
        let mut from_site = false;
        for credential in &self.credentials {
            if credential.kind == CredentialKind::Sip && !users.contains(&credential.user) {
                users.push(credential.user.clone());
                from_site = true;
            }
        }
        let from = match (self.auth_users.is_empty(), from_site) {
            (false, true) => "given and site",
            (true, true) => "site",
            _ => "given",
        };
        (users, from)
    }
}

/// Spaces requests to one host `1/rate` apart.
#[derive(Debug)]
pub(crate) struct Pacer {
    interval: Duration,
    next: Instant,
}

impl Pacer {
    fn new(rate: f64) -> Self {
        Self {
            interval: Duration::from_secs_f64(1.0 / rate),
            next: Instant::now(),
        }
    }

    pub(crate) async fn wait(&mut self) {
        let now = Instant::now();
        if self.next > now {
            tokio::time::sleep_until(self.next.into()).await;
        }
        self.next = Instant::now().max(self.next) + self.interval;
    }
}

/// A token unique to this run, for tags, branches and Call-IDs.
pub(crate) fn token() -> String {
    format!("{:016x}", fastrand::u64(..))
}

/// Runs the configured checks on every SIP host the sweep found that the plan admits (a host
/// outside it is skipped with a warning: the plan is checked again before any intrusive
/// packet), `concurrent_hosts` at a time, each host's checks one after another, over the
/// transport the host answered on. An address and port found over several transports is
/// checked once, over the first of UDP, TCP, TLS: a phone must not ring twice, nor a registrar
/// see the dictionary twice. Results come back in target order.
pub async fn run_intrusive(
    plan: &Plan,
    hosts: &[SipHost],
    config: &IntrusiveConfig,
) -> Result<Vec<HostChecks>, IntrusiveError> {
    if config.rate.is_nan() || config.rate <= 0.0 {
        return Err(IntrusiveError::ZeroRate);
    }
    if let Some(bad) = config
        .extensions
        .iter()
        .chain(&config.auth_users)
        .chain(config.credentials.iter().map(|credential| &credential.user))
        .chain([&config.callee])
        .find(|user| !is_user_name(user))
    {
        return Err(IntrusiveError::BadExtension(bad.clone()));
    }
    if config.extensions.len() > MAX_EXTENSIONS {
        return Err(IntrusiveError::TooManyExtensions(config.extensions.len()));
    }
    let mut targets: BTreeMap<SocketAddr, Transport> = BTreeMap::new();
    for host in hosts {
        let preference = |transport| match transport {
            Transport::Udp => 0,
            Transport::Tcp => 1,
            Transport::Tls => 2,
        };
        targets
            .entry(host.target)
            .and_modify(|kept| {
                if preference(host.transport) < preference(*kept) {
                    *kept = host.transport;
                }
            })
            .or_insert(host.transport);
    }
    let mut results = Vec::new();
    if !config.checks.iter().any(|check| check.speaks_sip()) {
        return Ok(results);
    }
    let mut running = JoinSet::new();
    for (target, transport) in targets {
        if !plan.contains(target.ip()) {
            tracing::warn!(%target, "not in the scan plan: no intrusive check sent");
            continue;
        }
        while running.len() >= config.concurrent_hosts.max(1) {
            if let Some(Ok(done)) = running.join_next().await {
                results.push(done);
            }
        }
        let peer = Peer {
            address: target,
            transport,
        };
        running.spawn(check_host(peer, config.clone()));
    }
    while let Some(joined) = running.join_next().await {
        if let Ok(done) = joined {
            results.push(done);
        }
    }
    results.sort_by_key(|checks: &HostChecks| checks.target);
    Ok(results)
}

async fn check_host(peer: Peer, config: IntrusiveConfig) -> HostChecks {
    let target = peer.address;
    let mut pacer = Pacer::new(config.rate);
    let mut checks = HostChecks {
        target,
        transport: peer.transport,
        enumeration: None,
        direct_ip: None,
        anonymous: None,
        sip_auth: None,
        error: None,
    };
    // sip-auth without users named guesses for the users enum finds.
    let (named_users, named_from) = config.named_users();
    let enum_for_users = config.checks.contains(&IntrusiveCheck::SipAuth) && named_users.is_empty();
    for check in IntrusiveCheck::ALL {
        let wanted =
            config.checks.contains(&check) || (check == IntrusiveCheck::Enum && enum_for_users);
        if !wanted || !check.speaks_sip() {
            continue;
        }
        tracing::info!(%target, transport = %peer.transport, check = check.name(), "intrusive check starts");
        let outcome = match check {
            IntrusiveCheck::Enum => enumerate::enumerate(peer, &config, &mut pacer)
                .await
                .map(|found| checks.enumeration = Some(found)),
            IntrusiveCheck::SipAuth => {
                let (users, from) = if named_users.is_empty() {
                    (challenged_users(checks.enumeration.as_ref()), "enum")
                } else {
                    (named_users.clone(), named_from)
                };
                sip_auth::crack(peer, &users, from, &config, &mut pacer)
                    .await
                    .map(|found| checks.sip_auth = Some(found))
            }
            IntrusiveCheck::WebAuth => Ok(()),
            IntrusiveCheck::DirectIp | IntrusiveCheck::Anonymous => call::test_call(
                peer,
                check == IntrusiveCheck::Anonymous,
                &config,
                &mut pacer,
            )
            .await
            .map(|test| match check {
                IntrusiveCheck::Anonymous => checks.anonymous = Some(test),
                _ => checks.direct_ip = Some(test),
            }),
        };
        if let Err(err) = outcome {
            tracing::warn!(%target, check = check.name(), "cannot run: {err}");
            checks.error.get_or_insert_with(|| err.to_string());
        }
    }
    checks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_are_named_and_unknown_names_refused() {
        let checks = parse_checks("direct-ip, enum").unwrap_or_default();
        assert_eq!(
            checks.into_iter().collect::<Vec<_>>(),
            [IntrusiveCheck::DirectIp, IntrusiveCheck::Enum]
        );
        assert_eq!(
            parse_checks("enum,sip-crack"),
            Err(IntrusiveError::UnknownCheck("sip-crack".to_string()))
        );
        assert_eq!(
            parse_checks("web-auth,sip-auth").map(|c| c.into_iter().collect::<Vec<_>>()),
            Ok(vec![IntrusiveCheck::SipAuth, IntrusiveCheck::WebAuth])
        );
        assert_eq!(parse_checks(""), Ok(BTreeSet::new()));
    }

    #[test]
    fn extension_lists() {
        assert_eq!(
            parse_extensions("100-102, 300,alice.b,007-009"),
            Ok(["100", "101", "102", "300", "alice.b", "007", "008", "009"]
                .map(String::from)
                .to_vec())
        );
        for bad in ["10-1", "a b", "1-x;", "<sip:x>"] {
            assert!(parse_extensions(bad).is_err(), "{bad}");
        }
        assert_eq!(
            parse_extensions("0-99999"),
            Err(IntrusiveError::TooManyExtensions(100_000))
        );
        let defaults = default_extensions();
        assert_eq!(defaults.len(), 11 + 11 + 11 + 1);
        assert!(defaults.contains(&"1005".to_string()));
    }

    #[test]
    fn answers_show_what_differs_and_no_nonce() {
        let response = Response::parse(
            b"SIP/2.0 401 Unauthorized\r\nTo: <sip:100@h>;tag=x\r\nWWW-Authenticate: Digest realm=\"pbx\", nonce=\"secretnonce\"\r\n\r\n",
        )
        .unwrap_or_else(|err| panic!("{err}"));
        let answer = Answer::of(&response);
        assert_eq!(
            answer.to_string(),
            "401 Unauthorized, www challenge realm \"pbx\""
        );
        assert!(!format!("{answer:?}").contains("secretnonce"));
    }
}

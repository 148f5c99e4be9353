//! OpenSSH's sshd messages, with the semantics of fail2ban's sshd filter in each of its modes:
//! per-connection (per sshd process) tracking supplies the address of messages that lack one and
//! tells a user who fails once and then logs in from an attacker who tries several user names.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::net::IpAddr;

use rustc_hash::FxHasher;
use serde::{Deserialize, Serialize};

use crate::addr::{AddrError, parse_ip};
use crate::event::{Failure, LineOutcome, Reason, Service};

/// The sshd message after the syslog or RFC 5424 header that ends at `rest`, with the process id
/// when the header carries one. `None` when the program is not sshd.
pub(crate) fn message(rest: &str, rfc5424: bool) -> Option<(Option<u32>, &str)> {
    let rest = rest.trim_start_matches(' ');
    let (pid, message) = if rfc5424 {
        let mut fields = rest.splitn(5, ' ');
        let _host = fields.next()?;
        if !fields.next()?.starts_with("sshd") {
            return None;
        }
        let pid = fields.next()?.parse().ok();
        let _msgid = fields.next()?;
        (pid, skip_structured_data(fields.next()?)?)
    } else {
        let (first, after_first) = rest.split_once(' ')?;
        if let Some(pid) = program_pid(first) {
            (pid, after_first)
        } else {
            let (second, after_second) = after_first.split_once(' ')?;
            (program_pid(second)?, after_second)
        }
    };
    let message = message.trim_start_matches(' ');
    let message = match message.strip_prefix("[ID ") {
        Some(tagged) => tagged.split_once("] ").map_or(message, |(_, m)| m),
        None => message,
    };
    let message = message
        .strip_prefix("error: ")
        .or_else(|| message.strip_prefix("fatal: "))
        .unwrap_or(message);
    Some((pid, message.strip_prefix("PAM: ").unwrap_or(message)))
}

/// `sshd[123]:`, `sshd-session[123]:`, `sshd:`, `[sshd]:` or `[sshd]`: `Some(pid)`.
fn program_pid(token: &str) -> Option<Option<u32>> {
    if token == "[sshd]" || token == "[sshd]:" || token == "sshd:" {
        return Some(None);
    }
    let rest = token
        .strip_prefix("sshd-session[")
        .or_else(|| token.strip_prefix("sshd["))?;
    let digits = rest.strip_suffix("]:").or_else(|| rest.strip_suffix(']'))?;
    Some(digits.parse().ok())
}

/// RFC 5424 structured data: `-` or `[id k="v"]…`, values may hold escaped `"` and `]`.
fn skip_structured_data(text: &str) -> Option<&str> {
    if let Some(rest) = text.strip_prefix("- ") {
        return Some(rest);
    }
    let bytes = text.as_bytes();
    let mut at = 0;
    let mut in_quotes = false;
    while let Some(&b) = bytes.get(at) {
        match b {
            b'\\' if in_quotes => at += 1,
            b'"' => in_quotes = !in_quotes,
            b']' if !in_quotes && bytes.get(at + 1) != Some(&b'[') => {
                return text.get(at + 1..).map(|m| m.trim_start_matches(' '));
            }
            _ => {}
        }
        at += 1;
    }
    None
}

/// Which sshd messages count, as the `mode` of fail2ban's sshd filter chooses them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SshdMode {
    /// Authentication failures only (fail2ban's default).
    #[default]
    Normal,
    /// Also connections that never reach authentication: no or a bad identification string,
    /// broken key exchange, a timeout, a close or reset during the preauth phase (port
    /// scanners, connection floods).
    Ddos,
    /// Also clients that cannot agree with the server: no common cipher, MAC, key exchange or
    /// host key type, no authentication method, a user who disconnects during preauth.
    Extra,
    /// `ddos` and `extra` together.
    Aggressive,
}

impl SshdMode {
    fn ddos(self) -> bool {
        matches!(self, Self::Ddos | Self::Aggressive)
    }

    fn extra(self) -> bool {
        matches!(self, Self::Extra | Self::Aggressive)
    }
}

/// What one sshd message says, before per-connection tracking.
enum Said<'a> {
    Failure {
        address: IpAddr,
        account: Option<&'a str>,
        reason: Reason,
    },
    /// A failure whose message carries no address (the connection's address is used).
    Hostless {
        account: Option<&'a str>,
        reason: Reason,
    },
    /// An attempt that is not a failure on its own: a PAM failure later followed by success, or
    /// a public key offered before the right one (fail2ban gh-1263, gh-2070).
    Attempt {
        address: IpAddr,
        account: &'a str,
    },
    Accepted {
        address: IpAddr,
        account: &'a str,
    },
    /// The connection ends (closed, reset, disconnected).
    Closed {
        address: IpAddr,
    },
    /// The connection ends before authentication, which the mode counts as a failure.
    ClosedInPreauth {
        address: IpAddr,
        account: Option<&'a str>,
    },
    Connected {
        address: IpAddr,
    },
    Nothing,
}

/// sshd prints bare addresses (never `addr:port`), so an IPv6 address is never ambiguous here.
fn ip(text: &str) -> Result<IpAddr, &'static str> {
    parse_ip(text).map_err(AddrError::reason)
}

fn strip_port(text: &str) -> &str {
    match text.rsplit_once(" port ") {
        Some((head, port)) if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => head,
        _ => text,
    }
}

/// `… from <host>` at the end of `text`: everything after the last ` from `.
fn last_from(text: &str) -> Result<(&str, IpAddr), &'static str> {
    let (head, host) = text
        .rsplit_once(" from ")
        .ok_or("sshd failure without an address")?;
    Ok((head, ip(host)?))
}

/// After the host of `Failed <method> for … from <host>`: nothing, ` port N`, ` sshN`, then
/// nothing or `: <info>`.
fn failed_tail_ok(tail: &str) -> bool {
    let mut rest = tail;
    if let Some(after) = rest.strip_prefix(" port ") {
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return false;
        }
        rest = after.get(digits..).unwrap_or_default();
    }
    if let Some(after) = rest.strip_prefix(" ssh") {
        rest = after.trim_start_matches(|c: char| c.is_ascii_digit());
    }
    rest.is_empty() || rest.starts_with(':')
}

/// `Failed <method> for [invalid user ]<user> from <host>[ port N][ sshN][: info]`. User name and
/// info are both client text; the first ` from ` whose tail has the server's shape wins, as in
/// fail2ban's injection tests.
fn failed(rest: &str) -> Result<Said<'_>, &'static str> {
    let (method, target) = rest
        .split_once(" for ")
        .ok_or("sshd failure without a user")?;
    let (invalid, user_and_rest) = match target.strip_prefix("invalid user ") {
        Some(after) => (true, after),
        None => (false, target),
    };
    let mut hostname = false;
    for (at, _) in target.match_indices(" from ") {
        let after = target.get(at + 6..).unwrap_or_default();
        let (host, tail) = after
            .find(' ')
            .map_or((after, ""), |end| after.split_at(end));
        let host = host.strip_suffix(':').unwrap_or(host);
        if !failed_tail_ok(tail) {
            continue;
        }
        let address = match parse_ip(host) {
            Ok(address) => address,
            Err(_) => {
                hostname = true;
                continue;
            }
        };
        let user_end = at.saturating_sub(target.len() - user_and_rest.len());
        let account = user_and_rest.get(..user_end).unwrap_or_default();
        return Ok(if method == "publickey" && !invalid {
            Said::Attempt { address, account }
        } else {
            Said::Failure {
                address,
                account: Some(account),
                reason: if invalid {
                    Reason::InvalidUser
                } else {
                    Reason::WrongPassword
                },
            }
        });
    }
    Err(if hostname {
        AddrError::Invalid.reason()
    } else {
        "sshd failure without an address"
    })
}

fn refusal_reason(text: &str) -> Option<Reason> {
    [
        "not listed in AllowUsers",
        "listed in DenyUsers",
        "not in any group",
        "a group is listed in DenyGroups",
        "none of user's groups are listed in AllowGroups",
    ]
    .contains(&text.trim_end())
    .then_some(Reason::UserNotAllowed)
}

/// The token after `key` (up to a space), in `pam_unix(sshd:auth): authentication failure; …`.
fn pam_field<'a>(message: &'a str, key: &str) -> Option<&'a str> {
    let at = message.find(key)? + key.len();
    let rest = message.get(at..)?;
    Some(rest.split(' ').next().unwrap_or(rest))
}

/// `text` starts with `phrase`, whose first letter may also be in the other case (sshd changed
/// the case of some messages between versions).
fn starts_with_any_case(text: &str, phrase: &str) -> bool {
    let (Some(first), Some(text_rest), Some(phrase_rest)) =
        (text.get(..1), text.get(1..), phrase.get(1..))
    else {
        return false;
    };
    phrase
        .get(..1)
        .is_some_and(|p| p.eq_ignore_ascii_case(first))
        && text_rest.starts_with(phrase_rest)
}

/// The host and optional ` port N` that end `text`.
fn ending_host(text: &str) -> Result<IpAddr, &'static str> {
    let text = strip_port(text);
    ip(text.rsplit(' ').next().unwrap_or(text))
}

/// `Connection closed by`, `Connection reset by` or `Disconnected from`, an optional
/// `invalid user <user>` or `authenticating user <user>`, the host and ` port N`, in the preauth
/// phase: a failure in `ddos` mode, and with a user after `Disconnected from` in `extra` mode.
/// The user name is client text, so the host is the last token: the field sshd writes after it.
fn closed_in_preauth(message: &str, mode: SshdMode) -> Option<Said<'_>> {
    let rest = message.trim_end().strip_suffix(" [preauth]")?;
    let (disconnected, rest) = if let Some(rest) = rest.strip_prefix("Disconnected from ") {
        (true, rest)
    } else {
        let rest = rest
            .strip_prefix("Connection closed by ")
            .or_else(|| rest.strip_prefix("Connection reset by "))?;
        (false, rest)
    };
    let rest = strip_port(rest);
    let (head, host) = rest.rsplit_once(' ').unwrap_or(("", rest));
    let address = parse_ip(host).ok()?;
    let account = if head.is_empty() {
        None
    } else {
        Some(
            head.strip_prefix("invalid user ")
                .or_else(|| head.strip_prefix("authenticating user "))?,
        )
    };
    let counts = mode.ddos() || (mode.extra() && disconnected && account.is_some());
    counts.then_some(Said::ClosedInPreauth { address, account })
}

/// The messages only the `ddos` and `extra` modes count (`None`: read as in normal mode).
fn classify_beyond_normal<'a>(
    message: &'a str,
    unbracketed: &'a str,
    mode: SshdMode,
) -> Option<Result<Said<'a>, &'static str>> {
    if let Some(said) = closed_in_preauth(message, mode) {
        return Some(Ok(said));
    }
    let failure = |address: Result<IpAddr, &'static str>, reason| {
        Some(address.map(|address| Said::Failure {
            address,
            account: None,
            reason,
        }))
    };
    let hostless = |reason| {
        Some(Ok(Said::Hostless {
            account: None,
            reason,
        }))
    };
    if mode.ddos() {
        let preauth = Reason::PreauthDisconnect;
        if let Some(rest) = unbracketed.strip_prefix("Did not receive identification string from ")
        {
            return failure(ip(strip_port(rest)), preauth);
        }
        if let Some(rest) = message.strip_prefix("kex_exchange_identification: ") {
            let rest = rest.strip_prefix("read: ").unwrap_or(rest);
            let broken = [
                "client sent invalid protocol identifier",
                "connection closed by remote host",
                "connection reset by peer",
            ]
            .iter()
            .any(|phrase| starts_with_any_case(rest, phrase));
            return broken.then(|| hostless(preauth)).flatten();
        }
        if message.starts_with("Read from socket failed: Connection reset by peer") {
            return hostless(preauth);
        }
        if let Some(rest) = unbracketed.strip_prefix("Bad protocol version identification '") {
            // The identification is the client's text: the host follows its last closing quote.
            let (_, host) = rest.rsplit_once("' from ")?;
            return failure(ip(strip_port(host)), preauth);
        }
        if let Some(rest) = unbracketed.strip_prefix("banner exchange: Connection from ") {
            let host = rest.trim_end().strip_suffix(": invalid format")?;
            return failure(ip(strip_port(host)), preauth);
        }
        if let Some(rest) = unbracketed.strip_prefix("ssh_dispatch_run_fatal: Connection from ")
            && message.trim_end().ends_with(" [preauth]")
        {
            let peer = rest
                .strip_suffix(": message authentication code incorrect")
                .or_else(|| rest.strip_suffix(": Connection corrupted"))?;
            return failure(ending_host(peer), preauth);
        }
        if let Some(rest) = unbracketed.strip_prefix("Timeout before authentication for ") {
            // sshd's own listener names the connection and then the local address.
            let peer = match rest.strip_prefix("connection from ") {
                Some(after) => after.split(' ').next().unwrap_or(after),
                None => strip_port(rest),
            };
            return failure(ip(peer), preauth);
        }
        if let Some(rest) = message.strip_prefix("SSH: Server;Ltype: ") {
            let (kind, after) = rest.split_once(";Remote: ")?;
            let (host, _) = after.split_once(';')?.0.rsplit_once('-')?;
            return ["Authname", "Version", "Kex"]
                .contains(&kind)
                .then(|| parse_ip(host).ok())
                .flatten()
                .map(|address| Ok(Said::Connected { address }));
        }
    }
    if mode.extra() {
        let negotiation = Reason::NegotiationFailed;
        if let Some(rest) = message.strip_prefix("Unable to negotiate with ") {
            let (host, why) = rest.split_once(": no matching ")?;
            return why
                .contains(" found")
                .then(|| failure(ip(strip_port(host)), negotiation))
                .flatten();
        }
        if message.starts_with("Unable to negotiate a ")
            || message
                .strip_prefix("no matching ")
                .is_some_and(|rest| rest.contains(" found:"))
        {
            return hostless(negotiation);
        }
    }
    None
}

/// Reads a message that has no per-connection meaning yet.
fn classify(message: &str, mode: SshdMode) -> Result<Said<'_>, &'static str> {
    let unbracketed = message
        .trim_end()
        .strip_suffix(" [preauth]")
        .unwrap_or(message.trim_end());
    if mode != SshdMode::Normal
        && let Some(said) = classify_beyond_normal(message, unbracketed, mode)
    {
        return said;
    }
    if let Some(rest) = message.strip_prefix("Failed ") {
        return failed(rest);
    }
    if let Some(rest) = message.strip_prefix("Accepted ") {
        let (_, target) = rest
            .split_once(" for ")
            .ok_or("sshd login without a user")?;
        let (account, after) = target
            .split_once(" from ")
            .ok_or("sshd login without an address")?;
        let host = after.split(' ').next().unwrap_or(after);
        return Ok(Said::Accepted {
            address: ip(host)?,
            account,
        });
    }
    for prefix in [
        "Invalid user ",
        "invalid user ",
        "Illegal user ",
        "illegal user ",
    ] {
        if let Some(rest) = unbracketed.strip_prefix(prefix) {
            let (account, address) = last_from(strip_port(rest))?;
            return Ok(Said::Failure {
                address,
                account: Some(account),
                reason: Reason::InvalidUser,
            });
        }
    }
    if let Some(rest) =
        unbracketed.strip_prefix("User not known to the underlying authentication module for ")
    {
        let (user, address) = last_from(rest)?;
        let account = user
            .strip_prefix("illegal user ")
            .or_else(|| user.strip_prefix("invalid user "))
            .unwrap_or(user);
        return Ok(Said::Failure {
            address,
            account: Some(account),
            reason: Reason::InvalidUser,
        });
    }
    if let Some(rest) = message.strip_prefix("User ") {
        let Some((head, why)) = rest.rsplit_once(" not allowed because ") else {
            return Ok(Said::Nothing);
        };
        if why.trim_end() == "account is locked" {
            return Ok(Said::Hostless {
                account: Some(head),
                reason: Reason::UserNotAllowed,
            });
        }
        let Some(reason) = refusal_reason(why) else {
            return Err("sshd refusal with an unknown reason");
        };
        let (account, address) = last_from(head)?;
        return Ok(Said::Failure {
            address,
            account: Some(account),
            reason,
        });
    }
    if let Some(rest) = unbracketed.strip_prefix("ROOT LOGIN REFUSED FROM ") {
        let host = rest.split(' ').next().unwrap_or(rest);
        return Ok(Said::Failure {
            address: ip(host)?,
            account: Some("root"),
            reason: Reason::RootLoginRefused,
        });
    }
    if let Some(rest) = message.strip_prefix("refused connect from ") {
        let inner = rest
            .trim_end()
            .strip_suffix(')')
            .and_then(|r| r.rsplit_once(" ("))
            .map(|(_, host)| host);
        let host = inner.ok_or("refused connect without an address")?;
        return Ok(Said::Failure {
            address: ip(host)?,
            account: None,
            reason: Reason::RefusedConnect,
        });
    }
    if let Some(rest) = message.strip_prefix("Received disconnect from ") {
        let (host, after) = match rest.split_once(" port ") {
            Some((host, after)) => (host, after.split_once(':').map_or("", |(_, code)| code)),
            None => rest
                .split_once(": ")
                .map_or((rest, ""), |(host, code)| (host, code)),
        };
        let address = ip(host)?;
        let code = after.trim_start();
        let failure = |reason| Said::Failure {
            address,
            account: None,
            reason,
        };
        return Ok(
            if code.starts_with("3:") && unbracketed.ends_with(": Auth fail") {
                failure(Reason::WrongPassword)
            } else if mode.extra()
                && code.strip_prefix("14:").is_some_and(|why| {
                    let why = why.trim_start();
                    why.starts_with("No supported authentication methods available")
                        || why.starts_with("No authentication methods available")
                })
            {
                failure(Reason::NegotiationFailed)
            } else {
                Said::Closed { address }
            },
        );
    }
    if let Some(rest) = unbracketed.strip_prefix("maximum authentication attempts exceeded for ") {
        let rest = rest
            .strip_suffix(" ssh2")
            .or_else(|| rest.strip_suffix(" ssh1"))
            .unwrap_or(rest);
        let (user, address) = last_from(strip_port(rest))?;
        let account = user.strip_prefix("invalid user ").unwrap_or(user);
        return Ok(Said::Failure {
            address,
            account: Some(account),
            reason: Reason::TooManyAttempts,
        });
    }
    if let Some(rest) = message.strip_prefix("Disconnecting: Too many authentication failures") {
        let account = rest.strip_prefix(" for ").and_then(|r| r.split(' ').next());
        return Ok(Said::Hostless {
            account,
            reason: Reason::TooManyAttempts,
        });
    }
    for prefix in [
        "Disconnecting invalid user ",
        "Disconnecting authenticating user ",
    ] {
        if let Some(rest) = message.strip_prefix(prefix) {
            // The user is one token here (fail2ban's `\S+`), then the host, then ` port N: why`.
            let mut tokens = rest.splitn(3, ' ');
            let account = tokens.next().unwrap_or_default();
            let address = ip(tokens.next().unwrap_or_default())?;
            let why = tokens.next().unwrap_or_default();
            let why = why.split_once(": ").map_or("", |(_, why)| why);
            return Ok(
                if why.starts_with("Change of username or service not allowed") {
                    Said::Failure {
                        address,
                        account: Some(account),
                        reason: Reason::UserChanged,
                    }
                } else {
                    Said::Closed { address }
                },
            );
        }
    }
    for prefix in [
        "Authentication failure for ",
        "authentication failure for ",
        "Authentication error for ",
        "authentication error for ",
        "Authentication failed for ",
        "authentication failed for ",
    ] {
        if let Some(rest) = unbracketed.strip_prefix(prefix) {
            let rest = match rest.rsplit_once(" via ") {
                Some((head, via)) if !via.contains(' ') => head,
                _ => rest,
            };
            let (account, address) = last_from(rest)?;
            return Ok(Said::Failure {
                address,
                account: Some(account),
                reason: Reason::WrongPassword,
            });
        }
    }
    if message.starts_with("pam_unix(sshd:auth): authentication failure;") {
        let Some(Ok(address)) = pam_field(message, " rhost=").map(parse_ip) else {
            return Ok(Said::Nothing);
        };
        let account = pam_field(message, " user=")
            .filter(|u| !u.is_empty())
            .or_else(|| pam_field(message, " ruser="))
            .unwrap_or_default();
        return Ok(Said::Attempt { address, account });
    }
    for prefix in [
        "Connection closed by ",
        "Connection reset by ",
        "Disconnected from ",
    ] {
        if let Some(rest) = unbracketed.strip_prefix(prefix) {
            let rest = strip_port(rest);
            let host = rest.rsplit(' ').next().unwrap_or(rest);
            return Ok(match parse_ip(host) {
                Ok(address) => Said::Closed { address },
                Err(_) => Said::Nothing,
            });
        }
    }
    if let Some(rest) = message.strip_prefix("Connection from ") {
        let host = rest.split(' ').next().unwrap_or(rest);
        return Ok(parse_ip(host).map_or(Said::Nothing, |address| Said::Connected { address }));
    }
    Ok(Said::Nothing)
}

/// Bounds the per-connection table: sshd processes whose connection end was never logged would
/// otherwise accumulate.
const MAX_SESSIONS: usize = 65_536;

#[derive(Debug, Default)]
struct Session {
    address: Option<IpAddr>,
    /// Failures seen before the connection's address was known, and the last one's reason.
    hostless: u32,
    hostless_reason: Option<Reason>,
    /// Attempts that are not failures on their own.
    attempts: u32,
    /// Hashes of the user names tried in this connection.
    users: Vec<u64>,
}

impl Session {
    /// Records a user name; true when the connection has now tried more than one.
    fn add_user(&mut self, user: &str) -> bool {
        let mut hasher = FxHasher::default();
        user.hash(&mut hasher);
        let hash = hasher.finish();
        if !self.users.contains(&hash) && self.users.len() < 8 {
            self.users.push(hash);
        }
        self.users.len() > 1
    }
}

/// Per-connection sshd state, keyed by the sshd process id.
#[derive(Debug, Default)]
pub(crate) struct Tracker {
    sessions: HashMap<u32, Session>,
    pub(crate) mode: SshdMode,
}

impl Tracker {
    fn session(&mut self, pid: u32) -> &mut Session {
        if self.sessions.len() >= MAX_SESSIONS && !self.sessions.contains_key(&pid) {
            self.sessions.clear();
        }
        self.sessions.entry(pid).or_default()
    }

    pub(crate) fn parse<'a>(
        &mut self,
        pid: Option<u32>,
        message: &'a str,
        line: &'a str,
        time: Option<i64>,
    ) -> LineOutcome<'a> {
        let fail = |address, account, reason, attempts| {
            LineOutcome::Failure(Failure {
                service: Service::Ssh,
                address,
                account,
                reason,
                time,
                attempts,
                evidence: line,
            })
        };
        let said = match classify(message, self.mode) {
            Ok(said) => said,
            Err(reason) => return LineOutcome::Unparsed(reason),
        };
        let Some(pid) = pid else {
            return match said {
                Said::Failure {
                    address,
                    account,
                    reason,
                } => fail(address, account, reason, 1),
                Said::ClosedInPreauth { address, account } => {
                    fail(address, account, Reason::PreauthDisconnect, 1)
                }
                Said::Hostless { .. } => LineOutcome::Unparsed("sshd failure without an address"),
                _ => LineOutcome::Ignored,
            };
        };
        match said {
            Said::Failure {
                address,
                account,
                reason,
            } => {
                let session = self.session(pid);
                session.address = Some(address);
                // A PAM failure line and sshd's own `Failed …` line describe the same attempt.
                session.attempts = 0;
                fail(address, account, reason, 1)
            }
            Said::Hostless { account, reason } => {
                let session = self.session(pid);
                if let Some(address) = session.address {
                    let attempts = 1 + std::mem::take(&mut session.attempts);
                    fail(address, account, reason, attempts)
                } else {
                    session.hostless += 1;
                    session.hostless_reason = Some(reason);
                    LineOutcome::Ignored
                }
            }
            Said::Attempt { address, account } => {
                let session = self.session(pid);
                session.address = Some(address);
                session.attempts += 1;
                if session.add_user(account) {
                    let attempts = std::mem::take(&mut session.attempts);
                    fail(address, Some(account), Reason::UserChanged, attempts)
                } else {
                    LineOutcome::Ignored
                }
            }
            Said::Accepted { address, account } => {
                let Some(mut session) = self.sessions.remove(&pid) else {
                    return LineOutcome::Ignored;
                };
                if session.add_user(account) {
                    fail(
                        address,
                        Some(account),
                        Reason::UserChanged,
                        session.attempts + 1,
                    )
                } else {
                    LineOutcome::Ignored
                }
            }
            Said::Closed { address } => match self.sessions.remove(&pid) {
                Some(session) if session.hostless > 0 => fail(
                    address,
                    None,
                    session.hostless_reason.unwrap_or(Reason::TooManyAttempts),
                    session.hostless,
                ),
                _ => LineOutcome::Ignored,
            },
            Said::ClosedInPreauth { address, account } => {
                // Failures that waited for the address are reported with this one.
                let session = self.sessions.remove(&pid).unwrap_or_default();
                fail(
                    address,
                    account,
                    session.hostless_reason.unwrap_or(Reason::PreauthDisconnect),
                    1 + session.hostless,
                )
            }
            Said::Connected { address } => {
                self.session(pid).address = Some(address);
                LineOutcome::Ignored
            }
            Said::Nothing => LineOutcome::Ignored,
        }
    }
}

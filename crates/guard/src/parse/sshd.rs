//! OpenSSH's sshd messages, with fail2ban's `normal` mode semantics: per-connection (per sshd
//! process) tracking supplies the address of messages that lack one and tells a user who fails
//! once and then logs in from an attacker who tries several user names.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::net::IpAddr;

use rustc_hash::FxHasher;

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

/// Reads a message that has no per-connection meaning yet.
fn classify(message: &str) -> Result<Said<'_>, &'static str> {
    let unbracketed = message
        .trim_end()
        .strip_suffix(" [preauth]")
        .unwrap_or(message.trim_end());
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
        return Ok(
            if code.starts_with("3:") && unbracketed.ends_with(": Auth fail") {
                Said::Failure {
                    address,
                    account: None,
                    reason: Reason::WrongPassword,
                }
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
        let said = match classify(message) {
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
            Said::Connected { address } => {
                self.session(pid).address = Some(address);
                LineOutcome::Ignored
            }
            Said::Nothing => LineOutcome::Ignored,
        }
    }
}

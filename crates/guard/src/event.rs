//! What one log line or AMI event says: a failure by a remote peer, nothing of interest, or a
//! line that looks like a failure but could not be read.

use std::fmt;
use std::net::IpAddr;

use serde::{Deserialize, Serialize};

/// The service a failure was aimed at; each has its own window in the policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Service {
    /// SIP (chan_sip, PJSIP, SIP security events, FreePBX dial-plan rejections).
    Sip,
    /// IAX2 (chan_iax2 with `authdebug=yes`).
    Iax2,
    /// The Asterisk manager interface.
    Ami,
    /// OpenSSH.
    Ssh,
}

impl Service {
    /// Every service, in the order used for per-service arrays.
    pub const ALL: [Self; 4] = [Self::Sip, Self::Iax2, Self::Ami, Self::Ssh];

    /// Position in [`Service::ALL`].
    #[must_use]
    pub const fn index(self) -> usize {
        match self {
            Self::Sip => 0,
            Self::Iax2 => 1,
            Self::Ami => 2,
            Self::Ssh => 3,
        }
    }

    /// Lower-case name, as in JSON.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Sip => "sip",
            Self::Iax2 => "iax2",
            Self::Ami => "ami",
            Self::Ssh => "ssh",
        }
    }
}

impl fmt::Display for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a line counts as a failure. Short and stable: these names appear in JSON and ban logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Reason {
    /// A password or digest response was wrong.
    WrongPassword,
    /// The user or account does not exist (no matching peer, endpoint or user).
    UnknownAccount,
    /// The authentication user does not match the account.
    UsernameMismatch,
    /// Refused by an ACL (device, endpoint, contact or security-event ACL).
    AclDenied,
    /// The request's domain is not served here.
    NotLocalDomain,
    /// The peer may not register, or registration was denied.
    RegistrationDenied,
    /// The peer used a transport it is not configured for.
    WrongTransport,
    /// Authentication failed without a more precise cause.
    AuthenticationFailed,
    /// A call to an extension that does not exist: a dial-plan scan.
    ExtensionNotFound,
    /// The FreePBX dial plan rejected an unknown SIP connection.
    UnknownConnection,
    /// An IAX2 connection asked for an extension that does not exist.
    ConnectRejected,
    /// A security event reporting a request or auth method that is refused or malformed.
    BadRequest,
    /// The request came from an address other than the one expected for the account.
    UnexpectedAddress,
    /// sshd: a user that does not exist.
    InvalidUser,
    /// sshd: the user is refused by configuration (AllowUsers, DenyGroups, locked account…).
    UserNotAllowed,
    /// sshd: root login refused.
    RootLoginRefused,
    /// sshd: refused by TCP wrappers.
    RefusedConnect,
    /// sshd: too many authentication failures in one connection.
    TooManyAttempts,
    /// sshd: the client changed user name within one connection, or tried several.
    UserChanged,
    /// sshd (`ddos` mode): the connection ended or broke before authentication (no or a bad
    /// identification string, broken key exchange, timeout, closed during preauth).
    PreauthDisconnect,
    /// sshd (`extra` mode): no cipher, MAC, key exchange, host key type or authentication
    /// method in common with the client.
    NegotiationFailed,
}

impl Reason {
    /// Every reason, in declaration order (bit positions in compact sets).
    pub const ALL: [Self; 21] = [
        Self::WrongPassword,
        Self::UnknownAccount,
        Self::UsernameMismatch,
        Self::AclDenied,
        Self::NotLocalDomain,
        Self::RegistrationDenied,
        Self::WrongTransport,
        Self::AuthenticationFailed,
        Self::ExtensionNotFound,
        Self::UnknownConnection,
        Self::ConnectRejected,
        Self::BadRequest,
        Self::UnexpectedAddress,
        Self::InvalidUser,
        Self::UserNotAllowed,
        Self::RootLoginRefused,
        Self::RefusedConnect,
        Self::TooManyAttempts,
        Self::UserChanged,
        Self::PreauthDisconnect,
        Self::NegotiationFailed,
    ];

    /// Kebab-case name, as in JSON.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::WrongPassword => "wrong-password",
            Self::UnknownAccount => "unknown-account",
            Self::UsernameMismatch => "username-mismatch",
            Self::AclDenied => "acl-denied",
            Self::NotLocalDomain => "not-local-domain",
            Self::RegistrationDenied => "registration-denied",
            Self::WrongTransport => "wrong-transport",
            Self::AuthenticationFailed => "authentication-failed",
            Self::ExtensionNotFound => "extension-not-found",
            Self::UnknownConnection => "unknown-connection",
            Self::ConnectRejected => "connect-rejected",
            Self::BadRequest => "bad-request",
            Self::UnexpectedAddress => "unexpected-address",
            Self::InvalidUser => "invalid-user",
            Self::UserNotAllowed => "user-not-allowed",
            Self::RootLoginRefused => "root-login-refused",
            Self::RefusedConnect => "refused-connect",
            Self::TooManyAttempts => "too-many-attempts",
            Self::UserChanged => "user-changed",
            Self::PreauthDisconnect => "preauth-disconnect",
            Self::NegotiationFailed => "negotiation-failed",
        }
    }

    /// Bit of this reason in a `u32` set.
    #[must_use]
    pub const fn bit(self) -> u32 {
        1 << (self as u32)
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One failed attempt by a remote peer, borrowed from the line it was read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure<'a> {
    /// The service attacked.
    pub service: Service,
    /// The peer, from the socket-derived field; IPv4-mapped IPv6 is given as IPv4.
    pub address: IpAddr,
    /// The account, user or extension tried, when the message names it.
    pub account: Option<&'a str>,
    /// Why this is a failure.
    pub reason: Reason,
    /// When, in seconds since the Unix epoch, if the line carries a time. Times without an offset
    /// are the log's wall clock taken as UTC.
    pub time: Option<i64>,
    /// How many attempts this line stands for (more than one when sshd reports a connection's
    /// earlier attempts at once).
    pub attempts: u32,
    /// The line (or AMI event) the failure was read from: the evidence for a ban.
    pub evidence: &'a str,
}

/// What a line turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineOutcome<'a> {
    /// A failed attempt.
    Failure(Failure<'a>),
    /// Nothing to act on (ordinary traffic, successes, messages that must never cause a ban).
    Ignored,
    /// The line names a failure but its peer address could not be read safely; counted and
    /// reported, never dropped silently.
    Unparsed(&'static str),
}

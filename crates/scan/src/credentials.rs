//! Credentials the operator gives for a site (`[[scan.credentials]]` in `voipguard.toml`), for
//! the intrusive checks that log in (`sip-auth`, `web-auth`). A password is a [`Secret`]: its
//! `Debug` says `redacted`, it has no `Display` and no `Serialize`, so no log, report or error
//! can carry it by accident.

use std::fmt;

/// What a credential logs in to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CredentialKind {
    /// A SIP account (digest authentication of REGISTER/INVITE).
    Sip,
    /// A device's web UI.
    Web,
}

impl CredentialKind {
    /// Parses the name written in the site file (`sip`, `web`).
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "sip" => Some(Self::Sip),
            "web" => Some(Self::Web),
            _ => None,
        }
    }
}

/// A password or SIP secret, shown nowhere.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret read from the site file or a password file.
    pub fn new(secret: String) -> Self {
        Self(secret)
    }

    /// The secret itself, for the one place that needs it: computing a digest or a login.
    pub fn reveal(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("redacted")
    }
}

/// One user and password the operator allows the intrusive checks to try.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    /// What it logs in to.
    pub kind: CredentialKind,
    /// User name (SIP user or auth id, web login).
    pub user: String,
    /// The password.
    pub password: Secret,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_password() {
        let credential = Credential {
            kind: CredentialKind::Sip,
            user: "100".to_string(),
            password: Secret::new("hunter2".to_string()),
        };
        let shown = format!("{credential:?} {credential:#?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(
            shown.contains("redacted") && shown.contains("100"),
            "{shown}"
        );
        assert_eq!(credential.password.reveal(), "hunter2");
    }
}

//! The credentials `sip-auth` and `web-auth` try: the built-in table (`crates/scan/credentials.toml`)
//! and the operator's word lists. Values are held in [`Secret`], whose `Debug` shows nothing, and
//! no result type carries one: what worked is described, never shown.

use std::collections::HashSet;
use std::path::Path;
use std::sync::OnceLock;

use serde::Deserialize;

use super::IntrusiveError;

const EMBEDDED: &str = include_str!("../../credentials.toml");

/// A candidate secret; `Debug` never shows it.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub(crate) struct Secret(String);

impl Secret {
    pub(crate) fn new(value: String) -> Self {
        Self(value)
    }

    /// The value, for a digest or an `Authorization` header only.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("(secret not shown)")
    }
}

/// A factory-default web login of one vendor (or of unknown makes: vendor `*`).
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct WebDefault {
    pub(crate) vendor: String,
    pub(crate) user: String,
    pub(crate) password: Secret,
    /// The login's role, for messages (`admin`, `end-user`).
    pub(crate) account: String,
    /// The baseline control a working login breaks; none for unknown makes.
    #[serde(default)]
    pub(crate) control: Option<String>,
}

#[derive(Debug, Deserialize)]
struct SipWords {
    words: Vec<Secret>,
}

/// The built-in table.
#[derive(Debug, Deserialize)]
pub(crate) struct BuiltIn {
    sip: SipWords,
    pub(crate) web: Vec<WebDefault>,
}

impl BuiltIn {
    /// The table shipped in the binary, read once.
    pub(crate) fn get() -> Result<&'static Self, IntrusiveError> {
        static TABLE: OnceLock<Result<BuiltIn, String>> = OnceLock::new();
        TABLE
            .get_or_init(|| toml::from_str(EMBEDDED).map_err(|err| err.to_string()))
            .as_ref()
            .map_err(|err| IntrusiveError::Table(err.clone()))
    }

    /// The SIP dictionary words, in the order they are tried.
    pub(crate) fn sip_words(&self) -> &[Secret] {
        &self.sip.words
    }

    /// The web logins tried on a web UI of `vendor` (the page's or the SIP fingerprint's
    /// vendor name): that vendor's rows when it has any, otherwise the rows for unknown makes.
    pub(crate) fn web_defaults(&self, vendor: Option<&str>) -> Vec<&WebDefault> {
        let of = |name: &str| -> Vec<&WebDefault> {
            self.web
                .iter()
                .filter(|row| row.vendor.eq_ignore_ascii_case(name))
                .collect()
        };
        match vendor.map(of) {
            Some(rows) if !rows.is_empty() => rows,
            _ => of("*"),
        }
    }
}

/// Secrets the operator supplies (`--wordlist`), one per line; `Debug` shows only how many.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Wordlist {
    words: Vec<Secret>,
}

/// The most words a supplied list may hold: a dictionary attack at a polite rate of a few
/// requests per second gets nowhere near it per user anyway.
pub const MAX_WORDS: usize = 100_000;

impl Wordlist {
    /// Reads a list: one secret per line, line ends (`\n`, `\r\n`) removed, empty lines
    /// skipped, lines repeated or already listed earlier kept once.
    pub fn read(path: &Path) -> Result<Self, IntrusiveError> {
        let bytes = std::fs::read(path).map_err(|err| IntrusiveError::Wordlist {
            path: path.display().to_string(),
            reason: err.to_string(),
        })?;
        Self::parse(&String::from_utf8_lossy(&bytes)).map_err(|reason| IntrusiveError::Wordlist {
            path: path.display().to_string(),
            reason,
        })
    }

    /// A list from text, as [`Wordlist::read`] reads a file.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut list = Self::default();
        let mut seen = HashSet::new();
        for line in text.lines() {
            let word = line.trim_end_matches('\r');
            if word.is_empty() || !seen.insert(word) {
                continue;
            }
            if list.words.len() >= MAX_WORDS {
                return Err(format!("more than {MAX_WORDS} words"));
            }
            list.words.push(Secret::new(word.to_string()));
        }
        Ok(list)
    }

    /// Appends another list's words not already in this one.
    pub fn extend(&mut self, other: Wordlist) {
        let known: HashSet<String> = self.words.iter().map(|w| w.0.clone()).collect();
        self.words.extend(
            other
                .words
                .into_iter()
                .filter(|word| !known.contains(&word.0)),
        );
    }

    /// Number of words.
    pub fn len(&self) -> usize {
        self.words.len()
    }

    /// True when the list holds no word.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    pub(crate) fn words(&self) -> &[Secret] {
        &self.words
    }
}

impl std::fmt::Debug for Wordlist {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Wordlist({} words, not shown)", self.words.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_table_reads_and_picks_rows_per_vendor() {
        let table = BuiltIn::get().unwrap_or_else(|err| panic!("{err}"));
        assert!(table.sip_words().len() >= 20);
        assert!(table.sip_words().iter().any(|w| w.expose() == "1234"));
        let grandstream = table.web_defaults(Some("grandstream"));
        assert_eq!(
            grandstream
                .iter()
                .map(|row| (row.user.as_str(), row.control.as_deref()))
                .collect::<Vec<_>>(),
            [
                ("admin", Some("GS-ADMIN-PASS")),
                ("user", Some("GS-USER-PASS"))
            ]
        );
        let unknown = table.web_defaults(Some("Kamailio"));
        assert!(!unknown.is_empty());
        assert!(
            unknown
                .iter()
                .all(|row| row.vendor == "*" && row.control.is_none())
        );
        assert_eq!(table.web_defaults(None).len(), unknown.len());
        let shown = format!("{table:?}");
        assert!(
            !shown.contains("Allworx\")") && !shown.contains("qwerty"),
            "{shown}"
        );
    }

    #[test]
    fn word_lists_skip_blanks_and_repeats_and_hide_their_words() {
        let list = Wordlist::parse("hunter2\r\n\nhunter2\n s p a c e \n").unwrap_or_default();
        assert_eq!(list.len(), 2);
        assert_eq!(list.words()[1].expose(), " s p a c e ");
        assert_eq!(format!("{list:?}"), "Wordlist(2 words, not shown)");
        let mut more = Wordlist::parse("x\nhunter2").unwrap_or_default();
        more.extend(list);
        assert_eq!(more.len(), 3);
        assert!(Wordlist::read(Path::new("/nonexistent/list")).is_err());
    }
}

//! Judging passwords without ever revealing them.
//!
//! The result describes a secret in words ("factory default", "6 characters, a dictionary word")
//! so evidence can say why it is weak while the value stays redacted.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::{Mutex, OnceLock, PoisonError};

use zxcvbn::matching::patterns::MatchPattern;

/// A vendor's password rules.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    /// Shortest allowed length.
    pub min_len: usize,
    /// Longest allowed length, when the vendor has one.
    pub max_len: Option<usize>,
    /// How many of the four classes (upper, lower, digit, other) must appear.
    pub min_classes: usize,
}

/// Grandstream GRP: 6–25 characters (guide 000), mixed classes.
pub const GRP_POLICY: Policy = Policy {
    min_len: 6,
    max_len: Some(25),
    min_classes: 3,
};
/// Grandstream WP820: 6–32 characters (guide 001), mixed classes.
pub const WP820_POLICY: Policy = Policy {
    min_len: 6,
    max_len: Some(32),
    min_classes: 3,
};
/// Snom phones: no vendor length rule; use a sane minimum.
pub const SNOM_POLICY: Policy = Policy {
    min_len: 8,
    max_len: None,
    min_classes: 3,
};

/// Asterisk-based PBXes (ScopTEL guide 004 "Password Policy", Allworx advisory 003): at least 8
/// characters with upper case, lower case, digits and special characters.
pub const PBX_POLICY: Policy = Policy {
    min_len: 8,
    max_len: None,
    min_classes: 4,
};

/// Values shipped as factory defaults or used as such by installers.
pub(crate) const DEFAULTS: &[&str] = &[
    "", "admin", "123", "1234", "12345", "123456", "0000", "00000", "000000", "1111", "password",
    "pass", "user", "root", "default", "changeme", "secret", "guest", "test",
];

/// Vendor and product names people use as passwords.
pub(crate) const VENDOR_WORDS: &[&str] = &[
    "grandstream",
    "snom",
    "allworx",
    "asterisk",
    "scoptel",
    "voip",
    "phone",
];

/// What a secret is like, in words, and whether it fails the policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Judgement {
    /// True when the secret is weak, default or outside the vendor's rules.
    pub weak: bool,
    /// Words for evidence; never contains the secret.
    pub description: String,
}

impl Judgement {
    fn weak(description: impl Into<String>) -> Self {
        Judgement {
            weak: true,
            description: description.into(),
        }
    }
}

/// Judges `secret` against `policy`; `related` holds values it must not equal or contain (user
/// names, extension, MAC address).
pub fn judge(secret: &str, policy: &Policy, related: &[&str]) -> Judgement {
    let length = secret.chars().count();
    let lower = secret.to_lowercase();
    if secret.is_empty() {
        return Judgement::weak("empty");
    }
    if DEFAULTS.contains(&lower.as_str()) {
        return Judgement::weak(format!("{length} characters, a well-known factory default"));
    }
    for &word in related {
        let word = word.trim().to_lowercase();
        if word.len() >= 3 && (lower == word || is_mac_derived(&lower, &word)) {
            return Judgement::weak(format!(
                "{length} characters, derived from the device's own name, user or MAC"
            ));
        }
    }
    if VENDOR_WORDS.iter().any(|word| lower.contains(word)) {
        return Judgement::weak(format!(
            "{length} characters, contains a vendor or product name"
        ));
    }
    if length < policy.min_len {
        return Judgement::weak(format!(
            "{length} characters, shorter than the minimum of {}",
            policy.min_len
        ));
    }
    if let Some(max) = policy.max_len.filter(|&max| length > max) {
        return Judgement::weak(format!(
            "{length} characters, longer than the device accepts ({max})"
        ));
    }
    // The vendor's own rules before zxcvbn: they decide most weak secrets, and zxcvbn's first
    // call builds its dictionaries (tens of milliseconds, most of a small audit's time).
    let classes = character_classes(secret);
    if classes < policy.min_classes {
        return Judgement::weak(format!(
            "{length} characters, {classes} of 4 character classes (at least {} required)",
            policy.min_classes
        ));
    }
    let Strength { score, dictionary } = strength(secret, related);
    let kind = if dictionary {
        ", mostly a dictionary word"
    } else {
        ""
    };
    if score < 3 {
        return Judgement::weak(format!(
            "{length} characters{kind}, guessable (strength {score} of 4)"
        ));
    }
    Judgement {
        weak: false,
        description: format!(
            "{length} characters, {classes} character classes, strength {score} of 4"
        ),
    }
}

/// What zxcvbn says of a secret.
#[derive(Debug, Clone, Copy)]
struct Strength {
    /// 0 (guessed at once) to 4.
    score: u8,
    /// Most of the secret is one dictionary word.
    dictionary: bool,
}

/// zxcvbn's verdict, remembered per secret: a fleet repeats its passwords from phone to phone and
/// zxcvbn costs tens of microseconds a call. The memory holds a keyed hash of the secret, never
/// the secret, and stays in the process.
fn strength(secret: &str, related: &[&str]) -> Strength {
    static SEEN: OnceLock<Mutex<HashMap<u64, Strength>>> = OnceLock::new();
    /// Enough for any fleet's distinct passwords; beyond it new ones are judged uncached.
    const REMEMBERED: usize = 1 << 16;
    let mut hasher = DefaultHasher::new();
    (secret, related).hash(&mut hasher);
    let key = hasher.finish();
    let seen = SEEN.get_or_init(Mutex::default);
    if let Some(known) = seen
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get(&key)
    {
        return *known;
    }
    let length = secret.chars().count();
    let entropy = zxcvbn::zxcvbn(secret, related);
    let found = Strength {
        score: u8::from(entropy.score()),
        dictionary: entropy.sequence().iter().any(|part| {
            matches!(part.pattern, MatchPattern::Dictionary(_))
                && part.token.chars().count() * 2 >= length
        }),
    };
    let mut seen = seen.lock().unwrap_or_else(PoisonError::into_inner);
    if seen.len() < REMEMBERED {
        seen.insert(key, found);
    }
    found
}

/// Starts building zxcvbn's dictionaries (about 15 ms, once per process) on another thread, so
/// an audit that will judge passwords has them ready by the time its files are read.
pub fn prepare() {
    std::thread::spawn(|| strength("voipguard-warm-up", &[]));
}

/// True when `secret` is a factory default or a value installers use as one (`0000`, `1234`,
/// `admin`): for PINs, which no length or class rule fits.
pub fn is_well_known_default(secret: &str) -> bool {
    DEFAULTS.contains(&secret.to_lowercase().as_str())
}

/// Number of classes among upper case, lower case, digits and everything else.
pub fn character_classes(secret: &str) -> usize {
    let upper = secret.chars().any(|c| c.is_uppercase());
    let lower = secret.chars().any(|c| c.is_lowercase());
    let digit = secret.chars().any(|c| c.is_ascii_digit());
    let other = secret.chars().any(|c| !c.is_alphanumeric());
    [upper, lower, digit, other]
        .into_iter()
        .filter(|&present| present)
        .count()
}

/// True when `secret` is the MAC (any case, with or without separators) or a tail of it of at
/// least six characters.
fn is_mac_derived(secret: &str, word: &str) -> bool {
    let mac: String = word.chars().filter(|c| c.is_ascii_hexdigit()).collect();
    let secret: String = secret.chars().filter(|c| *c != ':' && *c != '-').collect();
    mac.len() == 12 && secret.len() >= 6 && mac.ends_with(&secret)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_related_values_are_weak_without_revealing_them() {
        for (secret, expected) in [
            ("admin", "5 characters, a well-known factory default"),
            ("", "empty"),
            ("0000", "4 characters, a well-known factory default"),
            (
                "8c8f97",
                "6 characters, derived from the device's own name, user or MAC",
            ),
            (
                "Grandstream1!",
                "13 characters, contains a vendor or product name",
            ),
        ] {
            let judgement = judge(secret, &GRP_POLICY, &["000b828c8f97"]);
            assert!(judgement.weak, "{secret:?}");
            assert_eq!(judgement.description, expected);
            assert!(secret.is_empty() || !judgement.description.contains(secret));
        }
    }

    #[test]
    fn length_rules_follow_the_vendor() {
        let long = "Xq7#mB2!pL9@zR4&kT8*wN3^yV6%"; // 28 characters
        assert!(
            judge(long, &GRP_POLICY, &[]).weak,
            "28 characters exceed GRP's 25"
        );
        assert!(
            !judge(long, &WP820_POLICY, &[]).weak,
            "28 characters fit WP820's 32"
        );
    }

    #[test]
    fn dictionary_words_are_guessable_and_strong_secrets_pass() {
        // A dictionary word dressed up to meet the class rules.
        let word = judge("Sunshine1!", &SNOM_POLICY, &[]);
        assert!(word.weak);
        assert!(
            word.description.contains("dictionary word"),
            "{}",
            word.description
        );
        let strong = judge("v7#Qm!2pLz@9", &GRP_POLICY, &[]);
        assert!(!strong.weak, "{}", strong.description);
    }
}

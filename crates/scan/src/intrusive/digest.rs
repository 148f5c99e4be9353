//! HTTP digest authentication as SIP (RFC 3261 22.4, RFC 2617) and web servers (RFC 7616) use
//! it: reading a challenge and answering it for one candidate secret. MD5 and SHA-256, their
//! `-sess` variants, with `qop=auth` or without qop (RFC 2069 style).

use std::fmt::Write as _;

use md5::{Digest as _, Md5};

/// The hash a challenge asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Algorithm {
    Md5,
    Md5Sess,
    Sha256,
    Sha256Sess,
}

impl Algorithm {
    fn parse(name: &str) -> Option<Self> {
        Some(match name.to_ascii_uppercase().as_str() {
            "MD5" => Self::Md5,
            "MD5-SESS" => Self::Md5Sess,
            "SHA-256" => Self::Sha256,
            "SHA-256-SESS" => Self::Sha256Sess,
            _ => return None,
        })
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Md5 => "MD5",
            Self::Md5Sess => "MD5-sess",
            Self::Sha256 => "SHA-256",
            Self::Sha256Sess => "SHA-256-sess",
        }
    }

    fn is_sess(self) -> bool {
        matches!(self, Self::Md5Sess | Self::Sha256Sess)
    }

    fn hex(self, parts: &[&[u8]]) -> String {
        let bytes: Vec<u8> = match self {
            Self::Md5 | Self::Md5Sess => {
                let mut hasher = Md5::new();
                for part in parts {
                    hasher.update(part);
                }
                hasher.finalize().to_vec()
            }
            Self::Sha256 | Self::Sha256Sess => {
                let mut context = ring::digest::Context::new(&ring::digest::SHA256);
                for part in parts {
                    context.update(part);
                }
                context.finish().as_ref().to_vec()
            }
        };
        bytes.iter().fold(String::with_capacity(64), |mut out, b| {
            let _ = write!(out, "{b:02x}");
            out
        })
    }
}

/// One `Digest` challenge (`WWW-Authenticate` or `Proxy-Authenticate`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Challenge {
    pub(crate) realm: String,
    nonce: String,
    opaque: Option<String>,
    pub(crate) algorithm: Algorithm,
    /// `qop=auth` offered (auth-int alone is answered without qop: it needs the body hash and
    /// a REGISTER or GET has none worth the trouble).
    qop_auth: bool,
    /// The server says the previous answer had the right secret but an old nonce.
    pub(crate) stale: bool,
}

impl Challenge {
    /// Reads the strongest challenge this code can answer among `values` (a server may offer
    /// SHA-256 and MD5 side by side, RFC 8760); `None` when none is a usable digest challenge.
    pub(crate) fn best<'a>(values: impl IntoIterator<Item = &'a str>) -> Option<Self> {
        values
            .into_iter()
            .filter_map(Self::parse)
            .max_by_key(|challenge| challenge.algorithm)
    }

    fn parse(value: &str) -> Option<Self> {
        let value = value.trim();
        let (scheme, rest) = value.split_once([' ', '\t'])?;
        if !scheme.eq_ignore_ascii_case("digest") {
            return None;
        }
        let mut realm = None;
        let mut nonce = None;
        let mut opaque = None;
        let mut algorithm = Some(Algorithm::Md5);
        let mut qop_auth = false;
        let mut stale = false;
        for (name, value) in params(rest) {
            match name.to_ascii_lowercase().as_str() {
                "realm" => realm = Some(value),
                "nonce" => nonce = Some(value),
                "opaque" => opaque = Some(value),
                "algorithm" => algorithm = Algorithm::parse(&value),
                "qop" => {
                    qop_auth = value
                        .split(',')
                        .any(|qop| qop.trim().eq_ignore_ascii_case("auth"));
                }
                "stale" => stale = value.eq_ignore_ascii_case("true"),
                _ => {}
            }
        }
        Some(Self {
            realm: realm?,
            nonce: nonce?,
            opaque,
            algorithm: algorithm?,
            qop_auth,
            stale,
        })
    }

    /// True when `other` carries the same nonce (its answers count on).
    pub(crate) fn same_nonce(&self, other: &Self) -> bool {
        self.nonce == other.nonce && self.realm == other.realm
    }

    /// True when `qop=auth` is answered.
    pub(crate) fn qop_auth(&self) -> bool {
        self.qop_auth
    }

    /// The `Authorization` value answering this challenge for `method` on `uri` as `user` with
    /// `secret`; `nc` counts the answers given with this nonce (1 for the first).
    pub(crate) fn answer(
        &self,
        method: &str,
        uri: &str,
        user: &str,
        secret: &str,
        nc: u32,
    ) -> String {
        let algorithm = self.algorithm;
        let cnonce = format!("{:016x}", fastrand::u64(..));
        let mut ha1 = algorithm.hex(&[
            user.as_bytes(),
            b":",
            self.realm.as_bytes(),
            b":",
            secret.as_bytes(),
        ]);
        if algorithm.is_sess() {
            ha1 = algorithm.hex(&[
                ha1.as_bytes(),
                b":",
                self.nonce.as_bytes(),
                b":",
                cnonce.as_bytes(),
            ]);
        }
        let ha2 = algorithm.hex(&[method.as_bytes(), b":", uri.as_bytes()]);
        let nc = format!("{nc:08x}");
        let response = if self.qop_auth {
            algorithm.hex(&[
                ha1.as_bytes(),
                b":",
                self.nonce.as_bytes(),
                b":",
                nc.as_bytes(),
                b":",
                cnonce.as_bytes(),
                b":auth:",
                ha2.as_bytes(),
            ])
        } else {
            algorithm.hex(&[
                ha1.as_bytes(),
                b":",
                self.nonce.as_bytes(),
                b":",
                ha2.as_bytes(),
            ])
        };
        let mut out = format!(
            "Digest username=\"{}\", realm=\"{}\", nonce=\"{}\", uri=\"{uri}\", response=\"{response}\", algorithm={}",
            quoted(user),
            quoted(&self.realm),
            quoted(&self.nonce),
            algorithm.name()
        );
        if self.qop_auth || algorithm.is_sess() {
            let _ = write!(out, ", cnonce=\"{cnonce}\"");
        }
        if self.qop_auth {
            let _ = write!(out, ", qop=auth, nc={nc}");
        }
        if let Some(opaque) = &self.opaque {
            let _ = write!(out, ", opaque=\"{}\"", quoted(opaque));
        }
        out
    }
}

/// A value safe inside a quoted string: quotes, backslashes and line breaks dropped (realms and
/// nonces come from the host; a crafted one must not add a header).
fn quoted(value: &str) -> String {
    value
        .chars()
        .filter(|c| !matches!(c, '"' | '\\') && !c.is_control())
        .collect()
}

/// `name=value` pairs of an auth header, values unquoted; commas inside quotes kept.
fn params(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = text.trim_start();
    while !rest.is_empty() {
        let Some((name, after)) = rest.split_once('=') else {
            break;
        };
        let name = name.trim().trim_start_matches(',').trim().to_string();
        let after = after.trim_start();
        let (value, remainder) = match after.strip_prefix('"') {
            Some(quoted) => {
                let mut value = String::new();
                let mut chars = quoted.char_indices();
                let mut end = quoted.len();
                while let Some((at, c)) = chars.next() {
                    match c {
                        '\\' => {
                            if let Some((_, escaped)) = chars.next() {
                                value.push(escaped);
                            }
                        }
                        '"' => {
                            end = at + 1;
                            break;
                        }
                        _ => value.push(c),
                    }
                }
                (value, quoted.get(end..).unwrap_or_default())
            }
            None => {
                let end = after.find(',').unwrap_or(after.len());
                (
                    after.get(..end).unwrap_or_default().trim().to_string(),
                    after.get(end..).unwrap_or_default(),
                )
            }
        };
        out.push((name, value));
        rest = remainder.trim_start().trim_start_matches(',').trim_start();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field<'a>(answer: &'a str, name: &str) -> Option<&'a str> {
        let start = answer.find(&format!("{name}="))? + name.len() + 1;
        let rest = answer.get(start..)?;
        match rest.strip_prefix('"') {
            Some(quoted) => quoted.split('"').next(),
            None => rest.split(',').next(),
        }
    }

    #[test]
    fn rfc_2617_example_without_and_with_qop() {
        // RFC 2617 3.5: Mufasa / "Circle Of Life" / GET /dir/index.html.
        let challenge = Challenge::best([
            "Digest realm=\"testrealm@host.com\", qop=\"auth,auth-int\", nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"",
        ])
        .unwrap_or_else(|| panic!("not parsed"));
        let answer = challenge.answer("GET", "/dir/index.html", "Mufasa", "Circle Of Life", 1);
        let cnonce = field(&answer, "cnonce").unwrap_or_default();
        let ha1 = Algorithm::Md5.hex(&[b"Mufasa:testrealm@host.com:Circle Of Life"]);
        let ha2 = Algorithm::Md5.hex(&[b"GET:/dir/index.html"]);
        let expected = Algorithm::Md5.hex(&[format!(
            "{ha1}:dcd98b7102dd2f0e8b11d0f600bfb0c093:00000001:{cnonce}:auth:{ha2}"
        )
        .as_bytes()]);
        assert_eq!(field(&answer, "response"), Some(expected.as_str()));
        assert_eq!(field(&answer, "qop"), Some("auth"));
        assert_eq!(
            field(&answer, "opaque"),
            Some("5ccc069c403ebaf9f0171e9517f40e41")
        );
        // With the RFC's own cnonce the RFC's own response comes out.
        let rfc = Algorithm::Md5.hex(&[format!(
            "{ha1}:dcd98b7102dd2f0e8b11d0f600bfb0c093:00000001:0a4f113b:auth:{ha2}"
        )
        .as_bytes()]);
        assert_eq!(rfc, "6629fae49393a05397450978507c4ef1");

        let plain = Challenge::best(["Digest realm=\"pbx\", nonce=\"n1\""])
            .unwrap_or_else(|| panic!("not parsed"));
        let answer = plain.answer("REGISTER", "sip:10.0.0.1", "100", "100", 1);
        let expected = Algorithm::Md5.hex(&[format!(
            "{}:n1:{}",
            Algorithm::Md5.hex(&[b"100:pbx:100"]),
            Algorithm::Md5.hex(&[b"REGISTER:sip:10.0.0.1"])
        )
        .as_bytes()]);
        assert_eq!(field(&answer, "response"), Some(expected.as_str()));
        assert!(
            !answer.contains("qop") && !answer.contains("cnonce"),
            "{answer}"
        );
    }

    #[test]
    fn sha_256_is_preferred_and_computed() {
        let challenge = Challenge::best([
            "Digest realm=\"r\", nonce=\"n\", algorithm=MD5",
            "Digest realm=\"r\", nonce=\"n\", algorithm=SHA-256, qop=\"auth\", stale=TRUE",
            "Basic realm=\"r\"",
        ])
        .unwrap_or_else(|| panic!("not parsed"));
        assert_eq!(challenge.algorithm, Algorithm::Sha256);
        assert!(challenge.stale);
        // RFC 7616 3.9.1 check value: SHA-256 of "" .
        assert_eq!(
            Algorithm::Sha256.hex(&[b""]),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert!(
            challenge
                .answer("GET", "/", "u", "p", 2)
                .contains("nc=00000002")
        );
    }

    #[test]
    fn junk_challenges_are_refused_and_values_cannot_break_a_header() {
        for junk in [
            "",
            "Digest",
            "Basic realm=\"x\"",
            "Digest realm=\"x\"",
            "Digest nonce=\"x\"",
            "Digest realm=\"x\", nonce=\"y\", algorithm=SHA-512",
            "Digest realm=\"unterminated, nonce=\"y",
        ] {
            assert_eq!(Challenge::best([junk]), None, "{junk}");
        }
        let crafted =
            Challenge::best(["Digest realm=\"a\\\"b\r\nX: y\", nonce=\"n\", opaque=\"o\""])
                .unwrap_or_else(|| panic!("not parsed"));
        let answer = crafted.answer("GET", "/", "u", "p", 1);
        assert!(!answer.contains('\r') && !answer.contains('\n'), "{answer}");
    }
}

//! Which legacy TLS versions a server still accepts (TLS 1.0 and 1.1, deprecated by RFC 8996).
//!
//! rustls cannot speak them, so each version is offered in a hand-made ClientHello: the
//! version as the highest the client supports, the cipher suites servers of that era share
//! (ECDHE, DHE and RSA key exchange with AES-CBC or 3DES), the elliptic-curve extensions those
//! suites need. The first record the server sends back decides: a ServerHello names the version
//! the server chose, an alert refuses, a closed connection refuses silently. Nothing past the
//! ServerHello is read and no key is ever computed: the connection is dropped.

use std::net::SocketAddr;
use std::time::Duration;

use serde::Serialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A protocol version as it travels in a ClientHello or ServerHello.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum TlsVersion {
    /// SSL 3.0 (`0x0300`): only ever seen as a server's choice.
    #[serde(rename = "SSLv3")]
    Ssl3,
    /// TLS 1.0 (`0x0301`).
    #[serde(rename = "TLSv1.0")]
    Tls10,
    /// TLS 1.1 (`0x0302`).
    #[serde(rename = "TLSv1.1")]
    Tls11,
    /// TLS 1.2 (`0x0303`).
    #[serde(rename = "TLSv1.2")]
    Tls12,
}

impl TlsVersion {
    /// The versions RFC 8996 deprecates, the ones probed.
    pub const LEGACY: [TlsVersion; 2] = [TlsVersion::Tls10, TlsVersion::Tls11];

    fn wire(self) -> [u8; 2] {
        match self {
            Self::Ssl3 => [3, 0],
            Self::Tls10 => [3, 1],
            Self::Tls11 => [3, 2],
            Self::Tls12 => [3, 3],
        }
    }

    fn from_wire(bytes: [u8; 2]) -> Option<Self> {
        [Self::Ssl3, Self::Tls10, Self::Tls11, Self::Tls12]
            .into_iter()
            .find(|version| version.wire() == bytes)
    }

    /// The usual name (`TLS 1.0`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Ssl3 => "SSL 3.0",
            Self::Tls10 => "TLS 1.0",
            Self::Tls11 => "TLS 1.1",
            Self::Tls12 => "TLS 1.2",
        }
    }
}

impl std::fmt::Display for TlsVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// How a server answered a ClientHello offering one version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "answer", rename_all = "snake_case")]
pub enum VersionAnswer {
    /// A ServerHello: the handshake would go on with `version`.
    Accepted {
        /// The version the server chose (at most the one offered).
        version: TlsVersion,
    },
    /// A fatal alert (`protocol_version` is 70, `handshake_failure` 40).
    Refused {
        /// The alert description code.
        alert: u8,
    },
    /// The server closed the connection (or went silent) without a word.
    Closed,
    /// The first bytes back were not TLS.
    NotTls,
}

impl VersionAnswer {
    /// True when the server would go on with the offered version or an older one.
    pub fn accepted(self) -> bool {
        matches!(self, Self::Accepted { .. })
    }
}

/// One probe: the version offered and the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct VersionProbe {
    /// The highest version the ClientHello offered.
    pub offered: TlsVersion,
    /// What came back.
    #[serde(flatten)]
    pub answer: VersionAnswer,
}

/// Cipher suites every TLS 1.0/1.1 server of the last two decades implements at least one of,
/// strongest first, then the renegotiation SCSV (RFC 5746) some servers insist on.
const CIPHER_SUITES: [u16; 13] = [
    0xc02b, // ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 (ignored below TLS 1.2)
    0xc02f, // ECDHE_RSA_WITH_AES_128_GCM_SHA256 (ignored below TLS 1.2)
    0xc00a, // ECDHE_ECDSA_WITH_AES_256_CBC_SHA
    0xc009, // ECDHE_ECDSA_WITH_AES_128_CBC_SHA
    0xc014, // ECDHE_RSA_WITH_AES_256_CBC_SHA
    0xc013, // ECDHE_RSA_WITH_AES_128_CBC_SHA
    0x0039, // DHE_RSA_WITH_AES_256_CBC_SHA
    0x0033, // DHE_RSA_WITH_AES_128_CBC_SHA
    0x0035, // RSA_WITH_AES_256_CBC_SHA
    0x002f, // RSA_WITH_AES_128_CBC_SHA
    0xc012, // ECDHE_RSA_WITH_3DES_EDE_CBC_SHA
    0x000a, // RSA_WITH_3DES_EDE_CBC_SHA
    0x00ff, // EMPTY_RENEGOTIATION_INFO_SCSV
];

/// A ClientHello record offering `version` as the highest, with a fresh random.
pub fn client_hello(version: TlsVersion) -> Vec<u8> {
    let mut extensions = Vec::new();
    // supported_groups: x25519, secp256r1, secp384r1.
    push_extension(&mut extensions, 0x000a, &[0, 6, 0, 0x1d, 0, 0x17, 0, 0x18]);
    // ec_point_formats: uncompressed.
    push_extension(&mut extensions, 0x000b, &[1, 0]);
    let mut body = Vec::with_capacity(128);
    body.extend_from_slice(&version.wire());
    body.extend((0..32).map(|_| fastrand::u8(..)));
    body.push(0); // no session id
    push_u16(&mut body, (CIPHER_SUITES.len() * 2) as u16);
    for suite in CIPHER_SUITES {
        push_u16(&mut body, suite);
    }
    body.extend_from_slice(&[1, 0]); // compression: null only
    push_u16(&mut body, extensions.len() as u16);
    body.extend_from_slice(&extensions);

    let mut handshake = vec![1]; // client_hello
    handshake.extend_from_slice(&u24(body.len()));
    handshake.extend_from_slice(&body);
    // The record layer says TLS 1.0 whatever is offered: old servers drop anything newer there.
    let mut record = vec![22, 3, 1];
    push_u16(&mut record, handshake.len() as u16);
    record.extend_from_slice(&handshake);
    record
}

fn push_u16(out: &mut Vec<u8>, value: u16) {
    out.extend_from_slice(&value.to_be_bytes());
}

fn u24(value: usize) -> [u8; 3] {
    let [_, a, b, c] = u32::try_from(value).unwrap_or(u32::MAX).to_be_bytes();
    [a, b, c]
}

fn push_extension(out: &mut Vec<u8>, kind: u16, data: &[u8]) {
    push_u16(out, kind);
    push_u16(out, data.len() as u16);
    out.extend_from_slice(data);
}

/// Reads the server's first record: `None` while `bytes` holds too little to decide.
pub fn read_answer(bytes: &[u8]) -> Option<VersionAnswer> {
    let (&content_type, rest) = bytes.split_first()?;
    match content_type {
        // handshake: type 2 (server_hello), 3-byte length, then the chosen version.
        22 => {
            let header = rest.get(4..)?;
            let (&kind, hello) = header.split_first()?;
            if kind != 2 {
                return Some(VersionAnswer::NotTls);
            }
            let version = hello.get(3..5)?;
            Some(
                TlsVersion::from_wire([*version.first()?, *version.get(1)?])
                    .map_or(VersionAnswer::NotTls, |version| VersionAnswer::Accepted {
                        version,
                    }),
            )
        }
        // alert: level, description.
        21 => rest.get(5).map(|&alert| VersionAnswer::Refused { alert }),
        _ => Some(VersionAnswer::NotTls),
    }
}

/// Offers `version` to `target` and reads the answer; an error only when no connection could
/// be made at all (the port is closed, or the connect timed out).
pub async fn probe_version(
    target: SocketAddr,
    version: TlsVersion,
    timeout: Duration,
) -> std::io::Result<VersionProbe> {
    let mut stream = tokio::time::timeout(timeout, TcpStream::connect(target))
        .await
        .map_err(|_| std::io::Error::from(std::io::ErrorKind::TimedOut))??;
    let answer = async {
        if stream.write_all(&client_hello(version)).await.is_err() {
            return VersionAnswer::Closed;
        }
        let mut received = Vec::with_capacity(64);
        let mut chunk = [0_u8; 512];
        // A ServerHello's version sits within the first 11 bytes: 64 is plenty.
        while received.len() < 64 {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => received.extend_from_slice(chunk.get(..n).unwrap_or_default()),
            }
            if let Some(answer) = read_answer(&received) {
                return answer;
            }
        }
        read_answer(&received).unwrap_or(VersionAnswer::Closed)
    };
    let answer = tokio::time::timeout(timeout, answer)
        .await
        .unwrap_or(VersionAnswer::Closed);
    Ok(VersionProbe {
        offered: version,
        answer,
    })
}

/// Offers each of [`TlsVersion::LEGACY`] in turn; the probes that got a connection.
pub async fn probe_legacy(target: SocketAddr, timeout: Duration) -> Vec<VersionProbe> {
    let mut probes = Vec::new();
    for version in TlsVersion::LEGACY {
        if let Ok(probe) = probe_version(target, version, timeout).await {
            probes.push(probe);
        }
    }
    probes
}

/// The legacy versions some probe found accepted (as the server chose them), oldest first.
pub fn accepted_legacy(probes: &[VersionProbe]) -> Vec<TlsVersion> {
    let mut versions: Vec<TlsVersion> = probes
        .iter()
        .filter_map(|probe| match probe.answer {
            VersionAnswer::Accepted { version } if version < TlsVersion::Tls12 => Some(version),
            _ => None,
        })
        .collect();
    versions.sort();
    versions.dedup();
    versions
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_hello_lengths_add_up() {
        let hello = client_hello(TlsVersion::Tls11);
        assert_eq!(hello.get(..3), Some([22, 3, 1].as_slice()));
        let record_len = usize::from(u16::from_be_bytes([hello[3], hello[4]]));
        assert_eq!(record_len, hello.len() - 5);
        assert_eq!(hello[5], 1, "client_hello");
        let body_len = usize::from(hello[7]) << 8 | usize::from(hello[8]);
        assert_eq!(usize::from(hello[6]), 0);
        assert_eq!(body_len, hello.len() - 9);
        assert_eq!(hello.get(9..11), Some([3, 2].as_slice()), "offers TLS 1.1");
    }

    #[test]
    fn answers() {
        // ServerHello choosing TLS 1.0, cut after the version.
        assert_eq!(
            read_answer(&[22, 3, 1, 0, 80, 2, 0, 0, 76, 3, 1]),
            Some(VersionAnswer::Accepted {
                version: TlsVersion::Tls10
            })
        );
        // Fatal protocol_version alert.
        assert_eq!(
            read_answer(&[21, 3, 3, 0, 2, 2, 70]),
            Some(VersionAnswer::Refused { alert: 70 })
        );
        assert_eq!(
            read_answer(b"HTTP/1.1 400 Bad Request"),
            Some(VersionAnswer::NotTls)
        );
        assert_eq!(
            read_answer(&[22, 3, 1, 0, 80, 2, 0, 0, 76, 9, 9]),
            Some(VersionAnswer::NotTls)
        );
        for partial in [
            &[][..],
            &[22, 3, 1, 0],
            &[22, 3, 1, 0, 80, 2, 0, 0, 76, 3],
            &[21, 3],
        ] {
            assert_eq!(read_answer(partial), None, "{partial:?}");
        }
    }

    #[test]
    fn only_older_versions_count_as_legacy() {
        let probe = |offered, version| VersionProbe {
            offered,
            answer: VersionAnswer::Accepted { version },
        };
        let refused = VersionProbe {
            offered: TlsVersion::Tls10,
            answer: VersionAnswer::Refused { alert: 70 },
        };
        assert_eq!(accepted_legacy(&[refused]), []);
        assert_eq!(
            accepted_legacy(&[
                probe(TlsVersion::Tls11, TlsVersion::Tls10),
                probe(TlsVersion::Tls10, TlsVersion::Tls10)
            ]),
            [TlsVersion::Tls10]
        );
    }
}

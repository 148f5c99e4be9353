//! `web-auth`: does a web UI the service probes found take its vendor's factory-default login?
//! Only web servers that asked for HTTP authentication (401 with a Basic or Digest challenge)
//! are tried, only with the few documented defaults of their vendor (from the login page, else
//! the SIP fingerprint; unknown makes get the common defaults), one request per login, paced
//! and logged by number ("try 1 of 2 for user admin"). A login that works is reported with its
//! user name and role, never its password. Form-based login pages are not tried.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use serde::Serialize;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio::task::JoinSet;

use crate::fingerprint::Fingerprint;
use crate::http;
use crate::scope::Plan;
use crate::services::{Found, HostServices};
use crate::sip::uri_hostport;
use crate::tls;

use super::credentials::{BuiltIn, WebDefault};
use super::digest::Challenge;
use super::{IntrusiveConfig, IntrusiveError, Pacer};

/// One factory-default login tried.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attempt {
    /// The user name (a documented default, `admin`).
    pub user: String,
    /// Its role (`admin`, `end-user`).
    pub account: String,
    /// The baseline control a working login breaks; none for a make no control covers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub control: Option<String>,
    /// Whether the server accepted it.
    pub accepted: bool,
}

/// One web server that asked for a login.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WebLogin {
    /// `http://address:port` or `https://…`.
    pub place: String,
    /// The vendor whose defaults were tried (`*`: unknown make, common defaults).
    pub vendor: String,
    /// `Basic` or `Digest` (with the algorithm).
    pub scheme: String,
    /// The challenge's realm.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub realm: Option<String>,
    /// Logins there were to try.
    pub of: usize,
    /// The logins tried, in order, and whether each worked.
    pub attempts: Vec<Attempt>,
    /// Why trying stopped early, if it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The result of `web-auth` on one host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WebAuth {
    /// The host.
    pub address: IpAddr,
    /// Per web server that asked for a login.
    pub logins: Vec<WebLogin>,
}

/// A web server to try.
#[derive(Debug, Clone)]
struct WebTarget {
    address: SocketAddr,
    tls: bool,
    vendor: Option<String>,
}

/// Tries the factory-default logins on every web server of `hosts` (within `plan`) that answered
/// `GET /` with 401; `fingerprints` are the SIP fingerprints per address, for hosts whose login
/// page names no vendor. Hosts run `config.concurrent_hosts` at a time, each paced at
/// `config.rate`. Results come back in address order, hosts without a login page left out.
pub async fn run_web_auth(
    plan: &Plan,
    hosts: &[HostServices],
    fingerprints: &HashMap<IpAddr, Fingerprint>,
    config: &IntrusiveConfig,
) -> Result<Vec<WebAuth>, IntrusiveError> {
    if config.rate.is_nan() || config.rate <= 0.0 {
        return Err(IntrusiveError::ZeroRate);
    }
    let table = BuiltIn::get()?;
    let config = Arc::new(config.clone());
    let mut running = JoinSet::new();
    let mut results = Vec::new();
    for host in hosts {
        if !plan.contains(host.address) {
            tracing::warn!(address = %host.address, "not in the scan plan: no login tried");
            continue;
        }
        let targets = web_targets(host, fingerprints.get(&host.address));
        if targets.is_empty() {
            continue;
        }
        while running.len() >= config.concurrent_hosts.max(1) {
            if let Some(Ok(done)) = running.join_next().await {
                results.push(done);
            }
        }
        running.spawn(try_host(host.address, targets, table, Arc::clone(&config)));
    }
    while let Some(joined) = running.join_next().await {
        if let Ok(done) = joined {
            results.push(done);
        }
    }
    results.retain(|host: &WebAuth| !host.logins.is_empty());
    results.sort_by_key(|host| host.address);
    Ok(results)
}

/// The web servers of `host` that asked for HTTP authentication.
fn web_targets(host: &HostServices, fingerprint: Option<&Fingerprint>) -> Vec<WebTarget> {
    host.services
        .iter()
        .filter_map(|result| match &result.found {
            Found::Web {
                tls,
                http: Some(http),
            } if http.status == 401 => Some(WebTarget {
                address: SocketAddr::new(host.address, result.port),
                tls: tls.is_some(),
                vendor: http
                    .web_ui
                    .map(|ui| ui.vendor.to_string())
                    .or_else(|| fingerprint.map(|f| f.vendor.clone())),
            }),
            _ => None,
        })
        .collect()
}

async fn try_host(
    address: IpAddr,
    targets: Vec<WebTarget>,
    table: &'static BuiltIn,
    config: Arc<IntrusiveConfig>,
) -> WebAuth {
    let mut pacer = Pacer::new(config.rate);
    let mut logins = Vec::new();
    for target in targets {
        let defaults = table.web_defaults(target.vendor.as_deref());
        if let Some(login) = try_server(&target, &defaults, &config, &mut pacer).await {
            logins.push(login);
        }
    }
    WebAuth { address, logins }
}

/// What a web server said, as far as a login is concerned.
struct Reply {
    status: u16,
    challenges: Vec<String>,
}

impl Reply {
    fn parse(bytes: &[u8]) -> Option<Self> {
        let status = http::parse(bytes)?.status;
        let text = String::from_utf8_lossy(bytes);
        let head = text.split("\r\n\r\n").next().unwrap_or_default();
        let challenges = head
            .lines()
            .skip(1)
            .filter_map(|line| line.split_once(':'))
            .filter(|(name, _)| name.trim().eq_ignore_ascii_case("www-authenticate"))
            .map(|(_, value)| value.trim().to_string())
            .collect();
        Some(Self { status, challenges })
    }

    fn digest(&self) -> Option<Challenge> {
        Challenge::best(self.challenges.iter().map(String::as_str))
    }

    fn basic_realm(&self) -> Option<Option<String>> {
        self.challenges
            .iter()
            .find(|value| {
                value
                    .get(..5)
                    .is_some_and(|scheme| scheme.eq_ignore_ascii_case("basic"))
            })
            .map(|value| {
                value
                    .split_once("realm=")
                    .map(|(_, realm)| realm.trim().trim_matches('"').to_string())
            })
    }
}

/// Tries `defaults` on one web server; `None` when it no longer asks for a login.
async fn try_server(
    target: &WebTarget,
    defaults: &[&WebDefault],
    config: &IntrusiveConfig,
    pacer: &mut Pacer,
) -> Option<WebLogin> {
    let place = format!(
        "{}://{}",
        if target.tls { "https" } else { "http" },
        target.address
    );
    pacer.wait().await;
    let first = match get(target, None, config).await {
        Ok(reply) => reply,
        Err(err) => {
            tracing::warn!(%place, "web-auth: cannot fetch the login challenge: {err}");
            return None;
        }
    };
    if first.status != 401 {
        return None;
    }
    let mut login = WebLogin {
        place: place.clone(),
        vendor: defaults
            .first()
            .map_or_else(|| "*".to_string(), |row| row.vendor.clone()),
        scheme: String::new(),
        realm: None,
        of: defaults.len(),
        attempts: Vec::new(),
        error: None,
    };
    let mut digest = first.digest();
    match (&digest, first.basic_realm()) {
        (Some(challenge), _) => {
            login.scheme = format!("Digest {}", challenge.algorithm.name());
            login.realm = Some(challenge.realm.clone());
        }
        (None, Some(realm)) => {
            login.scheme = "Basic".to_string();
            login.realm = realm;
        }
        (None, None) => {
            login.error = Some("the 401 names neither Basic nor Digest".to_string());
            return Some(login);
        }
    }
    for (index, row) in defaults.iter().enumerate() {
        tracing::info!(%place, user = %row.user, "try {} of {} for user {}", index + 1, defaults.len(), row.user);
        let authorization = match &digest {
            Some(challenge) => challenge.answer("GET", "/", &row.user, row.password.expose(), 1),
            None => format!(
                "Basic {}",
                base64(format!("{}:{}", row.user, row.password.expose()).as_bytes())
            ),
        };
        pacer.wait().await;
        let reply = match get(target, Some(&authorization), config).await {
            Ok(reply) => reply,
            Err(err) => {
                login.error = Some(format!(
                    "stopped after {} tries: {err}",
                    login.attempts.len()
                ));
                break;
            }
        };
        let accepted = !matches!(reply.status, 401 | 403 | 429 | 503);
        login.attempts.push(Attempt {
            user: row.user.clone(),
            account: row.account.clone(),
            control: row.control.clone(),
            accepted,
        });
        match reply.status {
            401 => {
                if digest.is_some() {
                    digest = reply.digest().or(digest);
                }
            }
            // Refused or rate limited: the server is counting; stop rather than provoke a lock.
            403 | 429 | 503 => {
                login.error = Some(format!(
                    "stopped after {} tries: the server answered {}",
                    login.attempts.len(),
                    reply.status
                ));
                break;
            }
            _ => {
                tracing::warn!(%place, user = %row.user, account = %row.account, "factory-default login accepted");
            }
        }
    }
    Some(login)
}

/// `GET /` on `target`, with `authorization` when given, over TLS when the server speaks it.
async fn get(
    target: &WebTarget,
    authorization: Option<&str>,
    config: &IntrusiveConfig,
) -> std::io::Result<Reply> {
    let mut request = format!(
        "GET / HTTP/1.0\r\nHost: {}\r\nUser-Agent: {}\r\nConnection: close\r\n",
        uri_hostport(target.address),
        config
            .user_agent
            .chars()
            .filter(|c| !c.is_control())
            .collect::<String>()
    );
    if let Some(authorization) = authorization {
        request.push_str("Authorization: ");
        request.push_str(authorization);
        request.push_str("\r\n");
    }
    request.push_str("\r\n");
    let exchange = async {
        let tcp = TcpStream::connect(target.address).await?;
        if target.tls {
            let (mut stream, _) = tls::handshake(tcp, target.address.ip()).await?;
            read_reply(&mut stream, &request).await
        } else {
            let mut tcp = tcp;
            read_reply(&mut tcp, &request).await
        }
    };
    tokio::time::timeout(config.timeout, exchange)
        .await
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "no answer in time"))?
}

async fn read_reply<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut S,
    request: &str,
) -> std::io::Result<Reply> {
    let bytes = http::send(stream, request).await?;
    Reply::parse(&bytes)
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidData, "not an HTTP answer"))
}

/// Standard base64 with padding (RFC 4648 section 4), for a Basic `Authorization`.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk.first().copied().unwrap_or(0),
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                let sextet = usize::try_from((n >> shift) & 63).unwrap_or(0);
                out.push(char::from(ALPHABET.get(sextet).copied().unwrap_or(b'A')));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
            ("Aladdin:open sesame", "QWxhZGRpbjpvcGVuIHNlc2FtZQ=="),
        ] {
            assert_eq!(base64(plain.as_bytes()), encoded, "{plain}");
        }
    }

    #[test]
    fn replies_show_their_challenges() {
        let reply = Reply::parse(
            b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"Grandstream GRP2612\"\r\n\r\nbody",
        )
        .unwrap_or_else(|| panic!("not parsed"));
        assert_eq!(reply.status, 401);
        assert_eq!(
            reply.basic_realm(),
            Some(Some("Grandstream GRP2612".to_string()))
        );
        assert!(reply.digest().is_none());
        let digest = Reply::parse(
            b"HTTP/1.1 401 Unauthorized\r\nwww-authenticate: Digest realm=\"r\", nonce=\"n\", qop=\"auth\"\r\n\r\n",
        )
        .unwrap_or_else(|| panic!("not parsed"));
        assert_eq!(digest.basic_realm(), None);
        assert_eq!(digest.digest().map(|c| c.realm), Some("r".to_string()));
        assert!(Reply::parse(b"SSH-2.0-x\r\n").is_none());
    }
}

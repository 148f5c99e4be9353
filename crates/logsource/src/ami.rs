//! An Asterisk manager interface (AMI) client that subscribes to security events and stays
//! subscribed: it logs in again after every disconnection, with a capped exponential back-off.
//!
//! The exchange follows Asterisk's `main/manager.c`: the server greets with
//! `Asterisk Call Manager/<version>\r\n`; the client sends `Action: Login` with `Username`,
//! `Secret` and `Events` (the event mask, here `security`); the server answers
//! `Response: Success` / `Message: Authentication accepted`, or (after a one-second delay)
//! `Response: Error` / `Message: Authentication failed` and closes the connection. Every message
//! is `Key: value` lines ended by `\r\n`, closed by an empty line. `Action: Logoff` is answered
//! with `Response: Goodbye`.

use std::fmt;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::time::{Instant, MissedTickBehavior};

use crate::lines::LineAssembler;
use crate::{Emitter, ItemKind, SourceError, StatusKind};

/// A password that never shows: its `Debug` prints `Secret(<redacted>)` and it has no `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a password.
    pub fn new(secret: impl Into<String>) -> Self {
        Self(secret.into())
    }

    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// How to reach AMI. The manager.conf account needs `read = security`.
///
/// `Debug` never shows the secret (see [`Secret`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AmiConfig {
    /// `host:port`, normally `127.0.0.1:5038`.
    pub address: String,
    /// The manager.conf account.
    pub username: String,
    /// Its secret.
    pub secret: Secret,
    /// The `Events` mask sent with the login.
    pub events: String,
    /// The wait before the first reconnection; it doubles after every failed attempt.
    pub reconnect_initial: Duration,
    /// The longest wait between two attempts.
    pub reconnect_max: Duration,
    /// How long connecting and logging in may take (Asterisk delays a refusal by one second).
    pub timeout: Duration,
    /// How often to send `Action: Ping` when connected; a connection that answered nothing
    /// since the previous ping is dropped and made again. `None` sends no pings.
    pub keepalive: Option<Duration>,
}

impl AmiConfig {
    /// Security events from `address` as `username`: reconnecting after 1 s, doubling up to
    /// 60 s, 10 s to log in, a ping every 30 s.
    pub fn new(address: impl Into<String>, username: impl Into<String>, secret: Secret) -> Self {
        Self {
            address: address.into(),
            username: username.into(),
            secret,
            events: "security".to_owned(),
            reconnect_initial: Duration::from_secs(1),
            reconnect_max: Duration::from_secs(60),
            timeout: Duration::from_secs(10),
            keepalive: Some(Duration::from_secs(30)),
        }
    }
}

const BANNER_PREFIX: &str = "Asterisk Call Manager/";
/// AMI events are a few hundred bytes; a longer line or message means a broken peer.
const MAX_LINE: usize = 16 * 1024;
const MAX_MESSAGE: usize = 256 * 1024;

pub(crate) async fn run(config: AmiConfig, mut out: Emitter) {
    let address = config.address.clone();
    let mut backoff = config.reconnect_initial;
    let mut ever_connected = false;
    let mut attempts = 0_u32;
    loop {
        attempts = attempts.saturating_add(1);
        let logged_in = tokio::select! {
            biased;
            () = out.stopped() => return,
            logged_in = tokio::time::timeout(config.timeout, log_in(&config)) => logged_in,
        };
        let reason = match logged_in {
            Err(_) => format!("no login within {:?}", config.timeout),
            Ok(Err(Failure::Io(error))) => error.to_string(),
            Ok(Err(Failure::Report(error))) => {
                let reason = error.to_string();
                if out.status(StatusKind::Error(error)).await.is_err() {
                    return;
                }
                reason
            }
            Ok(Ok(mut session)) => {
                let status = if ever_connected {
                    StatusKind::AmiReconnected {
                        address: address.clone(),
                        attempts,
                    }
                } else {
                    StatusKind::AmiConnected {
                        address: address.clone(),
                        version: session.version.clone(),
                    }
                };
                ever_connected = true;
                attempts = 0;
                backoff = config.reconnect_initial;
                if out.status(status).await.is_err() {
                    session.log_off(config.timeout).await;
                    return;
                }
                match session.pump(&config, &mut out).await {
                    Ended::Stopped => return,
                    Ended::Lost(reason) => reason,
                }
            }
        };
        let retry_in = backoff;
        let disconnected = StatusKind::AmiDisconnected {
            address: address.clone(),
            reason,
            retry_in,
        };
        if out.status(disconnected).await.is_err() || out.sleep(retry_in).await.is_err() {
            return;
        }
        backoff = backoff
            .saturating_mul(2)
            .min(config.reconnect_max.max(config.reconnect_initial));
    }
}

enum Failure {
    Io(std::io::Error),
    /// A failure worth its own status (refused login, not an AMI peer).
    Report(SourceError),
}

impl From<std::io::Error> for Failure {
    fn from(error: std::io::Error) -> Self {
        Self::Io(error)
    }
}

enum Ended {
    Stopped,
    Lost(String),
}

struct Session {
    reader: MessageReader<OwnedReadHalf>,
    writer: OwnedWriteHalf,
    version: String,
}

async fn log_in(config: &AmiConfig) -> Result<Session, Failure> {
    let protocol = |detail: String| {
        Failure::Report(SourceError::AmiProtocol {
            address: config.address.clone(),
            detail,
        })
    };
    for (field, value) in [
        ("username", &config.username),
        ("events", &config.events),
        ("secret", &config.secret.0),
    ] {
        if value.contains(['\r', '\n']) {
            // It would end the header and let the rest be read as other headers.
            return Err(protocol(format!("the {field} contains a line break")));
        }
    }
    let (read, mut writer) = TcpStream::connect(&config.address).await?.into_split();
    let mut reader = MessageReader::new(read);
    let banner = reader
        .next_line()
        .await?
        .ok_or_else(|| closed("before its banner"))?;
    let Some(version) = banner.strip_prefix(BANNER_PREFIX) else {
        let shown: String = banner.chars().take(80).collect();
        return Err(protocol(format!("not an AMI banner: {shown:?}")));
    };
    let version = version.trim().to_owned();
    let login = format!(
        "Action: Login\r\nActionID: voipguard-login\r\nUsername: {}\r\nSecret: {}\r\nEvents: {}\r\n\r\n",
        config.username,
        config.secret.expose(),
        config.events
    );
    writer.write_all(login.as_bytes()).await?;
    loop {
        let message = reader
            .next_message()
            .await?
            .ok_or_else(|| closed("before answering the login"))?;
        let Some(response) = header(&message, "Response") else {
            continue;
        };
        if header(&message, "ActionID").is_some_and(|id| id != "voipguard-login") {
            continue;
        }
        if response.eq_ignore_ascii_case("Success") {
            return Ok(Session {
                reader,
                writer,
                version,
            });
        }
        return Err(Failure::Report(SourceError::AmiLoginRefused {
            address: config.address.clone(),
            username: config.username.clone(),
            message: header(&message, "Message").unwrap_or(response).to_owned(),
        }));
    }
}

impl Session {
    async fn pump(&mut self, config: &AmiConfig, out: &mut Emitter) -> Ended {
        let mut keepalive = config.keepalive.map(|period| {
            let mut ticks = tokio::time::interval_at(Instant::now() + period, period);
            ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
            ticks
        });
        let mut unanswered_ping = false;
        loop {
            let next_ping = async {
                match &mut keepalive {
                    Some(ticks) => {
                        ticks.tick().await;
                    }
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                biased;
                () = out.stopped() => {
                    self.log_off(config.timeout).await;
                    return Ended::Stopped;
                }
                message = self.reader.next_message() => {
                    let message = match message {
                        Ok(Some(message)) => message,
                        Ok(None) => return Ended::Lost("connection closed by Asterisk".to_owned()),
                        Err(error) => return Ended::Lost(error.to_string()),
                    };
                    unanswered_ping = false;
                    let is_event = message.first().and_then(|line| line.split_once(':')).is_some_and(|(key, _)| key.trim().eq_ignore_ascii_case("Event"));
                    if is_event {
                        let mut text = message.join("\r\n");
                        text.push_str("\r\n");
                        if out.item(ItemKind::AmiEvent, text).await.is_err() {
                            self.log_off(config.timeout).await;
                            return Ended::Stopped;
                        }
                    }
                }
                () = next_ping => {
                    if unanswered_ping {
                        return Ended::Lost("no answer to the keepalive ping".to_owned());
                    }
                    unanswered_ping = true;
                    let ping = b"Action: Ping\r\nActionID: voipguard-ping\r\n\r\n";
                    if let Err(error) = self.writer.write_all(ping).await {
                        return Ended::Lost(error.to_string());
                    }
                }
            }
        }
    }

    /// Says goodbye so Asterisk logs a clean logoff, waiting briefly for its answer.
    async fn log_off(&mut self, timeout: Duration) {
        let goodbye = async {
            self.writer
                .write_all(b"Action: Logoff\r\nActionID: voipguard-logoff\r\n\r\n")
                .await?;
            while let Some(message) = self.reader.next_message().await? {
                if header(&message, "Response")
                    .is_some_and(|response| response.eq_ignore_ascii_case("Goodbye"))
                {
                    break;
                }
            }
            Ok::<_, std::io::Error>(())
        };
        // Shutting down must not hang on a peer that stopped answering.
        let _ = tokio::time::timeout(timeout.min(Duration::from_secs(1)), goodbye).await;
    }
}

fn closed(when: &str) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::UnexpectedEof,
        format!("connection closed {when}"),
    )
}

/// The value of the first `key: value` line of `message` whose key is `key` (any case).
pub(crate) fn header<'m>(message: &'m [String], key: &str) -> Option<&'m str> {
    message.iter().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.trim().eq_ignore_ascii_case(key).then(|| value.trim())
    })
}

/// Cuts an AMI byte stream into lines and messages (lines up to an empty line). Keeps its
/// state between calls, so a call cancelled by `select!` loses nothing.
pub(crate) struct MessageReader<R> {
    reader: R,
    lines: LineAssembler,
    message: Vec<String>,
    message_bytes: usize,
    chunk: Vec<u8>,
}

impl<R: AsyncRead + Unpin> MessageReader<R> {
    pub(crate) fn new(reader: R) -> Self {
        Self {
            reader,
            lines: LineAssembler::new(MAX_LINE),
            message: Vec::new(),
            message_bytes: 0,
            chunk: vec![0; 8192],
        }
    }

    /// The next line, `None` at the end of the stream.
    pub(crate) async fn next_line(&mut self) -> std::io::Result<Option<String>> {
        loop {
            if let Some(piece) = self.lines.next_piece() {
                if let Some(line) = piece.line {
                    return Ok(Some(line));
                }
                continue;
            }
            let count = self.reader.read(&mut self.chunk).await?;
            if count == 0 {
                return Ok(None);
            }
            self.lines
                .extend(self.chunk.get(..count).unwrap_or_default());
        }
    }

    /// The next message's lines, `None` at the end of the stream.
    pub(crate) async fn next_message(&mut self) -> std::io::Result<Option<Vec<String>>> {
        loop {
            let Some(line) = self.next_line().await? else {
                return Ok(None);
            };
            if line.is_empty() {
                if !self.message.is_empty() {
                    self.message_bytes = 0;
                    return Ok(Some(std::mem::take(&mut self.message)));
                }
                continue;
            }
            self.message_bytes += line.len();
            if self.message_bytes > MAX_MESSAGE {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!("a message longer than {MAX_MESSAGE} bytes"),
                ));
            }
            self.message.push(line);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_of_the_config_hides_the_secret() {
        let config = AmiConfig::new(
            "127.0.0.1:5038",
            "guard",
            Secret::new("hunter2-very-secret"),
        );
        let shown = format!("{config:?} {:?}", config.secret);
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(
            shown.contains("guard") && shown.contains("<redacted>"),
            "{shown}"
        );
    }

    #[tokio::test]
    async fn messages_are_cut_at_empty_lines_whatever_the_chunking() {
        let wire: &[u8] =
            b"Asterisk Call Manager/7.0.3\r\n\r\nEvent: A\r\nKey: v\r\n\r\n\r\nEvent: B\r\n\r\n";
        let mut reader = MessageReader::new(wire);
        assert_eq!(
            reader.next_line().await.unwrap().as_deref(),
            Some("Asterisk Call Manager/7.0.3")
        );
        let first = reader.next_message().await.unwrap().unwrap();
        assert_eq!(first, ["Event: A", "Key: v"]);
        assert_eq!(header(&first, "key"), Some("v"));
        assert_eq!(reader.next_message().await.unwrap().unwrap(), ["Event: B"]);
        assert_eq!(reader.next_message().await.unwrap(), None);
    }
}

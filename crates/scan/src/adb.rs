//! ADB over TCP (Android phones such as Grandstream's WP820 listen on 5555 when it is on).
//!
//! The scanner opens the connection as the `adb` host tool does: a CNXN message (24-byte
//! little-endian header: command, arg0 = protocol version 0x01000000, arg1 = the largest
//! payload it accepts, payload length, payload byte sum, command XOR 0xffffffff) carrying
//! `host::\0`. An adbd answers CNXN with its identity (`device::ro.product.name=…;
//! ro.product.model=…;…`) when it lets anyone in, AUTH with a token to sign when it wants a
//! known key, or STLS when it wants TLS first: each of these is ADB listening. Anything else on
//! the port (ScopTEL's GUI answers HTTP on 5555 too) is not ADB, and is left to the probes of
//! that service.

use std::time::Duration;

use serde::Serialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The port adbd listens on when ADB over the network is on.
pub const ADB_PORT: u16 = 5555;

const HEADER_LEN: usize = 24;
/// The oldest protocol version, whose receivers check the payload sum.
const VERSION: u32 = 0x0100_0000;
/// The payload limit of that version.
const MAX_PAYLOAD: u32 = 4096;
/// What a host says it is.
const HOST_BANNER: &[u8] = b"host::\0";
/// The largest answer payload read (a CNXN banner lists properties and features).
const MAX_ANSWER_PAYLOAD: u32 = 64 * 1024;

/// An ADB command word: its four ASCII letters, little-endian.
const fn command(name: &[u8; 4]) -> u32 {
    u32::from_le_bytes(*name)
}

const CNXN: u32 = command(b"CNXN");
const AUTH: u32 = command(b"AUTH");
const STLS: u32 = command(b"STLS");

/// One ADB message: header fields and payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// Command word (`CNXN`, `AUTH`, …).
    pub command: u32,
    /// First argument (for CNXN: the protocol version; for AUTH: the type, 1 = token).
    pub arg0: u32,
    /// Second argument (for CNXN: the largest payload accepted).
    pub arg1: u32,
    /// Payload.
    pub payload: Vec<u8>,
}

impl Message {
    /// The bytes on the wire: header, then payload.
    pub fn to_bytes(&self) -> Vec<u8> {
        let length = u32::try_from(self.payload.len()).unwrap_or(u32::MAX);
        let mut out = Vec::with_capacity(HEADER_LEN + self.payload.len());
        for word in [
            self.command,
            self.arg0,
            self.arg1,
            length,
            payload_sum(&self.payload),
            self.command ^ 0xffff_ffff,
        ] {
            out.extend_from_slice(&word.to_le_bytes());
        }
        out.extend_from_slice(&self.payload);
        out
    }

    /// The command's four letters.
    pub fn command_name(&self) -> String {
        String::from_utf8_lossy(&self.command.to_le_bytes()).to_string()
    }
}

/// The payload check of protocol version 0x01000000: the sum of its bytes.
fn payload_sum(payload: &[u8]) -> u32 {
    payload
        .iter()
        .fold(0_u32, |sum, byte| sum.wrapping_add(u32::from(*byte)))
}

/// The CNXN the `adb` host tool opens with.
pub fn host_connect() -> Message {
    Message {
        command: CNXN,
        arg0: VERSION,
        arg1: MAX_PAYLOAD,
        payload: HOST_BANNER.to_vec(),
    }
}

/// A header read from the wire: its command and arguments, and how long its payload is.
/// `None` unless the magic word matches the command (anything but ADB fails that).
fn parse_header(header: &[u8; HEADER_LEN]) -> Option<(u32, u32, u32, u32)> {
    let word = |at: usize| -> Option<u32> {
        Some(u32::from_le_bytes(header.get(at..at + 4)?.try_into().ok()?))
    };
    let (command, arg0, arg1, length, magic) = (word(0)?, word(4)?, word(8)?, word(12)?, word(20)?);
    (magic == command ^ 0xffff_ffff).then_some((command, arg0, arg1, length))
}

/// What an ADB daemon said to the host's CNXN.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AdbAnswer {
    /// `CNXN` (it lets anyone in), `AUTH` (it wants a known key) or `STLS` (TLS first).
    pub command: String,
    /// The device's identity from a CNXN (`device::ro.product.name=…;…`), features left out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub banner: Option<String>,
    /// `ro.product.model` from that identity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
}

impl AdbAnswer {
    /// True when the daemon let an unknown host in without asking for a key.
    pub fn open_to_anyone(&self) -> bool {
        self.command == "CNXN"
    }

    /// A reading of an answer message; `None` for a command adbd does not answer CNXN with.
    pub fn from_message(message: &Message) -> Option<Self> {
        if ![CNXN, AUTH, STLS].contains(&message.command) {
            return None;
        }
        let identity = (message.command == CNXN).then(|| device_identity(&message.payload));
        let model = identity.as_deref().and_then(|identity| {
            identity
                .split([':', ';'])
                .find_map(|part| part.strip_prefix("ro.product.model="))
                .map(str::to_string)
        });
        Some(Self {
            command: message.command_name(),
            banner: identity.filter(|identity| !identity.is_empty()),
            model: model.filter(|model| !model.is_empty()),
        })
    }
}

/// The system-identity part of a CNXN banner: printable, without the (long) feature list.
fn device_identity(payload: &[u8]) -> String {
    let text: String = String::from_utf8_lossy(payload)
        .chars()
        .filter(|c| !c.is_control())
        .take(512)
        .collect();
    text.split(";features=")
        .next()
        .unwrap_or_default()
        .trim_end_matches(';')
        .to_string()
}

/// Sends the host CNXN on `tcp` and reads one message back; `None` when the answer is not ADB
/// (an HTTP server's error page, a banner, silence, a closed connection).
pub async fn probe(mut tcp: TcpStream, timeout: Duration) -> Option<AdbAnswer> {
    let exchange = async {
        tcp.write_all(&host_connect().to_bytes()).await.ok()?;
        let mut header = [0_u8; HEADER_LEN];
        tcp.read_exact(&mut header).await.ok()?;
        let (command, arg0, arg1, length) = parse_header(&header)?;
        if length > MAX_ANSWER_PAYLOAD {
            return None;
        }
        let mut payload = vec![0_u8; usize::try_from(length).ok()?];
        tcp.read_exact(&mut payload).await.ok()?;
        AdbAnswer::from_message(&Message {
            command,
            arg0,
            arg1,
            payload,
        })
    };
    tokio::time::timeout(timeout, exchange).await.ok()?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_cnxn_is_the_adb_wire_format() {
        let bytes = host_connect().to_bytes();
        let sum: u32 = b"host::\0".iter().map(|b| u32::from(*b)).sum();
        let mut expected = Vec::new();
        for word in [CNXN, 0x0100_0000, 4096, 7, sum, CNXN ^ 0xffff_ffff] {
            expected.extend_from_slice(&word.to_le_bytes());
        }
        expected.extend_from_slice(b"host::\0");
        assert_eq!(bytes, expected);
        assert_eq!(bytes.get(..4), Some(&b"CNXN"[..]));
        assert_eq!(sum, 0x0232);
    }

    #[test]
    fn answers_are_read_for_what_they_say() {
        let device = Message {
            command: CNXN,
            arg0: 0x0100_0001,
            arg1: 256 * 1024,
            payload: b"device::ro.product.name=wp820;ro.product.model=WP820;ro.product.device=wp820;features=shell_v2,cmd"
                .to_vec(),
        };
        let answer = AdbAnswer::from_message(&device).unwrap_or_else(|| panic!("not ADB"));
        assert!(answer.open_to_anyone());
        assert_eq!(answer.model.as_deref(), Some("WP820"));
        assert_eq!(
            answer.banner.as_deref(),
            Some("device::ro.product.name=wp820;ro.product.model=WP820;ro.product.device=wp820")
        );
        let token = Message {
            command: AUTH,
            arg0: 1,
            arg1: 0,
            payload: vec![7; 20],
        };
        let answer = AdbAnswer::from_message(&token).unwrap_or_else(|| panic!("not ADB"));
        assert_eq!(
            (answer.command.as_str(), answer.banner.as_deref()),
            ("AUTH", None)
        );
        assert!(!answer.open_to_anyone());
    }

    #[test]
    fn http_is_not_adb() {
        let mut header = [0_u8; HEADER_LEN];
        header.copy_from_slice(&b"HTTP/1.1 400 Bad Request\r\n"[..HEADER_LEN]);
        assert_eq!(parse_header(&header), None);
        let bytes = host_connect().to_bytes();
        let header: [u8; HEADER_LEN] = bytes
            .get(..HEADER_LEN)
            .and_then(|h| h.try_into().ok())
            .unwrap_or([0; HEADER_LEN]);
        assert_eq!(parse_header(&header), Some((CNXN, VERSION, MAX_PAYLOAD, 7)));
    }
}

//! TFTP (RFC 1350) read requests: whether a host hands out a provisioning file to anyone who
//! names it.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::UdpSocket;

const RRQ: u16 = 1;
const DATA: u16 = 3;
const ACK: u16 = 4;
const ERROR: u16 = 5;
const BLOCK: usize = 512;

/// The largest file kept: provisioning files are a few kilobytes; anything far larger is not
/// one, and a scan must not fill memory with it.
pub const MAX_FILE_BYTES: usize = 1 << 20;

/// What a read request got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TftpAnswer {
    /// The file, whole (or cut at [`MAX_FILE_BYTES`]).
    File(Vec<u8>),
    /// An ERROR packet: the server runs but refused this name.
    Refused(String),
    /// Nothing came back.
    Silent,
}

/// A read request for `file` in octet mode.
pub fn read_request(file: &str) -> Vec<u8> {
    let mut packet = Vec::with_capacity(file.len() + 10);
    packet.extend_from_slice(&RRQ.to_be_bytes());
    packet.extend_from_slice(file.as_bytes());
    packet.push(0);
    packet.extend_from_slice(b"octet\0");
    packet
}

fn ack(block: u16) -> [u8; 4] {
    let [a, b] = ACK.to_be_bytes();
    let [c, d] = block.to_be_bytes();
    [a, b, c, d]
}

/// A server packet: DATA (block, payload) or ERROR (message); anything else is `None`.
#[derive(Debug, PartialEq, Eq)]
enum Packet<'a> {
    Data(u16, &'a [u8]),
    Error(String),
}

fn parse(packet: &[u8]) -> Option<Packet<'_>> {
    let opcode = u16::from_be_bytes([*packet.first()?, *packet.get(1)?]);
    let second = u16::from_be_bytes([*packet.get(2)?, *packet.get(3)?]);
    let rest = packet.get(4..)?;
    match opcode {
        DATA => Some(Packet::Data(second, rest)),
        ERROR => {
            let text = rest.split(|b| *b == 0).next().unwrap_or_default();
            Some(Packet::Error(format!(
                "error {second}: {}",
                String::from_utf8_lossy(text)
            )))
        }
        _ => None,
    }
}

/// Asks `server` for `file` and reads it to the end. The server answers from a new port (its
/// transfer id); only packets from the server's own address are taken.
pub async fn fetch(
    server: SocketAddr,
    file: &str,
    timeout: Duration,
) -> std::io::Result<TftpAnswer> {
    let bind: SocketAddr = if server.is_ipv4() {
        (std::net::Ipv4Addr::UNSPECIFIED, 0).into()
    } else {
        (std::net::Ipv6Addr::UNSPECIFIED, 0).into()
    };
    let socket = UdpSocket::bind(bind).await?;
    let request = read_request(file);
    let mut buffer = vec![0_u8; BLOCK + 4];
    let mut content = Vec::new();
    let mut expected: u16 = 1;
    let mut peer: Option<SocketAddr> = None;
    // One retransmission of whatever was sent last, as RFC 1350 asks of a client that hears
    // nothing.
    let mut last_sent = request.clone();
    let mut destination = server;
    socket.send_to(&last_sent, destination).await?;
    let mut retried = false;
    loop {
        let received = tokio::time::timeout(timeout, socket.recv_from(&mut buffer)).await;
        let (len, from) = match received {
            Ok(result) => result?,
            Err(_) if !retried => {
                retried = true;
                socket.send_to(&last_sent, destination).await?;
                continue;
            }
            Err(_) if content.is_empty() && peer.is_none() => return Ok(TftpAnswer::Silent),
            Err(_) => return Ok(TftpAnswer::File(content)),
        };
        if from.ip() != server.ip() || peer.is_some_and(|peer| peer != from) {
            continue;
        }
        match parse(buffer.get(..len).unwrap_or_default()) {
            Some(Packet::Error(message)) => return Ok(TftpAnswer::Refused(message)),
            Some(Packet::Data(block, payload)) if block == expected => {
                peer = Some(from);
                destination = from;
                retried = false;
                let room = MAX_FILE_BYTES.saturating_sub(content.len());
                content
                    .extend_from_slice(payload.get(..payload.len().min(room)).unwrap_or_default());
                last_sent = ack(block).to_vec();
                socket.send_to(&last_sent, from).await?;
                if payload.len() < BLOCK || content.len() >= MAX_FILE_BYTES {
                    return Ok(TftpAnswer::File(content));
                }
                expected = expected.wrapping_add(1);
            }
            // A duplicate of an earlier block: our ACK was lost, send it again.
            Some(Packet::Data(block, _)) => {
                socket.send_to(&ack(block), from).await?;
            }
            None => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_request_layout() {
        assert_eq!(read_request("cfg.xml"), b"\x00\x01cfg.xml\x00octet\x00");
    }

    #[test]
    fn server_packets() {
        assert_eq!(parse(b"\x00\x03\x00\x01abc"), Some(Packet::Data(1, b"abc")));
        assert_eq!(
            parse(b"\x00\x05\x00\x01File not found\x00"),
            Some(Packet::Error("error 1: File not found".to_string()))
        );
        assert_eq!(parse(b"\x00\x04\x00\x01"), None);
        assert_eq!(parse(b"\x00\x03\x00"), None);
        assert_eq!(parse(b""), None);
        assert_eq!(ack(0x0102), [0, 4, 1, 2]);
    }
}

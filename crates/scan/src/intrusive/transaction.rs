//! Client transactions towards one host over the transport it answered on (RFC 3261 17.1,
//! 18): requests built with their own branch, matched to responses by branch and CSeq method;
//! requests the host sends back (a BYE from a phone that hangs up) are answered 200.
//!
//! * UDP: one socket per session, requests retransmitted on timer A/E.
//! * TCP and TLS: one connection per session carrying every dialog of the session and its
//!   CANCEL, ACK, BYE or unregistration; nothing retransmitted (RFC 3261 17.1.1.2: the
//!   transport is reliable); messages framed by Content-Length. A connection the host closes is
//!   opened again for the next request. TLS records the certificate and never trusts it
//!   ([`crate::tls`]): nothing the checks send needs protecting from the host itself.

use std::fmt::Write as _;
use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use thiserror::Error;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::sip::{Response, Transport, complete_message_len, uri_host, uri_hostport};
use crate::sweep::{Family, SweepError, open_family};
use crate::tls;

use super::Pacer;

/// RFC 3261 T2: non-INVITE retransmissions are capped at this interval.
const T2: Duration = Duration::from_secs(4);

/// The most a stream may hold of one message: a host sending more is not worth reading.
const MAX_MESSAGE: usize = 65_536;

/// Where the checks go: an address and port, and the transport it answered the sweep on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Peer {
    pub(crate) address: SocketAddr,
    pub(crate) transport: Transport,
}

/// A session that cannot start.
#[derive(Debug, Error)]
pub(crate) enum SessionError {
    /// No UDP socket.
    #[error(transparent)]
    Socket(#[from] SweepError),
    /// No TCP connection or TLS handshake.
    #[error("cannot connect to {target} over {transport}: {source}")]
    Connect {
        target: SocketAddr,
        transport: Transport,
        source: io::Error,
    },
}

/// The identity of one dialog attempt: Call-ID and From, kept for its CANCEL, ACK, BYE or
/// unregistration.
#[derive(Debug, Clone)]
pub(crate) struct Dialog {
    pub(crate) request_uri: String,
    pub(crate) from: String,
    pub(crate) to: String,
    pub(crate) call_id: String,
    pub(crate) contact: String,
}

/// One request on the wire.
#[derive(Debug, Clone)]
pub(crate) struct Request<'a> {
    pub(crate) method: &'a str,
    pub(crate) dialog: &'a Dialog,
    /// Request-URI when not the dialog's (an ACK or BYE after a 2xx goes to the remote Contact).
    pub(crate) uri: Option<&'a str>,
    pub(crate) branch: &'a str,
    pub(crate) cseq: u32,
    pub(crate) to_tag: Option<&'a str>,
    pub(crate) extra_headers: &'a [(&'a str, String)],
    pub(crate) body: Option<(&'a str, &'a str)>,
}

/// A TCP or TLS connection.
trait Connection: AsyncRead + AsyncWrite + Unpin + Send {}

impl<T: AsyncRead + AsyncWrite + Unpin + Send> Connection for T {}

/// How a session reaches its host.
enum Link {
    Datagram(Family),
    /// `connection` is `None` once the host closed it (the next request connects again);
    /// `pending` holds what was read but not yet framed into a message.
    Stream {
        connection: Option<Box<dyn Connection>>,
        pending: Vec<u8>,
    },
}

/// A session with one host: its socket or connection, local address and identity.
pub(crate) struct Session<'a> {
    link: Link,
    local: SocketAddr,
    pub(crate) target: SocketAddr,
    pub(crate) transport: Transport,
    user_agent: &'a str,
    t1: Duration,
    /// Connecting, the TLS handshake and a write each wait this long at most.
    io_timeout: Duration,
    pub(crate) pacer: &'a mut Pacer,
    buffer: Vec<u8>,
    /// Responses that arrived while another transaction was awaited (the INVITE's 487 before
    /// the CANCEL's 200): kept for when their transaction is awaited.
    stash: Vec<Response>,
}

/// Responses kept for later at most (the oldest go first: late answers to finished probes).
const STASH_LIMIT: usize = 32;

/// What a wait for responses ended with.
#[derive(Debug)]
pub(crate) enum Received {
    Response(Response),
    Timeout,
}

fn timed_out() -> io::Error {
    io::Error::new(io::ErrorKind::TimedOut, "timed out")
}

/// Connects to `target` over TCP, with a TLS handshake on top for TLS; and the local address.
async fn connect(
    target: SocketAddr,
    transport: Transport,
    timeout: Duration,
) -> io::Result<(Box<dyn Connection>, SocketAddr)> {
    let tcp = tokio::time::timeout(timeout, TcpStream::connect(target))
        .await
        .map_err(|_| timed_out())??;
    let local = tcp.local_addr()?;
    // Requests are small and each waits for its answer: nothing gains from holding them back.
    let _ = tcp.set_nodelay(true);
    if transport != Transport::Tls {
        return Ok((Box::new(tcp), local));
    }
    let (stream, info) = tokio::time::timeout(timeout, tls::handshake(tcp, target.ip()))
        .await
        .map_err(|_| timed_out())??;
    tracing::debug!(
        %target,
        protocol = %info.protocol,
        subject = info.leaf().map(|leaf| leaf.subject.as_str()).unwrap_or_default(),
        "TLS for the intrusive checks (certificate recorded, not trusted)"
    );
    Ok((Box::new(stream), local))
}

/// Writes all of `bytes` within `timeout`.
async fn write_all(
    stream: &mut Box<dyn Connection>,
    bytes: &[u8],
    timeout: Duration,
) -> io::Result<()> {
    tokio::time::timeout(timeout, async {
        stream.write_all(bytes).await?;
        stream.flush().await
    })
    .await
    .map_err(|_| timed_out())?
}

impl<'a> Session<'a> {
    /// Opens a session with `peer`: a UDP socket, or a connection (and TLS handshake) within
    /// `io_timeout`.
    pub(crate) async fn open(
        peer: Peer,
        user_agent: &'a str,
        (t1, io_timeout): (Duration, Duration),
        pacer: &'a mut Pacer,
    ) -> Result<Self, SessionError> {
        let (link, local) = match peer.transport {
            Transport::Udp => {
                let family = open_family(peer.address.ip())?;
                let local = family.local;
                (Link::Datagram(family), local)
            }
            Transport::Tcp | Transport::Tls => {
                let (connection, local) = connect(peer.address, peer.transport, io_timeout)
                    .await
                    .map_err(|source| SessionError::Connect {
                    target: peer.address,
                    transport: peer.transport,
                    source,
                })?;
                let link = Link::Stream {
                    connection: Some(connection),
                    pending: Vec::new(),
                };
                (link, local)
            }
        };
        Ok(Self {
            link,
            local,
            target: peer.address,
            transport: peer.transport,
            user_agent,
            t1,
            io_timeout,
            pacer,
            buffer: vec![0_u8; MAX_MESSAGE],
            stash: Vec::new(),
        })
    }

    /// The scanner's address towards the target.
    pub(crate) fn local_ip(&self) -> std::net::IpAddr {
        self.local.ip()
    }

    /// The scanner's host, bracketed for IPv6.
    pub(crate) fn local_host(&self) -> String {
        uri_host(self.local.ip())
    }

    /// A Contact for `user` at the scanner, naming the transport it is reached over.
    pub(crate) fn contact(&self, user: &str) -> String {
        let transport = match self.transport {
            Transport::Udp => "",
            Transport::Tcp => ";transport=tcp",
            Transport::Tls => ";transport=tls",
        };
        format!("<sip:{user}@{}{transport}>", uri_hostport(self.local))
    }

    /// The target's `host:port`, bracketed for IPv6.
    pub(crate) fn target_hostport(&self) -> String {
        uri_hostport(self.target)
    }

    /// True when the host closed the connection, so nothing more can arrive on it.
    fn closed(&self) -> bool {
        matches!(
            self.link,
            Link::Stream {
                connection: None,
                ..
            }
        )
    }

    pub(crate) fn render(&self, request: &Request<'_>) -> String {
        let dialog = request.dialog;
        let mut out = String::with_capacity(768);
        let to = match request.to_tag {
            Some(tag) => format!("{};tag={tag}", dialog.to),
            None => dialog.to.clone(),
        };
        let user_agent: String = self
            .user_agent
            .chars()
            .filter(|c| !c.is_control())
            .collect();
        // Writing to a String cannot fail.
        let _ = write!(
            out,
            "{method} {uri} SIP/2.0\r\n\
             Via: SIP/2.0/{via} {local};branch={branch};rport\r\n\
             Max-Forwards: 70\r\n\
             From: {from}\r\n\
             To: {to}\r\n\
             Call-ID: {call_id}\r\n\
             CSeq: {cseq} {method}\r\n\
             Contact: {contact}\r\n\
             User-Agent: {user_agent}\r\n",
            method = request.method,
            uri = request.uri.unwrap_or(&dialog.request_uri),
            via = self.transport.via_token(),
            local = uri_hostport(self.local),
            branch = request.branch,
            from = dialog.from,
            call_id = dialog.call_id,
            cseq = request.cseq,
            contact = dialog.contact,
        );
        for (name, value) in request.extra_headers {
            let _ = write!(out, "{name}: {value}\r\n");
        }
        match request.body {
            Some((content_type, body)) => {
                let _ = write!(
                    out,
                    "Content-Type: {content_type}\r\nContent-Length: {}\r\n\r\n{body}",
                    body.len()
                );
            }
            None => out.push_str("Content-Length: 0\r\n\r\n"),
        }
        out
    }

    /// Renders `request` and sends it, without waiting for an answer (an ACK). A connection
    /// the host closed is opened again first, so the Via names the port the request leaves
    /// from. Returns the text, for retransmissions.
    pub(crate) async fn send_request(&mut self, request: &Request<'_>) -> String {
        self.reconnect_if_closed().await;
        let text = self.render(request);
        self.send(&text).await;
        text
    }

    async fn reconnect_if_closed(&mut self) {
        if !self.closed() {
            return;
        }
        let (target, transport) = (self.target, self.transport);
        tracing::info!(%target, %transport, "the host closed the connection: connecting again");
        match connect(target, transport, self.io_timeout).await {
            Ok((fresh, local)) => {
                self.link = Link::Stream {
                    connection: Some(fresh),
                    pending: Vec::new(),
                };
                self.local = local;
            }
            Err(err) => tracing::warn!(%target, %transport, "cannot connect again: {err}"),
        }
    }

    /// Sends one message to the target; a send error counts as silence (the caller sees a
    /// timeout), and a connection that failed is dropped.
    async fn send(&mut self, text: &str) {
        let sent = match &mut self.link {
            Link::Datagram(family) => family
                .socket
                .send_to(text.as_bytes(), self.target)
                .await
                .map(drop),
            Link::Stream {
                connection: Some(stream),
                ..
            } => write_all(stream, text.as_bytes(), self.io_timeout).await,
            Link::Stream {
                connection: None, ..
            } => Err(io::Error::from(io::ErrorKind::NotConnected)),
        };
        if let Err(err) = sent {
            tracing::warn!(target = %self.target, transport = %self.transport, "cannot send: {err}");
            if let Link::Stream { connection, .. } = &mut self.link {
                *connection = None;
            }
        }
    }

    /// Sends `request` as a new client transaction and waits for its final response,
    /// retransmitting over UDP on timer A (INVITE: until a provisional arrives) or E (others: up
    /// to T2) and handing every provisional response to `on_provisional`. `paced` requests wait
    /// for the per-host rate; cleanup requests do not.
    pub(crate) async fn transaction(
        &mut self,
        request: &Request<'_>,
        paced: bool,
        timeout: Duration,
        mut on_provisional: impl FnMut(&Response) -> bool,
    ) -> Option<Response> {
        if paced {
            self.pacer.wait().await;
        }
        let text = self.send_request(request).await;
        let invite = request.method == "INVITE";
        let deadline = Instant::now() + timeout;
        let mut interval = self.t1;
        let reliable = matches!(self.link, Link::Stream { .. });
        let mut next_retransmit = (!reliable).then(|| Instant::now() + interval);
        loop {
            let wake = next_retransmit.map_or(deadline, |at| at.min(deadline));
            match self
                .receive_until(wake, request.branch, request.method)
                .await
            {
                Received::Response(response) if response.status >= 200 => return Some(response),
                Received::Response(response) => {
                    if invite {
                        next_retransmit = None;
                    }
                    if on_provisional(&response) {
                        return Some(response);
                    }
                }
                Received::Timeout => {
                    let now = Instant::now();
                    if now >= deadline || self.closed() {
                        return None;
                    }
                    if next_retransmit.is_some_and(|at| at <= now) {
                        if paced {
                            self.pacer.wait().await;
                        }
                        tracing::debug!(target = %self.target, method = request.method, "retransmission");
                        self.send(&text).await;
                        interval = if invite {
                            interval.saturating_mul(2)
                        } else {
                            interval.saturating_mul(2).min(T2)
                        };
                        next_retransmit = Some(Instant::now() + interval);
                    }
                }
            }
        }
    }

    /// The next response of transaction `branch`/`method` before `deadline`, answering any
    /// request the host sends meanwhile and dropping anything else. A closed connection ends
    /// the wait at once.
    pub(crate) async fn receive_until(
        &mut self,
        deadline: Instant,
        branch: &str,
        method: &str,
    ) -> Received {
        if let Some(at) = self
            .stash
            .iter()
            .position(|response| belongs_to(response, branch, method))
        {
            return Received::Response(self.stash.remove(at));
        }
        loop {
            let Some((bytes, from)) = self.next_message(deadline).await else {
                return Received::Timeout;
            };
            if let Ok(response) = Response::parse(&bytes) {
                if belongs_to(&response, branch, method) {
                    return Received::Response(response);
                }
                if self.stash.len() >= STASH_LIMIT {
                    self.stash.remove(0);
                }
                self.stash.push(response);
                continue;
            }
            if let Some(reply) = answer_request(&bytes) {
                tracing::info!(target = %self.target, "the host sent a request; answered 200");
                self.reply(reply.as_bytes(), from).await;
            }
        }
    }

    /// Answers a request the host sent: over UDP to where it came from, else on the connection.
    async fn reply(&mut self, reply: &[u8], from: SocketAddr) {
        let answered = match &mut self.link {
            Link::Datagram(family) => family.socket.send_to(reply, from).await.map(drop),
            Link::Stream {
                connection: Some(stream),
                ..
            } => write_all(stream, reply, self.io_timeout).await,
            Link::Stream {
                connection: None, ..
            } => Ok(()),
        };
        if let Err(err) = answered {
            tracing::warn!(target = %self.target, "cannot answer: {err}");
        }
    }

    /// One whole message and where it came from; `None` at `deadline`, or at once when the
    /// host closed the connection.
    async fn next_message(&mut self, deadline: Instant) -> Option<(Vec<u8>, SocketAddr)> {
        let target = self.target;
        let buffer = &mut self.buffer;
        match &mut self.link {
            Link::Datagram(family) => loop {
                match tokio::time::timeout_at(deadline.into(), family.socket.recv_from(buffer))
                    .await
                {
                    Err(_) => return None,
                    // ICMP errors surface as receive errors; keep waiting.
                    Ok(Err(_)) => continue,
                    Ok(Ok((len, from))) => {
                        return Some((buffer.get(..len).unwrap_or_default().to_vec(), from));
                    }
                }
            },
            Link::Stream {
                connection,
                pending,
            } => loop {
                // RFC 5626 keep-alives (bare CRLFs) may sit between messages.
                let start = pending
                    .iter()
                    .position(|&b| b != b'\r' && b != b'\n')
                    .unwrap_or(pending.len());
                pending.drain(..start);
                if let Some(len) = complete_message_len(pending) {
                    return Some((pending.drain(..len).collect(), target));
                }
                let stream = connection.as_mut()?;
                let read = tokio::time::timeout_at(deadline.into(), stream.read(buffer)).await;
                let ended = match read {
                    Err(_) => return None,
                    Ok(Ok(0)) => "the host closed the connection".to_string(),
                    Ok(Ok(len)) if pending.len() + len > MAX_MESSAGE => {
                        format!("more than {MAX_MESSAGE} bytes without a whole message")
                    }
                    Ok(Ok(len)) => {
                        pending.extend_from_slice(buffer.get(..len).unwrap_or_default());
                        continue;
                    }
                    Ok(Err(err)) => err.to_string(),
                };
                tracing::info!(%target, "connection ended: {ended}");
                *connection = None;
                pending.clear();
                return None;
            },
        }
    }
}

/// True when `response` answers the transaction `branch` (top Via) with CSeq `method`.
fn belongs_to(response: &Response, branch: &str, method: &str) -> bool {
    let via_branch = response.header("via").and_then(|via| {
        via.split(';').find_map(|param| {
            let (name, value) = param.split_once('=')?;
            name.trim()
                .eq_ignore_ascii_case("branch")
                .then_some(value.trim())
        })
    });
    let cseq_method = response
        .header("cseq")
        .and_then(|cseq| cseq.split_whitespace().nth(1));
    via_branch == Some(branch) && cseq_method.is_some_and(|m| m.eq_ignore_ascii_case(method))
}

/// A 200 OK for a request the host sent us (a BYE when the phone hangs up first, an OPTIONS
/// keep-alive), echoing Via, From, To, Call-ID and CSeq; `None` for anything else (an ACK needs
/// no answer, garbage none either).
fn answer_request(bytes: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(bytes);
    let mut lines = text.split('\n').map(|line| line.trim_end_matches('\r'));
    let request_line = lines.next()?;
    let mut words = request_line.split(' ');
    let method = words.next()?;
    if !words
        .nth(1)
        .is_some_and(|v| v.eq_ignore_ascii_case("SIP/2.0"))
        || method == "ACK"
    {
        return None;
    }
    let mut reply = String::from("SIP/2.0 200 OK\r\n");
    for line in lines.take_while(|line| !line.is_empty()) {
        let Some((name, _)) = line.split_once(':') else {
            continue;
        };
        let name = name.trim().to_ascii_lowercase();
        if matches!(
            name.as_str(),
            "via" | "v" | "from" | "f" | "to" | "t" | "call-id" | "i" | "cseq"
        ) {
            reply.push_str(line);
            reply.push_str("\r\n");
        }
    }
    reply.push_str("Content-Length: 0\r\n\r\n");
    Some(reply)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn responses_match_their_transaction_only() {
        let response = Response::parse(
            b"SIP/2.0 487 Request Terminated\r\nVia: SIP/2.0/UDP 127.0.0.1:4000;branch=z9hG4bKa;rport=4000\r\nCSeq: 1 INVITE\r\n\r\n",
        )
        .unwrap_or_else(|err| panic!("{err}"));
        assert!(belongs_to(&response, "z9hG4bKa", "INVITE"));
        assert!(!belongs_to(&response, "z9hG4bKa", "CANCEL"));
        assert!(!belongs_to(&response, "z9hG4bKb", "INVITE"));
    }

    #[test]
    fn a_bye_from_the_host_is_answered_and_an_ack_is_not() {
        let bye = "BYE sip:voipguard@127.0.0.1:4000 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.21:5070;branch=z9hG4bKx\r\nFrom: <sip:p@127.0.0.21>;tag=p\r\nTo: <sip:voipguard@127.0.0.1>;tag=v\r\nCall-ID: c\r\nCSeq: 7 BYE\r\nMax-Forwards: 70\r\n\r\n";
        let reply = answer_request(bye.as_bytes()).unwrap_or_default();
        assert!(
            reply.starts_with(
                "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.21:5070;branch=z9hG4bKx\r\n"
            ),
            "{reply}"
        );
        assert!(reply.contains("CSeq: 7 BYE\r\n"), "{reply}");
        assert!(!reply.contains("Max-Forwards"), "{reply}");
        assert_eq!(answer_request(b"ACK sip:x SIP/2.0\r\n\r\n"), None);
        assert_eq!(answer_request(b"\xff\xfe"), None);
    }
}

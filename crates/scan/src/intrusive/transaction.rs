//! Client transactions over one UDP socket towards one host (RFC 3261 17.1): requests built
//! with their own branch, retransmitted on timer A/E, matched to responses by branch and CSeq
//! method; requests the host sends back (a BYE from a phone that hangs up) are answered 200.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use crate::sip::{Response, uri_host, uri_hostport};
use crate::sweep::{Family, SweepError, open_family};

use super::Pacer;

/// RFC 3261 T2: non-INVITE retransmissions are capped at this interval.
const T2: Duration = Duration::from_secs(4);

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

/// A session with one host: its socket, local address and identity.
pub(crate) struct Session<'a> {
    family: Family,
    pub(crate) target: SocketAddr,
    pub(crate) user_agent: &'a str,
    pub(crate) t1: Duration,
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

impl<'a> Session<'a> {
    pub(crate) fn open(
        target: SocketAddr,
        user_agent: &'a str,
        t1: Duration,
        pacer: &'a mut Pacer,
    ) -> Result<Self, SweepError> {
        Ok(Self {
            family: open_family(target.ip())?,
            target,
            user_agent,
            t1,
            pacer,
            buffer: vec![0_u8; 65_536],
            stash: Vec::new(),
        })
    }

    /// `host:port` of the scanner, bracketed for IPv6.
    pub(crate) fn local_hostport(&self) -> String {
        uri_hostport(self.family.local)
    }

    /// The scanner's address towards the target.
    pub(crate) fn local_ip(&self) -> std::net::IpAddr {
        self.family.local.ip()
    }

    /// The scanner's host, bracketed for IPv6.
    pub(crate) fn local_host(&self) -> String {
        uri_host(self.family.local.ip())
    }

    /// The target's `host:port`, bracketed for IPv6.
    pub(crate) fn target_hostport(&self) -> String {
        uri_hostport(self.target)
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
             Via: SIP/2.0/UDP {local};branch={branch};rport\r\n\
             Max-Forwards: 70\r\n\
             From: {from}\r\n\
             To: {to}\r\n\
             Call-ID: {call_id}\r\n\
             CSeq: {cseq} {method}\r\n\
             Contact: {contact}\r\n\
             User-Agent: {user_agent}\r\n",
            method = request.method,
            uri = request.uri.unwrap_or(&dialog.request_uri),
            local = self.local_hostport(),
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

    /// Sends one datagram; a send error counts as silence (the caller sees a timeout).
    pub(crate) async fn send(&self, text: &str) {
        if let Err(err) = self
            .family
            .socket
            .send_to(text.as_bytes(), self.target)
            .await
        {
            tracing::warn!(target = %self.target, "cannot send: {err}");
        }
    }

    /// Sends `request` as a new client transaction and waits for its final response,
    /// retransmitting on timer A (INVITE: until a provisional arrives) or E (others: up to T2)
    /// and handing every provisional response to `on_provisional`. `paced` requests wait for
    /// the per-host rate; cleanup requests do not.
    pub(crate) async fn transaction(
        &mut self,
        request: &Request<'_>,
        paced: bool,
        timeout: Duration,
        mut on_provisional: impl FnMut(&Response) -> bool,
    ) -> Option<Response> {
        let text = self.render(request);
        if paced {
            self.pacer.wait().await;
        }
        self.send(&text).await;
        let invite = request.method == "INVITE";
        let deadline = Instant::now() + timeout;
        let mut interval = self.t1;
        let mut next_retransmit = Some(Instant::now() + interval);
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
                    if now >= deadline {
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
    /// request the host sends meanwhile and dropping anything else.
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
            let received = tokio::time::timeout_at(
                deadline.into(),
                self.family.socket.recv_from(&mut self.buffer),
            )
            .await;
            let (len, from) = match received {
                Err(_) => return Received::Timeout,
                // ICMP errors surface as receive errors; keep waiting.
                Ok(Err(_)) => continue,
                Ok(Ok(got)) => got,
            };
            let bytes = self.buffer.get(..len).unwrap_or_default().to_vec();
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
                if let Err(err) = self.family.socket.send_to(reply.as_bytes(), from).await {
                    tracing::warn!(target = %self.target, "cannot answer: {err}");
                }
            }
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

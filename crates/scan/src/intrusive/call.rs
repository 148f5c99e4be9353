//! A test call straight to a host's address: does a phone ring for a stranger (direct-IP
//! calls, GS-DIRECT-IP), or for `Anonymous` (GS-ANON-REJECT)?
//!
//! The INVITE offers audio on the discard port 9, so no media flows. Whatever happens, the
//! call is ended: ringing (180/183, or only 100 Trying until `ring_timeout`) → CANCEL at once
//! and ACK the final answer (487); answered (2xx, also when it races the CANCEL) → ACK, then
//! BYE; rejected (3xx–6xx) → ACK in the same transaction (RFC 3261 17.1.1.3). Every request
//! goes to the address checked, never to a Contact the host names.

use std::net::IpAddr;

use serde::Serialize;

use crate::sip::{Response, uri_host};

use super::transaction::{Dialog, Peer, Received, Request, Session, SessionError};
use super::{Answer, IntrusiveConfig, Pacer, token};

/// How a test call went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum CallOutcome {
    /// The host answered the call (2xx).
    Answered {
        /// The answer.
        answer: Answer,
    },
    /// The host rang (180/183 or another progress answer) and was cancelled.
    Rang {
        /// The progress answer.
        ringing: Answer,
    },
    /// The host refused the call (3xx–6xx).
    Rejected {
        /// The refusal.
        answer: Answer,
    },
    /// Only 100 Trying, then nothing until the ring timeout: cancelled, undecided.
    Trying,
    /// No answer at all.
    Silent,
}

/// The result of one test call.
#[derive(Debug, Clone, Serialize)]
pub struct CallTest {
    /// From `Anonymous` (the `anonymous` check) or from the scanner (`direct-ip`).
    pub anonymous: bool,
    /// The Request-URI called.
    pub request_uri: String,
    /// How it went.
    pub outcome: CallOutcome,
    /// What was sent to end the call and what the host answered.
    pub cleanup: Vec<String>,
}

fn sdp(local: IpAddr) -> String {
    let (family, address) = match local {
        IpAddr::V4(v4) => ("IP4", v4.to_string()),
        IpAddr::V6(v6) => ("IP6", v6.to_string()),
    };
    let session = fastrand::u32(..);
    format!(
        "v=0\r\no=voipguard {session} 1 IN {family} {address}\r\ns=voipguard call test\r\n\
         c=IN {family} {address}\r\nt=0 0\r\nm=audio 9 RTP/AVP 0 8\r\n\
         a=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=sendrecv\r\n"
    )
}

/// The URI of a Contact header value (`<sip:a@b;transport=udp>;expires=1` → `sip:a@b;…`).
fn contact_uri(value: &str) -> Option<&str> {
    match value.split_once('<') {
        Some((_, rest)) => rest.split('>').next(),
        None => value.split(';').next().map(str::trim),
    }
    .filter(|uri| !uri.is_empty())
}

/// Calls `target` once and ends the call, whatever it did.
pub(crate) async fn test_call(
    peer: Peer,
    anonymous: bool,
    config: &IntrusiveConfig,
    pacer: &mut Pacer,
) -> Result<CallTest, SessionError> {
    let target = peer.address;
    let mut session =
        Session::open(peer, &config.user_agent, (config.t1, config.timeout), pacer).await?;
    let id = token();
    let host = uri_host(target.ip());
    let from = if anonymous {
        format!("\"Anonymous\" <sip:anonymous@anonymous.invalid>;tag=vg{id}")
    } else {
        format!("<sip:voipguard@{}>;tag=vg{id}", session.local_host())
    };
    let dialog = Dialog {
        request_uri: format!("sip:{}@{}", config.callee, session.target_hostport()),
        from,
        to: format!("<sip:{}@{host}>", config.callee),
        call_id: format!("vg{id}@voipguard"),
        contact: session.contact("voipguard"),
    };
    let branch = format!("z9hG4bKvg{id}");
    let body = sdp(session.local_ip());
    let invite = Request {
        method: "INVITE",
        dialog: &dialog,
        uri: None,
        branch: &branch,
        cseq: 1,
        to_tag: None,
        extra_headers: &[],
        body: Some(("application/sdp", &body)),
    };
    let kind = if anonymous { "anonymous" } else { "direct-ip" };
    tracing::info!(%target, transport = %peer.transport, check = kind, uri = %dialog.request_uri, "test INVITE");
    let mut trying = false;
    let answered = session
        .transaction(&invite, true, config.ring_timeout, |response| {
            trying |= response.status == 100;
            response.status > 100
        })
        .await;
    let mut cleanup = Vec::new();
    let outcome = match answered {
        None if !trying => CallOutcome::Silent,
        None => {
            cleanup.extend(cancel(&mut session, &invite, config).await);
            CallOutcome::Trying
        }
        Some(response) if response.status < 200 => {
            cleanup.extend(cancel(&mut session, &invite, config).await);
            CallOutcome::Rang {
                ringing: Answer::of(&response),
            }
        }
        Some(response) if response.status < 300 => {
            cleanup.extend(hang_up(&mut session, &dialog, &response, config).await);
            CallOutcome::Answered {
                answer: Answer::of(&response),
            }
        }
        Some(response) => {
            cleanup.push(ack_failure(&mut session, &invite, &response).await);
            CallOutcome::Rejected {
                answer: Answer::of(&response),
            }
        }
    };
    tracing::info!(%target, check = kind, outcome = ?outcome, cleanup = ?cleanup, "test call done");
    Ok(CallTest {
        anonymous,
        request_uri: dialog.request_uri.clone(),
        outcome,
        cleanup,
    })
}

/// ACK for a non-2xx final answer: same branch and Request-URI as the INVITE, the answer's
/// To-tag (RFC 3261 17.1.1.3).
async fn ack_failure(
    session: &mut Session<'_>,
    invite: &Request<'_>,
    response: &Response,
) -> String {
    let ack = Request {
        method: "ACK",
        to_tag: response.to_tag(),
        extra_headers: &[],
        body: None,
        ..invite.clone()
    };
    session.send_request(&ack).await;
    tracing::info!(target = %session.target, status = response.status, "ACK sent for the final answer");
    format!("ACK for {} {}", response.status, response.reason)
}

/// CANCELs a pending INVITE, then ends the call however the INVITE finished.
async fn cancel(
    session: &mut Session<'_>,
    invite: &Request<'_>,
    config: &IntrusiveConfig,
) -> Vec<String> {
    let cancel = Request {
        method: "CANCEL",
        to_tag: None,
        extra_headers: &[],
        body: None,
        ..invite.clone()
    };
    tracing::info!(target = %session.target, "the call is pending: CANCEL");
    let mut done = vec![match session
        .transaction(&cancel, false, config.timeout, |_| false)
        .await
    {
        Some(response) => format!("CANCEL answered {} {}", response.status, response.reason),
        None => "CANCEL got no answer".to_string(),
    }];
    let deadline = std::time::Instant::now() + config.timeout;
    let final_answer = loop {
        match session
            .receive_until(deadline, invite.branch, "INVITE")
            .await
        {
            Received::Response(response) if response.status >= 200 => break Some(response),
            Received::Response(_) => {}
            Received::Timeout => break None,
        }
    };
    match final_answer {
        Some(response) if response.status < 300 => {
            // The phone answered before the CANCEL reached it: the call is up, end it.
            done.push(format!(
                "INVITE answered {} {} despite the CANCEL",
                response.status, response.reason
            ));
            done.extend(hang_up(session, invite.dialog, &response, config).await);
        }
        Some(response) => done.push(ack_failure(session, invite, &response).await),
        None => done.push("no final answer to the INVITE after the CANCEL".to_string()),
    }
    done
}

/// ACKs a 2xx and ends the call with BYE, both to the checked address with the remote
/// Contact as Request-URI.
async fn hang_up(
    session: &mut Session<'_>,
    dialog: &Dialog,
    answer: &Response,
    config: &IntrusiveConfig,
) -> Vec<String> {
    let remote = answer
        .header("contact")
        .and_then(contact_uri)
        .unwrap_or(&dialog.request_uri)
        .to_string();
    let ack_branch = format!("z9hG4bKvg{}", token());
    let ack = Request {
        method: "ACK",
        dialog,
        uri: Some(&remote),
        branch: &ack_branch,
        cseq: 1,
        to_tag: answer.to_tag(),
        extra_headers: &[],
        body: None,
    };
    session.send_request(&ack).await;
    tracing::info!(target = %session.target, "the call was answered: ACK, then BYE");
    let bye_branch = format!("z9hG4bKvg{}", token());
    let bye = Request {
        method: "BYE",
        branch: &bye_branch,
        cseq: 2,
        ..ack
    };
    let bye_result = match session
        .transaction(&bye, false, config.timeout, |_| false)
        .await
    {
        Some(response) => format!("BYE answered {} {}", response.status, response.reason),
        None => "BYE got no answer".to_string(),
    };
    vec![
        format!("ACK for {} {}", answer.status, answer.reason),
        bye_result,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contact_uris() {
        assert_eq!(
            contact_uri("\"P\" <sip:phone@127.0.0.21:5070;transport=udp>;expires=60"),
            Some("sip:phone@127.0.0.21:5070;transport=udp")
        );
        assert_eq!(contact_uri("sip:p@h;expires=1"), Some("sip:p@h"));
        assert_eq!(contact_uri("<>"), None);
    }

    #[test]
    fn the_offer_names_the_discard_port_and_brackets_nothing() {
        let offer = sdp(IpAddr::from([127, 0, 0, 1]));
        assert!(offer.contains("c=IN IP4 127.0.0.1\r\n"), "{offer}");
        assert!(offer.contains("m=audio 9 RTP/AVP 0 8\r\n"), "{offer}");
        let v6 = sdp("::1".parse().unwrap_or(IpAddr::from([0, 0, 0, 0])));
        assert!(v6.contains("c=IN IP6 ::1\r\n"), "{v6}");
    }
}

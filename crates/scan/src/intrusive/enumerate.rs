//! Extension enumeration the way an attacker does it, to learn whether it works: a REGISTER
//! for a random user nobody could have (the "no such user" answer), then one per likely
//! extension, then a second random one to see the baseline held for the whole run. An
//! extension whose answer differs (status, reason, challenge kind or realm, To-tag presence)
//! exists as far as anyone on the network can tell. A registrar that answers `405`/`501` to
//! REGISTER is asked with OPTIONS instead. A REGISTER that is accepted without authentication
//! left a binding behind; it is removed at once (same Call-ID and Contact, `Expires: 0`).

use serde::Serialize;

use crate::sip::uri_host;

use super::sip_auth::remove_binding;
use super::transaction::{Dialog, Peer, Request, Session, SessionError};
use super::{Answer, IntrusiveConfig, Pacer, token};

/// Seconds a REGISTER asks for: short, so a binding whose removal got lost lapses soon.
pub(super) const REGISTER_EXPIRES: u32 = 60;

/// What an enumeration concluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Some extensions were answered differently from random users.
    Enumerable,
    /// Every extension that answered was answered like a random user.
    Uniform,
    /// The host did not answer the first random user.
    NoAnswer,
    /// The answer to random users changed during the run, or only the random users were
    /// answered (rate limiting or a ban kicked in): no comparison holds.
    Unstable,
}

/// One extension answered differently from the random users.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Revealed {
    /// The extension.
    pub user: String,
    /// Its answer.
    pub answer: Answer,
}

/// The result of `enum` on one host.
#[derive(Debug, Clone, Serialize)]
pub struct Enumeration {
    /// `REGISTER`, or `OPTIONS` when REGISTER is not allowed.
    pub method: &'static str,
    /// The answer to the first random user.
    pub baseline: Option<Answer>,
    /// The answer to the second random user, after every extension.
    pub baseline_after: Option<Answer>,
    /// Extensions tried.
    pub tried: usize,
    /// Extensions answered differently from the baseline.
    pub revealed: Vec<Revealed>,
    /// Extensions that got no answer.
    pub silent: Vec<String>,
    /// Cleanup done or failed: bindings the registrar accepted and their removal.
    pub cleanup: Vec<String>,
    /// The conclusion.
    pub verdict: Verdict,
}

/// Enumerates `config.extensions` on `target`.
pub(crate) async fn enumerate(
    peer: Peer,
    config: &IntrusiveConfig,
    pacer: &mut Pacer,
) -> Result<Enumeration, SessionError> {
    let target = peer.address;
    let mut session =
        Session::open(peer, &config.user_agent, (config.t1, config.timeout), pacer).await?;
    let mut cleanup = Vec::new();
    let mut method = "REGISTER";
    let random_user = || format!("voipguard-nobody-{}", token());
    let mut baseline = ask(&mut session, method, &random_user(), config, &mut cleanup).await;
    if baseline
        .as_ref()
        .is_some_and(|answer| matches!(answer.status, 405 | 501))
    {
        method = "OPTIONS";
        baseline = ask(&mut session, method, &random_user(), config, &mut cleanup).await;
    }
    let Some(baseline) = baseline else {
        return Ok(Enumeration {
            method,
            baseline: None,
            baseline_after: None,
            tried: 0,
            revealed: Vec::new(),
            silent: Vec::new(),
            cleanup,
            verdict: Verdict::NoAnswer,
        });
    };
    let mut revealed = Vec::new();
    let mut silent = Vec::new();
    for user in &config.extensions {
        match ask(&mut session, method, user, config, &mut cleanup).await {
            Some(answer) if answer != baseline => revealed.push(Revealed {
                user: user.clone(),
                answer,
            }),
            Some(_) => {}
            None => silent.push(user.clone()),
        }
    }
    let baseline_after = ask(&mut session, method, &random_user(), config, &mut cleanup).await;
    let all_silent = !config.extensions.is_empty() && silent.len() == config.extensions.len();
    let verdict = if baseline_after.as_ref() != Some(&baseline) || all_silent {
        Verdict::Unstable
    } else if revealed.is_empty() {
        Verdict::Uniform
    } else {
        Verdict::Enumerable
    };
    tracing::info!(%target, method, tried = config.extensions.len(), revealed = revealed.len(), silent = silent.len(), ?verdict, "enumeration done");
    Ok(Enumeration {
        method,
        baseline: Some(baseline),
        baseline_after,
        tried: config.extensions.len(),
        revealed,
        silent,
        cleanup,
        verdict,
    })
}

/// Sends one REGISTER or OPTIONS for `user`; a REGISTER accepted with 2xx is unregistered
/// before anything else is sent.
async fn ask(
    session: &mut Session<'_>,
    method: &'static str,
    user: &str,
    config: &IntrusiveConfig,
    cleanup: &mut Vec<String>,
) -> Option<Answer> {
    let mut dialog = register_dialog(session, user);
    if method != "REGISTER" {
        dialog.request_uri = format!("sip:{user}@{}", session.target_hostport());
    }
    let expires = [("Expires", REGISTER_EXPIRES.to_string())];
    let branch = format!("z9hG4bKvg{}", token());
    let request = Request {
        method,
        dialog: &dialog,
        uri: None,
        branch: &branch,
        cseq: 1,
        to_tag: None,
        extra_headers: if method == "REGISTER" { &expires } else { &[] },
        body: None,
    };
    tracing::info!(target = %session.target, method, user, "enumeration probe");
    let response = session
        .transaction(&request, true, config.timeout, |_| false)
        .await?;
    let answer = Answer::of(&response);
    tracing::info!(target = %session.target, method, user, answer = %answer, "enumeration answer");
    if method == "REGISTER" && (200..300).contains(&response.status) {
        tracing::warn!(target = %session.target, user, "REGISTER accepted without authentication: removing the binding (Expires: 0)");
        let done = remove_binding(session, dialog, 1, user, config).await;
        cleanup.push(format!("{user}: registered without authentication; {done}"));
    }
    Some(answer)
}

/// A REGISTER dialog for `user` at the session's host: a fresh Call-ID and From-tag, the
/// scanner's own address as Contact.
pub(super) fn register_dialog(session: &Session<'_>, user: &str) -> Dialog {
    let host = uri_host(session.target.ip());
    let id = token();
    Dialog {
        request_uri: format!("sip:{}", session.target_hostport()),
        from: format!("<sip:{user}@{host}>;tag=vg{id}"),
        to: format!("<sip:{user}@{host}>"),
        call_id: format!("vg{id}@voipguard"),
        contact: session.contact(user),
    }
}

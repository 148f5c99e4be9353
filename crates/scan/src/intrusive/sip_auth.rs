//! `sip-auth`: do registration secrets resist a small dictionary (NET-WEAK-SIP-SECRET)? The
//! online attack svcrack and sippts `rcrack` run, made polite: per user, a REGISTER to obtain the
//! digest challenge, then one answer per candidate secret (values derived from the user name,
//! the built-in dictionary, the operator's lists), each paced and logged by number only ("try 3
//! of 40 for user 1001"). A user stops at the first secret that works, and the binding that
//! REGISTER made is removed at once with the same credentials (`Expires: 0`, same Call-ID and
//! Contact). `403`, `429` and `503` make the check wait (`Retry-After`, else a doubling
//! back-off); a host that keeps refusing or goes silent is left alone. No result carries a
//! secret: a guessed one is described ("same as the user name").
//!
//! The site's own SIP credentials (`[[scan.credentials]]`, `kind = "sip"`) name users to test;
//! their secrets are never sent. A site secret is judged offline instead, as the audit judges a
//! configured SIP secret ([`voipguard_checks::password::judge`] with the PBX policy), and a
//! candidate equal to it is left out of the guesses and reported as what it is.

use std::net::SocketAddr;
use std::time::Duration;

use serde::Serialize;

use voipguard_checks::password::{PBX_POLICY, judge};

use crate::credentials::CredentialKind;
use crate::sip::Response;

use super::credentials::{BuiltIn, Secret};
use super::digest::Challenge;
use super::enumerate::{REGISTER_EXPIRES, register_dialog};
use super::transaction::{Dialog, Peer, Request, Session, SessionError};
use super::{Answer, IntrusiveConfig, IntrusiveError, Pacer, token};

/// The longest wait a `Retry-After` is honoured with; a host asking for more is left alone.
const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// Back-offs in a row after which a host is left alone.
const MAX_BACKOFFS_IN_A_ROW: u32 = 3;

/// What kind of value a guessed secret is: all a report ever says about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Weakness {
    /// Same as the user name.
    SameAsUser,
    /// The user name reversed.
    UserReversed,
    /// The user name twice.
    UserTwice,
    /// The user name followed by `123`.
    UserThen123,
    /// Empty.
    Empty,
    /// A word of the built-in dictionary (factory defaults, what scanners try first).
    Dictionary,
    /// A word of the operator's list.
    SuppliedList,
}

impl std::fmt::Display for Weakness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::SameAsUser => "same as the user name",
            Self::UserReversed => "the user name reversed",
            Self::UserTwice => "the user name twice",
            Self::UserThen123 => "the user name followed by 123",
            Self::Empty => "empty",
            Self::Dictionary => "a dictionary word (a factory default or a scanner's first guess)",
            Self::SuppliedList => "a word of the supplied list",
        })
    }
}

/// How trying one user ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Trial {
    /// A candidate worked.
    Guessed {
        /// What kind of value it was.
        weakness: Weakness,
    },
    /// Every candidate was refused.
    Resisted,
    /// The REGISTER was not challenged, so there was nothing to guess (unknown user, refused,
    /// or accepted without authentication, then removed).
    NotChallenged {
        /// The answer.
        answer: Answer,
    },
    /// The run stopped before the candidates were through.
    Interrupted {
        /// Why.
        reason: String,
    },
    /// Not tried: the host had already been left alone.
    Untried,
}

/// One user's run.
#[derive(Debug, Clone, Serialize)]
pub struct UserTrial {
    /// The user (extension).
    pub user: String,
    /// Candidates answered.
    pub tries: usize,
    /// Candidates there were for this user.
    pub of: usize,
    /// How it ended.
    #[serde(flatten)]
    pub trial: Trial,
    /// The removal of the binding a guessed secret (or an unauthenticated REGISTER) made.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cleanup: Option<String>,
    /// The site's own secret for this user, judged offline, when the site file has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub site_secret: Option<SiteSecret>,
}

/// A secret the site file holds for a user, and the kind of candidate it equals, if any.
type SiteMatch<'c> = (&'c str, Option<Weakness>);

/// The offline judgement of the secret a site file holds for a user: never sent, never shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SiteSecret {
    /// True when it is weak (a candidate of the guesses, or failing the PBX password rules).
    pub weak: bool,
    /// Why, in words without the value.
    pub judgement: String,
}

impl SiteSecret {
    /// Judges the site's secrets for `user`; `guessed` holds what kind of candidate each one
    /// equals, if it equals one. `None` when the site holds no secret for the user.
    fn judge(user: &str, secrets: &[SiteMatch<'_>]) -> Option<Self> {
        let judged: Vec<(bool, String)> = secrets
            .iter()
            .map(|&(secret, guessed)| match guessed {
                Some(weakness) => (
                    true,
                    format!("{weakness}, one of the candidates (left out of the guesses)"),
                ),
                None => {
                    let judgement = judge(secret, &PBX_POLICY, &[user]);
                    (judgement.weak, judgement.description)
                }
            })
            .collect();
        let weak = judged.iter().any(|(weak, _)| *weak);
        let mut words: Vec<String> = judged
            .into_iter()
            .filter(|(one_weak, _)| *one_weak == weak)
            .map(|(_, words)| words)
            .collect();
        words.dedup();
        (!words.is_empty()).then(|| Self {
            weak,
            judgement: words.join("; "),
        })
    }
}

/// The result of `sip-auth` on one host.
#[derive(Debug, Clone, Serialize)]
pub struct SipAuth {
    /// Where the users came from: `given` (`--users`), `site` (the site file's SIP
    /// credentials), `given and site`, or `enum` (the extensions `enum` found).
    pub users_from: &'static str,
    /// Per user, in the order tried.
    pub users: Vec<UserTrial>,
    /// The digest the host asked for (`MD5, qop=auth`), from the first challenge.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    /// Words of the operator's lists among the candidates.
    pub supplied_words: usize,
    /// Why the host was left alone before every user was through.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped: Option<String>,
}

/// One secret to try and what kind of value it is.
#[derive(Debug, Clone)]
struct Candidate {
    secret: Secret,
    weakness: Weakness,
}

/// The candidates for `user`: derived ones first, then the built-in words, then the operator's,
/// each value once; none equal to a secret the site file holds for the user. The site's
/// secrets come back with the kind of candidate each equals, if any.
fn candidates<'c>(
    user: &str,
    config: &'c IntrusiveConfig,
) -> Result<(Vec<Candidate>, Vec<SiteMatch<'c>>), IntrusiveError> {
    let reversed: String = user.chars().rev().collect();
    let derived = [
        (user.to_string(), Weakness::SameAsUser),
        (reversed, Weakness::UserReversed),
        (user.repeat(2), Weakness::UserTwice),
        (format!("{user}123"), Weakness::UserThen123),
    ]
    .map(|(value, weakness)| Candidate {
        secret: Secret::new(value),
        weakness,
    });
    let built_in = BuiltIn::get()?.sip_words().iter().map(|word| Candidate {
        weakness: if word.expose().is_empty() {
            Weakness::Empty
        } else {
            Weakness::Dictionary
        },
        secret: word.clone(),
    });
    let supplied = config.wordlist.words().iter().map(|word| Candidate {
        secret: word.clone(),
        weakness: Weakness::SuppliedList,
    });
    let mut site: Vec<SiteMatch<'_>> = config
        .credentials
        .iter()
        .filter(|credential| credential.kind == CredentialKind::Sip && credential.user == user)
        .map(|credential| (credential.password.reveal(), None))
        .collect();
    let mut seen = std::collections::HashSet::new();
    let kept = derived
        .into_iter()
        .chain(built_in)
        .chain(supplied)
        .filter(|candidate| seen.insert(candidate.secret.expose().to_string()))
        .filter(|candidate| {
            let value = candidate.secret.expose();
            let mut is_site_secret = false;
            for (_, guessed) in site.iter_mut().filter(|(secret, _)| *secret == value) {
                guessed.get_or_insert(candidate.weakness);
                is_site_secret = true;
            }
            !is_site_secret
        })
        .collect();
    Ok((kept, site))
}

/// Waits politely after a refusal: `Retry-After` when the host sends one (up to
/// [`MAX_BACKOFF`]), else a wait that doubles from `config.backoff`.
struct Backoff {
    next: Duration,
    in_a_row: u32,
}

impl Backoff {
    fn new(config: &IntrusiveConfig) -> Self {
        Self {
            next: config.backoff,
            in_a_row: 0,
        }
    }

    /// Waits; `false` when the host asked for too long a wait or refused too often in a row.
    async fn wait(&mut self, target: SocketAddr, response: &Response) -> bool {
        self.in_a_row += 1;
        let asked = response
            .header("retry-after")
            .and_then(|value| value.split([';', ' ', '(']).next())
            .and_then(|seconds| seconds.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let wait = asked.unwrap_or(self.next);
        if self.in_a_row > MAX_BACKOFFS_IN_A_ROW || wait > MAX_BACKOFF {
            return false;
        }
        tracing::info!(%target, status = response.status, seconds = wait.as_secs_f64(), "the host refuses for now: backing off");
        tokio::time::sleep(wait).await;
        self.next = self.next.saturating_mul(2).min(MAX_BACKOFF);
        true
    }

    fn reset(&mut self, config: &IntrusiveConfig) {
        *self = Self::new(config);
    }
}

/// Runs `sip-auth` on `peer` for `users` (`users_from` says where they came from).
pub(crate) async fn crack(
    peer: Peer,
    users: &[String],
    users_from: &'static str,
    config: &IntrusiveConfig,
    pacer: &mut Pacer,
) -> Result<SipAuth, SessionError> {
    let target = peer.address;
    let mut session =
        Session::open(peer, &config.user_agent, (config.t1, config.timeout), pacer).await?;
    let mut result = SipAuth {
        users_from,
        users: Vec::new(),
        digest: None,
        supplied_words: config.wordlist.len(),
        stopped: None,
    };
    let mut backoff = Backoff::new(config);
    for user in users {
        let (candidates, site_secrets) = match candidates(user, config) {
            Ok(found) => found,
            Err(err) => {
                result.stopped = Some(err.to_string());
                (Vec::new(), Vec::new())
            }
        };
        let site_secret = SiteSecret::judge(user, &site_secrets);
        if result.stopped.is_some() {
            result.users.push(UserTrial {
                user: user.clone(),
                tries: 0,
                of: 0,
                trial: Trial::Untried,
                cleanup: None,
                site_secret,
            });
            continue;
        }
        let dialog = register_dialog(&session, user);
        let mut run = UserRun {
            session: &mut session,
            user,
            dialog,
            cseq: 0,
            config,
            backoff: &mut backoff,
        };
        let (trial, cleanup, stop) = run.guess(&candidates, &mut result.digest).await;
        tracing::info!(%target, user, tries = trial.tries, of = candidates.len(), outcome = ?trial.trial, "sip-auth user done");
        result.users.push(UserTrial {
            user: user.clone(),
            tries: trial.tries,
            of: candidates.len(),
            trial: trial.trial,
            cleanup,
            site_secret,
        });
        result.stopped = stop;
    }
    Ok(result)
}

/// What [`UserRun::guess`] counted.
struct Counted {
    tries: usize,
    trial: Trial,
}

/// One user's REGISTER dialog.
struct UserRun<'s, 'a> {
    session: &'s mut Session<'a>,
    user: &'s str,
    dialog: Dialog,
    cseq: u32,
    config: &'s IntrusiveConfig,
    backoff: &'s mut Backoff,
}

/// Credentials for one REGISTER: the challenge answered, the header it goes in, the answers
/// already given with its nonce.
struct Credentials {
    challenge: Challenge,
    header: &'static str,
    used: u32,
}

impl Credentials {
    fn of(response: &Response) -> Option<Self> {
        let (values, header): (Vec<&str>, _) = match response.status {
            401 => (
                response.header_values("www-authenticate").collect(),
                "Authorization",
            ),
            407 => (
                response.header_values("proxy-authenticate").collect(),
                "Proxy-Authorization",
            ),
            _ => return None,
        };
        Some(Self {
            challenge: Challenge::best(values)?,
            header,
            used: 0,
        })
    }

    /// Takes a new challenge, keeping the count when the nonce is the same one.
    fn renew(&mut self, next: Self) {
        let used = if next.challenge.same_nonce(&self.challenge) {
            self.used
        } else {
            0
        };
        *self = Self { used, ..next };
    }
}

/// What one REGISTER got.
enum Sent {
    Answered(Response),
    Silent,
}

impl UserRun<'_, '_> {
    /// Sends a REGISTER of this dialog (`expires` seconds), answering `credentials` with
    /// `secret` when given; `paced` as every try is, cleanup is not.
    async fn register(
        &mut self,
        expires: u32,
        auth: Option<(&mut Credentials, &Secret)>,
        paced: bool,
    ) -> Sent {
        self.cseq += 1;
        let mut headers = vec![("Expires", expires.to_string())];
        if let Some((credentials, secret)) = auth {
            credentials.used += 1;
            headers.push((
                credentials.header,
                credentials.challenge.answer(
                    "REGISTER",
                    &self.dialog.request_uri,
                    self.user,
                    secret.expose(),
                    credentials.used,
                ),
            ));
        }
        let branch = format!("z9hG4bKvg{}", token());
        let request = Request {
            method: "REGISTER",
            dialog: &self.dialog,
            uri: None,
            branch: &branch,
            cseq: self.cseq,
            to_tag: None,
            extra_headers: &headers,
            body: None,
        };
        match self
            .session
            .transaction(&request, paced, self.config.timeout, |_| false)
            .await
        {
            Some(response) => Sent::Answered(response),
            None => Sent::Silent,
        }
    }

    /// A fresh challenge (an unauthenticated REGISTER), waiting out refusals; `Err` ends the
    /// user with the trial it gives, and says whether the host is to be left alone.
    async fn challenge(&mut self) -> Result<Credentials, (Trial, Option<String>, bool)> {
        loop {
            let response = match self.register(REGISTER_EXPIRES, None, true).await {
                Sent::Answered(response) => response,
                Sent::Silent => {
                    return Err((
                        interrupted("no answer to a REGISTER: the host went silent (a ban?)"),
                        None,
                        true,
                    ));
                }
            };
            if let Some(credentials) = Credentials::of(&response) {
                self.backoff.reset(self.config);
                return Ok(credentials);
            }
            let answer = Answer::of(&response);
            match response.status {
                200..=299 => {
                    let done = self.unregister(None).await;
                    let cleanup =
                        format!("{}: registered without authentication; {done}", self.user);
                    return Err((Trial::NotChallenged { answer }, Some(cleanup), false));
                }
                403 | 429 | 503 => {
                    if !self.backoff.wait(self.session.target, &response).await {
                        return Err((
                            interrupted(&format!("the host keeps refusing ({answer})")),
                            None,
                            true,
                        ));
                    }
                }
                _ => return Err((Trial::NotChallenged { answer }, None, false)),
            }
        }
    }

    /// Tries `candidates` in order; returns the user's trial, the cleanup done, and why the
    /// host is to be left alone, if it is.
    async fn guess(
        &mut self,
        candidates: &[Candidate],
        digest: &mut Option<String>,
    ) -> (Counted, Option<String>, Option<String>) {
        let target = self.session.target;
        let mut credentials = match self.challenge().await {
            Ok(credentials) => credentials,
            Err((trial, cleanup, stop)) => {
                let stop = stop.then(|| stop_reason(&trial));
                return (Counted { tries: 0, trial }, cleanup, stop);
            }
        };
        digest.get_or_insert_with(|| credentials.describe());
        let total = candidates.len();
        let mut tries = 0;
        let mut index = 0;
        while let Some(candidate) = candidates.get(index) {
            tracing::info!(%target, user = self.user, "try {} of {total} for user {}", index + 1, self.user);
            let sent = self
                .register(
                    REGISTER_EXPIRES,
                    Some((&mut credentials, &candidate.secret)),
                    true,
                )
                .await;
            let response = match sent {
                Sent::Answered(response) => response,
                Sent::Silent => {
                    let trial = interrupted(&format!(
                        "no answer after {tries} tries: the host went silent (a ban?)"
                    ));
                    let stop = Some(stop_reason(&trial));
                    return (Counted { tries, trial }, None, stop);
                }
            };
            match response.status {
                200..=299 => {
                    tries += 1;
                    tracing::warn!(%target, user = self.user, weakness = %candidate.weakness, "secret guessed: removing the binding (Expires: 0)");
                    let done = self
                        .unregister(Some((&mut credentials, &candidate.secret)))
                        .await;
                    let cleanup = format!("{}: {done}", self.user);
                    let trial = Trial::Guessed {
                        weakness: candidate.weakness,
                    };
                    return (Counted { tries, trial }, Some(cleanup), None);
                }
                401 | 407 => match Credentials::of(&response) {
                    // A stale nonce says the secret was right but the nonce old: RFC 2617 3.2.1
                    // asks for the same answer again with the new one.
                    Some(next) if next.challenge.stale => credentials.renew(next),
                    Some(next) => {
                        tries += 1;
                        index += 1;
                        self.backoff.reset(self.config);
                        credentials.renew(next);
                    }
                    None => {
                        let trial = interrupted(&format!(
                            "the challenge cannot be answered ({})",
                            Answer::of(&response)
                        ));
                        return (Counted { tries, trial }, None, None);
                    }
                },
                // Some registrars (Asterisk's chan_sip) say 403 to a wrong secret; others to a
                // client they ban. Either way: wait, then ask for a fresh challenge.
                403 => {
                    tries += 1;
                    index += 1;
                    if !self.backoff.wait(target, &response).await {
                        let trial = interrupted(&format!(
                            "refused after {tries} tries ({})",
                            Answer::of(&response)
                        ));
                        let stop = Some(stop_reason(&trial));
                        return (Counted { tries, trial }, None, stop);
                    }
                    match self.challenge().await {
                        Ok(fresh) => credentials = fresh,
                        Err((trial, cleanup, stop)) => {
                            let stop = stop.then(|| stop_reason(&trial));
                            return (Counted { tries, trial }, cleanup, stop);
                        }
                    }
                }
                429 | 503 => {
                    if !self.backoff.wait(target, &response).await {
                        let trial = interrupted(&format!(
                            "the host keeps refusing after {tries} tries ({})",
                            Answer::of(&response)
                        ));
                        let stop = Some(stop_reason(&trial));
                        return (Counted { tries, trial }, None, stop);
                    }
                    if let Some(next) = Credentials::of(&response) {
                        credentials.renew(next);
                    }
                }
                _ => {
                    let trial = interrupted(&format!(
                        "answered {} after {tries} tries",
                        Answer::of(&response)
                    ));
                    return (Counted { tries, trial }, None, None);
                }
            }
        }
        (
            Counted {
                tries,
                trial: Trial::Resisted,
            },
            None,
            None,
        )
    }

    /// Removes the binding the last REGISTER made: `Expires: 0`, same Call-ID and Contact,
    /// answering a challenge with the same credentials (once more if the host challenges the
    /// removal itself). Never paced. Says what happened, for the cleanup evidence.
    async fn unregister(&mut self, mut auth: Option<(&mut Credentials, &Secret)>) -> String {
        let user = self.user.to_string();
        let mut challenged_again = false;
        loop {
            let sent = self
                .register(
                    0,
                    auth.as_mut()
                        .map(|(credentials, secret)| (&mut **credentials, *secret)),
                    false,
                )
                .await;
            let response = match sent {
                Sent::Answered(response) => response,
                Sent::Silent => {
                    let outcome = format!(
                        "removing the binding got no answer: it lapses after {REGISTER_EXPIRES} s"
                    );
                    tracing::warn!(target = %self.session.target, user, cleanup = %outcome, "cleanup");
                    return outcome;
                }
            };
            if !challenged_again
                && let Some((credentials, _)) = auth.as_mut()
                && let Some(next) = Credentials::of(&response)
            {
                challenged_again = true;
                credentials.renew(next);
                continue;
            }
            let outcome = if (200..300).contains(&response.status) {
                format!(
                    "binding removed (REGISTER Expires: 0 answered {} {})",
                    response.status, response.reason
                )
            } else {
                format!(
                    "removing the binding was refused ({} {}): it lapses after {REGISTER_EXPIRES} s",
                    response.status, response.reason
                )
            };
            tracing::info!(target = %self.session.target, user, cleanup = %outcome, "cleanup");
            return outcome;
        }
    }
}

/// Removes the binding an unauthenticated REGISTER of `dialog` (last CSeq `cseq`) made, for
/// `enum`; says what happened.
pub(super) async fn remove_binding(
    session: &mut Session<'_>,
    dialog: Dialog,
    cseq: u32,
    user: &str,
    config: &IntrusiveConfig,
) -> String {
    let mut backoff = Backoff::new(config);
    let mut run = UserRun {
        session,
        user,
        dialog,
        cseq,
        config,
        backoff: &mut backoff,
    };
    run.unregister(None).await
}

impl Credentials {
    fn describe(&self) -> String {
        let qop = if self.challenge.qop_auth() {
            ", qop=auth"
        } else {
            ", no qop"
        };
        format!("{}{qop}", self.challenge.algorithm.name())
    }
}

fn interrupted(reason: &str) -> Trial {
    Trial::Interrupted {
        reason: reason.to_string(),
    }
}

fn stop_reason(trial: &Trial) -> String {
    match trial {
        Trial::Interrupted { reason } => reason.clone(),
        _ => "stopped".to_string(),
    }
}

//! Challenges nobody answers (fail2ban issue #2532).
//!
//! A scanner that sends REGISTERs and never answers the digest challenge makes Asterisk report
//! `ChallengeSent` after `ChallengeSent` and no failure at all, so no failure-counting guard sees
//! it. A real phone answers each challenge: with the right password (`SuccessfulAuth`) or a wrong
//! one (`InvalidPassword` or `ChallengeResponseFailed`, failures counted as such). So a run of
//! challenges to one address with neither in between is what such a scanner leaves; beyond an
//! allowance, each further challenge of the run counts as a failure.
//!
//! Known limit: peers behind one NAT address share one run, so a phone authenticating there
//! ends the run of a scanner behind the same address.

use std::net::IpAddr;

use hashbrown::HashMap;

use super::{AmiFields, event_and_fields, remote_address, service};
use crate::decide::Threshold;
use crate::event::{Failure, LineOutcome, Reason, Service};

/// A step of a digest authentication.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthStep {
    /// `ChallengeSent`: the peer was asked to authenticate.
    Challenged,
    /// `SuccessfulAuth`: the peer authenticated.
    Authenticated,
}

/// A challenge or a success, and the peer it concerns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthEvent {
    /// Which step.
    pub step: AuthStep,
    /// The service authenticating.
    pub service: Service,
    /// The peer, from the event's `RemoteAddress`.
    pub address: IpAddr,
}

fn step(event: &str) -> Option<AuthStep> {
    match event {
        "ChallengeSent" => Some(AuthStep::Challenged),
        "SuccessfulAuth" => Some(AuthStep::Authenticated),
        _ => None,
    }
}

/// The challenge or success a security log line reports (`None` for any other line, and for
/// one whose peer cannot be read safely).
#[must_use]
pub fn auth_event_in_line(line: &str) -> Option<AuthEvent> {
    let key = &super::KEYS.security_event;
    let at = key.find(line.as_bytes())?;
    let (event, fields) = event_and_fields(line.get(at + key.needle().len()..)?)?;
    let step = step(event)?;
    Some(AuthEvent {
        step,
        service: super::value_after(fields, &super::KEYS.service).map_or(Service::Sip, service),
        address: remote_address(fields).ok()?,
    })
}

/// The challenge or success an AMI event block reports.
#[must_use]
pub fn auth_event_in_ami(block: &str) -> Option<AuthEvent> {
    let fields = AmiFields::read(block);
    let step = step(fields.event?)?;
    Some(AuthEvent {
        step,
        service: fields.service.map_or(Service::Sip, service),
        address: fields.remote_address().ok()?,
    })
}

/// Most peers followed at once; beyond, new peers wait for stale runs to be swept.
const MAX_TRACKED: usize = 100_000;

#[derive(Debug, Clone, Copy)]
struct Run {
    unanswered: u32,
    /// The last challenge (seconds since the epoch, clamped).
    last: u32,
}

/// Runs of unanswered challenges per peer.
#[derive(Debug, Clone)]
pub struct UnansweredChallenges {
    allowance: Threshold,
    runs: HashMap<IpAddr, Run>,
    last_sweep: u32,
}

impl UnansweredChallenges {
    /// The allowance when the configuration names none: ten challenges less than ten minutes
    /// apart (a phone registering every few minutes answers each one).
    pub const DEFAULT_ALLOWANCE: Threshold = Threshold {
        count: 10,
        seconds: 600,
    };

    /// Allows `allowance.count` unanswered challenges in a run (challenges less than
    /// `allowance.seconds` apart); a count of 0 turns the check off.
    #[must_use]
    pub fn new(allowance: Threshold) -> Self {
        Self {
            allowance,
            runs: HashMap::new(),
            last_sweep: 0,
        }
    }

    /// Changes the allowance (a configuration reload); runs so far are kept.
    pub fn set_allowance(&mut self, allowance: Threshold) {
        self.allowance = allowance;
    }

    /// Takes `event`, read from `evidence`, at `now` (seconds since the epoch): a challenge
    /// beyond the allowance comes back as a failure to count.
    pub fn observe<'a>(
        &mut self,
        event: &AuthEvent,
        evidence: &'a str,
        now: i64,
    ) -> Option<Failure<'a>> {
        if self.allowance.count == 0 {
            return None;
        }
        if event.step == AuthStep::Authenticated {
            self.runs.remove(&event.address);
            return None;
        }
        let now = u32::try_from(now.max(0)).unwrap_or(u32::MAX);
        if self.runs.len() >= MAX_TRACKED && !self.runs.contains_key(&event.address) {
            self.sweep(now);
        }
        if self.runs.len() >= MAX_TRACKED && !self.runs.contains_key(&event.address) {
            return None;
        }
        let run = self.runs.entry(event.address).or_insert(Run {
            unanswered: 0,
            last: now,
        });
        if now.saturating_sub(run.last) >= self.allowance.seconds {
            run.unanswered = 0;
        }
        run.unanswered = run.unanswered.saturating_add(1);
        run.last = now;
        (run.unanswered > self.allowance.count).then_some(Failure {
            service: event.service,
            address: event.address,
            account: None,
            reason: Reason::AuthenticationFailed,
            time: Some(i64::from(now)),
            attempts: 1,
            evidence,
        })
    }

    /// What counts for one line or AMI event, `evidence`, given what the parser made of it
    /// (`outcome`): a failure is counted as it is and ends its peer's run (the peer answered,
    /// wrongly); an ignored line may be a challenge beyond the allowance, counted as a failure.
    /// `auth_event` reads the challenge or success in `evidence` and `now` dates it; both are
    /// asked only for ignored lines while the check is on. The daemon and the replay both count
    /// through here, so that they agree.
    pub fn count<'a>(
        &mut self,
        outcome: LineOutcome<'a>,
        evidence: &'a str,
        auth_event: impl FnOnce(&str) -> Option<AuthEvent>,
        now: impl FnOnce() -> i64,
    ) -> LineOutcome<'a> {
        match outcome {
            LineOutcome::Failure(failure) => {
                self.answered(failure.address);
                LineOutcome::Failure(failure)
            }
            LineOutcome::Ignored if self.allowance.count > 0 => auth_event(evidence)
                .and_then(|event| self.observe(&event, evidence, now()))
                .map_or(LineOutcome::Ignored, LineOutcome::Failure),
            other => other,
        }
    }

    /// A failure by `address` was counted: it answered its challenges, wrongly.
    pub fn answered(&mut self, address: IpAddr) {
        self.runs.remove(&address);
    }

    /// Peers with a run in progress.
    #[must_use]
    pub fn tracked(&self) -> usize {
        self.runs.len()
    }

    /// Forgets runs that ended (at most once a second: a flood of new peers must not sweep on
    /// every event).
    fn sweep(&mut self, now: u32) {
        if self.last_sweep == now {
            return;
        }
        self.last_sweep = now;
        let seconds = self.allowance.seconds;
        self.runs
            .retain(|_, run| now.saturating_sub(run.last) < seconds);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(event: &str, remote: &str) -> String {
        format!(
            "[2024-03-01 10:00:00] SECURITY[4600] res_security_log.c: SecurityEvent=\"{event}\",\
             EventTV=\"2024-03-01T10:00:00.000+0000\",Severity=\"Informational\",Service=\"PJSIP\",\
             EventVersion=\"1\",AccountID=\"100\",SessionID=\"abc\",\
             LocalAddress=\"IPV4/UDP/192.0.2.2/5060\",RemoteAddress=\"IPV4/UDP/{remote}/5060\",\
             Challenge=\"1709287200/0f\""
        )
    }

    #[test]
    fn reads_challenges_and_successes_from_the_peer_field_only() {
        let event = auth_event_in_line(&line("ChallengeSent", "198.51.100.9"));
        assert_eq!(
            event,
            Some(AuthEvent {
                step: AuthStep::Challenged,
                service: Service::Sip,
                address: "198.51.100.9".parse().unwrap_or_else(|e| panic!("{e}")),
            })
        );
        let success = auth_event_in_line(&line("SuccessfulAuth", "198.51.100.9"));
        assert_eq!(success.map(|e| e.step), Some(AuthStep::Authenticated));
        assert_eq!(
            auth_event_in_line(&line("InvalidPassword", "198.51.100.9")),
            None
        );
        // A SessionID imitating the peer field leaves two candidates: no address is guessed.
        let forged = line("ChallengeSent", "198.51.100.9").replace(
            "SessionID=\"abc\"",
            "SessionID=\"x\",RemoteAddress=\"IPV4/UDP/203.0.113.5/5060\",Challenge=\"y\"",
        );
        assert_eq!(auth_event_in_line(&forged), None);
    }

    #[test]
    fn reads_the_recorded_ami_challenge() {
        let block = "Event: ChallengeSent\r\nPrivilege: security,all\r\nService: SIP\r\n\
                     AccountID: sip:127.0.0.1:9\r\nLocalAddress: IPV4/UDP/149.28.237.109/5060\r\n\
                     RemoteAddress: IPV4/UDP/127.0.0.1/9\r\nChallenge: 43ccaa48\r\n";
        let event = auth_event_in_ami(block);
        assert_eq!(
            event.map(|e| e.address.to_string()),
            Some("127.0.0.1".into())
        );
    }

    #[test]
    fn a_run_beyond_the_allowance_counts_until_the_peer_answers() {
        let mut runs = UnansweredChallenges::new(Threshold {
            count: 3,
            seconds: 60,
        });
        let challenge = line("ChallengeSent", "198.51.100.9");
        let event = auth_event_in_line(&challenge).unwrap_or_else(|| panic!("not read"));
        let counted = |runs: &mut UnansweredChallenges, at: i64| {
            runs.observe(&event, &challenge, at).is_some()
        };
        let first: Vec<bool> = (0..5).map(|at| counted(&mut runs, at)).collect();
        assert_eq!(first, [false, false, false, true, true]);
        // Authenticating ends the run; so does a pause as long as the window.
        let success = line("SuccessfulAuth", "198.51.100.9");
        let success = auth_event_in_line(&success).unwrap_or_else(|| panic!("not read"));
        assert_eq!(runs.observe(&success, "", 5), None);
        assert_eq!(runs.tracked(), 0);
        let again: Vec<bool> = (6..10).map(|at| counted(&mut runs, at)).collect();
        assert_eq!(again, [false, false, false, true]);
        assert!(!counted(&mut runs, 100), "a new run after a pause");
        runs.answered(event.address);
        assert_eq!(runs.tracked(), 0);
    }
}

//! A backend that runs the operator's own commands (a cloud firewall's CLI, a router's API
//! client, an APIBAN reporter).

use std::time::{Duration, Instant};

use crate::exec::run;
use crate::ledger::Ledger;
use crate::plan::checked_millis;
use crate::{ActiveBan, Backend, BanOutcome, FirewallError, Target, UnbanOutcome};

/// How long a hook may run before it is killed, unless [`CommandHook::with_deadline`] says
/// otherwise: long enough for a remote API call, short enough not to stall the guard.
pub const DEFAULT_HOOK_DEADLINE: Duration = Duration::from_secs(30);

/// A value substituted into an argument of a hook command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Placeholder {
    /// `{address}`: the address, or the first address of a prefix (`2001:db8::`).
    Address,
    /// `{prefix}`: the prefix with its length, even for one address (`192.0.2.7/32`).
    Prefix,
    /// `{timeout}`: the ban's length in whole seconds, rounded up.
    Timeout,
    /// `{reason}`: why the guard bans, verbatim.
    Reason,
}

impl Placeholder {
    const ALL: [(&'static str, Placeholder); 4] = [
        ("address", Placeholder::Address),
        ("prefix", Placeholder::Prefix),
        ("timeout", Placeholder::Timeout),
        ("reason", Placeholder::Reason),
    ];

    fn named(word: &str) -> Option<Placeholder> {
        Self::ALL
            .iter()
            .find_map(|(name, value)| (*name == word).then_some(*value))
    }

    fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find_map(|(name, value)| (*value == self).then_some(*name))
            .unwrap_or_default()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    Value(Placeholder),
}

/// One argv whose arguments may hold placeholders, checked once when the hook is built.
#[derive(Debug, Clone)]
struct ArgvTemplate {
    arguments: Vec<Vec<Piece>>,
}

impl ArgvTemplate {
    /// `which` names the command in errors ("ban", "unban"); `allowed` are the placeholders it
    /// may use.
    fn parse(
        argv: Vec<String>,
        which: &str,
        allowed: &[Placeholder],
    ) -> Result<Self, FirewallError> {
        if argv.first().is_none_or(|program| program.is_empty()) {
            return Err(FirewallError::InvalidCommand {
                message: format!("the {which} command is empty"),
            });
        }
        let arguments = argv
            .iter()
            .map(|argument| {
                let pieces = pieces(argument).map_err(|name| FirewallError::InvalidCommand {
                    message: format!(
                        "the {which} command uses the unknown placeholder {{{name}}} \
                         (known: {{address}}, {{prefix}}, {{timeout}}, {{reason}})"
                    ),
                })?;
                match pieces.iter().find_map(|piece| match piece {
                    Piece::Value(value) if !allowed.contains(value) => Some(value),
                    _ => None,
                }) {
                    Some(value) => Err(FirewallError::InvalidCommand {
                        message: format!(
                            "the {which} command cannot use {{{}}} (an unban has none)",
                            value.name()
                        ),
                    }),
                    None => Ok(pieces),
                }
            })
            .collect::<Result<_, _>>()?;
        Ok(ArgvTemplate { arguments })
    }

    fn render(&self, target: Target, timeout: Duration, reason: &str) -> Vec<String> {
        self.arguments
            .iter()
            .map(|pieces| {
                pieces
                    .iter()
                    .map(|piece| match piece {
                        Piece::Text(text) => text.clone(),
                        Piece::Value(Placeholder::Address) => target.first_address().to_string(),
                        Piece::Value(Placeholder::Prefix) => target.to_prefix_string(),
                        Piece::Value(Placeholder::Timeout) => whole_seconds(timeout).to_string(),
                        Piece::Value(Placeholder::Reason) => reason.to_owned(),
                    })
                    .collect()
            })
            .collect()
    }
}

/// Splits an argument into text and placeholders. A brace pair around a lower-case word is a
/// placeholder, so a misspelt one (`{adress}`) is an error (the word is returned) rather than a
/// literal silently passed on; other braces (`{}`, `{.ip}`) are literal text.
fn pieces(argument: &str) -> Result<Vec<Piece>, String> {
    let mut pieces = Vec::new();
    let mut text = String::new();
    let mut rest = argument;
    while let Some(open) = rest.find('{') {
        let (before, from_brace) = rest.split_at(open);
        text.push_str(before);
        let after_brace = from_brace.get(1..).unwrap_or_default();
        let word = after_brace
            .find('}')
            .and_then(|close| after_brace.get(..close))
            .filter(|word| {
                !word.is_empty() && word.chars().all(|c| c.is_ascii_lowercase() || c == '_')
            });
        match word {
            Some(word) => {
                let value = Placeholder::named(word).ok_or_else(|| word.to_owned())?;
                if !text.is_empty() {
                    pieces.push(Piece::Text(std::mem::take(&mut text)));
                }
                pieces.push(Piece::Value(value));
                rest = after_brace.get(word.len() + 1..).unwrap_or_default();
            }
            None => {
                text.push('{');
                rest = after_brace;
            }
        }
    }
    text.push_str(rest);
    if !text.is_empty() || pieces.is_empty() {
        pieces.push(Piece::Text(text));
    }
    Ok(pieces)
}

fn whole_seconds(timeout: Duration) -> u64 {
    timeout.as_secs() + u64::from(timeout.subsec_nanos() > 0)
}

/// Runs an operator-configured program for each ban and unban, with `{address}`, `{prefix}`,
/// `{timeout}` and `{reason}` substituted inside each argument. The program is started directly,
/// never through a shell, so an attacker-chosen text in a reason stays one argument.
///
/// The hook cannot see the state of what it drives, so [`Backend::bans`] lists the bans made by
/// this process that have not expired yet, and an unban of a target it does not know still runs
/// the unban command. Whoever the command drives must expire bans itself (from `{timeout}`),
/// or the caller unbans at expiry. [`Backend::ensure`] and [`Backend::remove`] do nothing.
#[derive(Debug)]
pub struct CommandHook {
    ban: ArgvTemplate,
    unban: ArgvTemplate,
    deadline: Duration,
    ledger: Ledger,
}

impl CommandHook {
    /// A hook running `ban` (which may use every placeholder) and `unban` (which may use
    /// `{address}` and `{prefix}`). Errors if a command is empty or uses an unknown or
    /// unavailable placeholder.
    pub fn new(ban: Vec<String>, unban: Vec<String>) -> Result<Self, FirewallError> {
        use Placeholder::{Address, Prefix, Reason, Timeout};
        Ok(CommandHook {
            ban: ArgvTemplate::parse(ban, "ban", &[Address, Prefix, Timeout, Reason])?,
            unban: ArgvTemplate::parse(unban, "unban", &[Address, Prefix])?,
            deadline: DEFAULT_HOOK_DEADLINE,
            ledger: Ledger::default(),
        })
    }

    /// Kills a hook command that runs longer than `deadline` (and reports it as an error).
    pub fn with_deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    fn run_unban(&self, target: Target) -> Result<(), FirewallError> {
        run(
            &self.unban.render(target, Duration::ZERO, ""),
            None,
            self.deadline,
        )
        .map(drop)
    }
}

impl Backend for CommandHook {
    fn ensure(&mut self) -> Result<(), FirewallError> {
        Ok(())
    }

    fn ban(
        &mut self,
        target: Target,
        timeout: Duration,
        reason: &str,
    ) -> Result<BanOutcome, FirewallError> {
        checked_millis(timeout)?;
        let now = Instant::now();
        let outcome = self.ledger.plan_ban(target, now);
        match &outcome {
            BanOutcome::CoveredBy(_) => return Ok(outcome),
            BanOutcome::Added { superseded } => {
                for narrower in superseded {
                    self.run_unban(*narrower)?;
                    self.ledger.record_unban(*narrower);
                }
            }
            BanOutcome::Refreshed => {}
        }
        run(
            &self.ban.render(target, timeout, reason),
            None,
            self.deadline,
        )?;
        self.ledger.record_ban(target, timeout, reason, now);
        Ok(outcome)
    }

    fn unban(&mut self, target: Target) -> Result<UnbanOutcome, FirewallError> {
        let lifted = match self.ledger.plan_unban(target, Instant::now()) {
            covered @ UnbanOutcome::CoveredBy(_) => return Ok(covered),
            UnbanOutcome::Removed(lifted) => lifted,
            UnbanOutcome::NotBanned => vec![target],
        };
        for each in &lifted {
            self.run_unban(*each)?;
            self.ledger.record_unban(*each);
        }
        Ok(UnbanOutcome::Removed(lifted))
    }

    fn bans(&self) -> Result<Vec<ActiveBan>, FirewallError> {
        Ok(self.ledger.active(Instant::now()))
    }

    fn remove(&mut self) -> Result<(), FirewallError> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| (*w).to_owned()).collect()
    }

    fn target(text: &str) -> Target {
        text.parse().unwrap_or_else(|e| panic!("{e}"))
    }

    fn template(words: &[&str]) -> ArgvTemplate {
        use Placeholder::{Address, Prefix, Reason, Timeout};
        ArgvTemplate::parse(argv(words), "ban", &[Address, Prefix, Timeout, Reason])
            .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn placeholders_are_substituted_inside_each_argument() {
        let rendered = template(&[
            "fw",
            "block",
            "--cidr={prefix}",
            "{address}",
            "--for",
            "{timeout}s",
            "--note",
            "{reason}",
            "{}",
            "{.ip}",
            "{{address}}",
        ])
        .render(
            target("2001:db8:1:2::/64"),
            Duration::from_millis(90_500),
            "10 failures",
        );
        assert_eq!(
            rendered,
            argv(&[
                "fw",
                "block",
                "--cidr=2001:db8:1:2::/64",
                "2001:db8:1:2::",
                "--for",
                "91s",
                "--note",
                "10 failures",
                "{}",
                "{.ip}",
                "{2001:db8:1:2::}",
            ])
        );
    }

    #[test]
    fn a_single_address_has_a_full_length_prefix() {
        let rendered = template(&["fw", "{address}", "{prefix}", "{timeout}"]).render(
            target("192.0.2.7"),
            Duration::from_secs(600),
            "r",
        );
        assert_eq!(rendered, argv(&["fw", "192.0.2.7", "192.0.2.7/32", "600"]));
    }

    #[test]
    fn hostile_reasons_stay_one_argument() {
        let reason = "x'; rm -rf / #\n$(reboot) {address}";
        let rendered = template(&["fw", "{reason}"]).render(
            target("192.0.2.7"),
            Duration::from_secs(1),
            reason,
        );
        assert_eq!(rendered, vec!["fw".to_owned(), reason.to_owned()]);
    }

    #[test]
    fn unknown_and_unavailable_placeholders_are_refused() {
        let unknown = CommandHook::new(argv(&["fw", "{adress}"]), argv(&["fw", "{address}"]));
        assert_eq!(
            unknown.err().map(|e| e.to_string()).as_deref(),
            Some(
                "invalid command: the ban command uses the unknown placeholder {adress} \
                 (known: {address}, {prefix}, {timeout}, {reason})"
            )
        );
        let unavailable = CommandHook::new(argv(&["fw", "{address}"]), argv(&["fw", "{timeout}"]));
        assert_eq!(
            unavailable.err().map(|e| e.to_string()).as_deref(),
            Some("invalid command: the unban command cannot use {timeout} (an unban has none)")
        );
        let empty = CommandHook::new(vec![], argv(&["fw"]));
        assert_eq!(
            empty.err().map(|e| e.to_string()).as_deref(),
            Some("invalid command: the ban command is empty")
        );
    }

    #[test]
    fn hook_runs_the_commands_with_the_values() {
        let dir = std::env::temp_dir().join(format!("voipguard-hook-test-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let log = dir.join("calls");
        let log_arg = log.display().to_string();
        let script = "printf '%s|' \"$@\" >> \"$0\"; echo >> \"$0\"";
        let mut hook = CommandHook::new(
            argv(&[
                "sh",
                "-c",
                script,
                &log_arg,
                "ban",
                "{prefix}",
                "{timeout}",
                "{reason}",
            ]),
            argv(&["sh", "-c", script, &log_arg, "unban", "{address}"]),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let hour = Duration::from_secs(3600);
        assert!(hook.ban(target("2001:db8::5"), hour, "one; two").is_ok());
        assert_eq!(
            hook.ban(target("2001:db8::/64"), hour, "aggregated").ok(),
            Some(BanOutcome::Added {
                superseded: vec![target("2001:db8::5")]
            })
        );
        assert!(matches!(
            hook.ban(target("2001:db8::6"), hour, "inside"),
            Ok(BanOutcome::CoveredBy(_))
        ));
        assert_eq!(
            hook.unban(target("198.51.100.1")).ok(),
            Some(UnbanOutcome::Removed(vec![target("198.51.100.1")]))
        );
        let calls = std::fs::read_to_string(&log).unwrap_or_default();
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(
            calls,
            "ban|2001:db8::5/128|3600|one; two|\n\
             unban|2001:db8::5|\n\
             ban|2001:db8::/64|3600|aggregated|\n\
             unban|198.51.100.1|\n"
        );
        let bans = hook.bans().unwrap_or_default();
        assert_eq!(
            bans.iter().map(|ban| ban.target).collect::<Vec<_>>(),
            vec![target("2001:db8::/64")]
        );
    }

    #[test]
    fn a_failing_hook_is_an_error_and_records_nothing() {
        let mut hook = CommandHook::new(
            argv(&["sh", "-c", "echo 'quota exceeded' >&2; exit 2"]),
            argv(&["true"]),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let error = hook.ban(target("192.0.2.7"), Duration::from_secs(60), "r");
        assert_eq!(
            error.err().map(|e| e.to_string()).as_deref(),
            Some(
                "`sh -c echo 'quota exceeded' >&2; exit 2` failed (exit status: 2): quota exceeded"
            )
        );
        assert_eq!(hook.bans().map(|bans| bans.len()).ok(), Some(0));
    }
}

//! AST-EXT-02: dialled digits and caller ID reach no dial string or shell unfiltered.
//!
//! ## What it does
//! Fails on every extension whose pattern ends in `.` or `!` and that passes `${EXTEN}` (or a
//! substring `${EXTEN:n}`) without `FILTER()` to `Dial()`/`Originate()` (the dial string, local
//! channels included), `System()`/`TrySystem()`, `SHELL()` or the command of `MixMonitor()`;
//! and on `${CALLERID(...)}` passed unfiltered to `System()`/`TrySystem()`/`SHELL()`/the
//! `MixMonitor()` command under any pattern (the caller sets it freely). One finding lists every
//! line.
//!
//! ## Why is this bad?
//! `.` and `!` match any characters, not only digits. Dialling `500&SIP/itsp/14165551212` into
//! `Dial(SIP/${EXTEN})` appends a second channel to the provider; into `System()` or `SHELL()`
//! the text becomes a shell command.
//!
//! ## Example
//! ```ini
//! exten => _X.,1,Dial(SIP/itsp/${EXTEN})
//! ```
//! Use instead:
//! ```ini
//! exten => _X.,1,Dial(SIP/itsp/${FILTER(0-9,${EXTEN})})
//! ```
//!
//! ## References
//! - reference/asterisk.md section 2.7 step 4; bestpractices "Filtering Data"

use voipguard_model::{Finding, Status};

use super::CodeCheck;
use super::asterisk_services::config;
use super::dialplan::{Dialplan, applications, arguments, is_open_pattern};
use super::toll_fraud::{carries_unfiltered_exten, redact_dial, unfiltered_contains};
use crate::context::Context;

/// See the module documentation.
#[derive(Debug)]
pub(crate) struct AstExt02;

/// Lines named in the message before "…".
const NAMED: usize = 3;

/// The texts of one application call that reach a dial string or a shell, and whether it is a
/// shell.
fn sinks<'s>(app: &str, args: &'s str) -> Vec<(&'s str, bool)> {
    let mut out = Vec::new();
    match app.to_ascii_lowercase().as_str() {
        "dial" | "originate" => {
            out.extend(arguments(args).first().map(|channel| (*channel, false)));
        }
        "system" | "trysystem" => out.push((args, true)),
        "mixmonitor" => out.extend(arguments(args).get(2).map(|command| (*command, true))),
        _ => {}
    }
    let upper = args.to_ascii_uppercase();
    if let Some(start) = upper.find("SHELL(") {
        out.push((args.get(start..).unwrap_or_default(), true));
    }
    out
}

impl CodeCheck for AstExt02 {
    fn id(&self) -> &'static str {
        "AST-EXT-02"
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        let extensions = match config(cx, "extensions.conf") {
            Ok(config) => config,
            Err(absent) => return absent,
        };
        let plan = Dialplan::new(extensions);
        let mut evidence = Vec::new();
        let mut named = Vec::new();
        for context in plan.contexts() {
            for step in &context.steps {
                let open = is_open_pattern(&step.exten);
                for (app, args) in applications(step) {
                    let tainted = sinks(app, args).into_iter().find_map(|(text, shell)| {
                        if open && carries_unfiltered_exten(text) {
                            Some("${EXTEN}")
                        } else if shell && unfiltered_contains(text, "${CALLERID(") {
                            Some("${CALLERID(...)}")
                        } else {
                            None
                        }
                    });
                    if let Some(variable) = tainted {
                        named.push(format!("[{}] {} {app}", context.name, step.exten));
                        evidence.push(cx.asterisk_evidence(
                            step.origin,
                            format!("[{}] exten {}", context.name, step.exten),
                            format!("{app}({}): {variable} without FILTER()", redact_dial(args)),
                        ));
                    }
                }
            }
        }
        if evidence.is_empty() {
            return cx.finding(
                Status::Pass,
                format!(
                    "no dial string or shell command of the {} context(s) takes dialled digits or caller ID unfiltered",
                    plan.contexts().len()
                ),
                Vec::new(),
            );
        }
        let total = named.len();
        named.truncate(NAMED);
        if total > NAMED {
            named.push("…".into());
        }
        cx.finding(
            Status::Fail,
            format!(
                "{total} line(s) pass dialled digits or caller ID unfiltered into a dial string or shell: {}",
                named.join(", ")
            ),
            evidence,
        )
    }
}

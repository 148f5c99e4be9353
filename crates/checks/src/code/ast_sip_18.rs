//! AST-SIP-18: SIP subscriptions are confined to a hints context (`allowsubscribe` /
//! `subscribecontext`).
//!
//! ## What it does
//! For every friend, user and dynamic peer that may subscribe (`allowsubscribe`, default `yes`,
//! in `[general]` or on the peer), requires a `subscribecontext` (on the peer or in `[general]`).
//! Passes when `[general]` turns subscriptions off, or when the complete dial plan in the set
//! defines no hint (a subscription to an extension without a hint is refused: nothing to watch).
//!
//! ## Why is this bad?
//! Without `subscribecontext`, chan_sip looks up SUBSCRIBE targets in the peer's `context`, the
//! one it dials from. Any hint there (every extension, on FreePBX) can be watched: a stolen
//! or guessed phone account lists the extensions and sees when they are busy.
//!
//! ## Example
//! ```ini
//! [general]
//! ; allowsubscribe defaults to yes, no subscribecontext
//! ```
//! Use instead: `subscribecontext=blf-hints` (a context holding only the hints phones need), or
//! `allowsubscribe=no` when no phone uses BLF or presence.
//!
//! ## References
//! - reference/asterisk.md 2.1 SIP-18; sip.conf.sample:713-714

use voipguard_asterisk::ConfigError;
use voipguard_model::{Finding, Status};

use super::CodeCheck;
use super::asterisk_peers::{Offenders, is_false, sip_callers};
use crate::context::Context;

/// chan_sip's `allowsubscribe` when unset (chan_sip 1.8 to 20: subscriptions allowed).
const DEFAULT_ALLOWSUBSCRIBE: &str = "yes";

/// AST-SIP-18.
#[derive(Debug)]
pub(crate) struct AstSip18;

impl CodeCheck for AstSip18 {
    fn id(&self) -> &'static str {
        "AST-SIP-18"
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        let (config, peers) = match sip_callers(cx, "SIP friends, users or dynamic peers") {
            Ok(selected) => selected,
            Err(finding) => return finding,
        };
        let general_allows = config
            .general_setting("allowsubscribe")
            .value_or(DEFAULT_ALLOWSUBSCRIBE);
        let general_context = config.general_setting("subscribecontext").value_or("");
        let (Some(general_allows), Some(general_context)) = (general_allows, general_context)
        else {
            return cx.finding(
                Status::Unknown,
                "sip.conf [general] allowsubscribe / subscribecontext are not set in the files read, but files missing from this copy may set them (see AST-CONFIG)".into(),
                Vec::new(),
            );
        };
        if is_false(general_allows) {
            return cx.finding(
                Status::Pass,
                "[general] allowsubscribe=no: chan_sip refuses every subscription".into(),
                Vec::new(),
            );
        }
        let mut offenders = Offenders::default();
        let mut subscribers = 0;
        for peer in &peers {
            if peer.value("allowsubscribe").is_some_and(is_false) {
                continue;
            }
            subscribers += 1;
            let context = peer.value("subscribecontext").unwrap_or(general_context);
            if context.is_empty() {
                let dial_context = peer.value("context").unwrap_or("the [general] context");
                offenders.add(
                    peer.name(),
                    [peer.evidence(
                        cx,
                        "subscribecontext",
                        format!("not set: subscriptions look up hints in {dial_context}"),
                    )],
                );
            }
        }
        if !offenders.is_empty() && dialplan_has_hints(cx) == Some(false) {
            return cx.finding(
                Status::Pass,
                format!(
                    "{} of {subscribers} SIP phones may subscribe without a subscribecontext, but extensions.conf defines no hint: there is nothing to watch",
                    offenders.len()
                ),
                Vec::new(),
            );
        }
        offenders.finding(
            cx,
            &config,
            subscribers,
            "SIP phones may subscribe without a subscribecontext (hints of their dialling context are exposed)",
            format!("all {subscribers} SIP phones that may subscribe have a subscribecontext"),
        )
    }
}

/// Whether extensions.conf defines a hint (`exten => 1001,hint,SIP/1001`); `None` without an
/// extensions.conf, or when included files or `#exec` output it lacks may define some.
fn dialplan_has_hints(cx: &Context<'_>) -> Option<bool> {
    let config = cx.asterisk?.config("extensions.conf")?;
    let has_hint = config
        .sections()
        .flat_map(|category| category.variables.iter())
        .filter(|variable| variable.name.eq_ignore_ascii_case("exten"))
        .any(|variable| {
            variable
                .value
                .split(',')
                .nth(1)
                .is_some_and(|priority| priority.trim().eq_ignore_ascii_case("hint"))
        });
    let complete = config.execs.is_empty()
        && !config
            .errors
            .iter()
            .any(|error| matches!(error, ConfigError::MissingInclude { .. }));
    (has_hint || complete).then_some(has_hint)
}

#[cfg(test)]
mod tests {
    use voipguard_model::Status;

    use crate::code::asterisk_services::testing::run_files;

    #[test]
    fn subscriptions_need_a_context_unless_turned_off() {
        let run = |text: &str| run_files("AST-SIP-18", &[("sip.conf", text)]).status;
        let phone = "[1001]\ntype=friend\nhost=dynamic\ncontext=from-internal\n";
        assert_eq!(run(&format!("[general]\n{phone}")), Status::Fail);
        assert_eq!(
            run(&format!("[general]\nsubscribecontext=hints\n{phone}")),
            Status::Pass
        );
        assert_eq!(
            run(&format!("[general]\nallowsubscribe=no\n{phone}")),
            Status::Pass
        );
        assert_eq!(
            run(&format!("[general]\n{phone}allowsubscribe=no\n")),
            Status::Pass
        );
        let with_dialplan = |dialplan: &str| {
            run_files(
                "AST-SIP-18",
                &[
                    ("sip.conf", &format!("[general]\n{phone}")),
                    ("extensions.conf", dialplan),
                ],
            )
            .status
        };
        let dial = "[from-internal]\nexten => 1001,1,Dial(SIP/1001)\n";
        assert_eq!(with_dialplan(dial), Status::Pass);
        assert_eq!(
            with_dialplan(&format!("{dial}exten => 1001,hint,SIP/1001\n")),
            Status::Fail
        );
    }
}

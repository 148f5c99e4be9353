//! AST-VM-05: voicemail cannot dial out to a trunk (`dialout`, `callback`, `exitcontext`).
//!
//! ## What it does
//! Collects the dial-plan contexts voicemail sends callers to: `dialout`, `callback` and
//! `exitcontext` of voicemail.conf `[general]` and of each mailbox's options field
//! (`100 => 4242,Name,,,dialout=fromvm|callback=fromvm`). It then follows extensions.conf from
//! each with the toll-fraud search of AST-EXT-01 and fails when one reaches an outbound trunk.
//! Asterisk 20/21 app_voicemail.
//!
//! ## Why is this bad?
//! Whoever guesses a mailbox PIN can then place calls from the voicemail menu ("dial out" and
//! "call back" options, or `*`/`0` into `exitcontext`) at the owner's expense: the classic
//! voicemail toll fraud.
//!
//! ## Example
//! ```ini
//! [general]
//! dialout = from-internal
//! ```
//! Use instead: remove `dialout`/`callback`, or point them at a context that reaches internal
//! extensions only.
//!
//! ## References
//! - reference/asterisk.md 2.6 VM-05; voicemail.conf.sample lines 356-370

use voipguard_asterisk::{Category, Config};
use voipguard_model::{Evidence, Finding, Status};

use super::CodeCheck;
use super::asterisk_services::{config, has_missing_includes, mailboxes};
use super::toll_fraud::{Entry, analyse_from, entry, routes_per_entry};
use crate::context::Context;

/// The voicemail options that send a caller into a dial-plan context.
const CONTEXT_KEYS: &[&str] = &["dialout", "callback", "exitcontext"];

/// See the module documentation.
#[derive(Debug)]
pub(crate) struct AstVm05;

impl CodeCheck for AstVm05 {
    fn id(&self) -> &'static str {
        "AST-VM-05"
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        let voicemail = match config(cx, "voicemail.conf") {
            Ok(voicemail) => voicemail,
            Err(finding) => return finding,
        };
        let entries = voicemail_contexts(voicemail);
        if entries.is_empty() {
            let status = if has_missing_includes(voicemail) {
                Status::Unknown
            } else {
                Status::Pass
            };
            return cx.finding(
                status,
                "no dialout, callback or exitcontext in the voicemail.conf read".into(),
                Vec::new(),
            );
        }
        let evidence: Vec<Evidence> = entries
            .iter()
            .map(|entry| {
                cx.asterisk_evidence(&entry.origin, entry.why.clone(), entry.context.clone())
            })
            .collect();
        let names: Vec<String> = entries.iter().map(|entry| entry.context.clone()).collect();
        let Some(reach) = cx.asterisk.and_then(|set| analyse_from(set, entries)) else {
            return cx.finding(
                Status::Unknown,
                format!("voicemail sends callers into {}; without extensions.conf it cannot be told whether they reach a trunk", names.join(", ")),
                evidence,
            );
        };
        if !reach.outbound.is_empty() {
            let reaching: Vec<String> = routes_per_entry(&reach.outbound)
                .into_iter()
                .map(|(context, routes)| format!("{context} ({routes} route(s))"))
                .collect();
            let mut evidence = evidence;
            evidence.extend(
                reach
                    .outbound
                    .iter()
                    .map(|route| cx.asterisk_evidence(route.end(), "route".into(), route.chain())),
            );
            return cx.finding(
                Status::Fail,
                format!("voicemail can dial out to a trunk through {}: a guessed PIN becomes toll fraud", reaching.join(", ")),
                evidence,
            );
        }
        if !reach.unknown.is_empty() || !reach.unread.is_empty() {
            return cx.finding(
                Status::Unknown,
                format!("no route to a trunk found from the voicemail contexts {}, but some branches cannot be followed or files are missing (see AST-CONFIG)", names.join(", ")),
                evidence,
            );
        }
        cx.finding(
            Status::Pass,
            format!(
                "the voicemail contexts {} reach no outbound trunk",
                names.join(", ")
            ),
            evidence,
        )
    }
}

/// The contexts of `dialout`/`callback`/`exitcontext` in `[general]` and in mailbox options.
fn voicemail_contexts(voicemail: &Config) -> Vec<Entry> {
    let mut entries: Vec<Entry> = voicemail
        .category("general")
        .into_iter()
        .flat_map(|general: &Category| general.variables.iter())
        .filter(|variable| {
            CONTEXT_KEYS
                .iter()
                .any(|key| variable.name.eq_ignore_ascii_case(key))
                && !variable.value.trim().is_empty()
        })
        .map(|variable| {
            entry(
                variable.value.trim(),
                format!("[general] {}", variable.name),
                &variable.origin,
            )
        })
        .collect();
    for (section, mailbox) in mailboxes(voicemail) {
        let options = mailbox.value.splitn(5, ',').nth(4).unwrap_or_default();
        for option in options.split('|') {
            let Some((key, context)) = option.split_once('=') else {
                continue;
            };
            let key = key.trim();
            if CONTEXT_KEYS
                .iter()
                .any(|known| key.eq_ignore_ascii_case(known))
                && !context.trim().is_empty()
            {
                entries.push(entry(
                    context.trim(),
                    format!("[{}] {} {key}", section.name, mailbox.name),
                    &mailbox.origin,
                ));
            }
        }
    }
    entries
}

#[cfg(test)]
mod tests {
    use voipguard_model::Status;

    use crate::code::asterisk_services::testing::run_files;

    const DIALPLAN: &str = "[internal]\nexten => _1XX,1,Dial(PJSIP/${EXTEN})\n\
        [outbound]\nexten => _9.,1,Dial(PJSIP/${EXTEN:1}@provider)\n\
        [from-internal]\ninclude => internal\ninclude => outbound\n";
    const PJSIP: &str = "[provider]\ntype=endpoint\n[provider]\ntype=identify\nendpoint=provider\nmatch=203.0.113.5\n\
        [100]\ntype=endpoint\n";

    fn status(voicemail: &str) -> Status {
        run_files(
            "AST-VM-05",
            &[
                ("voicemail.conf", voicemail),
                ("extensions.conf", DIALPLAN),
                ("pjsip.conf", PJSIP),
            ],
        )
        .status
    }

    #[test]
    fn dialout_contexts_that_reach_a_trunk_fail() {
        assert_eq!(status("[general]\ndialout=from-internal\n"), Status::Fail);
        assert_eq!(
            status("[default]\n100 => 4242,A,,,callback=from-internal|attach=yes\n"),
            Status::Fail
        );
        assert_eq!(status("[general]\ndialout=internal\n"), Status::Pass);
        assert_eq!(status("[general]\n"), Status::Pass);
    }
}

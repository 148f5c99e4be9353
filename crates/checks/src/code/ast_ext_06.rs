//! AST-EXT-06: international and premium-rate numbers need more than a phone's password.
//!
//! ## What it does
//! Takes the context of every phone (chan_sip and chan_iax2 peers with a secret that register
//! with `host=dynamic` or are `type=user`, pjsip endpoints with `auth` that no identify,
//! registration or static contact makes a trunk) and asks, for international numbers as
//! dialled from North America and elsewhere (`011…`, `00…`, with or without an outside-line `9`
//! or `0`, `+…`; only one convention when the plan's patterns show which) and, in a North
//! American plan, premium-rate ones (`1-900…`, `900…`), which extension Asterisk runs (the
//! exact one, else the most specific pattern, then the includes) and whether it reaches a dial
//! to a trunk, with the toll-fraud search of AST-EXT-01. A route is restricted when a PIN
//! (`Authenticate`, `VMAuthenticate`, a `Gosub`/`Macro` into a context asking for one), the
//! hours (`GotoIfTime`, `ExecIfTime`, an include with a timespec) or the caller ID (an
//! `exten => …/callerid` match, a `GotoIf`/`ExecIf`/`GosubIf` testing `CALLERID(num)`) stands
//! before the dial. It fails when every phone's context has an unrestricted route: nothing but
//! one phone's secret stands between an attacker and the most expensive numbers. When only
//! some phones can (a class of service is in place), it passes and says which.
//!
//! ## Why is this bad?
//! Most toll fraud logs in as a phone: a guessed or leaked SIP password, then international
//! and premium-rate calls all night. A PIN, office hours or a per-phone class of service keep
//! one weak secret from becoming a bill.
//!
//! ## Example
//! ```ini
//! ; sip.conf: every phone has context=phones
//! ; extensions.conf
//! [phones]
//! exten => _011.,1,Dial(SIP/itsp/${EXTEN})
//! ```
//! Use instead: `exten => _011.,1,Authenticate(/etc/asterisk/intl-pins,m)` before the `Dial`,
//! or `include => international,08:00-18:00,mon-fri,*,*` in the contexts that need it.
//!
//! ## References
//! - reference/asterisk.md section 2.7 step 3 ("Authenticated contexts open to everyone that
//!   reach international patterns without a PIN, caller-ID or time restriction are M")

use std::collections::{BTreeSet, HashSet};

use voipguard_asterisk::Origin;
use voipguard_model::{Finding, Status};

use super::CodeCheck;
use super::asterisk_services::{config, group, has_missing_includes};
use super::dialplan::Dialplan;
use super::toll_fraud::{Entry, Route, analyse_from, phones};
use crate::context::Context;

/// See the module documentation.
#[derive(Debug)]
pub(crate) struct AstExt06;

/// International numbers (a London number) as North American callers dial them (`011`, also
/// behind the outside-line digit `9`), and NANP premium-rate numbers.
const NANP_INTERNATIONAL: [&str; 2] = ["011442079460000", "9011442079460000"];
const NANP_PREMIUM: [&str; 3] = ["19005550123", "919005550123", "9005550123"];
/// The same number as the rest of the world dials it (`00`, also behind `9` or `0`, and `+`).
const ITU_INTERNATIONAL: [&str; 4] = [
    "00442079460000",
    "900442079460000",
    "000442079460000",
    "+442079460000",
];

/// Pattern starts (after `_`, lower case) that only a North American dial plan writes.
const NANP_MARKERS: [&str; 5] = ["011", "9011", "1nxx", "91nxx", "nxxnxx"];
/// Pattern starts that only a dial plan with the ITU `00` prefix writes.
const ITU_MARKERS: [&str; 3] = ["00", "900", "000"];

/// The numbers to try: `011…` is a national number in the UK (Sheffield) and `00…` nothing in
/// North America, so a plan that shows one convention is tried with its numbers only; a plan
/// showing neither or both, with all.
fn numbers_for(plan: &Dialplan<'_>) -> Vec<&'static str> {
    let shows = |markers: &[&str]| {
        plan.contexts().iter().flat_map(|c| &c.steps).any(|step| {
            step.exten.strip_prefix('_').is_some_and(|pattern| {
                let pattern = pattern.to_ascii_lowercase();
                markers.iter().any(|marker| pattern.starts_with(marker))
            })
        })
    };
    let (nanp, itu) = (shows(&NANP_MARKERS), shows(&ITU_MARKERS));
    let mut numbers = Vec::new();
    if nanp || !itu {
        numbers.extend(NANP_INTERNATIONAL);
    }
    // 1-900 is premium-rate only in North America: elsewhere it is no number at all.
    if nanp {
        numbers.extend(NANP_PREMIUM);
    }
    if itu || !nanp {
        numbers.extend(ITU_INTERNATIONAL);
    }
    numbers
}

fn kind_of(number: &str) -> &'static str {
    if NANP_PREMIUM.contains(&number) {
        "premium-rate"
    } else {
        "international"
    }
}

impl CodeCheck for AstExt06 {
    fn id(&self) -> &'static str {
        "AST-EXT-06"
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        let numbers = match config(cx, "extensions.conf") {
            Ok(extensions) => numbers_for(&Dialplan::new(extensions)),
            Err(absent) => return absent,
        };
        let Some(set) = cx.asterisk else {
            return cx.finding(
                Status::NotApplicable,
                "no Asterisk configuration set".into(),
                Vec::new(),
            );
        };
        let phones = phones(set);
        if phones.is_empty() {
            let partial: Vec<&str> = ["sip.conf", "pjsip.conf", "iax.conf"]
                .into_iter()
                .filter(|file| {
                    set.config(file)
                        .is_some_and(|c| has_missing_includes(c) || !c.execs.is_empty())
                })
                .collect();
            return if partial.is_empty() {
                cx.finding(
                    Status::NotApplicable,
                    "no phone authenticates with a secret in sip.conf, pjsip.conf or iax.conf"
                        .into(),
                    Vec::new(),
                )
            } else {
                cx.finding(
                    Status::Unknown,
                    format!(
                        "no phone in the files read, but {} have missing includes or #exec: the phones may be there",
                        partial.join(", ")
                    ),
                    Vec::new(),
                )
            };
        }
        // One starting point per context, at the first of its phones.
        let mut contexts: Vec<(&str, Vec<String>, &Origin)> = Vec::new();
        for phone in &phones {
            match contexts
                .iter_mut()
                .find(|(name, _, _)| name.eq_ignore_ascii_case(&phone.context))
            {
                Some((_, names, _)) => names.push(phone.name.clone()),
                None => contexts.push((&phone.context, vec![phone.name.clone()], &phone.origin)),
            }
        }
        let mut entries = Vec::new();
        for (context, names, origin) in &contexts {
            let who = group(names, phones.len(), "phones");
            for number in &numbers {
                entries.push(Entry {
                    context: (*context).to_owned(),
                    why: format!("{who} dialling {number}"),
                    origin: (*origin).clone(),
                    dialled: Some((*number).to_owned()),
                });
            }
        }
        let Some(reach) = analyse_from(set, entries) else {
            return cx.finding(
                Status::NotApplicable,
                "no extensions.conf in the set".into(),
                Vec::new(),
            );
        };
        let (open, restricted): (Vec<&Route>, Vec<&Route>) = reach
            .outbound
            .iter()
            .partition(|route| route.restrictions().is_empty());
        let open = one_per_line(open);
        let open_contexts: HashSet<String> = open
            .iter()
            .map(|route| route.entry.context.to_ascii_lowercase())
            .collect();
        let exposed: Vec<String> = phones
            .iter()
            .filter(|phone| open_contexts.contains(&phone.context.to_ascii_lowercase()))
            .map(|phone| phone.name.clone())
            .collect();
        let evidence_of = |routes: &[&Route]| {
            routes
                .iter()
                .map(|route| {
                    let dialled = route.entry.dialled.as_deref().unwrap_or_default();
                    cx.asterisk_evidence(
                        route.end(),
                        format!(
                            "{} call from {} ({dialled})",
                            kind_of(dialled),
                            route.entry.context
                        ),
                        route.chain(),
                    )
                })
                .collect::<Vec<_>>()
        };
        let kinds: BTreeSet<&str> = open
            .iter()
            .map(|route| kind_of(route.entry.dialled.as_deref().unwrap_or_default()))
            .collect();
        let kinds = kinds.into_iter().collect::<Vec<_>>().join(" and ");
        let names: BTreeSet<&str> = open.iter().map(|r| r.entry.context.as_str()).collect();
        let names = names.into_iter().collect::<Vec<_>>().join(", ");
        if !exposed.is_empty() && exposed.len() == phones.len() {
            return cx.finding(
                Status::Fail,
                format!(
                    "every phone ({} in context(s) {names}) dials {kinds} numbers to a trunk with no PIN, time or caller-ID restriction",
                    phones.len()
                ),
                evidence_of(&open),
            );
        }
        if !exposed.is_empty() {
            return cx.finding(
                Status::Pass,
                format!(
                    "{} reach {kinds} numbers unrestricted through {names}; the other phones' contexts do not (a class of service is in place)",
                    group(&exposed, phones.len(), "phones")
                ),
                evidence_of(&open),
            );
        }
        if !reach.unknown.is_empty() || !reach.unread.is_empty() {
            return cx.finding(
                Status::Unknown,
                format!(
                    "no unrestricted route to international or premium numbers found from the {} phone context(s), but {} branch(es) cannot be followed statically{}",
                    contexts.len(),
                    reach.unknown.len(),
                    if reach.unread.is_empty() {
                        String::new()
                    } else {
                        format!(" and {} have missing includes or #exec", reach.unread.join(", "))
                    }
                ),
                Vec::new(),
            );
        }
        let restricted = one_per_line(restricted);
        let message = if restricted.is_empty() {
            format!(
                "no phone context ({}) reaches international or premium-rate numbers",
                contexts
                    .iter()
                    .map(|(name, _, _)| *name)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        } else {
            let how: BTreeSet<&str> = restricted
                .iter()
                .flat_map(|route| route.restrictions())
                .map(|why| why.split(": ").next().unwrap_or(why))
                .collect();
            format!(
                "international or premium-rate routes from the phones' contexts are restricted ({})",
                how.into_iter().collect::<Vec<_>>().join(", ")
            )
        };
        cx.finding(Status::Pass, message, evidence_of(&restricted))
    }
}

/// One route per entry context, kind of number and dialling line: the numbers of one pattern
/// end on one line.
fn one_per_line(routes: Vec<&Route>) -> Vec<&Route> {
    let mut seen = HashSet::new();
    routes
        .into_iter()
        .filter(|route| {
            seen.insert((
                route.entry.context.to_ascii_lowercase(),
                kind_of(route.entry.dialled.as_deref().unwrap_or_default()),
                route.end().file.clone(),
                route.end().line,
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use voipguard_model::Status;

    use crate::code::asterisk_services::testing::run_files;

    const PHONES: &str = "[general]\nallowguest=no\n[itsp]\ntype=peer\nhost=sip.itsp.example\n\
        secret=Tr0nk!Secret\n[100]\ntype=friend\nhost=dynamic\nsecret=Ph0ne!One\ncontext=phones\n\
        [101]\ntype=friend\nhost=dynamic\nsecret=Ph0ne!Two\ncontext=phones\n";

    fn run(sip: &str, extensions: &str) -> (Status, String) {
        let finding = run_files(
            "AST-EXT-06",
            &[("sip.conf", sip), ("extensions.conf", extensions)],
        );
        (finding.status, finding.message)
    }

    #[test]
    fn every_phone_dialling_international_unrestricted_fails() {
        let (status, message) = run(
            PHONES,
            "[phones]\ninclude => out\n[out]\nexten => _011.,1,Dial(SIP/itsp/${EXTEN})\n",
        );
        assert_eq!(status, Status::Fail, "{message}");
        assert!(message.contains("every phone (2"), "{message}");
        assert!(message.contains("international"), "{message}");
        assert!(!message.contains("premium"), "{message}");
    }

    #[test]
    fn a_pin_hours_or_caller_id_restrict_the_route() {
        for restricted in [
            "[phones]\nexten => _011.,1,Authenticate(1234)\n same => n,Dial(SIP/itsp/${EXTEN})\n",
            "[phones]\ninclude => out,08:00-18:00,mon-fri,*,*\n[out]\nexten => _011.,1,Dial(SIP/itsp/${EXTEN})\n",
            "[phones]\nexten => _011.,1,GotoIf($[\"${CALLERID(num)}\" != \"100\"]?denied,s,1)\n same => n,Dial(SIP/itsp/${EXTEN})\n",
            "[phones]\nexten => _011./100,1,Dial(SIP/itsp/${EXTEN})\n",
            "[phones]\nexten => _011.,1,Macro(pinsets,1)\n same => n,Dial(SIP/itsp/${EXTEN})\n\
             [macro-pinsets]\nexten => s,1,Authenticate(/etc/asterisk/pins,m)\n",
        ] {
            let (status, message) = run(PHONES, restricted);
            assert_eq!(status, Status::Pass, "{restricted}: {message}");
            assert!(message.contains("restricted"), "{message}");
            assert!(
                !message.contains("1234"),
                "the PIN is never shown: {message}"
            );
        }
    }

    #[test]
    fn a_more_specific_block_and_a_class_of_service_pass() {
        let (status, message) = run(
            PHONES,
            "[phones]\nexten => _1NXXNXXXXXX,1,Dial(SIP/itsp/${EXTEN})\n\
             exten => _1900NXXXXXX,1,Hangup()\nexten => _011.,1,Hangup()\n",
        );
        assert_eq!(status, Status::Pass, "{message}");
        assert!(message.contains("no phone context"), "{message}");

        let sip = PHONES.replacen("context=phones", "context=lobby", 1);
        let (status, message) = run(
            &sip,
            "[lobby]\nexten => _2XX,1,Dial(SIP/${EXTEN})\n\
             [phones]\nexten => _X.,1,Dial(SIP/itsp/${EXTEN})\n",
        );
        assert_eq!(status, Status::Pass, "{message}");
        assert!(
            message.contains("1 of 2 phones (sip.conf 101) reach international numbers"),
            "{message}"
        );
    }

    #[test]
    fn a_uk_national_pattern_is_not_taken_for_north_american_international() {
        let (status, message) = run(
            PHONES,
            "[phones]\nexten => _0[1-9]X.,1,Dial(SIP/itsp/${EXTEN})\nexten => _00X.,1,Hangup()\n",
        );
        assert_eq!(status, Status::Pass, "{message}");
    }

    #[test]
    fn without_phones_it_does_not_apply_and_computed_jumps_are_unknown() {
        let (status, _) = run("[general]\nallowguest=no\n", "[phones]\n");
        assert_eq!(status, Status::NotApplicable);
        let (status, _) = run("#include sip_additional.conf\n", "[phones]\n");
        assert_eq!(status, Status::Unknown);
        let (status, message) = run(
            PHONES,
            "[phones]\nexten => _X.,1,Goto(${ROUTE},${EXTEN},1)\n",
        );
        assert_eq!(status, Status::Unknown, "{message}");
    }
}

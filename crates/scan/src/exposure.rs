//! Judges what a host exposes against the baseline controls a scan can decide, as the same
//! [`Device`] and [`Finding`]s an audit produces, so every report format prints them.
//!
//! The host's vendor comes from the SIP fingerprint when there is one, otherwise from what its
//! services said (a vendor login page, the AMI banner, `sysDescr`, a provisioning file it hands
//! out, an ADB banner naming a WP820, an IAX2 stack answering a POKE). Only the controls of that
//! vendor are judged; a host of unknown make only gets
//! NET-PUBLIC (and a finding for any provisioning file it leaks). A control the wire cannot
//! decide is `unknown`, never `pass`; evidence names `scheme://address:port` and what the
//! service said (banner, `Server`, title, certificate, TLS 1.0/1.1 acceptance), never a secret.
//! [`judge_sip_transports`] decides GS-SIP-TLS from the SIP answers themselves. What the scan
//! learns that no control of the host's make decides becomes an [`Observation`] ([`observe`]).

use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;

use voipguard_checks::Catalogue;
use voipguard_model::{
    Device, Evidence, Family, FamilyBasis, Finding, Observation, ObservationKind, Status, Vendor,
};

use crate::fingerprint::Fingerprint;
use crate::intrusive::enumerate::{Enumeration, Verdict};
use crate::intrusive::sip_auth::Trial;
use crate::intrusive::web_auth::WebLogin;
use crate::intrusive::{Answer, CallOutcome, CallTest, HostChecks, SipAuth, WebAuth};
use crate::scanner_filter::{SCANNER_FROM, SCANNER_USER_AGENT, ScannerOutcome, ScannerProbe};
use crate::scope::NON_PUBLIC;
use crate::services::{Found, HostServices, Service, ServiceResult};
use crate::sip::Transport;
use crate::sweep::SipHost;
use crate::tls::TlsInfo;

/// A host as a device, with the findings the scan could reach.
#[derive(Debug, Clone)]
pub struct Assessed {
    /// The host: id = its address, sources = every `scheme://address:port` that answered.
    pub device: Device,
    /// One finding per control judged.
    pub findings: Vec<Finding>,
}

/// True when `address` is routed on the public internet (outside [`NON_PUBLIC`]).
pub fn is_public(address: IpAddr) -> bool {
    !NON_PUBLIC.iter().any(|net| net.contains(&address))
}

/// Who made the host, from the SIP fingerprint, then the services.
fn identify(host: &HostServices, fingerprint: Option<&Fingerprint>) -> (Vendor, Option<String>) {
    if let Some(fingerprint) = fingerprint
        && let Some(vendor) = vendor_of(&fingerprint.vendor, &fingerprint.product)
    {
        return (vendor, fingerprint.model.clone());
    }
    let from_services = host.services.iter().find_map(|result| match &result.found {
        Found::Web {
            http: Some(http), ..
        } => http.web_ui.and_then(|ui| vendor_of(ui.vendor, ui.product)),
        Found::Banner { text } if text.starts_with("Asterisk Call Manager") => {
            Some(Vendor::Asterisk)
        }
        Found::Snmp {
            sys_descr: Some(descr),
            ..
        } => vendor_of(descr, descr),
        Found::Tftp { file, .. } => leaked_config_vendor(file),
        Found::Adb(answer) => answer
            .model
            .as_deref()
            .and_then(grandstream_android)
            .map(|_| Vendor::Grandstream),
        // chan_iax2 is what answers POKEs on a LAN: the IAX2 stacks of phones are rare.
        Found::Iax2 { .. } => Some(Vendor::Asterisk),
        _ => None,
    });
    // An Android phone names its model in the ADB banner.
    let model = host.services.iter().find_map(|result| {
        result
            .adb()
            .and_then(|answer| answer.model.clone())
            .filter(|model| grandstream_android(model).is_some())
    });
    if let Some(vendor) = from_services {
        return (vendor, model.filter(|_| vendor == Vendor::Grandstream));
    }
    (Vendor::Site, None)
}

/// The family of a Grandstream Android model (WP8xx, GXV) as `ro.product.model` names it; other
/// Android models (whose names can look like Snom's `D…`/`M…`) are nobody's here.
fn grandstream_android(model: &str) -> Option<Family> {
    Family::from_model(model).filter(|family| matches!(family, Family::Wp820 | Family::Gxv))
}

/// The model's vendor for a fingerprint or page vendor name; `None` for makes no control
/// covers (Yealink, Kamailio, …).
fn vendor_of(vendor: &str, product: &str) -> Option<Vendor> {
    let text = format!("{vendor} {product}").to_ascii_lowercase();
    [
        ("grandstream", Vendor::Grandstream),
        ("snom", Vendor::Snom),
        ("allworx", Vendor::Allworx),
        ("asterisk", Vendor::Asterisk),
        ("freepbx", Vendor::Asterisk),
        ("scoptel", Vendor::Asterisk),
        ("scopserv", Vendor::Asterisk),
    ]
    .into_iter()
    .find(|(needle, _)| text.contains(needle))
    .map(|(_, vendor)| vendor)
}

/// The vendor whose provisioning file name this is (`cfg<mac>.xml`/`cfg.xml`: Grandstream;
/// `snom*.htm`: Snom).
fn leaked_config_vendor(file: &str) -> Option<Vendor> {
    let lower = file.to_ascii_lowercase();
    if lower.starts_with("cfg") {
        Some(Vendor::Grandstream)
    } else if lower.starts_with("snom") {
        Some(Vendor::Snom)
    } else {
        None
    }
}

fn family_of(vendor: Vendor, model: Option<&str>) -> (Family, FamilyBasis) {
    match vendor {
        Vendor::Grandstream => model
            .and_then(Family::from_model)
            .map_or((Family::Unknown, FamilyBasis::Assumed), |family| {
                (family, FamilyBasis::Content)
            }),
        Vendor::Snom => (Family::Snom, FamilyBasis::Content),
        Vendor::Asterisk => (Family::Asterisk, FamilyBasis::Content),
        Vendor::Allworx => (Family::Allworx, FamilyBasis::Content),
        Vendor::Site => (Family::Unknown, FamilyBasis::Assumed),
    }
}

/// Judges one host. `fingerprint` is its SIP fingerprint, if it answered SIP.
pub fn assess(
    host: &HostServices,
    fingerprint: Option<&Fingerprint>,
    catalogue: &'static Catalogue,
) -> Assessed {
    let (vendor, model) = identify(host, fingerprint);
    let (family, basis) = family_of(vendor, model.as_deref());
    let mut device = Device::new(host.address.to_string(), vendor, family, basis);
    device.model = model;
    judge_as(host, device, catalogue)
}

/// Judges one host as the device `known` is (vendor, family and model of an audited
/// configuration of that host), whatever the wire suggested: the file knows better than a
/// banner which make it is.
pub fn assess_as(host: &HostServices, known: &Device, catalogue: &'static Catalogue) -> Assessed {
    let mut device = Device::new(
        host.address.to_string(),
        known.vendor,
        known.family,
        known.family_basis,
    );
    device.model.clone_from(&known.model);
    judge_as(host, device, catalogue)
}

fn judge_as(host: &HostServices, mut device: Device, catalogue: &'static Catalogue) -> Assessed {
    let (vendor, family) = (device.vendor, device.family);
    device.mac = host.macs.first().cloned();
    device.sources = host
        .services
        .iter()
        .map(|result| Arc::new(PathBuf::from(result.place(host.address))))
        .collect();
    device.sources.dedup();
    let judge = Judge {
        host,
        catalogue,
        public: is_public(host.address),
    };
    let mut findings: Vec<Finding> = match vendor {
        Vendor::Grandstream => vec![
            judge.https_only("GS-WEB-HTTPS"),
            judge.web_port("GS-WEB-PORT"),
            judge.public_reach("GS-WEB-EXPOSED", &judge.web_pages()),
            judge.ssh_off_22("GS-SSH-OFF", true),
            judge.snmp("GS-SNMP-OFF"),
            judge.tr069("GS-TR069"),
            judge.adb_ftp("GS-ADB-FTP", family),
        ],
        Vendor::Snom => vec![judge.https_only("SN-WEB-HTTPS")],
        Vendor::Asterisk => vec![
            judge.ami("AST-AMI-01"),
            judge.https_only("AST-FACT-03"),
            judge.ssh_off_22("AST-FACT-04", false),
        ],
        Vendor::Allworx => {
            let admin: Vec<&ServiceResult> = judge
                .web_pages()
                .into_iter()
                .filter(|result| result.port == 8080)
                .collect();
            vec![judge.public_reach("AW-ADMIN-8080", &admin)]
        }
        Vendor::Site => Vec::new(),
    }
    .into_iter()
    .flatten()
    .collect();
    findings.extend(judge.net_public());
    findings.extend(judge.leaked_configs());
    Assessed { device, findings }
}

/// How much a status worries: the order in which several ports' verdicts on one control win.
fn concern(status: Status) -> u8 {
    match status {
        Status::Fail => 3,
        Status::Unknown => 2,
        Status::Pass => 1,
        Status::NotApplicable => 0,
    }
}

/// One finding per check. A host answering on several ports (SIP on 5060 and 5062, two files
/// over TFTP, a web UI on 80 and 8080) is judged once per control: the most worrying verdict
/// wins (fail, unknown, pass, not applicable), so a control holds only where every port shows
/// it holding; distinct messages are joined and the evidence of every port kept, the deciding
/// port's first. Findings keep their first-seen order.
pub fn merge_same_check(findings: Vec<Finding>) -> Vec<Finding> {
    let mut groups: Vec<Vec<Finding>> = Vec::new();
    for finding in findings {
        match groups.iter_mut().find(|group| {
            group
                .first()
                .is_some_and(|first| first.check == finding.check)
        }) {
            Some(group) => group.push(finding),
            None => groups.push(vec![finding]),
        }
    }
    groups
        .into_iter()
        .filter_map(|mut group| {
            // Stable: among equals, the first-seen port leads.
            group.sort_by_key(|finding| std::cmp::Reverse(concern(finding.status)));
            let mut parts = group.into_iter();
            let mut merged = parts.next()?;
            let mut messages = vec![merged.message.clone()];
            for finding in parts {
                if !messages.contains(&finding.message) {
                    messages.push(finding.message);
                }
                add_evidence(&mut merged.evidence, finding.evidence);
            }
            merged.message = messages.join("; ");
            Some(merged)
        })
        .collect()
}

fn add_evidence(kept: &mut Vec<Evidence>, more: Vec<Evidence>) {
    for item in more {
        if !kept.contains(&item) {
            kept.push(item);
        }
    }
}

/// How certain a verdict is, by where it came from. Something answering on the wire is a fact
/// (a wire `fail` sees the exposure); a configuration states what the device was told (any
/// decided verdict); a wire `pass` or `not_applicable` rests on silence, which a firewall, a
/// port not probed or a rate limit can also explain; `unknown` decides nothing.
fn certainty(status: Status, from_wire: bool) -> u8 {
    match (status, from_wire) {
        (Status::Unknown, _) => 0,
        (Status::Fail, true) => 3,
        (_, false) => 2,
        (_, true) => 1,
    }
}

/// A device audited from its configuration and found live, as one device: the configuration's
/// identity (id, vendor, family, model; the wire's MAC when the file has none), the sources of
/// both (files, then `scheme://address:port`), and one finding per check. Where both judge a
/// check, the more certain verdict wins (see [`certainty`]; a tie goes to the configuration),
/// the message says what the other side concluded, and the evidence of both is listed.
pub fn side_by_side(config: Assessed, live: Assessed) -> Assessed {
    let Assessed {
        mut device,
        mut findings,
    } = config;
    if device.mac.is_none() {
        device.mac = live.device.mac;
    }
    for source in live.device.sources {
        if !device.sources.contains(&source) {
            device.sources.push(source);
        }
    }
    for seen in live.findings {
        let Some(stated) = findings
            .iter_mut()
            .find(|stated| stated.check == seen.check)
        else {
            findings.push(seen);
            continue;
        };
        let wire_wins = certainty(seen.status, true) > certainty(stated.status, false);
        let (winner, other, loser) = if wire_wins {
            (seen, "the configuration", stated.clone())
        } else {
            (stated.clone(), "the wire", seen)
        };
        let mut evidence = winner.evidence;
        add_evidence(&mut evidence, loser.evidence);
        let message = if loser.message == winner.message {
            winner.message
        } else {
            format!(
                "{}; {other} ({}): {}",
                winner.message,
                loser.status.as_str(),
                loser.message
            )
        };
        *stated = Finding {
            message,
            evidence,
            ..winner
        };
    }
    Assessed { device, findings }
}

/// A finding of control `id` with the catalogue's metadata; `None` when the catalogue lacks it.
fn finding(
    catalogue: &'static Catalogue,
    id: &str,
    status: Status,
    message: String,
    evidence: Vec<Evidence>,
) -> Option<Finding> {
    let check = catalogue.get(id)?;
    let meta = &check.meta;
    Some(Finding {
        check: meta.id.as_str(),
        control: meta.control.as_deref().unwrap_or(meta.id.as_str()),
        status,
        severity: meta.severity,
        message,
        evidence,
    })
}

/// The findings of the intrusive checks run on one SIP host: NET-SIP-ENUM from `enum`,
/// GS-DIRECT-IP from `direct-ip`, GS-ANON-REJECT from `anonymous`, NET-WEAK-SIP-SECRET from
/// `sip-auth`. Judged on whatever answered
/// (the operator chose to test it), so a PBX or a phone of another make gets them too.
pub fn judge_intrusive(checks: &HostChecks, catalogue: &'static Catalogue) -> Vec<Finding> {
    let place = Arc::new(PathBuf::from(format!(
        "sip://{}/{}",
        checks.target, checks.transport
    )));
    let item = |setting: String, value: String| Evidence {
        file: Some(Arc::clone(&place)),
        line: None,
        column: None,
        setting,
        value,
        default: false,
    };
    let mut out = Vec::new();
    if let Some(enumeration) = &checks.enumeration {
        out.extend(judge_enumeration(enumeration, catalogue, &item));
    }
    for (id, test) in [
        ("GS-DIRECT-IP", &checks.direct_ip),
        ("GS-ANON-REJECT", &checks.anonymous),
    ] {
        if let Some(test) = test {
            out.extend(judge_call(id, test, catalogue, &item));
        }
    }
    if let Some(sip_auth) = &checks.sip_auth {
        out.extend(judge_sip_auth(sip_auth, catalogue, &item));
    }
    out
}

/// NET-WEAK-SIP-SECRET: `fail` when any user's secret was guessed (naming the user and what
/// kind of value it was) or the site file's secret of a user the host challenged is judged weak
/// offline (named the same way, with the judgement), `pass` when every user tried resisted the
/// whole dictionary, `unknown` when no user could be tried or a run was cut short without a
/// guess.
fn judge_sip_auth(
    sip_auth: &SipAuth,
    catalogue: &'static Catalogue,
    item: &impl Fn(String, String) -> Evidence,
) -> Option<Finding> {
    let mut evidence: Vec<Evidence> = sip_auth
        .digest
        .iter()
        .map(|digest| item("digest".to_string(), digest.clone()))
        .collect();
    let mut guessed = Vec::new();
    let mut resisted = Vec::new();
    let mut cut_short = Vec::new();
    for user in &sip_auth.users {
        let setting = format!("REGISTER as {}", user.user);
        // The site's secret concerns this host only when the host knows the user.
        let known = !matches!(user.trial, Trial::NotChallenged { .. } | Trial::Untried);
        let mut weak_because = Vec::new();
        if let Some(site) = user.site_secret.as_ref().filter(|_| known) {
            evidence.push(item(
                format!("site credential of {}", user.user),
                format!(
                    "{}{} (redacted, judged offline, never sent)",
                    if site.weak { "weak: " } else { "" },
                    site.judgement
                ),
            ));
            if site.weak {
                weak_because.push(format!("the site's secret: {}", site.judgement));
            }
        }
        match &user.trial {
            Trial::Guessed { weakness } => {
                evidence.push(item(
                    setting,
                    format!(
                        "accepted at try {} of {}; secret: {weakness} (redacted)",
                        user.tries, user.of
                    ),
                ));
                weak_because.insert(0, weakness.to_string());
            }
            Trial::Resisted => {
                evidence.push(item(
                    setting,
                    format!("refused all {} candidate secrets", user.tries),
                ));
                resisted.push(user.user.as_str());
            }
            Trial::NotChallenged { answer } => {
                evidence.push(item(setting, format!("not challenged: {answer}")));
            }
            Trial::Interrupted { reason } => {
                evidence.push(item(
                    setting,
                    format!("{} of {} tried, then {reason}", user.tries, user.of),
                ));
                cut_short.push(user.user.as_str());
            }
            Trial::Untried => {
                evidence.push(item(setting, "not tried".to_string()));
                cut_short.push(user.user.as_str());
            }
        }
        if !weak_because.is_empty() {
            guessed.push(format!("{} ({})", user.user, weak_because.join("; ")));
        }
    }
    evidence.extend(
        sip_auth
            .users
            .iter()
            .filter_map(|user| user.cleanup.as_ref())
            .map(|done| item("cleanup".to_string(), done.clone())),
    );
    let (status, message) = if !guessed.is_empty() {
        (
            Status::Fail,
            format!(
                "{} of {} users have a guessable SIP secret: {}; each binding removed again",
                guessed.len(),
                sip_auth.users.len(),
                guessed.join(", ")
            ),
        )
    } else if !cut_short.is_empty() {
        (
            Status::Unknown,
            format!(
                "the dictionary run was cut short for {}{}",
                cut_short.join(", "),
                sip_auth
                    .stopped
                    .as_ref()
                    .map(|why| format!(": {why}"))
                    .unwrap_or_default()
            ),
        )
    } else if resisted.is_empty() {
        let hint = if sip_auth.users_from == "enum" {
            "enum found no challenged extension; name the users with --users"
        } else {
            "none of the users given was challenged"
        };
        (Status::Unknown, format!("no user to guess for: {hint}"))
    } else {
        (
            Status::Pass,
            format!(
                "{} users resisted every candidate secret (derived from the user name, factory defaults, scanners' first guesses{}): {}",
                resisted.len(),
                if sip_auth.supplied_words > 0 {
                    ", the supplied list"
                } else {
                    ""
                },
                resisted.join(", ")
            ),
        )
    };
    finding(catalogue, "NET-WEAK-SIP-SECRET", status, message, evidence)
}

/// The findings of `web-auth` on one host: per baseline control the vendor's default logins
/// break, `fail` when one was accepted, `pass` when every one tried was refused. Logins of makes
/// no control covers are logged and kept in the JSON listing but make no finding.
pub fn judge_web_auth(web: &WebAuth, catalogue: &'static Catalogue) -> Vec<Finding> {
    let mut by_control: std::collections::BTreeMap<&str, Vec<(&WebLogin, usize)>> =
        std::collections::BTreeMap::new();
    for login in &web.logins {
        for (index, attempt) in login.attempts.iter().enumerate() {
            if let Some(control) = attempt.control.as_deref() {
                by_control.entry(control).or_default().push((login, index));
            }
        }
    }
    by_control
        .into_iter()
        .filter_map(|(control, attempts)| {
            let evidence = attempts
                .iter()
                .filter_map(|(login, index)| {
                    let attempt = login.attempts.get(*index)?;
                    Some(Evidence {
                        file: Some(Arc::new(PathBuf::from(&login.place))),
                        line: None,
                        column: None,
                        setting: format!("{} login as {}", login.scheme, attempt.user),
                        value: if attempt.accepted {
                            "accepted: the password is a factory default (redacted)".to_string()
                        } else {
                            "refused".to_string()
                        },
                        default: false,
                    })
                })
                .collect();
            let accepted: Vec<String> = attempts
                .iter()
                .filter_map(|(login, index)| {
                    let attempt = login.attempts.get(*index)?;
                    attempt.accepted.then(|| {
                        format!(
                            "the factory-default {} login (user {}) works on {}",
                            attempt.account, attempt.user, login.place
                        )
                    })
                })
                .collect();
            let (status, message) = if accepted.is_empty() {
                (
                    Status::Pass,
                    "the vendor's factory-default logins were refused".to_string(),
                )
            } else {
                (Status::Fail, accepted.join("; "))
            };
            finding(catalogue, control, status, message, evidence)
        })
        .collect()
}

fn judge_enumeration(
    enumeration: &Enumeration,
    catalogue: &'static Catalogue,
    item: &impl Fn(String, String) -> Evidence,
) -> Option<Finding> {
    let method = enumeration.method;
    let shown = |answer: &Option<Answer>| {
        answer
            .as_ref()
            .map_or_else(|| "no answer".to_string(), Answer::to_string)
    };
    let mut evidence = vec![item(
        format!("{method} for a random user"),
        shown(&enumeration.baseline),
    )];
    evidence.extend(enumeration.revealed.iter().map(|found| {
        item(
            format!("{method} for {}", found.user),
            found.answer.to_string(),
        )
    }));
    evidence.extend(
        enumeration
            .cleanup
            .iter()
            .map(|done| item("cleanup".to_string(), done.clone())),
    );
    let (status, message) = match enumeration.verdict {
        Verdict::Enumerable => (
            Status::Fail,
            format!(
                "{} of {} extensions are answered differently from a random user ({method}): {}",
                enumeration.revealed.len(),
                enumeration.tried,
                enumeration
                    .revealed
                    .iter()
                    .map(|found| found.user.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ),
        Verdict::Uniform => (
            Status::Pass,
            format!(
                "{} extensions answered like a random user ({method}: {})",
                enumeration.tried - enumeration.silent.len(),
                shown(&enumeration.baseline)
            ),
        ),
        Verdict::NoAnswer => (
            Status::Unknown,
            format!("no answer to {method} for a random user"),
        ),
        Verdict::Unstable => {
            evidence.push(item(
                format!("{method} for a second random user"),
                shown(&enumeration.baseline_after),
            ));
            (
                Status::Unknown,
                format!(
                    "answers changed during the run ({} of {} extensions silent): rate limiting or a ban; no comparison holds",
                    enumeration.silent.len(),
                    enumeration.tried
                ),
            )
        }
    };
    // A registrar that takes bindings without authentication is worse than enumerable: say
    // so whatever the comparison concluded.
    let message = match enumeration.cleanup.len() {
        0 => message,
        accepted => format!(
            "{message}; REGISTER was accepted without authentication {accepted} time(s), each binding removed again"
        ),
    };
    finding(catalogue, "NET-SIP-ENUM", status, message, evidence)
}

fn judge_call(
    id: &str,
    test: &CallTest,
    catalogue: &'static Catalogue,
    item: &impl Fn(String, String) -> Evidence,
) -> Option<Finding> {
    let caller = if test.anonymous {
        "an anonymous INVITE"
    } else {
        "an INVITE sent straight to its address"
    };
    let invite = format!("INVITE {}", test.request_uri);
    let mut evidence = Vec::new();
    let (status, message) = match &test.outcome {
        CallOutcome::Answered { answer } => {
            evidence.push(item(invite.clone(), answer.to_string()));
            (Status::Fail, format!("answered {caller} ({answer})"))
        }
        CallOutcome::Rang { ringing } => {
            evidence.push(item(invite.clone(), ringing.to_string()));
            (
                Status::Fail,
                format!("rang for {caller} ({ringing}); cancelled"),
            )
        }
        // "Not found" refuses this user only; the phone may ring for its own account's user.
        CallOutcome::Rejected { answer } if matches!(answer.status, 404 | 484) => {
            evidence.push(item(invite.clone(), answer.to_string()));
            (
                Status::Unknown,
                format!(
                    "{caller} for {} was refused as an unknown user ({answer}); call one of its own users to decide",
                    test.request_uri
                ),
            )
        }
        CallOutcome::Rejected { answer } => {
            evidence.push(item(invite.clone(), answer.to_string()));
            (Status::Pass, format!("rejected {caller} ({answer})"))
        }
        CallOutcome::Trying => (
            Status::Unknown,
            format!("{caller} got only 100 Trying, then nothing; cancelled"),
        ),
        CallOutcome::Silent => (Status::Unknown, format!("no answer to {caller}")),
    };
    evidence.extend(
        test.cleanup
            .iter()
            .map(|done| item("cleanup".to_string(), done.clone())),
    );
    finding(catalogue, id, status, message, evidence)
}

/// What a TLS handshake showed, as (setting, value) evidence: the leaf certificate and, when
/// probed, the legacy versions the server accepted.
fn tls_evidence(tls: &TlsInfo) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    if let Some(leaf) = tls.leaf() {
        let mut notes = Vec::new();
        if leaf.self_signed {
            notes.push("self-signed");
        }
        if leaf.expired {
            notes.push("expired");
        }
        let notes = if notes.is_empty() {
            String::new()
        } else {
            format!(" ({})", notes.join(", "))
        };
        out.push((
            "certificate",
            format!(
                "subject {}, issuer {}, not after {}{notes}",
                leaf.subject, leaf.issuer, leaf.not_after
            ),
        ));
    }
    if !tls.versions.is_empty() {
        let value = legacy_note(tls)
            .unwrap_or_else(|| "refuses TLS 1.0 and TLS 1.1 (hand-made ClientHellos)".to_string());
        out.push(("protocol versions", value));
    }
    out
}

/// "still accepts TLS 1.0, TLS 1.1 …" when the server accepted a deprecated version.
fn legacy_note(tls: &TlsInfo) -> Option<String> {
    let legacy = tls.accepted_legacy();
    (!legacy.is_empty()).then(|| {
        let names: Vec<&str> = legacy.iter().map(|version| version.name()).collect();
        format!(
            "still accepts {} (deprecated by RFC 8996)",
            names.join(", ")
        )
    })
}

/// GS-SIP-TLS from the SIP answers of one host of `vendor` (as [`assess`] identified it),
/// for Grandstream phones only: an answer over UDP or TCP means an account listens without
/// TLS (each account listens on its own port with its own transport), so it fails; answers
/// over TLS only pass, on the ports probed. A SIP-TLS port that still accepts TLS 1.0 or 1.1
/// is named in the message and evidence: no control covers TLS versions, this is the SIP-TLS
/// one.
pub fn judge_sip_transports(
    vendor: Vendor,
    answers: &[&SipHost],
    catalogue: &'static Catalogue,
) -> Option<Finding> {
    if vendor != Vendor::Grandstream || answers.is_empty() {
        return None;
    }
    let place = |host: &SipHost| format!("sip://{}/{}", host.target, host.transport);
    let mut evidence = Vec::new();
    for host in answers {
        let file = Arc::new(PathBuf::from(place(host)));
        let item = |setting: &str, value: String| Evidence {
            file: Some(Arc::clone(&file)),
            line: None,
            column: None,
            setting: setting.to_string(),
            value,
            default: false,
        };
        evidence.push(item("OPTIONS", format!("{} {}", host.status, host.reason)));
        if let Some(tls) = &host.tls {
            evidence.extend(
                tls_evidence(tls)
                    .into_iter()
                    .map(|(setting, value)| item(setting, value)),
            );
        }
    }
    let (clear, tls): (Vec<&SipHost>, Vec<&SipHost>) = answers
        .iter()
        .copied()
        .partition(|host| host.transport != Transport::Tls);
    let places = |hosts: &[&SipHost]| {
        hosts
            .iter()
            .map(|host| place(host))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let legacy: String = tls
        .iter()
        .filter_map(|host| {
            legacy_note(host.tls.as_ref()?).map(|note| format!("; {} {note}", place(host)))
        })
        .collect();
    let (status, message) = if clear.is_empty() {
        (
            Status::Pass,
            format!(
                "SIP answers over TLS only ({}) on the probed ports{legacy}",
                places(&tls)
            ),
        )
    } else {
        (
            Status::Fail,
            format!(
                "SIP answers in clear text at {}: an account listens without TLS{legacy}",
                places(&clear)
            ),
        )
    };
    finding(catalogue, "GS-SIP-TLS", status, message, evidence)
}

/// What the wire showed of one host besides its services, for [`observe`].
#[derive(Debug, Clone, Copy)]
pub struct HostEvidence<'a> {
    /// The make the host was judged as.
    pub vendor: Vendor,
    /// Its SIP fingerprint, web signal included.
    pub fingerprint: Option<&'a Fingerprint>,
    /// Its SIP answers (every transport and port).
    pub answers: &'a [&'a SipHost],
    /// The scanner-like OPTIONS it was sent.
    pub scanner_probes: &'a [&'a ScannerProbe],
    /// `web-auth` on it, when that ran and found a login.
    pub web_auth: Option<&'a WebAuth>,
}

/// What the scan learnt about one host that no control of its make decides: a scanner filter
/// (hardening), a SIP-TLS port still accepting TLS 1.0/1.1 on a host other than a Grandstream
/// phone (whose GS-SIP-TLS finding names it), default web logins tried on a make no control
/// covers, a web UI naming another make than SIP does.
pub fn observe(seen: HostEvidence<'_>) -> Vec<Observation> {
    let place = |host: &SipHost| format!("sip://{}/{}", host.target, host.transport);
    let mut observations = Vec::new();
    for probe in seen.scanner_probes {
        let ScannerOutcome::Dropped { transmissions } = probe.outcome else {
            continue;
        };
        let mut evidence: Vec<String> = seen
            .answers
            .iter()
            .filter(|host| host.target == probe.target && host.transport == Transport::Udp)
            .map(|host| {
                format!(
                    "{}: OPTIONS answered {} {}",
                    place(host),
                    host.status,
                    host.reason
                )
            })
            .collect();
        evidence.push(format!(
            "sip://{}/udp: {transmissions} scanner-like OPTIONS (User-Agent {SCANNER_USER_AGENT}, From {SCANNER_FROM}) unanswered",
            probe.target
        ));
        observations.push(Observation {
            kind: ObservationKind::ScannerFilter,
            message: probe.note(),
            evidence,
        });
    }
    if seen.vendor != Vendor::Grandstream {
        for host in seen.answers {
            let Some(tls) = &host.tls else { continue };
            let Some(note) = legacy_note(tls) else {
                continue;
            };
            observations.push(Observation {
                kind: ObservationKind::LegacyTls,
                message: format!(
                    "SIP-TLS at {} {note}; no control of this make covers TLS versions",
                    place(host)
                ),
                evidence: tls_evidence(tls)
                    .into_iter()
                    .map(|(setting, value)| format!("{}: {setting}: {value}", place(host)))
                    .collect(),
            });
        }
    }
    for login in seen.web_auth.into_iter().flat_map(|web| &web.logins) {
        let uncovered: Vec<_> = login
            .attempts
            .iter()
            .filter(|attempt| attempt.control.is_none())
            .collect();
        if uncovered.is_empty() {
            continue;
        }
        let accepted: Vec<String> = uncovered
            .iter()
            .filter(|attempt| attempt.accepted)
            .map(|attempt| {
                format!(
                    "the factory-default {} login (user {}) works on {}",
                    attempt.account, attempt.user, login.place
                )
            })
            .collect();
        let message = if accepted.is_empty() {
            format!(
                "{} factory-default web logins were refused at {}; no control covers this make",
                uncovered.len(),
                login.place
            )
        } else {
            format!("{}; no control covers this make", accepted.join("; "))
        };
        let mut evidence: Vec<String> = uncovered
            .iter()
            .map(|attempt| {
                let outcome = if attempt.accepted {
                    "accepted (password redacted)"
                } else {
                    "refused"
                };
                format!(
                    "{}: {} login as {}: {outcome}",
                    login.place, login.scheme, attempt.user
                )
            })
            .collect();
        evidence.extend(
            login
                .error
                .as_ref()
                .map(|error| format!("{}: stopped: {error}", login.place)),
        );
        observations.push(Observation {
            kind: ObservationKind::WebAuth,
            message,
            evidence,
        });
    }
    if let Some(fingerprint) = seen.fingerprint
        && let Some(disagreement) = &fingerprint.disagreement
    {
        let mut evidence: Vec<String> = seen
            .answers
            .iter()
            .flat_map(|host| {
                [("Server", &host.server), ("User-Agent", &host.user_agent)]
                    .into_iter()
                    .filter_map(move |(label, value)| {
                        Some(format!("{}: {label} {:?}", place(host), value.as_deref()?))
                    })
            })
            .collect();
        evidence.dedup();
        evidence.push(disagreement.clone());
        observations.push(Observation {
            kind: ObservationKind::FingerprintDisagreement,
            message: format!(
                "SIP names {} {}, but {disagreement}",
                fingerprint.vendor, fingerprint.product
            ),
            evidence,
        });
    }
    observations
}

struct Judge<'a> {
    host: &'a HostServices,
    catalogue: &'static Catalogue,
    public: bool,
}

impl Judge<'_> {
    fn finding(
        &self,
        id: &str,
        status: Status,
        message: String,
        evidence: Vec<Evidence>,
    ) -> Option<Finding> {
        finding(self.catalogue, id, status, message, evidence)
    }

    fn place(&self, result: &ServiceResult) -> String {
        result.place(self.host.address)
    }

    /// What the service said, for evidence: banner, or Server / title / realm / certificate.
    fn evidence(&self, result: &ServiceResult) -> Vec<Evidence> {
        let place = Arc::new(PathBuf::from(self.place(result)));
        let item = |setting: &str, value: String| Evidence {
            file: Some(Arc::clone(&place)),
            line: None,
            column: None,
            setting: setting.to_string(),
            value,
            default: false,
        };
        let mut out = Vec::new();
        match &result.found {
            Found::Open => out.push(item("port", "open".to_string())),
            Found::Banner { text } => out.push(item("banner", text.clone())),
            Found::Web { tls, http } => {
                if let Some(http) = http {
                    out.push(item("status", http.status.to_string()));
                    for (setting, value) in [
                        ("Server", &http.server),
                        ("title", &http.title),
                        ("realm", &http.realm),
                        ("Location", &http.location),
                    ] {
                        if let Some(value) = value {
                            out.push(item(setting, value.clone()));
                        }
                    }
                }
                if let Some(tls) = tls {
                    out.extend(
                        tls_evidence(tls)
                            .into_iter()
                            .map(|(setting, value)| item(setting, value)),
                    );
                }
            }
            Found::Snmp {
                version,
                community,
                sys_descr,
            } => {
                let version = match version {
                    crate::snmp::SnmpVersion::V1 => "v1",
                    crate::snmp::SnmpVersion::V2c => "v2c",
                };
                out.push(item(
                    "community",
                    format!("{version} community {community} (a factory default)"),
                ));
                if let Some(descr) = sys_descr {
                    out.push(item("sysDescr", descr.clone()));
                }
            }
            Found::Tftp { file, size, .. } => {
                out.push(item("file", format!("{file} ({size} bytes)")));
            }
            Found::Adb(answer) => {
                let how = if answer.open_to_anyone() {
                    "lets an unknown host in"
                } else {
                    "asks for a known key"
                };
                out.push(item(
                    "ADB",
                    format!(
                        "ADB answers on {} ({} to the host's CNXN: {how})",
                        result.port, answer.command
                    ),
                ));
                if let Some(banner) = &answer.banner {
                    out.push(item("ADB banner", banner.clone()));
                }
            }
            Found::Iax2 { reply, responder } => {
                let from = responder
                    .map(|responder| format!(" from {responder}"))
                    .unwrap_or_default();
                out.push(item("IAX2 POKE", format!("{reply}{from}")));
            }
        }
        out
    }

    fn evidence_of(&self, results: &[&ServiceResult]) -> Vec<Evidence> {
        results
            .iter()
            .flat_map(|result| self.evidence(result))
            .collect()
    }

    fn places(&self, results: &[&ServiceResult]) -> String {
        results
            .iter()
            .map(|result| self.place(result))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Ports that serve a page (over TLS or not).
    fn web_pages(&self) -> Vec<&ServiceResult> {
        self.host
            .services
            .iter()
            .filter(|result| result.http().is_some())
            .collect()
    }

    fn banners_starting(&self, prefix: &str) -> Vec<&ServiceResult> {
        self.host
            .services
            .iter()
            .filter(|result| result.banner().is_some_and(|text| text.starts_with(prefix)))
            .collect()
    }

    fn https_only(&self, id: &str) -> Option<Finding> {
        let pages = self.web_pages();
        let (tls, plain): (Vec<&ServiceResult>, Vec<&ServiceResult>) =
            pages.into_iter().partition(|result| result.tls().is_some());
        let plain: Vec<&ServiceResult> = plain
            .into_iter()
            .filter(|result| result.http().is_some_and(|http| !http.redirects_to_https()))
            .collect();
        if !plain.is_empty() {
            let mut evidence = self.evidence_of(&plain);
            evidence.extend(self.evidence_of(&tls));
            return self.finding(
                id,
                Status::Fail,
                format!("web UI served over plain HTTP at {}", self.places(&plain)),
                evidence,
            );
        }
        if !tls.is_empty() && self.host.probed(Service::Http, 80) {
            // No control is about TLS versions: the HTTPS one carries the observation.
            let legacy: String = tls
                .iter()
                .filter_map(|result| {
                    legacy_note(result.tls()?)
                        .map(|note| format!("; {} {note}", self.place(result)))
                })
                .collect();
            return self.finding(
                id,
                Status::Pass,
                format!(
                    "web UI answers over HTTPS only ({}); no plain HTTP page on the probed ports{legacy}",
                    self.places(&tls)
                ),
                self.evidence_of(&tls),
            );
        }
        self.finding(
            id,
            Status::Unknown,
            "no web UI answered over HTTPS on the probed ports (it may be off, or on a port not probed)"
                .to_string(),
            Vec::new(),
        )
    }

    fn web_port(&self, id: &str) -> Option<Finding> {
        let pages = self.web_pages();
        let well_known: Vec<&ServiceResult> = pages
            .iter()
            .copied()
            .filter(|result| matches!(result.port, 80 | 443))
            .collect();
        if !well_known.is_empty() {
            return self.finding(
                id,
                Status::Fail,
                format!("web UI on a well-known port: {}", self.places(&well_known)),
                self.evidence_of(&well_known),
            );
        }
        if !pages.is_empty()
            && self.host.probed(Service::Http, 80)
            && self.host.probed(Service::Https, 443)
        {
            return self.finding(
                id,
                Status::Pass,
                format!(
                    "web UI only on {}; ports 80 and 443 do not answer",
                    self.places(&pages)
                ),
                self.evidence_of(&pages),
            );
        }
        if !pages.is_empty() {
            return self.finding(
                id,
                Status::Unknown,
                format!(
                    "web UI on {}; ports 80 and 443 were not both probed",
                    self.places(&pages)
                ),
                self.evidence_of(&pages),
            );
        }
        self.finding(
            id,
            Status::Unknown,
            "no web UI found on the probed ports".to_string(),
            Vec::new(),
        )
    }

    /// SSH on port 22 fails. Without it, `off_22_passes` (GS-SSH-OFF: "disabled, or off 22")
    /// passes when port 22 was probed; PBX-SSH also asks for DenyHosts and an allowed-hosts list,
    /// which no probe sees.
    fn ssh_off_22(&self, id: &str, off_22_passes: bool) -> Option<Finding> {
        let ssh = self.banners_starting("SSH-");
        let on_22: Vec<&ServiceResult> = ssh.iter().copied().filter(|r| r.port == 22).collect();
        if !on_22.is_empty() {
            return self.finding(
                id,
                Status::Fail,
                format!("SSH answers on port 22 ({})", self.places(&on_22)),
                self.evidence_of(&on_22),
            );
        }
        let elsewhere = if ssh.is_empty() {
            "no SSH found on the probed ports".to_string()
        } else {
            format!("SSH answers off port 22 ({})", self.places(&ssh))
        };
        let (status, message) = match (self.host.probed(Service::Ssh, 22), off_22_passes) {
            (true, true) => (
                Status::Pass,
                format!("port 22 does not answer SSH; {elsewhere}"),
            ),
            (true, false) => (
                Status::Unknown,
                format!(
                    "port 22 does not answer SSH; {elsewhere}; DenyHosts and the allowed-hosts list cannot be seen from the network"
                ),
            ),
            (false, _) => (
                Status::Unknown,
                format!("port 22 was not probed; {elsewhere}"),
            ),
        };
        self.finding(id, status, message, self.evidence_of(&ssh))
    }

    fn of_kind(&self, wanted: impl Fn(&ServiceResult) -> bool) -> Vec<&ServiceResult> {
        self.host.services.iter().filter(|r| wanted(r)).collect()
    }

    fn exposed_or_unknown(
        &self,
        id: &str,
        found: &[&ServiceResult],
        what: &str,
        silent: &str,
    ) -> Option<Finding> {
        if found.is_empty() {
            self.finding(id, Status::Unknown, silent.to_string(), Vec::new())
        } else {
            self.finding(
                id,
                Status::Fail,
                format!("{what} at {}", self.places(found)),
                self.evidence_of(found),
            )
        }
    }

    fn snmp(&self, id: &str) -> Option<Finding> {
        let found = self.of_kind(|r| matches!(r.found, Found::Snmp { .. }));
        self.exposed_or_unknown(
            id,
            &found,
            "SNMP answers a factory community",
            "SNMP did not answer the factory communities; it may still be on with another one",
        )
    }

    fn tr069(&self, id: &str) -> Option<Finding> {
        let found = self.of_kind(|r| r.service == Service::Tr069 || r.port == 7547);
        self.exposed_or_unknown(
            id,
            &found,
            "the TR-069 connection-request port 7547 answers",
            "port 7547 does not answer; TR-069 may be off or use another connection-request port",
        )
    }

    /// ADB (its CNXN answered, whether it lets anyone in or asks for a key: the service is
    /// on) and FTP (a `220` banner).
    fn adb_ftp(&self, id: &str, family: Family) -> Option<Finding> {
        if family == Family::Grp {
            return self.finding(
                id,
                Status::NotApplicable,
                "applies to wp820, not grp".to_string(),
                Vec::new(),
            );
        }
        let ftp = self.banners_starting("220");
        let adb = self.of_kind(|result| result.adb().is_some());
        if !adb.is_empty() {
            let ports: Vec<String> = adb.iter().map(|result| result.port.to_string()).collect();
            let mut found = adb.clone();
            found.extend(&ftp);
            let also = if ftp.is_empty() {
                String::new()
            } else {
                format!("; FTP answers at {}", self.places(&ftp))
            };
            return self.finding(
                id,
                Status::Fail,
                format!("ADB answers on {}{also}", ports.join(", ")),
                self.evidence_of(&found),
            );
        }
        let silent = if self.host.probed(Service::Adb, crate::adb::ADB_PORT) {
            "neither FTP nor ADB answers on the probed ports"
        } else {
            "FTP does not answer on the probed ports; ADB's port 5555 was not probed"
        };
        self.exposed_or_unknown(id, &ftp, "FTP answers", silent)
    }

    fn ami(&self, id: &str) -> Option<Finding> {
        let found = self.banners_starting("Asterisk Call Manager");
        self.exposed_or_unknown(
            id,
            &found,
            "the Asterisk Manager Interface is reachable from the scanner",
            "no AMI banner on the probed ports; an ACL or another port cannot be ruled out",
        )
    }

    /// Controls about reachability from the internet: decided on a public address only.
    fn public_reach(&self, id: &str, reached: &[&ServiceResult]) -> Option<Finding> {
        match (self.public, reached.is_empty()) {
            (true, false) => self.finding(
                id,
                Status::Fail,
                format!("reachable on a public address: {}", self.places(reached)),
                self.evidence_of(reached),
            ),
            (true, true) => self.finding(
                id,
                Status::Pass,
                "nothing answers on the probed ports of this public address".to_string(),
                Vec::new(),
            ),
            (false, false) => self.finding(
                id,
                Status::Unknown,
                format!(
                    "reachable on the local network at {}; whether the internet reaches it cannot be seen from inside",
                    self.places(reached)
                ),
                self.evidence_of(reached),
            ),
            (false, true) => self.finding(
                id,
                Status::Unknown,
                "not found on this private address; internet reachability cannot be seen from inside"
                    .to_string(),
                Vec::new(),
            ),
        }
    }

    fn net_public(&self) -> Option<Finding> {
        if !self.public {
            return self.finding(
                "NET-PUBLIC",
                Status::NotApplicable,
                format!("{} is not a public address", self.host.address),
                Vec::new(),
            );
        }
        let exposed = self.of_kind(|r| {
            r.http().is_some()
                || r.banner().is_some_and(|text| text.starts_with("SSH-"))
                || matches!(
                    r.service,
                    Service::Tr069 | Service::Snmp | Service::Tftp | Service::Adb | Service::Iax2
                )
        });
        if exposed.is_empty() {
            self.finding(
                "NET-PUBLIC",
                Status::Pass,
                "no web UI, SSH, TR-069, SNMP, TFTP, ADB or IAX2 answers on the probed ports"
                    .to_string(),
                Vec::new(),
            )
        } else {
            self.public_reach("NET-PUBLIC", &exposed)
        }
    }

    /// A provisioning file handed out over TFTP to anyone who names it.
    fn leaked_configs(&self) -> Vec<Finding> {
        self.host
            .services
            .iter()
            .filter_map(|result| {
                let Found::Tftp { file, .. } = &result.found else {
                    return None;
                };
                let id = match leaked_config_vendor(file)? {
                    Vendor::Snom => "SN-PROV-SERVER-AUTH",
                    _ => "GS-PROV-HTTPS",
                };
                self.finding(
                    id,
                    Status::Fail,
                    format!(
                        "{} hands out {file} over TFTP to anyone who asks, without authentication",
                        self.place(result)
                    ),
                    self.evidence(result),
                )
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::http::HttpInfo;
    use crate::services::{FileContent, ServiceConfig};

    fn catalogue() -> &'static Catalogue {
        voipguard_checks::catalogue().unwrap_or_else(|err| panic!("{err}"))
    }

    fn host(address: &str, services: Vec<ServiceResult>) -> HostServices {
        HostServices {
            address: address.parse().unwrap_or(IpAddr::from([0, 0, 0, 0])),
            services,
            probed: ServiceConfig::default().ports,
            macs: Vec::new(),
        }
    }

    fn banner(service: Service, port: u16, text: &str) -> ServiceResult {
        ServiceResult {
            service,
            port,
            found: Found::Banner {
                text: text.to_string(),
            },
        }
    }

    fn page(port: u16, title: &str) -> ServiceResult {
        let http = crate::http::parse(
            format!("HTTP/1.1 200 OK\r\nServer: lighttpd\r\n\r\n<title>{title}</title>").as_bytes(),
        );
        ServiceResult {
            service: Service::Http,
            port,
            found: Found::Web { tls: None, http },
        }
    }

    fn statuses(assessed: &Assessed) -> BTreeMap<&'static str, Status> {
        assessed
            .findings
            .iter()
            .map(|finding| (finding.check, finding.status))
            .collect()
    }

    #[test]
    fn grandstream_phone_with_everything_on() {
        let snmp = ServiceResult {
            service: Service::Snmp,
            port: 161,
            found: Found::Snmp {
                version: crate::snmp::SnmpVersion::V2c,
                community: "public".to_string(),
                sys_descr: Some("Grandstream GRP2612W".to_string()),
            },
        };
        let assessed = assess(
            &host(
                "192.168.1.20",
                vec![
                    banner(Service::Ssh, 22, "SSH-2.0-dropbear_2019.78"),
                    page(80, "Grandstream Device Configuration"),
                    page(7547, "TR-069"),
                    snmp,
                ],
            ),
            None,
            catalogue(),
        );
        assert_eq!(assessed.device.vendor, Vendor::Grandstream);
        assert_eq!(assessed.device.id, "192.168.1.20");
        let statuses = statuses(&assessed);
        for failed in [
            "GS-WEB-HTTPS",
            "GS-WEB-PORT",
            "GS-SSH-OFF",
            "GS-SNMP-OFF",
            "GS-TR069",
        ] {
            assert_eq!(statuses.get(failed), Some(&Status::Fail), "{failed}");
        }
        assert_eq!(statuses.get("GS-WEB-EXPOSED"), Some(&Status::Unknown));
        assert_eq!(statuses.get("NET-PUBLIC"), Some(&Status::NotApplicable));
        let snmp = assessed
            .findings
            .iter()
            .find(|f| f.check == "GS-SNMP-OFF")
            .map(|f| {
                f.evidence
                    .iter()
                    .map(|e| e.value.clone())
                    .collect::<Vec<_>>()
            });
        assert_eq!(
            snmp,
            Some(vec![
                "v2c community public (a factory default)".to_string(),
                "Grandstream GRP2612W".to_string()
            ])
        );
    }

    #[test]
    fn nothing_exposed_is_unknown_not_pass_except_where_the_port_decides() {
        let quiet_fingerprint = Fingerprint {
            vendor: "Grandstream".to_string(),
            product: "IP phone".to_string(),
            model: Some("GRP2612W".to_string()),
            firmware: None,
            platform: None,
            confidence: 0.7,
            signals: vec!["agent"],
            disagreement: None,
        };
        let assessed = assess(
            &host("10.0.0.9", vec![]),
            Some(&quiet_fingerprint),
            catalogue(),
        );
        assert_eq!(assessed.device.family, Family::Grp);
        let statuses = statuses(&assessed);
        assert_eq!(statuses.get("GS-SSH-OFF"), Some(&Status::Pass));
        assert_eq!(statuses.get("GS-ADB-FTP"), Some(&Status::NotApplicable));
        for undecided in ["GS-WEB-HTTPS", "GS-WEB-PORT", "GS-SNMP-OFF", "GS-TR069"] {
            assert_eq!(
                statuses.get(undecided),
                Some(&Status::Unknown),
                "{undecided}"
            );
        }
    }

    #[test]
    fn pbx_ami_and_public_exposure() {
        let assessed = assess(
            &host(
                "203.0.113.7",
                vec![banner(Service::Ami, 5038, "Asterisk Call Manager/7.0.3")],
            ),
            None,
            catalogue(),
        );
        assert_eq!(assessed.device.vendor, Vendor::Asterisk);
        let statuses = statuses(&assessed);
        assert_eq!(statuses.get("AST-AMI-01"), Some(&Status::Fail));
        assert_eq!(statuses.get("AST-FACT-04"), Some(&Status::Unknown));
        // 203.0.113.0/24 is documentation space, treated as not public.
        assert_eq!(statuses.get("NET-PUBLIC"), Some(&Status::NotApplicable));
        assert!(is_public(
            "8.8.8.8".parse().unwrap_or(IpAddr::from([0, 0, 0, 0]))
        ));
        let public = assess(
            &host("8.8.4.4", vec![page(8080, "Allworx Admin")]),
            None,
            catalogue(),
        );
        let statuses = self::statuses(&public);
        assert_eq!(public.device.vendor, Vendor::Allworx);
        assert_eq!(statuses.get("AW-ADMIN-8080"), Some(&Status::Fail));
        assert_eq!(statuses.get("NET-PUBLIC"), Some(&Status::Fail));
    }

    #[test]
    fn iax2_makes_an_asterisk_host_public_exposure_when_public() {
        let iax2 = |address: &str| {
            host(
                address,
                vec![ServiceResult {
                    service: Service::Iax2,
                    port: 4569,
                    found: Found::Iax2 {
                        reply: "PONG".to_string(),
                        responder: None,
                    },
                }],
            )
        };
        let public = assess(&iax2("8.8.4.4"), None, catalogue());
        assert_eq!(public.device.vendor, Vendor::Asterisk);
        let finding = public
            .findings
            .iter()
            .find(|f| f.check == "NET-PUBLIC")
            .unwrap_or_else(|| panic!("{:?}", public.findings));
        assert_eq!(finding.status, Status::Fail);
        assert_eq!(
            finding.message,
            "reachable on a public address: iax2://8.8.4.4:4569"
        );
        assert_eq!(
            finding.evidence.first().map(|e| e.value.as_str()),
            Some("PONG")
        );
        let private = assess(&iax2("10.0.0.5"), None, catalogue());
        assert_eq!(
            statuses(&private).get("NET-PUBLIC"),
            Some(&Status::NotApplicable)
        );
    }

    #[test]
    fn https_redirect_is_not_a_clear_text_ui() {
        let mut redirect = page(80, "");
        if let Found::Web { http, .. } = &mut redirect.found {
            *http = Some(HttpInfo {
                status: 301,
                server: None,
                title: None,
                realm: None,
                location: Some("https://10.0.0.3/".to_string()),
                web_ui: None,
                macs: Vec::new(),
            });
        }
        let fingerprint = Fingerprint {
            vendor: "Snom".to_string(),
            product: "IP phone".to_string(),
            model: Some("D785".to_string()),
            firmware: None,
            platform: None,
            confidence: 0.7,
            signals: vec!["agent"],
            disagreement: None,
        };
        let assessed = assess(
            &host("10.0.0.3", vec![redirect]),
            Some(&fingerprint),
            catalogue(),
        );
        // No page over TLS was seen either, so HTTPS-only is not proven.
        assert_eq!(
            statuses(&assessed).get("SN-WEB-HTTPS"),
            Some(&Status::Unknown)
        );
    }

    #[test]
    fn a_leaked_config_fails_provisioning() {
        let leak = ServiceResult {
            service: Service::Tftp,
            port: 69,
            found: Found::Tftp {
                file: "cfg000b828c8f97.xml".to_string(),
                size: 10,
                content: FileContent::new(b"<P2>admin</P2>".to_vec()),
            },
        };
        let assessed = assess(&host("10.0.0.4", vec![leak]), None, catalogue());
        assert_eq!(assessed.device.vendor, Vendor::Grandstream);
        let finding = assessed
            .findings
            .iter()
            .find(|f| f.check == "GS-PROV-HTTPS")
            .unwrap_or_else(|| panic!("{:?}", assessed.findings));
        assert_eq!(finding.status, Status::Fail);
        let shown = format!("{finding:?}");
        assert!(!shown.contains("admin"), "{shown}");
    }

    #[test]
    fn a_registrar_taking_anyone_passes_enumeration_but_says_so() {
        let ok = crate::intrusive::Answer {
            status: 200,
            reason: "OK".to_string(),
            challenge: None,
            realm: None,
            to_tag: true,
        };
        let checks = HostChecks {
            target: "10.0.0.5:5060"
                .parse()
                .unwrap_or_else(|err| panic!("{err}")),
            transport: crate::sip::Transport::Udp,
            enumeration: Some(Enumeration {
                method: "REGISTER",
                baseline: Some(ok.clone()),
                baseline_after: Some(ok),
                tried: 2,
                revealed: Vec::new(),
                silent: Vec::new(),
                cleanup: vec!["100: binding removed".to_string(); 4],
                verdict: Verdict::Uniform,
            }),
            direct_ip: None,
            anonymous: None,
            sip_auth: None,
            error: None,
        };
        let findings = judge_intrusive(&checks, catalogue());
        assert_eq!(findings.len(), 1);
        let finding = &findings[0];
        assert_eq!(
            (finding.check, finding.status),
            ("NET-SIP-ENUM", Status::Pass)
        );
        assert!(
            finding.message.ends_with(
                "REGISTER was accepted without authentication 4 time(s), each binding removed again"
            ),
            "{}",
            finding.message
        );
        assert_eq!(
            finding
                .evidence
                .iter()
                .filter(|e| e.setting == "cleanup")
                .count(),
            4
        );
    }

    fn evidence(file: &str, setting: &str, value: &str) -> Evidence {
        Evidence {
            file: Some(Arc::new(PathBuf::from(file))),
            line: None,
            column: None,
            setting: setting.to_string(),
            value: value.to_string(),
            default: false,
        }
    }

    fn judged(check: &str, status: Status, message: &str, items: Vec<Evidence>) -> Finding {
        finding(catalogue(), check, status, message.to_string(), items)
            .unwrap_or_else(|| panic!("{check} is in the catalogue"))
    }

    #[test]
    fn several_ports_make_one_finding_per_check_the_most_worrying_winning() {
        let on = |port: u16, status, message: &str| {
            judged(
                "GS-DIRECT-IP",
                status,
                message,
                vec![evidence(
                    &format!("sip://10.0.0.7:{port}/udp"),
                    "INVITE sip:voipguard@10.0.0.7",
                    "603 Decline",
                )],
            )
        };
        let merged = merge_same_check(vec![
            on(5060, Status::Pass, "rejected an INVITE (603 Decline)"),
            judged("NET-PUBLIC", Status::NotApplicable, "private", Vec::new()),
            on(
                5062,
                Status::Fail,
                "rang for an INVITE (180 Ringing); cancelled",
            ),
            on(5064, Status::Pass, "rejected an INVITE (603 Decline)"),
        ]);
        let checks: Vec<(&str, Status)> = merged.iter().map(|f| (f.check, f.status)).collect();
        assert_eq!(
            checks,
            [
                ("GS-DIRECT-IP", Status::Fail),
                ("NET-PUBLIC", Status::NotApplicable)
            ]
        );
        let direct = &merged[0];
        assert_eq!(
            direct.message,
            "rang for an INVITE (180 Ringing); cancelled; rejected an INVITE (603 Decline)"
        );
        let places: Vec<String> = direct
            .evidence
            .iter()
            .filter_map(|e| e.file.as_ref().map(|f| f.display().to_string()))
            .collect();
        assert_eq!(
            places,
            [
                "sip://10.0.0.7:5062/udp",
                "sip://10.0.0.7:5060/udp",
                "sip://10.0.0.7:5064/udp"
            ],
            "the deciding port's evidence first"
        );
        // An unknown port keeps a control from passing on the others' word.
        let undecided = merge_same_check(vec![
            on(5060, Status::Pass, "rejected"),
            on(5062, Status::Unknown, "no answer"),
        ]);
        assert_eq!(undecided[0].status, Status::Unknown);
    }

    #[test]
    fn config_and_wire_side_by_side_the_more_certain_winning() {
        let file = "fleet/cfg000b828c8f97.xml";
        let mut device = Device::new(
            "000b828c8f97",
            Vendor::Grandstream,
            Family::Grp,
            FamilyBasis::Content,
        );
        device.mac = Some("000b828c8f97".to_string());
        device.sources = vec![Arc::new(PathBuf::from(file))];
        let config = Assessed {
            device,
            findings: vec![
                judged(
                    "GS-WEB-HTTPS",
                    Status::Pass,
                    "P1650 is 0 (HTTPS)",
                    vec![evidence(file, "P1650", "0")],
                ),
                judged(
                    "GS-SSH-OFF",
                    Status::Fail,
                    "P276 is 0 (SSH enabled)",
                    vec![evidence(file, "P276", "0")],
                ),
                judged(
                    "GS-SNMP-OFF",
                    Status::Unknown,
                    "P21896 is a template",
                    Vec::new(),
                ),
                judged("GS-ADMIN-PASS", Status::Fail, "weak", Vec::new()),
            ],
        };
        let web_ui = "http://10.0.0.7:80";
        let live = assess_as(
            &host(
                "10.0.0.7",
                vec![page(80, "Grandstream Device Configuration")],
            ),
            &config.device,
            catalogue(),
        );
        assert_eq!(
            live.device.vendor,
            Vendor::Grandstream,
            "judged as the file says"
        );
        let merged = side_by_side(config, live);
        assert_eq!(merged.device.id, "000b828c8f97");
        let sources: Vec<String> = merged
            .device
            .sources
            .iter()
            .map(|s| s.display().to_string())
            .collect();
        assert_eq!(sources, [file, web_ui]);
        let by_check = |check: &str| {
            merged
                .findings
                .iter()
                .find(|f| f.check == check)
                .unwrap_or_else(|| panic!("{check}: {:#?}", merged.findings))
        };
        // The wire saw plain HTTP: that beats the file's word.
        let web = by_check("GS-WEB-HTTPS");
        assert_eq!(web.status, Status::Fail);
        assert_eq!(
            web.message,
            "web UI served over plain HTTP at http://10.0.0.7:80; the configuration (pass): P1650 is 0 (HTTPS)"
        );
        let files: Vec<String> = web
            .evidence
            .iter()
            .filter_map(|e| e.file.as_ref().map(|f| f.display().to_string()))
            .collect();
        assert_eq!(files, [web_ui, web_ui, web_ui, file]);
        // Port 22 silent is a weaker word than the file's `SSH on`.
        let ssh = by_check("GS-SSH-OFF");
        assert_eq!(ssh.status, Status::Fail);
        assert!(
            ssh.message.starts_with(
                "P276 is 0 (SSH enabled); the wire (pass): port 22 does not answer SSH"
            ),
            "{}",
            ssh.message
        );
        // Unknown in the file, unknown on the wire: the file's message leads.
        assert_eq!(by_check("GS-SNMP-OFF").status, Status::Unknown);
        // Each side's own checks are kept, once.
        assert_eq!(by_check("GS-ADMIN-PASS").status, Status::Fail);
        assert_eq!(by_check("NET-PUBLIC").status, Status::NotApplicable);
        let mut checks: Vec<&str> = merged.findings.iter().map(|f| f.check).collect();
        let count = checks.len();
        checks.sort_unstable();
        checks.dedup();
        assert_eq!(checks.len(), count, "one finding per check");
    }

    fn sip_answer(target: &str, transport: Transport, agent: Option<&str>) -> SipHost {
        SipHost {
            target: target.parse().unwrap_or_else(|err| panic!("{err}")),
            responder: None,
            transport,
            status: 200,
            reason: "OK".to_string(),
            server: None,
            user_agent: agent.map(str::to_string),
            allow: Vec::new(),
            supported: Vec::new(),
            to_tag: None,
            realm: None,
            header_names: Vec::new(),
            tls: None,
            rtt: std::time::Duration::from_millis(1),
            transmissions: 1,
            macs: Vec::new(),
        }
    }

    fn nothing_else(vendor: Vendor) -> HostEvidence<'static> {
        HostEvidence {
            vendor,
            fingerprint: None,
            answers: &[],
            scanner_probes: &[],
            web_auth: None,
        }
    }

    #[test]
    fn a_scanner_filter_is_a_hardening_observation_and_answering_scanners_is_none() {
        let udp = sip_answer("10.0.0.7:5060", Transport::Udp, Some("kamailio"));
        let dropped = ScannerProbe {
            target: udp.target,
            outcome: ScannerOutcome::Dropped { transmissions: 7 },
        };
        let answers = [&udp];
        let observed = observe(HostEvidence {
            answers: &answers,
            scanner_probes: &[&dropped],
            ..nothing_else(Vendor::Site)
        });
        assert_eq!(observed.len(), 1);
        assert_eq!(observed[0].kind, ObservationKind::ScannerFilter);
        assert_eq!(observed[0].message, dropped.note());
        assert_eq!(
            observed[0].evidence,
            [
                "sip://10.0.0.7:5060/udp: OPTIONS answered 200 OK",
                "sip://10.0.0.7:5060/udp: 7 scanner-like OPTIONS (User-Agent friendly-scanner, From sipvicious) unanswered"
            ]
        );
        let answered = ScannerProbe {
            target: udp.target,
            outcome: ScannerOutcome::Answered {
                status: 200,
                reason: "OK".to_string(),
            },
        };
        assert!(
            observe(HostEvidence {
                answers: &answers,
                scanner_probes: &[&answered],
                ..nothing_else(Vendor::Site)
            })
            .is_empty()
        );
    }

    #[test]
    fn legacy_tls_on_sip_is_observed_where_no_control_names_it() {
        use crate::tls_versions::{TlsVersion, VersionAnswer, VersionProbe};
        let mut tls = sip_answer("10.0.0.7:5061", Transport::Tls, None);
        tls.tls = Some(TlsInfo {
            protocol: "TLSv1_3".to_string(),
            chain: Vec::new(),
            versions: vec![
                VersionProbe {
                    offered: TlsVersion::Tls10,
                    answer: VersionAnswer::Accepted {
                        version: TlsVersion::Tls10,
                    },
                },
                VersionProbe {
                    offered: TlsVersion::Tls11,
                    answer: VersionAnswer::Refused { alert: 70 },
                },
            ],
        });
        let answers = [&tls];
        let seen = |vendor| {
            observe(HostEvidence {
                answers: &answers,
                ..nothing_else(vendor)
            })
        };
        let observed = seen(Vendor::Asterisk);
        assert_eq!(observed.len(), 1, "{observed:?}");
        assert_eq!(observed[0].kind, ObservationKind::LegacyTls);
        assert!(
            observed[0]
                .message
                .starts_with("SIP-TLS at sip://10.0.0.7:5061/tls still accepts TLS 1.0"),
            "{observed:?}"
        );
        assert!(
            observed[0].evidence.iter().any(|item| item
                .starts_with("sip://10.0.0.7:5061/tls: protocol versions: still accepts")),
            "{observed:?}"
        );
        assert_eq!(seen(Vendor::Site).len(), 1);
        // A Grandstream phone's GS-SIP-TLS finding names it already.
        assert!(seen(Vendor::Grandstream).is_empty());
    }

    #[test]
    fn web_logins_of_an_unknown_make_are_observed_without_the_password() {
        use crate::intrusive::web_auth::{Attempt, WebLogin};
        let attempt = |user: &str, control: Option<&str>, accepted: bool| Attempt {
            user: user.to_string(),
            account: "admin".to_string(),
            control: control.map(str::to_string),
            accepted,
        };
        let web = WebAuth {
            address: "10.0.0.9".parse().unwrap_or_else(|err| panic!("{err}")),
            logins: vec![WebLogin {
                place: "http://10.0.0.9:80".to_string(),
                vendor: "*".to_string(),
                scheme: "Basic".to_string(),
                realm: Some("device".to_string()),
                of: 3,
                attempts: vec![
                    attempt("root", None, false),
                    attempt("admin", None, true),
                    attempt("cisco", Some("GS-ADMIN-PASS"), false),
                ],
                error: None,
            }],
        };
        let observed = observe(HostEvidence {
            web_auth: Some(&web),
            ..nothing_else(Vendor::Site)
        });
        assert_eq!(observed.len(), 1);
        assert_eq!(observed[0].kind, ObservationKind::WebAuth);
        assert_eq!(
            observed[0].message,
            "the factory-default admin login (user admin) works on http://10.0.0.9:80; no control covers this make"
        );
        assert_eq!(
            observed[0].evidence,
            [
                "http://10.0.0.9:80: Basic login as root: refused",
                "http://10.0.0.9:80: Basic login as admin: accepted (password redacted)"
            ]
        );
    }

    #[test]
    fn a_fingerprint_disagreement_is_observed() {
        let phone = sip_answer("10.0.0.5:5060", Transport::Udp, Some("snomD785/10.1.33.33"));
        let table = crate::FingerprintTable::embedded().unwrap_or_else(|err| panic!("{err}"));
        let page = crate::WebPage {
            place: "http://10.0.0.5:80".to_string(),
            server: None,
            title: Some("Grandstream Device Configuration".to_string()),
        };
        let fingerprint = table.identify_with_web(&phone, &[page]);
        let answers = [&phone];
        let observed = observe(HostEvidence {
            fingerprint: fingerprint.as_ref(),
            answers: &answers,
            ..nothing_else(Vendor::Snom)
        });
        assert_eq!(observed.len(), 1);
        assert_eq!(observed[0].kind, ObservationKind::FingerprintDisagreement);
        assert_eq!(
            observed[0].message,
            "SIP names Snom IP phone, but the web UI names Grandstream: title \"Grandstream Device Configuration\" at http://10.0.0.5:80"
        );
        assert_eq!(
            observed[0].evidence.first().map(String::as_str),
            Some("sip://10.0.0.5:5060/udp: User-Agent \"snomD785/10.1.33.33\"")
        );
    }
}

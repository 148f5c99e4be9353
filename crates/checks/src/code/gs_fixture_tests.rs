//! The Grandstream fixtures under `tests/fixtures/grandstream/<ID>/` give the verdict their name
//! says. The workspace harness checks them through the real parser; this reads the handful of
//! P-values they use directly, so the fixtures and the checks are kept in step inside this crate.

use std::fs;
use std::path::Path;

use voipguard_model::{Family, Status, Vendor};

use crate::testing::{device, run};

/// Per-account P-values the fixtures use, with their canonical name and account.
const ACCOUNT_PVALUES: &[(&str, &str)] = &[
    ("P271", "account.enable#1"),
    ("P401", "account.enable#2"),
    ("P47", "account.sip.server.1.address#1"),
    ("P35", "account.sip.userid#1"),
    ("P130", "account.sip.transport#1"),
    ("P2329", "account.sip.uriSchemeWhenUsingTls#1"),
    ("P2311", "account.sip.validate.domainCertificates#1"),
    ("P2367", "account.sip.validate.certificationChain#1"),
    ("P129", "account.call.rejectAnonymousCall#1"),
    ("P2347", "account.sip.validate.incomingServer#1"),
    ("P2306", "account.sip.validate.incomingMessage#1"),
    ("P258", "account.sip.validate.userIdforInvite#1"),
    ("P2346", "account.sip.authenticateIncomingInvite#1"),
    ("P183", "account.audio.srtpMode#1"),
];

/// `<Pnnn>value</Pnnn>` elements of an XML v1 file, in order.
fn pvalues(xml: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    let mut rest = xml;
    while let Some(start) = rest.find("<P") {
        rest = &rest[start + 2..];
        let Some(end) = rest.find('>') else { break };
        let number = &rest[..end];
        if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let name = format!("P{number}");
        let body = &rest[end + 1..];
        let Some(close) = body.find(&format!("</{name}>")) else {
            break;
        };
        found.push((name, body[..close].to_owned()));
        rest = &body[close..];
    }
    found
}

#[test]
fn every_fixture_gives_the_verdict_its_name_says() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/grandstream");
    let mut checked = 0;
    for folder in fs::read_dir(&root).expect("fixture folder exists") {
        let folder = folder.expect("readable entry").path();
        let id = folder
            .file_name()
            .and_then(|name| name.to_str())
            .expect("folder named by check id")
            .to_owned();
        for (file, expected) in [("fail.xml", Status::Fail), ("pass.xml", Status::Pass)] {
            let xml = fs::read_to_string(folder.join(file)).expect("fixture readable");
            let family = if xml.contains("Configuration Template For WP820") {
                Family::Wp820
            } else {
                assert!(
                    xml.contains("Configuration Template For GRP26xx"),
                    "{id}/{file}"
                );
                Family::Grp
            };
            let settings: Vec<(String, String)> = pvalues(&xml)
                .into_iter()
                .map(|(name, value)| {
                    let canonical = ACCOUNT_PVALUES
                        .iter()
                        .find(|(pvalue, _)| *pvalue == name)
                        .map_or(name, |(_, canonical)| (*canonical).to_owned());
                    (canonical, value)
                })
                .collect();
            let settings: Vec<(&str, &str)> = settings
                .iter()
                .map(|(name, value)| (name.as_str(), value.as_str()))
                .collect();
            let finding = run(&id, &device(Vendor::Grandstream, family, &settings));
            assert_eq!(finding.status, expected, "{id}/{file}: {}", finding.message);
            checked += 1;
        }
    }
    assert_eq!(
        checked,
        2 * 29,
        "29 Grandstream checks are decidable from a file"
    );
}

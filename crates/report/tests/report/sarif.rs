//! SARIF 2.1.0: validity against the official schema, levels, locations, rules, fingerprints.

use std::path::Path;

use serde_json::Value;
use voipguard_model::{Severity, Status};
use voipguard_report::Format;

use crate::fleet::{Fleet, default_evidence, finding, options, render, two_phones};

fn sarif(fleet: &Fleet) -> Value {
    serde_json::from_str(&render(fleet, Format::Sarif, options(false, false)))
        .expect("SARIF output is JSON")
}

fn run(log: &Value) -> &Value {
    &log["runs"][0]
}

fn results(log: &Value) -> &[Value] {
    run(log)["results"].as_array().map_or(&[], Vec::as_slice)
}

fn result<'a>(log: &'a Value, rule_id: &str) -> &'a Value {
    results(log)
        .iter()
        .find(|result| result["ruleId"] == rule_id)
        .unwrap_or_else(|| panic!("no result for {rule_id}"))
}

fn official_schema() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sarif-schema-2.1.0.json");
    let text = std::fs::read_to_string(&path).expect("schema file is in the repository");
    serde_json::from_str(&text).expect("schema is JSON")
}

fn schema_problems(log: &Value) -> Vec<String> {
    let validator = jsonschema::draft7::options()
        .should_validate_formats(true)
        .build(&official_schema())
        .expect("the SARIF schema compiles");
    validator
        .iter_errors(log)
        .map(|error| format!("{} at {}", error, error.instance_path))
        .collect()
}

pub fn assert_valid(log: &Value) {
    let problems = schema_problems(log);
    assert!(
        problems.is_empty(),
        "not valid SARIF 2.1.0:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_schema_check_rejects_what_sarif_forbids() {
    let mut log = sarif(&two_phones());
    log["runs"][0]["results"][0]["level"] = Value::from("critical");
    log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] =
        Value::from(0);
    let problems = schema_problems(&log);
    assert_eq!(problems.len(), 2, "{problems:?}");
}

#[test]
fn output_is_valid_against_the_official_schema() {
    assert_valid(&sarif(&two_phones()));
    let empty = Fleet {
        devices: Vec::new(),
        skipped: Vec::new(),
        errors: Vec::new(),
        observations: Vec::new(),
    };
    let log = sarif(&empty);
    assert_valid(&log);
    assert_eq!(run(&log)["invocations"][0]["executionSuccessful"], true);
}

#[test]
fn snapshot() {
    // Rules are the whole catalogue, which grows independently; they are checked below.
    insta::assert_json_snapshot!("sarif", sarif(&two_phones()), {
        ".runs[].tool.driver.rules" => "[every check of the catalogue]",
        ".runs[].results[].ruleIndex" => "[index in rules]",
    });
}

#[test]
fn only_failures_are_results_and_each_has_an_explicit_level() {
    let log = sarif(&two_phones());
    let levels: Vec<(&str, &str)> = results(&log)
        .iter()
        .map(|result| {
            (
                result["ruleId"].as_str().unwrap_or_default(),
                result["level"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        levels,
        [
            ("LOCAL-ADMIN-PASS", "error"),
            ("GS-SSH-OFF", "error"),
            ("LOCAL-WEB-HTTPS", "warning"),
            ("SN-LOG-LEVEL", "note"),
        ]
    );
    let properties = &run(&log)["properties"];
    assert_eq!(properties["undecidedByCheck"]["GS-SIP-TLS"], 1);
    assert_eq!(properties["undecidedByCheck"]["SN-SRTP"], 1);
    assert_eq!(properties["statuses"]["unknown"], 3);
}

#[test]
fn every_result_has_a_location_falling_back_to_the_device_file() {
    let log = sarif(&two_phones());
    for result in results(&log) {
        assert!(
            result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].is_string(),
            "{} has no location",
            result["ruleId"]
        );
    }
    let from_evidence = &result(&log, "LOCAL-WEB-HTTPS")["locations"][0]["physicalLocation"];
    assert_eq!(
        from_evidence["artifactLocation"]["uri"],
        "phones/cfg000b82aabbcc.cfg"
    );
    assert_eq!(from_evidence["region"]["startLine"], 9);
    assert_eq!(from_evidence["region"]["startColumn"], 1);
    let factory_default = &result(&log, "GS-SSH-OFF")["locations"][0]["physicalLocation"];
    assert_eq!(
        factory_default["artifactLocation"]["uri"],
        "phones/cfg000b82aabbcc.cfg"
    );
    assert!(factory_default.get("region").is_none());
    let snom = &result(&log, "SN-LOG-LEVEL")["locations"][0]["physicalLocation"];
    assert_eq!(snom["region"]["startColumn"], 5);
}

#[test]
fn rules_are_the_whole_catalogue_and_results_point_at_their_rule() {
    let log = sarif(&two_phones());
    let driver = &run(&log)["tool"]["driver"];
    assert_eq!(driver["name"], "voipguard");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    let rules = driver["rules"].as_array().expect("rules");
    let catalogue = voipguard_checks::catalogue().expect("catalogue loads");
    assert_eq!(rules.len(), catalogue.checks().len());
    for (rule, check) in rules.iter().zip(catalogue.checks()) {
        let meta = &check.meta;
        assert_eq!(rule["id"], meta.id.as_str());
        assert_eq!(rule["shortDescription"]["text"], meta.title.as_str());
        assert_eq!(rule["fullDescription"]["text"], meta.rationale.trim());
        let help = rule["help"]["text"].as_str().unwrap_or_default();
        assert!(help.starts_with(&meta.remediation.text));
        for (format, setting) in &meta.remediation.formats {
            assert!(help.contains(&format!("{format}: {setting}")));
        }
        for reference in &meta.references {
            assert!(help.contains(&reference.section));
        }
        let name = rule["name"].as_str().unwrap_or_default();
        assert!(
            !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        );
    }
    let ssh = rules
        .iter()
        .find(|rule| rule["id"] == "GS-SSH-OFF")
        .expect("GS-SSH-OFF rule");
    insta::assert_json_snapshot!("sarif_rule_gs_ssh_off", ssh);
    assert_eq!(
        ssh["name"],
        "ssh-is-disabled-or-off-port-22-where-it-is-needed"
    );
    assert_eq!(ssh["defaultConfiguration"]["level"], "error");
    assert_eq!(ssh["properties"]["security-severity"], "8.0");
    let tags = ssh["properties"]["tags"].as_array().expect("tags");
    assert!(tags.contains(&Value::from("security")) && tags.contains(&Value::from("grandstream")));

    let with_rule = result(&log, "GS-SSH-OFF");
    let index = with_rule["ruleIndex"]
        .as_u64()
        .expect("a catalogue check has a rule index");
    assert_eq!(
        rules[usize::try_from(index).expect("small")]["id"],
        "GS-SSH-OFF"
    );
    assert!(result(&log, "LOCAL-ADMIN-PASS").get("ruleIndex").is_none());
}

#[test]
fn fingerprints_ignore_lines_and_values_but_not_device_or_check() {
    let fingerprint = |fleet: &Fleet, rule_id: &str| {
        result(&sarif(fleet), rule_id)["partialFingerprints"]["voipguard/v1"]
            .as_str()
            .expect("fingerprint")
            .to_owned()
    };
    let original = two_phones();
    let before = fingerprint(&original, "LOCAL-WEB-HTTPS");
    assert_eq!(before.len(), 16);

    let mut moved = two_phones();
    for finding in &mut moved.devices[0].1 {
        for evidence in &mut finding.evidence {
            evidence.line = evidence.line.map(|line| line + 40);
            evidence.value = "2 (HTTP and HTTPS)".to_owned();
        }
        finding.message = "reworded".to_owned();
    }
    assert_eq!(fingerprint(&moved, "LOCAL-WEB-HTTPS"), before);

    let mut other_device = two_phones();
    other_device.devices[0].0.id = "000b82112233".to_owned();
    assert_ne!(fingerprint(&other_device, "LOCAL-WEB-HTTPS"), before);
    assert_ne!(fingerprint(&original, "GS-SSH-OFF"), before);
}

#[test]
fn input_problems_become_notifications_and_errors_mark_the_run_unsuccessful() {
    let log = sarif(&two_phones());
    let invocation = &run(&log)["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    let notifications = invocation["toolExecutionNotifications"]
        .as_array()
        .expect("notifications");
    assert_eq!(notifications.len(), 2);
    assert_eq!(notifications[0]["level"], "note");
    assert_eq!(
        notifications[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "phones/README.txt"
    );
    assert_eq!(notifications[1]["level"], "error");
    let region = &notifications[1]["locations"][0]["physicalLocation"]["region"];
    assert_eq!(
        (&region["startLine"], &region["startColumn"]),
        (&Value::from(7), &Value::from(3))
    );

    let mut only_skipped = two_phones();
    only_skipped.errors.clear();
    assert_eq!(
        run(&sarif(&only_skipped))["invocations"][0]["executionSuccessful"],
        true
    );
}

#[test]
fn a_device_without_evidence_or_sources_is_still_located_and_valid() {
    let mut fleet = two_phones();
    let device = &mut fleet.devices[1].0;
    device.sources.clear();
    device.id = "lobby phone #1".to_owned();
    fleet.devices[1].1 = vec![finding(
        "SN-ADMIN-PASS",
        Status::Fail,
        Severity::Critical,
        "admin password is the factory default",
        vec![default_evidence("admin_pw", "redacted (factory default)")],
    )];
    let log = sarif(&fleet);
    assert_valid(&log);
    assert_eq!(
        result(&log, "SN-ADMIN-PASS")["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "lobby%20phone%20%231"
    );
}

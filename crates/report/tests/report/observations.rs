//! A scan's observations in every format, and their absence leaving an audit's output as it was.

use serde_json::Value;
use voipguard_report::Format;

use crate::fleet::{options, render, scanned_hosts, two_phones};
use crate::sarif::assert_valid;

fn json(fleet: &crate::fleet::Fleet) -> Value {
    serde_json::from_str(&render(fleet, Format::Json, options(false, false)))
        .expect("JSON output is JSON")
}

#[test]
fn json_lists_observations_only_where_there_are_some() {
    let document = json(&scanned_hosts());
    assert_eq!(
        document["version"], 1,
        "the field is additive: same contract"
    );
    let observed = &document["devices"][0]["observations"];
    assert_eq!(observed[0]["kind"], "scanner_filter");
    assert_eq!(observed[1]["kind"], "legacy_tls");
    assert!(
        observed[1]["message"]
            .as_str()
            .is_some_and(|message| message.contains("TLS 1.0"))
    );
    assert_eq!(
        observed[0]["evidence"][1],
        "sip://127.0.0.7:5060/udp: 7 scanner-like OPTIONS (User-Agent friendly-scanner) unanswered"
    );
    assert!(document["devices"][1].get("observations").is_none());
    let audit = render(&two_phones(), Format::Json, options(false, false));
    assert!(!audit.contains("observations"), "{audit}");
}

#[test]
fn sarif_observations_are_valid_note_results_with_their_own_rules() {
    let log: Value = serde_json::from_str(&render(
        &scanned_hosts(),
        Format::Sarif,
        options(false, false),
    ))
    .expect("SARIF output is JSON");
    assert_valid(&log);
    let run = &log["runs"][0];
    let results = run["results"].as_array().map_or(&[][..], Vec::as_slice);
    let notes: Vec<&Value> = results
        .iter()
        .filter(|result| result["properties"]["observation"].is_string())
        .collect();
    assert_eq!(notes.len(), 2, "{results:?}");
    assert!(notes.iter().all(|note| note["level"] == "note"));
    assert_eq!(notes[0]["ruleId"], "observation/scanner_filter");
    assert_eq!(
        notes[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "sip%3A//127.0.0.7%3A5060/udp"
    );
    let rules = run["tool"]["driver"]["rules"]
        .as_array()
        .map_or(&[][..], Vec::as_slice);
    let catalogue = options(false, false).catalogue.checks().len();
    assert_eq!(rules.len(), catalogue + 2);
    assert_eq!(
        rules.last().map(|rule| &rule["id"]),
        Some(&Value::from("observation/legacy_tls"))
    );
    // The failure is still there, as an error-level result of its own rule.
    assert!(
        results
            .iter()
            .any(|result| result["ruleId"] == "GS-SSH-OFF" && result["level"] == "error")
    );
    let audit: Value =
        serde_json::from_str(&render(&two_phones(), Format::Sarif, options(false, false)))
            .expect("SARIF output is JSON");
    assert_eq!(
        audit["runs"][0]["tool"]["driver"]["rules"]
            .as_array()
            .map(Vec::len),
        Some(catalogue)
    );
}

#[test]
fn text_and_html_show_a_short_section() {
    let text = render(&scanned_hosts(), Format::Text, options(false, false));
    insta::assert_snapshot!("text_observations", text);
    let html = render(&scanned_hosts(), Format::Html, options(false, false));
    assert!(html.contains("<h3>2 observations</h3>"), "{html}");
    assert!(html.contains("<td><code>legacy_tls</code></td>"));
    // Messages are escaped like every other text.
    assert!(html.contains("RFC 8996) &lt;old&gt;"));
    assert_eq!(html.matches("observations</h3>").count(), 1);
}

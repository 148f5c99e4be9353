//! Every real phone file in `../shared/corpus/{grandstream,snom}` is read as a device or skipped
//! with a reason (never an error, never a panic), and each file's findings are snapshotted
//! compactly so a change of verdict shows up in review.

mod common;

use std::fmt::Write as _;

use voipguard_parsers::Parsed;

#[test]
fn every_corpus_phone_file_audits_without_error() {
    let catalogue = voipguard_checks::catalogue().expect("catalogue loads");
    let shared = common::shared();
    for vendor in ["grandstream", "snom"] {
        let folder = shared.join("corpus").join(vendor);
        let mut files: Vec<_> = std::fs::read_dir(&folder)
            .expect("corpus folder")
            .map(|f| f.expect("readable").path())
            .collect();
        files.sort();
        assert!(!files.is_empty(), "{} is empty", folder.display());
        for file in files {
            let name = file
                .file_name()
                .and_then(|n| n.to_str())
                .expect("utf-8 name")
                .to_owned();
            let bytes = std::fs::read(&file).expect("readable corpus file");
            let relative = std::path::Path::new("corpus").join(vendor).join(&name);
            let summary = match voipguard_parsers::parse(&relative, &bytes) {
                Ok(Parsed::Skipped { reason }) => format!("skipped: {reason}\n"),
                Ok(Parsed::Device(device)) => {
                    let findings = voipguard_checks::evaluate(catalogue, &*device);
                    assert_eq!(
                        audit_parse_findings(&relative, &bytes),
                        findings,
                        "{name}: the audit's parse (declared settings only) judges differently"
                    );
                    let mut text = format!(
                        "device {} vendor={} family={} ({:?}) model={:?} templated={} settings={}\n",
                        device.id,
                        device.vendor,
                        device.family,
                        device.family_basis,
                        device.model,
                        device.templated,
                        device.settings.len()
                    );
                    for finding in findings {
                        writeln!(
                            text,
                            "{:<20} {:<14} {}",
                            finding.check,
                            finding.status.as_str(),
                            finding.message
                        )
                        .expect("write to String");
                    }
                    text
                }
                Err(error) => panic!("{name}: a real corpus file gave an error: {error}"),
            };
            insta::with_settings!({ snapshot_suffix => name.clone(), omit_expression => true, prepend_module_to_snapshot => false }, {
                insta::assert_snapshot!("corpus", summary);
            });
        }
    }
}

/// Every real Asterisk set in `../shared/corpus/asterisk` audits as one PBX device through the
/// binary (no input error, whatever the copy lacks), and each set's findings are snapshotted.
#[test]
fn every_corpus_asterisk_set_audits_as_one_pbx() {
    let folder = common::shared().join("corpus/asterisk");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_voipguard"))
        .current_dir(common::shared().join("corpus"))
        .args([
            "audit",
            "asterisk",
            "--format",
            "json",
            "--fail-on",
            "never",
        ])
        .output()
        .expect("runs");
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(
        json["errors"].as_array().map(Vec::len),
        Some(0),
        "{}",
        json["errors"]
    );
    let sets = std::fs::read_dir(&folder).expect("corpus folder").count();
    let devices = json["devices"].as_array().expect("devices");
    assert_eq!(devices.len(), sets, "one device per set");
    for device in devices {
        assert_eq!(device["vendor"], "asterisk");
        let id = device["id"].as_str().expect("id");
        let name = id.trim_start_matches("asterisk/").to_owned();
        let mut summary = String::new();
        for finding in device["findings"].as_array().expect("findings") {
            writeln!(
                summary,
                "{:<12} {:<18} {:<14} {}",
                finding["check"].as_str().unwrap_or_default(),
                finding["control"].as_str().unwrap_or_default(),
                finding["status"].as_str().unwrap_or_default(),
                finding["message"].as_str().unwrap_or_default()
            )
            .expect("write to String");
        }
        insta::with_settings!({ snapshot_suffix => name.clone(), omit_expression => true, prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!("asterisk", summary);
        });
    }
}

/// Findings from the parse `voipguard audit` uses: only the settings the checks declare are kept
/// (and in this debug build, reading an undeclared one stops the test).
fn audit_parse_findings(path: &std::path::Path, bytes: &[u8]) -> Vec<voipguard_model::Finding> {
    let catalogue = voipguard_checks::catalogue().expect("catalogue loads");
    let keep = voipguard_parsers::Keep::only(catalogue.settings_read());
    match voipguard_parsers::parse_keeping(path, bytes, &keep) {
        Ok(Parsed::Device(device)) => voipguard_checks::evaluate(catalogue, &*device),
        other => panic!("{}: the audit's parse gave {other:?}", path.display()),
    }
}

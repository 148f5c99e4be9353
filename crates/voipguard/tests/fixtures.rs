//! Every check has a failing and a holding fixture under `tests/fixtures/<vendor>/<CHECK-ID>/`:
//! the check named by the folder must give `fail` for `fail.*` and `pass` for `pass.*`, and its
//! finding is snapshotted.

mod common;

use std::collections::BTreeSet;

use std::path::Path;

use voipguard_asterisk::ConfigSet;
use voipguard_checks::{Check, Target};
use voipguard_model::{Device, Family, FamilyBasis, Finding, Status, Vendor};
use voipguard_parsers::{Keep, Parsed};

#[test]
fn every_fixture_gives_its_expected_status() {
    let catalogue = voipguard_checks::catalogue().expect("catalogue loads");
    // Asterisk fixture folders are loaded by relative path so evidence paths (and snapshots) do
    // not depend on where the checkout lives; this is the binary's only test.
    std::env::set_current_dir(common::workspace()).expect("workspace is a folder");
    let root = common::workspace().join("tests/fixtures");
    let mut seen: BTreeSet<(String, String)> = BTreeSet::new();
    let mut failures = Vec::new();
    for vendor in std::fs::read_dir(&root).expect("tests/fixtures exists") {
        let vendor = vendor.expect("readable").path();
        for check_dir in std::fs::read_dir(&vendor).expect("readable vendor folder") {
            let check_dir = check_dir.expect("readable").path();
            let id = check_dir
                .file_name()
                .and_then(|name| name.to_str())
                .expect("utf-8 name")
                .to_owned();
            let check = catalogue
                .get(&id)
                .unwrap_or_else(|| panic!("fixture folder {id} names no check"));
            let mut files: Vec<_> = std::fs::read_dir(&check_dir)
                .expect("readable")
                .map(|f| f.expect("readable").path())
                .collect();
            files.sort();
            for file in files {
                // A folder fixture (`fail/`, `pass-acl/`) is an Asterisk configuration set.
                let stem = file
                    .file_stem()
                    .and_then(|s| s.to_str())
                    .expect("utf-8 name")
                    .to_owned();
                let expected = match stem.split('-').next() {
                    Some("fail") => Status::Fail,
                    Some("pass") => Status::Pass,
                    _ => panic!("{}: fixture names start with fail or pass", file.display()),
                };
                let relative = file
                    .strip_prefix(common::workspace())
                    .expect("under workspace")
                    .to_path_buf();
                let finding = evaluate_fixture(check, &file, &relative);
                if finding.status != expected {
                    failures.push(format!(
                        "{}: expected {expected}, got {} ({})",
                        relative.display(),
                        finding.status,
                        finding.message
                    ));
                }
                seen.insert((id.clone(), stem.clone()));
                insta::with_settings!({ snapshot_suffix => format!("{id}-{}", file.file_name().and_then(|n| n.to_str()).unwrap_or_default()), omit_expression => true, prepend_module_to_snapshot => false }, {
                    insta::assert_yaml_snapshot!("fixture", finding);
                });
            }
        }
    }
    assert!(
        failures.is_empty(),
        "fixtures with an unexpected status:\n{}",
        failures.join("\n")
    );
    let missing: Vec<_> = catalogue
        .checks()
        .iter()
        .filter(|check| {
            !matches!(
                check.meta.logic,
                voipguard_checks::meta::Logic::External { .. }
            )
        })
        .flat_map(|check| ["fail", "pass"].map(|kind| (check.id().to_owned(), kind)))
        .filter(|(id, kind)| {
            !seen
                .iter()
                .any(|(seen_id, stem)| seen_id == id && stem.starts_with(kind))
        })
        .collect();
    assert!(
        missing.is_empty(),
        "checks without a fail and a pass fixture: {missing:?}"
    );
}

/// Like the audit, ScopTEL facts files inside a PBX folder join that PBX's device.
fn merge_facts_inside(device: &mut Device, folder: &Path) {
    let mut files: Vec<_> = std::fs::read_dir(folder)
        .expect("readable fixture folder")
        .map(|entry| entry.expect("readable").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
        .collect();
    files.sort();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("utf-8 facts fixture");
        if voipguard_facts::sniff(&text) != Some(voipguard_facts::Kind::Scoptel) {
            continue;
        }
        let facts = voipguard_facts::read(&file, &text)
            .unwrap_or_else(|err| panic!("{}: invalid facts: {err}", file.display()));
        device.settings.extend(facts.device.settings);
    }
}

/// A file fixture is a phone configuration, or a facts file (`.toml`); a folder fixture is an
/// Asterisk configuration set (loaded from its relative path, so snapshots do not depend on where
/// the checkout lives).
fn evaluate_fixture(check: &'static Check, file: &Path, relative: &Path) -> Finding {
    if file.is_dir() {
        let set = ConfigSet::load(relative).expect("readable fixture folder");
        let mut device = Device::new(
            relative.display().to_string(),
            Vendor::Asterisk,
            Family::Asterisk,
            FamilyBasis::Content,
        );
        merge_facts_inside(&mut device, relative);
        return check.evaluate(Target {
            device: &device,
            asterisk: Some(&set),
        });
    }
    let bytes = std::fs::read(file).expect("readable fixture");
    if file.extension().is_some_and(|ext| ext == "toml") {
        let text = String::from_utf8(bytes).expect("utf-8 facts fixture");
        let facts = voipguard_facts::read(relative, &text)
            .unwrap_or_else(|err| panic!("{}: invalid facts: {err}", file.display()));
        return check.evaluate(&facts.device);
    }
    // The audit keeps only the settings the checks declare; in this debug build reading any
    // other one stops the test. Both parses must lead to the same finding.
    let keep = Keep::only(
        voipguard_checks::catalogue()
            .expect("catalogue")
            .settings_read(),
    );
    let finding = match voipguard_parsers::parse_keeping(relative, &bytes, &keep) {
        Ok(Parsed::Device(device)) => check.evaluate(&*device),
        other => panic!("{}: not a device: {other:?}", file.display()),
    };
    match voipguard_parsers::parse(relative, &bytes) {
        Ok(Parsed::Device(device)) => assert_eq!(
            check.evaluate(&*device),
            finding,
            "{}: the full parse and the audit's parse disagree",
            file.display()
        ),
        other => panic!("{}: not a device: {other:?}", file.display()),
    }
    finding
}

//! The catalogue and the baseline (`shared/baseline.md`) agree: every phone control has exactly
//! one check with its id, every check id is a baseline control, Grandstream checks apply to the
//! families the baseline names, and every check cites a section that exists in its guide.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use voipguard_checks::catalogue;

/// The baseline's phone controls: every one has a check, and the catalogue holds no other.
const PHONE_PREFIXES: &[&str] = &["GS-", "SN-"];

/// Controls decided by facts files, one check per control with the control's id: every Allworx
/// control, and the network controls a site's facts can decide.
const FACTS_PREFIXES: &[&str] = &["AW-", "NET-"];

fn shared() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared")
}

/// Control id → "applies" column, for every table row of the baseline.
fn baseline_controls() -> BTreeMap<String, String> {
    let text = fs::read_to_string(shared().join("baseline.md")).expect("shared/baseline.md");
    text.lines()
        .filter_map(|line| {
            let mut cells = line.split('|').map(str::trim).skip(1);
            let id = cells.next()?;
            let is_id = !id.is_empty()
                && id
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-')
                && id.contains('-');
            cells.next()?;
            let applies = cells.next().unwrap_or_default();
            is_id.then(|| (id.to_owned(), applies.to_owned()))
        })
        .collect()
}

#[test]
fn every_phone_control_has_one_check_and_every_check_is_a_control() {
    let controls = baseline_controls();
    let catalogue = catalogue().expect("catalogue loads");
    for id in controls.keys() {
        if PHONE_PREFIXES
            .iter()
            .chain(&["AW-"])
            .any(|prefix| id.starts_with(prefix))
        {
            assert!(
                catalogue.get(id).is_some(),
                "baseline control {id} has no rule file"
            );
        }
    }
    for check in catalogue.checks() {
        let id = check.id();
        if id.starts_with("AST-") {
            // PBX checks are finer than controls: each names the control it decides. AST-CONFIG
            // decides none: it says whether the evidence is complete.
            let control = check.meta.control();
            assert!(
                control == "AST-CONFIG" || controls.contains_key(control),
                "{id} decides {control}, which is not a baseline control"
            );
            continue;
        }
        assert!(
            PHONE_PREFIXES
                .iter()
                .chain(FACTS_PREFIXES)
                .any(|prefix| id.starts_with(prefix)),
            "{id}: not a phone, Allworx or network control"
        );
        assert!(controls.contains_key(id), "{id} is not a baseline control");
    }
    let grandstream = controls.keys().filter(|id| id.starts_with("GS-")).count();
    assert_eq!(
        grandstream, 33,
        "the baseline lists 33 Grandstream controls"
    );
}

#[test]
fn grandstream_checks_apply_to_the_baseline_families() {
    let controls = baseline_controls();
    let catalogue = catalogue().expect("catalogue loads");
    for check in catalogue
        .checks()
        .iter()
        .filter(|c| c.id().starts_with("GS-"))
    {
        let id = check.id();
        let mut expected: Vec<String> = controls[id]
            .split(',')
            .map(|family| family.trim().to_ascii_lowercase())
            .collect();
        expected.sort();
        let mut actual = check.meta.applies_to.clone();
        actual.sort();
        assert_eq!(
            actual, expected,
            "{id}: applies_to differs from the baseline"
        );
    }
}

#[test]
fn every_check_cites_a_real_guide_section() {
    for check in catalogue().expect("catalogue loads").checks() {
        let id = check.id();
        for reference in &check.meta.references {
            let guide = fs::read_to_string(shared().join("guides").join(&reference.guide))
                .unwrap_or_else(|_| panic!("{id}: no guide {}", reference.guide));
            assert!(
                guide.lines().any(|line| line.trim() == reference.section),
                "{id}: section {:?} is not a heading of {}",
                reference.section,
                reference.guide
            );
        }
    }
}

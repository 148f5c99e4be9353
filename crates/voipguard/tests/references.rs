//! Every check cites a guide that exists in `../shared/guides/` and a section heading that the
//! guide really has, so a finding's reference can be followed.

mod common;

#[test]
fn every_reference_names_a_real_guide_section() {
    let guides = common::shared().join("guides");
    let mut problems = Vec::new();
    for check in voipguard_checks::catalogue()
        .expect("catalogue loads")
        .checks()
    {
        for reference in &check.meta.references {
            match std::fs::read_to_string(guides.join(&reference.guide)) {
                Ok(text) => {
                    let found = text
                        .lines()
                        .any(|line| line.trim().eq_ignore_ascii_case(reference.section.trim()));
                    if !found {
                        problems.push(format!(
                            "{}: no heading `{}` in {}",
                            check.id(),
                            reference.section,
                            reference.guide
                        ));
                    }
                }
                Err(err) => {
                    problems.push(format!("{}: guide {}: {err}", check.id(), reference.guide))
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

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

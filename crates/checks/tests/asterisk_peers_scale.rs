//! The peer checks on a production-sized FreePBX/Issabel export (~1,700 peers in ~41,000 lines,
//! written by `shared/bench/gen_sip_peers.py`) give one grouped finding each. Their speed is
//! measured by `bench/pbx_audit.sh`, not here.

use std::path::{Path, PathBuf};
use std::process::Command;

use voipguard_asterisk::ConfigSet;
use voipguard_checks::{Target, catalogue};
use voipguard_model::{Device, Family, FamilyBasis, Status, Vendor};

const PEERS: usize = 1_700;

/// Writes the export into a folder of its own per test (tests run in parallel).
fn generated_set(test: &str) -> PathBuf {
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared");
    let folder =
        std::env::temp_dir().join(format!("voipguard-sip-scale-{}-{test}", std::process::id()));
    std::fs::create_dir_all(&folder).expect("temporary folder");
    let status = Command::new("python3")
        .arg(shared.join("bench/gen_sip_peers.py"))
        .arg(folder.join("sip_additional.conf"))
        .arg(PEERS.to_string())
        .status()
        .expect("python3 runs the generator");
    assert!(status.success(), "generator failed");
    folder
}

#[test]
fn peer_checks_on_a_large_export_give_one_grouped_finding_each() {
    let folder = generated_set("grouped");
    let set = ConfigSet::load(&folder).expect("readable folder");
    let _ = std::fs::remove_dir_all(&folder);
    let device = Device::new(
        "scale",
        Vendor::Asterisk,
        Family::Asterisk,
        FamilyBasis::Content,
    );
    let target = Target {
        device: &device,
        asterisk: Some(&set),
    };
    let catalogue = catalogue().expect("catalogue loads");
    let mut statuses = Vec::new();
    for id in [
        "AST-SIP-04",
        "AST-SIP-06",
        "AST-SIP-07",
        "AST-SIP-08",
        "AST-SIP-09",
        "AST-SIP-10",
    ] {
        let check = catalogue.get(id).expect("check exists");
        let finding = check.evaluate(target);
        statuses.push((id, finding.status));
        assert!(!finding.message.contains('\n'), "{id}: one-line message");
        if finding.status == Status::Fail {
            assert!(
                finding.message.contains(" more"),
                "{id}: a grouped message names a few peers and counts the rest: {}",
                finding.message
            );
        }
    }
    // The generator's shapes: trunks with insecure=port,invite are static peers (no SIP-04
    // failure); every extension has deny-all then permit-all (SIP-09); without sip.conf the global
    // contact ACL is unknown (SIP-10); about 5 % of secrets equal the extension (SIP-07, SIP-08).
    assert_eq!(
        statuses,
        vec![
            ("AST-SIP-04", Status::Pass),
            ("AST-SIP-06", Status::Pass),
            ("AST-SIP-07", Status::Fail),
            ("AST-SIP-08", Status::Fail),
            ("AST-SIP-09", Status::Fail),
            ("AST-SIP-10", Status::Unknown),
        ]
    );
}

#[test]
fn the_acl_finding_counts_every_extension() {
    let folder = generated_set("acl");
    let set = ConfigSet::load(&folder).expect("readable folder");
    let _ = std::fs::remove_dir_all(&folder);
    let device = Device::new(
        "scale",
        Vendor::Asterisk,
        Family::Asterisk,
        FamilyBasis::Content,
    );
    let finding = catalogue()
        .expect("catalogue loads")
        .get("AST-SIP-09")
        .expect("check exists")
        .evaluate(Target {
            device: &device,
            asterisk: Some(&set),
        });
    // The generator writes 10 static trunks without any ACL before the extensions.
    let total = PEERS + 10;
    let expected = format!("{total} of {total} SIP peers let every address in");
    assert!(
        finding.message.starts_with(&expected),
        "{}",
        finding.message
    );
    assert!(
        finding.message.contains("10 of them with a static host"),
        "{}",
        finding.message
    );
    assert!(
        finding
            .message
            .ends_with("trunk-0, trunk-1, trunk-2, trunk-3, trunk-4 and 1705 more"),
        "{}",
        finding.message
    );
    assert_eq!(
        finding.evidence.len(),
        total,
        "every affected peer is evidence"
    );
}

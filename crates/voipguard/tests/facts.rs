//! Facts files through the binary: templates, audits of facts alone, merging with a PBX folder,
//! and invalid facts as input errors.

mod common;

use assert_cmd::Command;
use serde_json::Value as Json;

fn voipguard() -> Command {
    let mut command = Command::cargo_bin("voipguard").expect("binary built");
    command.current_dir(common::workspace());
    command
}

fn template(kind: &str) -> String {
    let output = voipguard()
        .args(["facts", "template", "--kind", kind])
        .output()
        .expect("runs");
    assert!(output.status.success());
    String::from_utf8(output.stdout).expect("utf-8")
}

fn audit(paths: &[&std::path::Path]) -> (i32, Json) {
    let output = voipguard()
        .arg("audit")
        .args(paths)
        .args(["--format", "json", "--fail-on", "never"])
        .output()
        .expect("runs");
    let json = serde_json::from_slice(&output.stdout).expect("JSON report");
    (output.status.code().expect("exit code"), json)
}

/// `(check, status)` of every finding of the device `id`.
fn statuses(json: &Json, id: &str) -> Vec<(String, String)> {
    let device = json["devices"]
        .as_array()
        .and_then(|devices| devices.iter().find(|device| device["id"] == id))
        .unwrap_or_else(|| panic!("no device {id} in {json}"));
    device["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|finding| {
            (
                finding["check"].as_str().unwrap_or_default().to_owned(),
                finding["status"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[test]
fn the_template_command_prints_the_library_template() {
    let printed = template("site");
    assert_eq!(
        printed,
        voipguard_facts::template(voipguard_facts::Kind::Site)
    );
    insta::assert_snapshot!("facts-template-site", printed);
}

#[test]
fn an_untouched_template_decides_nothing_and_a_filled_one_decides() {
    let folder = tempfile::tempdir().expect("temporary folder");
    let untouched = folder.path().join("allworx.toml");
    std::fs::write(&untouched, template("allworx")).expect("written");
    let (code, json) = audit(&[&untouched]);
    assert_eq!(code, 0, "{json}");
    let found = statuses(&json, "CHANGE-ME");
    assert_eq!(found.len(), 10, "every AW control: {found:?}");
    assert!(
        found.iter().all(|(_, status)| status == "unknown"),
        "{found:?}"
    );

    let filled = template("allworx")
        .replace("device = \"CHANGE-ME\"", "device = \"office-allworx\"")
        .replace(
            "# admin = <one of the values above, in quotes>",
            "admin = \"trivial\"",
        )
        .replace(
            "# require_change = <true or false>",
            "require_change = true",
        )
        .replace(
            "# wan_mode = <one of the values above, in quotes>",
            "wan_mode = \"nat-firewall\"",
        );
    std::fs::write(&untouched, filled).expect("written");
    let (_, json) = audit(&[&untouched]);
    let found = statuses(&json, "office-allworx");
    let status = |id: &str| {
        found
            .iter()
            .find(|(check, _)| check == id)
            .map(|(_, status)| status.as_str())
    };
    assert_eq!(status("AW-PASS-STRONG"), Some("fail"), "admin is trivial");
    assert_eq!(status("AW-PASS-CHANGE"), Some("pass"));
    assert_eq!(status("AW-STEALTH"), Some("fail"));
    assert_eq!(status("AW-PNP"), Some("unknown"), "not stated");
}

#[test]
fn scoptel_facts_naming_an_audited_folder_join_that_pbx() {
    let pbx = "tests/fixtures/asterisk/AST-SIP-01/pass";
    let folder = tempfile::tempdir().expect("temporary folder");
    let facts = folder.path().join("scoptel.toml");
    std::fs::write(
        &facts,
        format!(
            "kind = \"scoptel\"\ndevice = \"./{pbx}/\"\n\n[gui]\naccess = \"http-only\"\n\n[ssh]\nport = 2222\n"
        ),
    )
    .expect("written");
    let (code, json) = audit(&[std::path::Path::new(pbx), &facts]);
    assert_eq!(code, 0, "{json}");
    let devices = json["devices"].as_array().expect("devices");
    assert_eq!(devices.len(), 1, "one PBX, not two devices: {json}");
    let found = statuses(&json, pbx);
    assert!(
        found.contains(&("AST-SIP-01".into(), "pass".into())),
        "{found:?}"
    );
    assert!(
        found.contains(&("AST-FACT-03".into(), "fail".into())),
        "{found:?}"
    );
    let sources = devices[0]["sources"].to_string();
    assert!(sources.contains("scoptel.toml"), "{sources}");
    let gui = devices[0]["findings"]
        .as_array()
        .and_then(|findings| findings.iter().find(|f| f["check"] == "AST-FACT-03"))
        .expect("AST-FACT-03");
    assert_eq!(
        gui["evidence"][0]["line"], 5,
        "evidence cites the facts file line"
    );
}

#[test]
fn scoptel_facts_naming_no_audited_folder_stand_alone() {
    let folder = tempfile::tempdir().expect("temporary folder");
    let facts = folder.path().join("scoptel.toml");
    std::fs::write(
        &facts,
        "kind = \"scoptel\"\ndevice = \"elsewhere\"\n[gui]\naccess = \"https-only\"\n",
    )
    .expect("written");
    let (_, json) = audit(&[&facts]);
    let found = statuses(&json, "elsewhere");
    assert!(
        found.contains(&("AST-FACT-03".into(), "pass".into())),
        "{found:?}"
    );
    assert!(
        found.contains(&("AST-SIP-01".into(), "not_applicable".into())),
        "{found:?}"
    );
}

/// A copy of a fixture PBX folder in a temporary folder, as `<tmp>/<name>`.
fn copy_of_pbx(root: &std::path::Path, name: &str) -> std::path::PathBuf {
    let pbx = root.join(name);
    std::fs::create_dir(&pbx).expect("created");
    std::fs::copy(
        common::workspace().join("tests/fixtures/asterisk/AST-SIP-01/pass/sip.conf"),
        pbx.join("sip.conf"),
    )
    .expect("copied");
    pbx
}

#[test]
fn scoptel_facts_inside_the_audited_folder_join_that_pbx() {
    let folder = tempfile::tempdir().expect("temporary folder");
    let pbx = copy_of_pbx(folder.path(), "asterisk-copy");
    // The copy keeps the name its original was given; the file's place says which PBX it is.
    std::fs::write(
        pbx.join("scoptel.toml"),
        "kind = \"scoptel\"\ndevice = \"/etc/asterisk\"\n[gui]\naccess = \"http-only\"\n",
    )
    .expect("written");
    std::fs::write(
        pbx.join("site.toml"),
        "kind = \"site\"\ndevice = \"office\"\n",
    )
    .expect("written");
    std::fs::write(pbx.join("notes.toml"), "owner = \"it\"\n").expect("written");
    let (code, json) = audit(&[&pbx]);
    assert_eq!(code, 0, "{json}");
    let ids: Vec<&str> = json["devices"]
        .as_array()
        .expect("devices")
        .iter()
        .filter_map(|device| device["id"].as_str())
        .collect();
    let pbx_id = pbx.display().to_string();
    assert_eq!(
        ids,
        [pbx_id.as_str(), "office"],
        "the site stays its own device"
    );
    let found = statuses(&json, &pbx_id);
    assert!(
        found.contains(&("AST-SIP-01".into(), "pass".into())),
        "{found:?}"
    );
    assert!(
        found.contains(&("AST-FACT-03".into(), "fail".into())),
        "{found:?}"
    );
}

#[test]
fn scoptel_facts_inside_one_folder_naming_another_audited_folder_join_that_one() {
    let folder = tempfile::tempdir().expect("temporary folder");
    let first = copy_of_pbx(folder.path(), "pbx-a");
    let second = copy_of_pbx(folder.path(), "pbx-b");
    std::fs::write(
        first.join("scoptel.toml"),
        format!(
            "kind = \"scoptel\"\ndevice = \"{}\"\n[gui]\naccess = \"http-only\"\n",
            second.display()
        ),
    )
    .expect("written");
    let (_, json) = audit(&[&first, &second]);
    let gui = |pbx: &std::path::Path| {
        statuses(&json, &pbx.display().to_string())
            .into_iter()
            .find(|(check, _)| check == "AST-FACT-03")
            .map(|(_, status)| status)
    };
    assert_eq!(gui(&first).as_deref(), Some("unknown"));
    assert_eq!(gui(&second).as_deref(), Some("fail"));
    assert_eq!(json["devices"].as_array().map(Vec::len), Some(2), "{json}");
}

#[test]
fn an_invalid_facts_file_is_an_input_error_with_its_line() {
    let folder = tempfile::tempdir().expect("temporary folder");
    let facts = folder.path().join("site.toml");
    std::fs::write(
        &facts,
        "kind = \"site\"\ndevice = \"office\"\n[router]\nsip_alg = \"maybe\"\n",
    )
    .expect("written");
    let (code, json) = audit(&[&facts]);
    assert_eq!(code, 2);
    let error = &json["errors"][0];
    assert_eq!(error["line"], 4, "{json}");
    assert!(
        error["message"]
            .as_str()
            .is_some_and(|m| m.contains("expected one of")),
        "{error}"
    );
}

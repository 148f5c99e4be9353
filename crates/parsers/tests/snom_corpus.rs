//! Every real Snom file in the shared corpus goes through `voipguard_parsers::parse`: it becomes a
//! device or is skipped with a reason, and a secret-free summary of the result is snapshotted.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use voipguard_model::{Device, Perm, SettingKey, Value};
use voipguard_parsers::{Parsed, detect, parse};

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/snom")
}

fn corpus_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(corpus_dir())
        .expect("the shared Snom corpus is readable")
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    files
}

/// A setting's value for the summary: secrets never show.
fn shown(device: &Device, key: &SettingKey) -> String {
    let Some(setting) = device.get(key) else {
        return "absent".into();
    };
    let value = match (&setting.value, setting.secret) {
        (_, true) => "<secret>".to_owned(),
        (Value::Literal(text), false) => format!("{text:?}"),
        (Value::Template(text), false) => format!("template {text:?}"),
    };
    let conditional = if setting.conditional {
        " (conditional)"
    } else {
        ""
    };
    format!("{value}{conditional}")
}

fn perm_of(device: &Device, name: &str) -> String {
    match device.global(name) {
        None => "absent".into(),
        Some(setting) => match setting.perm {
            None => "templated".into(),
            Some(Perm::ReadOnly) => "read_only".into(),
            Some(Perm::ReadWrite) => "read_write".into(),
            Some(Perm::UserKeeps) => "user_keeps".into(),
        },
    }
}

fn summary(file_text: &str, device: &Device) -> String {
    let templated = device
        .settings
        .values()
        .filter(|setting| matches!(setting.value, Value::Template(_)))
        .count();
    let conditional = device
        .settings
        .values()
        .filter(|setting| setting.conditional)
        .count();
    let secrets = device
        .settings
        .values()
        .filter(|setting| setting.secret)
        .count();
    let mut out = String::new();
    let mut line = |label: &str, value: String| {
        let _ = writeln!(out, "{label}: {value}");
    };
    line("format", format!("{:?}", detect(file_text)));
    line("model", format!("{:?}", device.model));
    line("mac", format!("{:?}", device.mac));
    line("device templated", device.templated.to_string());
    line("settings", device.settings.len().to_string());
    line("template values", templated.to_string());
    line("conditional", conditional.to_string());
    line("secrets", secrets.to_string());
    line("identities", format!("{:?}", device.account_indices()));
    line("perm http_pass", perm_of(device, "http_pass"));
    line("perm admin_mode", perm_of(device, "admin_mode"));
    for key in [
        SettingKey::global("http_pass"),
        SettingKey::global("admin_mode"),
        SettingKey::global("admin_mode_password"),
        SettingKey::global("webserver_type"),
        SettingKey::account("user_srtp", 1),
        SettingKey::account("user_savp", 1),
        SettingKey::global("user_srtp"),
        SettingKey::global("provisioning_order"),
    ] {
        line(&key.to_string(), shown(device, &key));
    }
    out
}

/// Every setting's origin points at the place in the file where its name is written.
fn assert_origins_point_at_names(path: &Path, file_text: &str, device: &Device) {
    let lines: Vec<&str> = file_text.lines().collect();
    for (key, setting) in &device.settings {
        let origin = &setting.origin;
        assert_eq!(origin.file.as_path(), path);
        let line = lines
            .get(origin.line as usize - 1)
            .unwrap_or_else(|| panic!("{key}: line {} is past the end", origin.line));
        let from_column: String = line.chars().skip(origin.column as usize - 1).collect();
        let from_column = from_column.trim_start_matches('<');
        assert!(
            from_column.starts_with(origin.written_as.as_str()),
            "{}:{}:{} does not start with {}",
            path.display(),
            origin.line,
            origin.column,
            origin.written_as
        );
    }
}

#[test]
fn every_corpus_file_is_a_device_or_skipped_with_a_reason() {
    let files = corpus_files();
    assert!(files.len() >= 11, "the corpus has its Snom files");
    let mut skipped = Vec::new();
    for path in &files {
        let bytes = fs::read(path).expect("a corpus file is readable");
        let file_text = String::from_utf8(bytes.clone()).expect("the corpus is UTF-8");
        let name = path
            .file_name()
            .and_then(|name| name.to_str())
            .expect("a UTF-8 file name");
        let parsed = parse(path, &bytes).unwrap_or_else(|err| panic!("{name}: {err}"));
        let snapshot = match parsed {
            Parsed::Device(device) => {
                assert!(
                    !device.settings.is_empty(),
                    "{name}: a device without settings"
                );
                assert_origins_point_at_names(path, &file_text, &device);
                summary(&file_text, &device)
            }
            Parsed::Skipped { reason } => {
                skipped.push(name.to_owned());
                format!("skipped: {reason}\n")
            }
        };
        insta::assert_snapshot!(name, snapshot);
    }
    assert_eq!(
        skipped,
        [
            "fusionpbx_snom_m3.cfg",
            "gs3_snom_settings-fail.php.txt",
            "provisioner_snom7xx_setting-files.htm",
        ]
    );
}

//! Every Grandstream corpus file through the crate's entry point, snapshotted as a secret-free
//! summary, plus property tests on arbitrary input.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use proptest::prelude::*;
use voipguard_model::{Device, Setting, SettingKey, Value};
use voipguard_parsers::{Parsed, detect, parse};

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/grandstream")
}

fn corpus_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(corpus_dir())
        .expect("the shared corpus is readable")
        .map(|entry| entry.expect("corpus entry").path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    files
}

/// Settings worth seeing in a snapshot: the hardening rows most checks read.
const KEY_GLOBALS: &[&str] = &[
    "P2", "P212", "P276", "P1310", "P1650", "P6767", "P8463", "P22030", "P27006",
];
const KEY_ACCOUNT_FIELDS: &[&str] = &[
    "account.enable",
    "account.sip.transport",
    "account.audio.srtpMode",
    "account.sip.subscriber.password",
];

fn shown(setting: &Setting) -> String {
    let value = if setting.secret {
        "<secret>".to_owned()
    } else {
        match &setting.value {
            Value::Literal(text) => format!("{text:?}"),
            Value::Template(text) => format!("template {text:?}"),
        }
    };
    let conditional = if setting.conditional {
        ", conditional"
    } else {
        ""
    };
    format!(
        "{value} (line {}, written as {}{conditional})",
        setting.origin.line, setting.origin.written_as
    )
}

fn summary(path: &Path, device: &Device) -> String {
    let settings = device.settings.values();
    let count = |keep: fn(&Setting) -> bool| settings.clone().filter(|s| keep(s)).count();
    let id = if device.id == path.display().to_string() {
        "<file path>".to_owned()
    } else {
        device.id.clone()
    };
    let mut out = String::new();
    let _ = writeln!(out, "id: {id}");
    let _ = writeln!(out, "family: {} ({:?})", device.family, device.family_basis);
    let _ = writeln!(out, "model: {:?}", device.model);
    let _ = writeln!(out, "mac: {:?}", device.mac);
    let _ = writeln!(out, "templated: {}", device.templated);
    let _ = writeln!(out, "settings: {}", device.settings.len());
    let _ = writeln!(
        out,
        "template values: {}",
        count(|s| matches!(s.value, Value::Template(_)))
    );
    let _ = writeln!(out, "conditional: {}", count(|s| s.conditional));
    let _ = writeln!(out, "secrets: {}", count(|s| s.secret));
    let _ = writeln!(out, "accounts: {:?}", device.account_indices());
    for name in KEY_GLOBALS {
        if let Some(setting) = device.global(name) {
            let _ = writeln!(out, "{name} = {}", shown(setting));
        }
    }
    for index in device.account_indices() {
        for name in KEY_ACCOUNT_FIELDS {
            if let Some(setting) = device.account(name, index) {
                let _ = writeln!(out, "{name}[{index}] = {}", shown(setting));
            }
        }
    }
    out
}

#[test]
fn every_corpus_file_parses_or_is_skipped_with_a_reason() {
    let files = corpus_files();
    assert!(files.len() >= 15, "corpus has {} files", files.len());
    for path in files {
        let bytes = fs::read(&path).expect("corpus file is readable");
        let name = path
            .file_name()
            .and_then(|name| name.to_str())
            .expect("file name");
        let format = String::from_utf8(bytes.clone())
            .ok()
            .and_then(|text| detect(&text));
        let outcome = match parse(&path, &bytes) {
            Ok(Parsed::Device(device)) => {
                assert_eq!(device.sources, vec![std::sync::Arc::new(path.clone())]);
                format!("format: {format:?}\n{}", summary(&path, &device))
            }
            Ok(Parsed::Skipped { reason }) => {
                assert!(!reason.is_empty());
                format!("skipped: {reason}\n")
            }
            Err(error) => panic!("{name}: {error}"),
        };
        if name.ends_with(".csv") {
            assert!(outcome.starts_with("skipped"), "{name}: {outcome}");
        }
        insta::assert_snapshot!(name.replace('.', "_"), outcome);
    }
}

#[test]
fn alias_and_pvalue_forms_of_the_same_file_agree() {
    let v1 = r#"<gs_provision><config version="1">
<P276>1</P276><P1650>0</P1650><P1310>1</P1310><P212>2</P212><P448>2</P448><P183>2</P183>
</config></gs_provision>"#;
    let v2 = r#"<gs_provision><config version="2">
<item name="security.ssh">No</item><item name="security.webAccessMode">HTTPS</item>
<item name="call.ipcall.enable">No</item><item name="provisioning.config.protocol">HTTPS</item>
<item name="account.2.sip.transport">Tls Or Tcp</item>
<item name="account.1.audio.srtpMode">EnabledAndForced</item>
</config></gs_provision>"#;
    let text = "P276 = 1\nP1650 = 0\nP1310=1\nP212 = 2\nP448 = 2\nP183 = 2\n";
    let values = |source: &str| -> BTreeMap<SettingKey, Option<String>> {
        let Ok(Parsed::Device(device)) = parse(Path::new("same.xml"), source.as_bytes()) else {
            panic!("not a device: {source}");
        };
        device
            .settings
            .into_iter()
            .map(|(key, setting)| (key, setting.value.literal().map(String::from)))
            .collect()
    };
    let expected = values(v1);
    assert_eq!(expected.len(), 6);
    assert_eq!(values(v2), expected);
    assert_eq!(values(text), expected);
}

/// Fragments of Grandstream files and templates, to reach deeper than random text does.
fn fragment() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "<?xml version=\"1.0\"?>",
        "<gs_provision version=\"1\">",
        "</gs_provision>",
        "<config version=\"1\">",
        "<config version=\"2\">",
        "</config>",
        "<mac>",
        "</mac>",
        "000b82123456",
        "<item name=\"",
        "account.",
        "security.ssh",
        "\">",
        "</item>",
        "<part name=\"userid\">",
        "</part>",
        "<P276>",
        "</P276>",
        "P276",
        "P448",
        " = ",
        "=",
        "\n",
        "# comment",
        "{$x}",
        "{if $a}",
        "{/if}",
        "{{ v }}",
        "{% if a %}",
        "{% endif %}",
        "{",
        "}",
        "<",
        ">",
        "&",
        "&amp;",
        "\"",
        "Yes",
        "No",
        "Tls Or Tcp",
        "1",
        "é",
        "\u{feff}",
    ])
}

proptest! {
    #[test]
    fn grandstream_like_text_never_panics(parts in prop::collection::vec(fragment(), 0..60)) {
        let text = parts.concat();
        let _ = parse(Path::new("cfg.xml"), text.as_bytes());
    }

    #[test]
    fn pvalue_text_values_survive_parsing(
        lines in prop::collection::vec((1u32..40000, "([!-z|~]([ -z|~]{0,16}[!-z|~])?)?"), 1..40)
    ) {
        let mut text = String::new();
        let mut expected = BTreeMap::new();
        for (number, (pvalue, value)) in lines.iter().enumerate() {
            let _ = writeln!(text, "P{pvalue} = {value}");
            expected.insert(format!("P{pvalue}"), (u32::try_from(number + 1).unwrap(), value.clone()));
        }
        let Ok(Parsed::Device(device)) = parse(Path::new("values.txt"), text.as_bytes()) else {
            panic!("not a device:\n{text}");
        };
        prop_assert_eq!(device.settings.len(), expected.len());
        for (written, (line, value)) in expected {
            let setting = device
                .settings
                .values()
                .find(|setting| setting.origin.written_as == written)
                .expect("every P-value is a setting");
            prop_assert_eq!(setting.origin.line, line);
            prop_assert_eq!(setting.value.literal(), Some(value.as_str()));
        }
    }
}

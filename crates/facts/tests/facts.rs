//! Facts files: the template round trip, validation errors with lines, and the template text.

use std::path::Path;

use voipguard_facts::{Kind, ValueType, read, sniff, template};
use voipguard_model::{Value, Vendor};

fn value_of(device: &voipguard_model::Device, name: &str) -> Option<String> {
    device
        .global(name)
        .and_then(|setting| setting.value.literal().map(str::to_owned))
}

#[test]
fn an_untouched_template_parses_and_states_no_fact() {
    for kind in Kind::ALL {
        let text = template(kind);
        assert_eq!(sniff(&text), Some(kind));
        let facts = read(Path::new("facts.toml"), &text)
            .unwrap_or_else(|err| panic!("{} template: {err}", kind.as_str()));
        assert_eq!(facts.kind, kind);
        assert!(
            facts.device.settings.is_empty(),
            "{}: an untouched template states nothing",
            kind.as_str()
        );
    }
}

/// Uncomments every fact of a template with a value (the first choice, `true`, port 2222).
fn filled(kind: Kind) -> String {
    let mut out = String::new();
    for line in template(kind).lines() {
        let fact = kind.facts().iter().find(|fact| {
            line.strip_prefix("# ")
                .and_then(|rest| rest.strip_prefix(fact.key))
                .is_some_and(|rest| rest.starts_with(" = <"))
        });
        match fact {
            Some(fact) => {
                let value = match fact.value {
                    ValueType::Bool => "true".to_owned(),
                    ValueType::Port => "2222".to_owned(),
                    ValueType::Choice(choices) => format!("\"{}\"", choices[0].value),
                };
                out.push_str(&format!("{} = {value}\n", fact.key));
            }
            None => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    out
}

#[test]
fn a_filled_template_states_every_fact_with_its_line() {
    for kind in Kind::ALL {
        let text = filled(kind);
        let facts = read(Path::new("filled.toml"), &text).expect("filled template is valid");
        assert_eq!(facts.device.settings.len(), kind.facts().len());
        for fact in kind.facts() {
            let setting = facts
                .device
                .global(&fact.setting_name())
                .unwrap_or_else(|| panic!("{} not read", fact.setting_name()));
            let line = text
                .lines()
                .nth(setting.origin.line as usize - 1)
                .expect("line exists");
            assert!(
                line.starts_with(&format!("{} = ", fact.key)),
                "{}: origin points at {line:?}",
                fact.setting_name()
            );
        }
    }
}

#[test]
fn a_facts_file_becomes_a_device_of_its_vendor() {
    let text = "kind = \"scoptel\"\ndevice = \"pbx/etc-asterisk\"\n\n[ssh]\nport = 22\ndenyhosts_on_boot = false\n";
    let facts = read(Path::new("pbx.toml"), text).expect("valid");
    assert_eq!(facts.device.id, "pbx/etc-asterisk");
    assert_eq!(facts.device.vendor, Vendor::Asterisk);
    assert_eq!(
        value_of(&facts.device, "facts.ssh.port").as_deref(),
        Some("22")
    );
    let setting = facts
        .device
        .global("facts.ssh.denyhosts_on_boot")
        .expect("read");
    assert_eq!(setting.value, Value::Literal("false".into()));
    assert_eq!(setting.origin.line, 6);
    assert_eq!(setting.origin.written_as, "ssh.denyhosts_on_boot");
}

fn error(text: &str) -> String {
    read(Path::new("site.toml"), text)
        .expect_err("invalid")
        .to_string()
}

#[test]
fn validation_errors_name_the_file_line_and_what_was_expected() {
    let head = "kind = \"site\"\ndevice = \"office\"\n";
    insta::assert_snapshot!(
        error(&format!("{head}\n[router]\nsip_alg = true\n")),
        @r#"site.toml:5:11: router.sip_alg: expected one of "off", "on", "not-present", found a boolean"#
    );
    insta::assert_snapshot!(
        error(&format!("{head}\n[router]\nsip_algo = \"off\"\n")),
        @"site.toml:5:1: unknown fact `sip_algo` in [router] (expected sip_alg)"
    );
    insta::assert_snapshot!(
        error(&format!("{head}\n[gui]\naccess = \"https-only\"\n")),
        @"site.toml:4:2: unknown table [gui] in a site facts file (expected [router], [sip], [public])"
    );
    insta::assert_snapshot!(
        error(&format!("{head}\n[public]\nssh = \"no\"\ntftp = false\n")),
        @"site.toml:5:7: public.ssh: expected true or false, found a string"
    );
    insta::assert_snapshot!(
        error("kind = \"site\"\n\n[router]\nsip_alg = \"off\"\n"),
        @"site.toml:1:1: missing `device` (the name of the device these facts describe)"
    );
    insta::assert_snapshot!(
        error(&format!("{head}\n[router\nsip_alg = \"off\"\n")),
        @"site.toml:4:8: unclosed table, expected `]`"
    );
}

#[test]
fn a_wrong_value_is_not_echoed_because_it_may_be_a_password() {
    let text =
        "kind = \"scoptel\"\ndevice = \"pbx\"\n\n[gui]\nadmin_password = \"Hunter2!secret\"\n";
    let message = read(Path::new("pbx.toml"), text)
        .expect_err("invalid")
        .to_string();
    assert!(!message.contains("Hunter2"), "{message}");
    assert!(message.starts_with("pbx.toml:5:"), "{message}");
}

#[test]
fn a_port_out_of_range_is_an_error() {
    let text = "kind = \"scoptel\"\ndevice = \"pbx\"\n[ssh]\nport = 70000\n";
    let message = read(Path::new("pbx.toml"), text)
        .expect_err("invalid")
        .to_string();
    assert!(
        message.starts_with("pbx.toml:4:8: ssh.port: expected a port number"),
        "{message}"
    );
}

#[test]
fn only_files_declaring_a_facts_kind_are_facts_files() {
    assert_eq!(sniff("kind = 'allworx' # server\n"), Some(Kind::Allworx));
    assert_eq!(
        sniff("[[device]]\nmac = \"000b828c8f97\"\nmodel = \"GRP2612W\"\n"),
        None
    );
    assert_eq!(
        sniff("[x]\nkind = \"site\"\n"),
        None,
        "kind must be top-level"
    );
    assert_eq!(sniff("kind = \"phone\"\n"), None);
}

#[test]
fn templates_are_stable() {
    for kind in Kind::ALL {
        insta::assert_snapshot!(format!("template-{}", kind.as_str()), template(kind));
    }
}

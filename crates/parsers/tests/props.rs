//! Property tests: no input (of any format) makes `parse` panic, and values written to a Snom text file come back
//! unchanged.

use std::collections::BTreeMap;
use std::path::Path;

use proptest::prelude::*;
use voipguard_model::{Perm, Value};
use voipguard_parsers::{Parsed, parse};

/// Pieces of Snom XML, text and template syntax, so random files reach deep into both parsers.
fn snom_fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("<settings>".to_owned()),
        Just("</settings>".to_owned()),
        Just("<phone-settings>".to_owned()),
        Just("</phone-settings>".to_owned()),
        Just("<html><pre>\n".to_owned()),
        Just("\n".to_owned()),
        Just("{if $a}".to_owned()),
        Just("{/if}".to_owned()),
        Just("{% for x in y %}".to_owned()),
        Just("{{ n }}".to_owned()),
        Just("&amp;".to_owned()),
        "[a-z_]{1,12}[0-9]{0,6}[!$&]?: [ -~]{0,20}\n",
        r#"<[a-z_]{1,10}( idx="[0-9a-z{}$]{0,7}")?( perm="[!&$RW {}]{0,3}")?>[ -~]{0,12}</[a-z_]{1,10}>"#,
        any::<String>(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = parse(Path::new("snom-fuzz.xml"), &bytes);
    }

    #[test]
    fn snom_like_files_never_panic(fragments in proptest::collection::vec(snom_fragment(), 0..40)) {
        let text = fragments.concat();
        if let Err(err) = parse(Path::new("snom-fuzz.xml"), text.as_bytes()) {
            prop_assert!(err.line >= 1 && err.column >= 1);
        }
    }

    #[test]
    fn text_values_survive_parsing(
        lines in proptest::collection::vec(
            ("[a-z][a-z_]{0,15}[a-z]", prop::sample::select(vec!["", "!", "$", "&"]), "[^\r\n\x00]{0,30}"),
            1..30,
        ),
        wrapped in any::<bool>(),
    ) {
        let mut file = String::from(if wrapped { "<html><pre>\n" } else { "" });
        let mut expected = BTreeMap::new();
        for (name, flag, value) in &lines {
            let value = value.trim();
            file.push_str(&format!("{name}{flag}: {value}\n"));
            let perm = match *flag {
                "!" => Perm::UserKeeps,
                "$" => Perm::ReadWrite,
                _ => Perm::ReadOnly,
            };
            expected.insert(name.clone(), (value.to_owned(), perm));
        }
        if wrapped {
            file.push_str("</pre></html>\n");
        }
        let parsed = parse(Path::new("snom720-000413a1b2c3.htm"), file.as_bytes());
        let Ok(Parsed::Device(device)) = parsed else {
            return Err(TestCaseError::fail(format!("not a device: {parsed:?}")));
        };
        prop_assert_eq!(device.settings.len(), expected.len());
        prop_assert_eq!(device.mac.as_deref(), Some("000413a1b2c3"));
        for (name, (value, perm)) in &expected {
            let setting = device.global(name);
            prop_assert!(setting.is_some(), "{} missing", name);
            let setting = setting.unwrap();
            let text = match &setting.value {
                Value::Literal(text) | Value::Template(text) => text,
            };
            prop_assert_eq!(text, value);
            prop_assert_eq!(setting.perm, Some(*perm));
        }
    }
}

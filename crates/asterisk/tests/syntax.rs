//! One fixture folder per syntax corner of `shared/reference/asterisk.md` section 1.

use std::path::{Path, PathBuf};

use voipguard_asterisk::{Config, ConfigError, ConfigSet, IncludeKind, Warning};

fn fixture(corner: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(corner)
}

fn load(corner: &str, file: &str) -> Config {
    Config::load(&fixture(corner), file)
}

fn names(config: &Config, category: &str) -> Vec<String> {
    config
        .category(category)
        .map(|c| c.variables.iter().map(|v| v.name.clone()).collect())
        .unwrap_or_default()
}

#[test]
fn comments_escapes_and_nested_blocks() {
    let config = load("comments", "sip.conf");
    assert_eq!(config.errors, []);
    assert_eq!(
        names(&config, "general"),
        [
            "context",
            "outbound_proxy",
            "udpbindaddr",
            "useragent",
            "tcpenable",
            "srvlookup",
            "visible"
        ]
    );
    let general = config.category("general").expect("general");
    assert_eq!(general.value("context"), Some("public"));
    assert_eq!(general.value("outbound_proxy"), Some("sip:host;lr;hide"));
    assert_eq!(general.value("udpbindaddr"), Some("0.0.0.0"));
    assert_eq!(general.value("useragent"), Some("before  after"));
    assert_eq!(general.get("visible").map(|v| v.origin.line), Some(17));
    assert_eq!(
        general
            .get("tcpenable")
            .map(|v| v.origin.to_string())
            .as_deref(),
        Some("sip.conf:14")
    );
}

#[test]
fn a_stray_closer_comments_out_what_follows_like_config_c() {
    let config = load("comments", "stray.conf");
    let s = config.category("s").expect("s");
    assert_eq!(s.value("a"), Some("1 --; b"));
    assert_eq!(names(&config, "s"), ["a", "d"]);
}

#[test]
fn templates_inheritance_and_appends() {
    let config = load("templates", "pjsip.conf");
    let codecs = config
        .categories
        .iter()
        .find(|c| c.name == "codecs")
        .expect("codecs");
    assert!(codecs.is_template);
    assert_eq!(codecs.inherits, ["base"]);
    assert!(
        config.category("codecs").is_none(),
        "templates are not handed to consumers"
    );

    let endpoint = config.category("6001").expect("6001");
    assert_eq!(endpoint.inherits, ["codecs"]);
    assert_eq!(endpoint.value("context"), Some("phones"));
    let allow: Vec<_> = endpoint
        .all("allow")
        .map(|v| (v.value.as_str(), v.inherited))
        .collect();
    assert_eq!(allow, [("ulaw", true), ("alaw", true), ("g722", true)]);
    let inherited_type = endpoint.get("type").expect("type");
    assert!(inherited_type.inherited);
    assert_eq!(
        inherited_type.origin.line, 2,
        "an inherited variable points at the template line"
    );
    assert_eq!(
        endpoint.value("callerid"),
        Some("\"Desk\" <6001>"),
        "(+) goes to the first one"
    );

    let same_id: Vec<_> = config.categories_named("6001").collect();
    assert_eq!(same_id.len(), 2, "pjsip objects sharing an id stay apart");
    assert_eq!(same_id[1].value("type"), Some("aor"));
    assert_eq!(
        same_id[1].value("remove_existing"),
        Some("yes"),
        "(+type=aor) picks the aor"
    );

    let two_bases = config.category("6002").expect("6002");
    assert_eq!(
        two_bases.inherits,
        ["base2", "base"],
        "names compare case-insensitively"
    );
    assert_eq!(
        names(&config, "6002"),
        ["transport", "type", "context", "allow", "context"]
    );
    assert_eq!(two_bases.value("context"), Some("other"));

    let errors: Vec<String> = config.errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        errors,
        [
            "pjsip.conf:31: expected an earlier category or template named 'nosuch' to inherit from",
            "pjsip.conf:34: expected an earlier category 'orphan' to append to (filter '')",
        ]
    );
    assert_eq!(
        config.value("6003", "context"),
        Some("x"),
        "parsing goes on after an error"
    );
}

#[test]
fn includes_globs_and_directives() {
    let config = load("includes", "sip.conf");
    let read: Vec<String> = config
        .files_read
        .iter()
        .map(|f| f.display().to_string())
        .collect();
    assert_eq!(
        read,
        [
            "sip.conf",
            "sub/first.conf",
            "sub/nested.conf",
            "general_additional.conf",
            "d/10-a.conf",
            "d/20-b.conf"
        ]
    );
    assert_eq!(
        config.value("first", "nested"),
        Some("yes"),
        "headerless include continues [first]"
    );
    let general = config.category("general").expect("general");
    assert_eq!(
        general
            .variables
            .iter()
            .map(|v| v.origin.to_string())
            .collect::<Vec<_>>(),
        [
            "general_additional.conf:1",
            "general_additional.conf:2",
            "sip.conf:4",
            "sip.conf:11"
        ]
    );
    assert_eq!(
        general.value("afterwards"),
        Some("general"),
        "the includer keeps its own category after an include defines others"
    );
    assert!(config.category("a-peer").is_some() && config.category("b-peer").is_some());

    let includes: Vec<_> = config
        .includes
        .iter()
        .map(|i| {
            (
                i.origin.to_string(),
                i.kind,
                i.target.as_str(),
                i.files.len(),
            )
        })
        .collect();
    assert_eq!(
        includes,
        [
            (
                "sip.conf:1".to_owned(),
                IncludeKind::Include,
                "sub/first.conf",
                1
            ),
            (
                "sub/first.conf:3".to_owned(),
                IncludeKind::Include,
                "sub/nested.conf",
                1
            ),
            (
                "sip.conf:3".to_owned(),
                IncludeKind::Include,
                "general_additional.conf",
                1
            ),
            ("sip.conf:5".to_owned(), IncludeKind::Include, "d/*.conf", 2),
            (
                "sip.conf:6".to_owned(),
                IncludeKind::TryInclude,
                "not_there.conf",
                0
            ),
            (
                "sip.conf:7".to_owned(),
                IncludeKind::Include,
                "not_there_either.conf",
                0
            ),
        ]
    );
    assert_eq!(config.execs.len(), 1);
    assert_eq!(config.execs[0].command, "/usr/bin/gen --cached");
    assert_eq!(config.execs[0].origin.line, 8);
    assert!(matches!(
        config.errors.as_slice(),
        [ConfigError::MissingInclude { origin, target }] if origin.line == 7 && target == "not_there_either.conf"
    ));
    assert!(
        config.warnings.iter().any(
            |w| matches!(w, Warning::UnknownDirective { name, .. } if name == "includeifexists")
        )
    );
    assert!(
        config.warnings.iter().any(
            |w| matches!(w, Warning::DirectiveWithoutArgument { origin } if origin.line == 10)
        )
    );
    assert!(
        config
            .warnings
            .iter()
            .any(|w| matches!(w, Warning::NotRegularFile { file } if file.ends_with("dir.conf")))
    );

    let set = ConfigSet::load(&fixture("includes")).expect("folder");
    assert_eq!(
        set.configs.len(),
        1,
        "general_additional.conf is only a fragment of sip.conf"
    );
    assert_eq!(set.included_only.len(), 1);
}

#[test]
fn include_cycles_are_errors_naming_the_chain() {
    let config = load("cycle", "top.conf");
    let errors: Vec<String> = config.errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        errors,
        ["b.conf:2: include cycle top.conf -> a.conf -> b.conf -> a.conf"]
    );
    let set = ConfigSet::load(&fixture("cycle")).expect("folder");
    let tops: Vec<String> = set
        .configs
        .iter()
        .map(|c| c.file.display().to_string())
        .collect();
    assert_eq!(tops, ["top.conf"]);
}

#[test]
fn lines_crlf_bom_long_lines_appends_and_escapes() {
    let config = load("lines", "extensions.conf");
    let general = config
        .category("general")
        .expect("BOM stripped from the header");
    // += appends the raw text after '=', leading space included (config.c ast_str_append).
    let allow = general.get("allow").expect("allow");
    assert_eq!(
        (allow.value.as_str(), allow.append, allow.origin.line),
        ("ulaw ,alaw", true, 2)
    );
    assert_eq!(general.all("allow").count(), 1);
    let disallow = general.get("disallow").expect("disallow");
    assert_eq!(
        (disallow.value.as_str(), disallow.append),
        ("all", false),
        "+= with nothing before sets"
    );
    let exten = general.get("exten").expect("exten");
    assert!(exten.object);
    assert_eq!(exten.value, "100,1,Dial(SIP/100)");
    assert_eq!(general.value("[odd]"), Some("name"));
    assert_eq!(general.value("long"), None);
    assert_eq!(general.get("after_long").map(|v| v.origin.line), Some(9));
    assert_eq!(general.value("empty"), Some(""));
    assert!(
        matches!(config.errors.as_slice(), [ConfigError::InvalidEscape { origin }] if origin.line == 10)
    );
    let warnings: Vec<String> = config.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(
        warnings,
        [
            "extensions.conf:7: expected '=' in the line, ignored",
            "extensions.conf:8: line too long, skipped",
            "extensions.conf:11: expected a variable name before '=', ignored",
        ]
    );
}

#[test]
fn variables_before_any_category_are_one_error() {
    let config = load("nocategory", "manager.conf");
    let errors: Vec<String> = config.errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        errors,
        [
            "manager.conf:1: expected a [category] header before the first variable (1 more such lines in this file)"
        ]
    );
    assert_eq!(config.value("general", "enabled"), Some("yes"));
}

#[test]
fn line_length_limit_is_the_fgets_buffer() {
    // config.c skips any 8,191-byte fgets chunk, so 8,190 bytes plus the newline is already too long.
    let fits = format!("[c]\nk = {}\n", "v".repeat(8189 - 4));
    let too_long = format!("[c]\nk = {}\n", "v".repeat(8190 - 4));
    assert!(
        Config::parse_bytes("x.conf", fits.as_bytes())
            .value("c", "k")
            .is_some()
    );
    assert!(
        Config::parse_bytes("x.conf", too_long.as_bytes())
            .value("c", "k")
            .is_none()
    );
}

#[test]
fn header_options_need_to_follow_the_bracket() {
    let config = Config::parse_bytes("x.conf", b"[t] (!)\nk = v\n[u](t\n");
    assert!(
        !config.categories[0].is_template,
        "a space before ( drops the options"
    );
    assert!(
        matches!(config.errors.as_slice(), [ConfigError::MissingCloseParen { origin }] if origin.line == 3)
    );
}

#[test]
fn merged_contexts_concatenate_duplicates() {
    let config = Config::parse_bytes(
        "extensions.conf",
        b"[ctx]\nexten => 1,1,NoOp\n[other]\nexten => 2,1,NoOp\n[CTX]\nexten => 3,1,NoOp\n",
    );
    let merged: Vec<&str> = config
        .merged("ctx")
        .iter()
        .map(|v| v.value.as_str())
        .collect();
    assert_eq!(merged, ["1,1,NoOp", "3,1,NoOp"]);
}

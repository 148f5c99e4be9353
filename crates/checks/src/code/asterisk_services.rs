//! Shared pieces of the Asterisk service checks (pjsip, manager, http, voicemail, rtp, logger,
//! acl): finding the file, grouping many sections into one finding, reading ACLs and addresses.

use voipguard_asterisk::{Category, Config, ConfigError, Variable};
use voipguard_model::{Evidence, Finding, Status};

use crate::context::Context;
use crate::password::{self, Judgement};

/// How many names a grouped message lists before "…".
const NAMES_SHOWN: usize = 5;

/// The top-level `file` of the set, or the finding to return when it is absent.
pub(super) fn config<'a>(cx: &Context<'a>, file: &str) -> Result<&'a Config, Finding> {
    cx.asterisk
        .and_then(|set| set.config(file))
        .ok_or_else(|| absent_file(cx, file))
}

/// Fragments FreePBX/Issabel write for a main file that includes them: a copy holding them but
/// not the main file is partial, not a system without the module.
const FRAGMENT_PREFIXES: &[(&str, &[&str])] = &[
    ("voicemail.conf", &["vm_", "voicemail_"]),
    ("logger.conf", &["logger_"]),
];

/// The finding for a check whose `file` is absent: `unknown` when fragments of that file are in
/// the set (the copy is partial), `not_applicable` when nothing of the module is.
pub(crate) fn absent_file(cx: &Context<'_>, file: &str) -> Finding {
    let prefixes = FRAGMENT_PREFIXES
        .iter()
        .find(|(main, _)| *main == file)
        .map_or(&[][..], |(_, prefixes)| *prefixes);
    // The set parses only `*.conf`; `vm_general.inc` is seen by listing the folder, which is
    // needed only on this rare path.
    let fragment = cx
        .asterisk
        .filter(|_| !prefixes.is_empty())
        .and_then(|set| std::fs::read_dir(&set.folder).ok())
        .into_iter()
        .flatten()
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| {
            let lower = name.to_ascii_lowercase();
            prefixes.iter().any(|prefix| lower.starts_with(prefix))
        })
        .min();
    match fragment {
        Some(fragment) => cx.finding(
            Status::Unknown,
            format!(
                "no {file} in the configuration set, but its fragment {fragment} is: the copy is partial, so the setting cannot be read"
            ),
            Vec::new(),
        ),
        None => cx.finding(
            Status::NotApplicable,
            format!("no {file} in the configuration set"),
            Vec::new(),
        ),
    }
}

/// True when `config` includes files missing from the copy: an absent key may be set there.
pub(super) fn has_missing_includes(config: &Config) -> bool {
    config
        .errors
        .iter()
        .any(|error| matches!(error, ConfigError::MissingInclude { .. }))
}

/// Sections that are not `[general]`: AMI users, voicemail contexts, named ACLs.
pub(super) fn non_general(config: &Config) -> impl Iterator<Item = &Category> {
    config
        .sections()
        .filter(|category| !category.name.eq_ignore_ascii_case("general"))
}

/// Sections of voicemail.conf that hold settings, not mailboxes.
const NOT_MAILBOXES: &[&str] = &["general", "zonemessages"];

/// Every mailbox line (`100 => pin,name,email,pager,options`) of voicemail.conf, with the
/// voicemail context it is in.
pub(super) fn mailboxes(voicemail: &Config) -> impl Iterator<Item = (&Category, &Variable)> {
    voicemail
        .sections()
        .filter(|section| {
            !NOT_MAILBOXES
                .iter()
                .any(|name| section.name.eq_ignore_ascii_case(name))
        })
        .flat_map(|section| {
            section
                .variables
                .iter()
                .map(move |mailbox| (section, mailbox))
        })
}

/// Evidence for `key` of `category` as written, or for the section itself when the key is absent.
pub(super) fn key_evidence(
    cx: &Context<'_>,
    category: &Category,
    key: &str,
    value: String,
) -> Evidence {
    match category.get(key) {
        Some(variable) => cx.asterisk_evidence(
            &variable.origin,
            format!("[{}] {}", category.name, variable.name),
            value,
        ),
        None => cx.asterisk_evidence(
            &category.origin,
            format!("[{}] {key}", category.name),
            value,
        ),
    }
}

/// "3 of 12 endpoints (a, b, c)": the size of a group and its first names.
pub(super) fn group(names: &[String], total: usize, noun: &str) -> String {
    let shown: Vec<&str> = names.iter().take(NAMES_SHOWN).map(String::as_str).collect();
    let more = if names.len() > NAMES_SHOWN {
        ", …"
    } else {
        ""
    };
    format!(
        "{} of {total} {noun} ({}{more})",
        names.len(),
        shown.join(", ")
    )
}

/// One finding for `objects` of one kind judged by `flag`: a failure naming every flagged object
/// ("3 of 12 endpoints (…) {problem}") with its evidence, a pass counting them ("all 12
/// endpoints {fine}"), or `not_applicable` when none is in the files read (`unknown` when they are
/// `partial`: missing includes may define some).
pub(super) fn judge_each<'c>(
    cx: &Context<'_>,
    partial: bool,
    objects: &[&'c Category],
    noun: &str,
    flag: impl Fn(&'c Category) -> Option<Evidence>,
    problem: &str,
    fine: &str,
) -> Finding {
    if objects.is_empty() {
        return if partial {
            cx.finding(
                Status::Unknown,
                format!("no {noun} in the files read, and missing includes may define them (see AST-CONFIG)"),
                Vec::new(),
            )
        } else {
            cx.finding(
                Status::NotApplicable,
                format!("no {noun} in the configuration"),
                Vec::new(),
            )
        };
    }
    let mut names = Vec::new();
    let mut evidence = Vec::new();
    for object in objects {
        if let Some(found) = flag(object) {
            names.push(object.name.clone());
            evidence.push(found);
        }
    }
    if names.is_empty() {
        return cx.finding(
            Status::Pass,
            format!("all {} {noun} {fine}", objects.len()),
            Vec::new(),
        );
    }
    cx.finding(
        Status::Fail,
        format!("{} {problem}", group(&names, objects.len(), noun)),
        evidence,
    )
}

/// Evidence for a boolean `key` of `category` when it is set true (Asterisk's `ast_true`).
pub(super) fn true_key(cx: &Context<'_>, category: &Category, key: &str) -> Option<Evidence> {
    let variable = category
        .get(key)
        .filter(|variable| is_true(&variable.value))?;
    Some(cx.asterisk_evidence(
        &variable.origin,
        format!("[{}] {}", category.name, variable.name),
        variable.value.clone(),
    ))
}

/// True for a bind address that listens on every interface (`0.0.0.0`, `::`, `[::]`, with or
/// without a port).
pub(super) fn is_wildcard(address: &str) -> bool {
    let host = host_part(address);
    host == "0.0.0.0" || host == "::" || host.is_empty()
}

/// Cipher-name fragments of suites without authentication or with crippled keys.
const WEAK_CIPHER_MARKS: &[&str] = &["adh", "anull", "null", "export", "exp-"];

/// True when an OpenSSL cipher list (`,`, `:` or space separated) enables an anonymous, NULL or
/// export suite; `!aNULL` and `-EXPORT` remove suites and do not count.
pub(super) fn enables_weak_cipher(list: &str) -> bool {
    list.split([',', ':', ' '])
        .map(|suite| suite.trim().to_ascii_lowercase())
        .filter(|suite| !suite.starts_with('!') && !suite.starts_with('-'))
        .any(|suite| WEAK_CIPHER_MARKS.iter().any(|mark| suite.contains(mark)))
}

/// Where Asterisk's HTTP server (http.conf `[general]`, Asterisk 20/21 main/http.c) listens
/// beyond loopback.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct HttpExposure {
    /// The clear listener (`bindaddr`:`bindport`, default port 8088) when not on loopback.
    pub(super) clear: Option<String>,
    /// The TLS listener (`tlsbindaddr`, default the `bindaddr` address on port 8089) when
    /// `tlsenable` is on and it is not on loopback.
    pub(super) tls: Option<String>,
}

/// Reads http.conf; `None` when `enabled`/`bindaddr` are unset and missing includes may set them.
/// The server is off unless `enabled=yes` and a `bindaddr` is given.
pub(super) fn http_exposure(http: &Config) -> Option<HttpExposure> {
    let enabled = Lookup::of(http, "general", "enabled").or("no")?;
    let bind = Lookup::of(http, "general", "bindaddr").or("")?;
    if !is_true(enabled) || bind.trim().is_empty() {
        return Some(HttpExposure::default());
    }
    let port = http.value("general", "bindport").unwrap_or("8088");
    let clear = (!is_loopback(bind)).then(|| format!("{}:{}", bind.trim(), port.trim()));
    let tls = http
        .value("general", "tlsenable")
        .is_some_and(is_true)
        .then(|| {
            http.value("general", "tlsbindaddr")
                .map_or_else(|| format!("{}:8089", host_part(bind)), str::to_owned)
        })
        .filter(|address| !is_loopback(address));
    Some(HttpExposure { clear, tls })
}

/// Secrets the reference (section 4) lists as shipped or published defaults of Asterisk-based
/// products: FreePBX `amp111`, the Issabel/Elastix AMI users, `ari_password`, `passw0rd`.
pub(crate) const PBX_DEFAULT_SECRETS: &[&str] = &[
    "amp111",
    "amp109",
    "ari_password",
    "passw0rd",
    "phpagi",
    "php[onfig",
    "asttapi",
    "a2billing",
    "saumanagement123",
    "perulinux",
    "scopserv",
];

/// Judges a PBX secret: a known product default, or [`password::judge`] with the PBX policy and
/// the names it must not equal.
pub(super) fn judge_secret(secret: &str, related: &[&str]) -> Judgement {
    if PBX_DEFAULT_SECRETS.contains(&secret.to_lowercase().as_str()) {
        return Judgement {
            weak: true,
            description: format!(
                "{} characters, a published FreePBX/Issabel/ScopTEL default",
                secret.chars().count()
            ),
        };
    }
    password::judge(secret, &password::PBX_POLICY, related)
}

/// The values of a comma-separated list key (`write`, `auth`, `identify_by`), trimmed and lower
/// case.
pub(super) fn list(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(|item| item.trim().to_ascii_lowercase())
        .filter(|item| !item.is_empty())
        .collect()
}

/// True for an address that only the host itself can reach: `127.x`, `::1`, `localhost`.
pub(super) fn is_loopback(address: &str) -> bool {
    let host = host_part(address);
    host.starts_with("127.") || host == "::1" || host.eq_ignore_ascii_case("localhost")
}

/// The host of `addr`, `addr:port`, `[v6]` or `[v6]:port`.
fn host_part(address: &str) -> &str {
    let address = address.trim();
    if let Some(rest) = address.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    match address.split_once(':') {
        // A single colon separates a port; more colons are an unbracketed IPv6 address.
        Some((host, port)) if !port.contains(':') => host,
        _ => address,
    }
}

/// True when a `permit=` network matches every address: a mask or prefix of zero
/// (`0.0.0.0/0.0.0.0`, `0.0.0.0/0`, `::/0`).
pub(super) fn permits_everyone(network: &str) -> bool {
    let Some((_, mask)) = network.trim().split_once('/') else {
        return false;
    };
    let mask = mask.trim();
    mask == "0" || mask == "0.0.0.0" || mask == "::"
}

/// What the permit/deny rules of one section amount to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum AclReach {
    /// No `permit`, `deny` or `acl` at all.
    None,
    /// A `permit` of every address, so any `deny` before it is undone.
    Everyone,
    /// Only loopback networks are permitted after a deny.
    LoopbackOnly,
    /// Some networks are permitted.
    Restricted,
}

/// Reads `permit`/`deny` (and the named `acl=` rules of acl.conf, when given) of a section.
/// Asterisk applies the rules in order, last match wins, starting from "allow"; a permit-all
/// anywhere after the first deny makes the list allow everyone.
pub(super) fn acl_reach(category: &Category, named: Option<&Config>) -> AclReach {
    let mut rules: Vec<(bool, String)> = category
        .variables
        .iter()
        .filter_map(|variable| {
            let name = variable.name.to_ascii_lowercase();
            match name.as_str() {
                "permit" => Some((true, variable.value.clone())),
                "deny" => Some((false, variable.value.clone())),
                _ => None,
            }
        })
        .collect();
    for acl in category.all("acl") {
        let referenced = named.and_then(|config| config.category(acl.value.trim()));
        match referenced {
            Some(named) => rules.extend(named.variables.iter().filter_map(|variable| {
                match variable.name.to_ascii_lowercase().as_str() {
                    "permit" => Some((true, variable.value.clone())),
                    "deny" => Some((false, variable.value.clone())),
                    _ => None,
                }
            })),
            // An acl= naming nothing known still shows intent to restrict.
            None => return AclReach::Restricted,
        }
    }
    if rules.is_empty() {
        return AclReach::None;
    }
    let denies = rules.iter().any(|(permit, _)| !permit);
    let permits: Vec<&str> = rules
        .iter()
        .filter(|(permit, _)| *permit)
        .map(|(_, network)| network.as_str())
        .collect();
    if permits.iter().any(|network| permits_everyone(network)) || !denies {
        AclReach::Everyone
    } else if !permits.is_empty() && permits.iter().all(|network| is_loopback(network)) {
        AclReach::LoopbackOnly
    } else {
        AclReach::Restricted
    }
}

/// Whether the AMI listens: manager.conf `[general] enabled` (default `no` in Asterisk 20/21,
/// manager.c `DEFAULT_ENABLED`); `None` when unset and missing includes may set it.
pub(super) fn ami_enabled(manager: &Config) -> Option<bool> {
    match manager.value("general", "enabled") {
        Some(value) => Some(is_true(value)),
        None if has_missing_includes(manager) => None,
        None => Some(false),
    }
}

/// True when the AMI's clear listener is bound to loopback (`bindaddr` defaults to `0.0.0.0`).
pub(super) fn ami_on_loopback(manager: &Config) -> bool {
    manager
        .value("general", "bindaddr")
        .is_some_and(is_loopback)
}

/// Asterisk's `ast_true`.
pub(super) fn is_true(value: &str) -> bool {
    ["yes", "true", "y", "t", "1", "on"]
        .iter()
        .any(|word| word.eq_ignore_ascii_case(value.trim()))
}

/// The `not_applicable` finding of a manager.conf check when the AMI is off, or the manager
/// configuration to judge (also when it cannot be told whether the AMI is on).
pub(super) fn enabled_manager<'a>(cx: &Context<'a>) -> Result<&'a Config, Finding> {
    let manager = config(cx, "manager.conf")?;
    if ami_enabled(manager) == Some(false) {
        return Err(cx.finding(
            Status::NotApplicable,
            "the AMI is disabled (manager.conf [general] enabled is not yes)".into(),
            Vec::new(),
        ));
    }
    Ok(manager)
}

/// A key of one section as Asterisk will see it.
#[derive(Debug, Clone, Copy)]
pub(super) enum Lookup<'a> {
    /// Written in the files read.
    Set(&'a Variable),
    /// Not written: Asterisk's default applies.
    Default,
    /// Not written, but missing includes may write it.
    Hidden,
}

impl<'a> Lookup<'a> {
    /// Looks `key` up in the first `section` of `config`.
    pub(super) fn of(config: &'a Config, section: &str, key: &str) -> Self {
        match config
            .category(section)
            .and_then(|category| category.get(key))
        {
            Some(variable) => Lookup::Set(variable),
            None if has_missing_includes(config) => Lookup::Hidden,
            None => Lookup::Default,
        }
    }

    /// The value written, or `default`; `None` when hidden.
    pub(super) fn or(self, default: &'a str) -> Option<&'a str> {
        match self {
            Lookup::Set(variable) => Some(variable.value.as_str()),
            Lookup::Default => Some(default),
            Lookup::Hidden => None,
        }
    }

    /// Evidence of the value as written, or of the default that applies.
    pub(super) fn evidence(
        self,
        cx: &Context<'_>,
        file: &str,
        section: &str,
        key: &str,
        default: &str,
    ) -> Evidence {
        match self {
            Lookup::Set(variable) => cx.asterisk_evidence(
                &variable.origin,
                format!("[{section}] {key}"),
                variable.value.clone(),
            ),
            Lookup::Default | Lookup::Hidden => Evidence {
                file: None,
                line: None,
                column: None,
                setting: format!("{file} [{section}] {key}"),
                value: format!("{default} (not set; Asterisk default)"),
                default: true,
            },
        }
    }
}

/// Decides a logger.conf check: passes when one file channel of `[logfiles]` (not the console)
/// receives every level in `needed` (`*` receives all).
pub(super) fn logger_receives(cx: &Context<'_>, needed: &[&str]) -> Finding {
    let logger = match config(cx, "logger.conf") {
        Ok(logger) => logger,
        Err(finding) => return finding,
    };
    let wanted = needed.join(", ");
    let channels: Vec<&Variable> = logger
        .category("logfiles")
        .map(|section| section.variables.iter().collect())
        .unwrap_or_default();
    let receiving = channels.iter().find(|channel| {
        let levels = channel_levels(&channel.value);
        !channel.name.eq_ignore_ascii_case("console")
            && needed
                .iter()
                .all(|level| levels.iter().any(|have| have == level || have == "*"))
    });
    if let Some(channel) = receiving {
        let evidence = cx.asterisk_evidence(
            &channel.origin,
            format!("[logfiles] {}", channel.name),
            channel.value.clone(),
        );
        return cx.finding(
            Status::Pass,
            format!("{} receives {wanted}", channel.name),
            vec![evidence],
        );
    }
    let evidence: Vec<Evidence> = channels
        .iter()
        .map(|channel| {
            cx.asterisk_evidence(
                &channel.origin,
                format!("[logfiles] {}", channel.name),
                channel.value.clone(),
            )
        })
        .collect();
    if has_missing_includes(logger) {
        return cx.finding(
            Status::Unknown,
            format!("no log file channel read receives {wanted}, but logger.conf includes files missing from this copy (see AST-CONFIG)"),
            evidence,
        );
    }
    cx.finding(
        Status::Fail,
        format!(
            "no log file channel receives {wanted}: the brute-force guard cannot see these events"
        ),
        evidence,
    )
}

/// The levels of a logger channel, without the `[plain]`/`[json]` format prefix and without
/// verbose's `(3)` argument.
fn channel_levels(value: &str) -> Vec<String> {
    let value = value.trim();
    let value = match value.strip_prefix('[') {
        Some(rest) => rest.split_once(']').map_or(rest, |(_, levels)| levels),
        None => value,
    };
    list(value)
        .into_iter()
        .map(|level| {
            level
                .split('(')
                .next()
                .unwrap_or_default()
                .trim()
                .to_owned()
        })
        .collect()
}

/// The pjsip objects of `kind` (`endpoint`, `auth`, `acl`, `wizard`) in `config`, by their
/// `type=` (inherited from templates included).
pub(super) fn pjsip_objects<'a>(
    config: &'a Config,
    kind: &'a str,
) -> impl Iterator<Item = &'a Category> {
    config.sections().filter(move |category| {
        category
            .value("type")
            .is_some_and(|value| value.trim().eq_ignore_ascii_case(kind))
    })
}

#[cfg(test)]
pub(crate) mod testing {
    //! Running a check on Asterisk files given as text.

    use std::path::PathBuf;

    use voipguard_asterisk::{Config, ConfigSet};
    use voipguard_model::{
        Device, Family, FamilyBasis, Finding, Origin, Setting, SettingKey, Value, Vendor,
    };

    use crate::Target;

    /// Runs check `id` on a set made of `files` (name, text); includes are missing.
    pub(crate) fn run_files(id: &str, files: &[(&str, &str)]) -> Finding {
        run_files_with_facts(id, files, &[])
    }

    /// Runs check `id` on `set`.
    pub(crate) fn run_set(id: &str, set: &ConfigSet) -> Finding {
        run_set_with_facts(id, set, &[])
    }

    /// Runs check `id` on a set made of `files`, with `facts` (setting name, value) stated in a
    /// facts file joining the PBX.
    pub(crate) fn run_files_with_facts(
        id: &str,
        files: &[(&str, &str)],
        facts: &[(&str, &str)],
    ) -> Finding {
        let set = ConfigSet {
            folder: PathBuf::new(),
            configs: files
                .iter()
                .map(|(name, text)| Config::parse_bytes(name, text.as_bytes()))
                .collect(),
            included_only: Vec::new(),
        };
        run_set_with_facts(id, &set, facts)
    }

    fn run_set_with_facts(id: &str, set: &ConfigSet, facts: &[(&str, &str)]) -> Finding {
        let mut device = Device::new(
            "pbx",
            Vendor::Asterisk,
            Family::Asterisk,
            FamilyBasis::Content,
        );
        for (line, (name, value)) in (1u32..).zip(facts) {
            let origin = Origin {
                file: std::sync::Arc::new(PathBuf::from("scoptel.toml")),
                line,
                column: 1,
                written_as: name.trim_start_matches("facts.").into(),
            };
            let setting = Setting {
                value: Value::Literal((*value).into()),
                origin,
                perm: None,
                secret: false,
                conditional: false,
            };
            device.settings.insert(SettingKey::global(*name), setting);
        }
        let catalogue = crate::catalogue().expect("catalogue loads");
        catalogue
            .get(id)
            .unwrap_or_else(|| panic!("no check {id}"))
            .evaluate(Target {
                device: &device,
                asterisk: Some(set),
            })
    }
}

#[cfg(test)]
mod tests {
    use voipguard_asterisk::ConfigSet;

    use super::*;

    #[test]
    fn addresses_and_networks_are_read_as_asterisk_does() {
        assert!(is_loopback("127.0.0.1"));
        assert!(is_loopback("127.0.0.1:5038"));
        assert!(is_loopback("[::1]:8088"));
        assert!(!is_loopback("0.0.0.0"));
        assert!(!is_loopback("::"));
        assert!(permits_everyone("0.0.0.0/0.0.0.0"));
        assert!(permits_everyone("::/0"));
        assert!(!permits_everyone("127.0.0.1/255.255.255.0"));
        assert!(!permits_everyone("10.0.0.0/8"));
    }

    #[test]
    fn acl_rules_are_judged_in_order() {
        let config = Config::parse_bytes(
            "manager.conf",
            b"[open]\nsecret=x\n[local]\ndeny=0.0.0.0/0.0.0.0\npermit=127.0.0.1/255.255.255.0\n\
              [lan]\ndeny=0.0.0.0/0\npermit=10.0.0.0/8\n[undone]\ndeny=0.0.0.0/0\npermit=0.0.0.0/0\n\
              [named]\nacl=trusted\n",
        );
        let acls = Config::parse_bytes("acl.conf", b"[trusted]\npermit=0.0.0.0/0.0.0.0\n");
        let reach = |name: &str| {
            config
                .category(name)
                .map(|category| acl_reach(category, Some(&acls)))
        };
        assert_eq!(reach("open"), Some(AclReach::None));
        assert_eq!(reach("local"), Some(AclReach::LoopbackOnly));
        assert_eq!(reach("lan"), Some(AclReach::Restricted));
        assert_eq!(reach("undone"), Some(AclReach::Everyone));
        assert_eq!(reach("named"), Some(AclReach::Everyone));
    }

    #[test]
    fn fragments_without_their_main_file_make_a_partial_copy() {
        let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/corpus/asterisk/skynetfibravoip_backup-voip-centos7");
        let set = ConfigSet::load(&corpus).expect("corpus set loads");
        for id in ["AST-VM-02", "AST-LOG-01", "AST-LOG-03"] {
            assert_eq!(testing::run_set(id, &set).status, Status::Unknown, "{id}");
        }
        let empty = testing::run_files("AST-VM-02", &[("sip.conf", "[general]\n")]);
        assert_eq!(empty.status, Status::NotApplicable);
    }

    #[test]
    fn groups_name_the_first_few() {
        let names: Vec<String> = (1..=7).map(|n| format!("u{n}")).collect();
        assert_eq!(
            group(&names, 9, "users"),
            "7 of 9 users (u1, u2, u3, u4, u5, …)"
        );
    }
}

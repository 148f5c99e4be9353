//! Shared reading of chan_sip and chan_iax2 peers for the `AST-SIP-*` and `AST-IAX-*` checks:
//! which files hold a driver's peers, which sections are peers, grouped findings over many peers,
//! secret strength (with reuse) and permit/deny ACL evaluation.

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;

use voipguard_asterisk::{Category, Config, ConfigError, Variable};
use voipguard_model::{Evidence, Finding, Status};

use md5::{Digest, Md5};

use super::asterisk_services::PBX_DEFAULT_SECRETS;
use crate::context::Context;
use crate::password::{self, PBX_POLICY};

/// A channel driver whose peers are defined in configuration files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Driver {
    /// chan_sip (`sip.conf`).
    Sip,
    /// chan_iax2 (`iax.conf`).
    Iax,
}

impl Driver {
    /// Files that can hold the driver's peers at top level. FreePBX's `sip.conf` includes the
    /// `*_additional.conf` / `*_custom.conf` fragments, so they are only top-level when an export
    /// ships them without `sip.conf` (the set then keeps each one as its own configuration).
    fn files(self) -> &'static [&'static str] {
        match self {
            Driver::Sip => &["sip.conf", "sip_additional.conf", "sip_custom.conf"],
            Driver::Iax => &["iax.conf", "iax_additional.conf", "iax_custom.conf"],
        }
    }

    /// The driver's main file, for messages.
    pub(crate) fn main_file(self) -> &'static str {
        self.files().first().copied().unwrap_or_default()
    }
}

/// A driver's configuration as the set holds it: every top-level file that defines its peers.
#[derive(Debug)]
pub(crate) struct DriverConfig<'a> {
    driver: Driver,
    configs: Vec<&'a Config>,
}

impl<'a> DriverConfig<'a> {
    /// The driver's files, or the `not_applicable` finding to return when the set has none.
    pub(crate) fn require(cx: &Context<'a>, driver: Driver) -> Result<Self, Finding> {
        DriverConfig::of(cx, driver).ok_or_else(|| {
            cx.finding(
                Status::NotApplicable,
                format!("no {} in the configuration set", driver.main_file()),
                Vec::new(),
            )
        })
    }

    /// The driver's files in the audited set, or `None` when the set has none of them.
    pub(crate) fn of(cx: &Context<'a>, driver: Driver) -> Option<Self> {
        let set = cx.asterisk?;
        let configs: Vec<&Config> = driver
            .files()
            .iter()
            .filter_map(|file| set.config(file))
            .collect();
        (!configs.is_empty()).then_some(DriverConfig { driver, configs })
    }

    /// The `[general]` section, if any file has one.
    pub(crate) fn general(&self) -> Option<&'a Category> {
        self.configs
            .iter()
            .find_map(|config| config.category("general"))
    }

    /// A `[general]` key: its variable, `Unset` (Asterisk's default applies), or `Unknown` when it
    /// may be set where this copy cannot see (a missing include, or fragments without the main
    /// file and its `[general]`).
    pub(crate) fn general_setting(&self, key: &str) -> GeneralSetting<'a> {
        if let Some(variable) = self.general().and_then(|general| general.get(key)) {
            return GeneralSetting::Set(variable);
        }
        if self.has_missing_includes() || !self.has_main_file() {
            GeneralSetting::Unknown
        } else {
            GeneralSetting::Unset
        }
    }

    /// True when the driver's main file (`sip.conf`, `iax.conf`) is part of the set.
    pub(crate) fn has_main_file(&self) -> bool {
        self.configs
            .iter()
            .any(|config| config.file.as_ref() == std::path::Path::new(self.driver.main_file()))
    }

    /// True when an `#include` of these files is missing, so peers may be defined unseen.
    pub(crate) fn has_missing_includes(&self) -> bool {
        self.configs.iter().any(|config| {
            config
                .errors
                .iter()
                .any(|error| matches!(error, ConfigError::MissingInclude { .. }))
        })
    }

    /// Every section of the driver's files, `[general]` included (templates left out).
    pub(crate) fn sections(&self) -> impl Iterator<Item = &'a Category> + '_ {
        self.configs.iter().flat_map(|config| config.sections())
    }

    /// Every peer, user and friend. Like chan_sip's and chan_iax2's `reload_config`, sections
    /// without a `type` are skipped (Asterisk logs "Section lacks type"), and templates are not
    /// peers; inherited variables are already part of each section.
    pub(crate) fn peers(&self) -> Vec<Peer<'a>> {
        self.configs
            .iter()
            .flat_map(|config| config.sections())
            .filter(|category| !category.name.eq_ignore_ascii_case("general"))
            .filter_map(|category| {
                let kind = match category.value("type")?.trim().to_ascii_lowercase().as_str() {
                    "peer" => PeerKind::Peer,
                    "user" => PeerKind::User,
                    "friend" => PeerKind::Friend,
                    _ => return None,
                };
                Some(Peer { category, kind })
            })
            .collect()
    }
}

/// What the set says about one `[general]` key.
#[derive(Debug, Clone, Copy)]
pub(crate) enum GeneralSetting<'a> {
    /// Set, by this variable.
    Set(&'a Variable),
    /// Not set: Asterisk's default applies.
    Unset,
    /// Not set in the files read, but it may be set in files this copy lacks.
    Unknown,
}

impl<'a> GeneralSetting<'a> {
    /// The trimmed value, with `default` when unset; `None` when unknown.
    pub(crate) fn value_or(&self, default: &'a str) -> Option<&'a str> {
        match self {
            GeneralSetting::Set(variable) => Some(variable.value.trim()),
            GeneralSetting::Unset => Some(default),
            GeneralSetting::Unknown => None,
        }
    }
}

/// `type=` of a section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PeerKind {
    /// Calls are placed to it, and inbound calls are matched by its address.
    Peer,
    /// Inbound calls are matched by name and authenticated.
    User,
    /// Both.
    Friend,
}

/// One peer, user or friend section.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Peer<'a> {
    /// Its section, with inherited variables.
    pub(crate) category: &'a Category,
    /// Its `type`.
    pub(crate) kind: PeerKind,
}

impl<'a> Peer<'a> {
    /// The section name.
    pub(crate) fn name(&self) -> &'a str {
        &self.category.name
    }

    /// The winning value of `key`, trimmed.
    pub(crate) fn value(&self, key: &str) -> Option<&'a str> {
        self.category.value(key).map(str::trim)
    }

    /// True for `host=dynamic`: the peer registers from wherever it is.
    pub(crate) fn is_dynamic(&self) -> bool {
        self.value("host")
            .is_some_and(|host| host.eq_ignore_ascii_case("dynamic"))
    }

    /// True for a fixed `host=` address or name.
    pub(crate) fn has_static_host(&self) -> bool {
        self.value("host")
            .is_some_and(|host| !host.is_empty() && !host.eq_ignore_ascii_case("dynamic"))
    }

    /// True when inbound calls can be matched to it by name (users and friends) or it registers
    /// (dynamic hosts): the entries that must authenticate.
    pub(crate) fn accepts_callers(&self) -> bool {
        self.kind != PeerKind::Peer || self.is_dynamic()
    }

    /// Evidence at the peer's section header.
    pub(crate) fn evidence(&self, cx: &Context<'_>, setting: &str, value: String) -> Evidence {
        cx.asterisk_evidence(
            &self.category.origin,
            format!("[{}] {setting}", self.name()),
            value,
        )
    }

    /// Evidence at one of the peer's variables.
    pub(crate) fn variable_evidence(
        &self,
        cx: &Context<'_>,
        variable: &Variable,
        value: String,
    ) -> Evidence {
        cx.asterisk_evidence(
            &variable.origin,
            format!("[{}] {}", self.name(), variable.name),
            value,
        )
    }
}

/// How many names a grouped message lists before "and N more".
const NAMES_SHOWN: usize = 5;

/// Peers sharing one problem, gathered for a single grouped finding.
#[derive(Debug, Default)]
pub(crate) struct Offenders {
    names: Vec<String>,
    evidence: Vec<Evidence>,
}

impl Offenders {
    /// Records one affected peer with its evidence.
    /// Adding the same peer again (one entry per weak secret line) adds only its evidence.
    pub(crate) fn add(&mut self, name: &str, evidence: impl IntoIterator<Item = Evidence>) {
        if self.names.last().is_none_or(|last| last != name) {
            self.names.push(name.to_owned());
        }
        self.evidence.extend(evidence);
    }

    /// Number of affected peers.
    pub(crate) fn len(&self) -> usize {
        self.names.len()
    }

    /// True when no peer is affected.
    pub(crate) fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The evidence of every affected peer, for a finding that also reports something else.
    pub(crate) fn into_evidence(self) -> Vec<Evidence> {
        self.evidence
    }

    /// "a, b, c, d, e and 12 more".
    pub(crate) fn listed(&self) -> String {
        let shown: Vec<&str> = self
            .names
            .iter()
            .take(NAMES_SHOWN)
            .map(String::as_str)
            .collect();
        let rest = self.names.len().saturating_sub(NAMES_SHOWN);
        if rest == 0 {
            shown.join(", ")
        } else {
            format!("{} and {rest} more", shown.join(", "))
        }
    }

    /// An `unknown` finding: "N of M <what>: names", with every affected peer as evidence.
    pub(crate) fn undecided(self, cx: &Context<'_>, total: usize, what: &str) -> Finding {
        let message = format!("{} of {total} {what}: {}", self.len(), self.listed());
        cx.finding(Status::Unknown, message, self.evidence)
    }

    /// One finding for all peers: `fail` naming "N of M <what>", else `pass` (or `unknown` when
    /// peers may hide in missing includes). `what` reads after the count ("peers have no
    /// secret").
    pub(crate) fn finding(
        self,
        cx: &Context<'_>,
        config: &DriverConfig<'_>,
        total: usize,
        what: &str,
        pass_message: String,
    ) -> Finding {
        if !self.is_empty() {
            let message = format!("{} of {total} {what}: {}", self.len(), self.listed());
            return cx.finding(Status::Fail, message, self.evidence);
        }
        if config.has_missing_includes() {
            let message = format!(
                "{pass_message}, but included files missing from this copy may define more (see AST-CONFIG)"
            );
            return cx.finding(Status::Unknown, message, Vec::new());
        }
        cx.finding(Status::Pass, pass_message, Vec::new())
    }
}

/// chan_sip's configuration and the peers that accept calls (friends, users, dynamic peers), or
/// the finding to return when there are none: what most chan_sip checks judge.
pub(crate) fn sip_callers<'a>(
    cx: &Context<'a>,
    noun: &str,
) -> Result<(DriverConfig<'a>, Vec<Peer<'a>>), Finding> {
    select(cx, Driver::Sip, noun, Peer::accepts_callers)
}

/// The driver's configuration and its peers that `wanted` selects, or the finding to return when
/// there is nothing to judge: `not_applicable` without the driver's files or without such peers,
/// `unknown` when missing includes may define them. `noun` names the peers in messages.
pub(crate) fn select<'a>(
    cx: &Context<'a>,
    driver: Driver,
    noun: &str,
    wanted: impl Fn(&Peer<'a>) -> bool,
) -> Result<(DriverConfig<'a>, Vec<Peer<'a>>), Finding> {
    let config = DriverConfig::require(cx, driver)?;
    let peers: Vec<Peer<'a>> = config
        .peers()
        .into_iter()
        .filter(|peer| wanted(peer))
        .collect();
    if !peers.is_empty() {
        return Ok((config, peers));
    }
    Err(if config.has_missing_includes() {
        cx.finding(
            Status::Unknown,
            format!(
                "no {noun} in the files read, but included files missing from this copy may define some (see AST-CONFIG)"
            ),
            Vec::new(),
        )
    } else {
        cx.finding(
            Status::NotApplicable,
            format!("no {noun} defined"),
            Vec::new(),
        )
    })
}

/// Guesses SIP scanners try first (ScopTEL KB, reference section 4) besides the generic defaults.
const SCANNER_GUESSES: &[&str] = &["1111", "4321", "7654321", "0000", "1234", "123456"];

/// Extensions scanners walk with the same value as password (reference section 4: 1000–3000).
const SCANNED_EXTENSIONS: std::ops::RangeInclusive<u32> = 1000..=3000;

/// chan_sip's `md5secret`: the hex MD5 of `user:realm:secret`, which only an offline dictionary
/// test can judge.
#[derive(Debug)]
pub(crate) struct Md5Secrets {
    realm: String,
    words: Vec<String>,
}

impl Md5Secrets {
    /// The key holding the digest.
    const KEY: &'static str = "md5secret";

    /// A test for digests made with `realm`, over the scanners' guesses, the extensions they walk
    /// and the published defaults (each as listed, lower case and capitalised).
    pub(crate) fn new(realm: &str) -> Self {
        let listed = SCANNER_GUESSES
            .iter()
            .chain(password::DEFAULTS)
            .chain(password::VENDOR_WORDS)
            .chain(PBX_DEFAULT_SECRETS);
        let mut words: Vec<String> = listed
            .flat_map(|word| [word.to_string(), word.to_lowercase(), capitalised(word)])
            .chain(SCANNED_EXTENSIONS.map(|number| number.to_string()))
            .collect();
        words.sort_unstable();
        words.dedup();
        Md5Secrets {
            realm: realm.to_owned(),
            words,
        }
    }

    /// True when `digest` of `peer` is the MD5 of a dictionary word or of one of the peer's own
    /// names, for the section name or `username` as digest user.
    fn is_dictionary_word(&self, peer: &Peer<'_>, digest: &str) -> bool {
        let Some(expected) = decode_md5(digest) else {
            return false;
        };
        let mut users = vec![peer.name()];
        users.extend(peer.value("username").filter(|user| *user != peer.name()));
        let own_names = ["username", "defaultuser", "fromuser", "authuser"]
            .iter()
            .filter_map(|key| peer.value(key))
            .chain([peer.name()]);
        let words: Vec<&str> = own_names
            .chain(self.words.iter().map(String::as_str))
            .collect();
        users.iter().any(|user| {
            words.iter().any(|word| {
                let digest = Md5::new()
                    .chain_update(user.as_bytes())
                    .chain_update(b":")
                    .chain_update(self.realm.as_bytes())
                    .chain_update(b":")
                    .chain_update(word.as_bytes())
                    .finalize();
                digest.as_slice() == expected
            })
        })
    }
}

/// `word` with its first letter in upper case (`Allworx`, `Password`).
fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// The 16 bytes of a 32-digit hex MD5, or `None` for anything else.
fn decode_md5(hex: &str) -> Option<[u8; 16]> {
    let hex = hex.trim().as_bytes();
    if hex.len() != 32 {
        return None;
    }
    let mut bytes = [0u8; 16];
    for (byte, pair) in bytes.iter_mut().zip(hex.chunks_exact(2)) {
        let text = std::str::from_utf8(pair).ok()?;
        *byte = u8::from_str_radix(text, 16).ok()?;
    }
    Some(bytes)
}

/// Judges every plaintext secret of `peers` (values of `keys`, every occurrence: chan_iax2
/// accepts each `secret=` line) against the PBX policy, the peer's own names, the scanners' list,
/// and reuse across peers. Reuse is reported by count, never by value. With `md5`, `md5secret`
/// digests are tested against its dictionary; a hit is reported without the word.
pub(crate) fn weak_secrets(
    cx: &Context<'_>,
    peers: &[Peer<'_>],
    keys: &[&str],
    md5: Option<&Md5Secrets>,
) -> (Offenders, usize) {
    let digest_key = md5.map(|_| Md5Secrets::KEY);
    let secrets: Vec<(&Peer<'_>, &Variable)> = peers
        .iter()
        .flat_map(|peer| {
            keys.iter()
                .copied()
                .chain(digest_key)
                .flat_map(move |key| peer.category.all(key))
                .filter(|variable| !variable.value.trim().is_empty())
                .map(move |variable| (peer, variable))
        })
        .collect();
    let is_digest = |variable: &Variable| variable.name.eq_ignore_ascii_case(Md5Secrets::KEY);
    let mut holders: HashMap<&str, Vec<&str>> = HashMap::new();
    for (peer, variable) in secrets.iter().filter(|(_, variable)| !is_digest(variable)) {
        let owners = holders.entry(variable.value.trim()).or_default();
        if !owners.contains(&peer.name()) {
            owners.push(peer.name());
        }
    }
    let mut offenders = Offenders::default();
    let mut judged_peers: HashSet<&str> = HashSet::new();
    for (peer, variable) in &secrets {
        judged_peers.insert(peer.name());
        let secret = variable.value.trim();
        let reason = match md5 {
            Some(md5) if is_digest(variable) => md5
                .is_dictionary_word(peer, secret)
                .then(|| "an MD5 digest of a dictionary word".to_owned()),
            _ => weakness(peer, secret, holders.get(secret).map_or(1, Vec::len)),
        };
        let Some(reason) = reason else {
            continue;
        };
        let evidence = peer.variable_evidence(cx, variable, format!("redacted ({reason})"));
        offenders.add(peer.name(), [evidence]);
    }
    (offenders, judged_peers.len())
}

/// Why `secret` of `peer` is weak, in words without the value, or `None` when it is strong.
fn weakness(peer: &Peer<'_>, secret: &str, sharing: usize) -> Option<String> {
    let length = secret.chars().count();
    let related: Vec<&str> = ["username", "defaultuser", "fromuser", "authuser"]
        .iter()
        .filter_map(|key| peer.value(key))
        .chain([peer.name()])
        .collect();
    if related.iter().any(|name| name.eq_ignore_ascii_case(secret)) {
        return Some(format!(
            "{length} characters, equal to the peer's name or user"
        ));
    }
    let scanned = secret
        .parse::<u32>()
        .is_ok_and(|number| SCANNED_EXTENSIONS.contains(&number));
    if SCANNER_GUESSES.contains(&secret) || scanned {
        return Some(format!(
            "{length} characters, among the first values SIP scanners try"
        ));
    }
    let judgement = password::judge(secret, &PBX_POLICY, &related);
    if sharing > 1 {
        return Some(format!(
            "{}; the same secret is used by {sharing} peers",
            judgement.description
        ));
    }
    judgement.weak.then_some(judgement.description)
}

/// `permit` or `deny`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sense {
    Permit,
    Deny,
}

/// One permit/deny line as an address range: both families live in one 128-bit space (IPv4 in
/// the low 32 bits, told apart by `v6`).
#[derive(Debug, Clone, Copy)]
struct AclRule {
    sense: Sense,
    v6: bool,
    network: u128,
    prefix: u32,
}

impl AclRule {
    /// Parses `a.b.c.d`, `a.b.c.d/nn`, `a.b.c.d/m.m.m.m` and IPv6 with `/nn`, as `ast_append_ha`
    /// accepts them; `None` for what this reading does not model (`!` negation, names).
    fn parse(sense: Sense, value: &str) -> Option<AclRule> {
        let (address, mask) = match value.trim().split_once('/') {
            Some((address, mask)) => (address.trim(), Some(mask.trim())),
            None => (value.trim(), None),
        };
        let address: IpAddr = address
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse()
            .ok()?;
        let (v6, bits, width) = match address {
            IpAddr::V4(v4) => (false, u128::from(u32::from(v4)), 32),
            IpAddr::V6(v6) => (true, u128::from(v6), 128),
        };
        let prefix = match mask {
            None => width,
            Some(mask) => match mask.parse::<u32>() {
                Ok(prefix) if prefix <= width => prefix,
                Ok(_) => return None,
                Err(_) => match mask.parse::<IpAddr>().ok()? {
                    IpAddr::V4(mask) if !v6 => u32::from(mask).leading_ones(),
                    _ => return None,
                },
            },
        };
        Some(AclRule {
            sense,
            v6,
            network: bits & prefix_mask(prefix, width),
            prefix,
        })
    }

    /// True when every address of `inner` is in `self`.
    fn contains(&self, inner: &AclRule) -> bool {
        let width = if self.v6 { 128 } else { 32 };
        self.v6 == inner.v6
            && self.prefix <= inner.prefix
            && inner.network & prefix_mask(self.prefix, width) == self.network
    }
}

fn prefix_mask(prefix: u32, width: u32) -> u128 {
    let all = if width == 128 {
        u128::MAX
    } else {
        (1u128 << width) - 1
    };
    match prefix {
        0 => 0,
        _ => all & !(all.checked_shr(prefix).unwrap_or(0)),
    }
}

/// What an ordered permit/deny list lets through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum AclVerdict {
    /// Some addresses are refused.
    Restricts,
    /// Every address is let through: no rules, only permits, or every deny re-permitted later.
    Open(String),
    /// A rule this reading cannot evaluate (a named ACL not in `acl.conf`, a negated rule).
    Unknown(String),
}

/// Keys of one ACL: the permit and deny keys and the named-ACL key.
#[derive(Debug, Clone, Copy)]
pub(crate) struct AclKeys {
    /// `permit` / `contactpermit`.
    pub(crate) permit: &'static str,
    /// `deny` / `contactdeny`.
    pub(crate) deny: &'static str,
    /// `acl` / `contactacl`.
    pub(crate) named: &'static str,
}

/// The peer ACL: `permit`, `deny`, `acl`.
pub(crate) const PEER_ACL: AclKeys = AclKeys {
    permit: "permit",
    deny: "deny",
    named: "acl",
};

/// Evaluates the ACL of `category` (plus named ACLs from `acl.conf`). Asterisk's `ast_apply_ha`
/// starts from "allow" and lets the last matching rule decide, so a deny only restricts when no
/// later permit covers its whole range: `deny=0.0.0.0/0` followed by `permit=0.0.0.0/0` is no
/// ACL, and permits alone restrict nothing. A request must pass the permit/deny list and every
/// named ACL, so any part that restricts makes the whole restrict.
pub(crate) fn evaluate_acl(cx: &Context<'_>, category: &Category, keys: AclKeys) -> AclVerdict {
    let mut verdicts = vec![evaluate_rules(&category.variables, keys)];
    for named in category.all(keys.named) {
        verdicts.push(named_acl(cx, named.value.trim()));
    }
    if verdicts.contains(&AclVerdict::Restricts) {
        return AclVerdict::Restricts;
    }
    if let Some(unknown) = verdicts
        .iter()
        .find(|verdict| matches!(verdict, AclVerdict::Unknown(_)))
    {
        return unknown.clone();
    }
    let described: Vec<String> = verdicts
        .into_iter()
        .filter_map(|verdict| match verdict {
            AclVerdict::Open(text) => Some(text),
            _ => None,
        })
        .collect();
    AclVerdict::Open(described.join("; "))
}

/// A named ACL from `acl.conf` (`[name]` with `permit`/`deny`).
fn named_acl(cx: &Context<'_>, name: &str) -> AclVerdict {
    let Some(category) = cx
        .asterisk
        .and_then(|set| set.config("acl.conf"))
        .and_then(|config| config.category(name))
    else {
        return AclVerdict::Unknown(format!(
            "named ACL {name} is not in the acl.conf of this copy"
        ));
    };
    match evaluate_rules(&category.variables, PEER_ACL) {
        AclVerdict::Open(text) => AclVerdict::Open(format!("named ACL {name}: {text}")),
        other => other,
    }
}

fn evaluate_rules(variables: &[Variable], keys: AclKeys) -> AclVerdict {
    let mut rules = Vec::new();
    for variable in variables {
        let sense = if variable.name.eq_ignore_ascii_case(keys.permit) {
            Sense::Permit
        } else if variable.name.eq_ignore_ascii_case(keys.deny) {
            Sense::Deny
        } else {
            continue;
        };
        match AclRule::parse(sense, &variable.value) {
            Some(rule) => rules.push(rule),
            None => {
                return AclVerdict::Unknown(format!(
                    "{} {} is not an address range this audit evaluates",
                    variable.name,
                    variable.value.trim()
                ));
            }
        }
    }
    let restricts = rules.iter().enumerate().any(|(index, rule)| {
        rule.sense == Sense::Deny
            && !rules
                .iter()
                .skip(index + 1)
                .any(|later| later.sense == Sense::Permit && later.contains(rule))
    });
    if restricts {
        AclVerdict::Restricts
    } else if rules.is_empty() {
        AclVerdict::Open(format!("no {} / {}", keys.deny, keys.permit))
    } else if rules.iter().any(|rule| rule.sense == Sense::Deny) {
        AclVerdict::Open(format!(
            "every {} is re-permitted by a later {} (permits everything)",
            keys.deny, keys.permit
        ))
    } else {
        AclVerdict::Open(format!(
            "{} without {} (Asterisk allows by default)",
            keys.permit, keys.deny
        ))
    }
}

/// One finding for the permit/deny/acl of every peer of `driver`: fails when peers let every
/// address through. Static-host peers are counted apart because an ACL on them costs nothing;
/// dynamic remote peers may have no fixed network to permit (guide 004's caveat) and then rest
/// on a strong secret and the brute-force guard.
pub(crate) fn peer_acl_finding(cx: &Context<'_>, driver: Driver, noun: &str) -> Finding {
    // `noun` is plural ("SIP peers"): it follows counts and "no".
    let (config, peers) = match select(cx, driver, noun, |_| true) {
        Ok(selected) => selected,
        Err(finding) => return finding,
    };
    let mut open = Offenders::default();
    let mut open_static = 0;
    let mut undecided = Offenders::default();
    for peer in &peers {
        match evaluate_acl(cx, peer.category, PEER_ACL) {
            AclVerdict::Restricts => {}
            AclVerdict::Open(why) => {
                open_static += usize::from(peer.has_static_host());
                open.add(peer.name(), [acl_evidence(cx, peer, why)]);
            }
            AclVerdict::Unknown(why) => undecided.add(peer.name(), [acl_evidence(cx, peer, why)]),
        }
    }
    let total = peers.len();
    if open.is_empty() && !undecided.is_empty() {
        let what = format!("{noun} have an ACL this audit cannot evaluate");
        return undecided.undecided(cx, total, &what);
    }
    let what = format!(
        "{noun} let every address in (no permit/deny, or deny-all then permit-all; {open_static} of them with a static host)"
    );
    open.finding(
        cx,
        &config,
        total,
        &what,
        format!("all {total} {noun} have a restrictive permit/deny ACL"),
    )
}

/// Evidence for a peer's ACL: its last permit/deny line, or its section header when it has none.
fn acl_evidence(cx: &Context<'_>, peer: &Peer<'_>, why: String) -> Evidence {
    let last = peer.category.variables.iter().rev().find(|variable| {
        ["permit", "deny", "acl"]
            .iter()
            .any(|key| variable.name.eq_ignore_ascii_case(key))
    });
    match last {
        Some(variable) => peer.variable_evidence(cx, variable, why),
        None => peer.evidence(cx, "permit/deny", why),
    }
}

/// True for Asterisk's `ast_false` spellings.
pub(crate) fn is_false(value: &str) -> bool {
    ["no", "false", "n", "f", "off", "0"]
        .iter()
        .any(|word| word.eq_ignore_ascii_case(value.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use voipguard_asterisk::Config;

    fn acl(text: &str) -> AclVerdict {
        let config = Config::parse_bytes("sip.conf", format!("[p]\n{text}").as_bytes());
        let category = config.category("p").expect("section p");
        evaluate_rules(&category.variables, PEER_ACL)
    }

    #[test]
    fn deny_all_then_permit_all_is_no_acl() {
        assert!(matches!(
            acl("deny=0.0.0.0/0.0.0.0\npermit=0.0.0.0/0.0.0.0"),
            AclVerdict::Open(_)
        ));
        assert!(matches!(acl(""), AclVerdict::Open(_)));
        assert!(matches!(acl("permit=10.0.0.0/8"), AclVerdict::Open(_)));
    }

    #[test]
    fn deny_all_then_lan_restricts() {
        for text in [
            "deny=0.0.0.0/0.0.0.0\npermit=192.168.1.0/255.255.255.0",
            "deny=0.0.0.0/0\npermit=192.168.1.0/24\npermit=10.0.0.5",
            "permit=0.0.0.0/0\ndeny=203.0.113.0/24",
            "deny=::/0\npermit=2001:db8::/32",
        ] {
            assert_eq!(acl(text), AclVerdict::Restricts, "{text}");
        }
    }

    #[test]
    fn a_deny_covered_by_a_wider_later_permit_is_undone() {
        assert!(matches!(
            acl("deny=192.168.1.0/24\npermit=192.168.0.0/16"),
            AclVerdict::Open(_)
        ));
        assert_eq!(
            acl("deny=192.168.0.0/16\npermit=192.168.1.0/24"),
            AclVerdict::Restricts
        );
    }

    #[test]
    fn unparseable_rules_are_unknown() {
        assert!(matches!(acl("deny=!10.0.0.0/8"), AclVerdict::Unknown(_)));
        assert!(matches!(
            acl("permit=10.0.0.0/255.0.0.0.0"),
            AclVerdict::Unknown(_)
        ));
    }

    #[test]
    fn offenders_list_the_first_names() {
        let mut offenders = Offenders::default();
        for name in ["a", "b", "c", "d", "e", "f", "g"] {
            offenders.add(name, []);
        }
        assert_eq!(offenders.listed(), "a, b, c, d, e and 2 more");
    }
}

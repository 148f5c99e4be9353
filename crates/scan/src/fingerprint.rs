//! Which vendor and product answered, from a data table (`fingerprints.toml`, embedded).
//!
//! Each entry lists signals (Server/User-Agent templates, To-tag shapes, digest realms, vendor
//! headers, Allow methods, reason phrases, words in a SIP-TLS certificate's subject or issuer); a host's confidence for an entry combines the weights
//! of the signals that match, so two agreeing signals beat one. Templates are a small
//! regex-free language (see the table's header comment) so the table stays readable data.
//!
//! The web UI of the same host is a signal too ([`FingerprintTable::identify_with_web`]): its
//! `Server` header or page title naming the entry's make raises the confidence of a SIP
//! fingerprint that agrees, and one naming another make is kept as the fingerprint's
//! `disagreement` rather than dropped.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::services::HostServices;
use crate::sweep::SipHost;
use crate::tls::TlsInfo;

const EMBEDDED: &str = include_str!("../fingerprints.toml");

/// A fingerprint table that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FingerprintError {
    /// Not valid TOML for the table's schema.
    #[error("fingerprint table: {0}")]
    Toml(String),
    /// A template that does not parse.
    #[error("fingerprint {vendor} {product}: template {template:?}: {reason}")]
    Template {
        /// Entry vendor.
        vendor: String,
        /// Entry product.
        product: String,
        /// The template.
        template: String,
        /// What is wrong.
        reason: String,
    },
}

/// What a host was recognised as.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fingerprint {
    /// Vendor.
    pub vendor: String,
    /// Product (family).
    pub product: String,
    /// Model, when the agent string names it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Firmware or software version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub firmware: Option<String>,
    /// Underlying platform (the Asterisk version under FreePBX, the OS/arch of a proxy).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
    /// 0 to 1.
    pub confidence: f64,
    /// The signals that matched (`agent`, `to_tag`, `realm`, `headers`, `allow`, `reason`,
    /// `certificate`, `web`).
    pub signals: Vec<&'static str>,
    /// Another make the host's web UI names (`the web UI names Snom: title "snom D785" at
    /// http://…`), when it contradicts this fingerprint.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disagreement: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TableFile {
    weights: Weights,
    fingerprint: Vec<EntryFile>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
struct Weights {
    agent: f64,
    to_tag: f64,
    realm: f64,
    headers: f64,
    allow: f64,
    reason: f64,
    #[serde(default = "default_certificate_weight")]
    certificate: f64,
    #[serde(default = "default_web_weight")]
    web: f64,
}

/// A table written before the certificate signal existed still weighs it.
fn default_certificate_weight() -> f64 {
    0.4
}

/// A table written before the web signal existed still weighs it.
fn default_web_weight() -> f64 {
    0.4
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EntryFile {
    vendor: String,
    product: String,
    #[serde(default)]
    agent: Vec<String>,
    #[serde(default)]
    to_tag: Vec<String>,
    #[serde(default)]
    realm: Vec<String>,
    #[serde(default)]
    headers: Vec<String>,
    #[serde(default)]
    allow: Vec<String>,
    #[serde(default)]
    reason: Vec<String>,
    #[serde(default)]
    certificate: Vec<String>,
    #[serde(default)]
    web: Vec<String>,
    #[serde(default)]
    model_prefix: String,
}

/// A template: literal text and `{...}` holes.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece<H> {
    Literal(String),
    Hole(H),
}

fn pieces(template: &str) -> Result<Vec<Piece<String>>, String> {
    let mut out = Vec::new();
    let mut rest = template;
    while !rest.is_empty() {
        match rest.find('{') {
            Some(0) => {
                let end = rest.find('}').ok_or("unclosed {")?;
                out.push(Piece::Hole(
                    rest.get(1..end).unwrap_or_default().to_string(),
                ));
                rest = rest.get(end + 1..).unwrap_or_default();
            }
            Some(at) => {
                out.push(Piece::Literal(
                    rest.get(..at).unwrap_or_default().to_string(),
                ));
                rest = rest.get(at..).unwrap_or_default();
            }
            None => {
                out.push(Piece::Literal(rest.to_string()));
                rest = "";
            }
        }
    }
    if out
        .windows(2)
        .any(|pair| matches!(pair, [Piece::Hole(_), Piece::Hole(_)]))
    {
        return Err("two holes in a row cannot be told apart".to_string());
    }
    Ok(out)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Field {
    Model,
    Firmware,
    Platform,
    Ignored,
}

/// A Server/User-Agent template.
#[derive(Debug, Clone)]
struct AgentTemplate {
    pieces: Vec<Piece<Field>>,
    literal_len: usize,
}

type Captures<'a> = Vec<(Field, &'a str)>;

impl AgentTemplate {
    fn parse(template: &str) -> Result<Self, String> {
        let pieces = pieces(template)?
            .into_iter()
            .map(|piece| match piece {
                Piece::Literal(text) => Ok(Piece::Literal(text.to_ascii_lowercase())),
                Piece::Hole(name) => match name.as_str() {
                    "model" => Ok(Piece::Hole(Field::Model)),
                    "firmware" => Ok(Piece::Hole(Field::Firmware)),
                    "platform" => Ok(Piece::Hole(Field::Platform)),
                    "_" => Ok(Piece::Hole(Field::Ignored)),
                    other => Err(format!(
                        "unknown field {{{other}}} (model, firmware, platform, _)"
                    )),
                },
            })
            .collect::<Result<Vec<_>, _>>()?;
        let literal_len = pieces
            .iter()
            .map(|piece| match piece {
                Piece::Literal(text) => text.len(),
                Piece::Hole(_) => 0,
            })
            .sum();
        Ok(Self {
            pieces,
            literal_len,
        })
    }

    /// Matches the start of `agent` (`lower` is the same text in lower case); the captures on
    /// success.
    fn captures<'a>(&self, agent: &'a str, lower: &str) -> Option<Captures<'a>> {
        let mut captures = Vec::new();
        match_agent(&self.pieces, agent, lower, 0, &mut captures).then_some(captures)
    }
}

/// Backtracking match: each hole takes the shortest run of non-space characters after which the
/// rest of the template matches; a final hole takes the whole run.
fn match_agent<'a>(
    pieces: &[Piece<Field>],
    text: &'a str,
    lower: &str,
    at: usize,
    captures: &mut Captures<'a>,
) -> bool {
    let Some((first, rest)) = pieces.split_first() else {
        return true;
    };
    match first {
        Piece::Literal(literal) => {
            lower
                .get(at..)
                .is_some_and(|tail| tail.starts_with(literal.as_str()))
                && match_agent(rest, text, lower, at + literal.len(), captures)
        }
        Piece::Hole(field) => {
            let tail = text.get(at..).unwrap_or_default();
            let run = tail.find(char::is_whitespace).unwrap_or(tail.len());
            if run == 0 {
                return false;
            }
            let mut try_end = |end: usize| {
                let mark = captures.len();
                if let Some(value) = tail.get(..end) {
                    captures.push((*field, value));
                    if match_agent(rest, text, lower, at + end, captures) {
                        return true;
                    }
                }
                captures.truncate(mark);
                false
            };
            if rest.is_empty() {
                return try_end(run);
            }
            tail.char_indices()
                .map(|(i, c)| i + c.len_utf8())
                .take_while(|end| *end <= run)
                .any(try_end)
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CharClass {
    Hex,
    Digit,
    Alnum,
    Any,
}

impl CharClass {
    fn admits(self, c: char) -> bool {
        match self {
            Self::Hex => c.is_ascii_hexdigit(),
            Self::Digit => c.is_ascii_digit(),
            Self::Alnum => c.is_ascii_alphanumeric(),
            Self::Any => c.is_ascii_graphic(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Run {
    class: CharClass,
    min: usize,
    max: usize,
}

fn parse_run(hole: &str) -> Result<Run, String> {
    let (class, count) = hole
        .split_once(':')
        .ok_or("expected {class:n} or {class:min-max}")?;
    let class = match class {
        "hex" => CharClass::Hex,
        "digit" => CharClass::Digit,
        "alnum" => CharClass::Alnum,
        "any" => CharClass::Any,
        other => return Err(format!("unknown class {other:?} (hex, digit, alnum, any)")),
    };
    let number = |text: &str| {
        text.trim()
            .parse::<usize>()
            .map_err(|_| format!("bad count {count:?}"))
    };
    let (min, max) = match count.split_once('-') {
        Some((min, max)) => (number(min)?, number(max)?),
        None => (number(count)?, number(count)?),
    };
    if min == 0 || min > max {
        return Err(format!("bad count {count:?}"));
    }
    Ok(Run { class, min, max })
}

/// A To-tag shape.
#[derive(Debug, Clone)]
struct TagShape(Vec<Piece<Run>>);

impl TagShape {
    fn parse(template: &str) -> Result<Self, String> {
        pieces(template)?
            .into_iter()
            .map(|piece| match piece {
                Piece::Literal(text) => Ok(Piece::Literal(text)),
                Piece::Hole(hole) => parse_run(&hole).map(Piece::Hole),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Self)
    }

    fn matches(&self, tag: &str) -> bool {
        match_shape(&self.0, tag)
    }
}

fn match_shape(pieces: &[Piece<Run>], text: &str) -> bool {
    let Some((first, rest)) = pieces.split_first() else {
        return text.is_empty();
    };
    match first {
        Piece::Literal(literal) => text
            .strip_prefix(literal.as_str())
            .is_some_and(|tail| match_shape(rest, tail)),
        Piece::Hole(run) => {
            // Every class admits ASCII only (RFC 3261 tags are tokens), so bytes are characters.
            let admitted = text
                .bytes()
                .take_while(|b| run.class.admits(char::from(*b)))
                .take(run.max)
                .count();
            (run.min..=admitted)
                .rev()
                .any(|n| text.get(n..).is_some_and(|tail| match_shape(rest, tail)))
        }
    }
}

#[derive(Debug, Clone)]
struct Entry {
    vendor: String,
    product: String,
    agent: Vec<AgentTemplate>,
    to_tag: Vec<TagShape>,
    realm: Vec<String>,
    headers: Vec<String>,
    allow: Vec<String>,
    reason: Vec<String>,
    certificate: Vec<String>,
    web: Vec<String>,
    model_prefix: String,
}

/// What a web server of the host showed, for the `web` signal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebPage {
    /// `http://address:port` or `https://…`.
    pub place: String,
    /// The `Server` header.
    pub server: Option<String>,
    /// The page title.
    pub title: Option<String>,
}

impl WebPage {
    /// Every web page the service probes read on `host`.
    pub fn of(host: &HostServices) -> Vec<WebPage> {
        host.services
            .iter()
            .filter_map(|result| {
                let http = result.http()?;
                Some(WebPage {
                    place: result.place(host.address),
                    server: http.server.clone(),
                    title: http.title.clone(),
                })
            })
            .collect()
    }

    /// `title "…" at http://…` for the first of `needles` (lower case) the page shows.
    fn shows(&self, needles: &[String]) -> Option<String> {
        [("title", &self.title), ("Server", &self.server)]
            .into_iter()
            .find_map(|(label, value)| {
                let value = value.as_deref()?;
                let lower = value.to_ascii_lowercase();
                needles
                    .iter()
                    .any(|needle| lower.contains(needle.as_str()))
                    .then(|| format!("{label} {value:?} at {}", self.place))
            })
    }
}

/// The fingerprint table.
#[derive(Debug, Clone)]
pub struct FingerprintTable {
    weights: Weights,
    entries: Vec<Entry>,
}

impl FingerprintTable {
    /// The table shipped in the binary (`crates/scan/fingerprints.toml`).
    pub fn embedded() -> Result<Self, FingerprintError> {
        Self::from_toml(EMBEDDED)
    }

    /// A table from TOML text in the same schema.
    pub fn from_toml(text: &str) -> Result<Self, FingerprintError> {
        let file: TableFile =
            toml::from_str(text).map_err(|err| FingerprintError::Toml(err.to_string()))?;
        let entries = file
            .fingerprint
            .into_iter()
            .map(|entry| {
                let bad = |template: &str, reason: String| FingerprintError::Template {
                    vendor: entry.vendor.clone(),
                    product: entry.product.clone(),
                    template: template.to_string(),
                    reason,
                };
                let agent = entry
                    .agent
                    .iter()
                    .map(|t| AgentTemplate::parse(t).map_err(|reason| bad(t, reason)))
                    .collect::<Result<Vec<_>, _>>()?;
                let to_tag = entry
                    .to_tag
                    .iter()
                    .map(|t| TagShape::parse(t).map_err(|reason| bad(t, reason)))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(Entry {
                    agent,
                    to_tag,
                    realm: entry.realm.iter().map(|r| r.to_ascii_lowercase()).collect(),
                    headers: entry
                        .headers
                        .iter()
                        .map(|h| h.to_ascii_lowercase())
                        .collect(),
                    allow: entry.allow.iter().map(|m| m.to_ascii_uppercase()).collect(),
                    reason: entry
                        .reason
                        .iter()
                        .map(|r| r.to_ascii_lowercase())
                        .collect(),
                    certificate: entry
                        .certificate
                        .iter()
                        .map(|c| c.to_ascii_lowercase())
                        .collect(),
                    web: entry.web.iter().map(|w| w.to_ascii_lowercase()).collect(),
                    model_prefix: entry.model_prefix,
                    vendor: entry.vendor,
                    product: entry.product,
                })
            })
            .collect::<Result<Vec<_>, FingerprintError>>()?;
        Ok(Self {
            weights: file.weights,
            entries,
        })
    }

    /// Every entry that matches at least one signal, best first.
    pub fn candidates(&self, host: &SipHost) -> Vec<Fingerprint> {
        let agents = agents(host);
        let mut scored: Vec<Scored<'_, '_>> = self
            .entries
            .iter()
            .filter_map(|entry| self.score(entry, host, &agents, &[]))
            .collect();
        scored.sort_by(Scored::best_first);
        scored.into_iter().map(Scored::into_fingerprint).collect()
    }

    /// The best match, if any signal matched: the first of [`Self::candidates`], without
    /// building the others (a sweep identifies every host that answers).
    pub fn identify(&self, host: &SipHost) -> Option<Fingerprint> {
        let agents = agents(host);
        self.entries
            .iter()
            .filter_map(|entry| self.score(entry, host, &agents, &[]))
            // `min_by` keeps the first of equals, as the stable sort of `candidates` does.
            .min_by(Scored::best_first)
            .map(Scored::into_fingerprint)
    }

    /// The best match with the host's web pages as one more signal. When a page names the make
    /// of another entry than the best one (another vendor), that is said in `disagreement`.
    pub fn identify_with_web(&self, host: &SipHost, pages: &[WebPage]) -> Option<Fingerprint> {
        if pages.is_empty() {
            return self.identify(host);
        }
        let agents = agents(host);
        let mut scored: Vec<Scored<'_, '_>> = self
            .entries
            .iter()
            .filter_map(|entry| self.score(entry, host, &agents, pages))
            .collect();
        scored.sort_by(Scored::best_first);
        let mut scored = scored.into_iter();
        let best = scored.next()?;
        let disagreement = if best.signals.contains(&"web") {
            None
        } else {
            scored.find_map(|other| {
                let page = other.web.as_deref()?;
                (other.entry.vendor != best.entry.vendor)
                    .then(|| format!("the web UI names {}: {page}", other.entry.vendor))
            })
        };
        Some(Fingerprint {
            disagreement,
            ..best.into_fingerprint()
        })
    }

    /// `agents`: Server then User-Agent, trimmed, with their lower-case forms.
    fn score<'t, 'h>(
        &self,
        entry: &'t Entry,
        host: &'h SipHost,
        agents: &[(&'h str, String)],
        pages: &[WebPage],
    ) -> Option<Scored<'t, 'h>> {
        let w = self.weights;
        let mut signals: Vec<(&'static str, f64)> = Vec::new();
        let agent_match = agents.iter().find_map(|(agent, lower)| {
            entry
                .agent
                .iter()
                .find_map(|t| t.captures(agent, lower).map(|c| (t, c)))
        });
        let mut fields: HashMap<Field, &str> = HashMap::new();
        let mut specificity = 0;
        if let Some((template, captures)) = &agent_match {
            signals.push(("agent", w.agent));
            specificity = template.literal_len;
            fields.extend(captures.iter().copied());
        }
        if host
            .to_tag
            .as_deref()
            .is_some_and(|tag| entry.to_tag.iter().any(|shape| shape.matches(tag)))
        {
            signals.push(("to_tag", w.to_tag));
        }
        if host
            .realm
            .as_deref()
            .is_some_and(|realm| entry.realm.iter().any(|r| r.eq_ignore_ascii_case(realm)))
        {
            signals.push(("realm", w.realm));
        }
        if entry
            .headers
            .iter()
            .any(|name| host.header_names.iter().any(|seen| seen == name))
        {
            signals.push(("headers", w.headers));
        }
        if !entry.allow.is_empty()
            && entry
                .allow
                .iter()
                .all(|method| host.allow.iter().any(|allowed| allowed == method))
        {
            signals.push(("allow", w.allow));
        }
        if entry
            .reason
            .iter()
            .any(|reason| reason.eq_ignore_ascii_case(&host.reason))
        {
            signals.push(("reason", w.reason));
        }
        if let Some(leaf) = host.tls.as_ref().and_then(TlsInfo::leaf) {
            let names = format!("{} {}", leaf.subject, leaf.issuer).to_ascii_lowercase();
            if entry
                .certificate
                .iter()
                .any(|needle| names.contains(needle.as_str()))
            {
                signals.push(("certificate", w.certificate));
            }
        }
        let web = pages.iter().find_map(|page| page.shows(&entry.web));
        if web.is_some() {
            signals.push(("web", w.web));
        }
        if signals.is_empty() {
            return None;
        }
        let mut confidence = 1.0
            - signals
                .iter()
                .map(|(_, weight)| 1.0 - weight)
                .product::<f64>();
        let contradicted = agent_match.is_none() && !entry.agent.is_empty() && !agents.is_empty();
        if contradicted {
            confidence /= 2.0;
        }
        Some(Scored {
            entry,
            confidence: (confidence * 100.0).round() / 100.0,
            specificity,
            signals: signals.into_iter().map(|(name, _)| name).collect(),
            fields,
            web,
        })
    }
}

/// Server then User-Agent, trimmed, with their lower-case forms.
fn agents(host: &SipHost) -> Vec<(&str, String)> {
    [host.server.as_deref(), host.user_agent.as_deref()]
        .into_iter()
        .flatten()
        .map(|agent| (agent.trim(), agent.trim().to_ascii_lowercase()))
        .collect()
}

/// How well one entry matches a host, before its [`Fingerprint`] is written out.
struct Scored<'t, 'h> {
    entry: &'t Entry,
    /// Rounded as reported, so ranking and report agree.
    confidence: f64,
    /// Literal length of the agent template that matched: the more specific wins a tie.
    specificity: usize,
    signals: Vec<&'static str>,
    fields: HashMap<Field, &'h str>,
    /// The page that matched the `web` signal, described.
    web: Option<String>,
}

impl Scored<'_, '_> {
    fn best_first(a: &Self, b: &Self) -> std::cmp::Ordering {
        b.confidence
            .total_cmp(&a.confidence)
            .then(b.specificity.cmp(&a.specificity))
    }

    fn into_fingerprint(self) -> Fingerprint {
        let entry = self.entry;
        let field = |name: Field| self.fields.get(&name).map(|value| value.to_string());
        Fingerprint {
            vendor: entry.vendor.clone(),
            product: entry.product.clone(),
            model: field(Field::Model).map(|model| format!("{}{model}", entry.model_prefix)),
            firmware: field(Field::Firmware),
            platform: field(Field::Platform),
            confidence: self.confidence,
            signals: self.signals,
            disagreement: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::sip::Transport;

    fn host(server: Option<&str>, user_agent: Option<&str>) -> SipHost {
        SipHost {
            target: "192.168.1.20:5060"
                .parse()
                .unwrap_or_else(|err| panic!("{err}")),
            responder: None,
            transport: Transport::Udp,
            status: 200,
            reason: "OK".to_string(),
            server: server.map(str::to_string),
            user_agent: user_agent.map(str::to_string),
            allow: Vec::new(),
            supported: Vec::new(),
            to_tag: None,
            realm: None,
            header_names: Vec::new(),
            tls: None,
            rtt: Duration::from_millis(1),
            transmissions: 1,
            macs: Vec::new(),
        }
    }

    fn table() -> FingerprintTable {
        FingerprintTable::embedded().unwrap_or_else(|err| panic!("{err}"))
    }

    fn identify(host: &SipHost) -> Fingerprint {
        table()
            .identify(host)
            .unwrap_or_else(|| panic!("no fingerprint for {host:?}"))
    }

    /// (agent, vendor, product, model, firmware, platform) from real-world header values.
    #[test]
    fn every_entry_reads_its_agent_string() {
        type Case<'a> = (
            &'a str,
            &'a str,
            &'a str,
            Option<&'a str>,
            Option<&'a str>,
            Option<&'a str>,
        );
        let cases: &[Case] = &[
            (
                "Grandstream GRP2612W 1.0.5.67",
                "Grandstream",
                "IP phone",
                Some("GRP2612W"),
                Some("1.0.5.67"),
                None,
            ),
            (
                "Grandstream WP820 1.0.7.81",
                "Grandstream",
                "IP phone",
                Some("WP820"),
                Some("1.0.7.81"),
                None,
            ),
            (
                "Grandstream UCM6302A 1.0.23.5",
                "Grandstream",
                "UCM IP PBX",
                Some("UCM6302A"),
                Some("1.0.23.5"),
                None,
            ),
            (
                "snomD785/10.1.33.33",
                "Snom",
                "IP phone",
                Some("D785"),
                Some("10.1.33.33"),
                None,
            ),
            (
                "snom760/8.9.3.80",
                "Snom",
                "IP phone",
                Some("760"),
                Some("8.9.3.80"),
                None,
            ),
            (
                "Allworx 9224 8.1.4.3",
                "Allworx",
                "IP phone or server",
                Some("9224"),
                Some("8.1.4.3"),
                None,
            ),
            (
                "FPBX-16.0.40.7(18.20.0)",
                "Sangoma",
                "FreePBX (Asterisk)",
                None,
                Some("16.0.40.7"),
                Some("18.20.0"),
            ),
            (
                "ScopTEL 5.4.2",
                "ScopTEL",
                "ScopServ PBX (Asterisk)",
                None,
                Some("5.4.2"),
                None,
            ),
            (
                "Asterisk PBX 18.20.0",
                "Sangoma",
                "Asterisk",
                None,
                Some("18.20.0"),
                None,
            ),
            (
                "Asterisk PBX certified-18.9-cert5",
                "Sangoma",
                "Asterisk",
                None,
                Some("certified-18.9-cert5"),
                None,
            ),
            (
                "kamailio (5.6.3 (x86_64/linux))",
                "Kamailio",
                "SIP proxy",
                None,
                Some("5.6.3"),
                Some("x86_64/linux"),
            ),
            (
                "OpenSIPS (3.4.2 (x86_64/linux))",
                "OpenSIPS",
                "SIP proxy",
                None,
                Some("3.4.2"),
                Some("x86_64/linux"),
            ),
            (
                "FreeSWITCH-mod_sofia/1.10.9-release~64bit",
                "FreeSWITCH",
                "softswitch",
                None,
                Some("1.10.9-release~64bit"),
                None,
            ),
            (
                "3CXPhoneSystem 18.0.8.969 (969)",
                "3CX",
                "Phone System",
                None,
                Some("18.0.8.969"),
                None,
            ),
            (
                "Yealink SIP-T46S 66.86.0.15",
                "Yealink",
                "IP phone",
                Some("T46S"),
                Some("66.86.0.15"),
                None,
            ),
            (
                "Yealink T54W 96.86.0.70",
                "Yealink",
                "IP phone",
                Some("T54W"),
                Some("96.86.0.70"),
                None,
            ),
            (
                "PolycomVVX-VVX_410-UA/5.9.5.0614",
                "Poly",
                "Polycom IP phone",
                Some("VVX_410"),
                Some("5.9.5.0614"),
                None,
            ),
            (
                "PolycomSoundPointIP-SPIP_331-UA/4.0.15.1009",
                "Poly",
                "Polycom IP phone",
                Some("SPIP_331"),
                Some("4.0.15.1009"),
                None,
            ),
            (
                "Cisco-CP8845/12.8.1",
                "Cisco",
                "IP phone",
                Some("CP-8845"),
                Some("12.8.1"),
                None,
            ),
            (
                "Cisco/CP-7841-3PCC-11.3.7",
                "Cisco",
                "IP phone",
                Some("CP-7841"),
                Some("11.3.7"),
                None,
            ),
            (
                "Cisco/SPA504G-7.6.2c",
                "Cisco",
                "SPA IP phone or ATA",
                Some("SPA504G"),
                Some("7.6.2c"),
                None,
            ),
            (
                "Cisco-SIPGateway/IOS-15.6.3.M4",
                "Cisco",
                "IOS voice gateway (CUBE)",
                None,
                Some("15.6.3.M4"),
                None,
            ),
            (
                "Cisco-CUCM12.5",
                "Cisco",
                "Unified Communications Manager",
                None,
                Some("12.5"),
                None,
            ),
        ];
        for &(agent, vendor, product, model, firmware, platform) in cases {
            for sent in [host(Some(agent), None), host(None, Some(agent))] {
                let found = identify(&sent);
                assert_eq!(
                    (
                        found.vendor.as_str(),
                        found.product.as_str(),
                        found.model.as_deref(),
                        found.firmware.as_deref(),
                        found.platform.as_deref()
                    ),
                    (vendor, product, model, firmware, platform),
                    "{agent}"
                );
                assert!(found.signals.contains(&"agent"), "{agent}: {found:?}");
            }
        }
    }

    #[test]
    fn agent_letters_compare_in_any_case() {
        let found = identify(&host(Some("SNOMD785/10.1.33.33"), None));
        assert_eq!(
            (found.vendor.as_str(), found.model.as_deref()),
            ("Snom", Some("D785"))
        );
    }

    #[test]
    fn more_agreeing_signals_raise_confidence() {
        let mut asterisk = host(Some("Asterisk PBX 18.20.0"), None);
        let agent_only = identify(&asterisk).confidence;
        asterisk.to_tag = Some("as5f3a2b1c".to_string());
        let with_tag = identify(&asterisk).confidence;
        asterisk.realm = Some("asterisk".to_string());
        let with_realm = identify(&asterisk);
        assert!(
            agent_only < with_tag && with_tag < with_realm.confidence,
            "{agent_only} {with_tag} {with_realm:?}"
        );
        assert_eq!(with_realm.signals, ["agent", "to_tag", "realm"]);
    }

    #[test]
    fn tag_and_realm_alone_identify_an_asterisk_that_hides_its_agent() {
        let mut hidden = host(None, None);
        hidden.to_tag = Some("as1b2c3d4e".to_string());
        hidden.realm = Some("Asterisk".to_string());
        let found = identify(&hidden);
        assert_eq!(found.product, "Asterisk");
        assert!(found.model.is_none() && found.firmware.is_none());
        assert!((0.5..0.7).contains(&found.confidence), "{found:?}");
    }

    #[test]
    fn kamailio_tag_shape_and_a_contradicting_agent() {
        let mut proxy = host(Some("kamailio (5.6.3 (x86_64/linux))"), None);
        proxy.to_tag = Some("bf86e0a5a3f3b3b6ce3d2a1c5a6d7e8f.ae5357d7".to_string());
        let candidates = table().candidates(&proxy);
        assert_eq!(candidates[0].vendor, "Kamailio");
        assert_eq!(candidates[0].signals, ["agent", "to_tag"]);
        // OpenSIPS shares the tag scheme but its agent template contradicts the Server header.
        let opensips = candidates
            .iter()
            .find(|c| c.vendor == "OpenSIPS")
            .unwrap_or_else(|| panic!("{candidates:?}"));
        assert!(opensips.confidence < 0.2, "{opensips:?}");
    }

    #[test]
    fn vendor_header_signal() {
        let mut ucm = host(None, None);
        ucm.header_names = vec!["via".into(), "x-grandstream-pbx".into()];
        let found = identify(&ucm);
        assert_eq!(
            (
                found.vendor.as_str(),
                found.product.as_str(),
                found.signals.as_slice()
            ),
            ("Grandstream", "UCM IP PBX", ["headers"].as_slice())
        );
    }

    #[test]
    fn certificate_subject_is_a_signal() {
        let leaf = |subject: &str, issuer: &str| crate::tls::CertificateInfo {
            subject: subject.to_string(),
            issuer: issuer.to_string(),
            not_after: "2030-01-01T00:00:00Z".to_string(),
            expired: false,
            self_signed: subject == issuer,
            key_bits: Some(2048),
        };
        let with_cert = |agent: Option<&str>, subject: &str, issuer: &str| {
            let mut sent = host(agent, None);
            sent.transport = Transport::Tls;
            sent.tls = Some(TlsInfo {
                protocol: "TLSv1_3".to_string(),
                chain: vec![leaf(subject, issuer)],
                versions: Vec::new(),
            });
            sent
        };
        let kamailio_cert = "O=kamailio, OU=Self-signed certificate for kamailio, CN=sip.lab";
        let silent = identify(&with_cert(None, kamailio_cert, kamailio_cert));
        assert_eq!(
            (silent.vendor.as_str(), silent.signals.as_slice()),
            ("Kamailio", ["certificate"].as_slice())
        );
        assert_eq!(silent.confidence, 0.4);
        let agreeing = identify(&with_cert(
            Some("kamailio (5.6.3 (x86_64/linux))"),
            kamailio_cert,
            kamailio_cert,
        ));
        assert_eq!(agreeing.signals, ["agent", "certificate"]);
        assert!(agreeing.confidence > 0.8, "{agreeing:?}");
        // The issuer counts too: a phone whose certificate the maker signed.
        let phone = identify(&with_cert(
            None,
            "CN=000b828c8f97",
            "O=Grandstream Networks, CN=Grandstream Device CA",
        ));
        assert_eq!(phone.vendor, "Grandstream");
        // An operator's own certificate names no maker.
        assert!(
            table()
                .identify(&with_cert(None, "CN=pbx.example.org", "CN=Example Root CA"))
                .is_none()
        );
    }

    fn page(title: Option<&str>, server: Option<&str>) -> WebPage {
        WebPage {
            place: "http://192.168.1.20:80".to_string(),
            server: server.map(str::to_string),
            title: title.map(str::to_string),
        }
    }

    #[test]
    fn each_vendor_web_ui_is_a_signal_that_agrees_with_its_agent() {
        // (agent, page title, page Server header, vendor, product)
        let cases = [
            (
                "Grandstream GXP2170 1.0.11.3",
                Some("Grandstream Device Configuration"),
                None,
                "Grandstream",
                "IP phone",
            ),
            (
                "Grandstream UCM6302A 1.0.23.5",
                Some("Grandstream UCM6302A"),
                None,
                "Grandstream",
                "UCM IP PBX",
            ),
            (
                "snomD785/10.1.33.33",
                Some("snom D785"),
                Some("snom embedded"),
                "Snom",
                "IP phone",
            ),
            (
                "Yealink SIP-T46S 66.86.0.15",
                Some("Yealink Phone Web UI"),
                None,
                "Yealink",
                "IP phone",
            ),
            (
                "PolycomVVX-VVX_410-UA/5.9.5.0614",
                None,
                Some("Polycom SoundPoint IP Telephone HTTPd"),
                "Poly",
                "Polycom IP phone",
            ),
            (
                "Cisco-CP8845/12.8.1",
                Some("Cisco IP Phone CP-8845"),
                None,
                "Cisco",
                "IP phone",
            ),
            (
                "Cisco/SPA504G-7.6.2c",
                Some("Cisco SPA504G Configuration Utility"),
                None,
                "Cisco",
                "SPA IP phone or ATA",
            ),
            (
                "FPBX-16.0.40.7(18.20.0)",
                Some("FreePBX Administration"),
                Some("Apache"),
                "Sangoma",
                "FreePBX (Asterisk)",
            ),
            (
                "Asterisk PBX 18.20.0",
                None,
                Some("Asterisk/18.20.0"),
                "Sangoma",
                "Asterisk",
            ),
            (
                "Allworx 9224 8.1.4.3",
                Some("Allworx Server Admin"),
                None,
                "Allworx",
                "IP phone or server",
            ),
            (
                "ScopTEL 5.4.2",
                Some("ScopServ Management"),
                None,
                "ScopTEL",
                "ScopServ PBX (Asterisk)",
            ),
        ];
        for (agent, title, server, vendor, product) in cases {
            let sip = host(None, Some(agent));
            let alone = identify(&sip);
            let found = table()
                .identify_with_web(&sip, &[page(title, server)])
                .unwrap_or_else(|| panic!("{agent}"));
            assert_eq!(
                (found.vendor.as_str(), found.product.as_str()),
                (vendor, product),
                "{agent}"
            );
            assert!(found.signals.contains(&"web"), "{agent}: {found:?}");
            assert!(found.confidence > alone.confidence, "{agent}: {found:?}");
            assert_eq!(found.disagreement, None, "{agent}");
        }
    }

    #[test]
    fn web_and_sip_agreeing_is_one_weight_more() {
        let sip = host(Some("Grandstream GRP2612W 1.0.5.67"), None);
        let found = table()
            .identify_with_web(
                &sip,
                &[page(Some("Grandstream Device Configuration"), None)],
            )
            .unwrap_or_else(|| panic!("no fingerprint"));
        assert_eq!(found.signals, ["agent", "web"]);
        // 1 - (1 - 0.7)(1 - 0.4)
        assert_eq!(found.confidence, 0.82);
        // A phone's page does not make its maker's PBX the better match, nor the reverse.
        let ucm = host(Some("Grandstream UCM6302A 1.0.23.5"), None);
        let pbx = table()
            .identify_with_web(&ucm, &[page(Some("Grandstream UCM6302A"), None)])
            .unwrap_or_else(|| panic!("no fingerprint"));
        assert_eq!(pbx.product, "UCM IP PBX");
    }

    #[test]
    fn a_web_ui_of_another_make_is_noted_not_hidden() {
        let sip = host(Some("snomD785/10.1.33.33"), None);
        let found = table()
            .identify_with_web(
                &sip,
                &[page(Some("Grandstream Device Configuration"), None)],
            )
            .unwrap_or_else(|| panic!("no fingerprint"));
        assert_eq!((found.vendor.as_str(), found.confidence), ("Snom", 0.7));
        assert_eq!(
            found.disagreement.as_deref(),
            Some(
                "the web UI names Grandstream: title \"Grandstream Device Configuration\" at http://192.168.1.20:80"
            )
        );
        // A SIP host of a make with no web entry (a proxy) and a vendor page: noted too.
        let mut proxy = host(Some("kamailio (5.6.3 (x86_64/linux))"), None);
        proxy.to_tag = Some("bf86e0a5a3f3b3b6ce3d2a1c5a6d7e8f.ae5357d7".to_string());
        let found = table()
            .identify_with_web(&proxy, &[page(None, Some("Yealink embed httpd"))])
            .unwrap_or_else(|| panic!("no fingerprint"));
        assert_eq!(found.vendor, "Kamailio");
        assert!(
            found
                .disagreement
                .as_deref()
                .is_some_and(|note| note.starts_with("the web UI names Yealink: Server")),
            "{found:?}"
        );
    }

    #[test]
    fn a_web_ui_alone_identifies_a_host_with_no_sip_agent() {
        let found = table()
            .identify_with_web(
                &host(None, None),
                &[page(Some("FreePBX Administration"), None)],
            )
            .unwrap_or_else(|| panic!("no fingerprint"));
        assert_eq!(
            (
                found.product.as_str(),
                found.signals.as_slice(),
                found.confidence
            ),
            ("FreePBX (Asterisk)", ["web"].as_slice(), 0.4)
        );
        // A page naming no make adds nothing.
        assert!(
            table()
                .identify_with_web(&host(None, None), &[page(Some("Login"), Some("nginx"))])
                .is_none()
        );
    }

    #[test]
    fn unknown_agents_give_nothing() {
        assert!(
            table()
                .identify(&host(Some("SomeVendor Phone 1.0"), None))
                .is_none()
        );
        assert!(table().identify(&host(None, None)).is_none());
        assert!(
            table()
                .identify(&host(Some(""), Some("Grandstream")))
                .is_none()
        );
    }

    #[test]
    fn reason_and_allow_signals_from_a_custom_table() {
        let table = FingerprintTable::from_toml(
            "[weights]\nagent = 0.7\nto_tag = 0.3\nrealm = 0.5\nheaders = 0.5\nallow = 0.2\nreason = 0.2\n\
             [[fingerprint]]\nvendor = \"Lab\"\nproduct = \"UAS\"\nreason = [\"Alive\"]\nallow = [\"OPTIONS\", \"INVITE\"]\n",
        )
        .unwrap_or_else(|err| panic!("{err}"));
        let mut lab = host(None, None);
        lab.reason = "alive".to_string();
        assert_eq!(table.identify(&lab).map(|f| f.confidence), Some(0.2));
        lab.allow = vec!["INVITE".into(), "OPTIONS".into(), "BYE".into()];
        assert_eq!(table.identify(&lab).map(|f| f.confidence), Some(0.36));
    }

    #[test]
    fn broken_tables_are_errors_naming_the_entry() {
        let head = "[weights]\nagent = 0.7\nto_tag = 0.3\nrealm = 0.5\nheaders = 0.5\nallow = 0.2\nreason = 0.2\n";
        for (entry, needle) in [
            ("agent = [\"X {version}\"]", "unknown field"),
            ("agent = [\"X {model}{firmware}\"]", "two holes"),
            ("to_tag = [\"{hex:0}\"]", "bad count"),
            ("to_tag = [\"{base64:4}\"]", "unknown class"),
            ("to_tag = [\"{hex:4\"]", "unclosed"),
        ] {
            let text = format!("{head}[[fingerprint]]\nvendor = \"V\"\nproduct = \"P\"\n{entry}\n");
            let err = FingerprintTable::from_toml(&text)
                .err()
                .map(|err| err.to_string())
                .unwrap_or_default();
            assert!(
                err.contains(needle) && err.contains("V P"),
                "{entry}: {err}"
            );
        }
        assert!(matches!(
            FingerprintTable::from_toml("[weights]\n"),
            Err(FingerprintError::Toml(_))
        ));
    }

    #[test]
    fn tag_shapes() {
        let shape = |t: &str| TagShape::parse(t).unwrap_or_else(|err| panic!("{err}"));
        assert!(shape("as{hex:8}").matches("as0a1b2c3d"));
        assert!(!shape("as{hex:8}").matches("as0a1b2c3"));
        assert!(!shape("as{hex:8}").matches("as0a1b2c3d4"));
        assert!(shape("{hex:32}.{hex:1-8}").matches("bf86e0a5a3f3b3b6ce3d2a1c5a6d7e8f.ae5357d7"));
        assert!(
            shape("{hex:8}-{hex:4}-{hex:4}-{hex:4}-{hex:12}")
                .matches("1f0c5a3e-9b1d-4c2a-8e7f-0a1b2c3d4e5f")
        );
        assert!(shape("{alnum:13}").matches("Ud8gK3p9aQ2Bm"));
        assert!(!shape("{digit:5-10}").matches("12ab5"));
        assert!(shape("{any:1-3}x").matches("a-x"));
        // Tags are ASCII tokens; anything else matches no shape (and never panics).
        assert!(!shape("{any:1-3}x").matches("ééx"));
    }
}

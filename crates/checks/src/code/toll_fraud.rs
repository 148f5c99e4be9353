//! Toll-fraud reachability (reference/asterisk.md section 2.7): which dial-plan contexts callers
//! reach without authenticating, and every route from there to a dial that leaves the PBX.
//!
//! Assumptions, chosen so that a route reported is a route an administrator would agree with:
//! - Entry points (step 2): chan_sip `[general] context` unless `allowguest` is false (default
//!   yes, context default `default`); chan_sip peers with `insecure=invite`/`very` or without
//!   `secret`/`md5secret` (GoTrunk's `password=` is no chan_sip key); pjsip endpoints named
//!   `anonymous` or without `auth=`; iax users/friends without `secret`, `dbsecret` or `inkeys`;
//!   the FreePBX inbound contexts `from-trunk`, `from-pstn` and `from-sip-external` when defined.
//!   Templates are not devices. `DISA(no-password,ctx)` is a jump, so it counts when reached.
//!   Voicemail `dialout=` is left out: VoiceMailMain asks for the mailbox PIN.
//! - A reached context runs every priority of the reached extensions (conservative: branches and
//!   `Hangup()` are not evaluated); a named extension is looked up as pbx_config does, the
//!   context's own extensions (the exact one, else the most specific pattern) before its
//!   includes; timespecs on includes do not stop the search, but, like a PIN or a caller-ID
//!   test before the dial, they mark the route restricted (AST-EXT-06 reads that).
//! - Outbound (step 3): a dial string to a trunk: `SIP/…@host` or `SIP/peer/number` where the
//!   host or peer is not a `host=dynamic` phone of sip.conf; `PJSIP/number@endpoint` or an
//!   explicit `sip:` URI, unless the endpoint is a phone (no registration, identify or static
//!   contact); `IAX2/[user[:secret]@]host/number` likewise; `DAHDI/g…`, `DAHDI/r…` (groups of
//!   lines) or a DAHDI channel given a number; a `${…TRUNK…}`/`${OUT_…}` variable; `[globals]`
//!   are substituted first. And, as the reference says, `${EXTEN}` unfiltered in a `Dial()`
//!   destination under a `.`/`!` pattern, because `&` appends any channel. `Queue()` is not
//!   outbound: its members are fixed in queues.conf. `SIP/${EXTEN}` under a fixed-length pattern
//!   is a call to a local phone.
//! - Unknown: a jump whose context is computed, a dial string whose technology is an
//!   unresolvable variable, a `switch =>` (remote dial plan), and a context that is not defined
//!   while files are missing from the copy.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::rc::Rc;

use voipguard_asterisk::{Category, Config, ConfigError, ConfigSet, Origin};

use super::dialplan::{
    DialContext, Dialplan, Selector, Step, Target, applications, arguments, is_dynamic,
    is_open_pattern, jumps, most_specific,
};

/// A context callers reach without authenticating.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    /// The dial-plan context.
    pub context: String,
    /// Why callers land there unauthenticated, e.g. "sip.conf [general] allowguest=yes".
    pub why: String,
    /// The line that makes it so (the section header when the default applies).
    pub origin: Origin,
    /// The number the caller dials, when the search asks which extension handles one number;
    /// `None`: every extension of the context.
    pub dialled: Option<String>,
}

/// One hop of a route, with the line it comes from.
#[derive(Debug, Clone)]
pub(crate) struct Hop {
    /// What the hop is, e.g. "include => outbound".
    pub text: String,
    /// Where.
    pub origin: Origin,
    /// What limits who passes here, or when (a PIN, the hours, the caller ID).
    pub restriction: Option<String>,
}

/// A route from an entry to a dial that leaves the PBX (or to a branch that cannot be judged).
#[derive(Debug, Clone)]
pub(crate) struct Route {
    /// Where it starts.
    pub entry: Rc<Entry>,
    /// Jumps taken, in order, ending with the step that dials (or the undecidable one).
    pub hops: Vec<Hop>,
    /// Why the last hop is outbound (or why it cannot be decided).
    pub why: String,
}

impl Route {
    /// `context a (sip.conf:2 allowguest=yes) → include b (extensions.conf:40) → …`.
    pub(crate) fn chain(&self) -> String {
        let mut text = format!(
            "context {} ({}:{} {})",
            self.entry.context,
            self.entry.origin.file.display(),
            self.entry.origin.line,
            self.entry.why
        );
        for hop in &self.hops {
            let restriction = hop
                .restriction
                .as_ref()
                .map(|why| format!(" [{why}]"))
                .unwrap_or_default();
            text.push_str(&format!(
                " → {}{restriction} ({}:{})",
                hop.text,
                hop.origin.file.display(),
                hop.origin.line
            ));
        }
        text.push_str(&format!(": {}", self.why));
        text
    }

    /// The restrictions passed on the way.
    pub(crate) fn restrictions(&self) -> Vec<&str> {
        self.hops
            .iter()
            .filter_map(|hop| hop.restriction.as_deref())
            .collect()
    }

    /// The line the route ends on.
    pub(crate) fn end(&self) -> &Origin {
        self.hops.last().map_or(&self.entry.origin, |h| &h.origin)
    }
}

/// Everything the search found.
#[derive(Debug, Default)]
pub(crate) struct Reachability {
    /// Entry points found, merged per context.
    pub entries: Vec<Rc<Entry>>,
    /// Routes to outbound dials: the shortest per (entry, dialling line).
    pub outbound: Vec<Route>,
    /// Branches that could not be judged, one per (entry, line).
    pub unknown: Vec<Route>,
    /// Channel or dial-plan files with missing includes or `#exec`: entries may be missing.
    pub unread: Vec<String>,
}

/// Runs the analysis on a configuration set; `None` without extensions.conf.
pub(crate) fn analyse(set: &ConfigSet) -> Option<Reachability> {
    let extensions = set.config("extensions.conf")?;
    let plan = Dialplan::new(extensions);
    let entries = entry_points(set, &plan);
    Some(reach(set, &plan, entries))
}

/// Runs the search from chosen entries instead of the unauthenticated ones (voicemail dial-out
/// contexts, trunk contexts); `None` without extensions.conf.
pub(crate) fn analyse_from(set: &ConfigSet, entries: Vec<Entry>) -> Option<Reachability> {
    let extensions = set.config("extensions.conf")?;
    Some(reach(set, &Dialplan::new(extensions), entries))
}

/// Searches every route from `entries` to a dial that leaves the PBX.
fn reach(set: &ConfigSet, plan: &Dialplan<'_>, entries: Vec<Entry>) -> Reachability {
    let devices = Devices::new(set);
    let entries = merge_entries(entries);
    let unread = ["sip.conf", "pjsip.conf", "iax.conf", "extensions.conf"]
        .into_iter()
        .filter(|name| {
            set.config(name).is_some_and(|c| {
                !c.execs.is_empty()
                    || c.errors
                        .iter()
                        .any(|e| matches!(e, ConfigError::MissingInclude { .. }))
            })
        })
        .map(str::to_owned)
        .collect();
    let mut result = Reachability {
        entries: entries.clone(),
        unread,
        ..Reachability::default()
    };
    for entry in entries {
        search(plan, &devices, entry, &mut result);
    }
    result
}

/// What the channel configurations say about dial targets.
struct Devices {
    /// chan_sip peers with `host=dynamic` (phones) and every chan_sip section name.
    sip_phones: HashSet<String>,
    /// pjsip endpoints that reach a provider: a registration, an identify or a static contact.
    pjsip_trunks: HashSet<String>,
    /// pjsip endpoints (every one).
    pjsip_endpoints: HashSet<String>,
    /// iax peers with `host=dynamic`.
    iax_phones: HashSet<String>,
}

impl Devices {
    fn new(set: &ConfigSet) -> Self {
        let dynamic = |config: Option<&Config>| -> HashSet<String> {
            config
                .into_iter()
                .flat_map(Config::sections)
                .filter(|c| {
                    c.value("host")
                        .is_some_and(|h| h.eq_ignore_ascii_case("dynamic"))
                })
                .map(|c| c.name.to_ascii_lowercase())
                .collect()
        };
        let mut pjsip_trunks = HashSet::new();
        let mut pjsip_endpoints = HashSet::new();
        for category in set
            .config("pjsip.conf")
            .into_iter()
            .flat_map(Config::sections)
        {
            let name = category.name.to_ascii_lowercase();
            match category
                .value("type")
                .map(str::to_ascii_lowercase)
                .as_deref()
            {
                Some("endpoint") => {
                    pjsip_endpoints.insert(name);
                }
                Some("registration") => {
                    pjsip_trunks.insert(name);
                }
                Some("identify") => {
                    if let Some(endpoint) = category.value("endpoint") {
                        pjsip_trunks.insert(endpoint.to_ascii_lowercase());
                    }
                }
                Some("aor") if category.value("contact").is_some() => {
                    pjsip_trunks.insert(name);
                }
                _ => {}
            }
        }
        Devices {
            sip_phones: dynamic(set.config("sip.conf")),
            pjsip_trunks,
            pjsip_endpoints,
            iax_phones: dynamic(set.config("iax.conf")),
        }
    }
}

/// Asterisk's `ast_false`.
fn is_false(value: &str) -> bool {
    ["no", "false", "n", "f", "0", "off"]
        .iter()
        .any(|f| value.trim().eq_ignore_ascii_case(f))
}

/// An entry into `context`, explained by `why` and the line at `origin`.
pub(crate) fn entry(context: &str, why: String, origin: &Origin) -> Entry {
    Entry {
        context: context.to_owned(),
        why,
        origin: origin.clone(),
        dialled: None,
    }
}

fn entry_points(set: &ConfigSet, plan: &Dialplan<'_>) -> Vec<Entry> {
    let mut entries = Vec::new();
    if let Some(sip) = set.config("sip.conf") {
        sip_entries(sip, &mut entries);
    }
    if let Some(pjsip) = set.config("pjsip.conf") {
        for endpoint in pjsip.sections().filter(|c| has_type(c, "endpoint")) {
            let context = endpoint.value("context").unwrap_or("default");
            if endpoint.name.eq_ignore_ascii_case("anonymous") {
                entries.push(entry(
                    context,
                    "pjsip.conf anonymous endpoint".into(),
                    &endpoint.origin,
                ));
            } else if endpoint.value("auth").is_none_or(str::is_empty) {
                entries.push(entry(
                    context,
                    format!("pjsip.conf endpoint {} without auth", endpoint.name),
                    &endpoint.origin,
                ));
            }
        }
    }
    if let Some(iax) = set.config("iax.conf") {
        for user in iax.sections().filter(|c| {
            !c.name.eq_ignore_ascii_case("general")
                && (has_type(c, "user") || has_type(c, "friend"))
        }) {
            let authenticated = ["secret", "dbsecret", "inkeys"]
                .iter()
                .any(|k| user.value(k).is_some_and(|v| !v.is_empty()));
            if !authenticated {
                entries.push(entry(
                    user.value("context").unwrap_or("default"),
                    format!("iax.conf user {} without secret", user.name),
                    &user.origin,
                ));
            }
        }
    }
    for name in ["from-trunk", "from-pstn", "from-sip-external"] {
        if let Some(context) = plan.context(name) {
            entries.push(entry(
                name,
                "FreePBX inbound context: calls from trunks land here".into(),
                context.origin,
            ));
        }
    }
    entries
}

/// A device that authenticates before it calls and registers (or is a `type=user`): one of
/// the PBX's own phones, as opposed to a trunk matched by its address.
#[derive(Debug)]
pub(crate) struct Phone {
    /// `sip.conf alice`, `pjsip.conf 100`.
    pub name: String,
    /// The dial-plan context its calls start in.
    pub context: String,
    /// Its `context` line, or its section header when the default applies.
    pub origin: Origin,
}

/// Every phone of chan_sip, res_pjsip and chan_iax2 (templates are not devices). Peers without
/// a secret and `insecure=invite` peers are left out: they are unauthenticated entries.
pub(crate) fn phones(set: &ConfigSet) -> Vec<Phone> {
    let mut phones = Vec::new();
    let phone = |file: &str, category: &Category, default_context: &str| {
        let (context, origin) = match category.get("context") {
            Some(context) => (context.value.trim().to_owned(), context.origin.clone()),
            None => (default_context.to_owned(), category.origin.clone()),
        };
        Phone {
            name: format!("{file} {}", category.name),
            context,
            origin,
        }
    };
    let registers = |category: &Category| {
        category
            .value("host")
            .is_some_and(|h| h.eq_ignore_ascii_case("dynamic"))
            || has_type(category, "user")
    };
    let has_any = |category: &Category, keys: &[&str]| {
        keys.iter()
            .any(|k| category.value(k).is_some_and(|v| !v.trim().is_empty()))
    };
    for (file, secrets) in [
        ("sip.conf", &["secret", "md5secret"][..]),
        ("iax.conf", &["secret", "dbsecret", "inkeys"][..]),
    ] {
        let Some(config) = set.config(file) else {
            continue;
        };
        let default_context = config.value("general", "context").unwrap_or("default");
        for category in config.sections().filter(|c| {
            !["general", "authentication"]
                .iter()
                .any(|n| c.name.eq_ignore_ascii_case(n))
        }) {
            let insecure = category
                .value("insecure")
                .is_some_and(|v| v.contains("invite") || v.contains("very"));
            if registers(category) && has_any(category, secrets) && !insecure {
                phones.push(phone(file, category, default_context));
            }
        }
    }
    if let Some(pjsip) = set.config("pjsip.conf") {
        let devices = Devices::new(set);
        for endpoint in pjsip.sections().filter(|c| has_type(c, "endpoint")) {
            let name = endpoint.name.to_ascii_lowercase();
            if name != "anonymous"
                && has_any(endpoint, &["auth"])
                && !devices.pjsip_trunks.contains(&name)
            {
                phones.push(phone("pjsip.conf", endpoint, "default"));
            }
        }
    }
    phones
}

fn has_type(category: &Category, kind: &str) -> bool {
    category
        .value("type")
        .is_some_and(|t| t.eq_ignore_ascii_case(kind))
}

fn sip_entries(sip: &Config, entries: &mut Vec<Entry>) {
    let general = sip.category("general");
    let default_context = general
        .and_then(|g| g.value("context"))
        .unwrap_or("default");
    if let Some(general) = general {
        match general.get("allowguest") {
            Some(v) if is_false(&v.value) => {}
            Some(v) => entries.push(entry(
                default_context,
                format!("sip.conf [general] allowguest={}", v.value),
                &v.origin,
            )),
            None => entries.push(entry(
                default_context,
                "sip.conf [general] allowguest not set (default yes)".into(),
                &general.origin,
            )),
        }
    }
    for peer in sip.sections().filter(|c| {
        !["general", "authentication"]
            .iter()
            .any(|n| c.name.eq_ignore_ascii_case(n))
            && (c.get("type").is_some() || c.get("host").is_some())
    }) {
        let context = peer.value("context").unwrap_or(default_context);
        if let Some(insecure) = peer
            .get("insecure")
            .filter(|v| v.value.contains("invite") || v.value.contains("very"))
        {
            entries.push(entry(
                context,
                format!("sip.conf peer {} insecure={}", peer.name, insecure.value),
                &insecure.origin,
            ));
        } else if !["secret", "md5secret"]
            .iter()
            .any(|k| peer.value(k).is_some_and(|v| !v.is_empty()))
        {
            let matched_by = match peer.value("host") {
                Some(host) if !host.eq_ignore_ascii_case("dynamic") => {
                    " (matched by the address of its host only)"
                }
                _ => "",
            };
            entries.push(entry(
                context,
                format!("sip.conf peer {} without secret{matched_by}", peer.name),
                &peer.origin,
            ));
        }
    }
}

/// One entry per context and dialled number: several peers landing in one context are one
/// starting point, named together.
fn merge_entries(entries: Vec<Entry>) -> Vec<Rc<Entry>> {
    let mut merged: BTreeMap<(String, Option<String>), (Entry, Vec<String>)> = BTreeMap::new();
    let mut order = Vec::new();
    for e in entries {
        let key = (e.context.to_ascii_lowercase(), e.dialled.clone());
        match merged.get_mut(&key) {
            Some((_, more)) => more.push(e.why),
            None => {
                order.push(key.clone());
                merged.insert(key, (e, Vec::new()));
            }
        }
    }
    order
        .into_iter()
        .filter_map(|key| merged.remove(&key))
        .map(|(mut e, more)| {
            if !more.is_empty() {
                e.why = format!("{}; also {}", e.why, more.join("; "));
            }
            Rc::new(e)
        })
        .collect()
}

/// What one dial string does.
enum Destination {
    Outbound(String),
    Jump(String, Selector),
    Unknown(String),
    Internal,
}

/// A context, the extensions reached in it, and whether a restriction was passed on the way
/// (a context reached both ways is searched both ways, so an unrestricted route is never hidden
/// behind a restricted one).
type Node = (String, Selector, bool);

/// Routes already reported, by (file, line, outbound): where they are and whether restricted.
type Reported = HashMap<(String, u32, bool), (usize, bool)>;

/// Breadth-first from one entry: the first route found to a line is the shortest; an
/// unrestricted route replaces a restricted one to the same line.
fn search(plan: &Dialplan<'_>, devices: &Devices, entry: Rc<Entry>, out: &mut Reachability) {
    let mut seen: HashSet<Node> = HashSet::new();
    let mut reported: Reported = HashMap::new();
    let mut queue: VecDeque<(Node, Vec<Hop>)> = VecDeque::new();
    let start = entry.dialled.clone().map_or(Selector::All, Selector::Exten);
    queue.push_back((
        (entry.context.to_ascii_lowercase(), start, false),
        Vec::new(),
    ));
    let mut report = |outbound: bool, hops: Vec<Hop>, why: String| {
        let Some(last) = hops.last() else { return };
        let key = (
            last.origin.file.display().to_string(),
            last.origin.line,
            outbound,
        );
        let route = Route {
            entry: entry.clone(),
            hops,
            why,
        };
        let restricted = !route.restrictions().is_empty();
        let routes = if outbound {
            &mut out.outbound
        } else {
            &mut out.unknown
        };
        match reported.get_mut(&key) {
            None => {
                reported.insert(key, (routes.len(), restricted));
                routes.push(route);
            }
            Some((at, was_restricted)) if *was_restricted && !restricted => {
                if let Some(slot) = routes.get_mut(*at) {
                    *slot = route;
                }
                *was_restricted = false;
            }
            Some(_) => {}
        }
    };
    while let Some(((name, selector, restricted), hops)) = queue.pop_front() {
        if !seen.insert((name.clone(), selector.clone(), restricted)) {
            continue;
        }
        let Some(context) = plan.context(&name) else {
            if plan.incomplete {
                let mut hops = hops;
                let origin = hops
                    .last()
                    .map_or(entry.origin.clone(), |h| h.origin.clone());
                hops.push(Hop {
                    text: format!("context {name}"),
                    origin,
                    restriction: None,
                });
                report(
                    false,
                    hops,
                    format!("context {name} is not in the files read (includes are missing)"),
                );
            }
            continue;
        };
        for switch in &context.switches {
            let mut hops = hops.clone();
            hops.push(Hop {
                text: format!("switch => {}", switch.value),
                origin: switch.origin.clone(),
                restriction: None,
            });
            report(false, hops, "a switch pulls in a remote dial plan".into());
        }
        let (steps, follow_includes) = reached_steps(context, &selector);
        if follow_includes {
            for include in &context.includes {
                let mut hops = hops.clone();
                let restriction = include
                    .timespec
                    .as_ref()
                    .map(|times| format!("hours: include => {},{times}", include.context));
                let restricted = restricted || restriction.is_some();
                hops.push(Hop {
                    text: format!("include => {}", include.context),
                    origin: include.origin.clone(),
                    restriction,
                });
                queue.push_back((
                    (
                        include.context.to_ascii_lowercase(),
                        selector.clone(),
                        restricted,
                    ),
                    hops,
                ));
            }
        }
        for step in steps {
            let restriction = step_restriction(plan, context, step);
            let restricted = restricted || restriction.is_some();
            for (app, args) in applications(step) {
                let here = || {
                    let mut hops = hops.clone();
                    hops.push(Hop {
                        text: format!("{} {app}({})", step.exten, redact_dial(args)),
                        origin: step.origin.clone(),
                        restriction: restriction.clone(),
                    });
                    hops
                };
                for target in jumps(app, args, context.name) {
                    match target {
                        Target::Context(to, sel) => {
                            queue.push_back(((to.to_ascii_lowercase(), sel, restricted), here()));
                        }
                        Target::Dynamic(text) => report(
                            false,
                            here(),
                            format!("jump target {text} is computed at run time"),
                        ),
                        Target::SameExtension => {}
                    }
                }
                for destination in dial_destinations(plan, devices, step, app, args) {
                    match destination {
                        Destination::Outbound(why) => report(true, here(), why),
                        Destination::Unknown(why) => report(false, here(), why),
                        Destination::Jump(to, sel) => {
                            queue.push_back(((to.to_ascii_lowercase(), sel, restricted), here()));
                        }
                        Destination::Internal => {}
                    }
                }
            }
        }
    }
}

/// What stands before `step` in its extension and limits who runs it, or when: a PIN
/// (`Authenticate`, `VMAuthenticate`, or a `Gosub`/`Macro` into a context that asks for one),
/// the hours (`GotoIfTime`, `ExecIfTime`), or the caller (an `exten => …/callerid` match, a
/// `GotoIf`/`ExecIf`/`GosubIf` on the caller ID). Argument text is never shown: it may hold a PIN.
fn step_restriction(
    plan: &Dialplan<'_>,
    context: &DialContext<'_>,
    step: &Step<'_>,
) -> Option<String> {
    if let Some(callerid) = &step.callerid {
        return Some(format!("caller ID: exten => {}/{callerid}", step.exten));
    }
    let earlier = context
        .steps
        .iter()
        .take_while(|other| !std::ptr::eq(*other, step))
        .filter(|other| other.exten == step.exten)
        .chain([step]);
    for other in earlier {
        let at = format!("{}:{}", other.origin.file.display(), other.origin.line);
        let app = other.app.to_ascii_lowercase();
        let restriction = match app.as_str() {
            "authenticate" | "vmauthenticate" => Some(format!("PIN: {}() at {at}", other.app)),
            "gotoiftime" | "execiftime" => Some(format!("hours: {}() at {at}", other.app)),
            "gotoif" | "execif" | "gosubif" if checks_callerid(&other.args) => {
                Some(format!("caller ID: {}() at {at}", other.app))
            }
            _ if !std::ptr::eq(other, step) => jumps(&other.app, &other.args, context.name)
                .into_iter()
                .find_map(|target| match target {
                    Target::Context(to, _) if asks_for_pin(plan, &to) => {
                        Some(format!("PIN: {}() into {to} at {at}", other.app))
                    }
                    _ => None,
                }),
            _ => None,
        };
        if restriction.is_some() {
            return restriction;
        }
    }
    None
}

/// A condition on the caller's number.
fn checks_callerid(condition: &str) -> bool {
    let condition = condition.to_ascii_uppercase();
    [
        "CALLERID(NUM",
        "CALLERID(NUMBER",
        "CALLERID(ALL",
        "CALLERID(ANI",
        "CALLERIDNUM",
    ]
    .iter()
    .any(|needle| condition.contains(needle))
}

/// A subroutine or macro context that asks for a PIN (FreePBX's `macro-pinsets`).
fn asks_for_pin(plan: &Dialplan<'_>, context: &str) -> bool {
    plan.context(context).is_some_and(|context| {
        context.steps.iter().any(|step| {
            step.app.eq_ignore_ascii_case("Authenticate")
                || step.app.eq_ignore_ascii_case("VMAuthenticate")
        })
    })
}

/// The steps a selector reaches in a context, and whether its includes are searched too.
fn reached_steps<'c, 'a>(
    context: &'c DialContext<'a>,
    selector: &Selector,
) -> (Vec<&'c Step<'a>>, bool) {
    match selector {
        Selector::All => (context.steps.iter().collect(), true),
        Selector::Exten(exten) => {
            let exact: Vec<_> = context.steps.iter().filter(|s| s.exten == *exten).collect();
            if !exact.is_empty() {
                return (exact, false);
            }
            let Some(best) = most_specific(context.steps.iter().map(|s| s.exten.as_str()), exten)
            else {
                return (Vec::new(), true);
            };
            let steps = context.steps.iter().filter(|s| s.exten == best).collect();
            (steps, false)
        }
    }
}

/// The channels a `Dial`/`Originate` step calls, judged one by one.
fn dial_destinations(
    plan: &Dialplan<'_>,
    devices: &Devices,
    step: &Step<'_>,
    app: &str,
    args: &str,
) -> Vec<Destination> {
    if !["dial", "originate"]
        .iter()
        .any(|a| app.eq_ignore_ascii_case(a))
    {
        return Vec::new();
    }
    let Some(channels) = arguments(args).first().copied() else {
        return Vec::new();
    };
    let mut out: Vec<Destination> = channels
        .split('&')
        .map(|channel| classify(plan, devices, channel.trim()))
        .collect();
    if is_open_pattern(&step.exten) && carries_unfiltered_exten(channels) {
        out.push(Destination::Outbound(format!(
            "{} puts ${{EXTEN}} unfiltered into the dial string: '&' appends any channel",
            step.exten
        )));
    }
    out
}

/// `${EXTEN}` or `${EXTEN:n}` outside a `FILTER()`.
pub(crate) fn carries_unfiltered_exten(text: &str) -> bool {
    unfiltered_contains(text, "${EXTEN}") || unfiltered_contains(text, "${EXTEN:")
}

/// Whether `needle` appears in `text` outside every `FILTER(...)`.
pub(crate) fn unfiltered_contains(text: &str, needle: &str) -> bool {
    let upper = text.to_ascii_uppercase();
    let needle = needle.to_ascii_uppercase();
    let mut kept = String::new();
    let mut rest = upper.as_str();
    while let Some(start) = rest.find("FILTER(") {
        kept.push_str(&rest[..start]);
        let mut depth = 0i32;
        let mut end = rest.len();
        for (i, c) in rest[start..].char_indices() {
            match c {
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        end = start + i + 1;
                        break;
                    }
                }
                _ => {}
            }
        }
        rest = &rest[end..];
    }
    kept.push_str(rest);
    kept.contains(&needle)
}

/// Substitutes `[globals]` into a dial string (twice, for globals built from globals).
fn resolve(plan: &Dialplan<'_>, channel: &str) -> String {
    let mut text = channel.to_owned();
    for _ in 0..2 {
        let mut next = String::new();
        let mut rest = text.as_str();
        while let Some(start) = rest.find("${") {
            next.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            match after.find('}') {
                Some(close) if plan.global(&after[..close]).is_some() => {
                    next.push_str(plan.global(&after[..close]).unwrap_or_default());
                    rest = &after[close + 1..];
                }
                _ => {
                    next.push_str("${");
                    rest = after;
                }
            }
        }
        next.push_str(rest);
        text = next;
    }
    text
}

fn classify(plan: &Dialplan<'_>, devices: &Devices, written: &str) -> Destination {
    let channel = resolve(plan, written);
    let (tech, resource) = channel.split_once('/').unwrap_or((channel.as_str(), ""));
    if is_dynamic(tech) {
        let name = tech.to_ascii_uppercase();
        return if !(name.contains("TRUNK") || name.contains("${OUT_")) {
            Destination::Unknown(format!(
                "the technology of {} is computed at run time",
                redact_dial(written)
            ))
        } else if is_dynamic(resource) {
            Destination::Outbound(format!(
                "{} sends a computed number to a trunk variable",
                redact_dial(written)
            ))
        } else {
            Destination::Internal
        };
    }
    let shown = redact_dial(&channel);
    match tech.to_ascii_uppercase().as_str() {
        "LOCAL" => local(resource),
        "SIP" => host_or_peer(resource, &devices.sip_phones, "chan_sip", &shown),
        "IAX2" => host_or_peer(resource, &devices.iax_phones, "IAX2", &shown),
        "PJSIP" => pjsip(resource, devices, &shown),
        "DAHDI" | "ZAP" => {
            let group = resource.starts_with(['g', 'G', 'r', 'R']);
            match resource.split('/').nth(1).filter(|n| !n.is_empty()) {
                Some(number) if is_dynamic(number) => Destination::Outbound(format!(
                    "{shown} dials a computed number on analog/ISDN lines"
                )),
                None if group => Destination::Outbound(format!(
                    "{shown} seizes a line of the group: the caller dials on it"
                )),
                _ => Destination::Internal,
            }
        }
        _ => Destination::Internal,
    }
}

fn local(resource: &str) -> Destination {
    let target = resource.split('/').next().unwrap_or_default();
    let (exten, context) = target.split_once('@').unwrap_or((target, "default"));
    if is_dynamic(context) {
        return Destination::Unknown(format!("Local channel context {context} is computed"));
    }
    let selector = if is_dynamic(exten) {
        Selector::All
    } else {
        Selector::Exten(exten.to_owned())
    };
    Destination::Jump(context.to_owned(), selector)
}

/// chan_sip and chan_iax2 dial strings: `number@host`, `[user[:secret]@]host/number`,
/// `peer/number` or `peer`.
fn host_or_peer(
    resource: &str,
    phones: &HashSet<String>,
    driver: &str,
    shown: &str,
) -> Destination {
    let (number, host) = match (resource.find('@'), resource.find('/')) {
        // IAX2/user:secret@host/number: the host is between '@' and '/'.
        (Some(at), Some(slash)) if at < slash => (&resource[slash + 1..], &resource[at + 1..slash]),
        (Some(at), _) => (&resource[..at], &resource[at + 1..]),
        (None, Some(slash)) => (&resource[slash + 1..], &resource[..slash]),
        (None, None) => ("", resource),
    };
    let host = host.split(':').next().unwrap_or_default();
    // A fixed number (a DID forwarded to a mobile) is no caller-chosen destination.
    if !is_dynamic(number) || phones.contains(&host.to_ascii_lowercase()) {
        return Destination::Internal;
    }
    if is_dynamic(host) {
        return Destination::Unknown(format!("the {driver} host of {shown} is computed"));
    }
    Destination::Outbound(format!(
        "{shown} sends a computed number to {host}, which is not a registering phone"
    ))
}

fn pjsip(resource: &str, devices: &Devices, shown: &str) -> Destination {
    if let Some((_, uri)) = resource.split_once("sip:") {
        return if is_dynamic(uri) {
            Destination::Outbound(format!("{shown} dials a computed SIP URI"))
        } else {
            Destination::Internal
        };
    }
    let Some((number, endpoint)) = resource.split_once('@') else {
        return Destination::Internal;
    };
    let endpoint = endpoint.split('/').next().unwrap_or_default();
    let key = endpoint.to_ascii_lowercase();
    let trunk = devices.pjsip_trunks.contains(&key) || !devices.pjsip_endpoints.contains(&key);
    if trunk && is_dynamic(number) {
        Destination::Outbound(format!(
            "{shown} sends a computed number to the trunk {endpoint}"
        ))
    } else {
        Destination::Internal
    }
}

/// Dial strings may hold `user:secret@host` (IAX2): the secret never leaves.
pub(crate) fn redact_dial(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(colon) = rest.find(':') {
        let after = &rest[colon + 1..];
        let run = after
            .find(|c: char| "@/,(){}$&:".contains(c))
            .unwrap_or(after.len());
        out.push_str(&rest[..=colon]);
        let uri_scheme = rest[..colon].ends_with("sip") || rest[..colon].ends_with("sips");
        if after[run..].starts_with('@') && run > 0 && !uri_scheme {
            out.push_str("redacted");
        } else {
            out.push_str(&after[..run]);
        }
        rest = &after[run..];
    }
    out.push_str(rest);
    out
}

/// Count the routes per entry context, for the message.
pub(crate) fn routes_per_entry(routes: &[Route]) -> Vec<(String, usize)> {
    let mut counts: Vec<(String, usize)> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for route in routes {
        let name = route.entry.context.clone();
        match index.get(&name) {
            Some(&i) => {
                if let Some(entry) = counts.get_mut(i) {
                    entry.1 += 1;
                }
            }
            None => {
                index.insert(name.clone(), counts.len());
                counts.push((name, 1));
            }
        }
    }
    counts
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use voipguard_asterisk::{Config, ConfigSet};

    use super::*;

    fn set(files: &[(&str, &str)]) -> ConfigSet {
        ConfigSet {
            folder: PathBuf::from("pbx"),
            configs: files
                .iter()
                .map(|(name, text)| Config::parse_bytes(name, text.as_bytes()))
                .collect(),
            included_only: Vec::new(),
        }
    }

    const GUEST: &str = "[general]\ncontext=public\n";

    #[test]
    fn include_cycles_end_and_reach_the_outbound_line_once() {
        let set = set(&[
            ("sip.conf", GUEST),
            (
                "extensions.conf",
                "[public]\ninclude => a\n[a]\ninclude => b\n[b]\ninclude => a\n\
                 exten => _X.,1,Dial(DAHDI/g1/${EXTEN})\n",
            ),
        ]);
        let result = analyse(&set).expect("extensions.conf present");
        assert_eq!(result.outbound.len(), 1);
        let chain = result
            .outbound
            .first()
            .map(Route::chain)
            .unwrap_or_default();
        assert!(
            chain.contains("include => a (extensions.conf:2) → include => b"),
            "{chain}"
        );
        assert!(
            chain.ends_with("dials a computed number on analog/ISDN lines"),
            "{chain}"
        );
    }

    #[test]
    fn computed_jumps_and_missing_contexts_are_unknown_not_guessed() {
        let set = set(&[
            ("sip.conf", GUEST),
            (
                "extensions.conf",
                "#include missing.conf\n[public]\nexten => s,1,Goto(${DEST},s,1)\n\
                 exten => 1,1,Goto(elsewhere,s,1)\n",
            ),
        ]);
        let result = analyse(&set).expect("extensions.conf present");
        assert!(result.outbound.is_empty());
        let reasons: Vec<_> = result.unknown.iter().map(|r| r.why.as_str()).collect();
        assert_eq!(
            reasons,
            [
                "jump target ${DEST},s,1 is computed at run time",
                "context elsewhere is not in the files read (includes are missing)"
            ]
        );
    }

    #[test]
    fn phones_are_internal_and_trunks_outbound() {
        let set = set(&[
            (
                "sip.conf",
                "[general]\nallowguest=no\n[alice]\ntype=friend\nhost=dynamic\nsecret=x\n\
                 context=public\ninsecure=invite\n[itsp]\ntype=peer\nhost=itsp.example\nsecret=y\n",
            ),
            (
                "extensions.conf",
                "[public]\nexten => _2XX,1,Dial(SIP/${EXTEN})\nexten => 300,1,Dial(SIP/alice/300)\n\
                 exten => 301,1,Dial(SIP/alice&IAX2/${EXTEN})\nexten => 302,1,Dial(${DEV},20)\n\
                 exten => 400,1,Dial(IAX2/bob:Sekr3t@pbx.example/${EXTEN})\nexten => 401,1,Dial(SIP/itsp/07700900123)\n",
            ),
        ]);
        let result = analyse(&set).expect("extensions.conf present");
        let chains: Vec<_> = result.outbound.iter().map(Route::chain).collect();
        assert_eq!(chains.len(), 1, "{chains:?}");
        let chain = chains.first().cloned().unwrap_or_default();
        assert!(
            chain.contains("IAX2/bob:redacted@pbx.example/${EXTEN}"),
            "{chain}"
        );
        assert!(!chain.contains("Sekr3t"));
        let unknown: Vec<_> = result.unknown.iter().map(|r| r.why.as_str()).collect();
        assert_eq!(
            unknown,
            ["the technology of ${DEV} is computed at run time"]
        );
    }

    #[test]
    fn a_named_extension_prefers_the_exact_match_and_skips_includes() {
        let set = set(&[
            ("sip.conf", GUEST),
            (
                "extensions.conf",
                "[public]\nexten => 1,1,Goto(menu,s,1)\n[menu]\nexten => s,1,Playback(x)\n\
                 exten => _.,1,Dial(SIP/${EXTEN}@itsp.example)\ninclude => out\n\
                 [out]\nexten => _X.,1,Dial(DAHDI/g0/${EXTEN})\n",
            ),
        ]);
        let result = analyse(&set).expect("extensions.conf present");
        assert!(result.outbound.is_empty(), "{:?}", result.outbound);
    }

    #[test]
    fn secrets_in_dial_strings_are_redacted_and_uris_kept() {
        assert_eq!(redact_dial("IAX2/u:pw@h/1"), "IAX2/u:redacted@h/1");
        assert_eq!(redact_dial("SIP/${EXTEN:1}@t"), "SIP/${EXTEN:1}@t");
        assert_eq!(redact_dial("PJSIP/e/sip:100@h"), "PJSIP/e/sip:100@h");
    }

    #[test]
    fn filter_hides_exten_but_only_inside_it() {
        assert!(!carries_unfiltered_exten("SIP/t/${FILTER(0-9,${EXTEN})}"));
        assert!(carries_unfiltered_exten(
            "SIP/${FILTER(0-9,${X})}/${EXTEN:2}"
        ));
    }
}

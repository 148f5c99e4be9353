//! The nftables backend: one table of voipguard's own, driven through the `nft` program.

use std::fmt::Write as _;
use std::net::IpAddr;
use std::time::Duration;

use ipnet::IpNet;
use serde::Deserialize;

use crate::exec::run;
use crate::plan::{checked_millis, plan_ban, plan_unban};
use crate::{ActiveBan, Backend, BanOutcome, FirewallError, Target, UnbanOutcome};

/// The one table the backend creates, changes and deletes (family `inet`, so one table covers
/// IPv4 and IPv6).
pub const TABLE: &str = "voipguard";
const SET4: &str = "banned4";
const SET6: &str = "banned6";
/// nft answers in milliseconds; a hung nft (a locked netlink socket) must not stall the guard.
const NFT_DEADLINE: Duration = Duration::from_secs(10);
/// nft refuses longer element comments ("comment too long, 128 characters maximum allowed").
const COMMENT_MAX: usize = 128;

/// Bans by adding elements to the `banned4`/`banned6` sets of the `inet voipguard` table; see the
/// crate documentation for the table's exact definition.
#[derive(Debug, Clone)]
pub struct Nftables {
    command: Vec<String>,
    forward: bool,
}

impl Nftables {
    /// A backend that runs nft as `command` (program then leading arguments), for example
    /// `["nft"]` or `["ip", "netns", "exec", "pbx", "nft"]`; the backend appends `-f -` or
    /// `-j list …`. Errors if `command` is empty. Only the input hook is filtered until
    /// [`Nftables::with_forward_chain`] says otherwise.
    pub fn new(command: Vec<String>) -> Result<Self, FirewallError> {
        if command.first().is_none_or(|program| program.is_empty()) {
            return Err(FirewallError::InvalidCommand {
                message: "the nft command is empty".to_owned(),
            });
        }
        Ok(Nftables {
            command,
            forward: false,
        })
    }

    /// Also drop banned sources on the forward hook, for a PBX in a container or a virtual
    /// machine behind this host. Without it, [`Backend::ensure`] deletes a forward chain an
    /// earlier configuration left.
    pub fn with_forward_chain(mut self, forward: bool) -> Self {
        self.forward = forward;
        self
    }

    /// The nft script [`Backend::ensure`] runs: idempotent, and it only ever names voipguard's
    /// table. Sets are added, never flushed, so bans survive a restart of voipguard; voipguard's
    /// own chains are flushed and refilled in the same transaction, so the rules are exactly
    /// these whatever was there and no packet passes unfiltered meanwhile.
    pub fn ensure_script(&self) -> String {
        let mut script = format!(
            "add table inet {TABLE}\n\
             add set inet {TABLE} {SET4} {{ type ipv4_addr; flags interval,timeout; }}\n\
             add set inet {TABLE} {SET6} {{ type ipv6_addr; flags interval,timeout; }}\n"
        );
        for (chain, wanted) in [("input", true), ("forward", self.forward)] {
            let _ = write!(
                script,
                "add chain inet {TABLE} {chain} {{ type filter hook {chain} priority -5; policy accept; }}\n\
                 flush chain inet {TABLE} {chain}\n"
            );
            if wanted {
                let _ = write!(
                    script,
                    "add rule inet {TABLE} {chain} ip saddr @{SET4} drop\n\
                     add rule inet {TABLE} {chain} ip6 saddr @{SET6} drop\n"
                );
            } else {
                let _ = writeln!(script, "delete chain inet {TABLE} {chain}");
            }
        }
        script
    }

    fn nft(&self, arguments: &[&str], stdin: Option<&str>) -> Result<String, FirewallError> {
        let argv: Vec<String> = self
            .command
            .iter()
            .cloned()
            .chain(arguments.iter().map(|argument| (*argument).to_owned()))
            .collect();
        run(&argv, stdin, NFT_DEADLINE)
    }

    fn apply(&self, script: &str) -> Result<(), FirewallError> {
        self.nft(&["-f", "-"], Some(script)).map(drop)
    }

    /// Lists with `nft -j` and reads the bans out of the answer.
    fn listed_bans(&self, arguments: &[&str]) -> Result<Vec<ActiveBan>, FirewallError> {
        let json = self.nft(arguments, None)?;
        parse_bans(&json).map_err(|message| FirewallError::Listing {
            command: self.command_line(arguments),
            message,
        })
    }

    /// The bans in the set of `target`'s family.
    fn bans_in_set_of(&self, target: Target) -> Result<Vec<ActiveBan>, FirewallError> {
        self.listed_bans(&["-j", "list", "set", "inet", TABLE, set_of(target)])
    }

    fn table_exists(&self) -> Result<bool, FirewallError> {
        let arguments = ["-j", "list", "tables"];
        let json = self.nft(&arguments, None)?;
        let listing: Listing =
            serde_json::from_str(&json).map_err(|error| FirewallError::Listing {
                command: self.command_line(&arguments),
                message: error.to_string(),
            })?;
        Ok(listing.nftables.iter().any(|object| {
            object
                .table
                .as_ref()
                .is_some_and(|table| table.family == "inet" && table.name == TABLE)
        }))
    }

    fn command_line(&self, arguments: &[&str]) -> String {
        let mut line = self.command.join(" ");
        for argument in arguments {
            line.push(' ');
            line.push_str(argument);
        }
        line
    }
}

impl Backend for Nftables {
    fn ensure(&mut self) -> Result<(), FirewallError> {
        self.apply(&self.ensure_script())
    }

    /// Lists the family's set first: nft refuses overlapping elements in an interval set, so a
    /// target inside a wider ban is reported as covered, and the narrower bans inside a new wider
    /// one are lifted first, in a transaction of their own since nft checks overlaps against the
    /// set as it was before the transaction.
    fn ban(
        &mut self,
        target: Target,
        timeout: Duration,
        reason: &str,
    ) -> Result<BanOutcome, FirewallError> {
        let millis = checked_millis(timeout)?;
        let outcome = plan_ban(&self.bans_in_set_of(target)?, target);
        match &outcome {
            BanOutcome::CoveredBy(_) => return Ok(outcome),
            BanOutcome::Added { superseded } if !superseded.is_empty() => {
                self.apply(&lift_script(superseded))?;
            }
            BanOutcome::Added { .. } | BanOutcome::Refreshed => {}
        }
        self.apply(&ban_script(target, millis, reason))?;
        Ok(outcome)
    }

    fn unban(&mut self, target: Target) -> Result<UnbanOutcome, FirewallError> {
        let outcome = plan_unban(&self.bans_in_set_of(target)?, target);
        if let UnbanOutcome::Removed(lifted) = &outcome {
            self.apply(&lift_script(lifted))?;
        }
        Ok(outcome)
    }

    /// The elements of both sets; no table means no bans. nft's JSON gives whole seconds.
    fn bans(&self) -> Result<Vec<ActiveBan>, FirewallError> {
        if !self.table_exists()? {
            return Ok(Vec::new());
        }
        self.listed_bans(&["-j", "list", "table", "inet", TABLE])
    }

    fn remove(&mut self) -> Result<(), FirewallError> {
        self.apply(&remove_script())
    }
}

fn set_of(target: Target) -> &'static str {
    if target.is_ipv4() { SET4 } else { SET6 }
}

/// Adds the target with a fresh timeout and comment. Adding an element that exists does not
/// replace its comment (and older kernels keep its old timeout), so any existing element is
/// deleted first; the leading add makes that delete succeed when there is none, and all three
/// commands are one transaction, so the address is never unbanned in between.
fn ban_script(target: Target, millis: u128, reason: &str) -> String {
    let set = set_of(target);
    let comment = nft_comment(reason);
    let comment = if comment.is_empty() {
        String::new()
    } else {
        format!(" comment \"{comment}\"")
    };
    format!(
        "add element inet {TABLE} {set} {{ {target} }}\n\
         delete element inet {TABLE} {set} {{ {target} }}\n\
         add element inet {TABLE} {set} {{ {target} timeout {millis}ms{comment} }}\n"
    )
}

/// Deletes the targets; each is added first so that one which expired since it was listed does
/// not fail the transaction.
fn lift_script(targets: &[Target]) -> String {
    targets
        .iter()
        .map(|target| {
            let set = set_of(*target);
            format!(
                "add element inet {TABLE} {set} {{ {target} }}\n\
                 delete element inet {TABLE} {set} {{ {target} }}\n"
            )
        })
        .collect()
}

/// Deletes voipguard's table and nothing else; the add makes it succeed when there is none.
fn remove_script() -> String {
    format!("add table inet {TABLE}\ndelete table inet {TABLE}\n")
}

/// The reason as an nft comment: nft strings have no escapes, and a reason may carry text an
/// attacker chose (an account name), so only printable ASCII other than `"` and `\` is kept;
/// anything else, a newline included, becomes `_`, so the reason can never end the string and
/// add commands to the script.
fn nft_comment(reason: &str) -> String {
    reason
        .trim()
        .chars()
        .map(|c| match c {
            '"' => '\'',
            ' '..='~' if c != '\\' => c,
            _ => '_',
        })
        .take(COMMENT_MAX)
        .collect()
}

/// `nft -j list …` output, reduced to what voipguard reads.
#[derive(Debug, Deserialize)]
struct Listing {
    nftables: Vec<ListedObject>,
}

/// One object of the listing; `metainfo`, `chain`, `rule` and the like are ignored.
#[derive(Debug, Deserialize)]
struct ListedObject {
    table: Option<ListedTable>,
    set: Option<ListedSet>,
}

#[derive(Debug, Deserialize)]
struct ListedTable {
    family: String,
    name: String,
}

#[derive(Debug, Deserialize)]
struct ListedSet {
    family: String,
    table: String,
    name: String,
    #[serde(default)]
    elem: Vec<ListedElement>,
}

/// nft 1.0.6 writes an element with a timeout or comment as `{"elem": {...}}` and a plain one
/// as its bare value.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum ListedElement {
    Detailed { elem: ElementDetail },
    Bare(ElementValue),
}

#[derive(Debug, Deserialize)]
struct ElementDetail {
    val: ElementValue,
    timeout: Option<u64>,
    expires: Option<u64>,
    comment: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum ElementValue {
    Address(IpAddr),
    Prefix {
        prefix: ListedPrefix,
    },
    /// A range that is no prefix, or a shape of a later nft; voipguard never adds one.
    Other(serde_json::Value),
}

#[derive(Debug, Deserialize)]
struct ListedPrefix {
    addr: IpAddr,
    len: u8,
}

/// The bans in voipguard's sets of a `nft -j list` answer, sorted by target.
fn parse_bans(json: &str) -> Result<Vec<ActiveBan>, String> {
    let listing: Listing = serde_json::from_str(json).map_err(|error| error.to_string())?;
    let mut bans = Vec::new();
    let ours = listing
        .nftables
        .into_iter()
        .filter_map(|object| object.set)
        .filter(|set| {
            set.family == "inet" && set.table == TABLE && (set.name == SET4 || set.name == SET6)
        });
    for set in ours {
        for element in set.elem {
            let (value, detail) = match element {
                ListedElement::Detailed { elem } => {
                    (elem.val, Some((elem.timeout, elem.expires, elem.comment)))
                }
                ListedElement::Bare(value) => (value, None),
            };
            let target = match value {
                ElementValue::Address(address) => Target::address(address),
                ElementValue::Prefix { prefix } => IpNet::new(prefix.addr, prefix.len)
                    .map(Target::new)
                    .map_err(|_| {
                        format!(
                            "set {} holds the invalid prefix {}/{}",
                            set.name, prefix.addr, prefix.len
                        )
                    })?,
                ElementValue::Other(other) => {
                    return Err(format!(
                        "set {} holds an element that is no address or prefix: {other}",
                        set.name
                    ));
                }
            };
            let (timeout, expires, comment) = detail.unwrap_or_default();
            bans.push(ActiveBan {
                target,
                remaining: expires.map(Duration::from_secs),
                timeout: timeout.map(Duration::from_secs),
                reason: comment,
            });
        }
    }
    bans.sort_by_key(|ban| ban.target);
    Ok(bans)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(text: &str) -> Target {
        text.parse().unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn ensure_without_forward_deletes_the_forward_chain() {
        let backend = Nftables::new(vec!["nft".to_owned()]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            backend.ensure_script(),
            "add table inet voipguard
add set inet voipguard banned4 { type ipv4_addr; flags interval,timeout; }
add set inet voipguard banned6 { type ipv6_addr; flags interval,timeout; }
add chain inet voipguard input { type filter hook input priority -5; policy accept; }
flush chain inet voipguard input
add rule inet voipguard input ip saddr @banned4 drop
add rule inet voipguard input ip6 saddr @banned6 drop
add chain inet voipguard forward { type filter hook forward priority -5; policy accept; }
flush chain inet voipguard forward
delete chain inet voipguard forward
"
        );
    }

    #[test]
    fn every_script_names_only_voipguards_table() {
        let backend = Nftables::new(vec!["nft".to_owned()])
            .unwrap_or_else(|e| panic!("{e}"))
            .with_forward_chain(true);
        let scripts = [
            backend.ensure_script(),
            ban_script(target("192.0.2.7"), 1000, "r"),
            lift_script(&[target("2001:db8::/64")]),
            remove_script(),
        ];
        for line in scripts.iter().flat_map(|script| script.lines()) {
            let mut words = line.split_whitespace();
            let verb = words.next();
            let noun = words.next();
            assert!(matches!(verb, Some("add" | "delete" | "flush")), "{line}");
            assert_ne!(noun, Some("ruleset"), "{line}");
            assert_eq!(words.next(), Some("inet"), "{line}");
            assert_eq!(words.next(), Some(TABLE), "{line}");
        }
    }

    #[test]
    fn ban_replaces_the_element_in_one_transaction() {
        assert_eq!(
            ban_script(target("192.0.2.7"), 120_000, "SIP: 10 failed REGISTER in 60 s"),
            "add element inet voipguard banned4 { 192.0.2.7 }
delete element inet voipguard banned4 { 192.0.2.7 }
add element inet voipguard banned4 { 192.0.2.7 timeout 120000ms comment \"SIP: 10 failed REGISTER in 60 s\" }
"
        );
        assert_eq!(
            ban_script(target("2001:db8:1:2::/64"), 1500, ""),
            "add element inet voipguard banned6 { 2001:db8:1:2::/64 }
delete element inet voipguard banned6 { 2001:db8:1:2::/64 }
add element inet voipguard banned6 { 2001:db8:1:2::/64 timeout 1500ms }
"
        );
    }

    #[test]
    fn lift_and_remove_scripts() {
        assert_eq!(
            lift_script(&[target("192.0.2.7"), target("2001:db8::5")]),
            "add element inet voipguard banned4 { 192.0.2.7 }
delete element inet voipguard banned4 { 192.0.2.7 }
add element inet voipguard banned6 { 2001:db8::5 }
delete element inet voipguard banned6 { 2001:db8::5 }
"
        );
        assert_eq!(
            remove_script(),
            "add table inet voipguard\ndelete table inet voipguard\n"
        );
    }

    #[test]
    fn comments_cannot_break_out_of_the_nft_string() {
        assert_eq!(
            nft_comment("user \"100\" }\nflush ruleset\\ é"),
            "user '100' }_flush ruleset_ _"
        );
        assert_eq!(nft_comment(&"x".repeat(300)).len(), COMMENT_MAX);
    }

    /// Captured from nft 1.0.6 (`nft -j list table inet voipguard`) after bans of an address
    /// with a comment, a /16, an IPv6 /64, and an element added by hand without a timeout.
    const LISTING: &str = r#"{"nftables": [{"metainfo": {"version": "1.0.6", "release_name": "Lester Gooch #5", "json_schema_version": 1}}, {"table": {"family": "inet", "name": "voipguard", "handle": 1}}, {"set": {"family": "inet", "name": "banned4", "table": "voipguard", "type": "ipv4_addr", "handle": 2, "flags": ["interval", "timeout"], "elem": [{"elem": {"val": "10.1.2.3", "timeout": 120, "expires": 62, "comment": "x y"}}, "10.7.7.10", {"elem": {"val": {"prefix": {"addr": "10.9.0.0", "len": 16}}, "timeout": 120, "expires": 62}}]}}, {"set": {"family": "inet", "name": "banned6", "table": "voipguard", "type": "ipv6_addr", "handle": 3, "flags": ["interval", "timeout"], "elem": [{"elem": {"val": {"prefix": {"addr": "2001:db8:1:2::", "len": 64}}, "timeout": 120, "expires": 96}}]}}, {"chain": {"family": "inet", "table": "voipguard", "name": "input", "handle": 4, "type": "filter", "hook": "input", "prio": -5, "policy": "accept"}}]}"#;

    #[test]
    fn listing_of_nft_1_0_6_is_read() {
        let bans = parse_bans(LISTING).unwrap_or_else(|e| panic!("{e}"));
        let summary: Vec<String> = bans
            .iter()
            .map(|ban| {
                format!(
                    "{} {:?} {:?} {:?}",
                    ban.target,
                    ban.remaining.map(|d| d.as_secs()),
                    ban.timeout.map(|d| d.as_secs()),
                    ban.reason
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                "10.1.2.3 Some(62) Some(120) Some(\"x y\")",
                "10.7.7.10 None None None",
                "10.9.0.0/16 Some(62) Some(120) None",
                "2001:db8:1:2::/64 Some(96) Some(120) None",
            ]
        );
    }

    #[test]
    fn sets_of_other_tables_are_ignored_and_odd_elements_are_errors() {
        let other = r#"{"nftables": [{"set": {"family": "inet", "name": "banned4", "table": "other", "elem": ["192.0.2.1"]}}]}"#;
        assert_eq!(parse_bans(other).map(|bans| bans.len()), Ok(0));
        let range = r#"{"nftables": [{"set": {"family": "inet", "name": "banned4", "table": "voipguard", "elem": [{"range": ["192.0.2.1", "192.0.2.5"]}]}}]}"#;
        assert_eq!(
            parse_bans(range),
            Err("set banned4 holds an element that is no address or prefix: {\"range\":[\"192.0.2.1\",\"192.0.2.5\"]}".to_owned())
        );
        assert!(parse_bans("Error: not json").is_err());
    }

    #[test]
    fn an_empty_command_is_refused() {
        assert!(matches!(
            Nftables::new(vec![]),
            Err(FirewallError::InvalidCommand { .. })
        ));
        assert!(matches!(
            Nftables::new(vec![String::new()]),
            Err(FirewallError::InvalidCommand { .. })
        ));
    }
}

//! SN-PROV-ORDER: `provisioning_order` lists only the provisioning sources in use.
//!
//! ## What it does
//! Reads `provisioning_order` (`redirection`, `pnp`, `dhcp`, `tr69`, each with `:stop` or
//! `:proceed`). It fails when the factory default applies or the list still names all four
//! sources, and when it names a source the same file shows unused: `tr69` while TR-069 is off
//! (`tr69_use_acs` not `on`, no `tr69_acs_url`), `pnp` while `pnp_config` is `off`.
//!
//! ## Why is this bad?
//! Provisioning can overwrite every security setting. Guide 002: each source the phone tries is an
//! attack vector (a rogue DHCP server, a forged PnP answer, a redirection); removing the unused
//! ones reduces them.
//!
//! ## Example
//! ```xml
//! <provisioning_order perm="R">redirection:stop pnp:stop dhcp:stop tr69:stop</provisioning_order>
//! ```
//!
//! Use instead:
//! ```xml
//! <provisioning_order perm="R">dhcp:stop</provisioning_order>
//! ```
//!
//! ## References
//! - guide `002_304575e019043713.txt`, "Provisioning"

use voipguard_model::Finding;

use super::CodeCheck;
use super::snom::{self, Val, Verdict};
use crate::context::Context;

/// The factory default: every source.
const FACTORY_ORDER: &str = "redirection:stop pnp:stop dhcp:stop tr69:stop";
/// The sources the phone knows.
const SOURCES: [&str; 4] = ["redirection", "pnp", "dhcp", "tr69"];

/// SN-PROV-ORDER.
#[derive(Debug)]
pub(crate) struct SnProvOrder;

impl CodeCheck for SnProvOrder {
    fn id(&self) -> &'static str {
        "SN-PROV-ORDER"
    }

    fn reads(&self) -> &'static [&'static str] {
        &[
            "pnp_config",
            "provisioning_order",
            "tr69_acs_url",
            "tr69_use_acs",
        ]
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        let mut verdict = Verdict::default();
        let order = snom::global(cx.device, "provisioning_order");
        verdict.evidence(order.evidence(cx, Some(FACTORY_ORDER)));
        let listed: Vec<String> = match order.val() {
            Val::Absent => {
                verdict.fail(format!(
                    "provisioning_order is `{FACTORY_ORDER}` by factory default: every source is tried"
                ));
                return verdict.finding(cx, String::new());
            }
            Val::Template(_) => {
                verdict.undecided("provisioning_order is a template variable");
                return verdict.finding(cx, String::new());
            }
            Val::Literal(text) => text
                .split_whitespace()
                .map(|entry| {
                    entry
                        .split(':')
                        .next()
                        .unwrap_or(entry)
                        .to_ascii_lowercase()
                })
                .collect(),
        };
        let names = |source: &str| listed.iter().any(|listed| listed == source);
        if SOURCES.into_iter().all(names) {
            verdict
                .fail("provisioning_order still lists every source (redirection, pnp, dhcp, tr69)");
        } else {
            if names("tr69") && tr69_unused(cx, &mut verdict) {
                verdict.fail("provisioning_order lists tr69 but TR-069 is not used");
            }
            if names("pnp") && pnp_off(cx, &mut verdict) {
                verdict.fail("provisioning_order lists pnp but pnp_config is off");
            }
        }
        let message = if listed.is_empty() {
            "provisioning_order lists no automatic source".to_owned()
        } else {
            format!("provisioning_order lists only {}", listed.join(", "))
        };
        verdict.finding(cx, message)
    }
}

/// TR-069 is unused when the file turns it off (or leaves it off: off by default in a settings
/// dump) and names no ACS.
fn tr69_unused(cx: &Context<'_>, verdict: &mut Verdict) -> bool {
    let use_acs = snom::global(cx.device, "tr69_use_acs");
    let acs_url = snom::global(cx.device, "tr69_acs_url");
    let off = matches!(use_acs.val(), Val::Absent)
        || matches!(use_acs.val(), Val::Literal(value) if !snom::is_on(value));
    let no_acs = matches!(acs_url.val(), Val::Absent | Val::Literal(""));
    if off && no_acs {
        verdict.evidence(use_acs.evidence(cx, Some("off")));
        true
    } else {
        false
    }
}

/// PnP is off only when the file says so: its factory default is not confirmed.
fn pnp_off(cx: &Context<'_>, verdict: &mut Verdict) -> bool {
    let pnp = snom::global(cx.device, "pnp_config");
    let off = matches!(pnp.val(), Val::Literal(value) if value.eq_ignore_ascii_case("off"));
    if off {
        verdict.evidence(pnp.evidence(cx, None));
    }
    off
}

#[cfg(test)]
mod tests {
    use voipguard_model::{Family, Status, Vendor};

    use crate::testing::{device, run};

    fn order(settings: &[(&str, &str)]) -> voipguard_model::Finding {
        run(
            "SN-PROV-ORDER",
            &device(Vendor::Snom, Family::Snom, settings),
        )
    }

    #[test]
    fn the_factory_list_fails_whether_written_or_defaulted() {
        let absent = order(&[]);
        assert_eq!(absent.status, Status::Fail);
        assert!(absent.evidence[0].default);
        let written = order(&[(
            "provisioning_order",
            "redirection:stop pnp:stop dhcp:stop tr69:stop",
        )]);
        assert_eq!(written.status, Status::Fail);
    }

    #[test]
    fn a_pruned_list_passes() {
        let finding = order(&[("provisioning_order", "dhcp:stop redirection:stop")]);
        assert_eq!(finding.status, Status::Pass);
        assert_eq!(
            finding.message,
            "provisioning_order lists only dhcp, redirection"
        );
    }

    #[test]
    fn sources_the_file_shows_unused_fail() {
        let tr69 = order(&[("provisioning_order", "dhcp:stop tr69:stop")]);
        assert_eq!(tr69.status, Status::Fail);
        assert!(tr69.message.contains("tr69"));
        let tr69_used = order(&[
            ("provisioning_order", "dhcp:stop tr69:stop"),
            ("tr69_use_acs", "on"),
            ("tr69_acs_url", "https://acs.example.com"),
        ]);
        assert_eq!(tr69_used.status, Status::Pass);
        let pnp = order(&[("provisioning_order", "pnp:stop"), ("pnp_config", "off")]);
        assert_eq!(pnp.status, Status::Fail);
    }

    #[test]
    fn a_template_is_unknown() {
        assert_eq!(
            order(&[("provisioning_order", "{$order}")]).status,
            Status::Unknown
        );
    }
}

//! The res_pjsip objects of a set as Asterisk builds them: the typed sections of pjsip.conf plus
//! the endpoints, AORs, inbound auths and identifies that res_pjsip_config_wizard derives from
//! the `type=wizard` sections of pjsip_wizard.conf (Asterisk 13 to 21): the endpoint (with
//! `auth` for `accepts_auth`, `outbound_auth` for `sends_auth`), its AOR, inbound auth, identify
//! (`remote_hosts`, unless phones register) and outbound registration (`sends_registrations`).

use voipguard_asterisk::{Category, Config, Variable};
use voipguard_model::Finding;

use super::asterisk_services::{absent_file, has_missing_includes, is_true, pjsip_objects};
use crate::context::Context;

/// Wizard keys copied as written to the endpoint and the outbound registration.
const WIZARD_ENDPOINT_KEYS: &[&str] = &["transport"];

/// pjsip.conf and pjsip_wizard.conf seen as one list of typed objects.
#[derive(Debug)]
pub(super) struct PjsipObjects<'a> {
    pjsip: Option<&'a Config>,
    wizard: Option<&'a Config>,
    derived: Vec<(&'static str, Category)>,
}

impl<'a> PjsipObjects<'a> {
    /// The objects of the set, or the finding to return when neither file is in it.
    pub(super) fn of(cx: &Context<'a>) -> Result<Self, Finding> {
        let file = |name: &str| cx.asterisk.and_then(|set| set.config(name));
        let pjsip = file("pjsip.conf");
        let wizard = file("pjsip_wizard.conf");
        if pjsip.is_none() && wizard.is_none() {
            return Err(absent_file(cx, "pjsip.conf"));
        }
        let derived = wizard
            .into_iter()
            .flat_map(|config| pjsip_objects(config, "wizard"))
            .flat_map(wizard_objects)
            .collect();
        Ok(Self {
            pjsip,
            wizard,
            derived,
        })
    }

    /// Every object of `kind` (`endpoint`, `aor`, `auth`, `identify`, `transport`, …).
    pub(super) fn objects<'s>(&'s self, kind: &'s str) -> impl Iterator<Item = &'s Category> {
        self.pjsip
            .into_iter()
            .flat_map(move |pjsip| pjsip_objects(pjsip, kind))
            .chain(
                self.derived
                    .iter()
                    .filter(move |(derived_kind, _)| *derived_kind == kind)
                    .map(|(_, category)| category),
            )
    }

    /// The pjsip.conf templates (`(!)`) of `kind`, which pjsip_objects leaves out.
    pub(super) fn templates<'s>(&'s self, kind: &'s str) -> impl Iterator<Item = &'s Category> {
        self.pjsip
            .into_iter()
            .flat_map(|pjsip| &pjsip.categories)
            .filter(move |category| {
                category.is_template
                    && category
                        .value("type")
                        .is_some_and(|written| written.trim().eq_ignore_ascii_case(kind))
            })
    }

    /// True when either file includes files missing from the copy.
    pub(super) fn has_missing_includes(&self) -> bool {
        self.pjsip
            .into_iter()
            .chain(self.wizard)
            .any(has_missing_includes)
    }
}

/// The objects one wizard section creates, named as the wizard names them, each variable keeping
/// its line in pjsip_wizard.conf.
fn wizard_objects(wizard: &Category) -> Vec<(&'static str, Category)> {
    let object = |name: String, variables: Vec<Variable>| Category {
        name,
        is_template: false,
        inherits: Vec::new(),
        origin: wizard.origin.clone(),
        variables,
    };
    let prefixed = |prefix: &str| -> Vec<Variable> {
        wizard
            .variables
            .iter()
            .filter_map(|variable| {
                let key = variable.name.strip_prefix(prefix)?;
                Some(Variable {
                    name: key.to_owned(),
                    ..variable.clone()
                })
            })
            .collect()
    };
    let flag = |key: &str| wizard.value(key).is_some_and(is_true);
    let name = &wizard.name;
    let accepts_registrations = flag("accepts_registrations");
    let remote_hosts = wizard.get("remote_hosts");

    let mut endpoint: Vec<Variable> = wizard
        .variables
        .iter()
        .filter(|variable| WIZARD_ENDPOINT_KEYS.contains(&variable.name.as_str()))
        .cloned()
        .collect();
    endpoint.extend(prefixed("endpoint/"));
    let mut objects = Vec::new();
    if let Some(accepts_auth) = wizard.get("accepts_auth").filter(|v| is_true(&v.value)) {
        let auth_name = format!("{name}-iauth");
        endpoint.push(Variable {
            name: "auth".into(),
            value: auth_name.clone(),
            ..accepts_auth.clone()
        });
        objects.push(("auth", object(auth_name, prefixed("inbound_auth/"))));
    }
    if let Some(sends_auth) = wizard.get("sends_auth").filter(|v| is_true(&v.value)) {
        endpoint.push(Variable {
            name: "outbound_auth".into(),
            value: format!("{name}-oauth"),
            ..sends_auth.clone()
        });
    }
    if flag("sends_registrations") {
        let mut registration: Vec<Variable> = wizard
            .variables
            .iter()
            .filter(|variable| WIZARD_ENDPOINT_KEYS.contains(&variable.name.as_str()))
            .cloned()
            .collect();
        registration.extend(prefixed("registration/"));
        objects.push((
            "registration",
            object(format!("{name}-reg-0"), registration),
        ));
    }
    objects.push(("endpoint", object(name.clone(), endpoint)));
    let aor = prefixed("aor/");
    if !aor.is_empty() || accepts_registrations || flag("has_aor") || remote_hosts.is_some() {
        objects.push(("aor", object(name.clone(), aor)));
    }
    // The wizard matches the remote hosts by address only for peers that do not register to us.
    if let Some(hosts) = remote_hosts.filter(|_| !accepts_registrations) {
        let mut identify = vec![
            Variable {
                name: "endpoint".into(),
                value: name.clone(),
                ..hosts.clone()
            },
            Variable {
                name: "match".into(),
                ..hosts.clone()
            },
        ];
        identify.extend(prefixed("identify/"));
        objects.push(("identify", object(format!("{name}-identify"), identify)));
    }
    objects
}

#[cfg(test)]
mod tests {
    use voipguard_model::Status;

    use crate::code::asterisk_services::testing::run_files;

    const TRUNK: &str = "[itsp]\ntype=wizard\ntransport=udp\nremote_hosts=203.0.113.5\n\
        endpoint/context=from-itsp\nendpoint/allow_unauthenticated_options=yes\n\
        aor/max_contacts=50\n";

    #[test]
    fn wizard_objects_are_judged_like_pjsip_conf_objects() {
        let wizard = |id: &str, text: &str| run_files(id, &[("pjsip_wizard.conf", text)]);
        // endpoint/… keys land on the endpoint.
        assert_eq!(wizard("AST-PJSIP-06", TRUNK).status, Status::Fail);
        // aor/… keys land on the AOR.
        let aor = wizard("AST-PJSIP-10", TRUNK);
        assert_eq!(aor.status, Status::Fail);
        assert!(aor.message.contains("itsp"), "{}", aor.message);
        // remote_hosts makes an identify, so the trunk is matched by address, not by user name.
        let trunk = wizard("AST-PJSIP-12", TRUNK);
        assert_eq!(trunk.status, Status::Fail, "{}", trunk.message);
        // A phone that registers gets no identify, and accepts_auth gives it an inbound auth.
        let phone = "[100]\ntype=wizard\naccepts_registrations=yes\naccepts_auth=yes\n\
            remote_hosts=198.51.100.7\ninbound_auth/username=100\nendpoint/trust_id_inbound=yes\n";
        assert_eq!(wizard("AST-PJSIP-11", phone).status, Status::Pass);
        assert_eq!(wizard("AST-PJSIP-12", phone).status, Status::NotApplicable);
    }

    #[test]
    fn both_files_are_read_together() {
        let files = [
            ("pjsip.conf", "[100]\ntype=endpoint\n"),
            ("pjsip_wizard.conf", TRUNK),
        ];
        let finding = run_files("AST-PJSIP-06", &files);
        assert_eq!(finding.status, Status::Fail);
        assert!(
            finding.message.contains("1 of 2 endpoints"),
            "{}",
            finding.message
        );
        assert_eq!(
            run_files("AST-PJSIP-06", &[("sip.conf", "[general]\n")]).status,
            Status::NotApplicable
        );
    }
}

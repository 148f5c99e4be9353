//! Which canonical setting a Grandstream P-value or v2 alias names, and how alias values translate
//! into P-value semantics (see `docs/settings-model.md` and `reference/grandstream.md` §2–4).

use std::borrow::Cow;
use std::sync::OnceLock;

use compact_str::{CompactString, ToCompactString, format_compact};
use voipguard_model::{Family, SettingKey};

use super::xml::template_span_len;

/// How an alias value becomes the P-value's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Values {
    /// Numbers and strings as written; `Yes`/`No` become `1`/`0`.
    Plain,
    /// An `Invert_Yes_No` alias: `Yes`/`1` become `0`, `No`/`0` become `1`.
    Inverted,
    /// Drop-down alias strings and their P-value numbers; anything else as for `Plain`.
    Choices(&'static [(&'static str, &'static str)]),
}

const PROTOCOLS: &[(&str, &str)] = &[
    ("TFTP", "0"),
    ("HTTP", "1"),
    ("HTTPS", "2"),
    ("FTP", "3"),
    ("FTPS", "4"),
];
const WEB_ACCESS_MODES: &[(&str, &str)] = &[
    ("HTTPS", "0"),
    ("HTTP", "1"),
    ("Disabled", "2"),
    ("Both", "3"),
];
const TRANSPORTS: &[(&str, &str)] = &[("UDP", "0"), ("TCP", "1"), ("Tls Or Tcp", "2")];
const SRTP_MODES: &[(&str, &str)] = &[
    ("Disabled", "0"),
    ("EnabledButNotForced", "1"),
    ("EnabledAndForced", "2"),
    ("Optional", "3"),
];
const URI_SCHEMES: &[(&str, &str)] = &[("sip", "0"), ("sips", "1")];
const SYSLOG_PROTOCOLS: &[(&str, &str)] = &[("UDP", "0"), ("SSL_TLS", "1")];
const LDAP_PROTOCOLS: &[(&str, &str)] = &[("LDAP", "0"), ("LDAPS", "1")];
const BLUETOOTH_POWER: &[(&str, &str)] =
    &[("Off", "0"), ("On", "1"), ("OffAndHideMenuFromLCD", "2")];
const KEYPAD_MENU: &[(&str, &str)] = &[
    ("Unrestricted", "0"),
    ("BasicSettingsOnly", "1"),
    ("Constraint Mode", "2"),
    ("LockedMode", "3"),
];
const CA_CERTIFICATES: &[(&str, &str)] = &[
    ("Default Certificates", "0"),
    ("Default", "0"),
    ("Custom Certificates", "1"),
    ("Custom", "1"),
    ("All Certificates", "2"),
    ("All", "2"),
];
const DHCP_OVERRIDE: &[(&str, &str)] = &[("No", "0"), ("Yes", "1"), ("Fallback", "2")];

/// Global v2 aliases and their P-values, sorted by alias for binary search. Values whose numeric
/// encoding no source gives (`security.minimum.TLS.version`, `security.webAccessControl`) stay as
/// written.
#[rustfmt::skip]
static GLOBAL_ALIASES: &[(&str, u32, Values)] = &[
    ("bluetooth.power",                               2910,  Values::Choices(BLUETOOTH_POWER)),
    ("call.callWaiting.enable",                       91,    Values::Inverted),
    ("call.conference.enable",                        1311,  Values::Inverted),
    ("call.ipcall.enable",                            1310,  Values::Inverted),
    ("call.transfer.enable",                          1341,  Values::Inverted),
    ("ldap.password",                                 8024,  Values::Plain),
    ("ldap.port",                                     8021,  Values::Plain),
    ("ldap.protocol",                                 8037,  Values::Choices(LDAP_PROTOCOLS)),
    ("maintain.syslog.protocol",                      8402,  Values::Choices(SYSLOG_PROTOCOLS)),
    ("maintain.syslog.sendSipLog",                    1387,  Values::Plain),
    ("maintain.syslog.server",                        207,   Values::Plain),
    ("network.openvpn.enable",                        7050,  Values::Plain),
    ("network.openvpn.port",                          7052,  Values::Plain),
    ("network.snmp.community",                        21902, Values::Plain),
    ("network.snmp.enable",                           21896, Values::Plain),
    ("network.snmp.port",                             21903, Values::Plain),
    ("network.web.port.http",                         22120, Values::Plain),
    ("network.web.port.https",                        22121, Values::Plain),
    ("provisioning.config.authenticateFile",          240,   Values::Plain),
    ("provisioning.config.filePassword",              1359,  Values::Plain),
    ("provisioning.config.password",                  1361,  Values::Plain),
    ("provisioning.config.protocol",                  212,   Values::Choices(PROTOCOLS)),
    ("provisioning.config.username",                  1360,  Values::Plain),
    ("provisioning.firmware.password",                6769,  Values::Plain),
    ("provisioning.firmware.protocol",                6767,  Values::Choices(PROTOCOLS)),
    ("provisioning.firmware.username",                6768,  Values::Plain),
    ("provisioning.override.dhcp.allowCommonOptions", 145,   Values::Choices(DHCP_OVERRIDE)),
    ("provisioning.validateHostnameInCertificate",    22030, Values::Plain),
    ("security.certificate",                          280,   Values::Plain),
    ("security.configurationViaKeypadMenu",           1357,  Values::Choices(KEYPAD_MENU)),
    ("security.key",                                  279,   Values::Plain),
    ("security.maximum.TLS.version",                  22294, Values::Plain),
    ("security.minimum.TLS.version",                  22293, Values::Plain),
    ("security.password",                             281,   Values::Plain),
    ("security.ssh",                                  276,   Values::Inverted),
    ("security.ssh.port",                             27006, Values::Plain),
    ("security.validate.serverCertificate",           8463,  Values::Plain),
    ("security.webAccess.attemptLimit",               28117, Values::Plain),
    ("security.webAccess.session.timeout",            28116, Values::Plain),
    ("security.webAccess.user.enable",                8469,  Values::Plain),
    ("security.webAccessControl",                     22374, Values::Plain),
    ("security.webAccessControl.list",                22375, Values::Plain),
    ("security.webAccessMode",                        1650,  Values::Choices(WEB_ACCESS_MODES)),
    ("security.webKeypadRestrictModeLockoutDuration", 1683,  Values::Plain),
    ("sip.notify.challenge",                          4428,  Values::Plain),
    ("tr069.connectionRequestPassword",               4512,  Values::Plain),
    ("tr069.connectionRequestPort",                   4518,  Values::Plain),
    ("tr069.connectionRequestUsername",               4511,  Values::Plain),
    ("tr069.enable",                                  1409,  Values::Plain),
    ("tr069.password",                                4505,  Values::Plain),
    ("tr069.periodicInform",                          4506,  Values::Plain),
    ("tr069.periodicInformInterval",                  4507,  Values::Plain),
    ("tr069.ssl.certificate",                         8220,  Values::Plain),
    ("tr069.ssl.privateKey",                          8221,  Values::Plain),
    ("tr069.url",                                     4503,  Values::Plain),
    ("tr069.username",                                4504,  Values::Plain),
    ("trustedCACertificates.load",                    8502,  Values::Choices(CA_CERTIFICATES)),
    ("users.admin.password",                          2,     Values::Plain),
    ("users.user.password",                           196,   Values::Plain),
];

/// Where an account's field lives in a P-value block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    /// Accounts 1–4: same P-value on every family.
    Account(u16),
    /// Account 5 on every family but GXP (the GRP26xx template's P7xx).
    Account5NotGxp,
    /// Account 5 on GXP21xx (P17xx).
    Account5Gxp,
}

/// A per-account field: its alias tail, P-values for accounts 1–4, account 5 on GRP (and every
/// other non-GXP family) and account 5 on GXP21xx (0 where no source gives one), and its values.
struct AccountField {
    tail: &'static str,
    /// `account.<tail>`, spelled out once so keys need no allocation.
    name: &'static str,
    pvalues: [u32; 6],
    values: Values,
}

macro_rules! field {
    ($tail:literal, $pvalues:expr, $values:expr) => {
        AccountField {
            tail: $tail,
            name: concat!("account.", $tail),
            pvalues: $pvalues,
            values: $values,
        }
    };
}

/// Sorted by tail for binary search.
#[rustfmt::skip]
static ACCOUNT_FIELDS: &[AccountField] = &[
    field!("audio.srtpMode",                  [  183,   443,   543,   643,   743,  1743], Values::Choices(SRTP_MODES)),
    field!("call.rejectAnonymousCall",        [  129,   446,   546,   646,   746,  1746], Values::Plain),
    field!("enable",                          [  271,   401,   501,   601,   701,  1701], Values::Plain),
    field!("name",                            [  270,   417,   517,   617,   717,  1717], Values::Plain),
    field!("sip.authenticateIncomingInvite",  [ 2346,  2446,  2546,  2646,  2746,  2746], Values::Plain),
    field!("sip.challengeRealm",              [26021, 26121, 26221, 26321, 26421, 26421], Values::Plain),
    field!("sip.localPort",                   [   40,   413,   513,   613,   713,  1713], Values::Plain),
    field!("sip.outboundProxy.1.address",     [   48,   403,   503,   603,   703,  1703], Values::Plain),
    field!("sip.outboundProxy.2.address",     [ 2333,     0,     0,     0,     0,     0], Values::Plain),
    field!("sip.server.1.address",            [   47,   402,   502,   602,   702,  1702], Values::Plain),
    field!("sip.server.2.address",            [ 2312,  2412,  2512,  2612,  2712,  2712], Values::Plain),
    field!("sip.subscriber.name",             [    3,   407,   507,   607,   707,  1707], Values::Plain),
    field!("sip.subscriber.password",         [   34,   406,   506,   606,   706,  1706], Values::Plain),
    field!("sip.subscriber.userid",           [   36,   405,   505,   605,   705,  1705], Values::Plain),
    field!("sip.transport",                   [  130,   448,   548,   648,   748,  1748], Values::Choices(TRANSPORTS)),
    field!("sip.uriSchemeWhenUsingTls",       [ 2329,  2429,  2529,  2629,  2729,  2729], Values::Choices(URI_SCHEMES)),
    field!("sip.userid",                      [   35,   404,   504,   604,   704,  1704], Values::Plain),
    field!("sip.validate.certificationChain", [ 2367,  2467,  2567,  2667,  2767,  2767], Values::Plain),
    field!("sip.validate.domainCertificates", [ 2311,  2411,  2511,  2611,  2711,  2711], Values::Plain),
    field!("sip.validate.incomingMessage",    [ 2306,  2406,  2506,  2606,  2706,  2706], Values::Plain),
    field!("sip.validate.incomingServer",     [ 2347,  2447,  2547,  2647,  2747,  2747], Values::Plain),
    field!("sip.validate.userIdforInvite",    [  258,   449,   549,   649,   749,  1749], Values::Plain),
];

const SLOTS: [Slot; 6] = [
    Slot::Account(1),
    Slot::Account(2),
    Slot::Account(3),
    Slot::Account(4),
    Slot::Account5NotGxp,
    Slot::Account5Gxp,
];

/// Global P-values that hold passwords, PINs or keys (besides names that say `pass`).
const SECRET_PVALUES: &[&str] = &[
    "P1", "P10457", "P15505", "P196", "P1359", "P1361", "P2", "P279", "P281", "P4505", "P4512",
    "P6769", "P8024", "P8221", "P9904",
];

/// P-value → (field, slot) pairs, sorted by P-value; built once per process.
fn account_index() -> &'static [(u32, &'static AccountField, Slot)] {
    static INDEX: OnceLock<Vec<(u32, &'static AccountField, Slot)>> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut index: Vec<_> = ACCOUNT_FIELDS
            .iter()
            .flat_map(|field| {
                field
                    .pvalues
                    .iter()
                    .zip(SLOTS)
                    .filter(|(pvalue, _)| **pvalue != 0)
                    .map(move |(pvalue, slot)| (*pvalue, field, slot))
            })
            .collect();
        index.sort_by_key(|(pvalue, _, _)| *pvalue);
        index
    })
}

/// The global v2 aliases whose canonical name is `name` (`security.ssh` for `P276`).
pub(crate) fn aliases_named(name: &str) -> impl Iterator<Item = &'static str> {
    let number = super::pvalue_number(name);
    GLOBAL_ALIASES
        .iter()
        .filter(move |(_, pvalue, _)| Some(*pvalue) == number)
        .map(|(alias, _, _)| *alias)
}

/// Canonical names of every per-account field.
pub(crate) fn account_field_names() -> impl Iterator<Item = &'static str> {
    ACCOUNT_FIELDS.iter().map(|field| field.name)
}

/// The P-values whose canonical name is `name` on some family: the number of `P276`, every
/// account's P-value of `account.sip.transport`, nothing for other names.
pub(crate) fn pvalues_named(name: &str) -> Vec<u32> {
    if let Some(number) = super::pvalue_number(name) {
        return vec![number];
    }
    ACCOUNT_FIELDS
        .iter()
        .filter(|field| field.name == name)
        .flat_map(|field| field.pvalues)
        .filter(|&number| number != 0)
        .collect()
}

/// The canonical key of P-value `number` on a device of `family`.
pub(crate) fn pvalue_key(number: u32, family: Family) -> SettingKey {
    let index = account_index();
    let start = index.partition_point(|(pvalue, _, _)| *pvalue < number);
    let account = index
        .get(start..)
        .unwrap_or_default()
        .iter()
        .take_while(|(pvalue, _, _)| *pvalue == number)
        .find_map(|(_, field, slot)| {
            let account = match slot {
                Slot::Account(account) => *account,
                Slot::Account5NotGxp if family != Family::Gxp => 5,
                Slot::Account5Gxp if family == Family::Gxp => 5,
                Slot::Account5NotGxp | Slot::Account5Gxp => return None,
            };
            Some(SettingKey::account(
                CompactString::const_new(field.name),
                account,
            ))
        });
    account.unwrap_or_else(|| SettingKey::global(pvalue_name(number)))
}

/// `P276` for 276, built inline (at most 11 bytes: no heap allocation) and without the
/// formatting machinery, which costs more than the rest of a setting's key.
fn pvalue_name(number: u32) -> CompactString {
    let mut name = CompactString::const_new("P");
    name.push_str(&number.to_compact_string());
    name
}

/// What an alias names.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Alias {
    /// Canonical key.
    pub(crate) key: SettingKey,
    /// How its value translates.
    pub(crate) values: Values,
}

/// The canonical key of a v2 alias (`security.ssh`, `account.2.sip.transport`).
pub(crate) fn alias(name: &str) -> Alias {
    if let Some(found) = account_alias(name) {
        return found;
    }
    let (key, values) = match GLOBAL_ALIASES.binary_search_by(|(alias, _, _)| alias.cmp(&name)) {
        Ok(found) => GLOBAL_ALIASES.get(found).map_or(
            (SettingKey::global(name), Values::Plain),
            |(_, number, values)| (SettingKey::global(pvalue_name(*number)), *values),
        ),
        Err(_) => (SettingKey::global(name), Values::Plain),
    };
    Alias { key, values }
}

/// Accounts the alias form may address.
const MAX_ACCOUNT: u16 = 99;

fn account_alias(name: &str) -> Option<Alias> {
    let rest = name.strip_prefix("account.")?;
    let index_len = match template_span_len(rest) {
        Some(len) => len,
        None => rest.find('.')?,
    };
    let (index_text, tail) = (
        rest.get(..index_len)?,
        rest.get(index_len..)?.strip_prefix('.')?,
    );
    // A templated account number (`account.{$row.line_number}.…`) is filed under account 1; the
    // template makes the value undecidable anyway.
    let index = if template_span_len(index_text).is_some() {
        1
    } else {
        index_text
            .parse::<u16>()
            .ok()
            .filter(|index| (1..=MAX_ACCOUNT).contains(index))?
    };
    if tail.is_empty() {
        return None;
    }
    let known = ACCOUNT_FIELDS
        .binary_search_by(|field| field.tail.cmp(tail))
        .ok()
        .and_then(|found| ACCOUNT_FIELDS.get(found));
    let (name, values) = match known {
        Some(field) => (CompactString::const_new(field.name), field.values),
        None => (format_compact!("account.{tail}"), Values::Plain),
    };
    Some(Alias {
        key: SettingKey::account(name, index),
        values,
    })
}

/// Turns an alias value into P-value semantics.
pub(crate) fn alias_value(values: Values, written: &str) -> Cow<'_, str> {
    let yes_no = |yes: &'static str, no: &'static str| {
        let trimmed = written.trim();
        if trimmed.eq_ignore_ascii_case("yes") {
            Some(yes)
        } else if trimmed.eq_ignore_ascii_case("no") {
            Some(no)
        } else {
            None
        }
    };
    let converted = match values {
        Values::Plain => yes_no("1", "0"),
        Values::Inverted => yes_no("0", "1").or(match written.trim() {
            "1" => Some("0"),
            "0" => Some("1"),
            _ => None,
        }),
        Values::Choices(choices) => choices
            .iter()
            .find(|(choice, _)| same_choice(choice, written))
            .map(|(_, number)| *number)
            .or_else(|| yes_no("1", "0")),
    };
    converted.map_or(Cow::Borrowed(written), Cow::Borrowed)
}

/// Case-insensitive comparison that ignores white space (`Tls Or Tcp` = `TlsOrTcp` = `tls or tcp`).
fn same_choice(choice: &str, written: &str) -> bool {
    let mut written_chars = written.chars().filter(|c| !c.is_whitespace());
    let mut choice_chars = choice.chars().filter(|c| !c.is_whitespace());
    loop {
        match (choice_chars.next(), written_chars.next()) {
            (None, None) => return true,
            (Some(expected), Some(found)) if expected.eq_ignore_ascii_case(&found) => {}
            _ => return false,
        }
    }
}

/// True when the setting holds a password, PIN or key.
pub(crate) fn is_secret(key: &SettingKey, written_as: &str) -> bool {
    let says_pass = |name: &str| {
        name.as_bytes()
            .windows(4)
            .any(|window| window.eq_ignore_ascii_case(b"pass"))
    };
    key.name == "account.sip.subscriber.password"
        || (key.index.is_none() && SECRET_PVALUES.contains(&key.name.as_str()))
        || says_pass(&key.name)
        || says_pass(written_as)
}

/// P-values only GDS door systems use (door opening, GDSManager); a file setting them is a GDS.
pub(crate) const GDS_PVALUES: &[&str] =
    &["P14101", "P14320", "P14858", "P15301", "P15424", "P15505"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_sorted_for_binary_search() {
        assert!(GLOBAL_ALIASES.windows(2).all(|pair| pair[0].0 < pair[1].0));
        assert!(
            ACCOUNT_FIELDS
                .windows(2)
                .all(|pair| pair[0].tail < pair[1].tail)
        );
    }

    #[test]
    fn accounts_one_to_five_by_pvalue() {
        let transport = [130, 448, 548, 648, 748];
        for (account, number) in (1..=5).zip(transport) {
            assert_eq!(
                pvalue_key(number, Family::Grp),
                SettingKey::account("account.sip.transport", account)
            );
        }
        assert_eq!(
            pvalue_key(1748, Family::Gxp),
            SettingKey::account("account.sip.transport", 5)
        );
        // P17xx is account 5 only on GXP, P7xx only elsewhere.
        assert_eq!(pvalue_key(1748, Family::Grp), SettingKey::global("P1748"));
        assert_eq!(pvalue_key(748, Family::Gxp), SettingKey::global("P748"));
        // The security block is shared by both numberings.
        for family in [Family::Grp, Family::Gxp, Family::Unknown] {
            assert_eq!(
                pvalue_key(2729, family),
                SettingKey::account("account.sip.uriSchemeWhenUsingTls", 5)
            );
        }
        assert_eq!(
            pvalue_key(26121, Family::Wp820),
            SettingKey::account("account.sip.challengeRealm", 2)
        );
        assert_eq!(pvalue_key(276, Family::Grp), SettingKey::global("P276"));
    }

    #[test]
    fn aliases_name_pvalues_and_accounts() {
        let ssh = alias("security.ssh");
        assert_eq!(ssh.key, SettingKey::global("P276"));
        assert_eq!(ssh.values, Values::Inverted);
        let transport = alias("account.12.sip.transport");
        assert_eq!(
            transport.key,
            SettingKey::account("account.sip.transport", 12)
        );
        let templated = alias("account.{$row.line_number}.enable");
        assert_eq!(templated.key, SettingKey::account("account.enable", 1));
        assert_eq!(
            alias("account.100.enable").key,
            SettingKey::global("account.100.enable")
        );
        assert_eq!(
            alias("dateTime.timezone").key,
            SettingKey::global("dateTime.timezone")
        );
    }

    #[test]
    fn alias_values_become_pvalue_values() {
        let cases = [
            ("security.webAccessMode", "HTTPS", "0"),
            ("security.webAccessMode", "http", "1"),
            ("security.webAccessMode", "Disabled", "2"),
            ("security.webAccessMode", "Both", "3"),
            ("security.ssh", "No", "1"),
            ("security.ssh", "Yes", "0"),
            ("security.ssh", "0", "1"),
            ("call.ipcall.enable", "no", "1"),
            ("provisioning.config.protocol", "FTPS", "4"),
            ("maintain.syslog.protocol", "SSL_TLS", "1"),
            ("bluetooth.power", "OffAndHideMenuFromLCD", "2"),
            ("trustedCACertificates.load", "Custom Certificates", "1"),
            ("network.snmp.enable", "Yes", "1"),
            ("network.web.port.https", "8443", "8443"),
            ("account.1.sip.transport", "Tls Or Tcp", "2"),
            ("account.3.sip.transport", "TLSORTCP", "2"),
            ("account.2.sip.transport", "udp", "0"),
            ("account.1.audio.srtpMode", "EnabledAndForced", "2"),
            ("account.1.audio.srtpMode", "Optional", "3"),
            ("account.1.sip.uriSchemeWhenUsingTls", "sips", "1"),
            ("account.1.enable", "No", "0"),
            ("security.minimum.TLS.version", "TLS_1_2", "TLS_1_2"),
        ];
        for (name, written, expected) in cases {
            assert_eq!(
                alias_value(alias(name).values, written),
                expected,
                "{name} = {written}"
            );
        }
    }

    #[test]
    fn secrets_are_marked() {
        assert!(is_secret(&SettingKey::global("P2"), "users.admin.password"));
        assert!(is_secret(&SettingKey::global("P1361"), "P1361"));
        assert!(is_secret(
            &SettingKey::account("account.sip.subscriber.password", 3),
            "P506"
        ));
        assert!(is_secret(
            &SettingKey::global("foo.Password"),
            "foo.Password"
        ));
        assert!(!is_secret(&SettingKey::global("P276"), "P276"));
        assert!(!is_secret(
            &SettingKey::account("account.sip.userid", 1),
            "P35"
        ));
    }
}
